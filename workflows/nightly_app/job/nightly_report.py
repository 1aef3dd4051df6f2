"""The Batch job: ``python /opt/app/job/nightly_report.py --scheduled-time T --time-zone Z``.

``T`` is the time the schedule fired (EventBridge Scheduler's ``<aws.scheduler.scheduled-time>``,
UTC, e.g. ``2024-01-01T18:00:00Z``). A nightly run reports on the day before the one it fires
on, in the schedule's time zone: the job prints that day and the UTC window it covers, as JSON,
and exits 0; or explains the problem on stderr and exits 1.
Standard library only, so it runs in the container and on any Python 3.9+.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def report_day(scheduled: str, zone: str) -> date:
    """The local day before the one on which the schedule fired."""
    try:
        fired = datetime.strptime(scheduled, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(f"--scheduled-time must look like 2024-01-01T18:00:00Z, got {scheduled!r}") from None
    return fired.astimezone(_zone(zone)).date() - timedelta(days=1)


def window(day: date, zone: str) -> tuple[str, str]:
    """The day's start and end (exclusive) in UTC."""
    tz = _zone(zone)
    start = datetime.combine(day, time(), tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(timezone.utc)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--time-zone must be an IANA time zone, got {name!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report on the day before the schedule fired.")
    parser.add_argument("--scheduled-time", required=True)
    parser.add_argument("--time-zone", default="UTC")
    args = parser.parse_args(argv)
    try:
        day = report_day(args.scheduled_time, args.time_zone)
        start, end = window(day, args.time_zone)
    except ValueError as e:
        print(f"nightly_report: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"report_date": day.isoformat(), "from": start, "to": end}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
