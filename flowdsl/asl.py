"""Model -> Amazon States Language. A pure function; references stay typed objects.

Each state flows into the next item of its sequence (``Next``), and the last state of a
sequence ends its scope (``End``). Catch and Choice targets that are state objects, or
chains of them, are placed in the same scope after the main sequence, in the order they
are first met; a target that is already placed, or a string, is a jump.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from flowdsl.conditions import And, Comparison, Condition, Not, Or
from flowdsl.errors import Diagnostic, PathSyntaxError
from flowdsl.frozen import frozen
from flowdsl.lang import jsonpath
from flowdsl.refs import Ref
from flowdsl.states import (
    Branch,
    Catch,
    Choice,
    Goto,
    Map,
    Parallel,
    Retry,
    State,
    Task,
    When,
    Workflow,
    _Catching,
    _Null,
    _TaskBase,
)
from flowdsl.tasks import INTEGRATIONS, states_arn
from flowdsl.vocabulary import (JSONATA, JSONPATH, TERMINAL_TYPES, DocPath, parse_states_arn,
                                states_arn_rest)


class _Entry:
    """One path of the tree of recorded paths: its last step, the entry above it, what is below
    it by step, and its ``file:line`` if one was recorded for it."""

    __slots__ = ("parent", "step", "below", "source")

    def __init__(self, parent: _Entry | None, step: str | int) -> None:
        self.parent = parent
        self.step = step
        self.below: dict[str | int, _Entry] | None = None
        self.source: str | None = None

    def child(self, step: str | int) -> _Entry:
        if self.below is None:
            self.below = {}
        entry = self.below.get(step)
        if entry is None:
            entry = self.below[step] = _Entry(self, step)
        return entry

    def text(self) -> str:
        steps: list[str] = []
        entry: _Entry | None = self
        while entry is not None and entry.parent is not None:
            steps.append(f"[{entry.step}]" if isinstance(entry.step, int) else f".{entry.step}")
            entry = entry.parent
        return "$" + "".join(reversed(steps))


# where a key's text may end in a path's text: a key holding '.' or '[' has more than one reading
_STEP_END = re.compile(r"[.\[]")


class Sources(Mapping[str, str]):
    """The ``file:line`` of each state, retrier, catcher and Choice rule of a compiled
    definition, by its path (``$.States.A.Branches[0].States.B``): a mapping of the path's text
    to ``file:line``, as a dict of them would be, in the order they were recorded.

    The paths are stored as a tree of steps, each path's entry below its parent's, so a
    definition nested d levels deep holds d entries, not d strings up to d long (which is
    memory quadratic in the depth). A path's text is made only when the mapping is iterated.
    :meth:`nearest` (the nearest recorded path at or above one) is what diagnostics use, and
    what :func:`flowdsl.errors.nearest_source` asks for when it is there."""

    def __init__(self) -> None:
        self._root = _Entry(None, "$")
        self._entries: dict[DocPath, _Entry] = {}  # by identity: DocPath has no __eq__
        self._order: list[_Entry] = []
        self._odd_keys = False  # a key holds '.' or '[': a path's text reads more than one way

    def record(self, path: DocPath, source: str) -> None:
        entry = self._entry(path)
        if entry.source is None:
            self._order.append(entry)
        entry.source = source

    def _entry(self, path: DocPath) -> _Entry:
        chain: list[DocPath] = []
        node: DocPath | None = path
        while node is not None and node not in self._entries:
            chain.append(node)
            node = node.parent
        entry = self._entries[node] if node is not None else None
        for below in reversed(chain):
            if entry is None:  # the root: "$"
                entry = self._root
            else:
                step = below.step
                if isinstance(step, str) and _STEP_END.search(step):
                    self._odd_keys = True
                entry = entry.child(step)
            self._entries[below] = entry
        assert entry is not None
        return entry

    # reading a path's text ------------------------------------------------------------------
    def _readings(self, text: str) -> Iterator[tuple[_Entry, int]]:
        """Each entry whose path's text is ``text[:end]``, ``end`` at the end of a step, with
        ``end``; each way of reading the keys (one, unless a key holds '.' or '[')."""
        if not text.startswith("$"):
            return
        todo: list[tuple[_Entry, int]] = [(self._root, 1)]
        while todo:
            entry, i = todo.pop()
            yield entry, i
            below = entry.below
            if below is None or i == len(text):
                continue
            if text[i] == "[":
                j = text.find("]", i)
                digits = text[i + 1:j] if j > 0 else ""
                if digits.isdigit():
                    hit = below.get(int(digits))
                    if hit is not None:
                        todo.append((hit, j + 1))
            elif text[i] == ".":
                ends: list[int] = []
                m = _STEP_END.search(text, i + 1)
                while True:
                    ends.append(m.start() if m else len(text))
                    if m is None or not self._odd_keys:
                        break
                    m = _STEP_END.search(text, m.start() + 1)
                for j in reversed(ends):  # the first key ending first
                    hit = below.get(text[i + 1:j])
                    if hit is not None:
                        todo.append((hit, j))

    def nearest(self, path: str | DocPath) -> str | None:
        """The ``file:line`` recorded for ``path`` or else for the nearest path above it
        (``$.States.A.Parameters.x`` → ``$.States.A``); None when none is."""
        if isinstance(path, DocPath):
            entry: _Entry | None = self._root
            found = self._root.source
            for step in path.steps():
                below = entry.below if entry is not None else None
                entry = below.get(step) if below is not None else None
                if entry is None:
                    break
                found = entry.source or found
            return found
        best, found = -1, None
        for entry, end in self._readings(path):
            if entry.source is not None and end > best:
                best, found = end, entry.source
        return found

    locate = nearest  # what the validator asks a document's sources for, by DocPath

    def __getitem__(self, path: str) -> str:
        if isinstance(path, str):
            for entry, end in self._readings(path):
                if end == len(path) and entry.source is not None:
                    return entry.source
        raise KeyError(path)

    def __iter__(self) -> Iterator[str]:
        return (entry.text() for entry in self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return f"Sources({dict(self)!r})"


@frozen
class Compiled:
    """The compiled definition (references still objects), what went wrong, and where."""

    definition: dict[str, Any]
    diagnostics: tuple[Diagnostic, ...]
    sources: Sources


def _asl_fields(cls: type) -> tuple[attrs.Attribute, ...]:
    cached = _FIELD_CACHE.get(cls)
    if cached is None:
        cached = tuple(f for f in attrs.fields(cls) if "asl" in f.metadata)
        _FIELD_CACHE[cls] = cached
    return cached


_FIELD_CACHE: dict[type, tuple[attrs.Attribute, ...]] = {}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROOTS = {"$": "$states.input", "$$": "$states.context"}


# A typed task under JSONata -------------------------------------------------------------------
#
# A typed class writes its payload the JSONPath way: a value taken from the execution is a
# ``key.$`` whose value is a path (``"Payload.$": "$"``). JSONata has no ``.$`` keys: a value
# is an expression ``{% ... %}`` under the plain key. AWS's guide ("Transforming data with
# JSONata in Step Functions") converts ``"title.$": "$.title"`` to
# ``"title": "{% $states.input.title %}"`` and ``"name.$": "$customerName"`` to
# ``"name": "{% $customerName %}"``; the context object ``$$`` is ``$states.context``. That
# is what flowdsl writes for a reference path (names and indexes only). Anything else under a
# ``.$`` key (an intrinsic function, a filter, a wildcard) has no one JSONata form, and is
# refused: the value must be given as a JSONata expression.

def jsonata_arguments(payload: Any) -> tuple[Any, list[tuple[str, str, Any]]]:
    """A typed task's Parameters as JSONata Arguments, and what cannot be translated:
    (the key's path below the payload, the key, its value)."""
    refused: list[tuple[str, str, Any]] = []
    return _as_jsonata(payload, DocPath(None, ""), refused), refused


def _as_jsonata(value: Any, at: DocPath, refused: list[tuple[str, str, Any]]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.endswith(".$"):
                expression = jsonata_of_path(item)
                if expression is None:
                    refused.append((str(at / key), key, item))
                    continue
                out[key[:-2]] = expression
            else:
                out[key] = _as_jsonata(item, at / key, refused)
        return out
    if isinstance(value, (list, tuple)):
        return [_as_jsonata(v, at[i], refused) for i, v in enumerate(value)]
    return value


def jsonata_of_path(text: Any) -> str | None:
    """``{% $states.input.a.b %}`` for the reference path ``$.a.b`` (``$$...`` reads
    ``$states.context``, ``$name...`` the variable); None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        path = jsonpath.parse(text)
    except PathSyntaxError:
        return None
    if not path.is_reference or path.root not in ("$", "$$", "var"):
        return None
    parts = [_ROOTS.get(path.root) or f"${path.variable}"]
    for step in path.steps:
        if step.kind == "index":
            parts.append(f"[{step.arg}]")
        elif _NAME.fullmatch(step.arg):
            parts.append(f".{step.arg}")
        elif "`" not in step.arg:
            parts.append(f".`{step.arg}`")
        else:
            return None
    return "{% " + "".join(parts) + " %}"


def _field_giving(st: Any, key: str, value: Any) -> str | None:
    """The typed class's own field whose value holds ``key`` (or is ``value``), for a message."""
    own = {f.name for f in attrs.fields(_TaskBase)}
    for f in attrs.fields(type(st)):
        if f.name not in own and _holds(getattr(st, f.name), key, value):
            return f.name
    return None


def _holds(v: Any, key: str, value: Any) -> bool:
    if isinstance(v, dict):
        return key in v or any(_holds(x, key, value) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(_holds(x, key, value) for x in v)
    return isinstance(v, str) and v == value


class _Compiler:
    def __init__(self, partition_refs: bool = False) -> None:
        # a deployed workflow takes its partition from the provider, in plain Tasks too
        self.partition_refs = partition_refs
        self.diagnostics: list[Diagnostic] = []
        self.sources = Sources()
        self.names: dict[str, DocPath] = {}  # state name -> path where first placed
        self.language = JSONPATH  # the query language of the scope being compiled

    # Paths are DocPaths (each one a step below its parent's), rendered as text only here, for
    # a diagnostic: a state nested d deep does not carry a string d steps long.
    def error(self, code: str, path: DocPath, message: str, source: str | None) -> None:
        self.diagnostics.append(Diagnostic(code, str(path), message, source))

    # values -------------------------------------------------------------------------------
    def value(self, value: Any, path: DocPath, source: str | None) -> Any:
        if value is None or isinstance(value, (bool, int, float, str, Ref)):
            return value
        if isinstance(value, _Null):
            return None
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.error("bad-value", path, f"payload keys must be strings, not {key!r}",
                               source)
                    continue
                out[key] = self.value(item, path / key, source)
            return out
        if isinstance(value, (list, tuple)):
            return [self.value(v, path[i], source) for i, v in enumerate(value)]
        self.error("bad-value", path,
                   f"{type(value).__name__} is not a JSON value or a deploy-time reference", source)
        return None

    def fields(self, obj: Any, out: dict[str, Any], path: DocPath) -> None:
        for f in _asl_fields(type(obj)):
            value = getattr(obj, f.name)
            if value is None:
                continue
            key = f.metadata["asl"]
            out[key] = self.value(value, path / key, obj.source)

    # scopes -------------------------------------------------------------------------------
    def scope(self, items: tuple[Any, ...], path: DocPath, holder: Any) -> tuple[Any, dict[str, Any]]:
        states: dict[str, Any] = {}
        below = path / "States"
        placed: dict[str, State] = {}
        queue: deque[tuple[Any, ...]] = deque()
        start: Any = None

        def target(t: Any, at: DocPath, source: str | None) -> Any:
            if isinstance(t, str):
                return t
            if isinstance(t, Goto):
                return t.target
            chain = t if isinstance(t, tuple) else (t,)
            if not chain:
                self.error("bad-target", at, "an empty chain is not a target", source)
                return None
            first = chain[0]
            if isinstance(first, (str, Goto)):
                return first if isinstance(first, str) else first.target
            if not isinstance(first, State):
                self.error("bad-target", at,
                           f"a target must be a state, a chain of states or a name, not "
                           f"{type(first).__name__}", source)
                return None
            if placed.get(first.name) != first:
                queue.append(chain)
            return first.name

        def run_chain(chain: tuple[Any, ...]) -> str | None:
            first_name: str | None = None
            prev: dict[str, Any] | None = None
            for item in chain:
                if isinstance(item, (Goto, str)):
                    name = item.target if isinstance(item, Goto) else item
                    if prev is not None:
                        prev["Next"] = name
                        prev.pop("End", None)
                    elif first_name is None:
                        first_name = name
                    prev = None
                    continue
                if not isinstance(item, State):
                    self.error("bad-item", path,
                               f"a sequence holds states, not {type(item).__name__}",
                               getattr(holder, "source", None))
                    continue
                if item.name in placed:
                    if placed[item.name] == item:  # the same state again: a jump to it
                        if prev is not None:
                            prev["Next"] = item.name
                            prev.pop("End", None)
                        elif first_name is None:
                            first_name = item.name
                        prev = None
                        continue
                    spath = below / item.name
                    self.error("duplicate-name", spath,
                               f"state name {item.name!r} is already used at "
                               f"{self.names.get(item.name, spath)}", item.source)
                    continue
                spath = below / item.name
                if item.name in self.names:
                    self.error("duplicate-name", spath,
                               f"state name {item.name!r} is already used at "
                               f"{self.names[item.name]}", item.source)
                else:
                    self.names[item.name] = spath
                placed[item.name] = item
                body = self.state(item, spath, target)
                states[item.name] = body
                if first_name is None:
                    first_name = item.name
                if prev is not None:
                    prev["Next"] = item.name
                    prev.pop("End", None)
                if item.TYPE in TERMINAL_TYPES:
                    prev = None
                else:
                    body["End"] = True
                    prev = body
            return first_name

        start = run_chain(items)
        while queue:
            run_chain(queue.popleft())
        return start, states

    def branch(self, branch: Any, path: DocPath) -> dict[str, Any]:
        if not isinstance(branch, Branch):
            self.error("bad-branch", path, f"a branch must be a Branch, not {type(branch).__name__}",
                       None)
            return {"StartAt": None, "States": {}}
        outer = self.language
        self.language = branch.query_language or outer
        start, states = self.scope(branch.states, path, branch)
        self.language = outer
        out: dict[str, Any] = {}
        self.fields(branch, out, path)
        if start is None:
            self.error("empty-scope", path, "a branch needs at least one state", branch.source)
        out["StartAt"] = start
        out["States"] = states
        return out

    # states -------------------------------------------------------------------------------
    def state(self, st: State, path: DocPath, target: Any) -> dict[str, Any]:
        outer = self.language
        self.language = st.query_language or outer
        try:
            return self._state(st, path, target)
        finally:
            self.language = outer

    def typed_payload(self, st: State, params: Any, path: DocPath) -> tuple[str, Any]:
        """The ASL key and value of a typed task's payload: Parameters, or under JSONata the
        same payload as Arguments (``.$`` keys written as expressions)."""
        if self.language != JSONATA:
            return "Parameters", self.value(params, path / "Parameters", st.source)
        arguments, refused = jsonata_arguments(params)
        for below, key, value in refused:
            field = _field_giving(st, key, value)
            given = f"{type(st).__name__}.{field}" if field else type(st).__name__
            self.error("query-language", f"{path}.Arguments{below}",
                       f"{given} gives {key!r}: {value!r}; this state uses JSONata, where "
                       f"flowdsl writes only a reference path ($.a.b, $$.Task.Token, $name.a) as "
                       f"an expression: give {key[:-2]!r} a JSONata expression '{{% ... %}}' "
                       f"instead", st.source)
        return "Arguments", self.value(arguments, path / "Arguments", st.source)

    def _state(self, st: State, path: DocPath, target: Any) -> dict[str, Any]:
        if st.source:
            self.sources.record(path, st.source)
        out: dict[str, Any] = {"Type": st.TYPE}
        self.fields(st, out, path)
        integration = INTEGRATIONS.get(type(st))
        arn = parse_states_arn(st.resource) if self.partition_refs and isinstance(st, Task) else None
        if arn is not None and arn.partition == "aws":
            # the partition comes from the provider, as in the typed tasks' output
            out["Resource"] = states_arn(states_arn_rest(st.resource))
        if integration is not None:
            out["Resource"] = self.value(integration.resource(st), path / "Resource", st.source)
            key, payload = self.typed_payload(st, integration.parameters(st), path)
            out[key] = payload
        if isinstance(st, _Catching):
            if st.retry:
                at = path / "Retry"
                out["Retry"] = [self.retry(r, at[i]) for i, r in enumerate(st.retry)]
            if st.catch:
                at = path / "Catch"
                out["Catch"] = [self.catch(c, at[i], target) for i, c in enumerate(st.catch)]
        if isinstance(st, Parallel):
            at = path / "Branches"
            out["Branches"] = [self.branch(b, at[i]) for i, b in enumerate(st.branches)]
        elif isinstance(st, Map):
            key = "Iterator" if st.legacy_iterator else "ItemProcessor"
            proc = self.branch(st.processor, path / key)
            if st.processor_config is not None:
                proc["ProcessorConfig"] = self.value(st.processor_config,
                                                     path / key / "ProcessorConfig", st.source)
            out[key] = proc
        elif isinstance(st, Choice):
            at = path / "Choices"
            out["Choices"] = [self.rule(r, at[i], target) for i, r in enumerate(st.choices)]
            if st.default is not None:
                out["Default"] = target(st.default, path / "Default", st.source)
        return out

    def retry(self, r: Any, path: DocPath) -> Any:
        if not isinstance(r, Retry):
            self.error("bad-retry", path, f"expected a Retry, not {type(r).__name__}", None)
            return {}
        if r.source:
            self.sources.record(path, r.source)
        out: dict[str, Any] = {"ErrorEquals": list(r.error_equals)}
        self.fields(r, out, path)
        return out

    def catch(self, c: Any, path: DocPath, target: Any) -> Any:
        if not isinstance(c, Catch):
            self.error("bad-catch", path, f"expected a Catch, not {type(c).__name__}", None)
            return {}
        if c.source:
            self.sources.record(path, c.source)
        out: dict[str, Any] = {"ErrorEquals": list(c.error_equals)}
        self.fields(c, out, path)
        out["Next"] = target(c.next, path / "Next", c.source)
        return out

    def rule(self, rule: Any, path: DocPath, target: Any) -> Any:
        if not isinstance(rule, When):
            self.error("bad-choice-rule", path, f"expected a When rule, not {type(rule).__name__}",
                       None)
            return {}
        if rule.source:
            self.sources.record(path, rule.source)
        out = self.condition(rule.condition, path, rule.source, top=True)
        self.fields(rule, out, path)
        out["Next"] = target(rule.next, path / "Next", rule.source)
        return out

    def condition(self, cond: Any, path: DocPath, source: str | None,
                  top: bool = False) -> dict[str, Any]:
        own = getattr(cond, "source", None)
        if own and own != source:  # a condition built on a line of its own
            out = self._condition(cond, path, own)
            # the top-level condition shares its path with the rule: locate its own keys
            for p in [path / k for k in out] if top else [path]:
                self.sources.record(p, own)
            return out
        return self._condition(cond, path, source)

    def _condition(self, cond: Any, path: DocPath, source: str | None) -> dict[str, Any]:
        if isinstance(cond, Comparison):
            return {"Variable": cond.variable,
                    cond.operator: self.value(cond.value, path / cond.operator, source)}
        if isinstance(cond, (And, Or)):
            key = "And" if isinstance(cond, And) else "Or"
            at = path / key
            return {key: [self.condition(c, at[i], source) for i, c in enumerate(cond.conditions)]}
        if isinstance(cond, Not):
            return {"Not": self.condition(cond.condition, path / "Not", source)}
        if isinstance(cond, Condition):
            return {"Condition": self.value(cond.expression, path / "Condition", source)}
        self.error("bad-condition", path, f"expected a condition, not {type(cond).__name__}", source)
        return {}


def compile_workflow(workflow: Workflow) -> Compiled:
    """Compile the model to an ASL dict. Structural problems come back as diagnostics."""
    c = _Compiler(partition_refs=workflow.deployment is not None)
    c.language = workflow.query_language or c.language
    root = DocPath()
    start, states = c.scope(workflow.states, root, workflow)
    doc: dict[str, Any] = {}
    c.fields(workflow, doc, root)
    if start is None:
        c.error("empty-scope", root, "a workflow needs at least one state", workflow.source)
    doc["StartAt"] = start
    doc["States"] = states
    return Compiled(doc, tuple(c.diagnostics), c.sources)


__all__ = ["Compiled", "Sources", "compile_workflow", "jsonata_arguments", "jsonata_of_path"]
