"""ASL -> model: import a plain ASL document so it can be validated, edited and re-emitted.

The model derives ``Next`` from sequences, so the importer rebuilds them: it places states
in the order the compiler would (the chain from ``StartAt``, then each target chain in the
order it is first met) and turns every edge into a sequence link, a target chain, or a
jump by name. Compiling the result gives the same document back.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any, Mapping

import attrs

from flowdsl.conditions import OPERATORS, And, Comparison, Condition, Not, Or
from flowdsl.errors import CompileError, Diagnostic, FlowError, LoadError
from flowdsl.states import (
    NULL,
    Branch,
    Catch,
    Choice,
    Fail,
    Goto,
    Map,
    Parallel,
    Pass,
    Retry,
    State,
    Succeed,
    Task,
    Wait,
    When,
    Workflow,
)
from flowdsl.strict_json import JsonFile, read_json  # re-exported: their former home
from flowdsl.validate import validate
from flowdsl.vocabulary import STATE_TYPES, TERMINAL_TYPES, processor_key

# The model's class of each state type, in the vocabulary's order.
TYPES: dict[str, type[State]] = {
    t: c for t in STATE_TYPES for c in (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)
    if c.TYPE == t}


def _kwargs(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in attrs.fields(cls):
        key = f.metadata.get("asl")
        if key and key in raw and f.name != "error_equals":
            v = raw[key]
            out[f.name] = NULL if v is None else v
    return out


class _Importer:
    def scope(self, raw: dict[str, Any]) -> tuple[Any, ...]:
        states: dict[str, Any] = raw["States"]
        claimed: set[str] = set()
        order: list[str] = []
        chains: dict[str, list[Any]] = {}  # chain head -> [state names..., Goto?]
        # chain head -> the state whose target started it; only that state holds the chain
        # (as the compiler places a chain at its first reference), the others jump by name.
        starter: dict[str, str] = {}

        def follow(head: str) -> None:
            chain: list[Any] = []
            name: str | None = head
            while name is not None:
                if name in claimed:
                    chain.append(Goto(name))
                    break
                claimed.add(name)
                order.append(name)
                chain.append(name)
                st = states[name]
                name = st.get("Next") if st.get("Type") not in TERMINAL_TYPES else None
            chains[head] = chain

        # The same placement order as the compiler: main chain, then targets FIFO.
        queue: deque[str] = deque()
        follow(raw["StartAt"])
        i = 0
        while i < len(order) or queue:
            while i < len(order):
                for t in _targets(states[order[i]]):
                    if t not in claimed and t not in queue:
                        queue.append(t)
                        starter[t] = order[i]
                i += 1
            if queue:
                head = queue.popleft()
                if head not in claimed:
                    follow(head)
                else:  # claimed meanwhile by an earlier target's chain: a jump, not a chain
                    del starter[head]

        built: dict[str, State] = {}

        def item(x: Any) -> Any:
            return x if isinstance(x, Goto) else built[x]

        def target_from(referrer: str) -> Any:
            def target(name: str) -> Any:
                if starter.get(name) == referrer:
                    return tuple(item(x) for x in chains[name])
                return name

            return target

        # Reverse placement order: a chain started by a state is placed after it, so it is built.
        for name in reversed(order):
            built[name] = self.state(name, states[name], target_from(name))
        return tuple(item(x) for x in chains[raw["StartAt"]])

    def state(self, name: str, raw: dict[str, Any], target: Any) -> State:
        cls = TYPES[raw["Type"]]
        kw = _kwargs(cls, raw)
        if "Retry" in raw:
            kw["retry"] = tuple(Retry(r["ErrorEquals"], **_kwargs(Retry, r)) for r in raw["Retry"])
        if "Catch" in raw:
            kw["catch"] = tuple(self.catcher(c, target) for c in raw["Catch"])
        if cls is Parallel:
            kw["branches"] = tuple(self.branch(b) for b in raw["Branches"])
        if cls is Map:
            key = processor_key(raw) or "ItemProcessor"
            kw["legacy_iterator"] = key != "ItemProcessor"
            proc = raw[key]
            kw["processor"] = self.branch(proc)
            if "ProcessorConfig" in proc:
                kw["processor_config"] = proc["ProcessorConfig"]
        if cls is Choice:
            kw["choices"] = tuple(self.rule(r, target) for r in raw["Choices"])
            if "Default" in raw:
                kw["default"] = target(raw["Default"])
        return cls(name, **kw, source=None)

    def catcher(self, raw: dict[str, Any], target: Any) -> Catch:
        return Catch(raw["ErrorEquals"], next=target(raw["Next"]), source=None, **_kwargs(Catch, raw))

    def rule(self, raw: dict[str, Any], target: Any) -> When:
        cond = condition({k: v for k, v in raw.items()
                          if k not in ("Next", "Comment", "Assign", "Output")})
        return When(cond, next=target(raw["Next"]), source=None, **_kwargs(When, raw))

    def branch(self, raw: dict[str, Any]) -> Branch:
        return Branch(self.scope(raw), source=None, **_kwargs(Branch, raw))


def _targets(st: dict[str, Any]) -> list[str]:
    """Targets in the order the compiler resolves them: catchers, then rules, then Default."""
    out = [c["Next"] for c in st.get("Catch", ())]
    out += [r["Next"] for r in st.get("Choices", ())]
    if "Default" in st:
        out.append(st["Default"])
    return out


def condition(raw: dict[str, Any]) -> Any:
    if "Condition" in raw:
        return Condition(raw["Condition"], source=None)
    if "And" in raw:
        return And(tuple(condition(r) for r in raw["And"]), source=None)
    if "Or" in raw:
        return Or(tuple(condition(r) for r in raw["Or"]), source=None)
    if "Not" in raw:
        return Not(condition(raw["Not"]), source=None)
    op = next(k for k in raw if k in OPERATORS)
    return Comparison(raw["Variable"], op, raw[op], source=None)


def import_definition(doc: Any, name: str = "imported",
                      sources: Mapping[str, str] | None = None) -> Workflow:
    """Turn an ASL document into a model; an invalid document raises CompileError with every
    diagnostic (located with ``sources``, path -> file:line), since the model cannot hold what
    the document gets wrong."""
    diagnostics = validate(doc, sources)
    if diagnostics:
        raise CompileError(diagnostics, doc)
    return Workflow(name, _Importer().scope(doc), source=None, **_kwargs(Workflow, doc))


def check_asl(doc: Any, sources: Mapping[str, str] | None = None, path: str | None = None) -> list[Diagnostic]:
    """Every problem of an ASL document: the validator's diagnostics, and whether it imports
    into flowdsl's model (a valid document must)."""
    try:  # importing validates first, so one pass gives the diagnostics and the model
        import_definition(doc, sources=sources)  # as given: a file's sources are looked up lazily
    except CompileError as e:
        return list(e.diagnostics)
    except FlowError:
        raise
    except Exception as e:  # a valid document must import; say so instead of crashing
        return [Diagnostic("import", "$", f"cannot import into the model: {e}", path)]
    return []


def read_asl(path: str | os.PathLike[str]) -> tuple[Any, list[Diagnostic]]:
    """Read an ASL file strictly and check it: the document and every diagnostic (duplicate
    keys first), located ``file:line``. How ``flowdsl validate``, ``graph`` and ``run`` read an
    ASL document; a file that is not JSON, or holds no JSON object, raises LoadError."""
    parsed = read_json(path)
    if not isinstance(parsed.doc, dict):
        raise LoadError(f"{path}: an ASL document is a JSON object, not {type(parsed.doc).__name__}")
    return parsed.doc, list(parsed.duplicates) + check_asl(parsed.doc, parsed.sources(path), str(path))


__all__ = ["TYPES", "JsonFile", "check_asl", "condition", "import_definition", "read_asl", "read_json"]
