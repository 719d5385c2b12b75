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


@pytest.mark.parametrize(
    ("config", "response", "value"),
    [
        ({"pattern": "ANSWER"}, "the answer", 0.0),
        ({"pattern": "ANSWER", "flags": ["ignorecase"]}, "the answer", 1.0),
        ({"pattern": "^####", "flags": ["multiline"]}, "work\n#### 5", 1.0),
        ({"pattern": "^####"}, "work\n#### 5", 0.0),
        ({"pattern": "a.b", "flags": ["dotall"]}, "a\nb", 1.0),
    ],
)
def test_format_flags(config: dict, response: str, value: float) -> None:
    assert create_verifier("format", **config).score(s(response)).value == value


# ------------------------------------------------------------------------------------------ config errors


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("format", {"pattern": "(unclosed"}, r"format: pattern: invalid regular expression"),
        ("format", {"pattern": "x", "flags": ["verbose"]}, r"format: flags\[0\]: .*'ignorecase', 'multiline' or 'dotall'"),
        ("format", {"patern": "x"}, r"format: patern: unknown key 'patern'"),
        ("length", {"max_length": 10, "buffer": 20}, r"length: buffer: buffer \(20\) must not exceed max_length \(10\)"),
        ("length", {"max_length": 0}, r"length: max_length: "),
        ("length", {"max_length": 10, "unit": "bytes"}, r"length: unit: "),
        ("exact_match", {"extract": "["}, r"exact_match: extract: invalid regular expression"),
    ],
)  # fmt: skip
def test_config_errors_name_the_key(name: str, config: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_verifier(name, **config)


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


# ----------------------------------------------------------------------------------------- exact_match


def test_exact_match_strips_and_compares() -> None:
    verifier = create_verifier("exact_match")
    scores = verifier.score_batch(
        [s("  Paris \n", "Paris"), s("paris", "Paris"), s("Lyon", {"answer": "Lyon"})]
    )
    assert [x.value for x in scores] == [1.0, 0.0, 1.0]
    assert scores[0].details == {"extracted": "Paris", "gold": "Paris"}


@pytest.mark.parametrize(
    ("config", "response", "reference", "value"),
    [
        ({"ignore_case": True}, "PARIS", "paris", 1.0),
        ({}, "New  York", "New York", 0.0),
        ({"normalize_whitespace": True}, "New \n York", "New York", 1.0),
        ({}, "42", 42, 1.0),
    ],
)
def test_exact_match_options(config: dict, response: str, reference: object, value: float) -> None:
    assert create_verifier("exact_match", **config).score(s(response, reference)).value == value


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
