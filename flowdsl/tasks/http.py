"""``arn:aws:states:::http:invoke``: the IAM an HTTP task needs. No typed class yet: a plain
``Task`` with this Resource gets these grants."""

from __future__ import annotations

from typing import Any

from flowdsl.iam import Allow
from flowdsl.tasks.registry import REQUEST_RESPONSE, Call, arn, integration, known, param, parse_arn


@integration("http:invoke", (REQUEST_RESPONSE,),
             "states:InvokeHTTPEndpoint on this state machine; the EventBridge connection "
             "(Authentication.ConnectionArn) and its secret")
def _invoke(c: Call) -> list[Allow]:
    machine = c.context.state_machine_arn if c.context is not None \
        else arn("states", "stateMachine:*")
    out = [Allow("states:InvokeHTTPEndpoint", machine)]
    connection = param(c.get("Authentication"), "ConnectionArn")
    secret: Any = arn("secretsmanager", "secret:events!connection/*")
    if known(connection):
        out.append(Allow("events:RetrieveConnectionCredentials", connection))
        parsed = parse_arn(connection) if isinstance(connection, str) else None
        if parsed and parsed.resource.startswith("connection/"):
            name = parsed.resource.split("/")[1]
            secret = arn("secretsmanager", f"secret:events!connection/{name}/*")
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, None if parsed else "ConnectionSecretNamedByEventBridge"))
    else:
        out.append(Allow("events:RetrieveConnectionCredentials", arn("events", "connection/*"),
                         "ConnectionChosenAtRunTime"))
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, "ConnectionChosenAtRunTime"))
    return out


__all__: list[str] = []
