"""Deterministic checkers: rubric criteria decided by code, not by a judge.

A check is built from a spec such as ``{"type": "regex", "pattern": "^Answer:"}`` and says, for each
sample's ``response``, whether the criterion is met::

    from rewardkit import Sample
    from rewardkit.judges.checks import build_check

    check = build_check({"type": "word_count", "max": 50})
    check.check_one(Sample(response="Short and sweet.")).met  # True

``met`` is True or False, or None when the criterion could not be checked (the math verifier timed
out, the sandbox failed, a check raised): such a criterion is an error, never silently unmet.

Built-in types: ``regex``, ``contains``, ``not_contains``, ``word_count``, ``sentence_count``,
``paragraph_count``, ``json``, ``language``, ``ifeval``, ``math``, ``code``. More come from the
entry-point group ``rewardkit.checks`` or from :func:`register_check`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from rewardkit.errors import ConfigError, InputError
from rewardkit.registry import Configurable, Registry, StrictConfig
from rewardkit.types import Sample, Score, Status
from rewardkit.verifiers import ifeval
from rewardkit.verifiers.rules import DEFAULT_REGEX_TIMEOUT_S, BoundedRegex, RegexTimeout

ENTRY_POINT_GROUP = "rewardkit.checks"


@dataclass
class CheckResult:
    """One criterion on one sample: met (True/False), or None when it could not be checked."""

    met: bool | None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class CheckConfig(StrictConfig):
    """Base of every check's config: unknown keys are rejected."""


class Check(Configurable):
    """A deterministic criterion. Subclasses set ``name`` and ``Config`` and implement ``check_one``
    (or ``check_batch`` for batched work); order in == order out, and an exception is that sample's
    ``met=None`` result, never a crash."""

    Config: ClassVar[type[StrictConfig]] = CheckConfig
    config: Any

    def check_one(self, sample: Sample) -> CheckResult:
        raise NotImplementedError(f"{type(self).__name__} must implement check_one or check_batch")

    def check_batch(self, samples: Sequence[Sample]) -> list[CheckResult]:
        return [_guarded(self, s) for s in samples]


def _guarded(check: Check, sample: Sample) -> CheckResult:
    try:
        return check.check_one(sample)
    except Exception as exc:  # a bug or a blow-up is an unchecked criterion, named
        return CheckResult(None, f"{check.name or type(check).__name__} failed: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------------------- text


class RegexCheck(Check):
    """Met when the response has a match for ``pattern`` (or, with ``must_match: false``, has none)."""

    name = "regex"

    class Config(CheckConfig):
        pattern: str = Field(description="regular expression (Python syntax)")
        flags: list[Literal["ignorecase", "multiline", "dotall"]] = Field(
            default_factory=list, description="any of ignorecase, multiline, dotall"
        )
        must_match: bool = Field(True, description="met on a match (true) or on no match (false)")
        match: Literal["search", "full"] = Field(
            "search", description="search: anywhere in the response; full: the whole (stripped) response"
        )
        timeout: float = Field(
            DEFAULT_REGEX_TIMEOUT_S, gt=0, description="seconds the pattern may take on one response"
        )

        @field_validator("pattern")
        @classmethod
        def _compiles(cls, pattern: str) -> str:
            BoundedRegex(pattern)  # ValueError: invalid regular expression
            return pattern

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._regex = BoundedRegex(self.config.pattern, self.config.flags)

    def check_one(self, sample: Sample) -> CheckResult:
        text, cfg = sample.response, self.config
        try:
            found = (
                self._regex.fullmatch(text.strip(), cfg.timeout)
                if cfg.match == "full"
                else self._regex.search(text, cfg.timeout)
            )
        except RegexTimeout:
            return CheckResult(
                None,
                f"the pattern /{cfg.pattern}/ did not finish within {cfg.timeout:g} s on this response (it "
                "probably backtracks catastrophically): rewrite it, or raise the check's `timeout`",
            )
        met = (found is not None) == self.config.must_match
        where = "the whole response" if self.config.match == "full" else "the response"
        reason = f"{where} {'matches' if found else 'does not match'} /{self.config.pattern}/"
        return CheckResult(met, reason, {"match": found.group() if found else None})


def _texts(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class _TextsConfig(CheckConfig):
    text: str | list[str] = Field(description="a text or a list of texts to look for")
    case_sensitive: bool = Field(False, description="compare case-sensitively")

    @field_validator("text")
    @classmethod
    def _not_empty(cls, text: str | list[str]) -> str | list[str]:
        if not _texts(text) or not all(t for t in _texts(text)):
            raise ValueError("must be a non-empty text or a non-empty list of non-empty texts")
        return text


def _present(texts: list[str], response: str, case_sensitive: bool) -> list[str]:
    hay = response if case_sensitive else response.casefold()
    return [t for t in texts if (t if case_sensitive else t.casefold()) in hay]


class ContainsCheck(Check):
    """Met when the response contains the text(s): all of them, or any one (``require: any``)."""

    name = "contains"

    class Config(_TextsConfig):
        require: Literal["all", "any"] = Field("all", description="all: every text; any: at least one")

    def check_one(self, sample: Sample) -> CheckResult:
        texts = _texts(self.config.text)
        found = _present(texts, sample.response, self.config.case_sensitive)
        met = len(found) == len(texts) if self.config.require == "all" else bool(found)
        missing = [t for t in texts if t not in found]
        reason = f"found {len(found)} of {len(texts)}" + (f"; missing {missing!r}" if missing else "")
        return CheckResult(met, reason, {"found": found, "missing": missing})


class NotContainsCheck(Check):
    """Met when the response contains none of the text(s)."""

    name = "not_contains"

    class Config(_TextsConfig):
        pass

    def check_one(self, sample: Sample) -> CheckResult:
        found = _present(_texts(self.config.text), sample.response, self.config.case_sensitive)
        reason = f"contains {found!r}" if found else "contains none of them"
        return CheckResult(not found, reason, {"found": found})


class _RangeConfig(CheckConfig):
    min: int | None = Field(None, ge=0, description="at least this many (inclusive)")
    max: int | None = Field(None, ge=0, description="at most this many (inclusive)")

    @model_validator(mode="after")
    def _bounds(self) -> _RangeConfig:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class _CountCheck(Check):
    unit: ClassVar[str] = ""

    def count(self, text: str) -> int:
        raise NotImplementedError

    def check_one(self, sample: Sample) -> CheckResult:
        n = self.count(sample.response)
        low, high = self.config.min, self.config.max
        met = (low is None or n >= low) and (high is None or n <= high)
        bounds = " and ".join(
            part
            for part in (low is not None and f"at least {low}", high is not None and f"at most {high}")
            if part
        )
        return CheckResult(met, f"{n} {self.unit} (wanted {bounds})", {"count": n})


class WordCountCheck(_CountCheck):
    """Met when the number of words (runs of word characters, IFEval's count) is within min..max."""

    name = "word_count"
    unit = "words"
    Config = _RangeConfig

    def count(self, text: str) -> int:
        return ifeval.count_words(text)


class SentenceCountCheck(_CountCheck):
    """Met when the number of sentences (Punkt's English sentences, IFEval's count) is within min..max."""

    name = "sentence_count"
    unit = "sentences"
    Config = _RangeConfig

    def count(self, text: str) -> int:
        return ifeval.count_sentences(text)


class ParagraphCountCheck(_CountCheck):
    """Met when the number of paragraphs is within min..max: paragraphs separated by blank lines (IFEval's
    ``nth_paragraph_first_word``), or by the markdown divider ``***`` (IFEval's ``number_paragraphs``)."""

    name = "paragraph_count"
    unit = "paragraphs"

    class Config(_RangeConfig):
        separator: Literal["blank_line", "***"] = Field(
            "blank_line", description="blank_line: split on a blank line; ***: split on the markdown divider"
        )

    def count(self, text: str) -> int:
        if self.config.separator == "***":
            return ifeval.count_paragraphs(text)
        return sum(1 for part in text.split("\n\n") if part.strip())


# -------------------------------------------------------------------------------------- structure


_FENCED = re.compile(r"```[ \t]*(?:json)?[ \t]*\n(.*?)\n?[ \t]*```", re.IGNORECASE | re.DOTALL)


def _json_text(response: str, allow_fence: bool) -> list[str]:
    """Candidate JSON texts: the whole response (its fence stripped), then each fenced block."""
    body = response.strip()
    candidates = [body]
    if allow_fence:
        whole = _FENCED.fullmatch(body)
        if whole:
            candidates = [whole.group(1)]
        candidates += [m.group(1) for m in _FENCED.finditer(body) if m.group(1) not in candidates]
    return candidates


class JsonCheck(Check):
    """Met when the response is JSON (the whole of it, or a ```json fenced block when ``allow_fence``)
    and, given a ``schema``, valid against that JSON Schema; schema errors are the reason."""

    name = "json"

    class Config(CheckConfig):
        schema_: dict[str, Any] | None = Field(
            None, alias="schema", description="a JSON Schema the value must satisfy"
        )
        allow_fence: bool = Field(True, description="also accept JSON inside a ``` (or ```json) fence")

        @field_validator("schema_")
        @classmethod
        def _valid_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
            if schema is not None:
                import jsonschema

                try:
                    jsonschema.validators.validator_for(schema).check_schema(schema)
                except jsonschema.SchemaError as err:
                    raise ValueError(f"not a valid JSON Schema: {err.message}") from None
            return schema

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json", by_alias=True)

    def check_one(self, sample: Sample) -> CheckResult:
        value, error = None, "empty response"
        for text in _json_text(sample.response, self.config.allow_fence):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
                break
            except ValueError as err:
                error = f"not JSON: {err}"
        else:
            return CheckResult(False, error)
        schema = self.config.schema_
        if schema is None:
            return CheckResult(True, "valid JSON", {"value": value})
        import jsonschema

        validator = jsonschema.validators.validator_for(schema)(schema)
        problems = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not problems:
            return CheckResult(True, "valid JSON matching the schema", {"value": value})
        where = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in problems]
        return CheckResult(False, "schema: " + "; ".join(where[:5]), {"value": value, "schema_errors": where})


class LanguageCheck(Check):
    """Met when langdetect (seeded) finds the response in ``language`` (a code such as en, fr, zh-cn)."""

    name = "language"

    class Config(CheckConfig):
        language: str = Field(description="language code, as langdetect names it (en, fr, de, zh-cn...)")

        @field_validator("language")
        @classmethod
        def _known(cls, language: str) -> str:
            codes = ifeval.language_codes()
            if language not in codes:
                raise ValueError(f"unknown language code; one of {', '.join(codes)}")
            return language

    def check_one(self, sample: Sample) -> CheckResult:
        if not sample.response.strip():
            return CheckResult(False, "empty response")
        found = ifeval.detect_language(sample.response)
        if found is None:
            return CheckResult(None, "no language could be detected in the response")
        return CheckResult(found == self.config.language, f"detected {found}", {"detected": found})


class IFEvalCheck(Check):
    """Met when the response follows one IFEval instruction (``id`` and its ``kwargs``)."""

    name = "ifeval"

    class Config(CheckConfig):
        id: str = Field(description="an IFEval instruction id, e.g. detectable_format:title")
        kwargs: dict[str, Any] = Field(default_factory=dict, description="the instruction's parameters")
        mode: Literal["strict", "loose"] = Field("strict", description="IFEval's strict or loose reading")

        @model_validator(mode="after")
        def _valid(self) -> IFEvalCheck.Config:
            try:
                ifeval.instruction(self.id, self.kwargs, prompt="(the sample's prompt)")
            except InputError as err:
                raise ValueError(str(err)) from None
            return self

    def check_one(self, sample: Sample) -> CheckResult:
        try:
            inst = ifeval.instruction(self.config.id, self.config.kwargs, prompt=sample.prompt_text)
        except InputError as err:
            return CheckResult(None, str(err))
        met = inst.followed(sample.response, self.config.mode)
        return CheckResult(
            met, f"{self.config.id} {'followed' if met else 'not followed'} ({self.config.mode})"
        )


# ----------------------------------------------------------------------------------------- verifiers


def _verdict(score: Score, met: bool) -> CheckResult:
    """A verifier's score as a criterion: ok -> met; unparseable -> not met; error/timeout -> unchecked."""
    details = {"status": str(score.status), "value": score.value, **score.details}
    if score.status is Status.OK:
        return CheckResult(met, score.reason or ("passed" if met else "failed"), details)
    if score.status is Status.UNPARSEABLE:
        return CheckResult(False, f"unparseable: {score.reason}", details)
    return CheckResult(None, f"{score.status}: {score.reason}", details)


class _VerifierCheck(Check):
    verifier_name: ClassVar[str] = ""
    reference_key: ClassVar[str] = ""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        from rewardkit.verifier import create_verifier

        try:
            self.verifier = create_verifier(self.verifier_name, **self.config.config)
        except ConfigError as err:
            raise ConfigError(f"{self.name} check, config: {err}") from None

    def reference(self, sample: Sample) -> Any:
        given = getattr(self.config, self.reference_key)
        return sample.reference if given is None else given

    def passed(self, score: Score) -> bool:
        raise NotImplementedError

    def check_batch(self, samples: Sequence[Sample]) -> list[CheckResult]:
        samples = list(samples)
        results: list[CheckResult | None] = [None] * len(samples)
        todo, batch = [], []
        for i, s in enumerate(samples):
            ref = self.reference(s)
            if ref is None:
                results[i] = CheckResult(
                    None,
                    f"no {self.reference_key}: give `{self.reference_key}` in the check or a sample reference",
                )
            else:
                todo.append(i)
                batch.append(Sample(response=s.response, prompt=s.prompt, reference=ref, id=s.id))
        if batch:
            try:
                scores = self.verifier.score_batch(batch)
            except Exception as exc:
                scores = [Score.from_exception(exc)] * len(batch)
            for i, score in zip(todo, scores, strict=True):
                results[i] = _verdict(score, score.ok and self.passed(score))
        return results  # type: ignore[return-value]

    def check_one(self, sample: Sample) -> CheckResult:
        return self.check_batch([sample])[0]


class MathCheck(_VerifierCheck):
    """Met when the registered ``math`` verifier finds the response's answer equal to ``answer`` (or the
    sample's reference). An answer it cannot read is not met; a verifier error or timeout is unchecked."""

    name = "math"
    verifier_name = "math"
    reference_key = "answer"

    class Config(CheckConfig):
        answer: str | int | float | None = Field(
            None, description="the gold answer (default: the sample's reference)"
        )
        config: dict[str, Any] = Field(default_factory=dict, description="the math verifier's config")

    def passed(self, score: Score) -> bool:
        return score.value == 1.0


class CodeCheck(_VerifierCheck):
    """Met when the response's program passes every test, run by the registered ``code`` verifier in the
    sandbox: ``tests`` in any reference shape the code verifier reads (default: the sample's reference)."""

    name = "code"
    verifier_name = "code"
    reference_key = "tests"

    class Config(CheckConfig):
        tests: Any = Field(
            None, description="tests, as the code verifier's reference (default: the sample's)"
        )
        config: dict[str, Any] = Field(default_factory=dict, description="the code verifier's config")

    def passed(self, score: Score) -> bool:
        return bool(score.details.get("all_passed"))


# -------------------------------------------------------------------------------------------- registry

CHECKS: Registry[type[Check]] = Registry(
    "check",
    group=ENTRY_POINT_GROUP,
    base=Check,
    builtins={
        "regex": "rewardkit.judges.checks:RegexCheck",
        "contains": "rewardkit.judges.checks:ContainsCheck",
        "not_contains": "rewardkit.judges.checks:NotContainsCheck",
        "word_count": "rewardkit.judges.checks:WordCountCheck",
        "sentence_count": "rewardkit.judges.checks:SentenceCountCheck",
        "paragraph_count": "rewardkit.judges.checks:ParagraphCountCheck",
        "json": "rewardkit.judges.checks:JsonCheck",
        "language": "rewardkit.judges.checks:LanguageCheck",
        "ifeval": "rewardkit.judges.checks:IFEvalCheck",
        "math": "rewardkit.judges.checks:MathCheck",
        "code": "rewardkit.judges.checks:CodeCheck",
    },
)


def register_check(cls: type[Check] | None = None, *, name: str | None = None, replace: bool = False) -> Any:
    """Class decorator: make a check available by its ``name`` in rubric specs."""
    return CHECKS.register(cls, name=name, replace=replace)


def available_checks() -> list[str]:
    return CHECKS.names()


def build_check(spec: Mapping[str, Any]) -> Check:
    """A check from its spec, e.g. ``{"type": "regex", "pattern": "..."}``. An unknown type or a bad
    field is a ConfigError saying which types or keys are allowed."""
    if not isinstance(spec, Mapping):
        raise ConfigError(f"a check must be an object with a 'type' (got {type(spec).__name__})")
    kind = spec.get("type")
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"check: 'type' is required; one of {', '.join(available_checks())}")
    if kind not in CHECKS:
        raise ConfigError(f"unknown check type {kind!r}; one of {', '.join(available_checks())}")
    return CHECKS.get(kind)(**{k: v for k, v in spec.items() if k != "type"})


__all__ = [
    "CHECKS",
    "Check",
    "CheckConfig",
    "CheckResult",
    "CodeCheck",
    "ContainsCheck",
    "IFEvalCheck",
    "JsonCheck",
    "LanguageCheck",
    "MathCheck",
    "NotContainsCheck",
    "ParagraphCountCheck",
    "RegexCheck",
    "SentenceCountCheck",
    "WordCountCheck",
    "available_checks",
    "build_check",
    "register_check",
]
