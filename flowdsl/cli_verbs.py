"""The bodies of ``flowdsl build`` and ``flowdsl validate``, and how every command prints: plain
functions of the parsed arguments, with no command-line library, so the start of the common
commands costs only what they do. Both parsers call them: the typer app
(:mod:`flowdsl.cli_typer`, every command and its help) and the entry point's short path for
these two verbs (:mod:`flowdsl.cli`). Library modules are imported per command.

Exit status, for every command: 0 done; 1 the input is wrong (diagnostics, a file that cannot be
read, a bad value) or, for ``run``, the execution failed; 2 the command line is not one the
command takes (an unknown option, a missing argument, a value outside an option's choices,
options that exclude each other); typer reports those, with the usage line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn, Optional


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print a line (to stderr with ``err``), as ``click.echo`` prints text."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + ("\n" if nl else ""))
    stream.flush()


VERSION_FLAGS = ("--version", "-V")
INPUT_ERROR, USAGE_ERROR = 1, 2  # the exit statuses (above); typer's usage errors exit 2


def fail(lines: list[str]) -> NoReturn:
    """Print ``lines`` to stderr and exit with status 1: the input is wrong."""
    for line in lines:
        echo(line, err=True)
    raise SystemExit(INPUT_ERROR)


def version() -> str:
    """``flowdsl X.Y.Z``, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return f"flowdsl {installed('flowdsl')}"
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "flowdsl (not installed: no version)"


def is_asl(path: str) -> bool:
    return path.endswith(".json")


def build(paths: list[str], out: Path, check: bool, name: Optional[str], verbose: bool,
          follow_symlinks: bool = False, var: Optional[list[str]] = None) -> None:
    """Check workflows and write build/<name>/: the ASL definition and a Terraform module; with
    ``var`` (``--var NAME=VALUE``...), also the definition with those values filled in."""
    from flowdsl.build import MissingValues, stale, write
    from flowdsl.build import build as build_one
    from flowdsl.errors import CompileError, FlowError
    from flowdsl.explain import render
    from flowdsl.loader import load_folder, load_workflows, pick

    values = None
    if var:
        from flowdsl.variables import parse_assignments

        try:
            values = parse_assignments(var, "--var")
        except FlowError as e:
            fail([f"error: {e}"])
    artifacts, errors, lines = [], [], []
    takes: list[frozenset[str]] = []  # what each workflow rendered could take of --var
    found: list[str] = []  # the workflows' names
    for path in paths:
        try:
            if is_asl(path):
                raise FlowError(f"{path}: build takes workflow files (.py); use 'flowdsl validate' "
                                "for ASL documents")
            if Path(path).is_dir():  # every workflow file under the folder
                workflows = load_folder(path)
                if name is not None:
                    workflows = [pick({w.name: w for w in workflows}, path, name)]
            else:
                workflows = [pick(load_workflows(path), path, name)]
            found += [w.name for w in workflows]
            for workflow in workflows:
                try:
                    artifacts.append(build_one(workflow, values))
                    takes.append(artifacts[-1].takes)
                    for note in artifacts[-1].notes:
                        echo(note, err=True)
                except CompileError as e:
                    errors += e.diagnostics
                    lines += render(e.diagnostics, e.document, verbose)
                except MissingValues as e:
                    takes.append(e.takes)
                    errors.append(str(e))
                    lines.append(str(e))
        except CompileError as e:
            errors += e.diagnostics
            lines += render(e.diagnostics, e.document, verbose)
        except FlowError as e:
            errors.append(str(e))
            lines.append(str(e))
    for warning in (w for a in artifacts for w in a.warnings):
        echo(f"warning: {warning.render()}", err=True)
    names = [a.name for a in artifacts]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"two workflows are named {dup!r}; they would write the same build/{dup}/")
        lines.append(errors[-1])
    if values is not None and takes and len(takes) == len(found):  # each workflow got to its values
        unknown = _unknown_values(values, takes, found[0] if len(found) == 1 else None)
        errors += unknown
        lines += [f"error: {e}" for e in unknown]
    if errors:
        fail(lines + [f"error: {len(errors)} problem(s); nothing was written"])
    if check:
        problems = stale(artifacts, out, follow_symlinks=follow_symlinks)
        if problems:
            import shlex

            again = " ".join(paths + [f"--var {shlex.quote(v)}" for v in var or ()])
            fail(problems + [f"{out} is stale: run 'flowdsl build {again}'"])
        echo(f"{out} is up to date ({len(artifacts)} workflow(s))")
        return
    try:
        written = write(artifacts, out, follow_symlinks=follow_symlinks)
    except FlowError as e:
        fail([f"error: {e}"])
    for target in written:
        echo(f"wrote {target}/")


def _unknown_values(values: dict[str, Any], each: list[frozenset[str]], only: Optional[str]) -> list[str]:
    """A line for each ``--var`` name that no workflow built takes (``each``: what each one
    takes; ``only``: the name of the one workflow built), with a did-you-mean."""
    from flowdsl.errors import did_you_mean

    takes = set().union(*each)
    variables = sorted(n for n in takes if "." not in n)
    out = []
    for key in values:
        bare = key[4:] if key.startswith("var.") else key
        if bare not in takes:
            whose = (f"the workflow {only!r} has no such variable", "its") if only is not None else \
                ("no workflow built has such a variable", "their")
            out.append(f"--var {bare!r}: {whose[0]}{did_you_mean(bare, takes, ignore_case=False).aside}; "
                       f"{whose[1]} variables: {', '.join(variables) or 'none'}")
    return out


def validate(paths: list[str], name: Optional[str], verbose: bool) -> None:
    """Check workflows or ASL documents and report every problem, with its path; a file that
    cannot be checked (missing, not a workflow) is an ``error:`` line naming it."""
    from flowdsl.errors import FlowError
    from flowdsl.explain import render

    lines: list[str] = []
    summaries: list[str] = []
    problems = diagnosed = 0
    for path in paths:
        try:
            if is_asl(path):
                diagnostics, summary, document = _validate_asl(path)
            else:
                from flowdsl.build import check
                from flowdsl.loader import load_workflows, pick

                workflow = pick(load_workflows(path), path, name)
                compiled, diagnostics = check(workflow)
                summary, document = f"{path}: workflow {workflow.name!r} is valid", compiled.definition
        except FlowError as e:
            lines.append(f"error: {e}")
            problems += 1
            continue
        if diagnostics:
            lines += render(diagnostics, document, verbose)
            problems += len(diagnostics)
            diagnosed += len(diagnostics)
        else:
            summaries.append(summary)
    for summary in summaries:
        echo(summary)
    if problems:
        # one unreadable file is its own line; diagnostics, or several files, get a count
        fail(lines + ([f"error: {problems} problem(s)"] if diagnosed or len(lines) > 1 else []))


def _validate_asl(path: str) -> tuple[list[Any], str, Any]:
    from flowdsl.asl_to_model import read_asl

    doc, diagnostics = read_asl(path)
    return diagnostics, f"{path}: valid ASL", doc
