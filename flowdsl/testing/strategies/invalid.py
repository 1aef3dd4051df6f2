"""Hypothesis strategies: invalid workflows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from flowdsl.conditions import And, Or
from flowdsl.refs import join, var
from flowdsl.states import (
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

from flowdsl.testing.strategies._base import JSONATA, _BOOL, _TERMINAL, _ints, _one
from flowdsl.testing.strategies.states import workflows


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
