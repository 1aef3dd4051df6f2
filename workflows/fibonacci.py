"""On-demand Fibonacci job: an SQS message starts a Batch job, then a success or error handler.

SQS -> EventBridge Pipe -> this state machine -> AWS Batch (Fargate) + Lambda handlers.
"""

from typing import Optional, TypedDict

from flowdsl import (ACCOUNT_ID, PARTITION, REGION, Allow, BatchTask, Catch, JobDefinition,
                     LambdaTask, Logging, OnDemandJob, Parallel, Pass, Retry, Variable, Workflow,
                     join, var)
from flowdsl.run.config import LocalBatch, RunConfig


class Request(TypedDict):
    """The message the web app sends to the queue (the SQS record's body, as JSON)."""

    n: int  # which Fibonacci number to compute


class HandlerSummary(TypedDict):
    """What the success and error handlers return (fibonacci_app/handlers.py)."""

    status: str
    job_name: Optional[str]
    execution: Optional[str]

app_name, stage = var("app_name"), var("stage")
job_name = join(app_name, "-", stage, "-fibonacci-OnDemandJob")
prefix = join(app_name, "-", stage, "-")  # the job's S3 buckets and SNS topics start with this
command = ("python", "/opt/app/job/fibonacci.py", "-b", "Ref::sqs_message_body")

job = JobDefinition(
    "fibonacci",
    name=job_name,
    image=join(var("image_uri"), ":", var("image_tag")),
    command=command,
    vcpus=var("vcpus"),
    memory=var("memory"),
    environment=var("env"),
    # What the job's own code may do: its buckets, topics and secrets, and nothing else.
    permissions=(
        Allow(["s3:GetObject", "s3:PutObject"], join("arn:", PARTITION, ":s3:::", prefix, "*/*")),
        Allow("s3:ListBucket", join("arn:", PARTITION, ":s3:::", prefix, "*")),
        Allow("sns:Publish", join("arn:", PARTITION, ":sns:", REGION, ":", ACCOUNT_ID, ":", prefix, "*")),
        Allow(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
              join("arn:", PARTITION, ":secretsmanager:", REGION, ":", ACCOUNT_ID, ":secret:/",
                   app_name, "/*")),
    ),
)

handler_payload = {"state.$": "$", "context.$": "$$"}
lambda_errors = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"]

error_handler = LambdaTask(
    "ErrorHandler",
    function=var("error_handler_arn"), qualifier="$LATEST", payload=handler_payload,
    result_path="$.error_handler", returns=HandlerSummary,
    retry=[Retry(lambda_errors, interval_seconds=2, max_attempts=6, backoff_rate=2)],
)

workflow = Workflow(
    "fibonacci",
    comment="A description of my state machine",
    input=Request,  # the build checks every path against it, in the record the pipe delivers
    deployment=OnDemandJob(
        job_name, logging=Logging(group_name=join(app_name, "/", stage, "/on_demand/fibonacci")),
    ),
    variables=[
        Variable("app_name", description="Application name, the first part of every resource name"),
        Variable("stage", description="Deployment stage, e.g. dev or prod"),
        Variable("batch_job_queue_arn", description="The Batch job queue the job runs in"),
        Variable("image_uri", description="The job's container image, without its tag"),
        Variable("image_tag", default="latest"),
        Variable("env", type="map(string)", default={}, description="The job's environment"),
        Variable("success_handler_arn", description="Lambda function called when the job succeeds"),
        Variable("error_handler_arn", description="Lambda function called when the job fails"),
        Variable("vcpus", default="1"),
        Variable("memory", default="2048"),
    ],
    states=[
        # The pipe delivers a list of one SQS record; keep it beside the job's facts.
        Pass("ExtractInputParameters", result_path="$", parameters={
            "metadata": {
                "app_name": app_name, "stage": stage, "batch_name": "fibonacci",
                "job_name": job_name, "command": command, "vcpus": var("vcpus"),
                "memory": var("memory"), "image_uri": var("image_uri"),
                "image_tag": var("image_tag"), "env": var("env"),
            },
            "input.$": "$",
        }),
        Parallel("BatchGroup", branches=[[
            BatchTask(
                "Batch", job=job, job_queue=var("batch_job_queue_arn"), job_name=job_name,
                job_parameters={"sqs_message_body.$": "$.input[0].body"},
                container_overrides={"Command": command},
                result_path="$.batch",
            ),
            LambdaTask(
                "OnSuccess", function=var("success_handler_arn"), qualifier="$LATEST",
                payload=handler_payload, result_path="$.success_handler", returns=HandlerSummary,
            ),
        ]], catch=[Catch(["States.ALL"], next=error_handler, result_path="$.error")]),
    ],
)

# `flowdsl run workflows/fibonacci.py --message '{"n": 10}'`: the job script and the handlers in
# fibonacci_app/ run on this machine (paths are relative to this file).
local = RunConfig(
    values={"app_name": "app", "stage": "local", "env": {"STAGE": "local"},
            "batch_job_queue_arn": "arn:aws:batch:us-east-1:123456789012:job-queue/app-local-queue",
            "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
            "success_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:ok",
            "error_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:err"},
    tasks={"Batch": LocalBatch(path_map={"/opt/app": "fibonacci_app"}),
           "OnSuccess": "fibonacci_app.handlers:on_success",
           "ErrorHandler": "fibonacci_app.handlers:on_error"},
)
