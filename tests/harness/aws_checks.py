"""boto3 assertions on what a flowdsl module deployed into moto (used as ``lifecycle(inspect=...)``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .lifecycle import LifecycleReport
from .moto_server import MotoEndpoint, validate_asl

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seed"  # ../shared beside the checkout
GOLDEN_FIBONACCI = SEED_DIR / "fibonacci.definition.json"

# The seed README's example values (region ap-northeast-1, moto's account 123456789012).
SEED_TFVARS: dict[str, Any] = {
    "app_name": "app",
    "stage": "dev",
    "batch_name": "fibonacci",
    "env": {"STAGE": "dev"},
    "batch_job_queue_arn": "arn:aws:batch:ap-northeast-1:123456789012:job-queue/app-dev-queue",
    "image_uri": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app",
    "image_tag": "latest",
    "command": ["python", "/opt/app/job/fibonacci.py", "-b", "Ref::sqs_message_body"],
    "success_handler_arn": "arn:aws:lambda:ap-northeast-1:123456789012:function:ok",
    "error_handler_arn": "arn:aws:lambda:ap-northeast-1:123456789012:function:err",
}


def started(out: dict) -> str:
    """What a module's trigger starts: the alias (safe deploys, every kind's default), or the
    state machine itself when the module has none (``alias=None``)."""
    return out.get("alias_arn") or out["state_machine_arn"]


def start_grant(out: dict) -> set[str]:
    """The resources of the trigger role's ``states:StartExecution``: the state machine (what Step
    Functions authorizes an alias's execution against) and the alias, when there is one."""
    return {out["state_machine_arn"], started(out)}


def _policy_docs(iam, role: str) -> dict[str, dict]:
    """All policy documents effective on a role: inline + attached (customer and AWS managed)."""
    docs: dict[str, dict] = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        docs[f"inline:{name}"] = json.loads(doc) if isinstance(doc, str) else doc
    for att in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        pol = iam.get_policy(PolicyArn=att["PolicyArn"])["Policy"]
        ver = iam.get_policy_version(PolicyArn=att["PolicyArn"], VersionId=pol["DefaultVersionId"])["PolicyVersion"]
        doc = ver["Document"]
        docs[att["PolicyArn"]] = json.loads(doc) if isinstance(doc, str) else doc
    return docs


def statements(doc: dict) -> list[dict]:
    st = doc.get("Statement", [])
    return st if isinstance(st, list) else [st]


def as_list(x: Any) -> list:
    return x if isinstance(x, list) else [x]


def role_grants(iam, role: str, *, include_aws_managed: bool = False) -> dict[str, set[str]]:
    """action -> resources (Allow statements) for a role."""
    grants: dict[str, set[str]] = {}
    for src, doc in _policy_docs(iam, role).items():
        if src.startswith("arn:") and ":iam::aws:policy/" in src and not include_aws_managed:
            continue
        for st in statements(doc):
            if st.get("Effect") != "Allow":
                continue
            for a in as_list(st.get("Action", [])):
                grants.setdefault(a, set()).update(as_list(st.get("Resource", [])))
    return grants


def check_generic(rep: LifecycleReport, ep: MotoEndpoint) -> dict:
    """Module-agnostic checks of a deployed flowdsl module."""
    sfn, sqs, iam = ep.client("stepfunctions"), ep.client("sqs"), ep.client("iam")
    found: dict[str, Any] = {"state_machines": {}, "queues": {}, "roles": {}}
    for r in rep.resources("aws_sfn_state_machine"):
        d = sfn.describe_state_machine(stateMachineArn=r["values"]["arn"])
        definition = d["definition"]
        assert "${" not in definition, f"uninterpolated Terraform template left in definition of {r['address']}"
        assert validate_asl(definition) == [], validate_asl(definition)
        found["state_machines"][r["values"]["name"]] = {"definition": json.loads(definition), "describe": d}
    for r in rep.resources("aws_sqs_queue"):
        attrs = sqs.get_queue_attributes(QueueUrl=r["values"]["url"], AttributeNames=["All"])["Attributes"]
        assert attrs.get("SqsManagedSseEnabled") == "true" or attrs.get("KmsMasterKeyId"), \
            f"{r['address']} is not encrypted at rest: {attrs}"
        found["queues"][r["values"]["name"]] = attrs
    for r in rep.resources("aws_iam_role"):
        name = r["values"]["name"]
        grants = role_grants(iam, name)
        assert "*" not in grants and not any(a.endswith(":*") for a in grants), f"wildcard action on role {name}: {grants}"
        found["roles"][name] = grants
    return found


def check_on_demand_job(rep: LifecycleReport, ep: MotoEndpoint, *, golden: Path | None = GOLDEN_FIBONACCI,
                        tfvars: dict | None = None, max_receive_count: int = 3) -> dict:
    """The seed's on_demand_job shape (SQS+DLQ -> Pipe -> SFN -> Batch + Lambda), deployed."""
    found = check_generic(rep, ep)
    v = {**SEED_TFVARS, **(tfvars or {})}
    out = rep.outputs
    for key in ("queue_url", "queue_arn", "state_machine_arn", "dlq_url", "job_definition_arn"):
        assert out.get(key), f"output {key} missing: {out}"
    sqs = ep.client("sqs")
    q = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=out["dlq_url"], AttributeNames=["All"])["Attributes"]
    assert (q["DelaySeconds"], q["MaximumMessageSize"], q["MessageRetentionPeriod"], q["ReceiveMessageWaitTimeSeconds"],
            q["VisibilityTimeout"]) == ("0", "262144", "604800", "0", "30"), q
    assert q["QueueArn"] == out["queue_arn"]
    rp = json.loads(q["RedrivePolicy"])
    assert rp == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": max_receive_count}, rp
    if v.get("kms_key_arn"):
        assert q.get("KmsMasterKeyId") == v["kms_key_arn"] and dlq.get("KmsMasterKeyId") == v["kms_key_arn"], (q, dlq)
    else:
        assert q["SqsManagedSseEnabled"] == "true" and dlq["SqsManagedSseEnabled"] == "true"

    # pipe
    pipes = ep.client("pipes")
    mine = [p for p in pipes.list_pipes()["Pipes"] if p["Source"] == out["queue_arn"]]
    assert len(mine) == 1, mine
    pipe = pipes.describe_pipe(Name=mine[0]["Name"])
    assert pipe["Target"] == started(out)
    assert pipe["SourceParameters"]["SqsQueueParameters"]["BatchSize"] == 1
    assert pipe["TargetParameters"]["StepFunctionStateMachineParameters"]["InvocationType"] == "FIRE_AND_FORGET"

    # job definition
    batch = ep.client("batch")
    jd = batch.describe_job_definitions(jobDefinitions=[out["job_definition_arn"]])["jobDefinitions"][0]
    assert jd["type"] == "container" and jd["platformCapabilities"] == ["FARGATE"], jd
    cp = jd["containerProperties"]
    assert cp["image"] == f"{v['image_uri']}:{v['image_tag']}"
    assert {e["name"]: e["value"] for e in cp.get("environment", [])} == v["env"]
    assert cp["fargatePlatformConfiguration"]["platformVersion"] == "1.4.0"
    rr = {r["type"]: r["value"] for r in cp["resourceRequirements"]}
    assert rr == {"VCPU": v.get("vcpus", "1"), "MEMORY": v.get("memory", "2048")}, rr
    iam = ep.client("iam")
    role_by_arn = {r["Arn"]: r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert cp["jobRoleArn"] in role_by_arn and cp["executionRoleArn"] in role_by_arn

    # state machine + log group
    sfn = ep.client("stepfunctions")
    sm = sfn.describe_state_machine(stateMachineArn=out["state_machine_arn"])
    definition = json.loads(sm["definition"])
    if golden is not None:
        assert definition == json.loads(Path(golden).read_text()), "deployed definition != golden"
    lc = sm["loggingConfiguration"]
    assert lc["level"] == "ALL" and lc["includeExecutionData"] is True, lc
    dest = lc["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"]
    assert dest.endswith(":*")
    lg_name = dest.split(":log-group:", 1)[1][: -len(":*")]
    groups = ep.client("logs").describe_log_groups(logGroupNamePrefix=lg_name)["logGroups"]
    lg = [g for g in groups if g["logGroupName"] == lg_name]
    assert lg and lg[0].get("retentionInDays") == v.get("log_retention_days", 365), lg
    if v.get("kms_key_arn"):
        assert lg[0].get("kmsKeyId") == v["kms_key_arn"], lg
    tracing = v.get("tracing_enabled", True)
    assert sm.get("tracingConfiguration", {}).get("enabled", False) is tracing, sm.get("tracingConfiguration")

    # IAM: narrow grants
    sm_role = role_by_arn[sm["roleArn"]]
    g = role_grants(iam, sm_role)
    jd_arn = out["job_definition_arn"]
    assert g["batch:SubmitJob"] <= {jd_arn, jd_arn.rsplit(":", 1)[0], jd_arn.rsplit(":", 1)[0] + ":*",
                                    v["batch_job_queue_arn"]}, g["batch:SubmitJob"]
    assert v["batch_job_queue_arn"] in g["batch:SubmitJob"]
    lam = {v["success_handler_arn"], v["success_handler_arn"] + ":*", v["error_handler_arn"], v["error_handler_arn"] + ":*"}
    assert g["lambda:InvokeFunction"] == lam, g["lambda:InvokeFunction"]
    for a in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        assert g[a] == {f"arn:aws:events:{ep.region}:{ep.account_id}:rule/StepFunctionsGetEventsForBatchJobsRule"}, g[a]
    allowed_star = {"batch:DescribeJobs", "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies", "logs:DescribeLogGroups", "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
    starred = {a for a, res in g.items() if "*" in res}
    assert starred <= allowed_star, starred - allowed_star
    assert any(a.startswith("xray:") for a in g) is tracing, sorted(g)

    pipe_g = role_grants(iam, role_by_arn[pipe["RoleArn"]])
    assert pipe_g["states:StartExecution"] == start_grant(out)
    for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert pipe_g[a] == {out["queue_arn"]}, pipe_g
    assert all("*" not in r for r in pipe_g.values()), pipe_g

    exe = role_by_arn[cp["executionRoleArn"]]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=exe)["AttachedPolicies"]]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"], attached
    task_g = role_grants(iam, role_by_arn[cp["jobRoleArn"]])
    assert all("*" != r for res in task_g.values() for r in res), \
        f"ECS task role grants on Resource '*': { {a: sorted(r) for a, r in task_g.items() if '*' in r} }"
    assert task_g["secretsmanager:GetSecretValue"] == {
        f"arn:aws:secretsmanager:{ep.region}:{ep.account_id}:secret:/{v['app_name']}/*"}
    found["definition"] = definition
    return found


# ------------------------------------------------------------------ the other deployment kinds

def assume_policy(iam, role_arn: str) -> dict:
    name = role_arn.rsplit("/", 1)[1]
    doc = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(doc) if isinstance(doc, str) else doc


def role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[1]


def check_service_trust(iam, role_arn: str, service: str, account_id: str, source_arn: str) -> None:
    """Only ``service`` may assume the role, and only for ``source_arn`` in this account."""
    [st] = statements(assume_policy(iam, role_arn))
    assert st["Principal"] == {"Service": service} and st["Action"] == "sts:AssumeRole", st
    assert st["Condition"] == {"StringEquals": {"aws:SourceAccount": account_id},
                               "ArnLike": {"aws:SourceArn": source_arn}}, st


def check_scheduled_job(ep: MotoEndpoint, out: dict, *, expression: str, timezone: str, window: int | None,
                        input_: dict, kms_key_arn: str | None = None) -> dict:
    """A ScheduledJob module's schedule, its target, its role and its grants."""
    sch, iam = ep.client("scheduler"), ep.client("iam")
    s = sch.get_schedule(Name=out["schedule_name"], GroupName=out["schedule_group_name"])
    assert s["Arn"] == out["schedule_arn"] and s["State"] == "ENABLED", s
    assert (s["ScheduleExpression"], s["ScheduleExpressionTimezone"]) == (expression, timezone), s
    want_window = {"Mode": "OFF"} if window is None else {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": window}
    assert s["FlexibleTimeWindow"] == want_window, s["FlexibleTimeWindow"]
    t = s["Target"]
    assert t["Arn"] == started(out) and t["RoleArn"] == out["scheduler_role_arn"], t
    assert json.loads(t["Input"]) == input_ and "\\u003c" not in t["Input"], t["Input"]
    assert t["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}, t
    assert t["DeadLetterConfig"] == {"Arn": out["dlq_arn"]}, t
    assert s.get("KmsKeyArn") == kms_key_arn, s.get("KmsKeyArn")
    group = sch.get_schedule_group(Name=out["schedule_group_name"])
    assert group["State"] == "ACTIVE", group
    check_service_trust(iam, out["scheduler_role_arn"], "scheduler.amazonaws.com", ep.account_id,
                        f"arn:aws:scheduler:{ep.region}:{ep.account_id}:schedule-group/"
                        f"{out['schedule_group_name']}")
    grants = role_grants(iam, role_name(out["scheduler_role_arn"]))
    want = {"states:StartExecution": start_grant(out), "sqs:SendMessage": {out["dlq_arn"]}}
    if kms_key_arn:
        want.update({"kms:Decrypt": {kms_key_arn}, "kms:GenerateDataKey": {kms_key_arn}})
    assert grants == want, grants
    return s


def check_event_job(ep: MotoEndpoint, out: dict, *, pattern: dict, paths: dict | None, template: str | None,
                    bus: str = "default") -> dict:
    """An EventJob module's rule, its target, the target's role and grants, and the DLQ's policy."""
    events, iam, sqs = ep.client("events"), ep.client("iam"), ep.client("sqs")
    rule = events.describe_rule(Name=out["rule_name"], EventBusName=bus)
    assert rule["Arn"] == out["rule_arn"] and rule["State"] == "ENABLED", rule
    assert json.loads(rule["EventPattern"]) == pattern, rule["EventPattern"]
    [target] = events.list_targets_by_rule(Rule=out["rule_name"], EventBusName=bus)["Targets"]
    assert target["Arn"] == started(out) and target["RoleArn"] == out["events_role_arn"], target
    if paths is None:
        assert "InputTransformer" not in target, target
    else:
        assert target["InputTransformer"] == {"InputPathsMap": paths, "InputTemplate": template}, target
    assert target["DeadLetterConfig"] == {"Arn": out["dlq_arn"]}, target
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}, target
    check_service_trust(iam, out["events_role_arn"], "events.amazonaws.com", ep.account_id,
                        out["rule_arn"])
    grants = role_grants(iam, role_name(out["events_role_arn"]))
    assert grants == {"states:StartExecution": start_grant(out)}, grants
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=out["dlq_url"], AttributeNames=["Policy"])
                        ["Attributes"]["Policy"])
    [st] = statements(policy)
    assert (st["Effect"], st["Action"], st["Resource"]) == ("Allow", "sqs:SendMessage", out["dlq_arn"]), st
    assert st["Principal"] == {"Service": "events.amazonaws.com"}, st
    assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": out["rule_arn"]}}, st
    return target


def check_state_machine_only(ep: MotoEndpoint, out: dict, *, type_: str = "STANDARD") -> dict:
    """A StateMachine module: the machine, named as its outputs say, its log group and role."""
    sfn = ep.client("stepfunctions")
    sm = sfn.describe_state_machine(stateMachineArn=out["state_machine_arn"])
    assert sm["name"] == out["state_machine_name"] and sm["type"] == type_, sm
    dest = sm["loggingConfiguration"]["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"]
    assert dest.endswith(f":log-group:{out['log_group_name']}:*"), dest
    grants = role_grants(ep.client("iam"), role_name(sm["roleArn"]))
    assert "logs:CreateLogDelivery" in grants, grants
    return sm


def check_pipe(ep: MotoEndpoint, out: dict, *, invocation_type: str) -> dict:
    """An OnDemandJob's pipe: queue -> state machine, the invocation type and the matching grant."""
    pipes, iam = ep.client("pipes"), ep.client("iam")
    [p] = [p for p in pipes.list_pipes()["Pipes"] if p["Source"] == out["queue_arn"]]
    pipe = pipes.describe_pipe(Name=p["Name"])
    assert pipe["Target"] == started(out), pipe
    assert pipe["TargetParameters"]["StepFunctionStateMachineParameters"]["InvocationType"] == invocation_type
    grants = role_grants(iam, role_name(pipe["RoleArn"]))
    start = "states:StartExecution" if invocation_type == "FIRE_AND_FORGET" else "states:StartSyncExecution"
    assert grants[start] == start_grant(out), grants
    assert not ({"states:StartExecution", "states:StartSyncExecution"} - {start}) & set(grants), grants
    return pipe


# ------------------------------------------------------------------ the module conventions

def tags_of(ep: MotoEndpoint, type_: str, values: dict) -> dict[str, str] | None:
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
    if type_ == "aws_cloudwatch_metric_alarm":
        return {t["Key"]: t["Value"] for t in
                ep.client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]}
    return None


def check_conventions(rep: LifecycleReport, ep: MotoEndpoint, *, tags: dict[str, str], role_path: str,
                      baseline: str | None = None, min_roles: int = 1) -> set[str]:
    """Every role the modules created: the boundary (the root's output ``boundary_arn``), the
    path and, when given, the baseline policy; every taggable resource: the tags. Returns the
    taggable types looked at."""
    from flowdsl.terraform import TAGGABLE

    iam = ep.client("iam")
    boundary = rep.outputs["boundary_arn"]
    roles = rep.resources("aws_iam_role")
    assert len(roles) >= min_roles, [r["address"] for r in roles]
    for r in roles:
        role = iam.get_role(RoleName=r["values"]["name"])["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary, role
        assert role["Path"] == role_path and role["Arn"].endswith(f":role{role_path}{role['RoleName']}"), role
        if baseline is not None:
            attached = {a["PolicyArn"] for a in
                        iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]}
            assert baseline in attached, (r["address"], attached)
    tagged: set[str] = set()
    for type_ in sorted(TAGGABLE):
        for r in rep.resources(type_):
            if not r["address"].startswith("module."):
                continue  # the root's own policies
            assert tags_of(ep, type_, r["values"]) == tags, r["address"]
            tagged.add(type_)
    return tagged
