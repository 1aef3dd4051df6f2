"""Typed deploy-time values: things Terraform (or a local run) fills in.

A reference never appears in a workflow as a raw ``${...}`` string. Each kind knows its
Terraform address; the ASL compiler keeps them as objects, and each target renders them:
Terraform as an interpolation, a local run or a test as a concrete value.
"""

from __future__ import annotations

import json
import re
from typing import Any, Union

import attrs

from flowdsl.errors import ModelError
from flowdsl.fields import FieldError, as_tuple, check_fields
from flowdsl.frozen import frozen
from flowdsl.source import caller_location
from flowdsl.vocabulary import is_state_machine_name

VARIABLE_TYPES = ("string", "number", "bool", "list(string)", "map(string)", "any")


@frozen
class Validation:
    """A ``validation`` block of a module input: Terraform refuses a value for which
    ``condition`` (a Terraform expression that refers to the input as ``var.<name>``) is false,
    at plan, with ``error_message``. The rules below (:func:`one_of`, :func:`between`,
    :func:`length_between`, :func:`matches`) write the condition themselves, and flowdsl also
    checks the variable's default against them at build time."""

    condition: str
    error_message: str

    __attrs_post_init__ = check_fields

    def terraform(self, name: str, nullable: bool, type_: str = "string") -> tuple[str, str]:
        """(condition, error message) of the validation block of input ``name``."""
        return self.condition, self.error_message


def _values(value: Any) -> tuple[Any, ...]:
    return tuple(value)


@frozen
class Rule:
    """A validation flowdsl writes from what it means: ``kind`` is ``one_of`` (``args``: the
    values allowed), ``between`` (a number from ``args[0]`` to ``args[1]``), ``length``
    (a string, list or map of ``args[0]`` to ``args[1]`` characters or items) or ``regex``
    (``args``: the pattern, matched whole, and what it describes)."""

    kind: str = attrs.field(validator=attrs.validators.in_(("one_of", "between", "length", "regex")))
    args: tuple[Any, ...] = attrs.field(converter=_values)

    def condition(self, address: str) -> str:
        if self.kind == "one_of":
            return f"contains({_hcl(list(self.args))}, {address})"
        if self.kind == "between":
            low, high = self.args
            return f"{address} >= {_hcl(low)} && {address} <= {_hcl(high)}"
        if self.kind == "length":
            low, high = self.args
            return f"length({address}) >= {low} && length({address}) <= {high}"
        return f"can(regex({_hcl('^(?:' + self.args[0] + ')$')}, {address}))"

    def message(self, name: str, type_: str = "string") -> str:
        if self.kind == "one_of":
            shown = ", ".join(json.dumps(a) for a in self.args)
            return f"{name} must be one of {shown}."
        if self.kind == "between":
            return f"{name} must be a number from {self.args[0]} to {self.args[1]}."
        if self.kind == "length":
            low, high = self.args
            unit = "characters" if type_ == "string" else "items"
            return f"{name} must have {low} to {high} {unit}."
        return f"{name} must be {self.args[1]}."

    def accepts(self, value: Any) -> bool | None:
        """Whether ``value`` passes, as Terraform would decide; None when flowdsl cannot tell."""
        if self.kind == "one_of":
            return value in self.args
        if self.kind == "between":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            return self.args[0] <= value <= self.args[1]
        if self.kind == "length":
            if not isinstance(value, (str, list, tuple, dict)):
                return None
            return self.args[0] <= len(value) <= self.args[1]
        if not isinstance(value, str):
            return False
        try:
            return re.fullmatch(self.args[0], value) is not None
        except re.error:
            return None

    @property
    def max_length(self) -> int | None:
        """The longest string this rule lets through, when it says."""
        if self.kind == "length":
            return int(self.args[1])
        if self.kind == "one_of" and self.args and all(isinstance(a, str) for a in self.args):
            return max(len(a) for a in self.args)
        return None

    def terraform(self, name: str, nullable: bool, type_: str = "string") -> tuple[str, str]:
        """(condition, error message) of the validation block of input ``name``; with
        ``nullable``, null passes (in try(): Terraform's || evaluates both sides)."""
        condition = self.condition(f"var.{name}")
        if nullable:
            condition = f"var.{name} == null || try({condition}, false)"
        return condition, self.message(name, type_)


def _hcl(value: Any) -> str:
    """A literal value in Terraform expression syntax (JSON is valid HCL for these)."""
    text = json.dumps(value)
    return text.replace("${", "$${").replace("%{", "%%{")


def one_of(*values: Any) -> Rule:
    """The input must be one of ``values``: ``Variable("level", validation=one_of("ALL", "ERROR"))``."""
    return Rule("one_of", values)


def _range(rule: str, low: Any, high: Any) -> tuple[Any, Any]:
    if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (low, high)):
        raise FieldError(f"{rule}({low!r}, {high!r}): the bounds are numbers")
    if low > high:  # no value would pass: every plan would fail
        raise FieldError(f"{rule}({low!r}, {high!r}): the low bound is above the high one")
    return low, high


def between(low: float, high: float) -> Rule:
    """A number input from ``low`` to ``high``, both included."""
    return Rule("between", _range("between", low, high))


def length_between(low: int, high: int) -> Rule:
    """A string of ``low`` to ``high`` characters (a list or map: items). A name input with an
    upper bound lets flowdsl check, at build time, every resource name built from it."""
    return Rule("length", _range("length_between", low, high))


def matches(pattern: str, what: str) -> Rule:
    """A string that ``pattern`` (an RE2 regular expression, matched whole) matches;
    ``what`` completes the error message: "<name> must be <what>"."""
    return Rule("regex", (pattern, what))


@frozen
class Variable:
    """A module input the deployer provides, declared once per workflow.

    Without a ``default`` the input is required, unless ``optional=True``: then it defaults
    to null (Terraform's ``default = null``), for an input the module can do without.
    ``nullable=False`` makes Terraform refuse null from the caller (the default applies
    instead); ``sensitive=True`` hides the value in Terraform's output; ``validation`` is one
    rule or a list of rules (:class:`Validation`, :func:`one_of`, :func:`between`,
    :func:`length_between`, :func:`matches`), checked by Terraform at plan.
    """

    name: str
    type: str = attrs.field(default="string", validator=attrs.validators.in_(VARIABLE_TYPES))
    default: Any = None
    description: str | None = None
    sensitive: bool = False
    nullable: bool | None = attrs.field(default=None, kw_only=True)
    optional: bool = attrs.field(default=False, kw_only=True)
    validation: tuple[Union[Validation, Rule], ...] = attrs.field(
        factory=tuple, kw_only=True, converter=as_tuple)

    __attrs_post_init__ = check_fields

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional

    @property
    def max_length(self) -> int | None:
        """The longest value the input's rules allow, when one says."""
        found = [r.max_length for r in self.validation if isinstance(r, Rule)]
        known = [n for n in found if n is not None]
        return min(known) if known else None


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


@frozen
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


@frozen
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
