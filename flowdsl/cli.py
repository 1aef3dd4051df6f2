"""The ``flowdsl`` command's entry point: a thin layer that parses arguments, calls the library,
prints diagnostics, and picks the exit status.

Every command, its parameters and its help are the typer app's (:mod:`flowdsl.cli_typer`,
``app`` here too). The common command lines, ``flowdsl build PATH...`` and ``flowdsl validate
PATH`` with their options spelt out, are read by :func:`short_path` without loading typer and
run the same bodies (:mod:`flowdsl.cli_verbs`); anything else (``--help``, an unknown or
abbreviated option, a missing or extra argument, ``--``) goes to typer, which parses and
reports it as always. ``flowdsl --version`` (``-V``) is answered here too. Library modules
are imported per command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# verb -> (its options that take a value: flag -> parameter, its flags: flag -> parameter)
_VERBS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "build": ({"--out": "out", "-o": "out", "--name": "name", "--var": "var"},
              {"--check": "check", "--verbose": "verbose", "-v": "verbose",
               "--follow-symlinks": "follow_symlinks"}),
    "validate": ({"--name": "name"}, {"--verbose": "verbose", "-v": "verbose"}),
}
_REPEATABLE = {"var"}  # options given any number of times, each value kept, in order


def short_path(args: list[str]) -> Callable[[], None] | None:
    """The command ``args`` give, when they are ``--version`` alone or a plain ``build`` or
    ``validate`` command line (each option given at most once but ``--var``, every value a
    separate or ``=`` word that does not start with ``-``); None: typer reads them."""
    if not args:
        return None
    from flowdsl import cli_verbs

    if len(args) == 1 and args[0] in cli_verbs.VERSION_FLAGS:
        return lambda: cli_verbs.echo(cli_verbs.version())
    if args[0] not in _VERBS:
        return None
    takes_value, flags = _VERBS[args[0]]
    given: dict[str, Any] = {}
    paths: list[str] = []
    rest = args[1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        flag, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if flag in takes_value:
            if not eq:
                if i + 1 == len(rest):
                    return None
                i, value = i + 1, rest[i + 1]
            key = takes_value[flag]
            if not value or value.startswith("-") or (key in given and key not in _REPEATABLE):
                return None
            if key in _REPEATABLE:
                given.setdefault(key, []).append(value)
            else:
                given[key] = value
        elif word in flags and flags[word] not in given:
            given[flags[word]] = True
        elif word.startswith("-") or not word:
            return None
        else:
            paths.append(word)
        i += 1
    if not paths:
        return None
    name, verbose = given.get("name"), given.get("verbose", False)
    if args[0] == "build":
        out, check = Path(given.get("out", "build")), given.get("check", False)
        follow = given.get("follow_symlinks", False)
        var = given.get("var", [])
        return lambda: cli_verbs.build(paths, out, check, name, verbose, follow, var)
    return lambda: cli_verbs.validate(paths, name, verbose)


def main() -> None:
    """Run the command ``sys.argv`` gives and end the process (``SystemExit``, always)."""
    from flowdsl.deep_stack import call

    for stream in (sys.stdout, sys.stderr):  # a path or value with undecodable bytes still prints
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    command = short_path(sys.argv[1:])
    try:
        # On a large stack, so deeply nested documents are walked rather than refused.
        if command is not None:
            _as_click_ends(call, command)
        else:
            from flowdsl.cli_typer import run_app

            call(run_app, sys.argv[1:])
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    finally:
        _before_exit()


def _before_exit() -> None:
    """Spare the interpreter's shutdown a full pass of the cyclic collector over every object
    the command made (the model, the imported modules): ``gc.freeze`` sets them aside, so the
    process ends as soon as the modules are cleared. Nothing is lost that a normal exit keeps:
    the command's files are written and closed, the ``atexit`` handlers run and the streams are
    flushed as usual; Python never promised ``__del__`` at exit for objects left in cycles."""
    import gc

    gc.freeze()


def _as_click_ends(call: Callable[..., Any], command: Callable[[], None]) -> None:
    """Run ``command`` and end as a typer command ends: exit status 0, ``SystemExit`` from the
    command as it is, "Aborted!" on Ctrl-C, status 1 when stdout is a closed pipe."""
    import os

    try:
        call(command)
    except (EOFError, KeyboardInterrupt):  # pragma: no cover
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except BrokenPipeError:  # pragma: no cover
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    sys.exit(0)


def __getattr__(name: str) -> Any:
    """The typer app's names (``app``, ...), which load it."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from flowdsl import cli_typer

    return getattr(cli_typer, name)
