"""flowdsl: AWS Step Functions workflows in Python, compiled to ASL and Terraform JSON."""
# ruff: noqa: F401, E402  (the imports are the package's public names, ``__all__`` is built below;
# they follow the bytecode cache's install)

from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from flowdsl import codecache as _codecache

_codecache.install()  # the __init__ attrs writes for each class below comes from a bytecode cache

from flowdsl.conditions import *  # the Choice condition builders
from flowdsl.conditions import (
    And as And,
    Comparison as Comparison,
    Condition as Condition,
    Not as Not,
    Or as Or,
    all_of as all_of,
    any_of as any_of,
    not_ as not_,
)
from flowdsl.deployments import LAZY_KINDS as _LAZY_KINDS
from flowdsl.deployments import Logging as Logging, OnDemandJob as OnDemandJob, Pipe as Pipe, Queue as Queue
from flowdsl.iam import Allow as Allow
from flowdsl.refs import (
    ACCOUNT_ID as ACCOUNT_ID,
    PARTITION as PARTITION,
    REGION as REGION,
    Validation as Validation,
    Variable as Variable,
    between as between,
    join as join,
    length_between as length_between,
    matches as matches,
    one_of as one_of,
    var as var,
)
from flowdsl.states import (
    DISCARD as DISCARD,
    NULL as NULL,
    Branch as Branch,
    Catch as Catch,
    Choice as Choice,
    DerivedExcept as DerivedExcept,
    Fail as Fail,
    Goto as Goto,
    Map as Map,
    Parallel as Parallel,
    Pass as Pass,
    Retry as Retry,
    Succeed as Succeed,
    Task as Task,
    Wait as Wait,
    When as When,
    Workflow as Workflow,
)
from flowdsl.tasks.batch import BatchTask as BatchTask, JobDefinition as JobDefinition
from flowdsl.tasks.lambda_ import LambdaTask as LambdaTask

if _TYPE_CHECKING:
    # The names that load on first use (``__getattr__`` below), as type checkers see them:
    # every lazy deployment kind and integration name (tests/test_typing.py holds the list
    # to ``__all__`` and prints the import a new one needs).
    from flowdsl.deployments.alarms import Alarms as Alarms
    from flowdsl.deployments.event import (
        EventJob as EventJob,
        EventPattern as EventPattern,
        EventRetry as EventRetry,
        InputTransformer as InputTransformer,
        S3ObjectCreated as S3ObjectCreated,
    )
    from flowdsl.deployments.scheduled import ScheduleRetry as ScheduleRetry, ScheduledJob as ScheduledJob
    from flowdsl.deployments.state_machine import StateMachine as StateMachine
    from flowdsl.deployments.versions import Alias as Alias, Canary as Canary
    from flowdsl.tasks.apigateway import ApiGatewayInvoke as ApiGatewayInvoke
    from flowdsl.tasks.athena import AthenaQuery as AthenaQuery
    from flowdsl.tasks.aws_sdk import SdkCall as SdkCall
    from flowdsl.tasks.bedrock import BedrockInvokeModel as BedrockInvokeModel
    from flowdsl.tasks.codebuild import CodeBuildStart as CodeBuildStart
    from flowdsl.tasks.databrew import DataBrewStartJobRun as DataBrewStartJobRun
    from flowdsl.tasks.dynamodb import (
        DynamoDeleteItem as DynamoDeleteItem,
        DynamoGetItem as DynamoGetItem,
        DynamoPutItem as DynamoPutItem,
        DynamoUpdateItem as DynamoUpdateItem,
    )
    from flowdsl.tasks.ecs import EcsRunTask as EcsRunTask, TaskDefinition as TaskDefinition
    from flowdsl.tasks.emr import EmrAddStep as EmrAddStep
    from flowdsl.tasks.emr_serverless import EmrServerlessStartJobRun as EmrServerlessStartJobRun
    from flowdsl.tasks.eventbridge import PutEvents as PutEvents
    from flowdsl.tasks.glue import GlueJob as GlueJob
    from flowdsl.tasks.http import HttpInvoke as HttpInvoke
    from flowdsl.tasks.mediaconvert import MediaConvertCreateJob as MediaConvertCreateJob
    from flowdsl.tasks.sagemaker import (
        SageMakerProcessingJob as SageMakerProcessingJob,
        SageMakerTrainingJob as SageMakerTrainingJob,
        SageMakerTransformJob as SageMakerTransformJob,
    )
    from flowdsl.tasks.sfn import StartExecution as StartExecution
    from flowdsl.tasks.sns import SnsPublish as SnsPublish
    from flowdsl.tasks.sqs import SqsSendMessage as SqsSendMessage

# What ``import flowdsl`` defines: the names above (``conditions`` gives its ``__all__``).
_EAGER = tuple(sorted(name for name, value in globals().items()
                      if not name.startswith("_") and not isinstance(value, _ModuleType)))

# The deployment kinds other than the on-demand job load on first use (name -> module of
# flowdsl.deployments), and so do the service integrations other than Lambda and Batch (name
# -> module of flowdsl.tasks, read from the modules' ``__all__`` without importing them): a
# command that builds a workflow imports only what it uses.
_DEPLOYMENTS = _LAZY_KINDS


def _services() -> dict[str, str]:
    from flowdsl.tasks.registry import exports

    return exports()


def _is_submodule(name: str) -> bool:
    """A module of this package (``from flowdsl import cli_verbs`` asks before it imports it):
    never a service's name, so answered without reading the integrations' names."""
    import os

    here = os.path.dirname(__file__)
    return os.path.isfile(os.path.join(here, f"{name}.py")) or os.path.isdir(os.path.join(here, name))


def __getattr__(name: str) -> _Any:  # Any: a name missing above is untyped, not an error
    import importlib

    if name == "__all__":
        names = list(dict.fromkeys((*_EAGER, *_DEPLOYMENTS, *_services())))
        globals()["__all__"] = names
        return names
    if name in _DEPLOYMENTS:
        module = f"flowdsl.deployments.{_DEPLOYMENTS[name]}"
    elif not name.startswith("__") and not _is_submodule(name) and name in _services():
        module = f"flowdsl.tasks.{_services()[name]}"
    else:
        raise AttributeError(f"module 'flowdsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), "__all__", *_DEPLOYMENTS, *_services()})
