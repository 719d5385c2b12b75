"""What every LLM judge shares: the model call, the cache, bounded retries, and reading logprobs.

A judge (pointwise, pairwise, rubric criteria, value extraction, rubric writing) renders chat messages
from a template and hands them to a :class:`JudgeEngine` with the parser for the answer. The engine:

- sends every call of a batch to the backend in ONE ``generate`` call (transformers, vLLM or an
  OpenAI-compatible server: the ``backend`` key is the only thing that changes);
- looks each call up in the judge cache first (:mod:`rewardkit.judges.cache`), keyed by model, backend,
  template hash, the rendered messages, the sampling parameters and the draw index, and stores each
  answer as soon as its batch returns;
- parses each answer; an answer the parser cannot read is asked again, at most ``retries`` times, each
  time as a new draw (seed + draw; a greedy judge samples its retries at ``retry_temperature``, since a
  greedy re-ask would repeat itself). After the last draw the call is ``unparseable`` and every attempt's
  raw text is kept (:data:`RETRY_RULE`);
- reads the judge's own probabilities over the labels at the token where it wrote its verdict, when the
  backend returns top logprobs (:func:`label_distribution`).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from rewardkit.engine.backends import (
    Backend,
    GenerationParams,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    backend_config,
    get_backend,
)
from rewardkit.judges.cache import JudgeCache, cache_key
from rewardkit.judges.parse import Parsed
from rewardkit.types import Message
from rewardkit.verifiers.model import BackendChoice, check_backend_options

RETRY_RULE = """\
How a judge call that cannot be read is retried:
- draw 0 uses the configured sampling (temperature, top_p, seed).
- If the parser cannot read the answer (no verdict in the final answer, out of scale, only the echoed
  template...), the call is made again as draw 1, 2, ... up to `retries` extra draws: seed = seed + draw,
  and temperature = retry_temperature when the configured temperature is 0 (a greedy re-ask would repeat
  the same text). Every draw is a separate cache entry.
- After the last draw the judgement is `unparseable`: value None, the reason of the last draw, and
  details["attempts"] with each draw's raw text and why it was refused. Nothing becomes a number here:
  what an unparseable judgement is worth is the reward spec's choice (`fallback: {unparseable: 0.0}`, or
  the default None that trainers drop).
- A backend failure (the server is down, the model cannot load) is an `error` for every call of the
  batch, with the exception named; it is not retried.
"""

# backend options that never change an answer (left out of cache keys)
_NOT_THE_ANSWER = (
    "token_budget",
    "max_wait_ms",
    "api_key",
    "timeout_s",
    "max_retries",
    "backoff_s",
    "concurrency",
)


class JudgeOptions(BackendChoice):
    """Which model judges, how it samples, how it retries, and where answers are cached."""

    model: str = Field("smollm2", description="judge model: alias, local folder, hub id or served name")
    max_tokens: int = Field(512, ge=1, description="new tokens per judge answer")
    temperature: float = Field(0.0, ge=0, description="0: greedy")
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int = Field(0, description="seed of draw 0; draw d uses seed + d")
    retries: int = Field(2, ge=0, le=10, description="extra draws for an answer that cannot be read")
    retry_temperature: float = Field(
        0.7, gt=0, description="sampling temperature of the retries when `temperature` is 0"
    )
    logprobs: bool = Field(
        True,
        description="use the judge's probabilities over the labels when the backend returns top logprobs",
    )
    top_logprobs: int = Field(20, ge=1, le=20, description="alternatives read at the verdict token")
    cache: bool | str = Field(
        True, description="the judge cache: true (the user cache dir), false (off), or a SQLite file path"
    )


@dataclass
class JudgeCall:
    """One question to the judge: the messages, and how to read the answer (``parse(text, echo)``
    returns a :class:`Parsed` or a list of them; ``echo`` is the rendered user message)."""

    messages: list[Message]
    parse: Callable[[str, str], Parsed | list[Parsed]]
    template_hash: str | None = None  # the template's hash for the cache key (default: the engine's)


@dataclass
class JudgeAnswer:
    """The judge's answer to one call: what was parsed, from which draw, and every attempt."""

    parsed: Parsed | list[Parsed] | None
    text: str = ""
    generation: dict[str, Any] = field(default_factory=dict)
    draw: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    cached: bool = False
    error: str = ""  # the backend failed (not retried)

    @property
    def ok(self) -> bool:
        return not self.error and _readable(self.parsed)

    @property
    def reason(self) -> str:
        if self.error:
            return self.error
        if isinstance(self.parsed, list):
            bad = [p for p in self.parsed if not p.ok]
            return "; ".join(p.reason for p in bad[:3]) if bad else ""
        return self.parsed.reason if self.parsed is not None else "no answer"

    def details(self) -> dict[str, Any]:
        """What a Score keeps about the call: the raw answer, the draw, and the refused attempts."""
        out: dict[str, Any] = {"judge_output": self.text, "draw": self.draw, "cached": self.cached}
        if len(self.attempts) > 1 or not self.ok:
            out["attempts"] = self.attempts
        return out


def _readable(parsed: Parsed | list[Parsed] | None) -> bool:
    if parsed is None:
        return False
    if isinstance(parsed, list):
        return bool(parsed) and all(p.ok for p in parsed)
    return parsed.ok


class JudgeEngine:
    """Runs judge calls for one judge (``options``; ``template_hash`` keys its cache entries)."""

    def __init__(self, options: JudgeOptions, template_hash: str, owner: str = "judge") -> None:
        self.options, self.template_hash, self.owner = options, template_hash, owner
        check_backend_options(owner, options.model, options.backend, dict(options.backend_options))
        self.backend_calls = 0  # generate/loglikelihood requests sent to the backend (not the cache)
        self._cache: JudgeCache | None = None
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        # what the backend is, as far as answers go: its validated config (defaults and environment
        # included, e.g. an OpenAI base_url from $OPENAI_BASE_URL), less the options that never change them
        config = backend_config(options.backend, model=options.model, **options.backend_options)
        identity = {
            k: v for k, v in sorted(config.model_dump(mode="json").items()) if k not in _NOT_THE_ANSWER
        }
        self._backend_id = f"{options.backend}:{json.dumps(identity, sort_keys=True, default=str)}"

    # -- resources ---------------------------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        with self._lock:
            if self._backend is None or self._backend.closed:
                self._backend = get_backend(
                    self.options.backend, model=self.options.model, **self.options.backend_options
                )
            return self._backend

    @property
    def cache(self) -> JudgeCache | None:
        setting = self.options.cache
        if setting is False:
            return None
        with self._lock:
            if self._cache is None:
                self._cache = JudgeCache(None if setting is True else setting)
            return self._cache

    def params(self, draw: int, max_tokens: int | None = None) -> GenerationParams:
        o = self.options
        temperature = o.temperature if (draw == 0 or o.temperature > 0) else o.retry_temperature
        return GenerationParams(
            max_tokens=max_tokens or o.max_tokens,
            temperature=temperature,
            top_p=o.top_p,
            seed=o.seed + draw,
            logprobs=o.logprobs,
            top_logprobs=o.top_logprobs if o.logprobs else 0,
        )

    def _key(self, call: JudgeCall, params: GenerationParams, draw: int) -> str:
        return cache_key(
            model=self.options.model,
            backend=self._backend_id,
            template=call.template_hash or self.template_hash,
            rendered=call.messages,
            params=params.model_dump(mode="json"),
            draw=draw,
        )

    # -- generation with retries -----------------------------------------------------------------------

    def run(self, calls: Sequence[JudgeCall], first_draw: int = 0) -> list[JudgeAnswer]:
        """Every call answered (order in == order out); see :data:`RETRY_RULE`. ``first_draw`` > 0 starts
        at a later draw (a caller re-asking with new messages, e.g. the rubric writer)."""
        rounds = self._rounds(calls, first_draw)
        step = next(rounds)
        while isinstance(step, tuple):
            requests, params = step
            try:
                step = rounds.send(self.backend.generate(requests, params))
            except StopIteration as done:
                return done.value
            except Exception as exc:  # the backend failed: the rounds turn it into error answers
                step = _throw(rounds, exc)
        return step

    async def arun(self, calls: Sequence[JudgeCall], first_draw: int = 0) -> list[JudgeAnswer]:
        """:meth:`run` without blocking an event loop (the backend's async path)."""
        rounds = self._rounds(calls, first_draw)
        step = next(rounds)
        while isinstance(step, tuple):
            requests, params = step
            try:
                step = rounds.send(await self.backend.agenerate(requests, params))
            except StopIteration as done:
                return done.value
            except Exception as exc:
                step = _throw(rounds, exc)
        return step

    def _rounds(self, calls: Sequence[JudgeCall], first_draw: int) -> Any:
        """The retry loop shared by :meth:`run` and :meth:`arun`, as a generator: it yields
        ``(requests, params)`` for the backend, is sent the results, and returns (or, once done, yields)
        the answers. A backend exception thrown into it fails the pending calls."""
        answers = [JudgeAnswer(None) for _ in calls]
        pending = list(range(len(calls)))
        for draw in range(first_draw, first_draw + self.options.retries + 1):
            if not pending:
                break
            params = self.params(draw)
            asked = [calls[i] for i in pending]
            found, todo = self._lookup(asked, params, draw)
            if todo:
                results: list[GenerationResult] = []
                try:
                    for batch in self._batches(todo, params):
                        results += yield ([GenerationRequest(asked[k].messages) for k in batch], params)
                        self.backend_calls += len(batch)
                except Exception as exc:
                    self._fail(answers, pending, exc)
                    yield answers
                    return answers
                self._store(found, todo, results, asked, params, draw)
            pending = self._settle(calls, answers, pending, found, draw)
        yield answers
        return answers

    @staticmethod
    def _batches(todo: list[int], params: GenerationParams) -> list[list[int]]:
        """Greedy calls go in one batch. Sampled calls go one per backend call: a local backend seeds once
        per batch, so a sampled answer would otherwise depend on what else was in its batch, and a retry
        (or a cache entry) would not be reproducible."""
        return [todo] if params.temperature == 0 else [[k] for k in todo]

    def _lookup(
        self, calls: list[JudgeCall], params: GenerationParams, draw: int
    ) -> tuple[list[dict[str, Any] | None], list[int]]:
        """Cached generations for these calls (None where missing) and the indexes still to run."""
        keys = [self._key(c, params, draw) for c in calls]
        cache = self.cache
        hits = cache.get_many(keys) if cache is not None else {}
        found: list[dict[str, Any] | None] = [hits.get(k) for k in keys]
        for k, value in enumerate(found):
            if value is not None:
                found[k] = {**value, "cached": True}
        return found, [k for k, value in enumerate(found) if value is None]

    def _store(
        self,
        found: list[dict[str, Any] | None],
        todo: list[int],
        results: list[GenerationResult],
        calls: list[JudgeCall],
        params: GenerationParams,
        draw: int,
    ) -> None:
        items = []
        for k, result in zip(todo, results, strict=True):
            value = {
                "text": result.text,
                "finish_reason": result.finish_reason,
                "tokens": result.tokens,
                "token_logprobs": result.token_logprobs,
                "top_logprobs": getattr(result, "top_logprobs", None),
            }
            found[k] = {**value, "cached": False}
            items.append((self._key(calls[k], params, draw), value))
        if self.cache is not None and items:
            self.cache.put_many(items, model=self.options.model)

    def _settle(
        self,
        calls: Sequence[JudgeCall],
        answers: list[JudgeAnswer],
        pending: list[int],
        found: list[dict[str, Any] | None],
        draw: int,
    ) -> list[int]:
        """Parse this draw's answers; return the calls that must be asked again."""
        again = []
        for k, i in enumerate(pending):
            generation = found[k] or {}
            text = generation.get("text") or ""
            echo = next((m.get("content", "") for m in calls[i].messages if m.get("role") == "user"), "")
            try:
                parsed = calls[i].parse(text, echo)
            except Exception as exc:  # a parser bug is this call's failure, never the batch's
                parsed = Parsed(False, reason=f"the parser failed: {type(exc).__name__}: {exc}")
            answer = answers[i]
            answer.parsed, answer.text, answer.generation, answer.draw = parsed, text, generation, draw
            answer.cached = bool(generation.get("cached"))
            attempt = {"draw": draw, "text": text, "cached": answer.cached}
            if not _readable(parsed):
                attempt["refused"] = answer.reason
                again.append(i)
            answer.attempts.append(attempt)
        return again

    def _fail(self, answers: list[JudgeAnswer], pending: list[int], exc: Exception) -> None:
        reason = f"{self.owner}: the {self.options.backend} backend failed: {type(exc).__name__}: {exc}"
        for i in pending:
            answers[i].error = reason

    # -- scoring-style calls (no generation) -----------------------------------------------------------

    def loglikelihoods(
        self, pairs: Sequence[tuple[str, str]], template_hash: str | None = None
    ) -> list[float]:
        """Summed log-probabilities of each (context, continuation), cached like generations (requests
        with one context share its computation on local backends)."""
        keys = [
            cache_key(
                model=self.options.model,
                backend=self._backend_id,
                template=template_hash or self.template_hash,
                rendered=[context, continuation],
                params={"op": "loglikelihood"},
                draw=0,
            )
            for context, continuation in pairs
        ]
        cache = self.cache
        hits = cache.get_many(keys) if cache is not None else {}
        todo = [k for k, key in enumerate(keys) if key not in hits]
        values: dict[int, float] = {k: hits[key]["sum"] for k, key in enumerate(keys) if key in hits}
        if todo:
            results = self.backend.loglikelihood([LoglikelihoodRequest(*pairs[k]) for k in todo])
            self.backend_calls += len(todo)
            items = []
            for k, result in zip(todo, results, strict=True):
                values[k] = result.sum
                items.append((keys[k], {"sum": result.sum, "count": result.count}))
            if cache is not None:
                cache.put_many(items, model=self.options.model)
        return [values[k] for k in range(len(pairs))]

    def render(self, messages: list[Message]) -> str:
        """The messages in the judge model's chat template, ready for the assistant's answer."""
        return self.backend.render_chat(messages, add_generation_prompt=True)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def _throw(rounds: Any, exc: Exception) -> Any:
    """Throw a backend failure into the rounds generator; what it yields next (the answers)."""
    try:
        return rounds.throw(exc)
    except StopIteration as done:
        return done.value


# ------------------------------------------------------------------------------------------ logprobs


def label_distribution(
    generation: dict[str, Any], parsed: Parsed, labels: Sequence[str]
) -> tuple[dict[str, float] | None, dict[str, Any]]:
    """The judge's probabilities over ``labels`` at the token where it wrote its verdict.

    Reads ``generation["top_logprobs"]`` at the token that holds the start of ``parsed.span``; a label's
    mass is the sum over the alternatives whose text, stripped and case-folded, is the label. Returns the
    distribution normalised over the labels (None when it cannot be read) and what was seen: ``coverage``
    (the labels' share of the whole distribution, before normalising) or ``unavailable`` (why not).
    """
    tops = generation.get("top_logprobs")
    tokens = generation.get("tokens")
    if not tops or not tokens:
        return None, {"unavailable": "the backend returned no top logprobs for this answer"}
    if parsed.span is None or parsed.label is None:
        return None, {
            "unavailable": f"the verdict ({parsed.how or 'parsed'}) has no label position in the text"
        }
    folded_labels = [lab.strip().casefold() for lab in labels]
    clash = next(((a, b) for a in folded_labels for b in folded_labels if a != b and b.startswith(a)), None)
    if clash is not None:  # "1" and "10": one token cannot tell them apart on a digit-by-digit tokenizer
        return None, {
            "unavailable": f"the labels {clash[0]!r} and {clash[1]!r} share their first characters, so one "
            "token's probabilities cannot weigh them"
        }
    index = _token_at(tokens, generation.get("text") or "", parsed.span[0])
    if index is None or index >= len(tops) or not tops[index]:
        return None, {"unavailable": "the verdict's token was not found in the returned tokens"}
    token = tokens[index].strip().casefold()
    label = parsed.label.strip().casefold()
    if token != label:
        if label.startswith(token) and token:
            return None, {
                "unavailable": f"the label {parsed.label!r} spans several tokens ({tokens[index]!r} ...)"
            }
        return None, {
            "unavailable": f"the verdict's token {tokens[index]!r} is not the label {parsed.label!r}"
        }
    folded = {lab.strip().casefold(): lab for lab in labels}
    mass: dict[str, float] = {lab: 0.0 for lab in labels}
    for text, logprob in tops[index].items():
        lab = folded.get(str(text).strip().casefold())
        if lab is not None and logprob is not None and math.isfinite(logprob):
            mass[lab] += math.exp(logprob)
    total = math.fsum(mass.values())
    if total <= 0:
        return None, {"unavailable": "no label among the verdict token's top alternatives"}
    return {lab: m / total for lab, m in mass.items()}, {"coverage": total, "token_index": index}


def _token_at(tokens: Sequence[str], text: str, offset: int) -> int | None:
    """The index of the token that covers character ``offset`` of ``text`` (the decoded tokens must spell
    the text up to there)."""
    position = 0
    for i, token in enumerate(tokens):
        end = position + len(token)
        if end > offset:
            return i if text[position:end] == token or text.startswith(token.strip(), offset) else None
        position = end
    return None


def expectation(distribution: dict[str, float], values: dict[str, float]) -> tuple[float, float]:
    """The expected value and standard deviation of a label distribution."""
    mean = math.fsum(p * values[lab] for lab, p in distribution.items())
    var = math.fsum(p * (values[lab] - mean) ** 2 for lab, p in distribution.items())
    return mean, math.sqrt(max(var, 0.0))


__all__ = [
    "RETRY_RULE",
    "JudgeAnswer",
    "JudgeCall",
    "JudgeEngine",
    "JudgeOptions",
    "expectation",
    "label_distribution",
]
