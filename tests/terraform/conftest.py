"""Terraform tests of flowdsl: harness in ``tests/harness`` (importable as ``harness``)."""

import sys
from pathlib import Path

import pytest

_TESTS_DIR = Path(__file__).resolve().parent.parent
if str(_TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(_TESTS_DIR))

from harness.fixtures import moto, terraform_env  # noqa: E402,F401  (fixtures)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "terraform: slow Terraform lifecycle test against the moto server (runs by default; "
        "deselect with -m 'not terraform')",
    )


@pytest.fixture
def fresh_moto(moto):  # noqa: F811  (the session fixture of that name)
    """The session moto server, wiped (POST /moto-api/reset) so names/revisions start at 1."""
    moto.reset()
    yield moto
