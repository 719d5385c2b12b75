"""The rule verifiers: format, length (DAPO overlong penalty), exact_match."""

from __future__ import annotations

import asyncio
import re

import pytest

from rewardkit import ConfigError, CPUVerifier, Sample, Status, Verifier, create_verifier
from rewardkit.verifiers import rules
from rewardkit.verifiers.rules import (
    DEFAULT_REGEX_TIMEOUT_S,
    BoundedRegex,
    ExactMatchVerifier,
    FormatVerifier,
    LengthVerifier,
    measure,
)


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
        ("format", {"pattern": r"\p{L}"}, r"format: pattern: invalid regular expression: bad escape \\p"),
        ("exact_match", {"extract": "a(?i)b"}, r"exact_match: extract: invalid regular expression: global flags"),
        ("format", {"pattern": "x", "timeout": 0}, r"format: timeout: .*greater than 0"),
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


# ---------------------------------------------------------------------------------- bounded regex cost

CATASTROPHIC = r"(a|aa)+$"  # overlapping repeats: exponential backtracking on "aaa...ab"
LONG = "a" * 60 + "b"


def test_a_catastrophic_pattern_is_a_timeout_naming_the_pattern() -> None:
    fmt = create_verifier("format", pattern=CATASTROPHIC, timeout=0.05)
    score = fmt.score(s(LONG))
    assert score.status is Status.TIMEOUT and score.value is None
    assert f"the `pattern` regex {CATASTROPHIC!r} did not finish within 0.05 s" in score.reason
    assert "backtracks catastrophically" in score.reason and "raise the verifier's `timeout`" in score.reason
    assert score.details == {"pattern": CATASTROPHIC, "timeout": 0.05}
    assert fmt.score(s("baa")).value == 1.0  # the same pattern on a short response is decided
    absent = create_verifier("format", pattern=CATASTROPHIC, must="absent", timeout=0.05)
    assert absent.score(s(LONG)).status is Status.TIMEOUT  # never taken for "absent"
    extract = create_verifier("exact_match", extract=CATASTROPHIC, timeout=0.05)
    score = extract.score(s(LONG, "a"))
    assert score.status is Status.TIMEOUT and f"the `extract` regex {CATASTROPHIC!r}" in score.reason
    assert create_verifier("format", pattern="x").config.timeout == DEFAULT_REGEX_TIMEOUT_S


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches rule verifiers hand to a thread (asyncio.to_thread, still called)."""
    sizes: list[int] = []
    real = asyncio.to_thread

    async def counted(fn, *args, **kwargs):  # noqa: ANN001, ANN202
        sizes.append(len(args[0]))
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    return sizes


def test_async_batches_score_inline_without_a_thread(
    hops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "INLINE_SLICE_S", 30.0)  # this machine's load never moves work to a thread
    samples = [s(f"Answer: {c} \\boxed{{{c}}}", c) for c in "ABCDEFGH"] + [s("none", "A")]
    verifiers = [
        create_verifier("format", pattern=r"\\boxed\{[A-D]\}"),
        create_verifier("exact_match", extract=r"Answer:\s*(\w+)"),
        create_verifier("length", unit="words", max_length=3, buffer=1),
    ]
    for verifier in verifiers:
        assert [x.to_dict() for x in asyncio.run(verifier.ascore_batch(samples))] == [
            x.to_dict() for x in verifier.score_batch(samples)
        ]
    assert hops == []
    assert [x.value for x in asyncio.run(verifiers[0].ascore_batch(samples))] == [1.0] * 4 + [0.0] * 5


def test_a_slow_regex_moves_the_rest_of_the_batch_to_one_thread(hops: list[int]) -> None:
    fmt = create_verifier("format", pattern=CATASTROPHIC, timeout=0.2)
    scores = asyncio.run(fmt.ascore_batch([s("xaa"), s(LONG), s("b"), s("aaaa")]))
    assert [x.status for x in scores] == [Status.OK, Status.TIMEOUT, Status.OK, Status.OK]
    assert [x.value for x in scores] == [1.0, None, 0.0, 1.0]
    assert "within 0.2 s" in scores[1].reason  # the full budget, in the thread (not the loop's slice)
    assert hops == [3]  # the first sample inline; the slow one and those after it in one hop


def test_a_batch_past_the_slice_finishes_in_one_thread(
    hops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "INLINE_SLICE_S", 0.0)
    verifier = create_verifier("exact_match", extract=r"(\d+)")
    samples = [s(f"it is {i}", str(i if i % 2 else -i)) for i in range(1, 50)]
    scores = asyncio.run(verifier.ascore_batch(samples))
    assert [x.value for x in scores] == [1.0 if i % 2 else 0.0 for i in range(1, 50)]
    assert hops == [49]
    tokenized = create_verifier("length", max_length=5, tokenizer="smollm2")
    assert tokenized.inline is False  # loading and running a tokenizer is not for the event loop


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"\\boxed\{", []),
        (r"(^|\n)[ \t]*(####|.*the answer is)[^\n]*\s*\Z", ["ignorecase"]),
        (r"^<think>.*</think>", ["dotall"]),
        (r"^####\s*(\S+)", ["multiline"]),
        (r"(?i)answer:\s*(\S+)", []),
        (r"\d+", []),
        (r"\b\w+\b", []),
        (r"[\u4e00-\u9fff]+", []),
        (r"(?P<n>\d)(?P=n)", []),
        (r"straße|STRASSE", ["ignorecase"]),
    ],
)
def test_bounded_regexes_match_like_re(pattern: str, flags: list[str]) -> None:
    texts = [
        "Answer: B\nOn reflection...\nAnswer: C",
        "#### 42\n\nso the answer is 42.\n",
        "<think>\n2+2\n</think> 4",
        "x = ٣ + ३ = 6, 11 22 \\boxed{6}",
        "日本語 answer: 東京",
        "Straße STRASSE strasse",
    ]
    value = sum({"ignorecase": re.I, "multiline": re.M, "dotall": re.S}[f] for f in flags)
    plain, bounded = re.compile(pattern, value), BoundedRegex(pattern, flags)
    for text in texts:
        expected = [(m.span(), m.groups()) for m in plain.finditer(text)]
        assert [(m.span(), m.groups()) for m in bounded.findall_matches(text, 1.0)] == expected
        assert (bounded.search(text, 1.0) is None) == (plain.search(text) is None)
