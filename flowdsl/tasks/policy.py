"""The state machine role's statements, derived from the graph: every task's Resource and
Parameters through the registry's grants, Distributed Map's reader, writer and child executions, and the
``permissions=`` escape hatch on tasks and the workflow."""

from __future__ import annotations

from typing import Any

from flowdsl.iam import Allow, merge
from flowdsl.placeholders import template
from flowdsl.refs import join
from flowdsl.states import Map, Task, iter_states
from flowdsl.tasks import registry
from flowdsl.tasks.narrowing import narrows, withheld
from flowdsl.tasks.registry import (INTEGRATIONS, MISSING, Context, ParameterError, arn, known,
                                    param)
from flowdsl.vocabulary import DocPath, walk_states


def statements(workflow: Any, module: Any = None) -> list[Allow]:
    return _statements(workflow, module, [])


def narrowed(workflow: Any) -> list[str]:
    """What ``derived_permissions=`` (a task's or the workflow's) keeps out of the role: one
    line per dropped statement (merged as the policy would), naming the state and why."""
    if not narrows(workflow):
        return []
    dropped: list[tuple[str, list[Allow]]] = []
    _statements(workflow, None, dropped)
    lines = []
    for why, group in dropped:
        for st in merge(group):
            sid = f" ({st.sid})" if st.sid else ""
            lines.append(f"note: {why}, so its role does not get{sid} {', '.join(st.actions)} on "
                         f"{', '.join(_text(r) for r in st.resources)}")
    return lines


def _statements(workflow: Any, module: Any, dropped: list[tuple[str, list[Allow]]]) -> list[Allow]:
    deployment = getattr(workflow, "deployment", None)
    name = getattr(deployment, "resource_name", None) or workflow.name
    context = Context(name)
    bodies = _bodies(module.compiled.definition) if module is not None else {}
    out: list[Allow] = []
    for st in iter_states(workflow.states):
        permissions = tuple(getattr(st, "permissions", ()) or ())
        out += permissions
        why = withheld(workflow, st)
        if isinstance(st, Map):
            reads = map_grants(st, context, redrive=bool(getattr(workflow, "redrive", False)))
            if why is None:
                out += reads
            elif reads:
                dropped.append((why, reads))
            continue
        derived: list[Allow] = []
        integration = INTEGRATIONS.get(type(st))
        if integration is not None:
            resource, params = integration.resource(st), integration.parameters(st)
            derived += integration.iam(st)
        elif isinstance(st, Task):
            resource = st.resource
            params = st.parameters if st.parameters is not None else st.arguments
        else:
            continue
        path, body = bodies.get(st.name) or (DocPath() / "States" / st.name, None)
        try:
            granted = registry.grants(resource, params, context)
        except ParameterError as e:
            where = "Arguments" if isinstance(body, dict) and "Arguments" in body or (
                body is None and getattr(st, "arguments", None) is not None) else "Parameters"
            message = f"state {st.name!r}: {e}"
            if module is None:
                raise ParameterError(e.field, f"{path}.{where}.{e.field}: {message}") from e
            module.error("bad-parameter", f"{path}.{where}.{e.field}", message, st.source)
            continue
        if granted is not None:
            derived += granted
        if why is not None:
            if derived:
                dropped.append((why, derived))
            continue
        out += derived
        if granted is None and not permissions and module is not None:
            _report(module, st, resource, path)
    out += tuple(getattr(workflow, "permissions", ()) or ())
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else template(value)


def _report(module: Any, st: Any, resource: Any, path: DocPath) -> None:
    text = registry.resource_text(resource)
    if text is not None and registry.check(text):
        return  # the validator already reports an unknown integration or pattern
    shown = text if text is not None else f"${{{resource.address}}}" \
        if hasattr(resource, "address") else repr(resource)
    if text is not None and registry.split(text) and registry.split(text)[0] == "aws-sdk":
        why = "its IAM action is not in the IAM dataset"
    else:
        why = "flowdsl does not know what IAM it needs"
    module.error("unknown-iam", f"{path}.Resource",
                 f"state {st.name!r} calls {shown!r}, and {why}: grant it with "
                 f"permissions=[Allow(actions, resources)] on the state (or the Workflow)",
                 st.source)


def _bodies(definition: Any) -> dict[str, tuple[DocPath, Any]]:
    """Each state's path and body in the compiled definition, by name (names are unique). The
    paths share their prefixes (a definition nested d deep holds d steps, not d strings up to
    d long); a path's text is made only for a message."""
    return {name: (path, body) for path, name, body in walk_states(definition, DocPath())}


# Distributed Map ------------------------------------------------------------------------------

def _s3_objects(params: Any, key: str, why: str) -> tuple[Any, str | None, Any]:
    """(bucket ARN, sid, objects ARN) from a Bucket and a Key or Prefix."""
    bucket = param(params, "Bucket")
    if not known(bucket):
        return (arn("s3", "*", region=False, account=False), why,
                arn("s3", "*/*", region=False, account=False))
    bucket_arn = arn("s3", bucket, region=False, account=False)
    where = param(params, key)
    if known(where):
        objects = arn("s3", bucket, "/", where, "*" if key == "Prefix" else "",
                      region=False, account=False)
    else:
        objects = arn("s3", bucket, "/*", region=False, account=False)
    return bucket_arn, None, objects


def map_grants(st: Map, context: Context, *, redrive: bool = False) -> list[Allow]:
    out: list[Allow] = []
    reader = st.item_reader if isinstance(st.item_reader, dict) else None
    if reader is not None:
        text = registry.resource_text(reader.get("Resource")) or ""
        parts = registry.split(text)
        params = reader.get("Parameters")
        action = f"{parts[0]}:{parts[1]}" if parts else ""
        if action == "s3:getObject":
            _, sid, objects = _s3_objects(params, "Key", "ItemReaderBucketChosenAtRunTime")
            out.append(Allow("s3:GetObject", objects, sid))
        elif action == "s3:listObjectsV2":
            # iam-policies-eg-dist-map.md: list the bucket under the prefix, and read what
            # it lists
            bucket, sid, objects = _s3_objects(params, "Prefix", "ItemReaderBucketChosenAtRunTime")
            prefix = param(params, "Prefix") if sid is None else MISSING
            if known(prefix):
                out.append(Allow("s3:ListBucket", bucket, sid,
                                 conditions=[("StringLike", "s3:prefix",
                                              prefix + "*" if isinstance(prefix, str)
                                              else join(prefix, "*"))]))
            else:
                out.append(Allow("s3:ListBucket", bucket, sid))
            out.append(Allow("s3:GetObject", objects, sid))
    writer = st.result_writer if isinstance(st.result_writer, dict) else None
    if writer is not None:
        params = writer.get("Parameters")
        if params is not MISSING and param(params, "Bucket") is not MISSING:
            _, sid, objects = _s3_objects(params, "Prefix", "ResultWriterBucketChosenAtRunTime")
            out.append(Allow(("s3:AbortMultipartUpload", "s3:GetObject",
                              "s3:ListMultipartUploadParts", "s3:PutObject"), objects, sid))
    config = st.processor_config if isinstance(st.processor_config, dict) else {}
    if config.get("Mode") == "DISTRIBUTED":
        # each item (or batch) runs as a child execution of this state machine
        out.append(Allow("states:StartExecution", context.state_machine_arn))
        out.append(Allow(("states:DescribeExecution", "states:StopExecution"),
                         context.executions_arn))
        if redrive:
            # iam-policies-eg-dist-map: redriving the parent redrives the Map Run's child
            # executions, arn:...:execution:<state machine>/<Map Run label>:<id>
            out.append(Allow("states:RedriveExecution",
                             join(arn("states", "execution:"), context.state_machine_name, "/",
                                  st.label if isinstance(st.label, str) else "*", ":*")))
    return out


__all__ = ["map_grants", "narrowed", "statements"]
