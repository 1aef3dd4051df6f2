"""``arn:aws:states:::lambda:invoke``: invoke a Lambda function and wait, or hand it a task token."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Join, Ref, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    REQUEST_RESPONSE,
    TOKEN,
    Arn,
    Call,
    Integration,
    ParameterError,
    arn,
    integration,
    is_arn,
    register,
    resource_arns,
    service_action,
    split_qualifier,
    states_arn,
)

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


@frozen
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
    # The shape of what the function returns (a JSON Schema dict, a TypedDict, a dataclass or
    # attrs class; see flowdsl.shapes); the state's result holds it as its Payload.
    returns: Any = attrs.field(default=None, kw_only=True, metadata={"not_asl": "the build's data-flow check"})

    def result_schema(self) -> dict[str, Any] | Any:
        """The state's result as a JSON Schema: Lambda's Invoke response, as Step Functions
        returns it, with what the function returns as its Payload; with a task token, what the
        callback sends (``returns``)."""
        payload = True if self.returns is None else self.returns
        if self.wait_for_task_token:
            return payload
        text = {"type": "string"}
        return {"type": "object", "additionalProperties": False,
                "required": ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata",
                             "StatusCode"],
                "properties": {"ExecutedVersion": text, "Payload": payload, "StatusCode": {"type": "integer"},
                               "SdkHttpMetadata": {"type": "object", "required": ["HttpStatusCode"], "properties": {
                                   "HttpStatusCode": {"type": "integer"},
                                   "HttpHeaders": {"type": "object", "additionalProperties": text},
                                   "AllHttpHeaders": {"type": "object"}}},
                               "SdkResponseMetadata": {"type": "object", "required": ["RequestId"],
                                                       "properties": {"RequestId": text}},
                               "FunctionError": text, "LogResult": text}}


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


_QUALIFIED = re.compile(r"(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):([^:]+)")


def _inverse(resource: str, parameters: Any) -> dict[str, Any] | None:
    action = service_action(resource)
    if action not in ("lambda:invoke", "lambda:invoke.waitForTaskToken") or \
            not isinstance(parameters, dict):
        return None
    if not set(parameters) <= {"FunctionName", "Payload", "Payload.$", "InvocationType"}:
        return None
    function = parameters.get("FunctionName")
    if not isinstance(function, str) or ("Payload" in parameters) == ("Payload.$" in parameters):
        return None
    if parameters.get("Payload.$", "$") != "$" or parameters.get("Payload", {}) is None:
        return None
    kw: dict[str, Any] = {"function": function}
    m = _QUALIFIED.fullmatch(function)
    if m:
        kw["function"], kw["qualifier"] = m.group(1), m.group(2)
    if "Payload" in parameters:
        kw["payload"] = parameters["Payload"]
    if "InvocationType" in parameters:
        kw["invocation_type"] = parameters["InvocationType"]
    kw["wait_for_task_token"] = action.endswith(".waitForTaskToken")
    return kw


register(LambdaTask, Integration(resource=_resource, parameters=_parameters,
                                 inverse=_inverse))


# IAM: the function, by name or ARN, with and without a qualifier -----------------------------

def lambda_function_grant(function: Any, sid: str | None = None) -> Allow:
    """Invoking a function is authorised on its ARN; ``fn:qualifier`` on ``fn:*``."""
    if function is MISSING or function is DYNAMIC:
        return Allow("lambda:InvokeFunction", arn("lambda", "function:*"),
                     sid or "LambdaFunctionChosenAtRunTime")
    if is_arn(function):
        base = split_qualifier(function, 7)
    elif isinstance(function, str):
        base = _partial_arn(function)
    else:  # a name held by a reference, perhaps with a qualifier
        base = arn("lambda", "function:", split_qualifier(function, 1))
    return Allow("lambda:InvokeFunction", (base, join(base, ":*")), sid)


# What Lambda's Invoke takes as FunctionName short of a full ARN (its API reference):
# [region:][account:][function:]name[:qualifier], the account twelve digits.
_PARTIAL = re.compile(r"(?:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(?P<account>\d{12}):)?"
                      r"(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)(?::(?:\$LATEST|[a-zA-Z0-9_-]+))?")


def _partial_arn(function: str) -> Join:
    m = _PARTIAL.fullmatch(function)
    if m is None:
        raise ParameterError("FunctionName", f"FunctionName {function!r} is not a function "
                             f"name, a partial ARN ([region:]account:function:name, the account "
                             f"twelve digits) or an ARN, so Lambda would refuse it")
    region, account = m.group("region"), m.group("account")
    if region is None and account is None:
        return arn("lambda", "function:", m.group("name"))
    return join("arn:", PARTITION, ":lambda:", region or REGION, ":", account or ACCOUNT_ID,
                ":function:", m.group("name"))


@integration("lambda:invoke", (REQUEST_RESPONSE, TOKEN), "FunctionName (name, ARN, with or "
             "without qualifier) → the function's ARN and its qualifiers")
def _grants(c: Call) -> list[Allow]:
    return [lambda_function_grant(c.get("FunctionName"))]


@resource_arns("lambda")
def _function_resource(resource: Any, parsed: Arn) -> list[Allow] | None:
    """A Task whose Resource is the function's ARN itself (the older form)."""
    if re.fullmatch(r"function:[^:]+(:[^:]+)?", parsed.resource):
        return [lambda_function_grant(resource)]
    return None


__all__ = ["LambdaTask"]
