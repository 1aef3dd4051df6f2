"""The bodies of ``flowdsl build`` and ``flowdsl validate``, and how every command prints: plain
functions of the parsed arguments, with no command-line library, so the start of the common
commands costs only what they do. Both parsers call them: the typer app
(:mod:`flowdsl.cli_typer`, every command and its help) and the entry point's short path for
these two verbs (:mod:`flowdsl.cli`). Library modules are imported per command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn, Optional


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print a line (to stderr with ``err``), as ``click.echo`` prints text."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + ("\n" if nl else ""))
    stream.flush()


def fail(lines: list[str]) -> NoReturn:
    """Print ``lines`` to stderr and exit with status 1."""
    for line in lines:
        echo(line, err=True)
    raise SystemExit(1)


def is_asl(path: str) -> bool:
    return path.endswith(".json")


def build(paths: list[str], out: Path, check: bool, name: Optional[str], verbose: bool,
          follow_symlinks: bool = False) -> None:
    """Check workflows and write build/<name>/: the ASL definition and a Terraform module."""
    from flowdsl.build import build as build_one
    from flowdsl.build import stale, write
    from flowdsl.errors import CompileError, FlowError
    from flowdsl.explain import render
    from flowdsl.loader import load_folder, load_workflows, pick

    artifacts, errors, lines = [], [], []
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
            for workflow in workflows:
                try:
                    artifacts.append(build_one(workflow))
                    for note in artifacts[-1].notes:
                        echo(note, err=True)
                except CompileError as e:
                    errors += e.diagnostics
                    lines += render(e.diagnostics, e.document, verbose)
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
    if errors:
        fail(lines + [f"error: {len(errors)} problem(s); nothing was written"])
    if check:
        problems = stale(artifacts, out, follow_symlinks=follow_symlinks)
        if problems:
            fail(problems + [f"{out} is stale: run 'flowdsl build {' '.join(paths)}'"])
        echo(f"{out} is up to date ({len(artifacts)} workflow(s))")
        return
    try:
        written = write(artifacts, out, follow_symlinks=follow_symlinks)
    except FlowError as e:
        fail([f"error: {e}"])
    for target in written:
        echo(f"wrote {target}/")


def validate(path: str, name: Optional[str], verbose: bool) -> None:
    """Check a workflow or an ASL document and report every problem, with its path."""
    from flowdsl.errors import FlowError
    from flowdsl.explain import render

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
        fail([str(e)])
    if diagnostics:
        fail(render(diagnostics, document, verbose) + [f"error: {len(diagnostics)} problem(s)"])
    echo(summary)


def _validate_asl(path: str) -> tuple[list[Any], str, Any]:
    from flowdsl.asl_to_model import read_asl

    doc, diagnostics = read_asl(path)
    return diagnostics, f"{path}: valid ASL", doc
