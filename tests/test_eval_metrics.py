"""The harness's metrics: exact definitions (pass@k against the combinatorial formula, maj@k ties, best-of-n
picks, pairwise credit, ProcessBench F1 against rewardkit.prm.processbench), failures counted and never
silently 0, bootstrap CIs, subsets, spec parsing and its errors."""

from __future__ import annotations

import doctest
import json
import math
import random
import statistics

import numpy as np
import pytest

import rewardkit.evals.metrics as metrics_module
from rewardkit.errors import ConfigError, InputError
from rewardkit.evals.metrics import (
    MajAtK,
    Metric,
    bootstrap_ci,
    check_task,
    compute_metrics,
    compute_subsets,
    group_docs,
    metric_names,
    parse_metric,
    pass_at_k,
    register_metric,
    resample_sums,
    unregister_metric,
)
from rewardkit.prm.processbench import processbench_f1


def gen_rows(doc: int, outcomes: list, *, answers=None, values=None, subset=None) -> list[dict]:
    """Generate-task rows of one doc: outcomes are True/False (ok rows) or a status string (a failed
    row: correct, value and answer null)."""
    rows = []
    for s, outcome in enumerate(outcomes):
        failed = isinstance(outcome, str)
        rows.append(
            {
                "key": f"{doc}:{s}",
                "doc": doc,
                "sample": s,
                "subset": subset,
                "status": outcome if failed else "ok",
                "correct": None if failed else outcome,
                "answer": None if failed else (answers[s] if answers else str(int(outcome))),
                "value": None if failed else (values[s] if values else float(outcome)),
            }
        )
    return rows


def pair_row(doc: int, winner, status: str = "ok", sample: int = 0) -> dict:
    return {"key": f"{doc}:{sample}", "doc": doc, "sample": sample, "status": status, "winner": winner}


def value(rows, spec):
    return compute_metrics(rows, [spec], ci=False)[parse_metric(spec).label]


# ------------------------------------------------------------------------------------------ pass@k


def test_pass_at_k_matches_the_combinatorial_definition() -> None:
    checked = 0
    for n in range(1, 41):
        for c in range(n + 1):
            for k in range(1, n + 1):
                expected = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12), (n, c, k)
                checked += 1
    assert checked > 10_000
    # large n where the binomials are huge: still exact to float precision
    assert pass_at_k(200, 3, 10) == pytest.approx(1 - math.comb(197, 10) / math.comb(200, 10), rel=1e-12)


def test_pass_at_k_edge_cases_are_exact() -> None:
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 6, 5) == 1.0  # n - c = 4 < k
    assert pass_at_k(10, 5, 5) == pytest.approx(1 - 1 / math.comb(10, 5))  # n - c == k: not yet 1
    assert pass_at_k(4, 1, 1) == 0.25  # pass@1 is the share correct
    assert pass_at_k(3, 3, 3) == 1.0
    with pytest.raises(ValueError, match="k <= n"):
        pass_at_k(3, 1, 4)


def test_pass_at_k_metric_averages_docs_and_leaves_out_short_docs() -> None:
    rows = (
        gen_rows(0, [True, False, False, False])
        + gen_rows(1, [False, False, False, False])
        + gen_rows(2, [True, "error", "timeout", False])  # 2 decided samples < k = 3: left out
    )
    out = value(rows, "pass@3")
    assert out["value"] == pytest.approx((pass_at_k(4, 1, 3) + 0.0) / 2)
    assert out["n"] == 2
    assert out["excluded_why"] == {"error": 1, "fewer than k decided samples": 2, "timeout": 1}
    assert out["excluded"] == 4
    # undecided rows shrink n, they are not counted as wrong
    out = value(gen_rows(0, [True, "error", False, False]), "pass@2")
    assert out["value"] == pytest.approx(pass_at_k(3, 1, 2))


def test_pass_at_k_with_fewer_samples_than_k_says_so() -> None:
    rows = gen_rows(0, [True, False]) + gen_rows(1, [True, True])
    out = value(rows, "pass@8")
    assert out["value"] is None and out["n"] == 0
    assert "at least 8 samples per doc" in out["reason"] and "at most 2" in out["reason"]
    assert compute_metrics(rows, ["pass@8"])["pass@8"]["ci"] is None


# ------------------------------------------------------------------------------------------- maj@k


def test_maj_at_k_votes_and_a_tie_is_not_a_majority() -> None:
    rows = (
        gen_rows(0, [True, True, False], answers=["4", " 4", "5"])  # "4" wins 2:1 (strip) -> 1
        + gen_rows(1, [True, False], answers=["4", "5"])  # 1:1 tie -> 0
        + gen_rows(2, [False, False, True], answers=["5", "5", "4"])  # wrong majority -> 0
        + gen_rows(3, [True, False, False, False], answers=["4", "5", "6", "7"])  # 4-way tie -> 0
    )
    out = value(rows, {"name": "maj@k", "k": 2})
    # k = 2: doc 0 "4","4" -> 1; doc 1 tie; doc 2 "5","5" -> 0; doc 3 "4","5" tie
    assert out["value"] == 0.25 and out["ties"] == 2 and out["n"] == 4
    out = value(rows, "maj@3")
    # k = 3: doc 1 has 2 samples: left out; doc 0 -> 1, doc 2 -> 0, doc 3 "4","5","6" -> tie
    assert out["value"] == pytest.approx(1 / 3) and out["ties"] == 1 and out["n"] == 3
    assert out["excluded_why"] == {"fewer than k samples": 2}


def test_maj_at_k_uses_only_the_first_k_samples() -> None:
    rows = gen_rows(0, [False, True, True, False, False], answers=["9", "4", "4", "9", "9"])
    assert value(rows, "maj@3")["value"] == 1.0
    assert value(rows, "maj@5")["value"] == 0.0


def test_maj_at_k_rows_without_an_answer_do_not_vote_and_failures_are_left_out() -> None:
    rows = gen_rows(0, [True, False, False], answers=["4", None, None])
    out = value(rows, "maj@3")
    assert out["value"] == 1.0 and out["no_answer"] == 2
    rows = gen_rows(0, [False, False], answers=[None, None]) + gen_rows(1, ["error", "error"])
    out = value(rows, "maj@2")
    assert out["value"] == 0.0 and out["no_votes"] == 1 and out["n"] == 1
    assert out["excluded_why"] == {"error": 2} and out["docs_excluded"] == 1


def test_maj_at_k_answer_key_is_a_hook() -> None:
    class CaseBlind(MajAtK):
        def answer_key(self, answer) -> str:
            return str(answer).strip().casefold()

    rows = gen_rows(0, [True, True, False], answers=["Yes", "yes", "no"])
    assert value(rows, "maj@3")["value"] == 0.0  # "Yes" / "yes" / "no": a three-way tie
    out = compute_metrics(rows, [CaseBlind(k=3, label="maj_casefold@3")], ci=False)["maj_casefold@3"]
    assert out["value"] == 1.0 and out["ties"] == 0


# ----------------------------------------------------------------------------------------- best-of-n


def test_best_of_n_picks_the_highest_value_first_on_ties() -> None:
    rows = (
        gen_rows(0, [False, True, False], values=[0.1, 0.9, 0.3])  # pick 1: correct
        + gen_rows(1, [True, False, False], values=[0.2, 0.8, 0.8])  # tie 0.8: first (1): wrong
        + gen_rows(2, [False, True, True], values=[0.7, 0.7, 0.1])  # tie: first (0): wrong
        + gen_rows(3, ["error", True, False], values=[None, 0.5, 0.6])  # failed row never picked
    )
    out = value(rows, "best_of_n")
    assert out["value"] == 0.25 and out["n"] == 4 and out["no_value"] == 1
    out = value(rows, "best_of_2")  # first two samples only
    # doc 0: 0.1 vs 0.9 -> correct; doc 1: 0.2 vs 0.8 -> wrong; doc 2: tie -> first wrong; doc 3: only 0.5 -> correct
    assert out["value"] == 0.5


def test_best_of_n_without_any_value_scores_zero_and_counts_it() -> None:
    rows = gen_rows(0, ["error", "timeout"]) + gen_rows(1, [True, False], values=[0.9, 0.1])
    out = value(rows, "best_of_n")
    assert out["value"] == 0.5 and out["no_pick"] == 1 and out["no_value"] == 2
    # a picked row that is undecided (value but correct null) leaves the doc out
    rows = gen_rows(0, [True, False], values=[0.9, 0.1])
    rows[0]["correct"] = None
    out = value(rows, "best_of_n")
    assert out["value"] is None and out["excluded_why"] == {"picked row's correct is null": 1}
    assert "at least 4 samples" in value(rows, "best_of_4")["reason"]


# ------------------------------------------------------------------------------ accuracy, mean_score


def test_failed_rows_are_left_out_and_counted_never_silently_zero() -> None:
    rows = (
        gen_rows(0, [True, "error"])  # 1 decided, correct
        + gen_rows(1, ["timeout", "unparseable"])  # nothing decided: doc left out
        + gen_rows(2, [False, True])
    )
    out = value(rows, "accuracy")
    assert out["value"] == pytest.approx((1.0 + 0.5) / 2)  # not (0.5 + 0 + 0.5) / 3
    assert out["n"] == 2 and out["docs_excluded"] == 1
    assert out["excluded"] == 3 and out["excluded_why"] == {"error": 1, "timeout": 1, "unparseable": 1}
    score = value(rows, "mean_score")
    assert score["value"] == pytest.approx((1.0 + 0.5) / 2) and score["excluded"] == 3
    # an ok row with a null field is named by the field
    rows = gen_rows(0, [True, False])
    rows[1]["correct"] = None
    assert value(rows, "accuracy")["excluded_why"] == {"correct is null": 1}


def test_everything_failed_gives_none_with_a_reason() -> None:
    rows = gen_rows(0, ["error"]) + gen_rows(1, ["error"])
    out = compute_metrics(rows, ["accuracy"])["accuracy"]
    assert out["value"] is None and out["ci"] is None and out["n"] == 0
    assert out["reason"] == "no doc could be scored (error: 2)"
    assert compute_metrics([], ["accuracy"])["accuracy"]["reason"] == "no rows"


def test_mean_score_averages_docs_of_ok_values() -> None:
    rows = gen_rows(0, [True, True, True], values=[1.0, 0.0, 0.5]) + gen_rows(1, [True], values=[0.25])
    rows[1]["status"] = "unparseable"  # its value is not an ok value
    out = value(rows, "mean_score")
    assert out["value"] == pytest.approx((0.75 + 0.25) / 2)
    assert out["excluded_why"] == {"unparseable": 1}


# ----------------------------------------------------------------------------------------- pairwise


def test_pairwise_accuracy_credits_and_params() -> None:
    rows = [
        pair_row(0, "chosen"),
        pair_row(1, "rejected"),
        pair_row(2, "tie"),
        pair_row(3, "inconsistent"),
        pair_row(4, None, status="error"),
    ]
    out = value(rows, "pairwise_accuracy")
    assert out["value"] == pytest.approx((1 + 0 + 0.5 + 0.5) / 4)
    assert (out["n"], out["ties"], out["inconsistent"]) == (4, 1, 1)
    assert out["excluded_why"] == {"error": 1}
    strict = compute_metrics(rows, [{"name": "pairwise_accuracy", "tie": 0.0, "inconsistent": 0.0}], ci=False)
    assert strict["pairwise_accuracy(tie=0.0, inconsistent=0.0)"]["value"] == 0.25


def test_win_rate_is_tie_adjusted_and_reads_a_b_names() -> None:
    winners = ["A", "A", "A", "B", "tie", "inconsistent", None]
    rows = [pair_row(i, w, status="ok" if w else "timeout") for i, w in enumerate(winners)]
    out = value(rows, "win_rate")
    assert out["value"] == pytest.approx((3 + 0.5 * 2) / 6)
    assert (out["wins"], out["losses"], out["ties"], out["inconsistent"]) == (3, 1, 2, 1)
    assert out["excluded_why"] == {"timeout": 1}
    named = [pair_row(i, {"A": "chosen", "B": "rejected"}.get(w, w)) for i, w in enumerate(winners[:-1])]
    assert value(named, "win_rate")["value"] == out["value"]


def test_a_bad_winner_is_an_input_error_naming_the_row() -> None:
    with pytest.raises(InputError, match=r"row 3:0: field 'winner': 'C' is not one of"):
        value([pair_row(3, "C")], "win_rate")


# ------------------------------------------------------------------------------------- ProcessBench


def process_rows(items: list[tuple[int | None, int]]) -> list[dict]:
    return [
        {
            "key": f"{i}:0",
            "doc": i,
            "sample": 0,
            "status": "ok" if p is not None else "error",
            "label": label,
            "prediction": p,
        }
        for i, (p, label) in enumerate(items)
    ]


def test_processbench_f1_agrees_with_rewardkit_prm() -> None:
    rng = random.Random(3)
    items = []
    for _ in range(300):
        label = rng.choice([-1, -1, 0, 1, 2, 3])
        pred = label if rng.random() < 0.6 else rng.choice([-1, 0, 1, 2, 3, None])
        items.append((pred, label))
    wrong = compute_metrics(process_rows(items), [{"name": "processbench_f1", "failed": "wrong"}], ci=False)
    expected = processbench_f1([p for p, _ in items], [label for _, label in items])
    out = wrong["processbench_f1(failed='wrong')"]
    assert out["value"] == pytest.approx(expected["f1"]) and out["error_acc"] == expected["error_acc"]
    assert out["excluded"] == 0 and out["failed"] == sum(p is None for p, _ in items) > 0
    kept = [(p, label) for p, label in items if p is not None]
    out = value(process_rows(items), "processbench_f1")  # default: failed rows left out and counted
    assert out["value"] == pytest.approx(processbench_f1(*zip(*kept, strict=True))["f1"])
    assert out["excluded"] == out["failed"] == len(items) - len(kept) and out["n"] == len(kept)
    assert out["value"] != wrong["processbench_f1(failed='wrong')"]["value"]


def test_processbench_f1_needs_both_sides_and_its_ci_contains_it() -> None:
    out = value(process_rows([(-1, -1), (0, -1)]), "processbench_f1")
    assert out["value"] is None and "erroneous" in out["reason"]
    items = [(-1, -1)] * 40 + [(0, -1)] * 10 + [(2, 2)] * 25 + [(-1, 2)] * 25
    out = compute_metrics(process_rows(items), ["processbench_f1"], resamples=500)["processbench_f1"]
    assert out["value"] == pytest.approx(2 * 0.8 * 0.5 / 1.3)
    lo, hi = out["ci"]
    assert lo < out["value"] < hi and hi - lo < 0.3


# ----------------------------------------------------------------------------------------- bootstrap


def coin_rows(n_docs: int, p: float, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [row for d in range(n_docs) for row in gen_rows(d, [rng.random() < p])]


def test_bootstrap_ci_contains_the_estimate_is_deterministic_and_narrows() -> None:
    small = group_docs(coin_rows(100, 0.4, 1))
    big = group_docs(coin_rows(10_000, 0.4, 1))
    point = compute_metrics(coin_rows(100, 0.4, 1), ["accuracy"], ci=False)["accuracy"]["value"]
    lo, hi = bootstrap_ci(small, "accuracy", seed=7)
    assert lo < point < hi
    assert bootstrap_ci(small, "accuracy", seed=7) == (lo, hi)
    assert bootstrap_ci(small, "accuracy", seed=8) != (lo, hi)
    big_lo, big_hi = bootstrap_ci(big, "accuracy", seed=7)
    assert big_hi - big_lo < (hi - lo) / 5  # 100x the docs: about 10x narrower
    # the percentile interval of a proportion: about +-1.96 sd
    sd = math.sqrt(point * (1 - point) / 100)
    assert hi - lo == pytest.approx(2 * 1.96 * sd, rel=0.2)
    assert bootstrap_ci([], "accuracy") is None
    with pytest.raises(ConfigError, match="alpha"):
        bootstrap_ci(small, "accuracy", alpha=1.5)


@pytest.mark.parametrize("distinct", [True, False])
def test_resample_sums_is_the_bootstrap_on_both_paths(distinct: bool) -> None:
    """Many distinct values: indices gathered; few: multinomial counts. Either way the resampled means
    spread like the bootstrap's (sd = population sd / sqrt(N)) around the mean."""
    rng = np.random.default_rng(0)
    n = 50_000
    values = rng.random(n) if distinct else (rng.random(n) < 0.3).astype(float)
    if distinct:
        assert len(np.unique(values)) > max(metrics_module.MULTINOMIAL_MAX_DISTINCT, n // 16)
    sums = resample_sums(values[:, None], 400, np.random.default_rng(1))
    means = sums[:, 0] / n
    assert sums.shape == (400, 1)
    assert means.mean() == pytest.approx(values.mean(), abs=values.std() / math.sqrt(n))
    assert means.std() == pytest.approx(values.std() / math.sqrt(n), rel=0.15)
    again = resample_sums(values[:, None], 400, np.random.default_rng(1))
    assert np.array_equal(sums, again)


def test_a_metric_without_per_doc_values_bootstraps_by_recomputing() -> None:
    class MedianScore(Metric):
        """The median of the docs' first values (for the generic bootstrap path)."""

        name = "test_median_score"

        def measure(self, docs):
            vals = [doc[0]["value"] for doc in docs]
            return {"value": statistics.median(vals), "n": len(vals), "excluded": 0, "excluded_why": {}}

    register_metric(MedianScore)
    try:
        assert "test_median_score" in metric_names()
        rng = random.Random(0)
        rows = [r for d in range(60) for r in gen_rows(d, [True], values=[rng.random()])]
        out = compute_metrics(rows, ["test_median_score"], resamples=200, seed=3)["test_median_score"]
        lo, hi = out["ci"]
        assert lo < out["value"] < hi
        again = compute_metrics(rows, ["test_median_score"], resamples=200, seed=3)["test_median_score"]
        assert again["ci"] == out["ci"]
    finally:
        unregister_metric("test_median_score")
    with pytest.raises(ConfigError, match="unknown metric 'test_median_score'"):
        parse_metric("test_median_score")


def test_the_vectorised_path_handles_100k_docs() -> None:
    rng = random.Random(5)
    rows = [
        {"doc": d, "sample": 0, "status": "ok", "correct": None, "value": rng.random()}
        for d in range(100_000)
    ]
    out = compute_metrics(rows, ["mean_score"], resamples=1000)["mean_score"]
    lo, hi = out["ci"]
    sd = statistics.pstdev(r["value"] for r in rows) / math.sqrt(len(rows))
    assert lo < out["value"] < hi
    assert hi - lo == pytest.approx(2 * 1.96 * sd, rel=0.15)


# --------------------------------------------------------------------------------- compute / subsets


def test_compute_metrics_shape_is_json_and_order_free() -> None:
    rows = gen_rows(0, [True, False]) + gen_rows(1, [True, True]) + gen_rows(2, [False, "error"])
    out = compute_metrics(rows, ["accuracy", "pass@2", {"name": "maj@k", "k": 2, "label": "vote"}], seed=1)
    assert list(out) == ["accuracy", "pass@2", "vote"]
    for result in out.values():
        assert {"value", "ci", "n", "excluded", "excluded_why"} <= set(result)
    assert json.loads(json.dumps(out)) == out
    shuffled = rows[::-1]
    assert (
        compute_metrics(shuffled, ["accuracy", "pass@2", {"name": "maj@2", "label": "vote"}], seed=1) == out
    )
    with pytest.raises(ConfigError, match="accuracy listed twice"):
        compute_metrics(rows, ["accuracy", {"name": "accuracy"}])


def test_compute_subsets_splits_by_subset_and_skips_null() -> None:
    rows = (
        gen_rows(0, [True, True], subset="algebra")
        + gen_rows(1, [False, False], subset="algebra")
        + gen_rows(2, [True, False], subset="geometry")
        + gen_rows(3, [False, False], subset=None)
    )
    out = compute_subsets(rows, ["accuracy"], ci=False)
    assert list(out) == ["algebra", "geometry"]
    assert out["algebra"]["docs"] == 2 and out["algebra"]["metrics"]["accuracy"]["value"] == 0.5
    assert out["geometry"]["docs"] == 1 and out["geometry"]["metrics"]["accuracy"]["value"] == 0.5
    assert compute_metrics(rows, ["accuracy"], ci=False)["accuracy"]["value"] == pytest.approx(1.5 / 4)
    levels = compute_subsets([{**r, "level": r["doc"] % 2} for r in rows], ["accuracy"], "level", ci=False)
    assert list(levels) == ["0", "1"] and levels["1"]["docs"] == 2


def test_bad_rows_are_input_errors_naming_the_row() -> None:
    rows = gen_rows(0, [True, True])
    with pytest.raises(InputError, match=r"row 1: a second row for doc 0, sample 0"):
        group_docs([rows[0], rows[0]])
    with pytest.raises(InputError, match=r"row 1: field 'sample': expected an integer \(got '1'\)"):
        group_docs([rows[0], {**rows[1], "sample": "1"}])
    docs = group_docs([rows[1], rows[0]])
    assert [r["sample"] for r in docs[0]] == [0, 1]


# ------------------------------------------------------------------------------------------- specs


def test_specs_and_their_errors() -> None:
    assert parse_metric("pass@4").config.k == 4 and parse_metric("pass@4").label == "pass@4"
    assert parse_metric({"name": "pass@k", "k": 4}).label == "pass@4"
    assert parse_metric("maj@8").label == "maj@8"
    assert parse_metric("best_of_4").config.n == 4 and parse_metric("best_of_n").label == "best_of_n"
    assert set(metric_names()) >= {
        "accuracy",
        "pass@k",
        "maj@k",
        "best_of_n",
        "mean_score",
        "pairwise_accuracy",
        "win_rate",
        "processbench_f1",
    }
    with pytest.raises(
        ConfigError, match=r"unknown metric 'acc'; available: accuracy, best_of_n, .*win_rate"
    ):
        parse_metric("acc")
    with pytest.raises(ConfigError, match=r"^pass@k: k: required key missing$"):
        parse_metric("pass@k")
    with pytest.raises(ConfigError, match=r"pass@k: kk: unknown key 'kk'; allowed: k"):
        parse_metric({"name": "pass@4", "kk": 1})
    with pytest.raises(ConfigError, match=r"pairwise_accuracy: tie: Input should be less than or equal to 1"):
        parse_metric({"name": "pairwise_accuracy", "tie": 2})
    with pytest.raises(ConfigError, match=r"maj@4: k: 5 disagrees with the 4 in the name"):
        parse_metric({"name": "maj@4", "k": 5})
    with pytest.raises(ConfigError, match=r"name: required key missing"):
        parse_metric({"k": 4})
    with pytest.raises(ConfigError, match=r"pass@k: k: Input should be greater than or equal to 1"):
        parse_metric("pass@0")


def test_metrics_of_another_task() -> None:
    rows = gen_rows(0, [True])
    out = value(rows, "win_rate")
    assert (
        out["value"] is None
        and out["reason"] == "the rows have no 'winner' field (a metric of pairwise/generate runs)"
    )
    assert [m.label for m in check_task(["accuracy", "pass@2"], "generate")] == ["accuracy", "pass@2"]
    with pytest.raises(
        ConfigError, match=r"metric 'pass@2' applies to generate runs, not to 'pairwise' runs"
    ):
        check_task(["accuracy", "pass@2"], "pairwise")


def test_module_doctest() -> None:
    failures, tried = doctest.testmod(metrics_module)
    assert tried >= 3 and failures == 0
