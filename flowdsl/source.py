"""Where in the user's file a model object was written (file:line), captured at construction."""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ATTRS_FILES = ("<attrs generated", "<string>")


def caller_location() -> str | None:
    """The first frame outside flowdsl itself: the line where the user built the object."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith(_ATTRS_FILES):
            return f"{_display(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def _display(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith(".." + os.sep + "..") else rel
