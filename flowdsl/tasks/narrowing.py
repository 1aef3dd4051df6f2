"""Narrowing: which states' derived IAM the role leaves out, and why, in one place.

A task's ``derived_permissions=False`` leaves out its own; a Workflow's
``derived_permissions=False`` leaves out every state's (tasks and Distributed Maps), and
``derived_permissions=DerivedExcept(integrations=..., states=...)`` those of the tasks that
call the named integrations and of the named states. The policy asks :func:`withheld` for
each state; the build reports a name that matches nothing with :func:`problems`.
"""

from __future__ import annotations

from typing import Any

from flowdsl.errors import Diagnostic, did_you_mean
from flowdsl.states import DerivedExcept, Map, Task, iter_states
from flowdsl.tasks.registry import INTEGRATIONS, parse_arn, resource_text, split


def names(st: Any) -> tuple[str, ...]:
    """The names a :class:`DerivedExcept` may give for the integration a task calls, widest
    first: ``("athena", "athena:startQueryExecution")``, ``("aws-sdk", "aws-sdk:s3",
    "aws-sdk:s3:getObject")``, ``("lambda",)`` for a function ARN; none for another state or
    a Resource chosen at deploy time."""
    integration = INTEGRATIONS.get(type(st))
    if integration is not None:
        resource = integration.resource(st)
    elif isinstance(st, Task):
        resource = st.resource
    else:
        return ()
    text = resource_text(resource)
    if text is None:
        return ()
    parts = split(text)
    if parts is None:
        parsed = parse_arn(text)
        return (parsed.service,) if parsed is not None else ()
    service, action, _ = parts
    out = [service]
    for piece in action.split(":"):
        out.append(f"{out[-1]}:{piece}")
    return tuple(out)


def narrows(workflow: Any) -> bool:
    """Whether any state's derived IAM is left out."""
    return getattr(workflow, "derived_permissions", True) is not True or not all(
        getattr(st, "derived_permissions", True) for st in iter_states(workflow.states))


def withheld(workflow: Any, st: Any) -> str | None:
    """Why the role does not get what flowdsl derives for ``st`` (the start of the build's
    note), or None when it does."""
    if getattr(st, "derived_permissions", True) is False:
        return f"state {st.name!r} has derived_permissions=False"
    setting = getattr(workflow, "derived_permissions", True)
    if setting is False:
        return f"workflow {workflow.name!r} has derived_permissions=False (state {st.name!r})"
    if isinstance(setting, DerivedExcept):
        if st.name in setting.states:
            return f"workflow {workflow.name!r} leaves out the derived permissions of state {st.name!r}"
        for name in names(st):
            if name in setting.integrations:
                return (f"workflow {workflow.name!r} leaves out the derived permissions of "
                        f"{name!r} (state {st.name!r})")
    return None


def problems(workflow: Any) -> list[Diagnostic]:
    """A DerivedExcept name that leaves nothing out: a state the workflow does not have or
    that derives nothing, an integration no task of it calls; each with a did-you-mean."""
    setting = getattr(workflow, "derived_permissions", True)
    if not isinstance(setting, DerivedExcept):
        return []
    where = setting.source or workflow.source
    out: list[Diagnostic] = []
    if not setting.integrations and not setting.states:
        out.append(Diagnostic("bad-narrowing", "derived_permissions",
                              f"workflow {workflow.name!r}: DerivedExcept names no integration "
                              "and no state, so it leaves nothing out (derived_permissions=True "
                              "derives everything, False nothing)", where))
        return out
    states = {st.name: st for st in iter_states(workflow.states)}
    called = sorted({n for st in states.values() for n in names(st)})
    for i, name in enumerate(setting.states):
        path = f"derived_permissions.states[{i}]"
        st = states.get(name)
        if st is None:
            hint = did_you_mean(name, states).hint
            out.append(Diagnostic("bad-narrowing", path,
                                  f"workflow {workflow.name!r} has no state {name!r}{hint}", where))
        elif not isinstance(st, (Task, Map)) and type(st) not in INTEGRATIONS:
            out.append(Diagnostic("bad-narrowing", path,
                                  f"state {name!r} is a {st.TYPE} state: flowdsl derives no "
                                  "IAM for it, so there is nothing to leave out", where))
    for i, name in enumerate(setting.integrations):
        if name not in called:
            bare = name.split(".", 1)[0]  # a pattern suffix, .sync or .waitForTaskToken
            hint = (f"; did you mean {bare!r}? (the name leaves out the pattern)"
                    if bare != name and bare in called else did_you_mean(name, called).hint)
            out.append(Diagnostic(
                "bad-narrowing", f"derived_permissions.integrations[{i}]",
                f"no task of workflow {workflow.name!r} calls {name!r}{hint} (a name is a "
                "service, 'athena'; an integration, 'athena:startQueryExecution'; or an SDK "
                "service or action, 'aws-sdk:s3', 'aws-sdk:s3:getObject')", where))
    return out


__all__ = ["names", "narrows", "problems", "withheld"]
