"""CloudWatch alarms for a deployment (``alarms=Alarms(topic=var("alarm_topic_arn"))``), every kind.

Every kind gets the state machine's execution alarms (``AWS/States``: ExecutionsFailed,
ExecutionsTimedOut, ExecutionThrottled, ExecutionsAborted; dimension StateMachineArn, the
state machine's own ARN also when an alias starts the executions). A kind adds the alarms of
its trigger with its ``Kind.alarms``: a list of :class:`Metric` (a dead-letter queue's depth,
a pipe's or a rule's failed deliveries, a schedule group's target errors). Each alarm notifies
the SNS topic ``Alarms.topic`` when it fires and, with ``ok_actions``, when it clears.

Module inputs (defaults from the model): ``alarms_enabled`` (false keeps the alarms but sends
nothing), ``alarm_period_seconds``, ``alarm_evaluation_periods``, ``alarm_threshold`` (events
in one period that raise an alarm) and ``dlq_alarm_threshold`` (messages waiting in a
dead-letter queue). Output ``alarm_names``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.terraform_expr import Expr, Module, addr, prefixed

__all__ = ["Alarms", "Metric", "dlq_depth"]


@frozen
class Alarms:
    """CloudWatch alarms on the state machine and its trigger, sent to the SNS topic ``topic``."""

    topic: str | Ref
    period_seconds: int = attrs.field(default=300, kw_only=True)  # a multiple of 60
    evaluation_periods: int = attrs.field(default=1, kw_only=True)
    threshold: int = attrs.field(default=1, kw_only=True)  # failures in one period
    dlq_threshold: int = attrs.field(default=1, kw_only=True)  # messages in a dead-letter queue
    ok_actions: bool = attrs.field(default=True, kw_only=True)


@frozen
class Metric:
    """One alarm: a CloudWatch metric as AWS publishes it, and what raises the alarm."""

    key: str  # the alarm's Terraform name and the suffix of its name ("executions_failed")
    namespace: str  # "AWS/States"
    name: str  # "ExecutionsFailed"
    dimensions: Any  # {dimension name: value}, or an Expr of such a map
    description: str
    statistic: str = "Sum"
    threshold: str = "alarm_threshold"  # the module input holding the threshold


# https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
# (execution metrics, dimension StateMachineArn)
def state_machine_metrics(m: Module) -> list[Metric]:
    arn = {"StateMachineArn": addr("aws_sfn_state_machine", "state_machine", "arn")}
    return [
        Metric("executions_failed", "AWS/States", "ExecutionsFailed", arn, "executions failed"),
        Metric("executions_timed_out", "AWS/States", "ExecutionsTimedOut", arn, "executions timed out"),
        Metric("execution_throttled", "AWS/States", "ExecutionThrottled", arn,
               "state transitions of executions were throttled"),
        Metric("executions_aborted", "AWS/States", "ExecutionsAborted", arn, "executions were aborted"),
    ]


def dlq_depth(queue: str = "dlq") -> Metric:
    """Messages waiting in the dead-letter queue ``aws_sqs_queue.<queue>``.
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html"""
    return Metric(f"{queue}_depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                  {"QueueName": addr("aws_sqs_queue", queue, "name")},
                  "messages are waiting in the dead-letter queue", statistic="Maximum",
                  threshold="dlq_alarm_threshold")


FILE = "alarms.tf.json"


def alarms_of(deployment: Any) -> Alarms | None:
    alarms = getattr(deployment, "alarms", None)
    return alarms if isinstance(alarms, Alarms) else None


def _check(m: Module, a: Alarms, src: Any) -> None:
    def bad(field: str, message: str) -> None:
        m.error("bad-alarms", f"deployment.alarms.{field}", message, src)

    if not (isinstance(a.period_seconds, int) and a.period_seconds >= 60 and a.period_seconds % 60 == 0):
        bad("period_seconds", f"the period must be a multiple of 60 seconds (got {a.period_seconds!r}): "
                              "the AWS services publish these metrics once a minute")
    if not (isinstance(a.evaluation_periods, int) and a.evaluation_periods >= 1):
        bad("evaluation_periods", f"evaluation_periods must be 1 or more (got {a.evaluation_periods!r})")
    elif isinstance(a.period_seconds, int) and a.period_seconds * a.evaluation_periods > 86400:
        bad("evaluation_periods", "CloudWatch evaluates at most one day (period_seconds x "
                                  f"evaluation_periods = {a.period_seconds * a.evaluation_periods})")
    for field in ("threshold", "dlq_threshold"):
        value = getattr(a, field)
        if not (isinstance(value, int) and value >= 1):
            bad(field, f"{field} must be 1 or more (got {value!r}): the alarm fires at that count")


def terraform(m: Module, trigger: Callable[[Module], Sequence[Metric]]) -> None:
    """The alarms of the state machine and of the trigger (the kind's ``Kind.alarms``)."""
    d = m.deployment
    a = alarms_of(d)
    if a is None:
        return
    src = getattr(d, "source", None)
    _check(m, a, src)
    names: dict[str, Any] = {}
    for metric in [*state_machine_metrics(m), *trigger(m)]:
        suffix = "".join(part.capitalize() for part in metric.key.split("_"))
        body: dict[str, Any] = {
            "alarm_name": prefixed(m, f"-{suffix}"),
            "alarm_description": f"{metric.namespace} {metric.name}: {metric.description}",
            "namespace": metric.namespace,
            "metric_name": metric.name,
            "dimensions": metric.dimensions,
            "statistic": metric.statistic,
            "period": Expr("var.alarm_period_seconds"),
            "evaluation_periods": Expr("var.alarm_evaluation_periods"),
            "threshold": Expr(f"var.{metric.threshold}"),
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            # these metrics are published only when something happens: no data is no trouble
            "treat_missing_data": "notBreaching",
            "actions_enabled": Expr("var.alarms_enabled"),
            "alarm_actions": [a.topic],
        }
        if a.ok_actions:
            body["ok_actions"] = [a.topic]
        m.resource(FILE, "aws_cloudwatch_metric_alarm", metric.key, body, "deployment.alarms", src)
        names[metric.key] = addr("aws_cloudwatch_metric_alarm", metric.key, "alarm_name")
    m.outputs["alarm_names"] = {"value": names}


def variables(deployment: Any) -> dict[str, dict[str, Any]]:
    a = alarms_of(deployment)
    if a is None:
        return {}

    def number(default: int, description: str, condition: str, message: str) -> dict[str, Any]:
        return {"type": "number", "default": default, "nullable": False, "description": description,
                "validation": [{"condition": Expr(condition), "error_message": message}]}

    return {
        "alarms_enabled": {"type": "bool", "default": True, "nullable": False,
                           "description": "Whether the alarms notify their SNS topic (false: "
                                          "they change state and send nothing)"},
        "alarm_period_seconds": number(
            a.period_seconds, "The period over which each alarm counts, in seconds",
            "var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0",
            "alarm_period_seconds is a multiple of 60."),
        "alarm_evaluation_periods": number(
            a.evaluation_periods, "Consecutive periods at or above the threshold that raise an alarm",
            "var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods",
            "alarm_evaluation_periods is a whole number, 1 or more."),
        "alarm_threshold": number(
            a.threshold, "Failed, timed-out, throttled or aborted executions (or failed deliveries "
                         "of the trigger) in one period that raise an alarm",
            "var.alarm_threshold >= 1", "alarm_threshold is 1 or more."),
        "dlq_alarm_threshold": number(
            a.dlq_threshold, "Messages waiting in a dead-letter queue that raise an alarm",
            "var.dlq_alarm_threshold >= 1", "dlq_alarm_threshold is 1 or more."),
    }
