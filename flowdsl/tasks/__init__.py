"""Service integrations. Each module holds one task kind: its model, its ``Resource`` and
``Parameters``, the Terraform resources it brings, and the inverse (ASL -> the typed class).

The IAM every task needs comes from one place, the catalog (``flowdsl.tasks.catalog``),
derived from the compiled ``Resource`` and ``Parameters``: a typed task and a plain ``Task``
with the same Resource get the same grants. An integration registers itself with
``register``; adding one means adding one module to this package, which is found and
imported when first used (``load_all`` imports every one, for the importer's inverse).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import attrs

from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Join, join


@attrs.frozen
class Integration:
    resource: Callable[[Any], Any]
    parameters: Callable[[Any], dict[str, Any]]
    # extra statements for the state machine's role, beside what the catalog derives
    iam: Callable[[Any], tuple[Any, ...]] = lambda state: ()
    # Terraform resources the integration brings, given the module (flowdsl.terraform.Module)
    # and every state of this kind in the graph.
    terraform: Callable[[Any, list[Any]], None] = lambda module, states: None
    # ASL -> model: given a plain Task's Resource (a string, any partition) and Parameters,
    # the typed class's own keyword arguments that produce them, or None when this
    # integration does not express them. ``flowdsl import`` uses it (through ``typed``) and
    # keeps the typed class only if it gives back exactly the same Resource and Parameters.
    inverse: Callable[[str, Any], "dict[str, Any] | None"] | None = None


INTEGRATIONS: dict[type, Integration] = {}


def register(cls: type, integration: Integration) -> None:
    INTEGRATIONS[cls] = integration


_STATES_ARN = re.compile(r"arn:aws[a-z-]*:states:::(.+)")


def service_action(resource: str) -> str | None:
    """``lambda:invoke`` for ``arn:<partition>:states:::lambda:invoke``; None otherwise."""
    m = _STATES_ARN.fullmatch(resource)
    return m.group(1) if m else None


def states_arn(service_action: str) -> Join:
    """``arn:<partition>:states:::<service_action>``, partition taken from the provider."""
    return join("arn:", PARTITION, f":states:::{service_action}")


@attrs.frozen
class Context:
    """What grants may refer to beside the task itself: the state machine being deployed."""

    state_machine_name: Any

    @property
    def state_machine_arn(self) -> Join:
        return join("arn:", PARTITION, ":states:", REGION, ":", ACCOUNT_ID, ":stateMachine:",
                    self.state_machine_name)

    @property
    def executions_arn(self) -> Join:
        # a Distributed Map's child executions: execution:<name>/<map run>:<id>
        return join("arn:", PARTITION, ":states:", REGION, ":", ACCOUNT_ID, ":execution:",
                    self.state_machine_name, "/*:*")


def state_machine_statements(workflow: Any, module: Any = None) -> list[Any]:
    """What the state machine's role needs for the tasks in ``workflow``'s graph, plus every
    ``permissions=`` given on a task or the workflow. A task whose Resource nobody knows, and
    that has no ``permissions``, is reported through ``module.error``."""
    from flowdsl.tasks.policy import statements

    return statements(workflow, module)


def typed(resource: str, parameters: Any) -> tuple[type, dict[str, Any]] | None:
    """The typed class (and its keyword arguments) that expresses a plain Task, if any."""
    load_all()
    for cls, integration in INTEGRATIONS.items():
        inverse = integration.inverse
        if inverse is not None:
            kwargs = inverse(resource, parameters)
            if kwargs is not None:
                return cls, kwargs
    return None


def load_all() -> None:
    """Import every module of this package: each integration registers itself. A workflow
    needs none of this: a state's class is imported, and so registered, before it is built."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
