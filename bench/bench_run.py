"""Throughput of flowdsl.run vs moto's Step Functions executor, side by side in one run.

    .venv/bin/python bench/bench_run.py [--quick]

Workloads: (a) a 10-state Pass chain, (b) the seed workflow (Pass → Parallel[Batch Task → Lambda Task])
with mocked tasks, (c) a Map over 1,000 items.  moto runs the same definitions through its ASL
interpreter (mock_aws with execute_state_machine=True); the seed's tasks are mocked there through
moto's Step Functions Local mock-test-case hook.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flowdsl.run import TaskBinder, execute, load_mock_config  # noqa: E402

SEED = ROOT / ".." / "shared" / "seed" / "fibonacci.definition.json"

PASS_CHAIN: dict[str, Any] = {
    "StartAt": "S0",
    "States": {f"S{i}": ({"Type": "Pass", "Next": f"S{i + 1}"} if i < 9 else {"Type": "Pass", "End": True})
               for i in range(10)},
}
MAP_1000: dict[str, Any] = {
    "StartAt": "M",
    "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
                     "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                                       "States": {"I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}},
                     "End": True}},
}
MAP_INPUT = {"items": list(range(1000))}
SEED_INPUT = [{"body": "10"}]

BATCH_RESULT = {"JobName": "app-dev-fibonacci-OnDemandJob", "Status": "SUCCEEDED", "Container": {"ExitCode": 0}}
LAMBDA_RESULT = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {"ok": True}}
MOCK_CONFIG = {
    "StateMachines": {"fibonacci": {"TestCases": {"Happy": {"Batch": "BatchOK", "OnSuccess": "LambdaOK"}}}},
    "MockedResponses": {"BatchOK": {"0": {"Return": BATCH_RESULT}}, "LambdaOK": {"0": {"Return": LAMBDA_RESULT}}},
}


def rate(fn: Callable[[], None], min_seconds: float, min_runs: int = 3) -> float:
    """Executions per second of ``fn``."""
    fn()  # warm-up
    runs, start = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and runs >= min_runs:
            return runs / elapsed


def flowdsl_runner(definition: dict[str, Any], data: Any, binder: Callable[[], TaskBinder | None]) -> Callable[[], None]:
    def run() -> None:
        result = execute(definition, data, tasks=binder())
        assert result.status == "SUCCEEDED", (result.error, result.cause)
    return run


def moto_runners(min_seconds: float) -> dict[str, float]:
    import boto3
    from moto import mock_aws
    from moto.stepfunctions.parser.backend import execution_worker as ew
    from moto.stepfunctions.parser.mocking import mock_config as mc

    def mock_case(state_machine_name: str, test_case_name: str) -> Any:
        cfg = MOCK_CONFIG["StateMachines"][state_machine_name]["TestCases"][test_case_name]
        lst = [mc.StateMockedResponses(state, resp, [mc.MockedResponseReturn(0, 0, MOCK_CONFIG["MockedResponses"][resp]["0"]["Return"])])
               for state, resp in cfg.items()]
        return mc.MockTestCase(state_machine_name, test_case_name, lst)

    # moto 5.2.5 ships the SFN Local mock-test-case machinery but never loads a mock config;
    # hand the same mocked responses flowdsl uses to the worker of the seed state machine.
    original_env = ew.ExecutionWorker._get_evaluation_environment

    def env_with_mocks(self: Any) -> Any:
        if self._evaluation_details.state_machine_details.name == "fibonacci":
            self._mock_test_case = mock_case("fibonacci", "Happy")
        return original_env(self)

    ew.ExecutionWorker._get_evaluation_environment = env_with_mocks
    out: dict[str, float] = {}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/sfn"

        def make(name: str, definition: dict[str, Any], data: Any, suffix: str = "") -> Callable[[], None]:
            arn = client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]

            counter = iter(range(10**9))

            def run() -> None:
                ex = client.start_execution(stateMachineArn=arn + suffix, name=f"e{next(counter)}",
                                            input=json.dumps(data))["executionArn"]
                while True:
                    status = client.describe_execution(executionArn=ex)["status"]
                    if status != "RUNNING":
                        break
                    time.sleep(0.0005)
                assert status == "SUCCEEDED", client.get_execution_history(executionArn=ex)["events"][-1]
            return run

        seed = json.loads(SEED.read_text())
        out["pass"] = rate(make("pass10", PASS_CHAIN, {}), min_seconds)
        out["seed"] = rate(make("fibonacci", seed, SEED_INPUT), min_seconds)
        out["map"] = rate(make("map1000", MAP_1000, MAP_INPUT), min_seconds, min_runs=2)
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    secs = 0.5 if quick else 2.0
    seed = json.loads(SEED.read_text())
    cfg = load_mock_config(MOCK_CONFIG)
    ours = {
        "pass": rate(flowdsl_runner(PASS_CHAIN, {}, lambda: None), secs),
        "seed": rate(flowdsl_runner(seed, SEED_INPUT, lambda: cfg.binder("fibonacci", "Happy")), secs),
        "map": rate(flowdsl_runner(MAP_1000, MAP_INPUT, lambda: None), secs),
    }
    theirs = moto_runners(secs)
    labels = {"pass": "(a) 10-state Pass chain", "seed": "(b) seed Parallel+Batch+Lambda (mocked)",
              "map": "(c) Map over 1,000 items"}
    print("| workload | flowdsl exec/s | moto exec/s | flowdsl/moto |")
    print("|---|---:|---:|---:|")
    for key, label in labels.items():
        print(f"| {label} | {ours[key]:,.1f} | {theirs[key]:,.2f} | {ours[key] / theirs[key]:,.0f}x |")


if __name__ == "__main__":
    main()
