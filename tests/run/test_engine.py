from __future__ import annotations

from typing import Any

import pytest

from flowdsl.run import MockedTask, RunError, TaskBinder, VirtualClock, execute


def chain(*states: tuple[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    names = [n for n, _ in states]
    out: dict[str, Any] = {}
    for i, (n, s) in enumerate(states):
        s = dict(s)
        if "Next" not in s and "End" not in s and s["Type"] not in ("Choice", "Succeed", "Fail"):
            if i + 1 < len(names):
                s["Next"] = names[i + 1]
            else:
                s["End"] = True
        out[n] = s
    return {"StartAt": names[0], "States": out, **top}


@pytest.mark.parametrize(
    ("state", "data", "expected"),
    [
        ({"Type": "Pass"}, {"a": 1}, {"a": 1}),
        ({"Type": "Pass", "Result": 5, "ResultPath": "$.r"}, {"a": 1}, {"a": 1, "r": 5}),
        ({"Type": "Pass", "Result": 5, "ResultPath": None}, {"a": 1}, {"a": 1}),
        ({"Type": "Pass", "InputPath": "$.a"}, {"a": {"b": 2}}, {"b": 2}),
        ({"Type": "Pass", "InputPath": None}, {"a": 1}, {}),
        ({"Type": "Pass", "OutputPath": "$.a"}, {"a": 1}, 1),
        ({"Type": "Pass", "Parameters": {"x.$": "$.a", "k": "v", "n": {"ctx.$": "$$.State.Name"}}}, {"a": 1},
         {"x": 1, "k": "v", "n": {"ctx": "S"}}),
        ({"Type": "Pass", "Parameters": {"f.$": "States.Format('{}-{}', $.a, $$.Execution.Name)"}}, {"a": 1},
         {"f": "1-execution"}),
    ],
)
def test_jsonpath_data_flow(state: dict[str, Any], data: Any, expected: Any) -> None:
    result = execute(chain(("S", state)), data)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


def test_parameters_missing_path_is_runtime_error() -> None:
    result = execute(chain(("S", {"Type": "Pass", "Parameters": {"x.$": "$.missing"}})), {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_result_path_into_scalar_fails() -> None:
    result = execute(chain(("S", {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"})), {"a": 3})
    assert (result.status, result.error) == ("FAILED", "States.ResultPathMatchFailure")


def test_fail_state_paths() -> None:
    d = chain(("F", {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('c:{}', $.c)"}))
    r = execute(d, {"e": "Boom", "c": 1})
    assert (r.status, r.error, r.cause) == ("FAILED", "Boom", "c:1")


def test_wait_advances_virtual_clock_only() -> None:
    clock = VirtualClock()
    d = chain(("W1", {"Type": "Wait", "Seconds": 3600}), ("W2", {"Type": "Wait", "SecondsPath": "$.s"}),
              ("W3", {"Type": "Wait", "Timestamp": "2024-01-02T00:00:00Z"}))
    r = execute(d, {"s": 60}, clock=clock)
    assert r.status == "SUCCEEDED"
    assert clock.elapsed == 86400
    assert [(t[0], t[2], t[3]) for t in r.trace] == [("W1", 0, 3600), ("W2", 3600, 3660), ("W3", 3660, 86400)]


def failing_then_ok(fail_times: int, error: str = "Oops") -> MockedTask:
    spec: dict[str, Any] = {f"0-{fail_times - 1}": {"Throw": {"Error": error, "Cause": "c"}},
                            str(fail_times): {"Return": {"ok": True}}}
    return MockedTask.from_config("m", spec)


@pytest.mark.parametrize(
    ("retrier", "failures", "expected_elapsed", "status"),
    [
        ({"ErrorEquals": ["Oops"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}, 3, 2 + 6 + 18, "SUCCEEDED"),
        ({"ErrorEquals": ["States.ALL"]}, 2, 1 + 2, "SUCCEEDED"),
        ({"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "BackoffRate": 10, "MaxDelaySeconds": 5}, 3, 1 + 5 + 5, "SUCCEEDED"),
        ({"ErrorEquals": ["Oops"], "MaxAttempts": 1}, 2, 1, "FAILED"),
        ({"ErrorEquals": ["Oops"], "MaxAttempts": 0}, 1, 0, "FAILED"),
        ({"ErrorEquals": ["Other"]}, 1, 0, "FAILED"),
    ],
)
def test_retry_backoff_on_virtual_clock(retrier: dict[str, Any], failures: int, expected_elapsed: float,
                                        status: str) -> None:
    clock = VirtualClock()
    d = chain(("T", {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [retrier]}))
    r = execute(d, {}, tasks=TaskBinder({"T": failing_then_ok(failures)}), clock=clock)
    assert r.status == status
    assert clock.elapsed == pytest.approx(expected_elapsed)


def test_full_jitter_is_deterministic_and_bounded() -> None:
    def run() -> float:
        clock = VirtualClock()
        d = chain(("T", {"Type": "Task", "Resource": "x", "Retry": [
            {"ErrorEquals": ["Oops"], "IntervalSeconds": 10, "MaxAttempts": 3, "JitterStrategy": "FULL"}]}))
        execute(d, {}, tasks=TaskBinder({"T": failing_then_ok(3)}), clock=clock)
        return clock.elapsed

    first = run()
    assert first == run()
    assert 0 < first < 10 + 20 + 40


def test_retry_count_in_context() -> None:
    seen: list[int] = []

    def handler(call: Any) -> Any:
        seen.append(call.context["State"]["RetryCount"])
        if len(seen) < 3:
            from flowdsl.run import StatesError
            raise StatesError("E", "again")
        return 1

    binder = TaskBinder()
    binder._handlers["T"] = handler  # a raw TaskCall handler
    d = chain(("T", {"Type": "Task", "Resource": "x", "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 0}]}))
    assert execute(d, {}, tasks=binder).status == "SUCCEEDED"
    assert seen == [0, 1, 2]


def test_catch_with_result_path() -> None:
    d = chain(
        ("T", {"Type": "Task", "Resource": "x", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "H"}], "End": True}),
        ("H", {"Type": "Pass"}),
    )
    r = execute(d, {"in": 1}, tasks=TaskBinder({"T": failing_then_ok(1)}))
    assert r.output == {"in": 1, "err": {"Error": "Oops", "Cause": "c"}}
    assert r.visited == ["T", "H"]


def test_states_all_does_not_catch_runtime() -> None:
    d = chain(
        ("T", {"Type": "Task", "Resource": "x", "InputPath": "$.missing",
               "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": True}),
        ("H", {"Type": "Pass"}),
    )
    r = execute(d, {}, tasks=TaskBinder({"T": failing_then_ok(1)}))
    assert (r.status, r.error) == ("FAILED", "States.Runtime")


def test_unbound_task_names_state() -> None:
    r = execute(chain(("MyTask", {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync"})), {},
                tasks=TaskBinder())
    assert r.status == "FAILED"
    assert "MyTask" in (r.cause or "")


def test_parallel_and_map() -> None:
    d = chain(
        ("P", {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
        ], "ResultPath": "$.p"}),
        ("M", {"Type": "Map", "ItemsPath": "$.xs", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
               "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}, "ResultPath": "$.m"}),
    )
    r = execute(d, {"xs": ["a", "b"]})
    assert r.output == {"xs": ["a", "b"], "p": [1, 2], "m": [{"v": "a", "i": 0}, {"v": "b", "i": 1}]}
    assert r.visited == ["P", "A", "B", "M", "I", "I"]
    types = [e["type"] for e in r.history]
    assert types[:3] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    assert "MapIterationStarted" in types and types[-1] == "ExecutionSucceeded"
    assert [e["id"] for e in r.history] == list(range(1, len(r.history) + 1))


@pytest.mark.parametrize(
    ("tolerance", "status", "error"),
    [({}, "FAILED", "Bad"), ({"ToleratedFailureCount": 1}, "FAILED", "States.ExceedToleratedFailureThreshold"),
     ({"ToleratedFailureCount": 2}, "SUCCEEDED", None), ({"ToleratedFailurePercentage": 50}, "SUCCEEDED", None),
     ({"ToleratedFailurePercentage": 49}, "FAILED", "States.ExceedToleratedFailureThreshold")],
)
def test_map_tolerated_failures(tolerance: dict[str, Any], status: str, error: str | None) -> None:
    proc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "F"}], "Default": "OK"},
        "F": {"Type": "Fail", "Error": "Bad"}, "OK": {"Type": "Pass", "End": True}}}
    r = execute(chain(("M", {"Type": "Map", "ItemProcessor": proc, **tolerance})), [0, 1, 2, 3])
    assert (r.status, r.error) == (status, error)
    if status == "SUCCEEDED":
        assert r.output == [0, 1, {"Error": "Bad"}, {"Error": "Bad"}]


def test_variables_and_scopes() -> None:
    d = chain(
        ("A", {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.v"}}),
        ("M", {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"x": 99}, "Parameters": {"x.$": "$x", "item.$": "$"}, "End": True}}}}),
        ("B", {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y"}}),
    )
    r = execute(d, {"v": "V", "items": [1]})
    assert r.output == {"x": 1, "y": "V"}  # the iteration's Assign did not leak out


def test_jsonata_states() -> None:
    d = chain(
        ("A", {"Type": "Pass", "Assign": {"n": "{% $states.input.n * 2 %}"}, "Output": {"orig": "{% $states.input.n %}"}}),
        ("M", {"Type": "Map", "Items": "{% [1, 2, 3] %}", "ItemSelector": {"v": "{% $states.context.Map.Item.Value + $n %}"},
               "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": "{% $states.input.v %}", "End": True}}},
               "Output": {"items": "{% $states.result %}", "orig": "{% $states.input.orig %}"}}),
        ("W", {"Type": "Wait", "Seconds": "{% $n %}"}),
        ("C", {"Type": "Choice", "Choices": [{"Condition": "{% $sum($states.input.items) > 10 %}", "Next": "Big"}], "Default": "Small"}),
        ("Big", {"Type": "Pass", "Output": "{% 'big:' & $string($partition([1,2,3], 2)) %}", "End": True}),
        ("Small", {"Type": "Fail", "Error": "{% 'Small' %}"}),
        QueryLanguage="JSONata",
    )
    clock = VirtualClock()
    r = execute(d, {"n": 3}, clock=clock)
    assert r.status == "SUCCEEDED", r.cause
    assert r.output == "big:[[1,2],[3]]"
    assert clock.elapsed == 6


def test_jsonata_undefined_is_query_evaluation_error() -> None:
    d = chain(("S", {"Type": "Pass", "Output": {"r": "{% $nope %}"}}), QueryLanguage="JSONata")
    r = execute(d, {})
    assert (r.status, r.error) == ("FAILED", "States.QueryEvaluationError")
    assert "Output/r" in (r.cause or "")


def test_jsonata_aws_functions() -> None:
    r = execute(chain(("S", {"Type": "Pass", "Output": {
        "r": "{% $range(0, 4, 2) %}", "h": "{% $hash('input data', 'MD5') %}", "p": "{% $parse('{\"a\":1}') %}",
        "u": "{% $length($uuid()) %}", "rnd": "{% $random() < 1 %}"}}), QueryLanguage="JSONata"), {})
    assert r.output == {"r": [0, 2, 4], "h": "812f45842bc6d66ee14572ce20db8e86", "p": {"a": 1}, "u": 36, "rnd": True}


def test_timeout_and_step_limit() -> None:
    d = chain(("W", {"Type": "Wait", "Seconds": 100}), ("P", {"Type": "Pass"}), TimeoutSeconds=10)
    assert execute(d, {}).status == "TIMED_OUT"
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}
    r = execute(loop, {}, max_steps=50)
    assert r.status == "ABORTED" and len(r.visited) == 50


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"StartAt": "X", "States": {}}, "States"),
        ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, "StartAt 'X'"),
        ({"StartAt": "A", "States": {"A": {"Type": "Bogus", "End": True}}}, "state 'A'.*Bogus"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}, "Nope"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "state 'A'.*Next"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": 3}, "End": True}}}, "state 'A'"),
        ({"nothing": 1}, "StartAt"),
    ],
)
def test_malformed_definitions_raise_run_error(definition: dict[str, Any], message: str) -> None:
    with pytest.raises(RunError, match=message):
        execute(definition, {})


def test_data_limit() -> None:
    r = execute(chain(("S", {"Type": "Pass", "Result": "x" * 300_000})), {})
    assert (r.status, r.error) == ("FAILED", "States.DataLimitExceeded")


def test_task_token_in_context_for_callback_tasks() -> None:
    seen: list[Any] = []
    d = chain(("T", {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                     "Parameters": {"token.$": "$$.Task.Token"}}))
    binder = TaskBinder({"T": lambda payload: seen.append(payload) or "done"})
    r = execute(d, {}, tasks=binder)
    assert r.status == "SUCCEEDED" and r.output == "done"
    assert seen == [{"token": "flowdsl-token-T-0-0"}]
