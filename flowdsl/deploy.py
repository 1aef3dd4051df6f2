"""Deployment kinds, re-exported from :mod:`flowdsl.deployments` (one module per kind)."""

from flowdsl.deployments import (Deployment, EventJob, EventPattern, InputTransformer, Logging,
                                 OnDemandJob, Pipe, Queue, S3ObjectCreated, ScheduledJob,
                                 ScheduleRetry, StateMachine)

__all__ = ["Deployment", "EventJob", "EventPattern", "InputTransformer", "Logging", "OnDemandJob",
           "Pipe", "Queue", "S3ObjectCreated", "ScheduleRetry", "ScheduledJob", "StateMachine"]
