"""Safe deploys: every change of the state machine publishes a version, an alias routes the
executions, and the trigger starts the alias. Every kind has it by default (its ``alias``
field defaults to ``Alias()``, the alias ``live``); ``alias=None`` opts out.

``Alias(name="live")``: ``aws_sfn_state_machine`` gets ``publish = true``, so each apply that
changes it publishes a new version; ``aws_sfn_alias`` routes every execution to the newest
version; the kind's trigger (pipe, schedule or rule target) starts the alias ARN.

``alias=None``: no versions and no alias; the trigger starts the state machine itself, which
runs its latest revision (what a module without safe deploys does). A REQUEST_RESPONSE pipe
needs it: it calls StartSyncExecution, which takes the state machine's own ARN.

``Alias(canary=Canary(percent=10))`` adds two module inputs. ``stable_version`` (a version
number; null: no canary in effect) is the version the rest of the executions keep running;
``canary_percent`` (default the model's percent) is the newest version's share. Terraform
cannot read "the version the alias pointed at before this apply" on a first apply (a data
source of an alias that does not exist yet fails), so the operator names it:

1. first apply, ``stable_version = null``: version 1 takes every execution;
2. change the workflow, apply with ``stable_version = 1``: version 2 is published and takes
   ``canary_percent`` of the executions, version 1 the rest;
3. promote with ``stable_version = null`` (version 2 takes all; nothing new is published),
   or roll back by reverting the change and applying (version 3, the old definition).

A ``stable_version`` equal to the newest version routes everything to it (one route: AWS
refuses the same version twice).

IAM: Step Functions authorizes a StartExecution of an alias or a version against the state
machine's own (unqualified) ARN, https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html;
the trigger roles get that ARN and the alias ARN. The execution metrics keep the dimension
StateMachineArn = the state machine (``flowdsl.deployments.alarms``).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import ResourceAttr, join
from flowdsl.terraform_expr import Expr, Module, addr

__all__ = ["Alias", "Canary", "start_resources", "target"]

# CreateStateMachineAlias: 1-80 characters of letters, digits, '-', '_' and '.', not all
# digits (a number names a version), https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachineAlias.html
ALIAS_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]+")
MAX_ALIAS_NAME = 80


def is_alias_name(name: Any) -> bool:
    return (isinstance(name, str) and len(name) <= MAX_ALIAS_NAME and not name.isdigit()
            and ALIAS_CHARACTERS.fullmatch(name) is not None)


@frozen
class Canary:
    """A share of executions for the newest version while ``stable_version`` keeps the rest
    (module input ``canary_percent``, 1-99 here; the input takes 0-100)."""

    percent: int = 10


@frozen
class Alias:
    """Publish a version per change and start executions through the alias ``name``: every
    deployment kind's default (``alias=Alias()``); ``alias=None`` opts out."""

    name: str = "live"
    canary: Canary | None = attrs.field(default=None, kw_only=True)
    description: str | None = attrs.field(default=None, kw_only=True)


FILE = "alias.tf.json"
STATE_MACHINE = addr("aws_sfn_state_machine", "state_machine", "arn")
LATEST = "aws_sfn_state_machine.state_machine.state_machine_version_arn"


def alias_of(deployment: Any) -> Alias | None:
    alias = getattr(deployment, "alias", None)
    return alias if isinstance(alias, Alias) else None


def target(m: Module) -> ResourceAttr:
    """What the trigger starts: the alias, or the state machine itself."""
    if alias_of(m.deployment) is None:
        return STATE_MACHINE
    return addr("aws_sfn_alias", "state_machine", "arn")


def start_resources(m: Module) -> tuple[ResourceAttr, ...]:
    """The resources of the trigger role's ``states:StartExecution``: the state machine (what
    Step Functions authorizes an alias's execution against), and the alias itself."""
    if alias_of(m.deployment) is None:
        return (STATE_MACHINE,)
    return (STATE_MACHINE, addr("aws_sfn_alias", "state_machine", "arn"))


def trusted(state_machine_arn: Any, deployment: Any) -> Any:
    """The ``aws:SourceArn`` the state machine's role trusts: the state machine, and with an
    alias also its versions and aliases (``<arn>:*``), whichever ARN Step Functions presents
    for an execution started through them."""
    if alias_of(deployment) is None:
        return state_machine_arn
    return (state_machine_arn, join(state_machine_arn, ":*"))


def state_machine_fields(deployment: Any) -> dict[str, Any]:
    """What the alias adds to ``aws_sfn_state_machine``: a version per change."""
    return {"publish": True} if alias_of(deployment) is not None else {}


def terraform(m: Module) -> None:
    d = m.deployment
    alias = alias_of(d)
    if alias is None:
        return
    src = getattr(d, "source", None)
    if not is_alias_name(alias.name):
        m.error("bad-alias", "deployment.alias.name",
                f"alias name {alias.name!r}: 1-80 letters, digits, '-', '_' or '.', "
                "not only digits (a number names a version)", src)
    canary = alias.canary
    if canary is not None and not (isinstance(canary.percent, int) and 1 <= canary.percent <= 99):
        m.error("bad-alias", "deployment.alias.canary.percent",
                f"a canary takes 1-99 percent of the executions (got {canary.percent!r}); "
                "without a canary the newest version takes them all", src)
    pipe = getattr(d, "pipe", None)
    if getattr(pipe, "invocation_type", None) == "REQUEST_RESPONSE" and getattr(d, "queue", None) is not None:
        m.error("bad-alias", "deployment.alias",
                "an alias is started with StartExecution; a REQUEST_RESPONSE pipe calls "
                "StartSyncExecution, which takes the state machine's own ARN: use "
                "FIRE_AND_FORGET, or alias=None (no versions: the pipe starts the state "
                "machine's latest revision)", src)
    body: dict[str, Any] = {"name": alias.name}
    if alias.description is not None:
        body["description"] = alias.description
    if canary is None:
        body["routing_configuration"] = [{"state_machine_version_arn": Expr(LATEST), "weight": 100}]
    else:
        stable = m.local(FILE, "alias_stable_version_arn", Expr(
            'var.stable_version == null ? null : '
            '"${aws_sfn_state_machine.state_machine.arn}:${var.stable_version}"'), "deployment.alias")
        routes = m.local(FILE, "alias_routes", Expr(
            f"{stable.text} == null || {stable.text} == {LATEST} ? "
            f"[{{arn = {LATEST}, weight = 100}}] : "
            f"[{{arn = {LATEST}, weight = var.canary_percent}}, "
            f"{{arn = {stable.text}, weight = 100 - var.canary_percent}}]"), "deployment.alias")
        body["dynamic"] = {"routing_configuration": {
            "for_each": routes,
            "content": {"state_machine_version_arn": Expr("routing_configuration.value.arn"),
                        "weight": Expr("routing_configuration.value.weight")},
        }}
    m.resource(FILE, "aws_sfn_alias", "state_machine", body, "deployment.alias", src)
    m.outputs["alias_arn"] = {
        "value": addr("aws_sfn_alias", "state_machine", "arn"),
        "description": f"ARN of the alias \"{alias.name}\", which the trigger starts (start "
                       "executions through it: it routes them to the published versions)"}
    m.outputs["state_machine_version_arn"] = {
        "value": Expr(LATEST),
        "description": "ARN of the newest published version of the state machine"}


def variables(deployment: Any) -> dict[str, dict[str, Any]]:
    alias = alias_of(deployment)
    if alias is None or alias.canary is None:
        return {}
    whole = "floor(coalesce(var.stable_version, 1)) == coalesce(var.stable_version, 1)"
    return {
        "stable_version": {
            "type": "number", "default": None,
            "description": "The version the alias keeps for the executions the canary does not "
                           "take (null: the newest version takes them all)",
            "validation": [{"condition": Expr(f"{whole} && coalesce(var.stable_version, 1) >= 1"),
                            "error_message": "stable_version is a published version's number "
                                             "(1, 2, ...) or null."}],
        },
        "canary_percent": {
            "type": "number", "default": alias.canary.percent, "nullable": False,
            "description": "The newest version's share of the executions, in percent, while "
                           "stable_version is set",
            "validation": [{"condition": Expr("floor(var.canary_percent) == var.canary_percent && "
                                              "var.canary_percent >= 0 && var.canary_percent <= 100"),
                            "error_message": "canary_percent is a whole number from 0 to 100."}],
        },
    }
