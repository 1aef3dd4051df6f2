"""Intrinsic functions (``States.Format('{}', $.a)``): the parser, and the table of functions
with the arguments each takes. Validation checks a parsed call against the table; the local
engine (``flowdsl.run.intrinsics``) evaluates the same tree; the Hypothesis strategies draw
calls from the same table.

Grammar (AWS, "Intrinsic functions")::

    call    := 'States.' NAME '(' [arg (',' arg)*] ')'
    arg     := call | 'string' | NUMBER | 'null' | 'true' | 'false' | path
    NUMBER  := a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?

Inside a quoted string a backslash escapes the next character (``\\'``, ``\\{``, ``\\}``,
``\\\\``); an escaped brace is a literal brace, not a ``States.Format`` placeholder.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from flowdsl import strict_json
from flowdsl.errors import IntrinsicSyntaxError, PathSyntaxError
from flowdsl.lang import jsonpath
from flowdsl.lang._node import Node

__all__ = ["Call", "Literal", "PathArg", "Signature", "FUNCTIONS", "HASH_ALGORITHMS", "IntrinsicSyntaxError",
           "parse", "is_intrinsic", "problem", "check"]

LBRACE, RBRACE = "\ue000", "\ue001"  # stand-ins for escaped braces in a Format template


class Literal(Node):
    # For strings, ``marked`` is the text with escaped braces replaced by stand-ins, so
    # States.Format can tell a literal '\{\}' from a '{}' placeholder.
    __slots__ = ("value", "marked", "start", "end")
    _fields = ("value",)
    value: Any
    marked: str | None
    start: int
    end: int

    def __init__(self, value: Any, marked: str | None = None, start: int = 0, end: int = 0) -> None:
        self._init(value=value, marked=marked, start=start, end=end)


class PathArg(Node):
    __slots__ = ("path", "tree", "start", "end")
    _fields = ("path",)
    path: str
    tree: jsonpath.Path | None
    start: int
    end: int

    def __init__(self, path: str, tree: jsonpath.Path | None = None, start: int = 0, end: int = 0) -> None:
        self._init(path=path, tree=tree, start=start, end=end)


class Call(Node):
    __slots__ = ("name", "args", "start", "end")
    _fields = ("name", "args")
    name: str  # without "States."
    args: tuple[Any, ...]
    start: int
    end: int

    def __init__(self, name: str, args: tuple[Any, ...], start: int = 0, end: int = 0) -> None:
        self._init(name=name, args=args, start=start, end=end)


class Signature(Node):
    """What a function takes: ``min_args``..``max_args`` (None: any number) arguments, and for
    a literal argument at position i, the kind ``kinds[i]`` ("str", "int", "num", "bool",
    "array" or "object", which no literal is, or None for any value)."""

    __slots__ = ("min_args", "max_args", "kinds")
    _fields = ("min_args", "max_args", "kinds")
    min_args: int
    max_args: int | None
    kinds: tuple[str | None, ...]

    def __init__(self, min_args: int, max_args: int | None, kinds: tuple[str | None, ...] = ()) -> None:
        self._init(min_args=min_args, max_args=max_args, kinds=kinds)


FUNCTIONS: dict[str, Signature] = {
    "Format": Signature(1, None, ("str",)),
    "StringToJson": Signature(1, 1, ("str",)),
    "JsonToString": Signature(1, 1, (None,)),
    "Array": Signature(0, None),
    "ArrayPartition": Signature(2, 2, ("array", "int")),
    "ArrayContains": Signature(2, 2, ("array", None)),
    "ArrayRange": Signature(3, 3, ("int", "int", "int")),
    "ArrayGetItem": Signature(2, 2, ("array", "int")),
    "ArrayLength": Signature(1, 1, ("array",)),
    "ArrayUnique": Signature(1, 1, ("array",)),
    "Base64Encode": Signature(1, 1, ("str",)),
    "Base64Decode": Signature(1, 1, ("str",)),
    "Hash": Signature(2, 2, (None, "str")),
    "JsonMerge": Signature(3, 3, ("object", "object", "bool")),
    "MathRandom": Signature(2, 3, ("int", "int", "int")),
    "MathAdd": Signature(2, 2, ("num", "num")),
    "StringSplit": Signature(2, 2, ("str", "str")),
    "UUID": Signature(0, 0),
}

HASH_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # AWS takes integer arguments as Java ints
ARRAY_RANGE_LIMIT = 1000  # AWS: "the array can't contain more than 1000 items"
STRING_LIMIT = 10000  # AWS: Base64Encode/Decode and Hash take at most 10,000 characters


_NAME = re.compile(r"States\.([A-Za-z0-9_]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


# A call starts at the value's first character: " States.Array($.a)" is not one. statelint
# rejects it, and LocalStack's ASL lexer (whose behaviour is recorded against AWS) reads a
# value as an intrinsic only when ``States.`` follows the opening quote at once
# (``STRINGINTRINSICFUNC: '"States.' ... ')"'``); anything else in a ``.$`` field is read as a
# path, and a path cannot start with a blank. Blanks between a call's arguments are fine.
def is_intrinsic(text: Any) -> bool:
    return isinstance(text, str) and text.startswith("States.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def fail(self, reason: str, at: int | None = None) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(reason, self.text, self.i if at is None else at)

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def call(self) -> Call:
        self.ws()
        t, start = self.text, self.i
        m = _NAME.match(t, start)
        if not m or not m.group(1):
            raise self.fail(f"expected States.<Function>( at position {start}")
        name = m.group(1)
        self.i = m.end()
        if not t.startswith("(", self.i):
            raise self.fail(f"expected '(' after States.{name}")
        self.i += 1
        args: list[Any] = []
        self.ws()
        if t.startswith(")", self.i):
            self.i += 1
            return Call(name, (), start, self.i)
        while True:
            args.append(self.arg())
            self.ws()
            if self.i >= len(t):
                raise self.fail(f"States.{name}( is never closed", start)
            if t[self.i] == ",":
                self.i += 1
                continue
            if t[self.i] == ")":
                self.i += 1
                return Call(name, tuple(args), start, self.i)
            raise self.fail(f"unexpected {t[self.i]!r} at position {self.i} in States.{name}(...)")

    def arg(self) -> Any:
        self.ws()
        t, start = self.text, self.i
        if start >= len(t):
            raise self.fail("missing argument")
        c = t[start]
        if t.startswith("States.", start):
            return self.call()
        if c == "'":
            return self.string()
        if c == "$":
            try:
                tree = jsonpath.parse_prefix(t, start)
            except PathSyntaxError as e:
                raise IntrinsicSyntaxError(f"argument {t[start:].split(',')[0]!r}: {e.reason}", t, e.offset) from None
            self.i = tree.end
            return PathArg(tree.text, tree, start, self.i)
        j = start
        while j < len(t) and t[j] not in ",)" and not t[j].isspace():
            j += 1
        token = t[start:j]
        for word, value in (("null", None), ("true", True), ("false", False)):
            if token == word:
                self.i = j
                return Literal(value, None, start, j)
        if _NUMBER.fullmatch(token):
            self.i = j
            return Literal(json.loads(token), None, start, j)
        if token and (token[0].isdigit() or token[0] == "-"):
            raise self.fail(f"{token!r} is not a number (numbers are written as in JSON)", start)
        raise self.fail(f"cannot read an argument at {t[start:]!r}", start)

    def string(self) -> Literal:
        t, start = self.text, self.i
        self.i += 1
        out: list[str] = []
        marked: list[str] = []
        while self.i < len(t):
            c = t[self.i]
            if c == "\\" and self.i + 1 < len(t):
                nxt = t[self.i + 1]
                out.append(nxt)
                marked.append({"{": LBRACE, "}": RBRACE}.get(nxt, nxt))
                self.i += 2
                continue
            if c == "'":
                self.i += 1
                return Literal("".join(out), "".join(marked), start, self.i)
            out.append(c)
            marked.append(c)
            self.i += 1
        raise self.fail("unterminated string literal", start)


@lru_cache(maxsize=4096)
def parse(text: str) -> Call:
    """Parse ``States.Name(arg, ...)``; raises :class:`IntrinsicSyntaxError` with the offset."""
    p = _Parser(text)
    call = p.call()
    p.ws()
    if p.i != len(text):
        raise p.fail(f"unexpected {text[p.i:]!r} after the call")
    return call


_KIND_WORDS = {"str": "a string", "int": "an integer", "num": "a number", "bool": "a boolean",
               "array": "an array", "object": "an object"}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())


def _fits(kind: str | None, v: Any) -> bool:
    if kind is None:
        return True
    if kind == "str":
        return isinstance(v, str)
    if kind == "int":
        return _is_int(v)
    if kind in ("array", "object"):
        return False  # literals are strings, numbers, booleans and null
    if kind == "num":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, bool)


def problem(call: Call) -> str | None:
    """What is wrong with a parsed call, judged from the function table and its literal
    arguments; None when it can run. Nested calls are checked too."""
    sig = FUNCTIONS.get(call.name)
    if sig is None:
        return f"States.{call.name} is not an intrinsic function"
    n = len(call.args)
    if n < sig.min_args or (sig.max_args is not None and n > sig.max_args):
        lo, hi = sig.min_args, sig.max_args
        want = f"{lo}" if lo == hi else f"{lo}+" if hi is None else f"{lo}-{hi}"
        return f"States.{call.name} takes {want} arguments, got {n}"
    for pos, arg in enumerate(call.args):
        if isinstance(arg, Call):
            err = problem(arg)
            if err:
                return err
        elif isinstance(arg, Literal):
            kind = sig.kinds[pos] if pos < len(sig.kinds) else None
            if not _fits(kind, arg.value):
                shown = f"'{arg.value}'" if isinstance(arg.value, str) else json.dumps(arg.value)
                return f"States.{call.name} argument {pos + 1} must be {_KIND_WORDS[kind]} or a path, not {shown}"
            if kind in ("int", "num") and not INT_MIN <= arg.value <= INT_MAX:
                return (f"States.{call.name} argument {pos + 1}, {json.dumps(arg.value)}, is outside the "
                        f"integer range {INT_MIN} to {INT_MAX}")
    return _literal_problem(call)


def _literal_problem(call: Call) -> str | None:
    """Values the function rejects whatever the input, when they are written as literals."""
    lit = [a.value if isinstance(a, Literal) else _UNKNOWN for a in call.args]
    name = f"States.{call.name}"
    if call.name == "Format" and isinstance(call.args[0], Literal):
        holes = (call.args[0].marked or "").count("{}")
        if holes != len(call.args) - 1:
            return (f"{name}: the number of placeholders ({holes}) differs from the number of "
                    f"values ({len(call.args) - 1})")
    elif call.name == "ArrayRange" and _UNKNOWN not in lit:
        start, end, step = (int(v) for v in lit)
        if step == 0:
            return f"{name}: the step must not be 0"
        size = max(0, (end - start) // step + 1)
        if size > ARRAY_RANGE_LIMIT:
            return f"{name}: the result would hold {size} items; the limit is {ARRAY_RANGE_LIMIT}"
    elif call.name == "MathRandom" and _UNKNOWN not in lit[:2] and lit[1] <= lit[0]:
        return f"{name}: the end ({lit[1]}) must be greater than the start ({lit[0]})"
    elif call.name == "Hash" and lit[1] is not _UNKNOWN and lit[1] not in HASH_ALGORITHMS:
        return f"{name}: unsupported algorithm {lit[1]!r}; use one of {', '.join(HASH_ALGORITHMS)}"
    elif call.name == "JsonMerge" and lit[2] is True:
        return f"{name}: deep merging is not supported; the third argument must be false"
    elif call.name == "ArrayPartition" and lit[1] is not _UNKNOWN and lit[1] <= 0:
        return f"{name}: the chunk size must be positive, not {lit[1]}"
    elif call.name == "StringToJson" and isinstance(lit[0], str) and lit[0].strip():
        try:
            strict_json.loads(lit[0], name)
        except strict_json.JsonValueError as e:
            return f"{name}: invalid JSON string {lit[0][:60]!r}: {str(e).split(': ', 1)[-1]}"
    elif call.name in ("Base64Encode", "Base64Decode", "Hash") and isinstance(lit[0], str) \
            and len(lit[0]) > STRING_LIMIT:
        return f"{name}: the input holds {len(lit[0])} characters; the limit is {STRING_LIMIT}"
    elif call.name == "Base64Decode" and isinstance(lit[0], str) and not _decodes(lit[0]):
        return f"{name}: invalid base64 input {lit[0]!r} (not Base64 of UTF-8 text)"
    elif call.name == "Hash" and call.args and isinstance(call.args[0], Literal) and lit[0] is None:
        return f"{name}: the data must not be null"
    elif call.name == "ArrayGetItem" and lit[1] is not _UNKNOWN and lit[1] < 0:
        return f"{name}: the index must not be negative, not {lit[1]}"
    return None


_UNKNOWN = object()


def _decodes(text: str) -> bool:
    import base64  # only a literal States.Base64Decode argument is checked with it

    try:
        base64.b64decode(text, validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return False
    return True


def check(text: Any) -> str | None:
    """An error message for a string that should be a valid intrinsic call, or None."""
    try:
        call = parse(text)
    except IntrinsicSyntaxError as e:
        return f"{text!r} is not a valid intrinsic function call: {e.reason}"
    return problem(call)
