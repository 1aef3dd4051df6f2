"""Safe deploys and alarms of every deployment kind, against moto, from one environment root.

Four modules, each with ``alias=Alias(canary=Canary(percent=10))`` and
``alarms=Alarms(topic=...)``: an OnDemandJob, a ScheduledJob, an EventJob and a bare
StateMachine. One lifecycle: apply (version 1 takes every execution through the alias ``live``;
each trigger starts the alias), then a change of the definition applied with
``stable_version = 1`` (version 2 is published and takes 10 percent, version 1 the rest), a
``plan`` that must be empty, and ``destroy``. boto3 checks the aliases, the triggers' targets
and grants, and every alarm (its metric, its dimensions' values, its topic).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import Terraform, lifecycle, module_outputs
from harness.aws_checks import role_grants, role_name

from flowdsl import (Alarms, Alias, Canary, EventJob, OnDemandJob, Pass, S3ObjectCreated, ScheduledJob,
                     StateMachine, Variable, Workflow, join, var)
from flowdsl.build import build, write

MODULES = ("ondemand", "nightly", "uploads", "bare")
COMMON = [Variable("app_name"), Variable("stage"), Variable("greeting"), Variable("alarm_topic_arn")]


def workflows() -> list[Workflow]:
    alias, alarms = Alias(canary=Canary(percent=10)), Alarms(topic=var("alarm_topic_arn"))

    def name(suffix: str):
        return join(var("app_name"), "-", var("stage"), "-", suffix)

    deployments = {
        "ondemand": OnDemandJob(name("ondemand"), alias=alias, alarms=alarms),
        "nightly": ScheduledJob(name("nightly"), "cron(0 3 * * ? *)", alias=alias, alarms=alarms),
        "uploads": EventJob(name("uploads"), S3ObjectCreated("app-dev-uploads"), alias=alias, alarms=alarms),
        "bare": StateMachine(name("bare"), alias=alias, alarms=alarms),
    }
    return [Workflow(key, variables=COMMON, deployment=d,
                     states=[Pass("Greet", parameters={"greeting": var("greeting"), "input.$": "$"})])
            for key, d in deployments.items()]


def environment(root: Path, topic: str) -> Path:
    modules = root / "modules"
    write([build(wf) for wf in workflows()], modules)
    inputs = {"app_name": "app", "stage": "dev", "greeting": "${var.greeting}", "alarm_topic_arn": topic,
              "stable_version": "${var.stable_version}"}
    main = {
        "variable": {"greeting": {"type": "string", "default": "hello"},
                     "stable_version": {"type": "number", "default": None}},
        "module": {name: {"source": f"./modules/{name}", **inputs} for name in MODULES},
        "output": {f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                   for name in MODULES for o in module_outputs(modules / name)},
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
    [t] = ep.client("events").list_targets_by_rule(Rule=out["rule_name"])["Targets"]
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
    if module == "uploads":
        found["RuleFailedInvocations"] = {"RuleName": out["rule_name"]}
    return found


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
def test_aliases_canaries_and_alarms_of_every_kind(fresh_moto, tmp_path):
    topic = fresh_moto.client("sns").create_topic(Name="flowdsl-alarms")["TopicArn"]
    env = environment(tmp_path / "envs" / "dev", topic)
    rep = lifecycle(env, {}, fresh_moto, mode="root", inspect=inspect(topic))
    assert rep.plan_exitcode == 0 and rep.leftovers == {}
    assert len(rep.resources("aws_sfn_alias")) == 4
    assert len(rep.resources("aws_cloudwatch_metric_alarm")) == 4 * 4 + 3 + 3 + 2
    assert fresh_moto.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


@pytest.mark.terraform
def test_the_inputs_refuse_a_wrong_canary_and_a_bus_given_at_deploy_time_validates(moto, tmp_path):
    from harness import prepare_workdir

    from flowdsl import EventPattern

    wf = Workflow("orders", variables=[Variable("bus"), Variable("alarm_topic_arn")], states=[Pass("A")],
                  deployment=EventJob("orders", EventPattern({"source": ["shop"]}, bus=var("bus")),
                                      alias=Alias(canary=Canary()), alarms=Alarms(topic=var("alarm_topic_arn"))))
    write([build(wf)], tmp_path / "modules")
    wd = prepare_workdir(tmp_path / "modules" / "orders", {"bus": "orders", "alarm_topic_arn": "arn:aws:sns:x"},
                         moto, workdir=tmp_path / "wd")
    tf = Terraform(wd)
    tf.init()
    assert tf.validate()["valid"]
    (wd / "wrong.tfvars.json").write_text(json.dumps(
        {"canary_percent": 150, "stable_version": 1.5, "alarm_period_seconds": 90}))
    res = tf.run("plan", "-input=false", "-no-color", "-var-file=wrong.tfvars.json", check=False)
    said = " ".join(res.stderr.split())
    assert res.returncode == 1, res.stdout
    for message in ("canary_percent is a whole number from 0 to 100.",
                    "stable_version is a published version's number",
                    "alarm_period_seconds is a multiple of 60."):
        assert message in said, said
