"""The exact statements each newly offered integration gets, next to the AWS page (Step
Functions Developer Guide) they follow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowdsl import OnDemandJob, Task, Workflow
from flowdsl.build import build
from flowdsl.tasks import state_machine_statements
from flowdsl.tasks.sdk import dataset_problems
from flowdsl.validate import validate

P = "${data.aws_partition.current.partition}"
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")
ROLE = "arn:aws:iam::111122223333:role/r"


def arn(service: str, rest: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{P}:{service}:{region}:{account}:{rest}"


def rule(name: str) -> tuple[Any, ...]:
    return (None, RULE, (arn("events", f"rule/{name}"),), ())


def passed(role: str, service: str, sid: str | None = None) -> tuple[Any, ...]:
    return (sid, ("iam:PassRole",), (role,),
            (("StringEquals", "iam:PassedToService", (service,)),))


ANY_ROLE = arn("iam", "role/*", region="")


def grants(resource: str, params: Any) -> set[tuple[Any, ...]]:
    """(sid, actions, resources, conditions) of the state machine policy, without logging."""
    task = Task("T", resource=resource, parameters=params)
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                            "Parameters": params, "End": True}}}
    assert validate(doc) == []
    wf = Workflow("w", states=[task], deployment=OnDemandJob("w"))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    policy = files["state_machine.tf.json"]["data"]["aws_iam_policy_document"]["state_machine"]
    assert not dataset_problems(state_machine_statements(wf))
    return {(s.get("sid"), tuple(s["actions"]), tuple(s["resources"]),
             tuple((c["test"], c["variable"], tuple(c["values"])) for c in s.get("condition", ())))
            for s in policy["statement"] if not s["actions"][0].startswith("logs:")}


S = "arn:aws:states:::"

CASES = [
    # emr-iam.md, createCluster
    (S + "elasticmapreduce:createCluster.sync",
     {"Name": "c", "ServiceRole": "EMR_DefaultRole", "JobFlowRole": "EMR_EC2_DefaultRole"},
     {("EmrClusterDoesNotExistYet", ("elasticmapreduce:DescribeCluster",
       "elasticmapreduce:RunJobFlow", "elasticmapreduce:TerminateJobFlows"), ("*",), ()),
      (None, ("iam:PassRole",), (arn("iam", "role/EMR_DefaultRole", region=""),
                                 arn("iam", "role/EMR_EC2_DefaultRole", region="")), ()),
      rule("StepFunctionsGetEventForEMRRunJobFlowRule")}),
    # emr-iam.md, addStep
    (S + "elasticmapreduce:addStep.sync", {"ClusterId": "j-1", "Step": {}},
     {(None, ("elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:CancelSteps",
              "elasticmapreduce:DescribeStep"), (arn("elasticmapreduce", "cluster/j-1"),), ()),
      rule("StepFunctionsGetEventForEMRAddJobFlowStepsRule")}),
    (S + "elasticmapreduce:addStep", {"ClusterId.$": "$.c", "Step": {}},
     {("EmrClusterChosenAtRunTime", ("elasticmapreduce:AddJobFlowSteps",
       "elasticmapreduce:CancelSteps", "elasticmapreduce:DescribeStep"),
       (arn("elasticmapreduce", "cluster/*"),), ()),
      rule("StepFunctionsGetEventForEMRAddJobFlowStepsRule")}),
    # emr-iam.md, cancelStep, setClusterTerminationProtection, modify*ByName, terminateCluster
    (S + "elasticmapreduce:cancelStep", {"ClusterId": "j-1", "StepId": "s"},
     {(None, ("elasticmapreduce:CancelSteps",), (arn("elasticmapreduce", "cluster/j-1"),), ())}),
    (S + "elasticmapreduce:setClusterTerminationProtection",
     {"ClusterId": "j-1", "TerminationProtected": True},
     {(None, ("elasticmapreduce:SetTerminationProtection",),
       (arn("elasticmapreduce", "cluster/j-1"),), ())}),
    (S + "elasticmapreduce:modifyInstanceFleetByName", {"ClusterId": "j-1"},
     {(None, ("elasticmapreduce:ListInstanceFleets", "elasticmapreduce:ModifyInstanceFleet"),
       (arn("elasticmapreduce", "cluster/j-1"),), ())}),
    (S + "elasticmapreduce:modifyInstanceGroupByName", {"ClusterId.$": "$.c"},
     {("EmrClusterChosenAtRunTime", ("elasticmapreduce:ListInstanceGroups",
       "elasticmapreduce:ModifyInstanceGroups"), ("*",), ())}),
    (S + "elasticmapreduce:terminateCluster.sync", {"ClusterId": "j-1"},
     {(None, ("elasticmapreduce:DescribeCluster", "elasticmapreduce:TerminateJobFlows"),
       (arn("elasticmapreduce", "cluster/j-1"),), ()),
      rule("StepFunctionsGetEventForEMRTerminateJobFlowsRule")}),
    # eks-iam.md, CreateCluster, CreateNodeGroup, DeleteCluster, DeleteNodegroup
    (S + "eks:createCluster.sync", {"Name": "k", "RoleArn": ROLE, "ResourcesVpcConfig": {}},
     {("EksClusterDoesNotExistYet", ("eks:CreateCluster",), ("*",), ()),
      (None, ("eks:DeleteCluster", "eks:DescribeCluster"), (arn("eks", "cluster/*"),), ()),
      passed(ROLE, "eks.amazonaws.com")}),
    (S + "eks:createNodegroup", {"ClusterName": "k", "NodegroupName": "n", "NodeRole.$": "$.r"},
     {("EksNodegroupDoesNotExistYet", ("ec2:DescribeSubnets", "eks:CreateNodegroup"), ("*",), ()),
      (None, ("eks:DeleteNodegroup", "eks:DescribeNodegroup"), (arn("eks", "nodegroup/*/*/*"),), ()),
      ("EksChecksTheNodeRole", ("iam:GetRole", "iam:ListAttachedRolePolicies"), (ANY_ROLE,), ()),
      passed(ANY_ROLE, "eks.amazonaws.com", "EksNodeRoleChosenAtRunTime")}),
    (S + "eks:deleteCluster.sync", {"Name": "k"},
     {(None, ("eks:DeleteCluster", "eks:DescribeCluster"), (arn("eks", "cluster/k"),), ())}),
    (S + "eks:deleteNodegroup", {"ClusterName": "k", "NodegroupName": "n"},
     {(None, ("eks:DeleteNodegroup", "eks:DescribeNodegroup"),
       (arn("eks", "nodegroup/k/n/*"),), ())}),
    # connect-eks.md, "Permissions": the Kubernetes API is authorised by RBAC
    (S + "eks:runJob.sync", {"ClusterName": "k", "Job": {}}, set()),
    # api-gateway-iam.md
    (S + "apigateway:invoke", {"ApiEndpoint": "abc123.execute-api.us-east-1.amazonaws.com",
                               "Method": "get", "Stage": "prod", "Path": "/pets/1"},
     {(None, ("execute-api:Invoke",),
       (f"arn:{P}:execute-api:us-east-1:{ACCOUNT}:abc123/prod/GET/pets/1",), ())}),
    (S + "apigateway:invoke.waitForTaskToken",
     {"ApiEndpoint": "abc123.execute-api.us-east-1.amazonaws.com", "Method": "POST",
      "Stage.$": "$.stage"},
     {("ApiGatewayRouteChosenAtRunTime", ("execute-api:Invoke",),
       (f"arn:{P}:execute-api:us-east-1:{ACCOUNT}:abc123/*/POST/",), ())}),
    (S + "apigateway:invoke", {"ApiEndpoint": "api.example.com", "Method": "GET"},
     {("ApiGatewayEndpointIsNotAnExecuteApiHost", ("execute-api:Invoke",),
       (arn("execute-api", "*/*/*/*"),), ())}),
    # bedrock-iam.md, InvokeModel
    (S + "bedrock:invokeModel", {"ModelId": "amazon.titan-text-express-v1", "Body": {},
                                 "Output": {"S3Uri": "s3://out/result.json"}},
     {(None, ("bedrock:InvokeModel",),
       (f"arn:{P}:bedrock:{REGION}::foundation-model/amazon.titan-text-express-v1",), ()),
      (None, ("s3:PutObject",), (f"arn:{P}:s3:::out/result.json",), ())}),
    (S + "bedrock:invokeModel", {"ModelId": "us.anthropic.claude-3-haiku-20240307-v1:0",
                                 "Input": {"S3Uri": "s3://in/prompt.json"}},
     {(None, ("bedrock:InvokeModel",),
       (arn("bedrock", "inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"),
        f"arn:{P}:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"), ()),
      (None, ("s3:GetObject",), (f"arn:{P}:s3:::in/prompt.json",), ())}),
    (S + "bedrock:invokeModel", {"ModelId.$": "$.model", "Body": {}},
     {("BedrockModelChosenAtRunTime", ("bedrock:InvokeModel",),
       (arn("bedrock", "inference-profile/*"), f"arn:{P}:bedrock:{REGION}::foundation-model/*"),
       ())}),
    # bedrock-iam.md, CreateModelCustomizationJob
    (S + "bedrock:createModelCustomizationJob.sync",
     {"BaseModelIdentifier": "amazon.titan-text-express-v1", "RoleArn": ROLE, "JobName": "j",
      "CustomModelName": "m", "TrainingDataConfig": {}, "OutputDataConfig": {},
      "HyperParameters": {}},
     {(None, ("bedrock:CreateModelCustomizationJob",),
       (f"arn:{P}:bedrock:{REGION}::foundation-model/amazon.titan-text-express-v1",), ()),
      ("BedrockNamesTheModelAndJob", ("bedrock:CreateModelCustomizationJob",),
       (arn("bedrock", "custom-model/*"),), ()),
      ("BedrockNamesTheModelAndJob2", ("bedrock:GetModelCustomizationJob",
                                       "bedrock:StopModelCustomizationJob"),
       (arn("bedrock", "model-customization-job/*"),), ()),
      passed(ROLE, "bedrock.amazonaws.com")}),
    # connect-third-party-apis.md, IAM permissions to run an HTTP Task
    (S + "http:invoke", {"ApiEndpoint": "https://api.example.com/v1", "Method": "GET",
                         "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:connection/c/0"}},
     {(None, ("states:InvokeHTTPEndpoint",), (arn("states", "stateMachine:w"),),
       (("StringEquals", "states:HTTPMethod", ("GET",)),
        ("StringLike", "states:HTTPEndpoint",
         ("https://api.example.com/v1", "https://api.example.com/v1/*")))),
      (None, ("events:RetrieveConnectionCredentials",),
       ("arn:aws:events:us-east-1:1:connection/c/0",), ()),
      ("SecretOfTheConnection", ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
       ("arn:aws:secretsmanager:us-east-1:1:secret:events!connection/c/*",), ())}),
    # emr-serverless-iam.md, StartJobRun, CreateApplication, StartApplication, CancelJobRun
    (S + "emr-serverless:startJobRun.sync", {"ApplicationId": "a1", "ExecutionRoleArn": ROLE,
                                             "JobDriver": {}},
     {(None, ("emr-serverless:StartJobRun",), (arn("emr-serverless", "/applications/a1"),), ()),
      ("EmrServerlessNamesTheJobRun", ("emr-serverless:CancelJobRun", "emr-serverless:GetJobRun"),
       (arn("emr-serverless", "/applications/a1/jobruns/*"),), ()),
      rule("StepFunctionsGetEventsForEMRServerlessJobRule"),
      passed(ROLE, "emr-serverless.amazonaws.com")}),
    (S + "emr-serverless:createApplication", {"Name": "a", "ReleaseLabel": "emr-7.0.0",
                                              "Type": "SPARK"},
     {("EmrServerlessApplicationDoesNotExistYet", ("emr-serverless:CreateApplication",),
       ("*",), ()),
      (None, ("iam:CreateServiceLinkedRole",),
       (arn("iam", "role/aws-service-role/ops.emr-serverless.amazonaws.com/"
            "AWSServiceRoleForAmazonEMRServerless", region=""),),
       (("StringLike", "iam:AWSServiceName", ("ops.emr-serverless.amazonaws.com",)),))}),
    (S + "emr-serverless:startApplication.sync", {"ApplicationId": "a1"},
     {(None, ("emr-serverless:GetApplication", "emr-serverless:StartApplication",
              "emr-serverless:StopApplication"), (arn("emr-serverless", "/applications/a1"),), ()),
      rule("StepFunctionsGetEventsForEMRServerlessApplicationRule")}),
    (S + "emr-serverless:cancelJobRun", {"ApplicationId": "a1", "JobRunId": "r1"},
     {(None, ("emr-serverless:CancelJobRun",),
       (arn("emr-serverless", "/applications/a1/jobruns/r1"),), ())}),
    # emr-eks-iam.md, StartJobRun, DeleteVirtualCluster
    (S + "emr-containers:startJobRun.sync", {"VirtualClusterId": "v1", "ExecutionRoleArn": ROLE,
                                             "ReleaseLabel": "emr-6.2.0", "JobDriver": {}},
     {(None, ("emr-containers:StartJobRun",), (arn("emr-containers", "/virtualclusters/v1"),),
       (("StringEquals", "emr-containers:ExecutionRoleArn", (ROLE,)),)),
      ("EmrContainersNamesTheJobRun", ("emr-containers:CancelJobRun",
                                       "emr-containers:DescribeJobRun"),
       (arn("emr-containers", "/virtualclusters/v1/jobruns/*"),), ())}),
    (S + "emr-containers:deleteVirtualCluster.sync", {"Id": "v1"},
     {(None, ("emr-containers:DeleteVirtualCluster", "emr-containers:DescribeVirtualCluster"),
       (arn("emr-containers", "/virtualclusters/v1"),), ())}),
    # sagemaker-iam.md, CreateTrainingJob (with AddTags), CreateTransformJob, the callback form
    (S + "sagemaker:createTrainingJob.sync", {"TrainingJobName": "churn", "RoleArn": ROLE},
     {(None, ("sagemaker:AddTags", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
              "sagemaker:StopTrainingJob"), (arn("sagemaker", "training-job/churn*"),), ()),
      ("SagemakerListTagsHasNoScope", ("sagemaker:ListTags",), ("*",), ()),
      passed(ROLE, "sagemaker.amazonaws.com"),
      rule("StepFunctionsGetEventsForSageMakerTrainingJobsRule")}),
    (S + "sagemaker:createTransformJob.waitForTaskToken", {"TransformJobName": "t",
                                                           "ModelName": "m"},
     {(None, ("sagemaker:AddTags", "sagemaker:CreateTransformJob"),
       (arn("sagemaker", "transform-job/t*"),), ()),
      ("SagemakerListTagsHasNoScope", ("sagemaker:ListTags",), ("*",), ())}),
    # mediaconvert-iam.md
    (S + "mediaconvert:createJob.sync", {"Role": ROLE, "Settings": {}},
     {(None, ("mediaconvert:CreateJob",), (arn("mediaconvert", "queues/Default"),), ()),
      ("MediaConvertPresetsInSettings", ("mediaconvert:CreateJob",),
       (arn("mediaconvert", "presets/*"),), ()),
      ("MediaConvertNamesTheJob", ("mediaconvert:CancelJob", "mediaconvert:GetJob"),
       (arn("mediaconvert", "jobs/*"),),
       (("StringEquals", "aws:ResourceTag/ManagedByService", ("AWSStepFunctions",)),)),
      rule("StepFunctionsGetEventsForMediaConvertJobRule"),
      passed(ROLE, "mediaconvert.amazonaws.com")}),
    # databrew-iam.md
    (S + "databrew:startJobRun.sync", {"Name": "clean"},
     {(None, ("databrew:ListJobRuns", "databrew:StartJobRun", "databrew:StopJobRun"),
       (arn("databrew", "job/clean"),), ())}),
]


@pytest.mark.parametrize("resource, params, expected", CASES,
                         ids=[c[0].removeprefix(S) for c in CASES])
def test_statements(resource: str, params: Any, expected: set[tuple[Any, ...]]) -> None:
    assert grants(resource, params) == expected
