"""What a workflow may do, and what it deploys: warnings about broad grants, trust-policy
conditions, values Terraform would alter, and values AWS would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from flowdsl import (BatchTask, EventJob, EventPattern, JobDefinition, OnDemandJob, Pass,
                     ScheduledJob, Variable, Workflow, var)
from flowdsl.build import check
from flowdsl.testing import run
from flowdsl.validate import validate


def batch_workflow(job: JobDefinition, variables: list[Variable] | None = None) -> Workflow:
    return Workflow("w", [BatchTask("Run", job=job, job_queue="q", job_name="n")],
                    deployment=OnDemandJob("w"), variables=variables or [])


def messages(workflow: Workflow) -> list[str]:
    return [f"{d.path}: {d.message} [{d.code}]" for d in check(workflow)[1]]


# environment values: strings, or references to strings ---------------------------------------

def test_job_environment_refuses_numbers_and_lists() -> None:
    job = JobDefinition("j", image="i", command=["c"], environment={"A": 1, "B": "x", "C": ["x"]})
    assert messages(batch_workflow(job)) == [
        "jobs.j.environment.A: job definition 'j': environment['A'] must be a string or a "
        "reference to one, not a number (1) [bad-environment]",
        "jobs.j.environment.C: job definition 'j': environment['C'] must be a string or a "
        "reference to one, not an array (['x']) [bad-environment]",
    ]


def test_job_environment_refuses_a_variable_that_is_not_a_string() -> None:
    job = JobDefinition("j", image="i", command=["c"],
                        environment={"N": var("n"), "S": var("s")})
    wf = batch_workflow(job, [Variable("n", type="number"), Variable("s")])
    assert messages(wf) == [
        "jobs.j.environment.N: job definition 'j': environment['N'] is var('n') of type number; "
        "a variable's value must be a string [bad-environment]"]


def test_job_environment_of_strings_and_references_builds() -> None:
    job = JobDefinition("j", image="i", command=["c"],
                        environment={"S": var("s"), "T": "t", "U": job_arn()})
    assert messages(batch_workflow(job, [Variable("s")])) == []


def job_arn() -> Any:
    return JobDefinition("other", image="i", command=["c"]).arn


# intrinsic functions start at the value's first character -----------------------------------

@pytest.mark.parametrize("value", [" States.Array('Foo', $.xyz)", "\tStates.UUID()"])
def test_an_intrinsic_with_leading_blanks_is_refused(value: str) -> None:
    doc = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": value},
                                            "End": True}}}
    assert [d.render() for d in validate(doc)] == [
        f"$.States.P.Parameters.a.$: {value!r} is not a JSONPath: it must start with '$' "
        "[bad-path]"]


def test_blanks_between_arguments_stay_allowed() -> None:
    doc = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
        "a.$": "States.Array( 'Foo' , $.xyz )"}, "End": True}}}
    assert validate(doc) == []


# integers Terraform would round -------------------------------------------------------------

BIG = 10**199 + 7
ROUNDED = ("the integer 1000000000000000...00000007 (200 digits) has more digits than "
           "Terraform keeps (it would deploy rounded): write it as a string, or as a float if "
           "an approximation will do [number-too-precise]")
HERE = "tests/test_privilege.py"


def rendered(workflow: Workflow) -> list[str]:
    return [d.render() for d in check(workflow)[1]]


def test_a_big_integer_in_the_definition_is_refused_at_its_state() -> None:
    wf = Workflow("w", [Pass("P", result={"n": BIG, "ok": 10**20, "f": 1e300, "l": [1, -BIG]})],
                  deployment=OnDemandJob("w"))
    line = wf.states[0].source
    assert line.startswith(f"{HERE}:")
    assert rendered(wf) == [f"{line}: $.States.P.Result.n: {ROUNDED}",
                            f"{line}: $.States.P.Result.l[1]: "
                            + ROUNDED.replace("1000000000000000...", "-100000000000000...")]


def test_a_big_integer_in_the_schedule_input_or_the_event_pattern_is_refused() -> None:
    scheduled = Workflow("w", [Pass("P")], variables=[Variable("stage")],
                         deployment=ScheduledJob("w", "rate(1 day)",
                                                 input={"big": BIG, "stage": var("stage")}))
    assert rendered(scheduled) == [f"{scheduled.deployment.source}: deployment.input.big: {ROUNDED}"]
    event = Workflow("w", [Pass("P")], deployment=EventJob(
        "w", EventPattern({"source": ["shop"], "detail": {"total": [BIG]}}), dead_letter_queue=False))
    assert rendered(event) == [f"{event.deployment.source}: deployment.on.pattern.detail.total[0]: "
                               f"{ROUNDED}"]


def test_a_literal_schedule_input_is_written_exactly() -> None:
    wf = Workflow("w", [Pass("P")], deployment=ScheduledJob("w", "rate(1 day)", input={"big": BIG}))
    assert rendered(wf) == []  # encoded by flowdsl, not by Terraform


def test_without_a_deployment_and_in_a_local_run_big_integers_stay() -> None:
    wf = Workflow("w", [Pass("P", result={"n": BIG})])
    assert rendered(wf) == []
    assert run(wf, {}).assert_succeeded().output == {"n": BIG}
