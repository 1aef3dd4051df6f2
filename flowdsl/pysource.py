"""Python source text that ruff's formatter leaves as it is.

A small layout engine for generated code: an expression is written on one line when the
whole line fits in ``WIDTH`` columns, and otherwise opened up with one item per line and a
trailing comma. The formatter keeps a bracket that ends in a trailing comma open, and keeps a
line that fits joined, so the output is already formatted (``ruff format --check`` passes at
any line length of at least ``WIDTH``, ruff's default being 88).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Union

import attrs

WIDTH = 88
INDENT = "    "


@attrs.frozen
class Atom:
    text: str


@attrs.frozen
class Group:
    """``open item, item, ... close``; an item is an expression or ``(prefix, expression)``."""

    open: str
    items: tuple[Union["Expr", tuple[str, "Expr"]], ...]
    close: str


Expr = Union[Atom, Group]


def call(name: str, args: Sequence[Expr] = (), kwargs: Sequence[tuple[str, Expr]] = ()) -> Group:
    items: list[Union[Expr, tuple[str, Expr]]] = list(args)
    items += [(f"{k}=", v) for k, v in kwargs]
    return Group(f"{name}(", tuple(items), ")")


def seq(open_: str, items: Sequence[Expr], close: str) -> Group:
    return Group(open_, tuple(items), close)


def mapping(items: Sequence[tuple[Expr, Expr]]) -> Group:
    return Group("{", tuple((flat(k) + ": ", v) for k, v in items), "}")


def flat(e: Expr) -> str:
    """``e`` on one line (walked without recursion: any depth, linear time)."""
    out: list[str] = []
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, Atom):
            out.append(x.text)
        else:
            assert isinstance(x, Group)
            todo: list[object] = [x.open]
            for n, (prefix, item) in enumerate(_pairs(x)):
                if n:
                    todo.append(", ")
                if isinstance(prefix, str):
                    todo.append(prefix)
                todo.append(item)
            todo.append(x.close)
            stack.extend(reversed(todo))
    return "".join(out)


def width(e: Expr, limit: int | None = None) -> int:
    """``len(flat(e))``, without building the text; with ``limit``, the walk stops as soon as
    the width passes it (and returns a number above it)."""
    total = 0
    stack: list[Expr] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Atom):
            total += len(x.text)
        else:
            total += len(x.open) + len(x.close) + 2 * max(len(x.items) - 1, 0)
            for prefix, item in _pairs(x):
                if isinstance(prefix, str):
                    total += len(prefix)
                stack.append(item)
        if limit is not None and total > limit:
            return total
    return total


def _pairs(e: Group) -> list[tuple[object, Expr]]:
    return [(i[0], i[1]) if isinstance(i, tuple) else (i, i) for i in e.items]


def _widths(e: Expr) -> dict[int, int]:
    """The one-line width of every group in ``e``, by id, in one bottom-up pass."""
    widths: dict[int, int] = {}
    stack: list[tuple[Group, bool]] = [(e, False)] if isinstance(e, Group) else []
    while stack:
        g, done = stack.pop()
        pairs = _pairs(g)
        if not done:
            stack.append((g, True))
            stack.extend((x, False) for _, x in pairs if isinstance(x, Group))
            continue
        w = len(g.open) + len(g.close) + 2 * max(len(pairs) - 1, 0)
        for prefix, x in pairs:
            w += (len(prefix) if isinstance(prefix, str) else 0) + (
                len(x.text) if isinstance(x, Atom) else widths[id(x)])
        widths[id(g)] = w
    return widths


def layout(e: Expr, indent: int, before: int, after: int,
           widths: dict[int, int] | None = None) -> str:
    """``e`` as text starting at column ``before`` of a line at ``indent`` levels, with
    ``after`` more characters following it on its last line. Linear in the size of ``e``:
    widths are computed once, and a group that fits is written flat without looking inside
    again. It recurses once per bracket level: ``split_deep`` keeps that small."""
    if isinstance(e, Atom):
        return e.text
    if widths is None:
        widths = _widths(e)
    if not e.items or before + widths[id(e)] + after <= WIDTH:
        return flat(e)
    inner = INDENT * (indent + 1)
    lines = [e.open]
    for prefix, x in _pairs(e):
        p = prefix if isinstance(prefix, str) else ""
        lines.append(inner + p + layout(x, indent + 1, len(inner) + len(p), 1, widths) + ",")
    lines.append(INDENT * indent + e.close)
    return "\n".join(lines)


# CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses");
# an expression is kept well below that, and an editor's indentation stays readable.
MAX_DEPTH = 50


def split_deep(e: Expr, name: Callable[[Group], str], max_depth: int = MAX_DEPTH,
               prefer: Callable[[Group], bool] = lambda g: False,
               ) -> tuple[list[tuple[str, Expr]], Expr]:
    """``e`` with every sub-expression that would nest deeper than ``max_depth`` brackets
    bound to a module-level name first: (the assignments, innermost first; what is left).
    ``name`` gives the name for a group; a group ``prefer`` picks is split off a few levels
    early rather than the one above it (a state call, say, rather than its list). An expression within the limit comes back as it
    is. Walked without recursion."""
    assignments: list[tuple[str, Expr]] = []
    if not isinstance(e, Group):
        return assignments, e
    depth: dict[int, int] = {}
    new: dict[int, Expr] = {}
    stack: list[tuple[Group, bool]] = [(e, False)]
    while stack:
        g, done = stack.pop()
        if id(g) in new:  # one object written twice is split once
            continue
        if not done:
            stack.append((g, True))
            stack.extend((x, False) for _, x in _pairs(g) if isinstance(x, Group))
            continue
        items: list[Union[Expr, tuple[str, Expr]]] = []
        changed = False
        d = 0
        for item in g.items:
            prefix, x = (item[0], item[1]) if isinstance(item, tuple) else (None, item)
            if isinstance(x, Group):
                y = new[id(x)]
                changed |= y is not x
                d = max(d, depth[id(x)])
                x = y
            items.append((prefix, x) if prefix is not None else x)
        g2: Expr = Group(g.open, tuple(items), g.close) if changed else g
        d += 1
        if (d >= max_depth or d >= max_depth - 8 and prefer(g2)) and g is not e:
            ident = name(g2)
            assignments.append((ident, g2))
            g2, d = Atom(ident), 0
        new[id(g)], depth[id(g)] = g2, d
    return assignments, new[id(e)]


def assignment(name: str, e: Expr) -> str:
    return f"{name} = " + layout(e, 0, len(name) + 3, 0)


def string(s: str) -> str:
    """A string literal with the quotes and escapes the formatter prefers."""
    quote = "'" if s.count('"') > s.count("'") else '"'
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable() and unicodedata.category(ch) not in ("Zs", "Cf") or ch == " ":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return quote + "".join(out) + quote


def number(v: int | float) -> str:
    return repr(v)


__all__ = ["MAX_DEPTH", "Atom", "Expr", "Group", "assignment", "call", "flat", "layout", "mapping",
           "number", "seq", "split_deep", "string", "width"]
