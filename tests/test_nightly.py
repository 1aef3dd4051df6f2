"""The nightly example (workflows/nightly.py): the report script, its schedule, and the paths
through the state machine from the input its schedule delivers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from flowdsl.build import build
from flowdsl.deployments import LocalInput, execution_input, resolver
from flowdsl.run.config import load_run_target
from flowdsl.testing import run, throw

from locations import ROOT

WORKFLOW = ROOT / "workflows" / "nightly.py"
JOB = ROOT / "workflows" / "nightly_app" / "job" / "nightly_report.py"
SUCCESS_PATH = ["ExtractInputParameters", "BatchGroup", "Batch", "OnSuccess"]
ERROR_PATH = ["ExtractInputParameters", "BatchGroup", "Batch", "ErrorHandler"]


@pytest.fixture(scope="module")
def nightly():
    return load_run_target(WORKFLOW)


def scheduled_input(nightly, when: datetime) -> dict:
    workflow, config = nightly
    values = config.reference_values(workflow)
    return execution_input(workflow.deployment, LocalInput("scheduled", None, workflow.name, resolver(values),
                                                           time=when))


# ------------------------------------------------------------------ the job script

@pytest.mark.parametrize("fired, zone, report", [
    # 03:00 in Tokyo is 18:00 UTC the day before: the report covers the Tokyo day before that
    ("2024-03-01T18:00:00Z", "Asia/Tokyo", {"report_date": "2024-03-01", "from": "2024-02-29T15:00:00Z",
                                            "to": "2024-03-01T15:00:00Z"}),
    ("2024-01-01T00:05:00Z", "UTC", {"report_date": "2023-12-31", "from": "2023-12-31T00:00:00Z",
                                     "to": "2024-01-01T00:00:00Z"}),
    # the day the clocks go forward in New York has 23 hours
    ("2024-03-11T07:00:00Z", "America/New_York", {"report_date": "2024-03-10", "from": "2024-03-10T05:00:00Z",
                                                  "to": "2024-03-11T04:00:00Z"}),
])
def test_the_job_reports_on_the_day_before_it_fired(fired: str, zone: str, report: dict) -> None:
    proc = subprocess.run([sys.executable, str(JOB), "--scheduled-time", fired, "--time-zone", zone],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == report


@pytest.mark.parametrize("args, problem", [
    (["--scheduled-time", "yesterday"], "--scheduled-time must look like 2024-01-01T18:00:00Z, got 'yesterday'"),
    (["--scheduled-time", "2024-01-01T00:00:00Z", "--time-zone", "Nowhere/City"],
     "--time-zone must be an IANA time zone, got 'Nowhere/City'"),
])
def test_the_job_rejects_bad_arguments(args: list[str], problem: str) -> None:
    proc = subprocess.run([sys.executable, str(JOB), *args], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", f"nightly_report: {problem}\n")


# ------------------------------------------------------------------ the schedule

def test_the_schedule_runs_at_three_in_tokyo(nightly) -> None:
    workflow, _ = nightly
    files = build(workflow).files
    schedule = json.loads(files["scheduler.tf.json"])["resource"]["aws_scheduler_schedule"]["schedule"]
    assert (schedule["schedule_expression"], schedule["schedule_expression_timezone"]) == (
        "cron(0 3 * * ? *)", "Asia/Tokyo")
    assert schedule["flexible_time_window"] == {"mode": "FLEXIBLE", "maximum_window_in_minutes": 15}
    assert json.loads(schedule["target"]["input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}


# ------------------------------------------------------------------ runs, from the schedule's input

def test_runs_end_to_end_with_the_local_job_and_handlers(nightly) -> None:
    when = datetime(2024, 3, 1, 18, 0, tzinfo=timezone.utc)
    given = scheduled_input(nightly, when)
    assert given == {"scheduled_time": "2024-03-01T18:00:00Z"}
    result = run(WORKFLOW, given).assert_succeeded()
    assert result.visited == SUCCESS_PATH
    [branch] = result.output
    assert branch["batch"]["Parameters"] == {"scheduled_time": "2024-03-01T18:00:00Z"}
    assert json.loads(branch["batch"]["Container"]["Stdout"])["report_date"] == "2024-03-01"
    assert branch["success_handler"]["Payload"]["job_name"] == "app-local-nightly-report-ScheduledJob"


def test_a_failed_report_goes_to_the_error_handler(nightly) -> None:
    given = scheduled_input(nightly, datetime(2024, 3, 1, 18, 0, tzinfo=timezone.utc))
    result = run(WORKFLOW, given, mocks={
        "Batch": throw("States.TaskFailed", json.dumps({"Container": {"Stderr": "no data", "ExitCode": 1}})),
        "ErrorHandler": [throw("Lambda.ServiceException"), throw("Lambda.ServiceException"),
                         {"Payload": {"status": "FAILED"}}],
    }).assert_succeeded()
    assert result.visited == ERROR_PATH
    assert result.attempts("ErrorHandler") == [0, 2, 6]
    assert result.output["error"]["Error"] == "States.TaskFailed"


def test_the_cli_runs_it_from_the_schedule() -> None:
    proc = subprocess.run([sys.executable, "-m", "flowdsl", "run", str(WORKFLOW), "--scheduled"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    output = json.loads(proc.stdout.split("output:\n", 1)[1])
    assert output[0]["input"] == {"scheduled_time": "2024-01-01T00:00:00Z"}
    assert json.loads(output[0]["success_handler"]["Payload"]["result"])["report_date"] == "2023-12-31"
    proc = subprocess.run([sys.executable, "-m", "flowdsl", "run", str(WORKFLOW), "--message", "{}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and proc.stderr.startswith(
        "error: --message does not fit a ScheduledJob, which is started by an EventBridge Scheduler schedule")


def test_the_kit_runs_it_from_the_schedule() -> None:
    result = run(WORKFLOW, scheduled=True, mocks={"Batch": {"Status": "SUCCEEDED"},
                                                  "OnSuccess": {"Payload": {"status": "SUCCEEDED"}}})
    result.assert_succeeded().assert_visited(*SUCCESS_PATH)
    assert result.calls_of("Batch")[0].payload["Parameters"] == {"scheduled_time": "2024-01-01T00:00:00Z"}
