"""Wrong constructor arguments: one line, `file:line: Class.field: expected ..., got ...`,
at the line where the faulty object was written, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowdsl.errors import LoadError
from flowdsl.fields import FieldError
from flowdsl.loader import load_module
from flowdsl.iam import Allow
from flowdsl.states import Pass, Retry
from flowdsl.tasks.batch import JobDefinition
from flowdsl.tasks.ecs import TaskDefinition

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


# The list fields of conditions and of the job and task definitions take what the states' take
# (fields.as_tuple): a list, a tuple, one item or None; anything else is a field error.

def test_and_or_take_one_condition_as_a_list_of_one() -> None:
    from flowdsl import And, Or, numeric_equals

    c = numeric_equals("$.n", 1)
    assert And(c).conditions == (c,) and Or([c, c]).conditions == (c, c) and And(None).conditions == ()


def test_a_condition_that_is_not_one_is_a_validation_error_not_a_traceback() -> None:
    from flowdsl import And, Choice, Pass, Workflow, When
    from flowdsl.asl import compile_workflow
    from flowdsl.validate import validate

    wf = Workflow("w", states=[Choice("C", choices=[When(And(5), next=Pass("A"))], default=Pass("B"))])
    found = validate(compile_workflow(wf).definition)
    assert ("$.States.C.Choices[0].And[0]", "choice-rule") in {(d.path, d.code) for d in found}


@pytest.mark.parametrize("make, message", [
    (lambda: JobDefinition("j", permissions=5), "JobDefinition.permissions: expected a list of Allow, got int 5"),
    (lambda: TaskDefinition("t", permissions="s3:GetObject"),
     "TaskDefinition.permissions: expected a list of Allow, got str 's3:GetObject'"),
    (lambda: JobDefinition("j", command=7), "JobDefinition.command: expected a list of strings, got int 7"),
])
def test_definitions_name_the_list_field_a_bad_value_is_given_to(make: Any, message: str) -> None:
    with pytest.raises(FieldError) as e:
        make()
    assert str(e.value).startswith(message)


def test_definitions_take_one_permission_or_command_word_and_none() -> None:
    allow = Allow(["s3:GetObject"], ["arn:aws:s3:::b/*"])
    assert JobDefinition("j", permissions=allow).permissions == (allow,)
    assert TaskDefinition("t", command="serve").command == ("serve",)
    assert JobDefinition("j", command=None).command == () == JobDefinition("j").command
