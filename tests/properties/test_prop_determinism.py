"""Property 5: compiling is deterministic, within a process and across hash seeds."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings

from flowdsl.asl import compile_workflow
from flowdsl.build import build
from flowdsl.codec import make_converter
from flowdsl.placeholders import dumps, to_template
from flowdsl.testing.strategies import workflows

REPO = Path(__file__).resolve().parents[2]


def _bytes(wf) -> str:
    """Everything a build writes, as one string (files sorted by name)."""
    files = build(wf).files
    return json.dumps(files, sort_keys=True)


@given(workflows())
def test_compiling_twice_gives_the_same_bytes(wf):
    a = dumps(to_template(compile_workflow(wf).definition))
    b = dumps(to_template(compile_workflow(wf).definition))
    assert a == b
    assert _bytes(wf) == _bytes(wf)


_CHILD = r"""
import hashlib, json, sys
from flowdsl.build import build
from flowdsl.codec import make_converter
from flowdsl.states import Workflow
conv = make_converter()
for line in open(sys.argv[1], encoding="utf-8"):
    wf = conv.structure(json.loads(line), Workflow)
    files = build(wf).files
    print(hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest())
"""


def test_other_processes_and_hash_seeds_give_the_same_bytes(tmp_path):
    found = []

    @settings(max_examples=settings.default.max_examples)
    @given(workflows())
    def collect(wf):
        found.append(wf)

    collect()
    conv = make_converter()
    src = tmp_path / "workflows.jsonl"
    src.write_text("".join(json.dumps(conv.unstructure(wf)) + "\n" for wf in found),
                   encoding="utf-8")
    mine = [hashlib.sha256(_bytes(wf).encode()).hexdigest() for wf in found]
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(src)], capture_output=True,
                              text=True, env=env, cwd=REPO, timeout=300)
        assert proc.returncode == 0, proc.stderr[-4000:]
        theirs = proc.stdout.split()
        assert len(theirs) == len(mine)
        diff = [i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
        assert not diff, (f"PYTHONHASHSEED={seed}: {len(diff)} workflow(s) build to other bytes; "
                          f"the first: {found[diff[0]]!r}")
