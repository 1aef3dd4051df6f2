"""``arn:aws:states:::mediaconvert:createJob``: run an AWS Elemental MediaConvert job;
``MediaConvertCreateJob``.

The grants follow mediaconvert-iam.md ("IAM policies for AWS Elemental MediaConvert"); the
pattern connect-mediaconvert.md."""

from __future__ import annotations


import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
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


# mediaconvert-iam.md: CreateJob on the queue (Default when none), the job template and the
# presets its settings name; iam:PassRole on Role; .sync gets and cancels the job
@integration("mediaconvert:createJob", offered("mediaconvert:createJob") or (),
             "Queue (none → Default), JobTemplate, the presets in Settings; iam:PassRole on "
             "Role; .sync: GetJob/CancelJob, the managed rule")
def _create(c: Call) -> list[Allow]:
    out: list[Allow] = []
    queue, template = c.get("Queue"), c.get("JobTemplate")
    if known(queue):
        out.append(Allow("mediaconvert:CreateJob", name_or_arn(queue, "mediaconvert", "queues/")))
    elif queue is DYNAMIC:
        out.append(Allow("mediaconvert:CreateJob", arn("mediaconvert", "queues/*"),
                         "MediaConvertQueueChosenAtRunTime"))
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
                      arn("mediaconvert", "jobs/*"), "MediaConvertNamesTheJob"),
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
