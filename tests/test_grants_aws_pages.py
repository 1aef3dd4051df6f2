"""Each integration's exact statements against the Developer Guide page that documents them
(the page is named above each test; "static" and "dynamic" are the page's resources known at
deploy time or chosen by the execution). Where flowdsl's grant differs from the page, the
comment says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowdsl import OnDemandJob, Task, Workflow, var
from flowdsl.build import build
from flowdsl.refs import Variable
from flowdsl.tasks import state_machine_statements
from flowdsl.tasks.sdk import dataset_problems
from flowdsl.validate import validate

P = "${data.aws_partition.current.partition}"
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")
ROLE = "arn:aws:iam::111122223333:role/r"
S = "arn:aws:states:::"


def arn(service: str, rest: str) -> str:
    return f"arn:{P}:{service}:{REGION}:{ACCOUNT}:{rest}"


def rule(name: str) -> tuple[Any, ...]:
    return (None, RULE, (arn("events", f"rule/{name}"),), ())


def passed(role: str, service: str, sid: str | None = None) -> tuple[Any, ...]:
    return (sid, ("iam:PassRole",), (role,), (("StringEquals", "iam:PassedToService", (service,)),))


def grants(resource: str, params: Any, **kw: Any) -> set[tuple[Any, ...]]:
    """(sid, actions, resources, conditions) of the built state machine policy (logging
    aside) for one plain Task; the definition validates and every statement passes the IAM
    dataset check."""
    doc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                            "Parameters": params, "End": True}}}
    assert validate(doc) == []
    wf = Workflow("w", states=[Task("T", resource=resource, parameters=params)],
                  deployment=OnDemandJob("w"), **kw)
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    policy = files["state_machine.tf.json"]["data"]["aws_iam_policy_document"]["state_machine"]
    assert dataset_problems(state_machine_statements(wf)) == []
    return {(s.get("sid"), tuple(s["actions"]), tuple(s["resources"]),
             tuple((c["test"], c["variable"], tuple(c["values"])) for c in s.get("condition", ())))
            for s in policy["statement"] if not s["actions"][0].startswith("logs:")}


LIST_TAGS = ("SagemakerListTagsHasNoScope", ("sagemaker:ListTags",), ("*",), ())


# sagemaker-iam.md, CreateTrainingJob: Synchronous / Asynchronous, static / dynamic. flowdsl
# adds sagemaker:AddTags on the job (the request's Tags are written to it) ------------------------

def test_sagemaker_training_job_asynchronous_has_no_describe_stop_or_rule() -> None:
    expected = {
        (None, ("sagemaker:AddTags", "sagemaker:CreateTrainingJob"),
         (arn("sagemaker", "training-job/churn*"),), ()),
        LIST_TAGS, passed(ROLE, "sagemaker.amazonaws.com")}
    params = {"TrainingJobName": "churn", "RoleArn": ROLE}
    assert grants(S + "sagemaker:createTrainingJob", params) == expected
    # the callback form calls CreateTrainingJob once, as the asynchronous one does
    assert grants(S + "sagemaker:createTrainingJob.waitForTaskToken",
                  {**params, "Tags": [{"Key": "token", "Value.$": "$$.Task.Token"}]}) == expected


def test_sagemaker_training_job_synchronous_dynamic_resources() -> None:
    assert grants(S + "sagemaker:createTrainingJob.sync",
                  {"TrainingJobName.$": "$.name", "RoleArn": ROLE}) == {
        ("SagemakerResourceNamedAtRunTime",
         ("sagemaker:AddTags", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
          "sagemaker:StopTrainingJob"), (arn("sagemaker", "training-job/*"),), ()),
        LIST_TAGS, passed(ROLE, "sagemaker.amazonaws.com"),
        rule("StepFunctionsGetEventsForSageMakerTrainingJobsRule")}


# sagemaker-iam.md, CreateTransformJob. AWS's template also passes "[[roleArn]]"; a transform
# job names no role (its model's was passed by CreateModel), so flowdsl grants no PassRole ----------

def test_sagemaker_transform_job_synchronous_and_asynchronous() -> None:
    params = {"TransformJobName": "t", "ModelName": "m", "TransformInput": {},
              "TransformOutput": {}, "TransformResources": {}}
    assert grants(S + "sagemaker:createTransformJob.sync", params) == {
        (None, ("sagemaker:AddTags", "sagemaker:CreateTransformJob",
                "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"),
         (arn("sagemaker", "transform-job/t*"),), ()),
        LIST_TAGS, rule("StepFunctionsGetEventsForSageMakerTransformJobsRule")}
    assert grants(S + "sagemaker:createTransformJob", params) == {
        (None, ("sagemaker:AddTags", "sagemaker:CreateTransformJob"),
         (arn("sagemaker", "transform-job/t*"),), ()), LIST_TAGS}


# connect-sagemaker.md, processing and tuning jobs: their .sync waits through the rule of their
# kind; the tuning jobs' rule is StepFunctionsGetEventsForSageMakerTuningJobsRule ----------------

def test_sagemaker_processing_job_synchronous() -> None:
    assert grants(S + "sagemaker:createProcessingJob.sync",
                  {"ProcessingJobName": "p", "RoleArn": ROLE, "AppSpecification": {},
                   "ProcessingResources": {}}) == {
        (None, ("sagemaker:AddTags", "sagemaker:CreateProcessingJob",
                "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"),
         (arn("sagemaker", "processing-job/p*"),), ()),
        LIST_TAGS, passed(ROLE, "sagemaker.amazonaws.com"),
        rule("StepFunctionsGetEventsForSageMakerProcessingJobsRule")}


def test_sagemaker_tuning_job_waits_through_the_tuning_jobs_rule() -> None:
    assert grants(S + "sagemaker:createHyperParameterTuningJob.sync",
                  {"HyperParameterTuningJobName": "h", "HyperParameterTuningJobConfig": {},
                   "TrainingJobDefinition": {"RoleArn": ROLE}}) == {
        (None, ("sagemaker:AddTags", "sagemaker:CreateHyperParameterTuningJob",
                "sagemaker:DescribeHyperParameterTuningJob",
                "sagemaker:StopHyperParameterTuningJob"),
         (arn("sagemaker", "hyper-parameter-tuning-job/h*"),), ()),
        LIST_TAGS, passed(ROLE, "sagemaker.amazonaws.com"),
        rule("StepFunctionsGetEventsForSageMakerTuningJobsRule")}


# connect-mediaconvert.md, "IAM policies for calling AWS Elemental MediaConvert": CreateJob on
# the queue, job template and presets; GetJob/CancelJob only on jobs tagged ManagedByService:
# AWSStepFunctions; PassRole on Role; the rule ------------------------------------------------------

MANAGED = (("StringEquals", "aws:ResourceTag/ManagedByService", ("AWSStepFunctions",)),)
PRESETS = ("MediaConvertPresetsInSettings", ("mediaconvert:CreateJob",),
           (arn("mediaconvert", "presets/*"),), ())


def test_mediaconvert_run_a_job_from_a_job_template_takes_the_templates_queue() -> None:
    assert grants(S + "mediaconvert:createJob.sync",
                  {"Role": ROLE, "Settings": {}, "JobTemplate": "hd"}) == {
        ("MediaConvertQueueOfTheJobTemplate", ("mediaconvert:CreateJob",),
         (arn("mediaconvert", "queues/*"),), ()),
        (None, ("mediaconvert:CreateJob",), (arn("mediaconvert", "jobTemplates/hd"),), ()),
        PRESETS,
        ("MediaConvertNamesTheJob", ("mediaconvert:CancelJob", "mediaconvert:GetJob"),
         (arn("mediaconvert", "jobs/*"),), MANAGED),
        rule("StepFunctionsGetEventsForMediaConvertJobRule"),
        passed(ROLE, "mediaconvert.amazonaws.com")}


def test_mediaconvert_request_response_creates_the_job_only() -> None:
    assert grants(S + "mediaconvert:createJob",
                  {"Role": ROLE, "Settings": {}, "Queue": "fast"}) == {
        (None, ("mediaconvert:CreateJob",), (arn("mediaconvert", "queues/fast"),), ()),
        PRESETS, passed(ROLE, "mediaconvert.amazonaws.com")}


# emr-eks-iam.md (IAM policies for Amazon EMR on EKS) -------------------------------------------

CLUSTER = arn("emr-containers", "/virtualclusters/v1")
ON_ROLE = (("StringEquals", "emr-containers:ExecutionRoleArn", (ROLE,)),)


def test_emr_on_eks_start_job_run_is_conditioned_on_the_execution_role() -> None:
    params = {"VirtualClusterId": "v1", "ExecutionRoleArn": ROLE, "ReleaseLabel": "emr-6.2.0",
              "JobDriver": {}}
    # Request Response, static resources
    assert grants(S + "emr-containers:startJobRun", params) == {
        (None, ("emr-containers:StartJobRun",), (CLUSTER,), ON_ROLE)}
    # Run a Job (.sync), dynamic resources: every virtual cluster, and its job runs
    dynamic = {k: v for k, v in params.items() if k != "VirtualClusterId"}
    assert grants(S + "emr-containers:startJobRun.sync", {**dynamic, "VirtualClusterId.$": "$.c"}) \
        == {
        # (IAM wants sids unique: the second statement of one sid is numbered)
        ("EmrVirtualClusterChosenAtRunTime2", ("emr-containers:StartJobRun",),
         (arn("emr-containers", "/virtualclusters/*"),), ON_ROLE),
        ("EmrVirtualClusterChosenAtRunTime",
         ("emr-containers:CancelJobRun", "emr-containers:DescribeJobRun"),
         (arn("emr-containers", "/virtualclusters/*/jobruns/*"),), ())}


def test_emr_on_eks_execution_role_chosen_at_run_time_has_no_condition() -> None:
    assert grants(S + "emr-containers:startJobRun",
                  {"VirtualClusterId": "v1", "ExecutionRoleArn.$": "$.role",
                   "ReleaseLabel": "emr-6.2.0", "JobDriver": {}}) == {
        (None, ("emr-containers:StartJobRun",), (CLUSTER,), ())}


def test_emr_on_eks_virtual_clusters() -> None:
    assert grants(S + "emr-containers:createVirtualCluster",
                  {"Name": "vc", "ContainerProvider": {}}) == {
        ("EmrVirtualClusterDoesNotExistYet", ("emr-containers:CreateVirtualCluster",), ("*",), ()),
        (None, ("iam:CreateServiceLinkedRole",),
         (f"arn:{P}:iam::{ACCOUNT}:role/aws-service-role/emr-containers.amazonaws.com/"
          "AWSServiceRoleForAmazonEMRContainers",),
         (("StringLike", "iam:AWSServiceName", ("emr-containers.amazonaws.com",)),))}
    assert grants(S + "emr-containers:deleteVirtualCluster", {"Id": "v1"}) == {
        (None, ("emr-containers:DeleteVirtualCluster",), (CLUSTER,), ())}


# connect-third-party-apis.md, "IAM permissions to run an HTTP Task": InvokeHTTPEndpoint on the
# state machine under the HTTPMethod and HTTPEndpoint conditions, the connection's credentials,
# its secret. AWS's example grants secret:events!connection/* in any account and region; the
# secret EventBridge keeps for a connection is beside it, named after it ------------------------

def test_http_task_connection_in_another_account() -> None:
    connection = "arn:aws:events:eu-west-1:444455556666:connection/partner/0b1c"
    assert grants(S + "http:invoke", {"ApiEndpoint": "https://api.example.com/v1/", "Method": "POST",
                                      "Authentication": {"ConnectionArn": connection}}) == {
        (None, ("states:InvokeHTTPEndpoint",), (arn("states", "stateMachine:w"),),
         (("StringEquals", "states:HTTPMethod", ("POST",)),
          ("StringLike", "states:HTTPEndpoint",
           ("https://api.example.com/v1", "https://api.example.com/v1/*")))),
        (None, ("events:RetrieveConnectionCredentials",), (connection,), ()),
        ("SecretOfTheConnection", ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
         ("arn:aws:secretsmanager:eu-west-1:444455556666:secret:events!connection/partner/*",),
         ())}


def test_http_task_chosen_at_run_time() -> None:
    # Method and connection from the input: no method condition, any connection and secret
    assert grants(S + "http:invoke", {"ApiEndpoint.$": "$.url", "Method.$": "$.method",
                                      "Authentication": {"ConnectionArn.$": "$.c"}}) == {
        (None, ("states:InvokeHTTPEndpoint",), (arn("states", "stateMachine:w"),), ()),
        ("ConnectionChosenAtRunTime", ("events:RetrieveConnectionCredentials",),
         (arn("events", "connection/*"),), ()),
        ("ConnectionChosenAtRunTime2", ("secretsmanager:DescribeSecret",
                                       "secretsmanager:GetSecretValue"),
         (arn("secretsmanager", "secret:events!connection/*"),), ())}
    # a connection ARN given by the deployer: its secret's name is EventBridge's
    got = grants(S + "http:invoke", {"ApiEndpoint": "https://a.example.com", "Method": "GET",
                                     "Authentication": {"ConnectionArn": var("conn")}},
                 variables=[Variable("conn")])
    assert ("ConnectionSecretNamedByEventBridge",
            ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
            (arn("secretsmanager", "secret:events!connection/*"),), ()) in got
    assert (None, ("events:RetrieveConnectionCredentials",), ("${var.conn}",), ()) in got


# eks-iam.md and connect-eks.md -----------------------------------------------------------------

def test_eks_create_nodegroup_with_its_node_role() -> None:
    assert grants(S + "eks:createNodegroup.sync",
                  {"ClusterName": "k", "NodegroupName": "n", "NodeRole": ROLE,
                   "Subnets": ["subnet-1"]}) == {
        ("EksNodegroupDoesNotExistYet", ("ec2:DescribeSubnets", "eks:CreateNodegroup"), ("*",), ()),
        (None, ("eks:DeleteNodegroup", "eks:DescribeNodegroup"),
         (arn("eks", "nodegroup/*/*/*"),), ()),
        ("EksChecksTheNodeRole", ("iam:GetRole", "iam:ListAttachedRolePolicies"),
         (f"arn:{P}:iam::{ACCOUNT}:role/*",), ()),
        passed(ROLE, "eks.amazonaws.com")}


@pytest.mark.parametrize("resource", [S + "eks:call", S + "eks:runJob", S + "eks:runJob.sync"])
def test_eks_kubernetes_api_needs_no_iam_statement(resource: str) -> None:
    # connect-eks.md, "Permissions": the cluster's Kubernetes RBAC decides what the role may
    # do; the pages document no IAM policy for eks:call and eks:runJob
    params = {"ClusterName": "k", "CertificateAuthority": "LS0t", "Endpoint": "https://k.example"}
    params |= {"Method": "GET", "Path": "/api/v1/pods"} if resource.endswith("call") \
        else {"Job": {"apiVersion": "batch/v1", "kind": "Job"}}
    assert grants(resource, params) == set()


# databrew-iam.md: StartJobRun (+ ListJobRuns, StopJobRun for .sync). AWS grants them on job/*;
# each takes the job as its resource, so a job named at deploy time is granted alone ---------------

def test_databrew_request_response_and_dynamic() -> None:
    assert grants(S + "databrew:startJobRun", {"Name": "clean"}) == {
        (None, ("databrew:StartJobRun",), (arn("databrew", "job/clean"),), ())}
    assert grants(S + "databrew:startJobRun.sync", {"Name.$": "$.job"}) == {
        ("DataBrewJobChosenAtRunTime",
         ("databrew:ListJobRuns", "databrew:StartJobRun", "databrew:StopJobRun"),
         (arn("databrew", "job/*"),), ())}
