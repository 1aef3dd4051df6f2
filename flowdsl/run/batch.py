"""A Batch job as a local subprocess: :class:`LocalBatch`, the binding a workflow file's
:class:`~flowdsl.run.config.RunConfig` names for a state that submits a job, and the runner
that starts the job's command as a container would.

A workflow file that declares its bindings imports this module and nothing of the engine: the
class is declared here with what it needs at import time, and what a run uses
(``subprocess``, the payload limit, ``uuid``) loads when a job runs. The engine reaches it
through :class:`~flowdsl.run.bindings.TaskBinder`, like any binding.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

import attrs

from flowdsl.frozen import frozen
from flowdsl.lang.jsonata import is_expression

from .errors import StatesError

if TYPE_CHECKING:
    from typing import Protocol

    class _Call(Protocol):
        """What a Batch job reads of its :class:`~flowdsl.run.bindings.TaskCall`."""

        @property
        def state_name(self) -> str: ...
        @property
        def payload(self) -> Any: ...
        @property
        def invocation(self) -> int: ...
        @property
        def timeout_seconds(self) -> float | None: ...
        @property
        def state(self) -> Mapping[str, Any] | None: ...


def _is_dynamic(value: Any) -> bool:
    """Whether a template holds anything evaluated at run time (``key.$`` or ``{% %}``)."""
    todo = [value]
    while todo:
        v = todo.pop()
        if is_expression(v):
            return True
        if isinstance(v, dict):
            if any(isinstance(k, str) and k.endswith(".$") for k in v):
                return True
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return False


def declared_overrides(state: Mapping[str, Any] | None) -> tuple[list[str] | None, dict[str, str]]:
    """The ``ContainerOverrides`` Command and Environment written literally in a state's
    ``Parameters`` (or ``Arguments``): what the workflow declares, as opposed to what the
    execution's data fills in at run time."""
    template = (state or {}).get("Parameters", (state or {}).get("Arguments"))
    co = template.get("ContainerOverrides") if isinstance(template, Mapping) else None
    if not isinstance(co, Mapping):
        return None, {}
    command = co.get("Command")
    if not (isinstance(command, list) and all(isinstance(a, str) for a in command)) or _is_dynamic(command):
        command = None
    env: dict[str, str] = {}
    items = co.get("Environment")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and not _is_dynamic(item) and isinstance(item.get("Name"), str) \
                and isinstance(item.get("Value"), str):
            env[item["Name"]] = item["Value"]
    return command, env


LOCAL_JOB_TIMEOUT_SECONDS = 3600.0  # a local Batch job without TimeoutSeconds stops after this
# What a local job may write to stdout and stderr together, past AWS's 256 KiB payload limit:
# the job's result holds that output, and a job that writes more is stopped there.
OUTPUT_SLACK_BYTES = 4096
_KILL_GRACE_SECONDS = 0.5  # after the main process ends, how long its output may still drain


class JobRun(NamedTuple):
    """How a local job ended: ``outcome`` is ``"exited"`` (``returncode`` is its main
    process's), ``"timeout"`` or ``"output-limit"``."""

    outcome: str
    returncode: int | None
    stdout: str
    stderr: str


def run_job(argv: list[str], env: Mapping[str, str], cwd: str | None, timeout: float | None,
            limit: int) -> JobRun:
    """Run a job as a container runs: in its own process group, ending when its main process
    ends (what it left running in the background is killed then), within ``timeout`` seconds,
    and with at most ``limit`` bytes of output read (stdout and stderr together); the whole
    group is killed as soon as either limit is passed. Raises OSError when it cannot start."""
    import selectors
    import signal
    import subprocess  # loaded by a run, not by a workflow file that declares its bindings

    proc = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None and proc.stderr is not None
    fd_out, fd_err = proc.stdout.fileno(), proc.stderr.fileno()
    out: dict[int, bytearray] = {fd_out: bytearray(), fd_err: bytearray()}
    start = time.monotonic()
    deadline = start + timeout if timeout else None
    outcome, total, ended_at, killed = "exited", 0, None, False

    def kill_group() -> None:
        nonlocal killed
        if not killed:
            killed = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    sel = selectors.DefaultSelector()
    try:
        for stream in (proc.stdout, proc.stderr):
            sel.register(stream, selectors.EVENT_READ)
        while sel.get_map():
            for key, _ in sel.select(timeout=0.05):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                total += len(chunk)
                if total > limit:
                    outcome = "output-limit"
                    break
                out[key.fd] += chunk
            if outcome != "exited":
                break
            now = time.monotonic()
            if ended_at is None and proc.poll() is not None:
                ended_at = now
                kill_group()  # the job ends with its main process, as a container does
            if ended_at is not None and now - ended_at > _KILL_GRACE_SECONDS:
                break  # a pipe still held open by a process that left the group
            if ended_at is None and deadline is not None and now > deadline:
                outcome = "timeout"
                break
    finally:
        sel.close()
        code = proc.poll()  # the main process's status, before the group is killed
        kill_group()
        code = proc.wait() if code is None else code
        proc.stdout.close()
        proc.stderr.close()
    if outcome != "exited":
        return JobRun(outcome, None, "", "")
    return JobRun(outcome, code, _text_of(out[fd_out]), _text_of(out[fd_err]))


def _text_of(data: bytes) -> str:
    """A job's output as text, as ``subprocess`` reads it with ``text=True`` (universal newlines),
    undecodable bytes replaced."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


@frozen
class LocalBatch:
    """Runs a Batch job's container command as a local subprocess (opt-in).

    What runs is what the workflow and this binding declare, never what the execution's data
    says: the command is the state's ``ContainerOverrides.Command`` when the definition writes
    it literally, else ``command`` (a JobDefinition's command, for a ``LocalBatch`` in a
    RunConfig). The execution input fills ``Ref::name`` arguments from the job's
    ``Parameters``, as AWS Batch does. A command or environment computed from the data
    (``Command.$``, ``Value.$``, JSONata) is used only with ``allow_overrides=True``.

    The job's environment is ``env`` (the job definition's plus the binding's), the
    definition's literal ``ContainerOverrides.Environment`` and the host variables named in
    ``pass_env``; nothing else of the host's environment.

    ``path_map`` maps container path prefixes to host paths, e.g. ``{"/opt/app": "./app"}``;
    it rewrites the command's arguments and the declared environment, never the job's data
    (a ``Ref::`` value or an overridden variable stays as sent).
    """

    command: tuple[str, ...] | None = None
    path_map: Mapping[str, str] = attrs.field(factory=dict)
    env: Mapping[str, str] = attrs.field(factory=dict)
    cwd: str | None = None
    timeout: float | None = None
    allow_overrides: bool = False
    pass_env: tuple[str, ...] = ()
    # the limit of a job whose state has no TimeoutSeconds (RunConfig.job_timeout_seconds)
    default_timeout: float | None = LOCAL_JOB_TIMEOUT_SECONDS

    def _map_path(self, arg: str) -> str:
        for container, host in sorted(self.path_map.items(), key=lambda kv: -len(kv[0])):
            if arg == container or arg.startswith(container.rstrip("/") + "/"):
                return host + arg[len(container):]
            arg = arg.replace("=" + container, "=" + host)
        return arg

    def resolve_command(self, call: _Call) -> tuple[list[str], dict[str, str], list[dict[str, str]]]:
        """The argv, environment and environment overrides this call runs with."""
        req = call.payload if isinstance(call.payload, dict) else {}
        overrides = req.get("ContainerOverrides") if isinstance(req.get("ContainerOverrides"), dict) else {}
        declared_cmd, declared_env = declared_overrides(call.state)
        requested = overrides.get("Command")
        if self.allow_overrides and isinstance(requested, list) and requested:
            command = requested
        else:
            command = declared_cmd or (list(self.command) if self.command else None)
        if not command:
            why = ("the request's ContainerOverrides.Command comes from the execution's data; declare the "
                   "command (LocalBatch(command=...) or the JobDefinition), or allow it with "
                   "LocalBatch(allow_overrides=True)" if requested
                   else "no ContainerOverrides.Command and no default")
            raise StatesError("States.TaskFailed", json.dumps(
                {"StatusReason": f"state {call.state_name!r}: no command to run ({why})"}))
        raw_params = req.get("Parameters") if isinstance(req.get("Parameters"), dict) else {}
        params = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw_params.items()}
        # Batch replaces a whole argument "Ref::name" with the job parameter "name"; the value
        # is data and is passed as sent. Every other argument is the declared command: mapped.
        argv = [params[str(a)[5:]] if str(a).startswith("Ref::") and str(a)[5:] in params
                else self._map_path(str(a)) for a in command]
        env = {k: os.environ[k] for k in self.pass_env if k in os.environ}
        env.update({str(k): self._map_path(str(v)) for k, v in self.env.items()})
        env.update({k: self._map_path(v) for k, v in declared_env.items()})
        shown = [{"Name": k, "Value": v} for k, v in declared_env.items()]
        if self.allow_overrides:
            for item in overrides.get("Environment") or []:
                if isinstance(item, dict) and "Name" in item and item["Name"] not in declared_env:
                    env[str(item["Name"])] = str(item.get("Value", ""))
                    shown.append({"Name": str(item["Name"]), "Value": str(item.get("Value", ""))})
        return argv, env, shown

    def invoke(self, call: _Call) -> Any:
        req = call.payload if isinstance(call.payload, dict) else {}
        argv, env, shown_env = self.resolve_command(call)
        params = {str(k): str(v) for k, v in (req.get("Parameters") or {}).items()} \
            if isinstance(req.get("Parameters"), dict) else {}
        from .dataflow import MAX_PAYLOAD_BYTES  # loaded by a run, not by a workflow file

        timeout = self.timeout or call.timeout_seconds or self.default_timeout
        import uuid  # loaded by a run, not by a workflow file that declares its bindings

        job_id = str(uuid.UUID(int=call.invocation + 1, version=4))
        job: dict[str, Any] = {
            "JobName": req.get("JobName"),
            "JobId": job_id,
            "JobQueue": req.get("JobQueue"),
            "JobDefinition": req.get("JobDefinition"),
            "Parameters": params,
            "Container": {"Command": argv, "Environment": shown_env},
        }
        limit = MAX_PAYLOAD_BYTES + OUTPUT_SLACK_BYTES
        try:
            ran = run_job(argv, env, self.cwd, timeout, limit)
        except OSError as exc:
            job.update(Status="FAILED", StatusReason=f"CannotStartContainerError: {exc}")
            job["Container"].update(Reason=str(exc))
            raise StatesError("States.TaskFailed", json.dumps(job)) from None
        if ran.outcome == "timeout":
            reason = "Job attempt duration exceeded timeout"
            if not self.timeout and not call.timeout_seconds:
                reason += (f" (the local limit of {timeout:g} s for a job without TimeoutSeconds; "
                           "RunConfig(job_timeout_seconds=...) changes it)")
            raise StatesError("States.Timeout", json.dumps({**job, "Status": "FAILED", "StatusReason": reason}))
        if ran.outcome == "output-limit":
            raise StatesError("States.DataLimitExceeded", (
                f"The state/task '{call.state_name}' returned a result with a size exceeding the maximum "
                f"number of bytes service limit. (Its local Batch job wrote more than {limit:,} bytes to "
                "stdout and stderr, and was stopped.)"))
        job["Container"].update(ExitCode=ran.returncode, Stdout=ran.stdout, Stderr=ran.stderr,
                                LogStreamName=f"local/{call.state_name}/{job_id}")
        job["StatusReason"] = "Essential container in task exited"
        if ran.returncode != 0:
            job["Status"] = "FAILED"
            raise StatesError("States.TaskFailed", json.dumps(job))
        job["Status"] = "SUCCEEDED"
        return job

    __call__ = invoke
