"""MathVerifier against the shared real data: MATH-500, GSM8K (+ labelled GPT-3 samples), PRM800K answers.

Run with ``pytest -s tests/test_math_data.py`` to see the counts. Labels never come from rewardkit: the
pairs (built in ``benchmarks/_pairs.py``, shared with ``benchmarks/math_throughput.py``) are correct
because the response is a reference solution or a human-labelled sample, and wrong because the final
answer was replaced by a value checked to differ (exact fractions, or latex2sympy + numeric evaluation).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import load_benchmark

from rewardkit import Sample, Score
from rewardkit.verifiers.math import MathVerifier

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
_REQUIRED = (
    "math500/test.jsonl",
    "gsm8k/test.jsonl",
    "gsm8k/example_model_solutions.jsonl",
    "prm800k/phase1_test_stepwise.jsonl",
)
_MISSING = [f for f in _REQUIRED if not (DATA_DIR / f).is_file()]

pytestmark = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"shared benchmark data missing under {DATA_DIR} ({', '.join(_MISSING)}); see docs/testing.md (shared data)",
)


P = load_benchmark("_pairs")
assert P.DATA_DIR == DATA_DIR

# The claims these tests hold the verifier to (README, "Tests and data"), measured on the shared data:
# 0 of the 8,694 wrong-answer pairs verify (MATH-500 0/2114, GSM8K 0/6580), and the 4 x 1319 labelled
# GPT-3 GSM8K solutions agree with `is_correct` on 5276/5276. No slack: one more false positive or one
# disagreement fails, listing the rows.


def score_all(golds: list[str], responses: list[str]) -> list[Score]:
    """Score in bulk through the default (pooled) MathVerifier."""
    samples = [Sample(response=r, reference=g) for g, r in zip(golds, responses, strict=True)]
    return MathVerifier().score_batch(samples)


def verified(score: Score) -> bool:
    return score.ok and score.value == 1.0


def describe(gold: str, score: Score, response: str) -> str:
    extracted = score.details.get("extracted")
    return f"gold={gold!r} extracted={extracted!r} status={score.status.value} reason={score.reason!r} | {P.tail(response, 120)}"


# ------------------------------------------------------------------------------------------- MATH-500

# Reference solutions whose boxed answer may fail against `answer`, with the reason. Keep it empty: an
# entry here is a verifier bug to fix in rewardkit/verifiers/math.py.
MATH500_REFERENCE_ALLOWED_FAILURES: dict[str, str] = {}


def test_math500_reference_solutions_verify():
    rows = P.math500()
    assert len(rows) == 500
    scores = score_all([r["answer"] for r in rows], [r["solution"] for r in rows])
    failures = {
        r["unique_id"]: describe(r["answer"], s, r["solution"])
        for r, s in zip(rows, scores, strict=True)
        if not verified(s)
    }
    print(
        f"\nMATH-500 reference solutions: {500 - len(failures)}/500 verify; modes {Counter(s.details.get('match_mode') for s in scores)}"
    )
    for uid, why in failures.items():
        print(f"  FAIL {uid}: {why}")
    unexpected = {uid: why for uid, why in failures.items() if uid not in MATH500_REFERENCE_ALLOWED_FAILURES}
    assert not unexpected, f"{len(unexpected)} reference solutions do not verify: {unexpected}"


def test_math500_numeric_golds_accept_equivalent_forms():
    """Every numeric gold accepts the same value written differently: 10080, 10,080, 9/5, \\frac{9}{5}, 1.8."""
    golds, responses = [], []
    for row in P.math500():
        value = P.numeric_value(row["answer"])
        if value is None:
            continue
        forms = {P.latex_number(value), P.latex_number(value, decimal=True), P.plain_number(value)}
        if value.denominator == 1 and abs(value) >= 1000:
            forms.add(f"{int(value):,}")
        for form in sorted(forms - {row["answer"]}):
            golds.append(row["answer"])
            responses.append(P.replace_final_answer(row["solution"], form))
    scores = score_all(golds, responses)
    failures = [(g, s, r) for g, s, r in zip(golds, scores, responses, strict=True) if not verified(s)]
    print(f"\nMATH-500 numeric golds, rewritten: {len(golds) - len(failures)}/{len(golds)} verify")
    for g, s, r in failures:
        print(f"  FAIL {describe(g, s, r)}")
    assert not failures, "\n".join(describe(g, s, r) for g, s, r in failures)


# Hand-checked: each response is the same answer as the MATH-500 gold.
MATH500_SAME = [
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\left(3,\\dfrac{\\pi}{2}\\right)"),
    ("p - q", "-q + p"),
    ("\\text{Evelyn}", "Evelyn"),
    ("90^\\circ", "90"),
    ("3\\sqrt{13}", "\\sqrt{117}"),
    ("6 - 5i", "-5i + 6"),
    ("x=5", "5"),
    ("1,-2", "-2, 1"),
    ("11\\sqrt2", "11\\sqrt{2}"),
    ("3, 5, 7", "7, 5, 3"),
    ("x^5 - x^4 + x^3 - x^2 + x - 1", "(x-1)(x^4+x^2+1)"),
    ("\\frac{3\\sqrt{3}}{4}", "\\frac{3}{4}\\sqrt{3}"),
    ("\\cot x", "\\frac{\\cos x}{\\sin x}"),
    ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}"),
    (
        "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
        "\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}",
    ),
    ("(a+5)(b+2)", "(b+2)(a+5)"),
    ("\\frac43", "\\frac{4}{3}"),
    ("4210_{5}", "4210_5"),
    ("4210_{5}", "4210"),  # the base is given by the question; the digits are the answer
    ("\\$18.90", "18.9"),
    ("\\$36", "36"),
    ("\\text{(C)}", "C"),
    ("\\text{(C)}", "(C)"),
    ("864 \\mbox{ inches}^2", "864"),
    ("15\\mbox{ cm}^2", "15"),
    ("5.4 \\text{ cents}", "5.4"),
    ("1\\frac{4}{5}", "\\frac{9}{5}"),  # a mixed number
    ("137 \\frac{1}{2}", "137.5"),
    (".0000672", "6.72 \\times 10^{-5}"),
    (".35625", "\\frac{57}{160}"),
    ("3 \\pm 2 \\sqrt{2}", "3+2\\sqrt{2}, 3-2\\sqrt{2}"),
    ("\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "(0.6, 8/3]"),
    ("(0,9) \\cup (9,36)", "(0, 9) \\cup (9, 36)"),
    ("x \\in [-2,7]", "[-2,7]"),
    ("x \\in [-2,7]", "-2 \\le x \\le 7"),
    ("\\frac{11+9a}{20}", "\\frac{9a+11}{20}"),
    ("6r^2-4r-24", "2(3r^2-2r-12)"),
    ("\\{1\\pm\\sqrt{5},-2\\}", "-2, 1+\\sqrt{5}, 1-\\sqrt{5}"),
    ("\\frac{20000}{\\pi}", "20000/\\pi"),
    ("y = 2x + 3", "2x+3"),
    ("5x - 7y + 11z + 4 = 0", "-5x + 7y - 11z - 4 = 0"),
    ("\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\begin{pmatrix}-1&0\\\\0&-1\\end{pmatrix}"),
    ("\\frac{448}{15625}", "0.028672"),
    ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"),
    ("-\\frac{\\pi}{6}", "-\\pi/6"),
    ("58,500", "58500"),
    ("\\frac{270}7\\text{ degrees}", "\\frac{270}{7}"),
    ("10,\\!080", "10080"),
    ("10,\\!080", "10,080"),
    ("11,\\! 111,\\! 111,\\! 100", "11111111100"),
    ("\\$32,\\!348", "32348"),
    ("\\text{even}", "\\text{Even}"),
]

# Hand-checked: each response is a different answer from the MATH-500 gold.
MATH500_DIFFERENT = [
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(\\frac{\\pi}{2}, 3)"),
    ("p - q", "q - p"),
    ("\\text{Evelyn}", "Brenda"),
    ("6 - 5i", "6 + 5i"),
    ("1,-2", "1"),
    ("1,-2", "1, 2"),
    ("3, 5, 7", "3, 5"),
    ("(6,31,-1)", "(6,-1,31)"),
    ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}"),
    ("(3,4]", "[3,4]"),
    ("(3,4]", "(3,4)"),
    ("10,\\!080", "80"),
    ("\\text{(C)}", "D"),
    ("1\\frac{4}{5}", "\\frac{4}{5}"),
    ("137 \\frac{1}{2}", "\\frac{137}{2}"),
    (".0000672", "0.000672"),
    ("3 \\pm 2 \\sqrt{2}", "3+2\\sqrt{2}"),
    ("(2,\\infty)", "[2,\\infty)"),
    ("(-\\infty, 0]", "(-\\infty, 0)"),
    ("x \\in [-2,7]", "(-2,7)"),
    ("y = 2x + 3", "y = 2x - 3"),
    ("5x - 7y + 11z + 4 = 0", "5x - 7y + 11z - 4 = 0"),
    (
        "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
        "\\begin{pmatrix} -1/3 \\\\ 5/3 \\\\ 2/3 \\end{pmatrix}",
    ),
    ("\\frac{448}{15625}", "0.0287"),
    ("(0,9) \\cup (9,36)", "(0,36)"),
    ("\\{1\\pm\\sqrt{5},-2\\}", "1+\\sqrt{5}, 1-\\sqrt{5}"),
    ("\\cot x", "\\tan x"),
    ("2k", "2k+2"),
    ("\\frac{11+9a}{20}", "\\frac{11+9b}{20}"),
    ("(a+5)(b+2)", "(a+2)(b+5)"),
    ("3\\sqrt{13}", "\\sqrt{39}"),
    ("58,500", "585"),
    ("58,500", "58.5"),
]


def _boxed(answer: str) -> str:
    return f"Putting it together, the answer is $\\boxed{{{answer}}}$."


def hand_checked(
    same: list[tuple[str, str]], different: list[tuple[str, str]]
) -> list[tuple[str, str, bool]]:
    """(gold, answer, same) rows: the hand-checked equivalent pairs, then the different ones."""
    return [(g, a, True) for g, a in same] + [(g, a, False) for g, a in different]


def assert_verdict(gold: str, answer: str, same: bool) -> None:
    """The boxed answer verifies against gold exactly when the two were hand-checked to be the same."""
    score = MathVerifier().score(Sample(response=_boxed(answer), reference=gold))
    assert verified(score) is same, describe(gold, score, answer)


@pytest.mark.parametrize(("gold", "answer", "same"), hand_checked(MATH500_SAME, MATH500_DIFFERENT))
def test_math500_hand_checked_answers(gold, answer, same):
    assert gold in {r["answer"] for r in P.math500()}, "hand-checked golds must be real MATH-500 answers"
    if not same:
        assert P.answers_differ(gold, answer) is not False
    assert_verdict(gold, answer, same)


# ---------------------------------------------------------------------------------------------- GSM8K


def test_gsm8k_reference_answers_verify():
    rows = P.gsm8k()
    assert len(rows) == 1319
    golds = [P.gsm8k_gold(r["answer"]) for r in rows]
    scores = score_all(golds, [r["answer"] for r in rows])
    failures = [
        describe(g, s, r["answer"]) for g, s, r in zip(golds, scores, rows, strict=True) if not verified(s)
    ]
    print(f"\nGSM8K test answers: {1319 - len(failures)}/1319 verify against the number after ####")
    assert not failures, "\n".join(failures)


def test_gsm8k_model_solutions_agree_with_labels():
    pairs = list(P.gsm8k_model_pairs())
    scores = score_all([p.gold for p in pairs], [p.response for p in pairs])
    print()
    disagreements = []
    for run in P.GSM8K_RUNS:
        rows = [(p, s) for p, s in zip(pairs, scores, strict=True) if p.kind == f"model:{run}"]
        assert len(rows) == 1319, (
            f"{run}: expected a labelled solution for every GSM8K problem, got {len(rows)}"
        )
        disagree = [(p, s) for p, s in rows if verified(s) != p.label]
        agreement = 1 - len(disagree) / len(rows)
        statuses = Counter(s.status.value for _, s in rows)
        print(
            f"GSM8K {run}: agreement with is_correct {agreement:.4f} ({len(rows) - len(disagree)}/{len(rows)}), "
            f"labelled correct {sum(p.label for p, _ in rows)}, statuses {dict(statuses)}"
        )
        lines = [f"{run} {p.id} label={p.label}: {describe(p.gold, s, p.response)}" for p, s in disagree]
        for line in lines:
            print(f"  {line}")
        disagreements += lines
    total = len(pairs)
    assert not disagreements, (
        f"agreement with the human labels is {total - len(disagreements)}/{total}, not {total}/{total}; "
        "disagreeing rows:\n" + "\n".join(disagreements)
    )


# ------------------------------------------------------------------------------------ wrong answers


def test_wrong_answers_do_not_verify():
    skipped = P.Skipped()
    pairs = [p for p in [*P.math500_pairs(skipped=skipped), *P.gsm8k_pairs(model_runs=False)] if not p.label]
    scores = score_all([p.gold for p in pairs], [p.response for p in pairs])
    print(f"\nwrong-answer pairs: {len(pairs)} (not built: {skipped})")
    false_positives = []
    for dataset in ("math500", "gsm8k"):
        rows = [(p, s) for p, s in zip(pairs, scores, strict=True) if p.dataset == dataset]
        assert rows, f"no wrong-answer pairs built for {dataset}"
        kinds = Counter(p.kind for p, _ in rows)
        accepted = [(p, s) for p, s in rows if verified(s)]
        nonok = [(p, s) for p, s in rows if not s.ok]
        rate = len(accepted) / len(rows)
        print(
            f"{dataset}: {len(accepted)}/{len(rows)} wrong answers verified (false-positive rate {rate:.4%}); "
            f"non-ok scores {len(nonok)}; kinds {dict(sorted(kinds.items()))}"
        )
        lines = [f"{dataset} {p.kind} {p.id}: {describe(p.gold, s, p.response)}" for p, s in accepted]
        for line in lines:
            print(f"  FALSE POSITIVE {line}")
        for p, s in nonok:
            print(f"  non-ok {p.kind} {p.id}: {describe(p.gold, s, p.response)}")
        false_positives += lines
    assert not false_positives, (
        f"{len(false_positives)}/{len(pairs)} wrong answers verified (the claim is 0); false positives:\n"
        + "\n".join(false_positives)
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10,\\!080", Fraction(10080)),
        ("11,\\! 111,\\! 111,\\! 100", Fraction(11111111100)),
        ("\\$18.90", Fraction("18.9")),
        ("1\\frac{4}{5}", Fraction(9, 5)),
        ("137 \\frac{1}{2}", Fraction(275, 2)),
        ("\\frac{270}7\\text{ degrees}", Fraction(270, 7)),
        ("-\\frac{35}{9}", Fraction(-35, 9)),
        ("\\frac9{19}", Fraction(9, 19)),
        (".0000672", Fraction("0.0000672")),
        ("864 \\mbox{ inches}^2", Fraction(864)),
        ("90^\\circ", Fraction(90)),
        ("1,-2", None),
        ("3, 5, 7", None),
        ("52_8", None),
        ("\\frac{\\sqrt{3}}{3}", None),
    ],
)
def test_pair_builder_reads_plain_numbers(text, value):
    """The labels of the perturbed pairs rest on this small, rewardkit-independent reader."""
    assert P.numeric_value(text) == value


# ------------------------------------------------------------------------------------------ PRM800K

# Hand-checked (gold_answer, answer) pairs from phase1_test_stepwise.jsonl: the same answer.
PRM800K_MUST_MATCH = [
    ("\\frac 59", "\\dfrac{5}{9}"),
    ("16 \\sqrt{3}", "16\\sqrt{3}"),
    ("(2,\\infty)", "(2,+\\infty)"),
    ("y = -2x", "-2x"),
    ("y = -2x", "y = -2x"),
    ("1 \\pm \\sqrt{19}", "1 + \\sqrt{19}, 1 - \\sqrt{19}"),
    ("3 \\pm 2 \\sqrt{2}", "3 - 2\\sqrt{2}, 2\\sqrt{2} + 3"),
    ("3 \\pm 2 \\sqrt{2}", "\\frac{1}{2\\sqrt{2} + 3}, 2\\sqrt{2} + 3"),  # 1/(3+2√2) = 3-2√2
    ("3 \\pm 2 \\sqrt{2}", "\\dfrac{1}{2\\sqrt{2} + 3}, 2\\sqrt{2} + 3"),
    ("\\frac{1}{3}", "1/3"),
    ("90^\\circ", "90"),
    ("\\frac{1997}{2}", "998.5"),
    (
        "\\begin{pmatrix} 16/49 \\\\ 48/49 \\\\ 24/49 \\end{pmatrix}",
        "\\begin{pmatrix} \\frac{16}{49} \\\\ \\frac{48}{49} \\\\ \\frac{24}{49} \\end{pmatrix}",
    ),
    (
        "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",
        "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",
    ),
    ("\\dfrac{33}{100}", "\\dfrac{33}{100}"),
    ("-\\sqrt{3}", "-\\sqrt{3}"),
    ("40_9", "40_9"),
    ("\\frac{448}{15625}", "\\frac{448}{15625}"),
    ("10,\\!080", "10080"),
]

# Hand-checked pairs from the same file: a different answer.
PRM800K_MUST_NOT_MATCH = [
    ("(2,\\infty)", "[2, \\infty)"),
    ("(2,\\infty)", "[2,\\infty)"),
    ("(2,\\infty)", "[3,\\infty)"),
    ("(2,\\infty)", "(-\\infty, 3]"),
    ("(2,\\infty)", "3"),
    ("\\frac{448}{15625}", "0.0289"),
    ("\\frac{448}{15625}", "0.028"),
    ("\\frac{448}{15625}", "\\frac{2}{5}"),
    ("58,500", "585000"),
    ("58,500", "60840"),
    ("3 \\pm 2 \\sqrt{2}", "\\frac{1}{2\\sqrt{2} + 3}"),
    ("3 \\pm 2 \\sqrt{2}", "\\frac{2\\sqrt{2} + 3}{7}, \\frac{1}{2\\sqrt{2} + 3}"),
    ("34", "-34"),
    ("-1", "(a_3)^9"),
    ("-1", "\\frac{1}{512}"),
    (
        "\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]",
        "\\left[\\frac{\\pi^2}{8}, \\frac{5\\pi^2}{8}\\right]",
    ),
    ("\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]", "\\frac{\\pi^2}{8}"),
    ("\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]", "[\\frac{\\pi^2}{8},\\infty)"),
    ("\\frac{8}{15}", "\\frac{8bc}{b^2 + c^2 - a^2}-1"),
    ("12", "\\frac{3}{\\sqrt{2}}"),
    ("0", "1"),
]


def _prm_pairs() -> set[tuple[str, str]]:
    return {(r["gold_answer"], r["answer"]) for r in P.prm800k() if r["answer"] is not None}


def test_prm800k_step_answers_against_gold():
    rows = [r for r in P.prm800k() if r["answer"] is not None]
    scores = score_all([r["gold_answer"] for r in rows], [_boxed(r["answer"]) for r in rows])
    distinct = {(r["gold_answer"], r["answer"]): verified(s) for r, s in zip(rows, scores, strict=True)}
    by_rating = Counter((r["rating"], verified(s)) for r, s in zip(rows, scores, strict=True))
    print(
        f"\nPRM800K step answers: {sum(map(verified, scores))}/{len(rows)} rows verify against gold_answer "
        f"({sum(distinct.values())}/{len(distinct)} distinct pairs); statuses {dict(Counter(s.status.value for s in scores))}"
    )
    print(f"  (rating, verified) counts: {dict(sorted(by_rating.items(), key=str))}")
    assert len(rows) >= 200, f"expected ~237 PRM800K rows with an answer, found {len(rows)}"
    assert all(s.status.value in ("ok", "unparseable") for s in scores), [
        describe(r["gold_answer"], s, r["answer"]) for r, s in zip(rows, scores, strict=True) if not s.ok
    ]


@pytest.mark.parametrize(("gold", "answer", "same"), hand_checked(PRM800K_MUST_MATCH, PRM800K_MUST_NOT_MATCH))
def test_prm800k_hand_checked_answers(gold, answer, same):
    assert (gold, answer) in _prm_pairs(), "hand-checked pairs must occur in the data"
    assert_verdict(gold, answer, same)
