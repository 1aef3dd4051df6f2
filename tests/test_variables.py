"""Variables are checked once, over the model: one diagnostic per undeclared var(), at the line
that uses it, whether the state graph, the deployment or a job definition uses it."""

from __future__ import annotations

from pathlib import Path

from flowdsl.build import check
from flowdsl.loader import load_workflows

WORKFLOW = '''from flowdsl import BatchTask, JobDefinition, LambdaTask, OnDemandJob, Variable, Workflow, join, var

job = JobDefinition("job", image=var("image_uri"), command=["run"])
workflow = Workflow(
    "vars",
    variables=[Variable("stage")],
    deployment=OnDemandJob(join("app-", var("stage"), var("suffix"))),
    states=[
        LambdaTask("Call", function=var("handler_arn"), payload={"x": var("stage")}),
        BatchTask("Job", job=job, job_queue=var("queue_arn"), job_name="j"),
        BatchTask("Again", job=job, job_queue="arn:aws:batch:us-east-1:1:job-queue/q", job_name="k"),
    ],
)
'''


def test_one_diagnostic_per_undeclared_variable_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "vars.py"
    path.write_text(WORKFLOW)
    (workflow,) = load_workflows(path).values()
    found = [d.render() for d in check(workflow)[1]]
    declared = "is not declared in the workflow's variables (declared: stage) [undeclared-variable]"
    assert found == [
        f"{path}:9: $.States.Call.Parameters.FunctionName: var('handler_arn') {declared}",
        f"{path}:10: $.States.Job.Parameters.JobQueue: var('queue_arn') {declared}",
        f"{path}:7: deployment.resource_name: var('suffix') {declared}",
        f"{path}:3: states.Job.job.image: var('image_uri') {declared}",
    ]
