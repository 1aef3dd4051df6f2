"""A valid workflow that uses every kind of model class: it must build, and type-check strictly
(tests/test_typing.py)."""

from flowdsl import (DISCARD, Allow, Catch, Choice, EcsRunTask, EventJob, EventPattern, Fail, Goto,
                     InputTransformer, LambdaTask, Map, Parallel, Pass, Retry, S3ObjectCreated,
                     StartExecution, StateMachine, Succeed, Task, TaskDefinition, Variable, Wait, When,
                     Workflow, all_of, Condition, not_, numeric_greater_than, string_equals, var, join,
                     ScheduledJob, ScheduleRetry, EventRetry, Logging, OnDemandJob, Queue, Pipe, Branch)

child = Workflow("child", [Pass("P", result={"a": 1})], deployment=StateMachine("child-sm"))
td = TaskDefinition("worker", image="python:3.12", command=["python", "-c", "1"],
                    permissions=[Allow("s3:GetObject", "arn:aws:s3:::b/*",
                                       conditions=[("StringEquals", "s3:prefix", ("a",))])])
fail = Fail("Boom", error="E", cause="C")
done = Succeed("Done")
choose = Choice("Pick", choices=[
    When(string_equals("$.kind", "a"), next="Done"),
    When(all_of(numeric_greater_than("$.n", 1), not_(string_equals("$.x", "y"))), next=(fail,)),
    When(Condition("{% $states.input.n > 1 %}"), next=done),
], default=Goto("Done"))
m = Map("Each", items_path="$.items", processor=[Pass("Item"), Wait("W", seconds=1)],
        max_concurrency=2, result_path=DISCARD)
p = Parallel("Both", branches=[[Pass("A")], Branch([Pass("B")])],
             catch=[Catch(["States.ALL"], next=fail, result_path="$.error")])
t = Task("Raw", resource="arn:aws:states:::sqs:sendMessage", parameters={"QueueUrl": "u", "MessageBody": "b"},
         retry=Retry("States.ALL", max_attempts=2), timeout_seconds=30)
ecs = EcsRunTask("Ecs", task_definition=td, cluster=var("cluster"), subnets=["subnet-1"])
start = StartExecution("Child", state_machine=child.arn, input={"x.$": "$.x"})
lam = LambdaTask("L", function=join("arn:aws:lambda:", var("region"), ":fn"), payload=None)
wf = Workflow(
    "rich", [m, p, t, ecs, start, lam, choose, done, fail],
    variables=[Variable("cluster"), Variable("region", type="string", default="us-east-1", sensitive=False)],
    deployment=EventJob("rich", S3ObjectCreated(var("bucket"), prefix="in/"),
                        input=InputTransformer({"id": "$.id"}, {"id": "<id>"}), retry=EventRetry(max_attempts=3)),
    permissions=[Allow(["s3:PutObject"], ["arn:aws:s3:::b/*"])],
)
wf2 = Workflow("sched", [Pass("X")], deployment=ScheduledJob("s", "rate(1 hour)", retry=ScheduleRetry()))
wf3 = Workflow("od", [Pass("X")], deployment=OnDemandJob("o", queue=Queue(delay_seconds=1), pipe=Pipe(batch_size=2), logging=Logging(level="ERROR")))
wf4 = Workflow("ev", [Pass("X")], deployment=EventJob("e", EventPattern({"source": ["a"]}, bus="b")))
