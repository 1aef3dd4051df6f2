"""Property 4: graph shape of the compiled document, checked by a walker of our own."""

from __future__ import annotations

from hypothesis import given

from _prop_helpers import count_asl_states, graph_problems, model_state_names
from flowdsl.asl import compile_workflow
from flowdsl.testing.strategies import workflows


@given(workflows())
def test_compiled_graph_shape(wf):
    doc = compile_workflow(wf).definition
    assert graph_problems(doc) == []
    names = model_state_names(wf)
    assert len(names) == len(set(names))
    assert count_asl_states(doc) == len(names)
