"""The vocabulary every rewardkit module speaks: Sample in, Score out; Comparison in, Preference out.

- :class:`Sample` -> :class:`Score` for pointwise rewards (verifiers, specs, PRMs: a Score may carry one
  :class:`StepScore` per reasoning step, and names the :data:`Aggregation` that made its value);
- :class:`Comparison` -> :class:`Preference` for pairwise judgements (A, B or a tie, with a probability
  when the judge has one, and whether both presentation orders agreed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Literal


class Status(str, Enum):
    """How a score came about. Only ``ok`` scores carry a trustworthy value."""

    OK = "ok"
    UNPARSEABLE = "unparseable"  # the response had nothing the verifier could read (no answer, no code)
    TIMEOUT = "timeout"  # the verifier's own deadline ran out
    ERROR = "error"  # the verifier (parser, sympy, sandbox, model) failed

    def __str__(self) -> str:
        return self.value


Message = dict[str, Any]


@dataclass
class Sample:
    """One thing to score.

    ``prompt`` is text or a list of chat messages; ``reference`` is whatever the verifier needs (gold
    answer, tests, rubric, reference response); ``steps`` are the reasoning steps for process rewards;
    ``group`` names the GRPO group / prompt the sample belongs to; ``id`` identifies it in files.
    """

    response: str = ""
    prompt: str | list[Message] = ""
    reference: Any = None
    steps: list[str] | None = None
    group: str | None = None
    id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_text(self) -> str:
        """The prompt as plain text (chat messages joined by role)."""
        return prompt_text(self.prompt)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sample:
        """The inverse of :meth:`to_dict` (unknown keys are an error)."""
        return cls(**data)


def prompt_text(prompt: str | Sequence[Message]) -> str:
    """A prompt (text or chat messages) as plain text: messages joined as ``role: content`` lines."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in prompt)


#: How a Score's value is made from its step values. ``min`` (the weakest step: the usual PRM outcome
#: reward), ``product`` (all steps right), ``last`` (the final step), ``mean``, ``max``, ``sum``,
#: ``first_error`` (1.0 when no step is below the threshold, 0.5 unless given, else 0.0 — ProcessBench-style),
#: or ``none`` (the value was not made from the steps).
Aggregation = Literal["min", "product", "last", "mean", "max", "sum", "first_error", "none"]
AGGREGATIONS: tuple[str, ...] = ("min", "product", "last", "mean", "max", "sum", "first_error", "none")


@dataclass
class StepScore:
    """The score of one reasoning step: its value (None when this step could not be scored), and where
    the step is in the response (``span``: start and end character offsets, end exclusive)."""

    value: float | None
    span: tuple[int, int] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.value is not None:
            self.value = float(self.value)
            if math.isnan(self.value):
                raise ValueError("StepScore.value must not be NaN; use None for a step that has no score")
        if self.span is not None:
            self.span = (int(self.span[0]), int(self.span[1]))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "span": list(self.span) if self.span else None}
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepScore:
        span = data.get("span")
        return cls(data.get("value"), tuple(span) if span else None, dict(data.get("details") or {}))


def aggregate(values: Sequence[float], how: Aggregation, threshold: float = 0.5) -> float:
    """Step values -> one value, by ``how`` (see :data:`Aggregation`); ``threshold`` is where ``first_error``
    calls a step wrong (a value below it). ``values`` must not be empty."""
    if not values:
        raise ValueError("cannot aggregate no step values")
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    if how == "product":
        return math.prod(values)
    if how == "last":
        return values[-1]
    if how == "mean":
        return math.fsum(values) / len(values)
    if how == "sum":
        return math.fsum(values)
    if how == "first_error":
        return 0.0 if any(v < threshold for v in values) else 1.0
    raise ValueError(f"unknown aggregation {how!r}; one of {', '.join(AGGREGATIONS[:-1])}")


def first_error_step(steps: Sequence[StepScore], threshold: float = 0.5) -> int | None:
    """The index of the first step whose value is below ``threshold`` (None: no such step)."""
    for i, step in enumerate(steps):
        if step.value is not None and step.value < threshold:
            return i
    return None


@dataclass
class Score:
    """The result of scoring one sample.

    A failure is never silently 0.0: ``value`` is None unless ``status`` is ok (or a composite spec
    decided a value for a non-ok component). Adapters decide what a non-ok score becomes for a trainer.
    """

    value: float | None
    status: Status = Status.OK
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    steps: list[StepScore] | None = None  # one score per reasoning step (process rewards), in order
    aggregation: Aggregation | None = None  # how ``value`` was made from ``steps`` (None: no steps)

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if self.steps is not None:
            self.steps = [s if isinstance(s, StepScore) else StepScore.from_dict(s) for s in self.steps]
        if self.aggregation is not None and self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {self.aggregation!r}; one of {', '.join(AGGREGATIONS)}")
        if self.value is not None:
            self.value = float(self.value)
            if math.isnan(self.value):
                raise ValueError("Score.value must not be NaN; use value=None with a non-ok status")

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @classmethod
    def correct(cls, correct: bool, reason: str = "", **details: Any) -> Score:
        return cls(1.0 if correct else 0.0, Status.OK, reason, details)

    @classmethod
    def unparseable(cls, reason: str, **details: Any) -> Score:
        return cls(None, Status.UNPARSEABLE, reason, details)

    @classmethod
    def timeout(cls, reason: str, **details: Any) -> Score:
        return cls(None, Status.TIMEOUT, reason, details)

    @classmethod
    def error(cls, reason: str, **details: Any) -> Score:
        return cls(None, Status.ERROR, reason, details)

    @classmethod
    def from_exception(cls, exc: BaseException) -> Score:
        """A verifier bug or a parser blow-up: a scored error naming the exception, never a crash."""
        return cls.error(f"{type(exc).__name__}: {exc}")

    @classmethod
    def from_steps(
        cls,
        steps: Sequence[StepScore],
        aggregation: Aggregation = "min",
        reason: str = "",
        threshold: float = 0.5,
        **details: Any,
    ) -> Score:
        """A process reward: ``value`` aggregates the step values (``threshold``: see :func:`aggregate`). A
        step without a value makes the whole score an error (never a silently skipped step); no steps at
        all is unparseable."""
        if aggregation == "none":
            raise ValueError(
                "from_steps makes the value from the steps; for a value made otherwise build "
                "Score(value, steps=steps, aggregation='none')"
            )
        steps = list(steps)
        if not steps:
            return cls(None, Status.UNPARSEABLE, reason or "no steps to score", details, [], aggregation)
        missing = [i for i, s in enumerate(steps) if s.value is None]
        if missing:
            why = reason or f"step(s) {', '.join(map(str, missing))} have no score"
            return cls(None, Status.ERROR, why, details, steps, aggregation)
        value = aggregate([s.value for s in steps], aggregation, threshold)  # type: ignore[misc]
        return cls(value, Status.OK, reason, details, steps, aggregation)

    @property
    def step_values(self) -> list[float | None] | None:
        """The per-step values (None when the score has no steps)."""
        return None if self.steps is None else [s.value for s in self.steps]

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data; ``steps`` and ``aggregation`` appear only when the score has steps."""
        out: dict[str, Any] = {
            "value": self.value,
            "status": self.status.value,
            "reason": self.reason,
            "details": self.details,
        }
        if self.steps is not None:
            out["steps"] = [s.to_dict() for s in self.steps]
            out["aggregation"] = self.aggregation
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        """The inverse of :meth:`to_dict`."""
        steps = data.get("steps")
        return cls(
            data.get("value"),
            data.get("status", Status.OK),
            data.get("reason", ""),
            dict(data.get("details") or {}),
            None if steps is None else [StepScore.from_dict(s) for s in steps],
            data.get("aggregation"),
        )


# ---------------------------------------------------------------------------------------- pairwise


class Verdict(str, Enum):
    """Which response of a comparison is preferred. ``inconsistent``: the two presentation orders gave
    different verdicts (the judge's choice followed the position, not the responses); it is counted apart
    from a real ``tie`` and, as a reward, is worth what a tie is (0.5, or the probability)."""

    A = "A"
    B = "B"
    TIE = "tie"
    INCONSISTENT = "inconsistent"

    def __str__(self) -> str:
        return self.value

    def flipped(self) -> Verdict:
        """The same verdict seen with the two responses swapped."""
        return {Verdict.A: Verdict.B, Verdict.B: Verdict.A}.get(self, self)


@dataclass
class Comparison:
    """One prompt and two responses to compare (``reference``: a gold answer or reference response the
    judge may use). ``group`` and ``id`` work as on :class:`Sample`."""

    response_a: str
    response_b: str
    prompt: str | list[Message] = ""
    reference: Any = None
    group: str | None = None
    id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_text(self) -> str:
        return prompt_text(self.prompt)

    def swapped(self) -> Comparison:
        """The same comparison with A and B presented the other way round."""
        return Comparison(
            self.response_b, self.response_a, self.prompt, self.reference, self.group, self.id, self.meta
        )

    def sample(self, which: Literal["A", "B"]) -> Sample:
        """One side as a Sample (for pointwise scoring)."""
        response = self.response_a if which == "A" else self.response_b
        return Sample(response, self.prompt, self.reference, None, self.group, self.id, dict(self.meta))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Preference:
    """The outcome of a comparison.

    ``winner`` is A, B, tie or inconsistent (None unless ``status`` is ok: a failed judgement is never a silent tie);
    ``probability`` is P(A is preferred) when the judge gives one; ``consistent`` says whether both
    presentation orders agreed (None when only one order was judged).
    """

    winner: Verdict | None
    status: Status = Status.OK
    probability: float | None = None
    consistent: bool | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if self.winner is not None:
            self.winner = Verdict(self.winner)
        if self.probability is not None:
            self.probability = float(self.probability)
            if not 0.0 <= self.probability <= 1.0:
                raise ValueError(f"Preference.probability must be in [0, 1], got {self.probability}")
        if self.status is Status.OK and self.winner is None:
            raise ValueError("an ok Preference needs a winner (A, B or tie)")

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def score_a(self) -> float | None:
        """A's result as a reward: P(A) when known, else 1 (A wins), 0.5 (tie, inconsistent) or 0 (B wins)."""
        if not self.ok:
            return None
        if self.probability is not None:
            return self.probability
        return {Verdict.A: 1.0, Verdict.B: 0.0}.get(self.winner, 0.5)  # type: ignore[arg-type]

    def flipped(self) -> Preference:
        """The same preference seen with A and B swapped."""
        return Preference(
            None if self.winner is None else self.winner.flipped(),
            self.status,
            None if self.probability is None else 1.0 - self.probability,
            self.consistent,
            self.reason,
            self.details,
        )

    @classmethod
    def failed(cls, status: Status | str, reason: str, **details: Any) -> Preference:
        return cls(None, Status(status), None, None, reason, details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": None if self.winner is None else self.winner.value,
            "status": self.status.value,
            "probability": self.probability,
            "consistent": self.consistent,
            "reason": self.reason,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preference:
        return cls(
            data.get("winner"),
            data.get("status", Status.OK),
            data.get("probability"),
            data.get("consistent"),
            data.get("reason", ""),
            dict(data.get("details") or {}),
        )


def gold_answer(reference: Any) -> Any:
    """The gold answer in a sample's reference: the value itself, or ``reference["answer"]`` (or
    ``["gold"]``) when the reference is a dict."""
    if isinstance(reference, dict):
        return reference.get("answer", reference.get("gold"))
    return reference


__all__ = [
    "AGGREGATIONS",
    "Aggregation",
    "Comparison",
    "Message",
    "Preference",
    "Sample",
    "Score",
    "Status",
    "StepScore",
    "Verdict",
    "aggregate",
    "first_error_step",
    "gold_answer",
    "prompt_text",
]
