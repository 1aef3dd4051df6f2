"""A moto server for Terraform lifecycle tests, with the gaps the AWS provider hits filled in.

moto 5.2.5 lacks two Step Functions operations that hashicorp/aws 5.x calls on every
``aws_sfn_state_machine`` create/read:

* ``ValidateStateMachineDefinition`` (called before CreateStateMachine / UpdateStateMachine):
  answered here with a *real* check: moto's own ANTLR-based ASL parser (from its Step
  Functions interpreter) plus a reference check (StartAt / Next / Catch.Next / Default
  targets exist, every non-terminal state has Next or End). Errors come back as
  ``{"result": "FAIL", "diagnostics": [{"severity": "ERROR", ...}]}`` so the provider fails
  the apply, as real AWS would.
* ``ListStateMachineVersions`` (called on read): answered from moto's backend (the versions
  moto keeps when ``publish = true``), usually ``{"stateMachineVersions": []}``.

The methods are added to ``moto.stepfunctions.responses.StepFunctionResponse`` (moto's
dispatcher looks an action up by its snake_case method name), idempotently, before the
server starts.  The server runs in-process (``ThreadedMotoServer``) bound to 127.0.0.1 on a
free port.
"""

from __future__ import annotations

import contextlib
import io
import logging
import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator

import collections

# How often the harness answered an operation moto lacks (tests assert the provider used them).
PATCHED_CALLS: collections.Counter = collections.Counter()

REGION = "ap-northeast-1"
ACCOUNT_ID = "123456789012"  # moto's default account

# Terraform AWS provider endpoint keys that the flowdsl modules (and the self-test) need.
ENDPOINT_SERVICES = (
    "sts",
    "iam",
    "sqs",
    "sfn",
    "pipes",
    "batch",
    "cloudwatchlogs",
    "kms",
    "ecs",
    "lambda",
    "ec2",
    "events",
    "s3",
    "sns",
    "secretsmanager",
    "xray",
    "scheduler",
    "cloudwatch",  # the alarms of alarms=Alarms(...)
)


# --------------------------------------------------------------------------- ASL checking
def _walk_states(states: dict, path: str, out: list[dict]) -> None:
    names = set(states)
    for name, st in states.items():
        where = f"{path}/States/{name}"
        if not isinstance(st, dict):
            out.append(_diag("SCHEMA_VALIDATION_FAILED", f"State {name!r} is not an object", where))
            continue
        typ = st.get("Type")
        terminal = typ in ("Succeed", "Fail", "Choice")
        if not terminal and not st.get("End") and "Next" not in st:
            out.append(_diag("MISSING_TRANSITION_TARGET", f"State {name!r} has neither Next nor End", where))
        targets = []
        if "Next" in st:
            targets.append(("Next", st["Next"]))
        for i, c in enumerate(st.get("Catch", []) or []):
            targets.append((f"Catch[{i}].Next", c.get("Next")))
        for i, c in enumerate(st.get("Choices", []) or []):
            targets.append((f"Choices[{i}].Next", c.get("Next")))
        if "Default" in st:
            targets.append(("Default", st["Default"]))
        for field, tgt in targets:
            if tgt not in names:
                out.append(
                    _diag("MISSING_TRANSITION_TARGET", f"{field} of {name!r} points to unknown state {tgt!r}", where)
                )
        for i, br in enumerate(st.get("Branches", []) or []):
            _check_machine(br, f"{where}/Branches[{i}]", out)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(st.get(key), dict):
                _check_machine(st[key], f"{where}/{key}", out)


def _check_machine(doc: Any, path: str, out: list[dict]) -> None:
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


def _diag(code: str, message: str, location: str) -> dict:
    return {"severity": "ERROR", "code": code, "message": message, "location": location}


def validate_asl(definition: str) -> list[dict]:
    """Diagnostics (empty list = valid) for an ASL definition string."""
    out: list[dict] = []
    try:
        doc = json.loads(definition)
    except (TypeError, ValueError) as exc:
        return [_diag("INVALID_JSON_DESCRIPTION", f"definition is not JSON: {exc}", "/")]
    try:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        with contextlib.redirect_stderr(io.StringIO()):
            AmazonStateLanguageParser.parse(definition)
    except ImportError:  # pragma: no cover - parser ships with moto 5.x
        pass
    except Exception as exc:  # ASLParserException and friends
        out.append(_diag("SCHEMA_VALIDATION_FAILED", str(exc).splitlines()[0][:500], "/"))
    _check_machine(doc, "", out)
    return out


# --------------------------------------------------------------------------- moto patches
def patch_moto_stepfunctions() -> None:
    """Teach moto's Step Functions responder the two operations the provider needs."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse, "_flowdsl_patched", False):
        return

    def validate_state_machine_definition(self):  # type: ignore[no-untyped-def]
        PATCHED_CALLS["ValidateStateMachineDefinition"] += 1
        diagnostics = validate_asl(self._get_param("definition"))
        return ActionResult({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics})

    def list_state_machine_versions(self):  # type: ignore[no-untyped-def]
        PATCHED_CALLS["ListStateMachineVersions"] += 1
        arn = self._get_param("stateMachineArn")
        versions = []
        try:
            sm = self.stepfunction_backend.describe_state_machine(arn)
            for v in sorted(getattr(sm, "versions", {}).values(), key=lambda v: -v.version):
                versions.append({"stateMachineVersionArn": v.arn, "creationDate": v.creation_date})
        except Exception:  # unknown machine: AWS answers an empty page too
            pass
        return ActionResult({"stateMachineVersions": versions})

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions
    StepFunctionResponse._flowdsl_patched = True


def patch_moto_sqs() -> None:
    """Two SQS gaps of moto 5.2.5 that break ``plan``/``apply``:

    * RedriveAllowPolicy is stored (setattr) but GetQueueAttributes rejects the name
      ("InvalidAttributeName: Unknown Attribute RedriveAllowPolicy") and omits it from "All",
      so ``aws_sqs_queue_redrive_allow_policy`` fails to read back.  Return it.
    * RedrivePolicy is re-serialised with spaces -> perpetual "whitespace changes" diff.
    """
    from moto.sqs.models import Queue

    if getattr(Queue, "_flowdsl_patched", False):
        return
    orig = Queue.attributes

    def attributes(self):  # type: ignore[no-untyped-def]
        result = orig.fget(self)
        if getattr(self, "redrive_policy", None):
            # moto: json.dumps() with ", "/": " separators; AWS answers compact JSON, and the
            # provider reports "redrive_policy = jsonencode( # whitespace changes" forever
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        rap = getattr(self, "redrive_allow_policy", None)
        if rap:
            result["RedriveAllowPolicy"] = rap if isinstance(rap, str) else json.dumps(rap)
        return result

    Queue.attributes = property(attributes)

    from moto.sqs.models import SQSBackend

    orig_get = SQSBackend.get_queue_attributes

    def get_queue_attributes(self, queue_name, attribute_names):  # type: ignore[no-untyped-def]
        # moto rejects the name as "Unknown Attribute RedriveAllowPolicy": answer it ourselves
        wanted = "RedriveAllowPolicy" in (attribute_names or [])
        rest = [n for n in (attribute_names or []) if n != "RedriveAllowPolicy"]
        result = orig_get(self, queue_name, rest) if rest else {}
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


# --------------------------------------------------------------------------- server
@dataclass
class MotoEndpoint:
    host: str
    port: int
    region: str = REGION
    account_id: str = ACCOUNT_ID

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, service: str):  # -> botocore client
        import boto3

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def reset(self) -> None:
        """Wipe all moto state (POST /moto-api/reset)."""
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=30).read()

    def provider_config(self, region: str | None = None) -> dict:
        """Terraform JSON (``provider.tf.json`` / ``*_override.tf.json``) pointing hashicorp/aws at moto."""
        return {
            "provider": {
                "aws": {
                    "region": region or self.region,
                    "access_key": "testing",
                    "secret_key": "testing",
                    "skip_credentials_validation": True,
                    "skip_metadata_api_check": True,
                    "skip_requesting_account_id": False,  # aws_caller_identity must answer
                    "skip_region_validation": True,
                    "max_retries": 1,
                    "endpoints": [{svc: self.url for svc in ENDPOINT_SERVICES}],
                }
            }
        }


@contextlib.contextmanager
def moto_server() -> Iterator[MotoEndpoint]:
    """Start a patched ThreadedMotoServer on 127.0.0.1:<free port>; stop it on exit."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # must precede backend creation
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from moto.server import ThreadedMotoServer

    patch_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MotoEndpoint(host=host, port=port)
    finally:
        server.stop()
