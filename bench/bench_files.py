"""Size and time of the files ``flowdsl build`` writes for deeply nested workflows.

A Parallel nested N levels deep (each level one branch holding the next Parallel) is built with
a state machine deployment; the table gives the compact JSON size of the definition, the bytes
of all written files, the largest file, the time to render the definition file alone, to
build (compile, validate, render every file) and to write them. The files must
grow linearly with N: doubling N doubles the bytes.

Run: python bench/bench_files.py [--indent-all] [levels ...]   (default 1000 2000 4000; prints a
markdown table; ``--indent-all`` indents every level, as the build did before the depth cut)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flowdsl import Parallel, Pass, Workflow  # noqa: E402
from flowdsl import placeholders  # noqa: E402
from flowdsl.asl import compile_workflow  # noqa: E402
from flowdsl.build import build, write  # noqa: E402
from flowdsl.deep_stack import call  # noqa: E402
from flowdsl.deployments.state_machine import StateMachine  # noqa: E402
from flowdsl.strict_json import pretty_dumps  # noqa: E402


def nested(levels: int) -> Workflow:
    inner: object = Pass("Leaf")
    for i in range(levels):
        inner = Parallel(f"P{i}", branches=[[inner]])
    return Workflow(f"deep{levels}", states=[inner], deployment=StateMachine(f"deep{levels}"))


def measure(levels: int) -> dict[str, float]:
    wf = nested(levels)
    definition = call(lambda: placeholders.to_template(compile_workflow(wf).definition))
    # one line with ", " and ": " separators, less one byte per separator: compact JSON
    one_line = pretty_dumps(definition, flat_below=0)
    compact = len(one_line) - one_line.count(", ") - one_line.count(": ")
    t0 = time.perf_counter()
    placeholders.dumps(definition)
    render = time.perf_counter() - t0
    t0 = time.perf_counter()
    art = build(wf)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write([art], tmp)
        t2 = time.perf_counter()
        sizes = {p.name: p.stat().st_size for p in (Path(tmp) / wf.name).iterdir()}
    return {"levels": levels, "compact": compact, "total": sum(sizes.values()),
            "largest": max(sizes.values()), "render_s": render, "build_s": t1 - t0, "write_s": t2 - t1}


def main(argv: list[str]) -> None:
    if "--indent-all" in argv:  # the files as they were written before the depth cut
        argv = [a for a in argv if a != "--indent-all"]
        placeholders.INDENTED_LEVELS = None  # type: ignore[assignment]
    levels = [int(a) for a in argv] or [1000, 2000, 4000]
    print("| levels | compact definition (bytes) | files written (bytes) | largest file | render .asl.json (s) | build (s) | write (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in levels:
        r = measure(n)
        print(f"| {n:,} | {r['compact']:,} | {r['total']:,} | {r['largest']:,} | "
              f"{r['render_s']:.2f} | {r['build_s']:.2f} | {r['write_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
