"""Variables are checked once, over the model: one diagnostic per undeclared var(), at the line
that uses it, whether the state graph, the deployment or a job definition uses it."""

from __future__ import annotations

from pathlib import Path

from flowdsl.build import check
from flowdsl.loader import load_workflows

WORKFLOW = '''from flowdsl import BatchTask, JobDefinition, LambdaTask, OnDemandJob, Variable, Workflow, join, var

job = JobDefinition("job", image=var("image_uri"), command=["run"])
workflow = Workflow(
    "vars",
    variables=[Variable("stage")],
    deployment=OnDemandJob(join("app-", var("stage"), var("suffix"))),
    states=[
        LambdaTask("Call", function=var("handler_arn"), payload={"x": var("stage")}),
        BatchTask("Job", job=job, job_queue=var("queue_arn"), job_name="j"),
        BatchTask("Again", job=job, job_queue="arn:aws:batch:us-east-1:1:job-queue/q", job_name="k"),
    ],
)
'''


def test_one_diagnostic_per_undeclared_variable_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "vars.py"
    path.write_text(WORKFLOW)
    (workflow,) = load_workflows(path).values()
    found = [d.render() for d in check(workflow)[1]]
    declared = "is not declared in the workflow's variables (declared: stage) [undeclared-variable]"
    assert found == [
        f"{path}:9: $.States.Call.Parameters.FunctionName: var('handler_arn') {declared}",
        f"{path}:10: $.States.Job.Parameters.JobQueue: var('queue_arn') {declared}",
        f"{path}:7: deployment.resource_name: var('suffix') {declared}",
        f"{path}:3: states.Job.job.image: var('image_uri') {declared}",
    ]


# declarations: validation, nullable, sensitive, optional -------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402

from flowdsl import (OnDemandJob, Pass, Validation, Variable, Workflow, between, join,  # noqa: E402
                     length_between, matches, one_of, var)
from flowdsl.build import build  # noqa: E402


def declared(*variables: Variable) -> dict:
    wf = Workflow("w", variables=list(variables), states=[Pass("P", parameters={
        v.name: var(v.name) for v in variables})], deployment=OnDemandJob("w"))
    return json.loads(build(wf).files["variables.tf.json"])["variable"]


def problems(*variables: Variable) -> list[tuple[str, str, str]]:
    wf = Workflow("w", variables=list(variables), states=[Pass("P")], deployment=OnDemandJob("w"))
    return [(d.code, d.path, d.message) for d in check(wf)[1]]


def test_default_none_is_required_and_optional_defaults_to_null() -> None:
    assert Variable("x").required and not Variable("x", optional=True).required
    assert not Variable("x", default="a").required
    found = declared(Variable("need"), Variable("maybe", optional=True), Variable("given", default="a"))
    assert "default" not in found["need"]
    assert found["maybe"]["default"] is None and found["given"]["default"] == "a"


def test_nullable_sensitive_and_rules_render() -> None:
    found = declared(
        Variable("stage", validation=one_of("dev", "prod"), nullable=False),
        Variable("token", sensitive=True, optional=True, validation=length_between(10, 64)),
        Variable("size", type="number", default=1, validation=[between(1, 8)]),
        Variable("bucket", validation=matches(r"[a-z0-9.-]{3,63}", "an S3 bucket name")),
        Variable("ratio", type="number", default=2,
                 validation=Validation("var.ratio > 1", "ratio must exceed 1.")),
    )
    assert found["stage"] == {"type": "string", "nullable": False, "validation": [
        {"condition": '${contains(["dev", "prod"], var.stage)}',
         "error_message": 'stage must be one of "dev", "prod".'}]}
    # an optional input passes as null; its rule applies to a value
    assert found["token"]["sensitive"] is True and found["token"]["default"] is None
    assert found["token"]["validation"] == [{
        "condition": "${var.token == null || try(length(var.token) >= 10 && length(var.token) <= 64, false)}",
        "error_message": "token must have 10 to 64 characters."}]
    assert found["size"]["validation"][0]["condition"] == "${var.size >= 1 && var.size <= 8}"
    assert found["bucket"]["validation"][0] == {
        "condition": '${can(regex("^(?:[a-z0-9.-]{3,63})$", var.bucket))}',
        "error_message": "bucket must be an S3 bucket name."}
    assert found["ratio"]["validation"] == [{"condition": "${var.ratio > 1}",
                                             "error_message": "ratio must exceed 1."}]


def test_a_rule_bounds_the_length_of_names_built_from_the_input() -> None:
    assert Variable("a", validation=length_between(1, 12)).max_length == 12
    assert Variable("a", validation=one_of("dev", "stage")).max_length == 5
    assert Variable("a", validation=[matches("x+", "x's"), length_between(1, 9),
                                     length_between(1, 7)]).max_length == 7
    assert Variable("a").max_length is None


@pytest.mark.parametrize("variable, found", [
    (Variable("stage", default="test", validation=one_of("dev", "prod")),
     ("bad-variable", "variables.stage.default",
      "variable 'stage': its default 'test' fails its own validation: stage must be one of \"dev\", \"prod\".")),
    (Variable("n", type="number", default=9, validation=between(1, 8)),
     ("bad-variable", "variables.n.default",
      "variable 'n': its default 9 fails its own validation: n must be a number from 1 to 8.")),
    (Variable("n", type="number", default=1, validation=length_between(1, 8)),
     ("bad-validation", "variables.n.validation[0]",
      "variable 'n' is of type number; 'n must have 1 to 8 items.' tests a string or "
      "list(string) or map(string)")),
    (Variable("s", validation=matches("(", "text")),
     ("bad-validation", "variables.s.validation[0]",
      "variable 's': '(' is not a regular expression (missing ), unterminated subpattern at position 0)")),
    (Variable("s", validation=Validation("length(var.other) > 1", "s must be long.")),
     ("bad-validation", "variables.s.validation[0]",
      "variable 's': the condition 'length(var.other) > 1' must refer to var.s")),
    (Variable("s", optional=True, nullable=False),
     ("bad-variable", "variables.s.nullable",
      "variable 's': optional=True defaults it to null, which nullable=False forbids; give it a default instead")),
])
def test_a_declaration_terraform_or_its_own_rules_would_refuse(variable: Variable, found: tuple) -> None:
    assert problems(variable) == [found]


def test_an_optional_input_is_null_in_a_local_run() -> None:
    from flowdsl.testing import run

    wf = Workflow("w", variables=[Variable("note", optional=True)],
                  states=[Pass("P", parameters={"note": var("note")})], deployment=OnDemandJob(join("w")))
    assert run(wf, message="hi").output == {"note": None}


def test_declarations_with_rules_survive_the_codec() -> None:
    from flowdsl.codec import make_converter

    wf = Workflow("w", variables=[Variable("a", optional=True, nullable=True, sensitive=True,
                                           validation=[one_of("x", "y"), Validation('var.a != ""', "a is empty.")])],
                  states=[Pass("P")])
    conv = make_converter()
    assert conv.structure(json.loads(json.dumps(conv.unstructure(wf))), Workflow) == wf


@pytest.mark.parametrize("validation, message", [
    (5, "Variable.validation: expected a list of Validation or a Rule, got int 5"),
    ("x > 1", "Variable.validation: expected a list of Validation or a Rule, got str 'x > 1'"),
])
def test_a_validation_that_is_not_a_rule_names_the_field(validation, message) -> None:
    from flowdsl import Variable
    from flowdsl.errors import FlowError

    with pytest.raises(FlowError) as e:
        Variable("x", validation=validation)
    assert str(e.value) == message


@pytest.mark.parametrize("make, message", [
    (lambda f: f.between(5, 1), "between(5, 1): the low bound is above the high one"),
    (lambda f: f.length_between(10, 2), "length_between(10, 2): the low bound is above the high one"),
    (lambda f: f.between("1", 3), "between('1', 3): the bounds are numbers"),
    (lambda f: f.length_between(1, None), "length_between(1, None): the bounds are numbers"),
])
def test_a_range_no_value_can_pass_is_refused_where_it_is_written(make, message) -> None:
    import flowdsl
    from flowdsl.errors import FlowError

    with pytest.raises(FlowError) as e:
        make(flowdsl)
    assert str(e.value) == message
