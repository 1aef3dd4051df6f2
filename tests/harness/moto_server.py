"""A moto server for Terraform lifecycle tests: the sandbox's (:mod:`flowdsl.sandbox`), which
fills in what moto 5.2.5 lacks for hashicorp/aws 5.x (Step Functions
``ValidateStateMachineDefinition`` with a real check, ``ListStateMachineVersions``, and two SQS
gaps); see that module. It runs in-process on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import os
import urllib.request
from dataclasses import dataclass
from typing import Iterator

from flowdsl.sandbox import ENDPOINT_SERVICES, PATCHED_CALLS, patch_moto, provider_override, running, validate_asl

REGION = "ap-northeast-1"
ACCOUNT_ID = "123456789012"  # moto's default account

__all__ = ["ACCOUNT_ID", "ENDPOINT_SERVICES", "PATCHED_CALLS", "REGION", "MotoEndpoint", "moto_server",
           "patch_moto", "validate_asl"]


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
        return provider_override(self.url, region or self.region)


@contextlib.contextmanager
def moto_server() -> Iterator[MotoEndpoint]:
    """Start the sandbox's patched moto server on 127.0.0.1:<free port>; stop it on exit."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    with running(port=0) as sandbox:
        yield MotoEndpoint(host=sandbox.host, port=sandbox.port)
