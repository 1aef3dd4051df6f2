"""One error root for flowdsl, and the diagnostic every check reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flowdsl.frozen import frozen


@frozen
class Diagnostic:
    """One problem, located in the emitted document and, where known, in the source."""

    code: str
    path: str
    message: str
    source: str | None = None

    def render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.path}: {self.message} [{self.code}]"


@frozen
class Suggestion:
    """The known name a misspelt one most likely means, if any."""

    name: str | None

    @property
    def hint(self) -> str:
        """``"; did you mean 'X'?"``, or nothing: after a clause."""
        return f"; did you mean {self.name!r}?" if self.name else ""

    @property
    def aside(self) -> str:
        """``" (did you mean 'X'?)"``, or nothing: inside a sentence."""
        return f" (did you mean {self.name!r}?)" if self.name else ""


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.6,
                 ignore_case: bool = True) -> Suggestion:
    """The closest of ``known`` to ``name`` (letter case aside, unless ``ignore_case`` is
    False), when one is at least ``cutoff`` alike. The one did-you-mean of flowdsl: every
    message that suggests a name asks this, and words it with ``hint`` or ``aside``."""
    import difflib  # on first use: most commands never suggest a name

    fold = str.casefold if ignore_case else str
    by_folded: dict[str, str] = {}
    for k in known:
        by_folded.setdefault(fold(k), k)
    hit = difflib.get_close_matches(fold(name), list(by_folded), n=1, cutoff=cutoff)
    return Suggestion(by_folded[hit[0]] if hit else None)


class FlowError(Exception):
    """The root of every error flowdsl raises on purpose."""


class LoadError(FlowError):
    """A workflow file or ASL document could not be read."""


class CompileError(FlowError):
    """A workflow has diagnostics; nothing was emitted."""

    def __init__(self, diagnostics: Iterable[Diagnostic], document: object = None) -> None:
        self.diagnostics = tuple(diagnostics)
        self.document = document  # what the diagnostics' paths point into, when known
        lines = [d.render() for d in self.diagnostics[:20]]
        if len(self.diagnostics) > 20:
            lines.append(f"... and {len(self.diagnostics) - 20} more")
        super().__init__("\n".join(lines))


class LanguageSyntaxError(FlowError, ValueError):
    """A string that does not parse in one of the languages ASL embeds (JSONPath, intrinsic
    functions, JSONata, timestamps); ``offset`` is the character where reading stopped."""

    def __init__(self, reason: str, text: str, offset: int) -> None:
        super().__init__(reason)
        self.reason, self.text, self.offset = reason, text, offset


class PathSyntaxError(LanguageSyntaxError):
    """Not a JSONPath (or not a reference path where one is required)."""


class IntrinsicSyntaxError(LanguageSyntaxError):
    """Not an intrinsic function call."""


class JsonataSyntaxError(LanguageSyntaxError):
    """Not a ``{% %}`` JSONata expression, or its body does not parse."""


class ModelError(FlowError, TypeError):
    """A model object was given a value it cannot hold (``join(3)``)."""


class MissingValue(FlowError, KeyError):
    """A deploy-time reference has no value to substitute (a local run, a test)."""


def nearest_source(sources: Mapping[str, str], path: Any, top: str | None = "$") -> str | None:
    """The ``file:line`` recorded for ``path`` (its text, or a DocPath) or, failing that, for
    the nearest path above it (``$.States.A.Parameters.x`` → ``$.States.A``), else the one
    recorded for ``top`` (``None``: none). Every check that reports a definition path locates
    it this way. Sources that find the nearest path themselves (``nearest``: the compiled
    definition's, a tree of steps) are asked once, in time linear in the path's length."""
    nearest = getattr(sources, "nearest", None)
    if nearest is not None:
        return nearest(path) or (sources.get(top) if top is not None else None)
    probe = path if isinstance(path, str) else str(path)  # a DocPath: its text
    while probe:
        hit = sources.get(probe)
        if hit:
            return hit
        cut = max(probe.rfind("."), probe.rfind("["))
        if cut <= 0:
            break
        probe = probe[:cut]
    return sources.get(top) if top is not None else None
