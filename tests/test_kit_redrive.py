"""flowdsl.testing.redrive, and the kit's messages: what a binding accepts, a handler's error
message in the trace, each Map iteration's index, a mock on a state that calls no task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from flowdsl import LambdaTask, Map, Pass, Workflow
from flowdsl.deployments import OnDemandJob
from flowdsl.run import RunError
from flowdsl.run.config import RunConfig, RunConfigError
from flowdsl.run.redrive import NotRedrivable
from flowdsl.run.trace import format_trace
from flowdsl.testing import redrive, run, throw

L = "arn:aws:states:::lambda:invoke"


def rows(result: Any) -> list[str]:
    """The trace's rows without their times, spaces collapsed."""
    return [" ".join(line.split()[2:]) for line in format_trace(result.execution).splitlines()[1:]]


MACHINE = {"StartAt": "Charge", "States": {
    "Charge": {"Type": "Task", "Resource": L, "Next": "Ship"},
    "Ship": {"Type": "Task", "Resource": L, "Parameters": {"count.$": "$$.Execution.RedriveCount"}, "End": True},
}}


def test_redrive_reruns_the_failed_task_and_a_list_mock_goes_on() -> None:
    result = run(MACHINE, {"id": 1}, mocks={"Charge": {"ok": 1}, "Ship": [throw("Courier.Down", "later"), {"sent": 1}]})
    result.assert_failed("Courier.Down")
    again = redrive(result).assert_succeeded()
    assert again.visited == ["Ship"] and again.output == {"sent": 1}
    assert [(c.state, c.invocation, c.payload) for c in again.calls] == [("Ship", 1, {"count": 1})]
    assert again.redrive_count == 1 and result.redrive_count == 0
    assert rows(again) == ["Charge Task ok", "Ship Task failed: Courier.Down: later", "(redrive 1)", "Ship Task ok"]


def test_redrive_takes_new_mocks_for_the_states_it_names() -> None:
    result = run(MACHINE, mocks={"Charge": {"ok": 1}, "Ship": throw("Courier.Down")})
    again = redrive(result, mocks={"Ship": {"sent": 2}}).assert_succeeded()
    assert again.output == {"sent": 2}
    with pytest.raises(RunConfigError, match=r"^mocks name 'Shop', which the state machine does not have "
                       r"\(did you mean 'Ship'\?\)$"):
        redrive(result, mocks={"Shop": {}})


def test_redrive_refuses_a_succeeded_execution_and_one_ended_14_days_ago() -> None:
    done = run(MACHINE, mocks={"Charge": {}, "Ship": {}}).assert_succeeded()
    with pytest.raises(NotRedrivable, match=r"^execution of 'StateMachine': ExecutionNotRedrivable: Execution is "
                       r"SUCCEEDED and cannot be redriven$"):
        redrive(done)
    failed = run(MACHINE, mocks={"Charge": {}, "Ship": throw("X")})
    with pytest.raises(NotRedrivable, match="Execution redrivable period exceeded"):
        redrive(failed, now=failed.ended_at + timedelta(days=15))


def test_redrive_refuses_an_express_workflow() -> None:
    wf = Workflow("quick", states=[LambdaTask("Call", function="f")],
                  deployment=OnDemandJob("quick", type="EXPRESS"))
    failed = run(wf, mocks={"Call": throw("X")})
    with pytest.raises(NotRedrivable, match=r"^execution of 'quick': ExecutionNotRedrivable: the state machine is "
                       r"EXPRESS; RedriveExecution redrives Standard executions only"):
        redrive(failed)


# ---------------------------------------------------------------------- messages

def test_a_binding_that_fits_nothing_says_what_is_accepted() -> None:
    wf = Workflow("wf", states=[LambdaTask("Transform", function="f")])
    with pytest.raises(RunConfigError) as info:
        run(wf, config=RunConfig(tasks={"Transform": {"Payload": {"rows": 3}}}))
    assert str(info.value) == (
        "cannot bind state 'Transform' to {'Payload': {'rows': 3}}: a Task binding is an object with invoke(call) "
        "(MockedTask, LocalLambda, LocalBatch or your own), a function of the task's payload (run like a Lambda "
        "handler), or a 'module:function' string; a fixed result is a mock: MockedTask.from_config('Transform', "
        "{'0': {'Return': ...}}), or mocks= in flowdsl.testing.run")


def test_a_handler_error_shows_its_type_and_message() -> None:
    def transform(payload: Any) -> Any:
        return payload["missing"]

    result = run(MACHINE, mocks={"Charge": transform, "Ship": {}}).assert_failed("KeyError")
    assert result.cause == "KeyError: 'missing'"
    assert rows(result) == ["Charge Task failed: KeyError: 'missing'"]
    flaky = {"Type": "Task", "Resource": L, "Retry": [{"ErrorEquals": ["ValueError"], "MaxAttempts": 1}]}

    def once(payload: Any, seen: list[int] = []) -> Any:
        seen.append(1)
        if len(seen) == 1:
            raise ValueError("not yet")
        return {}

    retried = run({"StartAt": "Charge", "States": {"Charge": {**flaky, "End": True}}}, mocks={"Charge": once})
    assert "attempt 1 failed: ValueError: not yet; retried after 1s" in format_trace(retried.execution)


def test_map_iterations_show_their_index() -> None:
    wf = Workflow("wf", states=[Map("Each", processor=[LambdaTask("Work", function="f"), Pass("Then")])])

    def work(payload: Any) -> Any:
        if payload["Payload"] == "b":
            raise RuntimeError("no b")
        return {}

    result = run(wf, ["a", "b"], mocks={"Work": work})
    assert rows(result) == ["Each Map failed: RuntimeError: no b",
                            "[0] ok", "Work Task ok", "Then Pass ok",
                            "[1] failed: RuntimeError: no b", "Work Task failed: RuntimeError: no b"]


@pytest.mark.parametrize("name, body, why", [
    ("Each", {"Type": "Map", "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}},
              "End": True}, "Map state, which runs its ItemProcessor and calls no task; mock the Task states "
                            "inside it instead"),
    ("Both", {"Type": "Parallel", "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}}],
              "End": True}, "Parallel state, which runs its branches and calls no task; mock the Task states "
                            "inside them instead"),
    ("Step", {"Type": "Pass", "End": True}, "Pass state, which passes on its input (or its Result) and calls no task"),
    ("Pick", {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Done"}],
              "Default": "Done"}, "Choice state, which picks the next state from its input and calls no task"),
    ("Nap", {"Type": "Wait", "Seconds": 1, "End": True}, "Wait state, which waits and calls no task"),
    ("Done", {"Type": "Succeed"}, "Succeed state, which ends its execution (or branch) successfully and calls no "
                                  "task"),
    ("Stop", {"Type": "Fail", "Error": "E"}, "Fail state, which fails with its Error and Cause and calls no task"),
])
def test_a_mock_on_a_state_that_calls_no_task_is_refused(name: str, body: dict[str, Any], why: str) -> None:
    states = {name: body}
    if name == "Pick":
        states["Done"] = {"Type": "Succeed"}
    with pytest.raises(RunError) as info:
        run({"StartAt": name, "States": states}, mocks={name: {"x": 1}})
    assert str(info.value) == f"cannot mock state {name!r}: it is a {why}"


def test_a_redriven_map_run_writes_every_child_once_under_the_same_map_run() -> None:
    import json

    definition = {"StartAt": "Rows", "States": {"Rows": {
        "Type": "Map", "End": True,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "in", "Key": "people.csv"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Greet", "States": {"Greet": {"Type": "Task", "Resource": L, "End": True}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "r"}},
    }}}
    down = [True]

    def greet(payload: Any) -> Any:
        if payload["name"] == "alan" and down[0]:
            raise RuntimeError("alan is away")
        return {"hi": payload["name"]}

    result = run(definition, s3={"in/people.csv": "name\nada\nalan\n"}, mocks={"Greet": greet})
    result.assert_failed("RuntimeError")
    down[0] = False
    again = redrive(result).assert_succeeded()
    assert [c.payload["name"] for c in again.calls] == ["alan"]  # ada's child succeeded: not run again
    manifest = json.loads(again.s3.get("out", again.output["ResultWriterDetails"]["Key"]))
    assert manifest["MapRunArn"] == again.output["MapRunArn"]
    [succeeded] = manifest["ResultFiles"]["SUCCEEDED"]
    rows = json.loads(again.s3.get("out", succeeded["Key"]))
    assert sorted(json.loads(r["Output"])["hi"] for r in rows) == ["ada", "alan"]
    started = [e for e in result.history if e["type"] == "MapRunStarted"]
    assert started[0]["mapRunStartedEventDetails"]["mapRunArn"] == again.output["MapRunArn"]
