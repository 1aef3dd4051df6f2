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
        "nightly": {**COMMON, **NIGHTLY, "kms_key_arn": kms_key_arn},
        "worker": COMMON,
        "uploads": {**COMMON, "bucket_name": BUCKET,
                    "worker_state_machine_arn": "${module.worker.state_machine_arn}"},
        "api": COMMON,
        "crunch": {**COMMON, "batch_job_queue_arn": NIGHTLY["batch_job_queue_arn"], "vcpus": 1,
                   "memory": 2048},
    }
    main: dict = {
        "resource": {"aws_iam_policy": {"boundary": {"name": "app-dev-boundary", "policy": json.dumps(BOUNDARY)}}},
        "output": {"boundary_arn": {"value": "${aws_iam_policy.boundary.arn}"}},
        "module": {name: {"source": f"./modules/{name}", **values, **CONVENTIONS}
                   for name, values in inputs.items()},
    }
    main["output"].update({f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                           for name in inputs for o in module_outputs(modules / name)})
    (root / "main.tf.json").write_text(json.dumps(main, indent=2))
    return root


def outputs_of(out: dict, module: str) -> dict:
    return {k.split("__", 1)[1]: v for k, v in out.items() if k.startswith(f"{module}__")}


def inspect(kms_key_arn: str):
    def run(rep, ep):
        found = check_generic(rep, ep)
        out = {name: outputs_of(rep.outputs, name) for name in MODULES}
        check_conventions(rep, ep)
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


def tags_of(ep, type_: str, values: dict) -> dict[str, str] | None:
    """The tags AWS holds for a resource of ``type_`` (None: flowdsl does not tag that type)."""
    arn = values.get("arn")
    if type_ == "aws_iam_role":
        return {t["Key"]: t["Value"] for t in ep.client("iam").list_role_tags(RoleName=values["name"])["Tags"]}
    if type_ == "aws_iam_policy":
        return {t["Key"]: t["Value"] for t in ep.client("iam").list_policy_tags(PolicyArn=arn)["Tags"]}
    if type_ == "aws_sqs_queue":
        return ep.client("sqs").list_queue_tags(QueueUrl=values["url"]).get("Tags", {})
    if type_ == "aws_sfn_state_machine":
        return {t["key"]: t["value"] for t in
                ep.client("stepfunctions").list_tags_for_resource(resourceArn=arn)["tags"]}
    if type_ == "aws_cloudwatch_log_group":
        return ep.client("logs").list_tags_log_group(logGroupName=values["name"])["tags"]
    if type_ == "aws_cloudwatch_event_rule":
        return {t["Key"]: t["Value"] for t in ep.client("events").list_tags_for_resource(ResourceARN=arn)["Tags"]}
    if type_ == "aws_scheduler_schedule_group":
        return {t["Key"]: t["Value"] for t in ep.client("scheduler").list_tags_for_resource(ResourceArn=arn)["Tags"]}
    if type_ == "aws_pipes_pipe":
        return ep.client("pipes").describe_pipe(Name=values["name"]).get("Tags", {})
    if type_ == "aws_batch_job_definition":
        [jd] = ep.client("batch").describe_job_definitions(jobDefinitions=[arn])["jobDefinitions"]
        return jd.get("tags", {})
    return None


def check_conventions(rep, ep) -> None:
    """Every role: the boundary, the path and the baseline policy; every taggable resource: the tags."""
    from flowdsl.terraform import TAGGABLE

    iam = ep.client("iam")
    boundary = rep.outputs["boundary_arn"]
    roles = rep.resources("aws_iam_role")
    assert len(roles) >= 10, [r["address"] for r in roles]
    for r in roles:
        role = iam.get_role(RoleName=r["values"]["name"])["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary, role
        assert role["Path"] == ROLE_PATH and role["Arn"].endswith(f":role{ROLE_PATH}{role['RoleName']}"), role
        attached = {a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]}
        assert BASELINE in attached, (r["address"], attached)
    tagged: set[str] = set()
    for type_ in sorted(TAGGABLE):
        for r in rep.resources(type_):
            if not r["address"].startswith("module."):
                continue  # the root's own policies
            assert tags_of(ep, type_, r["values"]) == TAGS, r["address"]
            tagged.add(type_)
    # every taggable type the environment deploys was looked at
    assert tagged == {"aws_batch_job_definition", "aws_cloudwatch_event_rule", "aws_cloudwatch_log_group",
                      "aws_iam_policy", "aws_iam_role", "aws_pipes_pipe", "aws_scheduler_schedule_group",
                      "aws_sfn_state_machine", "aws_sqs_queue"}, tagged


@pytest.mark.terraform
def test_every_kind_from_one_environment_root(fresh_moto, tmp_path):
    key = fresh_moto.client("kms").create_key(Description="flowdsl env CMK")["KeyMetadata"]["Arn"]
    env = environment(tmp_path / "envs" / "dev", key)
    rep = lifecycle(env, {}, fresh_moto, mode="root", checkov=True, inspect=inspect(key))
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
