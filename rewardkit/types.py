"""The vocabulary every rewardkit module speaks: Sample in, Score out."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


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
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in self.prompt)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    def __post_init__(self) -> None:
        self.status = Status(self.status)
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "status": self.status.value,
            "reason": self.reason,
            "details": self.details,
        }


def gold_answer(reference: Any) -> Any:
    """The gold answer in a sample's reference: the value itself, or ``reference["answer"]`` (or
    ``["gold"]``) when the reference is a dict."""
    if isinstance(reference, dict):
        return reference.get("answer", reference.get("gold"))
    return reference


__all__ = ["Message", "Sample", "Score", "Status", "gold_answer"]
