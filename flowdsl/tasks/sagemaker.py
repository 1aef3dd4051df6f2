"""``arn:aws:states:::sagemaker:*``: Amazon SageMaker jobs, models and endpoints;
``SageMakerTrainingJob``, ``SageMakerTransformJob``, ``SageMakerProcessingJob``.

The grants follow sagemaker-iam.md ("IAM policies for Amazon SageMaker AI"); the actions and
patterns connect-sagemaker.md. A job's ARN is ``<kind>/<name>``; AWS grants
``<kind>/<name>*``, as SageMaker lower-cases names in ARNs."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    SYNC,
    Call,
    arn,
    compact,
    integration,
    inverse,
    known,
    param,
    suffix_of,
    sync_rule,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn

_PASSED_TO_SAGEMAKER = ("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com")


def _pass_role(role: Any) -> Allow:
    if known(role):
        return Allow("iam:PassRole", role, conditions=[_PASSED_TO_SAGEMAKER])
    return Allow("iam:PassRole", arn("iam", "role/*", region=False),
                 "SagemakerRoleChosenAtRunTime", conditions=[_PASSED_TO_SAGEMAKER])


def _sagemaker(api: str, kind: str, name_key: str, role: tuple[str, ...] | None,
               rule: str | None = None, job: str | None = None) -> None:
    """One SageMaker integration. ``api``: CreateTrainingJob; ``kind``: training-job (the ARN's
    resource type); ``role``: the path to the role it passes, if any; ``rule``: the managed
    rule of its .sync form; ``job``: the name Describe/Stop take (TrainingJob)."""
    action = api[0].lower() + api[1:]

    def grants(c: Call) -> list[Allow]:
        name = c.get(name_key)
        where = arn("sagemaker", f"{kind}/", name, "*") if known(name) \
            else arn("sagemaker", f"{kind}/*")
        # the request's Tags are added to what it creates: sagemaker:AddTags on it, and
        # ListTags, which AWS's policies grant on every resource
        actions = (f"sagemaker:{api}", "sagemaker:AddTags")
        if c.pattern == SYNC and job is not None:
            actions += (f"sagemaker:Describe{job}", f"sagemaker:Stop{job}")
        out = [Allow(actions, where, None if known(name) else "SagemakerResourceNamedAtRunTime"),
               Allow("sagemaker:ListTags", "*", "SagemakerListTagsHasNoScope")]
        if role is not None:
            value: Any = c.params
            for key in role:
                value = param(value, key) if value is not DYNAMIC else DYNAMIC
            if value is not MISSING:
                out.append(_pass_role(value))
        if c.pattern == SYNC and rule is not None:
            out.append(sync_rule(rule))
        return out

    scope = f"{name_key} → {kind}/<name>*" + (f"; iam:PassRole on {'.'.join(role)}" if role else "")
    if rule:
        scope += f"; .sync: Describe/Stop{job}, the managed rule"
    integration(f"sagemaker:{action}", offered(f"sagemaker:{action}") or (), scope)(grants)


# sagemaker-iam.md, one section per API
_sagemaker("CreateTrainingJob", "training-job", "TrainingJobName", ("RoleArn",),
           "StepFunctionsGetEventsForSageMakerTrainingJobsRule", "TrainingJob")
_sagemaker("CreateTransformJob", "transform-job", "TransformJobName", None,
           "StepFunctionsGetEventsForSageMakerTransformJobsRule", "TransformJob")
_sagemaker("CreateProcessingJob", "processing-job", "ProcessingJobName", ("RoleArn",),
           "StepFunctionsGetEventsForSageMakerProcessingJobsRule", "ProcessingJob")
# the tuning jobs' rule is "...SageMakerTuningJobsRule", not "...HyperParameterTuningJobsRule"
# (the rule AWS's SageMaker and Step Functions guides grant for tuning jobs)
_sagemaker("CreateHyperParameterTuningJob", "hyper-parameter-tuning-job",
           "HyperParameterTuningJobName", ("TrainingJobDefinition", "RoleArn"),
           "StepFunctionsGetEventsForSageMakerTuningJobsRule", "HyperParameterTuningJob")
_sagemaker("CreateLabelingJob", "labeling-job", "LabelingJobName", ("RoleArn",),
           "StepFunctionsGetEventsForSageMakerLabelingJobsRule", "LabelingJob")
_sagemaker("CreateModel", "model", "ModelName", ("ExecutionRoleArn",))
_sagemaker("CreateEndpointConfig", "endpoint-config", "EndpointConfigName", None)
_sagemaker("CreateEndpoint", "endpoint", "EndpointName", None)
_sagemaker("UpdateEndpoint", "endpoint", "EndpointName", None)


# The typed classes ------------------------------------------------------------------------------

def _job(api: str, name_key: str, name_field: str, fields: dict[str, str],
         required: tuple[str, ...]) -> tuple[Any, Any]:
    action = "sagemaker:" + api[0].lower() + api[1:]
    keys = {name_key: name_field, **fields}

    def parameters(st: Any) -> dict[str, Any]:
        return compact({key: getattr(st, field) for key, field in keys.items()}, st.options)

    return parameters, inverse(action, keys, required=(name_field, *required))


@frozen
class SageMakerTrainingJob(_TaskBase):
    """Train ``job_name`` with ``algorithm`` (AlgorithmSpecification) as ``role_arn``, from
    ``input_data`` to ``output_data`` (OutputDataConfig), on ``resources`` (ResourceConfig),
    stopping at ``stopping_condition``. ``pattern``: ``"sync"`` (the default),
    ``"request_response"`` or ``"wait_for_task_token"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    role_arn: str | Ref = attrs.field(kw_only=True)
    algorithm: JSON = attrs.field(kw_only=True)
    output_data: JSON = attrs.field(kw_only=True)
    resources: JSON = attrs.field(kw_only=True)
    stopping_condition: JSON = attrs.field(kw_only=True)
    input_data: JSON = attrs.field(default=None, kw_only=True)
    hyper_parameters: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_training = _job("CreateTrainingJob", "TrainingJobName", "job_name",
                 {"RoleArn": "role_arn", "AlgorithmSpecification": "algorithm",
                  "OutputDataConfig": "output_data", "ResourceConfig": "resources",
                  "StoppingCondition": "stopping_condition", "InputDataConfig": "input_data",
                  "HyperParameters": "hyper_parameters"},
                 ("role_arn", "algorithm", "output_data", "resources", "stopping_condition"))


@frozen
class SageMakerTransformJob(_TaskBase):
    """Run the batch transform ``job_name`` with ``model_name``, from ``input_data``
    (TransformInput) to ``output_data`` (TransformOutput), on ``resources``
    (TransformResources). ``pattern``: ``"sync"`` (the default), ``"request_response"`` or
    ``"wait_for_task_token"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    model_name: str | Ref = attrs.field(kw_only=True)
    input_data: JSON = attrs.field(kw_only=True)
    output_data: JSON = attrs.field(kw_only=True)
    resources: JSON = attrs.field(kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_transform = _job("CreateTransformJob", "TransformJobName", "job_name",
                  {"ModelName": "model_name", "TransformInput": "input_data",
                   "TransformOutput": "output_data", "TransformResources": "resources"},
                  ("model_name", "input_data", "output_data", "resources"))


@frozen
class SageMakerProcessingJob(_TaskBase):
    """Run the processing job ``job_name`` as ``role_arn`` with ``app`` (AppSpecification) on
    ``resources`` (ProcessingResources), reading ``inputs`` (ProcessingInputs) and writing
    ``outputs`` (ProcessingOutputConfig). ``pattern``: ``"sync"`` (the default),
    ``"request_response"`` or ``"wait_for_task_token"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    role_arn: str | Ref = attrs.field(kw_only=True)
    app: JSON = attrs.field(kw_only=True)
    resources: JSON = attrs.field(kw_only=True)
    inputs: JSON = attrs.field(default=None, kw_only=True)
    outputs: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_processing = _job("CreateProcessingJob", "ProcessingJobName", "job_name",
                   {"RoleArn": "role_arn", "AppSpecification": "app",
                    "ProcessingResources": "resources", "ProcessingInputs": "inputs",
                    "ProcessingOutputConfig": "outputs"},
                   ("role_arn", "app", "resources"))

for _cls, (_parameters, _inverse), _action in (
        (SageMakerTrainingJob, _training, "createTrainingJob"),
        (SageMakerTransformJob, _transform, "createTransformJob"),
        (SageMakerProcessingJob, _processing, "createProcessingJob")):
    register(_cls, Integration(
        resource=lambda st, a=_action: states_arn(f"sagemaker:{a}" + suffix_of(st.pattern)),
        parameters=_parameters,
        inverse=_inverse,
    ))


__all__ = ["SageMakerTrainingJob", "SageMakerTransformJob", "SageMakerProcessingJob"]
