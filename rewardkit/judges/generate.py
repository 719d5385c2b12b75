"""Rubric writing: the judge writes a rubric in rewardkit's schema for one prompt.

From a reference answer, or from a preference pair (contrast first, then synthesise): the judge first
lists what separates the chosen response from the rejected one (``rubric_contrast``), then writes compact
criteria (``rubric_write``). Each rubric is validated against the schema (:class:`RubricSpec`); a refused
rubric is asked for again with the reason shown to the judge, at most ``attempts`` times, each attempt
from fresh draws (sampled at ``retry_temperature`` with new seeds, never a greedy repeat). With a pair, a
rubric that does not reproduce the known preference (the chosen response must score higher than the
rejected one under the rubric, judged by the same model) is refused too. After the last attempt the
result is not ok and says why: nothing is returned as if it were a rubric.

    rewardkit rubric generate --prompt "..." --chosen "..." --rejected "..." --output rubric.yaml
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from rewardkit.errors import ConfigError
from rewardkit.judges.engine import JudgeCall, JudgeEngine, JudgeOptions
from rewardkit.judges.parse import Parsed, final_region, parse_json
from rewardkit.judges.rubric import Judging, Rubric, RubricVerifier
from rewardkit.judges.templates import as_text, load_template
from rewardkit.registry import Configurable
from rewardkit.types import Sample


class RubricWriterConfig(JudgeOptions):
    attempts: int = Field(3, ge=1, le=10, description="rubrics asked for at most (each refusal is shown)")
    contrast_template: str = Field("rubric_contrast", description="step 1 with a pair")
    write_template: str = Field("rubric_write", description="step 2: the rubric as JSON")
    judging: Judging = Field("per_criterion", description="how the check against a pair judges the criteria")
    max_tokens: int = Field(768, ge=1, description="new tokens per answer")


@dataclass
class GeneratedRubric:
    """The outcome: ``rubric`` (None unless ok), why not, and each attempt's raw answer and verdict."""

    rubric: Rubric | None
    reason: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)
    contrast: str = ""
    check: dict[str, Any] | None = None  # with a pair: the scores of chosen and rejected

    @property
    def ok(self) -> bool:
        return self.rubric is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rubric": self.rubric.to_dict() if self.rubric else None,
            "reason": self.reason,
            "contrast": self.contrast,
            "check": self.check,
            "attempts": self.attempts,
        }


class RubricWriter(Configurable):
    """Writes rubrics with an LLM judge; see the module docstring."""

    name = "rubric_writer"
    Config = RubricWriterConfig
    config: RubricWriterConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.contrast_template = load_template(self.config.contrast_template)
        self.write_template = load_template(self.config.write_template)
        self.contrast_template.require(f"{self.name}: contrast_template", "value")
        self.write_template.require(f"{self.name}: write_template", "json")
        digest = self.contrast_template.text_hash + "+" + self.write_template.text_hash
        self.engine = JudgeEngine(self.config, digest, self.name)

    def generate(
        self,
        prompt: Any,
        *,
        reference: Any = None,
        chosen: str | None = None,
        rejected: str | None = None,
    ) -> GeneratedRubric:
        """A rubric for ``prompt``: from ``reference``, or from the pair ``chosen`` > ``rejected``."""
        if (chosen is None) != (rejected is None):
            raise ConfigError("rubric generate: give both --chosen and --rejected, or neither")
        prompt_text = as_text(prompt)
        out = GeneratedRubric(None)
        if chosen is not None:
            messages = self.contrast_template.messages(
                prompt=prompt_text, response_a=chosen, response_b=rejected
            )
            answer = self.engine.run([JudgeCall(messages, _whole_answer)])[0]
            if not answer.ok:
                out.reason = f"the contrast step failed: {answer.reason}"
                return out
            out.contrast = str(answer.parsed.value)  # type: ignore[union-attr]
        feedback = None
        for attempt in range(self.config.attempts):
            messages = self.write_template.messages(
                prompt=prompt_text,
                reference=as_text(reference) or None,
                contrast=out.contrast or None,
                feedback=feedback,
            )
            # each attempt starts at a fresh draw: a refused rubric is not asked for again greedily with the
            # same seed (the same messages would return the same answer, or its cache entry)
            first_draw = attempt * (self.config.retries + 1)
            answer = self.engine.run([JudgeCall(messages, _rubric_answer)], first_draw=first_draw)[0]
            entry: dict[str, Any] = {
                "attempt": attempt,
                "judge_output": answer.text,
                "draws": len(answer.attempts),
            }
            out.attempts.append(entry)
            if not answer.ok:
                feedback = entry["refused"] = answer.reason
                continue
            rubric: Rubric = answer.parsed.value  # type: ignore[union-attr]
            if chosen is not None:
                verdict = self._reproduces(rubric, prompt, reference, chosen, rejected)  # type: ignore[arg-type]
                entry["check"] = out.check = verdict
                if not verdict["reproduced"]:
                    feedback = entry["refused"] = verdict["reason"]
                    continue
            out.rubric = rubric
            out.reason = ""
            return out
        out.reason = (
            f"no acceptable rubric after {self.config.attempts} attempt(s); the last was refused: {feedback}"
        )
        return out

    def _reproduces(
        self, rubric: Rubric, prompt: Any, reference: Any, chosen: str, rejected: str
    ) -> dict[str, Any]:
        options = self.config.model_dump(
            exclude={"attempts", "contrast_template", "write_template", "judging", "max_tokens"}
        )
        criteria = [c.model_dump(exclude_none=True) for c in rubric.spec.criteria]
        grader = RubricVerifier(**options, criteria=criteria, judging=self.config.judging)
        try:
            scores = grader.score_batch(
                [Sample(chosen, prompt, reference), Sample(rejected, prompt, reference)]
            )
        finally:
            grader.engine.close()
        values = [s.value for s in scores]
        if not all(s.ok for s in scores):
            bad = next(s for s in scores if not s.ok)
            return {
                "reproduced": False,
                "chosen": values[0],
                "rejected": values[1],
                "reason": f"the rubric could not grade the pair: {bad.reason}",
            }
        ok = values[0] > values[1]  # type: ignore[operator]
        reason = (
            ""
            if ok
            else (
                f"the rubric scores the worse response {values[1]:.2f} and the better one {values[0]:.2f}; "
                "write criteria that separate them"
            )
        )
        return {"reproduced": ok, "chosen": values[0], "rejected": values[1], "reason": reason}


def _whole_answer(text: str, echo: str) -> Parsed:
    region = final_region(text)
    body = text[region[0] : region[1]].strip() if region else ""
    marker = body.lower().rfind("extracted:")
    if marker >= 0:
        body = body[:marker].strip()
    if not body:
        return Parsed(False, reason="the judge wrote nothing after its draft")
    return Parsed(True, body, None, None, "text")


def _rubric_answer(text: str, echo: str) -> Parsed:
    data = parse_json(text)
    if data is None:
        return Parsed(False, reason='no JSON in the answer; write {"criteria": [{"text": ..., "kind": ...}]}')
    try:
        rubric = Rubric.from_data(data, "the judge's rubric")
    except ConfigError as err:
        return Parsed(False, reason=str(err))
    if any(c.check is not None for c in rubric.criteria):
        return Parsed(False, reason="generated criteria are judged: leave out `check`")
    return Parsed(True, rubric, None, None, "json")


__all__ = ["GeneratedRubric", "RubricWriter", "RubricWriterConfig"]
