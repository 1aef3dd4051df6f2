"""Deployment kinds: how a workflow is started, and what Terraform deploys around it.

Every kind is one module in this package. It holds the kind's model (a frozen attrs class
deriving from :class:`Deployment`), and registers a :class:`Kind` that says

* which Terraform resources the trigger brings, including the trigger's own IAM role
  (``terraform(module)``; the module is :class:`flowdsl.terraform.Module`);
* the module inputs and outputs the kind adds to the shared ones;
* the shape of the execution input the trigger produces (``input_shape``), and how a local
  run builds that input (``local_input``), selected by a ``flowdsl run`` option.

The parts every kind shares (the state machine, its log group and role, KMS, X-Ray, the
module's ``main.tf.json``) live in :mod:`flowdsl.terraform`. Adding a kind is adding one
module that calls :func:`register`; nothing else names a concrete kind.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from flowdsl.deployments.on_demand import OnDemandJob, Pipe, Queue, sqs_input
from flowdsl.deployments.registry import (
    INPUT_OPTIONS,
    KINDS,
    Deployment,
    Kind,
    LocalInput,
    Logging,
    kind_of,
    known,
    register,
    resolver,
)
from flowdsl.errors import FlowError

# The other kinds load on first use (name -> module of this package), so a command that builds an on-demand job does not
# create the classes of every kind; a kind registers itself when its module loads.
LAZY_KINDS = {
    "EventJob": "event", "EventPattern": "event", "EventRetry": "event",
    "InputTransformer": "event", "S3ObjectCreated": "event",
    "ScheduledJob": "scheduled", "ScheduleRetry": "scheduled",
    "StateMachine": "state_machine",
}


def __getattr__(name: str) -> object:
    module = LAZY_KINDS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Import every kind module of this package, so each kind is registered."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def execution_input(deployment: Any, request: LocalInput) -> Any:
    """The execution input the deployment's trigger would produce for ``request``."""
    option = INPUT_OPTIONS.get(request.option, request.option)
    kind = kind_of(deployment)
    if kind is None:
        if request.option == "message":  # no deployment (or an ASL file): the SQS record shape
            return sqs_input(None, request)
        raise FlowError(f"{option} needs a deployment that builds its input; this workflow has "
                        f"{'none' if deployment is None else type(deployment).__name__}")
    if kind.input_option != request.option or kind.local_input is None:
        cls = type(deployment).__name__
        cls = ("an " if cls[:1] in "AEIOU" else "a ") + cls
        if kind.input_option is None:
            raise FlowError(f"{option}: {cls} has no trigger; give the execution input with --input")
        raise FlowError(f"{option} does not fit {cls}, which is started by {kind.input_shape}; "
                        f"build its input with {INPUT_OPTIONS.get(kind.input_option, kind.input_option)}")
    return kind.local_input(deployment, request)


__all__ = [
    "Deployment", "EventJob", "EventPattern", "EventRetry", "INPUT_OPTIONS", "InputTransformer", "KINDS", "Kind",
    "LocalInput", "Logging", "OnDemandJob", "Pipe", "Queue", "S3ObjectCreated", "ScheduleRetry",
    "ScheduledJob", "StateMachine", "execution_input", "kind_of", "known", "load_all", "register", "resolver",
]
