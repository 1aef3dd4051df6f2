"""References to other workflows: only names Terraform and ARNs can hold."""

from __future__ import annotations

import pytest

from flowdsl import Pass, StateMachine, Workflow
from flowdsl.errors import ModelError


@pytest.mark.parametrize("name", ['w}${file("/etc/hostname")}${var.w', "1job", "a b", "x" * 81, ""])
def test_arn_of_a_workflow_whose_name_terraform_cannot_hold_is_refused(name):
    wf = Workflow(name, states=[Pass("A")], deployment=StateMachine("w"))
    with pytest.raises(ModelError, match=r"only a workflow whose name is a state machine name "
                       r"\(1-80 letters, digits, '-' or '_'\) starting with a letter or '_' can be "
                       r"referred to by its \.arn"):
        wf.arn


@pytest.mark.parametrize("name", ["worker", "_w-1", "W" * 80])
def test_arn_of_a_workflow_with_a_plain_name(name):
    wf = Workflow(name, states=[Pass("A")], deployment=StateMachine("w"))
    assert wf.arn.variable == f"{name}_state_machine_arn"
