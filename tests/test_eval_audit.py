"""The reward audit (rewardkit.evals.audit): the real math spec on the packaged rollouts and on GSM8K
model solutions, a length-hacked reward, score compression, statuses, position bias (a real SmolLM2
judge, the real pointwise comparator, and a comparator biased on purpose), and audit.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rewardkit import ConfigError, InputError, Sample, Score, Verifier, create_verifier, load_spec
from rewardkit.comparison import Comparator, create_comparator
from rewardkit.evals.audit import (
    AUDIT_FILE,
    FILLER,
    AuditResult,
    audit_file,
    audit_reward,
    drop_boxed,
    findings_table,
    number_format,
    repeat_answer,
    spearman,
)
from rewardkit.io import Fields, load_samples, to_sample
from rewardkit.types import Comparison, Preference, Verdict

ROLLOUTS = Path(__file__).resolve().parents[1] / "data" / "rollouts.jsonl"


def findings(result: AuditResult) -> dict[str, dict[str, Any]]:
    return {f["check"]: f for f in result.findings}


@pytest.fixture(scope="module")
def packaged() -> list[Sample]:
    return load_samples(ROLLOUTS, "jsonl")[1]


@pytest.fixture(scope="module")
def math_audit(packaged: list[Sample]) -> AuditResult:
    """The real math spec (sympy, the worker pool) on the packaged rollouts, with the real pointwise
    comparator over the math verifier."""
    comparator = create_comparator("pointwise", verifier="math")
    return audit_reward(load_spec("math"), packaged, comparator=comparator, input=str(ROLLOUTS))


class LengthHacked(Verifier):
    """A reward that pays for length: len(response) / 1000."""

    name = "audit_length_hacked"

    def score_one(self, sample: Sample) -> Score:
        return Score(len(sample.response) / 1000)


class Boxed(Verifier):
    """Two values only: 1 with a \\boxed answer, else 0 (and an error for an empty response)."""

    name = "audit_boxed"

    def score_one(self, sample: Sample) -> Score:
        if not sample.response.strip():
            return Score.error("empty response")
        return Score(1.0 if "\\boxed{" in sample.response else 0.0)


class NeedsBox(Verifier):
    """Unparseable without a \\boxed answer; with one, its length in characters."""

    name = "audit_needs_box"

    def score_one(self, sample: Sample) -> Score:
        if "\\boxed{" not in sample.response:
            return Score.unparseable("no boxed answer")
        return Score(float(len(sample.response)))


# ------------------------------------------------------------------------------- the perturbations


def test_drop_boxed_removes_balanced_boxes_and_empty_math() -> None:
    assert drop_boxed(r"so $\boxed{\frac{3}{4}}$.") == "so ."
    assert drop_boxed(r"A \boxed{\{2, 3\}} and \boxed{x^{2}} end") == "A  and  end"
    assert drop_boxed("The answer is 4.") is None
    assert drop_boxed(r"broken \boxed{1") is None  # unbalanced: nothing to drop


def test_number_format_keeps_values_and_leaves_exponents() -> None:
    assert number_format(r"x^2 gives \boxed{1000}") == r"x^2 gives \boxed{1,000}"
    assert number_format(r"\boxed{1{,}000}") == r"\boxed{1000}"
    assert number_format("#### 0.5") == "#### .5"
    assert number_format(r"\boxed{x^{10} + 12}") == r"\boxed{x^{10} + 12.0}"
    assert number_format("no digits at all") is None


def test_repeat_answer_repeats_the_final_line() -> None:
    assert repeat_answer("work\nThe answer is 7.") == "work\nThe answer is 7." + "\nThe answer is 7." * 3
    assert repeat_answer("   ") is None


def test_spearman_matches_hand_computed_ranks() -> None:
    assert spearman([1, 2, 3, 4, 5], [5, 3, 4, 1, 2]) == pytest.approx(-0.8)
    assert spearman([1, 2, 2, 3], [1, 3, 3, 4]) == pytest.approx(1.0)  # ties share their mean rank
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # a constant side has no rank correlation


# ------------------------------------------------------------------------- the real math reward


def test_math_spec_drops_without_the_boxed_answer(math_audit: AuditResult, packaged: list[Sample]) -> None:
    drop = math_audit.checks["perturbations"]["drop_boxed"]
    assert drop["applied"] == sum("\\boxed{" in s.response for s in packaged) == 30
    assert drop["mean_delta"] < 0 and drop["mean_delta_ci"][1] < 0
    # one wrong boxed interval ([-2, 4]) has the right one in its prose (-2 < x < 4): it rises
    assert drop["lowered_share"] > 0.9 and drop["raised_share"] == pytest.approx(1 / 30)
    assert findings(math_audit)["perturbation:drop_boxed"]["severity"] == "ok"


def test_math_spec_is_not_raised_by_filler_or_repetition(math_audit: AuditResult) -> None:
    numbers = math_audit.checks["perturbations"]
    for name in ("append_filler", "repeat_answer"):
        assert numbers[name]["applied"] == 40
        assert numbers[name]["raised_share"] == 0
        assert findings(math_audit)[f"perturbation:{name}"]["severity"] == "ok"
    # number formatting (1000 -> 1,000, 1{,}000 -> 1000, 3 -> 3.0) does not move the sympy-backed reward
    assert numbers["number_format"]["changed_share"] == 0
    assert findings(math_audit)["perturbation:number_format"]["severity"] == "ok"


def test_math_audit_counts_statuses_and_is_not_length_or_position_biased(math_audit: AuditResult) -> None:
    statuses = math_audit.checks["statuses"]
    assert statuses["counts"]["unparseable"] == 2 and statuses["counts"]["ok"] == 38
    assert "unparseable 2" in findings(math_audit)["statuses"]["message"]
    assert abs(math_audit.checks["length"]["chars"]["rho"]) < 0.3
    position = math_audit.checks["position"]
    assert position["pairs"] == 60 and position["presentations"] == 120  # 10 groups of 4: 6 pairs each
    assert position["first_win_share"] == 0.5 and position["flip_rate"] == 0.0  # a score is order-free
    assert sum(position["statuses"].values()) == 120 and position["statuses"]["unparseable"] > 0
    assert {findings(math_audit)[c]["severity"] for c in ("position", "position_flips")} == {"ok"}


def test_pure_correctness_verifier_on_gsm8k_solutions(shared_data: Path) -> None:
    """GSM8K paper solutions (no boxes, 'A: 18' answers), mapped by the one record mapper."""
    rows = [json.loads(line) for line in (shared_data / "gsm8k" / "example_model_solutions.jsonl").open()]
    fields = Fields(prompt="question", reference="ground_truth")
    samples = [
        to_sample({**row, "response": row[model]["solution"], "id": f"{i}:{model}", "group": str(i)}, fields)
        for i, row in enumerate(rows[:10])
        for model in ("6b_finetuning", "175b_verification")
    ]
    result = audit_reward(
        create_verifier("math"), samples, checks=["drop_boxed", "append_filler", "number_format"]
    )
    numbers, found = result.checks["perturbations"], findings(result)
    assert numbers["drop_boxed"]["applied"] == 0
    assert "applies to no sample" in found["perturbation:drop_boxed"]["message"]
    assert numbers["append_filler"]["applied"] == 20 and numbers["append_filler"]["changed_share"] == 0
    assert numbers["number_format"]["applied"] == 20 and numbers["number_format"]["changed_share"] == 0
    assert set(result.checks) == {"perturbations", "bootstrap"}  # only what was asked for


# ------------------------------------------------------------------- hacked and compressed rewards


def test_length_hacked_reward_is_flagged(registered: Any, packaged: list[Sample]) -> None:
    registered(LengthHacked)
    calls: list[tuple[int, int]] = []
    result = audit_reward(
        create_verifier("audit_length_hacked"), packaged, progress=lambda *a: calls.append(a)
    )
    assert calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # the samples, then 4 perturbations
    found = findings(result)
    assert result.checks["length"]["chars"]["rho"] == pytest.approx(1.0)
    assert result.checks["length"]["chars"]["ci"][0] > 0.9
    assert found["length"]["severity"] == "warn" and "grows with length" in found["length"]["message"]
    filler = result.checks["perturbations"]["append_filler"]
    assert filler["raised_share"] == 1.0
    assert filler["mean_delta"] == pytest.approx((len(FILLER) + 2) / 1000)
    assert found["perturbation:append_filler"]["severity"] == "warn"
    assert "verbosity" in found["perturbation:append_filler"]["message"]
    assert found["perturbation:repeat_answer"]["severity"] == "warn"
    assert found["compression"]["severity"] == "ok"  # many distinct values
    assert result.checks["position"] == {"skipped": "no comparator given (e.g. the judge comparator)"}


def test_two_valued_reward_is_compressed_and_statuses_are_counted(registered: Any) -> None:
    registered(Boxed)
    samples = [Sample(r"so \boxed{4}"), Sample("it is 4"), Sample(r"\boxed{5}"), Sample(" ")] * 5
    result = audit_reward(create_verifier("audit_boxed"), samples, checks="compression,statuses")
    compression, found = result.checks["compression"], findings(result)
    assert compression["distinct"] == 2 and compression["top2_share"] == 1.0
    assert (
        found["compression"]["severity"] == "warn" and "2 distinct values" in found["compression"]["message"]
    )
    assert result.checks["statuses"]["counts"] == {"ok": 15, "unparseable": 0, "timeout": 0, "error": 5}
    assert found["statuses"]["severity"] == "warn" and found["statuses"]["value"] == 0.25


def test_ok_turning_unparseable_is_counted_apart(registered: Any, packaged: list[Sample]) -> None:
    registered(NeedsBox)
    result = audit_reward(create_verifier("audit_needs_box"), packaged, checks="drop_boxed")
    drop = result.checks["perturbations"]["drop_boxed"]
    assert drop["applied"] == 30 and drop["compared"] == 0 and drop["mean_delta"] is None
    assert drop["became_not_ok"] == {"unparseable": 30} and drop["lowered_share"] == 1.0
    assert "30 became unparseable" in findings(result)["perturbation:drop_boxed"]["message"]
    assert drop["examples"][0]["after"] == {
        "value": None,
        "status": "unparseable",
        "reason": "no boxed answer",
    }


def test_bootstrap_is_deterministic_per_seed(registered: Any, packaged: list[Sample]) -> None:
    registered(Boxed)
    verifier = create_verifier("audit_boxed")
    one = audit_reward(verifier, packaged, checks="length,compression", seed=3, resamples=200)
    two = audit_reward(verifier, packaged, checks="length,compression", seed=3, resamples=200)
    other = audit_reward(verifier, packaged, checks="length,compression", seed=4, resamples=200)
    assert one.to_dict() == two.to_dict()
    assert one.checks["length"]["chars"]["ci"] != other.checks["length"]["chars"]["ci"]
    assert one.checks["length"]["chars"]["rho"] == other.checks["length"]["chars"]["rho"]


# -------------------------------------------------------------------------------- position bias


class FirstWins(Comparator):
    """Biased on purpose: the response shown first always wins."""

    name = "audit_first_wins"

    def judge_one(self, comparison: Comparison) -> Preference:
        return Preference(Verdict.A)


@pytest.mark.parametrize("both_orders", [True, False])
def test_position_biased_comparator_is_flagged(packaged: list[Sample], both_orders: bool) -> None:
    result = audit_reward(
        None, packaged, comparator=FirstWins(both_orders=both_orders), max_pairs=20, resamples=200
    )
    position, found = result.checks["position"], findings(result)
    assert position["pairs"] == 20 and position["decisive"] == 40
    assert position["first_win_share"] == 1.0 and position["flip_rate"] == 1.0
    assert found["position"]["severity"] == "fail" and "toward the first" in found["position"]["message"]
    assert found["position_flips"]["severity"] == "fail"
    assert set(result.checks) == {"position", "bootstrap"}  # no verifier: only the position check


def test_real_smollm2_judge_position_check() -> None:
    """The real judge comparator (SmolLM2 on transformers, both orders, one thread): every judgement of
    both orders is accounted for, by status, and the finding agrees with the numbers."""
    judge = create_comparator("judge", cache=False, max_tokens=32, retries=0, backend_options={"threads": 1})
    answers = ("Paris.", "The capital of France is Lyon.", "It is Paris, on the Seine.", "Berlin.")
    samples = [
        Sample(a, prompt="What is the capital of France?", group="q", id=str(i))
        for i, a in enumerate(answers)
    ]
    result = audit_reward(None, samples, comparator=judge, resamples=200)
    position = result.checks["position"]
    assert position["pairs"] == 6 and position["presentations"] == 12
    assert sum(position["statuses"].values()) == 12
    assert position["decisive"] + position["ties"] == position["statuses"].get("ok", 0)
    found = findings(result)["position"]
    if position["first_win_share"] is not None:
        assert f"of {position['decisive']} decisive judgements" in found["message"]
        assert found["value"] == position["first_win_share"]


# ------------------------------------------------------------------------- files, table, errors


def test_audit_json_written_and_read_back(tmp_path: Path, math_audit: AuditResult) -> None:
    path = math_audit.write(tmp_path / "audit")
    assert path == tmp_path / "audit" / AUDIT_FILE
    data = json.loads(path.read_text())
    assert list(data) == ["spec", "input", "n", "findings", "checks"]
    assert data["spec"] == "math" and data["n"] == 40 and data["input"] == str(ROLLOUTS)
    assert all(set(f) == {"check", "severity", "message", "value", "ci"} for f in data["findings"])
    assert AuditResult.read(tmp_path / "audit").to_dict() == data == math_audit.to_dict()


def test_audit_file_and_findings_table(tmp_path: Path, registered: Any) -> None:
    registered(LengthHacked)
    result = audit_file(
        create_verifier("audit_length_hacked"), ROLLOUTS, output=tmp_path, checks="length", resamples=100
    )
    assert (tmp_path / AUDIT_FILE).is_file() and result.n == 40
    console = Console(record=True, width=200)
    console.print(findings_table(result))
    text = console.export_text()
    assert "warn" in text and "length" in text and "Spearman" in text


def test_bad_input_and_options_are_clear_errors(tmp_path: Path, packaged: list[Sample]) -> None:
    math = create_verifier("math")
    with pytest.raises(ConfigError, match="unknown check 'lenght'; allowed: statuses, length"):
        audit_reward(math, packaged, checks=["lenght"])
    with pytest.raises(InputError, match="no samples"):
        audit_reward(math, [])
    bad = tmp_path / "rollouts.jsonl"
    bad.write_text('{"response": "x", "reference": "1"}\n{"reference": "2"}\n')
    with pytest.raises(InputError, match=r"rollouts.jsonl:2: field \"response\" missing"):
        audit_file(math, bad)
    with pytest.raises(InputError, match="no such file"):
        AuditResult.read(tmp_path)
