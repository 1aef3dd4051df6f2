"""What each ASL intrinsic function (``States.Format(...)`` etc.) does when it runs.

The calls are parsed, and checked against the function table, by :mod:`flowdsl.lang.intrinsics`,
the parser validation uses too; this module evaluates the parsed tree.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid
from typing import Any, Callable

from flowdsl.errors import IntrinsicSyntaxError
from flowdsl.lang.intrinsics import (
    ARRAY_RANGE_LIMIT,
    HASH_ALGORITHMS,
    LBRACE as _LBRACE,
    RBRACE as _RBRACE,
    Call,
    Literal,
    PathArg,
    is_intrinsic,
    parse,
)

from .errors import StatesError


# --- implementations -------------------------------------------------------------------------

def _fail(msg: str) -> StatesError:
    return StatesError("States.IntrinsicFailure", msg)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # AWS takes integer arguments as Java ints
_MAX_ITEMS = ARRAY_RANGE_LIMIT  # the most items States.ArrayRange may produce (AWS's limit)


def _int_arg(fn: str, what: str, v: Any) -> int:
    """An integer argument within AWS's range; anything else is States.IntrinsicFailure."""
    if not _is_int(v):
        raise _fail(f"States.{fn}: the {what} must be an integer, not {_to_json_safe(v)}")
    if not _INT_MIN <= v <= _INT_MAX:
        raise _fail(f"States.{fn}: the {what} {_to_json_safe(v)} is outside the integer range "
                    f"{_INT_MIN} to {_INT_MAX}")
    return int(v)


def _to_json_safe(v: Any) -> str:
    try:
        text = json.dumps(v, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _to_json(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _arity(name: str, args: list[Any], lo: int, hi: int | None = None) -> None:
    hi = lo if hi is None else hi
    if not lo <= len(args) <= hi:
        raise _fail(f"The intrinsic function States.{name} received {len(args)} arguments, expected {lo}"
                    + ("" if hi == lo else f" to {hi}"))


def _format(args: list[Any]) -> str:
    if not args or not isinstance(args[0], str):
        raise _fail("States.Format: the first argument must be a string template")
    template, values = args[0], args[1:]
    # Escaped braces arrive as private-use stand-ins (see Literal.marked), so each '{}' is a placeholder.
    pieces = template.split("{}")
    if len(pieces) - 1 != len(values):
        raise _fail(f"States.Format: template has {len(pieces) - 1} placeholders but {len(values)} arguments were given")
    out = [pieces[0]]
    for v, piece in zip(values, pieces[1:]):
        out.append(v if isinstance(v, str) else _java_str(v))
        out.append(piece)
    return "".join(out)


def _java_str(v: Any) -> str:
    """Render a value the way AWS's Java implementation stringifies Format arguments.

    Objects and arrays print like java.util.Map / List toString ({a=1, b=[]}), recorded on AWS.
    """
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_java_str(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_java_str(x) for x in v) + "]"
    return _to_json(v)


def _string_to_json(args: list[Any]) -> Any:
    _arity("StringToJson", args, 1)
    s = args[0]
    if not isinstance(s, str):
        raise _fail("States.StringToJson: argument must be a string")
    if not s.strip():
        return None
    from flowdsl.strict_json import JsonValueError, loads

    try:
        return loads(s, "States.StringToJson")
    except JsonValueError as exc:
        raise _fail(f"States.StringToJson: invalid JSON string {s[:60]!r}: "
                    f"{str(exc).split(': ', 1)[-1]}") from None


def _array_partition(args: list[Any]) -> list[Any]:
    _arity("ArrayPartition", args, 2)
    arr, size = args
    if not isinstance(arr, list) or not _is_int(size) or size <= 0:
        raise _fail("States.ArrayPartition: expected an array and a positive integer chunk size")
    size = _int_arg("ArrayPartition", "chunk size", size)
    return [arr[i : i + size] for i in range(0, len(arr), size)]


def _array_range(args: list[Any]) -> list[Any]:
    _arity("ArrayRange", args, 3)
    if not all(_is_int(a) for a in args):
        raise _fail("States.ArrayRange: arguments must be integers")
    start, end, step = (_int_arg("ArrayRange", what, a) for what, a in zip(("start", "end", "step"), args))
    if step == 0:
        raise _fail("States.ArrayRange: step must not be 0")
    items = range(start, end + (1 if step > 0 else -1), step)
    if len(items) > _MAX_ITEMS:  # counted before anything is built
        raise _fail(f"States.ArrayRange: the result would have {len(items):,} items; "
                    f"at most {_MAX_ITEMS} are allowed")
    return list(items)


def _array_get_item(args: list[Any]) -> Any:
    _arity("ArrayGetItem", args, 2)
    arr, idx = args
    if not isinstance(arr, list) or not _is_int(idx) or not 0 <= idx < len(arr):
        raise _fail("States.ArrayGetItem: index out of bounds or wrong argument types")
    return arr[_int_arg("ArrayGetItem", "index", idx)]


def _array_unique(args: list[Any]) -> list[Any]:
    _arity("ArrayUnique", args, 1)
    if not isinstance(args[0], list):
        raise _fail("States.ArrayUnique: argument must be an array")
    seen: set[str] = set()
    out = []
    for v in args[0]:
        key = json.dumps(v, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _b64encode(args: list[Any]) -> str:
    _arity("Base64Encode", args, 1)
    s = args[0]
    if not isinstance(s, str) or len(s) > 10000:
        raise _fail("States.Base64Encode: argument must be a string of at most 10000 characters")
    return base64.b64encode(s.encode()).decode()


def _b64decode(args: list[Any]) -> str:
    _arity("Base64Decode", args, 1)
    s = args[0]
    if not isinstance(s, str) or len(s) > 10000:
        raise _fail("States.Base64Decode: argument must be a string of at most 10000 characters")
    try:
        return base64.b64decode(s, validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(f"States.Base64Decode: invalid base64 input {s!r}") from exc


_HASHES = HASH_ALGORITHMS


def _hash(args: list[Any]) -> str:
    _arity("Hash", args, 2)
    data, algo = args
    if algo not in _HASHES:
        raise _fail(f"States.Hash: unsupported algorithm {algo!r}; use one of {', '.join(_HASHES)}")
    if data is None:
        raise _fail("States.Hash: the data argument must not be null")
    text = data if isinstance(data, str) else _to_json(data)
    if len(text) > 10000:
        raise _fail("States.Hash: input exceeds 10000 characters")
    return hashlib.new(_HASHES[algo], text.encode()).hexdigest()


def _json_merge(args: list[Any]) -> dict[str, Any]:
    _arity("JsonMerge", args, 3)
    a, b, deep = args
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise _fail("States.JsonMerge: the first two arguments must be objects")
    if deep is not False:
        # AWS only supports shallow mode: "the third argument must be false".
        raise _fail("States.JsonMerge: deep merging is not supported; the third argument must be false")
    return {**a, **b}


def _math_random(args: list[Any], rng: random.Random) -> int:
    _arity("MathRandom", args, 2, 3)
    if not all(_is_int(a) for a in args):
        raise _fail("States.MathRandom: arguments must be integers")
    start = _int_arg("MathRandom", "start", args[0])
    end = _int_arg("MathRandom", "end", args[1])
    r = random.Random(_int_arg("MathRandom", "seed", args[2])) if len(args) == 3 else rng
    if end <= start:
        raise _fail("States.MathRandom: end must be greater than start")
    return r.randrange(start, end)


def _math_add(args: list[Any]) -> int:
    _arity("MathAdd", args, 2)
    if not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        raise _fail("States.MathAdd: arguments must be numbers")
    for what, a in zip(("first", "second"), args):
        if a != a or a in (float("inf"), float("-inf")):
            raise _fail(f"States.MathAdd: the {what} argument is {a!r}, not a number")
        if not _INT_MIN <= a <= _INT_MAX:
            raise _fail(f"States.MathAdd: the {what} argument {_to_json_safe(a)} is outside the integer "
                        f"range {_INT_MIN} to {_INT_MAX}")
    # Non-integers are rounded half-up first (recorded on AWS: MathAdd(1.5, 1.51) == 4, MathAdd(-3.5, 0) == -3).
    return sum(math.floor(a + 0.5) for a in args)


def _string_split(args: list[Any]) -> list[str]:
    _arity("StringSplit", args, 2)
    s, delims = args
    if not isinstance(s, str) or not isinstance(delims, str):
        raise _fail("States.StringSplit: arguments must be strings")
    # Every character of the delimiter string separates tokens and empty tokens are dropped
    # (the behaviour recorded against AWS: "a,,b" split on "," is ["a", "b"]).
    out, cur = [], []
    for ch in s:
        if ch in delims:
            if cur:
                out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _uuid(args: list[Any], rng: random.Random) -> str:
    _arity("UUID", args, 0)
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _array_contains(args: list[Any]) -> bool:
    _arity("ArrayContains", args, 2)
    if not isinstance(args[0], list):
        raise _fail("States.ArrayContains: first argument must be an array")
    needle = args[1]
    return any(_json_equal(v, needle) for v in args[0])


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _array_length(args: list[Any]) -> int:
    _arity("ArrayLength", args, 1)
    if not isinstance(args[0], list):
        raise _fail("States.ArrayLength: argument must be an array")
    return len(args[0])


def _json_to_string(args: list[Any]) -> str:
    _arity("JsonToString", args, 1)
    try:
        return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise _fail("States.JsonToString: the value holds a number JSON cannot represent") from None


FUNCTIONS: dict[str, Callable[[list[Any], random.Random], Any]] = {
    "Format": lambda a, r: _format(a),
    "StringToJson": lambda a, r: _string_to_json(a),
    "JsonToString": lambda a, r: _json_to_string(a),
    "Array": lambda a, r: list(a),
    "ArrayPartition": lambda a, r: _array_partition(a),
    "ArrayContains": lambda a, r: _array_contains(a),
    "ArrayRange": lambda a, r: _array_range(a),
    "ArrayGetItem": lambda a, r: _array_get_item(a),
    "ArrayLength": lambda a, r: _array_length(a),
    "ArrayUnique": lambda a, r: _array_unique(a),
    "Base64Encode": lambda a, r: _b64encode(a),
    "Base64Decode": lambda a, r: _b64decode(a),
    "Hash": lambda a, r: _hash(a),
    "JsonMerge": lambda a, r: _json_merge(a),
    "MathRandom": _math_random,
    "MathAdd": lambda a, r: _math_add(a),
    "StringSplit": lambda a, r: _string_split(a),
    "UUID": _uuid,
}


def evaluate(text: str, resolve: Callable[[str], Any], rng: random.Random | None = None) -> Any:
    """Evaluate the intrinsic call ``text``; ``resolve`` maps a path argument to its value."""
    try:
        call = parse(text)
    except IntrinsicSyntaxError as exc:
        raise _fail(f"{text!r} is not a valid intrinsic function call: {exc.reason}") from None
    return _eval(call, resolve, rng or random.Random(0))


def _eval(node: Any, resolve: Callable[[str], Any], rng: random.Random) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, PathArg):
        return resolve(node.path)
    fn = FUNCTIONS.get(node.name)
    if fn is None:
        raise _fail(f"Unknown intrinsic function States.{node.name}")
    args = [_eval(a, resolve, rng) for a in node.args]
    if node.name == "Format" and node.args and isinstance(node.args[0], Literal) and node.args[0].marked is not None:
        args[0] = node.args[0].marked
        return fn(args, rng).replace(_LBRACE, "{").replace(_RBRACE, "}")
    return fn(args, rng)


__all__ = ["parse", "evaluate", "is_intrinsic", "Call", "Literal", "PathArg", "IntrinsicSyntaxError"]
