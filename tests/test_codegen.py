"""`flowdsl import` and flowdsl.codegen: ASL -> workflow source, on small definitions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from test_services_classes import CASES as SERVICE_CASES

from flowdsl.build import check
from flowdsl.codegen import generate, partition_of, workflow_name, write_new
from flowdsl.errors import CompileError, FlowError
from flowdsl.placeholders import resolve
from locations import ROOT

LAMBDA = "arn:aws:lambda:eu-west-1:111122223333:function:charge"


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def invoke(function: str = LAMBDA + ":live", **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": function, "Payload.$": "$", **extra}}


def built(source: str, original: Any) -> Any:
    """Exec generated source and build it, variables at their defaults."""
    ns: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), ns)
    compiled, diagnostics = check(ns["workflow"])
    assert diagnostics == []
    values = {f"var.{v.name}": v.default if v.default is not None else "${%s}" % v.name
              for v in ns["workflow"].variables}
    values["data.aws_partition.current.partition"] = partition_of(original)
    return resolve(compiled.definition, values)


SMALL = machine(
    Charge={**invoke(), "ResultPath": None, "Next": "Route",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}]},
    Route={"Type": "Choice", "Default": "Done",
           "Choices": [{"Variable": "$.express", "BooleanEquals": True, "Next": "Refund"}]},
    Refund={"Type": "Pass", "Next": "Failed"},
    Failed={"Type": "Fail", "Error": "Charge"},
    Done={"Type": "Succeed"},
)

SMALL_SOURCE = '''\
"""small: imported from small.asl.json with `flowdsl import`.

Build it with `flowdsl build <this file>`: a Terraform module deploys it as a
state machine alone (`StateMachine`); give another `deployment=` to add a trigger.

The account-specific ARNs of the definition are module variables, with the
imported ARN as default: pass each environment's own.
"""

from flowdsl import (
    DISCARD,
    Catch,
    Choice,
    Fail,
    LambdaTask,
    Pass,
    StateMachine,
    Succeed,
    Variable,
    When,
    Workflow,
    boolean_equals,
    var,
)

workflow = Workflow(
    "small",
    variables=[
        Variable(
            "charge_function_arn",
            default="arn:aws:lambda:eu-west-1:111122223333:function:charge",
        ),
    ],
    deployment=StateMachine("small"),
    states=[
        LambdaTask(
            "Charge",
            function=var("charge_function_arn"),
            qualifier="live",
            result_path=DISCARD,
            catch=[
                Catch(
                    ["States.ALL"],
                    next=(Pass("Refund"), Fail("Failed", error="Charge")),
                ),
            ],
        ),
        Choice(
            "Route",
            choices=[When(boolean_equals("$.express", True), next="Refund")],
            default=Succeed("Done"),
        ),
    ],
)
'''


def test_a_small_definition_reads_like_a_hand_written_workflow() -> None:
    # typed task with its qualifier split off, the ARN a variable, DISCARD for ResultPath null,
    # a short target used once written in place, a shared one ("Refund") by name, a builder
    source = generate(SMALL, "small", origin="small.asl.json")
    assert source == SMALL_SOURCE
    assert built(source, SMALL) == SMALL


@pytest.mark.parametrize("state, expected", [
    (invoke(), 'LambdaTask("T", function=var("charge_function_arn"), qualifier="live")'),
    (invoke("charge"), 'LambdaTask("T", function="charge")'),
    ({**invoke("charge"), "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"},
     'LambdaTask("T", function="charge", wait_for_task_token=True)'),
    # Payload.$ other than "$" and extra keys have no LambdaTask field: a plain Task
    ({**invoke("charge"), "Parameters": {"FunctionName": "charge", "Payload.$": "$.body"}},
     'Task(\n            "T",\n            resource="arn:aws:states:::lambda:invoke",'),
    (invoke("charge", ClientContext="e30="), 'resource="arn:aws:states:::lambda:invoke"'),
    ({"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob",
      "Parameters": {"JobName": "nightly", "JobQueue": "q", "JobDefinition": "d"}},
     'BatchTask("T", job="d", job_queue="q", job_name="nightly", sync=False)'),
    ({"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
      "Parameters": {"JobName.$": "$.name", "JobQueue": "q", "JobDefinition": "d"}},
     'resource="arn:aws:states:::batch:submitJob.sync"'),
    # an activity's ARN names an account: a variable
    ({"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:review"},
     'Task("T", resource=var("review_activity_arn"), derived_permissions=False)'),
], ids=["lambda-qualified-arn", "lambda-name", "lambda-token", "lambda-payload-path",
        "lambda-extra-key", "batch", "batch-dynamic-name", "activity"])
def test_tasks(state: dict[str, Any], expected: str) -> None:
    doc = machine(T={**state, "End": True})
    source = generate(doc, "t")
    assert expected in source, source
    assert built(source, doc) == doc


def test_a_typed_task_in_another_partition_keeps_it_through_the_partition_reference() -> None:
    doc = machine(T={**invoke("arn:aws-cn:lambda:cn-north-1:123456789012:function:f"),
                     "Resource": "arn:aws-cn:states:::lambda:invoke", "End": True})
    source = generate(doc, "t")
    assert 'LambdaTask("T", function=var("f_function_arn"))' in source
    assert built(source, doc) == doc


def test_one_arn_is_one_variable_and_different_arns_with_one_name_get_suffixes() -> None:
    other = "arn:aws:lambda:us-east-1:999999999999:function:charge"
    doc = machine(A={**invoke(LAMBDA), "Next": "B"}, B={**invoke(LAMBDA), "Next": "C"},
                  C={**invoke(other), "End": True})
    source = generate(doc, "t")
    assert source.count("Variable(") == 2
    assert source.count('var("charge_function_arn")') == 2
    assert f'"charge_function_arn_2",\n            default="{other}",' in source
    assert built(source, doc) == doc


@pytest.mark.parametrize("arn, name", [
    ("arn:aws:sns:us-east-1:123456789012:alerts", "alerts_sns_arn"),
    ("arn:aws:iam::123456789012:role/service/pipeline-role", "pipeline_role_role_arn"),
    ("arn:aws:batch:us-east-1:123456789012:job-definition/nightly:3",
     "nightly_job_definition_arn"),
    ("arn:aws:states:us-east-1:123456789012:stateMachine:Child", "child_state_machine_arn"),
    ("arn:aws:dynamodb:us-east-1:123456789012:table/Orders", "orders_table_arn"),
    ("arn:aws:sqs:us-east-1:123456789012:1-queue", "arn_1_queue_sqs_arn"),
])
def test_variable_names_say_what_the_arn_names(arn: str, name: str) -> None:
    doc = machine(T={"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                     "Parameters": {"TopicArn": arn, "Message": "hi"}, "End": True})
    source = generate(doc, "t")
    assert f'SnsPublish("T", topic=var("{name}"), message="hi")' in source
    assert built(source, doc) == doc


def test_arns_without_an_account_and_paths_stay_literal() -> None:
    doc = machine(T={"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                     "Parameters": {"Bucket": "arn:aws:s3:::my-bucket", "Key.$": "$.key"},
                     "Comment": "arn:aws:sns:us-east-1:123456789012:alerts", "End": True})
    source = generate(doc, "t")
    assert "Variable(" not in source and "var(" not in source


def test_a_chain_shared_by_a_rule_and_the_default_of_one_choice_is_one_name() -> None:
    doc = machine(C={"Type": "Choice", "Default": "X",
                     "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "X"}]},
                  X={"Type": "Pass", "Next": "Y"}, Y={"Type": "Succeed"})
    source = generate(doc, "t")
    assert source.count('Pass("X")') == 1
    assert 'choices=[When(is_present("$.a", True), next=x)], default=x)' in source
    assert built(source, doc) == doc


@pytest.mark.parametrize("state_name, identifier", [
    ("Pass", "pass_state"), ("workflow", "workflow_state"), ("l", "l_state"),
    ("1st step", "state_1st_step"), ("Notify Failure!", "notify_failure"),
    ("all_of", "all_of_state"), ("print", "print_state")])
def test_hoisted_names_are_valid_and_shadow_nothing(state_name: str, identifier: str) -> None:
    long = "a comment long enough that the target gets a name of its own"
    doc = machine(C={"Type": "Choice", "Default": state_name,
                     "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "Z"}]},
                  Z={"Type": "Succeed"}, **{state_name: {"Type": "Succeed", "Comment": long}})
    source = generate(doc, "t")
    assert f"\n{identifier} = Succeed(" in source and f"default={identifier},\n" in source
    assert built(source, doc) == doc


def test_strings_that_need_escapes_survive() -> None:
    text = 'quote " apostrophe \' backslash \\ newline \n tab \t nul \x00 é \u2028'
    doc = machine(P={"Type": "Pass", "Result": {"s": text, "n": [1.5, -0.0, 1e100, 10**20]},
                     "End": True})
    assert built(generate(doc, "t"), doc) == doc


def test_an_invalid_definition_raises_the_validators_diagnostics() -> None:
    doc = machine(A={"Type": "Pass", "Next": "Nope"})
    with pytest.raises(CompileError, match=r"\$\.States\.A\.Next: there is no state named 'Nope'"):
        generate(doc, "t")


@pytest.mark.parametrize("path, name", [
    ("orders.asl.json", "orders"), ("dir/my flow.json", "my_flow"), (".json", "imported")])
def test_workflow_name_from_the_file_name(path: str, name: str) -> None:
    assert workflow_name(path) == name


def test_write_new_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "w.py"
    target.write_text("mine")
    with pytest.raises(FlowError, match=f"^{target}: already exists; pass --force to overwrite it$"):
        write_new(target, "new")
    assert target.read_text() == "mine"
    write_new(target, "new", force=True)
    assert target.read_text() == "new"
    with pytest.raises(FlowError, match=f"^{tmp_path}: is a directory; give the file to write$"):
        write_new(tmp_path, "x", force=True)


# the command ------------------------------------------------------------------------------

def flowdsl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_import_writes_workflows_name_py_which_builds(tmp_path: Path) -> None:
    (tmp_path / "small.asl.json").write_text(json.dumps(SMALL, indent=2))
    r = flowdsl("import", "small.asl.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "wrote workflows/small.py (build it with: flowdsl build workflows/small.py)\n"
    assert (tmp_path / "workflows" / "small.py").read_text() == SMALL_SOURCE
    r = flowdsl("build", "workflows/small.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    asl = json.loads((tmp_path / "build" / "small" / "small.asl.json").read_text())
    assert asl["States"]["Charge"]["Parameters"]["FunctionName"] == "${var.charge_function_arn}:live"


def test_import_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "small.json").write_text(json.dumps(SMALL))
    (tmp_path / "out.py").write_text("# mine\n")
    r = flowdsl("import", "small.json", "--out", "out.py", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "error: out.py: already exists; pass --force to overwrite it\n"
    assert (tmp_path / "out.py").read_text() == "# mine\n"
    r = flowdsl("import", "small.json", "--out", "out.py", "--force", "--name", "billing", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert '    "billing",\n' in (tmp_path / "out.py").read_text()


def test_import_prints_to_stdout_with_out_dash(tmp_path: Path) -> None:
    (tmp_path / "small.asl.json").write_text(json.dumps(SMALL))
    r = flowdsl("import", "small.asl.json", "--out", "-", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, SMALL_SOURCE)
    assert not (tmp_path / "workflows").exists()


def test_import_of_an_invalid_definition_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass",\n'
        '          "Next": "Nope"}\n  }\n}\n')
    r = flowdsl("import", "bad.json", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "bad.json:5: $.States.A.Next: there is no state named 'Nope' [dangling-transition]",
        "error: 1 problem(s); nothing was written"]
    assert not (tmp_path / "workflows").exists()


@pytest.mark.parametrize("content, message", [
    (None, "error: in.json: no such file"),
    ('{"StartAt": ', "error: in.json:1:13: not valid JSON: Expecting value"),
])
def test_import_of_a_missing_or_broken_file(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "in.json").write_text(content)
    r = flowdsl("import", "in.json", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, message + "\n")


def test_import_rejects_a_name_that_cannot_name_a_workflow(tmp_path: Path) -> None:
    (tmp_path / "small.json").write_text(json.dumps(SMALL))
    r = flowdsl("import", "small.json", "--name", 'a"b', cwd=tmp_path)
    assert (r.returncode, r.stderr) == (
        1, "error: --name 'a\"b': a workflow name is 1-80 letters, digits, '-' or '_'\n")


def test_a_file_name_the_docstring_cannot_hold_is_left_out(tmp_path: Path) -> None:
    from flowdsl.codegen import generate_file

    p = tmp_path / 'we"ird.json'
    p.write_text(json.dumps(SMALL))
    name, source = generate_file(p)
    assert name == "we_ird"
    assert source.startswith('"""we_ird: imported from an ASL definition with `flowdsl import`.')
    compile(source, "x.py", "exec")


def test_duplicate_keys_are_reported_not_merged(tmp_path: Path) -> None:
    (tmp_path / "dup.json").write_text('{"StartAt": "A",\n "States": {"A": {"Type": "Pass", '
                                       '"End": true},\n "A": {"Type": "Succeed"}}}\n')
    r = flowdsl("import", "dup.json", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "dup.json:3: $.States.A: the key 'A' appears twice in one object; JSON readers keep only "
        "one of them [duplicate-key]",
        "error: 1 problem(s); nothing was written"]


def test_template_placeholders_become_required_variables_and_joins() -> None:
    # Terraform's templatefile and CloudFormation's definition substitutions write ${name}
    doc = machine(
        A={**invoke("${charge_arn}"), "Next": "B"},
        B={"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True,
           "Parameters": {"TopicArn": "arn:aws:sns:${region}:${account}:alerts",
                          "Message": "costs $5 {not a placeholder}"}})
    source = generate(doc, "t")
    assert 'LambdaTask("A", function=var("charge_arn"))' in source
    assert 'SnsPublish("B",topic=join("arn:aws:sns:",var("region"),":",var("account"),":alerts"),' \
        in "".join(source.split())
    assert 'Variable("charge_arn"), Variable("region"), Variable("account")' in source
    assert built(source, doc) == doc


def test_a_definition_flowdsl_built_imports_its_references_back() -> None:
    from flowdsl.placeholders import to_template

    partition = "${data.aws_partition.current.partition}"
    doc = machine(
        A={**invoke("${var.handler_arn}:$LATEST"), "Resource": f"arn:{partition}:states:::lambda:invoke",
           "Next": "B"},
        B={"Type": "Pass", "End": True, "Result": {
            "where": "${data.aws_region.current.name}/${data.aws_caller_identity.current.account_id}",
            "unknown": "${aws_sqs_queue.q.arn}", "escaped": "$${not.a.reference}"}})
    source = generate(doc, "t")
    assert 'LambdaTask("A", function=join(var("handler_arn"), ":$LATEST"))' in source
    assert '"where": join(REGION, "/", ACCOUNT_ID)' in source
    ns: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), ns)
    compiled, diagnostics = check(ns["workflow"])
    assert diagnostics == []
    again = to_template(compiled.definition)
    assert again["States"]["A"] == doc["States"]["A"]
    assert again["States"]["B"]["Result"]["where"] == doc["States"]["B"]["Result"]["where"]
    # another module's resource is not this module's: a required variable takes its value
    assert 'Variable("sqs_queue_q_arn")' in source
    assert again["States"]["B"]["Result"]["unknown"] == "${var.sqs_queue_q_arn}"
    assert again["States"]["B"]["Result"]["escaped"] == "$${not.a.reference}"


def test_an_arn_variable_never_takes_a_placeholders_name() -> None:
    doc = machine(A={**invoke(LAMBDA), "Next": "B"}, B={**invoke("${charge_function_arn}"), "End": True})
    source = generate(doc, "t")
    assert f'Variable("charge_function_arn_2", default="{LAMBDA}")' in source or \
           f'"charge_function_arn_2",\n            default="{LAMBDA}",' in source
    assert 'Variable("charge_function_arn")' in source
    assert built(source, doc) == doc


def test_a_long_target_used_once_is_bound_to_a_name_before_the_workflow() -> None:
    doc = machine(
        A={**invoke("charge"), "End": True,
           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notify"}]},
        Notify={"Type": "Pass", "Parameters": {"message.$": "States.Format('failed: {}', $.id)"},
                "Next": "Failed"},
        Failed={"Type": "Fail", "Error": "ChargeFailed", "Cause": "the charge did not go through"})
    source = generate(doc, "t")
    assert "\nnotify = (\n    Pass(\"Notify\", parameters=" in source
    assert source.index("\nnotify = (") < source.index("\nworkflow = Workflow(")
    assert 'Catch(["States.ALL"], next=notify)' in source
    assert built(source, doc) == doc


def test_retriers_several_states_repeat_are_one_named_list() -> None:
    retry = [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 6}]
    doc = machine(A={**invoke("a"), "Retry": retry, "Next": "B"},
                  B={**invoke("b"), "Retry": retry, "Next": "C"},
                  C={**invoke("c"), "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": True})
    source = generate(doc, "t")
    assert "\nretry_lambda_service_exception = [\n" in source
    assert source.count("retry=retry_lambda_service_exception") == 2
    assert 'retry=[Retry(["States.ALL"])]' in source  # used once: in place
    assert built(source, doc) == doc


def test_retriers_equal_only_as_numbers_are_not_shared() -> None:
    # 2 == 2.0 in Python, but the definitions differ: each state keeps its own list.
    doc = machine(A={**invoke("a"), "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 2}],
                     "Next": "B"},
                  B={**invoke("b"), "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 2.0}],
                     "End": True})
    source = generate(doc, "t")
    assert "retry_all" not in source
    assert 'retry=[Retry(["States.ALL"], backoff_rate=2)]' in source
    assert 'retry=[Retry(["States.ALL"], backoff_rate=2.0)]' in source
    assert json.dumps(built(source, doc)) == json.dumps(doc)

# typed task classes: every integration's inverse -------------------------------------------

ACCOUNT = "123456789012"
TYPED_STATES = {
    "LambdaTask": lambda f: f.LambdaTask(
        "T", function=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:charge", payload={"a": 1},
        wait_for_task_token=True),
    "BatchTask": lambda f: f.BatchTask(
        "T", job=f"arn:aws:batch:us-east-1:{ACCOUNT}:job-definition/nightly:3",
        job_queue="q", job_name="n"),
    "EcsRunTask": lambda f: f.EcsRunTask(
        "T", task_definition="family:3", cluster=f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/c",
        subnets=["s"], security_groups=["g"], overrides={"ContainerOverrides": []}),
    "SnsPublish": lambda f: f.SnsPublish(
        "T", topic=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts", message_path="$.m", subject="s"),
    "SqsSendMessage": lambda f: f.SqsSendMessage(
        "T", queue_url=f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/q",
        message_body={"a": 1}, delay_seconds=5, pattern="wait_for_task_token"),
    "DynamoGetItem": lambda f: f.DynamoGetItem(
        "T", table="t", key={"id": {"S": "1"}}, consistent_read=True),
    "DynamoPutItem": lambda f: f.DynamoPutItem(
        "T", table="t", item={"id": {"S": "1"}}, condition_expression="x"),
    "DynamoUpdateItem": lambda f: f.DynamoUpdateItem(
        "T", table="t", key={"id": {"S": "1"}}, update_expression="SET a = :a"),
    "DynamoDeleteItem": lambda f: f.DynamoDeleteItem("T", table="t", key={"id": {"S": "1"}}),
    "StartExecution": lambda f: f.StartExecution(
        "T", state_machine=f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:Child",
        input={"a": 1}, pattern="sync"),
    "PutEvents": lambda f: f.PutEvents(
        "T", entries=[{"Source": "s", "DetailType": "d", "Detail": {}}]),
    "GlueJob": lambda f: f.GlueJob("T", job_name="etl", arguments={"--a": "b"}),
    "AthenaQuery": lambda f: f.AthenaQuery(
        "T", query="SELECT 1", work_group="w", database="d", output_location="s3://b/"),
    "CodeBuildStart": lambda f: f.CodeBuildStart("T", project="p", pattern="request_response"),
    "SdkCall": lambda f: f.SdkCall(
        "T", service="s3", action="getObject", parameters={"Bucket": "b", "Key": "k"}),
    # the integrations of tests/test_services_classes.py, one case each
    **{type(case[0]).__name__: (lambda f, state=case[0]: state) for case in SERVICE_CASES},
}


def test_every_typed_class_has_an_import_round_trip_case() -> None:
    from flowdsl.tasks import INTEGRATIONS, load_all

    load_all()
    assert set(TYPED_STATES) == {cls.__name__ for cls in INTEGRATIONS}


@pytest.mark.parametrize("cls", sorted(TYPED_STATES))
def test_a_typed_class_round_trips_through_import(cls: str) -> None:
    import flowdsl
    from flowdsl.states import Workflow

    state = TYPED_STATES[cls](flowdsl)
    state = attrs_evolve(state, timeout_seconds=30, result_path="$.out")
    compiled, diagnostics = check(Workflow("w", [state]))
    assert diagnostics == []
    doc = json.loads(json.dumps(resolve(compiled.definition,
                                        {"data.aws_partition.current.partition": "aws"})))
    source = generate(doc, "w")
    assert f'{cls}("T",' in "".join(source.split())
    assert "Task" not in calls(source)
    assert built(source, doc) == doc


def calls(source: str) -> set[str]:
    import ast

    return {n.func.id for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def attrs_evolve(obj: Any, **kw: Any) -> Any:
    import attrs

    return attrs.evolve(obj, **kw)


@pytest.mark.parametrize("resource, parameters", [
    # GlueJob needs a literal JobName; BatchTask has no options for RetryStrategy
    ("glue:startJobRun.sync", {"JobName.$": "$.job", "Timeout": 5}),
    ("batch:submitJob.sync", {"JobDefinition": "d", "JobName": "n", "JobQueue": "q",
                              "Parameters.$": "$.p", "RetryStrategy": {"Attempts": 5}}),
    # StartExecution would add "Input.$": "$"
    ("states:startExecution", {"StateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:c"}),
])
def test_a_task_no_typed_class_gives_back_exactly_stays_a_task(resource: str,
                                                               parameters: Any) -> None:
    doc = machine(T={"Type": "Task", "Resource": f"arn:aws:states:::{resource}",
                     "Parameters": parameters, "End": True})
    source = generate(doc, "t")
    assert calls(source) == {"Workflow", "StateMachine", "Task"}
    assert built(source, doc) == doc


def test_api_fields_a_typed_class_does_not_model_go_in_its_options() -> None:
    doc = machine(T={"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                     "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message.$": "$.m",
                                    "MessageDeduplicationId.$": "$.id"}, "End": True})
    source = generate(doc, "t")
    assert 'SnsPublish("T",topic="arn:aws:sns:us-east-1:1:t",message_path="$.m",' \
        'options={"MessageDeduplicationId.$":"$.id"},)' in "".join(source.split())
    assert built(source, doc) == doc


# deep documents -----------------------------------------------------------------------------

def deep_parameters(levels: int) -> str:
    return ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Parameters": '
            + '{"a": ' * levels + '{"x": 1}' + "}" * levels + "}}}")


def deep_parallel(levels: int) -> str:
    state = '{"Type": "Pass", "End": true}'
    for i in range(levels):
        state = ('{"Type": "Parallel", "End": true, "Branches": [{"StartAt": "L%d", '
                 '"States": {"L%d": %s}}]}' % (i, i, state))
    return '{"StartAt": "P", "States": {"P": %s}}' % state


@pytest.mark.parametrize("name, text", [("params", deep_parameters(10_000)),
                                        ("parallel", deep_parallel(500))])
def test_import_of_a_deeply_nested_definition_writes_source_python_compiles(
        tmp_path: Path, name: str, text: str) -> None:
    from flowdsl.deep_stack import call

    (tmp_path / f"{name}.asl.json").write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "flowdsl"]
    r = subprocess.run([*run, "import", f"{name}.asl.json"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=20)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == f"wrote workflows/{name}.py (build it with: flowdsl build workflows/{name}.py)\n"
    source = (tmp_path / "workflows" / f"{name}.py").read_text()
    compile(source, f"{name}.py", "exec")  # within CPython's nesting limit
    depth = max(len(line) - len(line.lstrip()) for line in source.splitlines()) // 4
    assert depth <= 50
    ruff_clean(tmp_path / "workflows")
    r = subprocess.run([*run, "build", f"workflows/{name}.py", "--out", "out"], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=20)
    assert (r.returncode, r.stderr) == (0, ""), r.stdout
    built_text = (tmp_path / "out" / name / f"{name}.asl.json").read_text()
    assert call(lambda: json.loads(built_text) == json.loads(text))


def test_a_deep_parallel_is_split_at_its_states() -> None:
    from flowdsl.deep_stack import call

    import re

    # 20 levels of Parallel(, [ and [: the innermost 15 are bound to the name of their state
    source = call(generate, json.loads(deep_parallel(20)), "p")
    assert re.findall(r"\n(\w+) = ", source) == ["l14", "workflow"]
    assert '\nl14 = Parallel(\n    "L14",\n' in source
    assert "branches=[[l14],]," in "".join(source.split())
    assert source.count("Parallel(") == 20


# odd state names ----------------------------------------------------------------------------

ODD_NAMES = ["Pass", "workflow", "Workflow", "class", "None", "True", "__import__", "l", "O",
             "日本語", "Überprüfung", "a'b\"c", "Hello, World", "Approve or Deny?", "var", "join",
             "DISCARD", "retry_all", "nested", "Parallel", "state", "1", "_", "print", "match",
             "all_of", "Task", "Goto", "ä\u2028b", "tab\tname", "x" * 80, "PARTITION"]


def ruff_clean(folder: Path) -> None:
    for args in (["check", "--isolated", "--quiet"],
                 ["check", "--isolated", "--quiet", "--select", "E,F,W,I,N", "--ignore", "E501"],
                 ["format", "--isolated", "--check", "--quiet"]):
        r = subprocess.run([sys.executable, "-m", "ruff", *args, str(folder)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"ruff {args}: {r.stdout}{r.stderr}"


def test_odd_state_names_give_valid_ruff_clean_source(tmp_path: Path) -> None:
    from flowdsl.deep_stack import call

    long = "a comment long enough that the target gets a name of its own"
    # every name a shared or long Choice target: each becomes a module-level name
    states: dict[str, Any] = {"C": {
        "Type": "Choice", "Default": "Pass",
        "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": n} for n in ODD_NAMES]}}
    states.update({n: {"Type": "Succeed", "Comment": long} for n in ODD_NAMES})
    flat_doc = machine(**states)
    # and each the name of a level of a Parallel nested past Python's limit
    state: dict[str, Any] = {"Type": "Pass", "End": True}
    for i in range(70):
        n = f"{ODD_NAMES[i % len(ODD_NAMES)][:75]}#{i}"
        state = {"Type": "Parallel", "End": True, "Branches": [{"StartAt": n, "States": {n: state}}]}
    deep_doc = machine(P=state)
    for name, doc in (("flat", flat_doc), ("deep", deep_doc)):
        source = call(generate, doc, name)
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
        assert call(built, source, doc) == doc
    ruff_clean(tmp_path)
    names = re.findall(r"\n(\w+) = ", (tmp_path / "flat.py").read_text(encoding="utf-8"))
    assert names == [
        "pass_state", "workflow_state", "workflow_state_2", "class_state", "none", "true",
        "import_state", "l_state", "o_state", "state", "uberprufung", "a_b_c", "hello_world",
        "approve_or_deny", "var_state", "join_state", "discard", "retry_all", "nested",
        "parallel", "state_2", "state_1", "state_3", "print_state", "match_state", "all_of_state",
        "task", "goto", "a_b", "tab_name", "x" * 80, "partition", "workflow"]
    deep = (tmp_path / "deep.py").read_text(encoding="utf-8")
    assert re.findall(r"\n(\w+) = ", deep) == ["var_14", "a_b_28", "uberprufung_42", "match_56",
                                               "p", "workflow"]


def _exec(source: str) -> Any:
    ns: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), ns)
    return ns["workflow"]


@pytest.mark.parametrize(("text", "python"), [
    ("$${a} and %%{if}", '"${a} and %{if}"'),
    ("%%{z}", '"%{z}"'),
    ("$$${a}", '"$${a}"'),                                      # a literal $ before an escaped ${
    ('US${"$"}${var.stage}', 'join("US$", var("stage"))'),      # a literal $ before a reference
    ('a${"$$"}${var.stage}${"$"}', 'join("a$$", var("stage"), "$")'),
    ('${"$"}', '"$"'),
    ("$$${${var.stage}%%{", 'join("$${", var("stage"), "%{")'),
    ("$${a} ${var.stage}", 'join("${a} ", var("stage"))'),
    ('${"a\\"b"}', """'${"a\\\\"b"}'"""),                    # a quoted part it does not read: kept
])
def test_import_undoes_terraforms_template_escapes(text: str, python: str) -> None:
    source = generate(machine(A={"Type": "Pass", "End": True, "Parameters": {"v": text}}), "t")
    assert f'parameters={{"v": {python}}}' in source


def test_import_of_a_built_definition_builds_the_same_file() -> None:
    from flowdsl import (Catch, Choice, Pass, Retry, StateMachine, Succeed, Task, Variable, When, Workflow, join,
                         string_equals, var)
    from flowdsl.build import build

    wf = Workflow("esc", comment="top ${x}", variables=[Variable("stage", default="dev")],
                  deployment=StateMachine("esc"), states=[
        Pass("A", comment="cost ${x} %{y}", result_path="$.r", parameters={
            "lit": "${a} and %{if}", "k${x}": 1, "dollar": join("US$", var("stage")),
            "both": join("$${", var("stage"), "%{"), "end": join("a$$", var("stage"), "$")}),
        Task("T", resource="arn:aws:states:::lambda:invoke", parameters={"FunctionName": "f", "x": "%{z}"},
             retry=[Retry(["E${x}"], comment="r ${x}")], catch=[Catch(["C${x}"], next="S")]),
        Choice("C", choices=[When(string_equals("$.a", "v${x}"), next="S")], default="S"),
        Succeed("S"),
    ])
    text = build(wf).files["esc.asl.json"]
    assert '"lit": "$${a} and %%{if}"' in text and '"dollar": "US${\\"$\\"}${var.stage}"' in text
    again = _exec(generate(json.loads(text), "esc"))
    assert build(again).files["esc.asl.json"] == text


@pytest.mark.parametrize("name", ["source", "version", "count", "for_each", "depends_on", "providers",
                                  "lifecycle", "locals", "provider", "ignore_nested_deprecations", "_"])
def test_a_placeholder_terraform_reserves_becomes_name_value(name: str) -> None:
    doc = machine(A={"Type": "Pass", "End": True, "Parameters": {"a": f"${{{name}}}", "b": f"${{var.{name}}}-x"}})
    source = generate(doc, "t")
    assert f'Variable("{name}_value")' in source
    assert f'"a": var("{name}_value")' in source and f'"b": join(var("{name}_value"), "-x")' in source
    compiled, diagnostics = check(_exec(source))
    assert diagnostics == []


def test_the_reserved_names_are_the_builds_own_list() -> None:
    from flowdsl import codegen
    from flowdsl.variables import TERRAFORM_RESERVED

    assert codegen.TERRAFORM_RESERVED is TERRAFORM_RESERVED


def test_a_renamed_placeholder_takes_no_name_the_definition_uses() -> None:
    doc = machine(A={"Type": "Pass", "End": True, "Parameters": {
        "a": "${source}", "b": "${source_value}", "c": "${var.source}"}})
    source = generate(doc, "t")
    assert '"a":var("source_value_2"),"b":var("source_value"),"c":var("source_value_2")' in "".join(source.split())
    assert check(_exec(source))[1] == []
