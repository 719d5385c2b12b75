"""Process reward models: step splitting, the PRM verifier (four kinds), ProcessBench data and metrics."""
