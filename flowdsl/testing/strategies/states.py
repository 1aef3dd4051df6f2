"""Hypothesis strategies: retry, catch, targets; states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from flowdsl.conditions import Condition
from flowdsl.deployments import Logging, kinds
from flowdsl.deployments.alarms import Alarms
from flowdsl.deployments.versions import Alias, Canary
from flowdsl.iam import Allow
from flowdsl.refs import PARTITION, join
from flowdsl.states import (
    NULL,
    Branch,
    Catch,
    Choice,
    Fail,
    Goto,
    Map,
    Parallel,
    Pass,
    Retry,
    State,
    Succeed,
    Task,
    Wait,
    When,
    Workflow,
)
from flowdsl.tasks import INTEGRATIONS, load_all
from flowdsl.tasks.batch import BatchTask, JobDefinition
from flowdsl.tasks.lambda_ import LambdaTask

from flowdsl.testing.strategies._base import (
    JSONATA,
    JSONPATH,
    _BOOL,
    _TERMINAL,
    _either,
    _ints,
    _just,
    _one,
    _pick_from,
)
from flowdsl.testing.strategies.conditions import _condition
from flowdsl.testing.strategies.context import _Ctx, _Scope
from flowdsl.testing.strategies.leaves import json_paths, jsonata_expressions, reference_paths
from flowdsl.testing.strategies.references import (
    _assign,
    _comment,
    _jsonata_payload,
    _maybe,
    _payload,
    _static,
)


_ERRORS = ("States.TaskFailed", "States.Timeout", "Lambda.ServiceException", "Custom.Error",
           "States.Runtime")


_ERROR_LISTS = st.lists(st.sampled_from(_ERRORS), min_size=1, max_size=2, unique=True)


def _error_lists(ctx: _Ctx, n: int) -> list[tuple[str, ...]]:
    """``n`` ErrorEquals lists; at most one is ``States.ALL``, alone, and it comes last."""
    d = ctx.draw
    out = [tuple(d(_ERROR_LISTS))
           for _ in range(n)]
    if n and d(_BOOL):
        out[-1] = ("States.ALL",)
    return out


def _retries(ctx: _Ctx) -> tuple[Retry, ...]:
    d = ctx.draw
    out = []
    for errors in _error_lists(ctx, d(_ints(0, 2))):
        out.append(Retry(
            errors,
            interval_seconds=_maybe(ctx, lambda: d(_ints(1, 10))),
            max_attempts=_maybe(ctx, lambda: d(_ints(0, 5))),
            backoff_rate=_maybe(ctx, lambda: d(_one((1, 1.5, 2.0, 2)))),
            max_delay_seconds=_maybe(ctx, lambda: d(_ints(1, 60)), 3),
            jitter_strategy=_maybe(ctx, lambda: d(_one(("FULL", "NONE"))), 3),
            comment=_comment(ctx),
        ))
    return tuple(out)


def _target(ctx: _Ctx, scope: _Scope, depth: int, fresh: bool = False) -> Any:
    """A Catch/Choice target: a new state, a new chain (maybe ending in a jump), or a jump."""
    d = ctx.draw
    if not fresh and scope.known and (ctx.budget <= 0 or d(_ints(0, 2)) == 2):
        name = _pick_from(d, scope.known)
        return Goto(name) if d(_ints(0, 3)) == 3 else name
    chain = _chain(ctx, scope, depth, max_len=2 if ctx.budget > 0 else 1, goto_ok=not fresh)
    if len(chain) == 1 and isinstance(chain[0], State) and d(_BOOL):
        return chain[0]
    return chain


def _catches(ctx: _Ctx, scope: _Scope, depth: int, lang: str) -> tuple[Catch, ...]:
    d = ctx.draw
    if ctx.budget <= 0:
        n = d(_ints(0, 1))
    else:
        n = d(_ints(0, 2))
    out = []
    for errors in _error_lists(ctx, n):
        out.append(Catch(
            errors,
            next=_target(ctx, scope, depth),
            result_path=(_maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))))
                         if lang == JSONPATH else None),
            output=_maybe(ctx, lambda: d(jsonata_expressions()), 3) if lang == JSONATA else None,
            assign=_assign(ctx, lang),
            comment=_comment(ctx),
        ))
    return tuple(out)


def _lang(ctx: _Ctx) -> str:
    if ctx.jsonata and ctx.draw(_ints(0, 3)) == 3:
        return JSONATA
    return JSONPATH


def _ql(lang: str) -> str | None:
    return JSONATA if lang == JSONATA else None


def _io(ctx: _Ctx, lang: str) -> dict[str, Any]:
    if lang == JSONATA:
        return {}
    d = ctx.draw
    return {"input_path": _maybe(ctx, lambda: d(_either(json_paths(), _just(NULL))), 4),
            "output_path": _maybe(ctx, lambda: d(_either(json_paths(), _just(NULL))), 4)}


def _pass(ctx: _Ctx, scope: _Scope, depth: int) -> Pass:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Pass")
    if lang == JSONATA:
        return Pass(name, query_language=JSONATA, comment=_comment(ctx),
                    output=_maybe(ctx, lambda: _jsonata_payload(ctx)), assign=_assign(ctx, lang))
    has_params = d(_BOOL)
    return Pass(
        name, comment=_comment(ctx), **_io(ctx, lang),
        parameters=_payload(ctx) if has_params else None,
        result=None if has_params else _maybe(ctx, lambda: _static(ctx), 3),
        result_path=_maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))), 3),
        assign=_assign(ctx, lang),
    )


def _wait(ctx: _Ctx, scope: _Scope, depth: int) -> Wait:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Wait")
    how = d(_one(("seconds", "timestamp", "seconds_path", "timestamp_path")))
    if lang == JSONATA:
        value = {"seconds": d(_either(_ints(0, 60), _just("{% $states.input.n %}"))),
                 "timestamp": d(_one(("2024-01-01T00:00:00Z",
                                                 "{% $states.input.when %}")))}
        how = "seconds" if how.startswith("seconds") else "timestamp"
        return Wait(name, query_language=JSONATA, **{how: value[how]}, assign=_assign(ctx, lang),
                    output=_maybe(ctx, lambda: _jsonata_payload(ctx), 4))
    value = {"seconds": d(_ints(0, 60)),
             "timestamp": d(_one(("2024-01-01T00:00:00Z", "2024-06-30T12:30:00.25+01:00"))),
             "seconds_path": d(reference_paths()), "timestamp_path": d(reference_paths())}[how]
    return Wait(name, comment=_comment(ctx), **{how: value}, **_io(ctx, lang),
                assign=_assign(ctx, lang))


def _succeed(ctx: _Ctx, scope: _Scope, depth: int) -> Succeed:
    lang = _lang(ctx)
    name = ctx.name("Succeed")
    if lang == JSONATA:
        return Succeed(name, query_language=JSONATA,
                       output=_maybe(ctx, lambda: _jsonata_payload(ctx)))
    return Succeed(name, comment=_comment(ctx), **_io(ctx, lang))


def _fail(ctx: _Ctx, scope: _Scope, depth: int) -> Fail:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Fail")
    if lang == JSONATA:
        return Fail(name, query_language=JSONATA,
                    error=_maybe(ctx, lambda: d(_one(("Custom.Error", "{% 'E' & 'rr' %}")))),
                    cause=_maybe(ctx, lambda: d(_one(("it failed", "{% $states.input.why %}")))))
    kw: dict[str, Any] = {}
    if d(_BOOL):
        kw["error"] = d(_one(("Custom.Error", "States.TaskFailed")))
    elif d(_BOOL):
        kw["error_path"] = d(_either(reference_paths(), _just("States.Format('E{}', $.code)")))
    if d(_BOOL):
        kw["cause"] = d(_one(("it failed", "")))
    elif d(_BOOL):
        kw["cause_path"] = d(reference_paths())
    return Fail(name, comment=_comment(ctx), **kw)


def _choice(ctx: _Ctx, scope: _Scope, depth: int) -> Choice:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Choice")
    n = d(_ints(1, 3))
    rules = []
    # the first rule always opens a fresh chain: it reaches a terminal state
    for i in range(n):
        target = _target(ctx, scope, depth, fresh=i == 0)
        if lang == JSONATA:
            rules.append(When(Condition(d(jsonata_expressions(condition=True))), next=target,
                              output=_maybe(ctx, lambda: d(jsonata_expressions()), 4),
                              assign=_assign(ctx, lang), comment=_comment(ctx)))
        else:
            rules.append(When(_condition(ctx), next=target, assign=_assign(ctx, lang),
                              comment=_comment(ctx)))
    default = _target(ctx, scope, depth) if d(_BOOL) else None
    if lang == JSONATA:
        return Choice(name, query_language=JSONATA, choices=rules, default=default,
                      output=_maybe(ctx, lambda: _jsonata_payload(ctx), 4), assign=_assign(ctx, lang))
    return Choice(name, comment=_comment(ctx), choices=rules, default=default, **_io(ctx, lang),
                  assign=_assign(ctx, lang))


def _catching_fields(ctx: _Ctx, scope: _Scope, depth: int, lang: str) -> dict[str, Any]:
    d = ctx.draw
    kw: dict[str, Any] = {"retry": _retries(ctx), "assign": _assign(ctx, lang),
                          "comment": _comment(ctx)}
    if lang == JSONATA:
        kw["query_language"] = JSONATA
        kw["output"] = _maybe(ctx, lambda: _jsonata_payload(ctx), 3)
    else:
        kw.update(_io(ctx, lang))
        kw["result_selector"] = _maybe(ctx, lambda: _payload(ctx, 0), 4)
        kw["result_path"] = _maybe(ctx, lambda: d(_either(reference_paths(), _just(NULL))), 3)
    kw["catch"] = _catches(ctx, scope, depth, lang)  # last: its targets may use the budget
    return kw


def _timeouts(ctx: _Ctx, lang: str) -> dict[str, Any]:
    d = ctx.draw
    kw: dict[str, Any] = {}
    how = d(_one(("none", "seconds", "path")))
    if how == "seconds" or how == "path" and lang == JSONATA:
        kw["timeout_seconds"] = d(_ints(2, 3600))
        if d(_BOOL):
            kw["heartbeat_seconds"] = d(_ints(1, kw["timeout_seconds"] - 1))
    elif how == "path":
        kw["timeout_seconds_path"] = d(reference_paths())
        if d(_BOOL):
            kw["heartbeat_seconds_path"] = d(reference_paths())
    return kw


def _task(ctx: _Ctx, scope: _Scope, depth: int) -> Task:
    d, lang = ctx.draw, _lang(ctx)
    name = ctx.name("Task")
    kind = d(_one(("invoke", "activity", "function", "sqs", "var", "sns")))
    resource: Any = {
        "invoke": "arn:aws:states:::lambda:invoke",
        "activity": "arn:aws:states:us-east-1:123456789012:activity:worker",
        "function": "arn:aws:lambda:us-east-1:123456789012:function:handler:live",
        "sqs": "arn:aws:states:::sqs:sendMessage",
        "var": None,
        "sns": None,
    }[kind]
    if kind == "var":
        resource = ctx.var("activity_arn") if ctx.refs else "arn:aws:states:::events:putEvents"
    elif kind == "sns":
        resource = (join("arn:", PARTITION, ":states:::sns:publish") if ctx.refs
                    else "arn:aws:states:::sns:publish")
    kw = _timeouts(ctx, lang)
    if kind == "var" and ctx.refs:  # a Resource only known at deploy time: no derived IAM
        kw["permissions"] = (Allow("states:DescribeActivity", resource),)
    if lang == JSONATA:
        args = _maybe(ctx, lambda: {"FunctionName": "handler", "Payload": d(jsonata_expressions())})
        return Task(name, resource=resource, arguments=args, **kw,
                    **_catching_fields(ctx, scope, depth, lang))
    params = _maybe(ctx, lambda: _payload(ctx))
    if kind == "invoke":
        params = {"FunctionName": ctx.var("fn_arn") if ctx.refs else "handler", **(params or {})}
    creds = _maybe(ctx, lambda: {"RoleArn": "arn:aws:iam::123456789012:role/worker"}, 5)
    return Task(name, resource=resource, parameters=params, credentials=creds, **kw,
                **_catching_fields(ctx, scope, depth, lang))


def _lambda(ctx: _Ctx, scope: _Scope, depth: int) -> LambdaTask:
    d = ctx.draw
    name = ctx.name("Lambda")
    if ctx.refs:
        function: Any = d(_one(("var", "arn", "name", "join")))
        function = {"var": ctx.var("fn_arn") if function == "var" else None,
                    "arn": "arn:aws:lambda:us-east-1:123456789012:function:handler",
                    "name": "handler",
                    "join": join(ctx.var("app_name"), "-handler") if function == "join" else None,
                    }[function]
    else:
        function = d(_one(("arn:aws:lambda:us-east-1:123456789012:function:handler",
                                      "handler")))
    token = d(_ints(0, 3)) == 3
    payload = _maybe(ctx, lambda: _payload(ctx))
    if token:
        payload = {**(payload or {}), "token.$": "$$.Task.Token"}
    kw = _timeouts(ctx, JSONPATH)
    return LambdaTask(
        name, function=function,
        qualifier=_maybe(ctx, lambda: d(_one(("$LATEST", "live", "7"))), 3),
        payload=payload, wait_for_task_token=token,
        invocation_type=_maybe(ctx, lambda: "RequestResponse", 4),
        **kw, **_catching_fields(ctx, scope, depth, JSONPATH),
    )


_COMMANDS = st.lists(st.sampled_from(("python", "job.py", "Ref::body", "-v")), min_size=1, max_size=3)


def _job(ctx: _Ctx) -> Any:
    d = ctx.draw
    how = d(_one(("definition", "definition", "var", "arn") if ctx.refs else ("arn",)))
    if how == "var":
        return ctx.var("job_definition_arn")
    if how == "arn":
        return "arn:aws:batch:us-east-1:123456789012:job-definition/existing:1"
    jid = d(_one(("work", "report")))
    if jid not in ctx.jobs:
        ctx.jobs[jid] = JobDefinition(
            jid,
            name=join(ctx.var("app_name"), "-", ctx.var("stage"), f"-{jid}"),
            image=d(_one((join(ctx.var("image_uri"), ":latest"),
                                     "public.ecr.aws/docker/library/python:3.12"))),
            command=tuple(d(_COMMANDS)),
            vcpus=d(_one(("1", "0.5"))),
            memory=d(_one(("2048", "1024"))),
            environment=_pick_from(d, ({}, {"LOG_LEVEL": "debug"})),
            permissions=d(_one(((), (Allow("s3:GetObject", "*"),)))),
        )
    return ctx.jobs[jid]


def _batch(ctx: _Ctx, scope: _Scope, depth: int) -> BatchTask:
    d = ctx.draw
    name = ctx.name("Batch")
    if ctx.refs:
        queue: Any = ctx.var("queue_arn") if d(_BOOL) else \
            "arn:aws:batch:us-east-1:123456789012:job-queue/queue"
        job_name: Any = d(_one(("job", "name"))) if d(_BOOL) else \
            join(ctx.var("app_name"), "-", ctx.var("stage"), "-job")
    else:
        queue, job_name = "arn:aws:batch:us-east-1:123456789012:job-queue/queue", "job"
    return BatchTask(
        name, job=_job(ctx), job_queue=queue, job_name=job_name,
        job_parameters=_maybe(ctx, lambda: {"body.$": d(json_paths()), "mode": "fast"}),
        container_overrides=_maybe(ctx, lambda: {"Command": ["python", "job.py"]}, 3),
        sync=d(_BOOL),
        **_timeouts(ctx, JSONPATH), **_catching_fields(ctx, scope, depth, JSONPATH),
    )


class _Sampler:
    """What an integration's ``example`` draws with (flowdsl.tasks.registry.Sampler)."""

    def __init__(self, ctx: _Ctx) -> None:
        self._ctx, self.refs = ctx, ctx.refs

    def pick(self, options: Any) -> Any:
        return self._ctx.draw(_one(tuple(options)))

    def flag(self) -> bool:
        return self._ctx.draw(_BOOL)

    def var(self, name: str) -> Any:
        return self._ctx.var(name)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._ctx.jobs:
            self._ctx.jobs[key] = make()
        return self._ctx.jobs[key]


def _examples() -> tuple[tuple[type, Callable[[Any], dict[str, Any]]], ...]:
    """Every typed integration that has an example, with it, in a stable order."""
    load_all()
    found = [(cls, i.example) for cls, i in INTEGRATIONS.items() if i.example is not None]
    return tuple(sorted(found, key=lambda pair: (pair[0].__module__, pair[0].__qualname__)))


def _service(ctx: _Ctx, scope: _Scope, depth: int) -> State:
    """A typed service integration (flowdsl.tasks), its fields drawn by its own example."""
    d = ctx.draw
    name = ctx.name("Service")
    kw = {**_timeouts(ctx, JSONPATH), **_catching_fields(ctx, scope, depth, JSONPATH)}
    cls, example = d(_one(_examples()))
    return cls(name, **example(_Sampler(ctx)), **kw)


def _branch(ctx: _Ctx, path: str, depth: int) -> Branch:
    states = _chain(ctx, _Scope(path), depth + 1, max_len=3, goto_ok=False)
    return Branch(states, comment=_comment(ctx))


def _parallel(ctx: _Ctx, scope: _Scope, depth: int) -> Parallel:
    d = ctx.draw
    name = ctx.name("Parallel")
    path = f"{scope.path}.States.{name}"
    branches = [_branch(ctx, f"{path}.Branches[{i}]", depth) for i in range(d(_ints(1, 3)))]
    return Parallel(name, branches=branches,
                    parameters=_maybe(ctx, lambda: _payload(ctx), 4),
                    **_catching_fields(ctx, scope, depth, JSONPATH))


def _map(ctx: _Ctx, scope: _Scope, depth: int) -> Map:
    d = ctx.draw
    name = ctx.name("Map")
    path = f"{scope.path}.States.{name}"
    mode = d(_one(("inline", "legacy", "inline-config", "distributed")))
    if mode == "distributed" and depth > 0:
        mode = "inline"
    legacy = mode == "legacy"
    processor = _branch(ctx, f"{path}.{'Iterator' if legacy else 'ItemProcessor'}", depth)
    kw: dict[str, Any] = {}
    config: Any = None
    if mode == "inline-config":
        config = {"Mode": "INLINE"}
    elif mode == "distributed":
        config = {"Mode": "DISTRIBUTED", "ExecutionType": d(_one(("STANDARD", "EXPRESS")))}
        kw["label"] = _maybe(ctx, lambda: "Items")
        if d(_BOOL):
            kw["tolerated_failure_percentage"] = d(_one((0, 5, 50.5, 100)))
        elif d(_BOOL):
            kw["tolerated_failure_count"] = d(_ints(0, 10))
        if d(_BOOL):
            kw["item_reader"] = {"Resource": "arn:aws:states:::s3:getObject",
                                 "ReaderConfig": {"InputType": "JSON"},
                                 "Parameters": {"Bucket": "my-bucket", "Key": "items.json"}}
        if d(_BOOL):
            kw["item_batcher"] = {"MaxItemsPerBatch": d(_ints(1, 100))}
    selector = _maybe(ctx, lambda: _payload(ctx), 3)
    if legacy:
        kw["parameters"] = selector
    else:
        kw["item_selector"] = selector
    if "item_reader" not in kw:
        kw["items_path"] = _maybe(ctx, lambda: d(reference_paths()))
    if d(_BOOL):
        kw["max_concurrency"] = d(_ints(0, 10))
    elif d(_BOOL):
        kw["max_concurrency_path"] = d(reference_paths())
    return Map(name, processor=processor, processor_config=config, legacy_iterator=legacy, **kw,
               **_catching_fields(ctx, scope, depth, JSONPATH))


_BUILDERS: dict[str, Callable[[_Ctx, _Scope, int], State]] = {
    "Pass": _pass, "Wait": _wait, "Task": _task, "Lambda": _lambda, "Batch": _batch,
    "Service": _service, "Parallel": _parallel, "Map": _map, "Choice": _choice, "Succeed": _succeed, "Fail": _fail,
}
_LEAVES = ("Pass", "Wait", "Task", "Lambda", "Batch", "Service")
_NESTING = ("Parallel", "Map")
_ENDINGS = ("Succeed", "Fail", "Choice")
_KINDS = _LEAVES + _NESTING + _ENDINGS


def _chain(ctx: _Ctx, scope: _Scope, depth: int, *, max_len: int, goto_ok: bool) -> tuple[Any, ...]:
    """A sequence of states; it reaches a terminal state unless it ends with a jump."""
    d = ctx.draw
    n = d(_ints(1, max(1, min(max_len, ctx.budget))))
    out: list[Any] = []
    for i in range(n):
        last = i == n - 1
        # One fixed list, so that a choice means the same kind at every position (which helps
        # shrinking); a kind not allowed here becomes a Pass.
        kind = _pick_from(d, _KINDS)
        if (kind in _NESTING and not (depth < ctx.max_depth and ctx.budget > 1)
                or kind in ("Succeed", "Fail") and not last
                or kind == "Choice" and not (last and ctx.budget > 1)):
            kind = "Pass"
        state = _BUILDERS[kind](ctx, scope, depth)
        scope.known.append(state.name)
        out.append(state)
    if goto_ok and not isinstance(out[-1], _TERMINAL) and d(_ints(0, 2)) == 2:
        target = _pick_from(d, scope.known)
        out.append(Goto(target) if d(_BOOL) else target)
    return tuple(out)


class _Choices:
    """A kind's :class:`flowdsl.deployments.Choices`, drawn with Hypothesis."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx

    def pick(self, options: Any) -> Any:
        return _pick_from(self.ctx.draw, tuple(options))

    def flag(self) -> bool:
        return self.ctx.draw(_BOOL)

    def var(self, name: str) -> Any:
        return self.ctx.var(name)


def _alias(ctx: _Ctx) -> Alias | None:
    """The default alias (``live``, every execution to the newest version), one with a
    canary, another name, or none (``alias=None``: no versions)."""
    d = ctx.draw
    kind = _pick_from(d, ("default", "canary", "named", "none"))
    if kind == "canary":
        return Alias(canary=Canary(percent=d(_ints(1, 99))))
    if kind == "named":
        return Alias("prod", description="what the trigger starts")
    return Alias() if kind == "default" else None


def _alarms(ctx: _Ctx) -> Alarms | None:
    """No alarms, the default ones, or tuned ones, sent to a topic given at deploy time."""
    d = ctx.draw
    kind = _pick_from(d, ("none", "default", "tuned"))
    if kind == "none":
        return None
    if kind == "default":
        return Alarms(topic=ctx.var("topic_arn"))
    return Alarms(topic=ctx.var("topic_arn"), period_seconds=60 * d(_ints(1, 60)),
                  evaluation_periods=d(_ints(1, 24)), threshold=d(_ints(1, 10)),
                  dlq_threshold=d(_ints(1, 10)), ok_actions=d(_BOOL))


def _deployment(ctx: _Ctx, name: str) -> Any:
    """A deployment of any registered kind that has an ``example``, with random settings: the
    fields every kind has (logging, tracing, the alias and its canary, alarms), then the kind's own."""
    d = ctx.draw
    resource = join(ctx.var("app_name"), "-", ctx.var("stage"), f"-{name}")
    common = {
        "logging": _pick_from(d, (Logging(), Logging(level="ERROR", include_execution_data=False,
                                                     retention_days=30),
                                  Logging(group_name=join(ctx.var("app_name"), "/", name)))),
        "tracing": d(_BOOL),
        "alias": _alias(ctx),
        "alarms": _alarms(ctx),
    }
    examples = [k.example for _, k in kinds() if k.example is not None]
    return _pick_from(d, examples)(_Choices(ctx), resource, common)


@st.composite
def workflows(draw: Any, max_depth: int = 2, max_states: int = 12, jsonata: bool = True,
              refs: bool = True, deployment: bool = False) -> Workflow:
    """Valid workflows of about ``max_states`` states at most, Parallel/Map nested ``max_depth``
    deep at most. ``jsonata=False`` leaves out JSONata states; ``refs=False`` leaves out
    deploy-time references (so the compiled definition is plain JSON); ``deployment=True``
    deploys each with a deployment kind (each registered kind's ``example``: ``OnDemandJob``,
    ``ScheduledJob``, ``EventJob``, ``StateMachine``, ...), so that ``build`` writes a Terraform
    module for it."""
    ctx = _Ctx(draw, max_depth, max_states, jsonata, refs or deployment)
    states = _chain(ctx, _Scope("$"), 0, max_len=max(1, max_states // 2), goto_ok=False)
    name = draw(_one(("wf", "orders", "nightly-report")))
    deploy = _deployment(ctx, name) if deployment else None
    return _without_sources(Workflow(
        name,
        states,
        comment=_comment(ctx),
        timeout_seconds=_maybe(ctx, lambda: draw(_ints(1, 86400)), 4),
        version=_maybe(ctx, lambda: "1.0", 4),
        variables=[ctx.variables[k] for k in sorted(ctx.variables)],
        deployment=deploy,
    ))


def _without_sources(wf: Workflow) -> Workflow:
    """The workflow with every ``source`` set to None: objects built here would otherwise
    point into Hypothesis (the first frame outside flowdsl), which only adds noise."""
    from flowdsl.codec import ModelCodec

    codec = _CODEC[0] if _CODEC else _CODEC.append(ModelCodec()) or _CODEC[0]
    return codec.structure(codec.unstructure(wf))


_CODEC: list[Any] = []
