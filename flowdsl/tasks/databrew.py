"""``arn:aws:states:::databrew:startJobRun``: run an AWS Glue DataBrew job;
``DataBrewStartJobRun``.

The grants follow databrew-iam.md ("IAM policies for AWS Glue DataBrew"); the pattern
connect-databrew.md."""

from __future__ import annotations

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    SYNC,
    Call,
    arn,
    compact,
    integration,
    inverse,
    known,
    suffix_of,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn


# databrew-iam.md: StartJobRun on the job; .sync lists and stops its runs
@integration("databrew:startJobRun", offered("databrew:startJobRun") or (),
             "Name → the job's ARN; .sync: ListJobRuns/StopJobRun")
def _start(c: Call) -> list[Allow]:
    # databrew-iam.md grants these actions on job/*; each of them takes the job as its
    # resource (the IAM dataset: StartJobRun, ListJobRuns and StopJobRun need a Job), so a
    # job named at deploy time is granted alone
    name = c.get("Name")
    where = arn("databrew", "job/", name) if known(name) else arn("databrew", "job/*")
    actions = ("databrew:StartJobRun",)
    if c.pattern == SYNC:
        actions += ("databrew:ListJobRuns", "databrew:StopJobRun")
    return [Allow(actions, where, None if known(name) else "DataBrewJobChosenAtRunTime")]


@frozen
class DataBrewStartJobRun(_TaskBase):
    """Run the DataBrew job ``job_name``, and by default wait for it. ``pattern``: ``"sync"`` or
    ``"request_response"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


register(DataBrewStartJobRun, Integration(
    resource=lambda st: states_arn("databrew:startJobRun" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"Name": st.job_name}, st.options),
    inverse=inverse("databrew:startJobRun", {"Name": "job_name"}, required=("job_name",)),
))


__all__ = ["DataBrewStartJobRun"]
