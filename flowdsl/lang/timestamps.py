"""Timestamps as ASL takes them: the RFC 3339 profile the spec sets for Wait's ``Timestamp`` and
``TimestampPath`` and the ``Timestamp*`` Choice operators.

The ASL spec narrows RFC 3339: "an uppercase T must separate the date and time portions, and an
uppercase Z must denote that a numeric time zone offset is not present". So ``...T10:00:00z`` is
not a timestamp, for validation and for a run alike. Fractions of a second may have any number
of digits (AWS records nanoseconds); they are kept to the microsecond.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["parse", "problem"]

# (compiled by ``re`` on first use, like ``datetime``: a build checks a timestamp only if it has one)
_RFC3339 = r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})"


def parse(value: Any) -> datetime | None:
    """The instant ``value`` names, or None when it is not an ASL timestamp."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(_RFC3339, value)
    if not m:
        return None
    from datetime import datetime, timedelta, timezone

    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        micro = int((frac[1:] + "000000")[:6]) if frac else 0
        if tz == "Z":
            tzinfo = timezone.utc
        else:
            sign = 1 if tz[0] == "+" else -1
            tzinfo = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tzinfo)
    except ValueError:
        return None


def problem(value: Any) -> str | None:
    """Why ``value`` is not an ASL timestamp, or None."""
    if not isinstance(value, str):
        return f"{value!r} is not an RFC 3339 timestamp"
    if parse(value) is not None:
        return None
    if re.fullmatch(_RFC3339, value.upper()):
        if parse(value.upper()) is not None:
            return (f"{value!r} is not an RFC 3339 timestamp as ASL requires it: "
                    "write an uppercase 'T' and 'Z'")
        return f"{value!r} is not an RFC 3339 timestamp: the date or time is out of range"
    return f"{value!r} is not an RFC 3339 timestamp"
