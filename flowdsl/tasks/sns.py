"""``arn:aws:states:::sns:publish``: publish a message to an SNS topic."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
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
class SnsPublish(_TaskBase):
    """Publish ``message`` (or the value at ``message_path``) to ``topic``, a topic ARN.
    ``pattern``: ``"request_response"`` or ``"wait_for_task_token"`` (put ``$$.Task.Token`` in
    the message)."""

    topic: str | Ref = attrs.field(kw_only=True)
    message: JSON = attrs.field(default=None, kw_only=True)
    message_path: str | None = attrs.field(default=None, kw_only=True)
    subject: str | Ref | None = attrs.field(default=None, kw_only=True)
    message_attributes: JSON = attrs.field(default=None, kw_only=True)
    message_group_id: str | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _parameters(st: SnsPublish) -> dict[str, Any]:
    return compact({"TopicArn": st.topic, "Message": st.message, "Message.$": st.message_path,
                    "Subject": st.subject,
                    "MessageAttributes": st.message_attributes,
                    "MessageGroupId": st.message_group_id}, st.options)


def _example(s: Sampler) -> dict[str, Any]:
    topic = s.var("topic_arn") if s.refs and s.flag() else "arn:aws:sns:us-east-1:123456789012:t"
    message = {"status.$": "$.status"} if s.flag() else None
    return {"topic": topic, "message": message, "message_path": "$" if message is None else None}


register(SnsPublish, Integration(
    resource=lambda st: states_arn("sns:publish" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=inverse("sns:publish", {"TopicArn": "topic", "Message": "message",
                                    "Message.$": "message_path", "Subject": "subject", "MessageAttributes": "message_attributes",
                                    "MessageGroupId": "message_group_id"},
                    required=("topic",)),
    example=_example,
))


@integration("sns:publish", (REQUEST_RESPONSE, TOKEN),
             "TopicArn or TargetArn; a PhoneNumber (SMS) takes *")
def _grants(c: Call) -> list[Allow]:
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


__all__ = ["SnsPublish"]
