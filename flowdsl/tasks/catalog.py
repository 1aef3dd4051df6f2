"""The catalog of Step Functions' optimized service integrations: for each ``service:action``
and each integration pattern, the IAM the state machine's role needs, scoped from the task's
``Parameters`` (or ``Arguments``).

The facts follow the "IAM policies for integrated services" pages of the Step Functions
developer guide. Where a value is only known when the execution runs (a ``.$`` key, a JSONata
expression, or a reference whose shape is unknown), the grant is the narrowest pattern that
still works (usually every such resource in the deploying account and region), and its
statement carries a ``sid`` that says why.

Everything here is data plus small pure functions; nothing is imported at build time beyond
what a workflow uses (the IAM dataset for ``aws-sdk:`` tasks lives in ``flowdsl.tasks.sdk``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Join, Ref, ResourceAttr, StateMachineArn, Var, join
from flowdsl.tasks.params import DYNAMIC, MISSING, REQUEST_RESPONSE, SYNC, SYNC2, TOKEN, known, param  # noqa: F401

# The integration patterns, by the suffix a Resource carries.
PATTERN_NAMES = {REQUEST_RESPONSE: "request-response", SYNC: ".sync", SYNC2: ".sync:2",
                 TOKEN: ".waitForTaskToken"}
# What a typed task's ``pattern=`` field takes, and the suffix it means.
PATTERNS = {"request_response": REQUEST_RESPONSE, "sync": SYNC, "sync:2": SYNC2,
            "wait_for_task_token": TOKEN}

# ``arn:<partition>:states:::<integration>``: literal or with the partition data source.
# (patterns as text: ``re`` compiles and caches them on first use, not at import)
_INTEGRATION = (r"arn:(?:aws[a-z-]*|\$\{data\.aws_partition\.current\.partition\}):"
                r"states:::(?P<rest>.+)")
_ARN = (r"arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):"
        r"(?P<account>[^:]*):(?P<resource>.+)")



def arn(service: str, *resource: str | Ref, region: bool = True, account: bool = True) -> Join:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` from the provider's data."""
    return join("arn:", PARTITION, f":{service}:", REGION if region else "", ":",
                ACCOUNT_ID if account else "", ":", *resource)


def sync_rule(name: str) -> Allow:
    """The managed EventBridge rule through which a ``.sync`` task learns its job finished."""
    return Allow(("events:DescribeRule", "events:PutRule", "events:PutTargets"),
                 (arn("events", f"rule/{name}"),))


class Call:
    """One task's call: the integration, its pattern, its parameters, the workflow's context
    (flowdsl.tasks.Context, or None outside a deployment). A plain class: nothing here is
    built at import time beyond the catalog's data."""

    __slots__ = ("service", "action", "pattern", "params", "context")

    def __init__(self, service: str, action: str, pattern: str, params: Any,
                 context: Any = None) -> None:
        self.service, self.action, self.pattern = service, action, pattern
        self.params, self.context = params, context

    def get(self, key: str) -> Any:
        """A parameter's value, ``DYNAMIC`` when the execution supplies it, or ``MISSING``."""
        return param(self.params, key)


class Spec:
    """An optimized integration: the patterns it supports, the grants it needs, and its
    resource scope in words (the README's table)."""

    __slots__ = ("patterns", "grants", "scope")

    def __init__(self, patterns: tuple[str, ...], grants: Callable[[Call], list[Allow]],
                 scope: str) -> None:
        self.patterns, self.grants, self.scope = patterns, grants, scope


CATALOG: dict[str, Spec] = {}


def integration(name: str, patterns: tuple[str, ...], scope: str) -> Callable[[Any], Any]:
    def register(fn: Callable[[Call], list[Allow]]) -> Callable[[Call], list[Allow]]:
        CATALOG[name] = Spec(patterns, fn, scope)
        return fn
    return register


# helpers ------------------------------------------------------------------------------------

def _split_qualifier(value: str | Ref, parts: int) -> str | Ref:
    """Drop a trailing ``:qualifier`` from a name or ARN that has ``parts`` ``:``-separated
    parts without it. In a join, a reference at the start stands for a whole name or ARN."""
    if isinstance(value, str):
        pieces = value.split(":")
        return ":".join(pieces[:parts]) if len(pieces) > parts else value
    if not isinstance(value, Join):
        return value
    whole = not isinstance(value.parts[0], str)
    limit = 0 if whole else parts - 1  # the colons the name or ARN itself holds
    seen = 0
    for i, part in enumerate(value.parts):
        if not isinstance(part, str):
            continue
        for j, ch in enumerate(part):
            if ch == ":":
                seen += 1
                if seen > limit:
                    return join(*value.parts[:i], part[:j])
    return value


def is_arn(value: Any) -> bool:
    """Whether a value holds an ARN rather than a name: literal text that starts with
    ``arn:``, a resource's ``arn`` attribute, a variable named ``..._arn``, or a join that
    starts with one of those."""
    if isinstance(value, str):
        return value.startswith("arn:")
    if isinstance(value, ResourceAttr):
        return value.attribute.startswith("arn")
    if isinstance(value, Var):
        return value.name.endswith("arn")
    if isinstance(value, Join):
        return is_arn(value.parts[0])
    return False


def _name_or_arn(value: Any, service: str, prefix: str) -> str | Ref:
    """A resource given by name or ARN, as an ARN (``prefix`` is e.g. ``table/``)."""
    return value if is_arn(value) else arn(service, prefix, value)


# Lambda ---------------------------------------------------------------------------------------

def lambda_function_grant(function: Any, sid: str | None = None) -> Allow:
    """Invoking a function is authorised on its ARN; ``fn:qualifier`` on ``fn:*``."""
    if function is MISSING or function is DYNAMIC:
        return Allow("lambda:InvokeFunction", arn("lambda", "function:*"),
                     sid or "LambdaFunctionChosenAtRunTime")
    if is_arn(function):
        base = _split_qualifier(function, 7)
    elif isinstance(function, str) and re.fullmatch(r"\d{12}:function:.+", function):
        acct, _, rest = function.split(":", 2)  # account:function:name[:qualifier]
        base = join("arn:", PARTITION, ":lambda:", REGION, f":{acct}:function:",
                    _split_qualifier(rest, 1))
    else:  # a name, perhaps with a qualifier
        base = arn("lambda", "function:", _split_qualifier(function, 1))
    return Allow("lambda:InvokeFunction", (base, join(base, ":*")), sid)


@integration("lambda:invoke", (REQUEST_RESPONSE, TOKEN), "FunctionName (name, ARN, with or "
             "without qualifier) → the function's ARN and its qualifiers")
def _lambda(c: Call) -> list[Allow]:
    return [lambda_function_grant(c.get("FunctionName"))]


# Batch ----------------------------------------------------------------------------------------

def _batch_definitions(value: Any) -> tuple[Any, ...]:
    if isinstance(value, ResourceAttr) and value.type == "aws_batch_job_definition":
        prefix = ResourceAttr(value.type, value.name, "arn_prefix")
        return (join(prefix, ":*"), prefix)  # every revision of a definition flowdsl creates
    if isinstance(value, str):
        full = value if value.startswith("arn:") else arn("batch", "job-definition/", value)
        return (full,) if re.search(_REVISION, value) else (full, join(full, ":*"))
    if is_arn(value):
        return (value,)
    full = arn("batch", "job-definition/", value)  # a name held by a reference
    return (full, join(full, ":*"))


_REVISION = r"(?:^|/)[^:/]+:\d+$"  # name:revision, alone or at an ARN's end


@integration("batch:submitJob", (REQUEST_RESPONSE, SYNC, TOKEN),
             "JobDefinition (every revision of one flowdsl creates) and JobQueue; .sync: "
             "TerminateJob on the account's jobs, DescribeJobs on * (it takes no resource), "
             "the managed rule")
def _batch(c: Call) -> list[Allow]:
    definition, queue = c.get("JobDefinition"), c.get("JobQueue")
    out: list[Allow] = []
    if known(definition) and known(queue):
        queue_arn = _name_or_arn(queue, "batch", "job-queue/")
        out.append(Allow("batch:SubmitJob", _batch_definitions(definition) + (queue_arn,)))
    else:
        out.append(Allow("batch:SubmitJob", (arn("batch", "job-definition/*"),
                                             arn("batch", "job-queue/*")),
                         "BatchJobOrQueueChosenAtRunTime"))
    if c.pattern == SYNC:
        out.append(Allow("batch:TerminateJob", arn("batch", "job/*")))
        # DescribeJobs has no resource-level permissions: AWS only accepts "*" for it.
        out.append(Allow("batch:DescribeJobs", "*"))
        out.append(sync_rule("StepFunctionsGetEventsForBatchJobsRule"))
    return out


# ECS / Fargate --------------------------------------------------------------------------------

def _task_definition(value: Any) -> tuple[Any, ...]:
    if isinstance(value, ResourceAttr) and value.type == "aws_ecs_task_definition":
        return (join(ResourceAttr(value.type, value.name, "arn_without_revision"), ":*"),)
    if isinstance(value, str):
        full = value if value.startswith("arn:") else arn("ecs", "task-definition/", value)
        return (full,) if re.search(_REVISION, value) else (join(full, ":*"),)
    if is_arn(value):
        return (value,)
    return (arn("ecs", "task-definition/", value, ":*"),)  # a family held by a reference


@integration("ecs:runTask", (REQUEST_RESPONSE, SYNC, TOKEN),
             "TaskDefinition (family → every revision); iam:PassRole on the task and execution "
             "roles; .sync: StopTask/DescribeTasks on the account's tasks, the managed rule")
def _ecs(c: Call) -> list[Allow]:
    definition = c.get("TaskDefinition")
    out: list[Allow] = []
    if known(definition):
        out.append(Allow("ecs:RunTask", _task_definition(definition)))
    else:
        out.append(Allow("ecs:RunTask", arn("ecs", "task-definition/*"),
                         "EcsTaskDefinitionChosenAtRunTime"))
    roles = _pass_roles(c)
    if roles is None:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "EcsTaskRolesNotKnownAtDeployTime", conditions=[_PASSED_TO_ECS]))
    elif roles:
        out.append(Allow("iam:PassRole", roles, conditions=[_PASSED_TO_ECS]))
    if c.pattern == SYNC:
        out.append(Allow(("ecs:DescribeTasks", "ecs:StopTask"), arn("ecs", "task/*/*")))
        out.append(sync_rule("StepFunctionsGetEventsForECSTaskRule"))
    return out


_PASSED_TO_ECS = ("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")


def _pass_roles(c: Call) -> tuple[Any, ...] | None:
    """The roles RunTask passes to ECS: the task definition's (when flowdsl creates it) and any
    in Overrides. ``None`` when a role is not known at deploy time."""
    definition = c.get("TaskDefinition")
    roles: list[Any] = []
    if isinstance(definition, ResourceAttr) and definition.type == "aws_ecs_task_definition":
        roles += [ResourceAttr("aws_iam_role", f"{definition.name}_task", "arn"),
                  ResourceAttr("aws_iam_role", f"{definition.name}_execution", "arn")]
    else:
        return None
    overrides = c.get("Overrides")
    if overrides is DYNAMIC:
        return None
    for key in ("TaskRoleArn", "ExecutionRoleArn"):
        value = param(overrides, key)
        if value is DYNAMIC:
            return None
        if value is not MISSING:
            roles.append(value)
    return tuple(roles)


# SNS, SQS, EventBridge ------------------------------------------------------------------------

@integration("sns:publish", (REQUEST_RESPONSE, TOKEN),
             "TopicArn or TargetArn; a PhoneNumber (SMS) takes *")
def _sns(c: Call) -> list[Allow]:
    for key in ("TopicArn", "TargetArn"):
        value = c.get(key)
        if known(value):
            return [Allow("sns:Publish", value)]
        if value is DYNAMIC:
            return [Allow("sns:Publish", arn("sns", "*"), "SnsTopicChosenAtRunTime")]
    if c.get("PhoneNumber") is not MISSING:
        # an SMS to a phone number is not a resource: AWS only accepts "*"
        return [Allow("sns:Publish", "*", "SnsSmsHasNoResource")]
    return [Allow("sns:Publish", arn("sns", "*"), "SnsTopicNotGiven")]


def queue_arn(url: Any) -> Any:
    """The queue's ARN from its URL, where that is known at deploy time."""
    if isinstance(url, str):
        m = re.fullmatch(r"https://sqs\.([a-z0-9-]+)\.[a-z0-9.]+/(\d{12})/([\w-]+(?:\.fifo)?)", url)
        if m:
            return join("arn:", PARTITION, f":sqs:{m.group(1)}:{m.group(2)}:{m.group(3)}")
        m = re.fullmatch(r"https://queue\.amazonaws\.com/(\d{12})/([\w-]+(?:\.fifo)?)", url)
        if m:
            return join("arn:", PARTITION, f":sqs:us-east-1:{m.group(1)}:{m.group(2)}")
    if isinstance(url, ResourceAttr) and url.type == "aws_sqs_queue":
        return ResourceAttr(url.type, url.name, "arn")
    return None


@integration("sqs:sendMessage", (REQUEST_RESPONSE, TOKEN),
             "QueueUrl → the queue's ARN")
def _sqs(c: Call) -> list[Allow]:
    url = c.get("QueueUrl")
    target = queue_arn(url) if known(url) else None
    if target is not None:
        return [Allow("sqs:SendMessage", target)]
    why = "SqsQueueUrlNotAnArnAtDeployTime" if known(url) else "SqsQueueChosenAtRunTime"
    return [Allow("sqs:SendMessage", arn("sqs", "*"), why)]


@integration("events:putEvents", (REQUEST_RESPONSE, TOKEN),
             "each entry's EventBusName (name or ARN; none → the default bus)")
def _events(c: Call) -> list[Allow]:
    entries = c.get("Entries")
    if not isinstance(entries, list):
        return [Allow("events:PutEvents", arn("events", "event-bus/*"), "EventBusChosenAtRunTime")]
    buses: list[Any] = []
    for entry in entries:
        bus = param(entry, "EventBusName")
        if bus is DYNAMIC:
            return [Allow("events:PutEvents", arn("events", "event-bus/*"),
                          "EventBusChosenAtRunTime")]
        buses.append(arn("events", "event-bus/default") if bus is MISSING
                     else _name_or_arn(bus, "events", "event-bus/"))
    return [Allow("events:PutEvents", tuple(buses) or arn("events", "event-bus/default"))]


# DynamoDB -------------------------------------------------------------------------------------

def _dynamodb(action: str) -> Callable[[Call], list[Allow]]:
    def grants(c: Call) -> list[Allow]:
        table = c.get("TableName")
        if known(table):
            return [Allow(f"dynamodb:{action}", _name_or_arn(table, "dynamodb", "table/"))]
        return [Allow(f"dynamodb:{action}", arn("dynamodb", "table/*"),
                      "DynamodbTableChosenAtRunTime")]
    return grants


for _action in ("getItem", "putItem", "updateItem", "deleteItem"):
    integration(f"dynamodb:{_action}", (REQUEST_RESPONSE,), "TableName → the table's ARN")(
        _dynamodb(_action[0].upper() + _action[1:]))


# Step Functions -------------------------------------------------------------------------------

def _executions_of(machine: Any) -> Any:
    """``execution:<name>:*`` for a state machine ARN, where its name is known."""
    if isinstance(machine, str):
        m = re.fullmatch(_ARN, machine)
        if m and m.group("resource").startswith("stateMachine:"):
            name = m.group("resource").split(":", 2)[1]
            return join(f"arn:{m.group('partition')}:states:{m.group('region')}:"
                        f"{m.group('account')}:execution:{name}:*")
    if isinstance(machine, ResourceAttr) and machine.type == "aws_sfn_state_machine":
        return arn("states", "execution:",
                   ResourceAttr(machine.type, machine.name, "name"), ":*")
    if isinstance(machine, StateMachineArn):  # another flowdsl workflow: other.arn
        return machine.executions
    return None


@integration("states:startExecution", (REQUEST_RESPONSE, SYNC, SYNC2, TOKEN),
             "StateMachineArn; .sync: DescribeExecution/StopExecution on its executions, "
             "the managed rule")
def _sfn(c: Call) -> list[Allow]:
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


# Glue -----------------------------------------------------------------------------------------

@integration("glue:startJobRun", (REQUEST_RESPONSE, SYNC),
             "JobName → the job's ARN; .sync polls: GetJobRun/GetJobRuns/BatchStopJobRun")
def _glue(c: Call) -> list[Allow]:
    name = c.get("JobName")
    job = arn("glue", "job/", name) if known(name) else arn("glue", "job/*")
    sid = None if known(name) else "GlueJobChosenAtRunTime"
    actions = ("glue:StartJobRun",)
    if c.pattern == SYNC:
        actions += ("glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns")
    return [Allow(actions, job, sid)]


# Athena ---------------------------------------------------------------------------------------

# Athena reads the tables a query names through Glue's Data Catalog, and S3 where they live.
_GLUE_DATABASES = ("glue:CreateDatabase", "glue:GetDatabase", "glue:GetDatabases",
                   "glue:UpdateDatabase")
_GLUE_TABLES = ("glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:BatchDeleteTable",
                "glue:BatchGetPartition", "glue:CreatePartition", "glue:CreateTable",
                "glue:DeletePartition", "glue:DeleteTable", "glue:GetPartition",
                "glue:GetPartitions", "glue:GetTable", "glue:GetTables", "glue:UpdatePartition",
                "glue:UpdateTable")
_S3_BUCKETS = ("s3:CreateBucket", "s3:GetBucketLocation", "s3:ListBucket",
               "s3:ListBucketMultipartUploads")
_S3_OBJECTS = ("s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts",
               "s3:PutObject")


def _athena_data() -> list[Allow]:
    """What a query's own tables need; they are named in its SQL, so account-wide, as AWS's
    generated policies grant them."""
    catalog, databases = arn("glue", "catalog"), arn("glue", "database/*")
    tables, functions = arn("glue", "table/*/*"), arn("glue", "userDefinedFunction/*/*")
    return [
        Allow(_S3_BUCKETS, arn("s3", "*", region=False, account=False), "AthenaDataInQueryText"),
        Allow(_S3_OBJECTS, arn("s3", "*/*", region=False, account=False), "AthenaDataInQueryText"),
        Allow(_GLUE_DATABASES, (catalog, databases), "AthenaTablesInQueryText"),
        Allow(_GLUE_TABLES, (catalog, databases, tables), "AthenaTablesInQueryText"),
        Allow("glue:DeleteDatabase", (catalog, databases, tables, functions),
              "AthenaTablesInQueryText"),
        Allow("lakeformation:GetDataAccess", "*", "LakeFormationHasNoResource"),
    ]


def _workgroup(c: Call) -> tuple[Any, str | None]:
    group = c.get("WorkGroup")
    if group is MISSING:
        return arn("athena", "workgroup/primary"), None
    if group is DYNAMIC:
        return arn("athena", "workgroup/*"), "AthenaWorkGroupChosenAtRunTime"
    return arn("athena", "workgroup/", group), None


@integration("athena:startQueryExecution", (REQUEST_RESPONSE, SYNC),
             "WorkGroup (none → primary) and the data catalogs; the query's tables and S3 "
             "locations are in its SQL, so Glue's catalog, S3 and Lake Formation are granted "
             "account-wide, as AWS's generated policies do")
def _athena_start(c: Call) -> list[Allow]:
    group, sid = _workgroup(c)
    actions = ("athena:StartQueryExecution",)
    if c.pattern == SYNC:
        actions += ("athena:GetQueryExecution", "athena:StopQueryExecution")
    return [Allow(actions, group, sid),
            Allow("athena:GetDataCatalog", arn("athena", "datacatalog/*"), "AthenaCatalogInQueryText"),
            *_athena_data()]


def _athena_query(action: str, extra: tuple[str, ...] = ()) -> Callable[[Call], list[Allow]]:
    def grants(c: Call) -> list[Allow]:
        # the call names a query execution id, which belongs to a work group AWS looks up
        out = [Allow(f"athena:{action}", arn("athena", "workgroup/*"), "AthenaQueryIdChosenAtRunTime")]
        if extra:
            out.append(Allow(extra, arn("s3", "*/*", region=False, account=False),
                             "AthenaResultsLocationInQuery"))
        return out
    return grants


integration("athena:getQueryExecution", (REQUEST_RESPONSE,), "the account's work groups")(
    _athena_query("GetQueryExecution"))
integration("athena:getQueryResults", (REQUEST_RESPONSE,),
            "the account's work groups; s3:GetObject on the result location")(
    _athena_query("GetQueryResults", ("s3:GetObject",)))
integration("athena:stopQueryExecution", (REQUEST_RESPONSE,), "the account's work groups")(
    _athena_query("StopQueryExecution"))


# CodeBuild ------------------------------------------------------------------------------------

@integration("codebuild:startBuild", (REQUEST_RESPONSE, SYNC),
             "ProjectName → the project's ARN; .sync: StopBuild/BatchGetBuilds/BatchGetReports, "
             "the managed rule")
def _codebuild(c: Call) -> list[Allow]:
    name = c.get("ProjectName")
    project = _name_or_arn(name, "codebuild", "project/") if known(name) \
        else arn("codebuild", "project/*")
    sid = None if known(name) else "CodebuildProjectChosenAtRunTime"
    actions = ("codebuild:StartBuild",)
    out = []
    if c.pattern == SYNC:
        actions += ("codebuild:BatchGetBuilds", "codebuild:StopBuild")
        # the build's reports go to report groups its buildspec names
        out.append(Allow("codebuild:BatchGetReports", arn("codebuild", "report-group/*"),
                         "CodebuildReportGroupsInBuildspec"))
        out.append(sync_rule("StepFunctionsGetEventsForCodeBuildStartBuildRule"))
    return [Allow(actions, project, sid), *out]


# Resources ------------------------------------------------------------------------------------

def resource_text(resource: Any) -> str | None:
    """A Resource as text (references in template syntax), or None for a bare reference."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, Join):
        from flowdsl.placeholders import template

        return template(resource)
    return None


def split(resource: str) -> tuple[str, str, str] | None:
    """``(service, action, pattern suffix)`` of a service integration, or None for another
    kind of resource. ``aws-sdk:s3:getObject`` gives ``("aws-sdk", "s3:getObject", ...)``."""
    m = re.fullmatch(_INTEGRATION, resource)
    if not m:
        return None
    rest = m.group("rest")
    name, dot, suffix = rest.partition(".")
    service, _, action = name.partition(":")
    return service, action, dot + suffix


def check(resource: str) -> str | None:
    """What is wrong with a service integration Resource, with a did-you-mean; None if fine
    (or if it is not a service integration)."""
    parts = split(resource)
    if parts is None:
        return None
    service, action, suffix = parts
    if service == "aws-sdk":
        from flowdsl.tasks import sdk

        return sdk.check(action, suffix)
    name = f"{service}:{action}"
    spec = CATALOG.get(name)
    if spec is None:
        hint = _did_you_mean(name, CATALOG)
        return (f"{name!r} is not a Step Functions optimized integration{hint}; "
                f"for any other API use 'arn:aws:states:::aws-sdk:<service>:<apiAction>'")
    if suffix not in spec.patterns:
        allowed = ", ".join(PATTERN_NAMES[p] for p in spec.patterns)
        hint = _did_you_mean(suffix, [p for p in spec.patterns if p])
        return (f"{name} does not support the {suffix!r} pattern{hint} "
                f"(it supports {allowed})")
    return None


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_LAMBDA_ARN = r"arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?"
_ACTIVITY_ARN = r"arn:[^:]+:states:[^:]*:[^:]*:activity:.+"


def grants(resource: Any, params: Any, context: Any = None) -> list[Allow] | None:
    """What a task with this Resource and these Parameters needs; None when nobody knows."""
    text = resource_text(resource)
    if text is None:
        return None
    parts = split(text)
    if parts is None:
        if re.fullmatch(_LAMBDA_ARN, text):
            return [lambda_function_grant(resource)]
        if re.fullmatch(_ACTIVITY_ARN, text):
            return []  # workers poll the activity with their own credentials
        return None
    service, action, suffix = parts
    if service == "aws-sdk":
        from flowdsl.tasks import sdk

        return sdk.grants(action, suffix, params)
    spec = CATALOG.get(f"{service}:{action}")
    if spec is None or suffix not in spec.patterns:
        return None
    return spec.grants(Call(service, action, suffix, params, context))


def pattern_of(resource: Any, name: str) -> str | None:
    """The pattern suffix when ``resource`` is the integration ``name`` (any partition)."""
    text = resource_text(resource)
    parts = split(text) if text is not None else None
    if parts is None or f"{parts[0]}:{parts[1]}" != name:
        return None
    return parts[2]


def pattern_field(suffix: str) -> str:
    """The typed classes' ``pattern=`` value for a suffix."""
    return {v: k for k, v in PATTERNS.items()}[suffix]


def take(params: Any, fields: dict[str, str], rest: str | None = None) -> dict[str, Any] | None:
    """Keyword arguments from Parameters, by ASL key -> field name; the keys (or ``.$`` forms)
    these fields cannot express go into the ``rest`` field (the class's ``options``), or,
    without one, give None."""
    if not isinstance(params, dict):
        return None
    out: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for key, value in params.items():
        if key in fields:
            out[fields[key]] = value
        elif rest is None:
            return None
        else:
            others[key] = value
    if others:
        out[rest] = others
    return out


def suffix_of(pattern: str) -> str:
    """A typed task's ``pattern=`` as a Resource suffix (an unknown one is kept, and the
    validator reports it with a did-you-mean)."""
    return PATTERNS[pattern] if pattern in PATTERNS else f".{pattern}"


def compact(pairs: dict[str, Any], options: Any = None) -> dict[str, Any]:
    """Parameters without the fields left out (None), then ``options`` (API fields the class
    does not model) on top."""
    out = {k: v for k, v in pairs.items() if v is not None}
    if isinstance(options, dict):
        out.update(options)
    return out


def inverse(name: str, fields: dict[str, str], required: tuple[str, ...] = (),
            patterns: bool = True) -> Callable[[str, Any], dict[str, Any] | None]:
    """An inverse for a typed class whose Parameters map key by key onto its fields, and
    whose ``options`` holds the API fields it does not model."""
    def invert(resource: str, params: Any) -> dict[str, Any] | None:
        suffix = pattern_of(resource, name)
        if suffix is None or suffix not in CATALOG[name].patterns:
            return None
        kwargs = take(params, fields, rest="options")
        if kwargs is None or not set(required) <= set(kwargs):
            return None
        if patterns:
            kwargs["pattern"] = pattern_field(suffix)
        return kwargs
    return invert


# Integrations in modules of their own --------------------------------------------------------
# (imported by name, as flowdsl.tasks.load_all does: each imports this module's helpers)
import importlib as _importlib  # noqa: E402

for _module in ("apigateway", "bedrock", "databrew", "eks", "emr", "emr_containers",
                "emr_serverless", "http", "mediaconvert", "sagemaker"):
    _importlib.import_module(f"flowdsl.tasks.{_module}")
