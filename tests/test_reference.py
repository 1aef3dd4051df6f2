"""docs/REFERENCE.md is generated from the code (``python -m flowdsl.reference``) and current,
and the generator documents every public class, the fields of new ones included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import flowdsl
from flowdsl import reference
from flowdsl.frozen import frozen
from flowdsl.refs import Ref
from flowdsl.states import State, _TaskBase, asl
from flowdsl.tasks.registry import INTEGRATIONS, Integration, compact, states_arn

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "REFERENCE.md"


@pytest.fixture(scope="module")
def text() -> str:
    return reference.render()


def test_the_committed_reference_is_current(text: str) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == text, (
        "docs/REFERENCE.md is not what the code gives: run `python -m flowdsl.reference` from "
        "the repository's root and commit docs/REFERENCE.md")


def test_every_public_class_and_function_is_documented(text: str) -> None:
    for name in flowdsl.__all__:
        value = getattr(flowdsl, name)
        if isinstance(value, type) and attrs.has(value):
            assert f"\n### {name}\n" in text, name
        elif callable(value):
            assert f"\n- `{name}(" in text, name
        else:
            assert f"\n- `{name}` = " in text, name


def _section(text: str, name: str) -> str:
    start = text.index(f"\n### {name}\n")
    end = text.find("\n### ", start + 1)
    return text[start:end]


def _row(section: str, field: str) -> list[str]:
    line = next(ln for ln in section.splitlines() if ln.startswith(f"| `{field}` |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_typed_tasks_give_each_argument_its_parameters_key(text: str) -> None:
    lam = _section(text, "LambdaTask")
    assert _row(lam, "function") == ["`function`", "`str \\| Ref`", "required", "`Parameters.FunctionName`",
                                     "keyword"]
    assert _row(lam, "wait_for_task_token")[3] == "`Resource`"
    assert _row(_section(text, "GlueJob"), "job_arguments")[3] == "`Parameters.Arguments`"
    assert _row(_section(text, "GlueJob"), "options")[3] == "`Parameters` (its keys)"
    ecs = _section(text, "EcsRunTask")
    assert _row(ecs, "subnets")[3] == "`Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets`"
    # every typed task's own arguments are in its table, the common ones linked once
    for cls in INTEGRATIONS:
        if cls.__name__ not in flowdsl.__all__:
            continue
        section = _section(text, cls.__name__)
        own = [f for f in reference.public_fields(cls) if f.name not in reference._names(_TaskBase)]
        for f in own:
            assert _row(section, f.alias or f.name)[3] != "—", f"{cls.__name__}.{f.name}: no ASL key found"
        assert "(#fields-every-task-has)" in section


def test_model_fields_give_their_asl_keys(text: str) -> None:
    retry = _section(text, "Retry")
    assert _row(retry, "error_equals")[1:4] == ["`list of str`", "required", "`ErrorEquals`"]
    assert _row(retry, "max_attempts")[2:4] == ["`None`", "`MaxAttempts`"]
    assert _row(_section(text, "Map"), "processor")[3].startswith("`ItemProcessor`")
    assert _row(_section(text, "Catch"), "next")[3] == "`Next`"
    assert _row(_section(text, "Pipe"), "invocation_type")[3].startswith(
        "positional or keyword. one of `'FIRE_AND_FORGET'`")  # no ASL column for a deployment's parts
    assert "module input tracing_enabled" in _row(_section(text, "StateMachine"), "tracing")[3]


# A new class, or a new field, is documented with no edit to the generator ------------------

@pytest.fixture
def classes() -> Iterator[dict[str, type]]:
    """A typed task and a state of this test's own, made inside a function: the codec lists
    only the State subclasses a module names, so other tests never see them."""

    @frozen
    class WidgetTask(_TaskBase):
        """Make a widget of ``size``.

        Not part of flowdsl: a class of this test's own."""

        widget_name: str | Ref = attrs.field(kw_only=True)
        size: int | None = attrs.field(default=None, kw_only=True)
        colours: tuple[str, ...] = attrs.field(factory=tuple, kw_only=True, converter=tuple)
        # wait for the widget
        sync: bool = attrs.field(default=False, kw_only=True)

    @frozen
    class Sleep(State):
        seconds: int | None = asl("Seconds")
        mood: str = "calm"  # a field the compiler knows nothing of

    yield {"WidgetTask": WidgetTask, "Sleep": Sleep}


def _widget_params(st: Any) -> dict[str, Any]:
    return compact({"WidgetName": st.widget_name, "Spec": {"Size": st.size, "Colours": list(st.colours)}})


def test_a_new_typed_task_is_documented_from_its_integration(monkeypatch: pytest.MonkeyPatch,
                                                              classes: dict[str, type]) -> None:
    WidgetTask = classes["WidgetTask"]
    monkeypatch.setitem(INTEGRATIONS, WidgetTask, Integration(
        resource=lambda st: states_arn("widget:make" + (".sync" if st.sync else "")),
        parameters=_widget_params))
    section = "\n".join(reference.render_class(WidgetTask, reference._base_of(WidgetTask)))
    assert section.startswith("### WidgetTask\n\nMake a widget of ``size``.\n")
    assert "Not part of flowdsl" not in section  # the first paragraph only
    assert _row(section, "widget_name")[1:4] == ["`str \\| Ref`", "required", "`Parameters.WidgetName`"]
    assert _row(section, "size")[1:4] == ["`int \\| None`", "`None`", "`Parameters.Spec.Size`"]
    assert _row(section, "colours")[1:4] == ["`list of str`", "`()`", "`Parameters.Spec.Colours`"]
    assert _row(section, "sync")[3:] == ["`Resource`", "keyword. wait for the widget"]
    assert "timeout_seconds" not in section and "(#fields-every-task-has)" in section


def test_a_new_state_field_without_an_asl_key_is_listed(classes: dict[str, type]) -> None:
    Sleep = classes["Sleep"]
    section = "\n".join(reference.render_class(Sleep, reference._base_of(Sleep)))
    assert _row(section, "seconds")[3] == "`Seconds`"
    assert _row(section, "mood")[1:5] == ["`str`", "`'calm'`", "—",
                                          "positional or keyword. a field the compiler knows nothing of"]
    assert "(#fields-every-state-has)" in section


def test_an_integration_that_cannot_be_built_still_documents_its_fields(
        monkeypatch: pytest.MonkeyPatch, classes: dict[str, type]) -> None:
    WidgetTask = classes["WidgetTask"]

    def broken(st: Any) -> dict[str, Any]:
        raise RuntimeError("no widgets today")

    monkeypatch.setitem(INTEGRATIONS, WidgetTask, Integration(resource=broken, parameters=broken))
    section = "\n".join(reference.render_class(WidgetTask, reference._base_of(WidgetTask)))
    assert _row(section, "widget_name") == ["`widget_name`", "`str \\| Ref`", "required", "keyword"]


# The command ----------------------------------------------------------------------------------

def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flowdsl.reference", *args], capture_output=True,
                          text=True, cwd=cwd, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_the_command_writes_and_checks(tmp_path: Path, text: str) -> None:
    out = tmp_path / "REFERENCE.md"
    assert _command("--check", "--out", str(out), cwd=tmp_path).returncode == 1
    done = _command("--out", str(out), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"wrote {out}\n")
    assert out.read_text(encoding="utf-8") == text
    assert _command("--check", "--out", str(out), cwd=tmp_path).returncode == 0
    out.write_text(text + "edited by hand\n", encoding="utf-8")
    stale = _command("--check", "--out", str(out), cwd=tmp_path)
    assert (stale.returncode, stale.stderr) == (1, f"{out} is not current: run python -m flowdsl.reference\n")


def test_the_command_outside_a_repository_says_where_it_writes(tmp_path: Path) -> None:
    done = _command(cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot write docs/REFERENCE.md: ")
    assert "Traceback" not in done.stderr and not (tmp_path / "docs").exists()
