"""The asl-validator corpus: every definition is classified as its file name says."""

from __future__ import annotations

import json

import pytest

from flowdsl.asl_to_model import import_definition
from flowdsl.strict_json import read_json
from flowdsl.validate import validate

from locations import SHARED

CORPUS = SHARED / "conformance" / "asl-validator"
FILES = sorted(p.name for p in CORPUS.glob("*.json"))

# Files where AWS itself disagrees with the label, and why.
AWS_DISAGREES = {
    "valid-task-intrisic-function.json":
        "its Resource fields are CloudFormation intrinsics ({'Fn::GetAtt': ...}, {'Ref': ...}); "
        "they only mean something inside a CloudFormation template, and Step Functions' "
        "CreateStateMachine rejects a Resource that is not a string",
    "invalid-jsonata-surround-syntax-no-spaces.json":
        "its only fault is '{%10%}', with no space inside the delimiters; asl-validator requires "
        "the spaces, but Step Functions accepts '{%10%}' and evaluates it to 10",
    "invalid-json-surround-syntax-extra-spaces.json":
        "its only fault is an expression that spans lines ('{% \\n10         %}'); asl-validator "
        "requires one line, but Step Functions accepts expressions written over several lines",
}


def diagnostics(name: str) -> list[str]:
    parsed = read_json(CORPUS / name)
    return [d.render() for d in [*parsed.duplicates, *validate(parsed.doc)]]


def test_corpus_is_complete() -> None:
    valid = [f for f in FILES if f.startswith("valid-")]
    invalid = [f for f in FILES if f.startswith("invalid-")]
    assert (len(valid), len(invalid)) == (62, 50)


@pytest.mark.parametrize("name", FILES)
def test_classified_as_labelled(name: str) -> None:
    found = diagnostics(name)
    expect_valid = name.startswith("valid-")
    if name in AWS_DISAGREES:
        expect_valid = not expect_valid
    if expect_valid:
        assert found == []
    else:
        assert found, f"{name} should be rejected"


@pytest.mark.parametrize("name", [f for f in FILES if f.startswith("valid-") and f not in AWS_DISAGREES])
def test_valid_definitions_import_and_reemit(name: str) -> None:
    from flowdsl.asl import compile_workflow

    doc = json.loads((CORPUS / name).read_text())
    assert compile_workflow(import_definition(doc)).definition == doc


# The special cases asl-validator's own tests single out: invalid only for this reason.
@pytest.mark.parametrize("name, code", [
    ("invalid-json-path.json", "bad-path"),
    ("invalid-payload-template.asl.json", "bad-path"),
    ("invalid-cfn-definition-substitutions.json", "bad-resource"),
])
def test_special_cases_fail_for_the_right_reason(name: str, code: str) -> None:
    doc = json.loads((CORPUS / name).read_text())
    assert {d.code for d in validate(doc)} == {code}
