"""Testing helpers for flowdsl users and for flowdsl's own tests.

``flowdsl.testing.kit`` runs a workflow locally with mocked tasks (``run``, ``throw``,
``returns``); its names are importable from here, and ``from flowdsl.testing import *``
brings them (each loads on first use, so importing this package loads neither the engine nor
Hypothesis). ``flowdsl.testing.strategies`` holds Hypothesis strategies (needs
``hypothesis``; import it by name, ``*`` leaves it out).

What may import it: users' tests and flowdsl's own; no library module of flowdsl depends on
it (``tests/test_layers.py`` holds the rule). It imports what a run needs: the run pipeline,
the engine and the deployment kinds' registry.
"""

from typing import TYPE_CHECKING, Any

__all__ = ["Call", "Returns", "RunResult", "Throw", "mock_handler", "redrive", "returns", "run", "throw"]

if TYPE_CHECKING:  # the kit's names, as type checkers see them (they load on first use)
    from flowdsl.testing.kit import (
        Call,
        Returns,
        RunResult,
        Throw,
        mock_handler,
        returns,
        run,
        throw,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from flowdsl.testing import kit

        value = getattr(kit, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'flowdsl.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
