"""``arn:aws:states:::athena:startQueryExecution``: run an Athena query, by default waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    MISSING,
    REQUEST_RESPONSE,
    SYNC,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    param,
    pattern_field,
    pattern_of,
    register,
    states_arn,
    suffix_of,
    take,
)


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


def _example(s: Sampler) -> dict[str, Any]:
    return {"query": "SELECT 1", "work_group": s.pick((None, "reports")),
            "output_location": "s3://results/"}


register(AthenaQuery, Integration(
    resource=lambda st: states_arn("athena:startQueryExecution" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
    example=_example,
))


# IAM ------------------------------------------------------------------------------------------

# Athena reads the tables a query names through Glue's Data Catalog, and S3 where they live.
_GLUE_DATABASES = ("glue:CreateDatabase", "glue:GetDatabase", "glue:GetDatabases",
                   "glue:UpdateDatabase")
_GLUE_TABLES = ("glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:BatchDeleteTable",
                "glue:BatchGetPartition", "glue:CreatePartition", "glue:CreateTable",
                "glue:DeletePartition", "glue:DeleteTable", "glue:GetPartition",
                "glue:GetPartitions", "glue:GetTable", "glue:GetTables", "glue:UpdatePartition",
                "glue:UpdateTable")
_S3_BUCKETS = ("s3:CreateBucket", "s3:GetBucketLocation", "s3:ListBucket",
               "s3:ListBucketMultipartUploads")
_S3_OBJECTS = ("s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts",
               "s3:PutObject")


def _data() -> list[Allow]:
    """What a query's own tables need; they are named in its SQL, so account-wide, as AWS's
    generated policies grant them."""
    catalog, databases = arn("glue", "catalog"), arn("glue", "database/*")
    tables, functions = arn("glue", "table/*/*"), arn("glue", "userDefinedFunction/*/*")
    return [
        Allow(_S3_BUCKETS, arn("s3", "*", region=False, account=False), "AthenaDataInQueryText"),
        Allow(_S3_OBJECTS, arn("s3", "*/*", region=False, account=False), "AthenaDataInQueryText"),
        Allow(_GLUE_DATABASES, (catalog, databases), "AthenaTablesInQueryText"),
        Allow(_GLUE_TABLES, (catalog, databases, tables), "AthenaTablesInQueryText"),
        Allow("glue:DeleteDatabase", (catalog, databases, tables, functions),
              "AthenaTablesInQueryText"),
        Allow("lakeformation:GetDataAccess", "*", "LakeFormationHasNoResource"),
    ]


def _workgroup(c: Call) -> tuple[Any, str | None]:
    group = c.get("WorkGroup")
    if group is MISSING:
        return arn("athena", "workgroup/primary"), None
    if group is DYNAMIC:
        return arn("athena", "workgroup/*"), "AthenaWorkGroupChosenAtRunTime"
    return arn("athena", "workgroup/", group), None


@integration("athena:startQueryExecution", (REQUEST_RESPONSE, SYNC),
             "WorkGroup (none → primary) and the data catalogs; .sync: the work group's query "
             "executions and results; the query's tables and S3 "
             "locations are in its SQL, so Glue's catalog, S3 and Lake Formation are granted "
             "account-wide, as AWS's generated policies do")
def _start(c: Call) -> list[Allow]:
    group, sid = _workgroup(c)
    actions = ("athena:StartQueryExecution",)
    if c.pattern == SYNC:
        # connect-athena.md, "IAM policies for calling Amazon Athena": the .sync poller also
        # reads the work group and the query's results
        actions += ("athena:BatchGetQueryExecution", "athena:GetQueryExecution",
                    "athena:GetQueryResults", "athena:GetWorkGroup",
                    "athena:ListQueryExecutions", "athena:StopQueryExecution")
    return [Allow(actions, group, sid),
            Allow("athena:GetDataCatalog", arn("athena", "datacatalog/*"), "AthenaCatalogInQueryText"),
            *_data()]


def _query(action: str, extra: tuple[str, ...] = ()) -> Callable[[Call], list[Allow]]:
    def grants(c: Call) -> list[Allow]:
        # the call names a query execution id, which belongs to a work group AWS looks up
        out = [Allow(f"athena:{action}", arn("athena", "workgroup/*"), "AthenaQueryIdChosenAtRunTime")]
        if extra:
            out.append(Allow(extra, arn("s3", "*/*", region=False, account=False),
                             "AthenaResultsLocationInQuery"))
        return out
    return grants


integration("athena:getQueryExecution", (REQUEST_RESPONSE,), "the account's work groups")(
    _query("GetQueryExecution"))
integration("athena:getQueryResults", (REQUEST_RESPONSE,),
            "the account's work groups; s3:GetObject on the result location")(
    _query("GetQueryResults", ("s3:GetObject",)))
integration("athena:stopQueryExecution", (REQUEST_RESPONSE,), "the account's work groups")(
    _query("StopQueryExecution"))


__all__ = ["AthenaQuery"]
