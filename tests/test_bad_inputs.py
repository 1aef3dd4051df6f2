"""Malformed and extreme inputs to build, validate and run: each class gets its exact message,
exit status 1 and no traceback, within 20 seconds (every case runs the CLI as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from locations import ROOT

FIB = "workflows/fibonacci.py"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"
FIB_STATES = "Batch, BatchGroup, ErrorHandler, ExtractInputParameters, OnSuccess"


def flowdsl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=20)


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def task(**kw: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **kw}


def pipeline_mocks(machine_name: str, case: dict[str, str],
                   responses: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"StateMachines": {machine_name: {"TestCases": {"T": case}}},
            "MockedResponses": responses or {"Fails": {"0-99999999": {"Throw": {"Error": "Boom", "Cause": "x"}}},
                                             "Ok": {"0": {"Return": {"Payload": {}}}}}}


# ---------------------------------------------------------------- inputs that are not usable

Files = Callable[[Path], list[str]]


def _file(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
        return p
    return make


def _json(name: str, doc: Any) -> Callable[[Path], Path]:
    return _file(name, json.dumps(doc))


WORKFLOW_FILES = {
    "calls sys.exit(0)": ("import sys\nsys.exit(0)\n",
                          "{p}:2: the file called sys.exit(0) while it was loaded; a workflow file must "
                          "define its workflow and return"),
    "raises SystemExit": ("raise SystemExit\n",
                          "{p}:1: the file called sys.exit(None) while it was loaded; a workflow file must "
                          "define its workflow and return"),
    "raises KeyboardInterrupt": ("raise KeyboardInterrupt\n",
                                 "{p}:1: the file raised KeyboardInterrupt while it was loaded"),
    "raises a BaseException": ("class Stop(BaseException):\n    pass\n\nraise Stop('halt')\n", "{p}:4: Stop: halt"),
    "raises GeneratorExit": ("raise GeneratorExit\n", "{p}:1: GeneratorExit"),
    "recurses without end": ("def f():\n    return f()\n\n\nf()\n",
                             "{p}:2: RecursionError: maximum recursion depth exceeded"),
    "defines nothing": ("x = 1\n", "{p}: defines no Workflow (assign one to a module-level name, e.g. "
                                   "workflow = Workflow(...))"),
}


@pytest.mark.parametrize("command", ["validate", "build", "run"])
@pytest.mark.parametrize("case", list(WORKFLOW_FILES))
def test_a_workflow_file_that_does_not_define_a_workflow(case: str, command: str, tmp_path: Path) -> None:
    text, expected = WORKFLOW_FILES[case]
    p = tmp_path / "wf.py"
    p.write_text(text)
    args = [command, str(p)] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    proc = flowdsl(*args)
    line = expected.format(p=p)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == {
        "validate": [f"error: {line}"], "run": [f"error: {line}"],
        "build": [line, "error: 1 problem(s); nothing was written"]}[command]
    assert not (tmp_path / "out").exists()


ASL_CASES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "Next is a list": (
        _json("a.json", machine(C={"Type": "Choice", "Default": "D",
                                   "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "B"}]},
                                B={"Type": "Pass", "Next": ["D"]}, D={"Type": "Pass", "End": True})),
        ["{p}:1: $.States.B.Next: Next must name a state [bad-type]"]),
    "Retry is a string": (_json("a.json", machine(A=task(Retry="x"))),
                          ["{p}:1: $.States.A.Retry: Retry must be an array [bad-type]"]),
    "Seconds is a word": (_json("a.json", machine(W={"Type": "Wait", "Seconds": "ten", "End": True})),
                          ["{p}:1: $.States.W.Seconds: Seconds must be a non-negative integer [bad-value]"]),
    "Comment is a number": (_json("a.json", {"Comment": 5, **machine(A={"Type": "Pass", "End": True})}),
                            ["{p}:1: $.Comment: Comment must be a string, not a number [bad-type]"]),
    "Version is a number": (_json("a.json", {"Version": 1.0, **machine(A={"Type": "Pass", "End": True})}),
                            ['{p}:1: $.Version: Version must be a string such as "1.0", not a number [bad-type]']),
    "NaN in the document": (_file("a.json", '{"StartAt": "A", "States": {"A": {"Type": "Pass", '
                                            '"Result": NaN, "End": true}}}'),
                            ["{p}: not valid JSON: NaN is not a JSON value"]),
    "an overflowing number": (_file("a.json", '{"StartAt": "A", "States": {"A": {"Type": "Pass", '
                                              '"Result": 1e999, "End": true}}}'),
                              ["{p}: not valid JSON: the number 1e999 is too large for a JSON reader "
                               "(it overflows a double)"]),
    "a lone surrogate": (_file("a.json", '{"StartAt": "A", "States": {"A": {"Type": "Pass", '
                                         '"Result": "\\ud800", "End": true}}}'),
                         ["{p}: holds a lone surrogate, which is not valid Unicode text"]),
    "invalid UTF-8": (_file("a.json", b'{"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": "\xff"}}}'),
                      ["{p}: is not UTF-8 text (byte 0xff at offset 62)"]),
    "nested 20,001 levels": (_file("a.json", "[" * 20_001 + "]" * 20_001),
                             ["{p}: nests 20,001 levels deep; flowdsl reads at most 20,000"]),
    "over 1 MB": (_json("a.json", machine(A={"Type": "Pass", "Result": "x" * (1024 * 1024), "End": True})),
                  ["{p}:1: $: the definition is 1,048,645 bytes; AWS accepts at most 1,048,576 (1 MB) "
                   "[definition-size]"]),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", list(ASL_CASES))
def test_a_bad_asl_document(case: str, command: str, tmp_path: Path) -> None:
    make, lines = ASL_CASES[case]
    p = make(tmp_path)
    proc = flowdsl(command, str(p))
    expected = [line.format(p=p) for line in lines]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    if command == "run":  # run validates first, as validate does, and runs nothing
        assert proc.stderr.splitlines() == [f"error: {expected[0]}", *expected[1:]]
        assert proc.stdout == ""
    elif ":1: $" in lines[0]:
        assert proc.stderr.splitlines() == expected + [f"error: {len(expected)} problem(s)"]
    else:
        assert proc.stderr.splitlines() == [f"error: {line}" for line in expected]


RUN_CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "--input NaN": (lambda t: ["--input", "NaN"], "error: --input: not valid JSON: NaN is not a JSON value"),
    "--input Infinity": (lambda t: ["--input", '{"x": -Infinity}'],
                         "error: --input: not valid JSON: -Infinity is not a JSON value"),
    "--input lone surrogate": (lambda t: ["--input", '"\\udc00"'],
                               "error: --input: holds a lone surrogate, which is not valid Unicode text"),
    "--var unknown name": (lambda t: ["--message", "{}", "--var", "stge=dev"],
                           "error: --var 'stge': the workflow 'fibonacci' has no such variable (did you mean "
                           "'stage'?); its variables: app_name, stage, batch_job_queue_arn, image_uri, "
                           "image_tag, env, success_handler_arn, error_handler_arn, vcpus, memory"),
    "mocks: wrong schema": (lambda t: ["--mocks", str(_json("m.json", {"StateMachines": []})(t)),
                                       "--test-case", "T"],
                            "error: mock config {t}/m.json: $.StateMachines: is required and must be an object "
                            "of state machines"),
    "mocks: a response without Return or Throw": (
        lambda t: ["--mocks", str(_json("m.json", pipeline_mocks("fibonacci", {"Batch": "R"},
                                                                 {"R": {"0": {"Value": 1}}}))(t)),
                   "--test-case", "T"],
        'error: mock config {t}/m.json: $.MockedResponses.R.0: a response is {{"Return": value}} or '
        '{{"Throw": {{"Error": ..., "Cause": ...}}}}'),
    "mocks: invalid UTF-8": (lambda t: ["--mocks", str(_file("m.json", b'{"StateMachines": "\xfe"}')(t)),
                                        "--test-case", "T"],
                             "error: mock config {t}/m.json: is not UTF-8 text (byte 0xfe at offset 19)"),
    "mocks: NaN": (lambda t: ["--mocks", str(_file("m.json", '{"StateMachines": {}, "MockedResponses": '
                                                             '{"R": {"0": {"Return": NaN}}}}')(t)),
                              "--test-case", "T"],
                   "error: mock config {t}/m.json: not valid JSON: NaN is not a JSON value"),
    "mocks: a misspelt state": (
        lambda t: ["--message", "{}", "--mocks",
                   str(_json("m.json", pipeline_mocks("fibonacci", {"Bach": "Fails"}))(t)), "--test-case", "T"],
        "error: {t}/m.json: test case 'T' mocks name 'Bach', which the state machine does not have (did you "
        f"mean 'Batch'?); its states: {FIB_STATES}"),
}


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_a_bad_run_input(case: str, tmp_path: Path) -> None:
    args, expected = RUN_CASES[case]
    proc = flowdsl("run", FIB, *args(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == [expected.format(t=tmp_path)]
    assert proc.stdout == ""


# ---------------------------------------------------------------- AWS's limits, during a run

def _run_asl(tmp: Path, doc: dict[str, Any], *args: str, mocks: dict[str, Any] | None = None) -> Any:
    p = tmp / "sm.asl.json"
    p.write_text(json.dumps(doc))
    extra: list[str] = []
    if mocks is not None:
        m = tmp / "mocks.json"
        m.write_text(json.dumps(mocks))
        extra = ["--mocks", str(m), "--test-case", "T"]
    return flowdsl("run", str(p), *args, *extra)


def test_a_retry_loop_stops_at_25000_history_events(tmp_path: Path) -> None:
    doc = machine(A=task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 99999999, "BackoffRate": 1}]))
    proc = _run_asl(tmp_path, doc, "--history", mocks=pipeline_mocks("sm", {"A": "Fails"}))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        "error: execution FAILED: States.Runtime",
        "cause: The execution reached the maximum number of history events (25000)."]
    history = json.loads(proc.stdout)  # the output is valid JSON
    assert len(history) == 25_000
    assert history[-1]["type"] == "ExecutionFailed" and history[-1]["id"] == 25_000
    assert history[-1]["executionFailedEventDetails"] == {
        "error": "States.Runtime", "cause": "The execution reached the maximum number of history events (25000)."}


def test_a_map_over_30000_items_stops_at_25000_history_events(tmp_path: Path) -> None:
    doc = machine(M={"Type": "Map", "End": True, "ItemsPath": "$.items",
                     "ItemProcessor": machine(I={"Type": "Pass", "End": True})})
    proc = _run_asl(tmp_path, doc, "--input", json.dumps({"items": [0] * 30_000}), "--history")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == "cause: The execution reached the maximum number of history events (25000)."
    assert len(json.loads(proc.stdout)) == 25_000


ONE_YEAR = ("cause: The execution would run past the maximum execution duration of one year (31536000 s) "
            "while in state 'W'")


@pytest.mark.parametrize("wait", [
    {"Seconds": 1e30}, {"Seconds": 10**40}, {"Timestamp": "9999-12-31T23:59:59Z"},
    {"SecondsPath": "$.s"}, {"TimestampPath": "$.t"}])
def test_a_wait_past_the_longest_execution_times_out(wait: dict[str, Any], tmp_path: Path) -> None:
    doc = machine(W={"Type": "Wait", "End": True, **wait})
    proc = _run_asl(tmp_path, doc, "--input", json.dumps({"s": 10**30, "t": "9999-12-31T23:59:59Z"}))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == ["error: execution TIMED_OUT: States.Timeout", ONE_YEAR]


def test_an_overflowing_retry_backoff_times_out(tmp_path: Path) -> None:
    doc = machine(W=task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 5000,
                                 "IntervalSeconds": 99999999, "BackoffRate": 1e300}]))
    proc = _run_asl(tmp_path, doc, mocks=pipeline_mocks("sm", {"W": "Fails"}))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == ["error: execution TIMED_OUT: States.Timeout", ONE_YEAR]


# The out-of-bounds values come from the input: written as literals, validation rejects the
# call before the run starts (tests/test_lang.py).
@pytest.mark.parametrize("expr, cause", [
    ("States.ArrayRange(1, $.billion, 1)",
     "States.ArrayRange: the result would have 1,000,000,000 items; at most 1000 are allowed"),
    ("States.ArrayRange(1, $.big, 1)",
     "States.ArrayRange: the end 1000000000000 is outside the integer range -2147483648 to 2147483647"),
    ("States.MathAdd($.ten_billion, 1)",
     "States.MathAdd: the first argument 9999999999 is outside the integer range -2147483648 to 2147483647"),
    ("States.MathRandom(1, $.huge)",
     "States.MathRandom: the end 99999999999 is outside the integer range -2147483648 to 2147483647"),
    ("States.Format($.list)", "States.Format: the first argument must be a string template"),
    ("States.StringToJson($.nan)", "States.StringToJson: invalid JSON string '[NaN]': not valid JSON: "
                                   "NaN is not a JSON value"),
])
def test_an_intrinsic_out_of_bounds_fails_the_state(expr: str, cause: str, tmp_path: Path) -> None:
    doc = machine(A={"Type": "Pass", "Parameters": {"x.$": expr}, "End": True})
    proc = _run_asl(tmp_path, doc, "--input", json.dumps({
        "list": [1], "big": 1000000000000, "billion": 1000000000, "ten_billion": 9999999999,
        "huge": 99999999999, "nan": "[NaN]"}))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == ["error: execution FAILED: States.IntrinsicFailure", f"cause: {cause}"]


@pytest.mark.parametrize("expr, cause_start", [
    ('$contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a|aa)+$/)',
     "the regular expression /(a|aa)+$/ took longer than 1 s to match (catastrophic backtracking)"),
    ('($f := function($x){ $x > 0 ? 1 + $f($x - 1) : 0 }; $f(100000))',
     "Stack overflow. Check for non-terminating recursive function."),
    ('($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("ab", 40)))',
     "a JSONata expression built a string of 16,777,216 characters; the limit is 10,485,760"),
    ('$count([1..10000000])', "a JSONata expression built a sequence of 10,000,001 items; the limit is 1,000,000"),
])
def test_a_runaway_jsonata_expression_fails_the_state(expr: str, cause_start: str, tmp_path: Path) -> None:
    doc = {"QueryLanguage": "JSONata", **machine(A={"Type": "Pass", "Output": "{% " + expr + " %}", "End": True})}
    proc = _run_asl(tmp_path, doc)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: execution FAILED: States.QueryEvaluationError"
    assert cause_start in lines[1]
    assert lines[1].startswith(f"cause: The JSONata expression '{expr}' specified for the field 'Output'")


# ---------------------------------------------------------------- deep nesting is handled

def test_a_10000_level_input_runs(tmp_path: Path) -> None:
    doc = machine(A={"Type": "Pass", "End": True})
    proc = _run_asl(tmp_path, doc, "--input", "[" * 10_000 + "]" * 10_000, "--history")
    assert proc.returncode == 0, proc.stderr
    history = json.loads(proc.stdout)
    assert history[-1]["type"] == "ExecutionSucceeded"


def _deep_parameters_workflow(tmp: Path) -> Path:
    p = tmp / "deep.py"
    p.write_text("from flowdsl import Pass, Workflow\n"
                 "params = {'leaf.$': '$.x'}\n"
                 "for _ in range(10_000):\n"
                 "    params = {'a': params}\n"
                 "workflow = Workflow('deep', states=[Pass('P', parameters=params, output_path='$.a.a')])\n")
    return p


def test_10000_level_parameters_validate_build_and_run(tmp_path: Path) -> None:
    p = _deep_parameters_workflow(tmp_path)
    proc = flowdsl("validate", str(p))
    assert proc.stdout.strip() == f"{p}: workflow 'deep' is valid", proc.stderr
    proc = flowdsl("build", str(p), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "deep" / "deep.asl.json").read_text()
    assert text.count('"a": {') == 10_000 and '"leaf.$": "$.x"' in text
    proc = flowdsl("run", str(p), "--input", '{"x": 7}', "--history")
    assert proc.returncode == 0, proc.stderr
    output = json.loads(proc.stdout)[-1]["executionSucceededEventDetails"]["output"]
    assert output == '{"a":' * 9_998 + '{"leaf":7}' + "}" * 9_998  # OutputPath $.a.a took two levels off


def _parallel_workflow(tmp: Path, depth: int) -> Path:
    p = tmp / "nested.py"
    p.write_text("from flowdsl import Parallel, Pass, Workflow\n"
                 "inner = [Pass('Leaf', result={'deep': True})]\n"
                 f"for i in range({depth}):\n"
                 "    inner = [Parallel(f'L{i}', branches=[inner])]\n"
                 "workflow = Workflow('nested', states=inner)\n")
    return p


def test_500_level_parallel_validates_builds_and_runs(tmp_path: Path) -> None:
    p = _parallel_workflow(tmp_path, 500)
    assert flowdsl("validate", str(p)).returncode == 0
    assert flowdsl("build", str(p), "--out", str(tmp_path / "out")).returncode == 0
    proc = flowdsl("run", str(p), "--history")
    assert proc.returncode == 0, proc.stderr
    history = json.loads(proc.stdout)
    assert sum(e["type"] == "ParallelStateEntered" for e in history) == 500
    out = json.loads(history[-1]["executionSucceededEventDetails"]["output"])
    for _ in range(500):
        (out,) = out
    assert out == {"deep": True}
    asl = tmp_path / "out" / "nested" / "nested.asl.json"
    assert asl.stat().st_size > 0
    assert flowdsl("run", str(asl), "--history").returncode == 0


def test_a_string_matches_pattern_with_many_stars_finishes(tmp_path: Path) -> None:
    # As a regex, "*a*a*a*a*a*a*b" backtracks polynomially and never finishes on 100,000 "a"s.
    doc = machine(C={"Type": "Choice", "Default": "No", "Choices": [
        {"Variable": "$.s", "StringMatches": "*a*a*a*a*a*a*b", "Next": "Yes"}]},
        Yes={"Type": "Pass", "Result": "yes", "End": True}, No={"Type": "Pass", "Result": "no", "End": True})
    proc = _run_asl(tmp_path, doc, "--input", json.dumps({"s": "a" * 100_000}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith('output:\n"no"')
