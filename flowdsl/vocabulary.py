"""The words of the Amazon States Language that every layer shares, defined once.

State types and their groups, the query languages, the walk over a definition's scopes
(``Branches``, ``ItemProcessor`` and the older ``Iterator``), JSON type names as messages say
them, and the one parser of ``arn:<partition>:states:::<service>:<action>[.<pattern>]``.

A leaf: it imports nothing of flowdsl, so the model, the compilers, the validator, the engine,
the integrations and the graph may all import it. ``tests/test_one_place.py`` fails when a
second copy of these appears elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

JSONPATH, JSONATA = "JSONPath", "JSONata"
QUERY_LANGUAGES = (JSONPATH, JSONATA)

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
# States that take no Next and no End: a Choice moves on through its rules, the others stop.
TERMINAL_TYPES = ("Choice", "Succeed", "Fail")
# States that may Retry and Catch, and whose result goes through ResultSelector/ResultPath.
TASK_LIKE_TYPES = ("Task", "Parallel", "Map")
# The keys that hold a Map's processor: ItemProcessor, or Iterator before 2022.
PROCESSOR_KEYS = ("ItemProcessor", "Iterator")


def processor_key(state: dict[str, Any]) -> str | None:
    """The key of a Map state's processor (``ItemProcessor`` before ``Iterator``), if any."""
    for key in PROCESSOR_KEYS:
        if isinstance(state.get(key), dict):
            return key
    return None


class DocPath:
    """A path in a JSON document (``$.States.A.Branches[0]``) that shares its prefix with its
    parent's: ``path / "States" / name`` is a key below ``path``, ``path[0]`` an array item.
    A walk nested d levels deep makes d small nodes instead of d strings up to d long (which is
    memory quadratic in the depth); the text is rendered only when asked for, by ``str()``
    (or an f-string), when a diagnostic is made."""

    __slots__ = ("parent", "step")

    def __init__(self, parent: DocPath | None = None, step: str | int = "$") -> None:
        self.parent = parent
        self.step = step  # a key (str), an array index (int), or the root's text

    def __truediv__(self, key: str) -> DocPath:
        return DocPath(self, str(key))

    def __getitem__(self, index: int) -> DocPath:
        return DocPath(self, int(index))

    def steps(self) -> list[str | int]:
        """The keys and indexes from the root down to this path (the root's own text left out)."""
        out: list[str | int] = []
        node: DocPath | None = self
        while node is not None and node.parent is not None:
            out.append(node.step)
            node = node.parent
        out.reverse()
        return out

    def root(self) -> str:
        node = self
        while node.parent is not None:
            node = node.parent
        return str(node.step)

    def __str__(self) -> str:
        return self.root() + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.steps())

    def __repr__(self) -> str:
        return f"DocPath({str(self)!r})"


def child_scopes(state: Any, path: Any = "") -> Iterator[tuple[Any, dict[str, Any]]]:
    """The scopes directly inside a state, with their paths below ``path`` (the state's own
    path): each of a Parallel's ``Branches[i]``, and a Map's ``ItemProcessor`` or
    ``Iterator``. Scopes of the wrong JSON type are skipped (the validator reports them).
    A :class:`DocPath` gives DocPaths, a string strings."""
    if not isinstance(state, dict):
        return
    shared = isinstance(path, DocPath)
    branches = state.get("Branches")
    if isinstance(branches, list):
        for i, branch in enumerate(branches):
            if isinstance(branch, dict):
                yield (path / "Branches")[i] if shared else f"{path}.Branches[{i}]", branch
    for key in PROCESSOR_KEYS:
        if isinstance(state.get(key), dict):
            yield path / key if shared else f"{path}.{key}", state[key]


def walk_states(doc: Any, path: Any = "$") -> Iterator[tuple[Any, str, Any]]:
    """Every state of a definition, nested ones included, as ``(path, name, body)``, in
    document order (a scope's states, each followed by the states inside it). Iterative, so a
    definition nested thousands deep walks in linear time and constant stack; with a
    :class:`DocPath` (``DocPath()`` for ``$``) the paths are DocPaths, in memory linear too."""
    stack: list[Iterator[tuple[Any, str, Any]]] = [_scope_states(doc, path)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        yield entry
        here, _, body = entry
        inner = [_scope_states(scope, p) for p, scope in child_scopes(body, here)]
        stack.extend(reversed(inner))


def walk_scopes(doc: Any, path: Any = "$") -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every scope of a definition (the top level, each branch, each processor) as
    ``(path, scope)``, outermost first."""
    if isinstance(doc, dict):
        yield path, doc
    for here, _, body in walk_states(doc, path):
        yield from child_scopes(body, here)


def _scope_states(scope: Any, path: Any) -> Iterator[tuple[Any, str, Any]]:
    states = scope.get("States") if isinstance(scope, dict) else None
    if isinstance(states, dict):
        shared = isinstance(path, DocPath)
        below = path / "States" if shared else None
        for name, body in states.items():
            yield below / name if below is not None else f"{path}.States.{name}", name, body


def json_type(value: Any) -> str:
    """A JSON value's type as messages say it: ``null``, ``a string``, ``an array``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# A state machine's name (and so a workflow's): 1-80 letters, digits, '-' or '_'
# (CreateStateMachine also allows some other characters, which break CloudWatch Logs and
# Terraform names, so flowdsl does not).
STATE_MACHINE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
MAX_STATE_NAME = 80  # a state's name, in characters


def is_state_machine_name(name: Any) -> bool:
    return isinstance(name, str) and STATE_MACHINE_NAME.fullmatch(name) is not None


# States ARNs -----------------------------------------------------------------------------------

# AWS's partitions: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc.
PARTITION_PATTERN = r"aws(?:-[a-z]+)*"
# In a module's text the partition is the provider's data source.
TERRAFORM_PARTITION = "${data.aws_partition.current.partition}"
_STATES_ARN = re.compile(
    r"arn:(?P<partition>" + PARTITION_PATTERN + "|" + re.escape(TERRAFORM_PARTITION)
    + r"):states:::(?P<rest>.+)", re.DOTALL)

# The integration patterns, by the suffix a Resource carries.
REQUEST_RESPONSE, SYNC, SYNC2, TOKEN = "", ".sync", ".sync:2", ".waitForTaskToken"
PATTERN_NAMES = {REQUEST_RESPONSE: "request-response", SYNC: ".sync", SYNC2: ".sync:2",
                 TOKEN: ".waitForTaskToken"}


class StatesArn(NamedTuple):
    """``arn:aws:states:::batch:submitJob.sync`` as ``("aws", "batch", "submitJob", ".sync")``;
    ``aws-sdk:s3:getObject`` gives service ``aws-sdk`` and action ``s3:getObject``."""

    partition: str
    service: str
    action: str
    suffix: str

    @property
    def integration(self) -> str:
        """``batch:submitJob``: the service and action, without the pattern."""
        return f"{self.service}:{self.action}"

    @property
    def rest(self) -> str:
        """What follows ``states:::``: ``batch:submitJob.sync``."""
        return f"{self.service}:{self.action}{self.suffix}"


def parse_states_arn(resource: Any) -> StatesArn | None:
    """A service integration's Resource, parsed; None for anything else (a Lambda function's
    or an activity's ARN, a reference, a non-string)."""
    if not isinstance(resource, str):
        return None
    m = _STATES_ARN.fullmatch(resource)
    if not m:
        return None
    name, dot, suffix = m.group("rest").partition(".")
    service, _, action = name.partition(":")
    return StatesArn(m.group("partition"), service, action, dot + suffix)


def is_states_arn(resource: Any) -> bool:
    """Whether ``resource`` is ``arn:<partition>:states:::...``, any partition."""
    return parse_states_arn(resource) is not None


__all__ = [
    "DocPath", "JSONATA", "JSONPATH", "MAX_STATE_NAME", "PARTITION_PATTERN", "PATTERN_NAMES", "PROCESSOR_KEYS",
    "QUERY_LANGUAGES", "REQUEST_RESPONSE", "STATE_MACHINE_NAME", "STATE_TYPES", "SYNC", "SYNC2", "StatesArn",
    "TASK_LIKE_TYPES", "TERMINAL_TYPES", "TERRAFORM_PARTITION", "TOKEN", "child_scopes",
    "is_state_machine_name", "is_states_arn", "json_type", "parse_states_arn", "processor_key", "walk_scopes",
    "walk_states",
]


def states_arn_rest(resource: Any) -> str | None:
    """What follows ``states:::`` in a service integration's Resource, exactly as written
    (``batch:submitJob.sync``); None for any other Resource."""
    m = _STATES_ARN.fullmatch(resource) if isinstance(resource, str) else None
    return m.group("rest") if m else None


__all__ += ["states_arn_rest"]
