"""``arn:aws:states:::batch:submitJob(.sync)``: submit an AWS Batch job, and by default wait for it."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.fields import as_tuple, check_fields
from flowdsl.frozen import frozen
from flowdsl.iam import ECS_TASKS, Allow
from flowdsl.refs import PARTITION, Ref, ResourceAttr, Var, join
from flowdsl.source import caller_location
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    REQUEST_RESPONSE,
    SYNC,
    TOKEN,
    Call,
    Integration,
    arn,
    integration,
    is_arn,
    known,
    name_or_arn,
    register,
    service_action,
    states_arn,
    sync_rule,
)
from flowdsl.terraform_expr import TF_IDENT, Expr, Module, addr
from flowdsl.vocabulary import json_type




@frozen
class JobDefinition:
    """A Fargate job definition that flowdsl creates; ``id`` is its Terraform name."""

    id: str
    name: str | Ref | None = attrs.field(default=None, kw_only=True)
    image: str | Ref | None = attrs.field(default=None, kw_only=True)
    command: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    # Fargate: vCPUs (0.25-16) and MiB; numbers, their text, or references to either.
    vcpus: str | int | float | Ref = attrs.field(default="1", kw_only=True)
    memory: str | int | float | Ref = attrs.field(default="2048", kw_only=True)
    environment: Any = attrs.field(factory=dict, kw_only=True)
    platform_version: str = attrs.field(default="1.4.0", kw_only=True)
    # what the job's own code may do: the ECS task role's permissions
    permissions: tuple[Allow, ...] = attrs.field(factory=tuple, kw_only=True, converter=as_tuple)
    source: str | None = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                                     metadata={"source": True})

    __attrs_post_init__ = check_fields

    @property
    def arn(self) -> ResourceAttr:
        return ResourceAttr("aws_batch_job_definition", self.id, "arn")


@frozen
class BatchTask(_TaskBase):
    """Submit ``job`` (a JobDefinition flowdsl creates, or an existing definition's ARN)."""

    job: JobDefinition | str | Ref = attrs.field(kw_only=True)
    job_queue: str | Ref = attrs.field(kw_only=True)
    job_name: str | Ref = attrs.field(kw_only=True)
    job_parameters: JSON = attrs.field(default=None, kw_only=True)
    container_overrides: JSON = attrs.field(default=None, kw_only=True)
    sync: bool = attrs.field(default=True, kw_only=True)


def job_definition_arn(state: BatchTask) -> str | Ref:
    return state.job.arn if isinstance(state.job, JobDefinition) else state.job


def _resource(state: BatchTask) -> Any:
    return states_arn("batch:submitJob" + (".sync" if state.sync else ""))


def _parameters(state: BatchTask) -> dict[str, Any]:
    params: dict[str, Any] = {
        "JobName": state.job_name,
        "JobDefinition": job_definition_arn(state),
        "JobQueue": state.job_queue,
    }
    if state.job_parameters is not None:
        params["Parameters"] = state.job_parameters
    if state.container_overrides is not None:
        params["ContainerOverrides"] = state.container_overrides
    return params


def _terraform(m: Module, states: list[BatchTask]) -> None:
    """The job definitions the graph uses (once each), their two roles, and their outputs."""
    by_id: dict[str, JobDefinition] = {}
    for st in states:
        job = st.job
        if not isinstance(job, JobDefinition) or by_id.get(job.id) == job:
            continue
        if job.id in by_id:
            m.error("duplicate-resource", f"jobs.{job.id}",
                    f"two different job definitions have the id {job.id!r}; both would be "
                    f"aws_batch_job_definition.{job.id} in Terraform (the first is at "
                    f"{by_id[job.id].source or 'unknown'}): give each its own id", job.source)
            continue
        by_id[job.id] = job
        _job_resources(m, job)
    jobs = list(by_id.values())
    if len(jobs) == 1:
        m.outputs["job_definition_arn"] = {"value": jobs[0].arn,
                                           "description": "ARN of the Batch job definition"}
    if jobs:
        m.outputs["job_definition_arns"] = {"value": {j.id: j.arn for j in jobs},
                                            "description": "ARN of each Batch job definition, "
                                                           "by its id"}


def _job_resources(m: Module, job: JobDefinition) -> None:
    owner = f"jobs.{job.id}"
    if not TF_IDENT.fullmatch(job.id):
        m.error("bad-id", owner, f"job definition id {job.id!r} must be a Terraform identifier "
                "(letters, digits, '_' and '-', not starting with a digit)", job.source)
        return
    if job.image is None:
        m.error("missing-image", f"{owner}.image",
                f"job definition {job.id!r} has no image: give JobDefinition(image=...)", job.source)
    if not job.command:
        m.error("missing-command", f"{owner}.command",
                f"job definition {job.id!r} has no command", job.source)
    name = job.name if job.name is not None else join(m.deployment.resource_name, "-", job.id)
    execution, task = f"{job.id}_execution", f"{job.id}_task"
    m.role("batch.tf.json", execution, join(name, "-EcsTaskExeRole"), "ecs-tasks.amazonaws.com",
           owner, job.source)
    m.resource("batch.tf.json", "aws_iam_role_policy_attachment", execution, {
        "role": Expr(f"aws_iam_role.{execution}.name"),
        "policy_arn": join("arn:", PARTITION,
                           ":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
    }, owner, job.source)
    m.role("batch.tf.json", task, join(name, "-EcsTaskRole"), "ecs-tasks.amazonaws.com",
           owner, job.source, source_arn=ECS_TASKS)  # Batch runs a Fargate job as an ECS task
    if job.permissions:
        doc = m.policy_document("batch.tf.json", task, tuple(job.permissions), owner)
        m.policy("batch.tf.json", task, join(name, "-EcsTaskRolePolicy"), task, doc, owner,
                 job.source)
    env = job.environment
    if isinstance(env, Ref):
        m.uses.append((f"{owner}.environment", env))
        environment: Any = Expr(f"[for k in sort(keys({env.address})) : "
                                f"{{name = k, value = {env.address}[k]}}]")
    else:
        _check_environment(m, job, owner)
        environment = [{"name": k, "value": v} for k, v in sorted(dict(env).items())]
    container = {
        "image": job.image,
        "command": list(job.command),
        "environment": environment,
        "resourceRequirements": [{"type": "VCPU", "value": _requirement(job.vcpus)},
                                 {"type": "MEMORY", "value": _requirement(job.memory)}],
        "fargatePlatformConfiguration": {"platformVersion": job.platform_version},
        "jobRoleArn": addr("aws_iam_role", task, "arn"),
        "executionRoleArn": addr("aws_iam_role", execution, "arn"),
    }
    _check_size(m, job)
    properties = m.local("batch.tf.json", f"{job.id}_container", container, owner)
    m.resource("batch.tf.json", "aws_batch_job_definition", job.id, {
        "name": name,
        "type": "container",
        "platform_capabilities": ["FARGATE"],
        "container_properties": Expr(f"jsonencode({properties.text})"),
    }, owner, job.source)


# Fargate's sizes: vCPUs, and memory in MiB (the combinations are Batch's to check).
FARGATE_VCPUS = ("0.25", "0.5", "1", "2", "4", "8", "16")
FARGATE_MEMORY = (512, 122880)


def _check_size(m: Module, job: JobDefinition) -> None:
    """Module inputs that size the job are validated at plan with Fargate's values."""
    if isinstance(job.vcpus, Var):
        address = job.vcpus.address
        m.check_input(job.vcpus, f'contains({list(FARGATE_VCPUS)}, tostring({address}))'.replace("'", '"'),
                      f"{job.vcpus.name} must be a Fargate vCPU count: {', '.join(FARGATE_VCPUS)}.")
    if isinstance(job.memory, Var):
        address = job.memory.address
        low, high = FARGATE_MEMORY
        m.check_input(job.memory, f"try(tonumber({address}) >= {low} && tonumber({address}) <= {high}, false)",
                      f"{job.memory.name} must be the job's memory in MiB, {low} to {high} (Fargate).")


def _requirement(value: Any) -> Any:
    """A resource requirement as Batch takes it, a string: a number input (``type="number"``)
    goes through ``tostring``, which leaves a string input as it is."""
    if isinstance(value, Var):
        return Expr(f"tostring({value.address})")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return value


def _check_environment(m: Module, job: JobDefinition, owner: str) -> None:
    """Batch takes each variable's value as a string; a number or a list would be written as
    JSON of another type and refused at apply, or deployed as text the code does not expect."""
    env = job.environment
    if not isinstance(env, dict):
        m.error("bad-environment", f"{owner}.environment",
                f"job definition {job.id!r}: environment must be a dict of names to strings or "
                f"a reference to a map(string) variable, not {type(env).__name__}", job.source)
        return
    declared = {v.name: v.type for v in m.workflow.variables}
    for key, value in env.items():
        if not isinstance(key, str):
            m.error("bad-environment", f"{owner}.environment",
                    f"job definition {job.id!r}: environment name {key!r} must be a string",
                    job.source)
        elif isinstance(value, Var) and declared.get(value.name, "string") != "string":
            m.error("bad-environment", f"{owner}.environment.{key}",
                    f"job definition {job.id!r}: environment[{key!r}] is var({value.name!r}) of "
                    f"type {declared[value.name]}; a variable's value must be a string",
                    job.source)
        elif not isinstance(value, (str, Ref)):
            m.error("bad-environment", f"{owner}.environment.{key}",
                    f"job definition {job.id!r}: environment[{key!r}] must be a string or a "
                    f"reference to one, not {json_type(value)} ({value!r})", job.source)


def _inverse(resource: str, parameters: Any) -> dict[str, Any] | None:
    action = service_action(resource)
    if action not in ("batch:submitJob", "batch:submitJob.sync") or not isinstance(parameters, dict):
        return None
    if not set(parameters) <= {"JobName", "JobDefinition", "JobQueue", "Parameters",
                               "ContainerOverrides"}:
        return None
    kw: dict[str, Any] = {"job": parameters.get("JobDefinition"),
                          "job_queue": parameters.get("JobQueue"),
                          "job_name": parameters.get("JobName"),
                          "sync": action.endswith(".sync")}
    if not all(isinstance(kw[k], str) for k in ("job", "job_queue", "job_name")):
        return None
    if "Parameters" in parameters:
        kw["job_parameters"] = parameters["Parameters"]
    if "ContainerOverrides" in parameters:
        kw["container_overrides"] = parameters["ContainerOverrides"]
    return kw


register(BatchTask, Integration(resource=_resource, parameters=_parameters, terraform=_terraform,
                                inverse=_inverse))


# IAM: the job definition (every revision of one flowdsl creates) and queue; for .sync, the
# job's end --------------------------------------------------------------------------------

_REVISION = r"(?:^|/)[^:/]+:\d+$"  # name:revision, alone or at an ARN's end


def _definitions(value: Any) -> tuple[Any, ...]:
    if isinstance(value, ResourceAttr) and value.type == "aws_batch_job_definition":
        prefix = ResourceAttr(value.type, value.name, "arn_prefix")
        return (join(prefix, ":*"), prefix)  # every revision of a definition flowdsl creates
    if isinstance(value, str):
        full = value if value.startswith("arn:") else arn("batch", "job-definition/", value)
        return (full,) if re.search(_REVISION, value) else (full, join(full, ":*"))
    if is_arn(value):
        return (value,)
    full = arn("batch", "job-definition/", value)  # a name held by a reference
    return (full, join(full, ":*"))


@integration("batch:submitJob", (REQUEST_RESPONSE, SYNC, TOKEN),
             "JobDefinition (every revision of one flowdsl creates) and JobQueue; .sync: "
             "TerminateJob on the account's jobs, DescribeJobs on * (it takes no resource), "
             "the managed rule")
def _grants(c: Call) -> list[Allow]:
    definition, queue = c.get("JobDefinition"), c.get("JobQueue")
    out: list[Allow] = []
    if known(definition) and known(queue):
        queue_arn = name_or_arn(queue, "batch", "job-queue/")
        out.append(Allow("batch:SubmitJob", _definitions(definition) + (queue_arn,)))
    else:
        out.append(Allow("batch:SubmitJob", (arn("batch", "job-definition/*"),
                                             arn("batch", "job-queue/*")),
                         "BatchJobOrQueueChosenAtRunTime"))
    if c.pattern == SYNC:
        out.append(Allow("batch:TerminateJob", arn("batch", "job/*")))
        # DescribeJobs has no resource-level permissions: AWS only accepts "*" for it.
        out.append(Allow("batch:DescribeJobs", "*"))
        out.append(sync_rule("StepFunctionsGetEventsForBatchJobsRule"))
    return out


__all__ = ["BatchTask", "JobDefinition"]
