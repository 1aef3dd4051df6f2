"""``dir()`` and ``import *`` show every public name of ``flowdsl`` and ``flowdsl.testing``,
the ones that load on first use included, without loading them."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import flowdsl
import flowdsl.testing
from flowdsl.testing import kit


def _fresh(code: str) -> Any:
    """What ``code`` prints (as JSON) in a new interpreter."""
    out = subprocess.run([sys.executable, "-c", "import json, sys\n" + code],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_dir_of_flowdsl_lists_all_of_its_names_before_any_loads() -> None:
    names, all_, loaded = _fresh(
        "import flowdsl\nnames = dir(flowdsl)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('flowdsl.deployments.event', "
        "'flowdsl.deployments.scheduled', 'flowdsl.tasks.glue', 'flowdsl.tasks.sqs')))\n"
        "print(json.dumps([names, flowdsl.__all__, loaded]))")
    assert loaded == []  # listing the names imports nothing
    assert set(all_) <= set(names), set(all_) - set(names)
    assert "__all__" in names
    assert {"EventJob", "ScheduledJob", "StateMachine", "GlueJob", "SqsSendMessage", "SdkCall",
            "Workflow", "Retry", "string_equals"} <= set(all_)


def test_all_of_flowdsl_holds_every_deployment_kind_and_typed_task() -> None:
    from flowdsl.deployments import kinds
    from flowdsl.states import _TaskBase
    from flowdsl.tasks import INTEGRATIONS, load_all

    load_all()
    public = set(flowdsl.__all__)
    classes = [cls for cls, _ in kinds()] + [c for c in INTEGRATIONS if issubclass(c, _TaskBase)]
    flowdsl_own = [c for c in classes if c.__module__.startswith("flowdsl.")]
    assert flowdsl_own
    missing = [c.__name__ for c in flowdsl_own if c.__name__ not in public]
    assert not missing, f"not exported by flowdsl: {missing}"


def test_star_import_of_flowdsl_binds_every_name() -> None:
    bound, all_ = _fresh("names = {}\nexec('from flowdsl import *', names)\nimport flowdsl\n"
                         "print(json.dumps([sorted(n for n in names if n != '__builtins__'), "
                         "flowdsl.__all__]))")
    assert sorted(all_) == bound


def test_the_testing_package_offers_the_kits_names() -> None:
    assert sorted(flowdsl.testing.__all__) == sorted(kit.__all__)
    assert set(kit.__all__) <= set(dir(flowdsl.testing))
    names: dict[str, Any] = {}
    exec("from flowdsl.testing import *", names)
    assert {n: names[n] for n in kit.__all__} == {n: getattr(kit, n) for n in kit.__all__}


def test_dir_of_the_testing_package_loads_nothing() -> None:
    names, loaded = _fresh("import flowdsl.testing as t\nnames = dir(t)\n"
                           "print(json.dumps([names, sorted(m for m in sys.modules "
                           "if m.startswith(('flowdsl.testing.', 'flowdsl.run')))]))")
    assert {"run", "throw", "returns", "RunResult", "mock_handler"} <= set(names)
    assert loaded == []
