"""Every deployment kind, deployed together from one environment root, the way the seed's
``envs/<name>/main.tf`` uses its modules: one ``terraform apply`` against moto, boto3 checks
of each trigger, its target, its role and its grants, ``plan -detailed-exitcode`` = 0, checkov
on the plan, ``destroy`` leaving nothing behind.

The modules: ``build/nightly`` (ScheduledJob, as committed, with a KMS key) and the workflows
of ``env_workflows/``, built here with ``flowdsl build``'s library: ``uploads`` (EventJob on
S3 Object Created, with an input transformer; it starts ``worker`` through ``worker.arn``),
``worker`` (StateMachine) and ``api`` (OnDemandJob, EXPRESS, pipe REQUEST_RESPONSE).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness import lifecycle, module_outputs
from harness.aws_checks import (SEED_TFVARS, check_event_job, check_generic, check_pipe, check_scheduled_job,
                                check_state_machine_only, role_grants, role_name)

from flowdsl.build import build, write
from flowdsl.loader import load_folder

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = Path(__file__).resolve().parent / "env_workflows"
COMMON = {"app_name": "app", "stage": "dev"}
BUCKET = "app-dev-uploads"
NIGHTLY = {k: SEED_TFVARS[k] for k in ("batch_job_queue_arn", "image_uri", "env", "success_handler_arn",
                                       "error_handler_arn")}


def environment(root: Path, kms_key_arn: str) -> Path:
    """envs/dev: the four modules, wired together, every output re-exported as <module>__<output>."""
    modules = root / "modules"
    write([build(wf) for wf in load_folder(WORKFLOWS)], modules)
    shutil.copytree(REPO / "build" / "nightly", modules / "nightly")
    inputs = {
        "nightly": {**COMMON, **NIGHTLY, "kms_key_arn": kms_key_arn},
        "worker": COMMON,
        "uploads": {**COMMON, "bucket_name": BUCKET,
                    "worker_state_machine_arn": "${module.worker.state_machine_arn}"},
        "api": COMMON,
    }
    main = {
        "module": {name: {"source": f"./modules/{name}", **values} for name, values in inputs.items()},
        "output": {f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                   for name in inputs for o in module_outputs(modules / name)},
    }
    (root / "main.tf.json").write_text(json.dumps(main, indent=2))
    return root


def outputs_of(out: dict, module: str) -> dict:
    return {k.split("__", 1)[1]: v for k, v in out.items() if k.startswith(f"{module}__")}


def inspect(kms_key_arn: str):
    def run(rep, ep):
        found = check_generic(rep, ep)
        out = {name: outputs_of(rep.outputs, name) for name in ("nightly", "worker", "uploads", "api")}
        check_scheduled_job(ep, out["nightly"], expression="cron(0 3 * * ? *)", timezone="Asia/Tokyo", window=15,
                            input_={"scheduled_time": "<aws.scheduler.scheduled-time>"}, kms_key_arn=kms_key_arn)
        check_event_job(ep, out["uploads"], pattern={
            "source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [BUCKET]}, "object": {"key": [{"prefix": "incoming/"}]}},
        }, paths={"bucket": "$.detail.bucket.name", "key": "$.detail.object.key"},
            template='{"bucket":"<bucket>","key":"<key>"}')
        check_state_machine_only(ep, out["worker"])
        check_state_machine_only(ep, out["api"], type_="EXPRESS")
        check_pipe(ep, out["api"], invocation_type="REQUEST_RESPONSE")
        # uploads starts worker: the typed reference became worker's deployed ARN
        sfn = ep.client("stepfunctions")
        definition = json.loads(sfn.describe_state_machine(
            stateMachineArn=out["uploads"]["state_machine_arn"])["definition"])
        assert definition["States"]["StartWorker"]["Parameters"]["StateMachineArn"] == \
            out["worker"]["state_machine_arn"]
        assert definition["States"]["StartWorker"]["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
        # ... and uploads' role may start the worker and follow its executions, nothing else
        role = sfn.describe_state_machine(stateMachineArn=out["uploads"]["state_machine_arn"])["roleArn"]
        grants = role_grants(ep.client("iam"), role_name(role))
        worker = out["worker"]["state_machine_arn"]
        assert grants["states:StartExecution"] == {worker}, grants
        executions = {worker.replace(":stateMachine:", ":execution:") + ":*"}
        assert grants["states:DescribeExecution"] == grants["states:StopExecution"] == executions, grants
        assert grants["events:PutRule"] == {
            f"arn:aws:events:{ep.region}:{ep.account_id}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"}
        return found
    return run


@pytest.mark.terraform
def test_every_kind_from_one_environment_root(fresh_moto, tmp_path):
    key = fresh_moto.client("kms").create_key(Description="flowdsl env CMK")["KeyMetadata"]["Arn"]
    env = environment(tmp_path / "envs" / "dev", key)
    rep = lifecycle(env, {}, fresh_moto, mode="root", checkov=True, inspect=inspect(key))
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert sorted(rep.created["schedules"]) == ["app-dev-nightly-report-ScheduledJob/app-dev-nightly-report-ScheduledJob"]
    assert len(rep.created["event_rules"]) == 1 and len(rep.created["sfn"]) == 4
    # Without a key, the log groups use CloudWatch Logs' own encryption (CKV_AWS_158), as in
    # fibonacci's module; nightly, given a key, fails nothing.
    assert rep.checkov.failed_pairs == [
        ("CKV_AWS_158", "module.api.aws_cloudwatch_log_group.state_machine"),
        ("CKV_AWS_158", "module.uploads.aws_cloudwatch_log_group.state_machine"),
        ("CKV_AWS_158", "module.worker.aws_cloudwatch_log_group.state_machine"),
    ]
