"""One error root: every exception class flowdsl defines derives from FlowError, each is
defined once, and codec errors name the place in the data."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import flowdsl
from flowdsl import Pass, Retry, Task, Workflow
from flowdsl.codec import CodecError, make_converter
from flowdsl.errors import FlowError

# Control flow inside the engine, never seen outside it.
INTERNAL = {"flowdsl.run.engine._StepLimit", "flowdsl.run.engine._Timeout",
            "flowdsl.run.engine._HistoryFull", "flowdsl.run.engine._DurationExceeded"}


def _exception_classes() -> dict[str, list[str]]:
    """Exception class name -> the modules that define a class of that name."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(flowdsl.__path__, "flowdsl."):
        if info.name.startswith("flowdsl.testing") or info.name == "flowdsl.__main__":
            continue  # hypothesis-only, or runs the CLI; neither defines exceptions
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found.setdefault(name, []).append(f"{info.name}.{name}")
    return found


def test_every_exception_derives_from_flow_error() -> None:
    classes = _exception_classes()
    assert {"RunError", "StatesError", "IntrinsicSyntaxError", "PathSyntaxError", "CodecError"} <= set(classes)
    outside = []
    for qualified in (q for qs in classes.values() for q in qs):
        module, _, name = qualified.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        if qualified not in INTERNAL and not issubclass(cls, FlowError):
            outside.append(qualified)
    assert outside == []


def test_each_exception_is_defined_once() -> None:
    assert {name: where for name, where in _exception_classes().items() if len(where) > 1} == {}


CONV = make_converter()
DATA = CONV.unstructure(Workflow("w", states=[
    Pass("A"), Task("T", resource="arn:aws:states:::x", retry=[Retry(["States.ALL"], max_attempts=2)])]))


def _broken(edit) -> dict:
    data = CONV.unstructure(CONV.structure(DATA, Workflow))
    edit(data)
    return data


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["states"][1]["retry"][0].update(tries=3), r"^Retry has no field 'tries' @ \$\.states\[1\]\.retry\[0\]$"),
    (lambda d: d["states"][1]["retry"][0].pop("error_equals"),
     r"^required field 'error_equals' of Retry missing @ \$\.states\[1\]\.retry\[0\]$"),
    (lambda d: d["states"][0].update({"@type": "Nope"}), r"^unknown model type 'Nope' @ \$\.states\[0\]$"),
    (lambda d: d["states"][0].update(result={"@type": "tuple"}),
     r"^a 'tuple' value needs 'items' \(a list\) @ \$\.states\[0\]\.result$"),
])
def test_codec_errors_name_the_field(edit, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        CONV.structure(_broken(edit), Workflow)


def test_unstructure_errors_name_the_field() -> None:
    with pytest.raises(CodecError, match=r"^cannot unstructure a dict with int keys @ \$\.states\[0\]\.result$"):
        CONV.unstructure(Workflow("w", states=[Pass("A", result={1: 2})]))


def test_the_codec_ignores_classes_attrs_replaced() -> None:
    # A slotted attrs class is built anew; the class it replaced stays listed as a subclass
    # until the garbage collector runs, with its base's fields only.
    import gc

    import attrs

    from flowdsl.codec import ModelCodec
    from flowdsl.states import Pass

    gc.disable()
    try:
        body = {"__module__": __name__, "__qualname__": "Marked", "__annotations__": {"mark": "str"},
                "mark": attrs.field(default="m", kw_only=True)}
        marked = attrs.frozen(type("Marked", (Pass,), body), slots=True)
        globals()["Marked"] = marked
        assert len([c for c in Pass.__subclasses__() if c.__name__ == "Marked"]) == 2
        chosen = ModelCodec().by_tag["Marked"]
        assert chosen is marked and "mark" in attrs.fields_dict(chosen)
    finally:
        globals().pop("Marked", None)
        gc.enable()
