"""``arn:aws:states:::http:invoke``: the HTTP Task, a call to an HTTPS API through an
EventBridge connection; ``HttpInvoke``.

The grants follow connect-third-party-apis.md ("IAM permissions to run an HTTP Task"):
``states:InvokeHTTPEndpoint`` on the state machine, under the ``states:HTTPMethod`` and
``states:HTTPEndpoint`` conditions; ``events:RetrieveConnectionCredentials`` on the
connection; the connection's secret."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    parse_arn,
    Call,
    arn,
    compact,
    integration,
    inverse,
    known,
    param,
    suffix_of,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn


def _conditions(c: Call) -> list[tuple[str, str, Any]]:
    """AWS's conditions on the call: the method, and the endpoint (the ApiEndpoint and any
    path below it) where they are known at deploy time."""
    out: list[tuple[str, str, Any]] = []
    method = c.get("Method")
    if known(method):
        out.append(("StringEquals", "states:HTTPMethod", method))
    endpoint = c.get("ApiEndpoint")
    if isinstance(endpoint, str):
        base = endpoint.rstrip("/")
        out.append(("StringLike", "states:HTTPEndpoint", (base, f"{base}/*")))
    return out


@integration("http:invoke", offered("http:invoke") or (),
             "states:InvokeHTTPEndpoint on this state machine, conditioned on Method and "
             "ApiEndpoint; the EventBridge connection (Authentication.ConnectionArn) and its "
             "secret")
def _http(c: Call) -> list[Allow]:
    machine = c.context.state_machine_arn if c.context is not None \
        else arn("states", "stateMachine:*")
    out = [Allow("states:InvokeHTTPEndpoint", machine, conditions=_conditions(c))]
    connection = param(c.get("Authentication"), "ConnectionArn")
    secret: Any = arn("secretsmanager", "secret:events!connection/*")
    if known(connection):
        out.append(Allow("events:RetrieveConnectionCredentials", connection))
        m = parse_arn(connection) if isinstance(connection, str) else None
        if m and m.resource.startswith("connection/"):
            # AWS's policy grants secret:events!connection/* in any account and region;
            # EventBridge keeps a connection's secret beside it (its account and region)
            # and names it events!connection/<connection name>/<id>
            name = m.resource.split("/")[1]
            secret = (f"arn:{m.partition}:secretsmanager:{m.region}:{m.account}:"
                      f"secret:events!connection/{name}/*")
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, "SecretOfTheConnection" if m else
                         "ConnectionSecretNamedByEventBridge"))
    else:
        out.append(Allow("events:RetrieveConnectionCredentials", arn("events", "connection/*"),
                         "ConnectionChosenAtRunTime"))
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, "ConnectionChosenAtRunTime"))
    return out


@frozen
class HttpInvoke(_TaskBase):
    """Call ``method`` on ``api_endpoint`` (an HTTPS URL) with the EventBridge connection
    ``connection_arn`` for its credentials, sending ``headers``, ``query_parameters`` and
    ``request_body``; ``transform``: ``{"RequestBodyEncoding": "URL_ENCODED", ...}``."""

    api_endpoint: str | Ref = attrs.field(kw_only=True)
    method: str = attrs.field(kw_only=True)
    connection_arn: str | Ref = attrs.field(kw_only=True)
    headers: JSON = attrs.field(default=None, kw_only=True)
    query_parameters: JSON = attrs.field(default=None, kw_only=True)
    request_body: JSON = attrs.field(default=None, kw_only=True)
    transform: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _parameters(st: HttpInvoke) -> dict[str, Any]:
    return compact({"ApiEndpoint": st.api_endpoint, "Method": st.method,
                    "Authentication": {"ConnectionArn": st.connection_arn},
                    "Headers": st.headers, "QueryParameters": st.query_parameters,
                    "RequestBody": st.request_body, "Transform": st.transform}, st.options)


_simple = inverse("http:invoke", {"ApiEndpoint": "api_endpoint", "Method": "method",
                                  "Authentication": "authentication", "Headers": "headers",
                                  "QueryParameters": "query_parameters",
                                  "RequestBody": "request_body", "Transform": "transform"},
                  required=("api_endpoint", "method", "authentication"))


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    kwargs = _simple(resource, params)
    if kwargs is None:
        return None
    auth = kwargs.pop("authentication")
    if not isinstance(auth, dict) or set(auth) != {"ConnectionArn"}:
        return None
    return {**kwargs, "connection_arn": auth["ConnectionArn"]}


register(HttpInvoke, Integration(
    resource=lambda st: states_arn("http:invoke" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
))


__all__ = ["HttpInvoke"]
