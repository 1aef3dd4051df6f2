"""``arn:aws:states:::emr-containers:*``: Amazon EMR on EKS virtual clusters and job runs.

The grants follow emr-eks-iam.md ("IAM policies for Amazon EMR on EKS"); the actions and
patterns connect-emr-eks.md. Resources:
``arn:<partition>:emr-containers:<region>:<account>:/virtualclusters/<id>[/jobruns/<id>]``."""

from __future__ import annotations

from typing import Any

from flowdsl.iam import Allow
from flowdsl.refs import join
from flowdsl.tasks.registry import (
    SYNC,
    Call,
    arn,
    integration,
    known,
)
from flowdsl.tasks.offered import offered


def _cluster(value: Any) -> tuple[Any, str | None]:
    if known(value):
        return arn("emr-containers", "/virtualclusters/", value), None
    return arn("emr-containers", "/virtualclusters/*"), "EmrVirtualClusterChosenAtRunTime"


# emr-eks-iam.md, CreateVirtualCluster: on "*", and the service-linked role
@integration("emr-containers:createVirtualCluster",
             offered("emr-containers:createVirtualCluster") or (),
             "CreateVirtualCluster on *; the service-linked role")
def _create(c: Call) -> list[Allow]:
    return [Allow("emr-containers:CreateVirtualCluster", "*", "EmrVirtualClusterDoesNotExistYet"),
            Allow("iam:CreateServiceLinkedRole",
                  arn("iam", "role/aws-service-role/emr-containers.amazonaws.com/"
                      "AWSServiceRoleForAmazonEMRContainers", region=False),
                  conditions=[("StringLike", "iam:AWSServiceName",
                               "emr-containers.amazonaws.com")])]


# emr-eks-iam.md, DeleteVirtualCluster: .sync also describes it
@integration("emr-containers:deleteVirtualCluster",
             offered("emr-containers:deleteVirtualCluster") or (),
             "Id → the virtual cluster's ARN; .sync: DescribeVirtualCluster")
def _delete(c: Call) -> list[Allow]:
    where, sid = _cluster(c.get("Id"))
    actions = ("emr-containers:DeleteVirtualCluster",)
    if c.pattern == SYNC:
        actions += ("emr-containers:DescribeVirtualCluster",)
    return [Allow(actions, where, sid)]


# emr-eks-iam.md, StartJobRun: .sync describes and cancels the run
@integration("emr-containers:startJobRun", offered("emr-containers:startJobRun") or (),
             "VirtualClusterId → the virtual cluster's ARN, conditioned on ExecutionRoleArn; "
             ".sync: Describe/CancelJobRun on its job runs")
def _start(c: Call) -> list[Allow]:
    where, sid = _cluster(c.get("VirtualClusterId"))
    # AWS's template conditions StartJobRun on the execution role the run takes
    role = c.get("ExecutionRoleArn")
    conditions = [("StringEquals", "emr-containers:ExecutionRoleArn", role)] if known(role) else []
    out = [Allow("emr-containers:StartJobRun", where, sid, conditions=conditions)]
    if c.pattern == SYNC:
        out.append(Allow(("emr-containers:CancelJobRun", "emr-containers:DescribeJobRun"),
                         join(where, "/jobruns/*"), sid or "EmrContainersNamesTheJobRun"))
    return out


__all__: list[str] = []
