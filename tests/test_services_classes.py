"""The typed classes of the newly offered integrations: what they compile to, that it
validates and gets its grants, and that a plain Task with the same Resource and Parameters
imports back to the class."""

from __future__ import annotations

from typing import Any

import pytest

from flowdsl import OnDemandJob, Task, Workflow
from flowdsl.asl import compile_workflow
from flowdsl.placeholders import resolve, to_template
from flowdsl.tasks import state_machine_statements, typed
from flowdsl.tasks.apigateway import ApiGatewayInvoke
from flowdsl.tasks.bedrock import BedrockInvokeModel
from flowdsl.tasks.databrew import DataBrewStartJobRun
from flowdsl.tasks.emr import EmrAddStep
from flowdsl.tasks.emr_serverless import EmrServerlessStartJobRun
from flowdsl.tasks.http import HttpInvoke
from flowdsl.tasks.mediaconvert import MediaConvertCreateJob
from flowdsl.tasks.sagemaker import SageMakerProcessingJob, SageMakerTrainingJob, SageMakerTransformJob
from flowdsl.validate import validate

P = "${data.aws_partition.current.partition}"
ROLE = "arn:aws:iam::111122223333:role/r"
CONNECTION = "arn:aws:events:us-east-1:111122223333:connection/c/0"

# (the typed state, its Resource, its Parameters, one action its role gets)
CASES: list[tuple[Any, str, dict[str, Any], str]] = [
    (ApiGatewayInvoke("T", api_endpoint="abc.execute-api.us-east-1.amazonaws.com", method="GET",
                      stage="prod", path="/pets", pattern="wait_for_task_token"),
     "apigateway:invoke.waitForTaskToken",
     {"ApiEndpoint": "abc.execute-api.us-east-1.amazonaws.com", "Method": "GET", "Stage": "prod",
      "Path": "/pets"}, "execute-api:Invoke"),
    (BedrockInvokeModel("T", model="amazon.titan-text-express-v1", body={"inputText": "hi"},
                        output_s3_uri="s3://b/o.json"),
     "bedrock:invokeModel",
     {"ModelId": "amazon.titan-text-express-v1", "Body": {"inputText": "hi"},
      "Output": {"S3Uri": "s3://b/o.json"}}, "bedrock:InvokeModel"),
    (EmrServerlessStartJobRun("T", application_id="a1", execution_role_arn=ROLE,
                              job_driver={"SparkSubmit": {"EntryPoint": "s3://b/j.py"}}),
     "emr-serverless:startJobRun.sync",
     {"ApplicationId": "a1", "ExecutionRoleArn": ROLE,
      "JobDriver": {"SparkSubmit": {"EntryPoint": "s3://b/j.py"}}}, "emr-serverless:StartJobRun"),
    (EmrAddStep("T", cluster_id="j-1", step={"Name": "s", "HadoopJarStep": {"Jar": "x"}}),
     "elasticmapreduce:addStep.sync",
     {"ClusterId": "j-1", "Step": {"Name": "s", "HadoopJarStep": {"Jar": "x"}}},
     "elasticmapreduce:AddJobFlowSteps"),
    (SageMakerTrainingJob("T", job_name="churn", role_arn=ROLE, algorithm={"TrainingImage": "i"},
                          output_data={"S3OutputPath": "s3://b/"}, resources={},
                          stopping_condition={}, options={"Tags": []}),
     "sagemaker:createTrainingJob.sync",
     {"TrainingJobName": "churn", "RoleArn": ROLE, "AlgorithmSpecification": {"TrainingImage": "i"},
      "OutputDataConfig": {"S3OutputPath": "s3://b/"}, "ResourceConfig": {},
      "StoppingCondition": {}, "Tags": []}, "sagemaker:AddTags"),
    (SageMakerTransformJob("T", job_name="t", model_name="m", input_data={}, output_data={},
                           resources={}, pattern="request_response"),
     "sagemaker:createTransformJob",
     {"TransformJobName": "t", "ModelName": "m", "TransformInput": {}, "TransformOutput": {},
      "TransformResources": {}}, "sagemaker:CreateTransformJob"),
    (SageMakerProcessingJob("T", job_name="p", role_arn=ROLE, app={"ImageUri": "i"}, resources={},
                            pattern="wait_for_task_token"),
     "sagemaker:createProcessingJob.waitForTaskToken",
     {"ProcessingJobName": "p", "RoleArn": ROLE, "AppSpecification": {"ImageUri": "i"},
      "ProcessingResources": {}}, "sagemaker:CreateProcessingJob"),
    (MediaConvertCreateJob("T", role=ROLE, settings={"Inputs": []}, queue="q"),
     "mediaconvert:createJob.sync", {"Role": ROLE, "Settings": {"Inputs": []}, "Queue": "q"},
     "mediaconvert:CreateJob"),
    (HttpInvoke("T", api_endpoint="https://api.example.com/v1", method="POST",
                connection_arn=CONNECTION, request_body={"a": 1}),
     "http:invoke",
     {"ApiEndpoint": "https://api.example.com/v1", "Method": "POST",
      "Authentication": {"ConnectionArn": CONNECTION}, "RequestBody": {"a": 1}},
     "states:InvokeHTTPEndpoint"),
    (DataBrewStartJobRun("T", job_name="clean"), "databrew:startJobRun.sync", {"Name": "clean"},
     "databrew:StartJobRun"),
]


@pytest.mark.parametrize("state, resource, params, action", CASES,
                         ids=[type(c[0]).__name__ for c in CASES])
def test_the_class_compiles_validates_grants_and_imports_back(
        state: Any, resource: str, params: dict[str, Any], action: str) -> None:
    definition = resolve(compile_workflow(Workflow("w", [state])).definition,
                         {"data.aws_partition.current.partition": "aws"})
    body = definition["States"]["T"]
    assert (body["Resource"], body["Parameters"]) == (f"arn:aws:states:::{resource}", params)
    assert validate(definition) == []
    wf = Workflow("w", [state], deployment=OnDemandJob("w"))
    deployed = compile_workflow(wf).definition["States"]["T"]
    assert to_template(deployed["Resource"]) == f"arn:{P}:states:::{resource}"
    assert any(action in s.actions for s in state_machine_statements(wf))
    # a plain Task with the same Resource and Parameters gets the same grants
    plain = Workflow("w", [Task("T", resource=f"arn:aws:states:::{resource}", parameters=params)],
                     deployment=OnDemandJob("w"))
    assert set(state_machine_statements(plain)) == set(state_machine_statements(wf))
    found = typed(f"arn:aws:states:::{resource}", params)
    assert found is not None and found[0] is type(state)
    assert found[0]("T", **found[1]) == state


def test_the_inverses_decline_what_the_classes_cannot_express() -> None:
    assert typed("arn:aws:states:::http:invoke", {"ApiEndpoint": "https://a", "Method": "GET",
                                                  "Authentication": {"Other": 1}}) is None
    assert typed("arn:aws:states:::bedrock:invokeModel",
                 {"ModelId": "m", "Input": {"S3Uri": "s3://b/k", "More": 1}}) is None
    assert typed("arn:aws:states:::elasticmapreduce:addStep.sync", {"ClusterId": "j-1"}) is None
