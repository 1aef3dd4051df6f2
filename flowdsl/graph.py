"""Draw a state machine: the compiled ASL document as a graph, rendered as Mermaid or Graphviz
DOT text (deterministic: the same document always gives the same bytes), or as SVG/PNG through
Graphviz's ``dot`` program.

``graph_of`` and the renderers are pure functions of the ASL dict. States get generated ids
(``s1``, ``s2``, ... in the order they are drawn), so nothing a state name contains can break
the syntax; names appear only inside escaped labels.

What is drawn: every state (its type, a Task's integration, a Wait's duration, its retriers),
a start and an end marker, ``Next`` edges, Choice edges labelled with a short form of their
condition, ``Default`` edges, Catch edges (dashed, labelled with their errors), and a thick edge
from each Parallel or Map state to the start of each of its branches, which are drawn as
subgraphs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import unicodedata
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from flowdsl.atomic import write_atomic
from flowdsl.errors import CompileError, FlowError, LoadError
from flowdsl.lang.jsonata import is_expression
from flowdsl.vocabulary import DocPath, child_scopes, states_arn_rest

FORMATS = ("mermaid", "dot", "svg", "png")
IMAGE_FORMATS = ("svg", "png")
START, END = "start", "stop"  # "end" is a Mermaid keyword
_LABEL_MAX = 60
_WRAP = 44


class GraphvizMissing(FlowError):
    """svg or png was asked for and Graphviz's ``dot`` is not installed."""


@attrs.frozen
class Node:
    id: str
    kind: str                 # "state", "start" or "end"
    name: str | None          # the state's name (None for the markers)
    type: str | None          # the state's ASL Type
    lines: tuple[str, ...]    # the label, one line each; the first is the name
    cluster: str | None       # the subgraph the node is drawn in


@attrs.frozen
class Edge:
    src: str
    dst: str
    kind: str                 # "start", "next", "end", "choice", "default", "catch", "branch"
    label: str | None = None


@attrs.frozen
class Cluster:
    id: str
    label: str
    parent: str | None        # the subgraph it is drawn in
    owner: str                # the Parallel or Map node whose branch it is


@attrs.frozen
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]

    def node(self, name: str) -> Node:
        """The node of the state called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)


# --------------------------------------------------------------------------- the graph
def graph_of(definition: dict[str, Any]) -> Graph:
    """The graph of a valid ASL document (a dict, ``${...}`` placeholders allowed)."""
    b = _Builder()
    b.nodes.append(Node(START, "start", None, None, ("Start",), None))
    b.number(definition)
    b.edges.append(Edge(START, b.target(definition, definition["StartAt"], "$.StartAt"), "start"))
    b.scope(definition, DocPath(), None, top=True)
    b.nodes.append(Node(END, "end", None, None, ("End",), None))
    return Graph(tuple(b.nodes), tuple(b.edges), tuple(b.clusters))


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.clusters: list[Cluster] = []
        self.ids: dict[int, dict[str, str]] = {}  # id(scope's States) -> name -> node id
        self.count = 0

    def number(self, scope: dict[str, Any]) -> None:
        """Give every state an id, in drawing order: each scope in traversal order, a
        Parallel's or Map's branches right after it."""
        ids = self.ids.setdefault(id(scope["States"]), {})
        for name in _ordered(scope):
            self.count += 1
            ids[name] = f"s{self.count}"
            for _, sub in _children(scope["States"][name]):
                self.number(sub)

    def target(self, scope: dict[str, Any], name: Any, path: DocPath | str) -> str:
        ids = self.ids[id(scope["States"])]
        if not isinstance(name, str) or name not in ids:
            raise LoadError(f"{path}: there is no state named {name!r} to draw an edge to")
        return ids[name]

    def scope(self, scope: dict[str, Any], path: DocPath, cluster: str | None, top: bool) -> None:
        for name in _ordered(scope):
            st = scope["States"][name]
            at = path / "States" / name  # shared-prefix paths: memory linear in the nesting
            me = self.target(scope, name, at)
            typ = st.get("Type")
            self.nodes.append(Node(me, "state", name, typ, (name, *_details(st)), cluster))
            children = _children(st, at)
            for i, (sub_path, sub) in enumerate(children):
                self.clusters.append(Cluster(f"g{len(self.clusters) + 1}",
                                             _cluster_label(name, st, i, len(children)), cluster, me))
                sub_cluster = self.clusters[-1].id
                label = "each item" if typ == "Map" else (f"branch {i + 1}" if len(children) > 1 else None)
                self.edges.append(Edge(me, self.target(sub, sub["StartAt"], sub_path / "StartAt"),
                                       "branch", label))
                self.scope(sub, sub_path, sub_cluster, top=False)
            for i, rule in enumerate(st.get("Choices") or ()):
                self.edges.append(Edge(me, self.target(scope, rule.get("Next"), (at / "Choices")[i] / "Next"),
                                       "choice", _short(condition_text(rule))))
            if "Default" in st:
                self.edges.append(Edge(me, self.target(scope, st["Default"], at / "Default"),
                                       "default", "default"))
            if "Next" in st:
                self.edges.append(Edge(me, self.target(scope, st["Next"], at / "Next"), "next"))
            elif top and (st.get("End") is True or typ in ("Succeed", "Fail")):
                self.edges.append(Edge(me, END, "end"))
            for i, c in enumerate(st.get("Catch") or ()):
                errors = ", ".join(str(e) for e in c.get("ErrorEquals") or ())
                self.edges.append(Edge(me, self.target(scope, c.get("Next"), (at / "Catch")[i] / "Next"),
                                       "catch", _short(errors)))


def _ordered(scope: dict[str, Any]) -> list[str]:
    """A scope's state names: breadth first from StartAt, then any others in document order."""
    states = scope["States"]
    seen: dict[str, None] = {}
    queue = deque([scope.get("StartAt")])
    while queue:
        name = queue.popleft()
        if not isinstance(name, str) or name not in states or name in seen:
            continue
        seen[name] = None
        queue.extend(_targets(states[name]))
    for name in states:
        seen.setdefault(name, None)
    return list(seen)


def _targets(st: dict[str, Any]) -> Iterator[Any]:
    for rule in st.get("Choices") or ():
        yield rule.get("Next")
    if "Default" in st:
        yield st["Default"]
    if "Next" in st:
        yield st["Next"]
    for c in st.get("Catch") or ():
        yield c.get("Next")


# Subgraphs are indented this many levels at most: indentation past it would make the text of
# a deeply nested machine grow with the square of its depth (Mermaid and DOT ignore it).
MAX_INDENT_LEVELS = 32


def _deeper(indent: str) -> str:
    return indent + "  " if len(indent) < 2 * MAX_INDENT_LEVELS else indent


def _children(st: dict[str, Any], path: Any = "") -> list[tuple[Any, dict[str, Any]]]:
    """A Parallel's branches or a Map's processor, with their paths below ``path``."""
    return list(child_scopes(st, path)) if st.get("Type") in ("Parallel", "Map") else []


def _cluster_label(name: str, st: dict[str, Any], i: int, n: int) -> str:
    if st.get("Type") == "Map":
        return f"{name} · each item"
    return f"{name} · branch {i + 1}" if n > 1 else f"{name} · branch"


# --------------------------------------------------------------------------- labels
def _details(st: dict[str, Any]) -> list[str]:
    """The label lines under a state's name: its type and what it does, then its retriers."""
    typ = str(st.get("Type"))
    if typ == "Task":
        head = f"Task · {short_resource(st.get('Resource'))}"
    elif typ == "Wait":
        head = "Wait · " + _wait(st)
    elif typ == "Map":
        mode = (st.get("ItemProcessor") or {}).get("ProcessorConfig", {}).get("Mode")
        head = "Map (distributed)" if mode == "DISTRIBUTED" else "Map"
    else:
        head = typ
    lines = [_short(head)]
    for r in st.get("Retry") or ():
        lines += _retry(r)
    return lines


def short_resource(res: Any) -> str:
    """``batch:submitJob.sync`` for a service integration, ``lambda NAME`` for a function ARN."""
    if not isinstance(res, str):
        return "?"
    rest = states_arn_rest(res)
    if rest is not None:
        return rest
    parts = res.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return f"lambda {parts[6]}"
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return f"activity {parts[6]}"
    return res


def _wait(st: dict[str, Any]) -> str:
    if "Seconds" in st:
        return f"{_num(st['Seconds'])} s"
    if "Timestamp" in st:
        return f"until {st['Timestamp']}"
    if "SecondsPath" in st:
        return f"{st['SecondsPath']} s"
    if "TimestampPath" in st:
        return f"until {st['TimestampPath']}"
    return "?"


def _retry(r: dict[str, Any]) -> list[str]:
    """``retry 6×, 2 s, backoff 2:`` and the errors it retries, wrapped."""
    errors = ", ".join(str(e) for e in r.get("ErrorEquals") or ())
    parts = [f"{_num(r.get('MaxAttempts', 3))}×", f"{_num(r.get('IntervalSeconds', 1))} s",
             f"backoff {_num(r.get('BackoffRate', 2.0))}"]
    if "MaxDelaySeconds" in r:
        parts.append(f"max {_num(r['MaxDelaySeconds'])} s")
    if r.get("JitterStrategy") == "FULL":
        parts.append("jitter")
    wrapped = textwrap.wrap(errors, width=_WRAP, break_long_words=False, break_on_hyphens=False)
    return [f"retry {', '.join(parts)}:"] + [_short(line) for line in wrapped]


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_RELATIONS = {"Equals": "==", "LessThanEquals": "<=", "GreaterThanEquals": ">=",
              "LessThan": "<", "GreaterThan": ">"}
_TESTS = {"IsNull": ("is null", "is not null"), "IsPresent": ("is present", "is absent"),
          "IsNumeric": ("is numeric", "is not numeric"), "IsString": ("is a string", "is not a string"),
          "IsBoolean": ("is a boolean", "is not a boolean"),
          "IsTimestamp": ("is a timestamp", "is not a timestamp")}


def condition_text(rule: dict[str, Any]) -> str:
    """A short, readable form of a Choice rule: ``$.n > 10``, ``$.kind == "big" and not ...``."""
    if "Condition" in rule:
        text = str(rule["Condition"]).strip()
        if is_expression(text):
            text = text[2:-2].strip()
        return text
    for key, word in (("And", " and "), ("Or", " or ")):
        if key in rule:
            return word.join(_operand(c) for c in rule[key] or ())
    if "Not" in rule:
        return "not " + _operand(rule["Not"])
    var = rule.get("Variable", "?")
    for op, value in rule.items():
        if op in _TESTS:
            return f"{var} {_TESTS[op][0 if value is True else 1]}"
        if op == "StringMatches":
            return f"{var} matches {json.dumps(value, ensure_ascii=False)}"
        for rel, sign in _RELATIONS.items():
            family = op.removesuffix("Path")
            if family.endswith(rel) and family[:-len(rel)] in ("String", "Numeric", "Timestamp", "Boolean"):
                shown = value if op.endswith("Path") else json.dumps(value, ensure_ascii=False)
                return f"{var} {sign} {shown}"
    return "?"


def _operand(rule: Any) -> str:
    if not isinstance(rule, dict):
        return "?"
    text = condition_text(rule)
    return f"({text})" if "And" in rule or "Or" in rule else text


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_MAX else text[:_LABEL_MAX - 1] + "…"


# --------------------------------------------------------------------------- Mermaid
def _layout(graph: Graph) -> tuple[dict[str | None, list[Node]], dict[str, list[Cluster]]]:
    """The nodes drawn in each subgraph (None: the top level), and the subgraphs each
    Parallel or Map node owns, in drawing order."""
    members: dict[str | None, list[Node]] = {}
    for n in graph.nodes:
        members.setdefault(n.cluster, []).append(n)
    owned: dict[str, list[Cluster]] = {}
    for c in graph.clusters:
        owned.setdefault(c.owner, []).append(c)
    return members, owned


_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:$@/()+-=?!'^~·×…")
_MERMAID_ARROWS = {"catch": "-.->", "branch": "==>"}  # dashed: an error's path; thick: into a branch
_MERMAID_SHAPES = {"Task": ("(", ")"), "Choice": ("{", "}"), "Parallel": ("[[", "]]"),
                   "Map": ("[[", "]]"), "Succeed": ("([", "])"), "Fail": ("([", "])"),
                   "Wait": ("[/", "/]")}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: anything that could end the label or be read
    as markup becomes an entity code (``#34;`` for a double quote)."""
    return "".join(ch if ch in _MERMAID_SAFE or (not ch.isascii() and ch.isprintable()) else f"#{ord(ch)};"
                   for ch in text)


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (renders on GitHub in a ```mermaid block)."""
    out = ["flowchart TD"]

    def node(n: Node, indent: str) -> None:
        label = "<br/>".join(mermaid_text(line) for line in n.lines)
        if n.kind == "start":
            out.append(f'{indent}{n.id}(("{label}"))')
        elif n.kind == "end":
            out.append(f'{indent}{n.id}((("{label}")))')
        else:
            left, right = _MERMAID_SHAPES.get(n.type or "", ("[", "]"))
            out.append(f'{indent}{n.id}{left}"{label}"{right}')

    members, owned = _layout(graph)

    def scope(cluster: str | None, indent: str) -> None:
        for n in members.get(cluster, ()):
            node(n, indent)
            for c in owned.get(n.id, ()):
                out.append(f'{indent}subgraph {c.id}["{mermaid_text(c.label)}"]')
                scope(c.id, _deeper(indent))
                out.append(f"{indent}end")

    scope(None, "  ")
    for e in graph.edges:
        arrow = _MERMAID_ARROWS.get(e.kind, "-->")
        label = f'|"{mermaid_text(e.label)}"|' if e.label else ""
        out.append(f"  {e.src} {arrow}{label} {e.dst}")
    failed = [n.id for n in graph.nodes if n.type == "Fail"]
    if failed:
        out.append("  classDef failed fill:#fde2e2,stroke:#c0392b")
        out.append(f"  class {','.join(failed)} failed")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- DOT
_DOT_STYLES = {"catch": "dashed", "branch": "bold"}
_DOT_SHAPES = {"Task": 'shape=box, style=rounded', "Choice": "shape=diamond",
               "Parallel": "shape=box, peripheries=2", "Map": "shape=box, peripheries=2",
               "Succeed": 'shape=box, style="rounded,bold"',
               "Fail": 'shape=box, style="rounded,bold,filled", fillcolor="#fde2e2", color="#c0392b"',
               "Wait": "shape=parallelogram"}


def dot_text(text: str) -> str:
    """Text safe inside a quoted DOT string: backslashes and quotes escaped (so no ``\\N``-style
    substitution happens), ``&`` written as ``&amp;`` (Graphviz reads entities such as ``&lt;``
    in every label), control characters shown as ``\\xNN``."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):  # line breaks and control characters
            out.append(f"\\\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def to_dot(graph: Graph) -> str:
    """A Graphviz digraph."""
    out = ["digraph {", "  node [shape=box];"]

    def node(n: Node, indent: str) -> None:
        label = "\\n".join(dot_text(line) for line in n.lines)
        if n.kind == "start":
            attrs_ = "shape=circle"
        elif n.kind == "end":
            attrs_ = "shape=doublecircle"
        else:
            attrs_ = _DOT_SHAPES.get(n.type or "", "shape=box")
        out.append(f'{indent}"{n.id}" [label="{label}", {attrs_}];')

    members, owned = _layout(graph)

    def scope(cluster: str | None, indent: str) -> None:
        for n in members.get(cluster, ()):
            node(n, indent)
            for c in owned.get(n.id, ()):
                out.append(f'{indent}subgraph "cluster_{c.id}" {{')
                out.append(f'{indent}  label="{dot_text(c.label)}";')
                out.append(f"{indent}  style=dashed;")
                scope(c.id, _deeper(indent))
                out.append(f"{indent}}}")

    scope(None, "  ")
    for e in graph.edges:
        extra = []
        if e.label:
            extra.append(f'label="{dot_text(e.label)}"')
        if e.kind in _DOT_STYLES:
            extra.append(f"style={_DOT_STYLES[e.kind]}")
        tail = f" [{', '.join(extra)}]" if extra else ""
        out.append(f'  "{e.src}" -> "{e.dst}"{tail};')
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- images, files
def graphviz() -> str:
    """The path of Graphviz's ``dot``; GraphvizMissing (one line: how to get it) without it."""
    found = shutil.which("dot")
    if found is None:
        raise GraphvizMissing("error: svg and png need Graphviz's 'dot' program, which is not on PATH: "
                              "install Graphviz (apt-get install graphviz, brew install graphviz, or "
                              "https://graphviz.org/download/), or use --format mermaid or dot")
    return found


def render_image(dot: str, fmt: str) -> bytes:
    """Lay out DOT text with Graphviz's ``dot`` into ``fmt`` (svg or png)."""
    binary = graphviz()
    try:
        proc = subprocess.run([binary, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True,
                              timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FlowError(f"error: Graphviz's dot failed: {e}") from None
    if proc.returncode != 0:
        first = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[0]
        raise FlowError(f"error: Graphviz's dot failed: {first}")
    return proc.stdout


def render(definition: dict[str, Any], fmt: str) -> str | bytes:
    """The drawing of an ASL document in ``fmt``: text for mermaid and dot, bytes for images."""
    graph = graph_of(definition)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "dot":
        return to_dot(graph)
    if fmt in IMAGE_FORMATS:
        return render_image(to_dot(graph), fmt)
    raise FlowError(bad_format(fmt))


def bad_format(fmt: str) -> str:
    return f"error: unknown format {fmt!r}: choose one of {', '.join(FORMATS)}"


def pick_format(fmt: str | None, out: str | os.PathLike[str] | None) -> str:
    """``fmt``, or the one ``out``'s extension names (``.svg``, ``.png``, ``.dot``/``.gv``,
    ``.mmd``), or mermaid."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise FlowError(bad_format(fmt))
        return fmt
    suffix = Path(out).suffix.lower() if out is not None else ""
    return {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}.get(suffix, "mermaid")


def load_definition(path: str, name: str | None = None) -> dict[str, Any]:
    """The checked ASL document of a workflow file (``.py``) or an ASL document (``.json``);
    CompileError with every diagnostic when it is invalid."""
    if path.endswith(".json"):
        from flowdsl.asl_to_model import read_asl

        doc, diagnostics = read_asl(path)  # as 'flowdsl validate' reads it
        if diagnostics:
            raise CompileError(diagnostics)
        return doc
    from flowdsl.build import check
    from flowdsl.loader import load_workflows, pick
    from flowdsl.placeholders import to_template

    workflow = pick(load_workflows(path), path, name)
    compiled, diagnostics = check(workflow)
    if diagnostics:
        raise CompileError(diagnostics)
    return to_template(compiled.definition)


def write_file(out: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``out`` whole or not at all (a temporary file beside it, then renamed)."""
    target = Path(out)
    if target.is_dir():
        raise FlowError(f"error: {out}: is a directory")
    if not target.parent.is_dir():
        raise FlowError(f"error: {out}: the folder {target.parent} does not exist")
    write_atomic(target, data)


__all__ = ["FORMATS", "Cluster", "Edge", "Graph", "GraphvizMissing", "Node", "condition_text",
           "graph_of", "load_definition", "pick_format", "render", "render_image", "short_resource",
           "to_dot", "to_mermaid", "write_file"]
