"""Self-tests of the Terraform harness; independent of flowdsl's compiler."""

import json
import os
from pathlib import Path

import pytest
from harness import (
    Terraform,
    lifecycle,
    provider_mirror,
    run_checkov,
    terraform_binary,
    validate_asl,
)
from harness.moto_server import PATCHED_CALLS
from harness.tfjson_hcl import tfjson_to_hcl

GOLDEN = Path(__file__).resolve().parents[3] / "shared" / "seed" / "fibonacci.definition.json"

ASSUME_STATES = (
    '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", '
    'Principal = {Service = "states.amazonaws.com"}}]})}'
)


def tiny_module(definition: str = '${jsonencode({StartAt = "A", States = {A = {Type = "Pass", End = true}}})}') -> dict:
    return {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.0"}}},
        "variable": {"name": {"type": "string"}},
        "data": {"aws_caller_identity": {"current": {}}, "aws_partition": {"current": {}}, "aws_region": {"current": {}}},
        "resource": {
            # A log group rather than a queue: the provider waits ~25 s after each SQS call.
            "aws_cloudwatch_log_group": {"lg": {"name": "${var.name}-lg", "retention_in_days": 7}},
            "aws_iam_role": {"r": {"name": "${var.name}-role", "assume_role_policy": ASSUME_STATES}},
            "aws_sfn_state_machine": {"sm": {"name": "${var.name}-sm", "role_arn": "${aws_iam_role.r.arn}",
                                             "definition": definition}},
        },
        "output": {
            "log_group": {"value": "${aws_cloudwatch_log_group.lg.name}"},
            "state_machine_arn": {"value": "${aws_sfn_state_machine.sm.arn}"},
            "account_id": {"value": "${data.aws_caller_identity.current.account_id}"},
            "partition": {"value": "${data.aws_partition.current.partition}"},
            "region": {"value": "${data.aws_region.current.name}"},
        },
    }


def write_module(doc: dict, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "main.tf.json").write_text(json.dumps(doc, indent=2))
    return where


# ----------------------------------------------------------------------------- fast
def test_terraform_and_mirror_found(terraform_env):
    assert os.access(terraform_binary(), os.X_OK)
    mirror = Path(provider_mirror())
    assert list(mirror.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"))


def test_validate_asl_accepts_golden_and_rejects_broken():
    assert validate_asl(GOLDEN.read_text()) == []
    bad_next = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}
    assert [d["code"] for d in validate_asl(json.dumps(bad_next))] == ["MISSING_TRANSITION_TARGET"]
    bad_type = {"StartAt": "A", "States": {"A": {"Type": "Bogus", "End": True}}}
    assert validate_asl(json.dumps(bad_type))
    assert validate_asl("not json")[0]["code"] == "INVALID_JSON_DESCRIPTION"
    nested = json.loads(GOLDEN.read_text())
    nested["States"]["BatchGroup"]["Branches"][0]["States"]["Batch"]["Next"] = "Missing"
    assert any("Branches[0]" in d["location"] for d in validate_asl(json.dumps(nested)))


def test_moto_answers_missing_sfn_operations(moto):
    sfn = moto.client("stepfunctions")
    ok = sfn.validate_state_machine_definition(definition=GOLDEN.read_text(), type="STANDARD")
    assert ok["result"] == "OK" and ok["diagnostics"] == []
    bad = sfn.validate_state_machine_definition(definition='{"StartAt": "X", "States": {}}')
    assert bad["result"] == "FAIL" and bad["diagnostics"][0]["severity"] == "ERROR"
    role = "arn:aws:iam::123456789012:role/selftest"
    arn = sfn.create_state_machine(name="selftest-versions", definition=GOLDEN.read_text(), roleArn=role)["stateMachineArn"]
    try:
        assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def test_moto_sqs_redrive_patches(moto):
    sqs = moto.client("sqs")
    dlq = sqs.create_queue(QueueName="selftest-dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="selftest-src")["QueueUrl"]
    try:
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rap = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [src_arn]})
        sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": rap})
        got = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
        assert json.loads(got["RedriveAllowPolicy"]) == json.loads(rap)
        rp = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}, separators=(",", ":"))
        sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": rp})
        assert sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"] == rp
    finally:
        sqs.delete_queue(QueueUrl=src)
        sqs.delete_queue(QueueUrl=dlq)


def test_tfjson_to_hcl_is_valid_terraform(tmp_path, terraform_env):
    src = write_module(tiny_module(), tmp_path / "src")
    hcl = tfjson_to_hcl(src, tmp_path / "hcl")
    assert (hcl / "main.tf").exists()
    tf = Terraform(tmp_path / "hcl")
    tf.init()
    assert tf.validate()["valid"]


def test_checkov_runs_offline_and_reports(tmp_path):
    mod = tiny_module()
    mod["resource"]["aws_cloudwatch_log_group"] = {"lg": {"name": "selftest", "retention_in_days": 365}}
    mod["resource"]["aws_sqs_queue"] = {"q": {"name": "q", "sqs_managed_sse_enabled": True}}
    src = write_module(mod, tmp_path / "src")
    rep = run_checkov(src)
    assert rep.parsing_errors == []
    assert ("CKV_AWS_158", "aws_cloudwatch_log_group.lg") in rep.failed_pairs
    assert "CKV_AWS_27" not in rep.failed_ids  # sqs_managed_sse_enabled = true understood


# ----------------------------------------------------------------------------- slow
@pytest.mark.terraform
def test_inline_module_lifecycle(fresh_moto, tmp_path):
    # As a child module; the lifecycles of build/ (defaults), deploys and the environment run
    # mode="root", so a root-mode self-test would repeat them at a minute of suite time.
    mode = "child"
    before = PATCHED_CALLS["ValidateStateMachineDefinition"]
    rep = lifecycle(write_module(tiny_module(), tmp_path / "src"), {"name": f"selftest-{mode}"}, fresh_moto, mode=mode)
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert rep.outputs["account_id"] == fresh_moto.account_id
    assert rep.outputs["region"] == fresh_moto.region and rep.outputs["partition"] == "aws"
    assert rep.created["log_groups"] and rep.created["sfn"]
    assert PATCHED_CALLS["ValidateStateMachineDefinition"] > before
    assert PATCHED_CALLS["ListStateMachineVersions"] > 0


@pytest.mark.terraform
def test_invalid_definition_is_rejected_like_aws(fresh_moto, tmp_path):
    mod = tiny_module('${jsonencode({StartAt = "A", States = {A = {Type = "Pass", Next = "Nowhere"}}})}')
    with pytest.raises(AssertionError) as exc:
        lifecycle(write_module(mod, tmp_path / "src"), {"name": "selftest-bad"}, fresh_moto, keep_workdir=False)
    assert "Nowhere" in str(exc.value)


class _Destroys:
    """A Terraform whose destroys fail with the given stderr texts, then succeed."""

    def __init__(self, *failures: str) -> None:
        self.failures, self.calls = list(failures), 0

    def destroy(self) -> None:
        from harness.terraform import TerraformError, TfResult

        self.calls += 1
        if self.failures:
            raise TerraformError(TfResult(["destroy"], 1, "", self.failures.pop(0), 0.0), Path("."))


def test_a_destroy_that_failed_in_transport_runs_once_more():
    from harness.lifecycle import LifecycleReport, destroy

    tf = _Destroys("Error: ... read tcp 127.0.0.1:1->127.0.0.1:2: use of closed network connection")
    rep = LifecycleReport(Path("m"), "root", Path("w"))
    destroy(tf, rep)
    assert (tf.calls, rep.destroy_retries) == (2, 1)


@pytest.mark.parametrize("failures", [
    ["Error: deleting IAM Role (r): DeleteConflict: Cannot delete entity, must detach all policies first"],
    ["use of closed network connection", "use of closed network connection"],  # once more only
])
def test_a_destroy_that_failed_otherwise_fails(failures):
    from harness.lifecycle import LifecycleReport, destroy
    from harness.terraform import TerraformError

    tf = _Destroys(*failures)
    with pytest.raises(TerraformError):
        destroy(tf, LifecycleReport(Path("m"), "root", Path("w")))
    assert tf.calls == len(failures)


def test_children_add_the_module_as_child_instances_of_the_root(tmp_path):
    from harness import prepare_workdir
    from harness.lifecycle import LifecycleReport

    src = write_module(tiny_module(), tmp_path / "src")
    wd = prepare_workdir(src, {"name": "root"}, None, "root", workdir=tmp_path / "wd",
                         children={"kms": {"name": "child"}})
    extra = json.loads((wd / "harness_children.tf.json").read_text())
    assert extra["module"] == {"kms": {"source": "./module", "name": "child"}}
    assert extra["output"]["kms__log_group"] == {"value": "${module.kms.log_group}"}
    assert (wd / "module" / "main.tf.json").exists() and (wd / "main.tf.json").exists()
    assert json.loads((wd / "terraform.tfvars.json").read_text()) == {"name": "root"}
    rep = LifecycleReport(module_dir=src, mode="root", workdir=wd,
                          outputs={"log_group": "root-lg", "kms__log_group": "child-lg"})
    assert rep.view().outputs == {"log_group": "root-lg"}
    assert rep.view("kms").outputs == {"log_group": "child-lg"}
    with pytest.raises(AssertionError, match="root-mode"):
        prepare_workdir(src, {}, None, "child", workdir=tmp_path / "wd2", children={"kms": {}})
