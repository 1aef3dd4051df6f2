"""What a Terraform user expects of every module flowdsl writes, checked with Terraform itself:
the provider's schema says which resource types take ``tags`` (each one the modules create gets
the ``tags`` input; each role the boundary and path), and a bad input value fails at plan with
the module's own message, naming the input, not a provider error from inside a generated file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness import Terraform, prepare_workdir
from harness.aws_checks import SEED_TFVARS

from flowdsl.build import build
from flowdsl.loader import load_folder, load_workflows
from flowdsl.terraform import PROVIDER_VERSION, TAGGABLE

REPO = Path(__file__).resolve().parents[2]
ENV_WORKFLOWS = Path(__file__).resolve().parent / "env_workflows"
ECS = '''from flowdsl import StateMachine, Workflow
from flowdsl.tasks.ecs import EcsRunTask, TaskDefinition

workflow = Workflow("ecs", [EcsRunTask("Run", task_definition=TaskDefinition("web", image="i"),
                                       cluster="c", subnets=["s"])],
                    deployment=StateMachine("ecs"))
'''


def modules(tmp_path: Path) -> dict[str, dict[str, dict]]:
    """Every kind's module, and the integrations that bring resources: name -> file -> document."""
    workflows = [*load_folder(ENV_WORKFLOWS),
                 *load_workflows(REPO / "workflows" / "fibonacci.py").values(),
                 *load_workflows(REPO / "workflows" / "nightly.py").values()]
    (tmp_path / "ecs.py").write_text(ECS)
    workflows += load_workflows(tmp_path / "ecs.py").values()
    out = {}
    for wf in workflows:
        out[wf.name] = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    return out


def resources(files: dict[str, dict]) -> list[tuple[str, str, dict]]:
    return [(type_, name, body) for doc in files.values()
            for type_, named in doc.get("resource", {}).items() for name, body in named.items()]


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict[str, dict]:
    """The aws provider's resource schemas, from the mirror the modules are tested against."""
    wd = tmp_path_factory.mktemp("schema")
    (wd / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": {
        "aws": {"source": "hashicorp/aws", "version": PROVIDER_VERSION}}}}))
    tf = Terraform(wd)
    tf.init()
    doc = json.loads(tf.run("providers", "schema", "-json").stdout)
    return doc["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]


def test_every_taggable_resource_gets_the_tags_and_every_role_the_boundary(schema, tmp_path) -> None:
    taggable = {t for t, s in schema.items() if "tags" in s["block"].get("attributes", {})}
    assert TAGGABLE <= taggable, TAGGABLE - taggable  # flowdsl's table names only types that take tags
    seen: set[str] = set()
    for module, files in modules(tmp_path).items():
        variables = files["variables.tf.json"]["variable"]
        assert variables["tags"]["type"] == "map(string)" and variables["tags"]["default"] == {}
        for type_, name, body in resources(files):
            seen.add(type_)
            assert type_ in schema, f"{module}: {type_} is not a resource of the provider"
            if type_ in taggable:
                assert type_ in TAGGABLE, f"{type_} takes tags: add it to flowdsl.terraform.TAGGABLE"
                assert body.get("tags") == "${var.tags}", f"{module}: {type_}.{name} is not tagged"
            else:
                assert "tags" not in body, f"{module}: {type_}.{name}"
            if type_ == "aws_iam_role":
                assert body["permissions_boundary"] == "${var.permissions_boundary_arn}", name
                assert body["path"] == "${var.role_path}", name
        roles = {n for t, n, _ in resources(files) if t == "aws_iam_role"}
        extra = {n.removesuffix("_extra") for t, n, b in resources(files)
                 if t == "aws_iam_role_policy_attachment" and b.get("policy_arn") == "${var.extra_policy_arns[count.index]}"}
        assert extra == roles, module
        outputs = files["outputs.tf.json"]["output"]
        assert set(outputs["role_arns"]["value"]) == roles
        undescribed = [o for o, body in outputs.items() if not body.get("description")]
        assert undescribed == [], f"{module}: outputs without a description: {undescribed}"
    # the modules above create every type flowdsl creates, taggable or not
    assert seen >= TAGGABLE - {"aws_cloudwatch_metric_alarm", "aws_sns_topic"}, TAGGABLE - seen
    assert {"aws_scheduler_schedule", "aws_cloudwatch_event_target", "aws_iam_role_policy_attachment",
            "aws_sqs_queue_policy"} <= seen


def plan_error(tf: Terraform, **values) -> str:
    args = ["plan", "-input=false", "-no-color"]
    for key, value in values.items():
        args.append(f"-var={key}={value if isinstance(value, str) else json.dumps(value)}")
    res = tf.run(*args, check=False)
    assert res.returncode == 1, res.stdout[-3000:]
    return re.sub(r"\s+", " ", res.stderr.replace("│", " "))


def test_a_bad_input_fails_at_plan_with_the_modules_message(moto, tmp_path) -> None:
    module = REPO / "build" / "fibonacci"
    values = {k: v for k, v in SEED_TFVARS.items()
              if k in json.loads((module / "variables.tf.json").read_text())["variable"]}
    wd = prepare_workdir(module, values, moto, mode="root", workdir=tmp_path / "fibonacci")
    tf = Terraform(wd)
    tf.init()
    assert tf.validate()["valid"]

    # one plan, every bad value at once: Terraform reports each input's own message
    bad = {"log_retention_days": 42, "kms_key_arn": "alias/mine", "permissions_boundary_arn": "Boundary",
           "role_path": "flows", "extra_policy_arns": ["arn:aws:s3:::bucket"], "tags": {"aws:owner": "me"},
           "max_receive_count": 0, "vcpus": "3", "memory": "lots"}
    found = plan_error(tf, **bad)
    assert "var.log_retention_days is 42" in found
    for message in [
        "log_retention_days must be a retention CloudWatch Logs offers: 0, 1, 3, 5, 7, 14, 30, "
        "60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
        "kms_key_arn must be a KMS key ARN",
        "permissions_boundary_arn must be an IAM policy ARN",
        'role_path must be an IAM path: "/", or "/" and printable ASCII',
        "extra_policy_arns must be IAM policy ARNs",
        'tags: AWS takes at most 50 tags, each key 1-128 characters not starting with "aws:"',
        "max_receive_count must be a whole number from 1 to 1000",
        "vcpus must be a Fargate vCPU count: 0.25, 0.5, 1, 2, 4, 8, 16.",
        "memory must be the job's memory in MiB, 512 to 122880 (Fargate).",
    ]:
        assert message in found, message
    assert found.count("Invalid value for variable") == len(bad)

    # a name too long for AWS: the module says which resource and which inputs, before the provider
    long = "a" * 40
    found = plan_error(tf, app_name=long)
    name = f"{long}-dev-fibonacci-OnDemandJob-EcsTaskExeRole"
    assert (f'aws_iam_role.fibonacci_execution: the name "{name}" is {len(name)} characters; AWS allows '
            "64: shorten app_name or stage.") in found, found
    assert "expected length of name" not in found
