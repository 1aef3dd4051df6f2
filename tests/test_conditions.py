"""Every comparison operator of ASL has a builder, and builders compile to the ASL rule."""

from __future__ import annotations

import flowdsl
from flowdsl import Choice, Pass, When, Workflow, all_of, any_of, not_
from flowdsl.asl import compile_workflow
from flowdsl.conditions import OPERATORS

SAMPLE = {"string": "a", "number": 1, "timestamp": "2024-01-01T00:00:00Z", "path": "$.other",
          "bool": True, "pattern": "log-*.txt"}


def snake(op: str) -> str:
    return "".join(("_" + c.lower()) if c.isupper() and i else c.lower() for i, c in enumerate(op))


def test_one_builder_per_operator() -> None:
    assert len(OPERATORS) == 39  # 3 families x 5 relations x (value, path), Boolean x 2, StringMatches, 6 type tests
    for op, kind in OPERATORS.items():
        rule = getattr(flowdsl, snake(op))("$.x", SAMPLE[kind])
        assert (rule.variable, rule.operator, rule.value) == ("$.x", op, SAMPLE[kind])


def test_nested_conditions_compile_to_the_asl_rule() -> None:
    done = Pass("Done")
    wf = Workflow("w", states=[Choice("C", choices=[When(all_of(
        flowdsl.numeric_greater_than("$.n", 3),
        any_of(flowdsl.is_present("$.tag", True), not_(flowdsl.string_matches("$.name", "tmp-*"))),
    ), next=done)], default=done)])
    rule = compile_workflow(wf).definition["States"]["C"]["Choices"][0]
    assert rule == {"And": [
        {"Variable": "$.n", "NumericGreaterThan": 3},
        {"Or": [{"Variable": "$.tag", "IsPresent": True},
                {"Not": {"Variable": "$.name", "StringMatches": "tmp-*"}}]},
    ], "Next": "Done"}
