"""The interpreter: runs an ASL document (a JSON dict) with Step Functions semantics.

The engine moves between states and runs each one. What a state does with its data is in
:mod:`.dataflow`, the Map state in :mod:`.map`, Retry and Catch in :mod:`.retry`, the history
in :mod:`.history`; the world outside is reached only through the bindings of
:mod:`.bindings` (a Task's task, a Map's ItemReader and ResultWriter).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flowdsl.lang.timestamps import parse as parse_timestamp
from flowdsl.vocabulary import (JSONATA, JSONPATH, QUERY_LANGUAGES, STATE_TYPES, TASK_LIKE_TYPES, parse_states_arn,
                                walk_states)

from .bindings import TaskBinder, TaskCall, not_mockable_message, unbound_message
from .choice import evaluate_rule
from .clock import VirtualClock, iso
from .dataflow import MAX_PAYLOAD_BYTES, DataFlow, Scope, dumps
from .errors import RunError, StatesError
from .history import HISTORY_LIMIT_CAUSE, History
from .map import run_map
from .retry import Retries, catcher_for, caught

MAX_EXECUTION_SECONDS = 365 * 24 * 3600  # a Standard execution runs at most one year

# The result of one attempt of a state: (Next, output, assigned variables or None).
Step = tuple[str | None, Any, dict[str, Any] | None]


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
    # Where an unsuccessful execution stopped, for a redrive (:mod:`.redrive`): the state that did
    # not succeed, its input and the variables it saw, and inside a Parallel or Map state the
    # branches and iterations that succeeded; None when the execution succeeded.
    resume: dict[str, Any] | None = None
    redrive_count: int = 0  # $$.Execution.RedriveCount
    context: dict[str, Any] = field(default_factory=dict)  # the context object's Execution and StateMachine
    invocations: dict[str, int] = field(default_factory=dict)  # task invocations so far, per state
    input: Any = None


class _StepLimit(Exception):
    resume: dict[str, Any] | None = None  # where the execution stopped, for a redrive
    partial: dict[str, Any] | None = None


class _Timeout(Exception):
    resume: dict[str, Any] | None = None
    partial: dict[str, Any] | None = None


class _HistoryFull(Exception):
    """The next event would be the 25,000th and it does not end the execution successfully."""

    resume: dict[str, Any] | None = None
    partial: dict[str, Any] | None = None


class _DurationExceeded(Exception):
    """Virtual time would pass the one-year maximum duration of an execution."""

    resume: dict[str, Any] | None = None
    partial: dict[str, Any] | None = None


# What stops a state: its error, or the end of the execution; either records where it stopped.
_STOPS = (StatesError, _StepLimit, _Timeout, _HistoryFull, _DurationExceeded)


class _Branches:
    """The branches of one attempt of a Parallel state as they end (their outputs, or where a
    failed one stopped), and, in a redrive, what the previous attempt left of them."""

    __slots__ = ("branches", "previous", "ended", "next")

    def __init__(self, branches: list[Any], previous: Mapping[str, Any] | None) -> None:
        self.branches, self.previous = branches, previous or {}
        self.ended: dict[str, Any] = {}
        self.next = 0

    def claim(self, sm: Any) -> str | None:
        """The index (as a key) of branch ``sm`` when it is this Parallel's next branch."""
        if self.next < len(self.branches) and self.branches[self.next] is sm:
            self.next += 1
            return str(self.next - 1)
        return None


# Membership tests on the hot path, as sets.
_STATE_TYPES, _TASK_LIKE, _QUERY_LANGUAGES = frozenset(STATE_TYPES), frozenset(TASK_LIKE_TYPES), frozenset(QUERY_LANGUAGES)


def _next_of(st: Mapping[str, Any]) -> str | None:
    return None if st.get("End") else st.get("Next")


class _Runner:
    def __init__(self, definition: Mapping[str, Any], input_: Any, binder: TaskBinder | None,
                 context: Mapping[str, Any] | None, clock: VirtualClock, max_steps: int, seed: int) -> None:
        self.definition = definition
        self.binder = binder
        self.clock = clock
        self.max_steps = max_steps
        self.steps = 0
        self.rng = random.Random(seed)
        self.flow = DataFlow(self.rng)
        self.history = History(clock, _HistoryFull)
        self.invocations: dict[str, int] = {}
        self._last_obj: Any = object()
        self._last_text = ""
        self.top_ql = definition.get("QueryLanguage", JSONPATH)
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
        self._pending: tuple[str, dict[str, Any]] | None = None  # a redrive's resume point, until its state takes it
        self._parallels: list[_Branches] = []

    def take_resume(self, name: str) -> dict[str, Any] | None:
        """In a redrive, what the previous attempt left of state ``name`` (the state it resumes
        at), once: a Parallel's branches, a Map's iterations."""
        pending, self._pending = self._pending, None
        return pending[1] if pending is not None and pending[0] == name else None

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

    # ------------------------------------------------------------------ machine loop

    def run_machine(self, sm: Mapping[str, Any], input_: Any, scope: Scope, ql_default: str,
                    where: str, resume: Mapping[str, Any] | None = None) -> Any:
        """Run a scope's states from StartAt (or, in a redrive, from ``resume``'s state with the
        input and variables it had) and return its output. When it stops, the error carries
        ``resume``: where it stopped, for the next redrive."""
        states = sm.get("States")
        start = sm.get("StartAt")
        if not isinstance(states, dict) or not states:
            raise RunError(f"{where}: 'States' must be a non-empty object")
        if start not in states:
            raise RunError(f"{where}: StartAt {start!r} is not a state")
        parallel = self._parallels[-1] if self._parallels else None
        branch = parallel.claim(sm) if parallel is not None else None
        if branch is not None:
            before = parallel.previous.get(branch)  # type: ignore[union-attr]
            if before is not None and "output" in before:  # it succeeded: not run again
                parallel.ended[branch] = before  # type: ignore[union-attr]
                return before["output"]
            if before is not None:
                resume = before.get("resume")
        name: str | None = start
        data = input_
        if resume is not None:
            name, data = resume["state"], resume.get("input")
            if name not in states:
                raise RunError(f"{where}: the redriven state {name!r} is not a state")
            scope.vars.clear()
            scope.vars.update(resume.get("variables") or {})
            self._pending = (name, dict(resume))
        try:
            while name is not None:
                st = states.get(name)
                if not isinstance(st, dict):
                    raise RunError(f"{where}: transition to unknown state {name!r}")
                try:
                    self.steps += 1
                    if self.steps > self.max_steps:
                        raise _StepLimit(name)
                    if self.timeout is not None and self.clock.elapsed > self.timeout:
                        raise _Timeout(name)
                    nxt, data = self.run_state(name, st, data, scope, ql_default)
                except _STOPS as err:
                    here: dict[str, Any] = {"state": name, "input": data, "variables": dict(scope.vars)}
                    here.update(getattr(err, "partial", None) or {})
                    err.resume, err.partial = here, None  # type: ignore[union-attr]
                    raise
                finally:
                    self._pending = None
                name = nxt
        except _STOPS as err:
            if branch is not None:
                parallel.ended[branch] = {"resume": err.resume}  # type: ignore[union-attr]
            raise
        if branch is not None:
            parallel.ended[branch] = {"output": data}  # type: ignore[union-attr]
        return data

    def run_state(self, name: str, st: dict[str, Any], raw_input: Any, scope: Scope,
                  ql_default: str) -> tuple[str | None, Any]:
        typ = st.get("Type")
        if typ not in _STATE_TYPES:
            raise RunError(f"state {name!r}: unknown Type {typ!r}")
        ql = st.get("QueryLanguage", ql_default)
        if ql not in _QUERY_LANGUAGES:
            raise RunError(f"state {name!r}: unknown QueryLanguage {ql!r}")
        history = self.history
        t0 = self.clock.elapsed
        entered_at = self.clock.iso_now()
        # A state's input is usually the previous state's output object: reuse its serialisation.
        history.visited.append(name)
        history.record(f"{typ}StateEntered", "stateEnteredEventDetails", {
            "name": name, "input": self._last_text if raw_input is self._last_obj else dumps(raw_input),
            "inputDetails": {"truncated": False}})
        if typ == "Fail":
            history.trace.append((name, typ, t0, self.clock.elapsed))
            try:
                self.do_fail(name, st, raw_input, scope, ql, entered_at)
            except StatesError as err:
                history.evaluation_failed(name, err)
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
            history.evaluation_failed(name, err)
            raise
        if nxt is None and typ not in ("Succeed", "Choice") and not st.get("End"):
            raise RunError(f"state {name!r}: needs 'Next' or 'End': true")
        if assigned:
            scope.vars.update(assigned)
        size_check = dumps(output)
        if len(size_check) > MAX_PAYLOAD_BYTES and len(size_check.encode()) > MAX_PAYLOAD_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit.",
            )
        details: dict[str, Any] = {"name": name, "output": size_check, "outputDetails": {"truncated": False}}
        if assigned is not None:
            details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        history.record(f"{typ}StateExited", "stateExitedEventDetails", details)
        self._last_obj, self._last_text = output, size_check
        history.trace.append((name, typ, t0, self.clock.elapsed))
        return nxt, output

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

    # ------------------------------------------------------------------ simple states

    def do_pass(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                ctx: dict[str, Any]) -> Step:
        flow = self.flow
        if ql == JSONATA:
            b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
            assigned = flow.assign(name, st, ql, raw, ctx, scope, b)
            output = flow.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return _next_of(st), output, assigned
        effective = flow.path_field(st, "InputPath", raw, ctx, scope, name)
        if "Parameters" in st:
            effective = flow.template(st["Parameters"], effective, ctx, scope, "Parameters", name)
        # Pass: "Result" (a fixed value) wins over the (Parameters-shaped) input.
        result = st["Result"] if "Result" in st else effective
        assigned = flow.assign(name, st, ql, result, ctx, scope, None)
        output = flow.apply_result_path(st, raw, result, name)
        output = flow.path_field(st, "OutputPath", output, ctx, scope, name)
        return _next_of(st), output, assigned

    def do_succeed(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                   ctx: dict[str, Any]) -> Step:
        flow = self.flow
        if ql == JSONATA:
            b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
            return None, (flow.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw), None
        out = flow.path_field(st, "InputPath", raw, ctx, scope, name)
        out = flow.path_field(st, "OutputPath", out, ctx, scope, name)
        return None, out, None

    def do_fail(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str, entered_at: str) -> None:
        flow = self.flow
        ctx = self.state_context(name, entered_at, None)
        error, cause = st.get("Error"), st.get("Cause")
        if ql == JSONATA:
            b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
            error = flow.ja_value(error, b, "Error", name) if error is not None else None
            cause = flow.ja_value(cause, b, "Cause", name) if cause is not None else None
        else:
            if "ErrorPath" in st:
                error = flow.value_expr(st["ErrorPath"], raw, ctx, scope, "ErrorPath", name)
            if "CausePath" in st:
                cause = flow.value_expr(st["CausePath"], raw, ctx, scope, "CausePath", name)
        for label, v in (("Error", error), ("Cause", cause)):
            if v is not None and not isinstance(v, str):
                raise StatesError("States.Runtime", f"An error occurred while executing the state '{name}'. "
                                  f"The {label} field must resolve to a string, got {dumps(v)}")
        raise StatesError(error, cause)

    def do_choice(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                  ctx: dict[str, Any]) -> Step:
        flow = self.flow
        choices = st.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise RunError(f"state {name!r}: Choice needs a non-empty 'Choices' list")
        if ql == JSONATA:
            b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
            for i, rule in enumerate(choices):
                cond = rule.get("Condition")
                if cond is None:
                    raise RunError(f"state {name!r}: JSONata choice rule #{i} needs 'Condition'")
                val = flow.ja_value(cond, b, "Condition", name)
                if not isinstance(val, bool):
                    raise StatesError("States.QueryEvaluationError",
                                      f"An error occurred while executing the state '{name}'. The Condition must "
                                      f"evaluate to a boolean, got {dumps(val)}")
                if val:
                    assigned = flow.assign(name, rule, ql, raw, ctx, scope, b)
                    out = flow.ja_value(rule["Output"], b, "Output", name) if "Output" in rule else raw
                    return rule["Next"], out, assigned
            if "Default" not in st:
                raise StatesError("States.NoChoiceMatched", f"No Matches! in state '{name}'")
            assigned = flow.assign(name, st, ql, raw, ctx, scope, b)
            out = flow.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return st["Default"], out, assigned
        effective = flow.path_field(st, "InputPath", raw, ctx, scope, name)

        def resolve(p: str) -> Any:
            if not isinstance(p, str):
                raise RunError(f"state {name!r}: choice path must be a string, got {p!r}")
            return flow.resolve(p, effective, ctx, scope, "Variable", name)

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
        assigned = flow.assign(name, holder, ql, effective, ctx, scope, None)
        out = flow.path_field(st, "OutputPath", effective, ctx, scope, name)
        return nxt, out, assigned

    def do_wait(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                ctx: dict[str, Any]) -> Step:
        flow = self.flow
        prefix = f"An error occurred while executing the state '{name}'."
        if ql == JSONATA:
            b = flow.jsonata_bindings({"input": raw, "context": ctx}, scope)
            if "Seconds" in st:
                secs = flow.ja_value(st["Seconds"], b, "Seconds", name)
                if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not float(secs).is_integer() or secs < 0:
                    raise StatesError("States.QueryEvaluationError",
                                      f"{prefix} The Seconds field must be a non-negative integer, got {dumps(secs)}")
                self.sleep(secs, name)
            elif "Timestamp" in st:
                ts = flow.ja_value(st["Timestamp"], b, "Timestamp", name)
                when = parse_timestamp(ts)
                if when is None:
                    raise StatesError("States.QueryEvaluationError", f"{prefix} The Timestamp field cannot be parsed "
                                      f"as an ISO-8601 extended offset date-time format string: {ts}")
                self.sleep_until(when, name)
            assigned = flow.assign(name, st, ql, raw, ctx, scope, b)
            out = flow.ja_value(st["Output"], b, "Output", name) if "Output" in st else raw
            return _next_of(st), out, assigned
        effective = flow.path_field(st, "InputPath", raw, ctx, scope, name)
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
            secs = flow.resolve(p, effective, ctx, scope, "SecondsPath", name)
            if isinstance(secs, bool) or not isinstance(secs, (int, float)) or (isinstance(secs, float) and not secs.is_integer()):
                raise StatesError("States.Runtime", f"{prefix} The SecondsPath parameter cannot be parsed as a long value: {p} == {dumps(secs)}")
            if secs < 0:
                raise StatesError("States.Runtime", f"{prefix} The SecondsPath parameter references a negative value: {p} == {dumps(secs)}")
            self.sleep(secs, name)
        elif "TimestampPath" in st:
            p = st["TimestampPath"]
            ts = flow.resolve(p, effective, ctx, scope, "TimestampPath", name)
            when = parse_timestamp(ts)
            if when is None:
                raise StatesError("States.Runtime", f"{prefix} The TimestampPath parameter does not reference a valid "
                                  f"ISO-8601 extended offset date-time format string: {p} == {ts}")
            self.sleep_until(when, name)
        else:
            raise RunError(f"state {name!r}: Wait needs Seconds, Timestamp, SecondsPath or TimestampPath")
        assigned = flow.assign(name, st, ql, effective, ctx, scope, None)
        out = flow.path_field(st, "OutputPath", effective, ctx, scope, name)
        return _next_of(st), out, assigned

    # ------------------------------------------------------------------ Task, Parallel and Map: attempts

    def run_with_retry(self, name: str, typ: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                       entered_at: str) -> Step:
        """Attempts of a Task, Parallel or Map state until one succeeds, its retriers give up
        (then a matching catcher takes the error, or the error propagates)."""
        attempt = _ATTEMPTS[typ]
        retries = Retries(st.get("Retry") or [])
        while True:
            ctx = self.state_context(name, entered_at, retries.count)
            try:
                output, assigned = attempt(self, name, st, raw, scope, ql, ctx, retries.count)
                return _next_of(st), output, assigned
            except StatesError as err:
                self.history.evaluation_failed(name, err)
                delay = retries.delay(err, self.rng)
                if delay is not None:
                    self.sleep(delay, name)
                    retries.count += 1
                    continue
                if typ == "Map":
                    self.history.record("MapStateFailed")
                catcher = catcher_for(st, err)
                if catcher is None:
                    raise
                return caught(self.flow, name, catcher, raw, err, scope, ql, ctx)

    def do_task(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str, ctx: dict[str, Any],
                retry_count: int) -> tuple[Any, dict[str, Any] | None]:
        flow, history = self.flow, self.history
        resource = st.get("Resource")
        if not isinstance(resource, str):
            raise RunError(f"state {name!r}: Task needs a 'Resource' string")
        if resource.endswith(".waitForTaskToken"):
            # $$.Task.Token exists only for the callback pattern; deterministic so runs are reproducible.
            seq = self.invocations.get(name, 0)
            ctx = {**ctx, "Task": {"Token": f"flowdsl-token-{name}-{seq}-{retry_count}"}}
        payload, effective, b = flow.arguments(name, st, raw, scope, ql, ctx)
        if b is not None:
            timeout = flow.ja_value(st.get("TimeoutSeconds"), b, "TimeoutSeconds", name)
        else:
            timeout = st.get("TimeoutSeconds")
            if "TimeoutSecondsPath" in st:
                timeout = flow.resolve(st["TimeoutSecondsPath"], effective, ctx, scope, "TimeoutSecondsPath", name)
        if self.binder is None:
            raise StatesError("States.Runtime", unbound_message(name, resource))
        inv = self.invocations.get(name, 0)
        self.invocations[name] = inv + 1
        arn = parse_states_arn(resource)
        sched = history.record("TaskScheduled", "taskScheduledEventDetails", {
            "resource": resource.rsplit(":", 1)[-1] if arn else resource,
            "resourceType": arn.service if arn else "lambda",
            "region": "us-east-1", "parameters": dumps(payload),
            **({"timeoutInSeconds": timeout} if timeout is not None else {})})
        history.record("TaskStarted", "taskStartedEventDetails", {"resource": resource}, prev=sched)
        call = TaskCall(name, resource, payload, retry_count, inv, ctx,
                        float(timeout) if isinstance(timeout, (int, float)) else None, st)
        try:
            result = self.binder.invoke(call)
        except StatesError as err:
            history.failed("TaskFailed", "taskFailedEventDetails", err, resource=resource)
            raise
        history.record("TaskSucceeded", "taskSucceededEventDetails",
                       {"resource": resource, "output": dumps(result), "outputDetails": {"truncated": False}})
        return flow.result(name, st, raw, result, scope, ql, ctx)

    def do_parallel(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                    ctx: dict[str, Any], retry_count: int) -> tuple[Any, dict[str, Any] | None]:
        branches = st.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise RunError(f"state {name!r}: Parallel needs a non-empty 'Branches' list")
        branch_input, _, _ = self.flow.arguments(name, st, raw, scope, ql, ctx)
        # AWS records no ParallelStateSucceeded event: ParallelStateExited follows directly.
        self.history.record("ParallelStateStarted")
        results = []
        # The results' JSON size as they arrive ("[]", the items, a "," between): past AWS's payload limit the
        # state fails then, not once thousands of branches have built a result it cannot return.
        size = 2
        # Values are never mutated in place (paths and templates build new objects), so every branch
        # can share the same input object.
        for i, br in enumerate(branches):
            try:
                out = self.run_machine(br, branch_input, Scope(dict(scope.vars)), ql, f"state {name!r} branch {i}")
                # a branch's output is its last state's, whose text the state's exit has made
                size += len(self._last_text if out is self._last_obj else dumps(out)) + (1 if i else 0)
                if size > MAX_PAYLOAD_BYTES:
                    raise StatesError(
                        "States.DataLimitExceeded",
                        f"The state/task '{name}' returned a result with a size exceeding the maximum number "
                        "of bytes service limit.")
                results.append(out)
            except StatesError as err:
                self.history.failed("ParallelStateFailed", "parallelStateFailedEventDetails", err)
                raise
        return self.flow.result(name, st, raw, results, scope, ql, ctx)

    def parallel_attempt(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
                         ctx: dict[str, Any], retry_count: int) -> tuple[Any, dict[str, Any] | None]:
        """One attempt of a Parallel state (:meth:`do_parallel`), noting how each branch ended;
        in a redrive, the branches that succeeded before are not run again."""
        previous = self.take_resume(name)
        branches = st.get("Branches")
        frame = _Branches(branches if isinstance(branches, list) else [], (previous or {}).get("branches"))
        self._parallels.append(frame)
        try:
            return self.do_parallel(name, st, raw, scope, ql, ctx, retry_count)
        except _STOPS as err:
            err.partial = {"branches": dict(frame.ended)}  # type: ignore[union-attr]
            raise
        finally:
            self._parallels.pop()

    def do_map(self, name: str, st: dict[str, Any], raw: Any, scope: Scope, ql: str,
               ctx: dict[str, Any], retry_count: int) -> tuple[Any, dict[str, Any] | None]:
        return run_map(self, name, st, raw, scope, ql, ctx, retry_count)


# One attempt of each state type that may Retry and Catch.
_ATTEMPTS: dict[str, Callable[..., tuple[Any, dict[str, Any] | None]]] = {
    "Task": _Runner.do_task, "Parallel": _Runner.parallel_attempt, "Map": _Runner.do_map}


def _ended(result: Execution, history: History, status: str, error: str, cause: str, event: str,
           details_key: str) -> None:
    """End the execution other than by a state's error: timed out, aborted, history full."""
    result.status, result.error, result.cause = status, error, cause
    history.record(event, details_key, {"error": error, "cause": cause})


def _check_mocks(definition: Mapping[str, Any], binder: TaskBinder | None) -> None:
    """A Task binding (a mock) on a state that is not a Task state is an error naming it."""
    bound = getattr(binder, "_handlers", None)
    if not bound:
        return
    for _, name, body in walk_states(definition):
        typ = body.get("Type") if isinstance(body, Mapping) else None
        if name in bound and typ != "Task" and isinstance(typ, str):
            raise RunError(not_mockable_message(name, typ))


def execute(definition: Mapping[str, Any], input: Any = None, *, tasks: TaskBinder | None = None,
            context: Mapping[str, Any] | None = None, clock: VirtualClock | None = None,
            max_steps: int = 100_000, seed: int = 0, redrive: Any = None) -> Execution:
    """Run ``definition`` (an ASL document) on ``input`` and return the :class:`Execution`.

    ASL errors end the execution as FAILED (never a Python exception); a malformed definition
    raises :class:`RunError`. ``redrive`` (a :class:`flowdsl.run.redrive.Previous`, checked by
    :func:`flowdsl.run.redrive.redrive`) continues that unsuccessful execution instead: its
    history, context and input, from the state that did not succeed.
    """
    if not isinstance(definition, Mapping) or "States" not in definition or "StartAt" not in definition:
        raise RunError("definition must be an object with 'StartAt' and 'States'")
    _check_mocks(definition, tasks)
    if redrive is not None:
        input = redrive.input
    if input is None:
        input = {}
    size = len(dumps(input).encode("utf-8", "surrogatepass"))
    if size > MAX_PAYLOAD_BYTES:
        raise RunError(f"the execution input is {size:,} bytes; Step Functions accepts at most "
                       f"{MAX_PAYLOAD_BYTES:,} (256 KiB)")
    clk = clock or VirtualClock()
    redrive_count = 0
    if redrive is not None:
        redrive_count = redrive.redrive_count + 1
        ctx_in = {k: dict(v) if isinstance(v, Mapping) else v for k, v in (redrive.context or {}).items()}
        for k, v in (context or {}).items():
            if k not in ctx_in:
                ctx_in[k] = v
        ctx_in.setdefault("Execution", {}).update(RedriveCount=redrive_count, RedriveTime=iso(clk.now()))
        context = ctx_in
    runner = _Runner(definition, input, tasks, context, clk, max_steps, seed)
    history = runner.history
    scope = Scope({})
    if redrive is None:
        history.record("ExecutionStarted", "executionStartedEventDetails", {
            "input": dumps(input), "inputDetails": {"truncated": False},
            "roleArn": runner.base_context["Execution"]["RoleArn"]})
    else:
        # A redriven execution is the same execution: its history goes on after ExecutionRedriven.
        history.events.extend(redrive.history)
        history.record("ExecutionRedriven", "executionRedrivenEventDetails", {"redriveCount": redrive_count})
        runner.invocations.update(redrive.invocations)
    result = Execution(status="RUNNING", visited=history.visited, history=history.events, trace=history.trace,
                       variables=scope.vars, redrive_count=redrive_count, context=runner.base_context,
                       invocations=runner.invocations, input=input)

    try:
        out = runner.run_machine(definition, input, scope, runner.top_ql, "state machine",
                                 redrive.resume if redrive is not None else None)
    except StatesError as err:
        result.status, result.error, result.cause = "FAILED", err.error, err.cause
        result.resume = getattr(err, "resume", None)
        history.failed("ExecutionFailed", "executionFailedEventDetails", err)
    except _Timeout as exc:
        result.resume = exc.resume
        _ended(result, history, "TIMED_OUT", "States.Timeout",
              f"The execution exceeded TimeoutSeconds={runner.timeout} before state {exc.args[0]!r}",
              "ExecutionTimedOut", "executionTimedOutEventDetails")
    except _HistoryFull as exc:
        result.resume = exc.resume
        _ended(result, history, "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE, "ExecutionFailed", "executionFailedEventDetails")
    except _DurationExceeded as exc:
        result.resume = exc.resume
        _ended(result, history, "TIMED_OUT", "States.Timeout",
              f"The execution would run past the maximum execution duration of one year "
              f"({MAX_EXECUTION_SECONDS} s) while in state {exc.args[0]!r}",
              "ExecutionTimedOut", "executionTimedOutEventDetails")
    except _StepLimit as exc:
        result.resume = exc.resume
        _ended(result, history, "ABORTED", "flowdsl.MaxStepsExceeded",
              f"max_steps={max_steps} exceeded when entering state {exc.args[0]!r}",
              "ExecutionAborted", "executionAbortedEventDetails")
    except RecursionError:
        raise RunError("definition nests too deeply") from None
    else:
        if runner.timeout is not None and clk.elapsed > runner.timeout:
            result.status, result.error = "TIMED_OUT", "States.Timeout"
            history.record("ExecutionTimedOut", "executionTimedOutEventDetails", {"error": result.error})
        else:
            result.status, result.output = "SUCCEEDED", out
            history.record("ExecutionSucceeded", "executionSucceededEventDetails",
                           {"output": dumps(out), "outputDetails": {"truncated": False}})
    return result
