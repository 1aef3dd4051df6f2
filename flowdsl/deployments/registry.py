"""What every deployment kind shares and registers with: the :class:`Deployment` base,
:class:`Kind` and what it holds (:class:`LocalOption`, :class:`Scaffold`, :class:`Sample`,
:class:`Choices`), :class:`LocalInput`, logging, and the registry of kinds. A leaf: the kinds
(``flowdsl.deployments.*``) import it, and it imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from flowdsl.deployments.alarms import Alarms
from flowdsl.deployments.versions import Alias
from flowdsl.errors import FlowError
from flowdsl.frozen import frozen
from flowdsl.placeholders import resolve
from flowdsl.refs import Ref
from flowdsl.source import caller_location
from flowdsl.terraform_expr import Module

if TYPE_CHECKING:
    from datetime import datetime


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
    alias: Alias | None = attrs.field(factory=Alias, kw_only=True)  # flowdsl.deployments.versions; None: no versions
    alarms: Alarms | None = attrs.field(default=None, kw_only=True)  # flowdsl.deployments.alarms
    source: Any = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                              metadata={"source": True})


def run_start() -> datetime:
    """A local run's clock starts here: 2024-01-01T00:00:00Z (``datetime`` loads only for a run)."""
    from datetime import datetime, timezone

    return datetime(2024, 1, 1, tzinfo=timezone.utc)


@frozen
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
    time: datetime = attrs.field(factory=run_start)


@frozen
class LocalOption:
    """A way to build an execution input locally: the ``flowdsl run --NAME`` option and the
    ``flowdsl.testing.run(..., NAME=...)`` keyword. A kind defines it; any kind may accept it.

    ``takes`` is what the option is given: ``"text"`` (the CLI's text; the kit's string, or a
    value ``payload`` turns into one), ``"flag"`` (no value: ``--NAME``, ``NAME=True``) or
    ``"file"`` (a JSON file on the command line, the document itself in the kit).
    """

    name: str
    help: str  # the CLI option's help
    takes: str = attrs.field(default="text", validator=attrs.validators.in_(("text", "flag", "file")))
    short: str | None = None  # e.g. "-m"
    # What the kind's builder gets as ``LocalInput.payload``, from the value given (may refuse it).
    payload: Callable[[Any], Any] = lambda value: value
    # The input when nothing deploys the workflow (an ASL document, no deployment); None: refused.
    bare: Callable[[LocalInput], Any] | None = None

    @property
    def flag(self) -> str:
        return f"--{self.name}"


@frozen
class Sample:
    """What ``flowdsl sample-event`` prints for a kind: an input its trigger delivers, built
    from the deployment and the run's values (``LocalInput.payload`` is None)."""

    build: Callable[[Any, LocalInput], Any]
    only: str  # why other kinds have none, for the refusal ("only an EventBridge rule has ...")


@frozen
class Scaffold:
    """What ``flowdsl new --kind NAME`` writes for a kind; the files around it are shared.

    The texts are Python source put into the scaffold's workflow and test; ``job_name`` is the
    resource name there. ``module`` is where the workflow imports the kind's class and
    ``imports`` from.
    """

    name: str  # the --kind value
    starts: str  # what starts an execution, for the --kind help ("an SQS message")
    summary: str  # how an execution starts, for the workflow's docstring
    deployment: str  # the ``deployment=`` expression
    first_state: str  # the state that turns the execution input into the job's body
    first_name: str  # its name
    run_hint: str  # the docstring's lines that run it locally ("    flowdsl run ...\n")
    test_input: str  # the ``run(...)`` argument that starts an execution
    body_check: str  # a line of the first test: the body the job got
    test_start: str = ""  # the test module's constant for the input, if any
    imports: tuple[str, ...] = ()  # names the workflow imports beside the kind's class
    variables: str = ""  # lines of Variable(...) beside the shared ones
    values: str = ""  # lines of RunConfig values for those variables
    module: str = "flowdsl"


class Choices(Protocol):
    """What a kind's example deployment is drawn with (``flowdsl.testing.strategies`` gives it
    Hypothesis draws; every pick shrinks toward its first option)."""

    def pick(self, options: Sequence[Any]) -> Any: ...

    def flag(self) -> bool: ...

    def var(self, name: str) -> Ref:
        """A deploy-time variable of the workflow (declared for it)."""


@frozen
class Kind:
    """One deployment kind, as registered by its module: everything flowdsl knows of it."""

    name: str  # e.g. "on-demand"; used in messages and docs
    terraform: Callable[[Module], None]  # adds the trigger's resources to the module
    # Module inputs beside the shared ones: name -> variable body ({"type", "default", ...}).
    variables: Callable[[Any], dict[str, dict[str, Any]]] = lambda deployment: {}
    # Outputs beside state_machine_arn, state_machine_name and log_group_name.
    outputs: Callable[[Module], dict[str, Any]] = lambda module: {}
    # The alarms of its trigger (flowdsl.deployments.alarms.Metric), with alarms=Alarms(...).
    alarms: Callable[[Module], Sequence[Any]] = lambda module: ()
    # The local-run option that builds this kind's input (its own, in ``options``, or another
    # kind's), and the builder; None: the kind has no trigger, give --input.
    input_option: str | None = None
    local_input: Callable[[Any, LocalInput], Any] | None = None
    input_shape: str = "the input its caller passes to StartExecution"
    # The execution input as a JSON Schema, given the workflow's declared ``input=`` (any form
    # flowdsl.shapes reads, None when not declared), placed where the kind carries it; None:
    # nothing is known of the input (the typed data-flow check then says nothing about it).
    input_schema: Callable[[Any, Any], Any] = lambda deployment, declared: declared
    # What the kms_key_arn module input encrypts, for its description.
    encrypts: str = "the log group and the state machine"
    # The local-run options this kind brings to `flowdsl run` and the kit.
    options: tuple[LocalOption, ...] = ()
    scaffold: Scaffold | None = None  # None: `flowdsl new` does not offer it
    sample: Sample | None = None  # None: `flowdsl sample-event` refuses the kind
    # A random deployment for property tests: (choices, resource name, the fields every kind
    # has: logging=, tracing=) -> an instance; None: the strategies leave the kind out.
    example: Callable[[Choices, Any, dict[str, Any]], Any] | None = None
    # AWS name limits of the resource types it creates (type -> characters).
    limits: Mapping[str, int] = attrs.field(factory=dict)
    # Where it is listed among kinds (CLI options, `flowdsl new --kind`); ties: registration order.
    rank: int = 100
    # What starts an execution, as `flowdsl graph` draws it before the Start marker: the parts
    # the input passes through, in order, each the lines of one node's label. A line is a
    # string, a deploy-time reference, another JSON value (drawn as compact JSON) or a tuple of
    # those, joined; () (a bare state machine): nothing is drawn.
    trigger: Callable[[Any], tuple[tuple[Any, ...], ...]] = lambda deployment: ()


KINDS: dict[type, Kind] = {}


def register(cls: type, kind: Kind) -> None:
    """Make ``cls`` a deployment kind: ``Workflow(deployment=cls(...))`` then builds with it."""
    KINDS[cls] = kind


def kind_of(deployment: Any) -> Kind | None:
    return KINDS.get(type(deployment))


def known() -> str:
    return ", ".join(sorted(cls.__name__ for cls in KINDS))


def registered() -> list[tuple[type, Kind]]:
    """The kinds registered so far, in their listing order."""
    return sorted(KINDS.items(), key=lambda item: item[1].rank)


def local_options() -> dict[str, LocalOption]:
    """The local-run options of the kinds registered so far, by name, in listing order."""
    return {option.name: option for _, kind in registered() for option in kind.options}


def resolver(values: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A ``LocalInput.resolve`` for a run's reference values (address -> value)."""
    def run(value: Any) -> Any:
        try:
            return resolve(value, values)
        except KeyError as e:
            raise FlowError(f"the deployment refers to a value the run does not have: {e.args[0]}") from None

    return run
