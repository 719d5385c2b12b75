"""Likelihood rewards: cross-model entropy, a novelty bonus and the DPO implicit reward.

All three read the log-probabilities a model assigns to the response given the prompt, through the
one backend interface (so they run on transformers, vLLM or an OpenAI-compatible server alike):

- ``likelihood`` (cross-model entropy, "Label-Free RL via Cross-Model Entropy"): the mean log-probability
  of the response tokens under a *separate verifier model*. Text in, re-tokenised by the verifier, so
  its tokenizer may differ from the generator's. Higher is better (closer to 0).
- ``novelty`` ("When RL Suppresses Its Own Vocabulary"): the response's log-perplexity under a frozen
  reference model, i.e. minus the mean log-probability. Higher means less expected text; use it with a
  small weight as a bonus beside a correctness reward.
- ``dpo``: the implicit reward of a DPO-trained policy, beta * (log pi(y|x) - log pi_ref(y|x)) summed
  over the response tokens, or reference-free (beta * log pi(y|x)) as RewardBench scores DPO models
  without their reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from rewardkit.engine.backends import Backend, LoglikelihoodRequest, LoglikelihoodResult
from rewardkit.types import Sample, Score
from rewardkit.verifier import register
from rewardkit.verifiers.model import ModelConfig, ModelVerifier, PromptMode, render_contexts


class LikelihoodConfig(ModelConfig):
    """What every likelihood reward shares: the scoring model and how the prompt is shown to it."""

    model: str = Field("gemma3-270m", description="model alias, local folder or hub id")
    prompt: PromptMode = Field(
        "chat", description="chat: the model's chat template; raw: prompt text as is; none: no prompt"
    )
    max_tokens: int | None = Field(
        1024, ge=1, description="score at most this many response tokens (truncation is reported)"
    )


def response_logprobs(
    backend: Backend,
    samples: Sequence[Sample],
    config: LikelihoodConfig,
    contexts: list[str | Score] | None = None,
) -> list[LoglikelihoodResult | Score]:
    """Per-sample loglikelihood results, or the Score that explains why a sample has none. ``contexts``
    (default: rendered with this backend's chat template) lets two models score the very same text."""
    if contexts is None:
        contexts = render_contexts(backend, samples, config.prompt)
    out: list[LoglikelihoodResult | Score] = list(contexts)  # type: ignore[arg-type]
    todo: list[int] = []
    requests: list[LoglikelihoodRequest] = []
    for i, (sample, context) in enumerate(zip(samples, contexts, strict=True)):
        if isinstance(context, Score):
            continue
        todo.append(i)
        requests.append(LoglikelihoodRequest(context, sample.response, config.max_tokens))
    if requests:
        try:
            results = backend.loglikelihood(requests)
        except Exception as exc:  # the model failed for the batch: every sample in it says so
            for i in todo:
                out[i] = Score.from_exception(exc)
            return out
        for i, result in zip(todo, results, strict=True):
            out[i] = result if result.count else Score.unparseable("the response has no tokens to score")
    return out


def token_details(result: LoglikelihoodResult, keep_tokens: bool) -> dict[str, Any]:
    details: dict[str, Any] = {
        "sum_logprob": result.sum,
        "mean_logprob": result.mean,
        "tokens": result.count,
        "truncated": result.truncated,
    }
    if keep_tokens:
        details["token_logprobs"] = result.token_logprobs
        details["token_text"] = result.tokens
    return details


def group_zscore(samples: Sequence[Sample], scores: list[Score]) -> None:
    """Replace each ok value by its z-score within its GRPO group (samples without a group: own group).
    A group whose values are all equal gets 0 for each; the raw value stays in details."""
    groups: dict[Any, list[int]] = {}
    for i, (sample, score) in enumerate(zip(samples, scores, strict=True)):
        if score.ok:
            if sample.group is None:
                score.reason = "no Sample.group: a sample alone in its group normalises to 0"
            groups.setdefault(sample.group if sample.group is not None else ("__alone__", i), []).append(i)
    for members in groups.values():
        values = [scores[i].value for i in members]
        mean = math.fsum(values) / len(values)  # type: ignore[arg-type]
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))  # type: ignore[operator]
        for i in members:
            raw = scores[i].value
            scores[i].details["raw_value"] = raw
            scores[i].details["group_size"] = len(members)
            scores[i].value = (raw - mean) / std if std > 1e-12 else 0.0  # type: ignore[operator]


@register
class LikelihoodVerifier(ModelVerifier):
    """Cross-model entropy: mean (or summed) log-probability of the response under a verifier model."""

    name = "likelihood"

    class Config(LikelihoodConfig):
        reduce: Literal["mean", "sum"] = Field("mean", description="per-token mean (default) or sum")
        normalize: Literal["none", "group"] = Field(
            "none", description="group: z-score within each GRPO group (Sample.group)"
        )
        token_logprobs: bool = Field(False, description="put per-token logprobs in details")

    sign = 1.0  # novelty flips it

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        try:
            backend = self.backend()
        except Exception as exc:  # the model cannot load: every sample says why, nothing raises
            return [Score.from_exception(exc) for _ in samples]
        scores: list[Score] = []
        for item in response_logprobs(backend, samples, self.config):
            if isinstance(item, Score):
                scores.append(item)
                continue
            value = item.mean if self.config.reduce == "mean" else item.sum
            scores.append(Score(self.sign * value, details=token_details(item, self.config.token_logprobs)))
        if self.config.normalize == "group":
            group_zscore(samples, scores)
        return scores


@register
class NoveltyVerifier(LikelihoodVerifier):
    """Log-perplexity of the response under a frozen reference model (minus the mean logprob)."""

    name = "novelty"

    class Config(LikelihoodVerifier.Config):
        model: str = Field("smollm2", description="the frozen reference model (alias, folder or hub id)")

    sign = -1.0

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        scores = super().score_batch(samples)
        for score in scores:
            if score.ok and "mean_logprob" in score.details:
                score.details["perplexity"] = math.exp(-score.details["mean_logprob"])
        return scores


@register
class DPOVerifier(ModelVerifier):
    """DPO implicit reward: beta * (log pi(y|x) - log pi_ref(y|x)); reference-free without a reference."""

    name = "dpo"

    class Config(LikelihoodConfig):
        model: str = Field(description="the DPO-trained policy (alias, folder or hub id)")
        reference_model: str | None = Field(
            None, description="the DPO reference model; None scores reference-free (RewardBench)"
        )
        beta: float = Field(1.0, gt=0, description="DPO beta")
        reduce: Literal["sum", "mean"] = Field("sum", description="sum over tokens (DPO) or mean")

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        models = [self.config.model] + ([self.config.reference_model] if self.config.reference_model else [])
        per_model: list[list[LoglikelihoodResult | Score]] = []
        contexts = None  # rendered once, with the policy's chat template: both models read the same text
        for model in models:
            try:
                backend = self.backend(model)
            except Exception as exc:
                return [Score.from_exception(exc) for _ in samples]
            if contexts is None:
                contexts = render_contexts(backend, samples, self.config.prompt)
            per_model.append(response_logprobs(backend, samples, self.config, contexts))
        scores = []
        for items in zip(*per_model, strict=True):
            failed = next((x for x in items if isinstance(x, Score)), None)
            if failed is not None:
                scores.append(failed)
                continue
            logps = [x.mean if self.config.reduce == "mean" else x.sum for x in items]
            ratio = logps[0] - (logps[1] if len(logps) > 1 else 0.0)
            details = {"policy_logprob": logps[0], "tokens": items[0].count, "truncated": items[0].truncated}
            if len(logps) > 1:
                details["reference_logprob"] = logps[1]
            scores.append(Score(self.config.beta * ratio, details=details))
        return scores


__all__ = [
    "DPOVerifier",
    "LikelihoodConfig",
    "LikelihoodVerifier",
    "NoveltyVerifier",
    "group_zscore",
    "response_logprobs",
    "token_details",
]
