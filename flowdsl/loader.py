"""Load a workflow module from a file, turning every failure into one clear line."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from flowdsl.errors import LoadError, did_you_mean
from flowdsl.fields import FieldError, explain_type_error, explain_value_error
from flowdsl.states import Workflow
from flowdsl.tasks import INTEGRATIONS, load_all


def load_module(path: str | Path) -> ModuleType:
    """Run a workflow file as a module; every failure is a LoadError naming file:line."""
    p = Path(path)
    if not p.exists():
        raise LoadError(f"{path}: no such file")
    if p.is_dir():
        raise LoadError(f"{path}: is a directory; give a workflow file (.py) or an ASL file (.json)")
    module_name = f"_flowdsl_workflow_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, p)
    if spec is None or spec.loader is None:
        raise LoadError(f"{path}: cannot load as a Python module")
    module = importlib.util.module_from_spec(spec)
    # Let a workflow file import its neighbours (shared job definitions, handlers).
    folder = str(p.parent.resolve())
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        where = f"{_display(e.filename or str(path))}:{e.lineno}"
        raise LoadError(f"{where}: syntax error: {e.msg}") from None
    except BaseException as e:  # the user's module raised (or exited) while it was being built
        frame = _last_frame_in(e, p)
        where = f"{_display(str(path))}:{frame}" if frame else _display(str(path))
        raise LoadError(f"{where}: {_describe(e)}") from None
    finally:
        sys.path.remove(folder)
        sys.modules.pop(module_name, None)
    return module


def workflows_in(module: ModuleType, path: str | Path) -> dict[str, Workflow]:
    """The workflows a loaded module defines, by their names."""
    found: dict[str, Workflow] = {}
    for value in vars(module).values():
        if isinstance(value, Workflow):
            found.setdefault(value.name, value)
    # A file that imports another workflow (to start it: ``other.arn``) defines only its own.
    own = {name: wf for name, wf in found.items() if _defined_in(wf, path)}
    found = own or found
    if not found:
        raise LoadError(f"{_display(str(path))}: defines no Workflow (assign one to a module-level "
                        "name, e.g. workflow = Workflow(...))")
    return found


def _defined_in(workflow: Workflow, path: str | Path) -> bool:
    source = (workflow.source or "").rpartition(":")[0]
    return bool(source) and os.path.realpath(source) == os.path.realpath(path)


def workflow_files(folder: str | Path) -> list[Path]:
    """The ``*.py`` files under ``folder`` that may define workflows: its files and those of its
    subfolders, except Python packages (a folder with ``__init__.py`` holds code the workflows
    import, such as handlers) and hidden or ``_``-prefixed folders."""
    root = Path(folder)
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_"))
                             and not (Path(dirpath) / d / "__init__.py").exists())
        out += [Path(dirpath) / f for f in sorted(filenames)
                if f.endswith(".py") and not f.startswith("_")]
    return out


def load_folder(folder: str | Path) -> list[Workflow]:
    """Every workflow defined by the workflow files under ``folder``; files that define none
    (shared definitions, helpers) are passed over. A file that fails to load is an error."""
    if not Path(folder).is_dir():
        raise LoadError(f"{folder}: no such folder")
    out: list[Workflow] = []
    for path in workflow_files(folder):
        module = load_module(path)
        try:
            found = workflows_in(module, path)
        except LoadError:
            continue
        out += [found[name] for name in sorted(found)]
    if not out:
        raise LoadError(f"{folder}: no workflow file defines a Workflow")
    return out


def load_workflows(path: str | Path) -> dict[str, Workflow]:
    """Run a workflow file and return the workflows it defines, by their names."""
    return workflows_in(load_module(path), path)


def pick(workflows: dict[str, Workflow], path: str | Path, name: str | None) -> Workflow:
    if name is not None:
        if name not in workflows:
            raise LoadError(f"{path}: no workflow named {name!r}; it defines "
                            f"{', '.join(sorted(workflows))}{did_you_mean(name, workflows).hint}")
        return workflows[name]
    if len(workflows) > 1:
        raise LoadError(f"{path}: defines several workflows ({', '.join(sorted(workflows))}); "
                        "choose one with --name")
    return next(iter(workflows.values()))


def _model_classes() -> dict[str, type]:
    """What a workflow file builds: the classes flowdsl exports, and every task class."""
    load_all()  # the service classes flowdsl exports load on first use
    # The package's own namespace (loaded before any of its modules), not an import of it: the
    # package imports everything, so importing it here would close a cycle.
    classes = {n: v for n, v in vars(sys.modules["flowdsl"]).items() if isinstance(v, type)}
    classes.update({c.__name__: c for c in INTEGRATIONS})
    return classes


def _explain(e: Exception) -> str | None:
    """A model built with wrong arguments: ``Class.field: expected ..., got ...``."""
    if isinstance(e, FieldError):
        return str(e)
    return explain_type_error(e, _model_classes()) if isinstance(e, TypeError) else \
        explain_value_error(e) if isinstance(e, ValueError) else None


def _describe(e: BaseException) -> str:
    """One line for what stopped a workflow file: exiting is not defining a workflow."""
    if isinstance(e, SystemExit):
        return (f"the file called sys.exit({e.code!r}) while it was loaded; a workflow file must "
                "define its workflow and return")
    if isinstance(e, KeyboardInterrupt):
        return "the file raised KeyboardInterrupt while it was loaded"
    explained = _explain(e) if isinstance(e, Exception) else None
    if explained:
        return explained
    text = " ".join(str(e).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _last_frame_in(exc: BaseException, path: Path) -> int | None:
    import traceback  # only a failing workflow file needs it

    target = os.path.realpath(path)
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if os.path.realpath(frame.f_code.co_filename) == target:
            line = lineno
    return line


def _display(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith("..") else rel
