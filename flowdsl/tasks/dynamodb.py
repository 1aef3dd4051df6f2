"""``arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem``: one item of a table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    REQUEST_RESPONSE,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    name_or_arn,
    register,
    states_arn,
)

_COMMON = {"TableName": "table", "ConditionExpression": "condition_expression",
           "ExpressionAttributeNames": "expression_attribute_names",
           "ExpressionAttributeValues": "expression_attribute_values"}


@frozen
class _DynamoItem(_TaskBase):
    table: str | Ref = attrs.field(kw_only=True)  # a table name or ARN
    options: JSON = attrs.field(default=None, kw_only=True)


@frozen
class DynamoGetItem(_DynamoItem):
    """Read the item with ``key`` (attribute values in DynamoDB JSON: ``{"id": {"S": "1"}}``)."""

    key: JSON = attrs.field(kw_only=True)
    projection_expression: str | None = attrs.field(default=None, kw_only=True)
    consistent_read: bool | None = attrs.field(default=None, kw_only=True)


@frozen
class DynamoPutItem(_DynamoItem):
    """Write ``item``, replacing any item with its key."""

    item: JSON = attrs.field(kw_only=True)
    condition_expression: str | None = attrs.field(default=None, kw_only=True)
    expression_attribute_names: JSON = attrs.field(default=None, kw_only=True)
    expression_attribute_values: JSON = attrs.field(default=None, kw_only=True)


@frozen
class DynamoUpdateItem(_DynamoItem):
    """Update the item with ``key`` by ``update_expression``."""

    key: JSON = attrs.field(kw_only=True)
    update_expression: str = attrs.field(kw_only=True)
    condition_expression: str | None = attrs.field(default=None, kw_only=True)
    expression_attribute_names: JSON = attrs.field(default=None, kw_only=True)
    expression_attribute_values: JSON = attrs.field(default=None, kw_only=True)


@frozen
class DynamoDeleteItem(_DynamoItem):
    """Delete the item with ``key``."""

    key: JSON = attrs.field(kw_only=True)
    condition_expression: str | None = attrs.field(default=None, kw_only=True)
    expression_attribute_names: JSON = attrs.field(default=None, kw_only=True)
    expression_attribute_values: JSON = attrs.field(default=None, kw_only=True)


_FIELDS: dict[type, tuple[str, dict[str, str]]] = {
    DynamoGetItem: ("getItem", {"TableName": "table", "Key": "key",
                                "ProjectionExpression": "projection_expression",
                                "ConsistentRead": "consistent_read"}),
    DynamoPutItem: ("putItem", {**_COMMON, "Item": "item"}),
    DynamoUpdateItem: ("updateItem", {**_COMMON, "Key": "key",
                                      "UpdateExpression": "update_expression"}),
    DynamoDeleteItem: ("deleteItem", {**_COMMON, "Key": "key"}),
}


def _parameters(st: Any) -> dict[str, Any]:
    _, fields = _FIELDS[type(st)]
    return compact({key: getattr(st, name) for key, name in fields.items()}, st.options)


def _table(s: Sampler) -> str:
    return s.pick(("jobs", "arn:aws:dynamodb:us-east-1:123456789012:table/jobs"))


# For property tests: reads and writes (the other two take the same IAM, by table).
_EXAMPLES: dict[type, Callable[[Sampler], dict[str, Any]]] = {
    DynamoGetItem: lambda s: {"table": _table(s), "key": {"id": {"S": "1"}}},
    DynamoPutItem: lambda s: {"table": _table(s), "item": {"id": {"S.$": "$$.Execution.Id"}}},
}

for _cls, (_action, _fields) in _FIELDS.items():
    register(_cls, Integration(
        resource=lambda st, a=_action: states_arn(f"dynamodb:{a}"),
        parameters=_parameters,
        inverse=inverse(f"dynamodb:{_action}", _fields,
                        required=tuple(n for n in ("table", "key", "item", "update_expression")
                                       if n in _fields.values()), patterns=False),
        example=_EXAMPLES.get(_cls),
    ))


# IAM: the table, by name or ARN ----------------------------------------------------------------

def _grants(action: str) -> Callable[[Call], list[Allow]]:
    def grants(c: Call) -> list[Allow]:
        table = c.get("TableName")
        if known(table):
            return [Allow(f"dynamodb:{action}", name_or_arn(table, "dynamodb", "table/"))]
        return [Allow(f"dynamodb:{action}", arn("dynamodb", "table/*"),
                      "DynamodbTableChosenAtRunTime")]
    return grants


for _action in ("getItem", "putItem", "updateItem", "deleteItem"):
    integration(f"dynamodb:{_action}", (REQUEST_RESPONSE,), "TableName → the table's ARN")(
        _grants(_action[0].upper() + _action[1:]))


__all__ = ["DynamoDeleteItem", "DynamoGetItem", "DynamoPutItem", "DynamoUpdateItem"]
