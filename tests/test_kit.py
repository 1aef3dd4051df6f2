"""flowdsl.testing.run: mocks of every kind, the recorded calls, assertion helpers, RunConfig."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowdsl import BatchTask, JobDefinition, LambdaTask, Pass, Variable, Workflow, var
from flowdsl.run import StatesError
from flowdsl.deployments.on_demand import sqs_event
from flowdsl.run.config import RunConfig, RunConfigError, format_trace, load_run_target
from flowdsl.testing import returns, run, throw

LAMBDA = "arn:aws:states:::lambda:invoke"


def machine(retry: list | None = None) -> dict:
    """Work (a Task, retried on Flaky) inside a Parallel, then Done."""
    work = {"Type": "Task", "Resource": LAMBDA, "Parameters": {"Payload.$": "$"}, "End": True}
    if retry is not None:
        work["Retry"] = retry
    return {"StartAt": "Group", "States": {
        "Group": {"Type": "Parallel", "Branches": [{"StartAt": "Work", "States": {"Work": work}}],
                  "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    }}


def test_a_value_is_the_task_result_and_visited_includes_the_parallel() -> None:
    result = run(machine(), {"x": 1}, mocks={"Work": {"Payload": 42}}).assert_succeeded()
    assert result.visited == ["Group", "Work", "Done"]  # the Parallel state first, then its branch
    assert result.output == [{"Payload": 42}]
    assert result.calls_of("Work")[0].payload == {"Payload": {"x": 1}}


def test_returns_gives_a_list_result() -> None:
    assert run(machine(), mocks={"Work": returns([1, 2])}).output == [[1, 2]]


@pytest.mark.parametrize("mock, error, cause", [
    (throw("My.Error", "why"), "My.Error", "why"),
    (StatesError("States.TaskFailed", "c"), "States.TaskFailed", "c"),
    (ValueError("bad"), "ValueError", "bad"),
    (KeyError, "KeyError", None),
    ({"Throw": {"Error": "Sfn.Local", "Cause": "mock"}}, "Sfn.Local", "mock"),
])
def test_errors(mock, error, cause) -> None:
    result = run(machine(), mocks={"Work": mock}).assert_failed(error)
    assert result.cause == cause
    assert result.visited == ["Group", "Work"]


def test_step_functions_local_return_spec() -> None:
    assert run(machine(), mocks={"Work": {"Return": {"a": 1}}}).output == [{"a": 1}]


def test_a_list_is_one_response_per_attempt() -> None:
    retry = [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3, "BackoffRate": 1.5, "MaxAttempts": 3}]
    result = run(machine(retry), mocks={"Work": [throw("Flaky"), throw("Flaky"), {"ok": True}]})
    result.assert_succeeded()
    assert result.output == [{"ok": True}]
    assert result.attempts("Work") == [0, 3, 7.5]
    assert [c.error for c in result.calls_of("Work")] == ["Flaky", "Flaky", None]
    assert "retried after 3s" in result.report()


def test_running_out_of_responses_fails_clearly() -> None:
    retry = [{"ErrorEquals": ["Flaky"], "MaxAttempts": 5}]
    result = run(machine(retry), mocks={"Work": [throw("Flaky")]})
    result.assert_failed("States.Runtime", cause_contains="has 1 response(s)")


def test_a_callable_gets_the_task_input() -> None:
    seen = []

    def work(payload):
        seen.append(payload)
        return {"doubled": payload["Payload"]["x"] * 2}

    assert run(machine(), {"x": 4}, mocks={"Work": work}).output == [{"doubled": 8}]
    assert seen == [{"Payload": {"x": 4}}]


def test_a_callable_that_raises_fails_the_task() -> None:
    def work(payload):
        raise TimeoutError("slow")

    run(machine(), mocks={"Work": work}).assert_failed("TimeoutError", cause_contains="slow")


def test_unbound_tasks_fail_with_states_runtime() -> None:
    run(machine()).assert_failed("States.Runtime", cause_contains="'Work'")


def test_assertion_helpers_show_the_trace() -> None:
    result = run(machine(), mocks={"Work": throw("Boom", "it broke")})
    with pytest.raises(AssertionError) as info:
        result.assert_succeeded()
    text = str(info.value)
    assert "Group" in text and "Work" in text and "failed: Boom" in text and "it broke" in text
    with pytest.raises(AssertionError, match="expected path"):
        result.assert_visited("Group", "Work", "Done")
    with pytest.raises(AssertionError, match="expected error 'Other'"):
        result.assert_failed("Other")
    with pytest.raises(AssertionError, match="expected the execution to fail"):
        run(machine(), mocks={"Work": 1}).assert_failed()


def test_format_trace_nests_branches() -> None:
    text = format_trace(run(machine(), mocks={"Work": 1}).execution)
    lines = text.splitlines()
    assert "start" in lines[0] and "took" in lines[0]
    assert [line.split()[2] for line in lines[1:]] == ["Group", "Work", "Done"]
    assert "    Work" in lines[2]  # indented under its Parallel


# ------------------------------------------------------------------ workflows and RunConfig

def _workflow() -> Workflow:
    return Workflow("demo", variables=[Variable("stage"), Variable("size", default="s")], states=[
        Pass("Setup", parameters={"stage": var("stage"), "size": var("size")}),
        LambdaTask("Call", function="arn:aws:lambda:us-east-1:123456789012:function:f",
                   payload={"in.$": "$"}),
    ])


def test_required_variables_get_placeholders_in_the_kit() -> None:
    result = run(_workflow(), mocks={"Call": {"Payload": 1}}).assert_succeeded()
    setup = result.calls_of("Call")[0].payload["Payload"]["in"]
    assert setup == {"stage": "<var.stage>", "size": "s"}
    result = run(_workflow(), values={"stage": "prod", "size": "xl"}, mocks={"Call": 1})
    assert result.calls_of("Call")[0].payload["Payload"]["in"] == {"stage": "prod", "size": "xl"}


def test_run_config_values_are_strict() -> None:
    from flowdsl.asl import compile_workflow

    wf = _workflow()
    with pytest.raises(RunConfigError, match="no value for variable"):
        RunConfig().reference_values(wf)
    values = RunConfig(values={"var.stage": "dev"}, region="eu-west-1").reference_values(
        wf, compile_workflow(wf).definition)
    assert values["var.stage"] == "dev" and values["var.size"] == "s"
    assert values["data.aws_region.current.name"] == "eu-west-1"


def test_job_definition_arn_is_faked_from_its_name() -> None:
    job = JobDefinition("work", name="my-job", command=("true",))
    wf = Workflow("jobs", states=[BatchTask("Run", job=job, job_queue="q", job_name="n")])
    values = RunConfig(account_id="111122223333").reference_values(wf)
    assert values["aws_batch_job_definition.work.arn"] == \
        "arn:aws:batch:us-east-1:111122223333:job-definition/my-job:1"


def test_sqs_event_has_the_pipe_shape() -> None:
    [record] = sqs_event('{"n": 1}', region="ap-northeast-1", account_id="123456789012", queue="q")
    assert record["body"] == '{"n": 1}'
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "ap-northeast-1"
    assert record["eventSourceARN"] == "arn:aws:sqs:ap-northeast-1:123456789012:q"
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                           "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}


APP = '''
from flowdsl import BatchTask, JobDefinition, Workflow, Variable, var
from flowdsl.run.config import LocalBatch, RunConfig

job = JobDefinition("echo", name="echo", command=("python", "/opt/app/echo.py", "Ref::word"),
                    environment={"GREETING": var("greeting")})
workflow = Workflow("echo", variables=[Variable("greeting")], states=[
    BatchTask("Echo", job=job, job_queue="q", job_name="echo",
              job_parameters={"word.$": "$.word"}, result_path="$.job"),
])
local = RunConfig(values={"greeting": "hello"},
                  tasks={"Echo": LocalBatch(path_map={"/opt/app": "app"}, env={"EXTRA": "1"})})
'''

ECHO = 'import os, sys\nprint(os.environ["GREETING"], sys.argv[1], os.environ["EXTRA"])\n'


@pytest.fixture()
def echo_app(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "echo.py").write_text(ECHO)
    (tmp_path / "echo_flow.py").write_text(textwrap.dedent(APP))
    return tmp_path / "echo_flow.py"


def test_local_batch_uses_the_job_definition_command_and_environment(echo_app: Path, monkeypatch) -> None:
    monkeypatch.chdir(echo_app.parent.parent)  # relative paths resolve against the workflow file
    result = run(echo_app, {"word": "world"}).assert_succeeded()
    assert result.output["job"]["Container"]["Stdout"] == "hello world 1\n"
    workflow, config = load_run_target(echo_app)
    assert config.base_dir == echo_app.parent.resolve()


def test_importing_the_testing_package_stays_light() -> None:
    code = "import sys, flowdsl.testing; assert 'flowdsl.run' not in sys.modules; " \
           "assert 'hypothesis' not in sys.modules; from flowdsl.testing import run; print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_mocking_an_unknown_state_is_an_error() -> None:
    with pytest.raises(RunConfigError, match="'Wrok', which the state machine does not have"):
        run(machine(), mocks={"Wrok": 1})
