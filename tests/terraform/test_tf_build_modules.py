"""Every compiled module under ``build/<name>/`` (flowdsl's Terraform JSON output), end to end.

Collected per directory of ``build/`` that holds ``*.tf.json`` / ``*.tf``.  While the compiler
has emitted nothing, each test is collected once and SKIPPED with an explicit reason (the
harness self-tests in test_tf_harness_selftest.py still run).

Variables: the seed README example values (``harness.aws_checks.SEED_TFVARS``) filtered to the
variables the module declares, overridden by ``tests/terraform/tfvars/<name>.json`` if present.
A required variable without a value fails the test with its name.
"""

import json
import os
import re
from pathlib import Path

import pytest
from harness import Terraform, lifecycle, module_outputs, module_variables, provider_blocks, run_checkov
from harness.aws_checks import GOLDEN_FIBONACCI, SEED_TFVARS, check_generic, check_on_demand_job
from harness.terraform import copy_module

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("FLOWDSL_BUILD_DIR") or REPO / "build")  # override: try modules kept outside the repo
TFVARS_DIR = Path(__file__).resolve().parent / "tfvars"
# build/<name> -> golden definition the deployed state machine must JSON-equal
GOLDENS = {"fibonacci": GOLDEN_FIBONACCI, "on_demand_job": GOLDEN_FIBONACCI}
ON_DEMAND_OUTPUTS = {"queue_url", "queue_arn", "state_machine_arn", "dlq_url", "job_definition_arn"}
# Without a KMS key the one failed checkov check is the log group's (CKV_AWS_158): CloudWatch
# Logs encrypts with its own key, which checkov does not count; a schedule's input likewise uses
# EventBridge Scheduler's own key (CKV_AWS_297).
WITHOUT_KMS = {"CKV_AWS_158", "CKV_AWS_297"}
# Deployed by test_tf_environment.py from one environment root (with a KMS key, as a child
# module, with checkov on the plan), sharing that apply instead of two more lifecycles each.
IN_ENVIRONMENT = {"nightly"}



def build_modules() -> list:
    dirs = sorted(d for d in BUILD.glob("*/") if d.is_dir() and (any(d.glob("*.tf.json")) or any(d.glob("*.tf"))))
    if not dirs:
        return [pytest.param(None, id="no-build-modules", marks=pytest.mark.skip(
            reason=f"no compiled module under {BUILD}/<name>/*.tf.json yet (flowdsl compiler not landed)"))]
    return [pytest.param(d, id=d.name) for d in dirs]


MODULES = build_modules()
LIFECYCLE_MODULES = [m for m in MODULES if m.values[0] is None or m.values[0].name not in IN_ENVIRONMENT]


def tfvars_for(module_dir: Path, **extra) -> dict:
    declared = module_variables(module_dir)
    values = {k: v for k, v in SEED_TFVARS.items() if k in declared}
    override = TFVARS_DIR / f"{module_dir.name}.json"
    if override.exists():
        values.update(json.loads(override.read_text()))
    values.update({k: v for k, v in extra.items() if k in declared})
    missing = [k for k, spec in declared.items() if "default" not in spec and k not in values]
    assert not missing, f"{module_dir.name}: no test value for required variables {missing}; add {override}"
    return values


def effective_vars(module_dir: Path, tfvars: dict) -> dict:
    """tfvars plus the module's declared defaults (what Terraform will actually use)."""
    defaults = {k: spec["default"] for k, spec in module_variables(module_dir).items() if "default" in spec}
    return {**defaults, **tfvars}


def inspector(module_dir: Path, tfvars: dict, golden: bool = True):
    """The checks of one deployed instance; ``golden``: its definition must equal the module's
    golden one (only under the test values' names)."""
    values = effective_vars(module_dir, tfvars)

    def inspect(rep, ep):
        found = check_generic(rep, ep)
        if ON_DEMAND_OUTPUTS <= set(rep.outputs):
            found.update(check_on_demand_job(rep, ep, golden=GOLDENS.get(module_dir.name) if golden else None,
                                             tfvars=values,
                                             max_receive_count=values.get("max_receive_count", 3)))
        return found

    return inspect


@pytest.mark.parametrize("module_dir", MODULES)
def test_module_is_portable_and_valid(module_dir, terraform_env, tmp_path):
    assert not provider_blocks(module_dir), "modules must not configure providers"
    text = "\n".join(p.read_text() for p in sorted(module_dir.glob("*.tf*")))
    assert not re.search(r"arn:aws:", text), "hard-coded partition: use data.aws_partition"
    assert not re.search(r"\b(ap|us|eu|sa|ca|me|af|il|mx)-[a-z]+-\d\b", text), "hard-coded region: use data.aws_region"
    assert not re.search(r"\b\d{12}\b", text), "hard-coded account id: use data.aws_caller_identity"
    assert not re.search(r'"(actions|Action)"\s*:\s*\[?\s*"\*"', text), 'no "Action": "*" anywhere'
    wd = copy_module(module_dir, tmp_path / module_dir.name)
    tf = Terraform(wd)
    tf.init()
    res = tf.validate()
    assert res["valid"] and res["warning_count"] == 0, json.dumps(res, indent=2)


@pytest.mark.parametrize("module_dir", MODULES)
def test_module_checkov_static(module_dir):
    rep = run_checkov(module_dir)
    assert rep.parsing_errors == [] and rep.resource_count > 0
    # The static scan cannot see that kms_key_arn defaults to null (see tests/terraform/README.md);
    # the plan scans below are the authoritative ones.
    assert set(rep.failed_ids) <= WITHOUT_KMS, rep.failed_pairs


@pytest.mark.terraform
@pytest.mark.parametrize("module_dir", LIFECYCLE_MODULES)
def test_module_lifecycle_as_root_and_as_kms_child(module_dir, fresh_moto):
    """One apply of the module twice: as the root with the test values and its defaults (how
    ``terraform -chdir=build/<name> apply`` runs it), and as a child module under another stage
    with a customer-managed KMS key, a longer log retention and another DLQ threshold (how a
    root of the user's consumes it). Both are checked as deployed, and checkov reads the plan."""
    if "kms_key_arn" not in module_variables(module_dir):
        pytest.fail(f"{module_dir.name} has no kms_key_arn variable (encryption at rest with a CMK is required)")
    tfvars = tfvars_for(module_dir)
    key = fresh_moto.client("kms").create_key(Description="flowdsl test CMK")["KeyMetadata"]["Arn"]
    kms = tfvars_for(module_dir, kms_key_arn=key, max_receive_count=5, log_retention_days=400,
                     stage="kms")
    root_check, child_check = inspector(module_dir, tfvars), inspector(module_dir, kms, golden=False)

    def inspect(rep, ep):
        return {"root": root_check(rep.view(), ep), "kms": child_check(rep.view("kms"), ep)}

    rep = lifecycle(module_dir, tfvars, fresh_moto, mode="root", checkov=True, inspect=inspect,
                    children={"kms": kms})
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert set(module_outputs(module_dir)) <= set(rep.view("kms").outputs) <= set(rep.view().outputs)
    # Only the root's log group, without a key of the user's, fails checkov (CKV_AWS_158; and
    # CKV_AWS_297 for a schedule's input): the child with its CMK fails none.
    expected = WITHOUT_KMS if "schedule_arn" in rep.outputs else {"CKV_AWS_158"}
    assert set(rep.checkov.failed_ids) == expected, rep.checkov.failed_pairs
    assert not [pair for pair in rep.checkov.failed_pairs if pair[1].startswith("module.kms.")], \
        rep.checkov.failed_pairs
