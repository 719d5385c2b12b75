"""ProcessBench data and metrics: the PRM800K conversion on the real shared file, loading with located
errors, the ProcessBench F1, threshold calibration, PRMBench step F1, best-of-N, the problem split."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from rewardkit.errors import InputError
from rewardkit.prm.processbench import (
    ProcessBenchItem,
    best_of_n_accuracy,
    calibrate_threshold,
    first_error_label,
    first_error_prediction,
    load_processbench,
    prm800k_to_processbench,
    processbench_f1,
    read_prm800k,
    split_by_problem,
    step_f1,
    step_labels,
    threshold_candidates,
)

PENCIL = "test/algebra/2743.json"


@pytest.fixture(scope="module")
def prm800k_rows() -> list[dict[str, Any]]:
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "prm800k" / "phase1_test_stepwise.jsonl"
    if not path.is_file():
        pytest.skip(f"shared PRM800K data not found at {path} (see /work/shared/data/README.md)")
    return read_prm800k(path)


@pytest.fixture(scope="module")
def converted(prm800k_rows: list[dict[str, Any]]) -> tuple[list[ProcessBenchItem], dict[str, Any]]:
    return prm800k_to_processbench(prm800k_rows)


# ----------------------------------------------------------------------------------- PRM800K numbers


def test_conversion_numbers_on_the_shared_file(converted: tuple[list[ProcessBenchItem], dict]) -> None:
    items, stats = converted
    assert stats["rows"] == 4289
    assert stats["duplicate_rows"] == 308
    assert stats.get("duplicates_with_other_rating", 0) == 0
    assert stats["problems"] == 81
    assert stats["problems_without_chain"] == 3
    assert stats["chains"] == 78
    assert stats["chains_ending_with_solution"] == 73
    assert stats["chains_stopping_before_an_answer"] == 5
    assert stats["branch_items"] == 2550
    assert stats["items"] == len(items) == 2628
    assert stats["error_items"] == 1342 and stats["correct_items"] == 1286
    assert sum(stats["label_counts"].values()) == len(items)
    assert stats["label_counts"]["-1"] == 1286
    assert stats["chains_labelled_correct_with_wrong_answer"] == 1
    # every distinct row is accounted for: a chain step, a branch, or dropped with a reason
    chain_steps = sum(len(i.steps) for i in items if i.meta["kind"] == "chain")
    dropped = (
        stats["dropped_unrated_candidates"] + stats["dropped_human_candidates"] + stats["rows_outside_chains"]
    )
    assert chain_steps + stats["branch_items"] + dropped == stats["rows"] - stats["duplicate_rows"]
    assert len({i.id for i in items}) == len(items)


def test_neutral_as_error_and_chains_only(prm800k_rows: list[dict[str, Any]]) -> None:
    items, stats = prm800k_to_processbench(prm800k_rows, neutral="error")
    assert stats["error_items"] == 2082 and len(items) == 2628
    chains, stats = prm800k_to_processbench(prm800k_rows, branches=False)
    assert len(chains) == 78 and stats["branch_items"] == 0
    assert {c.label for c in chains} == {-1}  # every preferred step is rated +1 or written by a human
    assert [c.final_answer_correct for c in chains].count(True) == 72
    assert [c.final_answer_correct for c in chains].count(None) == 5
    with pytest.raises(ValueError, match="neutral must be"):
        prm800k_to_processbench(prm800k_rows, neutral="positive")  # type: ignore[arg-type]


def test_chains_extend_one_another_and_labels_follow_the_ratings(
    prm800k_rows: list[dict[str, Any]], converted: tuple[list[ProcessBenchItem], dict]
) -> None:
    raw: dict[tuple[str, tuple[str, ...], str], list[dict[str, Any]]] = defaultdict(list)
    for row in prm800k_rows:
        raw[(row["instruction"], tuple(row["responses"]), row["next_response"])].append(row)
    items, _ = converted
    for item in items:
        ratings = []
        for k, step in enumerate(item.steps):
            rows = raw[(item.problem, tuple(item.steps[:k]), step)]
            assert rows, f"{item.id}: step {k} is not a row continuing steps 0..{k - 1}"
            last_of_branch = item.meta["kind"] == "branch" and k == len(item.steps) - 1
            assert any(r["is_preferred_response"] for r in rows) != last_of_branch
            rating = None if rows[0]["is_human_response"] else rows[0]["rating"]
            ratings.append(rating)
        assert ratings == item.meta["ratings"]
        expected = next((k for k, r in enumerate(ratings) if r == -1), -1)
        assert item.label == expected
        assert all(r != -1 for r in ratings[: item.label if item.label != -1 else None])
        if item.meta["kind"] == "chain":
            last = raw[(item.problem, tuple(item.steps[:-1]), item.steps[-1])]  # duplicates merge
            following = [key for key in raw if key[0] == item.problem and key[1] == tuple(item.steps)]
            assert not any(r["is_preferred_response"] for key in following for r in raw[key])
            assert item.meta["complete"] == any(r["is_solution"] or r["answer"] for r in last)


def test_a_hand_checked_solution(converted: tuple[list[ProcessBenchItem], dict]) -> None:
    """Rows 1-15 of the file: the pencil problem, one chain with a human step, 9 branches."""
    items, _ = converted
    pencil = [i for i in items if i.meta["math500_unique_id"] == PENCIL]
    chain = pencil[0]
    assert chain.id == f"prm800k:{PENCIL}:chain0"
    assert chain.steps == [
        "Let's call the price of a pencil p and the price of a jumbo eraser e. Then we can write two equations.",
        "We have $3p+e=1.24$ and $5p+e=1.82$.",
        "To solve this system, let's subtract the first equation from the second equation. This will eliminate e.",
        "$5p+e-3p-e=1.82-1.24$.",
        "This simplifies to $2p=0.58$. So $p=0.29$.",
        "That means a pencil costs 29 cents.",
    ]
    assert chain.meta["ratings"] == [1, None, 1, 1, 1, 1]
    assert chain.meta["human"] == [False, True, False, False, False, False]
    assert chain.label == -1 and chain.final_answer_correct is True and chain.meta["complete"]
    branches = pencil[1:]
    assert len(branches) == 9
    at_step_1 = [b for b in branches if len(b.steps) == 2]
    assert len(at_step_1) == 5 and {b.label for b in at_step_1} == {1}
    assert all(b.steps[0] == chain.steps[0] and b.meta["ratings"] == [1, -1] for b in at_step_1)
    at_step_5 = [b for b in branches if len(b.steps) == 6]
    assert [b.meta["ratings"][-1] for b in at_step_5] == [0, 1, 1, 1]
    assert {b.label for b in at_step_5} == {-1}  # the neutral one counts as correct by default
    assert [b.final_answer_correct for b in at_step_5] == [None, None, None, True]


def test_the_neutral_step_is_an_error_when_asked(prm800k_rows: list[dict[str, Any]]) -> None:
    items, _ = prm800k_to_processbench(prm800k_rows[:15], neutral="error")
    neutral = [i for i in items if i.meta["ratings"][-1] == 0]
    assert len(neutral) == 1 and neutral[0].label == 5
    assert neutral[0].steps[-1] == "We could also solve this system by substitution."


def test_first_error_label() -> None:
    assert first_error_label([1, None, 0, -1, -1]) == 3
    assert first_error_label([1, None, 0, -1], neutral="error") == 2
    assert first_error_label([1, None, 1]) == -1
    assert first_error_label([]) == -1


def test_bad_prm800k_rows_name_the_line(tmp_path: Path) -> None:
    good = {
        "instruction": "1+1?",
        "responses": [],
        "next_response": "2",
        "rating": 1,
        "is_preferred_response": True,
        "is_human_response": False,
        "is_solution": True,
        "answer": "2",
    }
    path = tmp_path / "prm.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "rating": 5}) + "\n")
    with pytest.raises(InputError, match=r"prm\.jsonl:3: rating: must be -1, 0, 1 or null \(got 5\)"):
        prm800k_to_processbench(read_prm800k(path))
    with pytest.raises(InputError, match=r"row 1: is_solution: required key missing"):
        prm800k_to_processbench([{k: v for k, v in good.items() if k != "is_solution"}])
    path.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(InputError, match=r"prm\.jsonl:2: invalid JSON"):
        read_prm800k(path)
    items, stats = prm800k_to_processbench([good])
    assert len(items) == 1 and items[0].label == -1 and items[0].final_answer_correct is None  # no gold


# ------------------------------------------------------------------------------------ the file format


def item(label: int = -1, steps: int = 3, **kw: Any) -> ProcessBenchItem:
    return ProcessBenchItem(
        id=kw.get("id", f"x{label}"),
        generator="g",
        problem=kw.get("problem", "p"),
        steps=[f"s{i}" for i in range(steps)],
        final_answer_correct=kw.get("final_answer_correct", label == -1),
        label=label,
        meta=kw.get("meta", {}),
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".parquet"])
def test_round_trip_through_files(tmp_path: Path, suffix: str) -> None:
    from rewardkit.io import file_format, write_rows

    items = [item(-1, id="a"), item(1, id="b", meta={"gold_answer": "4"}), item(0, steps=1, id="c")]
    path = tmp_path / f"pb{suffix}"
    write_rows(path, file_format(path), [i.to_dict() for i in items])
    loaded = load_processbench(path)
    assert [i.to_dict() for i in loaded] == [i.to_dict() for i in items]


def test_processbench_rows_without_ids_and_with_extra_keys(tmp_path: Path) -> None:
    path = tmp_path / "pb.jsonl"
    rows = [
        {"problem": "p", "steps": ["a", "b"], "label": 1, "prediction": 0},
        {"problem": "q", "steps": ["a"], "label": -1, "final_answer_correct": True},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    loaded = load_processbench(path)
    assert [i.id for i in loaded] == ["0", "1"]
    assert loaded[0].meta == {"prediction": 0} and loaded[0].final_answer_correct is None


def test_bad_rows_are_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        {"id": "ok", "problem": "p", "steps": ["a", "b"], "label": 1},
        {"id": "r2", "problem": "p", "steps": ["a", "b"], "label": 2},
        {"id": "r3", "problem": "p", "steps": [], "label": -1},
        {"id": "r4", "problem": "p", "steps": ["a", 3], "label": -1},
        {"id": "r5", "problem": "p", "steps": ["a"], "label": True},
        {"id": "r6", "steps": ["a"], "label": "-1"},
        {"id": "ok", "problem": "p", "steps": ["a"], "label": 0},
    ]
    text = "".join(json.dumps(r) + "\n" for r in lines) + "{oops\n"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_processbench(path)
    message = str(err.value)
    assert message.startswith(f"8 problem(s) in {path}:")
    assert (
        f"{path}:2: label: 2 is not a step index: use -1 (all steps right) or 0..1 (this item has 2 steps)"
        in message
    )
    assert f"{path}:3: steps: must be a non-empty list of strings (got [])" in message
    assert f"{path}:4: steps[1]: must be a string (got number)" in message
    assert f"{path}:5: label: must be an integer step index or -1 (got True)" in message
    assert f"{path}:6: problem: required key missing" in message
    assert f"{path}:6: label: must be an integer step index or -1 (got '-1')" in message
    assert f"{path}:7: id: duplicate id 'ok' (first at {path}:1)" in message
    assert f"{path}:8: invalid JSON" in message
    with pytest.raises(InputError, match="no such file"):
        load_processbench(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="label: 3 is not a step index"):
        item(3)


def test_to_sample() -> None:
    sample = item(1, meta={"gold_answer": "7", "kind": "branch"}).to_sample()
    assert sample.prompt == "p" and sample.response == "s0\n\ns1\n\ns2" and sample.steps == ["s0", "s1", "s2"]
    assert sample.reference == "7" and sample.id == "x1"
    assert sample.meta["label"] == 1 and sample.meta["kind"] == "branch" and sample.meta["generator"] == "g"


def test_split_by_problem_is_deterministic_and_disjoint(
    converted: tuple[list[ProcessBenchItem], dict],
) -> None:
    items, _ = converted
    calibration, report = split_by_problem(items, 0.5, seed=1)
    assert len(calibration) + len(report) == len(items)
    assert not {i.problem for i in calibration} & {i.problem for i in report}
    assert 20 <= len({i.problem for i in calibration}) <= 58  # 78 problems, about half
    again = split_by_problem(list(reversed(items)), 0.5, seed=1)
    assert {i.id for i in again[0]} == {i.id for i in calibration}
    other = split_by_problem(items, 0.5, seed=2)
    assert {i.id for i in other[0]} != {i.id for i in calibration}
    assert split_by_problem(items, 0.0)[0] == [] and split_by_problem(items, 1.0)[1] == []
    with pytest.raises(ValueError, match="fraction"):
        split_by_problem(items, 1.5)


# ------------------------------------------------------------------------------------------- metrics


def brute_f1(predictions: list[int | None], labels: list[int]) -> float | None:
    """ProcessBench's eval script, restated: mean of matches per side, 2ab/(a+b)."""
    error = [p == y for p, y in zip(predictions, labels, strict=True) if y != -1]
    correct = [p == y for p, y in zip(predictions, labels, strict=True) if y == -1]
    if not error or not correct:
        return None
    a, b = sum(error) / len(error), sum(correct) / len(correct)
    return 0.0 if a + b == 0 else 2 * a * b / (a + b)


def test_first_error_prediction() -> None:
    assert first_error_prediction([0.9, 0.6, 0.3, 0.1], 0.5) == 2
    assert first_error_prediction([0.9, 0.5], 0.5) == -1  # strictly below
    assert first_error_prediction([], 0.5) == -1
    with pytest.raises(ValueError, match="step 1 has no value"):
        first_error_prediction([0.9, None, 0.1], 0.5)  # type: ignore[list-item]


def test_processbench_f1_by_hand() -> None:
    # 3 erroneous items (2 found exactly), 2 correct items (1 predicted -1)
    result = processbench_f1([1, 2, 0, -1, 3], [1, 2, 1, -1, -1])
    assert result["error_acc"] == pytest.approx(2 / 3) and result["correct_acc"] == 0.5
    assert result["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))  # 0.5714...
    assert (result["n_error"], result["n_correct"], result["n"]) == (3, 2, 5)
    assert processbench_f1([None, None], [0, -1])["f1"] == 0.0  # unparseable never matches
    assert processbench_f1([-1], [-1])["f1"] is None and processbench_f1([-1], [-1])["error_acc"] is None
    with pytest.raises(ValueError):
        processbench_f1([1], [1, 2])


def test_processbench_f1_matches_the_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(2, 12)
        labels = [rng.randint(-1, 3) for _ in range(n)]
        predictions = [rng.choice([None, -1, 0, 1, 2, 3]) for _ in range(n)]
        expected = brute_f1(predictions, labels)
        got = processbench_f1(predictions, labels)["f1"]
        assert got == pytest.approx(expected) if expected is not None else got is None


def test_calibrate_threshold_on_a_constructed_case() -> None:
    # erroneous at step 1: its step 1 scores 0.4; step 0 of every item scores >= 0.7; the correct
    # items' lowest step is 0.6 -> any threshold in (0.4, 0.6] is perfect; 0.5 lies inside.
    values = [[0.9, 0.4, 0.8], [0.7, 0.3], [0.8, 0.6, 0.9], [0.95, 0.65]]
    labels = [1, 1, -1, -1]
    threshold, info = calibrate_threshold(values, labels)
    assert 0.4 < threshold <= 0.6 and info["f1"] == 1.0
    assert threshold == 0.5  # the midpoint of 0.4 and 0.6, closest to 0.5
    assert processbench_f1([first_error_prediction(v, threshold) for v in values], labels)["f1"] == 1.0
    # ties go to the candidate closest to 0.5, then to the smaller one
    assert calibrate_threshold(values, labels, candidates=[0.3, 0.45, 0.5, 0.55, 0.7])[0] == 0.5
    assert calibrate_threshold(values, labels, candidates=[0.5625, 0.4375])[0] == 0.4375
    # a threshold far from 0.5 wins when it is strictly better: now only (0.05, 0.25] is perfect
    shifted = [[v - 0.35 for v in vs] for vs in values]
    threshold, info = calibrate_threshold(shifted, labels)
    assert threshold == pytest.approx(0.15) and info["f1"] == 1.0  # the midpoint of 0.05 and 0.25
    assert calibrate_threshold(shifted, labels, candidates=[0.5])[1]["f1"] < 1.0


def test_calibrate_threshold_matches_the_brute_force() -> None:
    rng = random.Random(5)
    for _ in range(150):
        values = [
            [round(rng.random(), 1) for _ in range(rng.randint(1, 5))] for _ in range(rng.randint(2, 9))
        ]
        labels = [rng.choice([-1, *range(len(v))]) for v in values]
        threshold, info = calibrate_threshold(values, labels)
        candidates = threshold_candidates(values)
        scored = []
        for t in candidates:
            f1 = brute_f1([first_error_prediction(v, t) for v in values], labels)
            scored.append((f1 if f1 is not None else -1.0, -abs(t - 0.5), -t, t))
        best = max(scored)
        assert threshold == best[3]
        assert (info["f1"] if info["f1"] is not None else -1.0) == pytest.approx(best[0])


def test_threshold_candidates_cover_both_extremes() -> None:
    candidates = threshold_candidates([[0.2, 0.8], [0.5]])
    assert candidates[:3] == [0.2, 0.35, 0.65] and candidates[-1] > 0.8
    assert first_error_prediction([0.2, 0.8], candidates[0]) == -1
    assert first_error_prediction([0.8, 0.2], candidates[-1]) == 0


def test_step_labels() -> None:
    assert step_labels(-1, 3) == [1, 1, 1]
    assert step_labels(1, 4) == [1, 0, None, None]
    assert step_labels(0, 2) == [0, None]


def test_step_f1_by_hand_and_by_brute_force() -> None:
    values = [[0.9, 0.2, 0.8], [0.6, 0.7], [0.3, 0.9]]
    labels = [step_labels(1, 3), step_labels(-1, 2), step_labels(0, 2)]  # [1,0,None] [1,1] [0,None]
    result = step_f1(values, labels, 0.5)
    # good steps: 0.9, 0.6, 0.7 all predicted good (tp=3, fn=0); bad steps: 0.2, 0.3 predicted bad (tn=2)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (3, 0, 0, 2)
    assert result["f1_positive"] == 1.0 and result["f1_negative"] == 1.0 and result["prm_score"] == 1.0
    result = step_f1(values, labels, 0.65)  # 0.6 now predicted bad
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (2, 0, 1, 2)
    assert result["f1_positive"] == pytest.approx(0.8) and result["f1_negative"] == pytest.approx(0.8)
    rng = random.Random(9)
    for _ in range(200):
        vals = [[rng.random() for _ in range(rng.randint(1, 5))] for _ in range(rng.randint(1, 6))]
        labs = [step_labels(rng.choice([-1, *range(len(v))]), len(v)) for v in vals]
        t = rng.random()
        pairs = [(v >= t, y) for vs, ys in zip(vals, labs, strict=True) for v, y in zip(vs, ys, strict=True)]
        pairs = [(p, y) for p, y in pairs if y is not None]
        got = step_f1(vals, labs, t)
        for positive, key in ((True, "f1_positive"), (False, "f1_negative")):
            want = 1 if positive else 0
            tp = sum(1 for p, y in pairs if p == positive and y == want)
            predicted = sum(1 for p, _ in pairs if p == positive)
            actual = sum(1 for _, y in pairs if y == want)
            if predicted + actual == 0:
                assert got[key] is None
                continue
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
            assert got[key] == pytest.approx(f1)
    with pytest.raises(ValueError, match="step values for"):
        step_f1([[0.5]], [[1, 0]], 0.5)


def test_best_of_n_accuracy() -> None:
    groups = [
        [(0.2, False), (0.9, True), (0.5, False)],  # picks the right one
        [(0.8, False), (0.1, True)],  # picks a wrong one; oracle has one
        [(None, True), (0.3, False)],  # None never picked
        [(None, True)],  # nothing scored: wrong
        [(0.5, True), (0.5, False)],  # tie: the first
    ]
    assert best_of_n_accuracy(groups) == {"accuracy": 0.4, "oracle": 1.0, "n": 5}
    assert best_of_n_accuracy([])["accuracy"] is None


def test_calibration_then_report_on_real_items(converted: tuple[list[ProcessBenchItem], dict]) -> None:
    """The protocol the benchmark follows: a threshold chosen on one split, reported on the other; a
    step score that knows each step's rating scores perfectly, a constant one scores 0."""
    items, _ = converted
    calibration, report = split_by_problem(items, 0.5, seed=0)

    def oracle(i: ProcessBenchItem) -> list[float]:
        return [0.0 if r == -1 else 1.0 for r in i.meta["ratings"]]

    threshold, info = calibrate_threshold([oracle(i) for i in calibration], [i.label for i in calibration])
    assert info["f1"] == 1.0 and 0.0 < threshold <= 1.0
    predictions = [first_error_prediction(oracle(i), threshold) for i in report]
    assert processbench_f1(predictions, [i.label for i in report])["f1"] == 1.0
    constant = [first_error_prediction([0.7] * len(i.steps), threshold) for i in report]
    result = processbench_f1(constant, [i.label for i in report])
    assert result["error_acc"] == 0.0 and result["correct_acc"] == 1.0 and result["f1"] == 0.0
