"""An event-driven job: an object created in the uploads bucket starts it; it starts the worker
state machine (another flowdsl workflow, by reference) and waits for it."""

from flowdsl import (EventJob, InputTransformer, Pass, S3ObjectCreated, Task, Variable, Workflow,
                     join, var)
from flowdsl.tasks import states_arn
from worker import workflow as worker

workflow = Workflow(
    "uploads",
    variables=[Variable("app_name"), Variable("stage"), Variable("bucket_name")],
    deployment=EventJob(
        join(var("app_name"), "-", var("stage"), "-uploads"),
        S3ObjectCreated(var("bucket_name"), prefix="incoming/"),
        input=InputTransformer(paths={"bucket": "$.detail.bucket.name", "key": "$.detail.object.key"},
                               template={"bucket": "<bucket>", "key": "<key>"}),
    ),
    states=[
        Task("StartWorker", resource=states_arn("states:startExecution.sync:2"),
             parameters={"StateMachineArn": worker.arn, "Input": {"key.$": "$.key"}},
             result_selector={"output.$": "$.Output"}, result_path="$.worker"),
        Pass("Done"),
    ],
)
