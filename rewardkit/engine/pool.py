"""The killable worker pool: ``fn(item)`` in worker processes, each item under a hard wall-clock deadline
enforced by the parent.

One dispatcher thread per pool owns the workers; callers enqueue batches and get futures. An idle worker
gets a chunk of items (smaller as the queue drains) and reports each result as it finishes, so an item's
deadline runs from the moment its worker started it. The dispatcher waits on the workers' pipes, their
process sentinels and a wake-up pipe, with a timeout set by the nearest deadline. A worker that overruns
is SIGKILLed: its item becomes a TaskTimeout, the rest of its chunk goes back to the front of the queue
and a fresh worker takes its place at once. A worker that dies is replaced the same way; its item becomes
a WorkerCrashed once its exit status is known (or after ``_EXIT_GRACE`` seconds without it). The
dispatcher never waits for a dead or killed worker: it keeps it on a "dying" list, watches its sentinel
and reaps it without blocking, so one process stuck in the kernel delays nobody. A batch always
completes, in order, whether the caller is the main thread, another thread or an asyncio task; a
cancelled batch's queued items are dropped. No signals in the caller (never ``signal.alarm``).
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import contextlib
import ctypes
import importlib.machinery
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

from rewardkit.errors import ConfigError, RewardkitError
from rewardkit.types import Score

MAX_CHUNK = 32  # items sent to a worker at once while the queue is long: cuts IPC for ~1 ms items
_START_FAILURES = 3  # workers in a row dying before they are ready: fail the queue instead of looping
_EXIT_GRACE = 1.0  # a crashed worker's item waits this long for its exit status, then settles without it
_REAP_POLL = 0.1  # how often dying workers are polled (a sentinel may never fire: a grandchild holds it)
_CLOSE_WAIT = 2.0  # close(): how long, in all, to wait for the killed workers to be reaped


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_script_not_rerun():
    """Start a worker without re-running the caller's main script in it.

    spawn/forkserver children re-import ``__main__`` unless its ``__spec__`` names it ``"__main__"``.
    Workers need only importable modules (verifier classes defined in a script travel by value, see
    rewardkit.verifier), so a script needs no ``if __name__ == "__main__":`` guard and is never run twice.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _MAIN_LOCK:
        saved = getattr(main, "__spec__", None)
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
        try:
            yield
        finally:
            main.__spec__ = saved


class PoolError(RewardkitError, RuntimeError):
    """The pool cannot take work: it is closed, or it belongs to another process."""


class TaskTimeout(RewardkitError):
    """The item overran its deadline; its worker was killed and replaced."""


class WorkerCrashed(RewardkitError):
    """The worker died (segfault, os._exit, out-of-memory kill...) while running the item."""


class TaskError(RewardkitError):
    """``fn`` raised. The message is ``"ExcType: message"``; ``traceback`` holds the worker's traceback."""

    def __init__(self, message: str, traceback: str = "") -> None:
        super().__init__(message)
        self.traceback = traceback


_FAILURES = (TaskTimeout, WorkerCrashed, TaskError)


class _Batch:
    """One map() (or submit()) call: its items, results in order, a future set once all are settled."""

    def __init__(
        self, fn: Callable, items: list, timeout: float, single: bool, chunk: int = MAX_CHUNK
    ) -> None:
        self.fn, self.items, self.timeout, self.single, self.chunk = fn, items, timeout, single, chunk
        self.results: list = [None] * len(items)
        self.left = len(items)
        self.future: concurrent.futures.Future = concurrent.futures.Future()

    def settle(self, index: int, outcome: Any) -> None:
        self.results[index] = outcome
        self.left -= 1
        if self.left == 0:
            with contextlib.suppress(concurrent.futures.InvalidStateError):  # the caller cancelled
                if not self.single:
                    self.future.set_result(self.results)
                elif isinstance(outcome, _FAILURES):
                    self.future.set_exception(outcome)
                else:
                    self.future.set_result(outcome)


class _Worker:
    def __init__(self, proc: Any, conn: Any) -> None:
        self.proc, self.conn = proc, conn
        self.ready = False  # said hello: started up and waiting for work
        self.running: collections.deque[tuple[_Batch, int]] = collections.deque()  # sent, not reported
        self.deadline = math.inf  # of running[0]
        self.crashed: tuple[_Batch, int] | None = None  # dying: the item it died running, not yet settled
        self.settle_by = math.inf  # dying: settle ``crashed`` then, exit status known or not
        self.fired = False  # dying: its sentinel fired before it could be reaped: poll, do not wait on it


class WorkerPool:
    """``workers`` processes (default: one per core) running ``fn(item)`` under a hard per-item deadline.

    ``memory_mb`` caps each worker's address space (a MemoryError inside ``fn`` is a TaskError).
    ``preload``: modules the forkserver imports once, so fresh workers start fast (missing ones are
    skipped). ``fn`` must be a module-level function of an importable module; items must pickle.
    """

    def __init__(
        self,
        workers: int | None = None,
        memory_mb: int | None = 4096,
        start_method: str = "forkserver",
        preload: Sequence[str] = ("rewardkit.verifiers.math_warmup",),
    ) -> None:
        self._n = _default_workers() if workers is None else workers
        if self._n < 1:
            raise ConfigError(f"workers must be at least 1, got {workers!r}")
        self._memory_mb = memory_mb
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":  # applies when the (process-wide) forkserver first starts
            self._ctx.set_forkserver_preload([__name__, *preload])
        self._lock = threading.Lock()  # guards _queue, _closed and the wake-up pipe
        self._queue: collections.deque[tuple[_Batch, int]] = collections.deque()
        self._closed = False
        self._workers: list[_Worker] = []  # the dispatcher thread's alone
        self._dying: list[_Worker] = []  # killed or dead, not yet reaped: the dispatcher thread's alone
        self._purge = False  # a batch was cancelled: drop its queued items (under the lock)
        self._stats = {"tasks": 0, "timeouts": 0, "crashes": 0, "restarts": 0}
        self._start_failures = 0
        self._pid = os.getpid()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._thread = threading.Thread(target=self._run, name="rewardkit-pool", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @property
    def size(self) -> int:
        return self._n

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> dict[str, Any]:
        """A snapshot for monitoring: ``workers`` (the pool's size), ``alive`` (worker processes running),
        ``busy`` (workers running items), ``dying`` (killed or dead workers not yet reaped), ``queue``
        (items waiting for a worker), ``closed``, and the counters since the pool started: ``tasks``
        (items settled), ``timeouts``, ``crashes``, ``restarts`` (workers replaced)."""
        workers, dying = list(self._workers), len(self._dying)  # the dispatcher's lists: read copies
        with self._lock:
            queue, closed = len(self._queue), self._closed
        return {
            "workers": self._n,
            "alive": len(workers),
            "busy": sum(1 for w in workers if w.running),
            "dying": dying,
            "queue": queue,
            "closed": closed,
            **self._stats,
        }

    def map(self, fn: Callable, items: Sequence, timeout: float, chunk: int = MAX_CHUNK) -> list:
        """``fn(item)`` per item, in order; a failed item's entry is a TaskTimeout, WorkerCrashed or
        TaskError instance (returned, never raised). ``chunk``: the most items a worker gets at once
        (1 for items that take long or vary a lot, such as running programs: a worker never holds a
        second slow item while another worker idles).

        Interrupted (KeyboardInterrupt), it cancels the batch: its queued items are dropped and never
        sent to a worker; items already sent (at most one chunk per worker) are left to finish, their
        results discarded."""
        future = self._enqueue(fn, items, timeout, chunk=chunk)
        try:
            return future.result()
        except BaseException:  # KeyboardInterrupt: drop the items that have not started
            future.cancel()
            raise

    async def amap(self, fn: Callable, items: Sequence, timeout: float, chunk: int = MAX_CHUNK) -> list:
        """:meth:`map`, awaitable; the event loop keeps running meanwhile. Cancelling the awaiting task
        cancels the batch as an interrupted :meth:`map` does."""
        return await asyncio.wrap_future(self._enqueue(fn, items, timeout, chunk=chunk))

    def submit(self, fn: Callable, item: Any, timeout: float) -> concurrent.futures.Future:
        """One item; the future's ``result()`` raises its TaskTimeout / WorkerCrashed / TaskError.
        ``cancel()`` drops the item if no worker has it yet (else it finishes, its result discarded)."""
        return self._enqueue(fn, [item], timeout, single=True)

    def close(self) -> None:
        """Kill the workers and stop (waiting at most ``_CLOSE_WAIT`` seconds in all for them to be
        reaped). Items still pending come back as WorkerCrashed."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wake()
        atexit.unregister(self.close)
        if os.getpid() == self._pid and threading.current_thread() is not self._thread:
            self._thread.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _enqueue(
        self, fn: Callable, items: Sequence, timeout: float, single: bool = False, chunk: int = MAX_CHUNK
    ) -> Any:
        if not timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if not (isinstance(chunk, int) and chunk >= 1):
            raise ConfigError(f"chunk must be a positive whole number of items, got {chunk!r}")
        if os.getpid() != self._pid:
            raise PoolError("this WorkerPool belongs to the parent process; use get_pool() here")
        batch = _Batch(fn, list(items), float(timeout), single, min(chunk, MAX_CHUNK))
        if not batch.items:
            batch.future.set_result([])
        batch.future.add_done_callback(self._on_done)
        with self._lock:
            if self._closed:
                raise PoolError("this WorkerPool is closed; create a new one (or use get_pool())")
            self._queue.extend((batch, i) for i in range(len(batch.items)))
            self._wake()
        return batch.future

    def _on_done(self, future: concurrent.futures.Future) -> None:
        """A cancelled batch: have the dispatcher drop its queued items (one pass over the queue)."""
        if future.cancelled():
            with self._lock:
                if not self._closed:
                    self._purge = True
                    self._wake()

    def _wake(self) -> None:  # under the lock, so the pipe cannot be closed underneath
        with contextlib.suppress(BlockingIOError):  # full of wake-ups already
            os.write(self._wake_w, b"x")

    # ---------------------------------------------------------------------- the dispatcher thread only

    def _run(self) -> None:
        reason = "the pool was closed before this item finished"
        try:
            while not self._closed:
                self._step()
        except BaseException as exc:  # a bug here must not leave callers waiting forever
            reason = f"the pool's dispatcher thread failed ({type(exc).__name__}: {exc})"
            with self._lock:
                self._closed = True
            raise
        finally:
            everyone = self._workers + self._dying
            for w in everyone:
                self._kill(w)
            end = time.monotonic() + _CLOSE_WAIT
            for w in everyone:
                w.proc.join(max(0.0, end - time.monotonic()))  # bounded, in all; a no-op once reaped
                self._reap(w)  # else stuck in the kernel; multiprocessing reaps it later
                self._fail([*w.running, *([w.crashed] if w.crashed else [])], WorkerCrashed, reason)
            with self._lock:
                pending, self._queue = self._queue, collections.deque()
                os.close(self._wake_r)
                os.close(self._wake_w)
            self._fail(pending, WorkerCrashed, reason)

    def _step(self) -> None:
        while len(self._workers) < self._n and (self._start_failures < _START_FAILURES or self._queue):
            self._workers.append(self._spawn())
        self._assign()
        workers, dying = list(self._workers), list(self._dying)
        now = time.monotonic()
        deadline = min([w.deadline for w in workers] + [w.settle_by for w in dying], default=math.inf)
        if dying:
            deadline = min(deadline, now + _REAP_POLL)
        timeout = None if deadline == math.inf else max(0.0, deadline - now)
        sentinels = [w.proc.sentinel for w in workers + dying if not w.fired]
        ready = set(wait([self._wake_r, *(w.conn for w in workers), *sentinels], timeout))
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for w in workers:
            if w.conn in ready or w.proc.sentinel in ready:
                self._receive(w, exited=w.proc.sentinel in ready)
            elif time.monotonic() >= w.deadline:
                self._retire(w, timed_out=True)
        for w in dying:
            w.fired = w.fired or w.proc.sentinel in ready
            self._watch(w)

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(child_conn, self._memory_mb), name="rewardkit-worker")
        proc.daemon = True
        with _main_script_not_rerun():
            proc.start()
        child_conn.close()
        return _Worker(proc, parent_conn)

    def _assign(self) -> None:
        """A chunk for every idle worker: guided self-scheduling, 1/(2N) of the queue, <= MAX_CHUNK."""
        sends = []
        with self._lock:
            if self._purge:  # once per cancel (or per burst of them): O(queue)
                self._queue = collections.deque(t for t in self._queue if not t[0].future.cancelled())
                self._purge = False
            q = self._queue
            for w in self._workers:
                while q and q[0][0].future.cancelled():
                    q.popleft()
                if not q:
                    break
                if w.ready and not w.running:
                    batch = q[0][0]
                    size, chunk = min(batch.chunk, max(1, len(q) // (2 * self._n))), []
                    while q and len(chunk) < size and q[0][0] is batch:
                        chunk.append(q.popleft())
                    sends.append((w, batch, chunk))
        for w, batch, chunk in sends:
            try:
                w.conn.send((batch.fn, [batch.items[i] for _, i in chunk]))
            except OSError:  # the worker just died; its sentinel will say so
                self._requeue(chunk)
            except Exception:  # something did not pickle: fail those items, retry the rest
                self._requeue([task for task in chunk if self._picklable(*task)])
            else:
                w.running.extend(chunk)
                w.deadline = time.monotonic() + batch.timeout

    def _picklable(self, batch: _Batch, i: int) -> bool:
        try:
            ForkingPickler.dumps((batch.fn, batch.items[i]))
            return True
        except Exception as exc:
            self._settle(batch, i, TaskError(f"could not send the item to a worker: {_name(exc)}"))
            return False

    def _receive(self, w: _Worker, exited: bool) -> None:
        try:
            while w.conn.poll():
                data = w.conn.recv_bytes()
                try:
                    msg = pickle.loads(data)
                except Exception as exc:
                    msg = ("err", f"the result could not be unpickled: {_name(exc)}", "")
                self._handle(w, msg)
        except (EOFError, OSError):
            exited = True
        if exited:
            self._retire(w, timed_out=False)

    def _handle(self, w: _Worker, msg: tuple) -> None:
        if msg[0] == "ready":
            w.ready, self._start_failures = True, 0
        elif msg[0] == "bad":  # the worker could not unpickle the chunk (fn's module not importable...)
            self._fail(w.running, TaskError, msg[1], msg[2])
            w.running.clear()
        else:
            batch, i = w.running.popleft()
            self._settle(batch, i, msg[1] if msg[0] == "ok" else TaskError(msg[1], msg[2]))
        w.deadline = time.monotonic() + w.running[0][0].timeout if w.running else math.inf

    def _retire(self, w: _Worker, timed_out: bool) -> None:
        """Replace a worker that overran (killed here) or died, without waiting for it: settle its item
        (a crash once its exit status is known, see _watch), requeue the rest of its chunk, and move it
        to the dying list until it is reaped."""
        self._workers.remove(w)  # the next _step() starts its replacement
        self._dying.append(w)  # before its item settles: a caller woken by that sees it in stats()
        self._stats["restarts"] += 1
        w.conn.close()
        if timed_out:
            self._kill(w)
        code = w.proc.exitcode  # a non-blocking poll
        if not w.ready:
            self._start_failures += 1
            if self._start_failures >= _START_FAILURES:
                with self._lock:
                    pending, self._queue = self._queue, collections.deque()
                why = f"{_START_FAILURES} workers in a row exited while starting ({_exit_text(code)})"
                self._fail(pending, WorkerCrashed, f"{why}; see their stderr")
        elif w.running:
            batch, i = w.running.popleft()
            self._requeue(list(w.running))
            w.running.clear()
            w.deadline = math.inf
            if timed_out:
                self._stats["timeouts"] += 1
                self._settle(
                    batch, i, TaskTimeout(f"exceeded the {batch.timeout:g}s deadline; worker killed")
                )
            else:
                w.crashed, w.settle_by = (batch, i), time.monotonic() + _EXIT_GRACE
        self._watch(w)

    def _watch(self, w: _Worker) -> None:
        """A dying worker: reap it if it has exited (never blocking); settle the item it crashed on once
        its exit status is known or its grace is over (killing it then: it is not reaped yet)."""
        code = w.proc.exitcode
        if w.crashed and (code is not None or time.monotonic() >= w.settle_by):
            if code is None:
                self._kill(w)
            (batch, i), w.crashed, w.settle_by = w.crashed, None, math.inf
            self._stats["crashes"] += 1
            cap = f"; memory cap {self._memory_mb} MB" if self._memory_mb and code and code < 0 else ""
            self._settle(
                batch, i, WorkerCrashed(f"worker process died running this item ({_exit_text(code)}{cap})")
            )
        if code is not None and not w.crashed:
            self._reap(w)
            self._dying.remove(w)

    def _kill(self, w: _Worker) -> None:
        """SIGKILL a worker unless it is reaped (Process.kill() checks): its pid cannot have been reused."""
        if w.proc.exitcode is None:
            w.proc.kill()

    def _reap(self, w: _Worker) -> None:
        """Release a worker's pipe and, once it has been reaped, its process handle."""
        w.conn.close()
        if w.proc.exitcode is not None:
            w.proc.close()

    def _requeue(self, tasks: list[tuple[_Batch, int]]) -> None:
        with self._lock:
            self._queue.extendleft(reversed([t for t in tasks if not t[0].future.cancelled()]))

    def _settle(self, batch: _Batch, i: int, outcome: Any) -> None:
        self._stats["tasks"] += 1
        batch.settle(i, outcome)

    def _fail(self, tasks: Any, kind: type[Exception], *args: str) -> None:
        for batch, i in list(tasks):
            self._settle(batch, i, kind(*args))


def _serve(conn: Any, memory_mb: int | None) -> None:
    """A worker: receive (fn, items) chunks, send one message per item as soon as it is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if sys.platform.startswith("linux"):  # die with our parent (the forkserver, or the pool's process)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if getattr(server, "_forkserver_alive_fd", None) is not None:  # inherited: it would keep the
        os.close(server._forkserver_alive_fd)  # forkserver (so us) alive after the pool's process dies
        server._forkserver_alive_fd = None
    if memory_mb:
        import resource

        limit, hard = memory_mb * 1024 * 1024, resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    conn.send(("ready",))
    while True:
        try:
            fn, items = conn.recv()
        except EOFError:  # the pool closed the pipe, or its process died
            return
        except Exception as exc:
            conn.send(("bad", *_describe(exc)))
            continue
        for item in items:
            try:
                msg = ("ok", fn(item))
            except BaseException as exc:  # SystemExit too: it is fn's failure, not the worker's
                msg = ("err", *_describe(exc))
            try:
                conn.send(msg)
            except Exception as exc:
                conn.send(("err", *_describe(exc, "could not send the result back: ")))
            del msg


def _describe(exc: BaseException, prefix: str = "") -> tuple[str, str]:
    traceback.clear_frames(exc.__traceback__)  # free fn's locals first: after a MemoryError they are huge
    return prefix + _name(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _name(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _exit_text(code: int | None) -> str:
    if code is None or code >= 0:
        return "exit status unknown" if code is None else f"exit code {code}"
    return f"killed by {signal.Signals(-code).name if -code in signal.valid_signals() else -code}"


def _default_workers() -> int:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return int(os.environ.get("REWARDKIT_WORKERS") or 0) or usable or 1


_SHARED: dict[int, WorkerPool] = {}
_SHARED_LOCK = threading.Lock()


def get_pool(workers: int | None = None) -> WorkerPool:
    """The process-wide pool with this many workers (None: $REWARDKIT_WORKERS, else one per core),
    created on first use and closed at interpreter exit."""
    n = _default_workers() if workers is None else workers
    with _SHARED_LOCK:
        if n not in _SHARED or _SHARED[n].closed:
            _SHARED[n] = WorkerPool(n)
        return _SHARED[n]


def shared_pools() -> list[WorkerPool]:
    """The process-wide pools :func:`get_pool` has made and that are still open (for monitoring)."""
    with _SHARED_LOCK:
        return [pool for pool in _SHARED.values() if not pool.closed]


def _forget_shared_pools() -> None:
    """In a forked child the pools, their threads and the forkserver are the parent's: start afresh."""
    global _SHARED_LOCK, _MAIN_LOCK
    _SHARED_LOCK = threading.Lock()
    _MAIN_LOCK = threading.Lock()
    _SHARED.clear()
    from multiprocessing import forkserver

    server = forkserver._forkserver  # private, but the only way: a new forkserver starts on first use
    server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None
    server._inherited_fds = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_shared_pools)


def outcome_to_score(outcome: Any, timeout: float) -> Score:
    """One :meth:`WorkerPool.map` entry as a Score: failures become timeout / error scores."""
    if isinstance(outcome, Score):
        return outcome
    if isinstance(outcome, TaskTimeout):
        return Score.timeout(f"exceeded the {timeout:g}s deadline; worker killed")
    if isinstance(outcome, (WorkerCrashed, TaskError)):
        return Score.error(reason=str(outcome))
    return Score.error(f"the worker returned {type(outcome).__name__}, not a Score")


__all__ = [
    "PoolError",
    "TaskError",
    "TaskTimeout",
    "WorkerCrashed",
    "WorkerPool",
    "get_pool",
    "outcome_to_score",
    "shared_pools",
]
