"""``StateMachine``: the state machine alone, with its log group and role, and no trigger.

Other modules or services start it: its outputs ``state_machine_arn`` and
``state_machine_name`` are what they need (another flowdsl workflow refers to it as
``workflow.arn``). ``flowdsl run --input JSON`` passes the execution input.
"""

from __future__ import annotations

from typing import Any


from flowdsl.deployments.registry import Deployment, Kind, register
from flowdsl.frozen import frozen


@frozen
class StateMachine(Deployment):
    """Deploy the workflow as a bare state machine that other workflows or services start."""


def _terraform(m: Any) -> None:
    """No trigger: the shared pieces (state machine, log group, role) are the whole module."""


register(StateMachine, Kind(name="state machine", terraform=_terraform))
