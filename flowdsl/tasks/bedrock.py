"""``arn:aws:states:::bedrock:*``: invoke an Amazon Bedrock model (``BedrockInvokeModel``) and
create a model customization job.

The grants follow bedrock-iam.md ("IAM policies for Amazon Bedrock"); the actions and
patterns connect-bedrock.md."""

from __future__ import annotations

import re
from typing import Any

import attrs

from flowdsl.frozen import frozen
from flowdsl.iam import Allow
from flowdsl.refs import PARTITION, REGION, Ref, join
from flowdsl.states import JSON, _TaskBase
from flowdsl.tasks.registry import (
    DYNAMIC,
    SYNC,
    Call,
    arn,
    compact,
    integration,
    inverse,
    is_arn,
    known,
    param,
    suffix_of,
)
from flowdsl.tasks.offered import offered
from flowdsl.tasks.registry import Integration, register, states_arn

# a cross-Region inference profile's ID: a geography before the model ID (us.anthropic...)
_PROFILE_ID = r"(?:us|eu|apac|us-gov|global|jp|au|ca)\.(?P<model>[a-z0-9-]+\..+)"
_PROFILE_ARN = r"arn:[^:]+:bedrock:[^:]*:[^:]*:inference-profile/" + _PROFILE_ID


def _foundation(model: Any, region: Any = None) -> Any:
    """A foundation model's ARN: it has no account, and the Region it runs in."""
    return join("arn:", PARTITION, ":bedrock:", REGION if region is None else region,
                "::foundation-model/", model)


def _models(model: Any) -> tuple[tuple[Any, ...], str | None]:
    """What InvokeModel is authorised on for a ModelId: a foundation model's ID, a model's ARN,
    or an inference profile (its ARN or ID), which also needs the foundation model in every
    Region the profile routes to."""
    if not known(model):
        return ((_foundation("*"), arn("bedrock", "inference-profile/*")),
                "BedrockModelChosenAtRunTime")
    if isinstance(model, str):
        m = re.fullmatch(_PROFILE_ARN, model)
        if m:
            return (model, _foundation(m.group("model"), "*")), None
        m = re.fullmatch(_PROFILE_ID, model)
        if m:
            return (arn("bedrock", "inference-profile/", model),
                    _foundation(m.group("model"), "*")), None
    if is_arn(model):
        return (model,), None
    return (_foundation(model),), None


def _s3_object(uri: Any) -> tuple[Any, str | None]:
    if isinstance(uri, str) and uri.startswith("s3://") and "/" in uri[5:]:
        return arn("s3", uri[5:], region=False, account=False), None
    return arn("s3", "*/*", region=False, account=False), "BedrockS3UriChosenAtRunTime"


# bedrock-iam.md, InvokeModel: bedrock:InvokeModel on the model; s3:GetObject on Input.S3Uri,
# s3:PutObject on Output.S3Uri
@integration("bedrock:invokeModel", offered("bedrock:invokeModel") or (),
             "ModelId (foundation model ID, model ARN, inference profile) → its ARNs; "
             "Input/Output S3Uri → s3:GetObject/s3:PutObject on the object")
def _invoke(c: Call) -> list[Allow]:
    models, sid = _models(c.get("ModelId"))
    out = [Allow("bedrock:InvokeModel", models, sid)]
    for key, action in (("Input", "s3:GetObject"), ("Output", "s3:PutObject")):
        where = c.get(key)
        if where is DYNAMIC:
            out.append(Allow(action, arn("s3", "*/*", region=False, account=False),
                             "BedrockS3UriChosenAtRunTime"))
        elif known(where):
            uri = param(where, "S3Uri")
            objects, why = _s3_object(uri if known(uri) else None)
            out.append(Allow(action, objects, why))
    return out


_PASSED_TO_BEDROCK = ("StringEquals", "iam:PassedToService", "bedrock.amazonaws.com")


# bedrock-iam.md, CreateModelCustomizationJob: the base model, the custom model and the job
# (both named by Bedrock with a generated ID, so every one of the account's); iam:PassRole on
# RoleArn; .sync polls the job and stops it when the execution stops
@integration("bedrock:createModelCustomizationJob",
             offered("bedrock:createModelCustomizationJob") or (),
             "BaseModelIdentifier → the foundation model; the account's custom models and "
             "jobs; iam:PassRole on RoleArn; .sync: Get/StopModelCustomizationJob")
def _customize(c: Call) -> list[Allow]:
    base = c.get("BaseModelIdentifier")
    if known(base):
        models: Any = base if is_arn(base) else _foundation(base)
        sid = None
    else:
        models, sid = _foundation("*"), "BedrockBaseModelChosenAtRunTime"
    jobs = arn("bedrock", "model-customization-job/*")
    out = [Allow("bedrock:CreateModelCustomizationJob", models, sid),
           Allow("bedrock:CreateModelCustomizationJob", arn("bedrock", "custom-model/*"),
                 "BedrockNamesTheModelAndJob")]
    if c.pattern == SYNC:
        out.append(Allow(("bedrock:GetModelCustomizationJob", "bedrock:StopModelCustomizationJob"),
                         jobs, "BedrockNamesTheModelAndJob"))
    role = c.get("RoleArn")
    if known(role):
        out.append(Allow("iam:PassRole", role, conditions=[_PASSED_TO_BEDROCK]))
    else:
        out.append(Allow("iam:PassRole", arn("iam", "role/*", region=False),
                         "BedrockRoleChosenAtRunTime", conditions=[_PASSED_TO_BEDROCK]))
    return out


@frozen
class BedrockInvokeModel(_TaskBase):
    """Invoke ``model`` (a foundation model ID, a model ARN or an inference profile) with
    ``body`` (the model's own request), or with the object at ``input_s3_uri``; the response
    goes to the result, or to ``output_s3_uri``."""

    model: str | Ref = attrs.field(kw_only=True)
    body: JSON = attrs.field(default=None, kw_only=True)
    content_type: str | None = attrs.field(default=None, kw_only=True)
    accept: str | None = attrs.field(default=None, kw_only=True)
    input_s3_uri: str | Ref | None = attrs.field(default=None, kw_only=True)
    output_s3_uri: str | Ref | None = attrs.field(default=None, kw_only=True)
    options: JSON = attrs.field(default=None, kw_only=True)
    pattern: str = attrs.field(default="request_response", kw_only=True)


def _parameters(st: BedrockInvokeModel) -> dict[str, Any]:
    return compact({
        "ModelId": st.model, "Body": st.body, "ContentType": st.content_type,
        "Accept": st.accept,
        "Input": {"S3Uri": st.input_s3_uri} if st.input_s3_uri is not None else None,
        "Output": {"S3Uri": st.output_s3_uri} if st.output_s3_uri is not None else None,
    }, st.options)


_simple = inverse("bedrock:invokeModel", {"ModelId": "model", "Body": "body",
                                          "ContentType": "content_type", "Accept": "accept",
                                          "Input": "input", "Output": "output"},
                  required=("model",))


def _inverse(resource: str, params: Any) -> dict[str, Any] | None:
    kwargs = _simple(resource, params)
    if kwargs is None:
        return None
    for key in ("input", "output"):
        if key in kwargs:
            value = kwargs.pop(key)
            if not isinstance(value, dict) or set(value) != {"S3Uri"}:
                return None
            kwargs[f"{key}_s3_uri"] = value["S3Uri"]
    return kwargs


register(BedrockInvokeModel, Integration(
    resource=lambda st: states_arn("bedrock:invokeModel" + suffix_of(st.pattern)),
    parameters=_parameters,
    inverse=_inverse,
))


__all__ = ["BedrockInvokeModel"]
