"""flowdsl: AWS Step Functions workflows in Python, compiled to ASL and Terraform JSON."""
# ruff: noqa: F401  (the imports are the package's public names; ``__all__`` is built below)

from types import ModuleType as _ModuleType

from flowdsl.conditions import *  # the Choice condition builders
from flowdsl.conditions import And, Comparison, Condition, Not, Or, all_of, any_of, not_
from flowdsl.deployments import LAZY_KINDS as _LAZY_KINDS
from flowdsl.deployments import Logging, OnDemandJob, Pipe, Queue
from flowdsl.iam import Allow
from flowdsl.refs import (ACCOUNT_ID, PARTITION, REGION, Validation, Variable, between, join,
                          length_between, matches, one_of, var)
from flowdsl.states import (
    DISCARD,
    NULL,
    Branch,
    Catch,
    Choice,
    Fail,
    Goto,
    Map,
    Parallel,
    Pass,
    Retry,
    Succeed,
    Task,
    Wait,
    When,
    Workflow,
)
from flowdsl.tasks.batch import BatchTask, JobDefinition
from flowdsl.tasks.lambda_ import LambdaTask

# What ``import flowdsl`` defines: the names above (``conditions`` gives its ``__all__``).
_EAGER = tuple(sorted(name for name, value in globals().items()
                      if not name.startswith("_") and not isinstance(value, _ModuleType)))

# The deployment kinds other than the on-demand job load on first use (name -> module of
# flowdsl.deployments), and so do the service integrations other than Lambda and Batch (name
# -> module of flowdsl.tasks, read from the modules' ``__all__`` without importing them): a
# command that builds a workflow imports only what it uses.
_DEPLOYMENTS = _LAZY_KINDS


def _services() -> dict[str, str]:
    from flowdsl.tasks.registry import exports

    return exports()


def _is_submodule(name: str) -> bool:
    """A module of this package (``from flowdsl import cli_verbs`` asks before it imports it):
    never a service's name, so answered without reading the integrations' names."""
    import os

    here = os.path.dirname(__file__)
    return os.path.isfile(os.path.join(here, f"{name}.py")) or os.path.isdir(os.path.join(here, name))


def __getattr__(name: str) -> object:
    import importlib

    if name == "__all__":
        names = list(dict.fromkeys((*_EAGER, *_DEPLOYMENTS, *_services())))
        globals()["__all__"] = names
        return names
    if name in _DEPLOYMENTS:
        module = f"flowdsl.deployments.{_DEPLOYMENTS[name]}"
    elif not name.startswith("__") and not _is_submodule(name) and name in _services():
        module = f"flowdsl.tasks.{_services()[name]}"
    else:
        raise AttributeError(f"module 'flowdsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_DEPLOYMENTS, *_services()})
