"""Hypothesis strategies for flowdsl workflows, for property tests of flowdsl and of your own code.

* ``workflows()`` -- valid random workflows: every state type with its fields, nested Parallel,
  Map and Choice, Retry/Catch with targets outside the main sequence, data-flow fields,
  intrinsic functions and JSONata in payloads, Lambda and Batch tasks with deploy-time
  references (``var``, ``join``, ``JobDefinition.arn``). State names are unique in the whole
  workflow. Every one compiles, and ``flowdsl.build.check`` finds nothing wrong with it.
* ``invalid_workflows()`` -- a valid workflow with one named mutation, as ``Mutated(workflow,
  mutation, expected_code)``: ``check`` must report at least one diagnostic with that code.
* ``asl_definitions()`` -- raw ASL documents (plain JSON, references resolved to dummy values,
  states listed in a shuffled order), for testing the importer.

Example::

    from hypothesis import given
    from flowdsl.build import check
    from flowdsl.testing.strategies import workflows

    @given(workflows(max_depth=1, max_states=6))
    def test_my_linter_accepts_valid_workflows(wf):
        compiled, diagnostics = check(wf)
        assert my_linter(compiled.definition) == []

Examples shrink toward short sequences of ``Pass`` states named ``Pass1``, ``Pass2``, ...
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import attrs
from hypothesis import strategies as st

from flowdsl.asl import compile_workflow
from flowdsl.placeholders import iter_refs
from flowdsl.conditions import And, Comparison, Condition, Not, Or
from flowdsl.lang.intrinsics import FUNCTIONS as _FUNCTIONS
from flowdsl.lang.operators import OPERATORS
from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, DataAttr, Ref, ResourceAttr, Var, \
    Variable, join, var
from flowdsl.placeholders import resolve
from flowdsl.states import (
    NULL,
    Branch,
    Catch,
    Choice,
    Fail,
    Goto,
    Map,
    Parallel,
    Pass,
    Retry,
    State,
    Succeed,
    Task,
    Wait,
    When,
    Workflow,
    _Catching,
    _TaskBase,
)
from flowdsl.tasks.batch import BatchTask, JobDefinition
from flowdsl.tasks.lambda_ import LambdaTask

__all__ = [
    "MUTATIONS", "Mutated", "asl_definitions", "dummy_values", "intrinsic_calls", "invalid_workflows",
    "json_values", "jsonata_expressions", "json_paths", "payloads", "reference_paths",
    "resolve_dummy", "workflows",
]

JSONPATH, JSONATA = "JSONPath", "JSONata"


# Strategies are built once and reused: building them on every draw costs more than drawing.
@lru_cache(maxsize=None)
def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@lru_cache(maxsize=None)
def _one(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


_BOOL = st.booleans()


@lru_cache(maxsize=None)
def _either(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(*strategies)


@lru_cache(maxsize=None)
def _just(value: Any) -> st.SearchStrategy[Any]:
    return st.just(value)


@lru_cache(maxsize=None)
def _key_lists(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_KEYS, min_size=min_size, max_size=max_size, unique=True)


def _pick_from(draw: Any, options: list[Any] | tuple[Any, ...]) -> Any:
    """One of ``options`` (shrinks toward the first); options may differ from draw to draw."""
    return options[draw(_ints(0, len(options) - 1))]
_TERMINAL = (Choice, Succeed, Fail)

# ------------------------------------------------------------------------------------------------
# leaves: JSON values, paths, intrinsic functions, JSONata
# ------------------------------------------------------------------------------------------------

_FIELDS = ("a", "b", "n", "items", "data", "result", "value", "user id")
_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/",
                max_size=12)
_STEPS = st.lists(st.sampled_from(_FIELDS), max_size=3)
_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1,
                max_size=8)


def _field_step(name: str) -> str:
    return f".{name}" if name.replace("_", "").isalnum() else f"['{name}']"


@lru_cache(maxsize=None)
def json_paths(reference: bool = False) -> st.SearchStrategy[str]:
    """A JSONPath (``$``, ``$.a.b``, ``$.items[0]``, ``$['user id']``); with ``reference=True``,
    a Reference Path (one node only)."""
    return _json_paths(reference)


@st.composite
def _json_paths(draw: Any, reference: bool = False) -> str:
    """A JSONPath (``$``, ``$.a.b``, ``$.items[0]``, ``$['user id']``); with ``reference=True``,
    a Reference Path (one node only)."""
    steps = draw(_STEPS)
    out = "$" + "".join(_field_step(s) for s in steps)
    if steps and draw(_BOOL):
        out += f"[{draw(_ints(0, 3))}]"
    return out


@lru_cache(maxsize=None)
def reference_paths() -> st.SearchStrategy[str]:
    return json_paths(reference=True)


def _scalar_arg(kind: str) -> st.SearchStrategy[str]:
    if kind == "int":
        return _ints(0, 9).map(str)
    if kind == "str":
        return _one(("'x'", "'a b'", "','", "'{}'"))
    return _one(("true", "false"))


@lru_cache(maxsize=None)
def intrinsic_calls(depth: int = 1) -> st.SearchStrategy[str]:
    """An intrinsic function call, possibly nested: ``States.Format('{} items', States.ArrayLength($.items))``."""
    return _intrinsic_calls(depth)


@st.composite
def _intrinsic_calls(draw: Any, depth: int = 1) -> str:
    """An intrinsic function call, possibly nested: ``States.Format('{} items', States.ArrayLength($.items))``."""
    def arg() -> str:
        if depth > 0 and draw(_ints(0, 3)) == 3:
            return draw(intrinsic_calls(depth - 1))
        return draw(json_paths())

    # The functions, their arity and the kinds of their literal arguments come from the one
    # table validation and the engine use; the cases below add the values each function needs
    # to succeed whatever its input (a template's placeholders, a range's size, ...).
    form = draw(_one(tuple(_FUNCTIONS)))
    sig = _FUNCTIONS[form]
    if form == "Format":
        args = [draw(_one(("'{}'", "'value {} and {}'", "'x'")))]
        args += [arg() for _ in range(args[0].count("{}"))]
    elif form == "Array":
        args = [draw(_either(_scalar_arg("int"), _scalar_arg("str"))) if draw(_BOOL)
                else arg() for _ in range(draw(_ints(0, 3)))]
    elif form == "MathAdd":
        args = [arg(), draw(_scalar_arg("int"))]
    elif form in ("ArrayPartition", "ArrayGetItem"):
        args = [arg(), str(draw(_ints(1, 4)))]
    elif form == "ArrayRange":
        args = ["1", str(draw(_ints(1, 9))), "1"]
    elif form == "Hash":
        args = [arg(), draw(_one(("'SHA-256'", "'MD5'")))]
    elif form == "JsonMerge":
        args = [arg(), arg(), "false"]
    elif form == "MathRandom":
        args = ["1", str(draw(_ints(2, 99)))]
    elif form == "StringSplit":
        args = [arg(), "','"]
    else:
        # the rest: a path (or a nested call) for each argument they require
        args = [arg() for _ in range(sig.min_args)]
    return f"States.{form}({', '.join(args)})"


@lru_cache(maxsize=None)
def jsonata_expressions(condition: bool = False) -> st.SearchStrategy[str]:
    """A ``{% ... %}`` JSONata expression (a boolean one with ``condition=True``)."""
    if condition:
        return _one((
            "{% $states.input.n > 1 %}", "{% $exists($states.input.a) %}",
            "{% $states.input.flag = true %}", "{% $count($states.input.items) = 0 %}",
            "{% 'x' in $states.input.tags %}",
        ))
    return _one((
        "{% $states.input %}", "{% $states.input.a %}", "{% $states.input.n + 1 %}",
        "{% $uppercase($states.input.s) %}", "{% $count($states.input.items) %}",
        "{% $states.context.Execution.Id %}", "{% {'a': $states.input.a, 'b': [1, 2]} %}",
    ))


@lru_cache(maxsize=None)
def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Plain JSON: null, booleans, integers, short floats, strings, arrays, objects."""
    scalars = st.one_of(
        _ints(-1000, 1000), _TEXT, _BOOL, st.none(),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)),
    )
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
        max_leaves=max_leaves)


# ------------------------------------------------------------------------------------------------
# the generation context: names, variables, job definitions
# ------------------------------------------------------------------------------------------------

# variable name -> (terraform type, dummy value) for deploy-time references
_VARIABLES = {
    "app_name": "myapp", "stage": "dev", "bucket": "my-bucket",
    "fn_arn": "arn:aws:lambda:us-east-1:123456789012:function:handler",
    "activity_arn": "arn:aws:states:us-east-1:123456789012:activity:worker",
    "queue_arn": "arn:aws:batch:us-east-1:123456789012:job-queue/queue",
    "job_definition_arn": "arn:aws:batch:us-east-1:123456789012:job-definition/existing:1",
    "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/job",
    "topic_arn": "arn:aws:sns:us-east-1:123456789012:done",
    "child_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/jobs",
    "subnet_id": "subnet-0123456789abcdef0",
}
_DATA_VALUES = {PARTITION.address: "aws", REGION.address: "us-east-1",
                ACCOUNT_ID.address: "123456789012"}


class _Ctx:
    """Mutable state of one draw: a counter for names, declared variables, job definitions."""

    def __init__(self, draw: Any, max_depth: int, max_states: int, jsonata: bool, refs: bool) -> None:
        self.draw = draw
        self.max_depth = max_depth
        self.budget = max_states
        self.count = 0
        self.jsonata = jsonata
        self.refs = refs
        self.variables: dict[str, Variable] = {}
        self.jobs: dict[str, JobDefinition] = {}

    def name(self, kind: str) -> str:
        self.count += 1
        self.budget -= 1
        style = self.draw(_one(("plain", "plain", "plain", "spaced", "dotted")))
        if style == "spaced":
            return f"{kind} {self.count}"
        if style == "dotted":
            return f"{kind}.{self.count}"
        return f"{kind}{self.count}"

    def var(self, name: str) -> Var:
        if name not in self.variables:
            default = self.draw(_one((None, None, _VARIABLES[name])))
            self.variables[name] = Variable(name, default=default,
                                            description=self.draw(_one((None, "input"))))
        return var(name)


class _Scope:
    def __init__(self, path: str) -> None:
        self.path = path
        self.known: list[str] = []  # names of states already drawn in this scope


# ------------------------------------------------------------------------------------------------
# deploy-time references and payloads
# ------------------------------------------------------------------------------------------------

def _ref_value(ctx: _Ctx) -> Ref:
    d = ctx.draw
    kind = d(_one(("var", "join", "arn")))
    if kind == "var":
        return ctx.var(d(_one(("app_name", "stage", "bucket"))))
    if kind == "join":
        return join(ctx.var("app_name"), "-", ctx.var("stage"), d(_one(("", "-x"))))
    return join("arn:", PARTITION, ":s3:::", ctx.var("bucket"))


def _static(ctx: _Ctx, depth: int = 1) -> Any:
    d = ctx.draw
    if ctx.refs and d(_ints(0, 4)) == 4:
        return _ref_value(ctx)
    return d(json_values(4))


def _dynamic(ctx: _Ctx) -> str:
    d = ctx.draw
    which = d(_one(("path", "path", "intrinsic", "context", "variable")))
    if which == "path":
        return d(json_paths())
    if which == "intrinsic":
        return d(intrinsic_calls())
    if which == "context":
        return d(_one(("$$.Execution.Id", "$$.State.Name", "$$.Execution.Input")))
    return d(_one(("$count", "$total")))


def _payload(ctx: _Ctx, depth: int = 1, dynamic: bool = True, max_size: int = 3) -> dict[str, Any]:
    d = ctx.draw
    keys = d(_key_lists(0, max_size))
    out: dict[str, Any] = {}
    for k in keys:
        how = d(_one(("static", "dynamic", "nested"))) if dynamic else "static"
        if how == "dynamic":
            out[k + ".$"] = _dynamic(ctx)
        elif how == "nested" and depth > 0:
            out[k] = _payload(ctx, depth - 1, dynamic, 2)
        else:
            out[k] = _static(ctx)
    return out


def payloads(max_depth: int = 1) -> st.SearchStrategy[dict[str, Any]]:
    """A JSONPath payload template: static values, ``key.$`` paths and intrinsic calls."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        return _payload(_Ctx(draw, 0, 0, False, False), max_depth)
    return build()


def _jsonata_payload(ctx: _Ctx) -> Any:
    d = ctx.draw
    if d(_BOOL):
        return d(jsonata_expressions())
    return {k: d(_either(jsonata_expressions(), json_values(2)))
            for k in d(_key_lists(1, 3))}


_ASSIGN_NAMES = st.lists(st.sampled_from(("count", "total", "last", "flag")), min_size=1, max_size=2,
                         unique=True)


def _assign(ctx: _Ctx, lang: str) -> Any:
    d = ctx.draw
    if not d(_ints(0, 3)) == 3:
        return None
    names = d(_ASSIGN_NAMES)
    out: dict[str, Any] = {}
    for n in names:
        if lang == JSONATA:
            out[n] = d(_either(jsonata_expressions(), _ints(0, 9)))
        elif d(_BOOL):
            out[n + ".$"] = d(json_paths())
        else:
            out[n] = d(_ints(0, 9))
    return out


def _maybe(ctx: _Ctx, value: Callable[[], Any], weight: int = 2) -> Any:
    """``value()`` about once in ``weight`` draws, else None."""
    return value() if ctx.draw(_ints(0, weight - 1)) == weight - 1 else None


def _comment(ctx: _Ctx) -> str | None:
    return _maybe(ctx, lambda: ctx.draw(_one(("a comment", "Does the work.", ""))), 4)


# ------------------------------------------------------------------------------------------------
# retry, catch, targets
# ------------------------------------------------------------------------------------------------

_ERRORS = ("States.TaskFailed", "States.Timeout", "Lambda.ServiceException", "Custom.Error",
           "States.Runtime")


_ERROR_LISTS = st.lists(st.sampled_from(_ERRORS), min_size=1, max_size=2, unique=True)


def _error_lists(ctx: _Ctx, n: int) -> list[tuple[str, ...]]:
    """``n`` ErrorEquals lists; at most one is ``States.ALL``, alone, and it comes last."""
    d = ctx.draw
    out = [tuple(d(_ERROR_LISTS))
           for _ in range(n)]
    if n and d(_BOOL):
        out[-1] = ("States.ALL",)
    return out


def _retries(ctx: _Ctx) -> tuple[Retry, ...]:
    d = ctx.draw
    out = []
    for errors in _error_lists(ctx, d(_ints(0, 2))):
        out.append(Retry(
            errors,
            interval_seconds=_maybe(ctx, lambda: d(_ints(1, 10))),
            max_attempts=_maybe(ctx, lambda: d(_ints(0, 5))),
            backoff_rate=_maybe(ctx, lambda: d(_one((1, 1.5, 2.0, 2)))),
            max_delay_seconds=_maybe(ctx, lambda: d(_ints(1, 60)), 3),
            jitter_strategy=_maybe(ctx, lambda: d(_one(("FULL", "NONE"))), 3),
            comment=_comment(ctx),
        ))
    return tuple(out)


def _target(ctx: _Ctx, scope: _Scope, depth: int, fresh: bool = False) -> Any:
    """A Catch/Choice target: a new state, a new chain (maybe ending in a jump), or a jump."""
    d = ctx.draw
    if not fresh and scope.known and (ctx.budget <= 0 or d(_ints(0, 2)) == 2):
        name = _pick_from(d, scope.known)
        return Goto(name) if d(_ints(0, 3)) == 3 else name
    chain = _chain(ctx, scope, depth, max_len=2 if ctx.budget > 0 else 1, goto_ok=not fresh)
    if len(chain) == 1 and isinstance(chain[0], State) and d(_BOOL):
        return chain[0]
    return chain


def _catches(ctx: _Ctx, scope: _Scope, depth: int, lang: str) -> tuple[Catch, ...]:
    d = ctx.draw
    if ctx.budget <= 0:
        n = d(_ints(0, 1))
    else:
        n = d(_ints(0, 2))
    out = []
    for errors in _error_lists(ctx, n):
        out.append(Catch(
            errors,
            next=_target(ctx, scope, depth),
            result_path=(_maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))))
                         if lang == JSONPATH else None),
            output=_maybe(ctx, lambda: d(jsonata_expressions()), 3) if lang == JSONATA else None,
            assign=_assign(ctx, lang),
            comment=_comment(ctx),
        ))
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# conditions
# ------------------------------------------------------------------------------------------------

def _comparison_value(ctx: _Ctx, operator: str) -> Any:
    kind = OPERATORS[operator].kind
    d = ctx.draw
    if kind == "string":
        return d(_TEXT)
    if kind == "number":
        return d(_either(_ints(-100, 100), _one((0.5, 2.25))))
    if kind == "timestamp":
        return d(_one(("2024-01-01T00:00:00Z", "2030-12-31T23:59:59.5+02:00")))
    if kind == "path":
        return d(json_paths())
    if kind == "pattern":
        return d(_one(("*.log", "a*b", "exact")))
    return d(_BOOL)


def _condition(ctx: _Ctx, depth: int = 2) -> Any:
    d = ctx.draw
    kind = d(_one(("cmp", "cmp", "and", "or", "not"))) if depth > 0 else "cmp"
    if kind == "cmp":
        op = d(_one(tuple(sorted(OPERATORS))))
        return Comparison(d(json_paths()), op, _comparison_value(ctx, op))
    if kind == "not":
        return Not(_condition(ctx, depth - 1))
    subs = tuple(_condition(ctx, depth - 1) for _ in range(d(_ints(1, 3))))
    return And(subs) if kind == "and" else Or(subs)


# ------------------------------------------------------------------------------------------------
# states
# ------------------------------------------------------------------------------------------------

def _lang(ctx: _Ctx) -> str:
    if ctx.jsonata and ctx.draw(_ints(0, 3)) == 3:
        return JSONATA
    return JSONPATH


def _ql(lang: str) -> str | None:
    return JSONATA if lang == JSONATA else None


def _io(ctx: _Ctx, lang: str) -> dict[str, Any]:
    if lang == JSONATA:
        return {}
    d = ctx.draw
    return {"input_path": _maybe(ctx, lambda: d(_either(json_paths(), _just(NULL))), 4),
            "output_path": _maybe(ctx, lambda: d(_either(json_paths(), _just(NULL))), 4)}


def _pass(ctx: _Ctx, scope: _Scope, depth: int) -> Pass:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Pass")
    if lang == JSONATA:
        return Pass(name, query_language=JSONATA, comment=_comment(ctx),
                    output=_maybe(ctx, lambda: _jsonata_payload(ctx)), assign=_assign(ctx, lang))
    has_params = d(_BOOL)
    return Pass(
        name, comment=_comment(ctx), **_io(ctx, lang),
        parameters=_payload(ctx) if has_params else None,
        result=None if has_params else _maybe(ctx, lambda: _static(ctx), 3),
        result_path=_maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))), 3),
        assign=_assign(ctx, lang),
    )


def _wait(ctx: _Ctx, scope: _Scope, depth: int) -> Wait:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Wait")
    how = d(_one(("seconds", "timestamp", "seconds_path", "timestamp_path")))
    if lang == JSONATA:
        value = {"seconds": d(_either(_ints(0, 60), _just("{% $states.input.n %}"))),
                 "timestamp": d(_one(("2024-01-01T00:00:00Z",
                                                 "{% $states.input.when %}")))}
        how = "seconds" if how.startswith("seconds") else "timestamp"
        return Wait(name, query_language=JSONATA, **{how: value[how]}, assign=_assign(ctx, lang),
                    output=_maybe(ctx, lambda: _jsonata_payload(ctx), 4))
    value = {"seconds": d(_ints(0, 60)),
             "timestamp": d(_one(("2024-01-01T00:00:00Z", "2024-06-30T12:30:00.25+01:00"))),
             "seconds_path": d(reference_paths()), "timestamp_path": d(reference_paths())}[how]
    return Wait(name, comment=_comment(ctx), **{how: value}, **_io(ctx, lang),
                assign=_assign(ctx, lang))


def _succeed(ctx: _Ctx, scope: _Scope, depth: int) -> Succeed:
    lang = _lang(ctx)
    name = ctx.name("Succeed")
    if lang == JSONATA:
        return Succeed(name, query_language=JSONATA,
                       output=_maybe(ctx, lambda: _jsonata_payload(ctx)))
    return Succeed(name, comment=_comment(ctx), **_io(ctx, lang))


def _fail(ctx: _Ctx, scope: _Scope, depth: int) -> Fail:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Fail")
    if lang == JSONATA:
        return Fail(name, query_language=JSONATA,
                    error=_maybe(ctx, lambda: d(_one(("Custom.Error", "{% 'E' & 'rr' %}")))),
                    cause=_maybe(ctx, lambda: d(_one(("it failed", "{% $states.input.why %}")))))
    kw: dict[str, Any] = {}
    if d(_BOOL):
        kw["error"] = d(_one(("Custom.Error", "States.TaskFailed")))
    elif d(_BOOL):
        kw["error_path"] = d(_either(reference_paths(), _just("States.Format('E{}', $.code)")))
    if d(_BOOL):
        kw["cause"] = d(_one(("it failed", "")))
    elif d(_BOOL):
        kw["cause_path"] = d(reference_paths())
    return Fail(name, comment=_comment(ctx), **kw)


def _choice(ctx: _Ctx, scope: _Scope, depth: int) -> Choice:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Choice")
    n = d(_ints(1, 3))
    rules = []
    # the first rule always opens a fresh chain: it reaches a terminal state
    for i in range(n):
        target = _target(ctx, scope, depth, fresh=i == 0)
        if lang == JSONATA:
            rules.append(When(Condition(d(jsonata_expressions(condition=True))), next=target,
                              output=_maybe(ctx, lambda: d(jsonata_expressions()), 4),
                              assign=_assign(ctx, lang), comment=_comment(ctx)))
        else:
            rules.append(When(_condition(ctx), next=target, assign=_assign(ctx, lang),
                              comment=_comment(ctx)))
    default = _target(ctx, scope, depth) if d(_BOOL) else None
    if lang == JSONATA:
        return Choice(name, query_language=JSONATA, choices=rules, default=default,
                      output=_maybe(ctx, lambda: _jsonata_payload(ctx), 4), assign=_assign(ctx, lang))
    return Choice(name, comment=_comment(ctx), choices=rules, default=default, **_io(ctx, lang),
                  assign=_assign(ctx, lang))


def _catching_fields(ctx: _Ctx, scope: _Scope, depth: int, lang: str) -> dict[str, Any]:
    d = ctx.draw
    kw: dict[str, Any] = {"retry": _retries(ctx), "assign": _assign(ctx, lang),
                          "comment": _comment(ctx)}
    if lang == JSONATA:
        kw["query_language"] = JSONATA
        kw["output"] = _maybe(ctx, lambda: _jsonata_payload(ctx), 3)
    else:
        kw.update(_io(ctx, lang))
        kw["result_selector"] = _maybe(ctx, lambda: _payload(ctx, 0), 4)
        kw["result_path"] = _maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))), 3)
    kw["catch"] = _catches(ctx, scope, depth, lang)  # last: its targets may use the budget
    return kw


def _timeouts(ctx: _Ctx, lang: str) -> dict[str, Any]:
    d = ctx.draw
    kw: dict[str, Any] = {}
    how = d(_one(("none", "seconds", "path")))
    if how == "seconds" or how == "path" and lang == JSONATA:
        kw["timeout_seconds"] = d(_ints(2, 3600))
        if d(_BOOL):
            kw["heartbeat_seconds"] = d(_ints(1, kw["timeout_seconds"] - 1))
    elif how == "path":
        kw["timeout_seconds_path"] = d(reference_paths())
        if d(_BOOL):
            kw["heartbeat_seconds_path"] = d(reference_paths())
    return kw


def _task(ctx: _Ctx, scope: _Scope, depth: int) -> Task:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Task")
    kind = d(_one(("invoke", "activity", "function", "sqs", "var", "sns")))
    resource: Any = {
        "invoke": "arn:aws:states:::lambda:invoke",
        "activity": "arn:aws:states:us-east-1:123456789012:activity:worker",
        "function": "arn:aws:lambda:us-east-1:123456789012:function:handler:live",
        "sqs": "arn:aws:states:::sqs:sendMessage",
        "var": None,
        "sns": None,
    }[kind]
    if kind == "var":
        resource = ctx.var("activity_arn") if ctx.refs else "arn:aws:states:::events:putEvents"
    elif kind == "sns":
        resource = (join("arn:", PARTITION, ":states:::sns:publish") if ctx.refs
                    else "arn:aws:states:::sns:publish")
    kw = _timeouts(ctx, lang)
    if kind == "var" and ctx.refs:  # a Resource only known at deploy time: no derived IAM
        kw["permissions"] = (Allow("states:DescribeActivity", resource),)
    if lang == JSONATA:
        args = _maybe(ctx, lambda: {"FunctionName": "handler", "Payload": d(jsonata_expressions())})
        return Task(name, resource=resource, arguments=args, **kw,
                    **_catching_fields(ctx, scope, depth, lang))
    params = _maybe(ctx, lambda: _payload(ctx))
    if kind == "invoke":
        params = {"FunctionName": ctx.var("fn_arn") if ctx.refs else "handler", **(params or {})}
    creds = _maybe(ctx, lambda: {"RoleArn": "arn:aws:iam::123456789012:role/worker"}, 5)
    return Task(name, resource=resource, parameters=params, credentials=creds, **kw,
                **_catching_fields(ctx, scope, depth, lang))


def _lambda(ctx: _Ctx, scope: _Scope, depth: int) -> LambdaTask:
    d = ctx.draw
    name = ctx.name("Lambda")
    if ctx.refs:
        function: Any = d(_one(("var", "arn", "name", "join")))
        function = {"var": ctx.var("fn_arn") if function == "var" else None,
                    "arn": "arn:aws:lambda:us-east-1:123456789012:function:handler",
                    "name": "handler",
                    "join": join(ctx.var("app_name"), "-handler") if function == "join" else None,
                    }[function]
    else:
        function = d(_one(("arn:aws:lambda:us-east-1:123456789012:function:handler",
                                      "handler")))
    token = d(_ints(0, 3)) == 3
    payload = _maybe(ctx, lambda: _payload(ctx))
    if token:
        payload = {**(payload or {}), "token.$": "$$.Task.Token"}
    kw = _timeouts(ctx, JSONPATH)
    return LambdaTask(
        name, function=function,
        qualifier=_maybe(ctx, lambda: d(_one(("$LATEST", "live", "7"))), 3),
        payload=payload, wait_for_task_token=token,
        invocation_type=_maybe(ctx, lambda: "RequestResponse", 4),
        **kw, **_catching_fields(ctx, scope, depth, JSONPATH),
    )


_COMMANDS = st.lists(st.sampled_from(("python", "job.py", "Ref::body", "-v")), min_size=1, max_size=3)


def _job(ctx: _Ctx) -> Any:
    d = ctx.draw
    how = d(_one(("definition", "definition", "var", "arn") if ctx.refs else ("arn",)))
    if how == "var":
        return ctx.var("job_definition_arn")
    if how == "arn":
        return "arn:aws:batch:us-east-1:123456789012:job-definition/existing:1"
    jid = d(_one(("work", "report")))
    if jid not in ctx.jobs:
        ctx.jobs[jid] = JobDefinition(
            jid,
            name=join(ctx.var("app_name"), "-", ctx.var("stage"), f"-{jid}"),
            image=d(_one((join(ctx.var("image_uri"), ":latest"),
                                     "public.ecr.aws/docker/library/python:3.12"))),
            command=tuple(d(_COMMANDS)),
            vcpus=d(_one(("1", "0.5"))),
            memory=d(_one(("2048", "1024"))),
            environment=_pick_from(d, ({}, {"LOG_LEVEL": "debug"})),
            permissions=d(_one(((), (Allow("s3:GetObject", "*"),)))),
        )
    return ctx.jobs[jid]


def _batch(ctx: _Ctx, scope: _Scope, depth: int) -> BatchTask:
    d = ctx.draw
    name = ctx.name("Batch")
    if ctx.refs:
        queue: Any = ctx.var("queue_arn") if d(_BOOL) else \
            "arn:aws:batch:us-east-1:123456789012:job-queue/queue"
        job_name: Any = d(_one(("job", "name"))) if d(_BOOL) else \
            join(ctx.var("app_name"), "-", ctx.var("stage"), "-job")
    else:
        queue, job_name = "arn:aws:batch:us-east-1:123456789012:job-queue/queue", "job"
    return BatchTask(
        name, job=_job(ctx), job_queue=queue, job_name=job_name,
        job_parameters=_maybe(ctx, lambda: {"body.$": d(json_paths()), "mode": "fast"}),
        container_overrides=_maybe(ctx, lambda: {"Command": ["python", "job.py"]}, 3),
        sync=d(_BOOL),
        **_timeouts(ctx, JSONPATH), **_catching_fields(ctx, scope, depth, JSONPATH),
    )


def _service(ctx: _Ctx, scope: _Scope, depth: int) -> State:
    """A typed service integration (flowdsl.tasks), its fields drawn from typical values."""
    from flowdsl.tasks import athena, aws_sdk, codebuild, dynamodb, ecs, eventbridge, glue, sfn, sns, sqs

    d = ctx.draw
    name = ctx.name("Service")
    kw = {**_timeouts(ctx, JSONPATH), **_catching_fields(ctx, scope, depth, JSONPATH)}
    kind = d(_one(("sns", "sqs", "dynamodb", "sfn", "events", "glue", "athena", "codebuild", "ecs",
                   "sdk")))
    refs = ctx.refs
    if kind == "sns":
        topic = ctx.var("topic_arn") if refs and d(_BOOL) else "arn:aws:sns:us-east-1:123456789012:t"
        message = {"status.$": "$.status"} if d(_BOOL) else None
        return sns.SnsPublish(name, topic=topic, message=message,
                              message_path="$" if message is None else None, **kw)
    if kind == "sqs":
        token = d(_BOOL)
        return sqs.SqsSendMessage(
            name, queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/callbacks",
            message_body={"token.$": "$$.Task.Token"} if token else {"n": 1},
            pattern="wait_for_task_token" if token else "request_response", **kw)
    if kind == "dynamodb":
        table = d(_one(("jobs", "arn:aws:dynamodb:us-east-1:123456789012:table/jobs")))
        if d(_BOOL):
            return dynamodb.DynamoPutItem(name, table=table, item={"id": {"S.$": "$$.Execution.Id"}},
                                          **kw)
        return dynamodb.DynamoGetItem(name, table=table, key={"id": {"S": "1"}}, **kw)
    if kind == "sfn":
        machine = ctx.var("child_arn") if refs and d(_BOOL) else \
            "arn:aws:states:us-east-1:123456789012:stateMachine:child"
        return sfn.StartExecution(name, state_machine=machine,
                                  pattern=d(_one(("sync:2", "sync", "request_response"))), **kw)
    if kind == "events":
        bus = {"EventBusName": "orders"} if d(_BOOL) else {}
        return eventbridge.PutEvents(name, entries=[{"Source": "jobs", "DetailType": "done",
                                                     "Detail": {"ok": True}, **bus}], **kw)
    if kind == "glue":
        return glue.GlueJob(name, job_name="etl", arguments={"--day.$": "$.day"} if d(_BOOL) else None,
                            pattern=d(_one(("sync", "request_response"))), **kw)
    if kind == "athena":
        return athena.AthenaQuery(name, query="SELECT 1", work_group=d(_one((None, "reports"))),
                                  output_location="s3://results/", **kw)
    if kind == "codebuild":
        return codebuild.CodeBuildStart(name, project="build",
                                        pattern=d(_one(("sync", "request_response"))), **kw)
    if kind == "ecs":
        definition: Any = "worker:1"
        if refs and d(_BOOL):
            key = "ecs:worker"
            if key not in ctx.jobs:
                ctx.jobs[key] = ecs.TaskDefinition(
                    "worker", image="public.ecr.aws/docker/library/python:3.12",
                    command=("python", "-c", "print(1)"),
                    permissions=d(_one(((), (Allow("s3:GetObject", "arn:aws:s3:::b/*"),)))))
            definition = ctx.jobs[key]
        cluster = ctx.var("cluster_arn") if refs else "jobs"
        subnet = ctx.var("subnet_id") if refs else "subnet-0123456789abcdef0"
        return ecs.EcsRunTask(name, task_definition=definition, cluster=cluster, subnets=[subnet],
                              pattern=d(_one(("sync", "request_response"))), **kw)
    return aws_sdk.SdkCall(name, service="s3", action=d(_one(("listObjectsV2", "getObject"))),
                           parameters={"Bucket": "data", "Key": "k"} if d(_BOOL) else {"Bucket": "data"},
                           **kw)


def _branch(ctx: _Ctx, path: str, depth: int) -> Branch:
    states = _chain(ctx, _Scope(path), depth + 1, max_len=3, goto_ok=False)
    return Branch(states, comment=_comment(ctx))


def _parallel(ctx: _Ctx, scope: _Scope, depth: int) -> Parallel:
    d = ctx.draw
    name = ctx.name("Parallel")
    path = f"{scope.path}.States.{name}"
    branches = [_branch(ctx, f"{path}.Branches[{i}]", depth) for i in range(d(_ints(1, 3)))]
    return Parallel(name, branches=branches,
                    parameters=_maybe(ctx, lambda: _payload(ctx), 4),
                    **_catching_fields(ctx, scope, depth, JSONPATH))


def _map(ctx: _Ctx, scope: _Scope, depth: int) -> Map:
    d = ctx.draw
    name = ctx.name("Map")
    path = f"{scope.path}.States.{name}"
    mode = d(_one(("inline", "legacy", "inline-config", "distributed")))
    if mode == "distributed" and depth > 0:
        mode = "inline"
    legacy = mode == "legacy"
    processor = _branch(ctx, f"{path}.{'Iterator' if legacy else 'ItemProcessor'}", depth)
    kw: dict[str, Any] = {}
    config: Any = None
    if mode == "inline-config":
        config = {"Mode": "INLINE"}
    elif mode == "distributed":
        config = {"Mode": "DISTRIBUTED", "ExecutionType": d(_one(("STANDARD", "EXPRESS")))}
        kw["label"] = _maybe(ctx, lambda: "Items")
        if d(_BOOL):
            kw["tolerated_failure_percentage"] = d(_one((0, 5, 50.5, 100)))
        elif d(_BOOL):
            kw["tolerated_failure_count"] = d(_ints(0, 10))
        if d(_BOOL):
            kw["item_reader"] = {"Resource": "arn:aws:states:::s3:getObject",
                                 "ReaderConfig": {"InputType": "JSON"},
                                 "Parameters": {"Bucket": "my-bucket", "Key": "items.json"}}
        if d(_BOOL):
            kw["item_batcher"] = {"MaxItemsPerBatch": d(_ints(1, 100))}
    selector = _maybe(ctx, lambda: _payload(ctx), 3)
    if legacy:
        kw["parameters"] = selector
    else:
        kw["item_selector"] = selector
    if "item_reader" not in kw:
        kw["items_path"] = _maybe(ctx, lambda: d(reference_paths()))
    if d(_BOOL):
        kw["max_concurrency"] = d(_ints(0, 10))
    elif d(_BOOL):
        kw["max_concurrency_path"] = d(reference_paths())
    return Map(name, processor=processor, processor_config=config, legacy_iterator=legacy, **kw,
               **_catching_fields(ctx, scope, depth, JSONPATH))


_BUILDERS: dict[str, Callable[[_Ctx, _Scope, int], State]] = {
    "Pass": _pass, "Wait": _wait, "Task": _task, "Lambda": _lambda, "Batch": _batch,
    "Service": _service, "Parallel": _parallel, "Map": _map, "Choice": _choice, "Succeed": _succeed, "Fail": _fail,
}
_LEAVES = ("Pass", "Wait", "Task", "Lambda", "Batch", "Service")
_NESTING = ("Parallel", "Map")
_ENDINGS = ("Succeed", "Fail", "Choice")
_KINDS = _LEAVES + _NESTING + _ENDINGS


def _chain(ctx: _Ctx, scope: _Scope, depth: int, *, max_len: int, goto_ok: bool) -> tuple[Any, ...]:
    """A sequence of states; it reaches a terminal state unless it ends with a jump."""
    d = ctx.draw
    n = d(_ints(1, max(1, min(max_len, ctx.budget))))
    out: list[Any] = []
    for i in range(n):
        last = i == n - 1
        # One fixed list, so that a choice means the same kind at every position (which helps
        # shrinking); a kind not allowed here becomes a Pass.
        kind = _pick_from(d, _KINDS)
        if (kind in _NESTING and not (depth < ctx.max_depth and ctx.budget > 1)
                or kind in ("Succeed", "Fail") and not last
                or kind == "Choice" and not (last and ctx.budget > 1)):
            kind = "Pass"
        state = _BUILDERS[kind](ctx, scope, depth)
        scope.known.append(state.name)
        out.append(state)
    if goto_ok and not isinstance(out[-1], _TERMINAL) and d(_ints(0, 2)) == 2:
        target = _pick_from(d, scope.known)
        out.append(Goto(target) if d(_BOOL) else target)
    return tuple(out)


def _deployment(ctx: _Ctx, name: str) -> Any:
    """A deployment of any kind (on-demand, scheduled, event-driven, bare) with random settings."""
    from flowdsl.deploy import (EventJob, EventPattern, InputTransformer, Logging, OnDemandJob, Pipe,
                                Queue, S3ObjectCreated, ScheduledJob, StateMachine)

    d = ctx.draw
    resource = join(ctx.var("app_name"), "-", ctx.var("stage"), f"-{name}")
    common = {
        "logging": _pick_from(d, (Logging(), Logging(level="ERROR", include_execution_data=False,
                                                     retention_days=30),
                                  Logging(group_name=join(ctx.var("app_name"), "/", name)))),
        "tracing": d(_BOOL),
    }
    kind = d(_one(("on-demand", "scheduled", "event", "state-machine")))
    if kind == "scheduled":
        return ScheduledJob(
            resource, d(_one(("cron(0 3 * * ? *)", "cron(0/15 8-18 ? * MON-FRI *)", "rate(5 minutes)",
                              "at(2030-01-01T00:00:00)"))),
            timezone=d(_one(("UTC", "Asia/Tokyo"))),
            flexible_window_minutes=d(_one((None, 15))),
            input=_pick_from(d, ({"stage": ctx.var("stage")}, {"fixed": True},
                                 {"at": "<aws.scheduler.scheduled-time>"})),
            dead_letter_queue=d(_BOOL),
            group=d(_one((None, "jobs"))), **common)
    if kind == "event":
        on = _pick_from(d, (S3ObjectCreated(ctx.var("bucket"), prefix="in/"),
                            EventPattern({"source": ["shop"], "detail": {"total": [{"numeric": [">", 0]}]}},
                                         bus=d(_one(("default", "orders")))))
                        )
        transformer = _pick_from(d, (None, InputTransformer({"id": "$.id"}, {"id": "<id>"})))
        return EventJob(resource, on, input=transformer, dead_letter_queue=d(_BOOL), **common)
    if kind == "state-machine":
        return StateMachine(resource, type=d(_one(("STANDARD", "EXPRESS"))), **common)
    pipe = _pick_from(d, (Pipe(), Pipe(batch_size=5, invocation_type="REQUEST_RESPONSE")))
    return OnDemandJob(
        resource,
        queue=_pick_from(d, (Queue(), Queue(visibility_timeout_seconds=120, max_receive_count=3),
                             None)),
        pipe=pipe,
        # a pipe waits for the result (REQUEST_RESPONSE) of EXPRESS state machines only
        type="EXPRESS" if pipe.invocation_type == "REQUEST_RESPONSE" else "STANDARD",
        **common,
    )


@st.composite
def workflows(draw: Any, max_depth: int = 2, max_states: int = 12, jsonata: bool = True,
              refs: bool = True, deployment: bool = False) -> Workflow:
    """Valid workflows of about ``max_states`` states at most, Parallel/Map nested ``max_depth``
    deep at most. ``jsonata=False`` leaves out JSONata states; ``refs=False`` leaves out
    deploy-time references (so the compiled definition is plain JSON); ``deployment=True``
    deploys each with a deployment kind (``OnDemandJob``, ``ScheduledJob``, ``EventJob`` or
    ``StateMachine``), so that ``build`` writes a Terraform module for it."""
    ctx = _Ctx(draw, max_depth, max_states, jsonata, refs or deployment)
    states = _chain(ctx, _Scope("$"), 0, max_len=max(1, max_states // 2), goto_ok=False)
    name = draw(_one(("wf", "orders", "nightly-report")))
    deploy = _deployment(ctx, name) if deployment else None
    return _without_sources(Workflow(
        name,
        states,
        comment=_comment(ctx),
        timeout_seconds=_maybe(ctx, lambda: draw(_ints(1, 86400)), 4),
        version=_maybe(ctx, lambda: "1.0", 4),
        variables=[ctx.variables[k] for k in sorted(ctx.variables)],
        deployment=deploy,
    ))


def _without_sources(wf: Workflow) -> Workflow:
    """The workflow with every ``source`` set to None: objects built here would otherwise
    point into Hypothesis (the first frame outside flowdsl), which only adds noise."""
    from flowdsl.codec import ModelCodec

    codec = _CODEC[0] if _CODEC else _CODEC.append(ModelCodec()) or _CODEC[0]
    return codec.structure(codec.unstructure(wf))


_CODEC: list[Any] = []


# ------------------------------------------------------------------------------------------------
# dummy values for references, raw ASL
# ------------------------------------------------------------------------------------------------

def dummy_values(definition: Any) -> dict[str, Any]:
    """Concrete stand-ins for every reference in a compiled definition, by address."""
    out: dict[str, Any] = {}
    for ref in iter_refs(definition):
        if isinstance(ref, Var):
            out[ref.address] = _VARIABLES.get(ref.name, f"dummy-{ref.name}")
        elif isinstance(ref, DataAttr):
            out[ref.address] = _DATA_VALUES.get(ref.address, "dummy")
        elif isinstance(ref, ResourceAttr):
            if ref.type == "aws_ecs_task_definition":
                out[ref.address] = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{ref.name}:1"
            elif ref.type == "aws_batch_job_definition":
                tail = ":1" if ref.attribute == "arn" else ""
                out[ref.address] = f"arn:aws:batch:us-east-1:123456789012:job-definition/{ref.name}{tail}"
            else:
                out[ref.address] = f"arn:aws:{ref.type}:us-east-1:123456789012:{ref.name}"
    return out


def resolve_dummy(definition: Any) -> Any:
    """The compiled definition as plain JSON, references replaced by ``dummy_values``."""
    return resolve(definition, dummy_values(definition))


def _shuffled(doc: Any, rnd: random.Random) -> Any:
    if isinstance(doc, dict):
        items = [(k, _shuffled(v, rnd)) for k, v in doc.items()]
        if "States" in doc or "Type" in doc:  # shuffle the state order and the key order
            rnd.shuffle(items)
        out = dict(items)
        if isinstance(out.get("States"), dict):
            names = list(out["States"])
            rnd.shuffle(names)
            out["States"] = {n: out["States"][n] for n in names}
        return out
    if isinstance(doc, list):
        return [_shuffled(v, rnd) for v in doc]
    return doc


@st.composite
def asl_definitions(draw: Any, max_depth: int = 2, max_states: int = 12) -> dict[str, Any]:
    """Raw ASL documents (plain JSON), with states and keys in shuffled order."""
    wf = draw(workflows(max_depth=max_depth, max_states=max_states))
    doc = resolve_dummy(compile_workflow(wf).definition)
    return _shuffled(doc, random.Random(draw(_ints(0, 2**16))))


# ------------------------------------------------------------------------------------------------
# invalid workflows
# ------------------------------------------------------------------------------------------------

@attrs.frozen
class Mutated:
    """A workflow made invalid by one ``mutation``; ``check`` must report ``expected_code``."""

    workflow: Workflow
    mutation: str
    expected_code: str


def _rebuild(item: Any, path: str, fs: Callable[[State, str], State],
             fb: Callable[[str, tuple[Any, ...]], tuple[Any, ...]]) -> Any:
    """Copy a model, applying ``fs`` to every state and ``fb`` to every main sequence."""
    def target(t: Any) -> Any:
        if isinstance(t, State):
            return _rebuild(t, path, fs, fb)
        if isinstance(t, tuple):
            return tuple(_rebuild(x, path, fs, fb) for x in t)
        return t

    if isinstance(item, Workflow):
        return attrs.evolve(item, states=fb("$", tuple(_rebuild(x, "$", fs, fb) for x in item.states)))
    if not isinstance(item, State):
        return item
    spath = f"{path}.States.{item.name}"
    kw: dict[str, Any] = {}

    def branch(b: Branch, bpath: str) -> Branch:
        return attrs.evolve(b, states=fb(bpath, tuple(_rebuild(x, bpath, fs, fb) for x in b.states)))

    if isinstance(item, _Catching) and item.catch:
        kw["catch"] = tuple(attrs.evolve(c, next=target(c.next)) for c in item.catch)
    if isinstance(item, Parallel):
        kw["branches"] = tuple(branch(b, f"{spath}.Branches[{i}]") for i, b in enumerate(item.branches))
    if isinstance(item, Map):
        key = "Iterator" if item.legacy_iterator else "ItemProcessor"
        kw["processor"] = branch(item.processor, f"{spath}.{key}")
    if isinstance(item, Choice):
        kw["choices"] = tuple(attrs.evolve(r, next=target(r.next)) for r in item.choices)
        if item.default is not None:
            kw["default"] = target(item.default)
    return fs(attrs.evolve(item, **kw) if kw else item, path)


def _states(wf: Workflow) -> list[tuple[State, str]]:
    """Every state with the path of its scope."""
    found: list[tuple[State, str]] = []
    _rebuild(wf, "$", lambda s, p: found.append((s, p)) or s, lambda p, items: items)
    return found


def _scopes(wf: Workflow) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"$": []}
    seqs: list[str] = []
    _rebuild(wf, "$", lambda s, p: s, lambda p, items: seqs.append(p) or items)
    for p in seqs:
        out.setdefault(p, [])
    for s, p in _states(wf):
        out.setdefault(p, []).append(s.name)
    return out


def _replace(wf: Workflow, name: str, fn: Callable[[State], State]) -> Workflow:
    return _rebuild(wf, "$", lambda s, p: fn(s) if s.name == name else s, lambda p, items: items)


def _insert(wf: Workflow, scope: str, index: int, new: tuple[Any, ...]) -> Workflow:
    def fb(p: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
        if p != scope:
            return items
        i = min(index, len(items))
        return items[:i] + new + items[i:]
    return _rebuild(wf, "$", lambda s, p: s, fb)


def _jsonpath_state(s: State) -> bool:
    return s.query_language != JSONATA


def _pick(draw: Any, wf: Workflow, pred: Callable[[State], bool]) -> State | None:
    cands = [s for s, _ in _states(wf) if pred(s)]
    return draw(st.sampled_from(cands)) if cands else None


def _mutant_task(**kw: Any) -> Task:
    return Task("Mutant Task", resource="arn:aws:states:::lambda:invoke", **kw)


def _add_to_catching(draw: Any, wf: Workflow, fn: Callable[[_Catching], _Catching]) -> Workflow:
    """Apply ``fn`` to a random Task/Parallel/Map, or to a new Task placed first."""
    s = _pick(draw, wf, lambda s: isinstance(s, _Catching) and _jsonpath_state(s))
    if s is None:
        return _insert(wf, "$", 0, (fn(_mutant_task()),))
    return _replace(wf, s.name, fn)


def _m_dangling(draw: Any, wf: Workflow) -> Workflow:
    how = draw(_one(("catch", "default", "goto")))
    if how == "default":
        s = _pick(draw, wf, lambda s: isinstance(s, Choice))
        if s is not None:
            return _replace(wf, s.name, lambda c: attrs.evolve(c, default="Nowhere"))
    if how == "goto":
        scope = draw(st.sampled_from(sorted(_scopes(wf))))
        return _insert(wf, scope, 0, (Pass("Mutant Pass"), Goto("Nowhere")))
    return _add_to_catching(draw, wf, lambda s: attrs.evolve(
        s, catch=(Catch(["Mutant.Error"], next="Nowhere"),) + s.catch))


def _m_duplicate(draw: Any, wf: Workflow) -> Workflow:
    where = {s.name: p for s, p in _states(wf)}
    name = draw(st.sampled_from(sorted(where)))
    scopes = sorted(_scopes(wf))
    others = [p for p in scopes if p != where[name]]
    scope = draw(st.sampled_from(others or scopes))
    # a state equal to one already placed is a jump to it, not a duplicate: make it differ
    return _insert(wf, scope, draw(_ints(0, 3)), (Pass(name, comment="a duplicate name"),))


def _m_states_all(draw: Any, wf: Workflow) -> Workflow:
    how = draw(_one(("retry-first", "catch-first", "retry-not-alone")))

    def fn(s: _Catching) -> _Catching:
        if how == "retry-first":
            rest = s.retry or (Retry(["States.Timeout"]),)
            return attrs.evolve(s, retry=(Retry(["States.ALL"]),) + rest)
        if how == "catch-first":
            rest = s.catch or (Catch(["States.Timeout"], next=s.name),)
            return attrs.evolve(s, catch=(Catch(["States.ALL"], next=s.name),) + rest)
        return attrs.evolve(s, retry=(Retry(["States.ALL", "States.Timeout"]),) + s.retry)
    return _add_to_catching(draw, wf, fn)


def _m_retry_range(draw: Any, wf: Workflow) -> Workflow:
    field, value = draw(_one((
        ("backoff_rate", st.floats(0, 0.99)), ("interval_seconds", _ints(-5, 0)),
        ("max_attempts", _ints(-5, -1)), ("max_delay_seconds", _ints(-5, 0)))))
    bad = Retry(["States.Timeout"], **{field: draw(value)})
    return _add_to_catching(draw, wf, lambda s: attrs.evolve(s, retry=(bad,) + s.retry))


_BAD_PATHS = ("a.b", "$.", "$[", "$.a[", "foo", "$.a b", "$.a[x]")
_BAD_REFERENCE_PATHS = _BAD_PATHS + ("$..a", "$.a[*]", "$.a[0:2]")


def _m_bad_path(draw: Any, wf: Workflow) -> Workflow:
    s = _pick(draw, wf, lambda s: _jsonpath_state(s) and not isinstance(s, Fail))
    if s is None:
        return _insert(wf, "$", 0, (Pass("Mutant Pass", input_path=draw(st.sampled_from(_BAD_PATHS))),))
    fields = ["input_path", "output_path"] + (["result_path"] if hasattr(s, "result_path") else [])
    field = draw(st.sampled_from(fields))
    bad = draw(st.sampled_from(_BAD_REFERENCE_PATHS if field == "result_path" else _BAD_PATHS))
    return _replace(wf, s.name, lambda x: attrs.evolve(x, **{field: bad}))


def _m_out_of_scope(draw: Any, wf: Workflow) -> Workflow:
    scopes = _scopes(wf)
    if len([p for p, names in scopes.items() if names]) < 2:
        target = draw(st.sampled_from(scopes["$"]))
        inner = _mutant_task(catch=[Catch(["States.ALL"], next=target)])
        return _insert(wf, "$", 0, (Parallel("Mutant Parallel", branches=[[inner]]),))
    scope = draw(st.sampled_from(sorted(p for p, names in scopes.items() if names)))
    target = draw(st.sampled_from(sorted(n for p, names in scopes.items() if p != scope for n in names)))
    return _insert(wf, scope, 0, (_mutant_task(catch=[Catch(["States.ALL"], next=target)]),))


def _m_unreachable(draw: Any, wf: Workflow) -> Workflow:
    scope = draw(st.sampled_from(sorted(_scopes(wf))))

    def fb(p: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
        if p != scope:
            return items
        if isinstance(items[-1], _TERMINAL):
            return items + (Pass("Orphan"),)
        return items + (Succeed("Mutant End"), Pass("Orphan"))
    return _rebuild(wf, "$", lambda s, p: s, fb)


def _m_no_terminal(draw: Any, wf: Workflow) -> Workflow:
    scope = draw(st.sampled_from(sorted(_scopes(wf))))
    loop = Parallel("Mutant Loop", branches=[[Pass("Mutant Spin"), Goto("Mutant Spin")]])
    return _insert(wf, scope, draw(_ints(0, 2)), (loop,))


def _m_wait(draw: Any, wf: Workflow) -> Workflow:
    s = _pick(draw, wf, lambda s: isinstance(s, Wait) and _jsonpath_state(s))
    if s is None or draw(_BOOL):
        return _insert(wf, "$", 0, (Wait("Mutant Wait"),))
    extra = {"seconds": 5} if s.seconds is None else {"timestamp": "2024-01-01T00:00:00Z"}
    return _replace(wf, s.name, lambda x: attrs.evolve(x, **extra))


def _m_exclusive(draw: Any, wf: Workflow) -> Workflow:
    s = _pick(draw, wf, lambda s: isinstance(s, (_TaskBase, Map)) and _jsonpath_state(s))
    if s is None:
        return _insert(wf, "$", 0, (_mutant_task(timeout_seconds=10, timeout_seconds_path="$.t"),))
    if isinstance(s, Map):
        extra = {"max_concurrency": 1, "max_concurrency_path": "$.c"}
    else:
        extra = {"heartbeat_seconds": 1, "heartbeat_seconds_path": "$.h"}
    return _replace(wf, s.name, lambda x: attrs.evolve(x, **extra))


def _m_collision(draw: Any, wf: Workflow) -> Workflow:
    bad = {"a": 1, "a.$": "$.a"}
    s = _pick(draw, wf, lambda s: isinstance(s, (Pass, Task)) and _jsonpath_state(s)
              and not (isinstance(s, Pass) and s.result is not None))
    if s is None:
        return _insert(wf, "$", 0, (Pass("Mutant Pass", parameters=bad),))
    return _replace(wf, s.name, lambda x: attrs.evolve(x, parameters=bad))


def _m_choice_rule(draw: Any, wf: Workflow) -> Workflow:
    bad = draw(_one((And(()), Or(()))))
    s = _pick(draw, wf, lambda s: isinstance(s, Choice) and _jsonpath_state(s))
    if s is None:
        choice = Choice("Mutant Choice", choices=[When(bad, next=Succeed("Mutant Ok"))])
        return _insert(wf, "$", 0, (Parallel("Mutant Parallel", branches=[[choice]]),))
    return _replace(wf, s.name, lambda c: attrs.evolve(
        c, choices=(attrs.evolve(c.choices[0], condition=bad),) + c.choices[1:]))


def _m_intrinsic(draw: Any, wf: Workflow) -> Workflow:
    bad = {"x.$": draw(_one(("States.Nope($.a)", "States.Format('{}', $.a",
                                        "States.MathAdd($.a)", "States.ArrayRange(1, 2)")))}
    return _insert(wf, draw(st.sampled_from(sorted(_scopes(wf)))), draw(_ints(0, 2)),
                   (Pass("Mutant Pass", parameters=bad),))


def _m_undeclared(draw: Any, wf: Workflow) -> Workflow:
    value = draw(_one((var("not_declared"), join("x-", var("not_declared")))))
    return _insert(wf, draw(st.sampled_from(sorted(_scopes(wf)))), draw(_ints(0, 2)),
                   (Pass("Mutant Pass", parameters={"x": value}),))


def _m_resource(draw: Any, wf: Workflow) -> Workflow:
    bad = draw(_one(("not-an-arn", "arn:aws:lambda", "arn:aws:lambda:us-east-1:1:function:a b")))
    return _insert(wf, "$", draw(_ints(0, 2)), (Task("Mutant Task", resource=bad),))


def _m_name_length(draw: Any, wf: Workflow) -> Workflow:
    return _insert(wf, "$", 0, (Pass("N" * draw(_ints(81, 90))),))


def _m_jsonata(draw: Any, wf: Workflow) -> Workflow:
    bad = draw(_one(("{% $states.input.( %}", "{% $states.input %", "{% 1 + %}")))
    return _insert(wf, "$", 0, (Pass("Mutant Pass", query_language=JSONATA, output=bad),))


# mutation -> (diagnostic code it must produce, how to apply it)
MUTATIONS: dict[str, tuple[str, Callable[[Any, Workflow], Workflow]]] = {
    "dangling-next": ("dangling-transition", _m_dangling),
    "duplicate-name": ("duplicate-name", _m_duplicate),
    "states-all-not-last": ("states-all-position", _m_states_all),
    "retry-out-of-range": ("retry-range", _m_retry_range),
    "bad-jsonpath": ("bad-path", _m_bad_path),
    "transition-out-of-branch": ("transition-out-of-scope", _m_out_of_scope),
    "unreachable-state": ("unreachable", _m_unreachable),
    "no-terminal-state": ("no-terminal", _m_no_terminal),
    "wait-duration": ("wait-duration", _m_wait),
    "exclusive-fields": ("exclusive-fields", _m_exclusive),
    "payload-collision": ("payload-collision", _m_collision),
    "bad-choice-rule": ("choice-rule", _m_choice_rule),
    "bad-intrinsic": ("bad-intrinsic", _m_intrinsic),
    "undeclared-variable": ("undeclared-variable", _m_undeclared),
    "bad-resource": ("bad-resource", _m_resource),
    "long-name": ("name-length", _m_name_length),
    "bad-jsonata": ("bad-jsonata", _m_jsonata),
}


@st.composite
def invalid_workflows(draw: Any, mutations: Any = None, max_depth: int = 2,
                      max_states: int = 8) -> Mutated:
    """A valid workflow with one mutation from ``MUTATIONS`` (all of them by default)."""
    names = sorted(mutations or MUTATIONS)
    mutation = draw(st.sampled_from(names))
    code, apply = MUTATIONS[mutation]
    wf = draw(workflows(max_depth=max_depth, max_states=max_states))
    return Mutated(apply(draw, wf), mutation, code)


# ------------------------------------------------------------------------------------------------
# readable counter-examples: Hypothesis prints model objects without their defaults and sources
# ------------------------------------------------------------------------------------------------

def _pretty_model(obj: Any, p: Any, cycle: bool) -> None:
    from hypothesis.vendor.pretty import pprint_fields

    shown = []
    for f in attrs.fields(type(obj)):
        if not f.init or f.metadata.get("source"):
            continue
        value = getattr(obj, f.name)
        default = f.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory() if not default.takes_self else attrs.NOTHING
        if default is not attrs.NOTHING and type(value) is type(default) and value == default:
            continue
        shown.append(f.name)
    pprint_fields(obj, p, cycle, shown)


def _register_pretty_printers() -> None:
    try:
        from hypothesis.vendor.pretty import for_type_by_name
    except ImportError:  # pragma: no cover - an older or newer Hypothesis: plain reprs then
        return
    from flowdsl.codec import ModelCodec

    for cls in ModelCodec().by_tag.values():
        for_type_by_name(cls.__module__, cls.__name__, _pretty_model)


_register_pretty_printers()
