"""Field types AWS checks that the structural rules do not: a ``Comment`` that is not a string,
a numeric ``Version``, a ``ResultSelector`` or ``ItemSelector`` that is not an object, a Map
count or percentage that is not a number, and the 1 MB definition size limit.

One walk over every scope (the machine, each Parallel branch, each Map processor), with no
recursion, so a definition nested thousands of levels deep is checked like any other.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from flowdsl.lang.jsonata import is_expression
from flowdsl.strict_json import lone_surrogate
from flowdsl.vocabulary import JSONATA, JSONPATH, DocPath, child_scopes, json_type

MAX_DEFINITION_BYTES = 1024 * 1024  # AWS: a state machine definition is at most 1 MB (hard quota)

Report = Callable[[str, "DocPath | str", str], None]  # (code, path, message)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_field_types(doc: Any, report: Report) -> None:
    """Report every field of the wrong JSON type (code ``bad-type``)."""
    if not isinstance(doc, dict):
        return
    if "Version" in doc and not isinstance(doc["Version"], str):
        report("bad-type", "$.Version", f"Version must be a string such as \"1.0\", not {json_type(doc['Version'])}")
    top = doc.get("QueryLanguage", JSONPATH)
    todo: list[tuple[Any, DocPath, Any]] = [(doc, DocPath(), top)]
    while todo:
        scope, path, lang = todo.pop()
        if not isinstance(scope, dict):
            continue
        _comment(scope, path, report)
        states = scope.get("States")
        if not isinstance(states, dict):
            continue
        for name, st in states.items():
            if not isinstance(st, dict):
                continue
            spath = path / "States" / name
            slang = st.get("QueryLanguage", lang)
            _state(st, spath, slang, report)
            todo.extend((sub, sub_path, slang) for sub_path, sub in child_scopes(st, spath))


def _comment(holder: dict, path: DocPath, report: Report) -> None:
    if "Comment" in holder and not isinstance(holder["Comment"], str):
        report("bad-type", path / "Comment", f"Comment must be a string, not {json_type(holder['Comment'])}")


def _state(st: dict, path: DocPath, lang: str, report: Report) -> None:
    _comment(st, path, report)
    jsonata = lang == JSONATA
    for key in ("ResultSelector", "ItemSelector"):
        if key in st:
            v = st[key]
            if not (isinstance(v, dict) or jsonata and key == "ItemSelector" and is_expression(v)):
                report("bad-type", path / key, f"{key} must be an object, not {json_type(v)}")
    for key in ("ToleratedFailurePercentage", "ToleratedFailureCount", "MaxConcurrency"):
        if key in st and not _is_number(st[key]) and not (jsonata and is_expression(st[key])):
            want = "a number" if key == "ToleratedFailurePercentage" else "an integer"
            extra = " or a JSONata expression" if jsonata else ""
            report("bad-type", path / key, f"{key} must be {want}{extra}, not {json_type(st[key])}")
    for key in ("Retry", "Catch"):
        items = st.get(key)
        for i, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict):
                _comment(item, (path / key)[i], report)
    choices = st.get("Choices")
    todo = [(rule, (path / "Choices")[i]) for i, rule in enumerate(choices if isinstance(choices, list) else ())]
    while todo:
        rule, rpath = todo.pop()
        if not isinstance(rule, dict):
            continue
        _comment(rule, rpath, report)
        for op in ("And", "Or"):
            if isinstance(rule.get(op), list):
                todo.extend((sub, (rpath / op)[j]) for j, sub in enumerate(rule[op]))
        if isinstance(rule.get("Not"), dict):
            todo.append((rule["Not"], rpath / "Not"))


def _bad_scalar(v: Any) -> str | None:
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return f"{v!r} is not a JSON number"
    if isinstance(v, str) and lone_surrogate(v):
        return "the text holds a lone surrogate, which is not valid Unicode"
    return None


def check_values(doc: Any, report: Report) -> None:
    """Numbers JSON cannot hold (NaN, infinities) and lone surrogates, which no JSON writer can
    encode as UTF-8, wherever they are (code ``bad-value``)."""
    todo: list[Any] = [doc]
    found = False
    while todo and not found:  # a fast pass without paths; most documents stop here
        v = todo.pop()
        if isinstance(v, dict):
            found = any(isinstance(k, str) and lone_surrogate(k) for k in v)
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
        else:
            found = _bad_scalar(v) is not None
    if not found:
        return
    paths: list[tuple[Any, DocPath]] = [(doc, DocPath())]
    while paths:
        v, path = paths.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if isinstance(k, str) and lone_surrogate(k):
                    report("bad-value", path, "a key holds a lone surrogate, which is not valid Unicode")
                paths.append((x, path / k))
        elif isinstance(v, list):
            paths.extend((x, path[i]) for i, x in enumerate(v))
        else:
            msg = _bad_scalar(v)
            if msg:
                report("bad-value", path, msg)


def check_size(doc: Any, report: Report) -> None:
    """AWS rejects a definition over 1 MB (as sent: compact JSON, UTF-8)."""
    try:
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=lambda o: "${ref}")
    except (TypeError, ValueError, RecursionError):
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_DEFINITION_BYTES:
        report("definition-size", "$", f"the definition is {size:,} bytes; AWS accepts at most "
                                       f"{MAX_DEFINITION_BYTES:,} (1 MB)")
