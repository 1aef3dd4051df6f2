"""JSONata evaluation via the ``jsonata-python`` package, plus the functions AWS adds.

AWS adds ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse`` to the JSONata
standard library (Step Functions docs, "Transforming data with JSONata").
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import uuid
from typing import Any

import regex

_limit = sys.getrecursionlimit()
import jsonata  # noqa: E402  (importing it sets the interpreter's recursion limit; restored below)
from jsonata import regex_engine as _jregex  # noqa: E402
from jsonata import utils as _jutils  # noqa: E402

sys.setrecursionlimit(max(_limit, sys.getrecursionlimit()))

from flowdsl.errors import FlowError  # noqa: E402
from flowdsl.lang import jsonata as _lang  # noqa: E402

from .errors import StatesError  # noqa: E402

# Bounds on one evaluation, so a runaway expression fails its state instead of the process:
# AWS fails an expression that exceeds its limits with States.QueryEvaluationError.
MAX_SECONDS = 3.0  # wall time of one expression
MAX_DEPTH = 500  # nested evaluation (recursive functions included)
REGEX_SECONDS = 1.0  # one regular-expression match (catastrophic backtracking)
MAX_SEQUENCE = 1_000_000  # items an expression may build with $range/[a..b]/$pad and the like
MAX_STRING = 10 * 1024 * 1024  # characters of one string an expression may build


class _BoundedPattern:
    """A compiled pattern whose every match gives up after :data:`REGEX_SECONDS`."""

    def __init__(self, compiled: Any) -> None:
        self._p = compiled

    def _guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, timeout=REGEX_SECONDS, **kwargs)
        except TimeoutError:
            raise StatesError("States.QueryEvaluationError",
                              f"the regular expression /{self._p.pattern}/ took longer than "
                              f"{REGEX_SECONDS:g} s to match (catastrophic backtracking)") from None

    def search(self, string: str, *args: Any) -> Any:
        return self._guard(self._p.search, string, *args)

    def match(self, string: str, *args: Any) -> Any:
        return self._guard(self._p.match, string, *args)

    def finditer(self, string: str, *args: Any) -> Any:
        return iter(self._guard(lambda s, *a, timeout: list(self._p.finditer(s, *a, timeout=timeout)),
                                string, *args))

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._guard(self._p.sub, repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._guard(self._p.split, string, maxsplit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._p, name)


def _regex_engine(pattern: str, flags: Any) -> Any:
    bits = 0
    if flags.case_insensitive:
        bits |= regex.IGNORECASE
    if flags.multiline:
        bits |= regex.MULTILINE
    try:
        return _BoundedPattern(regex.compile(pattern, bits | regex.VERSION0))
    except regex.error:
        return _jregex.default_regex_engine(pattern, flags)  # the library reports the syntax error

_NULL = _jutils.Utils.NULL_VALUE


class Undefined(FlowError):
    """A JSONata expression produced no value."""


is_expression = _lang.is_expression


def expression_body(value: str) -> str:
    return value[2:-2].strip()


def _compile(expr: str) -> Any:
    """The expression compiled by the parser validation uses, with the bounded regex engine."""
    return _lang.compile_body(expr, _regex_engine)


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


def _bound(compiled: Any) -> None:
    """Time and depth bounds (jsonata's time box, restarted now), and a size bound on every
    intermediate value, so a doubling string or a huge sequence stops as soon as it is built."""
    env = compiled.environment
    env.set_runtime_bounds(int(MAX_SECONDS * 1000), MAX_DEPTH)
    timebox_exit = env.lookup("__evaluate_exit")

    def exit_callback(exp: Any, input: Any, frame: Any, res: Any) -> None:
        timebox_exit(exp, input, frame, res)
        if isinstance(res, str) and len(res) > MAX_STRING or isinstance(res, list) and len(res) > MAX_SEQUENCE:
            raise StatesError("States.QueryEvaluationError",
                              f"a JSONata expression built a {'string' if isinstance(res, str) else 'sequence'} "
                              f"of {len(res):,} {'characters' if isinstance(res, str) else 'items'}; the "
                              f"limit is {MAX_STRING if isinstance(res, str) else MAX_SEQUENCE:,}")

    env.set_evaluate_exit_callback(exit_callback)


def _check_size(result: Any, expr: str, field: str) -> None:
    todo, seen = [result], 0
    while todo:
        v = todo.pop()
        seen += 1
        if isinstance(v, str) and len(v) > MAX_STRING or seen > MAX_SEQUENCE:
            raise StatesError("States.QueryEvaluationError",
                              f"The JSONata expression '{expr}' specified for the field '{field}' "
                              "returned a value larger than the payload limit")
        if isinstance(v, list):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v.values())


def make_function_bindings(rng: random.Random) -> dict[str, Any]:
    return _Functions(rng).bindings()


def evaluate(expr: str, bindings: dict[str, Any], field: str) -> Any:
    """Evaluate a JSONata expression body. Undefined results raise :class:`Undefined`."""
    try:
        compiled = _compile(expr)
    except Exception as exc:  # jsonata raises its own JException subclasses for syntax errors
        raise StatesError("States.QueryEvaluationError", f"Unable to parse JSONata expression '{expr}' for field '{field}': {exc}") from None
    try:
        # A fresh time box per evaluation (the compiled expression is cached).
        _bound(compiled)
        result = compiled.evaluate(None, bindings)
        _check_size(result, expr, field)
    except StatesError as exc:
        if exc.error == "States.QueryEvaluationError" and exc.cause and "JSONata expression '" not in exc.cause:
            raise StatesError(exc.error, f"The JSONata expression '{expr}' specified for the field "
                                         f"'{field}' exceeded a limit: {exc.cause}") from None
        raise
    except RecursionError:
        raise StatesError(
            "States.QueryEvaluationError",
            f"The JSONata expression '{expr}' specified for the field '{field}' recursed too deeply",
        ) from None
    except MemoryError:
        raise StatesError(
            "States.QueryEvaluationError",
            f"The JSONata expression '{expr}' specified for the field '{field}' ran out of memory",
        ) from None
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
