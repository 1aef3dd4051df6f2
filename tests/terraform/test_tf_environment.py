"""Every deployment kind, deployed together from one environment root, the way the seed's
``envs/<name>/main.tf`` uses its modules: one ``terraform apply`` against moto, boto3 checks
of each trigger, its target, its role and its grants, ``plan -detailed-exitcode`` = 0, checkov
on the plan, ``destroy`` leaving nothing behind.

The modules: ``build/nightly`` (ScheduledJob, as committed, with a KMS key) and the workflows
of ``env_workflows/``, built here with ``flowdsl build``'s library: ``uploads`` (EventJob on
S3 Object Created, with an input transformer; it starts ``worker`` through ``worker.arn``),
``worker`` (StateMachine), ``api`` (OnDemandJob, EXPRESS, pipe REQUEST_RESPONSE) and ``crunch``
(StateMachine running a Batch job sized by number inputs).

Every module gets the organisation's conventions: ``tags``, a permissions boundary (a policy the
root creates), a ``role_path`` and an extra managed policy; boto3 checks that every role has
them and every taggable resource the tags.

Before the apply, with the provider installed: a plan with job sizes Fargate does not offer
fails with each module's own validation message (crunch's number inputs, nightly's strings).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from harness import Terraform, lifecycle, module_outputs
from harness.aws_checks import (SEED_TFVARS, check_conventions, check_event_job, check_generic, check_pipe,
                                check_scheduled_job, check_state_machine_only, role_grants, role_name)

from flowdsl.build import build, write
from flowdsl.loader import load_folder

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = Path(__file__).resolve().parent / "env_workflows"
COMMON = {"app_name": "app", "stage": "dev"}
BUCKET = "app-dev-uploads"
NIGHTLY = {k: SEED_TFVARS[k] for k in ("batch_job_queue_arn", "image_uri", "env", "success_handler_arn",
                                       "error_handler_arn")}
MODULES = ("nightly", "worker", "uploads", "api", "crunch")
TAGS = {"team": "flows", "cost-center": "42"}
ROLE_PATH = "/flowdsl/dev/"
# The boundary every role gets (a policy the root creates), and a baseline every role has
# attached (an AWS managed policy, which the grant checks of each module leave aside).
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
BASELINE = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
CONVENTIONS = {"tags": TAGS, "role_path": ROLE_PATH,
               "permissions_boundary_arn": "${aws_iam_policy.boundary.arn}",
               "extra_policy_arns": [BASELINE]}


def environment(root: Path, kms_key_arn: str) -> Path:
    """envs/dev: the four modules, wired together, every output re-exported as <module>__<output>."""
    modules = root / "modules"
    write([build(wf) for wf in load_folder(WORKFLOWS)], modules)
    shutil.copytree(REPO / "build" / "nightly", modules / "nightly")
    inputs = {
        "nightly": {**COMMON, **NIGHTLY, "kms_key_arn": kms_key_arn, "vcpus": "${var.nightly_vcpus}",
                    "memory": "${var.nightly_memory}"},
        "worker": COMMON,
        "uploads": {**COMMON, "bucket_name": BUCKET,
                    "worker_state_machine_arn": "${module.worker.state_machine_arn}"},
        "api": COMMON,
        "crunch": {**COMMON, "batch_job_queue_arn": NIGHTLY["batch_job_queue_arn"], "vcpus": "${var.crunch_vcpus}",
                   "memory": "${var.crunch_memory}"},
    }
    main: dict = {
        # the job sizes, root inputs so that a plan can give bad ones
        "variable": {"crunch_vcpus": {"type": "number", "default": 1}, "crunch_memory": {"type": "number", "default": 2048},
                     "nightly_vcpus": {"type": "string", "default": "1"},
                     "nightly_memory": {"type": "string", "default": "2048"}},
        "resource": {"aws_iam_policy": {"boundary": {"name": "app-dev-boundary", "policy": json.dumps(BOUNDARY)}}},
        "output": {"boundary_arn": {"value": "${aws_iam_policy.boundary.arn}"}},
        "module": {name: {"source": f"./modules/{name}", **values, **CONVENTIONS}
                   for name, values in inputs.items()},
    }
    main["output"].update({f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                           for name in inputs for o in module_outputs(modules / name)})
    (root / "main.tf.json").write_text(json.dumps(main, indent=2))
    return root


def refuse_bad_sizes(tf: Terraform) -> None:
    """Job sizes Fargate does not offer fail the plan with the module's message, for a number
    input (crunch) and a string one (nightly)."""
    (tf.workdir / "wrong.tfvars.json").write_text(json.dumps(
        {"crunch_vcpus": 3, "crunch_memory": 100, "nightly_vcpus": "3", "nightly_memory": "lots"}))
    res = tf.run("plan", "-input=false", "-no-color", "-refresh=false", "-var-file=wrong.tfvars.json", check=False)
    assert res.returncode == 1, res.stdout[-3000:]
    found = re.sub(r"\s+", " ", res.stderr.replace("│", " "))
    assert found.count("vcpus must be a Fargate vCPU count: 0.25, 0.5, 1, 2, 4, 8, 16.") == 2, found
    assert found.count("memory must be the job's memory in MiB, 512 to 122880 (Fargate).") == 2, found
    assert found.count("Invalid value for variable") == 4, found


def outputs_of(out: dict, module: str) -> dict:
    return {k.split("__", 1)[1]: v for k, v in out.items() if k.startswith(f"{module}__")}


def inspect(kms_key_arn: str):
    def run(rep, ep):
        found = check_generic(rep, ep)
        out = {name: outputs_of(rep.outputs, name) for name in MODULES}
        tagged = check_conventions(rep, ep, tags=TAGS, role_path=ROLE_PATH, baseline=BASELINE, min_roles=10)
        # every taggable type the environment deploys was looked at
        assert tagged == {"aws_batch_job_definition", "aws_cloudwatch_event_rule", "aws_cloudwatch_log_group",
                          "aws_iam_policy", "aws_iam_role", "aws_pipes_pipe", "aws_scheduler_schedule_group",
                          "aws_sfn_state_machine", "aws_sqs_queue"}, tagged
        # crunch's number inputs reach the job definition as the strings Batch takes
        batch = ep.client("batch")
        [jd] = batch.describe_job_definitions(
            jobDefinitions=[out["crunch"]["job_definition_arn"]])["jobDefinitions"]
        assert {r["type"]: r["value"] for r in jd["containerProperties"]["resourceRequirements"]} == \
            {"VCPU": "1", "MEMORY": "2048"}, jd
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
    rep = lifecycle(env, {}, fresh_moto, mode="root", checkov=True, before_apply=refuse_bad_sizes,
                    inspect=inspect(key))
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert sorted(rep.created["schedules"]) == ["app-dev-nightly-report-ScheduledJob/app-dev-nightly-report-ScheduledJob"]
    assert len(rep.created["event_rules"]) == 1 and len(rep.created["sfn"]) == 5
    # Without a key, the log groups use CloudWatch Logs' own encryption (CKV_AWS_158), as in
    # fibonacci's module; nightly, given a key, fails nothing.
    # (the root's boundary is broad by design: checkov's findings on it are not the modules')
    assert {r for _, r in rep.checkov.failed_pairs if not r.startswith("module.")} == {"aws_iam_policy.boundary"}
    assert [p for p in rep.checkov.failed_pairs if p[1].startswith("module.")] == [
        ("CKV_AWS_158", "module.api.aws_cloudwatch_log_group.state_machine"),
        ("CKV_AWS_158", "module.crunch.aws_cloudwatch_log_group.state_machine"),
        ("CKV_AWS_158", "module.uploads.aws_cloudwatch_log_group.state_machine"),
        ("CKV_AWS_158", "module.worker.aws_cloudwatch_log_group.state_machine"),
    ]
