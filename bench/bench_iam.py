"""What deriving IAM costs: the whole-process build of a pipeline of many integrations
(one an SDK call, so the IAM dataset is read) beside fibonacci's, and the role's statements
for a workflow of many service tasks.

    python bench/bench_iam.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "tests" / "terraform" / "pipelines" / "services.py"


def build_time(path: Path, runs: int = 7) -> float:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "flowdsl", "build", str(path), "--out", out],
                           check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def statements_time(n: int) -> tuple[float, int]:
    from flowdsl import (DynamoPutItem, GlueJob, LambdaTask, OnDemandJob, SdkCall, SnsPublish,
                         Task, Workflow)
    from flowdsl.tasks import state_machine_statements

    kinds = [lambda i: GlueJob(f"G{i}", job_name=f"job-{i}"),
             lambda i: SnsPublish(f"N{i}", topic=f"arn:aws:sns:us-east-1:1:t{i}", message="m"),
             lambda i: DynamoPutItem(f"D{i}", table=f"t{i}", item={}),
             lambda i: LambdaTask(f"L{i}", function=f"fn-{i}"),
             lambda i: SdkCall(f"S{i}", service="s3", action="getObject",
                               parameters={"Bucket": f"b{i}", "Key": "k"}),
             lambda i: Task(f"T{i}", resource="arn:aws:states:::sqs:sendMessage",
                            parameters={"QueueUrl": f"https://sqs.us-east-1.amazonaws.com/1/q{i}",
                                        "MessageBody": "m"})]
    wf = Workflow("w", [kinds[i % len(kinds)](i) for i in range(n)], deployment=OnDemandJob("w"))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        statements = state_machine_statements(wf)
        best = min(best, time.perf_counter() - t)
    return best, len(statements)


def main() -> None:
    print(f"flowdsl build workflows/fibonacci.py: {build_time(ROOT / 'workflows' / 'fibonacci.py'):.3f} s median")
    print(f"flowdsl build {PIPELINE.relative_to(ROOT)}: {build_time(PIPELINE):.3f} s median")
    for n in (100, 1000):
        seconds, count = statements_time(n)
        print(f"{n} service tasks -> {count} statements: {seconds:.3f} s")


if __name__ == "__main__":
    main()
