"""The batch scheduler: one thread per backend that merges requests from concurrent callers.

Callers (threads, asyncio tasks, server requests) hand over a list of items and wait. The scheduler
thread collects what arrives within ``max_wait_ms``, asks the backend to plan micro-batches over all of
it (token budget, length sorting, prompt sharing: the backend knows its tokens), runs them one by one,
halves a micro-batch that runs out of memory, and hands every caller its own results in its own order.
A failure in one micro-batch fails only the callers whose items were in it. The scheduler's own failures
(closed, a plan or runner that breaks its contract) are BackendErrors.

:meth:`Scheduler.stats` is the public read-only view for monitoring (queue depth, batches run, batch
sizes, merged calls, out-of-memory splits).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

from rewardkit.errors import BackendError

Planner = Callable[[list[Any]], list[list[int]]]
Runner = Callable[[list[Any]], list[Any]]


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA OOM, or the CPU allocator refusing a tensor."""
    name = type(exc).__name__
    text = str(exc).lower()
    return name == "OutOfMemoryError" or "out of memory" in text or "can't allocate memory" in text


def pack_by_budget(lengths: Sequence[int], budget: int, max_pad_fraction: float = 0.1) -> list[list[int]]:
    """Micro-batches of indices, longest first, each under ``budget`` padded tokens (rows x longest).

    An item joins the current batch only while the batch stays mostly real tokens (padding at most
    ``max_pad_fraction``); an item longer than the budget gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    longest = real = 0
    for i in order:
        n = lengths[i]
        if current:
            rows = len(current) + 1
            fits = rows * longest <= budget and (real + n) >= (1 - max_pad_fraction) * rows * longest
            if fits:
                current.append(i)
                real += n
                continue
            batches.append(current)
        current, longest, real = [i], n, n
    if current:
        batches.append(current)
    return batches


@dataclass
class _Job:
    op: Hashable
    items: list[Any]
    planner: Planner
    runner: Runner
    future: Future = field(default_factory=Future)
    results: list[Any] = field(default_factory=list)
    pending: int = 0

    def __post_init__(self) -> None:
        self.results = [None] * len(self.items)
        self.pending = len(self.items)


class Scheduler:
    """Merges concurrent callers' items into shared micro-batches (see the module docstring)."""

    def __init__(self, name: str = "rewardkit-scheduler", max_wait_ms: float = 2.0) -> None:
        self.name = name
        self.max_wait = max_wait_ms / 1000
        self._jobs: list[_Job] = []
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        # written by the scheduler thread only; read through stats()
        self._counts = {"runs": 0, "batches": 0, "items": 0, "merged_calls": 0, "oom_splits": 0}
        self._batch_sizes: dict[int, int] = {}  # power-of-two upper bound -> micro-batches that ran
        self._largest = 0

    # -- callers ------------------------------------------------------------------------------------

    def submit(self, op: Hashable, items: Sequence[Any], planner: Planner, runner: Runner) -> Future:
        """Queue ``items``; the future resolves to their results, in order."""
        job = _Job(op, list(items), planner, runner)
        if not job.items:
            job.future.set_result([])
            return job.future
        with self._cv:
            if self._closed:
                raise BackendError(f"{self.name} is closed")
            self._jobs.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            self._cv.notify()
        return job.future

    def run(self, op: Hashable, items: Sequence[Any], planner: Planner, runner: Runner) -> list[Any]:
        return self.submit(op, items, planner, runner).result()

    async def arun(self, op: Hashable, items: Sequence[Any], planner: Planner, runner: Runner) -> list[Any]:
        return await asyncio.wrap_future(self.submit(op, items, planner, runner))

    def stats(self) -> dict[str, Any]:
        """A snapshot for monitoring:

        - ``queue_jobs`` / ``queue_items``: callers (and their items) waiting for a batch;
        - ``runs``: rounds the scheduler thread served (each takes every waiting caller of one op);
        - ``merged_calls``: rounds that merged several callers' items;
        - ``batches`` / ``items``: micro-batches run and the items in them (``items / batches`` is the
          mean batch size), ``largest_batch``;
        - ``batch_sizes``: ``{upper bound: micro-batches}``, bounds 1, 2, 4, 8, ... (a batch of 5 counts
          under 8);
        - ``oom_splits``: micro-batches halved after running out of memory;
        - ``closed``.
        """
        with self._cv:
            queue_jobs = len(self._jobs)
            queue_items = sum(len(job.items) for job in self._jobs)
            closed = self._closed
        return {
            "queue_jobs": queue_jobs,
            "queue_items": queue_items,
            **self._counts,
            "largest_batch": self._largest,
            "batch_sizes": dict(sorted(self._batch_sizes.items())),
            "closed": closed,
        }

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=60)

    # -- the scheduler thread -----------------------------------------------------------------------

    def _take(self) -> list[_Job] | None:
        """Wait for work, give late callers ``max_wait`` to join, then take every job of the first op."""
        with self._cv:
            while not self._jobs and not self._closed:
                self._cv.wait()
            if self._closed or not self._jobs:
                return None
            deadline = time.monotonic() + self.max_wait
            while not self._closed and (left := deadline - time.monotonic()) > 0:
                self._cv.wait(timeout=left)
            if self._closed:
                return None
            op = self._jobs[0].op
            taken = [j for j in self._jobs if j.op == op]
            self._jobs = [j for j in self._jobs if j.op != op]
            return taken

    def _loop(self) -> None:
        while (jobs := self._take()) is not None:
            try:
                self._serve(jobs)
            except BaseException as exc:  # a bug here must fail these callers, never strand them
                for job in jobs:
                    _fail(job, exc)
        with self._cv:  # closed: fail whatever is left rather than leave callers waiting
            leftover, self._jobs = self._jobs, []
        for job in leftover:
            _fail(job, BackendError(f"{self.name} was closed before this request ran"))

    def _serve(self, jobs: list[_Job]) -> None:
        flat: list[tuple[_Job, int]] = [(job, i) for job in jobs for i in range(len(job.items))]
        items = [job.items[i] for job, i in flat]
        self._counts["runs"] += 1
        self._counts["merged_calls"] += len(jobs) > 1
        try:
            plan = jobs[0].planner(items)
            if sorted(k for batch in plan for k in batch) != list(range(len(items))):
                raise BackendError(f"{self.name}: the batch plan does not cover each request exactly once")
        except BaseException as exc:  # a planning bug fails these callers, not the thread
            for job in jobs:
                _fail(job, exc)
            return
        runner = jobs[0].runner
        for batch in plan:
            live = [k for k in batch if not flat[k][0].future.done()]
            if not live:
                continue
            try:
                outputs = self._run_halving(runner, [items[k] for k in live])
                if len(outputs) != len(live):
                    raise BackendError(
                        f"{self.name}: the backend returned {len(outputs)} results for {len(live)} requests"
                    )
            except BaseException as exc:
                for k in live:
                    _fail(flat[k][0], exc)
                continue
            self._count_batch(len(live))
            for k, out in zip(live, outputs, strict=True):
                job, i = flat[k]
                job.results[i] = out
                job.pending -= 1
                if job.pending == 0 and not job.future.done():
                    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                        job.future.set_result(job.results)

    def _run_halving(self, runner: Runner, items: list[Any]) -> list[Any]:
        try:
            return runner(items)
        except Exception as exc:
            if len(items) < 2 or not is_out_of_memory(exc):
                raise
        self._counts["oom_splits"] += 1
        _free_accelerator_memory()
        half = len(items) // 2
        return self._run_halving(runner, items[:half]) + self._run_halving(runner, items[half:])

    def _count_batch(self, size: int) -> None:
        self._counts["batches"] += 1
        self._counts["items"] += size
        self._largest = max(self._largest, size)
        bound = 1 << max(size - 1, 0).bit_length()  # the power of two at or above size
        self._batch_sizes[bound] = self._batch_sizes.get(bound, 0) + 1


def _fail(job: _Job, exc: BaseException) -> None:
    """Fail a caller unless it already finished or was cancelled (an asyncio caller that gave up)."""
    if not job.future.done():
        with contextlib.suppress(InvalidStateError):
            job.future.set_exception(exc)


def _free_accelerator_memory() -> None:
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # no torch, or no accelerator: nothing to free
        pass


__all__ = ["Scheduler", "is_out_of_memory", "pack_by_budget"]
