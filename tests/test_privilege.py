"""What a workflow may do, and what it deploys: warnings about broad grants, trust-policy
conditions, values Terraform would alter, and values AWS would refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowdsl import (Allow, BatchTask, EventJob, EventPattern, JobDefinition, OnDemandJob, Pass,
                     ScheduledJob, Variable, Workflow, var)
from flowdsl.build import build, check
from flowdsl.testing import run
from flowdsl.validate import validate

from locations import ROOT


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


# warnings about broad grants in permissions= -------------------------------------------------

def warnings(workflow: Workflow) -> list[str]:
    from flowdsl.terraform import permission_warnings

    return [d.render() for d in permission_warnings(workflow)]


def task(*grants: Allow, job: JobDefinition | None = None) -> Workflow:
    return Workflow("w", [BatchTask("Run", job=job or "arn:aws:batch:r:1:job-definition/d",
                                    job_queue="q", job_name="n", permissions=list(grants))],
                    deployment=OnDemandJob("w"))


PASS_ROLE = ("is allowed iam:PassRole without an iam:PassedToService condition, so it may "
             "hand the role to any service; add conditions=[(\"StringEquals\", "
             "\"iam:PassedToService\", \"<service>.amazonaws.com\")] [unconditioned-passrole]")


@pytest.mark.parametrize("action", ["*", "iam:*", "s3:*", "s3:Get*"])
def test_a_wildcard_action_warns(action: str) -> None:
    wf = task(Allow(action, "arn:aws:s3:::b/*"))
    line = wf.states[0].source
    expected = [f"{line}: states.Run.permissions[0]: state 'Run' is allowed the wildcard action "
                f"{action!r}; list the actions it needs [wildcard-action]"]
    if action in ("*", "iam:*"):  # they include iam:PassRole
        expected.append(f"{line}: states.Run.permissions[0]: state 'Run' {PASS_ROLE}")
    assert warnings(wf) == expected


def test_resource_star_warns_only_where_aws_can_limit_the_action() -> None:
    job = JobDefinition("j", image="i", command=["c"], permissions=[
        Allow(["s3:GetObject", "xray:PutTraceSegments", "batch:DescribeJobs"], "*")])
    wf = task(job=job)
    assert warnings(wf) == [
        f"{job.source}: states.Run.job.permissions[0]: job definition 'j' is allowed "
        "'s3:GetObject' on Resource \"*\", though AWS can limit it to a resource "
        "(accesspointobject, object); name the resources [wildcard-resource]"]


def test_pass_role_needs_a_passed_to_service_condition() -> None:
    wf = task(Allow("iam:PassRole", "*"),
              Allow("iam:PassRole", "arn:aws:iam::1:role/r",
                    conditions=[("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")]))
    line = wf.states[0].source
    assert warnings(wf) == [
        f"{line}: states.Run.permissions[0]: state 'Run' is allowed 'iam:PassRole' on Resource "
        "\"*\", though AWS can limit it to a resource (role); name the resources [wildcard-resource]",
        f"{line}: states.Run.permissions[0]: state 'Run' {PASS_ROLE}"]


def test_the_workflows_own_permissions_are_reviewed() -> None:
    wf = Workflow("w", [Pass("P")], permissions=[Allow("sqs:*", "arn:aws:sqs:r:1:q")])
    assert warnings(wf) == [f"{wf.source}: permissions[0]: workflow 'w' is allowed the wildcard "
                            "action 'sqs:*'; list the actions it needs [wildcard-action]"]


def test_derived_grants_on_star_do_not_warn() -> None:
    wf = task(job=JobDefinition("j", image="i", command=["c"]))  # .sync: batch:DescribeJobs on *
    assert '"batch:DescribeJobs"' in "".join(build(wf).files.values())
    assert warnings(wf) == [] and build(wf).warnings == ()


CLI_WORKFLOW = '''
from flowdsl import Allow, BatchTask, OnDemandJob, Workflow
workflow = Workflow("w", [BatchTask("Run", job="arn:aws:batch:r:1:job-definition/d",
                                    job_queue="q", job_name="n",
                                    permissions=[Allow("iam:PassRole", "*")])],
                    deployment=OnDemandJob("w"))
'''


def test_flowdsl_build_prints_warnings_on_stderr_and_builds(tmp_path: Path) -> None:
    source = tmp_path / "w.py"
    source.write_text(CLI_WORKFLOW)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "flowdsl", "build", str(source), "--out",
                        str(tmp_path / "build")], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    at = f"{source}:3: states.Run.permissions[0]: state 'Run'"
    assert r.stderr.splitlines() == [
        f"warning: {at} is allowed 'iam:PassRole' on Resource \"*\", though AWS can limit it to "
        "a resource (role); name the resources [wildcard-resource]",
        f"warning: {at} {PASS_ROLE}"]
    assert r.stdout == f"wrote {tmp_path / 'build' / 'w'}/\n"
