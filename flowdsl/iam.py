"""IAM policy statements as data, deduplicated and sorted for deterministic policies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

import attrs

from flowdsl.refs import Ref


def _strs(value: Any) -> tuple[Any, ...]:
    if isinstance(value, (str, Ref)):
        return (value,)
    return tuple(value)


@attrs.frozen(slots=True)
class Allow:
    """An ``Allow`` statement: these actions on these resources."""

    actions: tuple[str, ...] = attrs.field(converter=_strs)
    resources: tuple[Union[str, Ref], ...] = attrs.field(converter=_strs)
    sid: str | None = None


def _key(value: Union[str, Ref]) -> str:
    if isinstance(value, str):
        return value
    from flowdsl.render import template

    return template(value)


def merge(statements: Iterable[Allow]) -> tuple[Allow, ...]:
    """Group statements with the same actions, drop duplicate resources, sort everything."""
    by_actions: dict[tuple[str, ...], dict[str, Union[str, Ref]]] = {}
    sids: dict[tuple[str, ...], str | None] = {}
    for st in statements:
        actions = tuple(sorted(set(st.actions)))
        bucket = by_actions.setdefault(actions, {})
        sids.setdefault(actions, st.sid)
        for res in st.resources:
            bucket.setdefault(_key(res), res)
    merged = [
        Allow(actions, tuple(bucket[k] for k in sorted(bucket)), sids[actions])
        for actions, bucket in by_actions.items()
    ]
    return tuple(sorted(merged, key=lambda s: (s.sid or "", s.actions)))
