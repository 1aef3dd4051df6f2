"""Hypothesis strategies: conditions."""

from __future__ import annotations

from typing import Any


from flowdsl.conditions import And, Comparison, Not, Or
from flowdsl.lang.operators import OPERATORS

from flowdsl.testing.strategies._base import _BOOL, _either, _ints, _one
from flowdsl.testing.strategies.context import _Ctx
from flowdsl.testing.strategies.leaves import _TEXT, json_paths


def _comparison_value(ctx: _Ctx, operator: str) -> Any:
    kind = OPERATORS[operator].kind
    d = ctx.draw
    if kind == "string":
        return d(_TEXT)
    if kind == "number":
        return d(_either(_ints(-100, 100), _one((0.5, 2.25))))
    if kind == "timestamp":
        return d(_one(("2024-01-01T00:00:00Z", "2030-12-31T23:59:59.5+02:00")))
    if kind == "path":
        return d(json_paths())
    if kind == "pattern":
        return d(_one(("*.log", "a*b", "exact")))
    return d(_BOOL)


def _condition(ctx: _Ctx, depth: int = 2) -> Any:
    d = ctx.draw
    kind = d(_one(("cmp", "cmp", "and", "or", "not"))) if depth > 0 else "cmp"
    if kind == "cmp":
        op = d(_one(tuple(sorted(OPERATORS))))
        return Comparison(d(json_paths()), op, _comparison_value(ctx, op))
    if kind == "not":
        return Not(_condition(ctx, depth - 1))
    subs = tuple(_condition(ctx, depth - 1) for _ in range(d(_ints(1, 3))))
    return And(subs) if kind == "and" else Or(subs)
