"""The CLI: bad input gets one clear line and exit status 1, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from locations import ROOT, SHARED


def flowdsl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


GOOD = """
from flowdsl import Pass, Succeed, Workflow
workflow = Workflow("good", states=[Pass("A"), Succeed("Done")])
"""


def assert_clean_failure(r: subprocess.CompletedProcess[str], *lines: str) -> None:
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    for line in lines:
        assert line in r.stderr.splitlines(), r.stderr


def test_missing_file(tmp_path: Path) -> None:
    r = flowdsl("build", str(tmp_path / "nope.py"), "--out", str(tmp_path / "out"))
    assert_clean_failure(r, f"{tmp_path / 'nope.py'}: no such file")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    p = write(tmp_path, "broken.py", "from flowdsl import Pass\n\nx = Pass('A'\n")
    r = flowdsl("build", str(p), "--out", str(tmp_path / "out"))
    assert_clean_failure(r)
    assert f"{p}:3: syntax error: '(' was never closed" in r.stderr


def test_exception_in_workflow_file_names_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "raises.py", "from flowdsl import Pass\n\nPass('A', 1 / 0)\n")
    r = flowdsl("validate", str(p))
    assert_clean_failure(r, f"error: {p}:3: ZeroDivisionError: division by zero")


def test_module_without_workflow(tmp_path: Path) -> None:
    p = write(tmp_path, "empty.py", "x = 1\n")
    r = flowdsl("build", str(p), "--out", str(tmp_path / "out"))
    assert_clean_failure(r, f"{p}: defines no Workflow (assign one to a module-level name, "
                            "e.g. workflow = Workflow(...))")


def test_several_workflows_need_a_name(tmp_path: Path) -> None:
    p = write(tmp_path, "two.py", GOOD + "other = Workflow('other', states=[Succeed('S')])\n")
    r = flowdsl("build", str(p), "--out", str(tmp_path / "out"))
    assert_clean_failure(r, f"{p}: defines several workflows (good, other); choose one with --name")
    r = flowdsl("build", str(p), "--name", "other", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "other" / "other.asl.json").exists()


def test_invalid_workflow_reports_every_error_with_file_line(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.py", """from flowdsl import Catch, Pass, Retry, Task, Workflow
workflow = Workflow("bad", states=[
    Task("T", resource="arn:aws:lambda:us-east-1:123456789012:function:f",
         retry=[Retry(["X"], backoff_rate=0.5)],
         catch=[Catch(["States.ALL"], next="Missing")]),
    Pass("P", input_path="nope"),
])
""")
    r = flowdsl("build", str(p), "--out", str(tmp_path / "out"))
    # each line is where the faulty object was written: the Retry(...), the Catch(...)
    assert_clean_failure(
        r,
        f"{p}:4: $.States.T.Retry[0].BackoffRate: BackoffRate must be a number >= 1, not 0.5 "
        "[retry-range]",
        f"{p}:5: $.States.T.Catch[0].Next: there is no state named 'Missing' [dangling-transition]",
        f"{p}:6: $.States.P.InputPath: 'nope' is not a JSONPath: it must start with '$' [bad-path]",
        "error: 3 problem(s); nothing was written",
    )
    assert not (tmp_path / "out" / "bad").exists()


def test_failed_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    p = write(tmp_path, "wf.py", GOOD)
    out = tmp_path / "out"
    assert flowdsl("build", str(p), "--out", str(out)).returncode == 0
    before = (out / "good" / "good.asl.json").read_text()
    p.write_text(GOOD.replace('Pass("A")', 'Pass("A", output_path="bad")'))
    assert_clean_failure(flowdsl("build", str(p), "--out", str(out)))
    assert (out / "good" / "good.asl.json").read_text() == before
    assert sorted(x.name for x in out.iterdir()) == ["good"]


def test_one_bad_workflow_means_nothing_is_written(tmp_path: Path) -> None:
    good = write(tmp_path, "good.py", GOOD)
    bad = write(tmp_path, "bad.py", GOOD.replace('"good"', '"bad"').replace('Succeed("Done")', '"Nope"'))
    r = flowdsl("build", str(good), str(bad), "--out", str(tmp_path / "out"))
    assert_clean_failure(r)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_undeclared_variable(tmp_path: Path) -> None:
    p = write(tmp_path, "wf.py", """from flowdsl import LambdaTask, Workflow, var
workflow = Workflow("wf", states=[
    LambdaTask("Call", function=var("handler_arn")),
])
""")
    r = flowdsl("validate", str(p))
    assert_clean_failure(
        r, f"{p}:3: $.States.Call.Parameters.FunctionName: var('handler_arn') is not declared in "
           "the workflow's variables (declared: none) [undeclared-variable]")


def test_validate_asl_file() -> None:
    path = SHARED / "conformance" / "asl-validator" / "invalid-inexistant-state.json"
    r = flowdsl("validate", str(path))
    assert_clean_failure(r, f"{path}:6: $.States.Start State.Next: there is no state named "
                            "'Finished' [dangling-transition]")
    ok = flowdsl("validate", str(SHARED / "conformance" / "asl-validator" / "valid-parallel.json"))
    assert ok.returncode == 0 and ok.stdout.endswith("valid ASL\n")


def test_validate_asl_with_duplicate_keys_and_bad_json(tmp_path: Path) -> None:
    dup = write(tmp_path, "dup.asl.json",
                '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, '
                '"A": {"Type": "Succeed"}}}')
    r = flowdsl("validate", str(dup))
    assert_clean_failure(r)
    assert f"{dup}:1: $.States.A: the key 'A' appears twice in one object; JSON readers keep only " \
        "one of them [duplicate-key]" in r.stderr.splitlines()
    broken = write(tmp_path, "broken.asl.json", '{"StartAt": ')
    r = flowdsl("validate", str(broken))
    assert_clean_failure(r, f"error: {broken}:1:13: not valid JSON: Expecting value")


@pytest.mark.parametrize("command", ["build", "validate"])
def test_help_shows_an_example(command: str) -> None:
    r = flowdsl(command, "--help")
    assert r.returncode == 0
    assert "Example" in r.stdout and "flowdsl " + command in r.stdout


def test_build_check_detects_stale_output(tmp_path: Path) -> None:
    p = write(tmp_path, "wf.py", GOOD)
    out = tmp_path / "out"
    r = flowdsl("build", "--check", str(p), "--out", str(out))
    assert_clean_failure(r, f"{out / 'good' / 'good.asl.json'}: missing")
    assert flowdsl("build", str(p), "--out", str(out)).returncode == 0
    assert flowdsl("build", "--check", str(p), "--out", str(out)).returncode == 0
    p.write_text(GOOD.replace('Pass("A")', 'Pass("A", comment="changed")'))
    assert_clean_failure(flowdsl("build", "--check", str(p), "--out", str(out)),
                         f"{out / 'good' / 'good.asl.json'}: out of date")
    assert flowdsl("build", str(p), "--out", str(out)).returncode == 0
    # A file of the user's is not a difference (the build keeps it); one flowdsl generated
    # earlier and no longer generates is (the build removes it).
    (out / "good" / "provider.tf.json").write_text("{}")
    assert flowdsl("build", "--check", str(p), "--out", str(out)).returncode == 0
    manifest = out / "good" / ".flowdsl-manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "files": data["files"] + ["stray.tf.json"]}))
    (out / "good" / "stray.tf.json").write_text("{}")
    r = flowdsl("build", "--check", str(p), "--out", str(out))
    assert r.stderr.splitlines()[:2] == [
        f"{manifest}: out of date",
        f"{out / 'good' / 'stray.tf.json'}: generated by an earlier build and no longer produced; "
        "the next build removes it"]


def test_committed_build_output_is_current() -> None:
    workflows = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "workflows").glob("*.py"))
    r = flowdsl("build", "--check", *workflows)
    assert r.returncode == 0, r.stderr
    built = sorted(p.name for p in (ROOT / "build").iterdir() if p.is_dir())
    assert built == sorted(Path(w).stem for w in workflows)
