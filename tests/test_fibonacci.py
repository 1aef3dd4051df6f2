"""The fibonacci workflow reproduces the seed's state machine definition exactly."""

from __future__ import annotations

import json
from pathlib import Path

from flowdsl.asl import compile_workflow
from flowdsl.build import check
from flowdsl.loader import load_workflows
from flowdsl.placeholders import resolve

from locations import ROOT

# The values the seed's module was applied with (shared/seed/README.md).
SEED_VALUES = {
    "var.app_name": "app",
    "var.stage": "dev",
    "var.env": {"STAGE": "dev"},
    "var.batch_job_queue_arn": "arn:aws:batch:ap-northeast-1:123456789012:job-queue/app-dev-queue",
    "var.image_uri": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app",
    "var.image_tag": "latest",
    "var.success_handler_arn": "arn:aws:lambda:ap-northeast-1:123456789012:function:ok",
    "var.error_handler_arn": "arn:aws:lambda:ap-northeast-1:123456789012:function:err",
    "var.vcpus": "1",
    "var.memory": "2048",
    "data.aws_partition.current.partition": "aws",
    "aws_batch_job_definition.fibonacci.arn":
        "arn:aws:batch:ap-northeast-1:123456789012:job-definition/app-dev-fibonacci-OnDemandJob:1",
}


def fibonacci():
    return load_workflows(ROOT / "workflows" / "fibonacci.py")["fibonacci"]


def test_definition_equals_the_seed(shared: Path) -> None:
    golden = json.loads((shared / "seed" / "fibonacci.definition.json").read_text())
    compiled = compile_workflow(fibonacci())
    assert resolve(compiled.definition, SEED_VALUES) == golden


def test_fibonacci_has_no_diagnostics() -> None:
    _, diagnostics = check(fibonacci())
    assert [d.render() for d in diagnostics] == []


def test_states_remember_where_they_were_written() -> None:
    compiled = compile_workflow(fibonacci())
    assert compiled.sources["$.States.ErrorHandler"].startswith("workflows/fibonacci.py:")
    assert set(compiled.sources) == {
        "$.States.ExtractInputParameters", "$.States.BatchGroup", "$.States.ErrorHandler",
        "$.States.BatchGroup.Branches[0].States.Batch",
        "$.States.BatchGroup.Branches[0].States.OnSuccess",
        # retriers and catchers name their own lines
        "$.States.ErrorHandler.Retry[0]", "$.States.BatchGroup.Catch[0]",
    }


def test_workflow_file_is_shorter_than_the_seed_state_machine(shared: Path) -> None:
    hcl = (shared / "seed" / "on_demand_job" / "main.tf").read_text().splitlines()
    start = next(i for i, line in enumerate(hcl) if line.startswith('resource "aws_sfn_state_machine"'))
    end = next(i for i, line in enumerate(hcl) if line.startswith('resource "aws_pipes_pipe"'))
    workflow = (ROOT / "workflows" / "fibonacci.py").read_text().splitlines()
    assert len(workflow) < end - start
