"""The bytecode cache of the ``__init__`` methods attrs writes for flowdsl's classes
(flowdsl.codecache): what is reused, what is compiled, when the file is written, and that a
command run from a warm cache gives the same output."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attr._make
import attrs
import pytest

from flowdsl import codecache

ROOT = Path(__file__).resolve().parents[1]
OWNER = f"{__name__}."


def _point(extra: bool = False) -> type:
    """A class named ``Point`` of this module, made now (with one more field when ``extra``)."""
    ns: dict[str, Any] = {"__module__": __name__, "__qualname__": "Point",
                          "__annotations__": {"x": "int", "y": "int"},
                          "y": attrs.field(default=2, converter=int, validator=attrs.validators.ge(0))}
    if extra:
        ns["__annotations__"]["z"] = "str"
        ns["z"] = "z"
    return attrs.frozen(type("Point", (), ns))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> codecache.CodeCache:
    made = codecache.CodeCache(tmp_path / "__pycache__" / "codes.bin", owner=OWNER)
    monkeypatch.setattr(attr._make, "compile", made.compile)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return made


def test_a_class_made_again_reuses_the_code_and_behaves_the_same(cache: codecache.CodeCache,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = _point()
    assert (cache.compiled, cache.reused) == (1, 0)
    cache.save()
    again = codecache.CodeCache(cache.path, owner=OWNER)
    monkeypatch.setattr(attr._make, "compile", again.compile)
    second = _point()
    assert (again.compiled, again.reused) == (0, 1)
    for cls in (first, second):
        p = cls(1, "5")  # the converter and the default are the class's own
        assert (p.x, p.y) == (1, 5) and cls(3).y == 2
        with pytest.raises(ValueError):
            cls(1, -1)  # the validator runs
        with pytest.raises(TypeError):
            cls()  # x is required


def test_a_changed_class_is_compiled_and_replaces_its_entry(cache: codecache.CodeCache) -> None:
    _point()
    _point(extra=True)
    assert cache.compiled == 2
    cache.save()
    stored = marshal.loads(cache.path.read_bytes())
    # attrs names the second script Point-1 (a different one of its name was made earlier)
    assert [k.partition("\0")[0] for k in stored] == [f"<attrs generated methods {__name__}.Point-1>"]
    assert "_setattr('z', z)" in next(iter(stored))  # the newer script


def test_another_librarys_classes_go_through_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = codecache.CodeCache(tmp_path / "codes.bin", owner="someone_else.")
    monkeypatch.setattr(attr._make, "compile", other.compile)
    assert _point()(1).x == 1
    assert (other.compiled, other.reused) == (0, 0)
    other.save()
    assert not other.path.exists()  # nothing of its own to keep


@pytest.mark.parametrize("content", [b"", b"not marshal data", marshal.dumps([1, 2]),
                                     marshal.dumps({"k": 3, 4: "v"})])
def test_a_damaged_cache_file_is_passed_over(cache: codecache.CodeCache, content: bytes) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(content)
    assert _point()(1, 2).y == 2
    assert (cache.compiled, cache.reused) == (1, 0)


def test_nothing_is_written_when_bytecode_is_not_to_be(cache: codecache.CodeCache,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _point()
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache.save()
    assert not cache.path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_a_read_only_folder_is_no_error(cache: codecache.CodeCache) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.parent.chmod(0o500)
    try:
        _point()
        cache.save()
        assert not cache.path.exists()
    finally:
        cache.path.parent.chmod(0o700)


def test_the_file_follows_pythons_pycache_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = ROOT / "flowdsl"
    monkeypatch.setattr(sys, "pycache_prefix", None)
    plain = codecache.cache_file(package)
    assert plain.parent == package / "__pycache__" and sys.implementation.cache_tag in plain.name
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path))
    assert codecache.cache_file(package) == tmp_path / package.relative_to("/") / plain.name


def _fresh(code: str, prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_a_second_start_compiles_none_of_the_packages_classes(tmp_path: Path) -> None:
    probe = "import json, flowdsl, flowdsl.codecache as c; print(json.dumps(c.stats()))"
    counts = []
    for _ in range(2):
        done = _fresh(probe, tmp_path)
        assert done.returncode == 0, done.stderr
        counts.append(json.loads(done.stdout))
    (compiled, reused), (compiled_again, reused_again) = counts
    assert compiled > 40 and reused == 0  # the model, the records, the two integrations
    assert (compiled_again, reused_again) == (0, compiled)
    assert list(tmp_path.rglob("attrs-methods.*.bin"))  # under the prefix, not in the checkout


def test_a_build_from_a_warm_cache_is_the_committed_output(tmp_path: Path) -> None:
    build = ("import sys; sys.argv = ['flowdsl', *sys.argv[1:]]\n"
             "from flowdsl.cli import main\nmain()\n")
    args = ("build", "--check", "workflows/fibonacci.py", "workflows/nightly.py")
    for _ in range(2):  # the first run fills the cache, the second uses it
        done = _fresh(build, tmp_path, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "up to date" in done.stdout + done.stderr
