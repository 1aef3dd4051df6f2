"""The messages of the grammar checks in flowdsl.lang, one row per kind of mistake."""

from __future__ import annotations

import pytest

from flowdsl.lang import intrinsics, jsonata, jsonpath, timestamps


@pytest.mark.parametrize(("text", "reference", "message"), [
    ("$.a.length().b", False, "'$.a.length().b' is not a JSONPath: length() must be the last step"),
    ("$[?(@.a &&)]", False, "'$[?(@.a &&)]' is not a JSONPath: expected a path, a string, a number, "
                            "true, false or null at position 10, found ')'"),
    ("$['a',1]", False, "\"$['a',1]\" is not a JSONPath: a union of names lists only quoted names"),
    ("$.a.b.size()", False, "'$.a.b.size()' is not a JSONPath: size() is not a function of Step Functions paths"),
    ("$[?@.v]", False, "'$[?@.v]' is not a JSONPath: a filter is written [?(...)]"),
    ("$['a", False, "\"$['a\" is not a JSONPath: unterminated quoted name"),
    ("$.a[*]", True, "'$.a[*]' is not a reference path: [*] selects many nodes or computes a value"),
    ("$..r", True, "'$..r' is not a reference path: '..' selects many nodes"),
    ("$.a.*", True, "'$.a.*' is not a reference path: '*' selects many nodes"),
    ("$.a.length()", True, "'$.a.length()' is not a reference path: length() computes a value"),
    ("$['a','b']", True, "\"$['a','b']\" is not a reference path: ['a','b'] selects many nodes or computes a value"),
    ("$['a','b']", False, None),
    ("$.a.length()", False, None),
    ("$[?(@.a && @.b)]", False, None),
])
def test_path_messages(text: str, reference: bool, message: str | None) -> None:
    assert jsonpath.check(text, reference=reference) == message


@pytest.mark.parametrize(("text", "message"), [
    ("States.MathAdd(01, 2)", "'States.MathAdd(01, 2)' is not a valid intrinsic function call: "
                              "'01' is not a number (numbers are written as in JSON)"),
    ("States.Format('{} {}', 1)", "States.Format: the number of placeholders (2) differs from the number of values (1)"),
    ("States.Format('\\{\\} {}', 1)", None),
    ("States.ArrayRange(1, 5, 0)", "States.ArrayRange: the step must not be 0"),
    ("States.ArrayRange(0, 5000, 1)", "States.ArrayRange: the result would hold 5001 items; the limit is 1000"),
    ("States.ArrayRange(0, 999, 1)", None),
    ("States.ArrayRange(1, 1000000000, 1)", "States.ArrayRange: the result would hold 1000000000 items; the limit is 1000"),
    ("States.MathAdd(9999999999, 1)",
     "States.MathAdd argument 1, 9999999999, is outside the integer range -2147483648 to 2147483647"),
    ("States.MathRandom(1, 99999999999)",
     "States.MathRandom argument 2, 99999999999, is outside the integer range -2147483648 to 2147483647"),
    ("States.StringToJson('[NaN]')",
     "States.StringToJson: invalid JSON string '[NaN]': not valid JSON: NaN is not a JSON value"),
    ("States.MathRandom(5, 1)", "States.MathRandom: the end (1) must be greater than the start (5)"),
    ("States.Hash($.s, 'SHA-999')", "States.Hash: unsupported algorithm 'SHA-999'; use one of MD5, SHA-1, SHA-256, "
                                    "SHA-384, SHA-512"),
    ("States.JsonMerge($.a, $.a, true)", "States.JsonMerge: deep merging is not supported; the third argument must be false"),
    ("States.ArrayGetItem($.a, -1)", "States.ArrayGetItem: the index must not be negative, not -1"),
    ("States.ArrayPartition($.a, 0)", "States.ArrayPartition: the chunk size must be positive, not 0"),
    ("States.Array($.a[)", "'States.Array($.a[)' is not a valid intrinsic function call: argument '$.a[)': unclosed '['"),
    ("States.Array(States.Nope())", "States.Nope is not an intrinsic function"),
    ("States.ArrayLength('x')", "States.ArrayLength argument 1 must be an array or a path, not 'x'"),
    ("States.JsonMerge(1, $.a, false)", "States.JsonMerge argument 1 must be an object or a path, not 1"),
    ("States.StringToJson('{bad')", "States.StringToJson: invalid JSON string '{bad': not valid JSON: "
                                   "Expecting property name enclosed in double quotes"),
    ("States.Base64Decode('/w==')", "States.Base64Decode: invalid base64 input '/w==' (not Base64 of UTF-8 text)"),
    ("States.Hash(null, 'MD5')", "States.Hash: the data must not be null"),
])
def test_intrinsic_messages(text: str, message: str | None) -> None:
    assert intrinsics.check(text) == message


def test_intrinsic_tree_has_offsets() -> None:
    call = intrinsics.parse("States.Format('{}', $.a[0], States.UUID())")
    fmt, path, uuid = call.args
    assert (call.start, call.end) == (0, 42)
    assert (fmt.start, fmt.end, path.start, path.end, uuid.start, uuid.end) == (14, 18, 20, 26, 28, 41)
    assert [(s.kind, s.arg, s.start, s.end) for s in path.tree.steps] == [("key", "a", 21, 23), ("index", 0, 23, 26)]


@pytest.mark.parametrize(("text", "message"), [
    ("{%$states.input%}", None),
    ("{%\n  $states.input\n%}", None),
    ("{% %}", "'{% %}' is not a JSONata expression: there is no expression between '{%' and '%}'"),
    ("{% 1 + %}", "'{% 1 + %}' does not parse as JSONata: Unexpected end of expression"),
    ("{% 10 %", "'{% 10 %' is not a JSONata expression: write it as '{% expression %}'"),
    ("10 %}", "'10 %}' is not a JSONata expression: write it as '{% expression %}'"),
])
def test_jsonata_messages(text: str, message: str | None) -> None:
    assert jsonata.check(text) == message


def test_jsonata_body_offset() -> None:
    expr = jsonata.parse("{%  $states.input %}")
    assert (expr.body, expr.start, expr.end) == ("$states.input", 4, 17)


@pytest.mark.parametrize(("text", "message"), [
    ("2016-03-14T01:59:00z", "'2016-03-14T01:59:00z' is not an RFC 3339 timestamp as ASL requires it: "
                             "write an uppercase 'T' and 'Z'"),
    ("2016-02-30T01:59:00Z", "'2016-02-30T01:59:00Z' is not an RFC 3339 timestamp: the date or time is out of range"),
    ("2016-03-14 01:59:00Z", "'2016-03-14 01:59:00Z' is not an RFC 3339 timestamp"),
    ("2016-03-14T01:59:00.5-07:00", None),
])
def test_timestamp_messages(text: str, message: str | None) -> None:
    assert timestamps.problem(text) == message
