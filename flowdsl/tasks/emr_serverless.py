"""``arn:aws:states:::emr-serverless:*``: EMR Serverless applications and job runs;
``EmrServerlessStartJobRun``.

The grants follow emr-serverless-iam.md ("IAM policies for Amazon EMR Serverless"); the
actions and patterns connect-emr-serverless.md. Resources:
``arn:<partition>:emr-serverless:<region>:<account>:/applications/<id>[/jobruns/<id>]``."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref, join
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
    sync_rule,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn

_APP_RULE = "StepFunctionsGetEventsForEMRServerlessApplicationRule"
_JOB_RULE = "StepFunctionsGetEventsForEMRServerlessJobRule"
_PASSED = ("StringEquals", "iam:PassedToService", "emr-serverless.amazonaws.com")


def _application(c: Call) -> tuple[Any, str | None]:
    app = c.get("ApplicationId")
    if known(app):
        return arn("emr-serverless", "/applications/", app), None
    return arn("emr-serverless", "/applications/*"), "EmrServerlessApplicationChosenAtRunTime"


def _spec(action: str, scope: str) -> Any:
    return integration(f"emr-serverless:{action}", offered(f"emr-serverless:{action}") or (), scope)


# emr-serverless-iam.md, CreateApplication: the first application of an account creates the
# service-linked role
@_spec("createApplication", "CreateApplication on the account's applications; .sync: "
       "Get/DeleteApplication, the managed rule; the service-linked role")
def _create(c: Call) -> list[Allow]:
    # CreateApplication takes no resource in IAM (AWS's template writes "/*")
    out = [Allow("emr-serverless:CreateApplication", "*", "EmrServerlessApplicationDoesNotExistYet")]
    if c.pattern == SYNC:
        out += [Allow(("emr-serverless:DeleteApplication", "emr-serverless:GetApplication"),
                      arn("emr-serverless", "/applications/*"), "EmrServerlessNamesTheApplication"),
                sync_rule(_APP_RULE)]
    out.append(Allow("iam:CreateServiceLinkedRole",
                     arn("iam", "role/aws-service-role/ops.emr-serverless.amazonaws.com/"
                         "AWSServiceRoleForAmazonEMRServerless", region=False),
                     conditions=[("StringLike", "iam:AWSServiceName",
                                  "ops.emr-serverless.amazonaws.com")]))
    return out


def _on_application(action: str, api: str, sync_extra: tuple[str, ...]) -> None:
    # emr-serverless-iam.md, Start/Stop/DeleteApplication
    def grants(c: Call) -> list[Allow]:
        where, sid = _application(c)
        actions = (f"emr-serverless:{api}",)
        if c.pattern == SYNC:
            actions += sync_extra
        out = [Allow(actions, where, sid)]
        if c.pattern == SYNC:
            out.append(sync_rule(_APP_RULE))
        return out
    _spec(action, "ApplicationId → the application's ARN; .sync: GetApplication, the managed "
          "rule")(grants)


_on_application("startApplication", "StartApplication",
                ("emr-serverless:GetApplication", "emr-serverless:StopApplication"))
_on_application("stopApplication", "StopApplication", ("emr-serverless:GetApplication",))
_on_application("deleteApplication", "DeleteApplication", ("emr-serverless:GetApplication",))


# emr-serverless-iam.md, StartJobRun: iam:PassRole on the job's execution role
@_spec("startJobRun", "ApplicationId → the application's ARN; iam:PassRole on ExecutionRoleArn; "
       ".sync: Get/CancelJobRun on its job runs, the managed rule")
def _start_job(c: Call) -> list[Allow]:
    where, sid = _application(c)
    out = [Allow("emr-serverless:StartJobRun", where, sid)]
    if c.pattern == SYNC:
        out += [Allow(("emr-serverless:CancelJobRun", "emr-serverless:GetJobRun"),
                      join_runs(where), sid or "EmrServerlessNamesTheJobRun"),
                sync_rule(_JOB_RULE)]
    role = c.get("ExecutionRoleArn")
    if known(role):
        out.append(Allow("iam:PassRole", role, conditions=[_PASSED]))
    else:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "EmrServerlessRoleChosenAtRunTime", conditions=[_PASSED]))
    return out


def join_runs(application: Any) -> Any:
    """Every job run of an application."""
    return join(application, "/jobruns/*")


# emr-serverless-iam.md, CancelJobRun
@_spec("cancelJobRun", "ApplicationId and JobRunId → the job run's ARN; .sync: GetJobRun, the "
       "managed rule")
def _cancel_job(c: Call) -> list[Allow]:
    where, sid = _application(c)
    run = c.get("JobRunId")
    if known(run) and sid is None:
        target: Any = arn("emr-serverless", "/applications/", c.get("ApplicationId"),
                          "/jobruns/", run)
    else:
        target, sid = join_runs(where), sid or "EmrServerlessJobRunChosenAtRunTime"
    actions = ("emr-serverless:CancelJobRun",)
    if c.pattern == SYNC:
        actions += ("emr-serverless:GetJobRun",)
    out = [Allow(actions, target, sid)]
    if c.pattern == SYNC:
        out.append(sync_rule(_JOB_RULE))
    return out


@frozen
class EmrServerlessStartJobRun(_TaskBase):
    """Run ``job_driver`` (``{"SparkSubmit": {"EntryPoint": "s3://..."}}``) on the EMR
    Serverless application ``application_id`` as ``execution_role_arn``, and by default wait
    for it. ``pattern``: ``"sync"`` or ``"request_response"``."""

    application_id: str | Ref = attrs.field(kw_only=True)
    execution_role_arn: str | Ref = attrs.field(kw_only=True)
    job_driver: JSON = attrs.field(kw_only=True)
    job_name: str | None = attrs.field(default=None, kw_only=True)
    configuration_overrides: JSON = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


_FIELDS = {"ApplicationId": "application_id", "ExecutionRoleArn": "execution_role_arn",
           "JobDriver": "job_driver", "Name": "job_name",
           "ConfigurationOverrides": "configuration_overrides"}

register(EmrServerlessStartJobRun, Integration(
    resource=lambda st: states_arn("emr-serverless:startJobRun" + suffix_of(st.pattern)),
    parameters=lambda st: compact({k: getattr(st, f) for k, f in _FIELDS.items()}, st.options),
    inverse=inverse("emr-serverless:startJobRun", _FIELDS,
                    required=("application_id", "execution_role_arn", "job_driver")),
))


__all__ = ["EmrServerlessStartJobRun"]
