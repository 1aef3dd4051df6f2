"""Reading a task's Parameters (or Arguments): a value, missing, or known only when the
execution runs; and the integration patterns' suffixes. A leaf: the registry, the grants of
each integration and the AWS SDK integrations read Parameters through it."""

from __future__ import annotations

from typing import Any

from flowdsl.lang.jsonata import is_expression
from flowdsl.vocabulary import REQUEST_RESPONSE, SYNC, SYNC2, TOKEN

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
    if is_expression(value):
        return DYNAMIC
    return value


def known(value: Any) -> bool:
    return value is not MISSING and value is not DYNAMIC


__all__ = ["DYNAMIC", "MISSING", "REQUEST_RESPONSE", "SYNC", "SYNC2", "TOKEN", "known", "param"]
