"""Likelihood scoring throughput: rewardkit's transformers backend against a naive loop and lm-eval.

The GRPO shape: ``--prompts`` prompts x ``--group`` responses each (8 x 8), responses of 64-256 SmolLM2
tokens. Prompts are MATH-500 problems behind a short instruction; the responses are MATH-500 reference
solutions of that length (the problem's own solution first, then others), so every response is real
math text. Context = "<instruction>Problem: ...\\nSolution:", continuation = " <solution>" (no trailing
whitespace on the context, so lm-eval's tokenisation of the pair is the same as rewardkit's).

Three ways, each in its own child process (clean peak memory) on the same requests, float32 on CPU:

* naive: for each sample, tokenise context + continuation, one forward pass, log-softmax over the whole
  vocabulary at every position, gather the continuation's tokens;
* lm-eval 0.4: ``HFLM(pretrained=<the same model object>, batch_size=B).loglikelihood(instances)``, the
  faster of B = 1 and B = 8;
* rewardkit: ``TransformersBackend.loglikelihood(requests)`` (prefix sharing, head only at continuation
  positions, length-sorted micro-batches).

Also measured, for information only: rewardkit with ``dtype=bfloat16`` (faster where the CPU has
bfloat16 instructions, but its values move by ~1e-2, outside the 1e-3 agreement goal).

Reported: response tokens scored per second, peak RSS of each child, and the largest absolute difference
of each method's per-sample summed logprob from the naive loop's.

    python benchmarks/likelihood_throughput.py            # 8 x 8 = 64 samples
    python benchmarks/likelihood_throughput.py --quick    # 2 x 8 = 16 samples, no bf16 run, under 60 s

The last line printed is ``ratio=<rewardkit tokens/s / naive tokens/s>``; the lm-eval ratio is printed
above it; results go to ``benchmarks/results/likelihood_throughput.json``
(``likelihood_throughput.quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import add_output_option, machine_info, results_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "likelihood_throughput"
MATH500 = ROOT.parent / "shared" / "data" / "math500" / "test.jsonl"
INSTRUCTION = (
    "Solve the following math problem. Reason step by step, and put your final answer within \\boxed{}.\n\n"
)


def build_requests(model_path: str, prompts: int, group: int) -> list[tuple[str, str]]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    rows = [json.loads(line) for line in MATH500.read_text(encoding="utf-8").splitlines() if line.strip()]
    fits = [
        r for r in rows if 64 <= len(tok(" " + r["solution"], add_special_tokens=False)["input_ids"]) <= 256
    ]
    pairs = []
    for p in range(prompts):
        problem = fits[p]
        context = f"{INSTRUCTION}Problem: {problem['problem']}\nSolution:"
        others = [fits[(p + 1 + k * prompts) % len(fits)] for k in range(group - 1)]
        for response in [problem, *others]:
            pairs.append((context, " " + response["solution"]))
    return pairs


# ------------------------------------------------------------------------------------------- methods


def run_naive(model_path: str, pairs: list[tuple[str, str]]) -> list[float]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
    start = _ready()
    sums = []
    with torch.no_grad():
        for context, continuation in pairs:
            ctx = tok(context, add_special_tokens=False)["input_ids"]
            whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([whole])
            logp = torch.log_softmax(model(ids).logits[0].float(), dim=-1)
            targets = ids[0, len(ctx) :]
            sums.append(logp[len(ctx) - 1 : -1].gather(-1, targets[:, None]).sum().item())
    return _done(start, sums)


def run_lm_eval(model_path: str, pairs: list[tuple[str, str]], batch_size: int) -> list[float]:
    import torch
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
    lm = HFLM(pretrained=model, tokenizer=tok, batch_size=batch_size, device="cpu")
    instances = [
        Instance(request_type="loglikelihood", doc={}, arguments=pair, idx=i) for i, pair in enumerate(pairs)
    ]
    start = _ready()
    out = lm.loglikelihood(instances, disable_tqdm=True)
    return _done(start, [float(s) for s, _ in out])


def run_rewardkit(model_path: str, pairs: list[tuple[str, str]], dtype: str = "float32") -> list[float]:
    from rewardkit.engine.backends import LoglikelihoodRequest
    from rewardkit.engine.backends.hf import TransformersBackend

    backend = TransformersBackend(TransformersBackend.Config(model=model_path, dtype=dtype))
    requests = [LoglikelihoodRequest(c, x) for c, x in pairs]
    start = _ready()
    out = backend.loglikelihood(requests)
    backend.close()
    return _done(start, [r.sum for r in out])


def _ready() -> float:
    return time.perf_counter()


def _done(start: float, sums: list[float]) -> Any:
    return {"seconds": time.perf_counter() - start, "sums": sums}


def _child(conn: Any, name: str, args: tuple) -> None:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        result = METHODS[name](*args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["start_rss_mb"] = base / 1024
        conn.send(result)
    except BaseException as exc:  # report, do not hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})


METHODS = {"naive": run_naive, "lm_eval": run_lm_eval, "rewardkit": run_rewardkit}


def in_child(name: str, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, name, args))
    proc.start()
    result = parent.recv()
    proc.join()
    if "error" in result:
        raise SystemExit(f"{name} failed: {result['error']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 prompts x 8 responses")
    parser.add_argument("--prompts", type=int, default=None)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--model", default="smollm2", help="model alias, folder or hub id")
    parser.add_argument("--no-bf16", action="store_true", help="skip the informational bfloat16 run")
    add_output_option(parser, NAME)
    args = parser.parse_args()
    args.output = results_path(NAME, args.quick, args.output)
    prompts = args.prompts or (2 if args.quick else 8)

    from rewardkit.engine.models import resolve_model

    path = resolve_model(args.model)
    pairs = build_requests(path, prompts, args.group)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    tokens = sum(
        len(tok(c + x, add_special_tokens=False)["input_ids"])
        - len(tok(c, add_special_tokens=False)["input_ids"])
        for c, x in pairs
    )
    print(f"{len(pairs)} samples ({prompts} prompts x {args.group}), {tokens} response tokens", flush=True)

    runs: dict[str, dict[str, Any]] = {}
    runs["naive"] = in_child("naive", path, pairs)
    lm_eval_runs = {b: in_child("lm_eval", path, pairs, b) for b in ((1, 8) if not args.quick else (8,))}
    best = min(lm_eval_runs, key=lambda b: lm_eval_runs[b]["seconds"])
    runs["lm_eval"] = {
        **lm_eval_runs[best],
        "batch_size": best,
        "seconds_by_batch_size": {str(b): r["seconds"] for b, r in lm_eval_runs.items()},
    }
    runs["rewardkit"] = in_child("rewardkit", path, pairs)
    if not (args.no_bf16 or args.quick):
        runs["rewardkit_bf16"] = in_child("rewardkit", path, pairs, "bfloat16")

    reference = runs["naive"]["sums"]
    table = {}
    for name, r in runs.items():
        diff = max(abs(a - b) for a, b in zip(r["sums"], reference, strict=True))
        table[name] = {
            "seconds": round(r["seconds"], 3),
            "tokens_per_s": round(tokens / r["seconds"], 1),
            "peak_rss_mb": round(r["peak_rss_mb"], 1),
            "max_abs_diff_vs_naive": diff,
            **(
                {"batch_size": r["batch_size"], "seconds_by_batch_size": r["seconds_by_batch_size"]}
                if name == "lm_eval"
                else {}
            ),
        }
        print(
            f"{name:15s} {table[name]['tokens_per_s']:9.1f} tok/s  {r['seconds']:7.2f} s  "
            f"peak {r['peak_rss_mb']:7.0f} MB  max|diff| {diff:.2e}",
            flush=True,
        )

    ratio = table["rewardkit"]["tokens_per_s"] / table["naive"]["tokens_per_s"]
    lm_eval_ratio = table["rewardkit"]["tokens_per_s"] / table["lm_eval"]["tokens_per_s"]
    result = {
        "benchmark": "likelihood_throughput",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "model": args.model,
        "samples": len(pairs),
        "prompts": prompts,
        "group": args.group,
        "response_tokens": tokens,
        "methods": table,
        "values_agree_1e-3": all(table[m]["max_abs_diff_vs_naive"] <= 1e-3 for m in ("lm_eval", "rewardkit")),
        "lm_eval_ratio": round(lm_eval_ratio, 2),
        "ratio": round(ratio, 2),
        "machine": machine_info(["torch", "transformers", "lm_eval", "rewardkit"]),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"lm_eval_ratio={lm_eval_ratio:.2f}")
    print(f"ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
