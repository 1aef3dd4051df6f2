"""``arn:aws:states:::events:putEvents``: put events on EventBridge buses."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, inverse, suffix_of


def _entries(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


@frozen
class PutEvents(_TaskBase):
    """Put ``entries``: each ``{"Detail": ..., "DetailType": ..., "Source": ...}``, with an
    ``EventBusName`` (name or ARN) or on the default bus."""

    entries: tuple[Any, ...] = attrs.field(kw_only=True, converter=_entries)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


register(PutEvents, Integration(
    resource=lambda st: states_arn("events:putEvents" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"Entries": list(st.entries)}, st.options),
    inverse=inverse("events:putEvents", {"Entries": "entries"}, required=("entries",)),
))
