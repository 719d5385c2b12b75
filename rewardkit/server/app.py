"""The scoring server: reward specs behind HTTP (FastAPI + uvicorn, one process).

    POST /v1/score     {"samples": [{"response": ..., "reference": ...}, ...], "spec": "math"}
                       -> {"spec": "math", "scores": [{"id", "value", "status", "reason", "details"}, ...]}
    POST /get_reward   OpenRLHF's remote reward model: {"query": [...], "prompts": [...], "labels": [...]}
                       -> {"rewards": [...], "scores": [...], "extra_logs": {"status_ok": [...], ...}}
    GET  /v1/specs     the specs this server scores with, and the default
    GET  /healthz      liveness (never needs the API key)
    GET  /metrics      Prometheus: request latency, batch sizes, queue depth, scores by status

Scoring awaits ``verifier.ascore_batch``: CPU verifiers run in the killable worker pool (per-item
deadlines), model verifiers go through their backend's scheduler thread, which merges the samples of
concurrent requests into shared micro-batches. The event loop only parses, validates and answers.

Every error response is ``{"detail": "<what is wrong and how to fix it>"}`` (422s add ``"errors"``, one
entry per bad field): 401 missing/wrong API key, 413 body over the limit (checked before parsing, for
declared and streamed bodies), 422 malformed JSON / wrong types / unknown spec, 504 scoring past the
per-request deadline.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import threading
import time
from collections import Counter as Tally
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rewardkit.server.metrics import Metrics
from rewardkit.types import Sample, Score, Status
from rewardkit.verifier import ConfigError, Verifier

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_REQUEST_TIMEOUT_S = 120.0
DEFAULT_THREADS = 64
OPEN_PATHS = frozenset({"/healthz"})  # everything else needs the API key when one is set
ENDPOINTS = frozenset({"/v1/score", "/get_reward", "/v1/specs", "/healthz", "/metrics"})
STATUSES = tuple(s.value for s in Status)
# End-of-sequence / padding tokens that OpenRLHF's decoded queries end with (skip_special_tokens=False)
DEFAULT_STRIP = (
    "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|end|>", "</s>", "<eos>",
    "<end_of_turn>", "<pad>", "<|finetune_right_pad_id|>",
)  # fmt: skip
SCORE_EXAMPLE = '{"samples": [{"response": "... \\\\boxed{4}", "reference": "4"}], "spec": "math"}'
REWARD_EXAMPLE = '{"query": ["<prompt><response>"], "prompts": ["<prompt>"], "labels": ["4"]}'


# ----------------------------------------------------------------------------------------- requests


def _kind(value: Any) -> str:
    names = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string"}
    return names.get(type(value), "list" if isinstance(value, list) else "object")


class SampleIn(BaseModel):
    """One sample, with the fields of :class:`rewardkit.Sample`."""

    model_config = ConfigDict(extra="forbid")

    response: str
    prompt: Any = Field("", description="text, or chat messages [{'role': ..., 'content': ...}]")
    reference: Any = None
    steps: list[str] | None = None
    group: Any = Field(None, description="GRPO group / prompt id (string or integer)")
    id: Any = Field(None, description="echoed back with the score (string or integer)")
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: Any) -> Any:
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(m, dict) for m in value)):
            return value
        raise ValueError(
            'must be a string or a list of chat messages like {"role": "user", "content": "..."}, '
            f"got {_kind(value)}"
        )

    @field_validator("group", "id")
    @classmethod
    def _key(cls, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"must be a string or an integer, got {_kind(value)}")

    def to_sample(self) -> Sample:
        return Sample(**self.model_dump())


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    samples: list[SampleIn]
    spec: str | None = Field(None, description="spec name (default: the server's default spec)")


class RewardRequest(BaseModel):
    """OpenRLHF's remote reward-model request. Newer OpenRLHF versions add keys (ignored)."""

    model_config = ConfigDict(extra="ignore")

    query: list[str] = Field(description="prompt + response, as the policy's tokenizer decoded them")
    prompts: list[str] | None = None
    labels: list[Any] | None = None
    metas: list[Any] | None = None
    spec: str | None = None

    @model_validator(mode="after")
    def _same_lengths(self) -> RewardRequest:
        for name in ("prompts", "labels", "metas"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.query):
                raise ValueError(
                    f"{name} has {len(values)} items but query has {len(self.query)}; send one per query"
                )
        return self


def split_query(query: str, prompt: str, strip: Sequence[str] = ()) -> str:
    """The response inside OpenRLHF's ``query`` (prompt + response): what follows the prompt (left
    padding tokens before it are skipped), else the whole query; ``strip`` suffixes (EOS, pad tokens)
    are removed from its end."""
    at = query.find(prompt) if prompt else -1
    response = query[at + len(prompt) :] if at >= 0 else query
    changed = True
    while changed:
        changed = False
        for suffix in strip:
            if suffix and response.endswith(suffix):
                response, changed = response[: -len(suffix)], True
    return response


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
                except ConfigError as err:
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


def _where(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_message(errors: Sequence[dict[str, Any]], example: str, is_json: bool) -> tuple[str, list]:
    """One readable line per bad field (``samples.3.response: field required``), and the list."""
    items = []
    for e in errors:
        where, kind, msg = _where(e.get("loc", ())), e.get("type", ""), str(e.get("msg", ""))
        if kind == "json_invalid":
            where, msg = "body", f"invalid JSON: {(e.get('ctx') or {}).get('error', msg)}"
        elif kind == "missing":
            msg = "field required" if where != "body" else "a JSON body is required"
        elif kind == "extra_forbidden":
            msg = "unknown field"
        elif kind in ("model_attributes_type", "dict_type") and where == "body":
            got = "a body that is not JSON" if not is_json else _kind(e.get("input"))
            msg = f"must be a JSON object, got {got}"
        else:
            msg = msg.removeprefix("Value error, ")
            if kind.endswith("_type"):
                msg += f", got {_kind(e.get('input'))}"
        items.append({"loc": where, "msg": msg, "type": kind})
    lines = [f"{i['loc']}: {i['msg']}" for i in items[:10]]
    if len(items) > 10:
        lines.append(f"... and {len(items) - 10} more")
    hint = f"send JSON like {example}"
    if not is_json:
        hint += " with the header Content-Type: application/json"
    return "; ".join(lines) + f" ({hint})", items


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
            scores = await asyncio.wait_for(verifier.ascore_batch(samples), self.request_timeout_s)
        except asyncio.TimeoutError:
            raise HTTPException(
                504,
                f"scoring {len(samples)} sample(s) with spec {name!r} did not finish within "
                f"{self.request_timeout_s:g} s (the server's --request-timeout); send fewer samples per "
                "request or raise the limit",
            ) from None
        finally:
            metrics.queue.dec(len(samples))
        if len(scores) != len(samples):
            raise RuntimeError(f"spec {name!r} returned {len(scores)} scores for {len(samples)} samples")
        for status, n in Tally(s.status.value for s in scores).items():
            metrics.scores.labels(name, status).inc(n)
        return name, scores


def create_app(
    specs: Sequence[str] | None = None,
    default_spec: str | None = None,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    default_reward: float = 0.0,
    strip: Sequence[str] = DEFAULT_STRIP,
    threads: int = DEFAULT_THREADS,
) -> FastAPI:
    """The scoring server's app.

    ``specs``: names or YAML paths, loaded now (a bad spec raises ConfigError here); None serves every
    spec on the search path by name, loaded on first use. ``default_spec``: used when a request names
    none (default: the first of ``specs``). ``api_key``: required on every endpoint but /healthz.
    ``default_reward``: what /get_reward reports for a score without a value. ``strip``: suffixes
    removed from the end of /get_reward responses (default: common EOS / pad tokens; ``()``: none). ``threads``: the event loop's default
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
        example = REWARD_EXAMPLE if request.url.path == "/get_reward" else SCORE_EXAMPLE
        is_json = "json" in request.headers.get("content-type", "json")
        message, items = validation_message(exc.errors(), example, is_json)
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
        n = len(body.query)
        prompts = body.prompts or [""] * n
        labels = body.labels or [None] * n
        metas = body.metas or [None] * n
        samples = [
            Sample(
                response=split_query(q, p, state.strip),
                prompt=p,
                reference=label,
                group=p or None,  # the responses to one prompt form its GRPO group
                meta=meta if isinstance(meta, dict) else {},
            )
            for q, p, label, meta in zip(body.query, prompts, labels, metas, strict=True)
        ]
        name, scores = await state.score(body.spec, samples)
        rewards = [s.value if s.value is not None else state.default_reward for s in scores]
        return json_response(
            {
                "rewards": rewards,
                "scores": rewards,
                "extra_logs": {
                    f"status_{status}": [float(s.status.value == status) for s in scores]
                    for status in STATUSES
                },
                "spec": name,
            }
        )

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
    "DEFAULT_STRIP",
    "RewardRequest",
    "SampleIn",
    "ScoreRequest",
    "create_app",
    "run_server",
    "split_query",
]
