"""Redriving an unsuccessful local execution, with the rules of Step Functions' RedriveExecution.

A redrive continues the same execution from the state that did not succeed, with the input
that state had (and the variables it saw); the states that succeeded are not run again and
keep their results. Inside a Parallel state only the branches that did not succeed run again;
inside an inline Map only the iterations that did not succeed (or never started); a
Distributed Map's Map Run is redriven (``MapRunRedriven``, the same Map Run ARN): its failed
Standard child executions are redriven from where each stopped, its failed Express children
start again, and the children that never started start. The redriven state's retriers start
from zero. The history goes on after an ``ExecutionRedriven`` event, and
``$$.Execution.RedriveCount`` counts the redrives (``$$.Execution.RedriveTime`` is when the
last one began).

What may be redriven is what RedriveExecution accepts (its API reference): a Standard
execution that is FAILED, TIMED_OUT or ABORTED, ended less than 14 days ago, whose history
holds fewer than 24,999 events and that did not run past the one-year maximum; a SUCCEEDED
execution is refused with ``ExecutionNotRedrivable``. It is redriven on the definition it ran:
a record whose definition no longer matches the workflow is refused.

Locally, an execution is named by its record, the JSON that ``flowdsl run ... --save FILE``
writes (:func:`write_record`; ``--redrive FILE`` reads it) or, in a test, by the
:class:`flowdsl.testing.RunResult` (``flowdsl.testing.redrive``). The redrive's virtual clock
starts where the previous attempt stopped, and a ``TimeoutSeconds`` counts from the redrive.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from flowdsl.errors import FlowError

from .clock import VirtualClock
from .engine import MAX_EXECUTION_SECONDS, Execution, execute

REDRIVABLE_DAYS = 14  # RedriveExecution: within 14 days of the execution's end
MAX_REDRIVE_HISTORY = 24_999  # RedriveExecution: fewer events, room for ExecutionRedriven and one more
RECORD_KIND = "flowdsl execution"
RECORD_VERSION = 1
UNSUCCESSFUL = ("FAILED", "TIMED_OUT", "ABORTED")


class NotRedrivable(FlowError):
    """The execution cannot be redriven (AWS's ``ExecutionNotRedrivable``), or its record does
    not fit the workflow."""


@dataclass
class Previous:
    """An execution to redrive: what its record (or its :class:`Execution`) keeps."""

    status: str
    input: Any
    history: list[dict[str, Any]]
    resume: dict[str, Any] | None
    context: dict[str, Any]
    definition_sha256: str
    state_machine: str = "StateMachine"
    type: str = "STANDARD"
    redrive_count: int = 0
    invocations: dict[str, int] = field(default_factory=dict)
    ended_at: datetime | None = None  # wall-clock time the execution ended (the 14 days count from it)
    error: str | None = None
    cause: str | None = None
    label: str = "the execution"  # how messages name it: its record file


def definition_sha256(definition: Mapping[str, Any]) -> str:
    """The SHA-256 of a definition's canonical JSON: what a redrive checks it still runs."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def previous_of(execution: Execution, definition: Mapping[str, Any], *, state_machine: str = "StateMachine",
                type_: str = "STANDARD", ended_at: datetime | None = None, label: str = "the execution") -> Previous:
    """The :class:`Previous` of an execution that just ran ``definition``."""
    return Previous(execution.status, execution.input, list(execution.history), execution.resume,
                    dict(execution.context), definition_sha256(definition), state_machine, type_,
                    execution.redrive_count, dict(execution.invocations),
                    ended_at or datetime.now(timezone.utc), execution.error, execution.cause, label)


# ---------------------------------------------------------------------- the rules

def check_redrivable(previous: Previous, definition: Mapping[str, Any], now: datetime | None = None) -> None:
    """Raise :class:`NotRedrivable` unless RedriveExecution would redrive ``previous`` on
    ``definition`` at ``now`` (default: the wall clock)."""
    what = previous.label

    def refuse(reason: str) -> NotRedrivable:
        return NotRedrivable(f"{what}: ExecutionNotRedrivable: {reason}")

    if previous.type == "EXPRESS":
        raise refuse("the state machine is EXPRESS; RedriveExecution redrives Standard executions only "
                     "(start a new execution instead)")
    if previous.status not in UNSUCCESSFUL:
        raise refuse(f"Execution is {previous.status} and cannot be redriven")
    now = now or datetime.now(timezone.utc)
    if previous.ended_at is not None and now - previous.ended_at > timedelta(days=REDRIVABLE_DAYS):
        raise refuse(f"Execution redrivable period exceeded (it ended {previous.ended_at.isoformat()}, "
                     f"more than {REDRIVABLE_DAYS} days ago)")
    if len(previous.history) >= MAX_REDRIVE_HISTORY:
        raise refuse(f"Execution history event limit exceeded ({len(previous.history):,} events; a "
                     f"redrive needs fewer than {MAX_REDRIVE_HISTORY:,})")
    stamps: list[datetime] = [ev["timestamp"] for ev in previous.history if isinstance(ev.get("timestamp"), datetime)]
    if len(stamps) >= 2 and (stamps[-1] - stamps[0]).total_seconds() >= MAX_EXECUTION_SECONDS:
        raise refuse("Execution has exceeded the max execution time (one year)")
    if previous.resume is None:
        raise refuse("no state of it was left unsuccessful, so there is nothing to redrive from")
    digest = definition_sha256(definition)
    if digest != previous.definition_sha256:
        raise NotRedrivable(f"{what}: the workflow's definition changed since this execution ran (SHA-256 "
                            f"{previous.definition_sha256[:12]}..., now {digest[:12]}...); Step Functions "
                            "redrives an execution on the definition it started with: start a new execution")


def redrive(previous: Previous, definition: Mapping[str, Any], *, tasks: Any = None,
            clock: VirtualClock | None = None, max_steps: int = 100_000, seed: int = 0,
            now: datetime | None = None) -> Execution:
    """Redrive ``previous`` on ``definition`` (checked by :func:`check_redrivable`) and return
    the execution as it now ends; its history is the previous one followed by this attempt's."""
    check_redrivable(previous, definition, now)
    if clock is None:
        clock = VirtualClock(stopped_at(previous))
    return execute(definition, tasks=tasks, clock=clock, max_steps=max_steps, seed=seed, redrive=previous)


def stopped_at(previous: Previous) -> datetime | None:
    """When (in virtual time) the previous attempt stopped: its last event."""
    for ev in reversed(previous.history):
        if isinstance(ev.get("timestamp"), datetime):
            return ev["timestamp"]  # type: ignore[no-any-return]
    return None


# ---------------------------------------------------------------------- the record file

def record(previous: Previous) -> dict[str, Any]:
    """The JSON record of an execution (what ``--save`` writes and ``--redrive`` reads)."""
    return {
        "kind": RECORD_KIND, "version": RECORD_VERSION,
        "stateMachine": previous.state_machine, "type": previous.type,
        "definitionSha256": previous.definition_sha256,
        "status": previous.status, "error": previous.error, "cause": previous.cause,
        "redriveCount": previous.redrive_count,
        "endedAt": (previous.ended_at or datetime.now(timezone.utc)).isoformat(),
        "input": previous.input, "context": previous.context, "invocations": previous.invocations,
        "resume": previous.resume,
        "history": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in ev.items()}
                    for ev in previous.history],
    }


def write_record(path: str | os.PathLike[str], previous: Previous) -> None:
    """Write ``previous``'s record to ``path`` (atomically: never half-written)."""
    from flowdsl.atomic import write_atomic
    from flowdsl.strict_json import pretty_dumps

    from flowdsl.errors import FlowError

    if os.path.isdir(path):
        raise FlowError(f"{path}: is a folder; name the file to write the execution record to")
    try:
        write_atomic(path, pretty_dumps(record(previous)) + "\n")
    except OSError as exc:
        raise FlowError(f"{path}: cannot write the execution record: {exc.strerror or exc}") from None


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "stateMachine": str, "type": str, "definitionSha256": str, "status": str, "redriveCount": int,
    "endedAt": str, "context": dict, "invocations": dict, "history": list, "resume": (dict, type(None)),
}


def read_record(path: str | os.PathLike[str]) -> Previous:
    """Read a record written by :func:`write_record`; every problem is one line naming the file."""
    from flowdsl.strict_json import JsonValueError, read

    label = str(path)
    if not os.path.exists(path):  # a folder or an unreadable file: read() says which
        raise NotRedrivable(f"{label}: no such file (write one with flowdsl run ... --save {label})")
    try:
        doc = read(path, label)
    except JsonValueError as exc:
        raise NotRedrivable(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("kind") != RECORD_KIND:
        raise NotRedrivable(f"{label}: not an execution record written by flowdsl run --save")
    if doc.get("version") != RECORD_VERSION:
        raise NotRedrivable(f"{label}: execution record version {doc.get('version')!r}; this flowdsl "
                            f"reads version {RECORD_VERSION}")
    for key, typ in _FIELDS.items():
        if not isinstance(doc.get(key), typ) or (typ is int and isinstance(doc.get(key), bool)):
            raise NotRedrivable(f"{label}: field {key!r} is missing or not "
                                f"{'an object' if typ is dict else getattr(typ, '__name__', 'valid')}")
    try:
        ended = datetime.fromisoformat(doc["endedAt"])
        history = [_event(ev) for ev in doc["history"]]
    except (TypeError, ValueError, AttributeError) as exc:
        raise NotRedrivable(f"{label}: a timestamp or event cannot be read: {exc}") from None
    return Previous(doc["status"], doc.get("input"), history, doc["resume"], doc["context"],
                    doc["definitionSha256"], doc["stateMachine"], doc["type"], doc["redriveCount"],
                    {str(k): int(v) for k, v in doc["invocations"].items()}, ended, doc.get("error"),
                    doc.get("cause"), label)


def _event(ev: Any) -> dict[str, Any]:
    if not isinstance(ev, dict) or not isinstance(ev.get("timestamp"), str):
        raise ValueError(f"not a history event: {str(ev)[:60]}")
    return {**ev, "timestamp": datetime.fromisoformat(ev["timestamp"])}


# ---------------------------------------------------------------------- flowdsl run

def state_machine_type(workflow: Any) -> str:
    """STANDARD or EXPRESS: the type the workflow's deployment gives its state machine."""
    return str(getattr(getattr(workflow, "deployment", None), "type", None) or "STANDARD")


def run_prepared(prepared: Any, *, save: str | os.PathLike[str] | None = None,
                 redrive_from: str | os.PathLike[str] | None = None, input_flags: list[str] | None = None,
                 now: datetime | None = None) -> Execution:
    """``flowdsl run``: execute a prepared run (a :class:`flowdsl.pipeline.PreparedRun`), or
    redrive the execution saved in ``redrive_from``; then save the execution to ``save``."""
    type_ = state_machine_type(prepared.workflow)
    if redrive_from is None:
        execution = prepared.execute()
    else:
        if input_flags:
            raise FlowError(f"--redrive {redrive_from}: a redriven execution runs on the input it had; "
                            f"leave out {input_flags[0]}")
        previous = read_record(redrive_from)
        if previous.state_machine != prepared.name:
            raise NotRedrivable(f"{redrive_from}: the saved execution is of state machine "
                                f"{previous.state_machine!r}, not {prepared.name!r}")
        if type_ == "EXPRESS":
            previous.type = type_
        execution = redrive(previous, prepared.definition, tasks=prepared.binder, now=now)
    if save is not None:
        write_record(save, previous_of(execution, prepared.definition, state_machine=prepared.name, type_=type_,
                                       label=str(save)))
    return execution


__all__ = ["NotRedrivable", "Previous", "check_redrivable", "definition_sha256", "previous_of", "read_record",
           "record", "redrive", "run_prepared", "write_record"]
