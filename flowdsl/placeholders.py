"""Rendering of compiled documents that hold references.

The compiled ASL keeps deploy-time references as objects. ``template`` turns them into
Terraform template syntax (``${var.x}``), which is what ``build/<name>/<name>.asl.json``
holds and what the Terraform module interpolates. ``resolve`` substitutes concrete values,
for tests and local runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flowdsl.errors import MissingValue
from flowdsl.refs import Join, Ref


def escape(text: str) -> str:
    """Escape literal text for a Terraform template: ``${`` and ``%{`` start interpolations."""
    return text.replace("${", "$${").replace("%{", "%%{")


def template(ref: Ref) -> str:
    if isinstance(ref, Join):
        return "".join(escape(p) if isinstance(p, str) else "${" + p.address + "}" for p in ref.parts)
    return "${" + ref.address + "}"


def walk(value: Any, on_ref: Callable[[Ref], Any], on_str: Callable[[str], Any] = lambda s: s) -> Any:
    """Copy a JSON-like value, mapping every reference and every literal string."""
    if isinstance(value, Ref):
        return on_ref(value)
    if isinstance(value, str):
        return on_str(value)
    if isinstance(value, dict):
        return {on_str(k): walk(v, on_ref, on_str) for k, v in value.items()}
    if isinstance(value, list):
        return [walk(v, on_ref, on_str) for v in value]
    return value


def to_template(doc: Any) -> Any:
    """The document in Terraform template syntax: references become ``${address}``."""
    return walk(doc, template, escape)


def resolve(doc: Any, values: Mapping[str, Any]) -> Any:
    """Substitute concrete values for references; ``values`` maps addresses to values."""

    def one(ref: Ref) -> Any:
        if isinstance(ref, Join):
            return "".join(p if isinstance(p, str) else str(one(p)) for p in ref.parts)
        try:
            return values[ref.address]
        except KeyError:
            raise MissingValue(f"no value for {ref.address}") from None

    return walk(doc, one)


def dumps(doc: Any) -> str:
    """Deterministic JSON: sorted keys, 2-space indent, trailing newline."""
    from flowdsl.strict_json import pretty_dumps  # the same text as json.dumps, linear at any depth

    return pretty_dumps(doc, sort_keys=True) + "\n"


def refs_with_paths(value: Any, path: str) -> Iterator[tuple[str, Ref]]:
    """Every reference in a document, with its path (built only for the references found)."""
    keys: list[str] = []

    def walk(v: Any) -> Iterator[tuple[str, Ref]]:
        if isinstance(v, str):
            return
        if isinstance(v, Ref):
            where = path + "".join(keys)
            for part in v.parts if isinstance(v, Join) else (v,):
                if isinstance(part, Ref):
                    yield where, part
        elif isinstance(v, dict):
            for k, item in v.items():
                if not isinstance(item, (str, int, float, bool)) and item is not None:
                    keys.append(f".{k}")
                    yield from walk(item)
                    keys.pop()
        elif isinstance(v, (list, tuple)):
            for i, item in enumerate(v):
                if not isinstance(item, (str, int, float, bool)) and item is not None:
                    keys.append(f"[{i}]")
                    yield from walk(item)
                    keys.pop()

    return walk(value)


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every reference in a document (the parts of a join, one by one)."""
    return (ref for _, ref in refs_with_paths(value, "$"))
