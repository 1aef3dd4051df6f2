"""Property 7: generated job pipelines produce Terraform modules that ``terraform validate``
accepts. All examples go into one working directory, each a child module ``ex<N>/`` of one root,
so terraform and its provider start once per test run. Terraform is required: no skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis.vendor.pretty import pretty

from flowdsl.build import build
from flowdsl.refs import var
from flowdsl.testing.strategies import dummy_values, workflows

_MIRROR_ROOTS = ("/opt", "/usr/local/share", "/usr/share", os.path.expanduser("~"))


def _terraform() -> str:
    tf = os.environ.get("FLOWDSL_TERRAFORM") or shutil.which("terraform")
    if not tf:
        pytest.fail("terraform is not on PATH (or FLOWDSL_TERRAFORM): the Terraform property "
                    "test needs it and does not skip", pytrace=False)
    return tf


def _plugin_dir() -> str:
    env = os.environ.get("FLOWDSL_TF_PLUGIN_DIR")
    if env:
        return env
    for root in _MIRROR_ROOTS:
        if not os.path.isdir(root):
            continue
        out = subprocess.run(["find", root, "-xdev", "-name", "terraform-provider-aws*",
                              "-path", "*registry.terraform.io/hashicorp/aws/*"],
                             capture_output=True, text=True, timeout=120).stdout
        for line in out.splitlines():
            parts = Path(line).parts
            if ".terraform" not in parts and len(parts) >= 7:
                return str(Path(*parts[:-6]))  # <mirror>/registry.terraform.io/hashicorp/aws/v/os/
    pytest.fail("no offline hashicorp/aws provider mirror found: set FLOWDSL_TF_PLUGIN_DIR; "
                "the tests never download providers", pytrace=False)
    raise AssertionError


def _dummy(variable):
    if variable.type == "string":  # ARN-shaped where the name says so, as the provider checks
        return dummy_values([var(variable.name)])[f"var.{variable.name}"]
    return {"number": 1, "bool": True, "list(string)": ["dummy"], "map(string)": {"k": "v"},
            "any": "dummy"}[variable.type]


def test_generated_modules_pass_terraform_validate(tmp_path):
    tf, mirror = _terraform(), _plugin_dir()
    found = []

    @settings(max_examples=max(5, settings.default.max_examples // 3))
    @given(workflows(max_depth=1, max_states=8, deployment=True))
    def collect(wf):
        found.append(wf)

    collect()
    modules = {}
    for i, wf in enumerate(found):
        files = build(wf).files
        assert any(name.endswith(".tf.json") for name in files), f"no Terraform files for {wf.name}"
        d = tmp_path / f"ex{i}"
        for name, text in files.items():
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d / name).write_text(text, encoding="utf-8")
        modules[f"ex{i}"] = {"source": f"./ex{i}",
                             **{v.name: _dummy(v) for v in wf.variables if v.required}}
    root = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
        "provider": {"aws": {"region": "us-east-1"}},
        "module": modules,
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(root, indent=2))
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
           "TF_DATA_DIR": str(tmp_path / ".terraform"), "TF_CLI_CONFIG_FILE": os.devnull}
    init = subprocess.run([tf, "init", "-backend=false", f"-plugin-dir={mirror}", "-input=false",
                           "-no-color"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert init.returncode == 0, init.stdout[-4000:] + init.stderr[-4000:]
    res = subprocess.run([tf, "validate", "-json", "-no-color"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    report = json.loads(res.stdout)
    if not report.get("valid"):
        first = report["diagnostics"][0]
        rng = (first.get("range") or {}).get("filename", "")
        ex = rng.split("/")[0] if rng.startswith("ex") else None
        wf = found[int(ex[2:])] if ex else None
        raise AssertionError(f"terraform validate: {json.dumps(report['diagnostics'][:5], indent=1)}"
                             f"\nworkflow of {ex}: {pretty(wf)}")
