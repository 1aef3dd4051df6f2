"""A local AWS for trying a flowdsl module: ``flowdsl sandbox`` (or ``python -m flowdsl.sandbox``).

It starts moto's server (``ThreadedMotoServer``) on 127.0.0.1 with what Terraform's AWS
provider needs from it, and prints how to point Terraform and the AWS CLI at it: a provider
override block (every service a flowdsl module uses, credentials and account checks off,
``max_retries = 1`` so an unanswered call fails at once instead of retrying for many minutes),
the Terraform CLI configuration for an offline provider mirror when one is found
(``FLOWDSL_TF_PLUGIN_DIR``, else a search for ``terraform-provider-aws``), and the ``AWS_*``
environment and ``--endpoint-url`` for the AWS CLI. ``--write DIR`` writes the override file
and the CLI configuration there.

What moto 5.2 lacks, filled in here (the test harness starts the same server):

* Step Functions ``ValidateStateMachineDefinition``, which the provider calls before creating or
  updating a state machine: answered with a real check, moto's own ASL parser plus a check of
  every transition's target, as ``{"result": "FAIL", "diagnostics": [...]}`` when it fails.
* Step Functions ``ListStateMachineVersions``, called on every read: answered from moto's
  backend (the versions it keeps when ``publish = true``). moto has the rest of what the
  provider calls for safe deploys: ``publish`` on CreateStateMachine and UpdateStateMachine
  (``stateMachineVersionArn`` in the answer), DescribeStateMachine of a version ARN, and
  Create/Describe/Update/DeleteStateMachineAlias.
* Step Functions ``StartExecution`` of an alias or a version ARN, what a flowdsl module's
  trigger (and ``alias_arn``) starts: moto finds no state machine by an alias ARN and fails on a
  version's. Answered as AWS does: the alias picks one of its versions by their weights, and
  the execution (of the state machine, in moto's backend) records the version and the alias,
  which DescribeExecution returns as ``stateMachineVersionArn`` and ``stateMachineAliasArn``.
* SQS: ``GetQueueAttributes`` of ``RedriveAllowPolicy`` (moto rejects the name) and a
  ``RedrivePolicy`` re-serialised with spaces (a perpetual "whitespace changes" plan).

The methods are added to moto's classes (its dispatcher finds an action by its snake_case
method name), once, before the server starts.

moto's backends are not thread-safe, and Terraform sends up to ten requests at once: a
DetachRolePolicy while another thread deletes a policy failed with "dictionary changed size
during iteration" (a 500, which ``max_retries = 1`` does not retry). The server therefore
answers one request at a time (connections are still accepted concurrently), except an SQS
long poll (in the JSON or the query protocol), which waits inside moto for the send of another
request.
``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` makes AWS managed policies exist, as the roles'
attachments expect.

moto is an optional dependency: ``pip install 'flowdsl[sandbox]'``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from flowdsl.atomic import write_atomic
from flowdsl.errors import FlowError
from flowdsl.vocabulary import child_scopes

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
INSTALL = "pip install 'flowdsl[sandbox]'"

# The AWS provider's endpoint keys of every service a flowdsl module (and its data sources)
# calls: the state machine, its logs, role, KMS key and X-Ray, the triggers (SQS and Pipes,
# Scheduler, EventBridge), the integrations' resources (Batch, ECS, Lambda, S3, SNS, Secrets
# Manager), STS for the account id, EC2 for the region and CloudWatch for the alarms.
ENDPOINT_SERVICES = ("sts", "iam", "sqs", "sfn", "pipes", "batch", "cloudwatchlogs", "kms", "ecs",
                     "lambda", "ec2", "events", "s3", "sns", "secretsmanager", "xray", "scheduler",
                     "cloudwatch")

PLUGIN_DIR_ENV = "FLOWDSL_TF_PLUGIN_DIR"
_MIRROR_SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", os.path.expanduser("~"), "/")
OVERRIDE_FILE = "sandbox_override.tf"
CLI_CONFIG_FILE = "sandbox.tfrc"

# How often the sandbox answered an operation moto lacks (tests assert the provider used them).
PATCHED_CALLS: collections.Counter[str] = collections.Counter()


class SandboxError(FlowError):
    """The sandbox cannot start: moto missing, the port taken, a bad --write folder."""


# --------------------------------------------------------------------------- ASL checking
def _diag(code: str, message: str, location: str) -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message, "location": location}


def _walk_states(states: dict[str, Any], path: str, out: list[dict[str, str]]) -> None:
    names = set(states)
    for name, st in states.items():
        where = f"{path}/States/{name}"
        if not isinstance(st, dict):
            out.append(_diag("SCHEMA_VALIDATION_FAILED", f"State {name!r} is not an object", where))
            continue
        terminal = st.get("Type") in ("Succeed", "Fail", "Choice")
        if not terminal and not st.get("End") and "Next" not in st:
            out.append(_diag("MISSING_TRANSITION_TARGET", f"State {name!r} has neither Next nor End", where))
        targets = [("Next", st["Next"])] if "Next" in st else []
        targets += [(f"Catch[{i}].Next", c.get("Next")) for i, c in enumerate(st.get("Catch") or [])]
        targets += [(f"Choices[{i}].Next", c.get("Next")) for i, c in enumerate(st.get("Choices") or [])]
        if "Default" in st:
            targets.append(("Default", st["Default"]))
        for field, target in targets:
            if target not in names:
                out.append(_diag("MISSING_TRANSITION_TARGET",
                                 f"{field} of {name!r} points to unknown state {target!r}", where))
        for sub_path, sub in child_scopes(st):  # ".Branches[0]", ".ItemProcessor", ...
            _check_machine(sub, f"{where}/{sub_path[1:]}", out)


def _check_machine(doc: Any, path: str, out: list[dict[str, str]]) -> None:
    if not isinstance(doc, dict):
        out.append(_diag("SCHEMA_VALIDATION_FAILED", "definition is not an object", path or "/"))
        return
    states = doc.get("States")
    if not isinstance(states, dict) or not states:
        out.append(_diag("SCHEMA_VALIDATION_FAILED", "States is missing or empty", path or "/"))
        return
    if doc.get("StartAt") not in states:
        out.append(_diag("MISSING_TRANSITION_TARGET", f"StartAt {doc.get('StartAt')!r} is not a state", path or "/"))
    _walk_states(states, path, out)


def validate_asl(definition: str) -> list[dict[str, str]]:
    """What the sandbox's ValidateStateMachineDefinition answers for a definition string: its
    diagnostics, none when it is valid."""
    out: list[dict[str, str]] = []
    try:
        doc = json.loads(definition)
    except (TypeError, ValueError) as exc:
        return [_diag("INVALID_JSON_DESCRIPTION", f"definition is not JSON: {exc}", "/")]
    try:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        with contextlib.redirect_stderr(io.StringIO()):
            AmazonStateLanguageParser.parse(definition)
    except ImportError:  # pragma: no cover - the parser ships with moto 5
        pass
    except Exception as exc:  # ASLParserException and the like
        out.append(_diag("SCHEMA_VALIDATION_FAILED", str(exc).splitlines()[0][:500], "/"))
    _check_machine(doc, "", out)
    return out


# --------------------------------------------------------------------------- moto's gaps
def patch_moto_stepfunctions() -> None:
    """Teach moto's Step Functions responder the two operations the provider needs."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse, "_flowdsl_patched", False):
        return

    def validate_state_machine_definition(self: Any) -> Any:
        PATCHED_CALLS["ValidateStateMachineDefinition"] += 1
        diagnostics = validate_asl(self._get_param("definition"))
        return ActionResult({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics})

    def list_state_machine_versions(self: Any) -> Any:
        PATCHED_CALLS["ListStateMachineVersions"] += 1
        versions = []
        try:
            sm = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
            for v in sorted(getattr(sm, "versions", {}).values(), key=lambda v: -v.version):
                versions.append({"stateMachineVersionArn": v.arn, "creationDate": v.creation_date})
        except Exception:  # an unknown machine: AWS answers an empty page too
            pass
        return ActionResult({"stateMachineVersions": versions})

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions
    _patch_qualified_start()
    StepFunctionResponse._flowdsl_patched = True


def _patch_qualified_start() -> None:
    """StartExecution of ``<state machine ARN>:<alias>`` or ``:<version>``; DescribeExecution
    then names the version and alias, as AWS's does."""
    import random

    from moto.stepfunctions.exceptions import ResourceNotFound
    from moto.stepfunctions.models import StepFunctionBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    start_of = StepFunctionBackend.start_execution
    describe_of = StepFunctionResponse.describe_execution

    def start_execution(self: Any, state_machine_arn: str, name: str, execution_input: str) -> Any:
        base, _, qualifier = state_machine_arn.rpartition(":")
        if ":stateMachine:" not in base:  # an unqualified ARN: moto's own answer
            return start_of(self, state_machine_arn, name, execution_input)
        PATCHED_CALLS["StartExecution:qualified"] += 1
        machine = self.describe_state_machine(base)
        alias = None
        if qualifier.isdigit():
            version = machine.versions.get(int(qualifier))
        else:
            alias = machine.aliases.get(qualifier)
            if alias is None:
                raise ResourceNotFound(state_machine_arn)
            routes = alias.routing_configuration
            chosen = random.choices(routes, weights=[r["weight"] for r in routes])[0]
            version = machine.versions.get(int(chosen["stateMachineVersionArn"].rpartition(":")[2]))
        if version is None:
            raise ResourceNotFound(state_machine_arn)
        execution = start_of(self, base, name, execution_input)
        execution.flowdsl_version_arn = version.arn
        execution.flowdsl_alias_arn = state_machine_arn if alias is not None else None
        return execution

    def describe_execution(self: Any) -> Any:
        result = describe_of(self)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        for key, attribute in (("stateMachineVersionArn", "flowdsl_version_arn"),
                               ("stateMachineAliasArn", "flowdsl_alias_arn")):
            if getattr(execution, attribute, None):
                result.result[key] = getattr(execution, attribute)
        return result

    StepFunctionBackend.start_execution = start_execution
    StepFunctionResponse.describe_execution = describe_execution


def patch_moto_sqs() -> None:
    """RedriveAllowPolicy is stored but GetQueueAttributes rejects its name and leaves it out of
    "All", so ``aws_sqs_queue_redrive_allow_policy`` cannot read it back: answer it. And
    RedrivePolicy comes back with spaces, where AWS answers compact JSON: answer that."""
    from moto.sqs.models import Queue, SQSBackend

    if getattr(Queue, "_flowdsl_patched", False):
        return
    attributes_of = Queue.attributes

    def attributes(self: Any) -> Any:
        result = attributes_of.fget(self)
        if getattr(self, "redrive_policy", None):
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        rap = getattr(self, "redrive_allow_policy", None)
        if rap:
            result["RedriveAllowPolicy"] = rap if isinstance(rap, str) else json.dumps(rap)
        return result

    Queue.attributes = property(attributes)
    get_attributes = SQSBackend.get_queue_attributes

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: Any) -> Any:
        wanted = "RedriveAllowPolicy" in (attribute_names or [])
        rest = [n for n in (attribute_names or []) if n != "RedriveAllowPolicy"]
        result = get_attributes(self, queue_name, rest) if rest else {}
        if wanted:
            PATCHED_CALLS["GetQueueAttributes:RedriveAllowPolicy"] += 1
            rap = self.get_queue(queue_name).attributes.get("RedriveAllowPolicy")
            if rap:
                result["RedriveAllowPolicy"] = rap
        return result

    SQSBackend.get_queue_attributes = get_queue_attributes
    Queue._flowdsl_patched = True


def patch_moto() -> None:
    patch_moto_stepfunctions()
    patch_moto_sqs()


# --------------------------------------------------------------------------- the server
class Sandbox:
    """A running, patched moto server."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self.host, self.port = server.get_host_and_port()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.stop()


def _check_moto() -> None:
    try:
        import moto.server  # noqa: F401
        import flask  # noqa: F401  (moto's server extra)
    except ImportError:
        raise SandboxError(f"error: the sandbox needs moto's server, which is not installed: {INSTALL}") from None


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise SandboxError(f"error: --port {port}: a port is 0 to 65535 (0: any free one)")
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as e:
            raise SandboxError(f"error: cannot listen on {HOST}:{port} ({e.strerror}): "
                               "choose another with --port") from None


# Calls that wait inside moto for another request (SQS's ReceiveMessage with WaitTimeSeconds):
# under the lock they would hold every other request back until they time out. A JSON-protocol
# client names the call in X-Amz-Target; a query-protocol one (older SDKs, the CLI v1) in the
# Action parameter of the query string or of the form it posts.
LONG_POLLS = frozenset({"AmazonSQS.ReceiveMessage"})
LONG_POLL_ACTIONS = frozenset({"ReceiveMessage"})
_FORM = "application/x-www-form-urlencoded"


def is_long_poll(environ: dict[str, Any]) -> bool:
    """Whether the WSGI request ``environ`` is a long poll, in either protocol. A posted form is
    read to tell, and put back for moto to read as sent."""
    from urllib.parse import parse_qs

    if environ.get("HTTP_X_AMZ_TARGET") in LONG_POLLS:
        return True
    if set(parse_qs(environ.get("QUERY_STRING", "")).get("Action", ())) & LONG_POLL_ACTIONS:
        return True
    if not str(environ.get("CONTENT_TYPE", "")).startswith(_FORM):
        return False
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if length <= 0:  # no length given (a chunked body, say): left for moto to read as sent
        return False
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    form = parse_qs(body.decode("latin-1"))
    return bool(set(form.get("Action", ())) & LONG_POLL_ACTIONS)


def _serial_server(base: type) -> type:
    """moto's ThreadedMotoServer, answering one request at a time (see the module's doc)."""
    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                               create_backend_app)
    from werkzeug.serving import make_server

    class SerialMotoServer(base):  # type: ignore[misc, valid-type]
        def _server_entry(self) -> None:
            app = DomainDispatcherApplication(create_backend_app)
            lock = threading.Lock()

            def serial(environ: Any, start_response: Any) -> Any:
                if is_long_poll(environ):
                    # a long poll waits inside moto for a message that another request sends
                    return list(app(environ, start_response))
                with lock:  # the whole answer, body included, is made under the lock
                    return list(app(environ, start_response))

            self._server = make_server(self._ip_address, self._port, serial, True,
                                       request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return SerialMotoServer


def start(port: int = 0) -> Sandbox:
    """Start the patched moto server on 127.0.0.1:``port`` (0: a free port)."""
    _check_moto()
    _check_port(port)
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # read when the IAM backend is created
    from moto.server import ThreadedMotoServer

    patch_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = _serial_server(ThreadedMotoServer)(ip_address=HOST, port=port, verbose=False)
    server.start()
    return Sandbox(server)


@contextlib.contextmanager
def running(port: int = 0) -> Iterator[Sandbox]:
    """:func:`start`, and stop it on leaving."""
    sandbox = start(port)
    try:
        yield sandbox
    finally:
        sandbox.stop()


# --------------------------------------------------------------------------- Terraform, AWS CLI
def provider_override(url: str, region: str) -> dict[str, Any]:
    """Terraform JSON (``*_override.tf.json``) that points the ``aws`` provider at ``url``."""
    return {"provider": {"aws": {
        "region": region,
        "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "secret_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_requesting_account_id": False,  # aws_caller_identity must answer
        "skip_region_validation": True,
        "max_retries": 1,
        "endpoints": [{service: url for service in ENDPOINT_SERVICES}],
    }}}


def provider_override_hcl(url: str, region: str) -> str:
    """The same as an HCL block, for a ``*_override.tf`` file beside the provider block."""
    body = provider_override(url, region)["provider"]["aws"]
    simple = {k: v for k, v in body.items() if k != "endpoints"}
    width = max(map(len, simple))
    lines = ['provider "aws" {']
    lines += [f"  {k.ljust(width)} = {json.dumps(v)}" for k, v in simple.items()]
    lines += ["", "  endpoints {"]
    endpoints = body["endpoints"][0]
    width = max(map(len, endpoints))
    lines += [f"    {k.ljust(width)} = {json.dumps(v)}" for k, v in endpoints.items()]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _is_mirror(folder: Path) -> bool:
    return any(folder.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"))


@lru_cache(maxsize=1)
def provider_mirror() -> str | None:
    """The offline filesystem mirror holding ``registry.terraform.io/hashicorp/aws/<version>/<os_arch>/``:
    ``$FLOWDSL_TF_PLUGIN_DIR``, else the first found below a few folders; None: none found.
    SandboxError when the variable names a folder that is not one."""
    given = os.environ.get(PLUGIN_DIR_ENV)
    if given:
        if not _is_mirror(Path(given)):
            raise SandboxError(f"error: {PLUGIN_DIR_ENV}={given} does not contain "
                               "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*")
        return given
    for root in _MIRROR_SEARCH_ROOTS:
        if not os.path.isdir(root):
            continue
        try:
            found = subprocess.run(["find", root, "-xdev", "-name", "terraform-provider-aws*",
                                    "-path", "*hashicorp/aws*", "-not", "-path", "/proc/*"],
                                   capture_output=True, text=True, timeout=120).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in found.splitlines():
            p = Path(line)
            # <mirror>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*
            if len(p.parts) >= 7 and p.parts[-6] == "registry.terraform.io" and ".terraform" not in p.parts:
                return str(Path(*p.parts[:-6]))
    return None


def terraform_cli_config(mirror: str) -> str:
    """A Terraform CLI configuration (``TF_CLI_CONFIG_FILE``) that installs hashicorp/aws from
    ``mirror`` and nothing from the network."""
    return ("provider_installation {\n"
            f"  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n"
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')


def aws_environment(url: str, region: str) -> dict[str, str]:
    """The AWS CLI's (and SDKs') environment for the sandbox."""
    return {**CREDENTIALS, "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": url}


def write_files(folder: str, url: str, region: str, mirror: str | None) -> list[Path]:
    """Write the provider override (and the CLI configuration, with a mirror) into ``folder``."""
    target = Path(folder)
    if not target.is_dir():
        raise SandboxError(f"error: --write {folder}: no such folder")
    written = [target / OVERRIDE_FILE]
    write_atomic(written[0], provider_override_hcl(url, region))
    if mirror is not None:
        written.append(target / CLI_CONFIG_FILE)
        write_atomic(written[1], terraform_cli_config(mirror))
    return written


def instructions(url: str, region: str, mirror: str | None, folder: str | None) -> str:
    """What the sandbox prints once it serves."""
    out = [f"sandbox: AWS (moto) on {url}, region {region}; Ctrl-C stops it", ""]
    exports = dict(aws_environment(url, region))
    if folder is not None:
        out.append(f"wrote {Path(folder) / OVERRIDE_FILE}: Terraform in {folder} deploys to the sandbox "
                   "(delete it to deploy to AWS)")
        if mirror is not None:
            cli = Path(folder).resolve() / CLI_CONFIG_FILE
            out.append(f"wrote {Path(folder) / CLI_CONFIG_FILE}: terraform init installs hashicorp/aws from {mirror}")
            exports["TF_CLI_CONFIG_FILE"] = str(cli)
    else:
        out += [f"Put this in {OVERRIDE_FILE} beside your provider block (or run with --write DIR):", "",
                provider_override_hcl(url, region)]
        if mirror is not None:
            out += [f"Terraform CLI configuration for the provider mirror {mirror} "
                    "(save it and point TF_CLI_CONFIG_FILE at it):", "", terraform_cli_config(mirror)]
    out += ["", "In the shell you run terraform and the AWS CLI from:"]
    out += [f"export {k}={shlex.quote(v)}" for k, v in exports.items()]
    out += ["", f"AWS CLI v1 needs the endpoint on every command: aws --endpoint-url {url} sqs ...", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- the command
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flowdsl sandbox", description="Start a local AWS (moto) that a flowdsl module deploys "
        "to, and print how to point Terraform and the AWS CLI at it.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"the port on {HOST} (default {DEFAULT_PORT}; 0: any free one)")
    p.add_argument("--region", default=DEFAULT_REGION, help=f"the region to use (default {DEFAULT_REGION})")
    p.add_argument("--write", metavar="DIR", help=f"write {OVERRIDE_FILE} (and {CLI_CONFIG_FILE} when a "
                   "provider mirror is found) into DIR, the folder you run terraform in")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    stop = threading.Event()
    try:
        mirror = provider_mirror()
        if args.write is not None and not Path(args.write).is_dir():
            raise SandboxError(f"error: --write {args.write}: no such folder")
        sandbox = start(args.port)
    except SandboxError as e:
        print(e, file=sys.stderr)
        return 1
    try:
        if args.write is not None:
            write_files(args.write, sandbox.url, args.region, mirror)
        print(instructions(sandbox.url, args.region, mirror, args.write), flush=True)
        if threading.current_thread() is threading.main_thread():  # else SIGTERM ends the process as is
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(3600):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        sandbox.stop()
    print("sandbox: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
