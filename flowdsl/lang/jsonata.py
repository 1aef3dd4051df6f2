"""JSONata expressions in ASL: the ``{% %}`` delimiters, and the expression inside them.

AWS documents the form ``{% <JSONata expression> %}``. Step Functions itself accepts the
delimiters with no space inside them (``{%$states.input%}``) and an expression spread over
several lines; so does flowdsl. A string that starts with ``{%`` or ends with ``%}`` but not
both, or holds nothing between them, is not an expression. The body is parsed by the
``jsonata-python`` package, the same compiled expression the local engine evaluates.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from flowdsl.errors import JsonataSyntaxError
from flowdsl.lang._node import Node

__all__ = ["Expression", "is_candidate", "is_expression", "parse", "compile_body", "check"]


class Expression(Node):
    __slots__ = ("text", "body", "start", "end")
    _fields = ("text",)
    text: str  # the whole string, delimiters included
    body: str  # the expression, without the delimiters and the whitespace around it
    start: int  # offset of the body in ``text``
    end: int

    def __init__(self, text: str, body: str, start: int, end: int) -> None:
        self._init(text=text, body=body, start=start, end=end)


def is_candidate(value: Any) -> bool:
    """A string meant as an expression: it starts with ``{%`` or ends with ``%}``."""
    return isinstance(value, str) and (value.startswith("{%") or value.endswith("%}"))


def is_expression(value: Any) -> bool:
    """Delimited as an expression (the body may still fail to parse)."""
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


@lru_cache(maxsize=4096)
def compile_body(body: str, regex_engine: Any = None) -> Any:
    """The compiled ``jsonata.Jsonata`` for ``body`` (with ``regex_engine`` for its regular
    expressions, when given); raises :class:`JsonataSyntaxError`."""
    jsonata = _jsonata()
    try:
        compiled = jsonata.Jsonata(body, regex_engine) if regex_engine else jsonata.Jsonata(body)
    except Exception as e:  # jsonata raises its own JException for syntax errors
        raise JsonataSyntaxError(str(e), body, getattr(e, "location", 0) or 0) from None
    compiled.set_output_convert_nulls(False)
    return compiled


def _jsonata() -> Any:
    # Imported on first use: the package takes ~30 ms to import, and most workflows hold no
    # JSONata. Importing it raises the interpreter's recursion limit; keep the higher one.
    limit = sys.getrecursionlimit()
    import jsonata

    sys.setrecursionlimit(max(limit, sys.getrecursionlimit()))
    return jsonata


@lru_cache(maxsize=4096)
def parse(value: str) -> Expression:
    """Check the delimiters and the body of ``{% ... %}``; the body compiles."""
    if not is_expression(value):
        raise JsonataSyntaxError("write it as '{% expression %}'", value,
                                 0 if not value.startswith("{%") else len(value))
    inner = value[2:-2]
    body = inner.strip()
    if not body:
        raise JsonataSyntaxError("there is no expression between '{%' and '%}'", value, 2)
    start = 2 + (len(inner) - len(inner.lstrip()))
    try:
        compile_body(body)
    except JsonataSyntaxError as e:
        raise JsonataSyntaxError(e.reason, value, start + e.offset) from None
    return Expression(value, body, start, start + len(body))


def check(value: str) -> str | None:
    """An error message for a string meant as a JSONata expression, or None."""
    try:
        parse(value)
    except JsonataSyntaxError as e:
        if not is_expression(value) or e.reason.startswith("there is no"):
            return f"{_short(value)} is not a JSONata expression: {e.reason}"
        return f"{_short(value)} does not parse as JSONata: {e.reason}"
    return None


def _short(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")
