"""An on-demand job whose pipe waits for the result: an EXPRESS state machine, REQUEST_RESPONSE,
and no alias (StartSyncExecution starts the state machine's own ARN)."""

from flowdsl import OnDemandJob, Pass, Pipe, Variable, Workflow, join, var

workflow = Workflow(
    "api",
    variables=[Variable("app_name"), Variable("stage")],
    deployment=OnDemandJob(join(var("app_name"), "-", var("stage"), "-api"), type="EXPRESS",
                           pipe=Pipe(invocation_type="REQUEST_RESPONSE"), alias=None),
    states=[Pass("Answer", parameters={"body.$": "$[0].body"})],
)
