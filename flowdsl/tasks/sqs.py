"""``arn:aws:states:::sqs:sendMessage``: send a message to an SQS queue."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import PARTITION, Ref, ResourceAttr, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    REQUEST_RESPONSE,
    TOKEN,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    register,
    states_arn,
    suffix_of,
)


@frozen
class SqsSendMessage(_TaskBase):
    """Send ``message_body`` to the queue at ``queue_url``. With ``pattern=
    "wait_for_task_token"`` the consumer reports back with ``$$.Task.Token``; a callback whose
    queue URL is literal text (or a queue's ``url`` attribute) is granted on that queue."""

    queue_url: str | Ref = attrs.field(kw_only=True)
    message_body: JSON = attrs.field(kw_only=True)
    delay_seconds: int | None = attrs.field(default=None, kw_only=True)
    message_group_id: str | Ref | None = attrs.field(default=None, kw_only=True)
    message_attributes: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _parameters(st: SqsSendMessage) -> dict[str, Any]:
    return compact({"QueueUrl": st.queue_url, "MessageBody": st.message_body,
                    "DelaySeconds": st.delay_seconds, "MessageGroupId": st.message_group_id,
                    "MessageAttributes": st.message_attributes}, st.options)


def _example(s: Sampler) -> dict[str, Any]:
    token = s.flag()
    return {"queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/callbacks",
            "message_body": {"token.$": "$$.Task.Token"} if token else {"n": 1},
            "pattern": "wait_for_task_token" if token else "request_response"}


register(SqsSendMessage, Integration(
    resource=lambda st: states_arn("sqs:sendMessage" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=inverse("sqs:sendMessage", {"QueueUrl": "queue_url", "MessageBody": "message_body",
                                        "DelaySeconds": "delay_seconds",
                                        "MessageGroupId": "message_group_id",
                                        "MessageAttributes": "message_attributes"},
                    required=("queue_url", "message_body")),
    example=_example,
))


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
def _grants(c: Call) -> list[Allow]:
    url = c.get("QueueUrl")
    target = queue_arn(url) if known(url) else None
    if target is not None:
        return [Allow("sqs:SendMessage", target)]
    why = "SqsQueueUrlNotAnArnAtDeployTime" if known(url) else "SqsQueueChosenAtRunTime"
    return [Allow("sqs:SendMessage", arn("sqs", "*"), why)]


__all__ = ["SqsSendMessage"]
