"""Deploy-time references in template syntax: what Terraform renders from them is exactly the
string a local run resolves (checked with Terraform itself)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from flowdsl.placeholders import resolve, template
from flowdsl.refs import join, var

STAGE = var("stage")

# literal text around a reference, and the string AWS must receive with stage = "dev"
CASES = [
    (join("US$", STAGE), "US$dev"),
    (join("$", STAGE), "$dev"),
    (join("$$", STAGE), "$$dev"),
    (join("a${b}$", STAGE), "a${b}$dev"),
    (join("%", STAGE), "%dev"),
    (join("%{if x}", STAGE, "%{endif}"), "%{if x}dev%{endif}"),
    (join(STAGE, "$"), "dev$"),
    (join(STAGE, "${", STAGE), "dev${dev"),
    (join("$", STAGE, "$", STAGE, "$"), "$dev$dev$"),
    (join("x$${", STAGE), "x$${dev"),
    (join("a$$$", STAGE, "$$"), "a$$$dev$$"),
    (join("${", STAGE), "${dev"),
    (join("$${", STAGE), "$${dev"),
]


@pytest.mark.parametrize(("ref", "expected"), CASES)
def test_a_local_run_resolves_the_text_as_written(ref, expected):
    assert resolve(ref, {"var.stage": "dev"}) == expected


def test_a_dollar_before_a_reference_is_interpolated_not_an_escape():
    assert template(join("US$", STAGE)) == 'US${"$"}${var.stage}'
    assert template(join("US$ ", STAGE)) == "US$ ${var.stage}"


def test_terraform_renders_every_case_as_the_local_run_does(tmp_path):
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not installed (the README's quick start lists it)"
    doc = {
        "variable": {"stage": {"type": "string", "default": "dev"}},
        "output": {f"o{i}": {"value": template(ref)} for i, (ref, _) in enumerate(CASES)},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(doc))
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"}
    for args in (["init", "-input=false", "-backend=false"], ["apply", "-auto-approve", "-input=false"]):
        run = subprocess.run([terraform, *args], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    out = subprocess.run([terraform, "output", "-json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    rendered = {k: v["value"] for k, v in json.loads(out.stdout).items()}
    assert rendered == {f"o{i}": expected for i, (_, expected) in enumerate(CASES)}


@pytest.mark.parametrize(("number", "survives"), [
    (0, True), (7, True), (-(2**512 - 1), True), (2**512 - 1, True), (2**512 + 1, False),
    (10**153 + 7, True), (10**199, True), (10**199 + 7, False), (-(10**199 + 7), False),
    (2**5000, False), (10**400, True), (2**600, False), (3**400, False),
])
def test_which_integers_terraform_keeps(number, survives):
    from flowdsl.placeholders import survives_terraform

    assert survives_terraform(number) is survives


def test_imprecise_numbers_are_found_with_their_paths():
    from flowdsl.placeholders import describe_number, imprecise_numbers

    doc = {"States": {"A": {"Result": {"n": 10**199 + 7, "ok": 10**20, "l": [1, True, 3**400]}}}}
    found = list(imprecise_numbers(doc))
    assert [p for p, _ in found] == ["$.States.A.Result.n", "$.States.A.Result.l[2]"]
    assert describe_number(10**199 + 7) == "1000000000000000...00000007 (200 digits)"
    assert describe_number(-12) == "-12"


def test_terraform_keeps_exactly_the_integers_survives_terraform_says(tmp_path):
    """The oracle is Terraform itself: a JSON number in a local, written back by jsonencode."""
    import random

    from flowdsl.placeholders import survives_terraform

    rng = random.Random(7)
    numbers = [10**199 + 7, 10**199, 10**400, 2**600, 2**512 + 1, 3**400, 10**154 + 7]
    for digits in (150, 153, 154, 155, 156, 160, 200, 400):
        for zeros in (0, 3, 40, 120):
            head = rng.randrange(10 ** (digits - 1), 10**digits)
            numbers.append(head * 10**zeros)
            numbers.append(-(head // 10**zeros * 10**zeros + rng.choice((0, 1, 5))))
    doc = {"locals": {"d": "NUMBERS"}, "output": {"o": {"value": "${jsonencode(local.d)}"}}}
    text = json.dumps(doc).replace('"NUMBERS"', "[" + ",".join(map(str, numbers)) + "]")
    (tmp_path / "main.tf.json").write_text(text)
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not installed (the README's quick start lists it)"
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"}
    for args in (["init", "-input=false", "-backend=false"], ["apply", "-auto-approve", "-input=false"]):
        run = subprocess.run([terraform, *args], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    out = subprocess.run([terraform, "output", "-json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    back = json.loads(json.loads(out.stdout)["o"]["value"])
    kept = [b == n for b, n in zip(back, numbers)]
    assert [survives_terraform(n) for n in numbers] == kept
    assert not all(kept) and any(kept)  # the sample has both kinds
