"""Hypothesis strategies: dummy values for references, raw ASL."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from flowdsl.asl import compile_workflow
from flowdsl.placeholders import iter_refs
from flowdsl.refs import DataAttr, ResourceAttr, Var
from flowdsl.placeholders import resolve

from flowdsl.testing.strategies._base import _ints
from flowdsl.testing.strategies.context import _DATA_VALUES, _VARIABLES
from flowdsl.testing.strategies.states import workflows


def dummy_values(definition: Any) -> dict[str, Any]:
    """Concrete stand-ins for every reference in a compiled definition, by address."""
    out: dict[str, Any] = {}
    for ref in iter_refs(definition):
        if isinstance(ref, Var):
            out[ref.address] = _VARIABLES.get(ref.name, f"dummy-{ref.name}")
        elif isinstance(ref, DataAttr):
            out[ref.address] = _DATA_VALUES.get(ref.address, "dummy")
        elif isinstance(ref, ResourceAttr):
            if ref.type == "aws_ecs_task_definition":
                out[ref.address] = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{ref.name}:1"
            elif ref.type == "aws_batch_job_definition":
                tail = ":1" if ref.attribute == "arn" else ""
                out[ref.address] = f"arn:aws:batch:us-east-1:123456789012:job-definition/{ref.name}{tail}"
            else:
                out[ref.address] = f"arn:aws:{ref.type}:us-east-1:123456789012:{ref.name}"
    return out


def resolve_dummy(definition: Any) -> Any:
    """The compiled definition as plain JSON, references replaced by ``dummy_values``."""
    return resolve(definition, dummy_values(definition))


def _shuffled(doc: Any, rnd: random.Random) -> Any:
    if isinstance(doc, dict):
        items = [(k, _shuffled(v, rnd)) for k, v in doc.items()]
        if "States" in doc or "Type" in doc:  # shuffle the state order and the key order
            rnd.shuffle(items)
        out = dict(items)
        if isinstance(out.get("States"), dict):
            names = list(out["States"])
            rnd.shuffle(names)
            out["States"] = {n: out["States"][n] for n in names}
        return out
    if isinstance(doc, list):
        return [_shuffled(v, rnd) for v in doc]
    return doc


@st.composite
def asl_definitions(draw: Any, max_depth: int = 2, max_states: int = 12) -> dict[str, Any]:
    """Raw ASL documents (plain JSON), with states and keys in shuffled order."""
    wf = draw(workflows(max_depth=max_depth, max_states=max_states))
    doc = resolve_dummy(compile_workflow(wf).definition)
    return _shuffled(doc, random.Random(draw(_ints(0, 2**16))))
