"""What Step Functions offers as optimized integrations: every ``service:action`` a Task's
``Resource`` may name (``arn:<partition>:states:::<service>:<action><pattern>``), and the
integration patterns each one supports. Data only, and a leaf: nothing here grants or checks.

Source: the AWS Step Functions Developer Guide, "Integrating optimized services with Step
Functions" (integrate-optimized.md, formerly connect-supported-services.md) for the services
and patterns, and each service's page (connect-<service>.md, <service>-iam.md) for its
actions; the page that decides each row is named beside it. ``http:invoke`` is the HTTP Task
(connect-third-party-apis.md). ``aws-sdk:`` calls are not listed: they are any SDK action
(flowdsl.tasks.sdk).
"""

from __future__ import annotations

from flowdsl.tasks.params import REQUEST_RESPONSE as RR, SYNC, SYNC2, TOKEN

SOURCE = ("AWS Step Functions Developer Guide: integrate-optimized.md "
          "(connect-supported-services.md) and the per-service connect-*.md / *-iam.md pages")

OFFERED: dict[str, tuple[str, ...]] = {
    # connect-api-gateway.md: request-response and the callback
    "apigateway:invoke": (RR, TOKEN),
    # connect-athena.md
    "athena:startQueryExecution": (RR, SYNC),
    "athena:stopQueryExecution": (RR,),
    "athena:getQueryExecution": (RR,),
    "athena:getQueryResults": (RR,),
    # connect-batch.md; batch-iam.md documents a callback policy too
    "batch:submitJob": (RR, SYNC, TOKEN),
    # connect-bedrock.md: InvokeModel; CreateModelCustomizationJob and its .sync form
    "bedrock:invokeModel": (RR,),
    "bedrock:createModelCustomizationJob": (RR, SYNC),
    # connect-codebuild.md
    "codebuild:startBuild": (RR, SYNC),
    "codebuild:stopBuild": (RR,),
    "codebuild:batchDeleteBuilds": (RR,),
    "codebuild:batchGetReports": (RR,),
    "codebuild:startBuildBatch": (RR, SYNC),
    "codebuild:stopBuildBatch": (RR,),
    "codebuild:retryBuildBatch": (RR, SYNC),
    "codebuild:deleteBuildBatch": (RR,),
    # connect-ddb.md
    "dynamodb:getItem": (RR,),
    "dynamodb:putItem": (RR,),
    "dynamodb:updateItem": (RR,),
    "dynamodb:deleteItem": (RR,),
    # connect-ecs.md
    "ecs:runTask": (RR, SYNC, TOKEN),
    # connect-eks.md: the EKS APIs (each with .sync) and the Kubernetes API integrations
    "eks:createCluster": (RR, SYNC),
    "eks:deleteCluster": (RR, SYNC),
    "eks:createFargateProfile": (RR, SYNC),
    "eks:deleteFargateProfile": (RR, SYNC),
    "eks:createNodegroup": (RR, SYNC),
    "eks:deleteNodegroup": (RR, SYNC),
    "eks:runJob": (RR, SYNC),
    "eks:call": (RR,),
    # connect-emr.md
    "elasticmapreduce:createCluster": (RR, SYNC),
    "elasticmapreduce:setClusterTerminationProtection": (RR,),
    "elasticmapreduce:modifyInstanceFleetByName": (RR,),
    "elasticmapreduce:modifyInstanceGroupByName": (RR,),
    "elasticmapreduce:terminateCluster": (RR, SYNC),
    "elasticmapreduce:addStep": (RR, SYNC),
    "elasticmapreduce:cancelStep": (RR,),
    # connect-emr-eks.md (EMR on EKS)
    "emr-containers:createVirtualCluster": (RR,),
    "emr-containers:deleteVirtualCluster": (RR, SYNC),
    "emr-containers:startJobRun": (RR, SYNC),
    # connect-emr-serverless.md
    "emr-serverless:createApplication": (RR, SYNC),
    "emr-serverless:startApplication": (RR, SYNC),
    "emr-serverless:stopApplication": (RR, SYNC),
    "emr-serverless:deleteApplication": (RR, SYNC),
    "emr-serverless:startJobRun": (RR, SYNC),
    "emr-serverless:cancelJobRun": (RR, SYNC),
    # connect-eventbridge.md
    "events:putEvents": (RR, TOKEN),
    # connect-glue.md (.sync); glue-iam.md documents the callback policy
    "glue:startJobRun": (RR, SYNC, TOKEN),
    # connect-databrew.md
    "databrew:startJobRun": (RR, SYNC),
    # connect-lambda.md
    "lambda:invoke": (RR, TOKEN),
    # connect-mediaconvert.md
    "mediaconvert:createJob": (RR, SYNC),
    # connect-sagemaker.md; sagemaker-iam.md documents the callback policies
    "sagemaker:createEndpoint": (RR, TOKEN),
    "sagemaker:createEndpointConfig": (RR, TOKEN),
    "sagemaker:createHyperParameterTuningJob": (RR, SYNC, TOKEN),
    "sagemaker:createLabelingJob": (RR, SYNC, TOKEN),
    "sagemaker:createModel": (RR, TOKEN),
    "sagemaker:createProcessingJob": (RR, SYNC, TOKEN),
    "sagemaker:createTrainingJob": (RR, SYNC, TOKEN),
    "sagemaker:createTransformJob": (RR, SYNC, TOKEN),
    "sagemaker:updateEndpoint": (RR, TOKEN),
    # connect-sns.md
    "sns:publish": (RR, TOKEN),
    # connect-sqs.md
    "sqs:sendMessage": (RR, TOKEN),
    # connect-stepfunctions.md
    "states:startExecution": (RR, SYNC, SYNC2, TOKEN),
    # connect-third-party-apis.md: the HTTP Task
    "http:invoke": (RR,),
}


def offered(integration: str) -> tuple[str, ...] | None:
    """The patterns (Resource suffixes) Step Functions offers for ``service:action``, or None
    when it is not an optimized integration."""
    return OFFERED.get(integration)


__all__ = ["OFFERED", "SOURCE", "offered"]
