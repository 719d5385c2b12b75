"""`rewardkit bon` and rewardkit.bon: best-of-N selection against majority vote, oracle and mean accuracy.

Real data: the SmolLM2 GSM8K responses in data/gsm8k_smollm2_bon.jsonl and OpenAI's GPT-3 GSM8K solutions
(whose `is_correct` labels check the math-verifier numbers). A fake scorer beside the real ones pins the
edge cases (ties, a group without an ok score, one response, step re-aggregation)."""

from __future__ import annotations

import doctest
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rewardkit.bon
from rewardkit import Sample, Score, StepScore, Verifier, create_verifier
from rewardkit.bon import best_of_n, load_responses, pick, picked_rows
from rewardkit.cli import app
from rewardkit.io import Fields, read_records

REPO = Path(__file__).resolve().parents[1]
GENERATED = REPO / "data" / "gsm8k_smollm2_bon.jsonl"
RUNS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")

runner = CliRunner()


def bon(*args: Any) -> Any:
    return runner.invoke(app, ["bon", *map(str, args)], env={"COLUMNS": "200"})


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gpt3_rows(shared_data: Path, questions: int = 40) -> list[dict[str, Any]]:
    """One row per GPT-3 solution for the first questions: id, group, prompt, response, reference, label."""
    rows = []
    path = shared_data / "gsm8k" / "example_model_solutions.jsonl"
    for q, line in zip(range(questions), path.open(encoding="utf-8"), strict=False):
        item = json.loads(line)
        gold = item["ground_truth"].rsplit("A:", 1)[1].strip().replace(",", "")
        for k, run in enumerate(RUNS):
            rows.append(
                {
                    "id": f"{q}-{k}",
                    "group": q,
                    "prompt": item["question"],
                    "response": item[run]["solution"],
                    "reference": gold,
                    "label": item[run]["is_correct"],
                }
            )
    return rows


def grouped(rows: Sequence[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["group"]].append(row)
    return groups


def a_line_number(solution: str) -> float | None:
    """Brute force for the GPT-3 solutions: the number on the last 'A:' line (no math module)."""
    lines = [line for line in solution.splitlines() if line.strip().startswith("A:")]
    if not lines:
        return None
    text = lines[-1].split(":", 1)[1].strip().replace(",", "").replace("$", "").rstrip(".")
    try:
        return float(text)
    except ValueError:
        return None


# ------------------------------------------------------------------------------ the GPT-3 solutions


@pytest.fixture
def gpt3(shared_data: Path, tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    rows = gpt3_rows(shared_data)
    path = tmp_path / "gpt3.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, rows


def test_gpt3_solutions_oracle_mean_and_majority_agree_with_labels_and_brute_force(gpt3, tmp_path):
    path, rows = gpt3
    out, report_path = tmp_path / "picked.jsonl", tmp_path / "report.json"
    result = bon(
        "-i", path, "--verifier", "length", "--option", "unit=words", "--option", "max_length=40",
        "--option", "buffer=30", "-o", out, "--report", report_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    groups = grouped(rows)
    assert (report["groups"], report["responses"], report["n"]) == (40, 160, 4)
    # the human labels: the math verifier agrees up to the ~1% of calculator-bug samples
    label_oracle = sum(any(r["label"] for r in g) for g in groups.values())
    label_mean = sum(sum(r["label"] for r in g) / len(g) for g in groups.values()) / len(groups)
    assert abs(report["oracle"]["correct"] - label_oracle) <= 1
    assert report["mean"] == pytest.approx(label_mean, abs=0.02)
    assert 0 < report["mean"] <= report["oracle"]["accuracy"] < 1
    # majority vote, brute force: the numbers on the 'A:' lines, counted; a tie at the top is no majority
    majority = ties = 0
    for members in groups.values():
        counts = Counter(n for n in (a_line_number(r["response"]) for r in members) if n is not None)
        top = counts.most_common()
        if len(top) > 1 and top[0][1] == top[1][1]:
            ties += 1
        elif top:
            majority += top[0][0] == float(members[0]["reference"])
    assert (report["majority_vote"]["correct"], report["majority_vote"]["ties"]) == (majority, ties)
    assert ties > 0  # the data has 2-2 and 1-1-1-1 splits, so the tie rule is exercised
    # selection by length (shorter is better up to 10 words, then penalised): brute force over the rows
    picked = read_jsonl(out)
    assert len(picked) == 40
    correct = 0
    for row in picked:
        members = groups[row["group"]]
        words = [len(m["response"].split()) for m in members]
        values = [0.0 if w <= 10 else max(-1.0, (10 - w) / 30) for w in words]
        assert row["bon"]["index"] == values.index(max(values)), row["bon"]
        assert row["id"] == members[row["bon"]["index"]]["id"]
        assert row["status"] == "ok" and row["reward"] == pytest.approx(max(values))
        correct += row["bon"]["correct"]
        assert row["bon"]["correct"] == row["label"]  # the labels agree on these 40 questions
    assert report["selection"]["value"]["correct"] == correct
    assert "majority vote" in result.output and "oracle pass@4" in result.output


def test_list_of_responses_input_gives_the_same_report(gpt3, tmp_path):
    path, rows = gpt3
    listed = tmp_path / "listed.json"
    data = [
        {
            "id": f"q{g}",
            "prompt": m[0]["prompt"],
            "answer": m[0]["reference"],
            "responses": [r["response"] for r in m],
        }
        for g, m in grouped(rows).items()
    ]
    listed.write_text(json.dumps(data), encoding="utf-8")
    reports = []
    for source, extra in ((path, []), (listed, ["--responses-field", "responses"])):
        report = tmp_path / f"{source.stem}.report.json"
        result = bon(
            "-i", source, *extra, "--verifier", "format", "--option", "pattern=<<", "--report", report
        )
        assert result.exit_code == 0, result.output
        reports.append(json.loads(report.read_text()))
    assert reports[0] == reports[1]
    records, samples = load_responses(listed, "json", Fields(), "responses")
    assert [s.group for s in samples[:5]] == ["q0"] * 4 + ["q1"]
    assert records[1]["id"] == "q0-1" and samples[1].reference == rows[0]["reference"]


# ------------------------------------------------------------------------------ SmolLM2's responses


def test_generated_smollm2_file_by_format_verifier_and_spec(tmp_path):
    rows = read_jsonl(GENERATED)
    groups = grouped(rows)
    assert len(groups) * 4 == len(rows) and all(len(g) == 4 for g in groups.values())
    math = create_verifier("math")
    verdicts = math.score_batch([Sample(r["response"], reference=r["reference"]) for r in rows])
    correct = {r["id"]: v.ok and v.value == 1.0 for r, v in zip(rows, verdicts, strict=True)}
    oracle = sum(any(correct[r["id"]] for r in g) for g in groups.values())
    mean = sum(sum(correct[r["id"]] for r in g) / 4 for g in groups.values()) / len(groups)
    pattern = r"(?i)the answer is\s*\$?-?\d"
    for scorer in (["--verifier", "format", "--option", f"pattern={pattern}"], ["--spec", "gsm8k"]):
        report_path, out = tmp_path / "report.json", tmp_path / "picked.jsonl"
        result = bon("-i", GENERATED, *scorer, "--report", report_path, "-o", out)
        assert result.exit_code == 0, result.output
        report = json.loads(report_path.read_text())
        assert (report["groups"], report["n"]) == (len(groups), 4)
        assert report["oracle"]["correct"] == oracle and report["mean"] == pytest.approx(mean)
        picked = read_jsonl(out)
        assert [p["bon"]["correct"] for p in picked] == [correct[p["id"]] for p in picked]
        assert report["selection"]["value"]["correct"] == sum(correct[p["id"]] for p in picked)
    # the format verifier's pick, brute force: the first response with a stated answer, else the first
    regex = re.compile(pattern)
    for p in picked_format(tmp_path, pattern):
        members = groups[p["group"]]
        hits = [i for i, m in enumerate(members) if regex.search(m["response"])]
        assert p["bon"]["index"] == (hits[0] if hits else 0)


def picked_format(tmp_path: Path, pattern: str) -> list[dict[str, Any]]:
    out = tmp_path / "picked-format.jsonl"
    assert (
        bon("-i", GENERATED, "--verifier", "format", "--option", f"pattern={pattern}", "-o", out).exit_code
        == 0
    )
    return read_jsonl(out)


# ------------------------------------------------------------------------------ a small spec


def test_selection_by_a_small_spec(write_spec: Callable[..., Path], write_jsonl, tmp_path):
    spec = write_spec(
        """
        name: boxed_short
        components:
          - {name: boxed, verifier: format, config: {pattern: '\\\\boxed\\{'}}
          - {name: short, verifier: length, weight: 0.5, config: {unit: words, max_length: 12, buffer: 6}}
        """
    )
    data = [
        {"group": "a", "response": "It is \\boxed{3} since 1 + 2 = 3 and that is all", "reference": "3"},
        {"group": "a", "response": "\\boxed{4}", "reference": "3"},
        {"group": "a", "response": "3", "reference": "3"},
        {"group": "b", "response": "The sum is 10, so \\boxed{10}", "reference": "10"},
        {"group": "b", "response": "\\boxed{11} for sure", "reference": "10"},
    ]  # fmt: skip
    report_path, out = tmp_path / "r.json", tmp_path / "p.jsonl"
    result = bon("-i", write_jsonl(data), "--spec", spec, "--report", report_path, "-o", out)
    assert result.exit_code == 0, result.output
    picked = read_jsonl(out)
    # a: the short boxed answer wins (boxed 1.0 + short 0) over the long boxed one (1.0 - 0.5 * penalty)
    assert [p["response"] for p in picked] == ["\\boxed{4}", "The sum is 10, so \\boxed{10}"]
    report = json.loads(report_path.read_text())
    assert report["selection"]["value"]["correct"] == 1 and report["oracle"]["correct"] == 2
    assert report["scorer"] == "boxed_short"


# ------------------------------------------------------------------------------ fake scorer: edge cases


class Scripted(Verifier):
    """Reads its score from the response: ``v=0.5`` (a value), ``err`` (an error), ``steps=0.9,0.2`` (step
    scores aggregated by min)."""

    name = "bon_scripted"

    def score_one(self, sample: Sample) -> Score:
        text = sample.response
        if "err" in text:
            return Score.error("scripted failure")
        found = re.search(r"steps=([\d.,]+)", text)
        if found:
            steps = [StepScore(float(v), (0, 1)) for v in found.group(1).split(",")]
            return Score.from_steps(steps, "min")
        return Score(float(re.search(r"v=(-?[\d.]+)", text).group(1)))


@pytest.fixture
def scripted_scorer(registered: Any) -> Verifier:
    registered(Scripted)
    return Scripted()


def test_ties_non_ok_and_single_response(scripted_scorer: Verifier, write_jsonl, tmp_path):
    data = [
        {"group": "tie", "response": "v=0.7 answer 1", "reference": "2"},
        {"group": "tie", "response": "v=0.7 answer 2", "reference": "2"},
        {"group": "tie", "response": "v=0.1 answer 2", "reference": "2"},
        {"group": "failed", "response": "err answer 5", "reference": "5"},
        {"group": "failed", "response": "err answer 5", "reference": "5"},
        {"group": "ok-beats-error", "response": "err answer 9", "reference": "9"},
        {"group": "ok-beats-error", "response": "v=-3 answer 8", "reference": "9"},
        {"group": "single", "response": "v=0.2 answer 4", "reference": "4"},
    ]
    path = write_jsonl(data)
    report_path, out = tmp_path / "r.json", tmp_path / "p.jsonl"
    result = bon("-i", path, "--verifier", "bon_scripted", "--report", report_path, "-o", out)
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert (report["n_min"], report["n_max"], report["n"]) == (1, 3, None)
    selection = report["selection"]["value"]
    # tie -> the first (wrong); failed -> no pick (wrong); an ok -3 beats an error (wrong); single -> right
    assert selection == {"accuracy": 0.25, "correct": 1, "no_ok_score": 1, "ties": 1, "without_steps": 0}
    assert report["scorer_status"] == {"ok": 5, "error": 3}
    picked = {p["bon"]["group"]: p for p in read_jsonl(out)}
    assert picked["tie"]["bon"]["index"] == 0 and picked["tie"]["bon"]["correct"] is False
    assert picked["failed"]["bon"]["picked"] is False and picked["failed"]["bon"]["status"] == "no_ok_score"
    assert picked["failed"]["status"] == "error" and picked["failed"]["reward"] is None
    assert picked["ok-beats-error"]["bon"]["index"] == 1
    assert picked["single"]["bon"]["correct"] is True
    assert "1 group(s) without an ok score" in result.output and "1 tie(s)" in result.output
    # majority: tie group 1 vs 2,2 -> "2" (right); failed 5,5 -> right; 9 vs 8 -> tie; single -> right
    assert report["majority_vote"] == {"accuracy": 0.75, "correct": 3, "ties": 1, "no_answer": 0}
    assert report["oracle"]["correct"] == 4


def test_majority_groups_answers_by_math_equivalence(scripted_scorer: Verifier):
    samples = [
        Sample("v=1 so the answer is 0.5", group="g", reference="1/2"),
        Sample("v=1 so the answer is $\\frac{1}{2}$", group="g", reference="1/2"),
        Sample("v=1 so the answer is 3", group="g", reference="1/2"),
        Sample("v=1 answer: x = 3", group="h", reference="3"),
        Sample("v=1 answer: $\\sqrt{9}$", group="h", reference="3"),
        Sample("v=1 answer: 4", group="h", reference="3"),
    ]
    report = best_of_n(samples, scripted_scorer)
    assert report.majority_correct == 2 and report.majority_ties == 0
    assert report.majority_answers[0] in ("0.5", "\\frac{1}{2}")


def test_step_scores_reaggregated_per_aggregation(scripted_scorer: Verifier, write_jsonl, tmp_path):
    data = [  # by min the second wins (0.5 > 0.1); by mean the first (0.63 > 0.5); by last the first
        {"group": "g", "response": "steps=0.9,0.9,0.1 answer 7", "reference": "7"},
        {"group": "g", "response": "steps=0.5,0.5,0.5 answer 6", "reference": "7"},
    ]
    report_path, out = tmp_path / "r.json", tmp_path / "p.jsonl"
    args = ["--aggregation", "min", "--aggregation", "mean", "--aggregation", "last"]
    result = bon(
        "-i", write_jsonl(data), "--verifier", "bon_scripted", *args, "--report", report_path, "-o", out
    )
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert {k: v["correct"] for k, v in report["selection"].items()} == {"min": 0, "mean": 1, "last": 0}
    picked = read_jsonl(out)
    assert [(p["bon"]["selection"], p["bon"]["index"]) for p in picked] == [
        ("min", 1),
        ("mean", 0),
        ("last", 1),
    ]
    assert picked[1]["bon"]["value"] == pytest.approx(1.9 / 3)
    assert picked[0]["step_scores"][0]["value"] == 0.5  # the picked row keeps its step scores


def test_aggregation_without_step_scores_is_an_error(scripted_scorer: Verifier, write_jsonl):
    path = write_jsonl([{"group": "g", "response": "v=1 answer 1", "reference": "1"}])
    result = bon("-i", path, "--verifier", "bon_scripted", "--aggregation", "min")
    assert result.exit_code == 2
    assert "no ok score of 'bon_scripted' has any" in result.output


def test_pick_and_doctests():
    assert pick([None, 0.3, 0.3, 0.1]) == (1, True)
    assert pick([-5.0, None]) == (0, False)
    failures, tried = doctest.testmod(rewardkit.bon)
    assert tried >= 5 and failures == 0


# ------------------------------------------------------------------------------ bad input


def test_bad_input_errors(write_jsonl, tmp_path):
    missing = write_jsonl(
        [{"group": "g", "response": "1"}, {"group": "g", "response": "2", "reference": "2"}]
    )
    result = bon("-i", missing, "--verifier", "format", "--option", "pattern=x")
    assert result.exit_code == 2
    assert f'{missing}:1: field "reference" missing' in result.output and "--reference-field" in result.output

    no_group = write_jsonl([{"response": "1", "reference": "1"}], "nogroup.jsonl")
    result = bon("-i", no_group, "--verifier", "format", "--option", "pattern=x")
    assert result.exit_code == 2 and f'{no_group}:1: no "group" and no prompt' in result.output

    bad_lists = [
        {"id": 1, "responses": "one", "reference": "1"},
        {"id": 2, "responses": ["a", 3], "reference": "1"},
    ]
    listed = write_jsonl(bad_lists, "l.jsonl")
    result = bon(
        "-i", listed, "--responses-field", "responses", "--verifier", "format", "--option", "pattern=x"
    )
    assert result.exit_code == 2
    assert f'{listed}:1: field "responses" must be a non-empty list of strings' in result.output
    assert f'{listed}:2: field "responses"[1] must be a string, got number' in result.output

    good = write_jsonl([{"group": "g", "response": "1", "reference": "1"}], "good.jsonl")
    for args, message in (
        ([], "give one scorer"),
        (["--spec", "gsm8k", "--verifier", "format"], "give one scorer"),
        (["--spec", "gsm8k", "--option", "a=1"], "--option configures --verifier"),
        (["--verifier", "no_such_verifier"], "no_such_verifier"),
        (["--verifier", "format", "--option", "pattern"], "expected key=value"),
        (["--verifier", "format", "--option", "pattern=x", "--aggregation", "median"], "unknown aggregation"),
        (["--verifier", "format", "--option", "patern=x"], "patern"),
        (["--verifier", "format", "--option", "pattern=x", "-o", good], "that is the --input file"),
    ):
        result = bon("-i", good, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_picked_rows_api_and_parquet_output(scripted_scorer: Verifier, write_jsonl, tmp_path):
    samples = [
        Sample("v=1 answer 3", group="g", reference="3", id="a"),
        Sample("v=2 answer 4", group="g", reference="3", id="b"),
    ]
    report = best_of_n(samples, scripted_scorer)
    rows = picked_rows(report, [{"id": s.id, "response": s.response} for s in samples])
    assert [(r["id"], r["bon"]["correct"], r["bon"]["majority_answer"]) for r in rows] == [("b", False, None)]
    assert report.to_dict()["majority_vote"]["ties"] == 1
    data = [{"id": s.id, "group": s.group, "response": s.response, "reference": s.reference} for s in samples]
    out = tmp_path / "picked.parquet"
    result = bon("-i", write_jsonl(data), "--verifier", "bon_scripted", "-o", out)
    assert result.exit_code == 0, result.output
    back = [r for _, r in read_records(out, "parquet")]
    assert [(r["id"], r["reward"], r["details"]) for r in back] == [("b", 2.0, {})]
