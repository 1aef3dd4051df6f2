"""Small, independent helpers for the property tests: a path resolver and a graph walker."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any

from flowdsl.states import Choice, Map, Parallel, State, Workflow, _Catching

_MISSING = object()


def resolve_path(doc: Any, path: str) -> Any:
    """The node at a diagnostic path such as ``$.States.My.State.Catch[0].Next``.

    State names may hold dots and spaces, so a ``.name`` step is matched greedily against the
    keys that actually exist (longest first, backtracking). Raises KeyError if nothing matches.
    """
    if not path.startswith("$"):
        raise KeyError(f"{path!r} does not start with '$'")
    hit = _resolve(doc, path[1:])
    if hit is _MISSING:
        raise KeyError(f"{path!r} does not resolve")
    return hit


def _resolve(node: Any, rest: str) -> Any:
    if not rest:
        return node
    if rest.startswith("["):
        m = re.match(r"\[(\d+)\]", rest)
        if not m or not isinstance(node, list) or int(m.group(1)) >= len(node):
            return _MISSING
        return _resolve(node[int(m.group(1))], rest[m.end():])
    if not rest.startswith(".") or not isinstance(node, dict):
        return _MISSING
    rest = rest[1:]
    for key in sorted((k for k in node if rest.startswith(k)), key=len, reverse=True):
        after = rest[len(key):]
        if after and after[0] not in ".[":
            continue
        hit = _resolve(node[key], after)
        if hit is not _MISSING:
            return hit
    return _MISSING


# ASL graph --------------------------------------------------------------------------------------

def scopes(doc: dict, path: str = "$") -> Iterator[tuple[str, dict]]:
    """Every scope (the machine, each branch, each item processor) with its path."""
    yield path, doc
    for name, st in doc["States"].items():
        for i, b in enumerate(st.get("Branches", ())):
            yield from scopes(b, f"{path}.States.{name}.Branches[{i}]")
        for key in ("ItemProcessor", "Iterator"):
            if key in st:
                yield from scopes(st[key], f"{path}.States.{name}.{key}")


def edges(st: dict) -> list[tuple[str, str]]:
    out = []
    if "Next" in st:
        out.append(("Next", st["Next"]))
    if "Default" in st:
        out.append(("Default", st["Default"]))
    out += [(f"Choices[{i}].Next", r["Next"]) for i, r in enumerate(st.get("Choices", ()))]
    out += [(f"Catch[{i}].Next", c["Next"]) for i, c in enumerate(st.get("Catch", ()))]
    return out


def graph_problems(doc: dict) -> list[str]:
    """Shape rules, checked independently of flowdsl.validate."""
    problems = []
    for path, scope in scopes(doc):
        states = scope["States"]
        if scope.get("StartAt") not in states:
            problems.append(f"{path}: StartAt {scope.get('StartAt')!r} is not a state of the scope")
            continue
        for name, st in states.items():
            terminal = st["Type"] in ("Choice", "Succeed", "Fail")
            if terminal and ("Next" in st or "End" in st):
                problems.append(f"{path}.States.{name}: a {st['Type']} has Next or End")
            if not terminal and ("Next" in st) == ("End" in st):
                problems.append(f"{path}.States.{name}: needs exactly one of Next and End")
            if "End" in st and st["End"] is not True:
                problems.append(f"{path}.States.{name}: End is not true")
            for key, target in edges(st):
                if target not in states:
                    problems.append(f"{path}.States.{name}.{key}: {target!r} is not in this scope")
        seen, todo = {scope["StartAt"]}, deque([scope["StartAt"]])
        while todo:
            for _, t in edges(states[todo.popleft()]):
                if t in states and t not in seen:
                    seen.add(t)
                    todo.append(t)
        for name in states:
            if name not in seen:
                problems.append(f"{path}.States.{name}: unreachable from StartAt")
        if not any(states[n].get("End") is True or states[n]["Type"] in ("Succeed", "Fail")
                   for n in seen):
            problems.append(f"{path}: no reachable terminal state")
    return problems


def count_asl_states(doc: dict) -> int:
    return sum(len(scope["States"]) for _, scope in scopes(doc))


def model_state_names(wf: Workflow) -> list[str]:
    """Every state object of the model (sequences, targets, branches), by name."""
    found: list[str] = []

    def target(t: Any) -> None:
        if isinstance(t, State):
            item(t)
        elif isinstance(t, tuple):
            for x in t:
                item(x)

    def item(x: Any) -> None:
        if not isinstance(x, State):
            return
        found.append(x.name)
        if isinstance(x, _Catching):
            for c in x.catch:
                target(c.next)
        if isinstance(x, Parallel):
            for b in x.branches:
                for y in b.states:
                    item(y)
        if isinstance(x, Map):
            for y in x.processor.states:
                item(y)
        if isinstance(x, Choice):
            for r in x.choices:
                target(r.next)
            if x.default is not None:
                target(x.default)

    for x in wf.states:
        item(x)
    return found


def size(wf: Workflow) -> int:
    return len(model_state_names(wf))
