"""Nightly report job: every night at 03:00 Tokyo time a schedule starts a Batch job that
reports on the previous day, then a success or error handler.

EventBridge Scheduler -> this state machine -> AWS Batch (Fargate) + Lambda handlers.
"""

from typing import Optional, TypedDict

from flowdsl import (ACCOUNT_ID, PARTITION, REGION, Allow, BatchTask, Catch, JobDefinition,
                     LambdaTask, Logging, Parallel, Pass, Retry, ScheduledJob, Variable, Workflow,
                     join, var)
from flowdsl.deployments.scheduled import SCHEDULED_TIME
from flowdsl.run.config import LocalBatch, RunConfig


class ScheduledInput(TypedDict):
    """What the schedule delivers: the time the run was scheduled for (ISO 8601, UTC)."""

    scheduled_time: str


class HandlerSummary(TypedDict):
    """What the success and error handlers return (fibonacci_app/handlers.py)."""

    status: str
    job_name: Optional[str]
    execution: Optional[str]

TIME_ZONE = "Asia/Tokyo"
app_name, stage = var("app_name"), var("stage")
job_name = join(app_name, "-", stage, "-nightly-report-ScheduledJob")
prefix = join(app_name, "-", stage, "-")  # the job's S3 buckets and SNS topics start with this
command = ("python", "/opt/app/job/nightly_report.py", "--scheduled-time", "Ref::scheduled_time",
           "--time-zone", TIME_ZONE)

job = JobDefinition(
    "nightly_report",
    name=job_name,
    image=join(var("image_uri"), ":", var("image_tag")),
    command=command,
    vcpus=var("vcpus"),
    memory=var("memory"),
    environment=var("env"),
    # The report reads the application's data and writes the report: its buckets, nothing else.
    permissions=(
        Allow(["s3:GetObject", "s3:PutObject"], join("arn:", PARTITION, ":s3:::", prefix, "*/*")),
        Allow("s3:ListBucket", join("arn:", PARTITION, ":s3:::", prefix, "*")),
        Allow("sns:Publish", join("arn:", PARTITION, ":sns:", REGION, ":", ACCOUNT_ID, ":", prefix, "*")),
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
    "nightly",
    input=ScheduledInput,  # the schedule's fixed input must fit it; every path is checked against it
    comment="The nightly report: the previous day's figures, every night at 03:00 Tokyo time",
    deployment=ScheduledJob(
        job_name, "cron(0 3 * * ? *)", timezone=TIME_ZONE,
        # Nightly batch work need not start on the minute: let Scheduler spread the load.
        flexible_window_minutes=15,
        input={"scheduled_time": SCHEDULED_TIME},
        logging=Logging(group_name=join(app_name, "/", stage, "/scheduled/nightly")),
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
        # The schedule delivers {"scheduled_time": ...}; keep it beside the job's facts.
        Pass("ExtractInputParameters", result_path="$", parameters={
            "metadata": {
                "app_name": app_name, "stage": stage, "batch_name": "nightly-report",
                "job_name": job_name, "command": command, "time_zone": TIME_ZONE,
            },
            "input.$": "$",
        }),
        Parallel("BatchGroup", branches=[[
            BatchTask(
                "Batch", job=job, job_queue=var("batch_job_queue_arn"), job_name=job_name,
                job_parameters={"scheduled_time.$": "$.input.scheduled_time"},
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

# `flowdsl run workflows/nightly.py --scheduled`: the report script in nightly_app/ and the
# platform's handlers (shared with the fibonacci job) run on this machine.
local = RunConfig(
    values={"app_name": "app", "stage": "local", "env": {"STAGE": "local"},
            "batch_job_queue_arn": "arn:aws:batch:us-east-1:123456789012:job-queue/app-local-queue",
            "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
            "success_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:ok",
            "error_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:err"},
    tasks={"Batch": LocalBatch(path_map={"/opt/app": "nightly_app"}),
           "OnSuccess": "fibonacci_app.handlers:on_success",
           "ErrorHandler": "fibonacci_app.handlers:on_error"},
)
