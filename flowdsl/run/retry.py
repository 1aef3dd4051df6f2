"""Retry and Catch: which retrier or catcher an error matches, how long a retry waits, and what
a catcher passes on.

The engine runs a Task, Parallel or Map state's attempts; after a failed attempt it asks the
state's :class:`Retries` for a delay, and when there is none, :func:`catcher_for` for a
catcher, whose output :func:`caught` computes.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from flowdsl.vocabulary import JSONATA

from .dataflow import DataFlow, Scope
from .errors import UNCATCHABLE_BY_ALL, RunError, StatesError


def matches(error_equals: Sequence[str], error: str | None) -> bool:
    """Whether an ``ErrorEquals`` list matches ``error`` (with AWS's two wildcards)."""
    for e in error_equals:
        if e == error:
            return True
        if e == "States.ALL" and error not in UNCATCHABLE_BY_ALL:
            return True
        # States.TaskFailed is a wildcard for any task error except States.Timeout (AWS error-handling docs).
        if e == "States.TaskFailed" and error not in UNCATCHABLE_BY_ALL and error != "States.Timeout" \
                and not (error or "").startswith("States."):
            return True
    return False


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunError(f"{what} must be a number, not {value!r}")
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def backoff(interval: Any, rate: Any, count: int) -> float:
    """IntervalSeconds × BackoffRate^count, saturating at infinity instead of overflowing."""
    base, factor = _number(interval, "IntervalSeconds"), _number(rate, "BackoffRate")
    try:
        return base * factor ** count
    except OverflowError:
        return float("inf")


class Retries:
    """The retriers of one entry into a state, with the attempts each has used so far.
    ``count`` is the entry's retry count (``$$.State.RetryCount``)."""

    __slots__ = ("retriers", "used", "count")

    def __init__(self, retriers: Sequence[dict[str, Any]]) -> None:
        self.retriers = retriers
        self.used = [0] * len(retriers)
        self.count = 0

    def delay(self, err: StatesError, rng: random.Random) -> float | None:
        """Seconds to wait before retrying after ``err``, or None when it is not retried."""
        for i, r in enumerate(self.retriers):
            if not matches(r.get("ErrorEquals", []), err.error):
                continue
            # The first matching retrier decides, even when it is exhausted (AWS: retriers are evaluated in order).
            if self.used[i] >= r.get("MaxAttempts", 3):
                return None
            delay = backoff(r.get("IntervalSeconds", 1), r.get("BackoffRate", 2.0), self.used[i])
            if "MaxDelaySeconds" in r:
                delay = min(delay, _number(r["MaxDelaySeconds"], "MaxDelaySeconds"))
            if r.get("JitterStrategy") == "FULL":
                delay = rng.uniform(0, delay)
            self.used[i] += 1
            return delay
        return None


def catcher_for(st: dict[str, Any], err: StatesError) -> dict[str, Any] | None:
    """The first of a state's catchers that matches ``err``."""
    for catcher in st.get("Catch") or []:
        if matches(catcher.get("ErrorEquals", []), err.error):
            return catcher
    return None


def caught(flow: DataFlow, name: str, catcher: dict[str, Any], raw: Any, err: StatesError, scope: Scope,
           ql: str, ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
    """Where a caught error goes, and with what: ``(Next, output, assigned variables)``; the
    output is the error output placed by the catcher's ResultPath, or its JSONata Output."""
    err_out = err.output()
    if ql == JSONATA:
        b = flow.jsonata_bindings({"input": raw, "context": ctx, "errorOutput": err_out}, scope)
        assigned = flow.assign(name, catcher, ql, err_out, ctx, scope, b)
        out = flow.ja_value(catcher["Output"], b, "Output", name) if "Output" in catcher else err_out
        return catcher.get("Next"), out, assigned
    assigned = flow.assign(name, catcher, ql, err_out, ctx, scope, None)
    out = flow.apply_result_path(catcher, raw, err_out, name)
    return catcher.get("Next"), out, assigned
