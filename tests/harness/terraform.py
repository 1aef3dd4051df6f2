"""Locate terraform + the offline provider mirror and drive terraform in throw-away dirs.

Nothing is ever written into the repository: every run happens in a temp working dir
(a copy of the module under test), with ``TF_DATA_DIR`` inside that temp dir, a private
CLI config (``TF_CLI_CONFIG_FILE``) and ``-plugin-dir=<mirror>``.  Terraform installs an
*unpacked* mirror entry by symlinking it, so the 675 MB aws provider binary is never
copied; ``init`` costs ~1 s after the first one (OS page cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

PLUGIN_DIR_ENV = "FLOWDSL_TF_PLUGIN_DIR"
TERRAFORM_ENV = "FLOWDSL_TERRAFORM"


class HarnessError(RuntimeError):
    """Raised when the environment cannot run the Terraform tests (never a silent skip)."""


def _fail(msg: str) -> None:
    try:
        import pytest

        pytest.fail(msg, pytrace=False)
    except ImportError:  # pragma: no cover
        raise HarnessError(msg)


@lru_cache(maxsize=1)
def terraform_binary() -> str:
    """Absolute path of the terraform CLI; fails LOUDLY if absent."""
    cand = os.environ.get(TERRAFORM_ENV) or shutil.which("terraform") or "/usr/local/bin/terraform"
    if not (cand and os.path.isfile(cand) and os.access(cand, os.X_OK)):
        _fail(
            "terraform CLI not found: install Terraform >= 1.5 on PATH (or set "
            f"{TERRAFORM_ENV}=/path/to/terraform). The flowdsl Terraform tests do not skip."
        )
    return cand


@lru_cache(maxsize=1)
def provider_mirror() -> str:
    """Filesystem mirror dir holding registry.terraform.io/hashicorp/aws/<ver>/<os_arch>/: the
    sandbox's search ($FLOWDSL_TF_PLUGIN_DIR, else a filesystem search); fails without one."""
    from flowdsl.sandbox import SandboxError, provider_mirror as find

    try:
        found = find()
    except SandboxError as e:
        _fail(str(e).removeprefix("error: "))
        raise AssertionError("unreachable")
    if found is None:
        _fail(
            "No offline hashicorp/aws provider mirror found. Set "
            f"{PLUGIN_DIR_ENV}=<dir containing registry.terraform.io/hashicorp/aws/<ver>/<os_arch>/>. "
            "The tests never download providers."
        )
        raise AssertionError("unreachable")
    return found


@dataclass
class TfResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json_lines(self) -> list[dict]:
        out = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out


class TerraformError(AssertionError):
    def __init__(self, res: TfResult, workdir: Path):
        self.result = res
        super().__init__(
            f"terraform {' '.join(res.args)} failed (rc={res.returncode}) in {workdir}\n"
            f"--- stdout ---\n{res.stdout[-8000:]}\n--- stderr ---\n{res.stderr[-8000:]}"
        )


@dataclass
class Terraform:
    """terraform driven in ``workdir`` with an isolated environment."""

    workdir: Path
    mirror: str = field(default_factory=provider_mirror)
    binary: str = field(default_factory=terraform_binary)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    log: list[TfResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir)
        self._state_dir = self.workdir / ".tfharness"
        self._state_dir.mkdir(parents=True, exist_ok=True)
        cli_cfg = self._state_dir / "terraform.rc"
        cli_cfg.write_text("# flowdsl test harness: no network, providers only via -plugin-dir\n")
        self.env = {
            **os.environ,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(cli_cfg),
            "TF_DATA_DIR": str(self._state_dir / "data"),
            "TF_PLUGIN_CACHE_DIR": "",
            "TF_LOG": os.environ.get("FLOWDSL_TF_LOG", ""),
            **dict(self.extra_env),
        }
        for k in ("TF_PLUGIN_CACHE_DIR", "TF_LOG"):
            if not self.env[k]:
                del self.env[k]
        # dummy creds so nothing reaches for real ones (IMDS, ~/.aws)
        self.env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                         "AWS_EC2_METADATA_DISABLED": "true"})
        self.env.pop("AWS_PROFILE", None)

    # -- raw ------------------------------------------------------------------------
    def run(self, *args: str, check: bool = True, ok_codes: Sequence[int] = (0,), timeout: float = 900) -> TfResult:
        t0 = time.monotonic()
        proc = subprocess.run(
            [self.binary, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        res = TfResult(list(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)
        self.log.append(res)
        self.timings[args[0]] = self.timings.get(args[0], 0.0) + res.seconds
        if check and proc.returncode not in ok_codes:
            raise TerraformError(res, self.workdir)
        return res

    # -- verbs ----------------------------------------------------------------------
    def init(self) -> TfResult:
        return self.run("init", f"-plugin-dir={self.mirror}", "-input=false", "-no-color")

    def validate(self) -> dict:
        res = self.run("validate", "-json", "-no-color", check=False)
        try:
            doc = json.loads(res.stdout)
        except ValueError:
            raise TerraformError(res, self.workdir)
        return doc

    def apply(self, var_file: str | None = None) -> TfResult:
        args = ["apply", "-auto-approve", "-input=false", "-no-color"]
        if var_file:
            args.append(f"-var-file={var_file}")
        return self.run(*args)

    def plan(self, var_file: str | None = None, out: str | os.PathLike | None = None) -> TfResult:
        """``plan -detailed-exitcode``: rc 0 = no changes, 2 = changes (both returned), 1 raises."""
        args = ["plan", "-detailed-exitcode", "-input=false", "-no-color"]
        if var_file:
            args.append(f"-var-file={var_file}")
        if out:
            args.append(f"-out={out}")
        return self.run(*args, ok_codes=(0, 2))

    def show_json(self, planfile: str | os.PathLike) -> str:
        return self.run("show", "-json", "-no-color", str(planfile)).stdout

    def plan_json(self, out: str | os.PathLike | None = None) -> Path:
        """``plan -out`` + ``show -json``; returns the path of the JSON plan (for checkov)."""
        out = Path(out or self._state_dir / "tfplan.json")
        binplan = self._state_dir / "tfplan.bin"
        self.run("plan", "-input=false", "-no-color", f"-out={binplan}")
        out.write_text(self.run("show", "-json", "-no-color", str(binplan)).stdout)
        return out

    def destroy(self, var_file: str | None = None) -> TfResult:
        args = ["destroy", "-auto-approve", "-input=false", "-no-color"]
        if var_file:
            args.append(f"-var-file={var_file}")
        return self.run(*args)

    def output(self) -> dict[str, Any]:
        res = self.run("output", "-json", "-no-color")
        return {k: v.get("value") for k, v in json.loads(res.stdout or "{}").items()}

    def state(self) -> dict:
        res = self.run("show", "-json", "-no-color")
        return json.loads(res.stdout or "{}")

    def state_list(self) -> list[str]:
        res = self.run("state", "list", check=False)
        return [line for line in res.stdout.splitlines() if line.strip()]


def copy_module(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Copy a module dir, skipping terraform state/lock/data so no repo artefact leaks in or out."""
    ignore = shutil.ignore_patterns(".terraform", ".tfharness", "*.tfstate*", ".terraform.lock.hcl", "__pycache__")
    shutil.copytree(src, dst, ignore=ignore, dirs_exist_ok=True)
    return Path(dst)


def new_workdir(prefix: str = "flowdsl-tf-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
