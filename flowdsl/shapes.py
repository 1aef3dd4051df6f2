"""The shape of JSON data, as the typed data-flow check (:mod:`flowdsl.typeflow`) knows it.

A small algebra, one class per kind of value:

- :class:`Obj`: an object with known fields, each required or optional; ``rest`` is the shape
  of any other field (``None``: the object is closed, it has no other field);
- :class:`Arr`: an array of one item shape; :class:`Tup`: an array of known length, an item
  shape per position (a Parallel's result, what a pipe of batch size 1 delivers);
- :class:`Scalar`: ``string``, ``number``, ``integer``, ``boolean`` or ``null``; a string may
  hold JSON of a known shape (``content``: an SQS message's ``body``);
- :class:`Union` of two or more; and :data:`UNKNOWN`, about which nothing is known: the check
  never speaks about what it reaches.

:func:`shape_of` reads what a workflow declares: a JSON Schema dict, a ``TypedDict``, a
dataclass or an attrs class, a Python type (``str``, ``list[int]``, ``Optional[X]``), or a
shape. Any of these may sit anywhere inside a JSON Schema (a deployment kind writes the
envelope it wraps the declared message in that way). :func:`conforms` tells whether a value
fits a shape, naming the first field that does not.

Nearly a leaf: it imports only :mod:`flowdsl.errors` and :mod:`flowdsl.vocabulary`, so a kind
or an integration describes its data as plain JSON Schema and never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flowdsl.errors import FlowError

MAX_UNION = 8  # members; a wider union is UNKNOWN
MAX_DEPTH = 24  # a shape nested deeper is UNKNOWN below (recursive declarations, loops)


class ShapeError(FlowError, TypeError):
    """A declared shape that is none of the forms :func:`shape_of` reads."""


class Shape:
    __slots__ = ("_hash", "_depth")
    kind = ""

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return self is other or (type(self) is type(other) and self._key() == other._key())  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        try:
            return self._hash  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            h = hash((type(self).__name__, self._key()))
            object.__setattr__(self, "_hash", h)
            return h

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"<shape {render(self)}>"


class _Unknown(Shape):
    __slots__ = ()
    kind = "unknown"

    def _key(self) -> tuple[Any, ...]:
        return ()


UNKNOWN = _Unknown()

SCALAR_KINDS = ("string", "number", "integer", "boolean", "null")


class Scalar(Shape):
    __slots__ = ("kind", "content")
    kind: str
    content: "Shape | None"

    def __init__(self, kind: str, content: Shape | None = None) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "content", content)  # a string's JSON content, when known

    def _key(self) -> tuple[Any, ...]:
        return (self.kind, self.content)


STRING, NUMBER, INTEGER, BOOLEAN, NULL = (Scalar(k) for k in SCALAR_KINDS)


class Field:
    __slots__ = ("shape", "required")
    shape: Shape
    required: bool | None  # None: present or not, nobody says (a service model's field)

    def __init__(self, shape: Shape, required: bool | None = True) -> None:
        self.shape, self.required = shape, required

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and (self.shape, self.required) == (other.shape, other.required)

    def __hash__(self) -> int:
        return hash((self.shape, self.required))


class Obj(Shape):
    """An object. ``origin`` says where it came from, for messages ("what 'Batch' returned")."""

    __slots__ = ("fields", "rest", "origin", "partial")
    kind = "object"
    fields: dict[str, Field]
    rest: Shape | None
    origin: str | None
    partial: bool

    def __init__(self, fields: Mapping[str, Field] | None = None, rest: Shape | None = None,
                 origin: str | None = None, partial: bool = False) -> None:
        object.__setattr__(self, "fields", dict(fields or {}))
        object.__setattr__(self, "rest", UNKNOWN if partial else rest)
        object.__setattr__(self, "origin", origin)
        # partial: only these fields are known (a ResultPath wrote them into data of unknown
        # shape); nothing is said about any other
        object.__setattr__(self, "partial", partial)

    def _key(self) -> tuple[Any, ...]:
        return (frozenset(self.fields.items()), self.rest, self.partial)

    @property
    def closed(self) -> bool:
        return self.rest is None

    def with_field(self, name: str, shape: Shape, required: bool = True) -> "Obj":
        fields = dict(self.fields)
        fields[name] = Field(shape, required)
        return Obj(fields, self.rest, partial=self.partial)


class Arr(Shape):
    __slots__ = ("item",)
    kind = "array"
    item: Shape

    def __init__(self, item: Shape) -> None:
        object.__setattr__(self, "item", item)

    def _key(self) -> tuple[Any, ...]:
        return (self.item,)


class Tup(Shape):
    """An array of exactly ``len(items)`` items."""

    __slots__ = ("items",)
    kind = "array"
    items: tuple[Shape, ...]

    def __init__(self, items: Iterable[Shape]) -> None:
        object.__setattr__(self, "items", tuple(items))

    def _key(self) -> tuple[Any, ...]:
        return (self.items,)

    @property
    def item(self) -> Shape:
        return join(*self.items) if self.items else UNKNOWN


class Union(Shape):
    __slots__ = ("members",)
    kind = "union"
    members: tuple[Shape, ...]

    def __init__(self, members: Iterable[Shape]) -> None:
        object.__setattr__(self, "members", tuple(members))

    def _key(self) -> tuple[Any, ...]:
        return (frozenset(self.members),)


class Lazy(Shape):
    """A shape read on first use (a service model's): ``load()`` gives it."""

    __slots__ = ("name", "_load", "_value")
    kind = "lazy"
    name: str
    _load: Callable[[], Shape]
    _value: Shape | None

    def __init__(self, name: str, load: Callable[[], Shape]) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "_value", None)

    def _key(self) -> tuple[Any, ...]:
        return (self.name,)

    def get(self) -> Shape:
        if self._value is None:
            try:
                value = self._load()
            except Exception:  # a missing or unreadable model: nothing is known
                value = UNKNOWN
            object.__setattr__(self, "_value", value)
        return self._value  # type: ignore[return-value]


def item_of(shape: Shape) -> Shape:
    """The item shape of an array (any item of a tuple); UNKNOWN for anything else."""
    shape = force(shape)
    return shape.item if isinstance(shape, (Arr, Tup)) else UNKNOWN


def force(shape: Shape) -> Shape:
    while isinstance(shape, Lazy):
        shape = shape.get()
    return shape


def members(shape: Shape) -> tuple[Shape, ...]:
    shape = force(shape)
    return shape.members if isinstance(shape, Union) else (shape,)


def join(*shapes: Shape) -> Shape:
    """The shape of a value that has one of ``shapes``."""
    out: list[Shape] = []
    for s in shapes:
        for m in members(s):
            if m is UNKNOWN:
                return UNKNOWN
            if m not in out:
                out.append(m)
    if not out:
        return UNKNOWN
    if len(out) == 1:
        return out[0]
    if len(out) > MAX_UNION:
        return UNKNOWN
    return Union(out)


def is_known(shape: Shape) -> bool:
    return force(shape) is not UNKNOWN


def depth(shape: Shape) -> int:
    """How deep ``shape`` nests (counted up to MAX_DEPTH; kept on the shape once counted)."""
    if isinstance(shape, Lazy):
        return 0
    try:
        return shape._depth  # type: ignore[attr-defined,no-any-return]
    except AttributeError:
        pass
    if isinstance(shape, Obj):
        inner = [f.shape for f in shape.fields.values()] + ([shape.rest] if shape.rest else [])
    elif isinstance(shape, Arr):
        inner = [shape.item]
    elif isinstance(shape, Tup):
        inner = list(shape.items)
    elif isinstance(shape, Union):
        inner = None
    elif isinstance(shape, Scalar) and shape.content is not None:
        inner = [shape.content]
    else:
        inner = []
    if inner is None:
        d = max(depth(m) for m in shape.members)  # type: ignore[attr-defined]
    else:
        d = min(MAX_DEPTH, 1 + max((depth(x) for x in inner), default=0)) if inner or isinstance(
            shape, (Obj, Arr, Tup)) else 0
    object.__setattr__(shape, "_depth", d)
    return d


# ----------------------------------------------------------------------------- as messages say it

def words(shape: Shape) -> str:
    """``a string``, ``an object``, ``an array``, ``a string or null``."""
    names = []
    for m in members(shape):
        w = {"string": "a string", "number": "a number", "integer": "an integer",
             "boolean": "a boolean", "null": "null", "object": "an object", "array": "an array",
             "unknown": "any value"}.get(m.kind, m.kind)
        if w not in names:
            names.append(w)
    return " or ".join(names)


def render(shape: Shape, width: int = 100_000, _depth: int = 0) -> str:
    """The shape in a compact notation: ``{a: string, b?: integer[], ...}``, ``[A, B]`` for a
    tuple, ``A | B``, ``any`` for unknown; ``...`` closes an open object."""
    if isinstance(shape, Lazy):
        return shape.name if shape._value is None else render(shape._value, width, _depth)
    if _depth > 8:
        return "…"
    if shape is UNKNOWN:
        return "any"
    if isinstance(shape, Scalar):
        if shape.content is not None:
            return f"string(json: {render(shape.content, width, _depth + 1)})"
        return shape.kind
    if isinstance(shape, Obj):
        parts = [f"{_name(k)}{'' if f.required else '?'}: {render(f.shape, width, _depth + 1)}"
                 for k, f in shape.fields.items()]
        if shape.partial:
            parts.append("…")
        elif shape.rest is UNKNOWN:
            parts.append("...")
        elif shape.rest is not None:
            parts.append(f"[key]: {render(shape.rest, width, _depth + 1)}")
        text = "{" + ", ".join(parts) + "}"
        return text if len(text) <= width else text[:width - 2] + "…}"
    if isinstance(shape, Tup):
        return "[" + ", ".join(render(s, width, _depth + 1) for s in shape.items) + "]"
    if isinstance(shape, Arr):
        inner = render(shape.item, width, _depth + 1)
        return f"({inner})[]" if isinstance(force(shape.item), Union) else f"{inner}[]"
    if isinstance(shape, Union):
        return " | ".join(render(m, width, _depth + 1) for m in shape.members)
    return "any"


def _name(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else repr(key)


# ----------------------------------------------------------------------------- from declarations

def shape_of(spec: Any, where: str = "the shape") -> Shape:
    """The shape a declaration describes; :class:`ShapeError` naming ``where`` otherwise."""
    if isinstance(spec, type):  # a class reads once (its type hints are slow to resolve)
        hit = _CLASSES.get(spec)
        if hit is None:
            hit = _CLASSES[spec] = _Reader(where).read(spec, None, 0)
        return hit
    return _Reader(where).read(spec, spec if isinstance(spec, dict) else None, 0)


_CLASSES: dict[type, Shape] = {}


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where
        self.seen: dict[int, int] = {}  # id of a class or $ref being read -> how often

    def fail(self, message: str) -> ShapeError:
        return ShapeError(f"{self.where}: {message}")

    def read(self, spec: Any, root: Any, level: int) -> Shape:
        if level > MAX_DEPTH:
            return UNKNOWN
        if isinstance(spec, Shape):
            return spec
        if isinstance(spec, dict):
            return self.schema(spec, root, level)
        if spec is True:
            return UNKNOWN
        return self.python(spec, level)

    # JSON Schema ------------------------------------------------------------------------------
    def schema(self, s: dict[str, Any], root: Any, level: int) -> Shape:
        nxt = level + 1
        if "$ref" in s:
            ref = s["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or not isinstance(root, dict):
                raise self.fail(f"only local references ('#/$defs/Name') are read, not {ref!r}")
            target: Any = root
            for part in ref[2:].split("/"):
                if not isinstance(target, dict) or part not in target:
                    raise self.fail(f"$ref {ref!r} names nothing in the schema")
                target = target[part]
            seen = id(target)
            if self.seen.get(seen, 0) > 2:
                return UNKNOWN  # a recursive definition, read three levels deep
            self.seen[seen] = self.seen.get(seen, 0) + 1
            try:
                return self.read(target, root, nxt)
            finally:
                self.seen[seen] -= 1
        if "const" in s:
            return self.const_with(s, root, level)
        if "enum" in s:
            if not isinstance(s["enum"], list) or not s["enum"]:
                raise self.fail("enum must be a non-empty list")
            return join(*(of_value(v) for v in s["enum"]))
        for key in ("anyOf", "oneOf"):
            if key in s:
                if not isinstance(s[key], list) or not s[key]:
                    raise self.fail(f"{key} must be a non-empty list")
                return join(*(self.read(m, root, nxt) for m in s[key]))
        if "allOf" in s:
            if not isinstance(s["allOf"], list) or not s["allOf"]:
                raise self.fail("allOf must be a non-empty list")
            return self.all_of([self.read(m, root, nxt) for m in s["allOf"]], s["allOf"], root)
        t = s.get("type")
        if isinstance(t, list):
            return join(*(self.schema({**s, "type": one}, root, level) for one in t))
        if t is None:
            if "properties" in s or "required" in s or "additionalProperties" in s:
                t = "object"
            elif "items" in s or "prefixItems" in s:
                t = "array"
            else:
                return UNKNOWN
        if t == "object":
            props = s.get("properties", {})
            if not isinstance(props, dict):
                raise self.fail("properties must be an object")
            required = s.get("required", [])
            if not isinstance(required, list):
                raise self.fail("required must be a list of names")
            extra = s.get("additionalProperties", True)
            rest = None if extra is False else UNKNOWN if extra is True else self.read(extra, root, nxt)
            fields = {str(k): Field(self.read(v, root, nxt), k in required) for k, v in props.items()}
            for k in required:
                if k not in fields:
                    fields[k] = Field(rest if rest is not None else UNKNOWN, True)
            return Obj(fields, rest)
        if t == "array":
            prefix = s.get("prefixItems")
            items = s.get("items", True)
            if isinstance(prefix, list) and items is False:
                return Tup(self.read(p, root, nxt) for p in prefix)
            if isinstance(prefix, list):
                return Arr(join(*(self.read(p, root, nxt) for p in prefix),
                                self.read(items, root, nxt)))
            return Arr(self.read(items, root, nxt))
        if t == "string":
            content = s.get("contentSchema")
            if content is not None and s.get("contentMediaType", "application/json") == "application/json":
                return Scalar("string", self.read(content, root, nxt))
            return STRING
        if t in SCALAR_KINDS:
            return Scalar(t)
        raise self.fail(f"unknown JSON Schema type {t!r}")

    def const_with(self, s: dict[str, Any], root: Any, level: int) -> Shape:
        return of_value(s["const"])

    def all_of(self, shapes: list[Shape], specs: list[Any], root: Any) -> Shape:
        consts = [spec["const"] for spec in specs if isinstance(spec, dict) and "const" in spec]
        others = [sh for sh, spec in zip(shapes, specs) if not (isinstance(spec, dict) and "const" in spec)]
        if consts:
            for value in consts:
                for other in others:
                    problem = conforms(value, other)
                    if problem:
                        raise self.fail(problem)
            return of_value(consts[0])
        objs = [force(x) for x in shapes]
        if all(isinstance(o, Obj) for o in objs):
            fields: dict[str, Field] = {}
            rest: Shape | None = UNKNOWN
            for o in objs:
                assert isinstance(o, Obj)
                fields.update(o.fields)
                if o.rest is None:
                    rest = None
            return Obj(fields, rest)
        return next((o for o in objs if o is not UNKNOWN), UNKNOWN)

    # Python types -----------------------------------------------------------------------------
    def python(self, t: Any, level: int) -> Shape:
        import types
        import typing

        nxt = level + 1
        if t is Any or t is object:
            return UNKNOWN
        if t is None or t is type(None):
            return NULL
        if t is bool:
            return BOOLEAN
        if t is int:
            return INTEGER
        if t is float:
            return NUMBER
        if t is str:
            return STRING
        if t in (list, tuple):
            return Arr(UNKNOWN)
        if t is dict:
            return Obj({}, UNKNOWN)
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        if origin is typing.Annotated:
            return self.python(args[0], level)
        if origin in (typing.Union, types.UnionType):
            return join(*(self.python(a, nxt) for a in args))
        if origin is typing.Literal:
            return join(*(of_value(a) for a in args))
        if origin in (list, set, frozenset) or origin is not None and getattr(origin, "__name__", "") in (
                "Sequence", "Iterable", "Collection", "MutableSequence", "Set", "AbstractSet"):
            return Arr(self.python(args[0], nxt) if args else UNKNOWN)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return Arr(self.python(args[0], nxt))
            return Tup(self.python(a, nxt) for a in args)
        if origin is dict or origin is not None and getattr(origin, "__name__", "") in ("Mapping", "MutableMapping"):
            return Obj({}, self.python(args[1], nxt) if len(args) == 2 else UNKNOWN)
        if origin is typing.Required or origin is typing.NotRequired:
            return self.python(args[0], level)
        if isinstance(t, type) and t in _CLASSES:
            return _CLASSES[t]
        if isinstance(t, type):
            key = id(t)
            if self.seen.get(key, 0) > 2:
                return UNKNOWN
            self.seen[key] = self.seen.get(key, 0) + 1
            try:
                if typing.is_typeddict(t):
                    hints = typing.get_type_hints(t, include_extras=True)
                    required = getattr(t, "__required_keys__", frozenset(hints))
                    total = getattr(t, "__total__", True)

                    def needed(k: str, hint: Any) -> bool:
                        marker = typing.get_origin(hint)
                        if marker is typing.NotRequired:
                            return False
                        if marker is typing.Required:
                            return True
                        return k in required if not total else True

                    return Obj({k: Field(self.python(v, nxt), needed(k, v)) for k, v in hints.items()})
                if hasattr(t, "__dataclass_fields__"):  # a dataclass (is_dataclass's own test)
                    import dataclasses

                    hints = typing.get_type_hints(t)
                    return Obj({f.name: Field(self.python(hints.get(f.name, Any), nxt),
                                              f.default is dataclasses.MISSING
                                              and f.default_factory is dataclasses.MISSING)
                                for f in dataclasses.fields(t)})
                fields = getattr(t, "__attrs_attrs__", None)
                if fields is not None:
                    import attrs

                    hints = typing.get_type_hints(t)
                    return Obj({f.name: Field(self.python(hints.get(f.name, f.type or Any), nxt),
                                              f.default is attrs.NOTHING)
                                for f in fields})
            finally:
                self.seen[key] -= 1
        raise self.fail(f"{t!r} is not a shape: give a JSON Schema dict, a TypedDict, a dataclass "
                        "or an attrs class, or a JSON type (str, int, float, bool, list[...], "
                        "dict[str, ...], Optional[...])")


def of_value(value: Any) -> Shape:
    """The shape of one JSON value (a deploy-time reference is a string): exactly its fields."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return INTEGER if value.is_integer() else NUMBER
    if isinstance(value, dict):
        return Obj({str(k): Field(of_value(v)) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return Tup(of_value(v) for v in value)
    return STRING  # strings, and references (they become strings at deploy time)


# ----------------------------------------------------------------------------- values against shapes

def conforms(value: Any, shape: Shape, path: str = "$", strict_at: Shape | None = None) -> str | None:
    """Why ``value`` does not have ``shape`` (naming the field), or None. With ``strict_at``, a
    required field may be missing anywhere but inside a part of that shape (the declared message
    in an envelope a user wrote by hand)."""
    shape = force(shape)
    if shape is UNKNOWN:
        return None
    if strict_at is not None and shape == strict_at:
        strict_at = None
    lenient = strict_at is not None
    if isinstance(shape, Union):
        problems = [conforms(value, m, path, strict_at) for m in shape.members]
        if not all(problems):
            return None
        kind = _kind_of(value)
        for m, problem in zip(shape.members, problems):
            if force(m).kind == kind or kind == "integer" and force(m).kind == "number":
                return problem
        return f"{path}: is {_json(value)}; expected {words(shape)}"
    if isinstance(shape, Scalar):
        ok = {"string": lambda v: isinstance(v, str),
              "boolean": lambda v: isinstance(v, bool),
              "null": lambda v: v is None,
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
              or isinstance(v, float) and v.is_integer(),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}[shape.kind](value)
        if not ok:
            return f"{path}: is {_json(value)}; expected {words(shape)}"
        if shape.content is not None:
            import json

            try:
                inner = json.loads(value)
            except ValueError:
                return f"{path}: is a string that does not hold JSON; expected JSON of {render(shape.content)}"
            problem = conforms(inner, shape.content, "$", strict_at)
            return f"{path} (its JSON) {problem}" if problem else None
        return None
    if isinstance(shape, Obj):
        if not isinstance(value, dict):
            return f"{path}: is {_json(value)}; expected an object"
        for name, f in shape.fields.items():
            if name not in value:
                if f.required and not lenient:
                    from flowdsl.errors import did_you_mean

                    close = did_you_mean(name, [k for k in value if k not in shape.fields]).name
                    return f"{path}: has no field {name!r}, which is required" + \
                        (f" ({close!r} is there: misspelt?)" if close else "")
                continue
            problem = conforms(value[name], f.shape, f"{path}.{name}", strict_at)
            if problem:
                return problem
        for name in value:
            if name in shape.fields:
                continue
            if shape.rest is None:
                from flowdsl.errors import did_you_mean

                return f"{path}: has a field {name!r} the shape does not have" + \
                    did_you_mean(name, shape.fields).hint
            problem = conforms(value[name], shape.rest, f"{path}.{name}", strict_at)
            if problem:
                return problem
        return None
    if isinstance(shape, (Arr, Tup)):
        if not isinstance(value, list):
            return f"{path}: is {_json(value)}; expected an array"
        if isinstance(shape, Tup) and len(value) != len(shape.items):
            return f"{path}: has {len(value)} item(s); expected {len(shape.items)}"
        for i, v in enumerate(value):
            problem = conforms(v, shape.items[i] if isinstance(shape, Tup) else shape.item, f"{path}[{i}]",
                               strict_at)
            if problem:
                return problem
        return None
    return None


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "null" if value is None else "string"


def _json(value: Any) -> str:
    from flowdsl.vocabulary import json_type

    return json_type(value)


__all__ = ["Arr", "BOOLEAN", "Field", "INTEGER", "Lazy", "NULL", "NUMBER", "Obj", "STRING", "Scalar",
           "Shape", "ShapeError", "Tup", "UNKNOWN", "Union", "conforms", "force", "is_known", "join",
           "members", "of_value", "render", "shape_of", "words"]
