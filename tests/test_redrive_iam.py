"""Workflow(redrive=True): the role may redrive its Distributed Maps' child executions, as the
developer guide's "IAM policies for using Distributed Map states" grants it (Example of IAM
policy for redriving a Distributed Map: states:RedriveExecution on
arn:aws:states:<region>:<account>:execution:<state machine>/<Map Run label>:*)."""

from __future__ import annotations

import pytest

from flowdsl import Map, Pass, Workflow
from flowdsl.placeholders import template
from flowdsl.tasks.policy import statements

EXECUTIONS = ("arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:"
              "${data.aws_caller_identity.current.account_id}:execution:")


def redrive_grants(mode: str, *, redrive: bool, label: str | None = None) -> list[tuple[tuple[str, ...], list[str]]]:
    wf = Workflow("orders", redrive=redrive, states=[
        Map("Fan", processor=[Pass("P")], processor_config={"Mode": mode, "ExecutionType": "STANDARD"}, label=label)])
    return [(s.actions, [r if isinstance(r, str) else template(r) for r in s.resources])
            for s in statements(wf) if "states:RedriveExecution" in s.actions]


@pytest.mark.parametrize("label, resource", [("Orders", "orders/Orders:*"), (None, "orders/*:*")])
def test_an_opted_in_distributed_map_may_redrive_its_children(label: str | None, resource: str) -> None:
    assert redrive_grants("DISTRIBUTED", redrive=True, label=label) == \
        [(("states:RedriveExecution",), [EXECUTIONS + resource])]


def test_no_redrive_grant_without_the_opt_in_or_a_distributed_map() -> None:
    assert redrive_grants("DISTRIBUTED", redrive=False) == []
    assert redrive_grants("INLINE", redrive=True) == []
