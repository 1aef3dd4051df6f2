"""The JSONPath dialect of Step Functions: one parser, used by validation and by the local engine.

AWS evaluates paths with Jayway JsonPath, restricted by the ASL spec: a *Path* may select
many nodes; a *Reference Path* names exactly one (only ``.name``, ``['name']`` and ``[n]``).
``$$`` starts a path into the context object, ``$name`` one into a workflow variable.

Grammar (offsets in every node are character positions in the text that was parsed)::

    path     := root step*
    root     := '$$' | '$' IDENT | '$'          ('@' inside a filter)
    step     := '..' (NAME | '*' | bracket)     recursive descent
              | '.' (NAME | '*' | 'length()' | bracket)
              | bracket
    bracket  := '[' (INT | slice | '*' | quoted (',' quoted)* | INT (',' INT)+ | '?(' filter ')'
                 | '(@.length-' INT ')') ']'
    slice    := INT? ':' INT? (':' INT?)?
    filter   := and ('||' and)*
    and      := unary ('&&' unary)*
    unary    := '!' unary | '(' filter ')' | operand (OP operand)?
    operand  := '@' step* | '$' step* | 'string' | "string" | NUMBER | true | false | null | WORD
                                        (an unquoted WORD compares as a string)
    OP       := '==' | '!=' | '<=' | '>=' | '<' | '>'

A quoted name escapes only its own quote character with a backslash (Jayway's rule).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flowdsl.errors import PathSyntaxError
from flowdsl.lang._node import Node
from flowdsl.vocabulary import json_type

__all__ = ["Path", "Step", "Filter", "PathSyntaxError", "parse", "parse_prefix", "reference_problem",
           "check"]


class Step(Node):
    """One step of a path.

    ``kind`` is ``key`` (arg: the name), ``index`` (arg: int), ``slice`` (arg: (start, stop,
    step)), ``wild``, ``desc`` (arg: a name, or None when the next step applies to every
    descendant), ``union`` (arg: names or indexes), ``filter`` (arg: a :class:`Filter`),
    ``from_end`` (``[(@.length-n)]``, arg: n) or ``length`` (``.length()``).
    """

    __slots__ = ("kind", "arg", "start", "end")
    _fields = ("kind", "arg")
    kind: str
    arg: Any
    start: int
    end: int

    def __init__(self, kind: str, arg: Any = None, start: int = 0, end: int = 0) -> None:
        self._init(kind=kind, arg=arg, start=start, end=end)


class Filter(Node):
    """A filter expression node: ``op`` is ``or``/``and``/``not``/``exists`` or a comparison
    (``==`` ...); ``args`` holds sub-filters, or operands (a :class:`Path` or ``("lit", value)``)."""

    __slots__ = ("op", "args", "start", "end")
    _fields = ("op", "args")
    op: str
    args: tuple[Any, ...]
    start: int
    end: int

    def __init__(self, op: str, args: tuple[Any, ...], start: int = 0, end: int = 0) -> None:
        self._init(op=op, args=args, start=start, end=end)


class Path(Node):
    __slots__ = ("text", "root", "steps", "variable", "start", "end")
    _fields = ("text", "root", "steps", "variable")
    text: str
    root: str  # "$" (the state's data), "$$" (the context object), "@" (a filter's item), "var"
    steps: tuple[Step, ...]
    variable: str | None
    start: int
    end: int

    def __init__(self, text: str, root: str, steps: tuple[Step, ...], variable: str | None = None,
                 start: int = 0, end: int = 0) -> None:
        self._init(text=text, root=root, steps=steps, variable=variable, start=start, end=end)

    @property
    def definite(self) -> bool:
        """One node at most (Jayway: the result is a value, not a list of matches)."""
        for i, s in enumerate(self.steps):
            if s.kind in ("key", "index", "length", "from_end"):
                continue
            if s.kind == "union" and i == len(self.steps) - 1 and all(isinstance(a, str) for a in s.arg):
                continue  # $['a','b'] at the end: Jayway merges the fields into one object
            return False
        return True

    @property
    def is_reference(self) -> bool:
        return all(s.kind in ("key", "index") for s in self.steps)

    def bracket_form(self) -> str:
        # AWS error messages spell a path in Jayway's normalised form: $['a']['b'][0]
        parts = ["$"]
        for s in self.steps:
            if s.kind == "key":
                parts.append(f"['{s.arg}']")
            elif s.kind == "index":
                parts.append(f"[{s.arg}]")
            else:
                parts.append("[*]")
        return "".join(parts)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SLICE = re.compile(r"\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?")
# Characters that end a name written after '.'.
_SCRIPT_INDEX = re.compile(r"\(\s*@\.length\s*-\s*(\d+)\s*\)")
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_STOP = frozenset(".[]() ,\t\n\r")
_FILTER_NAME_STOP = _NAME_STOP | frozenset("=!<>&|")
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


class _Parser:
    def __init__(self, text: str, start: int = 0, *, in_args: bool = False) -> None:
        self.text, self.i = text, start
        # Inside intrinsic arguments a path ends at ',' or ')' at depth 0, as it does at a space.
        self.in_args = in_args

    def fail(self, reason: str, at: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(reason, self.text, self.i if at is None else at)

    def path(self, *, filter_item: bool = False, stop: frozenset[str] = _NAME_STOP) -> Path:
        t, start = self.text, self.i
        if filter_item and t.startswith("@", start):
            root, variable, self.i = "@", None, start + 1
        elif t.startswith("$$", start):
            root, variable, self.i = "$$", None, start + 2
        elif t.startswith("$", start):
            m = _IDENT.match(t, start + 1)
            if m and not filter_item:
                root, variable, self.i = "var", m.group(), m.end()
            else:
                root, variable, self.i = "$", None, start + 1
        else:
            raise self.fail("it must start with '$'")
        steps: list[Step] = []
        n = len(t)
        while self.i < n:
            c = t[self.i]
            if c == ".":
                steps.extend(self.dot(stop))
            elif c == "[":
                steps.append(self.bracket())
            elif c in stop or (self.in_args and c in ",)") or c.isspace():
                break
            else:
                raise self.fail(f"unexpected {c!r} at position {self.i}")
        return Path(t[start:self.i], root, tuple(steps), variable, start, self.i)

    def dot(self, stop: frozenset[str]) -> list[Step]:
        t, at = self.text, self.i
        desc = t.startswith("..", at)
        self.i += 2 if desc else 1
        if self.i >= len(t):
            raise self.fail("it ends with '.'")
        c = t[self.i]
        if c == "*":
            self.i += 1
            return [Step("desc", None, at, at + 2), Step("wild", None, at + 2, self.i)] if desc \
                else [Step("wild", None, at, self.i)]
        if c == "[":
            inner = self.bracket()
            return [Step("desc", None, at, at + 2), inner] if desc else [inner]
        name_start = self.i
        while self.i < len(t) and t[self.i] not in stop:
            self.i += 1
        name = t[name_start:self.i]
        if not name:
            raise self.fail(f"expected a field name at position {name_start}")
        if t.startswith("()", self.i):
            if name != "length" or desc:
                raise self.fail(f"{name}() is not a function of Step Functions paths", name_start)
            self.i += 2
            if self.i < len(t) and (t[self.i] in ".[" or not (t[self.i] in stop or t[self.i].isspace()
                                                           or (self.in_args and t[self.i] in ",)"))):
                raise self.fail("length() must be the last step", name_start)
            return [Step("length", None, at, self.i)]
        return [Step("desc", name, at, self.i)] if desc else [Step("key", name, at, self.i)]

    def bracket(self) -> Step:
        t, at = self.text, self.i
        self.i += 1
        self.ws()
        if self.i >= len(t):
            raise self.fail("unclosed '['", at)
        c = t[self.i]
        if c == "?":
            self.i += 1
            if not t.startswith("(", self.i):
                raise self.fail("a filter is written [?(...)]", at)
            self.i += 1
            expr = self.filter_or()
            self.ws()
            if not t.startswith(")", self.i):
                raise self.fail(self._unexpected("')' closing the filter"), self.i)
            self.i += 1
            return self.close(at, Step("filter", expr))
        if c == "*":
            self.i += 1
            return self.close(at, Step("wild"))
        m = _SCRIPT_INDEX.match(t, self.i)
        if m:
            # [(@.length-1)]: the one script expression in use (asl-validator's corpus holds it
            # as valid); the index counted from the end of the array.
            self.i = m.end()
            return self.close(at, Step("from_end", int(m.group(1))))
        if c in "'\"":
            names = self._union(self.quoted(), self._union_name)
            return self.close(at, Step("key", names[0]) if len(names) == 1 else Step("union", tuple(names)))
        m = _SLICE.match(t, self.i)
        if m and ":" in m.group():
            nums = tuple(int(g) if g is not None else None for g in m.groups())
            self.i = m.end()
            return self.close(at, Step("slice", nums))
        if _INT.match(t, self.i):
            items = self._union(self._union_index(), self._union_index)
            return self.close(at, Step("index", items[0]) if len(items) == 1 else Step("union", tuple(items)))
        if c == "]":
            raise self.fail("empty '[]'", at)
        end = t.find("]", self.i)
        shown = t[self.i:end] if end >= 0 else t[self.i:]
        raise self.fail(f"cannot read [{shown.strip()}]" if end >= 0 else "unclosed '['", at)

    def close(self, at: int, step: Step) -> Step:
        self.ws()
        if self.i >= len(self.text):
            raise self.fail("unclosed '['", at)
        if self.text[self.i] != "]":
            end = self.text.find("]", at)
            if end < 0:
                raise self.fail("unclosed '['", at)
            raise self.fail(f"cannot read [{self.text[at + 1:end].strip()}]", at)
        self.i += 1
        return Step(step.kind, step.arg, at, self.i)

    def quoted(self) -> str:
        t, q, at = self.text, self.text[self.i], self.i
        self.i += 1
        out: list[str] = []
        while self.i < len(t):
            c = t[self.i]
            if c == "\\" and t.startswith(q, self.i + 1):
                out.append(q)
                self.i += 2
                continue
            if c == q:
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise self.fail("unterminated quoted name", at)

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def _union(self, first: Any, item: Callable[[], Any]) -> list[Any]:
        """``first`` and every further ``, item`` of a bracket union."""
        items = [first]
        while True:
            self.ws()
            if not self.text.startswith(",", self.i):
                return items
            self.i += 1
            self.ws()
            items.append(item())

    def _union_name(self) -> str:
        if self.i >= len(self.text) or self.text[self.i] not in "'\"":
            raise self.fail("a union of names lists only quoted names", self.i)
        return self.quoted()

    def _union_index(self) -> int:
        m = _INT.match(self.text, self.i)
        if not m:
            raise self.fail("a union of indexes lists only integers", self.i)
        self.i = m.end()
        return int(m.group())

    def _unexpected(self, wanted: str) -> str:
        if self.i >= len(self.text):
            return f"expected {wanted}, found the end"
        return f"expected {wanted} at position {self.i}, found {self.text[self.i]!r}"

    # filters ------------------------------------------------------------------------------------
    def filter_or(self) -> Filter:
        return self._filter_chain("||", "or", self.filter_and)

    def filter_and(self) -> Filter:
        return self._filter_chain("&&", "and", self.filter_unary)

    def _filter_chain(self, token: str, kind: str, operand: Callable[[], Filter]) -> Filter:
        """``operand (token operand)*``, grouped to the left."""
        start = self.i
        left = operand()
        while True:
            self.ws()
            if not self.text.startswith(token, self.i):
                return left
            self.i += len(token)
            left = Filter(kind, (left, operand()), start, self.i)

    def filter_unary(self) -> Filter:
        self.ws()
        t, start = self.text, self.i
        if t.startswith("!", start) and not t.startswith("!=", start):
            self.i += 1
            return Filter("not", (self.filter_unary(),), start, self.i)
        if t.startswith("(", start):
            self.i += 1
            inner = self.filter_or()
            self.ws()
            if not t.startswith(")", self.i):
                raise self.fail(self._unexpected("')'"))
            self.i += 1
            return inner
        left = self.operand()
        self.ws()
        for op in _COMPARISONS:
            if t.startswith(op, self.i):
                self.i += len(op)
                self.ws()
                right = self.operand()
                return Filter(op, (left, right), start, self.i)
        if isinstance(left, Path):
            return Filter("exists", (left,), start, self.i)
        raise self.fail(self._unexpected("a comparison operator"))

    def operand(self) -> Any:
        t = self.text
        self.ws()
        if self.i >= len(t):
            raise self.fail("the filter is not closed")
        c = t[self.i]
        if c in "@$":
            return self.path(filter_item=True, stop=_FILTER_NAME_STOP)
        if c in "'\"":
            return ("lit", self.quoted())
        m = _NUMBER.match(t, self.i)
        if m:
            self.i = m.end()
            return ("lit", json.loads(m.group()))
        m = _BARE_WORD.match(t, self.i)
        if m:
            self.i = m.end()
            word = m.group()
            # An unquoted word is read as a string (asl-validator's corpus holds
            # [?(@.OutputKey == FooBar)] as a valid definition).
            return ("lit", {"true": True, "false": False, "null": None}.get(word, word))
        raise self.fail(self._unexpected("a path, a string, a number, true, false or null"))


@lru_cache(maxsize=4096)
def parse(text: str) -> Path:
    """Parse a whole path; raises :class:`PathSyntaxError` (with the offset) if it is not one."""
    if not isinstance(text, str):
        raise PathSyntaxError("a path must be a string", repr(text), 0)
    p = _Parser(text)
    path = p.path()
    if p.i != len(text):
        raise p.fail(f"unexpected {text[p.i]!r} at position {p.i}")
    return path


def parse_prefix(text: str, start: int) -> Path:
    """Parse the path that starts at ``start`` and ends before ``,``, ``)`` or whitespace
    (a path written as an argument of an intrinsic function)."""
    return _Parser(text, start, in_args=True).path()


def reference_problem(path: Path, kind: str = "a reference path") -> str | None:
    """Why ``path`` is not a Reference Path (one that names a single node), or None."""
    for s in path.steps:
        if s.kind in ("key", "index"):
            continue
        written = path.text[s.start - path.start:s.end - path.start]
        if s.kind == "desc":
            return f"{path.text!r} is not {kind}: '..' selects many nodes"
        if written.startswith(".*"):
            return f"{path.text!r} is not {kind}: '*' selects many nodes"
        if s.kind == "length":
            return f"{path.text!r} is not {kind}: length() computes a value"
        return f"{path.text!r} is not {kind}: {written.lstrip('.')} selects many nodes or computes a value"
    return None


def check(text: Any, *, reference: bool, context: bool = True, variables: bool = True) -> str | None:
    """Validate a Path (``reference=False``) or a Reference Path; an error message or None."""
    if not isinstance(text, str):
        return f"must be a string, not {json_type(text)}"
    kind = "a reference path" if reference else "a JSONPath"
    try:
        path = parse(text)
    except PathSyntaxError as e:
        return f"{text!r} is not {kind}: {e.reason}"
    return restriction(path, reference=reference, context=context, variables=variables)


def restriction(path: Path, *, reference: bool, context: bool = True, variables: bool = True) -> str | None:
    if path.root == "$$" and not context:
        return f"{path.text!r} is not allowed here: the context object ($$) cannot be used"
    if path.root == "var" and not variables:
        return f"{path.text!r} is not allowed here: variables cannot be used"
    if reference:
        return reference_problem(path)
    return None
