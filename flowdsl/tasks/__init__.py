"""Service integrations. Each module holds one task kind: its model, its ``Resource`` and
``Parameters``, the IAM its state machine role needs, and the Terraform resources it brings.

An integration registers itself with ``register``; adding one means adding one module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attrs

from flowdsl.refs import PARTITION, Join, join


@attrs.frozen
class Integration:
    resource: Callable[[Any], Any]
    parameters: Callable[[Any], dict[str, Any]]
    # statements for the state machine's role
    iam: Callable[[Any], tuple[Any, ...]] = lambda state: ()
    # Terraform resources the integration brings, given the module (flowdsl.terraform.Module)
    # and every state of this kind in the graph.
    terraform: Callable[[Any, list[Any]], None] = lambda module, states: None
    # The inverse of resource + parameters: given a plain Task's Resource (a string) and
    # Parameters, the typed class's own keyword arguments that produce them, or None when
    # this integration does not express them (``flowdsl import`` uses it).
    typed_kwargs: Callable[[str, Any], "dict[str, Any] | None"] | None = None


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


def state_machine_statements(workflow: Any) -> list[Any]:
    """What the state machine's role needs for the tasks in ``workflow``'s graph."""
    from flowdsl.states import iter_states

    statements: list[Any] = []
    for st in iter_states(workflow.states):
        integration = INTEGRATIONS.get(type(st))
        if integration is not None:
            statements += integration.iam(st)
    return statements


def _load() -> None:
    from flowdsl.tasks import batch, lambda_  # noqa: F401  (registration)


_load()
