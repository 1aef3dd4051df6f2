"""Choice rule conditions, and a builder per comparison operator of the ASL spec."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.fields import as_tuple, check_fields
from flowdsl.frozen import frozen
from flowdsl.lang.operators import OPERATORS as _OPERATORS
from flowdsl.source import caller_location

# operator -> the kind of operand it takes ("string", "number", "bool", "timestamp", "path",
# "pattern"), from the one operator table of flowdsl.lang.operators
OPERATORS: dict[str, str] = {name: op.kind for name, op in _OPERATORS.items()}



def _source() -> Any:
    return attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                       metadata={"source": True})


@frozen
class Comparison:
    """``{"Variable": variable, operator: value}``."""

    variable: str
    operator: str
    value: Any
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class And:
    conditions: tuple[Any, ...] = attrs.field(converter=as_tuple)
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class Or:
    conditions: tuple[Any, ...] = attrs.field(converter=as_tuple)
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class Not:
    condition: Any
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class Condition:
    """A JSONata condition: ``Condition("{% $states.input.n > 1 %}")``."""

    expression: Any
    source: str | None = _source()

    __attrs_post_init__ = check_fields


def all_of(*conditions: Any) -> And:
    return And(conditions)


def any_of(*conditions: Any) -> Or:
    return Or(conditions)


def not_(condition: Any) -> Not:
    return Not(condition)


# One builder per comparison operator of the ASL spec, named after it in snake_case.

def string_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringEquals": value}``; value: a string."""
    return Comparison(variable, "StringEquals", value)


def string_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "StringEqualsPath", value)


def string_less_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringLessThan": value}``; value: a string."""
    return Comparison(variable, "StringLessThan", value)


def string_less_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringLessThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "StringLessThanPath", value)


def string_greater_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringGreaterThan": value}``; value: a string."""
    return Comparison(variable, "StringGreaterThan", value)


def string_greater_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringGreaterThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "StringGreaterThanPath", value)


def string_less_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringLessThanEquals": value}``; value: a string."""
    return Comparison(variable, "StringLessThanEquals", value)


def string_less_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringLessThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "StringLessThanEqualsPath", value)


def string_greater_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringGreaterThanEquals": value}``; value: a string."""
    return Comparison(variable, "StringGreaterThanEquals", value)


def string_greater_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringGreaterThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "StringGreaterThanEqualsPath", value)


def numeric_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericEquals": value}``; value: a number."""
    return Comparison(variable, "NumericEquals", value)


def numeric_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "NumericEqualsPath", value)


def numeric_less_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericLessThan": value}``; value: a number."""
    return Comparison(variable, "NumericLessThan", value)


def numeric_less_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericLessThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "NumericLessThanPath", value)


def numeric_greater_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericGreaterThan": value}``; value: a number."""
    return Comparison(variable, "NumericGreaterThan", value)


def numeric_greater_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericGreaterThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "NumericGreaterThanPath", value)


def numeric_less_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericLessThanEquals": value}``; value: a number."""
    return Comparison(variable, "NumericLessThanEquals", value)


def numeric_less_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericLessThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "NumericLessThanEqualsPath", value)


def numeric_greater_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericGreaterThanEquals": value}``; value: a number."""
    return Comparison(variable, "NumericGreaterThanEquals", value)


def numeric_greater_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "NumericGreaterThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "NumericGreaterThanEqualsPath", value)


def timestamp_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampEquals": value}``; value: an RFC 3339 timestamp string."""
    return Comparison(variable, "TimestampEquals", value)


def timestamp_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "TimestampEqualsPath", value)


def timestamp_less_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampLessThan": value}``; value: an RFC 3339 timestamp string."""
    return Comparison(variable, "TimestampLessThan", value)


def timestamp_less_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampLessThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "TimestampLessThanPath", value)


def timestamp_greater_than(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampGreaterThan": value}``; value: an RFC 3339 timestamp string."""
    return Comparison(variable, "TimestampGreaterThan", value)


def timestamp_greater_than_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampGreaterThanPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "TimestampGreaterThanPath", value)


def timestamp_less_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampLessThanEquals": value}``; value: an RFC 3339 timestamp string."""
    return Comparison(variable, "TimestampLessThanEquals", value)


def timestamp_less_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampLessThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "TimestampLessThanEqualsPath", value)


def timestamp_greater_than_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampGreaterThanEquals": value}``; value: an RFC 3339 timestamp string."""
    return Comparison(variable, "TimestampGreaterThanEquals", value)


def timestamp_greater_than_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "TimestampGreaterThanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "TimestampGreaterThanEqualsPath", value)


def boolean_equals(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "BooleanEquals": value}``; value: True or False."""
    return Comparison(variable, "BooleanEquals", value)


def boolean_equals_path(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "BooleanEqualsPath": value}``; value: a path to the value to compare with."""
    return Comparison(variable, "BooleanEqualsPath", value)


def string_matches(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "StringMatches": value}``; value: a pattern where * matches any run of characters."""
    return Comparison(variable, "StringMatches", value)


def is_null(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsNull": value}``; value: True or False."""
    return Comparison(variable, "IsNull", value)


def is_present(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsPresent": value}``; value: True or False."""
    return Comparison(variable, "IsPresent", value)


def is_numeric(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsNumeric": value}``; value: True or False."""
    return Comparison(variable, "IsNumeric", value)


def is_string(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsString": value}``; value: True or False."""
    return Comparison(variable, "IsString", value)


def is_boolean(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsBoolean": value}``; value: True or False."""
    return Comparison(variable, "IsBoolean", value)


def is_timestamp(variable: str, value: Any) -> Comparison:
    """``{"Variable": variable, "IsTimestamp": value}``; value: True or False."""
    return Comparison(variable, "IsTimestamp", value)


__all__ = [
    "OPERATORS", "Comparison", "And", "Or", "Not", "Condition", "all_of", "any_of", "not_",
    "string_equals", "string_equals_path", "string_less_than", "string_less_than_path",
    "string_greater_than", "string_greater_than_path", "string_less_than_equals",
    "string_less_than_equals_path", "string_greater_than_equals",
    "string_greater_than_equals_path", "numeric_equals", "numeric_equals_path",
    "numeric_less_than", "numeric_less_than_path", "numeric_greater_than",
    "numeric_greater_than_path", "numeric_less_than_equals", "numeric_less_than_equals_path",
    "numeric_greater_than_equals", "numeric_greater_than_equals_path", "timestamp_equals",
    "timestamp_equals_path", "timestamp_less_than", "timestamp_less_than_path",
    "timestamp_greater_than", "timestamp_greater_than_path", "timestamp_less_than_equals",
    "timestamp_less_than_equals_path", "timestamp_greater_than_equals",
    "timestamp_greater_than_equals_path", "boolean_equals", "boolean_equals_path",
    "string_matches", "is_null", "is_present", "is_numeric", "is_string", "is_boolean",
    "is_timestamp",
]
