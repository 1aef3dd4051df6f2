"""``arn:aws:states:::glue:startJobRun``: run an AWS Glue job, and by default wait for it."""

from __future__ import annotations

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, inverse, suffix_of


@frozen
class GlueJob(_TaskBase):
    """Run the Glue job ``job_name`` with ``arguments`` (``{"--key": "value"}``).
    ``pattern``: ``"sync"`` (the default) or ``"request_response"``."""

    job_name: str | Ref = attrs.field(kw_only=True)
    arguments: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


register(GlueJob, Integration(
    resource=lambda st: states_arn("glue:startJobRun" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"JobName": st.job_name, "Arguments": st.arguments},
                                  st.options),
    inverse=inverse("glue:startJobRun", {"JobName": "job_name", "Arguments": "arguments"},
                    required=("job_name",)),
))
