"""Model -> Amazon States Language. A pure function; references stay typed objects.

Each state flows into the next item of its sequence (``Next``), and the last state of a
sequence ends its scope (``End``). Catch and Choice targets that are state objects, or
chains of them, are placed in the same scope after the main sequence, in the order they
are first met; a target that is already placed, or a string, is a jump.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import attrs

from flowdsl.conditions import And, Comparison, Condition, Not, Or
from flowdsl.errors import Diagnostic
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
)
from flowdsl.tasks import INTEGRATIONS, states_arn
from flowdsl.vocabulary import TERMINAL_TYPES, parse_states_arn, states_arn_rest


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


class _Compiler:
    def __init__(self, partition_refs: bool = False) -> None:
        # a deployed workflow takes its partition from the provider, in plain Tasks too
        self.partition_refs = partition_refs
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, str] = {}
        self.names: dict[str, str] = {}  # state name -> path where first placed

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
        start, states = self.scope(branch.states, path, branch)
        out: dict[str, Any] = {}
        self.fields(branch, out, path)
        if start is None:
            self.error("empty-scope", path, "a branch needs at least one state", branch.source)
        out["StartAt"] = start
        out["States"] = states
        return out

    # states -------------------------------------------------------------------------------
    def state(self, st: State, path: str, target: Any) -> dict[str, Any]:
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
            out["Parameters"] = self.value(integration.parameters(st), f"{path}.Parameters",
                                           st.source)
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
    start, states = c.scope(workflow.states, "$", workflow)
    doc: dict[str, Any] = {}
    c.fields(workflow, doc, "$")
    if start is None:
        c.error("empty-scope", "$", "a workflow needs at least one state", workflow.source)
    doc["StartAt"] = start
    doc["States"] = states
    return Compiled(doc, tuple(c.diagnostics), c.sources)


__all__ = ["Compiled", "compile_workflow"]
