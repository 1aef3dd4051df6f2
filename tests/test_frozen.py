"""The model's classes share __repr__, __eq__ and __hash__ (flowdsl.frozen); they behave as the
methods attrs would write."""

from __future__ import annotations

import attrs
import pytest

from flowdsl import Pass, Retry, Succeed, var
from flowdsl.frozen import frozen


@frozen
class Point:
    x: int
    y: int = 0
    note: str = attrs.field(default="", eq=False, repr=False)


@attrs.frozen(slots=True)
class AttrsPoint:
    x: int
    y: int = 0
    note: str = attrs.field(default="", eq=False, repr=False)


@frozen
class Point3(Point):
    z: int = 0


def test_repr_is_what_attrs_writes() -> None:
    assert repr(Point(1, 2, note="n")) == repr(AttrsPoint(1, 2, note="n")).replace("AttrsPoint", "Point")
    assert repr(Retry(["States.ALL"], max_attempts=2)) == (
        "Retry(error_equals=('States.ALL',), interval_seconds=None, max_attempts=2, backoff_rate=None, "
        "max_delay_seconds=None, jitter_strategy=None, comment=None)")


def test_equality_and_hash_follow_the_eq_fields() -> None:
    assert Point(1, 2, note="a") == Point(1, 2, note="b")
    assert hash(Point(1, 2, note="a")) == hash(Point(1, 2, note="b"))
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 0) != Point3(1, 0, 0)  # another class, even a subclass, is never equal
    assert Point(1, 0) != (1, 0)
    assert len({var("a"), var("a"), var("b")}) == 2
    assert Pass("A") == Pass("A") and Pass("A") != Succeed("A")


def test_still_frozen_and_slotted() -> None:
    p = Point(1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    assert not hasattr(p, "__dict__")
    assert attrs.evolve(p, y=5) == Point(1, 5)
