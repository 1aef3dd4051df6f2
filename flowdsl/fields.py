"""Constructor arguments checked against the model's field types, with one-line messages.

Every model class (states, Retry, Catch, When, Branch, Workflow, conditions, references)
checks its fields once built: ``LambdaTask.retry: expected a list of Retry, got str
'States.ALL'``. The checks come from the field annotations, so a new task class is checked
without writing anything. ``explain_type_error`` turns the TypeErrors Python raises for a
call with an unknown keyword, a missing argument or too many positional arguments into the
same form; the workflow loader adds the file:line of the user's call.
"""

from __future__ import annotations

import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from flowdsl.errors import FlowError, did_you_mean


class FieldError(FlowError, TypeError):
    """A model object was built with a value its field cannot hold."""


Check = Callable[[Any], bool]
_CHECKS: dict[type, list[tuple[str, Check, str, bool]]] = {}
_WORDS = {str: "a string", int: "a number", float: "a number", bool: "True or False",
          dict: "a dict", list: "a list"}
_PLURAL = {"a string": "strings", "a number": "numbers", "a dict": "dicts", "a list": "lists"}


def as_tuple(value: Any) -> tuple[Any, ...]:
    """A list field's converter: a list or tuple as a tuple, None as none, anything else as a
    list of one (so :func:`check_fields` names the field when it is not what the field takes)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def check_fields(obj: Any) -> None:
    """Raise FieldError for the first field of ``obj`` whose value its type does not allow."""
    cls = type(obj)
    checks = _CHECKS.get(cls)
    if checks is None:
        checks = _CHECKS[cls] = _build(cls)
    for name, ok, want, is_list in checks:
        value = getattr(obj, name)
        if ok(value):
            continue
        if is_list and isinstance(value, tuple):
            _list_error(cls, name, value, want)
        raise FieldError(f"{cls.__name__}.{name}: expected {want}, got {describe(value)}")


def _list_error(cls: type, name: str, value: tuple[Any, ...], want: str) -> None:
    item_want = want.removeprefix("a list of ")
    item_want = {"states": "a state or Goto(...)", **{v: k for k, v in _PLURAL.items()}}.get(
        item_want, item_want)
    bad = [i for i, v in enumerate(value) if not _ITEM_OK[(cls, name)](v)]
    if len(value) == 1:  # a single value, or a list of one: say what the field takes
        raise FieldError(f"{cls.__name__}.{name}: expected {want}, got {describe(value[0])}")
    if bad:
        raise FieldError(f"{cls.__name__}.{name}[{bad[0]}]: expected {_article(item_want)}, "
                         f"got {describe(value[bad[0]])}")


_ITEM_OK: dict[tuple[type, str], Check] = {}
# (classes whose "next", "default" and "states" fields hold targets and sequences, what a
# target or sequence item may be); flowdsl.states declares them with ``targets``.
_GRAPH: list[tuple[type, ...]] = [(), (str,)]


def targets(holders: tuple[type, ...], items: tuple[type, ...]) -> None:
    _GRAPH[:] = [holders, items]


def describe(value: Any) -> str:
    """``str 'abc'``, ``int 3``, ``an empty list``: a value as a message shows it."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)) and not value:
        return "an empty list"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _article(word: str) -> str:
    if word.startswith(("a ", "an ", "True", "DISCARD")):
        return word
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _build(cls: type) -> list[tuple[str, Check, str, bool]]:
    hints = _hints(cls)
    # "next", "default" and "states" hold targets and sequences in these classes only
    graph = issubclass(cls, _GRAPH[0])
    out = []
    for f in attrs.fields(cls):
        if not f.init or f.metadata.get("source") or f.name not in hints:
            continue
        spec = _spec(hints[f.name], f.name if graph else "")
        if spec is None:
            continue
        ok, want, item_ok = spec
        if f.name == "choices" and getattr(cls, "TYPE", "") == "Choice":
            inner = ok
            ok = (lambda inner: lambda v: inner(v) and len(v) > 0)(inner)
            want = "at least one When"
        if item_ok is not None:
            _ITEM_OK[(cls, f.name)] = item_ok
        out.append((f.name, ok, want, item_ok is not None))
    return out


def _hints(cls: type) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        hints.update(_own_hints(klass))
    return hints


_OWN: dict[type, dict[str, Any]] = {}
_EVALUATED: dict[tuple[str, str], Any] = {}
_UNREADABLE = object()


def _own_hints(klass: type) -> dict[str, Any]:
    """The annotations a class itself declares, evaluated once (attrs keeps them as strings)."""
    own = _OWN.get(klass)
    if own is None:
        own = _OWN[klass] = {}
        module = sys.modules.get(klass.__module__)
        for name, ann in klass.__dict__.get("__annotations__", {}).items():
            if not isinstance(ann, str):
                own[name] = ann
                continue
            key = (klass.__module__, ann)
            if key not in _EVALUATED:
                try:
                    _EVALUATED[key] = eval(ann, vars(module) if module else {})  # noqa: S307
                except Exception:  # an annotation this check cannot read: not checked
                    _EVALUATED[key] = _UNREADABLE
            if _EVALUATED[key] is not _UNREADABLE:
                own[name] = _EVALUATED[key]
    return own


def _spec(hint: Any, field: str) -> tuple[Check, str, Check | None] | None:
    """(check, what it wants, item check for list fields), or None for "anything"."""
    if field in ("next", "default", "states"):
        # a target or a sequence: states, chains of states, names and jumps
        def item(v: Any) -> bool:
            return isinstance(v, _GRAPH[1])
        if field == "states":
            return (lambda v: isinstance(v, tuple) and all(item(x) for x in v),
                    "a list of states", item)
        return (lambda v: (field == "default" and v is None) or item(v) or
                isinstance(v, tuple) and all(item(x) for x in v),
                "a state, a tuple of states, or a state's name", None)
    if hint is Any:
        return None
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        inner = _spec(args[0], "") if args else None
        if inner is None:
            return (lambda v: isinstance(v, tuple)), "a list", None
        item_ok, item_want, _ = inner
        plural = _PLURAL.get(item_want) or item_want.removeprefix("a ").removeprefix("an ")
        return (lambda v: isinstance(v, tuple) and all(item_ok(x) for x in v),
                f"a list of {plural}", item_ok)
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in typing.get_args(hint)]
        optional = type(None) in parts
        specs = [_spec(a, "") for a in parts if a is not type(None)]
        if any(s is None for s in specs):
            return None
        checks = [s[0] for s in specs if s is not None]
        wants = [s[1] for s in specs if s is not None]
        want = ", ".join(wants[:-1]) + " or " + wants[-1] if len(wants) > 1 else wants[0]
        return (lambda v: (optional and v is None) or any(c(v) for c in checks)), want, None
    if isinstance(hint, type):
        return _class_check(hint), _word(hint), None
    return None


def _class_check(cls: type) -> Check:
    # whole numbers: ranges and integrality are the validator's, which names the ASL path
    if cls in (int, float):
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    return lambda v: isinstance(v, cls)


def _word(cls: type) -> str:
    if cls in _WORDS:
        return _WORDS[cls]
    name = cls.__name__
    if name == "_Null":
        return "DISCARD"
    if name == "Ref":
        return "a reference (var(...), join(...))"
    return _article(name)


# Python's own TypeErrors for a bad call --------------------------------------------------------

# (patterns, compiled by ``re`` when a bad call is first explained, not at every start)
_CALL = r"^(?P<cls>\w+)\.__init__\(\) (?P<what>.*)$"
_UNEXPECTED = r"got an unexpected keyword argument '(\w+)'"
_MISSING = r"missing \d+ required (?:keyword-only |positional )?arguments?: (.*)"
_POSITIONAL = r"takes (\d+) positional arguments? but (\d+) (?:was|were) given"


def explain_type_error(error: TypeError, classes: Mapping[str, Any]) -> str | None:
    """``Class.field: ...`` for a model constructor called wrongly (``classes``: the model
    classes by name); None for anything else."""
    m = re.match(_CALL, str(error))
    cls = classes.get(m.group("cls")) if m else None
    if not (isinstance(cls, type) and attrs.has(cls)):
        cls = None
    if m is None or cls is None:
        return None
    name, what = cls.__name__, m.group("what")
    fields = [f for f in attrs.fields(cls) if f.init and not f.metadata.get("source")]
    if (u := re.search(_UNEXPECTED, what)):
        arg, known = u.group(1), [f.alias or f.name for f in fields]
        close = did_you_mean(arg, known)
        if close.name:
            return f"{name}.{arg}: unknown argument{close.hint}"
        return f"{name}.{arg}: unknown argument; {name} takes {', '.join(known)}"
    if (mi := re.search(_MISSING, what)):
        missing = re.findall(r"'(\w+)'", mi.group(1))
        spec = dict((n, w) for n, _, w, _ in _build(cls))
        first = missing[0]
        more = f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""
        want = spec.get(first, "a value")
        return f"{name}.{first}: expected {want}, got nothing (it is required){more}"
    if (p := re.search(_POSITIONAL, what)):
        positional = [f.alias or f.name for f in fields if not f.kw_only]
        takes = int(p.group(1)) - 1
        return (f"{name}: expected {takes} positional argument{'s' if takes != 1 else ''} "
                f"({', '.join(positional[:takes])}), got {int(p.group(2)) - 1}; give the others "
                "by keyword")
    return f"{name}: {what}"


def explain_value_error(error: ValueError) -> str | None:
    """``Class.field: expected one of ..., got ...`` for an attrs ``in_`` validator's error."""
    args = error.args
    if len(args) != 4 or not isinstance(args[1], attrs.Attribute):
        return None
    owner = None
    tb = error.__traceback__
    while tb is not None:  # the innermost __init__ of a model object names the class
        if tb.tb_frame.f_code.co_name == "__init__" and "self" in tb.tb_frame.f_locals:
            owner = type(tb.tb_frame.f_locals["self"]).__name__
        tb = tb.tb_next
    options = ", ".join(repr(o) for o in args[2])
    where = f"{owner}.{args[1].name}" if owner else args[1].name
    return f"{where}: expected one of {options}, got {describe(args[3])}"


__all__ = ["FieldError", "check_fields", "describe", "explain_type_error", "explain_value_error"]
