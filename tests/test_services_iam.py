"""IAM as the Step Functions Developer Guide documents it, per integration (the page beside
each test), and what every integration of the offered table does: it validates, imports, and
its grants pass the IAM dataset check; narrowing with ``derived_permissions=False``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowdsl import Allow, AthenaQuery, Map, OnDemandJob, Pass, Task, Workflow
from flowdsl.asl_to_model import import_definition
from flowdsl.build import build, check
from flowdsl.codegen import generate
from flowdsl.states import _TaskBase
from flowdsl.tasks import state_machine_statements
from flowdsl.tasks.offered import OFFERED
from flowdsl.tasks.registry import ParameterError, specs
from flowdsl.tasks.sdk import dataset_problems
from flowdsl.tasks.table import _Chosen
from flowdsl.validate import validate

P = "${data.aws_partition.current.partition}"
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")
S = "arn:aws:states:::"


def arn(service: str, rest: str) -> str:
    return f"arn:{P}:{service}:{REGION}:{ACCOUNT}:{rest}"


def policy(*states: Any, **kw: Any) -> set[tuple[Any, ...]]:
    """(sid, actions, resources, conditions) of the state machine policy, without logging;
    every statement passes the IAM dataset check."""
    wf = Workflow("w", states=list(states), deployment=OnDemandJob("w"), **kw)
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    doc = files["state_machine.tf.json"]["data"]["aws_iam_policy_document"]["state_machine"]
    problems = dataset_problems(state_machine_statements(wf))
    assert not problems, problems
    return {(s.get("sid"), tuple(s["actions"]), tuple(s["resources"]),
             tuple((c["test"], c["variable"], tuple(c["values"])) for c in s.get("condition", ())))
            for s in doc["statement"] if not s["actions"][0].startswith("logs:")}


def plain(resource: str, params: Any) -> set[tuple[Any, ...]]:
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                            "Parameters": params, "End": True}}}
    assert validate(doc) == []
    return policy(Task("T", resource=resource, parameters=params))


# CodeBuild: codebuild-iam.md and connect-codebuild.md ("IAM policies for calling AWS
# CodeBuild"), one template per API and pattern -------------------------------------------------

def test_codebuild_start_build_waits_through_the_rule_aws_names() -> None:
    # StartBuild, Run a Job (.sync), static resources: StartBuild/StopBuild/BatchGetBuilds on
    # the project, and StepFunctionsGetEventForCodeBuildStartBuildRule (no BatchGetReports)
    assert plain(S + "codebuild:startBuild.sync", {"ProjectName": "app"}) == {
        (None, ("codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"),
         (arn("codebuild", "project/app"),), ()),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventForCodeBuildStartBuildRule"),), ()),
    }
    # Request Response: StartBuild alone; dynamic resources: project/*
    assert plain(S + "codebuild:startBuild", {"ProjectName": "app"}) == {
        (None, ("codebuild:StartBuild",), (arn("codebuild", "project/app"),), ())}
    assert plain(S + "codebuild:startBuild.sync", {"ProjectName.$": "$.p"}) == {
        ("CodebuildProjectChosenAtRunTime", ("codebuild:BatchGetBuilds", "codebuild:StartBuild",
                                             "codebuild:StopBuild"),
         (arn("codebuild", "project/*"),), ()),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventForCodeBuildStartBuildRule"),), ()),
    }


@pytest.mark.parametrize("resource, params, expected", [
    # StopBuild: the build id is <project>:<uuid>, so the project is known
    (S + "codebuild:stopBuild", {"Id": "app:0b1c"},
     {(None, ("codebuild:StopBuild",), (arn("codebuild", "project/app"),), ())}),
    (S + "codebuild:stopBuild", {"Id.$": "$.build"},
     {("CodebuildBuildIdChosenAtRunTime", ("codebuild:StopBuild",),
       (arn("codebuild", "project/*"),), ())}),
    # BatchDeleteBuilds
    (S + "codebuild:batchDeleteBuilds", {"Ids": ["app:1", "web:2", "app:3"]},
     {(None, ("codebuild:BatchDeleteBuilds",),
       (arn("codebuild", "project/app"), arn("codebuild", "project/web")), ())}),
    # BatchGetReports: report/<group>:<uuid> -> report-group/<group>
    (S + "codebuild:batchGetReports",
     {"ReportArns": ["arn:aws:codebuild:us-east-1:111122223333:report/tests:0b1c"]},
     {(None, ("codebuild:BatchGetReports",),
       ("arn:aws:codebuild:us-east-1:111122223333:report-group/tests",), ())}),
    (S + "codebuild:batchGetReports", {"ReportArns.$": "$.reports"},
     {("CodebuildReportChosenAtRunTime", ("codebuild:BatchGetReports",),
       (arn("codebuild", "report-group/*"),), ())}),
    # StartBuildBatch, and its .sync through the batch rule
    (S + "codebuild:startBuildBatch", {"ProjectName": "app"},
     {(None, ("codebuild:StartBuildBatch",), (arn("codebuild", "project/app"),), ())}),
    (S + "codebuild:startBuildBatch.sync", {"ProjectName": "app"},
     {(None, ("codebuild:BatchGetBuildBatches", "codebuild:StartBuildBatch",
              "codebuild:StopBuildBatch"), (arn("codebuild", "project/app"),), ()),
      (None, RULE, (arn("events", "rule/StepFunctionsGetEventForCodeBuildStartBuildBatchRule"),),
       ())}),
    (S + "codebuild:startBuildBatch.sync", {"ProjectName.$": "$.p"},
     {("CodebuildProjectChosenAtRunTime", ("codebuild:BatchGetBuildBatches",
                                           "codebuild:StartBuildBatch", "codebuild:StopBuildBatch"),
       (arn("codebuild", "project/*"),), ()),
      (None, RULE, (arn("events", "rule/StepFunctionsGetEventForCodeBuildStartBuildBatchRule"),),
       ())}),
    # RetryBuildBatch, Run a Job (.sync): AWS's template names no managed rule
    (S + "codebuild:retryBuildBatch.sync", {"Id": "app:0b1c"},
     {(None, ("codebuild:BatchGetBuildBatches", "codebuild:RetryBuildBatch",
              "codebuild:StopBuildBatch"), (arn("codebuild", "project/app"),), ())}),
    (S + "codebuild:retryBuildBatch", {"Id": "app:0b1c"},
     {(None, ("codebuild:RetryBuildBatch",), (arn("codebuild", "project/app"),), ())}),
    (S + "codebuild:stopBuildBatch", {"Id": "app:0b1c"},
     {(None, ("codebuild:StopBuildBatch",), (arn("codebuild", "project/app"),), ())}),
    (S + "codebuild:deleteBuildBatch",
     {"Id": "arn:aws:codebuild:us-east-1:111122223333:build-batch/app:0b1c"},
     {(None, ("codebuild:DeleteBuildBatch",),
       ("arn:aws:codebuild:us-east-1:111122223333:project/app",), ())}),
])
def test_codebuild_actions(resource: str, params: Any, expected: set[tuple[Any, ...]]) -> None:
    assert plain(resource, params) == expected


# Athena: connect-athena.md, "IAM policies for calling Amazon Athena", Run a Job (.sync) ----------

def test_athena_sync_polls_the_work_group() -> None:
    got = plain(S + "athena:startQueryExecution.sync", {"QueryString": "SELECT 1",
                                                         "WorkGroup": "reports"})
    assert (None, ("athena:BatchGetQueryExecution", "athena:GetQueryExecution",
                   "athena:GetQueryResults", "athena:GetWorkGroup", "athena:ListQueryExecutions",
                   "athena:StartQueryExecution", "athena:StopQueryExecution"),
            (arn("athena", "workgroup/reports"),), ()) in got
    request = plain(S + "athena:startQueryExecution", {"QueryString": "SELECT 1",
                                                        "WorkGroup": "reports"})
    assert (None, ("athena:StartQueryExecution",), (arn("athena", "workgroup/reports"),), ()) \
        in request


# Glue: glue-iam.md, the callback (.waitForTaskToken) starts the run and waits for the token ------

def test_glue_callback() -> None:
    assert plain(S + "glue:startJobRun.waitForTaskToken", {
        "JobName": "etl", "Arguments": {"--token.$": "$$.Task.Token"}}) == {
        (None, ("glue:StartJobRun",), (arn("glue", "job/etl"),), ())}


# ECS: tagging on creation is TagResource on the task, for RunTask (ecs-iam.md; the ECS
# Developer Guide's "Grant permission to tag resources on creation") ----------------------------

def test_ecs_run_task_with_tags_may_tag_the_task() -> None:
    got = plain(S + "ecs:runTask", {"TaskDefinition": "family:3", "Cluster": "c",
                                    "Tags": [{"Key": "team", "Value": "data"}]})
    assert ("EcsTagsTheTaskItStarts", ("ecs:TagResource",), (arn("ecs", "task/*/*"),),
            (("StringEquals", "ecs:CreateAction", ("RunTask",)),)) in got
    untagged = plain(S + "ecs:runTask", {"TaskDefinition": "family:3", "Cluster": "c"})
    assert not any(s[1] == ("ecs:TagResource",) for s in untagged)


# Lambda: FunctionName as Lambda's Invoke takes it (connect-lambda.md, lambda-iam.md) --------------

@pytest.mark.parametrize("function, base", [
    ("function:f", arn("lambda", "function:f")),
    ("us-west-2:111122223333:function:f:live",
     f"arn:{P}:lambda:us-west-2:111122223333:function:f"),
    ("111122223333:function:f", f"arn:{P}:lambda:{REGION}:111122223333:function:f"),
])
def test_lambda_partial_arns(function: str, base: str) -> None:
    assert plain(S + "lambda:invoke", {"FunctionName": function}) == {
        (None, ("lambda:InvokeFunction",), (base, base + ":*"), ())}


def _failure(state: Task) -> list[tuple[str, str, str]]:
    wf = Workflow("w", states=[state], deployment=OnDemandJob("w"))
    return [(d.code, d.path, d.message) for d in check(wf)[1]]


def test_a_function_name_lambda_refuses_is_a_build_error() -> None:
    state = Task("T", resource=S + "lambda:invoke",
                 parameters={"FunctionName": "1234567890:function:d"})
    assert _failure(state) == [(
        "bad-parameter", "$.States.T.Parameters.FunctionName",
        "state 'T': FunctionName '1234567890:function:d' is not a function name, a partial ARN "
        "([region:]account:function:name, the account twelve digits) or an ARN, so Lambda "
        "would refuse it")]
    with pytest.raises(ParameterError, match=r"^\$\.States\.T\.Parameters\.FunctionName: state "
                       r"'T': FunctionName '1234567890:function:d' is not a function name"):
        state_machine_statements(Workflow("w", states=[state]))


def test_an_object_where_a_name_belongs_names_the_state_and_field() -> None:
    state = Task("T", resource=S + "lambda:invoke", parameters={"FunctionName": {"a": 1}})
    assert _failure(state) == [(
        "bad-parameter", "$.States.T.Parameters.FunctionName",
        "state 'T': FunctionName is an object, where lambda:invoke takes a name or an ARN")]
    jsonata = Workflow("w", query_language="JSONata", deployment=OnDemandJob("w"), states=[
        Task("T", resource=S + "lambda:invoke", arguments={"FunctionName": {"a": 1}})])
    assert [(d.path, d.message) for d in check(jsonata)[1]] == [(
        "$.States.T.Arguments.FunctionName",
        "state 'T': FunctionName is an object, where lambda:invoke takes a name or an ARN")]
    listed = Task("T", resource=S + "glue:startJobRun", parameters={"JobName": ["etl"]})
    assert _failure(listed) == [(
        "bad-parameter", "$.States.T.Parameters.JobName",
        "state 'T': JobName is a list, where glue:startJobRun takes a name or an ARN")]


# Distributed Map: iam-policies-eg-dist-map.md ----------------------------------------------------

def test_distributed_map_lists_under_the_prefix_and_reads_what_it_lists() -> None:
    m = Map("M", processor=[Pass("P")], processor_config={"Mode": "DISTRIBUTED",
                                                          "ExecutionType": "STANDARD"},
            item_reader={"Resource": S + "s3:listObjectsV2",
                         "Parameters": {"Bucket": "in", "Prefix": "raw/"}})
    assert policy(m) == {
        (None, ("s3:ListBucket",), (f"arn:{P}:s3:::in",),
         (("StringLike", "s3:prefix", ("raw/*",)),)),
        (None, ("s3:GetObject",), (f"arn:{P}:s3:::in/raw/*",), ()),
        (None, ("states:StartExecution",), (arn("states", "stateMachine:w"),), ()),
        (None, ("states:DescribeExecution", "states:StopExecution"),
         (arn("states", "execution:w:*"),), ()),
    }
    whole = Map("M", processor=[Pass("P")], processor_config={"Mode": "DISTRIBUTED"},
                item_reader={"Resource": S + "s3:listObjectsV2", "Parameters": {"Bucket": "in"}})
    got = policy(whole)
    assert (None, ("s3:ListBucket",), (f"arn:{P}:s3:::in",), ()) in got
    assert (None, ("s3:GetObject",), (f"arn:{P}:s3:::in/*",), ()) in got


# An integration AWS offers that flowdsl has no IAM facts for --------------------------------------

UNKNOWN_IAM = ("state 'T' calls 'arn:aws:states:::states:describeNothing', and flowdsl does not "
               "know what IAM it needs: grant it with permissions=[Allow(actions, resources)] on "
               "the state (or the Workflow)")


def test_an_offered_integration_without_grants_validates_and_asks_for_permissions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OFFERED, "states:describeNothing", ("",))
    resource = S + "states:describeNothing"
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
    assert validate(doc) == []
    assert type(import_definition(doc, "imported").states[0]) is Task
    assert f"resource='{resource}'" in generate(doc, "imported").replace('"', "'")
    assert _failure(Task("T", resource=resource)) == [
        ("unknown-iam", "$.States.T.Resource", UNKNOWN_IAM)]
    allowed = Task("T", resource=resource,
                   permissions=[Allow("states:DescribeExecution", "arn:aws:states:*:*:execution:*")])
    assert _failure(allowed) == []
    # a pattern it does not offer is still refused, and a misspelt name still gets its hint
    assert [d.message for d in validate({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": resource + ".sync", "End": True}}})] == [
        "states:describeNothing does not support the '.sync' pattern (it supports "
        "request-response)"]
    assert [d.message for d in validate({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": S + "states:describeNothin", "End": True}}})] == [
        "'states:describeNothin' is not a Step Functions optimized integration (did you mean "
        "'states:describeNothing'?); for any other API use "
        "'arn:aws:states:::aws-sdk:<service>:<apiAction>'"]


# Every integration and pattern of the offered table ----------------------------------------------

TABLE = [(name, pattern) for name, patterns in sorted(OFFERED.items()) for pattern in patterns]


@pytest.mark.parametrize("name, pattern", TABLE, ids=[f"{n}{p}" for n, p in TABLE])
def test_every_offered_integration_validates_imports_and_passes_the_dataset_check(
        name: str, pattern: str) -> None:
    resource = f"{S}{name}{pattern}"
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                            "Parameters": {}, "End": True}}}
    assert validate(doc) == []
    imported = import_definition(doc, "imported")
    assert isinstance(imported.states[0], _TaskBase) and imported.states[0].name == "T"
    compile(generate(doc, "imported"), "imported.py", "exec")  # the import writes Python
    assert name in specs()
    checked = 0
    for params in ({}, _Chosen()):
        wf = Workflow("w", states=[Task("T", resource=resource, parameters=params)])
        try:
            statements = state_machine_statements(wf)
        except ParameterError:
            continue  # a grant that needs a value where every value is chosen at run time
        assert dataset_problems(statements) == [], (name, pattern)
        checked += 1
    assert checked


# Narrowing: derived_permissions=False ------------------------------------------------------------

def test_derived_permissions_false_keeps_only_the_tasks_own_and_notes_the_rest() -> None:
    own = Allow(("athena:GetQueryExecution", "athena:StartQueryExecution"),
                "arn:aws:athena:us-east-1:111122223333:workgroup/reports")
    task = AthenaQuery("A", query="SELECT 1", work_group="reports", pattern="request_response",
                       permissions=[own], derived_permissions=False)
    assert policy(task) == {
        (None, ("athena:GetQueryExecution", "athena:StartQueryExecution"),
         ("arn:aws:athena:us-east-1:111122223333:workgroup/reports",), ())}
    notes = build(Workflow("w", states=[task], deployment=OnDemandJob("w"))).notes
    g = f"arn:{P}:glue:{REGION}:{ACCOUNT}"
    assert notes == (
        "note: state 'A' has derived_permissions=False, so its role does not get "
        f"athena:StartQueryExecution on {arn('athena', 'workgroup/reports')}",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        f"(AthenaCatalogInQueryText) athena:GetDataCatalog on {arn('athena', 'datacatalog/*')}",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(AthenaDataInQueryText) s3:AbortMultipartUpload, s3:GetObject, "
        f"s3:ListMultipartUploadParts, s3:PutObject on arn:{P}:s3:::*/*",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(AthenaDataInQueryText2) s3:CreateBucket, s3:GetBucketLocation, s3:ListBucket, "
        f"s3:ListBucketMultipartUploads on arn:{P}:s3:::*",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(AthenaTablesInQueryText) glue:BatchCreatePartition, glue:BatchDeletePartition, "
        "glue:BatchDeleteTable, glue:BatchGetPartition, glue:CreatePartition, glue:CreateTable, "
        "glue:DeletePartition, glue:DeleteTable, glue:GetPartition, glue:GetPartitions, "
        "glue:GetTable, glue:GetTables, glue:UpdatePartition, glue:UpdateTable on "
        f"{g}:catalog, {g}:database/*, {g}:table/*/*",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(AthenaTablesInQueryText2) glue:CreateDatabase, glue:GetDatabase, glue:GetDatabases, "
        f"glue:UpdateDatabase on {g}:catalog, {g}:database/*",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(AthenaTablesInQueryText3) glue:DeleteDatabase on "
        f"{g}:catalog, {g}:database/*, {g}:table/*/*, {g}:userDefinedFunction/*/*",
        "note: state 'A' has derived_permissions=False, so its role does not get "
        "(LakeFormationHasNoResource) lakeformation:GetDataAccess on *",
    )
    # without it, nothing is noted
    assert build(Workflow("w", states=[AthenaQuery("A", query="SELECT 1")],
                          deployment=OnDemandJob("w"))).notes == ()


def test_derived_permissions_false_without_permissions_is_not_an_unknown_iam_error() -> None:
    task = Task("T", resource="arn:aws:states:::sns:publish", derived_permissions=False,
                parameters={"TopicArn": "arn:aws:sns:us-east-1:111122223333:t", "Message": "m"})
    assert policy(task) == set()


def test_the_build_prints_the_notes_on_stderr(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from flowdsl.cli import app

    source = tmp_path / "narrow.py"
    source.write_text(
        "from flowdsl import Allow, OnDemandJob, SnsPublish, Workflow\n"
        "workflow = Workflow('narrow', deployment=OnDemandJob('narrow'), states=[SnsPublish(\n"
        "    'N', topic='arn:aws:sns:us-east-1:111122223333:t', message='m',\n"
        "    derived_permissions=False,\n"
        "    permissions=[Allow('sns:Publish', 'arn:aws:sns:us-east-1:111122223333:t')])])\n")
    result = CliRunner().invoke(app, ["build", str(source), "--out",
                                                      str(tmp_path / "build")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("note: state 'N' has derived_permissions=False, so its role does "
                             "not get sns:Publish on arn:aws:sns:us-east-1:111122223333:t\n")
    assert result.stdout == f"wrote {tmp_path / 'build' / 'narrow'}/\n"
