"""Time and peak memory of the commands on deeply nested definitions: `validate`, `import`,
`graph` and `run` of an ASL file, and `build` of the workflow file `import` wrote, at 1,000,
2,000 and 4,000 levels of Parallel nesting and of Parameters nesting; and `validate` and `run`
of a Pass state whose ResultPath is five keys deep per level (`$.a.a.a.a.a...`: 20,000 keys at
4,000 levels), which the run sets into the state's input. Each command is one whole process;
its peak memory is the process's maximum resident set (from `wait4`), its time the wall time.

Run: python bench/bench_depth.py [--against DIR] [--levels 1000,2000,4000]
[--shapes Parallel,Parameters,ResultPath] (prints a markdown table; figures go into README.md).
`--against DIR` runs another checkout's flowdsl in the same run, command by command, so the two
columns are comparable.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nested_parallel(levels: int) -> str:
    state = '{"Type": "Pass", "End": true}'
    for i in range(levels):
        inner = '{"StartAt": "S%d", "States": {"S%d": %s}}' % (i, i, state)
        state = '{"Type": "Parallel", "End": true, "Branches": [%s]}' % inner
    return '{"StartAt": "P", "States": {"P": %s}}' % state


def nested_tasks(levels: int) -> str:
    """Parallel nesting with a Lambda task before each inner Parallel: each level has a
    deploy-time reference (the Resource's partition) and IAM to derive."""
    state = '{"Type": "Pass", "End": true}'
    for i in range(levels):
        task = ('{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "S%d", '
                '"Parameters": {"FunctionName": "f%d", "Payload.$": "$"}}' % (i, i))
        inner = '{"StartAt": "T%d", "States": {"T%d": %s, "S%d": %s}}' % (i, i, task, i, state)
        state = '{"Type": "Parallel", "End": true, "Branches": [%s]}' % inner
    return '{"StartAt": "P", "States": {"P": %s}}' % state


def nested_parameters(levels: int) -> str:
    return ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Parameters": '
            + '{"a": ' * levels + '{"x": 1}' + "}" * levels + "}}}")


def deep_result_path(levels: int) -> str:
    return ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true, '
            '"ResultPath": "$' + ".a" * (RESULT_PATH_KEYS * levels) + '"}}}')


RESULT_PATH_KEYS = 5  # keys of the ResultPath per level

SHAPES = {"Parallel": nested_parallel, "Tasks": nested_tasks, "Parameters": nested_parameters,
          "ResultPath": deep_result_path}
# what each shape measures, when not every command (Tasks: the build's references and IAM, of
# the file import writes; ResultPath: the run's evaluation)
COMMANDS = {"Tasks": ("import", "build"), "ResultPath": ("validate", "run")}


def measure(checkout: Path, args: list[str], cwd: str) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB, exit status) of ``python -m flowdsl ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "flowdsl", *args], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def commands(src: str, py: str, out: str) -> list[tuple[str, list[str]]]:
    return [("validate", ["validate", src]),
            ("import", ["import", src, "--out", py, "--force"]),
            ("graph", ["graph", src]),
            ("build", ["build", py, "--out", out]),
            ("run", ["run", src, "--input", "{}"])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", type=Path, help="another checkout to time in the same run")
    parser.add_argument("--levels", default="1000,2000,4000")
    parser.add_argument("--shapes", default="Parallel,Tasks,Parameters,ResultPath")
    opts = parser.parse_args()
    levels = [int(x) for x in opts.levels.split(",")]
    checkouts = [("", ROOT)] + ([("before: ", opts.against.resolve())] if opts.against else [])
    header = "| nesting | levels | command |" + "".join(
        f" {label}time | {label}peak memory |" for label, _ in checkouts)
    print(header)
    print("|---|---:|---|" + "---:|---:|" * len(checkouts))
    with tempfile.TemporaryDirectory() as tmp:
        for shape in opts.shapes.split(","):
            for n in levels:
                src = str(Path(tmp) / f"{shape}{n}.asl.json")
                Path(src).write_text(SHAPES[shape](n))
                keys = f" ({n * RESULT_PATH_KEYS:,} keys)" if shape == "ResultPath" else ""
                for name, args in commands(src, f"{tmp}/{shape}{n}.py", f"{tmp}/out"):
                    if name not in COMMANDS.get(shape, (name,)):
                        continue
                    row = f"| {shape} | {n:,}{keys} | {name} |"
                    for _, checkout in checkouts:  # the build reads the file the last import wrote
                        seconds, mb, status = measure(checkout, args, tmp)
                        mark = "" if status == 0 or name == "run" and status == 1 else f" (exit {status})"
                        row += f" {seconds:.2f} s{mark} | {mb:,.0f} MB |"
                    print(row, flush=True)


if __name__ == "__main__":
    main()
