"""Reading ASL files: line numbers for every path, and keys that appear twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdsl.errors import LoadError
from flowdsl.strict_json import read_json

TEXT = """{
  "StartAt": "A \\"quoted\\" ]} name",
  "States": {
    "A \\"quoted\\" ]} name": {"Type": "Pass",
      "Result": [1, {"x": [true, null]},
                 "s,]"],
      "End": true},
    "B": {"Type": "Succeed"},
    "B": {"Type": "Fail"}
  }
}
"""


def test_every_key_and_item_has_its_line(tmp_path: Path) -> None:
    p = tmp_path / "x.asl.json"
    p.write_text(TEXT)
    parsed = read_json(p)
    name = 'A "quoted" ]} name'
    assert parsed.lines[f"$.States.{name}"] == 4
    assert parsed.lines[f"$.States.{name}.Result[1].x[1]"] == 5
    assert parsed.lines[f"$.States.{name}.Result[2]"] == 6
    assert parsed.lines[f"$.States.{name}.End"] == 7
    assert parsed.lines["$.States.B"] == 8
    assert parsed.sources(p)["$.States.B"] == f"{p}:8"


def test_duplicate_keys_are_reported_where_they_repeat(tmp_path: Path) -> None:
    p = tmp_path / "x.asl.json"
    p.write_text(TEXT)
    (dup,) = read_json(p).duplicates
    assert dup.render() == (f"{p}:9: $.States.B: the key 'B' appears twice in one object; JSON "
                            "readers keep only one of them [duplicate-key]")


def test_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"nope\.json: no such file"):
        read_json(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": }')
    with pytest.raises(LoadError, match=r"bad\.json:1:7: not valid JSON: Expecting value"):
        read_json(bad)
