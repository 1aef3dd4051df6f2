"""flowdsl: AWS Step Functions workflows in Python, compiled to ASL and Terraform JSON."""

from flowdsl.conditions import *  # noqa: F401,F403  (the Choice condition builders)
from flowdsl.conditions import And, Comparison, Condition, Not, Or, all_of, any_of, not_
from flowdsl.deploy import Logging, OnDemandJob, Pipe, Queue
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

__all__ = [
    "ACCOUNT_ID", "Allow", "And", "BatchTask", "Branch", "Catch", "Choice", "Comparison",
    "Condition", "DISCARD", "Fail", "Goto", "Logging", "OnDemandJob", "Pipe", "Queue", "JobDefinition", "LambdaTask", "Map", "NULL", "Not", "Or",
    "PARTITION", "Parallel", "Pass", "REGION", "Retry", "Succeed", "Task", "Variable", "Wait",
    "When", "Workflow", "all_of", "any_of", "join", "not_", "var",
]
