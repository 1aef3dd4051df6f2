"""Safe deploys and alarms drawn by the strategies: every drawn deployment builds, and its module
holds what its ``alias`` and ``alarms`` ask for (the Terraform validate of drawn modules is
test_prop_terraform.py)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from flowdsl.build import build
from flowdsl.deployments import Alarms, Alias
from flowdsl.testing.strategies import workflows

DEPLOYED = workflows(max_depth=1, max_states=6, deployment=True)


def merged(wf: Any, kind: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, text in build(wf).files.items():
        if name.endswith(".tf.json"):
            for type_, named in json.loads(text).get(kind, {}).items():
                out.setdefault(type_, {}).update(named)
    return out


def check(wf: Any) -> None:
    """The module holds what the deployment's ``alias`` and ``alarms`` ask for."""
    d = wf.deployment
    resources, variables = merged(wf, "resource"), merged(wf, "variable")
    machine = resources["aws_sfn_state_machine"]["state_machine"]
    if d.alias is None:
        assert "publish" not in machine and "aws_sfn_alias" not in resources
    else:
        assert machine["publish"] is True
        assert resources["aws_sfn_alias"]["state_machine"]["name"] == d.alias.name
        assert ("canary_percent" in variables) is (d.alias.canary is not None)
    alarms = resources.get("aws_cloudwatch_metric_alarm", {})
    if d.alarms is None:
        assert alarms == {}
    else:
        assert len(alarms) >= 4  # the state machine's four, and its trigger's
        for alarm in alarms.values():
            assert alarm.get("ok_actions", []) == (alarm["alarm_actions"] if d.alarms.ok_actions else [])


def option(d: Any) -> tuple[str, str]:
    alias = ("none" if d.alias is None else "canary" if d.alias.canary else
             "default" if d.alias == Alias() else "named")
    alarms = "none" if d.alarms is None else "default" if d.alarms == Alarms(d.alarms.topic) else "tuned"
    return alias, alarms


def test_drawn_deployments_build_their_alias_canary_and_alarms() -> None:
    seen: list[tuple[str, str]] = []

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(DEPLOYED)
    def draw(wf: Any) -> None:
        check(wf)
        seen.append(option(wf.deployment))

    draw()
    # the strategies draw each option (derandomized: the same draws each run)
    assert {a for a, _ in seen} == {"none", "default", "canary", "named"}, seen
    assert {a for _, a in seen} == {"none", "default", "tuned"}, seen
