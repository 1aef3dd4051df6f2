"""``arn:aws:states:::events:putEvents``: put events on EventBridge buses."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    REQUEST_RESPONSE,
    TOKEN,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    name_or_arn,
    param,
    register,
    states_arn,
    suffix_of,
)


def _entries(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


@frozen
class PutEvents(_TaskBase):
    """Put ``entries``: each ``{"Detail": ..., "DetailType": ..., "Source": ...}``, with an
    ``EventBusName`` (name or ARN) or on the default bus."""

    entries: tuple[Any, ...] = attrs.field(kw_only=True, converter=_entries)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _example(s: Sampler) -> dict[str, Any]:
    bus = {"EventBusName": "orders"} if s.flag() else {}
    return {"entries": [{"Source": "jobs", "DetailType": "done", "Detail": {"ok": True}, **bus}]}


register(PutEvents, Integration(
    resource=lambda st: states_arn("events:putEvents" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"Entries": list(st.entries)}, st.options),
    inverse=inverse("events:putEvents", {"Entries": "entries"}, required=("entries",)),
    example=_example,
))


@integration("events:putEvents", (REQUEST_RESPONSE, TOKEN),
             "each entry's EventBusName (name or ARN; none → the default bus)")
def _grants(c: Call) -> list[Allow]:
    entries = c.get("Entries")
    if not isinstance(entries, list):
        return [Allow("events:PutEvents", arn("events", "event-bus/*"), "EventBusChosenAtRunTime")]
    buses: list[Any] = []
    for entry in entries:
        bus = param(entry, "EventBusName")
        if bus is DYNAMIC:
            return [Allow("events:PutEvents", arn("events", "event-bus/*"),
                          "EventBusChosenAtRunTime")]
        buses.append(arn("events", "event-bus/default") if bus is MISSING
                     else name_or_arn(bus, "events", "event-bus/"))
    return [Allow("events:PutEvents", tuple(buses) or arn("events", "event-bus/default"))]


__all__ = ["PutEvents"]
