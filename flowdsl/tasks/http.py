"""``arn:aws:states:::http:invoke``: the HTTP Task, a call to an HTTPS API through an
EventBridge connection."""

from __future__ import annotations

import re
from typing import Any

from flowdsl.iam import Allow
from flowdsl.tasks.catalog import _ARN, REQUEST_RESPONSE, Call, arn, integration, known, param

# HTTP task ------------------------------------------------------------------------------------

@integration("http:invoke", (REQUEST_RESPONSE,),
             "states:InvokeHTTPEndpoint on this state machine; the EventBridge connection "
             "(Authentication.ConnectionArn) and its secret")
def _http(c: Call) -> list[Allow]:
    machine = c.context.state_machine_arn if c.context is not None \
        else arn("states", "stateMachine:*")
    out = [Allow("states:InvokeHTTPEndpoint", machine)]
    connection = param(c.get("Authentication"), "ConnectionArn")
    secret: Any = arn("secretsmanager", "secret:events!connection/*")
    if known(connection):
        out.append(Allow("events:RetrieveConnectionCredentials", connection))
        m = re.fullmatch(_ARN, connection) if isinstance(connection, str) else None
        if m and m.group("resource").startswith("connection/"):
            name = m.group("resource").split("/")[1]
            secret = arn("secretsmanager", f"secret:events!connection/{name}/*")
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, None if m else "ConnectionSecretNamedByEventBridge"))
    else:
        out.append(Allow("events:RetrieveConnectionCredentials", arn("events", "connection/*"),
                         "ConnectionChosenAtRunTime"))
        out.append(Allow(("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
                         secret, "ConnectionChosenAtRunTime"))
    return out
