from __future__ import annotations

from typing import Any

import pytest

from flowdsl.run import RunError, execute
from flowdsl.run.choice import compare, parse_timestamp


@pytest.mark.parametrize(
    ("op", "value", "operand", "expected"),
    [
        ("StringEquals", "a", "a", True),
        ("StringEquals", 1, "1", False),  # wrong type: false, not an error
        ("StringLessThan", "a", "b", True),
        ("StringGreaterThanEquals", "b", "b", True),
        ("StringMatches", "log-2024.txt", "log-*.txt", True),
        ("StringMatches", "a*b", "a\\*b", True),
        ("StringMatches", "axb", "a\\*b", False),
        ("StringMatches", "a\\b", "a\\\\b", True),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", True, 1, False),
        ("NumericEquals", "1", 1, False),
        ("NumericLessThan", 1, 2, True),
        ("NumericGreaterThan", 2.5, 2, True),
        ("NumericLessThanEquals", 3, 3, True),
        ("NumericGreaterThanEquals", 2, 3, False),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", 1, True, False),
        ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
        ("TimestampLessThan", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", True),
        ("TimestampGreaterThan", "2024-01-01 00:00:00Z", "2020-01-01T00:00:00Z", False),  # not RFC 3339
        ("TimestampLessThanEquals", "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.500Z", True),
        ("NumericEqualsPath", 4, 4, True),
    ],
)
def test_compare(op: str, value: Any, operand: Any, expected: bool) -> None:
    assert compare(op, value, operand) is expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [("2016-03-14T01:59:00Z", True), ("2016-03-14T01:59:00.123456789+05:30", True),
     ("2016-03-14 01:59:00Z", False), ("2016-03-14T01:59:00", False), ("2016-13-14T01:59:00Z", False)],
)
def test_parse_timestamp(text: str, ok: bool) -> None:
    assert (parse_timestamp(text) is not None) is ok


def machine(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        ({"Variable": "$.x", "IsPresent": True}, {"x": None}, "yes"),
        ({"Variable": "$.x", "IsPresent": False}, {}, "yes"),
        ({"Variable": "$.x", "IsNull": True}, {"x": None}, "yes"),
        ({"Variable": "$.x", "IsNumeric": True}, {"x": True}, "no"),
        ({"Variable": "$.x", "IsString": True}, {"x": "s"}, "yes"),
        ({"Variable": "$.x", "IsBoolean": False}, {"x": 0}, "yes"),
        ({"Variable": "$.x", "IsTimestamp": True}, {"x": "2020-01-01T00:00:00Z"}, "yes"),
        ({"And": [{"Variable": "$.x", "NumericGreaterThan": 1}, {"Variable": "$.x", "NumericLessThan": 5}]}, {"x": 3}, "yes"),
        ({"Or": [{"Variable": "$.x", "StringEquals": "a"}, {"Variable": "$.x", "StringEquals": "b"}]}, {"x": "b"}, "yes"),
        ({"Not": {"Variable": "$.x", "StringEquals": "a"}}, {"x": "a"}, "no"),
        ({"Variable": "$.x", "StringEqualsPath": "$.y"}, {"x": "v", "y": "v"}, "yes"),
        ({"Variable": "$.x", "NumericEquals": 1}, {"x": "1"}, "no"),
    ],
)
def test_choice_state(rule: dict[str, Any], data: Any, expected: str) -> None:
    result = execute(machine(rule), data)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


def test_missing_variable_is_runtime_error() -> None:
    result = execute(machine({"Variable": "$.nope", "StringEquals": "a"}), {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "$['nope']" in (result.cause or "")


def test_no_choice_matched() -> None:
    d = machine({"Variable": "$.x", "StringEquals": "a"})
    del d["States"]["C"]["Default"]
    result = execute(d, {"x": "b"})
    assert (result.status, result.error) == ("FAILED", "States.NoChoiceMatched")


def test_unknown_operator_is_run_error() -> None:
    with pytest.raises(RunError, match="'C'.*StringIsh"):
        execute(machine({"Variable": "$.x", "StringIsh": "a"}), {"x": "a"})
