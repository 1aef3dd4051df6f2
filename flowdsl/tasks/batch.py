"""``arn:aws:states:::batch:submitJob(.sync)``: submit an AWS Batch job, and by default wait for it."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.iam import Allow
from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Ref, ResourceAttr, join
from flowdsl.source import caller_location
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn


def _strs(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


@attrs.frozen(slots=True)
class JobDefinition:
    """A Fargate job definition that flowdsl creates; ``id`` is its Terraform name."""

    id: str
    name: str | Ref | None = attrs.field(default=None, kw_only=True)
    image: str | Ref | None = attrs.field(default=None, kw_only=True)
    command: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=_strs)
    vcpus: str | Ref = attrs.field(default="1", kw_only=True)
    memory: str | Ref = attrs.field(default="2048", kw_only=True)
    environment: Any = attrs.field(factory=dict, kw_only=True)
    platform_version: str = attrs.field(default="1.4.0", kw_only=True)
    # what the job's own code may do: the ECS task role's permissions
    permissions: tuple[Allow, ...] = attrs.field(factory=tuple, kw_only=True, converter=tuple)
    source: str | None = attrs.field(factory=caller_location, kw_only=True, eq=False, repr=False,
                                     metadata={"source": True})

    @property
    def arn(self) -> ResourceAttr:
        return ResourceAttr("aws_batch_job_definition", self.id, "arn")


@attrs.frozen(slots=True)
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


# The managed rule through which Step Functions learns that a .sync Batch job finished.
# https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html
SYNC_RULE = join("arn:", PARTITION, ":events:", REGION, ":", ACCOUNT_ID,
                 ":rule/StepFunctionsGetEventsForBatchJobsRule")


def _iam(state: BatchTask) -> tuple[Allow, ...]:
    definition = job_definition_arn(state)
    # SubmitJob is authorised on the definition with and without its revision.
    if isinstance(state.job, JobDefinition):
        definitions: tuple[Any, ...] = (
            join(ResourceAttr("aws_batch_job_definition", state.job.id, "arn_prefix"), ":*"),
            ResourceAttr("aws_batch_job_definition", state.job.id, "arn_prefix"),
        )
    else:
        definitions = (definition,)
    statements = [Allow(("batch:SubmitJob",), definitions + (state.job_queue,))]
    if state.sync:
        job_arns = join("arn:", PARTITION, ":batch:", REGION, ":", ACCOUNT_ID, ":job/*")
        statements.append(Allow(("batch:TerminateJob",), (job_arns,)))
        # DescribeJobs has no resource-level permissions: AWS only accepts "*" for it.
        statements.append(Allow(("batch:DescribeJobs",), ("*",)))
        statements.append(Allow(("events:DescribeRule", "events:PutRule", "events:PutTargets"),
                                (SYNC_RULE,)))
    return tuple(statements)


register(BatchTask, Integration(resource=_resource, parameters=_parameters, iam=_iam))
