"""Deterministic rubric checks: each built-in met and not met, bad specs, and the math and code checks
through the real registered verifiers (the code check in the real sandbox)."""

from __future__ import annotations

import pytest

from rewardkit import Sample
from rewardkit.errors import ConfigError
from rewardkit.judges.checks import (
    CHECKS,
    Check,
    CheckConfig,
    CheckResult,
    available_checks,
    build_check,
    register_check,
)


def met(spec: dict, response: str, **sample) -> bool | None:
    return build_check(spec).check_one(Sample(response=response, **sample)).met


LONG_FR = "Bonjour, je suis très content de vous voir aujourd'hui dans cette belle ville."
LONG_EN = "The weather is nice today and we are going to walk in the park with our friends."

# (spec, a response that meets it, one that does not)
CASES = [
    (
        {"type": "regex", "pattern": r"^Answer: \d+$", "flags": ["multiline"]},
        "Work.\nAnswer: 42",
        "Answer: forty",
    ),
    (
        {"type": "regex", "pattern": "sorry", "flags": ["ignorecase"], "must_match": False},
        "Sure.",
        "SORRY, no.",
    ),
    ({"type": "regex", "pattern": r"\d+", "match": "full"}, " 123 ", "123 apples"),
    ({"type": "contains", "text": ["apple", "pear"]}, "An APPLE and a pear.", "An apple."),
    ({"type": "contains", "text": ["apple", "pear"], "require": "any"}, "A pear.", "A plum."),
    ({"type": "contains", "text": "Apple", "case_sensitive": True}, "Apple pie", "apple pie"),
    ({"type": "not_contains", "text": ["as an ai", "I cannot"]}, "Here it is.", "As an AI, I think..."),
    ({"type": "word_count", "min": 3, "max": 5}, "one two three", "one two"),
    ({"type": "word_count", "max": 3}, "don't go", "don't go now"),  # don't is two words, as IFEval counts
    ({"type": "sentence_count", "max": 2}, "Dr. Lee came. He left.", "One. Two. Three."),
    ({"type": "sentence_count", "min": 2}, "Hi. Bye.", "Mr. Smith went to the U.S. in 2020."),
    ({"type": "paragraph_count", "min": 2, "max": 2}, "A.\n\nB.", "A.\nB."),
    ({"type": "paragraph_count", "min": 3, "separator": "***"}, "A\n***\nB\n***\nC", "A\n\nB\n\nC"),
    ({"type": "json"}, 'Here:\n```json\n{"a": 1}\n```', "{'a': 1}"),
    ({"type": "json", "allow_fence": False}, "[1, 2]", "```json\n[1, 2]\n```"),
    (
        {
            "type": "json",
            "schema": {"type": "object", "required": ["name"], "properties": {"age": {"type": "integer"}}},
        },
        '{"name": "Ann", "age": 3}',
        '{"name": "Ann", "age": "three"}',
    ),
    ({"type": "language", "language": "fr"}, LONG_FR, LONG_EN),
    ({"type": "ifeval", "id": "detectable_format:title"}, "<<Title>>\nBody", "# Title\nBody"),
    (
        {
            "type": "ifeval",
            "id": "length_constraints:number_words",
            "kwargs": {"num_words": 3, "relation": "less than"},
        },
        "two words",
        "three words here",
    ),
    ({"type": "ifeval", "id": "startend:quotation", "mode": "loose"}, 'Sure:\n"quoted"', "Sure: 'quoted'"),
]


@pytest.mark.parametrize(
    ("spec", "good", "bad"), CASES, ids=[f"{c[0]['type']}-{i}" for i, c in enumerate(CASES)]
)
def test_each_check_met_and_not_met(spec: dict, good: str, bad: str) -> None:
    check = build_check(spec)
    results = check.check_batch([Sample(response=good), Sample(response=bad)])
    assert [r.met for r in results] == [True, False], [r.reason for r in results]
    assert all(r.reason for r in results)


def test_reasons_and_details_say_why() -> None:
    r = build_check({"type": "contains", "text": ["apple", "pear"]}).check_one(Sample(response="apple"))
    assert r.details["missing"] == ["pear"] and "missing ['pear']" in r.reason
    r = build_check({"type": "word_count", "min": 3}).check_one(Sample(response="two words"))
    assert r.details["count"] == 2 and "at least 3" in r.reason
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}}
    r = build_check({"type": "json", "schema": schema}).check_one(Sample(response='{"age": "x"}'))
    assert r.met is False and "age" in r.reason and "integer" in r.reason
    r = build_check({"type": "json"}).check_one(Sample(response="not json"))
    assert r.met is False and "not JSON" in r.reason


def test_language_check_cannot_decide_on_text_without_letters() -> None:
    check = build_check({"type": "language", "language": "en"})
    undecided, empty = check.check_batch([Sample(response="12345 !!!"), Sample(response="  ")])
    assert undecided.met is None and "no language" in undecided.reason
    assert empty.met is False


def test_ifeval_check_repeats_the_sample_prompt_when_no_prompt_is_given() -> None:
    check = build_check({"type": "ifeval", "id": "combination:repeat_prompt"})
    yes, no = check.check_batch(
        [
            Sample(prompt="Write a haiku.", response="Write a haiku. Snow..."),
            Sample(prompt="Write a haiku.", response="Snow"),
        ]
    )
    assert (yes.met, no.met) == (True, False)
    assert check.check_one(Sample(prompt="", response="x")).met is None  # nothing to repeat: unchecked


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"type": "nope"}, "unknown check type 'nope'; one of code, contains"),
        ({"pattern": "x"}, "'type' is required"),
        ("regex", "must be an object"),
        ({"type": "regex", "pattern": "("}, "regex: pattern: invalid regular expression"),
        (
            {"type": "regex", "pattern": "a", "bogus": 1},
            "unknown key 'bogus'; allowed: pattern, flags, must_match, match",
        ),
        ({"type": "regex", "pattern": "a", "flags": ["verbose"]}, "flags"),
        ({"type": "contains", "text": []}, "contains: text"),
        ({"type": "contains", "text": "a", "require": "most"}, "require"),
        ({"type": "word_count"}, "give min, max or both"),
        ({"type": "word_count", "min": 5, "max": 2}, "min (5) is greater than max (2)"),
        ({"type": "sentence_count", "min": -1}, "sentence_count: min"),
        ({"type": "paragraph_count", "min": 1, "separator": "---"}, "separator"),
        ({"type": "json", "schema": {"type": "nonsense"}}, "json: schema: not a valid JSON Schema"),
        ({"type": "language", "language": "klingon"}, "unknown language code"),
        ({"type": "ifeval", "id": "nope:x"}, "unknown IFEval instruction id 'nope:x'"),
        (
            {"type": "ifeval", "id": "length_constraints:number_words", "kwargs": {"num_words": 3}},
            "kwargs.relation: required",
        ),
        ({"type": "math", "config": {"mode": "loose"}}, "math check, config: math: mode"),
        ({"type": "code", "config": {"language": "cobol"}}, "code check, config: code: language"),
    ],
)
def test_bad_specs_are_config_errors(spec, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_check(spec)
    assert needle in str(err.value)


def test_a_raising_check_is_unchecked_never_silently_unmet() -> None:
    class Boom(Check):
        name = "boom_for_test"

        def check_one(self, sample: Sample) -> CheckResult:
            raise RuntimeError("kaput")

    register_check(Boom)
    try:
        assert "boom_for_test" in available_checks()
        result = build_check({"type": "boom_for_test"}).check_batch([Sample(response="x")])[0]
        assert result.met is None and "RuntimeError: kaput" in result.reason
        with pytest.raises(ConfigError, match="already exists"):
            register_check(Boom, name="regex")
    finally:
        CHECKS.unregister("boom_for_test")


def test_a_registered_check_with_config() -> None:
    class Shouting(Check):
        name = "shouting_for_test"

        class Config(CheckConfig):
            ratio: float = 0.5

        def check_one(self, sample: Sample) -> CheckResult:
            letters = [c for c in sample.response if c.isalpha()]
            share = sum(c.isupper() for c in letters) / max(len(letters), 1)
            return CheckResult(share >= self.config.ratio, f"{share:.0%} capitals")

    register_check(Shouting)
    try:
        assert met({"type": "shouting_for_test", "ratio": 0.9}, "HEY YOU") is True
        assert met({"type": "shouting_for_test"}, "hey you") is False
        with pytest.raises(ConfigError, match="unknown key 'ratoi'"):
            build_check({"type": "shouting_for_test", "ratoi": 1})
    finally:
        CHECKS.unregister("shouting_for_test")


# ------------------------------------------------------------------------------- the real verifiers


def test_math_check_with_the_real_math_verifier() -> None:
    check = build_check({"type": "math", "answer": "1/2"})
    right, wrong, unreadable = check.check_batch(
        [
            Sample(response="So the answer is $\\boxed{\\frac{1}{2}}$."),
            Sample(response="The answer is \\boxed{0.4}."),
            Sample(response="I am not sure."),
        ]
    )
    assert right.met is True and right.details["status"] == "ok"
    assert wrong.met is False and wrong.details["status"] == "ok"
    assert unreadable.met is False and unreadable.reason.startswith("unparseable")


def test_math_check_uses_the_sample_reference_and_reports_what_it_cannot_check() -> None:
    check = build_check({"type": "math", "config": {"workers": 0}})
    right, missing = check.check_batch(
        [Sample(response="#### 18", reference={"answer": "18"}), Sample(response="#### 18")]
    )
    assert right.met is True
    assert missing.met is None and "no answer" in missing.reason


def test_math_and_code_checks_score_the_batch_in_one_call() -> None:
    check = build_check({"type": "math", "answer": "3", "config": {"workers": 0}})
    calls: list[int] = []
    original = check.verifier.score_batch

    def counting(samples):
        calls.append(len(samples))
        return original(samples)

    check.verifier.score_batch = counting  # type: ignore[method-assign]
    results = check.check_batch([Sample(response=f"\\boxed{{{n}}}") for n in range(5)])
    assert calls == [5]
    assert [r.met for r in results] == [False, False, False, True, False]


@pytest.fixture(scope="module")
def sandbox_level() -> str:
    from rewardkit.engine.sandbox import SandboxError, default_sandbox

    try:
        return default_sandbox().isolation
    except SandboxError as exc:
        pytest.skip(f"no sandbox on this machine: {exc}")


def test_code_check_runs_the_tests_in_the_sandbox(sandbox_level: str) -> None:
    tests = {"tests": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]}
    check = build_check({"type": "code", "tests": tests})
    passing, failing, no_code = check.check_batch(
        [
            Sample(response="```python\ndef add(a, b):\n    return a + b\n```"),
            Sample(response="```python\ndef add(a, b):\n    return abs(a) + b\n```"),
            Sample(response="I would add them."),
        ]
    )
    assert passing.met is True and passing.details["all_passed"] is True
    assert passing.details["isolation"] == sandbox_level
    assert failing.met is False and failing.details["passed"] == 1
    assert no_code.met is False and no_code.reason.startswith("unparseable")


def test_code_check_reads_the_sample_reference_and_an_unusable_one_is_unchecked(sandbox_level: str) -> None:
    check = build_check({"type": "code"})
    good, unusable = check.check_batch(
        [
            Sample(
                response="```python\ndef sq(x):\n    return x * x\n```",
                reference={"test_list": ["assert sq(3) == 9"]},
            ),
            Sample(response="```python\ndef sq(x):\n    return x * x\n```", reference={"nothing": 1}),
        ]
    )
    assert good.met is True
    assert unusable.met is None and unusable.reason.startswith("error")


def test_a_backtracking_regex_is_unchecked_not_a_hang():
    check = build_check({"type": "regex", "pattern": "(a|aa)+$", "timeout": 0.2})
    result = check.check_batch([Sample(response="a" * 5000 + "b"), Sample(response="aaa")])
    assert result[0].met is None and "did not finish within 0.2 s" in result[0].reason
    assert result[1].met is True  # the next response is checked as usual
    full = build_check({"type": "regex", "pattern": "(a|aa)+", "match": "full", "timeout": 0.2})
    assert full.check_one(Sample(response="a" * 5000 + "b")).met is None
