"""The Map state: its items, each item's input, the iterations, tolerated failures, and the
bound reader and writer.

The items come from ``ItemsPath`` (JSONPath) or ``Items`` (JSONata), or, when the state has
an ``ItemReader`` and the binder holds an ``ItemReader`` binding for it, from that binding.
When the state has a ``ResultWriter`` and the binder holds a ``ResultWriter`` binding for it,
the binding receives the results and its return value is the state's result. Without those
bindings both fields are ignored, and the items are the state's input as above.

A Distributed Map's iterations run as child executions: their events are recorded apart from
the parent's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from flowdsl.vocabulary import JSONATA, processor_key

from . import jsonata_support as jn
from .bindings import ItemReaderCall, MapIteration, ResultWriterCall, TaskBinder
from .dataflow import DataFlow, Scope, dumps
from .errors import RunError, StatesError
from .history import History

READER, WRITER = "ItemReader", "ResultWriter"


class Host(Protocol):
    """What the Map state needs of the engine running it."""

    history: History
    flow: DataFlow
    binder: TaskBinder | None

    def run_machine(self, sm: Mapping[str, Any], input_: Any, scope: Scope, ql_default: str,
                    where: str) -> Any: ...


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
                ctx: dict[str, Any], scope: Scope, b: dict[str, Any] | None) -> list[Any]:
    spec = st[READER]
    params = _resource_parameters(host.flow, name, spec, READER, effective, ctx, scope, b)
    items = reader(ItemReaderCall(name, spec, params, effective, ctx, st))
    if isinstance(items, (str, bytes, Mapping)) or not hasattr(items, "__iter__"):
        raise RunError(f"state {name!r}: the ItemReader binding returned {type(items).__name__}, "
                       "not an iterable of items")
    return list(items)


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


@dataclass(slots=True)
class Iterations:
    """Everything one run of a Map state's iterations shares: the state, its processor, its
    input and context, the item selector and the failure tolerance."""

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
    records: list[MapIteration] | None = None  # filled when a ResultWriter is bound

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

    def run(self, items: list[Any]) -> list[Any]:
        host, name, history = self.host, self.name, self.host.history
        results: list[Any] = []
        failures = 0
        total = len(items)
        for index, item in enumerate(items):
            item_input = item if self.selector is None else self.item_input(index, item)
            history.record("MapIterationStarted", "mapIterationStartedEventDetails", {"name": name, "index": index})
            try:
                out = host.run_machine(self.processor, item_input, Scope(dict(self.scope.vars)), self.ql,
                                       f"state {name!r} iteration {index}")
            except StatesError as err:
                history.record("MapIterationFailed", "mapIterationFailedEventDetails", {"name": name, "index": index})
                failures += 1
                if self.tolerance.tolerates(failures, total):
                    results.append(err.output())
                    if self.records is not None:
                        self.records.append(MapIteration(index, item_input, "FAILED", err.output()))
                    continue
                if not self.tolerance.set:
                    raise
                raise StatesError("States.ExceedToleratedFailureThreshold",
                                  f"An error occurred while executing the state '{name}'. "
                                  "The specified tolerated failure threshold was exceeded") from None
            history.record("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": name, "index": index})
            results.append(out)
            if self.records is not None:
                self.records.append(MapIteration(index, item_input, "SUCCEEDED", out))
        return results


def run_map(host: Host, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
            ctx: dict[str, Any], retry_count: int = 0) -> tuple[Any, dict[str, Any] | None]:
    """One attempt of a Map state: its ``(output, assigned variables)``."""
    key = processor_key(st)
    if key is None:
        raise RunError(f"state {name!r}: Map needs 'ItemProcessor' (or legacy 'Iterator')")
    proc = st[key]
    flow = host.flow
    prefix = f"An error occurred while executing the state '{name}'."
    reader = _bound(host, name, st, READER)
    b = None
    if ql == JSONATA:
        b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
        effective = raw
        if reader is not None:
            items = _read_items(host, reader, name, st, effective, ctx, scope, b)
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
                raise StatesError("States.QueryEvaluationError",
                                  f"{prefix} Map state input must be an array but was: {dumps(items)}")
    else:
        effective = flow.path_field(st, "InputPath", raw, ctx, scope, name)
        if reader is not None:
            items = _read_items(host, reader, name, st, effective, ctx, scope, b)
        else:
            items = flow.resolve(st["ItemsPath"], effective, ctx, scope, "ItemsPath", name) \
                if "ItemsPath" in st else effective
            if not isinstance(items, list):
                raise StatesError("States.Runtime", f"{prefix} Invalid path '{st.get('ItemsPath', '$')}': "
                                  f"the Map state's items must be a JSON array, got {dumps(items)}")
    _number_field(flow, st, "MaxConcurrency", effective, ctx, scope, name, b)
    tol_count = _number_field(flow, st, "ToleratedFailureCount", effective, ctx, scope, name, b)
    tol_pct = _number_field(flow, st, "ToleratedFailurePercentage", effective, ctx, scope, name, b, as_float=True)
    if tol_count is not None and tol_count < 0:
        raise StatesError("States.Runtime", f"{prefix} ToleratedFailureCount cannot be negative.")
    if tol_pct is not None and not 0 <= tol_pct <= 100:
        raise StatesError("States.Runtime", f"{prefix} ToleratedFailurePercentage must be between 0 and 100.")
    writer = _bound(host, name, st, WRITER)
    iterations = Iterations(host, name, proc, raw, effective, scope, ql, ctx,
                            st.get("ItemSelector", st.get("Parameters")), Tolerance(tol_count, tol_pct),
                            [] if writer is not None else None)
    history = host.history
    started = history.record("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    distributed = (proc.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
    if distributed:
        # Distributed-mode iterations run as child executions: their states are not part of
        # this execution's history (AWS records MapRun* events instead).
        history.record("MapRunStarted", "mapRunStartedEventDetails", {})
        with history.apart():
            results = iterations.run(items)
    else:
        results = iterations.run(items)
    result: Any = results
    if writer is not None:
        params = _resource_parameters(flow, name, st[WRITER], WRITER, effective, ctx, scope, b)
        result = writer(ResultWriterCall(name, st[WRITER], params, results, tuple(iterations.records or ()),
                                         ctx, st))
    if distributed:
        history.record("MapRunSucceeded")
    history.record("MapStateSucceeded", prev=started)
    return flow.result(name, st, raw, result, scope, ql, ctx)
