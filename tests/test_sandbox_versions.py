"""The sandbox's Step Functions and safe deploys: a state machine published with versions, an
alias routing them, and executions started through the alias or a version, as a flowdsl
module's trigger (and its ``alias_arn`` output) starts them. moto 5.2.5 keeps versions and
aliases but cannot start either; the sandbox answers (flowdsl/sandbox.py)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from flowdsl import sandbox

DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture(scope="module")
def sfn():
    import boto3

    with sandbox.running() as box:
        yield boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=box.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")


def test_versions_and_an_alias_as_the_provider_makes_them(sfn) -> None:
    made = sfn.create_state_machine(name="versions", definition=DEFINITION, roleArn=ROLE, publish=True)
    arn = made["stateMachineArn"]
    assert made["stateMachineVersionArn"] == f"{arn}:1"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=DEFINITION.replace('"A"', '"B"'),
                                       publish=True)
    assert updated["stateMachineVersionArn"] == f"{arn}:2"
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [f"{arn}:2", f"{arn}:1"]  # newest first
    first = json.loads(sfn.describe_state_machine(stateMachineArn=f"{arn}:1")["definition"])
    assert first["StartAt"] == "A"
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:2", "weight": 10},
        {"stateMachineVersionArn": f"{arn}:1", "weight": 90}])["stateMachineAliasArn"]
    assert alias == f"{arn}:live"
    routes = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["routingConfiguration"]
    assert {r["stateMachineVersionArn"]: r["weight"] for r in routes} == {f"{arn}:2": 10, f"{arn}:1": 90}


def test_an_execution_through_the_alias_runs_one_of_its_versions_by_weight(sfn) -> None:
    arn = sfn.create_state_machine(name="weighted", definition=DEFINITION, roleArn=ROLE,
                                   publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=DEFINITION.replace('"A"', '"B"'), publish=True)
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:2", "weight": 20},
        {"stateMachineVersionArn": f"{arn}:1", "weight": 80}])["stateMachineAliasArn"]
    before = sandbox.PATCHED_CALLS["StartExecution:qualified"]
    ran: Counter[str] = Counter()
    for _ in range(200):
        started = sfn.start_execution(stateMachineArn=alias, input="{}")
        execution = sfn.describe_execution(executionArn=started["executionArn"])
        assert execution["stateMachineArn"] == arn and execution["stateMachineAliasArn"] == alias
        ran[execution["stateMachineVersionArn"]] += 1
    assert set(ran) == {f"{arn}:1", f"{arn}:2"} and 10 <= ran[f"{arn}:2"] <= 80, ran
    version = sfn.describe_execution(executionArn=sfn.start_execution(
        stateMachineArn=f"{arn}:1", input="{}")["executionArn"])
    assert version["stateMachineVersionArn"] == f"{arn}:1" and "stateMachineAliasArn" not in version
    plain = sfn.describe_execution(executionArn=sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert "stateMachineVersionArn" not in plain  # the latest revision, as AWS has it
    assert sandbox.PATCHED_CALLS["StartExecution:qualified"] == before + 201


@pytest.mark.parametrize("suffix", [":nope", ":7"])
def test_starting_an_alias_or_a_version_that_does_not_exist_is_refused(sfn, suffix: str) -> None:
    from botocore.exceptions import ClientError

    arn = sfn.create_state_machine(name=f"missing{len(suffix)}", definition=DEFINITION, roleArn=ROLE,
                                   publish=True)["stateMachineArn"]
    with pytest.raises(ClientError, match="ResourceNotFound") as err:
        sfn.start_execution(stateMachineArn=arn + suffix)
    assert arn + suffix in str(err.value)


def test_concurrent_requests_are_answered_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Terraform sends up to ten requests at once, and moto's backends are not thread-safe (a
    DetachRolePolicy racing a DeletePolicy failed with "dictionary changed size during
    iteration"): the sandbox's server lets one request at a time into moto."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from moto.sts.models import STSBackend

    inside, most = [0], [0]
    lock = threading.Lock()
    identity = STSBackend.get_caller_identity

    def slow(self, *args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        with lock:
            inside[0] -= 1
        return identity(self, *args, **kwargs)

    monkeypatch.setattr(STSBackend, "get_caller_identity", slow)
    with sandbox.running() as box:
        def ask(_: int) -> str:
            sts = boto3.client("sts", region_name="us-east-1", endpoint_url=box.url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            return sts.get_caller_identity()["Account"]

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(ask, range(4))) == ["123456789012"] * 4
    assert most[0] == 1
