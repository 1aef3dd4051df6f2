"""Property 3: asl-validator (npm) as a second opinion on generated definitions.

Definitions are collected by Hypothesis and validated in one node process per test (a JSON
array in a file). Should asl-validator reject any, Hypothesis then searches again, asking a
long-lived node process one definition at a time, so that it can shrink to a small example.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, find, given, settings
from hypothesis.errors import NoSuchExample
from hypothesis.vendor.pretty import pretty

from flowdsl.asl import compile_workflow
from flowdsl.placeholders import to_template
from flowdsl.testing.strategies import resolve_dummy, workflows

# Where asl-validator 4.0.0 is stricter than AWS. The generator keeps these constructs (flowdsl
# and AWS accept them); the copy sent to asl-validator has them rewritten by _sidestep().
KNOWN_DIFFERENCES = {
    "null-or-empty-in-payload-array":
        "asl-validator's payload-template schema allows only objects, arrays, numbers, booleans "
        "and non-empty strings as array items (paths.json asl_payload_template); a payload "
        "template is any JSON value to AWS, so [null, \"\"] is fine. Sent as [0, \"x\"].",
    "jsonata-template-strictness":
        "asl-validator's JSONata template schema rejects empty strings (maybe_jsonata is '.+') "
        "and arrays of arrays or of scalars below the first level (jsonata.json); AWS takes any "
        "JSON with {% %} strings in it. Empty strings are sent as \"x\", nested arrays as {}.",
    "tolerated-failure-percentage-decimal":
        "asl-validator types ToleratedFailurePercentage as an integer; AWS takes a number from "
        "0 to 100 (the Map Run API's toleratedFailurePercentage is a float). Sent rounded.",
    "whole-substitution-resource-without-arn-check":
        "with its ARN check off, asl-validator matches a Resource that is exactly one ${...} "
        "against both branches of a oneOf (any string / a substitution) and rejects it. Only "
        "in the template test, such a Resource is sent as arn:${...}.",
    "dots-in-state-names":
        "asl-validator finds states with jsonpath-plus queries built from state names, so a "
        "name holding a '.' (which AWS allows, and flowdsl generates) makes it crash or report "
        "a missing target. State names are sent with '.' replaced by '_'.",
    "asl-keys-inside-payloads":
        "asl-validator collects $..States, $..Next, $..Default anywhere in the document, "
        "payloads included; a payload key named like that (Hypothesis does generate "
        "{'Default': [...]}) makes it crash or report a missing target. AWS treats payload keys "
        "as data. Such keys are sent with a '_' appended.",
}

_ASL_KEYS = {"States", "Next", "Default", "StartAt", "Branches", "ItemProcessor", "Iterator",
             "Choices", "Catch", "Type", "End"}
_PAYLOAD_KEYS = {"Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials", "Result"}
_JSONATA_KEYS = {"Output", "Arguments", "Assign"}


def _payload(value, jsonata, in_list=False):
    if isinstance(value, dict):
        return {k + "_" if k in _ASL_KEYS else k: _payload(v, jsonata) for k, v in value.items()}
    if isinstance(value, list):
        if jsonata and in_list:
            return {}
        return [_payload(v, jsonata, in_list=True) for v in value]
    if value == "" and not isinstance(value, bool):
        return "x"
    if value is None and in_list:
        return 0
    return value


def _sidestep(doc, lang="JSONPath", template=False):
    """A copy of ``doc`` with the KNOWN_DIFFERENCES rewritten."""
    if isinstance(doc, list):
        return [_sidestep(v, lang, template) for v in doc]
    if not isinstance(doc, dict):
        return doc
    lang = doc.get("QueryLanguage", lang)
    out = {}
    for k, v in doc.items():
        if k in _JSONATA_KEYS and lang == "JSONata":
            out[k] = _payload(v, jsonata=True)
        elif k in _PAYLOAD_KEYS:
            out[k] = _payload(v, jsonata=False)
        elif (k == "Resource" and template and isinstance(v, str) and v.startswith("${")
              and v.endswith("}") and v.count("${") == 1):
            out[k] = "arn:" + v
        elif k == "States" and isinstance(v, dict):
            out[k] = {n.replace(".", "_"): _sidestep(st, lang, template) for n, st in v.items()}
        elif k in ("StartAt", "Next", "Default") and isinstance(v, str):
            out[k] = v.replace(".", "_")
        elif k == "ToleratedFailurePercentage" and isinstance(v, float):
            out[k] = int(v)
        else:
            out[k] = _sidestep(v, lang, template)
    return out


def _collect(strategy, factor=1):
    found = []

    @settings(max_examples=settings.default.max_examples * factor)
    @given(strategy)
    def collect(wf):
        found.append(wf)

    collect()
    return found


def _check(asl_validator, render_, factor=1, check_arn=True):
    def render(doc):
        return _sidestep(render_(doc), template=not check_arn)

    wfs = _collect(workflows(), factor)
    results = asl_validator.validate([render(compile_workflow(wf).definition) for wf in wfs],
                                     check_arn=check_arn)
    bad = [r for r in results if not r["isValid"]]
    if not bad:
        return

    def rejected(wf):
        return not asl_validator.validate_one(render(compile_workflow(wf).definition),
                                              check_arn)["isValid"]

    try:
        small = find(workflows(), rejected, settings=settings(
            max_examples=max(200, 10 * len(wfs) // len(bad)), database=None, deadline=None,
            suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        small = None
    doc = render(compile_workflow(small).definition) if small is not None else None
    raise AssertionError(
        f"asl-validator rejects {len(bad)} of {len(wfs)} generated definitions; first errors: "
        f"{json.dumps(bad[0]['errors'])[:2000]}\n"
        + (f"shrunk: {pretty(small)}\ndocument: {json.dumps(doc, indent=1)}\n"
           f"errors: {json.dumps(asl_validator.validate_one(doc, check_arn)['errors'])}" if small else ""))


def test_resolved_definitions_pass_asl_validator(asl_validator):
    _check(asl_validator, resolve_dummy)


def test_template_definitions_pass_asl_validator(asl_validator):
    # The ${...} form that build/<name>/<name>.asl.json holds, which Terraform fills in. Its
    # ARNs hold interpolations ("arn:${data.aws_partition.current.partition}:states:::..."),
    # which asl-validator accepts only when the whole string is one ${...}: so its ARN check
    # (--no-arn-check) is off here; the resolved test above checks the ARNs.
    _check(asl_validator, to_template, check_arn=False)
