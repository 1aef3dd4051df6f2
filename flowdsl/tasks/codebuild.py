"""``arn:aws:states:::codebuild:startBuild``: run a CodeBuild project, by default waiting."""

from __future__ import annotations

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, inverse, suffix_of


@frozen
class CodeBuildStart(_TaskBase):
    """Start a build of ``project`` (name or ARN) with ``environment_variables``
    (``[{"Name": ..., "Value": ..., "Type": "PLAINTEXT"}]``)."""

    project: str | Ref = attrs.field(kw_only=True)
    environment_variables: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


register(CodeBuildStart, Integration(
    resource=lambda st: states_arn("codebuild:startBuild" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"ProjectName": st.project,
                                   "EnvironmentVariablesOverride": st.environment_variables},
                                  st.options),
    inverse=inverse("codebuild:startBuild", {"ProjectName": "project",
                                             "EnvironmentVariablesOverride":
                                                 "environment_variables"},
                    required=("project",)),
))
