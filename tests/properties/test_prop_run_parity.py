"""What validates runs: a generated workflow, valid by construction, never meets a definition
error when the engine runs it (data-dependent failures, such as a path with no match in the
input, end the execution as AWS ends it)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from flowdsl.build import check
from flowdsl.run import RunError, TaskBinder, execute
from flowdsl.testing.strategies import json_values, resolve_dummy, workflows


def _any_result(call: Any) -> Any:
    return {"ok": True, "items": [1, 2], "n": 3}


@settings(deadline=None)
@given(workflows(), json_values(6))
def test_a_valid_workflow_has_no_definition_error_at_run_time(wf, data) -> None:
    compiled, diagnostics = check(wf)
    assert diagnostics == []
    definition = resolve_dummy(compiled.definition)
    try:
        execute(definition, {"input": data, "a": data, "items": [data]},
                tasks=TaskBinder(fallback=_any_result), max_steps=2_000)
    except RunError as e:
        raise AssertionError(f"validated, but the engine calls the definition malformed: {e}") from None
