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

import bisect
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from flowdsl.errors import Diagnostic, LoadError
from flowdsl.frozen import frozen

MAX_DEPTH = 20_000  # nesting levels of a JSON value flowdsl reads (documents, inputs, mocks)

# (patterns, compiled by ``re`` when first used: a build of a Python workflow reads no JSON text)
_TOKENS = r'"(?:[^"\\]|\\.)*"|[\[\]{}]'


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate (U+D800 to U+DFFF) in ``text``, which no UTF-8 writer can
    encode; None when there is none. The one test of it, for every reader and checker."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:  # UTF-8 encodes every code point but the surrogates
        return text[e.start]
    return None


class JsonValueError(LoadError):
    """A JSON text that is not a value flowdsl can take."""


def depth_of_text(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, strings skipped; no recursion."""
    depth = deepest = 0
    for m in re.finditer(_TOKENS, text):
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
    bad = lone_surrogate(text)
    if bad:
        raise JsonValueError(f"{what}: holds a lone surrogate (U+{ord(bad):04X}), which is not "
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
            if lone_surrogate(v):
                raise JsonValueError(f"{what}: holds a lone surrogate, which is not valid Unicode text")
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise JsonValueError(f"{what}: holds {v!r}, which is not a JSON number")
        elif isinstance(v, dict):
            for k, x in v.items():
                if not isinstance(k, str):
                    raise JsonValueError(f"{what}: object keys must be strings, not {k!r}")
                if lone_surrogate(k):
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


class LineIndex:
    """The line of a position in a text: the offsets of its newlines, searched by bisection (a
    list of ints, however deep the document; a line is worked out only when asked for)."""

    __slots__ = ("_newlines",)

    def __init__(self, text: str) -> None:
        self._newlines = [m.start() for m in re.finditer(_NEWLINE, text)]

    def line(self, offset: int) -> int:
        """The 1-based line of ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1


# A located JSON value: its offset, and below it (for an object) key -> located value or
# (for an array) the located items; a scalar has None below it.
_Node = list  # [offset, dict[str, _Node] | list[_Node] | None]


class JsonLines(Mapping[str, int]):
    """The line of every key and array item of a JSON document, by its path (``$``,
    ``$.States.A``, ``$.States.A.Result[1]``). The tree of offsets is as large as the document;
    a path's text exists only while it is looked up (a dict of every full path would grow with
    the square of the nesting depth)."""

    def __init__(self, root: _Node, index: LineIndex) -> None:
        self._root = root
        self._index = index

    def find(self, path: Any) -> int:
        """The line of ``path`` (a :class:`flowdsl.vocabulary.DocPath`: its keys and indexes
        from the root, ``path.steps()``), or of the deepest part of it the document has."""
        node = self._root
        for step in path.steps():
            below = node[1]
            if isinstance(step, int):
                nxt = below[step] if isinstance(below, list) and 0 <= step < len(below) else None
            else:
                nxt = below.get(step) if isinstance(below, dict) else None
            if nxt is None:
                break
            node = nxt
        return self._index.line(node[0])

    def _node(self, path: str) -> _Node | None:
        if not path.startswith("$"):
            return None
        todo = [(self._root, 1)]  # keys may hold '.' or '[': try every way of reading them
        while todo:
            node, i = todo.pop()
            if i == len(path):
                return node
            below = node[1]
            if path[i] == "[" and isinstance(below, list):
                j = path.find("]", i)
                digits = path[i + 1:j] if j > 0 else ""
                if digits.isdigit() and int(digits) < len(below):
                    todo.append((below[int(digits)], j + 1))
            elif path[i] == "." and isinstance(below, dict):
                for j in range(i + 1, len(path) + 1):
                    if j == len(path) or path[j] in ".[":
                        hit = below.get(path[i + 1:j])
                        if hit is not None:
                            todo.append((hit, j))
        return None

    def __getitem__(self, path: str) -> int:
        node = self._node(path) if isinstance(path, str) else None
        if node is None:
            raise KeyError(path)
        return self._index.line(node[0])

    def _paths(self) -> Iterator[tuple[str, _Node]]:
        todo: list[tuple[str, _Node]] = [("$", self._root)]
        while todo:
            path, node = todo.pop()
            yield path, node
            below = node[1]
            if isinstance(below, dict):
                todo.extend((f"{path}.{k}", v) for k, v in reversed(below.items()))
            elif isinstance(below, list):
                todo.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(below))))

    def __iter__(self) -> Iterator[str]:
        return (path for path, _ in self._paths())

    def __len__(self) -> int:
        return sum(1 for _ in self._paths())


class JsonSources(Mapping[str, str]):
    """``file:line`` by document path, the form diagnostics take their source from; what
    :class:`JsonLines` is, with the file's name."""

    def __init__(self, lines: JsonLines, path: str) -> None:
        self._lines = lines
        self._path = path

    def locate(self, path: Any) -> str:
        """``file:line`` of ``path``, or of the deepest part of it the document has."""
        return f"{self._path}:{self._lines.find(path)}"

    def __getitem__(self, path: str) -> str:
        return f"{self._path}:{self._lines[path]}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


@frozen
class JsonFile:
    """A parsed JSON document, with the line of every key and array item, by its path."""

    doc: Any
    lines: JsonLines
    duplicates: tuple[Diagnostic, ...]

    def sources(self, path: str | Path) -> JsonSources:
        """``file:line`` by document path, the form diagnostics take their source from."""
        return JsonSources(self.lines, str(path))


def read_json(path: str | Path) -> JsonFile:
    """Parse a JSON file strictly (:func:`read`), with the line of every key and array item;
    report duplicate keys, which ``json`` would silently merge. How flowdsl reads every JSON
    document a user names (ASL files, events, mock configs)."""
    doc = read(path)  # UTF-8, no NaN or lone surrogates, nesting bounded
    text = Path(path).read_text(encoding="utf-8-sig")
    root, dupes = _locate(text)
    index = LineIndex(text)
    duplicates = tuple(
        Diagnostic("duplicate-key", at, f"the key {key!r} appears twice in one "
                   "object; JSON readers keep only one of them", f"{path}:{index.line(offset)}")
        for at, key, offset in dupes)
    return JsonFile(doc, JsonLines(root, index), duplicates)


_NEWLINE = "\n"
_TOKEN = r'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|([\[\]{},:])|([^,\]\}:\s]+))'


def _locate(text: str) -> tuple[_Node, list[tuple[str, str, int]]]:
    """Walk valid JSON text, without recursion: the offset of each key (an object's entry) and
    array item, and the repeated keys (their paths, keys and offsets). A repeated key keeps the
    first one's offset and the value ``json`` keeps, the last."""
    root: _Node = [0, None]
    dupes: list[tuple[str, str, int]] = []
    # one frame per open container: [its located node, its key or index in its parent]
    frames: list[list[Any]] = []
    entry: _Node | None = root  # where the next value goes (None: a key or a ',' comes next)
    step: str | int | None = None
    for m in re.finditer(_TOKEN, text):
        string, punct = m.group(1), m.group(2)
        if punct == ",":
            frame = frames[-1]
            if isinstance(frame[0][1], list):
                entry = None  # an item follows: placed when its value starts
            continue
        if punct == ":":
            continue
        if punct in ("}", "]"):
            frames.pop()
            entry = None
            continue
        start = m.start(1) if string is not None else m.start(2) if punct else m.start(3)
        top = frames[-1] if frames else None
        if top is not None and entry is None:
            below = top[0][1]
            if isinstance(below, dict):  # a key
                key = step = string[1:-1] if "\\" not in string else json.loads(string)
                if key in below:  # the path's text is made for a repeated key only
                    steps = [f[1] for f in frames[1:]] + [key]
                    dupes.append(("$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps),
                                  key, start))
                    entry = below[key]
                else:
                    entry = below[key] = [start, None]
                continue
            step = len(below)  # an array item
            entry = [start, None]
            below.append(entry)
        assert entry is not None
        if punct == "{" or punct == "[":
            entry[1] = {} if punct == "{" else []
            frames.append([entry, step])
        entry = None
    return root, dupes


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
