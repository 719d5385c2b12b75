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
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

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
    """The process's worker pools and shared model backends, read at scrape time through their public
    ``stats()``: queue depths, busy workers, restarts, model batches and their sizes, how many scheduler
    runs merged several callers' requests, and an HTTP backend's requests, retries and failures."""

    def collect(self) -> Iterator[Any]:
        from rewardkit.engine.backends import shared_backends
        from rewardkit.engine.pool import shared_pools

        yield from _pool_metrics([pool.stats() for pool in shared_pools()])
        yield from _backend_metrics([backend.stats() for backend in shared_backends()])


def _pool_metrics(pools: list[dict[str, Any]]) -> Iterator[Any]:
    labels = ["workers"]
    queue = GaugeMetricFamily("rewardkit_pool_queue_items", "items waiting for a pool worker", labels=labels)
    busy = GaugeMetricFamily("rewardkit_pool_busy_workers", "pool workers running items", labels=labels)
    counts = {
        key: CounterMetricFamily(f"rewardkit_pool_{key}", f"worker pool {key}", labels=labels)
        for key in ("tasks", "timeouts", "crashes", "restarts")
    }
    for stats in pools:
        key = [str(stats["workers"])]
        queue.add_metric(key, stats["queue"])
        busy.add_metric(key, stats["busy"])
        for name, family in counts.items():
            family.add_metric(key, stats[name])
    yield queue
    yield busy
    yield from counts.values()


def _backend_metrics(backends: list[dict[str, Any]]) -> Iterator[Any]:
    labels = ["backend", "model"]
    jobs = GaugeMetricFamily(
        "rewardkit_scheduler_queue_jobs", "callers waiting for a model batch", labels=labels
    )
    counts = {
        key: CounterMetricFamily(f"rewardkit_scheduler_{key}", f"model scheduler {key}", labels=labels)
        for key in ("batches", "items", "merged_calls", "oom_splits")
    }
    sizes = HistogramMetricFamily(
        "rewardkit_scheduler_batch_items", "items per model micro-batch", labels=labels
    )
    in_flight = GaugeMetricFamily(
        "rewardkit_backend_http_in_flight", "HTTP requests holding a concurrency slot", labels=labels
    )
    http = {
        key: CounterMetricFamily(f"rewardkit_backend_http_{key}", f"HTTP backend {what}", labels=labels)
        for key, what in (
            ("requests", "requests sent (retries included)"),
            ("retries", "requests sent again after a connection error, timeout, 429 or 5xx"),
            ("failures", "requests that failed for good"),
        )
    }
    for (kind, model), parts in _per_model(backends).items():
        key = [kind, model]
        scheduler = parts.get("scheduler")
        if scheduler is not None:
            jobs.add_metric(key, scheduler["queue_jobs"])
            for name, family in counts.items():
                family.add_metric(key, scheduler[name])
            sizes.add_metric(key, _buckets(scheduler["batch_sizes"]), scheduler["items"])
        client = parts.get("http")
        if client is not None:
            in_flight.add_metric(key, client["in_flight"])
            for name, family in http.items():
                family.add_metric(key, client[name])
    yield jobs
    yield from counts.values()
    yield sizes
    yield in_flight
    yield from http.values()


SUMMED = {
    "scheduler": ("queue_jobs", "batches", "items", "merged_calls", "oom_splits"),
    "http": ("in_flight", "requests", "retries", "failures"),
}


def _per_model(backends: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """One entry per (kind, model): backends of one model with different options (dtype, window...) are
    summed, so no series appears twice in a scrape."""
    merged: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for stats in backends:
        parts = merged.setdefault((str(stats.get("kind", "")), str(stats.get("model", ""))), {})
        for part, keys in SUMMED.items():
            if stats.get(part) is None:
                continue
            into = parts.setdefault(part, {key: 0 for key in keys} | {"batch_sizes": {}})
            for key in keys:
                into[key] += stats[part][key]
            for bound, n in stats[part].get("batch_sizes", {}).items():
                into["batch_sizes"][bound] = into["batch_sizes"].get(bound, 0) + n
    return merged


def _buckets(counts: dict[int, int]) -> list[tuple[str, float]]:
    """Cumulative histogram buckets on BATCH_BUCKETS from ``{power-of-two upper bound: count}``."""
    out, total = [], 0
    for bound in BATCH_BUCKETS:
        total += counts.get(bound, 0)
        out.append((str(float(bound)), total))
    out.append(("+Inf", sum(counts.values())))
    return out


__all__ = ["Metrics"]
