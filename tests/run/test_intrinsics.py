from __future__ import annotations

import random
from typing import Any

import pytest

from flowdsl.run.errors import StatesError
from flowdsl.run.intrinsics import Call, Literal, PathArg, evaluate, parse

DATA: dict[str, Any] = {"s": "a,b", "n": 3, "arr": [1, 2, 2, 3], "obj": {"k": 1}, "f": 1.5}


def ev(expr: str) -> Any:
    from flowdsl.run.jsonpath import evaluate as jp

    return evaluate(expr, lambda p: jp(p, DATA), random.Random(7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.UUID()", Call("UUID", ())),
        ("States.Format('a{}b', $.x)", Call("Format", (Literal("a{}b"), PathArg("$.x")))),
        ("States.Array(1, -2.5, null, true, 'x')",
         Call("Array", (Literal(1), Literal(-2.5), Literal(None), Literal(True), Literal("x")))),
        ("States.Format('it\\'s \\{\\} \\\\', $$.Execution.Id)",
         Call("Format", (Literal("it's {} \\"), PathArg("$$.Execution.Id")))),
        ("States.Array(States.Array($['a,b'][0]), $var.x)",
         Call("Array", (Call("Array", (PathArg("$['a,b'][0]"),)), PathArg("$var.x")))),
        ("  States.MathAdd( 1 ,2 )", Call("MathAdd", (Literal(1), Literal(2)))),
    ],
)
def test_parse(text: str, expected: Call) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["States.Format('x'", "States.Array(1 2)", "Foo.Bar()", "States.Array(1) junk", "States.Format('unterminated)"])
def test_parse_errors_become_intrinsic_failure(text: str) -> None:
    with pytest.raises(StatesError, match="States.IntrinsicFailure"):
        ev(text)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("States.Format('x={} y={}', $.n, $.s)", "x=3 y=a,b"),
        ("States.Format('{}', $.obj)", "{k=1}"),
        ("States.Format('\\{\\}{}', 'v')", "{}v"),
        ("States.StringToJson('{\"a\": [1]}')", {"a": [1]}),
        ("States.StringToJson('')", None),
        ("States.JsonToString($.obj)", '{"k":1}'),
        ("States.Array($.n, 'x', null)", [3, "x", None]),
        ("States.ArrayPartition($.arr, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.arr, 2)", True),
        ("States.ArrayContains($.arr, 9)", False),
        ("States.ArrayRange(1, 9, 3)", [1, 4, 7]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.arr, 3)", 3),
        ("States.ArrayLength($.arr)", 4),
        ("States.ArrayUnique($.arr)", [1, 2, 3]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'MD5')", "812f45842bc6d66ee14572ce20db8e86"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.JsonMerge($.obj, States.StringToJson('{\"j\": 2}'), false)", {"k": 1, "j": 2}),
        ("States.MathAdd($.n, -5)", -2),
        ("States.MathAdd($.f, 1)", 3),
        ("States.StringSplit($.s, ',')", ["a", "b"]),
        ("States.StringSplit('a,,b;c', ',;')", ["a", "b", "c"]),
    ],
)
def test_functions(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_random_and_uuid_are_seeded() -> None:
    assert ev("States.MathRandom(1, 10)") == ev("States.MathRandom(1, 10)")
    assert 1 <= ev("States.MathRandom(1, 10, 42)") < 10
    u = ev("States.UUID()")
    assert len(u) == 36 and u[14] == "4"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("States.Format('{} {}', 1)", "placeholders"),
        ("States.ArrayGetItem($.arr, 9)", "ArrayGetItem"),
        ("States.ArrayPartition($.arr, 0)", "ArrayPartition"),
        ("States.ArrayRange(0, 2000, 1)", "1000"),
        ("States.Hash('x', 'SHA-999')", "unsupported algorithm"),
        ("States.JsonMerge($.obj, $.obj, true)", "deep"),
        ("States.Base64Decode('%%%')", "base64"),
        ("States.StringToJson('{bad')", "invalid JSON"),
        ("States.NoSuchThing()", "Unknown intrinsic"),
        ("States.ArrayLength($.s)", "array"),
    ],
)
def test_function_errors(expr: str, message: str) -> None:
    with pytest.raises(StatesError, match=message) as info:
        ev(expr)
    assert info.value.error == "States.IntrinsicFailure"
