"""Which part of flowdsl may import which: the layers, at the level of the subpackages and the
leaves, counting imports written inside functions (the cycle test's walk).

A part is a subpackage (``lang``, ``run``, ``tasks``, ``deployments``, ``testing``) or a
top-level module. Two tables: what a part may import (an allow-list, so a new arrow has to be
added here with its reason), and what may import a part at the top of the stack.
"""

from __future__ import annotations

from test_import_cycles import import_graph

SUBPACKAGES = ("lang", "run", "tasks", "deployments", "testing")
LEAVES = {"vocabulary", "atomic", "codecache", "frozen", "errors", "strict_json"}


def part(module: str) -> str:
    """``flowdsl.run.engine`` -> ``run``; ``flowdsl.validate`` -> ``validate``; ``flowdsl`` -> ``flowdsl``."""
    names = module.split(".")
    if len(names) == 1:
        return "flowdsl"
    return names[1]


# part -> (the parts it may import, why)
MAY_IMPORT: dict[str, tuple[set[str], str]] = {
    "vocabulary": (set(), "the ASL's words: every layer reads them, so they read nothing"),
    "atomic": (set(), "the one file writer, below every command that writes"),
    "codecache": ({"atomic"}, "the bytecode of the classes' __init__, below every class"),
    "frozen": (set(), "the class decorator of the model and of every record, below them all"),
    "errors": ({"frozen"}, "the error root and Diagnostic, raised by every layer"),
    "strict_json": ({"errors", "frozen"}, "the JSON reader every command and the engine share"),
    "lang": (LEAVES, "one parser per embedded language; validation and the engine both read its trees"),
    "terraform_expr": (LEAVES | {"iam", "refs"},
                       "the Module protocol and the Terraform pieces kinds and integrations share, "
                       "below the assembler"),
    "run": (LEAVES | {"lang", "refs", "states", "loader", "asl", "placeholders", "tasks"},
            "the engine runs a resolved document; run.config reads a workflow's model and compiles it "
            "to bind its tasks; never the build, Terraform, deployments, commands or the test kit"),
    "tasks": (LEAVES | {"lang", "refs", "fields", "source", "states", "iam", "placeholders", "terraform_expr"},
              "integrations are model classes with grants; Terraform text comes from terraform_expr, "
              "never the assembler; never the engine, the commands or the test kit"),
    "deployments": (LEAVES | {"refs", "source", "iam", "placeholders", "terraform_expr"},
                    "a kind is its model, its resources and its input, built from plain values; "
                    "Terraform text comes from terraform_expr, never the assembler; never the engine "
                    "(the run's values come in a LocalInput), the commands or the test kit"),
}

# part -> (the only parts that may import it, why)
IMPORTED_ONLY_BY: dict[str, tuple[set[str], str]] = {
    "cli": ({"__main__"}, "the command line is the top: nothing builds on it"),
    "cli_typer": ({"cli"}, "the typer app is reached only through the entry point"),
    "cli_verbs": ({"cli", "cli_typer"}, "the bodies of build and validate serve both parsers"),
    "pipeline": ({"cli_typer", "testing"}, "the run pipeline serves 'flowdsl run' and the test kit's run()"),
    "testing": (set(), "the test kit is for users' tests; no library module depends on it"),
    "run": ({"pipeline", "testing", "cli_typer"},
            "the engine is started by the run pipeline, the test kit and 'flowdsl run'"),
    "terraform": ({"build"}, "the assembler serves the build; kinds and integrations use terraform_expr"),
    "build": ({"cli_verbs", "graph", "pipeline"}, "a build is a command's work, never the model's"),
    "deployments": ({"flowdsl", "build", "codec", "terraform", "pipeline", "scaffold", "cli_typer",
                     "testing", "graph"},
                    "the kinds are read by the package's names, the build, the codec (their classes "
                    "are model data), the assembler, the run pipeline, the scaffold, the commands, "
                    "the test kit and the drawing (a kind's trigger)"),
}


def part_edges() -> dict[str, dict[str, set[str]]]:
    """part -> imported part -> the modules whose import makes that arrow."""
    edges: dict[str, dict[str, set[str]]] = {}
    for module, targets in import_graph().items():
        for target in targets:
            a, b = part(module), part(target)
            if a != b:
                edges.setdefault(a, {}).setdefault(b, set()).add(f"{module} -> {target}")
    return edges


def offenders(edges: dict[str, dict[str, set[str]]]) -> list[str]:
    out = []
    for a, (allowed, _) in MAY_IMPORT.items():
        for b, why in sorted(edges.get(a, {}).items()):
            if b not in allowed:
                out += sorted(why)
    for b, (importers, _) in IMPORTED_ONLY_BY.items():
        for a, targets in sorted(edges.items()):
            if b in targets and a not in importers:
                out += sorted(targets[b])
    return sorted(set(out))


def test_every_part_imports_only_what_its_layer_allows() -> None:
    assert offenders(part_edges()) == []


def test_the_tables_name_real_parts_and_give_reasons() -> None:
    parts = {part(m) for m in import_graph()}
    for table in (MAY_IMPORT, IMPORTED_ONLY_BY):
        for name, (others, why) in table.items():
            assert name in parts and others <= parts, (name, others - parts)
            assert why and why[0].islower() and len(why) > 20, name
    assert set(SUBPACKAGES) <= parts and LEAVES <= parts


def test_the_check_sees_an_arrow_up() -> None:
    edges = part_edges()
    edges.setdefault("lang", {})["validate"] = {"flowdsl.lang.jsonpath -> flowdsl.validate"}
    edges.setdefault("run", {})["build"] = {"flowdsl.run.engine -> flowdsl.build"}
    edges.setdefault("graph", {})["cli"] = {"flowdsl.graph -> flowdsl.cli"}
    found = offenders(edges)
    for arrow in ("flowdsl.lang.jsonpath -> flowdsl.validate", "flowdsl.run.engine -> flowdsl.build",
                  "flowdsl.graph -> flowdsl.cli"):
        assert arrow in found


def test_the_subpackages_say_who_may_import_them() -> None:
    import flowdsl.deployments
    import flowdsl.lang
    import flowdsl.run
    import flowdsl.tasks
    import flowdsl.testing

    for package in (flowdsl.lang, flowdsl.run, flowdsl.tasks, flowdsl.deployments, flowdsl.testing):
        assert "may import it" in (package.__doc__ or ""), package.__name__


def test_the_readme_shows_who_may_import_each_part() -> None:
    """README's "What may import what" table lists, for every part of IMPORTED_ONLY_BY, the
    same importers ("nothing of flowdsl" for none)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = text.split("What may import what", 1)[1].split("\n\n", 2)[1]
    shown: dict[str, set[str]] = {}
    for row in table.splitlines()[2:]:
        parts, _, importers = [cell.strip() for cell in row.strip("|").split("|")]
        for name in re.findall(r"`([a-z_]+)/?`", parts):
            if importers:
                shown[name] = {n.rstrip("/") for n in re.findall(r"`([a-z_/]+)`", importers)}
    assert shown == {name: importers for name, (importers, _) in IMPORTED_ONLY_BY.items()}
