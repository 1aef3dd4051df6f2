"""Compile-plus-validate time for large generated workflows, and the CLI build's wall time.

Run: python bench/bench_compile.py   (prints a markdown table; figures go into README.md)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flowdsl import (Catch, Choice, Map, Parallel, Pass, Retry, Succeed, Task, Wait, When,  # noqa: E402
                     Workflow, numeric_greater_than, string_equals)
from flowdsl.build import check  # noqa: E402

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def block(prefix: str) -> list:
    """Ten states: a Task with Retry/Catch, a Choice, a Parallel holding a Map, and so on."""
    recover = Pass(f"{prefix}Recover", result_path="$.recovered")
    return [
        Task(f"{prefix}Work", resource=LAMBDA, parameters={"id.$": "$.id", "n": 1},
             retry=[Retry(["States.Timeout"], interval_seconds=2, max_attempts=3, backoff_rate=2)],
             catch=[Catch(["States.ALL"], next=(recover, f"{prefix}Fanout"), result_path="$.error")]),
        Choice(f"{prefix}Route", choices=[
            When(string_equals("$.kind", "big"), next=f"{prefix}Fanout"),
            When(numeric_greater_than("$.n", 3), next=f"{prefix}Fanout"),
        ], default=f"{prefix}Fanout"),
        Parallel(f"{prefix}Fanout", branches=[
            [Pass(f"{prefix}Left", parameters={"x.$": "States.Format('{}', $.id)"})],
            [Map(f"{prefix}Each", items_path="$.items", max_concurrency=4,
                 processor=[Wait(f"{prefix}Pause", seconds=1), Pass(f"{prefix}Item")])],
        ], result_path="$.fanout"),
        Pass(f"{prefix}Tidy", output_path="$"),
        Pass(f"{prefix}Next", result_path="$.step"),
    ]


def workflow(states: int) -> Workflow:
    blocks = max(1, states // 10)
    items: list = []
    for i in range(blocks):
        items += block(f"B{i}")
    return Workflow(f"bench{states}", states=items + [Succeed("Done")])


def count_states(definition: dict) -> int:
    n = 0
    for st in definition["States"].values():
        n += 1
        for b in st.get("Branches", []):
            n += count_states(b)
        if "ItemProcessor" in st:
            n += count_states(st["ItemProcessor"])
    return n


def time_check(states: int, repeat: int = 3) -> tuple[int, float]:
    wf = workflow(states)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        compiled, diagnostics = check(wf)
        best = min(best, time.perf_counter() - t0)
        # 10,000 states are past AWS's 1 MB definition limit, which validation reports; the
        # benchmark measures the work, so that one diagnostic is expected.
        assert all(d.code == "definition-size" for d in diagnostics), diagnostics[:3]
    return count_states(compiled.definition), best


def time_cli(repeat: int = 7) -> float:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "flowdsl", "build", "workflows/fibonacci.py", "--out", out]
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
            runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    rows = [time_check(n) for n in (1_000, 10_000, 20_000)]
    print("| states | compile + validate (s) | states/s |")
    print("|---:|---:|---:|")
    for n, t in rows:
        print(f"| {n:,} | {t:.3f} | {n / t:,.0f} |")
    (_, t1), (_, t2) = rows[1], rows[2]
    print(f"\ndoubling 10k -> 20k states: {t2 / t1:.2f}x the time (target <= 2.2x)")
    print(f"`flowdsl build workflows/fibonacci.py` wall time (median of 7): {time_cli():.3f} s "
          "(target < 0.3 s)")


if __name__ == "__main__":
    main()
