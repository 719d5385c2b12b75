"""The pointwise LLM judge: one score on a declared scale per response, with the judge's explanation.

>>> from rewardkit.judges.pointwise import JudgeVerifier
>>> judge = JudgeVerifier(template="pointwise", scale="1-5", cache=False)  # SmolLM2 on transformers
>>> judge.config.model, judge.template.output, judge.scale.name
('smollm2', 'score', '1-5')

A registered verifier (``judge``), so it works in reward specs, the server and every trainer adapter.
The score comes from the judge's own probabilities over the scale's labels when the backend returns top
logprobs (the expectation, with the spread reported as the judge's confidence), else from the parsed
text; ``details["value_from"]`` says which. See :data:`SCORE_RULE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from rewardkit.judges.engine import (
    JudgeAnswer,
    JudgeCall,
    JudgeEngine,
    JudgeOptions,
    expectation,
    label_distribution,
)
from rewardkit.judges.parse import Parsed, Scale, explanation, parse_score
from rewardkit.judges.templates import JudgeTemplate, as_text, load_template
from rewardkit.types import Sample, Score, Status
from rewardkit.verifier import Verifier, VerifierConfig, register

SCORE_RULE = """\
How the pointwise judge turns an answer into a Score:
- The verdict is read from the judge's final answer (after any <think> draft; never from text it copied
  from the prompt); see rewardkit.judges.parse. Unreadable after the retries: status unparseable, value
  None, every attempt in details["attempts"] (rewardkit.judges.engine.RETRY_RULE).
- With logprobs on and a backend that returns top logprobs, the score is the expectation of the scale's
  values under the judge's probabilities over the labels at the verdict token (normalised over the
  labels; details["logprob"] holds the distribution, its coverage and std), and details["confidence"] is
  1 - std / (half the scale's range): 1 when the judge puts all its mass on one label. Otherwise (no
  logprobs, a continuous 0-1 scale, a label that spans several tokens) the parsed label's value is the
  score and details["logprob"]["unavailable"] says why.
- `normalize: true` (default) maps the score to [0, 1] ((score - low) / (high - low)); details["score"]
  keeps it on the judge's scale.
"""

ReferenceUse = Literal["auto", "always", "never"]


class JudgeConfig(JudgeOptions, VerifierConfig):
    template: str = Field("pointwise", description="judge template: a name in judges/ or a YAML path")
    scale: str | list[str] | dict[str, float] | None = Field(
        None, description="the scale, overriding the template's: 1-5, 1-10, 0-1, yes/no, ..."
    )
    reference: ReferenceUse = Field(
        "auto",
        description="show Sample.reference to the judge: auto (when there is one), always (required), never",
    )
    normalize: bool = Field(True, description="map the score to [0, 1]")


def reference_text(sample_reference: Any, use: ReferenceUse) -> str | None | Score:
    """The reference the judge sees, or the error Score when ``always`` finds none."""
    if use == "never":
        return None
    text = as_text(sample_reference) or None
    if text is None and use == "always":
        return Score.error(
            "reference: always: the sample has no reference (Sample.reference); give one or set "
            "reference: auto"
        )
    return text


@register
class JudgeVerifier(Verifier):
    """An LLM judge scoring each response on a scale; see the module docstring and :data:`SCORE_RULE`."""

    name = "judge"
    Config = JudgeConfig
    config: JudgeConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.template: JudgeTemplate = load_template(self.config.template)
        self.template.require(self.name, "score")
        self.scale: Scale = self.template.scale(self.config.scale)
        self.engine = JudgeEngine(self.config, self.template.text_hash, self.name)

    def _calls(self, samples: Sequence[Sample]) -> tuple[list[Score | None], list[int], list[JudgeCall]]:
        early: list[Score | None] = [None] * len(samples)
        todo, calls = [], []
        for i, sample in enumerate(samples):
            reference = reference_text(sample.reference, self.config.reference)
            if isinstance(reference, Score):
                early[i] = reference
                continue
            if not sample.response.strip():
                early[i] = Score.unparseable("empty response: nothing to judge")
                continue
            messages = self.template.messages(
                prompt=as_text(sample.prompt), response=sample.response, reference=reference, scale=self.scale
            )
            todo.append(i)
            calls.append(JudgeCall(messages, lambda text, echo: parse_score(text, self.scale, echo=echo)))
        return early, todo, calls

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        early, todo, calls = self._calls(samples)
        return self._scores(early, todo, self.engine.run(calls) if calls else [])

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        early, todo, calls = self._calls(samples)
        return self._scores(early, todo, await self.engine.arun(calls) if calls else [])

    def _scores(self, early: list[Score | None], todo: list[int], answers: list[JudgeAnswer]) -> list[Score]:
        for i, answer in zip(todo, answers, strict=True):
            early[i] = self.score_answer(answer)
        return early  # type: ignore[return-value]

    def score_answer(self, answer: JudgeAnswer) -> Score:
        """One judge answer as a Score (by :data:`SCORE_RULE`)."""
        details: dict[str, Any] = {
            "template": self.template.name,
            "model": self.config.model,
            "scale": self.scale.name,
            **answer.details(),
        }
        if answer.error:
            return Score(None, Status.ERROR, answer.error, details)
        parsed = answer.parsed
        assert isinstance(parsed, Parsed)
        if not parsed.ok:
            reason = f"{parsed.reason} (after {len(answer.attempts)} draw(s))"
            return Score(None, Status.UNPARSEABLE, reason, details)
        score, extra = scale_score(self.scale, answer, parsed, self.config.logprobs)
        details.update(extra)
        details["explanation"] = explanation(answer.text, parsed)
        value = self.scale.normalize(score) if self.config.normalize else score
        return Score(value, Status.OK, "", details)


def scale_score(
    scale: Scale, answer: JudgeAnswer, parsed: Parsed, use_logprobs: bool
) -> tuple[float, dict[str, Any]]:
    """The score on ``scale`` (the logprob expectation when it can be read, else the parsed value) and the
    details that say how it was made."""
    details: dict[str, Any] = {"label": parsed.label, "parsed_score": float(parsed.value), "how": parsed.how}
    score = float(parsed.value)
    if not use_logprobs:
        details["value_from"] = "text"
    elif scale.continuous:
        details["value_from"] = "text"
        details["logprob"] = {"unavailable": f"the {scale.name} scale is continuous: no labels to weigh"}
    else:
        distribution, seen = label_distribution(answer.generation, parsed, scale.labels)
        if distribution is None:
            details["value_from"] = "text"
            details["logprob"] = seen
        else:
            values = {lab: scale.value_of(lab) for lab in scale.labels}
            score, std = expectation(distribution, values)
            half = (scale.high - scale.low) / 2 or 1.0
            details["value_from"] = "logprobs"
            details["logprob"] = {"distribution": distribution, "expected": score, "std": std, **seen}
            details["confidence"] = max(0.0, 1.0 - std / half)
    details["score"] = score
    return score, details


__all__ = ["SCORE_RULE", "JudgeConfig", "JudgeVerifier", "reference_text", "scale_score"]
