"""Imported by the worker pool's forkserver (see ``WorkerPool(preload=...)``): warms the math verifier
once, so every worker forked from the forkserver inherits loaded sympy/latex2sympy and a filled parse
cache."""

from rewardkit.verifiers.math import warm_up

warm_up()
