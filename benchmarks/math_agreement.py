"""Math answer verification on a differential corpus: rewardkit and Math-Verify against labels made by
construction.

The corpus (``benchmarks/_math_corpus.py``) renders every MATH-500 and GSM8K gold as correct responses in
many styles (boxed, inline and display math, "the answer is", prose with units, equation chains, relation
forms, number formats, the gold written with ``$`` or as a whole solution) and as wrong ones (perturbed
values, swapped brackets and orders, hedges, non-finite answers), with labels that never come from either
tool. Both tools judge every case; the result lists every case where either disagrees with the label,
which side is right, and why.

rewardkit runs ``MathVerifier(workers=0)`` (inline, no deadline: a loaded machine cannot turn a slow case
into a timeout); a case is accepted when its score's value is 1.0. Math-Verify runs with its defaults in
this process's main thread (its timeouts are SIGALRM-based): ``verify(parse(gold), parse(response))``,
with a bare gold wrapped in ``\\boxed{}`` so its LaTeX extractor finds it, and a gold already written
with ``$...$`` or as a whole solution passed as it is.

    python benchmarks/math_agreement.py                  # the whole corpus (~25k cases, a few minutes)
    python benchmarks/math_agreement.py --quick          # a stratified sample (~2k cases), under a minute
    python benchmarks/math_agreement.py --only relation  # styles containing "relation" (quick output)
    python benchmarks/math_agreement.py --no-math-verify # rewardkit only

The last line printed is ``ratio=<Math-Verify seconds / rewardkit seconds>`` on the same cases (both in
one process). Results go to ``benchmarks/results/math_agreement.json`` (``math_agreement.quick.json`` with ``--quick``
or ``--only``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _math_corpus  # noqa: E402
import _pairs  # noqa: E402
from _machine import add_output_option, machine_info, results_path  # noqa: E402
from _math_corpus import Case  # noqa: E402
from _math_verify import check_math_verify_timeout, counting_timeouts  # noqa: E402

NAME = "math_agreement"
QUICK_FRACTION = 0.07
GOLD_CHARS = 400  # longer golds (whole solutions) are stored as their head and tail
MATH_VERIFY_USAGE = (
    "verify(parse(gold if '$' in gold or a whole solution else '\\\\boxed{' + gold + '}'), parse(response)), "
    "default configs, main thread"
)
TOOLS = ("rewardkit", "math_verify")


# ------------------------------------------------------------------------------------------ Math-Verify


def math_verify_gold(gold: str) -> str:
    """The gold as Math-Verify is given it: a bare answer in \\boxed{} (its LaTeX extractor looks for
    math), a gold already written with $...$ or as a whole solution (\\boxed{} / ####) as it is."""
    if "$" in gold or "\\boxed" in gold or "####" in gold:
        return gold
    return "\\boxed{" + gold + "}"


def _shown(parsed: Any) -> list[str]:
    out = []
    for item in parsed or []:
        try:
            text = str(item)
        except Exception:  # str() of an odd sympy object
            text = "(unprintable)"
        out.append(text if len(text) <= 120 else text[:117] + "...")
    return out


def run_math_verify(cases: list[Case], progress: bool) -> tuple[list[dict[str, Any]], float, int]:
    """Per case: verdict, what Math-Verify parsed from gold and response, and any exception."""
    from math_verify import parse, verify

    out: list[dict[str, Any]] = []
    start = time.perf_counter()
    with counting_timeouts(quiet=True) as counter:
        for i, case in enumerate(cases):
            try:
                gold = parse(math_verify_gold(case.gold))
                answer = parse(case.response)
                verdict = bool(verify(gold, answer))
                out.append({"verdict": verdict, "gold_parsed": _shown(gold), "parsed": _shown(answer)})
            except Exception as exc:  # a tool failure is a rejection, and is shown
                out.append({"verdict": False, "error": f"{type(exc).__name__}: {exc}"[:300]})
            if progress and (i + 1) % 5000 == 0:
                print(f"  Math-Verify: {i + 1}/{len(cases)}", flush=True)
    return out, time.perf_counter() - start, counter.count


# ------------------------------------------------------------------------------------------- rewardkit


def run_rewardkit(cases: list[Case]) -> tuple[list[dict[str, Any]], float]:
    from rewardkit import Sample
    from rewardkit.verifiers.math import MathVerifier

    verifier = MathVerifier(workers=0)
    start = time.perf_counter()
    scores = verifier.score_batch([Sample(response=c.response, reference=c.gold) for c in cases])
    seconds = time.perf_counter() - start
    out = []
    for s in scores:
        out.append(
            {
                "verdict": s.value == 1.0,
                "value": s.value,
                "status": s.status.value,
                "extracted": s.details.get("extracted"),
                "match_mode": s.details.get("match_mode"),
                "reason": s.reason,
            }
        )
    return out, seconds


# ---------------------------------------------------------------------------------------------- report


def _counts(cases: list[Case], results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Agreement with the labels for each tool: right, accuracy, false accepts / false rejects."""
    row: dict[str, Any] = {"cases": len(cases), "labelled_correct": sum(c.expected for c in cases)}
    for tool, res in results.items():
        right = sum(r["verdict"] == c.expected for c, r in zip(cases, res, strict=True))
        row[tool] = {
            "right": right,
            "accuracy": round(right / len(cases), 5) if cases else None,
            "false_accepts": sum(r["verdict"] and not c.expected for c, r in zip(cases, res, strict=True)),
            "false_rejects": sum(c.expected and not r["verdict"] for c, r in zip(cases, res, strict=True)),
        }
    if len(results) == 2:
        rk, mv = results["rewardkit"], results["math_verify"]
        both = Counter(
            (a["verdict"] == c.expected, b["verdict"] == c.expected)
            for c, a, b in zip(cases, rk, mv, strict=True)
        )
        row.update(
            both_right=both[(True, True)],
            only_rewardkit_right=both[(True, False)],
            only_math_verify_right=both[(False, True)],
            both_wrong=both[(False, False)],
        )
    return row


def _grouped(cases: list[Case], results: dict[str, list[dict[str, Any]]], key) -> dict[str, Any]:
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault(key(c), []).append(i)
    out = {}
    for name in sorted(groups):
        idx = groups[name]
        out[name] = _counts([cases[i] for i in idx], {t: [res[i] for i in idx] for t, res in results.items()})
    return out


def _short_gold(gold: str) -> str:
    if len(gold) <= GOLD_CHARS:
        return gold
    return gold[:120] + " … " + gold[-(GOLD_CHARS - 120) :]


def _why(case: Case, right: list[str], rk: dict[str, Any], mv: dict[str, Any] | None) -> str:
    label = "correct" if case.expected else "wrong"
    text = f"{label} by construction: {_math_corpus.style_doc(case.style)}"
    if case.note:
        text += f" ({case.note})"
    wrong_tools = [t for t in TOOLS if t not in right and (t == "rewardkit" or mv is not None)]
    for tool in wrong_tools:
        verdict = "accepted" if not case.expected else "rejected"
        if tool == "rewardkit":
            text += (
                f"; rewardkit {verdict} it: extracted {rk['extracted']!r} ({rk['match_mode']}), "
                f"status {rk['status']}" + (f", {rk['reason']}" if rk["reason"] else "")
            )
        elif mv is not None:
            seen = mv.get("error") or f"parsed gold {mv.get('gold_parsed')} and response {mv.get('parsed')}"
            text += f"; Math-Verify {verdict} it: {seen}"
    return text


def disagreements(
    cases: list[Case], results: dict[str, list[dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every case where a tool disagrees with the label, and the classes (style x who is right) they form."""
    rows, classes = [], {}
    for i, c in enumerate(cases):
        verdicts = {t: res[i] for t, res in results.items()}
        right = [t for t, r in verdicts.items() if r["verdict"] == c.expected]
        if len(right) == len(verdicts):
            continue
        side = "both_wrong" if not right else ("rewardkit" if right == ["rewardkit"] else "math_verify")
        if len(verdicts) == 1:
            side = "neither"
        rk, mv = verdicts["rewardkit"], verdicts.get("math_verify")
        row = {
            "id": c.id,
            "dataset": c.dataset,
            "style": c.style,
            "shape": c.shape,
            "gold": _short_gold(c.gold),
            "response": c.response,
            "expected": c.expected,
            "right": side,  # which side agrees with the label
            "why": _why(c, right, rk, mv),
            "rewardkit": rk,
        }
        if mv is not None:
            row["math_verify"] = mv
        rows.append(row)
        key = (c.style, side)
        if key not in classes:
            classes[key] = {
                "style": c.style,
                "right": side,
                "cases": 0,
                "why": _math_corpus.style_doc(c.style),
                "example": {"gold": _short_gold(c.gold), "response": c.response[-200:]},
            }
        classes[key]["cases"] += 1
    ordered = sorted(classes.values(), key=lambda k: (k["right"] == "rewardkit", -k["cases"], k["style"]))
    rows.sort(key=lambda r: (r["right"] == "rewardkit", r["style"], r["id"]))  # rewardkit's misses first
    return rows, ordered


def dumps(result: dict[str, Any]) -> str:
    """The result as JSON: indented, except that each disagreement is one line (the file stays readable,
    and a rerun's diff shows which cases changed)."""
    head = {k: v for k, v in result.items() if k != "disagreements"}
    text = json.dumps(head, indent=1, ensure_ascii=False)
    rows = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in result["disagreements"])
    return text[: -len("\n}")] + ',\n "disagreements": [\n' + rows + ("\n" if rows else "") + " ]\n}\n"


def print_tables(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    tools = [t for t in TOOLS if t in result["summary"]]
    names = {"rewardkit": "rewardkit", "math_verify": "Math-Verify"}

    overall = Table(
        title=f"Agreement with the labels ({result['cases']} cases{', quick' if result['quick'] else ''})"
    )
    for col in ("", "cases", *(f"{names[t]} {k}" for t in tools for k in ("acc", "false acc", "false rej"))):
        overall.add_column(col, justify="left" if not col else "right")
    for name, row in [("all", result["summary"]), *result["by_dataset"].items()]:
        cells = [name, str(row["cases"])]
        for t in tools:
            cells += [f"{row[t]['accuracy']:.2%}", str(row[t]["false_accepts"]), str(row[t]["false_rejects"])]
        overall.add_row(*cells)
    console.print(overall)

    styles = Table(title="Styles where a tool is not always right (every style is in the JSON)")
    for col in ("style", "cases", *(f"{names[t]} acc" for t in tools)):
        styles.add_column(col, justify="left" if col == "style" else "right")
    for name, row in result["by_style"].items():
        if all(row[t]["right"] == row["cases"] for t in tools):
            continue
        styles.add_row(name, str(row["cases"]), *(f"{row[t]['accuracy']:.1%}" for t in tools))
    console.print(styles)

    if result["disagreement_classes"]:
        classes = Table(
            title=f"Disagreements with the label, by style and right side ({result['disagreement_count']})"
        )
        for col in ("style", "right side", "cases", "example gold", "example response (tail)"):
            classes.add_column(col, overflow="fold")
        for k in result["disagreement_classes"][:40]:
            classes.add_row(
                k["style"],
                k["right"],
                str(k["cases"]),
                escape(k["example"]["gold"][-60:]),
                escape(k["example"]["response"][-90:]),
            )
        console.print(classes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a stratified sample (~2k cases); under a minute"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed for --quick")
    parser.add_argument("--only", default=None, help="only styles containing this text (e.g. relation)")
    parser.add_argument("--no-math-verify", action="store_true", help="run rewardkit only")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    partial = args.quick or bool(args.only)
    args.output = results_path(NAME, partial, args.output)

    if not _pairs.data_available():
        print(f"shared data not found under {_pairs.DATA_DIR}; see docs/testing.md (shared data)", flush=True)
        return 2
    with_math_verify = not args.no_math_verify
    if with_math_verify:
        try:
            import math_verify  # noqa: F401
        except ImportError:
            print("math-verify is not installed (the bench extra); use --no-math-verify for rewardkit only")
            return 2

    start = time.perf_counter()
    corpus = _math_corpus.build_corpus()
    stats = _math_corpus.corpus_stats()
    cases = corpus
    if args.quick:
        cases = _math_corpus.stratified_sample(cases, QUICK_FRACTION, seed=args.seed)
    if args.only:
        cases = [c for c in cases if args.only in c.style]
    if not cases:
        print(f"no case matches --only {args.only!r}")
        return 2
    print(
        f"{len(cases)} cases ({sum(c.expected for c in cases)} correct) of a {len(corpus)}-case corpus, "
        f"built in {time.perf_counter() - start:.1f}s",
        flush=True,
    )

    results: dict[str, list[dict[str, Any]]] = {}
    results["rewardkit"], rk_seconds = run_rewardkit(cases)
    print(f"rewardkit (workers=0): {rk_seconds:.1f}s", flush=True)
    math_verify_info: dict[str, Any] = {"run": with_math_verify}
    if with_math_verify:
        timeout_check = check_math_verify_timeout()
        results["math_verify"], mv_seconds, mv_timeouts = run_math_verify(cases, progress=True)
        print(f"Math-Verify: {mv_seconds:.1f}s ({mv_timeouts} timeouts)", flush=True)
        math_verify_info.update(
            usage=MATH_VERIFY_USAGE,
            timeout_check=timeout_check,
            timeouts_during_run=mv_timeouts,
            errors=sum("error" in r for r in results["math_verify"]),
            seconds=round(mv_seconds, 2),
        )

    rows, classes = disagreements(cases, results)
    result = {
        "benchmark": NAME,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "only": args.only,
        "seed": args.seed,
        "cases": len(cases),
        "machine": machine_info(("rewardkit", "math-verify", "sympy", "latex2sympy2_extended")),
        "corpus": stats,
        "rewardkit": {
            "usage": "MathVerifier(workers=0).score_batch; accepted when score.value == 1.0",
            "seconds": round(rk_seconds, 2),
            "statuses": dict(Counter(r["status"] for r in results["rewardkit"])),
        },
        "math_verify": math_verify_info,
        # the same cases, one process each (rewardkit inline): how much faster the whole corpus is judged
        "ratio": round(mv_seconds / rk_seconds, 2) if with_math_verify else None,
        "ratio_definition": "Math-Verify seconds / rewardkit seconds on the same cases, one process each",
        "notes": [
            "labels are by construction (benchmarks/_math_corpus.py): correct renderings keep the gold's "
            "meaning; wrong ones carry a value checked to differ (see each case's note)",
            "a non-ok rewardkit score (error / timeout / unparseable) counts as a rejection; so does a "
            "Math-Verify exception",
            "'right' in a disagreement is the side that agrees with the label: rewardkit, math_verify, "
            "both_wrong (or neither, when Math-Verify was not run)",
        ],
        "summary": _counts(cases, results),
        "by_dataset": _grouped(cases, results, lambda c: c.dataset),
        "by_style": _grouped(cases, results, lambda c: c.style),
        "disagreement_count": len(rows),
        "disagreement_classes": classes,
        "disagreements": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(result), encoding="utf-8")

    print_tables(result)
    summary = result["summary"]
    line = " ".join(
        f"{t}_accuracy={summary[t]['accuracy']:.4f} {t}_false_accepts={summary[t]['false_accepts']} "
        f"{t}_false_rejects={summary[t]['false_rejects']}"
        for t in results
    )
    print(f"results written to {args.output}")
    print(line)
    if result["ratio"] is not None:
        print(f"ratio={result['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
