"""Step scores: the Score/StepScore shapes, aggregation, and their passage through reward specs."""

from __future__ import annotations

import re

import pytest

from rewardkit import CPUVerifier, Sample, Score, Status, StepScore, load_spec
from rewardkit.types import AGGREGATIONS, aggregate, first_error_step

ARITHMETIC = re.compile(r"^\s*(-?\d+)\s*([-+*])\s*(-?\d+)\s*=\s*(-?\d+)\s*$")


class ArithmeticSteps(CPUVerifier):
    """Each line of the response is a step `a op b = c`; a step scores 1.0 when the arithmetic holds."""

    name = "test_arithmetic_steps"

    class Config(CPUVerifier.Config):
        aggregation: str = "min"

    def score_one(self, sample: Sample) -> Score:
        steps, offset = [], 0
        for line in sample.response.split("\n"):
            start, offset = offset, offset + len(line) + 1
            if not line.strip():
                continue
            m = ARITHMETIC.match(line)
            if m is None:
                steps.append(StepScore(None, (start, start + len(line)), {"why": "not arithmetic"}))
                continue
            a, op, b, c = int(m[1]), m[2], int(m[3]), int(m[4])
            value = {"+": a + b, "-": a - b, "*": a * b}[op]
            steps.append(StepScore(1.0 if value == c else 0.0, (start, start + len(line))))
        return Score.from_steps(steps, self.config.aggregation)


@pytest.mark.parametrize(
    ("how", "expected"),
    [("min", 0.2), ("max", 0.9), ("product", 0.9 * 0.2 * 0.6), ("last", 0.6), ("mean", (0.9 + 0.2 + 0.6) / 3),
     ("sum", 1.7), ("first_error", 0.0)],
)  # fmt: skip
def test_aggregations(how: str, expected: float) -> None:
    assert aggregate([0.9, 0.2, 0.6], how) == pytest.approx(expected)  # type: ignore[arg-type]


def test_aggregation_names_are_checked() -> None:
    assert set(AGGREGATIONS) >= {"min", "product", "last", "mean"}
    with pytest.raises(ValueError, match="unknown aggregation 'median'"):
        aggregate([1.0], "median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown aggregation 'median'"):
        Score(1.0, steps=[StepScore(1.0)], aggregation="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        StepScore(float("nan"))


def test_from_steps_statuses_and_round_trip() -> None:
    steps = [StepScore(0.9, (0, 4)), StepScore(0.3, (5, 9)), StepScore(0.8, (10, 12))]
    score = Score.from_steps(steps, "min")
    assert (score.value, score.status, score.aggregation) == (0.3, Status.OK, "min")
    assert score.step_values == [0.9, 0.3, 0.8]
    assert first_error_step(score.steps) == 1
    data = score.to_dict()
    assert data["steps"][1] == {"value": 0.3, "span": [5, 9]} and data["aggregation"] == "min"
    assert Score.from_dict(data) == score
    # a step without a score is never skipped silently; no steps at all is unparseable
    broken = Score.from_steps([StepScore(1.0), StepScore(None)], "mean")
    assert broken.status is Status.ERROR and broken.value is None and "step(s) 1" in broken.reason
    assert broken.steps is not None and len(broken.steps) == 2
    assert Score.from_steps([], "min").status is Status.UNPARSEABLE
    # a score without steps serialises as before
    assert set(Score(1.0).to_dict()) == {"value", "status", "reason", "details"}


def test_spec_passes_step_scores_on(write_spec, registered) -> None:
    registered(ArithmeticSteps)
    path = write_spec(
        """
        components:
          - name: steps
            verifier: test_arithmetic_steps
            config: {workers: 0, aggregation: product}
          - name: short
            verifier: length
            weight: 0.5
            config: {max_length: 1000}
        """
    )
    spec = load_spec(path)
    good, bad, garbled = spec.score_batch(
        [
            Sample("2 + 3 = 5\n5 * 4 = 20"),
            Sample("2 + 3 = 5\n5 * 4 = 21\n20 - 1 = 19"),
            Sample("2 + 3 = 5\nso the answer is 20"),
        ]
    )
    length = good.details["components"]["short"]["value"]
    assert good.ok and good.value == pytest.approx(1.0 + 0.5 * length)
    # the value is a weighted sum of two components, not made from the steps alone: aggregation "none",
    # the component's own aggregation kept beside it
    assert good.step_values == [1.0, 1.0] and good.aggregation == "none"
    assert good.details["steps_from"] == "steps" and good.details["steps_aggregation"] == "product"
    assert [s.span for s in good.steps] == [(0, 9), (10, 20)]
    assert (
        bad.ok and bad.step_values == [1.0, 0.0, 1.0] and bad.details["components"]["steps"]["value"] == 0.0
    )
    # a step the verifier could not read makes the component (required) an error, steps still visible
    assert garbled.status is Status.ERROR and garbled.value is None
    assert garbled.step_values == [1.0, None] and garbled.steps[1].details == {"why": "not arithmetic"}
    assert "steps" in garbled.to_dict() and garbled.to_dict()["aggregation"] == "none"


def test_a_spec_of_one_stepped_component_keeps_its_aggregation(write_spec, registered) -> None:
    registered(ArithmeticSteps)
    path = write_spec(
        """
        components:
          - name: steps
            verifier: test_arithmetic_steps
            config: {workers: 0, aggregation: min}
        """
    )
    (score,) = load_spec(path).score_batch([Sample("1 + 1 = 2\n2 * 2 = 5")])
    assert (score.value, score.aggregation, score.step_values) == (0.0, "min", [1.0, 0.0])
    assert "steps_aggregation" not in score.details


def test_aggregation_none_needs_a_value(write_spec, registered) -> None:
    with pytest.raises(ValueError, match="for a value made otherwise build Score"):
        Score.from_steps([StepScore(1.0)], "none")

    class NoValue(CPUVerifier):
        name = "test_no_value"

        def score_one(self, sample: Sample) -> Score:
            return Score(None, steps=[StepScore(1.0, (0, 1))], aggregation="none")

    registered(NoValue)
    path = write_spec(
        """
        components:
          - name: broken
            verifier: test_no_value
            config: {workers: 0}
        """
    )
    (score,) = load_spec(path).score_batch([Sample("x")])
    assert score.status is Status.ERROR and "ok without a value" in score.reason
    assert score.step_values == [1.0]  # the steps stay visible on the error


def test_spec_without_stepped_components_has_no_steps(write_spec) -> None:
    path = write_spec(
        """
        components:
          - name: correct
            verifier: exact_match
        """
    )
    (score,) = load_spec(path).score_batch([Sample("4", reference="4")])
    assert score.ok and score.steps is None and "steps_from" not in score.details
    assert "steps" not in score.to_dict()
