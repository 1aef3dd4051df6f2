"""flowdsl's fibonacci module against the seed's hand-written module: the same kinds of
resources, and those flowdsl documents adding; and a security scan on which the seed fails 8
checks and flowdsl none (with a KMS key)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from harness import run_checkov
from harness.aws_checks import SEED_DIR

REPO = Path(__file__).resolve().parents[2]

# What checkov 3.3.30 fails on the seed (a static scan of its HCL).
SEED_FAILURES = [
    ("CKV_AWS_158", "aws_cloudwatch_log_group.on_demand_job_log_group"),  # no KMS
    ("CKV_AWS_27", "aws_sqs_queue.pipe_source"),  # no encryption
    ("CKV_AWS_284", "aws_sfn_state_machine.on_demand_job"),  # no X-Ray tracing
    ("CKV_AWS_288", "aws_iam_policy.ecs_task_role_policy"),  # data exfiltration (s3:GetObject on *)
    ("CKV_AWS_290", "aws_iam_policy.batch_job_management_access_policy"),  # writes without constraints
    ("CKV_AWS_290", "aws_iam_policy.ecs_task_role_policy"),
    ("CKV_AWS_355", "aws_iam_policy.batch_job_management_access_policy"),  # "*" for actions that take a resource
    ("CKV_AWS_355", "aws_iam_policy.ecs_task_role_policy"),
]


# What flowdsl's module has beside the seed's kinds, each documented in the README's module section.
ADDITIONS = {
    "aws_sfn_alias": "safe deploys: the alias `live` the pipe starts",
}


def kinds(text: str) -> set[str]:
    return set(re.findall(r'^resource "([a-z0-9_]+)"', text, re.M))


def test_same_kinds_of_resources_as_the_seed() -> None:
    import json

    seed = kinds("\n".join(p.read_text() for p in SEED_DIR.joinpath("on_demand_job").glob("*.tf")))
    ours: set[str] = set()
    for p in (REPO / "build" / "fibonacci").glob("*.tf.json"):
        ours |= set(json.loads(p.read_text()).get("resource", {}))
    assert seed == {
        "aws_batch_job_definition", "aws_cloudwatch_log_group", "aws_iam_policy", "aws_iam_role",
        "aws_iam_role_policy_attachment", "aws_pipes_pipe", "aws_sfn_state_machine", "aws_sqs_queue"}
    assert ours == seed | set(ADDITIONS), ours ^ seed
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for kind in ADDITIONS:
        assert f"`{kind}`" in readme, f"{kind}: an addition to the seed the README does not document"


def test_seed_module_fails_eight_checkov_checks(tmp_path: Path) -> None:
    copy = shutil.copytree(SEED_DIR / "on_demand_job", tmp_path / "on_demand_job")
    report = run_checkov(copy)
    assert report.parsing_errors == []
    assert report.failed_pairs == sorted(SEED_FAILURES)
