"""``arn:aws:states:::athena:startQueryExecution``: run an Athena query, by default waiting."""

from __future__ import annotations

from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks import Integration, register, states_arn
from flowdsl.tasks.catalog import compact, param, pattern_field, pattern_of, take, suffix_of


@frozen
class AthenaQuery(_TaskBase):
    """Run ``query`` in ``work_group`` (Athena's default: ``primary``), writing results under
    ``output_location`` (``s3://bucket/prefix/``). ``pattern``: ``"sync"`` (the default) or
    ``"request_response"``."""

    query: str | Ref = attrs.field(kw_only=True)
    work_group: str | Ref | None = attrs.field(default=None, kw_only=True)
    database: str | Ref | None = attrs.field(default=None, kw_only=True)
    output_location: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="sync", kw_only=True)


def _parameters(st: AthenaQuery) -> dict[str, Any]:
    return compact({
        "QueryString": st.query, "WorkGroup": st.work_group,
        "QueryExecutionContext": {"Database": st.database} if st.database is not None else None,
        "ResultConfiguration": {"OutputLocation": st.output_location}
        if st.output_location is not None else None,
    }, st.options)


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    suffix = pattern_of(resource, "athena:startQueryExecution")
    kwargs = take(params, {"QueryString": "query", "WorkGroup": "work_group",
                           "QueryExecutionContext": "context", "ResultConfiguration": "result"},
                  rest="options")
    if suffix is None or kwargs is None or "query" not in kwargs:
        return None
    context, result = kwargs.pop("context", {}), kwargs.pop("result", {})
    for value, key, field in ((context, "Database", "database"),
                              (result, "OutputLocation", "output_location")):
        if not isinstance(value, dict) or set(value) - {key}:
            return None
        if key in value:
            kwargs[field] = param(value, key)
    return {**kwargs, "pattern": pattern_field(suffix)}


register(AthenaQuery, Integration(
    resource=lambda st: states_arn("athena:startQueryExecution" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
))
