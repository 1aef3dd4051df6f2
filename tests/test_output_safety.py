"""The output folder is not trusted: a manifest only narrows what the build removes, and no
file is removed or written through a symbolic link unless the user asks for it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowdsl.build import Artifacts, stale, write
from flowdsl.errors import FlowError
from flowdsl.output import MANIFEST, is_generated_name
from locations import ROOT

FIB = str(ROOT / "workflows" / "fibonacci.py")
NEW = Artifacts("w", {"w.asl.json": "{}\n", "main.tf.json": "{}\n"})


def flowdsl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)


def _folder(tmp_path: Path, manifest: object, files: dict[str, str] | None = None) -> Path:
    """build/w/ as an earlier build left it, with ``manifest`` (text, or data to dump) beside."""
    target = tmp_path / "build" / "w"
    target.mkdir(parents=True)
    for rel, text in (files or {}).items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text)
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (target / MANIFEST).write_text(text)
    return target


def _listing(files: list[str], contents: dict[str, str] | None = None) -> dict:
    """A manifest as flowdsl writes it, with the digests of ``contents`` (the files as written)."""
    if contents is None:
        return {"generated_by": "flowdsl", "files": files}
    digests = {f: hashlib.sha256(contents[f].encode()).hexdigest() for f in files if f in contents}
    return {"generated_by": "flowdsl", "files": files, "sha256": digests}


def _warned(target: Path, why: str) -> str:
    return f"warning: ignoring {target / MANIFEST}: {why}; no file it lists is removed"


USER_FILES = {
    "terraform.tfstate": "state", "terraform.tfstate.backup": "backup", ".terraform.lock.hcl": "lock",
    ".terraform/sub/f": "provider", "dev.tfvars.json": "{}", "prod.tfvars": "x = 1",
}


@pytest.mark.parametrize(("entry", "why"), [
    ("terraform.tfstate", "the entry 'terraform.tfstate' names a file of Terraform's or the user's"),
    ("terraform.tfstate.backup", "the entry 'terraform.tfstate.backup' names a file of Terraform's or the user's"),
    (".terraform.lock.hcl", "the entry '.terraform.lock.hcl' names a file of Terraform's or the user's"),
    ("dev.tfvars.json", "the entry 'dev.tfvars.json' names a file of Terraform's or the user's"),
    ("prod.tfvars", "the entry 'prod.tfvars' names a file of Terraform's or the user's"),
    (".terraform/sub/f", "the entry '.terraform/sub/f' is not a plain file name in the folder"),
])
def test_a_manifest_never_removes_terraforms_or_the_users_files(tmp_path: Path, entry: str, why: str) -> None:
    target = _folder(tmp_path, _listing(["old.tf.json", entry]), {**USER_FILES, "old.tf.json": "{}"})
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert lines == [_warned(target, why)]
    for rel, text in USER_FILES.items():
        assert (target / rel).read_text() == text, rel
    assert (target / "old.tf.json").exists()  # the whole manifest is ignored, not just the entry
    assert json.loads((target / MANIFEST).read_text()) == _listing(["main.tf.json", "w.asl.json"], NEW.files)


@pytest.mark.parametrize(("manifest", "why"), [
    ("{not json", "it is not valid JSON"),
    ("\xff\xfe", "it is not valid JSON"),
    ("[]", 'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps({"files": ["old.tf.json"]}), 'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps({"generated_by": "someone", "files": []}), 'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps({"generated_by": "flowdsl", "files": "old.tf.json"}),
     'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps({"generated_by": "flowdsl", "files": [1]}), 'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps({"generated_by": "flowdsl", "files": [], "more": 1}),
     'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'),
    (json.dumps(_listing(["old\0.tf.json"])), "the entry 'old\\x00.tf.json' holds a NUL byte"),
    (json.dumps(_listing(["../w2/old.tf.json"])), "the entry '../w2/old.tf.json' is not a plain file name in the folder"),
    (json.dumps(_listing([".."])), "the entry '..' is not a plain file name in the folder"),
    (json.dumps(_listing(["/etc/passwd"])), "the entry '/etc/passwd' is not a plain file name in the folder"),
    (json.dumps(_listing([""])), "the entry '' is not a plain file name in the folder"),
    (json.dumps(_listing(["README.md"])), "the entry 'README.md' is not a file flowdsl generates"),
    (json.dumps(_listing(["provider.tf"])), "the entry 'provider.tf' is not a file flowdsl generates"),
    (json.dumps(_listing(["other.asl.json"])), "the entry 'other.asl.json' is not a file flowdsl generates"),
    (json.dumps(_listing([MANIFEST])), "the entry '.flowdsl-manifest.json' is not a file flowdsl generates"),
])
def test_a_manifest_flowdsl_did_not_write_is_one_warning_and_ignored(tmp_path: Path, manifest: str,
                                                                      why: str) -> None:
    target = _folder(tmp_path, manifest, {"old.tf.json": "{}", "README.md": "mine", "provider.tf": "mine"})
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert lines == [_warned(target, why)]
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "README.md", "main.tf.json", "old.tf.json",
                                                         "provider.tf", "w.asl.json"]
    lines.clear()
    write([NEW], tmp_path / "build", warn=lines.append)  # the manifest is flowdsl's own again
    assert lines == []


def test_a_bad_manifest_is_reported_before_any_file_is_moved_in(tmp_path: Path) -> None:
    target = _folder(tmp_path, json.dumps(_listing(["a\0"])), {"main.tf.json": "old"})
    seen: list[str] = []
    write([NEW], tmp_path / "build", warn=lambda line: seen.append((target / "main.tf.json").read_text()))
    assert seen == ["old"] and (target / "main.tf.json").read_text() == "{}\n"


def test_a_manifest_that_is_a_link_or_not_a_file_is_ignored(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(_listing(["old.tf.json"])))
    target = tmp_path / "build" / "w"
    target.mkdir(parents=True)
    (target / "old.tf.json").write_text("{}")
    (target / MANIFEST).symlink_to(elsewhere)
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert lines == [_warned(target, "it is a symbolic link")]
    assert (target / "old.tf.json").exists() and elsewhere.exists()
    other = tmp_path / "other" / "w"
    (other / MANIFEST).mkdir(parents=True)
    with pytest.raises(FlowError, match=r"^cannot write .*/other/w/\.flowdsl-manifest\.json: a folder of that "
                                        r"name is in the way$"):
        write([NEW], tmp_path / "other", warn=lines.append)
    assert lines[1:] == [_warned(other, "it is not a regular file")]


def test_nothing_is_removed_through_a_linked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me")
    target = _folder(tmp_path, _listing(["d/victim.txt"]))
    (target / "d").symlink_to(Path("..", "..", "outside"))
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert lines == [_warned(target, "the entry 'd/victim.txt' is not a plain file name in the folder")]
    assert (outside / "victim.txt").read_text() == "keep me"


def test_a_stale_entry_that_is_a_link_is_left_and_so_is_what_it_points_to(tmp_path: Path) -> None:
    outside = tmp_path / "victim.tf.json"
    outside.write_text("keep me")
    target = _folder(tmp_path, _listing(["old.tf.json", "gone.tf.json", "sub.tf.json"]))
    (target / "old.tf.json").symlink_to(outside)
    (target / "sub.tf.json").mkdir()
    (target / "sub.tf.json" / "x").write_text("mine")
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert lines == []
    assert (target / "old.tf.json").is_symlink() and outside.read_text() == "keep me"
    assert (target / "sub.tf.json" / "x").read_text() == "mine"


def test_a_stale_file_flowdsl_generated_is_removed(tmp_path: Path) -> None:
    old = {"old.tf.json": "{}", "w.asl.json": "{}"}
    target = _folder(tmp_path, _listing(["old.tf.json", "w.asl.json"], old), old)
    write([NEW], tmp_path / "build", warn=pytest.fail)
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "main.tf.json", "w.asl.json"]


@pytest.mark.parametrize("recorded", [
    {"provider.tf.json": "{}"},  # a digest of other content: the file is not what flowdsl wrote
    {},  # no digest (a manifest of an earlier version, or one written by hand)
])
def test_a_stale_file_that_is_not_what_flowdsl_wrote_is_kept(tmp_path: Path, recorded) -> None:
    mine = '{"provider": {"aws": {"region": "eu-west-1"}}}'
    target = _folder(tmp_path, _listing(["provider.tf.json", "w.asl.json"], recorded),
                     {"provider.tf.json": mine, "w.asl.json": "{}"})
    lines: list[str] = []
    write([NEW], tmp_path / "build", warn=lines.append)
    assert (target / "provider.tf.json").read_text() == mine
    assert lines == [f"warning: kept {target / 'provider.tf.json'}: flowdsl no longer generates it, "
                     "but it is not the file flowdsl wrote there; remove it yourself if it is not yours"]


def test_the_manifest_records_what_each_file_holds(tmp_path: Path) -> None:
    write([NEW], tmp_path / "build")
    data = json.loads((tmp_path / "build" / "w" / MANIFEST).read_text())
    assert data["sha256"] == {rel: hashlib.sha256(text.encode()).hexdigest()
                              for rel, text in NEW.files.items()}


def test_an_output_folder_that_is_a_link_is_refused_unless_asked_for(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "mine.txt").write_text("mine")
    (tmp_path / "build").mkdir()
    link = tmp_path / "build" / "w"
    link.symlink_to(real)
    message = (f"cannot write {link}/: it is a symbolic link (to {real}); pass --follow-symlinks to build "
               "into the folder it points to")
    with pytest.raises(FlowError) as e:
        write([NEW], tmp_path / "build")
    assert str(e.value) == message
    assert sorted(p.name for p in real.iterdir()) == ["mine.txt"]
    assert stale([NEW], tmp_path / "build") == [
        f"{link}: is a symbolic link; pass --follow-symlinks to check the folder it points to"]
    write([NEW], tmp_path / "build", follow_symlinks=True)
    assert sorted(p.name for p in real.iterdir()) == [MANIFEST, "main.tf.json", "mine.txt", "w.asl.json"]
    assert stale([NEW], tmp_path / "build", follow_symlinks=True) == []
    link.unlink()
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(FlowError) as e:
        write([NEW], tmp_path / "build", follow_symlinks=True)
    assert str(e.value) == f"cannot write {link}/: it is a symbolic link to {tmp_path / 'missing'}, which does not exist"


def test_the_cli_refuses_a_linked_output_folder_and_follows_it_when_asked(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "fibonacci").symlink_to(real)
    proc = flowdsl("build", FIB, "--out", str(tmp_path / "build"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: cannot write {tmp_path / 'build' / 'fibonacci'}/: it is a symbolic link (to {real}); pass "
        "--follow-symlinks to build into the folder it points to"]
    assert list(real.iterdir()) == []
    proc = flowdsl("build", FIB, "--out", str(tmp_path / "build"), "--follow-symlinks")
    assert proc.returncode == 0, proc.stderr
    assert (real / "fibonacci.asl.json").read_text() == (ROOT / "build" / "fibonacci" / "fibonacci.asl.json").read_text()


def test_the_cli_warns_on_one_line_and_every_later_build_works(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert flowdsl("build", FIB, "--out", str(out)).returncode == 0
    target = out / "fibonacci"
    (target / "terraform.tfstate").write_text("state")
    (target / MANIFEST).write_text(json.dumps(_listing(["terraform.tfstate", "x\0y"])))
    for stderr in ([_warned(target, "the entry 'terraform.tfstate' names a file of Terraform's or the user's")], []):
        proc = flowdsl("build", FIB, "--out", str(out))
        assert proc.returncode == 0 and proc.stderr.splitlines() == stderr
        assert (target / "terraform.tfstate").read_text() == "state"


@pytest.mark.parametrize(("name", "generated"), [
    ("w.asl.json", True), ("state_machine.tf.json", True), ("main.tf.json", True),
    ("other.asl.json", False), ("provider.tf", False), ("Main.tf.json", False), ("a.tfvars.json", False),
    (".terraform.tf.json", False), ("terraform.tfstate", False),
])
def test_the_names_flowdsl_generates(name: str, generated: bool) -> None:
    assert is_generated_name(name, "w") is generated


def test_an_artifact_names_only_plain_files(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match=r"^cannot write .*/build/w/sub/x\.json: flowdsl writes only plain file "
                                        r"names into .*/build/w/$"):
        write([Artifacts("w", {"sub/x.json": "{}"})], tmp_path / "build")


def test_a_link_named_like_a_staging_folder_is_not_cleaned_through(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "f").write_text("keep")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / ".flowdsl-staging-999999999-w-x").symlink_to(mine)
    write([NEW], tmp_path / "build")
    assert (mine / "f").read_text() == "keep"
