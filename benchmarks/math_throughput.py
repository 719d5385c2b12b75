"""Math answer verification: rewardkit against Math-Verify on the same labelled (gold, response) pairs.

Pairs come from the shared data (see ``benchmarks/_pairs.py``): MATH-500 reference solutions (correct),
the solution of another problem, a perturbed boxed answer and a dropped term (wrong); GSM8K worked answers
(correct) with the same wrong variants, and the 4 x 1319 GPT-3 samples with their human ``is_correct``
labels.

Math-Verify runs the way its README shows, in this process's main thread (so its signal-based timeouts
work): ``verify(parse(gold), parse(response))``, with the bare gold wrapped in ``\\boxed{}`` so its LaTeX
extractor finds it. rewardkit runs ``MathVerifier`` in one worker process (``workers=1``, the number the
ratio uses), inline (``workers=0``) and on every core (``workers=os.cpu_count()``). Pool start-up is timed
separately and left out of pairs/s.

    python benchmarks/math_throughput.py            # full: ~10.7k pairs
    python benchmarks/math_throughput.py --quick    # stratified sample, under a minute

The last line printed is ``ratio=<rewardkit single-process pairs/s / Math-Verify pairs/s>``; results go
to ``benchmarks/results/math_throughput.json`` (``math_throughput.quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pairs  # noqa: E402
from _machine import add_output_option, machine_info, results_path  # noqa: E402
from _math_verify import check_math_verify_timeout, counting_timeouts  # noqa: E402
from _pairs import Pair  # noqa: E402

NAME = "math_throughput"
MAX_DISAGREEMENTS = 30
# Untimed warm-up pairs (none is in the data): they take both tools through their sympy paths, so that
# one-off costs (importing sympy + latex2sympy, ~1 s per process) stay out of pairs/s.
WARMUP = [
    ("\\frac{\\sqrt{2}}{2}", "So $x = \\boxed{\\frac{1}{\\sqrt{2}}}$."),
    ("(1, \\infty)", "The solution set is $\\boxed{[1, \\infty)}$."),
    ("x^2 + 1", "Expanding, $\\boxed{1 + x^2}$."),
    ("7", "The answer is 7."),
]


# ------------------------------------------------------------------------------------------ Math-Verify


def run_math_verify(pairs: list[Pair]) -> tuple[list[bool], list[str], float, int]:
    """Verdicts, extracted answers (str of parse results), seconds, and timeouts Math-Verify reported."""
    from math_verify import parse, verify

    with counting_timeouts() as counter:
        for gold, response in WARMUP:  # imports, regex compilation, the first latex2sympy parse
            verify(parse("\\boxed{" + gold + "}"), parse(response))
        verdicts: list[bool] = []
        extracted: list[Any] = []
        start = time.perf_counter()
        for p in pairs:
            gold = parse("\\boxed{" + p.gold + "}")
            answer = parse(p.response)
            verdicts.append(bool(verify(gold, answer)))
            extracted.append(answer)
        seconds = time.perf_counter() - start
    return verdicts, [_short(a) for a in extracted], seconds, counter.count


def _short(parsed: Any) -> str:
    try:
        text = str(parsed[-1]) if parsed else "(nothing)"
    except Exception:  # str() of an odd sympy object
        text = "(unprintable)"
    return text if len(text) <= 80 else text[:77] + "..."


# ------------------------------------------------------------------------------------------- rewardkit


def run_rewardkit(pairs: list[Pair], workers: int) -> dict[str, Any]:
    from rewardkit import Sample
    from rewardkit.verifiers.math import MathVerifier

    verifier = MathVerifier(workers=workers)
    samples = [Sample(response=p.response, reference=p.gold) for p in pairs]
    start = time.perf_counter()
    warmup = [Sample(response=r, reference=g) for g, r in WARMUP] * (8 * max(workers, 1))
    verifier.score_batch(warmup)  # start the pool; every worker imports sympy and latex2sympy
    startup = time.perf_counter() - start
    start = time.perf_counter()
    scores = verifier.score_batch(samples)
    seconds = time.perf_counter() - start
    return {
        "workers": workers,
        "seconds": seconds,
        "startup_seconds": startup,
        "verdicts": [s.value == 1.0 for s in scores],
        "extracted": [str(s.details.get("extracted", "")) for s in scores],
        "statuses": dict(Counter(s.status.value for s in scores)),
        "reasons": [s.reason for s in scores],
    }


# ---------------------------------------------------------------------------------------------- report


def agreement(pairs: list[Pair], rk: list[bool], mv: list[bool]) -> dict[str, dict[str, Any]]:
    table: dict[str, Counter] = {}
    for p, r, m in zip(pairs, rk, mv, strict=True):
        for key in (p.dataset, "total"):
            c = table.setdefault(key, Counter())
            r_ok, m_ok = r == p.label, m == p.label
            c[
                "both_right"
                if r_ok and m_ok
                else "only_rewardkit"
                if r_ok
                else "only_math_verify"
                if m_ok
                else "both_wrong"
            ] += 1
            c["n"] += 1
            c["rewardkit_right"] += r_ok
            c["math_verify_right"] += m_ok
            c["positives"] += p.label
    out = {}
    for key in sorted(table, key=lambda k: (k == "total", k)):
        c = table[key]
        out[key] = {
            "pairs": c["n"],
            "labelled_correct": c["positives"],
            "both_right": c["both_right"],
            "only_rewardkit_right": c["only_rewardkit"],
            "only_math_verify_right": c["only_math_verify"],
            "both_wrong": c["both_wrong"],
            "rewardkit_accuracy": round(c["rewardkit_right"] / c["n"], 5),
            "math_verify_accuracy": round(c["math_verify_right"] / c["n"], 5),
        }
    return out


def print_tables(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 140)
    speed = Table(
        title=f"Math verification throughput ({result['pairs']} pairs{', quick' if result['quick'] else ''})"
    )
    for col in ("verifier", "seconds", "pairs/s", "vs Math-Verify", "start-up s", "non-ok scores"):
        speed.add_column(col, justify="left" if col in ("verifier", "non-ok scores") else "right")
    for row in result["throughput"]:
        nonok = {k: v for k, v in row.get("statuses", {}).items() if k != "ok"}
        speed.add_row(
            row["name"],
            f"{row['seconds']:.2f}",
            f"{row['pairs_per_s']:.0f}",
            f"{row['ratio_vs_math_verify']:.2f}x",
            f"{row['startup_seconds']:.2f}" if row.get("startup_seconds") is not None else "-",
            ", ".join(f"{k}={v}" for k, v in sorted(nonok.items())) or "-",
        )
    console.print(speed)

    agree = Table(title="Verdicts against the labels (rewardkit workers=1 vs Math-Verify)")
    for col in (
        "dataset",
        "pairs",
        "labelled correct",
        "both right",
        "only rewardkit",
        "only Math-Verify",
        "both wrong",
        "rewardkit acc",
        "Math-Verify acc",
    ):
        agree.add_column(col, justify="left" if col == "dataset" else "right")
    for name, a in result["agreement"].items():
        agree.add_row(
            name,
            str(a["pairs"]),
            str(a["labelled_correct"]),
            str(a["both_right"]),
            str(a["only_rewardkit_right"]),
            str(a["only_math_verify_right"]),
            str(a["both_wrong"]),
            f"{a['rewardkit_accuracy']:.2%}",
            f"{a['math_verify_accuracy']:.2%}",
        )
    console.print(agree)

    kinds = Table(title="Accuracy by kind of pair")
    for col in ("dataset", "kind", "pairs", "rewardkit acc", "Math-Verify acc"):
        kinds.add_column(col, justify="left" if col in ("dataset", "kind") else "right")
    for row in result["by_kind"]:
        kinds.add_row(
            row["dataset"],
            row["kind"],
            str(row["pairs"]),
            f"{row['rewardkit_accuracy']:.2%}",
            f"{row['math_verify_accuracy']:.2%}",
        )
    console.print(kinds)

    if result["disagreements"]:
        dis = Table(
            title=f"Disagreements (first {len(result['disagreements'])} of {result['disagreement_count']})"
        )
        for col in ("kind", "label", "rk", "mv", "gold", "rk extracted", "mv extracted", "response tail"):
            dis.add_column(col, overflow="fold")
        for d in result["disagreements"]:
            dis.add_row(
                d["kind"],
                str(d["label"]),
                str(d["rewardkit"]),
                str(d["math_verify"]),
                d["gold"],
                d["rewardkit_extracted"],
                d["math_verify_extracted"],
                d["response_tail"][-80:],
            )
        console.print(dis)


def by_kind(pairs: list[Pair], rk: list[bool], mv: list[bool]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(
            (p.dataset, p.kind.split(":")[0] if p.kind.startswith("perturbed") else p.kind), []
        ).append(i)
    rows = []
    for (dataset, kind), idx in sorted(groups.items()):
        rows.append(
            {
                "dataset": dataset,
                "kind": kind,
                "pairs": len(idx),
                "rewardkit_accuracy": round(sum(rk[i] == pairs[i].label for i in idx) / len(idx), 5),
                "math_verify_accuracy": round(sum(mv[i] == pairs[i].label for i in idx) / len(idx), 5),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a stratified sample (~1.5k pairs); under a minute"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed for --quick")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    args.output = results_path(NAME, args.quick, args.output)

    if not _pairs.data_available():
        print(
            f"shared data not found under {_pairs.DATA_DIR}; see docs/testing.md (shared data)",
            flush=True,
        )
        return 2
    import math_verify  # noqa: F401  (fail early with a clear error when the bench extra is missing)

    pairs = _pairs.benchmark_pairs(quick=args.quick, seed=args.seed)
    sizes = Counter(f"{p.dataset}/{p.kind}" for p in pairs)
    print(
        f"{len(pairs)} labelled pairs ({sum(p.label for p in pairs)} correct); cpu_count={os.cpu_count()}",
        flush=True,
    )

    timeout_check = check_math_verify_timeout()
    mv_verdicts, mv_extracted, mv_seconds, mv_timeouts = run_math_verify(pairs)
    mv_rate = len(pairs) / mv_seconds
    print(f"Math-Verify: {mv_seconds:.2f}s, {mv_rate:.0f} pairs/s", flush=True)

    runs: dict[str, dict[str, Any]] = {}
    all_cores = os.cpu_count() or 1
    configs: list[tuple[str, int]] = [("rewardkit workers=1", 1), ("rewardkit workers=0 (inline)", 0)]
    configs.append((f"rewardkit workers={all_cores} (all cores)", all_cores))
    for name, workers in configs:
        runs[name] = run_rewardkit(pairs, workers)
        r = runs[name]
        print(f"{name}: {r['seconds']:.2f}s, {len(pairs) / r['seconds']:.0f} pairs/s", flush=True)

    single = runs["rewardkit workers=1"]
    rk_verdicts = single["verdicts"]
    throughput: list[dict[str, Any]] = [
        {
            "name": "Math-Verify (main thread)",
            "seconds": mv_seconds,
            "pairs_per_s": mv_rate,
            "ratio_vs_math_verify": 1.0,
            "startup_seconds": None,
            "timeouts": mv_timeouts,
        }
    ]
    for name, r in runs.items():
        rate = len(pairs) / r["seconds"]
        throughput.append(
            {
                "name": name,
                "workers": r["workers"],
                "seconds": r["seconds"],
                "pairs_per_s": rate,
                "ratio_vs_math_verify": rate / mv_rate,
                "startup_seconds": r["startup_seconds"],
                "statuses": r["statuses"],
            }
        )
    consistent = all(r["verdicts"] == rk_verdicts for r in runs.values())

    disagreements = []
    for i, p in enumerate(pairs):
        if rk_verdicts[i] != mv_verdicts[i]:
            disagreements.append(
                {
                    "dataset": p.dataset,
                    "kind": p.kind,
                    "id": p.id,
                    "label": p.label,
                    "rewardkit": rk_verdicts[i],
                    "math_verify": mv_verdicts[i],
                    "gold": p.gold,
                    "rewardkit_extracted": single["extracted"][i],
                    "rewardkit_reason": single["reasons"][i],
                    "math_verify_extracted": mv_extracted[i],
                    "response_tail": _pairs.tail(p.response, 200),
                }
            )

    ratio = len(pairs) / single["seconds"] / mv_rate
    result = {
        "benchmark": "math_throughput",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seed": args.seed,
        "pairs": len(pairs),
        "dataset_sizes": {
            "pairs_by_kind": dict(sorted(sizes.items())),
            "source_rows": {
                "math500": len(_pairs.math500()),
                "gsm8k_test": len(_pairs.gsm8k()),
                "gsm8k_model_solutions": len(_pairs.gsm8k_model_solutions()) * len(_pairs.GSM8K_RUNS),
            },
        },
        "machine": machine_info(
            ("rewardkit", "math-verify", "sympy", "latex2sympy2_extended", "antlr4-python3-runtime")
        ),
        "math_verify": {
            "usage": "verify(parse('\\\\boxed{' + gold + '}'), parse(response)), default configs, main thread",
            "timeout_check": timeout_check,
            "timeouts_during_run": mv_timeouts,
        },
        "throughput": throughput,
        "ratio": ratio,
        "ratio_definition": "rewardkit workers=1 pairs/s divided by Math-Verify pairs/s (pool start-up excluded)",
        "rewardkit_verdicts_identical_across_worker_counts": consistent,
        "notes": [
            "one cold timed pass per verifier after an untimed warm-up; both tools keep their own parse caches",
            "workers=0 runs in this process after Math-Verify, so sympy's global cache is already warm for it; "
            "workers=1 and workers=N run in fresh worker processes",
            "a non-ok rewardkit score (error/timeout) counts as 'not verified'",
        ],
        "agreement": agreement(pairs, rk_verdicts, mv_verdicts),
        "by_kind": by_kind(pairs, rk_verdicts, mv_verdicts),
        "disagreement_count": len(disagreements),
        "disagreements": disagreements[:MAX_DISAGREEMENTS],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print_tables(result)
    if not consistent:
        print("warning: rewardkit verdicts differ between worker counts (timeouts?)", flush=True)
    print(f"results written to {args.output}")
    print(f"ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
