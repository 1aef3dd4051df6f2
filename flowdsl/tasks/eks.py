"""``arn:aws:states:::eks:*``: Amazon EKS clusters, node groups and Fargate profiles, and the
Kubernetes API of a cluster (``eks:call``, ``eks:runJob``).

The grants follow eks-iam.md ("IAM policies for Amazon EKS"); the actions and patterns
connect-eks.md."""

from __future__ import annotations

from typing import Any

from flowdsl.iam import Allow
from flowdsl.tasks.registry import (
    Call,
    arn,
    integration,
    known,
)
from flowdsl.tasks.offered import offered

_PASSED_TO_EKS = ("StringEquals", "iam:PassedToService", "eks.amazonaws.com")
_PASSED_TO_FARGATE = ("StringEquals", "iam:PassedToService", "eks-fargate-pods.amazonaws.com")


def _pass_role(value: Any, condition: tuple[str, str, str], why: str) -> Allow:
    if known(value):
        return Allow("iam:PassRole", value, conditions=[condition])
    return Allow("iam:PassRole", arn("iam", "role/*", region=False), why, conditions=[condition])


def _named(value: Any, prefix: str, why: str, tail: str = "") -> tuple[Any, str | None]:
    if known(value):
        return arn("eks", prefix, value, tail), None
    return arn("eks", prefix, "*"), why


def _eks(name: str, scope: str) -> Any:
    return integration(f"eks:{name}", offered(f"eks:{name}") or (), scope)


# eks-iam.md, CreateCluster: CreateCluster takes "*" (the cluster does not exist yet);
# DescribeCluster/DeleteCluster on the account's clusters, as AWS's template grants
@_eks("createCluster", "CreateCluster on *; Describe/DeleteCluster on the account's clusters; "
      "iam:PassRole on RoleArn to eks.amazonaws.com")
def _create_cluster(c: Call) -> list[Allow]:
    return [Allow("eks:CreateCluster", "*", "EksClusterDoesNotExistYet"),
            Allow(("eks:DeleteCluster", "eks:DescribeCluster"), arn("eks", "cluster/*")),
            _pass_role(c.get("RoleArn"), _PASSED_TO_EKS, "EksClusterRoleChosenAtRunTime")]


# eks-iam.md, DeleteCluster
@_eks("deleteCluster", "Name → the cluster's ARN")
def _delete_cluster(c: Call) -> list[Allow]:
    where, sid = _named(c.get("Name"), "cluster/", "EksClusterChosenAtRunTime")
    return [Allow(("eks:DeleteCluster", "eks:DescribeCluster"), where, sid)]


# eks-iam.md, CreateNodeGroup: the node role is read (GetRole, ListAttachedRolePolicies)
# and passed to EKS
@_eks("createNodegroup", "CreateNodegroup/ec2:DescribeSubnets on *; Describe/DeleteNodegroup "
      "on the account's node groups; iam:PassRole on NodeRole to eks.amazonaws.com")
def _create_nodegroup(c: Call) -> list[Allow]:
    return [Allow(("ec2:DescribeSubnets", "eks:CreateNodegroup"), "*", "EksNodegroupDoesNotExistYet"),
            Allow(("eks:DeleteNodegroup", "eks:DescribeNodegroup"), arn("eks", "nodegroup/*/*/*")),
            Allow(("iam:GetRole", "iam:ListAttachedRolePolicies"),
                  arn("iam", "role/*", region=False), "EksChecksTheNodeRole"),
            _pass_role(c.get("NodeRole"), _PASSED_TO_EKS, "EksNodeRoleChosenAtRunTime")]


# eks-iam.md, DeleteNodegroup: nodegroup/<cluster>/<nodegroup>/<id>
@_eks("deleteNodegroup", "ClusterName and NodegroupName → nodegroup/<cluster>/<nodegroup>/*")
def _delete_nodegroup(c: Call) -> list[Allow]:
    cluster, group = c.get("ClusterName"), c.get("NodegroupName")
    if known(cluster) and known(group):
        where: Any = arn("eks", "nodegroup/", cluster, "/", group, "/*")
        sid = None
    else:
        where, sid = arn("eks", "nodegroup/*/*/*"), "EksNodegroupChosenAtRunTime"
    return [Allow(("eks:DeleteNodegroup", "eks:DescribeNodegroup"), where, sid)]


# connect-eks.md, Fargate profiles: the pod execution role is passed to EKS Fargate
@_eks("createFargateProfile", "CreateFargateProfile on *; Describe/DeleteFargateProfile on the "
      "account's profiles; iam:PassRole on PodExecutionRoleArn to eks-fargate-pods")
def _create_profile(c: Call) -> list[Allow]:
    return [Allow("eks:CreateFargateProfile", "*", "EksProfileDoesNotExistYet"),
            Allow(("eks:DeleteFargateProfile", "eks:DescribeFargateProfile"),
                  arn("eks", "fargateprofile/*/*/*")),
            _pass_role(c.get("PodExecutionRoleArn"), _PASSED_TO_FARGATE,
                       "EksPodRoleChosenAtRunTime")]


@_eks("deleteFargateProfile", "ClusterName and FargateProfileName → fargateprofile/<c>/<p>/*")
def _delete_profile(c: Call) -> list[Allow]:
    cluster, profile = c.get("ClusterName"), c.get("FargateProfileName")
    if known(cluster) and known(profile):
        where: Any = arn("eks", "fargateprofile/", cluster, "/", profile, "/*")
        sid = None
    else:
        where, sid = arn("eks", "fargateprofile/*/*/*"), "EksProfileChosenAtRunTime"
    return [Allow(("eks:DeleteFargateProfile", "eks:DescribeFargateProfile"), where, sid)]


# connect-eks.md, "Permissions": eks:call and eks:runJob talk to the cluster's Kubernetes
# API with the role's identity; what they may do is granted by the cluster's RBAC (the
# aws-auth ConfigMap or an access entry), not by IAM. They need no IAM statement.
def _kubernetes(c: Call) -> list[Allow]:
    return []


_eks("call", "none in IAM: Kubernetes RBAC on the cluster")(_kubernetes)
_eks("runJob", "none in IAM: Kubernetes RBAC on the cluster")(_kubernetes)


__all__: list[str] = []
