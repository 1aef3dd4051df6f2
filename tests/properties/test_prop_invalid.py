"""Property 6: every mutation yields a diagnostic of its kind, located at a real path."""

from __future__ import annotations

from hypothesis import given

from _prop_helpers import resolve_path
from flowdsl.build import check
from flowdsl.errors import FlowError
from flowdsl.asl_to_model import import_definition
from flowdsl.testing.strategies import MUTATIONS, invalid_workflows, resolve_dummy
from flowdsl.validate import validate

BUILD_ONLY = {"undeclared-variable"}  # found by build.check from the model, not by validate()


def _same_scope_duplicate(doc, diagnostics):
    names = []

    def walk(scope):
        for name, st in scope["States"].items():
            names.append(name)
            for b in st.get("Branches", ()):
                walk(b)
            for key in ("ItemProcessor", "Iterator"):
                if key in st:
                    walk(st[key])

    walk(doc)
    return any(names.count(n) < 2 for n in {d.message.split("'")[1] for d in diagnostics})


def _check(wf):
    try:
        return check(wf)
    except FlowError:
        raise
    except Exception as e:  # pragma: no cover - this is the property failing
        raise AssertionError(f"check() raised {type(e).__name__}, not a FlowError: {e}") from e


@given(invalid_workflows())
def test_each_mutation_is_reported_where_it_is(m):
    compiled, diagnostics = _check(m.workflow)
    mine = [d for d in diagnostics if d.code == m.expected_code]
    assert mine, (f"{m.mutation}: expected a {m.expected_code} diagnostic, got "
                  f"{[d.render() for d in diagnostics]}")
    for d in mine:
        resolve_path(compiled.definition, d.path)
    if m.expected_code in BUILD_ONLY:
        return
    # the same document as plain JSON, as read from a file: validate() agrees and locates it
    doc = resolve_dummy(compiled.definition)
    if m.expected_code == "duplicate-name" and _same_scope_duplicate(doc, mine):
        return  # a JSON object cannot hold a key twice: the compiler reported and dropped it
    again = [d for d in validate(doc) if d.code == m.expected_code]
    assert again, f"{m.mutation}: validate() on the plain document did not report it"
    for d in again:
        resolve_path(doc, d.path)


def test_every_mutation_is_exercised():
    # a cheap guard that the registry and the strategies stay in sync
    assert len(MUTATIONS) >= 7
    assert {"dangling-next", "duplicate-name", "states-all-not-last", "retry-out-of-range",
            "bad-jsonpath", "transition-out-of-branch", "unreachable-state"} <= set(MUTATIONS)


@given(invalid_workflows())
def test_importing_an_invalid_document_raises_only_flow_errors(m):
    doc = resolve_dummy(check(m.workflow)[0].definition)
    try:
        import_definition(doc)
    except FlowError:
        pass
    except Exception as e:
        raise AssertionError(f"import_definition raised {type(e).__name__}, not a FlowError") from e
