"""The binding seam: any object with the kind's method binds to a Task state, a Map state's
ItemReader or its ResultWriter, looked up by state name and kind."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flowdsl.run import (ItemReaderCall, MapIteration, ResultWriterCall, RunError, StatesError, TaskBinder,
                         TaskCall, execute)

CSV_READER = {"Resource": "arn:aws:states:::s3:getObject",
              "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Parameters": {"Bucket.$": "$.bucket", "Key": "rows.csv"}}
WRITER = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket.$": "$.bucket", "Prefix": "out"}}


def map_state(**extra: Any) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double",
                          "States": {"Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"},
                                                "End": True}}},
        "End": True,
    }
    st.update(extra)
    return {"StartAt": "Rows", "States": {"Rows": st}}


class FakeReader:
    """Yields the rows it was made with, and keeps what it was asked."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.calls: list[ItemReaderCall] = []

    def read(self, call: ItemReaderCall) -> Any:
        self.calls.append(call)
        yield from self.rows


class FakeWriter:
    """Keeps the results and returns where they were 'written'."""

    def __init__(self) -> None:
        self.calls: list[ResultWriterCall] = []

    def write(self, call: ResultWriterCall) -> Any:
        self.calls.append(call)
        return {"ResultWriterDetails": {"Bucket": call.parameters["Bucket"], "Key": "out/manifest.json"}}


def test_a_bound_reader_supplies_the_items() -> None:
    reader = FakeReader([{"n": 1}, {"n": 2}, {"n": 3}])
    binder = TaskBinder({("Rows", "ItemReader"): reader})
    r = execute(map_state(ItemReader=CSV_READER), {"bucket": "b"}, tasks=binder)
    assert (r.status, r.output) == ("SUCCEEDED", [{"n": 2}, {"n": 4}, {"n": 6}])
    [call] = reader.calls
    assert (call.state_name, call.resource, call.parameters) == ("Rows", "arn:aws:states:::s3:getObject",
                                                                 {"Bucket": "b", "Key": "rows.csv"})
    assert call.reader["ReaderConfig"] == {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}
    assert call.input == {"bucket": "b"}
    assert call.context["State"] == {"EnteredTime": "2024-01-01T00:00:00.000Z", "Name": "Rows", "RetryCount": 0}
    started = [e for e in r.history if e["type"] == "MapStateStarted"]
    assert started[0]["mapStateStartedEventDetails"] == {"length": 3}


def test_a_reader_bound_with_bind_and_a_plain_function_reader_in_jsonata() -> None:
    seen: list[Any] = []

    def read(call: ItemReaderCall) -> list[Any]:
        seen.append(call.parameters)
        return [{"n": 5}]

    d = map_state(ItemReader={"Resource": "arn:aws:states:::s3:listObjectsV2",
                              "Arguments": {"Bucket": "{% $states.input.bucket %}"}})
    d["QueryLanguage"] = "JSONata"
    d["States"]["Rows"]["ItemProcessor"]["States"]["Double"] = {"Type": "Pass", "Output": "{% $states.input.n * 2 %}",
                                                                "End": True}
    r = execute(d, {"bucket": "b"}, tasks=TaskBinder().bind("Rows", read, kind="ItemReader"))
    assert (r.status, r.output, seen) == ("SUCCEEDED", [10], [{"Bucket": "b"}])


def test_with_no_reader_bound_the_items_are_the_input_as_before() -> None:
    r = execute(map_state(ItemReader=CSV_READER), [{"n": 1}], tasks=TaskBinder())
    assert (r.status, r.output) == ("SUCCEEDED", [{"n": 2}])
    r = execute(map_state(ItemReader=CSV_READER), {"bucket": "b"})
    assert (r.status, r.error) == ("FAILED", "States.Runtime")
    assert r.cause == ("An error occurred while executing the state 'Rows'. Invalid path '$': the Map state's "
                       'items must be a JSON array, got {"bucket":"b"}')


def test_a_reader_bound_to_a_map_without_an_item_reader_is_not_used() -> None:
    reader = FakeReader([{"n": 7}])
    r = execute(map_state(), [{"n": 1}], tasks=TaskBinder({("Rows", "ItemReader"): reader}))
    assert (r.output, reader.calls) == ([{"n": 2}], [])


def test_a_reader_in_a_distributed_map_feeds_child_executions() -> None:
    d = map_state(ItemReader=CSV_READER)
    d["States"]["Rows"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    r = execute(d, {"bucket": "b"}, tasks=TaskBinder({("Rows", "ItemReader"): FakeReader([{"n": 4}])}))
    assert (r.status, r.output, r.visited) == ("SUCCEEDED", [{"n": 8}], ["Rows"])


def test_a_reader_error_is_the_map_state_error_and_can_be_caught() -> None:
    def broken(call: ItemReaderCall) -> Any:
        raise StatesError("States.ItemReaderFailed", "no such key")

    d = map_state(ItemReader=CSV_READER, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                                                 "Next": "Done"}])
    del d["States"]["Rows"]["End"]
    d["States"]["Done"] = {"Type": "Succeed"}
    r = execute(d, {"bucket": "b"}, tasks=TaskBinder({("Rows", "ItemReader"): broken}))
    assert (r.status, r.visited) == ("SUCCEEDED", ["Rows", "Done"])
    assert r.output == {"bucket": "b", "error": {"Error": "States.ItemReaderFailed", "Cause": "no such key"}}
    assert [e["type"] for e in r.history][2:4] == ["MapStateFailed", "MapStateExited"]


def test_a_reader_that_returns_no_iterable_is_refused() -> None:
    d = map_state(ItemReader=CSV_READER)
    with pytest.raises(RunError, match=r"^state 'Rows': the ItemReader binding returned dict, not an iterable "
                                       r"of items$"):
        execute(d, {"bucket": "b"}, tasks=TaskBinder({("Rows", "ItemReader"): lambda call: {"n": 1}}))


def test_a_bound_writer_receives_the_results_and_gives_the_result() -> None:
    writer = FakeWriter()
    d = map_state(ItemsPath="$.rows", ResultWriter=WRITER, ResultPath="$.written", ToleratedFailureCount=1)
    processor = d["States"]["Rows"]["ItemProcessor"]
    processor["StartAt"] = "Check"
    processor["States"]["Check"] = {"Type": "Choice", "Default": "Bad",
                                    "Choices": [{"Variable": "$.n", "IsNumeric": True, "Next": "Double"}]}
    processor["States"]["Bad"] = {"Type": "Fail", "Error": "Row.NotANumber", "Cause": "n is not a number"}
    r = execute(d, {"bucket": "b", "rows": [{"n": 1}, {"n": "x"}]}, tasks=TaskBinder({("Rows", "ResultWriter"): writer}))
    assert r.status == "SUCCEEDED"
    assert r.output == {"bucket": "b", "rows": [{"n": 1}, {"n": "x"}],
                        "written": {"ResultWriterDetails": {"Bucket": "b", "Key": "out/manifest.json"}}}
    [call] = writer.calls
    assert (call.state_name, call.resource, call.parameters) == ("Rows", "arn:aws:states:::s3:putObject",
                                                                 {"Bucket": "b", "Prefix": "out"})
    failed = {"Error": "Row.NotANumber", "Cause": "n is not a number"}
    assert call.results == [{"n": 2}, failed]
    assert call.iterations == (MapIteration(0, {"n": 1}, "SUCCEEDED", {"n": 2}),
                               MapIteration(1, {"n": "x"}, "FAILED", failed))


def test_with_no_writer_bound_the_result_is_the_array_as_before() -> None:
    r = execute(map_state(ResultWriter=WRITER), [{"n": 1}])
    assert (r.status, r.output) == ("SUCCEEDED", [{"n": 2}])


def test_an_object_with_invoke_binds_to_a_task_state() -> None:
    class Echo:
        def __init__(self) -> None:
            self.calls: list[TaskCall] = []

        def invoke(self, call: TaskCall) -> Any:
            self.calls.append(call)
            return {"echo": call.payload}

    echo = Echo()
    d = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                          "Parameters": {"MessageBody.$": "$.m"}, "End": True}}}
    r = execute(d, {"m": "hi"}, tasks=TaskBinder({"T": echo}))
    assert (r.status, r.output) == ("SUCCEEDED", {"echo": {"MessageBody": "hi"}})
    assert [(c.state_name, c.attempt, c.invocation) for c in echo.calls] == [("T", 0, 0)]


TASK_ACCEPTS = ("a Task binding is an object with invoke(call) (MockedTask, LocalLambda, LocalBatch or your "
                "own), a function of the task's payload (run like a Lambda handler), or a 'module:function' string")


@pytest.mark.parametrize(("key", "binding", "message"), [
    ("T", 42, f"cannot bind state 'T' to 42: {TASK_ACCEPTS}; a fixed result is a mock: "
     "MockedTask.from_config('T', {'0': {'Return': ...}}), or mocks= in flowdsl.testing.run"),
    ("T", {"rows": list(range(30))}, "cannot bind state 'T' to {'rows': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
     f"13, ...: {TASK_ACCEPTS}; a fixed result is a mock: MockedTask.from_config('T', "
     "{'0': {'Return': ...}}), or mocks= in flowdsl.testing.run"),
    (("M", "ItemReader"), {"rows": []}, "cannot bind state 'M' (ItemReader) to {'rows': []}: an ItemReader "
     "binding is an object with read(call) returning the items, or a function of the ItemReaderCall"),
    (("M", "ResultWriter"), FakeWriter, f"cannot bind state 'M' (ResultWriter) to {FakeWriter!r}: a ResultWriter binding is an object with write(call) returning the "
     "Map state's result, or a function of the ResultWriterCall"),
    (("M", "ItemReder"), FakeReader([]), "cannot bind state 'M': no binding kind 'ItemReder'; did you mean "
     "'ItemReader'? (kinds: Task, ItemReader, ResultWriter)"),
])
def test_an_unbindable_object_is_refused_with_what_is_accepted(key: Any, binding: Any, message: str) -> None:
    with pytest.raises(RunError, match=f"^{re.escape(message)}$"):
        TaskBinder({key: binding})


def test_update_takes_the_task_and_resource_bindings() -> None:
    reader = FakeReader([{"n": 1}])
    other = TaskBinder({"T": lambda payload: payload, ("Rows", "ItemReader"): reader})
    mine = TaskBinder().update(other)
    assert mine.binding_for("Rows", "ItemReader") == reader.read
    assert mine.handler_for("T") is other.handler_for("T")
    assert mine.binding_for("Rows", "ResultWriter") is None
