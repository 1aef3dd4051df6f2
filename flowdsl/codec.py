"""A cattrs converter for the whole model: workflows <-> plain JSON-compatible data.

``make_converter()`` returns a ``cattrs.Converter`` that unstructures any model object (a
workflow, a state, a condition, a reference, ...) to dicts, lists and scalars that
``json.dumps`` accepts, and structures them back into an equal model::

    conv = make_converter()
    data = conv.unstructure(workflow)          # JSON-compatible
    assert conv.structure(data, Workflow) == workflow

Encoding:

* A model object is a dict tagged with its class: ``{"@type": "Pass", "name": "A", ...}``.
  This is how the ``State`` union (and any field that may hold several kinds of object,
  such as a Catch target or a deploy-time reference) is told apart. Fields equal to their
  default are left out; ``source`` fields (where the object was written, not part of its
  value) are always left out.
* ``NULL`` (an explicit JSON null) is ``{"@type": "NULL"}``; ``None`` (absent) is ``null``.
* Inside free-form values (payloads, targets), a tuple is ``{"@type": "tuple", "items": [...]}``
  so that it comes back as a tuple, and a plain dict that itself has an ``"@type"`` key is
  wrapped as ``{"@type": "dict", "items": {...}}``. Fields declared as ``tuple[...]`` are
  plain lists.

Only flowdsl's own model classes can be named: the classes above, every registered integration
and deployment kind, and the classes their fields hold (a deployment's ``Logging``, a
``Queue``...), tagged ``module:qualname`` when their short name is not theirs alone. A tag that
names anything else is refused; the data never makes the codec import a module.

A failure raises :class:`CodecError` (a :class:`~flowdsl.errors.FlowError`) naming the place in
the data, as cattrs does: ``Retry has no field 'tries' @ $.states[0].retry[1]``.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterable
from typing import Any

import attrs
import cattrs

from flowdsl import conditions, refs, states
from flowdsl.errors import FlowError
from flowdsl.iam import Allow
from flowdsl.states import NULL, _Null

TAG = "@type"


class CodecError(FlowError, ValueError):
    """Data that does not encode or decode; ``path`` is where, from ``$`` (the whole value)."""

    def __init__(self, reason: str, path: str) -> None:
        super().__init__(f"{reason} @ {path}")
        self.reason, self.path = reason, path


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _model_classes() -> dict[str, type]:
    """Tag -> class for every model class: a fixed set, derived from flowdsl's own modules."""
    from flowdsl.deployments import load_all as load_kinds
    from flowdsl.deployments.registry import KINDS
    from flowdsl.tasks import INTEGRATIONS, load_all

    load_all()
    load_kinds()
    from flowdsl.tasks.batch import JobDefinition

    classes: list[type] = [
        states.Goto, states.Retry, states.Catch, states.When, states.Branch, states.Workflow,
        refs.Variable, refs.Var, refs.Join, refs.ResourceAttr, refs.DataAttr,
        conditions.Comparison, conditions.And, conditions.Or, conditions.Not,
        conditions.Condition, JobDefinition, Allow,
    ]
    # attrs' slotted classes replace the class a decorator was given; until the cyclic
    # collector runs, the discarded one is still a subclass: keep the module's own
    classes += [c for c in _subclasses(states.State) if not c.__name__.startswith("_")
                and getattr(sys.modules.get(c.__module__), c.__qualname__, None) is c]
    classes += list(INTEGRATIONS)
    out: dict[str, type] = {}
    for cls in classes:
        out.setdefault(cls.__name__, cls)
    # the deployment kinds and the parts their fields (and the tasks') hold, by import path
    named = set(out.values())
    for cls in _field_classes([*KINDS, *named]):
        if cls not in named and cls is not states.State and not cls.__name__.startswith("_"):
            out.setdefault(f"{cls.__module__}:{cls.__qualname__}", cls)
    return out


def _field_classes(roots: Iterable[type]) -> list[type]:
    """The roots and every flowdsl attrs class their fields' annotations name, transitively."""
    seen: dict[type, None] = {}
    todo = list(roots)
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen[cls] = None
        try:
            hints = typing.get_type_hints(cls)
        except (NameError, TypeError, AttributeError):  # an annotation that does not resolve
            hints = {}
        types = list(hints.values())
        while types:
            t = types.pop()
            if isinstance(t, type):
                if attrs.has(t) and t.__module__.startswith("flowdsl.") and t not in seen:
                    todo.append(t)
            else:
                types.extend(typing.get_args(t))
    return list(seen)


class ModelCodec:
    """The encoding itself; ``make_converter`` wires it into cattrs."""

    def __init__(self, extra_classes: Iterable[type] = ()) -> None:
        self.extra = list(extra_classes)
        self._load()

    def _load(self) -> None:
        self.by_tag = _model_classes()
        for cls in self.extra:
            self.by_tag[cls.__name__] = cls
        self.tags = {cls: tag for tag, cls in self.by_tag.items()}

    # classes ------------------------------------------------------------------------------
    def tag_of(self, cls: type, path: str = "$") -> str:
        tag = self.tags.get(cls)
        if tag is None:  # an integration or kind registered since: look again, once
            self._load()
            tag = self.tags.get(cls)
        if tag is None:
            raise CodecError(f"cannot unstructure a {cls.__qualname__}: not a flowdsl model class "
                             "(pass it in extra_classes)", path)
        return tag

    def class_of(self, tag: Any, path: str = "$") -> type:
        """The class a tag names: only one of :data:`by_tag`, never an import the data asks for."""
        cls = self.by_tag.get(tag) if isinstance(tag, str) else None
        if cls is None and isinstance(tag, str):
            self._load()
            cls = self.by_tag.get(tag)
        if cls is None:
            if isinstance(tag, str) and ":" in tag:
                raise CodecError(f"unknown model type {tag!r}: only flowdsl's own model classes can be "
                                 "named; a document never makes flowdsl import a module", path)
            raise CodecError(f"unknown model type {tag!r}", path)
        return cls

    @staticmethod
    def _fields(cls: type) -> tuple[attrs.Attribute, ...]:
        return tuple(f for f in attrs.fields(cls) if not f.metadata.get("source"))

    @staticmethod
    def _is_tuple_field(f: attrs.Attribute) -> bool:
        t = f.type
        return isinstance(t, str) and t.startswith("tuple[") or getattr(t, "__origin__", None) is tuple

    # unstructure --------------------------------------------------------------------------
    def unstructure(self, value: Any, path: str = "$") -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, _Null):
            return {TAG: "NULL"}
        if attrs.has(type(value)):
            return self.unstructure_object(value, path)
        if isinstance(value, tuple):
            return {TAG: "tuple", "items": [self.unstructure(v, f"{path}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.unstructure(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            items = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise CodecError(f"cannot unstructure a dict with {type(k).__name__} keys", path)
                items[k] = self.unstructure(v, f"{path}.{k}")
            return {TAG: "dict", "items": items} if TAG in value else items
        raise CodecError(f"cannot unstructure a {type(value).__name__}", path)

    def unstructure_object(self, obj: Any, path: str = "$") -> dict[str, Any]:
        cls = type(obj)
        out: dict[str, Any] = {TAG: self.tag_of(cls, path)}
        for f in self._fields(cls):
            v = getattr(obj, f.name)
            default = f.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory() if not default.takes_self else attrs.NOTHING
            if default is not attrs.NOTHING and _same(v, default):
                continue
            fpath = f"{path}.{f.name}"
            if self._is_tuple_field(f) and isinstance(v, tuple):
                out[f.name] = [self.unstructure(x, f"{fpath}[{i}]") for i, x in enumerate(v)]
            else:
                out[f.name] = self.unstructure(v, fpath)
        return out

    # structure ----------------------------------------------------------------------------
    def structure(self, data: Any, path: str = "$") -> Any:
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.structure(v, f"{path}[{i}]") for i, v in enumerate(data)]
        if isinstance(data, dict):
            tag = data.get(TAG)
            if tag is None:
                return {k: self.structure(v, f"{path}.{k}") for k, v in data.items()}
            if tag == "NULL":
                return NULL
            if tag in ("tuple", "dict"):
                items = data.get("items")
                if tag == "tuple" and isinstance(items, list):
                    return tuple(self.structure(v, f"{path}[{i}]") for i, v in enumerate(items))
                if tag == "dict" and isinstance(items, dict):
                    return {k: self.structure(v, f"{path}.{k}") for k, v in items.items()}
                raise CodecError(f"a {tag!r} value needs 'items' ({'a list' if tag == 'tuple' else 'an object'})",
                                 path)
            return self.structure_object(data, self.class_of(tag, path), path)
        raise CodecError(f"cannot structure a {type(data).__name__}", path)

    def structure_object(self, data: dict[str, Any], cls: type, path: str = "$") -> Any:
        kwargs: dict[str, Any] = {}
        names = {f.name: f for f in self._fields(cls)}
        for key, raw in data.items():
            if key == TAG:
                continue
            f = names.get(key)
            if f is None:
                raise CodecError(f"{cls.__name__} has no field {key!r}", path)
            fpath = f"{path}.{key}"
            if self._is_tuple_field(f) and isinstance(raw, list):
                kwargs[f.alias or f.name] = tuple(self.structure(x, f"{fpath}[{i}]") for i, x in enumerate(raw))
            else:
                kwargs[f.alias or f.name] = self.structure(raw, fpath)
        for f in attrs.fields(cls):
            if f.metadata.get("source") and f.init:
                kwargs[f.alias or f.name] = None
        missing = [f.name for f in attrs.fields(cls)
                   if f.init and f.default is attrs.NOTHING and (f.alias or f.name) not in kwargs]
        if missing:
            raise CodecError(f"required field {missing[0]!r} of {cls.__name__} missing", path)
        try:
            return cls(**kwargs)
        except FlowError:
            raise
        except (TypeError, ValueError) as e:  # a validator or converter of the model refused a value
            raise CodecError(f"{cls.__name__}: {e}", path) from None


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def make_converter(extra_classes: Iterable[type] = ()) -> cattrs.Converter:
    """A cattrs converter for every model class (and ``extra_classes``, tagged by name)."""
    codec = ModelCodec(extra_classes)
    conv = cattrs.Converter()
    model = set(codec.by_tag.values())

    def is_model(t: Any) -> bool:
        return isinstance(t, type) and (t in model or t is _Null or (
            attrs.has(t) and t.__module__.startswith("flowdsl.")))

    def is_polymorphic(t: Any) -> bool:
        # structuring to a base class (State, Ref, _TaskBase) picks the class from the tag
        return isinstance(t, type) and (issubclass(t, (states.State, refs.Ref)))

    conv.register_unstructure_hook_func(is_model, codec.unstructure)

    def structure(data: Any, t: type) -> Any:
        value = codec.structure(data)
        if not isinstance(value, t):
            raise CodecError(f"expected a {t.__name__}, got {type(value).__name__}", "$")
        return value

    conv.register_structure_hook_func(lambda t: is_model(t) or is_polymorphic(t), structure)
    return conv


__all__ = ["CodecError", "ModelCodec", "make_converter", "TAG"]
