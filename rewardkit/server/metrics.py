"""Prometheus metrics of one server app (its own registry, so several apps in a process never mix)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.latency = Histogram(
            "rewardkit_request_duration_seconds",
            "HTTP request latency by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            "rewardkit_requests",
            "HTTP requests by endpoint and status code",
            ["endpoint", "code"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "rewardkit_requests_in_flight", "HTTP requests being handled", registry=registry
        )
        self.batch_size = Histogram(
            "rewardkit_batch_samples",
            "samples per scoring request, by spec",
            ["spec"],
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.queue = Gauge(
            "rewardkit_queue_samples", "samples accepted by the server and not yet scored", registry=registry
        )
        self.scores = Counter(
            "rewardkit_scores", "scores by spec and status", ["spec", "status"], registry=registry
        )
        registry.register(EngineCollector())

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class EngineCollector:
    """The process's worker pools and model schedulers, read at scrape time: queue depth, restarts,
    and how many scheduler runs merged several callers' requests."""

    def collect(self) -> Iterator[Any]:
        from rewardkit.engine import pool as pool_module
        from rewardkit.engine.backends import _INSTANCES

        pool_queue = GaugeMetricFamily(
            "rewardkit_pool_queue_items", "items waiting for a pool worker", labels=["workers"]
        )
        pool_counts = {
            key: CounterMetricFamily(f"rewardkit_pool_{key}", f"worker pool {key}", labels=["workers"])
            for key in ("tasks", "timeouts", "crashes", "restarts")
        }
        for workers, pool in list(pool_module._SHARED.items()):
            pool_queue.add_metric([str(workers)], len(pool._queue))
            stats = pool.stats
            for key, family in pool_counts.items():
                family.add_metric([str(workers)], stats.get(key, 0))
        yield pool_queue
        yield from pool_counts.values()

        labels = ["backend", "model"]
        jobs = GaugeMetricFamily(
            "rewardkit_scheduler_queue_jobs", "callers waiting for a model batch", labels=labels
        )
        counts = {
            key: CounterMetricFamily(f"rewardkit_scheduler_{key}", f"model scheduler {key}", labels=labels)
            for key in ("batches", "items", "merged_calls", "oom_splits")
        }
        for backend in list(_INSTANCES.values()):
            scheduler = getattr(backend, "scheduler", None)
            if scheduler is None:
                continue
            key = [getattr(backend, "kind", "") or type(backend).__name__, str(backend.config.model)]
            jobs.add_metric(key, len(getattr(scheduler, "_jobs", ())))
            for name, family in counts.items():
                family.add_metric(key, scheduler.stats.get(name, 0))
        yield jobs
        yield from counts.values()


__all__ = ["Metrics"]
