"""Syntax of the strings ASL evaluates: JSONPath paths, reference paths, intrinsic functions,
and JSONata ``{% %}`` expressions. Each checker returns an error message, or None when valid.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_STOP = set(".[]()'\"\\ ,")


def check_path(text: Any, *, reference: bool, context: bool = True, variables: bool = True) -> str | None:
    """Validate a Path (``reference=False``) or a Reference Path.

    A Reference Path identifies a single node: no ``..``, ``*``, ``@``, ``,``, ``:`` or ``?``.
    ``$$`` reaches the context object and ``$name`` a workflow variable, where allowed.
    """
    if not isinstance(text, str):
        return f"must be a string, not {_json_type(text)}"
    kind = "a reference path" if reference else "a JSONPath"
    if not text.startswith("$"):
        return f"{text!r} is not {kind}: it must start with '$'"
    i = 1
    if text.startswith("$$"):
        if not context:
            return f"{text!r} is not allowed here: the context object ($$) cannot be used"
        i = 2
    elif len(text) > 1 and (text[1].isalpha() or text[1] == "_"):
        if not variables:
            return f"{text!r} is not allowed here: variables cannot be used"
        m = _VAR_NAME.match(text, 1)
        assert m is not None
        i = m.end()
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ".":
            if text.startswith("..", i):
                if reference:
                    return f"{text!r} is not {kind}: '..' selects many nodes"
                i += 2
            else:
                i += 1
            if i >= n:
                return f"{text!r} is not {kind}: it ends with '.'"
            if text[i] == "*":
                if reference:
                    return f"{text!r} is not {kind}: '*' selects many nodes"
                i += 1
                continue
            if text[i] == "[":
                continue
            start = i
            while i < n and text[i] not in _NAME_STOP:
                i += 1
            if i == start:
                return f"{text!r} is not {kind}: expected a field name at position {start}"
        elif ch == "[":
            end, err = _bracket(text, i, reference, kind)
            if err:
                return err
            i = end
        else:
            return f"{text!r} is not {kind}: unexpected {ch!r} at position {i}"
    return None


def _bracket(text: str, i: int, reference: bool, kind: str) -> tuple[int, str | None]:
    """Check ``[...]`` starting at ``i``; return the index after ``]``."""
    depth, j, quote = 0, i, None
    while j < len(text):
        c = text[j]
        if quote:
            if c == "\\":
                j += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0:
                break
        j += 1
    else:
        return j, f"{text!r} is not {kind}: unclosed '['"
    inner = text[i + 1 : j].strip()
    if not inner:
        return j, f"{text!r} is not {kind}: empty '[]'"
    if re.fullmatch(r"-?\d+", inner):
        return j + 1, None
    if re.fullmatch(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", inner):
        return j + 1, None
    if reference:
        return j, f"{text!r} is not {kind}: [{inner}] selects many nodes or computes a value"
    if inner == "*":
        return j + 1, None
    if re.fullmatch(r"-?\d*\s*:\s*-?\d*(\s*:\s*-?\d*)?", inner):
        return j + 1, None
    if re.fullmatch(r"\s*(-?\d+|'(?:[^'\\]|\\.)*')(\s*,\s*(-?\d+|'(?:[^'\\]|\\.)*'))+\s*", inner):
        return j + 1, None
    if inner.startswith("?(") and inner.endswith(")") or inner.startswith("(") and inner.endswith(")"):
        return j + 1, None
    return j, f"{text!r} is not {kind}: cannot read [{inner}]"


# Intrinsic functions --------------------------------------------------------------------------

@attrs.frozen
class Call:
    name: str
    args: tuple[Any, ...]


@attrs.frozen
class PathArg:
    path: str


class IntrinsicSyntaxError(ValueError):
    pass


# name -> (min args, max args or None, literal kinds by position: "str" | "int" | "num" | "bool")
INTRINSICS: dict[str, tuple[int, int | None, tuple[str | None, ...]]] = {
    "States.Format": (1, None, ("str",)),
    "States.StringToJson": (1, 1, ("str",)),
    "States.JsonToString": (1, 1, (None,)),
    "States.Array": (0, None, ()),
    "States.ArrayPartition": (2, 2, (None, "int")),
    "States.ArrayContains": (2, 2, (None, None)),
    "States.ArrayRange": (3, 3, ("int", "int", "int")),
    "States.ArrayGetItem": (2, 2, (None, "int")),
    "States.ArrayLength": (1, 1, (None,)),
    "States.ArrayUnique": (1, 1, (None,)),
    "States.Base64Encode": (1, 1, ("str",)),
    "States.Base64Decode": (1, 1, ("str",)),
    "States.Hash": (2, 2, (None, "str")),
    "States.JsonMerge": (3, 3, (None, None, "bool")),
    "States.MathRandom": (2, 3, ("int", "int", "int")),
    "States.MathAdd": (2, 2, ("num", "num")),
    "States.StringSplit": (2, 2, ("str", "str")),
    "States.UUID": (0, 0, ()),
}


def parse_intrinsic(text: str) -> Call:
    """Parse ``States.Name(arg, ...)``; arguments are literals, paths or nested calls."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_ws()
    if parser.i != len(text):
        raise IntrinsicSyntaxError(f"unexpected {text[parser.i:]!r} after the call")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def skip_ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def call(self) -> Call:
        self.skip_ws()
        m = re.compile(r"States\.[A-Za-z0-9]+").match(self.text, self.i)
        if not m:
            raise IntrinsicSyntaxError(f"expected States.<Function>( at position {self.i}")
        name = m.group()
        self.i = m.end()
        if self.i >= len(self.text) or self.text[self.i] != "(":
            raise IntrinsicSyntaxError(f"expected '(' after {name}")
        self.i += 1
        args: list[Any] = []
        self.skip_ws()
        if self.i < len(self.text) and self.text[self.i] == ")":
            self.i += 1
        else:
            while True:
                args.append(self.arg())
                self.skip_ws()
                if self.i >= len(self.text):
                    raise IntrinsicSyntaxError(f"{name}( is never closed")
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                if self.text[self.i] == ")":
                    self.i += 1
                    break
                raise IntrinsicSyntaxError(f"unexpected {self.text[self.i]!r} in {name}(...)")
        return Call(name, tuple(args))

    def arg(self) -> Any:
        self.skip_ws()
        t, i = self.text, self.i
        if i >= len(t):
            raise IntrinsicSyntaxError("missing argument")
        if t[i] == "'":
            j, out = i + 1, []
            while j < len(t) and t[j] != "'":
                if t[j] == "\\" and j + 1 < len(t):
                    out.append(t[j : j + 2])
                    j += 2
                    continue
                out.append(t[j])
                j += 1
            if j >= len(t):
                raise IntrinsicSyntaxError("unterminated string literal")
            self.i = j + 1
            return _Str("".join(out))
        if t.startswith("States.", i):
            return self.call()
        if t[i] == "$":
            j, depth, quote = i, 0, None
            while j < len(t):
                c = t[j]
                if quote:
                    if c == quote:
                        quote = None
                elif c in "'\"":
                    quote = c
                elif c in "[(":
                    depth += 1
                elif c in "])":
                    if depth == 0:
                        break
                    depth -= 1
                elif c == "," and depth == 0:
                    break
                j += 1
            self.i = j
            return PathArg(t[i:j].strip())
        m = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?").match(t, i)
        if m:
            self.i = m.end()
            return float(m.group()) if ("." in m.group() or "e" in m.group().lower()) else int(m.group())
        for word, value in (("null", None), ("true", True), ("false", False)):
            if t.startswith(word, i):
                self.i = i + len(word)
                return value
        raise IntrinsicSyntaxError(f"cannot read an argument at {t[i:]!r}")


class _Str(str):
    """A string literal, raw (escapes kept) as written between quotes."""


def check_intrinsic(text: str) -> str | None:
    try:
        call = parse_intrinsic(text)
    except IntrinsicSyntaxError as e:
        return f"{text!r} is not a valid intrinsic function call: {e}"
    return _check_call(call)


def _check_call(call: Call) -> str | None:
    spec = INTRINSICS.get(call.name)
    if spec is None:
        return f"{call.name} is not an intrinsic function"
    lo, hi, kinds = spec
    if len(call.args) < lo or (hi is not None and len(call.args) > hi):
        want = f"{lo}" if lo == hi else f"{lo}+" if hi is None else f"{lo}-{hi}"
        return f"{call.name} takes {want} arguments, got {len(call.args)}"
    for pos, arg in enumerate(call.args):
        if isinstance(arg, Call):
            err = _check_call(arg)
            if err:
                return err
            continue
        if isinstance(arg, PathArg):
            err = check_path(arg.path, reference=False)
            if err:
                return f"{call.name} argument {pos + 1}: {err}"
            continue
        kind = kinds[pos] if pos < len(kinds) else None
        ok = {
            None: True,
            "str": isinstance(arg, str),
            "int": isinstance(arg, int) and not isinstance(arg, bool),
            "num": isinstance(arg, (int, float)) and not isinstance(arg, (bool, str)),
            "bool": isinstance(arg, bool),
        }[kind]
        if not ok:
            shown = f"'{arg}'" if isinstance(arg, str) else repr(arg)
            return f"{call.name} argument {pos + 1} must be a {_KIND_WORDS[kind]} or a path, not {shown}"
    return None


_KIND_WORDS = {"str": "string", "int": "integer", "num": "number", "bool": "boolean"}


def check_dynamic(value: Any) -> str | None:
    """The value of a ``key.$`` field: a path, a context path, a variable, or an intrinsic call."""
    if not isinstance(value, str):
        return f"a field ending in '.$' must hold a string, not {_json_type(value)}"
    if value.startswith("States."):
        return check_intrinsic(value)
    return check_path(value, reference=False)


# JSONata ------------------------------------------------------------------------------------------

# asl-validator's rule, which AWS documents as "{% <JSONata expression> %}": whitespace after
# the opening and before the closing delimiter, and the expression on one line.
_SURROUND = re.compile(r"\{%\s.*\s%\}")


def is_jsonata(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith("{%") or value.endswith("%}"))


def check_jsonata(value: str) -> str | None:
    if not _SURROUND.fullmatch(value):
        return (f"{_short(value)} is not a JSONata expression: write it as "
                "'{% expression %}' on one line, with a space inside each delimiter")
    try:
        import jsonata

        jsonata.Jsonata(value[2:-2])
    except Exception as e:  # jsonata raises its own JException for syntax errors
        return f"{_short(value)} does not parse as JSONata: {e}"
    return None


def _short(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
