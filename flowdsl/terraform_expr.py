"""Terraform expressions and addresses, shared by the module assembler (``flowdsl.terraform``)
and the integrations that bring resources (``flowdsl.tasks``). A leaf: it imports only refs."""

from __future__ import annotations

import re

import attrs

from flowdsl.refs import ResourceAttr

__all__ = ["TF_IDENT", "Expr", "addr"]

# A Terraform identifier: resource and variable names.
TF_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@attrs.frozen
class Expr:
    """A raw Terraform expression, written as ``${...}`` without escaping."""

    text: str


def addr(type_: str, name: str, attribute: str) -> ResourceAttr:
    """``<type>.<name>.<attribute>``: an attribute of a resource the module creates."""
    return ResourceAttr(type_, name, attribute)
