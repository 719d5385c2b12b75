"""rewardkit rewards as an OpenRLHF ``reward_func`` file.

This file *is* the reward function file: OpenRLHF loads a ``--remote_rm_url`` ending in ``.py`` with
``importlib.util.spec_from_file_location`` and calls its ``reward_func(queries, prompts, labels)``::

    export REWARDKIT_SPEC=gsm8k        # default: math (a spec name or a YAML path)
    export REWARDKIT_DEFAULT=0.0       # what a non-ok score becomes (default 0.0)
    python -m openrlhf.cli.train_ppo_ray ... --label_key answer \\
        --remote_rm_url $(python -c "import rewardkit.integrations.openrlhf as m; print(m.__file__)")

Contract (OpenRLHF 0.11): ``queries`` are the decoded prompt + response texts (special tokens kept),
``prompts`` the prompts as given to the model (chat template applied), ``labels`` the ``--label_key``
values. The return value is ``{"rewards": tensor, "scores": tensor, "extra_logs": {...}}``: ``rewards``
drives the advantages, ``scores`` OpenRLHF's dynamic filtering (the same values here), and
``extra_logs`` are logged per sample; here ``rewardkit_ok``, ``rewardkit_unparseable``,
``rewardkit_timeout`` and ``rewardkit_error`` are 1.0 where the score had that status, so the share of
each status shows up in OpenRLHF's logs. A non-ok score gets the configured default, or the value a
spec's ``fallback`` chose.

The response is the query after the prompt (after its first occurrence; the whole query when the prompt
cannot be found, e.g. after a lossy decode), with trailing end-of-turn tokens (``<|im_end|>``,
``<|endoftext|>``, ``</s>``, ``<|eot_id|>``, ...) removed. Queries of one call with the same prompt share a
group. OpenRLHF 0.11 calls the function with one query at a time (from worker threads), so
group-normalised specs (``cme``) cannot see GRPO groups there.

From Python, :func:`make_reward_func` binds a spec (name, path or Verifier) and a default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from rewardkit.integrations import (
    STATUSES,
    SpecLike,
    env_default,
    group_ids,
    load_verifier,
    spec_label,
    to_samples,
    value_or,
)
from rewardkit.types import Sample, Score

DEFAULT_SPEC = "math"

#: End-of-turn / end-of-text markers stripped from the end of a decoded response.
END_TOKENS: tuple[str, ...] = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end|>",
    "<|return|>",
    "<end_of_turn>",
    "<eos>",
    "</s>",
)
_TRAILING_END = re.compile("(?:\\s*(?:" + "|".join(re.escape(t) for t in END_TOKENS) + "))+\\s*\\Z")


def response_from_query(query: str, prompt: Any) -> str:
    """The response part of an OpenRLHF query (prompt + response), end tokens stripped."""
    query = "" if query is None else str(query)
    response = query
    if isinstance(prompt, str) and prompt:
        at = query.find(prompt)
        if at >= 0:
            response = query[at + len(prompt) :]
    return _TRAILING_END.sub("", response)


def _reference(label: Any) -> Any:
    return None if label is None or (isinstance(label, str) and not label.strip()) else label


class RewardFunc:
    """An OpenRLHF ``reward_func(queries, prompts, labels, **kwargs)`` bound to a spec and a default."""

    def __init__(self, spec: SpecLike | None = None, default: float | None = None, name: str | None = None):
        self.spec = spec
        self.default = default
        self.__name__ = name or (f"rewardkit_{spec_label(spec)}" if spec is not None else "reward_func")

    def __repr__(self) -> str:
        return f"RewardFunc({self.__name__!r}, spec={self.spec!r})"

    def resolved_spec(self) -> SpecLike:
        if self.spec is not None:
            return self.spec
        return os.environ.get("REWARDKIT_SPEC", "").strip() or DEFAULT_SPEC

    def samples(
        self, queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any] | None
    ) -> list[Sample]:
        n = len(queries)
        prompts = list(prompts) if prompts is not None else [""] * n
        labels = list(labels) if labels is not None else [None] * n
        if len(prompts) != n or len(labels) != n:
            raise ValueError(f"reward_func got {n} queries, {len(prompts)} prompts and {len(labels)} labels")
        responses = [response_from_query(q, p) for q, p in zip(queries, prompts, strict=True)]
        return to_samples(responses, prompts, [_reference(x) for x in labels], group_ids(prompts))

    def scores(
        self, queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any] | None
    ) -> list[Score]:
        samples = self.samples(queries, prompts, labels)
        if not samples:
            return []
        scores = load_verifier(self.resolved_spec()).score_batch(samples)
        if len(scores) != len(samples):
            raise RuntimeError(f"the verifier returned {len(scores)} scores for {len(samples)} samples")
        return scores

    def __call__(
        self,
        queries: Sequence[str],
        prompts: Sequence[Any],
        labels: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        import torch

        scores = self.scores(queries, prompts, labels)
        default = float(self.default) if self.default is not None else env_default()
        rewards = torch.tensor([value_or(s, default) for s in scores], dtype=torch.float32)
        extra_logs = {
            f"rewardkit_{status}": torch.tensor(
                [1.0 if s.status.value == status else 0.0 for s in scores], dtype=torch.float32
            )
            for status in STATUSES
        }
        return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": extra_logs}


def make_reward_func(
    spec: SpecLike | None = None, *, default: float | None = None, name: str | None = None
) -> RewardFunc:
    """An OpenRLHF reward function for ``spec`` (default: ``$REWARDKIT_SPEC``, else ``math``); non-ok
    scores get ``default`` (default: ``$REWARDKIT_DEFAULT``, else 0.0)."""
    return RewardFunc(spec, default, name)


_ENV_REWARD_FUNC = RewardFunc()


def reward_func(
    queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF's entry point: the spec from ``$REWARDKIT_SPEC`` (default ``math``), non-ok scores as
    ``$REWARDKIT_DEFAULT`` (default 0.0). Returns ``{"rewards", "scores", "extra_logs"}`` (float32 tensors)."""
    return _ENV_REWARD_FUNC(queries, prompts, labels, **kwargs)


__all__ = ["END_TOKENS", "RewardFunc", "make_reward_func", "response_from_query", "reward_func"]
