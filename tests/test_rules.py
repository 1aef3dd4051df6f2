"""Every validation rule, with a failing example and the exact diagnostic it produces."""

from __future__ import annotations

from typing import Any

import pytest

from flowdsl.validate import validate

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def P(**kw: Any) -> dict[str, Any]:
    return {"Type": "Pass", **kw}


def T(**kw: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, **kw}


def M(processor: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"Type": "Map", "End": True, "ItemProcessor": processor, **kw}


def choice(*rules: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"Type": "Choice", "Choices": list(rules), **kw}


CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    # state names
    ("name longer than 80", machine(**{"A" * 81: P(End=True)}),
     [("name-length", "$.States." + "A" * 81, "state name is 81 characters; AWS allows 1 to 80")]),
    ("duplicate name across branches",
     machine(P={"Type": "Parallel", "End": True,
                "Branches": [machine(X=P(End=True)), machine(X=P(End=True))]}),
     [("duplicate-name", "$.States.P.Branches[1].States.X",
       "state name 'X' is already used at $.States.P.Branches[0].States.X; names must be unique "
       "across the whole state machine")]),
    ("duplicate name inside a map processor",
     machine(X=P(Next="M"), M=M(machine(X=P(End=True)))),
     [("duplicate-name", "$.States.M.ItemProcessor.States.X",
       "state name 'X' is already used at $.States.X; names must be unique across the whole "
       "state machine")]),
    # transitions
    # a target that names nothing: the scope's end cannot be judged, so no no-terminal too
    ("dangling Next", machine(A=P(Next="B"), C=P(End=True)),
     [("dangling-transition", "$.States.A.Next", "there is no state named 'B'"),
      ("unreachable", "$.States.C", "state 'C' cannot be reached from StartAt 'A'")]),
    # a misspelt target: one diagnostic, with the state it most likely names; that state and
    # the states after it are not also unreachable
    ("misspelt Next",
     machine(Start=P(Next="NotifySucess"), NotifySuccess=P(Next="Done"), Done={"Type": "Succeed"}),
     [("dangling-transition", "$.States.Start.Next",
       "there is no state named 'NotifySucess'; did you mean 'NotifySuccess'?")]),
    ("misspelt Catch target, letter case",
     machine(A=T(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "notifyfailure"}]),
             NotifyFailure=P(Next="Failed"), Failed={"Type": "Fail"}),
     [("dangling-transition", "$.States.A.Catch[0].Next",
       "there is no state named 'notifyfailure'; did you mean 'NotifyFailure'?")]),
    ("misspelt Choice target and Default",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "Next": "Hndle"}, Default="Skp"),
             Handle=P(End=True), Skip=P(End=True)),
     [("dangling-transition", "$.States.C.Choices[0].Next",
       "there is no state named 'Hndle'; did you mean 'Handle'?"),
      ("dangling-transition", "$.States.C.Default",
       "there is no state named 'Skp'; did you mean 'Skip'?")]),
    ("misspelt StartAt", {"StartAt": "Frist", "States": {"First": P(Next="Second"),
                                                         "Second": P(End=True)}},
     [("dangling-transition", "$.StartAt",
       "StartAt names 'Frist', which is not a state of this scope; did you mean 'First'?")]),
    # a state unreachable for another reason is still reported
    ("misspelt Next beside an orphan",
     machine(A=P(Next="Finsh"), Finish=P(End=True), Orphan=P(End=True)),
     [("dangling-transition", "$.States.A.Next",
       "there is no state named 'Finsh'; did you mean 'Finish'?"),
      ("unreachable", "$.States.Orphan", "state 'Orphan' cannot be reached from StartAt 'A'")]),
    # the match must be in the transition's own scope
    ("misspelt Next inside a branch suggests from the branch",
     machine(P={"Type": "Parallel", "End": True, "Branches": [
         machine(Work=P(Next="Cleanp"), Cleanup=P(End=True))]}, Cleanupp=P(End=True)),
     [("dangling-transition", "$.States.P.Branches[0].States.Work.Next",
       "there is no state named 'Cleanp'; did you mean 'Cleanup'?"),
      ("unreachable", "$.States.Cleanupp", "state 'Cleanupp' cannot be reached from StartAt 'P'")]),
    # a misspelt target that still ends nowhere reports that too: it is a second mistake
    ("misspelt Next into a loop",
     machine(A=P(Next="Lop"), Loop=P(Next="Loop")),
     [("dangling-transition", "$.States.A.Next",
       "there is no state named 'Lop'; did you mean 'Loop'?"),
      ("no-terminal", "$", "no reachable state ends this scope: add a state with End, a Succeed "
       "or a Fail")]),
    ("dangling Default",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "Next": "D"}, Default="Nope"),
             D=P(End=True)),
     [("dangling-transition", "$.States.C.Default", "there is no state named 'Nope'")]),
    ("dangling Catch target",
     machine(A=T(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Gone"}])),
     [("dangling-transition", "$.States.A.Catch[0].Next", "there is no state named 'Gone'")]),
    ("transition out of a Parallel branch",
     machine(P={"Type": "Parallel", "Next": "Out", "Branches": [machine(In=P(Next="Out"))]},
             Out=P(End=True)),
     [("transition-out-of-scope", "$.States.P.Branches[0].States.In.Next",
       "'Out' is outside this scope; a transition cannot leave a Parallel branch or Map "
       "processor, nor enter one")]),
    ("transition out of a Map processor",
     machine(M=M(machine(In=T(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "M"}])))),
     [("transition-out-of-scope", "$.States.M.ItemProcessor.States.In.Catch[0].Next",
       "'M' is outside this scope; a transition cannot leave a Parallel branch or Map "
       "processor, nor enter one")]),
    ("unreachable state", machine(A=P(End=True), B=P(End=True)),
     [("unreachable", "$.States.B", "state 'B' cannot be reached from StartAt 'A'")]),
    ("no terminal state", machine(A=P(Next="B"), B=P(Next="A")),
     [("no-terminal", "$", "no reachable state ends this scope: add a state with End, a "
       "Succeed or a Fail")]),
    ("no terminal state in a Map processor",
     machine(M=M(machine(W={"Type": "Wait", "Seconds": 1, "Next": "W"}))),
     [("no-terminal", "$.States.M.ItemProcessor", "no reachable state ends this scope: add a "
       "state with End, a Succeed or a Fail")]),
    ("both Next and End", machine(A=P(Next="B", End=True), B=P(End=True)),
     [("next-end", "$.States.A.End", "a state cannot have both Next and End")]),
    ("neither Next nor End", machine(A=P()),
     [("next-end", "$.States.A", "a state needs Next or End"),
      ("no-terminal", "$", "no reachable state ends this scope: add a state with End, a "
       "Succeed or a Fail")]),
    # retry and catch
    ("States.ALL retrier not last",
     machine(A=T(End=True, Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])),
     [("states-all-position", "$.States.A.Retry[0].ErrorEquals",
       "a retrier for States.ALL must be the last one")]),
    ("States.ALL catcher not last",
     machine(A=T(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"},
                                  {"ErrorEquals": ["X"], "Next": "B"}]), B=P(End=True)),
     [("states-all-position", "$.States.A.Catch[0].ErrorEquals",
       "a catcher for States.ALL must be the last one")]),
    ("States.ALL not alone",
     machine(A=T(End=True, Catch=[{"ErrorEquals": ["States.ALL", "X"], "Next": "A"}])),
     [("states-all-position", "$.States.A.Catch[0].ErrorEquals",
       "States.ALL must appear alone in its ErrorEquals")]),
    ("BackoffRate below 1",
     machine(A=T(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])),
     [("retry-range", "$.States.A.Retry[0].BackoffRate", "BackoffRate must be a number >= 1, not 0.5")]),
    ("MaxAttempts below 0",
     machine(A=T(End=True, Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -1}])),
     [("retry-range", "$.States.A.Retry[0].MaxAttempts", "MaxAttempts must be an integer >= 0, not -1")]),
    ("IntervalSeconds below 1",
     machine(A=T(End=True, Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 0}])),
     [("retry-range", "$.States.A.Retry[0].IntervalSeconds",
       "IntervalSeconds must be an integer >= 1, not 0")]),
    # exclusive fields
    ("Wait with two durations",
     machine(W={"Type": "Wait", "Seconds": 5, "Timestamp": "2024-01-01T00:00:00Z", "End": True}),
     [("wait-duration", "$.States.W.Timestamp", "a Wait needs exactly one of Seconds, Timestamp, "
       "SecondsPath or TimestampPath (found Seconds, Timestamp)")]),
    ("Wait with no duration", machine(W={"Type": "Wait", "End": True}),
     [("wait-duration", "$.States.W", "a Wait needs exactly one of Seconds, Timestamp, "
       "SecondsPath or TimestampPath")]),
    ("TimeoutSeconds and its path", machine(A=T(End=True, TimeoutSeconds=5, TimeoutSecondsPath="$.t")),
     [("exclusive-fields", "$.States.A.TimeoutSecondsPath",
       "TimeoutSeconds and TimeoutSecondsPath are mutually exclusive")]),
    ("HeartbeatSeconds and its path",
     machine(A=T(End=True, HeartbeatSeconds=5, HeartbeatSecondsPath="$.t")),
     [("exclusive-fields", "$.States.A.HeartbeatSecondsPath",
       "HeartbeatSeconds and HeartbeatSecondsPath are mutually exclusive")]),
    ("tolerated failure count and its path",
     machine(M=M(machine(I=P(End=True)), ToleratedFailureCount=1, ToleratedFailureCountPath="$.n")),
     [("exclusive-fields", "$.States.M.ToleratedFailureCountPath",
       "ToleratedFailureCount and ToleratedFailureCountPath are mutually exclusive")]),
    ("tolerated failure percentage and its path",
     machine(M=M(machine(I=P(End=True)), ToleratedFailurePercentage=5,
                 ToleratedFailurePercentagePath="$.n")),
     [("exclusive-fields", "$.States.M.ToleratedFailurePercentagePath",
       "ToleratedFailurePercentage and ToleratedFailurePercentagePath are mutually exclusive")]),
    ("Fail Error and ErrorPath", machine(F={"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
     [("exclusive-fields", "$.States.F.ErrorPath", "Error and ErrorPath are mutually exclusive")]),
    ("Fail Cause and CausePath", machine(F={"Type": "Fail", "Cause": "C", "CausePath": "$.c"}),
     [("exclusive-fields", "$.States.F.CausePath", "Cause and CausePath are mutually exclusive")]),
    # paths and payloads
    ("bad JSONPath", machine(A=P(End=True, InputPath="$.a[")),
     [("bad-path", "$.States.A.InputPath", "'$.a[' is not a JSONPath: unclosed '['")]),
    ("a Path where a reference path is required", machine(A=P(End=True, ResultPath="$.a[*]")),
     [("bad-path", "$.States.A.ResultPath",
       "'$.a[*]' is not a reference path: [*] selects many nodes or computes a value")]),
    ("a variable in ResultPath", machine(A=P(End=True, ResultPath="$foo")),
     [("bad-path", "$.States.A.ResultPath", "'$foo' is not allowed here: variables cannot be used")]),
    ("a .$ key that holds no path", machine(A=P(End=True, Parameters={"x.$": "nope"})),
     [("bad-path", "$.States.A.Parameters.x.$", "'nope' is not a JSONPath: it must start with '$'")]),
    ("an intrinsic with a wrong argument",
     machine(A=P(End=True, Parameters={"x.$": "States.MathAdd($.a, 'b')"})),
     [("bad-intrinsic", "$.States.A.Parameters.x.$",
       "States.MathAdd argument 2 must be a number or a path, not 'b'")]),
    ("an intrinsic that does not parse",
     machine(A=P(End=True, Parameters={"x.$": "States.Format('a'"})),
     [("bad-intrinsic", "$.States.A.Parameters.x.$",
       "\"States.Format('a'\" is not a valid intrinsic function call: States.Format( is never closed")]),
    ("an unknown intrinsic", machine(A=P(End=True, Parameters={"x.$": "States.Nope(1)"})),
     [("bad-intrinsic", "$.States.A.Parameters.x.$", "States.Nope is not an intrinsic function")]),
    ("colliding keys once .$ is stripped",
     machine(A=P(End=True, Parameters={"nested": {"x": 1, "x.$": "$.x"}})),
     [("payload-collision", "$.States.A.Parameters.nested.x.$",
       "'x.$' and 'x' are the same field once '.$' is removed")]),
    # choice rules
    ("a rule with no operator",
     machine(C=choice({"Variable": "$.x", "Next": "D"}, Default="D"), D=P(End=True)),
     [("choice-rule", "$.States.C.Choices[0]",
       "a choice rule needs exactly one comparison operator, And, Or or Not")]),
    ("a rule with two operators",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "IsString": True, "Next": "D"}),
             D=P(End=True)),
     [("choice-rule", "$.States.C.Choices[0]", "a choice rule needs exactly one comparison "
       "operator, And, Or or Not (found IsNull, IsString)")]),
    ("a rule with no variable", machine(C=choice({"StringEquals": "a", "Next": "D"}), D=P(End=True)),
     [("choice-rule", "$.States.C.Choices[0].Variable", "a StringEquals rule needs a Variable")]),
    ("a nested rule with Next",
     machine(C=choice({"Not": {"Variable": "$.x", "IsNull": True, "Next": "D"}, "Next": "D"}),
             D=P(End=True)),
     [("choice-rule", "$.States.C.Choices[0].Not.Next", "a nested choice rule cannot have Next")]),
    ("a top-level rule without Next",
     machine(C=choice({"Variable": "$.x", "IsNull": True}, Default="D"), D=P(End=True)),
     [("choice-rule", "$.States.C.Choices[0].Next", "a top-level choice rule needs Next")]),
]


@pytest.mark.parametrize("doc, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(doc: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert [(d.code, d.path, d.message) for d in validate(doc)] == expected


def test_every_problem_is_reported_not_just_the_first() -> None:
    doc = machine(A=P(Next="Nope", InputPath="bad"),
                  B=T(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0}]))
    assert [d.code for d in validate(doc)] == [
        "bad-path", "retry-range", "dangling-transition", "unreachable"]


def test_diagnostic_rendering_names_the_source() -> None:
    doc = machine(A=P(Next="B"), B=P(End=True, InputPath="x"))
    (d,) = validate(doc, {"$.States.B": "wf.py:12"})
    assert d.render() == "wf.py:12: $.States.B.InputPath: 'x' is not a JSONPath: it must start with '$' [bad-path]"


# field types AWS rejects (flowdsl.validate_types), and values JSON cannot hold
TYPE_CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    ("a Next that is a list",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "Next": "B"}, Default="D"),
             B=P(Next=["D"]), D=P(End=True)),
     [("bad-type", "$.States.B.Next", "Next must name a state")]),
    ("a Default that is a list",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "Next": "D"}, Default=["D"]), D=P(End=True)),
     [("bad-type", "$.States.C.Default", "Default must name a state")]),
    ("a Retry that is a string", machine(A=T(End=True, Retry="x")),
     [("bad-type", "$.States.A.Retry", "Retry must be an array")]),
    ("a Catch that is an object", machine(A=T(End=True, Catch={"ErrorEquals": ["X"]})),
     [("bad-type", "$.States.A.Catch", "Catch must be an array")]),
    ("Seconds that is a word", machine(W={"Type": "Wait", "Seconds": "ten", "End": True}),
     [("bad-value", "$.States.W.Seconds", "Seconds must be a non-negative integer")]),
    ("a Comment that is a number", machine(A=P(End=True, Comment=5)),
     [("bad-type", "$.States.A.Comment", "Comment must be a string, not a number")]),
    ("a retrier Comment that is an object",
     machine(A=T(End=True, Retry=[{"ErrorEquals": ["X"], "Comment": {}}])),
     [("bad-type", "$.States.A.Retry[0].Comment", "Comment must be a string, not an object")]),
    ("a choice rule Comment that is a list",
     machine(C=choice({"Variable": "$.x", "IsNull": True, "Next": "D", "Comment": []}), D=P(End=True)),
     [("bad-type", "$.States.C.Choices[0].Comment", "Comment must be a string, not an array")]),
    ("a ResultSelector that is a list", machine(A=T(End=True, ResultSelector=[1])),
     [("bad-type", "$.States.A.ResultSelector", "ResultSelector must be an object, not an array")]),
    ("an ItemSelector that is a string", machine(M=M(machine(I=P(End=True)), ItemSelector="$.x")),
     [("bad-type", "$.States.M.ItemSelector", "ItemSelector must be an object, not a string")]),
    ("a ToleratedFailurePercentage that is a string",
     machine(M=M(machine(I=P(End=True)), ToleratedFailurePercentage="5")),
     [("bad-type", "$.States.M.ToleratedFailurePercentage",
       "ToleratedFailurePercentage must be a number, not a string")]),
    ("a MaxConcurrency that is a string", machine(M=M(machine(I=P(End=True)), MaxConcurrency="2")),
     [("bad-type", "$.States.M.MaxConcurrency", "MaxConcurrency must be an integer, not a string")]),
    ("NaN in a Result", machine(A=P(End=True, Result={"x": float("nan")})),
     [("bad-value", "$.States.A.Result.x", "nan is not a JSON number")]),
    ("a lone surrogate in a Parameters value", machine(A=P(End=True, Parameters={"x": "\ud800"})),
     [("bad-value", "$.States.A.Parameters.x", "the text holds a lone surrogate, which is not valid Unicode")]),
]


@pytest.mark.parametrize("doc, expected", [c[1:] for c in TYPE_CASES], ids=[c[0] for c in TYPE_CASES])
def test_type_rule(doc: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert [(d.code, d.path, d.message) for d in validate(doc)] == expected


def test_machine_level_types() -> None:
    doc = {"Comment": 1, "Version": 1.0, "StartAt": "A", "States": {"A": P(End=True)}}
    assert [(d.code, d.path, d.message) for d in validate(doc)] == [
        ("bad-type", "$.Version", 'Version must be a string such as "1.0", not a number'),
        ("bad-type", "$.Comment", "Comment must be a string, not a number")]


def test_a_definition_over_one_megabyte() -> None:
    doc = machine(A=P(End=True, Result="x" * (1024 * 1024)))  # plus 69 bytes of compact JSON around it
    assert [(d.code, d.path, d.message) for d in validate(doc)] == [
        ("definition-size", "$", "the definition is 1,048,645 bytes; AWS accepts at most 1,048,576 (1 MB)")]


# Every rule again, one level down: the same failing example as the only branch of a Parallel
# and as the processor of a Map, with every path (and every path a message quotes) moved under it.
WRAPPERS = {
    "in a Parallel branch": ("$.States.Wrap.Branches[0]",
                             lambda doc: {"Type": "Parallel", "End": True, "Branches": [doc]}),
    "in a Map processor": ("$.States.Wrap.ItemProcessor",
                           lambda doc: {"Type": "Map", "End": True, "ItemProcessor": doc}),
}


def _moved(text: str, prefix: str) -> str:
    return prefix + text[1:] if text == "$" or text.startswith("$.") else text


def _nested_cases() -> list[Any]:
    out = []
    for name, doc, expected in CASES + TYPE_CASES:
        if set(doc) - {"StartAt", "States"}:
            continue  # machine-level fields have no place in a branch
        for where, (prefix, wrap) in WRAPPERS.items():
            moved = [(code, _moved(path, prefix), message.replace("at $.States", f"at {prefix}.States"))
                     for code, path, message in expected]
            out.append(pytest.param({"StartAt": "Wrap", "States": {"Wrap": wrap(doc)}}, moved,
                                    id=f"{name} {where}"))
    return out


@pytest.mark.parametrize("doc, expected", _nested_cases())
def test_rule_nested(doc: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert [(d.code, d.path, d.message) for d in validate(doc)] == expected


def test_every_rule_is_tested_at_every_depth() -> None:
    # Top level, in a branch, in a processor: a case dropped from the nesting would show here.
    assert len(_nested_cases()) == 2 * len(CASES + TYPE_CASES)
