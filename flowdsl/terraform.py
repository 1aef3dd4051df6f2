"""Placeholder replaced below."""
from typing import Any


def check_deployment(workflow: Any, compiled: Any) -> list:
    return []


def module_files(workflow: Any, compiled: Any) -> dict[str, str]:
    return {}
