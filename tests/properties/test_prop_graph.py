"""Property 4: graph shape of the compiled document, checked by a walker of our own; and the
drawing of any deployed workflow: titled with its name, entered through its kind's trigger."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings

from _prop_helpers import count_asl_states, graph_problems, model_state_names
from flowdsl.asl import compile_workflow
from flowdsl.deployments import kind_of
from flowdsl.graph import drawing_of, to_dot, to_mermaid
from flowdsl.testing.strategies import workflows


@given(workflows())
def test_compiled_graph_shape(wf):
    doc = compile_workflow(wf).definition
    assert graph_problems(doc) == []
    names = model_state_names(wf)
    assert len(names) == len(set(names))
    assert count_asl_states(doc) == len(names)


@settings(max_examples=40, deadline=None)
@given(workflows(max_depth=2, max_states=6, deployment=True))
def test_deployed_workflows_draw_their_name_and_trigger(wf):
    g = drawing_of(wf).graph()
    assert g.title == wf.name
    parts = [n for n in g.nodes if n.kind == "trigger"]
    assert len(parts) == len(kind_of(wf.deployment).trigger(wf.deployment))
    # The parts are a chain that ends in the start marker, and nothing else enters them.
    chain = [(e.src, e.dst) for e in g.edges if e.kind == "trigger"]
    assert chain == [(a.id, b.id) for a, b in zip(parts, [*parts[1:], g.node_by_id("start")])] if parts else chain == []
    assert not [e for e in g.edges if e.dst in {p.id for p in parts} and e.kind != "trigger"]
    mermaid = to_mermaid(g).splitlines()
    assert mermaid[:3] == ["---", f'title: "{wf.name}"', "---"]
    dot = shutil.which("dot")
    if dot is None:
        pytest.fail("this test needs Graphviz's dot: apt-get install graphviz")
    r = subprocess.run([dot, "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
