"""``arn:aws:states:::ecs:runTask``: run an ECS task (Fargate by default), and by default wait
for it. The task definition is one flowdsl creates (``TaskDefinition``, with its two roles and
its log group) or an existing one's family, ``family:revision`` or ARN."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.fields import as_tuple, check_fields
from flowdsl.frozen import frozen
from flowdsl.iam import ECS_TASKS, Allow
from flowdsl.refs import PARTITION, REGION, Ref, ResourceAttr, join
from flowdsl.source import caller_location
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    REQUEST_RESPONSE,
    SYNC,
    TOKEN,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    is_arn,
    known,
    param,
    pattern_field,
    pattern_of,
    register,
    states_arn,
    suffix_of,
    sync_rule,
    take,
)
from flowdsl.terraform_expr import KMS, TF_IDENT, Expr, Module, addr

FILE = "ecs.tf.json"




@frozen
class TaskDefinition:
    """A Fargate task definition of one container that flowdsl creates; ``id`` is its
    Terraform name. Its task role gets ``permissions``; its execution role pulls the image and
    writes to its log group (``/ecs/<family>``, encrypted with ``kms_key_arn`` when set)."""

    id: str
    family: str | Ref | None = attrs.field(default=None, kw_only=True)
    image: str | Ref | None = attrs.field(default=None, kw_only=True)
    command: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    cpu: str = attrs.field(default="256", kw_only=True)
    memory: str = attrs.field(default="512", kw_only=True)
    environment: Any = attrs.field(factory=dict, kw_only=True)
    container_name: str = attrs.field(default="main", kw_only=True)
    read_only_root_filesystem: bool = attrs.field(default=True, kw_only=True)
    permissions: tuple[Allow, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    source: str | None = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                                     metadata={"source": True})

    __attrs_post_init__ = check_fields

    @property
    def arn(self) -> ResourceAttr:
        return ResourceAttr("aws_ecs_task_definition", self.id, "arn")


@frozen
class EcsRunTask(_TaskBase):
    """Run ``task_definition`` on ``cluster`` (name or ARN). Fargate tasks need ``subnets``
    (and usually ``security_groups``). ``overrides`` is RunTask's ``Overrides``, e.g.
    ``{"ContainerOverrides": [{"Name": "main", "Command.$": "$.command"}]}``. ``pattern``:
    ``"sync"`` (the default), ``"request_response"`` or ``"wait_for_task_token"``."""

    task_definition: TaskDefinition | str | Ref = attrs.field(kw_only=True)
    cluster: str | Ref = attrs.field(kw_only=True)
    launch_type: str | None = attrs.field(default="FARGATE", kw_only=True)
    subnets: Any = attrs.field(default=None, kw_only=True)
    security_groups: Any = attrs.field(default=None, kw_only=True)
    assign_public_ip: bool = attrs.field(default=False, kw_only=True)
    overrides: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


def task_definition_arn(st: EcsRunTask) -> Any:
    td = st.task_definition
    return td.arn if isinstance(td, TaskDefinition) else td


def _list(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def _parameters(st: EcsRunTask) -> dict[str, Any]:
    network = None
    if st.subnets is not None:
        network = {"AwsvpcConfiguration": compact({
            "Subnets": _list(st.subnets), "SecurityGroups": _list(st.security_groups),
            "AssignPublicIp": "ENABLED" if st.assign_public_ip else "DISABLED"})}
    return compact({"Cluster": st.cluster, "TaskDefinition": task_definition_arn(st),
                    "LaunchType": st.launch_type, "NetworkConfiguration": network,
                    "Overrides": st.overrides}, st.options)


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    suffix = pattern_of(resource, "ecs:runTask")
    kwargs = take(params, {"Cluster": "cluster", "TaskDefinition": "task_definition",
                           "LaunchType": "launch_type", "NetworkConfiguration": "network",
                           "Overrides": "overrides"}, rest="options")
    if suffix is None or kwargs is None or not {"cluster", "task_definition"} <= set(kwargs):
        return None
    network = kwargs.pop("network", None)
    if network is not None:
        vpc = network.get("AwsvpcConfiguration") if isinstance(network, dict) else None
        if not isinstance(vpc, dict) or set(network) != {"AwsvpcConfiguration"} \
                or set(vpc) - {"Subnets", "SecurityGroups", "AssignPublicIp"} \
                or "Subnets" not in vpc or vpc.get("AssignPublicIp", "DISABLED") not in (
                    "ENABLED", "DISABLED"):
            return None
        kwargs["subnets"] = vpc["Subnets"]
        kwargs["security_groups"] = vpc.get("SecurityGroups")
        kwargs["assign_public_ip"] = vpc.get("AssignPublicIp") == "ENABLED"
    kwargs.setdefault("launch_type", None)
    return {**kwargs, "pattern": pattern_field(suffix)}


def _terraform(m: Module, states: list[EcsRunTask]) -> None:
    """The task definitions the graph uses (once each), their roles, log groups, outputs."""
    by_id: dict[str, TaskDefinition] = {}
    for st in states:
        network = isinstance(st.options, dict) and any(k.startswith("NetworkConfiguration")
                                                       for k in st.options)
        if st.launch_type == "FARGATE" and st.subnets is None and not network:
            m.error("missing-subnets", f"states.{st.name}.subnets",
                    f"state {st.name!r} runs a Fargate task, whose awsvpc network needs "
                    f"subnets: give EcsRunTask(subnets=[...], security_groups=[...])", st.source)
        td = st.task_definition
        if not isinstance(td, TaskDefinition) or by_id.get(td.id) == td:
            continue
        if td.id in by_id:
            m.error("duplicate-resource", f"task_definitions.{td.id}",
                    f"two different task definitions have the id {td.id!r}; both would be "
                    f"aws_ecs_task_definition.{td.id} in Terraform (the first is at "
                    f"{by_id[td.id].source or 'unknown'}): give each its own id", td.source)
            continue
        by_id[td.id] = td
        _resources(m, td)
    if by_id:
        m.outputs["task_definition_arns"] = {"value": {t.id: t.arn for t in by_id.values()},
                                             "description": "ARN of each ECS task definition, "
                                                            "by its id"}


def _resources(m: Module, td: TaskDefinition) -> None:
    owner = f"task_definitions.{td.id}"
    if not TF_IDENT.fullmatch(td.id):
        m.error("bad-id", owner, f"task definition id {td.id!r} must be a Terraform identifier "
                "(letters, digits, '_' and '-', not starting with a digit)", td.source)
        return
    if td.image is None:
        m.error("missing-image", f"{owner}.image",
                f"task definition {td.id!r} has no image: give TaskDefinition(image=...)",
                td.source)
    family = td.family if td.family is not None else join(m.deployment.resource_name, "-", td.id)
    execution, task = f"{td.id}_execution", f"{td.id}_task"
    m.role(FILE, execution, join(family, "-EcsExeRole"), "ecs-tasks.amazonaws.com", owner,
           td.source)
    m.resource(FILE, "aws_iam_role_policy_attachment", execution, {
        "role": Expr(f"aws_iam_role.{execution}.name"),
        "policy_arn": join("arn:", PARTITION,
                           ":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
    }, owner, td.source)
    m.role(FILE, task, join(family, "-EcsTaskRole"), "ecs-tasks.amazonaws.com", owner, td.source,
           source_arn=ECS_TASKS)
    if td.permissions:
        doc = m.policy_document(FILE, task, tuple(td.permissions), owner)
        m.policy(FILE, task, join(family, "-EcsTaskRolePolicy"), task, doc, owner, td.source)
    group = f"{td.id}_logs"
    m.resource(FILE, "aws_cloudwatch_log_group", group, {
        "name": join("/ecs/", family),
        "retention_in_days": Expr("var.log_retention_days"),
        "kms_key_id": KMS,
    }, owner, td.source)
    env = td.environment
    if isinstance(env, Ref):
        m.uses.append((f"{owner}.environment", env))
        environment: Any = Expr(f"[for k in sort(keys({env.address})) : "
                                f"{{name = k, value = {env.address}[k]}}]")
    else:
        environment = [{"name": k, "value": v} for k, v in sorted(dict(env).items())]
    container: dict[str, Any] = {
        "name": td.container_name,
        "image": td.image,
        "essential": True,
        "environment": environment,
        "readonlyRootFilesystem": td.read_only_root_filesystem,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": addr("aws_cloudwatch_log_group", group, "name"),
            "awslogs-region": REGION,
            "awslogs-stream-prefix": td.id,
        }},
    }
    if td.command:
        container["command"] = list(td.command)
    containers = m.local(FILE, f"{td.id}_containers", [container], owner)
    m.resource(FILE, "aws_ecs_task_definition", td.id, {
        "family": family,
        "requires_compatibilities": ["FARGATE"],
        "network_mode": "awsvpc",
        "cpu": td.cpu,
        "memory": td.memory,
        "task_role_arn": addr("aws_iam_role", task, "arn"),
        "execution_role_arn": addr("aws_iam_role", execution, "arn"),
        "container_definitions": Expr(f"jsonencode({containers.text})"),
    }, owner, td.source)


def _example(s: Sampler) -> dict[str, Any]:
    definition: Any = "worker:1"
    if s.refs and s.flag():
        definition = s.shared("ecs:worker", lambda: TaskDefinition(
            "worker", image="public.ecr.aws/docker/library/python:3.12",
            command=("python", "-c", "print(1)"),
            permissions=s.pick(((), (Allow("s3:GetObject", "arn:aws:s3:::b/*"),)))))
    cluster = s.var("cluster_arn") if s.refs else "jobs"
    subnet = s.var("subnet_id") if s.refs else "subnet-0123456789abcdef0"
    return {"task_definition": definition, "cluster": cluster, "subnets": [subnet],
            "pattern": s.pick(("sync", "request_response"))}


register(EcsRunTask, Integration(
    resource=lambda st: states_arn("ecs:runTask" + suffix_of(st.pattern)),
    parameters=_parameters, terraform=_terraform, inverse=_inverse, example=_example,
))


# IAM: RunTask on every revision of the family, iam:PassRole on a created definition's two
# roles, and for .sync the task's end through the managed rule -----------------------------

_REVISION = r"(?:^|/)[^:/]+:\d+$"  # family:revision, alone or at an ARN's end
_PASSED_TO_ECS = ("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")


def _task_definitions(value: Any) -> tuple[Any, ...]:
    if isinstance(value, ResourceAttr) and value.type == "aws_ecs_task_definition":
        return (join(ResourceAttr(value.type, value.name, "arn_without_revision"), ":*"),)
    if isinstance(value, str):
        full = value if value.startswith("arn:") else arn("ecs", "task-definition/", value)
        return (full,) if re.search(_REVISION, value) else (join(full, ":*"),)
    if is_arn(value):
        return (value,)
    return (arn("ecs", "task-definition/", value, ":*"),)  # a family held by a reference


@integration("ecs:runTask", (REQUEST_RESPONSE, SYNC, TOKEN),
             "TaskDefinition (family → every revision); iam:PassRole on the task and execution "
             "roles; .sync: StopTask/DescribeTasks on the account's tasks, the managed rule")
def _grants(c: Call) -> list[Allow]:
    definition = c.get("TaskDefinition")
    out: list[Allow] = []
    if known(definition):
        out.append(Allow("ecs:RunTask", _task_definitions(definition)))
    else:
        out.append(Allow("ecs:RunTask", arn("ecs", "task-definition/*:*"),
                         "EcsTaskDefinitionChosenAtRunTime"))
    roles = _pass_roles(c)
    if roles is None:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "EcsTaskRolesNotKnownAtDeployTime", conditions=[_PASSED_TO_ECS]))
    elif roles:
        out.append(Allow("iam:PassRole", roles, conditions=[_PASSED_TO_ECS]))
    if c.get("Tags") is not MISSING:
        # tagging on creation is authorised as TagResource on the new task (its id is not
        # known before it starts), for RunTask only
        out.append(Allow("ecs:TagResource", arn("ecs", "task/*/*"), "EcsTagsTheTaskItStarts",
                         conditions=[("StringEquals", "ecs:CreateAction", "RunTask")]))
    if c.pattern == SYNC:
        out.append(Allow(("ecs:DescribeTasks", "ecs:StopTask"), arn("ecs", "task/*/*")))
        out.append(sync_rule("StepFunctionsGetEventsForECSTaskRule"))
    return out


def _pass_roles(c: Call) -> tuple[Any, ...] | None:
    """The roles RunTask passes to ECS: the task definition's (when flowdsl creates it) and any
    in Overrides. ``None`` when a role is not known at deploy time."""
    definition = c.get("TaskDefinition")
    roles: list[Any] = []
    if isinstance(definition, ResourceAttr) and definition.type == "aws_ecs_task_definition":
        roles += [ResourceAttr("aws_iam_role", f"{definition.name}_task", "arn"),
                  ResourceAttr("aws_iam_role", f"{definition.name}_execution", "arn")]
    else:
        return None
    overrides = c.get("Overrides")
    if overrides is DYNAMIC:
        return None
    for key in ("TaskRoleArn", "ExecutionRoleArn"):
        value = param(overrides, key)
        if value is DYNAMIC:
            return None
        if value is not MISSING:
            roles.append(value)
    return tuple(roles)


__all__ = ["EcsRunTask", "TaskDefinition"]
