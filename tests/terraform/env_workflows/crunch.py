"""A bare state machine that runs a Batch job whose size the environment sets as numbers:
``vcpus`` and ``memory`` are number inputs, which the module checks against Fargate's sizes at
plan. The name inputs' rules bound every resource name at build time."""

from flowdsl import BatchTask, JobDefinition, StateMachine, Variable, Workflow, join, length_between, one_of, var

name = join(var("app_name"), "-", var("stage"), "-crunch")

job = JobDefinition("crunch", name=name, image="public.ecr.aws/docker/library/python:3.12",
                    command=["python", "-c", "print(1)"], vcpus=var("vcpus"), memory=var("memory"))

workflow = Workflow(
    "crunch",
    variables=[
        Variable("app_name", validation=length_between(1, 12)),
        Variable("stage", validation=one_of("dev", "stage", "prod")),
        Variable("batch_job_queue_arn", description="The Batch job queue the job runs in"),
        Variable("vcpus", type="number", default=0.5, description="vCPUs of the job (Fargate)"),
        Variable("memory", type="number", default=1024, description="MiB of memory of the job"),
    ],
    deployment=StateMachine(name),
    states=[BatchTask("Crunch", job=job, job_queue=var("batch_job_queue_arn"), job_name=name)],
)
