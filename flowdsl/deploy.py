"""How a workflow is deployed: the on-demand trigger (SQS queue + EventBridge Pipe), logging,
tracing and encryption. The Terraform compiler turns this into resources and module inputs."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.refs import Ref
from flowdsl.source import caller_location


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
class Pipe:
    """The EventBridge Pipe from the queue to the state machine."""

    batch_size: int = 1
    invocation_type: str = attrs.field(
        default="FIRE_AND_FORGET",
        validator=attrs.validators.in_(("FIRE_AND_FORGET", "REQUEST_RESPONSE")))


@attrs.frozen(slots=True)
class Logging:
    """The state machine's CloudWatch log group and what it records."""

    level: str = attrs.field(default="ALL",
                             validator=attrs.validators.in_(("ALL", "ERROR", "FATAL", "OFF")))
    include_execution_data: bool = True
    retention_days: int = 365
    # Default: /aws/vendedlogs/states/<resource name>, the prefix AWS recommends for
    # vended logs so the log resource policy stays small.
    group_name: str | Ref | None = None


@attrs.frozen(slots=True)
class OnDemandJob:
    """Deploy the workflow as an on-demand job: SQS -> Pipe -> state machine.

    ``resource_name`` names the state machine and prefixes every other resource name.
    """

    resource_name: str | Ref
    queue: Queue | None = attrs.field(factory=Queue)
    pipe: Pipe = attrs.field(factory=Pipe)
    logging: Logging = attrs.field(factory=Logging)
    tracing: bool = True  # module input tracing_enabled; X-Ray policy only when on
    type: str = attrs.field(default="STANDARD", validator=attrs.validators.in_(("STANDARD", "EXPRESS")))
    source: Any = attrs.field(factory=caller_location, eq=False, repr=False, metadata={"source": True})
