"""Diagnostics that point at the cause: one mistake, one line, at the object that holds it,
with a did-you-mean; ``--verbose`` shows the offending value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowdsl import DISCARD, NULL, Pass, Workflow
from flowdsl.asl import compile_workflow
from flowdsl.build import check
from flowdsl.explain import render, show, value_at
from flowdsl.loader import load_workflows
from flowdsl.testing import run
from locations import ROOT

# A new user's pipeline with one typo in a Choice rule's target.
TYPO = '''\
from flowdsl import Choice, Fail, Pass, Succeed, Variable, When, Workflow, var
from flowdsl.conditions import string_equals

stage = var("stag")
workflow = Workflow("w", variables=[Variable("stage")], states=[
    Pass("Start", parameters={"stage": stage}),
    Choice("Route", choices=[
        When(string_equals("$.status", "ok"),
             next="NotifySucess"),
    ], default="NotifyFailure"),
    Pass("NotifySuccess"),
    Succeed("Done"),
    Fail("NotifyFailure"),
])
'''


def flowdsl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_typo_is_one_diagnostic_at_the_when_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(TYPO)
    r = flowdsl("validate", "wf.py", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "wf.py:8: $.States.Route.Choices[0].Next: there is no state named 'NotifySucess'; "
        "did you mean 'NotifySuccess'? [dangling-transition]",
        "wf.py:4: $.States.Start.Parameters.stage: var('stag') is not declared in the "
        "workflow's variables (declared: stage); did you mean 'stage'? [undeclared-variable]",
        "error: 2 problem(s)",
    ]


@pytest.mark.parametrize("command", ["validate", "build"])
def test_verbose_shows_the_offending_value(tmp_path: Path, command: str) -> None:
    (tmp_path / "wf.py").write_text(TYPO)
    r = flowdsl(command, "wf.py", "--verbose", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines()[:4] == [
        "wf.py:8: $.States.Route.Choices[0].Next: there is no state named 'NotifySucess'; "
        "did you mean 'NotifySuccess'? [dangling-transition]",
        '    value: "NotifySucess"',
        "wf.py:4: $.States.Start.Parameters.stage: var('stag') is not declared in the "
        "workflow's variables (declared: stage); did you mean 'stage'? [undeclared-variable]",
        '    value: "${var.stag}"',
    ]
    assert not (tmp_path / "build").exists()


def test_verbose_on_an_asl_file(tmp_path: Path) -> None:
    (tmp_path / "sm.asl.json").write_text(
        '{"StartAt": "A", "States": {\n'
        '  "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",\n'
        '        "Retry": [{"ErrorEquals": ["X"],\n'
        '                   "BackoffRate": 0.5}], "End": true},\n'
        '  "B": {"Type": "Wait", "End": true}}}\n')
    r = flowdsl("validate", "sm.asl.json", "-v", cwd=tmp_path)
    assert r.stderr.splitlines() == [
        "sm.asl.json:4: $.States.A.Retry[0].BackoffRate: BackoffRate must be a number >= 1, "
        "not 0.5 [retry-range]",
        "    value: 0.5",
        "sm.asl.json:5: $.States.B: a Wait needs exactly one of Seconds, Timestamp, SecondsPath "
        "or TimestampPath [wait-duration]",
        '    value: {"Type": "Wait", "End": true}',
        "sm.asl.json:5: $.States.B: state 'B' cannot be reached from StartAt 'A' [unreachable]",
        '    value: {"Type": "Wait", "End": true}',
        "error: 3 problem(s)",
    ]


LINES = '''\
from flowdsl import Catch, Choice, LambdaTask, Pass, Retry, Succeed, When, Workflow
from flowdsl.conditions import all_of, is_present, numeric_greater_than

big = numeric_greater_than("$.n", "ten")
workflow = Workflow("w", states=[
    LambdaTask("Call", function="f",
               retry=[Retry(["States.ALL"]),
                      Retry(["States.Timeout"])],
               catch=[Catch(["States.ALL"],
                            next="Recover", result_path="x")]),
    Choice("Route", choices=[
        When(all_of(
                 is_present("$.a", True),
                 big),
             next="Done"),
    ], default="Done"),
    Succeed("Done"),
    Pass("Recover"),
])
'''


def test_each_diagnostic_names_the_line_of_the_object_that_holds_the_mistake(tmp_path: Path) -> None:
    p = tmp_path / "wf.py"
    p.write_text(LINES)
    (wf,) = load_workflows(p).values()
    _, diagnostics = check(wf)
    assert [d.render() for d in diagnostics] == [
        f"{p}:7: $.States.Call.Retry[0].ErrorEquals: a retrier for States.ALL must be the last one "
        "[states-all-position]",
        f"{p}:9: $.States.Call.Catch[0].ResultPath: 'x' is not a reference path: it must start "
        "with '$' [bad-path]",
        f"{p}:4: $.States.Route.Choices[0].And[1].NumericGreaterThan: NumericGreaterThan compares "
        "with a number, not a string [bad-type]",
    ]


def test_value_at_follows_state_names_with_dots_and_brackets() -> None:
    doc = {"States": {"a.b": {"Next": "x"}, "a": {"b": 1}, "c[0]": {"L": [1, {"k": None}]}}}
    assert value_at(doc, "$.States.a.b.Next") == "x"
    assert value_at(doc, "$.States.a.b") == {"Next": "x"}
    assert value_at(doc, "$.States.c[0].L[1].k") is None
    assert show(value_at(doc, "$.States.nope")) == "(not set)"
    assert show(value_at(doc, "$.States.c[0].L[5]")) == "(not set)"
    assert show("x" * 300) == '"' + "x" * 196 + "..."


def test_render_without_verbose_is_one_line_per_diagnostic() -> None:
    from flowdsl.errors import Diagnostic

    d = Diagnostic("bad-path", "$.States.A.InputPath", "bad", "wf.py:3")
    assert render([d], {"States": {"A": {"InputPath": "q"}}}) == [
        "wf.py:3: $.States.A.InputPath: bad [bad-path]"]
    assert render([d], {"States": {"A": {"InputPath": "q"}}}, verbose=True) == [
        "wf.py:3: $.States.A.InputPath: bad [bad-path]", '    value: "q"']
    assert render([Diagnostic("bad-name", "name", "bad", None)], {}, verbose=True) == [
        "name: bad [bad-name]"]


# DISCARD against None ----------------------------------------------------------------------

def test_discard_is_null_and_none_is_absent() -> None:
    assert DISCARD is NULL and repr(DISCARD) == "DISCARD"
    states = compile_workflow(Workflow("w", states=[
        Pass("Keep", result={"r": 1}, result_path=DISCARD),
        Pass("Replace", result={"r": 1}),
    ])).definition["States"]
    assert states["Keep"]["ResultPath"] is None
    assert "ResultPath" not in states["Replace"]


@pytest.mark.parametrize("result_path, output", [
    (None, {"r": 1}),                 # not set: the result replaces the whole input
    (DISCARD, {"in": 0}),             # the result is discarded: the input goes on
    ("$.out", {"in": 0, "out": {"r": 1}}),
])
def test_discard_keeps_the_input_none_replaces_it(result_path, output) -> None:
    wf = Workflow("w", states=[Pass("P", result={"r": 1}, result_path=result_path)])
    result = run(wf, {"in": 0})
    result.assert_succeeded()
    assert result.output == output
