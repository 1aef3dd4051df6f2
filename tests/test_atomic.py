"""The one atomic writer and the names of its temporary files and folders (flowdsl.atomic), and
the manifest's SHA-256 (flowdsl.output)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from flowdsl import atomic, output


def test_write_atomic_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old")
    atomic.write_atomic(target, "new ✓")
    assert target.read_bytes() == "new ✓".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.json"
    target.write_text("old")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_taken_name_is_skipped_and_another_tried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([b"\x00" * 8, b"\x00" * 8, b"\x01" * 8])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: next(draws))
    first = atomic.make_private_dir(tmp_path, "stage-")
    second = atomic.make_private_dir(tmp_path, "stage-")  # the first draw is taken: the next one
    assert first.name == "stage-" + "00" * 8 and second.name == "stage-" + "01" * 8
    assert stat.S_IMODE(first.stat().st_mode) == 0o700


def test_no_free_name_is_an_error_not_a_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.os, "urandom", lambda n: b"\x07" * n)
    atomic.make_private_dir(tmp_path, "s-")
    with pytest.raises(FileExistsError, match="no free temporary name"):
        atomic.make_private_dir(tmp_path, "s-")


def test_a_temporary_name_is_never_followed_through_a_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A link planted at the name the writer draws is not written through: another name is used.
    draws = iter([b"\x02" * 8, b"\x03" * 8])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: next(draws))
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(victim, tmp_path / f".a.json.{'02' * 8}.tmp")
    atomic.write_atomic(tmp_path / "a.json", "data")
    assert victim.read_text() == "keep" and (tmp_path / "a.json").read_text() == "data"


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 300])
def test_the_manifest_digest_is_sha256(data: bytes) -> None:
    assert output._digest(data) == hashlib.sha256(data).hexdigest()
    h = output._sha256()
    h.update(data[:100])
    h.update(data[100:])
    assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_write_new_creates_the_file_durably_and_never_replaces_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = atomic.os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    made = atomic.write_new(tmp_path / "a.tf.json", "{}\n")
    assert made.read_text() == "{}\n" and stat.S_IMODE(made.stat().st_mode) == 0o644
    assert len(synced) == 1  # on the disk before it is moved into place
    with pytest.raises(FileExistsError):
        atomic.write_new(made, "other")
    assert made.read_text() == "{}\n"
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(victim, tmp_path / "link")
    with pytest.raises(FileExistsError):
        atomic.write_new(tmp_path / "link", "through the link")
    assert victim.read_text() == "keep"


def test_write_new_removes_what_it_created_when_it_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError):
        atomic.write_new(tmp_path / "a.json", "data")
    assert list(tmp_path.iterdir()) == []
