"""The reference of flowdsl's public classes, generated from the code: ``docs/REFERENCE.md``.

``python -m flowdsl.reference`` writes it (``--check`` says whether the file is current,
``--out PATH`` writes elsewhere, ``-`` to standard output). Every public name ``flowdsl``
exports is read from the package itself: each class's fields (attrs), with their types,
defaults and the ASL key each is written to, the first paragraph of the class's docstring,
and the comments written beside each field. The ASL key is the field's ``asl`` metadata
(:mod:`flowdsl.states`), or for the keys the compiler writes itself (``Next``, ``Retry``,
``Branches``, ...) the table below; for a typed task it is found by building one task of
the class (its integration's example) and compiling it with each field set to a value of its
own, so a new field or a new integration is documented with no edit here.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import re
import sys
import textwrap
import tokenize
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

import flowdsl
from flowdsl.atomic import write_atomic
from flowdsl.refs import Ref
from flowdsl.states import State, _Catching, _TaskBase
from flowdsl.tasks.registry import INTEGRATIONS, load_all

DEFAULT_PATH = Path("docs") / "REFERENCE.md"  # from the repository's root
COMMAND = "python -m flowdsl.reference"

# Fields the compiler (flowdsl.asl) writes itself rather than through ``asl`` metadata.
COMPILED = {
    "Workflow.name": "the state machine's name (Terraform), not ASL",
    "name": "the state's key in `States`",
    "target": "the `Next` of the state before it",
    "next": "`Next`",
    "default": "`Default`",
    "choices": "`Choices`",
    "condition": "the rule's condition (`Variable` and an operator, `And`/`Or`/`Not`, or `Condition`)",
    "branches": "`Branches`",
    "processor": "`ItemProcessor` (`Iterator` when `legacy_iterator`)",
    "processor_config": "`ItemProcessor.ProcessorConfig`",
    "legacy_iterator": "`Iterator` instead of `ItemProcessor`",
    "retry": "`Retry`",
    "catch": "`Catch`",
    "states": "`States` and `StartAt`",
    "permissions": "the state machine role's policy (IAM), not ASL",
    "derived_permissions": "the state machine role's policy (IAM), not ASL",
    "DerivedExcept.integrations": "the state machine role's policy (IAM), not ASL",
    "DerivedExcept.states": "the state machine role's policy (IAM), not ASL",
    "variables": "the Terraform module's inputs, not ASL",
    "deployment": "the Terraform module around the state machine, not ASL",
    # the Choice conditions (flowdsl.conditions), compiled by the rule that holds them
    "Comparison.variable": "`Variable`",
    "Comparison.operator": "the operator's key (`StringEquals`, `NumericLessThanPath`, ...)",
    "Comparison.value": "the operator's value",
    "And.conditions": "`And`",
    "Or.conditions": "`Or`",
    "Not.condition": "`Not`",
    "Condition.expression": "`Condition`",
}

# The sections, in order: (title, what they hold, which classes).
_Section = tuple[str, str, Callable[[type], bool]]


def _module(cls: type) -> str:
    return cls.__module__


SECTIONS: list[_Section] = [
    ("Workflow", "The state machine: its states, its inputs and its deployment.",
     lambda c: c.__name__ == "Workflow"),
    ("States", "One class per ASL state type. Each flows into the state after it in its "
     "sequence: `Next` and `End` are never written by hand.",
     lambda c: issubclass(c, State) and not issubclass(c, _TaskBase)),
    ("Tasks", "`Task` for any Resource, and a typed class per service integration. A typed "
     "task's own arguments are written into `Parameters` (or `Arguments`, where the state "
     "uses JSONata); the ASL column gives the key, found by compiling one task of the class.",
     lambda c: issubclass(c, _TaskBase)),
    ("Retry, Catch, rules and sequences", "What states hold: retriers, catchers, Choice "
     "rules, sub-workflows and jumps.",
     lambda c: _module(c) == "flowdsl.states" and c.__name__ != "DerivedExcept"),
    ("Choice conditions", "The conditions of a `When` rule; the builder functions below make "
     "them.", lambda c: _module(c) == "flowdsl.conditions"),
    ("Task resources", "What typed tasks refer to and flowdsl creates: job and task "
     "definitions.", lambda c: _module(c).startswith("flowdsl.tasks.")),
    ("Deployment kinds", "How a workflow is started and what Terraform deploys around it. Their "
     "fields are Terraform's, not ASL's.",
     lambda c: _module(c).startswith("flowdsl.deployments") and "resource_name" in _names(c)),
    ("Deployment parts", "The parts of a deployment kind: its queue, pipe, schedule, event "
     "pattern, retries and logging.", lambda c: _module(c).startswith("flowdsl.deployments")),
    ("References and IAM", "Deploy-time references (`var`, `join`, the module's variables) and "
     "IAM statements.", lambda c: True),
]

# Bases whose fields are given once, in a section of their own, and linked from each class.
BASES: list[tuple[type, str]] = [
    (State, "Fields every state has"),
    (_Catching, "Fields of the states that can fail (Task, Parallel, Map)"),
    (_TaskBase, "Fields every Task has"),
]


def _names(cls: type) -> set[str]:
    return {f.name for f in attrs.fields(cls)} if attrs.has(cls) else set()


# Reading the code ----------------------------------------------------------------------------

def first_paragraph(obj: Any) -> str:
    """The first paragraph of the object's own docstring, on one line ("" if it has none)."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not doc:
        return ""
    text = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return " ".join(text.split())


def field_comments(cls: type) -> dict[str, str]:
    """The comments written beside a class's fields: the lines just above it and its own line."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}
    alone: set[int] = set()  # lines holding a comment only
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
                if not tok.line[:tok.start[1]].strip():
                    alone.add(tok.start[0])
    except (tokenize.TokenError, SyntaxError):
        return {}
    try:
        body = ast.parse(source).body[0]
    except SyntaxError:
        return {}
    out: dict[str, str] = {}
    for node in getattr(body, "body", []):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            lines = []
            line = node.lineno - 1
            while line in alone:
                lines.insert(0, comments[line])
                line -= 1
            for own in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if own in comments:
                    lines.append(comments[own])
            if lines:
                out[node.target.id] = " ".join(lines)
    return out


def public_fields(cls: type) -> list[attrs.Attribute]:  # type: ignore[type-arg]
    return [f for f in attrs.fields(cls) if f.init and not f.metadata.get("source")]


def default_text(f: attrs.Attribute) -> str:  # type: ignore[type-arg]
    d = f.default
    if d is attrs.NOTHING:
        return "required"
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        make = d.factory
        shown = {tuple: "()", dict: "{}", list: "[]"}.get(make)
        if shown is None and isinstance(make, type):
            shown = f"{make.__name__}()"
        if shown is None:
            try:
                shown = repr(make())
            except Exception:  # a factory that needs what only a real call has
                shown = f"{getattr(make, '__name__', 'a new value')}()"
        return f"`{shown}`"
    text = repr(d)
    if " at 0x" in text or len(text) > 60:
        text = type(d).__name__
    return f"`{text}`"


def type_text(f: attrs.Attribute) -> str:  # type: ignore[type-arg]
    t = f.type
    text = t if isinstance(t, str) else getattr(t, "__name__", repr(t))
    text = text.replace("typing.", "")
    m = re.fullmatch(r"tuple\[(.*), \.\.\.\]", text)
    if m and f.converter is not None:
        text = f"list of {m.group(1)}"
    return f"`{text}`"


def allowed_values(f: attrs.Attribute) -> str:  # type: ignore[type-arg]
    """``one of 'A', 'B'`` for a field an ``in_`` validator holds to a set of values."""
    validators: list[Any] = []
    v = f.validator
    if v is not None:
        validators = list(getattr(v, "_validators", (v,)))
    for one in validators:
        options = getattr(one, "options", None)
        if options is not None:
            return "one of " + ", ".join(f"`{o!r}`" for o in options)
    return ""


# The ASL keys of a typed task's fields --------------------------------------------------------

class _Sampler:
    """The first of everything: one typical task per integration, the same at every run."""

    refs = False

    def pick(self, options: Any) -> Any:
        return list(options)[0]

    def flag(self) -> bool:
        return True

    def var(self, name: str) -> Any:
        return flowdsl.var(name)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        return make()


_PROBE = "probe-"
_NUMBER = 987654321  # a number field's probe
_MERGED = "(merged into Parameters)"


def _paths(value: Any, marker: str, at: str = "") -> Iterator[str]:
    """Where ``marker`` appears in a compiled value: a string holding it, or a key naming it."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{at}.{key}" if at else str(key)
            if marker in str(key):
                yield at or _MERGED
            else:
                yield from _paths(item, marker, here)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _paths(item, marker, f"{at}[{i}]")
    elif isinstance(value, str):
        if marker in value:
            yield at
    elif isinstance(value, int) and not isinstance(value, bool) and value == _NUMBER and \
            marker.startswith(_PROBE):
        yield at
    elif isinstance(value, Ref):
        for part in getattr(value, "parts", ()):
            if isinstance(part, str) and marker in part:
                yield at
                return


def _build(cls: type, kwargs: dict[str, Any]) -> Any:
    return cls(name="Probe", **kwargs)


def _compiled(integration: Any, state: Any) -> tuple[Any, Any]:
    return integration.resource(state), integration.parameters(state)


def task_keys(cls: type) -> dict[str, str]:
    """Field name -> where a typed task writes it (``Parameters.JobName``, ``Resource``)."""
    integration = INTEGRATIONS.get(cls)
    if integration is None:
        return {}
    own = [f for f in public_fields(cls) if f.name not in _names(_TaskBase)]
    kwargs: dict[str, Any] = integration.example(_Sampler()) if integration.example else {}
    for f in own:  # a required field the example leaves out
        if f.default is attrs.NOTHING and (f.alias or f.name) not in kwargs:
            kwargs[f.alias or f.name] = f"{_PROBE}{f.name}"
    try:
        base = _build(cls, kwargs)
        base_resource, base_params = _compiled(integration, base)
    except Exception:  # an integration this reading cannot build: its keys are not shown
        return {}
    keys: dict[str, str] = {}
    for f in own:
        arg = f.alias or f.name
        marker = f"{_PROBE}{f.name}"
        current = kwargs.get(arg, None if f.default is attrs.NOTHING else getattr(base, f.name))
        candidates: list[Any] = [marker, {marker: "value"}, [marker], {"Key": marker}]
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        if "int" in kind or "float" in kind:
            candidates.insert(0, _NUMBER)
        if isinstance(current, bool) or "bool" in kind:
            candidates = [not current] if isinstance(current, bool) else [True, False]
        elif (options := allowed_options(f)):
            candidates = [o for o in options if o != current][:1]
        compiled = []
        for candidate in candidates:
            try:
                compiled.append((candidate, *_compiled(integration, _build(cls, {**kwargs, arg: candidate}))))
            except Exception:
                continue
        for candidate, resource, params in compiled:
            found = [p for p in _paths(params, marker) if not isinstance(candidate, bool)]
            if isinstance(candidate, list) or kind.startswith("tuple["):  # the list, not its item
                found = [re.sub(r"\[0\]$", "", p) for p in found]
            if found:
                keys[f.name] = ", ".join(
                    "`Parameters` (its keys)" if p == _MERGED else f"`Parameters.{p}`"
                    for p in dict.fromkeys(found))
                break
        else:
            for candidate, resource, params in compiled:
                if _differs(resource, base_resource):
                    keys[f.name] = "`Resource`"
                    break
                changed = _changed_keys(params, base_params)
                if changed:
                    keys[f.name] = ", ".join(f"`Parameters.{k}`" for k in changed)
                    break
    return keys


def allowed_options(f: attrs.Attribute) -> tuple[Any, ...]:  # type: ignore[type-arg]
    v = f.validator
    for one in list(getattr(v, "_validators", (v,))) if v is not None else []:
        options = getattr(one, "options", None)
        if options is not None:
            return tuple(options)
    return ()


def _differs(a: Any, b: Any) -> bool:
    return repr(a) != repr(b)


def _changed_keys(a: Any, b: Any) -> list[str]:
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return []
    return sorted(k for k in set(a) | set(b) if repr(a.get(k)) != repr(b.get(k)))


# Rendering ------------------------------------------------------------------------------------

def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def asl_key(cls: type, f: attrs.Attribute, keys: dict[str, str]) -> str:  # type: ignore[type-arg]
    if "asl" in f.metadata:
        return f"`{f.metadata['asl']}`"
    if "not_asl" in f.metadata:  # a field the ASL does not carry: what reads it instead
        return f"none (read by {f.metadata['not_asl']})"
    if f.name in keys:
        return keys[f.name]
    if _module(cls).startswith("flowdsl.deployments"):
        return "—"
    qualified = f"{cls.__name__}.{f.name}"
    if qualified in COMPILED and _module(cls) in ("flowdsl.states", "flowdsl.conditions"):
        return COMPILED[qualified]
    if f.name in COMPILED and (issubclass(cls, State) or _module(cls) == "flowdsl.states"):
        return COMPILED[f.name]
    return "—"


def field_table(cls: type, fields: list[attrs.Attribute], keys: dict[str, str]) -> list[str]:  # type: ignore[type-arg]
    comments = field_comments_mro(cls)
    asl = [asl_key(cls, f, keys) for f in fields]
    with_asl = any(a != "—" for a in asl)
    rows = (["| argument | type | default | ASL | notes |", "|---|---|---|---|---|"] if with_asl else
            ["| argument | type | default | notes |", "|---|---|---|---|"])
    for f, key in zip(fields, asl):
        arg = f.alias or f.name
        how = "positional or keyword" if not f.kw_only else "keyword"
        notes = "; ".join(x for x in (allowed_values(f), comments.get(f.name, "")) if x)
        notes = f"{how}. {notes}" if notes else f"{how}"
        cells = [f"`{arg}`", type_text(f), default_text(f), *([key] if with_asl else []), notes]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def field_comments_mro(cls: type) -> dict[str, str]:
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if attrs.has(klass):
            out.update(field_comments(klass))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def signature(cls: type, fields: list[attrs.Attribute]) -> str:  # type: ignore[type-arg]
    positional = [f.alias or f.name for f in fields if not f.kw_only and f.default is attrs.NOTHING]
    more = "" if len(positional) == len(fields) else ", ..." if positional else "..."
    return f"`{cls.__name__}({', '.join(positional)}{more})`"


def render_class(cls: type, base: tuple[type, str] | None) -> list[str]:
    out = [f"### {cls.__name__}", ""]
    summary = first_paragraph(cls)
    if not summary and getattr(cls, "TYPE", ""):
        summary = f"The ASL `{cls.TYPE}` state."
    if summary:
        out += [summary, ""]
    fields = public_fields(cls)
    own = [f for f in fields if base is None or f.name not in _names(base[0])]
    out += [signature(cls, fields) + f" — from `{_public_module(cls)}`", ""]
    keys = task_keys(cls) if issubclass(cls, _TaskBase) else {}
    if own:
        out += field_table(cls, own, keys) + [""]
    if base is not None:
        out += [_also(base[1])]
    return out


def _also(title: str) -> str:
    return f"It also takes the [{title[0].lower() + title[1:]}](#{_anchor(title)}).\n"


def _public_module(cls: type) -> str:
    return "flowdsl" if cls.__name__ in flowdsl.__all__ else cls.__module__


def _base_of(cls: type) -> tuple[type, str] | None:
    for klass in cls.__mro__[1:]:
        for base in BASES:
            if klass is base[0]:
                return base
    return None


def render_base(base: type, title: str) -> list[str]:
    parent = _base_of(base)
    fields = [f for f in public_fields(base) if parent is None or f.name not in _names(parent[0])]
    out = [f"### {title}", ""]
    summary = first_paragraph(base)
    if summary:
        out += [summary, ""]
    out += field_table(base, fields, {}) + [""]
    if parent is not None:
        out += [_also(parent[1])]
    return out


def render_function(name: str, fn: Any) -> str:
    try:
        sig = str(inspect.signature(fn))
    except (TypeError, ValueError):
        sig = "(...)"
    sig = sig.replace("'", "").replace('"', "")
    summary = first_paragraph(fn)
    return f"- `{name}{sig}`" + (f": {summary}" if summary else "")


def public_objects() -> list[tuple[str, Any]]:
    load_all()
    return [(name, getattr(flowdsl, name)) for name in sorted(flowdsl.__all__)]


def render() -> str:
    objects = public_objects()
    classes = [(n, o) for n, o in objects if isinstance(o, type) and attrs.has(o) and o.__name__ == n]
    functions = [(n, o) for n, o in objects if callable(o) and not isinstance(o, type)]
    constants = [(n, o) for n, o in objects if not callable(o)]
    other_classes = [(n, o) for n, o in objects if isinstance(o, type) and (n, o) not in classes]

    lines = [
        "# flowdsl reference",
        "",
        f"Generated from the code by `{COMMAND}`: do not edit it by hand; run the command after "
        "changing a class (a test fails while this file is not current). Every name here is "
        "importable from `flowdsl` (`from flowdsl import GlueJob`).",
        "",
        "Columns: *argument* is the keyword (or positional) argument; *type* its annotation "
        "(`JSON`: any JSON value, which may hold deploy-time references; `Ref`: `var(...)`, "
        "`join(...)` and the like; `Path`: a path string or `DISCARD`; `Target`: a state, a "
        "tuple of states (a chain) or a state's name; `Item`: a state or `Goto`; a *list of X* "
        "may be given as a list or a tuple); *default* what it is when left out; *ASL* the key of the state "
        "machine definition it is written to.",
        "",
        "## Contents",
        "",
    ]
    placed: dict[str, list[type]] = {title: [] for title, _, _ in SECTIONS}
    for _, cls in classes:
        for title, _, test in SECTIONS:
            if test(cls):
                placed[title].append(cls)
                break
    for title, _, _ in SECTIONS:
        if placed[title]:
            names = ", ".join(f"[{c.__name__}](#{c.__name__.lower()})" for c in placed[title])
            lines.append(f"- [{title}](#{_anchor(title)}): {names}")
    lines += [f"- [{t}](#{_anchor(t)})" for t in ("Common fields", "Functions", "Constants")]
    lines.append("")
    for title, what, _ in SECTIONS:
        if not placed[title]:
            continue
        lines += [f"## {title}", "", what, ""]
        for cls in placed[title]:
            lines += render_class(cls, _base_of(cls))
    lines += ["## Common fields", "", "The fields a state class inherits; each class links here.", ""]
    for base, title in BASES:
        lines += render_base(base, title)
    lines += ["## Functions", ""]
    lines += [render_function(n, f) for n, f in functions] + [""]
    if other_classes:
        lines += [render_function(n, o) for n, o in other_classes] + [""]
    lines += ["## Constants", ""]
    for name, value in constants:
        text = repr(value)
        if len(text) > 80 or " at 0x" in text:
            text = type(value).__name__
        doc = _constant_doc(name, value)
        lines.append(f"- `{name}` = `{text}`" + (f": {doc}" if doc else ""))
    lines.append("")
    return "\n".join(lines)


def _constant_doc(name: str, value: Any) -> str:
    if isinstance(value, (str, int, float, dict, tuple, list)):
        return ""
    return first_paragraph(type(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write docs/REFERENCE.md from the code.")
    parser.add_argument("--out", default=str(DEFAULT_PATH), help="where to write it ('-': standard output)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not current")
    args = parser.parse_args(argv)
    text = render()
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.out)
    if args.check:
        current = path.is_file() and path.read_text(encoding="utf-8") == text
        if not current:
            print(f"{path} is not current: run {COMMAND}", file=sys.stderr)
        return 0 if current else 1
    try:
        write_atomic(path, text)
    except OSError as e:
        print(f"error: cannot write {path}: {e.strerror} (run from the repository's root, or give "
              "--out PATH)", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
