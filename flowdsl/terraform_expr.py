"""What a contributor to the Terraform module uses: the :class:`Module` protocol, Terraform
expressions and addresses, and the small pieces several contributors share (resource names, KMS).

The module assembler (``flowdsl.terraform``) implements :class:`Module`; the deployment kinds
(``flowdsl.deployments``) and the integrations that bring resources (``flowdsl.tasks``) get one
and import from here, never from the assembler. A leaf: it imports only refs and iam.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Join, Ref, ResourceAttr, join

__all__ = ["KMS", "TF_IDENT", "Compiled", "Expr", "Module", "addr", "kms_statement", "prefixed",
           "sqs_encryption"]

# A Terraform identifier: resource and variable names.
TF_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@frozen
class Expr:
    """A raw Terraform expression, written as ``${...}`` without escaping."""

    text: str


def addr(type_: str, name: str, attribute: str) -> ResourceAttr:
    """``<type>.<name>.<attribute>``: an attribute of a resource the module creates."""
    return ResourceAttr(type_, name, attribute)


def output(type_: str, name: str, attribute: str, description: str) -> dict[str, Any]:
    """A module output: that attribute of a resource the module creates, described."""
    return {"value": addr(type_, name, attribute), "description": description}


class Compiled(Protocol):
    """The compiled workflow, as a contributor sees it."""

    @property
    def definition(self) -> Any:
        """The ASL definition, with deploy-time references as objects."""


class Module(Protocol):
    """The Terraform module being assembled, as a deployment kind or an integration gets it.

    Blocks go into files (``"queue.tf.json"``); ``owner`` is the model path a problem is
    reported at (``"deployment.queue"``) and ``source`` the ``file:line`` that made it.
    """

    workflow: Any  # the flowdsl.Workflow
    deployment: Any  # the workflow's deployment (an instance of a registered kind)
    outputs: dict[str, Any]  # module outputs beside the shared ones and the kind's
    uses: list[tuple[str, Ref]]  # references written into expressions (owner path, reference)

    @property
    def compiled(self) -> Compiled: ...

    def error(self, code: str, path: str, message: str, source: str | None) -> None:
        """Report a problem; the build fails with it."""

    def resource(self, file: str, type_: str, name: str, body: dict[str, Any], owner: str,
                 source: str | None = None) -> ResourceAttr:
        """Add ``resource.<type>.<name>``; the same block twice is one, two different ones an error.
        Every resource gets the module's conventions without asking: the ``tags`` input on a
        type that takes tags, the permissions boundary, path and extra policies on a role, and
        a check of its ``name`` against the type's AWS limit (at build time, or at plan)."""

    def local(self, file: str, name: str, value: Any, owner: str) -> Expr:
        """Add ``locals.<name>`` and return ``local.<name>``."""

    def check_input(self, ref: Any, condition: str, message: str) -> None:
        """When ``ref`` is a module input (``var(...)``), validate it at plan: ``condition`` is a
        Terraform expression over ``ref.address``, ``message`` the error Terraform shows. For an
        input that feeds a field whose values AWS limits (a Fargate job's vCPUs)."""

    def policy_document(self, file: str, name: str, statements: tuple[Allow, ...], owner: str,
                        extra: dict[str, Any] | None = None) -> Expr:
        """Add a ``data.aws_iam_policy_document`` and return its ``.json``."""

    def role(self, file: str, name: str, role_name: Any, service: str, owner: str,
             source: str | None, same_account: bool = False,
             source_arn: Any = None) -> ResourceAttr:
        """Add an IAM role that ``service`` (``"events.amazonaws.com"``) assumes; its trust
        policy has ``aws:SourceAccount`` with ``same_account``, and also ``aws:SourceArn``
        with ``source_arn`` (the resource acting through the role, or an ARN pattern; a
        tuple of them: any one)."""

    def policy(self, file: str, name: str, policy_name: Any, role: str, document: Expr,
               owner: str, source: str | None, count: Expr | None = None) -> str:
        """Add a policy with ``document`` attached to role ``role``; returns the attachment's address."""


# The module input kms_key_arn: null means AWS-managed encryption.
KMS = Expr("var.kms_key_arn")


def prefixed(m: Module, suffix: str) -> Join:
    """A resource name: the deployment's resource name and a suffix."""
    return join(m.deployment.resource_name, suffix)


def sqs_encryption() -> dict[str, Any]:
    """A queue's encryption at rest: SQS-managed SSE, or the module's KMS key when set."""
    return {
        "sqs_managed_sse_enabled": Expr("var.kms_key_arn == null ? true : null"),
        "kms_master_key_id": KMS,
        "kms_data_key_reuse_period_seconds": Expr("var.kms_key_arn == null ? null : 300"),
    }


def kms_statement(*actions: str) -> dict[str, Any]:
    """A policy document statement present only when the module input kms_key_arn is set."""
    return {"dynamic": {"statement": {
        "for_each": Expr("var.kms_key_arn == null ? [] : [var.kms_key_arn]"),
        "content": {"effect": "Allow", "actions": list(actions),
                    "resources": [Expr("statement.value")]},
    }}}
