"""Local execution engine for Amazon States Language documents (pure Python, virtual time).

Names load on first use, so a workflow file that only declares its run configuration does not
pay for the engine (and JSONata) when it is merely built: it loads ``run.config`` and
``run.batch`` (``LocalBatch``), which load the bindings and the engine only when a run starts.

The engine runs a resolved ASL document: it imports the leaves (``flowdsl.errors``, the
vocabulary, ``lang``, ``strict_json``); ``run.config``, a workflow file's ``RunConfig``, also
reads the model (``states``, ``loader``, ``tasks``) and compiles it (``asl``) to bind its Task
states. It never imports the build, Terraform, the deployments, the commands or the test kit.
Who may import it: the run pipeline (``flowdsl.pipeline``, which loads, validates, binds and
builds the input), the test kit (``flowdsl.testing``) and the command line
(``tests/test_layers.py`` holds both tables).
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
    "ItemReaderBinding": "bindings",
    "ItemReaderCall": "bindings",
    "LocalBatch": "batch",
    "LocalLambda": "bindings",
    "MockConfig": "bindings",
    "MapIteration": "bindings",
    "MockedTask": "bindings",
    "ResultWriterBinding": "bindings",
    "ResultWriterCall": "bindings",
    "TaskBinder": "bindings",
    "TaskBinding": "bindings",
    "TaskCall": "bindings",
    "TaskHandler": "bindings",
    "load_mock_config": "bindings",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"flowdsl.run.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'flowdsl.run' has no attribute {name!r}")
