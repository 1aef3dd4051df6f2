"""The table of what Step Functions offers, against the catalog's integrations."""

from __future__ import annotations

from flowdsl.tasks.registry import specs
from flowdsl.tasks.offered import OFFERED, offered

def test_every_catalog_integration_is_offered_with_the_same_patterns() -> None:
    differ = {name: (spec.patterns, offered(name)) for name, spec in specs().items()
              if set(spec.patterns) != set(offered(name) or ())}
    assert differ == {}


def test_offered() -> None:
    assert offered("elasticmapreduce:addStep") == ("", ".sync")
    assert offered("states:startExecution") == ("", ".sync", ".sync:2", ".waitForTaskToken")
    assert offered("http:invoke") == ("",)
    assert offered("nosuch:thing") is None
    assert all(p in ("", ".sync", ".sync:2", ".waitForTaskToken")
               for patterns in OFFERED.values() for p in patterns)
