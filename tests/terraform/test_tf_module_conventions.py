"""What a Terraform user expects of every module flowdsl writes, checked with Terraform itself:
the provider's schema says which resource types take ``tags`` (each one the modules create gets
the ``tags`` input; each role the boundary and path).

That a bad input value fails at plan with the module's own message, naming the input, not a
provider error from inside a generated file, is checked where a lifecycle has already started
the provider: tests/terraform/test_tf_deploys.py (the inputs every module has, the canary's,
the alarms', the queue's, a name too long for AWS) and tests/terraform/test_tf_environment.py
(a Batch job's vcpus and memory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import Terraform

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
