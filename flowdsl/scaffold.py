"""``flowdsl new``: scaffold a job pipeline that builds and passes its own tests straight away.

A pipeline NAME is four pieces, under a project folder:

* ``workflows/NAME.py``: the workflow (read the input, run an AWS Batch job, then a success or
  an error handler) with its deployment and a ``RunConfig`` for local runs;
* ``workflows/NAME_app/job/NAME.py``: the job script the container runs;
* ``workflows/NAME_app/handlers.py``: the success and error handlers (Lambda functions when
  deployed, Python functions in a local run);
* ``tests/test_NAME.py``: tests that run the workflow locally with ``flowdsl.testing.run``.

The deployment kind changes only how the workflow is started: what each kind puts in is its
:class:`flowdsl.deployments.Scaffold`, registered with the kind; the files around it are shared.
"""

from __future__ import annotations

import importlib
import keyword
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

from flowdsl.deployments import Scaffold, kinds
from flowdsl.errors import FlowError

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")


@attrs.frozen
class Kind:
    """A deployment kind as the scaffold writes it: its class's name and its :class:`Scaffold`."""

    deployment_class: str  # the name of the deployment class
    template: Scaffold

    @property
    def name(self) -> str:
        return self.template.name


class _Kinds(Mapping[str, Kind]):
    """The kinds ``flowdsl new`` offers, by ``--kind`` name: those whose :class:`Kind`
    (``flowdsl.deployments``) has a scaffold, read from the registry at each use."""

    def _all(self) -> dict[str, Kind]:
        return {k.scaffold.name: Kind(cls.__name__, k.scaffold) for cls, k in kinds() if k.scaffold}

    def __getitem__(self, name: str) -> Kind:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


KINDS: Mapping[str, Kind] = _Kinds()


def default_kind() -> str:
    """The kind ``flowdsl new`` writes when none is asked for: the first listed."""
    return next(iter(KINDS))


def available(kind: Kind) -> bool:
    """Whether the kind's class can be imported from where its workflow imports it."""
    return hasattr(importlib.import_module(kind.template.module), kind.deployment_class)


def check_name(name: str) -> None:
    """FlowError (one line) unless ``name`` can name the workflow, its module and its test."""
    if not _NAME.fullmatch(name):
        raise FlowError(f"error: {name!r} is not a valid pipeline name: use 1-80 letters, digits "
                        "and '_', starting with a letter (it names the workflow, its Python "
                        "module and its test)")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise FlowError(f"error: {name!r} is a Python keyword; choose another name")
    if name in sys.stdlib_module_names or name == "flowdsl":
        raise FlowError(f"error: {name!r} would hide Python's own module {name!r} from the "
                        "workflow's imports; choose another name")


def files(name: str, kind_name: str | None = None) -> dict[str, str]:
    """The scaffold of pipeline ``name``: relative path -> text."""
    check_name(name)
    kinds_ = dict(KINDS)
    kind_name = kind_name if kind_name is not None else default_kind()
    if kind_name not in kinds_:
        raise FlowError(f"error: unknown kind {kind_name!r}: choose one of {', '.join(kinds_)}")
    kind = kinds_[kind_name]
    if not available(kind):
        others = [k for k in kinds_.values() if k != kind and available(k)]
        raise FlowError(f"error: --kind {kind_name} is not available: this version of flowdsl has "
                        f"no {kind.deployment_class} deployment"
                        + (f"; use --kind {others[0].name}" if others else ""))
    t = kind.template
    fill = {
        "__NAME__": name,
        "__KIND__": t.name,
        "__SUMMARY__": t.summary,
        "__DEPLOYMENT_CLASS__": kind.deployment_class,
        "__DEPLOYMENT__": t.deployment,
        "__FIRST_STATE__": t.first_state,
        "__FIRST_NAME__": t.first_name,
        "__RUN_HINT__": t.run_hint,
        "__TEST_INPUT__": t.test_input,
        "__TEST_START__": t.test_start,
        "__BODY_CHECK__": t.body_check,
        "__IMPORTS__": _imports(kind),
        "__EXTRA_VARIABLES__": t.variables,
        "__EXTRA_VALUES__": t.values,
        "__TEST_IMPORTS__": "import json\n" if "json." in t.body_check else "",
    }

    def render(template: str) -> str:
        for key, value in fill.items():  # values may hold __NAME__: it goes last
            if key != "__NAME__":
                template = template.replace(key, value)
        return template.replace("__NAME__", name)

    return {
        f"workflows/{name}.py": render(_WORKFLOW),
        f"workflows/{name}_app/__init__.py": render(_APP_INIT),
        f"workflows/{name}_app/job/{name}.py": render(_JOB),
        f"workflows/{name}_app/handlers.py": render(_HANDLERS),
        f"tests/test_{name}.py": render(_TEST),
    }


def _imports(kind: Kind) -> str:
    shared = ["BatchTask", "Catch", "JobDefinition", "LambdaTask", "Pass", "Retry", "Variable", "Workflow"]
    own = [kind.deployment_class, *kind.template.imports]
    if kind.template.module == "flowdsl":
        shared, own = shared + own, []
    names = sorted(shared) + ["join", "var"]
    text = "from flowdsl import (\n" + "".join(f"    {n},\n" for n in names) + ")"
    if own:
        text += f"\nfrom {kind.template.module} import {', '.join(sorted(own))}"
    return text


def create(name: str, kind: str | None = None, root: str | os.PathLike[str] = ".") -> list[Path]:
    """Write the scaffold under ``root``: every file or, when any of them exists, none."""
    planned = files(name, kind)
    base = Path(root)
    if base.exists() and not base.is_dir():
        raise FlowError(f"error: {root}: is not a folder")
    existing = [rel for rel in planned if (base / rel).exists() or (base / rel).is_symlink()]
    if existing:
        listed = ", ".join(str(base / rel) for rel in existing)
        raise FlowError(f"error: {listed} already exist{'s' if len(existing) == 1 else ''}; "
                        "nothing was written (flowdsl new never overwrites a file)")
    written: list[Path] = []
    made: list[Path] = []
    try:
        for rel, text in planned.items():
            target = base / rel
            for parent in reversed(target.parents):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            with open(target, "x", encoding="utf-8") as f:
                f.write(text)
            written.append(target)
    except OSError as e:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise FlowError(f"error: cannot write {e.filename}: {e.strerror}; nothing was written") from None
    return written


_WORKFLOW = '''\
"""The __NAME__ pipeline: an AWS Batch job, then a success handler, or an error handler
when the job fails.

How it starts (__KIND__): __SUMMARY__.

    flowdsl build workflows/__NAME__.py   # build/__NAME__/: ASL and a Terraform module
__RUN_HINT__    python -m pytest tests/test___NAME__.py
"""

__IMPORTS__
from flowdsl.run.config import LocalBatch, RunConfig

app_name, stage = var("app_name"), var("stage")
job_name = join(app_name, "-", stage, "-__NAME__")

# The container runs `python /opt/app/job/__NAME__.py -b BODY`; Batch fills Ref::body in.
job = JobDefinition(
    "__NAME__",
    name=job_name,
    image=join(var("image_uri"), ":", var("image_tag")),
    command=("python", "/opt/app/job/__NAME__.py", "-b", "Ref::body"),
)

# The handlers get the state and the context object; their answer is kept in the state.
handler_payload = {"state.$": "$", "context.$": "$$"}
lambda_errors = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
retry_lambda = [Retry(lambda_errors, interval_seconds=2, max_attempts=3)]

on_error = LambdaTask(
    "OnError",
    function=var("error_handler_arn"),
    payload=handler_payload,
    result_path="$.error_handler",
    retry=retry_lambda,
)

workflow = Workflow(
    "__NAME__",
    deployment=__DEPLOYMENT__,
    variables=[
        Variable("app_name", description="The first part of every resource name"),
        Variable("stage", description="Deployment stage, e.g. dev or prod"),
        Variable("batch_job_queue_arn", description="The job queue the job runs in"),
        Variable("image_uri", description="The job's container image, without a tag"),
        Variable("image_tag", default="latest"),
        Variable("success_handler_arn", description="Lambda run when the job succeeds"),
        Variable("error_handler_arn", description="Lambda run when the job fails"),
__EXTRA_VARIABLES__    ],
    states=[
        __FIRST_STATE__,
        BatchTask(
            "RunJob",
            job=job,
            job_queue=var("batch_job_queue_arn"),
            job_name=job_name,
            job_parameters={"body.$": "$.body"},
            result_path="$.job",
            catch=[Catch(["States.ALL"], next=on_error, result_path="$.error")],
        ),
        LambdaTask(
            "OnSuccess",
            function=var("success_handler_arn"),
            payload=handler_payload,
            result_path="$.success_handler",
            retry=retry_lambda,
        ),
    ],
)

# For `flowdsl run` and flowdsl.testing.run: the job script runs as a subprocess, the
# handlers as Python functions (paths are relative to this file).
local = RunConfig(
    values={
        "app_name": "app",
        "stage": "local",
        "batch_job_queue_arn": "arn:aws:batch:us-east-1:123456789012:job-queue/local",
        "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
        "success_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:ok",
        "error_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:err",
__EXTRA_VALUES__    },
    tasks={
        "RunJob": LocalBatch(path_map={"/opt/app": "__NAME___app"}),
        "OnSuccess": "__NAME___app.handlers:on_success",
        "OnError": "__NAME___app.handlers:on_error",
    },
)
'''

_APP_INIT = '''\
"""The __NAME__ pipeline's code: the Batch job script (``job/__NAME__.py``, at
``/opt/app/job/__NAME__.py`` in the container) and the success and error handlers."""
'''

_JOB = '''\
"""The Batch job: ``python /opt/app/job/__NAME__.py -b BODY``.

BODY is the JSON text the workflow passes. Replace ``process`` with the job's work:
print the result and exit 0, or explain the problem on stderr and exit 1 (the workflow
then runs its error handler).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def process(message: Any) -> Any:
    """The job's work."""
    return {"received": message}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The __NAME__ job.")
    parser.add_argument("-b", "--body", required=True, help="the input, as JSON text")
    args = parser.parse_args(argv)
    try:
        message = json.loads(args.body)
    except json.JSONDecodeError as e:
        print(f"__NAME__: the body is not JSON: {e}", file=sys.stderr)
        return 1
    print(json.dumps(process(message)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

_HANDLERS = '''\
"""The success and error handlers: Lambda functions when deployed, Python functions in
a local run. Each receives ``{"state": <state input>, "context": <context object>}`` and
returns a summary, which the workflow keeps at ``$.success_handler`` or
``$.error_handler``. Make them notify someone (SNS, a chat webhook) when deployed.
"""

from __future__ import annotations

from typing import Any


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]``, or ``{}`` when it is missing or null."""
    value: dict[str, Any] = data.get(key) or {}
    return value


def on_success(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job succeeded."""
    execution = _object(_object(event, "context"), "Execution")
    return {"status": "SUCCEEDED", "execution": execution.get("Name")}


def on_error(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job failed: report its error."""
    error = _object(_object(event, "state"), "error")
    execution = _object(_object(event, "context"), "Execution")
    return {
        "status": "FAILED",
        "execution": execution.get("Name"),
        "error": error.get("Error"),
        "cause": error.get("Cause"),
    }
'''

_TEST = '''\
"""The __NAME__ workflow, run locally on a virtual clock: the job script and the
handlers as its RunConfig binds them, or mocked."""

__TEST_IMPORTS__from pathlib import Path

from flowdsl.testing import run, throw

WORKFLOW = Path(__file__).resolve().parents[1] / "workflows" / "__NAME__.py"
__TEST_START__

def test_the_job_runs_then_the_success_handler() -> None:
    result = run(WORKFLOW, __TEST_INPUT__).assert_succeeded()
    assert result.visited == ["__FIRST_NAME__", "RunJob", "OnSuccess"]
    __BODY_CHECK__
    assert result.output["success_handler"]["Payload"]["status"] == "SUCCEEDED"


def test_a_failed_job_goes_to_the_error_handler() -> None:
    mocks = {"RunJob": throw("States.TaskFailed", "exit code 1")}
    result = run(WORKFLOW, __TEST_INPUT__, mocks=mocks).assert_succeeded()
    assert result.visited == ["__FIRST_NAME__", "RunJob", "OnError"]
    assert result.output["error_handler"]["Payload"]["error"] == "States.TaskFailed"


def test_the_error_handler_is_retried() -> None:
    mocks = {
        "RunJob": throw("States.TaskFailed"),
        "OnError": [throw("Lambda.ServiceException"), {"Payload": {"ok": True}}],
    }
    result = run(WORKFLOW, __TEST_INPUT__, mocks=mocks).assert_succeeded()
    # One failure, then a retry 2 s later (on the virtual clock: no real waiting).
    assert result.attempts("OnError") == [0, 2]
'''


__all__ = ["KINDS", "Kind", "available", "check_name", "create", "default_kind", "files"]
