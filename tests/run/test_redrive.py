"""Redriving an unsuccessful local execution (flowdsl.run.redrive), by the rules of the
RedriveExecution API reference, the developer guide's "Redriving Map Runs" and the context
object page. No recorded redrive history exists in the conformance corpus; the context object of
a never-redriven execution is taken from a recorded one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pytest

from flowdsl.run import StatesError, TaskBinder, execute
from flowdsl.run.redrive import (NotRedrivable, Previous, definition_sha256, previous_of, read_record, redrive,
                                 write_record)
from flowdsl.run.trace import format_trace

from ._conformance import load_cases

L = "arn:aws:states:::lambda:invoke"


def task(nxt: str | None = None, **more: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Type": "Task", "Resource": L, **more}
    st.update({"Next": nxt} if nxt else {"End": True})
    return st


class World:
    """Every Task state's handler: records (state, payload, context) and fails the states in ``broken``."""

    def __init__(self, *broken: str) -> None:
        self.broken = set(broken)
        self.calls: list[tuple[str, Any]] = []
        self.contexts: list[dict[str, Any]] = []

    def __call__(self, call: Any) -> Any:
        self.calls.append((call.state_name, call.payload))
        self.contexts.append(dict(call.context))
        key = f"{call.state_name}:{json.dumps(call.payload, sort_keys=True)}"
        if call.state_name in self.broken or key in self.broken:
            raise StatesError("Boom", f"{call.state_name} broke")
        return {"done": call.state_name, "got": call.payload}

    @property
    def binder(self) -> TaskBinder:
        return TaskBinder(fallback=self)

    def fix(self, *still_broken: str) -> None:
        self.broken, self.calls, self.contexts = set(still_broken), [], []


def run_then_redrive(definition: dict[str, Any], input_: Any, world: World,
                     fix: Callable[[], None] | None = None) -> tuple[Any, Any]:
    first = execute(definition, input_, tasks=world.binder)
    assert first.status == "FAILED", first
    (fix or world.fix)()
    return first, redrive(previous_of(first, definition), definition, tasks=world.binder)


def types(history: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in history]


# ---------------------------------------------------------------------- a sequence of states

SEQUENCE = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Result": {"n": 2}, "ResultPath": "$.prepared", "Next": "Charge"},
    "Charge": task("Ship", Parameters={"order.$": "$.order", "n.$": "$.prepared.n"}, ResultPath="$.charge"),
    "Ship": task(Parameters={"order.$": "$.order", "count.$": "$$.Execution.RedriveCount"}),
}}


def test_the_redrive_starts_at_the_failed_state_with_its_input_and_does_not_rerun_what_succeeded() -> None:
    world = World("Ship")
    first, again = run_then_redrive(SEQUENCE, {"order": 7}, world)
    assert first.visited == ["Prepare", "Charge", "Ship"]
    assert again.status == "SUCCEEDED"
    assert again.visited == ["Ship"]  # Prepare and Charge succeeded: not run again
    assert world.calls == [("Ship", {"order": 7, "count": 1})]
    entered = [e["stateEnteredEventDetails"] for e in again.history if e["type"] == "TaskStateEntered"
               and e["stateEnteredEventDetails"]["name"] == "Ship"]
    assert len(entered) == 2 and entered[0]["input"] == entered[1]["input"]  # the same input, twice
    assert again.output["got"] == {"order": 7, "count": 1}


def test_the_history_goes_on_after_execution_redriven() -> None:
    world = World("Ship")
    first, again = run_then_redrive(SEQUENCE, {"order": 7}, world)
    n = len(first.history)
    assert again.history[:n] == first.history  # the same execution: its events are kept
    assert again.history[n] == {**again.history[n], "id": n + 1, "previousEventId": n, "type": "ExecutionRedriven",
                                "executionRedrivenEventDetails": {"redriveCount": 1}}
    assert types(again.history[n + 1:]) == ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                                            "TaskStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in again.history] == list(range(1, len(again.history) + 1))


RECORDED = "assign_test_assign_base__TestAssignBase_test_base_cases_BASE_PATHS___get_execution_history"


def test_the_context_object_counts_redrives_as_aws_records_it() -> None:
    # The recorded context object of an execution never redriven: $$.Execution has RedriveCount 0
    # and no RedriveTime ("RedriveTime is only available if you've redriven an execution").
    case = next(c for c in load_cases() if c["id"] == RECORDED)
    recorded = case["expected_events"][2]["stateExitedEventDetails"]["assignedVariables"]["str_contextpath_root"]
    machine = {"StartAt": "Look", "States": {
        "Look": {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "Next": "Work"}, "Work": task(Parameters={"ctx.$": "$$"})}}
    world = World("Work")
    first, again = run_then_redrive(machine, case["input"], world)
    seen_first = first.history[2]["stateExitedEventDetails"]["output"]
    execution = json.loads(seen_first)["ctx"]["Execution"]
    assert set(execution) == set(recorded["Execution"]) and execution["RedriveCount"] == 0
    redriven = world.contexts[0]["Execution"]
    assert set(redriven) == set(recorded["Execution"]) | {"RedriveTime"}
    assert redriven["RedriveCount"] == 1 and redriven["StartTime"] == execution["StartTime"]
    assert redriven["Id"] == execution["Id"] and redriven["Input"] == case["input"]


def test_retries_start_again_from_zero() -> None:
    machine = {"StartAt": "Flaky", "States": {
        "Flaky": task(Parameters={"retry.$": "$$.State.RetryCount"},
                      Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}])}}
    world = World("Flaky")
    first = execute(machine, {}, tasks=world.binder)
    assert [p["retry"] for _, p in world.calls] == [0, 1, 2]
    world.calls.clear()
    again = redrive(previous_of(first, machine), machine, tasks=world.binder)
    assert again.status == "FAILED"
    assert [p["retry"] for _, p in world.calls] == [0, 1, 2]  # the retrier has all its attempts again


def test_variables_assigned_before_the_failure_are_seen_by_the_redriven_state() -> None:
    machine = {"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"who": "ana"}, "Next": "Use"},
        "Use": task(Parameters={"who.$": "$who"})}}
    world = World("Use")
    _, again = run_then_redrive(machine, {}, world)
    assert world.calls == [("Use", {"who": "ana"})] and again.status == "SUCCEEDED"


def test_a_redrive_that_fails_again_can_be_redriven_again() -> None:
    world = World("Ship")
    first, second = run_then_redrive(SEQUENCE, {"order": 1}, world, fix=lambda: world.fix("Ship"))
    assert second.status == "FAILED" and second.redrive_count == 1
    world.fix()
    third = redrive(previous_of(second, SEQUENCE), SEQUENCE, tasks=world.binder)
    assert third.status == "SUCCEEDED" and third.redrive_count == 2
    assert [e["executionRedrivenEventDetails"] for e in third.history if e["type"] == "ExecutionRedriven"] == \
        [{"redriveCount": 1}, {"redriveCount": 2}]
    assert world.calls == [("Ship", {"order": 1, "count": 2})]


def test_a_fail_state_fails_again() -> None:
    machine = {"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Nope", "Cause": "always"}}}
    first = execute(machine, {})
    again = redrive(previous_of(first, machine), machine)
    assert (again.status, again.error, again.visited) == ("FAILED", "Nope", ["Stop"])


def test_timed_out_and_aborted_executions_are_redriven_where_they_stopped() -> None:
    waits = {"StartAt": "A", "TimeoutSeconds": 5, "States": {
        "A": task("Nap"), "Nap": {"Type": "Wait", "Seconds": 10, "Next": "B"}, "B": task()}}
    world = World()
    timed_out = execute(waits, {}, tasks=world.binder)
    assert timed_out.status == "TIMED_OUT" and timed_out.resume["state"] == "B"
    world.fix()
    again = redrive(previous_of(timed_out, waits), waits, tasks=world.binder)
    assert (again.status, again.visited, [s for s, _ in world.calls]) == ("SUCCEEDED", ["B"], ["B"])
    loop = {"StartAt": "A", "States": {"A": task("B"), "B": task()}}
    aborted = execute(loop, {}, tasks=World().binder, max_steps=1)
    assert aborted.status == "ABORTED"
    again = redrive(previous_of(aborted, loop), loop, tasks=World().binder)
    assert (again.status, again.visited) == ("SUCCEEDED", ["B"])


# ---------------------------------------------------------------------- Parallel and Map

def test_a_parallel_redrives_only_the_branches_that_did_not_succeed() -> None:
    machine = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Left", "States": {"Left": task()}},
        {"StartAt": "R1", "States": {"R1": task("R2"), "R2": task(Parameters={"from.$": "$.done"})}},
        {"StartAt": "Never", "States": {"Never": task()}},
    ]}}}
    world = World("R2")
    first, again = run_then_redrive(machine, {"x": 1}, world)
    assert first.visited == ["Both", "Left", "R1", "R2"]  # branches run in order: the third never started
    assert again.visited == ["Both", "R2", "Never"]
    assert world.calls == [("R2", {"from": "R1"}), ("Never", {"x": 1})]
    assert again.output == [{"done": "Left", "got": {"x": 1}}, {"done": "R2", "got": {"from": "R1"}},
                            {"done": "Never", "got": {"x": 1}}]


def inline_map(**more: Any) -> dict[str, Any]:
    proc: dict[str, Any] = {"StartAt": "Work", "States": {
        "Work": task("After", Parameters={"item.$": "$", "count.$": "$$.Execution.RedriveCount"}),
        "After": {"Type": "Pass", "End": True}}}
    if more:
        proc["ProcessorConfig"] = more
    return {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemProcessor": proc, "End": True}}}


def test_an_inline_map_redrives_only_the_failed_and_unstarted_iterations() -> None:
    machine = inline_map()
    world = World('Work:{"count": 0, "item": 2}')
    first, again = run_then_redrive(machine, [1, 2, 3], world)
    assert [p["item"] for s, p in world.calls] == [2, 3]  # item 1 succeeded: not run again
    assert again.status == "SUCCEEDED"
    assert [o["got"] for o in again.output] == [{"item": 1, "count": 0}, {"item": 2, "count": 1},
                                                 {"item": 3, "count": 1}]
    n = len(first.history)
    iterations = [e["mapIterationStartedEventDetails"]["index"] for e in again.history[n:]
                  if e["type"] == "MapIterationStarted"]
    assert iterations == [1, 2]


@pytest.mark.parametrize("execution_type", ["STANDARD", "EXPRESS"])
def test_a_distributed_map_redrives_its_map_run(execution_type: str) -> None:
    # redrive-map-run: the parent redrives the Map Run; Standard children are redriven, Express
    # ones started again (StartExecution), the children never started start.
    machine = inline_map(Mode="DISTRIBUTED", ExecutionType=execution_type)
    machine["States"]["Each"]["ItemProcessor"]["States"]["Work"]["Parameters"]["id.$"] = "$$.Execution.Id"
    world, broken = World(), [True]

    def failing(call: Any) -> Any:
        if call.payload["item"] == 2 and broken[0]:
            raise StatesError("Boom", "child 1 broke")
        return world(call)

    first = execute(machine, [1, 2, 3], tasks=TaskBinder(fallback=failing))
    assert first.status == "FAILED"
    run_arn = next(e for e in first.history if e["type"] == "MapRunStarted")["mapRunStartedEventDetails"]["mapRunArn"]
    child_1 = first.resume["map"]["iterations"]["1"]
    world.calls.clear()
    broken[0] = False
    again = redrive(previous_of(first, machine), machine, tasks=TaskBinder(fallback=failing))
    assert again.status == "SUCCEEDED"
    redriven = next(e for e in again.history if e["type"] == "MapRunRedriven")
    assert redriven["mapRunRedrivenEventDetails"] == {"mapRunArn": run_arn, "redriveCount": 1}
    assert "MapRunStarted" not in types(again.history[len(first.history):])
    (s1, p1), (s2, p2) = world.calls
    assert (p1["item"], p2["item"]) == (2, 3)  # child 0 succeeded: not run again
    if execution_type == "STANDARD":
        assert p1["id"] == child_1["execution_arn"] and p1["count"] == 1  # the same child, redriven
    else:
        assert p1["id"] != child_1["execution_arn"] and p1["count"] == 0  # a new Express child
    assert p2["count"] == 0  # never started before: started now


def test_a_map_run_is_redriven_at_most_1000_times() -> None:
    machine = inline_map(Mode="DISTRIBUTED", ExecutionType="STANDARD")
    first = execute(machine, [1], tasks=World("Work").binder)
    previous = previous_of(first, machine)
    previous.resume["map"]["redrive_count"] = 1000
    again = redrive(previous, machine, tasks=World().binder)
    assert (again.status, again.error) == ("FAILED", "States.Runtime")
    assert "has been redriven 1000 times" in again.cause


def test_the_trace_shows_the_redrive_and_the_iterations() -> None:
    world = World('Work:{"count": 0, "item": 2}')
    _, again = run_then_redrive(inline_map(), [1, 2], world)
    lines = [" ".join(line.split()[2:]) for line in format_trace(again).splitlines()[1:]]
    assert lines == [
        "Each Map failed: Boom: Work broke",
        "[0] ok", "Work Task ok", "After Pass ok",
        "[1] failed: Boom: Work broke", "Work Task failed: Boom: Work broke",
        "(redrive 1)",
        "Each Map ok",
        "[1] ok", "Work Task ok", "After Pass ok",
    ]


# ---------------------------------------------------------------------- what cannot be redriven

def failed_once() -> tuple[Previous, dict[str, Any]]:
    first = execute(SEQUENCE, {"order": 1}, tasks=World("Ship").binder)
    return previous_of(first, SEQUENCE, label="run.json"), SEQUENCE


def test_a_succeeded_execution_is_not_redrivable() -> None:
    done = execute(SEQUENCE, {"order": 1}, tasks=World().binder)
    with pytest.raises(NotRedrivable, match=r"^run\.json: ExecutionNotRedrivable: Execution is SUCCEEDED and "
                       r"cannot be redriven$"):
        redrive(previous_of(done, SEQUENCE, label="run.json"), SEQUENCE)


def test_an_express_execution_is_not_redrivable() -> None:
    previous, definition = failed_once()
    previous.type = "EXPRESS"
    with pytest.raises(NotRedrivable, match=r"^run\.json: ExecutionNotRedrivable: the state machine is EXPRESS; "
                       r"RedriveExecution redrives Standard executions only \(start a new execution instead\)$"):
        redrive(previous, definition)


def test_fourteen_days_after_it_ended_an_execution_is_not_redrivable() -> None:
    previous, definition = failed_once()
    assert previous.ended_at is not None
    redrive(previous, definition, tasks=World().binder, now=previous.ended_at + timedelta(days=13, hours=23))
    with pytest.raises(NotRedrivable, match=r"ExecutionNotRedrivable: Execution redrivable period exceeded "
                       r"\(it ended .*, more than 14 days ago\)$"):
        redrive(previous, definition, now=previous.ended_at + timedelta(days=14, seconds=1))


def test_a_history_of_24999_events_is_not_redrivable() -> None:
    previous, definition = failed_once()
    previous.history = previous.history + [dict(previous.history[-1]) for _ in range(24_999 - len(previous.history))]
    with pytest.raises(NotRedrivable, match=r"ExecutionNotRedrivable: Execution history event limit exceeded "
                       r"\(24,999 events; a redrive needs fewer than 24,999\)$"):
        redrive(previous, definition)


def test_a_changed_definition_is_refused() -> None:
    previous, definition = failed_once()
    changed = json.loads(json.dumps(definition))
    changed["States"]["Ship"]["Parameters"]["extra"] = 1
    with pytest.raises(NotRedrivable, match=r"^run\.json: the workflow's definition changed since this execution "
                       rf"ran \(SHA-256 {definition_sha256(definition)[:12]}\.\.\., now "
                       rf"{definition_sha256(changed)[:12]}\.\.\.\); Step Functions redrives an execution on the "
                       r"definition it started with: start a new execution$"):
        redrive(previous, changed)


# ---------------------------------------------------------------------- the record file

def test_a_record_round_trips_and_redrives_as_the_execution_does(tmp_path: Path) -> None:
    previous, definition = failed_once()
    write_record(tmp_path / "run.json", previous)
    read = read_record(tmp_path / "run.json")
    assert (read.status, read.resume, read.input, read.context) == \
        (previous.status, previous.resume, previous.input, previous.context)
    from_file = redrive(read, definition, tasks=World().binder)
    from_memory = redrive(previous, definition, tasks=World().binder)
    assert from_file.history == from_memory.history and from_file.output == from_memory.output


@pytest.mark.parametrize("content, message", [
    (None, "{path}: no such file (write one with flowdsl run ... --save {path})"),
    ("[1]", "{path}: not an execution record written by flowdsl run --save"),
    ('{"kind": "flowdsl execution", "version": 9}', "{path}: execution record version 9; this flowdsl reads version 1"),
    ('{"kind": "flowdsl execution", "version": 1}', "{path}: field 'stateMachine' is missing or not str"),
])
def test_a_bad_record_is_refused_naming_the_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(NotRedrivable) as info:
        read_record(path)
    assert str(info.value) == message.format(path=path)


def test_nested_parallel_and_map_redrive_only_the_branch_of_the_item_that_failed() -> None:
    pair = {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "States": {"X": task(Parameters={"i.$": "$", "b": "x"})}},
        {"StartAt": "Y", "States": {"Y": task(Parameters={"i.$": "$", "b": "y"})}}]}
    machine = {"StartAt": "Outer", "States": {"Outer": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": True,
                                                "ItemProcessor": {"StartAt": "Pair", "States": {"Pair": pair}}}}},
        {"StartAt": "Last", "States": {"Last": task()}}]}}}
    world = World('Y:{"b": "y", "i": 2}')
    first, again = run_then_redrive(machine, [1, 2, 3], world)
    assert again.status == "SUCCEEDED"
    assert world.calls == [("Y", {"i": 2, "b": "y"}), ("X", {"i": 3, "b": "x"}), ("Y", {"i": 3, "b": "y"}),
                           ("Last", [1, 2, 3])]
    assert [[pair[0]["got"]["i"], pair[1]["got"]["b"]] for pair in again.output[0]] == [[1, "y"], [2, "y"], [3, "y"]]
