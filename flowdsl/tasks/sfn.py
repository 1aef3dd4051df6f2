"""``arn:aws:states:::states:startExecution``: start another workflow, and by default wait."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref, ResourceAttr, StateMachineArn, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    REQUEST_RESPONSE,
    SYNC,
    SYNC2,
    TOKEN,
    Arn,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    parse_arn,
    register,
    resource_arns,
    states_arn,
    suffix_of,
    sync_rule,
)


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


def _example(s: Sampler) -> dict[str, Any]:
    machine = s.var("child_arn") if s.refs and s.flag() else \
        "arn:aws:states:us-east-1:123456789012:stateMachine:child"
    return {"state_machine": machine, "pattern": s.pick(("sync:2", "sync", "request_response"))}


register(StartExecution, Integration(
    resource=lambda st: states_arn("states:startExecution" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
    example=_example,
))


# IAM: the state machine; for .sync its executions and the managed rule ------------------------

def _executions_of(machine: Any) -> Any:
    """``execution:<name>:*`` for a state machine ARN, where its name is known."""
    if isinstance(machine, str):
        parsed = parse_arn(machine)
        if parsed and parsed.resource.startswith("stateMachine:"):
            name = parsed.resource.split(":", 2)[1]
            return join(f"arn:{parsed.partition}:states:{parsed.region}:"
                        f"{parsed.account}:execution:{name}:*")
    if isinstance(machine, ResourceAttr) and machine.type == "aws_sfn_state_machine":
        return arn("states", "execution:",
                   ResourceAttr(machine.type, machine.name, "name"), ":*")
    if isinstance(machine, StateMachineArn):  # another flowdsl workflow: other.arn
        return machine.executions
    return None


@integration("states:startExecution", (REQUEST_RESPONSE, SYNC, SYNC2, TOKEN),
             "StateMachineArn; .sync: DescribeExecution/StopExecution on its executions, "
             "the managed rule")
def _grants(c: Call) -> list[Allow]:
    machine = c.get("StateMachineArn")
    out: list[Allow] = []
    if known(machine):
        out.append(Allow("states:StartExecution", machine))
    else:
        out.append(Allow("states:StartExecution", arn("states", "stateMachine:*"),
                         "StateMachineChosenAtRunTime"))
    if c.pattern in (SYNC, SYNC2):
        executions = _executions_of(machine) if known(machine) else None
        if executions is not None:
            out.append(Allow(("states:DescribeExecution", "states:StopExecution"), executions))
        else:
            out.append(Allow(("states:DescribeExecution", "states:StopExecution"),
                             arn("states", "execution:*:*"), "ChildExecutionsNamedAtRunTime"))
        out.append(sync_rule("StepFunctionsGetEventsForStepFunctionsExecutionRule"))
    return out


@resource_arns("states")
def _activity(resource: Any, parsed: Arn) -> list[Allow] | None:
    """A Task whose Resource is an activity: workers poll it with their own credentials."""
    return [] if parsed.resource.startswith("activity:") else None


__all__ = ["StartExecution"]
