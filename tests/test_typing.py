"""A user's workflow type-checks strictly against flowdsl, and a mistake in it is a type error.

One ``mypy --strict`` run checks, as a user's project would see flowdsl (installed, with
``py.typed``): the repository's workflows, every file ``flowdsl new`` writes (each kind), the
tutorial's Python files and the workflow ``flowdsl import`` writes in it, and a file of
deliberate mistakes, whose errors must be the expected ones. Pyright (strict) checks the same
files when it can run here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import flowdsl
from flowdsl import scaffold

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "TUTORIAL.md"
_FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)

# Each line: the mistake, then the message mypy must give for it (a part of the message).
MISTAKES = {
    'LambdaTask("X", function="f", retyr=[])':
        'Unexpected keyword argument "retyr" for "LambdaTask"; did you mean "retry"?',
    'GlueJob("G", jb_name="etl")': 'Unexpected keyword argument "jb_name" for "GlueJob"',
    'Retry(["States.ALL"], max_attempt=3)': 'Unexpected keyword argument "max_attempt" for "Retry"',
    'Pass("P", comment=3)': 'Argument "comment" to "Pass" has incompatible type "int"',
    'LambdaTask("Y")': 'Missing named argument "function" for "LambdaTask"',
    'OnDemandJob("j", logging="yes")': 'Argument "logging" to "OnDemandJob" has incompatible type "str"',
    'ScheduledJob("s", schedul="rate(1 hour)")': 'Unexpected keyword argument "schedul" for "ScheduledJob"',
    'Workflow("w", [], variables=[Variable("a")], deploy=None)':
        'Unexpected keyword argument "deploy" for "Workflow"',
    'string_equals("$.a")': 'Missing positional argument',
    'var(3)': 'Argument 1 to "var" has incompatible type "int"',
}
_WRONG = ("from flowdsl import GlueJob, LambdaTask, OnDemandJob, Pass, Retry, ScheduledJob, "
          "Variable, Workflow, string_equals, var\n\n"
          + "".join(f"mistake_{i} = {line}\n" for i, line in enumerate(MISTAKES)))


def tutorial_files() -> dict[str, str]:
    """The tutorial's Python files: ```` ```python file=PATH ```` blocks."""
    found = {}
    for m in _FENCE.finditer(TUTORIAL.read_text(encoding="utf-8")):
        lang, info, body = m.group(1), m.group(2).split(), m.group(3)
        named = dict(w.split("=", 1) for w in info if "=" in w)
        if lang == "python" and "file" in named:
            found[named["file"]] = body
    return found


def _tutorial_import(root: Path) -> Path:
    """The workflow the tutorial's ``flowdsl import`` writes, from the ASL file it shows."""
    text = TUTORIAL.read_text(encoding="utf-8")
    asl = next(m.group(3) for m in _FENCE.finditer(text) if "file=legacy/report.asl.json" in m.group(2))
    (root / "report.asl.json").write_text(asl, encoding="utf-8")
    out = root / "workflows" / "report.py"
    subprocess.run([sys.executable, "-m", "flowdsl", "import", str(root / "report.asl.json"),
                    "--out", str(out)], check=True, capture_output=True, env=_env(), cwd=root)
    return out


class _First:
    """Draws the first of everything, with no deploy-time references (an example's Sampler)."""

    refs = False

    def pick(self, options: Any) -> Any:
        return list(options)[0]

    def flag(self) -> bool:
        return True

    def var(self, name: str) -> Any:
        raise AssertionError("no references without refs")

    def shared(self, key: str, make: Any) -> Any:
        return make()


def integration_examples() -> str:
    """A file that builds one task of every typed integration, from the integration's own
    example (what the property tests draw), as a user would write it."""
    from flowdsl.tasks import INTEGRATIONS, load_all

    load_all()
    lines, names = [], []
    for i, (cls, integration) in enumerate(sorted(INTEGRATIONS.items(), key=lambda c: c[0].__name__)):
        if integration.example is None or cls.__name__ not in flowdsl.__all__:
            continue
        kwargs = integration.example(_First())
        args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        lines.append(f'task_{i} = {cls.__name__}("{cls.__name__}"{args})\n')
        names.append(cls.__name__)
    return f"from flowdsl import {', '.join(sorted(set(names)))}\n\n" + "".join(lines)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The files to check, by group: each a folder as a user's project would be."""
    base = tmp_path_factory.mktemp("typing")
    groups: dict[str, list[Path]] = {"repository": sorted(ROOT.glob("workflows/*.py"))}
    for kind in scaffold.KINDS:
        name = "new_" + kind.replace("-", "_")
        groups[f"flowdsl new --kind {kind}"] = [p for p in scaffold.create(name, kind, base / name)
                                               if p.suffix == ".py"]
    tutorial = base / "tutorial"
    groups["tutorial"] = []
    for rel, body in tutorial_files().items():
        if (ROOT / rel).is_file() and (ROOT / rel).read_text(encoding="utf-8") == body:
            continue  # the repository's own file, checked above (one module name, once)
        path = tutorial / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        groups["tutorial"].append(path)
    groups["tutorial"].append(_tutorial_import(tutorial))
    examples = base / "examples" / "every_integration.py"
    examples.parent.mkdir()
    examples.write_text(integration_examples(), encoding="utf-8")
    groups["integration examples"] = [examples]
    groups["every model class"] = [ROOT / "tests" / "typing" / "every_model_class.py"]
    wrong = base / "wrong" / "mistakes.py"
    wrong.parent.mkdir()
    wrong.write_text(_WRONG, encoding="utf-8")
    groups["wrong"] = [wrong]
    return groups


@pytest.fixture(scope="module")
def mypy_output(checked: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    pytest.importorskip("mypy", reason="mypy comes with the test extra: pip install -e '.[test]'")
    cache = tmp_path_factory.mktemp("mypy-cache")
    files = [str(p) for group in checked.values() for p in group]
    # PYTHONPATH, as for an installed flowdsl: mypy reports the user's files, not flowdsl's own
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                           "--show-absolute-path", "--cache-dir", str(cache), *files],
                          capture_output=True, text=True, env=_env(), cwd=cache)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc.stdout.splitlines()


def _errors(lines: list[str], paths: list[Path]) -> list[str]:
    names = {str(p) for p in paths}
    return [line for line in lines if line.split(":", 1)[0] in names and ": error:" in line]


@pytest.mark.parametrize("group", ["repository", *(f"flowdsl new --kind {k}" for k in scaffold.KINDS),
                                   "tutorial", "integration examples", "every model class"])
def test_mypy_strict_passes(group: str, checked: dict[str, list[Path]], mypy_output: list[str]) -> None:
    errors = _errors(mypy_output, checked[group])
    assert not errors, f"mypy --strict on {group}:\n" + "\n".join(errors)


def test_the_checked_files_are_the_expected_ones(checked: dict[str, list[Path]]) -> None:
    assert {p.name for p in checked["repository"]} >= {"fibonacci.py", "nightly.py"}
    shown = {Path(rel).name for rel in tutorial_files()}
    assert shown >= {"fibonacci.py", "test_my_fibonacci.py"}
    assert {p.name for p in checked["tutorial"] + checked["repository"]} >= shown | {"report.py"}
    for kind in scaffold.KINDS:
        assert len(checked[f"flowdsl new --kind {kind}"]) == 5
    examples = checked["integration examples"][0].read_text(encoding="utf-8")
    assert examples.count(" = ") >= 10 and "GlueJob(" in examples and "SdkCall(" in examples
    exec(compile(examples, "every_integration.py", "exec"), {})  # they build, as the kit would
    model = checked["every model class"][0]
    exec(compile(model.read_text(encoding="utf-8"), str(model), "exec"), {})  # a valid workflow


def test_mypy_reports_each_mistake(checked: dict[str, list[Path]], mypy_output: list[str]) -> None:
    errors = _errors(mypy_output, checked["wrong"])
    by_line: dict[int, list[str]] = {}
    for line in errors:
        by_line.setdefault(int(line.split(":")[1]), []).append(line)
    first = 3  # the mistakes start on the file's third line
    for i, (mistake, message) in enumerate(MISTAKES.items()):
        got = by_line.pop(first + i, [])
        assert any(message in e for e in got), f"{mistake}: expected {message!r}, got {got}"
    assert not by_line, f"unexpected errors: {by_line}"


# The names ``import flowdsl`` loads on first use are seen by type checkers too ---------------

def _type_checking_names() -> set[str]:
    """The names ``flowdsl/__init__.py`` binds for type checkers: ``import X as X`` anywhere,
    and the conditions' ``*``."""
    tree = ast.parse((ROOT / "flowdsl" / "__init__.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    names |= set(getattr(__import__(node.module or "", fromlist=["*"]), "__all__"))
                elif alias.asname == alias.name:
                    names.add(alias.name)
    return names


def test_type_checkers_see_every_public_name() -> None:
    seen = _type_checking_names()
    missing = [n for n in flowdsl.__all__ if n not in seen]
    from flowdsl.tasks.registry import exports

    where = {**{n: f"flowdsl.deployments.{m}" for n, m in flowdsl._DEPLOYMENTS.items()},
             **{n: f"flowdsl.tasks.{m}" for n, m in exports().items()}}
    lines = "\n".join(f"    from {where.get(n, '?')} import {n} as {n}" for n in missing)
    assert not missing, ("flowdsl/__init__.py: type checkers do not see these names; add to its "
                         f"`if _TYPE_CHECKING:` block:\n{lines}")
    extra = seen - set(flowdsl.__all__)
    assert not extra, f"flowdsl/__init__.py binds for type checkers names it does not export: {extra}"


def test_pyright_strict_passes(checked: dict[str, list[Path]], tmp_path: Path) -> None:
    pyright = shutil.which("pyright") or shutil.which("pyright", path=str(Path(sys.executable).parent))
    if pyright is None:
        pytest.skip("pyright is not installed (pip install pyright)")
    files = [p for g, ps in checked.items() if g != "wrong" for p in ps]
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "extraPaths": [str(ROOT)],
                                  "pythonVersion": "3.11", "reportMissingModuleSource": False}))
    try:
        proc = subprocess.run([pyright, "--outputjson", "-p", str(config), *map(str, files),
                               str(checked["wrong"][0])],
                              capture_output=True, text=True, timeout=300,
                              env={**_env(), "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"})
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"pyright cannot run here: {e}")
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.skip(f"pyright cannot run here (it fetches its Node package on first use): "
                    f"{(proc.stdout + proc.stderr)[-300:]}")
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    wrong = str(checked["wrong"][0])
    good = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
            for d in errors if d["file"] != wrong]
    assert not good, "pyright --strict:\n" + "\n".join(good)
    flagged = {d["range"]["start"]["line"] + 1 for d in errors if d["file"] == wrong}
    assert flagged >= {3 + i for i in range(len(MISTAKES))}, f"pyright missed mistakes: {flagged}"


def test_the_package_says_it_is_typed() -> None:
    """PEP 561: the ``py.typed`` marker is in the package and in what the wheel installs."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["flowdsl"]
    assert (ROOT / "flowdsl" / "py.typed").is_file()
    test_extra = " ".join(config["project"]["optional-dependencies"]["test"])
    assert "mypy" in test_extra
