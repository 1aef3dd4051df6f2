"""The entry point reads plain ``build`` and ``validate`` command lines without typer, and they
behave exactly as typer's: same output, same exit status; anything else goes to typer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowdsl.cli import short_path
from flowdsl.cli_typer import app

ROOT = Path(__file__).resolve().parents[1]
FIB = "workflows/fibonacci.py"


@pytest.mark.parametrize("args", [
    ["build", FIB], ["build", FIB, "--check", "-v"], ["build", "--out", "o", FIB, "--name", "fibonacci"],
    ["build", "-o", "o", FIB, "workflows/nightly.py"], ["build", "--out=o", "--name=x", FIB],
    ["validate", FIB], ["validate", "-v", FIB, "--name", "fibonacci"], ["validate", "x.asl.json"],
    ["validate", "a.py", "b.py"], ["build", FIB, "--var", "stage=qa", "--var=app_name=x"],
    ["--version"], ["-V"],
])
def test_plain_command_lines_take_the_short_path(args: list[str]) -> None:
    assert short_path(args) is not None


@pytest.mark.parametrize("args", [
    [], ["--help"], ["build"], ["build", "--help"], ["build", "-h", FIB], ["build", "--ch", FIB],
    ["build", "--", FIB], ["build", "--check=yes", FIB], ["build", "--check", "--check", FIB],
    ["build", "--out", FIB], ["build", FIB, "--out"], ["build", "--out", "-x", FIB],
    ["build", "-ox", FIB], ["build", "--out=", FIB], ["build", "-o", "a", "-o", "b", FIB],
    ["validate"], ["validate", "--check", FIB], ["run", FIB],
    ["bild", FIB], ["graph", FIB], ["--version", "build"], ["build", "--var", FIB],
    ["validate", "--var", "a=b", FIB],
])
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert short_path(args) is None


CASES = [
    ["validate", FIB],
    ["validate", FIB, "--name", "nope"],
    ["validate", "missing.py"],
    ["validate", "build/fibonacci/fibonacci.asl.json"],
    ["build", "x.json"],
    ["build", "--check", FIB, "workflows/nightly.py"],
    ["build", "--check", "--out", "nowhere", FIB],
    ["validate", FIB, "missing.py", "workflows/nightly.py"],
    ["build", "--check", FIB, "--var", "stage=qa", "--var", "stge=x"],
    ["build", "--check", FIB, "--var", "stage"],
    ["--version"],
]


@pytest.mark.parametrize("args", CASES)
def test_the_short_path_prints_and_exits_as_typer_does(args: list[str], monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    fast = subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=ROOT, capture_output=True, text=True)
    slow = CliRunner().invoke(app, args)
    assert short_path(args) is not None
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


def test_the_entry_point_loads_typer_only_when_it_needs_it() -> None:
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print(sorted(m for m in ('typer', 'click', 'flowdsl.cli_typer')"
            " if m in sys.modules), file=sys.stderr))\n"
            "sys.argv = ['flowdsl', *sys.argv[1:]]\n"
            "from flowdsl.cli import main\nmain()\n")
    build = subprocess.run([sys.executable, "-c", code, "build", "--check", FIB], cwd=ROOT,
                           capture_output=True, text=True)
    assert (build.returncode, build.stderr) == (0, "[]\n")
    graph = subprocess.run([sys.executable, "-c", code, "graph", FIB], cwd=ROOT, capture_output=True, text=True)
    assert (graph.returncode, graph.stderr) == (0, "['flowdsl.cli_typer', 'typer']\n")
