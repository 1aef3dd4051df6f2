"""ASL -> model: import a plain ASL document so it can be validated, edited and re-emitted.

The model derives ``Next`` from sequences, so the importer rebuilds them: it places states
in the order the compiler would (the chain from ``StartAt``, then each target chain in the
order it is first met) and turns every edge into a sequence link, a target chain, or a
jump by name. Compiling the result gives the same document back.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path
from typing import Any

import attrs

from flowdsl.conditions import OPERATORS, And, Comparison, Condition, Not, Or
from flowdsl.errors import CompileError, Diagnostic
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
from flowdsl.validate import validate

TYPES: dict[str, type[State]] = {c.TYPE: c for c in (Pass, Task, Choice, Wait, Succeed, Fail,
                                                       Parallel, Map)}


@attrs.frozen
class JsonFile:
    """A parsed JSON document, with the line of every key and array item, by its path."""

    doc: Any
    lines: dict[str, int]
    duplicates: tuple[Diagnostic, ...]

    def sources(self, path: str | Path) -> dict[str, str]:
        """``file:line`` by document path, the form diagnostics take their source from."""
        return {p: f"{path}:{line}" for p, line in self.lines.items()}


def read_json(path: str | Path) -> JsonFile:
    """Parse a JSON file; report duplicate keys, which ``json`` would silently merge."""
    from flowdsl import strict_json

    doc = strict_json.read(path)  # UTF-8, no NaN or lone surrogates, nesting bounded
    text = Path(path).read_text(encoding="utf-8-sig")
    lines, dupes = _locate(text)
    duplicates = tuple(
        Diagnostic("duplicate-key", at, f"the key {at.rsplit('.', 1)[-1]!r} appears twice in one "
                   "object; JSON readers keep only one of them", f"{path}:{line}")
        for at, line in dupes)
    return JsonFile(doc, lines, duplicates)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r"[^,\]\}\s]+")


def _locate(text: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Walk valid JSON text: the line of each key and array item, and repeated keys."""
    lines: dict[str, int] = {"$": 1}
    dupes: list[tuple[str, int]] = []
    i, n = 0, len(text)

    def skip() -> None:
        nonlocal i
        while i < n and text[i] in " \t\r\n":
            i += 1

    counted, at_line = 0, 1

    def line() -> int:  # positions only move forward, so count newlines incrementally
        nonlocal counted, at_line
        at_line += text.count("\n", counted, i)
        counted = i
        return at_line

    def value(path: str) -> None:
        nonlocal i
        skip()
        ch = text[i]
        if ch == "{":
            i += 1
            seen: set[str] = set()
            skip()
            if text[i] == "}":
                i += 1
                return
            while True:
                skip()
                m = _STRING.match(text, i)
                assert m is not None
                key = json.loads(m.group())
                at = f"{path}.{key}"
                if key in seen:
                    dupes.append((at, line()))
                else:
                    lines[at] = line()
                seen.add(key)
                i = m.end()
                skip()
                i += 1  # ':'
                value(at)
                skip()
                if text[i] == ",":
                    i += 1
                    continue
                i += 1  # '}'
                return
        if ch == "[":
            i += 1
            skip()
            if text[i] == "]":
                i += 1
                return
            index = 0
            while True:
                skip()
                lines[f"{path}[{index}]"] = line()
                value(f"{path}[{index}]")
                index += 1
                skip()
                if text[i] == ",":
                    i += 1
                    continue
                i += 1  # ']'
                return
        m = (_STRING if ch == '"' else _SCALAR).match(text, i)
        assert m is not None
        i = m.end()

    value("$")
    return lines, dupes


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
                name = st.get("Next") if st.get("Type") not in ("Choice", "Succeed", "Fail") else None
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
            key = "Iterator" if "Iterator" in raw else "ItemProcessor"
            kw["legacy_iterator"] = key == "Iterator"
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
                      sources: dict[str, str] | None = None) -> Workflow:
    """Turn an ASL document into a model; an invalid document raises CompileError with every
    diagnostic (located with ``sources``, path -> file:line), since the model cannot hold what
    the document gets wrong."""
    diagnostics = validate(doc, sources)
    if diagnostics:
        raise CompileError(diagnostics, doc)
    return Workflow(name, _Importer().scope(doc), source=None, **_kwargs(Workflow, doc))
