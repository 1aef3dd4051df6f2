"""Service integrations: one module of this package per integration.

One new integration is one module here, and at run time nothing else changes: validation, the
IAM, ``flowdsl import``, ``from flowdsl import GlueJob`` and the strategies all read the
registry and the module's ``__all__``. Type checkers run no code, so they see its names in
``flowdsl`` only through the ``if _TYPE_CHECKING:`` block of ``flowdsl/__init__.py``: each
new public name is one import line there, and ``tests/test_typing.py`` fails printing the
lines to add. The module

* defines its typed class (a ``flowdsl.states._TaskBase``) and calls
  :func:`~flowdsl.tasks.registry.register` with an ``Integration``: its ``Resource`` and
  ``Parameters``, the Terraform resources it brings, its ``inverse`` (ASL -> the class, for
  ``flowdsl import``) and its ``example`` (for the property-test strategies);
* decorates its grants with :func:`~flowdsl.tasks.registry.integration` (``service:action``,
  the patterns it supports, its scope in words): the IAM is derived from the compiled
  ``Resource`` and ``Parameters``, so a typed task and a plain ``Task`` with the same Resource
  get the same grants. A service without a typed class is a module of grants alone;
* lists in a literal ``__all__`` the names ``flowdsl`` offers (``from flowdsl import GlueJob``).

Validation, IAM derivation, ``flowdsl import``, ``flowdsl.__getattr__`` and the strategies ask
the registry (:mod:`flowdsl.tasks.registry`); when it does not know a Resource or a name, every
module of this package is imported (``load_all``) and it is asked again. So a workflow imports
only the integrations it uses.

The package's machinery: ``registry`` (the tables and the toolkit integrations are written
with), ``params`` (reading Parameters), ``policy`` (the state machine role's statements) and
``sdk`` (the ``aws-sdk:`` integrations' IAM). Integration modules import the model
(``flowdsl.states``, ``refs``, ``iam``, ``terraform_expr``) and the registry, never one
another, the engine, the assembler or the commands (``tests/test_layers.py`` holds the rule).
What may import it: the compilers (``asl``, ``terraform``), the validator, the importer and
code generator, the loader and codec, the local runner's configuration, ``flowdsl/__init__.py``
and the testing strategies; never the model (``flowdsl.states``) or the leaves below it.
"""

from __future__ import annotations

from typing import Any

from flowdsl.tasks.policy import statements as state_machine_statements
from flowdsl.tasks.registry import (
    INTEGRATIONS,
    Context,
    Integration,
    load_all,
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
