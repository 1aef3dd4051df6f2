"""The workflow's variables (its Terraform module inputs): declarations, and every ``var()``
the workflow uses, checked once, over the model, before anything is rendered.

Each undeclared ``var()`` is one diagnostic, at the line of that ``var()`` call, with its path:
in the state graph, the path in the compiled ASL; elsewhere (the deployment, the resources a
task brings, such as a job definition), the path in the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from flowdsl.errors import Diagnostic, FlowError, did_you_mean, nearest_source
from flowdsl.refs import Ref, Validation, Var, Variable
from flowdsl.placeholders import refs_with_paths
from flowdsl.states import State, Workflow, iter_states
from flowdsl.strict_json import JsonValueError, check_value, loads
from flowdsl.terraform_expr import TF_IDENT

__all__ = ["TERRAFORM_RESERVED", "check_variables", "parse_assignments", "variable_uses"]

# Names Terraform reserves for the arguments and blocks of a module call, so a module cannot
# declare them as inputs ("Invalid variable name ... reserved due to its special meaning inside
# module blocks"); ignore_nested_deprecations is reserved from Terraform 1.12 on.
TERRAFORM_RESERVED = ("source", "version", "count", "for_each", "depends_on", "providers",
                      "ignore_nested_deprecations", "_", "lifecycle", "locals", "provider")

# Model classes whose references the compiled ASL already holds (the states and their parts).
_ASL_MODULES = ("flowdsl.states", "flowdsl.conditions")


def check_variables(workflow: Workflow, definition: Any, sources: Mapping[str, str]) -> list[Diagnostic]:
    """Problems with the declarations, and one diagnostic per use of an undeclared variable.
    ``definition`` is the compiled ASL and ``sources`` maps its paths to ``file:line``."""
    out: list[Diagnostic] = []
    declared: set[str] = set()
    for v in workflow.variables:
        if not TF_IDENT.fullmatch(v.name):
            out.append(Diagnostic("bad-variable", f"variables.{v.name}",
                                  f"{v.name!r} is not a valid Terraform variable name", workflow.source))
        elif v.name in TERRAFORM_RESERVED:
            out.append(Diagnostic("reserved-variable", f"variables.{v.name}",
                                  f"{v.name!r} cannot name a variable: Terraform reserves it for module "
                                  "blocks (source, version, count, for_each, depends_on, providers, "
                                  "lifecycle, locals, provider, _), where the module's inputs are set",
                                  workflow.source))
        if v.default is not None:
            try:
                check_value(v.default, "its default")
            except JsonValueError as e:
                out.append(Diagnostic("bad-variable", f"variables.{v.name}.default",
                                      f"variable {v.name!r}: {e}", workflow.source))
        out += _check_declaration(v, workflow.source)
        if v.name in declared:
            out.append(Diagnostic("duplicate-variable", f"variables.{v.name}",
                                  f"variable {v.name!r} is declared twice", workflow.source))
        declared.add(v.name)
    known = ", ".join(sorted(declared)) or "none"
    for path, ref, source in _uses(workflow, definition):
        if ref.name not in declared:
            out.append(Diagnostic("undeclared-variable", str(path),
                                  f"var({ref.name!r}) is not declared in the workflow's variables "
                                  f"(declared: {known}){did_you_mean(ref.name, declared).hint}",
                                  ref.source or _where(path, source, sources, workflow)))
    return out


# The variable types each rule can test.
_RULE_TYPES = {"between": ("number",), "regex": ("string",),
               "length": ("string", "list(string)", "map(string)")}


def _check_declaration(v: Variable, source: str | None) -> list[Diagnostic]:
    """A declaration Terraform would refuse, or whose default its own rules refuse."""
    out: list[Diagnostic] = []
    path = f"variables.{v.name}"
    if v.optional and v.default is None and v.nullable is False:
        out.append(Diagnostic("bad-variable", f"{path}.nullable",
                              f"variable {v.name!r}: optional=True defaults it to null, which "
                              "nullable=False forbids; give it a default instead", source))
    for i, rule in enumerate(v.validation):
        here = f"{path}.validation[{i}]"
        if isinstance(rule, Validation):
            if not re.search(rf"\bvar\.{re.escape(v.name)}\b", rule.condition):
                out.append(Diagnostic("bad-validation", here,
                                      f"variable {v.name!r}: the condition {rule.condition!r} "
                                      f"must refer to var.{v.name}", source))
            if not rule.error_message.strip():
                out.append(Diagnostic("bad-validation", here,
                                      f"variable {v.name!r}: the validation needs an error "
                                      "message", source))
            continue
        types = _RULE_TYPES.get(rule.kind)
        if types is not None and v.type not in (*types, "any"):
            out.append(Diagnostic("bad-validation", here,
                                  f"variable {v.name!r} is of type {v.type}; {rule.message(v.name, v.type)!r} "
                                  f"tests a {' or '.join(types)}", source))
            continue
        if rule.kind == "regex":
            try:
                re.compile(rule.args[0])
            except re.error as e:
                out.append(Diagnostic("bad-validation", here,
                                      f"variable {v.name!r}: {rule.args[0]!r} is not a regular "
                                      f"expression ({e})", source))
                continue
        if v.default is not None and rule.accepts(v.default) is False:
            out.append(Diagnostic("bad-variable", f"{path}.default",
                                  f"variable {v.name!r}: its default {v.default!r} fails its own "
                                  f"validation: {rule.message(v.name, v.type)}", source))
    return out


def variable_uses(workflow: Workflow, definition: Any,
                  sources: Mapping[str, str]) -> list[tuple[str, Var, str | None]]:
    """Every ``var()`` the workflow uses: (path, the reference, file:line)."""
    return [(str(path), ref, _where(path, source, sources, workflow))
            for path, ref, source in _uses(workflow, definition)]


_IN_DEFINITION = object()  # a use in the compiled definition: its file:line is looked up


def _where(path: Any, source: Any, sources: Mapping[str, str], workflow: Workflow) -> str | None:
    return _source_for(path, sources, workflow) if source is _IN_DEFINITION else source


def _uses(workflow: Workflow, definition: Any) -> list[tuple[Any, Var, Any]]:
    """Every ``var()`` the workflow uses: (path, the reference, file:line). A use in the
    definition has a DocPath for its path and :data:`_IN_DEFINITION` for its file:line: the
    path's text and the file:line (each a walk as long as the path) are made only for a use
    that is reported."""
    uses: list[tuple[Any, Var, Any]] = []
    for path, ref in refs_with_paths(definition, "$"):
        if isinstance(ref, Var):
            uses.append((path, ref, _IN_DEFINITION))
    if workflow.deployment is not None:
        _walk(workflow.deployment, "deployment", workflow.source, uses)
    seen: set[int] = set()
    for st in iter_states(workflow.states):
        for name in _field_names(type(st)):
            value = getattr(st, name)
            if type(value) not in _PLAIN and _brought_resource(value) and id(value) not in seen:
                seen.add(id(value))
                _walk(value, f"states.{st.name}.{name}", st.source, uses)
    return uses


_PLAIN = frozenset({type(None), str, int, float, bool, tuple, list, dict})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        # Fields written to ASL keys are in the compiled definition already.
        names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls)
                                          if not f.metadata.get("source") and "asl" not in f.metadata)
    return names


def _brought_resource(value: Any) -> bool:
    """An object a state refers to that is not part of its ASL (a job definition, ...)."""
    return (attrs.has(type(value)) and not isinstance(value, (State, Ref))
            and not type(value).__module__.startswith(_ASL_MODULES))


def _walk(value: Any, path: str, source: str | None, out: list[tuple[str, Var, str | None]]) -> None:
    if isinstance(value, Ref):
        out.extend((path, leaf, source) for leaf in value.leaves() if isinstance(leaf, Var))
    elif attrs.has(type(value)):
        source = getattr(value, "source", None) or source
        for f in attrs.fields(type(value)):
            if not f.metadata.get("source"):
                _walk(getattr(value, f.name), f"{path}.{f.name}", source, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{path}.{k}", source, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]", source, out)


def _source_for(path: Any, sources: Mapping[str, str], workflow: Workflow) -> str | None:
    return nearest_source(sources, path, top=None) or workflow.source


def parse_assignments(items: Iterable[str], option: str = "--var") -> dict[str, Any]:
    """Values given as ``NAME=VALUE`` (what ``--var`` takes), by name: VALUE is read as JSON
    (strictly, as every JSON flowdsl reads) when it is JSON, else it is the text itself. The
    one reader of ``--var``, for every command and the test kit."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise FlowError(f"{option} {item!r}: expected NAME=VALUE")
        try:
            out[key] = loads(text, f"{option} {key}")
        except JsonValueError:
            out[key] = text  # not JSON: the text itself
    return out
