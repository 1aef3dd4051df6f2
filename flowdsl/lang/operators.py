"""The Choice rule operators of a JSONPath Choice state: their names, and what each compares.

``OPERATORS`` maps an operator to an :class:`Operator`. Validation reads the operand kind; the
local engine (``flowdsl.run.choice``) reads the family and the relation; the condition builders
(``flowdsl.conditions``) and the Hypothesis strategies are generated from the same table.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Operator", "OPERATORS", "RELATIONS", "TYPE_TESTS", "operand_kind"]


class Operator(NamedTuple):
    name: str
    family: str  # String | Numeric | Boolean | Timestamp | Matches | Test
    relation: str  # Equals | LessThan | ... ; for a type test, what it tests (Null, Present, ...)
    takes_path: bool  # the operand is a path whose value is compared

    @property
    def kind(self) -> str:
        """The operand as validation sees it: "path", "string", "number", "bool", "timestamp",
        "pattern" (StringMatches) or "test" (IsNull ...: true or false)."""
        if self.takes_path:
            return "path"
        return _KINDS[self.family]


_KINDS = {"String": "string", "Numeric": "number", "Boolean": "bool", "Timestamp": "timestamp",
          "Matches": "pattern", "Test": "bool"}
RELATIONS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")

OPERATORS: dict[str, Operator] = {}
for _family in ("String", "Numeric", "Timestamp", "Boolean"):
    for _rel in RELATIONS if _family != "Boolean" else ("Equals",):
        for _path in (False, True):
            _name = f"{_family}{_rel}{'Path' if _path else ''}"
            OPERATORS[_name] = Operator(_name, _family, _rel, _path)
OPERATORS["StringMatches"] = Operator("StringMatches", "Matches", "Matches", False)
for _test in TYPE_TESTS:
    OPERATORS[_test] = Operator(_test, "Test", _test[2:], False)


def operand_kind(name: str) -> str:
    return OPERATORS[name].kind
