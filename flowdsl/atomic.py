"""Writing a file whole or not at all: the one atomic writer of flowdsl. A leaf.

The data goes to a temporary file beside the target, which is then renamed over it
(``os.replace``, atomic on POSIX and Windows), so a reader sees the old file or the new one,
never a part; a failure removes the temporary file and leaves the old one in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: str | bytes, mode: int = 0o644) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; the folder must exist. Raises
    ``OSError`` as the system reports it: callers word it for their command."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["write_atomic"]
