"""Model -> Amazon States Language. A pure function; references stay typed objects.

Each state flows into the next item of its sequence (``Next``), and the last state of a
sequence ends its scope (``End``). Catch and Choice targets that are state objects, or
chains of them, are placed in the same scope after the main sequence, in the order they
are first met; a target that is already placed, or a string, is a jump.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import attrs

from flowdsl.conditions import And, Comparison, Condition, Not, Or
from flowdsl.errors import Diagnostic, PathSyntaxError
from flowdsl.lang import jsonpath
from flowdsl.refs import Ref
from flowdsl.states import (
    Branch,
    Catch,
    Choice,
    Goto,
    Map,
    Parallel,
    Retry,
    State,
    Task,
    When,
    Workflow,
    _Catching,
    _Null,
    _TaskBase,
)
from flowdsl.tasks import INTEGRATIONS, states_arn
from flowdsl.vocabulary import JSONATA, JSONPATH, TERMINAL_TYPES, parse_states_arn, states_arn_rest


@attrs.frozen
class Compiled:
    """The compiled definition (references still objects), what went wrong, and where."""

    definition: dict[str, Any]
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]


def _asl_fields(cls: type) -> tuple[attrs.Attribute, ...]:
    cached = _FIELD_CACHE.get(cls)
    if cached is None:
        cached = tuple(f for f in attrs.fields(cls) if "asl" in f.metadata)
        _FIELD_CACHE[cls] = cached
    return cached


_FIELD_CACHE: dict[type, tuple[attrs.Attribute, ...]] = {}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROOTS = {"$": "$states.input", "$$": "$states.context"}


# A typed task under JSONata -------------------------------------------------------------------
#
# A typed class writes its payload the JSONPath way: a value taken from the execution is a
# ``key.$`` whose value is a path (``"Payload.$": "$"``). JSONata has no ``.$`` keys: a value
# is an expression ``{% ... %}`` under the plain key. AWS's guide ("Transforming data with
# JSONata in Step Functions") converts ``"title.$": "$.title"`` to
# ``"title": "{% $states.input.title %}"`` and ``"name.$": "$customerName"`` to
# ``"name": "{% $customerName %}"``; the context object ``$$`` is ``$states.context``. That
# is what flowdsl writes for a reference path (names and indexes only). Anything else under a
# ``.$`` key (an intrinsic function, a filter, a wildcard) has no one JSONata form, and is
# refused: the value must be given as a JSONata expression.

def jsonata_arguments(payload: Any) -> tuple[Any, list[tuple[str, str, Any]]]:
    """A typed task's Parameters as JSONata Arguments, and what cannot be translated:
    (the key's path below the payload, the key, its value)."""
    refused: list[tuple[str, str, Any]] = []
    return _as_jsonata(payload, "", refused), refused


def _as_jsonata(value: Any, at: str, refused: list[tuple[str, str, Any]]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.endswith(".$"):
                expression = jsonata_of_path(item)
                if expression is None:
                    refused.append((f"{at}.{key}", key, item))
                    continue
                out[key[:-2]] = expression
            else:
                out[key] = _as_jsonata(item, f"{at}.{key}", refused)
        return out
    if isinstance(value, (list, tuple)):
        return [_as_jsonata(v, f"{at}[{i}]", refused) for i, v in enumerate(value)]
    return value


def jsonata_of_path(text: Any) -> str | None:
    """``{% $states.input.a.b %}`` for the reference path ``$.a.b`` (``$$...`` reads
    ``$states.context``, ``$name...`` the variable); None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        path = jsonpath.parse(text)
    except PathSyntaxError:
        return None
    if not path.is_reference or path.root not in ("$", "$$", "var"):
        return None
    parts = [_ROOTS.get(path.root) or f"${path.variable}"]
    for step in path.steps:
        if step.kind == "index":
            parts.append(f"[{step.arg}]")
        elif _NAME.fullmatch(step.arg):
            parts.append(f".{step.arg}")
        elif "`" not in step.arg:
            parts.append(f".`{step.arg}`")
        else:
            return None
    return "{% " + "".join(parts) + " %}"


def _field_giving(st: Any, key: str, value: Any) -> str | None:
    """The typed class's own field whose value holds ``key`` (or is ``value``), for a message."""
    own = {f.name for f in attrs.fields(_TaskBase)}
    for f in attrs.fields(type(st)):
        if f.name not in own and _holds(getattr(st, f.name), key, value):
            return f.name
    return None


def _holds(v: Any, key: str, value: Any) -> bool:
    if isinstance(v, dict):
        return key in v or any(_holds(x, key, value) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(_holds(x, key, value) for x in v)
    return isinstance(v, str) and v == value


class _Compiler:
    def __init__(self, partition_refs: bool = False) -> None:
        # a deployed workflow takes its partition from the provider, in plain Tasks too
        self.partition_refs = partition_refs
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, str] = {}
        self.names: dict[str, str] = {}  # state name -> path where first placed
        self.language = JSONPATH  # the query language of the scope being compiled

    def error(self, code: str, path: str, message: str, source: str | None) -> None:
        self.diagnostics.append(Diagnostic(code, path, message, source))

    # values -------------------------------------------------------------------------------
    def value(self, value: Any, path: str, source: str | None) -> Any:
        if value is None or isinstance(value, (bool, int, float, str, Ref)):
            return value
        if isinstance(value, _Null):
            return None
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.error("bad-value", path, f"payload keys must be strings, not {key!r}",
                               source)
                    continue
                out[key] = self.value(item, f"{path}.{key}", source)
            return out
        if isinstance(value, (list, tuple)):
            return [self.value(v, f"{path}[{i}]", source) for i, v in enumerate(value)]
        self.error("bad-value", path,
                   f"{type(value).__name__} is not a JSON value or a deploy-time reference", source)
        return None

    def fields(self, obj: Any, out: dict[str, Any], path: str) -> None:
        for f in _asl_fields(type(obj)):
            value = getattr(obj, f.name)
            if value is None:
                continue
            out[f.metadata["asl"]] = self.value(value, f"{path}.{f.metadata['asl']}", obj.source)

    # scopes -------------------------------------------------------------------------------
    def scope(self, items: tuple[Any, ...], path: str, holder: Any) -> tuple[Any, dict[str, Any]]:
        states: dict[str, Any] = {}
        placed: dict[str, State] = {}
        queue: deque[tuple[Any, ...]] = deque()
        start: Any = None

        def target(t: Any, at: str, source: str | None) -> Any:
            if isinstance(t, str):
                return t
            if isinstance(t, Goto):
                return t.target
            chain = t if isinstance(t, tuple) else (t,)
            if not chain:
                self.error("bad-target", at, "an empty chain is not a target", source)
                return None
            first = chain[0]
            if isinstance(first, (str, Goto)):
                return first if isinstance(first, str) else first.target
            if not isinstance(first, State):
                self.error("bad-target", at,
                           f"a target must be a state, a chain of states or a name, not "
                           f"{type(first).__name__}", source)
                return None
            if placed.get(first.name) != first:
                queue.append(chain)
            return first.name

        def run_chain(chain: tuple[Any, ...]) -> str | None:
            first_name: str | None = None
            prev: dict[str, Any] | None = None
            for item in chain:
                if isinstance(item, (Goto, str)):
                    name = item.target if isinstance(item, Goto) else item
                    if prev is not None:
                        prev["Next"] = name
                        prev.pop("End", None)
                    elif first_name is None:
                        first_name = name
                    prev = None
                    continue
                if not isinstance(item, State):
                    self.error("bad-item", path,
                               f"a sequence holds states, not {type(item).__name__}",
                               getattr(holder, "source", None))
                    continue
                if item.name in placed:
                    if placed[item.name] == item:  # the same state again: a jump to it
                        if prev is not None:
                            prev["Next"] = item.name
                            prev.pop("End", None)
                        elif first_name is None:
                            first_name = item.name
                        prev = None
                        continue
                    spath = f"{path}.States.{item.name}"
                    self.error("duplicate-name", spath,
                               f"state name {item.name!r} is already used at "
                               f"{self.names.get(item.name, spath)}", item.source)
                    continue
                spath = f"{path}.States.{item.name}"
                if item.name in self.names:
                    self.error("duplicate-name", spath,
                               f"state name {item.name!r} is already used at "
                               f"{self.names[item.name]}", item.source)
                else:
                    self.names[item.name] = spath
                placed[item.name] = item
                body = self.state(item, spath, target)
                states[item.name] = body
                if first_name is None:
                    first_name = item.name
                if prev is not None:
                    prev["Next"] = item.name
                    prev.pop("End", None)
                if item.TYPE in TERMINAL_TYPES:
                    prev = None
                else:
                    body["End"] = True
                    prev = body
            return first_name

        start = run_chain(items)
        while queue:
            run_chain(queue.popleft())
        return start, states

    def branch(self, branch: Any, path: str) -> dict[str, Any]:
        if not isinstance(branch, Branch):
            self.error("bad-branch", path, f"a branch must be a Branch, not {type(branch).__name__}",
                       None)
            return {"StartAt": None, "States": {}}
        outer = self.language
        self.language = branch.query_language or outer
        start, states = self.scope(branch.states, path, branch)
        self.language = outer
        out: dict[str, Any] = {}
        self.fields(branch, out, path)
        if start is None:
            self.error("empty-scope", path, "a branch needs at least one state", branch.source)
        out["StartAt"] = start
        out["States"] = states
        return out

    # states -------------------------------------------------------------------------------
    def state(self, st: State, path: str, target: Any) -> dict[str, Any]:
        outer = self.language
        self.language = st.query_language or outer
        try:
            return self._state(st, path, target)
        finally:
            self.language = outer

    def typed_payload(self, st: State, params: Any, path: str) -> tuple[str, Any]:
        """The ASL key and value of a typed task's payload: Parameters, or under JSONata the
        same payload as Arguments (``.$`` keys written as expressions)."""
        if self.language != JSONATA:
            return "Parameters", self.value(params, f"{path}.Parameters", st.source)
        arguments, refused = jsonata_arguments(params)
        for below, key, value in refused:
            field = _field_giving(st, key, value)
            given = f"{type(st).__name__}.{field}" if field else type(st).__name__
            self.error("query-language", f"{path}.Arguments{below}",
                       f"{given} gives {key!r}: {value!r}; this state uses JSONata, where "
                       f"flowdsl writes only a reference path ($.a.b, $$.Task.Token, $name.a) as "
                       f"an expression: give {key[:-2]!r} a JSONata expression '{{% ... %}}' "
                       f"instead", st.source)
        return "Arguments", self.value(arguments, f"{path}.Arguments", st.source)

    def _state(self, st: State, path: str, target: Any) -> dict[str, Any]:
        if st.source:
            self.sources[path] = st.source
        out: dict[str, Any] = {"Type": st.TYPE}
        self.fields(st, out, path)
        integration = INTEGRATIONS.get(type(st))
        arn = parse_states_arn(st.resource) if self.partition_refs and isinstance(st, Task) else None
        if arn is not None and arn.partition == "aws":
            # the partition comes from the provider, as in the typed tasks' output
            out["Resource"] = states_arn(states_arn_rest(st.resource))
        if integration is not None:
            out["Resource"] = self.value(integration.resource(st), f"{path}.Resource", st.source)
            key, payload = self.typed_payload(st, integration.parameters(st), path)
            out[key] = payload
        if isinstance(st, _Catching):
            if st.retry:
                out["Retry"] = [self.retry(r, f"{path}.Retry[{i}]") for i, r in enumerate(st.retry)]
            if st.catch:
                out["Catch"] = [self.catch(c, f"{path}.Catch[{i}]", target)
                                for i, c in enumerate(st.catch)]
        if isinstance(st, Parallel):
            out["Branches"] = [self.branch(b, f"{path}.Branches[{i}]")
                               for i, b in enumerate(st.branches)]
        elif isinstance(st, Map):
            key = "Iterator" if st.legacy_iterator else "ItemProcessor"
            proc = self.branch(st.processor, f"{path}.{key}")
            if st.processor_config is not None:
                proc["ProcessorConfig"] = self.value(st.processor_config,
                                                     f"{path}.{key}.ProcessorConfig", st.source)
            out[key] = proc
        elif isinstance(st, Choice):
            out["Choices"] = [self.rule(r, f"{path}.Choices[{i}]", target)
                              for i, r in enumerate(st.choices)]
            if st.default is not None:
                out["Default"] = target(st.default, f"{path}.Default", st.source)
        return out

    def retry(self, r: Any, path: str) -> Any:
        if not isinstance(r, Retry):
            self.error("bad-retry", path, f"expected a Retry, not {type(r).__name__}", None)
            return {}
        if r.source:
            self.sources[path] = r.source
        out: dict[str, Any] = {"ErrorEquals": list(r.error_equals)}
        self.fields(r, out, path)
        return out

    def catch(self, c: Any, path: str, target: Any) -> Any:
        if not isinstance(c, Catch):
            self.error("bad-catch", path, f"expected a Catch, not {type(c).__name__}", None)
            return {}
        if c.source:
            self.sources[path] = c.source
        out: dict[str, Any] = {"ErrorEquals": list(c.error_equals)}
        self.fields(c, out, path)
        out["Next"] = target(c.next, f"{path}.Next", c.source)
        return out

    def rule(self, rule: Any, path: str, target: Any) -> Any:
        if not isinstance(rule, When):
            self.error("bad-choice-rule", path, f"expected a When rule, not {type(rule).__name__}",
                       None)
            return {}
        if rule.source:
            self.sources[path] = rule.source
        out = self.condition(rule.condition, path, rule.source, top=True)
        self.fields(rule, out, path)
        out["Next"] = target(rule.next, f"{path}.Next", rule.source)
        return out

    def condition(self, cond: Any, path: str, source: str | None, top: bool = False) -> dict[str, Any]:
        own = getattr(cond, "source", None)
        if own and own != source:  # a condition built on a line of its own
            out = self._condition(cond, path, own)
            # the top-level condition shares its path with the rule: locate its own keys
            for p in [f"{path}.{k}" for k in out] if top else [path]:
                self.sources[p] = own
            return out
        return self._condition(cond, path, source)

    def _condition(self, cond: Any, path: str, source: str | None) -> dict[str, Any]:
        if isinstance(cond, Comparison):
            return {"Variable": cond.variable,
                    cond.operator: self.value(cond.value, f"{path}.{cond.operator}", source)}
        if isinstance(cond, (And, Or)):
            key = "And" if isinstance(cond, And) else "Or"
            return {key: [self.condition(c, f"{path}.{key}[{i}]", source)
                          for i, c in enumerate(cond.conditions)]}
        if isinstance(cond, Not):
            return {"Not": self.condition(cond.condition, f"{path}.Not", source)}
        if isinstance(cond, Condition):
            return {"Condition": self.value(cond.expression, f"{path}.Condition", source)}
        self.error("bad-condition", path, f"expected a condition, not {type(cond).__name__}", source)
        return {}


def compile_workflow(workflow: Workflow) -> Compiled:
    """Compile the model to an ASL dict. Structural problems come back as diagnostics."""
    c = _Compiler(partition_refs=workflow.deployment is not None)
    c.language = workflow.query_language or c.language
    start, states = c.scope(workflow.states, "$", workflow)
    doc: dict[str, Any] = {}
    c.fields(workflow, doc, "$")
    if start is None:
        c.error("empty-scope", "$", "a workflow needs at least one state", workflow.source)
    doc["StartAt"] = start
    doc["States"] = states
    return Compiled(doc, tuple(c.diagnostics), c.sources)


__all__ = ["Compiled", "compile_workflow", "jsonata_arguments", "jsonata_of_path"]
