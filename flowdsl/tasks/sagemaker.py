"""``arn:aws:states:::sagemaker:createTrainingJob``: the IAM a SageMaker training job needs.
No typed class yet: a plain ``Task`` with this Resource gets these grants."""

from __future__ import annotations

from flowdsl.iam import Allow
from flowdsl.tasks.registry import REQUEST_RESPONSE, SYNC, Call, arn, integration, known, sync_rule

_PASSED_TO_SAGEMAKER = ("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com")


@integration("sagemaker:createTrainingJob", (REQUEST_RESPONSE, SYNC),
             "TrainingJobName → training-job/<name>*; iam:PassRole on RoleArn; .sync: "
             "DescribeTrainingJob/StopTrainingJob, the managed rule")
def _training(c: Call) -> list[Allow]:
    name = c.get("TrainingJobName")
    jobs = arn("sagemaker", "training-job/", name, "*") if known(name) \
        else arn("sagemaker", "training-job/*")
    actions = ("sagemaker:CreateTrainingJob",)
    out = []
    if c.pattern == SYNC:
        actions += ("sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob")
        out.append(sync_rule("StepFunctionsGetEventsForSageMakerTrainingJobsRule"))
    role = c.get("RoleArn")
    out += [
        Allow(actions, jobs, None if known(name) else "TrainingJobNamedAtRunTime"),
        # CreateTrainingJob copies the request's tags; AWS's generated policies allow
        # ListTags on every resource
        Allow("sagemaker:ListTags", "*", "SagemakerListTagsHasNoScope"),
        Allow("iam:PassRole", role, conditions=[_PASSED_TO_SAGEMAKER]) if known(role) else
        Allow("iam:PassRole", arn("iam", "role/*", region=False), "TrainingRoleChosenAtRunTime",
              conditions=[_PASSED_TO_SAGEMAKER]),
    ]
    return out


__all__: list[str] = []
