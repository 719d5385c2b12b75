"""rewardkit: one scoring interface for LLM rewards (math, code, judges, PRMs, cross-model entropy)."""

from rewardkit.comparison import (
    Comparator,
    available_comparators,
    create_comparator,
    register_comparator,
)
from rewardkit.errors import (
    BackendError,
    ConfigError,
    InputError,
    MissingExtraError,
    RewardkitError,
    SandboxError,
)
from rewardkit.types import Comparison, Preference, Sample, Score, Status, StepScore, Verdict
from rewardkit.verifier import (
    CPUVerifier,
    Verifier,
    available_verifiers,
    create_verifier,
    get_verifier_class,
    register,
)

__version__ = "0.1.0"


def load_spec(name_or_path, **overrides):
    """Load a reward spec (a name on the asset search path, or a YAML path) as a Verifier."""
    from rewardkit.spec import load_spec as _load_spec

    return _load_spec(name_or_path, **overrides)


__all__ = [
    "BackendError",
    "CPUVerifier",
    "Comparator",
    "Comparison",
    "ConfigError",
    "InputError",
    "MissingExtraError",
    "Preference",
    "RewardkitError",
    "SandboxError",
    "Sample",
    "Score",
    "Status",
    "StepScore",
    "Verdict",
    "Verifier",
    "available_comparators",
    "available_verifiers",
    "create_comparator",
    "create_verifier",
    "get_verifier_class",
    "load_spec",
    "register",
    "register_comparator",
]
