"""Pairwise LLM judges: which of two responses is better, and best-of-n (one chosen among several).

:class:`JudgeComparator` (the comparator ``judge``) asks the judge with both presentation orders by
default (``both_orders: true``); a verdict that follows the position is the outcome ``inconsistent``,
counted apart from ties (see :data:`rewardkit.comparison.BOTH_ORDERS_RULE`). With ``both_orders: false``
each comparison is judged once, in the order given, or — ``shuffle: true`` — in an order drawn from the
seed and the comparison's text, so a run is reproducible and position bias averages out over a data set.
When the backend returns top logprobs, ``probability`` is P(A) + P(tie) / 2 at the verdict token, the
labels' probabilities normalised over A, B and the tie label C.

Use it as a reward through the ``pairwise`` verifier (each response against a reference response, or
round-robin within its GRPO group)::

    components:
      - name: preference
        verifier: pairwise
        config: {comparator: judge, mode: round_robin, config: {model: smollm2}}

:class:`BestOfJudge` presents n responses (A, B, C, D, ...) in a seeded order and reads the letter of the
best one; ``rotations`` > 1 asks again with the order rotated and keeps the majority, reporting whether
the rotations agreed (RewardBench 2's best-of-4 format, but seeded and with failures kept visible).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from rewardkit.comparison import Comparator, ComparatorConfig
from rewardkit.judges.engine import JudgeAnswer, JudgeCall, JudgeEngine, JudgeOptions, label_distribution
from rewardkit.judges.parse import Parsed, explanation, parse_choice
from rewardkit.judges.pointwise import ReferenceUse
from rewardkit.judges.templates import as_text, load_template
from rewardkit.registry import Configurable
from rewardkit.types import Comparison, Preference, Status, Verdict

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class JudgeComparatorConfig(JudgeOptions, ComparatorConfig):
    template: str = Field("pairwise", description="judge template: a name in judges/ or a YAML path")
    both_orders: bool = Field(True, description="judge A/B and B/A and merge (BOTH_ORDERS_RULE)")
    shuffle: bool = Field(
        False, description="with both_orders off: present each comparison in a seeded random order"
    )
    tie: bool = Field(True, description="the judge may answer a tie")
    reference: ReferenceUse = Field(
        "auto", description="show the comparison's reference: auto | always | never"
    )


def _coin(seed: int, *parts: str) -> bool:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()
    return bool(digest[0] & 1)


class JudgeComparator(Comparator):
    """An LLM judge comparing two responses; see the module docstring."""

    name = "judge"
    Config = JudgeComparatorConfig
    config: JudgeComparatorConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.template = load_template(self.config.template)
        self.template.require(self.name, "choice")
        self.engine = JudgeEngine(self.config, self.template.text_hash, f"comparator {self.name}")

    def _swap(self, comparison: Comparison) -> bool:
        if self.config.both_orders or not self.config.shuffle:
            return False
        return _coin(self.config.seed, comparison.prompt_text, comparison.response_a, comparison.response_b)

    def _calls(self, comparisons: Sequence[Comparison]) -> tuple[list[Preference | None], list[JudgeCall]]:
        early: list[Preference | None] = [None] * len(comparisons)
        calls = []
        tie = self.config.tie
        for i, c in enumerate(comparisons):
            shown = c.swapped() if self._swap(c) else c
            reference = None
            if self.config.reference != "never":
                reference = as_text(c.reference) or None
                if reference is None and self.config.reference == "always":
                    early[i] = Preference.failed(
                        Status.ERROR, "reference: always: the comparison has no reference; give one"
                    )
                    continue
            messages = self.template.messages(
                prompt=as_text(shown.prompt),
                response_a=shown.response_a,
                response_b=shown.response_b,
                reference=reference,
                labels=["A", "B"],
                tie=tie,
            )
            calls.append(
                JudgeCall(messages, lambda text, echo: parse_choice(text, ("A", "B"), tie=tie, echo=echo))
            )
        return early, calls

    def judge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        comparisons = list(comparisons)
        early, calls = self._calls(comparisons)
        return self._preferences(comparisons, early, self.engine.run(calls))

    async def ajudge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        comparisons = list(comparisons)
        early, calls = self._calls(comparisons)
        return self._preferences(comparisons, early, await self.engine.arun(calls))

    def _preferences(
        self, comparisons: list[Comparison], early: list[Preference | None], answers: list[JudgeAnswer]
    ) -> list[Preference]:
        out = []
        given = iter(answers)
        for c, first in zip(comparisons, early, strict=True):
            if first is not None:
                out.append(first)
                continue
            pref = self._preference(next(given))
            if self._swap(c):  # judged as B/A: seen from the comparison's side again
                pref = pref.flipped()
                pref.details["presented"] = "BA"
            out.append(pref)
        return out

    def _preference(self, answer: JudgeAnswer) -> Preference:
        details: dict[str, Any] = {
            "template": self.template.name,
            "model": self.config.model,
            **answer.details(),
        }
        if answer.error:
            return Preference(None, Status.ERROR, None, None, answer.error, details)
        parsed = answer.parsed
        assert isinstance(parsed, Parsed)
        if not parsed.ok:
            reason = f"{parsed.reason} (after {len(answer.attempts)} draw(s))"
            return Preference(None, Status.UNPARSEABLE, None, None, reason, details)
        winner = Verdict.TIE if parsed.value == "tie" else Verdict(parsed.value)
        details["explanation"] = explanation(answer.text, parsed)
        details["label"] = parsed.label
        probability = None
        if self.config.logprobs:
            # the labels the judge could have written at the verdict token: A, B and (MT-bench) C for a tie
            labels = ["A", "B"] + (["C"] if self.config.tie else [])
            distribution, seen = label_distribution(answer.generation, parsed, labels)
            if distribution is not None:
                probability = distribution["A"] + 0.5 * distribution.get("C", 0.0)  # a tie is worth half
                details["logprob"] = {"distribution": distribution, **seen}
                details["confidence"] = abs(2 * probability - 1)
            else:
                details["logprob"] = seen
        return Preference(winner, Status.OK, probability, None, "", details)


# ------------------------------------------------------------------------------------------ best-of-n


@dataclass
class Candidates:
    """One prompt and the responses to choose from (best-of-n)."""

    prompt: Any
    responses: list[str]
    reference: Any = None
    id: str | None = None


@dataclass
class Choice:
    """The best response's index among the candidates; ``votes`` per index over the rotations;
    ``consistent``: every rotation chose the same response (None with one rotation). ``index`` is None
    when the status is not ok, and also for an ok Choice whose rotations split evenly (no majority: the
    outcome is inconsistent, ``consistent`` False, and the reason says so)."""

    index: int | None
    status: Status = Status.OK
    reason: str = ""
    consistent: bool | None = None
    votes: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


class BestOfConfig(JudgeOptions):
    template: str = Field("best_of", description="judge template: a name in judges/ or a YAML path")
    rotations: int = Field(
        1, ge=1, le=26, description="ask with the order rotated this many times (at most n: no order twice)"
    )
    reference: ReferenceUse = Field("auto", description="show the reference: auto | always | never")


class BestOfJudge(Configurable):
    """Chooses the best of n responses; see the module docstring."""

    name = "best_of"
    Config = BestOfConfig
    config: BestOfConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.template = load_template(self.config.template)
        self.template.require(self.name, "choice")
        self.engine = JudgeEngine(self.config, self.template.text_hash, self.name)

    def orders(self, item: Candidates) -> list[list[int]]:
        """The presentation orders (response indexes, first shown first): a seeded shuffle, then its
        rotations."""
        n = len(item.responses)
        seed = "\x1f".join([str(self.config.seed), as_text(item.prompt), *item.responses])
        base = list(range(n))
        random.Random(hashlib.sha256(seed.encode()).hexdigest()).shuffle(base)
        return [base[r:] + base[:r] for r in range(min(self.config.rotations, n))]  # no order twice

    def choose_batch(self, items: Sequence[Candidates]) -> list[Choice]:
        """One Choice per item (order in == order out); all calls in one engine batch."""
        items = list(items)
        plan, calls = [], []
        for i, item in enumerate(items):
            if len(item.responses) < 2 or len(item.responses) > len(LETTERS):
                continue
            reference = None if self.config.reference == "never" else (as_text(item.reference) or None)
            if reference is None and self.config.reference == "always":
                continue
            for order in self.orders(item):
                labels = list(LETTERS[: len(order)])
                messages = self.template.messages(
                    prompt=as_text(item.prompt),
                    responses=[item.responses[k] for k in order],
                    labels=labels,
                    reference=reference,
                )
                calls.append(
                    JudgeCall(
                        messages,
                        lambda text, echo, ls=tuple(labels): parse_choice(text, ls, tie=False, echo=echo),
                    )
                )
                plan.append((i, order))
        answers = self.engine.run(calls) if calls else []
        per_item: dict[int, list[tuple[list[int], JudgeAnswer]]] = {}
        for (i, order), answer in zip(plan, answers, strict=True):
            per_item.setdefault(i, []).append((order, answer))
        return [self._choice(item, per_item.get(i, [])) for i, item in enumerate(items)]

    def _choice(self, item: Candidates, asked: list[tuple[list[int], JudgeAnswer]]) -> Choice:
        n = len(item.responses)
        if not asked:
            if 2 <= n <= len(LETTERS):
                return Choice(None, Status.ERROR, "reference: always: the item has no reference; give one")
            return Choice(None, Status.ERROR, f"best-of-n needs 2 to {len(LETTERS)} responses, got {n}")
        votes = [0] * n
        rounds = []
        failed = None
        for order, answer in asked:
            entry: dict[str, Any] = {"order": order, **answer.details()}
            if answer.ok:
                picked = order[LETTERS.index(answer.parsed.value)]  # type: ignore[union-attr]
                votes[picked] += 1
                entry["chose"] = picked
            else:
                failed = failed or answer
                entry["reason"] = answer.reason
            rounds.append(entry)
        details = {"rounds": rounds, "template": self.template.name, "model": self.config.model}
        if not any(votes):
            status = Status.ERROR if failed is not None and failed.error else Status.UNPARSEABLE
            return Choice(None, status, failed.reason if failed else "no answer", None, votes, details)
        top = Counter({k: v for k, v in enumerate(votes) if v}).most_common()
        if len(top) > 1 and top[0][1] == top[1][1]:
            reason = f"the rotations split evenly between responses {top[0][0]} and {top[1][0]}"
            return Choice(None, Status.OK, reason, False, votes, details)
        consistent = None if len(asked) == 1 else (top[0][1] == len(asked))
        return Choice(top[0][0], Status.OK, "", consistent, votes, details)


__all__ = [
    "BestOfConfig",
    "BestOfJudge",
    "Candidates",
    "Choice",
    "JudgeComparator",
    "JudgeComparatorConfig",
]
