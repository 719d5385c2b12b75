"""LLM judges and rubric reward models, on the inference engine (transformers, vLLM, OpenAI-compatible).

- :class:`JudgeVerifier` (verifier ``judge``): a pointwise score on a declared scale.
- :class:`JudgeComparator` (comparator ``judge``): pairwise, both presentation orders, ``inconsistent``
  as its own outcome; :class:`BestOfJudge`: one chosen among n.
- :class:`RubricVerifier` (verifier ``rubric``): criteria decided by the judge, by "the judge extracts,
  code verifies", or by deterministic checks (:mod:`rewardkit.judges.checks`); explicit, implicit or
  all-or-nothing aggregation; :func:`load_rubric`.
- :class:`RubricWriter`: rubrics written by the judge, validated, and checked against a known preference.
- Shared pieces: templates (:mod:`~rewardkit.judges.templates`), parsing (:mod:`~rewardkit.judges.parse`),
  the SQLite cache (:mod:`~rewardkit.judges.cache`), retries and logprobs (:mod:`~rewardkit.judges.engine`).

Submodules load on first use, so ``import rewardkit.judges`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "JudgeVerifier": "rewardkit.judges.pointwise",
    "JudgeComparator": "rewardkit.judges.pairwise",
    "BestOfJudge": "rewardkit.judges.pairwise",
    "Candidates": "rewardkit.judges.pairwise",
    "Choice": "rewardkit.judges.pairwise",
    "RubricVerifier": "rewardkit.judges.rubric",
    "Rubric": "rewardkit.judges.rubric",
    "load_rubric": "rewardkit.judges.rubric",
    "RubricWriter": "rewardkit.judges.generate",
    "GeneratedRubric": "rewardkit.judges.generate",
    "JudgeCache": "rewardkit.judges.cache",
    "JudgeEngine": "rewardkit.judges.engine",
    "Scale": "rewardkit.judges.parse",
    "load_template": "rewardkit.judges.templates",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rewardkit.judges' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_EXPORTS)
