"""One mistake, one diagnostic: misspell any transition of a valid definition and the
validator reports exactly that transition, suggesting the state it was meant to name."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from flowdsl.errors import did_you_mean
from flowdsl.testing.strategies import asl_definitions
from flowdsl.validate import validate


def transitions(scope: dict[str, Any], path: str = "$") -> list[tuple[dict, str, str, list[str]]]:
    """(holder, key, path of the key, names of the holder's scope) for every transition."""
    found = []
    names = list(scope["States"])
    for name, state in scope["States"].items():
        spath = f"{path}.States.{name}"
        holders = [(state, spath)]
        holders += [(c, f"{spath}.Catch[{i}]") for i, c in enumerate(state.get("Catch", []))]
        holders += [(r, f"{spath}.Choices[{i}]") for i, r in enumerate(state.get("Choices", []))]
        for holder, hpath in holders:
            for key in ("Next", "Default"):
                if isinstance(holder.get(key), str):
                    found.append((holder, key, f"{hpath}.{key}", names))
        for i, branch in enumerate(state.get("Branches", [])):
            found += transitions(branch, f"{spath}.Branches[{i}]")
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                found += transitions(state[key], f"{spath}.{key}")
    return found


@given(asl_definitions(), st.data())
def test_a_misspelt_transition_is_one_diagnostic_with_the_right_suggestion(doc, data) -> None:
    doc = copy.deepcopy(doc)
    options = transitions(doc)
    assume(options)
    holder, key, path, names = data.draw(st.sampled_from(options))
    target = holder[key]
    typo = data.draw(st.sampled_from([target + "_", target[:-1] + "#" if len(target) > 1 else "#"
                                      + target, target.swapcase()]))
    everywhere = {n for _, _, _, scope in transitions(doc) for n in scope}
    assume(typo not in everywhere and did_you_mean(typo, names).name == target)
    holder[key] = typo
    found = [(d.code, d.path, d.message) for d in validate(doc)]
    assert found == [("dangling-transition", path,
                      f"there is no state named {typo!r}; did you mean {target!r}?")]
