"""ASL -> flowdsl source: turn an existing definition into a workflow file to edit and build.

It works on the model that the importer (``flowdsl.asl_to_model``) produces, so the placement rules
are the compiler's: sequences stay sequences, a Catch or Choice target used once is a chain
written where it is used (hoisted to a module-level name when it is a state object, as a
hand-written workflow does), and a target shared by several transitions is a name.

Three rewrites make the result read like a workflow written by hand:

* a plain ``Task`` whose ``Resource`` and ``Parameters`` (or JSONata ``Arguments``) a typed
  task class produces (every integration of ``flowdsl.tasks`` that registers an ``inverse``:
  ``LambdaTask``, ``BatchTask``, ``EcsRunTask``, ``SnsPublish``, ``SdkCall``...) becomes that
  class; the rewrite is kept only when the class gives back exactly the same ``Resource`` and
  ``Parameters`` (or ``Arguments``);
* an ARN that names an account (``arn:aws:lambda:us-east-1:123456789012:function:f``)
  becomes a module variable, ``var("f_function_arn")``, declared with the ARN as its default:
  the module deploys as the definition did, and each environment can pass its own;
* Choice conditions use the builders of ``flowdsl.conditions``; ``ResultPath: null`` is
  ``DISCARD``.

Every string is read as Terraform template text, which is what ``build/<name>/<name>.asl.json``
holds: ``${name}`` and ``${var.name}`` become ``var("name")``, and Terraform's escapes are undone
(``$${a}`` is the literal text ``${a}``, ``%%{`` is ``%{``, ``${"$"}`` is ``$``), so building
the generated file writes the same definition again. A placeholder whose name Terraform reserves
for module blocks (``source``, ``count``, ... :data:`flowdsl.variables.TERRAFORM_RESERVED`) becomes
a variable named ``<name>_value``.

Building the generated file gives the original definition back (with the variables at their
defaults and the partition the definition names); ``tests/properties/test_prop_codegen.py``
checks this on every corpus definition flowdsl accepts.
"""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import re
import unicodedata
from pathlib import Path
from typing import Any

import attrs

import flowdsl
from flowdsl import pysource as py
from flowdsl.conditions import And, Comparison, Condition, Not, Or
from flowdsl.errors import CompileError, FlowError
from flowdsl.asl import jsonata_arguments
from flowdsl.asl_to_model import import_definition
from flowdsl.atomic import write_atomic
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, DataAttr, Join, Ref, Var, Variable
from flowdsl.placeholders import resolve
from flowdsl.states import (
    Branch,
    Catch,
    Choice,
    Goto,
    Map,
    Parallel,
    State,
    Task,
    When,
    Workflow,
    _Catching,
    _Null,
    _TaskBase,
    iter_states,
)
from flowdsl.strict_json import read_json
from flowdsl.tasks import INTEGRATIONS, load_all
from flowdsl.variables import TERRAFORM_RESERVED
from flowdsl.vocabulary import is_state_machine_name

_ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)", re.S)
_ANY_ARN = re.compile(r"arn:(aws[a-z-]*):")
# Terraform template syntax, as flowdsl.placeholders.template writes it: ``$${`` and ``%%{`` are
# a literal ``${`` and ``%{``, ``${"$"}`` a quoted literal, any other ``${...}`` a placeholder.
_TEMPLATE_TOKEN = re.compile(r'\$\$\{|%%\{|\$\{("[^"\\{}]*"|[^{}]*)\}')
_TEMPLATE_VAR = re.compile(r"(?:var\.)?([A-Za-z_][A-Za-z0-9_-]*)")
# another Terraform address (``aws_batch_job_definition.job.arn``: a resource of the module the
# definition was built for), which the imported workflow's own module does not define
_TEMPLATE_ADDRESS = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+")
_DATA = {r.address: r for r in (PARTITION, REGION, ACCOUNT_ID)}
_NAME = re.compile(r"[^A-Za-z0-9_-]+")
# Fields whose strings are data or paths, never a resource to parameterise.
_KEEP_LITERAL = {"name", "comment", "source"}
_PATH_KINDS = {"path", "refpath", "errorpath"}


class CodegenError(FlowError):
    """The model holds something the generator cannot write as Python."""


# ------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------

def workflow_name(path: str | Path) -> str:
    """A workflow name from a file name: ``orders.asl.json`` -> ``orders``."""
    stem = Path(path).name.split(".")[0]
    name = _NAME.sub("_", stem).strip("_-")[:80]
    return name or "imported"


def partition_of(doc: Any) -> str:
    """The partition the definition's ARNs name (``aws`` when it names none)."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            m = _ANY_ARN.match(v)
            if m:
                found.append(m.group(1))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(doc)
    return found[0] if found else "aws"


def generate(doc: Any, name: str, *, sources: dict[str, str] | None = None,
             origin: str | None = None) -> str:
    """Python source for the ASL document ``doc``; an invalid document raises CompileError
    with the validator's diagnostics (located with ``sources``). Deeply nested documents are
    walked on a large stack (``flowdsl.deep_stack``)."""
    from flowdsl.deep_stack import call

    return call(_generate, doc, name, sources, origin)


def _generate(doc: Any, name: str, sources: dict[str, str] | None, origin: str | None) -> str:
    wf = import_definition(doc, name, sources)
    placeholders = set(re.findall(r"\$\{(?:var\.)?([A-Za-z_][A-Za-z0-9_-]*)\}", json.dumps(doc)))
    wf, variables = _Rewriter(partition_of(doc), placeholders).workflow(wf)
    return _Writer().module(wf, variables, origin)


def generate_file(path: str | Path, name: str | None = None) -> tuple[str, str]:
    """(workflow name, Python source) for an ASL file."""
    if name is not None and not is_state_machine_name(name):
        raise FlowError(f"--name {name!r}: a workflow name is 1-80 letters, digits, '-' or '_'")
    parsed = read_json(path)
    if parsed.duplicates:
        raise CompileError(parsed.duplicates, parsed.doc)
    name = name or workflow_name(path)
    origin = Path(path).name
    if not origin.isprintable() or any(c in origin for c in "\\\""):
        origin = None  # the docstring names the file only when it can hold the name as it is
    return name, generate(parsed.doc, name, sources=parsed.sources(path), origin=origin)


def write_new(path: str | Path, text: str, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically; an existing file is kept unless ``force``."""
    p = Path(path)
    if p.is_dir():
        raise FlowError(f"{path}: is a directory; give the file to write")
    if p.exists() and not force:
        raise FlowError(f"{path}: already exists; pass --force to overwrite it")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(p, text)
    except OSError as e:
        raise FlowError(f"{path}: cannot write: {e.strerror or e}") from None
    return p


# ------------------------------------------------------------------------------------------
# model rewrites: typed tasks, account-specific ARNs as variables
# ------------------------------------------------------------------------------------------

class _Rewriter:
    def __init__(self, partition: str, reserved: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.partition = partition
        self.reserved = reserved  # names the definition's own placeholders use
        self.variables: dict[str, Variable] = {}  # name -> declaration
        self.by_arn: dict[str, str] = {}  # literal ARN -> variable name
        self.memo: dict[int, State] = {}
        self.renamed: dict[str, str] = {}  # a placeholder Terraform reserves -> its variable's name
        self.arns = True  # whether the value at hand may hold ARNs to parameterise

    def workflow(self, wf: Workflow) -> tuple[Workflow, list[Variable]]:
        wf = attrs.evolve(wf, states=self.items(wf.states), comment=_literal_value(wf.comment))
        return wf, list(self.variables.values())

    def items(self, items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(self.state(x) if isinstance(x, State) else x for x in items)

    def target(self, t: Any) -> Any:
        if isinstance(t, State):
            return self.state(t)
        if isinstance(t, tuple):
            return self.items(t)
        return t

    def branch(self, b: Branch) -> Branch:
        return attrs.evolve(b, states=self.items(b.states), comment=_literal_value(b.comment))

    def state(self, st: State) -> State:
        # a chain the model holds twice (a Choice's rule and its Default) stays one object
        done = self.memo.get(id(st))
        if done is None:
            done = self.memo[id(st)] = self.rewrite(st)
        return done

    def rewrite(self, st: State) -> State:
        kw: dict[str, Any] = {}
        if isinstance(st, _Catching) and st.catch:
            kw["catch"] = tuple(attrs.evolve(_literals(c), next=self.target(c.next)) for c in st.catch)
        if isinstance(st, _Catching) and st.retry:
            kw["retry"] = tuple(_literals(r) for r in st.retry)
        if isinstance(st, Parallel):
            kw["branches"] = tuple(self.branch(b) for b in st.branches)
        if isinstance(st, Map):
            kw["processor"] = self.branch(st.processor)
        if isinstance(st, Choice):
            kw["choices"] = tuple(attrs.evolve(_literals(r), next=self.target(r.next)) for r in st.choices)
            if st.default is not None:
                kw["default"] = self.target(st.default)
        if kw:
            st = attrs.evolve(st, **kw)
        if type(st) is Task:
            st = self.typed(st)
        st = self.parameterise(st)
        if type(st) is Task and st.derived_permissions and not st.permissions and _ungranted(st):
            # the module's role cannot be derived for it: it builds, granting nothing for the
            # state, and the file says so (the original role is not in the definition)
            st = attrs.evolve(st, derived_permissions=False)
        return st

    # typed tasks ---------------------------------------------------------------------------
    def typed(self, st: Task) -> State:
        if not isinstance(st.resource, str) or None not in (st.arguments, st.parameters):
            return st
        # a JSONata Task's Arguments: the typed class writes them as its Parameters with each
        # ``.$`` value as an expression (flowdsl.asl.jsonata_arguments)
        jsonata = st.arguments is not None
        given = st.arguments if jsonata else st.parameters
        common = {f.name: getattr(st, f.name) for f in attrs.fields(Task)
                  if f.init and f.name not in ("resource", "parameters", "arguments", "source")
                  and not _same(getattr(st, f.name), _default(f))}
        # a definition flowdsl built names the partition by its Terraform data source
        resource = st.resource.replace("${" + PARTITION.address + "}", self.partition)
        for cls, integration in _integrations():
            inverse = integration.inverse
            if inverse is None:
                continue
            try:
                kw = inverse(resource, given)
            except (TypeError, ValueError, KeyError):
                kw = None
            if kw is None:
                continue
            names = {f.name for f in attrs.fields(cls) if f.init}
            if not set(common) <= names:
                continue
            try:
                typed = cls(**common, **kw, source=None)
            except (TypeError, ValueError):
                continue
            produced, refused = integration.parameters(typed), []
            if jsonata:
                produced, refused = jsonata_arguments(produced)
            if not refused and self.same(integration.resource(typed), resource) and \
                    self.same(produced, given):
                return typed
        return st

    def same(self, produced: Any, original: Any) -> bool:
        try:
            return resolve(produced, {PARTITION.address: self.partition}) == original
        except KeyError:
            return False

    # account-specific ARNs -----------------------------------------------------------------
    def parameterise(self, st: State) -> State:
        kw = {}
        for f in attrs.fields(type(st)):
            if not f.init or f.name in ("name", "source"):
                continue
            value = getattr(st, f.name)
            if f.name in _KEEP_LITERAL or f.metadata.get("kind") in _PATH_KINDS:
                if isinstance(value, str) and _literal(value) != value:
                    kw[f.name] = _literal(value)
                continue
            # a Pass state's Result is data: only template placeholders become references
            self.arns = f.name != "result"
            new = self.value(value)
            if new is not value:
                kw[f.name] = new
        return attrs.evolve(st, **kw) if kw else st

    def value(self, v: Any) -> Any:
        if isinstance(v, str):
            if "${" in v or "%%{" in v:
                return self.template(v)
            m = _ARN.fullmatch(v) if self.arns else None
            return self.var_for(v, m) if m else v
        if isinstance(v, dict):
            out = {_literal(k): self.value(x) for k, x in v.items()}
            return out if list(out) != list(v) or any(out[k] is not x for k, x in zip(out, v.values())) else v
        if isinstance(v, list):
            out_list = [self.value(x) for x in v]
            return out_list if any(a is not b for a, b in zip(out_list, v)) else v
        return v

    def template(self, text: str) -> Any:
        """``${name}`` placeholders (Terraform's ``templatefile``, CloudFormation's definition
        substitutions) and flowdsl's own ``${var.name}`` become references, and Terraform's
        escapes their literal text; a placeholder this cannot name leaves the string as it is."""
        pieces = _read_template(text)
        if pieces is None:
            return text
        parts: list[Any] = []
        for piece in pieces:
            if isinstance(piece, tuple):
                ref = self.placeholder(piece[0])
                if ref is None:
                    return text
                parts.append(ref)
            else:
                parts.append(piece)
        if not any(isinstance(p, Ref) for p in parts):
            return "".join(parts)
        return parts[0] if len(parts) == 1 else Join(tuple(parts))

    def placeholder(self, expr: str) -> Ref | None:
        if expr in _DATA:
            return _DATA[expr]
        m = _TEMPLATE_VAR.fullmatch(expr)
        if m is None:
            return self.address_var(expr) if _TEMPLATE_ADDRESS.fullmatch(expr) else None
        name = self.renamed.get(m.group(1), m.group(1))
        if name in TERRAFORM_RESERVED:  # the build refuses it: a name of its own, used throughout
            new, n = f"{name}_value", 2
            while new in self.variables or new in self.reserved or new in self.renamed.values():
                new, n = f"{name}_value_{n}", n + 1
            self.renamed[name] = name = new
        known = self.variables.get(name)
        if known is None:
            self.variables[name] = Variable(name)
        elif known.default is not None:  # taken by an ARN's variable: not the same input
            return None
        return Var(name)

    def address_var(self, address: str) -> Var:
        """A required variable for the address of a resource or data source the definition's
        own module defined: ``aws_batch_job_definition.job.arn`` -> ``batch_job_definition_job_arn``."""
        name = self.by_arn.get("${" + address + "}")
        if name is None:
            parts = address.split(".")
            parts = parts[1:] if parts[0] == "data" else parts
            base = "_".join(parts).removeprefix("aws_").replace("-", "_")
            name, n = base, 2
            while name in self.variables or name in self.reserved or name in TERRAFORM_RESERVED:
                name, n = f"{base}_{n}", n + 1
            self.by_arn["${" + address + "}"] = name
            self.variables[name] = Variable(name)
        return Var(name)

    def var_for(self, arn: str, m: re.Match[str]) -> Var:
        name = self.by_arn.get(arn)
        if name is None:
            base = _variable_name(m.group(2), m.group(5))
            name, n = base, 2
            while name in self.variables or name in self.reserved or name in TERRAFORM_RESERVED:
                name, n = f"{base}_{n}", n + 1
            self.by_arn[arn] = name
            self.variables[name] = Variable(name, default=arn)
        return Var(name)


def _ungranted(st: Task) -> bool:
    """Whether flowdsl knows no IAM for a plain Task's Resource (nor does the validator refuse it)."""
    from flowdsl.tasks import registry

    params = st.parameters if st.parameters is not None else st.arguments
    try:
        text = registry.resource_text(st.resource)
        if text is not None and registry.check(text):
            return False  # invalid: the build reports it
        return registry.grants(st.resource, params, registry.Context("imported")) is None
    except (FlowError, TypeError, ValueError, KeyError):
        return False


def _integrations() -> list[tuple[type, Any]]:
    """Every registered integration, in an order that does not depend on what was imported
    first (the first class that gives back the same Resource and Parameters wins)."""
    load_all()
    return sorted(INTEGRATIONS.items(), key=lambda kv: (kv[0].__module__, kv[0].__qualname__))


def _default(f: attrs.Attribute) -> Any:
    d = f.default
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        return d.factory()
    return None if d is attrs.NOTHING else d


def _read_template(text: str) -> list[str | tuple[str]] | None:
    """Terraform template text as literal strings (escapes undone) and placeholders (a 1-tuple
    of the expression between ``${`` and ``}``); None for a quoted part this does not read."""
    pieces: list[str | tuple[str]] = []
    literal: list[str] = []
    at = 0
    for m in _TEMPLATE_TOKEN.finditer(text):
        literal.append(text[at:m.start()])
        token, expr = m.group(), m.group(1)
        if expr is None:  # $${ or %%{
            literal.append(token[1:])
        elif expr.startswith('"'):
            if len(expr) < 2 or not expr.endswith('"') or '"' in expr[1:-1] or "\\" in expr:
                return None
            literal.append(expr[1:-1])  # a quoted string holds no ${ (no braces): literal text
        else:
            pieces += ["".join(literal), (expr,)]
            literal = []
        at = m.end()
    literal.append(text[at:])
    pieces.append("".join(literal))
    return [p for p in pieces if p != ""]


def _literal(text: str) -> str:
    """Literal text as the build writes it (a key, a comment, a path) with Terraform's escapes
    undone; text holding a placeholder stays as it is."""
    if "${" not in text and "%%{" not in text:
        return text
    pieces = _read_template(text)
    if pieces is None or any(isinstance(p, tuple) for p in pieces):
        return text
    return "".join(pieces)  # type: ignore[arg-type]


def _literal_value(v: Any) -> Any:
    """A value the build writes as literal text (no references), with the escapes undone."""
    if isinstance(v, str):
        return _literal(v)
    if isinstance(v, tuple):
        return tuple(_literal_value(x) for x in v)
    if isinstance(v, (Comparison, And, Or, Not, Condition)):
        return _literals(v)
    return v


def _literals(obj: Any) -> Any:
    """A Retry, Catch, When or condition with the escapes of its literal text undone (its
    ``next`` is a target, rewritten on its own)."""
    kw = {}
    for f in attrs.fields(type(obj)):
        if not f.init or f.name == "next" or f.metadata.get("source"):
            continue
        v = getattr(obj, f.name)
        new = _literal_value(v)
        if new != v:
            kw[f.alias or f.name] = new
    return attrs.evolve(obj, **kw) if kw else obj


def _snake(text: str) -> str:
    """``Notify Failure!`` -> ``notify_failure``; accented letters lose their accents
    (``Überprüfung`` -> ``uberprufung``), other characters separate words."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def _variable_name(service: str, resource: str) -> str:
    """``function:my-fn`` -> ``my_fn_function_arn``; ``table/Orders`` -> ``orders_table_arn``."""
    cut = min((i for i in (resource.find(":"), resource.find("/")) if i >= 0), default=-1)
    kind, rest = (resource[:cut], resource[cut + 1:]) if cut >= 0 else (service, resource)
    # a trailing ':version' or ':alias' is not part of the name; a '/path/' is
    ident = rest.split(":")[0].split("/")[-1] or rest
    name = "_".join(p for p in (_snake(ident), _snake(kind)) if p) + "_arn"
    if not name[0].isalpha():
        name = "arn_" + name
    return name[:64]


# ------------------------------------------------------------------------------------------
# writing Python
# ------------------------------------------------------------------------------------------

_BUILDERS = {And: "all_of", Or: "any_of", Not: "not_"}
INLINE = 60  # a target chain this short is written where it is used
_COMMON_FIELDS = {f.name for f in attrs.fields(_TaskBase)} - {"name"}
# keywords, the generated module's own names, and the names ruff finds ambiguous (E741)
_RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | {"workflow", "l", "o", "i"}
_BUILTINS = set(dir(builtins))


class _Writer:
    def __init__(self) -> None:
        self.imports: dict[str, set[str]] = {}  # module -> names
        self.hoisted: list[tuple[str, py.Expr]] = []  # module-level assignments, in order
        self.used_names: set[str] = set()
        self.chains: dict[tuple[int, ...], str] = {}  # states of a hoisted chain -> its name
        self.uses: dict[tuple[int, ...], int] = {}  # states of a target chain -> references
        # a state's retriers -> states, keyed by their repr: equality would share
        # BackoffRate 2 with 2.0 (2 == 2.0), and the definition would change
        self.retry_uses: dict[str, int] = {}
        self.retry_names: dict[str, str] = {}

    def need(self, obj: Any, name: str | None = None) -> str:
        """Import ``obj`` (a class or function) from ``flowdsl`` when exported there."""
        name = name or obj.__name__
        module = "flowdsl" if getattr(flowdsl, name, None) is obj else obj.__module__
        self.imports.setdefault(module, set()).add(name)
        return name

    def module(self, wf: Workflow, variables: list[Variable], origin: str | None) -> str:
        for st in iter_states(wf.states):
            if isinstance(st, _Catching) and st.retry:
                key = repr(st.retry)
                self.retry_uses[key] = self.retry_uses.get(key, 0) + 1
            targets = [c.next for c in st.catch] if isinstance(st, _Catching) else []
            if isinstance(st, Choice):
                targets += [r.next for r in st.choices] + [st.default]
            for t in targets:
                if isinstance(t, (State, tuple)):
                    key = _key(t)
                    self.uses[key] = self.uses.get(key, 0) + 1
        body = self.workflow(wf, variables)
        for names in self.imports.values():
            self.used_names |= names
        lines = [f'"""{wf.name}: imported from {origin or "an ASL definition"} with `flowdsl import`.',
                 "",
                 "Build it with `flowdsl build <this file>`: a Terraform module deploys it as a",
                 "state machine alone (`StateMachine`); give another `deployment=` to add a trigger."]
        if variables:
            lines += ["",
                      "The account-specific ARNs of the definition are module variables, with the",
                      "imported ARN as default: pass each environment's own."]
        if any(type(st) is Task and not st.derived_permissions and not st.permissions
               for st in iter_states(wf.states)):
            lines += ["", "flowdsl does not know what IAM some states need: they are written with",
                      "`derived_permissions=False`, and the role grants nothing for them. Give",
                      "each `permissions=[Allow(actions, resources)]`."]
        lines += ['"""', ""]
        for module in sorted(self.imports, key=lambda m: (m != "flowdsl", m)):
            names = sorted(self.imports[module], key=_isort_key)
            group = py.Group(f"from {module} import (", tuple(py.Atom(n) for n in names), ")")
            text = py.flat(group)
            if len(text) - len("(") - len(")") <= py.WIDTH:
                lines.append(f"from {module} import {', '.join(names)}")
            else:
                lines.append(py.layout(group, 0, 0, 0))
        lines.append("")
        for name, expr in [*self.hoisted, ("workflow", body)]:
            # what nests deeper than Python parses is bound to names first, innermost first
            parts, expr = py.split_deep(expr, self.part_name, prefer=_named_call)
            for part, part_expr in parts:
                lines += [py.assignment(part, part_expr), ""]
            lines += [py.assignment(name, expr), ""]
        return "\n".join(lines[:-1]) + "\n"

    def part_name(self, group: py.Group) -> str:
        """A name for a piece of a deeply nested expression: the state's, when it is one."""
        return self.identifier(_named_call(group) or "nested")

    def workflow(self, wf: Workflow, variables: list[Variable]) -> py.Expr:
        args = [py.Atom(py.string(wf.name))]
        kwargs = self.fields(wf, skip={"name", "states", "variables", "deployment"})
        if variables:
            kwargs.append(("variables", py.seq("[", [self.obj(v) for v in variables], "]")))
        # deployed as the definition was: a state machine alone, which other services start
        kwargs.append(("deployment", py.call(self.need(flowdsl.StateMachine), [py.Atom(py.string(wf.name))])))
        kwargs.append(("states", self.sequence(wf.states)))
        return py.call(self.need(Workflow), args, kwargs)

    # model objects -------------------------------------------------------------------------
    def fields(self, obj: Any, skip: set[str] = frozenset(),  # type: ignore[assignment]
               positional: tuple[str, ...] = ()) -> list[tuple[str, py.Expr]]:
        out = []
        for f in attrs.fields(type(obj)):
            if not f.init or f.name in skip or f.name in positional or f.metadata.get("source"):
                continue
            v = getattr(obj, f.name)
            if _same(v, _default(f)):
                continue
            out.append((f.alias or f.name, self.field(obj, f, v)))
        # what the object is first, then how its data flows, then retries and catchers
        out.sort(key=lambda kv: 2 if kv[0] in ("retry", "catch") else
                 1 if kv[0] in _COMMON_FIELDS else 0)
        return out

    def field(self, obj: Any, f: attrs.Attribute, v: Any) -> py.Expr:
        if f.name in ("next", "default") and isinstance(obj, (Catch, When, Choice)):
            return self.target(v)
        if isinstance(obj, Map) and f.name == "processor" or isinstance(obj, Parallel) and \
                f.name == "branches":
            branches = [v] if isinstance(v, Branch) else list(v)
            exprs = [self.branch(b) for b in branches]
            return exprs[0] if isinstance(v, Branch) else py.seq("[", exprs, "]")
        if isinstance(v, tuple):
            expr = py.seq("[", [self.value(x) for x in v], "]")
            if f.name == "retry" and self.retry_uses.get(repr(v), 0) > 1:
                return self.shared_retry(v, expr)
            return expr
        return self.value(v)

    def shared_retry(self, retry: tuple[Any, ...], expr: py.Expr) -> py.Expr:
        """Retriers several states repeat: one module-level list, named after what it retries."""
        name = self.retry_names.get(repr(retry))
        if name is None:
            first = retry[0].error_equals[0] if retry[0].error_equals else "errors"
            name = self.retry_names[repr(retry)] = self.identifier(
                "retry_" + _snake(first.removeprefix("States.")))
            self.hoisted.append((name, expr))
        return py.Atom(name)

    def obj(self, obj: Any) -> py.Expr:
        cls = type(obj)
        positional = tuple(f.name for f in attrs.fields(cls)
                           if f.init and not f.kw_only and f.default is attrs.NOTHING
                           and not f.metadata.get("source"))
        args = [self.field(obj, attrs.fields_dict(cls)[n], getattr(obj, n)) for n in positional]
        return py.call(self.need(cls), args, self.fields(obj, positional=positional))

    def branch(self, b: Branch) -> py.Expr:
        states = self.sequence(b.states)
        extra = self.fields(b, skip={"states"})
        return py.call(self.need(Branch), [states], extra) if extra else states

    def sequence(self, items: tuple[Any, ...]) -> py.Expr:
        return py.seq("[", [self.item(x) for x in items], "]")

    def item(self, x: Any) -> py.Expr:
        if isinstance(x, Goto):
            return py.call(self.need(Goto), [py.Atom(py.string(x.target))])
        if isinstance(x, State):
            return self.obj(x)
        raise CodegenError(f"cannot write a {type(x).__name__} as a workflow item")

    def target(self, t: Any) -> py.Expr:
        """A target used once: the chain itself where it is short, else a module-level name
        bound to it (as a hand-written workflow does); a shared target: the state's name."""
        if isinstance(t, str):
            return py.Atom(py.string(t))
        chain = t if isinstance(t, tuple) else (t,)
        head = chain[0]
        if not isinstance(head, State):
            return self.item(head) if len(chain) == 1 else py.seq("(", [self.item(x) for x in chain], ")")
        key = _key(t)
        if key in self.chains:  # one state's rule and Default may share a chain: one name
            return py.Atom(self.chains[key])
        exprs = [self.item(x) for x in chain]  # nested targets are placed first
        expr = exprs[0] if len(exprs) == 1 else py.seq("(", exprs, ")")
        if self.uses.get(key, 0) <= 1 and py.width(expr, INLINE) <= INLINE:
            return expr
        ident = self.chains[key] = self.identifier(head.name)
        self.hoisted.append((ident, expr))
        return py.Atom(ident)

    def identifier(self, state_name: str) -> str:
        base = _snake(state_name) or "state"
        if base[0].isdigit():
            base = "state_" + base
        if base in _RESERVED or hasattr(flowdsl, base) or hasattr(flowdsl.conditions, base) or \
                base in _BUILTINS:
            base += "_state"
        ident, n = base, 2
        while ident in self.used_names:
            ident, n = f"{base}_{n}", n + 1
        self.used_names.add(ident)
        return ident

    # values -----------------------------------------------------------------------------
    def value(self, v: Any) -> py.Expr:
        if v is None or isinstance(v, bool):
            return py.Atom(repr(v))
        if isinstance(v, (int, float)):
            return py.Atom(py.number(v))
        if isinstance(v, str):
            return py.Atom(py.string(v))
        if isinstance(v, _Null):
            return py.Atom(self.need(flowdsl.DISCARD, "DISCARD"))
        if isinstance(v, Var):
            return py.call(self.need(flowdsl.var, "var"), [py.Atom(py.string(v.name))])
        if isinstance(v, Join):
            return py.call(self.need(flowdsl.join, "join"), [self.value(p) for p in v.parts])
        if isinstance(v, DataAttr) and v in _DATA.values():
            name = next(n for n in ("PARTITION", "REGION", "ACCOUNT_ID") if getattr(flowdsl, n) == v)
            return py.Atom(self.need(v, name))
        if isinstance(v, dict):
            return py.mapping([(py.Atom(py.string(k)), self.value(x)) for k, x in v.items()])
        if isinstance(v, list):
            return py.seq("[", [self.value(x) for x in v], "]")
        if isinstance(v, Comparison):
            builder = _snake(v.operator)
            fn = getattr(flowdsl.conditions, builder)
            return py.call(self.need(fn, builder), [py.Atom(py.string(v.variable)), self.value(v.value)])
        if isinstance(v, (And, Or)):
            name = _BUILDERS[type(v)]
            return py.call(self.need(getattr(flowdsl.conditions, name), name),
                           [self.value(c) for c in v.conditions])
        if isinstance(v, Not):
            return py.call(self.need(flowdsl.conditions.not_, "not_"), [self.value(v.condition)])
        if isinstance(v, Condition):
            return py.call(self.need(Condition), [self.value(v.expression)])
        if isinstance(v, Ref):
            raise CodegenError(f"cannot write the reference {v!r} as Python")
        if attrs.has(type(v)):
            return self.obj(v)
        raise CodegenError(f"cannot write a {type(v).__name__} as Python")


def _named_call(group: py.Group) -> str | None:
    """The name a call such as ``Parallel("Fan out", ...)`` gives its object, if any."""
    first = group.items[0] if group.items else None
    if group.open.endswith("(") and isinstance(first, py.Atom) and first.text[:1] in "\"'":
        try:
            value = ast.literal_eval(first.text)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    return None


def _key(target: Any) -> tuple[int, ...]:
    return tuple(id(x) for x in (target if isinstance(target, tuple) else (target,)))


def _isort_key(name: str) -> tuple[int, str]:
    """isort's order within one import: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name.lower() if kind == 2 else name


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


__all__ = ["CodegenError", "generate", "generate_file", "partition_of", "workflow_name",
           "write_new"]
