"""Run a workflow locally in a test, with mocked tasks, and assert on what happened.

    from flowdsl.testing import run, throw

    result = run(workflow, message='{"n": 10}', mocks={
        "Batch": {"Status": "SUCCEEDED"},
        "OnSuccess": {"Payload": {"status": "SUCCEEDED"}},
    })
    result.assert_succeeded()
    assert result.visited == ["ExtractInputParameters", "BatchGroup", "Batch", "OnSuccess"]

``visited`` lists every state entered, in order, as the engine does (``flowdsl.run.Execution``):
a Parallel or Map state appears once, *before* the states of its branches/iterations; a state
retried stays one entry (see :meth:`RunResult.attempts` for its attempts).

A mock, per Task state name, is

* a value: the task's result (what ``ResultSelector``/``ResultPath`` see; for ``lambda:invoke``
  that is the whole response, ``{"Payload": ...}``). Wrap a list in :func:`returns`;
* an error: :func:`throw` (``throw("Lambda.ServiceException", "cause")``), a ``StatesError``, a
  Python exception instance or class (its class name becomes the error), or a Step Functions
  Local response ``{"Throw": {"Error": ..., "Cause": ...}}`` (``{"Return": value}`` also works);
* a list of the above, one per invocation (retries included): ``[throw("X"), throw("X"), {...}]``
  makes the third attempt succeed; an invocation past the end fails with ``States.Runtime``;
* a callable: called with the task's input (its effective ``Parameters``); it returns the result
  or raises (a Python exception becomes the error named after its class);
* a local binding from :mod:`flowdsl.run` (``MockedTask``, ``LocalLambda``, ``LocalBatch``).

Mocks override the bindings of ``config`` (a :class:`flowdsl.run.config.RunConfig`) for the
states they name; states bound by neither fail the execution with ``States.Runtime``; a mock on
a state that calls no task (Pass, Choice, Map, Parallel...) is refused, naming its type.

:func:`redrive` redrives a failed result as Step Functions' RedriveExecution does: from the
state that did not succeed, with the input it had (``redrive(result, mocks={...})``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flowdsl.deployments import kinds, local_options
from flowdsl.errors import FlowError
from flowdsl.run import Execution, StatesError, TaskBinder, TaskCall, VirtualClock, execute
from flowdsl.run.config import RunConfig
from flowdsl.run.redrive import state_machine_type
from flowdsl.run.trace import format_trace
from flowdsl.run.bindings import LocalBatch, LocalLambda, MockedTask


@dataclass(frozen=True)
class Throw:
    """A mocked task failure: ``error`` (e.g. ``States.TaskFailed``) and an optional ``cause``."""

    error: str
    cause: str | None = None


def throw(error: str, cause: str | None = None) -> Throw:
    return Throw(error, cause)


@dataclass(frozen=True)
class Returns:
    """A mocked result given literally (use it for a list result, which would mean per-attempt)."""

    value: Any


def returns(value: Any) -> Returns:
    return Returns(value)


@dataclass(frozen=True)
class Call:
    """One invocation of a Task state during a run."""

    state: str
    attempt: int  # 0-based retry attempt ($$.State.RetryCount)
    invocation: int  # 0-based invocation of this state in the execution
    at: float  # virtual seconds since the execution started
    payload: Any  # the task's input (effective Parameters)
    error: str | None = None  # the error it raised, if it failed
    result: Any = None


def _json_copy(value: Any, state: str = "") -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise StatesError("States.Runtime", f"the mock of {state!r} gave a value that is not JSON: {e}") from None


def _fail(err: Any) -> None:
    if isinstance(err, Throw):
        raise StatesError(err.error, err.cause)
    if isinstance(err, StatesError):
        raise err
    if isinstance(err, type) and issubclass(err, BaseException):
        raise StatesError(err.__name__, None)
    if isinstance(err, BaseException):
        raise StatesError(type(err).__name__, str(err) or None)
    raise AssertionError(f"not an error: {err!r}")  # pragma: no cover


def _is_error(spec: Any) -> bool:
    return isinstance(spec, (Throw, StatesError, BaseException)) or (
        isinstance(spec, type) and issubclass(spec, BaseException))


def _respond(state: str, spec: Any, call: TaskCall) -> Any:
    """The result of one invocation for a single (non-list) mock spec."""
    if _is_error(spec):
        _fail(spec)
    if isinstance(spec, Returns):
        return _json_copy(spec.value, state)
    if isinstance(spec, Mapping) and len(spec) == 1 and ("Throw" in spec or "Return" in spec):
        if "Throw" in spec:
            t = spec["Throw"] or {}
            raise StatesError(t.get("Error"), t.get("Cause"))
        return _json_copy(spec["Return"], state)
    if isinstance(spec, (MockedTask, LocalLambda, LocalBatch)):
        return spec(call)
    if callable(spec):
        try:
            result = spec(call.payload)
        except StatesError:
            raise
        except Exception as e:  # the callable's failure is the task's error, named after its class
            message = str(e)
            raise StatesError(type(e).__name__, f"{type(e).__name__}: {message}" if message else None) from None
        return _json_copy(result, state)
    return _json_copy(spec, state)


def mock_handler(state: str, spec: Any) -> Callable[[TaskCall], Any]:
    """A task handler (taking a :class:`~flowdsl.run.TaskCall`) for one kit mock spec."""
    if isinstance(spec, (list, tuple)):
        responses = list(spec)

        def per_invocation(call: TaskCall) -> Any:
            if call.invocation >= len(responses):
                raise StatesError("States.Runtime", f"the mock of {state!r} has {len(responses)} response(s); "
                                  f"invocation #{call.invocation + 1} has none")
            return _respond(state, responses[call.invocation], call)
        return per_invocation
    return lambda call: _respond(state, spec, call)


class _RecordingBinder(TaskBinder):
    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        self.calls: list[Call] = []

    def set(self, state: str, handler: Callable[[TaskCall], Any]) -> None:
        self._handlers[state] = handler  # a handler taking the TaskCall, used as is

    def invoke(self, call: TaskCall) -> Any:
        at = self.clock.elapsed
        try:
            result = super().invoke(call)
        except StatesError as e:
            self.calls.append(Call(call.state_name, call.attempt, call.invocation, at, call.payload, e.error))
            raise
        self.calls.append(Call(call.state_name, call.attempt, call.invocation, at, call.payload, None, result))
        return result


@dataclass
class RunResult:
    """What a run did: the execution's outcome plus every task invocation, with assertion helpers."""

    execution: Execution
    calls: list[Call] = field(default_factory=list)
    name: str = "workflow"
    s3: Any = None  # the run's object store (run(..., s3=...)): what the ResultWriters wrote
    # what redrive() needs: the definition the run ran, its bindings and its state machine type
    definition: Any = field(default=None, repr=False)
    binder: Any = field(default=None, repr=False)
    type: str = "STANDARD"
    ended_at: Any = field(default=None, repr=False)  # wall-clock end (a redrive is refused 14 days on)

    # the execution's fields, for convenience
    @property
    def status(self) -> str:
        return self.execution.status

    @property
    def output(self) -> Any:
        return self.execution.output

    @property
    def error(self) -> str | None:
        return self.execution.error

    @property
    def cause(self) -> str | None:
        return self.execution.cause

    @property
    def visited(self) -> list[str]:
        return self.execution.visited

    @property
    def history(self) -> list[dict[str, Any]]:
        return self.execution.history

    @property
    def redrive_count(self) -> int:
        """``$$.Execution.RedriveCount``: how many times the execution has been redriven."""
        return self.execution.redrive_count

    @property
    def succeeded(self) -> bool:
        return self.execution.status == "SUCCEEDED"

    def calls_of(self, state: str) -> list[Call]:
        return [c for c in self.calls if c.state == state]

    def attempts(self, state: str) -> list[float]:
        """Virtual times (seconds since the start) at which ``state``'s task was invoked."""
        return [c.at for c in self.calls_of(state)]

    def report(self) -> str:
        """The trace of visited states, then the output or the error and cause."""
        lines = [format_trace(self.execution, title=f"{self.name}: {self.status}")]
        if self.succeeded:
            lines.append("output: " + json.dumps(self.output, indent=2, default=str)[:4000])
        else:
            lines.append(f"error: {self.error}")
            if self.cause:
                lines.append(f"cause: {self.cause[:4000]}")
        return "\n".join(lines)

    # assertions -----------------------------------------------------------------
    def assert_succeeded(self) -> "RunResult":
        if not self.succeeded:
            raise AssertionError(f"expected the execution to succeed\n{self.report()}")
        return self

    def assert_failed(self, error: str | None = None, cause_contains: str | None = None) -> "RunResult":
        if self.succeeded:
            raise AssertionError(f"expected the execution to fail\n{self.report()}")
        if error is not None and self.error != error:
            raise AssertionError(f"expected error {error!r}, got {self.error!r}\n{self.report()}")
        if cause_contains is not None and cause_contains not in (self.cause or ""):
            raise AssertionError(f"expected the cause to contain {cause_contains!r}\n{self.report()}")
        return self

    def assert_visited(self, *states: str) -> "RunResult":
        if self.visited != list(states):
            raise AssertionError(f"expected path {list(states)}, got {self.visited}\n{self.report()}")
        return self

    def __repr__(self) -> str:
        return f"<RunResult {self.name} {self.status} visited={self.visited} error={self.error!r}>"


def run(workflow: Any, input: Any = None, *, mocks: Mapping[str, Any] | None = None,
        config: RunConfig | None = None, values: Mapping[str, Any] | None = None, name: str | None = None,
        context: Mapping[str, Any] | None = None, max_steps: int = 100_000, s3: Any = None,
        **trigger: Any) -> RunResult:
    """Run ``workflow`` on a virtual clock and return a :class:`RunResult`.

    ``workflow`` is a :class:`~flowdsl.Workflow`, an ASL document (dict), or a path to a workflow
    file (.py: its ``RunConfig``, if any, is used unless ``config`` is given) or an ASL file (.json).
    ``input`` is the execution input. Instead, a deployment kind's local-run option builds it
    as the kind's trigger would (:class:`flowdsl.deployments.LocalOption`, the keyword of the
    ``flowdsl run`` option of that name): ``message=`` wraps an SQS message body (a string, or
    a dict that is JSON-encoded) the way the EventBridge Pipe delivers it; ``scheduled=True``
    passes what a ScheduledJob's schedule delivers, ``event=`` an EventJob's event envelope,
    matched against the rule's pattern and transformed.
    ``s3`` serves Distributed Maps' ItemReader and ResultWriter: files as ``{"bucket/key":
    content}`` (put in a fresh temporary folder) or a :class:`~flowdsl.run.s3.LocalS3`; the
    result's ``s3`` is that store, to read what the run wrote.
    ``values`` set deploy-time values (variables by name, others by address) over the config's;
    a required variable with no value gets a placeholder ``"<var.NAME>"``.

    The run is prepared exactly as ``flowdsl run`` prepares it (:func:`flowdsl.pipeline.prepare_run`):
    an invalid workflow or document raises :class:`~flowdsl.errors.CompileError` with the
    diagnostics ``flowdsl validate`` reports, and a mock, binding or value for a name the
    workflow does not have raises :class:`~flowdsl.run.config.RunConfigError` naming it.
    """
    from flowdsl.deep_stack import call
    from flowdsl.pipeline import prepare_run

    chosen = _trigger(trigger)
    store = s3
    if isinstance(s3, Mapping):
        import tempfile

        from flowdsl.run.s3 import local_s3

        store = local_s3(dict(s3), tempfile.mkdtemp(prefix="flowdsl-s3-"))

    def go() -> RunResult:
        handlers = {state: mock_handler(state, spec) for state, spec in (mocks or {}).items()}
        prepared = prepare_run(workflow, input=input, values=values, mocks=handlers,
                               config=config, name=name, placeholders=True, trigger=chosen, s3=store)
        clock = VirtualClock()
        binder = _RecordingBinder(clock)
        binder.update(prepared.binder)
        ctx = prepared.context
        for key, value in (context or {}).items():
            ctx[key] = {**ctx[key], **value} if isinstance(ctx.get(key), dict) and isinstance(value, Mapping) \
                else value
        execution = execute(prepared.definition, prepared.input, tasks=binder, context=ctx, clock=clock,
                            max_steps=max_steps)
        return RunResult(execution, binder.calls, prepared.name, store, prepared.definition, binder,
                         state_machine_type(prepared.workflow), _now())

    return call(go)  # on a large stack: deeply nested inputs and definitions are handled


def _now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def redrive(result: RunResult, *, mocks: Mapping[str, Any] | None = None, max_steps: int = 100_000,
            now: Any = None) -> RunResult:
    """Redrive the unsuccessful execution of ``result`` as Step Functions' RedriveExecution
    does (:mod:`flowdsl.run.redrive`): from the state that did not succeed, with the input it
    had; the states that succeeded are not run again, ``$$.Execution.RedriveCount`` goes up and
    the history goes on after ``ExecutionRedriven``.

    The tasks run as they did in ``result``'s run (a list mock goes on with its next response),
    except the states named in ``mocks``, which take these mocks. The result's ``calls`` are
    this redrive's. A SUCCEEDED execution, an EXPRESS one, or one that ended more than 14 days
    before ``now`` (default: the wall clock) is refused with
    :class:`~flowdsl.run.redrive.NotRedrivable` (``ExecutionNotRedrivable``).
    """
    from flowdsl.deep_stack import call
    from flowdsl.run.config import RunConfigError, state_names
    from flowdsl.run.redrive import previous_of, stopped_at
    from flowdsl.run.redrive import redrive as redrive_execution

    if not isinstance(result, RunResult) or result.definition is None:
        raise FlowError(f"redrive() takes the RunResult of flowdsl.testing.run(), not {type(result).__name__}")
    previous = previous_of(result.execution, result.definition, state_machine=result.name, type_=result.type,
                           ended_at=result.ended_at, label=f"execution of {result.name!r}")
    known = state_names(result.definition)
    for state in mocks or {}:
        if state not in known:
            from flowdsl.errors import did_you_mean

            raise RunConfigError(f"mocks name {state!r}, which the state machine does not have"
                                 f"{did_you_mean(state, known, ignore_case=False).aside}")

    def go() -> RunResult:
        clock = VirtualClock(stopped_at(previous))
        binder = _RecordingBinder(clock)
        binder.update(result.binder)
        for state, spec in (mocks or {}).items():
            binder.set(state, mock_handler(state, spec))
        execution = redrive_execution(previous, result.definition, tasks=binder, clock=clock,
                                      max_steps=max_steps, now=now)
        return RunResult(execution, binder.calls, result.name, result.s3, result.definition, binder,
                         result.type, _now())

    return call(go)


def _trigger(given: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The (option, payload) of the local-run option given to :func:`run`, if any."""
    kinds()  # every kind's options
    options = local_options()
    for key in given:
        if key not in options:
            raise TypeError(f"run() got an unexpected keyword argument {key!r}")
    chosen = [(options[k], v) for k, v in given.items()
              if (bool(v) if options[k].takes == "flag" else v is not None)]
    if len(chosen) > 1:
        raise FlowError(f"give {chosen[0][0].name}= or {chosen[1][0].name}=, not both" if len(chosen) == 2
                        else f"give one of {', '.join(o.name + '=' for o, _ in chosen)}, not several")
    if not chosen:
        return None
    option, value = chosen[0]
    return option.name, None if option.takes == "flag" else value


__all__ = ["run", "redrive", "RunResult", "Call", "throw", "Throw", "returns", "Returns", "mock_handler"]
