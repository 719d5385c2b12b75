"""Pairwise comparisons (rewardkit.comparison): comparators, both presentation orders, the registry kind,
the `pointwise` comparator on the real math verifier / real specs over real GSM8K and MATH-500 rows, and
the `pairwise` verifier (reference and round-robin rewards).

The real components do the judging wherever a judgement is claimed. The comparator doubles below exist only
to make edge cases cheap: a position-biased judge (always prefers what it sees first), a judge that fails
some items, one that crashes, one that returns the wrong number of results.
"""

from __future__ import annotations

import asyncio
import json
import re
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

import pytest

from rewardkit import RewardkitError
from rewardkit.comparison import (
    BOTH_ORDERS_RULE,
    COMPARATORS,
    Comparator,
    ComparatorConfig,
    PairwiseReward,
    PointwiseComparator,
    available_comparators,
    create_comparator,
    get_comparator_class,
    merge_orders,
    register_comparator,
    unregister_comparator,
)
from rewardkit.errors import ConfigError
from rewardkit.spec import load_spec
from rewardkit.types import Comparison, Preference, Sample, Status, Verdict
from rewardkit.verifier import Verifier, create_verifier, get_verifier_class, register

# ------------------------------------------------------------------------------------------ real data

RUNS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def _jsonl(path: Path, n: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if n is not None and len(rows) == n:
                break
    return rows


def gsm8k_gold(row: dict[str, Any]) -> str:
    return row["answer"].rsplit("####", 1)[1].strip().replace(",", "")


def gsm8k_wrong(row: dict[str, Any]) -> str:
    """The gold worked solution with its final '#### N' changed to N + 1 (a wrong answer, same shape)."""
    head, _ = row["answer"].rsplit("####", 1)
    return f"{head}#### {int(gsm8k_gold(row)) + 1}"


@pytest.fixture
def gsm8k(shared_data: Path) -> list[dict[str, Any]]:
    return _jsonl(shared_data / "gsm8k" / "test.jsonl", 12)


@pytest.fixture
def gsm8k_runs(shared_data: Path) -> list[dict[str, Any]]:
    """Rows of GSM8K with the four labelled GPT-3 solutions (is_correct from the GSM8K authors) and the gold
    answer; the first 10 rows hold both right and wrong runs."""
    tests = _jsonl(shared_data / "gsm8k" / "test.jsonl", 10)
    runs = _jsonl(shared_data / "gsm8k" / "example_model_solutions.jsonl", 10)
    for test, run in zip(tests, runs, strict=True):
        assert test["question"] == run["question"]
        run["gold"] = gsm8k_gold(test)
        run["gold_solution"] = test["answer"]
    return runs


@pytest.fixture
def math500(shared_data: Path) -> list[dict[str, Any]]:
    """MATH-500 rows with an integer answer that the solution boxes as written (so answer + 1 is wrong)."""
    rows = []
    for row in _jsonl(shared_data / "math500" / "test.jsonl"):
        if re.fullmatch(r"-?\d+", row["answer"]) and f"\\boxed{{{row['answer']}}}" in row["solution"]:
            rows.append(row)
        if len(rows) == 8:
            break
    assert len(rows) == 8
    return rows


def math500_wrong(row: dict[str, Any]) -> str:
    boxed = f"\\boxed{{{row['answer']}}}"
    head, tail = row["solution"].rsplit(boxed, 1)
    return f"{head}\\boxed{{{int(row['answer']) + 1}}}{tail}"


# ------------------------------------------------------------------------------------- test doubles


class FirstWins(Comparator):
    """Position-biased double: always prefers the response shown first (optionally with P(first))."""

    name = "test_first_wins"

    class Config(ComparatorConfig):
        probability: float | None = None

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.calls: list[list[Comparison]] = []

    def judge_batch(self, comparisons):
        self.calls.append(list(comparisons))
        return [Preference(Verdict.A, probability=self.config.probability) for _ in comparisons]


class LongerWins(Comparator):
    """Prefers the longer response, with a first-position lean in its probability: P(first) = 0.7 when the
    first is longer, else 0.4 (so its two orders give different probabilities)."""

    name = "test_longer_wins"

    def judge_one(self, c: Comparison) -> Preference:
        if len(c.response_a) == len(c.response_b):
            return Preference(Verdict.TIE, probability=0.5)
        first_longer = len(c.response_a) > len(c.response_b)
        return Preference(Verdict.A if first_longer else Verdict.B, probability=0.7 if first_longer else 0.4)


class Flaky(Comparator):
    """Fails (with ``status``) every comparison that shows a response containing ``fail_on``; with
    ``first_only`` only when that response is shown first, so only one presentation order fails."""

    name = "test_flaky"

    class Config(ComparatorConfig):
        fail_on: str = "FAIL"
        status: Literal["timeout", "error", "unparseable"] = "timeout"
        first_only: bool = False
        raise_on: str | None = None

    def judge_one(self, c: Comparison) -> Preference:
        if self.config.raise_on and self.config.raise_on in c.response_a + c.response_b:
            raise ValueError("judge blew up on this item")
        if self.config.fail_on in c.response_a or (
            not self.config.first_only and self.config.fail_on in c.response_b
        ):
            return Preference.failed(self.config.status, "judge timed out")
        return Preference(Verdict.A if len(c.response_a) >= len(c.response_b) else Verdict.B)


class Crashing(Comparator):
    name = "test_crashing"

    def judge_batch(self, comparisons):
        raise RuntimeError("judge server is down")


class ShortCounted(Comparator):
    name = "test_short_counted"

    def judge_batch(self, comparisons):
        return [Preference(Verdict.A)] * (len(comparisons) - 1)


@pytest.fixture
def comparators() -> Any:
    """comparators(cls, name=None) -> cls: registered for this test only (public registry API)."""
    names: list[str] = []

    def add(cls: Any, name: str | None = None) -> Any:
        register_comparator(cls, name=name, replace=True)
        names.append(name or cls.name)
        return cls

    yield add
    for name in names:
        unregister_comparator(name)


def rr(comparator: str, **config: Any) -> PairwiseReward:
    return PairwiseReward(comparator=comparator, config=config, mode="round_robin")


# ------------------------------------------------------------------------ pointwise on real data


@pytest.mark.parametrize("both_orders", [False, True])
def test_pointwise_math_prefers_the_correct_gsm8k_solution(gsm8k, both_orders):
    judge = create_comparator("pointwise", verifier="math", both_orders=both_orders)
    comparisons, expected = [], []
    for k, row in enumerate(gsm8k):
        right, wrong = row["answer"], gsm8k_wrong(row)
        a, b, want = (right, wrong, Verdict.A) if k % 2 == 0 else (wrong, right, Verdict.B)
        comparisons.append(Comparison(a, b, row["question"], gsm8k_gold(row), id=f"q{k}"))
        expected.append(want)
    # two right answers (the gold solution and its bare final line) tie
    comparisons.append(
        Comparison(gsm8k[0]["answer"], f"#### {gsm8k_gold(gsm8k[0])}", reference=gsm8k_gold(gsm8k[0]))
    )
    expected.append(Verdict.TIE)

    prefs = judge.compare_batch(comparisons)

    assert [p.winner for p in prefs] == expected
    assert all(p.ok and p.probability is None for p in prefs)
    first_scores = prefs[0].details["orders"]["AB"]["details"] if both_orders else prefs[0].details
    assert first_scores == {"score_a": 1.0, "score_b": 0.0}
    if both_orders:
        assert all(p.consistent is True for p in prefs)
        # the B/A judgement is kept raw: the judge saw the wrong answer first and preferred its B
        assert prefs[0].details["orders"]["BA"]["winner"] == "B"
        assert prefs[0].details["orders"]["BA"]["details"] == {"score_a": 0.0, "score_b": 1.0}
    else:
        assert all(p.consistent is None for p in prefs)


def test_pointwise_scores_both_sides_in_one_verifier_call(gsm8k, monkeypatch):
    judge = create_comparator("pointwise", verifier="math", both_orders=True)
    seen: list[list[Sample]] = []
    real = judge.verifier.score_batch

    def spy(samples):
        seen.append(list(samples))
        return real(samples)

    monkeypatch.setattr(judge.verifier, "score_batch", spy)
    comparisons = [Comparison(r["answer"], gsm8k_wrong(r), r["question"], gsm8k_gold(r)) for r in gsm8k[:5]]
    prefs = judge.compare_batch(comparisons)
    assert [p.winner for p in prefs] == [Verdict.A] * 5
    assert len(seen) == 1 and len(seen[0]) == 20  # 5 comparisons x 2 orders x 2 sides
    # each side keeps the comparison's prompt and reference
    assert seen[0][0].prompt == gsm8k[0]["question"] and seen[0][0].reference == gsm8k_gold(gsm8k[0])


def test_pointwise_with_the_gsm8k_spec_and_a_margin(gsm8k_runs):
    row = next(r for r in gsm8k_runs if r["175b_verification"]["is_correct"])
    gold_solution, model = row["gold_solution"], row["175b_verification"]["solution"]  # "#### x" vs "A: x"
    comparison = Comparison(gold_solution, model, row["question"], row["gold"])

    strict = create_comparator("pointwise", spec="gsm8k")  # the real spec from verifiers/gsm8k.yaml
    pref = strict.compare(comparison)
    assert pref.winner is Verdict.A  # both right; only the gold ends on a '####' line (+0.1)
    assert pref.details == pytest.approx({"score_a": 1.1, "score_b": 1.0})

    lenient = create_comparator("pointwise", spec="gsm8k", margin=0.1)
    assert lenient.compare(comparison).winner is Verdict.TIE
    # spec overrides go through `config`, by component name
    flexible_off = create_comparator("pointwise", spec="gsm8k", config={"correctness": {"mode": "strict"}})
    assert flexible_off.verifier.components[0].verifier.config.mode == "strict"


def test_pointwise_with_the_math_spec_by_path_on_math500(math500, repo_root):
    judge = create_comparator("pointwise", spec=str(repo_root / "verifiers" / "math.yaml"), both_orders=True)
    comparisons = [Comparison(math500_wrong(r), r["solution"], r["problem"], r["answer"]) for r in math500]
    prefs = judge.compare_batch(comparisons)
    assert [p.winner for p in prefs] == [Verdict.B] * len(math500)
    assert all(p.consistent for p in prefs)
    assert prefs[0].details["orders"]["AB"]["details"] == pytest.approx({"score_a": 0.1, "score_b": 1.1})


def test_pointwise_a_non_ok_side_is_a_non_ok_preference_naming_the_side(gsm8k):
    row = gsm8k[0]
    judge = create_comparator("pointwise", verifier="math")
    pref = judge.compare(Comparison(row["answer"], "I have no idea.", row["question"], gsm8k_gold(row)))
    assert pref.status is Status.UNPARSEABLE and pref.winner is None and pref.score_a is None
    assert pref.reason.startswith("response B: unparseable: no final answer found")
    assert pref.details["failed_sides"] == ["B"]
    assert pref.details["scores"]["A"]["value"] == 1.0
    # both sides failing names both; no gold answer is the verifier's error
    both = judge.compare(Comparison("no idea", "none either", row["question"], gsm8k_gold(row)))
    assert (
        both.details["failed_sides"] == ["A", "B"]
        and "response A" in both.reason
        and "response B" in both.reason
    )
    no_gold = judge.compare(Comparison(row["answer"], row["answer"], row["question"], None))
    assert no_gold.status is Status.ERROR and "no gold answer" in no_gold.reason


def test_pointwise_with_both_orders_keeps_a_failure_not_a_tie(gsm8k):
    row = gsm8k[1]
    judge = create_comparator("pointwise", verifier="math", both_orders=True)
    pref = judge.compare(Comparison("I have no idea.", row["answer"], row["question"], gsm8k_gold(row)))
    assert pref.status is Status.UNPARSEABLE and pref.winner is None and pref.consistent is None
    assert pref.reason.startswith("A/B order: response A: unparseable")
    assert set(pref.details["orders"]) == {"AB", "BA"}


# ---------------------------------------------------------------------------- both orders (doubles)


def test_both_orders_turns_a_position_biased_judge_into_inconsistent_ties():
    comparisons = [Comparison("short", "a much longer answer", id="1"), Comparison("x", "y", id="2")]
    single = FirstWins()
    assert [p.winner for p in single.compare_batch(comparisons)] == [Verdict.A, Verdict.A]
    assert all(p.consistent is None for p in single.compare_batch(comparisons))

    judge = FirstWins(both_orders=True)
    prefs = judge.compare_batch(comparisons)
    assert [(p.winner, p.consistent) for p in prefs] == [(Verdict.INCONSISTENT, False)] * 2
    assert "disagree" in prefs[0].reason
    assert (
        prefs[0].details["orders"]["AB"]["winner"] == "A"
        and prefs[0].details["orders"]["BA"]["winner"] == "A"
    )
    # one judge_batch call holding both orders: the given ones, then the same ones swapped
    assert len(judge.calls) == 1
    sent = judge.calls[0]
    assert [(c.response_a, c.response_b) for c in sent] == [
        ("short", "a much longer answer"),
        ("x", "y"),
        ("a much longer answer", "short"),
        ("y", "x"),
    ]
    assert [c.id for c in sent] == ["1", "2", "1", "2"]


def test_both_orders_averages_probabilities():
    biased = FirstWins(both_orders=True, probability=0.8).compare(Comparison("a", "b"))
    assert biased.probability == pytest.approx(0.5) and biased.score_a == pytest.approx(0.5)
    # P(A)=0.7 as shown, P(first)=0.4 when swapped: (0.7 + (1 - 0.4)) / 2
    pref = LongerWins(both_orders=True).compare(Comparison("the longer one", "short"))
    assert (pref.winner, pref.consistent) == (Verdict.A, True)
    assert pref.probability == pytest.approx(0.65)
    assert LongerWins().compare(Comparison("the longer one", "short")).probability == pytest.approx(0.7)
    # only one order with a probability: none is made up
    no_p = merge_orders(Preference(Verdict.A, probability=0.9), Preference(Verdict.B))
    assert no_p.probability is None and (no_p.winner, no_p.consistent) == (Verdict.A, True)


def test_a_failure_in_either_order_is_that_status():
    judge = Flaky(both_orders=True, first_only=True, status="timeout")
    # FAIL shown second in A/B (ok), first in B/A (fails): the merged result is the timeout
    pref = judge.compare(Comparison("fine answer", "FAIL here"))
    assert pref.status is Status.TIMEOUT and pref.winner is None and pref.score_a is None
    assert pref.reason == "B/A order (responses swapped): judge timed out"
    assert pref.details["orders"]["AB"]["status"] == "ok"
    ok = judge.compare(Comparison("fine answer", "also fine"))
    assert ok.ok and ok.consistent is True
    assert "never a silent tie" in BOTH_ORDERS_RULE.lower()


def test_bad_items_never_raise():
    mixed = Flaky(raise_on="BOOM", status="error")
    prefs = mixed.compare_batch([Comparison("a", "bb"), Comparison("BOOM", "x"), Comparison("FAIL", "x")])
    assert [p.status for p in prefs] == [Status.OK, Status.ERROR, Status.ERROR]
    assert prefs[0].winner is Verdict.B
    assert prefs[1].reason == "ValueError: judge blew up on this item"
    assert prefs[2].reason == "judge timed out"

    for both in (False, True):
        crashed = Crashing(both_orders=both).compare_batch([Comparison("a", "b"), Comparison("c", "d")])
        assert [p.status for p in crashed] == [Status.ERROR] * 2
        assert all("RuntimeError: judge server is down" in p.reason and p.winner is None for p in crashed)
        short = ShortCounted(both_orders=both).compare_batch([Comparison("a", "b"), Comparison("c", "d")])
        assert all(p.status is Status.ERROR and "a comparator bug" in p.reason for p in short)
    judge = FirstWins(both_orders=True)
    assert judge.compare_batch([]) == [] and judge.calls == []


def test_async_compare_matches_sync(gsm8k):
    judge = create_comparator("pointwise", verifier="math", both_orders=True)
    comparisons = [Comparison(gsm8k_wrong(r), r["answer"], r["question"], gsm8k_gold(r)) for r in gsm8k[:6]]
    comparisons.append(Comparison("no answer here", gsm8k[0]["answer"], reference=gsm8k_gold(gsm8k[0])))
    sync = judge.compare_batch(comparisons)
    asynced = asyncio.run(judge.acompare_batch(comparisons))
    assert [p.to_dict() for p in asynced] == [p.to_dict() for p in sync]
    assert [p.winner for p in asynced[:6]] == [Verdict.B] * 6 and asynced[6].status is Status.UNPARSEABLE

    doubled = FirstWins(both_orders=True)
    prefs = asyncio.run(doubled.acompare_batch([Comparison("a", "b")]))
    assert prefs[0].consistent is False and len(doubled.calls) == 1 and len(doubled.calls[0]) == 2
    crashed = asyncio.run(Crashing().acompare_batch([Comparison("a", "b")]))
    assert crashed[0].status is Status.ERROR


# ------------------------------------------------------------------------------------------- registry


def test_comparator_registry(comparators):
    assert "pointwise" in available_comparators()
    assert get_comparator_class("pointwise") is PointwiseComparator
    assert COMPARATORS.target("pointwise") == "rewardkit.comparison:PointwiseComparator"

    comparators(FirstWins)
    assert "test_first_wins" in available_comparators()
    assert isinstance(create_comparator("test_first_wins", both_orders=True), FirstWins)
    register_comparator(FirstWins)  # the same class again is not a collision

    class Impostor(FirstWins):
        name = "pointwise"

    with pytest.raises(ConfigError, match=r"a comparator named 'pointwise' already exists \(built in"):
        register_comparator(Impostor)

    class Other(FirstWins):
        name = "test_first_wins"

    with pytest.raises(ConfigError, match="already exists"):
        register_comparator(Other)
    comparators(Other)  # replace=True means it
    assert get_comparator_class("test_first_wins") is Other

    with pytest.raises(ConfigError, match="is not a rewardkit.comparison.Comparator subclass"):
        register_comparator(PointwiseComparator.Config, name="test_not_a_comparator")
    with pytest.raises(ConfigError, match=r"unknown comparator 'nope'; available: .*pointwise"):
        create_comparator("nope")


def test_pairwise_is_a_registered_verifier():
    assert get_verifier_class("pairwise") is PairwiseReward
    reward = create_verifier(
        "pairwise", comparator="pointwise", config={"verifier": "math"}, mode="reference"
    )
    assert isinstance(reward, Verifier) and isinstance(reward.comparator, PointwiseComparator)

    class Impostor(Verifier):
        name = "pairwise"

    with pytest.raises(ConfigError, match="a verifier named 'pairwise' already exists"):
        register(Impostor)
    assert get_verifier_class("pairwise") is PairwiseReward


# ---------------------------------------------------------------------------------------- config errors

COMPARATOR_ERRORS = [
    ({}, "pointwise: (top level): give exactly one of `verifier` (a verifier name) or `spec`"),
    ({"verifier": "math", "spec": "gsm8k"}, "pointwise: (top level): give exactly one of `verifier`"),
    (
        {"verifier": "math", "margn": 1},
        "pointwise: margn: unknown key 'margn'; allowed: both_orders, verifier, spec",
    ),
    (
        {"verifier": "math", "margin": -1},
        "pointwise: margin: Input should be greater than or equal to 0 (got -1)",
    ),
    ({"verifier": "nope"}, "pointwise: verifier: unknown verifier 'nope'; available: "),
    (
        {"verifier": "math", "config": {"mode": "loose"}},
        "pointwise: config.mode: Input should be 'flexible' or 'strict'",
    ),
    ({"spec": "no_such_spec"}, "pointwise: spec: no verifiers asset named 'no_such_spec'"),
    ({"spec": "gsm8k", "config": {"nope": {}}}, "pointwise: spec: override 'nope': "),
    (
        {"verifier": "math", "both_orders": "sometimes"},
        "pointwise: both_orders: Input should be a valid boolean",
    ),
]


@pytest.mark.parametrize(("config", "message"), COMPARATOR_ERRORS)
def test_comparator_config_errors(config, message):
    with pytest.raises(ConfigError) as err:
        create_comparator("pointwise", **config)
    assert str(err.value).startswith(message)
    assert isinstance(err.value, RewardkitError)


PAIRWISE_ERRORS = [
    ({"comparator": "pointwise", "config": {"verifier": "math"}}, "pairwise: mode: required key missing"),
    (
        {"comparator": "pointwise", "mode": "league"},
        "pairwise: mode: Input should be 'reference' or 'round_robin'",
    ),
    (
        {"comparator": "nope", "mode": "reference"},
        "pairwise: comparator: unknown comparator 'nope'; available: ",
    ),
    (
        {"comparator": "pointwise", "mode": "reference", "config": {"verifier": "math", "bogus": 1}},
        "pairwise: config.bogus: unknown key 'bogus'; allowed: both_orders, verifier, spec, config, margin",
    ),
    (
        {
            "comparator": "pointwise",
            "mode": "reference",
            "config": {"verifier": "math", "config": {"mode": "x"}},
        },
        "pairwise: config: pointwise: config.mode: Input should be 'flexible' or 'strict' (got 'x')",
    ),
    (
        {
            "comparator": "pointwise",
            "mode": "reference",
            "config": {"verifier": "math"},
            "reference_from": "answer",
        },
        "pairwise: reference_from: use 'reference', 'reference.<key>' or 'meta.<key>' (got 'answer')",
    ),
]


@pytest.mark.parametrize(("config", "message"), PAIRWISE_ERRORS)
def test_pairwise_config_errors(config, message):
    with pytest.raises(ConfigError) as err:
        PairwiseReward(**config)
    assert str(err.value).startswith(message)


def test_pairwise_config_error_inside_a_spec_names_the_component(write_spec):
    path = write_spec(
        """
        components:
          - name: duel
            verifier: pairwise
            config: {comparator: pointwise, mode: round_robin, config: {verifier: math, margn: 1}}
        """
    )
    with pytest.raises(
        ConfigError, match=r"spec.yaml:\d+: components\[0\]\.config: pairwise: config\.margn: unknown key"
    ):
        load_spec(path)


# ----------------------------------------------------------------------------------------- round robin


def expected_win_rates(correct: list[bool]) -> list[float]:
    """(wins + 0.5 ties) / games with the labels as the truth: right beats wrong, equals tie."""
    rates = []
    for i, ci in enumerate(correct):
        results = [0.5 if ci == cj else float(ci) for j, cj in enumerate(correct) if j != i]
        rates.append(sum(results) / len(results))
    return rates


@pytest.mark.parametrize("both_orders", [False, True])
def test_round_robin_win_rates_follow_known_correctness(gsm8k_runs, both_orders):
    samples, expected, labels = [], [], []
    for k, row in enumerate(gsm8k_runs):
        correct = [True] + [row[run]["is_correct"] for run in RUNS]  # the gold solution plays too
        responses = [row["gold_solution"]] + [row[run]["solution"] for run in RUNS]
        for r, response in enumerate(responses):
            samples.append(Sample(response, row["question"], row["gold"], group=f"gsm8k-{k}", id=f"{k}/{r}"))
        expected += expected_win_rates(correct)
        labels += correct
    assert 0 < sum(labels) < len(labels)  # the groups mix right and wrong solutions

    reward = rr("pointwise", verifier="math", both_orders=both_orders)
    scores = reward.score_batch(samples)

    assert [s.status for s in scores] == [Status.OK] * len(samples)
    assert [s.value for s in scores] == pytest.approx(expected)
    first = scores[0]
    assert (first.details["games"], first.details["failed"], first.details["mode"]) == (4, 0, "round_robin")
    assert [o["opponent"] for o in first.details["opponents"]] == [1, 2, 3, 4]
    assert [o["id"] for o in first.details["opponents"]] == ["0/1", "0/2", "0/3", "0/4"]
    assert first.details["wins"] + first.details["ties"] + first.details["losses"] == 4
    outcomes = {o["outcome"] for s in scores for o in s.details["opponents"]}
    assert outcomes == {"win", "tie", "loss"}
    assert all(
        o["consistent"] is (True if both_orders else None) for s in scores for o in s.details["opponents"]
    )


def test_round_robin_plays_every_pair_once_in_one_batch(comparators):
    comparators(FirstWins)
    groups = {"g1": ["a", "b", "c"], "g2": ["d", "e", "f", "g"]}
    samples = [Sample(r, "prompt " + g, group=g) for g, rs in groups.items() for r in rs]
    reward = rr("test_first_wins")
    scores = reward.score_batch(samples)
    # position bias decides every game: earlier in the group wins
    assert [s.value for s in scores] == pytest.approx([1.0, 0.5, 0.0, 1.0, 2 / 3, 1 / 3, 0.0])
    calls = reward.comparator.calls
    assert len(calls) == 1 and len(calls[0]) == 3 + 6  # G*(G-1)/2 per group, all in one call
    pairs = [(c.group, c.response_a, c.response_b) for c in calls[0]]
    expected = [(g, a, b) for g, rs in groups.items() for a, b in combinations(rs, 2)]
    assert pairs == expected
    assert calls[0][0].prompt == "prompt g1"

    fair = rr("test_first_wins", both_orders=True)
    fair_scores = fair.score_batch(samples)
    assert [s.value for s in fair_scores] == [0.5] * 7  # the bias cancels: inconsistent ties everywhere
    assert all(o["consistent"] is False for s in fair_scores for o in s.details["opponents"])
    assert len(fair.comparator.calls) == 1 and len(fair.comparator.calls[0]) == 18


def test_round_robin_uses_the_judges_probability(comparators):
    comparators(LongerWins)
    samples = [Sample(r, "p", group="g") for r in ("long answer", "mid", "x")]
    scores = rr("test_longer_wins", both_orders=True).score_batch(samples)
    # every game is 0.65 for the longer response, 0.35 for the shorter
    assert [s.value for s in scores] == pytest.approx([0.65, 0.5, 0.35])
    assert [o["result"] for o in scores[0].details["opponents"]] == pytest.approx([0.65, 0.65])


def test_round_robin_failed_games_are_left_out_and_counted(gsm8k_runs):
    row = gsm8k_runs[0]
    responses = [
        row["gold_solution"],
        "I have no idea.",
        row["6b_finetuning"]["solution"],
        "#### " + row["gold"],
    ]
    samples = [Sample(r, row["question"], row["gold"], group="g") for r in responses]
    assert row["6b_finetuning"]["is_correct"] is False
    scores = rr("pointwise", verifier="math").score_batch(samples)

    lost = scores[1]  # no answer: every game of it fails, so it is not ok, with the games' status
    assert lost.status is Status.UNPARSEABLE and lost.value is None
    assert lost.reason.startswith("all 3 games failed; the first: response B: unparseable")
    assert (lost.details["games"], lost.details["failed"]) == (0, 3)
    # the others: the failed game is left out (never a 0), counted, and said
    assert [s.status for s in scores] == [Status.OK, Status.UNPARSEABLE, Status.OK, Status.OK]
    assert [scores[i].value for i in (0, 2, 3)] == pytest.approx([0.75, 0.0, 0.75])
    assert (scores[0].details["games"], scores[0].details["failed"]) == (2, 1)
    assert scores[0].reason == "left out 1 failed game(s) of 3"
    failed_entry = scores[0].details["opponents"][0]
    assert failed_entry["opponent"] == 1 and failed_entry["status"] == "unparseable"
    assert failed_entry["result"] is None and failed_entry["outcome"] is None


def test_round_robin_judge_failures(comparators):
    comparators(Flaky)
    samples = [Sample(r, "p", group="g") for r in ("aaa", "FAIL", "b")]
    scores = rr("test_flaky", status="timeout").score_batch(samples)
    assert scores[1].status is Status.TIMEOUT and scores[1].value is None
    assert [scores[0].value, scores[2].value] == [1.0, 0.0] and scores[0].details["failed"] == 1
    comparators(Crashing)
    crashed = rr("test_crashing").score_batch(samples)
    assert [s.status for s in crashed] == [Status.ERROR] * 3
    assert "judge server is down" in crashed[0].reason


def test_round_robin_samples_without_a_game_are_errors(comparators):
    comparators(FirstWins)
    samples = [
        Sample("no group"),
        Sample("alone", "p", group="solo"),
        Sample("one", "p1", group="mixed"),
        Sample("two", "p2", group="mixed"),
        Sample("x", "p", group="pair"),
        Sample("y", "p", group="pair"),
    ]
    reward = rr("test_first_wins")
    scores = reward.score_batch(samples)
    assert [s.status for s in scores] == [Status.ERROR] * 4 + [Status.OK] * 2
    assert all(s.value is None and s.details["games"] == 0 for s in scores[:4])
    assert "has no group (Sample.group)" in scores[0].reason
    assert "alone in its group 'solo'" in scores[1].reason
    assert "group 'mixed' mixes prompts or references (batch indexes 2 and 3 differ)" in scores[2].reason
    assert [s.value for s in scores[4:]] == [1.0, 0.0]
    assert [(c.response_a, c.response_b) for c in reward.comparator.calls[0]] == [("x", "y")]
    # nothing to compare: the comparator is not called at all
    lone = rr("test_first_wins")
    assert lone.score_batch([Sample("a")])[0].status is Status.ERROR and lone.comparator.calls == []
    assert lone.score_batch([]) == []


# ------------------------------------------------------------------------------------------- reference


def test_reference_mode_against_a_baseline_in_meta(gsm8k_runs):
    samples, expected = [], []
    for k, row in enumerate(gsm8k_runs):
        baseline = row["6b_finetuning"]
        for run in RUNS[1:]:
            samples.append(
                Sample(
                    row[run]["solution"],
                    row["question"],
                    row["gold"],
                    id=f"{k}/{run}",
                    meta={"baseline": baseline["solution"]},
                )
            )
            mine, theirs = row[run]["is_correct"], baseline["is_correct"]
            expected.append(0.5 if mine == theirs else float(mine))
    assert {0.0, 0.5, 1.0} <= set(expected)

    reward = PairwiseReward(
        comparator="pointwise",
        config={"verifier": "math", "both_orders": True},
        mode="reference",
        reference_from="meta.baseline",
    )
    scores = reward.score_batch(samples)
    assert [s.value for s in scores] == expected
    opponent = scores[0].details["opponents"][0]
    assert opponent["opponent"] == "reference" and opponent["consistent"] is True
    assert (scores[0].details["games"], scores[0].details["failed"], scores[0].details["mode"]) == (
        1,
        0,
        "reference",
    )


def test_reference_mode_reference_forms(gsm8k):
    row = gsm8k[2]
    right, wrong = row["answer"], gsm8k_wrong(row)
    # the reference is the gold worked solution itself (the math verifier reads its '####' answer)
    whole = PairwiseReward(comparator="pointwise", config={"verifier": "math"}, mode="reference")
    scores = whole.score_batch([Sample(right, row["question"], right), Sample(wrong, row["question"], right)])
    assert [s.value for s in scores] == [0.5, 0.0]  # ties the (right) reference, or loses to it
    # a dict reference: the response under a key, the gold answer beside it for the verifier
    keyed = PairwiseReward(
        comparator="pointwise",
        config={"verifier": "math"},
        mode="reference",
        reference_from="reference.response",
    )
    ref = {"answer": gsm8k_gold(row), "response": wrong}
    assert keyed.score(Sample(right, row["question"], ref)).value == 1.0


def test_reference_mode_non_ok_is_visible(gsm8k):
    row = gsm8k[3]
    reward = PairwiseReward(
        comparator="pointwise",
        config={"verifier": "math"},
        mode="reference",
        reference_from="reference.response",
    )
    ref = {"answer": gsm8k_gold(row), "response": row["answer"]}
    scores = reward.score_batch(
        [
            Sample("I give up.", row["question"], ref),
            Sample(row["answer"], row["question"], {"answer": gsm8k_gold(row)}),
            Sample(row["answer"], row["question"], "just a string"),
        ]
    )
    assert [s.status for s in scores] == [Status.UNPARSEABLE, Status.ERROR, Status.ERROR]
    assert all(s.value is None for s in scores)
    assert scores[0].reason.startswith("the comparison with the reference failed: response A: unparseable")
    assert scores[0].details["failed"] == 1 and scores[0].details["games"] == 0
    assert scores[1].reason.startswith(
        "reference: no reference response: Sample.reference has no key 'response'"
    )
    assert "Sample.reference has no key 'response'" in scores[2].reason
    plain = PairwiseReward(comparator="pointwise", config={"verifier": "math"}, mode="reference")
    dict_ref = plain.score(Sample(row["answer"], row["question"], {"answer": "1"}))
    assert (
        "Sample.reference is dict, not a response text; with a dict reference set reference_from"
        in dict_ref.reason
    )


def test_pairwise_async_matches_sync(gsm8k_runs):
    samples = [
        Sample(r, row["question"], row["gold"], group=f"g{k}")
        for k, row in enumerate(gsm8k_runs[:4])
        for r in [row["gold_solution"]] + [row[run]["solution"] for run in RUNS]
    ]
    samples.append(Sample("no answer", "q", "1", group="g-bad"))
    samples.append(Sample("#### 1", "q", "1", group="g-bad"))
    reward = rr("pointwise", verifier="math", both_orders=True)
    sync = reward.score_batch(samples)
    asynced = asyncio.run(reward.ascore_batch(samples))
    assert [s.to_dict() for s in asynced] == [s.to_dict() for s in sync]
    assert asynced[-2].status is Status.UNPARSEABLE and asynced[-1].status is Status.UNPARSEABLE


def test_pairwise_inside_a_spec(write_spec, gsm8k_runs):
    path = write_spec(
        """
        name: duel
        components:
          - name: win_rate
            verifier: pairwise
            config: {comparator: pointwise, mode: round_robin, config: {verifier: math, both_orders: true}}
        """
    )
    spec = load_spec(path)
    row = gsm8k_runs[0]
    correct = [True] + [row[run]["is_correct"] for run in RUNS]
    samples = [
        Sample(r, row["question"], row["gold"], group="g")
        for r in [row["gold_solution"]] + [row[run]["solution"] for run in RUNS]
    ]
    assert [s.value for s in spec.score_batch(samples)] == pytest.approx(expected_win_rates(correct))
