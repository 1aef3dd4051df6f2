"""A job pipeline that calls several services: Glue -> Athena -> SNS; a Map of Lambda; an ECS
task flowdsl defines; DynamoDB; an SQS callback; a nested workflow; an SDK call; an API
Gateway call, a Bedrock model, an EMR Serverless job and a Distributed Map over a CSV object
in S3 whose results are written back to S3."""

from flowdsl import (ApiGatewayInvoke, AthenaQuery, BedrockInvokeModel, Catch, DynamoPutItem,
                     DynamoUpdateItem, EcsRunTask, EmrServerlessStartJobRun, GlueJob, LambdaTask,
                     Map, OnDemandJob, Pass, SdkCall, SnsPublish, SqsSendMessage, StartExecution,
                     Task, TaskDefinition, Variable, join, var)
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
               Variable("fn_arn"), Variable("callback_queue_url"), Variable("emr_role_arn")],
    # started by other workflows and schedules: no queue of its own (and a faster lifecycle)
    deployment=OnDemandJob(join(var("app_name"), "-", var("stage"), "-services"), queue=None),
    states=[
        GlueJob("Extract", job_name="nightly-extract", job_arguments={"--day.$": "$.day"},
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
        ApiGatewayInvoke("Announce", api_endpoint="a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com",
                         method="POST", stage="prod", path="/runs", auth_type="IAM_ROLE",
                         request_body={"day.$": "$.day"}, result_path=None),
        BedrockInvokeModel("Describe", model="amazon.titan-text-express-v1",
                           body={"inputText": "Summarise the run"}, result_path="$.summary"),
        EmrServerlessStartJobRun("Aggregate", application_id="00f1a2b3c4d5e6f7",
                                 execution_role_arn=var("emr_role_arn"),
                                 job_driver={"SparkSubmit": {"EntryPoint": "s3://app-dev-jobs/agg.py"}},
                                 result_path=None),
        # a Distributed Map over the rows of a CSV object, its results written back to S3
        Map("Rows", processor_config={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            item_reader={"Resource": "arn:aws:states:::s3:getObject",
                         "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                         "Parameters": {"Bucket": "app-dev-input", "Key": "rows.csv"}},
            result_writer={"Resource": "arn:aws:states:::s3:putObject",
                           "Parameters": {"Bucket": "app-dev-results", "Prefix": "rows/"}},
            max_concurrency=10, result_path=None,
            processor=[Pass("Row")]),
        SnsPublish("NotifyDone", topic=var("topic_arn"), message={"status": "done"}),
        # a plain Task: the same grants as the typed class, the partition from the provider
        Task("Audit", resource="arn:aws:states:::dynamodb:putItem",
             parameters={"TableName": "job-audit", "Item": {"id": {"S.$": "$$.Execution.Id"}}},
             result_path=None),
        Pass("Done"),
    ],
)
