"""``arn:aws:states:::mediaconvert:createJob``: run an AWS Elemental MediaConvert job;
``MediaConvertCreateJob``.

The grants follow the "IAM policies for calling AWS Elemental MediaConvert" of
connect-mediaconvert.md (formerly mediaconvert-iam.md), which also gives the patterns."""

from __future__ import annotations


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
    name_or_arn,
    arn,
    compact,
    integration,
    inverse,
    known,
    suffix_of,
    sync_rule,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn

_PASSED = ("StringEquals", "iam:PassedToService", "mediaconvert.amazonaws.com")
# the tag Step Functions puts on the jobs it creates, which AWS's template conditions on
_MANAGED_BY_STEP_FUNCTIONS = ("StringEquals", "aws:ResourceTag/ManagedByService",
                              "AWSStepFunctions")


# mediaconvert-iam.md: CreateJob on the queue (Default when none), the job template and the
# presets its settings name; iam:PassRole on Role; .sync gets and cancels the job
@integration("mediaconvert:createJob", offered("mediaconvert:createJob") or (),
             "Queue (none → Default, or the JobTemplate's queue), JobTemplate, the presets in "
             "Settings; iam:PassRole on Role; .sync: GetJob/CancelJob on the jobs Step "
             "Functions tags, the managed rule")
def _create(c: Call) -> list[Allow]:
    # AWS's template (connect-mediaconvert.md, "IAM policies for calling AWS Elemental
    # MediaConvert"): CreateJob on the queues, job templates and presets; GetJob/CancelJob
    # on the jobs Step Functions tags ManagedByService: AWSStepFunctions; PassRole on Role;
    # the rule. The queue and job template are scoped from the parameters.
    out: list[Allow] = []
    queue, template = c.get("Queue"), c.get("JobTemplate")
    if known(queue):
        out.append(Allow("mediaconvert:CreateJob", name_or_arn(queue, "mediaconvert", "queues/")))
    elif queue is DYNAMIC:
        out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "queues/*"),
                         "MediaConvertQueueChosenAtRunTime"))
    elif template is not MISSING:
        # a job template names its own queue, which the job takes when it names none
        out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "queues/*"),
                         "MediaConvertQueueOfTheJobTemplate"))
    else:
        out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "queues/Default")))
    if known(template):
        out.append(Allow("mediaconvert:CreateJob",
                         name_or_arn(template, "mediaconvert", "jobTemplates/")))
    elif template is DYNAMIC:
        out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "jobTemplates/*"),
                         "MediaConvertTemplateChosenAtRunTime"))
    # presets are named deep inside Settings (each output's Preset)
    out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "presets/*"),
                     "MediaConvertPresetsInSettings"))
    if c.pattern == SYNC:
        out += [Allow(("mediaconvert:CancelJob", "mediaconvert:GetJob"),
                      arn("mediaconvert", "jobs/*"), "MediaConvertNamesTheJob",
                      conditions=[_MANAGED_BY_STEP_FUNCTIONS]),
                sync_rule("StepFunctionsGetEventsForMediaConvertJobRule")]
    role = c.get("Role")
    if known(role):
        out.append(Allow("iam:PassRole", role, conditions=[_PASSED]))
    else:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "MediaConvertRoleChosenAtRunTime", conditions=[_PASSED]))
    return out


@frozen
class MediaConvertCreateJob(_TaskBase):
    """Run a MediaConvert job with ``settings`` (its inputs and output groups) as ``role``,
    on ``queue`` (MediaConvert's default: ``Default``) or from ``job_template``, and by
    default wait for it. ``pattern``: ``"sync"`` or ``"request_response"``."""

    role: str | Ref = attrs.field(kw_only=True)
    settings: JSON = attrs.field(kw_only=True)
    queue: str | Ref | None = attrs.field(default=None, kw_only=True)
    job_template: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_FIELDS = {"Role": "role", "Settings": "settings", "Queue": "queue",
           "JobTemplate": "job_template"}

register(MediaConvertCreateJob, Integration(
    resource=lambda st: states_arn("mediaconvert:createJob" + suffix_of(st.pattern)),
    parameters=lambda st: compact({k: getattr(st, f) for k, f in _FIELDS.items()}, st.options),
    inverse=inverse("mediaconvert:createJob", _FIELDS, required=("role", "settings")),
))


__all__ = ["MediaConvertCreateJob"]
