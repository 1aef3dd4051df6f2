"""Hypothesis strategies: leaves: JSON values, paths, intrinsic functions, JSONata."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from flowdsl.lang.intrinsics import FUNCTIONS as _FUNCTIONS

from flowdsl.testing.strategies._base import _BOOL, _either, _ints, _one


_FIELDS = ("a", "b", "n", "items", "data", "result", "value", "user id")
_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/",
                max_size=12)
_STEPS = st.lists(st.sampled_from(_FIELDS), max_size=3)
_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1,
                max_size=8)


def _field_step(name: str) -> str:
    return f".{name}" if name.replace("_", "").isalnum() else f"['{name}']"


@lru_cache(maxsize=None)
def json_paths(reference: bool = False) -> st.SearchStrategy[str]:
    """A JSONPath (``$``, ``$.a.b``, ``$.items[0]``, ``$['user id']``); with ``reference=True``,
    a Reference Path (one node only)."""
    return _json_paths(reference)


@st.composite
def _json_paths(draw: Any, reference: bool = False) -> str:
    """A JSONPath (``$``, ``$.a.b``, ``$.items[0]``, ``$['user id']``); with ``reference=True``,
    a Reference Path (one node only)."""
    steps = draw(_STEPS)
    out = "$" + "".join(_field_step(s) for s in steps)
    if steps and draw(_BOOL):
        out += f"[{draw(_ints(0, 3))}]"
    return out


@lru_cache(maxsize=None)
def reference_paths() -> st.SearchStrategy[str]:
    return json_paths(reference=True)


def _scalar_arg(kind: str) -> st.SearchStrategy[str]:
    if kind == "int":
        return _ints(0, 9).map(str)
    if kind == "str":
        return _one(("'x'", "'a b'", "','", "'{}'"))
    return _one(("true", "false"))


@lru_cache(maxsize=None)
def intrinsic_calls(depth: int = 1) -> st.SearchStrategy[str]:
    """An intrinsic function call, possibly nested: ``States.Format('{} items', States.ArrayLength($.items))``."""
    return _intrinsic_calls(depth)


@st.composite
def _intrinsic_calls(draw: Any, depth: int = 1) -> str:
    """An intrinsic function call, possibly nested: ``States.Format('{} items', States.ArrayLength($.items))``."""
    def arg() -> str:
        if depth > 0 and draw(_ints(0, 3)) == 3:
            return draw(intrinsic_calls(depth - 1))
        return draw(json_paths())

    # The functions, their arity and the kinds of their literal arguments come from the one
    # table validation and the engine use; the cases below add the values each function needs
    # to succeed whatever its input (a template's placeholders, a range's size, ...).
    form = draw(_one(tuple(_FUNCTIONS)))
    sig = _FUNCTIONS[form]
    if form == "Format":
        args = [draw(_one(("'{}'", "'value {} and {}'", "'x'")))]
        args += [arg() for _ in range(args[0].count("{}"))]
    elif form == "Array":
        args = [draw(_either(_scalar_arg("int"), _scalar_arg("str"))) if draw(_BOOL)
                else arg() for _ in range(draw(_ints(0, 3)))]
    elif form == "MathAdd":
        args = [arg(), draw(_scalar_arg("int"))]
    elif form in ("ArrayPartition", "ArrayGetItem"):
        args = [arg(), str(draw(_ints(1, 4)))]
    elif form == "ArrayRange":
        args = ["1", str(draw(_ints(1, 9))), "1"]
    elif form == "Hash":
        args = [arg(), draw(_one(("'SHA-256'", "'MD5'")))]
    elif form == "JsonMerge":
        args = [arg(), arg(), "false"]
    elif form == "MathRandom":
        args = ["1", str(draw(_ints(2, 99)))]
    elif form == "StringSplit":
        args = [arg(), "','"]
    else:
        # the rest: a path (or a nested call) for each argument they require
        args = [arg() for _ in range(sig.min_args)]
    return f"States.{form}({', '.join(args)})"


@lru_cache(maxsize=None)
def jsonata_expressions(condition: bool = False) -> st.SearchStrategy[str]:
    """A ``{% ... %}`` JSONata expression (a boolean one with ``condition=True``)."""
    if condition:
        return _one((
            "{% $states.input.n > 1 %}", "{% $exists($states.input.a) %}",
            "{% $states.input.flag = true %}", "{% $count($states.input.items) = 0 %}",
            "{% 'x' in $states.input.tags %}",
        ))
    return _one((
        "{% $states.input %}", "{% $states.input.a %}", "{% $states.input.n + 1 %}",
        "{% $uppercase($states.input.s) %}", "{% $count($states.input.items) %}",
        "{% $states.context.Execution.Id %}", "{% {'a': $states.input.a, 'b': [1, 2]} %}",
    ))


@lru_cache(maxsize=None)
def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Plain JSON: null, booleans, integers, short floats, strings, arrays, objects."""
    scalars = st.one_of(
        _ints(-1000, 1000), _TEXT, _BOOL, st.none(),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)),
    )
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
        max_leaves=max_leaves)


@lru_cache(maxsize=None)
def _key_lists(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_KEYS, min_size=min_size, max_size=max_size, unique=True)
