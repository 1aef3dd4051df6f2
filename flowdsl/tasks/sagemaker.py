"""``arn:aws:states:::sagemaker:*``: Amazon SageMaker jobs, models and endpoints."""

from __future__ import annotations


from flowdsl.iam import Allow
from flowdsl.tasks.catalog import REQUEST_RESPONSE, SYNC, Call, arn, integration, known, sync_rule

# SageMaker ------------------------------------------------------------------------------------

_PASSED_TO_SAGEMAKER = ("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com")

@integration("sagemaker:createTrainingJob", (REQUEST_RESPONSE, SYNC),
             "TrainingJobName → training-job/<name>*; iam:PassRole on RoleArn; .sync: "
             "DescribeTrainingJob/StopTrainingJob, the managed rule")
def _sagemaker_training(c: Call) -> list[Allow]:
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
