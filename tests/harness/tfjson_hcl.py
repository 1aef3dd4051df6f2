"""Convert a Terraform JSON-syntax module (``*.tf.json``) to native HCL (``*.tf``) for checkov.

Why: checkov's ``terraform_json`` framework (3.3.x) crashes on ``terraform.required_version``
("this method receives only dicts") and does not evaluate variables, so every
``"${var.kms_key_arn}"`` looks "set" and conditional checks pass vacuously.  Its ``terraform``
(HCL) framework evaluates variables, defaults and ``--var-file``.  Converting is exact for
what flowdsl emits because a JSON string in an expression context *is* an HCL template with the
same syntax (``${}``/``%{}``), and JSON string escapes are valid HCL escapes; the only real
ambiguity (nested block vs. object attribute) is resolved with the provider schema
(``terraform providers schema -json``, cached per provider build).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .terraform import Terraform, new_workdir, provider_mirror

META_ATTRS = {"count", "for_each", "provider", "depends_on"}
META_BLOCKS = {"lifecycle", "provisioner", "connection"}


def _schema_cache_file() -> Path:
    mirror = provider_mirror()
    bins = sorted(str(p) for p in Path(mirror).glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"))
    key = hashlib.sha256("|".join(f"{b}:{os.path.getsize(b)}" for b in bins).encode()).hexdigest()[:16]
    return Path(os.environ.get("FLOWDSL_CACHE_DIR") or Path.home() / ".cache" / "flowdsl") / f"aws-schema-{key}.json"


@lru_cache(maxsize=1)
def aws_schema() -> dict:
    """{'resource': {type: block}, 'data': {type: block}} of the mirrored hashicorp/aws provider."""
    cache = _schema_cache_file()
    if cache.exists():
        return json.loads(cache.read_text())
    wd = new_workdir("flowdsl-tf-schema-")
    (wd / "main.tf.json").write_text(json.dumps(
        {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}}}))
    tf = Terraform(wd)
    tf.init()
    raw = json.loads(tf.run("providers", "schema", "-json").stdout)
    prov = raw["provider_schemas"]["registry.terraform.io/hashicorp/aws"]

    def slim(block: dict) -> dict:  # keep only the block structure
        return {"block_types": {k: slim(v["block"]) for k, v in block.get("block_types", {}).items()}}

    out = {"resource": {k: slim(v["block"]) for k, v in prov["resource_schemas"].items()},
           "data": {k: slim(v["block"]) for k, v in prov["data_source_schemas"].items()}}
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(out))
    tmp.replace(cache)
    import shutil

    shutil.rmtree(wd, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- emitters
def _skip_str(s: str, i: int) -> int:
    """``i`` just after an opening quote inside an expression -> index after the closing quote."""
    while i < len(s):
        if s[i] == "\\":
            i += 2
        elif s[i] == '"':
            return i + 1
        elif s.startswith("$${", i) or s.startswith("%%{", i):
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            i = _skip_expr(s, i + 2)
        else:
            i += 1
    raise ValueError(f"unterminated string in template {s!r}")


def _skip_expr(s: str, i: int) -> int:
    """``i`` just after ``${``/``%{`` -> index after the matching ``}``."""
    depth = 0
    while i < len(s):
        c = s[i]
        if c == '"':
            i = _skip_str(s, i + 1)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    raise ValueError(f"unterminated interpolation in template {s!r}")


def _tmpl(s: str) -> str:
    """A JSON template string -> HCL quoted template.

    Literal parts get JSON escapes (all valid HCL escapes); ``${...}``/``%{...}`` sequences are
    copied verbatim (inside them quotes are expression syntax, not escaped)."""
    if s.startswith("${") and not s.startswith("${~") and _skip_expr(s, 2) == len(s) and not s.endswith("~}"):
        # a lone interpolation is the bare expression (same value, unconverted); python-hcl2,
        # which checkov uses, cannot parse quotes nested inside "${...}"
        return "(" + s[2:-1].strip() + ")"
    out = ['"']
    i = 0
    while i < len(s):
        if s.startswith("$${", i) or s.startswith("%%{", i):
            out.append(s[i : i + 3])
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            j = _skip_expr(s, i + 2)
            out.append(s[i:j])
            i = j
        else:
            out.append(json.dumps(s[i])[1:-1])
            i += 1
    out.append('"')
    return "".join(out)


def _literal_str(s: str) -> str:
    """A JSON *literal* string (variable default) -> HCL quoted string with ${ / %{ escaped."""
    return json.dumps(s.replace("${", "$${").replace("%{", "%%{"))


def _expr_text(s: str) -> str:
    """String holding a bare expression (type, depends_on item, provider ref)."""
    return s[2:-1] if s.startswith("${") and s.endswith("}") else s


def _value(v: Any, ind: str, literal: bool = False) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return _literal_str(v) if literal else _tmpl(v)
    if isinstance(v, list):
        if not v:
            return "[]"
        inner = ind + "  "
        return "[\n" + "".join(f"{inner}{_value(x, inner, literal)},\n" for x in v) + f"{ind}]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        inner = ind + "  "
        return "{\n" + "".join(f"{inner}{json.dumps(k)} = {_value(x, inner, literal)}\n" for k, x in v.items()) + f"{ind}}}"
    raise TypeError(type(v))


def _body(cfg: dict, schema: dict | None, ind: str) -> str:
    """Body of a resource/data/nested block, using ``schema`` to tell blocks from attributes."""
    lines: list[str] = []
    bt = (schema or {}).get("block_types", {})
    for k, v in cfg.items():
        if k == "//":
            continue
        if k == "depends_on":
            lines.append(f"{ind}depends_on = [{', '.join(_expr_text(x) for x in v)}]")
        elif k == "provider":
            lines.append(f"{ind}provider = {_expr_text(v)}")
        elif k == "dynamic":
            for label, d in v.items():
                for one in (d if isinstance(d, list) else [d]):
                    lines.append(f'{ind}dynamic "{label}" {{')
                    for dk in ("for_each", "iterator", "labels"):
                        if dk in one:
                            val = _expr_text(one[dk]) if dk == "iterator" else _value(one[dk], ind + "  ")
                            lines.append(f"{ind}  {dk} = {val}")
                    lines.append(f"{ind}  content {{")
                    lines.append(_body(one.get("content", {}), bt.get(label), ind + "    "))
                    lines.append(f"{ind}  }}")
                    lines.append(f"{ind}}}")
        elif k in bt or k in META_BLOCKS:
            sub = bt.get(k)
            if k == "lifecycle":
                lc = dict(v)
                out = [f"{ind}lifecycle {{"]
                for lk, lv in lc.items():
                    if lk in ("ignore_changes", "replace_triggered_by") and isinstance(lv, list):
                        out.append(f"{ind}  {lk} = [{', '.join(_expr_text(x) for x in lv)}]")
                    else:
                        out.append(f"{ind}  {lk} = {_value(lv, ind + '  ')}")
                lines += out + [f"{ind}}}"]
                continue
            for one in (v if isinstance(v, list) else [v]):
                lines.append(f"{ind}{k} {{")
                lines.append(_body(one, sub, ind + "  "))
                lines.append(f"{ind}}}")
        else:
            lines.append(f"{ind}{k} = {_value(v, ind)}")
    return "\n".join(line for line in lines if line != "")


def _variable(name: str, cfg: dict) -> str:
    out = [f'variable "{name}" {{']
    for k, v in cfg.items():
        if k == "type":
            out.append(f"  type = {_expr_text(v)}")
        elif k == "default":
            out.append(f"  default = {_value(v, '  ', literal=True)}")
        elif k == "validation":
            for one in (v if isinstance(v, list) else [v]):
                out.append("  validation {")
                out.append(f"    condition = {_expr_text(one['condition'])}")
                out.append(f"    error_message = {_tmpl(one['error_message'])}")
                out.append("  }")
        elif k != "//":
            out.append(f"  {k} = {_value(v, '  ')}")
    return "\n".join(out + ["}"])


def convert_doc(doc: dict, schema: dict) -> str:
    parts: list[str] = []
    for top, val in doc.items():
        if top == "//":
            continue
        if top == "terraform":
            for t in (val if isinstance(val, list) else [val]):
                out = ["terraform {"]
                for k, v in t.items():
                    if k == "required_providers":
                        out.append("  required_providers {")
                        for pn, pv in v.items():
                            out.append(f"    {pn} = {_value(pv, '    ', literal=True)}")
                        out.append("  }")
                    elif k in ("backend", "cloud"):
                        continue
                    else:
                        out.append(f"  {k} = {_value(v, '  ', literal=True)}")
                parts.append("\n".join(out + ["}"]))
        elif top == "variable":
            parts += [_variable(n, c) for n, c in val.items()]
        elif top == "locals":
            for block in (val if isinstance(val, list) else [val]):
                parts.append("locals {\n" + "\n".join(f"  {k} = {_value(v, '  ')}" for k, v in block.items() if k != "//") + "\n}")
        elif top == "output":
            for n, c in val.items():
                parts.append(f'output "{n}" {{\n{_body(c, None, "  ")}\n}}')
        elif top in ("resource", "data"):
            for typ, insts in val.items():
                for name, cfg in insts.items():
                    for one in (cfg if isinstance(cfg, list) else [cfg]):
                        sch = schema.get(top, {}).get(typ)
                        parts.append(f'{top} "{typ}" "{name}" {{\n{_body(one, sch, "  ")}\n}}')
        elif top == "module":
            for n, c in val.items():
                parts.append(f'module "{n}" {{\n{_body(c, None, "  ")}\n}}')
        elif top == "provider":
            for n, c in val.items():
                for one in (c if isinstance(c, list) else [c]):
                    parts.append(f'provider "{n}" {{\n{_body(one, None, "  ")}\n}}')
        else:
            raise ValueError(f"unsupported top-level key {top!r}")
    return "\n\n".join(parts) + "\n"


def tfjson_to_hcl(src_dir: str | os.PathLike, dst_dir: str | os.PathLike) -> Path:
    """Write ``<dst>/<name>.tf`` for each ``<src>/<name>.tf.json`` (plain ``.tf`` files are copied)."""
    src, dst = Path(src_dir), Path(dst_dir)
    dst.mkdir(parents=True, exist_ok=True)
    schema = aws_schema()
    for p in sorted(src.iterdir()):
        if p.name.endswith(".tf.json"):
            (dst / (p.name[: -len(".tf.json")] + ".tf")).write_text(convert_doc(json.loads(p.read_text()), schema))
        elif p.suffix in (".tf", ".tfvars") or p.name.endswith(".tfvars.json"):
            (dst / p.name).write_text(p.read_text())
    return dst
