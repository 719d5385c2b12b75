"""Rubric reward models: schema errors, aggregation maths (weights, pitfalls, gating, clipping), the three
ways a criterion is decided (judge, extract + verify, checker), the judging styles, the hybrid spec,
rubric writing and the CLI; real SmolLM2 end to end, the scripted backend of test_judges beside it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _judge_script import CALLS

from rewardkit.assets import list_assets
from rewardkit.errors import ConfigError
from rewardkit.judges.generate import RubricWriter
from rewardkit.judges.rubric import Rubric, RubricSpec, RubricVerifier, aggregate, load_rubric
from rewardkit.spec import load_spec
from rewardkit.types import Sample, Status

# ------------------------------------------------------------------------------------------- schema


def test_the_starter_library_loads() -> None:
    names = set(list_assets("rubrics"))
    assert {
        "helpfulness",
        "harmlessness",
        "instruction_following",
        "math_solution",
        "code_review",
        "summarisation",
    } <= names
    for name in names:
        rubric = load_rubric(name)
        assert rubric.criteria and all(c.spec.text for c in rubric.criteria)
        assert any(c.weight < 0 for c in rubric.criteria)  # every starter rubric names a pitfall


def test_rubric_errors_point_at_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("criteria:\n  - text: ok\n  - text: fine\n    kind: crucial\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"r.yaml:4: criteria\[1\]\.kind"):
        load_rubric(path)
    path.write_text("criteria:\n  - text: ok\n    check: {type: regex}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"r.yaml:3: criteria\[0\]\.check"):
        load_rubric(path)
    path.write_text("criteria:\n  - {id: a, text: x}\n  - {id: a, text: y}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate criterion id"):
        load_rubric(path)
    path.write_text("criteria: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="criteria"):
        load_rubric(path)
    with pytest.raises(ConfigError, match="rubric.*criteria.*not both"):
        RubricVerifier(rubric="helpfulness", criteria=[{"text": "x"}], cache=False)


# --------------------------------------------------------------------------------------- aggregation


def verdicts(*items: tuple[str, float, bool | None]) -> list[dict[str, Any]]:
    return [{"id": f"c{i}", "kind": kind, "weight": w, "met": met} for i, (kind, w, met) in enumerate(items)]


def spec(**kw: Any) -> RubricSpec:
    return RubricSpec(criteria=[{"text": "x"}], **kw)


def test_explicit_sum_of_met_weights_over_positive_total() -> None:
    v = verdicts(("essential", 1.0, True), ("important", 0.7, False), ("optional", 0.3, True))
    assert aggregate(spec(), v)[0] == pytest.approx(1.3 / 2.0)


def test_pitfalls_subtract_and_the_score_is_clipped() -> None:
    v = verdicts(("essential", 1.0, True), ("important", 0.7, True), ("pitfall", -0.9, True))
    assert aggregate(spec(), v)[0] == pytest.approx((1.7 - 0.9) / 1.7)
    worse = verdicts(("essential", 1.0, False), ("important", 0.7, True), ("pitfall", -0.9, True))
    assert aggregate(spec(), worse)[0] == 0.0  # (0.7 - 0.9) / 1.7 < 0 -> clipped to 0
    unmet_pitfall = verdicts(("essential", 1.0, True), ("pitfall", -0.9, False))
    assert aggregate(spec(), unmet_pitfall)[0] == 1.0


def test_a_pitfall_weight_always_subtracts_whatever_its_sign() -> None:
    rubric = Rubric.from_data({"criteria": [{"text": "a"}, {"text": "b", "kind": "pitfall", "weight": 0.5}]})
    assert [c.weight for c in rubric.criteria] == [0.7, -0.5]
    negative = Rubric.from_data({"criteria": [{"text": "b", "kind": "pitfall", "weight": -0.5}]})
    assert negative.criteria[0].weight == -0.5


def test_gating_and_all_or_nothing() -> None:
    v = verdicts(("essential", 1.0, False), ("important", 0.7, True), ("optional", 0.3, True))
    assert aggregate(spec(), v)[0] == pytest.approx(0.5)
    value, info = aggregate(spec(gate=True), v)
    assert value == 0.0 and info["gated_by"] == ["c0"]
    assert (
        aggregate(spec(aggregation="all"), verdicts(("essential", 1, True), ("optional", 0.3, True)))[0]
        == 1.0
    )
    assert (
        aggregate(spec(aggregation="all"), verdicts(("essential", 1, True), ("pitfall", -1, True)))[0] == 0.0
    )


def test_a_rubric_of_pitfalls_only() -> None:
    v = verdicts(("pitfall", -1.0, True), ("pitfall", -3.0, False))
    assert aggregate(spec(), v)[0] == pytest.approx(0.75)


# ------------------------------------------------------------------- deciding criteria, scripted judge


def yes_if(word: str) -> Any:
    def answer(user: str, params: Any) -> str:
        criterion = user.rsplit("Criterion:", 1)[-1]
        return f"Because.\nMet: {'Yes' if word in criterion else 'No'}"

    return answer


def test_each_criterion_is_decided_by_judge_checker_or_extraction(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        if "Extract from the response" in user:
            return "Extracted: 42"
        return yes_if("polite")(user, params)

    options = scripted("mixed", answer)
    criteria = [
        {"id": "polite", "text": "The response is polite.", "kind": "important"},
        {"id": "rude", "text": "The response is rude.", "kind": "pitfall"},
        {
            "id": "short",
            "text": "At most 20 words.",
            "kind": "optional",
            "check": {"type": "word_count", "max": 20},
        },
        {
            "id": "answer",
            "text": "The final answer is right.",
            "kind": "essential",
            "check": {"extract": "the final answer", "type": "math"},
        },
    ]
    verifier = RubricVerifier(**options, criteria=criteria, cache=False)
    score = verifier.score(Sample("Sure! The answer is 42.", "What is 6 * 7?", "42"))
    assert score.ok, score.reason
    by_id = {v["id"]: v for v in score.details["criteria"]}
    assert by_id["polite"]["met"] is True and by_id["polite"]["by"] == "judge"
    assert by_id["rude"]["met"] is False
    assert by_id["short"]["met"] is True and by_id["short"]["by"].startswith("check:")
    assert by_id["answer"]["met"] is True and by_id["answer"]["extracted"] == "42"
    assert by_id["answer"]["by"].startswith("extract+")
    assert score.value == pytest.approx(1.0)
    wrong = verifier.score(Sample("The answer is 41.", "What is 6 * 7?", "41.5"))
    by_id = {v["id"]: v for v in wrong.details["criteria"]}
    assert by_id["answer"]["met"] is False  # the extracted 42 is checked by the math verifier, not the judge


def test_an_undecided_criterion_is_an_error_or_skipped_never_unmet(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        return "Hmm." if "vague" in user.rsplit("Criterion:", 1)[-1] else "Met: Yes"

    options = scripted("vague", answer)
    criteria = [{"id": "clear", "text": "Clear."}, {"id": "vague", "text": "Somehow vague."}]
    strict = RubricVerifier(**options, criteria=criteria, cache=False, retries=1).score(Sample("a", "q"))
    assert strict.status is Status.UNPARSEABLE and strict.value is None and "criterion vague" in strict.reason
    skip = RubricVerifier(**options, criteria=criteria, cache=False, retries=1, on_failure="skip").score(
        Sample("a", "q")
    )
    assert skip.ok and skip.value == 1.0 and skip.details["skipped"] == ["vague"]


def test_all_in_one_judging_reads_every_verdict(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        return json.dumps(
            [{"criterion": 1, "met": True, "reason": "yes"}, {"criterion": 2, "met": False, "reason": "no"}]
        )

    options = scripted("all", answer)
    criteria = [{"text": "First.", "kind": "essential"}, {"text": "Second.", "kind": "important"}]
    score = RubricVerifier(**options, criteria=criteria, judging="all_in_one", cache=False).score(
        Sample("a", "q")
    )
    assert score.ok and [v["met"] for v in score.details["criteria"]] == [True, False]
    assert score.value == pytest.approx(1.0 / 1.7) and len(CALLS) == 1  # one call for the whole rubric


def test_per_sample_rubrics_from_the_reference(scripted: Any) -> None:
    options = scripted("polite", yes_if("polite"))
    verifier = RubricVerifier(**options, cache=False)
    ok, missing, bad = verifier.score_batch(
        [
            Sample("a", "q", {"rubric": [{"text": "Is polite."}], "answer": "x"}),
            Sample("a", "q"),
            Sample("a", "q", {"rubric": [{"text": "x", "kind": "sometimes"}]}),
        ]
    )
    assert ok.ok and ok.value == 1.0
    assert missing.status is Status.ERROR and "Sample.reference['rubric']" in missing.reason
    assert bad.status is Status.ERROR and "kind" in bad.reason


# --------------------------------------------------------------------------------- real SmolLM2 rubric


@pytest.mark.parametrize("judging", ["per_criterion", "all_in_one", "score"])
def test_smollm2_rubric_end_to_end(judging: str) -> None:
    verifier = RubricVerifier(rubric="helpfulness", judging=judging, cache=False, max_tokens=96, retries=1)
    samples = [Sample("Paris is the capital of France.", "What is the capital of France?")]
    score = verifier.score_batch(samples)[0]
    verdicts = score.details["criteria"]
    assert len(verdicts) == len(verifier.rubric.criteria)
    for v in verdicts:
        assert v["by"] == "judge" or v["by"].startswith("check:")
        assert v["met"] in (True, False) or v["status"] in ("unparseable", "error")
    if judging == "score":  # no generation: every criterion has a probability, so the score is ok
        assert score.ok and all(0 <= v["probability"] <= 1 for v in verdicts)
        assert 0.0 <= score.value <= 1.0
    elif score.ok:
        assert 0.0 <= score.value <= 1.0
    else:
        assert score.value is None and score.reason.startswith("criterion ")


def test_smollm2_implicit_rubric() -> None:
    verifier = RubricVerifier(rubric="helpfulness", aggregation="implicit", cache=False, max_tokens=96)
    score = verifier.score(Sample("Paris.", "What is the capital of France?"))
    assert score.details["aggregation"] == "implicit" and score.details["judge_output"]
    assert (score.ok and 0 <= score.value <= 1) or (
        score.status is Status.UNPARSEABLE and score.value is None
    )


def test_hybrid_spec_gates_on_hard_constraints() -> None:
    spec = load_spec(
        "hybrid",
        rubric={"cache": False},
        holistic={"cache": False, "max_tokens": 64, "retries": 0},
    )
    long = " ".join(["word"] * 450)
    good, too_long = spec.score_batch(
        [Sample("Paris is the capital of France.", "Capital of France?"), Sample(long, "Capital of France?")]
    )
    assert too_long.value == 0.0 and too_long.details["gated"] == {"constraints": 0.0}
    assert good.details["components"]["constraints"]["value"] == 1.0
    assert good.value is not None and 0.0 <= good.value <= 1.0


# ------------------------------------------------------------------------------------ rubric writing


def test_rubric_writer_accepts_a_rubric_that_reproduces_the_preference(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        if "List the concrete differences" in user:
            return "The better one names the city.\nExtracted: done"
        if "Write a grading rubric" in user:
            return json.dumps({"criteria": [{"text": "Names Paris as the capital.", "kind": "essential"}]})
        return (
            "Met: Yes" if "Paris" in user.split("[Response]")[1].split("[End of response]")[0] else "Met: No"
        )

    options = scripted("writer", answer)
    result = RubricWriter(**options, cache=False).generate(
        "Capital of France?", chosen="Paris.", rejected="Lyon."
    )
    assert result.ok and result.contrast.startswith("The better one")
    assert result.rubric.criteria[0].spec.text == "Names Paris as the capital."
    assert result.check == {"reproduced": True, "chosen": 1.0, "rejected": 0.0, "reason": ""}


def test_rubric_writer_refuses_and_says_why(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        if "Write a grading rubric" in user:
            return (
                "Here are some ideas: be nice."
                if "refused" not in user
                else '{"criteria": [{"text": "Is short."}]}'
            )
        if "List the concrete" in user:
            return "They differ.\nExtracted: done"
        return "Met: Yes"  # the rubric cannot separate the pair

    options = scripted("refuse", answer)
    result = RubricWriter(**options, cache=False, attempts=2, retries=0).generate(
        "q", chosen="a", rejected="b"
    )
    assert not result.ok and result.rubric is None and "no acceptable rubric after 2" in result.reason
    assert "no JSON" in result.attempts[0]["refused"]
    assert "scores the worse response" in result.attempts[1]["refused"]


def test_rubric_cli_list_show_and_generate(tmp_path: Path) -> None:
    exe = [sys.executable, "-m", "rewardkit"]
    listed = subprocess.run([*exe, "rubric", "list"], capture_output=True, text=True, check=True)
    assert "helpfulness" in listed.stdout
    shown = subprocess.run(
        [*exe, "rubric", "show", "math_solution"], capture_output=True, text=True, check=True
    )
    assert "extract+math" in shown.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("criteria:\n  - {text: x, kind: maybe}\n", encoding="utf-8")
    failed = subprocess.run([*exe, "rubric", "show", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 2 and "bad.yaml:2" in failed.stderr
    out = tmp_path / "gen.yaml"
    run = subprocess.run(
        [
            *exe,
            "rubric",
            "generate",
            "--prompt",
            "What is 2+2?",
            "--reference",
            "4",
            "--output",
            str(out),
            "--attempts",
            "1",
        ],
        capture_output=True,
        text=True,
    )
    log = json.loads(out.with_suffix(".attempts.json").read_text())
    assert len(log["attempts"]) == 1 and log["attempts"][0]["judge_output"]
    if run.returncode == 0:
        assert load_rubric(out).criteria
    else:
        assert run.returncode == 1 and "no acceptable rubric" in run.stderr and not out.exists()


# ------------------------------------------------------------------------ edge cases found in review


def test_skip_never_turns_undecided_credit_into_a_perfect_score(scripted: Any) -> None:
    options = scripted("hmm", lambda user, params: "hmm")
    criteria = [
        {"text": "Correct.", "kind": "essential"},
        {"text": "Clear.", "kind": "important"},
        {"text": "Shouts.", "kind": "pitfall", "check": {"type": "contains", "text": "!!!"}},
    ]
    score = RubricVerifier(**options, criteria=criteria, on_failure="skip", retries=0, cache=False).score(
        Sample("fine", "q")
    )
    assert score.status is Status.UNPARSEABLE and score.value is None
    assert "could earn credit" in score.reason
    gated = [
        {"text": "Correct.", "kind": "essential"},
        {"text": "Short.", "check": {"type": "word_count", "max": 5}},
    ]
    score = RubricVerifier(
        **options, criteria=gated, gate=True, on_failure="skip", retries=0, cache=False
    ).score(Sample("fine", "q"))
    assert score.value is None and "(a gate) could not be decided" in score.reason


def test_weights_that_would_silently_change_a_criterion_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"criteria\[0\]\.weight: a negative weight is for pitfalls only"):
        Rubric.from_data({"criteria": [{"text": "Correct.", "kind": "essential", "weight": -1}]})
    with pytest.raises(ConfigError, match="weight 0; nothing could be earned"):
        Rubric.from_data({"criteria": [{"text": "a", "weight": 0}, {"text": "b", "kind": "pitfall"}]})


def test_an_echoed_extraction_line_is_not_the_value(scripted: Any) -> None:
    def answer(user: str, params: Any) -> str:
        if params.seed == 0:
            return 'Answer on the last line with "Extracted: <value>".'
        return "The response says 42.\nExtracted: 42"

    options = scripted("echo", answer)
    criteria = [
        {"text": "Right answer.", "kind": "essential", "check": {"extract": "the answer", "type": "math"}}
    ]
    score = RubricVerifier(**options, criteria=criteria, cache=False).score(Sample("It is 42.", "6*7?", "42"))
    verdict = score.details["criteria"][0]
    assert score.ok and verdict["extracted"] == "42" and verdict["met"] is True
    assert len(CALLS) == 2  # the echoed line was refused and asked again


def test_checks_read_the_answer_not_the_rubric_in_the_reference(scripted: Any) -> None:
    options = scripted("unused", lambda user, params: "Met: Yes")
    rubric = [{"text": "Right.", "kind": "essential", "check": {"type": "math"}}]
    verifier = RubricVerifier(**options, cache=False)
    with_answer, without = verifier.score_batch(
        [Sample("It is 42.", "q", {"rubric": rubric, "answer": "42"}), Sample("It is 42.", "q", rubric)]
    )
    assert with_answer.ok and with_answer.value == 1.0
    assert without.value is None and without.status is Status.ERROR  # no gold: an error, never "unmet"


def test_scoring_style_render_failure_is_an_error_not_a_crash(scripted: Any) -> None:
    options = scripted("none", lambda user, params: "Met: Yes")
    criteria = [{"text": "Polite."}, {"text": "Short.", "check": {"type": "word_count", "max": 50}}]
    verifier = RubricVerifier(**options, criteria=criteria, judging="score", cache=False)
    score = verifier.score(Sample("hello", "q"))  # the scripted backend cannot score loglikelihoods
    assert score.status is Status.ERROR and "criterion c1" in score.reason
    assert score.details["criteria"][1]["met"] is True  # the checker's verdict is kept


def test_rubric_writer_attempts_are_fresh_draws(scripted: Any) -> None:
    options = scripted("bad", lambda user, params: "no rubric here")
    result = RubricWriter(**options, cache=False, attempts=3, retries=0).generate("q", reference="a")
    assert not result.ok and len(CALLS) == 3
    assert [(p.seed, p.temperature) for _, p in CALLS] == [(0, 0.0), (1, 0.7), (2, 0.7)]


def test_templates_and_rubrics_are_checked_when_built_not_at_the_first_call(tmp_path: Path) -> None:
    judges = tmp_path / "judges"
    judges.mkdir()
    (judges / "typo.yaml").write_text(
        "output: met\nuser: |\n  {{ prompt }}\n  {{ promt }}\n", encoding="utf-8"
    )
    (judges / "nocrit.yaml").write_text(
        "output: met\nuser: |\n  {{ prompt }} {{ response }}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"typo.yaml:\d+: user: unknown name\(s\) promt"):
        RubricVerifier(
            criteria=[{"text": "x"}], templates={"criterion": str(judges / "typo.yaml")}, cache=False
        )
    with pytest.raises(ConfigError, match=r"never shows \{\{ criterion \}\}"):
        RubricVerifier(
            criteria=[{"text": "x"}], templates={"criterion": str(judges / "nocrit.yaml")}, cache=False
        )
    implicit = tmp_path / "implicit.yaml"
    implicit.write_text(
        "aggregation: implicit\ncriteria:\n  - text: a\n  - text: b\n    check: {type: word_count, max: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"implicit.yaml:5: criteria\[1\]\.check: aggregation: implicit"):
        load_rubric(implicit)
    overridden = RubricVerifier(rubric="helpfulness", aggregation="implicit", cache=False)
    assert overridden.rubric.spec.gate is False  # one judgement has no essential verdicts to gate on


def test_a_per_sample_rubric_may_name_a_library_rubric(scripted: Any) -> None:
    options = scripted("yes", lambda user, params: "Met: Yes")
    score = RubricVerifier(**options, cache=False).score(Sample("Paris.", "q", {"rubric": "helpfulness"}))
    assert score.ok and len(score.details["criteria"]) == len(load_rubric("helpfulness").criteria)


def test_refused_extractions_keep_every_attempt(scripted: Any) -> None:
    options = scripted("never", lambda user, params: "I cannot say.")
    criteria = [{"text": "Right.", "check": {"extract": "the answer", "type": "math"}}]
    score = RubricVerifier(**options, criteria=criteria, retries=1, cache=False).score(
        Sample("4", "2+2?", "4")
    )
    verdict = score.details["criteria"][0]
    assert score.status is Status.UNPARSEABLE and [a["draw"] for a in verdict["attempts"]] == [0, 1]
    assert verdict["judge_output"] == "I cannot say." and verdict["cached"] is False


def test_every_problem_of_a_rubric_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "criteria:\n  - text: a\n    kind: essentail\n  - text: b\n    check: {type: word_count, max: ten}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert "two.yaml:3: criteria[0].kind" in str(info.value)
    assert "two.yaml:5: criteria[1].check: word_count: max" in str(info.value)


def test_inline_criteria_in_a_spec_are_reported_at_their_lines(write_spec: Any) -> None:
    path = write_spec(
        "components:\n"
        "  - name: r\n"
        "    verifier: rubric\n"
        "    config:\n"
        "      criteria:\n"
        "        - text: a\n"
        "          kind: essentail\n"
        "        - text: b\n"
        "          check: {type: word_count, max: ten}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    message = str(info.value)
    assert f"{path}:7: components[0].config.criteria[0].kind" in message
    assert f"{path}:9: components[0].config.criteria[1].check: word_count: max" in message
