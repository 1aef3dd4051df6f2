"""Hypothesis strategies: deploy-time references and payloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from flowdsl.refs import PARTITION, Ref, join

from flowdsl.testing.strategies._base import JSONATA, _BOOL, _either, _ints, _one
from flowdsl.testing.strategies.context import _Ctx
from flowdsl.testing.strategies.leaves import (
    _key_lists,
    intrinsic_calls,
    json_paths,
    json_values,
    jsonata_expressions,
)


def _ref_value(ctx: _Ctx) -> Ref:
    d = ctx.draw
    kind = d(_one(("var", "join", "arn")))
    if kind == "var":
        return ctx.var(d(_one(("app_name", "stage", "bucket"))))
    if kind == "join":
        return join(ctx.var("app_name"), "-", ctx.var("stage"), d(_one(("", "-x"))))
    return join("arn:", PARTITION, ":s3:::", ctx.var("bucket"))


def _static(ctx: _Ctx, depth: int = 1) -> Any:
    d = ctx.draw
    if ctx.refs and d(_ints(0, 4)) == 4:
        return _ref_value(ctx)
    return d(json_values(4))


def _dynamic(ctx: _Ctx) -> str:
    d = ctx.draw
    which = d(_one(("path", "path", "intrinsic", "context", "variable")))
    if which == "path":
        return d(json_paths())
    if which == "intrinsic":
        return d(intrinsic_calls())
    if which == "context":
        return d(_one(("$$.Execution.Id", "$$.State.Name", "$$.Execution.Input")))
    return d(_one(("$count", "$total")))


def _payload(ctx: _Ctx, depth: int = 1, dynamic: bool = True, max_size: int = 3) -> dict[str, Any]:
    d = ctx.draw
    keys = d(_key_lists(0, max_size))
    out: dict[str, Any] = {}
    for k in keys:
        how = d(_one(("static", "dynamic", "nested"))) if dynamic else "static"
        if how == "dynamic":
            out[k + ".$"] = _dynamic(ctx)
        elif how == "nested" and depth > 0:
            out[k] = _payload(ctx, depth - 1, dynamic, 2)
        else:
            out[k] = _static(ctx)
    return out


def payloads(max_depth: int = 1) -> st.SearchStrategy[dict[str, Any]]:
    """A JSONPath payload template: static values, ``key.$`` paths and intrinsic calls."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        return _payload(_Ctx(draw, 0, 0, False, False), max_depth)
    return build()


def _jsonata_payload(ctx: _Ctx) -> Any:
    d = ctx.draw
    if d(_BOOL):
        return d(jsonata_expressions())
    return {k: d(_either(jsonata_expressions(), json_values(2)))
            for k in d(_key_lists(1, 3))}


_ASSIGN_NAMES = st.lists(st.sampled_from(("count", "total", "last", "flag")), min_size=1, max_size=2,
                         unique=True)


def _assign(ctx: _Ctx, lang: str) -> Any:
    d = ctx.draw
    if not d(_ints(0, 3)) == 3:
        return None
    names = d(_ASSIGN_NAMES)
    out: dict[str, Any] = {}
    for n in names:
        if lang == JSONATA:
            out[n] = d(_either(jsonata_expressions(), _ints(0, 9)))
        elif d(_BOOL):
            out[n + ".$"] = d(json_paths())
        else:
            out[n] = d(_ints(0, 9))
    return out


def _maybe(ctx: _Ctx, value: Callable[[], Any], weight: int = 2) -> Any:
    """``value()`` about once in ``weight`` draws, else None."""
    return value() if ctx.draw(_ints(0, weight - 1)) == weight - 1 else None


def _comment(ctx: _Ctx) -> str | None:
    return _maybe(ctx, lambda: ctx.draw(_one(("a comment", "Does the work.", ""))), 4)
