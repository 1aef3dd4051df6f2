"""A local run executes only what the workflow and its RunConfig declare, and the test kit
prepares a run exactly as ``flowdsl run`` does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowdsl import Pass, Variable, Workflow, var
from flowdsl.build import check
from flowdsl.errors import CompileError, FlowError
from flowdsl.run.config import LocalBatch, RunConfig, RunConfigError
from flowdsl.testing import run
from locations import ROOT

BATCH = "arn:aws:states:::batch:submitJob.sync"
FIB = ROOT / "workflows" / "fibonacci.py"

JOB = ("import os, sys\n"
       "print(' '.join(sys.argv[1:]), os.environ.get('SECRET'), os.environ.get('DATA_DIR'), "
       "os.environ.get('FROM_INPUT'))\n")


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "job.py").write_text(JOB)
    return tmp_path / "app"


def batch_machine(overrides: dict[str, Any]) -> dict[str, Any]:
    params = {"JobName": "j", "JobQueue": "q", "JobDefinition": "d",
              "Parameters": {"body.$": "$.body"}, "ContainerOverrides": overrides}
    return {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": BATCH, "Parameters": params,
                                             "End": True}}}


def local(app: Path, **kw: Any) -> RunConfig:
    declared = LocalBatch(command=("python", "/opt/app/job.py", "Ref::body"), path_map={"/opt/app": str(app)},
                          env={"DATA_DIR": "/opt/app/data"}, **kw)
    return RunConfig(tasks={"B": declared})


def stdout(result: Any) -> str:
    return result.output["Container"]["Stdout"].strip()


def test_a_message_cannot_change_the_host_command(app: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    attack = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    doc = batch_machine({"Command.$": "$.cmd", "Environment": [{"Name": "FROM_INPUT", "Value.$": "$.body"}]})
    result = run(doc, {"cmd": attack, "body": "/opt/app/x"}, config=local(app)).assert_succeeded()
    assert not marker.exists()
    # The declared command ran; the Ref:: value is data, passed as sent (path_map does not touch it),
    # while the declared environment is mapped; the input's environment override is not applied.
    assert stdout(result) == f"/opt/app/x None {app}/data None"
    assert result.output["Container"]["Command"] == [sys.executable, str(app / "job.py"), "/opt/app/x"]


def test_an_override_runs_only_when_the_run_config_allows_it(app: Path) -> None:
    doc = batch_machine({"Command.$": "$.cmd", "Environment": [{"Name": "FROM_INPUT", "Value.$": "$.body"}]})
    cmd = [sys.executable, str(app / "job.py"), "overridden"]
    result = run(doc, {"cmd": cmd, "body": "b"}, config=local(app, allow_overrides=True)).assert_succeeded()
    assert stdout(result) == f"overridden None {app}/data b"


def test_a_command_only_the_input_gives_is_refused(app: Path) -> None:
    doc = batch_machine({"Command.$": "$.cmd"})
    result = run(doc, {"cmd": ["true"], "body": "b"}, config=RunConfig(tasks={"B": LocalBatch()}))
    result.assert_failed("States.TaskFailed")
    assert json.loads(result.cause or "{}") == {"StatusReason": (
        "state 'B': no command to run (the request's ContainerOverrides.Command comes from the execution's "
        "data; declare the command (LocalBatch(command=...) or the JobDefinition), or allow it with "
        "LocalBatch(allow_overrides=True))")}


def test_a_command_written_in_the_definition_is_declared(app: Path) -> None:
    doc = batch_machine({"Command": [sys.executable, "/opt/app/job.py", "literal", "Ref::body"]})
    result = run(doc, {"body": "/opt/app/y"}, config=local(app)).assert_succeeded()
    assert stdout(result) == f"literal /opt/app/y None {app}/data None"


def test_the_job_does_not_inherit_the_host_environment(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET", "s3cret")
    doc = batch_machine({})
    assert stdout(run(doc, {"body": "b"}, config=local(app)).assert_succeeded()) == f"b None {app}/data None"
    passed = run(doc, {"body": "b"}, config=local(app, pass_env=("SECRET",))).assert_succeeded()
    assert stdout(passed) == f"b s3cret {app}/data None"


def test_the_fibonacci_job_gets_the_message_body_unmapped(tmp_path: Path) -> None:
    # path_map maps /opt/app to the job's folder; a body that mentions /opt/app stays as sent.
    result = run(FIB, message={"n": 3, "note": "/opt/app/job"}, mocks={"OnSuccess": {"Payload": {}}})
    result.assert_succeeded()
    (call,) = [c for c in result.calls if c.state == "Batch"]
    assert call.result["Container"]["Command"][-1] == '{"n": 3, "note": "/opt/app/job"}'
    assert call.result["Container"]["Stdout"].strip().endswith("2")


# ---------------------------------------------------------------- mocks and bindings by name

def test_a_misspelt_mock_fails_with_a_did_you_mean() -> None:
    with pytest.raises(RunConfigError, match=r"^mocks name 'Bach', which the state machine does not have "
                       r"\(did you mean 'Batch'\?\); its states: Batch, BatchGroup, ErrorHandler, "
                       r"ExtractInputParameters, OnSuccess$"):
        run(FIB, message={"n": 1}, mocks={"Bach": {"Status": "SUCCEEDED"}})


def test_a_misspelt_mock_in_a_mock_file_fails(tmp_path: Path) -> None:
    mocks = tmp_path / "m.json"
    mocks.write_text(json.dumps({"StateMachines": {"fibonacci": {"TestCases": {"T": {"OnSucces": "R"}}}},
                                 "MockedResponses": {"R": {"0": {"Return": {}}}}}))
    proc = subprocess.run([sys.executable, "-m", "flowdsl", "run", str(FIB), "--message", "{}", "--mocks",
                           str(mocks), "--test-case", "T"], cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"error: {mocks}: test case 'T' mocks name 'OnSucces', which the state machine does not have (did you "
        "mean 'OnSuccess'?); its states: Batch, BatchGroup, ErrorHandler, ExtractInputParameters, OnSuccess"]


def test_a_task_with_no_mock_and_no_binding_says_what_to_do() -> None:
    doc = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "End": True,
                                                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}
    result = run(doc).assert_failed("States.Runtime")
    assert result.cause == (
        "Task state 'Work' (arn:aws:lambda:us-east-1:123456789012:function:f) has nothing to run it locally: "
        "mock it (flowdsl run --mocks FILE --test-case NAME, or mocks={'Work': ...} in flowdsl.testing.run) "
        "or bind it in the workflow file's RunConfig(tasks={'Work': ...})")


def test_an_unknown_value_name_fails_with_a_did_you_mean() -> None:
    with pytest.raises(RunConfigError, match=r"^values 'stge': the workflow 'fibonacci' has no such variable "
                                             r"\(did you mean 'stage'\?\); its variables: app_name, stage, "):
        run(FIB, message={"n": 1}, values={"stge": "qa"})


# ---------------------------------------------------------------- the kit reports what the CLI reports

def test_the_kit_reports_the_diagnostics_validate_reports() -> None:
    wf = Workflow("bad", states=[Pass("A", input_path="nope")])
    with pytest.raises(CompileError) as info:
        run(wf)
    assert info.value.diagnostics == tuple(check(wf)[1])
    assert [d.render().split(": ", 1)[1] for d in info.value.diagnostics] == [
        "$.States.A.InputPath: 'nope' is not a JSONPath: it must start with '$' [bad-path]"]


def test_the_kit_validates_an_asl_document_before_running_it() -> None:
    doc = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": ["A"]}}}
    with pytest.raises(CompileError, match=r"\$\.States\.A\.Next: Next must name a state \[bad-type\]"):
        run(doc)


@pytest.mark.parametrize("kwargs, message", [
    ({"input": "x" * 262_143}, "the execution input is 262,145 bytes; Step Functions accepts at most 262,144 "
                               "(256 KiB)"),
    ({"message": "x" * 262_144}, "the execution input is 262,640 bytes; Step Functions accepts at most "
                                 "262,144 (256 KiB)"),
    ({"input": {"x": float("nan")}}, "the execution input: holds nan, which is not a JSON number"),
    ({"input": ["\udc00"]}, "the execution input: holds a lone surrogate, which is not valid Unicode text"),
    ({"message": "\ud800"}, "the message body: holds a lone surrogate, which is not valid Unicode text"),
])
def test_an_input_aws_would_refuse(kwargs: dict[str, Any], message: str) -> None:
    doc = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    with pytest.raises(FlowError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        run(doc, **kwargs)


def test_a_deeply_nested_input_runs_in_the_kit() -> None:
    deep: Any = "leaf"
    for _ in range(10_000):
        deep = [deep]
    doc = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    result = run(doc, deep).assert_succeeded()
    assert result.history[-1]["executionSucceededEventDetails"]["output"] == "[" * 10_000 + '"leaf"' + "]" * 10_000


# ---------------------------------------------------------------- Terraform takes what the user wrote

def test_a_variable_default_deploys_as_written(tmp_path: Path) -> None:
    from flowdsl.build import build
    from flowdsl import OnDemandJob

    wf = Workflow("lit", variables=[Variable("v", default="${x} and $${y}", description="a ${z} value")],
                  deployment=OnDemandJob("lit"),
                  states=[Pass("A", parameters={"v": var("v")})])
    files = build(wf).files
    variables = json.loads(files["variables.tf.json"])["variable"]["v"]
    assert variables == {"type": "string", "default": "${x} and $${y}", "description": "a ${z} value"}
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.fail("terraform is not installed; the suite needs it")
    # Terraform reads a variable's default literally (no template evaluation): apply a module that
    # holds only that variable block and an output of it, and look at the value.
    (tmp_path / "main.tf.json").write_text(json.dumps({"variable": {"v": variables},
                                                       "output": {"o": {"value": "${var.v}"}}}))
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for cmd in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        proc = subprocess.run([terraform, *cmd], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    out = subprocess.run([terraform, "output", "-json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert json.loads(out.stdout)["o"]["value"] == "${x} and $${y}"


@pytest.mark.parametrize("name", ["count", "for_each", "source", "providers", "depends_on", "lifecycle",
                                  "version", "locals", "provider", "_"])
def test_a_terraform_reserved_name_is_refused(name: str) -> None:
    wf = Workflow("w", variables=[Variable(name, default="x")], states=[Pass("A", result={"v": var(name)})])
    codes = [(d.code, d.path, d.message) for d in check(wf)[1]]
    assert codes == [("reserved-variable", f"variables.{name}",
                      f"{name!r} cannot name a variable: Terraform reserves it for module blocks (source, "
                      "version, count, for_each, depends_on, providers, lifecycle, locals, provider, _), where "
                      "the module's inputs are set")]


def test_a_handler_that_exits_fails_its_task_not_the_process() -> None:
    from flowdsl import LambdaTask

    def handler(event: Any) -> Any:
        raise SystemExit(3)

    wf = Workflow("exits", states=[LambdaTask("L", function="arn:aws:lambda:us-east-1:123456789012:function:f")])
    result = run(wf, config=RunConfig(tasks={"L": handler})).assert_failed("Runtime.ExitError")
    assert json.loads(result.cause or "{}") == {"errorType": "Runtime.ExitError",
                                                "errorMessage": "Runtime exited with error: exit status 3"}


def test_a_run_config_value_for_no_variable_is_refused() -> None:
    wf = Workflow("w", variables=[Variable("stage", default="dev")], states=[Pass("A")])
    with pytest.raises(RunConfigError, match=r"^RunConfig.values 'stag': the workflow 'w' has no such variable "
                                             r"\(did you mean 'stage'\?\); its variables: stage$"):
        run(wf, config=RunConfig(values={"stag": "qa"}))


def test_a_variable_value_json_cannot_hold_is_refused() -> None:
    wf = Workflow("w", variables=[Variable("n")], states=[Pass("A", parameters={"n": var("n")})])
    with pytest.raises(FlowError, match=r"^the value of var\.n: holds inf, which is not a JSON number$"):
        run(wf, values={"n": float("inf")})
    nan_default = Workflow("w", variables=[Variable("n", default=float("nan"))], states=[Pass("A")])
    assert [(d.code, d.path, d.message) for d in check(nan_default)[1]] == [
        ("bad-variable", "variables.n.default", "variable 'n': its default: holds nan, which is not a JSON number")]
