"""Small deterministic verifiers: response format, length budget, exact match.

They are cheap, so they run in the calling process (not the worker pool), and in a server on the event
loop itself (:class:`RuleVerifier`). User regexes are bounded: each response's regex work has a time budget
(the verifier's ``timeout``), enforced by the ``regex`` library; past it the score is ``timeout``, naming the
pattern. Patterns are checked when the verifier is built (Python ``re`` syntax), so a bad one is a
ConfigError naming the key.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import regex
from pydantic import Field, ValidationInfo, field_validator

from rewardkit.errors import RewardkitError
from rewardkit.types import Sample, Score, gold_answer
from rewardkit.verifier import Verifier, VerifierConfig, register

RegexFlag = Literal["ignorecase", "multiline", "dotall"]
_FLAGS = {"ignorecase": regex.IGNORECASE, "multiline": regex.MULTILINE, "dotall": regex.DOTALL}
DEFAULT_REGEX_TIMEOUT_S = 1.0
#: Event-loop time one ``ascore_batch`` call of a rule verifier may take before the rest of its batch
#: (and any sample whose regex needs longer) moves to one worker thread.
INLINE_SLICE_S = 0.005


class OutOfSlice(RewardkitError):
    """Inline scoring used up its event-loop slice before this sample was decided."""


class RegexTimeout(RewardkitError):
    """A user regex ran past its full time budget."""


class BoundedRegex:
    """A user regex (Python ``re`` syntax) whose searches stop at a time budget.

    Matching uses the ``regex`` library in its ``re``-compatible mode (VERSION0), which can stop a search
    that backtracks catastrophically; ``re`` itself checks the syntax, so the patterns accepted are ``re``'s.
    """

    def __init__(self, pattern: str, flags: Sequence[str] = ()) -> None:
        self.pattern = pattern
        value = 0
        for flag in flags:
            value |= _FLAGS[flag]
        try:
            re.compile(pattern, value)
            self.compiled = regex.compile(pattern, value | regex.VERSION0)
        except (re.error, regex.error) as err:
            raise ValueError(f"invalid regular expression: {err}") from None

    @property
    def groups(self) -> int:
        return self.compiled.groups

    def search(self, text: str, timeout: float) -> Any:
        """The first match in ``text`` or None; RegexTimeout past ``timeout`` seconds."""
        try:
            return self.compiled.search(text, timeout=timeout, concurrent=True)
        except TimeoutError:
            raise RegexTimeout(self.pattern) from None

    def fullmatch(self, text: str, timeout: float) -> Any:
        """A match of the whole of ``text`` or None; RegexTimeout past ``timeout`` seconds."""
        try:
            return self.compiled.fullmatch(text, timeout=timeout, concurrent=True)
        except TimeoutError:
            raise RegexTimeout(self.pattern) from None

    def findall_matches(self, text: str, timeout: float) -> list[Any]:
        """Every match in ``text``, in order; RegexTimeout when all of them take over ``timeout`` seconds."""
        try:
            return list(self.compiled.finditer(text, timeout=timeout, concurrent=True))
        except TimeoutError:
            raise RegexTimeout(self.pattern) from None


def _valid_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        BoundedRegex(pattern)
    return pattern


def regex_timeout_score(key: str, pattern: str, timeout: float) -> Score:
    """The ``timeout`` score of a response on which ``pattern`` (config key ``key``) ran out of time."""
    return Score.timeout(
        f"the `{key}` regex {pattern!r} did not finish within {timeout:g} s on this response (it probably "
        "backtracks catastrophically, e.g. nested or overlapping repeats such as (a|aa)+): rewrite it so "
        "that each character can be matched one way only, or raise the verifier's `timeout`",
        pattern=pattern,
        timeout=timeout,
    )


class RuleVerifier(Verifier):
    """A verifier cheap enough to score on the caller's event loop.

    ``ascore_batch`` scores in place, without a thread hop, for at most :data:`INLINE_SLICE_S` of loop
    time (a regex on the loop gets no more than what is left of it); the rest of the batch, and a sample
    whose regex needs longer, go to one worker thread, where each sample has the full ``timeout``. The
    scores are the same either way. Subclasses implement :meth:`rule_score`.
    """

    inline: bool = True  # False: every batch goes to a thread (e.g. a tokenizer to load)

    def rule_score(self, sample: Sample, budget: float | None) -> Score:
        """Score one sample. ``budget``: seconds of regex work allowed here (None: the full ``timeout``);
        OutOfSlice when a budget below the full ``timeout`` ran out."""
        raise NotImplementedError

    def score_one(self, sample: Sample) -> Score:
        return self.rule_score(sample, None)

    def _regex_budget(self, budget: float | None) -> float:
        return self.config.timeout if budget is None else min(budget, self.config.timeout)

    def _timed_out(self, key: str, rx: BoundedRegex, budget: float | None) -> Score:
        if budget is not None and budget < self.config.timeout:
            raise OutOfSlice
        return regex_timeout_score(key, rx.pattern, self.config.timeout)

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        scores: list[Score] = []
        if self.inline:
            end = time.perf_counter() + INLINE_SLICE_S
            for sample in samples:
                left = end - time.perf_counter()
                if left <= 0:
                    break
                try:
                    scores.append(self.rule_score(sample, left))
                except OutOfSlice:
                    break
                except Exception as exc:  # as in score_batch: a scored error, not a crash
                    scores.append(Score.from_exception(exc))
        if len(scores) < len(samples):
            scores += await asyncio.to_thread(self.score_batch, samples[len(scores) :])
        return scores


class RegexConfig(VerifierConfig):
    """Config of a rule verifier that runs user regexes."""

    timeout: float = Field(
        DEFAULT_REGEX_TIMEOUT_S,
        gt=0,
        description="seconds the regex may run on one response; past it the score is `timeout`",
    )


@register
class FormatVerifier(RuleVerifier):
    """1.0 when the response has (or, with `must: absent`, lacks) a match for `pattern`, else 0.0."""

    name = "format"

    class Config(RegexConfig):
        pattern: str = Field(description="regular expression searched anywhere in the response")
        must: Literal["present", "absent"] = Field("present", description="reward a match, or its absence")
        flags: list[RegexFlag] = Field(
            default_factory=list, description="regex flags: any of ignorecase, multiline, dotall"
        )

        _check_pattern = field_validator("pattern")(_valid_regex)

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._regex = BoundedRegex(self.config.pattern, self.config.flags)

    def rule_score(self, sample: Sample, budget: float | None) -> Score:
        try:
            found = self._regex.search(sample.response, self._regex_budget(budget)) is not None
        except RegexTimeout:
            return self._timed_out("pattern", self._regex, budget)
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
class LengthVerifier(RuleVerifier):
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

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.inline = not (self.config.unit == "tokens" and self.config.tokenizer)

    def penalty(self, length: int) -> float:
        start = self.config.max_length - self.config.buffer
        if length <= start:
            return 0.0
        if length > self.config.max_length:
            return -1.0
        return (start - length) / self.config.buffer

    def rule_score(self, sample: Sample, budget: float | None) -> Score:
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
class ExactMatchVerifier(RuleVerifier):
    """1.0 when the (stripped, optionally extracted and normalised) response equals the reference."""

    name = "exact_match"

    class Config(RegexConfig):
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
        self._extract = BoundedRegex(self.config.extract) if self.config.extract else None

    def normalize(self, text: str) -> str:
        text = text.strip()
        if self.config.normalize_whitespace:
            text = " ".join(text.split())
        if self.config.ignore_case:
            text = text.casefold()
        return text

    def rule_score(self, sample: Sample, budget: float | None) -> Score:
        gold = gold_answer(sample.reference)
        if gold is None:
            return Score.error("sample has no reference answer")
        answer = sample.response
        if self._extract is not None:
            try:
                matches = self._extract.findall_matches(answer, self._regex_budget(budget))
            except RegexTimeout:
                return self._timed_out("extract", self._extract, budget)
            if not matches:
                return Score.unparseable(f"no match for extract pattern {self.config.extract!r}")
            last = matches[-1]
            answer = last.group(1) if self._extract.groups else last.group(0)
        extracted, expected = self.normalize(answer), self.normalize(str(gold))
        return Score.correct(extracted == expected, extracted=extracted, gold=expected)


__all__ = [
    "DEFAULT_REGEX_TIMEOUT_S",
    "INLINE_SLICE_S",
    "BoundedRegex",
    "ExactMatchVerifier",
    "FormatVerifier",
    "LengthVerifier",
    "OutOfSlice",
    "RegexConfig",
    "RegexTimeout",
    "RuleVerifier",
    "measure",
    "regex_timeout_score",
]
