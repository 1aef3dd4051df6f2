"""Deeply nested definitions validate, with every diagnostic's path and file:line as for a flat
one: paths share their prefixes (DocPath) and a file's lines are a tree of offsets read through
a line index, so nothing is built per level that grows with the depth."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdsl.asl_to_model import read_asl
from flowdsl.deep_stack import call
from flowdsl.strict_json import LineIndex, read_json
from flowdsl.validate import validate
from flowdsl.vocabulary import DocPath, child_scopes

DEPTH = 3000


def nested_parallel(levels: int, innermost: str) -> str:
    """Parallels nested ``levels`` deep, one per line, around ``innermost`` (a state's text)."""
    state = innermost
    for i in range(levels):
        state = ('{"Type": "Parallel", "End": true, "Branches": [\n{"StartAt": "S%d", "States": {"S%d": %s}}]}'
                 % (i, i, state))
    return '{"StartAt": "P", "States": {"P": %s}}\n' % state


def deep_path(levels: int, leaf: str) -> str:
    return "$.States.P" + "".join(f".Branches[0].States.S{i}" for i in reversed(range(levels))) + leaf


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_a_deep_parallel_validates_with_the_innermost_mistake_located(tmp_path: Path) -> None:
    text = nested_parallel(DEPTH, '{"Type": "Pass", "End": true,\n"Bogus": 1}')
    src = tmp_path / "deep.asl.json"
    src.write_text(text)
    _, diagnostics = call(read_asl, src)
    bogus = line_of(text, '"Bogus"')
    assert bogus == DEPTH + 2
    assert [(d.code, d.path, d.message, d.source) for d in diagnostics] == [
        ("unknown-field", deep_path(DEPTH, ".Bogus"), "Pass states have no field 'Bogus'", f"{src}:{bogus}")]


def test_a_deep_duplicate_key_is_reported_at_its_line(tmp_path: Path) -> None:
    text = nested_parallel(DEPTH, '{"Type": "Pass",\n"End": true,\n"End": true}')
    src = tmp_path / "dup.asl.json"
    src.write_text(text)
    _, diagnostics = call(read_asl, src)
    second = text.rindex('"End": true}')
    assert [(d.code, d.path, d.message, d.source) for d in diagnostics] == [
        ("duplicate-key", deep_path(DEPTH, ".End"),
         "the key 'End' appears twice in one object; JSON readers keep only one of them",
         f"{src}:{text[:second].count(chr(10)) + 1}")]


def test_a_deep_definition_without_a_file_names_the_path() -> None:
    doc: dict = {"Type": "Pass", "End": True, "Next": "X"}
    for i in range(DEPTH):
        doc = {"Type": "Parallel", "End": True, "Branches": [{"StartAt": f"S{i}", "States": {f"S{i}": doc}}]}
    diagnostics = call(validate, {"StartAt": "P", "States": {"P": doc}})
    assert [(d.code, d.path, d.message, d.source) for d in diagnostics] == [
        ("next-end", deep_path(DEPTH, ".End"), "a state cannot have both Next and End", None),
        ("dangling-transition", deep_path(DEPTH, ".Next"), "there is no state named 'X'", None)]


def test_json_lines_are_looked_up_by_path(tmp_path: Path) -> None:
    src = tmp_path / "doc.json"
    src.write_text('{"a.b": {"c": [1,\n  {"d[0]": 2}]},\n "a": {"b": 3},\n "e": []}\n')
    parsed = read_json(src)
    assert parsed.lines["$"] == 1
    assert parsed.lines["$.a.b.c[1]"] == 2  # the key "a.b", then c's second item
    assert parsed.lines["$.a.b.c[1].d[0]"] == 2
    assert parsed.lines["$.a"] == 3
    assert parsed.lines["$.e"] == 4
    assert "$.e[0]" not in parsed.lines
    assert "$.nope" not in parsed.lines
    with pytest.raises(KeyError):
        parsed.lines["$.a.b.c[7]"]
    assert dict(parsed.sources(src))["$.a"] == f"{src}:3"
    assert set(parsed.lines) == {"$", "$.a.b", "$.a.b.c", "$.a.b.c[0]", "$.a.b.c[1]", "$.a.b.c[1].d[0]",
                                 "$.a", "$.a.b", "$.e"}
    # the deepest part of a path the document has gives the line
    assert parsed.sources(src).locate(DocPath() / "a" / "b" / "missing") == f"{src}:3"


def test_line_index() -> None:
    text = "ab\ncd\n\nef"
    index = LineIndex(text)
    assert [index.line(i) for i in range(len(text))] == [text[:i].count("\n") + 1 for i in range(len(text))]


def test_doc_paths_render_as_strings() -> None:
    root = DocPath()
    path = (root / "States" / "A" / "Branches")[2] / "x.y"
    assert str(path) == "$.States.A.Branches[2].x.y"
    assert f"{path}" == str(path)
    assert path.steps() == ["States", "A", "Branches", 2, "x.y"]
    assert str(root) == "$"
    state = {"Branches": [{"StartAt": "B"}, 1], "ItemProcessor": {"StartAt": "M"}}
    assert [str(p) for p, _ in child_scopes(state, root / "P")] == ["$.P.Branches[0]", "$.P.ItemProcessor"]
    assert [p for p, _ in child_scopes(state, "$.P")] == ["$.P.Branches[0]", "$.P.ItemProcessor"]


def test_walk_states_gives_doc_paths_when_given_one() -> None:
    from flowdsl.vocabulary import walk_states

    doc = {"States": {"A": {"Type": "Parallel", "Branches": [{"States": {"B": {"Type": "Pass"}}}]}}}
    assert [(str(p), n) for p, n, _ in walk_states(doc, DocPath())] == [
        ("$.States.A", "A"), ("$.States.A.Branches[0].States.B", "B")]
    assert [(p, n) for p, n, _ in walk_states(doc)] == [
        ("$.States.A", "A"), ("$.States.A.Branches[0].States.B", "B")]
