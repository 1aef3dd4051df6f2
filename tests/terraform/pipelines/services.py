"""A job pipeline that calls several services: Glue -> Athena -> SNS; a Map of Lambda; an ECS
task flowdsl defines; DynamoDB; an SQS callback; a nested workflow; an SDK call."""

from flowdsl import (AthenaQuery, Catch, DynamoPutItem, DynamoUpdateItem, EcsRunTask, GlueJob,
                     LambdaTask, Map, OnDemandJob, Pass, SdkCall, SnsPublish, SqsSendMessage,
                     StartExecution, Task, TaskDefinition, Variable, join, var)
from flowdsl import Workflow

report = TaskDefinition(
    "report", image="public.ecr.aws/docker/library/python:3.12",
    command=["python", "-c", "print('report')"], cpu="256", memory="512",
    environment={"STAGE": "dev"},
)

failed = SnsPublish("NotifyFailure", topic=var("topic_arn"), message_path="$.error")

workflow = Workflow(
    "services",
    variables=[Variable("app_name"), Variable("stage"), Variable("topic_arn"),
               Variable("child_arn"), Variable("cluster_arn"), Variable("subnet_id"),
               Variable("fn_arn"), Variable("callback_queue_url")],
    # started by other workflows and schedules: no queue of its own (and a faster lifecycle)
    deployment=OnDemandJob(join(var("app_name"), "-", var("stage"), "-services"), queue=None),
    states=[
        GlueJob("Extract", job_name="nightly-extract", arguments={"--day.$": "$.day"},
                result_path="$.extract", catch=[Catch(["States.ALL"], next=failed,
                                                      result_path="$.error")]),
        AthenaQuery("Summarise", query="SELECT count(*) FROM events", work_group="reports",
                    database="lake", output_location="s3://app-dev-results/summaries/",
                    result_path="$.query"),
        Map("Score", items_path="$.items", result_path="$.scores",
            processor=[LambdaTask("ScoreOne", function=var("fn_arn"), qualifier="live")]),
        EcsRunTask("Report", task_definition=report, cluster=var("cluster_arn"),
                   subnets=[var("subnet_id")], result_path="$.report"),
        DynamoPutItem("Record", table="job-runs", item={"id": {"S.$": "$$.Execution.Id"}},
                      result_path=None),
        DynamoUpdateItem("Count", table="job-stats", key={"id": {"S": "total"}},
                         update_expression="ADD runs :one",
                         expression_attribute_values={":one": {"N": "1"}}, result_path=None),
        SqsSendMessage("AwaitApproval", queue_url=var("callback_queue_url"),
                       message_body={"token.$": "$$.Task.Token"}, pattern="wait_for_task_token",
                       result_path="$.approval"),
        StartExecution("Publish", state_machine=var("child_arn"), input={"day.$": "$.day"},
                       result_path="$.child"),
        SdkCall("ListOutputs", service="s3", action="listObjectsV2",
                parameters={"Bucket": "app-dev-results", "Prefix": "summaries/"},
                result_path="$.outputs"),
        SnsPublish("NotifyDone", topic=var("topic_arn"), message={"status": "done"}),
        # a plain Task: the same grants as the typed class, the partition from the provider
        Task("Audit", resource="arn:aws:states:::dynamodb:putItem",
             parameters={"TableName": "job-audit", "Item": {"id": {"S.$": "$$.Execution.Id"}}},
             result_path=None),
        Pass("Done"),
    ],
)
