"""Run a call on a thread with a large stack, so deeply nested documents are handled.

flowdsl walks JSON values and nested states recursively (the compiler, the validator, the
engine's templates, ``json`` itself). Python's default recursion limit (1,000 frames) stops a
10,000-level input or a 500-level Parallel long before the machine would. :func:`call` runs a
function on a thread whose stack is big enough for :data:`RECURSION_LIMIT` frames, with that
limit in force, and hands back its result or its exception; a ``RecursionError`` still possible
beyond it becomes a :class:`~flowdsl.errors.FlowError` with one clear line.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TypeVar

from flowdsl.errors import FlowError

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # reserved, not committed: only the pages used are touched
RECURSION_LIMIT = 60_000  # about 8 KiB of stack per frame, far more than a frame takes

_lock = threading.Lock()
_active = threading.local()


class TooDeep(FlowError):
    """A document nests deeper than flowdsl can walk."""


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on a large-stack thread; its exception, if any, is re-raised here."""
    if getattr(_active, "inside", False):  # already on a deep stack
        return _guarded(fn, *args, **kwargs)
    box: dict[str, Any] = {}

    def target() -> None:
        _active.inside = True
        try:
            box["result"] = _guarded(fn, *args, **kwargs)
        except BaseException as e:  # handed to the caller's thread as is
            box["error"] = e

    with _lock:
        old_size = threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
            worker = threading.Thread(target=target, name="flowdsl-deep", daemon=True)
            worker.start()
        finally:
            threading.stack_size(old_size)
    worker.join()
    if "error" in box:
        raise box["error"].with_traceback(None) if isinstance(box["error"], TooDeep) else box["error"]
    return box["result"]


def _guarded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    old = sys.getrecursionlimit()
    if old < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        return fn(*args, **kwargs)
    except RecursionError:
        raise TooDeep("the document nests too deeply to process (more than "
                      f"{RECURSION_LIMIT:,} levels of calls)") from None
    finally:
        if old < RECURSION_LIMIT and sys.getrecursionlimit() == RECURSION_LIMIT:
            sys.setrecursionlimit(old)
