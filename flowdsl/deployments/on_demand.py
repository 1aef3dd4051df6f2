"""``OnDemandJob``: a job the application starts whenever it likes, by sending an SQS message.

SQS queue (+ dead-letter queue) -> EventBridge Pipe -> the state machine. The execution input
is what the pipe delivers: a list of one SQS record (``flowdsl run --message BODY``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

from flowdsl.deployments.alarms import Alarms, Metric, dlq_depth
from flowdsl.deployments.registry import (STATE_MACHINE_TYPES, Choices, Kind, LocalInput, LocalOption,
                                         Logging, Scaffold, register, run_start)
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, join
from flowdsl.source import caller_location
from flowdsl.deployments.versions import Alias, start_resources
from flowdsl.deployments.versions import target as started
from flowdsl.strict_json import check_value
from flowdsl.terraform_expr import Expr, Module, addr, kms_statement, output, prefixed, sqs_encryption

if TYPE_CHECKING:
    from datetime import datetime


@frozen
class Queue:
    """The SQS queue that starts executions, and its dead-letter queue."""

    delay_seconds: int = 0
    max_message_size: int = 262144  # 256 KiB
    message_retention_seconds: int = 604800  # 7 days
    receive_wait_time_seconds: int = 0
    visibility_timeout_seconds: int = 30
    # Receives before a message moves to the dead-letter queue (module input max_receive_count).
    max_receive_count: int = 5
    dlq_message_retention_seconds: int = 1209600  # 14 days, the SQS maximum


@frozen
class Pipe:
    """The EventBridge Pipe from the queue to the state machine."""

    batch_size: int = 1
    invocation_type: str = attrs.field(
        default="FIRE_AND_FORGET",
        validator=attrs.validators.in_(("FIRE_AND_FORGET", "REQUEST_RESPONSE")))


@frozen
class OnDemandJob:
    """Deploy the workflow as an on-demand job: SQS -> Pipe -> state machine.

    ``resource_name`` names the state machine and prefixes every other resource name.
    ``queue=None`` leaves the trigger out (the state machine alone). The fields are those of
    :class:`~flowdsl.deployments.Deployment`, in the order this kind has always had them.
    """

    resource_name: str | Ref
    queue: Queue | None = attrs.field(factory=Queue)
    pipe: Pipe = attrs.field(factory=Pipe)
    logging: Logging = attrs.field(factory=Logging)
    tracing: bool = True  # module input tracing_enabled; X-Ray policy only when on
    type: str = attrs.field(default="STANDARD", validator=attrs.validators.in_(STATE_MACHINE_TYPES))
    alias: Alias | None = attrs.field(factory=Alias, kw_only=True)  # flowdsl.deployments.versions; None: no versions
    alarms: Alarms | None = attrs.field(default=None, kw_only=True)  # flowdsl.deployments.alarms
    source: Any = attrs.field(factory=caller_location, eq=False, repr=False, metadata={"source": True})


def _terraform(m: Module) -> None:
    d, src = m.deployment, m.deployment.source
    q = d.queue
    if q is None:
        return
    m.resource("queue.tf.json", "aws_sqs_queue", "dlq", {
        "name": prefixed(m, "-DLQ"),
        "message_retention_seconds": q.dlq_message_retention_seconds,
        **sqs_encryption(),
    }, "deployment.queue", src)
    m.resource("queue.tf.json", "aws_sqs_queue", "queue", {
        "name": prefixed(m, "-Queue"),
        "delay_seconds": q.delay_seconds,
        "max_message_size": q.max_message_size,
        "message_retention_seconds": q.message_retention_seconds,
        "receive_wait_time_seconds": q.receive_wait_time_seconds,
        "visibility_timeout_seconds": q.visibility_timeout_seconds,
        "redrive_policy": Expr("jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq.arn, "
                               "maxReceiveCount = var.max_receive_count})"),
        **sqs_encryption(),
    }, "deployment.queue", src)

    pipe_name = prefixed(m, "-Pipe")
    # Built from its name: the pipe refers to the role, so the role cannot refer to the pipe.
    m.role("pipe.tf.json", "pipe", prefixed(m, "-PipesRole"), "pipes.amazonaws.com",
           "deployment.pipe", src, source_arn=join("arn:", PARTITION, ":pipes:", REGION, ":",
                                                   ACCOUNT_ID, ":pipe/", pipe_name))
    source_doc = m.policy_document("pipe.tf.json", "pipe_source", (
        Allow(("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"),
              (addr("aws_sqs_queue", "queue", "arn"),)),
    ), "deployment.pipe", extra=kms_statement("kms:Decrypt"))
    start = ("states:StartExecution" if d.pipe.invocation_type == "FIRE_AND_FORGET"
             else "states:StartSyncExecution")
    target_doc = m.policy_document("pipe.tf.json", "pipe_target", (
        Allow((start,), start_resources(m)),
    ), "deployment.pipe")
    attachments = [
        m.policy("pipe.tf.json", "pipe_source", prefixed(m, "-PipesSourcePolicy"), "pipe",
                 source_doc, "deployment.pipe", src),
        m.policy("pipe.tf.json", "pipe_target", prefixed(m, "-PipesTargetPolicy"), "pipe",
                 target_doc, "deployment.pipe", src),
    ]
    if d.pipe.invocation_type == "REQUEST_RESPONSE" and d.type != "EXPRESS":
        m.error("bad-invocation-type", "deployment.pipe.invocation_type",
                "a pipe invokes a STANDARD state machine only with FIRE_AND_FORGET; "
                "REQUEST_RESPONSE needs OnDemandJob(type=\"EXPRESS\")", src)
    m.resource("pipe.tf.json", "aws_pipes_pipe", "pipe", {
        "name": pipe_name,
        "role_arn": addr("aws_iam_role", "pipe", "arn"),
        "source": addr("aws_sqs_queue", "queue", "arn"),
        "target": started(m),
        "source_parameters": {"sqs_queue_parameters": {"batch_size": d.pipe.batch_size}},
        "target_parameters": {"step_function_state_machine_parameters": {
            "invocation_type": d.pipe.invocation_type}},
        "depends_on": attachments,
    }, "deployment.pipe", src)


def _variables(d: OnDemandJob) -> dict[str, dict[str, Any]]:
    return {"max_receive_count": {
        "type": "number", "default": d.queue.max_receive_count if d.queue else 5, "nullable": False,
        "description": "Receives before a message moves to the dead-letter queue",
        "validation": [{"condition": Expr("var.max_receive_count >= 1 && var.max_receive_count <= 1000 "
                                          "&& floor(var.max_receive_count) == var.max_receive_count"),
                        "error_message": "max_receive_count must be a whole number from 1 to "
                                         "1000 (SQS's maxReceiveCount)."}]}}


def _alarms(m: Module) -> list[Metric]:
    """The dead-letter queue's depth and the pipe's failures (AWS/EventBridge/Pipes, dimension
    PipeName: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html)."""
    if m.deployment.queue is None:
        return []
    pipe = {"PipeName": addr("aws_pipes_pipe", "pipe", "name")}
    return [dlq_depth(),
            Metric("pipe_execution_failed", "AWS/EventBridge/Pipes", "ExecutionFailed", pipe,
                   "pipe executions failed"),
            Metric("pipe_target_stage_failed", "AWS/EventBridge/Pipes", "TargetStageFailed", pipe,
                   "the pipe failed to start the state machine")]


def _outputs(m: Module) -> dict[str, Any]:
    if m.deployment.queue is None:
        return {}
    return {
        "queue_url": output("aws_sqs_queue", "queue", "url",
                            "URL of the SQS queue whose messages start executions"),
        "queue_arn": output("aws_sqs_queue", "queue", "arn",
                            "ARN of the SQS queue whose messages start executions"),
        "dlq_url": output("aws_sqs_queue", "dlq", "url", "URL of the queue's dead-letter queue"),
        "dlq_arn": output("aws_sqs_queue", "dlq", "arn", "ARN of the queue's dead-letter queue"),
        "pipe_arn": output("aws_pipes_pipe", "pipe", "arn",
                           "ARN of the EventBridge Pipe from the queue to the state machine"),
        "pipe_role_arn": output("aws_iam_role", "pipe", "arn", "ARN of the IAM role the pipe runs as"),
    }


def sqs_input(deployment: OnDemandJob | None, request: LocalInput) -> Any:
    """What the pipe (batch size 1) delivers for one SQS message: a list of one record."""
    body = request.payload if isinstance(request.payload, str) else json.dumps(request.payload)
    return sqs_event(body, region=request.region, account_id=request.account_id,
                     queue=f"{request.state_machine}-queue", sent=request.time)


def sqs_event(body: str, *, region: str = "us-east-1", account_id: str = "123456789012",
              queue: str = "queue", sent: datetime | None = None) -> list[dict[str, Any]]:
    """The input an EventBridge Pipe (batch size 1) gives a state machine for one SQS message."""
    import hashlib  # only a local run needs them
    import uuid

    sent = sent or run_start()
    millis = str(int(sent.timestamp() * 1000))
    digest = hashlib.md5(body.encode()).hexdigest()
    message_id = str(uuid.UUID(digest, version=4))
    return [{
        "messageId": message_id,
        "receiptHandle": "AQEB" + hashlib.sha256(body.encode()).hexdigest(),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": millis,
            "SenderId": account_id,
            "ApproximateFirstReceiveTimestamp": millis,
        },
        "messageAttributes": {},
        "md5OfBody": digest,
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:{account_id}:{queue}",
        "awsRegion": region,
    }]


def input_schema(d: OnDemandJob, declared: Any) -> dict[str, Any]:
    """What the pipe delivers, as a JSON Schema: SQS records whose ``body`` is a string, holding
    the declared message as JSON (the pipe has no input template: it does not parse the body).
    With batch size 1 the list holds exactly one record."""
    text = {"type": "string"}
    body = {"type": "string", "contentMediaType": "application/json", "contentSchema": declared} \
        if declared is not None else text
    attributes = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
    record = {"type": "object", "additionalProperties": False, "properties": {
        "messageId": text, "receiptHandle": text, "body": body,
        "attributes": {"type": "object", "properties": {a: text for a in attributes},
                       "required": list(attributes), "additionalProperties": text},
        "messageAttributes": {"type": "object"}, "md5OfBody": text, "eventSource": text,
        "eventSourceARN": text, "awsRegion": text,
    }}
    record["required"] = list(record["properties"])
    if d.pipe.batch_size == 1:
        return {"type": "array", "prefixItems": [record], "items": False}
    return {"type": "array", "items": record}


def message_body(value: Any) -> str:
    """The body of an SQS message: text as given, any other value JSON-encoded."""
    body = value if isinstance(value, str) else json.dumps(value)
    check_value(body, "the message body")
    return body


def _example(choose: Choices, resource_name: Any, common: dict[str, Any]) -> OnDemandJob:
    pipe = choose.pick((Pipe(), Pipe(batch_size=5, invocation_type="REQUEST_RESPONSE")))
    if pipe.invocation_type == "REQUEST_RESPONSE":  # StartSyncExecution takes no alias
        common = {**common, "alias": None}
    return OnDemandJob(
        resource_name,
        queue=choose.pick((Queue(), Queue(visibility_timeout_seconds=120, max_receive_count=3), None)),
        pipe=pipe,
        # a pipe waits for the result (REQUEST_RESPONSE) of EXPRESS state machines only
        type="EXPRESS" if pipe.invocation_type == "REQUEST_RESPONSE" else "STANDARD",
        **common,
    )


MESSAGE = LocalOption(
    "message", short="-m", payload=message_body, bare=lambda request: sqs_input(None, request),
    help="An SQS message body (any text); the input is what the EventBridge Pipe delivers for it.")

SCAFFOLD = Scaffold(
    name="on-demand",
    starts="an SQS message",
    summary="each message sent to its SQS queue starts it",
    deployment="OnDemandJob(job_name)",
    first_state='Pass("ReadMessage", parameters={"body.$": "$[0].body"})',
    first_name="ReadMessage",
    run_hint="    flowdsl run workflows/__NAME__.py --message '{\"id\": 1}'\n",
    test_start='MESSAGE = {"id": 1}  # the body of an SQS message\n',
    test_input="message=MESSAGE",
    body_check='assert result.output["body"] == \'{"id": 1}\'',
)


register(OnDemandJob, Kind(
    name="on-demand", terraform=_terraform, variables=_variables, outputs=_outputs, alarms=_alarms,
    input_option="message", local_input=sqs_input, input_schema=input_schema,
    input_shape="an SQS message through an EventBridge Pipe (a list of one SQS record)",
    encrypts="the queues, the log group and the state machine",
    options=(MESSAGE,), scaffold=SCAFFOLD, example=_example, limits={"aws_pipes_pipe": 64}, rank=0,
    trigger=lambda d: (("SQS queue", "+ dead-letter queue"), ("EventBridge Pipe",)) if d.queue else (),
))
