"""``arn:aws:states:::aws-sdk:<service>:<apiAction>``: call any AWS API."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import sdk
from flowdsl.tasks.registry import (
    Integration,
    Service,
    register,
    register_service,
    split,
    states_arn,
    suffix_of,
)


@frozen
class SdkCall(_TaskBase):
    """Call ``service``'s ``action`` (the SDK's names: ``SdkCall(..., service="s3",
    action="listObjectsV2", parameters={"Bucket": "b"})``). The IAM action comes from the IAM
    dataset; give ``permissions=`` where it cannot be derived."""

    service: str = attrs.field(kw_only=True)
    action: str = attrs.field(kw_only=True)
    parameters: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    parts = split(resource)
    if parts is None or parts[0] != "aws-sdk" or parts[2] not in ("", ".waitForTaskToken"):
        return None
    service, _, action = parts[1].partition(":")
    kwargs: dict[str, Any] = {"service": service, "action": action,
                              "parameters": params if params is not None else {}}
    if parts[2]:
        kwargs["pattern"] = "wait_for_task_token"
    return kwargs


register(SdkCall, Integration(
    resource=lambda st: states_arn(f"aws-sdk:{st.service}:{st.action}" + suffix_of(st.pattern)),
    parameters=lambda st: dict(st.parameters) if isinstance(st.parameters, dict) else {},
    inverse=_inverse,
    example=lambda s: {"service": "s3", "action": s.pick(("listObjectsV2", "getObject")),
                       "parameters": {"Bucket": "data", "Key": "k"} if s.flag() else {"Bucket": "data"}},
))
register_service("aws-sdk", Service(check=sdk.check, grants=sdk.grants))

__all__ = ["SdkCall"]
