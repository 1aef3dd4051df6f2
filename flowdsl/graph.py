"""Draw a state machine: the compiled ASL document as a graph, rendered as Mermaid or Graphviz
DOT text (deterministic: the same document always gives the same bytes), or as SVG/PNG through
Graphviz's ``dot`` program.

``graph_of`` and the renderers are pure functions of the ASL dict. States get generated ids
(``s1``, ``s2``, ... in the order they are drawn), so nothing a state name contains can break
the syntax; names appear only inside escaped labels.

What is drawn: a title (the workflow's name, or the ASL file's), what starts an execution
(the deployment kind's ``trigger`` parts, chained into the start marker; none for a bare state
machine or an ASL document), every state (its type, a Task's integration, a Wait's duration,
its retriers), a start and an end marker, ``Next`` edges, Choice edges labelled with a short
form of their condition, ``Default`` edges, Catch edges (dashed, labelled with their errors),
and a thick edge from each Parallel or Map state to the start of each of its branches, which
are drawn as subgraphs titled ``branch 1``, ``branch 2``, ... or ``each item``, filled by their
nesting level (``level1``, ``level2``, ...). A branch's ending states (``End``, ``Succeed``)
are joined to where its Parallel or Map goes on: its ``Next``, or, when it ends its own scope,
wherever that scope goes on, up to the end marker; those joins stand for the Parallel's or
Map's own ``Next`` or ``End`` edge, which is drawn only when no branch ends there (every
branch ends in a Fail).
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
TRIGGER = "trigger"  # the class of the trigger's nodes
_LABEL_MAX = 60
_WRAP = 44


class GraphvizMissing(FlowError):
    """svg or png was asked for and Graphviz's ``dot`` is not installed."""


@attrs.frozen
class Node:
    id: str
    kind: str                 # "state", "start", "end" or "trigger"
    name: str | None          # the state's name (None for the markers)
    type: str | None          # the state's ASL Type
    lines: tuple[str, ...]    # the label, one line each; the first is the name
    cluster: str | None       # the subgraph the node is drawn in


@attrs.frozen
class Edge:
    src: str
    dst: str
    # "start", "next", "end", "choice", "default", "catch", "branch", "join" (a branch's end to
    # where its Parallel or Map goes on) or "trigger" (into the next part of the trigger)
    kind: str
    label: str | None = None


@attrs.frozen
class Cluster:
    id: str
    label: str
    parent: str | None        # the subgraph it is drawn in
    owner: str                # the Parallel or Map node whose branch it is
    depth: int = 1            # 1: a branch of a top-level state, 2: a branch inside one, ...

    @property
    def level(self) -> str:
        """Its fill's class: ``level1``, ``level2``, ..."""
        return f"level{self.depth}"


@attrs.frozen
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    title: str | None = None

    def node(self, name: str) -> Node:
        """The node of the state called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def node_by_id(self, id_: str) -> Node:
        for n in self.nodes:
            if n.id == id_:
                return n
        raise KeyError(id_)


# --------------------------------------------------------------------------- the graph
def graph_of(definition: dict[str, Any], title: str | None = None,
             trigger: tuple[tuple[str, ...], ...] = ()) -> Graph:
    """The graph of a valid ASL document (a dict, ``${...}`` placeholders allowed), titled
    ``title``, entered through ``trigger``'s parts (each the lines of a node's label)."""
    b = _Builder()
    for i, lines in enumerate(trigger, 1):
        me = f"t{i}"
        b.nodes.append(Node(me, TRIGGER, None, None, tuple(_short(line) for line in lines) or ("?",), None))
        b.edges.append(Edge(me, f"t{i + 1}" if i < len(trigger) else START, "trigger"))
    b.nodes.append(Node(START, "start", None, None, ("Start",), None))
    b.number(definition)
    b.edges.append(Edge(START, b.target(definition, definition["StartAt"], "$.StartAt"), "start"))
    b.scope(definition, DocPath(), None, END, 0)
    b.nodes.append(Node(END, "end", None, None, ("End",), None))
    return Graph(tuple(b.nodes), tuple(b.edges), tuple(b.clusters), title)


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

    def scope(self, scope: dict[str, Any], path: DocPath, cluster: str | None, after: str, depth: int) -> None:
        """Draw a scope's states; ``after``: the node its ending states lead to (the end marker
        at the top, else where the owning Parallel or Map goes on); ``depth``: 0 at the top."""
        for name in _ordered(scope):
            st = scope["States"][name]
            at = path / "States" / name  # shared-prefix paths: memory linear in the nesting
            me = self.target(scope, name, at)
            typ = st.get("Type")
            self.nodes.append(Node(me, "state", name, typ, (name, *_details(st)), cluster))
            children = _children(st, at)
            goes_on = self.target(scope, st["Next"], at / "Next") if "Next" in st else after
            drawn = len(self.edges)
            for i, (sub_path, sub) in enumerate(children):
                self.clusters.append(Cluster(f"g{len(self.clusters) + 1}",
                                             _cluster_label(st, i, len(children)), cluster, me, depth + 1))
                sub_cluster = self.clusters[-1].id
                self.edges.append(Edge(me, self.target(sub, sub["StartAt"], sub_path / "StartAt"),
                                       "branch"))  # unlabelled: the subgraph's title says which
                self.scope(sub, sub_path, sub_cluster, goes_on, depth + 1)
            # Its branches' ends joined to where it goes on stand for its own Next or End.
            joined = any(e.kind == "join" and e.dst == goes_on for e in self.edges[drawn:])
            for i, rule in enumerate(st.get("Choices") or ()):
                self.edges.append(Edge(me, self.target(scope, rule.get("Next"), (at / "Choices")[i] / "Next"),
                                       "choice", _short(condition_text(rule))))
            if "Default" in st:
                self.edges.append(Edge(me, self.target(scope, st["Default"], at / "Default"),
                                       "default", "default"))
            if joined:
                pass
            elif "Next" in st:
                self.edges.append(Edge(me, self.target(scope, st["Next"], at / "Next"), "next"))
            elif depth == 0 and (st.get("End") is True or typ in ("Succeed", "Fail")):
                self.edges.append(Edge(me, END, "end"))
            elif st.get("End") is True or typ == "Succeed":  # a Fail fails the whole branch
                self.edges.append(Edge(me, after, "join"))
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


def _cluster_label(st: dict[str, Any], i: int, n: int) -> str:
    """Short: the thick edge from its Parallel or Map says whose it is."""
    if st.get("Type") == "Map":
        return "each item"
    return f"branch {i + 1}" if n > 1 else "branch"


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


# Subgraph fills by nesting level (level1, level2, ...: the palette's colours in turn), and
# the trigger's; (fill, stroke).
LEVEL_COLOURS = (("#eef4fb", "#7a9cc6"), ("#fdf3e1", "#c9a25a"), ("#eaf6ec", "#6aa57a"))
TRIGGER_COLOURS = ("#f1ecfa", "#8e6bbf")
FAILED_COLOURS = ("#fde2e2", "#c0392b")


def level_colours(depth: int) -> tuple[str, str]:
    """The (fill, stroke) of a subgraph at ``depth`` (1 for a top-level state's branch)."""
    return LEVEL_COLOURS[(depth - 1) % len(LEVEL_COLOURS)]


def _levels(graph: Graph) -> dict[int, list[str]]:
    """Depth -> the subgraphs at that depth, in drawing order."""
    out: dict[int, list[str]] = {}
    for c in graph.clusters:
        out.setdefault(c.depth, []).append(c.id)
    return dict(sorted(out.items()))


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (renders on GitHub in a ```mermaid block), its title in the front
    matter."""
    out = [] if graph.title is None else ["---", f"title: {json.dumps(graph.title, ensure_ascii=False)}", "---"]
    out.append("flowchart TD")

    def node(n: Node, indent: str) -> None:
        label = "<br/>".join(mermaid_text(line) for line in n.lines)
        if n.kind == "start":
            out.append(f'{indent}{n.id}(("{label}"))')
        elif n.kind == "end":
            out.append(f'{indent}{n.id}((("{label}")))')
        elif n.kind == TRIGGER:
            out.append(f'{indent}{n.id}>"{label}"]')
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
    for depth, ids in _levels(graph).items():
        fill, stroke = level_colours(depth)
        out.append(f"  classDef level{depth} fill:{fill},stroke:{stroke}")
        out.append(f"  class {','.join(ids)} level{depth}")
        # A subgraph's class is not applied by every Mermaid version; its style is.
        out += [f"  style {i} fill:{fill},stroke:{stroke}" for i in ids]
    triggers = [n.id for n in graph.nodes if n.kind == TRIGGER]
    if triggers:
        out.append(f"  classDef {TRIGGER} fill:{TRIGGER_COLOURS[0]},stroke:{TRIGGER_COLOURS[1]}")
        out.append(f"  class {','.join(triggers)} {TRIGGER}")
    failed = [n.id for n in graph.nodes if n.type == "Fail"]
    if failed:
        out.append(f"  classDef failed fill:{FAILED_COLOURS[0]},stroke:{FAILED_COLOURS[1]}")
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
        elif n.kind == TRIGGER:
            attrs_ = (f'shape=cds, style=filled, fillcolor="{TRIGGER_COLOURS[0]}", '
                      f'color="{TRIGGER_COLOURS[1]}", class="{TRIGGER}"')
        else:
            attrs_ = _DOT_SHAPES.get(n.type or "", "shape=box")
        out.append(f'{indent}"{n.id}" [label="{label}", {attrs_}];')

    members, owned = _layout(graph)

    def scope(cluster: str | None, indent: str) -> None:
        for n in members.get(cluster, ()):
            node(n, indent)
            for c in owned.get(n.id, ()):
                out.append(f'{indent}subgraph "cluster_{c.id}" {{')
                fill, stroke = level_colours(c.depth)
                out.append(f'{indent}  label="{dot_text(c.label)}";')
                out.append(f'{indent}  style="dashed,filled"; fillcolor="{fill}"; color="{stroke}"; '
                           f'class="{c.level}";')
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
    if graph.title is not None:  # last: a subgraph takes its parent's label as it is where it starts
        out.append(f'  label="{dot_text(graph.title)}"; labelloc=t; fontsize=18;')
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


@attrs.frozen
class Drawing:
    """What is drawn: a checked ASL document, its title, and what starts an execution (the
    trigger's parts, each the lines of one node's label; () for none)."""

    definition: dict[str, Any]
    title: str | None = None
    trigger: tuple[tuple[str, ...], ...] = ()

    def graph(self) -> Graph:
        return graph_of(self.definition, self.title, self.trigger)


def render(what: Drawing | dict[str, Any], fmt: str) -> str | bytes:
    """The drawing of a :class:`Drawing` or a bare ASL document (untitled, no trigger) in
    ``fmt``: text for mermaid and dot, bytes for images."""
    graph = what.graph() if isinstance(what, Drawing) else graph_of(what)
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
    return load(path, name).definition


def load(path: str, name: str | None = None) -> Drawing:
    """What ``flowdsl graph PATH`` draws: a workflow file's checked document, titled with the
    workflow's name and entered through its deployment's trigger; or an ASL document (``.json``),
    titled with its file's name, with no trigger (nothing deploys it). CompileError with every
    diagnostic when it is invalid."""
    if path.endswith(".json"):
        from flowdsl.asl_to_model import read_asl

        doc, diagnostics = read_asl(path)  # as 'flowdsl validate' reads it
        if diagnostics:
            raise CompileError(diagnostics)
        return Drawing(doc, Path(path).name)
    from flowdsl.loader import load_workflows, pick

    return drawing_of(pick(load_workflows(path), path, name))


def drawing_of(workflow: Any) -> Drawing:
    """A workflow's checked document, titled with its name, entered through its deployment's
    trigger; CompileError with every diagnostic when it is invalid."""
    from flowdsl.build import check
    from flowdsl.placeholders import to_template

    compiled, diagnostics = check(workflow)
    if diagnostics:
        raise CompileError(diagnostics)
    return Drawing(to_template(compiled.definition), workflow.name, trigger_of(workflow.deployment))


def trigger_of(deployment: Any) -> tuple[tuple[str, ...], ...]:
    """The deployment kind's ``trigger`` parts as label lines (a long line wrapped, then cut);
    () when nothing deploys the workflow or its kind has no trigger."""
    from flowdsl.deployments.registry import kind_of

    kind = kind_of(deployment) if deployment is not None else None
    if kind is None:
        return ()
    parts = []
    for part in kind.trigger(deployment):
        lines: list[str] = []
        for value in part:
            wrapped = textwrap.wrap(_trigger_text(value), width=_WRAP) or [""]
            if len(wrapped) > _TRIGGER_LINES:
                wrapped = wrapped[:_TRIGGER_LINES - 1] + [_short(wrapped[_TRIGGER_LINES - 1] + " …")]
            lines += wrapped
        parts.append(tuple(lines))
    return tuple(parts)


_TRIGGER_LINES = 3  # of one value in a trigger's label


def _trigger_text(value: Any) -> str:
    """A trigger label's value as text: a tuple's pieces joined, a reference as its ``${...}``
    template, any other value but a string as JSON."""
    from flowdsl.placeholders import template, walk

    if isinstance(value, tuple):
        return "".join(_trigger_text(v) for v in value)
    shown = walk(value, template)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False, default=str)


def write_file(out: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``out`` whole or not at all (a temporary file beside it, then renamed)."""
    target = Path(out)
    if target.is_dir():
        raise FlowError(f"error: {out}: is a directory")
    if not target.parent.is_dir():
        raise FlowError(f"error: {out}: the folder {target.parent} does not exist")
    write_atomic(target, data)


__all__ = ["FORMATS", "Cluster", "Drawing", "Edge", "Graph", "GraphvizMissing", "Node", "condition_text",
           "drawing_of", "graph_of", "level_colours", "load", "load_definition", "pick_format", "render", "render_image",
           "short_resource", "to_dot", "to_mermaid", "trigger_of", "write_file"]
