"""One pipeline for a local run, shared by ``flowdsl run`` and :func:`flowdsl.testing.run`.

It sits above the engine (:mod:`flowdsl.run`), which it feeds: it loads and builds the
workflow, reads and checks an ASL document as ``flowdsl validate`` does
(:func:`flowdsl.asl_to_model.read_asl`), and asks the deployment kind for the input its
trigger delivers.

:func:`prepare_run` does everything before the first state runs, in this order, and stops at the
first step that fails with a :class:`~flowdsl.errors.FlowError` of one or more clear lines:

1. **load** the workflow file (and its ``RunConfig``), the ASL file, or take the given object;
2. **validate** it exactly as ``flowdsl validate`` does (every diagnostic, with its path);
3. **resolve** its deploy-time values (``RunConfig.values``, then ``--var``/``values=``; a name
   the workflow does not declare is an error, with a did-you-mean);
4. **bind** its Task states: the RunConfig's bindings, overridden per state by mocks (a mock
   config file and test case, or the kit's mocks); a binding or mock for a state the
   definition does not have is an error, with a did-you-mean;
5. **build the input**: the raw input, or what the deployment's trigger delivers
   (``flowdsl.deployments``): an SQS message body (any text) wrapped the way the EventBridge
   Pipe delivers it, a schedule's input, an event through the rule's input transformer; it
   must be JSON-clean and within AWS's 256 KiB.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from flowdsl import typecheck
from flowdsl.asl_to_model import check_asl, read_asl
from flowdsl.errors import CompileError, FlowError, did_you_mean
from flowdsl.run.bindings import TaskBinder
from flowdsl.run.config import RunConfig, RunConfigError, load_run_target, state_names
from flowdsl.run.errors import RunError

MAX_INPUT_BYTES = 256 * 1024


@dataclass
class PreparedRun:
    """A run ready to start: the resolved definition, its input, and what runs each Task."""

    definition: Mapping[str, Any]
    input: Any
    binder: TaskBinder
    context: dict[str, Any]
    name: str  # the state machine's name
    label: str  # what to call the run in messages: "path (name)"
    workflow: Any = None
    config: RunConfig | None = None

    def execute(self, **kwargs: Any) -> Any:
        from flowdsl.run.engine import execute

        return execute(self.definition, self.input, tasks=self.binder, context=self.context, **kwargs)


def prepare_run(target: Any, *, input: Any = None, message: str | None = None,
                values: Mapping[str, Any] | None = None, values_label: str = "values",
                mocks: Mapping[str, Callable[..., Any]] | None = None, mocks_label: str = "mocks",
                mock_file: str | os.PathLike[str] | Mapping[str, Any] | None = None,
                test_case: str | None = None, config: RunConfig | None = None, name: str | None = None,
                placeholders: bool = False, trigger: tuple[str, Any] | None = None,
                s3: Any = None) -> PreparedRun:
    """Load, validate, resolve values, bind tasks and build the input of a local run.

    ``target`` is a path (a workflow file ``.py`` or an ASL document ``.json``), a
    :class:`~flowdsl.Workflow`, or an ASL document (a dict). ``mocks`` maps state names to task
    handlers (taking a :class:`~flowdsl.run.TaskCall`); ``mock_file`` and ``test_case`` name a
    Step Functions Local mock config. ``placeholders`` gives a required variable with no value
    the text ``"<var.NAME>"`` instead of failing (what a test usually wants). ``trigger`` is
    ``("scheduled", None)`` or ``("event", envelope)``: the deployment kind builds the input.
    ``s3`` (a :class:`~flowdsl.run.s3.LocalS3` or another object store) serves the Distributed
    Maps' ItemReader and ResultWriter, over the config's own.
    """
    from flowdsl.states import Workflow

    if sum(x is not None for x in (message, input, trigger)) > 1:
        raise FlowError("give a message or an input, not both" if trigger is None
                        else f"give the {trigger[0]} input alone, without a message or an input")
    if (mock_file is None) != (test_case is None):
        raise FlowError("--mocks and --test-case go together")
    # 1. load
    workflow, doc, label = None, None, "state machine"
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        label = str(target)
        if path.suffix == ".json":
            doc, diagnostics = read_asl(path)
            if diagnostics:
                raise CompileError(diagnostics)
            config = config or RunConfig(base_dir=path.parent)
            sm_name = path.name.split(".")[0]
        else:
            workflow, file_config = load_run_target(path, name)
            config = config or file_config or RunConfig(base_dir=path.parent)
    elif isinstance(target, Workflow):
        workflow = target
    elif isinstance(target, Mapping):
        doc, label, sm_name = target, "state machine", "StateMachine"
        diagnostics = check_asl(doc)
        if diagnostics:
            raise CompileError(diagnostics)
    else:
        raise FlowError(f"cannot run {type(target).__name__}: give a workflow file, an ASL file, a "
                        "Workflow or an ASL document")
    config = config or RunConfig()
    if s3 is not None:
        config = config.with_s3(s3)
    where_file = f"{target}: " if isinstance(target, (str, os.PathLike)) else ""
    # 2. validate (an ASL document was checked as it was read), 3. resolve values
    if workflow is not None:
        from flowdsl.build import check
        from flowdsl.placeholders import resolve

        compiled, diagnostics = check(workflow)
        if diagnostics:
            raise CompileError(diagnostics)
        _checked_values(workflow, config.values, f"{where_file}RunConfig.values")
        overrides = _checked_values(workflow, values or {}, values_label)
        if placeholders:
            for v in workflow.variables:
                if v.required and not config.value_of(v.name)[0] and \
                        v.name not in overrides and f"var.{v.name}" not in overrides:
                    overrides[v.name] = f"<var.{v.name}>"
        ref_values = config.reference_values(workflow, compiled.definition, overrides)
        from flowdsl.strict_json import check_value

        for address, value in ref_values.items():
            check_value(value, f"the value of {address}")
        definition = resolve(compiled.definition, ref_values)
        sm_name = workflow.name
    else:
        if values:
            raise FlowError(f"{values_label} apply to workflow files (.py); an ASL document has no variables")
        definition, ref_values = doc, {}
    label = f"{label} ({sm_name})" if label != "state machine" else sm_name
    # 4. bind tasks
    known = state_names(definition)
    _check_names(config.tasks, known, f"{where_file}RunConfig.tasks")
    try:
        binder = config.binder(workflow, ref_values)
        if mock_file is not None:
            from flowdsl.run.bindings import load_mock_config

            mock_config = load_mock_config(mock_file)
            machines = list(mock_config.state_machines)
            machine = sm_name if sm_name in machines else (machines[0] if len(machines) == 1 else sm_name)
            file_binder = mock_config.binder(machine, test_case or "")
            where = f"{mock_file if not isinstance(mock_file, Mapping) else 'mock config'}: test case {test_case!r}"
            _check_names(file_binder._handlers, known, f"{where} mocks")
            binder.update(file_binder)
    except RunError as e:
        raise RunConfigError(str(e)) from None
    if mocks:
        _check_names(mocks, known, mocks_label)
        binder._handlers.update(mocks)
    # 5. build the input
    if message is not None:
        if not isinstance(message, str):
            raise FlowError(f"the message body must be text, not {type(message).__name__}")
        from flowdsl.strict_json import check_value

        check_value(message, "the message body")
        trigger = ("message", message)
    if trigger is not None:
        from flowdsl.deployments import LocalInput, execution_input, resolver

        run_input: Any = execution_input(getattr(workflow, "deployment", None), LocalInput(
            trigger[0], trigger[1], sm_name, resolver(ref_values), region=config.region,
            account_id=config.account_id, partition=config.partition))
    else:
        run_input = {} if input is None else input
        if input is not None and workflow is not None:  # against its declared shape, if any
            from flowdsl.deployments import kind_of

            typecheck.check_input(workflow, run_input, kind_of(workflow.deployment))
    check_input(run_input, "the execution input")
    return PreparedRun(definition, run_input, binder, config.context(sm_name), sm_name, label, workflow, config)


def check_input(value: Any, what: str) -> None:
    """JSON-clean (no NaN, no lone surrogates, not too deep) and at most 256 KiB."""
    from flowdsl.strict_json import check_value

    check_value(value, what)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_INPUT_BYTES:
        raise FlowError(f"{what} is {size:,} bytes; Step Functions accepts at most {MAX_INPUT_BYTES:,} "
                        "(256 KiB)")


def _check_names(bound: Any, known: set[str], what: str) -> None:
    for state in sorted(set(bound) - known):
        raise RunConfigError(f"{what} name {state!r}, which the state machine does not have"
                             f"{did_you_mean(state, known, ignore_case=False).aside}; its states: {', '.join(sorted(known))}")


def _checked_values(workflow: Any, values: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Values by variable name (or ``var.NAME``), or by address for other references."""
    declared = [v.name for v in workflow.variables]
    for key in values:
        if not isinstance(key, str):
            raise RunConfigError(f"{label}: a variable name must be a string, not {key!r}")
        bare = key[4:] if key.startswith("var.") else key
        if "." in bare and not key.startswith("var."):
            continue  # an address, e.g. aws_batch_job_definition.job.arn
        if bare not in declared:
            known = ", ".join(declared) or "none"
            raise RunConfigError(f"{label} {bare!r}: the workflow {workflow.name!r} has no such variable"
                                 f"{did_you_mean(bare, declared, ignore_case=False).aside}; its variables: {known}")
    return dict(values)


__all__ = ["MAX_INPUT_BYTES", "PreparedRun", "check_asl", "check_input", "prepare_run", "read_asl"]
