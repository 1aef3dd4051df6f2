"""``StateMachine``: the state machine alone, with its log group and role, and no trigger.

Other modules or services start it: its outputs ``state_machine_arn`` and
``state_machine_name`` are what they need (another flowdsl workflow refers to it as
``workflow.arn``). ``flowdsl run --input JSON`` passes the execution input.
"""

from __future__ import annotations

from typing import Any

from flowdsl.deployments.registry import Choices, Deployment, Kind, register
from flowdsl.frozen import frozen
from flowdsl.terraform_expr import Module


@frozen
class StateMachine(Deployment):
    """Deploy the workflow as a bare state machine that other workflows or services start."""


def _terraform(m: Module) -> None:
    """No trigger: the shared pieces (state machine, log group, role) are the whole module."""


def _example(choose: Choices, resource_name: Any, common: dict[str, Any]) -> StateMachine:
    return StateMachine(resource_name, type=choose.pick(("STANDARD", "EXPRESS")), **common)


register(StateMachine, Kind(name="state machine", terraform=_terraform, example=_example, rank=3))
