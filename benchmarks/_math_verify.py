"""Running Math-Verify fairly, shared by ``math_throughput.py`` and ``math_agreement.py``.

Math-Verify's timeouts are SIGALRM-based, so it must run in the main thread; it logs a timeout and then
returns ``[]`` / ``False``, so the runs count those log records rather than trusting silence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOGGERS = ("math_verify", "math_verify.parser", "math_verify.grader")


class TimeoutCounter(logging.Handler):
    """Counts Math-Verify's 'Timeout during parsing/comparison' warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Timeout during" in record.getMessage():
            self.count += 1


@contextmanager
def counting_timeouts(quiet: bool = False) -> Iterator[TimeoutCounter]:
    """A TimeoutCounter on Math-Verify's loggers for the duration; ``quiet``: counted, not printed."""
    counter = TimeoutCounter()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [lg.propagate for lg in loggers]
    for lg in loggers:
        lg.addHandler(counter)
        lg.propagate = lg.propagate and not quiet
    try:
        yield counter
    finally:
        for lg, propagate in zip(loggers, saved, strict=True):
            lg.removeHandler(counter)
            lg.propagate = propagate


def check_math_verify_timeout() -> dict[str, Any]:
    """Prove Math-Verify's signal timeouts fire here (the main thread) before trusting them."""
    from math_verify.errors import TimeoutException
    from math_verify.utils import timeout

    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("Math-Verify must run in the main thread: its timeouts use signal.alarm")
    start = time.perf_counter()
    try:
        timeout(timeout_seconds=1)(time.sleep)(3)
        fired = False
    except TimeoutException:
        fired = True
    elapsed = time.perf_counter() - start
    if not fired or elapsed > 2.5:
        raise RuntimeError(f"Math-Verify's signal timeout did not fire (fired={fired}, {elapsed:.2f}s)")
    return {"fires_in_main_thread": True, "test_deadline_s": 1, "observed_s": round(elapsed, 3)}
