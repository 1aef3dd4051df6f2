"""`flowdsl graph`: the drawing of fibonacci edge by edge, the drawings of generated workflows
against their ASL, the title and trigger of each deployment kind, branches joined to where
their Parallel goes on and filled by nesting level, names that would break Mermaid or DOT
syntax, and the command's bad inputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from flowdsl.asl import compile_workflow
from flowdsl.graph import (Graph, condition_text, drawing_of, graph_of, level_colours, load, load_definition,
                           pick_format, short_resource, to_dot, to_mermaid)
from flowdsl.placeholders import to_template
from flowdsl.testing.strategies import workflows
from locations import ROOT

FIBONACCI = str(ROOT / "workflows" / "fibonacci.py")
NIGHTLY = str(ROOT / "workflows" / "nightly.py")


def flowdsl(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def named_edges(g: Graph) -> Counter[tuple[str, str, str, str | None]]:
    """Edges as (from, to, kind, label), states by name, the markers as <start>/<end> and the
    trigger's parts as <trigger: first line>."""
    names = {n.id: n.name if n.kind == "state" else f"<{n.kind}: {n.lines[0]}>" if n.kind == "trigger"
             else f"<{n.kind}>" for n in g.nodes}
    return Counter((names[e.src], names[e.dst], e.kind, e.label) for e in g.edges)


def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        pytest.fail("these tests need Graphviz's dot: apt-get install graphviz (.ci/run installs it)")
    return found


# --------------------------------------------------------------------------- fibonacci
def test_fibonacci_every_node_and_edge() -> None:
    g = load(FIBONACCI).graph()
    assert g.title == "fibonacci"
    assert load_definition(FIBONACCI) == load(FIBONACCI).definition
    nodes = {n.name or f"<{n.kind}: {n.lines[0]}>": (n.type, n.lines[1:], n.cluster) for n in g.nodes}
    assert nodes == {
        "<trigger: SQS queue>": (None, ("+ dead-letter queue",), None),
        "<trigger: EventBridge Pipe>": (None, (), None),
        "<start: Start>": (None, (), None),
        "ExtractInputParameters": ("Pass", ("Pass",), None),
        "BatchGroup": ("Parallel", ("Parallel",), None),
        "Batch": ("Task", ("Task · batch:submitJob.sync",), "g1"),
        "OnSuccess": ("Task", ("Task · lambda:invoke",), "g1"),
        "ErrorHandler": ("Task", ("Task · lambda:invoke", "retry 6×, 2 s, backoff 2:",
                                  "Lambda.ServiceException,", "Lambda.AWSLambdaException,",
                                  "Lambda.SdkClientException"), None),
        "<end: End>": (None, (), None),
    }
    assert [(c.id, c.label, c.parent, c.owner, c.level) for c in g.clusters] == [
        ("g1", "branch", None, g.node("BatchGroup").id, "level1")]
    assert named_edges(g) == Counter({
        ("<trigger: SQS queue>", "<trigger: EventBridge Pipe>", "trigger", None): 1,
        ("<trigger: EventBridge Pipe>", "<start>", "trigger", None): 1,
        ("<start>", "ExtractInputParameters", "start", None): 1,
        ("ExtractInputParameters", "BatchGroup", "next", None): 1,
        ("BatchGroup", "Batch", "branch", None): 1,
        ("Batch", "OnSuccess", "next", None): 1,
        # the branch's end goes on where the Parallel does; that stands for the Parallel's End
        ("OnSuccess", "<end>", "join", None): 1,
        ("BatchGroup", "ErrorHandler", "catch", "States.ALL"): 1,
        ("ErrorHandler", "<end>", "end", None): 1,
    })


def test_fibonacci_dot_lines() -> None:
    g = load(FIBONACCI).graph()
    dot = to_dot(g)
    ids = {name: g.node(name).id
           for name in ("ExtractInputParameters", "BatchGroup", "Batch", "OnSuccess", "ErrorHandler")}
    edges = {line.strip() for line in dot.splitlines() if "->" in line}
    assert edges == {
        '"t1" -> "t2";',
        '"t2" -> "start";',
        f'"start" -> "{ids["ExtractInputParameters"]}";',
        f'"{ids["ExtractInputParameters"]}" -> "{ids["BatchGroup"]}";',
        f'"{ids["BatchGroup"]}" -> "{ids["Batch"]}" [style=bold];',
        f'"{ids["Batch"]}" -> "{ids["OnSuccess"]}";',
        f'"{ids["OnSuccess"]}" -> "stop";',
        f'"{ids["BatchGroup"]}" -> "{ids["ErrorHandler"]}" [label="States.ALL", style=dashed];',
        f'"{ids["ErrorHandler"]}" -> "stop";',
    }
    assert 'subgraph "cluster_g1" {' in dot
    assert '  label="fibonacci"; labelloc=t; fontsize=18;' in dot.splitlines()
    assert dot.splitlines()[-2].startswith("  label=")  # after every subgraph: none inherits it


def test_readme_shows_the_tools_drawing_of_fibonacci() -> None:
    """The README's Mermaid block is exactly what `flowdsl graph workflows/fibonacci.py` prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- flowdsl graph workflows/fibonacci\.py -->\n```mermaid\n(.*?)```\n", readme, re.S)
    assert m, "README.md lacks the fibonacci Mermaid block after '<!-- flowdsl graph workflows/fibonacci.py -->'"
    r = flowdsl("graph", "workflows/fibonacci.py")
    assert r.returncode == 0, r.stderr
    assert m.group(1) == r.stdout, "the README's diagram is stale: paste `flowdsl graph workflows/fibonacci.py`"


# --------------------------------------------------------------------------- titles and triggers
def mermaid_lines(text: str) -> list[str]:
    return text.splitlines()


def test_each_kind_draws_its_trigger_before_start() -> None:
    """fibonacci and nightly drew the same before: now each says which pipeline it is."""
    from flowdsl import (EventJob, EventPattern, OnDemandJob, Pass, S3ObjectCreated, StateMachine,
                         Variable, Workflow, var)

    def entry(wf: Any) -> tuple[str | None, list[tuple[str, ...]], list[tuple[str, str]]]:
        g = drawing_of(wf).graph()
        parts = [n.lines for n in g.nodes if n.kind == "trigger"]
        chain = [(e.src, e.dst) for e in g.edges if e.kind == "trigger"]
        return g.title, parts, chain

    fib, nightly = load(FIBONACCI).graph(), load(NIGHTLY).graph()
    assert to_mermaid(fib) != to_mermaid(nightly)
    assert nightly.title == "nightly"
    assert [n.lines for n in nightly.nodes if n.kind == "trigger"] == [
        ("EventBridge Scheduler schedule", "cron(0 3 * * ? *)", "time zone Asia/Tokyo")]
    assert [(e.src, e.dst) for e in nightly.edges if e.kind == "trigger"] == [("t1", "start")]

    states = [Pass("P")]
    s3 = Workflow("uploads", states=states, variables=[Variable("bucket")],
                  deployment=EventJob("uploads", S3ObjectCreated(var("bucket"), prefix="in/")))
    title, parts, chain = entry(s3)
    assert title == "uploads" and chain == [("t1", "start")]
    (rule,) = parts
    assert rule[:2] == ("EventBridge rule", "bus default")
    shown = " ".join(rule[2:])
    assert '"source": ["aws.s3"]' in shown and shown.endswith("…")  # a long pattern is cut
    assert all(len(line) <= 60 for line in rule)

    orders = Workflow("orders", states=states, deployment=EventJob(
        "orders", EventPattern({"source": ["shop"]}, bus="orders-bus")))
    assert entry(orders) == ("orders", [("EventBridge rule", "bus orders-bus", '{"source": ["shop"]}')],
                             [("t1", "start")])
    assert entry(Workflow("alone", states=states, deployment=StateMachine("alone"))) == ("alone", [], [])
    assert entry(Workflow("bare", states=states)) == ("bare", [], [])
    no_queue = Workflow("nq", states=states, deployment=OnDemandJob("nq", queue=None))
    assert entry(no_queue) == ("nq", [], [])


def test_the_title_and_trigger_in_mermaid_and_dot() -> None:
    g = load(NIGHTLY).graph()
    mermaid = mermaid_lines(to_mermaid(g))
    assert mermaid[:4] == ["---", 'title: "nightly"', "---", "flowchart TD"]
    assert '  t1>"EventBridge Scheduler schedule<br/>cron(0 3 #42; #42; ? #42;)<br/>time zone Asia/Tokyo"]' in mermaid
    assert "  t1 --> start" in mermaid
    assert "  class t1 trigger" in mermaid
    nodes, edges = parse_mermaid(to_mermaid(g))
    assert nodes["t1"] == ["EventBridge Scheduler schedule", "cron(0 3 * * ? *)", "time zone Asia/Tokyo"]
    r = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    texts = svg_texts(r.stdout)
    assert texts[0] == "nightly"  # the title, drawn first
    assert {"EventBridge Scheduler schedule", "cron(0 3 * * ? *)", "time zone Asia/Tokyo"} <= set(texts)
    assert {"t1", "t1->start"} <= svg_titles(r.stdout)


def test_an_untitled_document_has_no_front_matter() -> None:
    doc = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    assert to_mermaid(graph_of(doc)).startswith("flowchart TD\n")
    assert "label=" not in to_dot(graph_of(doc)).splitlines()[-2]


@pytest.mark.parametrize("title", ['a "quoted" title', "back\\slash", "two\nlines", "ünï: #x; --- %%"])
def test_awkward_titles(title: str) -> None:
    g = graph_of({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}, title=title)
    front = to_mermaid(g).splitlines()[1]
    assert json.loads(front.removeprefix("title: ")) == title  # a YAML double-quoted string
    r = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert svg_texts(r.stdout)[0] == title.replace("\n", "\\x0a")


# --------------------------------------------------------------------------- branches
def nested_doc() -> dict[str, Any]:
    """A Parallel of four branches: one Pass, a Choice to a Succeed or a Fail, a Map of a Map,
    and a Fail; then a Succeed."""
    return {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "After", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            {"StartAt": "B", "States": {
                "B": {"Type": "Choice", "Default": "B2",
                      "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "B1"}]},
                "B1": {"Type": "Succeed"}, "B2": {"Type": "Fail"}}},
            {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
                "StartAt": "M1", "States": {"M1": {"Type": "Map", "End": True, "ItemProcessor": {
                    "StartAt": "M2", "States": {"M2": {"Type": "Pass", "End": True}}}}}}}}},
            {"StartAt": "D", "States": {"D": {"Type": "Fail"}}}]},
        "After": {"Type": "Succeed"}}}


def test_branch_ends_join_where_the_parallel_goes_on() -> None:
    g = graph_of(nested_doc())
    assert named_edges(g) == Counter({
        ("<start>", "P", "start", None): 1,
        ("P", "A", "branch", None): 1, ("P", "B", "branch", None): 1, ("P", "M", "branch", None): 1,
        ("P", "D", "branch", None): 1,
        ("A", "After", "join", None): 1,
        ("B", "B1", "choice", "$.x is null"): 1, ("B", "B2", "default", "default"): 1,
        ("B1", "After", "join", None): 1,  # B2 and D fail the Parallel: no way on
        ("M", "M1", "branch", None): 1, ("M1", "M2", "branch", None): 1,
        ("M2", "After", "join", None): 1,  # through both Maps' End to P's Next
        ("After", "<end>", "end", None): 1,
    })
    nodes, edges = parse_mermaid(to_mermaid(g))
    ids = {n.name: n.id for n in g.nodes if n.name}
    assert (ids["M2"], ids["After"], "-->", None) in edges
    r = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert {f"{ids[a]}->{ids['After']}" for a in ("A", "B1", "M2")} <= svg_titles(r.stdout)


def test_a_parallel_whose_branches_all_fail_keeps_its_own_edge() -> None:
    doc = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Next": "N", "Branches": [
        {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}]}, "N": {"Type": "Succeed"}}}
    g = graph_of(doc)
    assert named_edges(g)[("P", "N", "next", None)] == 1
    assert not [e for e in g.edges if e.kind == "join"]


def test_four_branches_have_short_distinct_titles() -> None:
    long = "A" * 70
    doc = nested_doc()
    doc["States"] = {long: {**doc["States"].pop("P"), "Next": "After"}, **doc["States"]}
    doc["StartAt"] = long
    g = graph_of(doc)
    assert [c.label for c in g.clusters if c.depth == 1] == ["branch 1", "branch 2", "branch 3", "branch 4"]
    dot = to_dot(g)
    assert long not in "".join(line for line in dot.splitlines() if "label=\"branch" in line or "each item" in line)
    r = subprocess.run([dot_binary(), "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    texts = svg_texts(r.stdout)
    assert [t for t in texts if t.startswith("branch")] == ["branch 1", "branch 2", "branch 3", "branch 4"]


def test_nesting_levels_are_told_apart() -> None:
    g = graph_of(nested_doc())
    assert [(c.label, c.depth) for c in g.clusters] == [
        ("branch 1", 1), ("branch 2", 1), ("branch 3", 1), ("each item", 2), ("each item", 3), ("branch 4", 1)]
    assert len({level_colours(d) for d in (1, 2, 3)}) == 3  # each level its own fill
    assert level_colours(1) != level_colours(2) and level_colours(4) == level_colours(1)
    by_level = {1: "g1,g2,g3,g6", 2: "g4", 3: "g5"}
    mermaid = mermaid_lines(to_mermaid(g))
    for depth, ids in by_level.items():
        fill, stroke = level_colours(depth)
        assert f"  class {ids} level{depth}" in mermaid
        assert f"  classDef level{depth} fill:{fill},stroke:{stroke}" in mermaid
        for i in ids.split(","):
            assert f"  style {i} fill:{fill},stroke:{stroke}" in mermaid
    dot = to_dot(g)
    clusters = re.findall(r'subgraph "cluster_(g\d+)" \{\n\s*label="[^"]*";\n\s*style="dashed,filled"; '
                          r'fillcolor="(#[0-9a-f]{6})"; color="#[0-9a-f]{6}"; class="(level\d)";', dot)
    assert clusters == [(c.id, level_colours(c.depth)[0], f"level{c.depth}") for c in g.clusters]
    r = subprocess.run([dot_binary(), "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    ns = {"svg": "http://www.w3.org/2000/svg"}
    drawn = {g_.findtext("svg:title", namespaces=ns): g_.get("class")
             for g_ in ET.fromstring(r.stdout).iterfind(".//svg:g", ns) if "cluster" in (g_.get("class") or "")}
    assert drawn == {f"cluster_{c.id}": f"cluster {c.level}" for c in g.clusters}


# --------------------------------------------------------------------------- generated workflows
def asl_edges(doc: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    """Every edge the drawing of an ASL document has, by a walker of this test's own: a branch's
    ending states (End, Succeed) join where its Parallel or Map goes on, and then stand for that
    state's own Next or End; at the top, End, Succeed and Fail states end."""
    out: Counter[tuple[str, str, str]] = Counter()

    def finishes(sc: dict[str, Any]) -> bool:
        return any(st.get("End") is True or st["Type"] == "Succeed" for st in sc["States"].values())

    def scope(sc: dict[str, Any], after: str | None) -> None:
        for name, st in sc["States"].items():
            subs = st.get("Branches", []) + [st[k] for k in ("ItemProcessor", "Iterator") if k in st]
            joined = any(finishes(sub) for sub in subs)
            if joined:
                pass
            elif "Next" in st:
                out[(name, st["Next"], "next")] += 1
            elif after is None and (st.get("End") or st["Type"] in ("Succeed", "Fail")):
                out[(name, "<end>", "end")] += 1
            elif after is not None and (st.get("End") or st["Type"] == "Succeed"):
                out[(name, after, "join")] += 1
            if "Default" in st:
                out[(name, st["Default"], "default")] += 1
            for rule in st.get("Choices", []):
                out[(name, rule["Next"], "choice")] += 1
            for c in st.get("Catch", []):
                out[(name, c["Next"], "catch")] += 1
            for sub in subs:
                out[(name, sub["StartAt"], "branch")] += 1
                scope(sub, st.get("Next", after if after is not None else "<end>"))

    scope(doc, None)
    return out


def all_states(doc: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for name, st in doc["States"].items():
        found.append((name, st["Type"]))
        for sub in st.get("Branches", []) + [st[k] for k in ("ItemProcessor", "Iterator") if k in st]:
            found += all_states(sub)
    return found


_MERMAID_NODE = re.compile(r'^\s*(s\d+|t\d+|start|stop)(\(\(\(|\(\(|\[\[|\(\[|\[/|\(|\{|\[|>)"([^"]*)"(\)\)\)|\)\)|\]\]|\]\)|/\]|\)|\}|\])$')
_MERMAID_EDGE = re.compile(r'^  (\w+) (-->|-\.->|==>)(?:\|"([^"]*)"\|)? (\w+)$')
_MERMAID_SUBGRAPH = re.compile(r'^\s*subgraph (g\d+)\["([^"]*)"\]$')


def parse_mermaid(text: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str, str | None]]]:
    """Node id -> label lines, and the edges, of what to_mermaid writes; every line must be one
    of the forms it writes, with labels free of anything but entity codes."""
    lines = text.splitlines()
    if lines[0] == "---":  # the title, as front matter
        assert lines[2] == "---" and re.fullmatch(r'title: "(?:[^"\\]|\\.)*"', lines[1]), lines[:3]
        lines = lines[3:]
    assert lines[0] == "flowchart TD"
    nodes, edges = {}, []
    for line in lines[1:]:
        if m := _MERMAID_NODE.match(line):
            assert m.group(1) not in nodes
            nodes[m.group(1)] = [unescape_mermaid(part) for part in m.group(3).split("<br/>")]
        elif m := _MERMAID_EDGE.match(line):
            label = unescape_mermaid(m.group(3)) if m.group(3) is not None else None
            edges.append((m.group(1), m.group(4), m.group(2), label))
        elif (_MERMAID_SUBGRAPH.match(line) or line.strip() == "end" or line.startswith("  class")
              or re.fullmatch(r"  style g\d+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}", line)):
            pass
        else:
            raise AssertionError(f"not a line to_mermaid writes: {line!r}")
    return nodes, edges


def unescape_mermaid(text: str) -> str:
    assert not re.search(r'["<>\[\]{}|`\\;#&]', re.sub(r"#\d+;", "", text)), text
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


@given(workflows())
def test_generated_workflows_draw_every_state_and_edge(wf) -> None:
    doc = to_template(compile_workflow(wf).definition)
    g = graph_of(doc)
    states = all_states(doc)
    assert sorted((n.name, n.type) for n in g.nodes if n.kind == "state") == sorted(states)
    drawn = Counter((s, d, k) for s, d, k, _ in named_edges(g).elements() if k != "start")
    assert drawn == asl_edges(doc)
    assert [d for s, d, k, _ in named_edges(g).elements() if k == "start"] == [doc["StartAt"]]
    # Every subgraph is one level below the one it is drawn in.
    depth = {c.id: c.depth for c in g.clusters}
    assert all(c.depth == (depth[c.parent] + 1 if c.parent else 1) for c in g.clusters)
    # The Mermaid text says the same: every node with its name, every edge with its style.
    nodes, edges = parse_mermaid(to_mermaid(g))
    assert {i: lines[0] for i, lines in nodes.items()} == {n.id: n.lines[0] for n in g.nodes}
    arrows = {"catch": "-.->", "branch": "==>"}
    assert edges == [(e.src, e.dst, arrows.get(e.kind, "-->"), e.label) for e in g.edges]
    # Deterministic: the same document with its keys in reverse order draws the same text.
    assert to_mermaid(graph_of(reversed_keys(doc))) == to_mermaid(g)
    assert to_dot(graph_of(reversed_keys(doc))) == to_dot(g)


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


@given(workflows(max_depth=2, max_states=8))
def test_generated_workflows_lay_out_with_graphviz(wf) -> None:
    doc = to_template(compile_workflow(wf).definition)
    g = graph_of(doc)
    svg = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True,
                         timeout=60)
    assert svg.returncode == 0 and not svg.stderr, svg.stderr
    titles = svg_titles(svg.stdout)
    assert {n.id for n in g.nodes} <= titles
    assert {f"{e.src}->{e.dst}" for e in g.edges} <= titles


def svg_titles(svg: str) -> set[str]:
    ns = {"svg": "http://www.w3.org/2000/svg"}
    return {t.text or "" for t in ET.fromstring(svg).iterfind(".//svg:title", ns)}


def svg_texts(svg: str) -> list[str]:
    ns = {"svg": "http://www.w3.org/2000/svg"}
    return [t.text or "" for t in ET.fromstring(svg).iterfind(".//svg:text", ns)]


# --------------------------------------------------------------------------- awkward names
AWKWARD = ['a "quoted" name', "with space", "ünïcödé 名前", "[brackets]", "{braces}", "end",
           "subgraph", "a|b", "back\\slash", "#hash;", "<b>html</b>", "%%pct", "--> arrow",
           "semi;colon", "\\N", "graph", "x`tick", "amp&lt;", "o", "x"]


def awkward_doc() -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i, n in enumerate(AWKWARD[:-1]):
        states[n] = {"Type": "Pass", "Next": AWKWARD[i + 1]}
    states["end"] = {"Type": "Choice", "Choices": [
        {"Variable": '$["quote\\"d"]', "StringEquals": 'say "hi" | <b>', "Next": "subgraph"}],
        "Default": "subgraph"}
    states["a|b"]["Catch"] = [{"ErrorEquals": ['My"Error]'], "Next": "x"}]
    states["a|b"]["Type"] = "Task"
    states["a|b"]["Resource"] = "arn:aws:states:::lambda:invoke"
    states[AWKWARD[-1]] = {"Type": "Succeed"}
    return {"StartAt": AWKWARD[0], "States": states}


def test_awkward_names_are_safe_in_mermaid() -> None:
    doc = awkward_doc()
    g = graph_of(doc)
    nodes, edges = parse_mermaid(to_mermaid(g))
    assert sorted(lines[0] for i, lines in nodes.items() if i not in ("start", "stop")) == sorted(AWKWARD)
    labels = {lbl for *_, lbl in edges if lbl}
    assert labels == {'$["quote\\"d"] == "say \\"hi\\" | <b>"', "default", 'My"Error]'}
    assert all(re.fullmatch(r"s\d+|start|stop", i) for i in nodes)


def test_awkward_names_are_safe_in_dot() -> None:
    g = graph_of(awkward_doc())
    r = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    texts = svg_texts(r.stdout)
    for name in AWKWARD:
        assert name in texts, name
    assert 'My"Error]' in texts
    assert '$["quote\\"d"] == "say \\"hi\\" | <b>"' in texts


def test_awkward_names_through_the_command(tmp_path: Path) -> None:
    p = tmp_path / "awkward.asl.json"
    p.write_text(json.dumps(awkward_doc(), ensure_ascii=False), encoding="utf-8")
    r = flowdsl("graph", str(p), "--format", "svg")
    assert r.returncode == 0, r.stderr
    assert "ünïcödé 名前" in svg_texts(r.stdout)


def chain_of(names: list[str], value: str) -> dict[str, Any]:
    """Pass states named ``names`` in a chain, a Choice comparing with ``value``, a Succeed."""
    states: dict[str, Any] = {n: {"Type": "Pass", "Next": nxt} for n, nxt in zip(names, names[1:])}
    states[names[-1]] = {"Type": "Choice", "Default": names[0],
                         "Choices": [{"Variable": "$.v", "StringEquals": value, "Next": "\u2713"}]}
    states["\u2713"] = {"Type": "Succeed"}
    return {"StartAt": names[0], "States": states}


_NAMES = hs.lists(hs.text(min_size=1, max_size=12).filter(lambda n: n != "\u2713"),
                  min_size=1, max_size=6, unique=True)


@given(_NAMES, hs.text(max_size=12))
def test_any_name_survives_mermaid(names: list[str], value: str) -> None:
    g = graph_of(chain_of(names, value))
    nodes, edges = parse_mermaid(to_mermaid(g))
    assert sorted(lines[0] for i, lines in nodes.items() if i not in ("start", "stop")) == sorted(names + ["\u2713"])
    choice = next(label for *_, label in edges if label and label != "default")
    assert choice == condition_text({"Variable": "$.v", "StringEquals": value})[:59] + (
        "…" if len(condition_text({"Variable": "$.v", "StringEquals": value})) > 60 else "")


@given(hs.lists(hs.text(hs.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=12)
                .map(str.strip).filter(lambda n: n and n != "\u2713"), min_size=1, max_size=5, unique=True))
def test_any_printable_name_survives_dot(names: list[str]) -> None:
    g = graph_of(chain_of(names, "x"))
    r = subprocess.run([dot_binary(), "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    texts = [" ".join(t.split()) for t in svg_texts(r.stdout)]
    for name in names:
        assert " ".join(name.split()) in texts, name


# --------------------------------------------------------------------------- labels
@pytest.mark.parametrize("rule, text", [
    ({"Variable": "$.n", "NumericGreaterThan": 10}, "$.n > 10"),
    ({"Variable": "$.n", "NumericLessThanEqualsPath": "$.max"}, "$.n <= $.max"),
    ({"Variable": "$.kind", "StringEquals": "big"}, '$.kind == "big"'),
    ({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-01-01T00:00:00Z"},
     '$.t >= "2024-01-01T00:00:00Z"'),
    ({"Variable": "$.ok", "BooleanEquals": False}, "$.ok == false"),
    ({"Variable": "$.name", "StringMatches": "log-*.txt"}, '$.name matches "log-*.txt"'),
    ({"Variable": "$.x", "IsPresent": False}, "$.x is absent"),
    ({"Variable": "$.x", "IsNull": True}, "$.x is null"),
    ({"Variable": "$.x", "IsTimestamp": False}, "$.x is not a timestamp"),
    ({"Not": {"Variable": "$.x", "IsString": True}}, "not $.x is a string"),
    ({"And": [{"Variable": "$.a", "NumericEquals": 1},
              {"Or": [{"Variable": "$.b", "IsBoolean": True}, {"Variable": "$.c", "StringLessThan": "m"}]}]},
     '$.a == 1 and ($.b is a boolean or $.c < "m")'),
    ({"Condition": "{% $states.input.n > 1 %}"}, "$states.input.n > 1"),
])
def test_choice_conditions_in_short(rule: dict[str, Any], text: str) -> None:
    assert condition_text(rule) == text


def test_long_labels_are_cut() -> None:
    doc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "D", "Choices": [
            {"Variable": "$.a_rather_long_field_name", "StringEquals": "x" * 80, "Next": "D"}]},
        "D": {"Type": "Succeed"}}}
    label = next(e.label for e in graph_of(doc).edges if e.kind == "choice")
    assert label == '$.a_rather_long_field_name == "' + "x" * 28 + "…"


@pytest.mark.parametrize("resource, short", [
    ("arn:aws:states:::batch:submitJob.sync", "batch:submitJob.sync"),
    ("arn:${data.aws_partition.current.partition}:states:::lambda:invoke.waitForTaskToken",
     "lambda:invoke.waitForTaskToken"),
    ("arn:aws:lambda:us-east-1:123456789012:function:resize:prod", "lambda resize"),
    ("arn:aws:states:us-east-1:123456789012:activity:approve", "activity approve"),
    ("{% $states.input.arn %}", "{% $states.input.arn %}"),
])
def test_task_resources_in_short(resource: str, short: str) -> None:
    assert short_resource(resource) == short


def test_map_wait_and_retry_details() -> None:
    doc = {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "M"},
        "M": {"Type": "Map", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxDelaySeconds": 30, "JitterStrategy": "FULL",
                           "BackoffRate": 1.5}]}}}}}}
    g = graph_of(doc)
    assert g.node("W").lines == ("W", "Wait · $.delay s")
    assert g.node("M").lines == ("M", "Map (distributed)")
    assert g.node("T").lines == ("T", "Task · lambda:invoke", "retry 3×, 1 s, backoff 1.5, max 30 s, jitter:",
                                 "States.ALL")
    assert g.node("T").cluster == g.clusters[0].id
    assert g.clusters[0].label == "each item"
    assert named_edges(g)[("M", "T", "branch", None)] == 1
    assert named_edges(g)[("T", "<end>", "join", None)] == 1


def test_parallel_branches_are_numbered() -> None:
    doc = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}}}
    g = graph_of(doc)
    assert [c.label for c in g.clusters] == ["branch 1", "branch 2"]
    assert named_edges(g) == Counter({("<start>", "P", "start", None): 1, ("P", "A", "branch", None): 1,
                                      ("P", "B", "branch", None): 1, ("A", "<end>", "join", None): 1,
                                      ("B", "<end>", "join", None): 1})


# --------------------------------------------------------------------------- the command
def test_workflow_and_its_asl_draw_the_same_states(tmp_path: Path) -> None:
    """The workflow and its built definition draw the same states and edges; the workflow is
    titled with its name and entered through its queue and pipe, the ASL file with its file's
    name and nothing before Start (nothing deploys it)."""
    a = flowdsl("graph", "workflows/fibonacci.py", "--format", "dot")
    b = flowdsl("graph", "build/fibonacci/fibonacci.asl.json", "--format", "dot")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout.startswith("digraph {\n")

    def states_part(text: str) -> list[str]:
        return [line for line in text.splitlines() if '"t' not in line and not line.startswith("  label=")]

    assert states_part(a.stdout) == states_part(b.stdout)
    assert '  label="fibonacci"; labelloc=t; fontsize=18;' in a.stdout.splitlines()
    assert '  label="fibonacci.asl.json"; labelloc=t; fontsize=18;' in b.stdout.splitlines()
    assert [line for line in a.stdout.splitlines() if line.startswith('  "t')] == [
        '  "t1" [label="SQS queue\\n+ dead-letter queue", shape=cds, style=filled, fillcolor="#f1ecfa", '
        'color="#8e6bbf", class="trigger"];',
        '  "t2" [label="EventBridge Pipe", shape=cds, style=filled, fillcolor="#f1ecfa", color="#8e6bbf", '
        'class="trigger"];',
        '  "t1" -> "t2";', '  "t2" -> "start";']
    assert '"t1"' not in b.stdout


@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG\r\n\x1a\n")])
def test_images(tmp_path: Path, fmt: str, magic: bytes) -> None:
    dot_binary()
    out = tmp_path / f"fib.{fmt}"
    r = flowdsl("graph", "workflows/fibonacci.py", "--format", fmt, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"wrote {out}\n"
    assert magic in out.read_bytes()[:400]


def test_format_from_the_extension() -> None:
    assert [pick_format(None, f) for f in ("a.svg", "a.PNG", "a.dot", "a.gv", "a.mmd", None)] == [
        "svg", "png", "dot", "dot", "mermaid", "mermaid"]
    assert pick_format("dot", "a.svg") == "dot"


def test_out_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "fib.mmd"
    r = flowdsl("graph", "workflows/fibonacci.py", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") == flowdsl("graph", "workflows/fibonacci.py").stdout
    assert [p.name for p in tmp_path.iterdir()] == ["fib.mmd"]


def assert_one_line_failure(r: subprocess.CompletedProcess[str], line: str) -> None:
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr == line + "\n"
    assert r.stdout == ""


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_failure(flowdsl("graph", str(tmp_path / "nope.py")), f"{tmp_path / 'nope.py'}: no such file")
    assert_one_line_failure(flowdsl("graph", str(tmp_path / "nope.json")), f"{tmp_path / 'nope.json'}: no such file")


def test_unknown_format() -> None:
    r = flowdsl("graph", "workflows/fibonacci.py", "--format", "jpeg")
    assert r.returncode == 2  # a usage error, as typer reports a value outside an option's choices
    assert "Invalid value for '--format' / '-f'" in r.stderr and "Traceback" not in r.stderr


def test_graphviz_missing(tmp_path: Path) -> None:
    out = tmp_path / "fib.svg"
    r = flowdsl("graph", "workflows/fibonacci.py", "--out", str(out), env={"PATH": str(tmp_path)})
    assert_one_line_failure(r, "error: svg and png need Graphviz's 'dot' program, which is not on PATH: "
                               "install Graphviz (apt-get install graphviz, brew install graphviz, or "
                               "https://graphviz.org/download/), or use --format mermaid or dot")
    assert not out.exists()
    r = flowdsl("graph", "workflows/fibonacci.py", "--format", "dot", env={"PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr


def test_invalid_asl_is_reported_not_drawn(tmp_path: Path) -> None:
    p = tmp_path / "bad.asl.json"
    p.write_text('{\n  "StartAt": "A",\n  "States": {\n'
                 '    "A": {"Type": "Choice", "Default": "Nowhere",\n'
                 '          "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "B"}]},\n'
                 '    "B": {"Type": "Succeed"}\n  }\n}\n')
    r = flowdsl("graph", str(p), "--out", str(tmp_path / "bad.mmd"))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"{p}:4: $.States.A.Default: there is no state named 'Nowhere'"), lines
    assert lines[1:] == ["error: 1 problem(s); nothing was drawn"]
    assert not (tmp_path / "bad.mmd").exists()


def test_not_json_and_not_an_object(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{"StartAt": ')
    assert_one_line_failure(flowdsl("graph", str(p)), f"{p}:1:13: not valid JSON: Expecting value")
    p.write_text("[1, 2]")
    assert_one_line_failure(flowdsl("graph", str(p)), f"{p}: an ASL document is a JSON object, not list")


def test_invalid_workflow_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.py"
    p.write_text('from flowdsl import Pass, Workflow\n\n'
                 'workflow = Workflow("bad", states=[\n    Pass("A", input_path="nope"),\n])\n')
    r = flowdsl("graph", str(p))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{p}:4: $.States.A.InputPath: 'nope' is not a JSONPath: it must start with '$' [bad-path]",
        "error: 1 problem(s); nothing was drawn"]


def test_out_into_a_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "no" / "fib.mmd"
    assert_one_line_failure(flowdsl("graph", "workflows/fibonacci.py", "--out", str(out)),
                            f"error: {out}: the folder {out.parent} does not exist")


def test_a_file_with_several_workflows_needs_name(tmp_path: Path) -> None:
    p = tmp_path / "two.py"
    p.write_text('from flowdsl import Pass, Succeed, Workflow\n\n'
                 'a = Workflow("a", states=[Pass("A1"), Succeed("A2")])\n'
                 'b = Workflow("b", states=[Succeed("B1")])\n')
    assert_one_line_failure(flowdsl("graph", str(p)),
                            f"{p}: defines several workflows (a, b); choose one with --name")
    r = flowdsl("graph", str(p), "--name", "b")
    assert r.returncode == 0, r.stderr
    nodes, edges = parse_mermaid(r.stdout)
    assert [lines[0] for lines in nodes.values()] == ["Start", "B1", "End"]
    assert edges == [("start", "s1", "-->", None), ("s1", "stop", "-->", None)]


def test_every_accepted_corpus_definition_draws(shared: Path) -> None:
    """The asl-validator corpus and LocalStack's recorded definitions: each valid one draws,
    with every state and edge, and Graphviz lays all of them out without a warning."""
    from flowdsl.validate import validate

    docs = [json.loads(p.read_text()) for p in sorted((shared / "conformance" / "asl-validator").glob("valid*.json"))]
    for line in (shared / "conformance" / "localstack" / "pure.jsonl").read_text().splitlines():
        definition = json.loads(line)["definition"]
        docs.append(json.loads(definition) if isinstance(definition, str) else definition)
    docs = [d for d in docs if not validate(d)]
    assert len(docs) > 900
    dots = []
    for doc in docs:
        g = graph_of(doc)
        assert sorted((n.name, n.type) for n in g.nodes if n.kind == "state") == sorted(all_states(doc))
        drawn = Counter((s, d, k) for s, d, k, _ in named_edges(g).elements() if k != "start")
        assert drawn == asl_edges(doc)
        parse_mermaid(to_mermaid(g))
        dots.append(to_dot(g))
    r = subprocess.run([dot_binary(), "-Tplain"], input="".join(dots), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stderr == "", r.stderr[:2000]
    assert r.stdout.count("\nnode stop ") == len(docs)  # one laid-out graph per definition
