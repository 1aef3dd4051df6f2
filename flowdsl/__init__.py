"""flowdsl: AWS Step Functions workflows in Python, compiled to ASL and Terraform JSON."""

from flowdsl.conditions import *  # noqa: F401,F403  (the Choice condition builders)
from flowdsl.conditions import And, Comparison, Condition, Not, Or, all_of, any_of, not_
from flowdsl.deployments import LAZY_KINDS, Logging, OnDemandJob, Pipe, Queue
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Variable, join, var
from flowdsl.states import (
    DISCARD,
    NULL,
    Branch,
    Catch,
    Choice,
    Fail,
    Goto,
    Map,
    Parallel,
    Pass,
    Retry,
    Succeed,
    Task,
    Wait,
    When,
    Workflow,
)
from flowdsl.tasks.batch import BatchTask, JobDefinition
from flowdsl.tasks.lambda_ import LambdaTask

# The other service integrations load on first use (``from flowdsl import GlueJob``), so a
# command that builds a workflow imports only the integrations it uses.
_SERVICES = {
    "AthenaQuery": "athena", "CodeBuildStart": "codebuild", "DynamoDeleteItem": "dynamodb",
    "DynamoGetItem": "dynamodb", "DynamoPutItem": "dynamodb", "DynamoUpdateItem": "dynamodb",
    "EcsRunTask": "ecs", "GlueJob": "glue", "PutEvents": "eventbridge", "SdkCall": "aws_sdk",
    "SnsPublish": "sns", "SqsSendMessage": "sqs", "StartExecution": "sfn",
    "TaskDefinition": "ecs",
}


# So do the deployment kinds other than the on-demand job.
_DEPLOYMENTS = LAZY_KINDS


def __getattr__(name: str) -> object:
    import importlib

    if name in _SERVICES:
        module = f"flowdsl.tasks.{_SERVICES[name]}"
    elif name in _DEPLOYMENTS:
        module = f"flowdsl.deployments.{_DEPLOYMENTS[name]}"
    else:
        raise AttributeError(f"module 'flowdsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ACCOUNT_ID", "Allow", "And", "BatchTask", "Branch", "Catch", "Choice", "Comparison",
    "Condition", "DISCARD", "EventJob", "EventPattern", "EventRetry", "Fail", "Goto", "InputTransformer", "Logging", "OnDemandJob", "Pipe", "Queue", "JobDefinition", "LambdaTask", "Map", "NULL", "Not", "Or",
    "PARTITION", "Parallel", "Pass", "REGION", "Retry", "S3ObjectCreated", "ScheduleRetry",
    "ScheduledJob", "StateMachine", "Succeed", "Task", "Variable", "Wait",
    "When", "Workflow", "all_of", "any_of", "join", "not_", "var",
    # service integrations, loaded on first use
    "AthenaQuery", "CodeBuildStart", "DynamoDeleteItem", "DynamoGetItem", "DynamoPutItem",
    "DynamoUpdateItem", "EcsRunTask", "GlueJob", "PutEvents", "SdkCall", "SnsPublish",
    "SqsSendMessage", "StartExecution", "TaskDefinition",
]
