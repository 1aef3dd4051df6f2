"""The interpreter: runs an ASL document (a JSON dict) with Step Functions semantics."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from flowdsl.lang import jsonata as jsonata_lang
from flowdsl.lang.timestamps import parse as parse_timestamp

from . import intrinsics, jsonata_support as jn
from .choice import evaluate_rule
from .clock import VirtualClock, iso
from .errors import UNCATCHABLE_BY_ALL, RunError, StatesError
from .jsonpath import PathError, PathSyntaxError, compile_path, evaluate_compiled, set_path
from .bindings import TaskBinder, TaskCall, unbound_message

JSONPATH = "JSONPath"
JSONATA = "JSONata"
MAX_PAYLOAD_BYTES = 256 * 1024  # AWS quota on state input/output size
MAX_HISTORY_EVENTS = 25_000  # AWS's hard quota on an execution's history
MAX_EXECUTION_SECONDS = 365 * 24 * 3600  # a Standard execution runs at most one year
HISTORY_LIMIT_CAUSE = "The execution reached the maximum number of history events (25000)."

_TASK_LIKE = frozenset({"Task", "Parallel", "Map"})
_INTEGRATION = re.compile(r"arn:[a-z-]+:states:::")  # a service integration, any partition
_KNOWN_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})


@dataclass
class Execution:
    """The outcome of :func:`execute`."""

    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: Any = None
    error: str | None = None
    cause: str | None = None
    visited: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    trace: list[tuple[str, str, float, float]] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)


class _StepLimit(Exception):
    pass


class _Timeout(Exception):
    pass


class _HistoryFull(Exception):
    """The next event would be the 25,000th and it does not end the execution successfully."""


class _DurationExceeded(Exception):
    """Virtual time would pass the one-year maximum duration of an execution."""


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


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


class _Scope:
    """Variables visible to a state machine (or a Parallel branch / Map iteration, which see a copy)."""

    __slots__ = ("vars",)

    def __init__(self, variables: dict[str, Any]) -> None:
        self.vars = variables


class _Runner:
    def __init__(self, definition: Mapping[str, Any], input_: Any, binder: TaskBinder | None,
                 context: Mapping[str, Any] | None, clock: VirtualClock, max_steps: int, seed: int) -> None:
        self.definition = definition
        self.binder = binder
        self.clock = clock
        self.max_steps = max_steps
        self.steps = 0
        self.rng = random.Random(seed)
        self.history: list[dict[str, Any]] = []
        self.visited: list[str] = []
        self.trace: list[tuple[str, str, float, float]] = []
        self.invocations: dict[str, int] = {}
        self._last_obj: Any = object()
        self._last_text = ""
        self.top_ql = definition.get("QueryLanguage", JSONPATH)
        self.jsonata_functions = jn.make_function_bindings(self.rng)
        ctx_in = dict(context or {})
        sm_name = (ctx_in.get("StateMachine") or {}).get("Name", "StateMachine")
        ex_name = (ctx_in.get("Execution") or {}).get("Name", "execution")
        base = {
            "Execution": {
                "Id": f"arn:aws:states:us-east-1:123456789012:execution:{sm_name}:{ex_name}",
                "Input": input_,
                "Name": ex_name,
                "RoleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole",
                "StartTime": iso(clock.now()),
                "RedriveCount": 0,
            },
            "StateMachine": {"Id": f"arn:aws:states:us-east-1:123456789012:stateMachine:{sm_name}", "Name": sm_name},
        }
        for k, v in ctx_in.items():
            if isinstance(v, Mapping) and isinstance(base.get(k), dict):
                base[k] = {**base[k], **v}
            else:
                base[k] = v
        self.base_context = base
        self.timeout = definition.get("TimeoutSeconds")

    # ------------------------------------------------------------------ events

    def event(self, type_: str, details_key: str | None = None, details: dict[str, Any] | None = None,
              prev: int | None = None) -> int:
        eid = len(self.history) + 1
        # AWS: when an execution has 24,999 events, the 25,000th must be ExecutionSucceeded;
        # anything else fails the execution (bp-history-limit in the developer guide).
        if eid >= MAX_HISTORY_EVENTS and not type_.startswith("Execution"):
            raise _HistoryFull()
        ev: dict[str, Any] = {
            "id": eid,
            "previousEventId": eid - 1 if prev is None else prev,
            "type": type_,
            "timestamp": self.clock.cached_now(),
        }
        if details_key:
            ev[details_key] = details or {}
        self.history.append(ev)
        return eid

    # ------------------------------------------------------------------ virtual time

    def sleep(self, seconds: Any, state: str) -> None:
        """Advance the clock; past one year of execution time the execution times out, as on AWS
        (huge, infinite or overflowing delays included)."""
        try:
            secs = float(seconds)
        except (OverflowError, TypeError, ValueError):
            secs = float("inf")
        if secs != secs:  # NaN
            raise StatesError("States.Runtime", f"An error occurred while executing the state '{state}'. "
                              "The wait time is not a number.")
        if secs > MAX_EXECUTION_SECONDS - self.clock.elapsed:
            raise _DurationExceeded(state)
        self.clock.sleep(secs)

    def sleep_until(self, when: Any, state: str) -> None:
        try:
            secs = (when - self.clock.now()).total_seconds()
        except OverflowError:
            secs = float("inf")
        self.sleep(secs, state)

    # ------------------------------------------------------------------ paths and templates (JSONPath)

    def resolve(self, path: str, data: Any, ctx: Mapping[str, Any], scope: _Scope, field_name: str,
                state: str) -> Any:
        try:
            tree = compile_path(path)
            if tree.root == "$$":
                doc = ctx
            elif tree.root == "var":
                # "$name..." is a variable reference (AWS "Passing data between states with variables").
                if tree.variable not in scope.vars:
                    raise StatesError("States.Runtime", f"An error occurred while executing the state '{state}'. "
                                      f"The variable '${tree.variable}' referenced by the field '{field_name}' is not defined.")
                doc = scope.vars[tree.variable]
            else:
                doc = data
            return evaluate_compiled(tree, doc)
        except PathError:
            shown = path if tree.root == "$$" else tree.bracket_form()
            raise StatesError(
                "States.Runtime",
                f"An error occurred while executing the state '{state}'. Invalid path '{path}' : "
                f"No results for path: {shown}",
            ) from None
        except PathSyntaxError as exc:
            raise RunError(f"state {state!r}: invalid path {path!r} in {field_name}: {exc}") from None

    def value_expr(self, expr: Any, data: Any, ctx: Mapping[str, Any], scope: _Scope, field_name: str,
                   state: str) -> Any:
        """Evaluate the value of a ``key.$`` field: a path, a context path, or an intrinsic call."""
        if not isinstance(expr, str):
            raise RunError(f"state {state!r}: value of {field_name} must be a string path, got {expr!r}")
        if intrinsics.is_intrinsic(expr):
            return intrinsics.evaluate(
                expr, lambda p: self.resolve(p, data, ctx, scope, field_name, state), self.rng)
        if expr.startswith("$"):
            return self.resolve(expr, data, ctx, scope, field_name, state)
        raise RunError(f"state {state!r}: {field_name} must hold a path or intrinsic function, got {expr!r}")

    def template(self, tpl: Any, data: Any, ctx: Mapping[str, Any], scope: _Scope, field_name: str,
                 state: str) -> Any:
        if isinstance(tpl, dict):
            out: dict[str, Any] = {}
            for k, v in tpl.items():
                if k.endswith(".$"):
                    out[k[:-2]] = self.value_expr(v, data, ctx, scope, f"{field_name}/{k}", state)
                else:
                    out[k] = self.template(v, data, ctx, scope, field_name, state)
            return out
        if isinstance(tpl, list):
            return [self.template(v, data, ctx, scope, field_name, state) for v in tpl]
        return tpl

    def path_field(self, st: Mapping[str, Any], key: str, data: Any, ctx: Mapping[str, Any], scope: _Scope,
                   state: str) -> Any:
        """InputPath / OutputPath: absent means '$', null means {} (AWS "InputPath, Parameters and ResultSelector")."""
        if key not in st:
            return data
        path = st[key]
        if path is None:
            return {}
        return self.resolve(path, data, ctx, scope, key, state)

    def apply_result_path(self, st: Mapping[str, Any], raw_input: Any, result: Any, state: str) -> Any:
        if "ResultPath" not in st:
            return result
        rp = st["ResultPath"]
        if rp is None:
            return raw_input
        try:
            return set_path(raw_input, rp, result)
        except PathError:
            raise StatesError(
                "States.ResultPathMatchFailure",
                f"An error occurred while executing the state '{state}'. Unable to apply ResultPath '{rp}' "
                f"to input {_dumps(raw_input)}",
            ) from None
        except PathSyntaxError as exc:
            raise RunError(f"state {state!r}: invalid ResultPath {rp!r}: {exc}") from None

    # ------------------------------------------------------------------ JSONata

    def jsonata_bindings(self, states_var: dict[str, Any], scope: _Scope) -> dict[str, Any]:
        b = dict(scope.vars)
        b.update(self.jsonata_functions)
        b["states"] = states_var
        return b

    def ja_value(self, tpl: Any, bindings: dict[str, Any], field_name: str, state: str) -> Any:
        """Evaluate every ``{% expr %}`` string inside ``tpl`` (objects and arrays are walked)."""
        if isinstance(tpl, str):
            if jn.is_expression(tpl):
                body = jn.expression_body(tpl)
                if not body:
                    raise RunError(f"state {state!r}: {field_name} holds no expression between '{{%' and '%}}'")
                try:
                    return jn.evaluate(body, bindings, field_name)
                except jn.Undefined:
                    raise StatesError(
                        "States.QueryEvaluationError",
                        f"An error occurred while executing the state '{state}'. The JSONata expression "
                        f"'{body}' specified for the field '{field_name}' returned nothing (undefined).",
                    ) from None
            if jsonata_lang.is_candidate(tpl):
                raise RunError(f"state {state!r}: {field_name}: {tpl!r} is not a JSONata expression: "
                               "write it as '{% expression %}'")
            return tpl
        if isinstance(tpl, dict):
            return {k: self.ja_value(v, bindings, f"{field_name}/{k}", state) for k, v in tpl.items()}
        if isinstance(tpl, list):
            return [self.ja_value(v, bindings, field_name, state) for v in tpl]
        return tpl

    # ------------------------------------------------------------------ variables

    def eval_assign(self, assign: Any, ql: str, data: Any, ctx: Mapping[str, Any], scope: _Scope,
                    bindings: dict[str, Any] | None, state: str) -> dict[str, Any]:
        if not isinstance(assign, dict):
            raise RunError(f"state {state!r}: Assign must be an object")
        if ql == JSONATA:
            assert bindings is not None
            return {k: self.ja_value(v, bindings, f"Assign/{k}", state) for k, v in assign.items()}
        return self.template(assign, data, ctx, scope, "Assign", state)

    # ------------------------------------------------------------------ machine loop

    def run_machine(self, sm: Mapping[str, Any], input_: Any, scope: _Scope, ql_default: str,
                    where: str) -> Any:
        states = sm.get("States")
        start = sm.get("StartAt")
        if not isinstance(states, dict) or not states:
            raise RunError(f"{where}: 'States' must be a non-empty object")
        if start not in states:
            raise RunError(f"{where}: StartAt {start!r} is not a state")
        name: str | None = start
        data = input_
        while name is not None:
            st = states.get(name)
            if not isinstance(st, dict):
                raise RunError(f"{where}: transition to unknown state {name!r}")
            self.steps += 1
            if self.steps > self.max_steps:
                raise _StepLimit(name)
            if self.timeout is not None and self.clock.elapsed > self.timeout:
                raise _Timeout(name)
            name, data = self.run_state(name, st, data, scope, ql_default)
        return data

    def run_state(self, name: str, st: dict[str, Any], raw_input: Any, scope: _Scope,
                  ql_default: str) -> tuple[str | None, Any]:
        typ = st.get("Type")
        if typ not in _KNOWN_TYPES:
            raise RunError(f"state {name!r}: unknown Type {typ!r}")
        ql = st.get("QueryLanguage", ql_default)
        if ql not in (JSONPATH, JSONATA):
            raise RunError(f"state {name!r}: unknown QueryLanguage {ql!r}")
        self.visited.append(name)
        t0 = self.clock.elapsed
        entered_at = self.clock.iso_now()
        # A state's input is usually the previous state's output object: reuse its serialisation.
        in_text = self._last_text if raw_input is self._last_obj else _dumps(raw_input)
        self.event(f"{typ}StateEntered", "stateEnteredEventDetails",
                   {"name": name, "input": in_text, "inputDetails": {"truncated": False}})
        if typ == "Fail":
            self.trace.append((name, typ, t0, self.clock.elapsed))
            try:
                self.do_fail(name, st, raw_input, scope, ql, entered_at)
            except StatesError as err:
                self._report_evaluation_failure(name, err)
                raise
        nxt: str | None
        assigned: dict[str, Any] | None
        try:
            if typ in _TASK_LIKE:
                nxt, output, assigned = self.run_with_retry(name, typ, st, raw_input, scope, ql, entered_at)
            else:
                ctx = self.state_context(name, entered_at, None)
                handler = getattr(self, f"do_{typ.lower()}")
                nxt, output, assigned = handler(name, st, raw_input, scope, ql, ctx)
        except StatesError as err:
            self._report_evaluation_failure(name, err)
            raise
        if nxt is None and typ not in ("Succeed", "Choice") and not st.get("End"):
            raise RunError(f"state {name!r}: needs 'Next' or 'End': true")
        if assigned:
            scope.vars.update(assigned)
        size_check = _dumps(output)
        if len(size_check) > MAX_PAYLOAD_BYTES and len(size_check.encode()) > MAX_PAYLOAD_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit.",
            )
        details: dict[str, Any] = {"name": name, "output": size_check, "outputDetails": {"truncated": False}}
        if assigned is not None:
            details["assignedVariables"] = {k: _dumps(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        self.event(f"{typ}StateExited", "stateExitedEventDetails", details, prev=None)
        self._last_obj, self._last_text = output, size_check
        self.trace.append((name, typ, t0, self.clock.elapsed))
        return nxt, output

    def _report_evaluation_failure(self, name: str, err: StatesError) -> None:
        # AWS records an EvaluationFailed event where a JSONata evaluation fails.
        if err.error == "States.QueryEvaluationError" and not getattr(err, "reported", False):
            err.reported = True  # type: ignore[attr-defined]
            self.event("EvaluationFailed", "evaluationFailedEventDetails",
                       {"error": err.error, "cause": err.cause, "state": name})

    def state_context(self, name: str, entered_at: str, retry_count: int | None,
                      extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        ctx = dict(self.base_context)
        state: dict[str, Any] = {"EnteredTime": entered_at, "Name": name}
        if retry_count is not None:
            state["RetryCount"] = retry_count
        ctx["State"] = state
        if extra:
            ctx.update(extra)
        return ctx

    def next_of(self, st: Mapping[str, Any]) -> str | None:
        return None if st.get("End") else st.get("Next")

    def finish_assign(self, name: str, st: Mapping[str, Any], ql: str, data: Any, ctx: Mapping[str, Any],
                      scope: _Scope, bindings: dict[str, Any] | None) -> dict[str, Any] | None:
        if "Assign" not in st:
            return None
        return self.eval_assign(st["Assign"], ql, data, ctx, scope, bindings, name)

    # ------------------------------------------------------------------ simple states

    def do_pass(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            assigned = self.finish_assign(name, st, ql, raw, ctx, scope, b)
            output = self.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return self.next_of(st), output, assigned
        effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
        if "Parameters" in st:
            effective = self.template(st["Parameters"], effective, ctx, scope, "Parameters", name)
        # Pass: "Result" (a fixed value) wins over the (Parameters-shaped) input.
        result = st["Result"] if "Result" in st else effective
        assigned = self.finish_assign(name, st, ql, result, ctx, scope, None)
        output = self.apply_result_path(st, raw, result, name)
        output = self.path_field(st, "OutputPath", output, ctx, scope, name)
        return self.next_of(st), output, assigned

    def do_succeed(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                   ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            return None, (self.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw), None
        out = self.path_field(st, "InputPath", raw, ctx, scope, name)
        out = self.path_field(st, "OutputPath", out, ctx, scope, name)
        return None, out, None

    def do_fail(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str, entered_at: str) -> None:
        ctx = self.state_context(name, entered_at, None)
        error, cause = st.get("Error"), st.get("Cause")
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            error = self.ja_value(error, b, "Error", name) if error is not None else None
            cause = self.ja_value(cause, b, "Cause", name) if cause is not None else None
        else:
            if "ErrorPath" in st:
                error = self.value_expr(st["ErrorPath"], raw, ctx, scope, "ErrorPath", name)
            if "CausePath" in st:
                cause = self.value_expr(st["CausePath"], raw, ctx, scope, "CausePath", name)
        for label, v in (("Error", error), ("Cause", cause)):
            if v is not None and not isinstance(v, str):
                raise StatesError("States.Runtime", f"An error occurred while executing the state '{name}'. "
                                  f"The {label} field must resolve to a string, got {_dumps(v)}")
        raise StatesError(error, cause)

    def do_choice(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                  ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        choices = st.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise RunError(f"state {name!r}: Choice needs a non-empty 'Choices' list")
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            for i, rule in enumerate(choices):
                cond = rule.get("Condition")
                if cond is None:
                    raise RunError(f"state {name!r}: JSONata choice rule #{i} needs 'Condition'")
                val = self.ja_value(cond, b, "Condition", name)
                if not isinstance(val, bool):
                    raise StatesError("States.QueryEvaluationError",
                                      f"An error occurred while executing the state '{name}'. The Condition must "
                                      f"evaluate to a boolean, got {_dumps(val)}")
                if val:
                    assigned = self.finish_assign(name, rule, ql, raw, ctx, scope, b)
                    out = self.ja_value(rule["Output"], b, "Output", name) if "Output" in rule else raw
                    return rule["Next"], out, assigned
            if "Default" not in st:
                raise StatesError("States.NoChoiceMatched", f"No Matches! in state '{name}'")
            assigned = self.finish_assign(name, st, ql, raw, ctx, scope, b)
            out = self.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return st["Default"], out, assigned
        effective = self.path_field(st, "InputPath", raw, ctx, scope, name)

        def resolve(p: str) -> Any:
            if not isinstance(p, str):
                raise RunError(f"state {name!r}: choice path must be a string, got {p!r}")
            return self.resolve(p, effective, ctx, scope, "Variable", name)

        def present(p: str) -> bool:
            try:
                resolve(p)
                return True
            except StatesError:
                return False

        matched: dict[str, Any] | None = None
        for rule in choices:
            if evaluate_rule(rule, resolve, present, name):
                matched = rule
                break
        if matched is None:
            if "Default" not in st:
                raise StatesError("States.NoChoiceMatched", f"No Matches! in state '{name}'")
            nxt, holder = st["Default"], st
        else:
            nxt, holder = matched["Next"], matched
        assigned = self.finish_assign(name, holder, ql, effective, ctx, scope, None)
        out = self.path_field(st, "OutputPath", effective, ctx, scope, name)
        return nxt, out, assigned

    def do_wait(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        prefix = f"An error occurred while executing the state '{name}'."
        b = None
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            if "Seconds" in st:
                secs = self.ja_value(st["Seconds"], b, "Seconds", name)
                if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not float(secs).is_integer() or secs < 0:
                    raise StatesError("States.QueryEvaluationError",
                                      f"{prefix} The Seconds field must be a non-negative integer, got {_dumps(secs)}")
                self.sleep(secs, name)
            elif "Timestamp" in st:
                ts = self.ja_value(st["Timestamp"], b, "Timestamp", name)
                when = parse_timestamp(ts)
                if when is None:
                    raise StatesError("States.QueryEvaluationError", f"{prefix} The Timestamp field cannot be parsed "
                                      f"as an ISO-8601 extended offset date-time format string: {ts}")
                self.sleep_until(when, name)
            assigned = self.finish_assign(name, st, ql, raw, ctx, scope, b)
            out = self.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return self.next_of(st), out, assigned
        effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
        if "Seconds" in st:
            secs = st["Seconds"]
            if isinstance(secs, bool) or not isinstance(secs, (int, float)):
                raise RunError(f"state {name!r}: Seconds must be a number, not {secs!r}")
            self.sleep(secs, name)
        elif "Timestamp" in st:
            when = parse_timestamp(st["Timestamp"])
            if when is None:
                raise RunError(f"state {name!r}: Timestamp {st['Timestamp']!r} is not an ISO-8601 date-time")
            self.sleep_until(when, name)
        elif "SecondsPath" in st:
            p = st["SecondsPath"]
            secs = self.resolve(p, effective, ctx, scope, "SecondsPath", name)
            if isinstance(secs, bool) or not isinstance(secs, (int, float)) or (isinstance(secs, float) and not secs.is_integer()):
                raise StatesError("States.Runtime", f"{prefix} The SecondsPath parameter cannot be parsed as a long value: {p} == {_dumps(secs)}")
            if secs < 0:
                raise StatesError("States.Runtime", f"{prefix} The SecondsPath parameter references a negative value: {p} == {_dumps(secs)}")
            self.sleep(secs, name)
        elif "TimestampPath" in st:
            p = st["TimestampPath"]
            ts = self.resolve(p, effective, ctx, scope, "TimestampPath", name)
            when = parse_timestamp(ts)
            if when is None:
                raise StatesError("States.Runtime", f"{prefix} The TimestampPath parameter does not reference a valid "
                                  f"ISO-8601 extended offset date-time format string: {p} == {ts}")
            self.sleep_until(when, name)
        else:
            raise RunError(f"state {name!r}: Wait needs Seconds, Timestamp, SecondsPath or TimestampPath")
        assigned = self.finish_assign(name, st, ql, effective, ctx, scope, None)
        out = self.path_field(st, "OutputPath", effective, ctx, scope, name)
        return self.next_of(st), out, assigned

    # ------------------------------------------------------------------ retry / catch

    @staticmethod
    def _matches(error_equals: list[str], error: str | None) -> bool:
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

    def run_with_retry(self, name: str, typ: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                       entered_at: str) -> tuple[str | None, Any, dict[str, Any] | None]:
        retriers = st.get("Retry") or []
        counts = [0] * len(retriers)
        retry_count = 0
        while True:
            ctx = self.state_context(name, entered_at, retry_count)
            try:
                if typ == "Task":
                    return self.do_task(name, st, raw, scope, ql, ctx, retry_count)
                if typ == "Parallel":
                    return self.do_parallel(name, st, raw, scope, ql, ctx)
                return self.do_map(name, st, raw, scope, ql, ctx)
            except StatesError as err:
                self._report_evaluation_failure(name, err)
                delay = self._retry_delay(retriers, counts, err)
                if delay is not None:
                    self.sleep(delay, name)
                    retry_count += 1
                    continue
                if typ == "Map":
                    self.event("MapStateFailed")
                for catcher in st.get("Catch") or []:
                    if self._matches(catcher.get("ErrorEquals", []), err.error):
                        return self._caught(name, st, catcher, raw, err, scope, ql, ctx)
                raise

    def _retry_delay(self, retriers: list[dict[str, Any]], counts: list[int], err: StatesError) -> float | None:
        for i, r in enumerate(retriers):
            if not self._matches(r.get("ErrorEquals", []), err.error):
                continue
            # The first matching retrier decides, even when it is exhausted (AWS: retriers are evaluated in order).
            if counts[i] >= r.get("MaxAttempts", 3):
                return None
            delay = _backoff(r.get("IntervalSeconds", 1), r.get("BackoffRate", 2.0), counts[i])
            if "MaxDelaySeconds" in r:
                delay = min(delay, _number(r["MaxDelaySeconds"], "MaxDelaySeconds"))
            if r.get("JitterStrategy") == "FULL":
                delay = self.rng.uniform(0, delay)
            counts[i] += 1
            return delay
        return None

    def _caught(self, name: str, st: dict[str, Any], catcher: dict[str, Any], raw: Any, err: StatesError,
                scope: _Scope, ql: str, ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        err_out = err.output()
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx, "errorOutput": err_out}, scope)
            assigned = self.finish_assign(name, catcher, ql, err_out, ctx, scope, b)
            out = self.ja_value(catcher["Output"], b, "Output", name) if "Output" in catcher else err_out
            return catcher.get("Next"), out, assigned
        assigned = self.finish_assign(name, catcher, ql, err_out, ctx, scope, None)
        out = self.apply_result_path(catcher, raw, err_out, name)
        return catcher.get("Next"), out, assigned

    # ------------------------------------------------------------------ Task

    def do_task(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str, ctx: dict[str, Any],
                retry_count: int) -> tuple[str | None, Any, dict[str, Any] | None]:
        resource = st.get("Resource")
        if not isinstance(resource, str):
            raise RunError(f"state {name!r}: Task needs a 'Resource' string")
        if resource.endswith(".waitForTaskToken"):
            # $$.Task.Token exists only for the callback pattern; deterministic so runs are reproducible.
            seq = self.invocations.get(name, 0)
            ctx = {**ctx, "Task": {"Token": f"flowdsl-token-{name}-{seq}-{retry_count}"}}
        b = None
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            payload = self.ja_value(st["Arguments"], b, "Arguments", name) if "Arguments" in st else raw
            timeout = self.ja_value(st.get("TimeoutSeconds"), b, "TimeoutSeconds", name)
        else:
            effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
            payload = self.template(st["Parameters"], effective, ctx, scope, "Parameters", name) \
                if "Parameters" in st else effective
            timeout = st.get("TimeoutSeconds")
            if "TimeoutSecondsPath" in st:
                timeout = self.resolve(st["TimeoutSecondsPath"], effective, ctx, scope, "TimeoutSecondsPath", name)
        if self.binder is None:
            raise StatesError("States.Runtime", unbound_message(name, resource))
        inv = self.invocations.get(name, 0)
        self.invocations[name] = inv + 1
        sched = self.event("TaskScheduled", "taskScheduledEventDetails", {
            "resource": resource.rsplit(":", 1)[-1] if _INTEGRATION.match(resource) else resource,
            "resourceType": resource.split(":")[5] if _INTEGRATION.match(resource) else "lambda",
            "region": "us-east-1", "parameters": _dumps(payload),
            **({"timeoutInSeconds": timeout} if timeout is not None else {})})
        self.event("TaskStarted", "taskStartedEventDetails", {"resource": resource}, prev=sched)
        call = TaskCall(name, resource, payload, retry_count, inv, ctx,
                        float(timeout) if isinstance(timeout, (int, float)) else None, st)
        try:
            result = self.binder.invoke(call)
        except StatesError as err:
            self.event("TaskFailed", "taskFailedEventDetails",
                       {k: v for k, v in (("error", err.error), ("cause", err.cause), ("resource", resource)) if v is not None})
            raise
        self.event("TaskSucceeded", "taskSucceededEventDetails",
                   {"resource": resource, "output": _dumps(result), "outputDetails": {"truncated": False}})
        return self.finish_result(name, st, raw, result, scope, ql, ctx)

    def finish_result(self, name: str, st: dict[str, Any], raw: Any, result: Any, scope: _Scope, ql: str,
                      ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        """ResultSelector → ResultPath → OutputPath (JSONPath) or Output (JSONata); then Assign."""
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx, "result": result}, scope)
            assigned = self.finish_assign(name, st, ql, result, ctx, scope, b)
            out = self.ja_value(st["Output"], b, "Output", name) if "Output" in st else result
            return self.next_of(st), out, assigned
        if "ResultSelector" in st:
            result = self.template(st["ResultSelector"], result, ctx, scope, "ResultSelector", name)
        assigned = self.finish_assign(name, st, ql, result, ctx, scope, None)
        out = self.apply_result_path(st, raw, result, name)
        out = self.path_field(st, "OutputPath", out, ctx, scope, name)
        return self.next_of(st), out, assigned

    # ------------------------------------------------------------------ Parallel

    def do_parallel(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
                    ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        branches = st.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise RunError(f"state {name!r}: Parallel needs a non-empty 'Branches' list")
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            branch_input = self.ja_value(st["Arguments"], b, "Arguments", name) if "Arguments" in st else raw
        else:
            effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
            branch_input = self.template(st["Parameters"], effective, ctx, scope, "Parameters", name) \
                if "Parameters" in st else effective
        started = self.event("ParallelStateStarted")
        results = []
        # Values are never mutated in place (paths and templates build new objects), so every branch
        # can share the same input object.
        for i, br in enumerate(branches):
            try:
                results.append(self.run_machine(br, branch_input, _Scope(dict(scope.vars)),
                                                ql, f"state {name!r} branch {i}"))
            except StatesError as err:
                self.event("ParallelStateFailed", "parallelStateFailedEventDetails",
                           {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None})
                raise
        del started  # AWS records no ParallelStateSucceeded event: ParallelStateExited follows directly
        return self.finish_result(name, st, raw, results, scope, ql, ctx)

    # ------------------------------------------------------------------ Map

    def _int_field(self, st: dict[str, Any], key: str, data: Any, ctx: Mapping[str, Any], scope: _Scope,
                   name: str, b: dict[str, Any] | None, as_float: bool = False) -> float | None:
        prefix = f"An error occurred while executing the state '{name}'."
        kind = "float" if as_float else "integer"
        if b is not None and key in st:
            v = self.ja_value(st[key], b, key, name)
            source = f"field '{key}'"
        elif key in st:
            v = st[key]
            source = key
        elif key + "Path" in st:
            p = st[key + "Path"]
            v = self.resolve(p, data, ctx, scope, key + "Path", name)
            source = p
            if isinstance(v, str):
                try:
                    v = float(v) if as_float else int(v)
                except ValueError:
                    pass
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (not as_float and isinstance(v, float) and not v.is_integer()):
                raise StatesError("States.Runtime", f"{prefix} The {key}Path field refers to value "
                                  f"\"{v if isinstance(v, str) else _dumps(v)}\" which is not a valid {kind}: {p}")
        else:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise StatesError("States.Runtime" if b is None else "States.QueryEvaluationError",
                              f"{prefix} The {source} value {_dumps(v)} is not a valid {kind}")
        del source
        return float(v)

    def do_map(self, name: str, st: dict[str, Any], raw: Any, scope: _Scope, ql: str,
               ctx: dict[str, Any]) -> tuple[str | None, Any, dict[str, Any] | None]:
        proc = st.get("ItemProcessor") or st.get("Iterator")
        if not isinstance(proc, dict):
            raise RunError(f"state {name!r}: Map needs 'ItemProcessor' (or legacy 'Iterator')")
        prefix = f"An error occurred while executing the state '{name}'."
        b = None
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            effective = raw
            if "Items" in st:
                items = self.ja_value(st["Items"], b, "Items", name)
                if not isinstance(items, list):
                    body = jn.expression_body(st["Items"]) if jn.is_expression(st["Items"]) else st["Items"]
                    raise StatesError("States.QueryEvaluationError",
                                      f"{prefix} The JSONata expression '{body}' specified for the field 'Items' "
                                      f"returned an unexpected result type. Expected 'array', but was "
                                      f"'{_type_name(items)}' for value: {_dumps(items)}")
            else:
                items = raw
                if not isinstance(items, list):
                    raise StatesError("States.QueryEvaluationError",
                                      f"{prefix} Map state input must be an array but was: {_dumps(items)}")
        else:
            effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
            items = self.resolve(st["ItemsPath"], effective, ctx, scope, "ItemsPath", name) \
                if "ItemsPath" in st else effective
            if not isinstance(items, list):
                raise StatesError("States.Runtime", f"{prefix} Invalid path '{st.get('ItemsPath', '$')}': "
                                  f"the Map state's items must be a JSON array, got {_dumps(items)}")
        self._int_field(st, "MaxConcurrency", effective, ctx, scope, name, b)
        tol_count = self._int_field(st, "ToleratedFailureCount", effective, ctx, scope, name, b)
        tol_pct = self._int_field(st, "ToleratedFailurePercentage", effective, ctx, scope, name, b, as_float=True)
        if tol_count is not None and tol_count < 0:
            raise StatesError("States.Runtime", f"{prefix} ToleratedFailureCount cannot be negative.")
        if tol_pct is not None and not 0 <= tol_pct <= 100:
            raise StatesError("States.Runtime", f"{prefix} ToleratedFailurePercentage must be between 0 and 100.")
        selector = st.get("ItemSelector", st.get("Parameters"))
        distributed = (proc.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
        started = self.event("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
        if distributed:
            # Distributed-mode iterations run as child executions: their states are not part of
            # this execution's history (AWS records MapRun* events instead).
            self.event("MapRunStarted", "mapRunStartedEventDetails", {})
            saved = self.history, self.visited
            self.history, self.visited = [], []
            try:
                results = self._map_iterations(name, st, proc, items, raw, effective, scope, ql, ctx, b,
                                               selector, tol_count, tol_pct, prefix)
            finally:
                self.history, self.visited = saved
            self.event("MapRunSucceeded")
        else:
            results = self._map_iterations(name, st, proc, items, raw, effective, scope, ql, ctx, b,
                                           selector, tol_count, tol_pct, prefix)
        self.event("MapStateSucceeded", prev=started)
        return self.finish_result(name, st, raw, results, scope, ql, ctx)

    def _map_iterations(self, name: str, st: dict[str, Any], proc: dict[str, Any], items: list[Any], raw: Any,
                        effective: Any, scope: _Scope, ql: str, ctx: dict[str, Any], b: dict[str, Any] | None,
                        selector: Any, tol_count: float | None, tol_pct: float | None, prefix: str) -> list[Any]:
        results: list[Any] = []
        failures = 0
        total = len(items)
        for index, item in enumerate(items):
            map_ctx = dict(ctx)
            map_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
            if selector is None:
                item_input = item
            elif ql == JSONATA:
                assert b is not None
                ib = self.jsonata_bindings({"input": raw, "context": map_ctx}, scope)
                item_input = self.ja_value(selector, ib, "ItemSelector", name)
            else:
                item_input = self.template(selector, effective, map_ctx, scope, "ItemSelector", name)
            self.event("MapIterationStarted", "mapIterationStartedEventDetails", {"name": name, "index": index})
            try:
                out = self.run_machine(proc, item_input, _Scope(dict(scope.vars)), ql,
                                       f"state {name!r} iteration {index}")
            except StatesError as err:
                self.event("MapIterationFailed", "mapIterationFailedEventDetails", {"name": name, "index": index})
                failures += 1
                tolerated = (tol_count is not None and failures <= tol_count) or \
                            (tol_pct is not None and total and failures * 100.0 / total <= tol_pct)
                if tolerated:
                    results.append(err.output())
                    continue
                if tol_count is None and tol_pct is None:
                    raise
                raise StatesError("States.ExceedToleratedFailureThreshold",
                                  f"{prefix} The specified tolerated failure threshold was exceeded") from None
            self.event("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": name, "index": index})
            results.append(out)
        return results


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunError(f"{what} must be a number, not {value!r}")
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def _backoff(interval: Any, rate: Any, count: int) -> float:
    """IntervalSeconds × BackoffRate^count, saturating at infinity instead of overflowing."""
    base, factor = _number(interval, "IntervalSeconds"), _number(rate, "BackoffRate")
    try:
        return base * factor ** count
    except OverflowError:
        return float("inf")


def execute(definition: Mapping[str, Any], input: Any = None, *, tasks: TaskBinder | None = None,
            context: Mapping[str, Any] | None = None, clock: VirtualClock | None = None,
            max_steps: int = 100_000, seed: int = 0) -> Execution:
    """Run ``definition`` (an ASL document) on ``input`` and return the :class:`Execution`.

    ASL errors end the execution as FAILED (never a Python exception); a malformed definition
    raises :class:`RunError`.
    """
    if not isinstance(definition, Mapping) or "States" not in definition or "StartAt" not in definition:
        raise RunError("definition must be an object with 'StartAt' and 'States'")
    if input is None:
        input = {}
    size = len(_dumps(input).encode("utf-8", "surrogatepass"))
    if size > MAX_PAYLOAD_BYTES:
        raise RunError(f"the execution input is {size:,} bytes; Step Functions accepts at most "
                       f"{MAX_PAYLOAD_BYTES:,} (256 KiB)")
    clk = clock or VirtualClock()
    runner = _Runner(definition, input, tasks, context, clk, max_steps, seed)
    runner.event("ExecutionStarted", "executionStartedEventDetails", {
        "input": _dumps(input), "inputDetails": {"truncated": False},
        "roleArn": runner.base_context["Execution"]["RoleArn"]})
    scope = _Scope({})
    result = Execution(status="RUNNING", visited=runner.visited, history=runner.history, trace=runner.trace,
                       variables=scope.vars)
    try:
        out = runner.run_machine(definition, input, scope, runner.top_ql, "state machine")
    except StatesError as err:
        result.status, result.error, result.cause = "FAILED", err.error, err.cause
        runner.event("ExecutionFailed", "executionFailedEventDetails",
                     {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None})
    except _Timeout as exc:
        result.status, result.error = "TIMED_OUT", "States.Timeout"
        result.cause = f"The execution exceeded TimeoutSeconds={runner.timeout} before state {exc.args[0]!r}"
        runner.event("ExecutionTimedOut", "executionTimedOutEventDetails",
                     {"error": result.error, "cause": result.cause})
    except _HistoryFull:
        result.status, result.error, result.cause = "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE
        runner.event("ExecutionFailed", "executionFailedEventDetails",
                     {"error": result.error, "cause": result.cause})
    except _DurationExceeded as exc:
        result.status, result.error = "TIMED_OUT", "States.Timeout"
        result.cause = (f"The execution would run past the maximum execution duration of one year "
                        f"({MAX_EXECUTION_SECONDS} s) while in state {exc.args[0]!r}")
        runner.event("ExecutionTimedOut", "executionTimedOutEventDetails",
                     {"error": result.error, "cause": result.cause})
    except _StepLimit as exc:
        result.status, result.error = "ABORTED", "flowdsl.MaxStepsExceeded"
        result.cause = f"max_steps={max_steps} exceeded when entering state {exc.args[0]!r}"
        runner.event("ExecutionAborted", "executionAbortedEventDetails", {"error": result.error, "cause": result.cause})
    except RecursionError:
        raise RunError("definition nests too deeply") from None
    else:
        if runner.timeout is not None and clk.elapsed > runner.timeout:
            result.status, result.error = "TIMED_OUT", "States.Timeout"
            runner.event("ExecutionTimedOut", "executionTimedOutEventDetails", {"error": result.error})
        else:
            result.status, result.output = "SUCCEEDED", out
            runner.event("ExecutionSucceeded", "executionSucceededEventDetails",
                         {"output": _dumps(out), "outputDetails": {"truncated": False}})
    return result

