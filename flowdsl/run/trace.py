"""Readable views of an execution: the trace of visited states with virtual-clock times, and
the history as JSON (what ``flowdsl run`` prints and :meth:`flowdsl.testing.RunResult.report` shows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def format_trace(execution: Any, *, title: str | None = None) -> str:
    """The states an execution visited, nested under their Parallel/Map, with virtual-clock times.

    Built from ``execution.history``; each inline Map iteration is a row ``[i]`` (its item's
    index) with its states under it; a failure shows its error and the first line of its
    message; retries, caught errors, redrives and a Batch job's stdout are noted.
    """
    rows: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    history = list(execution.history)
    t_start = history[0]["timestamp"] if history else None
    last_error: str | None = None

    def at(ev: dict[str, Any]) -> float:
        ts = ev.get("timestamp")
        return (ts - t_start).total_seconds() if isinstance(ts, datetime) and t_start else 0.0

    def close(row: dict[str, Any], t: float, status: str) -> None:
        row["end"], row["status"] = t, status

    for ev in history:
        typ = ev["type"]
        t = at(ev)
        details = next((v for k, v in ev.items() if k.endswith("EventDetails")), {}) or {}
        if typ.endswith("StateEntered"):
            row = {"name": details.get("name"), "type": typ[: -len("StateEntered")], "depth": len(stack),
                   "start": t, "end": None, "status": None, "notes": [], "pending": None, "attempt": 1}
            rows.append(row)
            stack.append(row)
        elif typ == "MapIterationStarted":
            row = {"name": f"[{details.get('index')}]", "type": "", "depth": len(stack), "start": t, "end": None,
                   "status": None, "notes": [], "pending": None, "attempt": 1, "iteration": True}
            rows.append(row)
            stack.append(row)
        elif typ in ("MapIterationSucceeded", "MapIterationFailed") and any(r.get("iteration") for r in stack):
            failed = typ == "MapIterationFailed"
            while not stack[-1].get("iteration"):
                close(stack.pop(), t, f"failed: {last_error}")
            close(stack.pop(), t, f"failed: {last_error}" if failed else "ok")
        elif typ == "ExecutionRedriven":
            rows.append({"name": f"(redrive {details.get('redriveCount')})", "type": "", "depth": 0, "start": t,
                         "end": t, "status": "", "notes": [], "pending": None, "attempt": 1})
        elif typ in ("TaskFailed", "ParallelStateFailed", "MapStateFailed"):
            last_error = reason(details.get("error", last_error), details.get("cause"))
            want = {"TaskFailed": "Task", "ParallelStateFailed": "Parallel", "MapStateFailed": "Map"}[typ]
            while stack and stack[-1]["type"] != want:
                close(stack.pop(), t, f"failed: {last_error}")
            if stack:
                stack[-1]["pending"] = (last_error, t)
                stderr = _container_text(details.get("cause"), "Stderr") if typ == "TaskFailed" else None
                if stderr:
                    stack[-1]["notes"].append(f"stderr: {stderr}")
        elif typ in ("TaskScheduled", "ParallelStateStarted", "MapStateStarted") and stack:
            row = stack[-1]
            if row["pending"]:
                err, t_fail = row["pending"]
                row["notes"].append(f"attempt {row['attempt']} failed: {err}; retried after {t - t_fail:g}s")
                row["attempt"] += 1
                row["pending"] = None
        elif typ == "TaskSucceeded" and stack:
            stdout = _container_text(details.get("output"), "Stdout")
            if stdout:
                stack[-1]["notes"].append(f"stdout: {stdout}")
        elif typ.endswith("StateExited") and stack:
            row = stack.pop()
            close(row, t, f"caught {row['pending'][0]}" if row["pending"] else "ok")
        elif typ.startswith("Execution") and typ != "ExecutionStarted":
            err = reason(details.get("error"), details.get("cause")) if details.get("error") else last_error
            while stack:
                row = stack.pop()
                close(row, t, f"failed: {err}")
    for row in stack:  # still open (an aborted run)
        close(row, row["start"], "unfinished")

    name_w = max([len("  " * r["depth"] + str(r["name"])) for r in rows] + [5])
    lines = [title] if title else []
    lines.append(f"  {'start':>8}  {'took':>8}  {'state':<{name_w}}  {'type':<8}  result")
    for r in rows:
        took = (r["end"] or 0.0) - r["start"]
        label = "  " * r["depth"] + str(r["name"])
        lines.append(f"  {_secs(r['start']):>8}  {_secs(took):>8}  {label:<{name_w}}  {r['type']:<8}  {r['status']}")
        pad = " " * (24 + 2 * r["depth"])
        lines.extend(pad + note for note in r["notes"])
    return "\n".join(lines)


def reason(error: str | None, cause: Any) -> str | None:
    """An error as a trace shows it: its name, then the first line of its message when the
    cause has one (a Python handler's ``errorMessage``, a plain text cause), shortened."""
    if error is None:
        return None
    message: str | None = None
    if isinstance(cause, str) and cause.strip():
        try:
            doc = json.loads(cause)
        except ValueError:
            message = cause
        else:
            message = doc.get("errorMessage") if isinstance(doc, dict) else None
            if not isinstance(message, str):
                message = None
    if not message or not message.strip():
        return error
    line = message.strip().splitlines()[0]
    if line.startswith(f"{error}: "):
        line = line[len(error) + 2:]
    if len(line) > 60:
        line = line[:57] + "..."
    return f"{error}: {line}"


def _secs(s: float) -> str:
    return f"{s:.3f}s" if s < 1000 else f"{s:.0f}s"


def _container_text(doc: Any, key: str) -> str | None:
    """The last line of a local Batch job's Stdout/Stderr, from a task's result or error cause."""
    try:
        result = json.loads(doc) if isinstance(doc, str) else doc
    except ValueError:
        return None
    container = result.get("Container") if isinstance(result, dict) else None
    text = container.get(key) if isinstance(container, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None
    last = text.strip().splitlines()[-1]
    return last if len(last) <= 60 else last[:57] + "..."


def history_json(history: list[dict[str, Any]]) -> str:
    """The events as JSON (timestamps in ISO 8601, as AWS's GetExecutionHistory returns them)."""
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")
    from flowdsl.strict_json import pretty_dumps

    return pretty_dumps(history, default=default)


__all__ = ["format_trace", "history_json", "reason"]
