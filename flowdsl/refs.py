"""Typed deploy-time values: things Terraform (or a local run) fills in.

A reference never appears in a workflow as a raw ``${...}`` string. Each kind knows its
Terraform address; the ASL compiler keeps them as objects, and each target renders them:
Terraform as an interpolation, a local run or a test as a concrete value.
"""

from __future__ import annotations

from typing import Any, Union

import attrs

from flowdsl.errors import ModelError
from flowdsl.fields import check_fields
from flowdsl.frozen import frozen
from flowdsl.source import caller_location
from flowdsl.vocabulary import is_state_machine_name

VARIABLE_TYPES = ("string", "number", "bool", "list(string)", "map(string)", "any")


@frozen
class Variable:
    """A module input the deployer provides, declared once per workflow."""

    name: str
    type: str = attrs.field(default="string", validator=attrs.validators.in_(VARIABLE_TYPES))
    default: Any = None
    description: str | None = None
    sensitive: bool = False

    __attrs_post_init__ = check_fields

    @property
    def required(self) -> bool:
        return self.default is None


class Ref:
    """Base of every deploy-time reference."""

    __slots__ = ()

    @property
    def address(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def leaves(self) -> tuple["Ref", ...]:
        return (self,)


@frozen
class Var(Ref):
    """A reference to a declared module variable: ``var("stage")``."""

    name: str
    # where var(...) was written, for diagnostics; not part of the value
    source: str | None = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                                     metadata={"source": True})

    __attrs_post_init__ = check_fields

    @property
    def address(self) -> str:
        return f"var.{self.name}"


@frozen
class ResourceAttr(Ref):
    """An attribute of a resource flowdsl itself creates, e.g. a job definition's ARN."""

    type: str
    name: str
    attribute: str

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}.{self.attribute}"


@frozen
class DataAttr(Ref):
    """An attribute of a Terraform data source (partition, region, account)."""

    type: str
    name: str
    attribute: str

    @property
    def address(self) -> str:
        return f"data.{self.type}.{self.name}.{self.attribute}"


@attrs.frozen(slots=True)
class StateMachineArn(Ref):
    """The ARN of another flowdsl workflow's state machine: ``other_workflow.arn``.

    In Terraform it is a module input, ``var.<workflow>_state_machine_arn``, which the
    environment root wires to the other module's ``state_machine_arn`` output; a local run
    gives it the ARN a state machine of that name has in the run's region and account.
    """

    workflow: str = attrs.field()

    @workflow.validator
    def _named(self, _attribute: Any, name: Any) -> None:
        # The name is written into Terraform (a module input's name) and into ARNs: it must be
        # a state machine name that is also a Terraform identifier.
        if not is_state_machine_name(name) or not (name[0].isalpha() or name[0] == "_"):
            raise ModelError(
                f"workflow {name!r}: only a workflow whose name is a state machine name "
                f"(1-80 letters, digits, '-' or '_') starting with a letter or '_' can be "
                f"referred to by its .arn (it names the module input <name>_state_machine_arn)")

    @property
    def variable(self) -> str:
        return f"{self.workflow}_state_machine_arn"

    @property
    def address(self) -> str:
        return f"var.{self.variable}"

    def local_value(self, partition: str, region: str, account_id: str) -> str:
        return f"arn:{partition}:states:{region}:{account_id}:stateMachine:{self.workflow}"

    @property
    def executions(self) -> "Join":
        """Every execution of that state machine (``...:execution:<name>:*``), for the IAM of
        ``states:startExecution.sync`` (DescribeExecution, StopExecution)."""
        return Join((ExecutionArnPrefix(self.workflow), ":*"))


@attrs.frozen(slots=True)
class ExecutionArnPrefix(Ref):
    """``arn:...:execution:<name>``, derived in Terraform from the state machine ARN input."""

    workflow: str

    @property
    def address(self) -> str:
        return (f'replace(var.{self.workflow}_state_machine_arn, ":stateMachine:", '
                '":execution:")')

    def local_value(self, partition: str, region: str, account_id: str) -> str:
        return f"arn:{partition}:states:{region}:{account_id}:execution:{self.workflow}"


def _parts(value: tuple[Any, ...]) -> tuple["str | Ref", ...]:
    out: list[str | Ref] = []
    for part in value:
        if isinstance(part, Join):
            out.extend(part.parts)
        elif isinstance(part, (str, Ref)):
            out.append(part)
        else:
            raise ModelError(f"join() takes strings and references, not {type(part).__name__}")
    merged: list[str | Ref] = []
    for part in out:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    return tuple(merged)


@frozen
class Join(Ref):
    """A string made of literal text and references: ``join(var("app_name"), "-", var("stage"))``."""

    parts: tuple[Union[str, Ref], ...] = attrs.field(converter=_parts)

    @property
    def address(self) -> str:
        raise ModelError("a join has no single address")

    def leaves(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))


def var(name: str) -> Var:
    return Var(name)


def join(*parts: "str | Ref") -> Join:
    return Join(parts)


PARTITION = DataAttr("aws_partition", "current", "partition")
REGION = DataAttr("aws_region", "current", "name")
ACCOUNT_ID = DataAttr("aws_caller_identity", "current", "account_id")
