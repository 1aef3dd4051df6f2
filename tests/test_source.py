"""file:line of model objects, read in logarithmic time for large code objects."""

from __future__ import annotations

from flowdsl import Pass
from flowdsl.source import _LARGE_CODE


def _states_built_in_one_expression(n: int, filename: str) -> list:
    src = "from flowdsl import Pass\nstates = [\n" + "".join(
        f"    Pass(\n        'P{i}',\n        comment='x'),\n" for i in range(n)) + "]\n"
    code = compile(src, filename, "exec")
    assert len(code.co_code) > _LARGE_CODE  # the table path, not f_lineno
    scope: dict = {}
    exec(code, scope)
    return scope["states"]


def test_every_state_of_a_large_expression_has_its_own_line(tmp_path):
    states = _states_built_in_one_expression(3000, str(tmp_path / "big.py"))
    # each Pass( starts three lines after the one before, from line 3
    assert [s.source.rsplit(":", 1)[1] for s in states] == [str(3 + 3 * i) for i in range(3000)]


def test_small_code_reads_the_frame_line():
    import inspect

    line, here = Pass("A").source, inspect.currentframe().f_lineno
    assert line.endswith(f"test_source.py:{here}")
