"""Whole-process time of the CLI, against an empty Python start, in the same run.

    .venv/bin/python bench/bench_cli.py [--runs N] [--against DIR]

Times, as separate processes taking turns (so machine load hits all alike): ``python -c pass``,
``flowdsl build workflows/fibonacci.py`` (into a temporary folder) and ``flowdsl validate
workflows/fibonacci.py``. Prints the median of N runs of each, and each command's ratio to the
empty start: of the wall times, and of the CPU times, which a shared machine's load moves less.
The target for build is at most 4 times the empty start. This checkout's ``flowdsl`` is the one
timed (``PYTHONPATH`` is set to it, whatever an installed package points at); ``--against DIR``
also times the two commands with another checkout's (``PYTHONPATH=DIR``), in the same rounds, so
a change is measured before and after under the same load. Then, for each checkout, how many
modules each command imports (``python -X importtime`` lines: the interpreter's start, the
site's and the command's), and how many of them are flowdsl's.

Python runs as it does by default, with bytecode caches: one warm-up round (not counted) lets
Python write them, even when the calling environment sets PYTHONDONTWRITEBYTECODE.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = "workflows/fibonacci.py"


def _flowdsl() -> list[str]:
    script = Path(sys.executable).with_name("flowdsl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowdsl"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--against", type=Path, help="another checkout to time in the same rounds")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="flowdsl-bench-"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        f"flowdsl build {WORKFLOW}": [*_flowdsl(), "build", WORKFLOW, "--out", str(out)],
        f"flowdsl validate {WORKFLOW}": [*_flowdsl(), "validate", WORKFLOW],
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    mine = {**env, "PYTHONPATH": str(ROOT)}
    envs = {name: mine for name in commands}
    envs["python -c pass"] = env
    checkouts = {"": mine}
    if args.against is not None:
        other = {**env, "PYTHONPATH": str(args.against.resolve())}
        checkouts[f" [{args.against}]"] = other
        for name in list(commands)[1:]:
            commands[f"{name} [{args.against}]"] = commands[name]
            envs[f"{name} [{args.against}]"] = other
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for round_ in range(args.runs + 1):
            for name, argv in commands.items():
                used = _children_cpu()
                start = time.perf_counter()
                done = subprocess.run(argv, cwd=ROOT, env=envs[name], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
                if round_:
                    times[name].append(time.perf_counter() - start)
                    cpu[name].append(_children_cpu() - used)
                if done.returncode:
                    raise SystemExit(f"{name} failed: {done.stderr.decode()}")
        counts = {"python -c pass": _imported(commands["python -c pass"], env)}
        for name in list(commands)[1:3]:
            for suffix, checkout in checkouts.items():
                counts[f"{name}{suffix}"] = _imported(commands[name], checkout)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    base = statistics.median(times["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    print(f"median of {args.runs} runs each, taking turns; wall clock (CPU time, user + system)")
    for name, ts in times.items():
        med, used = statistics.median(ts), statistics.median(cpu[name])
        ratio = "" if name.startswith("python") else \
            f"  {med / base:5.1f}x python -c pass (CPU time {used / base_cpu:.1f}x)"
        print(f"{name:60s} {med:7.3f} s ({used:.3f} s){ratio}")
    print("modules imported (of them flowdsl's)")
    for name, (every, own) in counts.items():
        print(f"{name:60s} {every:4d} ({own})")


def _imported(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    """How many modules ``argv`` imports, and how many of them are flowdsl's."""
    done = subprocess.run(argv, cwd=ROOT, env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    names = [line.rpartition("|")[2].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and not line.rstrip().endswith("imported package")]
    return len(names), sum(1 for n in names if n == "flowdsl" or n.startswith("flowdsl."))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
