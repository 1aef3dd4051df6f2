"""Typed data flow: the shape of the data at every state's entry and exit, and the paths that
cannot work on it, before anything runs.

The pass reads the compiled ASL definition (so every path is the one AWS will evaluate) and
the shapes the workflow declares: the execution input (``Workflow(input=...)``, wrapped in the
envelope of its deployment kind, ``Kind.input_schema``) and the tasks' results
(``LambdaTask(returns=...)``, a typed task's ``result_schema()``, and a few service results
read from botocore's service models on first use). From the state machine's input it follows
InputPath, Parameters (paths, ``$$``, variables, intrinsic functions), ResultSelector,
ResultPath, OutputPath, Map items and ItemSelector, Parallel branches, Catch's error output and
Assign, to a fixed point over loops and joins; JSONata fields are typed where they are plain
paths (``{% $states.input.a.b %}``) and unknown otherwise.

What it reports, only where it knows the shape (an unknown shape is never a warning):

- ``no-such-field``: a path reads a field the object here does not have (with did-you-mean);
- ``optional-field``: a path reads a field the declaration makes optional, and no Choice
  before it made sure it is present; ``undeclared-field``: the same for a field an open
  object (a JSON Schema without ``additionalProperties: false``, a ``dict[str, T]``) does not
  declare;
- ``not-an-object`` / ``not-an-array``: a path steps into a value of the wrong kind, an
  ItemsPath that is not an array, an index past the end of a tuple;
- ``wrong-type``: a Choice rule, an intrinsic function's argument, a Wait's SecondsPath or
  TimestampPath, a Fail's ErrorPath or CausePath given a value of the wrong type;
- ``result-path-mismatch``: a ResultPath that steps into a value that is not an object;
- ``bad-shape``: a declaration that is not a shape.

:func:`flowdsl.typecheck.check` is the entry the build calls; :func:`analyse` gives the shapes at
every state (``flowdsl types``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from flowdsl import shapes as sh
from flowdsl.errors import Diagnostic, FlowError, did_you_mean, nearest_source
from flowdsl.lang import intrinsics, jsonata, jsonpath
from flowdsl.lang.operators import OPERATORS
from flowdsl.refs import Join, Ref
from flowdsl.shapes import (BOOLEAN, INTEGER, NUMBER, STRING, UNKNOWN, Arr, Field, Lazy, Obj, Scalar,
                            Shape, Tup, force, join, members)
from flowdsl.vocabulary import JSONATA, JSONPATH, child_scopes, parse_states_arn, processor_key, walk_states

WIDEN_AFTER = 6  # a state whose entry shape changed this often is given UNKNOWN (loops)
ERROR_OUTPUT = Obj({"Error": Field(STRING), "Cause": Field(STRING)})


class Analysis:
    """What the pass found: the diagnostics, and each state's shapes by its path in the
    definition (``entry``: its input, ``exit``: its output; a Fail has no exit)."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.entry: dict[str, Shape] = {}
        self.exit: dict[str, Shape] = {}
        self.input: Shape = UNKNOWN


def analyse(workflow: Any, compiled: Any, kind: Any = None) -> Analysis:
    """Shapes at every state of ``compiled`` (from :func:`flowdsl.asl.compile_workflow`)."""
    from flowdsl.states import iter_states

    out = Analysis()
    problems: list[Diagnostic] = []
    schema_of = getattr(kind, "input_schema", None) if kind is not None else None
    declared = getattr(workflow, "input", None)
    where = "Workflow.input"
    try:
        if workflow.deployment is not None and schema_of is not None:
            where = f"the input {type(workflow.deployment).__name__} delivers"
            schema = schema_of(workflow.deployment, declared)
            start = UNKNOWN if schema is None else sh.shape_of(schema, where)
        else:
            start = UNKNOWN if declared is None else sh.shape_of(declared, where)
    except FlowError as e:
        src = getattr(workflow.deployment, "source", None) if where != "Workflow.input" else None
        problems.append(Diagnostic("bad-shape", "input", str(e), src or workflow.source))
        start = UNKNOWN
    results: dict[str, Shape] = {}
    for st in iter_states(workflow.states):
        schema_fn = getattr(st, "result_schema", None)
        if getattr(st, "returns", None) is None and schema_fn is None:
            continue
        try:
            results[st.name] = _result_shape(st, schema_fn)
        except FlowError as e:
            problems.append(Diagnostic("bad-shape", "returns", str(e), st.source))
    flow = Flow(compiled.definition, compiled.sources, start, results)
    flow.run()
    out.diagnostics = problems + flow.diagnostics
    out.entry, out.exit, out.input = flow.entry_at, flow.exit_at, start
    return out


_RESULT_SHAPES: dict[Any, Shape] = {}


def _result_shape(st: Any, schema_fn: Any) -> Shape:
    """A task's declared result shape (kept for a class and a declaration that can be hashed)."""
    returns = getattr(st, "returns", None)
    key: Any = (type(st), returns, getattr(st, "wait_for_task_token", None))
    try:
        hit = _RESULT_SHAPES.get(key)
    except TypeError:  # a JSON Schema dict: read each time
        key, hit = None, None
    if hit is None:
        schema = schema_fn() if schema_fn is not None else returns
        hit = sh.shape_of(schema, f"{type(st).__name__} {st.name!r} returns")
        if key is not None:
            _RESULT_SHAPES[key] = hit
    return hit


# ------------------------------------------------------------------------------ service results

_SERVICE_RESULTS = {
    # Resource (after states:::) -> (botocore service, its shape); keys capitalised as Step
    # Functions returns them.
    "batch:submitJob.sync": ("batch", "JobDetail"),
    "batch:submitJob": ("batch", "SubmitJobResponse"),
}


def service_result(resource: Any) -> Shape | None:
    if isinstance(resource, Ref):
        from flowdsl.placeholders import to_template

        resource = to_template(resource)
    arn = parse_states_arn(resource) if isinstance(resource, str) else None
    if arn is None:
        return None
    hit = _SERVICE_RESULTS.get(arn.rest)
    if hit is None:
        return None
    service, name = hit
    return Lazy(f"{service} {name}", lambda: _botocore_shape(service, name))


_MODELS: dict[str, Any] = {}


def _botocore_shape(service: str, name: str) -> Shape:
    """A botocore service model's shape, read from its JSON without importing botocore."""
    import gzip
    import importlib.util
    import json
    from pathlib import Path

    model = _MODELS.get(service)
    if model is None:
        spec = importlib.util.find_spec("botocore")
        if spec is None or spec.origin is None:
            return UNKNOWN
        folder = Path(spec.origin).parent / "data" / service
        versions = sorted(p for p in folder.iterdir() if p.is_dir())
        path = versions[-1] / "service-2.json.gz"
        model = _MODELS[service] = json.loads(gzip.decompress(path.read_bytes()))["shapes"]

    def convert(shape_name: str, level: int) -> Shape:
        s = model.get(shape_name, {})
        t = s.get("type")
        if level > 8:
            return UNKNOWN
        if t == "structure":
            required = set(s.get("required", ()))
            return Obj({k[:1].upper() + k[1:]: Field(convert(m["shape"], level + 1), True if k in required else None)
                        for k, m in s.get("members", {}).items()})
        if t == "list":
            return Arr(convert(s["member"]["shape"], level + 1))
        if t == "map":
            return Obj({}, convert(s["value"]["shape"], level + 1))
        if t in ("integer", "long"):
            return INTEGER
        if t in ("float", "double"):
            return NUMBER
        if t == "boolean":
            return BOOLEAN
        if t in ("string", "timestamp", "blob"):
            return STRING
        return UNKNOWN

    return convert(name, 0)


# ------------------------------------------------------------------------------------ the pass

def _context(execution_input: Shape, item: Shape | None) -> Obj:
    s, maybe = STRING, None
    ctx = {
        "Execution": Field(Obj({"Id": Field(s), "Input": Field(execution_input), "Name": Field(s),
                                "RoleArn": Field(s), "StartTime": Field(s),
                                "RedriveCount": Field(INTEGER), "RedriveTime": Field(s, maybe)})),
        "State": Field(Obj({"EnteredTime": Field(s), "Name": Field(s), "RetryCount": Field(INTEGER)})),
        "StateMachine": Field(Obj({"Id": Field(s), "Name": Field(s)})),
        "Task": Field(Obj({"Token": Field(s, maybe)}), maybe),
    }
    if item is not None:
        ctx["Map"] = Field(Obj({"Item": Field(Obj({"Index": Field(INTEGER), "Value": Field(item),
                                                   "Key": Field(s, maybe), "Source": Field(s, maybe)}))}))
    return Obj(ctx)


class Flow:
    def __init__(self, definition: Any, sources: Mapping[str, str], execution_input: Shape,
                 results: Mapping[str, Shape]) -> None:
        self.definition, self.sources = definition, sources
        self.execution_input = execution_input
        self.results = results
        self.vars: dict[str, Shape] = {}
        self.final = False
        self.reporting = False
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[str, str, str]] = set()
        self.entry_at: dict[str, Shape] = {}
        self.exit_at: dict[str, Shape] = {}
        self.memo: dict[tuple[Any, ...], Shape] = {}
        self.present: dict[str, frozenset[str]] = {}  # state path -> paths a Choice made sure of
        self.sure: frozenset[str] = frozenset()  # those of the state being read

    def run(self) -> None:
        doc = self.definition
        if not isinstance(doc, dict):
            return
        lang = doc.get("QueryLanguage", JSONPATH)
        for _ in range(4 if _assigns(doc) else 0):  # variables are shared across the machine: until they settle
            before = dict(self.vars)
            self.memo.clear()
            self.scope(doc, "$", self.execution_input, _context(self.execution_input, None), lang)
            if self.vars == before:
                break
        self.final = True
        self.memo.clear()
        self.scope(doc, "$", self.execution_input, _context(self.execution_input, None), lang)

    # reporting ------------------------------------------------------------------------------------
    def report(self, code: str, path: str, message: str) -> None:
        if not self.reporting:
            return
        key = (code, path, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.diagnostics.append(Diagnostic(code, path, message, self._source(path)))

    def _source(self, path: str) -> str | None:
        return nearest_source(self.sources, path)

    # scopes ---------------------------------------------------------------------------------------
    def scope(self, scope: Any, path: str, entry: Shape, ctx: Obj, lang: str) -> Shape:
        """The output of a scope entered with ``entry``: the join of its final states' outputs."""
        key = (path, entry, ctx, self.final)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        states = scope.get("States") if isinstance(scope, dict) else None
        start = scope.get("StartAt") if isinstance(scope, dict) else None
        if not isinstance(states, dict) or not isinstance(start, str) or start not in states:
            return UNKNOWN
        lang = scope.get("QueryLanguage", lang)
        entries: dict[str, Shape] = {start: entry}
        present: dict[str, frozenset[str]] = {start: frozenset()}
        visits: dict[str, int] = {}
        outputs: dict[str, Shape] = {}
        was = self.reporting
        order = _topological(states, start)
        if order is not None:  # no loop: one visit of each state, after every state before it
            self.reporting = self.final
            for name in order:
                if name in entries:
                    self._visit(states, name, path, entries, present, visits, outputs, ctx, lang, deque(), set())
        else:
            self.reporting = False
            work = deque([start])
            queued = {start}
            while work:
                name = work.popleft()
                queued.discard(name)
                self._visit(states, name, path, entries, present, visits, outputs, ctx, lang, work, queued)
        if self.final and order is None:
            self.reporting = True
            for name in states:
                if name in entries:
                    self._visit(states, name, path, entries, present, visits, outputs, ctx, lang, None, None)
        self.reporting = was
        result = join(*outputs.values()) if outputs else UNKNOWN
        self.memo[key] = result
        return result

    def _visit(self, states: dict[str, Any], name: str, path: str, entries: dict[str, Shape],
               present: dict[str, frozenset[str]], visits: dict[str, int], outputs: dict[str, Shape],
               ctx: Obj, lang: str, work: deque[str] | None, queued: set[str] | None) -> None:
        st = states[name]
        spath = f"{path}.States.{name}"
        if not isinstance(st, dict):
            return
        self.present[spath] = present.get(name, frozenset())
        entry = entries[name]
        if self.final:
            self.entry_at[spath] = entry
        outer, self.sure = self.sure, self.present[spath]
        try:
            edges, out = self.state(st, spath, entry, ctx, st.get("QueryLanguage", lang))
        finally:
            self.sure = outer
        if out is not None:
            if not isinstance(st.get("Next"), str):
                outputs[name] = out
            if self.final:
                self.exit_at[spath] = out
        if work is None or queued is None:
            return
        for target, shape, sure in edges:
            if target not in states:
                continue
            old = entries.get(target)
            new = shape if old is None else join(old, shape)
            if sh.depth(new) >= sh.MAX_DEPTH or visits.get(target, 0) >= WIDEN_AFTER:
                new = UNKNOWN
            was_sure = present.get(target)
            now_sure = sure if was_sure is None else was_sure & sure
            if new != old or now_sure != was_sure:
                entries[target] = new
                present[target] = now_sure
                visits[target] = visits.get(target, 0) + 1
                if target not in queued:
                    work.append(target)
                    queued.add(target)

    # one state -------------------------------------------------------------------------------------
    def state(self, st: dict[str, Any], spath: str, raw: Shape, ctx: Obj,
              lang: str) -> tuple[list[tuple[str, Shape, frozenset[str]]], Shape | None]:
        """The edges out of a state (target, shape, paths made sure of) and, for a state that
        ends its scope, its output."""
        t = st.get("Type")
        if lang == JSONATA:
            return self.jsonata_state(st, spath, raw, ctx, t)
        sure = self.present.get(spath, frozenset())
        edges: list[tuple[str, Shape, frozenset[str]]] = []
        if t == "Fail":
            for key in ("ErrorPath", "CausePath"):
                if isinstance(st.get(key), str):
                    got = self.path(st[key], raw, ctx, f"{spath}.{key}", "the state's input")
                    self.want(got, ("string",), f"{spath}.{key}", f"{key} {st[key]}")
            return [], None
        eff = self.io(st, "InputPath", raw, ctx, spath, "the state's input")
        if t == "Choice":
            for i, rule in enumerate(st.get("Choices") or []):
                if not isinstance(rule, dict):
                    continue
                narrowed, made_sure = self.rule(rule, f"{spath}.Choices[{i}]", eff, ctx)
                self.assign(rule, eff, ctx, f"{spath}.Choices[{i}]")
                if isinstance(rule.get("Next"), str):
                    out = self.io(st, "OutputPath", narrowed, ctx, spath, "the state's output")
                    edges.append((rule["Next"], out, sure | made_sure))
            self.assign(st, eff, ctx, spath)
            if isinstance(st.get("Default"), str):
                edges.append((st["Default"], self.io(st, "OutputPath", eff, ctx, spath, "the state's output"), sure))
            return edges, None
        if t == "Wait":
            for key, kinds in (("SecondsPath", ("integer", "number")), ("TimestampPath", ("string",))):
                if isinstance(st.get(key), str):
                    got = self.path(st[key], eff, ctx, f"{spath}.{key}", "the state's input")
                    self.want(got, kinds, f"{spath}.{key}", f"{key} {st[key]}")
            self.assign(st, eff, ctx, spath)
            return self.flow(st, self.io(st, "OutputPath", eff, ctx, spath, "the state's output"), sure, spath)
        if t == "Succeed":
            return [], self.io(st, "OutputPath", eff, ctx, spath, "the state's output")
        if t == "Pass":
            if "Parameters" in st:
                result = self.template(st["Parameters"], eff, ctx, f"{spath}.Parameters", "the state's input")
            elif "Result" in st:
                result = _literal(st["Result"])
            else:
                result = eff
            self.assign(st, result, ctx, spath)
            out = self.result_path(st, raw, result, spath, st.get("ResultPath", "$"))
            return self.flow(st, self.io(st, "OutputPath", out, ctx, spath, "the state's output"), sure, spath)
        if t not in ("Task", "Parallel", "Map"):
            return [], None
        name = spath.rsplit(".States.", 1)[-1]
        if t == "Task":
            if "Parameters" in st:
                self.template(st["Parameters"], eff, ctx, f"{spath}.Parameters", "the state's input")
            result = self.results.get(name) or service_result(st.get("Resource")) or UNKNOWN
        elif t == "Parallel":
            given = self.template(st["Parameters"], eff, ctx, f"{spath}.Parameters", "the state's input") \
                if "Parameters" in st else eff
            outs = [self.scope(b, p, given, ctx, JSONPATH) for p, b in child_scopes(st, spath)]
            result = Tup(outs)
        else:
            result = self.map_state(st, spath, eff, ctx)
        result = _origin(result, f"what {name!r} returned")
        if "ResultSelector" in st:
            result = self.template(st["ResultSelector"], result, ctx, f"{spath}.ResultSelector",
                                   "the task's result")
        self.assign(st, result, ctx, spath)
        out = self.result_path(st, raw, result, spath, st.get("ResultPath", "$"))
        out = self.io(st, "OutputPath", out, ctx, spath, "the state's output")
        edges, end = self.flow(st, out, sure, spath)
        for i, catcher in enumerate(st.get("Catch") or []):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                cpath = f"{spath}.Catch[{i}]"
                caught = self.result_path(catcher, raw, ERROR_OUTPUT, cpath, catcher.get("ResultPath", "$"))
                self.assign(catcher, ERROR_OUTPUT, ctx, cpath)
                edges.append((catcher["Next"], caught, frozenset()))
        return edges, end

    def flow(self, st: dict[str, Any], out: Shape, sure: frozenset[str],
             spath: str) -> tuple[list[tuple[str, Shape, frozenset[str]]], Shape | None]:
        if isinstance(st.get("Next"), str):
            return [(st["Next"], out, sure)], out
        return [], out

    def map_state(self, st: dict[str, Any], spath: str, eff: Shape, ctx: Obj) -> Shape:
        if "ItemReader" in st:
            item: Shape = UNKNOWN
        else:
            items_path = st.get("ItemsPath", "$")
            items = self.path(items_path, eff, ctx, f"{spath}.ItemsPath", "the state's input") \
                if isinstance(items_path, str) else UNKNOWN
            item = UNKNOWN
            kinds = {force(m).kind for m in members(items)}
            if sh.is_known(items) and "array" not in kinds:
                self.report("not-an-array", f"{spath}.ItemsPath" if "ItemsPath" in st else spath,
                            f"{items_path}: the Map's items are {sh.words(items)} here, not an array")
            elif sh.is_known(items):
                item = join(*(sh.item_of(m) for m in members(items) if force(m).kind == "array"))
                if any(k != "array" for k in kinds):
                    item = UNKNOWN
        key = "ItemSelector" if "ItemSelector" in st else "Parameters" if "Parameters" in st else None
        given = item
        if key is not None:
            given = self.template(st[key], eff, _context(self.execution_input, item), f"{spath}.{key}",
                                  "the state's input")
        proc = processor_key(st)
        out = self.scope(st[proc], f"{spath}.{proc}", given, ctx, JSONPATH) if proc else UNKNOWN
        if "ResultWriter" in st:
            return UNKNOWN
        return Arr(out)

    # JSONata --------------------------------------------------------------------------------------
    def jsonata_state(self, st: dict[str, Any], spath: str, raw: Shape, ctx: Obj,
                      t: Any) -> tuple[list[tuple[str, Shape, frozenset[str]]], Shape | None]:
        states: dict[str, Shape] = {"input": raw, "context": ctx}
        edges: list[tuple[str, Shape, frozenset[str]]] = []
        if t == "Fail":
            return [], None
        if t == "Choice":
            for i, rule in enumerate(st.get("Choices") or []):
                if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                    self.expression(rule.get("Condition"), states, f"{spath}.Choices[{i}].Condition")
                    out = self.expression(rule["Output"], states, f"{spath}.Choices[{i}].Output") \
                        if "Output" in rule else raw
                    edges.append((rule["Next"], out, frozenset()))
            if isinstance(st.get("Default"), str):
                out = self.expression(st["Output"], states, f"{spath}.Output") if "Output" in st else raw
                edges.append((st["Default"], out, frozenset()))
            return edges, None
        name = spath.rsplit(".States.", 1)[-1]
        result: Shape = raw
        if "Arguments" in st:
            given = self.expression(st["Arguments"], states, f"{spath}.Arguments")
        else:
            given = raw
        if t == "Task":
            result = self.results.get(name) or service_result(st.get("Resource")) or UNKNOWN
        elif t == "Parallel":
            result = Tup(self.scope(b, p, given, ctx, JSONATA) for p, b in child_scopes(st, spath))
        elif t == "Map":
            items = self.expression(st["Items"], states, f"{spath}.Items") if "Items" in st else given
            item: Shape = UNKNOWN
            if "ItemReader" not in st and sh.is_known(items):
                if all(force(m).kind == "array" for m in members(items)):
                    item = join(*(sh.item_of(m) for m in members(items)))
                else:
                    self.report("not-an-array", f"{spath}.Items" if "Items" in st else spath,
                                f"the Map's items are {sh.words(items)} here, not an array")
            if "ItemSelector" in st:
                inner_ctx = _context(self.execution_input, item)
                item = self.expression(st["ItemSelector"], {"input": raw, "context": inner_ctx},
                                       f"{spath}.ItemSelector")
            proc = processor_key(st)
            out = self.scope(st[proc], f"{spath}.{proc}", item, ctx, JSONATA) if proc else UNKNOWN
            result = UNKNOWN if "ResultWriter" in st else Arr(out)
        if t in ("Task", "Parallel", "Map"):
            states["result"] = result
        out = self.expression(st["Output"], states, f"{spath}.Output") if "Output" in st else \
            result if t in ("Task", "Parallel", "Map") else raw
        if isinstance(st.get("Assign"), dict):
            for var, value in st["Assign"].items():
                self.set_var(var, self.expression(value, states, f"{spath}.Assign.{var}"))
        if t == "Succeed":
            return [], out
        if isinstance(st.get("Next"), str):
            edges.append((st["Next"], out, frozenset()))
        for i, catcher in enumerate(st.get("Catch") or []):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                caught = self.expression(catcher["Output"], {**states, "errorOutput": ERROR_OUTPUT},
                                         f"{spath}.Catch[{i}].Output") if "Output" in catcher else ERROR_OUTPUT
                edges.append((catcher["Next"], caught, frozenset()))
        return edges, out

    def expression(self, value: Any, states: dict[str, Shape], where: str) -> Shape:
        """The shape of a JSONata field: a plain path is typed, any other expression unknown."""
        if isinstance(value, dict):
            return Obj({k: Field(self.expression(v, states, f"{where}.{k}")) for k, v in value.items()})
        if isinstance(value, list):
            return Tup(self.expression(v, states, f"{where}[{i}]") for i, v in enumerate(value))
        if isinstance(value, str) and jsonata.is_expression(value):
            try:
                body = jsonata.parse(value).body.strip()
            except FlowError:
                return UNKNOWN
            names = _plain_path(body)
            if names is None:
                return UNKNOWN
            root, steps = names
            if root == "states" and steps and steps[0] in states:
                base, label, steps = states[steps[0]], f"$states.{steps[0]}", steps[1:]
                what = {"input": "the state's input", "result": "the task's result",
                        "context": "the context object", "errorOutput": "the error output"}[label[8:]]
            elif root != "states" and root in self.vars:
                base, label, what = self.vars[root], f"${root}", f"variable ${root}"
            else:
                return UNKNOWN
            tree = jsonpath.Path(body, "$", tuple(jsonpath.Step("key", s) for s in steps))
            return self.walk(tree, base, where, what, shown=label)
        return sh.of_value(value)

    # paths ----------------------------------------------------------------------------------------
    def io(self, st: dict[str, Any], key: str, data: Shape, ctx: Obj, spath: str, what: str) -> Shape:
        """InputPath or OutputPath: absent is ``$``, null is ``{}``."""
        if key not in st:
            return data
        if st[key] is None:
            return Obj({})
        return self.path(st[key], data, ctx, f"{spath}.{key}", what)

    def path(self, text: Any, data: Shape, ctx: Obj, where: str, what: str) -> Shape:
        """The shape a JSONPath selects; unknown when it is not one (the validator says so)."""
        if not isinstance(text, str):
            return UNKNOWN
        try:
            tree = jsonpath.parse(text)
        except FlowError:
            return UNKNOWN
        return self.tree(tree, data, ctx, where, what)

    def tree(self, tree: jsonpath.Path, data: Shape, ctx: Obj, where: str, what: str) -> Shape:
        if tree.root == "$$":
            return self.walk(tree, ctx, where, "the context object", shown="$$")
        if tree.root == "var":
            var = self.vars.get(tree.variable or "")
            if var is None:
                return UNKNOWN
            return self.walk(tree, var, where, f"variable ${tree.variable}", shown=f"${tree.variable}")
        return self.walk(tree, data, where, what)

    def walk(self, tree: jsonpath.Path, data: Shape, where: str, what: str, shown: str = "$") -> Shape:
        here = data
        sure = self.sure
        text = shown
        for step in tree.steps:
            if not sh.is_known(here):
                return UNKNOWN
            before = text
            if step.kind == "key":
                text = f"{text}.{step.arg}" if _plain(step.arg) else f"{text}['{step.arg}']"
                here = self.key(here, step.arg, before, text, where, what if before == shown else before,
                                text in sure)
            elif step.kind in ("index", "from_end"):
                text = f"{text}[{step.arg if step.kind == 'index' else '-' + str(step.arg)}]"
                here = self.index(here, step.arg if step.kind == "index" else -step.arg, before, text, where, what)
            elif step.kind == "length":
                if not all(force(m).kind == "array" for m in members(here)):
                    self.report("not-an-array", where, f"{tree.text}: length() needs an array, and "
                                f"{before} is {sh.words(here)} here")
                    return UNKNOWN
                return INTEGER
            elif step.kind in ("wild", "slice", "filter", "union") and all(
                    force(m).kind == "array" for m in members(here)):
                item = join(*(sh.item_of(m) for m in members(here)))
                here = Arr(item) if step.kind != "union" else UNKNOWN
                return here if step is tree.steps[-1] and step.kind != "union" else UNKNOWN
            else:
                return UNKNOWN  # many nodes, or a computed value: not followed
        return here

    def key(self, here: Shape, name: str, before: str, text: str, where: str, what: str,
            sure: bool) -> Shape:
        found: list[Shape] = []
        failures: list[tuple[str, str]] = []
        for m in members(here):
            m = force(m)
            if m is UNKNOWN:
                return UNKNOWN
            if not isinstance(m, Obj):
                failures.append(("not-an-object", f"{text}: {before} is {sh.words(m)} here, not an "
                                 f"object with a field {name!r}"))
                continue
            f = m.fields.get(name)
            if f is None:
                if m.rest is not None:  # an open object: the field may be there, or not
                    if not sure and not m.partial:
                        hint = did_you_mean(name, m.fields).hint
                        self.report("undeclared-field", where, f"{text}: {what} declares no field "
                                    f"{name!r}; it may be absent here{hint} (a Choice with "
                                    f"is_present({text!r}) before this state makes sure)")
                    found.append(m.rest)
                    continue
                hint = did_you_mean(name, m.fields).hint
                if not hint and m.fields:
                    listed = ", ".join(list(m.fields)[:8]) + (", ..." if len(m.fields) > 8 else "")
                    hint = f" (it has {listed})"
                elif not m.fields:
                    hint = " (it is an empty object)"
                origin = f"; {before} is {m.origin}" if m.origin and before == "$" else ""
                failures.append(("no-such-field", f"{text}: {what} has no field {name!r} here{hint}{origin}"))
                continue
            if f.required is False and not sure:
                self.report("optional-field", where, f"{text}: the field {name!r} is optional in "
                            f"{what}; it may be absent here (a Choice "
                            f"with is_present({text!r}) before this state makes sure)")
            found.append(f.shape)
        if failures:
            code, message = failures[0]
            if found:
                message += " (on some of the paths that lead here)"
            self.report(code, where, message)
            if not found:
                return UNKNOWN
        return join(*found)

    def index(self, here: Shape, i: int, before: str, text: str, where: str, what: str) -> Shape:
        found: list[Shape] = []
        for m in members(here):
            m = force(m)
            if m is UNKNOWN:
                return UNKNOWN
            if isinstance(m, Tup):
                if -len(m.items) <= i < len(m.items):
                    found.append(m.items[i])
                else:
                    self.report("not-an-array", where, f"{text}: {before} has {len(m.items)} item(s) "
                                f"here, so it has no item {i}")
            elif isinstance(m, Arr):
                found.append(m.item)
            else:
                self.report("not-an-array", where, f"{text}: {before} is {sh.words(m)} here, not an array")
        return join(*found) if found else UNKNOWN

    def want(self, got: Shape, kinds: tuple[str, ...], where: str, what: str) -> None:
        if not sh.is_known(got):
            return
        bad = [m for m in members(got) if force(m).kind not in kinds and force(m).kind != "unknown"]
        if len(bad) == len(members(got)):
            want = " or ".join({"string": "a string", "integer": "an integer", "number": "a number",
                                "boolean": "a boolean", "array": "an array", "object": "an object"}[k]
                               for k in kinds[:1] if k)
            self.report("wrong-type", where, f"{what} is {sh.words(got)} here; it must be {want}")

    # ResultPath -----------------------------------------------------------------------------------
    def result_path(self, st: dict[str, Any], raw: Shape, result: Shape, spath: str, rp: Any) -> Shape:
        if rp is None:
            return raw
        if not isinstance(rp, str):
            return UNKNOWN
        try:
            tree = jsonpath.parse(rp)
        except FlowError:
            return UNKNOWN
        if tree.root != "$" or not tree.is_reference:
            return UNKNOWN
        if not tree.steps:
            return result
        return self.put(raw, tree.steps, result, f"{spath}.ResultPath", rp, "$")

    def put(self, here: Shape, steps: tuple[Any, ...], value: Shape, where: str, rp: str, before: str) -> Shape:
        if not steps:
            return value
        step, rest = steps[0], steps[1:]
        outs: list[Shape] = []
        for m in members(here):
            m = force(m)
            if m is UNKNOWN:
                if step.kind == "key":
                    outs.append(Obj({step.arg: Field(self.put(UNKNOWN, rest, value, where, rp, ""))}, partial=True))
                else:
                    outs.append(UNKNOWN)
            elif step.kind == "key" and isinstance(m, Obj):
                f = m.fields.get(step.arg)
                inner = f.shape if f is not None else (m.rest if m.rest is not None and rest else Obj({}))
                fields = dict(m.fields)
                fields[step.arg] = Field(self.put(inner if rest else UNKNOWN, rest, value, where, rp,
                                                  f"{before}.{step.arg}"))
                outs.append(Obj(fields, m.rest, partial=m.partial))
            elif step.kind == "index" and isinstance(m, (Arr, Tup)):
                if isinstance(m, Tup) and -len(m.items) <= step.arg < len(m.items):
                    items = list(m.items)
                    items[step.arg] = self.put(items[step.arg], rest, value, where, rp, f"{before}[{step.arg}]")
                    outs.append(Tup(items))
                elif isinstance(m, Arr):
                    outs.append(Arr(join(m.item, self.put(m.item, rest, value, where, rp, f"{before}[{step.arg}]"))))
                else:
                    self.report("result-path-mismatch", where, f"ResultPath {rp}: {before} has "
                                f"{len(m.items)} item(s) here, so it has no item {step.arg}")
            else:
                want = "an object" if step.kind == "key" else "an array"
                self.report("result-path-mismatch", where, f"ResultPath {rp}: {before} is {sh.words(m)} "
                            f"here, not {want}, so the result cannot be placed (States.ResultPathMatchFailure)")
        return join(*outs) if outs else UNKNOWN

    # templates ------------------------------------------------------------------------------------
    def template(self, tpl: Any, data: Shape, ctx: Obj, where: str, what: str) -> Shape:
        if isinstance(tpl, dict):
            fields: dict[str, Field] = {}
            for k, v in tpl.items():
                if isinstance(k, str) and k.endswith(".$"):
                    fields[k[:-2]] = Field(self.dynamic(v, data, ctx, f"{where}.{k}", what))
                else:
                    fields[str(k)] = Field(self.template(v, data, ctx, f"{where}.{k}", what))
            return Obj(fields)
        if isinstance(tpl, list):
            return Tup(self.template(v, data, ctx, f"{where}[{i}]", what) for i, v in enumerate(tpl))
        return _literal(tpl)

    def dynamic(self, value: Any, data: Shape, ctx: Obj, where: str, what: str) -> Shape:
        if not isinstance(value, str):
            return UNKNOWN
        if intrinsics.is_intrinsic(value):
            try:
                call = intrinsics.parse(value)
            except FlowError:
                return UNKNOWN
            return self.call(call, data, ctx, where, what)
        return self.path(value, data, ctx, where, what)

    def call(self, call: Any, data: Shape, ctx: Obj, where: str, what: str) -> Shape:
        sig = intrinsics.FUNCTIONS.get(call.name)
        args: list[Shape] = []
        for pos, arg in enumerate(call.args):
            if isinstance(arg, intrinsics.Call):
                got = self.call(arg, data, ctx, where, what)
            elif isinstance(arg, intrinsics.PathArg) and arg.tree is not None:
                got = self.tree(arg.tree, data, ctx, where, what)
                kind = sig.kinds[pos] if sig is not None and pos < len(sig.kinds) else None
                wanted = {"str": ("string",), "int": ("integer",), "num": ("number", "integer"),
                          "bool": ("boolean",), "array": ("array",), "object": ("object",)}.get(kind or "")
                if wanted:
                    self.want(got, wanted, where, f"States.{call.name} argument {pos + 1}, {arg.path},")
            else:
                got = sh.of_value(getattr(arg, "value", None))
            args.append(got)
        return _intrinsic_result(call.name, args)

    # Choice ---------------------------------------------------------------------------------------
    def rule(self, rule: dict[str, Any], where: str, data: Shape, ctx: Obj) -> tuple[Shape, frozenset[str]]:
        """Check a Choice rule; the input narrowed for its Next, and the paths it makes sure of."""
        for key in ("And", "Or"):
            if isinstance(rule.get(key), list):
                sure: frozenset[str] = frozenset()
                outer = self.sure
                try:
                    for i, sub in enumerate(rule[key]):
                        if isinstance(sub, dict):
                            _, s = self.rule(sub, f"{where}.{key}[{i}]", data, ctx)
                            if key == "And":  # what one part makes sure of, the next may read
                                sure |= s
                                self.sure = outer | sure
                finally:
                    self.sure = outer
                return data, sure
        if isinstance(rule.get("Not"), dict):
            self.rule(rule["Not"], f"{where}.Not", data, ctx)
            return data, frozenset()
        variable = rule.get("Variable")
        op = next((k for k in rule if k in OPERATORS), None)
        if not isinstance(variable, str) or op is None:
            return data, frozenset()
        operator = OPERATORS[op]
        if operator.family == "Test" and operator.relation == "Present":
            # reading an absent field is what IsPresent is for
            was, self.reporting = self.reporting, False
            self.path(variable, data, ctx, f"{where}.Variable", "the state's input")
            self.reporting = was
            return data, (_prefixes(_canonical(variable)) if rule[op] is True else frozenset())
        got = self.path(variable, data, ctx, f"{where}.Variable", "the state's input")
        kinds = {"String": ("string",), "Matches": ("string",), "Timestamp": ("string",),
                 "Numeric": ("number", "integer"), "Boolean": ("boolean",)}.get(operator.family)
        if kinds:
            self.want(got, kinds, f"{where}.{op}", f"{op} compares {variable}, which")
            if operator.takes_path and isinstance(rule[op], str):
                other = self.path(rule[op], data, ctx, f"{where}.{op}", "the state's input")
                self.want(other, kinds, f"{where}.{op}", f"{op} compares with {rule[op]}, which")
        return data, frozenset()

    # variables ------------------------------------------------------------------------------------
    def assign(self, holder: dict[str, Any], data: Shape, ctx: Obj, where: str) -> None:
        assign = holder.get("Assign")
        if not isinstance(assign, dict):
            return
        for var, value in assign.items():
            if not isinstance(var, str):
                continue
            if var.endswith(".$"):
                self.set_var(var[:-2], self.dynamic(value, data, ctx, f"{where}.Assign.{var}", "the state's result"))
            else:
                self.set_var(var, self.template(value, data, ctx, f"{where}.Assign.{var}", "the state's result"))

    def set_var(self, name: str, shape: Shape) -> None:
        old = self.vars.get(name)
        new = shape if old is None else join(old, shape)
        if sh.depth(new) >= sh.MAX_DEPTH:
            new = UNKNOWN
        self.vars[name] = new


def _targets(st: Any) -> list[str]:
    if not isinstance(st, dict):
        return []
    out = [st["Next"]] if isinstance(st.get("Next"), str) else []
    if isinstance(st.get("Default"), str):
        out.append(st["Default"])
    for holder in (st.get("Choices") or []) + (st.get("Catch") or []):
        if isinstance(holder, dict) and isinstance(holder.get("Next"), str):
            out.append(holder["Next"])
    return out


def _topological(states: dict[str, Any], start: str) -> list[str] | None:
    """The states reachable from ``start``, each after every state that leads to it; None when
    a loop makes that impossible."""
    reach, stack = {start}, [start]
    while stack:
        for t in _targets(states[stack.pop()]):
            if t in states and t not in reach:
                reach.add(t)
                stack.append(t)
    incoming = dict.fromkeys(reach, 0)
    for name in reach:
        for t in _targets(states[name]):
            if t in incoming:
                incoming[t] += 1
    ready = [n for n in reach if incoming[n] == 0]
    order = []
    while ready:
        name = ready.pop()
        order.append(name)
        for t in _targets(states[name]):
            if t in incoming:
                incoming[t] -= 1
                if incoming[t] == 0:
                    ready.append(t)
    return order if len(order) == len(reach) else None


def _assigns(doc: Any) -> bool:
    """Whether any state, Choice rule or catcher of the definition sets variables."""
    for _, _, body in walk_states(doc):
        if not isinstance(body, dict):
            continue
        if "Assign" in body:
            return True
        for holder in (body.get("Catch") or []) + (body.get("Choices") or []):
            if isinstance(holder, dict) and "Assign" in holder:
                return True
    return False


def _literal(value: Any) -> Shape:
    """A literal of a template; a deploy-time reference is a string when it joins text, else
    of the type its variable has (not known here)."""
    if isinstance(value, Join):
        return STRING
    if isinstance(value, Ref):
        return UNKNOWN
    if isinstance(value, dict):
        return Obj({str(k): Field(_literal(v)) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return Tup(_literal(v) for v in value)
    return sh.of_value(value)


def _origin(shape: Shape, origin: str) -> Shape:
    shape = force(shape) if not isinstance(shape, Lazy) else shape
    if isinstance(shape, Obj) and shape.origin is None:
        return Obj(shape.fields, shape.rest, origin, shape.partial)
    return shape


def _plain(name: str) -> bool:
    return name.isidentifier()


def _canonical(text: str) -> str:
    """A reference path as :meth:`Flow.walk` spells it (``$.a.b``, ``$['a b']``, ``$.a[0]``)."""
    try:
        tree = jsonpath.parse(text)
    except FlowError:
        return text
    out = "$"
    for s in tree.steps:
        if s.kind == "key":
            out = f"{out}.{s.arg}" if _plain(s.arg) else f"{out}['{s.arg}']"
        elif s.kind == "index":
            out = f"{out}[{s.arg}]"
        else:
            return text
    return out


def _prefixes(path: str) -> frozenset[str]:
    """``$.a.b[0]`` -> {``$.a``, ``$.a.b``, ``$.a.b[0]``}: present with the whole path."""
    try:
        tree = jsonpath.parse(path)
    except FlowError:
        return frozenset({path})
    out, text = set(), "$"
    for s in tree.steps:
        text = (f"{text}.{s.arg}" if _plain(s.arg) else f"{text}['{s.arg}']") if s.kind == "key" else f"{text}[{s.arg}]"
        out.add(text)
    return frozenset(out)


def _plain_path(body: str) -> tuple[str, list[str]] | None:
    """``$states.input.a.b`` -> ("states", ["input", "a", "b"]); ``$v.x`` -> ("v", ["x"]);
    None for anything else."""
    if not body.startswith("$"):
        return None
    parts = body[1:].split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    return parts[0], parts[1:]


def _intrinsic_result(name: str, args: list[Shape]) -> Shape:
    first = force(args[0]) if args else UNKNOWN
    if name in ("Format", "JsonToString", "Base64Encode", "Base64Decode", "Hash", "UUID"):
        if name == "JsonToString" and sh.is_known(first):
            return Scalar("string", first)
        return STRING
    if name == "StringToJson":
        if isinstance(first, Scalar) and first.content is not None:
            return first.content
        return UNKNOWN
    if name == "Array":
        return Tup(args)
    if name == "ArrayPartition":
        return Arr(first) if first.kind == "array" else Arr(UNKNOWN)
    if name == "ArrayContains":
        return BOOLEAN
    if name == "ArrayRange":
        return Arr(INTEGER)
    if name == "ArrayGetItem":
        return first.item if isinstance(first, (Arr, Tup)) else UNKNOWN
    if name in ("ArrayLength", "MathRandom"):
        return INTEGER
    if name == "ArrayUnique":
        return Arr(first.item) if isinstance(first, (Arr, Tup)) else UNKNOWN
    if name == "MathAdd":
        if all(force(a) == INTEGER for a in args):
            return INTEGER
        return NUMBER
    if name == "StringSplit":
        return Arr(STRING)
    if name == "JsonMerge" and len(args) >= 2:
        a, b = force(args[0]), force(args[1])
        if isinstance(a, Obj) and isinstance(b, Obj):
            fields = dict(a.fields)
            fields.update(b.fields)
            rest = None if a.rest is None and b.rest is None else UNKNOWN
            return Obj(fields, rest)
    return UNKNOWN


__all__ = ["Analysis", "analyse", "service_result"]


# ------------------------------------------------------------------------------ flowdsl types

def describe(path: str, name: str | None, kind_of: Any) -> str:
    """What ``flowdsl types`` prints for a workflow file: the execution input, then each state
    (its file:line) with the shape of its input and its output. ``kind_of`` gives a
    deployment's kind record."""
    from flowdsl.asl import compile_workflow
    from flowdsl.loader import load_workflows, pick

    workflow = pick(load_workflows(path), path, name)
    compiled = compile_workflow(workflow)
    result = analyse(workflow, compiled, kind_of(workflow.deployment) if workflow.deployment else None)
    lines = [f"{workflow.name}: the execution input: {sh.render(result.input)}"]
    if not (getattr(workflow, "input", None) is not None or any(
            getattr(st, "returns", None) is not None for st in _states(workflow))):
        lines.append("(the workflow declares no shapes: Workflow(input=...), returns=...; the build "
                     "does not check its data flow)")
    for spath, entry in result.entry.items():
        where = compiled.sources.get(spath)
        lines.append(f"{spath.removeprefix('$.States.')}" + (f"  ({where})" if where else ""))
        lines.append(f"    in:  {sh.render(entry)}")
        if spath in result.exit:
            lines.append(f"    out: {sh.render(result.exit[spath])}")
    for d in result.diagnostics:
        lines.append(d.render())
    return "\n".join(lines) + "\n"


def _states(workflow: Any) -> Any:
    from flowdsl.states import iter_states

    return iter_states(workflow.states)
