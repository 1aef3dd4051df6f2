"""Deployment kinds: the registry, each kind's Terraform, checks and local-run input."""

from __future__ import annotations

import inspect
import json
import re
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from flowdsl import (EventJob, EventPattern, EventRetry, InputTransformer, OnDemandJob, Pass, Pipe,
                     S3ObjectCreated, ScheduledJob, ScheduleRetry, StateMachine, Task, Variable,
                     Workflow, join, var)
from flowdsl.build import build, check
from flowdsl.deployments import (KINDS, Deployment, Kind, LocalInput, LocalOption, Scaffold, execution_input,
                                 register, resolver)
from flowdsl.deployments.event import check_pattern, mismatch, sample_event
from flowdsl.deployments.scheduled import check_expression
from flowdsl.errors import CompileError, FlowError
from flowdsl.tasks import states_arn
from flowdsl.testing import run

HERE = "tests/test_deployments.py"


def tf(wf: Workflow) -> dict[str, Any]:
    return {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}


def blocks(files: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for doc in files.values():
        for type_, named in doc.get(kind, {}).items():
            out.setdefault(type_, {}).update(named)
    return out


def diagnostics(wf: Workflow) -> list[str]:
    return [f"{d.path}: {d.message}" for d in check(wf)[1]]


def request(option: str, payload: Any = None, **kw: Any) -> LocalInput:
    return LocalInput(option, payload, "wf", **kw)


# ------------------------------------------------------------------------------ the registry

@attrs.frozen(slots=True)
class TopicJob(Deployment):
    """A kind defined here, outside flowdsl: an SNS topic whose messages start the machine."""

    topic_name: str = "jobs"


def _topic_terraform(m: Any) -> None:
    m.resource("topic.tf.json", "aws_sns_topic", "jobs", {"name": m.deployment.topic_name},
               "deployment", m.deployment.source)


@pytest.fixture
def topic_kind():
    register(TopicJob, Kind(
        name="topic", terraform=_topic_terraform,
        variables=lambda d: {"topic_enabled": {"type": "bool", "default": True}},
        outputs=lambda m: {"topic_arn": {"value": "${aws_sns_topic.jobs.arn}"}},
        input_option="message", local_input=lambda d, r: {"Records": [{"Sns": {"Message": r.payload}}]},
        input_shape="an SNS message"))
    yield
    del KINDS[TopicJob]


def test_a_kind_registered_outside_flowdsl_builds_and_runs(topic_kind) -> None:
    wf = Workflow("topical", states=[Pass("P")], deployment=TopicJob("topical"))
    files = tf(wf)
    # safe deploys come with the Deployment base: a version per change and the alias "live"
    assert sorted(files) == ["alias.tf.json", "iam.tf.json", "main.tf.json", "outputs.tf.json",
                             "state_machine.tf.json", "topic.tf.json", "variables.tf.json"]
    assert files["alias.tf.json"]["resource"]["aws_sfn_alias"]["state_machine"]["name"] == "live"
    # the kind's resources get the module's conventions too (an SNS topic takes tags)
    assert files["topic.tf.json"]["resource"]["aws_sns_topic"]["jobs"] == {"name": "jobs",
                                                                           "tags": "${var.tags}"}
    assert sorted(files["outputs.tf.json"]["output"]) == ["alias_arn", "log_group_name", "role_arns",
                                                          "state_machine_arn", "state_machine_name",
                                                          "state_machine_role_arn", "state_machine_version_arn",
                                                          "topic_arn"]
    assert sorted(files["variables.tf.json"]["variable"]) == [
        "extra_policy_arns", "kms_key_arn", "log_retention_days", "permissions_boundary_arn", "role_path",
        "tags", "topic_enabled", "tracing_enabled"]
    assert execution_input(wf.deployment, request("message", "hi")) == {"Records": [{"Sns": {"Message": "hi"}}]}
    with pytest.raises(FlowError, match=r"^--scheduled does not fit a TopicJob, which is started by an SNS "
                                        r"message; build its input with --message$"):
        execution_input(wf.deployment, request("scheduled"))


@attrs.frozen(slots=True)
class NoticeJob(Deployment):
    """A kind defined here with all a kind can bring: its own local-run option, a scaffold
    template, an example for the strategies and a name limit."""

    topic_name: str = "notices"


NOTICE = LocalOption("notice", help="An SNS notice (text); the input is the SNS event for it.",
                     payload=lambda value: value if isinstance(value, str) else json.dumps(value))


def _notice_terraform(m: Any) -> None:
    m.resource("topic.tf.json", "aws_sns_topic", "notices", {"name": m.deployment.topic_name},
               "deployment.topic_name", m.deployment.source)


def _notice_example(choose: Any, resource_name: Any, common: dict[str, Any]) -> NoticeJob:
    return NoticeJob(resource_name, topic_name=choose.pick(("notices", "alerts")), **common)


@pytest.fixture
def notice_kind():
    register(NoticeJob, Kind(
        name="notice", terraform=_notice_terraform, input_option="notice",
        local_input=lambda d, r: {"Records": [{"Sns": {"TopicArn": f"arn:{r.partition}:sns:{r.region}:"
                                                                   f"{r.account_id}:{d.topic_name}",
                                                       "Message": r.payload}}]},
        input_shape="an SNS notice", options=(NOTICE,), example=_notice_example,
        limits={"aws_sns_topic": 256},
        scaffold=Scaffold(
            name="notice", starts="a notice", summary="each notice published to its topic starts it",
            deployment="NoticeJob(job_name)",
            first_state='Pass("ReadNotice", parameters={"body.$": "$.Records[0].Sns.Message"})',
            first_name="ReadNotice", run_hint="    flowdsl run workflows/__NAME__.py --notice '{}'\n",
            test_start="NOTICE = '{\"id\": 1}'\n", test_input="notice=NOTICE",
            body_check='assert result.output["body"] == \'{"id": 1}\'', module=__name__)))
    yield
    del KINDS[NoticeJob]


def test_a_kind_registered_outside_flowdsl_brings_its_option_scaffold_and_example(
        notice_kind, tmp_path, monkeypatch) -> None:
    import runpy

    from hypothesis import HealthCheck, find, settings
    from typer.testing import CliRunner

    from flowdsl import cli
    from flowdsl.scaffold import KINDS as SCAFFOLDS
    from flowdsl.scaffold import create
    from flowdsl.testing.strategies import workflows

    # the kit builds its input from the kind's own option, and refuses the others' with its name
    wf = Workflow("notes", states=[Pass("P")], deployment=NoticeJob("notes"))
    assert run(wf, notice={"id": 1}).assert_succeeded().output == {"Records": [{"Sns": {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:notices", "Message": '{"id": 1}'}}]}
    with pytest.raises(FlowError, match=r"^--message does not fit a NoticeJob, which is started by an SNS "
                                        r"notice; build its input with --notice$"):
        run(wf, message="hi")
    with pytest.raises(FlowError, match=r"^--notice does not fit a ScheduledJob, which is started by an "
                                        r"EventBridge Scheduler schedule .*; build its input with --scheduled$"):
        run(Workflow("w", states=[Pass("P")], deployment=ScheduledJob("w", "rate(1 day)")), notice="hi")
    with pytest.raises(TypeError, match=r"^run\(\) got an unexpected keyword argument 'notise'$"):
        run(wf, notise="hi")

    # its name limit is checked
    long = Workflow("notes", states=[Pass("P")], deployment=NoticeJob("notes", topic_name="t" * 257))
    assert diagnostics(long) == [f"deployment.topic_name: workflow 'notes': aws_sns_topic.notices: the name "
                                 f"{'t' * 257!r} is at least 257 characters; AWS allows 256"]

    # `flowdsl new --kind notice` writes a pipeline whose own tests pass (run here, in this process,
    # where the kind is registered), and `flowdsl run --notice` runs it
    assert list(SCAFFOLDS) == ["on-demand", "scheduled", "event", "notice"]
    create("notes", "notice", tmp_path)
    source = (tmp_path / "workflows" / "notes.py").read_text()
    assert f"\nfrom {__name__} import NoticeJob\n" in source and "deployment=NoticeJob(job_name)," in source
    monkeypatch.syspath_prepend(str(tmp_path / "workflows"))
    generated = runpy.run_path(str(tmp_path / "tests" / "test_notes.py"))
    tests = sorted(name for name in generated if name.startswith("test_"))
    assert len(tests) == 3
    for name in tests:
        generated[name]()
    kind_option = inspect.signature(cli.new).parameters["kind"].default
    assert kind_option.metavar == "on-demand|scheduled|event|notice"
    assert kind_option.help == "How executions start: an SQS message, a schedule, an event, or a notice."
    result = CliRunner().invoke(cli.app, ["run", str(tmp_path / "workflows" / "notes.py"), "--notice", '"hi"'])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{tmp_path / 'workflows' / 'notes.py'} (notes): SUCCEEDED"
    assert json.loads("\n".join(lines[lines.index("output:") + 1:]))["body"] == '"hi"'

    # the strategies draw it, and what they draw builds with its Terraform
    drawn = find(workflows(max_states=2, deployment=True), lambda w: isinstance(w.deployment, NoticeJob),
                 settings=settings(database=None, max_examples=500, suppress_health_check=list(HealthCheck)))
    assert json.loads(build(drawn).files["topic.tf.json"])["resource"]["aws_sns_topic"]["notices"] == \
        {"name": drawn.deployment.topic_name, "tags": "${var.tags}"}


def test_an_unknown_deployment_is_one_error() -> None:
    wf = Workflow("w", states=[Pass("P")], deployment="sqs please")
    assert diagnostics(wf) == ["deployment: deployment must be one of EventJob, OnDemandJob, ScheduledJob, "
                               "StateMachine, not str"]


def test_a_variable_named_like_a_kinds_setting_clashes() -> None:
    wf = Workflow("w", states=[Pass("P")], variables=[Variable("schedule_enabled")],
                  deployment=ScheduledJob("w", "rate(1 day)"))
    assert diagnostics(wf) == ["variables.schedule_enabled: variable 'schedule_enabled' is a setting every "
                               "scheduled job module has; rename it"]


# ------------------------------------------------------------------------------ StateMachine

def test_a_bare_state_machine_has_no_trigger() -> None:
    files = tf(Workflow("w", states=[Pass("P")], deployment=StateMachine(join(var("stage"), "-w")),
                        variables=[Variable("stage")]))
    # the alias "live" (safe deploys, the default) is what its callers start
    assert sorted(files) == ["alias.tf.json", "iam.tf.json", "main.tf.json", "outputs.tf.json",
                             "state_machine.tf.json", "variables.tf.json"]
    assert sorted(blocks(files, "resource")["aws_iam_role"]) == ["state_machine"]
    assert sorted(files["outputs.tf.json"]["output"]) == ["alias_arn", "log_group_name", "role_arns",
                                                          "state_machine_arn", "state_machine_name",
                                                          "state_machine_role_arn", "state_machine_version_arn"]
    assert files["outputs.tf.json"]["output"]["role_arns"]["value"] == {
        "state_machine": "${aws_iam_role.state_machine.arn}"}
    assert files["variables.tf.json"]["variable"]["kms_key_arn"]["description"] == \
        "KMS key for the log group and the state machine; null uses AWS-managed encryption"


def test_a_bare_state_machine_runs_from_its_input_only() -> None:
    wf = Workflow("w", states=[Pass("P", parameters={"got.$": "$.x"})], deployment=StateMachine("w"))
    assert run(wf, {"x": 1}).assert_succeeded().output == {"got": 1}
    with pytest.raises(FlowError, match=r"^--message: a StateMachine has no trigger; give the execution input "
                                        r"with --input$"):
        execution_input(wf.deployment, request("message", "{}"))


# ------------------------------------------------------------------------------ OnDemandJob

def test_request_response_needs_an_express_state_machine() -> None:
    wf = Workflow("w", states=[Pass("P")],
                  deployment=OnDemandJob("w", pipe=Pipe(invocation_type="REQUEST_RESPONSE")))
    assert diagnostics(wf) == ["deployment.pipe.invocation_type: a pipe invokes a STANDARD state machine only "
                               "with FIRE_AND_FORGET; REQUEST_RESPONSE needs OnDemandJob(type=\"EXPRESS\")",
                               "deployment.alias: an alias is started with StartExecution; a REQUEST_RESPONSE "
                               "pipe calls StartSyncExecution, which takes the state machine's own ARN: use "
                               "FIRE_AND_FORGET, or alias=None (no versions: the pipe starts the state "
                               "machine's latest revision)"]
    express = attrs.evolve(wf, deployment=OnDemandJob("w", pipe=Pipe(invocation_type="REQUEST_RESPONSE"),
                                                      type="EXPRESS", alias=None))
    assert diagnostics(express) == []
    files = tf(express)
    assert blocks(files, "resource")["aws_sfn_state_machine"]["state_machine"]["type"] == "EXPRESS"


def test_the_on_demand_input_is_one_sqs_record() -> None:
    [record] = execution_input(OnDemandJob("w"), request("message", '{"n": 1}', region="eu-west-1"))
    assert record["body"] == '{"n": 1}' and record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:123456789012:wf-queue"


# ------------------------------------------------------------------------------ ScheduledJob

@pytest.mark.parametrize("expression", [
    "cron(0 3 * * ? *)", "cron(0/15 * ? * MON-FRI *)", "cron(0 18 L * ? 2030-2035)", "cron(30 9 ? * 6#3 *)",
    "cron(0 0 15W * ? *)", "cron(5,35 10-12 ? JAN,JUL 2L *)", "rate(1 minute)", "rate(5 minutes)",
    "rate(1 hour)", "rate(12 hours)", "rate(7 days)", "at(2030-01-31T23:59:00)",
])
def test_valid_schedule_expressions(expression: str) -> None:
    assert check_expression(expression) is None


@pytest.mark.parametrize("expression, problem", [
    ("cron(0 3 * * *)", "cron(0 3 * * *) has 5 field(s); EventBridge cron expressions have 6: minutes hours "
                        "day-of-month month day-of-week year"),
    ("cron(0 3 * * * *)", "cron(0 3 * * * *): exactly one of day-of-month and day-of-week must be '?' "
                          "(got '*' and '*')"),
    ("cron(0 3 ? * ? *)", "cron(0 3 ? * ? *): exactly one of day-of-month and day-of-week must be '?' "
                          "(got '?' and '?')"),
    ("cron(60 3 * * ? *)", "cron(60 3 * * ? *): minutes '60': 60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "cron(0 24 * * ? *): hours '24': 24 is outside 0-23"),
    ("cron(0 3 * FOO ? *)", "cron(0 3 * FOO ? *): month 'FOO': 'FOO' is not a number or a name "
                            "(JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC)"),
    ("cron(0 3 ? * MON#6 *)", "cron(0 3 ? * MON#6 *): day-of-week 'MON#6': '#6': the week must be 1-5"),
    ("cron(0 3 ? * */2 *)", "cron(0 3 ? * */2 *): day-of-week '*/2': '/' is not allowed in day-of-week"),
    ("cron(0/0 3 * * ? *)", "cron(0/0 3 * * ? *): minutes '0/0': the increment '0' must be a positive number"),
    ("cron(0 ? * * ? *)", "cron(0 ? * * ? *): hours '?': '?' is allowed only in day-of-month and day-of-week"),
    ("cron(0 3 * * ? 1969)", "cron(0 3 * * ? 1969): year '1969': 1969 is outside 1970-2199"),
    ("rate(5 minute)", "'rate(5 minute)': a rate above 1 takes a plural unit (minutes)"),
    ("rate(1 days)", "'rate(1 days)': a rate of 1 takes a singular unit (day)"),
    ("rate(0 hours)", "'rate(0 hours)': the rate's value must be a positive whole number"),
    ("rate(2 weeks)", "'rate(2 weeks)': the rate's unit must be minute(s), hour(s) or day(s)"),
    ("rate(5minutes)", "'rate(5minutes)': a rate() expression is rate(value unit), e.g. rate(5 minutes)"),
    ("at(2030-02-30T00:00:00)", "'at(2030-02-30T00:00:00)': day is out of range for month"),
    ("at(2030-01-01)", "'at(2030-01-01)': an at() expression is at(yyyy-mm-ddThh:mm:ss)"),
    ("0 3 * * *", "'0 3 * * *' is not a schedule expression: use cron(...), rate(...) or at(...)"),
])
def test_invalid_schedule_expressions(expression: str, problem: str) -> None:
    assert check_expression(expression) == problem


def test_a_bad_schedule_is_a_build_error_at_its_line() -> None:
    wf = Workflow("w", states=[Pass("P")], deployment=ScheduledJob(
        "w", "cron(0 3 * * *)", timezone="Mars/Olympus", flexible_window_minutes=0,
        retry=ScheduleRetry(max_attempts=200, max_event_age_seconds=30),
        start_date="2030-01-02T00:00:00Z", end_date="2030-01-01"))
    with pytest.raises(CompileError) as e:
        build(wf)
    rendered = [d.render() for d in e.value.diagnostics]
    line = rendered[0].split(":")[1]
    assert all(r.startswith(f"{HERE}:{line}: ") for r in rendered)
    assert [r.split(": ", 1)[1] for r in rendered] == [
        "deployment.schedule: cron(0 3 * * *) has 5 field(s); EventBridge cron expressions have 6: minutes "
        "hours day-of-month month day-of-week year [bad-schedule]",
        "deployment.timezone: 'Mars/Olympus' is not an IANA time zone (e.g. 'UTC', 'Asia/Tokyo') [bad-schedule]",
        "deployment.flexible_window_minutes: the flexible window must be 1-1440 minutes (got 0); None starts "
        "on time [bad-schedule]",
        "deployment.retry.max_attempts: EventBridge Scheduler retries 0-185 times (got 200) [bad-schedule]",
        "deployment.retry.max_event_age_seconds: the maximum event age must be 60-86400 seconds (got 30) "
        "[bad-schedule]",
        "deployment.end_date: '2030-01-01' is not a UTC timestamp like 2030-01-01T00:00:00Z [bad-schedule]",
    ]


def nightly_like(**kw: Any) -> Workflow:
    return Workflow("w", states=[Pass("P")], variables=[Variable("stage")],
                    deployment=ScheduledJob(join(var("stage"), "-w"), "cron(0 3 * * ? *)", **kw))


def test_the_schedule_its_group_role_and_dead_letter_queue() -> None:
    files = tf(nightly_like(timezone="Asia/Tokyo", flexible_window_minutes=30, description="nightly"))
    res = blocks(files, "resource")
    s = res["aws_scheduler_schedule"]["schedule"]
    assert s["schedule_expression"] == "cron(0 3 * * ? *)" and s["schedule_expression_timezone"] == "Asia/Tokyo"
    assert s["flexible_time_window"] == {"mode": "FLEXIBLE", "maximum_window_in_minutes": 30}
    assert s["group_name"] == "${aws_scheduler_schedule_group.schedule.name}"
    group = res["aws_scheduler_schedule_group"]["schedule"]
    assert (group["name"], group["tags"]) == ("${var.stage}-w", "${var.tags}")
    # the stage's length is unknown until plan: a precondition checks the name then
    [check] = group["lifecycle"]["precondition"]
    assert check["condition"] == '${length("${var.stage}-w") <= 64}'
    assert check["error_message"] == ('aws_scheduler_schedule_group.schedule: the name "${var.stage}-w" is '
                                      '${length("${var.stage}-w")} characters; AWS allows 64: shorten stage.')
    assert s["state"] == '${var.schedule_enabled ? "ENABLED" : "DISABLED"}' and s["description"] == "nightly"
    assert s["target"]["arn"] == "${aws_sfn_alias.state_machine.arn}"  # the alias "live"
    assert s["target"]["dead_letter_config"] == {"arn": "${aws_sqs_queue.dlq.arn}"}
    assert json.loads(s["target"]["input"]) == {"execution_id": "<aws.scheduler.execution-id>",
                                                "schedule_arn": "<aws.scheduler.schedule-arn>",
                                                "scheduled_time": "<aws.scheduler.scheduled-time>"}
    policy = blocks(files, "data")["aws_iam_policy_document"]["scheduler"]["statement"]
    assert [(p["actions"], p["resources"]) for p in policy] == [
        (["sqs:SendMessage"], ["${aws_sqs_queue.dlq.arn}"]),
        (["states:StartExecution"], ["${aws_sfn_alias.state_machine.arn}",
                                     "${aws_sfn_state_machine.state_machine.arn}"])]
    trust = blocks(files, "data")["aws_iam_policy_document"]["assume_scheduler"]["statement"][0]
    assert trust["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount",
         "values": ["${data.aws_caller_identity.current.account_id}"]},
        {"test": "ArnLike", "variable": "aws:SourceArn",
         "values": ["arn:${data.aws_partition.current.partition}:scheduler:"
                    "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
                    ":schedule-group/${aws_scheduler_schedule_group.schedule.name}"]}]
    assert sorted(files["outputs.tf.json"]["output"]) == [
        "alias_arn", "dlq_arn", "dlq_url", "log_group_name", "role_arns", "schedule_arn", "schedule_group_name",
        "schedule_name", "scheduler_role_arn", "state_machine_arn", "state_machine_name",
        "state_machine_role_arn", "state_machine_version_arn"]


def test_an_existing_group_and_no_dead_letter_queue() -> None:
    files = tf(nightly_like(group=var("stage"), dead_letter_queue=False, input={"k": 1}))
    res = blocks(files, "resource")
    assert "aws_scheduler_schedule_group" not in res and "aws_sqs_queue" not in res
    s = res["aws_scheduler_schedule"]["schedule"]
    assert s["group_name"] == "${var.stage}" and "dead_letter_config" not in s["target"]
    assert s["target"]["input"] == '{"k":1}' and s["flexible_time_window"] == {"mode": "OFF"}


def test_an_input_with_references_keeps_the_context_attributes_literal() -> None:
    files = tf(nightly_like(input={"stage": var("stage"), "at": "<aws.scheduler.scheduled-time>"}))
    s = blocks(files, "resource")["aws_scheduler_schedule"]["schedule"]
    assert files["scheduler.tf.json"]["locals"]["schedule_input"] == {
        "stage": "${var.stage}", "at": "<aws.scheduler.scheduled-time>"}
    # jsonencode writes < > & as \u003c \u003e \u0026; Scheduler must see the placeholders as written
    assert s["target"]["input"] == (
        '${replace(replace(replace(replace(replace(jsonencode(local.schedule_input), '
        '"\\\\\\\\", "\\u2028"), "\\\\u003c", "<"), "\\\\u003e", ">"), "\\\\u0026", "&"), '
        '"\\u2028", "\\\\\\\\")}')


def test_a_literal_escape_in_an_input_with_references_deploys_as_written(tmp_path) -> None:
    """Terraform itself evaluates the input: only jsonencode's own escapes are undone."""
    import shutil
    import subprocess

    literal = "\\u003c, \\\\u003e, \\\\\\u0026, \\\"q\\\", <a> & \u2028 end\\"
    files = tf(nightly_like(input={"lit": literal, "at": "<aws.scheduler.scheduled-time>",
                                   "stage": var("stage"), "nested": [{"x": "\\u003e"}]}))
    expression = blocks(files, "resource")["aws_scheduler_schedule"]["schedule"]["target"]["input"]
    doc = {"variable": {"stage": {"type": "string", "default": "dev"}},
           "locals": files["scheduler.tf.json"]["locals"]}
    (tmp_path / "main.tf.json").write_text(json.dumps(doc))
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not installed (the README's quick start lists it)"
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([terraform, "console"], input=expression[2:-1] + "\n", cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60, check=True)
    deployed = json.loads(json.loads(out.stdout.strip()))  # the console quotes the string
    assert deployed == {"lit": literal, "at": "<aws.scheduler.scheduled-time>", "stage": "dev",
                        "nested": [{"x": "\\u003e"}]}


def test_the_scheduled_input_fills_in_the_context_attributes() -> None:
    d = ScheduledJob(join(var("stage"), "-w"), "at(2030-06-01T09:30:00)", timezone="Asia/Tokyo",
                     input={"stage": var("stage"), "at": "<aws.scheduler.scheduled-time>",
                            "n": "<aws.scheduler.attempt-number>", "arn": "<aws.scheduler.schedule-arn>"})
    got = execution_input(d, request("scheduled", resolve=resolver({"var.stage": "dev"})))
    assert got == {"stage": "dev", "at": "2030-06-01T00:30:00Z", "n": "1",
                   "arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/dev-w/dev-w"}


def test_a_recurring_schedule_fires_at_the_runs_time() -> None:
    d = ScheduledJob("w", "rate(1 day)")
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    got = execution_input(d, request("scheduled", time=when))
    assert got["scheduled_time"] == "2025-03-04T05:06:07Z"
    assert re.fullmatch(r"[0-9a-f-]{36}", got["execution_id"])
    with pytest.raises(FlowError, match=r"^--event does not fit a ScheduledJob, which is started by an "
                                        r"EventBridge Scheduler schedule .*; build its input with --scheduled$"):
        execution_input(d, request("event", {}))


# ------------------------------------------------------------------------------ EventJob

def uploads(**kw: Any) -> Workflow:
    return Workflow("up", states=[Pass("P")], variables=[Variable("bucket")],
                    deployment=EventJob("up", S3ObjectCreated(var("bucket"), prefix="in/", suffix=".csv"), **kw))


def test_s3_object_created_pattern() -> None:
    assert S3ObjectCreated("b").pattern == {"source": ["aws.s3"], "detail-type": ["Object Created"],
                                            "detail": {"bucket": {"name": ["b"]}}}
    assert S3ObjectCreated("b", prefix="a*").pattern["detail"]["object"] == {"key": [{"prefix": "a*"}]}
    assert S3ObjectCreated("b", suffix=".gz").pattern["detail"]["object"] == {"key": [{"suffix": ".gz"}]}
    # both: one wildcard, with the literal '*' escaped
    assert S3ObjectCreated("b", prefix="a*/", suffix=".gz").pattern["detail"]["object"] == {
        "key": [{"wildcard": "a\\*/*.gz"}]}


def test_the_rule_target_role_and_dead_letter_queue() -> None:
    files = tf(uploads(input=InputTransformer({"key": "$.detail.object.key"}, {"key": "<key>"}),
                       description="uploads"))
    res = blocks(files, "resource")
    rule = res["aws_cloudwatch_event_rule"]["rule"]
    assert rule == {"name": "up", "event_bus_name": "default", "description": "uploads",
                    "event_pattern": "${jsonencode(local.event_pattern)}",
                    "state": '${var.rule_enabled ? "ENABLED" : "DISABLED"}', "tags": "${var.tags}"}
    assert files["events.tf.json"]["locals"]["event_pattern"]["detail"]["bucket"] == {"name": ["${var.bucket}"]}
    target = res["aws_cloudwatch_event_target"]["state_machine"]
    assert target["input_transformer"] == {"input_paths": {"key": "$.detail.object.key"},
                                           "input_template": '{"key":"<key>"}'}
    assert target["dead_letter_config"] == {"arn": "${aws_sqs_queue.dlq.arn}"}
    assert res["aws_sqs_queue_policy"]["dlq"]["policy"] == "${data.aws_iam_policy_document.events_dlq.json}"
    policy = blocks(files, "data")["aws_iam_policy_document"]["events"]["statement"]
    assert target["arn"] == "${aws_sfn_alias.state_machine.arn}"  # the alias "live"
    assert [(p["actions"], p["resources"]) for p in policy] == [
        (["states:StartExecution"], ["${aws_sfn_alias.state_machine.arn}",
                                     "${aws_sfn_state_machine.state_machine.arn}"])]
    assert sorted(files["outputs.tf.json"]["output"]) == [
        "alias_arn", "dlq_arn", "dlq_url", "events_role_arn", "log_group_name", "role_arns", "rule_arn",
        "rule_name", "state_machine_arn", "state_machine_name", "state_machine_role_arn",
        "state_machine_version_arn"]


def test_any_pattern_on_a_named_bus() -> None:
    wf = Workflow("o", states=[Pass("P")], deployment=EventJob(
        "o", EventPattern({"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}, bus="orders"),
        dead_letter_queue=False))
    res = blocks(tf(wf), "resource")
    assert res["aws_cloudwatch_event_rule"]["rule"]["event_bus_name"] == "orders"
    assert res["aws_cloudwatch_event_target"]["state_machine"]["event_bus_name"] == "orders"
    assert "aws_sqs_queue" not in res and "input_transformer" not in res["aws_cloudwatch_event_target"]["state_machine"]


@pytest.mark.parametrize("pattern, problems", [
    ({}, [("p", "an event pattern is a non-empty JSON object")]),
    ({"source": "aws.s3"}, [("p.source", 'must be a list of values to match (e.g. ["aws.s3"]) or a nested '
                                         'object, not "aws.s3"')]),
    ({"source": []}, [("p.source", "an empty list matches nothing; list the values to match")]),
    ({"detail": {"size": [{"numeric": [">", "5"]}]}}, [("p.detail.size[0]", "numeric compares with numbers, not '5'")]),
    ({"detail": {"size": [{"numeric": ["~", 5]}]}}, [("p.detail.size[0]",
                                                      "numeric operator '~' is not one of <, <=, =, >, >=")]),
    ({"detail": {"key": [{"prefx": "a"}]}}, [("p.detail.key[0]", "unknown operator 'prefx' (known: anything-but, "
                                                                 "cidr, equals-ignore-case, exists, numeric, prefix, "
                                                                 "suffix, wildcard)")]),
    ({"detail": {"key": [{"prefix": "a", "suffix": "b"}]}}, [("p.detail.key[0]", "a matcher object has exactly one "
                                                                                 "operator, not ['prefix', 'suffix']")]),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/33"}]}}, [("p.detail.ip[0]", "cidr takes an IP network such as "
                                                                        "'10.0.0.0/24', not '10.0.0.0/33'")]),
    ({"detail": {"x": [{"exists": "yes"}]}}, [("p.detail.x[0]", "exists takes true or false")]),
    ({"$or": [{"a": ["1"]}]}, [("p.$or", "$or takes a list of at least two patterns")]),
    ({"detail": {"x": [{"anything-but": []}]}}, [("p.detail.x[0]", "anything-but takes a value, a non-empty list "
                                                                   "of values, or a prefix/suffix/wildcard object")]),
    ({"source": ["a"], "detail": {"x": [1, None, True, {"prefix": {"equals-ignore-case": "A"}}],
                                  "y": [{"anything-but": {"prefix": "z"}}], "z": [{"cidr": "10.0.0.0/8"}],
                                  "$or": [{"a": [{"exists": True}]}, {"b": [{"wildcard": "*.png"}]}]}}, []),
])
def test_event_pattern_checks(pattern: Any, problems: list[tuple[str, str]]) -> None:
    assert list(check_pattern(pattern, "p")) == problems


def test_a_bad_pattern_and_transformer_are_build_errors() -> None:
    wf = Workflow("o", states=[Pass("P")], deployment=EventJob(
        "o", EventPattern({"source": "shop"}),
        input=InputTransformer({"aws.x": "$.a", "key": "detail.key"}, {"k": "<key>", "m": "<missing>"}),
        retry=EventRetry(max_attempts=-1)))
    assert diagnostics(wf) == [
        'deployment.on.pattern.source: must be a list of values to match (e.g. ["shop"]) or a nested object, '
        'not "shop"',
        "deployment.input.paths.aws.x: 'aws.x' must be letters, digits, '_' or '-' (names starting 'aws.' are "
        "EventBridge's)",
        "deployment.input.paths.key: 'detail.key' is not a JSON path into the event, e.g. '$.detail.object.key'",
        "deployment.input.template: <missing> is not one of the input paths (aws.x, key) or EventBridge's "
        "predefined values",
        "deployment.retry.max_attempts: EventBridge allows 0-185 for max_attempts (got -1)",
    ]


MATCH_CASES = [
    ({"source": ["a", "b"]}, {"source": "b"}, None),
    ({"source": ["a"]}, {"source": "c"}, 'source is "c"; the pattern wants ["a"]'),
    ({"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"detail": {"n": 5}}, None),
    ({"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"detail": {"n": 6}},
     'detail.n is 6; the pattern wants [{"numeric": [">", 0, "<=", 5]}]'),
    ({"detail": {"n": [5]}}, {"detail": {"n": 5.0}}, None),
    ({"detail": {"t": ["x"]}}, {"detail": {"t": ["y", "x"]}}, None),  # any element of an array
    ({"detail": {"gone": [{"exists": False}]}}, {"detail": {}}, None),
    ({"detail": {"here": [{"exists": True}]}}, {"detail": {}},
     'detail.here is missing (the pattern wants [{"exists": true}])'),
    ({"detail": {"k": [{"anything-but": ["a", "b"]}]}}, {"detail": {"k": "a"}},
     'detail.k is "a"; the pattern wants [{"anything-but": ["a", "b"]}]'),
    ({"detail": {"k": [{"wildcard": "in/*.csv"}]}}, {"detail": {"k": "in/x/y.csv"}}, None),
    ({"detail": {"k": [{"prefix": {"equals-ignore-case": "IN/"}}]}}, {"detail": {"k": "in/a"}}, None),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, {"detail": {"ip": "10.0.1.1"}},
     'detail.ip is "10.0.1.1"; the pattern wants [{"cidr": "10.0.0.0/24"}]'),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "2"}, None),
    ({"detail": {"x": ["1"]}}, {"source": "s"}, "detail is missing"),
]


@pytest.mark.parametrize("pattern, event, reason", MATCH_CASES)
def test_matching_an_event_against_a_pattern(pattern: dict, event: dict, reason: str | None) -> None:
    assert mismatch(pattern, event) == reason


@pytest.mark.parametrize("pattern", [case[0] for case in MATCH_CASES] + [
    {"detail": {"k": [{"anything-but": {"prefix": "example"}}]}},
    {"detail": {"n": [{"numeric": ["<", 0]}], "m": [{"numeric": [">=", 10, "<", 11]}]}},
    {"detail": {"k": [{"suffix": ".png"}], "w": [{"wildcard": "a\\*b*c"}]}},
    {"resources": ["arn:aws:s3:::b"], "detail": {"k": [{"equals-ignore-case": "Hello"}]}},
])
def test_a_sample_event_matches_its_pattern(pattern: dict) -> None:
    d = EventJob("w", EventPattern(pattern))
    event = sample_event(d, request("event"))
    assert mismatch(pattern, event) is None, event
    assert {"version", "id", "account", "time", "region"} <= set(event)


def test_an_event_through_the_input_transformer() -> None:
    wf = uploads(input=InputTransformer(
        {"bucket": "$.detail.bucket.name", "key": "$.detail.object.key", "size": "$.detail.object.size",
         "nothing": "$.detail.nope"},
        '{"where": "s3://<bucket>/<key>", "size": <size>, "nothing": <nothing>, "rule": "<aws.events.rule-name>"}'))
    req = request("event", resolve=resolver({"var.bucket": "uploads"}))
    event = sample_event(wf.deployment, req)
    assert event["detail"]["object"]["key"] == "in/example.csv" and event["detail"]["bucket"]["name"] == "uploads"
    got = execution_input(wf.deployment, attrs.evolve(req, payload=event))
    assert got == {"where": "s3://uploads/in/example.csv", "size": 1024, "nothing": None, "rule": "up"}
    other = {**event, "detail": {**event["detail"], "bucket": {"name": "other"}}}
    with pytest.raises(FlowError, match=r'^the event does not match the rule\'s pattern: detail\.bucket\.name '
                                        r'is "other"; the pattern wants \["uploads"\]$'):
        execution_input(wf.deployment, attrs.evolve(req, payload=other))


def test_without_a_transformer_the_input_is_the_envelope() -> None:
    d = EventJob("w", EventPattern({"source": ["shop"]}))
    event = {"source": "shop", "detail": {"id": 1}}
    assert execution_input(d, request("event", event)) == event
    wf = Workflow("w", states=[Pass("P", parameters={"id.$": "$.detail.id"})], deployment=d)
    assert run(wf, event=event).assert_succeeded().output == {"id": 1}
    with pytest.raises(FlowError, match=r'^the event does not match the rule\'s pattern: source is "farm"; '
                                        r'the pattern wants \["shop"\]$'):
        run(wf, event={**event, "source": "farm"})


# ------------------------------------------------------------------------------ starting another workflow

WORKER = Workflow("worker", states=[Pass("P")], deployment=StateMachine("worker"))


def caller() -> Workflow:
    return Workflow("caller", states=[
        Task("StartWorker", resource=states_arn("states:startExecution.sync:2"),
             parameters={"StateMachineArn": WORKER.arn, "Input": {"k.$": "$.k"}}),
    ], deployment=StateMachine("caller"))


def test_another_workflows_arn_is_a_module_input() -> None:
    art = build(caller())
    definition = json.loads(art.files["caller.asl.json"])
    assert definition["States"]["StartWorker"]["Parameters"]["StateMachineArn"] == "${var.worker_state_machine_arn}"
    variables = json.loads(art.files["variables.tf.json"])["variable"]
    arn = variables["worker_state_machine_arn"]
    assert {k: arn[k] for k in ("type", "nullable", "description")} == {
        "type": "string", "nullable": False,
        "description": "ARN of the state machine of workflow 'worker' (its module's state_machine_arn output)"}
    # checked at plan: an ARN of a state machine, not any string
    [rule] = arn["validation"]
    assert rule["condition"].startswith("${can(regex(") and "stateMachine:" in rule["condition"]
    assert rule["error_message"].startswith("worker_state_machine_arn must be a state machine ARN")


def test_another_workflows_arn_resolves_in_a_local_run() -> None:
    result = run(caller(), {"k": 1}, mocks={"StartWorker": lambda payload: payload})
    result.assert_succeeded()
    assert result.output == {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:worker",
                             "Input": {"k": 1}}


def test_starting_another_workflow_grants_start_and_the_sync_rules() -> None:
    art = build(caller())
    doc = json.loads(art.files["state_machine.tf.json"])["data"]["aws_iam_policy_document"]["state_machine"]
    grants = {tuple(s["actions"]): s["resources"] for s in doc["statement"]}
    assert grants[("states:StartExecution",)] == ["${var.worker_state_machine_arn}"]
    executions = '${replace(var.worker_state_machine_arn, ":stateMachine:", ":execution:")}:*'
    assert grants[("states:DescribeExecution", "states:StopExecution")] == [executions]
    assert grants[("events:DescribeRule", "events:PutRule", "events:PutTargets")] == [
        "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:"
        "${data.aws_caller_identity.current.account_id}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"]


def test_the_typed_start_execution_task_takes_the_reference_too() -> None:
    from flowdsl.tasks.sfn import StartExecution

    typed = Workflow("caller", states=[StartExecution("StartWorker", state_machine=WORKER.arn)],
                     deployment=StateMachine("caller"))
    assert build(typed).files["state_machine.tf.json"] == build(attrs.evolve(typed, states=[
        Task("StartWorker", resource=states_arn("states:startExecution.sync:2"),
             parameters={"StateMachineArn": WORKER.arn, "Input.$": "$"})])).files["state_machine.tf.json"]
    assert '"${var.worker_state_machine_arn}"' in build(typed).files["state_machine.tf.json"]


def test_the_executions_reference_renders_for_iam() -> None:
    from flowdsl.placeholders import template

    assert template(WORKER.arn.executions) == \
        '${replace(var.worker_state_machine_arn, ":stateMachine:", ":execution:")}:*'


def test_only_the_kind_modules_name_a_concrete_kind() -> None:
    """The command line, the kit, the scaffold, the strategies, the assembler and the drawing read the registry:
    their code names no kind class and imports no kind module."""
    import ast
    from pathlib import Path

    import flowdsl
    from flowdsl.deployments import kinds

    package = Path(flowdsl.__file__).parent
    classes = {cls.__name__ for cls, _ in kinds() if cls.__module__.startswith("flowdsl.")}
    modules = {cls.__module__ for cls, _ in kinds() if cls.__module__.startswith("flowdsl.")}
    allowed: set[tuple[str, str]] = set()
    found = []
    for path in [package / "cli.py", package / "cli_typer.py", package / "cli_verbs.py", package / "scaffold.py", package / "terraform.py", package / "graph.py",
                 package / "testing" / "kit.py", *sorted((package / "testing" / "strategies").glob("*.py"))]:
        rel = path.relative_to(package).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            names = {node.id} if isinstance(node, ast.Name) else {node.attr} if isinstance(node, ast.Attribute) \
                else {a.name for a in node.names} | {node.module or ""} if isinstance(node, ast.ImportFrom) \
                else {a.name for a in node.names} if isinstance(node, ast.Import) else set()
            found += [(rel, n) for n in sorted(names & (classes | modules)) if (rel, n) not in allowed]
    assert classes == {"EventJob", "OnDemandJob", "ScheduledJob", "StateMachine"}
    assert found == []
