"""``arn:aws:states:::codebuild:startBuild``: run a CodeBuild project, by default waiting."""

from __future__ import annotations

import re
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


# IAM, per the Developer Guide's "IAM policies for calling AWS CodeBuild" (codebuild-iam.md,
# and connect-codebuild.md where the page gained StartBuildBatch, StopBuildBatch,
# RetryBuildBatch and DeleteBuildBatch): each statement below is AWS's template for the API
# and pattern, scoped from the task's parameters --------------------------------------------

def _project(name: Any) -> tuple[Any, str | None]:
    """A project given by name or ARN, as its ARN; any project of the account when the
    execution chooses it."""
    if known(name):
        return name_or_arn(name, "codebuild", "project/"), None
    return arn("codebuild", "project/*"), "CodebuildProjectChosenAtRunTime"


def _project_of_id(build_id: Any) -> tuple[Any, str | None]:
    """The project of a build (or build batch) id, ``<project>:<uuid>`` or the build's ARN."""
    if isinstance(build_id, str):
        if build_id.startswith("arn:"):
            # arn:<partition>:codebuild:<region>:<account>:build/<project>:<uuid>
            head, _, rest = build_id.partition(":build")
            rest = rest.lstrip("/").removeprefix("-batch/")
            if rest and ":" in rest:
                return f"{head}:project/{rest.split(':', 1)[0]}", None
        elif ":" in build_id:
            return arn("codebuild", "project/", build_id.split(":", 1)[0]), None
    return arn("codebuild", "project/*"), "CodebuildBuildIdChosenAtRunTime"


def _projects_of_ids(ids: Any) -> tuple[tuple[Any, ...], str | None]:
    if not isinstance(ids, (list, tuple)) or not ids:
        return (arn("codebuild", "project/*"),), "CodebuildBuildIdChosenAtRunTime"
    found = [_project_of_id(i) for i in ids]
    if any(sid for _, sid in found):
        return (arn("codebuild", "project/*"),), "CodebuildBuildIdChosenAtRunTime"
    return tuple(dict.fromkeys(a for a, _ in found)), None


@integration("codebuild:startBuild", (REQUEST_RESPONSE, SYNC),
             "ProjectName → the project's ARN; .sync: StopBuild/BatchGetBuilds, the managed "
             "rule")
def _grants(c: Call) -> list[Allow]:
    # .sync: AWS's template is StartBuild, StopBuild and BatchGetBuilds on the project and
    # the rule (singular "Event", unlike the other services' rules); the BatchGetReports
    # of the page's sample policy belongs to the sample's separate batchGetReports task
    project, sid = _project(c.get("ProjectName"))
    actions = ("codebuild:StartBuild",)
    out = []
    if c.pattern == SYNC:
        actions += ("codebuild:BatchGetBuilds", "codebuild:StopBuild")
        out.append(sync_rule("StepFunctionsGetEventForCodeBuildStartBuildRule"))
    return [Allow(actions, project, sid), *out]


@integration("codebuild:stopBuild", (REQUEST_RESPONSE,),
             "Id (`<project>:<uuid>`) → its project's ARN")
def _stop_build(c: Call) -> list[Allow]:
    project, sid = _project_of_id(c.get("Id"))
    return [Allow("codebuild:StopBuild", project, sid)]


@integration("codebuild:batchDeleteBuilds", (REQUEST_RESPONSE,),
             "each of Ids (`<project>:<uuid>`) → its project's ARN")
def _batch_delete_builds(c: Call) -> list[Allow]:
    projects, sid = _projects_of_ids(c.get("Ids"))
    return [Allow("codebuild:BatchDeleteBuilds", projects, sid)]


@integration("codebuild:batchGetReports", (REQUEST_RESPONSE,),
             "ReportArns → their report groups (`report-group/<name>`)")
def _batch_get_reports(c: Call) -> list[Allow]:
    reports = c.get("ReportArns")
    groups = []
    if isinstance(reports, (list, tuple)) and reports:
        for report in reports:
            # arn:...:report/<group>:<uuid>
            m = isinstance(report, str) and re.fullmatch(r"(arn:[^:]+:codebuild:[^:]*:[^:]*:)"
                                                         r"report/([^:]+):.+", report)
            if not m:
                groups = []
                break
            groups.append(f"{m.group(1)}report-group/{m.group(2)}")
    if groups:
        return [Allow("codebuild:BatchGetReports", tuple(dict.fromkeys(groups)))]
    return [Allow("codebuild:BatchGetReports", arn("codebuild", "report-group/*"),
                  "CodebuildReportChosenAtRunTime")]


def _batch_sync(action: str, project: Any, sid: str | None, pattern: str,
                rule: bool = True) -> list[Allow]:
    actions = (f"codebuild:{action}",)
    if pattern != SYNC:
        return [Allow(actions, project, sid)]
    actions += ("codebuild:BatchGetBuildBatches", "codebuild:StopBuildBatch")
    out = [Allow(actions, project, sid)]
    if rule:
        out.append(sync_rule("StepFunctionsGetEventForCodeBuildStartBuildBatchRule"))
    return out


@integration("codebuild:startBuildBatch", (REQUEST_RESPONSE, SYNC),
             "ProjectName → the project's ARN; .sync: StopBuildBatch/BatchGetBuildBatches, "
             "the managed rule")
def _start_build_batch(c: Call) -> list[Allow]:
    project, sid = _project(c.get("ProjectName"))
    return _batch_sync("StartBuildBatch", project, sid, c.pattern)


@integration("codebuild:retryBuildBatch", (REQUEST_RESPONSE, SYNC),
             "Id (`<project>:<uuid>`) → its project's ARN; .sync: StopBuildBatch/"
             "BatchGetBuildBatches")
def _retry_build_batch(c: Call) -> list[Allow]:
    # AWS's .sync template for RetryBuildBatch has no managed rule, unlike StartBuildBatch's
    project, sid = _project_of_id(c.get("Id"))
    return _batch_sync("RetryBuildBatch", project, sid, c.pattern, rule=False)


@integration("codebuild:stopBuildBatch", (REQUEST_RESPONSE,),
             "Id (`<project>:<uuid>`) → its project's ARN")
def _stop_build_batch(c: Call) -> list[Allow]:
    project, sid = _project_of_id(c.get("Id"))
    return [Allow("codebuild:StopBuildBatch", project, sid)]


@integration("codebuild:deleteBuildBatch", (REQUEST_RESPONSE,),
             "Id (`<project>:<uuid>`) → its project's ARN")
def _delete_build_batch(c: Call) -> list[Allow]:
    project, sid = _project_of_id(c.get("Id"))
    return [Allow("codebuild:DeleteBuildBatch", project, sid)]


__all__ = ["CodeBuildStart"]
