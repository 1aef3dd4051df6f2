"""An EventJob's input transformer looks its paths up by EventBridge's grammar (names and
indexes) without the engine; what it finds is what the engine's JSONPath finds for the same
path, and null where that finds nothing."""

from __future__ import annotations

import pytest

from flowdsl.deployments.event import _INPUT_PATH, _lookup
from flowdsl.run.jsonpath import PathError, evaluate

EVENT = {"a": {"b": [1, {"c": 2}], "x.y": 3, 'q"': 4}, "detail": {"k-1": "v", "@t": 5, "$s": 6},
         "l": [[0, 1], [2]], "n": None}


@pytest.mark.parametrize("path, found", [
    ("$", EVENT), ("$.a.b", [1, {"c": 2}]), ("$.a.b[1].c", 2), ("$.l[1][0]", 2),
    ("$['a']['x.y']", 3), ('$["a"].b[0]', 1), ("$.a['q\"']", 4), ("$.detail.k-1", "v"),
    ("$.detail.@t", 5), ("$.detail.$s", 6),
    ("$.a.b[5]", None), ("$.a[0]", None), ("$.missing", None), ("$.a.b.c", None), ("$.n.x", None),
])
def test_a_path_finds_what_the_engine_finds(path: str, found: object) -> None:
    assert _INPUT_PATH.fullmatch(path)
    assert _lookup(path, EVENT) == found
    try:
        engine = evaluate(path, EVENT)
    except PathError:
        engine = None
    assert engine == found


def test_a_path_outside_the_grammar_finds_nothing() -> None:
    assert _lookup("$.a..b", EVENT) is None
    assert _lookup("a.b", EVENT) is None
