"""`flowdsl import` wall time on deep and wide definitions: the whole process, best of three.

Run: python bench/bench_import.py   (prints a markdown table; figures go into README.md)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nested_parameters(levels: int) -> str:
    return ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Parameters": '
            + '{"a": ' * levels + '{"x": 1}' + "}" * levels + "}}}")


def nested(kind: str, levels: int) -> str:
    state = '{"Type": "Pass", "End": true}'
    for i in range(levels):
        inner = '{"StartAt": "S%d", "States": {"S%d": %s}}' % (i, i, state)
        state = ('{"Type": "Parallel", "End": true, "Branches": [%s]}' % inner if kind == "parallel"
                 else '{"Type": "Map", "End": true, "ItemProcessor": %s}' % inner)
    return '{"StartAt": "P", "States": {"P": %s}}' % state


def wide(states: int) -> str:
    doc = {"StartAt": "S0", "States": {
        f"S{i}": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": f"arn:aws:lambda:us-east-1:123456789012:function:f{i % 50}",
                                 "Payload.$": "$"},
                  **({"Next": f"S{i + 1}"} if i + 1 < states else {"End": True})}
        for i in range(states)}}
    return json.dumps(doc)


CASES = [
    ("Parameters nested 10,000 levels", nested_parameters(10_000)),
    ("Parameters nested 19,990 levels", nested_parameters(19_990)),
    ("Parallel nested 500 levels", nested("parallel", 500)),
    ("Map nested 2,000 levels", nested("map", 2_000)),
    ("5,000 Lambda tasks in sequence", wide(5_000)),
]


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("| definition | import | build of the generated file |")
    print("|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (label, text) in enumerate(CASES):
            src = Path(tmp) / f"case{n}.asl.json"
            src.write_text(text)
            times = []
            for command in (["import", str(src), "--out", f"{tmp}/case{n}.py", "--force"],
                            ["build", f"{tmp}/case{n}.py", "--out", f"{tmp}/out"]):
                best = float("inf")
                for _ in range(3):
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "flowdsl", *command], env=env,
                                   check=True, capture_output=True)
                    best = min(best, time.perf_counter() - start)
                times.append(best)
            print(f"| {label} | {times[0]:.2f} s | {times[1]:.2f} s |")


if __name__ == "__main__":
    main()
