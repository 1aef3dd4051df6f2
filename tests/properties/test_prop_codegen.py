"""`flowdsl import`: generated source builds back to the definition it came from, and is
already formatted and lint-clean.

For every corpus definition flowdsl accepts (asl-validator's valid definitions and the
definitions of LocalStack's recorded executions) and for every ``asl_definitions()`` example:
import -> Python source -> exec -> build gives a JSON-equal definition (variables at their
defaults, the partition the definition names). ruff runs once over a folder of all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from test_prop_import_corpus import CASES, _diff

from flowdsl.build import check
from flowdsl.codegen import generate, partition_of
from flowdsl.errors import CompileError
from flowdsl.placeholders import resolve
from flowdsl.testing.strategies import asl_definitions


def rebuild(source: str, filename: str, original: Any) -> list[str]:
    """Exec generated source, build its workflow, and list how it differs from ``original``."""
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    workflow = namespace["workflow"]
    compiled, diagnostics = check(workflow)
    if diagnostics:
        return [d.render() for d in diagnostics]
    # an imported ARN's variable defaults to it; a placeholder's is the placeholder itself
    values = {f"var.{v.name}": v.default if v.default is not None else "${%s}" % v.name
              for v in workflow.variables}
    values["data.aws_partition.current.partition"] = partition_of(original)
    return _diff(original, resolve(compiled.definition, values))


def ruff_problems(folder: Path) -> list[str]:
    """ruff's default rules, the project's rules plus isort, and the formatter, once each."""
    runs = [["check", "--isolated", "--quiet"],
            ["check", "--isolated", "--quiet", "--select", "E,F,W,I", "--ignore", "E501"],
            ["format", "--isolated", "--check", "--quiet"]]
    out = []
    for args in runs:
        r = subprocess.run([sys.executable, "-m", "ruff", *args, str(folder)],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            out.append(f"ruff {' '.join(args)}:\n{r.stdout}{r.stderr}")
    return out


@pytest.fixture(scope="module")
def corpus_sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Each accepted corpus definition's generated file, written into one folder."""
    folder = tmp_path_factory.mktemp("imported")
    results: dict[str, Any] = {}
    for case in CASES:
        source, definition = case.values
        doc = definition if definition is not None else json.loads(source.read_text(encoding="utf-8"))
        try:
            text = generate(doc, "imported")
        except CompileError as e:  # not accepted: nothing to import
            results[case.id] = e
            continue
        path = folder / f"case_{len(results):04d}.py"
        path.write_text(text, encoding="utf-8")
        results[case.id] = (doc, text, path)
    return folder, results


@pytest.mark.parametrize("case", [c.id for c in CASES])
def test_corpus_definition_imports_to_source_that_builds_it_back(corpus_sources, case):
    _, results = corpus_sources
    result = results[case]
    if isinstance(result, CompileError):
        pytest.skip(f"flowdsl rejects this definition: {str(result).splitlines()[0]}")
    doc, text, path = result
    differences = rebuild(text, str(path), doc)
    assert not differences, f"{path}:\n" + "\n".join(differences[:10])


def test_corpus_sources_pass_ruff(corpus_sources):
    folder, results = corpus_sources
    written = [r for r in results.values() if isinstance(r, tuple)]
    assert len(written) > 300
    problems = ruff_problems(folder)
    assert not problems, "\n".join(problems)[:5000]


def test_generated_definitions_import_to_source_that_builds_them_back(tmp_path):
    count = 0

    @given(asl_definitions())
    def one(doc: dict[str, Any]) -> None:
        nonlocal count
        text = generate(doc, "generated")
        path = tmp_path / f"example_{count:04d}.py"
        count += 1
        path.write_text(text, encoding="utf-8")
        differences = rebuild(text, str(path), doc)
        assert not differences, f"{path}:\n{text}\n" + "\n".join(differences[:10])

    one()
    assert count > 0
    problems = ruff_problems(tmp_path)
    assert not problems, "\n".join(problems)[:5000]
