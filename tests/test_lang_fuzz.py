"""The parsers never fail with anything but their own syntax error, whatever the text, and
evaluation fails only with the errors a run reports."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, strategies as st

from flowdsl.errors import LanguageSyntaxError
from flowdsl.lang import intrinsics, jsonata, jsonpath, timestamps
from flowdsl.run import StatesError
from flowdsl.run import intrinsics as run_intrinsics
from flowdsl.run.jsonpath import PathError, evaluate_compiled
from flowdsl.testing.strategies import intrinsic_calls, json_paths, json_values

PATH_ALPHABET = "$@.[]()*?:,'\"\\ -!=<>&|0123456789abAB_length"
CALL_ALPHABET = "States.Format(ArrayRange MathAdd )'{}\\$.a[0],-1e2 truefalsenull"


def _text(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=30)


@given(_text(PATH_ALPHABET).map(lambda t: "$" + t))
def test_paths_parse_or_fail_cleanly(text: str) -> None:
    try:
        tree = jsonpath.parse(text)
    except LanguageSyntaxError as e:
        assert 0 <= e.offset <= len(text)
        return
    assert tree.text == text
    assert jsonpath.check(text, reference=False) is None


@given(_text(CALL_ALPHABET).map(lambda t: "States." + t))
def test_intrinsics_parse_or_fail_cleanly(text: str) -> None:
    try:
        call = intrinsics.parse(text)
    except LanguageSyntaxError as e:
        assert 0 <= e.offset <= len(text)
        return
    intrinsics.problem(call)  # a message or None, never an exception


@given(st.text(max_size=20).map(lambda t: "{%" + t + "%}"), st.text(max_size=30))
def test_jsonata_and_timestamps_check_cleanly(expression: str, stamp: str) -> None:
    jsonata.check(expression)
    timestamps.problem(stamp)


@given(json_paths(), json_values(8))
def test_evaluating_a_path_fails_only_as_a_run_does(path: str, doc: Any) -> None:
    try:
        evaluate_compiled(jsonpath.parse(path), doc)
    except PathError:
        pass


@given(intrinsic_calls(depth=2), json_values(8))
def test_evaluating_a_call_fails_only_as_a_run_does(text: str, doc: Any) -> None:
    def resolve(p: str) -> Any:
        try:
            return evaluate_compiled(jsonpath.parse(p), doc)
        except PathError:
            raise StatesError("States.Runtime", p) from None

    try:
        run_intrinsics.evaluate(text, resolve, random.Random(0))
    except StatesError:
        pass
