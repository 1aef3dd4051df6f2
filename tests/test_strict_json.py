"""flowdsl.strict_json: strict reading, and pretty-printing identical to json's at any depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdsl import strict_json
from flowdsl.strict_json import JsonValueError, depth_of, depth_of_text, loads, pretty_dumps

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",))),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=30)


@given(JSON, st.booleans())
def test_pretty_dumps_is_json_dumps(value: Any, sort_keys: bool) -> None:
    assert pretty_dumps(value, sort_keys=sort_keys) == json.dumps(value, indent=2, ensure_ascii=False,
                                                                   sort_keys=sort_keys)


@given(JSON)
def test_loads_reads_what_json_writes(value: Any) -> None:
    assert loads(json.dumps(value), "x") == value


def test_pretty_dumps_deeper_than_the_recursion_limit() -> None:
    deep: Any = 1
    for _ in range(3_000):  # three times Python's default recursion limit
        deep = [deep]
    text = pretty_dumps(deep)  # on this thread's ordinary stack: no recursion
    assert text.startswith("[\n  [\n    [") and text.endswith("]\n  ]\n]")
    assert depth_of(deep) == 3_000 and depth_of_text(text) == 3_000


@pytest.mark.parametrize("text, message", [
    ("NaN", "x: not valid JSON: NaN is not a JSON value"),
    ("[1, Infinity]", "x: not valid JSON: Infinity is not a JSON value"),
    ("1e400", "x: not valid JSON: the number 1e400 is too large for a JSON reader (it overflows a double)"),
    ('"\\ud800"', "x: holds a lone surrogate, which is not valid Unicode text"),
    ('{"\\udfff": 1}', "x: a key holds a lone surrogate, which is not valid Unicode text"),
    ("[" * 20_001 + "]" * 20_001, "x: nests 20,001 levels deep; flowdsl reads at most 20,000"),
    ('{"a": 1,}', "x:1:9: not valid JSON: Expecting property name enclosed in double quotes"),
    ('"[[[" ', None),  # brackets inside a string are not nesting
])
def test_loads_refuses_what_other_json_readers_refuse(text: str, message: str | None) -> None:
    if message is None:
        assert loads(text, "x") == "[[["
        return
    with pytest.raises(JsonValueError) as info:
        loads(text, "x")
    assert str(info.value) == message


@given(st.text(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF,
                                                 exclude_categories=()), max_size=40))
def test_lone_surrogate_finds_the_first_code_point_a_utf8_writer_refuses(text: str) -> None:
    import re

    first = re.search("[\ud800-\udfff]", text)
    assert strict_json.lone_surrogate(text) == (first.group() if first else None)


@pytest.mark.parametrize("text, found", [("", None), ("plain", None), ("é\u2028😀", None),
                                         ("a\ud800b", "\ud800"), ("😀\udfff\ud800", "\udfff")])
def test_lone_surrogate_examples(text: str, found: str | None) -> None:
    assert strict_json.lone_surrogate(text) == found
