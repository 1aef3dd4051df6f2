"""Each concept of the ASL vocabulary, and each shared helper, is defined in one module: these
tests read flowdsl's source (with ``ast``, so comments and docstrings do not count) and fail,
naming file and line, when a second copy appears."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import flowdsl
from flowdsl import vocabulary

PACKAGE = Path(flowdsl.__file__).parent
STATE_TYPES = set(vocabulary.STATE_TYPES)
# str methods that test a string against another
_STRING_TESTS = {"startswith", "endswith", "split", "rsplit", "partition", "rpartition", "find", "rfind",
                 "index", "rindex", "removeprefix", "removesuffix", "count", "replace"}
_REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}


class Source:
    """A module's syntax tree, with each node's parent and the innermost function around it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.relative_to(PACKAGE.parent).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node

    def where(self, node: ast.AST) -> str:
        return f"{self.name}:{getattr(node, 'lineno', 0)}"

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parent:
            node = self.parent[node]
            yield node

    def function(self, node: ast.AST) -> str | None:
        for up in self.ancestors(node):
            if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return up.name
        return None


def _by_line(found: list[str]) -> list[str]:
    return sorted(found, key=lambda w: (w.split(":")[0], int(w.split(":")[1].split(" ")[0])))


def _sources(root: Path | None = None) -> list[Source]:
    root = root or PACKAGE
    return [Source(p) for p in sorted(root.rglob("*.py"))]


def _strings(node: ast.AST) -> Iterator[str]:
    """The literal text of a constant, or of each literal part of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            yield from _strings(part)


def _is_regex_call(call: ast.Call) -> bool:
    f = call.func
    return isinstance(f, ast.Attribute) and f.attr in _REGEX_CALLS and isinstance(f.value, ast.Name) \
        and f.value.id == "re"


def _tested(src: Source, node: ast.AST) -> bool:
    """Whether a literal is used to test text: a regex, a str method's argument (or the
    string whose method it is), an operand of a comparison, or a prefix bound to a name."""
    for up in src.ancestors(node):
        if isinstance(up, ast.Call):
            f = up.func
            if _is_regex_call(up) or isinstance(f, ast.Attribute) and f.attr in _STRING_TESTS:
                return True
        if isinstance(up, ast.Compare):
            return True
        if isinstance(up, ast.stmt):
            return False
    return False


def _kept_as_pattern(src: Source, node: ast.AST) -> bool:
    """A literal bound to a name that is a prefix (``"arn:aws:states:::"``) or a regex kept as
    text; a whole ARN (``"arn:aws:states:::lambda:invoke"``) is data."""
    up = src.parent.get(node)
    while isinstance(up, ast.BinOp):  # "a" + "b"
        up = src.parent.get(up)
    if not isinstance(up, (ast.Assign, ast.AnnAssign)):
        return False
    text = "".join(_strings(node))
    return text.endswith("states:::") or any(c in text for c in "()[]\\+*?")


# --------------------------------------------------------------------------------- the finders
def states_arn_tests(sources: list[Source]) -> list[str]:
    found = []
    for src in sources:
        for node in ast.walk(src.tree):
            if not any("states:::" in s for s in _strings(node)):
                continue
            if isinstance(node, ast.Constant) and isinstance(src.parent.get(node), ast.JoinedStr):
                continue  # seen as part of its f-string
            if _kept_as_pattern(src, node) or _tested(src, node):
                found.append(src.where(node))
    return found


def state_type_lists(sources: list[Source]) -> list[str]:
    """Tuple, list and set literals that hold the eight state types (a module's ``__all__``,
    which names the model's classes, aside)."""
    return [src.where(node) for src in sources for node in ast.walk(src.tree)
            if isinstance(node, (ast.Tuple, ast.List, ast.Set))
            and STATE_TYPES <= {e.value for e in node.elts if isinstance(e, ast.Constant)}
            and not _is_all(src, node)]


def _is_all(src: Source, node: ast.AST) -> bool:
    up = src.parent.get(node)
    return isinstance(up, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in up.targets)


def imports_of(module: str, sources: list[Source]) -> list[str]:
    found = []
    for src in sources:
        for node in ast.walk(src.tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == module or n.startswith(module + ".") for n in names):
                found.append(src.where(node))
    return found


def atomic_writes(sources: list[Source], allowed: Callable[[Source, ast.AST], bool]) -> list[str]:
    """Calls of ``tempfile.mkstemp``, ``mkstemp`` and ``os.replace``."""
    found = []
    for src in sources:
        for node in ast.walk(src.tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            hit = isinstance(f, ast.Name) and f.id == "mkstemp" or isinstance(f, ast.Attribute) and (
                f.attr == "mkstemp" or f.attr == "replace" and isinstance(f.value, ast.Name) and f.value.id == "os")
            if hit and not allowed(src, node):
                found.append(src.where(node))
    return found


def _keys_read(fn: ast.AST) -> set[str]:
    """The literal keys a function reads: ``x["K"]``, ``x.get("K")``, ``"K" in x``, and the
    literal keys a ``for`` loop walks (``for key in ("A", "B")``)."""
    keys: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            keys.update(_strings(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args:
            keys.update(_strings(node.args[0]))
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            keys.update(_strings(node.left))
        elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, (ast.Tuple, ast.List)):
            for e in node.iter.elts:
                keys.update(_strings(e))
    return keys


def scope_walks(sources: list[Source]) -> list[str]:
    """Functions that read both a Parallel's ``Branches`` and a Map's processor key."""
    return [f"{src.where(fn)} {fn.name}" for src in sources for fn in ast.walk(src.tree)
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            and "Branches" in (keys := _keys_read(fn)) and keys & set(vocabulary.PROCESSOR_KEYS)]


def jsonata_tests(sources: list[Source]) -> list[str]:
    """``startswith("{%")`` and ``endswith("%}")``: whether a string is a JSONata expression."""
    return [src.where(node) for src in sources for node in ast.walk(src.tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and (node.func.attr, [s for a in node.args for s in _strings(a)]) in
            (("startswith", ["{%"]), ("endswith", ["%}"]))]


def name_rules(sources: list[Source]) -> list[str]:
    """Regexes that spell the state machine name rule (1-80 of a character class)."""
    return [src.where(node) for src in sources for node in ast.walk(src.tree)
            if isinstance(node, ast.Call) and _is_regex_call(node) and node.args
            and any(vocabulary.STATE_MACHINE_NAME.pattern in s or re.search(r"\{1, ?80\}", s)
                    for s in _strings(node.args[0]))]


def json_type_namers(sources: list[Source]) -> list[str]:
    """Functions that name JSON types the way messages do (``an array``, ``an object``)."""
    found = []
    for src in sources:
        for fn in ast.walk(src.tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                returned = {s for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None
                            for s in _strings(r.value)}
                if {"an array", "an object", "a boolean"} <= returned:
                    found.append(f"{src.where(fn)} {fn.name}")
    return found


def _outside(*allowed: str) -> list[Source]:
    return [s for s in _sources() if s.name not in allowed]


# --------------------------------------------------------------------------------- the rules
def test_states_arns_are_matched_only_by_the_vocabulary() -> None:
    assert states_arn_tests(_outside("flowdsl/vocabulary.py")) == []


def test_the_state_types_are_listed_only_by_the_vocabulary() -> None:
    assert state_type_lists(_outside("flowdsl/vocabulary.py")) == []


def test_did_you_mean_is_asked_only_of_errors() -> None:
    assert imports_of("difflib", _outside("flowdsl/errors.py")) == []


def test_files_are_written_atomically_only_by_atomic() -> None:
    def allowed(src: Source, node: ast.AST) -> bool:  # and the build output's folder swap
        return src.name == "flowdsl/atomic.py" or (src.name, src.function(node)) == ("flowdsl/output.py",
                                                                                       "_commit")

    assert atomic_writes(_sources(), allowed) == []


def test_the_scopes_are_walked_only_by_the_vocabulary() -> None:
    assert scope_walks(_outside("flowdsl/vocabulary.py")) == []


def test_jsonata_is_recognised_only_by_the_lang_parser() -> None:
    assert jsonata_tests(_outside("flowdsl/lang/jsonata.py")) == []


def test_the_workflow_name_rule_is_written_once() -> None:
    assert name_rules(_outside("flowdsl/vocabulary.py")) == []


def test_json_types_are_named_only_by_the_vocabulary() -> None:
    assert json_type_namers(_outside("flowdsl/vocabulary.py")) == []


# ------------------------------------------------------------- the finders find what they look for
SECOND_COPIES = '''
import difflib, os, re, tempfile

_PREFIX = "arn:aws:states:::"
_TEXT = (r"arn:(?:aws[a-z-]*):"
         r"states:::(?P<rest>.+)")
__all__ = ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]
_ARN = re.compile(r"arn:aws[a-z-]*:states:::(.+)")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
KNOWN = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "Other"})
WRITE = "arn:aws:states:::lambda:invoke"  # data, not a test

def short(res):
    if ":states:::" in res:
        return res.split(":states:::", 1)[1]

def built(action):
    return f"arn:aws:states:::{action}"  # a builder, not a test

def walk(st):
    for b in st.get("Branches") or ():
        yield b
    for key in ("ItemProcessor", "Iterator"):
        yield st.get(key)

def emit(st):
    out = {}
    out["Branches"] = []
    out["Iterator" if st else "ItemProcessor"] = {}
    return out

def is_jsonata(v):
    return v.startswith("{%") and v.endswith("%}")

def kind(v):
    if isinstance(v, list):
        return "an array"
    if isinstance(v, bool):
        return "a boolean"
    return "an object"

def write(p, data):
    fd, tmp = tempfile.mkstemp(dir=".")
    os.replace(tmp, p)
'''


@pytest.fixture
def copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Source]:
    pkg = tmp_path / "flowdsl"
    pkg.mkdir()
    (pkg / "copy.py").write_text(SECOND_COPIES)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    return _sources(pkg)


def test_the_finders_see_second_copies_and_only_those(copies: list[Source]) -> None:
    line = {text: i for i, text in enumerate(SECOND_COPIES.splitlines(), 1)}

    def at(*texts: str) -> list[str]:
        return [f"flowdsl/copy.py:{line[t]}" for t in texts]

    assert _by_line(states_arn_tests(copies)) == at('_PREFIX = "arn:aws:states:::"',
                                                    '_TEXT = (r"arn:(?:aws[a-z-]*):"',
                                          '_ARN = re.compile(r"arn:aws[a-z-]*:states:::(.+)")',
                                          '    if ":states:::" in res:',
                                          '        return res.split(":states:::", 1)[1]')
    assert _by_line(state_type_lists(copies)) == at(
        'TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")',
        'KNOWN = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "Other"})')
    assert _by_line(imports_of("difflib", copies)) == at("import difflib, os, re, tempfile")
    assert _by_line(atomic_writes(copies, lambda src, node: False)) == at("    fd, tmp = tempfile.mkstemp(dir=\".\")",
                                                                "    os.replace(tmp, p)")
    assert [w.rsplit(" ", 1)[1] for w in scope_walks(copies)] == ["walk"]
    assert _by_line(jsonata_tests(copies)) == at('    return v.startswith("{%") and v.endswith("%}")') * 2
    assert _by_line(name_rules(copies)) == at('_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")')
    assert [w.rsplit(" ", 1)[1] for w in json_type_namers(copies)] == ["kind"]


def test_the_former_codec_name_warns() -> None:
    sys.modules.pop("flowdsl.convert", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import flowdsl.convert as convert
    import flowdsl.codec as codec

    assert [str(w.message) for w in caught if w.category is DeprecationWarning] == [
        "flowdsl.convert is deprecated; import from flowdsl.codec"]
    assert convert.make_converter is codec.make_converter
    assert imports_of("flowdsl.convert", _sources()) == []


def test_the_commands_that_read_asl_read_it_alike(tmp_path: Path) -> None:
    """validate, graph and run share one reader: the same first line for the same document."""
    doc = tmp_path / "dup.asl.json"
    doc.write_text('{"StartAt": "A", "StartAt": "A",\n "States": {"A": {"Type": "Succeed"}}}\n')
    first = []
    for command in ("validate", "graph", "run"):
        proc = subprocess.run([sys.executable, "-m", "flowdsl", command, str(doc)], capture_output=True,
                              text=True)
        assert proc.returncode == 1, proc.stdout
        first.append(proc.stderr.splitlines()[0].removeprefix("error: "))
    assert first == [f"{doc}:1: $.StartAt: the key 'StartAt' appears twice in one object; JSON readers keep "
                     "only one of them [duplicate-key]"] * 3
