"""The benchmark harness: YAML suites, runs, metrics, reports, the reward audit and the lm-eval bridge.

::

    from rewardkit.evals import load_suite, run_suite, Run

    run_dir = run_suite("gsm8k-sample", "runs/demo", limit=4)   # SmolLM2 on the CPU by default
    print(Run(run_dir).summary["metrics"]["accuracy"])

See docs/harness.md.
"""

from rewardkit.evals.log import Run, load_runs, summaries
from rewardkit.evals.runner import run_suite
from rewardkit.evals.suite import Suite, load_suite

__all__ = ["Run", "Suite", "load_runs", "load_suite", "run_suite", "summaries"]
