"""Hypothesis strategies: readable counter-examples: Hypothesis prints model objects without their defaults and sources."""

from __future__ import annotations

from typing import Any

import attrs



def _pretty_model(obj: Any, p: Any, cycle: bool) -> None:
    from hypothesis.vendor.pretty import pprint_fields

    shown = []
    for f in attrs.fields(type(obj)):
        if not f.init or f.metadata.get("source"):
            continue
        value = getattr(obj, f.name)
        default = f.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory() if not default.takes_self else attrs.NOTHING
        if default is not attrs.NOTHING and type(value) is type(default) and value == default:
            continue
        shown.append(f.name)
    pprint_fields(obj, p, cycle, shown)


def _register_pretty_printers() -> None:
    try:
        from hypothesis.vendor.pretty import for_type_by_name
    except ImportError:  # pragma: no cover - an older or newer Hypothesis: plain reprs then
        return
    from flowdsl.codec import ModelCodec

    for cls in ModelCodec().by_tag.values():
        for_type_by_name(cls.__module__, cls.__name__, _pretty_model)


_register_pretty_printers()
