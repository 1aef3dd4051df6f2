"""`flowdsl new`: the scaffold builds, validates, passes ruff and its own tests at once; bad
names, unknown kinds and existing files get one line and leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowdsl.errors import FlowError
from flowdsl.scaffold import KINDS, available, create
from locations import ROOT

BIN = Path(sys.executable).parent


def sh(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("HYPOTHESIS_PROFILE", None)
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def flowdsl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return sh(sys.executable, "-m", "flowdsl", *args, cwd=cwd)


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


EXPECTED = ["tests", "tests/test_orders.py", "workflows", "workflows/orders.py", "workflows/orders_app",
            "workflows/orders_app/__init__.py", "workflows/orders_app/handlers.py",
            "workflows/orders_app/job", "workflows/orders_app/job/orders.py"]


@pytest.mark.parametrize("kind", [k for k in KINDS if available(KINDS[k])])
def test_a_new_pipeline_builds_and_passes_its_tests(tmp_path: Path, kind: str) -> None:
    r = flowdsl("new", "orders", "--kind", kind, "--dir", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert tree(tmp_path) == EXPECTED
    assert r.stdout.splitlines() == [f"created {tmp_path / p}" for p in (
        "workflows/orders.py", "workflows/orders_app/__init__.py", "workflows/orders_app/job/orders.py",
        "workflows/orders_app/handlers.py", "tests/test_orders.py")] + [
        f"next: flowdsl build {tmp_path}/workflows/orders.py && python -m pytest {tmp_path}/tests/test_orders.py"]
    for args in (["flowdsl", "build", "workflows/orders.py"], ["flowdsl", "validate", "workflows/orders.py"],
                 ["ruff", "check", "--no-cache", "."], ["ruff", "format", "--check", "--no-cache", "."],
                 [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_orders.py"]):
        r = sh(*args, cwd=tmp_path)
        assert r.returncode == 0, f"{' '.join(args)}:\n{r.stdout}\n{r.stderr}"
    assert "3 passed" in r.stdout
    long = [f"{p.relative_to(tmp_path)}:{i}" for p in tmp_path.rglob("*.py")
            for i, line in enumerate(p.read_text().splitlines(), 1) if len(line) > 88]
    assert long == []
    assert (tmp_path / "build" / "orders" / "orders.asl.json").is_file()
    # The docstring's commands to run it locally work as written.
    text = (tmp_path / "workflows" / "orders.py").read_text()
    hints = [line.strip() for line in text.splitlines() if line.startswith("    flowdsl ")]
    assert hints[0] == "flowdsl build workflows/orders.py   # build/orders/: ASL and a Terraform module"
    for hint in hints[1:]:
        r = sh("bash", "-c", hint, cwd=tmp_path)
        assert r.returncode == 0, f"{hint}\n{r.stdout}\n{r.stderr}"
    assert r.stdout.splitlines()[0] == "workflows/orders.py (orders): SUCCEEDED"


def test_the_default_kind_is_on_demand(tmp_path: Path) -> None:
    r = flowdsl("new", "orders", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert tree(tmp_path) == EXPECTED
    assert "deployment=OnDemandJob(job_name)," in (tmp_path / "workflows" / "orders.py").read_text()


@pytest.mark.parametrize("kind", ["scheduled", "event"])
def test_a_kind_this_flowdsl_lacks_says_so(tmp_path: Path, kind: str, monkeypatch) -> None:
    import flowdsl

    getattr(flowdsl, KINDS[kind].deployment_class)  # kinds load on first use: load it, then take it away
    monkeypatch.delattr(flowdsl, KINDS[kind].deployment_class)
    monkeypatch.setattr(flowdsl, "_DEPLOYMENTS", {})
    with pytest.raises(FlowError, match=(
            f"^error: --kind {kind} is not available: this version of flowdsl has no "
            f"{KINDS[kind].deployment_class} deployment; use --kind on-demand$")):
        create("orders", kind, tmp_path)
    assert tree(tmp_path) == []


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_orders.py").write_text("mine\n")
    r = flowdsl("new", "orders", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == ("error: tests/test_orders.py already exists; nothing was written "
                        "(flowdsl new never overwrites a file)\n")
    assert tree(tmp_path) == ["tests", "tests/test_orders.py"]
    assert (tmp_path / "tests" / "test_orders.py").read_text() == "mine\n"


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    assert flowdsl("new", "orders", cwd=tmp_path).returncode == 0
    (tmp_path / "workflows" / "orders.py").write_text("# edited\n")
    r = flowdsl("new", "orders", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith("error: workflows/orders.py, workflows/orders_app/__init__.py, ")
    assert r.stderr.endswith(" already exist; nothing was written (flowdsl new never overwrites a file)\n")
    assert (tmp_path / "workflows" / "orders.py").read_text() == "# edited\n"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "orders_app").write_text("a file where a folder goes\n")
    r = flowdsl("new", "orders", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == ("error: cannot write workflows/orders_app/__init__.py: Not a directory; "
                        "nothing was written\n")
    assert tree(tmp_path) == ["workflows", "workflows/orders_app"]


@pytest.mark.parametrize("name, message", [
    ("my-job", "error: 'my-job' is not a valid pipeline name: use 1-80 letters, digits and '_', starting "
               "with a letter (it names the workflow, its Python module and its test)"),
    ("1st", "error: '1st' is not a valid pipeline name: use 1-80 letters, digits and '_', starting "
            "with a letter (it names the workflow, its Python module and its test)"),
    ("a" * 81, f"error: '{'a' * 81}' is not a valid pipeline name: use 1-80 letters, digits and '_', "
               "starting with a letter (it names the workflow, its Python module and its test)"),
    ("naïve", "error: 'naïve' is not a valid pipeline name: use 1-80 letters, digits and '_', starting "
              "with a letter (it names the workflow, its Python module and its test)"),
    ("class", "error: 'class' is a Python keyword; choose another name"),
    ("match", "error: 'match' is a Python keyword; choose another name"),
    ("json", "error: 'json' would hide Python's own module 'json' from the workflow's imports; "
             "choose another name"),
    ("flowdsl", "error: 'flowdsl' would hide Python's own module 'flowdsl' from the workflow's "
                "imports; choose another name"),
])
def test_bad_names(tmp_path: Path, name: str, message: str) -> None:
    r = flowdsl("new", name, cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == message + "\n"
    assert tree(tmp_path) == []


def test_unknown_kind(tmp_path: Path) -> None:
    r = flowdsl("new", "orders", "--kind", "hourly", cwd=tmp_path)
    assert r.returncode == 2  # a usage error, as typer reports a value outside an option's choices
    assert "Invalid value for '--kind' / '-k'" in r.stderr and "Traceback" not in r.stderr
    assert tree(tmp_path) == []


def test_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    r = flowdsl("new", "orders", "--dir", "f", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == "error: f: is not a folder\n"


def test_a_new_dir_is_made(tmp_path: Path) -> None:
    r = flowdsl("new", "orders", "--dir", "jobs/new", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert tree(tmp_path / "jobs" / "new") == EXPECTED
