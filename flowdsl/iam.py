"""IAM policy statements as data, deduplicated and sorted for deterministic policies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, join
from flowdsl.placeholders import template


# The aws:SourceArn of an ECS task role's trust policy, as AWS documents it against the
# confused deputy: any ECS task of the account, in the region. (An execution role keeps a
# trust policy without conditions, as AWS documents that one.)
ECS_TASKS = join("arn:", PARTITION, ":ecs:", REGION, ":", ACCOUNT_ID, ":*")


def _strs(value: Any) -> tuple[Any, ...]:
    if isinstance(value, (str, Ref)):
        return (value,)
    return tuple(value)


def _conditions(value: Any) -> tuple[tuple[str, str, tuple[Any, ...]], ...]:
    return tuple((test, variable, _strs(values)) for test, variable, values in value)


@frozen
class Allow:
    """An ``Allow`` statement: these actions on these resources, under ``conditions``:
    ``(test, key, values)`` triples, e.g. ``("StringEquals", "iam:PassedToService",
    "ecs-tasks.amazonaws.com")``."""

    actions: tuple[str, ...] = attrs.field(converter=_strs)
    resources: tuple[Union[str, Ref], ...] = attrs.field(converter=_strs)
    sid: str | None = None
    conditions: tuple[tuple[str, str, tuple[Any, ...]], ...] = attrs.field(
        factory=tuple, kw_only=True, converter=_conditions)


def _key(value: Union[str, Ref]) -> str:
    if isinstance(value, str):
        return value
    return template(value)


def merge(statements: Iterable[Allow]) -> tuple[Allow, ...]:
    """Group statements with the same actions, sid and conditions, drop duplicate resources,
    sort everything. A sid that would repeat gets a number, as IAM wants sids unique."""
    groups: dict[tuple[Any, ...], dict[str, Union[str, Ref]]] = {}
    originals: dict[tuple[Any, ...], Allow] = {}
    for st in statements:
        conditions = tuple((t, v, tuple(_key(x) for x in vals)) for t, v, vals in st.conditions)
        key = (st.sid or "", tuple(sorted(set(st.actions))), conditions)
        bucket = groups.setdefault(key, {})
        originals.setdefault(key, st)
        for res in st.resources:
            bucket.setdefault(_key(res), res)
    out: list[Allow] = []
    used: dict[str, int] = {}
    for key in sorted(groups):
        sid, actions, _ = key
        bucket = groups[key]
        if sid:
            used[sid] = used.get(sid, 0) + 1
            if used[sid] > 1:
                sid = f"{sid}{used[sid]}"
        out.append(Allow(actions, tuple(bucket[k] for k in sorted(bucket)), sid or None,
                         conditions=originals[key].conditions))
    return tuple(out)
