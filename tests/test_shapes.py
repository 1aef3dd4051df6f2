"""Declared shapes: every form a workflow may declare reads to the same shape; what is not a
shape is one clear diagnostic; each deployment kind wraps the declared message in what its
trigger delivers; the job pipelines' misspelt paths fail their build at the state's line."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal, NotRequired, Optional, TypedDict

import attrs
import pytest

from flowdsl import EventJob, EventPattern, OnDemandJob, Pass, ScheduledJob, StateMachine, Workflow
from flowdsl.asl import compile_workflow
from flowdsl.build import check
from flowdsl.loader import load_workflows
from flowdsl.shapes import (BOOLEAN, INTEGER, NULL, NUMBER, STRING, UNKNOWN, Arr, Field, Obj, Scalar, ShapeError,
                            Tup, conforms, join, of_value, render, shape_of)

ROOT = Path(__file__).resolve().parents[1]


class Line(TypedDict):
    sku: str
    qty: int


class Order(TypedDict):
    id: str
    lines: list[Line]
    note: NotRequired[Optional[str]]
    kind: Literal["retail", "trade"]


@dataclasses.dataclass
class LineDC:
    sku: str
    qty: int


@dataclasses.dataclass
class OrderDC:
    id: str
    lines: list[LineDC]
    kind: Literal["retail", "trade"]
    note: Optional[str] = None


@attrs.define
class LineA:
    sku: str
    qty: int


@attrs.define
class OrderA:
    id: str
    lines: list[LineA]
    kind: Literal["retail", "trade"]
    note: Optional[str] = None


ORDER_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["id", "lines", "kind"],
    "$defs": {"line": {"type": "object", "additionalProperties": False, "required": ["sku", "qty"],
                       "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}},
    "properties": {"id": {"type": "string"}, "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}},
                   "note": {"type": ["string", "null"]}, "kind": {"enum": ["retail", "trade"]}},
}
EXPECTED = Obj({"id": Field(STRING), "lines": Field(Arr(Obj({"sku": Field(STRING), "qty": Field(INTEGER)}))),
                "note": Field(join(STRING, NULL), False), "kind": Field(STRING)})


@pytest.mark.parametrize("spec", [Order, OrderDC, OrderA, ORDER_SCHEMA], ids=["TypedDict", "dataclass", "attrs", "schema"])
def test_every_form_reads_to_one_shape(spec: Any) -> None:
    assert shape_of(spec) == EXPECTED  # fields compare in any order
    if spec in (Order, ORDER_SCHEMA):  # a dataclass lists its defaulted fields last
        assert render(shape_of(spec)) == \
            "{id: string, lines: {sku: string, qty: integer}[], note?: string | null, kind: string}"


@pytest.mark.parametrize("spec, shape", [
    (str, STRING), (int, INTEGER), (float, NUMBER), (bool, BOOLEAN), (type(None), NULL), (Any, UNKNOWN),
    (list[int], Arr(INTEGER)), (tuple[str, int], Tup([STRING, INTEGER])), (tuple[int, ...], Arr(INTEGER)),
    (dict[str, int], Obj({}, INTEGER)), (Optional[int], join(INTEGER, NULL)),
    ({"type": "object"}, Obj({}, UNKNOWN)), ({}, UNKNOWN), (True, UNKNOWN),
    ({"type": "array", "prefixItems": [{"type": "string"}], "items": False}, Tup([STRING])),
    ({"type": "string", "contentMediaType": "application/json", "contentSchema": {"type": "integer"}},
     Scalar("string", INTEGER)),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, join(STRING, INTEGER)),
    ({"const": {"a": [1, "x"]}}, Obj({"a": Field(Tup([INTEGER, STRING]))})),
    ({"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                {"type": "object", "additionalProperties": False, "properties": {"b": {"type": "integer"}}}]},
     Obj({"a": Field(STRING, False), "b": Field(INTEGER, False)})),
])
def test_the_forms_of_a_shape(spec: Any, shape: Any) -> None:
    assert shape_of(spec) == shape


@pytest.mark.parametrize("spec, message", [
    (42, "the shape: 42 is not a shape: give a JSON Schema dict, a TypedDict"),
    ({"type": "strin"}, "the shape: unknown JSON Schema type 'strin'"),
    ({"$ref": "http://x/y"}, "the shape: only local references ('#/$defs/Name') are read"),
    ({"$ref": "#/$defs/nope"}, "the shape: $ref '#/$defs/nope' names nothing in the schema"),
    (set, "the shape: <class 'set'> is not a shape"),
])
def test_what_is_not_a_shape(spec: Any, message: str) -> None:
    with pytest.raises(ShapeError) as e:
        shape_of(spec)
    assert str(e.value).startswith(message)


def test_a_recursive_declaration_reads_a_few_levels_deep() -> None:
    tree = {"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
            "$ref": "#/$defs/node"}
    shape = shape_of(tree)
    assert isinstance(shape, Obj) and "kids" in shape.fields


@pytest.mark.parametrize("value, problem", [
    ({"id": "a", "lines": [{"sku": "s", "qty": 1}], "kind": "trade"}, None),
    ({"id": "a", "lines": [{"sku": "s", "qty": 1.0}], "kind": "trade", "note": None}, None),
    ({"id": "a", "lines": [], "kind": "trade", "nte": "x"}, "$: has a field 'nte' the shape does not have; did you mean 'note'?"),
    ({"id": "a", "kind": "trade"}, "$: has no field 'lines', which is required"),
    ({"id": "a", "lines": [{"sku": 1, "qty": 1}], "kind": "t"}, "$.lines[0].sku: is a number; expected a string"),
    ({"id": "a", "lines": {}, "kind": "t"}, "$.lines: is an object; expected an array"),
    ({"id": "a", "lines": [], "kind": "t", "note": 3}, "$.note: is a number; expected a string or null"),
    ([], "$: is an array; expected an object"),
])
def test_a_value_against_its_shape(value: Any, problem: str | None) -> None:
    assert conforms(value, shape_of(Order)) == problem


def test_of_value_is_exactly_the_value() -> None:
    assert of_value({"a": 1, "b": [True, None], "c": 1.5}) == Obj(
        {"a": Field(INTEGER), "b": Field(Tup([BOOLEAN, NULL])), "c": Field(NUMBER)})
    assert conforms({"a": 1, "b": [True, None], "c": 1.5}, of_value({"a": 1, "b": [True, None], "c": 1.5})) is None


def test_a_workflow_that_declares_no_shape_is_unchanged_by_the_check() -> None:
    wf = Workflow("w", states=[Pass("A", parameters={"x.$": "$.nothing"})])
    assert check(wf)[1] == []


def test_a_declaration_does_not_change_the_asl() -> None:
    states = [Pass("A", parameters={"x.$": "$.id"})]
    assert compile_workflow(Workflow("w", states=states)).definition == \
        compile_workflow(Workflow("w", states=states, input=Order)).definition


def test_a_bad_declaration_is_one_diagnostic_at_the_workflow() -> None:
    wf = Workflow("w", states=[Pass("A")], input=42)
    _, diagnostics = check(wf)
    assert [(d.code, d.path, d.source) for d in diagnostics] == [("bad-shape", "input", wf.source)]
    assert diagnostics[0].message.startswith("Workflow.input: 42 is not a shape")


def test_a_bad_result_declaration_names_the_state() -> None:
    from flowdsl import LambdaTask

    task = LambdaTask("Call", function="f", returns="nope")
    _, diagnostics = check(Workflow("w", states=[task], input=Order))
    assert [(d.code, d.source) for d in diagnostics] == [("bad-shape", task.source)]
    assert diagnostics[0].message.startswith("LambdaTask 'Call' returns: 'nope' is not a shape")


# --------------------------------------------------------------------------------- the kinds' envelopes

def _diags(deployment: Any, *states: Any, declared: Any = Order) -> list[tuple[str, str]]:
    _, diagnostics = check(Workflow("w", states=list(states), input=declared, deployment=deployment))
    return [(d.code, d.message) for d in diagnostics]


def test_an_on_demand_job_receives_a_list_of_one_sqs_record_whose_body_is_a_string() -> None:
    ok = Pass("A", parameters={"b.$": "$[0].body", "m.$": "$[0].messageId", "o.$": "States.StringToJson($[0].body)"})
    assert _diags(OnDemandJob("j"), ok, Pass("B", parameters={"id.$": "$.o.id", "l.$": "$.o.lines[0].sku"})) == []
    assert _diags(OnDemandJob("j"), Pass("A", parameters={"b.$": "$[0].bdy"})) == [
        ("no-such-field", "$[0].bdy: $[0] has no field 'bdy' here; did you mean 'body'?")]
    assert _diags(OnDemandJob("j"), Pass("A", parameters={"b.$": "$[0].body.id"})) == [
        ("not-an-object", "$[0].body.id: $[0].body is a string here, not an object with a field 'id'")]
    assert _diags(OnDemandJob("j"), Pass("A", parameters={"b.$": "$[1].body"})) == [
        ("not-an-array", "$[1]: $ has 1 item(s) here, so it has no item 1")]
    parsed = Pass("A", parameters={"o.$": "States.StringToJson($[0].body)"})
    assert _diags(OnDemandJob("j"), parsed, Pass("B", parameters={"x.$": "$.o.idd"})) == [
        ("no-such-field", "$.o.idd: $.o has no field 'idd' here; did you mean 'id'?")]


def test_a_pipe_batching_records_delivers_an_array_of_them() -> None:
    from flowdsl.deployments.on_demand import Pipe

    assert _diags(OnDemandJob("j", pipe=Pipe(batch_size=5)), Pass("A", parameters={"b.$": "$[3].body"})) == []


def test_an_event_job_receives_the_envelope_with_the_declared_detail() -> None:
    job = EventJob("j", EventPattern({"source": ["shop"]}))
    assert _diags(job, Pass("A", parameters={"i.$": "$.detail.id", "t.$": "$.detail-type", "s.$": "$.source"})) == []
    assert _diags(job, Pass("A", parameters={"i.$": "$.details.id"})) == [
        ("no-such-field", "$.details: the state's input has no field 'details' here; did you mean 'detail'?")]


def test_a_scheduled_job_receives_its_fixed_input_which_must_fit_the_declaration() -> None:
    class Tick(TypedDict):
        at: str

    job = ScheduledJob("j", "rate(1 hour)", input={"at": "<aws.scheduler.scheduled-time>"})
    assert _diags(job, Pass("A", parameters={"t.$": "$.at"}), declared=Tick) == []
    assert _diags(job, Pass("A", parameters={"t.$": "$.when"}), declared=Tick) == [
        ("no-such-field", "$.when: the state's input has no field 'when' here (it has at)")]
    wrong = ScheduledJob("j", "rate(1 hour)", input={"when": "x"})
    _, diagnostics = check(Workflow("w", states=[Pass("A")], input=Tick, deployment=wrong))
    assert [(d.code, d.path, d.source) for d in diagnostics] == [("bad-shape", "input", wrong.source)]
    assert diagnostics[0].message == ("the input ScheduledJob delivers: $: has no field 'at', which is required")


def test_a_state_machine_receives_what_its_caller_passes() -> None:
    assert _diags(StateMachine("j"), Pass("A", parameters={"i.$": "$.lines[0].sku"})) == []
    assert _diags(StateMachine("j"), Pass("A", parameters={"i.$": "$.line"})) == [
        ("no-such-field", "$.line: the state's input has no field 'line' here; did you mean 'lines'?")]


# ------------------------------------------------------------------------------- the job pipelines

@pytest.mark.parametrize("file, right, wrong, state", [
    ("fibonacci.py", '"$.input[0].body"', '"$.input[0].bdy"', "BatchTask("),
    ("nightly.py", '"$.input.scheduled_time"', '"$.input.scheduled_tme"', "BatchTask("),
])
def test_a_misspelt_field_in_a_job_pipeline_fails_its_build_at_the_states_line(
        tmp_path: Path, file: str, right: str, wrong: str, state: str) -> None:
    text = (ROOT / "workflows" / file).read_text()
    assert text.count(right) == 1
    path = tmp_path / file
    path.write_text(text.replace(right, wrong))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if state in t)
    r = subprocess.run([sys.executable, "-m", "flowdsl", "build", str(path), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}: ") and first.endswith("[no-such-field]"), first
    assert "did you mean" in first
    assert not (tmp_path / "out").exists()


def test_the_job_pipelines_pass_the_check_and_declare_their_shapes() -> None:
    for file in ("fibonacci.py", "nightly.py"):
        wf = next(iter(load_workflows(str(ROOT / "workflows" / file)).values()))
        assert wf.input is not None
        assert check(wf)[1] == []


def test_a_build_without_shapes_loads_neither_the_check_nor_botocore() -> None:
    code = ("import sys\nfrom flowdsl import Pass, Workflow\nfrom flowdsl.build import build\n"
            "build(Workflow('w', states=[Pass('A')]))\n"
            "print(sorted(m for m in ('flowdsl.typeflow', 'flowdsl.shapes', 'botocore') if m in sys.modules))\n"
            "from flowdsl.loader import load_workflows\n"
            "build(load_workflows('workflows/fibonacci.py')['fibonacci'])\n"
            "print(sorted(m for m in ('flowdsl.typeflow', 'flowdsl.shapes', 'botocore') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.splitlines() == ["[]", "['flowdsl.shapes', 'flowdsl.typeflow']"], r.stderr


def test_flowdsl_types_prints_each_states_shapes() -> None:
    r = subprocess.run([sys.executable, "-m", "flowdsl", "types", "workflows/nightly.py"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "nightly: the execution input: {scheduled_time: string}"
    assert lines[1].startswith("ExtractInputParameters  (workflows/nightly.py:")
    assert lines[2] == "    in:  {scheduled_time: string}"
    assert "input: {scheduled_time: string}" in lines[3]
    assert any(line.startswith("BatchGroup.Branches[0].States.Batch  (") for line in lines)
    assert any("success_handler: {ExecutedVersion: string, Payload: {status: string, job_name: string | null" in line
               for line in lines)
    bad = subprocess.run([sys.executable, "-m", "flowdsl", "types", "missing.py"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "missing.py" in bad.stderr


# ------------------------------------------------------------------------------- run-time input

def test_an_input_given_as_is_must_have_the_declared_shape() -> None:
    from flowdsl.errors import FlowError
    from flowdsl.testing import run

    with pytest.raises(FlowError) as e:
        run("workflows/nightly.py", {"scheduled_tme": "2024-01-01T00:00:00Z"})
    assert str(e.value) == (
        "the execution input does not have the shape workflow 'nightly' declares (an EventBridge "
        "Scheduler schedule (its fixed input, context attributes filled in)): $: has no field "
        "'scheduled_time', which is required ('scheduled_tme' is there: misspelt?)")
    wf = Workflow("w", states=[Pass("A")], input=Order)
    with pytest.raises(FlowError, match=r"\$.lines\[0\].qty: is a string; expected an integer$"):
        run(wf, {"id": "a", "kind": "retail", "lines": [{"sku": "s", "qty": "1"}]})
    assert run(wf, {"id": "a", "kind": "retail", "lines": [{"sku": "s", "qty": 1}]}).status == "SUCCEEDED"


def test_flowdsl_run_input_names_the_field_that_does_not_fit() -> None:
    r = subprocess.run([sys.executable, "-m", "flowdsl", "run", "workflows/fibonacci.py", "--input",
                        '[{"body": "{\\"N\\": 1}"}]'], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.endswith("$[0].body (its JSON) $: has no field 'n', which is required ('N' is there: "
                             "misspelt?)\n"), r.stderr
    for wrong, problem in (('[{"body": 7}]', "$[0].body: is a number; expected a string"),
                           ('[{"body": "{\\"n\\": 1}", "bdy": 1}]', "$[0]: has a field 'bdy' the shape does not have; "
                            "did you mean 'body'?"),
                           ("[]", "$: has 0 item(s); expected 1")):
        r = subprocess.run([sys.executable, "-m", "flowdsl", "run", "workflows/fibonacci.py", "--input", wrong],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 1 and r.stderr.endswith(problem + "\n"), r.stderr


def test_a_message_body_is_not_held_to_the_shape_so_error_paths_stay_testable() -> None:
    from flowdsl.testing import returns, run

    result = run("workflows/fibonacci.py", message="not json", mocks={
        "Batch": returns({"JobId": "1"}), "OnSuccess": returns({"Payload": {}})})
    assert result.status == "SUCCEEDED"
