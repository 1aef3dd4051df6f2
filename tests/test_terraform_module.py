"""The Terraform module flowdsl emits, checked as data (terraform itself runs in tests/terraform/)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from flowdsl import (Allow, BatchTask, Catch, JobDefinition, LambdaTask, OnDemandJob, Pass,
                     Variable, Workflow, join, var)
from flowdsl.build import build, check
from flowdsl.loader import load_workflows

from locations import ROOT


def fibonacci_files() -> dict[str, Any]:
    wf = load_workflows(ROOT / "workflows" / "fibonacci.py")["fibonacci"]
    return {name: json.loads(text) for name, text in build(wf).files.items() if name.endswith(".tf.json")}


def blocks(files: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for doc in files.values():
        for type_, named in doc.get(kind, {}).items():
            out.setdefault(type_, {}).update(named)
    return out


def statements(files: dict[str, Any], document: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    doc = blocks(files, "data")["aws_iam_policy_document"][document]
    return [(tuple(s["actions"]), tuple(s["resources"])) for s in doc["statement"]]


def test_module_layout() -> None:
    files = fibonacci_files()
    assert sorted(files) == ["alias.tf.json", "batch.tf.json", "iam.tf.json", "main.tf.json",
                             "outputs.tf.json", "pipe.tf.json", "queue.tf.json", "state_machine.tf.json",
                             "variables.tf.json"]
    main = files["main.tf.json"]
    # bounded below 6.0, which deprecates data.aws_region.current.name (the module uses it)
    assert main["terraform"]["required_providers"] == {"aws": {"source": "hashicorp/aws",
                                                              "version": ">= 5.0, < 6.0"}}
    assert "data.aws_region.current.name" in json.dumps(files)
    assert all("provider" not in doc for doc in files.values())
    assert sorted(main["data"]) == ["aws_caller_identity", "aws_partition", "aws_region"]


def test_resource_kinds() -> None:
    resources = blocks(fibonacci_files(), "resource")
    assert {t: sorted(n) for t, n in resources.items()} == {
        "aws_batch_job_definition": ["fibonacci"],
        "aws_cloudwatch_log_group": ["state_machine"],
        "aws_iam_policy": ["fibonacci_task", "pipe_source", "pipe_target", "state_machine",
                           "state_machine_xray"],
        "aws_iam_role": ["fibonacci_execution", "fibonacci_task", "pipe", "state_machine"],
        "aws_iam_role_policy_attachment": ["fibonacci_execution", "fibonacci_execution_extra",
                                           "fibonacci_task", "fibonacci_task_extra", "pipe_extra",
                                           "pipe_source", "pipe_target", "state_machine",
                                           "state_machine_extra", "state_machine_xray"],
        "aws_pipes_pipe": ["pipe"],
        "aws_sfn_alias": ["state_machine"],  # the alias "live" the pipe starts (safe deploys)
        "aws_sfn_state_machine": ["state_machine"],
        "aws_sqs_queue": ["dlq", "queue"],
    }


def test_variables_are_the_seed_inputs_without_account_or_region() -> None:
    variables = fibonacci_files()["variables.tf.json"]["variable"]
    assert sorted(variables) == sorted([
        "app_name", "stage", "batch_job_queue_arn", "image_uri", "image_tag", "env",
        "success_handler_arn", "error_handler_arn", "vcpus", "memory",
        "kms_key_arn", "max_receive_count", "log_retention_days", "tracing_enabled",
        "tags", "permissions_boundary_arn", "role_path", "extra_policy_arns"])
    assert variables["vcpus"]["default"] == "1" and variables["memory"]["default"] == "2048"
    assert variables["env"]["type"] == "map(string)"
    assert "default" not in variables["app_name"]


def test_nothing_is_hard_coded_to_a_partition_region_or_account() -> None:
    text = "".join(json.dumps(doc) for doc in fibonacci_files().values())
    assert "arn:aws:" not in text
    assert "ap-northeast-1" not in text and "123456789012" not in text


def test_queue_has_a_dead_letter_queue_and_encryption() -> None:
    queues = blocks(fibonacci_files(), "resource")["aws_sqs_queue"]
    q = queues["queue"]
    assert (q["delay_seconds"], q["max_message_size"], q["message_retention_seconds"],
            q["visibility_timeout_seconds"]) == (0, 262144, 604800, 30)
    assert "aws_sqs_queue.dlq.arn" in q["redrive_policy"] and "var.max_receive_count" in q["redrive_policy"]
    for queue in queues.values():
        assert queue["sqs_managed_sse_enabled"] == "${var.kms_key_arn == null ? true : null}"
        assert queue["kms_master_key_id"] == "${var.kms_key_arn}"


def test_state_machine_iam_is_derived_from_the_graph() -> None:
    got = statements(fibonacci_files(), "state_machine")
    job_def = "${aws_batch_job_definition.fibonacci.arn_prefix}"
    assert (("batch:SubmitJob",), (job_def, job_def + ":*", "${var.batch_job_queue_arn}")) in got
    assert (("lambda:InvokeFunction",), ("${var.error_handler_arn}", "${var.error_handler_arn}:*",
                                         "${var.success_handler_arn}",
                                         "${var.success_handler_arn}:*")) in got
    rule = ("arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:"
            "${data.aws_caller_identity.current.account_id}:rule/StepFunctionsGetEventsForBatchJobsRule")
    assert (("events:DescribeRule", "events:PutRule", "events:PutTargets"), (rule,)) in got
    assert all(not any(a.startswith("xray:") for a in actions) for actions, _ in got)
    assert all("*" not in actions for actions, _ in got)


def test_xray_policy_exists_only_when_tracing_is_on() -> None:
    resources = blocks(fibonacci_files(), "resource")
    assert resources["aws_iam_policy"]["state_machine_xray"]["count"] == "${var.tracing_enabled ? 1 : 0}"
    sm = resources["aws_sfn_state_machine"]["state_machine"]
    assert sm["tracing_configuration"] == {"enabled": "${var.tracing_enabled}"}


def test_pipe_iam_and_settings() -> None:
    files = fibonacci_files()
    assert statements(files, "pipe_source") == [
        (("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"),
         ("${aws_sqs_queue.queue.arn}",))]
    # the pipe starts the alias; Step Functions authorizes it against the state machine's ARN
    assert statements(files, "pipe_target") == [
        (("states:StartExecution",), ("${aws_sfn_alias.state_machine.arn}",
                                      "${aws_sfn_state_machine.state_machine.arn}"))]
    pipe = blocks(files, "resource")["aws_pipes_pipe"]["pipe"]
    assert pipe["target"] == "${aws_sfn_alias.state_machine.arn}"
    assert pipe["source_parameters"] == {"sqs_queue_parameters": {"batch_size": 1}}
    assert pipe["target_parameters"] == {
        "step_function_state_machine_parameters": {"invocation_type": "FIRE_AND_FORGET"}}


def test_task_role_is_the_authors_declaration() -> None:
    got = statements(fibonacci_files(), "fibonacci_task")
    partition = "${data.aws_partition.current.partition}"
    region_account = "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
    prefix = "${var.app_name}-${var.stage}-"
    assert got == [
        (("s3:GetObject", "s3:PutObject"), (f"arn:{partition}:s3:::{prefix}*/*",)),
        (("s3:ListBucket",), (f"arn:{partition}:s3:::{prefix}*",)),
        (("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
         (f"arn:{partition}:secretsmanager:{region_account}:secret:/${{var.app_name}}/*",)),
        (("sns:Publish",), (f"arn:{partition}:sns:{region_account}:{prefix}*",)),
    ]


def test_definition_is_the_compiled_asl() -> None:
    wf = load_workflows(ROOT / "workflows" / "fibonacci.py")["fibonacci"]
    files = build(wf).files
    local = json.loads(files["state_machine.tf.json"])["locals"]["definition"]
    assert local == json.loads(files["fibonacci.asl.json"])
    sm = json.loads(files["state_machine.tf.json"])["resource"]["aws_sfn_state_machine"]["state_machine"]
    assert sm["definition"] == "${jsonencode(local.definition)}"


def test_literal_dollar_braces_are_escaped_for_terraform() -> None:
    wf = Workflow("esc", states=[Pass("P", result={"t": "${not_a_ref} and %{x}"})],
                  deployment=OnDemandJob("esc"))
    text = build(wf).files["state_machine.tf.json"]
    assert "$${not_a_ref} and %%{x}" in text


# bad input -----------------------------------------------------------------------------------

JOB = dict(image="repo:tag", command=["run"])


def codes(wf: Workflow) -> list[tuple[str, str, str]]:
    return [(d.code, d.path, d.message) for d in check(wf)[1]]


def test_undeclared_variable_in_the_deployment() -> None:
    wf = Workflow("w", states=[Pass("P")], deployment=OnDemandJob(join(var("nope"), "-w")))
    # once, at the model field that uses it (not once per Terraform block that renders it)
    assert codes(wf) == [("undeclared-variable", "deployment.resource_name",
                          "var('nope') is not declared in the workflow's variables (declared: none)")]


def test_two_resources_with_the_same_terraform_name() -> None:
    a = JobDefinition("job", **JOB)
    b = JobDefinition("job", image="other:tag", command=["run"])
    wf = Workflow("w", states=[
        BatchTask("A", job=a, job_queue="q", job_name="a"),
        BatchTask("B", job=b, job_queue="q", job_name="b"),
    ], deployment=OnDemandJob("w"))
    (found,) = codes(wf)
    assert found[:2] == ("duplicate-resource", "jobs.job")
    assert re.fullmatch(r"two different job definitions have the id 'job'; both would be "
                        r"aws_batch_job_definition\.job in Terraform \(the first is at "
                        r"tests/test_terraform_module\.py:\d+\): give each its own id", found[2])


def test_batch_task_without_an_image() -> None:
    wf = Workflow("w", states=[BatchTask("A", job=JobDefinition("job", command=["x"]),
                                         job_queue="q", job_name="a")],
                  deployment=OnDemandJob("w"))
    assert codes(wf) == [("missing-image", "jobs.job.image",
                          "job definition 'job' has no image: give JobDefinition(image=...)")]


def test_names_that_exceed_aws_limits() -> None:
    long = "x" * 50
    wf = Workflow("w", variables=[Variable("stage")], states=[Pass("P")],
                  deployment=OnDemandJob(join(long, "-", var("stage"))))
    found = codes(wf)
    assert not [f for f in found if f[0] == "name-too-long"]  # 62 fits
    wf = Workflow("w", variables=[Variable("stage")], states=[Pass("P")],
                  deployment=OnDemandJob(join(long + "yyyy", "-", var("stage"))))
    assert ("name-too-long", "deployment.pipe",
            f"workflow 'w': aws_iam_role.pipe: the name '{long}yyyy-${{var.stage}}-PipesRole' is at "
            "least 66 characters; AWS allows 64") in codes(wf)


def test_a_failed_check_names_the_file_and_line() -> None:
    wf = Workflow("w", states=[BatchTask("A", job=JobDefinition("job", command=["x"]),
                                         job_queue="q", job_name="a")],
                  deployment=OnDemandJob("w"))
    (d,) = check(wf)[1]
    assert re.fullmatch(r"tests/test_terraform_module\.py:\d+", d.source or "")


@pytest.mark.parametrize("invocation, action", [("FIRE_AND_FORGET", "states:StartExecution"),
                                                ("REQUEST_RESPONSE", "states:StartSyncExecution")])
def test_pipe_invocation_type_picks_the_start_action(invocation: str, action: str) -> None:
    from flowdsl import Pipe

    wf = Workflow("w", states=[Pass("P")],
                  deployment=OnDemandJob("w", pipe=Pipe(invocation_type=invocation), type="EXPRESS",
                                         # StartSyncExecution takes no alias
                                         **({"alias": None} if invocation == "REQUEST_RESPONSE" else {})))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    assert statements(files, "pipe_target")[0][0] == (action,)


def test_lambda_and_catch_targets_contribute_iam() -> None:
    handler = LambdaTask("Handle", function="arn:aws:lambda:us-east-1:1:function:h")
    wf = Workflow("w", states=[
        LambdaTask("Call", function="fn-name", qualifier="live",
                   catch=[Catch(["States.ALL"], next=handler)]),
    ], deployment=OnDemandJob("w"))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    # a function given by name is granted by its ARN, in the deploying account and region
    here = ("arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.name}:"
            "${data.aws_caller_identity.current.account_id}:function:fn-name")
    assert (("lambda:InvokeFunction",), (here, here + ":*",
                                         "arn:aws:lambda:us-east-1:1:function:h",
                                         "arn:aws:lambda:us-east-1:1:function:h:*")) \
        in statements(files, "state_machine")


def test_task_role_permissions_render() -> None:
    job = JobDefinition("job", permissions=[Allow("s3:GetObject", "arn:aws:s3:::b/*")], **JOB)
    wf = Workflow("w", states=[BatchTask("A", job=job, job_queue="q", job_name="a")],
                  deployment=OnDemandJob("w"))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    assert statements(files, "job_task") == [(("s3:GetObject",), ("arn:aws:s3:::b/*",))]


# trust policies: each role only for its own resource (confused deputy) ----------------------

ACCOUNT = "${data.aws_caller_identity.current.account_id}"
ARN_HEAD = "arn:${data.aws_partition.current.partition}:{service}:${data.aws_region.current.name}:" + ACCOUNT


def trust(files: dict[str, Any], role: str) -> dict[str, Any]:
    """The one statement of a role's trust policy, its role pointing at it."""
    body = blocks(files, "resource")["aws_iam_role"][role]
    name = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}",
                        body["assume_role_policy"]).group(1)
    [statement] = blocks(files, "data")["aws_iam_policy_document"][name]["statement"]
    return statement


def scoped(service: str, source_arn: str) -> list[dict[str, Any]]:
    return [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]},
            {"test": "ArnLike", "variable": "aws:SourceArn",
             "values": [ARN_HEAD.replace("{service}", service) + source_arn]}]


def test_the_state_machine_pipe_and_task_roles_trust_only_their_own_resources() -> None:
    files = fibonacci_files()
    name = "${var.app_name}-${var.stage}-fibonacci-OnDemandJob"
    condition = scoped("states", f":stateMachine:{name}")
    condition[1]["values"].append(condition[1]["values"][0] + ":*")  # its versions and the alias
    assert trust(files, "state_machine") == {
        "actions": ["sts:AssumeRole"],
        "principals": [{"type": "Service", "identifiers": ["states.amazonaws.com"]}],
        "condition": condition}
    assert trust(files, "pipe")["condition"] == scoped("pipes", f":pipe/{name}-Pipe")
    assert trust(files, "fibonacci_task")["condition"] == scoped("ecs", ":*")
    # the execution role (the ECS agent pulling the image) keeps AWS's documented trust policy
    assert "condition" not in trust(files, "fibonacci_execution")


def test_no_trust_policy_refers_to_a_resource_that_refers_to_its_role() -> None:
    files = fibonacci_files()
    documents = blocks(files, "data")["aws_iam_policy_document"]
    for doc in (documents[name] for name in documents if name.startswith("assume_")):
        text = json.dumps(doc)
        assert "aws_sfn_state_machine." not in text and "aws_pipes_pipe." not in text


def test_an_ecs_task_role_and_an_event_rule_role_are_scoped() -> None:
    from flowdsl import EventJob, EventPattern
    from flowdsl.tasks.ecs import EcsRunTask, TaskDefinition

    td = TaskDefinition("web", image="i")
    wf = Workflow("w", [EcsRunTask("Run", task_definition=td, cluster="c", subnets=["s"])],
                  deployment=EventJob("w", EventPattern({"source": ["shop"]}), dead_letter_queue=False))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    assert trust(files, "web_task")["condition"] == scoped("ecs", ":*")
    assert "condition" not in trust(files, "web_execution")
    assert trust(files, "events")["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]},
        {"test": "ArnLike", "variable": "aws:SourceArn",
         "values": ["${aws_cloudwatch_event_rule.rule.arn}"]}]


# what a Terraform user expects of a module ---------------------------------------------------

def test_every_taggable_resource_is_tagged_and_every_role_bounded() -> None:
    from flowdsl.terraform import TAGGABLE

    resources = blocks(fibonacci_files(), "resource")
    tagged = {t for t in resources if t in TAGGABLE}
    assert tagged == {"aws_batch_job_definition", "aws_cloudwatch_log_group", "aws_iam_policy",
                      "aws_iam_role", "aws_pipes_pipe", "aws_sfn_state_machine", "aws_sqs_queue"}
    for type_, named in resources.items():
        for name, body in named.items():
            assert (body.get("tags") == "${var.tags}") == (type_ in TAGGABLE), (type_, name)
    for name, role in resources["aws_iam_role"].items():
        assert role["permissions_boundary"] == "${var.permissions_boundary_arn}", name
        assert role["path"] == "${var.role_path}", name
        # and each the extra managed policies, as many as the input lists
        extra = resources["aws_iam_role_policy_attachment"][f"{name}_extra"]
        assert extra == {"count": "${length(var.extra_policy_arns)}",
                         "role": f"${{aws_iam_role.{name}.name}}",
                         "policy_arn": "${var.extra_policy_arns[count.index]}"}


def test_the_conventions_inputs() -> None:
    variables = fibonacci_files()["variables.tf.json"]["variable"]
    assert {k: (variables[k]["type"], variables[k]["default"]) for k in
            ("tags", "permissions_boundary_arn", "role_path", "extra_policy_arns")} == {
        "tags": ("map(string)", {}), "permissions_boundary_arn": ("string", None),
        "role_path": ("string", "/"), "extra_policy_arns": ("list(string)", [])}
    # every input flowdsl adds is described, and every one but a switch is validated
    for name in ("kms_key_arn", "log_retention_days", "tags", "permissions_boundary_arn", "role_path",
                 "extra_policy_arns", "max_receive_count"):
        assert variables[name]["description"] and variables[name]["validation"], name
    [retention] = variables["log_retention_days"]["validation"]
    assert retention["condition"] == ("${contains([0,1,3,5,7,14,30,60,90,120,150,180,365,400,545,731,1096,"
                                      "1827,2192,2557,2922,3288,3653],var.log_retention_days)}")
    assert variables["log_retention_days"]["nullable"] is False


@pytest.mark.parametrize("name, value, ok", [
    ("kms_key_arn", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
    ("kms_key_arn", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/mine", True),
    ("kms_key_arn", "1234abcd-12ab-34cd-56ef-1234567890ab", False),
    ("permissions_boundary_arn", "arn:aws:iam::123456789012:policy/org/Boundary", True),
    ("permissions_boundary_arn", "arn:aws:iam::aws:policy/PowerUserAccess", True),
    ("permissions_boundary_arn", "arn:aws:iam::123456789012:role/Boundary", False),
    ("role_path", "/", True), ("role_path", "/org/team/", True),
    ("role_path", "org/", False), ("role_path", "/org", False), ("role_path", "/" + "a" * 511 + "/", False),
])
def test_the_arn_and_path_shapes(name: str, value: str, ok: bool) -> None:
    """The patterns the validations hold (RE2 and Python agree on these), read back from the module."""
    condition = fibonacci_files()["variables.tf.json"]["variable"][name]["validation"][0]["condition"]
    pattern = json.loads(re.search(r'regex\(("(?:[^"\\]|\\.)*")', condition).group(1))
    assert (re.fullmatch(pattern, value) is not None) is ok


def test_every_output_is_described_and_the_roles_are_outputs() -> None:
    outputs = fibonacci_files()["outputs.tf.json"]["output"]
    assert [o for o, body in outputs.items() if not body.get("description")] == []
    assert outputs["state_machine_role_arn"]["value"] == "${aws_iam_role.state_machine.arn}"
    assert outputs["pipe_role_arn"]["value"] == "${aws_iam_role.pipe.arn}"
    assert outputs["role_arns"]["value"] == {
        n: f"${{aws_iam_role.{n}.arn}}" for n in ("fibonacci_execution", "fibonacci_task", "pipe", "state_machine")}


def test_a_log_retention_aws_does_not_offer_is_a_build_error() -> None:
    from flowdsl import Logging

    wf = Workflow("w", states=[Pass("P")], deployment=OnDemandJob("w", logging=Logging(retention_days=42)))
    [(code, path, message)] = codes(wf)
    assert (code, path) == ("bad-retention", "deployment.logging.retention_days")
    assert message.startswith("workflow 'w': CloudWatch Logs keeps logs for one of 0, 1, 3, 5, 7, 14,")
    assert message.endswith("3653 days, not 42")


def test_a_name_too_long_for_the_longest_input_is_a_build_error() -> None:
    from flowdsl import length_between, one_of

    def wf(app_max: int) -> Workflow:
        return Workflow("w", variables=[Variable("app_name", validation=length_between(1, app_max)),
                                        Variable("stage", validation=one_of("dev", "prod"))],
                        states=[Pass("P")],
                        deployment=OnDemandJob(join(var("app_name"), "-", var("stage"), "-nightly-job")))
    # the longest name for its limit is <app>-<stage>-nightly-job-PipesRole: 64 - 23 - 4 = 37 for app_name
    assert [c for c in codes(wf(37)) if c[0] == "name-too-long"] == []
    found = [c for c in codes(wf(38)) if c[0] == "name-too-long"]
    assert found == [("name-too-long", "deployment.pipe",
                      "workflow 'w': aws_iam_role.pipe: the name '${var.app_name}-${var.stage}-nightly-job"
                      "-PipesRole' can be 65 characters long with the longest values app_name, stage allow; "
                      "AWS allows 64: lower their length_between() bound or shorten the literal parts")]
    # known at build time: no check left for plan
    files = {n: json.loads(t) for n, t in build(wf(37)).files.items() if n.endswith(".tf.json")}
    assert "lifecycle" not in blocks(files, "resource")["aws_iam_role"]["pipe"]


def test_a_name_of_unbounded_inputs_is_checked_at_plan() -> None:
    role = blocks(fibonacci_files(), "resource")["aws_iam_role"]["fibonacci_execution"]
    name = "${var.app_name}-${var.stage}-fibonacci-OnDemandJob-EcsTaskExeRole"
    assert role["lifecycle"]["precondition"] == [{
        "condition": f'${{length("{name}") <= 64}}',
        "error_message": (f'aws_iam_role.fibonacci_execution: the name "{name}" is ${{length("{name}")}} '
                          "characters; AWS allows 64: shorten app_name or stage.")}]


def test_vcpus_and_memory_may_be_numbers() -> None:
    from flowdsl import one_of

    job = JobDefinition("job", vcpus=0.25, memory=512, **JOB)
    sized = JobDefinition("sized", vcpus=var("vcpus"), memory=var("memory"), **JOB)
    wf = Workflow("w", variables=[Variable("vcpus", type="number", default=1,
                                           validation=one_of(0.25, 0.5, 1, 2, 4, 8, 16)),
                                  Variable("memory", type="number", default=2048)],
                  states=[BatchTask("A", job=job, job_queue="q", job_name="a"),
                          BatchTask("B", job=sized, job_queue="q", job_name="b")],
                  deployment=OnDemandJob("w"))
    files = {n: json.loads(t) for n, t in build(wf).files.items() if n.endswith(".tf.json")}
    local = files["batch.tf.json"]["locals"]
    # Batch takes the values as strings: literal numbers are written so, number inputs converted
    assert local["job_container"]["resourceRequirements"] == [{"type": "VCPU", "value": "0.25"},
                                                             {"type": "MEMORY", "value": "512"}]
    assert local["sized_container"]["resourceRequirements"] == [
        {"type": "VCPU", "value": "${tostring(var.vcpus)}"}, {"type": "MEMORY", "value": "${tostring(var.memory)}"}]
    variables = files["variables.tf.json"]["variable"]
    assert variables["vcpus"]["type"] == "number"
    # inputs that size a Fargate job are checked at plan with Fargate's values, beside the author's rules
    assert [r["condition"] for r in variables["vcpus"]["validation"]] == [
        '${contains([0.25, 0.5, 1, 2, 4, 8, 16], var.vcpus)}',
        '${contains(["0.25", "0.5", "1", "2", "4", "8", "16"], tostring(var.vcpus))}']
    assert variables["memory"]["validation"] == [{
        "condition": "${try(tonumber(var.memory) >= 512 && tonumber(var.memory) <= 122880, false)}",
        "error_message": "memory must be the job's memory in MiB, 512 to 122880 (Fargate)."}]
