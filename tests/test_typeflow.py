"""Typed data flow: each case is a small workflow with a declared input (and perhaps a task's
declared result), and the exact diagnostics the build gives it. A case with none is one the
check must accept; the shapes are those of the data AWS would pass, so each listed diagnostic
is a path that fails (or a comparison that never holds) at run time."""

from __future__ import annotations

from typing import Any

import pytest

from flowdsl import (DISCARD, Catch, Choice, Fail, LambdaTask, Map, Parallel, Pass, Succeed, Task, Wait,
                     When, Workflow)
from flowdsl.build import check
from flowdsl.conditions import (Condition, all_of, is_present, not_, numeric_greater_than, string_equals,
                                string_equals_path, boolean_equals)

ORDER = {
    "type": "object", "additionalProperties": False, "required": ["id", "items", "customer"],
    "properties": {
        "id": {"type": "string"},
        "total": {"type": "number"},
        "items": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["sku", "qty"],
            "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}},
        "customer": {"type": "object", "additionalProperties": False, "required": ["name"],
                     "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
        "meta": {"type": "object"},  # open: any field
        "note": {"type": ["string", "null"]},
    },
}
FN = "arn:aws:lambda:us-east-1:123456789012:function:f"
RESULT = {"type": "object", "additionalProperties": False, "required": ["ok", "count"],
          "properties": {"ok": {"type": "boolean"}, "count": {"type": "integer"}}}


def lam(name: str, **kw: Any) -> LambdaTask:
    return LambdaTask(name, function=FN, **kw)


def passes(*states: Any) -> list[Any]:
    return list(states)


P = "$.States"
CASES: list[tuple[str, list[Any], list[tuple[str, str, str]]]] = [
    # --- InputPath / Parameters / OutputPath -------------------------------------------------
    ("a path to a declared field", [Pass("A", parameters={"x.$": "$.customer.name"})], []),
    ("a misspelt field, with a suggestion", [Pass("A", parameters={"x.$": "$.custmer.name"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$",
         "$.custmer: the state's input has no field 'custmer' here; did you mean 'customer'?")]),
    ("a field nowhere near a known one lists the fields", [Pass("A", parameters={"x.$": "$.zzz"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$",
         "$.zzz: the state's input has no field 'zzz' here (it has id, total, items, customer, meta, note)")]),
    ("a nested misspelt field", [Pass("A", parameters={"x.$": "$.customer.nmae"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$",
         "$.customer.nmae: $.customer has no field 'nmae' here; did you mean 'name'?")]),
    ("an optional field read without a check", [Pass("A", parameters={"x.$": "$.total"})], [
        ("optional-field", f"{P}.A.Parameters.x.$",
         "$.total: the field 'total' is optional in the state's input; it may be absent here (a "
         "Choice with is_present('$.total') before this state makes sure)")]),
    ("an open object's undeclared fields may be absent", [Pass("A", parameters={"x.$": "$.meta.anything.deep"})], [
        ("optional-field", f"{P}.A.Parameters.x.$",
         "$.meta: the field 'meta' is optional in the state's input; it may be absent here (a "
         "Choice with is_present('$.meta') before this state makes sure)"),
        ("undeclared-field", f"{P}.A.Parameters.x.$",
         "$.meta.anything: $.meta declares no field 'anything'; it may be absent here (a Choice with "
         "is_present('$.meta.anything') before this state makes sure)")]),
    ("is_present makes an open object's field sure, and what leads to it", [
        Choice("C", choices=[When(is_present("$.meta.anything", True),
                                  next=Pass("T", parameters={"t.$": "$.meta.anything.deep"}))],
               default=Succeed("None"))], []),
    ("a field of a string", [Pass("A", parameters={"x.$": "$.id.value"})], [
        ("not-an-object", f"{P}.A.Parameters.x.$",
         "$.id.value: $.id is a string here, not an object with a field 'value'")]),
    ("an index into an object", [Pass("A", parameters={"x.$": "$.customer[0]"})], [
        ("not-an-array", f"{P}.A.Parameters.x.$", "$.customer[0]: $.customer is an object here, not an array")]),
    ("an index into an array, then a field of its item", [Pass("A", parameters={"x.$": "$.items[0].sku"})], []),
    ("a misspelt field of an array's item", [Pass("A", parameters={"x.$": "$.items[0].skus"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$",
         "$.items[0].skus: $.items[0] has no field 'skus' here; did you mean 'sku'?")]),
    ("length() of an array", [Pass("A", parameters={"n.$": "$.items.length()"})], []),
    ("length() of a string", [Pass("A", parameters={"n.$": "$.id.length()"})], [
        ("not-an-array", f"{P}.A.Parameters.n.$", "$.id.length(): length() needs an array, and $.id is a string here")]),
    ("InputPath narrows what Parameters reads", [Pass("A", input_path="$.customer", parameters={"x.$": "$.name"})], []),
    ("InputPath misspelt", [Pass("A", input_path="$.customers")], [
        ("no-such-field", f"{P}.A.InputPath", "$.customers: the state's input has no field 'customers' here; "
         "did you mean 'customer'?")]),
    ("Parameters reads what InputPath left", [Pass("A", input_path="$.customer", parameters={"x.$": "$.id"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$", "$.id: the state's input has no field 'id' here (it has name, email)")]),
    ("InputPath null gives an empty object", [Pass("A", input_path=DISCARD, parameters={"x.$": "$.id"})], [
        ("no-such-field", f"{P}.A.Parameters.x.$", "$.id: the state's input has no field 'id' here (it is an empty object)")]),
    ("OutputPath misspelt", [Pass("A", output_path="$.itmes")], [
        ("no-such-field", f"{P}.A.OutputPath", "$.itmes: the state's output has no field 'itmes' here; did you mean 'items'?")]),
    ("the next state reads what OutputPath kept", [Pass("A", output_path="$.customer"),
                                                   Pass("B", parameters={"x.$": "$.name"})], []),
    ("the next state reads what OutputPath dropped", [Pass("A", output_path="$.customer"),
                                                      Pass("B", parameters={"x.$": "$.id"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$", "$.id: the state's input has no field 'id' here (it has name, email)")]),
    ("a Parameters template is the next state's input", [
        Pass("A", parameters={"who.$": "$.customer.name", "fixed": {"k": 1}}),
        Pass("B", parameters={"a.$": "$.who", "b.$": "$.fixed.k", "c.$": "$.fixed.j"})], [
        ("no-such-field", f"{P}.B.Parameters.c.$", "$.fixed.j: $.fixed has no field 'j' here (it has k)")]),
    # --- ResultPath ----------------------------------------------------------------------------
    ("ResultPath $ replaces the input with the result", [
        lam("Call", returns=RESULT), Pass("B", parameters={"x.$": "$.customer"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$",
         "$.customer: the state's input has no field 'customer' here (it has ExecutedVersion, Payload, "
         "StatusCode, SdkHttpMetadata, SdkResponseMetadata, FunctionError, LogResult); $ is what 'Call' returned")]),
    ("ResultPath keeps the input beside the result", [
        lam("Call", returns=RESULT, result_path="$.call"),
        Pass("B", parameters={"x.$": "$.customer.name", "ok.$": "$.call.Payload.ok"})], []),
    ("a misspelt field of a declared result", [
        lam("Call", returns=RESULT, result_path="$.call"), Pass("B", parameters={"x.$": "$.call.Payload.okk"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$", "$.call.Payload.okk: $.call.Payload has no field 'okk' here; did you mean 'ok'?")]),
    ("Lambda's response around the result", [
        lam("Call", returns=RESULT, result_path="$.call"), Pass("B", parameters={"x.$": "$.call.Paylod"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$", "$.call.Paylod: $.call has no field 'Paylod' here; did you mean 'Payload'?")]),
    ("ResultPath null discards the result", [
        lam("Call", returns=RESULT, result_path=DISCARD), Pass("B", parameters={"x.$": "$.Payload"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$", "$.Payload: the state's input has no field 'Payload' here "
         "(it has id, total, items, customer, meta, note)")]),
    ("ResultPath into a string", [Pass("A", result_path="$.id.x", result={"a": 1})], [
        ("result-path-mismatch", f"{P}.A.ResultPath", "ResultPath $.id.x: $.id is a string here, not an object, "
         "so the result cannot be placed (States.ResultPathMatchFailure)")]),
    ("ResultPath creates the fields it names", [Pass("A", result_path="$.a.b", result={"c": 1}),
                                                Pass("B", parameters={"x.$": "$.a.b.c"})], []),
    ("ResultSelector picks from the result", [
        lam("Call", returns=RESULT, result_selector={"n.$": "$.Payload.count"}, result_path="$.r"),
        Pass("B", parameters={"x.$": "$.r.n", "y.$": "$.r.Payload"})], [
        ("no-such-field", f"{P}.B.Parameters.y.$", "$.r.Payload: $.r has no field 'Payload' here (it has n)")]),
    ("ResultSelector misspelt", [lam("Call", returns=RESULT, result_selector={"n.$": "$.Payload.cnt"})], [
        ("no-such-field", f"{P}.Call.ResultSelector.n.$", "$.Payload.cnt: $.Payload has no field 'cnt' here; did you mean 'count'?")]),
    ("a task's payload is checked too", [lam("Call", payload={"who.$": "$.customer.emial"})], [
        ("no-such-field", f"{P}.Call.Parameters.Payload.who.$", "$.customer.emial: $.customer has no field 'emial' "
         "here; did you mean 'email'?")]),
    ("an undeclared task result is unknown", [
        Task("T", resource=FN), Pass("B", parameters={"x.$": "$.whatever.deep"})], []),
    # --- Choice --------------------------------------------------------------------------------
    ("a Choice comparing a string as a number", [
        Choice("C", choices=[When(numeric_greater_than("$.id", 3), next=Succeed("Big"))], default=Succeed("Small"))], [
        ("wrong-type", f"{P}.C.Choices[0].NumericGreaterThan",
         "NumericGreaterThan compares $.id, which is a string here; it must be a number")]),
    ("a Choice on a misspelt field", [
        Choice("C", choices=[When(string_equals("$.customer.nam", "x"), next=Succeed("X"))], default=Succeed("Y"))], [
        ("no-such-field", f"{P}.C.Choices[0].Variable", "$.customer.nam: $.customer has no field 'nam' here; did you mean 'name'?")]),
    ("a Choice comparing with a path of the wrong type", [
        Choice("C", choices=[When(string_equals_path("$.id", "$.items"), next=Succeed("X"))], default=Succeed("Y"))], [
        ("wrong-type", f"{P}.C.Choices[0].StringEqualsPath",
         "StringEqualsPath compares with $.items, which is an array here; it must be a string")]),
    ("is_present makes an optional field sure on its branch", [
        Choice("C", choices=[When(is_present("$.total", True), next=Pass("T", parameters={"t.$": "$.total"}))],
               default=Succeed("None"))], []),
    ("is_present inside all_of makes it sure too", [
        Choice("C", choices=[When(all_of(is_present("$.total", True), numeric_greater_than("$.total", 1)),
                                  next=Pass("T", parameters={"t.$": "$.total"}))], default=Succeed("None"))], []),
    ("an optional field on the default branch is not sure", [
        Choice("C", choices=[When(is_present("$.total", True), next=Succeed("Has"))],
               default=Pass("D", parameters={"t.$": "$.total"}))], [
        ("optional-field", f"{P}.D.Parameters.t.$",
         "$.total: the field 'total' is optional in the state's input; it may be absent here (a Choice "
         "with is_present('$.total') before this state makes sure)")]),
    ("a boolean compared as a boolean", [
        lam("Call", returns=RESULT, result_path="$.r"),
        Choice("C", choices=[When(boolean_equals("$.r.Payload.ok", True), next=Succeed("X"))], default=Fail("F"))], []),
    ("Not compares too", [
        Choice("C", choices=[When(not_(string_equals("$.items", "x")), next=Succeed("X"))], default=Succeed("Y"))], [
        ("wrong-type", f"{P}.C.Choices[0].Not.StringEquals",
         "StringEquals compares $.items, which is an array here; it must be a string")]),
    ("a nullable string compared as a string", [
        Choice("C", choices=[When(string_equals("$.note", "x"), next=Succeed("X"))], default=Succeed("Y"))], [
        ("optional-field", f"{P}.C.Choices[0].Variable",
         "$.note: the field 'note' is optional in the state's input; it may be absent here (a Choice with "
         "is_present('$.note') before this state makes sure)")]),
    # --- Wait and Fail -------------------------------------------------------------------------
    ("SecondsPath to a string", [Wait("W", seconds_path="$.id")], [
        ("wrong-type", f"{P}.W.SecondsPath", "SecondsPath $.id is a string here; it must be an integer")]),
    ("TimestampPath to a number", [Pass("A", result={"n": 5}, result_path="$.w"), Wait("W", timestamp_path="$.w.n")], [
        ("wrong-type", f"{P}.W.TimestampPath", "TimestampPath $.w.n is an integer here; it must be a string")]),
    ("a Fail's CausePath misspelt", [Fail("F", error="E", cause_path="$.customer.nme")], [
        ("no-such-field", f"{P}.F.CausePath", "$.customer.nme: $.customer has no field 'nme' here; did you mean 'name'?")]),
    # --- Map -----------------------------------------------------------------------------------
    ("Map items and their fields", [Map("M", items_path="$.items", processor=[
        Pass("Item", parameters={"s.$": "$.sku", "q.$": "$.qty"})])], []),
    ("a Map over an object", [Map("M", items_path="$.customer", processor=[Pass("Item")])], [
        ("not-an-array", f"{P}.M.ItemsPath", "$.customer: the Map's items are an object here, not an array")]),
    ("a Map item's misspelt field", [Map("M", items_path="$.items", processor=[
        Pass("Item", parameters={"s.$": "$.skuu"})])], [
        ("no-such-field", f"{P}.M.ItemProcessor.States.Item.Parameters.s.$",
         "$.skuu: the state's input has no field 'skuu' here; did you mean 'sku'?")]),
    ("ItemSelector with $$.Map.Item", [Map("M", items_path="$.items", item_selector={
        "i.$": "$$.Map.Item.Index", "sku.$": "$$.Map.Item.Value.sku", "order.$": "$.id"},
        processor=[Pass("Item", parameters={"a.$": "$.i", "b.$": "$.sku", "c.$": "$.order", "d.$": "$.qty"})])], [
        ("no-such-field", f"{P}.M.ItemProcessor.States.Item.Parameters.d.$",
         "$.qty: the state's input has no field 'qty' here (it has i, sku, order)")]),
    ("ItemSelector misspelt", [Map("M", items_path="$.items", item_selector={"v.$": "$$.Map.Item.Valeu"},
                                   processor=[Pass("Item")])], [
        ("no-such-field", f"{P}.M.ItemSelector.v.$",
         "$$.Map.Item.Valeu: $$.Map.Item has no field 'Valeu' here; did you mean 'Value'?")]),
    ("a Map's result is an array of the processor's outputs", [
        Map("M", items_path="$.items", processor=[Pass("Item", parameters={"s.$": "$.sku"})], result_path="$.skus"),
        Pass("B", parameters={"first.$": "$.skus[0].s", "bad.$": "$.skus.s"})], [
        ("not-an-object", f"{P}.B.Parameters.bad.$", "$.skus.s: $.skus is an array here, not an object with a field 's'")]),
    # --- Parallel ------------------------------------------------------------------------------
    ("Parallel gives each branch the input, and an array of their outputs", [
        Parallel("P", branches=[[Pass("A", parameters={"n.$": "$.customer.name"})], [Pass("B", result={"k": 1})]]),
        Pass("After", parameters={"a.$": "$[0].n", "b.$": "$[1].k", "c.$": "$[1].n"})], [
        ("no-such-field", f"{P}.After.Parameters.c.$", "$[1].n: $[1] has no field 'n' here (it has k)")]),
    ("an index past a Parallel's branches", [
        Parallel("P", branches=[[Pass("A")], [Pass("B")]]), Pass("After", parameters={"c.$": "$[2]"})], [
        ("not-an-array", f"{P}.After.Parameters.c.$", "$[2]: $ has 2 item(s) here, so it has no item 2")]),
    ("a branch reads a misspelt field", [Parallel("P", branches=[[Pass("A", parameters={"n.$": "$.idd"})]])], [
        ("no-such-field", f"{P}.P.Branches[0].States.A.Parameters.n.$",
         "$.idd: the state's input has no field 'idd' here; did you mean 'id'?")]),
    # --- Catch ---------------------------------------------------------------------------------
    ("Catch's error output at its ResultPath", [
        lam("Call", catch=[Catch(["States.ALL"], next=Pass("Handle", parameters={
            "e.$": "$.err.Error", "c.$": "$.err.Cause", "id.$": "$.id", "x.$": "$.err.Message"}), result_path="$.err")])], [
        ("no-such-field", f"{P}.Handle.Parameters.x.$", "$.err.Message: $.err has no field 'Message' here (it has Error, Cause)")]),
    ("Catch without ResultPath replaces the input", [
        lam("Call", catch=[Catch(["States.ALL"], next=Pass("Handle", parameters={"id.$": "$.id"}))])], [
        ("no-such-field", f"{P}.Handle.Parameters.id.$", "$.id: the state's input has no field 'id' here (it has Error, Cause)")]),
    ("a state reached two ways: the field is missing on one", [
        lam("Call", returns=RESULT, result_path="$.r",
            catch=[Catch(["States.ALL"], next="Join", result_path="$.err")]),
        Pass("Join", parameters={"ok.$": "$.r.Payload.ok"})], [
        ("no-such-field", f"{P}.Join.Parameters.ok.$", "$.r: the state's input has no field 'r' here (it has id, total, "
         "items, customer, meta, note, err) (on some of the paths that lead here)")]),
    # --- variables -----------------------------------------------------------------------------
    ("a variable holds what Assign gave it", [
        Pass("A", assign={"who.$": "$.customer"}), Pass("B", parameters={"n.$": "$who.name", "e.$": "$who.nme"})], [
        ("no-such-field", f"{P}.B.Parameters.e.$", "$who.nme: variable $who has no field 'nme' here; did you mean 'name'?")]),
    ("a variable from a task's result", [
        lam("Call", returns=RESULT, assign={"count.$": "$.Payload.count"}),
        Wait("W", seconds_path="$count")], []),
    # --- intrinsics ----------------------------------------------------------------------------
    ("States.Format reads a misspelt path", [Pass("A", parameters={"s.$": "States.Format('{}', $.customer.nmae)"})], [
        ("no-such-field", f"{P}.A.Parameters.s.$", "$.customer.nmae: $.customer has no field 'nmae' here; did you mean 'name'?")]),
    ("States.ArrayLength of a string", [Pass("A", parameters={"n.$": "States.ArrayLength($.id)"})], [
        ("wrong-type", f"{P}.A.Parameters.n.$", "States.ArrayLength argument 1, $.id, is a string here; it must be an array")]),
    ("States.MathAdd of an integer field", [Pass("A", parameters={"n.$": "States.MathAdd($.items[0].qty, 1)"}),
                                            Wait("W", seconds_path="$.n")], []),
    ("States.Array then an index", [Pass("A", parameters={"a.$": "States.Array($.id, $.items)"}),
                                    Pass("B", parameters={"x.$": "$.a[1][0].sku", "y.$": "$.a[0].sku"})], [
        ("not-an-object", f"{P}.B.Parameters.y.$", "$.a[0].sku: $.a[0] is a string here, not an object with a field 'sku'")]),
    ("States.StringToJson of a string of known JSON", [
        Pass("A", parameters={"j.$": "States.JsonToString($.customer)"}),
        Pass("B", parameters={"back.$": "States.StringToJson($.j)"}), Pass("C", parameters={"n.$": "$.back.nmae"})], [
        ("no-such-field", f"{P}.C.Parameters.n.$", "$.back.nmae: $.back has no field 'nmae' here; did you mean 'name'?")]),
    # --- context object ------------------------------------------------------------------------
    ("$$.Execution.Input is the execution's input", [
        Pass("A", result={"k": 1}), Pass("B", parameters={"n.$": "$$.Execution.Input.customer.name",
                                                          "x.$": "$$.Execution.Input.custmer"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$",
         "$$.Execution.Input.custmer: $$.Execution.Input has no field 'custmer' here; did you mean 'customer'?")]),
    ("a misspelt context field", [Pass("A", parameters={"n.$": "$$.Execution.Nmae"})], [
        ("no-such-field", f"{P}.A.Parameters.n.$", "$$.Execution.Nmae: $$.Execution has no field 'Nmae' here; did you mean 'Name'?")]),
    # --- loops and JSONata ---------------------------------------------------------------------
    ("a loop settles", [
        Pass("Init", result=0, result_path="$.n"),
        Pass("Step", parameters={"n.$": "States.MathAdd($.n, 1)", "id.$": "$.id", "items.$": "$.items",
                                 "customer.$": "$.customer"}),
        Choice("Again", choices=[When(numeric_greater_than("$.n", 3), next=Succeed("Done"))], default="Step")], []),
    ("a loop that nests the data deeper each time settles, unknown", [
        Pass("Wrap", parameters={"inner.$": "$", "id.$": "$.id"}),
        Choice("Again", choices=[When(string_equals("$.id", "x"), next=Succeed("Done"))], default="Wrap")], []),
    ("a ResultPath that overwrites what a later state reads", [
        lam("Call", returns=RESULT, result_path="$.customer"), Pass("B", parameters={"x.$": "$.customer.name"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$",
         "$.customer.name: $.customer has no field 'name' here (it has ExecutedVersion, Payload, StatusCode, "
         "SdkHttpMetadata, SdkResponseMetadata, FunctionError, LogResult)")]),
    ("Parallel's Parameters are each branch's input", [
        Parallel("P", parameters={"who.$": "$.customer.name"}, branches=[[Pass("A", parameters={
            "w.$": "$.who", "i.$": "$.id"})]])], [
        ("no-such-field", f"{P}.P.Branches[0].States.A.Parameters.i.$",
         "$.id: the state's input has no field 'id' here (it has who)")]),
    ("a Wait's OutputPath", [Wait("W", seconds=1, output_path="$.customer"), Pass("B", parameters={"x.$": "$.nam"})], [
        ("no-such-field", f"{P}.B.Parameters.x.$", "$.nam: the state's input has no field 'nam' here; did you mean 'name'?")]),
    ("a catcher's Assign holds the error output", [
        lam("Call", catch=[Catch(["States.ALL"], next=Pass("H", parameters={"e.$": "$failure.Eror"}),
                                 result_path="$.err", assign={"failure.$": "$"})])], [
        ("no-such-field", f"{P}.H.Parameters.e.$", "$failure.Eror: variable $failure has no field 'Eror' here; did you mean 'Error'?")]),
    ("JSONata: a plain path is typed", [
        Pass("A", query_language="JSONata", output={"n": "{% $states.input.customer.nmae %}"})], [
        ("no-such-field", f"{P}.A.Output.n", "$states.input.customer.nmae: $states.input.customer has no field 'nmae' here; did you mean 'name'?")]),
    ("JSONata: any other expression is unknown", [
        Pass("A", query_language="JSONata", output={"n": "{% $count($states.input.items) %}"}),
        Pass("B", query_language="JSONata", output="{% $states.input.n.deeper %}")], []),
    ("JSONata: a Map's Items", [
        Map("M", query_language="JSONata", items="{% $states.input.customer %}", processor=[Pass("Item")])], [
        ("not-an-array", f"{P}.M.Items", "the Map's items are an object here, not an array")]),
    ("JSONata: a Condition that is a plain path is typed", [
        Choice("C", query_language="JSONata", choices=[When(Condition("{% $states.input.anything %}"),
                                                            next=Succeed("X"))], default=Succeed("Y"))], [
        ("no-such-field", f"{P}.C.Choices[0].Condition", "$states.input.anything: the state's input has no "
         "field 'anything' here (it has id, total, items, customer, meta, note)")]),
    ("JSONata: a Condition that computes is not judged", [
        Choice("C", query_language="JSONata", choices=[When(Condition("{% $states.input.anything = 1 %}"),
                                                            next=Succeed("X"))], default=Succeed("Y"))], []),
]


@pytest.mark.parametrize("title, states, expected", CASES, ids=[c[0] for c in CASES])
def test_data_flow(title: str, states: list[Any], expected: list[tuple[str, str, str]]) -> None:
    workflow = Workflow("typed", states=states, input=ORDER)
    _, diagnostics = check(workflow)
    assert [(d.code, d.path, d.message) for d in diagnostics] == expected


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert sum(1 for _, _, expected in CASES if not expected) >= 10  # and accepted ones among them


def test_every_typed_diagnostic_names_the_states_line() -> None:
    import inspect

    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    states = [Pass("A", parameters={"x.$": "$.custmer"})]
    _, diagnostics = check(Workflow("typed", states=states, input=ORDER))
    assert [d.source for d in diagnostics] == [f"{__file__.rsplit('/', 2)[-2]}/test_typeflow.py:{line}"] or \
        [d.source.rsplit(":", 1)[-1] for d in diagnostics] == [str(line)]


def test_nothing_is_checked_without_declared_shapes() -> None:
    states = [Pass("A", parameters={"x.$": "$.custmer"})]
    assert check(Workflow("untyped", states=states))[1] == []
