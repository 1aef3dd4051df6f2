"""``ScheduledJob``: an EventBridge Scheduler schedule starts the state machine.

A schedule (``aws_scheduler_schedule``) in a schedule group, with a ``cron(...)``, ``rate(...)``
or one-time ``at(...)`` expression, a time zone, an optional flexible time window, a fixed
input, a retry policy and a dead-letter queue. Its role may start this state machine only.
The execution input is the schedule's fixed input, with EventBridge Scheduler's context
attributes (``<aws.scheduler.scheduled-time>``, ...) filled in: ``flowdsl run --scheduled``.
"""

from __future__ import annotations

import json
import re
import uuid
import zoneinfo
from datetime import datetime, timezone
from typing import Any

import attrs

from flowdsl.deployments.alarms import Metric, dlq_depth
from flowdsl.deployments.registry import Choices, Deployment, Kind, LocalInput, LocalOption, Scaffold, register
from flowdsl.deployments.versions import start_resources
from flowdsl.deployments.versions import target as started
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.placeholders import iter_refs, walk
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, join
from flowdsl.terraform_expr import Expr, Module, addr, kms_statement, output, prefixed, sqs_encryption

# EventBridge Scheduler's context attributes, replaced in the target input at each invocation.
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
SCHEDULE_ARN = "<aws.scheduler.schedule-arn>"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXECUTION_ID = "<aws.scheduler.execution-id>"
ATTEMPT_NUMBER = "<aws.scheduler.attempt-number>"

DEFAULT_INPUT = {"schedule_arn": SCHEDULE_ARN, "scheduled_time": SCHEDULED_TIME,
                 "execution_id": EXECUTION_ID}


@frozen
class ScheduleRetry:
    """How EventBridge Scheduler retries a failed StartExecution (API limits in brackets)."""

    max_attempts: int = 185  # [0, 185]
    max_event_age_seconds: int = 86400  # [60, 86400]


@frozen
class ScheduledJob(Deployment):
    """Deploy the workflow as a scheduled job: EventBridge Scheduler -> state machine.

    ``schedule`` is ``cron(min hour day-of-month month day-of-week year)``, ``rate(n unit)`` or
    ``at(yyyy-mm-ddThh:mm:ss)``, evaluated in ``timezone`` (an IANA name).
    ``flexible_window_minutes`` lets Scheduler start up to that many minutes late (1-1440;
    None: on time). ``input`` is the execution input; the default passes the schedule ARN, the
    scheduled time and the execution id. ``group`` puts the schedule in an existing schedule
    group; by default the module creates one named after the job.
    """

    schedule: str
    timezone: str = attrs.field(default="UTC", kw_only=True)
    flexible_window_minutes: int | None = attrs.field(default=None, kw_only=True)
    input: Any = attrs.field(factory=lambda: dict(DEFAULT_INPUT), kw_only=True)
    retry: ScheduleRetry = attrs.field(factory=ScheduleRetry, kw_only=True)
    dead_letter_queue: bool = attrs.field(default=True, kw_only=True)
    group: str | Ref | None = attrs.field(default=None, kw_only=True)
    description: str | None = attrs.field(default=None, kw_only=True)
    start_date: str | None = attrs.field(default=None, kw_only=True)  # 2030-01-01T00:00:00Z
    end_date: str | None = attrs.field(default=None, kw_only=True)


# ---------------------------------------------------------------------------------- expressions

_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}
# (name, low, high, names, extra single tokens allowed)
_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, {}),
)
_RATE = re.compile(r"rate\((\S+) (\S+)\)")
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")


def check_expression(expression: Any) -> str | None:
    """Why EventBridge Scheduler would reject ``expression``, or None when it is valid."""
    if not isinstance(expression, str):
        return "the schedule must be a literal cron(...), rate(...) or at(...) expression"
    if expression.startswith("cron(") and expression.endswith(")"):
        return _check_cron(expression[5:-1])
    if expression.startswith("rate("):
        return _check_rate(expression)
    if expression.startswith("at("):
        m = _AT.fullmatch(expression)
        if not m:
            return f"{expression!r}: an at() expression is at(yyyy-mm-ddThh:mm:ss)"
        try:
            datetime.fromisoformat(m.group(1))
        except ValueError as e:
            return f"{expression!r}: {e}"
        return None
    return f"{expression!r} is not a schedule expression: use cron(...), rate(...) or at(...)"


def _check_rate(expression: str) -> str | None:
    m = _RATE.fullmatch(expression)
    if not m:
        return f"{expression!r}: a rate() expression is rate(value unit), e.g. rate(5 minutes)"
    value, unit = m.groups()
    if not value.isdigit() or int(value) < 1:
        return f"{expression!r}: the rate's value must be a positive whole number"
    units = ("minute", "hour", "day")
    if unit.rstrip("s") not in units:
        return f"{expression!r}: the rate's unit must be minute(s), hour(s) or day(s)"
    if int(value) == 1 and unit.endswith("s"):
        return f"{expression!r}: a rate of 1 takes a singular unit ({unit[:-1]})"
    if int(value) > 1 and not unit.endswith("s"):
        return f"{expression!r}: a rate above 1 takes a plural unit ({unit}s)"
    return None


def _check_cron(body: str) -> str | None:
    parts = body.split()
    if len(parts) != 6:
        return (f"cron({body}) has {len(parts)} field(s); EventBridge cron expressions have 6: "
                "minutes hours day-of-month month day-of-week year")
    for (name, low, high, names), text in zip(_FIELDS, parts):
        problem = _check_field(name, text, low, high, names)
        if problem:
            return f"cron({body}): {name} {text!r}: {problem}"
    dom, dow = parts[2], parts[4]
    if (dom == "?") == (dow == "?"):
        return (f"cron({body}): exactly one of day-of-month and day-of-week must be '?' "
                f"(got {dom!r} and {dow!r})")
    return None


def _check_field(name: str, text: str, low: int, high: int, names: dict[str, int]) -> str | None:
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else "'?' is allowed only in day-of-month and day-of-week"
    for item in text.split(","):
        problem = _check_item(name, item, low, high, names)
        if problem:
            return problem
    return None


def _number(token: str, low: int, high: int, names: dict[str, int]) -> int | str:
    """The token's value, or a message."""
    value = names.get(token.upper()) if names else None
    if value is None:
        if not token.isdigit():
            return f"{token!r} is not a number" + (f" or a name ({', '.join(names)})" if names else "")
        value = int(token)
    if not low <= value <= high:
        return f"{value} is outside {low}-{high}"
    return value


def _check_item(name: str, item: str, low: int, high: int, names: dict[str, int]) -> str | None:
    if item == "":
        return "an empty list item"
    if name == "day-of-month" and item in ("L", "LW"):
        return None
    if name == "day-of-month" and item.endswith("W"):
        value = _number(item[:-1], low, high, names)
        return value if isinstance(value, str) else None
    if name == "day-of-week" and item.endswith("L") and len(item) > 1:
        value = _number(item[:-1], low, high, names)
        return value if isinstance(value, str) else None
    if name == "day-of-week" and item == "L":
        return None
    if name == "day-of-week" and "#" in item:
        day, _, nth = item.partition("#")
        value = _number(day, low, high, names)
        if isinstance(value, str):
            return value
        return None if nth in ("1", "2", "3", "4", "5") else f"'#{nth}': the week must be 1-5"
    base, slash, step = item.partition("/")
    if slash:
        if name == "day-of-week":
            return "'/' is not allowed in day-of-week"
        if not step.isdigit() or int(step) < 1:
            return f"the increment {step!r} must be a positive number"
    if base == "*":
        return None
    start, dash, end = base.partition("-")
    first = _number(start, low, high, names)
    if isinstance(first, str):
        return first
    if dash:
        last = _number(end, low, high, names)
        if isinstance(last, str):
            return last
    return None


def _check(m: Module, d: ScheduledJob) -> None:
    src = d.source
    problem = check_expression(d.schedule)
    if problem:
        m.error("bad-schedule", "deployment.schedule", problem, src)
    try:
        zoneinfo.ZoneInfo(d.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        m.error("bad-schedule", "deployment.timezone",
                f"{d.timezone!r} is not an IANA time zone (e.g. 'UTC', 'Asia/Tokyo')", src)
    w = d.flexible_window_minutes
    if w is not None and not (isinstance(w, int) and 1 <= w <= 1440):
        m.error("bad-schedule", "deployment.flexible_window_minutes",
                f"the flexible window must be 1-1440 minutes (got {w!r}); None starts on time", src)
    r = d.retry
    if not 0 <= r.max_attempts <= 185:
        m.error("bad-schedule", "deployment.retry.max_attempts",
                f"EventBridge Scheduler retries 0-185 times (got {r.max_attempts})", src)
    if not 60 <= r.max_event_age_seconds <= 86400:
        m.error("bad-schedule", "deployment.retry.max_event_age_seconds",
                f"the maximum event age must be 60-86400 seconds (got {r.max_event_age_seconds})", src)
    for field in ("start_date", "end_date"):
        value = getattr(d, field)
        if value is not None and _instant(value) is None:
            m.error("bad-schedule", f"deployment.{field}",
                    f"{value!r} is not a UTC timestamp like 2030-01-01T00:00:00Z", src)
    if d.start_date and d.end_date and _instant(d.start_date) and _instant(d.end_date) \
            and _instant(d.start_date) >= _instant(d.end_date):  # type: ignore[operator]
        m.error("bad-schedule", "deployment.end_date", "end_date must come after start_date", src)
    try:
        json.dumps(_literal(d.input))
    except (TypeError, ValueError) as e:
        m.error("bad-schedule", "deployment.input", f"the input must be JSON: {e}", src)


def _instant(value: str) -> datetime | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        return None
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _literal(value: Any) -> Any:
    """The input with every reference replaced by a placeholder (for JSON checks)."""
    return walk(value, lambda ref: "ref")


# ------------------------------------------------------------------------------------ terraform

def input_text(m: Module, value: Any) -> Any:
    """The schedule's input as JSON text. EventBridge Scheduler replaces ``<aws.scheduler.*>``
    in that text, so '<' and '>' must stay literal: Terraform's jsonencode writes them as
    \\u003c/\\u003e, so a literal input is encoded here, and one with references is
    jsonencode'd and its own escapes of them undone.

    Only jsonencode's escapes: a literal ``\\u003c`` in the input is written ``\\\\u003c``
    (an escaped backslash, then ``u003c``), which must stay. So each escaped backslash is first
    set aside as U+2028, a character jsonencode never writes (it escapes it), the escapes of
    '<', '>' and '&' are undone, and the backslashes put back. Scanning left to right, every
    pair of backslashes is one escaped backslash: no other escape has one as second character."""
    if not any(True for _ in iter_refs(value)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    local = m.local("scheduler.tf.json", "schedule_input", value, "deployment.input")
    out = f'replace(jsonencode({local.text}), "{_BACKSLASHES}", "{_ASIDE}")'
    for char, escaped in (("<", "u003c"), (">", "u003e"), ("&", "u0026")):
        out = f'replace({out}, "\\\\{escaped}", "{char}")'
    return Expr(f'replace({out}, "{_ASIDE}", "{_BACKSLASHES}")')


# HCL string literals: two backslashes, and U+2028 (which jsonencode always writes escaped).
_BACKSLASHES, _ASIDE = "\\\\\\\\", "\\u2028"


def _terraform(m: Module) -> None:
    d: ScheduledJob = m.deployment
    src = d.source
    _check(m, d)
    file = "scheduler.tf.json"
    statements = [Allow(("states:StartExecution",), start_resources(m))]
    if d.dead_letter_queue:
        m.resource(file, "aws_sqs_queue", "dlq", {
            "name": prefixed(m, "-SchedulerDLQ"),
            "message_retention_seconds": 1209600,  # 14 days, the SQS maximum
            **sqs_encryption(),
        }, "deployment.dead_letter_queue", src)
        statements.append(Allow(("sqs:SendMessage",), (addr("aws_sqs_queue", "dlq", "arn"),)))
    if d.group is None:
        m.resource(file, "aws_scheduler_schedule_group", "schedule", {
            "name": d.resource_name,
        }, "deployment.group", src)
        group: Any = addr("aws_scheduler_schedule_group", "schedule", "name")
    else:
        group = d.group
    # Scheduler acts for the schedule group (its ARN is the aws:SourceArn AWS recommends);
    # the group does not refer to the role, the schedule does.
    m.role(file, "scheduler", prefixed(m, "-SchedulerRole"), "scheduler.amazonaws.com",
           "deployment", src, source_arn=join("arn:", PARTITION, ":scheduler:", REGION, ":",
                                              ACCOUNT_ID, ":schedule-group/", group))
    doc = m.policy_document(file, "scheduler", tuple(statements), "deployment",
                            extra=kms_statement("kms:Decrypt", "kms:GenerateDataKey"))
    attachment = m.policy(file, "scheduler", prefixed(m, "-SchedulerPolicy"), "scheduler", doc,
                          "deployment", src)
    target: dict[str, Any] = {
        "arn": started(m),
        "role_arn": addr("aws_iam_role", "scheduler", "arn"),
        "input": input_text(m, d.input),
        "retry_policy": {"maximum_event_age_in_seconds": d.retry.max_event_age_seconds,
                         "maximum_retry_attempts": d.retry.max_attempts},
    }
    if d.dead_letter_queue:
        target["dead_letter_config"] = {"arn": addr("aws_sqs_queue", "dlq", "arn")}
    window: dict[str, Any] = {"mode": "OFF"}
    if d.flexible_window_minutes is not None:
        window = {"mode": "FLEXIBLE", "maximum_window_in_minutes": d.flexible_window_minutes}
    body: dict[str, Any] = {
        "name": d.resource_name,
        "group_name": group,
        "schedule_expression": d.schedule,
        "schedule_expression_timezone": d.timezone,
        "flexible_time_window": window,
        "state": Expr('var.schedule_enabled ? "ENABLED" : "DISABLED"'),
        "kms_key_arn": Expr("var.kms_key_arn"),
        "target": target,
        "depends_on": [attachment],
    }
    for field in ("description", "start_date", "end_date"):
        if getattr(d, field) is not None:
            body[field] = getattr(d, field)
    m.resource(file, "aws_scheduler_schedule", "schedule", body, "deployment", src)


def _variables(d: ScheduledJob) -> dict[str, dict[str, Any]]:
    return {"schedule_enabled": {"type": "bool", "default": True, "nullable": False,
                                 "description": "Whether the schedule starts executions "
                                                "(false: the schedule exists, DISABLED)"}}


def _alarms(m: Module) -> list[Metric]:
    """Target errors and dropped invocations of the schedule group (AWS/Scheduler, dimension
    ScheduleGroup: https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html),
    and the dead-letter queue's depth."""
    d: ScheduledJob = m.deployment
    group = {"ScheduleGroup": addr("aws_scheduler_schedule", "schedule", "group_name")}
    out = [Metric("schedule_target_errors", "AWS/Scheduler", "TargetErrorCount", group,
                  "the schedule group's targets returned errors"),
           Metric("schedule_invocations_dropped", "AWS/Scheduler", "InvocationDroppedCount", group,
                  "the schedule group dropped invocations after their retries")]
    return [*out, dlq_depth()] if d.dead_letter_queue else out


def _outputs(m: Module) -> dict[str, Any]:
    d: ScheduledJob = m.deployment
    out: dict[str, Any] = {
        "schedule_arn": output("aws_scheduler_schedule", "schedule", "arn",
                               "ARN of the EventBridge Scheduler schedule"),
        "schedule_name": output("aws_scheduler_schedule", "schedule", "name", "Name of the schedule"),
        "schedule_group_name": output("aws_scheduler_schedule", "schedule", "group_name",
                                      "Name of the schedule's group"),
        "scheduler_role_arn": output("aws_iam_role", "scheduler", "arn",
                                     "ARN of the IAM role the schedule starts executions as"),
    }
    if d.dead_letter_queue:
        out["dlq_arn"] = output("aws_sqs_queue", "dlq", "arn", "ARN of the schedule's dead-letter queue")
        out["dlq_url"] = output("aws_sqs_queue", "dlq", "url", "URL of the schedule's dead-letter queue")
    return out


# ------------------------------------------------------------------------------------ local run

def scheduled_input(d: ScheduledJob, request: LocalInput) -> Any:
    """The input the schedule delivers: its fixed input with the context attributes filled in.

    The scheduled time is the ``at()`` time of a one-time schedule, else the run's time.
    """
    text = json.dumps(request.resolve(d.input), sort_keys=True, ensure_ascii=False)
    when = request.time.astimezone(timezone.utc)
    at = _AT.fullmatch(d.schedule) if isinstance(d.schedule, str) else None
    if at:
        try:
            when = datetime.fromisoformat(at.group(1)).replace(tzinfo=zoneinfo.ZoneInfo(d.timezone))
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            pass
    name = request.resolve(d.resource_name)
    group = request.resolve(d.group) if d.group is not None else name
    arn = (f"arn:{request.partition}:scheduler:{request.region}:{request.account_id}:"
           f"schedule/{group}/{name}")
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = {SCHEDULE_ARN: arn, SCHEDULED_TIME: stamp,
              EXECUTION_ID: str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{stamp}")),
              ATTEMPT_NUMBER: "1"}
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def _example(choose: Choices, resource_name: Any, common: dict[str, Any]) -> ScheduledJob:
    return ScheduledJob(
        resource_name, choose.pick(("cron(0 3 * * ? *)", "cron(0/15 8-18 ? * MON-FRI *)", "rate(5 minutes)",
                                    "at(2030-01-01T00:00:00)")),
        timezone=choose.pick(("UTC", "Asia/Tokyo")),
        flexible_window_minutes=choose.pick((None, 15)),
        input=choose.pick(({"stage": choose.var("stage")}, {"fixed": True}, {"at": SCHEDULED_TIME})),
        dead_letter_queue=choose.flag(),
        group=choose.pick((None, "jobs")), **common)


SCHEDULED = LocalOption(
    "scheduled", takes="flag",
    help="A ScheduledJob's input: what its schedule delivers, context attributes filled in.")

SCAFFOLD = Scaffold(
    name="scheduled",
    starts="a schedule",
    summary="EventBridge Scheduler starts it at 03:00 UTC every day",
    deployment='ScheduledJob(job_name, schedule="cron(0 3 * * ? *)")',
    first_state='Pass("ReadInput", parameters={"body.$": "States.JsonToString($)"})',
    first_name="ReadInput",
    run_hint="    flowdsl run workflows/__NAME__.py --scheduled\n",
    test_input="scheduled=True",
    body_check='assert "scheduled_time" in json.loads(result.output["body"])',
)


register(ScheduledJob, Kind(
    name="scheduled", terraform=_terraform, variables=_variables, outputs=_outputs, alarms=_alarms,
    input_option="scheduled", local_input=scheduled_input,
    # its fixed input, which must fit the declared shape
    input_schema=lambda d, declared: {"const": d.input} if declared is None else
    {"allOf": [declared, {"const": d.input}]},
    input_shape="an EventBridge Scheduler schedule (its fixed input, context attributes filled in)",
    encrypts="the dead-letter queue, the schedule's input, the log group and the state machine",
    options=(SCHEDULED,), scaffold=SCAFFOLD, example=_example, rank=1,
    trigger=lambda d: (("EventBridge Scheduler schedule", d.schedule, ("time zone ", d.timezone)),),
    limits={"aws_scheduler_schedule": 64, "aws_scheduler_schedule_group": 64},
))
