"""``EventJob``: an EventBridge rule starts the state machine when a matching event arrives.

The rule matches an S3 "Object Created" event for a named bucket (``S3ObjectCreated``), or any
event pattern on a named bus (``EventPattern``). An optional input transformer shapes the
execution input; without one the execution receives the whole event envelope. The pattern and
the transformer are checked at build time. Locally, ``flowdsl run --event FILE`` checks the
event against the pattern and transforms it as EventBridge would; ``flowdsl sample-event``
prints an envelope that matches the pattern.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import attrs

from flowdsl.deployments.alarms import Metric, dlq_depth
from flowdsl.deployments.registry import (Choices, Deployment, Kind, LocalInput, LocalOption, Sample,
                                         Scaffold, register)
from flowdsl.deployments.versions import start_resources
from flowdsl.deployments.versions import target as started
from flowdsl.errors import FlowError
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.placeholders import iter_refs
from flowdsl.refs import Ref
from flowdsl.terraform_expr import Expr, Module, addr, output, prefixed, sqs_encryption


@frozen
class S3ObjectCreated:
    """S3 "Object Created" events of ``bucket`` (on the default bus), optionally only for keys
    starting with ``prefix`` and/or ending with ``suffix``. The bucket must send its events to
    EventBridge (its notification configuration's ``EventBridgeConfiguration``)."""

    bucket: str | Ref
    prefix: str | None = attrs.field(default=None, kw_only=True)
    suffix: str | None = attrs.field(default=None, kw_only=True)

    @property
    def bus(self) -> str:
        return "default"

    @property
    def pattern(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"bucket": {"name": [self.bucket]}}
        if self.prefix is not None and self.suffix is not None:
            escape = lambda s: s.replace("\\", "\\\\").replace("*", "\\*")  # noqa: E731
            detail["object"] = {"key": [{"wildcard": f"{escape(self.prefix)}*{escape(self.suffix)}"}]}
        elif self.prefix is not None:
            detail["object"] = {"key": [{"prefix": self.prefix}]}
        elif self.suffix is not None:
            detail["object"] = {"key": [{"suffix": self.suffix}]}
        return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}


@frozen
class EventPattern:
    """Any EventBridge event pattern, on the bus named ``bus`` (default: the account's default bus)."""

    pattern: dict[str, Any]
    bus: str | Ref = attrs.field(default="default", kw_only=True)


@frozen
class InputTransformer:
    """EventBridge's input transformer: ``paths`` name values of the event (JSONPath), and
    ``template`` (a JSON object, or the template text) uses them as ``<name>``. A placeholder
    inside quotes inserts the value as a string; outside quotes, as JSON. EventBridge also
    offers ``<aws.events.rule-arn>``, ``<aws.events.rule-name>``,
    ``<aws.events.event.ingestion-time>`` and ``<aws.events.event.json>``."""

    paths: dict[str, str]
    template: Any


@frozen
class EventRetry:
    """How EventBridge retries a failed StartExecution (API limits in brackets)."""

    max_attempts: int = 185  # [0, 185]
    max_event_age_seconds: int = 86400  # [60, 86400]


@frozen
class EventJob(Deployment):
    """Deploy the workflow as an event-driven job: EventBridge rule -> state machine."""

    on: S3ObjectCreated | EventPattern
    input: InputTransformer | None = attrs.field(default=None, kw_only=True)
    retry: EventRetry = attrs.field(factory=EventRetry, kw_only=True)
    dead_letter_queue: bool = attrs.field(default=True, kw_only=True)
    description: str | None = attrs.field(default=None, kw_only=True)


# ------------------------------------------------------------------------------ pattern checks

OPERATORS = ("anything-but", "cidr", "equals-ignore-case", "exists", "numeric", "prefix",
             "suffix", "wildcard")
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
PREDEFINED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
              "aws.events.event", "aws.events.event.json")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")
_INPUT_PATH = re.compile(r"\$(\.[A-Za-z0-9_@$-]+|\[\d+\]|\['[^']*'\]|\[\"[^\"]*\"\])*")


def check_pattern(pattern: Any, path: str = "pattern") -> Iterator[tuple[str, str]]:
    """(path, problem) for everything EventBridge would reject in ``pattern``."""
    if not isinstance(pattern, dict) or not pattern:
        yield path, "an event pattern is a non-empty JSON object"
        return
    for key, value in pattern.items():
        where = f"{path}.{key}"
        if not isinstance(key, str):
            yield where, "field names are strings"
        elif key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                yield where, "$or takes a list of at least two patterns"
                continue
            for i, alt in enumerate(value):
                yield from check_pattern(alt, f"{where}[{i}]")
        elif isinstance(value, dict):
            yield from check_pattern(value, where)
        elif isinstance(value, list):
            if not value:
                yield where, "an empty list matches nothing; list the values to match"
            for i, matcher in enumerate(value):
                problem = _check_matcher(matcher)
                if problem:
                    yield f"{where}[{i}]", problem
        else:
            yield where, (f"must be a list of values to match (e.g. [{json.dumps(value)}]) or a "
                          f"nested object, not {json.dumps(value) if _jsonable(value) else type(value).__name__}")


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _string_operand(value: Any) -> bool:
    if isinstance(value, (str, Ref)):
        return True
    return isinstance(value, dict) and list(value) == ["equals-ignore-case"] and isinstance(
        value["equals-ignore-case"], (str, Ref))


def _check_matcher(matcher: Any) -> str | None:
    if _jsonable(matcher) or isinstance(matcher, Ref):
        return None
    if not isinstance(matcher, dict):
        return f"a matcher is a value or an object with one operator, not {type(matcher).__name__}"
    if len(matcher) != 1:
        return f"a matcher object has exactly one operator, not {sorted(matcher)}"
    (op, arg), = matcher.items()
    if op not in OPERATORS:
        return f"unknown operator {op!r} (known: {', '.join(OPERATORS)})"
    if op in ("prefix", "suffix"):
        return None if _string_operand(arg) else f"{op} takes a string"
    if op in ("equals-ignore-case", "wildcard"):
        return None if isinstance(arg, (str, Ref)) else f"{op} takes a string"
    if op == "exists":
        return None if isinstance(arg, bool) else "exists takes true or false"
    if op == "cidr":
        try:
            ipaddress.ip_network(arg, strict=False)
        except (TypeError, ValueError):
            return f"cidr takes an IP network such as '10.0.0.0/24', not {arg!r}"
        return None
    if op == "numeric":
        if not isinstance(arg, list) or len(arg) not in (2, 4):
            return "numeric takes [operator, number] or [operator, number, operator, number]"
        for i in range(0, len(arg), 2):
            if arg[i] not in _NUMERIC_OPS:
                return f"numeric operator {arg[i]!r} is not one of {', '.join(_NUMERIC_OPS)}"
            if isinstance(arg[i + 1], bool) or not isinstance(arg[i + 1], (int, float)):
                return f"numeric compares with numbers, not {arg[i + 1]!r}"
        return None
    # anything-but
    if _jsonable(arg) or isinstance(arg, Ref):
        return None
    if isinstance(arg, list):
        return None if arg and all(_jsonable(a) or isinstance(a, Ref) for a in arg) else \
            "anything-but takes a value, a non-empty list of values, or a prefix/suffix/wildcard object"
    if isinstance(arg, dict) and len(arg) == 1 and next(iter(arg)) in (
            "prefix", "suffix", "equals-ignore-case", "wildcard"):
        return None
    return "anything-but takes a value, a non-empty list of values, or a prefix/suffix/wildcard object"


def _check(m: Module, d: EventJob) -> None:
    src = d.source
    if not isinstance(d.on, (S3ObjectCreated, EventPattern)):
        m.error("bad-event", "deployment.on",
                "on= takes S3ObjectCreated(bucket) or EventPattern({...}, bus=...)", src)
        return
    for where, problem in check_pattern(d.on.pattern, "deployment.on.pattern"):
        m.error("bad-event-pattern", where, problem, src)
    t = d.input
    if t is not None:
        for name, path in t.paths.items():
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or name.startswith("aws."):
                m.error("bad-input-transformer", f"deployment.input.paths.{name}",
                        f"{name!r} must be letters, digits, '_' or '-' (names starting 'aws.' are "
                        "EventBridge's)", src)
            if not isinstance(path, str) or not _INPUT_PATH.fullmatch(path):
                m.error("bad-input-transformer", f"deployment.input.paths.{name}",
                        f"{path!r} is not a JSON path into the event, e.g. '$.detail.object.key'", src)
        if len(t.paths) > 100:
            m.error("bad-input-transformer", "deployment.input.paths",
                    f"EventBridge allows 100 input paths, not {len(t.paths)}", src)
        text = template_text(t)
        if text is None:
            m.error("bad-input-transformer", "deployment.input.template",
                    "the template is a JSON object or text, without deploy-time references", src)
            return
        for name in _PLACEHOLDER.findall(text):
            if name not in t.paths and name not in PREDEFINED:
                m.error("bad-input-transformer", "deployment.input.template",
                        f"<{name}> is not one of the input paths ({', '.join(sorted(t.paths)) or 'none'})"
                        " or EventBridge's predefined values", src)
    for field in ("max_attempts", "max_event_age_seconds"):
        value, (low, high) = getattr(d.retry, field), {"max_attempts": (0, 185),
                                                       "max_event_age_seconds": (60, 86400)}[field]
        if not low <= value <= high:
            m.error("bad-event", f"deployment.retry.{field}",
                    f"EventBridge allows {low}-{high} for {field} (got {value})", src)


def template_text(t: InputTransformer) -> str | None:
    """The template as EventBridge receives it; None when it holds references."""
    if any(True for _ in iter_refs(t.template)):
        return None
    if isinstance(t.template, str):
        return t.template
    try:
        return json.dumps(t.template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------ terraform

def _terraform(m: Module) -> None:
    d: EventJob = m.deployment
    src = d.source
    _check(m, d)
    if not isinstance(d.on, (S3ObjectCreated, EventPattern)):
        return
    file = "events.tf.json"
    rule = addr("aws_cloudwatch_event_rule", "rule", "arn")
    # The rule does not refer to the role (its target does): the trust policy names the rule.
    m.role(file, "events", prefixed(m, "-EventsRole"), "events.amazonaws.com", "deployment", src,
           source_arn=rule)
    doc = m.policy_document(file, "events", (
        Allow(("states:StartExecution",), start_resources(m)),
    ), "deployment")
    attachment = m.policy(file, "events", prefixed(m, "-EventsPolicy"), "events", doc, "deployment", src)
    pattern = m.local(file, "event_pattern", d.on.pattern, "deployment.on.pattern")
    rule_body: dict[str, Any] = {
        "name": d.resource_name,
        "event_bus_name": d.on.bus,
        "event_pattern": Expr(f"jsonencode({pattern.text})"),
        "state": Expr('var.rule_enabled ? "ENABLED" : "DISABLED"'),
    }
    if d.description is not None:
        rule_body["description"] = d.description
    m.resource(file, "aws_cloudwatch_event_rule", "rule", rule_body, "deployment.on", src)
    target: dict[str, Any] = {
        "rule": addr("aws_cloudwatch_event_rule", "rule", "name"),
        "event_bus_name": d.on.bus,
        "target_id": "state-machine",
        "arn": started(m),
        "role_arn": addr("aws_iam_role", "events", "arn"),
        "retry_policy": {"maximum_event_age_in_seconds": d.retry.max_event_age_seconds,
                         "maximum_retry_attempts": d.retry.max_attempts},
        "depends_on": [attachment],
    }
    if d.input is not None:
        target["input_transformer"] = {"input_paths": dict(d.input.paths),
                                       "input_template": template_text(d.input) or ""}
    if d.dead_letter_queue:
        m.resource(file, "aws_sqs_queue", "dlq", {
            "name": prefixed(m, "-EventsDLQ"),
            "message_retention_seconds": 1209600,  # 14 days, the SQS maximum
            **sqs_encryption(),
        }, "deployment.dead_letter_queue", src)
        # EventBridge sends to a target's dead-letter queue under the queue's resource policy.
        queue_doc = m.policy_document(file, "events_dlq", (), "deployment.dead_letter_queue", extra={
            "statement": [{
                "effect": "Allow", "actions": ["sqs:SendMessage"],
                "resources": [addr("aws_sqs_queue", "dlq", "arn")],
                "principals": [{"type": "Service", "identifiers": ["events.amazonaws.com"]}],
                "condition": [{"test": "ArnEquals", "variable": "aws:SourceArn", "values": [rule]}],
            }]})
        m.resource(file, "aws_sqs_queue_policy", "dlq", {
            "queue_url": addr("aws_sqs_queue", "dlq", "url"),
            "policy": queue_doc,
        }, "deployment.dead_letter_queue", src)
        target["dead_letter_config"] = {"arn": addr("aws_sqs_queue", "dlq", "arn")}
    m.resource(file, "aws_cloudwatch_event_target", "state_machine", target, "deployment", src)


def _variables(d: EventJob) -> dict[str, dict[str, Any]]:
    return {"rule_enabled": {"type": "bool", "default": True, "nullable": False,
                             "description": "Whether the rule starts executions (false: DISABLED)"}}


def _alarms(m: Module) -> list[Metric]:
    """The rule's failed invocations (AWS/Events FailedInvocations: dimension RuleName on the
    default bus, EventBusName and RuleName on another,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html), and the
    dead-letter queue's depth."""
    d: EventJob = m.deployment
    if not isinstance(d.on, (S3ObjectCreated, EventPattern)):
        return []
    rule = addr("aws_cloudwatch_event_rule", "rule", "name")
    bus = d.on.bus
    dimensions: Any = {"RuleName": rule}
    if isinstance(bus, Ref):
        dimensions = Expr('merge({RuleName = aws_cloudwatch_event_rule.rule.name}, '
                          'aws_cloudwatch_event_rule.rule.event_bus_name == "default" ? {} : '
                          '{EventBusName = aws_cloudwatch_event_rule.rule.event_bus_name})')
    elif bus != "default":
        dimensions = {"EventBusName": bus, "RuleName": rule}
    out = [Metric("rule_failed_invocations", "AWS/Events", "FailedInvocations", dimensions,
                  "the rule failed to start the state machine")]
    return [*out, dlq_depth()] if d.dead_letter_queue else out


def _outputs(m: Module) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_arn": output("aws_cloudwatch_event_rule", "rule", "arn",
                           "ARN of the EventBridge rule that starts executions"),
        "rule_name": output("aws_cloudwatch_event_rule", "rule", "name", "Name of the EventBridge rule"),
        "events_role_arn": output("aws_iam_role", "events", "arn",
                                  "ARN of the IAM role the rule's target starts executions as"),
    }
    if m.deployment.dead_letter_queue:
        out["dlq_arn"] = output("aws_sqs_queue", "dlq", "arn", "ARN of the rule target's dead-letter queue")
        out["dlq_url"] = output("aws_sqs_queue", "dlq", "url", "URL of the rule target's dead-letter queue")
    return out


# ------------------------------------------------------------------------------------ matching

def mismatch(pattern: dict[str, Any], event: Any, path: str = "") -> str | None:
    """Why ``event`` does not match ``pattern`` (EventBridge's rules), or None if it matches."""
    if not isinstance(event, dict):
        return f"{path or 'the event'} is not an object"
    for key, want in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            reasons = [mismatch(alt, event, path) for alt in want]
            if all(reasons):
                return f"no alternative of {where} matches: {reasons[0]}"
            continue
        present = key in event
        value = event.get(key)
        if isinstance(want, dict):
            if not present:
                return f"{where} is missing"
            reason = mismatch(want, value, where)
            if reason:
                return reason
            continue
        if not present:
            if any(isinstance(mt, dict) and mt.get("exists") is False for mt in want):
                continue
            return f"{where} is missing (the pattern wants {json.dumps(want)})"
        values = value if isinstance(value, list) else [value]
        if not any(_matches(mt, v) for mt in want for v in values):
            return f"{where} is {json.dumps(value)}; the pattern wants {json.dumps(want)}"
    return None


def _matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        if isinstance(matcher, (int, float)) and not isinstance(matcher, bool) and \
                isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(matcher) == float(value)
        return matcher == value and type(matcher) is type(value)
    (op, arg), = matcher.items()
    if op == "exists":
        return arg is True
    if op in ("prefix", "suffix"):
        if not isinstance(value, str):
            return False
        fold = isinstance(arg, dict)
        text, probe = (value.lower(), arg["equals-ignore-case"].lower()) if fold else (value, arg)
        return text.startswith(probe) if op == "prefix" else text.endswith(probe)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == arg.lower()
    if op == "wildcard":
        return isinstance(value, str) and _wildcard(arg).fullmatch(value) is not None
    if op == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
        except (TypeError, ValueError):
            return False
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        checks = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__,
                  ">=": float.__ge__}
        return all(checks[arg[i]](float(value), float(arg[i + 1])) for i in range(0, len(arg), 2))
    # anything-but
    if isinstance(arg, list):
        return not any(_matches(a, value) for a in arg)
    if isinstance(arg, dict):
        return not _matches(arg, value)
    return not _matches(arg, value)


def _wildcard(text: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


# ------------------------------------------------------------------------------- sample events

def _sample_value(matchers: list[Any]) -> tuple[bool, Any]:
    """(present, value) that satisfies one of ``matchers``."""
    for mt in matchers:
        if not isinstance(mt, dict):
            return True, mt
        (op, arg), = mt.items()
        if op == "exists":
            return (True, "example") if arg else (False, None)
        if op == "prefix":
            return True, (arg["equals-ignore-case"] if isinstance(arg, dict) else arg) + "example"
        if op == "suffix":
            return True, "example" + (arg["equals-ignore-case"] if isinstance(arg, dict) else arg)
        if op == "equals-ignore-case":
            return True, arg
        if op == "wildcard":
            return True, re.sub(r"(?<!\\)\*", "example", arg).replace("\\*", "*").replace("\\\\", "\\")
        if op == "cidr":
            net = ipaddress.ip_network(arg, strict=False)
            return True, str(next(net.hosts(), net.network_address))
        if op == "numeric":
            return True, _numeric_sample(arg)
        if op == "anything-but":
            banned = arg if isinstance(arg, list) else [arg]
            if all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in banned):
                return True, max(banned) + 1
            for candidate in ("example", "sample", "other-value", "0", "x"):
                if _matches(mt, candidate):
                    return True, candidate
    return True, None


def _numeric_sample(arg: list[Any]) -> float | int:
    low, high = float("-inf"), float("inf")
    for i in range(0, len(arg), 2):
        op, n = arg[i], float(arg[i + 1])
        if op == "=":
            return arg[i + 1]
        if op in (">", ">="):
            low = n if op == ">=" else n + 0.5
        else:
            high = n if op == "<=" else n - 0.5
    if low == float("-inf"):
        return high if high != float("inf") else 0
    if high == float("inf"):
        return low
    value = (low + high) / 2
    return int(value) if value.is_integer() else value


def _fill(pattern: dict[str, Any], into: dict[str, Any]) -> None:
    for key, want in pattern.items():
        if key == "$or":
            _fill(want[0], into)
            continue
        if isinstance(want, dict):
            child = into.get(key)
            if not isinstance(child, dict):
                child = into[key] = {}
            _fill(want, child)
            continue
        present, value = _sample_value(want)
        if not present:
            into.pop(key, None)
        elif isinstance(into.get(key), list):
            into[key] = [value]
        else:
            into[key] = value


def sample_event(d: EventJob, request: LocalInput) -> dict[str, Any]:
    """An event envelope that the rule's pattern matches (values resolved for the run)."""
    pattern = request.resolve(d.on.pattern)
    stamp = request.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    event: dict[str, Any] = {
        "version": "0", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(pattern, sort_keys=True))),
        "detail-type": "Example", "source": "example", "account": request.account_id,
        "time": stamp, "region": request.region, "resources": [], "detail": {},
    }
    if isinstance(d.on, S3ObjectCreated):
        bucket = request.resolve(d.on.bucket)
        event["resources"] = [f"arn:{request.partition}:s3:::{bucket}"]
        event["detail"] = {
            "version": "0", "bucket": {"name": bucket},
            "object": {"key": "example.json", "size": 1024, "etag": "d41d8cd98f00b204e9800998ecf8427e",
                       "sequencer": "00617F08299329D189"},
            "request-id": "N4N7GDK58NMKJ12R", "requester": request.account_id,
            "source-ip-address": "203.0.113.15", "reason": "PutObject",
        }
    _fill(pattern, event)
    return event


def input_schema(d: EventJob, declared: Any) -> dict[str, Any] | None:
    """The event envelope as a JSON Schema, its ``detail`` the declared shape; None (not
    known) through an input transformer."""
    if d.input is not None:
        return None
    text = {"type": "string"}
    envelope: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {
        "version": text, "id": text, "detail-type": text, "source": text, "account": text,
        "time": text, "region": text, "resources": {"type": "array", "items": text},
        "detail": declared if declared is not None else {"type": "object"},
    }}
    envelope["required"] = list(envelope["properties"])
    return envelope


def event_input(d: EventJob, request: LocalInput) -> Any:
    """What EventBridge passes to StartExecution for the event in ``request.payload``."""
    event = request.payload
    pattern = request.resolve(d.on.pattern)
    reason = mismatch(pattern, event)
    if reason:
        raise FlowError(f"the event does not match the rule's pattern: {reason}")
    if d.input is None:
        return event
    return transform(d.input, event, request, request.resolve(d.resource_name))


def transform(t: InputTransformer, event: Any, request: LocalInput, rule: str) -> Any:
    values: dict[str, Any] = {name: _lookup(path, event) for name, path in t.paths.items()}
    values.update({
        "aws.events.rule-arn": f"arn:{request.partition}:events:{request.region}:{request.account_id}:rule/{rule}",
        "aws.events.rule-name": rule,
        "aws.events.event.ingestion-time": event.get("time") if isinstance(event, dict) else None,
        "aws.events.event": event, "aws.events.event.json": event,
    })
    text = template_text(t) or ""

    out = _substitute(text, values)
    try:
        return json.loads(out)
    except ValueError as e:
        raise FlowError(f"the input template does not give JSON for this event ({e}): {out}") from None


_INPUT_STEP = re.compile(r"\.([A-Za-z0-9_@$-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def _lookup(path: str, event: Any) -> Any:
    """The value an input path (``_INPUT_PATH``: names and indexes only) names in the event;
    None when it names nothing, as EventBridge gives null."""
    if not isinstance(path, str) or not _INPUT_PATH.fullmatch(path):
        return None
    value = event
    for step in _INPUT_STEP.finditer(path, 1):
        dotted, index, single, double = step.groups()
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return None
            value = value[int(index)]
        else:
            key = dotted if dotted is not None else single if single is not None else double
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
    return value


def _substitute(text: str, values: dict[str, Any]) -> str:
    """Fill in ``<name>`` placeholders: inside a JSON string a value is inserted as string
    content, elsewhere as JSON, as EventBridge does."""
    out: list[str] = []
    in_string, i = False, 0
    while i < len(text):
        c = text[i]
        match = _PLACEHOLDER.match(text, i) if c == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string and isinstance(value, str):
                out.append(json.dumps(value, ensure_ascii=False)[1:-1])
            elif in_string:
                out.append(json.dumps(json.dumps(value, ensure_ascii=False))[1:-1])
            else:
                out.append(json.dumps(value, ensure_ascii=False))
            i = match.end()
            continue
        if c == "\\" and in_string:
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        out.append(c)
        i += 1
    return "".join(out)


def _example(choose: Choices, resource_name: Any, common: dict[str, Any]) -> EventJob:
    on = choose.pick((S3ObjectCreated(choose.var("bucket"), prefix="in/"),
                      EventPattern({"source": ["shop"], "detail": {"total": [{"numeric": [">", 0]}]}},
                                   bus=choose.pick(("default", "orders")))))
    transformer = choose.pick((None, InputTransformer({"id": "$.id"}, {"id": "<id>"})))
    return EventJob(resource_name, on, input=transformer, dead_letter_queue=choose.flag(), **common)


EVENT = LocalOption(
    "event", takes="file",
    help="An EventJob's input: an event envelope (JSON file), matched against the rule's pattern and transformed.")

SCAFFOLD = Scaffold(
    name="event",
    starts="an event",
    summary="an EventBridge rule starts it for each new object in a bucket",
    deployment='EventJob(job_name, on=S3ObjectCreated(var("bucket_name")))',
    first_state='Pass("ReadEvent", parameters={"body.$": "States.JsonToString($.detail)"})',
    first_name="ReadEvent",
    run_hint=("    flowdsl sample-event workflows/__NAME__.py > event.json\n"
              "    flowdsl run workflows/__NAME__.py --event event.json\n"),
    test_start=('EVENT = {  # an S3 "Object Created" event that the rule matches\n'
                '    "source": "aws.s3",\n'
                '    "detail-type": "Object Created",\n'
                '    "detail": {"bucket": {"name": "app-local-input"}, "object": {"key": "a.csv"}},\n'
                '}\n'),
    test_input="event=EVENT",
    body_check='assert json.loads(result.output["body"])["object"]["key"] == "a.csv"',
    imports=("S3ObjectCreated",),
    variables='        Variable("bucket_name", description="New objects here start the job"),\n',
    values='        "bucket_name": "app-local-input",\n',
)


register(EventJob, Kind(
    name="event-driven", terraform=_terraform, variables=_variables, outputs=_outputs, alarms=_alarms,
    input_option="event", local_input=event_input, input_schema=input_schema,
    input_shape="an EventBridge rule (the event envelope, through the input transformer)",
    encrypts="the dead-letter queue, the log group and the state machine",
    options=(EVENT,), scaffold=SCAFFOLD,
    sample=Sample(sample_event, only="only an EventBridge rule has an event pattern"), example=_example, limits={"aws_cloudwatch_event_rule": 64}, rank=2,
    trigger=lambda d: (("EventBridge rule", ("bus ", d.on.bus), d.on.pattern),),
))
