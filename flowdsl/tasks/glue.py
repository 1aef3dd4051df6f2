"""``arn:aws:states:::glue:startJobRun``: run an AWS Glue job, and by default wait for it."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    REQUEST_RESPONSE,
    SYNC,
    TOKEN,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    register,
    states_arn,
    suffix_of,
)


@frozen
class GlueJob(_TaskBase):
    """Run the Glue job ``job_name`` with ``arguments`` (``{"--key": "value"}``).
    ``pattern``: ``"sync"`` (the default) or ``"request_response"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    arguments: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


def _example(s: Sampler) -> dict[str, Any]:
    return {"job_name": "etl", "arguments": {"--day.$": "$.day"} if s.flag() else None,
            "pattern": s.pick(("sync", "request_response"))}


register(GlueJob, Integration(
    resource=lambda st: states_arn("glue:startJobRun" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"JobName": st.job_name, "Arguments": st.arguments},
                                  st.options),
    inverse=inverse("glue:startJobRun", {"JobName": "job_name", "Arguments": "arguments"},
                    required=("job_name",)),
    example=_example,
))


# glue-iam.md: request-response and the callback grant StartJobRun alone; .sync polls the run
@integration("glue:startJobRun", (REQUEST_RESPONSE, SYNC, TOKEN),
             "JobName → the job's ARN; .sync polls: GetJobRun/GetJobRuns/BatchStopJobRun")
def _grants(c: Call) -> list[Allow]:
    name = c.get("JobName")
    job = arn("glue", "job/", name) if known(name) else arn("glue", "job/*")
    sid = None if known(name) else "GlueJobChosenAtRunTime"
    actions = ("glue:StartJobRun",)
    if c.pattern == SYNC:
        actions += ("glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns")
    return [Allow(actions, job, sid)]


__all__ = ["GlueJob"]
