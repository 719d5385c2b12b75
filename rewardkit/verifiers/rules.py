"""Small deterministic verifiers: response format, length budget, exact match.

They are cheap, so they run inline in the calling process (plain :class:`Verifier`, not the worker
pool). Regexes are compiled when the verifier is built, so a bad pattern is a ConfigError naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from rewardkit.types import Sample, Score, gold_answer
from rewardkit.verifier import Verifier, VerifierConfig, register

RegexFlag = Literal["ignorecase", "multiline", "dotall"]
_FLAGS = {"ignorecase": re.IGNORECASE, "multiline": re.MULTILINE, "dotall": re.DOTALL}


def _compile(pattern: str, flags: Sequence[str] = ()) -> re.Pattern[str]:
    value = 0
    for flag in flags:
        value |= _FLAGS[flag]
    try:
        return re.compile(pattern, value)
    except re.error as err:
        raise ValueError(f"invalid regular expression: {err}") from None


def _valid_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        _compile(pattern)
    return pattern


@register
class FormatVerifier(Verifier):
    """1.0 when the response has (or, with `must: absent`, lacks) a match for `pattern`, else 0.0."""

    name = "format"

    class Config(VerifierConfig):
        pattern: str = Field(description="regular expression searched anywhere in the response")
        must: Literal["present", "absent"] = Field("present", description="reward a match, or its absence")
        flags: list[RegexFlag] = Field(
            default_factory=list, description="regex flags: any of ignorecase, multiline, dotall"
        )

        _check_pattern = field_validator("pattern")(_valid_regex)

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._regex = _compile(self.config.pattern, self.config.flags)

    def score_one(self, sample: Sample) -> Score:
        found = self._regex.search(sample.response) is not None
        passed = found == (self.config.must == "present")
        return Score.correct(passed, f"pattern {'found' if found else 'not found'}", found=found)


_TOKEN = re.compile(r"\w+|[^\w\s]")


def measure(text: str, unit: str) -> int:
    """Length of ``text`` in chars, words (whitespace-separated) or approximate tokens."""
    if unit == "chars":
        return len(text)
    if unit == "words":
        return len(text.split())
    return len(_TOKEN.findall(text))


@register
class LengthVerifier(Verifier):
    """DAPO-style overlong penalty: 0 within budget, linear down to -1 over the last `buffer` units.

    value = 0 when length <= max_length - buffer; (max_length - buffer - length) / buffer up to
    max_length (reaching -1 there); -1 beyond max_length.
    """

    name = "length"

    class Config(VerifierConfig):
        max_length: int = Field(gt=0, description="length at which the penalty reaches -1")
        buffer: int = Field(
            0, ge=0, description="soft zone before max_length where the penalty grows from 0 to -1"
        )
        unit: Literal["chars", "words", "tokens"] = Field(
            "tokens",
            description="chars; words (whitespace-separated); tokens: the `tokenizer`'s tokens, or without "
            "one an approximation (words and punctuation marks counted separately)",
        )
        tokenizer: str | None = Field(
            None, description="count unit=tokens with this model's tokenizer (alias, folder or hub id)"
        )

        @field_validator("buffer")
        @classmethod
        def _buffer_fits(cls, buffer: int, info: ValidationInfo) -> int:
            max_length = info.data.get("max_length")
            if max_length is not None and buffer > max_length:
                raise ValueError(f"buffer ({buffer}) must not exceed max_length ({max_length})")
            return buffer

    def penalty(self, length: int) -> float:
        start = self.config.max_length - self.config.buffer
        if length <= start:
            return 0.0
        if length > self.config.max_length:
            return -1.0
        return (start - length) / self.config.buffer

    def score_one(self, sample: Sample) -> Score:
        if self.config.unit == "tokens" and self.config.tokenizer:
            length = len(
                _tokenizer(self.config.tokenizer)(sample.response, add_special_tokens=False)["input_ids"]
            )
        else:
            length = measure(sample.response, self.config.unit)
        value = self.penalty(length)
        reason = (
            "within budget" if value == 0 else f"{length} {self.config.unit} (max {self.config.max_length})"
        )
        return Score(value, reason=reason, details={"length": length, "unit": self.config.unit})


@cache
def _tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    from rewardkit.engine.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model(name))


@register
class ExactMatchVerifier(Verifier):
    """1.0 when the (stripped, optionally extracted and normalised) response equals the reference."""

    name = "exact_match"

    class Config(VerifierConfig):
        extract: str | None = Field(
            None,
            description="regex whose last match in the response is the answer (group 1 if the regex has "
            "a group); no match: unparseable",
        )
        ignore_case: bool = Field(False, description="compare case-insensitively")
        normalize_whitespace: bool = Field(False, description="collapse runs of whitespace to one space")

        _check_extract = field_validator("extract")(_valid_regex)

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._extract = _compile(self.config.extract) if self.config.extract else None

    def normalize(self, text: str) -> str:
        text = text.strip()
        if self.config.normalize_whitespace:
            text = " ".join(text.split())
        if self.config.ignore_case:
            text = text.casefold()
        return text

    def score_one(self, sample: Sample) -> Score:
        gold = gold_answer(sample.reference)
        if gold is None:
            return Score.error("sample has no reference answer")
        answer = sample.response
        if self._extract is not None:
            matches = list(self._extract.finditer(answer))
            if not matches:
                return Score.unparseable(f"no match for extract pattern {self.config.extract!r}")
            last = matches[-1]
            answer = last.group(1) if self._extract.groups else last.group(0)
        extracted, expected = self.normalize(answer), self.normalize(str(gold))
        return Score.correct(extracted == expected, extracted=extracted, gold=expected)


__all__ = [
    "ExactMatchVerifier",
    "FormatVerifier",
    "LengthVerifier",
    "measure",
]
