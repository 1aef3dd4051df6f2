"""Service integrations. Each module holds one task kind: its model, its ``Resource`` and
``Parameters``, the Terraform resources it brings, and the inverse (ASL -> the typed class).

The IAM every task needs comes from one place, the catalog (``flowdsl.tasks.catalog``),
derived from the compiled ``Resource`` and ``Parameters``: a typed task and a plain ``Task``
with the same Resource get the same grants. An integration registers itself with
``register``; adding one means adding one module to this package, which is found and
imported when first used (``load_all`` imports every one, for the importer's inverse).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from flowdsl.tasks.policy import statements as state_machine_statements
from flowdsl.tasks.registry import (
    INTEGRATIONS,
    Context,
    Integration,
    register,
    service_action,
    states_arn,
)

__all__ = ["INTEGRATIONS", "Context", "Integration", "load_all", "register", "service_action",
           "state_machine_statements", "states_arn", "typed"]


def typed(resource: str, parameters: Any) -> tuple[type, dict[str, Any]] | None:
    """The typed class (and its keyword arguments) that expresses a plain Task, if any."""
    load_all()
    for cls, integration in INTEGRATIONS.items():
        inverse = integration.inverse
        if inverse is not None:
            kwargs = inverse(resource, parameters)
            if kwargs is not None:
                return cls, kwargs
    return None


def load_all() -> None:
    """Import every module of this package: each integration registers itself. A workflow
    needs none of this: a state's class is imported, and so registered, before it is built."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
