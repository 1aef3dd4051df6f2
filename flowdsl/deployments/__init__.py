"""Deployment kinds: how a workflow is started, and what Terraform deploys around it.

One new kind is one module in this package (or anywhere else: a test file registers one the
same way). The module holds the kind's model, a frozen attrs class deriving from
:class:`Deployment`, and calls :func:`register` with a :class:`Kind` that holds all flowdsl
knows of the kind:

* the Terraform resources its trigger brings, including the trigger's own IAM role
  (``terraform(module)``; the module is a :class:`flowdsl.terraform_expr.Module`), the module
  inputs and outputs it adds to the shared ones, and the AWS name limits of its resources;
* how a local run builds its execution input (``input_option``, ``local_input``, and the
  :class:`LocalOption` it brings: the ``flowdsl run --NAME`` option and the
  ``flowdsl.testing.run(NAME=...)`` keyword);
* what ``flowdsl new --kind`` writes for it (:class:`Scaffold`), what ``flowdsl sample-event``
  prints for it (:class:`Sample`), how the property-test strategies draw one (``example``), and
  what ``flowdsl graph`` draws before the Start marker (``trigger``).

The command line, the test kit, the scaffold, the strategies, the drawing and the Terraform assembler
(:mod:`flowdsl.terraform`, which holds the pieces every kind shares: the state machine, its
log group and role, KMS, X-Ray, ``main.tf.json``) read the registry and name no concrete kind.
This package names its own kinds only in ``LAZY_KINDS``, the table that loads them on first use.

What may import it: the layers above the model (build, terraform, the run pipeline, the test
kit and strategies, the scaffold, the drawing, the command line) and ``flowdsl/__init__.py``. The kind
modules import :mod:`flowdsl.deployments.registry` and modules below the model (refs, iam,
placeholders, strict_json, :mod:`flowdsl.terraform_expr`, ...), never the assembler, the
engine (:mod:`flowdsl.run`: a local-run builder gets the run's values in its
:class:`LocalInput`) or this package's ``__init__`` (``tests/test_layers.py`` holds the rule).
"""

from __future__ import annotations

import importlib
from typing import Any

import attrs

from flowdsl.deployments.on_demand import OnDemandJob, Pipe, Queue
from flowdsl.deployments.registry import (
    KINDS,
    Choices,
    Deployment,
    Kind,
    LocalInput,
    LocalOption,
    Logging,
    Sample,
    Scaffold,
    kind_of,
    known,
    local_options,
    register,
    registered,
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
    "Alias": "versions", "Canary": "versions", "Alarms": "alarms",  # every kind's options
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
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def kinds() -> list[tuple[type, Kind]]:
    """Every kind (this package's and any registered elsewhere), in listing order."""
    load_all()
    return registered()


def execution_input(deployment: Any, request: LocalInput) -> Any:
    """The execution input the deployment's trigger would produce for ``request``."""
    given = local_options().get(request.option)
    if given is None:
        load_all()
        given = local_options().get(request.option)
    option = given.flag if given else f"--{request.option}"
    if given is not None:
        request = attrs.evolve(request, payload=given.payload(request.payload))
    kind = kind_of(deployment)
    if kind is None:
        if given is not None and given.bare is not None:  # nothing deploys it (an ASL file)
            return given.bare(request)
        raise FlowError(f"{option} needs a deployment that builds its input; this workflow has "
                        f"{'none' if deployment is None else type(deployment).__name__}")
    if kind.input_option != request.option or kind.local_input is None:
        cls = type(deployment).__name__
        cls = ("an " if cls[:1] in "AEIOU" else "a ") + cls
        if kind.input_option is None:
            raise FlowError(f"{option}: {cls} has no trigger; give the execution input with --input")
        raise FlowError(f"{option} does not fit {cls}, which is started by {kind.input_shape}; "
                        f"build its input with --{kind.input_option}")
    return kind.local_input(deployment, request)


__all__ = [
    "Choices", "Deployment", "EventJob", "EventPattern", "EventRetry", "InputTransformer", "KINDS", "Kind",
    "LAZY_KINDS", "LocalInput", "LocalOption", "Logging", "OnDemandJob", "Pipe", "Queue", "S3ObjectCreated",
    "Sample", "Scaffold", "ScheduleRetry", "ScheduledJob", "StateMachine", "execution_input", "kind_of", "kinds",
    "known", "load_all", "local_options", "register", "registered", "resolver",
]
