"""The one inference interface every model verifier talks to.

A backend answers three kinds of requests, always as lists (order in == order out):

- ``loglikelihood(requests)``: per-token log-probabilities of a continuation given a context;
- ``generate(requests, params)``: sampled or greedy text (+ token logprobs when asked);
- ``classify(requests)``: the logits of a classification head (reward models): one row for the whole
  sequence, or — when a request names ``positions`` — one row per chosen position (step-level heads:
  process reward models score the token that ends each step). ``label_tokens`` reads a causal LM's own
  head at those positions, restricted to the logits of the given tokens (e.g. ``("+", "-")``).

Every method has an async twin (``aloglikelihood``, ``agenerate``, ``aclassify``) that does not block an
event loop; local backends merge concurrent callers into shared batches either way.

Text goes in, text comes out: backends tokenise with their own tokenizer, so a verifier model whose
tokenizer differs from the generator's needs nothing special. Requests are plain frozen dataclasses so
the scheduler can merge them from many callers and the server can build them from JSON.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from rewardkit.errors import BackendError
from rewardkit.types import Message

# ------------------------------------------------------------------------------------------ requests


@dataclass(frozen=True)
class LoglikelihoodRequest:
    """Score ``continuation`` after ``context``. Both are text; the context is tokenised as is (render
    chat templates first with :meth:`Backend.render_chat`), the continuation without special tokens.

    ``max_tokens`` caps the continuation (tokens beyond it are dropped and the result says so).
    Requests with the same context share its computation (a GRPO group's G responses).
    """

    context: str
    continuation: str
    max_tokens: int | None = None


@dataclass
class LoglikelihoodResult:
    token_logprobs: list[float]
    tokens: list[str] = field(default_factory=list)  # the continuation's tokens, decoded one by one
    truncated: bool = False  # the continuation was cut to max_tokens (or the context cut to fit the model)
    greedy: bool | None = None  # every continuation token was the argmax (None: backend cannot tell)

    @property
    def sum(self) -> float:
        return math.fsum(self.token_logprobs)

    @property
    def count(self) -> int:
        return len(self.token_logprobs)

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.token_logprobs else float("nan")


@dataclass(frozen=True)
class GenerationRequest:
    """Continue ``prompt`` (text, already chat-rendered; or chat messages, rendered by the backend)."""

    prompt: str | tuple[Message, ...] | list[Message]

    def __hash__(self) -> int:  # messages are dicts; hash their repr so requests can key caches
        return hash(repr(self.prompt))


class GenerationParams(BaseModel):
    """Sampling parameters (OpenAI names). ``temperature=0`` is greedy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_tokens: int = Field(256, ge=1, description="new tokens at most")
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    stop: tuple[str, ...] = Field((), description="stop strings (not included in the text)")
    seed: int | None = None
    logprobs: bool = Field(False, description="return the log-probability of each generated token")
    top_logprobs: int = Field(
        0,
        ge=0,
        le=20,
        description="when > 0, also return, for each generated token, the k most likely tokens at that "
        "position with their log-probabilities (implies logprobs)",
    )

    @model_validator(mode="before")
    @classmethod
    def _top_logprobs_imply_logprobs(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("top_logprobs"):
            return data
        try:
            k = int(data["top_logprobs"])
        except (TypeError, ValueError):
            return data  # the field's own validation says what is wrong
        if k > 0:
            if data.get("logprobs") is not None and not _said_true(data["logprobs"]):
                raise ValueError(
                    f"top_logprobs={k} needs logprobs: leave logprobs out (top_logprobs implies it) or set it true"
                )
            data = {**data, "logprobs": True}
        return data


def _said_true(value: Any) -> bool:
    """pydantic's reading of a bool field's input (an input it cannot read counts as true here: the
    field's own validation then rejects it)."""
    try:
        return TypeAdapter(bool).validate_python(value)
    except ValidationError:
        return True


@dataclass
class GenerationResult:
    """One generation. With ``logprobs``: ``tokens`` (each generated token decoded alone) and
    ``token_logprobs``. With ``top_logprobs=k``: also ``top_logprobs``, one dict per token (aligned with
    ``tokens``), decoded token text -> log-probability, for the k most likely tokens at that step under
    the model's own distribution (log-softmax of the raw logits, before temperature / top_p). Token ids
    among those k that decode to the same text are merged into one entry (logsumexp: the probability of
    that text), so a dict may hold fewer than k entries. ``None`` when not asked for, or when a remote
    server returned no top logprobs (never invented: a judge then falls back to its parsed text)."""

    text: str
    finish_reason: str = "stop"  # "stop" (EOS or a stop string) | "length"
    token_logprobs: list[float] | None = None
    tokens: list[str] | None = None
    top_logprobs: list[dict[str, float]] | None = None


def merge_top_logprobs(pairs: Iterable[tuple[str, float]], k: int | None = None) -> dict[str, float]:
    """(token text, logprob) pairs -> {text: logprob}: texts that occur more than once are merged by
    logsumexp (the probability of that text); with ``k``, only the k highest entries are kept. Ordered
    from the most likely down."""
    merged: dict[str, float] = {}
    for text, logprob in pairs:
        value = float(logprob)
        have = merged.get(text)
        if have is None:
            merged[text] = value
        else:  # log(exp(a) + exp(b)), stable
            hi, lo = max(have, value), min(have, value)
            merged[text] = hi + math.log1p(math.exp(lo - hi)) if lo > -math.inf else hi
    ranked = sorted(merged.items(), key=lambda item: -item[1])
    return dict(ranked if k is None else ranked[:k])


@dataclass(frozen=True)
class ClassifyRequest:
    """Classify ``text`` (already chat-rendered).

    Without ``positions``: the model's sequence-classification head on the whole text (``logits`` is one
    row). With ``positions`` (character offsets into ``text``, ascending): the head's logits at the token
    that ends just before each offset — e.g. the offsets right after each step separator — one row per
    position in ``position_logits``. ``label_tokens`` (with positions): read a causal LM's own head there,
    keeping only the logits of these tokens (each must be a single token of the model's vocabulary).

    The token read at offset ``p`` is the last of the leading tokens that end at or before ``p``: an
    offset inside a token reads the token before it (never one that has seen text past ``p``), the same
    cut as a loglikelihood context/continuation split. Offsets must be strictly ascending, in
    ``0..len(text)``; a positioned text is never cut to the window (its positions would move). Local
    backends load the head with ``head=``: ``classifier`` (sequence), ``token_classifier`` (per token) or
    ``causal_lm`` (label tokens); see :mod:`rewardkit.engine.backends.tokens`.
    """

    text: str
    positions: tuple[int, ...] = ()
    label_tokens: tuple[str, ...] = ()


@dataclass
class ClassifyResult:
    logits: list[float]  # the sequence head's logits (empty for a per-position request)
    position_logits: list[list[float]] | None = None  # one row per requested position


# ------------------------------------------------------------------------------------------- backend


class BackendConfig(BaseModel):
    """Options every backend understands. ``model`` is an alias (``smollm2``, ``gemma3-270m``), a local
    folder or a hub id (see :mod:`rewardkit.engine.models`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field("smollm2", description="model alias, local folder or hub id")
    dtype: str = Field("float32", description="float32 | bfloat16 | float16 | auto")
    device: str = Field("auto", description="auto (CUDA when present, else CPU) | cpu | cuda | cuda:N")
    token_budget: int = Field(4096, ge=16, description="tokens per micro-batch (padding included)")
    max_wait_ms: float = Field(
        2.0, ge=0, description="how long the scheduler waits for more callers before running a batch"
    )
    max_length: int | None = Field(None, ge=8, description="context window (default: the model's)")


class Backend:
    """Base class: subclasses set ``kind`` and implement the ``_run_*`` batch methods (each gets one
    micro-batch planned by the scheduler) or override the public methods outright."""

    kind: ClassVar[str] = ""
    Config: ClassVar[type[BackendConfig]] = BackendConfig

    def __init__(self, config: BackendConfig) -> None:
        self.config = config

    # -- public interface (all batched, order-preserving) --------------------------------------------

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        raise BackendError(f"the {self.kind} backend does not support loglikelihood scoring")

    async def aloglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """``loglikelihood`` without blocking an event loop (the scheduler still merges callers)."""
        return await asyncio.to_thread(self.loglikelihood, list(requests))

    def generate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        raise BackendError(f"the {self.kind} backend does not support generation")

    async def agenerate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        """``generate`` without blocking an event loop."""
        return await asyncio.to_thread(self.generate, list(requests), params)

    def classify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        raise BackendError(
            f"the {self.kind} backend does not support classification (sequence-classifier reward models)"
        )

    async def aclassify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        """``classify`` without blocking an event loop."""
        return await asyncio.to_thread(self.classify, list(requests))

    def stats(self) -> dict[str, Any]:
        """Public counters for monitoring (the server's /metrics): at least ``kind`` and ``model``."""
        return {"kind": self.kind, "model": getattr(self.config, "model", "")}

    # -- helpers for verifiers ----------------------------------------------------------------------

    def render_chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """The model's chat template applied to ``messages``, as text."""
        raise BackendError(f"the {self.kind} backend has no local chat template")

    def count_tokens(self, text: str) -> int:
        raise BackendError(f"the {self.kind} backend has no local tokenizer")

    @property
    def closed(self) -> bool:
        return getattr(self, "_closed", False)

    def close(self) -> None:
        """Release the model / connections / worker thread. Idempotent."""
        self._closed = True

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class LocalBackend(Backend):
    """A backend with the model's tokenizer at hand (transformers, vLLM). Subclasses set ``tokenizer``,
    ``encoder`` (a PairEncoder), ``scheduler`` and ``max_length`` in ``__init__``, implement the three
    ``_run_*`` runners (one micro-batch each) and may refine the planners (default: one batch)."""

    tokenizer: Any
    encoder: Any
    scheduler: Any
    max_length: int

    def render_chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        try:
            return self.encoder.render_chat(messages, add_generation_prompt, self.config.model)
        except ValueError as exc:
            raise BackendError(str(exc)) from None

    def count_tokens(self, text: str) -> int:
        return len(self.encoder.ids(text))

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        items = self._loglikelihood_items(requests)
        return self.scheduler.run("loglikelihood", items, self._plan_loglikelihood, self._run_loglikelihood)

    async def aloglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        items = self._loglikelihood_items(requests)
        return await self.scheduler.arun(
            "loglikelihood", items, self._plan_loglikelihood, self._run_loglikelihood
        )

    def generate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        return self.scheduler.run(*self._generate_job(requests, params))

    async def agenerate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        """Concurrent asyncio callers join the same batches as threads do (no thread per call)."""
        return await self.scheduler.arun(*self._generate_job(requests, params))

    def classify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        return self.scheduler.run(*self._classify_job(requests))

    async def aclassify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        return await self.scheduler.arun(*self._classify_job(requests))

    def stats(self) -> dict[str, Any]:
        """``kind``, ``model`` and ``scheduler``: the batch scheduler's :meth:`Scheduler.stats`."""
        return {**super().stats(), "scheduler": self.scheduler.stats()}

    def close(self) -> None:
        super().close()
        self.scheduler.close()

    # -- one scheduler job per call: (op, items, planner, runner), the same for the sync and async paths

    def _generate_job(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None
    ) -> tuple[Any, list[Any], Any, Any]:
        self._need("causal_lm", "generation")
        params = params or GenerationParams()
        room = max(self.max_length - params.max_tokens, 1)
        items = [
            self.encoder.prompt(
                r.prompt if isinstance(r.prompt, str) else self.render_chat(list(r.prompt)), room
            )
            for r in requests
        ]
        return (
            ("generate", params),
            items,
            lambda encoded: self._plan_generate(encoded, params),
            lambda batch: self._run_generate(batch, params),
        )

    def _classify_job(self, requests: Sequence[ClassifyRequest]) -> tuple[Any, list[Any], Any, Any]:
        head = getattr(self.config, "head", "causal_lm")
        items = [
            self.encoder.classify_item(self._classify_request(r, i), i, head) for i, r in enumerate(requests)
        ]
        return "classify", items, self._plan_flat, self._run_classify

    def _classify_request(self, request: ClassifyRequest, index: int) -> ClassifyRequest:
        """Check or adapt one classify request before it is encoded (a backend that cannot serve some
        kinds refuses them here); default: as it is."""
        return request

    # -- for subclasses -----------------------------------------------------------------------------

    def _loglikelihood_items(self, requests: Sequence[LoglikelihoodRequest]) -> list[Any]:
        self._need("causal_lm", "loglikelihood scoring")
        return [self.encoder.encode(r.context, r.continuation, r.max_tokens) for r in requests]

    def _need(self, head: str, what: str) -> None:
        have = getattr(self.config, "head", "causal_lm")
        if have != head:
            raise BackendError(
                f"{what} needs a backend with head={head!r}; this one was loaded with head={have!r}"
            )

    def _plan_flat(self, items: list[Any]) -> list[list[int]]:
        return [list(range(len(items)))]

    _plan_loglikelihood = _plan_flat

    def _plan_generate(self, items: list[Any], params: GenerationParams) -> list[list[int]]:
        return self._plan_flat(items)

    def _run_loglikelihood(self, items: list[Any]) -> list[LoglikelihoodResult]:
        raise NotImplementedError

    def _run_generate(self, items: list[Any], params: GenerationParams) -> list[GenerationResult]:
        raise NotImplementedError

    def _run_classify(self, items: list[Any]) -> list[ClassifyResult]:
        raise NotImplementedError


__all__ = [
    "Backend",
    "BackendConfig",
    "BackendError",
    "ClassifyRequest",
    "ClassifyResult",
    "GenerationParams",
    "GenerationRequest",
    "GenerationResult",
    "LoglikelihoodRequest",
    "LocalBackend",
    "LoglikelihoodResult",
    "merge_top_logprobs",
]
