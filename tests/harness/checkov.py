"""checkov in its own cached virtualenv, run fully offline, JSON output parsed.

checkov pins many dependencies (boto3, networkx, ...), so it lives in its own venv, created
once and reused: ``$FLOWDSL_CHECKOV_VENV`` or ``~/.cache/flowdsl/checkov-venv``.  Set
``FLOWDSL_CHECKOV=/path/to/checkov`` to use an existing binary instead.

Offline: no ``--bc-api-key`` (so no platform upload), ``--skip-download`` (no guideline /
policy download), ``BC_SKIP_MAPPING=TRUE`` (no check-id mapping fetch), SCA/secrets
frameworks not run (``--framework terraform``), ``CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false``.
Network failures of checkov cannot fail a test: only the JSON report is consulted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# pinned: check ids and their results change between releases
CHECKOV_SPEC = os.environ.get("FLOWDSL_CHECKOV_SPEC", "checkov==3.3.30")
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "CKV_IGNORE_HIDDEN_DIRECTORIES": "true",
    "LOG_LEVEL": "ERROR",
    "PYTHONWARNINGS": "ignore",
}


def _fail(msg: str) -> None:
    import pytest

    pytest.fail(msg, pytrace=False)


def checkov_venv_dir() -> Path:
    return Path(os.environ.get("FLOWDSL_CHECKOV_VENV") or Path.home() / ".cache" / "flowdsl" / "checkov-venv")


@lru_cache(maxsize=1)
def checkov_binary() -> str:
    """Path to checkov, installing it into the cached venv on first use (~15 s from a PyPI mirror)."""
    explicit = os.environ.get("FLOWDSL_CHECKOV")
    if explicit:
        return explicit
    venv = checkov_venv_dir()
    exe = venv / "bin" / "checkov"
    marker = venv / ".flowdsl-ok"

    def usable() -> bool:
        if marker.exists() and exe.exists():
            return marker.read_text().strip() == CHECKOV_SPEC
        return False

    if usable():
        return str(exe)
    venv.parent.mkdir(parents=True, exist_ok=True)
    import fcntl
    import shutil

    with open(venv.parent / ".checkov-venv.lock", "w") as fh:  # parallel sessions: one installer
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not usable():
            shutil.rmtree(venv, ignore_errors=True)  # half-built venv from an interrupted run
            try:
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
                subprocess.run([str(venv / "bin" / "pip"), "install", "-q", CHECKOV_SPEC],
                               check=True, capture_output=True, text=True, timeout=900)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                _fail(f"could not install {CHECKOV_SPEC} into {venv}: {getattr(exc, 'stderr', '')!s:.3000}")
            marker.write_text(CHECKOV_SPEC + "\n")
    return str(exe)


@dataclass(frozen=True)
class FailedCheck:
    check_id: str
    resource: str
    name: str
    file: str


@dataclass
class CheckovReport:
    failed: list[FailedCheck] = field(default_factory=list)
    passed: int = 0
    parsing_errors: list[str] = field(default_factory=list)
    resource_count: int = 0
    seconds: float = 0.0
    raw: object = None

    @property
    def failed_ids(self) -> list[str]:
        return sorted(f.check_id for f in self.failed)

    @property
    def failed_pairs(self) -> list[tuple[str, str]]:
        return sorted((f.check_id, f.resource) for f in self.failed)


def run_checkov_plan(plan_json: str | os.PathLike, *, skip_checks: list[str] = ()) -> CheckovReport:
    """checkov over ``terraform show -json <planfile>`` (framework terraform_plan).

    Most faithful mode: variables, defaults, nulls and conditionals are already resolved by
    Terraform.  Use a plan made *after* apply (no-op plan) so that policy documents built from
    resource ARNs are known; before apply they are "known after apply" and go unchecked.
    """
    return run_checkov(plan_json, _plan=True, skip_checks=skip_checks)


def run_checkov(directory: str | os.PathLike, var_files: list[str | os.PathLike] = (), *,
                skip_checks: list[str] = (), extra_args: list[str] = (), _plan: bool = False) -> CheckovReport:
    """checkov -d <directory> --framework terraform -o json, offline; returns the parsed report.

    ``var_files`` are HCL ``.tfvars`` files (checkov evaluates variables from them and defaults).
    """
    exe = checkov_binary()
    scan_dir = Path(directory)
    tmp = None
    if not _plan and any(scan_dir.glob("*.tf.json")):
        # checkov's terraform_json framework cannot evaluate variables (and crashes on
        # terraform.required_version): scan an exact HCL rendering instead.
        from .tfjson_hcl import tfjson_to_hcl

        tmp = Path(tempfile.mkdtemp(prefix="flowdsl-checkov-"))
        scan_dir = tfjson_to_hcl(directory, tmp / Path(directory).name)
    target = ["-f", str(scan_dir), "--framework", "terraform_plan"] if _plan else ["-d", str(scan_dir), "--framework", "terraform"]
    args = [exe, *target, "-o", "json", "--quiet",
            "--skip-download", "--compact", *[f"--var-file={v}" for v in var_files], *extra_args]
    if skip_checks:
        args.append("--skip-check=" + ",".join(skip_checks))
    env = {k: v for k, v in os.environ.items() if k not in ("BC_API_KEY", "PRISMA_API_URL")}
    env.update(OFFLINE_ENV)
    t0 = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600,
                          cwd=tempfile.gettempdir())
    secs = time.monotonic() - t0
    if tmp is not None:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode not in (0, 1):
        _fail(f"checkov crashed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        _fail(f"checkov output is not JSON:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    reports = data if isinstance(data, list) else [data]
    rep = CheckovReport(seconds=secs, raw=data)
    for r in reports:
        if "results" not in r:  # {"passed": 0, "failed": 0, ...} when nothing scanned
            continue
        if r.get("check_type") not in (None, "terraform", "terraform_plan"):
            continue
        res = r["results"]
        rep.passed += r.get("summary", {}).get("passed", 0)
        rep.parsing_errors += list(res.get("parsing_errors", []))
        rep.resource_count += r.get("summary", {}).get("resource_count", 0)
        for f in res.get("failed_checks", []):
            rep.failed.append(FailedCheck(f["check_id"], f["resource"], f.get("check_name", ""), f.get("file_path", "")))
    return rep
