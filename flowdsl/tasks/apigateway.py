"""``arn:aws:states:::apigateway:invoke``: call an API Gateway REST or HTTP API;
``ApiGatewayInvoke``.

The grant follows api-gateway-iam.md ("IAM policies for Amazon API Gateway"):
``execute-api:Invoke``, here scoped to the route the task calls,
``arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>``."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, Ref, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    Call,
    arn,
    compact,
    integration,
    inverse,
    suffix_of,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn

# <api-id>.execute-api.<region>.amazonaws.com (or .amazonaws.com.cn), optionally with a scheme
_ENDPOINT = r"(?:https://)?([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/?"


def _part(value: Any, upper: bool = False) -> tuple[Any, bool]:
    """A route part as it appears in the ARN, and whether the execution chooses it."""
    if value is DYNAMIC:
        return "*", True
    if value is MISSING:
        return "*", False
    if isinstance(value, str) and upper:
        return value.upper(), False
    return value, False


# api-gateway-iam.md: execute-api:Invoke; AWS's template takes every API of the account,
# the route is known here from ApiEndpoint, Stage, Method and Path
@integration("apigateway:invoke", offered("apigateway:invoke") or (),
             "ApiEndpoint, Stage, Method, Path → the route's execute-api ARN")
def _invoke(c: Call) -> list[Allow]:
    endpoint = c.get("ApiEndpoint")
    m = re.fullmatch(_ENDPOINT, endpoint) if isinstance(endpoint, str) else None
    if m is None:
        why = "ApiGatewayEndpointChosenAtRunTime" if endpoint is DYNAMIC \
            else "ApiGatewayEndpointIsNotAnExecuteApiHost"
        return [Allow("execute-api:Invoke", arn("execute-api", "*/*/*/*"), why)]
    api, region = m.group(1), m.group(2)
    stage, stage_dynamic = _part(c.get("Stage"))
    method, method_dynamic = _part(c.get("Method"), upper=True)
    path = c.get("Path")
    path_dynamic = path is DYNAMIC
    if path is MISSING:
        path = ""
    elif path is DYNAMIC:
        path = "*"
    elif isinstance(path, str):
        path = path.lstrip("/")
    route = join("arn:", PARTITION, f":execute-api:{region}:", ACCOUNT_ID, f":{api}/", stage,
                 "/", method, "/", path)
    dynamic = stage_dynamic or method_dynamic or path_dynamic
    return [Allow("execute-api:Invoke", route, "ApiGatewayRouteChosenAtRunTime" if dynamic else None)]


@frozen
class ApiGatewayInvoke(_TaskBase):
    """Call ``method`` ``path`` on the API at ``api_endpoint``
    (``<api-id>.execute-api.<region>.amazonaws.com``) in ``stage``, with ``headers``,
    ``query_parameters`` and ``request_body``; ``auth_type``: ``"NO_AUTH"``, ``"IAM_ROLE"``
    or ``"RESOURCE_POLICY"``. ``pattern``: ``"request_response"`` or
    ``"wait_for_task_token"``."""

    api_endpoint: str | Ref = attrs.field(kw_only=True)
    method: str = attrs.field(kw_only=True)
    stage: str | Ref | None = attrs.field(default=None, kw_only=True)
    path: str | None = attrs.field(default=None, kw_only=True)
    headers: JSON = attrs.field(default=None, kw_only=True)
    query_parameters: JSON = attrs.field(default=None, kw_only=True)
    request_body: JSON = attrs.field(default=None, kw_only=True)
    auth_type: str | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


_FIELDS = {"ApiEndpoint": "api_endpoint", "Method": "method", "Stage": "stage", "Path": "path",
           "Headers": "headers", "QueryParameters": "query_parameters",
           "RequestBody": "request_body", "AuthType": "auth_type"}


register(ApiGatewayInvoke, Integration(
    resource=lambda st: states_arn("apigateway:invoke" + suffix_of(st.pattern)),
    parameters=lambda st: compact({key: getattr(st, field) for key, field in _FIELDS.items()},
                                  st.options),
    inverse=inverse("apigateway:invoke", _FIELDS, required=("api_endpoint", "method")),
))


__all__ = ["ApiGatewayInvoke"]
