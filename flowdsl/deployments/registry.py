"""What every deployment kind shares and registers with: the :class:`Deployment` base,
:class:`Kind`, :class:`LocalInput`, logging, and the registry of kinds. A leaf: the kinds
(``flowdsl.deployments.*``) import it, and it imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from flowdsl.errors import FlowError
from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.source import caller_location


@frozen
class Logging:
    """The state machine's CloudWatch log group and what it records."""

    level: str = attrs.field(default="ALL",
                             validator=attrs.validators.in_(("ALL", "ERROR", "FATAL", "OFF")))
    include_execution_data: bool = True
    retention_days: int = 365
    # Default: /aws/vendedlogs/states/<resource name>, the prefix AWS recommends for
    # vended logs so the log resource policy stays small.
    group_name: str | Ref | None = None


STATE_MACHINE_TYPES = ("STANDARD", "EXPRESS")


@frozen
class Deployment:
    """What every deployment kind has: the state machine's name, logging, tracing and type.

    ``resource_name`` names the state machine and prefixes every other resource name.
    """

    resource_name: str | Ref
    logging: Logging = attrs.field(factory=Logging, kw_only=True)
    tracing: bool = attrs.field(default=True, kw_only=True)  # module input tracing_enabled
    type: str = attrs.field(default="STANDARD", kw_only=True,
                            validator=attrs.validators.in_(STATE_MACHINE_TYPES))
    source: Any = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                              metadata={"source": True})


@attrs.frozen
class LocalInput:
    """What a local run gives a kind's input builder.

    ``payload`` is what the user passed with the option (a message body, an event document,
    or None); ``resolve`` turns deploy-time references into the run's values.
    """

    option: str
    payload: Any
    state_machine: str
    resolve: Callable[[Any], Any] = lambda value: value
    region: str = "us-east-1"
    account_id: str = "123456789012"
    partition: str = "aws"
    time: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)


@attrs.frozen
class Kind:
    """One deployment kind, as registered by its module."""

    name: str  # e.g. "on-demand"; used in messages and docs
    terraform: Callable[[Any], None]  # adds the trigger's resources to the module
    # Module inputs beside the shared ones: name -> variable body ({"type", "default", ...}).
    variables: Callable[[Any], dict[str, dict[str, Any]]] = lambda deployment: {}
    # Outputs beside state_machine_arn, state_machine_name and log_group_name.
    outputs: Callable[[Any], dict[str, Any]] = lambda module: {}
    # The `flowdsl run` option that builds this kind's input ("message", "scheduled", "event"),
    # and the builder; None: the kind has no trigger, give --input.
    input_option: str | None = None
    local_input: Callable[[Any, LocalInput], Any] | None = None
    input_shape: str = "the input its caller passes to StartExecution"
    # What the kms_key_arn module input encrypts, for its description.
    encrypts: str = "the log group and the state machine"


KINDS: dict[type, Kind] = {}


def register(cls: type, kind: Kind) -> None:
    """Make ``cls`` a deployment kind: ``Workflow(deployment=cls(...))`` then builds with it."""
    KINDS[cls] = kind


def kind_of(deployment: Any) -> Kind | None:
    return KINDS.get(type(deployment))


def known() -> str:
    return ", ".join(sorted(cls.__name__ for cls in KINDS))


# Options of `flowdsl run` that build an execution input from a trigger's shape.
INPUT_OPTIONS = {"message": "--message", "scheduled": "--scheduled", "event": "--event"}


def resolver(values: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A ``LocalInput.resolve`` for a run's reference values (address -> value)."""
    from flowdsl.placeholders import resolve

    def run(value: Any) -> Any:
        try:
            return resolve(value, values)
        except KeyError as e:
            raise FlowError(f"the deployment refers to a value the run does not have: {e.args[0]}") from None

    return run
