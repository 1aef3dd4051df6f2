"""What printing a deeply nested run output costs: ``flowdsl run`` of a Pass state whose input
(read with ``--input @FILE``) nests N levels, whole process, with the size of stdout and the
peak memory (max RSS), for ``--output human`` and ``--output json``.

    .venv/bin/python bench/bench_run_output.py [--depth N ...]

The output is indented down to 32 levels and written on one line below, so stdout grows
linearly with the depth; indenting every level made a 20,000-level output about 400 MB of
spaces (and a MemoryError when ResultPath built it).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASS = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, nargs="*", default=[1_000, 10_000, 19_999])
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pass.asl.json").write_text(PASS)
        print(f"{'depth':>7}  {'output':>6}  {'wall':>7}  {'stdout':>10}  {'max RSS':>9}")
        for depth in args.depth:
            (Path(tmp) / "in.json").write_text('{"a": ' * depth + "1" + "}" * depth)
            for output in ("human", "json"):
                before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                start = time.perf_counter()
                r = subprocess.run([sys.executable, "-m", "flowdsl", "run", "pass.asl.json", "--input", "@in.json",
                                    "--output", output], cwd=tmp, env=env, capture_output=True)
                wall = time.perf_counter() - start
                rss = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
                if r.returncode != 0:
                    sys.exit(r.stderr.decode()[-2000:])
                print(f"{depth:>7,}  {output:>6}  {wall:>6.2f}s  {len(r.stdout):>9,}B  {rss / 1024:>7.0f}MB")


if __name__ == "__main__":
    main()
