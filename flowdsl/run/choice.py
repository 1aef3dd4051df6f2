"""Choice-rule evaluation for JSONPath Choice states (AWS "Choice Rules" reference)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from flowdsl.lang.operators import OPERATORS
from flowdsl.lang.timestamps import parse as parse_timestamp

from .errors import RunError


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


class _Glob:
    """A StringMatches pattern: literal runs separated by '*' ('\\*' is a literal '*', '\\\\' a
    literal backslash). Matched with str.find, leftmost first, in linear time: a regex of
    '.*' runs backtracks polynomially (the pattern '*a*a*a*a*a*a*b' on 3,000 'a's never ends)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def fullmatch(self, value: str) -> bool | None:  # None for no match, as re's fullmatch
        return True if self._matches(value) else None

    def _matches(self, value: str) -> bool:
        parts = self.parts
        if len(parts) == 1:
            return value == parts[0]
        first, last = parts[0], parts[-1]
        if len(value) < len(first) + len(last) or not value.startswith(first) or not value.endswith(last):
            return False
        pos, end = len(first), len(value) - len(last)
        for part in parts[1:-1]:
            found = value.find(part, pos, end)
            if found < 0:
                return False
            pos = found + len(part)
        return True


@lru_cache(maxsize=1024)
def _glob(pattern: str) -> _Glob:
    parts, cur, i = [], [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            cur.append(pattern[i + 1])
            i += 2
            continue
        if c == "*":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return _Glob(parts)


_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    "String": (lambda v: isinstance(v, str), lambda v: v),
    "Numeric": (_is_number, lambda v: v),
    "Boolean": (lambda v: isinstance(v, bool), lambda v: v),
    "Timestamp": (lambda v: parse_timestamp(v) is not None, parse_timestamp),
}
_KIND_WORDS = {"String": "a string", "Numeric": "a number", "Boolean": "true or false",
               "Timestamp": "an RFC 3339 timestamp"}
_OPS: dict[str, Callable[[int], bool]] = {
    "Equals": lambda c: c == 0,
    "LessThan": lambda c: c < 0,
    "GreaterThan": lambda c: c > 0,
    "LessThanEquals": lambda c: c <= 0,
    "GreaterThanEquals": lambda c: c >= 0,
}

COMPARISON_OPERATORS: dict[str, tuple[str, str, bool]] = {
    op.name: (op.family, op.relation, op.takes_path) for op in OPERATORS.values() if op.family in _KINDS}
TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}


def compare(operator: str, value: Any, operand: Any) -> bool:
    """Apply a comparison operator; a value or operand of the wrong type makes it false (no error)."""
    if operator in ("StringMatches",):
        return isinstance(value, str) and isinstance(operand, str) and _glob(operand).fullmatch(value) is not None
    kind, op, _ = COMPARISON_OPERATORS[operator.removesuffix("Path") if operator.endswith("Path") else operator]
    check, conv = _KINDS[kind]
    if not check(value) or not check(operand):
        return False
    a, b = conv(value), conv(operand)
    if kind == "Boolean":
        return a is b
    return _OPS[op](_cmp(a, b))


def evaluate_rule(
    rule: dict[str, Any],
    resolve: Callable[[str], Any],
    present: Callable[[str], bool],
    state_name: str,
) -> bool:
    """Evaluate one (possibly compound) JSONPath choice rule.

    ``resolve(path)`` returns the value at a path (raising a States.Runtime error if absent) and
    ``present(path)`` tells whether the path exists (for IsPresent).
    """
    if "And" in rule:
        return all(evaluate_rule(r, resolve, present, state_name) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate_rule(r, resolve, present, state_name) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate_rule(rule["Not"], resolve, present, state_name)
    variable = rule.get("Variable")
    if not isinstance(variable, str):
        raise RunError(f"state {state_name!r}: choice rule without a Variable: {rule}")
    for key, operand in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key == "IsPresent":
            return present(variable) is bool(operand)
        if key in TYPE_TESTS:
            return TYPE_TESTS[key](resolve(variable)) is bool(operand)
        if key == "StringMatches":
            return compare(key, resolve(variable), operand)
        if key in COMPARISON_OPERATORS:
            kind, _, takes_path = COMPARISON_OPERATORS[key]
            if not takes_path and not _KINDS[kind][0](operand):
                # Validation rejects such a rule (AWS does not accept the definition); running it
                # fails the same way instead of silently not matching.
                raise RunError(f"state {state_name!r}: {key} compares with {_KIND_WORDS[kind]}, "
                               f"not {operand!r}")
            value = resolve(variable)
            if key.endswith("Path"):
                operand = resolve(operand)
            return compare(key, value, operand)
        raise RunError(f"state {state_name!r}: unknown choice operator {key!r}")
    raise RunError(f"state {state_name!r}: choice rule has no operator: {rule}")
