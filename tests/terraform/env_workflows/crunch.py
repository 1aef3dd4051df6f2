"""A bare state machine that runs a Batch job whose size the environment sets as numbers:
``vcpus`` and ``memory`` are number inputs, checked against Fargate's sizes at plan."""

from flowdsl import (BatchTask, JobDefinition, StateMachine, Variable, Workflow, between, join,
                     length_between, one_of, var)

name = join(var("app_name"), "-", var("stage"), "-crunch")

job = JobDefinition("crunch", name=name, image="public.ecr.aws/docker/library/python:3.12",
                    command=["python", "-c", "print(1)"], vcpus=var("vcpus"), memory=var("memory"))

workflow = Workflow(
    "crunch",
    variables=[
        Variable("app_name", validation=length_between(1, 12)),
        Variable("stage", validation=one_of("dev", "stage", "prod")),
        Variable("batch_job_queue_arn", description="The Batch job queue the job runs in"),
        Variable("vcpus", type="number", default=0.5, description="vCPUs of the job (Fargate)",
                 validation=one_of(0.25, 0.5, 1, 2, 4, 8, 16)),
        Variable("memory", type="number", default=1024, description="MiB of memory of the job",
                 validation=between(512, 122880)),
    ],
    deployment=StateMachine(name),
    states=[BatchTask("Crunch", job=job, job_queue=var("batch_job_queue_arn"), job_name=name)],
)
