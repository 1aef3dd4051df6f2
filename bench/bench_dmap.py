"""Time and peak memory of a Distributed Map over a CSV in a local S3, against row count.

    python bench/bench_dmap.py [ROWS ...]     (default: 10000 100000)

Each row is one child execution (a Pass state); the results go to the ResultWriter, so the
Map state's output stays small. Peak memory is what tracemalloc sees of Python's allocations
while the execution runs (the CSV is written before it starts).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc

from flowdsl.run import execute
from flowdsl.run.config import RunConfig
from flowdsl.run.s3 import LocalS3

DEFINITION = {
    "StartAt": "Rows",
    "States": {"Rows": {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "in", "Key": "rows.csv"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Touch",
                          "States": {"Touch": {"Type": "Pass", "Parameters": {"id.$": "$.id", "ok": True},
                                               "End": True}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "out", "Prefix": "runs"}},
        "End": True}},
}


def bench(rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as root:
        s3 = LocalS3(root)
        (s3.base / "in").mkdir()
        with open(s3.path("in", "rows.csv"), "w") as f:
            f.write("id,name,amount\n")
            for i in range(rows):
                f.write(f"{i},name-{i},{i * 3 % 1000}.25\n")
        binder = RunConfig(s3=s3).binder()
        tracemalloc.start()
        started = time.perf_counter()
        r = execute(DEFINITION, {}, tasks=binder)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert r.status == "SUCCEEDED", (r.error, r.cause)
    return elapsed, peak / 2 ** 20


def main(argv: list[str]) -> None:
    counts = [int(a) for a in argv] or [10_000, 100_000]
    print(f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MiB':>9}")
    for n in counts:
        secs, peak = bench(n)
        print(f"{n:>8} {secs:>8.2f} {n / secs:>8.0f} {peak:>9.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
