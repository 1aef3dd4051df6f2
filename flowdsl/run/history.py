"""An execution's record: its history events (as ``GetExecutionHistory`` returns them), the
states it entered, and the virtual-time trace of each state.

Every event goes through :meth:`History.record`, which numbers it, links it to the previous
event and enforces AWS's 25,000-event quota.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .clock import VirtualClock
from .errors import StatesError

MAX_HISTORY_EVENTS = 25_000  # AWS's hard quota on an execution's history
HISTORY_LIMIT_CAUSE = "The execution reached the maximum number of history events (25000)."


def error_details(error: str | None, cause: str | None, **more: Any) -> dict[str, Any]:
    """A failure event's details: ``error``, ``cause`` and ``more``, leaving out what is None."""
    out = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
    out.update((k, v) for k, v in more.items() if v is not None)
    return out


class History:
    """The events, the entered states and the trace of one execution.

    ``full`` makes the exception raised when the next event would be the 25,000th and would not
    end the execution (the engine turns it into the execution's failure).
    """

    __slots__ = ("events", "visited", "trace", "_clock", "_full")

    def __init__(self, clock: VirtualClock, full: Callable[[], BaseException]) -> None:
        self.events: list[dict[str, Any]] = []
        self.visited: list[str] = []
        # (state, type, virtual time entered, virtual time left), appended as each state ends
        self.trace: list[tuple[str, str, float, float]] = []
        self._clock = clock
        self._full = full

    def record(self, type_: str, details_key: str | None = None, details: dict[str, Any] | None = None,
               prev: int | None = None) -> int:
        """Append an event; return its id. ``prev`` links it to an earlier event than the last."""
        eid = len(self.events) + 1
        # AWS: when an execution has 24,999 events, the 25,000th must be ExecutionSucceeded;
        # anything else fails the execution (bp-history-limit in the developer guide).
        if eid >= MAX_HISTORY_EVENTS and not type_.startswith("Execution"):
            raise self._full()
        ev: dict[str, Any] = {
            "id": eid,
            "previousEventId": eid - 1 if prev is None else prev,
            "type": type_,
            "timestamp": self._clock.cached_now(),
        }
        if details_key:
            ev[details_key] = details or {}
        self.events.append(ev)
        return eid

    def failed(self, type_: str, details_key: str, err: StatesError, **more: Any) -> None:
        """A failure event (``TaskFailed``, ``ParallelStateFailed``, ``ExecutionFailed``...)."""
        self.record(type_, details_key, error_details(err.error, err.cause, **more))

    def evaluation_failed(self, name: str, err: StatesError) -> None:
        """AWS records an ``EvaluationFailed`` event where a JSONata evaluation fails (once per error)."""
        if err.error == "States.QueryEvaluationError" and not getattr(err, "reported", False):
            err.reported = True  # type: ignore[attr-defined]
            self.record("EvaluationFailed", "evaluationFailedEventDetails",
                        {"error": err.error, "cause": err.cause, "state": name})

    @contextmanager
    def apart(self) -> Iterator[None]:
        """Record into fresh events and entered states while the block runs (a Distributed Map's
        child executions are not part of their parent's history); the trace stays shared."""
        saved = self.events, self.visited
        self.events, self.visited = [], []
        try:
            yield
        finally:
            self.events, self.visited = saved
