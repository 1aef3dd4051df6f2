"""The CLI with several deployment kinds: `build DIR`, `run --scheduled`, `run --event`,
`sample-event`, and one clear line for an input that does not fit the kind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_cli import assert_clean_failure, flowdsl, write

from locations import ROOT

UPLOADS = """
from flowdsl import EventJob, InputTransformer, Pass, S3ObjectCreated, Variable, Workflow, var
from flowdsl.run.config import RunConfig

workflow = Workflow(
    "uploads",
    variables=[Variable("bucket")],
    deployment=EventJob("uploads", S3ObjectCreated(var("bucket"), suffix=".csv"),
                        input=InputTransformer({"key": "$.detail.object.key"}, {"file": "<key>"})),
    states=[Pass("Got", parameters={"file.$": "$.file"})],
)
local = RunConfig(values={"bucket": "drop-zone"})
"""


def test_build_a_folder_builds_every_workflow_file_under_it(tmp_path: Path) -> None:
    src = tmp_path / "workflows"
    shutil.copytree(ROOT / "tests" / "terraform" / "env_workflows", src, ignore=shutil.ignore_patterns("__pycache__"))
    write(src, "shared.py", "from flowdsl import Pass\nDONE = Pass('Done')\n")  # defines no workflow: passed over
    (src / "helpers").mkdir()
    write(src / "helpers", "__init__.py", "raise RuntimeError('a package is code, not workflows')\n")
    (src / "more").mkdir()
    write(src / "more", "extra.py", UPLOADS.replace('"uploads"', '"extra"'))
    out = tmp_path / "out"
    r = flowdsl("build", str(src), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["api", "crunch", "extra", "uploads", "worker"]
    # uploads imports worker (to start it), and builds only itself
    assert sorted(p.name for p in (out / "uploads").iterdir() if not p.name.startswith(".")) == [
        "alias.tf.json", "events.tf.json", "iam.tf.json", "main.tf.json", "outputs.tf.json",
        "state_machine.tf.json", "uploads.asl.json", "variables.tf.json"]
    r = flowdsl("build", str(src), "--out", str(out), "--name", "worker", "--check")
    assert r.returncode == 0 and "(1 workflow(s))" in r.stdout, r.stderr


def test_build_a_folder_with_a_broken_file_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "workflows"
    src.mkdir()
    write(src, "good.py", UPLOADS)
    write(src, "bad.py", "from flowdsl import ScheduledJob, Pass, Workflow\n"
                         "workflow = Workflow('bad', states=[Pass('P')],\n"
                         "    deployment=ScheduledJob('bad', 'cron(0 3 * * *)'))\n")
    r = flowdsl("build", str(src), "--out", str(tmp_path / "out"))
    assert_clean_failure(r, f"{src / 'bad.py'}:3: deployment.schedule: cron(0 3 * * *) has 5 field(s); "
                            "EventBridge cron expressions have 6: minutes hours day-of-month month day-of-week "
                            "year [bad-schedule]",
                         "error: 1 problem(s); nothing was written")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    r = flowdsl("build", str(tmp_path / "nope"))
    assert_clean_failure(r, f"{tmp_path / 'nope'}: no such file")


def test_sample_event_then_run_with_it(tmp_path: Path) -> None:
    wf = write(tmp_path, "uploads.py", UPLOADS)
    r = flowdsl("sample-event", str(wf))
    assert r.returncode == 0, r.stderr
    event = json.loads(r.stdout)
    assert event["detail"]["bucket"]["name"] == "drop-zone" and event["detail"]["object"]["key"] == "example.csv"
    assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
    (tmp_path / "event.json").write_text(json.dumps(event))
    r = flowdsl("run", str(wf), "--event", str(tmp_path / "event.json"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.split("output:\n", 1)[1]) == {"file": "example.csv"}
    event["detail"]["object"]["key"] = "photo.png"
    (tmp_path / "event.json").write_text(json.dumps(event))
    r = flowdsl("run", str(wf), "--event", str(tmp_path / "event.json"))
    assert_clean_failure(r, "error: the event does not match the rule's pattern: detail.object.key is "
                            '"photo.png"; the pattern wants [{"suffix": ".csv"}]')


def test_inputs_that_do_not_fit_the_kind(tmp_path: Path) -> None:
    wf = write(tmp_path, "uploads.py", UPLOADS)
    assert_clean_failure(flowdsl("run", str(wf), "--scheduled"),
                         "error: --scheduled does not fit an EventJob, which is started by an EventBridge rule "
                         "(the event envelope, through the input transformer); build its input with --event")
    both = flowdsl("run", str(wf), "--scheduled", "--event", "x.json")
    assert both.returncode == 2 and "give --scheduled or --event, not both" in both.stderr  # usage
    assert_clean_failure(flowdsl("run", str(wf), "--event", str(tmp_path / "none.json")),
                         f"error: {tmp_path / 'none.json'}: no such file")
    fib = str(ROOT / "workflows" / "fibonacci.py")
    assert_clean_failure(flowdsl("sample-event", fib),
                         f"error: {fib}: workflow 'fibonacci' is not an EventJob (OnDemandJob); only an "
                         "EventBridge rule has an event pattern")


def test_sample_event_takes_variables_on_the_command_line(tmp_path: Path) -> None:
    wf = write(tmp_path, "uploads.py", UPLOADS.replace('local = RunConfig(values={"bucket": "drop-zone"})', ""))
    assert_clean_failure(flowdsl("sample-event", str(wf)),
                         "error: workflow 'uploads': no value for variable(s) bucket: give them in the workflow "
                         "file's RunConfig(values={...}) or with --var NAME=VALUE")
    r = flowdsl("sample-event", str(wf), "--var", "bucket=inbox")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["resources"] == ["arn:aws:s3:::inbox"]
