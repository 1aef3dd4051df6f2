"""Narrowing at the workflow: ``Workflow(derived_permissions=False)`` and
``derived_permissions=DerivedExcept(integrations=..., states=...)`` leave derived statements out
of the role, the build notes each one, and a name that matches nothing is a build error naming
the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowdsl import (Allow, Branch, DerivedExcept, LambdaTask, Map, OnDemandJob, Pass, SdkCall,
                     SnsPublish, Task, Variable, Workflow, var)
from flowdsl.build import build
from flowdsl.codec import make_converter
from flowdsl.errors import CompileError
from flowdsl.fields import FieldError
from flowdsl.tasks import state_machine_statements
from flowdsl.tasks.narrowing import names

TOPIC = "arn:aws:sns:us-east-1:111122223333:t"
FN = "arn:aws:lambda:us-east-1:111122223333:function:f"
P = "${data.aws_partition.current.partition}"
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"


def _states() -> list[Any]:
    return [
        SnsPublish("N", topic=TOPIC, message="m"),
        LambdaTask("L", function=FN),
        SdkCall("S", service="s3", action="getObject", parameters={"Bucket": "b", "Key": "k"}),
        Map("M", processor=Branch([Pass("P")]),
            processor_config={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            item_reader={"Resource": "arn:aws:states:::s3:getObject",
                         "ReaderConfig": {"InputType": "JSON"},
                         "Parameters": {"Bucket": "items", "Key": "all.json"}}),
    ]


def _workflow(setting: Any, **kw: Any) -> Workflow:
    return Workflow("w", states=kw.pop("states", None) or _states(), deployment=OnDemandJob("w"),
                    derived_permissions=setting, **kw)


def _role(wf: Workflow) -> set[tuple[str, str]]:
    """The role's (action, resource) pairs, from the built Terraform (logging aside)."""
    files = build(wf).files
    doc = json.loads(files["state_machine.tf.json"])["data"]["aws_iam_policy_document"]
    return {(a, r) for s in doc["state_machine"]["statement"] for a in s["actions"]
            for r in s["resources"] if not a.startswith("logs:")}


SNS = {("sns:Publish", TOPIC)}
LAMBDA = {("lambda:InvokeFunction", FN), ("lambda:InvokeFunction", FN + ":*")}
SDK = {("s3:GetObject", f"arn:{P}:s3:::b/k")}
MAP = {("s3:GetObject", f"arn:{P}:s3:::items/all.json"),
       ("states:StartExecution", f"arn:{P}:states:{REGION}:{ACCOUNT}:stateMachine:w"),
       ("states:DescribeExecution", f"arn:{P}:states:{REGION}:{ACCOUNT}:execution:w:*"),
       ("states:StopExecution", f"arn:{P}:states:{REGION}:{ACCOUNT}:execution:w:*")}
EVERYTHING = SNS | LAMBDA | SDK | MAP


def test_by_default_every_state_derives() -> None:
    assert _role(_workflow(True)) == EVERYTHING
    assert build(_workflow(True)).notes == ()


def test_false_leaves_every_derived_statement_out_tasks_and_distributed_maps() -> None:
    own = Allow("sns:Publish", TOPIC)
    wf = _workflow(False, permissions=[own])
    assert [(s.actions, s.resources) for s in state_machine_statements(wf)] == [
        (("sns:Publish",), (TOPIC,))]
    assert _role(wf) == SNS
    why = "note: workflow 'w' has derived_permissions=False"
    assert build(wf).notes == (
        f"{why} (state 'N'), so its role does not get sns:Publish on {TOPIC}",
        f"{why} (state 'L'), so its role does not get lambda:InvokeFunction on {FN}, {FN}:*",
        f"{why} (state 'S'), so its role does not get s3:GetObject on arn:{P}:s3:::b/k",
        f"{why} (state 'M'), so its role does not get s3:GetObject on arn:{P}:s3:::items/all.json",
        f"{why} (state 'M'), so its role does not get states:DescribeExecution, "
        f"states:StopExecution on arn:{P}:states:{REGION}:{ACCOUNT}:execution:w:*",
        f"{why} (state 'M'), so its role does not get states:StartExecution on "
        f"arn:{P}:states:{REGION}:{ACCOUNT}:stateMachine:w",
    )


def test_a_tasks_own_permissions_stay_when_the_workflow_derives_nothing() -> None:
    own = Allow("sns:Publish", TOPIC)
    wf = _workflow(False, states=[SnsPublish("N", topic=TOPIC, message="m", permissions=[own])])
    assert _role(wf) == SNS
    assert len(build(wf).notes) == 1


@pytest.mark.parametrize(("name", "left_out"), [
    ("sns", SNS),
    ("sns:publish", SNS),
    ("lambda", LAMBDA),  # lambda:invoke, by its service
    ("lambda:invoke", LAMBDA),
    ("aws-sdk", SDK),  # the SDK call's s3:GetObject, not the Map reader's
    ("aws-sdk:s3", SDK),
    ("aws-sdk:s3:getObject", SDK),
])
def test_an_integration_is_named_by_its_service_its_action_or_its_sdk_call(
        name: str, left_out: set[tuple[str, str]]) -> None:
    wf = _workflow(DerivedExcept(integrations=[name]))
    assert _role(wf) == EVERYTHING - left_out
    notes = build(wf).notes
    assert notes and all(n.startswith(f"note: workflow 'w' leaves out the derived permissions "
                                      f"of {name!r} (state ") for n in notes)


def test_a_lambda_function_arn_as_resource_is_named_by_its_service() -> None:
    states = [Task("F", resource=FN), SnsPublish("N", topic=TOPIC, message="m")]
    assert names(states[0]) == ("lambda",)
    wf = _workflow(DerivedExcept(integrations="lambda"), states=states)
    assert _role(wf) == SNS
    assert build(wf).notes == (
        "note: workflow 'w' leaves out the derived permissions of 'lambda' (state 'F'), so its "
        f"role does not get lambda:InvokeFunction on {FN}, {FN}:*",)


def test_states_are_named_by_name_and_a_distributed_map_by_its_state() -> None:
    wf = _workflow(DerivedExcept(states=["M", "N"]))
    assert _role(wf) == LAMBDA | SDK
    notes = build(wf).notes
    assert notes[0] == ("note: workflow 'w' leaves out the derived permissions of state 'N', "
                        f"so its role does not get sns:Publish on {TOPIC}")
    assert {n.split(",")[0] for n in notes[1:]} == {
        "note: workflow 'w' leaves out the derived permissions of state 'M'"}


def test_the_tasks_own_setting_is_the_reason_given_first() -> None:
    states = [SnsPublish("N", topic=TOPIC, message="m", derived_permissions=False)]
    notes = build(_workflow(DerivedExcept(integrations=["sns"]), states=states)).notes
    assert notes == ("note: state 'N' has derived_permissions=False, so its role does not get "
                     f"sns:Publish on {TOPIC}",)


def test_a_resource_without_iam_facts_needs_no_permissions_when_the_workflow_derives_none() -> None:
    odd = [Task("Odd", resource=var("fn_arn"))]
    kw: dict[str, Any] = {"deployment": OnDemandJob("w"), "variables": [Variable("fn_arn")]}
    with pytest.raises(CompileError, match=r"unknown-iam"):
        build(Workflow("w", states=odd, **kw))
    # derived_permissions=False says "I grant what it needs": the workflow's permissions
    wf = Workflow("w", states=odd, derived_permissions=False,
                  permissions=[Allow("lambda:InvokeFunction", FN)], **kw)
    files = build(wf).files
    assert "lambda:InvokeFunction" in files["state_machine.tf.json"]


def _errors(setting: Any, **kw: Any) -> list[str]:
    with pytest.raises(CompileError) as info:
        build(_workflow(setting, **kw))
    return [f"{d.path}: {d.message} [{d.code}]" for d in info.value.diagnostics]


def test_a_misspelt_integration_is_an_error_naming_the_field_with_a_did_you_mean() -> None:
    assert _errors(DerivedExcept(integrations=["sns", "aws-sdk:s3:getobjekt", "glue"])) == [
        "derived_permissions.integrations[1]: no task of workflow 'w' calls "
        "'aws-sdk:s3:getobjekt'; did you mean 'aws-sdk:s3:getObject'? (a name is a service, "
        "'athena'; an integration, 'athena:startQueryExecution'; or an SDK service or action, "
        "'aws-sdk:s3', 'aws-sdk:s3:getObject') [bad-narrowing]",
        "derived_permissions.integrations[2]: no task of workflow 'w' calls 'glue' (a name is a "
        "service, 'athena'; an integration, 'athena:startQueryExecution'; or an SDK service or "
        "action, 'aws-sdk:s3', 'aws-sdk:s3:getObject') [bad-narrowing]",
    ]


def test_a_pattern_is_not_part_of_the_name() -> None:
    errors = _errors(DerivedExcept(integrations=["sns:publish.waitForTaskToken"]))
    assert len(errors) == 1
    assert "calls 'sns:publish.waitForTaskToken'; did you mean 'sns:publish'? (the name leaves " \
           "out the pattern)" in errors[0]


def test_a_state_that_is_not_there_or_derives_nothing_is_an_error() -> None:
    assert _errors(DerivedExcept(states=["n", "P"])) == [
        "derived_permissions.states[0]: workflow 'w' has no state 'n'; did you mean 'N'? "
        "[bad-narrowing]",
        "derived_permissions.states[1]: state 'P' is a Pass state: flowdsl derives no IAM for "
        "it, so there is nothing to leave out [bad-narrowing]",
    ]


def test_an_empty_except_is_an_error() -> None:
    assert _errors(DerivedExcept()) == [
        "derived_permissions: workflow 'w': DerivedExcept names no integration and no state, so "
        "it leaves nothing out (derived_permissions=True derives everything, False nothing) "
        "[bad-narrowing]"]


def test_a_wrong_value_names_the_field() -> None:
    with pytest.raises(FieldError, match=r"^Workflow\.derived_permissions: expected True or "
                                         r"False or a DerivedExcept, got str 'athena'$"):
        Workflow("w", states=[Pass("P")], derived_permissions="athena")
    with pytest.raises(FieldError, match=r"^DerivedExcept\.states: expected a list of strings, "
                                         r"got int 3$"):
        DerivedExcept(states=[3])
    with pytest.raises(FieldError, match=r"^DerivedExcept\.integrations\[1\]: expected a "
                                         r"string, got dict"):
        DerivedExcept(integrations=["sns", {"x": 1}])


def test_the_setting_round_trips_through_the_codec() -> None:
    codec = make_converter()
    for setting in (False, DerivedExcept(integrations=["sns"], states=["M"])):
        wf = _workflow(setting)
        assert codec.structure(codec.unstructure(wf), Workflow) == wf


def test_the_build_prints_the_workflows_notes_on_stderr(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from flowdsl.cli import app

    source = tmp_path / "narrow.py"
    source.write_text(
        "from flowdsl import Allow, DerivedExcept, OnDemandJob, SnsPublish, Workflow\n"
        f"T = {TOPIC!r}\n"
        "workflow = Workflow('narrow', deployment=OnDemandJob('narrow'),\n"
        "    states=[SnsPublish('N', topic=T, message='m')],\n"
        "    derived_permissions=DerivedExcept(integrations=['sns']),\n"
        "    permissions=[Allow('sns:Publish', T)])\n")
    result = CliRunner().invoke(app, ["build", str(source), "--out", str(tmp_path / "build")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("note: workflow 'narrow' leaves out the derived permissions of "
                             f"'sns' (state 'N'), so its role does not get sns:Publish on {TOPIC}\n")
    bad = tmp_path / "bad.py"
    bad.write_text(source.read_text().replace("['sns']", "['snss']"))
    result = CliRunner().invoke(app, ["build", str(bad), "--out", str(tmp_path / "build")])
    assert result.exit_code != 0
    assert f"{bad}:5: derived_permissions.integrations[0]: no task of workflow 'narrow' calls " \
           "'snss'; did you mean 'sns'?" in result.output
    assert not (tmp_path / "build" / "bad").exists()
