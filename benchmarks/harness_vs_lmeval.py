"""GSM8K with SmolLM2, greedy, the same chat prompt: ``rewardkit eval`` against lm-eval's harness.

Both sides answer the first ``--questions`` GSM8K test questions (``--data``, default
``../shared/data/gsm8k/test.jsonl``) with the packaged SmolLM2 (the ``smollm2`` alias: one local
folder), float32 on the CPU with ``--threads`` torch threads, greedy, ``--max-tokens`` new tokens, stopping
at EOS only, prompt = the model's chat template over one user turn: the question, then
``Solve the problem step by step. End your answer with a final line of the form "#### <number>".``

* rewardkit: :func:`rewardkit.evals.runner.run_suite` on the shipped ``gsm8k`` suite (generation through
  rewardkit's transformers backend and scheduler: generation micro-batches of at most 16384 padded prompt
  + new tokens, in run-log steps of 32 prompts; scoring by the math verifier), into a temporary run
  directory;
* lm-eval 0.4.13: ``simple_evaluate`` with lm-eval's own ``hf`` model on the same folder
  (``batch_size=--lm-eval-batch-size``, default 16) and the shipped ``gsm8k_rewardkit`` task reduced to
  lm-eval's own scoring (its gsm8k ``strict-match`` and ``flexible-extract`` filters with
  ``exact_match``), ``apply_chat_template=True``.

Each side's wall time covers loading the model, generating, scoring and writing its results. Both sides
first run untimed on 2 questions (8 tokens), so neither pays the process's first-call costs, and
rewardkit's shared backend is closed before its timed run, so both load their model inside the timing. Afterwards (not timed) rewardkit's math verifier also
scores lm-eval's responses, so the three extractions are compared on the same texts; the disagreement
table lists each question where they differ, with the gold, each extraction, each verdict and the
response's last lines, and ``right``: which extraction equals the gold by rewardkit's math equivalence.

    python benchmarks/harness_vs_lmeval.py            # 100 questions, 256 tokens (tens of minutes on 2 cores)
    python benchmarks/harness_vs_lmeval.py --quick    # 8 questions, 64 tokens: < 60 s

The last line printed is ``ratio=<lm-eval wall time / rewardkit wall time>``; results go to
``benchmarks/results/harness_vs_lmeval.json`` (``harness_vs_lmeval.quick.json`` with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lm_eval  # noqa: E402
import torch  # noqa: E402
from _machine import add_output_option, machine_info, results_path  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

from rewardkit.engine.backends import close_backends  # noqa: E402
from rewardkit.engine.models import resolve_model  # noqa: E402
from rewardkit.evals import lmeval as bridge  # noqa: E402
from rewardkit.evals.runner import run_suite  # noqa: E402
from rewardkit.evals.suite import load_suite  # noqa: E402

NAME = "harness_vs_lmeval"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gsm8k" / "test.jsonl"
LM_EVAL_PIPELINES = ("strict-match", "flexible-extract")


def run_rewardkit(data: Path, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    suite = load_suite("gsm8k").with_changes(generation={"max_tokens": args.max_tokens})
    started = time.perf_counter()
    run = run_suite(
        suite,
        folder / "rewardkit-run",
        model="smollm2",
        backend="transformers",
        backend_options={"threads": args.threads, "dtype": "float32", "device": "cpu"},
        data=data,
    )
    seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    rows.sort(key=lambda r: r["doc"])
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "rows": rows, "summary": summary}


def lm_eval_task(data: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The shipped task with lm-eval's own filters and exact_match only (no rewardkit scoring inside)."""
    config = bridge.gsm8k_task(data)
    config["filter_list"] = [f for f in config["filter_list"] if f["name"] in LM_EVAL_PIPELINES]
    config["metric_list"] = [m for m in config["metric_list"] if m["metric"] == "exact_match"]
    config["generation_kwargs"]["max_gen_toks"] = args.max_tokens
    return config


def run_lm_eval(data: Path, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    out = lm_eval.simple_evaluate(
        model="hf",
        model_args={"pretrained": resolve_model("smollm2"), "dtype": "float32", "device": "cpu"},
        batch_size=args.lm_eval_batch_size,
        tasks=[lm_eval_task(data, args)],
        task_manager=TaskManager(include_path=str(bridge.task_dir()), include_defaults=False),
        apply_chat_template=True,
        log_samples=True,
        bootstrap_iters=0,
    )
    seconds = time.perf_counter() - started
    per_doc: dict[int, dict[str, Any]] = {}
    for sample in out["samples"]["gsm8k_rewardkit"]:
        entry = per_doc.setdefault(sample["doc_id"], {"response": sample["resps"][0][0]})
        entry[sample["filter"]] = {
            "answer": sample["filtered_resps"][0],
            "correct": float(sample["exact_match"]) == 1.0,
        }
    results = out["results"]["gsm8k_rewardkit"]
    return {
        "seconds": seconds,
        "docs": [per_doc[d] for d in sorted(per_doc)],
        "accuracy": {p: results[f"exact_match,{p}"] for p in LM_EVAL_PIPELINES},
    }


def compare(golds: list[dict[str, Any]], ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Per question: the three verdicts on lm-eval's response, and rewardkit eval's on its own."""
    table, disagreements, statuses = [], [], {"ok": 0, "unparseable": 0, "timeout": 0, "error": 0}
    same_text = 0
    for doc, (gold_row, row, lm) in enumerate(zip(golds, ours["rows"], theirs["docs"], strict=True)):
        gold = gold_row["answer"].split("####")[-1].strip()
        on_theirs = bridge.math_score(gold_row["answer"], lm["response"])
        statuses[on_theirs.status.value] += 1
        same_text += row["response"] == lm["response"]
        entry = {
            "doc": doc,
            "gold": gold,
            "same_response": row["response"] == lm["response"],
            "rewardkit_eval": {
                "answer": row.get("answer"),
                "correct": row["correct"],
                "status": row["status"],
            },
            "rewardkit_math": {
                "answer": on_theirs.details.get("extracted"),
                "correct": on_theirs.value == 1.0 if on_theirs.ok else None,
                "status": on_theirs.status.value,
            },
            **{p: lm[p] for p in LM_EVAL_PIPELINES},
        }
        table.append(entry)
        verdicts = {
            "rewardkit_math": bool(entry["rewardkit_math"]["correct"]),
            **{p: lm[p]["correct"] for p in LM_EVAL_PIPELINES},
        }
        if len(set(verdicts.values())) > 1:
            right = {
                name: bridge.math_score(gold, answer).value == 1.0
                for name, answer in (
                    ("rewardkit_math", entry["rewardkit_math"]["answer"] or ""),
                    *((p, lm[p]["answer"]) for p in LM_EVAL_PIPELINES),
                )
            }
            disagreements.append(
                {
                    **entry,
                    "verdicts": verdicts,
                    "extraction_equals_gold": right,
                    "response_tail": lm["response"][-240:],
                }
            )
    n = len(table)
    return {
        "questions": n,
        "identical_responses": same_text,
        "rewardkit_math_on_lm_eval_responses": sum(bool(e["rewardkit_math"]["correct"]) for e in table) / n,
        "rewardkit_math_statuses_on_lm_eval_responses": statuses,
        "disagreements": disagreements,
        "per_question": table,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="8 questions, 64 tokens (under 60 s)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"GSM8K test JSONL (default {DATA})")
    parser.add_argument("--questions", type=int, default=None, help="questions (default 100; 8 quick)")
    parser.add_argument("--max-tokens", type=int, default=None, help="new tokens (default 256; 64 quick)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, both sides (default 1)")
    parser.add_argument("--lm-eval-batch-size", type=int, default=16, help="lm-eval hf batch size (16)")
    add_output_option(parser, NAME)
    args = parser.parse_args()
    args.questions = args.questions or (8 if args.quick else 100)
    args.max_tokens = args.max_tokens or (64 if args.quick else 256)
    output = results_path(NAME, args.quick, args.output)
    if not args.data.is_file():
        sys.exit(f"{args.data} is missing: pass --data FILE (GSM8K test rows: question, answer)")
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = args.data.read_text(encoding="utf-8").splitlines()[: args.questions]
        data = folder / "gsm8k.jsonl"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        golds = [json.loads(line) for line in lines]
        print(f"{len(golds)} GSM8K questions, {args.max_tokens} tokens, {args.threads} thread(s)", flush=True)
        # untimed warm-up of both sides on 2 questions (imports, kernels, the page cache), so neither pays
        # the process's first-call costs; the shared backend is closed so the timed run loads its model again
        warm = folder / "warm.jsonl"
        warm.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
        short = argparse.Namespace(**{**vars(args), "max_tokens": 8})
        run_rewardkit(warm, short, folder / "warm")
        close_backends()
        run_lm_eval(warm, short)
        ours = run_rewardkit(data, args, folder)
        accuracy = ours["summary"]["metrics"]["accuracy"]["value"]
        print(f"rewardkit eval: accuracy {accuracy:.3f} in {ours['seconds']:.1f} s", flush=True)
        theirs = run_lm_eval(data, args)
        print(
            f"lm-eval hf: strict-match {theirs['accuracy']['strict-match']:.3f}, flexible-extract "
            f"{theirs['accuracy']['flexible-extract']:.3f} in {theirs['seconds']:.1f} s",
            flush=True,
        )
    comparison = compare(golds, ours, theirs)
    print(
        f"rewardkit_math on lm-eval's responses: {comparison['rewardkit_math_on_lm_eval_responses']:.3f}; "
        f"identical responses {comparison['identical_responses']}/{comparison['questions']}; "
        f"{len(comparison['disagreements'])} questions where the extractions disagree",
        flush=True,
    )
    for d in comparison["disagreements"]:
        print(
            f"  doc {d['doc']}: gold {d['gold']} | rewardkit {d['rewardkit_math']['answer']!r} "
            f"{d['verdicts']['rewardkit_math']} | strict {d['strict-match']['answer']!r} "
            f"{d['verdicts']['strict-match']} | flexible {d['flexible-extract']['answer']!r} "
            f"{d['verdicts']['flexible-extract']}",
            flush=True,
        )
    ratio = theirs["seconds"] / ours["seconds"]
    result = {
        "benchmark": NAME,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "data": str(args.data),
        "model": "smollm2 (SmolLM2-135M-Instruct), float32, CPU",
        "questions": len(golds),
        "max_tokens": args.max_tokens,
        "threads": args.threads,
        "batching": {
            "rewardkit": "generation micro-batches of <= 16384 padded prompt + new tokens (generate_token_budget), "
            "run-log steps of 32 prompts",
            "lm_eval_hf_batch_size": args.lm_eval_batch_size,
        },
        "accuracy": {
            "rewardkit_eval": accuracy,
            "lm_eval_strict_match": theirs["accuracy"]["strict-match"],
            "lm_eval_flexible_extract": theirs["accuracy"]["flexible-extract"],
            "rewardkit_math_on_lm_eval_responses": comparison["rewardkit_math_on_lm_eval_responses"],
        },
        "rewardkit_statuses": ours["summary"]["statuses"],
        "seconds": {"rewardkit": round(ours["seconds"], 2), "lm_eval": round(theirs["seconds"], 2)},
        "rewardkit_timing": ours["summary"].get("timing"),
        "ratio": round(ratio, 3),
        **comparison,
        "machine": machine_info(["torch", "transformers", "lm_eval", "rewardkit"]),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output}", flush=True)
    print(f"ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
