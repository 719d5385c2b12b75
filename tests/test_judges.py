"""LLM judges: pointwise, pairwise (both orders, inconsistent, seeded shuffle), best-of-n, retries, the
cache, logprob-expected scores; real SmolLM2 on the transformers backend, and a scripted backend beside
it for the edge cases a 135M judge does not produce on demand (it answers what each test scripts)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from _judge_script import CALLS, tops_at

from rewardkit.comparison import PairwiseReward, create_comparator
from rewardkit.engine.backends import (
    GenerationParams,
)
from rewardkit.errors import ConfigError
from rewardkit.judges.engine import JudgeCall, JudgeEngine, JudgeOptions, label_distribution
from rewardkit.judges.pairwise import BestOfJudge, Candidates, JudgeComparator
from rewardkit.judges.parse import Parsed, Scale, parse_score
from rewardkit.judges.pointwise import JudgeVerifier
from rewardkit.judges.templates import load_template, template_from_text
from rewardkit.types import Comparison, Sample, Status, Verdict
from rewardkit.verifier import create_verifier

# ---------------------------------------------------------------------------------------- templates


def test_every_shipped_template_loads_and_renders() -> None:
    from rewardkit.assets import list_assets

    names = list_assets("judges")
    assert {"pointwise", "pairwise", "best_of", "criterion", "criteria", "rubric_likert", "extract"} <= set(
        names
    )
    for name in names:
        template = load_template(name)
        scale = Scale.of("1-5")
        messages = template.messages(
            prompt="P?",
            response="R.",
            response_a="RA",
            response_b="RB",
            responses=["x", "y"],
            labels=["A", "B"],
            criterion="C",
            criteria=[{"index": 1, "id": "c1", "text": "T"}],
            rubric="- [essential, weight 1] T",
            scale=scale,
            steps=["S0.", "S1."],
        )
        assert messages[-1]["role"] == "user" and messages[-1]["content"]
        if template.uses("steps"):  # the process critic shows each step in its numbered paragraph tags
            assert "<paragraph_1>\nS1.\n</paragraph_1>" in messages[-1]["content"]


def test_template_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("output: score\nscale: 1-5\nuser: '{{ respons }}'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="respons.*names a template can use"):
        load_template(bad).messages(response="x")
    bad.write_text("output: vibes\nuser: hi\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:1: output"):
        load_template(bad)
    bad.write_text("output: score\nscale: 1-5\nuser: '{% if %}'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Jinja syntax error"):
        load_template(bad)
    with pytest.raises(ConfigError, match="output: score"):
        JudgeVerifier(template="pairwise", cache=False)


# ------------------------------------------------------------------- engine: retries, errors, cache


def test_unreadable_answers_are_retried_with_new_seeds_then_unparseable(scripted: Any) -> None:
    options = scripted("mumble", lambda user, params: "I think it is quite good overall.")
    judge = JudgeVerifier(**options, retries=2, cache=False)
    score = judge.score(Sample("An answer.", "A question?"))
    assert score.status is Status.UNPARSEABLE and score.value is None
    assert "after 3 draw(s)" in score.reason
    attempts = score.details["attempts"]
    assert [a["draw"] for a in attempts] == [0, 1, 2] and all(a["refused"] for a in attempts)
    assert [p.seed for _, p in CALLS] == [0, 1, 2]
    assert [p.temperature for _, p in CALLS] == [0.0, 0.7, 0.7]  # a greedy re-ask would repeat itself


def test_a_retry_that_reads_is_kept_with_the_refused_draw_visible(scripted: Any) -> None:
    options = scripted("second", lambda user, params: "Score: 4" if params.seed == 1 else "no idea")
    score = JudgeVerifier(**options, cache=False).score(Sample("An answer.", "Q?"))
    assert score.ok and score.details["draw"] == 1 and score.details["score"] == 4.0
    assert score.value == pytest.approx(0.75) and len(score.details["attempts"]) == 2


def test_a_backend_failure_is_an_error_for_every_item_never_a_number(scripted: Any) -> None:
    def boom(user: str, params: GenerationParams) -> str:
        raise RuntimeError("server down")

    options = scripted("boom", boom)
    scores = JudgeVerifier(**options, cache=False).score_batch([Sample("a", "q"), Sample("b", "q")])
    assert [s.status for s in scores] == [Status.ERROR, Status.ERROR]
    assert all("server down" in s.reason and s.value is None for s in scores)


def test_empty_response_and_missing_reference_are_visible(scripted: Any) -> None:
    options = scripted("four", lambda user, params: "Score: 4")
    judge = JudgeVerifier(**options, cache=False, reference="always")
    empty, missing, fine = judge.score_batch(
        [Sample("  ", "q", "r"), Sample("a", "q"), Sample("a", "q", "gold")]
    )
    assert empty.status is Status.UNPARSEABLE and missing.status is Status.ERROR and fine.ok
    assert "gold" in CALLS[-1][0]  # the reference-guided variant shows the reference


def test_cache_rerun_is_free_and_a_changed_template_is_not_reused(scripted: Any, tmp_path: Path) -> None:
    options = scripted("four", lambda user, params: "Good. Score: 4")
    db = str(tmp_path / "judge.sqlite")
    samples = [Sample(f"answer {i}", "q") for i in range(5)]
    judge = JudgeVerifier(**options, cache=db)
    first = judge.score_batch(samples)
    assert len(CALLS) == 5 and not any(s.details["cached"] for s in first) and judge.engine.backend_calls == 5
    again = JudgeVerifier(**options, cache=db)
    second = again.score_batch(samples)
    assert len(CALLS) == 5 and again.engine.backend_calls == 0  # a re-run makes no backend call
    assert [s.value for s in second] == [s.value for s in first] and all(s.details["cached"] for s in second)
    JudgeVerifier(**options, cache=db, max_tokens=100).score_batch(samples[:1])  # a changed parameter
    assert len(CALLS) == 6
    edited = tmp_path / "edited.yaml"
    edited.write_text(load_template("pointwise").path.read_text() + "\n# edited\n", encoding="utf-8")
    JudgeVerifier(**options, cache=db, template=str(edited)).score_batch(samples[:1])
    assert len(CALLS) == 7  # an edited template never reuses answers given to the old text


# ------------------------------------------------------------------------------ logprob expectation


def test_logprob_score_is_the_expectation_over_the_scale(scripted: Any) -> None:
    text = "Clear and correct. Score: 4"
    probs = {"3": 0.2, "4": 0.5, "5": 0.2, "banana": 0.1}
    options = scripted("dist", lambda user, params: (text, tops_at(text, "4", probs)))
    score = JudgeVerifier(**options, cache=False).score(Sample("a", "q"))
    dist = score.details["logprob"]["distribution"]
    assert score.details["value_from"] == "logprobs"
    assert math.fsum(dist.values()) == pytest.approx(1.0)
    assert dist == pytest.approx({"1": 0, "2": 0, "3": 0.2 / 0.9, "4": 0.5 / 0.9, "5": 0.2 / 0.9})
    expected = sum(int(k) * p for k, p in dist.items())
    assert score.details["score"] == pytest.approx(expected)
    assert score.value == pytest.approx((expected - 1) / 4)
    assert score.details["logprob"]["coverage"] == pytest.approx(0.9)
    assert 0 < score.details["confidence"] < 1 and score.details["parsed_score"] == 4.0
    off = JudgeVerifier(**options, cache=False, logprobs=False).score(Sample("a", "q"))
    assert off.details["value_from"] == "text" and off.value == pytest.approx(0.75)


def test_label_distribution_refuses_what_it_cannot_read() -> None:
    parsed = parse_score("Score: 10", Scale.of("1-10"))
    tokens = list("Score: 10")
    tops = [{t: 0.0} for t in tokens]
    dist, seen = label_distribution(
        {"text": "Score: 10", "tokens": tokens, "top_logprobs": tops}, parsed, Scale.of("1-10").labels
    )
    assert dist is None and "'1' and '10' share their first characters" in seen["unavailable"]
    dist, seen = label_distribution({"text": "Score: 10"}, parsed, Scale.of("1-10").labels)
    assert dist is None and "no top logprobs" in seen["unavailable"]


# --------------------------------------------------------------------------------------- pairwise


def positional(user: str, params: GenerationParams) -> str:
    return "Both fine. [[A]]"  # always the first response shown


def test_both_orders_always_run_and_a_position_flip_is_inconsistent(scripted: Any) -> None:
    options = scripted("first", positional)
    judge = JudgeComparator(**options, cache=False)
    pref = judge.compare(Comparison("ALPHA", "OMEGA", "q"))
    assert len(CALLS) == 2 and CALLS[0][0].index("ALPHA") < CALLS[0][0].index("OMEGA")
    assert CALLS[1][0].index("OMEGA") < CALLS[1][0].index("ALPHA")  # the swapped order ran too
    assert pref.winner is Verdict.INCONSISTENT and pref.consistent is False and pref.score_a == 0.5
    assert set(pref.details["orders"]) == {"AB", "BA"}


def test_a_consistent_judge_and_ties_are_told_apart(scripted: Any) -> None:
    def content(user: str, params: GenerationParams) -> str:
        if "good" in user and "bad" in user:
            a_first = user.index("good") < user.index("bad")
            return "[[A]]" if a_first else "[[B]]"
        return "Equal. [[C]]"

    options = scripted("content", content)
    judge = JudgeComparator(**options, cache=False)
    win, tie = judge.compare_batch([Comparison("good", "bad", "q"), Comparison("same", "same too", "q")])
    assert (win.winner, win.consistent) == (Verdict.A, True)
    assert (tie.winner, tie.consistent) == (Verdict.TIE, True)
    reward = PairwiseReward(comparator="judge", config={**options, "cache": False}, mode="round_robin")
    scores = reward.score_batch([Sample(r, "q", group="g") for r in ("good", "bad")])
    assert [s.value for s in scores] == [1.0, 0.0]
    biased = PairwiseReward(
        comparator="judge", config={**scripted("first", positional), "cache": False}, mode="round_robin"
    )
    flips = biased.score_batch([Sample(r, "q", group="g") for r in ("x", "y", "z")])
    assert all(s.details["inconsistent"] == 2 and s.details["ties"] == 0 for s in flips)


def test_seeded_shuffle_is_reproducible_and_unswapped(scripted: Any) -> None:
    options = scripted("first", positional)
    comparisons = [Comparison(f"r{i}", f"s{i}", f"q{i}") for i in range(40)]
    a = JudgeComparator(**options, cache=False, both_orders=False, shuffle=True).compare_batch(comparisons)
    b = JudgeComparator(**options, cache=False, both_orders=False, shuffle=True).compare_batch(comparisons)
    assert [p.winner for p in a] == [p.winner for p in b]  # the same seed, the same orders
    swapped = [p.details.get("presented") == "BA" for p in a]
    assert 5 < sum(swapped) < 35  # a position-biased judge's picks spread over both sides
    assert all(p.winner is (Verdict.B if s else Verdict.A) for p, s in zip(a, swapped, strict=True))
    other = JudgeComparator(**options, cache=False, both_orders=False, shuffle=True, seed=7).compare_batch(
        comparisons
    )
    assert [p.winner for p in other] != [p.winner for p in a]


def test_pairwise_probability_from_logprobs(scripted: Any) -> None:
    def answer(user: str, params: GenerationParams) -> Any:
        text = "Verdict: [[A]]"
        return text, tops_at(text, "A", {"A": 0.6, "B": 0.3, "C": 0.1})

    options = scripted("p", answer)
    pref = JudgeComparator(**options, cache=False).compare(Comparison("x", "y", "q"))
    # A/B order: P(A) + P(tie) / 2 = 0.65; B/A order: P(first) is also 0.65 -> P(A) = 0.35; merged: 0.5
    assert pref.probability == pytest.approx(0.5) and pref.winner is Verdict.INCONSISTENT
    ab = pref.details["orders"]["AB"]
    assert ab["probability"] == pytest.approx(0.65)


def test_best_of_n_is_seeded_and_counts_rotations(scripted: Any) -> None:
    def pick_best(user: str, params: GenerationParams) -> str:
        labels = [line.split()[1].rstrip("]") for line in user.splitlines() if line.startswith("[Response ")]
        bodies = [line for line in user.splitlines() if line.startswith("answer")]
        best = max(range(len(bodies)), key=lambda k: bodies[k].count("+"))
        return f"[[{labels[best]}]]"

    options = scripted("best", pick_best)
    judge = BestOfJudge(**options, cache=False, rotations=4)
    item = Candidates("q", ["answer +", "answer +++", "answer ++", "answer"])
    choice = judge.choose_batch([item])[0]
    assert choice.ok and choice.index == 1 and choice.consistent is True and choice.votes == [0, 4, 0, 0]
    assert len({tuple(r["order"]) for r in choice.details["rounds"]}) == 4
    first = BestOfJudge(**scripted("first", positional), cache=False, rotations=4).choose_batch([item])[0]
    assert first.index is None and first.consistent is False and "split evenly" in first.reason
    assert judge.choose_batch([Candidates("q", ["only one"])])[0].status is Status.ERROR


# -------------------------------------------------------------------------------- real SmolLM2 judge


QA = [
    Sample("Paris is the capital of France.", "What is the capital of France?", "Paris"),
    Sample("The capital of France is Berlin.", "What is the capital of France?", "Paris"),
    Sample("2 + 2 = 4.", "What is 2 + 2?"),
]


@pytest.fixture(scope="module")
def real_pointwise(tmp_path_factory: pytest.TempPathFactory) -> tuple[JudgeVerifier, list[Any]]:
    judge = JudgeVerifier(cache=str(tmp_path_factory.mktemp("cache") / "j.sqlite"), max_tokens=128)
    return judge, judge.score_batch(QA)


def test_smollm2_pointwise_judge_end_to_end(real_pointwise: tuple[JudgeVerifier, list[Any]]) -> None:
    judge, scores = real_pointwise
    assert len(scores) == 3
    for score in scores:
        assert score.status in (Status.OK, Status.UNPARSEABLE)
        assert score.details["judge_output"] and score.details["template"] == "pointwise"
        if score.ok:
            assert 0.0 <= score.value <= 1.0 and "explanation" in score.details
        else:
            assert score.value is None and len(score.details["attempts"]) == judge.config.retries + 1
    assert any(s.ok for s in scores), [s.details["attempts"] for s in scores]


def test_smollm2_logprob_score_is_a_proper_expectation(
    real_pointwise: tuple[JudgeVerifier, list[Any]],
) -> None:
    judge, scores = real_pointwise
    read = [s for s in scores if s.ok and s.details["value_from"] == "logprobs"]
    assert read, [s.details.get("logprob") for s in scores]
    for s in read:
        dist = s.details["logprob"]["distribution"]
        assert set(dist) == set(judge.scale.labels) and math.fsum(dist.values()) == pytest.approx(1.0)
        assert all(p >= 0 for p in dist.values())
        expected = math.fsum(p * judge.scale.value_of(lab) for lab, p in dist.items())
        assert s.details["score"] == pytest.approx(expected) and 1.0 <= expected <= 5.0
        assert 0 < s.details["logprob"]["coverage"] <= 1.0 + 1e-9


def test_smollm2_rerun_makes_no_backend_call(real_pointwise: tuple[JudgeVerifier, list[Any]]) -> None:
    judge, scores = real_pointwise
    again = JudgeVerifier(cache=str(judge.engine.cache.path), max_tokens=128)
    rescored = again.score_batch(QA)
    assert again.engine.backend_calls == 0
    assert [s.value for s in rescored] == [s.value for s in scores]


def test_smollm2_pairwise_judge_runs_both_orders() -> None:
    judge = JudgeComparator(cache=False, max_tokens=96)
    prefs = judge.compare_batch([Comparison(QA[0].response, QA[1].response, QA[0].prompt, "Paris")])
    pref = prefs[0]
    assert set(pref.details["orders"]) == {"AB", "BA"}
    if pref.ok:
        assert pref.winner in (Verdict.A, Verdict.B, Verdict.TIE, Verdict.INCONSISTENT)
        assert pref.consistent is (pref.winner is not Verdict.INCONSISTENT)
        for raw in pref.details["orders"].values():
            assert raw["details"]["judge_output"]
    else:
        assert pref.winner is None and pref.reason


def test_judge_in_a_spec_and_by_name(write_spec: Any) -> None:
    from rewardkit.spec import load_spec

    path = write_spec(
        "components:\n  - {name: judge, verifier: judge, config: {cache: false, max_tokens: 64, retries: 0}}\n"
        "fallback: {unparseable: 0.0}\n"
    )
    spec = load_spec(path)
    score = spec.score(QA[0])
    assert score.status in (Status.OK, Status.UNPARSEABLE)
    if not score.ok:
        assert (
            score.details["fallback"] == {"judge": 0.0} and score.value == 0.0
        )  # the spec's policy, visible
    assert isinstance(create_verifier("judge", cache=False), JudgeVerifier)
    assert isinstance(create_comparator("judge", cache=False), JudgeComparator)


def test_engine_runs_any_parser_and_keeps_order(scripted: Any) -> None:
    options = scripted("echo", lambda user, params: user[-1])
    engine = JudgeEngine(JudgeOptions(**options, cache=False), "t")
    calls = [
        JudgeCall([{"role": "user", "content": f"x{i}"}], lambda t, e: Parsed(True, t, t, (0, 1), "raw"))
        for i in range(6)
    ]
    assert [a.parsed.value for a in engine.run(calls)] == [str(i) for i in range(6)]
    template = template_from_text({"output": "score", "scale": "yes/no", "user": "{{ response }}"})
    assert template.messages(response="hi") == [{"role": "user", "content": "hi"}]


def test_no_tie_means_the_template_offers_none_and_a_required_reference_sends_nothing(scripted: Any) -> None:
    options = scripted("ab", lambda user, params: "[[B]]")
    JudgeComparator(**options, cache=False, tie=False).compare(Comparison("x", "y", "q"))
    assert all("[[C]]" not in user for user, _ in CALLS)
    CALLS.clear()
    prefs = JudgeComparator(**options, cache=False, reference="always").compare_batch(
        [Comparison("x", "y", "q"), Comparison("x", "y", "q", reference="gold")]
    )
    assert prefs[0].status is Status.ERROR and "reference" in prefs[0].reason
    assert prefs[1].ok and len(CALLS) == 2 and all("gold" in user for user, _ in CALLS)


def test_best_of_never_presents_an_order_twice(scripted: Any) -> None:
    options = scripted("first", positional)
    choice = BestOfJudge(**options, cache=False, rotations=3).choose_batch([Candidates("q", ["a", "b"])])[0]
    assert len(choice.details["rounds"]) == 2 and choice.votes == [1, 1] and choice.index is None
    none = BestOfJudge(**options, cache=False, reference="always").choose_batch(
        [Candidates("q", ["a", "b"])]
    )[0]
    assert none.status is Status.ERROR and "reference" in none.reason


def test_sampled_draws_go_one_per_backend_call(scripted: Any) -> None:
    seen: list[int] = []

    def answer(user: str, params: GenerationParams) -> str:
        seen.append(params.seed)
        return "Score: 3"

    options = scripted("sampled", answer)
    JudgeVerifier(**options, cache=False, temperature=0.8).score_batch([Sample("a", "q"), Sample("b", "q")])
    from rewardkit.engine.backends import get_backend

    backend = get_backend("scripted", model="scripted", script="sampled")
    assert backend.batches[-2:] == [1, 1]  # each sampled call alone: its answer does not depend on the batch


def test_async_judging_matches_sync_with_retries_and_failures(scripted: Any) -> None:
    import asyncio

    options = scripted("second", lambda user, params: "Score: 4" if params.seed == 1 else "meh")
    judge = JudgeVerifier(**options, cache=False)
    samples = [Sample("a", "q"), Sample("b", "q")]
    sync = [(s.status, s.value, s.details["draw"]) for s in judge.score_batch(samples)]
    assert sync == [(Status.OK, 0.75, 1)] * 2
    assert [(s.status, s.value, s.details["draw"]) for s in asyncio.run(judge.ascore_batch(samples))] == sync

    def boom(user: str, params: GenerationParams) -> str:
        raise RuntimeError("server down")

    failing = JudgeVerifier(**scripted("boom", boom), cache=False)
    [score] = asyncio.run(failing.ascore_batch([Sample("a", "q")]))
    assert score.status is Status.ERROR and "server down" in score.reason
