"""Writing a file whole or not at all: the one atomic writer of flowdsl. A leaf.

The data goes to a temporary file beside the target, which is then renamed over it
(``os.replace``, atomic on POSIX and Windows), so a reader sees the old file or the new one,
never a part; a failure removes the temporary file and leaves the old one in place.

The temporary names are made here (:func:`fresh_name`, created with ``O_EXCL``) rather than by
``tempfile``, whose import brings ``shutil``, ``random`` and the compression modules into every
command that writes a file: a build's start-up is most of its time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_ATTEMPTS = 100  # names are 64 random bits: a clash at all means something else is wrong


def fresh_name(folder: Path, prefix: str, suffix: str, create: Callable[[Path], T]) -> tuple[Path, T]:
    """``create(folder / (prefix + random + suffix))`` for a name not taken yet: ``create``
    must fail with ``FileExistsError`` when it is (``os.open`` with ``O_EXCL``, ``os.mkdir``),
    and is tried again with another name. Its other errors are raised as they are."""
    for _ in range(_ATTEMPTS):
        path = folder / f"{prefix}{os.urandom(8).hex()}{suffix}"
        try:
            return path, create(path)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder} after {_ATTEMPTS} tries")


def make_private_dir(folder: Path, prefix: str) -> Path:
    """A new, empty folder in ``folder``, readable by this user only, named ``prefix`` and a
    random part (``tempfile.mkdtemp``'s promise)."""
    return fresh_name(folder, prefix, "", lambda p: os.mkdir(p, 0o700))[0]


def _open_new(path: Path, mode: int = 0o600) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, mode)


def write_new(path: str | os.PathLike[str], data: str | bytes, mode: int = 0o644) -> Path:
    """Create ``path`` (it must not exist: a link or file of that name is an error, never
    followed or replaced), write ``data`` (text as UTF-8) and have it on the disk before
    returning: for a folder only this process writes into (a build's staging folder), whose
    files are then moved into place. A failure removes what was created."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd = _open_new(target, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            else:  # pragma: no cover - Windows before 3.13
                os.chmod(target, mode)
            os.fsync(f.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def write_atomic(path: str | os.PathLike[str], data: str | bytes, mode: int = 0o644) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; the folder must exist. Raises
    ``OSError`` as the system reports it: callers word it for their command."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp, fd = fresh_name(target.parent, f".{target.name}.", ".tmp", _open_new)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


__all__ = ["fresh_name", "make_private_dir", "write_atomic", "write_new"]
