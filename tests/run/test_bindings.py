from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from flowdsl.run import LocalBatch, LocalLambda, RunError, TaskBinder, execute, load_mock_config

LAMBDA = "arn:aws:states:::lambda:invoke"
BATCH = "arn:aws:states:::batch:submitJob.sync"

MOCK_CONFIG: dict[str, Any] = {
    "StateMachines": {
        "Flow": {"TestCases": {
            "HappyPath": {"Fetch": "FetchOK"},
            "RetryPath": {"Fetch": "FetchFlaky"},
            "Broken": {"Fetch": "NoSuchResponse"},
        }}
    },
    "MockedResponses": {
        "FetchOK": {"0": {"Return": {"StatusCode": 200, "Payload": {"n": 1}}}},
        "FetchFlaky": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "boom"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"n": 2}}},
        },
    },
}

FLOW: dict[str, Any] = {
    "StartAt": "Fetch",
    "States": {"Fetch": {
        "Type": "Task", "Resource": LAMBDA, "Parameters": {"Payload.$": "$"},
        "ResultSelector": {"n.$": "$.Payload.n"},
        "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
        "End": True,
    }},
}


@pytest.mark.parametrize(("case", "output"), [("HappyPath", {"n": 1}), ("RetryPath", {"n": 2})])
def test_mock_config_cases(case: str, output: Any) -> None:
    cfg = load_mock_config(MOCK_CONFIG)
    r = execute(FLOW, {}, tasks=cfg.binder("Flow", case))
    assert (r.status, r.output) == ("SUCCEEDED", output)
    assert r.visited == ["Fetch"]


def test_mock_config_from_file_and_history(tmp_path: Path) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCK_CONFIG))
    cfg = load_mock_config(path)
    assert cfg.test_cases("Flow") == ["HappyPath", "RetryPath", "Broken"]
    r = execute(FLOW, {}, tasks=cfg.binder("Flow", "RetryPath"))
    types = [e["type"] for e in r.history]
    assert types.count("TaskFailed") == 2 and types.count("TaskSucceeded") == 1


@pytest.mark.parametrize(
    ("source", "message"),
    [({"MockedResponses": {}}, "StateMachines"),
     ({"StateMachines": {}, "MockedResponses": {"R": {"zero": {"Return": 1}}}}, "range key"),
     ({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Nothing": 1}}}}, "Return.*Throw"),
     ("/nonexistent/mock.json", "cannot read")],
)
def test_mock_config_errors(source: Any, message: str) -> None:
    with pytest.raises(RunError, match=message):
        load_mock_config(source)


@pytest.mark.parametrize(("sm", "case", "message"), [("Nope", "HappyPath", "no state machine"),
                                                     ("Flow", "Nope", "no test case"),
                                                     ("Flow", "Broken", "unknown response")])
def test_mock_binder_errors(sm: str, case: str, message: str) -> None:
    with pytest.raises(RunError, match=message):
        load_mock_config(MOCK_CONFIG).binder(sm, case)


def test_mock_runs_out_of_responses() -> None:
    cfg = load_mock_config(MOCK_CONFIG)
    loop = {"StartAt": "Fetch", "States": {"Fetch": {"Type": "Task", "Resource": LAMBDA, "Next": "Fetch"}}}
    r = execute(loop, {}, tasks=cfg.binder("Flow", "HappyPath"))
    assert r.status == "FAILED" and "invocation #1" in (r.cause or "")


def double(payload: Any) -> Any:
    return {"doubled": payload["x"] * 2}


class QuotaExceeded(Exception):
    pass


def explode(payload: Any) -> Any:
    raise QuotaExceeded(f"too many: {payload['x']}")


@pytest.mark.parametrize(("fn", "expected"), [(double, {"doubled": 42}), ("builtins:dict", {"x": 21})])
def test_lambda_callable_result_is_wrapped(fn: Any, expected: Any) -> None:
    d = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": LAMBDA,
                                        "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True}}}
    r = execute(d, {"x": 21}, tasks=TaskBinder({"L": fn}))
    assert r.status == "SUCCEEDED", r.cause
    out = r.output
    assert out["Payload"] == expected
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200 and "RequestId" in out["SdkResponseMetadata"]


def test_lambda_invoke_is_recognised_in_every_partition() -> None:
    d = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws-cn:states:::lambda:invoke",
                                        "Parameters": {"Payload.$": "$"}, "End": True}}}
    r = execute(d, {"x": 1}, tasks=TaskBinder({"L": LocalLambda.of(double)}))
    assert r.output["Payload"] == {"doubled": 2} and r.output["StatusCode"] == 200
    scheduled = next(e for e in r.history if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert (scheduled["resource"], scheduled["resourceType"]) == ("invoke", "lambda")


def test_legacy_lambda_arn_returns_bare_payload() -> None:
    d = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": True}}}
    assert execute(d, {"x": 1}, tasks=TaskBinder({"L": LocalLambda.of(double)})).output == {"doubled": 2}


def test_lambda_exception_becomes_error_type() -> None:
    d = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": LAMBDA, "Parameters": {"Payload.$": "$"},
                                        "Catch": [{"ErrorEquals": ["QuotaExceeded"], "Next": "H"}], "End": True},
                                  "H": {"Type": "Pass", "End": True}}}
    r = execute(d, {"x": 3}, tasks=TaskBinder({"L": explode}))
    assert r.status == "SUCCEEDED" and r.visited == ["L", "H"]
    assert r.output["Error"] == "QuotaExceeded"
    cause = json.loads(r.output["Cause"])
    assert cause["errorType"] == "QuotaExceeded" and cause["errorMessage"] == "too many: 3"
    assert isinstance(cause["stackTrace"], list)


def test_slow_lambda_handler_times_out() -> None:
    import time

    def slow(payload: Any) -> Any:
        time.sleep(1.2)
        return payload

    d = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 1,
                                        "Parameters": {"Payload.$": "$"}, "End": True}}}
    r = execute(d, {"x": 1}, tasks=TaskBinder({"L": LocalLambda.of(slow)}))
    assert (r.status, r.error) == ("FAILED", "States.Timeout")
    assert r.cause.startswith("the handler took 1.") and r.cause.endswith("the state's TimeoutSeconds is 1")
    d["States"]["L"]["TimeoutSeconds"] = 5
    assert execute(d, {"x": 1}, tasks=TaskBinder({"L": LocalLambda.of(slow)})).status == "SUCCEEDED"


def test_bad_callable_reference() -> None:
    with pytest.raises(RunError, match="module:function"):
        TaskBinder({"L": "no_colon_here"})
    with pytest.raises(RunError, match="cannot import"):
        TaskBinder({"L": "builtins:no_such_function"})


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    appdir = tmp_path / "app"
    appdir.mkdir()
    (appdir / "job.py").write_text(
        "import os, sys\n"
        "print('args', ' '.join(sys.argv[1:]), 'env', os.environ.get('MODE'))\n"
        "sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)\n"
    )
    return appdir


def batch_def(command: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {"JobName": "j", "JobQueue": "q", "JobDefinition": "d", "Parameters": {"name.$": "$.name"}}
    if command is not None:
        params["ContainerOverrides"] = {"Command": command, "Environment": [{"Name": "MODE", "Value": "fast"}]}
    return {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": BATCH, "Parameters": params, "End": True}}}


def test_batch_subprocess_success(app: Path) -> None:
    binder = TaskBinder({"B": LocalBatch(path_map={"/opt/app": str(app)})})
    r = execute(batch_def([sys.executable, "/opt/app/job.py", "Ref::name", "0"]), {"name": "alice"}, tasks=binder)
    assert r.status == "SUCCEEDED", r.cause
    job = r.output
    assert job["Status"] == "SUCCEEDED" and job["JobName"] == "j"
    assert job["Container"]["ExitCode"] == 0
    assert job["Container"]["Stdout"].strip() == "args alice 0 env fast"
    assert job["Container"]["Command"][1] == str(app / "job.py")


def test_batch_subprocess_failure(app: Path) -> None:
    binder = TaskBinder({"B": LocalBatch(path_map={"/opt/app": str(app)})})
    r = execute(batch_def([sys.executable, "/opt/app/job.py", "x", "3"]), {"name": "bob"}, tasks=binder)
    assert (r.status, r.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(r.cause or "{}")
    assert cause["Status"] == "FAILED" and cause["Container"]["ExitCode"] == 3
    assert cause["StatusReason"] == "Essential container in task exited"


def test_batch_default_command_and_env(app: Path) -> None:
    binder = TaskBinder({"B": LocalBatch(command=(sys.executable, "/opt/app/job.py", "Ref::name"),
                                        path_map={"/opt/app": str(app)}, env={"MODE": "slow"})})
    r = execute(batch_def(None), {"name": "carol"}, tasks=binder)
    assert r.output["Container"]["Stdout"].strip() == "args carol env slow"


def test_batch_without_command_fails(app: Path) -> None:
    r = execute(batch_def(None), {"name": "x"}, tasks=TaskBinder({"B": LocalBatch()}))
    assert (r.status, r.error) == ("FAILED", "States.TaskFailed")
    assert "no command" in (r.cause or "")
