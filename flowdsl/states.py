"""The workflow model: frozen attrs classes, one per Amazon States Language state type.

``Next``, ``End`` and ``StartAt`` are never written by hand: a workflow is a sequence of
states, and each state flows into the one after it. A Catch or Choice target is a state
object (or a short chain of states) that may live outside the main sequence, as a
``"Name"`` string for a jump to a state placed elsewhere in the same scope, or ``Goto``.

Every field that maps to an ASL key carries that key in its metadata, so the compiler and
the importer treat fields generically, and cattrs can (un)structure the whole model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Union

import attrs

from flowdsl.fields import as_tuple, check_fields, targets
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref, StateMachineArn, Variable
from flowdsl.source import caller_location


class _Null:
    """An explicit JSON ``null``: ``DISCARD``. ``ResultPath: null`` discards the state's result
    (the output is the state's input), ``InputPath: null`` gives the state ``{}`` and
    ``OutputPath: null`` sends ``{}`` on. ``None`` means the field is not set at all: for
    ``result_path`` that is ``$``, where the result replaces the whole input."""

    _instance: "_Null | None" = None

    def __new__(cls) -> "_Null":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DISCARD"

    def __reduce__(self) -> str:
        return "NULL"


DISCARD = _Null()
NULL = DISCARD  # the earlier name, kept working

JSON = Any
Path = Union[str, _Null]


def asl(key: str, kind: str = "json", default: Any = None, **kw: Any) -> Any:
    """A model field that is written to the ASL key ``key``."""
    return attrs.field(default=default, kw_only=True, metadata={"asl": key, "kind": kind}, **kw)


def _source() -> Any:
    return attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                       metadata={"source": True})


@frozen
class Goto:
    """Ends a sequence with a jump to a state placed elsewhere in the same scope."""

    target: str

    __attrs_post_init__ = check_fields


@frozen
class Retry:
    """A retrier: which errors to retry, and how long to wait between attempts."""

    error_equals: tuple[str, ...] = attrs.field(converter=as_tuple, metadata={"asl": "ErrorEquals"})
    interval_seconds: int | None = asl("IntervalSeconds")
    max_attempts: int | None = asl("MaxAttempts")
    backoff_rate: float | None = asl("BackoffRate")
    max_delay_seconds: int | None = asl("MaxDelaySeconds")
    jitter_strategy: str | None = asl("JitterStrategy")
    comment: str | None = asl("Comment")
    source: str | None = _source()

    __attrs_post_init__ = check_fields


Target = Union["State", Goto, str, tuple[Any, ...]]


@frozen
class Catch:
    """A catcher: on these errors, continue at ``next`` with the error placed at ``result_path``."""

    error_equals: tuple[str, ...] = attrs.field(converter=as_tuple, metadata={"asl": "ErrorEquals"})
    next: Target = attrs.field(kw_only=True)
    result_path: Path | None = asl("ResultPath", "refpath")
    comment: str | None = asl("Comment")
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class State:
    """Fields every state has."""

    name: str
    comment: str | None = asl("Comment")
    query_language: str | None = asl("QueryLanguage")
    source: str | None = _source()

    __attrs_post_init__ = check_fields

    TYPE = ""


Item = Union[State, Goto]


@frozen
class Branch:
    """A sub-workflow: a Parallel branch or a Map item processor."""

    states: tuple[Item, ...] = attrs.field(converter=as_tuple)
    comment: str | None = asl("Comment")
    query_language: str | None = asl("QueryLanguage")
    source: str | None = _source()

    __attrs_post_init__ = check_fields


def _branch(value: Any) -> Any:
    if isinstance(value, Branch) or value is None:
        return value
    return Branch(as_tuple(value))


def _branches(value: Any) -> tuple[Branch, ...]:
    return tuple(_branch(b) for b in as_tuple(value))


@frozen
class Pass(State):
    input_path: Path | None = asl("InputPath", "path")
    parameters: JSON = asl("Parameters", "payload")
    result: JSON = asl("Result")
    result_path: Path | None = asl("ResultPath", "refpath")
    output_path: Path | None = asl("OutputPath", "path")
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")

    TYPE = "Pass"


@frozen
class Wait(State):
    seconds: int | str | None = asl("Seconds")
    timestamp: str | None = asl("Timestamp")
    seconds_path: str | None = asl("SecondsPath", "refpath")
    timestamp_path: str | None = asl("TimestampPath", "refpath")
    input_path: Path | None = asl("InputPath", "path")
    output_path: Path | None = asl("OutputPath", "path")
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")

    TYPE = "Wait"


@frozen
class Succeed(State):
    input_path: Path | None = asl("InputPath", "path")
    output_path: Path | None = asl("OutputPath", "path")
    output: JSON = asl("Output", "jsonata_payload")

    TYPE = "Succeed"


@frozen
class Fail(State):
    error: str | None = asl("Error")
    cause: str | None = asl("Cause")
    error_path: str | None = asl("ErrorPath", "errorpath")
    cause_path: str | None = asl("CausePath", "errorpath")

    TYPE = "Fail"


@frozen
class When:
    """A Choice rule: when ``condition`` holds, continue at ``next``."""

    condition: Any
    next: Target = attrs.field(kw_only=True)
    comment: str | None = asl("Comment")
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class Choice(State):
    choices: tuple[When, ...] = attrs.field(kw_only=True, converter=as_tuple)
    default: Target | None = attrs.field(default=None, kw_only=True)
    input_path: Path | None = asl("InputPath", "path")
    output_path: Path | None = asl("OutputPath", "path")
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")

    TYPE = "Choice"


@frozen
class _Catching(State):
    """Fields shared by the states that can fail: Task, Parallel and Map."""

    input_path: Path | None = asl("InputPath", "path")
    result_selector: JSON = asl("ResultSelector", "payload")
    result_path: Path | None = asl("ResultPath", "refpath")
    output_path: Path | None = asl("OutputPath", "path")
    retry: tuple[Retry, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    catch: tuple[Catch, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    assign: JSON = asl("Assign", "assign")
    output: JSON = asl("Output", "jsonata_payload")


@frozen
class Parallel(_Catching):
    branches: tuple[Branch, ...] = attrs.field(kw_only=True, converter=_branches)
    parameters: JSON = asl("Parameters", "payload")
    arguments: JSON = asl("Arguments", "jsonata_payload")

    TYPE = "Parallel"


@frozen
class Map(_Catching):
    """A Map state. ``processor`` is the ItemProcessor (``Iterator`` when ``legacy_iterator``)."""

    processor: Branch = attrs.field(kw_only=True, converter=_branch)
    processor_config: JSON = attrs.field(default=None, kw_only=True)
    legacy_iterator: bool = attrs.field(default=False, kw_only=True)
    items_path: Path | None = asl("ItemsPath", "refpath")
    items: JSON = asl("Items", "jsonata_payload")
    item_selector: JSON = asl("ItemSelector", "payload")
    parameters: JSON = asl("Parameters", "payload")
    max_concurrency: int | str | None = asl("MaxConcurrency")
    max_concurrency_path: str | None = asl("MaxConcurrencyPath", "refpath")
    tolerated_failure_count: int | str | None = asl("ToleratedFailureCount")
    tolerated_failure_count_path: str | None = asl("ToleratedFailureCountPath", "refpath")
    tolerated_failure_percentage: float | str | None = asl("ToleratedFailurePercentage")
    tolerated_failure_percentage_path: str | None = asl("ToleratedFailurePercentagePath", "refpath")
    item_reader: JSON = asl("ItemReader")
    item_batcher: JSON = asl("ItemBatcher")
    result_writer: JSON = asl("ResultWriter")
    label: str | None = asl("Label")
    arguments: JSON = asl("Arguments", "jsonata_payload")

    TYPE = "Map"


@frozen
class _TaskBase(_Catching):
    """Fields every Task has. A typed task's class gives its payload; it is written as
    ``Parameters``, or as ``Arguments`` where the state uses JSONata (see flowdsl.asl)."""

    timeout_seconds: int | str | None = asl("TimeoutSeconds")
    timeout_seconds_path: str | None = asl("TimeoutSecondsPath", "refpath")
    heartbeat_seconds: int | str | None = asl("HeartbeatSeconds")
    heartbeat_seconds_path: str | None = asl("HeartbeatSecondsPath", "refpath")
    credentials: JSON = asl("Credentials", "payload")
    # IAM for the state machine's role beyond what flowdsl derives from the Resource
    # (flowdsl.iam.Allow statements): the way to grant what no catalog knows.
    permissions: tuple[Allow, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    # False: the role gets ``permissions`` only, not what flowdsl derives for the integration
    # (the build notes what it leaves out).
    derived_permissions: bool = attrs.field(default=True, kw_only=True)

    TYPE = "Task"


@frozen
class Task(_TaskBase):
    """A Task for any resource: an activity, a Lambda ARN, or any service integration."""

    resource: str | Ref = attrs.field(kw_only=True, metadata={"asl": "Resource", "kind": "json"})
    parameters: JSON = asl("Parameters", "payload")
    arguments: JSON = asl("Arguments", "jsonata_payload")


@frozen
class DerivedExcept:
    """A Workflow's ``derived_permissions=``: the role gets what flowdsl derives, except for the
    tasks that call these ``integrations`` (a service, ``"athena"``; an integration,
    ``"athena:startQueryExecution"``; an SDK service or action, ``"aws-sdk:s3"``,
    ``"aws-sdk:s3:getObject"``; an ARN Resource's service, ``"lambda"``) and for these
    ``states``, by name (a task, or a Distributed Map for its reader, writer and child
    executions). Those get their ``permissions=`` and the workflow's alone; the build notes
    what it leaves out."""

    integrations: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    states: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    source: str | None = _source()

    __attrs_post_init__ = check_fields


@frozen
class Workflow:
    """A whole state machine: its states, the inputs it leaves to the deployer, its deployment."""

    name: str
    states: tuple[Item, ...] = attrs.field(converter=as_tuple)
    comment: str | None = asl("Comment")
    timeout_seconds: int | None = asl("TimeoutSeconds")
    version: str | None = asl("Version")
    query_language: str | None = asl("QueryLanguage")
    variables: tuple[Variable, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    deployment: Any = attrs.field(default=None, kw_only=True)
    # IAM for the state machine's role beyond what flowdsl derives (flowdsl.iam.Allow)
    permissions: tuple[Allow, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    # True: executions may be redriven with their Distributed Maps' Map Runs, so the role may
    # redrive the Map Runs' child executions (states:RedriveExecution)
    redrive: bool = attrs.field(default=False, kw_only=True)
    # False: no state's derived IAM, only ``permissions=`` (the workflow's and its states');
    # DerivedExcept(...): not for those integrations and states (flowdsl.tasks.narrowing)
    derived_permissions: bool | DerivedExcept = attrs.field(default=True, kw_only=True)
    # The shape of the message that starts an execution (a JSON Schema dict, a TypedDict, a
    # dataclass or attrs class; see flowdsl.shapes): the deployment kind wraps it in what its
    # trigger delivers, and the build checks every path against it (flowdsl.typeflow).
    input: Any = attrs.field(default=None, kw_only=True)
    source: str | None = _source()

    __attrs_post_init__ = check_fields

    @property
    def arn(self) -> Ref:
        """This workflow's state machine ARN, for another workflow that starts it."""
        return StateMachineArn(self.name)


targets((State, Catch, When, Branch, Workflow), (State, Goto, str))


def iter_states(items: Any) -> Iterator[State]:
    """Every state object of a workflow: the sequences, target chains, branches, processors,
    each state followed by the states inside it. Iterative (a stack of sequences, not nested
    generators, which pass each state up through every level): linear time at any depth."""
    stack: list[Iterator[Any]] = [iter(items if isinstance(items, tuple) else (items,))]
    while stack:
        item = next(stack[-1], _DONE)
        if item is _DONE:
            stack.pop()
            continue
        if not isinstance(item, State):
            continue
        yield item
        inner: list[Any] = []
        if isinstance(item, _Catching):
            inner += [c.next for c in item.catch if isinstance(c, Catch)]
        if isinstance(item, Choice):
            inner += [r.next for r in item.choices] + [item.default]
        inner = [t for t in inner if isinstance(t, (State, tuple))]
        if isinstance(item, Parallel):
            inner += [b.states for b in item.branches if isinstance(b, Branch)]
        if isinstance(item, Map) and isinstance(item.processor, Branch):
            inner.append(item.processor.states)
        stack.extend(iter(t if isinstance(t, tuple) else (t,)) for t in reversed(inner))


_DONE = object()
