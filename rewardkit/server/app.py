"""The scoring server: reward specs behind HTTP (FastAPI + uvicorn, one process).

    POST /v1/score     {"samples": [{"response": ..., "reference": ...}, ...], "spec": "math"}
                       -> {"spec": "math", "scores": [{"id", "value", "status", "reason", "details"}, ...]}
    POST /get_reward   OpenRLHF's remote reward model: {"query": [...], "prompts": [...], "labels": [...]}
                       -> {"rewards": [...], "scores": [...], "extra_logs": {"rewardkit_ok": [...], ...}}
                       (the same mapping and results as the reward_func file:
                       rewardkit.integrations.openrlhf.openrlhf_samples / openrlhf_result)
    GET  /v1/specs     the specs this server scores with, and the default
    GET  /healthz      liveness (never needs the API key)
    GET  /metrics      Prometheus: request latency, batch sizes, queue depth, scores by status

Scoring awaits ``verifier.ascore_batch`` in the request's own task (no task or thread of its own per
request): CPU verifiers run in the killable worker pool (per-item deadlines), model verifiers go through
their backend's scheduler thread, which merges the samples of concurrent requests into shared
micro-batches, and the rule verifiers (format, length, exact_match: bounded regexes) score on the event
loop itself, at most a few milliseconds per call before the rest moves to a thread
(:class:`rewardkit.verifiers.rules.RuleVerifier`). Otherwise the event loop parses, validates and answers.

``/v1/score`` samples are records with Sample's fields (:class:`rewardkit.io.SampleRecord`, mapped by
:func:`rewardkit.io.to_sample`); a score with step scores carries ``steps`` and ``aggregation``.

Every error response is ``{"detail": "<what is wrong and how to fix it>"}`` (422s add ``"errors"``, one
entry per bad field, worded as everywhere in rewardkit: ``samples[0].response: required key missing``): 401 missing/wrong API key, 413 body over the limit (checked before parsing, for
declared and streamed bodies), 422 malformed JSON / wrong types / unknown spec, 504 scoring past the
per-request deadline.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import sys
import threading
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rewardkit.errors import (
    ConfigError,
    InputError,
    Problem,
    RewardkitError,
    format_problems,
    json_kind,
    validation_problems,
)
from rewardkit.integrations.openrlhf import END_TOKENS, openrlhf_result, openrlhf_samples
from rewardkit.io import SampleRecord
from rewardkit.server.metrics import Metrics
from rewardkit.types import Sample, Score
from rewardkit.verifier import Verifier, checked_scores

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_REQUEST_TIMEOUT_S = 120.0
DEFAULT_THREADS = 64
OPEN_PATHS = frozenset({"/healthz"})  # everything else needs the API key when one is set
ENDPOINTS = frozenset({"/v1/score", "/get_reward", "/v1/specs", "/healthz", "/metrics"})
SCORE_EXAMPLE = '{"samples": [{"response": "... \\\\boxed{4}", "reference": "4"}], "spec": "math"}'
REWARD_EXAMPLE = '{"query": ["<prompt><response>"], "prompts": ["<prompt>"], "labels": ["4"]}'


# ----------------------------------------------------------------------------------------- requests


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    samples: list[SampleRecord]
    spec: str | None = Field(None, description="spec name (default: the server's default spec)")


class RewardRequest(BaseModel):
    """OpenRLHF's remote reward-model request. Newer OpenRLHF versions add keys (ignored)."""

    model_config = ConfigDict(extra="ignore")

    query: list[str] = Field(description="prompt + response, as the policy's tokenizer decoded them")
    prompts: list[str] | None = None
    labels: list[Any] | None = None
    metas: list[Any] | None = Field(None, description="per query: an object laid under Sample.meta")
    spec: str | None = None


# ------------------------------------------------------------------------------------------- specs


class SpecRegistry:
    """The specs a server scores with: an explicit list (loaded at start, so a bad spec fails the
    server, not a request) or, with ``specs=None``, any spec name on the asset search path (loaded on
    first use). Client requests can only name specs, never file paths."""

    def __init__(self, specs: Sequence[str] | None, default: str | None) -> None:
        from rewardkit.spec import load_spec

        self._load = load_spec
        self._lock = threading.Lock()
        self._loaded: dict[str, Verifier] = {}
        self.fixed = specs is not None
        sources = list(specs or [])
        if default is not None and default not in sources:
            sources.append(default)
        for source in sources:
            verifier = load_spec(source)
            name = verifier.config.name or Path(source).stem
            if name in self._loaded:
                raise ConfigError(f"two specs are named {name!r}; give each spec file its own `name:`")
            self._loaded[name] = verifier
            if source == default:
                default = name
        self.default = default or (next(iter(self._loaded)) if self.fixed and self._loaded else None)

    def available(self) -> list[str]:
        if self.fixed:
            return list(self._loaded)
        from rewardkit.assets import list_assets

        return sorted(set(list_assets("verifiers")) | set(self._loaded))

    def get(self, name: str | None, load: bool = True) -> tuple[str, Verifier] | None:
        """The spec's name and verifier (None if ``load`` is false and it is not loaded yet);
        HTTPException 422 for an unknown name or none at all."""
        if name is None:
            if self.default is None:
                raise _invalid(
                    "spec",
                    f'no spec given and this server has no default; add "spec": one of {self.available()}',
                )
            name = self.default
        verifier = self._loaded.get(name)
        if verifier is not None:
            return name, verifier
        if not load:
            return None
        if self.fixed or name not in self.available():
            raise _invalid("spec", f"unknown spec {name!r}; available: {', '.join(self.available())}")
        with self._lock:
            if name not in self._loaded:
                try:
                    self._loaded[name] = self._load(name)
                except RewardkitError as err:  # a bad spec file, a missing extra
                    raise HTTPException(
                        500, f"spec {name!r} cannot be loaded on this server: {err}"
                    ) from None
            return name, self._loaded[name]


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(422, {"detail": f"{field}: {message}", "errors": [{"loc": field, "msg": message}]})


# -------------------------------------------------------------------------------------- responses


def _finite(value: Any) -> Any:
    """NaN and infinities (not JSON) become null, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    try:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # a NaN somewhere in details
        body = json.dumps(_finite(payload), ensure_ascii=False, allow_nan=False, default=str)
    return Response(body, status_code, headers, media_type="application/json")


def error_response(status_code: int, detail: str, **extra: Any) -> Response:
    return json_response({"detail": detail, **extra}, status_code)


class _BodyErrors:
    """FastAPI's request validation errors, as :func:`rewardkit.errors.validation_problems` reads them,
    with the leading ``"body"`` of each location dropped (paths start at the JSON body's keys)."""

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        out = []
        for e in self._errors:
            loc = tuple(e.get("loc", ()))
            out.append({**e, "loc": loc[1:] if loc[:1] == ("body",) else loc})
        return out


def validation_message(
    errors: Sequence[dict[str, Any]], model: type[BaseModel], example: str, is_json: bool
) -> tuple[str, list[dict[str, str]]]:
    """One line per bad field in rewardkit's one wording (``samples[3].response: required key missing``),
    the body itself as ``body`` (invalid JSON, no body, not an object), then what to send; and the list."""
    body = _BodyErrors(errors)
    problems = []
    for raw, problem in zip(body.errors(), validation_problems(body, model), strict=True):  # type: ignore[arg-type]
        if problem.type == "json_invalid":
            problem = Problem(("body",), problem.message, problem.type)
        elif not problem.loc and problem.type == "missing":
            problem = Problem(("body",), "a JSON body is required", problem.type)
        elif not problem.loc and problem.type in ("model_attributes_type", "dict_type"):
            got = json_kind(raw.get("input")) if is_json else "a body that is not JSON"
            problem = Problem(("body",), f"must be a JSON object, got {got}", problem.type)
        elif not problem.loc:
            problem = Problem(("body",), problem.message, problem.type)
        problems.append(problem)
    hint = f"send JSON like {example}"
    if not is_json:
        hint += " with the header Content-Type: application/json"
    items = [{"loc": p.path, "msg": p.message, "type": p.type} for p in problems]
    return f"{format_problems('', problems)}\n({hint})", items


# ----------------------------------------------------------------------------------- the middleware


class Guard:
    """Pure ASGI middleware, in front of everything: API key, body-size limit (before any parsing),
    latency / in-flight metrics."""

    def __init__(self, app: Any, state: ServerState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.state.metrics
        endpoint = scope["path"] if scope["path"] in ENDPOINTS else "other"
        code = 500
        start = time.perf_counter()

        async def send_and_note(message: dict) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = message["status"]
            await send(message)

        metrics.in_flight.inc()
        try:
            refusal, body = await self._check(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, send_and_note)
                return
            await self.app(scope, _replay(body, receive) if body is not None else receive, send_and_note)
        finally:
            metrics.in_flight.dec()
            metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
            metrics.requests.labels(endpoint, str(code)).inc()

    async def _check(self, scope: dict, receive: Any) -> tuple[Response | None, bytes | None]:
        """(a refusal, None) or (None, the buffered body: None when the method has none)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = self.state.api_key
        if key and scope["path"] not in OPEN_PATHS and not _authorized(headers, key):
            return error_response(
                401,
                "missing or wrong API key: send it as the header 'Authorization: Bearer <key>' "
                "or 'X-API-Key: <key>' (the server's key comes from --api-key or $REWARDKIT_API_KEY)",
            ), None
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return None, None
        limit = self.state.max_body_bytes
        too_large = error_response(
            413,
            f"request body is larger than this server's limit of {_size(limit)} ({limit} bytes); "
            "send fewer samples per request, or start the server with a larger --max-body-mb",
        )
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return error_response(400, f"invalid Content-Length header {declared!r}"), None
            if int(declared) > limit:
                return too_large, None
        chunks, size = [], 0
        while True:  # a streamed (chunked) body is counted as it arrives
            message = await receive()
            if message["type"] == "http.disconnect":
                return Response(status_code=400), None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large, None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return None, b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # afterwards: wait for the disconnect, as the app expects

    return replay


def _authorized(headers: dict[str, str], key: str) -> bool:
    given = headers.get("x-api-key", "")
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        given = given or token.strip()
    return bool(given) and hmac.compare_digest(given.encode(), key.encode())


def _size(n: int) -> str:
    return (
        f"{n / (1 << 20):.3g} MiB" if n >= 1 << 20 else f"{n / 1024:.3g} KiB" if n >= 1024 else f"{n} bytes"
    )


# --------------------------------------------------------------------------------------------- app


class ServerState:
    def __init__(
        self,
        registry: SpecRegistry,
        api_key: str | None,
        max_body_bytes: int,
        request_timeout_s: float,
        default_reward: float,
        strip: Sequence[str],
    ) -> None:
        self.registry, self.api_key = registry, api_key or None
        self.max_body_bytes, self.request_timeout_s = max_body_bytes, request_timeout_s
        self.default_reward, self.strip = default_reward, tuple(strip)
        self.metrics = Metrics()

    async def score(self, spec: str | None, samples: list[Sample]) -> tuple[str, list[Score]]:
        # loading a spec reads YAML and imports modules: off the event loop
        found = self.registry.get(spec, load=False) or await asyncio.to_thread(self.registry.get, spec)
        name, verifier = found  # type: ignore[misc]
        metrics = self.metrics
        metrics.batch_size.labels(name).observe(len(samples))
        if not samples:
            return name, []
        metrics.queue.inc(len(samples))
        try:
            # A timeout cancels the awaited pool batch / scheduler job: items not started are dropped,
            # running ones end at their own per-item deadline.
            scores = await within(verifier.ascore_batch(samples), self.request_timeout_s)
        except asyncio.TimeoutError:
            raise HTTPException(
                504,
                f"scoring {len(samples)} sample(s) with spec {name!r} did not finish within "
                f"{self.request_timeout_s:g} s (the server's --request-timeout); send fewer samples per "
                "request or raise the limit",
            ) from None
        finally:
            metrics.queue.dec(len(samples))
        scores = checked_scores(scores, len(samples), f"spec {name!r}")
        for status, n in Tally(s.status.value for s in scores).items():
            metrics.scores.labels(name, status).inc(n)
        return name, scores


async def within(awaitable: Awaitable[Any], seconds: float) -> Any:
    """``await awaitable``, cancelled after ``seconds`` (asyncio.TimeoutError): in the calling task on
    Python 3.11+ (``asyncio.timeout``), through ``asyncio.wait_for`` (a task of its own) before."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)


def create_app(
    specs: Sequence[str] | None = None,
    default_spec: str | None = None,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    default_reward: float = 0.0,
    strip: Sequence[str] = END_TOKENS,
    threads: int = DEFAULT_THREADS,
) -> FastAPI:
    """The scoring server's app.

    ``specs``: names or YAML paths, loaded now (a bad spec raises ConfigError here); None serves every
    spec on the search path by name, loaded on first use. ``default_spec``: used when a request names
    none (default: the first of ``specs``). ``api_key``: required on every endpoint but /healthz.
    ``default_reward``: what /get_reward reports for a score without a value. ``strip``: suffixes
    removed from the end of /get_reward responses (default: :data:`rewardkit.integrations.openrlhf.END_TOKENS`; ``()``: none). ``threads``: the event loop's default
    executor (verifiers without a native async path score in it; the scheduler merges across them).
    """
    if max_body_bytes < 1:
        raise ConfigError(f"max_body_bytes must be positive, got {max_body_bytes}")
    if not request_timeout_s > 0:
        raise ConfigError(f"request_timeout_s must be positive, got {request_timeout_s}")
    state = ServerState(
        SpecRegistry(specs, default_spec), api_key, max_body_bytes, request_timeout_s, default_reward, strip
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ARG001
        executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rewardkit-server")
        asyncio.get_running_loop().set_default_executor(executor)
        yield
        executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="rewardkit",
        summary="Score LLM outputs with reward specs",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.rewardkit = state

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        reward = request.url.path == "/get_reward"
        model, example = (RewardRequest, REWARD_EXAMPLE) if reward else (ScoreRequest, SCORE_EXAMPLE)
        is_json = "json" in request.headers.get("content-type", "json")
        message, items = validation_message(exc.errors(), model, example, is_json)
        return error_response(422, message, errors=items)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:  # noqa: ARG001
        if isinstance(exc.detail, dict):
            return json_response(exc.detail, exc.status_code, exc.headers)
        return json_response({"detail": exc.detail}, exc.status_code, exc.headers)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:  # noqa: ARG001
        return error_response(500, f"internal error: {type(exc).__name__}: {exc}")

    @app.post("/v1/score")
    async def score(body: ScoreRequest) -> Response:
        """Score a batch of samples with one spec; the scores come back in order."""
        start = time.perf_counter()
        samples = [s.to_sample() for s in body.samples]
        name, scores = await state.score(body.spec, samples)
        return json_response(
            {
                "spec": name,
                "scores": [{"id": s.id, **sc.to_dict()} for s, sc in zip(samples, scores, strict=True)],
                "elapsed_s": round(time.perf_counter() - start, 6),
            }
        )

    @app.post("/get_reward")
    async def get_reward(body: RewardRequest) -> Response:
        """OpenRLHF's remote reward model (``--remote_rm_url http://host:port/get_reward``)."""
        try:
            samples = openrlhf_samples(body.query, body.prompts, body.labels, body.metas, tokens=state.strip)
        except InputError as err:
            raise _invalid("body", f"{err} (send JSON like {REWARD_EXAMPLE})") from None
        name, scores = await state.score(body.spec, samples)
        return json_response({**openrlhf_result(scores, state.default_reward), "spec": name})

    @app.get("/v1/specs")
    async def list_specs() -> Response:
        return json_response({"specs": state.registry.available(), "default": state.registry.default})

    @app.get("/healthz")
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @app.get("/metrics")
    async def metrics() -> Response:
        body, content_type = state.metrics.render()
        return Response(body, media_type=content_type)

    app.add_middleware(Guard, state=state)
    return app


# ------------------------------------------------------------------------------------------ serving


def run_server(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 8000,
    graceful_timeout_s: float | None = None,
    log_level: str = "info",
    access_log: bool = False,
) -> None:
    """Serve ``app`` with uvicorn in this process until SIGTERM / Ctrl-C.

    On a signal uvicorn stops accepting connections and waits (up to ``graceful_timeout_s``) for the
    requests in flight to finish; the process then exits with status 0.
    """
    import signal

    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=graceful_timeout_s,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    if threading.current_thread() is threading.main_thread():
        # uvicorn re-raises the signal it shut down for once it is done; by then the work is finished,
        # so that is a clean exit
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _exit_cleanly)
    server.run()
    if not server.started:
        raise SystemExit(1)


def _exit_cleanly(signum: int, frame: Any) -> None:  # noqa: ARG001
    raise SystemExit(0)


__all__ = [
    "RewardRequest",
    "ScoreRequest",
    "create_app",
    "run_server",
    "validation_message",
    "within",
]
