"""What the catalog and the AWS SDK integrations share: the integration patterns' suffixes,
and reading a task's Parameters (a value, missing, or known only at run time). A leaf."""

from __future__ import annotations

from typing import Any

REQUEST_RESPONSE, SYNC, SYNC2, TOKEN = "", ".sync", ".sync:2", ".waitForTaskToken"
MISSING = object()  # a parameter that is not given
DYNAMIC = object()  # a parameter whose value comes from the execution (``.$`` or JSONata)


def param(params: Any, key: str) -> Any:
    if not isinstance(params, dict):
        return MISSING
    if f"{key}.$" in params:
        return DYNAMIC
    if key not in params:
        return MISSING
    value = params[key]
    if isinstance(value, str) and value.lstrip().startswith("{%"):
        return DYNAMIC
    return value


def known(value: Any) -> bool:
    return value is not MISSING and value is not DYNAMIC
