"""Safe deploys, alarms and the module conventions of every deployment kind, against moto, from
one environment root, in one lifecycle.

Four modules, each with ``alias=Alias(canary=Canary(percent=10))`` and
``alarms=Alarms(topic=...)``: an OnDemandJob, a ScheduledJob, an EventJob on a bus given at
deploy time and a bare StateMachine; each also gets the organisation's conventions from the
root: ``tags``, ``permissions_boundary_arn`` (a policy the root creates) and ``role_path``.

The lifecycle: ``validate``; plans with bad input values, which fail with each input's own
validation message (the provider is installed and started once for all of it); apply (version
1 takes every execution through the alias ``live``; each trigger starts the alias); boto3
checks of the aliases, the triggers' targets and grants, every alarm (its metric, its
dimensions' values, its topic), every role's boundary and path and every taggable resource's
tags; then a change of the definition applied with ``stable_version = 1`` (version 2 is
published and takes 10 percent, version 1 the rest), a ``plan`` that must be empty, and
``destroy``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness import Terraform, lifecycle, module_outputs
from harness.aws_checks import check_conventions, role_grants, role_name

from flowdsl import (Alarms, Alias, Canary, EventJob, EventPattern, OnDemandJob, Pass, ScheduledJob,
                     StateMachine, Variable, Workflow, join, var)
from flowdsl.build import build, write

MODULES = ("ondemand", "nightly", "orders", "bare")
COMMON = [Variable("app_name"), Variable("stage"), Variable("greeting"), Variable("alarm_topic_arn")]
BUS = "shop-events"  # not the rule's name: moto 5.2.5 finds a tagged resource by its name alone
TAGS = {"team": "flows", "cost-center": "42"}
ROLE_PATH = "/flowdsl/deploys/"
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}

# Root inputs passed on to every module (null: the module's own default), so that a plan can give
# each module a bad value: name -> (type, default).
PASSED = {
    "tags": ("map(string)", TAGS),
    "role_path": ("string", ROLE_PATH),
    "permissions_boundary_arn": ("string", None),  # null: the root's boundary policy
    "log_retention_days": ("number", None),
    "kms_key_arn": ("string", None),
    "extra_policy_arns": ("list(string)", None),
    "canary_percent": ("number", None),
    "stable_version": ("number", None),
    "alarm_period_seconds": ("number", None),
    "app_name": ("string", "app"),
}


def workflows() -> list[Workflow]:
    alias, alarms = Alias(canary=Canary(percent=10)), Alarms(topic=var("alarm_topic_arn"))

    def name(suffix: str):
        return join(var("app_name"), "-", var("stage"), "-", suffix)

    deployments = {
        "ondemand": OnDemandJob(name("ondemand"), alias=alias, alarms=alarms),
        "nightly": ScheduledJob(name("nightly"), "cron(0 3 * * ? *)", alias=alias, alarms=alarms),
        "orders": EventJob(name("orders"), EventPattern({"source": ["shop"]}, bus=var("bus")),
                           alias=alias, alarms=alarms),
        "bare": StateMachine(name("bare"), alias=alias, alarms=alarms),
    }
    variables = {"orders": [*COMMON, Variable("bus")]}
    return [Workflow(key, variables=variables.get(key, COMMON), deployment=d,
                     states=[Pass("Greet", parameters={"greeting": var("greeting"), "input.$": "$"})])
            for key, d in deployments.items()]


def environment(root: Path, topic: str) -> Path:
    modules = root / "modules"
    write([build(wf) for wf in workflows()], modules)
    inputs = {"stage": "dev", "greeting": "${var.greeting}", "alarm_topic_arn": topic,
              **{k: f"${{var.{k}}}" for k in PASSED},
              "permissions_boundary_arn": "${coalesce(var.permissions_boundary_arn, aws_iam_policy.boundary.arn)}"}
    own = {"ondemand": {"max_receive_count": "${var.max_receive_count}"},
           "orders": {"bus": "${aws_cloudwatch_event_bus.orders.name}"}}
    variables = {k: {"type": t, "default": d} for k, (t, d) in PASSED.items()}
    main = {
        "variable": {"greeting": {"type": "string", "default": "hello"},
                     "max_receive_count": {"type": "number", "default": None}, **variables},
        "resource": {
            "aws_iam_policy": {"boundary": {"name": "app-dev-deploys-boundary", "policy": json.dumps(BOUNDARY)}},
            "aws_cloudwatch_event_bus": {"orders": {"name": BUS}},
        },
        "module": {name: {"source": f"./modules/{name}", **inputs, **own.get(name, {})} for name in MODULES},
        "output": {"boundary_arn": {"value": "${aws_iam_policy.boundary.arn}"},
                   **{f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                      for name in MODULES for o in module_outputs(modules / name)}},
    }
    (root / "main.tf.json").write_text(json.dumps(main, indent=2))
    return root


def outputs_of(out: dict, module: str) -> dict:
    return {k.split("__", 1)[1]: v for k, v in out.items() if k.startswith(f"{module}__")}


def routes(sfn, alias_arn: str) -> dict[str, int]:
    alias = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)
    return {r["stateMachineVersionArn"]: r["weight"] for r in alias["routingConfiguration"]}


def started_by(ep, module: str, out: dict) -> tuple[str, str]:
    """(the ARN the module's trigger starts, the trigger's role ARN); bare: none."""
    if module == "ondemand":
        pipe = ep.client("pipes").describe_pipe(Name=out["state_machine_name"].replace("-ondemand", "-ondemand-Pipe"))
        return pipe["Target"], pipe["RoleArn"]
    if module == "nightly":
        s = ep.client("scheduler").get_schedule(Name=out["schedule_name"], GroupName=out["schedule_group_name"])
        return s["Target"]["Arn"], s["Target"]["RoleArn"]
    [t] = ep.client("events").list_targets_by_rule(Rule=out["rule_name"], EventBusName=BUS)["Targets"]
    return t["Arn"], t["RoleArn"]


def expected_dimensions(ep, module: str, out: dict) -> dict[str, dict[str, str]]:
    """alarm suffix -> {dimension: value} as deployed, for the trigger's alarms."""
    sm = {"StateMachineArn": out["state_machine_arn"]}
    found = {k: sm for k in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled", "ExecutionsAborted")}
    if "dlq_url" in out:
        found["DlqDepth"] = {"QueueName": out["dlq_url"].rsplit("/", 1)[1]}
    if module == "ondemand":
        pipe = {"PipeName": out["state_machine_name"] + "-Pipe"}
        found |= {"PipeExecutionFailed": pipe, "PipeTargetStageFailed": pipe}
    if module == "nightly":
        group = {"ScheduleGroup": out["schedule_group_name"]}
        found |= {"ScheduleTargetErrors": group, "ScheduleInvocationsDropped": group}
    if module == "orders":
        found["RuleFailedInvocations"] = {"EventBusName": BUS, "RuleName": out["rule_name"]}
    return found


def plan_error(tf: Terraform, values: dict) -> str:
    """A plan with ``values`` for the root's inputs, which must fail: what Terraform said, on one line."""
    (tf.workdir / "wrong.tfvars.json").write_text(json.dumps(values))
    res = tf.run("plan", "-input=false", "-no-color", "-refresh=false", "-var-file=wrong.tfvars.json",
                 check=False)
    assert res.returncode == 1, res.stdout[-3000:]
    return re.sub(r"\s+", " ", res.stderr.replace("│", " "))


def refuse_bad_inputs(tf: Terraform) -> None:
    """Each bad value fails the plan with the module input's own validation message, naming the
    input, in every module that has the input; a name too long for AWS fails it with the
    module's precondition, naming the resource and the inputs to shorten."""
    bad = {"log_retention_days": 42, "kms_key_arn": "alias/mine", "permissions_boundary_arn": "Boundary",
           "role_path": "flows", "extra_policy_arns": ["arn:aws:s3:::bucket"], "tags": {"aws:owner": "me"},
           "max_receive_count": 0, "canary_percent": 150, "stable_version": 1.5, "alarm_period_seconds": 90}
    found = plan_error(tf, bad)
    assert "var.log_retention_days is 42" in found
    every = [
        "log_retention_days must be a retention CloudWatch Logs offers: 0, 1, 3, 5, 7, 14, 30, "
        "60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
        "kms_key_arn must be a KMS key ARN",
        "permissions_boundary_arn must be an IAM policy ARN",
        'role_path must be an IAM path: "/", or "/" and printable ASCII',
        "extra_policy_arns must be IAM policy ARNs",
        'tags: AWS takes at most 50 tags, each key 1-128 characters not starting with "aws:"',
        "canary_percent is a whole number from 0 to 100.",
        "stable_version is a published version's number",
        "alarm_period_seconds is a multiple of 60.",
    ]
    for message in every:
        assert found.count(message) == len(MODULES), (message, found)
    assert found.count("max_receive_count must be a whole number from 1 to 1000") == 1  # the queue's module
    assert found.count("Invalid value for variable") == len(every) * len(MODULES) + 1

    long = "a" * 50
    found = plan_error(tf, {"app_name": long})
    name = f"{long}-dev-ondemand-PipesRole"
    assert (f'aws_iam_role.pipe: the name "{name}" is {len(name)} characters; AWS allows 64: shorten '
            "app_name or stage.") in found, found
    assert "expected length of name" not in found


def inspect(topic: str):
    def run(rep, ep):
        sfn, iam, cw = ep.client("stepfunctions"), ep.client("iam"), ep.client("cloudwatch")
        outs = {name: outputs_of(rep.outputs, name) for name in MODULES}
        for name, out in outs.items():
            sm, alias = out["state_machine_arn"], out["alias_arn"]
            assert alias == f"{sm}:live" and out["state_machine_version_arn"] == f"{sm}:1", out
            assert routes(sfn, alias) == {f"{sm}:1": 100}
            if name != "bare":
                arn, role = started_by(ep, name, out)
                assert arn == alias, (name, arn)
                grants = role_grants(iam, role_name(role))
                assert grants["states:StartExecution"] == {sm, alias}, (name, grants)
            alarms = {a["AlarmName"]: a for a in cw.describe_alarms(
                AlarmNamePrefix=out["state_machine_name"] + "-")["MetricAlarms"]}
            want = expected_dimensions(ep, name, out)
            assert sorted(alarms) == sorted(f"{out['state_machine_name']}-{k}" for k in want), (name, sorted(alarms))
            for suffix, dimensions in want.items():
                a = alarms[f"{out['state_machine_name']}-{suffix}"]
                assert {d["Name"]: d["Value"] for d in a["Dimensions"]} == dimensions, (name, suffix, a)
                assert a["AlarmActions"] == [topic] and a["OKActions"] == [topic], a
                assert a["Period"] == 300 and a["EvaluationPeriods"] == 1 and a["ActionsEnabled"], a
            assert sorted(out["alarm_names"].values()) == sorted(alarms)
        # the conventions: every role has the boundary and the path, every taggable resource the tags
        tagged = check_conventions(rep, ep, tags=TAGS, role_path=ROLE_PATH, min_roles=4 + 3)
        assert tagged == {"aws_cloudwatch_event_rule", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm",
                          "aws_iam_policy", "aws_iam_role", "aws_pipes_pipe", "aws_scheduler_schedule_group",
                          "aws_sfn_state_machine", "aws_sqs_queue"}, tagged
        # A change, applied with stable_version = 1: version 2 is the canary.
        (rep.workdir / "terraform.tfvars.json").write_text(json.dumps({"greeting": "hi", "stable_version": 1}))
        Terraform(rep.workdir).apply()
        for out in outs.values():
            sm = out["state_machine_arn"]
            assert routes(sfn, out["alias_arn"]) == {f"{sm}:2": 10, f"{sm}:1": 90}
            latest = json.loads(sfn.describe_state_machine(stateMachineArn=f"{sm}:2")["definition"])
            assert latest["States"]["Greet"]["Parameters"]["greeting"] == "hi"
        return outs
    return run


@pytest.mark.terraform
def test_aliases_canaries_alarms_and_conventions_of_every_kind(fresh_moto, tmp_path):
    topic = fresh_moto.client("sns").create_topic(Name="flowdsl-alarms")["TopicArn"]
    env = environment(tmp_path / "envs" / "dev", topic)
    rep = lifecycle(env, {}, fresh_moto, mode="root", before_apply=refuse_bad_inputs, inspect=inspect(topic))
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert len(rep.resources("aws_sfn_alias")) == 4
    assert len(rep.resources("aws_cloudwatch_metric_alarm")) == 4 * 4 + 3 + 3 + 2
    assert fresh_moto.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
