"""Full Terraform lifecycle of a module against the moto server, as one call.

``lifecycle(module_dir, tfvars, endpoint)``: copy -> provider file -> init -> validate ->
``before_apply(terraform)`` hook (plans that must fail, say, with the provider already installed) ->
apply -> ``inspect(report)`` hook -> ``plan -detailed-exitcode`` (must be 0) -> destroy ->
inventory diff (must be empty).  Two ways to wire the module:

* ``mode="root"``: the module is the root; the harness drops ``harness_provider.tf.json`` and
  ``terraform.tfvars.json`` beside it (fails with "Duplicate provider configuration" if the
  module carries its own provider block, which it must not).
* ``mode="child"``: a wrapper root ``module "under_test" { source = "./module", ...tfvars }``
  re-exporting every output of the module (how users consume flowdsl's output).

``children={"name": tfvars}`` (root mode) adds, in the same root and so in the same apply, the
module once more per entry as a child, ``module "name" { source = "./module", ...tfvars }``,
whose outputs the root re-exports as ``name__<output>``: both ways of wiring a module deploy in
one provider start, and their slow resources (an SQS queue takes about 25 s to settle in the
provider) are created side by side. :meth:`LifecycleReport.view` gives one instance's outputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from .moto_server import MotoEndpoint
from .terraform import Terraform, TerraformError, copy_module, new_workdir

Mode = Literal["root", "child"]


# --------------------------------------------------------------------------- static helpers
def _module_docs(module_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(module_dir).glob("*.tf.json"))]


def module_outputs(module_dir: str | os.PathLike) -> list[str]:
    names: set[str] = set()
    for doc in _module_docs(Path(module_dir)):
        names.update((doc.get("output") or {}).keys())
    for p in Path(module_dir).glob("*.tf"):
        names.update(re.findall(r'^\s*output\s+"([^"]+)"', p.read_text(), re.M))
    return sorted(names)


def module_variables(module_dir: str | os.PathLike) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for doc in _module_docs(Path(module_dir)):
        out.update(doc.get("variable") or {})
    for p in Path(module_dir).glob("*.tf"):
        for name in re.findall(r'^\s*variable\s+"([^"]+)"', p.read_text(), re.M):
            out.setdefault(name, {})
    return out


def provider_blocks(module_dir: str | os.PathLike) -> list[str]:
    """Files of the module that declare a ``provider`` block (should be none)."""
    bad = [p.name for p, doc in ((p, json.loads(p.read_text())) for p in sorted(Path(module_dir).glob("*.tf.json")))
           if doc.get("provider")]
    bad += [p.name for p in Path(module_dir).glob("*.tf") if re.search(r'^\s*provider\s+"', p.read_text(), re.M)]
    return bad


# --------------------------------------------------------------------------- inventory
def inventory(ep: MotoEndpoint) -> dict[str, set[str]]:
    """Everything a flowdsl module can create, as visible through the moto endpoint."""
    inv: dict[str, set[str]] = {}
    sqs = ep.client("sqs")
    inv["sqs"] = set(sqs.list_queues().get("QueueUrls", []))
    inv["sfn"] = {m["stateMachineArn"] for m in ep.client("stepfunctions").list_state_machines()["stateMachines"]}
    inv["pipes"] = {p["Arn"] for p in ep.client("pipes").list_pipes().get("Pipes", [])}
    inv["batch_job_definitions"] = {
        d["jobDefinitionArn"]
        for d in ep.client("batch").describe_job_definitions(status="ACTIVE").get("jobDefinitions", [])
        if d.get("status", "ACTIVE") == "ACTIVE"
    }
    scheduler = ep.client("scheduler")
    inv["schedules"] = {f"{s['GroupName']}/{s['Name']}" for s in scheduler.list_schedules().get("Schedules", [])}
    inv["schedule_groups"] = {g["Name"] for g in scheduler.list_schedule_groups().get("ScheduleGroups", [])
                              if g["Name"] != "default"}
    events = ep.client("events")
    inv["event_rules"] = {r["Arn"] for bus in events.list_event_buses().get("EventBuses", [])
                          for r in events.list_rules(EventBusName=bus["Name"]).get("Rules", [])}
    inv["log_groups"] = {g["logGroupName"] for g in ep.client("logs").describe_log_groups().get("logGroups", [])}
    iam = ep.client("iam")
    inv["iam_roles"] = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    inv["iam_policies"] = {p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}
    inv["kms_keys"] = {
        k["KeyId"] for k in ep.client("kms").list_keys()["Keys"]
        if ep.client("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] not in ("PendingDeletion",)
    }
    return inv


def inventory_diff(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, list[str]]:
    return {k: sorted(after[k] - before.get(k, set())) for k in after if after[k] - before.get(k, set())}


# --------------------------------------------------------------------------- lifecycle
@dataclass
class LifecycleReport:
    module_dir: Path
    mode: Mode
    workdir: Path
    validate: dict = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    plan_exitcode: int | None = None
    plan_stdout: str = ""
    created: dict[str, list[str]] = field(default_factory=dict)    # inventory diff after apply
    leftovers: dict[str, list[str]] = field(default_factory=dict)  # inventory diff after destroy
    destroy_retries: int = 0  # destroys run again after a transport failure (see destroy())
    timings: dict[str, float] = field(default_factory=dict)
    inspected: Any = None
    checkov: Any = None  # CheckovReport when lifecycle(checkov=True)

    def view(self, child: str | None = None) -> "LifecycleReport":
        """This report with the outputs of one instance: the root's (``child=None``) or those of
        the child module ``child`` (``children=`` of :func:`lifecycle`), without its prefix."""
        import dataclasses

        prefix = f"{child}__" if child else None
        if prefix is None:
            outputs = {k: v for k, v in self.outputs.items() if "__" not in k}
        else:
            outputs = {k[len(prefix):]: v for k, v in self.outputs.items() if k.startswith(prefix)}
        return dataclasses.replace(self, outputs=outputs)

    @property
    def resource_addresses(self) -> list[str]:
        out: list[str] = []

        def walk(mod: dict) -> None:
            out.extend(r["address"] for r in mod.get("resources", []) if r.get("mode") == "managed")
            for child in mod.get("child_modules", []):
                walk(child)

        walk(self.state.get("values", {}).get("root_module", {}))
        return sorted(out)

    def resources(self, type_: str) -> list[dict]:
        found: list[dict] = []

        def walk(mod: dict) -> None:
            found.extend(r for r in mod.get("resources", []) if r.get("type") == type_ and r.get("mode") == "managed")
            for child in mod.get("child_modules", []):
                walk(child)

        walk(self.state.get("values", {}).get("root_module", {}))
        return found


def prepare_workdir(module_dir: str | os.PathLike, tfvars: dict, ep: MotoEndpoint | None, mode: Mode = "root",
                    workdir: Path | None = None, children: dict[str, dict] | None = None) -> Path:
    wd = workdir or new_workdir(prefix=f"flowdsl-tf-{Path(module_dir).name}-{mode}-")
    assert not children or mode == "root", "children= adds child instances to a root-mode module"
    if mode == "root":
        copy_module(module_dir, wd)
        (wd / "terraform.tfvars.json").write_text(json.dumps(tfvars, indent=2))
        if children:
            copy_module(module_dir, wd / "module")
            outputs = module_outputs(module_dir)
            extra = {
                "module": {name: {"source": "./module", **values} for name, values in children.items()},
                "output": {f"{name}__{o}": {"value": f"${{module.{name}.{o}}}"}
                           for name in children for o in outputs},
            }
            (wd / "harness_children.tf.json").write_text(json.dumps(extra, indent=2))
    else:
        copy_module(module_dir, wd / "module")
        wrapper = {
            "module": {"under_test": {"source": "./module", **tfvars}},
            "output": {o: {"value": f"${{module.under_test.{o}}}"} for o in module_outputs(module_dir)},
        }
        (wd / "main.tf.json").write_text(json.dumps(wrapper, indent=2))
    if ep is not None:
        (wd / "harness_provider.tf.json").write_text(json.dumps(ep.provider_config(), indent=2))
    return wd


# How a request to the emulator failed in transport, not in what it answered: the provider's
# connection closed under it or reset. Terraform's own retries are off (max_retries = 1).
TRANSPORT_ERRORS = ("use of closed network connection", "connection reset by peer", "unexpected EOF")


def destroy(tf: Terraform, rep: LifecycleReport) -> None:
    """``terraform destroy``, once more when the first failed in transport (its state already
    has what the first destroyed); ``rep.destroy_retries`` counts it."""
    try:
        tf.destroy()
    except TerraformError as e:
        if not any(text in e.result.stderr for text in TRANSPORT_ERRORS):
            raise
        rep.destroy_retries += 1
        tf.destroy()


def lifecycle(
    module_dir: str | os.PathLike,
    tfvars: dict,
    endpoint: MotoEndpoint,
    *,
    mode: Mode = "root",
    inspect: Callable[[LifecycleReport, MotoEndpoint], Any] | None = None,
    before_apply: Callable[[Terraform], Any] | None = None,
    check_plan_clean: bool = True,
    check_no_leftovers: bool = True,
    keep_workdir: bool | None = None,
    checkov: bool = False,
    children: dict[str, dict] | None = None,
) -> LifecycleReport:
    """Run the whole lifecycle; raises AssertionError (with terraform output) on any failure.

    ``checkov=True``: run checkov (terraform_plan framework) on the post-apply no-op plan, so
    every value (policy JSON with real ARNs, nulls, conditionals) is resolved -> ``report.checkov``.

    Destroy is attempted even when a step (or ``inspect``) fails, so moto stays clean.
    """
    module_dir = Path(module_dir)
    assert not provider_blocks(module_dir), f"module declares provider blocks in {provider_blocks(module_dir)}"
    wd = prepare_workdir(module_dir, tfvars, endpoint, mode, children=children)
    rep = LifecycleReport(module_dir=module_dir, mode=mode, workdir=wd)
    tf = Terraform(wd)
    before = inventory(endpoint)
    applied = False
    ok = False
    try:
        tf.init()
        rep.validate = tf.validate()
        assert rep.validate.get("valid"), f"terraform validate failed: {json.dumps(rep.validate, indent=2)}"
        if before_apply is not None:
            before_apply(tf)
        applied = True
        tf.apply()
        rep.outputs = tf.output()
        rep.state = tf.state()
        rep.created = inventory_diff(before, inventory(endpoint))
        if inspect is not None:
            rep.inspected = inspect(rep, endpoint)
        binplan = wd / ".tfharness" / "tfplan.bin"
        plan = tf.plan(out=binplan)
        if checkov:
            from .checkov import run_checkov_plan

            pj = wd / ".tfharness" / "tfplan.json"
            pj.write_text(tf.show_json(binplan))
            rep.checkov = run_checkov_plan(pj)
        rep.plan_exitcode, rep.plan_stdout = plan.returncode, plan.stdout
        if check_plan_clean:
            assert plan.returncode == 0, f"plan after apply is not empty (perpetual diff):\n{plan.stdout[-6000:]}"
        ok = True
    finally:
        if applied:
            try:
                destroy(tf, rep)
                rep.leftovers = inventory_diff(before, inventory(endpoint))
            except TerraformError:
                if ok:
                    raise
        rep.timings = dict(tf.timings)
        keep = keep_workdir if keep_workdir is not None else bool(os.environ.get("FLOWDSL_KEEP_TF_WORKDIR"))
        if keep_workdir is False or (ok and not keep):  # failures keep theirs for debugging
            shutil.rmtree(wd, ignore_errors=True)
    if check_no_leftovers:
        assert not rep.leftovers, f"destroy left resources behind: {rep.leftovers}"
    return rep
