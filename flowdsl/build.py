"""Check a workflow and produce its output files; write them atomically, or check them."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flowdsl import typecheck
from flowdsl.asl import Compiled, compile_workflow
from flowdsl.errors import CompileError, Diagnostic, FlowError
from flowdsl.frozen import frozen
from flowdsl.placeholders import dumps, to_template
from flowdsl.states import Workflow
from flowdsl.tasks.narrowing import problems as narrowing_problems
from flowdsl.tasks.policy import narrowed
from flowdsl.deployments import kind_of, load_all
from flowdsl.terraform import assemble, check_module, permission_warnings, render_files
from flowdsl.validate import validate
from flowdsl.variables import check_variables
from flowdsl.vocabulary import is_state_machine_name


@frozen
class Artifacts:
    """One workflow's output: file name (relative to ``build/<name>/``) -> text."""

    name: str
    files: dict[str, str]
    warnings: tuple[Diagnostic, ...] = ()  # what `flowdsl build` prints, without failing
    # what the build reports beside the files (what derived_permissions=False left out)
    notes: tuple[str, ...] = ()
    # the --var names and reference addresses the rendered definition could take
    takes: frozenset[str] = frozenset()


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Compiling builds only acyclic dicts and lists, so the cyclic collector finds nothing;
    on a 10,000-state workflow its full passes cost a third of the time. Pause it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(workflow: Workflow) -> tuple[Compiled, list[Diagnostic]]:
    """Compile and validate; every diagnostic, from every pass."""
    compiled, diagnostics, _ = _check(workflow)
    return compiled, diagnostics


def _check(workflow: Workflow) -> tuple[Compiled, list[Diagnostic], Any]:
    """Compile, validate and assemble the Terraform module (None without a deployment)."""
    from flowdsl.deep_stack import call

    with _no_cycle_collection():
        return call(_check_all, workflow)  # deep nesting is walked, not a RecursionError


def _check_all(workflow: Workflow) -> tuple[Compiled, list[Diagnostic], Any]:
    compiled = compile_workflow(workflow)
    diags = list(compiled.diagnostics)
    if not is_state_machine_name(workflow.name):
        diags.append(Diagnostic("bad-name", "name",
                                f"workflow name {workflow.name!r} must be 1-80 letters, digits, "
                                "'-' or '_' (it names the output folder and resources)",
                                workflow.source))
    diags += validate(compiled.definition, compiled.sources)
    # Variables on the model, before the Terraform module is assembled: each undeclared var()
    # is one diagnostic, at the line that uses it.
    diags += check_variables(workflow, compiled.definition, compiled.sources)
    diags += narrowing_problems(workflow)  # a derived_permissions= name that matches nothing
    diags += typecheck.check(workflow, compiled, kind_of(workflow.deployment))  # declared shapes only
    module = None
    if workflow.deployment is not None:
        if kind_of(workflow.deployment) is None:
            load_all()  # kinds load on first use; an unknown one is reported against them all
        module = assemble(workflow, compiled)
        diags += check_module(workflow, module)
    return compiled, _dedupe(diags), module


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for d in diags:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def build(workflow: Workflow, values: Mapping[str, Any] | None = None) -> Artifacts:
    """All output files of a workflow; raises CompileError with every diagnostic. With
    ``values`` (``--var``: by variable name, or by a reference's address), also
    ``<name>.rendered.asl.json`` (:func:`render_definition`)."""
    from flowdsl.deep_stack import call

    return call(_build, workflow, values)  # deep nesting is walked, not a RecursionError


def _build(workflow: Workflow, values: Mapping[str, Any] | None) -> Artifacts:
    compiled, diags, module = _check(workflow)
    if diags:
        raise CompileError(diags, compiled.definition)
    files = {f"{workflow.name}.asl.json": dumps(to_template(compiled.definition))}
    takes: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    if values is not None:
        from flowdsl.output import RENDERED

        rendered = workflow.name + RENDERED
        files[rendered], takes, kept = render_definition(workflow, compiled.definition, values)
        if kept:
            notes = (f"note: {rendered} keeps {', '.join('${' + a + '}' for a in kept)} for Terraform "
                     "to fill in; --var ADDRESS=VALUE sets one",)
    if module is not None:
        files.update(render_files(module))
        notes += tuple(narrowed(workflow))
    return Artifacts(workflow.name, files, tuple(permission_warnings(workflow)), notes, takes)


class MissingValues(FlowError):
    """A variable the rendered definition uses has no value; ``takes`` as render_definition's."""

    def __init__(self, message: str, takes: frozenset[str]) -> None:
        super().__init__(message)
        self.takes = takes


def render_definition(workflow: Workflow, definition: Any,
                      values: Mapping[str, Any]) -> tuple[str, frozenset[str], list[str]]:
    """(the compiled definition with values filled in, as a file's text; the names of
    ``values`` it could take; the addresses of the references it keeps). Each variable takes its value from ``values`` (``NAME`` or
    ``var.NAME``), else its default; a variable the definition uses with neither is a
    :class:`FlowError`. Any other reference (the partition, a resource the module creates) takes
    the value given for its address, else it stays in Terraform template syntax
    (``${data.aws_partition.current.partition}``), and only then is literal text escaped as
    templates need. Names of ``values`` the workflow does not take are ignored here: the caller
    checks them against every workflow it builds."""
    from flowdsl.placeholders import escape, iter_refs, resolve, template, walk
    from flowdsl.refs import Join, Var
    from flowdsl.strict_json import JsonValueError, check_value

    declared = {v.name: v for v in workflow.variables}
    used = list(iter_refs(definition))
    addresses = {r.address for r in used if not isinstance(r, Var)}
    given: dict[str, Any] = {}
    for key, value in values.items():
        bare = key[4:] if key.startswith("var.") else key
        if bare in declared:
            given[f"var.{bare}"] = value
        elif key in addresses:
            given[key] = value
    for name, v in declared.items():
        if f"var.{name}" not in given and v.default is not None:
            given[f"var.{name}"] = v.default
    takes = frozenset(declared) | addresses
    missing = sorted({r.name for r in used if isinstance(r, Var) and r.address not in given})
    if missing:
        raise MissingValues(f"workflow {workflow.name!r}: no value for variable(s) {', '.join(missing)}: "
                            "give them with --var NAME=VALUE", takes)
    for address, value in given.items():
        try:
            check_value(value, f"the value of {address}")
        except JsonValueError as e:
            raise FlowError(str(e)) from None
    kept = sorted({r.address for r in used if r.address not in given})
    if not kept:
        return dumps(resolve(definition, given)), takes, kept

    def partly(ref: Any) -> Any:
        if not isinstance(ref, Join):
            if ref.address not in given:
                return template(ref)
            value = given[ref.address]
            return escape(value) if isinstance(value, str) else value
        parts = [p if isinstance(p, str) or p.address not in given else str(given[p.address])
                 for p in ref.parts]
        return template(Join(tuple(parts)))

    return dumps(walk(definition, partly, escape)), takes, kept


def write(artifacts: Iterable[Artifacts], out_dir: str | Path, *, follow_symlinks: bool = False,
          warn: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``out_dir/<name>/`` for each workflow: flowdsl's files only, all or nothing
    (see :mod:`flowdsl.output` for the policy; ``follow_symlinks`` lets a ``<name>`` that is
    a symbolic link be written through, ``warn`` gets each ignored manifest's line)."""
    from flowdsl.output import write as write_output

    return write_output(artifacts, out_dir, follow_symlinks=follow_symlinks, warn=warn)


def stale(artifacts: Iterable[Artifacts], out_dir: str | Path, *, follow_symlinks: bool = False) -> list[str]:
    """What ``flowdsl build`` would change in ``out_dir``; empty when up to date."""
    from flowdsl.output import stale as stale_output

    return stale_output(artifacts, out_dir, follow_symlinks=follow_symlinks)
