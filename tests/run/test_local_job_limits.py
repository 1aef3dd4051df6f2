"""A local Batch job is bounded as a container is: it ends when its main process ends (what it
left running is killed), its output is read up to AWS's payload limit and no further, and a job
without TimeoutSeconds has a local time limit that RunConfig changes."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from flowdsl.run.bindings import LOCAL_JOB_TIMEOUT_SECONDS, OUTPUT_SLACK_BYTES, LocalBatch
from flowdsl.run.config import RunConfig
from flowdsl.run.dataflow import MAX_PAYLOAD_BYTES
from flowdsl.testing import run

BATCH = "arn:aws:states:::batch:submitJob.sync"


def machine(timeout: int | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Type": "Task", "Resource": BATCH, "End": True,
                          "Parameters": {"JobName": "j", "JobQueue": "q", "JobDefinition": "d"}}
    if timeout is not None:
        st["TimeoutSeconds"] = timeout
    return {"StartAt": "Job", "States": {"Job": st}}


def config(script: str, **kw: Any) -> RunConfig:
    return RunConfig(tasks={"Job": LocalBatch(command=(sys.executable, "-c", script))}, **kw)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_that_writes_past_the_payload_limit_is_stopped_there() -> None:
    # would write 200 MB; the run stops reading (and kills the job) a little past 256 KiB
    script = "import sys\nwhile True: sys.stdout.write('y\\n' * 65536)"
    start = time.monotonic()
    result = run(machine(), {}, config=config(script))
    result.assert_failed("States.DataLimitExceeded")
    assert result.cause == (
        "The state/task 'Job' returned a result with a size exceeding the maximum number of bytes service "
        f"limit. (Its local Batch job wrote more than {MAX_PAYLOAD_BYTES + OUTPUT_SLACK_BYTES:,} bytes to "
        "stdout and stderr, and was stopped.)")
    assert time.monotonic() - start < 30


def test_stderr_counts_towards_the_output_limit() -> None:
    script = "import sys\nsys.stdout.write('o' * 200000)\nsys.stderr.write('e' * 200000)"
    run(machine(), {}, config=config(script)).assert_failed("States.DataLimitExceeded")


def test_output_within_the_limit_is_the_jobs_result() -> None:
    script = "import sys\nsys.stdout.write('o' * 200000)\nsys.stderr.write('e\\r\\n')"
    result = run(machine(), {}, config=config(script)).assert_succeeded()
    assert result.output["Container"]["Stdout"] == "o" * 200000
    assert result.output["Container"]["Stderr"] == "e\n"


def test_a_job_ends_when_its_main_process_ends(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # the main process starts a background child that would run for 30 s, and exits at once
    script = ("import subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
              f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
              "print('started')")
    start = time.monotonic()
    result = run(machine(timeout=20), {}, config=config(script)).assert_succeeded()
    assert time.monotonic() - start < 15
    assert result.output["Status"] == "SUCCEEDED"
    assert result.output["Container"]["ExitCode"] == 0
    assert result.output["Container"]["Stdout"] == "started\n"
    child = int(pid_file.read_text())
    for _ in range(50):
        if not alive(child):
            break
        time.sleep(0.1)
    assert not alive(child), "the job's background child was left running"


def test_the_main_processs_status_is_the_jobs() -> None:
    script = "import subprocess, sys\nsubprocess.Popen(['sleep', '30'])\nsys.exit(3)"
    result = run(machine(), {}, config=config(script))
    result.assert_failed("States.TaskFailed")
    job = json.loads(result.cause or "{}")
    assert (job["Status"], job["Container"]["ExitCode"]) == ("FAILED", 3)


def test_a_job_without_timeout_seconds_stops_at_the_local_limit() -> None:
    assert LOCAL_JOB_TIMEOUT_SECONDS == 3600
    assert RunConfig().job_timeout_seconds == LOCAL_JOB_TIMEOUT_SECONDS
    start = time.monotonic()
    result = run(machine(), {}, config=config("import time; time.sleep(30)", job_timeout_seconds=0.5))
    assert time.monotonic() - start < 15
    result.assert_failed("States.Timeout")
    job = json.loads(result.cause or "{}")
    assert job["Status"] == "FAILED"
    assert job["StatusReason"] == ("Job attempt duration exceeded timeout (the local limit of 0.5 s for a job "
                                   "without TimeoutSeconds; RunConfig(job_timeout_seconds=...) changes it)")


def test_timeout_seconds_wins_over_the_local_limit() -> None:
    result = run(machine(timeout=1), {}, config=config("import time; time.sleep(30)", job_timeout_seconds=600))
    result.assert_failed("States.Timeout")
    assert json.loads(result.cause or "{}")["StatusReason"] == "Job attempt duration exceeded timeout"


def test_a_job_within_the_local_limit_succeeds() -> None:
    result = run(machine(), {}, config=config("print('done')", job_timeout_seconds=60)).assert_succeeded()
    assert result.output["Container"]["Stdout"] == "done\n"


def test_no_local_limit_when_the_config_says_none() -> None:
    for limit in (None, 7.0):
        binder = RunConfig(tasks={"Job": LocalBatch(command=("true",))}, job_timeout_seconds=limit).binder()
        handler: Any = binder.handler_for("Job")
        assert handler.__self__.default_timeout == limit


def wide_parallel(branches: int) -> dict[str, Any]:
    return {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": True, "ResultSelector": {"n.$": "States.ArrayLength($)"},
        "Branches": [{"StartAt": f"B{i}", "States": {f"B{i}": {"Type": "Pass", "End": True}}}
                     for i in range(branches)]}}}


def test_a_parallel_fails_as_soon_as_its_branches_results_pass_the_payload_limit() -> None:
    # 2,000 branches passing on 1,000 characters each: the result would be about 2 MB; ResultSelector
    # would make it small, but the branches' results are past the limit long before the last one runs
    result = run(wide_parallel(2000), {"s": "x" * 1000})
    result.assert_failed("States.DataLimitExceeded")
    assert result.cause == ("The state/task 'P' returned a result with a size exceeding the maximum "
                            "number of bytes service limit.")
    ran = sum(1 for e in result.history if e["type"] == "PassStateExited")
    # each result is {"s":"x..."}, 1,008 bytes, with a comma between them inside "[]"
    assert ran == next(k for k in range(1, 2000) if 2 + 1008 * k + (k - 1) > MAX_PAYLOAD_BYTES) == 260


def test_a_parallel_whose_results_fit_succeeds() -> None:
    result = run(wide_parallel(200), {"s": "x" * 1000}).assert_succeeded()
    assert result.output == {"n": 200}


def test_a_map_fails_as_soon_as_its_results_pass_the_payload_limit() -> None:
    doc = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ItemsPath": "$.items", "ItemSelector": {"s.$": "$.s"},
        "ResultSelector": {"n.$": "States.ArrayLength($)"},
        "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}}}}
    result = run(doc, {"items": list(range(2000)), "s": "x" * 200})
    result.assert_failed("States.DataLimitExceeded")
    assert result.cause == ("The state/task 'M' returned a result with a size exceeding the maximum "
                            "number of bytes service limit.")
    ran = sum(1 for e in result.history if e["type"] == "MapIterationSucceeded")
    # each result is {"s":"x..."}, 208 bytes, with a comma between them inside "[]"
    assert ran == next(k for k in range(1, 3000) if 2 + 208 * k + (k - 1) > MAX_PAYLOAD_BYTES) == 1255
    run(doc, {"items": list(range(200)), "s": "x" * 200}).assert_succeeded()
