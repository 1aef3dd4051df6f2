"""`flowdsl sandbox`: the moto server it starts answers what Terraform's provider needs, the
override block it prints covers every service a flowdsl module uses, and its bad inputs are one
line each. (The tutorial's test deploys through it end to end.)"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowdsl import sandbox
from flowdsl.build import build
from flowdsl.loader import load_workflows
from locations import ROOT

# Resource and data types of the AWS provider -> the endpoint key of the service they call;
# None: computed locally (no call).
SERVICE_OF = {
    "aws_sqs_": "sqs", "aws_pipes_": "pipes", "aws_sfn_": "sfn", "aws_cloudwatch_log_": "cloudwatchlogs",
    "aws_cloudwatch_event_": "events", "aws_iam_policy_document": None, "aws_iam_": "iam",
    "aws_scheduler_": "scheduler", "aws_batch_": "batch", "aws_kms_": "kms", "aws_lambda_": "lambda",
    "aws_sns_": "sns", "aws_s3_": "s3", "aws_ecs_": "ecs", "aws_secretsmanager_": "secretsmanager",
    "aws_xray_": "xray", "aws_caller_identity": "sts", "aws_partition": None, "aws_region": None,
}
WORKFLOWS = [ROOT / "workflows" / "fibonacci.py", ROOT / "workflows" / "nightly.py",
             *sorted((ROOT / "tests" / "terraform" / "env_workflows").glob("*.py")),
             ROOT / "tests" / "terraform" / "pipelines" / "services.py"]


def service_of(typ: str) -> str | None:
    for prefix, service in SERVICE_OF.items():
        if typ.startswith(prefix):
            return service
    raise AssertionError(f"{typ}: which service does it call? add it to SERVICE_OF")


def test_the_override_points_every_service_a_module_uses_at_the_sandbox() -> None:
    used: set[str] = set()
    kinds: set[str] = set()
    for path in WORKFLOWS:
        for wf in load_workflows(str(path)).values():
            kinds.add(type(wf.deployment).__name__)
            for name, text in build(wf).files.items():
                if name.endswith(".tf.json"):
                    doc = json.loads(text)
                    used |= {service_of(t) for block in ("resource", "data") for t in doc.get(block, {})}
    used.discard(None)
    assert {"OnDemandJob", "ScheduledJob", "EventJob", "StateMachine"} <= kinds
    assert {"sqs", "pipes", "sfn", "iam", "scheduler", "events", "sts"} <= used
    body = sandbox.provider_override("http://127.0.0.1:1", "eu-west-1")["provider"]["aws"]
    assert used <= set(body["endpoints"][0]), used - set(body["endpoints"][0])
    assert set(body["endpoints"][0].values()) == {"http://127.0.0.1:1"}
    assert body["max_retries"] == 1 and body["skip_credentials_validation"] is True
    assert body["region"] == "eu-west-1"


def hcl_values(text: str) -> dict[str, object]:
    """``key = value`` lines of the HCL block, the endpoints nested, values read as JSON."""
    out: dict[str, object] = {}
    inner: dict[str, object] | None = None
    lines = text.splitlines()
    assert lines[0] == 'provider "aws" {' and lines[-1] == "}"
    for line in lines[1:-1]:
        if line.strip() == "endpoints {":
            inner = {}
        elif line.strip() == "}":
            out["endpoints"] = [inner]
            inner = None
        elif line.strip():
            m = re.fullmatch(r"\s*(\w+)\s+= (.+)", line)
            assert m, line
            (out if inner is None else inner)[m.group(1)] = json.loads(m.group(2))
    return out


def test_the_printed_block_says_what_the_json_says() -> None:
    url = "http://127.0.0.1:4566"
    assert hcl_values(sandbox.provider_override_hcl(url, "ap-northeast-1")) == \
        sandbox.provider_override(url, "ap-northeast-1")["provider"]["aws"]


def test_terraform_reads_the_files_it_writes(tmp_path: Path) -> None:
    from harness.terraform import terraform_binary

    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-west-2"\n}\n')
    written = sandbox.write_files(str(tmp_path), "http://127.0.0.1:4566", "us-west-2", "/opt/mirror")
    assert [p.name for p in written] == ["sandbox_override.tf", "sandbox.tfrc"]
    r = subprocess.run([terraform_binary(), "fmt", "-check", "-diff", str(tmp_path)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'path    = "/opt/mirror"' in (tmp_path / "sandbox.tfrc").read_text()
    assert sandbox.write_files(str(tmp_path), "http://x", "r", None) == [tmp_path / "sandbox_override.tf"]


def test_the_server_answers_what_moto_lacks() -> None:
    import boto3

    before = sandbox.PATCHED_CALLS["ValidateStateMachineDefinition"]
    with sandbox.running() as box:
        assert box.host == "127.0.0.1" and box.port > 0
        assert os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] == "true"
        kw = dict(region_name="us-east-1", endpoint_url=box.url, aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        sfn = boto3.client("stepfunctions", **kw)
        ok = sfn.validate_state_machine_definition(
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
        assert ok["result"] == "OK"
        bad = sfn.validate_state_machine_definition(
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
        assert bad["result"] == "FAIL"
        assert [d["code"] for d in bad["diagnostics"]] == ["MISSING_TRANSITION_TARGET"]
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:none"
        assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
        policy = boto3.client("iam", **kw).get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        assert policy["Policy"]["PolicyName"] == "ReadOnlyAccess"  # AWS managed policies exist
    assert sandbox.PATCHED_CALLS["ValidateStateMachineDefinition"] == before + 2


def test_a_taken_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert sandbox.main(["--port", str(port)]) == 1
    assert capsys.readouterr().err == (f"error: cannot listen on 127.0.0.1:{port} (Address already in use): "
                                       "choose another with --port\n")


@pytest.mark.parametrize("args, line", [
    (["--port", "70000"], "error: --port 70000: a port is 0 to 65535 (0: any free one)"),
    (["--write", "no/such/folder"], "error: --write no/such/folder: no such folder"),
])
def test_bad_options_are_one_line(args: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert sandbox.main(["--port", "0", *args]) == 1
    assert capsys.readouterr() == ("", line + "\n")


def test_without_moto_it_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)  # import moto.server now fails
    assert sandbox.main(["--port", "0"]) == 1
    assert capsys.readouterr() == ("", "error: the sandbox needs moto's server, which is not installed: "
                                       "pip install 'flowdsl[sandbox]'\n")


def fake_mirror(tmp_path: Path) -> Path:
    binary = tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "aws" / "5.0.0" / "linux_amd64"
    binary.mkdir(parents=True)
    (binary / "terraform-provider-aws_v5.0.0_x5").write_text("")
    return tmp_path / "mirror"


def test_the_mirror_from_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.provider_mirror.cache_clear()
    monkeypatch.setenv(sandbox.PLUGIN_DIR_ENV, str(fake_mirror(tmp_path)))
    try:
        assert sandbox.provider_mirror() == str(tmp_path / "mirror")
        sandbox.provider_mirror.cache_clear()
        monkeypatch.setenv(sandbox.PLUGIN_DIR_ENV, str(tmp_path))
        with pytest.raises(sandbox.SandboxError, match=r"FLOWDSL_TF_PLUGIN_DIR=.* does not contain registry"):
            sandbox.provider_mirror()
    finally:
        sandbox.provider_mirror.cache_clear()


def test_what_it_prints_with_and_without_a_mirror(tmp_path: Path) -> None:
    url = "http://127.0.0.1:4566"
    written = sandbox.instructions(url, "us-east-1", "/opt/m", str(tmp_path))
    exports = re.findall(r"^export (\w+)=(.*)$", written, re.M)
    assert exports == [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", url),
                       ("TF_CLI_CONFIG_FILE", str(tmp_path.resolve() / "sandbox.tfrc"))]
    assert f"aws --endpoint-url {url} sqs" in written
    printed = sandbox.instructions(url, "us-east-1", None, None)
    assert sandbox.provider_override_hcl(url, "us-east-1") in printed
    assert "TF_CLI_CONFIG_FILE" not in printed and "provider_installation" not in printed
    assert sandbox.terraform_cli_config("/opt/m") in sandbox.instructions(url, "us-east-1", "/opt/m", None)


@pytest.mark.parametrize("command", [["-m", "flowdsl", "sandbox"], ["-m", "flowdsl.sandbox"]])
def test_the_command_serves_until_ctrl_c(command: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), sandbox.PLUGIN_DIR_ENV: str(fake_mirror(tmp_path))}
    proc = subprocess.Popen([sys.executable, *command, "--port", "0", "--write", str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        m = re.fullmatch(r"sandbox: AWS \(moto\) on (http://127\.0\.0\.1:\d+), region us-east-1; Ctrl-C stops it\n",
                         first)
        assert m, first
        import urllib.request

        with urllib.request.urlopen(f"{m.group(1)}/moto-api/", timeout=30) as r:
            assert r.status == 200
        assert m.group(1) in (tmp_path / "sandbox_override.tf").read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err


def test_help_lists_the_options() -> None:
    r = subprocess.run([sys.executable, "-m", "flowdsl", "sandbox", "--help"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 0, r.stderr
    for option in ("--port", "--region", "--write"):
        assert option in r.stdout


def test_iam_calls_made_at_once_all_succeed() -> None:
    """Terraform creates and destroys in parallel; moto's IAM walks its managed policies
    unguarded, so without the sandbox's lock some of these calls fail with a 500."""
    import concurrent.futures

    import boto3
    from botocore.config import Config

    with sandbox.running() as box:
        iam = boto3.client("iam", region_name="us-east-1", endpoint_url=box.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing",
                           config=Config(retries={"max_attempts": 1}, max_pool_connections=16))
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})
        document = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]})

        def one(i: int) -> None:
            iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=trust)
            arn = iam.create_policy(PolicyName=f"p{i}", PolicyDocument=document)["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=f"r{i}", PolicyArn=arn)
            iam.detach_role_policy(RoleName=f"r{i}", PolicyArn=arn)
            iam.delete_policy(PolicyArn=arn)
            iam.delete_role(RoleName=f"r{i}")

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # threads take turns often, as on a busy machine
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
                failures = [f.exception() for f in [pool.submit(one, i) for i in range(120)]]
        finally:
            sys.setswitchinterval(interval)
        assert [e for e in failures if e is not None] == []
        assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("r")]


def test_a_long_poll_does_not_hold_other_requests_back() -> None:
    """Requests are answered one at a time, but an SQS receive that waits for a message must
    let the send that brings it through."""
    import concurrent.futures

    import boto3

    with sandbox.running() as box:
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=box.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        url = sqs.create_queue(QueueName="polled")["QueueUrl"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10)
            time.sleep(0.5)  # the receive is waiting inside moto
            sqs.send_message(QueueUrl=url, MessageBody="hello")
            got = waiting.result(timeout=30)
        assert [m["Body"] for m in got.get("Messages", [])] == ["hello"]


@pytest.mark.parametrize("environ, polls", [
    ({"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, True),
    ({"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}, False),
    ({"QUERY_STRING": "Action=ReceiveMessage&WaitTimeSeconds=5"}, True),
    ({"QUERY_STRING": "Action=ListQueues"}, False),
    ({"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
      "BODY": b"Action=ReceiveMessage&QueueUrl=q&WaitTimeSeconds=10&Version=2012-11-05"}, True),
    ({"CONTENT_TYPE": "application/x-www-form-urlencoded", "BODY": b"Action=SendMessage&MessageBody=x"}, False),
    ({"CONTENT_TYPE": "application/json", "BODY": b"Action=ReceiveMessage"}, False),
])
def test_a_long_poll_is_told_in_either_protocol_and_the_form_is_put_back(environ: dict, polls: bool) -> None:
    import io

    body = environ.pop("BODY", None)
    if body is not None:
        environ.update({"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
    assert sandbox.is_long_poll(environ) is polls
    if body is not None:
        assert environ["wsgi.input"].read() == body  # moto reads the request as it was sent


def test_a_query_protocol_long_poll_does_not_hold_other_requests_back() -> None:
    """An older client's ReceiveMessage (a posted form, not JSON) that waits for a message lets
    the send that brings it through."""
    import concurrent.futures
    import urllib.parse
    import urllib.request

    import boto3

    with sandbox.running() as box:
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=box.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        url = sqs.create_queue(QueueName="polled-query")["QueueUrl"]
        form = urllib.parse.urlencode({"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "10",
                                       "Version": "2012-11-05"}).encode()
        request = urllib.request.Request(url, data=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=0"})

        def receive() -> str:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read().decode()

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(receive)
            time.sleep(0.5)  # the receive is waiting inside moto
            started = time.monotonic()
            sqs.send_message(QueueUrl=url, MessageBody="hello")
            sent_after = time.monotonic() - started
            got = waiting.result(timeout=30)
        assert "<Body>hello</Body>" in got
        assert sent_after < 5  # not held until the receive's 10 s ran out


def test_a_form_without_a_length_is_left_for_moto_to_read() -> None:
    import io

    stream = io.BytesIO(b"Action=ReceiveMessage")  # a chunked body: no CONTENT_LENGTH
    environ = {"CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.input": stream}
    assert sandbox.is_long_poll(environ) is False
    assert environ["wsgi.input"] is stream and stream.read() == b"Action=ReceiveMessage"
