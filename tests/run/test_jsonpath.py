from __future__ import annotations

from typing import Any

import pytest

from flowdsl.run.jsonpath import PathError, PathSyntaxError, compile_path, evaluate, set_path

DOC: dict[str, Any] = {
    "a": {"b": [10, 20, 30], "c": None},
    "items": [{"v": 1, "s": "x"}, {"v": 2, "s": "y"}, {"v": 3}],
    "we'ird": 5,
    "dash-key": "d",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b", [10, 20, 30]),
        ("$.a.b[0]", 10),
        ("$.a.b[-1]", 30),
        ("$.a.c", None),
        ("$['a']['b'][1]", 20),
        ('$["dash-key"]', "d"),
        ("$.dash-key", "d"),
        ("$['we\\'ird']", 5),
        ("$.a.b[*]", [10, 20, 30]),
        ("$.a.b[1:]", [20, 30]),
        ("$.a.b[:1]", [10]),
        ("$.a.b[0:3:2]", [10, 30]),
        ("$.items[*].v", [1, 2, 3]),
        ("$.items[?(@.v > 1)].v", [2, 3]),
        ("$.items[?(@.s == 'x')]", [{"v": 1, "s": "x"}]),
        ("$.items[?(@.s)].s", ["x", "y"]),
        ("$..v", [1, 2, 3]),
        ("$.a.b[0,2]", [10, 30]),
        ("$.items[5:]", []),
        ("$.a.b.length()", 3),
    ],
)
def test_evaluate(path: str, expected: Any) -> None:
    assert evaluate(path, DOC) == expected


@pytest.mark.parametrize("path", ["$.nope", "$.a.b[3]", "$.a.c.d", "$.items[0].missing"])
def test_missing_definite_path_raises(path: str) -> None:
    with pytest.raises(PathError, match=r".+"):
        evaluate(path, DOC)


@pytest.mark.parametrize("path", ["a.b", "$.a[", "$.a[x]", "$.a b"])
def test_syntax_errors(path: str) -> None:
    with pytest.raises(PathSyntaxError, match=r".+"):
        compile_path(path)


def test_definiteness_and_bracket_form() -> None:
    assert compile_path("$.a.b[0]").definite
    assert not compile_path("$.a[*]").definite
    assert compile_path("$.NoSuchInputPath").bracket_form() == "$['NoSuchInputPath']"


@pytest.mark.parametrize(
    ("data", "path", "value", "expected"),
    [
        ({"x": 1}, "$", 2, 2),
        ({"x": 1}, "$.y", 2, {"x": 1, "y": 2}),
        ({"x": 1}, "$.y.z", 2, {"x": 1, "y": {"z": 2}}),
        ({"x": {"k": 0}}, "$.x.j", 2, {"x": {"k": 0, "j": 2}}),
        ({"x": [1, 2]}, "$.x[1]", 9, {"x": [1, 9]}),
    ],
)
def test_set_path(data: Any, path: str, value: Any, expected: Any) -> None:
    before = repr(data)
    assert set_path(data, path, value) == expected
    assert repr(data) == before  # the input document is not mutated


def test_set_path_through_non_object_fails() -> None:
    with pytest.raises(PathError, match="y"):
        set_path({"x": 1}, "$.x.y", 2)
