"""docs/TUTORIAL.md, run: every file it shows is written and every command it shows is run, in
order, in a fresh project folder, and each command's output must match what the tutorial shows.

Blocks the test reads (the info string of a fenced block):

* ```` ```LANG file=PATH ````: a file the reader writes; the test writes it.
* ```` ```console tutorial ````: commands, each on a line starting with ``$ `` (a trailing
  ``\\`` continues it), followed by the output it shows. An output line ``...`` stands for
  any number of lines, and ``...`` inside a line for any text. ``cd DIR`` changes the folder
  the next commands run in.

The Terraform steps run unchanged against the harness's moto server: the test adds a provider
override file (``*_override.tf.json``, which Terraform merges into the tutorial's provider
block) and points the AWS CLI there with ``AWS_ENDPOINT_URL``; ``terraform init`` installs the
provider from the offline mirror through a CLI configuration (``TF_CLI_CONFIG_FILE``). AWS CLI v1
replaces the SQS endpoint with its own ``<region>.queue.amazonaws.com`` unless ``--endpoint-url``
is given, so a small CLI plugin (``AWS_CONFIG_FILE``'s ``[plugins]``) gives it the emulator's
address as if ``--endpoint-url`` had been passed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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


def steps(text: str) -> list[File | Command]:
    out: list[File | Command] = []
    for m in _FENCE.finditer(text):
        info, body = m.group(1).split(), m.group(2)
        attrs = dict(word.split("=", 1) if "=" in word else (word, "") for word in info[1:])
        if "file" in attrs:
            out.append(File(attrs["file"], body))
        elif "tutorial" in attrs:
            out += commands(body)
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
            command = command[:-1] + "\n" + lines[i]
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
    for step in (["flowdsl", "build"], ["terraform", "init"], ["terraform", "plan"], ["terraform", "apply"],
                 ["aws", "sqs"], ["flowdsl", "run"], ["python", "-m"], ["flowdsl", "graph"],
                 ["flowdsl", "import"], ["flowdsl", "new"]):
        assert step in run, step
    written = [s.path for s in tutorial_steps() if isinstance(s, File)]
    assert written == ["workflows/fibonacci.py", "envs/dev/main.tf", "tests/test_my_fibonacci.py",
                       "legacy/report.asl.json"]


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
def cli_config(tmp: Path, mirror: str) -> Path:
    cfg = tmp / "terraform.rc"
    cfg.write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n"
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
    return cfg


_AWSCLI_PLUGIN = """\
import os


def awscli_initialize(cli):
    cli.register("top-level-args-parsed", _endpoint)


def _endpoint(parsed_args, **kwargs):
    if getattr(parsed_args, "endpoint_url", None) is None:
        parsed_args.endpoint_url = os.environ["AWS_ENDPOINT_URL"]
"""


def aws_config(tmp: Path) -> tuple[Path, Path]:
    """An AWS CLI config that loads the endpoint plugin, and the folder to import it from."""
    folder = tmp / "awscli_plugins"
    folder.mkdir()
    (folder / "emulator_endpoint.py").write_text(_AWSCLI_PLUGIN)
    cfg = tmp / "aws_config"
    cfg.write_text("[plugins]\nemulator_endpoint = emulator_endpoint\n")
    return cfg, folder


@pytest.mark.terraform
def test_the_tutorial_runs_as_written(tmp_path: Path, moto, terraform_env) -> None:
    moto.reset()
    project = tmp_path / "project"
    (project / "workflows").mkdir(parents=True)
    shutil.copytree(ROOT / "workflows" / "fibonacci_app", project / "workflows" / "fibonacci_app",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_", "AWS_", "HYPOTHESIS_")) and k != "PYTHONPATH"}
    aws_cfg, plugins = aws_config(tmp_path)
    env.update({
        "AWS_CONFIG_FILE": str(aws_cfg),
        "PYTHONPATH": str(plugins),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{Path(terraform_env['terraform']).parent}"
                f"{os.pathsep}{os.environ['PATH']}",
        "TF_CLI_CONFIG_FILE": str(cli_config(tmp_path, terraform_env["mirror"])),
        "CHECKPOINT_DISABLE": "1",
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_DEFAULT_REGION": moto.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    })
    cwd = project
    for step in tutorial_steps():
        if isinstance(step, File):
            target = project / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
            if target.suffix == ".tf":  # the emulator instead of AWS, beside the reader's provider block
                (target.parent / "emulator_override.tf.json").write_text(
                    json.dumps(moto.provider_config(region="ap-northeast-1"), indent=2))
            continue
        if re.fullmatch(r"cd \S+", step.command):
            cwd = (cwd / step.command[3:]).resolve()
            assert cwd.is_dir(), step.command
            continue
        r = subprocess.run(["bash", "-c", step.command], cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=600)
        shown = _ANSI.sub("", r.stdout + r.stderr).splitlines()
        assert r.returncode == 0, f"$ {step.command}\nexit {r.returncode}\n" + "\n".join(shown)
        assert matches(step.expected, shown), (
            f"$ {step.command}: the output differs from the tutorial's\n--- shown ---\n"
            + "\n".join(step.expected) + "\n--- actual ---\n" + "\n".join(shown))
