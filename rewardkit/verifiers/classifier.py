"""Sequence-classifier reward models (Skywork-Reward-V2 style).

The conversation (prompt + the response as the assistant's turn) is rendered with the reward model's
own chat template and read by its classification head; the chosen logit is the reward. Any
``AutoModelForSequenceClassification`` checkpoint works: an alias, a local folder or a hub id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from rewardkit.engine.backends import ClassifyRequest, backend_class
from rewardkit.types import Sample, Score
from rewardkit.verifier import register
from rewardkit.verifiers.model import ModelConfig, ModelVerifier, render_conversation


@register
class ClassifierVerifier(ModelVerifier):
    """value = the reward model's logit for ``label`` (optionally through a sigmoid)."""

    name = "classifier"

    class Config(ModelConfig):
        model: str = Field(description="sequence-classification reward model: folder or hub id")
        label: int = Field(0, ge=0, description="which logit is the reward (0 for single-logit RMs)")
        transform: Literal["none", "sigmoid"] = Field("none", description="none: raw logit; sigmoid: (0, 1)")

    def backend_defaults(self) -> dict[str, Any]:
        """A backend that loads heads (transformers, vLLM) loads the sequence-classification head."""
        head = backend_class(self.config.backend).Config.model_fields.get("head")
        return {"head": "classifier"} if head is not None else {}

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        try:
            backend = self.backend()
        except Exception as exc:  # the model cannot load: every sample says why
            return [Score.from_exception(exc) for _ in samples]
        scores: list[Score | None] = [None] * len(samples)
        todo, requests = [], []
        for i, sample in enumerate(samples):
            if not sample.response.strip():
                scores[i] = Score.unparseable("empty response")
                continue
            try:
                text = render_conversation(backend, sample)
            except Exception as exc:
                scores[i] = Score.error(f"cannot render the conversation: {type(exc).__name__}: {exc}")
                continue
            todo.append(i)
            requests.append(ClassifyRequest(text))
        if requests:
            try:
                results = backend.classify(requests)
            except Exception as exc:
                results = None
                for i in todo:
                    scores[i] = Score.from_exception(exc)
            for i, result in zip(todo, results or [], strict=False):
                if self.config.label >= len(result.logits):
                    scores[i] = Score.error(
                        f"label {self.config.label} out of range: the model has {len(result.logits)} logits"
                    )
                    continue
                logit = result.logits[self.config.label]
                value = _sigmoid(logit) if self.config.transform == "sigmoid" else logit
                scores[i] = Score(value, details={"logits": result.logits})
        return scores  # type: ignore[return-value]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)  # no overflow for very negative logits
    return z / (1 + z)


__all__ = ["ClassifierVerifier"]
