"""Diagnostics as the command line prints them; with ``--verbose``, the offending value too.

The value is looked up by the diagnostic's path in the document it names (the compiled
definition, references as their Terraform templates, or the ASL file as read)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flowdsl.errors import Diagnostic
from flowdsl.placeholders import to_template

MAX_VALUE = 200
_MISSING = object()
_INDEX = re.compile(r"\[(\d+)\]")


def render(diagnostics: Iterable[Diagnostic], document: Any = None,
           verbose: bool = False) -> list[str]:
    """One line per diagnostic; under each, with ``verbose``, ``    value: <JSON>``."""
    lines = []
    shown = to_template(document) if verbose and document is not None else None
    for d in diagnostics:
        lines.append(d.render())
        if shown is not None and d.path.startswith("$"):
            lines.append(f"    value: {show(value_at(shown, d.path))}")
    return lines


def show(value: Any) -> str:
    if value is _MISSING:
        return "(not set)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 3] + "..."


def value_at(doc: Any, path: str) -> Any:
    """The node at ``$.States.A.Catch[0].Next``; state names may hold dots and brackets, so
    each ``.key`` step tries the longest existing key first. ``_MISSING`` when absent."""
    return _walk(doc, path[1:]) if path.startswith("$") else _MISSING


def _walk(node: Any, rest: str) -> Any:
    if not rest:
        return node
    if rest.startswith("["):
        m = _INDEX.match(rest)
        if not m or not isinstance(node, list) or int(m.group(1)) >= len(node):
            return _MISSING
        return _walk(node[int(m.group(1))], rest[m.end():])
    if not rest.startswith(".") or not isinstance(node, dict):
        return _MISSING
    rest = rest[1:]
    for key in sorted((k for k in node if rest.startswith(k)), key=len, reverse=True):
        after = rest[len(key):]
        if after and after[0] not in ".[":
            continue
        hit = _walk(node[key], after)
        if hit is not _MISSING:
            return hit
    return _MISSING


__all__ = ["render", "show", "value_at"]
