"""The test kit runs with every binding the run pipeline prepared (a Map state's ItemReader and
ResultWriter as well as Task states), and ``from flowdsl.testing import *`` brings the kit."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from flowdsl.run import ItemReaderCall, TaskBinder
from flowdsl.run.config import RunConfig
from flowdsl.testing import run

DOCUMENT = {"StartAt": "Rows", "States": {"Rows": {
    "Type": "Map",
    "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                   "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "rows.json"}},
    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double",
                      "States": {"Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"},
                                            "End": True}}},
    "End": True}}}


class _Reader:
    def __init__(self) -> None:
        self.keys: list[Any] = []

    def read(self, call: ItemReaderCall) -> Any:
        self.keys.append(call.parameters["Key"])
        return [{"n": 1}, {"n": 5}]


class _WithReader(RunConfig):
    """A run configuration that also binds the Map state's ItemReader."""

    reader = _Reader()

    def binder(self, workflow: Any = None, values: Any = None, mocks: Any = None) -> TaskBinder:
        return super().binder(workflow, values, mocks).bind("Rows", self.reader, kind="ItemReader")


def test_the_kit_keeps_the_reader_the_pipeline_bound() -> None:
    config = _WithReader()
    result = run(DOCUMENT, {}, config=config)
    assert (result.status, result.output) == ("SUCCEEDED", [{"n": 2}, {"n": 10}])
    assert config.reader.keys == ["rows.json"]


def test_star_import_brings_the_kit_and_importing_the_package_loads_nothing_else() -> None:
    code = ("import sys; import flowdsl.testing as t; "
            "print(sorted(m for m in sys.modules if m.startswith(('flowdsl.run', 'flowdsl.testing.', "
            "'flowdsl.pipeline', 'hypothesis')))); "
            "names = {}; exec('from flowdsl.testing import *', names); "
            "print(sorted(n for n in names if not n.startswith('__')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, star = out.splitlines()
    assert loaded == "[]"
    assert star == "['Call', 'Returns', 'RunResult', 'Throw', 'mock_handler', 'redrive', 'returns', 'run', 'throw']"
