"""A small immutable base for the syntax-tree nodes of flowdsl.lang.

Plain slotted classes rather than dataclasses or attrs: every ``flowdsl`` command imports the
parsers, and generating methods for each node class at import costs more than the build itself
spends parsing. Offsets (``start``/``end``) are left out of equality, so a tree compares by
what it says, not where it was written.
"""

from __future__ import annotations

from typing import Any


class Node:
    __slots__ = ()
    _fields: tuple[str, ...] = ()  # what equality, hashing and repr look at

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(v) for v in self._key())})"
