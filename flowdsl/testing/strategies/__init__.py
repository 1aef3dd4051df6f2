"""Hypothesis strategies for flowdsl workflows, for property tests of flowdsl and of your own code.

* ``workflows()`` -- valid random workflows: every state type with its fields, nested Parallel,
  Map and Choice, Retry/Catch with targets outside the main sequence, data-flow fields,
  intrinsic functions and JSONata in payloads, Lambda and Batch tasks with deploy-time
  references (``var``, ``join``, ``JobDefinition.arn``). State names are unique in the whole
  workflow. Every one compiles, and ``flowdsl.build.check`` finds nothing wrong with it.
* ``invalid_workflows()`` -- a valid workflow with one named mutation, as ``Mutated(workflow,
  mutation, expected_code)``: ``check`` must report at least one diagnostic with that code.
* ``asl_definitions()`` -- raw ASL documents (plain JSON, references resolved to dummy values,
  states listed in a shuffled order), for testing the importer.

Example::

    from hypothesis import given
    from flowdsl.build import check
    from flowdsl.testing.strategies import workflows

    @given(workflows(max_depth=1, max_states=6))
    def test_my_linter_accepts_valid_workflows(wf):
        compiled, diagnostics = check(wf)
        assert my_linter(compiled.definition) == []

Examples shrink toward short sequences of ``Pass`` states named ``Pass1``, ``Pass2``, ...
"""

from __future__ import annotations

from flowdsl.testing.strategies.dummies import asl_definitions, dummy_values, resolve_dummy
from flowdsl.testing.strategies.invalid import MUTATIONS, Mutated, invalid_workflows
from flowdsl.testing.strategies.leaves import (
    intrinsic_calls,
    json_paths,
    json_values,
    jsonata_expressions,
    reference_paths,
)
from flowdsl.testing.strategies.references import payloads
from flowdsl.testing.strategies.states import workflows
from flowdsl.testing.strategies import pretty as _pretty  # noqa: F401  (registers the printers)

__all__ = [
    "MUTATIONS",
    "Mutated",
    "asl_definitions",
    "dummy_values",
    "intrinsic_calls",
    "invalid_workflows",
    "json_values",
    "jsonata_expressions",
    "json_paths",
    "payloads",
    "reference_paths",
    "resolve_dummy",
    "workflows",
]
