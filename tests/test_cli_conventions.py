"""What a Python and Unix user expects of the ``flowdsl`` command: ``--version``; one exit-status
convention (0 done, 1 the input is wrong, 2 a usage error) on every verb; ``run --output json``
for pipes; ``@FILE`` and ``@-`` values; ``validate PATH...``; ``build --var``; an imported file
that builds a whole module; ``graph --out`` refusing an extension its format does not write."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from locations import ROOT

FIB = str(ROOT / "workflows" / "fibonacci.py")


def flowdsl(*args: str, cwd: Path = ROOT, stdin: str | None = None,
            rich: bool = False) -> subprocess.CompletedProcess[str]:
    # TYPER_USE_RICH=0: typer's usage errors as plain lines (the default draws a box around them)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **({} if rich else {"TYPER_USE_RICH": "0"})}
    return subprocess.run([sys.executable, "-m", "flowdsl", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def assert_usage_error(r: subprocess.CompletedProcess[str], message: str, usage: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == f"Usage: {usage}", r.stderr
    assert lines[-1] == f"Error: {message}", r.stderr


def assert_input_error(r: subprocess.CompletedProcess[str], *lines: str) -> None:
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() == list(lines)


# ------------------------------------------------------------------------------ --version

@pytest.mark.parametrize("args", [["--version"], ["-V"], ["--version", "build"], ["-V", "graph", "x.py"]])
def test_version_prints_the_installed_version(args: list[str]) -> None:
    r = flowdsl(*args)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"flowdsl {version('flowdsl')}\n", "")


def test_version_alone_does_not_load_typer() -> None:
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('typer', 'click') or m in ('flowdsl.cli_typer', 'flowdsl.build')), file=sys.stderr))\n"
            "sys.argv = ['flowdsl', '--version']\n"
            "from flowdsl.cli import main\nmain()\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (r.returncode, r.stdout, r.stderr) == (0, f"flowdsl {version('flowdsl')}\n", "[]\n")


def test_help_lists_version_and_the_exit_statuses() -> None:
    r = flowdsl("--help")
    assert r.returncode == 0
    assert "-V, --version" in r.stdout
    assert "Exit status: 0 done; 1 the input is wrong (or a run failed); 2 a usage" in r.stdout


# ------------------------------------------------------------------------------ exit statuses

VERBS = {  # verb -> (a valid argument, its usage line, its argument's name, an option typer suggests)
    "build": ("workflows/fibonacci.py", "flowdsl build [OPTIONS] {PATH...}", "PATH...",
              " (Possible options: --out, --verbose)"),
    "validate": ("workflows/fibonacci.py", "flowdsl validate [OPTIONS] {PATH...}", "PATH...",
                 " (Possible options: --verbose)"),
    "run": ("workflows/fibonacci.py", "flowdsl run [OPTIONS] {path}", "path", ""),
    "import": ("build/fibonacci/fibonacci.asl.json", "flowdsl import [OPTIONS] {path}", "path",
               " (Possible options: --out, --verbose)"),
    "graph": ("workflows/fibonacci.py", "flowdsl graph [OPTIONS] {path}", "path", " (Possible options: --out)"),
    "new": ("orders", "flowdsl new [OPTIONS] {name}", "name", ""),
    "sample-event": ("workflows/fibonacci.py", "flowdsl sample-event [OPTIONS] {path}", "path", ""),
}


@pytest.mark.parametrize("verb", list(VERBS))
def test_every_verb_exits_2_on_an_unknown_option(verb: str, tmp_path: Path) -> None:
    arg, usage, _, suggests = VERBS[verb]
    r = flowdsl(verb, str(ROOT / arg) if verb != "new" else arg, "--bogus", cwd=tmp_path)
    assert_usage_error(r, f"No such option: --bogus{suggests}", usage)
    assert list(tmp_path.iterdir()) == []  # nothing was written


@pytest.mark.parametrize("verb", list(VERBS))
def test_every_verb_exits_2_on_a_missing_argument(verb: str, tmp_path: Path) -> None:
    _, usage, name, _ = VERBS[verb]
    assert_usage_error(flowdsl(verb, cwd=tmp_path), f"Missing argument '{name}'.", usage)


@pytest.mark.parametrize("verb", list(VERBS))
def test_every_verb_exits_2_on_an_option_without_its_value(verb: str, tmp_path: Path) -> None:
    arg, usage, _, _ = VERBS[verb]
    option = {"new": "--dir", "run": "--input", "graph": "--out"}.get(verb, "--name")
    r = flowdsl(verb, str(ROOT / arg) if verb != "new" else arg, option, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.splitlines()[-1] in (f"Error: Option '{option}' requires an argument.",
                                         f"Error: Option '{option}' / '-d' requires an argument.",
                                         f"Error: Option '{option}' / '-i' requires an argument.",
                                         f"Error: Option '{option}' / '-o' requires an argument.")


def test_no_command_or_an_unknown_one_exits_2() -> None:
    assert flowdsl().returncode == 2
    assert_usage_error(flowdsl("bogus"), "No such command 'bogus'.", "flowdsl [OPTIONS] COMMAND [ARGS]...")
    assert_usage_error(flowdsl("--bogus"), "No such option: --bogus", "flowdsl [OPTIONS] COMMAND [ARGS]...")


@pytest.mark.parametrize("args,message,usage", [
    (["new", "orders", "--kind", "cron"],
     "Invalid value for '--kind' / '-k': 'cron' is not one of 'on-demand', 'scheduled', 'event'.",
     "flowdsl new [OPTIONS] {name}"),
    (["graph", FIB, "--format", "jpeg"],
     "Invalid value for '--format' / '-f': 'jpeg' is not one of 'mermaid', 'dot', 'svg', 'png'.",
     "flowdsl graph [OPTIONS] {path}"),
    (["run", FIB, "--message", "{}", "--output", "yaml"],
     "Invalid value for '--output': 'yaml' is not one of 'human', 'json'.", "flowdsl run [OPTIONS] {path}"),
    (["run", FIB, "--input", "1", "--message", "{}"], "give --message or --input, not both",
     "flowdsl run [OPTIONS] {path}"),
    (["run", FIB, "--scheduled", "--message", "{}", "--input", "1"],
     "give one of --message, --scheduled, --input, not several", "flowdsl run [OPTIONS] {path}"),
    (["run", FIB, "--mocks", "m.json"], "--mocks and --test-case go together", "flowdsl run [OPTIONS] {path}"),
    (["run", FIB, "--test-case", "T"], "--mocks and --test-case go together", "flowdsl run [OPTIONS] {path}"),
], ids=["bad kind", "bad format", "bad output", "two inputs", "three inputs", "mocks alone", "test case alone"])
def test_a_bad_choice_or_combination_is_a_usage_error(args: list[str], message: str, usage: str,
                                                       tmp_path: Path) -> None:
    assert_usage_error(flowdsl(*args, cwd=tmp_path), message, usage)
    assert list(tmp_path.iterdir()) == []


def test_typer_s_boxed_usage_errors_exit_2_as_well() -> None:
    r = flowdsl("new", "orders", "--kind", "cron", rich=True)
    assert r.returncode == 2 and "'cron' is not one of" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args,line", [
    (["new", "9lives"], "error: '9lives' is not a valid pipeline name: use 1-80 letters, digits and '_', "
                        "starting with a letter (it names the workflow, its Python module and its test)"),
    (["run", FIB, "--var", "stage"], "error: --var 'stage': expected NAME=VALUE"),
    (["build", FIB, "--var", "stage", "--check"], "error: --var 'stage': expected NAME=VALUE"),
    (["import", "nope.json"], "error: nope.json: no such file"),
    (["sample-event", "nope.py"], "error: nope.py: no such file"),
], ids=["bad name", "bad --var", "bad build --var", "import missing", "sample-event missing"])
def test_a_wrong_value_or_file_exits_1(args: list[str], line: str, tmp_path: Path) -> None:
    r = flowdsl(*args, cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.splitlines()[0] == line


# ------------------------------------------------------------------------------ run's output

def test_run_output_json_puts_only_the_output_on_stdout() -> None:
    human = flowdsl("run", FIB, "--message", '{"n": 10}')
    machine = flowdsl("run", FIB, "--message", '{"n": 10}', "--output", "json")
    assert human.returncode == machine.returncode == 0, machine.stderr
    output = json.loads(machine.stdout)  # the whole of stdout is one JSON document
    assert output[0]["success_handler"]["Payload"]["result"] == "55"
    # the human form: the trace, a label, then the same document
    trace, _, shown = human.stdout.partition("\noutput:\n")
    assert json.loads(shown) == output
    assert "SUCCEEDED" in trace.splitlines()[0]
    assert machine.stderr.rstrip("\n") == trace  # the trace goes to stderr instead


def test_run_output_json_of_a_failed_execution_leaves_stdout_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "fail.asl.json", json.dumps({"StartAt": "Nope", "States": {
        "Nope": {"Type": "Fail", "Error": "Custom.Error", "Cause": '{"why": "it went wrong"}'}}}))
    r = flowdsl("run", str(path), "--output", "json")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.splitlines()[-4:] == ["error: execution FAILED: Custom.Error", "cause: {",
                                          '  "why": "it went wrong"', "}"]


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_20000_level_output_prints_compactly_below_32_levels(tmp_path: Path) -> None:
    from flowdsl.deep_stack import call
    from flowdsl.strict_json import loads, pretty_dumps

    deep = _deep(19_999)  # with the run's input, the most flowdsl reads
    (tmp_path / "deep.json").write_text(pretty_dumps(deep, flat_below=0))
    machine = write(tmp_path, "pass.asl.json", '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
    for extra in ([], ["--output", "json"]):
        r = flowdsl("run", str(machine), "--input", "@deep.json", *extra, cwd=tmp_path)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
        text = r.stdout.partition("output:\n")[2] if not extra else r.stdout
        # linear in the depth: 32 indented levels, then one line (fully indented: ~400 MB)
        assert len(text) < 200_000
        assert text.count("\n") == 2 * 32 + 1
        assert call(lambda: loads(text, "the output") == deep)  # compared on a large stack too


# ------------------------------------------------------------------------------ @FILE and @-

def test_input_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text('[{"body": "{\\"n\\": 7}"}]')
    for args, stdin in ((["--input", "@in.json"], None), (["--input", "@-"], '[{"body": "{\\"n\\": 7}"}]'),
                        (["-i", "@-"], '[{"body": "{\\"n\\": 7}"}]')):
        r = flowdsl("run", FIB, *args, cwd=tmp_path, stdin=stdin)
        assert r.returncode == 0, r.stderr
        assert "stdout: 13" in r.stdout


def test_message_from_a_file_is_its_text(tmp_path: Path) -> None:
    (tmp_path / "body.txt").write_text('{"n": 6}')
    r = flowdsl("run", FIB, "--message", "@body.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "stdout: 8" in r.stdout
    r = flowdsl("run", FIB, "-m", "@-", cwd=tmp_path, stdin='{"n": 5}')
    assert r.returncode == 0 and "stdout: 5" in r.stdout, r.stderr


UPLOADS = """
from flowdsl import EventJob, Pass, S3ObjectCreated, Workflow
from flowdsl.run.config import RunConfig

workflow = Workflow("uploads", deployment=EventJob("uploads", S3ObjectCreated("drop-zone")),
                    states=[Pass("Got", parameters={"key.$": "$.detail.object.key"})])
"""


def test_an_event_from_stdin(tmp_path: Path) -> None:
    wf = write(tmp_path, "uploads.py", UPLOADS)
    event = flowdsl("sample-event", str(wf)).stdout
    for value in ("-", "@-"):
        r = flowdsl("run", str(wf), "--event", value, "--output", "json", stdin=event)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"key": json.loads(event)["detail"]["object"]["key"]}
    write(tmp_path, "event.json", event)
    r = flowdsl("run", str(wf), "--event", "@event.json", "--output", "json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["key"], r.stderr


@pytest.mark.parametrize("args,line", [
    (["--input", "@missing.json"], "error: missing.json: no such file"),
    (["--input", "@."], "error: .: is a directory, not a JSON file"),
    (["--input", "@bad.json"], "error: bad.json:1:2: not valid JSON: Expecting property name enclosed in "
                               "double quotes"),
    (["--input", "@"], "error: --input '@': name a file after '@' (or @- for stdin)"),
    (["--message", "@missing.txt"], "error: --message @missing.txt: missing.txt: no such file"),
    (["--message", "@latin1.txt"], "error: --message @latin1.txt: latin1.txt: is not UTF-8 text (offset 0)"),
], ids=["missing", "folder", "bad JSON", "no name", "missing message", "message not UTF-8"])
def test_a_file_value_that_cannot_be_read_is_one_line_naming_it(args: list[str], line: str,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "latin1.txt").write_bytes(b"\xe9t\xe9")
    assert_input_error(flowdsl("run", FIB, *args, cwd=tmp_path), line)


def test_stdin_that_is_not_utf8(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "flowdsl", "run", FIB, "--input", "@-"], input=b"\xff",
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert (r.returncode, r.stderr.decode()) == (
        1, "error: --input @- (stdin): is not UTF-8 text (byte 0xff at offset 0)\n")


# ------------------------------------------------------------------------------ validate PATH...

def test_validate_takes_several_paths_and_names_a_missing_one(tmp_path: Path) -> None:
    good = str(ROOT / "build" / "fibonacci" / "fibonacci.asl.json")
    r = flowdsl("validate", FIB, good)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [f"{FIB}: workflow 'fibonacci' is valid", f"{good}: valid ASL"]
    assert_input_error(flowdsl("validate", "missing.py", cwd=tmp_path), "error: missing.py: no such file")
    write(tmp_path, "bad.py", "from flowdsl import Pass, Workflow\n"
                              "workflow = Workflow('w', states=[Pass('A', input_path='nope')])\n")
    r = flowdsl("validate", "missing.py", FIB, "bad.py", "gone.asl.json", cwd=tmp_path)
    assert r.stdout == f"{FIB}: workflow 'fibonacci' is valid\n"  # what is valid is still said
    assert_input_error(r, "error: missing.py: no such file",
                       "bad.py:2: $.States.A.InputPath: 'nope' is not a JSONPath: it must start with '$' "
                       "[bad-path]",
                       "error: gone.asl.json: no such file",
                       "error: 3 problem(s)")


# ------------------------------------------------------------------------------ build --var

GREET = """
from flowdsl import LambdaTask, Pass, Variable, Workflow, join, var

workflow = Workflow(
    "greet",
    variables=[Variable("stage", default="dev"), Variable("handler_arn"), Variable("limit", default=3)],
    states=[
        LambdaTask("Call", function=var("handler_arn")),
        Pass("Tag", parameters={"name": join("app-", var("stage")), "limit": var("limit"),
                                "literal": "${not_a_ref}"}),
    ],
)
"""
HANDLER = "arn:aws:lambda:us-east-1:123456789012:function:greet"
PARTITION = "data.aws_partition.current.partition=aws"  # the Lambda integration's ARN names it


def test_build_var_writes_the_definition_with_the_values_filled_in(tmp_path: Path) -> None:
    wf = write(tmp_path, "greet.py", GREET)
    r = flowdsl("build", str(wf), "--var", f"handler_arn={HANDLER}", "--var", "limit=5", "--var", PARTITION,
                cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "wrote build/greet/\n", "")
    folder = tmp_path / "build" / "greet"
    rendered = json.loads((folder / "greet.rendered.asl.json").read_text())
    assert rendered["States"]["Call"]["Parameters"]["FunctionName"] == HANDLER
    assert rendered["States"]["Call"]["Resource"] == "arn:aws:states:::lambda:invoke"
    # a default where no value is given; a JSON value stays a number; literal text is not escaped
    assert rendered["States"]["Tag"]["Parameters"] == {"name": "app-dev", "limit": 5, "literal": "${not_a_ref}"}
    template = json.loads((folder / "greet.asl.json").read_text())  # the module's template is as it was
    assert template["States"]["Call"]["Parameters"]["FunctionName"] == "${var.handler_arn}"
    assert template["States"]["Tag"]["Parameters"]["literal"] == "$${not_a_ref}"
    manifest = json.loads((folder / ".flowdsl-manifest.json").read_text())
    assert "greet.rendered.asl.json" in manifest["files"]
    r = flowdsl("build", "--check", str(wf), "--var", f"handler_arn={HANDLER}", "--var", "limit=5",
                "--var", PARTITION, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = flowdsl("build", "--check", str(wf), "--var", f"handler_arn={HANDLER}", "--var", PARTITION, cwd=tmp_path)
    assert_input_error(r, "build/greet/.flowdsl-manifest.json: out of date",  # it records each file's digest
                       "build/greet/greet.rendered.asl.json: out of date",
                       f"build is stale: run 'flowdsl build {wf} --var handler_arn={HANDLER} --var {PARTITION}'")
    # the next build without --var no longer produces it, so it goes (it is what flowdsl wrote)
    assert flowdsl("build", str(wf), cwd=tmp_path).returncode == 0
    assert not (folder / "greet.rendered.asl.json").exists()


def test_build_var_names_an_unknown_variable_with_a_did_you_mean(tmp_path: Path) -> None:
    wf = write(tmp_path, "greet.py", GREET)
    r = flowdsl("build", str(wf), "--var", f"handler_arn={HANDLER}", "--var", "stgae=qa", "--var", PARTITION,
                cwd=tmp_path)
    assert_input_error(r, "error: --var 'stgae': the workflow 'greet' has no such variable (did you mean "
                          "'stage'?); its variables: handler_arn, limit, stage",
                       "error: 1 problem(s); nothing was written")
    assert not (tmp_path / "build").exists()
    r = flowdsl("build", str(wf), FIB, "--var", f"handler_arn={HANDLER}", "--var", "var.stge=qa", cwd=tmp_path)
    assert r.returncode == 1
    assert ("error: --var 'stge': no workflow built has such a variable (did you mean 'stage'?); their "
            "variables: app_name, batch_job_queue_arn, env, error_handler_arn, handler_arn, image_tag, "
            "image_uri, limit, memory, stage, success_handler_arn, vcpus") in r.stderr.splitlines()


def test_build_var_needs_a_value_for_every_variable_the_definition_uses(tmp_path: Path) -> None:
    wf = write(tmp_path, "greet.py", GREET)
    assert_input_error(flowdsl("build", str(wf), "--var", "stage=qa", cwd=tmp_path),
                       "workflow 'greet': no value for variable(s) handler_arn: give them with --var NAME=VALUE",
                       "error: 1 problem(s); nothing was written")
    assert not (tmp_path / "build").exists()


def test_build_var_keeps_what_only_terraform_knows_unless_given(tmp_path: Path) -> None:
    wf = write(tmp_path, "greet.py", GREET)
    r = flowdsl("build", str(wf), "--var", f"handler_arn={HANDLER}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "note: greet.rendered.asl.json keeps ${data.aws_partition.current.partition} for Terraform to fill "
        "in; --var ADDRESS=VALUE sets one"]
    rendered = json.loads((tmp_path / "build" / "greet" / "greet.rendered.asl.json").read_text())
    assert rendered["States"]["Call"]["Resource"] == "arn:${data.aws_partition.current.partition}:states:::lambda:invoke"
    assert rendered["States"]["Tag"]["Parameters"]["literal"] == "$${not_a_ref}"  # still a template: escaped
    r = flowdsl("build", str(wf), "--var", f"handler_arn={HANDLER}",
                "--var", "data.aws_partition.current.partition=aws-cn", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    rendered = json.loads((tmp_path / "build" / "greet" / "greet.rendered.asl.json").read_text())
    assert rendered["States"]["Call"]["Resource"] == "arn:aws-cn:states:::lambda:invoke"
    assert rendered["States"]["Tag"]["Parameters"]["literal"] == "${not_a_ref}"


# ------------------------------------------------------------------------------ import -> build

_REF = re.compile(r"(?<!\$)\$\{([^{}]*)\}")


def _unresolved(folder: Path) -> list[str]:
    """Every reference in the module's files that nothing in the module defines, and every
    placeholder left as literal text (``$${...}``) in the definition."""
    files = {p.name: json.loads(p.read_text()) for p in folder.glob("*.tf.json")}
    variables = set(files["variables.tf.json"]["variable"])
    resources = {f"{t}.{n}" for doc in files.values() for t, named in doc.get("resource", {}).items() for n in named}
    data = {f"data.{t}.{n}" for doc in files.values() for t, named in doc.get("data", {}).items() for n in named}
    local_names = {f"local.{n}" for doc in files.values() for n in doc.get("locals", {})}
    out = []
    for name, doc in files.items():
        for expr in _REF.findall(json.dumps(doc)):
            for address in re.findall(r"\b(?:var|data|local|aws_[a-z0-9_]+)\.[A-Za-z0-9_.]+", expr):
                head = ".".join(address.split(".")[:3 if address.startswith("data.") else 2])
                if head.startswith("var."):
                    known = head[4:] in variables
                else:
                    known = head in resources | data | local_names
                if not known:
                    out.append(f"{name}: {address}")
    asl = next(folder.glob("*.asl.json")).read_text()
    out += [f"literal placeholder {m}" for m in re.findall(r"\$\$\{[^}]*\}", asl)]
    return out


def test_an_imported_definition_builds_a_module_with_nothing_unresolved(tmp_path: Path) -> None:
    # a definition flowdsl built for another module: its ${var.x}, its data sources, and the
    # Batch job definition that module created
    r = flowdsl("import", str(ROOT / "build" / "fibonacci" / "fibonacci.asl.json"), "--out", "wf.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    source = (tmp_path / "wf.py").read_text()
    assert '    deployment=StateMachine("fibonacci"),\n' in source
    assert 'job=var("batch_job_definition_fibonacci_arn")' in source
    r = flowdsl("build", "wf.py", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, "wrote build/fibonacci/\n"), r.stderr
    folder = tmp_path / "build" / "fibonacci"
    assert sorted(p.name for p in folder.glob("*.tf.json")) == [  # alias.tf.json: safe deploys, the default
        "alias.tf.json", "iam.tf.json", "main.tf.json", "outputs.tf.json", "state_machine.tf.json",
        "variables.tf.json"]
    assert _unresolved(folder) == []
    declared = json.loads((folder / "variables.tf.json").read_text())["variable"]
    assert "default" not in declared["batch_job_definition_fibonacci_arn"]  # required: the module's input


def test_the_unresolved_check_finds_a_literal_placeholder(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "variables.tf.json", json.dumps({"variable": {"a": {}}}))
    write(folder, "main.tf.json", json.dumps({"locals": {"d": "${var.a}/${var.b}/${aws_x.y.arn}"}}))
    write(folder, "m.asl.json", json.dumps({"x": "$${aws_batch_job_definition.j.arn}"}))
    assert _unresolved(folder) == ["main.tf.json: var.b", "main.tf.json: aws_x.y.arn",
                                   "literal placeholder $${aws_batch_job_definition.j.arn}"]


def test_an_imported_task_flowdsl_knows_no_iam_for_builds_and_says_so(tmp_path: Path) -> None:
    doc = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:review", "End": True}}}
    write(tmp_path, "review.asl.json", json.dumps(doc))
    assert flowdsl("import", "review.asl.json", cwd=tmp_path).returncode == 0
    source = (tmp_path / "workflows" / "review.py").read_text()
    assert 'Task("T", resource=var("review_activity_arn"), derived_permissions=False)' in source
    assert "flowdsl does not know what IAM some states need" in source
    r = flowdsl("build", "workflows/review.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _unresolved(tmp_path / "build" / "review") == []


# ------------------------------------------------------------------------------ graph --out

@pytest.mark.parametrize("args,line", [
    (["--out", "x.jpg"], "error: --out x.jpg: flowdsl graph does not write .jpg files; it writes .mmd or "
                         ".mermaid (mermaid), .dot or .gv (dot), .svg (svg), .png (png)"),
    (["--out", "x.svg", "--format", "dot"], "error: --out x.svg: dot is written to a .dot or .gv file, not .svg"),
    (["--out", "x.txt", "-f", "mermaid"],
     "error: --out x.txt: mermaid is written to a .mmd or .mermaid file, not .txt"),
    (["--out", "x.png", "-f", "svg"], "error: --out x.png: svg is written to a .svg file, not .png"),
])
def test_graph_refuses_an_extension_its_format_does_not_write(args: list[str], line: str,
                                                                tmp_path: Path) -> None:
    assert_input_error(flowdsl("graph", FIB, *args, cwd=tmp_path), line)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("out,first", [("x.mmd", "flowchart TD"), ("x.MERMAID", "flowchart TD"),
                                       ("x.gv", "digraph"), ("drawing", "flowchart TD")])
def test_graph_writes_an_extension_its_format_writes(out: str, first: str, tmp_path: Path) -> None:
    r = flowdsl("graph", FIB, "--out", out, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, f"wrote {out}\n"), r.stderr
    # after Mermaid's front matter (the title), the diagram's own first line
    lines = (tmp_path / out).read_text().splitlines()
    body = lines[lines.index("---", 1) + 1:] if lines[0] == "---" else lines
    assert body[0].startswith(first), lines[:6]
