"""Where in the user's file a model object was written (file:line), captured at construction."""

from __future__ import annotations

import bisect
import os
import sys
from types import CodeType, FrameType

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ATTRS_FILES = ("<attrs generated", "<string>")

# ``frame.f_lineno`` walks the code object's line table from its start on every read, so a
# file that builds thousands of states in one expression (what ``flowdsl import`` writes) took
# time quadratic in its size. For large code objects the table is read once into sorted
# offsets, and each look-up is a binary search.
_LARGE_CODE = 4096  # bytes of bytecode; smaller code objects read f_lineno directly
# keyed by id(): hashing a code object hashes its bytecode, which is as slow as the f_lineno
# read being avoided; the code object is kept beside its table, so the id stays its own.
_TABLES: dict[int, tuple[CodeType, tuple[list[int], list[int | None]] | None]] = {}
_MAX_TABLES = 256  # code objects remembered; then the cache starts again


def caller_location() -> str | None:
    """The first frame outside flowdsl itself: the line where the user built the object."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith(_ATTRS_FILES):
            return f"{_display(filename)}:{line_of(frame)}"
        frame = frame.f_back
    return None


def line_of(frame: FrameType) -> int | None:
    """``frame.f_lineno``, in logarithmic time for large code objects."""
    code = frame.f_code
    entry = _TABLES.get(id(code))
    if entry is None or entry[0] is not code:
        entry = (code, _line_table(code))
        _TABLES[id(code)] = entry
    table = entry[1]
    if table is None:
        return frame.f_lineno
    starts, lines = table
    i = bisect.bisect_right(starts, frame.f_lasti) - 1
    line = lines[i] if i >= 0 else None
    return line if line is not None else frame.f_lineno


def _line_table(code: CodeType) -> tuple[list[int], list[int | None]] | None:
    if len(_TABLES) >= _MAX_TABLES:
        _TABLES.clear()
    # (``co_code`` is a fresh copy on every read: read it once per code object)
    if len(code.co_code) < _LARGE_CODE:
        return None
    starts: list[int] = []
    lines: list[int | None] = []
    for start, _end, line in code.co_lines():
        starts.append(start)
        lines.append(line)
    return starts, lines


def _display(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith(".." + os.sep + "..") else rel
