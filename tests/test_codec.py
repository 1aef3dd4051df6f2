"""flowdsl.codec: a document names only flowdsl's own model classes."""

from __future__ import annotations

import sys

import attrs
import pytest

from flowdsl import Pass, Workflow
from flowdsl.codec import CodecError, ModelCodec, make_converter
from flowdsl.deployments.on_demand import OnDemandJob, Queue
from flowdsl.deployments.registry import Logging

REFUSED = ("unknown model type {tag!r}: only flowdsl's own model classes can be named; "
           "a document never makes flowdsl import a module @ $.states[1]")


def _doc(tag: str) -> dict:
    return {"@type": "Workflow", "name": "w", "states": [{"@type": "Pass", "name": "A"}, {"@type": tag}]}


@pytest.mark.parametrize("tag", [
    "anymodule:X",                      # a module that does not exist
    "subprocess:Popen",                 # a module that exists, a class that is not the model's
    "flowdsl.states:Pass",              # flowdsl's own class, by a path it is not tagged with
    "flowdsl.tasks.registry:Integration",  # an attrs class of flowdsl that is not a model class
])
def test_a_tag_naming_a_module_is_refused_with_its_path(tag: str) -> None:
    with pytest.raises(CodecError) as e:
        ModelCodec().structure(_doc(tag))
    assert str(e.value) == REFUSED.format(tag=tag)


def test_the_data_imports_no_module() -> None:
    name = "flowdsl_codec_never_imported"
    with pytest.raises(CodecError, match=r"^unknown model type 'flowdsl_codec_never_imported:X': "):
        ModelCodec().structure(_doc(f"{name}:X"))
    assert name not in sys.modules


def test_a_deployment_and_its_parts_round_trip_by_their_registered_tags() -> None:
    conv = make_converter()
    wf = Workflow("w", states=[Pass("A")],
                  deployment=OnDemandJob("w", queue=Queue(visibility_timeout_seconds=60), logging=Logging()))
    data = conv.unstructure(wf)
    assert data["deployment"]["@type"] == "flowdsl.deployments.on_demand:OnDemandJob"
    assert conv.structure(data, Workflow) == wf


def test_an_unregistered_attrs_class_does_not_unstructure() -> None:
    @attrs.frozen
    class Stranger:
        x: int = 1

    with pytest.raises(CodecError) as e:
        ModelCodec().unstructure(Workflow("w", states=[Pass("A", result={"k": Stranger()})]))
    assert str(e.value) == ("cannot unstructure a test_an_unregistered_attrs_class_does_not_unstructure.<locals>"
                            ".Stranger: not a flowdsl model class (pass it in extra_classes) @ $.states[0].result.k")


def test_extra_classes_are_named_by_their_name() -> None:
    @attrs.frozen
    class Extra:
        x: int = 1

    codec = ModelCodec([Extra])
    assert codec.unstructure(Extra(2)) == {"@type": "Extra", "x": 2}
    assert codec.structure({"@type": "Extra", "x": 2}) == Extra(2)
