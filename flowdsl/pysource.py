"""Python source text that ruff's formatter leaves as it is.

A small layout engine for generated code: an expression is written on one line when the
whole line fits in ``WIDTH`` columns, and otherwise opened up with one item per line and a
trailing comma. The formatter keeps a bracket that ends in a trailing comma open, and keeps a
line that fits joined, so the output is already formatted (``ruff format --check`` passes at
any line length of at least ``WIDTH``, ruff's default being 88).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
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
    if isinstance(e, Atom):
        return e.text
    parts = [p + flat(x) if isinstance(p, str) else flat(p) for p, x in _pairs(e)]
    return e.open + ", ".join(parts) + e.close


def _pairs(e: Group) -> list[tuple[object, Expr]]:
    return [(i[0], i[1]) if isinstance(i, tuple) else (i, i) for i in e.items]


def layout(e: Expr, indent: int, before: int, after: int) -> str:
    """``e`` as text starting at column ``before`` of a line at ``indent`` levels, with
    ``after`` more characters following it on its last line."""
    text = flat(e)
    if isinstance(e, Atom) or not e.items or before + len(text) + after <= WIDTH:
        return text
    inner = INDENT * (indent + 1)
    lines = [e.open]
    for prefix, x in _pairs(e):
        p = prefix if isinstance(prefix, str) else ""
        lines.append(inner + p + layout(x, indent + 1, len(inner) + len(p), 1) + ",")
    lines.append(INDENT * indent + e.close)
    return "\n".join(lines)


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


__all__ = ["Atom", "Expr", "Group", "assignment", "call", "flat", "layout", "mapping", "number",
           "seq", "string"]
