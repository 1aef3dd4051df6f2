"""Local stand-ins for the success and error handler Lambdas (``job_base`` in the seed).

Both receive the state machine's payload ``{"state": <state input>, "context": <context object>}``
and return a small summary, which the state machine stores at ``$.success_handler`` or
``$.error_handler``. Deployed, they would notify someone (SNS, Slack); locally they only report.
"""

from __future__ import annotations

import json
from typing import Any


def _job_name(state: dict[str, Any]) -> str | None:
    return (state.get("metadata") or {}).get("job_name")


def _execution(context: dict[str, Any]) -> str | None:
    return (context.get("Execution") or {}).get("Name")


def on_success(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job succeeded: report its id and, when the job ran locally, what it printed."""
    state, ctx = event.get("state") or {}, event.get("context") or {}
    batch = state.get("batch") or {}
    summary: dict[str, Any] = {
        "status": "SUCCEEDED",
        "job_name": _job_name(state),
        "job_id": batch.get("JobId"),
        "execution": _execution(ctx),
    }
    stdout = (batch.get("Container") or {}).get("Stdout")
    if stdout is not None:  # a local run captures the job's output; AWS Batch sends it to CloudWatch
        summary["result"] = stdout.strip()
    return summary


def on_error(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job (or the success handler) failed: report the error and the job's reason."""
    state, ctx = event.get("state") or {}, event.get("context") or {}
    error = state.get("error") or {}
    summary: dict[str, Any] = {
        "status": "FAILED",
        "job_name": _job_name(state),
        "execution": _execution(ctx),
        "error": error.get("Error"),
    }
    try:  # a Batch failure's cause is the job description, as JSON
        cause = json.loads(error.get("Cause") or "")
    except (TypeError, ValueError):
        cause = error.get("Cause")
    if isinstance(cause, dict):
        container = cause.get("Container") or {}
        summary["reason"] = container.get("Stderr", "").strip() or cause.get("StatusReason")
        if "ExitCode" in container:
            summary["exit_code"] = container["ExitCode"]
    elif cause:
        summary["reason"] = cause
    return summary
