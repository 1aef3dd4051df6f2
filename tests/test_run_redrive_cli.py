"""`flowdsl run --save FILE` and `--redrive FILE`: a failed local execution redriven from the
state that failed, as RedriveExecution does, and what it refuses, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

WORKFLOW = textwrap.dedent("""\
    from flowdsl import LambdaTask, Pass, Workflow
    from flowdsl.run.config import RunConfig

    workflow = Workflow("orders", states=[
        Pass("Start", result={{"n": 2}}),
        LambdaTask("Charge", function="charge"),
        LambdaTask("Ship", function="ship"{extra}),
    ])
    local = RunConfig(tasks={{"Charge": "handlers:charge", "Ship": "handlers:ship"}})
    """)

HANDLERS = textwrap.dedent("""\
    import json, pathlib

    HERE = pathlib.Path(__file__).parent

    def charge(event):
        with open(HERE / "calls.txt", "a") as f:
            f.write("Charge\\n")
        return {"charged": event}

    def ship(event):
        with open(HERE / "calls.txt", "a") as f:
            f.write("Ship\\n")
        if (HERE / "broken").exists():
            raise RuntimeError("the courier is down")
        return {"shipped": True}
    """)


def flowdsl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "wf.py").write_text(WORKFLOW.format(extra=""))
    (tmp_path / "handlers.py").write_text(HANDLERS)
    (tmp_path / "broken").write_text("")
    return tmp_path


def calls(project: Path) -> list[str]:
    path = project / "calls.txt"
    lines = path.read_text().split() if path.exists() else []
    path.unlink(missing_ok=True)
    return lines


def test_a_saved_failed_run_is_redriven_from_the_state_that_failed(project: Path) -> None:
    first = flowdsl("run", "wf.py", "--save", "run.json", cwd=project)
    assert first.returncode == 1
    assert "Ship    Task      failed: RuntimeError: the courier is down" in first.stdout
    assert calls(project) == ["Charge", "Ship"]
    record = json.loads((project / "run.json").read_text())
    assert (record["status"], record["resume"]["state"], record["redriveCount"]) == ("FAILED", "Ship", 0)
    (project / "broken").unlink()
    again = flowdsl("run", "wf.py", "--redrive", "run.json", "--save", "run.json", cwd=project)
    assert again.returncode == 0, again.stderr
    assert calls(project) == ["Ship"]  # Start and Charge succeeded: not run again
    assert "(redrive 1)" in again.stdout and "SUCCEEDED" in again.stdout
    record = json.loads((project / "run.json").read_text())
    assert (record["status"], record["redriveCount"], record["resume"]) == ("SUCCEEDED", 1, None)
    assert [e["type"] for e in record["history"]].count("ExecutionRedriven") == 1


def test_a_succeeded_run_is_not_redrivable(project: Path) -> None:
    (project / "broken").unlink()
    assert flowdsl("run", "wf.py", "--save", "run.json", cwd=project).returncode == 0
    again = flowdsl("run", "wf.py", "--redrive", "run.json", cwd=project)
    assert (again.returncode, again.stderr) == (1, "error: run.json: ExecutionNotRedrivable: Execution is "
                                                   "SUCCEEDED and cannot be redriven\n")


def test_a_redrive_keeps_the_input_it_had(project: Path) -> None:
    flowdsl("run", "wf.py", "--save", "run.json", cwd=project)
    again = flowdsl("run", "wf.py", "--redrive", "run.json", "--input", "{}", cwd=project)
    assert (again.returncode, again.stderr) == (1, "error: --redrive run.json: a redriven execution runs on the "
                                                   "input it had; leave out --input\n")


def test_a_changed_workflow_is_refused(project: Path) -> None:
    flowdsl("run", "wf.py", "--save", "run.json", cwd=project)
    (project / "wf.py").write_text(WORKFLOW.format(extra=', comment="changed"'))
    again = flowdsl("run", "wf.py", "--redrive", "run.json", cwd=project)
    assert again.returncode == 1
    assert again.stderr.startswith("error: run.json: the workflow's definition changed since this execution ran")
    assert calls(project) == ["Charge", "Ship"]  # only the first run's


def test_a_run_saved_more_than_14_days_ago_is_refused(project: Path) -> None:
    flowdsl("run", "wf.py", "--save", "run.json", cwd=project)
    record = json.loads((project / "run.json").read_text())
    record["endedAt"] = (datetime.now(timezone.utc) - timedelta(days=15)).isoformat()
    (project / "run.json").write_text(json.dumps(record))
    again = flowdsl("run", "wf.py", "--redrive", "run.json", cwd=project)
    assert again.returncode == 1
    assert again.stderr.startswith("error: run.json: ExecutionNotRedrivable: Execution redrivable period exceeded")


def test_a_missing_record_says_how_to_write_one(project: Path) -> None:
    again = flowdsl("run", "wf.py", "--redrive", "nope.json", cwd=project)
    assert (again.returncode, again.stderr) == (1, "error: nope.json: no such file (write one with flowdsl run "
                                                   "... --save nope.json)\n")


def test_a_save_to_a_folder_or_a_missing_folder_is_one_error_line(project: Path) -> None:
    (project / "runs").mkdir()
    for target, line in [
        ("runs", "error: runs: is a folder; name the file to write the execution record to"),
        ("nope/run.json", "error: nope/run.json: cannot write the execution record: No such file or directory"),
    ]:
        r = flowdsl("run", "wf.py", "--save", target, cwd=project)
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr
        assert line in r.stderr.splitlines(), r.stderr
    assert list((project / "runs").iterdir()) == []


def test_a_redrive_of_a_folder_says_it_is_a_folder(project: Path) -> None:
    (project / "runs").mkdir()
    r = flowdsl("run", "wf.py", "--redrive", "runs", cwd=project)
    assert r.returncode == 1
    assert "error: runs: is a directory, not a JSON file" in r.stderr.splitlines(), r.stderr
