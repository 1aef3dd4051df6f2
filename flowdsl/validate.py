"""Whole-definition validation of an ASL document; returns every problem, each with its path.

The rules are the union of what asl-validator, statelint and AWS's own definition
validation check. It runs on the compiled (or imported) ASL dict, so a workflow written in
Python and a plain ``.asl.json`` file are held to the same rules, and every diagnostic names
a path in the emitted document. References (deploy-time values) count as strings.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from flowdsl.errors import Diagnostic, did_you_mean, nearest_source
from flowdsl.lang import intrinsics, jsonata, jsonpath, timestamps
from flowdsl.lang.operators import OPERATORS
from flowdsl.refs import Ref
from flowdsl.vocabulary import (JSONATA, JSONPATH, DocPath, MAX_STATE_NAME, QUERY_LANGUAGES, STATE_TYPES, TERMINAL_TYPES,
                                child_scopes)
from flowdsl.vocabulary import json_type as _json_type

_IO = {"InputPath", "OutputPath"}
_RESULT = {"Parameters", "ResultSelector", "ResultPath"}
_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
# Fields each state type accepts, by query language.
_JSONPATH_FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _FLOW | _IO | {"Parameters", "Result", "ResultPath", "Assign"},
    "Task": _COMMON | _FLOW | _IO | _RESULT | {
        "Resource", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
        "HeartbeatSecondsPath", "Credentials", "Assign"},
    "Choice": _COMMON | _IO | {"Choices", "Default", "Assign"},
    "Wait": _COMMON | _FLOW | _IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath",
                                     "Assign"},
    "Succeed": _COMMON | _IO,
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _COMMON | _FLOW | _IO | _RESULT | {"Branches", "Retry", "Catch", "Assign"},
    "Map": _COMMON | _FLOW | _IO | _RESULT | {
        "Iterator", "ItemProcessor", "ItemsPath", "ItemSelector", "MaxConcurrency",
        "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemReader",
        "ItemBatcher", "ResultWriter", "Label", "Retry", "Catch", "Assign"},
}
_JSONATA_FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _FLOW | {"Output", "Assign"},
    "Task": _COMMON | _FLOW | {"Resource", "Arguments", "Output", "Assign", "Retry", "Catch",
                               "TimeoutSeconds", "HeartbeatSeconds", "Credentials"},
    "Choice": _COMMON | {"Choices", "Default", "Output", "Assign"},
    "Wait": _COMMON | _FLOW | {"Seconds", "Timestamp", "Output", "Assign"},
    "Succeed": _COMMON | {"Output"},
    "Fail": _COMMON | {"Error", "Cause"},
    "Parallel": _COMMON | _FLOW | {"Branches", "Arguments", "Output", "Assign", "Retry", "Catch"},
    "Map": _COMMON | _FLOW | {
        "ItemProcessor", "Items", "ItemSelector", "MaxConcurrency", "ToleratedFailureCount",
        "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter", "Label",
        "Output", "Assign", "Retry", "Catch"},
}
_EXCLUSIVE = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("Iterator", "ItemProcessor"),
    ("Items", "ItemsPath"),
    ("ItemSelector", "Parameters"),
)
_REFERENCE_PATH_FIELDS = ("ResultPath", "ItemsPath", "SecondsPath", "TimestampPath",
                          "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
                          "ToleratedFailureCountPath", "ToleratedFailurePercentagePath")
_PAYLOAD_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Credentials")
_LAMBDA_ARN = re.compile(r"arn:[\w-]+:lambda:[^:]*:[^:]*:function:([^:]+)(:(.*))?")
_LAMBDA_QUALIFIER = re.compile(r"\$LATEST|[A-Za-z0-9_-]{1,128}")
_LAMBDA_NAME = re.compile(r"[A-Za-z0-9_-]{1,140}")
_RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
                 "MaxDelaySeconds", "JitterStrategy", "Comment"}
_CATCH_FIELDS = {JSONPATH: {"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"},
                 JSONATA: {"ErrorEquals", "Next", "Output", "Comment", "Assign"}}
_RULE_FIELDS = {JSONPATH: {"Variable", "And", "Or", "Not", "Next", "Comment", "Assign"},
                JSONATA: {"Condition", "Next", "Comment", "Assign", "Output"}}


ROOT = DocPath()  # "$": every path the validator reports is below it


def _check_dynamic(value: Any) -> str | None:
    """The value of a ``key.$`` field: a path, a context path, a variable, or an intrinsic call."""
    if not isinstance(value, str):
        return f"a field ending in '.$' must hold a string, not {_json_type(value)}"
    if intrinsics.is_intrinsic(value):
        return intrinsics.check(value)
    return jsonpath.check(value, reference=False)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text(v: Any) -> Any:
    """References are strings as far as validation goes."""
    return "${ref}" if isinstance(v, Ref) else v


class _Validator:
    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = sources
        self.out: list[Diagnostic] = []
        self.names: dict[str, list[DocPath]] = {}  # state name -> scope paths holding it

    def err(self, code: str, path: DocPath | str, message: str) -> None:
        """A diagnostic; the path's text is made here, and only here."""
        locate = getattr(self.sources, "locate", None)
        if isinstance(path, DocPath) and locate is not None:
            self.out.append(Diagnostic(code, str(path), message, locate(path)))
        else:
            self.out.append(Diagnostic(code, str(path), message, self._source(str(path))))

    def _source(self, path: str) -> str | None:
        return nearest_source(self.sources, path)

    # names across the machine ------------------------------------------------------------------
    def collect(self, scope: Any, path: DocPath) -> None:
        if not isinstance(scope, dict) or not isinstance(scope.get("States"), dict):
            return
        for name, st in scope["States"].items():
            self.names.setdefault(name, []).append(path)
            for sub_path, sub in child_scopes(st, path / "States" / name):
                self.collect(sub, sub_path)

    # scopes ----------------------------------------------------------------------------------------
    def machine(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            self.err("bad-type", "$", f"a state machine must be an object, not {_json_type(doc)}")
            return
        lang = doc.get("QueryLanguage", JSONPATH)
        if lang not in QUERY_LANGUAGES:
            self.err("query-language", ROOT / "QueryLanguage",
                     f"QueryLanguage must be 'JSONPath' or 'JSONata', not {lang!r}")
            lang = JSONPATH
        self.collect(doc, ROOT)
        for name, paths in self.names.items():
            if len(paths) > 1:
                for p in paths[1:]:
                    self.err("duplicate-name", p / "States" / name,
                             f"state name {name!r} is already used at {paths[0]}.States.{name}; "
                             "names must be unique across the whole state machine")
        self.unknown(doc, ROOT, {"Comment", "StartAt", "States", "TimeoutSeconds", "Version",
                                "QueryLanguage"})
        if "TimeoutSeconds" in doc and not (_is_int(doc["TimeoutSeconds"]) and doc["TimeoutSeconds"] > 0):
            self.err("bad-value", ROOT / "TimeoutSeconds", "TimeoutSeconds must be a positive integer")
        self.scope(doc, ROOT, lang, top_language=lang)

    def scope(self, scope: Any, path: DocPath, lang: str, top_language: str) -> None:
        if not isinstance(scope, dict):
            self.err("bad-type", path, f"a branch must be an object with StartAt and States, not "
                     f"{_json_type(scope)}")
            return
        states = scope.get("States")
        start = scope.get("StartAt")
        if not isinstance(states, dict) or not states:
            self.err("missing-field", path / "States", "States must be a non-empty object")
            return
        if not isinstance(start, str):
            self.err("missing-field", path / "StartAt", "StartAt must name a state")
        elif start not in states:
            close = did_you_mean(start, states)
            self.err("dangling-transition", path / "StartAt",
                     f"StartAt names {start!r}, which is not a state of this scope{close.hint}")
            start = close.name or start
        edges: dict[str, list[tuple[DocPath, str]]] = {}
        for name, st in states.items():
            spath = path / "States" / name
            if not 1 <= len(name) <= MAX_STATE_NAME:
                self.err("name-length", spath,
                         f"state name is {len(name)} characters; AWS allows 1 to {MAX_STATE_NAME}")
            edges[name] = self.state(st, spath, lang, top_language)
        # One mistake, one diagnostic: a misspelt target is read as the state it most likely
        # names, so that state and what follows it are not also reported unreachable; a scope
        # with a transition that goes nowhere is not also reported as unable to end.
        fixed: dict[str, str] = {}
        broken = False
        for name, targets in edges.items():
            for tpath, target in targets:
                if target in states:
                    continue
                if target in self.names:
                    broken = True
                    self.err("transition-out-of-scope", tpath,
                             f"{target!r} is outside this scope; a transition cannot leave a "
                             "Parallel branch or Map processor, nor enter one")
                else:
                    close = did_you_mean(target, states)
                    if close.name:
                        fixed[target] = close.name
                    else:
                        broken = True
                    self.err("dangling-transition", tpath,
                             f"there is no state named {target!r}{close.hint}")
        if isinstance(start, str) and start in states:
            seen = {start}
            todo = deque([start])
            while todo:
                for _, t in edges.get(todo.popleft(), ()):
                    t = fixed.get(t, t)
                    if t in states and t not in seen:
                        seen.add(t)
                        todo.append(t)
            for name in states:
                if name not in seen:
                    self.err("unreachable", path / "States" / name,
                             f"state {name!r} cannot be reached from StartAt {start!r}")
            if not broken and not any(self.is_terminal(states[n]) for n in seen):
                self.err("no-terminal", path,
                         "no reachable state ends this scope: add a state with End, a "
                         "Succeed or a Fail")

    @staticmethod
    def is_terminal(st: Any) -> bool:
        return isinstance(st, dict) and (st.get("End") is True or st.get("Type") in ("Succeed", "Fail"))

    # states ----------------------------------------------------------------------------------------
    def state(self, st: Any, path: DocPath, parent_lang: str, top_language: str) -> list[tuple[DocPath, str]]:
        edges: list[tuple[DocPath, str]] = []
        if not isinstance(st, dict):
            self.err("bad-type", path, f"a state must be an object, not {_json_type(st)}")
            return edges
        typ = st.get("Type")
        if typ not in STATE_TYPES:
            self.err("bad-type", path / "Type",
                     f"Type must be one of {', '.join(STATE_TYPES)}, not {typ!r}")
            return edges
        lang = st.get("QueryLanguage", parent_lang)
        if lang not in QUERY_LANGUAGES:
            self.err("query-language", path / "QueryLanguage",
                     f"QueryLanguage must be 'JSONPath' or 'JSONata', not {lang!r}")
            lang = parent_lang
        allowed = (_JSONATA_FIELDS if lang == JSONATA else _JSONPATH_FIELDS)[typ]
        for key in st:
            if key not in allowed:
                other = _JSONPATH_FIELDS[typ] if lang == JSONATA else _JSONATA_FIELDS[typ]
                if key in other:
                    self.err("query-language", path / key,
                             f"{key} is a {'JSONPath' if lang == JSONATA else 'JSONata'} field; "
                             f"this state uses {lang}")
                else:
                    self.err("unknown-field", path / key, f"{typ} states have no field {key!r}")
        for a, b in _EXCLUSIVE:
            if a in st and b in st:
                self.err("exclusive-fields", path / b, f"{a} and {b} are mutually exclusive")
        # transitions
        if typ in TERMINAL_TYPES:
            for key in ("Next", "End"):
                if key in st:
                    self.err("next-end", path / key, f"{typ} states cannot have {key}")
        else:
            has_next, has_end = "Next" in st, "End" in st
            if has_next and has_end:
                self.err("next-end", path / "End", "a state cannot have both Next and End")
            elif not has_next and not has_end:
                self.err("next-end", path, "a state needs Next or End")
            if has_end and st["End"] is not True:
                self.err("bad-value", path / "End", "End must be true")
            if has_next:
                if isinstance(st["Next"], str):
                    edges.append((path / "Next", st["Next"]))
                else:
                    self.err("bad-type", path / "Next", "Next must name a state")
        # paths
        for key in ("InputPath", "OutputPath"):
            if key in st and st[key] is not None:
                self.path_field(st[key], path / key, reference=False)
        for key in _REFERENCE_PATH_FIELDS:
            if key in st and not (key == "ResultPath" and st[key] is None):
                # ResultPath says where to write: neither the context object nor a variable.
                self.path_field(st[key], path / key, reference=True,
                                context=key != "ResultPath", variables=key != "ResultPath")
        for key in ("ErrorPath", "CausePath"):
            if key in st:
                v = _text(st[key])
                if intrinsics.is_intrinsic(v):
                    msg = intrinsics.check(v)
                    if msg:
                        self.err("bad-intrinsic", path / key, msg)
                else:
                    self.path_field(v, path / key, reference=True)
        if lang == JSONPATH:
            for key in _PAYLOAD_FIELDS:
                if key in st:
                    if key == "Credentials" and not isinstance(st[key], dict):
                        self.err("bad-type", path / key, "Credentials must be an object")
                    self.payload(st[key], path / key)
            if "Assign" in st:
                self.assign(st["Assign"], path / "Assign", lang)
        else:
            for key in ("Arguments", "Output", "Assign", "Items", "ItemSelector", "Credentials",
                        "Error", "Cause", "Seconds", "Timestamp", "TimeoutSeconds",
                        "HeartbeatSeconds", "MaxConcurrency", "ToleratedFailureCount",
                        "ToleratedFailurePercentage"):
                if key in st:
                    self.jsonata_value(st[key], path / key)
        getattr(self, "s_" + typ.lower())(st, path, lang, top_language, edges)
        if "Retry" in st:
            self.retry(st["Retry"], path / "Retry")
        if "Catch" in st:
            self.catch(st["Catch"], path / "Catch", lang, edges)
        return edges

    def s_pass(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        pass

    def s_succeed(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        pass

    def s_task(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        res = _text(st.get("Resource"))
        if "Resource" not in st:
            self.err("missing-field", path / "Resource", "a Task needs a Resource")
        elif not isinstance(res, str):
            self.err("bad-type", path / "Resource", "Resource must be a string")
        else:
            msg = _check_resource(res) or _check_integration(st["Resource"])
            if msg:
                self.err("bad-resource", path / "Resource", msg)
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            v = st.get(key)
            if key in st and not (isinstance(v, str) and lang == JSONATA):
                if not (_is_int(v) and v > 0):
                    self.err("bad-value", path / key, f"{key} must be a positive integer")
        t, h = st.get("TimeoutSeconds"), st.get("HeartbeatSeconds")
        if _is_num(t) and _is_num(h) and h >= t:
            self.err("bad-value", path / "HeartbeatSeconds",
                     "HeartbeatSeconds must be smaller than TimeoutSeconds")

    def s_wait(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        present = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in st]
        if len(present) != 1:
            self.err("wait-duration", path if not present else path / present[1],
                     "a Wait needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath"
                     + (f" (found {', '.join(present)})" if present else ""))
        if "Seconds" in st and not (lang == JSONATA and isinstance(st["Seconds"], str)):
            if not (_is_int(st["Seconds"]) and st["Seconds"] >= 0):
                self.err("bad-value", path / "Seconds", "Seconds must be a non-negative integer")
        if "Timestamp" in st and not (lang == JSONATA and jsonata.is_candidate(st["Timestamp"])):
            msg = timestamps.problem(st["Timestamp"])
            if msg:
                self.err("bad-value", path / "Timestamp", msg)

    def s_fail(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        for key in ("Error", "Cause"):
            if key in st and not isinstance(_text(st[key]), str):
                self.err("bad-type", path / key, f"{key} must be a string")

    def s_choice(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        choices = st.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.err("choice-rule", path / "Choices", "a Choice needs a non-empty Choices array")
            choices = []
        for i, rule in enumerate(choices):
            rpath = (path / "Choices")[i]
            if not isinstance(rule, dict):
                self.err("choice-rule", rpath, "a choice rule must be an object")
                continue
            for key in rule:
                if key not in _RULE_FIELDS[lang] and key not in OPERATORS:
                    self.err("unknown-field", rpath / key, f"choice rules have no field {key!r}")
            if not isinstance(rule.get("Next"), str):
                self.err("choice-rule", rpath / "Next", "a top-level choice rule needs Next")
            else:
                edges.append((rpath / "Next", rule["Next"]))
            if lang == JSONATA:
                cond = rule.get("Condition")
                if cond is None:
                    self.err("choice-rule", rpath / "Condition",
                             "a JSONata choice rule needs a Condition")
                elif isinstance(cond, str):
                    msg = jsonata.check(cond)
                    if msg:
                        self.err("bad-jsonata", rpath / "Condition", msg)
                elif not isinstance(cond, bool):
                    self.err("bad-type", rpath / "Condition",
                             "Condition must be a JSONata expression or a boolean")
                for key in ("Output", "Assign"):
                    if key in rule:
                        self.jsonata_value(rule[key], rpath / key)
            else:
                self.condition({k: v for k, v in rule.items()
                                if k not in ("Next", "Comment", "Assign")}, rpath)
                if "Assign" in rule:
                    self.assign(rule["Assign"], rpath / "Assign", lang)
        if "Default" in st:
            if isinstance(st["Default"], str):
                edges.append((path / "Default", st["Default"]))
            else:
                self.err("bad-type", path / "Default", "Default must name a state")

    def condition(self, rule: dict, path: DocPath) -> None:
        ops = [k for k in rule if k in OPERATORS]
        combinators = [k for k in rule if k in ("And", "Or", "Not")]
        if len(ops) + len(combinators) != 1:
            found = ops + combinators
            self.err("choice-rule", path,
                     "a choice rule needs exactly one comparison operator, And, Or or Not"
                     + (f" (found {', '.join(found)})" if found else ""))
            return
        if combinators:
            key = combinators[0]
            if "Variable" in rule:
                self.err("choice-rule", path / "Variable", f"a {key} rule has no Variable")
            value = rule[key]
            subs = [value] if key == "Not" else value
            if key == "Not" and not isinstance(value, dict) or key != "Not" and (
                    not isinstance(value, list) or not value):
                self.err("choice-rule", path / key,
                         "Not takes one rule" if key == "Not" else f"{key} takes a non-empty array of rules")
                return
            for i, sub in enumerate(subs):
                spath = path / key if key == "Not" else (path / key)[i]
                if not isinstance(sub, dict):
                    self.err("choice-rule", spath, "a nested rule must be an object")
                    continue
                if "Next" in sub:
                    self.err("choice-rule", spath / "Next", "a nested choice rule cannot have Next")
                for k in sub:
                    if k not in ("Variable", "And", "Or", "Not", "Next", "Comment") and k not in OPERATORS:
                        self.err("unknown-field", spath / k, f"choice rules have no field {k!r}")
                self.condition({k: v for k, v in sub.items() if k not in ("Next", "Comment")}, spath)
            return
        op = ops[0]
        if "Variable" not in rule:
            self.err("choice-rule", path / "Variable", f"a {op} rule needs a Variable")
        else:
            self.path_field(rule["Variable"], path / "Variable", reference=False)
        value, kind = rule[op], OPERATORS[op].kind
        vpath = path / op
        if kind == "path":
            self.path_field(value, vpath, reference=False)
        elif kind in ("string", "pattern") and not isinstance(_text(value), str):
            self.err("bad-type", vpath, f"{op} compares with a string, not {_json_type(value)}")
        elif kind == "number" and not _is_num(value):
            self.err("bad-type", vpath, f"{op} compares with a number, not {_json_type(value)}")
        elif kind == "bool" and not isinstance(value, bool):
            self.err("bad-type", vpath, f"{op} takes true or false, not {_json_type(value)}")
        elif kind == "timestamp" and timestamps.parse(value) is None:
            self.err("bad-value", vpath, f"{op} compares with an RFC 3339 timestamp, not {value!r}")

    def s_parallel(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        branches = st.get("Branches")
        if not isinstance(branches, list) or not branches:
            self.err("missing-field", path / "Branches", "a Parallel needs a non-empty Branches array")
            return
        for i, b in enumerate(branches):
            bpath = (path / "Branches")[i]
            if isinstance(b, dict):
                self.unknown(b, bpath, {"StartAt", "States", "Comment", "QueryLanguage"})
            self.scope(b, bpath, lang, top)

    def s_map(self, st: dict, path: DocPath, lang: str, top: str, edges: list) -> None:
        key = "ItemProcessor" if "ItemProcessor" in st else "Iterator" if "Iterator" in st else None
        if key is None:
            self.err("missing-field", path / "ItemProcessor", "a Map needs an ItemProcessor")
        else:
            proc = st[key]
            ppath = path / key
            if isinstance(proc, dict):
                self.unknown(proc, ppath, {"StartAt", "States", "Comment", "ProcessorConfig",
                                           "QueryLanguage"})
                cfg = proc.get("ProcessorConfig")
                if cfg is not None:
                    if not isinstance(cfg, dict):
                        self.err("bad-type", ppath / "ProcessorConfig", "ProcessorConfig must be an object")
                    elif cfg.get("Mode", "INLINE") not in ("INLINE", "DISTRIBUTED"):
                        self.err("bad-value", ppath / "ProcessorConfig" / "Mode",
                                 "Mode must be INLINE or DISTRIBUTED")
            self.scope(proc, ppath, lang, top)
        if "MaxConcurrency" in st and not isinstance(st["MaxConcurrency"], str):
            if not (_is_int(st["MaxConcurrency"]) and st["MaxConcurrency"] >= 0):
                self.err("bad-value", path / "MaxConcurrency", "MaxConcurrency must be an integer >= 0")
        if "ToleratedFailureCount" in st and not isinstance(st["ToleratedFailureCount"], str):
            if not (_is_int(st["ToleratedFailureCount"]) and st["ToleratedFailureCount"] >= 0):
                self.err("bad-value", path / "ToleratedFailureCount",
                         "ToleratedFailureCount must be an integer >= 0")
        if "ToleratedFailurePercentage" in st and not isinstance(st["ToleratedFailurePercentage"], str):
            v = st["ToleratedFailurePercentage"]
            if not (_is_num(v) and 0 <= v <= 100):
                self.err("bad-value", path / "ToleratedFailurePercentage",
                         f"ToleratedFailurePercentage must be between 0 and 100, not {v!r}")
        batcher = st.get("ItemBatcher")
        if isinstance(batcher, dict):
            for a in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
                if a in batcher and f"{a}Path" in batcher:
                    self.err("exclusive-fields", path / "ItemBatcher" / f"{a}Path",
                             f"{a} and {a}Path are mutually exclusive")
        reader = st.get("ItemReader")
        if isinstance(reader, dict):
            cfg = reader.get("ReaderConfig")
            if isinstance(cfg, dict) and "MaxItems" in cfg and "MaxItemsPath" in cfg:
                self.err("exclusive-fields", path / "ItemReader" / "ReaderConfig" / "MaxItemsPath",
                         "MaxItems and MaxItemsPath are mutually exclusive")
            if "Resource" not in reader:
                self.err("missing-field", path / "ItemReader" / "Resource", "an ItemReader needs a Resource")

    # retry and catch -------------------------------------------------------------------------------
    def error_equals(self, holder: dict, path: DocPath, last: bool, what: str) -> None:
        errs = holder.get("ErrorEquals")
        if not isinstance(errs, list) or not errs:
            self.err("missing-field", path / "ErrorEquals", "ErrorEquals must be a non-empty array")
            return
        for j, e in enumerate(errs):
            if not isinstance(e, str):
                self.err("bad-type", (path / "ErrorEquals")[j],
                         f"error names are strings, not {_json_type(e)}")
        if "States.ALL" in errs:
            if len(errs) > 1:
                self.err("states-all-position", path / "ErrorEquals",
                         "States.ALL must appear alone in its ErrorEquals")
            if not last:
                self.err("states-all-position", path / "ErrorEquals",
                         f"a {what} for States.ALL must be the last one")

    def retry(self, retry: Any, path: DocPath) -> None:
        if not isinstance(retry, list):
            self.err("bad-type", path, "Retry must be an array")
            return
        for i, r in enumerate(retry):
            rpath = path[i]
            if not isinstance(r, dict):
                self.err("bad-type", rpath, "a retrier must be an object")
                continue
            self.unknown(r, rpath, _RETRY_FIELDS)
            self.error_equals(r, rpath, i == len(retry) - 1, "retrier")
            checks = (
                ("IntervalSeconds", lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
                ("MaxAttempts", lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
                ("BackoffRate", lambda v: _is_num(v) and v >= 1, "a number >= 1"),
                ("MaxDelaySeconds", lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
            )
            for key, ok, want in checks:
                if key in r and not ok(r[key]):
                    self.err("retry-range", rpath / key, f"{key} must be {want}, not {r[key]!r}")
            if "JitterStrategy" in r and r["JitterStrategy"] not in ("FULL", "NONE"):
                self.err("bad-value", rpath / "JitterStrategy", "JitterStrategy must be FULL or NONE")

    def catch(self, catch: Any, path: DocPath, lang: str, edges: list) -> None:
        if not isinstance(catch, list):
            self.err("bad-type", path, "Catch must be an array")
            return
        for i, c in enumerate(catch):
            cpath = path[i]
            if not isinstance(c, dict):
                self.err("bad-type", cpath, "a catcher must be an object")
                continue
            self.unknown(c, cpath, _CATCH_FIELDS[lang])
            self.error_equals(c, cpath, i == len(catch) - 1, "catcher")
            if not isinstance(c.get("Next"), str):
                self.err("missing-field", cpath / "Next", "a catcher needs Next")
            else:
                edges.append((cpath / "Next", c["Next"]))
            if "ResultPath" in c and c["ResultPath"] is not None:
                self.path_field(c["ResultPath"], cpath / "ResultPath", reference=True,
                                context=False, variables=False)
            if lang == JSONATA:
                for key in ("Output", "Assign"):
                    if key in c:
                        self.jsonata_value(c[key], cpath / key)
            elif "Assign" in c:
                self.assign(c["Assign"], cpath / "Assign", lang)

    # values ----------------------------------------------------------------------------------------
    def path_field(self, value: Any, path: DocPath, *, reference: bool, context: bool = True,
                   variables: bool = True) -> None:
        msg = jsonpath.check(_text(value), reference=reference, context=context, variables=variables)
        if msg:
            self.err("bad-path", path, msg)

    def payload(self, value: Any, path: DocPath) -> None:
        """A JSONPath payload template: ``key.$`` fields hold paths or intrinsic calls."""
        if isinstance(value, dict):
            stripped: dict[str, str] = {}
            for key, item in value.items():
                kpath = path / key
                base = key[:-2] if key.endswith(".$") else key
                if base in stripped:
                    self.err("payload-collision", kpath,
                             f"{key!r} and {stripped[base]!r} are the same field once '.$' is removed")
                else:
                    stripped[base] = key
                if key.endswith(".$"):
                    msg = _check_dynamic(_text(item))
                    if msg:
                        code = "bad-intrinsic" if intrinsics.is_intrinsic(item) else "bad-path"
                        self.err(code, kpath, msg)
                else:
                    self.payload(item, kpath)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.payload(item, path[i])

    def assign(self, value: Any, path: DocPath, lang: str) -> None:
        if not isinstance(value, dict):
            self.err("bad-type", path, "Assign must be an object")
            return
        if lang == JSONATA:
            self.jsonata_value(value, path)
        else:
            self.payload(value, path)

    def jsonata_value(self, value: Any, path: DocPath) -> None:
        if isinstance(value, str):
            if jsonata.is_candidate(value):
                msg = jsonata.check(value)
                if msg:
                    self.err("bad-jsonata", path, msg)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.jsonata_value(v, path / k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.jsonata_value(v, path[i])

    def unknown(self, obj: dict, path: DocPath, allowed: set[str]) -> None:
        for key in obj:
            if key not in allowed:
                self.err("unknown-field", path / key, f"unexpected field {key!r}")


def _check_resource(res: str) -> str | None:
    if "${" in res:
        depth_ok = re.fullmatch(r"(?:[^$]|\$(?!\{)|\$\{[^{}]+\})*", res)
        if not depth_ok:
            return f"{res!r} has an unclosed '${{...}}' substitution"
        return None
    if not res.startswith("arn:"):
        return f"{res!r} is not an ARN"
    parts = res.split(":")
    if len(parts) < 6:
        return f"{res!r} is not an ARN: it needs at least 6 ':'-separated parts"
    m = _LAMBDA_ARN.fullmatch(res)
    if m:
        if not _LAMBDA_NAME.fullmatch(m.group(1)):
            return f"{res!r} names an invalid Lambda function"
        if m.group(2) is not None and not _LAMBDA_QUALIFIER.fullmatch(m.group(3)):
            return f"{res!r} has an invalid version or alias {m.group(3)!r}"
    return None


def _check_integration(res: Any) -> str | None:
    """An unknown service integration or pattern (also in a typed or deployed task, whose
    Resource holds the partition reference)."""
    from flowdsl.tasks.registry import check, resource_text

    text = resource_text(res)
    return check(text) if text is not None else None


def validate(definition: Any, sources: Mapping[str, str] | None = None) -> list[Diagnostic]:
    """Every problem in an ASL definition; ``sources`` maps state paths to ``file:line``."""
    from flowdsl.deep_stack import call
    from flowdsl.validate_types import check_field_types, check_size, check_values

    v = _Validator(sources or {})
    call(v.machine, definition)  # deep nesting is walked, not a RecursionError
    check_field_types(definition, v.err)
    check_values(definition, v.err)
    check_size(definition, v.err)
    return v.out
