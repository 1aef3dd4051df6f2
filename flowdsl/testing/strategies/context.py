"""Hypothesis strategies: the generation context: names, variables, job definitions."""

from __future__ import annotations

from typing import Any


from flowdsl.refs import ACCOUNT_ID, PARTITION, REGION, Var, \
    Variable, var
from flowdsl.tasks.batch import JobDefinition

from flowdsl.testing.strategies._base import _one


# variable name -> (terraform type, dummy value) for deploy-time references
_VARIABLES = {
    "app_name": "myapp", "stage": "dev", "bucket": "my-bucket",
    "fn_arn": "arn:aws:lambda:us-east-1:123456789012:function:handler",
    "activity_arn": "arn:aws:states:us-east-1:123456789012:activity:worker",
    "queue_arn": "arn:aws:batch:us-east-1:123456789012:job-queue/queue",
    "job_definition_arn": "arn:aws:batch:us-east-1:123456789012:job-definition/existing:1",
    "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/job",
    "topic_arn": "arn:aws:sns:us-east-1:123456789012:done",
    "child_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/jobs",
    "subnet_id": "subnet-0123456789abcdef0",
}
_DATA_VALUES = {PARTITION.address: "aws", REGION.address: "us-east-1",
                ACCOUNT_ID.address: "123456789012"}


class _Ctx:
    """Mutable state of one draw: a counter for names, declared variables, job definitions."""

    def __init__(self, draw: Any, max_depth: int, max_states: int, jsonata: bool, refs: bool) -> None:
        self.draw = draw
        self.max_depth = max_depth
        self.budget = max_states
        self.count = 0
        self.jsonata = jsonata
        self.refs = refs
        self.variables: dict[str, Variable] = {}
        self.jobs: dict[str, JobDefinition] = {}

    def name(self, kind: str) -> str:
        self.count += 1
        self.budget -= 1
        style = self.draw(_one(("plain", "plain", "plain", "spaced", "dotted")))
        if style == "spaced":
            return f"{kind} {self.count}"
        if style == "dotted":
            return f"{kind}.{self.count}"
        return f"{kind}{self.count}"

    def var(self, name: str) -> Var:
        if name not in self.variables:
            default = self.draw(_one((None, None, _VARIABLES[name])))
            self.variables[name] = Variable(name, default=default,
                                            description=self.draw(_one((None, "input"))))
        return var(name)


class _Scope:
    def __init__(self, path: str) -> None:
        self.path = path
        self.known: list[str] = []  # names of states already drawn in this scope
