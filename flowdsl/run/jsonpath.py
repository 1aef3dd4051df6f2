"""Evaluation of JSONPath trees (parsed by :mod:`flowdsl.lang.jsonpath`) the way AWS's Jayway
JsonPath evaluates them.

A *definite* path (only names and indexes, or a trailing ``.length()`` or ``['a','b']``) yields
one value and fails when it matches nothing; any other path yields the list of its matches.
``$['a','b']`` at the end of a path merges the fields it finds into one object.
"""

from __future__ import annotations

from typing import Any

from flowdsl.errors import FlowError, PathSyntaxError
from flowdsl.lang.jsonpath import Filter, Path, Step, parse

__all__ = ["PathError", "PathSyntaxError", "compile_path", "evaluate", "evaluate_compiled", "set_path"]


class PathError(FlowError):
    """The path does not match the document (AWS reports: "Invalid path ... No results for path")."""


def compile_path(text: str) -> Path:
    """The parsed path (one parser for validation and execution: :func:`flowdsl.lang.jsonpath.parse`)."""
    return parse(text)


def _descend(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for v in value.values():
            out.extend(_descend(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_descend(v))
    return out


def _apply(step: Step, value: Any, definite: bool, root: Any, last: bool) -> list[Any]:
    k = step.kind
    if k == "key":
        if isinstance(value, dict) and step.arg in value:
            return [value[step.arg]]
        if definite:
            raise PathError(step.arg)
        return []
    if k == "index":
        if isinstance(value, list) and -len(value) <= step.arg < len(value):
            return [value[step.arg]]
        if definite:
            raise PathError(step.arg)
        return []
    if k == "from_end":
        if isinstance(value, list) and 0 < step.arg <= len(value):
            return [value[len(value) - step.arg]]
        if definite:
            raise PathError(f"(@.length-{step.arg})")
        return []
    if k == "length":
        if isinstance(value, (list, str, dict)):
            return [len(value)]
        raise PathError("length()")
    if k == "wild":
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, list):
            return list(value)
        return []
    if k == "slice":
        if isinstance(value, list):
            a, b, c = step.arg
            return value[slice(a, b, c)]
        return []
    if k == "union":
        if last and all(isinstance(key, str) for key in step.arg):
            if not isinstance(value, dict):
                if definite:
                    raise PathError(step.arg[0])
                return []
            return [{key: value[key] for key in step.arg if key in value}]
        out: list[Any] = []
        for key in step.arg:
            if isinstance(key, int) and isinstance(value, list) and -len(value) <= key < len(value):
                out.append(value[key])
            elif isinstance(key, str) and isinstance(value, dict) and key in value:
                out.append(value[key])
        return out
    if k == "filter":
        # Jayway tests each element of an array, but an object as a whole: $[?(@.a)] on
        # {"a": 1} selects the object itself.
        if isinstance(value, list):
            return [v for v in value if _holds(step.arg, v, root)]
        if isinstance(value, dict):
            return [value] if _holds(step.arg, value, root) else []
        return []
    raise AssertionError(k)


_MISSING = object()


def _operand(node: Any, item: Any, root: Any) -> Any:
    if isinstance(node, Path):
        try:
            found = evaluate_compiled(node, item if node.root == "@" else root)
        except PathError:
            return _MISSING
        if not node.definite and not found:
            return _MISSING
        return found
    return node[1]  # ("lit", value)


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return type(a) is type(b)


def _holds(f: Filter, item: Any, root: Any) -> bool:
    op = f.op
    if op == "and":
        return _holds(f.args[0], item, root) and _holds(f.args[1], item, root)
    if op == "or":
        return _holds(f.args[0], item, root) or _holds(f.args[1], item, root)
    if op == "not":
        return not _holds(f.args[0], item, root)
    if op == "exists":
        return _operand(f.args[0], item, root) is not _MISSING
    a, b = _operand(f.args[0], item, root), _operand(f.args[1], item, root)
    if a is _MISSING or b is _MISSING:
        return False
    if op == "==":
        return _same_type(a, b) and a == b
    if op == "!=":
        return not (_same_type(a, b) and a == b)
    if not _same_type(a, b) or isinstance(a, (dict, list, type(None), bool)):
        return False
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def evaluate_compiled(path: Path, data: Any) -> Any:
    """The value (definite path) or the list of matches of ``path``'s steps, applied to ``data``
    (the caller picks the document the path's root names)."""
    steps = path.steps
    if path.definite:
        value = data
        for i, step in enumerate(steps):
            value = _apply(step, value, True, data, i == len(steps) - 1)[0]
        return value
    current = [data]
    i = 0
    while i < len(steps):
        step = steps[i]
        last = i == len(steps) - 1
        if step.kind == "desc":
            expanded: list[Any] = []
            for v in current:
                expanded.extend(_descend(v))
            if step.arg is None:
                # "..[x]" / "..*" : the following step applies to every descendant
                if i + 1 < len(steps):
                    nxt = steps[i + 1]
                    current = [r for v in expanded for r in _apply(nxt, v, False, data, i + 1 == len(steps) - 1)]
                    i += 2
                    continue
                current = expanded[1:]
            else:
                current = [v[step.arg] for v in expanded if isinstance(v, dict) and step.arg in v]
        else:
            current = [r for v in current for r in _apply(step, v, False, data, last)]
        i += 1
    return current


def evaluate(path: str, data: Any) -> Any:
    """Value at ``path`` in ``data``; raises :class:`PathError` if a definite path matches nothing."""
    if path == "$":
        return data
    return evaluate_compiled(parse(path), data)


def set_path(data: Any, path: str, value: Any) -> Any:
    """Return a copy of ``data`` with ``value`` placed at the definite ``path`` (ResultPath rules).

    Intermediate objects are created as needed; raises :class:`PathError` when an intermediate
    node exists but is not an object (AWS: States.ResultPathMatchFailure).
    """
    if path == "$":
        return value
    tree = parse(path)
    if tree.root != "$" or not tree.is_reference:
        raise PathSyntaxError(f"ResultPath must be a reference path: {path}", path, 0)
    return _set(data, tree.steps, value)


def _set(node: Any, steps: tuple[Step, ...], value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``steps``: each object or array on the way is copied
    (shallowly) and the copies are linked bottom-up. A loop over the steps, not a recursion on
    the rest of them (a new tuple per step, quadratic in the path's length)."""
    copies: list[tuple[Any, Any]] = []  # (the copy of a container on the way, the step's key)
    last = len(steps) - 1
    for i, step in enumerate(steps):
        if step.kind == "key":
            if not isinstance(node, dict):
                raise PathError(step.arg)
            copies.append((dict(node), step.arg))
            node = node.get(step.arg, {}) if i < last else None
        else:
            if not isinstance(node, list) or not -len(node) <= step.arg < len(node):
                raise PathError(step.arg)
            copies.append((list(node), step.arg))
            node = node[step.arg]
    for container, key in reversed(copies):
        container[key] = value
        value = container
    return value
