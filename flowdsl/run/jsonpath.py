"""A small JSONPath evaluator covering the subset Step Functions accepts.

Supported: ``$``, ``.name``, ``['name']`` / ``["name"]``, ``[n]`` (negative allowed), ``[a:b:c]``,
``[*]`` / ``.*``, ``..name`` (recursive descent), unions ``[0,1]`` and simple filters
``[?(@.a.b op literal)]`` / ``[?(@.a)]``.  A path with a wildcard, slice, filter, union or
recursive descent is *indefinite* and yields a list of matches, like Jayway JsonPath (which AWS uses).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable


class PathError(Exception):
    """The path does not match the document (AWS reports: "Invalid path ... No results for path")."""


class PathSyntaxError(ValueError):
    """The path is not well formed."""


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # key | index | slice | wild | desc | filter | union
    arg: Any = None


@dataclass(frozen=True, slots=True)
class CompiledPath:
    text: str
    steps: tuple[Step, ...]
    definite: bool

    def bracket_form(self) -> str:
        # AWS error messages spell the path in Jayway's normalised form: $['a']['b'][0]
        parts = ["$"]
        for s in self.steps:
            if s.kind == "key":
                parts.append(f"['{s.arg}']")
            elif s.kind == "index":
                parts.append(f"[{s.arg}]")
            else:
                parts.append("[*]")
        return "".join(parts)


_NAME_RE = re.compile(r"[^.\[\]\s]+")
_FILTER_RE = re.compile(r"^\?\(\s*@((?:\.[A-Za-z0-9_\-$]+|\['[^']*'\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$")


def _parse_filter(body: str) -> Callable[[Any], bool]:
    m = _FILTER_RE.match(body)
    if not m:
        raise PathSyntaxError(f"unsupported filter expression: [{body}]")
    sub, op, lit = m.group(1), m.group(2), m.group(3)
    subpath = compile_path("$" + sub) if sub else compile_path("$")
    literal: Any = None
    if op is not None:
        lit = lit.strip()
        if lit.startswith("'") and lit.endswith("'"):
            literal = lit[1:-1]
        else:
            try:
                literal = json.loads(lit)
            except json.JSONDecodeError as exc:
                raise PathSyntaxError(f"bad filter literal {lit!r}") from exc

    def pred(item: Any) -> bool:
        try:
            value = evaluate_compiled(subpath, item)
        except PathError:
            return False
        if op is None:
            return True
        if op == "==":
            return _same_type(value, literal) and value == literal
        if op == "!=":
            return not (_same_type(value, literal) and value == literal)
        if not _same_type(value, literal) or isinstance(value, (dict, list, type(None), bool)):
            return False
        if op == "<":
            return value < literal
        if op == "<=":
            return value <= literal
        if op == ">":
            return value > literal
        return value >= literal

    return pred


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return type(a) is type(b)


def _parse_bracket(body: str) -> Step:
    body = body.strip()
    if body == "*":
        return Step("wild")
    if body.startswith("?"):
        return Step("filter", _parse_filter(body))
    if (body.startswith("'") and body.endswith("'")) or (body.startswith('"') and body.endswith('"')):
        if len(body) < 2:
            raise PathSyntaxError("unterminated quoted name")
        # Only the quote character itself is escaped; other backslashes are literal (Jayway behaviour).
        q = body[0]
        return Step("key", body[1:-1].replace("\\" + q, q))
    if ":" in body:
        parts = body.split(":")
        if len(parts) > 3:
            raise PathSyntaxError(f"bad slice [{body}]")
        try:
            nums = tuple(int(p) if p.strip() else None for p in parts)
        except ValueError as exc:
            raise PathSyntaxError(f"bad slice [{body}]") from exc
        return Step("slice", nums + (None,) * (3 - len(nums)))
    if "," in body:
        items: list[Any] = []
        for p in body.split(","):
            p = p.strip()
            if p.startswith("'") and p.endswith("'"):
                items.append(p[1:-1])
            else:
                try:
                    items.append(int(p))
                except ValueError as exc:
                    raise PathSyntaxError(f"bad union [{body}]") from exc
        return Step("union", tuple(items))
    try:
        return Step("index", int(body))
    except ValueError as exc:
        raise PathSyntaxError(f"bad subscript [{body}]") from exc


def _find_bracket_end(text: str, start: int) -> int:
    """Index of the ']' closing the '[' at ``start``, honouring quotes and nested parentheses."""
    i, quote, depth = start + 1, "", 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "]" and depth == 0:
            return i
        i += 1
    raise PathSyntaxError(f"unterminated '[' in {text!r}")


@lru_cache(maxsize=4096)
def compile_path(text: str) -> CompiledPath:
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"path must start with '$': {text!r}")
    steps: list[Step] = []
    i, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == ".":
            if text.startswith("..", i):
                i += 2
                if i < n and text[i] == "[":
                    end = _find_bracket_end(text, i)
                    inner = _parse_bracket(text[i + 1 : end])
                    steps.append(Step("desc", None))
                    steps.append(inner)
                    i = end + 1
                    continue
                m = _NAME_RE.match(text, i)
                if not m:
                    raise PathSyntaxError(f"bad path {text!r}")
                steps.append(Step("desc", None if m.group(0) == "*" else m.group(0)))
                i = m.end()
                continue
            i += 1
            m = _NAME_RE.match(text, i)
            if not m:
                raise PathSyntaxError(f"bad path {text!r}")
            name = m.group(0)
            if name == "*":
                steps.append(Step("wild"))
            elif name == "length()" and m.end() == n:
                steps.append(Step("length"))
            else:
                steps.append(Step("key", name))
            i = m.end()
        elif c == "[":
            end = _find_bracket_end(text, i)
            steps.append(_parse_bracket(text[i + 1 : end]))
            i = end + 1
        else:
            raise PathSyntaxError(f"unexpected {c!r} in path {text!r}")
    definite = all(s.kind in ("key", "index", "length") for s in steps)
    return CompiledPath(text, tuple(steps), definite)


def _descend(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for v in value.values():
            out.extend(_descend(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_descend(v))
    return out


def _apply(step: Step, value: Any, definite: bool) -> list[Any]:
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
        out: list[Any] = []
        for key in step.arg:
            if isinstance(key, int) and isinstance(value, list) and -len(value) <= key < len(value):
                out.append(value[key])
            elif isinstance(key, str) and isinstance(value, dict) and key in value:
                out.append(value[key])
        return out
    if k == "filter":
        items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
        return [v for v in items if step.arg(v)]
    raise AssertionError(k)


def evaluate_compiled(path: CompiledPath, data: Any) -> Any:
    if path.definite:
        value = data
        for step in path.steps:
            value = _apply(step, value, True)[0]
        return value
    current = [data]
    steps = path.steps
    i = 0
    while i < len(steps):
        step = steps[i]
        if step.kind == "desc":
            expanded: list[Any] = []
            for v in current:
                expanded.extend(_descend(v))
            if step.arg is None:
                # "..[x]" / "..*" : the following step applies to every descendant
                if i + 1 < len(steps):
                    nxt = steps[i + 1]
                    current = [r for v in expanded for r in _apply(nxt, v, False)]
                    i += 2
                    continue
                current = expanded[1:]
            else:
                current = [v[step.arg] for v in expanded if isinstance(v, dict) and step.arg in v]
        else:
            current = [r for v in current for r in _apply(step, v, False)]
        i += 1
    return current


def evaluate(path: str, data: Any) -> Any:
    """Value at ``path`` in ``data``; raises :class:`PathError` if a definite path matches nothing."""
    if path == "$":
        return data
    return evaluate_compiled(compile_path(path), data)


def set_path(data: Any, path: str, value: Any) -> Any:
    """Return a copy of ``data`` with ``value`` placed at the definite ``path`` (ResultPath rules).

    Intermediate objects are created as needed; raises :class:`PathError` when an intermediate
    node exists but is not an object (AWS: States.ResultPathMatchFailure).
    """
    if path == "$":
        return value
    cp = compile_path(path)
    if not cp.definite or any(s.kind not in ("key", "index") for s in cp.steps):
        raise PathSyntaxError(f"ResultPath must be a reference path: {path}")
    return _set(data, cp.steps, value)


def _set(node: Any, steps: tuple[Step, ...], value: Any) -> Any:
    if not steps:
        return value
    step, rest = steps[0], steps[1:]
    if step.kind == "key":
        if not isinstance(node, dict):
            raise PathError(step.arg)
        out = dict(node)
        out[step.arg] = _set(node.get(step.arg, {}) if rest else None, rest, value)
        return out
    if not isinstance(node, list) or not -len(node) <= step.arg < len(node):
        raise PathError(step.arg)
    lst = list(node)
    lst[step.arg] = _set(lst[step.arg], rest, value)
    return lst
