"""Module-level functions for tests/test_pool.py: worker processes import them by name."""

import os
import signal
import time


def square(x):
    return x * x


def pid_after(seconds):
    time.sleep(seconds)
    return os.getpid()


def act(item):
    """Do what the item says: ("ok", v) returns v; the rest sleep, hang, crash, raise or eat memory."""
    what, arg = item
    if what == "ok":
        return arg
    if what == "sleep":
        time.sleep(arg)
        return arg
    if what == "bigpow":  # C-level big-int arithmetic: no bytecode boundary, never sees a signal
        return pow(7, arg).bit_length()
    if what == "exit":
        os._exit(arg)
    if what == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if what == "raise":
        raise ValueError(arg)
    if what == "alloc":
        return len(bytearray(arg))
    if what == "grow":
        chunks = []
        while True:
            chunks.append(bytearray(arg))
    raise AssertionError(f"unknown action {what!r}")
