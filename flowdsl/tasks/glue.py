"""``arn:aws:states:::glue:startJobRun``: run an AWS Glue job, and by default wait for it."""

from __future__ import annotations

import warnings
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
    """Run the Glue job ``job_name`` with ``job_arguments`` (``{"--key": "value"}``, Glue's
    job arguments: the API's ``Arguments``, not the state's). ``pattern``: ``"sync"`` (the
    default) or ``"request_response"``. The former name ``arguments=`` still works, and warns."""

    job_name: str | Ref = attrs.field(kw_only=True)
    job_arguments: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_UNSET: Any = object()
_init = GlueJob.__init__


def _init_with_former_name(self: GlueJob, *args: Any, arguments: Any = _UNSET, **kw: Any) -> None:
    if arguments is not _UNSET:
        if "job_arguments" in kw:
            raise TypeError("GlueJob takes job_arguments= or its former name arguments=, not both")
        warnings.warn("GlueJob(arguments=...) is now GlueJob(job_arguments=...): Glue's job "
                      "arguments, not the state's Arguments", DeprecationWarning, stacklevel=2)
        kw["job_arguments"] = arguments
    _init(self, *args, **kw)


GlueJob.__init__ = _init_with_former_name  # type: ignore[method-assign]


def _example(s: Sampler) -> dict[str, Any]:
    return {"job_name": "etl", "job_arguments": {"--day.$": "$.day"} if s.flag() else None,
            "pattern": s.pick(("sync", "request_response"))}


register(GlueJob, Integration(
    resource=lambda st: states_arn("glue:startJobRun" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"JobName": st.job_name, "Arguments": st.job_arguments},
                                  st.options),
    inverse=inverse("glue:startJobRun", {"JobName": "job_name", "Arguments": "job_arguments"},
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
