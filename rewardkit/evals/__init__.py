"""The benchmark harness: YAML suites, runs, metrics, reports, the reward audit and the lm-eval bridge."""
