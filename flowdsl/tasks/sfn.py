"""``arn:aws:states:::states:startExecution``: start another workflow, and by default wait."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, inverse, suffix_of


@frozen
class StartExecution(_TaskBase):
    """Start ``state_machine`` (its ARN: literal text, or a reference such as
    ``var("child_arn")`` or another module's output). ``input=None`` passes this state's whole
    input. ``pattern``: ``"sync:2"`` (wait; the output is JSON, the default), ``"sync"`` (wait;
    the output is a string), ``"request_response"`` or ``"wait_for_task_token"``."""

    state_machine: str | Ref = attrs.field(kw_only=True)
    input: JSON = attrs.field(default=None, kw_only=True)
    execution_name: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync:2", kw_only=True)


def _parameters(st: StartExecution) -> dict[str, Any]:
    return compact({"StateMachineArn": st.state_machine, "Input": st.input,
                    "Input.$": "$" if st.input is None else None, "Name": st.execution_name},
                   st.options)


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    kwargs = inverse("states:startExecution",
                     {"StateMachineArn": "state_machine", "Input": "input", "Input.$": "all",
                      "Name": "execution_name"}, required=("state_machine",))(resource, params)
    if kwargs is None or kwargs.pop("all", "$") != "$" or kwargs.get("input", 0) is None:
        return None
    return kwargs


register(StartExecution, Integration(
    resource=lambda st: states_arn("states:startExecution" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
))
