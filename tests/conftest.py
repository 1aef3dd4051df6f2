"""Shared test settings: hypothesis profiles and where the shared corpora live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from locations import SHARED

# jsonata-python raises the recursion limit when imported; import it before Hypothesis runs a
# test, so Hypothesis does not warn that the limit changed under it.
import jsonata  # noqa: E402,F401

# HYPOTHESIS_PROFILE: "dev" (default) for quick feedback, "ci" for more examples and no local
# example database. Every failure prints a @reproduce_failure blob to replay it.
_COMMON = dict(print_blob=True, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("ci", max_examples=150, database=None, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared corpora are missing: expected them at {SHARED}")
    return SHARED
