"""Local execution engine for Amazon States Language documents (pure Python, virtual time)."""

from .clock import VirtualClock
from .engine import Execution, execute
from .errors import RunError, StatesError
from .tasks import (
    BatchTask,
    LambdaTask,
    MockConfig,
    MockedTask,
    TaskBinder,
    TaskCall,
    TaskHandler,
    load_mock_config,
)

__all__ = [
    "execute",
    "Execution",
    "MockConfig",
    "load_mock_config",
    "TaskBinder",
    "TaskCall",
    "TaskHandler",
    "MockedTask",
    "LambdaTask",
    "BatchTask",
    "VirtualClock",
    "RunError",
    "StatesError",
]
