"""A bare state machine (no trigger) that the uploads workflow starts: it sorts a file."""

from flowdsl import Pass, StateMachine, Variable, Workflow, join, var

workflow = Workflow(
    "worker",
    variables=[Variable("app_name"), Variable("stage")],
    deployment=StateMachine(join(var("app_name"), "-", var("stage"), "-worker")),
    states=[Pass("Sort", parameters={"sorted.$": "$.key", "by": "worker"})],
)
