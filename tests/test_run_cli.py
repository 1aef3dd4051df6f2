"""`flowdsl run`, as a subprocess: output, exit codes, and one clear line for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FIB = str(ROOT / "workflows" / "fibonacci.py")

MOCKS = {
    "StateMachines": {"fibonacci": {"TestCases": {
        "HappyPath": {"Batch": "JobOk", "OnSuccess": "LambdaOk"},
        "BatchFails": {"Batch": "JobFails", "ErrorHandler": "LambdaOk"},
    }}},
    "MockedResponses": {
        "JobOk": {"0": {"Return": {"Status": "SUCCEEDED"}}},
        "JobFails": {"0": {"Throw": {"Error": "States.TaskFailed", "Cause": "exit 1"}}},
        "LambdaOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": True}}}},
    },
}


def flowdsl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


@pytest.fixture()
def mocks(tmp_path: Path) -> Path:
    path = tmp_path / "mocks.json"
    path.write_text(json.dumps(MOCKS))
    return path


def test_fibonacci_runs_end_to_end() -> None:
    proc = flowdsl("run", FIB, "--message", '{"n": 10}')
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "SUCCEEDED" in out.splitlines()[0]
    for state in ("ExtractInputParameters", "BatchGroup", "Batch", "OnSuccess"):
        assert state in out
    assert "stdout: 55" in out
    assert '"Stdout": "55\\n"' in out
    assert '"result": "55"' in out  # the local success handler read the job's output
    assert "ErrorHandler" not in out


def test_fresh_clone_elsewhere(tmp_path: Path) -> None:
    # Paths in the run configuration are relative to the workflow file, not to the working folder.
    shutil.copytree(ROOT / "workflows", tmp_path / "clone" / "workflows",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "cwd").mkdir()
    proc = flowdsl("run", "../clone/workflows/fibonacci.py", "--message", '{"n": 12}', cwd=tmp_path / "cwd")
    assert proc.returncode == 0, proc.stderr
    assert "stdout: 144" in proc.stdout


def test_a_failing_job_goes_to_the_error_handler() -> None:
    proc = flowdsl("run", FIB, "--message", '{"n": -5}')
    assert proc.returncode == 0, proc.stderr  # the workflow catches the job's failure
    assert "caught States.TaskFailed" in proc.stdout
    assert "stderr: fibonacci:" in proc.stdout
    assert "ErrorHandler" in proc.stdout


def test_history_is_json() -> None:
    proc = flowdsl("run", FIB, "--message", '{"n": 3}', "--history")
    assert proc.returncode == 0, proc.stderr
    events = json.loads(proc.stdout)
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert json.loads(events[-1]["executionSucceededEventDetails"]["output"])[0]["batch"]["Container"]["Stdout"] == "2\n"


def test_raw_input() -> None:
    body = [{"body": '{"n": 7}'}]
    proc = flowdsl("run", FIB, "--input", json.dumps(body))
    assert proc.returncode == 0, proc.stderr
    assert "stdout: 13" in proc.stdout


def test_mocks_override_the_run_config(mocks: Path) -> None:
    proc = flowdsl("run", FIB, "--message", '{"n": 10}', "--mocks", str(mocks), "--test-case", "BatchFails")
    assert proc.returncode == 0, proc.stderr
    assert "caught States.TaskFailed" in proc.stdout
    assert '"Cause": "exit 1"' in proc.stdout
    assert '"ok": true' in proc.stdout  # ErrorHandler's mocked response, not the local handler
    assert "stdout:" not in proc.stdout  # the local job did not run


def _asl(tmp_path: Path) -> Path:
    from flowdsl.asl import compile_workflow
    from flowdsl.placeholders import resolve
    from flowdsl.run.config import load_run_target

    workflow, config = load_run_target(FIB)
    compiled = compile_workflow(workflow).definition
    definition = resolve(compiled, config.reference_values(workflow, compiled))
    path = tmp_path / "fibonacci.asl.json"
    path.write_text(json.dumps(definition))
    return path


def test_asl_file_with_mocks(tmp_path: Path, mocks: Path) -> None:
    proc = flowdsl("run", str(_asl(tmp_path)), "--input", '[{"body": "{}"}]', "--mocks", str(mocks),
                   "--test-case", "HappyPath")
    assert proc.returncode == 0, proc.stderr
    assert "OnSuccess" in proc.stdout and '"Status": "SUCCEEDED"' in proc.stdout


def test_asl_file_without_mocks_leaves_tasks_unbound(tmp_path: Path) -> None:
    proc = flowdsl("run", str(_asl(tmp_path)), "--input", '[{"body": "{}"}]')
    assert proc.returncode == 1
    assert "error: execution FAILED: States.Runtime" in proc.stderr
    assert "has nothing to run it locally: mock it (flowdsl run --mocks FILE --test-case NAME" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_failed_execution_prints_error_and_cause(tmp_path: Path) -> None:
    path = tmp_path / "fail.asl.json"
    path.write_text(json.dumps({"StartAt": "Nope", "States": {
        "Nope": {"Type": "Fail", "Error": "Custom.Error", "Cause": "it went wrong"}}}))
    proc = flowdsl("run", str(path))
    assert proc.returncode == 1
    assert "Nope" in proc.stdout and "failed: Custom.Error" in proc.stdout
    assert proc.stderr.splitlines() == ["error: execution FAILED: Custom.Error", "cause: it went wrong"]


def test_help_shows_an_example() -> None:
    proc = flowdsl("run", "--help")
    assert proc.returncode == 0
    assert "flowdsl run workflows/fibonacci.py --message" in proc.stdout


def _bad_inputs(tmp_path: Path, mocks: Path) -> dict[str, tuple[list[str], str]]:
    broken = tmp_path / "broken.py"
    broken.write_text("from flowdsl import Workflow\nworkflow = Workflow(\n")
    raises = tmp_path / "raises.py"
    raises.write_text("raise RuntimeError('no workflow today')\n")
    bad_asl = tmp_path / "bad.asl.json"
    bad_asl.write_text("{not json")
    not_asl = tmp_path / "empty.asl.json"
    not_asl.write_text("{}")
    invalid = tmp_path / "invalid.py"
    invalid.write_text("from flowdsl import Pass, Workflow\n"
                       "workflow = Workflow('w', states=[Pass('A', input_path='nope')])\n")
    return {
        "missing file": (["run", "missing.py", "--message", "{}"], "no such file"),
        "missing asl": (["run", "missing.json"], "no such file"),
        "bad --input": (["run", FIB, "--input", "nope"], "error: --input:1:1: not valid JSON: Expecting value"),
        "unknown test case": (["run", FIB, "--message", "{}", "--mocks", str(mocks), "--test-case", "Nope"],
                              "no test case 'Nope'"),
        "missing mocks": (["run", FIB, "--mocks", "nope.json", "--test-case", "X"], "cannot read"),
        "syntax error": (["run", str(broken)], "syntax error"),
        "module raises": (["run", str(raises)], "RuntimeError: no workflow today"),
        "bad ASL JSON": (["run", str(bad_asl)], "bad.asl.json:1:2: not valid JSON: Expecting property name"),
        "not a state machine": (["run", str(not_asl)],
                                "empty.asl.json:1: $.States: States must be a non-empty object [missing-field]"),
        "bad --var": (["run", FIB, "--var", "stage"], "NAME=VALUE"),
        "invalid workflow": (["run", str(invalid), "--input", "{}"],
                             f"error: {invalid}:2: $.States.A.InputPath: 'nope' is not a JSONPath: "
                             "it must start with '$' [bad-path]"),
    }


CASES = ["missing file", "missing asl", "bad --input", "unknown test case", "missing mocks", "syntax error", "module raises", "bad ASL JSON",
         "not a state machine", "bad --var", "invalid workflow"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_clear_line(case: str, tmp_path: Path, mocks: Path) -> None:
    args, expected = _bad_inputs(tmp_path, mocks)[case]
    proc = flowdsl(*args)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr


def test_a_message_body_is_any_text() -> None:
    # SQS bodies are arbitrary text: a body that is not JSON reaches the job as sent, and the
    # job (not flowdsl) rejects it; the Batch state fails and the error handler runs.
    proc = flowdsl("run", FIB, "--message", '{"n":')
    assert proc.returncode == 0, proc.stderr
    assert "caught States.TaskFailed" in proc.stdout
    assert "stderr: fibonacci: the message body is not JSON" in proc.stdout
    assert "ErrorHandler" in proc.stdout


def test_var_overrides_the_run_config() -> None:
    proc = flowdsl("run", FIB, "--message", '{"n": 1}', "--var", "stage=qa")
    assert proc.returncode == 0, proc.stderr
    assert "app-qa-fibonacci-OnDemandJob" in proc.stdout


def test_importing_the_cli_does_not_import_the_engine() -> None:
    code = "import sys, flowdsl.cli; print(sorted(m for m in sys.modules if m.startswith('flowdsl.run')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_run_config_naming_an_unknown_state(tmp_path: Path) -> None:
    path = tmp_path / "typo.py"
    path.write_text("from flowdsl import Pass, Workflow\nfrom flowdsl.run.config import RunConfig\n"
                    "workflow = Workflow('typo', states=[Pass('A')])\n"
                    "local = RunConfig(tasks={'B': 'json:dumps'})\n")
    proc = flowdsl("run", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: RunConfig.tasks name 'B', which the state machine does not have; its states: A"]
