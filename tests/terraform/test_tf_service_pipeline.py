"""A pipeline of many service integrations, end to end on the moto server: build, apply
(child module, a KMS key), empty plan, checkov on the plan, destroy; the state machine role's
grants read back through IAM. API Gateway, Bedrock and EMR Serverless are only called by the
state machine (no Terraform resource of theirs is created), so moto needs nothing for them."""

import json
from pathlib import Path

import pytest
from harness import lifecycle
from harness.aws_checks import as_list, check_generic, role_grants

from flowdsl.build import build, write
from flowdsl.loader import load_workflows

PIPELINE = Path(__file__).resolve().parent / "pipelines" / "services.py"


@pytest.mark.terraform
def test_service_pipeline_lifecycle_and_grants(fresh_moto, tmp_path):
    (out,) = write([build(load_workflows(PIPELINE)["services"])], tmp_path / "build")
    ep = fresh_moto
    account = ep.client("sts").get_caller_identity()["Account"]
    region = ep.region
    key = ep.client("kms").create_key(Description="flowdsl test CMK")["KeyMetadata"]["Arn"]
    topic = ep.client("sns").create_topic(Name="app-dev-done")["TopicArn"]
    child = f"arn:aws:states:{region}:{account}:stateMachine:app-dev-publish"
    fn = f"arn:aws:lambda:{region}:{account}:function:score"
    queue = f"https://sqs.{region}.amazonaws.com/{account}/approvals"
    emr_role = f"arn:aws:iam::{account}:role/emr-jobs"
    tfvars = {"app_name": "app", "stage": "dev", "topic_arn": topic, "child_arn": child,
              "cluster_arn": f"arn:aws:ecs:{region}:{account}:cluster/jobs",
              "subnet_id": "subnet-0123456789abcdef0", "fn_arn": fn, "callback_queue_url": queue,
              "emr_role_arn": emr_role, "kms_key_arn": key}
    here = f"{region}:{account}"
    machine_arn = f"arn:aws:states:{here}:stateMachine:app-dev-services"

    def inspect(rep, ep):
        found = check_generic(rep, ep)
        grants = role_grants(ep.client("iam"), "app-dev-services-SfnRole")
        task_role = f"arn:aws:iam::{account}:role/app-dev-services-report-EcsTaskRole"
        exe_role = f"arn:aws:iam::{account}:role/app-dev-services-report-EcsExeRole"
        expected = {
            "glue:StartJobRun": {f"arn:aws:glue:{here}:job/nightly-extract"},
            "glue:GetJobRun": {f"arn:aws:glue:{here}:job/nightly-extract"},
            "athena:StartQueryExecution": {f"arn:aws:athena:{here}:workgroup/reports"},
            "athena:GetDataCatalog": {f"arn:aws:athena:{here}:datacatalog/*"},
            "lambda:InvokeFunction": {fn, fn + ":*"},
            "ecs:RunTask": {f"arn:aws:ecs:{here}:task-definition/app-dev-services-report:*"},
            "ecs:StopTask": {f"arn:aws:ecs:{here}:task/*/*"},
            "iam:PassRole": {task_role, exe_role, emr_role},
            "dynamodb:PutItem": {f"arn:aws:dynamodb:{here}:table/job-runs",
                                 f"arn:aws:dynamodb:{here}:table/job-audit"},
            "dynamodb:UpdateItem": {f"arn:aws:dynamodb:{here}:table/job-stats"},
            "sqs:SendMessage": {f"arn:aws:sqs:{here}:*"},
            # the nested workflow, and the Distributed Map's child executions of this one
            "states:StartExecution": {child, machine_arn},
            "states:DescribeExecution": {f"arn:aws:states:{here}:execution:*:*",
                                         f"arn:aws:states:{here}:execution:app-dev-services:*"},
            "states:StopExecution": {f"arn:aws:states:{here}:execution:*:*",
                                     f"arn:aws:states:{here}:execution:app-dev-services:*"},
            "s3:ListBucket": {"arn:aws:s3:::app-dev-results", "arn:aws:s3:::*"},
            # Athena's results anywhere; the Map's CSV object; its ResultWriter's prefix
            "s3:GetObject": {"arn:aws:s3:::*/*", "arn:aws:s3:::app-dev-input/rows.csv",
                             "arn:aws:s3:::app-dev-results/rows/*"},
            "s3:PutObject": {"arn:aws:s3:::*/*", "arn:aws:s3:::app-dev-results/rows/*"},
            "s3:ListMultipartUploadParts": {"arn:aws:s3:::*/*",
                                            "arn:aws:s3:::app-dev-results/rows/*"},
            "s3:AbortMultipartUpload": {"arn:aws:s3:::*/*", "arn:aws:s3:::app-dev-results/rows/*"},
            "sns:Publish": {topic},
            "events:PutRule": {
                f"arn:aws:events:{here}:rule/StepFunctionsGetEventsForECSTaskRule",
                f"arn:aws:events:{here}:rule/StepFunctionsGetEventsForEMRServerlessJobRule",
                f"arn:aws:events:{here}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"},
            "execute-api:Invoke": {f"arn:aws:execute-api:{here}:a1b2c3d4e5/prod/POST/runs"},
            "bedrock:InvokeModel": {
                f"arn:aws:bedrock:{region}::foundation-model/amazon.titan-text-express-v1"},
            "emr-serverless:StartJobRun": {f"arn:aws:emr-serverless:{here}:/applications/00f1a2b3c4d5e6f7"},
            "emr-serverless:GetJobRun": {
                f"arn:aws:emr-serverless:{here}:/applications/00f1a2b3c4d5e6f7/jobruns/*"},
            "emr-serverless:CancelJobRun": {
                f"arn:aws:emr-serverless:{here}:/applications/00f1a2b3c4d5e6f7/jobruns/*"},
        }
        for action, resources in expected.items():
            assert grants.get(action) == resources, (action, grants.get(action))
        (policy,) = [p for p in ep.client("iam").list_policies(Scope="Local")["Policies"]
                     if p["PolicyName"] == "app-dev-services-SfnPolicy"]
        version = ep.client("iam").get_policy_version(
            PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        document = version["Document"]
        document = json.loads(document) if isinstance(document, str) else document
        passes = {json.dumps(sorted(as_list(st["Resource"]))): st["Condition"]
                  for st in document["Statement"] if st["Action"] == "iam:PassRole"}
        assert passes == {
            json.dumps(sorted([exe_role, task_role])): {
                "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            json.dumps([emr_role]): {
                "StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}}
        (machine,) = found["state_machines"].values()
        states = machine["definition"]["States"]
        assert states["Audit"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
        assert states["Rows"]["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
        assert states["Rows"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
        ecs = ep.client("ecs").describe_task_definition(taskDefinition="app-dev-services-report")
        td = ecs["taskDefinition"]
        assert (td["taskRoleArn"], td["executionRoleArn"]) == (task_role, exe_role)
        container = td["containerDefinitions"][0]
        assert container["logConfiguration"]["options"]["awslogs-group"] == \
            "/ecs/app-dev-services-report"
        found["grants"] = grants
        return found

    rep = lifecycle(out, tfvars, ep, mode="child", checkov=True, inspect=inspect)
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert set(rep.checkov.failed_ids) == set(), rep.checkov.failed_pairs
