"""The openai backend: any OpenAI-compatible server (vLLM serve, SGLang, hosted APIs) over HTTP.

- ``generate``: ``/v1/completions`` for text prompts, ``/v1/chat/completions`` for chat messages (the
  server applies its chat template). ``top_logprobs=k`` asks for ``logprobs: k`` (completions) or
  ``logprobs: true, top_logprobs: k`` (chat); a server that returns none gives ``top_logprobs=None``. With ``tokenizer=`` set (an alias, folder or hub id of the served
  model's tokenizer) every prompt is tokenised here and sent as token ids, so the server sees exactly the
  ids the local backends would (same BOS rule, same chat template).
- ``loglikelihood``: ``/v1/completions`` with ``echo=true, logprobs=1, max_tokens=1``: the server scores
  the whole prompt and the continuation's tokens are read from the echoed logprobs. With a local
  tokenizer the prompt goes as token ids (split by :class:`PairEncoder`, exact); without one it goes as
  text and the split is at the first token that holds a character of the continuation (``text_offset``).
  Chat-only APIs cannot do this; the error says so.
- ``classify``: vLLM serve's ``/classify`` (a server started on a sequence-classification model), raw
  logits (``use_activation=false``).

Every HTTP call runs on one ``httpx.AsyncClient`` driven by one event loop on one thread that the backend
owns (``rewardkit-openai``), never a thread per request: ``agenerate`` / ``aloglikelihood`` / ``aclassify``
hand their batch to that loop and await it without blocking the caller's loop; the sync methods hand it
over and wait. An ``asyncio.Semaphore`` keeps at most ``concurrency`` requests in flight (all callers
together). Connection errors, timeouts, 429 and 5xx are retried with exponential backoff (honouring
``Retry-After``, capped at ``max_backoff_s``); any other 4xx fails at once with the server's own message.
A caller that is cancelled (or interrupted) cancels its requests; :meth:`OpenAIBackend.close` fails the
requests still in flight with a BackendError.

Per-position classification (a :class:`ClassifyRequest` with ``positions`` or ``label_tokens``) is refused:
an OpenAI-compatible server returns one row of logits per text.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email.utils
import os
import random
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import Field

from rewardkit.engine.backends.base import (
    Backend,
    BackendConfig,
    BackendError,
    ClassifyRequest,
    ClassifyResult,
    GenerationParams,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    merge_top_logprobs,
)
from rewardkit.engine.backends.tokens import EncodedPair
from rewardkit.errors import MissingExtraError
from rewardkit.types import Message

T = TypeVar("T")
R = TypeVar("R")

RESOLVER_THREADS = 2  # the loop's executor: host name lookups only (an IP address needs none)
SCORING_HINT = (
    "loglikelihood scoring needs a /v1/completions endpoint that accepts echo=true with logprobs "
    "(vLLM serve, SGLang); chat-only APIs cannot score text"
)
PER_POSITION_HINT = (
    "the openai backend cannot classify per position: an OpenAI-compatible server's /classify returns "
    "one row of logits per text, not the logits at chosen token positions; use the transformers or vllm "
    "backend for per-position classification (e.g. process reward models)"
)


class HTTPStatusError(BackendError):
    """The server answered a 4xx (other than 429) or kept answering 429/5xx; ``status`` is the code."""

    def __init__(self, message: str, status: int, server_message: str) -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message


class OpenAIConfig(BackendConfig):
    base_url: str = Field(
        default_factory=lambda: os.environ.get("OPENAI_BASE_URL", ""),
        description="the server's OpenAI API root, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL)",
    )
    api_key: str = Field(
        default_factory=lambda: os.environ.get("OPENAI_API_KEY", ""),
        repr=False,
        description="bearer token (default: $OPENAI_API_KEY; empty for a local server)",
    )
    served_model: str | None = Field(None, description="model name sent to the server (default: model)")
    tokenizer: str | None = Field(
        None,
        description="local tokenizer of the served model (alias, folder or hub id): enables render_chat, "
        "count_tokens and exact token-id prompts",
    )
    timeout_s: float = Field(300.0, gt=0, description="seconds per HTTP request")
    max_retries: int = Field(4, ge=0, description="retries after connection errors, timeouts, 429, 5xx")
    backoff_s: float = Field(0.5, ge=0, description="first retry delay; doubles per retry (with jitter)")
    max_backoff_s: float = Field(30.0, ge=0, description="longest wait between retries (Retry-After too)")
    concurrency: int = Field(16, ge=1, description="HTTP requests in flight at most (all callers together)")


class OpenAIBackend(Backend):
    kind = "openai"
    Config = OpenAIConfig
    config: OpenAIConfig

    def __init__(self, config: OpenAIConfig) -> None:
        super().__init__(config)
        import httpx

        self._httpx = httpx
        url = config.base_url.strip().rstrip("/")
        if not url:
            raise BackendError(
                "the openai backend needs a server: set base_url (e.g. http://127.0.0.1:8000/v1) "
                "or the OPENAI_BASE_URL environment variable"
            )
        if not url.startswith(("http://", "https://")):
            raise BackendError(f"base_url must start with http:// or https://, got {config.base_url!r}")
        if httpx.URL(url).path in ("", "/"):
            url += "/v1"
        self.base_url = url
        self.root_url = url[: -len("/v1")] if url.endswith("/v1") else url
        self.served_model = config.served_model or config.model
        self.tokenizer: Any = None
        self.encoder: Any = None
        if config.tokenizer:
            self._load_tokenizer(config.tokenizer)
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self.client = httpx.AsyncClient(
            headers=headers,
            timeout=config.timeout_s,
            limits=httpx.Limits(
                max_connections=config.concurrency, max_keepalive_connections=config.concurrency
            ),
        )
        self._closed = False
        self._lock = threading.Lock()  # guards _closed against handing work to a stopping loop
        # written on the loop only; read by stats()
        self._http = {"requests": 0, "retries": 0, "failures": 0, "in_flight": 0, "waiting": 0}
        self._max_in_flight = 0
        self._slots = asyncio.Semaphore(config.concurrency)
        self._loop = asyncio.new_event_loop()
        self._loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(RESOLVER_THREADS, thread_name_prefix="rewardkit-openai-dns")
        )
        self._thread = threading.Thread(
            target=_run_loop, args=(self._loop,), name="rewardkit-openai", daemon=True
        )
        self._thread.start()
        weakref.finalize(self, _stop_loop, self._loop)  # a backend dropped without close(): stop its thread

    def _load_tokenizer(self, name: str) -> None:
        try:
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise MissingExtraError("the openai backend's tokenizer= option", "models", exc.name) from None

        from rewardkit.engine.backends.tokens import PairEncoder
        from rewardkit.engine.models import resolve_model

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(resolve_model(name))
        except (OSError, ValueError) as exc:
            raise BackendError(f"cannot load tokenizer {name!r}: {exc}") from exc
        window = self.config.max_length or min(int(self.tokenizer.model_max_length), 1 << 20)
        self.encoder = PairEncoder(self.tokenizer, max(window - 1, 2))  # room for the one sampled token

    # -- public -------------------------------------------------------------------------------------

    def render_chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        self._need_tokenizer("render_chat")
        try:
            return self.encoder.render_chat(messages, add_generation_prompt, str(self.config.tokenizer))
        except ValueError as exc:
            raise BackendError(str(exc)) from None

    def count_tokens(self, text: str) -> int:
        self._need_tokenizer("count_tokens")
        return len(self.encoder.ids(text))

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        return self._wait(self._loglikelihood_batch(requests))

    async def aloglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        return await self._await(self._loglikelihood_batch(requests))

    def generate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        return self._wait(self._generate_batch(requests, params))

    async def agenerate(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None
    ) -> list[GenerationResult]:
        return await self._await(self._generate_batch(requests, params))

    def classify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        return self._wait(self._classify_batch(requests))

    async def aclassify(self, requests: Sequence[ClassifyRequest]) -> list[ClassifyResult]:
        return await self._await(self._classify_batch(requests))

    def stats(self) -> dict[str, Any]:
        """``kind``, ``model`` and ``http``: ``requests`` sent (retries included), ``retries``, ``failures``
        (requests that failed for good), ``in_flight`` (holding one of the ``concurrency`` slots: sent,
        or backing off before a retry), ``waiting`` (for a slot), ``max_in_flight`` (the peak)."""
        http = {**self._http, "max_in_flight": self._max_in_flight, "concurrency": self.config.concurrency}
        return {**super().stats(), "http": http}

    def close(self) -> None:
        """Fail the requests still in flight (BackendError), close the connections, stop the loop."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if threading.current_thread() is self._thread:  # from a callback on our own loop: cannot wait
            self._loop.call_soon(self._loop.stop)
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=60)
        finally:
            _stop_loop(self._loop)
            self._thread.join(timeout=60)

    # -- one batch each: built in the caller's thread (a fast tokenizer is not safe to share between
    # threads), run on the backend's loop

    def _loglikelihood_batch(self, requests: Sequence[LoglikelihoodRequest]) -> Awaitable[list[Any]]:
        jobs = [
            (
                r,
                None
                if self.encoder is None
                else self.encoder.encode(r.context, r.continuation, r.max_tokens),
            )
            for r in requests
        ]
        return self._gather(lambda job: self._score_one(*job), jobs)

    def _generate_batch(
        self, requests: Sequence[GenerationRequest], params: GenerationParams | None
    ) -> Awaitable[list[Any]]:
        params = params or GenerationParams()
        prompts: list[Any] = []
        for r in requests:  # token ids when there is a local tokenizer; else text, or messages for chat
            if self.tokenizer is None:
                prompts.append(r.prompt if isinstance(r.prompt, str) else list(r.prompt))
            else:
                text = r.prompt if isinstance(r.prompt, str) else self.render_chat(list(r.prompt))
                prompts.append(
                    list(self.encoder.prompt(text, max(self.encoder.max_length - params.max_tokens, 1)))
                )
        return self._gather(lambda p: self._generate_one(p, params), prompts)

    def _classify_batch(self, requests: Sequence[ClassifyRequest]) -> Awaitable[list[Any]]:
        for i, r in enumerate(requests):
            if r.positions or r.label_tokens:
                what = f"positions={r.positions}" if r.positions else f"label_tokens={r.label_tokens}"
                raise BackendError(f"classify request {i} asks for {what}: {PER_POSITION_HINT}")
        return self._gather(self._classify_one, list(requests))

    # -- one request each (coroutines on the backend's loop) ---------------------------------------

    async def _score_one(self, req: LoglikelihoodRequest, pair: EncodedPair | None) -> LoglikelihoodResult:
        if pair is not None:
            prompt: Any = list(pair.context + pair.continuation)
            truncated = pair.truncated
        else:
            prompt = req.context + req.continuation
            truncated = False
        payload = {
            "model": self.served_model,
            "prompt": prompt,
            "echo": True,
            "logprobs": 1,
            "max_tokens": 1,
            "temperature": 0.0,
        }
        try:
            body = await self._post("/completions", payload)
        except HTTPStatusError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise BackendError(f"{exc} ({SCORING_HINT})") from None
            raise
        choice = _first_choice(body, self.base_url + "/completions")
        lp = choice.get("logprobs") or {}
        token_logprobs = lp.get("token_logprobs")
        tokens = lp.get("tokens")
        if not token_logprobs or not tokens:
            raise BackendError(
                f"{self.base_url}/completions returned no echoed prompt logprobs ({SCORING_HINT})"
            )
        top = lp.get("top_logprobs") or [None] * len(tokens)
        if pair is not None:
            start, end = len(pair.context), len(prompt)
        else:
            n_prompt = (body.get("usage") or {}).get("prompt_tokens") or len(tokens) - 1
            offsets = lp.get("text_offset")
            if not offsets:
                raise BackendError(
                    f"{self.base_url}/completions returned no text_offset to split context from continuation; "
                    "set tokenizer= (the served model's tokenizer) to send token ids instead"
                )
            echoed = "".join(tokens[:n_prompt])
            if echoed != prompt and echoed.endswith(prompt):  # the server echoed a BOS it added itself
                shift = len(echoed) - len(prompt)
                offsets = [o - shift for o in offsets]
            start, end = _continuation_span(offsets[:n_prompt], len(req.context), len(prompt))
            if req.max_tokens is not None and end - start > req.max_tokens:
                end, truncated = start + req.max_tokens, True
        logps, greedy = [], True
        for k in range(start, end):
            value = token_logprobs[k]
            if value is None:
                raise BackendError(
                    "the server gave no logprob for the continuation's first token (an empty context with a "
                    "tokenizer that adds no BOS); give a context, or set tokenizer= to send token ids"
                )
            logps.append(float(value))
            best = top[k] if k < len(top) else None
            if not best:
                greedy = None
            elif greedy is not None:
                greedy = greedy and float(value) >= max(best.values()) - 1e-6
        return LoglikelihoodResult(
            token_logprobs=logps, tokens=list(tokens[start:end]), truncated=truncated, greedy=greedy
        )

    async def _generate_one(
        self, prompt: str | list[int] | list[Message], params: GenerationParams
    ) -> GenerationResult:
        """prompt: text or token ids (-> /completions) or chat messages (-> /chat/completions)."""
        common: dict[str, Any] = {
            "model": self.served_model,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            common["stop"] = list(params.stop)
        if params.seed is not None:
            common["seed"] = params.seed
        k = params.top_logprobs
        if isinstance(prompt, str) or (prompt and isinstance(prompt[0], int)):
            payload = {**common, "prompt": prompt}
            if params.logprobs:
                payload["logprobs"] = k or 1  # the legacy API: top-k alternatives, the chosen one always
            body = await self._post("/completions", payload)
            choice = _first_choice(body, self.base_url + "/completions")
            lp = choice.get("logprobs") or {}
            tokens = list(lp.get("tokens") or [])
            return _logprob_result(
                GenerationResult(
                    text=choice.get("text") or "",
                    finish_reason=_finish(choice.get("finish_reason")),
                    token_logprobs=[float(x) for x in lp.get("token_logprobs") or []]
                    if params.logprobs
                    else None,
                    tokens=tokens if params.logprobs else None,
                    top_logprobs=_top_logprobs(
                        lp, [(d or {}).items() for d in lp.get("top_logprobs") or []], len(tokens), k
                    ),
                )
            )
        payload = {**common, "messages": prompt}
        if params.logprobs:
            payload["logprobs"] = True
        if k:
            payload["top_logprobs"] = k
        body = await self._post("/chat/completions", payload)
        choice = _first_choice(body, self.base_url + "/chat/completions")
        content = (choice.get("logprobs") or {}).get("content") or []
        return _logprob_result(
            GenerationResult(
                text=(choice.get("message") or {}).get("content") or "",
                finish_reason=_finish(choice.get("finish_reason")),
                token_logprobs=[float(c["logprob"]) for c in content] if params.logprobs else None,
                tokens=[c["token"] for c in content] if params.logprobs else None,
                top_logprobs=_top_logprobs(
                    choice.get("logprobs"),
                    [[(t["token"], t["logprob"]) for t in c.get("top_logprobs") or ()] for c in content],
                    len(content),
                    k,
                ),
            )
        )

    async def _classify_one(self, req: ClassifyRequest) -> ClassifyResult:
        payload = {"model": self.served_model, "input": req.text, "use_activation": False}
        try:
            body = await self._post("/classify", payload, root=True)
        except HTTPStatusError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise BackendError(
                    f"{exc} (classification needs vLLM serve's /classify endpoint on a server started "
                    "with a sequence-classification model)"
                ) from None
            raise
        try:
            return ClassifyResult([float(x) for x in body["data"][0]["probs"]])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise BackendError(
                f"{self.root_url}/classify answered an unexpected body: {str(body)[:300]}"
            ) from exc

    # -- plumbing -----------------------------------------------------------------------------------

    def _need_tokenizer(self, what: str) -> Any:
        if self.tokenizer is None:
            raise BackendError(
                f"{what} needs a local tokenizer: set tokenizer= (the served model's alias, folder or hub id)"
            )
        return self.tokenizer

    def _wait(self, batch: Awaitable[list[R]]) -> list[R]:
        """Run a batch on the backend's loop and block until it is done (the sync methods)."""
        future = self._submit(batch)
        try:
            return future.result()
        except BaseException:  # KeyboardInterrupt: stop its requests
            future.cancel()
            raise

    async def _await(self, batch: Awaitable[list[R]]) -> list[R]:
        """Run a batch on the backend's loop; the caller's loop runs on meanwhile (the async methods)."""
        return await asyncio.wrap_future(self._submit(batch))

    def _submit(self, batch: Awaitable[list[R]]) -> concurrent.futures.Future[list[R]]:
        with self._lock:
            if self._closed or threading.current_thread() is self._thread:
                batch.close()  # type: ignore[attr-defined]  # a coroutine never started: no warning
                if self._closed:
                    raise BackendError("this openai backend is closed")
                raise BackendError("an openai backend cannot be called from its own event loop")
            return asyncio.run_coroutine_threadsafe(batch, self._loop)  # type: ignore[arg-type]

    async def _gather(self, fn: Callable[[T], Coroutine[Any, Any, R]], items: Sequence[T]) -> list[R]:
        """fn over items at once (the semaphore bounds the requests in flight), results in order; the
        first failure cancels the rest."""
        tasks = [asyncio.ensure_future(fn(item)) for item in items]
        try:
            return list(await asyncio.gather(*tasks))
        except asyncio.CancelledError:
            if self._closed:
                raise BackendError("this openai backend was closed while the request was in flight") from None
            raise
        finally:
            for task in tasks:
                task.cancel()  # no-op for the finished ones

    async def _shutdown(self) -> None:
        here = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not here]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()

    async def _post(self, path: str, payload: dict[str, Any], root: bool = False) -> dict[str, Any]:
        """POST under one of the ``concurrency`` slots (held through the retries, as a worker would)."""
        url = (self.root_url if root else self.base_url) + path
        counts = self._http
        counts["waiting"] += 1
        try:
            await self._slots.acquire()
        finally:
            counts["waiting"] -= 1
        counts["in_flight"] += 1
        self._max_in_flight = max(self._max_in_flight, counts["in_flight"])
        try:
            return await self._post_with_retries(url, payload)
        except Exception:
            counts["failures"] += 1
            raise
        finally:
            counts["in_flight"] -= 1
            self._slots.release()

    async def _post_with_retries(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        httpx = self._httpx
        cfg = self.config
        last = ""
        for attempt in range(cfg.max_retries + 1):
            wait = min(cfg.max_backoff_s, cfg.backoff_s * 2**attempt) * random.uniform(0.5, 1.0)
            self._http["requests"] += 1
            self._http["retries"] += attempt > 0
            try:
                resp = await self.client.post(url, json=payload)
            except httpx.TimeoutException as exc:
                last = f"timed out after {cfg.timeout_s:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 400:
                    try:
                        return resp.json()
                    except ValueError:
                        raise BackendError(f"{url} answered non-JSON: {resp.text[:300]!r}") from None
                message = _server_message(resp)
                status = resp.status_code
                if status != 429 and status < 500:
                    raise HTTPStatusError(f"{url} answered HTTP {status}: {message}", status, message)
                last = f"HTTP {status}: {message}"
                after = _retry_after(resp.headers.get("retry-after"))
                if after is not None:
                    wait = min(after, cfg.max_backoff_s)
                if attempt == cfg.max_retries:
                    raise HTTPStatusError(
                        f"{url} failed after {attempt + 1} attempts; last: {last}", status, message
                    )
            if attempt < cfg.max_retries:
                await asyncio.sleep(wait)
        raise BackendError(f"{url} failed after {cfg.max_retries + 1} attempts; last: {last}")


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The backend's loop thread (holds no reference to the backend, so a dropped one can be collected)."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()  # also shuts the resolver threads down


def _stop_loop(loop: asyncio.AbstractEventLoop) -> None:
    with contextlib.suppress(RuntimeError):  # closed already
        loop.call_soon_threadsafe(loop.stop)


def _continuation_span(offsets: Sequence[int], context_chars: int, prompt_chars: int) -> tuple[int, int]:
    """Token indices [start, end) of the continuation: from the first token that ends past the context
    (a token straddling the boundary belongs to the continuation) to the end of the prompt."""
    n = len(offsets)
    ends = [*offsets[1:], prompt_chars]
    start = next((i for i in range(n) if ends[i] > context_chars), n)
    return start, n


def _logprob_result(result: GenerationResult) -> GenerationResult:
    """Drop a last token the text does not show (vLLM serve lists the end-of-sequence token, e.g.
    ``<|im_end|>``, that ended a chat turn), so that ``tokens``, ``token_logprobs`` and ``top_logprobs``
    describe the returned text, as the local backends' do."""
    tokens = result.tokens
    if tokens and "".join(tokens) != result.text and "".join(tokens[:-1]) == result.text:
        result.tokens = tokens[:-1]
        if result.token_logprobs is not None and len(result.token_logprobs) == len(tokens):
            result.token_logprobs = result.token_logprobs[:-1]
        if result.top_logprobs is not None:
            result.top_logprobs = result.top_logprobs[:-1]
    return result


def _top_logprobs(
    logprobs: Any, positions: Sequence[Any], n_tokens: int, k: int
) -> list[dict[str, float]] | None:
    """The server's top logprobs, one (text, logprob) list per generated token -> one {text: logprob} of
    at most k per token (vLLM serve also lists the chosen token when it ranks below k: dropped; the same
    text twice merged, logsumexp). None when not asked for, or when the server did not return them for
    every token (some hosted APIs ignore the option): never filled in. ``logprobs``: the choice's
    ``logprobs`` object (absent: the server returned none)."""
    if not k or not logprobs or len(positions) != n_tokens:
        return None
    tops = [merge_top_logprobs(((str(t), float(v)) for t, v in pairs), k) for pairs in positions]
    return tops if all(tops) else None


def _first_choice(body: dict[str, Any], url: str) -> dict[str, Any]:
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices:
        raise BackendError(f"{url} answered without choices: {str(body)[:300]}")
    return choices[0]


def _finish(reason: str | None) -> str:
    return "length" if reason == "length" else "stop"


def _server_message(resp: Any) -> str:
    """The error text an OpenAI-style server put in its body ({"error": {"message": ...}} and friends)."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:500] or resp.reason_phrase
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            for key in ("message", "detail", "msg"):
                if err.get(key):
                    return str(err[key])
        elif isinstance(err, str):
            return err
        if body.get("detail"):
            return str(body["detail"])
    return str(body)[:500]


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


__all__ = ["HTTPStatusError", "OpenAIBackend", "OpenAIConfig"]
