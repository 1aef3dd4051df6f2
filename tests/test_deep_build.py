"""Building a deeply nested workflow: every state's file:line and every diagnostic's path come
out as for a flat one, while what the build holds grows linearly with the depth. Paths share
their prefixes (DocPath) through the compiler, the role's statements, the references and the
number check; a path's text is made only for a diagnostic. Growth is counted (bytes allocated,
characters held, generator resumptions), never timed: speed figures are in bench/bench_depth.py."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import pytest

from flowdsl.asl import Sources, compile_workflow
from flowdsl.build import build, check
from flowdsl.deep_stack import call
from flowdsl.errors import CompileError, nearest_source
from flowdsl.loader import load_workflows
from flowdsl.placeholders import imprecise_numbers, refs_with_paths
from flowdsl.refs import Var
from flowdsl.run.jsonpath import set_path
from flowdsl.source import _display
from flowdsl.states import iter_states
from flowdsl.vocabulary import DocPath

HEADER = ("from flowdsl import (Catch, Choice, LambdaTask, Map, Parallel, Pass, Retry, StateMachine,\n"
          "                     Variable, When, Workflow, var)\n"
          "from flowdsl.conditions import string_equals\n")


def deep_file(folder: Path, depth: int, innermost: str = 'Pass("L0")', *, deployed: bool = False,
              tasks: bool = False) -> tuple[Path, dict[str, int]]:
    """A workflow file nesting states ``depth`` levels deep, one object per line (levels
    taking turns: a Parallel with a Retry and a Catch to a handler, a Map, a Parallel around a
    Choice whose rule has its condition on a line of its own); and the line of every path the
    compiler records, worked out from the layout written here."""
    lines = HEADER.splitlines()
    line_of: dict[str, int] = {}

    def put(var_name: str, text: str) -> None:
        lines.append(f"{var_name} = {text}")
        line_of[var_name] = len(lines)

    put("l0", innermost)
    # below[v]: the recorded entries of state v, as (path below v's path, variable giving the line)
    below: dict[str, list[tuple[str, str]]] = {"l0": [("", "l0")]}
    for i in range(1, depth + 1):
        inner = f"l{i - 1}"
        seq = [inner]
        if tasks:
            put(f"t{i}", f'LambdaTask("T{i}", function="f{i}")')
            seq = [f"t{i}", inner]
        kind = i % 3
        if kind == 1:
            put(f"h{i}", f'Pass("H{i}")')
            put(f"r{i}", 'Retry(["States.ALL"], max_attempts=2)')
            put(f"c{i}", f'Catch(["States.ALL"], next=h{i})')
            put(f"l{i}", f'Parallel("L{i}", branches=[[{", ".join(seq)}]], retry=[r{i}], catch=[c{i}])')
            scope = ".Branches[0]"
            mine = [("", f"l{i}"), (".Retry[0]", f"r{i}"), (".Catch[0]", f"c{i}")]
        elif kind == 2:
            put(f"l{i}", f'Map("L{i}", processor=[{", ".join(seq)}])')
            scope = ".ItemProcessor"
            mine = [("", f"l{i}")]
        else:
            put(f"q{i}", 'string_equals("$.k", "x")')
            put(f"w{i}", f"When(q{i}, next={inner})")
            first = f"t{i}, " if tasks else ""
            put(f"k{i}", f'Choice("K{i}", choices=[w{i}], default="{inner.upper()}")')
            put(f"l{i}", f'Parallel("L{i}", branches=[[{first}k{i}]])')
            scope = ".Branches[0]"
            choice = f"{scope}.States.K{i}"
            mine = [("", f"l{i}"), (choice, f"k{i}"), (f"{choice}.Choices[0]", f"w{i}"),
                    (f"{choice}.Choices[0].Variable", f"q{i}"),
                    (f"{choice}.Choices[0].StringEquals", f"q{i}")]
        if tasks:
            mine.append((f"{scope}.States.T{i}", f"t{i}"))
        mine += [(f"{scope}.States.L{i - 1}{rest}", v) for rest, v in below.pop(inner)]
        if kind == 1:  # the handler is placed beside the Parallel, in the scope holding it
            mine.append(("@H", f"h{i}"))
        below[f"l{i}"] = mine
    top = f"l{depth}"
    deployment = ', deployment=StateMachine("deep")' if deployed else ""
    lines.append(f'wf = Workflow("deep", [{top}], variables=[Variable("v")]{deployment})')
    path = folder / "deep.py"
    path.write_text("\n".join(lines) + "\n")
    out: dict[str, int] = {}
    for rest, v in below[top]:
        full = f"$.States.L{depth}{rest}"
        if full.endswith("@H"):  # "...States.L4@H" is "...States.H4"
            full = full[: full.rindex(".States.") + len(".States.")] + "H" + v[1:]
        out[full] = line_of[v]
    return path, out


def _load(path: Path) -> Any:
    return load_workflows(path)["deep"]


def _source(path: Path, line: int) -> str:
    """``file:line`` as flowdsl shows it (the file relative to the working folder when near)."""
    return f"{_display(str(path))}:{line}"


# the answers ---------------------------------------------------------------------------------

def test_every_state_of_a_nested_workflow_has_its_own_line(tmp_path: Path) -> None:
    src, lines = deep_file(tmp_path, 12)
    compiled = call(compile_workflow, _load(src))
    found = dict(compiled.sources)
    assert found == {p: _source(src, n) for p, n in lines.items()}
    # spot checks written out, so the expectation is not only the generator's
    text = src.read_text().splitlines()
    assert found["$.States.L12"].endswith(f":{text.index(next(t for t in text if t.startswith('l12 ='))) + 1}")
    handler = "$.States.L12.Branches[0].States.L11.ItemProcessor.States.H10"
    assert handler in found and found[handler].endswith(
        f":{text.index(next(t for t in text if t.startswith('h10 ='))) + 1}")
    assert len(compiled.sources) == len(lines)
    assert isinstance(compiled.sources, Mapping)


def test_nearest_source_answers_as_a_dict_of_every_path_would(tmp_path: Path) -> None:
    src, lines = deep_file(tmp_path, 10)
    sources = call(compile_workflow, _load(src)).sources
    plain = dict(sources)
    probes = ["$", "$.Comment", "$.States", "$.States.Nope", "$.States.L10.Nope.Deeper[3]", "x.y",
              "$.States.L10.Retry[0", "$.States.L10.Retry[x]", "$.States.L10.Branches[0]"]
    for p in lines:
        probes += [p, p + ".Parameters.a", p + ".Retry[7]", p + "[0]", p + ".Branches[0].States.Z",
                   p[: p.rfind(".")]]
    for probe in probes:
        assert nearest_source(sources, probe) == nearest_source(plain, probe), probe
        assert nearest_source(sources, probe, top=None) == nearest_source(plain, probe, top=None)
    # by DocPath too, as the validator asks
    deepest = max(lines, key=len)
    doc = DocPath()
    for step in _steps(deepest):
        doc = doc[step] if isinstance(step, int) else doc / step
    assert sources.nearest(doc / "Parameters" / "x") == plain[deepest]
    assert sources.locate(doc) == plain[deepest]
    assert nearest_source(sources, doc) == plain[deepest]
    assert sources.get("$.States.L10.Retry[0]") == plain["$.States.L10.Retry[0]"]
    assert "$.States.L10.Retry[1]" not in sources
    with pytest.raises(KeyError):
        sources["$.States.L10.Branches[0]"]  # a step on the way, with no line of its own


def _steps(text: str) -> list[str | int]:
    out: list[str | int] = []
    for part in text[2:].split("."):
        name, _, index = part.partition("[")
        out.append(name)
        if index:
            out.append(int(index.rstrip("]")))
    return out


def test_state_names_holding_dots_and_brackets_are_found(tmp_path: Path) -> None:
    src = tmp_path / "odd.py"
    src.write_text(HEADER + 'a = Pass("c[0]")\n'
                            'b = Pass("d", input_path="$$$")\n'
                            'p = Parallel("a.b", branches=[[a, b]])\n'
                            'q = Pass("a")\n'
                            'wf = Workflow("deep", [p, q])\n')
    compiled, diagnostics = check(_load(src))
    assert dict(compiled.sources) == {
        "$.States.a.b": _source(src, 6), "$.States.a.b.Branches[0].States.c[0]": _source(src, 4),
        "$.States.a.b.Branches[0].States.d": _source(src, 5), "$.States.a": _source(src, 7)}
    assert nearest_source(compiled.sources, "$.States.a.b.Branches[0].States.c[0].Parameters") == _source(src, 4)
    assert nearest_source(compiled.sources, "$.States.a.Parameters") == _source(src, 7)
    assert nearest_source(compiled.sources, "$.States.a.b.Comment") == _source(src, 6)
    assert [(d.path, d.source) for d in diagnostics] == [
        ("$.States.a.b.Branches[0].States.d.InputPath", _source(src, 5))]


DEEP = 400  # beyond the interpreter's default recursion limit, walked on the deep stack


def _deep_path(depth: int) -> str:
    """The innermost state's path in :func:`deep_file` (Choice levels reach it as a target)."""
    out = f"$.States.L{depth}"
    for i in range(depth, 0, -1):
        out += (".ItemProcessor" if i % 3 == 2 else ".Branches[0]") + f".States.L{i - 1}"
    return out


def test_a_mistake_deep_inside_is_reported_at_its_file_line(tmp_path: Path) -> None:
    src, lines = deep_file(tmp_path, DEEP, 'Pass("L0", input_path="$$$", parameters={"u": var("u")})')
    innermost = _deep_path(DEEP)
    assert innermost in lines
    line = src.read_text().splitlines().index(next(
        t for t in src.read_text().splitlines() if t.startswith("l0 ="))) + 1
    assert lines[innermost] == line
    with pytest.raises(CompileError) as e:
        build(_load(src))
    got = [(d.code, d.path, d.source) for d in e.value.diagnostics]
    assert ("bad-path", innermost + ".InputPath", _source(src, line)) in got
    assert ("undeclared-variable", innermost + ".Parameters.u", _source(src, line)) in got
    assert len(got) == 2


def test_a_deployed_deep_workflow_builds_with_a_grant_per_level(tmp_path: Path) -> None:
    src, _ = deep_file(tmp_path, 60, 'Pass("L0", parameters={"u": var("v")})', deployed=True, tasks=True)
    files = build(_load(src)).files
    assert '"FunctionName": "f60"' in files["deep.asl.json"]
    assert all(f":function:f{i}:*" in files["state_machine.tf.json"] for i in (1, 30, 60))


# what it holds, counted ----------------------------------------------------------------------

def _characters_held(root: Any) -> int:
    """The characters of every string reachable from ``root`` through containers and
    flowdsl's own objects (not through classes or modules)."""
    seen: set[int] = set()
    todo = [root]
    total = 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (type, type(sys))) or callable(obj):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            total += len(obj)
            continue
        todo.extend(gc.get_referents(obj))
    return total


def test_compiled_sources_hold_no_text_per_state_that_grows_with_the_depth(tmp_path: Path) -> None:
    held = []
    for depth in (150, 300):
        folder = tmp_path / str(depth)
        folder.mkdir()
        src, lines = deep_file(folder, depth)
        sources = call(compile_workflow, _load(src)).sources
        assert isinstance(sources, Sources) and not isinstance(sources, dict)
        assert len(sources) == len(lines)
        held.append(_characters_held(sources))
    # a dict of full paths holds 4x the text at twice the depth; the tree of steps 2x
    assert held[1] < 2.5 * held[0], held


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        call(fn)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_build_allocates_memory_linear_in_the_depth(tmp_path: Path) -> None:
    peaks = []
    for depth in (200, 400):
        folder = tmp_path / str(depth)
        folder.mkdir()
        src, _ = deep_file(folder, depth, 'Pass("L0", parameters={"u": var("v")})', deployed=True,
                           tasks=True)
        workflow = _load(src)
        build(workflow)  # caches filled once, outside the count
        peaks.append(_peak(lambda: build(workflow)))
    assert peaks[1] < 2.6 * peaks[0], peaks


def _resumptions(code_module: str, fn: Callable[[], Any]) -> int:
    """How many times a frame of ``code_module``'s functions starts or resumes while ``fn`` runs."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call" and frame.f_globals.get("__name__") == code_module:
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _chain(depth: int) -> Any:
    from flowdsl.states import Parallel, Pass

    st: Any = Pass("L0")
    for i in range(1, depth + 1):
        st = Parallel(f"L{i}", branches=[[st]])
    return st


def test_iter_states_passes_each_state_up_once() -> None:
    states = (_chain(300),)
    counted: list[Any] = []
    steps = _resumptions("flowdsl.states", lambda: counted.extend(iter_states(states)))
    assert len(counted) == 301
    # nested generators resume every level above a state for each state: 45,000 times here;
    # a stack of sequences a few times per state (its list comprehensions count too)
    assert steps <= 8 * len(counted), steps


def test_references_are_found_with_shared_paths_once_per_container() -> None:
    doc: Any = {"x": Var("leaf")}
    for _ in range(300):
        doc = {"a": [doc, 1], "s": "text"}
    found: list[Any] = []
    steps = _resumptions("flowdsl.placeholders", lambda: found.extend(refs_with_paths(doc, "$")))
    assert [(str(p), r.name) for p, r in found] == [("$" + ".a[0]" * 300 + ".x", "leaf")]
    assert isinstance(found[0][0], DocPath)
    assert steps <= 3 * 600 + 10, steps  # about one per dict and list on the way


def test_imprecise_numbers_render_only_the_paths_found() -> None:
    doc: Any = {"n": 10**199 + 7}
    for _ in range(300):
        doc = {"a": doc, "b": [1, 2]}
    assert list(call(lambda: list(imprecise_numbers(doc)))) == [("$" + ".a" * 300 + ".n", 10**199 + 7)]


# ResultPath ----------------------------------------------------------------------------------

def test_a_20000_key_result_path_is_set_without_recursion() -> None:
    keys = 20_000
    assert sys.getrecursionlimit() < keys
    out = set_path({"keep": 1}, "$" + ".a" * keys, {"v": 2})
    assert out["keep"] == 1
    node = out
    for _ in range(keys):
        assert set(node) <= {"a", "keep"}
        node = node["a"]
    assert node == {"v": 2}


def test_setting_a_result_path_allocates_memory_linear_in_its_length() -> None:
    peaks = [_peak(lambda n=n: set_path({}, "$" + ".a" * n, 1)) for n in (5_000, 10_000)]
    # copying the rest of the steps at every level made this quadratic (1.6 GB at 20,000)
    assert peaks[1] < 2.6 * peaks[0], peaks


def test_result_path_into_arrays_and_objects_keeps_the_rest() -> None:
    data = {"a": {"b": [1, {"c": 2}], "z": 0}, "y": [0]}
    assert set_path(data, "$.a.b[1].d", 5) == {"a": {"b": [1, {"c": 2, "d": 5}], "z": 0}, "y": [0]}
    assert data == {"a": {"b": [1, {"c": 2}], "z": 0}, "y": [0]}  # the input is not changed
    assert set_path(data, "$.a.b[-1]", 9)["a"]["b"] == [1, 9]
    assert set_path(data, "$.new.deeper", 1)["new"] == {"deeper": 1}
    from flowdsl.run.jsonpath import PathError

    with pytest.raises(PathError):
        set_path(data, "$.a.b.c", 1)  # b is an array
    with pytest.raises(PathError):
        set_path(data, "$.y[3]", 1)  # beyond the array
