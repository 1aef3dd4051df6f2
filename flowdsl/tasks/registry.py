"""The registry of service integrations, and what an integration module is written with.

Two tables, filled by the integration modules as they load:

* ``INTEGRATIONS``: typed class -> :class:`Integration` (its Resource, its Parameters, the
  Terraform resources it brings, its inverse for ``flowdsl import``, its property-test
  example), filled by :func:`register`;
* ``CATALOG``: ``service:action`` -> :class:`Spec` (the patterns it supports, the IAM it
  needs, its scope in words), filled by the :func:`integration` decorator. Beside it,
  ``SERVICES`` holds a service whose actions are not listed one by one (``aws-sdk``), and
  ``RESOURCES`` a Resource that is an ARN of its own (a Lambda function's, an activity's),
  keyed by the ARN's service.

A lookup that misses imports the rest of the package (:func:`load_all`) and asks again, so a
workflow imports only the integrations it uses, and a new module is found with no edit
elsewhere. Beside the tables: the ARN vocabulary (``split``, ``check``, ``grants``,
``resource_text``, ``pattern_of``), the grant toolkit (``arn``, ``sync_rule``, ``is_arn``,
``name_or_arn``, :class:`Call`) and the typed-task toolkit (``compact``, ``inverse``,
``take``, ``suffix_of``, ``pattern_field``).

It imports the model's leaves only (refs, iam, errors, vocabulary, params, offered), never an
integration module by name: the integrations, the policy and the compilers import it.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from flowdsl.errors import ModelError, did_you_mean
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Join, Ref, ResourceAttr, Var, join
from flowdsl.tasks.offered import OFFERED, offered
from flowdsl.tasks.params import DYNAMIC, MISSING, known, param
from flowdsl.vocabulary import (
    PATTERN_NAMES,
    REQUEST_RESPONSE,
    SYNC,
    SYNC2,
    TOKEN,
    parse_states_arn,
)

# What a typed task's ``pattern=`` field takes, and the suffix it means.
PATTERNS = {"request_response": REQUEST_RESPONSE, "sync": SYNC, "sync:2": SYNC2,
            "wait_for_task_token": TOKEN}


# The typed classes ---------------------------------------------------------------------------

class Sampler(Protocol):
    """What an :attr:`Integration.example` draws with (``flowdsl.testing.strategies``)."""

    refs: bool  # whether deploy-time references (``var``, a created resource) may appear

    def pick(self, options: Sequence[Any]) -> Any: ...  # one of ``options``

    def flag(self) -> bool: ...

    def var(self, name: str) -> Any: ...  # the module input ``name`` (only when ``refs``)

    def shared(self, key: str, make: Callable[[], Any]) -> Any: ...  # one per workflow


@frozen
class Integration:
    resource: Callable[[Any], Any]
    parameters: Callable[[Any], dict[str, Any]]
    # extra statements for the state machine's role, beside what the catalog derives
    iam: Callable[[Any], tuple[Any, ...]] = lambda state: ()
    # Terraform resources the integration brings, given the module (flowdsl.terraform.Module)
    # and every state of this kind in the graph.
    terraform: Callable[[Any, list[Any]], None] = lambda module, states: None
    # ASL -> model: given a plain Task's Resource (a string, any partition) and Parameters,
    # the typed class's own keyword arguments that produce them, or None when this
    # integration does not express them. ``flowdsl import`` uses it (through ``typed``) and
    # keeps the typed class only if it gives back exactly the same Resource and Parameters.
    inverse: Callable[[str, Any], "dict[str, Any] | None"] | None = None
    # For property tests: the keyword arguments of one typical instance, drawn with a
    # Sampler (the state's name, timeouts, Retry and Catch come from the strategy).
    example: Callable[[Sampler], dict[str, Any]] | None = None


INTEGRATIONS: dict[type, Integration] = {}


def register(cls: type, integration: Integration) -> None:
    INTEGRATIONS[cls] = integration


# The IAM of each service:action --------------------------------------------------------------

class ParameterError(ModelError):
    """A parameter whose value the integration cannot take (an object where a name belongs, a
    malformed ARN): ``field`` is its key in Parameters, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Call:
    """One task's call: the integration, its pattern, its parameters, the workflow's context
    (:class:`Context`, or None outside a deployment)."""

    __slots__ = ("service", "action", "pattern", "params", "context", "read")

    def __init__(self, service: str, action: str, pattern: str, params: Any,
                 context: Any = None) -> None:
        self.service, self.action, self.pattern = service, action, pattern
        self.params, self.context = params, context
        self.read: list[str] = []  # the keys the grants asked for, in order

    def get(self, key: str) -> Any:
        """A parameter's value, ``DYNAMIC`` when the execution supplies it, or ``MISSING``."""
        self.read.append(key)
        return param(self.params, key)

    def derive(self, fn: Callable[["Call"], list[Allow]]) -> list[Allow]:
        """``fn``'s grants; an object or a list where the grants need text (a name, an ARN)
        is a :class:`ParameterError` naming its key."""
        try:
            return fn(self)
        except ParameterError:
            raise
        except ModelError as e:
            for key in self.read:
                value = param(self.params, key)
                if isinstance(value, (dict, list)):
                    kind = "an object" if isinstance(value, dict) else "a list"
                    raise ParameterError(key, f"{key} is {kind}, where {self.service}:"
                                         f"{self.action} takes a name or an ARN") from e
            raise


class Spec:
    """An optimized integration: the patterns it supports, the grants it needs, and its
    resource scope in words (the README's table)."""

    __slots__ = ("patterns", "grants", "scope")

    def __init__(self, patterns: tuple[str, ...], grants: Callable[[Call], list[Allow]],
                 scope: str) -> None:
        self.patterns, self.grants, self.scope = patterns, grants, scope


CATALOG: dict[str, Spec] = {}


def integration(name: str, patterns: tuple[str, ...], scope: str) -> Callable[[Any], Any]:
    """Register the decorated function as the grants of ``name`` (``service:action``)."""
    def add(fn: Callable[[Call], list[Allow]]) -> Callable[[Call], list[Allow]]:
        CATALOG[name] = Spec(patterns, fn, scope)
        return fn
    return add


class Arn(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str


# A Resource that is an ARN of its own, by the ARN's service: the resource (text or a
# reference) and its parsed text -> the grants, or None when the service's module does not
# know that kind of resource.
RESOURCES: dict[str, Callable[[Any, Arn], "list[Allow] | None"]] = {}


def resource_arns(service: str) -> Callable[[Any], Any]:
    """Register the decorated function as the grants of a Resource that is ``service``'s ARN."""
    def add(fn: Callable[[Any, Arn], list[Allow] | None]) -> Callable[[Any, Arn], list[Allow] | None]:
        RESOURCES[service] = fn
        return fn
    return add


@frozen
class Service:
    """A service whose actions are not listed one by one (``aws-sdk``, whose actions are
    every AWS API): its own check of ``action`` and ``suffix`` (a message, or None when fine)
    and its own grants (None when it cannot tell)."""

    check: Callable[[str, str], "str | None"]
    grants: Callable[[str, str, Any], "list[Allow] | None"]


SERVICES: dict[str, Service] = {}


def register_service(name: str, service: Service) -> None:
    """Register the handler of every ``arn:<partition>:states:::<name>:...`` Resource that
    ``CATALOG`` does not list."""
    SERVICES[name] = service


_loaded = False


def load_all() -> None:
    """Import every module of this package: each integration registers itself. A workflow
    needs none of this: a state's class is imported, and so registered, before it is built.
    (Once: a module is imported once.)"""
    global _loaded
    if _loaded:
        return
    import pkgutil

    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if not info.name.startswith("_") and info.name not in MACHINERY:
            importlib.import_module(f"{__package__}.{info.name}")
    _loaded = True


def _lookup(table: dict[str, Any], key: str) -> Any:
    """``table[key]``; when missing, after importing every integration module (once)."""
    found = table.get(key)
    if found is None and not _loaded:
        load_all()
        found = table.get(key)
    return found


def _owner(service: str, action: str) -> Spec | Service | None:
    """What knows ``service:action``: its Spec, or its service's handler."""
    while True:
        found = CATALOG.get(f"{service}:{action}") or SERVICES.get(service)
        if found is not None or _loaded:
            return found
        load_all()


def spec(name: str) -> Spec | None:
    """The registered :class:`Spec` of ``service:action``, if any."""
    return _lookup(CATALOG, name)


def specs() -> dict[str, Spec]:
    """Every registered integration, by ``service:action`` (all modules loaded)."""
    load_all()
    return CATALOG


# Resources ------------------------------------------------------------------------------------

def states_arn(service_action: str) -> Join:
    """``arn:<partition>:states:::<service_action>``, partition taken from the provider."""
    return join("arn:", PARTITION, f":states:::{service_action}")


def service_action(resource: str) -> str | None:
    """``lambda:invoke`` for ``arn:<partition>:states:::lambda:invoke``; None otherwise."""
    parsed = parse_states_arn(resource)
    return parsed.rest if parsed is not None else None


def resource_text(resource: Any) -> str | None:
    """A Resource as text (references in template syntax), or None for a bare reference."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, Join):
        from flowdsl.placeholders import template

        return template(resource)
    return None


def split(resource: str) -> tuple[str, str, str] | None:
    """``(service, action, pattern suffix)`` of a service integration, or None for another
    kind of resource. ``aws-sdk:s3:getObject`` gives ``("aws-sdk", "s3:getObject", ...)``."""
    parsed = parse_states_arn(resource)
    return None if parsed is None else (parsed.service, parsed.action, parsed.suffix)


def parse_arn(text: str) -> Arn | None:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``, parsed; None otherwise."""
    m = re.fullmatch(r"arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)", text)
    return Arn(*m.groups()) if m else None


def pattern_of(resource: Any, name: str) -> str | None:
    """The pattern suffix when ``resource`` is the integration ``name`` (any partition)."""
    text = resource_text(resource)
    parts = split(text) if text is not None else None
    if parts is None or f"{parts[0]}:{parts[1]}" != name:
        return None
    return parts[2]


def check(resource: str) -> str | None:
    """What is wrong with a service integration Resource, with a did-you-mean; None if fine
    (or if it is not a service integration)."""
    parts = split(resource)
    if parts is None:
        return None
    service, action, suffix = parts
    found = _owner(service, action)
    if isinstance(found, Service):
        return found.check(action, suffix)
    name = f"{service}:{action}"
    # what Step Functions offers decides what validates, whether or not flowdsl knows its IAM
    patterns = found.patterns if found is not None else offered(name)
    if patterns is None:
        hint = did_you_mean(name, {**OFFERED, **specs()}, ignore_case=False).aside
        return (f"{name!r} is not a Step Functions optimized integration{hint}; "
                f"for any other API use 'arn:aws:states:::aws-sdk:<service>:<apiAction>'")
    if suffix not in patterns:
        allowed = ", ".join(PATTERN_NAMES[p] for p in patterns)
        hint = did_you_mean(suffix, [p for p in patterns if p], ignore_case=False).aside
        return (f"{name} does not support the {suffix!r} pattern{hint} "
                f"(it supports {allowed})")
    return None


def grants(resource: Any, params: Any, context: Any = None) -> list[Allow] | None:
    """What a task with this Resource and these Parameters needs; None when nobody knows."""
    text = resource_text(resource)
    if text is None:
        return None
    parts = split(text)
    if parts is None:
        parsed = parse_arn(text)
        own = _lookup(RESOURCES, parsed.service) if parsed is not None else None
        return own(resource, parsed) if own is not None else None
    service, action, suffix = parts
    found = _owner(service, action)
    if isinstance(found, Service):
        return found.grants(action, suffix, params)
    if found is None or suffix not in found.patterns:
        return None
    return Call(service, action, suffix, params, context).derive(found.grants)


@frozen
class Context:
    """What grants may refer to beside the task itself: the state machine being deployed."""

    state_machine_name: Any

    @property
    def state_machine_arn(self) -> Join:
        return join("arn:", PARTITION, ":states:", REGION, ":", ACCOUNT_ID, ":stateMachine:",
                    self.state_machine_name)

    @property
    def executions_arn(self) -> Join:
        # a Distributed Map's child executions, as iam-policies-eg-dist-map.md grants them
        return join("arn:", PARTITION, ":states:", REGION, ":", ACCOUNT_ID, ":execution:",
                    self.state_machine_name, ":*")


# The grant toolkit ----------------------------------------------------------------------------

def arn(service: str, *resource: str | Ref, region: bool = True, account: bool = True) -> Join:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` from the provider's data."""
    return join("arn:", PARTITION, f":{service}:", REGION if region else "", ":",
                ACCOUNT_ID if account else "", ":", *resource)


def sync_rule(name: str) -> Allow:
    """The managed EventBridge rule through which a ``.sync`` task learns its job finished."""
    return Allow(("events:DescribeRule", "events:PutRule", "events:PutTargets"),
                 (arn("events", f"rule/{name}"),))


def is_arn(value: Any) -> bool:
    """Whether a value holds an ARN rather than a name: literal text that starts with
    ``arn:``, a resource's ``arn`` attribute, a variable named ``..._arn``, or a join that
    starts with one of those."""
    if isinstance(value, str):
        return value.startswith("arn:")
    if isinstance(value, ResourceAttr):
        return value.attribute.startswith("arn")
    if isinstance(value, Var):
        return value.name.endswith("arn")
    if isinstance(value, Join):
        return is_arn(value.parts[0])
    return False


def name_or_arn(value: Any, service: str, prefix: str) -> str | Ref:
    """A resource given by name or ARN, as an ARN (``prefix`` is e.g. ``table/``)."""
    return value if is_arn(value) else arn(service, prefix, value)


def split_qualifier(value: str | Ref, parts: int) -> str | Ref:
    """Drop a trailing ``:qualifier`` from a name or ARN that has ``parts`` ``:``-separated
    parts without it. In a join, a reference at the start stands for a whole name or ARN."""
    if isinstance(value, str):
        pieces = value.split(":")
        return ":".join(pieces[:parts]) if len(pieces) > parts else value
    if not isinstance(value, Join):
        return value
    whole = not isinstance(value.parts[0], str)
    limit = 0 if whole else parts - 1  # the colons the name or ARN itself holds
    seen = 0
    for i, part in enumerate(value.parts):
        if not isinstance(part, str):
            continue
        for j, ch in enumerate(part):
            if ch == ":":
                seen += 1
                if seen > limit:
                    return join(*value.parts[:i], part[:j])
    return value


# The typed-task toolkit -----------------------------------------------------------------------

def pattern_field(suffix: str) -> str:
    """The typed classes' ``pattern=`` value for a suffix."""
    return {v: k for k, v in PATTERNS.items()}[suffix]


def suffix_of(pattern: str) -> str:
    """A typed task's ``pattern=`` as a Resource suffix (an unknown one is kept, and the
    validator reports it with a did-you-mean)."""
    return PATTERNS[pattern] if pattern in PATTERNS else f".{pattern}"


def take(params: Any, fields: dict[str, str], rest: str | None = None) -> dict[str, Any] | None:
    """Keyword arguments from Parameters, by ASL key -> field name; the keys (or ``.$`` forms)
    these fields cannot express go into the ``rest`` field (the class's ``options``), or,
    without one, give None."""
    if not isinstance(params, dict):
        return None
    out: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for key, value in params.items():
        if key in fields:
            out[fields[key]] = value
        elif rest is None:
            return None
        else:
            others[key] = value
    if others:
        out[rest] = others
    return out


def compact(pairs: dict[str, Any], options: Any = None) -> dict[str, Any]:
    """Parameters without the fields left out (None), then ``options`` (API fields the class
    does not model) on top."""
    out = {k: v for k, v in pairs.items() if v is not None}
    if isinstance(options, dict):
        out.update(options)
    return out


def inverse(name: str, fields: dict[str, str], required: tuple[str, ...] = (),
            patterns: bool = True) -> Callable[[str, Any], dict[str, Any] | None]:
    """An inverse for a typed class whose Parameters map key by key onto its fields, and
    whose ``options`` holds the API fields it does not model."""
    def invert(resource: str, params: Any) -> dict[str, Any] | None:
        suffix = pattern_of(resource, name)
        found = spec(name) if suffix is not None else None
        if found is None or suffix not in found.patterns:
            return None
        kwargs = take(params, fields, rest="options")
        if kwargs is None or not set(required) <= set(kwargs):
            return None
        if patterns:
            kwargs["pattern"] = pattern_field(suffix)
        return kwargs
    return invert


# What the package offers ``flowdsl`` ------------------------------------------------------------

# The modules of this package that are no integration: what the integrations are written with.
MACHINERY = frozenset({"narrowing", "offered", "params", "policy", "registry", "sdk",
                       "sdk_services", "table"})
_exports: dict[str, str] | None = None


def exports() -> dict[str, str]:
    """Public name -> integration module (``{"GlueJob": "glue", ...}``): each module's literal
    ``__all__``, read from its source, so that ``flowdsl`` can offer a name without importing
    every integration. A module whose ``__all__`` is not a literal is imported to read it."""
    global _exports
    if _exports is None:
        import pkgutil

        found: dict[str, str] = {}
        here = Path(__file__).parent
        for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
            if info.name.startswith("_") or info.name in MACHINERY:
                continue
            for name in _public_names(here / f"{info.name}.py", info.name):
                found.setdefault(name, info.name)
        _exports = found
    return _exports


def _public_names(path: Path, module: str) -> list[str]:
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        source = None
    if source is not None:
        m = re.search(r"^__all__\s*=\s*([\[(][^\])]*[\])])", source, re.MULTILINE)
        if m is None:
            return []
        try:
            return list(ast.literal_eval(m.group(1)))
        except (ValueError, SyntaxError):
            pass
    return list(getattr(importlib.import_module(f"{__package__}.{module}"), "__all__", ()))


__all__ = [
    "CATALOG", "DYNAMIC", "INTEGRATIONS", "MACHINERY", "MISSING", "PATTERNS", "PATTERN_NAMES",
    "REQUEST_RESPONSE", "RESOURCES", "SERVICES", "SYNC", "SYNC2", "TOKEN", "Arn", "Call",
    "Context", "Integration", "ParameterError", "Sampler", "Service", "Spec", "arn", "check", "compact", "exports", "grants", "integration",
    "inverse", "is_arn", "known", "load_all", "name_or_arn", "param", "parse_arn", "pattern_field",
    "pattern_of", "register", "register_service", "resource_arns", "resource_text", "service_action", "spec", "specs",
    "split", "split_qualifier", "states_arn", "suffix_of", "sync_rule", "take",
]
