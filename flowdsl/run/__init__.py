"""Local execution engine for Amazon States Language documents (pure Python, virtual time).

Names load on first use, so a workflow file that only declares its run configuration does not
pay for the engine (and JSONata) when it is merely built.

The engine runs a resolved ASL document; it imports the leaves (the vocabulary, ``lang``,
``errors``, ``strict_json``), the refs and the model's ``RunConfig`` helpers, never the
compilers, the deployments, the command line or the test kit. What may import it: the run
pipeline (``flowdsl.pipeline``, which prepares a run: load, validate, bind, build the input),
the test kit (``flowdsl.testing``), the command line, and a workflow file's ``RunConfig``
(through ``flowdsl.run.config``). ``tests/test_layers.py`` holds both.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "VirtualClock": "clock",
    "Execution": "engine",
    "execute": "engine",
    "RunError": "errors",
    "StatesError": "errors",
    "LocalBatch": "bindings",
    "LocalLambda": "bindings",
    "MockConfig": "bindings",
    "MockedTask": "bindings",
    "TaskBinder": "bindings",
    "TaskCall": "bindings",
    "TaskHandler": "bindings",
    "load_mock_config": "bindings",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"flowdsl.run.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'flowdsl.run' has no attribute {name!r}")
