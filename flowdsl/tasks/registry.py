"""The registry of service integrations (what each task kind contributes), the ``Context``
grants may refer to, and the ``arn:<partition>:states:::...`` helpers. A leaf: the integration
modules, the policy and the compilers import it without importing one another."""

from __future__ import annotations

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
