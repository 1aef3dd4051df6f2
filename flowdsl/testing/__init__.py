"""Testing helpers for flowdsl users and for flowdsl's own tests.

``flowdsl.testing.strategies`` holds Hypothesis strategies (needs ``hypothesis``).
``flowdsl.testing.kit`` runs a workflow locally with mocked tasks (``run``, ``throw``, ``returns``);
its names are importable from here (loaded on first use).
"""

_KIT = ("run", "RunResult", "Call", "throw", "Throw", "returns", "Returns", "mock_handler")


def __getattr__(name: str):  # lazy: importing flowdsl.testing loads neither the engine nor hypothesis
    if name in _KIT:
        from flowdsl.testing import kit

        return getattr(kit, name)
    raise AttributeError(f"module 'flowdsl.testing' has no attribute {name!r}")
