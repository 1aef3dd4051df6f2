"""``flowdsl new``: scaffold a job pipeline that builds and passes its own tests straight away.

A pipeline NAME is four pieces, under a project folder:

* ``workflows/NAME.py``: the workflow (read the input, run an AWS Batch job, then a success or
  an error handler) with its deployment and a ``RunConfig`` for local runs;
* ``workflows/NAME_app/job/NAME.py``: the job script the container runs;
* ``workflows/NAME_app/handlers.py``: the success and error handlers (Lambda functions when
  deployed, Python functions in a local run);
* ``tests/test_NAME.py``: tests that run the workflow locally with ``flowdsl.testing.run``.

The deployment kind (on-demand, scheduled, event) changes only how the workflow is started:
each kind is one :class:`Kind` below, and the files around it are shared.
"""

from __future__ import annotations

import keyword
import os
import re
import sys
from pathlib import Path

import attrs

from flowdsl.errors import FlowError

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")


@attrs.frozen
class Kind:
    """What one deployment kind puts into the scaffold."""

    name: str
    deployment_class: str   # the flowdsl name of the deployment class
    summary: str            # how an execution starts, for the workflow's docstring
    deployment: str         # the ``deployment=`` expression
    first_state: str        # the state that turns the execution input into the job's body
    first_name: str         # its name
    run_hint: str           # the docstring's lines that run it locally
    test_start: str         # the test module's constant for the input, if any
    test_input: str         # the ``run(...)`` argument that starts an execution
    body_check: str         # a line of the first test: the body the job got


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind(
        name="on-demand",
        deployment_class="OnDemandJob",
        summary="each message sent to its SQS queue starts it",
        deployment="OnDemandJob(job_name)",
        first_state='Pass("ReadMessage", parameters={"body.$": "$[0].body"})',
        first_name="ReadMessage",
        run_hint="    flowdsl run workflows/__NAME__.py --message '{\"id\": 1}'\n",
        test_start='MESSAGE = {"id": 1}  # the body of an SQS message\n',
        test_input="message=MESSAGE",
        body_check='assert result.output["body"] == \'{"id": 1}\'',
    ),
    Kind(
        name="scheduled",
        deployment_class="ScheduledJob",
        summary="EventBridge Scheduler starts it at 03:00 UTC every day",
        deployment='ScheduledJob(job_name, schedule="cron(0 3 * * ? *)")',
        first_state='Pass("ReadInput", parameters={"body.$": "States.JsonToString($)"})',
        first_name="ReadInput",
        run_hint="    flowdsl run workflows/__NAME__.py --scheduled\n",
        test_start="",
        test_input="scheduled=True",
        body_check='assert "scheduled_time" in json.loads(result.output["body"])',
    ),
    Kind(
        name="event",
        deployment_class="EventJob",
        summary="an EventBridge rule starts it for each new object in a bucket",
        deployment='EventJob(job_name, on=S3ObjectCreated(var("bucket_name")))',
        first_state='Pass("ReadEvent", parameters={"body.$": "States.JsonToString($.detail)"})',
        first_name="ReadEvent",
        run_hint=("    flowdsl sample-event workflows/__NAME__.py > event.json\n"
                  "    flowdsl run workflows/__NAME__.py --event event.json\n"),
        test_start=('EVENT = {  # an S3 "Object Created" event that the rule matches\n'
                    '    "source": "aws.s3",\n'
                    '    "detail-type": "Object Created",\n'
                    '    "detail": {"bucket": {"name": "app-local-input"}, "object": {"key": "a.csv"}},\n'
                    '}\n'),
        test_input="event=EVENT",
        body_check='assert json.loads(result.output["body"])["object"]["key"] == "a.csv"',
    ),
)}


def available(kind: Kind) -> bool:
    """Whether this flowdsl has the kind's deployment class."""
    import flowdsl

    return hasattr(flowdsl, kind.deployment_class)


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


def files(name: str, kind_name: str = "on-demand") -> dict[str, str]:
    """The scaffold of pipeline ``name``: relative path -> text."""
    check_name(name)
    if kind_name not in KINDS:
        raise FlowError(f"error: unknown kind {kind_name!r}: choose one of {', '.join(KINDS)}")
    kind = KINDS[kind_name]
    if not available(kind):
        raise FlowError(f"error: --kind {kind_name} is not available: this version of flowdsl has "
                        f"no {kind.deployment_class} deployment; use --kind on-demand")
    fill = {
        "__NAME__": name,
        "__KIND__": kind.name,
        "__SUMMARY__": kind.summary,
        "__DEPLOYMENT_CLASS__": kind.deployment_class,
        "__DEPLOYMENT__": kind.deployment,
        "__FIRST_STATE__": kind.first_state,
        "__FIRST_NAME__": kind.first_name,
        "__RUN_HINT__": kind.run_hint,
        "__TEST_INPUT__": kind.test_input,
        "__TEST_START__": kind.test_start,
        "__BODY_CHECK__": kind.body_check,
        "__IMPORTS__": _imports(kind),
        "__EXTRA_VARIABLES__": _extra_variables(kind),
        "__EXTRA_VALUES__": _extra_values(kind),
        "__TEST_IMPORTS__": "import json\n" if "json." in kind.body_check else "",
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
    names = ["BatchTask", "Catch", "JobDefinition", "LambdaTask", "Pass", "Retry", "Variable",
             "Workflow", kind.deployment_class, *(["S3ObjectCreated"] if kind.name == "event" else [])]
    names = sorted(names) + ["join", "var"]
    return "from flowdsl import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def _extra_variables(kind: Kind) -> str:
    if kind.name == "event":
        return '        Variable("bucket_name", description="New objects here start the job"),\n'
    return ""


def _extra_values(kind: Kind) -> str:
    return '        "bucket_name": "app-local-input",\n' if kind.name == "event" else ""


def create(name: str, kind: str = "on-demand", root: str | os.PathLike[str] = ".") -> list[Path]:
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


def on_success(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job succeeded."""
    execution = (event.get("context") or {}).get("Execution") or {}
    return {"status": "SUCCEEDED", "execution": execution.get("Name")}


def on_error(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The job failed: report its error."""
    error = (event.get("state") or {}).get("error") or {}
    execution = (event.get("context") or {}).get("Execution") or {}
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

def test_the_job_runs_then_the_success_handler():
    result = run(WORKFLOW, __TEST_INPUT__).assert_succeeded()
    assert result.visited == ["__FIRST_NAME__", "RunJob", "OnSuccess"]
    __BODY_CHECK__
    assert result.output["success_handler"]["Payload"]["status"] == "SUCCEEDED"


def test_a_failed_job_goes_to_the_error_handler():
    mocks = {"RunJob": throw("States.TaskFailed", "exit code 1")}
    result = run(WORKFLOW, __TEST_INPUT__, mocks=mocks).assert_succeeded()
    assert result.visited == ["__FIRST_NAME__", "RunJob", "OnError"]
    assert result.output["error_handler"]["Payload"]["error"] == "States.TaskFailed"


def test_the_error_handler_is_retried():
    mocks = {
        "RunJob": throw("States.TaskFailed"),
        "OnError": [throw("Lambda.ServiceException"), {"Payload": {"ok": True}}],
    }
    result = run(WORKFLOW, __TEST_INPUT__, mocks=mocks).assert_succeeded()
    # One failure, then a retry 2 s later (on the virtual clock: no real waiting).
    assert result.attempts("OnError") == [0, 2]
'''


__all__ = ["KINDS", "Kind", "available", "check_name", "create", "files"]
