"""The README's table of integrations, generated from the registry: one row per
``service:action`` that Step Functions offers (:mod:`flowdsl.tasks.offered`) or the catalog
knows, with its patterns, the IAM actions each pattern grants and its scope in words.

The actions are found by calling each integration's grants twice: with no parameters, and with
every parameter chosen by the execution (``Key.$``), so that a grant given only for a field
(ECS's ``Tags``) is listed too. ``python -m flowdsl.tasks.table`` prints the table;
``tests/test_integrations.py`` checks that the README holds it as printed.
"""

from __future__ import annotations


from flowdsl.tasks.offered import OFFERED
from flowdsl.tasks.registry import PATTERN_NAMES, Call, Context, Spec, specs

HEADER = ("| integration | pattern | actions granted | resource scope |\n"
          "|---|---|---|---|")


class _Chosen(dict):  # type: ignore[type-arg]
    """Parameters whose every key is chosen by the execution (``Key.$``)."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.endswith(".$")


RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")


def actions(name: str, spec: Spec, pattern: str) -> tuple[list[str], list[str]]:
    """The IAM actions ``spec`` grants for ``pattern``: those granted with no parameters, and
    those granted only when parameters are given; each sorted."""
    service, action = name.split(":", 1)
    passes: list[set[str] | None] = []
    for params in ({}, _Chosen()):
        call = Call(service, action, pattern, params, Context("example"))
        try:
            granted = call.derive(spec.grants)
        except Exception:  # noqa: BLE001 - a grant that needs real values shows the other pass
            passes.append(None)
            continue
        passes.append({a for statement in granted for a in statement.actions})
    bare, chosen = passes
    if bare is None:
        bare, chosen = chosen or set(), set()
    return sorted(bare), sorted((chosen or set()) - bare)


def _code(items: list[str]) -> str:
    """Actions as code; the three of a managed rule as "the rule"."""
    shown = [f"`{i}`" for i in items if i not in RULE]
    if set(RULE) <= set(items):
        shown.append("the rule")
    return ", ".join(shown) or "none"


def _actions_cell(name: str, spec: Spec) -> str:
    base, given = actions(name, spec, spec.patterns[0])
    parts = [_code(base)]
    if given:
        parts.append(f"with its fields: + {_code(given)}")
    everything = set(base) | set(given)
    for pattern in spec.patterns[1:]:
        more = set().union(*actions(name, spec, pattern))
        added, gone = sorted(more - everything), sorted(everything - more)
        if added or gone:
            change = "; ".join(filter(None, (added and "+ " + _code(added),
                                             gone and "− " + _code(gone))))
            parts.append(f"{PATTERN_NAMES[pattern]}: {change}")
    return "; ".join(parts)


def rows() -> list[str]:
    known = specs()
    out = []
    for name in sorted(set(OFFERED) | set(known)):
        spec = known.get(name)
        if spec is None:  # offered, but flowdsl has no IAM facts for it
            patterns = ", ".join(PATTERN_NAMES[p] for p in OFFERED[name])
            out.append(f"| `{name}` | {patterns} | none derived: give `permissions=` | — |")
            continue
        patterns = ", ".join(PATTERN_NAMES[p] for p in spec.patterns)
        out.append(f"| `{name}` | {patterns} | {_actions_cell(name, spec)} | {spec.scope} |")
    return out


def markdown() -> str:
    """The whole table, header included, without a trailing newline."""
    return "\n".join([HEADER, *rows()])


if __name__ == "__main__":
    print(markdown())


__all__ = ["HEADER", "actions", "markdown", "rows"]
