"""Property: every generated job pipeline builds (no task is left without IAM), and every
statement of its state machine role names actions that exist in the IAM dataset, on resource
ARNs of the formats those actions take."""

from __future__ import annotations

from hypothesis import given

from flowdsl.build import build
from flowdsl.states import Task, _TaskBase, iter_states
from flowdsl.tasks import INTEGRATIONS, registry, state_machine_statements
from flowdsl.tasks.sdk import dataset_problems
from flowdsl.testing.strategies import workflows


@given(workflows(max_depth=1, max_states=10, deployment=True))
def test_generated_pipelines_have_complete_iam_the_dataset_confirms(wf):
    build(wf)  # raises CompileError on a task without IAM
    statements = state_machine_statements(wf)
    assert dataset_problems(statements) == []
    for st in iter_states(wf.states):
        if isinstance(st, Task):  # a plain task: the catalog knows it, or it says what it needs
            assert st.permissions or registry.grants(
                st.resource, st.parameters if st.parameters is not None else st.arguments
            ) is not None, st
        elif isinstance(st, _TaskBase):  # a typed task: its catalog entry knows it
            integration = INTEGRATIONS[type(st)]
            assert registry.grants(integration.resource(st), integration.parameters(st)) \
                is not None, st


@given(workflows(max_depth=1, max_states=10, deployment=True))
def test_a_plain_task_with_a_typed_tasks_resource_gets_the_same_grants(wf):
    from flowdsl.placeholders import template

    for st in iter_states(wf.states):
        integration = INTEGRATIONS.get(type(st))
        if integration is None:
            continue
        resource = template(integration.resource(st)).replace(
            "${data.aws_partition.current.partition}", "aws")
        plain = Task("Plain", resource=resource, parameters=integration.parameters(st))
        assert registry.grants(plain.resource, plain.parameters) == \
            registry.grants(integration.resource(st), integration.parameters(st)), st
