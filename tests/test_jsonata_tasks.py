"""Typed tasks in both query languages: under JSONata a typed task writes ``Arguments`` (its
``.$`` reference paths as ``{% ... %}`` expressions), validates, gets the role its JSONPath form
gets, runs locally and imports back to its class; the JSONPath-only fields are refused."""

from __future__ import annotations

import json
import warnings
from typing import Any

import attrs
import pytest
from test_codegen import TYPED_STATES, built, calls

import flowdsl
from flowdsl import (
    GlueJob,
    LambdaTask,
    Map,
    SnsPublish,
    SqsSendMessage,
    StartExecution,
    Task,
    Workflow,
)
from flowdsl.asl import jsonata_of_path
from flowdsl.build import check
from flowdsl.codegen import generate
from flowdsl.placeholders import resolve
from flowdsl.states import _TaskBase
from flowdsl.tasks import INTEGRATIONS, load_all, state_machine_statements
from flowdsl.testing import returns, run

P = {"data.aws_partition.current.partition": "aws"}
# what a state's input holds for the paths the typed cases read
INPUT = {"m": "hello", "day": "2024-01-01"}


def typed_state(cls: str) -> Any:
    return TYPED_STATES[cls](flowdsl)


def jsonata(*states: Any) -> Workflow:
    return Workflow("w", list(states), query_language="JSONata")


def definition(workflow: Workflow) -> dict[str, Any]:
    compiled, diagnostics = check(workflow)
    assert diagnostics == []
    return json.loads(json.dumps(resolve(compiled.definition, P)))


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_every_registered_typed_class_has_a_case() -> None:
    load_all()
    assert set(TYPED_STATES) == {cls.__name__ for cls in INTEGRATIONS}


@pytest.mark.parametrize("cls", sorted(TYPED_STATES))
def test_a_typed_task_under_jsonata_writes_arguments_and_validates(cls: str) -> None:
    state = typed_state(cls)
    body = definition(jsonata(state))["States"]["T"]
    plain = definition(Workflow("w", [state]))["States"]["T"]
    assert "Parameters" not in body and "Parameters" in plain
    assert not any(k.endswith(".$") for k in keys(body["Arguments"]))
    assert body["Resource"] == plain["Resource"]
    # the same payload: each ".$" key of the JSONPath form is the plain key here
    assert {k.removesuffix(".$") for k in plain["Parameters"]} == set(body["Arguments"])


@pytest.mark.parametrize("cls", sorted(TYPED_STATES))
def test_a_typed_task_gets_the_same_role_in_both_languages(cls: str) -> None:
    state = typed_state(cls)
    body = definition(jsonata(state))["States"]["T"]
    role = state_machine_statements(jsonata(state))
    assert role == state_machine_statements(Workflow("w", [state]))
    # and a plain JSONata Task with the same Resource and Arguments gets it too
    plain = Task("T", resource=body["Resource"], arguments=body["Arguments"])
    assert state_machine_statements(jsonata(plain)) == role


@pytest.mark.parametrize("cls", sorted(TYPED_STATES))
def test_a_typed_task_under_jsonata_runs_locally_with_the_call_its_jsonpath_form_makes(cls: str) -> None:
    state = typed_state(cls)
    mocks = {"T": returns({"ok": True})}
    a = run(jsonata(state), INPUT, mocks=mocks).assert_succeeded()
    b = run(Workflow("w", [state]), INPUT, mocks=mocks).assert_succeeded()
    assert a.output == b.output == {"ok": True}
    assert [c.payload for c in a.calls_of("T")] == [c.payload for c in b.calls_of("T")]


@pytest.mark.parametrize("cls", sorted(TYPED_STATES))
def test_a_jsonata_task_imports_back_as_its_typed_class(cls: str) -> None:
    state = attrs.evolve(typed_state(cls), timeout_seconds=30,
                         output="{% $states.result %}", assign={"last": "{% $states.input %}"})
    doc = definition(jsonata(state))
    source = generate(doc, "w")
    assert f'{cls}("T",' in "".join(source.split())
    assert "Task" not in calls(source)
    assert built(source, doc) == doc


def test_a_reference_path_becomes_the_expression_aws_converts_it_to() -> None:
    assert jsonata_of_path("$") == "{% $states.input %}"
    assert jsonata_of_path("$.title") == "{% $states.input.title %}"
    assert jsonata_of_path("$.a.b[0]") == "{% $states.input.a.b[0] %}"
    assert jsonata_of_path("$['day-of-week']") == "{% $states.input.`day-of-week` %}"
    assert jsonata_of_path("$$.Task.Token") == "{% $states.context.Task.Token %}"
    assert jsonata_of_path("$customerName") == "{% $customerName %}"
    assert jsonata_of_path("$order.items[1].id") == "{% $order.items[1].id %}"
    for text in ("$.a[*]", "$..id", "$.a[?(@.x == 1)]", "States.Format('{}', $.a)", "plain",
                 "$['a`b']", 3):
        assert jsonata_of_path(text) is None, text


def test_the_paths_a_typed_task_writes_are_expressions_under_jsonata() -> None:
    states = definition(jsonata(
        LambdaTask("Call", function="f"),
        SqsSendMessage("Wait", queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/q",
                       message_body={"token.$": "$$.Task.Token", "day.$": "$.day"},
                       pattern="wait_for_task_token"),
        GlueJob("Etl", job_name="etl", job_arguments={"--day.$": "$.day", "--mode": "full"}),
        StartExecution("Child", state_machine="arn:aws:states:us-east-1:123456789012:stateMachine:c"),
    ))["States"]
    assert states["Call"]["Arguments"] == {"FunctionName": "f", "Payload": "{% $states.input %}"}
    assert states["Wait"]["Arguments"]["MessageBody"] == {
        "token": "{% $states.context.Task.Token %}", "day": "{% $states.input.day %}"}
    assert states["Etl"]["Arguments"] == {
        "JobName": "etl", "Arguments": {"--day": "{% $states.input.day %}", "--mode": "full"}}
    assert states["Child"]["Arguments"]["Input"] == "{% $states.input %}"


def test_a_state_or_a_map_processor_takes_jsonata_from_where_it_is_set() -> None:
    states = definition(Workflow("w", [
        LambdaTask("Own", function="f", query_language="JSONata"),
        LambdaTask("Plain", function="f"),
        Map("Each", query_language="JSONata", items="{% $states.input.xs %}",
            processor=[LambdaTask("Inner", function="f")]),
    ]))["States"]
    assert states["Own"]["Arguments"] == {"FunctionName": "f", "Payload": "{% $states.input %}"}
    assert states["Plain"]["Parameters"] == {"FunctionName": "f", "Payload.$": "$"}
    assert states["Each"]["ItemProcessor"]["States"]["Inner"]["Arguments"] == {
        "FunctionName": "f", "Payload": "{% $states.input %}"}


def diagnostics(workflow: Workflow) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in check(workflow)[1]]


@pytest.mark.parametrize("field, key, value", [
    ("result_selector", "ResultSelector", {"a.$": "$.Payload"}),
    ("result_path", "ResultPath", "$.out"),
    ("input_path", "InputPath", "$.in"),
    ("output_path", "OutputPath", "$.Payload"),
])
def test_the_jsonpath_fields_of_a_typed_task_are_refused_under_jsonata(field: str, key: str,
                                                                       value: Any) -> None:
    state = LambdaTask("Call", function="f", **{field: value})
    assert diagnostics(jsonata(state)) == [
        (f"$.States.Call.{key}", f"{key} is a JSONPath field; this state uses JSONata")]


def test_a_dot_dollar_value_with_no_jsonata_form_is_refused_naming_the_field() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:t"
    found = diagnostics(jsonata(
        SnsPublish("Note", topic=topic, message={"text.$": "States.Format('{}', $.a)"}),
        SnsPublish("All", topic=topic, message_path="$.items[*]"),
    ))
    assert found == [
        ("$.States.Note.Arguments.Message.text.$",
         "SnsPublish.message gives 'text.$': \"States.Format('{}', $.a)\"; this state uses "
         "JSONata, where flowdsl writes only a reference path ($.a.b, $$.Task.Token, $name.a) "
         "as an expression: give 'text' a JSONata expression '{% ... %}' instead"),
        ("$.States.All.Arguments.Message.$",
         "SnsPublish.message_path gives 'Message.$': '$.items[*]'; this state uses JSONata, "
         "where flowdsl writes only a reference path ($.a.b, $$.Task.Token, $name.a) as an "
         "expression: give 'Message' a JSONata expression '{% ... %}' instead"),
    ]


def test_a_jsonata_expression_given_to_a_typed_field_is_written_as_it_is() -> None:
    state = SnsPublish("Note", topic="arn:aws:sns:us-east-1:123456789012:t",
                       message="{% 'done: ' & $states.input.m %}")
    body = definition(jsonata(state))["States"]["Note"]
    assert body["Arguments"]["Message"] == "{% 'done: ' & $states.input.m %}"
    result = run(jsonata(state), INPUT, mocks={"Note": returns({})}).assert_succeeded()
    assert result.calls_of("Note")[0].payload["Message"] == "done: hello"


# Glue's job arguments are not the state's Arguments -------------------------------------------

def test_glue_jobs_former_arguments_name_still_works_and_warns() -> None:
    with pytest.warns(DeprecationWarning, match=r"^GlueJob\(arguments=\.\.\.\) is now "
                      r"GlueJob\(job_arguments=\.\.\.\): Glue's job arguments, not the state's "
                      r"Arguments$"):
        old = GlueJob("G", job_name="etl", arguments={"--a": "b"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = GlueJob("G", job_name="etl", job_arguments={"--a": "b"})
    assert old == new and old.job_arguments == {"--a": "b"}
    with pytest.raises(TypeError, match=r"^GlueJob takes job_arguments= or its former name "
                       r"arguments=, not both$"):
        GlueJob("G", job_name="etl", arguments={}, job_arguments={})


def test_no_typed_field_is_named_like_a_field_of_a_state() -> None:
    import flowdsl.states as states

    state_fields = {f.name for cls in vars(states).values()
                    if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == states.__name__
                    and cls is not states.Workflow  # not a state: its input= is a declared shape
                    for f in attrs.fields(cls)}
    own = {f.name for f in attrs.fields(_TaskBase)}
    load_all()
    clashes = {(cls.__name__, f.name) for cls in INTEGRATIONS for f in attrs.fields(cls)
               if f.name not in own and f.name in state_fields}
    # SdkCall's parameters are the payload itself: Parameters, or Arguments under JSONata
    assert clashes == {("SdkCall", "parameters")}
