"""Wrong constructor arguments: one line, `file:line: Class.field: expected ..., got ...`,
at the line where the faulty object was written, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdsl.errors import LoadError
from flowdsl.fields import FieldError
from flowdsl.loader import load_module
from flowdsl.states import Pass, Retry

HEADER = "from flowdsl import *\nfrom flowdsl.conditions import string_equals\n\n"

CASES = [
    ('LambdaTask("A", function="f", retry="States.ALL")',
     "LambdaTask.retry: expected a list of Retry, got str 'States.ALL'"),
    ('LambdaTask("A", function="f", retry=[Retry(["X"]), "States.ALL"])',
     "LambdaTask.retry[1]: expected a Retry, got str 'States.ALL'"),
    ('LambdaTask("A", function="f", retrys=[])',
     "LambdaTask.retrys: unknown argument; did you mean 'retry'?"),
    ('Succeed("A", bogus=1)',
     "Succeed.bogus: unknown argument; Succeed takes name, comment, query_language, input_path, "
     "output_path, output"),
    ('Choice("C")', "Choice.choices: expected at least one When, got nothing (it is required)"),
    ('Choice("C", choices=[])', "Choice.choices: expected at least one When, got an empty list"),
    ('Choice("C", choices=[string_equals("$.a", "b")])',
     "Choice.choices: expected at least one When, got Comparison "
     "Comparison(variable='$.a', operator='StringEquals', value..."),
    ('Pass("A", "a comment")',
     "Pass: expected 1 positional argument (name), got 2; give the others by keyword"),
    ('Retry(["X"], interval_seconds="2")', "Retry.interval_seconds: expected a number, got str '2'"),
    ('Retry(["X", 3])', "Retry.error_equals[1]: expected a string, got int 3"),
    ("Pass(3)", "Pass.name: expected a string, got int 3"),
    ('Pass("A", result_path=5)', "Pass.result_path: expected a string or DISCARD, got int 5"),
    ('Catch(["X"])', "Catch.next: expected a state, a tuple of states, or a state's name, got "
     "nothing (it is required)"),
    ('Catch(["X"], next=5)',
     "Catch.next: expected a state, a tuple of states, or a state's name, got int 5"),
    ('Map("M", processor=None)', "Map.processor: expected a Branch, got None"),
    ('Parallel("P", branches=[[Pass("A"), 3]])',
     "Branch.states[1]: expected a state or Goto(...), got int 3"),
    ('string_equals(1, "x")', "Comparison.variable: expected a string, got int 1"),
    ("var(3)", "Var.name: expected a string, got int 3"),
    ('Workflow("w", states=[Pass("A")], variables=["x"])',
     "Workflow.variables: expected a list of Variable, got str 'x'"),
    ('BatchTask("B")',
     "BatchTask.job: expected a JobDefinition, a string or a reference (var(...), join(...)), got "
     "nothing (it is required) (also missing: job_queue, job_name)"),
    ('LambdaTask("A", function=3)',
     "LambdaTask.function: expected a string or a reference (var(...), join(...)), got int 3"),
    ('LambdaTask("A", function="f", wait_for_task_token="yes")',
     "LambdaTask.wait_for_task_token: expected True or False, got str 'yes'"),
    ('JobDefinition("j", command=["python", 1])', "JobDefinition.command[1]: expected a string, got int 1"),
    ('JobDefinition("j", command=1)', "JobDefinition.command: expected a list of strings, got int 1"),
    ('JobDefinition("j", imagee="x")', "JobDefinition.imagee: unknown argument; did you mean 'image'?"),
    ('Logging(level="all")',
     "Logging.level: expected one of 'ALL', 'ERROR', 'FATAL', 'OFF', got str 'all'"),
    ('Variable("x", type="str")', "Variable.type: expected one of 'string', 'number', 'bool', "
     "'list(string)', 'map(string)', 'any', got str 'str'"),
    ('OnDemandJob("j", bogus=1)',
     "OnDemandJob.bogus: unknown argument; OnDemandJob takes resource_name, queue, pipe, logging, "
     "tracing, type, alias, alarms"),
]


@pytest.mark.parametrize("code, message", CASES, ids=[c[0] for c in CASES])
def test_wrong_arguments_name_class_field_and_line(tmp_path: Path, code: str, message: str) -> None:
    p = tmp_path / "wf.py"
    p.write_text(HEADER + f"x = {code}\n")
    with pytest.raises(LoadError) as e:
        load_module(p)
    assert str(e.value) == f"{p}:4: {message}"


def test_the_line_is_the_faulty_objects_own_inside_a_larger_expression(tmp_path: Path) -> None:
    p = tmp_path / "wf.py"
    p.write_text(HEADER + 'workflow = Workflow("w", states=[\n    Pass("A"),\n'
                 '    LambdaTask("B", function="f",\n               retry="States.ALL"),\n])\n')
    with pytest.raises(LoadError, match=rf"^{p}:6: LambdaTask\.retry: expected a list of Retry, "
                       r"got str 'States\.ALL'$"):
        load_module(p)


def test_outside_a_workflow_file_the_error_is_a_field_error_and_a_type_error() -> None:
    with pytest.raises(FieldError, match=r"^Retry\.backoff_rate: expected a number, got str 'x'$"):
        Retry(["X"], backoff_rate="x")
    with pytest.raises(TypeError):
        Pass("A", input_path=1)


def test_valid_values_of_every_allowed_type_are_accepted() -> None:
    from flowdsl import DISCARD, NULL, Catch, Choice, Goto, LambdaTask, Map, When, Wait, join, var
    from flowdsl.conditions import is_present

    Wait("W", seconds="{% $states.input.n %}")
    Wait("W", seconds=5)
    Retry("States.ALL", interval_seconds=1.0, backoff_rate=2)
    Pass("P", result_path=DISCARD, input_path=NULL, output_path=None)
    Catch(["States.ALL"], next=(Pass("A"), Goto("B")))
    Choice("C", choices=[When(is_present("$.a", True), next="A")], default=Goto("B"))
    Map("M", processor=[Pass("A")], max_concurrency="{% $n %}", items_path="$.items")
    LambdaTask("L", function=join("arn:", var("x")), qualifier=var("q"))


def test_no_workflow_of_that_name_suggests_one(tmp_path: Path) -> None:
    from flowdsl.loader import load_workflows, pick

    p = tmp_path / "wf.py"
    p.write_text(HEADER + 'a = Workflow("fibonacci", states=[Pass("A")])\n'
                 'b = Workflow("other", states=[Pass("B")])\n')
    with pytest.raises(LoadError, match=rf"^{p}: no workflow named 'fibonaci'; it defines fibonacci, "
                       r"other; did you mean 'fibonacci'\?$"):
        pick(load_workflows(p), p, "fibonaci")
