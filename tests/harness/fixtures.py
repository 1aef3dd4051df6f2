"""pytest fixtures of the harness; import them into a conftest with ``from harness.fixtures import *``."""

from __future__ import annotations

import pytest

from .moto_server import MotoEndpoint, moto_server as _moto_server
from .terraform import provider_mirror, terraform_binary

__all__ = ["moto", "terraform_env"]


@pytest.fixture(scope="session")
def terraform_env() -> dict:
    """{'terraform': <binary>, 'mirror': <plugin dir>}; fails (never skips) when unavailable."""
    return {"terraform": terraform_binary(), "mirror": provider_mirror()}


@pytest.fixture(scope="session")
def moto(terraform_env) -> MotoEndpoint:
    """One patched moto server per session (127.0.0.1, free port).

    Tests must not rely on an empty account: the lifecycle helper diffs inventories instead.
    """
    with _moto_server() as ep:
        yield ep
