"""Shared loader/runner for the recorded AWS conformance corpus (../shared/conformance/localstack)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowdsl.run import RunError, execute

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "localstack" / "pure.jsonl"


def load_cases() -> list[dict[str, Any]]:
    with CORPUS.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def strict_equal(a: Any, b: Any) -> bool:
    """JSON equality that keeps booleans and numbers apart (Python has True == 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def expected_visited(case: dict[str, Any]) -> list[str] | None:
    events = case.get("expected_events")
    if not events:
        return None
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str


def run_case(case: dict[str, Any]) -> Outcome:
    try:
        result = execute(case["definition"], case["input"])
    except RunError as exc:
        return Outcome(False, f"RunError: {exc}")
    if result.status != case["expected_status"]:
        return Outcome(False, f"status {result.status} ({result.error}: {result.cause}) != {case['expected_status']}")
    if result.status == "SUCCEEDED":
        if not strict_equal(result.output, case.get("expected_output")):
            return Outcome(False, f"output {json.dumps(result.output)[:300]} != {json.dumps(case.get('expected_output'))[:300]}")
    else:
        expected_error = (case.get("expected_error") or {}).get("error")
        if result.error != expected_error:
            return Outcome(False, f"error {result.error!r} ({result.cause}) != {expected_error!r}")
    visited = expected_visited(case)
    if visited is not None and visited != result.visited:
        return Outcome(False, f"visited {result.visited} != {visited}")
    return Outcome(True, "")
