"""Write build output without destroying what flowdsl did not write.

``build/<name>/`` is also where people run Terraform (``terraform -chdir=build/<name> apply``),
so it holds files flowdsl must never touch: ``.terraform/``, ``.terraform.lock.hcl``,
``terraform.tfstate*``, ``*.tfvars*``, a ``provider.tf`` of their own. The policy:

* flowdsl replaces only the files it generates, and removes a file it generated earlier and no
  longer generates. It knows which files those are from the manifest it writes beside them,
  :data:`MANIFEST` (a folder without one: only the files the build generates now are flowdsl's).
  Everything else in the folder is the user's and stays as it is.
* The manifest is committed with the build, so it is data anyone may have edited: it only ever
  narrows what is removed. An entry is honoured only when it is a name flowdsl generates (the
  workflow's ``<name>.asl.json`` and ``<name>.rendered.asl.json``, a ``<snake_case>.tf.json``
  file, or a file this build writes),
  a plain name directly in the folder, and never a file of Terraform's or the user's
  (``terraform.tfstate*``, ``.terraform*``, ``*.tfvars*``). A manifest that is not one flowdsl
  writes (not JSON, another shape, an entry outside those names) is one warning line on stderr,
  and is then ignored as a whole: nothing it lists is removed. It is read and checked before
  any file is moved into place.
* Nothing is followed through a symbolic link: a stale entry that is a link (or anything but a
  regular file) is left alone, and files are removed by name inside the folder itself, so no
  path leads out of it. The output folder is used as the user names it (``--out``), but a
  ``<out>/<name>`` that is a symbolic link is refused unless the user asks for it
  (``follow_symlinks``, the CLI's ``--follow-symlinks``): flowdsl then writes, and removes its
  own earlier files, in the folder the link points to.
* All files of all workflows are first written (:func:`flowdsl.atomic.write_new`) to staging
  folders inside the output folder and flushed to disk; only when every one is complete are they moved into place, file by file, with
  ``os.replace`` (atomic per file). A build that fails or is killed before that point (disk full,
  an invalid workflow, Ctrl-C) leaves the previous output as it was; its staging folders are
  removed by the next build.
* An output path that is a file, a device (``/dev/null``) or unwritable is one error line.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from flowdsl.atomic import make_private_dir, write_new
from flowdsl.errors import FlowError

MANIFEST = ".flowdsl-manifest.json"
RENDERED = ".rendered.asl.json"  # <name>.rendered.asl.json: the definition with --var's values filled in
_STAGING = ".flowdsl-staging-"
_TF_FILE = re.compile(r"[a-z][a-z0-9_]*\.tf\.json")  # every Terraform file flowdsl writes
# Terraform's and the user's own files: never flowdsl's, whatever a manifest says
_USER_OWNED = re.compile(r"terraform\.tfstate.*|\.terraform.*|.*\.tfvars.*", re.S)
_MANIFEST_BYTES = 1 << 20  # flowdsl's manifests are a few hundred bytes

Warn = Callable[[str], None]


class OutputError(FlowError):
    """The output folder cannot take the build."""


def manifest_text(files: Mapping[str, str]) -> str:
    """The manifest of a build: the files it wrote, and the SHA-256 of each. A later build
    removes a file it no longer generates only when the file is still exactly what flowdsl
    wrote, so a manifest that names someone else's file (forged, or copied from elsewhere)
    cannot have it removed: its content is not known to whoever wrote the manifest."""
    digests = {name: _digest(text.encode("utf-8")) for name, text in sorted(files.items())}
    return json.dumps({"generated_by": "flowdsl", "files": sorted(files), "sha256": digests},
                      indent=2) + "\n"


def _digest(data: bytes) -> str:
    return _sha256(data).hexdigest()


def _sha256(data: bytes = b"") -> Any:
    """A SHA-256 hash object. CPython's own implementation where it has one (``_sha2`` from
    3.12, ``_sha256`` before): the same digest as ``hashlib``'s, without the OpenSSL binding,
    whose load is a noticeable part of a build's start-up; ``hashlib`` otherwise."""
    return _sha256_type()(data)


@functools.cache
def _sha256_type() -> Any:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
        except ImportError:  # pragma: no cover - a build of Python without them
            from hashlib import sha256
    return sha256


def is_generated_name(rel: str, workflow: str, files: Collection[str] = ()) -> bool:
    """Whether flowdsl generates a file named ``rel`` in ``build/<workflow>/``."""
    if _USER_OWNED.fullmatch(rel):
        return False
    return rel in files or rel in (f"{workflow}.asl.json", workflow + RENDERED) or \
        _TF_FILE.fullmatch(rel) is not None


def read_manifest(target: Path, workflow: str, files: Collection[str] = ()
                  ) -> tuple[dict[str, str | None] | None, str | None]:
    """(the files the manifest in ``target`` says flowdsl generated, each with the SHA-256 it
    recorded or None, None) when it is one flowdsl writes; (None, why not) when it is something
    else; (None, None) when there is none. (Manifests of earlier versions record no digests.)"""
    path = target / MANIFEST
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None, None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, "it is a symbolic link"
        return None, f"cannot read it: {_describe(e)}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        if info.st_size > _MANIFEST_BYTES:
            return None, f"it is {info.st_size:,} bytes, far more than flowdsl writes"
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(_MANIFEST_BYTES + 1)
    except OSError as e:
        return None, f"cannot read it: {_describe(e)}"
    finally:
        os.close(fd)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, "it is not valid JSON"
    digests = data.get("sha256", {}) if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) - {"sha256"} != {"generated_by", "files"} or \
            data["generated_by"] != "flowdsl" or not isinstance(data["files"], list) or \
            not all(isinstance(f, str) for f in data["files"]) or not isinstance(digests, dict) or \
            not all(isinstance(d, str) for d in digests.values()):
        return None, 'it is not {"generated_by": "flowdsl", "files": [names], "sha256": {...}}'
    for rel in data["files"]:
        problem = _bad_entry(rel, workflow, files)
        if problem:
            return None, f"the entry {_shown(rel)} {problem}"
    return {rel: digests.get(rel) for rel in data["files"]}, None


def _bad_entry(rel: str, workflow: str, files: Collection[str]) -> str | None:
    if "\0" in rel:
        return "holds a NUL byte"
    if rel in ("", ".", "..") or "/" in rel or "\\" in rel or os.path.isabs(rel):
        return "is not a plain file name in the folder"
    if _USER_OWNED.fullmatch(rel):
        return "names a file of Terraform's or the user's"
    if rel == MANIFEST or not is_generated_name(rel, workflow, files):
        return "is not a file flowdsl generates"
    return None


def _shown(rel: str) -> str:
    text = repr(rel)
    return text if len(text) <= 80 else text[:60] + "..." + text[-12:]


def previous_files(target: Path, workflow: str | None = None) -> set[str] | None:
    """The files the manifest in ``target`` says flowdsl generated; None without a manifest
    flowdsl wrote."""
    found = read_manifest(target, workflow if workflow is not None else target.name)[0]
    return None if found is None else set(found)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


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
        if not entry.name.startswith(_STAGING) or entry.is_symlink() or not entry.is_dir():
            continue  # a link of that name is not a staging folder: nothing is removed through it
        pid = entry.name[len(_STAGING):].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        _remove_folder(entry)


def _remove_folder(path: Path) -> None:
    """Remove a staging folder: empty, as a build leaves it, or with what a killed one left."""
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return
    except OSError:
        import shutil  # only for a folder with files in it: a build's own is empty by now

        shutil.rmtree(path, ignore_errors=True)


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


def _check_target(target: Path, follow_symlinks: bool) -> None:
    """``out/<name>`` is a folder flowdsl may write into, or not there yet."""
    if target.is_symlink():
        if not follow_symlinks:
            raise OutputError(f"cannot write {target}/: it is a symbolic link (to {os.readlink(target)}); "
                              "pass --follow-symlinks to build into the folder it points to")
        if not target.exists():
            raise OutputError(f"cannot write {target}/: it is a symbolic link to "
                              f"{os.readlink(target)}, which does not exist")
    if target.exists() and not target.is_dir():
        raise OutputError(f"cannot write {target}/: a file of that name is in the way")


def write(artifacts: Iterable[Any], out_dir: str | Path, *, follow_symlinks: bool = False,
          warn: Warn | None = None) -> list[Path]:
    """Write every workflow's files into ``out_dir/<name>/``: all of them, or none. ``warn``
    gets one line per manifest that is ignored (default: stderr)."""
    out = Path(out_dir)
    arts = list(artifacts)
    warn = warn or _stderr
    check_out_dir(out)
    clean_stale_staging(out)
    staged: list[tuple[Any, Path, Path, dict[str, str | None]]] = []
    try:
        for art in arts:
            target = out / art.name
            _check_target(target, follow_symlinks)
            for rel in art.files:
                if _bad_name(rel):
                    raise OutputError(f"cannot write {target / rel}: flowdsl writes only plain file "
                                      f"names into {target}/")
            before, why = read_manifest(target, art.name, art.files)
            if why is not None:
                warn(f"warning: ignoring {target / MANIFEST}: {why}; no file it lists is removed")
            staging = make_private_dir(out, f"{_STAGING}{os.getpid()}-{art.name}-")
            staged.append((art, target, staging, before or {}))
            files = dict(art.files)
            files[MANIFEST] = manifest_text(art.files)
            for rel, text in sorted(files.items()):
                write_new(staging / rel, text)  # on the disk before anything is moved into place
                existing = target / rel
                if existing.is_dir() and not existing.is_symlink():
                    raise OutputError(f"cannot write {existing}: a folder of that name is in the way")
        # Everything is on disk: move it into place. Only renames from here on.
        written = []
        for art, target, staging, before in staged:
            try:
                _commit(art, target, staging, before, follow_symlinks, warn)
            except OSError as e:
                raise OutputError(f"cannot finish writing {target}/: {_describe(e)}; some of its files are "
                                  "new and some old: run the build again") from None
            written.append(target)
        return written
    except OSError as e:
        where = getattr(e, "filename", None) or out
        raise OutputError(f"cannot write {where}: {_describe(e)}; the previous output is unchanged") from None
    finally:
        for _, _, staging, _ in staged:
            _remove_folder(staging)


def _bad_name(rel: str) -> bool:
    return not isinstance(rel, str) or rel in ("", ".", "..", MANIFEST) or "/" in rel or "\0" in rel


def _commit(art: Any, target: Path, staging: Path, before: dict[str, str | None],
            follow_symlinks: bool, warn: Warn) -> None:
    target.mkdir(exist_ok=True)
    # The folder is opened once, without following a link (unless asked to): every rename and
    # removal below is by name inside this very folder, whatever is swapped in meanwhile.
    flags = os.O_RDONLY | os.O_DIRECTORY | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    folder = os.open(target, flags)
    try:
        for rel in sorted(art.files):
            os.replace(staging / rel, rel, dst_dir_fd=folder)
        for rel in sorted(set(before) - set(art.files)):
            try:
                info = os.stat(rel, dir_fd=folder, follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):  # a link or a folder of that name is not flowdsl's
                    continue
                if before[rel] is not None and _file_digest(rel, folder) == before[rel]:
                    os.unlink(rel, dir_fd=folder)
                else:
                    warn(f"warning: kept {target / rel}: flowdsl no longer generates it, but it is "
                         "not the file flowdsl wrote there; remove it yourself if it is not yours")
            except OSError:
                pass  # gone already: nothing to do
        os.replace(staging / MANIFEST, MANIFEST, dst_dir_fd=folder)  # last: it records what is now in place
    finally:
        os.close(folder)


def _file_digest(rel: str, folder: int) -> str | None:
    """The SHA-256 of the regular file ``rel`` in the open folder, read without following a link."""
    fd = os.open(rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=folder)
    try:
        digest = _sha256()
        with os.fdopen(fd, "rb", closefd=False) as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def stale(artifacts: Iterable[Any], out_dir: str | Path, *, follow_symlinks: bool = False) -> list[str]:
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
        if target.is_symlink() and not follow_symlinks:
            problems.append(f"{target}: is a symbolic link; pass --follow-symlinks to check the folder "
                            "it points to")
            continue
        files = dict(art.files)
        files[MANIFEST] = manifest_text(art.files)
        for rel, text in sorted(files.items()):
            f = target / rel
            if not f.is_file():
                problems.append(f"{f}: missing")
            elif f.read_text(encoding="utf-8", errors="replace") != text:
                problems.append(f"{f}: out of date")
        before = read_manifest(target, art.name, art.files)[0] or {}
        for rel in sorted(set(before) - set(art.files)):
            if os.path.lexists(target / rel):
                problems.append(f"{target / rel}: generated by an earlier build and no longer produced; "
                                "the next build removes it")
    return problems
