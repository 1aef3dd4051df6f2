"""Choice rule conditions, and a builder per comparison operator of the ASL spec."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.source import caller_location

# operator -> the kind of operand it takes ("string", "number", "bool", "timestamp", "path",
# "pattern", "boolean-test")
OPERATORS: dict[str, str] = {}
for _family, _kind in (("String", "string"), ("Numeric", "number"), ("Timestamp", "timestamp")):
    for _rel in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
        OPERATORS[f"{_family}{_rel}"] = _kind
        OPERATORS[f"{_family}{_rel}Path"] = "path"
OPERATORS["BooleanEquals"] = "bool"
OPERATORS["BooleanEqualsPath"] = "path"
OPERATORS["StringMatches"] = "pattern"
for _test in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
    OPERATORS[_test] = "bool"


def _source() -> Any:
    return attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                       metadata={"source": True})


@attrs.frozen(slots=True)
class Comparison:
    """``{"Variable": variable, operator: value}``."""

    variable: str
    operator: str
    value: Any
    source: str | None = _source()


@attrs.frozen(slots=True)
class And:
    conditions: tuple[Any, ...] = attrs.field(converter=tuple)
    source: str | None = _source()


@attrs.frozen(slots=True)
class Or:
    conditions: tuple[Any, ...] = attrs.field(converter=tuple)
    source: str | None = _source()


@attrs.frozen(slots=True)
class Not:
    condition: Any
    source: str | None = _source()


@attrs.frozen(slots=True)
class Condition:
    """A JSONata condition: ``Condition("{% $states.input.n > 1 %}")``."""

    expression: Any
    source: str | None = _source()


def all_of(*conditions: Any) -> And:
    return And(conditions)


def any_of(*conditions: Any) -> Or:
    return Or(conditions)


def not_(condition: Any) -> Not:
    return Not(condition)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _builder(operator: str) -> Any:
    def build(variable: str, value: Any) -> Comparison:
        return Comparison(variable, operator, value)

    build.__name__ = _snake(operator)
    build.__qualname__ = build.__name__
    build.__doc__ = f'``{{"Variable": variable, "{operator}": value}}``'
    return build


# string_equals, numeric_less_than_path, is_present, string_matches, ... one per operator.
for _op in OPERATORS:
    globals()[_snake(_op)] = _builder(_op)

__all__ = ["OPERATORS", "Comparison", "And", "Or", "Not", "Condition", "all_of", "any_of",
           "not_"] + [_snake(op) for op in OPERATORS]
