"""The ``flowdsl`` command: a thin layer that parses arguments, calls the library, prints
diagnostics, and picks the exit status. Library modules are imported per command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Author AWS Step Functions job pipelines in Python; compile them to ASL and Terraform.",
    pretty_exceptions_enable=False,
)


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(1)


def _is_asl(path: str) -> bool:
    return path.endswith(".json")


@app.command(epilog="Example: flowdsl build workflows/fibonacci.py --out build/")
def build(
    paths: list[str] = typer.Argument(..., help="Workflow files (.py).", metavar="PATH..."),
    out: Path = typer.Option(Path("build"), "--out", "-o", help="Output folder."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the output is stale."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to build, when a file defines several."),
) -> None:
    """Check workflows and write build/<name>/: the ASL definition and a Terraform module."""
    from flowdsl.build import build as build_one
    from flowdsl.build import stale, write
    from flowdsl.errors import CompileError, FlowError
    from flowdsl.loader import load_workflows, pick

    artifacts, errors = [], []
    for path in paths:
        try:
            if _is_asl(path):
                raise FlowError(f"{path}: build takes workflow files (.py); use 'flowdsl validate' "
                                "for ASL documents")
            workflow = pick(load_workflows(path), path, name)
            artifacts.append(build_one(workflow))
        except CompileError as e:
            errors += [d.render() for d in e.diagnostics]
        except FlowError as e:
            errors.append(str(e))
    names = [a.name for a in artifacts]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"two workflows are named {dup!r}; they would write the same build/{dup}/")
    if errors:
        _fail(errors + [f"error: {len(errors)} problem(s); nothing was written"])
    if check:
        problems = stale(artifacts, out)
        if problems:
            _fail(problems + [f"{out} is stale: run 'flowdsl build {' '.join(paths)}'"])
        typer.echo(f"{out} is up to date ({len(artifacts)} workflow(s))")
        return
    for target in write(artifacts, out):
        typer.echo(f"wrote {target}/")


@app.command(epilog="Examples: flowdsl validate workflows/fibonacci.py\n\n"
             "flowdsl validate state-machine.asl.json")
def validate(
    path: str = typer.Argument(..., help="A workflow file (.py) or an ASL document (.json)."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to check, when a file defines several."),
) -> None:
    """Check a workflow or an ASL document and report every problem, with its path."""
    from flowdsl.errors import FlowError

    try:
        if _is_asl(path):
            diagnostics, summary = _validate_asl(path)
        else:
            from flowdsl.build import check
            from flowdsl.loader import load_workflows, pick

            workflow = pick(load_workflows(path), path, name)
            compiled, diagnostics = check(workflow)
            summary = f"{path}: workflow {workflow.name!r} is valid"
    except FlowError as e:
        _fail([str(e)])
    if diagnostics:
        _fail([d.render() for d in diagnostics] + [f"error: {len(diagnostics)} problem(s)"])
    typer.echo(summary)


def _validate_asl(path: str) -> tuple[list[Any], str]:
    from flowdsl.errors import Diagnostic
    from flowdsl.load import import_definition, read_json
    from flowdsl.validate import validate as validate_doc

    doc, diagnostics = read_json(path)
    diagnostics = diagnostics + validate_doc(doc, {"$": path})
    if not diagnostics:
        try:
            import_definition(doc)
        except Exception as e:  # a valid document must import; say so instead of crashing
            diagnostics.append(Diagnostic("import", "$", f"cannot import into the model: {e}", path))
    return diagnostics, f"{path}: valid ASL"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
