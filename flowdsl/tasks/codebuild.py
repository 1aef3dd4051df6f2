"""``arn:aws:states:::codebuild:startBuild``: run a CodeBuild project, by default waiting."""

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
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    name_or_arn,
    register,
    states_arn,
    suffix_of,
    sync_rule,
)


@frozen
class CodeBuildStart(_TaskBase):
    """Start a build of ``project`` (name or ARN) with ``environment_variables``
    (``[{"Name": ..., "Value": ..., "Type": "PLAINTEXT"}]``)."""

    project: str | Ref = attrs.field(kw_only=True)
    environment_variables: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


def _example(s: Sampler) -> dict[str, Any]:
    return {"project": "build", "pattern": s.pick(("sync", "request_response"))}


register(CodeBuildStart, Integration(
    resource=lambda st: states_arn("codebuild:startBuild" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"ProjectName": st.project,
                                   "EnvironmentVariablesOverride": st.environment_variables},
                                  st.options),
    inverse=inverse("codebuild:startBuild", {"ProjectName": "project",
                                             "EnvironmentVariablesOverride":
                                                 "environment_variables"},
                    required=("project",)),
    example=_example,
))


@integration("codebuild:startBuild", (REQUEST_RESPONSE, SYNC),
             "ProjectName → the project's ARN; .sync: StopBuild/BatchGetBuilds/BatchGetReports, "
             "the managed rule")
def _grants(c: Call) -> list[Allow]:
    name = c.get("ProjectName")
    project = name_or_arn(name, "codebuild", "project/") if known(name) \
        else arn("codebuild", "project/*")
    sid = None if known(name) else "CodebuildProjectChosenAtRunTime"
    actions = ("codebuild:StartBuild",)
    out = []
    if c.pattern == SYNC:
        actions += ("codebuild:BatchGetBuilds", "codebuild:StopBuild")
        # the build's reports go to report groups its buildspec names
        out.append(Allow("codebuild:BatchGetReports", arn("codebuild", "report-group/*"),
                         "CodebuildReportGroupsInBuildspec"))
        out.append(sync_rule("StepFunctionsGetEventsForCodeBuildStartBuildRule"))
    return [Allow(actions, project, sid), *out]


__all__ = ["CodeBuildStart"]
