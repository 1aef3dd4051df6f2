"""Every Choice comparison at its boundary: a value below, equal to and above the operand, with
the literal operand and with its ...Path form, through a real Choice state."""

from __future__ import annotations

from typing import Any

import pytest

from flowdsl.run import execute

# What each relation says of (value below, value equal, value above) the operand.
RELATIONS = {
    "Equals": (False, True, False),
    "LessThan": (True, False, False),
    "GreaterThan": (False, False, True),
    "LessThanEquals": (True, True, False),
    "GreaterThanEquals": (False, True, True),
}

# (family, operand, below, equal, above): "equal" is equal by the family's rules but not
# necessarily the same JSON (2 and 2.0; the same instant in two offsets).
FAMILIES = [
    ("Numeric", 2, 1, 2.0, 3),
    ("Numeric", -0.5, -0.75, -0.5, 0),
    ("Numeric", 10**15, 10**15 - 1, 10**15, 10**15 + 1),
    ("String", "b", "a", "b", "c"),
    ("String", "a", "B", "a", "aa"),  # code-point order: "B" < "a" < "aa"
    ("Timestamp", "2024-01-01T01:00:00+01:00", "2023-12-31T23:59:59.999Z", "2024-01-01T00:00:00Z",
     "2024-01-01T00:00:00.001Z"),
]


def _cases() -> list[Any]:
    out = []
    for family, operand, below, equal, above in FAMILIES:
        for relation, expected in RELATIONS.items():
            for label, value, want in zip(("below", "equal", "above"), (below, equal, above), expected):
                for path in (False, True):
                    op = f"{family}{relation}{'Path' if path else ''}"
                    out.append(pytest.param(op, value, operand, want,
                                            id=f"{op}-{label}-{value!r}-vs-{operand!r}"))
    return out


def choose(op: str, value: Any, operand: Any) -> bool:
    rule = {"Variable": "$.value", op: "$.operand" if op.endswith("Path") else operand, "Next": "Yes"}
    doc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [rule], "Default": "No"},
        "Yes": {"Type": "Pass", "Result": True, "End": True},
        "No": {"Type": "Pass", "Result": False, "End": True}}}
    execution = execute(doc, {"value": value, "operand": operand})
    assert execution.status == "SUCCEEDED", execution.cause
    return execution.output


@pytest.mark.parametrize("op, value, operand, expected", _cases())
def test_comparison_at_its_boundary(op: str, value: Any, operand: Any, expected: bool) -> None:
    assert choose(op, value, operand) is expected


def test_every_comparison_operator_is_covered() -> None:
    from flowdsl.conditions import OPERATORS

    covered = {p.values[0] for p in _cases()}
    ordered = {op for op in OPERATORS if any(op.startswith(f) for f in ("Numeric", "String", "Timestamp"))
               and op not in ("StringMatches",)}
    assert ordered - covered == set()


@pytest.mark.parametrize("op, value, operand", [
    ("NumericEquals", "2", 2),  # a string is not a number
    ("NumericGreaterThanEquals", True, 0),  # nor is a boolean
    ("StringEquals", 1, "1"),
    ("StringLessThanEquals", None, "a"),
    ("TimestampEquals", "2024-01-01", "2024-01-01T00:00:00Z"),  # a date is not an RFC 3339 timestamp
    ("TimestampGreaterThanEquals", 1704067200, "2024-01-01T00:00:00Z"),
    ("BooleanEquals", 1, True),
    ("BooleanEqualsPath", "true", True),
])
def test_a_value_of_another_type_never_matches(op: str, value: Any, operand: Any) -> None:
    assert choose(op, value, operand) is False


@pytest.mark.parametrize("op, value, operand, expected", [
    ("BooleanEquals", True, True, True), ("BooleanEquals", False, True, False),
    ("BooleanEqualsPath", False, False, True), ("BooleanEqualsPath", True, False, False),
])
def test_boolean_equals(op: str, value: Any, operand: Any, expected: bool) -> None:
    assert choose(op, value, operand) is expected
