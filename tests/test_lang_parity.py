"""One table of strings, through both sides: what validates runs, and what does not validate
fails when it runs. Both sides read the strings with the parsers of ``flowdsl.lang``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from flowdsl.lang import intrinsics as lang_intrinsics, jsonpath, operators as lang_operators
from flowdsl.run import RunError, execute
from flowdsl.run import choice as run_choice, intrinsics as run_intrinsics
from flowdsl.testing.strategies import intrinsic_calls, json_paths, reference_paths
from flowdsl.validate import validate

DOC: dict[str, Any] = {
    "a": {"b": [10, 20, 30], "c": "x"},
    "b": 2,
    "items": [{"v": 1, "s": "x"}, {"v": 2, "s": "y"}, {"v": 3}],
    "n": 3,
    "s": "a,b",
    "t": "2024-01-01T00:00:00Z",
}


def _machine(kind: str, text: str) -> dict[str, Any]:
    if kind == "path":
        state = {"Type": "Pass", "InputPath": text, "End": True}
    elif kind == "reference":
        state = {"Type": "Pass", "Result": 1, "ResultPath": text, "End": True}
    elif kind == "payload":
        state = {"Type": "Pass", "Parameters": {"x.$": text}, "End": True}
    elif kind == "wait":
        state = {"Type": "Wait", "Timestamp": text, "End": True}
    elif kind == "choice":
        return {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.t", "TimestampEquals": text, "Next": "X"}],
                  "Default": "X"},
            "X": {"Type": "Succeed"}}}
    elif kind == "variable":
        return {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": text, "IsPresent": True, "Next": "X"}],
                  "Default": "X"},
            "X": {"Type": "Succeed"}}}
    else:
        assert kind == "jsonata"
        return {"QueryLanguage": "JSONata", "StartAt": "S",
                "States": {"S": {"Type": "Pass", "Output": text, "End": True}}}
    return {"StartAt": "S", "States": {"S": state}}


VALID = "valid"
INVALID = "invalid"

TABLE: list[tuple[str, str, str]] = [
    # JSONPath: the three that used to disagree first
    ("path", "$['a','b']", VALID),  # Jayway merges the named fields into one object
    ("path", "$.a.b.length()", VALID),
    ("path", "$[?(@.a && @.b)]", VALID),
    ("path", "$", VALID),
    ("path", "$.a", VALID),
    ("path", "$.a.b[0]", VALID),
    ("path", "$.a.b[-1]", VALID),
    ("path", "$['a']['b'][1]", VALID),
    ("path", '$["a"].c', VALID),
    ("path", "$.a.b[*]", VALID),
    ("path", "$.a.*", VALID),
    ("path", "$.a.b[1:]", VALID),
    ("path", "$.a.b[0:3:2]", VALID),
    ("path", "$.a.b[0, 2]", VALID),
    ("path", "$..v", VALID),
    ("path", "$..[0]", VALID),
    ("path", "$.items[*].v", VALID),
    ("path", "$.items[?(@.v > 1)]", VALID),
    ("path", "$.items[?(@.v > 1 && @.s == 'y')].s", VALID),
    ("path", "$.items[?(@.v == 1 || !@.s)]", VALID),
    ("path", "$.items[?((@.v >= 2) && @.s != \"y\")]", VALID),
    ("path", "$.items[?(@.v < $.n)]", VALID),
    ("path", "$.a.b[(@.length-1)]", VALID),
    ("path", "$$.Execution.Id", VALID),
    ("path", "a", INVALID),
    ("path", "$.", INVALID),
    ("path", "$.a[", INVALID),
    ("path", "$.a[x]", INVALID),
    ("path", "$.a b", INVALID),
    ("path", "$[]", INVALID),
    ("path", "$.a.b.size()", INVALID),
    ("path", "$.a.length().b", INVALID),
    ("path", "$..length()", INVALID),
    ("path", "$['a',1]", INVALID),
    ("path", "$['a", INVALID),
    ("path", "$[?(@.a &&)]", INVALID),
    ("path", "$[?(@.a = 1)]", INVALID),
    ("path", "$[?(@.v >)]", INVALID),
    ("path", "$[?(@.v > 1]", INVALID),
    ("path", "$[?@.v]", INVALID),
    ("variable", "$.a.b[?(@ > 10)]", VALID),
    ("variable", "$.a..c", VALID),
    ("variable", "$.a.b[0:]x", INVALID),
    # reference paths
    ("reference", "$.r", VALID),
    ("reference", "$['r']", VALID),
    ("reference", "$.a.b[0]", VALID),
    ("reference", "$.a[*]", INVALID),
    ("reference", "$..r", INVALID),
    ("reference", "$.a.*", INVALID),
    ("reference", "$$.r", INVALID),
    ("reference", "$r", INVALID),
    ("reference", "$['a','b']", INVALID),
    ("reference", "$.a.b.length()", INVALID),
    ("reference", "$.a.b[0:1]", INVALID),
    # intrinsic functions, and plain paths, as the values of "key.$"
    ("payload", "States.MathAdd(01, 2)", INVALID),  # numbers are written as in JSON
    ("payload", "States.MathAdd(1, 2)", VALID),
    ("payload", "States.MathAdd(-1, 2.5)", VALID),
    ("payload", "States.MathAdd(1e2, 0)", VALID),
    ("payload", "States.Format('{} and {}', $.n, $.s)", VALID),
    ("payload", "States.Format('\\{\\} {}', $['a']['c'])", VALID),
    ("payload", "States.Format('{}', $$.Execution.Id)", VALID),
    ("payload", "States.Array()", VALID),
    ("payload", "States.Array(1, 'x', null, true, $.a.b[*])", VALID),
    ("payload", "States.ArrayRange(1, 9, 2)", VALID),
    ("payload", "States.ArrayRange(5, 1, -2)", VALID),
    ("payload", "States.StringSplit($.s, ',')", VALID),
    ("payload", "States.Hash($.s, 'SHA-256')", VALID),
    ("payload", "States.ArrayGetItem($.a.b, 0)", VALID),
    ("payload", "States.ArrayLength($.items[?(@.v > 1)])", VALID),
    ("payload", "States.JsonMerge($.a, $.a, false)", VALID),
    ("payload", "States.MathRandom(1, 10)", VALID),
    ("payload", "States.UUID()", VALID),
    ("payload", "States.ArrayContains($['a','b'].b, 20)", VALID),  # not last: the fields are iterated
    ("payload", "States.Format('{}', States.ArrayLength($.a.b))", VALID),
    ("payload", "$.a.b", VALID),
    ("payload", "nope", INVALID),
    ("payload", "States.MathAdd(1)", INVALID),
    ("payload", "States.MathAdd(1, 'b')", INVALID),
    ("payload", "States.MathAdd(1., 2)", INVALID),
    ("payload", "States.MathAdd(+1, 2)", INVALID),
    ("payload", "States.Nope()", INVALID),
    ("payload", "States.Format('{} {}', 1)", INVALID),
    ("payload", "States.Format('x'", INVALID),
    ("payload", "States.Array(1 2)", INVALID),
    ("payload", "States.Array($.a[)", INVALID),
    ("payload", "States.Array(1) x", INVALID),
    ("payload", "States.ArrayRange(1, 5, 0)", INVALID),
    ("payload", "States.ArrayRange(0, 5000, 1)", INVALID),
    ("payload", "States.MathRandom(5, 1)", INVALID),
    ("payload", "States.Hash($.s, 'SHA-999')", INVALID),
    ("payload", "States.JsonMerge($.a, $.a, true)", INVALID),
    ("payload", "States.ArrayGetItem($.a.b, -1)", INVALID),
    ("payload", "States.ArrayPartition($.a.b, 0)", INVALID),
    ("payload", "States.Format('{}', States.Nope(1))", INVALID),
    # a literal where an array or an object is needed fails every run
    ("payload", "States.ArrayLength('x')", INVALID),
    ("payload", "States.ArrayContains(1, 1)", INVALID),
    ("payload", "States.JsonMerge($.a, 'x', false)", INVALID),
    ("payload", "States.StringToJson('{\\\"k\\\": 1}')", VALID),
    ("payload", "States.StringToJson('{bad')", INVALID),
    ("payload", "States.StringToJson('  ')", VALID),
    ("payload", "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", VALID),
    ("payload", "States.Base64Decode('%%%')", INVALID),
    ("payload", "States.Base64Decode('/w==')", INVALID),
    ("payload", "States.Hash(null, 'MD5')", INVALID),
    ("payload", "States.Hash('x', 'MD5')", VALID),
    # timestamps: ASL requires an uppercase T and Z
    ("wait", "2016-03-14T01:59:00Z", VALID),
    ("wait", "2016-03-14T01:59:00.123456789+05:30", VALID),
    ("wait", "2016-03-14T01:59:00-00:00", VALID),
    ("wait", "2016-03-14T01:59:00z", INVALID),
    ("wait", "2016-03-14t01:59:00Z", INVALID),
    ("wait", "2016-03-14 01:59:00Z", INVALID),
    ("wait", "2016-03-14T01:59:00", INVALID),
    ("wait", "2016-13-14T01:59:00Z", INVALID),
    ("wait", "2016-02-30T01:59:00Z", INVALID),
    ("choice", "2024-01-01T00:00:00Z", VALID),
    ("choice", "2024-01-01T00:00:00z", INVALID),
    ("choice", "2024-01-01", INVALID),
    # JSONata: AWS accepts the delimiters without spaces, and expressions over several lines
    ("jsonata", "{% 1 + 2 %}", VALID),
    ("jsonata", "{%$states.input%}", VALID),
    ("jsonata", "{%\n  $states.input.a\n    .b\n%}", VALID),
    ("jsonata", "{% $states.input.items[v > 1].s %}", VALID),
    ("jsonata", "{% %}", INVALID),
    ("jsonata", "{%%}", INVALID),
    ("jsonata", "{% 1 + %}", INVALID),
    ("jsonata", "{% 10 %", INVALID),
    ("jsonata", "10 %}", INVALID),
    ("jsonata", "{% $states.input.a[ %}", INVALID),
]


def _validates(kind: str, text: str) -> bool:
    return validate(_machine(kind, text)) == []


def _runs(kind: str, text: str) -> bool:
    try:
        execution = execute(_machine(kind, text), DOC)
    except RunError:
        return False
    return execution.status == "SUCCEEDED"


@pytest.mark.parametrize(("kind", "text", "expected"), TABLE, ids=[f"{k}:{t}" for k, t, _ in TABLE])
def test_validate_and_run_agree(kind: str, text: str, expected: str) -> None:
    assert (_validates(kind, text), _runs(kind, text)) == ((expected == VALID),) * 2


@pytest.mark.parametrize(("path", "value"), [
    ("$['a','b']", {"a": DOC["a"], "b": 2}),
    ("$.a.b.length()", 3),
    ("$[?(@.a && @.b)]", [DOC]),  # an object is tested as a whole (Jayway)
    ("$.a[?(@.nope)]", []),
    ("$.items[?(@.v > 1 && @.s == 'y')].s", ["y"]),
    ("$.items[?(@.v == 1 || !@.s)]", [DOC["items"][0], DOC["items"][2]]),
    ("$.items[?(@.v < $.n)]", DOC["items"][:2]),
    ("$.a.b[(@.length-1)]", 30),
])
def test_the_examples_evaluate_as_aws_does(path: str, value: Any) -> None:
    execution = execute(_machine("path", path), DOC)
    assert execution.output == value


def test_one_function_table() -> None:
    assert set(run_intrinsics.FUNCTIONS) == set(lang_intrinsics.FUNCTIONS)


def test_one_operator_table() -> None:
    assert set(run_choice.COMPARISON_OPERATORS) | set(run_choice.TYPE_TESTS) | {"IsPresent", "StringMatches"} \
        == set(lang_operators.OPERATORS)


def test_syntax_errors_carry_the_offset() -> None:
    from flowdsl.errors import IntrinsicSyntaxError, PathSyntaxError

    with pytest.raises(PathSyntaxError, match=r"^unexpected ' ' at position 3$") as info:
        jsonpath.parse("$.a b")
    assert info.value.offset == 3
    with pytest.raises(IntrinsicSyntaxError, match=r"^'01' is not a number") as info2:
        lang_intrinsics.parse("States.MathAdd(01, 2)")
    assert info2.value.offset == 15


@given(intrinsic_calls(depth=2))
def test_generated_intrinsic_calls_are_valid(text: str) -> None:
    assert lang_intrinsics.check(text) is None
    assert lang_intrinsics.parse(text).name in lang_intrinsics.FUNCTIONS


@given(json_paths(), reference_paths())
def test_generated_paths_parse(path: str, reference: str) -> None:
    assert jsonpath.check(path, reference=False) is None
    assert jsonpath.check(reference, reference=True) is None
    assert jsonpath.parse(reference).is_reference
