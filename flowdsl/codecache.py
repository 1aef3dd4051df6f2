"""A bytecode cache for the methods attrs writes: what ``__pycache__`` is for a module, this is
for the ``__init__`` of each flowdsl class. A leaf (it writes with :mod:`flowdsl.atomic`).

attrs writes every class's ``__init__`` as Python source and compiles it when the class is
made, on every start of every process: for flowdsl's classes that compiling is a large part of
a command's start-up. :func:`install` has attrs's compile calls answered from a file of code
objects kept beside the package's bytecode, keyed by the generated source and the name attrs
gives it, so what is used is exactly what compiling that source now gives; a source not seen
before (a class changed, attrs upgraded) is compiled as usual, and the file is written again
when the process ends.

The file follows Python's own rules for bytecode: it lives in the package's ``__pycache__``
(or under ``sys.pycache_prefix``), is tagged with the interpreter (``sys.implementation
.cache_tag`` and ``sys.hexversion``), is not written when ``sys.dont_write_bytecode`` is set
(``-B``, ``PYTHONDONTWRITEBYTECODE``), and a file that cannot be read, written or parsed is
passed over silently: the classes are then compiled, as without it.
"""

from __future__ import annotations

import marshal
import sys
from pathlib import Path
from types import CodeType
from typing import Any

_HERE = Path(__file__).resolve().parent
_NAME = f"attrs-methods.{sys.implementation.cache_tag}-{sys.hexversion:x}.bin"
_SEP = "\0"  # between the name attrs gives a script and its source, in a key


def cache_file(package_dir: Path = _HERE) -> Path:
    """Where the cache of ``package_dir`` lives (Python's rule for ``__pycache__``)."""
    prefix = sys.pycache_prefix
    if prefix:
        return Path(prefix, package_dir.relative_to(package_dir.anchor)) / _NAME
    return package_dir / "__pycache__" / _NAME


class CodeCache:
    """The code objects of one cache file: read on first use, written at exit when new ones
    were compiled."""

    def __init__(self, path: Path, owner: str = "flowdsl.") -> None:
        self.path = path
        self.owner = f" {owner}"  # only the classes of these modules: attrs names a script for its class
        self._codes: dict[str, CodeType] | None = None
        self.compiled = 0  # scripts compiled because the cache did not have them
        self.reused = 0

    def _load(self) -> dict[str, CodeType]:
        if self._codes is None:
            self._codes = {}
            try:
                data = marshal.loads(self.path.read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                data = None
            if isinstance(data, dict):
                self._codes = {k: v for k, v in data.items()
                               if isinstance(k, str) and isinstance(v, CodeType)}
        return self._codes

    def compile(self, source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
        """``compile`` as attrs calls it for a class of the owner's; any other call (another
        library's class) goes through unchanged."""
        if args or kwargs or mode != "exec" or not isinstance(source, str) or \
                not isinstance(filename, str) or not filename.startswith("<attrs generated") or \
                self.owner not in filename:
            return compile(source, filename, mode, *args, **kwargs)
        key = f"{filename}{_SEP}{source}"
        codes = self._load()
        code = codes.get(key)
        if code is not None:
            self.reused += 1
            return code
        code = compile(source, filename, mode)
        if not self.compiled:
            import atexit

            atexit.register(self.save)
        self.compiled += 1
        # A class whose script changed replaces its earlier entry, so the file does not grow.
        for old in [k for k in codes if _base(k.partition(_SEP)[0]) == _base(filename)]:
            codes.pop(old, None)  # (another thread's class may have replaced it meanwhile)
        codes[key] = code
        return code

    def save(self) -> None:
        """Write the cache (atomically), unless bytecode is not to be written."""
        if sys.dont_write_bytecode or self._codes is None:
            return
        from flowdsl.atomic import write_atomic

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, marshal.dumps(self._codes))
        except (OSError, ValueError):
            pass  # a read-only install: the classes are compiled each time, as without a cache


def _base(filename: str) -> str:
    """The name attrs gives a class's script, without the ``-N`` it adds when a different
    script of that name was made earlier in the process."""
    head, dash, count = filename[:-1].rpartition("-")
    return f"{head}>" if dash and count.isdigit() and filename.endswith(">") else filename


_CACHE = CodeCache(cache_file())


def install(module: Any = None, cache: CodeCache | None = None) -> CodeCache:
    """Have the calls of ``compile`` by the functions of ``module`` (by default attrs's
    ``attr._make``, where it compiles what it writes) go through ``cache`` (the package's by
    default). Once for good: the cache passes other libraries' scripts through, so no thread
    sees a half-done swap. The package calls it before it makes its first class."""
    if module is None:
        import attr._make as module
    cache = cache or _CACHE
    if getattr(module, "compile", None) != cache.compile:
        module.compile = cache.compile
    return cache


def stats() -> tuple[int, int]:
    """(scripts compiled, scripts taken from the cache) in this process so far."""
    return _CACHE.compiled, _CACHE.reused


__all__ = ["CodeCache", "cache_file", "install", "stats"]
