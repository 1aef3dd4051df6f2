"""flowdsl build never destroys what it did not write, and writes all or nothing."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flowdsl import output
from flowdsl.build import Artifacts, write
from flowdsl.errors import FlowError
from locations import ROOT

FIB = str(ROOT / "workflows" / "fibonacci.py")


def flowdsl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=20)


def one_line_failure(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [expected]


USER_FILES = {
    "terraform.tfstate": '{"version": 4, "serial": 7}',
    "terraform.tfstate.backup": '{"version": 4, "serial": 6}',
    ".terraform.lock.hcl": "# lock\n",
    ".terraform/providers/registry.terraform.io/hashicorp/aws/marker": "binary",
    ".terraform/terraform.tfstate": "{}",
    "dev.tfvars.json": '{"stage": "dev"}',
    "prod.tfvars": 'stage = "prod"\n',
    "provider.tf": 'provider "aws" {}\n',
    "notes/README.txt": "mine\n",
}


def test_rebuilding_keeps_terraform_state_and_user_files(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert flowdsl("build", FIB, "--out", str(out)).returncode == 0
    target = out / "fibonacci"
    for rel, text in USER_FILES.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text)
    (target / "main.tf.json").write_text("{}")  # flowdsl's own file, edited: the build restores it
    proc = flowdsl("build", FIB, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for rel, text in USER_FILES.items():
        assert (target / rel).read_text() == text, rel
    assert (target / "main.tf.json").read_text() == (ROOT / "build" / "fibonacci" / "main.tf.json").read_text()
    assert flowdsl("build", "--check", FIB, "--out", str(out)).returncode == 0  # user files are no difference
    assert sorted(p.name for p in out.iterdir()) == ["fibonacci"]  # no staging folder left


def test_a_file_flowdsl_no_longer_generates_is_removed_and_only_that(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write([Artifacts("w", {"a.tf.json": "{}\n", "old.tf.json": "{}\n"})], out)
    (out / "w" / "mine.tf.json").write_text("{}\n")  # the user's: not in the manifest
    write([Artifacts("w", {"a.tf.json": "{\"x\": 1}\n"})], out)
    assert sorted(p.name for p in (out / "w").iterdir()) == [".flowdsl-manifest.json", "a.tf.json",
                                                            "mine.tf.json"]
    assert json.loads((out / "w" / ".flowdsl-manifest.json").read_text())["files"] == ["a.tf.json"]


def test_without_a_manifest_nothing_unknown_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "build" / "w"
    target.mkdir(parents=True)
    (target / "old.tf.json").write_text("kept")
    write([Artifacts("w", {"a.tf.json": "{}\n"})], tmp_path / "build")
    assert (target / "old.tf.json").read_text() == "kept"


def test_disk_full_in_a_multi_workflow_build_changes_nothing(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    write([Artifacts("a", {"x.json": "a1\n"}), Artifacts("b", {"y.json": "b1\n"})], out)
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:  # the second workflow's first file: the first one is fully staged
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "b" / "y.json"))
        real_fsync(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)
    with pytest.raises(FlowError, match=r"^cannot write .*/build/b/y\.json: no space left on the device; "
                                        r"the previous output is unchanged$"):
        write([Artifacts("a", {"x.json": "a2\n"}), Artifacts("b", {"y.json": "b2\n"})], out)
    assert (out / "a" / "x.json").read_text() == "a1\n"
    assert (out / "b" / "y.json").read_text() == "b1\n"
    assert sorted(p.name for p in out.iterdir()) == ["a", "b"]


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from flowdsl import output
from flowdsl.build import Artifacts, write
real = os.fsync
def fsync(fd):
    real(fd)
    os.kill(os.getpid(), signal.SIGKILL)   # killed while the new files are being written
output.os.fsync = fsync
write([Artifacts("w", {{"a.json": "new\\n", "b.json": "new\\n"}})], {out!r})
"""


def test_a_killed_build_leaves_the_previous_output_and_the_next_build_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write([Artifacts("w", {"a.json": "old\n", "b.json": "old\n"})], out)
    proc = subprocess.run([sys.executable, "-c", KILLER.format(root=str(ROOT), out=str(out))], timeout=20)
    assert proc.returncode == -signal.SIGKILL
    assert (out / "w" / "a.json").read_text() == "old\n" and (out / "w" / "b.json").read_text() == "old\n"
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".flowdsl-staging-")]
    assert len(leftovers) == 1
    write([Artifacts("w", {"a.json": "new\n", "b.json": "new\n"})], out)
    assert sorted(p.name for p in out.iterdir()) == ["w"]
    assert (out / "w" / "a.json").read_text() == "new\n"


def test_output_paths_that_cannot_take_a_build(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    one_line_failure(flowdsl("build", FIB, "--out", str(a_file)),
                     f"error: cannot write the build to {a_file}: it is a file; give --out a folder")
    one_line_failure(flowdsl("build", FIB, "--out", "/dev/null"),
                     "error: cannot write the build to /dev/null: it is not a folder (a device or special "
                     "file); give --out a folder")
    one_line_failure(flowdsl("build", FIB, "--out", "/proc/flowdsl-build"),
                     "error: cannot create the output folder /proc/flowdsl-build: No such file or directory")
    blocked = tmp_path / "out"
    (blocked).mkdir()
    (blocked / "fibonacci").write_text("in the way")
    one_line_failure(flowdsl("build", FIB, "--out", str(blocked)),
                     f"error: cannot write {blocked / 'fibonacci'}/: a file of that name is in the way")
    assert (blocked / "fibonacci").read_text() == "in the way"
    assert flowdsl("build", "--check", FIB, "--out", str(a_file)).stderr.splitlines()[0] == \
        f"{a_file}: is not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_an_unwritable_output_folder(tmp_path: Path) -> None:  # pragma: no cover - CI runs as root
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    one_line_failure(flowdsl("build", FIB, "--out", str(locked)),
                     f"error: cannot write the build to {locked}: permission denied")


def test_an_unwritable_output_folder_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.os, "access", lambda path, mode: False)
    with pytest.raises(FlowError, match=r"^cannot write the build to .*: permission denied$"):
        write([Artifacts("w", {"a.json": "x"})], tmp_path / "out")


def _nested_parallel(levels: int):
    from flowdsl import Parallel, Pass, Workflow

    inner = Pass("Leaf")
    for i in range(levels):
        inner = Parallel(f"P{i:05d}", branches=[[inner]])  # names of one length: equal levels
    return Workflow("deep", states=[inner])


def test_the_files_grow_linearly_with_nesting_depth() -> None:
    from flowdsl.build import build

    sizes = {n: len(build(_nested_parallel(n)).files["deep.asl.json"]) for n in (500, 1000, 2000)}
    # every level adds the same bytes: indentation stops at a fixed depth
    assert sizes[2000] - sizes[1000] == 2 * (sizes[1000] - sizes[500])
    assert sizes[2000] < 200_000  # fully indented, it was 176 MB


def test_deep_parts_are_written_on_one_line_below_the_indented_levels() -> None:
    from flowdsl.placeholders import INDENTED_LEVELS, dumps

    doc: object = 1
    for _ in range(INDENTED_LEVELS + 2):
        doc = {"k": doc}
    lines = dumps(doc).splitlines()
    assert len(lines) == 2 * INDENTED_LEVELS + 1
    assert lines[INDENTED_LEVELS] == "  " * INDENTED_LEVELS + '"k": {"k": {"k": 1}}'
    assert dumps({"b": [1, {"a": []}], "a": {}}) == '{\n  "a": {},\n  "b": [\n    1,\n    {\n      "a": []\n    }\n  ]\n}\n'


def test_the_committed_build_is_unchanged_by_the_depth_cut() -> None:
    for path in sorted((ROOT / "build").glob("*/*.json")):
        if path.name == output.MANIFEST:
            continue
        text = path.read_text()
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n", path
