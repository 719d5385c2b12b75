"""The rule verifiers: format, length (DAPO overlong penalty), exact_match."""

from __future__ import annotations

import asyncio

import pytest

from rewardkit import ConfigError, CPUVerifier, Sample, Status, Verifier, create_verifier
from rewardkit.verifiers.rules import ExactMatchVerifier, FormatVerifier, LengthVerifier, measure


def s(response: str, reference: object = None) -> Sample:
    return Sample(response=response, reference=reference)


# -------------------------------------------------------------------------------------------- registry


@pytest.mark.parametrize(
    ("name", "config", "cls"),
    [("format", {"pattern": "x"}, FormatVerifier), ("length", {"max_length": 5}, LengthVerifier),
     ("exact_match", {}, ExactMatchVerifier)],
)  # fmt: skip
def test_builtins_are_registered_and_run_inline(name: str, config: dict, cls: type) -> None:
    assert type(create_verifier(name, **config)) is cls
    assert issubclass(cls, Verifier) and not issubclass(cls, CPUVerifier)


# ---------------------------------------------------------------------------------------------- format


def test_format_present_and_absent() -> None:
    boxed = create_verifier("format", pattern=r"\\boxed\{")
    assert [x.value for x in boxed.score_batch([s(r"so \boxed{3}"), s("so 3")])] == [1.0, 0.0]
    assert boxed.score(s(r"\boxed{3}")).details == {"found": True}
    no_chinese = create_verifier("format", pattern=r"[\u4e00-\u9fff]", must="absent")
    assert [x.value for x in no_chinese.score_batch([s("plain"), s("答案")])] == [1.0, 0.0]
    assert all(x.status is Status.OK for x in no_chinese.score_batch([s("plain"), s("答案")]))


def test_format_flags() -> None:
    assert create_verifier("format", pattern="ANSWER").score(s("the answer")).value == 0.0
    assert (
        create_verifier("format", pattern="ANSWER", flags=["ignorecase"]).score(s("the answer")).value == 1.0
    )
    line_start = create_verifier("format", pattern="^####", flags=["multiline"])
    assert line_start.score(s("work\n#### 5")).value == 1.0
    assert create_verifier("format", pattern="^####").score(s("work\n#### 5")).value == 0.0
    assert create_verifier("format", pattern="a.b", flags=["dotall"]).score(s("a\nb")).value == 1.0


def test_format_bad_regex_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"format: config key 'pattern': .*invalid regular expression"):
        create_verifier("format", pattern="(unclosed")
    with pytest.raises(ConfigError, match=r"'flags.0'.*'ignorecase', 'multiline' or 'dotall'"):
        create_verifier("format", pattern="x", flags=["verbose"])
    with pytest.raises(ConfigError, match=r"unknown config key 'patern'"):
        create_verifier("format", patern="x")


# ---------------------------------------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("words", "value"),
    [(1, 0.0), (6, 0.0), (7, -0.25), (8, -0.5), (9, -0.75), (10, -1.0), (11, -1.0), (500, -1.0)],
)
def test_length_dapo_penalty(words: int, value: float) -> None:
    verifier = create_verifier("length", unit="words", max_length=10, buffer=4)
    score = verifier.score(s(" ".join(["word"] * words)))
    assert score.status is Status.OK
    assert score.value == pytest.approx(value)
    assert score.details == {"length": words, "unit": "words"}


def test_length_without_buffer_is_a_step() -> None:
    verifier = create_verifier("length", unit="chars", max_length=5)
    assert [x.value for x in verifier.score_batch([s("abcde"), s("abcdef")])] == [0.0, -1.0]


def test_length_units() -> None:
    text = "Hello, world! x=3."
    assert measure(text, "chars") == len(text)
    assert measure(text, "words") == 3
    assert measure(text, "tokens") == 8  # Hello , world ! x = 3 .
    assert create_verifier("length", max_length=100).config.unit == "tokens"


def test_length_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"'buffer': .*buffer \(20\) must not exceed max_length \(10\)"):
        create_verifier("length", max_length=10, buffer=20)
    with pytest.raises(ConfigError, match=r"'max_length'"):
        create_verifier("length", max_length=0)
    with pytest.raises(ConfigError, match=r"'unit'"):
        create_verifier("length", max_length=10, unit="bytes")


# ----------------------------------------------------------------------------------------- exact_match


def test_exact_match_strips_and_compares() -> None:
    verifier = create_verifier("exact_match")
    scores = verifier.score_batch(
        [s("  Paris \n", "Paris"), s("paris", "Paris"), s("Lyon", {"answer": "Lyon"})]
    )
    assert [x.value for x in scores] == [1.0, 0.0, 1.0]
    assert scores[0].details == {"extracted": "Paris", "gold": "Paris"}


def test_exact_match_options() -> None:
    assert create_verifier("exact_match", ignore_case=True).score(s("PARIS", "paris")).value == 1.0
    assert create_verifier("exact_match").score(s("New  York", "New York")).value == 0.0
    assert (
        create_verifier("exact_match", normalize_whitespace=True).score(s("New \n York", "New York")).value
        == 1.0
    )
    assert create_verifier("exact_match").score(s("42", 42)).value == 1.0


def test_exact_match_extract_uses_the_last_match_and_group_1() -> None:
    verifier = create_verifier("exact_match", extract=r"Answer:\s*(\w+)")
    score = verifier.score(s("Answer: B\nOn reflection...\nAnswer: C", "C"))
    assert (score.value, score.details["extracted"]) == (1.0, "C")
    whole = create_verifier("exact_match", extract=r"[A-D]\)")
    assert whole.score(s("I pick B)", "B)")).value == 1.0


def test_exact_match_unparseable_and_error_statuses() -> None:
    verifier = create_verifier("exact_match", extract=r"Answer:\s*(\w+)")
    no_answer = verifier.score(s("I am not sure.", "C"))
    assert no_answer.status is Status.UNPARSEABLE and no_answer.value is None
    no_reference = verifier.score(s("Answer: C"))
    assert no_reference.status is Status.ERROR and no_reference.value is None
    with pytest.raises(ConfigError, match=r"exact_match: config key 'extract': .*invalid regular expression"):
        create_verifier("exact_match", extract="[")


def test_batch_order_and_async_agree() -> None:
    verifier = create_verifier("exact_match")
    samples = [s(str(i), str(i if i % 3 else -1)) for i in range(20)]
    scores = verifier.score_batch(samples)
    assert [x.value for x in scores] == [0.0 if i % 3 == 0 else 1.0 for i in range(20)]
    assert [x.value for x in asyncio.run(verifier.ascore_batch(samples))] == [x.value for x in scores]


def test_length_counts_real_tokens_with_a_tokenizer() -> None:
    from transformers import AutoTokenizer

    from rewardkit.engine.models import resolve_model

    text = "Pneumonoultramicroscopicsilicovolcanoconiosis is long."
    expected = len(
        AutoTokenizer.from_pretrained(resolve_model("smollm2"))(text, add_special_tokens=False)["input_ids"]
    )
    assert expected > measure(text, "tokens")  # the approximation sees 4 tokens; the model many more
    score = create_verifier("length", max_length=expected, tokenizer="smollm2").score(Sample(response=text))
    assert score.details["length"] == expected and score.value == 0.0
    over = create_verifier("length", max_length=expected - 1, tokenizer="smollm2").score(
        Sample(response=text)
    )
    assert over.value == -1.0
