"""docs/TUTORIAL.md, run: every file it shows is written and every command it shows is run, in
order, in a fresh project folder, and each command's output must match what the tutorial shows.

Blocks the test reads (the info string of a fenced block):

* ```` ```LANG file=PATH ````: a file the reader writes; the test writes it.
* ```` ```console tutorial ````: commands, each on a line starting with ``$ `` (a trailing
  ``\\`` continues it), followed by the output it shows. An output line ``...`` stands for
  any number of lines, and ``...`` inside a line for any text. ``cd DIR`` changes the folder
  the next commands run in.
* ```` ```console tutorial background ````: one command that keeps running, in a second
  terminal (the sandbox): the test starts it, waits for the output shown, and stops it after
  the last step. The ``export NAME=VALUE`` lines it prints are exported for the commands after
  it, as the tutorial asks the reader to.

The Terraform and AWS steps run as written, against the sandbox the tutorial starts
(``flowdsl sandbox``: its override file points Terraform there, its ``TF_CLI_CONFIG_FILE``
installs the provider from the offline mirror); only its port, 4566 in the text, is a free one
the test picks.
"""

from __future__ import annotations

import os
import re
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "TUTORIAL.md"

_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class File:
    path: str
    text: str


@dataclass
class Command:
    command: str
    expected: list[str]
    background: bool = False


def steps(text: str) -> list[File | Command]:
    out: list[File | Command] = []
    for m in _FENCE.finditer(text):
        info, body = m.group(1).split(), m.group(2)
        attrs = dict(word.split("=", 1) if "=" in word else (word, "") for word in info[1:])
        if "file" in attrs:
            out.append(File(attrs["file"], body))
        elif "tutorial" in attrs:
            found = commands(body)
            if "background" in attrs:
                assert len(found) == 1, f"a background block holds one command: {body!r}"
                found[0].background = True
            out += found
    return out


def commands(body: str) -> list[Command]:
    found: list[Command] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            raise AssertionError(f"output before any command in a tutorial block: {line!r}")
        command = line[2:]
        while command.endswith("\\"):
            i += 1
            command += "\n" + lines[i]  # bash reads the backslash-newline as one line
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        found.append(Command(command, expected))
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """``...`` alone on a line: any lines (none too); ``...`` in a line: any text."""
    memo: dict[tuple[int, int], bool] = {}

    def line_ok(pattern: str, line: str) -> bool:
        regex = ".*".join(re.escape(part) for part in pattern.rstrip().split("..."))
        return re.fullmatch(regex, line.rstrip()) is not None

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key not in memo:
            if i == len(expected):
                memo[key] = j == len(actual)
            elif expected[i].strip() == "...":
                memo[key] = go(i + 1, j) or (j < len(actual) and go(i, j + 1))
            else:
                memo[key] = j < len(actual) and line_ok(expected[i], actual[j]) and go(i + 1, j + 1)
        return memo[key]

    return go(0, 0)


@lru_cache(maxsize=1)
def tutorial_steps() -> tuple[File | Command, ...]:
    return tuple(steps(TUTORIAL.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- quick checks
def test_the_tutorial_shows_the_repositorys_fibonacci() -> None:
    shown = {s.path: s.text for s in tutorial_steps() if isinstance(s, File)}
    assert shown["workflows/fibonacci.py"] == (ROOT / "workflows" / "fibonacci.py").read_text(encoding="utf-8")


def test_the_readme_links_the_tutorial() -> None:
    assert "(docs/TUTORIAL.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_tutorial_covers_each_step() -> None:
    run = [s.command.split()[:2] for s in tutorial_steps() if isinstance(s, Command)]
    for step in (["flowdsl", "build"], ["flowdsl", "sandbox"], ["terraform", "init"], ["terraform", "plan"],
                 ["terraform", "apply"], ["aws", "--endpoint-url"], ["flowdsl", "run"], ["python", "-m"],
                 ["flowdsl", "graph"], ["flowdsl", "import"], ["flowdsl", "new"]):
        assert step in run, step
    background = [s.command for s in tutorial_steps() if isinstance(s, Command) and s.background]
    assert background == ["flowdsl sandbox --region ap-northeast-1 --port 4566 --write envs/dev"]
    written = [s.path for s in tutorial_steps() if isinstance(s, File)]
    assert written == ["workflows/fibonacci.py", "envs/dev/main.tf", "tests/test_my_fibonacci.py",
                       "legacy/report.asl.json"]


def test_a_continued_command_reaches_bash_as_one() -> None:
    (cmd,) = commands("$ echo a \\\n    b\na b\n")
    assert cmd.expected == ["a b"]
    r = subprocess.run(["bash", "-c", cmd.command], capture_output=True, text=True, timeout=30)
    assert r.stdout.splitlines() == cmd.expected


def test_the_port_is_replaced_only_where_it_is_the_sandboxs() -> None:
    assert on_port("aws --endpoint-url http://127.0.0.1:4566 sqs", 9) == "aws --endpoint-url http://127.0.0.1:9 sqs"
    assert on_port("flowdsl sandbox --port 4566", 9) == "flowdsl sandbox --port 9"
    assert on_port('"MessageId": "4566"', 9) == '"MessageId": "4566"'
    assert exported(["x", "export A='b c'", "export B=d"]) == {"A": "b c", "B": "d"}


@pytest.mark.parametrize("expected, actual, ok", [
    (["a", "...", "z"], ["a", "b", "c", "z"], True),
    (["a", "...", "z"], ["a", "z"], True),
    (["a", "...", "z"], ["a", "b"], False),
    (["x = ...queue"], ["x = http://h/q-queue"], True),
    (["x = ...queue"], ["x = http://h/q-queue2"], False),
    (["2 passed in ..."], ["2 passed in 0.12s"], True),
    (["2 passed in ..."], ["1 failed, 1 passed in 0.12s"], False),
    (["a"], ["a", "b"], False),
])
def test_output_matching(expected: list[str], actual: list[str], ok: bool) -> None:
    assert matches(expected, actual) is ok


# --------------------------------------------------------------------------- the whole run
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def on_port(text: str, port: int) -> str:
    """The tutorial's text with the sandbox on ``port`` instead of 4566."""
    return text.replace("127.0.0.1:4566", f"127.0.0.1:{port}").replace("--port 4566", f"--port {port}")


class Background:
    """A command started in its own process group, its output collected as it comes."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, expected: list[str], timeout: float = 120) -> list[str]:
        """The lines printed once they match ``expected`` and a second has passed without more."""
        shown: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                shown.append(_ANSI.sub("", self.lines.get(timeout=1)))
                continue
            except queue.Empty:
                pass
            if matches(expected, shown) or self.proc.poll() is not None:
                break
        return shown

    def stop(self) -> None:
        """Ctrl-C, as the reader stops it."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def exported(lines: list[str]) -> dict[str, str]:
    """The ``export NAME=VALUE`` lines among ``lines``, as the shell reads them."""
    out = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = shlex.split(line)[1].partition("=")
            out[name] = value
    return out


@pytest.mark.terraform
def test_the_tutorial_runs_as_written(tmp_path: Path, terraform_env) -> None:
    project = tmp_path / "project"
    (project / "workflows").mkdir(parents=True)
    shutil.copytree(ROOT / "workflows" / "fibonacci_app", project / "workflows" / "fibonacci_app",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_", "AWS_", "HYPOTHESIS_", "FLOWDSL_", "MOTO_")) and k != "PYTHONPATH"}
    env.update({
        "PYTHONPATH": str(ROOT),  # this checkout's flowdsl
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{Path(terraform_env['terraform']).parent}"
                f"{os.pathsep}{os.environ['PATH']}",
        "FLOWDSL_TF_PLUGIN_DIR": terraform_env["mirror"],  # what the sandbox would find by searching
        "CHECKPOINT_DISABLE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    })
    port = free_port()
    cwd = project
    servers: list[Background] = []
    try:
        for step in tutorial_steps():
            if isinstance(step, File):
                target = project / step.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(step.text, encoding="utf-8")
                continue
            command, expected = on_port(step.command, port), [on_port(line, port) for line in step.expected]
            if re.fullmatch(r"cd \S+", command):
                cwd = (cwd / command[3:]).resolve()
                assert cwd.is_dir(), command
                continue
            if step.background:
                servers.append(Background(command, cwd, env))
                shown = servers[-1].wait_for(expected)
                assert servers[-1].proc.poll() is None, f"$ {command}\nended\n" + "\n".join(shown)
                assert matches(expected, shown), (
                    f"$ {command}: the output differs from the tutorial's\n--- shown ---\n"
                    + "\n".join(expected) + "\n--- actual ---\n" + "\n".join(shown))
                env.update(exported(shown))
                assert "TF_CLI_CONFIG_FILE" in env, "the sandbox found no provider mirror"
                continue
            r = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                               text=True, timeout=600)
            shown = _ANSI.sub("", r.stdout + r.stderr).splitlines()
            assert r.returncode == 0, f"$ {command}\nexit {r.returncode}\n" + "\n".join(shown)
            assert matches(expected, shown), (
                f"$ {command}: the output differs from the tutorial's\n--- shown ---\n"
                + "\n".join(expected) + "\n--- actual ---\n" + "\n".join(shown))
    finally:
        for server in servers:
            server.stop()
    assert servers, "the tutorial starts no sandbox"
    assert servers[0].proc.returncode in (0, 130), servers[0].proc.returncode  # as Ctrl-C ends a command
