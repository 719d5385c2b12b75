"""How work runs: the killable worker pool for CPU verifiers (inference backends and the batch scheduler
join it here)."""

from rewardkit.engine.pool import (
    TaskError,
    TaskTimeout,
    WorkerCrashed,
    WorkerPool,
    get_pool,
    outcome_to_score,
    shared_pools,
)

__all__ = [
    "TaskError",
    "TaskTimeout",
    "WorkerCrashed",
    "WorkerPool",
    "get_pool",
    "outcome_to_score",
    "shared_pools",
]
