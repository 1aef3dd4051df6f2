"""``arn:aws:states:::sqs:sendMessage``: send a message to an SQS queue."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, inverse, suffix_of


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


register(SqsSendMessage, Integration(
    resource=lambda st: states_arn("sqs:sendMessage" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=inverse("sqs:sendMessage", {"QueueUrl": "queue_url", "MessageBody": "message_body",
                                        "DelaySeconds": "delay_seconds",
                                        "MessageGroupId": "message_group_id",
                                        "MessageAttributes": "message_attributes"},
                    required=("queue_url", "message_body")),
))
