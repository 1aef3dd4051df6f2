"""Read JSON the user wrote, strictly: every value must be one a JSON reader elsewhere (AWS's,
Terraform's) would also accept.

Python's ``json`` accepts ``NaN``, ``Infinity`` and lone surrogates (``"\\ud800"``), which no
other JSON reader does and which cannot be written back as valid UTF-8, and it recurses once per
nesting level. :func:`loads` rejects the first two with one line naming what was wrong, and
measures the nesting first, without recursing, so a document nested deeper than
:data:`MAX_DEPTH` is refused instead of overflowing the stack. :func:`read_json` also gives the
line of every key and array item, and the duplicate keys ``json`` would silently merge.

A leaf below the model: it imports only :mod:`flowdsl.errors`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs

from flowdsl.errors import Diagnostic, LoadError

MAX_DEPTH = 20_000  # nesting levels of a JSON value flowdsl reads (documents, inputs, mocks)

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JsonValueError(LoadError):
    """A JSON text that is not a value flowdsl can take."""


def depth_of_text(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, strings skipped; no recursion."""
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "]}":
            depth -= 1
    return deepest


def depth_of(value: Any) -> int:
    """The nesting depth of a parsed value (a scalar is 0); no recursion."""
    deepest = 0
    todo = [(value, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, dict):
            deepest = max(deepest, d)
            todo.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            deepest = max(deepest, d)
            todo.extend((x, d + 1) for x in v)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text} is too large for a JSON reader (it overflows a double)")
    return value


def loads(text: str, what: str) -> Any:
    """Parse ``text``; every problem is a :class:`JsonValueError` ``"<what>: ..."`` on one line."""
    if not isinstance(text, str):
        raise JsonValueError(f"{what}: expected JSON text")
    bad = _SURROGATE.search(text)
    if bad:
        raise JsonValueError(f"{what}: holds a lone surrogate (U+{ord(bad.group()):04X}), which is not "
                             "valid Unicode text")
    deep = depth_of_text(text)
    if deep > MAX_DEPTH:
        raise JsonValueError(f"{what}: nests {deep:,} levels deep; flowdsl reads at most {MAX_DEPTH:,}")
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_float)
    except json.JSONDecodeError as e:
        raise JsonValueError(f"{what}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    except ValueError as e:
        raise JsonValueError(f"{what}: not valid JSON: {e}") from None
    check_value(value, what)
    return value


def check_value(value: Any, what: str) -> None:
    """Reject what :func:`loads` rejects, in an already-built value: NaN, infinities, lone
    surrogates (in keys or strings), non-JSON types, and nesting beyond :data:`MAX_DEPTH`."""
    todo = [(value, 0)]
    while todo:
        v, d = todo.pop()
        if d > MAX_DEPTH:
            raise JsonValueError(f"{what}: nests more than {MAX_DEPTH:,} levels deep")
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise JsonValueError(f"{what}: holds a lone surrogate, which is not valid Unicode text")
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise JsonValueError(f"{what}: holds {v!r}, which is not a JSON number")
        elif isinstance(v, dict):
            for k, x in v.items():
                if not isinstance(k, str):
                    raise JsonValueError(f"{what}: object keys must be strings, not {k!r}")
                if _SURROGATE.search(k):
                    raise JsonValueError(f"{what}: a key holds a lone surrogate, which is not valid "
                                         "Unicode text")
                todo.append((x, d + 1))
        elif isinstance(v, (list, tuple)):
            todo.extend((x, d + 1) for x in v)
        elif v is not None and not isinstance(v, (bool, int)):
            raise JsonValueError(f"{what}: holds a {type(v).__name__}, which is not a JSON value")


def read(path: Any, what: str | None = None) -> Any:
    """Read and parse a JSON file (UTF-8, strictly)."""
    label = what or str(path)
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise JsonValueError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise JsonValueError(f"{label}: is a directory, not a JSON file") from None
    except OSError as e:
        raise JsonValueError(f"{label}: cannot read: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise JsonValueError(f"{label}: is not UTF-8 text (byte 0x{data[e.start]:02x} at offset "
                             f"{e.start})") from None
    return loads(text.removeprefix("\ufeff"), label)


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
    """Parse a JSON file strictly (:func:`read`), with the line of every key and array item;
    report duplicate keys, which ``json`` would silently merge. How flowdsl reads every JSON
    document a user names (ASL files, events, mock configs)."""
    doc = read(path)  # UTF-8, no NaN or lone surrogates, nesting bounded
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


def pretty_dumps(doc: Any, *, sort_keys: bool = False, default: Any = None,
                 flat_below: int | None = None) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False, sort_keys=...)``, the same
    text, in linear time at any depth: ``json`` pretty-prints through one generator per nesting
    level, so every line of a value nested d levels deep passes through d generators (a
    10,000-level document takes minutes), and it recurses.

    With ``flat_below``, a container nested ``flat_below`` levels deep or deeper is written on
    one line (``{"a": [1, 2]}``, as ``json.dumps`` without ``indent``): indentation costs two
    characters per level on every line, so a fully indented file grows with the square of its
    depth; with the cut it is at most a constant factor larger than compact JSON."""
    out: list[str] = []
    scalar = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    flat_at = flat_below if flat_below is not None else -1
    stack: list[tuple[bool, Any, int]] = [(False, doc, 0)]
    while stack:
        is_text, v, level = stack.pop()
        if is_text:
            out.append(v)
            continue
        if default is not None and not isinstance(v, (dict, list, tuple, str, int, float, bool)) \
                and v is not None:
            v = default(v)
        is_dict = isinstance(v, dict)
        if is_dict or isinstance(v, (list, tuple)):
            if not v:
                out.append("{}" if is_dict else "[]")
                continue
            flat = 0 <= flat_at <= level
            inner = "" if flat else "\n" + "  " * (level + 1)
            first, sep = (inner, ", ") if flat else (inner, "," + inner)
            out.append("{" if is_dict else "[")
            close = "}" if is_dict else "]"
            stack.append((True, close if flat else "\n" + "  " * level + close, 0))
            if is_dict:
                items = sorted(v.items()) if sort_keys else list(v.items())
                for i in range(len(items) - 1, -1, -1):
                    key, item = items[i]
                    stack.append((False, item, level + 1))
                    stack.append((True, (first if i == 0 else sep) + scalar(key) + ": ", 0))
            else:
                for i in range(len(v) - 1, -1, -1):
                    stack.append((False, v[i], level + 1))
                    stack.append((True, first if i == 0 else sep, 0))
        else:
            out.append(scalar(v))
    return "".join(out)
