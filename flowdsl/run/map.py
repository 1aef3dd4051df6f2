"""The Map state: its items, each item's input, the iterations, tolerated failures, and the
bound reader and writer.

The items come from ``ItemsPath`` (JSONPath) or ``Items`` (JSONata), or, when the state has
an ``ItemReader`` and the binder holds an ``ItemReader`` binding for it (a RunConfig with
``s3=`` binds :class:`~flowdsl.run.readers.S3ItemReader` to every Map), from that binding,
limited by ``ReaderConfig.MaxItems``. When the state has a ``ResultWriter`` and the binder
holds a ``ResultWriter`` binding for it, the binding receives the results (one at a time, if
it is a :class:`~flowdsl.run.bindings.StreamingResultWriter`) and its return value is the
state's result; a ``ResultWriter`` with ``WriterConfig`` alone transforms the results in place.
Without those bindings both fields are ignored, and the items are the state's input as above.

A Distributed Map's iterations run as child executions of a Map Run: each has its own
history (and its own 25,000-event quota), steps and context object (``$$.Execution`` is the
child's); the parent records ``MapRunStarted`` and ``MapRunSucceeded``/``MapRunFailed``. Its
reader's items are read lazily, as the children run, and an ``ItemBatcher`` groups them into
``{"BatchInput": ..., "Items": [...]}`` inputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from flowdsl.errors import FlowError
from flowdsl.vocabulary import JSONATA, processor_key

from . import jsonata_support as jn
from .batcher import batches
from .bindings import ItemReaderCall, MapIteration, ResultSink, ResultWriterCall, StreamingResultWriter, TaskBinder
from .clock import VirtualClock, iso
from .dataflow import MAX_PAYLOAD_BYTES, DataFlow, Scope, dumps
from .errors import RunError, StatesError
from .history import HISTORY_LIMIT_CAUSE, History
from .writers import preview

READER, WRITER = "ItemReader", "ResultWriter"


class Host(Protocol):
    """What the Map state needs of the engine running it."""

    history: History
    flow: DataFlow
    binder: TaskBinder | None
    clock: VirtualClock
    base_context: dict[str, Any]  # the context object's Execution and StateMachine
    steps: int

    def run_machine(self, sm: Mapping[str, Any], input_: Any, scope: Scope, ql_default: str,
                    where: str, resume: Mapping[str, Any] | None = None) -> Any: ...

    def take_resume(self, name: str) -> dict[str, Any] | None: ...


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _number_field(flow: DataFlow, st: dict[str, Any], key: str, data: Any, ctx: Mapping[str, Any], scope: Scope,
                  name: str, b: dict[str, Any] | None, as_float: bool = False) -> float | None:
    """``key`` (or ``keyPath``) as a number: MaxConcurrency, ToleratedFailureCount/Percentage."""
    prefix = f"An error occurred while executing the state '{name}'."
    kind = "float" if as_float else "integer"
    if b is not None and key in st:
        v = flow.ja_value(st[key], b, key, name)
        source = f"field '{key}'"
    elif key in st:
        v = st[key]
        source = key
    elif key + "Path" in st:
        p = st[key + "Path"]
        v = flow.resolve(p, data, ctx, scope, key + "Path", name)
        source = p
        if isinstance(v, str):
            try:
                v = float(v) if as_float else int(v)
            except ValueError:
                pass
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (not as_float and isinstance(v, float) and not v.is_integer()):
            raise StatesError("States.Runtime", f"{prefix} The {key}Path field refers to value "
                              f"\"{v if isinstance(v, str) else dumps(v)}\" which is not a valid {kind}: {p}")
    else:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise StatesError("States.Runtime" if b is None else "States.QueryEvaluationError",
                          f"{prefix} The {source} value {dumps(v)} is not a valid {kind}")
    del source
    return float(v)


def _bound(host: Host, name: str, st: dict[str, Any], kind: str) -> Callable[[Any], Any] | None:
    if kind not in st or host.binder is None:
        return None
    return host.binder.binding_for(name, kind)


def _resource_parameters(flow: DataFlow, name: str, spec: Any, kind: str, effective: Any, ctx: Mapping[str, Any],
                         scope: Scope, b: dict[str, Any] | None) -> Any:
    """An ItemReader's or ResultWriter's ``Arguments`` (JSONata) or ``Parameters`` (JSONPath), evaluated."""
    if not isinstance(spec, dict):
        raise RunError(f"state {name!r}: {kind} must be an object")
    if b is not None:
        return flow.ja_value(spec["Arguments"], b, f"{kind}/Arguments", name) if "Arguments" in spec else None
    if "Parameters" in spec:
        return flow.template(spec["Parameters"], effective, ctx, scope, f"{kind}/Parameters", name)
    return None


def _read_items(host: Host, reader: Callable[[Any], Any], name: str, st: dict[str, Any], effective: Any,
                ctx: dict[str, Any], scope: Scope, b: dict[str, Any] | None, lazy: bool) -> Iterable[Any]:
    """The bound reader's items: a list for an inline Map, an iterator read as the iterations
    go for a Distributed Map (a large object is never held whole)."""
    spec = st[READER]
    params = _resource_parameters(host.flow, name, spec, READER, effective, ctx, scope, b)
    items = reader(ItemReaderCall(name, spec, params, effective, ctx, st))
    if isinstance(items, (str, bytes, Mapping)) or not hasattr(items, "__iter__"):
        raise RunError(f"state {name!r}: the ItemReader binding returned {type(items).__name__}, "
                       "not an iterable of items")
    return iter(items) if lazy else list(items)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How many failed iterations a Map state tolerates (None: not set)."""

    count: float | None
    percentage: float | None

    def tolerates(self, failures: int, total: int) -> bool:
        return (self.count is not None and failures <= self.count) or \
            (self.percentage is not None and bool(total) and failures * 100.0 / total <= self.percentage)

    @property
    def set(self) -> bool:
        return self.count is not None or self.percentage is not None


class _ChildHistoryFull(FlowError):
    """A child execution's next event would be its 25,000th."""


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


@dataclass(slots=True)
class MapRun:
    """A Distributed Map's Map Run: its ARN, and the ARNs of its child executions."""

    arn: str  # arn:aws:states:REGION:ACCOUNT:mapRun:<machine>/<label>:<map run id>
    role_arn: str

    @classmethod
    def of(cls, name: str, st: Mapping[str, Any], ctx: Mapping[str, Any], retry_count: int) -> "MapRun":
        machine = (ctx.get("StateMachine") or {}).get("Id", "arn:aws:states:us-east-1:123456789012:stateMachine:x")
        execution = ctx.get("Execution") or {}
        run_id = _uuid(f"{execution.get('Id')}|{name}|{(ctx.get('State') or {}).get('EnteredTime')}|{retry_count}")
        label = st.get("Label", name)
        arn = machine.replace(":stateMachine:", ":mapRun:", 1) + f"/{label}:{run_id}"
        return cls(arn, execution.get("RoleArn", ""))

    @property
    def state_machine_arn(self) -> str:
        return self.arn.replace(":mapRun:", ":stateMachine:", 1)

    def child(self, index: int, restart: int = 0) -> tuple[str, str]:
        """The ``(ARN, name)`` of the child execution of item (or batch) ``index`` (``restart``:
        an Express child started again by the Map Run's ``restart``-th redrive)."""
        name = _uuid(f"{self.arn}|{index}" + (f"|{restart}" if restart else ""))
        return self.arn.replace(":mapRun:", ":execution:", 1) + f":{name}", name


@dataclass(slots=True)
class Iterations:
    """Everything one run of a Map state's iterations shares: the state, its processor, its
    input and context, the item selector, the batcher and the failure tolerance."""

    host: Host
    name: str
    processor: dict[str, Any]
    raw: Any  # the state's raw input ($states.input for a JSONata ItemSelector)
    effective: Any  # after InputPath (what a JSONPath ItemSelector reads)
    scope: Scope
    ql: str
    ctx: dict[str, Any]
    selector: Any
    tolerance: Tolerance
    records: list[MapIteration] | None = None  # filled when a ResultWriter (not streaming) is bound
    map_run: MapRun | None = None  # a Distributed Map's: its iterations are child executions
    sink: ResultSink | None = None  # a streaming ResultWriter's
    batching: tuple[int | None, int | None, Any, bool] | None = None  # ItemBatcher: items, bytes, BatchInput
    # A redrive: how each iteration of the previous attempt ended (by index), and the Map Run's
    # redrive count; ``ended`` is how this attempt's iterations end, for the next redrive.
    previous: Mapping[str, Any] | None = None
    redrives: int = 0
    express: bool = False  # the Map Run's children are Express executions: restarted, not redriven
    ended: dict[str, Any] | None = None

    def item_input(self, index: int, item: Any) -> Any:
        """The input of iteration ``index``: ``item`` through the ItemSelector (which sees
        ``$$.Map.Item``)."""
        map_ctx = dict(self.ctx)
        map_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
        flow = self.host.flow
        if self.ql == JSONATA:
            ib = flow.jsonata_bindings({"input": self.raw, "context": map_ctx}, self.scope)
            return flow.ja_value(self.selector, ib, "ItemSelector", self.name)
        return flow.template(self.selector, self.effective, map_ctx, self.scope, "ItemSelector", self.name)

    def inputs(self, items: Iterable[Any]) -> Iterator[Any]:
        """Each iteration's input, lazily: the items through the ItemSelector, then the batcher."""
        selected = (item if self.selector is None else self.item_input(i, item) for i, item in enumerate(items))
        if self.batching is None:
            return selected
        return batches(selected, *self.batching)

    def _child(self, index: int, item_input: Any, before: Mapping[str, Any] | None = None) -> tuple[Any, MapIteration]:
        """Run one child execution of a Distributed Map: its own history (and 25,000-event
        quota), steps and context object. In a redrive, a Standard child that failed is redriven
        (same execution, from the state that did not succeed); an Express one starts again."""
        host, run = self.host, self.map_run
        assert run is not None
        redriven = before is not None and not self.express
        if redriven:
            arn, child_name = before["execution_arn"], before["name"]  # type: ignore[index]
        else:
            arn, child_name = run.child(index, self.redrives if before is not None else 0)
        saved = host.history, host.base_context, host.steps
        started = iso(host.clock.now())
        execution: dict[str, Any] = {"Id": arn, "Input": item_input, "Name": child_name, "RoleArn": run.role_arn,
                                     "StartTime": before["start_date"] if redriven else started,  # type: ignore[index]
                                     "RedriveCount": before.get("redrive_count", 0) + 1 if redriven else 0}  # type: ignore[union-attr]
        if redriven:
            execution["RedriveTime"] = started
        host.history = History(host.clock, _ChildHistoryFull)
        host.base_context = {
            "Execution": execution,
            "StateMachine": {"Id": run.state_machine_arn, "Name": run.state_machine_arn.rsplit(":", 1)[-1]},
        }
        host.steps = 0
        status, out = "SUCCEEDED", None
        try:
            host.history.record("ExecutionRedriven" if redriven else "ExecutionStarted")
            out = host.run_machine(self.processor, item_input, Scope(dict(self.scope.vars)), self.ql,
                                   f"state {self.name!r} child execution {index}",
                                   before.get("resume") if redriven else None)  # type: ignore[union-attr]
        except StatesError as err:
            status, out = "FAILED", err
        except _ChildHistoryFull:
            status, out = "FAILED", StatesError("States.Runtime", HISTORY_LIMIT_CAUSE)
        finally:
            host.history, host.base_context, host.steps = saved
        output = out.output() if isinstance(out, StatesError) else out
        record = MapIteration(index, item_input, status, output, arn, child_name, execution["StartTime"],
                              iso(host.clock.now()))
        if isinstance(out, StatesError):
            raise _ChildFailed(out, record, execution["RedriveCount"])
        return out, record

    def _inline(self, index: int, item_input: Any, before: Mapping[str, Any] | None = None) -> tuple[Any, MapIteration]:
        host, name, history = self.host, self.name, self.host.history
        history.record("MapIterationStarted", "mapIterationStartedEventDetails", {"name": name, "index": index})
        try:
            out = host.run_machine(self.processor, item_input, Scope(dict(self.scope.vars)), self.ql,
                                   f"state {name!r} iteration {index}", before.get("resume") if before else None)
        except StatesError as err:
            history.record("MapIterationFailed", "mapIterationFailedEventDetails", {"name": name, "index": index})
            raise _ChildFailed(err, MapIteration(index, item_input, "FAILED", err.output())) from None
        history.record("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": name, "index": index})
        return out, MapIteration(index, item_input, "SUCCEEDED", out)

    def _keep(self, results: list[Any] | None, value: Any, record: MapIteration) -> None:
        if results is not None:
            results.append(value)
        if self.records is not None:
            self.records.append(record)
        if self.sink is not None:
            self.sink.add(record)

    def run(self, items: Iterable[Any], total: int | None = None) -> list[Any] | None:
        """Run every iteration; their results in order (None when a streaming writer took them).
        ``total`` is the number of items when known (a percentage is checked as failures come);
        otherwise the percentage is checked when the items end."""
        name = self.name
        results: list[Any] | None = [] if self.sink is None else None
        failures = count = 0
        one = self._inline if self.map_run is None else self._child
        threshold = StatesError("States.ExceedToleratedFailureThreshold",
                                f"An error occurred while executing the state '{name}'. "
                                "The specified tolerated failure threshold was exceeded")
        previous = self.previous or {}
        ended = self.ended = {}
        size = 2  # the results' JSON size as they come, when they are the state's result

        def keep(value: Any, record: MapIteration) -> None:
            nonlocal size
            if results is not None and self.records is None:  # past AWS's payload limit: fail now
                size += len(dumps(value)) + (1 if results else 0)
                if size > MAX_PAYLOAD_BYTES:
                    raise StatesError("States.DataLimitExceeded", (
                        f"The state/task '{name}' returned a result with a size exceeding the maximum "
                        "number of bytes service limit."))
            self._keep(results, value, record)

        try:
            for index, item_input in enumerate(self.inputs(items)):
                count += 1
                before = previous.get(str(index))
                if before is not None and before.get("status") == "SUCCEEDED":
                    # A redrive does not run again an iteration that succeeded.
                    record = MapIteration(**{k: v for k, v in before.items() if k in _ITERATION_FIELDS})
                    ended[str(index)] = before
                    keep(record.output, record)
                    continue
                try:
                    out, record = one(index, item_input, before)
                except _ChildFailed as failed:
                    ended[str(index)] = {**_iteration_doc(failed.record), "resume": failed.resume,
                                         "redrive_count": failed.redrive_count}
                    failures += 1
                    tolerated = self.tolerance.tolerates(failures, total) if total is not None else \
                        (self.tolerance.percentage is not None or self.tolerance.tolerates(failures, 0))
                    if not tolerated:
                        if self.sink is not None:  # the failed child is in the written results too
                            self.sink.add(failed.record)
                        if not self.tolerance.set:
                            raise failed.error from None
                        raise threshold from None
                    keep(failed.error.output(), failed.record)
                    continue
                ended[str(index)] = _iteration_doc(record)
                keep(out, record)
            if total is None and failures and not self.tolerance.tolerates(failures, count):
                raise threshold
        except StatesError:
            if self.sink is not None:
                self.sink.close()  # AWS writes the results of a failed Map Run as well
            raise
        return results


class _ChildFailed(FlowError):
    """An iteration failed (control flow inside the Map state: never leaves it)."""

    def __init__(self, error: StatesError, record: MapIteration, redrive_count: int = 0) -> None:
        super().__init__(error.error)
        self.error, self.record, self.redrive_count = error, record, redrive_count
        self.resume = getattr(error, "resume", None)  # where it stopped, for a redrive


_ITERATION_FIELDS = frozenset(MapIteration.__dataclass_fields__)
MAX_MAP_RUN_REDRIVES = 1000  # redrive-map-run.html: a hard limit per Map Run, past it States.Runtime


def _iteration_doc(record: MapIteration) -> dict[str, Any]:
    """An iteration as a redrive keeps it (JSON)."""
    return {k: getattr(record, k) for k in MapIteration.__dataclass_fields__}


def no_s3_message(name: str, spec: Any) -> str:
    """What to do when a Distributed Map reads from S3 and no S3 is configured for the run."""
    resource = spec.get("Resource") if isinstance(spec, Mapping) else None
    return (f"Map state {name!r} reads its items from S3 (ItemReader {resource}) and this run has no S3: "
            "give a local one with flowdsl run --s3-root DIR (s3://bucket/key is DIR/bucket/key), "
            "RunConfig(s3=LocalS3(root=DIR)) or flowdsl.testing.run(..., s3={'bucket/key': ...})")


def _batching(flow: DataFlow, name: str, st: dict[str, Any], effective: Any, ctx: dict[str, Any], scope: Scope,
              b: dict[str, Any] | None) -> tuple[int | None, int | None, Any, bool] | None:
    spec = st.get("ItemBatcher")
    if not isinstance(spec, dict):
        return None
    per_batch = _number_field(flow, spec, "MaxItemsPerBatch", effective, ctx, scope, name, b)
    per_bytes = _number_field(flow, spec, "MaxInputBytesPerBatch", effective, ctx, scope, name, b)
    if per_batch is None and per_bytes is None:
        raise RunError(f"state {name!r}: ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch")
    batch_input, has_input = None, "BatchInput" in spec
    if has_input:
        batch_input = flow.ja_value(spec["BatchInput"], b, "ItemBatcher/BatchInput", name) if b is not None else \
            flow.template(spec["BatchInput"], effective, ctx, scope, "ItemBatcher/BatchInput", name)
    return (int(per_batch) if per_batch else None, int(per_bytes) if per_bytes else None, batch_input, has_input)


def _max_items(flow: DataFlow, name: str, st: dict[str, Any], effective: Any, ctx: dict[str, Any], scope: Scope,
               b: dict[str, Any] | None) -> int | None:
    config = st[READER].get("ReaderConfig") if isinstance(st[READER], dict) else None
    if not isinstance(config, dict):
        return None
    n = _number_field(flow, config, "MaxItems", effective, ctx, scope, name, b)
    return None if n is None else int(n)


def run_map(host: Host, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
            ctx: dict[str, Any], retry_count: int = 0) -> tuple[Any, dict[str, Any] | None]:
    """One attempt of a Map state: its ``(output, assigned variables)``."""
    key = processor_key(st)
    if key is None:
        raise RunError(f"state {name!r}: Map needs 'ItemProcessor' (or legacy 'Iterator')")
    previous = host.take_resume(name)  # a redrive: the previous attempt's iterations
    proc = st[key]
    flow = host.flow
    prefix = f"An error occurred while executing the state '{name}'."
    config = proc.get("ProcessorConfig") or {}
    distributed = config.get("Mode") == "DISTRIBUTED"
    reader = _bound(host, name, st, READER)
    b = None
    items: Iterable[Any]
    if ql == JSONATA:
        b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
        effective = raw
        if reader is not None:
            items = _read_items(host, reader, name, st, effective, ctx, scope, b, distributed)
        elif "Items" in st:
            items = flow.ja_value(st["Items"], b, "Items", name)
            if not isinstance(items, list):
                body = jn.expression_body(st["Items"]) if jn.is_expression(st["Items"]) else st["Items"]
                raise StatesError("States.QueryEvaluationError",
                                  f"{prefix} The JSONata expression '{body}' specified for the field 'Items' "
                                  f"returned an unexpected result type. Expected 'array', but was "
                                  f"'{_type_name(items)}' for value: {dumps(items)}")
        else:
            items = raw
            if not isinstance(items, list):
                if distributed and READER in st:
                    raise StatesError("States.Runtime", no_s3_message(name, st[READER]))
                raise StatesError("States.QueryEvaluationError",
                                  f"{prefix} Map state input must be an array but was: {dumps(items)}")
    else:
        effective = flow.path_field(st, "InputPath", raw, ctx, scope, name)
        if reader is not None:
            items = _read_items(host, reader, name, st, effective, ctx, scope, b, distributed)
        else:
            items = flow.resolve(st["ItemsPath"], effective, ctx, scope, "ItemsPath", name) \
                if "ItemsPath" in st else effective
            if not isinstance(items, list):
                if distributed and READER in st:
                    raise StatesError("States.Runtime", no_s3_message(name, st[READER]))
                raise StatesError("States.Runtime", f"{prefix} Invalid path '{st.get('ItemsPath', '$')}': "
                                  f"the Map state's items must be a JSON array, got {dumps(items)}")
    if reader is not None:
        limit = _max_items(flow, name, st, effective, ctx, scope, b)
        if limit is not None:
            items = islice(items, limit) if not isinstance(items, list) else items[:limit]
    _number_field(flow, st, "MaxConcurrency", effective, ctx, scope, name, b)
    tol_count = _number_field(flow, st, "ToleratedFailureCount", effective, ctx, scope, name, b)
    tol_pct = _number_field(flow, st, "ToleratedFailurePercentage", effective, ctx, scope, name, b, as_float=True)
    if tol_count is not None and tol_count < 0:
        raise StatesError("States.Runtime", f"{prefix} ToleratedFailureCount cannot be negative.")
    if tol_pct is not None and not 0 <= tol_pct <= 100:
        raise StatesError("States.Runtime", f"{prefix} ToleratedFailurePercentage must be between 0 and 100.")
    writer = _bound(host, name, st, WRITER)
    spec = st.get(WRITER)
    previewed = isinstance(spec, dict) and "Resource" not in spec and "WriterConfig" in spec
    if previewed:
        writer = None  # WriterConfig alone: the transformed results are the state's result
    before = (previous or {}).get("map") or {}
    redrives = 0
    map_run: MapRun | None
    if distributed and before.get("map_run_arn"):
        # Redriving the parent redrives its Map Run: same ARN, the unsuccessful children again.
        map_run = MapRun(before["map_run_arn"], (ctx.get("Execution") or {}).get("RoleArn", ""))
        redrives = int(before.get("redrive_count", 0)) + 1
        if redrives > MAX_MAP_RUN_REDRIVES:
            raise StatesError("States.Runtime", f"{prefix} The Map Run {map_run.arn} has been redriven "
                              f"{MAX_MAP_RUN_REDRIVES} times, the most Step Functions allows")
    else:
        map_run = MapRun.of(name, st, ctx, retry_count) if distributed else None
    writer_params = None
    sink = None
    if writer is not None:
        writer_params = _resource_parameters(flow, name, st[WRITER], WRITER, effective, ctx, scope, b)
        obj = host.binder.binding_object(name, WRITER) if host.binder is not None else None
        if isinstance(obj, StreamingResultWriter):
            sink = obj.open(ResultWriterCall(name, st[WRITER], writer_params, [], (), ctx, st,
                                             map_run.arn if map_run else ""))
    iterations = Iterations(host, name, proc, raw, effective, scope, ql, ctx,
                            st.get("ItemSelector", st.get("Parameters")), Tolerance(tol_count, tol_pct),
                            [] if (writer is not None and sink is None) or previewed else None, map_run, sink,
                            _batching(flow, name, st, effective, ctx, scope, b) if distributed else None,
                            before.get("iterations"), redrives, config.get("ExecutionType") == "EXPRESS")
    try:
        return _iterate(host, name, st, raw, scope, ql, ctx, items, iterations, spec, previewed, writer,
                        writer_params, sink)
    except Exception as exc:
        # Where the Map state stopped, for a redrive: its Map Run and how each iteration ended.
        started = iterations.ended is not None
        exc.partial = {"map": {"iterations": iterations.ended or {},  # type: ignore[attr-defined]
                               **({"map_run_arn": map_run.arn, "redrive_count": redrives}
                                  if map_run is not None and started else {})}}
        raise


def _iterate(host: Host, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str, ctx: dict[str, Any],
             items: Iterable[Any], iterations: Iterations, spec: Any, previewed: bool, writer: Any,
             writer_params: Any, sink: ResultSink | None) -> tuple[Any, dict[str, Any] | None]:
    """Run the iterations, write their results, and compute the Map state's result."""
    flow, map_run = host.flow, iterations.map_run
    history = host.history
    total = len(items) if isinstance(items, list) else None
    started = history.record("MapStateStarted", "mapStateStartedEventDetails",
                             {"length": total} if total is not None else {})
    if map_run is not None:
        # A Distributed Map's iterations are child executions, each with its own history: the
        # parent records the Map Run.
        if iterations.redrives:
            history.record("MapRunRedriven", "mapRunRedrivenEventDetails",
                           {"mapRunArn": map_run.arn, "redriveCount": iterations.redrives})
        else:
            history.record("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": map_run.arn})
        try:
            results = iterations.run(items, total)
        except StatesError as err:
            history.failed("MapRunFailed", "mapRunFailedEventDetails", err)
            raise
    else:
        results = iterations.run(items, total)
    result: Any = results
    if previewed:
        result = preview(iterations.records or [], spec["WriterConfig"], map_run.arn if map_run else "")
    elif sink is not None:
        result = sink.close()
    elif writer is not None:
        result = writer(ResultWriterCall(name, st[WRITER], writer_params, results or [],
                                         tuple(iterations.records or ()), ctx, st,
                                         map_run.arn if map_run else ""))
    if map_run is not None:
        history.record("MapRunSucceeded")
    history.record("MapStateSucceeded", prev=started)
    return flow.result(name, st, raw, result, scope, ql, ctx)
