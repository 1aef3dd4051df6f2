"""The build's entry to the typed data-flow check: a workflow that declares no shapes costs one
look at its states, and :mod:`flowdsl.typeflow` loads only for one that does."""

from __future__ import annotations

from typing import Any

from flowdsl.errors import Diagnostic


def declares_shapes(workflow: Any) -> bool:
    """Whether a workflow declares its input's shape (``Workflow(input=)``) or a task's
    result shape (``returns=``)."""
    from flowdsl.states import iter_states

    if getattr(workflow, "input", None) is not None:
        return True
    return any(getattr(st, "returns", None) is not None for st in iter_states(workflow.states))


def check(workflow: Any, compiled: Any, kind: Any = None) -> list[Diagnostic]:
    """The data-flow diagnostics of a compiled workflow (``kind``: its deployment kind's
    record); none when it declares no shapes."""
    if not declares_shapes(workflow):
        return []
    from flowdsl.typeflow import analyse

    return analyse(workflow, compiled, kind).diagnostics


def check_input(workflow: Any, value: Any, kind: Any = None) -> None:
    """Raise FlowError naming the field when an execution input given as is (``flowdsl run
    --input``, the kit's ``input=``) does not fit the input the workflow declares, in its
    deployment kind's envelope (whose own fields may be left out: a hand-written SQS record
    with its body alone will do)."""
    if getattr(workflow, "input", None) is None:
        return
    from flowdsl.errors import FlowError
    from flowdsl.shapes import conforms, shape_of

    schema_of = getattr(kind, "input_schema", None)
    schema = schema_of(workflow.deployment, workflow.input) if schema_of is not None else workflow.input
    if schema is None:
        return
    # the envelope around the message may be written in part (a record with its body alone);
    # the message in it must be whole
    declared = shape_of(workflow.input, "Workflow.input")
    problem = conforms(value, shape_of(schema, "Workflow.input"), strict_at=declared)
    if problem:
        where = f" ({kind.input_shape})" if kind is not None else ""
        raise FlowError(f"the execution input does not have the shape workflow {workflow.name!r} "
                        f"declares{where}: {problem}")
