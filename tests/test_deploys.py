"""Safe deploys (``alias=Alias(...)``, every kind's default: versions, an alias, an optional
canary; ``alias=None`` opts out) and alarms (``alarms=Alarms(...)``) of every deployment kind,
as the Terraform module holds them; the lifecycle against moto is
tests/terraform/test_tf_deploys.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowdsl import (Alarms, Alias, Canary, EventJob, EventPattern, OnDemandJob, Pass, Pipe,
                     S3ObjectCreated, ScheduledJob, StateMachine, Variable, Workflow, var)
from flowdsl.build import build, check
from flowdsl.codec import ModelCodec

# What CloudWatch publishes: (namespace, metric) -> the dimension sets a metric is published with.
DOCUMENTED: dict[tuple[str, str], list[set[str]]] = {
    # https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
    # ("Execution Metrics": AWS/States, dimension StateMachineArn; note ExecutionThrottled is singular)
    ("AWS/States", "ExecutionsFailed"): [{"StateMachineArn"}],
    ("AWS/States", "ExecutionsTimedOut"): [{"StateMachineArn"}],
    ("AWS/States", "ExecutionThrottled"): [{"StateMachineArn"}],
    ("AWS/States", "ExecutionsAborted"): [{"StateMachineArn"}],
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    # (AWS/SQS; the only dimension is QueueName)
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): [{"QueueName"}],
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html
    # (AWS/EventBridge/Pipes: ExecutionFailed and TargetStageFailed have the dimension PipeName)
    ("AWS/EventBridge/Pipes", "ExecutionFailed"): [{"PipeName"}],
    ("AWS/EventBridge/Pipes", "TargetStageFailed"): [{"PipeName"}],
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    # (AWS/Events FailedInvocations, RuleName; "Metrics that specify both the EventBusName and
    # RuleName dimensions refer to a custom event bus")
    ("AWS/Events", "FailedInvocations"): [{"RuleName"}, {"EventBusName", "RuleName"}],
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html
    # (AWS/Scheduler; the dimension is ScheduleGroup)
    ("AWS/Scheduler", "TargetErrorCount"): [{"ScheduleGroup"}],
    ("AWS/Scheduler", "InvocationDroppedCount"): [{"ScheduleGroup"}],
}

VARIABLES = [Variable("alarm_topic_arn"), Variable("bus")]
ALARMS = Alarms(topic=var("alarm_topic_arn"))


def workflow(deployment: Any, variables: list[Variable] = VARIABLES) -> Workflow:
    return Workflow("job", variables=variables, deployment=deployment, states=[Pass("A")])


def module(deployment: Any) -> dict[str, dict[str, Any]]:
    """The module's blocks, merged over its files: kind -> type -> name -> body."""
    out: dict[str, dict[str, Any]] = {}
    for name, text in build(workflow(deployment)).files.items():
        if name.endswith(".tf.json"):
            for kind, blocks in json.loads(text).items():
                for type_, named in blocks.items():
                    out.setdefault(kind, {}).setdefault(type_, {})
                    if isinstance(named, dict):
                        out[kind][type_].update(named)
                    else:
                        out[kind][type_] = named
    return out


def every_kind(**options: Any) -> dict[str, Any]:
    return {
        "on-demand": OnDemandJob("job", **options),
        "on-demand without a queue": OnDemandJob("job", queue=None, **options),
        "scheduled": ScheduledJob("job", "rate(5 minutes)", **options),
        "scheduled without a DLQ, in a group": ScheduledJob("job", "rate(5 minutes)", dead_letter_queue=False,
                                                            group="jobs", **options),
        "S3 event": EventJob("job", S3ObjectCreated("bucket"), **options),
        "event on a custom bus": EventJob("job", EventPattern({"source": ["shop"]}, bus="orders"), **options),
        "event on a bus given at deploy time": EventJob("job", EventPattern({"source": ["shop"]}, bus=var("bus")),
                                                        **options),
        "state machine": StateMachine("job", **options),
    }


KINDS = every_kind(alias=Alias(canary=Canary(percent=10)), alarms=ALARMS)


def dimension_names(dimensions: Any) -> set[str]:
    """The dimension names of an alarm: a map, or the expression that merges them."""
    if isinstance(dimensions, dict):
        return set(dimensions)
    assert dimensions.startswith("${merge({RuleName = ")  # RuleName, and EventBusName off the default bus
    return {"RuleName"}


@pytest.mark.parametrize("label", list(KINDS))
def test_every_alarm_watches_a_metric_as_cloudwatch_publishes_it(label: str) -> None:
    alarms = module(KINDS[label])["resource"]["aws_cloudwatch_metric_alarm"]
    for key, alarm in alarms.items():
        metric = (alarm["namespace"], alarm["metric_name"])
        assert metric in DOCUMENTED, f"{key}: {metric} is not a documented metric"
        assert dimension_names(alarm["dimensions"]) in DOCUMENTED[metric], (key, alarm["dimensions"])
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"] == alarm["ok_actions"]
        assert alarm["statistic"] == ("Maximum" if alarm["namespace"] == "AWS/SQS" else "Sum")
        assert alarm["treat_missing_data"] == "notBreaching"


def test_each_kind_alarms_on_its_own_trigger() -> None:
    def watched(label: str) -> set[str]:
        return {a["metric_name"] for a in module(KINDS[label])["resource"]["aws_cloudwatch_metric_alarm"].values()}

    executions = {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled", "ExecutionsAborted"}
    dlq = "ApproximateNumberOfMessagesVisible"
    assert watched("state machine") == executions == watched("on-demand without a queue")
    assert watched("on-demand") == executions | {dlq, "ExecutionFailed", "TargetStageFailed"}
    assert watched("scheduled") == executions | {dlq, "TargetErrorCount", "InvocationDroppedCount"}
    assert watched("scheduled without a DLQ, in a group") == executions | {"TargetErrorCount",
                                                                          "InvocationDroppedCount"}
    assert watched("S3 event") == executions | {dlq, "FailedInvocations"}


def test_alarm_dimensions_name_this_module_s_resources() -> None:
    def dims(label: str) -> dict[str, Any]:
        alarms = module(KINDS[label])["resource"]["aws_cloudwatch_metric_alarm"]
        return {k: a["dimensions"] for k, a in alarms.items()}

    sm = {"StateMachineArn": "${aws_sfn_state_machine.state_machine.arn}"}  # not the alias
    on_demand = dims("on-demand")
    assert on_demand["executions_failed"] == sm
    assert on_demand["dlq_depth"] == {"QueueName": "${aws_sqs_queue.dlq.name}"}
    assert on_demand["pipe_target_stage_failed"] == {"PipeName": "${aws_pipes_pipe.pipe.name}"}
    group = {"ScheduleGroup": "${aws_scheduler_schedule.schedule.group_name}"}
    assert dims("scheduled")["schedule_target_errors"] == group
    assert dims("S3 event")["rule_failed_invocations"] == {"RuleName": "${aws_cloudwatch_event_rule.rule.name}"}
    assert dims("event on a custom bus")["rule_failed_invocations"] == {
        "EventBusName": "orders", "RuleName": "${aws_cloudwatch_event_rule.rule.name}"}


def test_alarm_settings_are_module_inputs_with_the_model_s_defaults() -> None:
    blocks = module(StateMachine("job", alarms=Alarms(topic="arn:aws:sns:us-east-1:123456789012:t",
                                                      period_seconds=60, evaluation_periods=3, threshold=2,
                                                      ok_actions=False)))
    variables = blocks["variable"]
    assert {k: variables[k]["default"] for k in ("alarms_enabled", "alarm_period_seconds",
                                                 "alarm_evaluation_periods", "alarm_threshold",
                                                 "dlq_alarm_threshold")} == {
        "alarms_enabled": True, "alarm_period_seconds": 60, "alarm_evaluation_periods": 3,
        "alarm_threshold": 2, "dlq_alarm_threshold": 1}
    alarm = blocks["resource"]["aws_cloudwatch_metric_alarm"]["executions_failed"]
    assert (alarm["period"], alarm["evaluation_periods"], alarm["threshold"], alarm["actions_enabled"]) == (
        "${var.alarm_period_seconds}", "${var.alarm_evaluation_periods}", "${var.alarm_threshold}",
        "${var.alarms_enabled}")
    assert alarm["alarm_actions"] == ["arn:aws:sns:us-east-1:123456789012:t"] and "ok_actions" not in alarm
    assert blocks["output"]["alarm_names"]["value"]["executions_failed"] == \
        "${aws_cloudwatch_metric_alarm.executions_failed.alarm_name}"


@pytest.mark.parametrize("label", list(KINDS))
def test_with_an_alias_the_state_machine_publishes_and_the_trigger_starts_the_alias(label: str) -> None:
    blocks = module(KINDS[label])
    resources = blocks["resource"]
    assert resources["aws_sfn_state_machine"]["state_machine"]["publish"] is True
    assert resources["aws_sfn_alias"]["state_machine"]["name"] == "live"
    alias, sm = "${aws_sfn_alias.state_machine.arn}", "${aws_sfn_state_machine.state_machine.arn}"
    targets = [t for t in (resources.get("aws_pipes_pipe", {}).get("pipe", {}).get("target"),
                           resources.get("aws_scheduler_schedule", {}).get("schedule", {}).get("target", {}).get("arn"),
                           resources.get("aws_cloudwatch_event_target", {}).get("state_machine", {}).get("arn"))
               if t is not None]
    assert targets == ([] if label in ("state machine", "on-demand without a queue") else [alias])
    starts = [set(s["resources"]) for doc in blocks["data"]["aws_iam_policy_document"].values()
              for s in doc.get("statement", []) if "states:StartExecution" in s.get("actions", [])]
    assert starts == ([] if not targets else [{sm, alias}])
    outputs = blocks["output"]
    assert outputs["alias_arn"]["value"] == alias and "trigger starts" in outputs["alias_arn"]["description"]
    assert outputs["state_machine_version_arn"]["value"] == \
        "${aws_sfn_state_machine.state_machine.state_machine_version_arn}"


def triggers(resources: dict[str, Any]) -> list[str]:
    """What the kind's trigger (pipe, schedule, rule target) starts, if it has one."""
    return [t for t in (resources.get("aws_pipes_pipe", {}).get("pipe", {}).get("target"),
                        resources.get("aws_scheduler_schedule", {}).get("schedule", {}).get("target", {}).get("arn"),
                        resources.get("aws_cloudwatch_event_target", {}).get("state_machine", {}).get("arn"))
            if t is not None]


@pytest.mark.parametrize("label", list(KINDS))
def test_every_kind_deploys_through_the_alias_live_by_default(label: str) -> None:
    deployment = every_kind()[label]
    assert deployment.alias == Alias("live") and deployment.alarms is None
    blocks = module(deployment)
    resources = blocks["resource"]
    assert resources["aws_sfn_state_machine"]["state_machine"]["publish"] is True
    alias = resources["aws_sfn_alias"]["state_machine"]
    assert alias["name"] == "live" and alias["routing_configuration"] == [{
        "state_machine_version_arn": "${aws_sfn_state_machine.state_machine.state_machine_version_arn}",
        "weight": 100}]
    assert set(triggers(resources)) <= {"${aws_sfn_alias.state_machine.arn}"}
    assert not {"stable_version", "canary_percent"} & set(blocks["variable"])  # no canary unless asked
    assert "aws_cloudwatch_metric_alarm" not in resources


@pytest.mark.parametrize("label", list(KINDS))
def test_with_alias_none_and_no_alarms_the_trigger_starts_the_state_machine(label: str) -> None:
    blocks = module(every_kind(alias=None)[label])
    resources = blocks["resource"]
    assert "publish" not in resources["aws_sfn_state_machine"]["state_machine"]
    assert "aws_sfn_alias" not in resources and "aws_cloudwatch_metric_alarm" not in resources
    assert set(triggers(resources)) <= {"${aws_sfn_state_machine.state_machine.arn}"}
    assert not {"stable_version", "canary_percent", "alarm_threshold"} & set(blocks["variable"])
    assert not {"alias_arn", "state_machine_version_arn", "alarm_names"} & set(blocks["output"])


def test_a_request_response_pipe_needs_alias_none() -> None:
    def sync(**options: Any) -> OnDemandJob:
        return OnDemandJob("job", type="EXPRESS", pipe=Pipe(invocation_type="REQUEST_RESPONSE"), **options)

    _, diagnostics = check(workflow(sync()))  # the default alias: StartSyncExecution cannot start it
    [found] = [d for d in diagnostics if d.path == "deployment.alias"]
    assert "alias=None" in found.message and "StartSyncExecution" in found.message
    _, diagnostics = check(workflow(sync(alias=None)))
    assert diagnostics == []
    assert triggers(module(sync(alias=None))["resource"]) == ["${aws_sfn_state_machine.state_machine.arn}"]


def test_a_canary_routes_a_share_to_the_newest_version_while_stable_version_is_set() -> None:
    blocks = module(StateMachine("job", alias=Alias(canary=Canary(percent=25))))
    variables = blocks["variable"]
    assert variables["stable_version"]["default"] is None and variables["stable_version"]["type"] == "number"
    assert variables["canary_percent"]["default"] == 25
    alias = blocks["resource"]["aws_sfn_alias"]["state_machine"]
    assert alias["dynamic"]["routing_configuration"]["for_each"] == "${local.alias_routes}"
    routes = blocks["locals"]["alias_routes"]
    latest = "aws_sfn_state_machine.state_machine.state_machine_version_arn"
    # one route when no canary is in effect (or the stable version is the newest); else two
    assert routes.startswith("${local.alias_stable_version_arn == null || "
                             f"local.alias_stable_version_arn == {latest} ? [{{arn = {latest}, weight = 100}}]")
    assert f"{{arn = {latest}, weight = var.canary_percent}}, " \
           "{arn = local.alias_stable_version_arn, weight = 100 - var.canary_percent}]" in routes
    # without a canary: every execution to the newest version, no inputs
    plain = module(StateMachine("job", alias=Alias("prod")))
    assert plain["resource"]["aws_sfn_alias"]["state_machine"]["routing_configuration"] == [
        {"state_machine_version_arn": f"${{{latest}}}", "weight": 100}]
    assert plain["resource"]["aws_sfn_alias"]["state_machine"]["name"] == "prod"
    assert "stable_version" not in plain["variable"]


BAD = [
    (StateMachine("job", alias=Alias("123")), "deployment.alias.name", "not only digits"),
    (StateMachine("job", alias=Alias("a b")), "deployment.alias.name", "letters, digits"),
    (StateMachine("job", alias=Alias("a" * 81)), "deployment.alias.name", "1-80"),
    (StateMachine("job", alias=Alias(canary=Canary(percent=100))), "deployment.alias.canary.percent", "1-99"),
    (StateMachine("job", alias=Alias(canary=Canary(percent=0))), "deployment.alias.canary.percent", "1-99"),
    (OnDemandJob("job", type="EXPRESS", pipe=Pipe(invocation_type="REQUEST_RESPONSE"), alias=Alias()),
     "deployment.alias", "StartSyncExecution"),
    (StateMachine("job", alarms=Alarms(topic="t", period_seconds=90)), "deployment.alarms.period_seconds",
     "multiple of 60"),
    (StateMachine("job", alarms=Alarms(topic="t", evaluation_periods=0)), "deployment.alarms.evaluation_periods",
     "1 or more"),
    (StateMachine("job", alarms=Alarms(topic="t", period_seconds=3600, evaluation_periods=25)),
     "deployment.alarms.evaluation_periods", "one day"),
    (StateMachine("job", alarms=Alarms(topic="t", dlq_threshold=0)), "deployment.alarms.dlq_threshold",
     "1 or more"),
]


@pytest.mark.parametrize("deployment, path, words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_a_wrong_alias_or_alarm_setting_is_a_build_error_at_its_field(deployment: Any, path: str,
                                                                      words: str) -> None:
    _, diagnostics = check(workflow(deployment))
    found = [d for d in diagnostics if d.path == path]
    assert found, diagnostics
    assert words in found[0].message and found[0].source and "test_deploys.py:" in found[0].source


def test_a_workflow_variable_may_not_take_a_setting_s_name() -> None:
    wf = workflow(StateMachine("job", alias=Alias(canary=Canary())),
                  variables=[*VARIABLES, Variable("stable_version")])
    _, diagnostics = check(wf)
    assert [d.code for d in diagnostics if d.path == "variables.stable_version"] == ["variable-clash"]


def test_the_alarm_topic_must_be_a_declared_variable() -> None:
    _, diagnostics = check(workflow(StateMachine("job", alarms=Alarms(topic=var("topic_arn")))))
    assert any("topic_arn" in d.message for d in diagnostics), diagnostics


def test_alias_and_alarms_round_trip_through_the_codec() -> None:
    wf = workflow(KINDS["on-demand"])
    codec = ModelCodec()
    assert codec.structure(codec.unstructure(wf)) == wf


def test_with_an_alias_the_state_machine_role_also_trusts_its_versions_and_aliases() -> None:
    def trusted(deployment: Any) -> list[str]:
        doc = module(deployment)["data"]["aws_iam_policy_document"]["assume_state_machine"]
        [statement] = doc["statement"]
        return next(c["values"] for c in statement["condition"] if c["variable"] == "aws:SourceArn")

    arn = ("arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:"
           "${data.aws_caller_identity.current.account_id}:stateMachine:job")
    assert trusted(StateMachine("job", alias=None)) == [arn]
    assert trusted(StateMachine("job")) == trusted(StateMachine("job", alias=Alias("prod"))) == [arn, arn + ":*"]
