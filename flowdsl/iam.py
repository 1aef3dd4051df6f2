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
    """Group statements with the same actions and sid, drop duplicate resources, sort
    everything. A sid that would repeat gets a number, as IAM wants sids unique."""
    by_actions: dict[tuple[str | None, tuple[str, ...]], dict[str, Union[str, Ref]]] = {}
    for st in statements:
        key = (st.sid, tuple(sorted(set(st.actions))))
        bucket = by_actions.setdefault(key, {})
        for res in st.resources:
            bucket.setdefault(_key(res), res)
    merged = sorted(((sid or "", actions), bucket) for (sid, actions), bucket in by_actions.items())
    out: list[Allow] = []
    used: dict[str, int] = {}
    for (sid, actions), bucket in merged:
        if sid:
            used[sid] = used.get(sid, 0) + 1
            if used[sid] > 1:
                sid = f"{sid}{used[sid]}"
        out.append(Allow(actions, tuple(bucket[k] for k in sorted(bucket)), sid or None))
    return tuple(out)
