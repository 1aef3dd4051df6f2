"""Property 2: every generated valid workflow compiles, and ``check`` finds nothing wrong."""

from __future__ import annotations

from hypothesis import given

from flowdsl.build import check
from flowdsl.testing.strategies import workflows


@given(workflows())
def test_valid_workflows_have_no_diagnostics(wf):
    compiled, diagnostics = check(wf)
    assert [d.render() for d in diagnostics] == []
    assert compiled.definition["StartAt"] in compiled.definition["States"]
