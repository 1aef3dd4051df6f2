"""``arn:aws:states:::elasticmapreduce:*``: Amazon EMR clusters and steps; ``EmrAddStep``.

The grants follow emr-iam.md ("IAM policies for Amazon EMR"); the actions and patterns
connect-emr.md."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    SYNC,
    Call,
    arn,
    compact,
    integration,
    inverse,
    is_arn,
    known,
    suffix_of,
    sync_rule,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn


def _cluster(c: Call) -> tuple[Any, str | None]:
    """The cluster's ARN from ClusterId; every cluster of the account when it is not known."""
    cluster = c.get("ClusterId")
    if known(cluster):
        return arn("elasticmapreduce", "cluster/", cluster), None
    return arn("elasticmapreduce", "cluster/*"), "EmrClusterChosenAtRunTime"


def _on_cluster(name: str, actions: tuple[str, ...], scope: str,
                rule: str | None = None, any_cluster: bool = False) -> None:
    def grants(c: Call) -> list[Allow]:
        where, sid = _cluster(c)
        if any_cluster and sid is not None:
            # emr-iam.md: modifyInstanceGroupByName's dynamic form is granted on "*"
            where = "*"
        out = [Allow(actions, where, sid)]
        if rule is not None and c.pattern == SYNC:
            out.append(sync_rule(rule))
        return out
    integration(f"elasticmapreduce:{name}", offered(f"elasticmapreduce:{name}") or (), scope)(grants)


# emr-iam.md, addStep: AWS grants DescribeStep and CancelSteps with AddJobFlowSteps, and
# the managed rule, whatever the pattern
def _add_step(c: Call) -> list[Allow]:
    where, sid = _cluster(c)
    return [Allow(("elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:CancelSteps",
                   "elasticmapreduce:DescribeStep"), where, sid),
            sync_rule("StepFunctionsGetEventForEMRAddJobFlowStepsRule")]


integration("elasticmapreduce:addStep", offered("elasticmapreduce:addStep") or (),
            "ClusterId → the cluster's ARN: AddJobFlowSteps/DescribeStep/CancelSteps, the "
            "managed rule")(_add_step)
# emr-iam.md, cancelStep
_on_cluster("cancelStep", ("elasticmapreduce:CancelSteps",), "ClusterId → the cluster's ARN")
# emr-iam.md, setClusterTerminationProtection
_on_cluster("setClusterTerminationProtection", ("elasticmapreduce:SetTerminationProtection",),
            "ClusterId → the cluster's ARN")
# emr-iam.md, modifyInstanceFleetByName
_on_cluster("modifyInstanceFleetByName", ("elasticmapreduce:ListInstanceFleets",
                                          "elasticmapreduce:ModifyInstanceFleet"),
            "ClusterId → the cluster's ARN")
# emr-iam.md, modifyInstanceGroupByName (its dynamic form: "*")
_on_cluster("modifyInstanceGroupByName", ("elasticmapreduce:ListInstanceGroups",
                                          "elasticmapreduce:ModifyInstanceGroups"),
            "ClusterId → the cluster's ARN (from the input: *)", any_cluster=True)


# emr-iam.md, terminateCluster: DescribeCluster and the rule in either pattern
def _terminate(c: Call) -> list[Allow]:
    where, sid = _cluster(c)
    return [Allow(("elasticmapreduce:DescribeCluster", "elasticmapreduce:TerminateJobFlows"),
                  where, sid),
            sync_rule("StepFunctionsGetEventForEMRTerminateJobFlowsRule")]


integration("elasticmapreduce:terminateCluster", offered("elasticmapreduce:terminateCluster")
            or (), "ClusterId → the cluster's ARN; the managed rule")(_terminate)


def _role(value: Any) -> Any:
    return value if is_arn(value) else arn("iam", "role/", value, region=False)


# emr-iam.md, createCluster: RunJobFlow/DescribeCluster/TerminateJobFlows take no cluster
# (it does not exist yet), so "*"; iam:PassRole on the roles the request names; the rule.
def _create(c: Call) -> list[Allow]:
    out = [Allow(("elasticmapreduce:DescribeCluster", "elasticmapreduce:RunJobFlow",
                  "elasticmapreduce:TerminateJobFlows"), "*", "EmrClusterDoesNotExistYet")]
    roles: list[Any] = []
    unknown = False
    # ServiceRole goes to EMR, JobFlowRole (an instance profile named as its role) to EC2,
    # AutoScalingRole to Application Auto Scaling: AWS's template sets no
    # iam:PassedToService condition, as one statement passes roles to three services
    for key in ("ServiceRole", "JobFlowRole", "AutoScalingRole"):
        value = c.get(key)
        if known(value):
            roles.append(_role(value))
        elif value is DYNAMIC:
            unknown = True
    if roles:
        out.append(Allow("iam:PassRole", tuple(roles)))
    if unknown:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "EmrRolesChosenAtRunTime"))
    out.append(sync_rule("StepFunctionsGetEventForEMRRunJobFlowRule"))
    return out


integration("elasticmapreduce:createCluster", offered("elasticmapreduce:createCluster") or (),
            "RunJobFlow on * (the cluster does not exist yet); iam:PassRole on ServiceRole, "
            "JobFlowRole, AutoScalingRole; the managed rule")(_create)


# The typed class --------------------------------------------------------------------------------

@frozen
class EmrAddStep(_TaskBase):
    """Add ``step`` (``{"Name": ..., "HadoopJarStep": {"Jar": ..., "Args": [...]}}``) to the
    EMR cluster ``cluster_id``, and by default wait for it. ``pattern``: ``"sync"`` or
    ``"request_response"``."""

    cluster_id: str | Ref = attrs.field(kw_only=True)
    step: JSON = attrs.field(kw_only=True)
    execution_role_arn: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


register(EmrAddStep, Integration(
    resource=lambda st: states_arn("elasticmapreduce:addStep" + suffix_of(st.pattern)),
    parameters=lambda st: compact({"ClusterId": st.cluster_id, "Step": st.step,
                                   "ExecutionRoleArn": st.execution_role_arn}, st.options),
    inverse=inverse("elasticmapreduce:addStep",
                    {"ClusterId": "cluster_id", "Step": "step",
                     "ExecutionRoleArn": "execution_role_arn"},
                    required=("cluster_id", "step")),
))


__all__ = ["EmrAddStep"]
