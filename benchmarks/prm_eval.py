"""Process reward models on PRM800K in ProcessBench form, every PRM kind side by side, and best-of-N.

Data: the PRM800K phase-1 rows in ``../shared/data/prm800k`` converted into ProcessBench items by
:func:`rewardkit.prm.processbench.prm800k_to_processbench` (78 complete chains, all right, and 2550
branches: a chain's steps before a rated candidate, then that candidate; label = the first step rated
-1, or -1; neutral steps count as right). The items are split by problem (a problem is never on both
sides): the threshold of every PRM is chosen on the calibration half (the threshold that maximises the
ProcessBench F1 there) and reported on the other half. From each half the benchmark takes up to
``--items`` items (chains for up to a quarter, then branches drawn with a fixed seed, half with an error
where the data allows; ``--quick`` draws from the shortest items). PRM800K has no steps after an error,
so an erroneous item's label is always its last step: the task is closer to "is the last step wrong,
and are the earlier ones right" than to ProcessBench's, and the F1 is not comparable to published
ProcessBench figures.

PRM kinds, on the same items:

* ``head``: a classification-head PRM in Qwen2.5-Math-PRM's layout (steps joined by ``<extra_0>``, the
  positive class's probability at each one). No trained head installs from a package here, so this runs
  :func:`rewardkit.prm.toy.toy_prm` (SmolLM2's body under a seeded random 2-class head): it measures
  the code path and its cost, its accuracy is noise by construction;
* ``label_token_turns`` / ``label_token_tag``: SmolLM2's own P("+") / (P("+") + P("-")) after each step,
  RLHFlow's layout (steps as user turns) and Math-Shepherd's (a step tag after each step);
* ``likelihood``: each step's geometric-mean token probability under SmolLM2 (cross-model entropy per
  step);
* ``critic``: SmolLM2 generating a ProcessBench critique (the earliest wrong paragraph in ``\\boxed{}``)
  on the first ``--critic-items`` items of each half; an answer with no readable index is a wrong
  prediction, counted as ``unparseable``;
* ``random``: every step a seeded uniform draw (the floor every PRM should beat).

Reported per kind: ProcessBench's error / correct accuracies and F1 on the report half at the calibrated
threshold (and at 0.5), PRMBench's step-level positive / negative F1 and their mean, the number of items,
non-ok scores, seconds, and best-of-N on GSM8K: ``--bon-questions`` questions with the four GPT-3
solutions each from ``gsm8k/example_model_solutions.jsonl`` (steps = lines, labels = ``is_correct``),
the PRM's min-aggregated score picks one; against the mean accuracy of one solution (random pick),
majority vote over the final answers, and the oracle (pass@4); each verifier's score statuses are
reported (a non-ok score is never picked).

Published scale for orientation: ProcessBench average F1 is 5-33 for 7-8B general models as critics and
28-57 for 1.5-8B PRMs; a 135M model that was never trained for this is expected near the floor.

    python benchmarks/prm_eval.py            # 64 items per half, 8 critic items, 40 GSM8K questions
    python benchmarks/prm_eval.py --quick    # 5 short items per half, 2 critic items, 3 questions: < 60 s

The last line printed is ``f1=<the ProcessBench F1 on the report half of the kind with the best F1 on
the calibration half>`` (among the SmolLM2 kinds: the toy head and random are reported, not ranked); results go to ``benchmarks/results/prm_eval.json`` (``prm_eval.quick.json`` with --quick).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import add_output_option, machine_info  # noqa: E402

from rewardkit import Sample, Score  # noqa: E402
from rewardkit.bon import best_of_n as run_bon  # noqa: E402
from rewardkit.prm.calibrate import calibrate, evaluate_at  # noqa: E402
from rewardkit.prm.processbench import (  # noqa: E402
    ProcessBenchItem,
    prm800k_to_processbench,
    read_prm800k,
    split_by_problem,
)
from rewardkit.prm.steps import sample_steps  # noqa: E402
from rewardkit.prm.toy import toy_prm  # noqa: E402
from rewardkit.types import StepScore  # noqa: E402
from rewardkit.verifiers.math import MathVerifier  # noqa: E402
from rewardkit.verifiers.prm import PRMVerifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "prm_eval"
DATA = ROOT.parent / "shared" / "data"
PRM800K = DATA / "prm800k" / "phase1_test_stepwise.jsonl"
GSM8K_SOLUTIONS = DATA / "gsm8k" / "example_model_solutions.jsonl"
RUNS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def pick(items: list[ProcessBenchItem], n: int, seed: int, short: bool = False) -> list[ProcessBenchItem]:
    """Up to ``n`` items: chains (complete, right) for a quarter, then branches with and without an error
    in equal numbers where the data allows, drawn with ``seed`` (``short``: from the shortest items only,
    for a quick run)."""
    rng = random.Random(seed)
    if short:
        items = sorted(items, key=lambda it: sum(map(len, it.steps)))[: 8 * n]
    chains = [it for it in items if it.meta.get("kind") == "chain"]
    wrong = [it for it in items if it.meta.get("kind") != "chain" and it.label != -1]
    right = [it for it in items if it.meta.get("kind") != "chain" and it.label == -1]
    rng.shuffle(wrong)
    rng.shuffle(right)
    chosen = chains[: n // 4]
    half = (n - len(chosen)) // 2
    chosen += wrong[:half]
    chosen += right[: n - len(chosen)]
    return chosen[:n]


def kinds(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    return {
        "head": {"kind": "head", "model": str(toy_prm()), "backend_options": {"trust_remote_code": True}},
        "label_token_turns": {"kind": "label_token"},
        "label_token_tag": {"kind": "label_token", "convention": "tag"},
        "likelihood": {"kind": "likelihood"},
        "critic": {
            "kind": "critic",
            "max_tokens": args.critic_tokens,
            "retries": args.critic_retries,
            "cache": False,
        },
    }


def evaluate(verifier: Any, calib: list[ProcessBenchItem], report: list[ProcessBenchItem]) -> dict[str, Any]:
    """ProcessBench F1 and PRMBench step F1 on ``report`` at the threshold chosen on ``calib``, and at 0.5."""
    t = time.perf_counter()
    result = calibrate(verifier, calib, report, fallback=0.5)
    seconds = time.perf_counter() - t
    out = {
        "items": len(report),
        "calibration_items": len(calib),
        "threshold": result.threshold,
        "threshold_from": result.threshold_from,
    }
    out.update({k: v for k, v in result.report.items()})
    out["f1_calibration"] = result.calibration["f1"]
    out["f1_at_0.5"] = evaluate_at(result.scores[len(calib) :], report, 0.5)["f1"]
    out["statuses"] = result.statuses
    out["seconds"] = round(seconds, 2)
    out["items_per_s"] = round((len(calib) + len(report)) / seconds, 2) if seconds else None
    return out


class RandomSteps:
    """The floor: every step a seeded uniform draw (min-aggregated), same steps as the PRMs see."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def score_batch(self, samples: list[Sample]) -> list[Score]:
        rng = random.Random(self.seed)
        return [
            Score.from_steps([StepScore(rng.random(), s.span) for s in sample_steps(sample)], "min")
            for sample in samples
        ]


def best_of_n(verifiers: dict[str, Any], questions: int) -> dict[str, Any]:
    """Best-of-4 on GSM8K's GPT-3 solutions through :func:`rewardkit.bon.best_of_n`: each PRM's
    min-aggregated score (and its last step) picks one of the four; correctness by the math verifier
    against the gold answer (it agrees with the data's ``is_correct`` labels, also reported)."""
    rows = [json.loads(line) for line in GSM8K_SOLUTIONS.open(encoding="utf-8")][:questions]
    samples, labels = [], []
    for q, row in enumerate(rows):
        gold = row["ground_truth"].rsplit("A:", 1)[1].strip()
        for run in RUNS:
            solution = row[run]["solution"]
            lines = [line for line in solution.splitlines() if line.strip()]
            samples.append(Sample(solution, row["question"], reference=gold, steps=lines, group=f"q{q}"))
            labels.append(bool(row[run]["is_correct"]))
    correctness = MathVerifier(workers=0)
    out: dict[str, Any] = {"questions": len(rows), "n": len(RUNS)}
    for name, verifier in verifiers.items():
        t = time.perf_counter()
        report = run_bon(samples, verifier, correctness=correctness, aggregations=("min", "last"))
        seconds = time.perf_counter() - t
        out[name] = {
            "accuracy": report.selections["min"].accuracy,
            "accuracy_last": report.selections["last"].accuracy,
            "ties": report.selections["min"].ties,
            "no_ok_score": report.selections["min"].no_ok_score,
            "statuses": report.scorer_status,
            "seconds": round(seconds, 2),
        }
        out.update(
            mean_single=report.mean,
            majority_vote=report.majority,
            majority_ties=report.majority_ties,
            oracle=report.oracle,
            labels_agree=sum(c == lab for c, lab in zip(report.correct, labels, strict=True)) / len(labels),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run (under 60 s)")
    parser.add_argument("--items", type=int, default=None, help="items per half (default 64; 5 quick)")
    parser.add_argument("--critic-items", type=int, default=None, help="critic items per half (8; 2 quick)")
    parser.add_argument(
        "--critic-tokens", type=int, default=None, help="critic answer tokens (192; 24 quick)"
    )
    parser.add_argument("--critic-retries", type=int, default=None, help="critic retries (1; 0 quick)")
    parser.add_argument("--bon-questions", type=int, default=None, help="GSM8K questions (40; 3 quick)")
    parser.add_argument("--seed", type=int, default=0)
    add_output_option(parser, NAME)
    args = parser.parse_args()
    quick = args.quick
    args.items = args.items or (5 if quick else 64)
    args.critic_items = args.critic_items if args.critic_items is not None else (2 if quick else 8)
    args.critic_tokens = args.critic_tokens or (24 if quick else 192)
    args.critic_retries = args.critic_retries if args.critic_retries is not None else (0 if quick else 1)
    args.bon_questions = args.bon_questions or (3 if quick else 40)
    if args.output is None:
        from _machine import results_path

        args.output = results_path(NAME, quick)
    if not PRM800K.is_file():
        sys.exit(f"{PRM800K} is missing: this benchmark reads the shared PRM800K data")

    started = time.perf_counter()
    items, stats = prm800k_to_processbench(read_prm800k(PRM800K))
    calib_all, report_all = split_by_problem(items, 0.5, args.seed)
    calib = pick(calib_all, args.items, args.seed, short=quick)
    report = pick(report_all, args.items, args.seed + 1, short=quick)
    print(
        f"PRM800K -> {len(items)} ProcessBench items ({stats.get('chains')} chains); calibration "
        f"{len(calib)} / report {len(report)} items ({sum(it.label != -1 for it in report)} with an error)",
        flush=True,
    )
    results: dict[str, Any] = {}
    verifiers: dict[str, Any] = {}
    for name, config in kinds(args).items():
        verifiers[name] = PRMVerifier(**config)
        if name == "critic":  # generation is slow: a few items, half with an error, from each side
            results[name] = evaluate(
                verifiers[name], _balanced(calib, args.critic_items), _balanced(report, args.critic_items)
            )
        else:
            results[name] = evaluate(verifiers[name], calib, report)
        _show(name, results[name])
    verifiers["random"] = RandomSteps(args.seed)
    results["random"] = evaluate(verifiers["random"], calib, report)
    _show("random", results["random"])
    bon_verifiers = {k: v for k, v in verifiers.items() if k != "critic"}
    bon = best_of_n(bon_verifiers, args.bon_questions)
    print(
        f"best-of-{bon['n']} on {bon['questions']} GSM8K questions: single {bon['mean_single']:.3f}, majority "
        f"{bon['majority_vote']:.3f}, oracle {bon['oracle']:.3f}; "
        + ", ".join(f"{k} {bon[k]['accuracy']:.3f}" for k in bon_verifiers),
        flush=True,
    )
    # the headline kind is chosen on the calibration side (not on the numbers it reports), among the real
    # models: the toy head is noise by construction, random is the floor
    ranked = [k for k in results if k not in ("random", "head") and results[k]["f1_calibration"] is not None]
    best = max(ranked, key=lambda k: results[k]["f1_calibration"]) if ranked else None
    result = {
        "benchmark": NAME,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "data": {"conversion": stats, "calibration_items": len(calib), "report_items": len(report)},
        "model": "smollm2 (head: toy_prm, a random head on SmolLM2's body)",
        "kinds": results,
        "best_of_n": bon,
        "best": best,
        "f1": results[best]["f1"] if best else None,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine_info(["torch", "transformers", "rewardkit"]),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", flush=True)
    print(f"f1={result['f1'] if result['f1'] is not None else 'nan'}")


def _balanced(items: list[ProcessBenchItem], n: int) -> list[ProcessBenchItem]:
    wrong = [it for it in items if it.label != -1]
    right = [it for it in items if it.label == -1]
    out = wrong[: n // 2] + right[: n - n // 2]
    return out[:n]


def _show(name: str, r: dict[str, Any]) -> None:
    f1 = "n/a" if r["f1"] is None else f"{r['f1']:.3f}"
    step = r.get("step") or {}
    print(
        f"{name:18s} F1 {f1} (error acc {r['error_acc']}, correct acc {r['correct_acc']}, threshold "
        f"{r['threshold']:.3g}) step PRMScore {step.get('prm_score')} items {r['items']} {r['statuses']} "
        f"{r['seconds']} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
