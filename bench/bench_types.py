"""The typed data-flow check's cost: on fibonacci's build (in process, and the whole CLI
process), and on large generated workflows (linear in the number of states).

Run: python bench/bench_types.py   (prints markdown tables; figures go into README.md)
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_compile import block  # noqa: E402

from flowdsl import Succeed, Workflow  # noqa: E402
from flowdsl.asl import compile_workflow  # noqa: E402
from flowdsl.build import build, check  # noqa: E402
from flowdsl.deployments import kind_of  # noqa: E402
from flowdsl.loader import load_workflows  # noqa: E402
from flowdsl.states import iter_states  # noqa: E402
from flowdsl.typeflow import analyse  # noqa: E402

INPUT = {"type": "object", "additionalProperties": False, "required": ["id", "kind", "n", "items"],
         "properties": {"id": {"type": "string"}, "kind": {"type": "string"}, "n": {"type": "integer"},
                        "items": {"type": "array", "items": {"type": "object"}}}}


def best(fn, rounds: int = 5, inner: int = 1) -> float:
    """The best of ``rounds`` CPU times (the machine may be shared: CPU time is what the
    process spent, whatever else runs)."""
    times = []
    for _ in range(rounds):
        t = time.process_time()
        for _ in range(inner):
            fn()
        times.append((time.process_time() - t) / inner)
    return min(times)


def undeclared(workflow: Workflow) -> Workflow:
    """The same workflow without its shapes (the ASL is the same)."""
    states = {id(st): st for st in iter_states(workflow.states)}
    assert states
    plain = attrs.evolve(workflow, input=None)

    def strip(item):
        if hasattr(item, "returns") and item.returns is not None:
            return attrs.evolve(item, returns=None)
        return item

    def walk(items):
        return tuple(walk_one(i) for i in items)

    def walk_one(item):
        item = strip(item)
        if hasattr(item, "branches"):
            item = attrs.evolve(item, branches=[attrs.evolve(b, states=walk(b.states)) for b in item.branches])
        catch = getattr(item, "catch", ())
        if catch:
            item = attrs.evolve(item, catch=[attrs.evolve(c, next=walk_one(c.next) if not isinstance(c.next, (str, tuple))
                                                          else c.next) for c in catch])
        return item

    return attrs.evolve(plain, states=walk(plain.states))


def fibonacci_in_process() -> None:
    typed = load_workflows(str(ROOT / "workflows" / "fibonacci.py"))["fibonacci"]
    plain = undeclared(typed)
    assert build(typed).files == build(plain).files  # shapes do not change the output
    check(typed)  # the check's modules loaded once, as in a build
    compiled = compile_workflow(typed)
    kind = kind_of(typed.deployment)
    rounds: dict[str, list[float]] = {"plain": [], "typed": [], "check": []}
    for _ in range(21):  # the three take turns, so a busy moment of the machine hits them alike
        rounds["plain"].append(best(lambda: build(plain), rounds=1, inner=20))
        rounds["typed"].append(best(lambda: build(typed), rounds=1, inner=20))
        rounds["check"].append(best(lambda: analyse(typed, compiled, kind), rounds=1, inner=20))
    t_plain, t_typed, t_check = (min(rounds[k]) for k in ("plain", "typed", "check"))
    print("| fibonacci, in process (best of 21 rounds of 20, CPU time) | time |")
    print("|---|---:|")
    print(f"| build, no shapes declared | {t_plain * 1e3:.2f} ms |")
    print(f"| build, shapes declared | {t_typed * 1e3:.2f} ms |")
    print(f"| of which the check | {t_check * 1e3:.2f} ms |")
    print(f"| added | {(t_typed / t_plain - 1) * 100:.0f} % |")
    print()


def fibonacci_cli(runs: int = 21) -> None:
    """Whole-process `flowdsl build`: the workflow as committed, and a copy without shapes."""
    text = (ROOT / "workflows" / "fibonacci.py").read_text()
    plain_text = text.replace("    input=Request,", "    input=None,").replace(" returns=HandlerSummary,", "")
    assert plain_text != text
    with tempfile.TemporaryDirectory() as tmp:
        plain_file = Path(tmp) / "fibonacci.py"
        plain_file.write_text(plain_text)
        commands = {
            "shapes declared": [sys.executable, "-m", "flowdsl", "build", "workflows/fibonacci.py", "--out", f"{tmp}/a"],
            "no shapes": [sys.executable, "-m", "flowdsl", "build", str(plain_file), "--out", f"{tmp}/b"],
        }
        wall: dict[str, list[float]] = {k: [] for k in commands}
        cpu: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(runs):
            for key, cmd in commands.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
                wall[key].append(time.perf_counter() - t)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[key].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    w = {k: statistics.median(v) for k, v in wall.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"| `flowdsl build workflows/fibonacci.py`, median of {runs} | wall time | CPU time |")
    print("|---|---:|---:|")
    for key in commands:
        print(f"| {key} | {w[key] * 1e3:.0f} ms | {c[key] * 1e3:.0f} ms |")
    print(f"| added | {(w['shapes declared'] / w['no shapes'] - 1) * 100:.0f} % "
          f"| {(c['shapes declared'] / c['no shapes'] - 1) * 100:.0f} % |")
    print()


def generated(states: int) -> Workflow:
    items: list = []
    for i in range(max(1, states // 10)):
        items += block(f"B{i}")
    return Workflow(f"typed{states}", states=items + [Succeed("Done")], input=INPUT)


def scaling() -> None:
    """The check as the build runs it: ``check`` of the workflow with its input declared, less
    ``check`` of the same workflow without (compile, validate and the rest are the same)."""
    print("| states | check, no shapes | check, shapes declared | the data-flow check | per state |")
    print("|---:|---:|---:|---:|---:|")
    per = {}
    for n in (1_000, 10_000, 20_000):
        typed = generated(n)
        plain = attrs.evolve(typed, input=None)
        assert [d.code for d in check(typed)[1]] == [d.code for d in check(plain)[1]]  # none of its own
        t_plain = best(lambda: check(plain), rounds=3)
        t_typed = best(lambda: check(typed), rounds=3)
        per[n] = t_typed - t_plain
        print(f"| {n + 1:,} | {t_plain:.3f} s | {t_typed:.3f} s | {per[n]:.3f} s | "
              f"{per[n] / (n + 1) * 1e6:.1f} µs |")
    print()
    print(f"the check: 20,000 / 10,000 states = {per[20_000] / per[10_000]:.2f}× the time")


if __name__ == "__main__":
    fibonacci_in_process()
    fibonacci_cli()
    scaling()
