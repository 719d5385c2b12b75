"""The batch scheduler: merging concurrent callers, OOM halving, failure isolation, packing, asyncio, close.

The merging path runs on the real SmolLM2 backend; the failure paths (OOM, a crashing runner) use small
fake runners beside it, since a real out-of-memory is neither cheap nor reproducible on a CPU.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

from rewardkit import RewardkitError
from rewardkit.engine.backends import BackendError, GenerationParams, GenerationRequest, LoglikelihoodRequest
from rewardkit.engine.scheduler import Scheduler, is_out_of_memory, pack_by_budget

WAIT = 10  # seconds a test waits for a future before calling it a hang


def one_batch(items: list) -> list[list[int]]:
    return [list(range(len(items)))]


def each_alone(items: list) -> list[list[int]]:
    return [[i] for i in range(len(items))]


class Recorder:
    """A fake runner: result = 10 * item; remembers each batch it ran."""

    def __init__(self, fail_when=None) -> None:
        self.batches: list[list] = []
        self.fail_when = fail_when
        self.lock = threading.Lock()

    def __call__(self, items: list) -> list:
        with self.lock:
            self.batches.append(list(items))
        if self.fail_when is not None:
            self.fail_when(items)
        return [10 * x for x in items]


def blocking_runner():
    """A runner that blocks until released: (runner, started event, release event)."""
    release = threading.Event()
    started = threading.Event()

    def slow(items):
        started.set()
        assert release.wait(WAIT)
        return [10 * x for x in items]

    return slow, started, release


# ------------------------------------------------------------------------------- merging, real backend


def test_concurrent_callers_share_batches_on_the_real_backend(smollm2_backend, monkeypatch) -> None:
    calls = [
        [LoglikelihoodRequest("The capital of France is", " Paris.")],
        [
            LoglikelihoodRequest("Once upon a time", " there was a fox."),
            LoglikelihoodRequest("1, 2, 3,", " 4"),
        ],
        [LoglikelihoodRequest("The capital of France is", " Berlin."), LoglikelihoodRequest("", "Hi there")],
        [LoglikelihoodRequest("Roses are red,", " violets are blue.")],
    ]
    expected = [[smollm2_backend.loglikelihood([r])[0] for r in call] for call in calls]
    scheduler = smollm2_backend.scheduler
    monkeypatch.setattr(scheduler, "max_wait", 0.5)  # long enough for every thread to arrive
    merged_before = scheduler.stats()["merged_calls"]
    barrier = threading.Barrier(len(calls))

    def call(requests):
        barrier.wait()
        return smollm2_backend.loglikelihood(requests)

    with ThreadPoolExecutor(len(calls)) as pool:
        got = list(pool.map(call, calls))
    assert scheduler.stats()["merged_calls"] > merged_before
    for want, have in zip(expected, got, strict=True):  # each caller: its own results, in its order
        assert [r.tokens for r in have] == [r.tokens for r in want]
        for a, b in zip(have, want, strict=True):
            assert max(abs(x - y) for x, y in zip(a.token_logprobs, b.token_logprobs, strict=True)) < 1e-4


def test_concurrent_callers_are_merged_and_get_their_own_results() -> None:
    runner = Recorder()
    scheduler = Scheduler("test-merge", max_wait_ms=300)
    callers = [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]]
    barrier = threading.Barrier(len(callers))

    def call(items):
        barrier.wait()
        return scheduler.run("op", items, one_batch, runner)

    try:
        with ThreadPoolExecutor(len(callers)) as pool:
            results = list(pool.map(call, callers))
    finally:
        scheduler.close()
    assert results == [[10 * x for x in items] for items in callers]
    assert scheduler.stats()["merged_calls"] >= 1
    assert any(len(b) > max(len(c) for c in callers) for b in runner.batches)  # items of several callers
    assert scheduler.stats()["items"] == sum(len(c) for c in callers)


def test_different_ops_are_never_mixed_in_one_batch() -> None:
    runner = Recorder()
    scheduler = Scheduler("test-ops", max_wait_ms=200)
    try:
        a = scheduler.submit("a", [1, 2], one_batch, runner)
        b = scheduler.submit("b", [100, 200], one_batch, runner)
        c = scheduler.submit("a", [3], one_batch, runner)
        assert a.result(WAIT) == [10, 20] and b.result(WAIT) == [1000, 2000] and c.result(WAIT) == [30]
    finally:
        scheduler.close()
    assert sorted(map(sorted, runner.batches)) == [[1, 2, 3], [100, 200]]


# ------------------------------------------------------------------------------------- failure handling


def test_out_of_memory_halves_the_batch_until_it_fits() -> None:
    def oom_above_two(items):
        if len(items) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    runner = Recorder(oom_above_two)
    scheduler = Scheduler("test-oom", max_wait_ms=300)
    try:
        first = scheduler.submit("op", [1, 2, 3, 4, 5], one_batch, runner)
        second = scheduler.submit("op", [6, 7, 8], one_batch, runner)
        assert first.result(WAIT) == [10, 20, 30, 40, 50]
        assert second.result(WAIT) == [60, 70, 80]
    finally:
        scheduler.close()
    # 8 -> 4 + 4 -> (2 + 2) + (2 + 2): three splits; every batch that ran had at most 2 items
    assert scheduler.stats()["oom_splits"] == 3
    assert [len(b) for b in runner.batches if len(b) <= 2] == [2, 2, 2, 2]
    assert scheduler.stats()["items"] == 8


def by_size(items: list) -> list[list[int]]:
    """Two micro-batches: the items under 10, then the others."""
    return [[i for i, x in enumerate(items) if x < 10], [i for i, x in enumerate(items) if x >= 10]]


def test_an_item_that_alone_runs_out_of_memory_fails_only_its_micro_batch() -> None:
    def oom_on_13(items):
        if 13 in items:
            raise RuntimeError("CUDA out of memory")

    runner = Recorder(oom_on_13)
    scheduler = Scheduler("test-oom-one", max_wait_ms=300)
    try:
        good = scheduler.submit("op", [1, 2], by_size, runner)
        bad = scheduler.submit("op", [13, 14], by_size, runner)
        assert good.result(WAIT) == [10, 20]
        with pytest.raises(RuntimeError, match="out of memory"):
            bad.result(WAIT)
    finally:
        scheduler.close()
    assert scheduler.stats()["merged_calls"] == 1
    assert scheduler.stats()["oom_splits"] == 1  # [13, 14] -> [13] (still OOM: a single item is not split)
    assert [13] in runner.batches


def test_a_failing_micro_batch_fails_only_its_callers() -> None:
    def boom_on_negative(items):
        if any(x < 0 for x in items):
            raise ValueError("cannot score a negative item")

    runner = Recorder(boom_on_negative)
    scheduler = Scheduler("test-isolate", max_wait_ms=300)
    try:
        futures = [
            scheduler.submit("op", [1, 2], each_alone, runner),
            scheduler.submit("op", [3, -1, 4], each_alone, runner),
            scheduler.submit("op", [5], each_alone, runner),
        ]
        assert futures[0].result(WAIT) == [10, 20]
        with pytest.raises(ValueError, match="negative item"):
            futures[1].result(WAIT)
        assert futures[2].result(WAIT) == [50]
        # not an OOM: no halving, and the scheduler keeps serving
        assert scheduler.stats()["oom_splits"] == 0
        assert scheduler.run("op", [7], each_alone, runner) == [70]
        runner.batches.clear()
        with pytest.raises(ValueError, match="negative item"):
            scheduler.run("op", [1, -1, 2, 3], one_batch, runner)
        assert runner.batches == [[1, -1, 2, 3]]  # tried once, not halved
    finally:
        scheduler.close()


def test_a_planner_bug_fails_the_callers_not_the_thread() -> None:
    def broken_planner(items):
        raise KeyError("bad plan")

    scheduler = Scheduler("test-planner", max_wait_ms=1)
    try:
        with pytest.raises(KeyError, match="bad plan"):
            scheduler.submit("op", [1], broken_planner, Recorder()).result(WAIT)
        assert scheduler.run("op", [2], one_batch, Recorder()) == [20]
    finally:
        scheduler.close()


def test_a_runner_returning_the_wrong_count_fails_its_callers_instead_of_killing_the_thread() -> None:
    """A runner bug (too few outputs) must become that call's exception; the scheduler thread must survive,
    or every later caller of the backend waits forever."""
    scheduler = Scheduler("test-count", max_wait_ms=1)
    quick = 3  # the runner returns at once: 3 s without an answer is a hang
    try:
        broken = scheduler.submit("op", [1, 2, 3], one_batch, lambda items: items[:-1])
        try:
            with pytest.raises(
                BackendError, match=r"^test-count: the backend returned 2 results for 3 requests$"
            ):
                broken.result(quick)
        except FutureTimeout:
            pytest.fail("the caller of a runner that returned too few results hangs")
        later = scheduler.submit("op", [4], one_batch, Recorder())
        try:
            assert later.result(quick) == [40]
        except FutureTimeout:
            pytest.fail("the scheduler thread died: a later caller hangs")
    finally:
        scheduler.close()


# ---------------------------------------------------------------------------------------------- close


def test_close_fails_pending_callers_instead_of_hanging() -> None:
    slow, started, release = blocking_runner()
    scheduler = Scheduler("test-close", max_wait_ms=1)
    running = scheduler.submit("a", [1], one_batch, slow)
    assert started.wait(WAIT)
    pending = scheduler.submit("b", [2], one_batch, Recorder())  # queued behind the running batch
    closer = threading.Thread(target=scheduler.close)
    closer.start()
    time.sleep(0.2)
    release.set()
    closer.join(WAIT)
    assert not closer.is_alive()
    assert running.result(WAIT) == [10]  # the batch in flight completes
    with pytest.raises(BackendError, match="^test-close was closed before this request ran$"):
        pending.result(WAIT)  # the queued one is failed, not left waiting (and not run after close)
    with pytest.raises(BackendError, match="^test-close is closed$"):
        scheduler.submit("a", [3], one_batch, Recorder())


def test_close_is_idempotent_and_an_empty_call_needs_no_thread() -> None:
    scheduler = Scheduler("test-idle")
    assert scheduler.run("op", [], one_batch, Recorder()) == []
    scheduler.close()
    scheduler.close()
    with pytest.raises(BackendError, match="^test-idle is closed$") as err:
        scheduler.run("op", [1], one_batch, Recorder())
    assert isinstance(err.value, RewardkitError) and isinstance(err.value, RuntimeError)


# ---------------------------------------------------------------------------------------------- asyncio


def test_arun_serves_asyncio_callers_in_order() -> None:
    runner = Recorder()
    scheduler = Scheduler("test-async", max_wait_ms=300)

    async def main():
        return await asyncio.gather(
            scheduler.arun("op", [1, 2], one_batch, runner),
            scheduler.arun("op", [3], one_batch, runner),
            scheduler.arun("op", [4, 5, 6], one_batch, runner),
        )

    try:
        assert asyncio.run(main()) == [[10, 20], [30], [40, 50, 60]]
    finally:
        scheduler.close()
    assert scheduler.stats()["merged_calls"] >= 1


def test_arun_raises_the_runner_error_in_the_event_loop() -> None:
    def boom(items):
        raise ValueError("nope")

    scheduler = Scheduler("test-async-err", max_wait_ms=1)
    try:
        with pytest.raises(ValueError, match="nope"):
            asyncio.run(scheduler.arun("op", [1], one_batch, boom))
    finally:
        scheduler.close()


# ------------------------------------------------------------------------------------------- packing


def test_pack_by_budget_examples() -> None:
    assert pack_by_budget([10, 10, 10, 10], budget=25) == [[0, 1], [2, 3]]
    assert pack_by_budget([4, 50, 4], budget=20) == [[1], [0, 2]]  # too long for the budget: alone
    assert pack_by_budget([4, 3], budget=20) == [[0], [1]]  # 1 padding token in 8 is over 10 %
    assert pack_by_budget([100, 50], budget=1000) == [[0], [1]]  # 50 rows of padding > 10 %
    assert pack_by_budget([100, 95], budget=1000) == [[0, 1]]
    assert pack_by_budget([], budget=100) == []


@pytest.mark.parametrize("seed", range(5))
def test_pack_by_budget_respects_the_budget_and_the_padding_bound(seed) -> None:
    rng = random.Random(seed)
    lengths = [rng.randint(1, 300) for _ in range(rng.randint(1, 200))]
    budget = rng.choice([64, 256, 1024, 4096])
    batches = pack_by_budget(lengths, budget)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))  # every item exactly once
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)  # longest first
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        if len(batch) > 1:
            assert len(batch) * longest <= budget
            assert sum(lengths[i] for i in batch) >= 0.9 * len(batch) * longest
        else:
            assert batch  # a lone item may exceed the budget, but no batch is empty


def test_is_out_of_memory_recognises_cuda_and_cpu_allocators() -> None:
    class OutOfMemoryError(RuntimeError):  # the name torch.cuda.OutOfMemoryError has
        pass

    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"))
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate"))
    assert is_out_of_memory(OutOfMemoryError("anything"))
    assert not is_out_of_memory(ValueError("shapes do not match"))
    assert not is_out_of_memory(RuntimeError("index out of range"))


def test_a_cancelled_caller_does_not_strand_the_others() -> None:
    """An asyncio caller that gives up cancels its future; failing or finishing it later must not kill the
    thread (InvalidStateError) and leave the next callers waiting."""
    slow, started, release = blocking_runner()
    scheduler = Scheduler("test-cancel", max_wait_ms=1)
    busy = scheduler.submit("a", [1], one_batch, slow)
    assert started.wait(WAIT)
    gave_up = scheduler.submit("b", [2], one_batch, Recorder())
    waiting = scheduler.submit("b", [3], one_batch, Recorder())
    assert gave_up.cancel()
    release.set()
    assert busy.result(WAIT) == [10]
    assert waiting.result(WAIT) == [30]  # served although its batch-mate was cancelled
    closer = threading.Thread(target=scheduler.close)
    queued = scheduler.submit("c", [4], one_batch, slow)
    queued.cancel()
    closer.start()
    closer.join(WAIT)
    assert not closer.is_alive()


@pytest.mark.parametrize("plan", [lambda items: [[0]], lambda items: [[0, 0], [1]]])
def test_a_plan_that_misses_or_repeats_a_request_fails_instead_of_hanging(plan) -> None:
    scheduler = Scheduler("test-plan", max_wait_ms=1)
    future = scheduler.submit("a", [1, 2], plan, Recorder())
    with pytest.raises(
        BackendError, match="^test-plan: the batch plan does not cover each request exactly once$"
    ):
        future.result(WAIT)
    assert scheduler.submit("a", [3], one_batch, Recorder()).result(WAIT) == [30]  # the thread lives on
    scheduler.close()


# ------------------------------------------------------------------------------------------- stats


def test_stats_show_the_queue_the_batches_and_their_sizes() -> None:
    slow, started, release = blocking_runner()
    runner = Recorder()
    scheduler = Scheduler("test-stats", max_wait_ms=1)
    try:
        fresh = scheduler.stats()
        assert fresh == {
            "queue_jobs": 0,
            "queue_items": 0,
            "runs": 0,
            "batches": 0,
            "items": 0,
            "merged_calls": 0,
            "oom_splits": 0,
            "largest_batch": 0,
            "batch_sizes": {},
            "closed": False,
        }
        busy = scheduler.submit("a", [1], one_batch, slow)
        assert started.wait(WAIT)
        queued = [
            scheduler.submit("b", [2, 3], one_batch, runner),
            scheduler.submit("b", [4], each_alone, runner),
        ]
        waiting = scheduler.stats()  # the thread is busy with "a": both "b" callers wait in the queue
        assert (waiting["queue_jobs"], waiting["queue_items"], waiting["runs"]) == (2, 3, 1)
        release.set()
        assert busy.result(WAIT) == [10]
        assert [f.result(WAIT) for f in queued] == [[20, 30], [40]]
        assert scheduler.run("c", list(range(5)), one_batch, runner) == [10 * x for x in range(5)]
        stats = scheduler.stats()
    finally:
        scheduler.close()
    # "a": one batch of 1; "b": the two callers merged, planned by the first one's planner (one batch of
    # 3); "c": one batch of 5
    assert stats["queue_jobs"] == stats["queue_items"] == 0
    assert (stats["runs"], stats["merged_calls"], stats["batches"], stats["items"]) == (3, 1, 3, 9)
    assert stats["largest_batch"] == 5 and stats["batch_sizes"] == {1: 1, 4: 1, 8: 1}
    assert scheduler.stats()["closed"] is True
    stats["batches"] = 99  # a snapshot: changing it changes nothing
    assert scheduler.stats()["batches"] == 3


def test_asyncio_generation_callers_share_batches_on_the_real_backend(smollm2_backend, monkeypatch) -> None:
    """agenerate goes through the scheduler: concurrent asyncio callers are merged without a thread each."""
    prompts = ["The capital of France is", "1, 2, 3, 4,", "Once upon a time", "def add(a, b):"]
    params = GenerationParams(max_tokens=6)
    expected = [smollm2_backend.generate([GenerationRequest(p)], params)[0].text for p in prompts]
    scheduler = smollm2_backend.scheduler
    monkeypatch.setattr(scheduler, "max_wait", 0.5)  # long enough for every task to arrive
    before = smollm2_backend.stats()["scheduler"]
    threads_before = threading.active_count()

    async def main():
        calls = [
            asyncio.ensure_future(smollm2_backend.agenerate([GenerationRequest(p)], params)) for p in prompts
        ]
        while smollm2_backend.stats()["scheduler"]["queue_jobs"] < len(prompts):  # all four are waiting
            assert not any(c.done() for c in calls)
            await asyncio.sleep(0.01)
        threads = threading.active_count()  # while every call is in flight
        return await asyncio.gather(*calls), threads

    got, threads_during = asyncio.run(main())
    after = smollm2_backend.stats()["scheduler"]
    assert [r.text for (r,) in got] == expected
    assert threads_during == threads_before  # no thread per caller: they wait on the scheduler's futures
    assert after["merged_calls"] == before["merged_calls"] + 1  # the four calls: one merged run
    assert after["runs"] == before["runs"] + 1 and after["items"] == before["items"] + len(prompts)


def scraped(labels: dict[str, str]) -> dict[tuple[str, str | None], float]:
    """The server's /metrics text (its engine part is process-wide), as {(sample name, le): value} for the
    series with these labels."""
    from prometheus_client.parser import text_string_to_metric_families

    from rewardkit.server.metrics import Metrics

    text = Metrics().render()[0].decode()
    return {
        (sample.name, sample.labels.get("le")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if {k: v for k, v in sample.labels.items() if k != "le"} == labels
    }


def test_metrics_export_the_shared_backends_scheduler_stats(smollm2_backend) -> None:
    from rewardkit.engine.backends import shared_backends

    smollm2_backend.loglikelihood([LoglikelihoodRequest("a", " b"), LoglikelihoodRequest("c", " d")])
    assert smollm2_backend in shared_backends()
    values = scraped({"backend": "transformers", "model": "smollm2"})
    # every open shared SmolLM2 backend (this session may hold several, with other options) adds up
    same = [
        b.stats()["scheduler"]
        for b in shared_backends()
        if (b.kind, b.stats()["model"]) == ("transformers", "smollm2")
    ]
    total = {key: sum(s[key] for s in same) for key in ("batches", "items", "merged_calls", "oom_splits")}
    assert total["batches"] >= 1 and total["items"] >= 2
    sizes = [bound for s in same for bound, n in s["batch_sizes"].items() for _ in range(n)]
    buckets = {
        ("rewardkit_scheduler_batch_items_bucket", f"{float(2**k)}"): float(sum(b <= 2**k for b in sizes))
        for k in range(14)  # 1 ... 8192
    }
    assert values == {
        ("rewardkit_scheduler_queue_jobs", None): 0.0,
        **{(f"rewardkit_scheduler_{key}_total", None): float(n) for key, n in total.items()},
        **buckets,
        ("rewardkit_scheduler_batch_items_bucket", "+Inf"): float(total["batches"]),
        ("rewardkit_scheduler_batch_items_count", None): float(total["batches"]),
        ("rewardkit_scheduler_batch_items_sum", None): float(total["items"]),
    }
