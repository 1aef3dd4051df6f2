"""What the common commands load: ``flowdsl build`` and ``flowdsl validate`` of
``workflows/fibonacci.py`` import what a build of it needs, and none of the engine, the other
commands, the deployment kinds and the integrations it does not use.

A module that loads here costs every build its import time (``bench/bench_cli.py`` times the
whole command); these tests name what must not load, so an import added at the top of a module
on the build's path shows up as the module it drags in, not as a slower start. No timing here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIB = "workflows/fibonacci.py"

# Runs the console entry point with the given arguments; prints, at exit, every module loaded.
_LOADED = ("import atexit, json, sys\n"
           "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules))))\n"
           "sys.argv = ['flowdsl', *sys.argv[1:]]\n"
           "from flowdsl.cli import main\nmain()\n")

# What a build or a validation of a workflow file never needs.
NEVER = {
    "flowdsl.run.bindings": "the engine's bindings: a workflow file only declares its RunConfig",
    "flowdsl.run.engine": "the engine runs only for 'flowdsl run' and the test kit",
    "flowdsl.run.trace": "the trace printer of a run",
    "flowdsl.run.s3": "a run's object store",
    "flowdsl.pipeline": "the run pipeline",
    "flowdsl.cli_typer": "the typer app: build and validate take the entry point's short path",
    "typer": "the command-line library, for the other commands and --help",
    "click": "typer's parser",
    "cattrs": "no command of the build path structures data",
    "flowdsl.codegen": "'flowdsl import' writes Python; a build reads it",
    "flowdsl.asl_to_model": "the importer",
    "flowdsl.graph": "'flowdsl graph' draws",
    "flowdsl.codec": "the model's JSON form",
    "flowdsl.scaffold": "'flowdsl new'",
    "flowdsl.reference": "the generated reference",
    "flowdsl.testing": "the test kit is for users' tests",
    "subprocess": "a local Batch job starts a process only when it runs",
    "tempfile": "the writer names its own temporary files (it would bring shutil and random)",
    "shutil": "a build's staging folders are empty when they are removed",
    "_hashlib": "the manifest's SHA-256 needs no OpenSSL binding",
    "dataclasses": "the run configuration is an attrs class; a dataclass shape loads it when read",
    "datetime": "a local run's clock and a timestamp literal's check load it",
    "pkgutil": "kinds and integrations are listed only when one is not found",
    "base64": "only a literal Base64 argument is checked with it",
}


def loaded(*args: str) -> set[str]:
    """The modules a ``flowdsl`` command line loads, run as the console script runs it."""
    done = subprocess.run([sys.executable, "-c", _LOADED, *args], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.rpartition("\nMODULES ")[2]))


def unused_kinds_and_integrations(modules: set[str]) -> set[str]:
    """The deployment kinds and service integrations among ``modules`` that fibonacci does not
    use (it is an on-demand job of a Batch task and Lambda tasks)."""
    from flowdsl import _DEPLOYMENTS
    from flowdsl.tasks.registry import exports

    kinds = {f"flowdsl.deployments.{m}" for m in _DEPLOYMENTS.values()} - {
        "flowdsl.deployments.alarms", "flowdsl.deployments.versions"}  # the assembler's
    services = {f"flowdsl.tasks.{m}" for m in exports().values()} - {
        "flowdsl.tasks.batch", "flowdsl.tasks.lambda_"}
    return modules & (kinds | services)


@pytest.fixture(scope="module")
def build_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return loaded("build", FIB, "--out", str(tmp_path_factory.mktemp("build")))


@pytest.fixture(scope="module")
def validate_modules() -> set[str]:
    return loaded("validate", FIB)


def test_a_build_loads_none_of_the_engine_and_the_other_commands(build_modules: set[str]) -> None:
    assert "flowdsl.build" in build_modules and "flowdsl.run.config" in build_modules  # it ran
    assert {m: NEVER[m] for m in sorted(build_modules & NEVER.keys())} == {}


def test_a_validation_loads_none_of_the_engine_and_the_other_commands(validate_modules: set[str]) -> None:
    assert "flowdsl.validate" in validate_modules
    assert {m: NEVER[m] for m in sorted(validate_modules & NEVER.keys())} == {}


def test_a_build_loads_only_the_kind_and_the_integrations_it_uses(build_modules: set[str]) -> None:
    assert {"flowdsl.deployments.on_demand", "flowdsl.tasks.batch", "flowdsl.tasks.lambda_"} <= build_modules
    assert unused_kinds_and_integrations(build_modules) == set()


def test_the_check_sees_a_module_that_must_not_load() -> None:
    """The same sets, for a command line that loads the engine, typer and another kind."""
    code = "from flowdsl import ScheduledJob, GlueJob\nimport flowdsl.run.engine\nimport typer\n"
    done = subprocess.run([sys.executable, "-c", code + "import json, sys\n"
                           "print(json.dumps(sorted(sys.modules)))"], cwd=ROOT, capture_output=True, text=True)
    modules = set(json.loads(done.stdout))
    assert {"flowdsl.run.engine", "flowdsl.run.bindings", "typer"} <= modules & NEVER.keys()
    assert unused_kinds_and_integrations(modules) == {"flowdsl.deployments.scheduled", "flowdsl.tasks.glue"}


def test_the_declarations_are_the_bindings_classes() -> None:
    """``LocalBatch`` is one class wherever it is imported from, and the config's lazily
    loaded names are the bindings' own."""
    import flowdsl.run
    from flowdsl.run import batch, bindings, config

    assert config.LocalBatch is bindings.LocalBatch is batch.LocalBatch is flowdsl.run.LocalBatch
    assert (config.LocalLambda, config.MockedTask) == (bindings.LocalLambda, bindings.MockedTask)
    assert bindings.LOCAL_JOB_TIMEOUT_SECONDS == config.RunConfig().job_timeout_seconds
    with pytest.raises(AttributeError, match="has no attribute 'TaskBindr'"):
        getattr(config, "TaskBindr")
