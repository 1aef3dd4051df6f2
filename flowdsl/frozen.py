"""The decorator of the model's classes: frozen, slotted attrs classes sharing one ``__repr__``.

attrs writes and compiles a ``__repr__`` for every class; the model has dozens of classes and
every ``flowdsl`` command imports them all, so one shared ``__repr__`` (same output:
``Pass(name='A', comment=None, ...)``) saves about a fifth of their creation time.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

__all__ = ["frozen"]

C = TypeVar("C", bound=type)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{a.name}={getattr(self, a.name)!r}" for a in self.__attrs_attrs__ if a.repr)
    return f"{type(self).__name__}({shown})"


def frozen(cls: C) -> C:
    """``attrs.frozen(slots=True)``, with the shared ``__repr__``."""
    made = attrs.frozen(cls, slots=True, repr=False)
    made.__repr__ = _repr
    return made
