"""The decorator of the model's classes and of flowdsl's records (kinds, integrations, the
compiled document): frozen, slotted attrs classes whose ``__repr__``, ``__eq__`` and
``__hash__`` are shared functions instead of code attrs writes per class.

attrs writes and compiles those methods for every class; the model has dozens of classes and
every ``flowdsl`` command imports them all, so compiling only ``__init__`` roughly halves the
time the classes take to create. They behave as attrs' would: the same repr
(``Pass(name='A', comment=None, ...)``), equality between instances of the same class over
the fields with ``eq=True``, and a hash consistent with it.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import attrs

__all__ = ["frozen"]

C = TypeVar("C", bound=type)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{a.name}={getattr(self, a.name)!r}" for a in self.__attrs_attrs__ if a.repr)
    return f"{type(self).__name__}({shown})"


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else (lambda obj: ())


if TYPE_CHECKING:
    # Type checkers read the model's classes as the attrs classes they are: mypy's attrs plugin
    # and pyright both know ``attrs.frozen``, so an argument's type is its converter's input
    # (``retry=[Retry(...)]`` for a ``tuple[Retry, ...]`` field), and ``attrs.field``'s
    # ``kw_only`` and ``default`` shape ``__init__``. The decorator below behaves the same.
    from attrs import frozen
else:

    def frozen(cls: C) -> C:
        """``attrs.frozen(slots=True)``, with the shared ``__repr__``, ``__eq__`` and ``__hash__``."""
        made = attrs.frozen(cls, slots=True, repr=False, eq=False)
        key = _key(tuple(a.name for a in attrs.fields(made) if a.eq))
        salt = f"{made.__module__}.{made.__qualname__}"

        def __eq__(self: Any, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return key(self) == key(other)

        def __hash__(self: Any) -> int:
            return hash((salt, key(self)))

        made.__repr__ = _repr
        made.__eq__ = __eq__
        made.__hash__ = __hash__
        return made
