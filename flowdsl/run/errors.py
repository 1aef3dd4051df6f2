"""Error types of the local executor."""

from __future__ import annotations

from typing import Any

from flowdsl.errors import FlowError


class RunError(FlowError):
    """A malformed state machine definition (raised by :func:`flowdsl.run.execute`)."""


class StatesError(FlowError):
    """An ASL-level error raised while a state runs; it can be retried / caught.

    ``error`` is the ASL error name (``States.Runtime``, a Lambda ``errorType``, ...)
    and ``cause`` its free-text cause (``None`` when the state gives none).
    """

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause

    def output(self) -> dict[str, Any]:
        # The error output a Catcher sees: {"Error": ..., "Cause": ...}; keys with no value are omitted.
        out: dict[str, Any] = {}
        if self.error is not None:
            out["Error"] = self.error
        if self.cause is not None:
            out["Cause"] = self.cause
        return out


# Errors that States.ALL does not match (AWS: "A retry or catch on States.ALL won't catch States.Runtime").
UNCATCHABLE_BY_ALL = frozenset({"States.Runtime", "States.DataLimitExceeded"})
