"""The external tools the property tests drive (the Hypothesis profiles are in tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

# asl-validator, installed once into a cache folder keyed by version ------------------------------
ASL_VALIDATOR_VERSION = "4.0.0"

_NODE_SCRIPT = r"""
// node validate.js <asl-validator dir> <in.json> <out.json> [options]: a JSON array of documents
// node validate.js <asl-validator dir> --lines: one document per stdin line, one answer per line
const fs = require("fs");
const readline = require("readline");
const validator = require(process.argv[2]);
function check(doc, options) {
  try {
    const r = validator(doc, options || { checkPaths: true, checkArn: true });
    return { isValid: r.isValid, errors: r.isValid ? [] : r.errors };
  } catch (e) {
    return { isValid: false, errors: ["exception: " + e.message] };
  }
}
if (process.argv[3] === "--lines") {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const req = JSON.parse(line);
    process.stdout.write(JSON.stringify(check(req.doc, req.options)) + "\n");
  });
} else {
  const docs = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const options = process.argv[5] ? JSON.parse(process.argv[5]) : undefined;
  fs.writeFileSync(process.argv[4], JSON.stringify(docs.map((d) => check(d, options))));
}
"""


class AslValidator:
    """asl-validator driven from Python: many definitions per node process."""

    def __init__(self, node: str, module: Path, workdir: Path) -> None:
        self.node, self.module, self.workdir = node, module, workdir
        self.script = workdir / "validate.js"
        self.script.write_text(_NODE_SCRIPT)
        self.calls = 0
        self._server: subprocess.Popen | None = None

    def validate(self, docs: list, check_arn: bool = True) -> list[dict]:
        """One node process for a whole batch, reading a JSON array from a file."""
        self.calls += 1
        src = self.workdir / f"in{self.calls}.json"
        dst = self.workdir / f"out{self.calls}.json"
        src.write_text(json.dumps(docs))
        options = json.dumps({"checkPaths": True, "checkArn": check_arn})
        proc = subprocess.run([self.node, str(self.script), str(self.module), str(src), str(dst),
                               options],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"asl-validator failed: {proc.stderr[-4000:]}")
        return json.loads(dst.read_text())

    def validate_one(self, doc: dict, check_arn: bool = True) -> dict:
        """Through a long-lived node process: cheap enough for Hypothesis to shrink with."""
        if self._server is None:
            self._server = subprocess.Popen(
                [self.node, str(self.script), str(self.module), "--lines"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert self._server.stdin and self._server.stdout
        req = {"doc": doc, "options": {"checkPaths": True, "checkArn": check_arn}}
        self._server.stdin.write(json.dumps(req) + "\n")
        self._server.stdin.flush()
        return json.loads(self._server.stdout.readline())

    def close(self) -> None:
        if self._server is not None:
            self._server.stdin.close()  # type: ignore[union-attr]
            self._server.wait(timeout=10)
            self._server = None


@pytest.fixture(scope="session")
def asl_validator(tmp_path_factory: pytest.TempPathFactory):
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("asl-validator second opinion skipped: node and npm are not on PATH")
    cache = Path(os.environ.get("FLOWDSL_NPM_CACHE", Path.home() / ".cache" / "flowdsl" / "npm"))
    prefix = cache / f"asl-validator-{ASL_VALIDATOR_VERSION}"
    module = prefix / "node_modules" / "asl-validator"
    if not (module / "package.json").exists():
        prefix.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                               f"asl-validator@{ASL_VALIDATOR_VERSION}"],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not (module / "package.json").exists():
            # node is here, so the second opinion must run: a failed install is a failure.
            pytest.fail(f"npm install asl-validator@{ASL_VALIDATOR_VERSION} failed:\n{proc.stderr[-2000:]}")
    validator = AslValidator(node, module, tmp_path_factory.mktemp("asl-validator"))
    yield validator
    validator.close()
