"""Run configurations: what a local run of a workflow needs besides the workflow itself.

A workflow file may define a module-level :class:`RunConfig` (conventionally ``local``)::

    local = RunConfig(
        values={"app_name": "app", "stage": "local"},          # deploy-time values
        tasks={
            "Batch": LocalBatch(path_map={"/opt/app": "fibonacci_app"}),  # a local subprocess
            "OnSuccess": "fibonacci_app.handlers:on_success",   # a Python function, as lambda:invoke
        },
    )

``flowdsl run`` (and :func:`flowdsl.testing.run` with ``config=``) then

* resolves every deploy-time reference of the compiled definition: variables take their value
  from ``values`` (by name, ``"stage"``, or address, ``"var.stage"``), else their declared default;
  ``PARTITION``/``REGION``/``ACCOUNT_ID`` take ``partition``/``region``/``account_id``; resources
  flowdsl creates (a job definition's ARN) get a plausible fake ARN;
* gives every Distributed Map's ItemReader and ResultWriter the S3 of ``s3`` (``LocalS3(root=
  "data/")`` maps ``s3://bucket/key`` to ``data/bucket/key``, relative to the defining file);
* binds each Task state, by name, to its entry in ``tasks``: a local binding (``LocalBatch``
  from :mod:`flowdsl.run.batch`; ``LocalLambda`` and ``MockedTask`` from
  :mod:`flowdsl.run.bindings`), a callable (run like a Lambda), or a ``"module:function"``
  string (imported when the run starts, with the workflow's folder on ``sys.path``).

Relative paths (``LocalBatch`` ``path_map`` hosts and ``cwd``) are relative to the folder of the
file that built the config, so a workflow runs from a fresh clone wherever it is.
A ``LocalBatch`` bound to a state that submits a :class:`~flowdsl.JobDefinition` inherits its
command and environment (the binding's ``env`` wins), and a command starting with ``python``
or ``python3`` runs with the interpreter that runs flowdsl. The job runs only that declared
command (or the definition's literal ``ContainerOverrides.Command``); the execution's data
fills ``Ref::`` arguments but cannot replace the command or add environment variables unless
``LocalBatch(allow_overrides=True)``, and the host's environment reaches the job only through
``LocalBatch(pass_env=(...))`` (see :class:`flowdsl.run.batch.LocalBatch`).

:func:`flowdsl.pipeline.prepare_run` checks a config against its workflow: a binding or
value for a state or variable the workflow does not have is an error, with a did-you-mean.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import attrs

from flowdsl.errors import FlowError, LoadError
from flowdsl.frozen import frozen
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, DataAttr, Ref, ResourceAttr, StateMachineArn, Var
from flowdsl.vocabulary import DocPath, walk_states

from .batch import LOCAL_JOB_TIMEOUT_SECONDS, LocalBatch

if TYPE_CHECKING:
    from .bindings import LocalLambda, MockedTask, TaskBinder


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep


class RunConfigError(FlowError):
    """A run configuration cannot supply what the workflow needs (a value, a binding)."""


def _caller_dir() -> Path | None:
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith(("<attrs", "<string>")) \
                and not filename.endswith(("dataclasses.py",)) and not filename.startswith("<"):
            return Path(filename).resolve().parent
        frame = frame.f_back
    return None


@frozen
class RunConfig:
    """Values for a workflow's deploy-time references, and local bindings for its Task states."""

    values: Mapping[str, Any] = attrs.field(factory=dict)
    tasks: Mapping[str, Any] = attrs.field(factory=dict)
    region: str = "us-east-1"
    account_id: str = "123456789012"
    partition: str = "aws"
    workflow: str | None = None  # the workflow this config is for, when a file defines several
    base_dir: Path | None = None  # relative paths resolve here; default: the folder of the defining file
    s3: Any = None  # a LocalS3 (or any flowdsl.run.s3.ObjectStore): Distributed Maps read and write there
    # a local Batch job whose state has no TimeoutSeconds (and whose LocalBatch no timeout) stops
    # after this many seconds, States.Timeout; None: no limit
    job_timeout_seconds: float | None = LOCAL_JOB_TIMEOUT_SECONDS

    def __attrs_post_init__(self) -> None:
        if self.base_dir is None:
            object.__setattr__(self, "base_dir", _caller_dir() or Path.cwd())
        else:
            object.__setattr__(self, "base_dir", Path(self.base_dir).resolve())

    # ------------------------------------------------------------------ values

    def value_of(self, variable: str) -> tuple[bool, Any]:
        for key in (variable, f"var.{variable}"):
            if key in self.values:
                return True, self.values[key]
        return False, None

    def reference_values(self, workflow: Any, definition: Any = None,
                         overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Address -> value for every reference in the workflow's compiled ``definition``."""
        from flowdsl.asl import compile_workflow
        from flowdsl.placeholders import iter_refs

        if definition is None:
            definition = compile_workflow(workflow).definition
        overrides = dict(overrides or {})
        out: dict[str, Any] = {
            PARTITION.address: self.partition, REGION.address: self.region,
            ACCOUNT_ID.address: self.account_id,
        }
        missing: list[str] = []
        declared = {v.name: v for v in getattr(workflow, "variables", ())}
        for v in declared.values():
            found, value = self.value_of(v.name)
            for key in (v.name, f"var.{v.name}"):
                if key in overrides:
                    found, value = True, overrides[key]
            if found:
                out[f"var.{v.name}"] = value
            elif not v.required:  # its default (null for an optional input)
                out[f"var.{v.name}"] = v.default
            else:
                missing.append(v.name)
        for key, value in {**self.values, **overrides}.items():  # addresses given outright
            if "." in key and not key.startswith("var."):
                out[key] = value
        jobs = {j.id: j for j in _job_definitions(workflow)}
        undeclared: list[str] = []
        for ref in iter_refs(definition):
            if ref.address in out:
                continue
            if isinstance(ref, Var):
                if ref.name not in declared:
                    undeclared.append(ref.name)
            elif isinstance(ref, ResourceAttr):
                out[ref.address] = self._fake_attr(ref, jobs, out)
            elif isinstance(ref, StateMachineArn):  # another workflow's state machine
                out[ref.address] = ref.local_value(self.partition, self.region, self.account_id)
            elif isinstance(ref, DataAttr):
                raise RunConfigError(f"no local value for {ref.address}: give it in RunConfig(values="
                                     f"{{{ref.address!r}: ...}})")
        if missing:
            names = ", ".join(missing)
            raise RunConfigError(f"workflow {workflow.name!r}: no value for variable(s) {names}: give them "
                                 "in the workflow file's RunConfig(values={...}) or with --var NAME=VALUE")
        if undeclared:
            raise RunConfigError(f"workflow {workflow.name!r} uses undeclared variable(s) "
                                 f"{', '.join(sorted(set(undeclared)))}")
        return out

    def _fake_attr(self, ref: ResourceAttr, jobs: Mapping[str, Any], values: Mapping[str, Any]) -> str:
        from flowdsl.placeholders import resolve

        head = f"arn:{self.partition}"
        if ref.type == "aws_batch_job_definition" and ref.name in jobs:
            name = jobs[ref.name].name
            try:
                name = resolve(name, values) if isinstance(name, Ref) else (name or ref.name)
            except KeyError:
                name = ref.name
            prefix = f"{head}:batch:{self.region}:{self.account_id}:job-definition/{name}"
            return {"arn": prefix + ":1", "arn_prefix": prefix}.get(ref.attribute, prefix)
        if ref.attribute in ("name", "id"):
            return ref.name
        service = ref.type.split("_")[1] if ref.type.count("_") >= 1 else "local"
        kind = ref.type.split("_", 2)[-1].replace("_", "-")
        return f"{head}:{service}:{self.region}:{self.account_id}:{kind}/{ref.name}"

    # ------------------------------------------------------------------ bindings

    def binder(self, workflow: Any = None, values: Mapping[str, Any] | None = None,
               mocks: TaskBinder | Mapping[str, Any] | None = None) -> TaskBinder:
        """A :class:`TaskBinder` with this config's bindings; ``mocks`` override them per state."""
        from flowdsl.placeholders import resolve

        from .bindings import LocalLambda, TaskBinder

        jobs = {}
        if workflow is not None:
            jobs = {name: job for name, job in _batch_states(workflow)}
        binder = TaskBinder(defaults=self.s3_bindings())
        for state, binding in self.tasks.items():
            if isinstance(binding, str):
                binding = LocalLambda(self.import_(binding))
            elif isinstance(binding, LocalBatch):
                binding = self._local_batch(binding, jobs.get(state), values or {}, resolve)
            binder.bind(state, binding)
        if isinstance(mocks, TaskBinder):
            binder.update(mocks)
        elif mocks:
            for state, handler in mocks.items():
                binder.bind(state, handler)
        return binder

    def object_store(self) -> Any:
        """:attr:`s3`, a relative ``LocalS3`` root taken from :attr:`base_dir`; None without one."""
        from .s3 import LocalS3

        if isinstance(self.s3, LocalS3) and not Path(self.s3.root).is_absolute():
            return LocalS3(Path(self.base_dir or ".") / self.s3.root)
        return self.s3

    def with_s3(self, s3: Any) -> "RunConfig":
        """This config with ``s3`` as its S3 (``flowdsl run --s3-root``, the test kit's ``s3=``)."""
        return attrs.evolve(self, s3=s3)

    def s3_bindings(self) -> dict[str, Any]:
        """Every Map state's ItemReader and ResultWriter, when the config has an S3."""
        store = self.object_store()
        if store is None:
            return {}
        from .readers import S3ItemReader
        from .writers import S3ResultWriter

        return {"ItemReader": S3ItemReader(store), "ResultWriter": S3ResultWriter(store)}

    def import_(self, ref: str) -> Any:
        """Import ``"module:function"`` with :attr:`base_dir` first on ``sys.path``."""
        from .bindings import import_callable

        sys.path.insert(0, str(self.base_dir))
        try:
            return import_callable(ref)
        finally:
            sys.path.remove(str(self.base_dir))

    def _local_batch(self, b: LocalBatch, job: Any, values: Mapping[str, Any], resolve: Any) -> LocalBatch:
        base = Path(self.base_dir or ".")
        path_map = {c: str((base / h).resolve()) for c, h in b.path_map.items()}
        env = dict(b.env)
        command = b.command
        if job is not None:
            try:
                job_env = resolve(job.environment, values) if values else job.environment
                job_cmd = resolve(list(job.command), values) if values else list(job.command)
            except KeyError:
                job_env, job_cmd = {}, []
            if isinstance(job_env, Mapping):
                env = {**{str(k): str(v) for k, v in job_env.items()}, **env}
            if command is None and job_cmd and all(isinstance(a, str) for a in job_cmd):
                command = tuple(job_cmd)
        cwd = str((base / b.cwd).resolve()) if b.cwd else None
        return _host_batch()(command=_host_python(command), path_map=path_map, env=env, cwd=cwd, timeout=b.timeout,
                          allow_overrides=b.allow_overrides, pass_env=tuple(b.pass_env),
                          default_timeout=self.job_timeout_seconds)

    # ------------------------------------------------------------------ context

    def context(self, state_machine: str, execution: str = "local") -> dict[str, Any]:
        """The context object's Execution / StateMachine, with this config's region and account."""
        sm = f"arn:{self.partition}:states:{self.region}:{self.account_id}:stateMachine:{state_machine}"
        return {
            "Execution": {
                "Id": f"arn:{self.partition}:states:{self.region}:{self.account_id}:execution:"
                      f"{state_machine}:{execution}",
                "Name": execution,
                "RoleArn": f"arn:{self.partition}:iam::{self.account_id}:role/{state_machine}-local",
            },
            "StateMachine": {"Id": sm, "Name": state_machine},
        }


# ---------------------------------------------------------------------- local Batch jobs

_PYTHONS = ("python", "python3")


def _host_python(command: Any) -> Any:
    """A container command run with ``python``/``python3`` runs with this interpreter on the host."""
    if isinstance(command, (list, tuple)) and command and command[0] in _PYTHONS:
        return type(command)([sys.executable, *command[1:]])
    return command


@functools.cache
def _host_batch() -> type[LocalBatch]:
    """:class:`LocalBatch` whose requests' ``python`` commands use the host's interpreter (made
    when a config first binds one, so a workflow file that only declares its config does not
    create the class)."""

    @frozen
    class _HostBatch(LocalBatch):
        def resolve_command(self, call: Any) -> Any:
            argv, env, shown = LocalBatch.resolve_command(self, call)
            return _host_python(argv), env, shown

    _HostBatch.__qualname__ = _HostBatch.__name__  # its repr, as a module-level class's
    return _HostBatch


# ---------------------------------------------------------------------- the workflow model

def state_names(definition: Mapping[str, Any]) -> set[str]:
    """Every state name of an ASL document, branches and Map processors included."""
    return {name for _, name, _ in walk_states(definition, DocPath())}  # no path texts


def _batch_states(workflow: Any) -> Iterator[tuple[str, Any]]:
    """(state name, JobDefinition) for every Batch state that submits a job flowdsl defines."""
    from flowdsl.tasks.batch import BatchTask as ModelBatch
    from flowdsl.tasks.batch import JobDefinition

    from flowdsl.states import iter_states

    for node in iter_states(tuple(getattr(workflow, "states", ()))):
        if isinstance(node, ModelBatch) and isinstance(node.job, JobDefinition):
            yield node.name, node.job


def _job_definitions(workflow: Any) -> list[Any]:
    return [job for _, job in _batch_states(workflow)]


# ---------------------------------------------------------------------- loading a workflow file

def load_run_target(path: str | os.PathLike[str], name: str | None = None) -> tuple[Any, RunConfig | None]:
    """Run a workflow file; return the chosen workflow and its run configuration (or None).

    Every failure is a :class:`~flowdsl.errors.LoadError` with one clear line.
    """
    from flowdsl.loader import load_module, pick, workflows_in

    module = load_module(path)
    found = workflows_in(module, path)
    configs = [(key, value) for key, value in vars(module).items() if isinstance(value, RunConfig)]
    workflow = pick(found, path, name)
    mine = [(k, c) for k, c in configs if c.workflow in (None, workflow.name)]
    exact = [(k, c) for k, c in mine if c.workflow == workflow.name]
    mine = exact or mine
    if len(mine) > 1:
        named = [c for k, c in mine if k == "local"]
        if len(named) != 1:
            raise LoadError(f"{path}: several RunConfigs fit workflow {workflow.name!r} "
                            f"({', '.join(k for k, _ in mine)}); name one 'local' or set workflow=")
        return workflow, named[0]
    return workflow, (mine[0][1] if mine else None)


def __getattr__(name: str) -> Any:
    """``format_trace`` and ``history_json`` (from :mod:`flowdsl.run.trace`), ``LocalLambda`` and
    ``MockedTask`` (from :mod:`flowdsl.run.bindings`) and ``LocalS3``, loaded when asked for, so a
    workflow file that only declares its config loads none of the engine."""
    if name in ("LocalLambda", "MockedTask"):
        from . import bindings

        return getattr(bindings, name)
    if name in ("format_trace", "history_json"):
        from . import trace

        return getattr(trace, name)
    if name == "LocalS3":  # what RunConfig(s3=...) takes
        from .s3 import LocalS3

        return LocalS3
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# LocalLambda, LocalS3, MockedTask, format_trace and history_json come from __getattr__
__all__ = ["RunConfig", "RunConfigError", "LocalBatch", "LocalLambda", "LocalS3",  # noqa: F822
           "MockedTask", "load_run_target", "format_trace", "history_json"]
