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
from flowdsl.vocabulary import DocPath


def escape(text: str) -> str:
    """Escape literal text for a Terraform template: ``${`` and ``%{`` start interpolations."""
    return text.replace("${", "$${").replace("%{", "%%{")


# Literal ``$`` signs just before an interpolation: Terraform reads every ``$${`` as the escape
# of a literal ``${``, whatever precedes it, so the run of ``$`` is interpolated as a string of
# its own (``${"$$"}``); inside that quoted string a ``$`` not followed by ``{`` is literal.


def template(ref: Ref) -> str:
    """A reference in Terraform template syntax. Literal text is escaped, and a literal part
    that ends in ``$`` before a reference keeps its ``$``: ``join("US$", var("stage"))`` is
    ``US${"$"}${var.stage}``, which Terraform renders ``US$dev`` (``US$${var.stage}`` would
    render the literal text ``US${var.stage}``)."""
    if not isinstance(ref, Join):
        return "${" + ref.address + "}"
    out: list[str] = []
    parts = ref.parts
    for i, p in enumerate(parts):
        if not isinstance(p, str):
            out.append("${" + p.address + "}")
            continue
        text = escape(p)
        if text.endswith("$") and i + 1 < len(parts):  # the next part is a reference
            kept = text.rstrip("$")
            text = kept + '${"' + "$" * (len(text) - len(kept)) + '"}'
        out.append(text)
    return "".join(out)


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


# Generated files are indented down to this depth and written on one line below it: deep enough
# for every ordinary workflow (a Parallel or Map inside another adds four levels), and it keeps
# a file's size linear in its depth (full indentation grows with the square of the depth).
INDENTED_LEVELS = 32


def dumps(doc: Any) -> str:
    """Deterministic JSON: sorted keys, 2-space indent down to :data:`INDENTED_LEVELS` levels
    (compact on one line below), trailing newline."""
    from flowdsl.strict_json import pretty_dumps  # linear in time at any depth

    return pretty_dumps(doc, sort_keys=True, flat_below=INDENTED_LEVELS) + "\n"


def _containers(v: Any, path: DocPath) -> Iterator[tuple[DocPath, Any]]:
    """The items of a dict or list that may hold a reference, each with its path."""
    if isinstance(v, dict):
        for k, item in v.items():
            if not isinstance(item, (str, int, float, bool)) and item is not None:
                yield path / k, item
    elif isinstance(v, (list, tuple)):
        for i, item in enumerate(v):
            if not isinstance(item, (str, int, float, bool)) and item is not None:
                yield path[i], item


def refs_with_paths(value: Any, path: str | DocPath) -> Iterator[tuple[DocPath, Ref]]:
    """Every reference in a document, in document order, with its path below ``path``: a
    :class:`~flowdsl.vocabulary.DocPath` (``str()`` gives its text), so a document nested d deep
    holds no d strings up to d long. Iterative: constant stack, linear time at any depth."""
    root = path if isinstance(path, DocPath) else DocPath(None, path)
    stack: list[Iterator[tuple[DocPath, Any]]] = [iter([(root, value)])]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        where, v = entry
        if isinstance(v, Ref):
            for part in v.parts if isinstance(v, Join) else (v,):
                if isinstance(part, Ref):
                    yield where, part
        elif isinstance(v, (dict, list, tuple)):
            stack.append(_containers(v, where))


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every reference in a document (the parts of a join, one by one)."""
    return (ref for _, ref in refs_with_paths(value, "$"))


# Terraform reads a JSON number into a binary float of 512 bits and writes it back as the
# shortest decimal that reads back to the same float (Go's big.Float, through cty). An integer
# whose digits do not survive that deploys as another number (10**199 + 7 becomes 10**199),
# while a local run and AWS itself keep it. Python floats (53 bits) always survive.
TERRAFORM_MANTISSA_BITS = 512


def survives_terraform(number: int) -> bool:
    """Whether Terraform writes the integer back exactly as it is."""
    n = abs(number)
    bits = n.bit_length()
    if bits <= TERRAFORM_MANTISSA_BITS:
        return True  # exact, and no shorter decimal lies within half a unit of it
    shift = bits - TERRAFORM_MANTISSA_BITS
    q, r = divmod(n, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):  # round half to even
        q += 1
        if q.bit_length() > TERRAFORM_MANTISSA_BITS:
            q >>= 1
            shift += 1
    v, ulp = q << shift, 1 << shift
    # the decimals that read back to v: within half a unit each side (a quarter below a power
    # of two, where the unit below is half as large); the ends count when the mantissa is even
    below = ulp // 4 if q == 1 << (TERRAFORM_MANTISSA_BITS - 1) else ulp // 2
    lo, hi, inclusive = v - below, v + ulp // 2, q % 2 == 0
    k = len(str(hi))
    while k >= 0:
        step = 10 ** k
        first = -(-lo // step) * step  # the least multiple of 10**k not below lo
        if first == lo and not inclusive:
            first += step
        if first < hi or (first == hi and inclusive):
            # the shortest decimals; Terraform writes the one nearest to v
            last = hi // step * step
            if last == hi and not inclusive:
                last -= step
            nearest = min(range(first, last + 1, step), key=lambda m: abs(m - v))
            return nearest == n
        k -= 1
    return False


def imprecise_numbers(value: Any, path: str = "$") -> Iterator[tuple[str, int]]:
    """Every integer in a document that Terraform would round, with its path. Iterative: a
    document nested thousands deep walks in constant stack; the paths share their prefixes
    (DocPaths) and a path's text is made only for an integer found."""
    todo: list[tuple[DocPath, Any]] = [(DocPath(None, path), value)]
    while todo:
        here, v = todo.pop()
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            if not survives_terraform(v):
                yield str(here), v
        elif isinstance(v, dict):
            todo.extend((here / k, item) for k, item in reversed(list(v.items()))
                        if not isinstance(item, (str, float)) and item is not None)
        elif isinstance(v, (list, tuple)):
            todo.extend((here[i], item) for i, item in reversed(list(enumerate(v)))
                        if not isinstance(item, (str, float)) and item is not None)


def describe_number(number: int) -> str:
    """An integer as a message shows it: whole up to 40 digits, else its first and last digits
    and its length."""
    text = str(number)
    digits = len(text.lstrip("-"))
    if digits <= 40:
        return text
    return f"{text[:16]}...{text[-8:]} ({digits} digits)"
