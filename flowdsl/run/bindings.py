"""Local bindings: what runs a Task state (mocked responses, Python Lambda callables, Batch
subprocesses (:mod:`flowdsl.run.batch`), or any object with ``invoke``), and what reads a Map's
items or writes its results.

The engine reaches the outside world only through a :class:`TaskBinder`. A binding is looked
up by state name and kind (:data:`BINDING_KINDS`): ``"Task"`` for a Task state,
``"ItemReader"`` and ``"ResultWriter"`` for a Map state's reader and writer. Each kind has a
protocol (:class:`TaskBinding`, :class:`ItemReaderBinding`, :class:`ResultWriterBinding`);
a new reader or writer is a class with that method, bound by name, not a branch in the engine.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Protocol, Union, cast, runtime_checkable

from flowdsl.errors import did_you_mean
from flowdsl.vocabulary import parse_states_arn

from .batch import LOCAL_JOB_TIMEOUT_SECONDS, OUTPUT_SLACK_BYTES, LocalBatch  # noqa: F401 (names of this module)
from .errors import RunError, StatesError


@dataclass(frozen=True, slots=True)
class TaskCall:
    """What a task handler receives for one attempt of a Task state."""

    state_name: str
    resource: str
    payload: Any  # the effective parameters (Parameters / Arguments result)
    attempt: int  # 0-based retry attempt of this state entry ($$.State.RetryCount)
    invocation: int  # 0-based count of invocations of this state in the execution (mock config indexing)
    context: Mapping[str, Any]
    timeout_seconds: float | None = None
    state: Mapping[str, Any] | None = None  # the state's definition, as written


class TaskHandler(Protocol):
    """What a :class:`TaskBinder` calls for one attempt of a Task state."""

    def __call__(self, call: TaskCall) -> Any: ...


@runtime_checkable
class TaskBinding(Protocol):
    """What any object offers to be bound to a Task state: ``invoke(call)`` runs one attempt
    and returns the task's result, or raises :class:`StatesError` with the task's error."""

    def invoke(self, call: TaskCall) -> Any: ...


@dataclass(frozen=True, slots=True)
class ItemReaderCall:
    """What an ItemReader binding receives: the Map state's ``ItemReader`` as written, with its
    ``Parameters`` (JSONPath) or ``Arguments`` (JSONata) evaluated."""

    state_name: str
    reader: Mapping[str, Any]  # the ItemReader field as written (Resource, ReaderConfig, ...)
    parameters: Any  # its Parameters / Arguments, evaluated; None when it has none
    input: Any  # the Map state's effective input
    context: Mapping[str, Any]
    state: Mapping[str, Any]  # the Map state's definition

    @property
    def resource(self) -> Any:
        return self.reader.get("Resource")


@runtime_checkable
class ItemReaderBinding(Protocol):
    """What any object offers to be bound to a Map state's ItemReader: ``read(call)`` returns
    (or yields) the items the Map iterates over."""

    def read(self, call: ItemReaderCall) -> Iterable[Any]: ...


@dataclass(frozen=True, slots=True)
class MapIteration:
    """One iteration of a Map state, as a ResultWriter sees it."""

    index: int
    input: Any  # the iteration's input (after ItemSelector)
    status: str  # SUCCEEDED | FAILED
    output: Any  # its output, or its error output ({"Error", "Cause"}) when it failed
    # A Distributed Map's iteration is a child execution: its ARN, name and start/stop dates.
    execution_arn: str = ""
    name: str = ""
    start_date: str = ""
    stop_date: str = ""


@dataclass(frozen=True, slots=True)
class ResultWriterCall:
    """What a ResultWriter binding receives: the Map state's ``ResultWriter`` as written (its
    ``Parameters`` / ``Arguments`` evaluated) and the iterations' results."""

    state_name: str
    writer: Mapping[str, Any]  # the ResultWriter field as written (Resource, WriterConfig, ...)
    parameters: Any  # its Parameters / Arguments, evaluated; None when it has none
    results: list[Any]  # what the Map state's result would be without a writer
    iterations: tuple[MapIteration, ...]
    context: Mapping[str, Any]
    state: Mapping[str, Any]  # the Map state's definition
    map_run_arn: str = ""  # a Distributed Map's Map Run

    @property
    def resource(self) -> Any:
        return self.writer.get("Resource")


@runtime_checkable
class ResultWriterBinding(Protocol):
    """What any object offers to be bound to a Map state's ResultWriter: ``write(call)``
    receives the results and returns the Map state's result (AWS returns the written
    location, ``ResultWriterDetails``)."""

    def write(self, call: ResultWriterCall) -> Any: ...


class ResultSink(Protocol):
    """Where a streaming ResultWriter takes the iterations one at a time, as they end."""

    def add(self, iteration: MapIteration) -> None: ...

    def close(self) -> Any:
        """Finish writing; the Map state's result."""
        ...


@runtime_checkable
class StreamingResultWriter(Protocol):
    """A ResultWriter that takes the iterations as they end (so a Map over many items does
    not hold them all): ``open(call)`` (``call.results`` and ``call.iterations`` empty)
    returns the :class:`ResultSink`."""

    def open(self, call: ResultWriterCall) -> ResultSink: ...


# ---------------------------------------------------------------- mocked responses (SFN Local format)

def _parse_range(key: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", key)
    if not m:
        raise RunError(f"mock config: bad invocation range key {key!r} (expected 'N' or 'N-M')")
    lo = int(m.group(1))
    return lo, int(m.group(2)) if m.group(2) else lo


@dataclass(frozen=True)
class MockedTask:
    """Responses keyed by invocation range, e.g. {"0": {"Return": ...}, "1-2": {"Throw": {...}}}."""

    name: str
    responses: tuple[tuple[int, int, Mapping[str, Any]], ...]

    @classmethod
    def from_config(cls, name: str, spec: Mapping[str, Any]) -> "MockedTask":
        entries = []
        for key, resp in spec.items():
            lo, hi = _parse_range(key)
            if not isinstance(resp, Mapping) or not ({"Return", "Throw"} & resp.keys()):
                raise RunError(f"mock config: response {name!r}[{key!r}] needs 'Return' or 'Throw'")
            entries.append((lo, hi, resp))
        return cls(name, tuple(sorted(entries, key=lambda e: e[0])))

    def invoke(self, call: TaskCall) -> Any:
        for lo, hi, resp in self.responses:
            if lo <= call.invocation <= hi:
                if "Throw" in resp:
                    t = resp["Throw"]
                    raise StatesError(t.get("Error"), t.get("Cause"))
                return resp["Return"]
        raise StatesError(
            "States.Runtime",
            f"mocked response {self.name!r} has no entry for invocation #{call.invocation} of state {call.state_name!r}",
        )

    __call__ = invoke


@dataclass(frozen=True)
class MockConfig:
    """An AWS Step Functions Local mock configuration (``MockConfigFile.json``)."""

    state_machines: Mapping[str, Any]
    mocked_responses: Mapping[str, MockedTask]

    def test_cases(self, state_machine: str) -> list[str]:
        return list(self.state_machines.get(state_machine, {}).get("TestCases", {}))

    def binder(self, state_machine: str, test_case: str) -> "TaskBinder":
        sm = self.state_machines.get(state_machine)
        if sm is None:
            raise RunError(f"mock config: no state machine {state_machine!r} (have {sorted(self.state_machines)})")
        case = sm.get("TestCases", {}).get(test_case)
        if case is None:
            raise RunError(f"mock config: state machine {state_machine!r} has no test case {test_case!r}")
        bindings: dict[str, TaskHandler] = {}
        for state, response in case.items():
            if response not in self.mocked_responses:
                raise RunError(f"mock config: test case {test_case!r} refers to unknown response {response!r}")
            bindings[state] = self.mocked_responses[response]
        return TaskBinder(bindings)


def load_mock_config(source: str | os.PathLike[str] | Mapping[str, Any]) -> MockConfig:
    """Read a Step Functions Local mock config from a path or an already-parsed dict.

    The file is checked against the format's schema; every problem is a :class:`RunError` on
    one line naming the file and the path of the offending field.
    """
    if isinstance(source, Mapping):
        data, label = source, "mock config"
    else:
        from flowdsl.strict_json import JsonValueError, read

        label = f"mock config {source}"
        if not Path(source).exists():
            raise RunError(f"{label}: cannot read: no such file")
        try:
            data = read(source, label)
        except JsonValueError as exc:
            raise RunError(str(exc)) from None
    check_mock_config(data, label)
    responses = {
        name: MockedTask.from_config(name, spec) for name, spec in (data.get("MockedResponses") or {}).items()
    }
    return MockConfig(dict(data["StateMachines"]), responses)


def check_mock_config(data: Any, label: str = "mock config") -> None:
    """Raise :class:`RunError` at the first field that does not fit the mock config format."""
    def bad(path: str, msg: str) -> RunError:
        return RunError(f"{label}: {path}: {msg}")

    if not isinstance(data, Mapping):
        raise bad("$", "must be an object with 'StateMachines' and 'MockedResponses'")
    for key in data:
        if key not in ("StateMachines", "MockedResponses"):
            raise bad(f"$.{key}", "unexpected field (a mock config has StateMachines and MockedResponses)")
    machines = data.get("StateMachines")
    if not isinstance(machines, Mapping):
        raise bad("$.StateMachines", "is required and must be an object of state machines")
    responses = data.get("MockedResponses", {})
    if not isinstance(responses, Mapping):
        raise bad("$.MockedResponses", "must be an object of named responses")
    for sm, spec in machines.items():
        at = f"$.StateMachines.{sm}"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("TestCases"), Mapping):
            raise bad(at, "must be an object with a 'TestCases' object")
        for case, states in spec["TestCases"].items():
            if not isinstance(states, Mapping):
                raise bad(f"{at}.TestCases.{case}", "must map state names to response names")
            for state, response in states.items():
                if not isinstance(response, str):
                    raise bad(f"{at}.TestCases.{case}.{state}", f"must name a response, not {response!r}")
    for name, spec in responses.items():
        at = f"$.MockedResponses.{name}"
        if not isinstance(spec, Mapping) or not spec:
            raise bad(at, 'must be an object of invocations, e.g. {"0": {"Return": ...}}')
        for key, resp in spec.items():
            if not re.fullmatch(r"\s*\d+\s*(?:-\s*\d+\s*)?", str(key)):
                raise bad(f"{at}.{key}", f"bad invocation range key {key!r} (expected 'N' or 'N-M')")
            if not isinstance(resp, Mapping) or len(resp) != 1 or not ({"Return", "Throw"} & resp.keys()):
                raise bad(f"{at}.{key}", "a response is {\"Return\": value} or {\"Throw\": {\"Error\": ..., "
                          "\"Cause\": ...}}")
            if "Throw" in resp:
                t = resp["Throw"]
                if not isinstance(t, Mapping) or not isinstance(t.get("Error"), str) or \
                        not isinstance(t.get("Cause", ""), str) or set(t) - {"Error", "Cause"}:
                    raise bad(f"{at}.{key}.Throw", "must be {\"Error\": string, \"Cause\": string}")


# ---------------------------------------------------------------- Lambda callables

def _is_lambda_invoke(resource: str) -> bool:
    """``arn:<partition>:states:::lambda:invoke`` (any pattern): the optimised integration,
    whose request and response wrap the function's payload."""
    arn = parse_states_arn(resource)
    return arn is not None and arn.integration == "lambda:invoke"


def import_callable(ref: str) -> Callable[..., Any]:
    """Resolve ``"package.module:function"``."""
    mod, sep, attr = ref.partition(":")
    if not sep or not mod or not attr:
        raise RunError(f"callable reference {ref!r} must look like 'module:function'")
    try:
        obj: Any = importlib.import_module(mod)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise RunError(f"cannot import {ref!r}: {exc}") from exc
    if not callable(obj):
        raise RunError(f"{ref!r} is not callable")
    return obj


@dataclass(frozen=True)
class LocalLambda:
    """Runs a Python function as the Lambda behind ``lambda:invoke`` (it receives the Payload)."""

    function: Callable[[Any], Any]

    @classmethod
    def of(cls, fn: Callable[[Any], Any] | str) -> "LocalLambda":
        return cls(import_callable(fn) if isinstance(fn, str) else fn)

    def invoke(self, call: TaskCall) -> Any:
        optimised = _is_lambda_invoke(call.resource)
        payload = call.payload.get("Payload") if optimised and isinstance(call.payload, dict) else call.payload
        import traceback  # loaded by a run, not by a workflow file that declares its bindings

        started = time.monotonic()
        try:
            result = self.function(payload)
        except (Exception, SystemExit, GeneratorExit) as exc:  # the task's error, like Lambda's errorType
            if isinstance(exc, SystemExit):  # what Lambda reports when a handler exits the runtime
                raise StatesError("Runtime.ExitError", json.dumps({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"Runtime exited with error: exit status {exc.code}"})) from None
            err_type = type(exc).__name__
            cause = {
                "errorMessage": str(exc),
                "errorType": err_type,
                "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-20)[1:],
            }
            raise StatesError(err_type, json.dumps(cause)) from None
        elapsed = time.monotonic() - started
        if call.timeout_seconds is not None and elapsed > call.timeout_seconds:
            # A Python function cannot be interrupted; a late result still counts as a timeout.
            raise StatesError("States.Timeout", f"the handler took {elapsed:.1f} s; the state's "
                              f"TimeoutSeconds is {call.timeout_seconds:g}")
        try:
            result = json.loads(json.dumps(result, allow_nan=False))
        except (TypeError, ValueError, RecursionError) as exc:
            raise StatesError("Lambda.InvalidResponse", f"result is not JSON serialisable: {exc}") from None
        if not optimised:
            # Legacy "arn:aws:lambda:...:function:x" resources return the bare payload.
            return result
        request_id = str(uuid.UUID(int=call.invocation * 7919 + call.attempt + 1, version=4))
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": result,
            "SdkHttpMetadata": {"AllHttpHeaders": {k: [v] for k, v in headers.items()}, "HttpHeaders": headers, "HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": 200,
        }

    __call__ = invoke


# ---------------------------------------------------------------- the binder

def unbound_message(state: str, resource: str) -> str:
    """What to do about a Task state nothing runs locally."""
    return (f"Task state {state!r} ({resource}) has nothing to run it locally: mock it "
            f"(flowdsl run --mocks FILE --test-case NAME, or mocks={{{state!r}: ...}} in "
            f"flowdsl.testing.run) or bind it in the workflow file's RunConfig(tasks={{{state!r}: ...}})")


# Why a state of each type takes no mock (a Task binding): what it does instead.
_NOT_MOCKABLE = {
    "Map": "runs its ItemProcessor and calls no task; mock the Task states inside it instead",
    "Parallel": "runs its branches and calls no task; mock the Task states inside them instead",
    "Pass": "passes on its input (or its Result) and calls no task",
    "Choice": "picks the next state from its input and calls no task",
    "Wait": "waits and calls no task",
    "Succeed": "ends its execution (or branch) successfully and calls no task",
    "Fail": "fails with its Error and Cause and calls no task",
}


def not_mockable_message(state: str, type_: str) -> str:
    """Why state ``state``, of ``type_``, cannot be mocked (only Task states call a task)."""
    why = _NOT_MOCKABLE.get(type_, "is not a Task state; only Task states call a task")
    return f"cannot mock state {state!r}: it is a {type_} state, which {why}"


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4].rstrip() + " ..."


Binding = Union[TaskBinding, ItemReaderBinding, ResultWriterBinding, Callable[[Any], Any], str]


def _task_handler(binding: Any) -> TaskHandler | None:
    if isinstance(binding, str):
        return LocalLambda.of(binding)
    invoke = None if isinstance(binding, type) else getattr(binding, "invoke", None)
    if callable(invoke):
        return invoke  # type: ignore[no-any-return]
    if callable(binding):
        return LocalLambda(binding)  # a plain function receives the Payload, as a Lambda handler does
    return None


def _method_or_callable(method: str) -> Callable[[Any], Callable[[Any], Any] | None]:
    def adapt(binding: Any) -> Callable[[Any], Any] | None:
        if isinstance(binding, type):  # a class, where an instance was meant
            return None
        bound = getattr(binding, method, None)
        if callable(bound):
            return bound  # type: ignore[no-any-return]
        return binding if callable(binding) else None
    return adapt


class BindingKind(NamedTuple):
    """One kind of thing a state can be bound to: how a binding becomes the callable the engine
    calls, and what it accepts (for the error naming a binding that fits nothing)."""

    adapt: Callable[[Any], Callable[[Any], Any] | None]
    accepts: str


TASK = "Task"
BINDING_KINDS: dict[str, BindingKind] = {
    TASK: BindingKind(_task_handler, "a Task binding is an object with invoke(call) (MockedTask, LocalLambda, "
                      "LocalBatch or your own), a function of the task's payload (run like a Lambda "
                      "handler), or a 'module:function' string"),
    "ItemReader": BindingKind(_method_or_callable("read"), "an ItemReader binding is an object with "
                              "read(call) returning the items, or a function of the ItemReaderCall"),
    "ResultWriter": BindingKind(_method_or_callable("write"), "a ResultWriter binding is an object with "
                                "write(call) returning the Map state's result, or a function of the "
                                "ResultWriterCall"),
}


class TaskBinder:
    """Chooses, per state name, what runs locally: a Task state's task, a Map state's
    ItemReader and ResultWriter.

    ``bindings`` maps a Task state's name to its binding (a :class:`TaskBinding` such as
    ``MockedTask``, ``LocalLambda`` or ``LocalBatch``; a plain callable or
    ``"module:function"`` string, run like a Lambda handler), and ``(state name, kind)`` to a
    binding of that kind, e.g. ``("Process", "ItemReader")`` to an :class:`ItemReaderBinding`.
    ``fallback`` runs every Task state bound to nothing (it takes the :class:`TaskCall`);
    ``defaults`` maps a kind (``"ItemReader"``, ``"ResultWriter"``) to the binding of every
    state bound to nothing of that kind (a RunConfig's S3 readers and writer).
    """

    def __init__(self, bindings: Mapping[Any, Binding] | None = None, *, fallback: TaskHandler | None = None,
                 defaults: Mapping[str, Binding] | None = None) -> None:
        self._handlers: dict[str, TaskHandler] = {}
        self._resources: dict[tuple[str, str], Callable[[Any], Any]] = {}
        self._objects: dict[tuple[str, str], Any] = {}
        self.fallback = fallback
        for kind, b in (defaults or {}).items():
            self.bind("", b, kind=kind)
        for key, b in (bindings or {}).items():
            if isinstance(key, tuple) and len(key) == 2:
                self.bind(key[0], b, kind=key[1])
            else:
                self.bind(key, b)

    def bind(self, state_name: str, binding: Binding, *, kind: str = TASK) -> "TaskBinder":
        """Bind ``state_name``'s ``kind`` (``"Task"``, ``"ItemReader"`` or ``"ResultWriter"``)."""
        spec = BINDING_KINDS.get(kind)
        if spec is None:
            hint = did_you_mean(kind, BINDING_KINDS).hint
            raise RunError(f"cannot bind state {state_name!r}: no binding kind {kind!r}{hint} "
                           f"(kinds: {', '.join(BINDING_KINDS)})")
        handler = spec.adapt(binding)
        if handler is None:
            what = "" if kind == TASK else f" ({kind})"
            given = _shown(binding)
            hint = ""
            if kind == TASK and (binding is None or isinstance(binding, (Mapping, list, int, float, bool))):
                hint = (f"; a fixed result is a mock: MockedTask.from_config({state_name!r}, "
                        "{'0': {'Return': ...}}), or mocks= in flowdsl.testing.run")
            raise RunError(f"cannot bind state {state_name!r}{what} to {given}: {spec.accepts}{hint}")
        if kind == TASK:
            self._handlers[state_name] = cast(TaskHandler, handler)
        else:
            self._resources[(state_name, kind)] = handler
            self._objects[(state_name, kind)] = binding
        return self

    def update(self, other: "TaskBinder") -> "TaskBinder":
        """Take every binding of ``other`` (its bindings win)."""
        self._handlers.update(other._handlers)
        self._resources.update(other._resources)
        self._objects.update(other._objects)
        return self

    def task_bound(self, state_name: str) -> bool:
        """Whether ``state_name`` itself has a Task binding (a mock), the fallback aside."""
        return state_name in self._handlers

    def handler_for(self, state_name: str) -> TaskHandler | None:
        return self._handlers.get(state_name, self.fallback)

    def binding_for(self, state_name: str, kind: str) -> Callable[[Any], Any] | None:
        """The callable bound to ``state_name``'s ``kind`` (its ``read``/``write`` method), if any."""
        if kind == TASK:
            return self.handler_for(state_name)
        return self._resources.get((state_name, kind), self._resources.get(("", kind)))

    def binding_object(self, state_name: str, kind: str) -> Any:
        """The object bound to ``state_name``'s ``kind`` as it was given (e.g. to find a
        :class:`StreamingResultWriter`), or None."""
        return self._objects.get((state_name, kind), self._objects.get(("", kind)))

    def invoke(self, call: TaskCall) -> Any:
        handler = self.handler_for(call.state_name)
        if handler is None:
            raise StatesError("States.Runtime", unbound_message(call.state_name, call.resource))
        return handler(call)
