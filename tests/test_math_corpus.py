"""MathVerifier on the differential corpus of benchmarks/_math_corpus.py: every MATH-500 and GSM8K gold
rendered as correct responses in many styles (boxed, inline and display math, "the answer is", prose with
units, equation chains, relation forms, number formats, gold-side variants) and as wrong ones (perturbed
values, swapped brackets and orders, hedges, non-finite answers). Labels never come from rewardkit: see
the corpus module's docstring.

The verifier must get every case right. ``python benchmarks/math_agreement.py`` runs the same corpus
through rewardkit and Math-Verify and lists every disagreement.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from conftest import load_benchmark

from rewardkit import Sample, Score
from rewardkit.verifiers.math import MathVerifier

P = load_benchmark("_pairs")
C = load_benchmark("_math_corpus")

pytestmark = pytest.mark.skipif(
    not P.data_available(),
    reason=f"shared benchmark data missing under {P.DATA_DIR}; see docs/testing.md (shared data)",
)


@pytest.fixture(scope="module")
def corpus() -> list:
    return C.build_corpus()


def test_corpus_is_built_as_documented(corpus: list) -> None:
    stats = C.corpus_stats()
    print(
        f"\n{stats['cases']} cases ({stats['correct']} correct, {stats['wrong']} wrong)", stats["by_dataset"]
    )
    print("skipped (meaning uncertain):", stats["skipped"])
    print("dropped (difference not certain):", stats["dropped"])

    # every documented style occurs, and nothing undocumented
    styles = Counter(c.style for c in corpus)
    documented = {f"correct:{s}" for s in C.CORRECT_STYLES} | {f"wrong:{s}" for s in C.WRONG_STYLES}
    assert set(styles) == documented, (
        f"missing: {sorted(documented - set(styles))}; undocumented: {sorted(set(styles) - documented)}"
    )
    assert all(c.expected == c.style.startswith("correct:") for c in corpus)

    # every gold of both datasets is in it, ids are unique, the size is what the docs say
    rows = {c.id.split("|", 1)[0] for c in corpus}
    assert {r["unique_id"] for r in P.math500()} <= rows
    assert {f"gsm8k/{i}" for i in range(len(P.gsm8k()))} <= rows
    assert len({c.id for c in corpus}) == len(corpus)
    assert 15_000 <= len(corpus) <= 30_000, len(corpus)

    # labels balanced, overall and per dataset
    for dataset in ("math500", "gsm8k"):
        cases = [c for c in corpus if c.dataset == dataset]
        share = sum(c.expected for c in cases) / len(cases)
        assert 0.4 <= share <= 0.65, f"{dataset}: {share:.2f} of the cases are correct"

    # every wrong label was established independently of rewardkit, and re-checking it agrees
    wrong = [c for c in corpus if not c.expected]
    assert all(c.checked is not None and c.checked[0] in C.CHECKS for c in wrong)
    unconfirmed = [c for c in wrong if C.CHECKS[c.checked[0]](c.checked[1], c.checked[2]) is not True]
    assert not unconfirmed, [(c.style, c.checked) for c in unconfirmed[:10]]
    assert Counter(c.checked[0] for c in wrong)["answers_differ"] > len(wrong) / 2

    # the build is deterministic: building it again from scratch gives the same cases
    assert C.build_corpus(cached=False) == corpus


def verified(score: Score) -> bool:
    return score.value == 1.0


def describe(case, score: Score) -> str:
    tail = case.response.strip().replace("\n", " ⏎ ")
    tail = tail if len(tail) <= 110 else "…" + tail[-110:]
    gold = case.gold if len(case.gold) <= 70 else case.gold[:30] + "…" + case.gold[-35:]
    return (
        f"{case.style} [{case.shape}] gold={gold!r} extracted={score.details.get('extracted')!r} "
        f"({score.details.get('match_mode')}, {score.status.value}) | {tail}"
    )


def test_verifier_gets_every_corpus_case_right(corpus: list) -> None:
    """Every correct rendering accepted (value 1.0), every wrong one rejected; inline (workers=0), so a
    loaded machine cannot turn a slow case into a timeout."""
    verifier = MathVerifier(workers=0)
    start = time.perf_counter()
    scores = verifier.score_batch([Sample(response=c.response, reference=c.gold) for c in corpus])
    print(f"\nscored {len(corpus)} cases in {time.perf_counter() - start:.1f}s")
    failures = [(c, s) for c, s in zip(corpus, scores, strict=True) if verified(s) != c.expected]
    by_style = Counter(c.style for c, _ in failures)
    message = (
        f"{len(failures)} of {len(corpus)} corpus cases judged wrong; by style: {dict(by_style.most_common())}\n"
        + "\n".join(describe(c, s) for c, s in failures[:30])
    )
    assert not failures, message
