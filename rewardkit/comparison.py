"""Pairwise comparisons: one prompt, two responses -> a preference; and the bridge to pointwise rewards.

A :class:`Comparator` turns :class:`~rewardkit.types.Comparison` s into
:class:`~rewardkit.types.Preference` s (A, B or a tie; P(A) when the judge gives one; whether both
presentation orders agreed). Like verifiers, comparators are built from keyword config (a pydantic
``Config``), work in batches (``compare_batch``, ``acompare_batch``; order in == order out; a bad item
is a non-ok Preference, never an exception) and are found by name in :data:`COMPARATORS` (built-ins,
the entry-point group ``rewardkit.comparators``, and :func:`register_comparator`).

Built in: ``pointwise`` (:class:`PointwiseComparator`), which prefers the response that a verifier or a
reward spec scores higher. LLM judges plug in as further comparators.

For RL, the verifier ``pairwise`` (:class:`PairwiseReward`) turns preferences into one reward per
sample: each response against a reference response, or round-robin within its GRPO group (the win rate).

>>> from rewardkit.comparison import PairwiseReward, create_comparator
>>> from rewardkit.types import Comparison, Sample
>>> judge = create_comparator("pointwise", verifier="math", both_orders=True)
>>> pref = judge.compare(Comparison("16 - 3 - 4 = 9 eggs, 9 * 2 = 18. #### 18", "#### 20", reference="18"))
>>> str(pref.winner), pref.consistent, pref.details["orders"]["BA"]["winner"]
('A', True, 'B')
>>> reward = PairwiseReward(comparator="pointwise", config={"verifier": "math"}, mode="round_robin")
>>> group = [Sample(r, reference="18", group="ducks") for r in ("#### 18", "#### 20", "It is 18.")]
>>> [s.value for s in reward.score_batch(group)]  # right beats wrong (1), right ties right (0.5)
[0.75, 0.0, 0.75]
>>> alone = reward.score(Sample("#### 18", reference="18"))  # no group: no opponent, never a silent 0
>>> str(alone.status), alone.value, alone.details["games"]
('error', None, 0)
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from rewardkit.errors import ConfigError, format_problems, validation_problems
from rewardkit.registry import Configurable, Registry, StrictConfig
from rewardkit.types import Comparison, Preference, Sample, Score, Status, Verdict
from rewardkit.verifier import Verifier, VerifierConfig, checked_scores, get_verifier_class, register

ENTRY_POINT_GROUP = "rewardkit.comparators"

BOTH_ORDERS_RULE = """\
How a comparator with both_orders=True merges the two presentation orders of one comparison (A/B as
given, then B/A with the responses swapped; both orders of the whole batch go in ONE judge_batch call):
- Either order not ok: the merged preference takes that status (the A/B order's first, when both
  failed) and its reason, prefixed by the order; its winner is None. Never a silent tie.
- Both ok, same winner (after un-swapping the B/A verdict): that winner, consistent=True.
- Both ok, different winners: the outcome `inconsistent` (Verdict.INCONSISTENT, counted apart from ties;
  worth 0.5 as a reward, like a tie, unless a probability says otherwise), consistent=False.
- probability (P(A)): (p + (1 - p_swapped)) / 2, where p_swapped is P(first-presented) in the B/A order,
  i.e. P(B); None unless both orders gave one. A position-biased judge (P(first) = 0.8 whatever it
  sees) thus averages to 0.5.
- details["orders"] holds both raw preferences as the judge gave them: "AB" and "BA" (in "BA" the
  judge's A is the comparison's B).
"""

BRIDGE_RULE = """\
How the `pairwise` verifier turns preferences into rewards (one Score per sample):
- A game's result for a response: P(it wins) when the judge gives a probability, else 1 (win),
  0.5 (tie) or 0 (loss) (Preference.score_a, seen from the response's side).
- reference mode: one game per sample, the response (A) against its reference response (B);
  reward = that game's result.
- round_robin mode: every pair within a group (Sample.group) plays once (in both orders when the
  comparator's both_orders is on); reward = the mean result over the response's games, i.e.
  (wins + 0.5 * (ties + inconsistent)) / games, or the mean probability.
- A game that is not ok (judge failure, unscorable side) is left out of the mean and counted in
  details["failed"]; details["games"] counts the ok games. A sample with no ok game is not ok: it takes
  the status of its first failed game, or error when it had no game at all (no group, alone in its
  group, no reference response). Never a silent 0.
"""


# ---------------------------------------------------------------------------------------- comparator


class ComparatorConfig(StrictConfig):
    """Base of every comparator's config: unknown keys are rejected."""

    both_orders: bool = Field(
        False,
        description="judge each comparison as A/B and as B/A (one batch call) and merge; see BOTH_ORDERS_RULE",
    )


class Comparator(Configurable):
    """Compares two responses to one prompt. Subclasses set ``name`` and a ``Config`` model (a subclass
    of :class:`ComparatorConfig`), and implement ``judge_one`` or ``judge_batch``: the judgement of each
    comparison in the order it is presented (``response_a`` shown first).

    Callers use :meth:`compare_batch` / :meth:`acompare_batch` / :meth:`compare`, which add what every
    comparator shares: both presentation orders when ``both_orders`` is set (merged by
    :data:`BOTH_ORDERS_RULE`), and failures as non-ok preferences (an exception in ``judge_batch`` is an
    error preference for each item; a comparator never raises for a bad item).
    """

    Config: ClassVar[type[ComparatorConfig]] = ComparatorConfig
    config: Any

    # -- what subclasses implement: one presentation order ---------------------------------------------

    def judge_one(self, comparison: Comparison) -> Preference:
        raise NotImplementedError(f"{type(self).__name__} must implement judge_one or judge_batch")

    def judge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        """Judge each comparison as presented (A first). Default: ``judge_one`` per item; an exception is
        that item's error."""
        return [self._judge_guarded(c) for c in comparisons]

    async def ajudge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        """Async ``judge_batch``; default: ``judge_batch`` in a thread (override for async judges)."""
        return await asyncio.to_thread(self.judge_batch, list(comparisons))

    # -- what callers use --------------------------------------------------------------------------------

    def compare_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        """One preference per comparison, in order; both orders merged when ``both_orders`` is set."""
        comparisons = list(comparisons)
        if not comparisons:
            return []
        presented = self._presentations(comparisons)
        try:
            judged = self.judge_batch(presented)
        except Exception as exc:  # a judge failure fails its items, never the caller
            judged = self._all_failed(presented, exc)
        return self._merge(comparisons, self._checked(presented, judged))

    async def acompare_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        """Async :meth:`compare_batch` (one ``ajudge_batch`` call)."""
        comparisons = list(comparisons)
        if not comparisons:
            return []
        presented = self._presentations(comparisons)
        try:
            judged = await self.ajudge_batch(presented)
        except Exception as exc:
            judged = self._all_failed(presented, exc)
        return self._merge(comparisons, self._checked(presented, judged))

    def compare(self, comparison: Comparison) -> Preference:
        return self.compare_batch([comparison])[0]

    # -- internals ---------------------------------------------------------------------------------------

    def _judge_guarded(self, comparison: Comparison) -> Preference:
        try:
            return self.judge_one(comparison)
        except Exception as exc:
            return Preference.failed(Status.ERROR, f"{type(exc).__name__}: {exc}")

    def _presentations(self, comparisons: list[Comparison]) -> list[Comparison]:
        if not self.config.both_orders:
            return comparisons
        return comparisons + [c.swapped() for c in comparisons]

    def _all_failed(self, presented: list[Comparison], exc: Exception) -> list[Preference]:
        reason = f"{self.name or type(self).__name__}: {type(exc).__name__}: {exc}"
        return [Preference.failed(Status.ERROR, reason) for _ in presented]

    def _checked(self, presented: list[Comparison], judged: Any) -> list[Preference]:
        """The judge's output as one Preference per presented comparison (anything else: errors)."""
        who = self.name or type(self).__name__
        if not isinstance(judged, list) and isinstance(judged, Iterable) and not isinstance(judged, str):
            judged = list(judged)  # a tuple or a generator is fine
        if not isinstance(judged, list) or len(judged) != len(presented):
            got = f"{len(judged)} results" if isinstance(judged, list) else type(judged).__name__
            reason = f"{who} returned {got} for {len(presented)} comparisons (a comparator bug)"
            return [Preference.failed(Status.ERROR, reason) for _ in presented]
        return [
            p
            if isinstance(p, Preference)
            else Preference.failed(Status.ERROR, f"{who} returned a {type(p).__name__}, not a Preference")
            for p in judged
        ]

    def _merge(self, comparisons: list[Comparison], judged: list[Preference]) -> list[Preference]:
        if not self.config.both_orders:
            return judged
        n = len(comparisons)
        return [merge_orders(ab, ba) for ab, ba in zip(judged[:n], judged[n:], strict=True)]


def merge_orders(ab: Preference, ba: Preference) -> Preference:
    """One preference from the A/B judgement ``ab`` and the B/A judgement ``ba`` (as the judge gave it,
    responses swapped), by :data:`BOTH_ORDERS_RULE`."""
    details: dict[str, Any] = {"orders": {"AB": ab.to_dict(), "BA": ba.to_dict()}}
    for label, pref in (("A/B order", ab), ("B/A order (responses swapped)", ba)):
        if not pref.ok:
            return Preference(None, pref.status, None, None, f"{label}: {pref.reason}", details)
    first, second = ab.winner, ba.flipped().winner
    probability = None
    if ab.probability is not None and ba.probability is not None:
        probability = (ab.probability + (1.0 - ba.probability)) / 2
    if first == second:
        return Preference(first, Status.OK, probability, True, ab.reason, details)
    reason = f"the presentation orders disagree (A/B: {first}, B/A: {second}): inconsistent"
    return Preference(Verdict.INCONSISTENT, Status.OK, probability, False, reason, details)


# ------------------------------------------------------------------------------------------- registry

COMPARATORS: Registry[type[Comparator]] = Registry(
    "comparator",
    group=ENTRY_POINT_GROUP,
    base=Comparator,
    builtins={
        "pointwise": "rewardkit.comparison:PointwiseComparator",
        "judge": "rewardkit.judges.pairwise:JudgeComparator",
    },
)


def register_comparator(
    cls: type[Comparator] | None = None, *, name: str | None = None, replace: bool = False
) -> Any:
    """Class decorator: make a comparator available by its ``name``. A taken name (a built-in, a plugin,
    another class) is a ConfigError unless ``replace=True``."""
    return COMPARATORS.register(cls, name=name, replace=replace)


def unregister_comparator(name: str) -> None:
    """Forget a comparator registered at run time (tests, notebooks); built-ins come back on next use."""
    COMPARATORS.unregister(name)


def available_comparators() -> list[str]:
    return COMPARATORS.names()


def get_comparator_class(name: str) -> type[Comparator]:
    return COMPARATORS.get(name)


def create_comparator(name: str, **config: Any) -> Comparator:
    return get_comparator_class(name)(**config)


def _nested_config_error(owner: str, key: str, err: ConfigError) -> ConfigError:
    """A ConfigError raised while building something nested under ``key``, re-worded for ``owner``."""
    lines = str(err).splitlines() or [""]
    return ConfigError("\n".join(f"{owner}: {key}: {line}" for line in lines))


def _build_nested(owner: str, key: str, cls: type, config: dict[str, Any]) -> Any:
    """``cls(**config)`` with config problems reported at ``owner: key.<field>``."""
    try:
        cls.Config.model_validate(config)
    except ValidationError as err:
        problems = validation_problems(err, cls.Config, (key,))
        raise ConfigError(format_problems(owner, problems, limit=50)) from None
    try:
        return cls(**config)
    except ConfigError as err:
        raise _nested_config_error(owner, key, err) from None


# ------------------------------------------------------------------------------------------ pointwise


_FLOAT_SLACK = 1e-9  # 1.1 - 1.0 is 0.10000000000000009: a margin of 0.1 still ties it


class PointwiseComparator(Comparator):
    """Prefers the response that a verifier (``verifier`` + ``config``) or a reward spec (``spec``: a
    name or a path; ``config`` then holds the spec's per-component overrides) scores higher; scores
    within ``margin`` of each other (plus 1e-9 for float rounding) tie. Both sides of the whole batch are scored in one
    ``score_batch`` call. A side whose score is not ok makes the preference not ok, with that status,
    and the reason names the side (``response B: unparseable: ...``).

    Pointwise scores are order-free, so ``both_orders`` only doubles the work here; it exists so the
    comparator behaves like any other.
    """

    name = "pointwise"

    class Config(ComparatorConfig):
        verifier: str | None = Field(None, description="a registered verifier that scores each response")
        spec: str | None = Field(None, description="a reward spec (name or YAML path), instead of verifier")
        config: dict[str, Any] = Field(
            default_factory=dict,
            description="the verifier's keyword config (with spec: per-component overrides)",
        )
        margin: float = Field(
            0.0, ge=0, allow_inf_nan=False, description="score differences up to this are a tie"
        )

        @model_validator(mode="after")
        def _one_scorer(self) -> PointwiseComparator.Config:
            if (self.verifier is None) == (self.spec is None):
                raise ValueError(
                    "give exactly one of `verifier` (a verifier name) or `spec` (a reward spec name or path)"
                )
            return self

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.verifier: Verifier = self._build_scorer()

    def _build_scorer(self) -> Verifier:
        cfg = self.config
        if cfg.spec is not None:
            from rewardkit.spec import load_spec

            try:
                return load_spec(cfg.spec, **cfg.config)
            except ConfigError as err:
                raise _nested_config_error(self.name, "spec", err) from None
        try:
            cls = get_verifier_class(cfg.verifier)  # type: ignore[arg-type]
        except ConfigError as err:
            raise _nested_config_error(self.name, "verifier", err) from None
        return _build_nested(self.name, "config", cls, cfg.config)

    def _samples(self, comparisons: Sequence[Comparison]) -> list[Sample]:
        return [c.sample("A") for c in comparisons] + [c.sample("B") for c in comparisons]

    def judge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        comparisons = list(comparisons)
        return self._decide(comparisons, self.verifier.score_batch(self._samples(comparisons)))

    async def ajudge_batch(self, comparisons: Sequence[Comparison]) -> list[Preference]:
        comparisons = list(comparisons)
        return self._decide(comparisons, await self.verifier.ascore_batch(self._samples(comparisons)))

    def _decide(self, comparisons: list[Comparison], scores: list[Score]) -> list[Preference]:
        n = len(comparisons)
        scores = checked_scores(scores, 2 * n)
        return [self._prefer(a, b) for a, b in zip(scores[:n], scores[n:], strict=True)]

    def _prefer(self, a: Score, b: Score) -> Preference:
        bad = [(side, s) for side, s in (("A", a), ("B", b)) if not s.ok or s.value is None]
        if bad:
            status = next((s.status for _, s in bad if not s.ok), Status.ERROR)
            reason = "; ".join(
                f"response {side}: {s.status}: {s.reason or ('ok without a value' if s.ok else 'no reason given')}"
                for side, s in bad
            )
            sides = [side for side, _ in bad]
            return Preference.failed(
                status, reason, failed_sides=sides, scores={"A": a.to_dict(), "B": b.to_dict()}
            )
        diff = a.value - b.value  # type: ignore[operator]
        winner = (
            Verdict.TIE
            if abs(diff) <= self.config.margin + _FLOAT_SLACK
            else (Verdict.A if diff > 0 else Verdict.B)
        )
        return Preference(winner, Status.OK, details={"score_a": a.value, "score_b": b.value})


# ------------------------------------------------------------------------- the bridge to pointwise RL


class PairwiseRewardConfig(VerifierConfig):
    comparator: str = Field(description="a registered comparator (`available_comparators()`)")
    config: dict[str, Any] = Field(
        default_factory=dict, description="the comparator's keyword config (both_orders among it)"
    )
    mode: Literal["reference", "round_robin"] = Field(
        description="reference: each response against its reference response; round_robin: within its group"
    )
    reference_from: str = Field(
        "reference",
        description="reference mode: where the reference response is: 'reference', 'reference.<key>' or 'meta.<key>'",
    )

    @field_validator("reference_from")
    @classmethod
    def _reference_path(cls, value: str) -> str:
        root, dot, key = value.partition(".")
        if value != "reference" and not (root in ("reference", "meta") and dot and key):
            raise ValueError("use 'reference', 'reference.<key>' or 'meta.<key>'")
        return value


@register
class PairwiseReward(Verifier):
    """A pointwise reward for RL from a comparator; see :data:`BRIDGE_RULE` for the whole rule.

    ``mode: reference``: each sample's response (A) is compared with its reference response (B), taken
    from ``reference_from``: ``"reference"`` (``Sample.reference`` is the reference response text),
    ``"reference.<key>"`` (``Sample.reference[key]``, e.g. ``{"answer": "18", "response": "..."}``, so
    a verifier inside the comparator still finds the gold ``answer``) or ``"meta.<key>"``
    (``Sample.meta[key]``). The comparison carries the sample's whole ``reference`` for the judge. A
    missing reference response is an error score naming the field. Turn the comparator's
    ``both_orders`` on to cancel a judge's position bias (A is always the response here).

    ``mode: round_robin``: within each group (``Sample.group``; the group must be whole in one
    ``score_batch`` call), every pair of responses is compared once: a group of G samples costs
    G*(G-1)/2 comparisons (twice that many judgements with ``both_orders``), so 120 (240) for G=16 and
    496 (992) for G=32. The comparison carries the group's prompt, reference and meta (all samples of a
    group must share prompt and reference, or the group's samples are errors). A sample without a group,
    or alone in its group, has no game and is an error score (never a silent 0).

    Every comparison of a batch goes to the comparator in ONE ``compare_batch`` call.
    ``details``: ``mode``, ``games`` (ok games), ``failed`` (left out), ``wins``/``ties``/``losses``/``inconsistent``, and
    ``opponents``: one entry per game (``opponent``: the batch index or ``"reference"``, ``id``,
    ``result``, ``outcome`` win/tie/loss/inconsistent, ``consistent``, ``status``, ``reason``).
    """

    name = "pairwise"
    Config = PairwiseRewardConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        try:
            cls = get_comparator_class(self.config.comparator)
        except ConfigError as err:
            raise _nested_config_error(self.name, "comparator", err) from None
        self.comparator: Comparator = _build_nested(self.name, "config", cls, self.config.config)

    # -- scoring -----------------------------------------------------------------------------------------

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        scores, games, comparisons = self._plan(samples)
        prefs = self.comparator.compare_batch(comparisons) if comparisons else []
        return self._settle(samples, scores, games, comparisons, prefs)

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        scores, games, comparisons = self._plan(samples)
        prefs = await self.comparator.acompare_batch(comparisons) if comparisons else []
        return self._settle(samples, scores, games, comparisons, prefs)

    # -- planning: which games to play -------------------------------------------------------------------

    def _plan(
        self, samples: list[Sample]
    ) -> tuple[list[Score | None], list[tuple[int, int | None]], list[Comparison]]:
        """Scores decided without a game (errors), the games as (sample index, opponent index or None for
        the reference), and their comparisons."""
        scores: list[Score | None] = [None] * len(samples)
        games: list[tuple[int, int | None]] = []
        comparisons: list[Comparison] = []
        if self.config.mode == "reference":
            for i, sample in enumerate(samples):
                reference = self._reference_response(sample)
                if isinstance(reference, Score):
                    scores[i] = reference
                    continue
                games.append((i, None))
                comparisons.append(
                    Comparison(
                        sample.response,
                        reference,
                        sample.prompt,
                        sample.reference,
                        sample.group,
                        sample.id,
                        dict(sample.meta),
                    )
                )
            return scores, games, comparisons
        groups: dict[str, list[int]] = {}
        for i, sample in enumerate(samples):
            if sample.group is None:
                scores[i] = Score.error(
                    "round_robin: the sample has no group (Sample.group), so it has no opponent (0 games); "
                    "give the samples of one prompt the same group",
                    mode="round_robin",
                    games=0,
                    failed=0,
                )
            else:
                groups.setdefault(sample.group, []).append(i)
        for group, members in groups.items():
            first = samples[members[0]]
            if len(members) == 1:
                scores[members[0]] = Score.error(
                    f"round_robin: the sample is alone in its group {group!r} in this batch, so it has no "
                    "opponent (0 games); score a whole group in one batch",
                    mode="round_robin",
                    games=0,
                    failed=0,
                )
                continue
            odd = [
                m
                for m in members
                if (samples[m].prompt, samples[m].reference) != (first.prompt, first.reference)
            ]
            if odd:
                for m in members:
                    scores[m] = Score.error(
                        f"round_robin: group {group!r} mixes prompts or references (batch indexes "
                        f"{members[0]} and {odd[0]} differ); a group is the samples of one prompt",
                        mode="round_robin",
                        games=0,
                        failed=0,
                    )
                continue
            for a, b in combinations(members, 2):
                games.append((a, b))
                comparisons.append(
                    Comparison(
                        samples[a].response,
                        samples[b].response,
                        first.prompt,
                        first.reference,
                        group,
                        None,
                        dict(first.meta),
                    )
                )
        return scores, games, comparisons

    def _reference_response(self, sample: Sample) -> str | Score:
        where = self.config.reference_from
        root, _, key = where.partition(".")
        if root == "meta":
            container, label = sample.meta, "Sample.meta"
        else:
            container, label = sample.reference, "Sample.reference"
        if key:
            if not isinstance(container, dict) or key not in container:
                return Score.error(
                    f"reference: no reference response: {label} has no key {key!r} "
                    f"(reference_from={where!r}); put the reference response there",
                    mode="reference",
                    games=0,
                    failed=0,
                )
            value = container[key]
            label = f"{label}[{key!r}]"
        else:
            value = container
        if not isinstance(value, str):
            hint = (
                "; with a dict reference set reference_from to 'reference.<key>'"
                if isinstance(value, dict)
                else ""
            )
            return Score.error(
                f"reference: no reference response: {label} is {type(value).__name__}, not a response "
                f"text{hint}",
                mode="reference",
                games=0,
                failed=0,
            )
        return value

    # -- settling: preferences -> scores -----------------------------------------------------------------

    def _settle(
        self,
        samples: list[Sample],
        scores: list[Score | None],
        games: list[tuple[int, int | None]],
        comparisons: list[Comparison],
        prefs: list[Preference],
    ) -> list[Score]:
        if len(prefs) != len(comparisons):
            why = f"comparator {self.config.comparator!r} returned {len(prefs)} preferences for {len(comparisons)}"
            prefs = [Preference.failed(Status.ERROR, why) for _ in comparisons]
        played: dict[int, list[tuple[int | None, Preference]]] = {}
        for (a, b), pref in zip(games, prefs, strict=True):
            played.setdefault(a, []).append((b, pref))
            if b is not None:
                played.setdefault(b, []).append((a, pref.flipped()))
        for i, results in played.items():
            scores[i] = self._reward(samples, results)
        return scores  # type: ignore[return-value]

    def _reward(self, samples: list[Sample], results: list[tuple[int | None, Preference]]) -> Score:
        """One sample's Score from its games (each preference seen from the sample's side, as A)."""
        opponents = []
        for opponent, pref in results:
            entry: dict[str, Any] = {
                "opponent": "reference" if opponent is None else opponent,
                "id": None if opponent is None else samples[opponent].id,
                "result": pref.score_a,
                "outcome": None if pref.winner is None else _OUTCOME[pref.winner],
                "consistent": pref.consistent,
                "status": pref.status.value,
            }
            if pref.reason:
                entry["reason"] = pref.reason
            opponents.append(entry)
        ok = [pref for _, pref in results if pref.ok]
        failed = [pref for _, pref in results if not pref.ok]
        details: dict[str, Any] = {
            "mode": self.config.mode,
            "games": len(ok),
            "failed": len(failed),
            "wins": sum(p.winner is Verdict.A for p in ok),
            "ties": sum(p.winner is Verdict.TIE for p in ok),
            "losses": sum(p.winner is Verdict.B for p in ok),
            "inconsistent": sum(p.winner is Verdict.INCONSISTENT for p in ok),
            "opponents": opponents,
        }
        if not ok:
            first = failed[0]
            if self.config.mode == "reference":
                reason = f"the comparison with the reference failed: {first.reason}"
            else:
                reason = f"all {len(failed)} games failed; the first: {first.reason}"
            return Score(None, first.status, reason, details)
        value = math.fsum(p.score_a for p in ok) / len(ok)  # type: ignore[misc]
        reason = f"left out {len(failed)} failed game(s) of {len(results)}" if failed else ""
        return Score(value, Status.OK, reason, details)


_OUTCOME = {Verdict.A: "win", Verdict.TIE: "tie", Verdict.B: "loss", Verdict.INCONSISTENT: "inconsistent"}


__all__ = [
    "BOTH_ORDERS_RULE",
    "BRIDGE_RULE",
    "COMPARATORS",
    "Comparator",
    "ComparatorConfig",
    "PairwiseReward",
    "PairwiseRewardConfig",
    "PointwiseComparator",
    "available_comparators",
    "create_comparator",
    "get_comparator_class",
    "merge_orders",
    "register_comparator",
    "unregister_comparator",
]
