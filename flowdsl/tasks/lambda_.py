"""``arn:aws:states:::lambda:invoke``: invoke a Lambda function and wait, or hand it a task token."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.iam import Allow
from flowdsl.refs import Join, Ref, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


@attrs.frozen(slots=True)
class LambdaTask(_TaskBase):
    """Invoke ``function`` (an ARN or name) with ``payload``.

    ``payload=None`` sends the whole state input. ``wait_for_task_token`` pauses the execution
    until the function reports back with the token from ``$$.Task.Token``.
    """

    function: str | Ref = attrs.field(kw_only=True)
    qualifier: str | Ref | None = attrs.field(default=None, kw_only=True)
    payload: JSON = attrs.field(default=None, kw_only=True)
    wait_for_task_token: bool = attrs.field(default=False, kw_only=True)
    invocation_type: str | None = attrs.field(default=None, kw_only=True)


def function_name(state: LambdaTask) -> str | Ref:
    if state.qualifier is None:
        return state.function
    return join(state.function, ":", state.qualifier)


def _resource(state: LambdaTask) -> Join:
    return states_arn("lambda:invoke" + (".waitForTaskToken" if state.wait_for_task_token else ""))


def _parameters(state: LambdaTask) -> dict[str, Any]:
    params: dict[str, Any] = {"FunctionName": function_name(state)}
    if state.payload is None:
        params["Payload.$"] = "$"
    else:
        params["Payload"] = state.payload
    if state.invocation_type is not None:
        params["InvocationType"] = state.invocation_type
    return params


def _iam(state: LambdaTask) -> tuple[Allow, ...]:
    # Invoking "fn:$LATEST" is authorised against the qualified ARN; grant the function
    # with and without a qualifier, as the Step Functions console's generated roles do.
    return (Allow(("lambda:InvokeFunction",), (state.function, join(state.function, ":*"))),)


register(LambdaTask, Integration(resource=_resource, parameters=_parameters, iam=_iam))
