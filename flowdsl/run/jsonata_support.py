"""JSONata evaluation via the ``jsonata-python`` package, plus the functions AWS adds.

AWS adds ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse`` to the JSONata
standard library (Step Functions docs, "Transforming data with JSONata").
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from functools import lru_cache
from typing import Any

import jsonata
from jsonata import utils as _jutils

from .errors import StatesError

_NULL = _jutils.Utils.NULL_VALUE


class Undefined(Exception):
    """A JSONata expression produced no value."""


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def expression_body(value: str) -> str:
    return value[2:-2].strip()


@lru_cache(maxsize=4096)
def _compile(expr: str) -> jsonata.Jsonata:
    j = jsonata.Jsonata(expr)
    j.set_output_convert_nulls(False)
    return j


def _to_python(value: Any) -> Any:
    """Convert a jsonata-python result into plain JSON data (lists, dicts, ints for integral floats)."""
    if value is _NULL:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return [_to_python(v) for v in value if v is not None or True]
    if isinstance(value, dict):
        return {k: _to_python(v) for k, v in value.items() if v is not None or True}
    if callable(value) or isinstance(value, (jsonata.Jsonata.JFunctionCallable,)):
        raise TypeError("function")
    return value


class _Functions:
    """AWS's extra JSONata functions, bound per execution so $random/$uuid are deterministic."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def partition(self, arr: Any, size: Any) -> Any:
        if not isinstance(arr, list) or not isinstance(size, (int, float)) or size <= 0:
            raise StatesError("States.QueryEvaluationError", "$partition expects an array and a positive size")
        n = int(size)
        return [list(arr[i : i + n]) for i in range(0, len(arr), n)]

    def range_(self, start: Any, end: Any, step: Any = 1) -> Any:
        vals = [start, end, step]
        if not all(isinstance(v, (int, float)) and float(v).is_integer() for v in vals) or step == 0:
            raise StatesError("States.QueryEvaluationError", "$range expects integer start, end and non-zero step")
        s, e, st = int(start), int(end), int(step)
        out = list(range(s, e + (1 if st > 0 else -1), st))
        if len(out) > 1000:
            raise StatesError("States.QueryEvaluationError", "$range result exceeds 1000 items")
        # AWS returns a JSONata sequence, so a single-element range collapses to its value
        # (recorded: $range(1, 9, 9) == 1).
        return out[0] if len(out) == 1 else out

    def hash_(self, data: Any, algo: Any = "SHA-256") -> Any:
        names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
        if algo not in names or not isinstance(data, str):
            raise StatesError("States.QueryEvaluationError", f"$hash: unsupported arguments ({algo!r})")
        return hashlib.new(names[algo], data.encode()).hexdigest()

    def random_(self, seed: Any = None) -> Any:
        r = random.Random(seed) if seed is not None else self.rng
        return r.random()

    def uuid_(self) -> Any:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def parse(self, text: Any) -> Any:
        if not isinstance(text, str):
            raise StatesError("States.QueryEvaluationError", "$parse expects a string")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise StatesError("States.QueryEvaluationError", f"$parse: invalid JSON {text!r}") from exc

    def bindings(self) -> dict[str, Any]:
        L = jsonata.Jsonata.JLambda
        return {
            "partition": L(self.partition),
            "range": L(self.range_),
            "hash": L(self.hash_),
            "random": L(self.random_),
            "uuid": L(self.uuid_),
            "parse": L(self.parse),
        }


def make_function_bindings(rng: random.Random) -> dict[str, Any]:
    return _Functions(rng).bindings()


def evaluate(expr: str, bindings: dict[str, Any], field: str) -> Any:
    """Evaluate a JSONata expression body. Undefined results raise :class:`Undefined`."""
    try:
        compiled = _compile(expr)
    except Exception as exc:  # jsonata raises its own JException subclasses for syntax errors
        raise StatesError("States.QueryEvaluationError", f"Unable to parse JSONata expression '{expr}' for field '{field}': {exc}") from None
    try:
        result = compiled.evaluate(None, bindings)
    except StatesError:
        raise
    except Exception as exc:
        raise StatesError(
            "States.QueryEvaluationError",
            f"The JSONata expression '{expr}' specified for the field '{field}' could not be evaluated: {exc}",
        ) from None
    if result is None:
        raise Undefined(expr)
    try:
        return _to_python(result)
    except TypeError:
        raise StatesError(
            "States.QueryEvaluationError",
            f"The JSONata expression '{expr}' specified for the field '{field}' returned an unsupported result type.",
        ) from None
