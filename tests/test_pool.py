"""The killable worker pool, with real processes: deadlines, crashes, memory caps, threads, asyncio, cleanup.

Tests never assert on speed; the only time bounds are generous ones proving a call came back soon after
its deadline instead of hanging.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # workers import the helpers by module name

import _pool_helpers as h  # noqa: E402

from rewardkit.engine.pool import (  # noqa: E402
    TaskError,
    TaskTimeout,
    WorkerCrashed,
    WorkerPool,
    get_pool,
    outcome_to_score,
    shared_pools,
)
from rewardkit.errors import RewardkitError  # noqa: E402
from rewardkit.types import Score, Status  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, preload=()) as p:
        yield p


def gone(pids, within=10.0):
    """True once none of the pids is a live process (zombies count as gone)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


def test_map_keeps_order(pool):
    assert pool.map(h.square, range(1000), timeout=10) == [i * i for i in range(1000)]
    assert pool.map(h.square, [], timeout=10) == []
    assert pool.size == 2


def test_sleeping_item_times_out_and_the_rest_completes(pool):
    items = [("ok", 0), ("sleep", 3600), *[("ok", i) for i in range(2, 40)]]
    start = time.monotonic()
    out = pool.map(h.act, items, timeout=1)
    assert time.monotonic() - start < 15
    assert isinstance(out[1], TaskTimeout) and "1s deadline" in str(out[1])
    assert out[:1] + out[2:] == [0, *range(2, 40)]
    assert pool.map(h.square, range(50), timeout=10) == [i * i for i in range(50)]  # still serving


def test_c_level_hang_times_out(pool):
    start = time.monotonic()
    out = pool.map(h.act, [("ok", 1), ("bigpow", 10**10), ("ok", 3)], timeout=1)
    assert time.monotonic() - start < 15
    assert out[0] == 1 and out[2] == 3
    assert isinstance(out[1], TaskTimeout)


@pytest.mark.parametrize(("item", "why"), [(("exit", 1), "exit code 1"), (("sigkill", 0), "SIGKILL")])
def test_worker_crash_is_reported_and_the_rest_completes(pool, item, why):
    items = [("ok", i) for i in range(20)]
    items[7] = item
    out = pool.map(h.act, items, timeout=10)
    assert isinstance(out[7], WorkerCrashed) and why in str(out[7])
    assert [o for i, o in enumerate(out) if i != 7] == [i for i in range(20) if i != 7]


def test_exception_in_fn_is_a_task_error(pool):
    out = pool.map(h.act, [("raise", "boom"), ("ok", 2)], timeout=10)
    assert isinstance(out[0], TaskError) and str(out[0]) == "ValueError: boom"
    assert "Traceback" in out[0].traceback and "_pool_helpers.py" in out[0].traceback
    assert out[1] == 2


def test_unpicklable_item_is_a_task_error(pool):
    out = pool.map(h.act, [("ok", 1), ("ok", lambda: 0), ("ok", 3)], timeout=10)
    assert out[0] == 1 and out[2] == 3
    assert isinstance(out[1], TaskError) and "pickle" in str(out[1]).lower()


def test_memory_bomb_is_contained():
    with WorkerPool(1, memory_mb=512, preload=()) as p:
        out = p.map(h.act, [("alloc", 10 * 1024**3), ("grow", 10**6), ("ok", 3)], timeout=30)
        for o in out[:2]:
            assert isinstance(o, (TaskError, WorkerCrashed)), o
            if isinstance(o, TaskError):
                assert "MemoryError" in str(o)
        assert out[2] == 3
        assert p.map(h.act, [("alloc", 10**6)], timeout=30) == [10**6]  # still serving


def test_threads_calling_map_at_once_get_serial_results(pool):
    def job(k):
        return pool.map(h.square, range(k * 100, k * 100 + 300), timeout=10)

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(job, range(8)))
    assert results == [[i * i for i in range(k * 100, k * 100 + 300)] for k in range(8)]


def test_timeouts_from_threads_do_not_disturb_each_other(pool):
    def job(k):
        items = [("ok", k), ("sleep", 3600) if k % 2 else ("ok", -k), ("ok", k + 1)]
        return pool.map(h.act, items, timeout=1)

    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(job, range(4)))
    for k, out in enumerate(results):
        assert out[0] == k and out[2] == k + 1
        assert isinstance(out[1], TaskTimeout) if k % 2 else out[1] == -k


def test_amap_from_asyncio_does_not_block_the_loop(pool):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def main():
        tick = asyncio.create_task(ticker())
        outs = await asyncio.gather(
            *(pool.amap(h.square, range(k, k + 50), timeout=10) for k in range(5)),
            pool.amap(h.act, [("sleep", 0.5), ("sleep", 3600)], timeout=1),
        )
        tick.cancel()
        return outs

    outs = asyncio.run(main())
    assert outs[:5] == [[i * i for i in range(k, k + 50)] for k in range(5)]
    assert outs[5][0] == 0.5 and isinstance(outs[5][1], TaskTimeout)
    assert ticks > 10  # the loop kept running while the workers slept


def test_submit(pool):
    assert pool.submit(h.square, 7, timeout=10).result(timeout=30) == 49
    with pytest.raises(TaskError, match="ValueError: nope"):
        pool.submit(h.act, ("raise", "nope"), timeout=10).result(timeout=30)
    with pytest.raises(TaskTimeout):
        pool.submit(h.act, ("sleep", 3600), timeout=0.5).result(timeout=30)


def test_fn_the_worker_cannot_import_is_a_task_error(pool):
    ghost = types.ModuleType("rk_ghost_module")  # exists here only: pickles fine, fails to unpickle there
    exec("def f(x):\n    return x", ghost.__dict__)
    sys.modules[ghost.__name__] = ghost
    try:
        out = pool.map(ghost.f, [1, 2, 3], timeout=10)
    finally:
        del sys.modules[ghost.__name__]
    assert all(isinstance(o, TaskError) and "rk_ghost_module" in str(o) for o in out), out
    assert pool.map(h.square, [4], timeout=10) == [16]


def test_stats_count_timeouts_crashes_and_restarts():
    with WorkerPool(2, preload=()) as p:
        items = [("ok", 1), ("sleep", 3600), ("exit", 3), ("sigkill", 0), ("raise", "x"), ("ok", 2)]
        out = p.map(h.act, items, timeout=1)
        assert [type(o) for o in out] == [int, TaskTimeout, WorkerCrashed, WorkerCrashed, TaskError, int]
        stats = p.stats()
    assert stats["timeouts"] == 1 and stats["crashes"] == 2 and stats["restarts"] == 3
    assert stats["tasks"] == len(items)
    assert stats["workers"] == 2 and stats["queue"] == 0 and stats["busy"] == 0 and stats["closed"] is False
    assert p.stats()["closed"] is True


def test_stats_show_busy_workers_and_the_queue():
    with WorkerPool(1, preload=()) as p:
        started = time.monotonic()
        # one worker: it takes the sleeping item alone (chunks are 1/(2N) of the queue) and the rest waits
        busy = threading.Thread(target=p.map, args=(h.act, [("sleep", 3), ("ok", 1), ("ok", 2)], 30))
        busy.start()
        while p.stats()["busy"] == 0:
            assert time.monotonic() - started < 60, "the worker never started"
            time.sleep(0.01)
        stats = p.stats()
        busy.join(30)
        after = p.stats()
    assert (stats["workers"], stats["alive"], stats["busy"], stats["queue"], stats["tasks"]) == (
        1,
        1,
        1,
        2,
        0,
    )
    assert (after["busy"], after["queue"], after["tasks"]) == (0, 0, 3)


def test_failures_are_rewardkit_errors():
    for cls in (TaskTimeout, WorkerCrashed, TaskError):
        assert issubclass(cls, RewardkitError)
    with WorkerPool(1, preload=()) as p, pytest.raises(RewardkitError, match="ValueError: nope"):
        p.submit(h.act, ("raise", "nope"), timeout=10).result(timeout=30)


def test_workers_one():
    with WorkerPool(1, preload=()) as p:
        out = p.map(h.act, [("ok", 1), ("sleep", 3600), ("ok", 3)], timeout=0.5)
        assert out[0] == 1 and isinstance(out[1], TaskTimeout) and out[2] == 3
        assert p.map(h.square, range(300), timeout=10) == [i * i for i in range(300)]


def test_close_leaves_no_worker_processes():
    p = WorkerPool(2, preload=())
    pids = set(p.map(h.pid_after, [0.05] * 20, timeout=10))
    busy = threading.Thread(target=p.map, args=(h.act, [("sleep", 3600)] * 4, 3600), daemon=True)
    busy.start()
    time.sleep(0.3)
    p.close()
    busy.join(10)
    assert not busy.is_alive()  # the waiting caller got its (failed) results back
    assert gone(pids)
    with pytest.raises(RuntimeError, match="closed"):
        p.map(h.square, [1], timeout=1)
    p.close()  # idempotent


def test_pending_items_fail_when_the_pool_closes():
    p = WorkerPool(1, preload=())
    future = p.submit(h.act, ("sleep", 3600), timeout=3600)
    time.sleep(0.3)
    p.close()
    assert isinstance(future.exception(timeout=10), WorkerCrashed)


def test_killed_parent_leaves_no_orphans():
    script = textwrap.dedent(
        """
        import _pool_helpers as h
        from rewardkit.engine.pool import WorkerPool
        pool = WorkerPool(2, preload=())
        pids = set(pool.map(h.pid_after, [0.05] * 20, timeout=10))
        print(" ".join(map(str, pids)), flush=True)
        pool.map(h.act, [("bigpow", 10**10), ("sleep", 3600)], timeout=3600)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        pids = {int(p) for p in proc.stdout.readline().split()}
        assert pids
        time.sleep(0.5)  # the workers are now busy: one in C code, one asleep
        descendants = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        assert pids <= set(descendants)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert gone(descendants), "worker or forkserver processes outlived their parent"
    finally:
        proc.kill()
        proc.wait()


def test_a_script_without_main_guard_runs_once(tmp_path):
    script = tmp_path / "unguarded.py"  # workers must not re-run the caller's script (spawn semantics)
    script.write_text(
        "import _pool_helpers as h\n"
        "from rewardkit.engine.pool import WorkerPool\n"
        "print('script body ran')\n"
        "pool = WorkerPool(2, preload=())\n"
        "print(repr(pool.map(h.square, [2, 3, 4, 5], timeout=10)))\n"
        "pool.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script body ran") == 1
    assert "[4, 9, 16, 25]" in done.stdout


def test_get_pool_shares_one_pool_per_size():
    a, b = get_pool(1), get_pool(2)
    try:
        assert a is get_pool(1) and b is get_pool(2) and a is not b
        assert a.size == 1 and b.size == 2
        assert a.map(h.square, [3], timeout=10) == [9]
        assert {id(a), id(b)} <= {id(p) for p in shared_pools()}
    finally:
        a.close()
        b.close()
    assert not {id(a), id(b)} & {id(p) for p in shared_pools()}  # closed pools are not listed
    assert get_pool(1) is not a  # a closed shared pool is replaced
    get_pool(1).close()


def test_outcome_to_score():
    ok = Score.correct(True)
    assert outcome_to_score(ok, 5) is ok
    timeout = outcome_to_score(TaskTimeout("x"), 2.5)
    assert timeout.status is Status.TIMEOUT and timeout.reason == "exceeded the 2.5s deadline; worker killed"
    crashed = outcome_to_score(WorkerCrashed("worker died"), 5)
    assert crashed.status is Status.ERROR and crashed.reason == "worker died"
    err = outcome_to_score(TaskError("ValueError: bad", "tb"), 5)
    assert err.status is Status.ERROR and err.reason == "ValueError: bad"
    assert outcome_to_score(0.5, 5).status is Status.ERROR


def test_bad_arguments():
    with pytest.raises(ValueError):
        WorkerPool(-1)
    with WorkerPool(1, preload=()) as p, pytest.raises(ValueError, match="timeout"):
        p.map(h.square, [1], timeout=0)


def test_a_forked_child_gets_its_own_pool_and_forkserver():
    pool = get_pool(1)
    assert pool.map(h.square, [3], timeout=10) == [9]
    pid = os.fork()
    if pid == 0:  # the child: the parent's pool thread and forkserver are not ours
        ok = get_pool(1).map(h.square, [4, 5], timeout=10) == [16, 25]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.map(h.square, [6], timeout=10) == [36]


def test_metrics_export_the_shared_pools_stats():
    from prometheus_client.parser import text_string_to_metric_families

    from rewardkit.server.metrics import Metrics

    pool = get_pool(3)
    try:
        out = pool.map(h.act, [("ok", 1), ("raise", "x"), ("sleep", 3600)], timeout=1)
        assert isinstance(out[2], TaskTimeout)
        text = Metrics().render()[0].decode()
    finally:
        pool.close()
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels == {"workers": "3"}
    }
    assert values == {
        "rewardkit_pool_queue_items": 0.0,
        "rewardkit_pool_busy_workers": 0.0,
        "rewardkit_pool_tasks_total": 3.0,
        "rewardkit_pool_timeouts_total": 1.0,
        "rewardkit_pool_crashes_total": 0.0,
        "rewardkit_pool_restarts_total": 1.0,
    }
    assert pool not in shared_pools()


def leave_a_child_holding_the_pipes(item):
    """Fork a grandchild that keeps this worker's pipes (its sentinel too) open, note its pid, then hang."""
    pidfile, seconds = item
    child = os.fork()
    if child == 0:
        time.sleep(seconds)
        os._exit(0)
    Path(pidfile).write_text(str(child))
    time.sleep(3600)


def wait_until(predicate, within=30.0):
    end = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture
def stuck_after_kill(monkeypatch):
    """A fake kernel: after the next kill() the process stays unreaped (as if stuck in D state) until the
    test releases it. Its exit status reads as unknown and join(timeout) waits out its timeout; every
    other process, and the kill itself, are real. Returns (arm, stuck, joins)."""
    from multiprocessing.process import BaseProcess

    arm, stuck, joins = threading.Event(), set(), []
    real_kill, real_join, real_exitcode = BaseProcess.kill, BaseProcess.join, BaseProcess.exitcode

    def kill(self):
        real_kill(self)
        if arm.is_set():
            arm.clear()
            stuck.add(self)

    def join(self, timeout=None):
        if self not in stuck:
            return real_join(self, timeout)
        joins.append((threading.current_thread().name, timeout))
        time.sleep(60 if timeout is None else timeout)

    monkeypatch.setattr(BaseProcess, "kill", kill)
    monkeypatch.setattr(BaseProcess, "join", join)
    monkeypatch.setattr(
        BaseProcess, "exitcode", property(lambda s: None if s in stuck else real_exitcode.fget(s))
    )
    return arm, stuck, joins


def test_a_worker_stuck_after_its_kill_delays_nobody(stuck_after_kill):
    """The fake stuck process; the real case beside it: the grandchild test below."""
    arm, stuck, joins = stuck_after_kill
    p = WorkerPool(2, preload=())
    try:
        assert p.map(h.square, range(4), timeout=10) == [0, 1, 4, 9]
        arm.set()
        first = p.submit(h.act, ("sleep", 3600), timeout=0.5)
        assert isinstance(first.exception(timeout=30), TaskTimeout)  # settled before its worker is reaped
        assert len(stuck) == 1 and p.stats()["dying"] == 1
        # a real deadline on another worker still fires, and the queue is served, while it stays stuck
        second = p.submit(h.act, ("sleep", 3600), timeout=0.5)
        assert isinstance(second.exception(timeout=30), TaskTimeout)
        assert p.map(h.act, [("ok", i) for i in range(50)], timeout=10) == list(range(50))
        stats = p.stats()
        assert (stats["dying"], stats["alive"], stats["timeouts"], stats["restarts"]) == (1, 2, 2, 2)
        assert joins == []  # the dispatcher never waited for it
        stuck.clear()  # it exits at last, and is reaped
        wait_until(lambda: p.stats()["dying"] == 0)
        # stuck at close: close kills and waits for it, but only for a bounded time
        arm.set()
        third = p.submit(h.act, ("sleep", 3600), timeout=0.5)
        assert isinstance(third.exception(timeout=30), TaskTimeout) and p.stats()["dying"] == 1
    finally:
        p.close()
    assert len(joins) == 1 and joins[0][0] == "rewardkit-pool" and 0 <= joins[0][1] <= 5  # bounded
    assert p.stats()["timeouts"] == 3


def test_a_killed_worker_is_reaped_though_a_grandchild_holds_its_pipes(tmp_path):
    pidfile = tmp_path / "grandchild"  # fork start: the worker's sentinel is a pipe its children inherit
    p = WorkerPool(2, start_method="fork", preload=())
    try:
        stuck = p.submit(leave_a_child_holding_the_pipes, (str(pidfile), 60), timeout=1)
        assert isinstance(stuck.exception(timeout=30), TaskTimeout)
        other = p.submit(h.act, ("sleep", 3600), timeout=0.5)
        assert isinstance(other.exception(timeout=30), TaskTimeout)
        assert p.map(h.square, range(20), timeout=10) == [i * i for i in range(20)]
        grandchild = psutil.Process(int(pidfile.read_text()))
        wait_until(lambda: p.stats()["dying"] == 0)  # reaped without its sentinel ever firing
        assert grandchild.is_running() and grandchild.status() != psutil.STATUS_ZOMBIE
        assert p.stats()["timeouts"] == 2 and p.stats()["alive"] == 2
    finally:
        p.close()
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_a_cancelled_batch_behind_others_leaves_the_queue_and_never_runs():
    with WorkerPool(1, preload=()) as p:

        async def main():
            head = p.submit(h.act, ("sleep", 3), timeout=30)  # holds the only worker
            wait_until(lambda: p.stats()["busy"] == 1)
            ahead = asyncio.ensure_future(p.amap(h.act, [("ok", i) for i in range(5)], timeout=30))
            middle = asyncio.ensure_future(p.amap(h.act, [("exit", 1)] * 50, timeout=30))
            behind = asyncio.ensure_future(p.amap(h.square, range(10), timeout=30))
            single = p.submit(h.act, ("exit", 1), timeout=30)
            await asyncio.sleep(0)  # the three batches are enqueued
            assert p.stats()["queue"] == 66
            middle.cancel()  # cancels the pool's future under it
            assert single.cancel()
            while p.stats()["queue"] != 15:
                assert not head.done(), "the cancelled items left the queue only when they reached its head"
                await asyncio.sleep(0.02)
            with pytest.raises(asyncio.CancelledError):
                await middle
            return head.result(timeout=30), await ahead, await behind

        assert asyncio.run(main()) == (3, list(range(5)), [i * i for i in range(10)])
        stats = p.stats()
    # an item that ran would have crashed the worker (exit 1) and been counted
    assert (stats["tasks"], stats["crashes"], stats["restarts"], stats["queue"]) == (16, 0, 0, 0)


def test_chunk_one_never_queues_a_slow_item_behind_another_on_one_worker():
    # the default chunking would give the first idle worker both slow items (2 of 8 queued items, in
    # order); chunk=1 hands one item per idle worker, so the two slow ones run side by side
    with WorkerPool(2, preload=()) as p:
        assert len(set(p.map(h.pid_after, [0.2, 0.2], timeout=30, chunk=1))) == 2  # both workers ready
        items = [0.5, 0.5] + [0.0] * 6
        chunked = p.map(h.pid_after, items, timeout=30)
        single = p.map(h.pid_after, items, timeout=30, chunk=1)
    assert chunked[0] == chunked[1]
    assert single[0] != single[1]
    with pytest.raises(RewardkitError, match="chunk must be a positive whole number"):
        WorkerPool.map(p, h.square, [1], timeout=1, chunk=0)
