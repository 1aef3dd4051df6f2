"""Write build output without destroying what flowdsl did not write.

``build/<name>/`` is also where people run Terraform (``terraform -chdir=build/<name> apply``),
so it holds files flowdsl must never touch: ``.terraform/``, ``.terraform.lock.hcl``,
``terraform.tfstate*``, ``*.tfvars*``, a ``provider.tf`` of their own. The policy:

* flowdsl replaces only the files it generates, and removes a file it generated earlier and no
  longer generates. It knows which files those are from the manifest it writes beside them,
  :data:`MANIFEST` (a folder without one: only the files the build generates now are flowdsl's).
  Everything else in the folder is the user's and stays as it is.
* All files of all workflows are first written (:func:`flowdsl.atomic.write_atomic`) to staging
  folders inside the output folder and flushed to disk; only when every one is complete are they moved into place, file by file, with
  ``os.replace`` (atomic per file). A build that fails or is killed before that point (disk full,
  an invalid workflow, Ctrl-C) leaves the previous output as it was; its staging folders are
  removed by the next build.
* An output path that is a file, a device (``/dev/null``) or unwritable is one error line.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flowdsl.atomic import write_atomic
from flowdsl.errors import FlowError

MANIFEST = ".flowdsl-manifest.json"
_STAGING = ".flowdsl-staging-"


class OutputError(FlowError):
    """The output folder cannot take the build."""


def manifest_text(files: Iterable[str]) -> str:
    return json.dumps({"generated_by": "flowdsl", "files": sorted(files)}, indent=2) + "\n"


def previous_files(target: Path) -> set[str] | None:
    """The files the manifest in ``target`` says flowdsl generated; None without a manifest."""
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    # Only plain relative names inside the folder: a manifest never points elsewhere.
    return {f for f in files if f and not os.path.isabs(f) and ".." not in Path(f).parts}


def _describe(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "no space left on the device"
    return e.strerror or str(e)


def check_out_dir(out: Path) -> None:
    """The output folder exists (or can be made) and is a writable folder."""
    if out.exists() and not out.is_dir():
        kind = "a file" if out.is_file() else "not a folder (a device or special file)"
        raise OutputError(f"cannot write the build to {out}: it is {kind}; give --out a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {_describe(e)}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write the build to {out}: permission denied")


def clean_stale_staging(out: Path) -> None:
    """Remove staging folders left by builds that were killed (their process is gone)."""
    try:
        entries = list(out.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(_STAGING) or not entry.is_dir():
            continue
        pid = entry.name[len(_STAGING):].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process starts no other build concurrently
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write(artifacts: Iterable[Any], out_dir: str | Path) -> list[Path]:
    """Write every workflow's files into ``out_dir/<name>/``: all of them, or none."""
    out = Path(out_dir)
    arts = list(artifacts)
    check_out_dir(out)
    clean_stale_staging(out)
    staged: list[tuple[Any, Path, Path]] = []
    try:
        for art in arts:
            target = out / art.name
            if target.exists() and not target.is_dir():
                raise OutputError(f"cannot write {target}/: a file of that name is in the way")
            staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-{art.name}-", dir=out))
            staged.append((art, target, staging))
            files = dict(art.files)
            files[MANIFEST] = manifest_text(art.files)
            for rel, text in sorted(files.items()):
                path = staging / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, text)
                _flush(path)
                existing = target / rel
                if existing.is_dir() and not existing.is_symlink():
                    raise OutputError(f"cannot write {existing}: a folder of that name is in the way")
        # Everything is on disk: move it into place. Only renames from here on.
        written = []
        for art, target, staging in staged:
            try:
                _commit(art, target, staging)
            except OSError as e:
                raise OutputError(f"cannot finish writing {target}/: {_describe(e)}; some of its files are "
                                  "new and some old: run the build again") from None
            written.append(target)
        return written
    except OSError as e:
        where = getattr(e, "filename", None) or out
        raise OutputError(f"cannot write {where}: {_describe(e)}; the previous output is unchanged") from None
    finally:
        for _, _, staging in staged:
            shutil.rmtree(staging, ignore_errors=True)


def _flush(path: Path) -> None:
    """Have the file's data on the disk before anything is moved into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(art: Any, target: Path, staging: Path) -> None:
    before = previous_files(target)
    target.mkdir(exist_ok=True)
    for rel in sorted(art.files):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)
    for rel in sorted((before or set()) - set(art.files)):
        try:
            (target / rel).unlink()
        except OSError:
            pass  # gone already, or not a file any more: not flowdsl's to force
    os.replace(staging / MANIFEST, target / MANIFEST)  # last: it records what is now in place


def stale(artifacts: Iterable[Any], out_dir: str | Path) -> list[str]:
    """What ``flowdsl build`` would change in ``out_dir``; empty when it is up to date.

    Files that are not flowdsl's (Terraform state, ``.terraform/``, tfvars, the user's own
    ``*.tf``) are not differences: the build keeps them.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        return [f"{out}: is not a folder"]
    problems = []
    for art in artifacts:
        target = out / art.name
        files = dict(art.files)
        files[MANIFEST] = manifest_text(art.files)
        for rel, text in sorted(files.items()):
            f = target / rel
            if not f.is_file():
                problems.append(f"{f}: missing")
            elif f.read_text(encoding="utf-8") != text:
                problems.append(f"{f}: out of date")
        for rel in sorted((previous_files(target) or set()) - set(art.files)):
            if (target / rel).exists():
                problems.append(f"{target / rel}: generated by an earlier build and no longer produced; "
                                "the next build removes it")
    return problems
