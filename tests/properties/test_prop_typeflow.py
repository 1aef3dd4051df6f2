"""Typed data flow against the engine: a generated workflow with a declared input that passes
the check runs on any input drawn from that shape without a path error; what ``inputs_for``
draws has the declared shape, wrapped as the trigger delivers it."""

from __future__ import annotations

import json

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from flowdsl.build import check
from flowdsl.shapes import conforms, shape_of
from flowdsl.testing import returns, run
from flowdsl.testing.strategies.shapes import inputs_for, schemas, typed_workflows, values


@settings(deadline=None)
@given(typed_workflows(), st.data())
def test_a_workflow_the_check_accepts_runs_on_every_input_of_its_shape(pair, data) -> None:
    workflow, schema = pair
    _, diagnostics = check(workflow)
    note(f"diagnostics: {[d.render() for d in diagnostics]}")
    event("the check spoke" if diagnostics else "the check accepted it")
    if diagnostics:  # the check spoke: the property is about the workflows it accepts
        assert {d.code for d in diagnostics} <= {"no-such-field", "optional-field", "undeclared-field", "not-an-object",
                                                 "not-an-array"}
        return
    execution_input = data.draw(inputs_for(workflow), label="input")
    result = run(workflow, execution_input)
    assert result.status == "SUCCEEDED", (result.error, result.cause)


@settings(deadline=None)
@given(schemas(), st.data())
def test_values_drawn_from_a_shape_have_it(schema, data) -> None:
    shape = shape_of(schema)
    value = data.draw(values(shape))
    assert conforms(value, shape) is None
    assert json.loads(json.dumps(value)) == value


def _fibonacci():
    from flowdsl.loader import load_workflows

    return load_workflows("workflows/fibonacci.py")["fibonacci"]


FIBONACCI = _fibonacci()


@settings(deadline=None, max_examples=10)
@given(inputs_for(FIBONACCI))
def test_fibonacci_inputs_are_sqs_records_of_its_declared_message(execution_input) -> None:
    assert isinstance(execution_input, list) and len(execution_input) == 1
    assert isinstance(json.loads(execution_input[0]["body"])["n"], int)
    summary = {"status": "SUCCEEDED", "job_name": "j", "execution": "e"}
    result = run("workflows/fibonacci.py", execution_input, mocks={
        "Batch": returns({"JobId": "1", "Status": "SUCCEEDED"}),
        "OnSuccess": returns({"Payload": summary, "StatusCode": 200})})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output[0]["input"] == execution_input
