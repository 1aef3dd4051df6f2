"""Hypothesis strategies: shared helpers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from flowdsl.states import (
    Choice,
    Fail,
    Succeed,
)


JSONPATH, JSONATA = "JSONPath", "JSONata"


# Strategies are built once and reused: building them on every draw costs more than drawing.
@lru_cache(maxsize=None)
def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@lru_cache(maxsize=None)
def _one(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


_BOOL = st.booleans()


@lru_cache(maxsize=None)
def _either(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(*strategies)


@lru_cache(maxsize=None)
def _just(value: Any) -> st.SearchStrategy[Any]:
    return st.just(value)


def _pick_from(draw: Any, options: list[Any] | tuple[Any, ...]) -> Any:
    """One of ``options`` (shrinks toward the first); options may differ from draw to draw."""
    return options[draw(_ints(0, len(options) - 1))]


_TERMINAL = (Choice, Succeed, Fail)
