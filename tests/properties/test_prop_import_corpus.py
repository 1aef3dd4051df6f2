"""Property 8: real-world definitions import and re-emit without loss (JSON-equal).

Corpora (read-only, outside the repository): the valid definitions of asl-validator's test
suite, and the definitions of LocalStack's Step Functions suite (``pure.jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowdsl.asl import compile_workflow
from flowdsl.errors import CompileError
from flowdsl.asl_to_model import import_definition

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"

# case id -> why it does not come back JSON-equal. Add an entry (with the reason) rather than
# weaken the check; an entry that stops differing fails, so the list stays true.
KNOWN_DIFFERENCES: dict[str, str] = {
    "asl-validator/valid-task-intrisic-function.json":
        "Resource is a CloudFormation intrinsic object ({'Fn::GetAtt': ...}, {'Ref': ...}), an "
        "asl-validator extension for CloudFormation templates. In ASL, and to AWS, Resource is a "
        "string: flowdsl's validator reports bad-type, so the importer raises CompileError.",
}


def _cases() -> list:
    cases = []
    for p in sorted((SHARED / "asl-validator").glob("valid-*.json")):
        cases.append(pytest.param(p, None, id=f"asl-validator/{p.name}"))
    pure = SHARED / "localstack" / "pure.jsonl"
    if pure.exists():
        seen = set()
        for line in pure.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            key = json.dumps(rec["definition"], sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            cases.append(pytest.param(pure, rec["definition"], id=f"localstack/{rec['id']}"))
    return cases


CASES = _cases()


def _diff(a, b, path="$"):
    if type(a) is not type(b):
        return [f"{path}: {json.dumps(a)[:100]} became {json.dumps(b)[:100]}"]
    if isinstance(a, dict):
        out = [f"{path}.{k}: lost" for k in a if k not in b]
        out += [f"{path}.{k}: added" for k in b if k not in a]
        for k in a:
            if k in b:
                out += _diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items became {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} became {b!r}"]


def test_corpora_are_present():
    if not SHARED.exists():
        pytest.skip(f"conformance corpora not found at {SHARED}")
    assert len(CASES) > 300


@pytest.mark.parametrize("source, definition", CASES)
def test_definition_imports_and_reemits_without_loss(request, source, definition):
    doc = definition if definition is not None else json.loads(source.read_text(encoding="utf-8"))
    case = request.node.callspec.id
    try:
        again = compile_workflow(import_definition(doc)).definition
        differences = _diff(doc, again)
    except CompileError as e:
        differences = [f"import_definition raised CompileError: {e}"]
    if case in KNOWN_DIFFERENCES:
        assert differences, f"{case} no longer differs: drop it from KNOWN_DIFFERENCES"
        pytest.xfail(KNOWN_DIFFERENCES[case])
    assert not differences, "\n".join(differences[:10])
