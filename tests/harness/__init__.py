"""flowdsl Terraform test harness: terraform runner, patched moto server, checkov runner.

Public API (see the modules for details)::

    terraform_binary()            -> str   # fails loudly if terraform is missing
    provider_mirror()             -> str   # $FLOWDSL_TF_PLUGIN_DIR or a filesystem search
    Terraform(workdir)            .init() .validate() .apply() .plan() .destroy() .output() .state()
    copy_module(src, dst) / new_workdir()
    moto_server()                 -> ctx manager yielding MotoEndpoint(.url, .client(), .provider_config(), .reset())
                                     (flowdsl.sandbox's patched server on a free port)
    validate_asl(definition)      -> list of diagnostics (what the sandbox's ValidateStateMachineDefinition answers)
    lifecycle(module_dir, tfvars, endpoint, mode="root"|"child", inspect=fn) -> LifecycleReport
    inventory(endpoint) / inventory_diff(a, b)
    run_checkov(dir, var_files=[...]) -> CheckovReport(.failed_ids, .failed_pairs, .failed)
        (static; *.tf.json is first rendered to HCL by tfjson_to_hcl: checkov's own
        terraform_json framework crashes on required_version and evaluates no variables)
    run_checkov_plan(plan_json)   # authoritative: lifecycle(..., checkov=True) uses it post-apply
    tfjson_to_hcl(src_dir, dst_dir)
    aws_checks.check_generic / check_on_demand_job / SEED_TFVARS / role_grants (boto3 assertions)

Fixtures (``from harness.fixtures import *`` in a conftest): ``terraform_env`` (session),
``moto`` (session MotoEndpoint); tests/terraform/conftest.py adds ``fresh_moto`` (reset).
"""

from .checkov import CheckovReport, FailedCheck, checkov_binary, run_checkov, run_checkov_plan
from .lifecycle import (
    LifecycleReport,
    inventory,
    inventory_diff,
    lifecycle,
    module_outputs,
    module_variables,
    prepare_workdir,
    provider_blocks,
)
from .moto_server import ACCOUNT_ID, REGION, MotoEndpoint, moto_server, patch_moto, validate_asl
from .tfjson_hcl import tfjson_to_hcl
from .terraform import HarnessError, Terraform, TerraformError, copy_module, new_workdir, provider_mirror, terraform_binary

__all__ = [
    "ACCOUNT_ID", "REGION", "CheckovReport", "FailedCheck", "HarnessError", "LifecycleReport", "MotoEndpoint",
    "Terraform", "TerraformError", "checkov_binary", "copy_module", "inventory", "inventory_diff", "lifecycle",
    "module_outputs", "module_variables", "moto_server", "new_workdir", "patch_moto", "prepare_workdir",
    "provider_blocks", "provider_mirror", "run_checkov", "run_checkov_plan", "terraform_binary", "tfjson_to_hcl",
    "validate_asl",
]
