"""Service integrations: the exact IAM each one's state machine role gets, for typed tasks and
plain Tasks with the same Resource; unknown resources; the escape hatch; the inverse."""

from __future__ import annotations

import json
from typing import Any

import pytest

from test_services_classes import CASES as SERVICE_CASES

from flowdsl import (Allow, AthenaQuery, BatchTask, CodeBuildStart, DynamoDeleteItem, DynamoGetItem,
                     DynamoPutItem, DynamoUpdateItem, EcsRunTask, GlueJob, LambdaTask,
                     Map, OnDemandJob, Pass, PutEvents, SdkCall, SnsPublish, SqsSendMessage,
                     StartExecution, Task, TaskDefinition, Variable, Workflow, join, var)
from flowdsl.asl import compile_workflow
from flowdsl.build import build, check
from flowdsl.errors import CompileError
from flowdsl.refs import ResourceAttr
from flowdsl.placeholders import resolve, to_template
from flowdsl.tasks import INTEGRATIONS, state_machine_statements, typed
from flowdsl.tasks.sdk import dataset_problems
from flowdsl.validate import validate

P = "${data.aws_partition.current.partition}"
HERE = "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
VARS = [Variable(n) for n in ("fn_arn", "topic_arn", "child_arn", "queue_url", "cluster",
                              "table_arn", "bus")]


class Statements(frozenset):
    """Policy statements (sid, actions, resources); compared with resources in any order (the
    policy lists them sorted)."""

    @staticmethod
    def norm(item: Any) -> Any:
        sid, actions, resources = item
        return sid, tuple(actions), frozenset(resources)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (set, frozenset)) and \
            {self.norm(i) for i in self} == {self.norm(i) for i in other}

    __hash__ = frozenset.__hash__

    def __contains__(self, item: object) -> bool:
        return self.norm(item) in {self.norm(i) for i in self}


def grants(*states: Any, **kw: Any) -> Statements:
    """The state machine policy's statements (sid, actions, resources), without log delivery."""
    wf = Workflow("w", states=list(states), variables=VARS, deployment=OnDemandJob("w"), **kw)
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    doc = files["state_machine.tf.json"]["data"]["aws_iam_policy_document"]["state_machine"]
    out = {(s.get("sid"), tuple(s["actions"]), tuple(s["resources"])) for s in doc["statement"]}
    problems = dataset_problems(state_machine_statements(wf))
    assert not problems, problems
    return Statements(s for s in out if not s[1][0].startswith("logs:"))


def plain(resource: str, params: Any) -> Task:
    return Task("T", resource=resource, parameters=params)


def arn(service: str, rest: str, here: bool = True) -> str:
    return f"arn:{P}:{service}:{HERE if here else ':'}:{rest}"


RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")


# Lambda ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("function, resources", [
    ("my-func", (arn("lambda", "function:my-func"), arn("lambda", "function:my-func") + ":*")),
    ("my-func:live", (arn("lambda", "function:my-func"), arn("lambda", "function:my-func") + ":*")),
    ("arn:aws:lambda:eu-west-1:111122223333:function:f:7",
     ("arn:aws:lambda:eu-west-1:111122223333:function:f",
      "arn:aws:lambda:eu-west-1:111122223333:function:f:*")),
    ("111122223333:function:f",
     (f"arn:{P}:lambda:${{data.aws_region.current.name}}:111122223333:function:f",
      f"arn:{P}:lambda:${{data.aws_region.current.name}}:111122223333:function:f:*")),
    (var("fn_arn"), ("${var.fn_arn}", "${var.fn_arn}:*")),
    (join(var("fn_arn"), ":live"), ("${var.fn_arn}", "${var.fn_arn}:*")),
])
def test_lambda_function_name_or_arn_is_granted_by_arn(function: Any, resources: tuple) -> None:
    expected = {(None, ("lambda:InvokeFunction",), resources)}
    assert grants(LambdaTask("L", function=function)) == expected
    assert grants(plain("arn:aws:states:::lambda:invoke", {"FunctionName": function})) == expected


def test_lambda_function_from_the_input_is_any_function_of_the_account() -> None:
    assert grants(plain("arn:aws:states:::lambda:invoke.waitForTaskToken",
                        {"FunctionName.$": "$.fn", "Payload": {"t.$": "$$.Task.Token"}})) == {
        ("LambdaFunctionChosenAtRunTime", ("lambda:InvokeFunction",),
         (arn("lambda", "function:*"),))}


def test_a_lambda_arn_as_resource_is_invoked_directly() -> None:
    assert grants(Task("T", resource="arn:aws:lambda:us-east-1:111122223333:function:f")) == {
        (None, ("lambda:InvokeFunction",), ("arn:aws:lambda:us-east-1:111122223333:function:f",
                                            "arn:aws:lambda:us-east-1:111122223333:function:f:*"))}


def test_an_activity_needs_no_grant() -> None:
    assert grants(Task("T", resource="arn:aws:states:us-east-1:111122223333:activity:a")) == set()


# Batch ----------------------------------------------------------------------------------------

def test_plain_batch_task_gets_what_the_typed_one_gets() -> None:
    typed_ = grants(BatchTask("B", job="arn:aws:batch:us-east-1:1:job-definition/d:3",
                              job_queue="q", job_name="n"))
    plain_ = grants(plain("arn:aws:states:::batch:submitJob.sync", {
        "JobDefinition": "arn:aws:batch:us-east-1:1:job-definition/d:3", "JobQueue": "q",
        "JobName": "n"}))
    assert typed_ == plain_ == {
        (None, ("batch:SubmitJob",), ("arn:aws:batch:us-east-1:1:job-definition/d:3",
                                      arn("batch", "job-queue/q"))),
        (None, ("batch:TerminateJob",), (arn("batch", "job/*"),)),
        (None, ("batch:DescribeJobs",), ("*",)),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventsForBatchJobsRule"),)),
    }


def test_batch_definition_by_name_takes_every_revision() -> None:
    assert grants(BatchTask("B", job="d", job_queue=var("cluster"), job_name="n", sync=False)) == {
        (None, ("batch:SubmitJob",), (arn("batch", "job-definition/d"),
                                      arn("batch", "job-definition/d") + ":*",
                                      arn("batch", "job-queue/${var.cluster}")))}


# ECS ------------------------------------------------------------------------------------------

def test_ecs_with_a_task_definition_flowdsl_creates_passes_its_two_roles() -> None:
    td = TaskDefinition("worker", image="python:3.12")
    got = grants(EcsRunTask("R", task_definition=td, cluster="c", subnets=["subnet-1"]))
    assert got == {
        (None, ("ecs:RunTask",), ("${aws_ecs_task_definition.worker.arn_without_revision}:*",)),
        (None, ("iam:PassRole",), ("${aws_iam_role.worker_execution.arn}",
                                   "${aws_iam_role.worker_task.arn}")),
        (None, ("ecs:DescribeTasks", "ecs:StopTask"), (arn("ecs", "task/*/*"),)),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventsForECSTaskRule"),)),
    }


def test_pass_role_is_conditioned_on_the_service_it_passes_to() -> None:
    td = TaskDefinition("worker", image="python:3.12")
    wf = Workflow("w", states=[EcsRunTask("R", task_definition=td, cluster="c", subnets=["s"]),
                               EcsRunTask("E", task_definition="family", cluster="c",
                                          subnets=["s"])], deployment=OnDemandJob("w"))
    doc = json.loads(build(wf).files["state_machine.tf.json"])
    passes = [s for s in doc["data"]["aws_iam_policy_document"]["state_machine"]["statement"]
              if s["actions"] == ["iam:PassRole"]]
    condition = [{"test": "StringEquals", "variable": "iam:PassedToService",
                  "values": ["ecs-tasks.amazonaws.com"]}]
    assert [(s.get("sid"), s["resources"], s["condition"]) for s in passes] == [
        (None, ["${aws_iam_role.worker_execution.arn}", "${aws_iam_role.worker_task.arn}"],
         condition),
        ("EcsTaskRolesNotKnownAtDeployTime",
         [f"arn:{P}:iam::${{data.aws_caller_identity.current.account_id}}:role/*"], condition),
    ]


def test_merge_keeps_statements_with_other_conditions_apart() -> None:
    from flowdsl.iam import merge

    a = Allow("iam:PassRole", "arn:aws:iam::1:role/a",
              conditions=[("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")])
    b = Allow("iam:PassRole", "arn:aws:iam::1:role/b")
    c = Allow("iam:PassRole", "arn:aws:iam::1:role/c",
              conditions=[("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")])
    assert merge([a, b, c]) == (
        Allow(("iam:PassRole",), ("arn:aws:iam::1:role/b",)),
        Allow(("iam:PassRole",), ("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/c"),
              conditions=[("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")]),
    )


def test_ecs_task_definition_resources() -> None:
    td = TaskDefinition("worker", image="python:3.12", command=["run"],
                        permissions=[Allow("s3:GetObject", "arn:aws:s3:::b/*")])
    wf = Workflow("w", states=[EcsRunTask("R", task_definition=td, cluster="c", subnets=["s"])],
                  deployment=OnDemandJob("w"))
    ecs = json.loads(build(wf).files["ecs.tf.json"])
    definition = ecs["resource"]["aws_ecs_task_definition"]["worker"]
    assert definition["family"] == "w-worker"
    assert definition["task_role_arn"] == "${aws_iam_role.worker_task.arn}"
    assert definition["execution_role_arn"] == "${aws_iam_role.worker_execution.arn}"
    assert ecs["locals"]["worker_containers"][0]["logConfiguration"]["options"]["awslogs-group"] \
        == "${aws_cloudwatch_log_group.worker_logs.name}"
    assert ecs["resource"]["aws_cloudwatch_log_group"]["worker_logs"]["kms_key_id"] \
        == "${var.kms_key_arn}"
    assert ecs["data"]["aws_iam_policy_document"]["worker_task"]["statement"] == [
        {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"]}]


def test_ecs_task_definition_errors() -> None:
    wf = Workflow("w", states=[EcsRunTask("R", task_definition=TaskDefinition("1bad"), cluster="c",
                                          launch_type="EC2"),
                               EcsRunTask("S", task_definition=TaskDefinition("x"), cluster="c",
                                          launch_type="EC2")],
                  deployment=OnDemandJob("w"))
    messages = [d.message for d in check(wf)[1]]
    assert "task definition id '1bad' must be a Terraform identifier (letters, digits, '_' and '-', " \
           "not starting with a digit)" in messages
    assert "task definition 'x' has no image: give TaskDefinition(image=...)" in messages


def test_typed_fields_are_checked() -> None:
    from flowdsl.fields import FieldError

    with pytest.raises(FieldError, match=r"^TaskDefinition\.cpu: expected a string, got int 256$"):
        TaskDefinition("worker", image="i", cpu=256)
    with pytest.raises(FieldError, match=r"^GlueJob\.pattern: expected a string, got bool True$"):
        GlueJob("G", job_name="etl", pattern=True)
    with pytest.raises(FieldError, match=r"^Task\.permissions: expected a list of Allow, got str "
                                         r"'s3:GetObject'$"):
        Task("T", resource="arn:aws:states:::lambda:invoke", permissions=["s3:GetObject"])


def test_fargate_needs_subnets_and_a_known_pattern() -> None:
    wf = Workflow("w", states=[EcsRunTask("R", task_definition="family", cluster="c",
                                          pattern="synk")], deployment=OnDemandJob("w"))
    assert [(d.code, d.message) for d in check(wf)[1]] == [
        ("bad-resource", "ecs:runTask does not support the '.synk' pattern (did you mean "
                         "'.sync'?) (it supports request-response, .sync, .waitForTaskToken)"),
        ("missing-subnets", "state 'R' runs a Fargate task, whose awsvpc network needs subnets: "
                            "give EcsRunTask(subnets=[...], security_groups=[...])"),
    ]


def test_definitions_named_by_a_variable() -> None:
    assert (None, ("ecs:RunTask",), (arn("ecs", "task-definition/${var.cluster}:*"),)) in grants(
        EcsRunTask("R", task_definition=var("cluster"), cluster="c", subnets=["s"]))
    assert grants(BatchTask("B", job=var("cluster"), job_queue=var("table_arn"), job_name="n",
                            sync=False)) == {
        (None, ("batch:SubmitJob",), (arn("batch", "job-definition/${var.cluster}"),
                                      arn("batch", "job-definition/${var.cluster}") + ":*",
                                      "${var.table_arn}"))}


def test_ecs_existing_family_and_override_roles() -> None:
    got = grants(plain("arn:aws:states:::ecs:runTask", {
        "Cluster": "c", "TaskDefinition": "family",
        "Overrides": {"TaskRoleArn": "arn:aws:iam::1:role/r"}}))
    # the family's own roles are not known here: any role of the account may be passed
    assert got == {
        (None, ("ecs:RunTask",), (arn("ecs", "task-definition/family") + ":*",)),
        ("EcsTaskRolesNotKnownAtDeployTime", ("iam:PassRole",),
         (f"arn:{P}:iam::${{data.aws_caller_identity.current.account_id}}:role/*",)),
    }


def test_ecs_created_definition_with_override_role() -> None:
    td = TaskDefinition("worker", image="i")
    got = grants(EcsRunTask("R", task_definition=td, cluster="c", subnets=["s"],
                            pattern="request_response",
                            overrides={"TaskRoleArn": "arn:aws:iam::1:role/r"}))
    assert (None, ("iam:PassRole",), ("${aws_iam_role.worker_execution.arn}",
                                      "${aws_iam_role.worker_task.arn}",
                                      "arn:aws:iam::1:role/r")) in got


# SNS, SQS, EventBridge ------------------------------------------------------------------------

def test_sns() -> None:
    assert grants(SnsPublish("N", topic=var("topic_arn"), message="hi")) == {
        (None, ("sns:Publish",), ("${var.topic_arn}",))}
    assert grants(plain("arn:aws:states:::sns:publish", {"TopicArn.$": "$.t", "Message": "m"})) \
        == {("SnsTopicChosenAtRunTime", ("sns:Publish",), (arn("sns", "*"),))}
    assert grants(plain("arn:aws:states:::sns:publish", {"PhoneNumber": "+1555", "Message": "m"})) \
        == {("SnsSmsHasNoResource", ("sns:Publish",), ("*",))}


def test_sqs_queue_url_becomes_the_queue_arn() -> None:
    assert grants(SqsSendMessage(
        "Q", queue_url="https://sqs.eu-west-1.amazonaws.com/111122223333/jobs.fifo",
        message_body={"t.$": "$$.Task.Token"}, pattern="wait_for_task_token")) == {
        (None, ("sqs:SendMessage",), (f"arn:{P}:sqs:eu-west-1:111122223333:jobs.fifo",))}
    assert grants(SqsSendMessage("Q", queue_url=ResourceAttr("aws_sqs_queue", "queue", "url"),
                                 message_body="m")) == {
        (None, ("sqs:SendMessage",), ("${aws_sqs_queue.queue.arn}",))}
    # a URL held by a variable cannot be turned into an ARN at deploy time
    assert grants(SqsSendMessage("Q", queue_url=var("queue_url"), message_body="m")) == {
        ("SqsQueueUrlNotAnArnAtDeployTime", ("sqs:SendMessage",), (arn("sqs", "*"),))}


def test_eventbridge_buses() -> None:
    assert grants(PutEvents("E", entries=[
        {"Detail": {}, "DetailType": "t", "Source": "s"},
        {"Detail": {}, "DetailType": "t", "Source": "s", "EventBusName": "orders"},
        {"Detail": {}, "DetailType": "t", "Source": "s", "EventBusName": var("bus")},
    ])) == {(None, ("events:PutEvents",), (arn("events", "event-bus/${var.bus}"),
                                           arn("events", "event-bus/default"),
                                           arn("events", "event-bus/orders")))}
    assert grants(plain("arn:aws:states:::events:putEvents", {"Entries": [
        {"EventBusName.$": "$.bus"}]})) == {
        ("EventBusChosenAtRunTime", ("events:PutEvents",), (arn("events", "event-bus/*"),))}


# DynamoDB -------------------------------------------------------------------------------------

@pytest.mark.parametrize("state, action", [
    (DynamoGetItem("D", table="jobs", key={"id": {"S": "1"}}), "dynamodb:GetItem"),
    (DynamoPutItem("D", table="jobs", item={"id": {"S": "1"}}), "dynamodb:PutItem"),
    (DynamoUpdateItem("D", table="jobs", key={"id": {"S": "1"}}, update_expression="SET a = :a",
                      expression_attribute_values={":a": {"N": "1"}}), "dynamodb:UpdateItem"),
    (DynamoDeleteItem("D", table="jobs", key={"id": {"S": "1"}}), "dynamodb:DeleteItem"),
])
def test_dynamodb_items(state: Any, action: str) -> None:
    assert grants(state) == {(None, (action,), (arn("dynamodb", "table/jobs"),))}
    resource = compile_workflow(Workflow("w", [state])).definition["States"]["D"]["Resource"]
    assert to_template(resource) == f"arn:{P}:states:::dynamodb:{action.split(':')[1][0].lower()}" \
        f"{action.split(':')[1][1:]}"


def test_dynamodb_table_by_arn_or_from_input() -> None:
    assert grants(DynamoGetItem("D", table=var("table_arn"), key={})) == {
        (None, ("dynamodb:GetItem",), ("${var.table_arn}",))}
    assert grants(plain("arn:aws:states:::dynamodb:putItem", {"TableName.$": "$.t", "Item": {}})) \
        == {("DynamodbTableChosenAtRunTime", ("dynamodb:PutItem",), (arn("dynamodb", "table/*"),))}


# Step Functions -------------------------------------------------------------------------------

def test_start_execution_sync_of_a_known_state_machine() -> None:
    machine = "arn:aws:states:us-east-1:111122223333:stateMachine:child"
    assert grants(StartExecution("S", state_machine=machine, pattern="sync")) == {
        (None, ("states:StartExecution",), (machine,)),
        (None, ("states:DescribeExecution", "states:StopExecution"),
         ("arn:aws:states:us-east-1:111122223333:execution:child:*",)),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),)),
    }


def test_start_execution_of_another_workflow_by_reference() -> None:
    assert grants(StartExecution("S", state_machine=var("child_arn"))) == {
        (None, ("states:StartExecution",), ("${var.child_arn}",)),
        ("ChildExecutionsNamedAtRunTime", ("states:DescribeExecution", "states:StopExecution"),
         (arn("states", "execution:*:*"),)),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),)),
    }
    child = ResourceAttr("aws_sfn_state_machine", "child", "arn")
    assert (None, ("states:DescribeExecution", "states:StopExecution"),
            (arn("states", "execution:${aws_sfn_state_machine.child.name}:*"),)) \
        in grants(StartExecution("S", state_machine=child, pattern="sync:2"))
    assert grants(StartExecution("S", state_machine=var("child_arn"),
                                 pattern="request_response")) == {
        (None, ("states:StartExecution",), ("${var.child_arn}",))}


# Glue, Athena, CodeBuild, HTTP ----------------------------------------------------------------

def test_glue_job() -> None:
    assert grants(GlueJob("G", job_name="etl")) == {
        (None, ("glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:StartJobRun"),
         (arn("glue", "job/etl"),))}
    assert grants(GlueJob("G", job_name="etl", pattern="request_response")) == {
        (None, ("glue:StartJobRun",), (arn("glue", "job/etl"),))}


def test_athena_query() -> None:
    got = grants(AthenaQuery("A", query="SELECT 1", work_group="reports"))
    # connect-athena.md, "IAM policies for calling Amazon Athena", Run a Job (.sync)
    assert (None, ("athena:BatchGetQueryExecution", "athena:GetQueryExecution",
                   "athena:GetQueryResults", "athena:GetWorkGroup", "athena:ListQueryExecutions",
                   "athena:StartQueryExecution", "athena:StopQueryExecution"),
            (arn("athena", "workgroup/reports"),)) in got
    assert ("AthenaCatalogInQueryText", ("athena:GetDataCatalog",),
            (arn("athena", "datacatalog/*"),)) in got
    assert ("AthenaDataInQueryText", ("s3:AbortMultipartUpload", "s3:GetObject",
                                      "s3:ListMultipartUploadParts", "s3:PutObject"),
            (f"arn:{P}:s3:::*/*",)) in got
    assert ("LakeFormationHasNoResource", ("lakeformation:GetDataAccess",), ("*",)) in got
    assert len(got) == 8
    default = grants(AthenaQuery("A", query="SELECT 1", pattern="request_response"))
    assert (None, ("athena:StartQueryExecution",), (arn("athena", "workgroup/primary"),)) in default
    assert grants(plain("arn:aws:states:::athena:getQueryResults", {"QueryExecutionId.$": "$.id"})) \
        == {("AthenaQueryIdChosenAtRunTime", ("athena:GetQueryResults",),
             (arn("athena", "workgroup/*"),)),
            ("AthenaResultsLocationInQuery", ("s3:GetObject",), (f"arn:{P}:s3:::*/*",))}


def test_codebuild() -> None:
    assert grants(CodeBuildStart("C", project="build")) == {
        (None, ("codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"),
         (arn("codebuild", "project/build"),)),
        # codebuild-iam.md: the rule's name is "GetEvent", not "GetEvents"; no BatchGetReports
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventForCodeBuildStartBuildRule"),)),
    }


def test_sagemaker_training_job() -> None:
    assert grants(plain("arn:aws:states:::sagemaker:createTrainingJob.sync", {
        "TrainingJobName": "churn", "RoleArn": "arn:aws:iam::111122223333:role/sm",
        "AlgorithmSpecification": {}, "OutputDataConfig": {}, "ResourceConfig": {},
        "StoppingCondition": {}})) == {
        # sagemaker-iam.md: the job's tags are written with AddTags
        (None, ("sagemaker:AddTags", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
                "sagemaker:StopTrainingJob"), (arn("sagemaker", "training-job/churn*"),)),
        ("SagemakerListTagsHasNoScope", ("sagemaker:ListTags",), ("*",)),
        (None, ("iam:PassRole",), ("arn:aws:iam::111122223333:role/sm",)),
        (None, RULE, (arn("events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"),)),
    }
    assert ("SagemakerRoleChosenAtRunTime", ("iam:PassRole",),
            (f"arn:{P}:iam::${{data.aws_caller_identity.current.account_id}}:role/*",)) in grants(
        plain("arn:aws:states:::sagemaker:createTrainingJob", {"TrainingJobName.$": "$.n",
                                                                "RoleArn.$": "$.r"}))


def test_http_task() -> None:
    connection = "arn:aws:events:us-east-1:111122223333:connection/stripe/0b1c"
    assert grants(plain("arn:aws:states:::http:invoke", {
        "ApiEndpoint": "https://api.example.com", "Method": "GET",
        "Authentication": {"ConnectionArn": connection}})) == {
        (None, ("states:InvokeHTTPEndpoint",), (arn("states", "stateMachine:w"),)),
        (None, ("events:RetrieveConnectionCredentials",), (connection,)),
        # the connection's secret, in the connection's account and region
        ("SecretOfTheConnection", ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
         ("arn:aws:secretsmanager:us-east-1:111122223333:secret:events!connection/stripe/*",)),
    }


# AWS SDK --------------------------------------------------------------------------------------

def test_sdk_actions_and_renames() -> None:
    assert grants(SdkCall("S", service="s3", action="listObjectsV2",
                          parameters={"Bucket": "data"})) == {
        (None, ("s3:ListBucket",), (f"arn:{P}:s3:::data",))}
    assert grants(SdkCall("S", service="s3", action="getObject",
                          parameters={"Bucket": "data", "Key": "a/b.json"})) == {
        (None, ("s3:GetObject",), (f"arn:{P}:s3:::data/a/b.json",))}
    assert grants(plain("arn:aws:states:::aws-sdk:dynamodb:query", {"TableName": "t"})) == {
        (None, ("dynamodb:Query",), (arn("dynamodb", "table/t"),))}
    assert grants(plain("arn:aws:states:::aws-sdk:sfn:listExecutions", {
        "StateMachineArn.$": "$.m"})) == {
        ("SdkResourceNotInParameters", ("states:ListExecutions",),
         (arn("states", "mapRun:*/*:*"), arn("states", "stateMachine:*")))}
    assert grants(SdkCall("S", service="ec2", action="describeInstances")) == {
        (None, ("ec2:DescribeInstances",), ("*",))}


def test_sdk_action_without_an_iam_action_needs_permissions() -> None:
    state = SdkCall("S", service="s3", action="writeGetObjectResponse", parameters={})
    with pytest.raises(CompileError, match=r"\$\.States\.S\.Resource: state 'S' calls "
                       r"'arn:\$\{data\.aws_partition\.current\.partition\}:states:::aws-sdk:s3:"
                       r"writeGetObjectResponse', and its IAM action is not in the IAM "
                       r"dataset: grant it with permissions=\[Allow\(actions, resources\)\] on the "
                       r"state \(or the Workflow\) \[unknown-iam\]"):
        grants(state)
    allowed = SdkCall("S", service="s3", action="writeGetObjectResponse", parameters={},
                      permissions=[Allow("s3:GetObject", "arn:aws:s3:::b/*")])
    assert grants(allowed) == {(None, ("s3:GetObject",), ("arn:aws:s3:::b/*",))}


# Distributed Map ------------------------------------------------------------------------------

def test_distributed_map_reader_writer_and_children() -> None:
    m = Map("M", processor=[Pass("P")], processor_config={"Mode": "DISTRIBUTED",
                                                          "ExecutionType": "STANDARD"},
            item_reader={"Resource": "arn:aws:states:::s3:listObjectsV2",
                         "Parameters": {"Bucket": "in", "Prefix": "raw/"}},
            result_writer={"Resource": "arn:aws:states:::s3:putObject",
                           "Parameters": {"Bucket": "out", "Prefix": "results"}})
    # iam-policies-eg-dist-map.md (the s3:prefix condition: tests/test_services_iam.py)
    assert grants(m) == {
        (None, ("s3:ListBucket",), (f"arn:{P}:s3:::in",)),
        (None, ("s3:GetObject",), (f"arn:{P}:s3:::in/raw/*",)),
        (None, ("s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts",
                "s3:PutObject"), (f"arn:{P}:s3:::out/results*",)),
        (None, ("states:StartExecution",), (arn("states", "stateMachine:w"),)),
        (None, ("states:DescribeExecution", "states:StopExecution"),
         (arn("states", "execution:w:*"),)),
    }
    reader = Map("M", processor=[Pass("P")], processor_config={"Mode": "DISTRIBUTED"},
                 item_reader={"Resource": "arn:aws:states:::s3:getObject",
                              "ReaderConfig": {"InputType": "JSON"},
                              "Parameters": {"Bucket.$": "$.bucket", "Key": "items.json"}})
    assert ("ItemReaderBucketChosenAtRunTime", ("s3:GetObject",), (f"arn:{P}:s3:::*/*",)) \
        in grants(reader)


# the escape hatch and unknown resources -------------------------------------------------------

def test_unknown_resource_without_permissions_fails_the_build() -> None:
    wf = Workflow("w", states=[Pass("A"), Task("Odd", resource=var("fn_arn"))], variables=VARS,
                  deployment=OnDemandJob("w"))
    with pytest.raises(CompileError, match=r"^[^\n]*: \$\.States\.Odd\.Resource: state 'Odd' calls "
                       r"'\$\{var\.fn_arn\}', and flowdsl does not know what IAM it needs: grant "
                       r"it with permissions=\[Allow\(actions, resources\)\] on the state \(or the "
                       r"Workflow\) \[unknown-iam\]$"):
        build(wf)


def test_permissions_on_tasks_and_the_workflow() -> None:
    got = grants(Task("Odd", resource=var("fn_arn"), permissions=[
        Allow("lambda:InvokeFunction", var("fn_arn"))]),
        LambdaTask("L", function="f", permissions=[Allow("s3:GetObject", "arn:aws:s3:::b/*")]),
        permissions=[Allow("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", sid="Key")])
    assert got == {
        (None, ("lambda:InvokeFunction",), ("${var.fn_arn}", arn("lambda", "function:f"),
                                            arn("lambda", "function:f") + ":*")),
        (None, ("s3:GetObject",), ("arn:aws:s3:::b/*",)),
        ("Key", ("kms:Decrypt",), ("arn:aws:kms:us-east-1:1:key/k",)),
    }


@pytest.mark.parametrize("resource, message", [
    ("arn:aws:states:::batch:submitJob.synk",
     "batch:submitJob does not support the '.synk' "
     "pattern (did you mean '.sync'?) (it supports request-response, .sync, .waitForTaskToken)"),
    ("arn:aws:states:::nosuchservice:doIt",
     "'nosuchservice:doIt' is not a Step Functions "
     "optimized integration; for any other API use "
     "'arn:aws:states:::aws-sdk:<service>:<apiAction>'"),
    ("arn:aws:states:::dynamodb:putitem",
     "'dynamodb:putitem' is not a Step Functions optimized "
     "integration (did you mean 'dynamodb:putItem'?); for any other API use "
     "'arn:aws:states:::aws-sdk:<service>:<apiAction>'"),
    ("arn:aws:states:::glue:startJobRun.sync:2",
     "glue:startJobRun does not support the '.sync:2' "
     "pattern (did you mean '.sync'?) (it supports request-response, .sync, .waitForTaskToken)"),
    ("arn:aws:states:::aws-sdk:dynamodbb:getItem",
     "'dynamodbb' is not an AWS service the SDK "
     "integrations know (did you mean 'dynamodb'?)"),
    ("arn:aws:states:::aws-sdk:s3:getObjct",
     "s3 has no action 'getObjct' (did you mean "
     "'getObject'?)"),
    ("arn:aws:states:::aws-sdk:s3:getObject.sync",
     "SDK integrations support request-response and "
     "'.waitForTaskToken', not '.sync'"),
])
def test_unknown_integrations_and_patterns_are_validation_errors(resource: str, message: str) -> None:
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
    assert [(d.code, d.path, d.message) for d in validate(doc)] == [
        ("bad-resource", "$.States.T.Resource", message)]
    # a workflow written in Python reports the same, once, and writes nothing
    wf = Workflow("w", states=[Task("T", resource=resource)], deployment=OnDemandJob("w"))
    assert [d.message for d in check(wf)[1]] == [message]


def test_validate_cli_reports_an_asl_file(tmp_path) -> None:
    from typer.testing import CliRunner

    from flowdsl.cli import app

    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True,
                                            "Resource": "arn:aws:states:::batch:submitJob.synk"}}}
    path = tmp_path / "bad.asl.json"
    path.write_text(json.dumps(doc, indent=2))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7: $.States.T.Resource: " \
           "batch:submitJob does not support the '.synk' pattern (did you mean '.sync'?)" \
        in result.output


# plain Tasks: the partition, and the inverse ---------------------------------------------------

def test_plain_task_takes_the_partition_from_the_provider() -> None:
    task = Task("T", resource="arn:aws:states:::sns:publish",
                parameters={"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "m"})
    deployed = compile_workflow(Workflow("w", [task], deployment=OnDemandJob("w"))).definition
    assert to_template(deployed["States"]["T"]["Resource"]) == f"arn:{P}:states:::sns:publish"
    as_written = compile_workflow(Workflow("w", [task])).definition
    assert resolve(deployed, {"data.aws_partition.current.partition": "aws"}) == as_written


TYPED = [
    LambdaTask("T", function="f", payload={"a": 1}, wait_for_task_token=True),
    BatchTask("T", job="arn:aws:batch:us-east-1:1:job-definition/d:1", job_queue="q", job_name="n"),
    EcsRunTask("T", task_definition="family:3", cluster="c", subnets=["s"], security_groups=["g"],
               overrides={"ContainerOverrides": []}),
    SnsPublish("T", topic="arn:aws:sns:us-east-1:1:t", message_path="$.m", subject="s"),
    SqsSendMessage("T", queue_url="https://sqs.us-east-1.amazonaws.com/1/q", message_body={"a": 1},
                   delay_seconds=5, pattern="wait_for_task_token"),
    DynamoGetItem("T", table="t", key={"id": {"S": "1"}}, consistent_read=True),
    DynamoPutItem("T", table="t", item={"id": {"S": "1"}}, condition_expression="x"),
    DynamoUpdateItem("T", table="t", key={}, update_expression="SET a = :a"),
    DynamoDeleteItem("T", table="t", key={}),
    StartExecution("T", state_machine="arn:aws:states:us-east-1:1:stateMachine:c", input={"a": 1}),
    StartExecution("T", state_machine="arn:aws:states:us-east-1:1:stateMachine:c", pattern="sync"),
    PutEvents("T", entries=[{"Source": "s", "DetailType": "d", "Detail": {}}]),
    GlueJob("T", job_name="etl", arguments={"--a": "b"}),
    AthenaQuery("T", query="SELECT 1", work_group="w", database="d", output_location="s3://b/"),
    CodeBuildStart("T", project="p", pattern="request_response"),
    SdkCall("T", service="s3", action="getObject", parameters={"Bucket": "b", "Key": "k"}),
    # the integrations of tests/test_services_classes.py, one case each
    *(case[0] for case in SERVICE_CASES),
]


@pytest.mark.parametrize("state", TYPED, ids=lambda s: type(s).__name__)
def test_the_inverse_turns_a_plain_task_back_into_the_typed_class(state: Any) -> None:
    body = compile_workflow(Workflow("w", [state])).definition["States"]["T"]
    resource = to_template(body["Resource"]).replace(P, "aws")
    found = typed(resource, body["Parameters"])
    assert found is not None and found[0] is type(state)
    again = found[0]("T", **found[1])
    assert again == state


def test_every_typed_class_has_an_inverse_and_a_test() -> None:
    assert {type(s) for s in TYPED} == set(INTEGRATIONS)
    assert all(i.inverse is not None for i in INTEGRATIONS.values())


def test_the_inverse_declines_what_a_class_cannot_express() -> None:
    assert typed("arn:aws:states:::lambda:invoke", {"FunctionName": "f", "Payload.$": "$.x"}) is None
    assert typed("arn:aws:states:::glue:startJobRun.sync", {"JobName.$": "$.job"}) is None
    assert typed("arn:aws:states:::batch:submitJob.sync", {
        "JobName": "n", "JobDefinition": "d", "JobQueue": "q", "RetryStrategy": {}}) is None


def test_the_inverse_puts_api_fields_a_class_does_not_model_in_its_options() -> None:
    assert typed("arn:aws:states:::glue:startJobRun.sync", {"JobName": "j", "Timeout": 5}) == (
        GlueJob, {"job_name": "j", "options": {"Timeout": 5}, "pattern": "sync"})
    found = typed("arn:aws:states:::ecs:runTask", {"Cluster": "c", "TaskDefinition": "t:1",
                                                    "PlatformVersion": "1.4.0"})
    assert found is not None and found[0] is EcsRunTask
    assert found[1]["options"] == {"PlatformVersion": "1.4.0"}
    assert typed("arn:aws:states:::nosuch:thing", {}) is None


def test_the_readme_table_lists_every_catalog_integration() -> None:
    from flowdsl.tasks.offered import OFFERED
    from flowdsl.tasks.registry import specs
    from flowdsl.tasks.table import HEADER, markdown
    from locations import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(HEADER):]
    table = table[:table.index("\n\n")]
    # exactly the generated table: regenerate with `python -m flowdsl.tasks.table`
    assert table == markdown()
    rows = [line.split(" | ")[0].removeprefix("| ").strip("`") for line in table.splitlines()[2:]]
    assert rows == sorted(set(specs()) | set(OFFERED))
