"""Generate best-of-N responses for GSM8K with SmolLM2 through rewardkit's engine.

Writes ``data/gsm8k_smollm2_bon.jsonl``: N sampled responses per question for the first ``--questions``
GSM8K test questions, one row per response: ``id`` (``<question>-<k>``), ``group`` (the question index),
``prompt`` (the chat messages), ``response``, ``reference`` (the gold number, after ``####``).

The file in the repository was made with (2 shared CPU cores, busy: 406 s; one torch thread, because two
threads on cores that other processes use ran about ten times slower)::

    .venv/bin/python scripts/gsm8k_bon_responses.py --questions 16 --n 4 --seed 1234 --threads 1

16 questions, not 50: at about 100 s per 16 responses here, 50 questions x 4 would take over 20 minutes.

Sampling: temperature 0.7, top_p 1.0, max_tokens 256, seed ``seed + k`` for the k-th response of every
question (one ``generate`` call per k, all questions batched in it, so the N responses of a question
never share a batch); each text is cut at the made-up next ``Problem:``/``Question:`` the model starts.
The prompt is SmolLM2's chat template with a one-shot example that ends on ``The answer is <number>.``.
Rerunning with the same arguments on the same torch build repeats the file.

Then: ``rewardkit bon --input data/gsm8k_smollm2_bon.jsonl --verifier format --option
pattern='(?i)the answer is'`` (see ``rewardkit bon --help``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rewardkit.engine.backends import get_backend
from rewardkit.engine.backends.base import GenerationParams, GenerationRequest

ROOT = Path(__file__).resolve().parents[1]
GSM8K = ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl"
OUTPUT = ROOT / "data" / "gsm8k_smollm2_bon.jsonl"

INSTRUCTION = (
    "Solve the math word problem step by step. End with a line 'The answer is <number>.'\n\n"
    "Problem: Tom has 3 boxes with 4 apples each. He eats 2 apples. How many apples are left?\n"
    "Solution: 3 boxes with 4 apples each hold 3 * 4 = 12 apples. After eating 2, 12 - 2 = 10 are left.\n"
    "The answer is 10.\n\n"
    "Problem: {question}\nSolution:"
)


#: The model goes on with a made-up next problem after its answer: the response is cut there. (Cut
#: afterwards: transformers' stop strings made CPU generation many times slower here.)
STOP = ("\nProblem:", "\nQuestion:")


def cut(text: str) -> str:
    """``text`` up to the first :data:`STOP` string, stripped."""
    ends = [i for i in (text.find(stop) for stop in STOP) if i >= 0]
    return text[: min(ends, default=len(text))].strip()


def gold_number(answer: str) -> str:
    """The number after ``####`` in a GSM8K answer, without thousands separators."""
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": INSTRUCTION.format(question=question)}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=50, help="the first Q test questions")
    parser.add_argument("--n", type=int, default=4, help="responses per question")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (1 is fastest on busy shared cores)"
    )
    parser.add_argument("--input", type=Path, default=GSM8K)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    with args.input.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line, _ in zip(f, range(args.questions), strict=False)]
    options = {"threads": args.threads} if args.threads else {}
    backend = get_backend("transformers", model="smollm2", **options)
    requests = [GenerationRequest(messages(r["question"])) for r in rows]
    started = time.monotonic()
    responses: list[list[str]] = [[] for _ in rows]
    for k in range(args.n):
        params = GenerationParams(
            max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed + k
        )
        for q, result in enumerate(backend.generate(requests, params)):
            responses[q].append(cut(result.text))
        print(f"sample {k + 1}/{args.n}: {time.monotonic() - started:.0f} s", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        for q, row in enumerate(rows):
            for k, text in enumerate(responses[q]):
                record = {
                    "id": f"{q}-{k}",
                    "group": q,
                    "prompt": messages(row["question"]),
                    "response": text,
                    "reference": gold_number(row["answer"]),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    took = time.monotonic() - started
    print(f"wrote {len(rows) * args.n} responses ({len(rows)} questions x {args.n}) to {args.output}")
    print(f"generation took {took:.0f} s")


if __name__ == "__main__":
    main()
