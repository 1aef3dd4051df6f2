"""Strategies for typed data flow: JSON values of a shape, the execution inputs a workflow's
declared shape allows (``inputs_for``), random declared shapes, and random workflows whose
paths read a declared input (``typed_workflows``: most paths are right, some misspelt, some
read an optional field with or without a Choice that makes sure of it).

Example::

    from hypothesis import given, strategies as st
    from flowdsl.testing import run
    from flowdsl.testing.strategies.shapes import inputs_for

    @given(inputs_for(workflow))
    def test_any_declared_input_runs(execution_input):
        assert run(workflow, execution_input, mocks=...).succeeded
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from flowdsl.shapes import UNKNOWN, Arr, Lazy, Obj, Scalar, Shape, Tup, Union, force, shape_of

_NAMES = st.sampled_from(["id", "name", "kind", "count", "items", "owner", "tags", "note", "size", "when"])
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
_ANY = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                    max_leaves=6)


def values(shape: Shape, max_items: int = 3) -> st.SearchStrategy[Any]:
    """JSON values that have ``shape`` (an unknown part is any JSON value)."""
    shape = force(shape) if not isinstance(shape, Lazy) else UNKNOWN
    if shape is UNKNOWN:
        return _ANY
    if isinstance(shape, Union):
        return st.one_of(*(values(m, max_items) for m in shape.members))
    if isinstance(shape, Scalar):
        if shape.content is not None:
            return values(shape.content, max_items).map(json.dumps)
        return {"string": st.text(max_size=10), "integer": st.integers(-10**6, 10**6),
                "number": st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False)),
                "boolean": st.booleans(), "null": st.none()}[shape.kind]
    if isinstance(shape, Tup):
        return st.tuples(*(values(s, max_items) for s in shape.items)).map(list)
    if isinstance(shape, Arr):
        return st.lists(values(shape.item, max_items), max_size=max_items)
    if isinstance(shape, Obj):
        required = {k: values(f.shape, max_items) for k, f in shape.fields.items() if f.required is not False}
        optional = {k: values(f.shape, max_items) for k, f in shape.fields.items() if f.required is False}
        base = st.fixed_dictionaries(required, optional=optional)
        if shape.rest is None:
            return base
        extra = st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: k not in shape.fields),
                                values(shape.rest, max_items), max_size=2)
        return st.tuples(base, extra).map(lambda pair: {**pair[1], **pair[0]})
    return _ANY


def inputs_for(workflow: Any) -> st.SearchStrategy[Any]:
    """Execution inputs of ``workflow`` as its trigger delivers them, the message drawn from its
    declared ``input=`` shape (an on-demand job: a list of SQS records whose body is that
    message as JSON; an event job: the envelope; no deployment: the message itself)."""
    from flowdsl.deployments import kind_of

    declared = getattr(workflow, "input", None)
    kind = kind_of(workflow.deployment) if workflow.deployment is not None else None
    schema = kind.input_schema(workflow.deployment, declared) if kind is not None else declared
    return values(UNKNOWN if schema is None else shape_of(schema, "Workflow.input"))


# ------------------------------------------------------------------------------ declared shapes

def _scalar_schema() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from([{"type": "string"}, {"type": "integer"}, {"type": "number"},
                            {"type": "boolean"}, {"type": ["string", "null"]}])


def schemas(max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """Random JSON Schemas of objects: fields of scalars, arrays, tuples and nested objects,
    required or optional, closed (``additionalProperties: false``) or open."""
    def obj(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.tuples(st.dictionaries(_NAMES, inner, min_size=1, max_size=4), st.data(), st.booleans()).map(
            lambda t: {"type": "object", "properties": t[0],
                       "required": sorted(k for i, k in enumerate(t[0]) if i % 2 == 0 or len(t[0]) == 1),
                       **({"additionalProperties": False} if t[2] else {})})

    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(
            obj(inner),
            inner.map(lambda s: {"type": "array", "items": s}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"type": "array", "prefixItems": xs,
                                                                    "items": False}),
        )

    leaf = _scalar_schema()
    nested = leaf
    for _ in range(max_depth):
        nested = st.one_of(leaf, extend(nested))
    return obj(nested)


# ------------------------------------------------------------------------------ typed workflows

def paths_of(shape: Shape, prefix: str = "$", depth: int = 3) -> list[tuple[str, Shape, bool]]:
    """Reference paths into ``shape`` (no index into an array of unknown length), each with the
    shape it reaches and whether every field on the way is required."""
    out: list[tuple[str, Shape, bool]] = []
    shape = force(shape)
    if depth == 0:
        return out
    if isinstance(shape, Obj):
        for k, f in shape.fields.items():
            here = f"{prefix}.{k}"
            out.append((here, f.shape, f.required is not False))
            out += [(p, s, sure and f.required is not False) for p, s, sure in paths_of(f.shape, here, depth - 1)]
    elif isinstance(shape, Tup):
        for i, s in enumerate(shape.items):
            here = f"{prefix}[{i}]"
            out.append((here, s, True))
            out += paths_of(s, here, depth - 1)
    return out


@st.composite
def typed_workflows(draw: Any, max_states: int = 4) -> Any:
    """``(workflow, schema)``: a workflow with ``input=schema`` whose Pass, Choice and Map
    states read paths into it (kept beside the input with ResultPath); some paths misspelt."""
    from flowdsl import Choice, Map, Pass, Succeed, When, Workflow
    from flowdsl.conditions import is_present

    schema = draw(schemas())
    shape = shape_of(schema)
    paths = paths_of(shape)
    states: list[Any] = []
    for i in range(draw(st.integers(1, max_states))):
        what = draw(st.sampled_from(["read", "guarded", "map", "misspelt"]))
        if what == "map":
            arrays = [p for p, s, _ in paths if isinstance(force(s), (Arr, Tup))]
            if arrays:
                items = draw(st.sampled_from(arrays))
                item = next(s for p, s, _ in paths if p == items)
                inner = [p for p, _, _ in paths_of(force(item).item if isinstance(force(item), (Arr, Tup)) else UNKNOWN)]
                read = {"v.$": draw(st.sampled_from(inner))} if inner and draw(st.booleans()) else None
                states.append(Map(f"Map{i}", items_path=items, processor=[Pass(f"Item{i}", parameters=read)],
                                  result_path=f"$.r{i}"))
                continue
            what = "read"
        named = [p for p, _, _ in paths if not p.endswith("]")]
        if what == "misspelt" and named:
            path = draw(st.sampled_from(named))
            states.append(Pass(f"Read{i}", parameters={"v.$": path + "x"}, result_path=f"$.r{i}"))
        elif what == "guarded" and paths:
            path = draw(st.sampled_from([p for p, _, _ in paths]))
            states.append(Choice(f"Check{i}", choices=[When(is_present(path, True), next=(
                Pass(f"Has{i}", parameters={"v.$": path}, result_path=f"$.r{i}"), Succeed(f"Done{i}")))],
                default=Succeed(f"Absent{i}")))
            break
        elif paths:
            path = draw(st.sampled_from([p for p, _, _ in paths]))
            states.append(Pass(f"Read{i}", parameters={"v.$": path}, result_path=f"$.r{i}"))
        else:
            states.append(Pass(f"Read{i}"))
    return Workflow("typed", states=states, input=schema), schema


__all__ = ["inputs_for", "paths_of", "schemas", "typed_workflows", "values"]
