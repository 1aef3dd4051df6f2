"""Workflow + deployment -> a Terraform module in JSON syntax (``*.tf.json``). Pure.

The module reuses the compiled ASL: ``locals.definition`` is the definition in Terraform
template syntax, and the state machine receives ``jsonencode(local.definition)``. This module
holds what every deployment kind shares (``main.tf.json``, the state machine, its log group
and role, KMS, X-Ray, the shared inputs and outputs). The trigger comes from the deployment's
kind (``flowdsl.deployments``), and each task integration adds what it brings
(``flowdsl.tasks``), so a new kind of task or of deployment touches nothing here.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

from flowdsl.asl import Compiled
from flowdsl.deployments import alarms, versions
from flowdsl.deployments.registry import kind_of, known
from flowdsl.errors import Diagnostic, nearest_source
from flowdsl.frozen import frozen
from flowdsl.iam import Allow, merge, review
from flowdsl.refs import (ACCOUNT_ID, PARTITION, REGION, Join, Ref, ResourceAttr,
                          Rule, StateMachineArn, Var, Variable, join, matches)
from flowdsl.placeholders import (describe_number, dumps, escape, imprecise_numbers,
                                  refs_with_paths, template)
from flowdsl.states import State, Workflow, iter_states
from flowdsl.tasks import INTEGRATIONS
from flowdsl.tasks.policy import statements as state_machine_statements
from flowdsl.terraform_expr import KMS, Expr, addr, kms_statement, output, prefixed

# AWS name limits, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
# and each service's API reference, of the resources the shared pieces and more than one
# contributor create; a kind adds those of its own resources (``Kind.limits``).
LIMITS = {
    "aws_iam_role": 64,
    "aws_iam_policy": 128,
    "aws_sqs_queue": 80,
    "aws_sfn_state_machine": 80,
    "aws_batch_job_definition": 128,
    "aws_cloudwatch_log_group": 512,
}

# Module inputs every deployment has, beside the workflow's own variables and its kind's.
SETTINGS = ("kms_key_arn", "log_retention_days", "tracing_enabled", "tags",
            "permissions_boundary_arn", "role_path", "extra_policy_arns")

# The hashicorp/aws provider versions the module is written for: 5.x has
# data.aws_region.current.name, which 6.0 deprecates in favour of .region.
PROVIDER_VERSION = ">= 5.0, < 6.0"

# Resource types whose schema has ``tags`` (hashicorp/aws 5.x): every one the module creates
# gets the module input ``tags``. A provider's ``default_tags`` cannot be set from a child
# module, so each resource is tagged. tests/terraform/test_tf_module_conventions.py checks
# this set against the provider's schema.
TAGGABLE = frozenset({
    "aws_batch_job_definition", "aws_cloudwatch_event_rule", "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm", "aws_ecs_task_definition", "aws_iam_policy", "aws_iam_role",
    "aws_pipes_pipe", "aws_scheduler_schedule_group", "aws_sfn_state_machine", "aws_sns_topic",
    "aws_sqs_queue",
})

# CloudWatch Logs' retention periods (PutRetentionPolicy; 0: never expire, as the provider has it).
RETENTION_DAYS = (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)

# ARN shapes of the module's ARN inputs (RE2, matched whole).
_PARTITION = r"arn:aws[a-z-]*"
KMS_KEY_ARN = _PARTITION + r":kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+"
POLICY_ARN = _PARTITION + r":iam::([0-9]{12}|aws):policy/([!-~]*/)?[A-Za-z0-9+=,.@_-]{1,128}"
STATE_MACHINE_ARN = _PARTITION + r":states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}"
# An IAM path: "/" or "/a/b/" (printable ASCII between), at most 512 characters.
ROLE_PATH = r"/|/[!-~]{0,510}/"


@frozen
class Literal:
    """A value Terraform reads literally, not as a template: a variable's ``default`` and
    ``description`` are decoded without an evaluation context, so ``${x}`` in them stays
    ``${x}``. Written as is; escaping it would deploy ``$${x}``."""

    value: Any


def render(value: Any) -> Any:
    """Model values -> Terraform JSON: references interpolate, literal text is escaped."""
    if isinstance(value, Expr):
        return "${" + value.text + "}"
    if isinstance(value, Literal):
        return value.value
    if isinstance(value, Ref):
        return template(value)
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {escape(k): render(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v) for v in value]
    return value


def min_length(value: Any) -> int:
    """The shortest a name can get: literal text, and at least one character per reference."""
    if isinstance(value, Join):
        return sum(len(p) if isinstance(p, str) else 1 for p in value.parts)
    if isinstance(value, Ref):
        return 1
    return len(value) if isinstance(value, str) else 0


def max_length(value: Any, declared: dict[str, Variable]) -> int | None:
    """The longest a name can get, when every part's is known: literal text, the account id,
    and inputs whose rules bound their length (``length_between``, ``one_of``)."""
    parts = value.parts if isinstance(value, Join) else (value,)
    total = 0
    for p in parts:
        if isinstance(p, str):
            total += len(p)
        elif p == ACCOUNT_ID:
            total += 12
        elif isinstance(p, Var) and p.name in declared and declared[p.name].max_length is not None:
            total += declared[p.name].max_length or 0
        else:
            return None
    return total


def hcl_text(value: Any) -> str:
    """A name (text, a reference or a join) as a Terraform expression of type string."""
    if isinstance(value, str):
        return '"' + escape(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if not isinstance(value, Join):
        return value.address
    out = []
    for p in value.parts:
        out.append(escape(p).replace("\\", "\\\\").replace('"', '\\"') if isinstance(p, str)
                   else "${" + p.address + "}")
    return '"' + "".join(out) + '"'


def shown(value: Any) -> str:
    return template(value) if isinstance(value, Ref) else str(value)


class Module:
    """Collects the module's blocks, keyed by file, and what went wrong while doing so.
    What contributors use of it is :class:`flowdsl.terraform_expr.Module`."""

    def __init__(self, workflow: Workflow, compiled: Compiled) -> None:
        self.workflow = workflow
        self.compiled = compiled
        self.deployment: Any = workflow.deployment
        kind = kind_of(workflow.deployment)
        self.limits = {**LIMITS, **(kind.limits if kind is not None else {})}
        self.files: dict[str, dict[str, Any]] = {}
        self.owners: dict[tuple[str, str, str], str] = {}  # block -> the file holding it
        self.origins: dict[tuple[str, str, str], tuple[str, str | None]] = {}  # (owner, source)
        self.given: dict[tuple[str, str, str], dict[str, Any]] = {}  # as the contributor gave it
        self.diagnostics: list[Diagnostic] = []
        self.uses: list[tuple[str, Ref]] = []  # references that rendering turns into Expr
        self.outputs: dict[str, Any] = {}  # what integrations add to outputs.tf.json
        self.input_checks: dict[str, list[tuple[str, str]]] = {}  # input -> (condition, message)

    def error(self, code: str, path: str, message: str, source: str | None) -> None:
        self.diagnostics.append(Diagnostic(code, path, message, source))

    def block(self, file: str, kind: str, type_: str, name: str, body: dict[str, Any],
              owner: str, source: str | None = None) -> ResourceAttr:
        key = (kind, type_, name)
        if key in self.owners:
            if self.given[key] != body:
                self.error("duplicate-resource", owner,
                           f"{type_}.{name} would be created twice, with different settings",
                           source)
            return addr(type_, name, "arn")
        self.owners[key] = file
        self.origins[key] = (owner, source)
        self.given[key] = body
        if kind == "resource":
            body = self.conventions(type_, name, body, owner, source)
        self.files.setdefault(file, {}).setdefault(kind, {}).setdefault(type_, {})[name] = body
        if kind == "resource" and type_ == "aws_iam_role":
            self.extra_policies(file, name, owner, source)
        return addr(type_, name, "arn")

    def conventions(self, type_: str, name: str, body: dict[str, Any], owner: str,
                    source: str | None) -> dict[str, Any]:
        """What every resource of the module gets, whoever adds it: the module input ``tags``
        on each taggable type; on each role the permissions boundary and the path; and a
        name-length check at build time where the name's parts are known, else at plan (a
        precondition naming the inputs to shorten)."""
        body = dict(body)
        if type_ in TAGGABLE and "tags" not in body:
            body["tags"] = Expr("var.tags")
        if type_ == "aws_iam_role":
            body.setdefault("path", Expr("var.role_path"))
            body.setdefault("permissions_boundary", Expr("var.permissions_boundary_arn"))
        limit = self.limits.get(type_)
        if limit and "name" in body:
            self.check_name(type_, name, body, limit, owner, source)
        return body

    def check_name(self, type_: str, name: str, body: dict[str, Any], limit: int, owner: str,
                   source: str | None) -> None:
        value = body["name"]
        declared = {v.name: v for v in self.workflow.variables}
        where = f"workflow {self.workflow.name!r}: {type_}.{name}"
        low, high = min_length(value), max_length(value, declared)
        if low > limit:
            self.error("name-too-long", owner,
                       f"{where}: the name {shown(value)!r} is at least {low} characters; "
                       f"AWS allows {limit}", source)
            return
        if high is not None and high > limit:
            bounded = sorted(p.name for p in (value.parts if isinstance(value, Join) else ())
                             if isinstance(p, Var) and p.name in declared
                             and declared[p.name].max_length is not None)
            self.error("name-too-long", owner,
                       f"{where}: the name {shown(value)!r} can be {high} characters long "
                       f"with the longest values {', '.join(bounded)} allow; AWS allows {limit}: "
                       "lower their length_between() bound or shorten the literal parts", source)
            return
        if high is not None or not isinstance(value, Ref):
            return
        inputs = sorted({p.name for p in value.leaves() if isinstance(p, Var)})
        text = hcl_text(value)
        lifecycle = body["lifecycle"] = dict(body.get("lifecycle", {}))
        lifecycle["precondition"] = [*lifecycle.get("precondition", ()), {
            "condition": Expr(f"length({text}) <= {limit}"),
            "error_message": Literal(
                f"{type_}.{name}: the name \"{template(value)}\" is ${{length({text})}} "
                f"characters; AWS allows {limit}"
                + (f": shorten {' or '.join(inputs)}." if inputs else ".")),
        }]

    def extra_policies(self, file: str, role: str, owner: str, source: str | None) -> None:
        """The managed policies of the module input ``extra_policy_arns``, attached to ``role``."""
        self.resource(file, "aws_iam_role_policy_attachment", f"{role}_extra", {
            "count": Expr("length(var.extra_policy_arns)"),
            "role": Expr(f"aws_iam_role.{role}.name"),
            "policy_arn": Expr("var.extra_policy_arns[count.index]"),
        }, owner, source)

    def check_input(self, ref: Any, condition: str, message: str) -> None:
        if isinstance(ref, Var):
            rules = self.input_checks.setdefault(ref.name, [])
            if (condition, message) not in rules:
                rules.append((condition, message))

    def local(self, file: str, name: str, value: Any, owner: str) -> Expr:
        self.block(file, "locals", "", name, value, owner)
        return Expr(f"local.{name}")

    def resource(self, file: str, type_: str, name: str, body: dict[str, Any], owner: str,
                 source: str | None = None) -> ResourceAttr:
        return self.block(file, "resource", type_, name, body, owner, source)

    def policy_document(self, file: str, name: str, statements: tuple[Allow, ...],
                        owner: str, extra: dict[str, Any] | None = None) -> Expr:
        body: dict[str, Any] = {"statement": [_statement(s) for s in merge(statements)]}
        if extra:
            body.update(extra)
        self.block(file, "data", "aws_iam_policy_document", name, body, owner)
        return Expr(f"data.aws_iam_policy_document.{name}.json")

    def role(self, file: str, name: str, role_name: Any, service: str, owner: str,
             source: str | None, same_account: bool = False, source_arn: Any = None) -> ResourceAttr:
        """A role ``service`` assumes. Against the confused-deputy problem, ``same_account``
        adds the ``aws:SourceAccount`` condition, and ``source_arn`` both it and
        ``aws:SourceArn`` (ArnLike: the one resource, or a pattern, acting through the role).
        A role scoped to its resource has a trust policy of its own, ``assume_<name>``; the
        others share ``assume_<principal>``."""
        principal = service.split(".")[0].replace("-", "_")  # ecs-tasks.amazonaws.com -> ecs_tasks
        statement: dict[str, Any] = {
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": [service]}]}
        conditions = []
        if same_account or source_arn is not None:
            conditions.append({"test": "StringEquals", "variable": "aws:SourceAccount",
                               "values": [ACCOUNT_ID]})
        if source_arn is not None:
            conditions.append({"test": "ArnLike", "variable": "aws:SourceArn",
                               "values": list(source_arn) if isinstance(source_arn, tuple) else [source_arn]})
        if conditions:
            statement["condition"] = conditions
        trust = f"assume_{name}" if source_arn is not None else f"assume_{principal}"
        self.block("iam.tf.json", "data", "aws_iam_policy_document", trust, {
            "statement": [statement],
        }, trust)
        self.resource(file, "aws_iam_role", name, {
            "name": role_name,
            "assume_role_policy": Expr(f"data.aws_iam_policy_document.{trust}.json"),
        }, owner, source)
        return addr("aws_iam_role", name, "arn")

    def policy(self, file: str, name: str, policy_name: Any, role: str,
               document: Expr, owner: str, source: str | None, count: Expr | None = None) -> str:
        body: dict[str, Any] = {"name": policy_name, "policy": document}
        attach: dict[str, Any] = {"role": Expr(f"aws_iam_role.{role}.name"),
                                  "policy_arn": Expr(f"aws_iam_policy.{name}[0].arn" if count
                                                     else f"aws_iam_policy.{name}.arn")}
        if count is not None:
            body = {"count": count, **body}
            attach = {"count": count, **attach}
        self.resource(file, "aws_iam_policy", name, body, owner, source)
        self.resource(file, "aws_iam_role_policy_attachment", name, attach, owner, source)
        return f"aws_iam_role_policy_attachment.{name}"


def _statement(s: Allow) -> dict[str, Any]:
    out: dict[str, Any] = {"effect": "Allow", "actions": list(s.actions),
                           "resources": list(s.resources)}
    if s.sid:
        out["sid"] = s.sid
    if s.conditions:
        out["condition"] = [{"test": t, "variable": v, "values": list(vals)}
                            for t, v, vals in s.conditions]
    return out


# pieces -------------------------------------------------------------------------------------------

# Log delivery to CloudWatch Logs is configured through these APIs, which accept only "*"
# as their resource: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
LOG_DELIVERY = Allow((
    "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
    "logs:PutResourcePolicy", "logs:UpdateLogDelivery"), ("*",))
# X-Ray's write APIs have no resource-level permissions either.
XRAY = Allow(("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
              "xray:PutTraceSegments"), ("*",))


def state_machine_piece(m: Module) -> None:
    d, src = m.deployment, m.deployment.source
    group_name = d.logging.group_name or join("/aws/vendedlogs/states/", d.resource_name)
    if d.logging.retention_days not in RETENTION_DAYS or isinstance(d.logging.retention_days, bool):
        m.error("bad-retention", "deployment.logging.retention_days",
                f"workflow {m.workflow.name!r}: CloudWatch Logs keeps logs for one of "
                f"{', '.join(map(str, RETENTION_DAYS))} days, not {d.logging.retention_days!r}",
                src)
    m.resource("state_machine.tf.json", "aws_cloudwatch_log_group", "state_machine", {
        "name": group_name,
        "retention_in_days": Expr("var.log_retention_days"),
        "kms_key_id": KMS,
    }, "deployment.logging", src)
    # Built from its name: the state machine refers to the role, so the role's trust policy
    # cannot refer to the state machine.
    m.role("state_machine.tf.json", "state_machine", prefixed(m, "-SfnRole"),
           "states.amazonaws.com", "deployment", src,
           source_arn=versions.trusted(join("arn:", PARTITION, ":states:", REGION, ":", ACCOUNT_ID,
                                            ":stateMachine:", d.resource_name), d))
    statements: list[Allow] = [LOG_DELIVERY, *state_machine_statements(m.workflow, m)]
    doc = m.policy_document("state_machine.tf.json", "state_machine", tuple(statements),
                            "deployment", extra=kms_statement("kms:Decrypt", "kms:GenerateDataKey"))
    attachments = [m.policy("state_machine.tf.json", "state_machine", prefixed(m, "-SfnPolicy"),
                            "state_machine", doc, "deployment", src)]
    xray_doc = m.policy_document("state_machine.tf.json", "state_machine_xray", (XRAY,),
                                 "deployment")
    attachments.append(m.policy("state_machine.tf.json", "state_machine_xray",
                                prefixed(m, "-SfnXRayPolicy"), "state_machine", xray_doc,
                                "deployment", src, count=Expr("var.tracing_enabled ? 1 : 0")))
    definition = m.local("state_machine.tf.json", "definition", m.compiled.definition, "definition")
    m.resource("state_machine.tf.json", "aws_sfn_state_machine", "state_machine", {
        "name": d.resource_name,
        "type": d.type,
        "role_arn": addr("aws_iam_role", "state_machine", "arn"),
        "definition": Expr(f"jsonencode({definition.text})"),
        "logging_configuration": {
            "log_destination": join(addr("aws_cloudwatch_log_group", "state_machine", "arn"), ":*"),
            "include_execution_data": d.logging.include_execution_data,
            "level": d.logging.level,
        },
        "tracing_configuration": {"enabled": Expr("var.tracing_enabled")},
        **versions.state_machine_fields(d),  # publish: a version per change, with alias=
        "dynamic": {"encryption_configuration": {
            "for_each": Expr("var.kms_key_arn == null ? [] : [var.kms_key_arn]"),
            "content": {"kms_key_id": Expr("encryption_configuration.value"),
                        "type": "CUSTOMER_MANAGED_KMS_KEY",
                        "kms_data_key_reuse_period_seconds": 300},
        }},
        "depends_on": attachments,
    }, "deployment", src)


def variable_body(v: Variable) -> dict[str, Any]:
    """A workflow's own variable, as Terraform declares it."""
    body: dict[str, Any] = {"type": v.type}
    if v.description:
        body["description"] = Literal(v.description)
    if v.default is not None:
        body["default"] = Literal(v.default)
    elif v.optional:
        body["default"] = None
    if v.sensitive:
        body["sensitive"] = True
    if v.nullable is not None:
        body["nullable"] = v.nullable
    if v.validation:
        nullable = v.optional and v.nullable is not False
        body["validation"] = [_block(*r.terraform(v.name, nullable, v.type)) for r in v.validation]
    return body


def _block(condition: str, message: str) -> dict[str, Any]:
    """A ``validation`` block: the condition is an expression, the message a template."""
    return {"condition": Expr(condition), "error_message": message}


def _rules(name: str, *rules: Rule, nullable: bool = False) -> list[dict[str, Any]]:
    return [_block(*r.terraform(name, nullable)) for r in rules]


def settings(m: Module) -> dict[str, dict[str, Any]]:
    """The inputs every module has, with AWS's limits as validations."""
    d = m.deployment
    kind = kind_of(d)
    return {
        "kms_key_arn": {
            "type": "string", "default": None,
            "description": f"KMS key for {kind.encrypts if kind else 'the state machine'}; "
                           "null uses AWS-managed encryption",
            "validation": _rules("kms_key_arn", matches(KMS_KEY_ARN, "a KMS key ARN "
                                 "(arn:<partition>:kms:<region>:<account>:key/<id>) or null"),
                                 nullable=True)},
        "log_retention_days": {
            "type": "number", "default": d.logging.retention_days, "nullable": False,
            "description": "Retention of the state machine's log group, in days (0: never expire)",
            "validation": [_block(
                f"contains({list(RETENTION_DAYS)}, var.log_retention_days)".replace(" ", ""),
                "log_retention_days must be a retention CloudWatch Logs offers: "
                + ", ".join(map(str, RETENTION_DAYS)) + ".")]},
        "tracing_enabled": {"type": "bool", "default": d.tracing, "nullable": False,
                            "description": "X-Ray tracing of executions"},
        "tags": {
            "type": "map(string)", "default": {}, "nullable": False,
            "description": "Tags for every resource of the module that takes tags",
            "validation": [_block(
                "length(var.tags) <= 50 && alltrue([for k, v in var.tags : "
                "length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && "
                "!startswith(lower(k), \"aws:\")])",
                "tags: AWS takes at most 50 tags, each key 1-128 characters not starting with "
                "\"aws:\", each value at most 256 characters.")]},
        "permissions_boundary_arn": {
            "type": "string", "default": None,
            "description": "ARN of the managed policy set as the permissions boundary of every "
                           "role the module creates; null: none",
            "validation": _rules("permissions_boundary_arn", matches(
                POLICY_ARN, "an IAM policy ARN (arn:<partition>:iam::<account>:policy/<name>) "
                "or null"), nullable=True)},
        "role_path": {
            "type": "string", "default": "/", "nullable": False,
            "description": "IAM path of every role the module creates",
            "validation": _rules("role_path", matches(ROLE_PATH, "an IAM path: \"/\", or "
                                 "\"/\" and printable ASCII ending with \"/\", at most 512 "
                                 "characters"))},
        "extra_policy_arns": {
            "type": "list(string)", "default": [], "nullable": False,
            "description": "ARNs of managed policies attached to every role the module creates, "
                           "beside the policies it derives",
            "validation": [_block(
                "alltrue([for arn in var.extra_policy_arns : "
                f"can(regex({hcl_text('^(?:' + POLICY_ARN + ')$')}, arn))])",
                "extra_policy_arns must be IAM policy ARNs "
                "(arn:<partition>:iam::<account>:policy/<name>).")]},
    }


def variables_piece(m: Module) -> None:
    d = m.deployment
    kind = kind_of(d)
    own = {**(kind.variables(d) if kind else {}), **versions.variables(d), **alarms.variables(d)}
    out: dict[str, Any] = {}
    for v in m.workflow.variables:
        if v.name in SETTINGS or v.name in own:
            m.error("variable-clash", f"variables.{v.name}",
                    f"variable {v.name!r} is a setting every {kind.name if kind else ''} job module "
                    "has; rename it", m.workflow.source)
            continue
        out[v.name] = variable_body(v)
        for condition, message in m.input_checks.get(v.name, ()):
            if not v.required and v.default is None:  # an optional input: null passes
                condition = f"var.{v.name} == null || try({condition}, false)"
            out[v.name].setdefault("validation", []).append(_block(condition, message))
    out.update(settings(m))
    out.update(own)
    for ref in workflow_refs(m):
        out[ref.variable] = {
            "type": "string", "nullable": False,
            "description": f"ARN of the state machine of workflow {ref.workflow!r} "
                           f"(its module's state_machine_arn output)",
            "validation": _rules(ref.variable, matches(
                STATE_MACHINE_ARN, "a state machine ARN (arn:<partition>:states:<region>:"
                "<account>:stateMachine:<name>)"))}
    m.files["variables.tf.json"] = {"variable": out}


def workflow_refs(m: Module) -> list[StateMachineArn]:
    """The other flowdsl workflows this one starts (``other.arn``), each a module input."""
    found = {ref.variable: ref for _, ref in refs_with_paths(m.compiled.definition, "$")
             if isinstance(ref, StateMachineArn)}
    return [found[k] for k in sorted(found)]


def outputs_piece(m: Module) -> None:
    out: dict[str, Any] = {
        "state_machine_arn": output("aws_sfn_state_machine", "state_machine", "arn",
                                    "ARN of the state machine"),
        "state_machine_name": output("aws_sfn_state_machine", "state_machine", "name",
                                     "Name of the state machine"),
        "state_machine_role_arn": output("aws_iam_role", "state_machine", "arn",
                                         "ARN of the IAM role the state machine runs as"),
        "log_group_name": output("aws_cloudwatch_log_group", "state_machine", "name",
                                 "Name of the state machine's CloudWatch log group"),
    }
    kind = kind_of(m.deployment)
    if kind is not None:
        out.update(kind.outputs(m))
    out.update(m.outputs)
    roles = sorted(n for (k, t, n) in m.owners if (k, t) == ("resource", "aws_iam_role"))
    out["role_arns"] = {"value": {n: addr("aws_iam_role", n, "arn") for n in roles},
                        "description": "ARN of every IAM role the module creates, by its "
                                       "Terraform name"}
    m.files["outputs.tf.json"] = {"output": out}


def assemble(workflow: Workflow, compiled: Compiled) -> Module:
    m = Module(workflow, compiled)
    kind = kind_of(workflow.deployment)
    if kind is None:
        m.error("bad-deployment", "deployment",
                f"deployment must be one of {known()}, not {type(workflow.deployment).__name__}",
                workflow.source)
        return m
    m.files["main.tf.json"] = {
        "terraform": {"required_version": ">= 1.5", "required_providers": {
            "aws": {"source": "hashicorp/aws", "version": PROVIDER_VERSION}}},
        "data": {"aws_caller_identity": {"current": {}}, "aws_region": {"current": {}},
                 "aws_partition": {"current": {}}},
    }
    kind.terraform(m)
    state_machine_piece(m)
    versions.terraform(m)  # alias=: the alias the trigger starts
    alarms.terraform(m, kind.alarms)  # alarms=: the state machine's and the trigger's
    by_kind: dict[type, list[State]] = {}
    for st in iter_states(workflow.states):
        by_kind.setdefault(type(st), []).append(st)
    for kind, states in by_kind.items():
        integration = INTEGRATIONS.get(kind)
        if integration is not None:
            integration.terraform(m, states)
    variables_piece(m)
    outputs_piece(m)
    return m


def _flatten(blocks: dict[str, Any]) -> dict[str, Any]:
    """``locals`` are stored under an empty type; Terraform wants them flat."""
    out = {}
    for kind, by_type in blocks.items():
        if kind == "locals":
            out[kind] = by_type[""]
        else:
            out[kind] = by_type
    return out


def check_module(workflow: Workflow, m: Module) -> list[Diagnostic]:
    """What went wrong while assembling the module. Variables are checked on the model, before
    assembly (``flowdsl.variables``), so each undeclared one is reported once, where it is used."""
    return list(m.diagnostics) + _imprecise(m)


def _imprecise(m: Module) -> list[Diagnostic]:
    """An integer Terraform would round (see ``survives_terraform``): the definition, the job
    and task definitions, the event pattern and the schedule input all pass through Terraform
    as numbers, so it would deploy as another number. A local run keeps it; the build refuses."""
    out = []
    by_owner: dict[str, str] = {}  # a local has no source of its own: its owner's other blocks
    for owner, source in m.origins.values():
        if source:
            by_owner.setdefault(owner, source)
    for file in sorted(m.files):
        for kind, by_type in m.files[file].items():
            if kind not in ("resource", "data", "locals"):
                continue  # inputs, outputs and settings: flowdsl's own values
            for type_, named in by_type.items():
                for name, body in named.items():
                    owner, source = m.origins.get((kind, type_, name), (name, None))
                    definition = (kind, name) == ("locals", "definition")
                    for path, number in imprecise_numbers(body, "$" if definition else owner):
                        where = (nearest_source(m.compiled.sources, path) if definition
                                 else source or nearest_source(by_owner, owner))
                        out.append(Diagnostic(
                            "number-too-precise", path,
                            f"the integer {describe_number(number)} has more digits than "
                            "Terraform keeps (it would deploy rounded): write it as a string, "
                            "or as a float if an approximation will do",
                            where or m.workflow.source))
    return out


def render_files(m: Module) -> dict[str, str]:
    """The module's ``*.tf.json`` files, deterministic text."""
    return {name: dumps(render(_flatten(blocks))) for name, blocks in sorted(m.files.items())}


def permission_warnings(workflow: Workflow) -> list[Diagnostic]:
    """Warnings about what the workflow grants by hand: the ``permissions=`` of its states,
    of the resources they define (a job or task definition's role), and of the workflow."""
    out: list[Diagnostic] = []
    seen: set[int] = set()
    for st in iter_states(workflow.states):
        if id(st) in seen:
            continue
        seen.add(id(st))
        out += review(getattr(st, "permissions", ()) or (), f"state {st.name!r}",
                      f"states.{st.name}.permissions", st.source)
        for field in _fields(type(st)):
            held = getattr(st, field)
            if isinstance(held, (str, tuple, State)) or held is None or id(held) in seen \
                    or not attrs.has(type(held)):
                continue
            grants = getattr(held, "permissions", None)
            ident = getattr(held, "id", None)
            if grants and isinstance(ident, str):  # a definition the state brings, with a role
                seen.add(id(held))
                out += review(grants, f"{_words(type(held).__name__)} {ident!r}",
                              f"states.{st.name}.{field}.permissions",
                              getattr(held, "source", None))
    out += review(getattr(workflow, "permissions", ()) or (), f"workflow {workflow.name!r}",
                  "permissions", workflow.source)
    return out


@functools.cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls) if f.name not in ("name", "source", "comment"))


def _words(name: str) -> str:
    """``JobDefinition`` -> ``job definition``."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
