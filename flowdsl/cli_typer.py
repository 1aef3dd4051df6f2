"""The ``flowdsl`` commands as a typer app: every command's parameters and help, parsed by typer,
calling the library, printing diagnostics and picking the exit status. The entry point
(:mod:`flowdsl.cli`) hands it every command line but the common ``build`` and ``validate``
ones, whose bodies (:mod:`flowdsl.cli_verbs`) both share. Library modules are imported per
command."""

from __future__ import annotations

import copy
import enum
import functools
import inspect
import sys
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from flowdsl import cli_verbs

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Author AWS Step Functions job pipelines in Python; compile them to ASL and Terraform.",
    epilog="Exit status: 0 done; 1 the input is wrong (or a run failed); 2 a usage error.",
    pretty_exceptions_enable=False,
)


_fail = cli_verbs.fail


def _usage(message: str) -> NoReturn:
    """A command line the command does not take: typer prints the usage line and ``message``,
    and exits 2, as for an unknown option."""
    from typer._click.exceptions import UsageError  # typer's own click (pinned below 0.29)
    from typer._click.globals import get_current_context

    raise UsageError(message, get_current_context(silent=True))


def _choice(name: str, values: Any) -> Any:
    """An option's choices, as typer takes them (a value outside them exits 2)."""
    return enum.Enum(name, {v: v for v in values}, type=str)


def _version(given: bool) -> None:
    if given:
        typer.echo(cli_verbs.version())
        raise typer.Exit()


@app.callback()
def _flowdsl(version: bool = typer.Option(False, *cli_verbs.VERSION_FLAGS, callback=_version, is_eager=True,
                                          help="Print flowdsl's version and exit.")) -> None:
    """Author AWS Step Functions job pipelines in Python; compile them to ASL and Terraform."""


@app.command(epilog="Example: flowdsl build workflows/fibonacci.py --out build/")
def build(
    paths: list[str] = typer.Argument(..., help="Workflow files (.py), or folders: every workflow "
                                      "file under them.", metavar="PATH..."),
    out: Path = typer.Option(Path("build"), "--out", "-o", help="Output folder."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the output is stale."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to build, when a file defines several."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the offending value under each problem."),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks",
                                         help="Build into <out>/<name> also when it is a symbolic link "
                                         "(into the folder it points to); refused otherwise."),
    var: list[str] = typer.Option([], "--var", help="A variable's value, NAME=VALUE (VALUE may be JSON); "
                                  "repeatable. Also writes <name>.rendered.asl.json, the definition "
                                  "with the values filled in."),
) -> None:
    """Check workflows and write build/<name>/: the ASL definition and a Terraform module."""
    cli_verbs.build(paths, out, check, name, verbose, follow_symlinks, var)


@app.command(epilog="Examples: flowdsl validate workflows/fibonacci.py\n\n"
             "flowdsl validate state-machine.asl.json workflows/*.py")
def validate(
    paths: list[str] = typer.Argument(..., help="Workflow files (.py) or ASL documents (.json).",
                                      metavar="PATH..."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to check, when a file defines several."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the offending value under each problem."),
) -> None:
    """Check workflows or ASL documents and report every problem, with its path."""
    cli_verbs.validate(paths, name, verbose)


@app.command("import", epilog="Example: flowdsl import orders.asl.json --out workflows/orders.py")
def import_(
    path: str = typer.Argument(..., help="An ASL document (.json)."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow's name (default: the file's)."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="The file to write (default: "
                                      "workflows/<name>.py); '-' prints it."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the offending value under each problem."),
) -> None:
    """Turn an ASL definition into a flowdsl workflow file that builds the same definition."""
    from flowdsl.codegen import generate_file, write_new
    from flowdsl.errors import CompileError, FlowError
    from flowdsl.explain import render

    try:
        name, text = generate_file(path, name)
        if out == "-":
            typer.echo(text, nl=False)
            return
        target = write_new(out or f"workflows/{name.replace('-', '_')}.py", text, force)
    except CompileError as e:
        lines = render(e.diagnostics, e.document, verbose)
        _fail(lines + [f"error: {len(e.diagnostics)} problem(s); nothing was written"])
    except FlowError as e:
        _fail([f"error: {e}"])
    typer.echo(f"wrote {target} (build it with: flowdsl build {target})")


class _KindOptions:
    """A command callback whose parameters are ``func``'s, completed from the deployment kinds'
    registry by ``complete(parameters)``. typer asks for them only when it builds the command,
    so the kinds load for the commands that need them, not for every command."""

    def __init__(self, func: Any, complete: Any) -> None:
        self.func, self.complete = func, complete
        self.__name__, self.__qualname__, self.__doc__ = func.__name__, func.__qualname__, func.__doc__
        self.__module__ = func.__module__
        self.__annotations__: dict[str, Any] = {}  # the signature's annotations are the types

    @property
    def __signature__(self) -> inspect.Signature:
        from flowdsl.deployments import kinds

        kinds()
        signature = inspect.signature(self.func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        return signature.replace(parameters=self.complete(own))

    def __call__(self, **kwargs: Any) -> Any:
        return self.func(**kwargs)


def _with_local_run_options(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """After the path: each kind's local-run option (``flowdsl.deployments.LocalOption``)."""
    from flowdsl.deployments import local_options

    extra = []
    for option in local_options().values():
        names = [option.flag] + ([option.short] if option.short else [])
        if option.takes == "flag":
            default, annotation = typer.Option(False, *names, help=option.help), bool
        else:
            told = "FILE, or - for stdin" if option.takes == "file" else "@FILE reads it from a file, @- from stdin"
            default = typer.Option(None, *names, help=f"{option.help.rstrip('.')} ({told}).",
                                   metavar="FILE" if option.takes == "file" else "TEXT")
            annotation = Optional[str]
        extra.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                       annotation=annotation))
    rest = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters[1:]]
    return parameters[:1] + extra + rest


def _local_run_command(func: Any) -> Any:
    return _KindOptions(func, _with_local_run_options)


OUTPUTS = ("human", "json")  # what `flowdsl run` prints on stdout
_Output = _choice("Output", OUTPUTS)


@app.command(epilog="Examples: flowdsl run workflows/fibonacci.py --message '{\"n\": 10}'\n\n"
             "flowdsl run workflows/fibonacci.py --message '{\"n\": 10}' --output json | jq .\n\n"
             "flowdsl run workflows/fibonacci.py --message '{\"n\": 10}' --mocks mocks.json "
             "--test-case BatchFails\n\n"
             "flowdsl run build/fibonacci/fibonacci.asl.json --input @input.json --mocks mocks.json "
             "--test-case HappyPath")
@_local_run_command
def run(
    path: str = typer.Argument(..., help="A workflow file (.py) or an ASL document (.json)."),
    input_: Optional[str] = typer.Option(None, "--input", "-i", help="The raw execution input (JSON; @FILE "
                                         "reads it from a file, @- from stdin)."),
    mocks: Optional[Path] = typer.Option(None, "--mocks", help="A Step Functions Local mock config file."),
    test_case: Optional[str] = typer.Option(None, "--test-case", help="The mock config's test case to use."),
    var: list[str] = typer.Option([], "--var", help="A variable's value, NAME=VALUE (VALUE may be JSON); "
                                  "repeatable."),
    history: bool = typer.Option(False, "--history", help="Print the execution's events as JSON."),
    output: _Output = typer.Option("human", "--output", metavar="|".join(OUTPUTS),  # type: ignore[valid-type]
                                   help="human: the states visited, then the output; json: only the "
                                   "output JSON on stdout, the states visited on stderr."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to run, when a file defines several."),
    s3_root: Optional[Path] = typer.Option(None, "--s3-root", help="A folder serving as S3 for Distributed "
                                           "Maps' ItemReader and ResultWriter: s3://bucket/key is "
                                           "DIR/bucket/key."),
    save: Optional[Path] = typer.Option(None, "--save", help="Write the execution to FILE (its definition's "
                                        "hash, input, history and where it stopped), for --redrive."),
    redrive: Optional[Path] = typer.Option(None, "--redrive", help="Redrive the unsuccessful execution saved "
                                           "in FILE (by --save): run it again from the state that did not "
                                           "succeed, with the input it had."),
    **local: Any,
) -> None:
    """Run a workflow locally, on a virtual clock: tasks run as the workflow's run configuration
    binds them (local scripts, Python handlers) or as mocked responses. Prints the states visited
    and the output; exits 1 if the execution fails."""
    from flowdsl.errors import FlowError

    chosen = _chosen_local(local)
    given = [option.flag for option, _ in chosen] + (["--input"] if input_ is not None else [])
    if len(given) > 1:
        _usage(f"give {given[0]} or {given[1]}, not both" if len(given) == 2
               else f"give one of {', '.join(given)}, not several")
    if (mocks is None) != (test_case is None):
        _usage("--mocks and --test-case go together")
    try:
        execution, title = _run(path, input_, mocks, test_case, var, name, chosen, s3_root, save, redrive, given)
    except FlowError as e:
        _fail([f"error: {e}"])
    # indented as build/ files are, on one line past INDENTED_LEVELS: indenting every level would
    # make the text grow with the square of the depth (a 20,000-level value: gigabytes)
    from flowdsl.placeholders import INDENTED_LEVELS
    from flowdsl.run.trace import format_trace, history_json
    from flowdsl.strict_json import pretty_dumps

    as_json = output.value == "json"
    if history:
        typer.echo(history_json(execution.history))
    else:
        typer.echo(format_trace(execution, title=f"{title}: {execution.status}"), err=as_json)
        if execution.status == "SUCCEEDED":
            if not as_json:
                typer.echo("output:")
            typer.echo(pretty_dumps(execution.output, flat_below=INDENTED_LEVELS))
    if execution.status != "SUCCEEDED":
        cause = execution.cause
        try:
            from flowdsl.strict_json import loads

            cause = pretty_dumps(loads(cause, "the cause"), flat_below=INDENTED_LEVELS) if cause else cause
        except FlowError:
            pass
        _fail([f"error: execution {execution.status}: {execution.error}"]
              + ([f"cause: {cause}"] if cause else []))


def _chosen_local(local: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The kinds' local-run options given (option, value), from ``local`` (name -> value)."""
    from flowdsl.deployments import local_options

    options = local_options()
    return [(options[key], value) for key, value in local.items()
            if (value if options[key].takes == "flag" else value is not None)]


def _argument(value: str, option: str, what: str) -> Any:
    """An option's value as given, or read from the file it names: ``@FILE`` (and, for a
    ``file`` option, ``FILE``) reads a file, ``@-`` (and ``-``) stdin. ``what``: ``json``
    (parsed strictly), ``text`` (the text itself; only ``@`` reads) or ``file`` (JSON)."""
    from flowdsl.strict_json import loads, read

    named = value[1:] if value.startswith("@") else value if what == "file" else None
    if named is None:
        return loads(value, option) if what == "json" else value
    if named == "-":
        data = sys.stdin.buffer.read()
        label = f"{option} @- (stdin)"
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            from flowdsl.errors import FlowError

            raise FlowError(f"{label}: is not UTF-8 text (byte 0x{data[e.start]:02x} at offset "
                            f"{e.start})") from None
        return text if what == "text" else loads(text, label)
    if not named:
        from flowdsl.errors import FlowError

        raise FlowError(f"{option} {value!r}: name a file after '@' (or @- for stdin)")
    if what == "text":
        from flowdsl.errors import FlowError

        try:
            return Path(named).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FlowError(f"{option} {value}: {named}: no such file") from None
        except IsADirectoryError:
            raise FlowError(f"{option} {value}: {named}: is a directory") from None
        except UnicodeDecodeError as e:
            raise FlowError(f"{option} {value}: {named}: is not UTF-8 text (offset {e.start})") from None
        except OSError as e:
            raise FlowError(f"{option} {value}: {named}: cannot read: {e.strerror or e}") from None
    return read(named, named)


def _run(path: str, input_: Optional[str], mocks: Optional[Path], test_case: Optional[str], var: list[str],
         name: Optional[str], chosen: list[tuple[Any, Any]], s3_root: Optional[Path] = None,
         save: Optional[Path] = None, redrive: Optional[Path] = None, given: tuple[str, ...] | list[str] = ()) -> Any:
    """``chosen``: the kinds' local-run options given, with their values; ``given``: the input
    options given (a redrive takes none)."""
    from flowdsl.errors import FlowError
    from flowdsl.pipeline import prepare_run
    from flowdsl.variables import parse_assignments

    trigger = None  # the input the deployment's trigger delivers
    for option, value in chosen:
        if option.takes != "flag":
            value = _argument(value, option.flag, option.takes)
        trigger = (option.name, None if option.takes == "flag" else value)
    raw_input = _argument(input_, "--input", "json") if input_ is not None else None
    overrides = parse_assignments(var, "--var")
    s3 = None
    if s3_root is not None:
        from flowdsl.run.s3 import LocalS3

        if not s3_root.is_dir():
            raise FlowError(f"--s3-root {s3_root}: not a folder (it holds one folder per bucket)")
        s3 = LocalS3(s3_root.resolve())
    prepared = prepare_run(path, input=raw_input, values=overrides, values_label="--var",
                           mock_file=mocks, test_case=test_case, name=name, trigger=trigger, s3=s3)
    from flowdsl.run.redrive import run_prepared

    return run_prepared(prepared, save=save, redrive_from=redrive, input_flags=given), prepared.label


@app.command("sample-event", epilog="Example: flowdsl sample-event workflows/uploads.py > event.json "
             "&& flowdsl run workflows/uploads.py --event event.json")
def sample_event(
    path: str = typer.Argument(..., help="A workflow file (.py) deployed as an EventJob."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow, when a file defines several."),
    var: list[str] = typer.Option([], "--var", help="A variable's value, NAME=VALUE (VALUE may be JSON); "
                                  "repeatable."),
) -> None:
    """Print an EventBridge event envelope that the EventJob's rule pattern matches."""
    import json

    from flowdsl.errors import FlowError

    try:
        from flowdsl.variables import parse_assignments

        event = _sample(path, name, parse_assignments(var, "--var"))
    except FlowError as e:
        _fail([f"error: {e}"])
    typer.echo(json.dumps(event, indent=2, ensure_ascii=False))


def _sample(path: str, name: Optional[str], overrides: dict[str, Any]) -> Any:
    """The sample input of the workflow's kind (its ``Kind.sample``), with the run's values."""
    from flowdsl.deployments import LocalInput, kind_of, kinds, resolver
    from flowdsl.errors import FlowError
    from flowdsl.run.config import RunConfig, load_run_target

    workflow, config = load_run_target(path, name)
    kind = kind_of(workflow.deployment)
    if kind is None or kind.sample is None:
        sampled = [(cls, k) for cls, k in kinds() if k.sample is not None]
        names = " or an ".join(cls.__name__ for cls, _ in sampled)
        given = type(workflow.deployment).__name__ if workflow.deployment is not None else "no deployment"
        raise FlowError(f"{path}: workflow {workflow.name!r} is not an {names} ({given}); "
                        + "; ".join(k.sample.only for _, k in sampled if k.sample))
    config = config or RunConfig()
    values = config.reference_values(workflow, overrides=overrides)
    return kind.sample.build(workflow.deployment, LocalInput(
        kind.input_option or "input", None, workflow.name, resolver(values), region=config.region,
        account_id=config.account_id, partition=config.partition))


@app.command(epilog="Examples: flowdsl graph workflows/fibonacci.py\n\n"
             "flowdsl graph workflows/fibonacci.py --format svg --out fibonacci.svg\n\n"
             "flowdsl graph state-machine.asl.json --format dot")
def graph(
    path: str = typer.Argument(..., help="A workflow file (.py) or an ASL document (.json)."),
    format_: Optional[str] = typer.Option(None, "--format", "-f", metavar="mermaid|dot|svg|png",
                                          help="What to draw; default: from --out's extension, "
                                          "else mermaid. svg and png need Graphviz's dot."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    name: Optional[str] = typer.Option(None, "--name", help="The workflow to draw, when a file defines several."),
) -> None:
    """Draw a workflow's state machine: Mermaid or Graphviz DOT text, or an SVG/PNG image."""
    from flowdsl.errors import CompileError, FlowError
    from flowdsl.graph import FORMATS, load, pick_format, render, write_file

    if format_ is not None and format_ not in FORMATS:
        raise typer.BadParameter(f"{format_!r} is not one of {', '.join(map(repr, FORMATS))}.",
                                 param_hint="'--format' / '-f'")
    try:
        fmt = pick_format(format_, out)
        if out is not None:
            _check_extension(out, fmt, format_ is not None)
        if fmt == "png" and out is None and sys.stdout.isatty():
            raise FlowError("error: png is binary; give --out FILE.png")
        data = render(load(path, name), fmt)
        if out is not None:
            write_file(out, data)
    except CompileError as e:
        _fail([d.render() for d in e.diagnostics]
              + [f"error: {len(e.diagnostics)} problem(s); nothing was drawn"])
    except FlowError as e:
        _fail([str(e)])
    if out is not None:
        typer.echo(f"wrote {out}")
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        typer.echo(data, nl=False)


# The files each format of `flowdsl graph` is written to (an --out without an extension takes any).
GRAPH_EXTENSIONS = {"mermaid": (".mmd", ".mermaid"), "dot": (".dot", ".gv"), "svg": (".svg",),
                    "png": (".png",)}


def _check_extension(out: Path, fmt: str, chosen: bool) -> None:
    """Refuse an --out whose extension names another kind of file than ``fmt`` writes (Mermaid
    text in ``x.jpg``); ``chosen``: the format was given with --format."""
    from flowdsl.errors import FlowError

    suffix = out.suffix.lower()
    if not suffix or suffix in GRAPH_EXTENSIONS[fmt]:
        return
    if chosen:
        raise FlowError(f"error: --out {out}: {fmt} is written to a {' or '.join(GRAPH_EXTENSIONS[fmt])} "
                        f"file, not {out.suffix}")
    told = ", ".join(f"{' or '.join(exts)} ({f})" for f, exts in GRAPH_EXTENSIONS.items())
    raise FlowError(f"error: --out {out}: flowdsl graph does not write {out.suffix} files; it writes {told}")


@app.command(epilog="Example: flowdsl types workflows/fibonacci.py")
def types(path: str = typer.Argument(..., help="A workflow file (.py)."),
          name: Optional[str] = typer.Option(None, "--name", help="The workflow, when a file defines several.")) -> None:
    """Print the shape of the data at each state's input and output, as the build checks it."""
    from flowdsl.deployments import kind_of
    from flowdsl.errors import FlowError
    from flowdsl.typeflow import describe

    try:
        typer.echo(describe(path, name, kind_of), nl=False)
    except FlowError as e:
        _fail([f"error: {e}"])


def _with_kind_choice(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """``--kind``: the kinds that have a scaffold, the first by default."""
    from flowdsl.scaffold import KINDS, default_kind

    starts = [k.template.starts or k.name for k in KINDS.values()]
    told = starts[-1] if len(starts) == 1 else \
        ", ".join(starts[:-1]) + ("," if len(starts) > 2 else "") + " or " + starts[-1]
    option = typer.Option(default_kind(), "--kind", "-k", metavar="|".join(KINDS),
                          help=f"How executions start: {told}.")
    choice = _choice("Kind", KINDS)
    return [p.replace(default=option, annotation=choice) if p.name == "kind" else p for p in parameters]


@app.command(epilog="Examples: flowdsl new orders\n\n"
             "flowdsl new nightly_report --kind scheduled --dir ~/src/jobs")
@functools.partial(_KindOptions, complete=_with_kind_choice)
def new(
    name: str = typer.Argument(..., help="The pipeline's name: a Python identifier."),
    kind: str = typer.Option(..., "--kind", "-k", help="How executions start (a kind of deployment)."),
    dir_: Path = typer.Option(Path("."), "--dir", "-d", help="The project folder."),
) -> None:
    """Scaffold a pipeline: workflows/NAME.py, its job script and handlers, and tests/test_NAME.py,
    which pass straight away. Never overwrites a file."""
    from flowdsl.errors import FlowError
    from flowdsl.scaffold import create

    try:
        written = create(name, getattr(kind, "value", kind), dir_)
    except FlowError as e:
        _fail([str(e)])
    for path in written:
        typer.echo(f"created {path}")
    typer.echo(f"next: flowdsl build {dir_ / 'workflows' / (name + '.py')} && "
               f"python -m pytest {dir_ / 'tests' / ('test_' + name + '.py')}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, add_help_option=False)
def sandbox(ctx: typer.Context) -> None:
    """Start a local AWS (moto) to deploy a module to; prints how to point Terraform and the AWS CLI at it."""
    from flowdsl.sandbox import main

    raise typer.Exit(main(ctx.args))


def _command_name(info: Any) -> str:
    return info.name or info.callback.__name__.lower().replace("_", "-")


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command ``args`` invoke, so typer builds one command's parameters,
    not every command's. Each ``@app.command()`` takes part as written; ``--help``, no command or
    an unknown one get the whole app."""
    name = args[0] if args and not args[0].startswith("-") else None
    chosen = [c for c in app.registered_commands if _command_name(c) == name]
    if not chosen:
        return app
    one = copy.copy(app)
    one.registered_commands = chosen
    return one


def run_app(args: list[str]) -> None:
    """Parse ``args`` (the command line after ``flowdsl``) and run the command; a group even for
    one command, so ``flowdsl build ...`` keeps its command name."""
    import typer.main

    typer.main.get_group(_app_for(args))(args, prog_name="flowdsl")
