"""An integration defined outside flowdsl, in this file: its class, its grants and its inverse
are found by validation, IAM derivation, ``flowdsl import`` and the strategies, with no edit
to flowdsl. And ``flowdsl``'s own names: what ``import flowdsl`` and ``from flowdsl import *``
offer, and that they do not load the integrations."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, settings

from flowdsl import OnDemandJob, Task, Workflow
from flowdsl.conditions import Comparison
from flowdsl.codegen import generate
from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import Ref
from flowdsl.states import _TaskBase, iter_states
from flowdsl.tasks import INTEGRATIONS, state_machine_statements, typed
from flowdsl.tasks.registry import (
    CATALOG,
    REQUEST_RESPONSE,
    TOKEN,
    Call,
    Integration,
    Sampler,
    arn,
    compact,
    integration,
    inverse,
    known,
    register,
    states_arn,
    suffix_of,
)
from flowdsl.testing.strategies import workflows
from flowdsl.validate import validate

NAME = "translate:translateText"
RESOURCE = "arn:aws:states:::translate:translateText"
UNKNOWN = ("'translate:translateText' is not a Step Functions optimized integration; for any "
           "other API use 'arn:aws:states:::aws-sdk:<service>:<apiAction>'")


@frozen
class TranslateText(_TaskBase):
    """Translate ``text`` into ``target`` (a language code)."""

    text: Any = attrs.field(kw_only=True)
    target: str | Ref = attrs.field(kw_only=True)
    terminology: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: Any = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _parameters(st: TranslateText) -> dict[str, Any]:
    return compact({"Text": st.text, "SourceLanguageCode": "auto", "TargetLanguageCode": st.target,
                    "TerminologyNames": [st.terminology] if st.terminology else None}, st.options)


def _grants(c: Call) -> list[Allow]:
    out = [Allow("translate:TranslateText", "*", "TranslateHasNoResource")]
    names = c.get("TerminologyNames")
    if known(names):
        out.append(Allow("translate:GetTerminology",
                         tuple(arn("translate", "terminology/", n) for n in names)))
    return out


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    kwargs = inverse(NAME, {"Text": "text", "SourceLanguageCode": "source",
                            "TargetLanguageCode": "target"}, required=("text", "target"))(
        resource, params)
    if kwargs is None or kwargs.pop("source", None) != "auto":
        return None
    return kwargs


def _example(s: Sampler) -> dict[str, Any]:
    return {"text": s.pick(("hello", "good night")), "target": s.pick(("fr", "ja")),
            "terminology": s.pick((None, "brand"))}


@contextmanager
def registered() -> Iterator[None]:
    """The module's registration, as an integration module's import would do it, undone after."""
    before = CATALOG.get(NAME), INTEGRATIONS.get(TranslateText)
    integration(NAME, (REQUEST_RESPONSE, TOKEN), "TranslateText takes no resource; "
                "TerminologyNames → each terminology's ARN")(_grants)
    register(TranslateText, Integration(
        resource=lambda st: states_arn(NAME + suffix_of(st.pattern)), parameters=_parameters,
        inverse=_inverse, example=_example))
    try:
        yield
    finally:
        for table, key, old in ((CATALOG, NAME, before[0]), (INTEGRATIONS, TranslateText, before[1])):
            if old is None:
                del table[key]  # type: ignore[attr-defined]
            else:
                table[key] = old  # type: ignore[index]


@pytest.fixture
def translate() -> Iterator[None]:
    with registered():
        yield


def _doc(**params: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": RESOURCE,
                                            "Parameters": params, "End": True}}}


PARAMS = {"Text": "hello", "SourceLanguageCode": "auto", "TargetLanguageCode": "fr"}


def test_without_the_module_the_resource_is_refused() -> None:
    assert [d.message for d in validate(_doc(**PARAMS))] == [UNKNOWN]


def test_validation_accepts_its_resource_and_its_patterns(translate, tmp_path) -> None:
    from typer.testing import CliRunner

    from flowdsl.cli import app

    assert validate(_doc(**PARAMS)) == []
    path = tmp_path / "t.asl.json"
    path.write_text(json.dumps(_doc(**PARAMS), indent=2))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    bad = _doc(**PARAMS)
    bad["States"]["T"]["Resource"] = RESOURCE + ".sync"
    assert [d.message for d in validate(bad)] == [
        "translate:translateText does not support the '.sync' pattern "
        "(it supports request-response, .waitForTaskToken)"]


def test_the_derived_role_has_its_grants(translate) -> None:
    task = TranslateText("T", text="hello", target="fr", terminology="brand")
    wf = Workflow("w", states=[task], deployment=OnDemandJob("w"))
    got = [s for s in state_machine_statements(wf) if s.actions[0].startswith("translate:")]
    assert got == [Allow("translate:TranslateText", "*", "TranslateHasNoResource"),
                   Allow("translate:GetTerminology", arn("translate", "terminology/", "brand"))]
    plain = Task("T", resource=RESOURCE, parameters={**PARAMS, "TerminologyNames": ["brand"]})
    wf = Workflow("w", states=[plain], deployment=OnDemandJob("w"))
    assert [s for s in state_machine_statements(wf) if s.actions[0].startswith("translate:")] == got


def test_import_turns_a_plain_task_back_into_the_class(translate) -> None:
    assert typed(RESOURCE, PARAMS) == (TranslateText, {"text": "hello", "target": "fr",
                                                       "pattern": "request_response"})
    assert typed(RESOURCE, {**PARAMS, "SourceLanguageCode": "de"}) is None
    text = generate(_doc(**PARAMS), "translated")
    assert 'states=[TranslateText("T", text="hello", target="fr")],' in text


def test_the_strategies_draw_it(translate) -> None:
    found = find(workflows(max_depth=0, max_states=8),
                 lambda wf: any(isinstance(st, TranslateText) for st in iter_states(wf.states)),
                 settings=settings(max_examples=2000, database=None, phases=[Phase.generate],
                                   suppress_health_check=list(HealthCheck)))
    [drawn] = [st for st in iter_states(found.states) if isinstance(st, TranslateText)]
    assert drawn.target in ("fr", "ja")


def test_the_registration_is_undone() -> None:
    with registered():
        assert TranslateText in INTEGRATIONS and NAME in CATALOG
    assert TranslateText not in INTEGRATIONS and NAME not in CATALOG
    assert typed(RESOURCE, PARAMS) is None


# flowdsl's names ------------------------------------------------------------------------------

def test_star_import_brings_the_choice_builders_and_the_lazy_names() -> None:
    import flowdsl
    import flowdsl.conditions

    scope: dict[str, Any] = {}
    exec("from flowdsl import *", scope)
    for name in flowdsl.conditions.__all__:
        assert scope[name] is getattr(flowdsl.conditions, name), name
    assert scope["numeric_equals"]("$.n", 1) == Comparison("$.n", "NumericEquals", 1)
    for name in ("GlueJob", "SdkCall", "TaskDefinition", "ScheduledJob", "EventJob", "LambdaTask",
                 "Workflow", "join"):
        assert scope[name] is getattr(flowdsl, name), name
    assert "LAZY_KINDS" not in scope and "tasks" not in scope


def _fresh(code: str) -> Any:
    """What ``code`` prints (as JSON) in a new interpreter, after ``import flowdsl``."""
    out = subprocess.run([sys.executable, "-c", "import json, sys, flowdsl\n" + code],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# the integration modules a fresh interpreter has imported
LOADED = ("sorted(m.rpartition('.')[2] for m in sys.modules if m.startswith('flowdsl.tasks.') "
          "and m.rpartition('.')[2] not in MACHINERY)")


def test_dir_lists_the_names_that_load_on_first_use() -> None:
    names, loaded = _fresh("from flowdsl.tasks.registry import MACHINERY\n"
                           f"print(json.dumps([dir(flowdsl), {LOADED}]))")
    assert {"GlueJob", "SdkCall", "TaskDefinition", "ScheduledJob", "numeric_equals"} <= set(names)
    assert loaded == ["batch", "lambda_"]  # what flowdsl imports itself


def test_a_lazy_name_loads_its_module_only() -> None:
    loaded = _fresh("from flowdsl.tasks.registry import MACHINERY\nflowdsl.GlueJob\n"
                    f"print(json.dumps({LOADED}))")
    assert loaded == ["batch", "glue", "lambda_"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    import flowdsl

    with pytest.raises(AttributeError, match="^module 'flowdsl' has no attribute 'GlueJobs'$"):
        flowdsl.GlueJobs
