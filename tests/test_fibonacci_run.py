"""The fibonacci example runs locally: the job script, the handlers, and the paths through the
state machine (success, a Batch failure routed to ErrorHandler, ErrorHandler's retries)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowdsl.run.config import load_run_target
from flowdsl.testing import run, throw

ROOT = Path(__file__).resolve().parents[1]

WORKFLOW = ROOT / "workflows" / "fibonacci.py"
JOB = ROOT / "workflows" / "fibonacci_app" / "job" / "fibonacci.py"
SUCCESS_PATH = ["ExtractInputParameters", "BatchGroup", "Batch", "OnSuccess"]
ERROR_PATH = ["ExtractInputParameters", "BatchGroup", "Batch", "ErrorHandler"]
LAMBDA_OK = {"StatusCode": 200, "Payload": {"status": "ok"}}


@pytest.fixture(scope="module")
def fibonacci():
    return load_run_target(WORKFLOW)


# ------------------------------------------------------------------ the job script

@pytest.mark.parametrize("n, expected", [(0, "0"), (1, "1"), (2, "1"), (10, "55"), (20, "6765"),
                                         (90, "2880067194370816120")])
def test_job_script_prints_the_nth_fibonacci_number(n: int, expected: str) -> None:
    proc = subprocess.run([sys.executable, str(JOB), "-b", json.dumps({"n": n})],
                          capture_output=True, text=True, check=True)
    assert proc.stdout == expected + "\n"


@pytest.mark.parametrize("body", ['{"n": -1}', '{"n": "10"}', '{"m": 1}', "not json", "[10]", '{"n": true}'])
def test_job_script_rejects_bad_messages(body: str) -> None:
    proc = subprocess.run([sys.executable, str(JOB), "-b", body], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("fibonacci: ") and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ end to end, nothing mocked

def test_runs_end_to_end_with_the_local_job_and_handlers() -> None:
    result = run(WORKFLOW, message={"n": 10}).assert_succeeded()
    assert result.visited == SUCCESS_PATH
    [branch] = result.output  # a Parallel's output: one entry per branch
    assert branch["batch"]["Status"] == "SUCCEEDED"
    assert branch["batch"]["Container"]["Stdout"] == "55\n"
    assert branch["batch"]["Container"]["Command"][1] == str(JOB)
    assert branch["success_handler"]["Payload"]["result"] == "55"
    assert branch["success_handler"]["Payload"]["job_name"] == "app-local-fibonacci-OnDemandJob"


def test_a_failing_job_reaches_the_local_error_handler() -> None:
    result = run(WORKFLOW, message={"n": -1}).assert_succeeded()  # the Catch handles it
    assert result.visited == ERROR_PATH
    assert result.output["error"]["Error"] == "States.TaskFailed"
    handled = result.output["error_handler"]["Payload"]
    assert handled["status"] == "FAILED" and handled["exit_code"] == 1
    assert '"n" must be between 0 and' in handled["reason"]


# ------------------------------------------------------------------ with mocks

def test_success_path_with_mocks(fibonacci) -> None:
    workflow, _ = fibonacci
    result = run(workflow, message='{"n": 10}', mocks={"Batch": {"Status": "SUCCEEDED"}, "OnSuccess": LAMBDA_OK})
    result.assert_succeeded().assert_visited(*SUCCESS_PATH)
    [branch] = result.output
    assert branch["batch"] == {"Status": "SUCCEEDED"}
    assert branch["success_handler"] == LAMBDA_OK
    # OnSuccess receives the state (with the job's result) and the context object.
    [call] = result.calls_of("OnSuccess")
    assert call.payload["Payload"]["state"]["batch"] == {"Status": "SUCCEEDED"}
    assert call.payload["Payload"]["context"]["State"]["Name"] == "OnSuccess"
    assert call.payload["FunctionName"].endswith(":$LATEST")
    # The Batch state got the message body as the job parameter.
    [batch] = result.calls_of("Batch")
    assert batch.payload["Parameters"] == {"sqs_message_body": '{"n": 10}'}


def test_batch_failure_is_routed_to_the_error_handler(fibonacci) -> None:
    workflow, config = fibonacci
    result = run(workflow, message={"n": 10}, config=config, mocks={
        "Batch": throw("States.TaskFailed", "Essential container in task exited"),
        "ErrorHandler": LAMBDA_OK,
    })
    result.assert_succeeded().assert_visited(*ERROR_PATH)
    assert result.output["error"] == {"Error": "States.TaskFailed", "Cause": "Essential container in task exited"}
    assert result.output["error_handler"] == LAMBDA_OK
    assert result.calls_of("OnSuccess") == []


def test_success_handler_failure_is_routed_to_the_error_handler(fibonacci) -> None:
    workflow, _ = fibonacci
    result = run(workflow, message={"n": 10}, mocks={
        "Batch": {"Status": "SUCCEEDED"}, "OnSuccess": RuntimeError("handler broke"), "ErrorHandler": LAMBDA_OK})
    result.assert_succeeded().assert_visited(*SUCCESS_PATH, "ErrorHandler")
    assert result.output["error"] == {"Error": "RuntimeError", "Cause": "handler broke"}


def test_error_handler_is_retried_on_lambda_service_exception(fibonacci) -> None:
    workflow, _ = fibonacci
    failing = throw("Lambda.ServiceException", "Rate exceeded")
    result = run(workflow, message={"n": 10}, mocks={
        "Batch": throw("States.TaskFailed"), "ErrorHandler": [failing, failing, LAMBDA_OK]})
    result.assert_succeeded().assert_visited(*ERROR_PATH)
    # 2 s interval, backoff 2: attempts at 0, 2 and 2 + 4 virtual seconds.
    assert result.attempts("ErrorHandler") == [0.0, 2.0, 6.0]
    assert [c.attempt for c in result.calls_of("ErrorHandler")] == [0, 1, 2]
    assert result.output["error_handler"] == LAMBDA_OK


def test_error_handler_gives_up_after_six_retries(fibonacci) -> None:
    workflow, _ = fibonacci
    result = run(workflow, message={"n": 10}, mocks={
        "Batch": throw("States.TaskFailed"), "ErrorHandler": throw("Lambda.ServiceException")})
    result.assert_failed("Lambda.ServiceException")
    assert result.attempts("ErrorHandler") == [0, 2, 6, 14, 30, 62, 126]


def test_other_error_handler_errors_are_not_retried(fibonacci) -> None:
    workflow, _ = fibonacci
    result = run(workflow, message={"n": 10}, mocks={
        "Batch": throw("States.TaskFailed"), "ErrorHandler": ValueError("bad payload")})
    result.assert_failed("ValueError", cause_contains="bad payload")
    assert result.attempts("ErrorHandler") == [0.0]
