"""The scoring server: real uvicorn servers on loopback (end to end /v1/score, OpenRLHF's aiohttp call,
cross-request batch merging), real `rewardkit serve` processes (each flag, loopback binding, SIGTERM with a
request in flight, Ctrl-C, no `server` extra), and FastAPI's TestClient for the many cheap error cases
(each with its status code and a message that says what to fix)."""

from __future__ import annotations

import asyncio
import json
import math
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rewardkit import Sample
from rewardkit.cli import app as cli_app
from rewardkit.server import create_app
from rewardkit.server.app import json_response
from rewardkit.spec import load_spec

SLOW_SPEC = """
    name: slow
    components:
      - name: correctness
        verifier: math
        config: {timeout: 3}
"""
# A sample the math verifier cannot decide: its worker is killed at the spec's deadline (3 s)
SLOW_SAMPLE = {"response": r"\boxed{x^{99999999}+1}", "reference": "x^{99999998}+1"}

LIKELIHOOD_SPEC = """
    name: lm
    components:
      - name: loglik
        verifier: likelihood
        config: {model: smollm2, prompt: raw, max_tokens: 32}
"""

MATH_SAMPLES = [
    {"id": "a", "response": r"So the answer is $\boxed{\frac{3}{4}}$.", "reference": "0.75"},
    {"id": "b", "response": "I give up.", "reference": "3"},
    {"id": 7, "response": r"\boxed{2}", "reference": "3", "prompt": [{"role": "user", "content": "1+2?"}]},
]


@pytest.fixture
def client(rules_spec: Path) -> Iterator[TestClient]:
    """The cheap rules spec (inline verifiers), a 4 KiB body limit."""
    with TestClient(create_app(specs=[str(rules_spec)], max_body_bytes=4096)) as c:
        yield c


@pytest.fixture
def serve(unused_port: int) -> Iterator:
    """serve(*args) -> (process, base URL): `python -m rewardkit serve *args` on a free port, once its
    /healthz answers. Killed at the end if the test left it running."""
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        command = [sys.executable, "-m", "rewardkit", "serve", *args, "--port", str(unused_port)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        url = f"http://127.0.0.1:{unused_port}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                time.sleep(0.1)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def detail(response: httpx.Response) -> str:
    return response.json()["detail"]


# ------------------------------------------------------------------------------------ real servers


def test_score_end_to_end_on_a_real_server(live_server) -> None:
    url = live_server(create_app(specs=["math"]))
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        r = http.post("/v1/score", json={"samples": MATH_SAMPLES})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["spec"] == "math"
        scores = body["scores"]
        assert [s["id"] for s in scores] == ["a", "b", "7"]
        assert [s["status"] for s in scores] == ["ok", "unparseable", "ok"]
        assert scores[0]["value"] == pytest.approx(1.1)  # correct + 0.1 for the box
        assert scores[1]["value"] is None and "no final answer" in scores[1]["reason"]
        assert scores[2]["value"] == pytest.approx(0.1)  # wrong but boxed
        assert scores[0]["details"]["components"]["correctness"]["details"]["extracted"] == r"\frac{3}{4}"
        assert "steps" not in scores[0] and "aggregation" not in scores[0]  # only where a score has steps
        # the same samples offline give the same scores
        offline = load_spec("math").score_batch(
            [Sample(response=s["response"], reference=s["reference"]) for s in MATH_SAMPLES]
        )
        assert [s["value"] for s in scores] == [o.value for o in offline]
        metrics = http.get("/metrics").text
    assert 'rewardkit_request_duration_seconds_count{endpoint="/v1/score"} 1.0' in metrics
    assert 'rewardkit_scores_total{spec="math",status="ok"} 2.0' in metrics
    assert 'rewardkit_scores_total{spec="math",status="unparseable"} 1.0' in metrics
    assert 'rewardkit_batch_samples_bucket{le="4.0",spec="math"} 1.0' in metrics
    assert "rewardkit_queue_samples 0.0" in metrics
    assert "rewardkit_requests_in_flight 1.0" in metrics  # the /metrics request itself


BACKTRACK_SPEC = """
    name: backtrack
    components:
      - name: shape
        verifier: format
        config: {pattern: '(a|aa)+$', timeout: 3}
"""


def test_rule_specs_on_a_real_server(live_server, rules_spec: Path, write_spec) -> None:
    """Rule verifiers score on the event loop: right values; a regex that backtracks catastrophically is a
    visible `timeout` (counted in /metrics), and the server answers others while it runs."""
    backtrack = write_spec(BACKTRACK_SPEC, "backtrack.yaml")
    url = live_server(create_app(specs=[str(rules_spec), str(backtrack)]))
    samples = [
        {"id": "right", "response": "answer: Paris", "reference": "paris"},
        {"id": "wrong", "response": "answer: Lyon", "reference": "paris"},
        {"id": "none", "response": "no idea", "reference": "paris"},
        {"id": "long", "response": "answer: paris " + "word " * 25, "reference": "paris"},
    ]
    result: dict = {}

    def slow_request() -> None:
        body = {"spec": "backtrack", "samples": [{"response": "a" * 60 + "b"}, {"response": "baa"}]}
        result["response"] = httpx.post(f"{url}/v1/score", json=body, timeout=60)

    with httpx.Client(base_url=url, timeout=60) as http:
        r = http.post("/v1/score", json={"samples": samples, "spec": "rules"})
        assert r.status_code == 200, r.text
        scores = r.json()["scores"]
        assert [s["status"] for s in scores] == ["ok", "ok", "unparseable", "ok"]
        assert [s["value"] for s in scores] == [1.0, 0.0, None, 0.5]  # long: 1 + 0.5 * (-1)
        offline = load_spec(str(rules_spec)).score_batch(
            [Sample(response=s["response"], reference=s["reference"]) for s in samples]
        )
        assert [s["value"] for s in scores] == [o.value for o in offline]
        thread = threading.Thread(target=slow_request)
        thread.start()
        while "rewardkit_queue_samples 2.0" not in http.get("/metrics").text:
            assert thread.is_alive()
            time.sleep(0.02)
        again = http.post("/v1/score", json={"samples": samples[:1], "spec": "rules"})
        assert again.json()["scores"][0]["value"] == 1.0
        assert thread.is_alive()  # answered while the slow regex still runs (in a thread)
        thread.join(timeout=60)
        slow = result["response"]
        assert slow.status_code == 200, slow.text
        [timed_out, decided] = slow.json()["scores"]
        assert (timed_out["status"], timed_out["value"]) == ("timeout", None)
        assert "the `pattern` regex '(a|aa)+$' did not finish within 3 s" in timed_out["reason"]
        assert (decided["status"], decided["value"]) == ("ok", 1.0)
        metrics = http.get("/metrics").text
    assert 'rewardkit_scores_total{spec="backtrack",status="timeout"} 1.0' in metrics
    assert 'rewardkit_scores_total{spec="rules",status="unparseable"} 1.0' in metrics


def test_get_reward_the_way_openrlhf_calls_it(live_server) -> None:
    """OpenRLHF posts {"query", "prompts", "labels"} (query = prompt + response as its tokenizer decoded
    them, special tokens included) and reads "rewards" (+ "scores", "extra_logs") from the JSON."""
    import aiohttp

    url = live_server(create_app(specs=["math"], default_reward=-1.0))
    prompt = "<|im_start|>user\nWhat is 1/2 + 1/4?<|im_end|>\n<|im_start|>assistant\n"
    queries = [
        prompt + r"Adding, $\boxed{\frac34}$.<|im_end|>",  # right, boxed, EOS stripped
        "<pad><pad>" + prompt + "It is 0.75<|im_end|><|endoftext|>",  # left padding, right, unboxed
        prompt + r"$\boxed{1}$<|im_end|>",  # wrong
        prompt + "No idea.<|im_end|>",  # unparseable -> the default reward
    ]
    payload = {"query": queries, "prompts": [prompt] * 4, "labels": ["3/4"] * 4}

    async def call() -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{url}/get_reward", json=payload) as response:
                assert response.status == 200, await response.text()
                return await response.json()

    result = asyncio.run(call())
    assert result["rewards"] == pytest.approx([1.1, 1.0, 0.1, -1.0])
    assert result["scores"] == result["rewards"]
    logs = result["extra_logs"]
    assert logs["rewardkit_ok"] == [1.0, 1.0, 1.0, 0.0]
    assert logs["rewardkit_unparseable"] == [0.0, 0.0, 0.0, 1.0]
    assert logs["rewardkit_error"] == logs["rewardkit_timeout"] == [0.0] * 4
    assert logs["rewardkit_steps"] == [0.0] * 4 and "steps" not in result  # the math spec has no steps
    # the oldest OpenRLHF sends only "query"
    old = httpx.post(f"{url}/get_reward", json={"query": [r"\boxed{2}"]}, timeout=60)
    assert old.status_code == 200 and len(old.json()["rewards"]) == 1


def test_concurrent_requests_share_model_batches(live_server, write_spec) -> None:
    """Several clients' likelihood requests run in merged scheduler batches, with the offline values."""
    from rewardkit.engine.backends import get_backend

    backend = get_backend("transformers", model="smollm2")  # the instance the spec's verifier shares
    spec = write_spec(LIKELIHOOD_SPEC, "lm.yaml")
    url = live_server(create_app(specs=[str(spec)]))
    texts = [
        ("Q: What is the capital of France?", " A: Paris."),
        ("Q: What do bees make?", " A: Honey."),
        ("Q: What color is the sky?", " A: Blue."),
        ("Q: How many legs does a cat have?", " A: Four."),
        ("Q: What is 2 + 2?", " A: 4."),
        ("Q: Which planet is red?", " A: Mars."),
    ]
    requests = [{"samples": [{"prompt": p, "response": r, "id": str(i)}]} for i, (p, r) in enumerate(texts)]
    requests.append({"samples": [{"prompt": p, "response": r} for p, r in texts]})
    before = backend.stats()["scheduler"]

    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            return await asyncio.gather(*(http.post("/v1/score", json=body) for body in requests))

    responses = asyncio.run(fire())
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    stats = backend.stats()["scheduler"]
    assert stats["merged_calls"] > before["merged_calls"]
    assert stats["batches"] - before["batches"] < len(requests)  # fewer model batches than requests
    offline = load_spec(str(spec)).score_batch([Sample(prompt=p, response=r) for p, r in texts])
    served = [r.json()["scores"][0]["value"] for r in responses[:-1]]
    assert served == pytest.approx([o.value for o in offline], abs=1e-4)
    assert [s["value"] for s in responses[-1].json()["scores"]] == pytest.approx(served, abs=1e-4)


def test_sigterm_finishes_the_request_in_flight_and_exits_0(serve, write_spec) -> None:
    proc, url = serve("--spec", str(write_spec(SLOW_SPEC, "slow.yaml")))
    result: dict = {}

    def slow_request() -> None:
        result["response"] = httpx.post(f"{url}/v1/score", json={"samples": [SLOW_SAMPLE]}, timeout=60)

    thread = threading.Thread(target=slow_request)
    thread.start()
    while "rewardkit_queue_samples 1.0" not in httpx.get(f"{url}/metrics", timeout=5).text:
        assert thread.is_alive()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(httpx.ConnectError):  # no new connections while shutting down
        httpx.get(f"{url}/healthz", timeout=5)
    thread.join(timeout=30)
    response = result["response"]
    assert response.status_code == 200
    assert response.json()["scores"][0]["status"] == "timeout"  # finished at the verifier's deadline
    assert proc.wait(timeout=30) == 0
    assert "Shutting down" in proc.stdout.read()


# ------------------------------------------------------------------------- `rewardkit serve` flags


KEY = {"X-API-Key": "s3cret"}


def test_flags_loopback_and_ctrl_c(serve, write_spec) -> None:
    spec = write_spec(SLOW_SPEC, "slow.yaml")
    proc, url = serve(
        "--spec", str(spec), "--spec", "math", "--max-body-mb", "0.002", "--api-key", "s3cret",
        "--default-reward", "-2.5", "--request-timeout", "0.5",
    )  # fmt: skip
    port = int(url.rsplit(":", 1)[1])

    # loopback by default: the one listening socket is on 127.0.0.1
    listening = {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process(proc.pid).net_connections("inet")
        if c.status == "LISTEN"
    }
    assert listening == {("127.0.0.1", port)}

    # --api-key: every endpoint but /healthz needs it
    assert httpx.get(f"{url}/v1/specs", timeout=10).status_code == 401
    specs = httpx.get(f"{url}/v1/specs", headers=KEY, timeout=10)
    assert specs.status_code == 200 and specs.json() == {"specs": ["slow", "math"], "default": "slow"}

    # --max-body-mb 0.002: 2097 bytes
    big = {"samples": [{"response": "x" * 3000, "reference": "1"}], "spec": "math"}
    r = httpx.post(f"{url}/v1/score", json=big, headers=KEY, timeout=10)
    assert (
        r.status_code == 413
        and "(2097 bytes)" in r.json()["detail"]
        and "--max-body-mb" in r.json()["detail"]
    )
    small = {"samples": [{"response": "x" * 1500, "reference": "1"}], "spec": "math"}
    assert httpx.post(f"{url}/v1/score", json=small, headers=KEY, timeout=30).status_code == 200

    # --default-reward: a score without a value on /get_reward
    body = {
        "query": ["Q: 2+2? No idea.", "Q: 2+2? \\boxed{4}"],
        "prompts": ["Q: 2+2?"] * 2,
        "labels": ["4"] * 2,
    }
    r = httpx.post(f"{url}/get_reward", json={**body, "spec": "math"}, headers=KEY, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["rewards"] == [-2.5, pytest.approx(1.1)]
    assert r.json()["extra_logs"]["rewardkit_unparseable"] == [1.0, 0.0]

    # --request-timeout 0.5: the slow spec (the default) runs past it
    r = httpx.post(f"{url}/v1/score", json={"samples": [SLOW_SAMPLE]}, headers=KEY, timeout=30)
    assert r.status_code == 504 and "did not finish within 0.5 s" in r.json()["detail"]

    # Ctrl-C: a clean exit
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "Shutting down" in output and "Traceback" not in output
    assert "warning" not in output  # loopback: no warning about exposing the server
    assert f"on http://127.0.0.1:{port}" in output


@pytest.mark.parametrize("module", ["fastapi", "uvicorn", "prometheus_client"])
def test_without_the_server_extra(module: str, repo_root: Path) -> None:
    shim = f"import sys; sys.modules[{module!r}] = None\n"
    cli = shim + "from rewardkit.cli import app\nsys.argv = ['rewardkit', 'serve', '--spec', 'math']\napp()\n"
    done = subprocess.run(
        [sys.executable, "-c", cli], capture_output=True, text=True, timeout=120, cwd=repo_root
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"error: the scoring server (rewardkit serve) needs the 'server' extra (the module {module!r} is not "
        "installed): pip install 'rewardkit[server]'"
    )
    library = shim + (
        "from rewardkit.errors import MissingExtraError\n"
        "try:\n    import rewardkit.server.app\nexcept MissingExtraError as err:\n    print(err.extra, err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", library], capture_output=True, text=True, timeout=120, cwd=repo_root
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.startswith("server the scoring server")
        and "pip install 'rewardkit[server]'" in done.stdout
    )


# --------------------------------------------------------------------------------- request errors


def test_malformed_json_is_422_with_the_parser_message(client) -> None:
    r = client.post("/v1/score", content=b'{"samples": [', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert detail(r).startswith("body: invalid JSON: ")
    assert '{"samples": [{"response":' in detail(r)  # shows what to send


def test_wrong_types_name_the_field_path(client) -> None:
    samples = [{"response": "answer: 1", "reference": "1"}] * 3 + [{"response": 5}]
    r = client.post("/v1/score", json={"samples": samples})
    assert r.status_code == 422
    assert detail(r).startswith("samples[3].response: Input should be a valid string (got 5)")
    r = client.post(
        "/v1/score", json={"samples": [{"response": "x", "prompt": 3, "group": [1], "steps": "a", "meta": 1}]}
    )
    assert detail(r).splitlines()[:4] == [
        'samples[0].prompt: must be a string or a list of chat messages like {"role": "user", '
        '"content": "..."} (got 3)',
        "samples[0].steps: must be a list of strings (got 'a')",
        "samples[0].group: must be a string or an integer (got [1])",
        "samples[0].meta: must be an object (got 1)",
    ]
    assert [e["loc"] for e in r.json()["errors"]] == [
        "samples[0].prompt",
        "samples[0].steps",
        "samples[0].group",
        "samples[0].meta",
    ]
    r = client.post("/v1/score", json={"samples": "answer: 1"})
    assert r.status_code == 422 and "samples: Input should be a valid list" in detail(r)


def test_missing_and_unknown_fields(client) -> None:
    r = client.post("/v1/score", json={"samples": [{"reference": "1"}]})
    assert r.status_code == 422 and detail(r).startswith("samples[0].response: required key missing")
    r = client.post("/v1/score", json={"samples": [{"respones": "x"}]})
    assert (
        "samples[0].respones: unknown key 'respones'; allowed: response, prompt, reference, steps, group, "
        "id, meta" in detail(r)
    )
    r = client.post("/v1/score", json=[{"response": "x"}])
    assert r.status_code == 422 and detail(r).startswith("body: must be a JSON object, got list")
    r = client.post("/v1/score")
    assert r.status_code == 422 and detail(r).startswith("body: a JSON body is required")
    r = client.post("/v1/score", content=b"response=x", headers={"content-type": "text/plain"})
    assert r.status_code == 422 and "Content-Type: application/json" in detail(r)


def test_get_reward_validation(client) -> None:
    r = client.post("/get_reward", json={"query": ["a", "b"], "prompts": ["a"]})
    assert r.status_code == 422
    assert detail(r).startswith("body: prompts has 1 items for 2 queries; send one per query")
    r = client.post("/get_reward", json={"queries": ["a"]})
    assert r.status_code == 422 and detail(r).startswith("query: required key missing")
    assert '{"query": [' in detail(r)


def test_oversized_bodies_are_413_before_parsing(client) -> None:
    big = {"samples": [{"response": "x" * 5000}]}
    r = client.post("/v1/score", json=big)
    assert r.status_code == 413
    assert "limit of 4 KiB (4096 bytes)" in detail(r) and "--max-body-mb" in detail(r)

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"samples": [{"response": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}]}'

    r = client.post("/v1/score", content=streamed(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "4096 bytes" in detail(r)
    # invalid JSON that is too large is refused for its size, never parsed
    r = client.post("/v1/score", content=b"{" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_unknown_spec_lists_the_available_ones(client, rules_spec: Path) -> None:
    r = client.post("/v1/score", json={"samples": [{"response": "x"}], "spec": "nope"})
    assert r.status_code == 422
    assert detail(r) == "spec: unknown spec 'nope'; available: rules"
    r = client.post("/get_reward", json={"query": ["x"], "spec": "math"})  # not served by this app
    assert r.status_code == 422 and "available: rules" in detail(r)
    assert client.get("/v1/specs").json() == {"specs": ["rules"], "default": "rules"}


def test_without_specs_any_spec_on_the_search_path_is_served_by_name() -> None:
    with TestClient(create_app()) as c:
        assert {"math", "gsm8k", "cme"} <= set(c.get("/v1/specs").json()["specs"])
        r = c.post("/v1/score", json={"samples": [{"response": "x"}]})
        assert r.status_code == 422 and "no spec given and this server has no default" in detail(r)
        r = c.post(
            "/v1/score", json={"samples": [{"response": "#### 12", "reference": "12"}], "spec": "gsm8k"}
        )
        assert r.status_code == 200 and r.json()["scores"][0]["value"] == pytest.approx(1.1)
        r = c.post("/v1/score", json={"samples": [], "spec": "../../etc/passwd"})  # names only, never paths
        assert r.status_code == 422 and "unknown spec '../../etc/passwd'" in detail(r)


def test_api_key(rules_spec: Path) -> None:
    app = create_app(specs=[str(rules_spec)], api_key="s3cret")
    body = {"samples": [{"response": "answer: 1", "reference": "1"}]}
    with TestClient(app) as c:
        r = c.post("/v1/score", json=body)
        assert r.status_code == 401
        assert "'Authorization: Bearer <key>'" in detail(r) and "'X-API-Key: <key>'" in detail(r)
        assert c.post("/v1/score", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
        # checked before the body is read: a malformed body without the key is still 401
        assert (
            c.post("/v1/score", content=b"{", headers={"content-type": "application/json"}).status_code == 401
        )
        assert c.get("/metrics").status_code == 401
        assert c.get("/healthz").status_code == 200  # probes need no key
        assert c.post("/v1/score", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.post("/v1/score", json=body, headers={"X-API-Key": "s3cret"}).status_code == 200
        metrics = c.get("/metrics", headers={"X-API-Key": "s3cret"}).text
    assert 'rewardkit_requests_total{code="401",endpoint="/v1/score"} 3.0' in metrics


def test_request_deadline_is_504_and_the_server_keeps_serving(write_spec) -> None:
    spec = write_spec(SLOW_SPEC, "slow.yaml")
    with TestClient(create_app(specs=[str(spec)], request_timeout_s=0.5)) as c:
        start = time.monotonic()
        r = c.post("/v1/score", json={"samples": [SLOW_SAMPLE]})
        assert r.status_code == 504 and time.monotonic() - start < 2.5
        assert "did not finish within 0.5 s" in detail(r) and "--request-timeout" in detail(r)
        r = c.post("/v1/score", json={"samples": [{"response": r"\boxed{3}", "reference": "3"}]})
        assert r.status_code == 200 and r.json()["scores"][0]["value"] == 1.0


def test_empty_batch_and_ids(client) -> None:
    assert client.post("/v1/score", json={"samples": []}).json()["scores"] == []
    r = client.post("/v1/score", json={"samples": [{"response": "answer: 2", "reference": "2", "id": 12}]})
    assert r.json()["scores"][0]["id"] == "12" and r.json()["scores"][0]["value"] == 1.0


def test_bad_server_configuration_fails_at_start(write_spec) -> None:
    from rewardkit import ConfigError

    with pytest.raises(ConfigError, match="no verifiers asset named .no-such-spec."):
        create_app(specs=["no-such-spec"])
    result = CliRunner().invoke(cli_app, ["serve", "--spec", "no-such-spec"])
    assert result.exit_code == 2 and "no-such-spec" in result.output


# ---------------------------------------------------------------------------------------- helpers


def test_non_finite_numbers_in_details_become_null() -> None:
    response = json_response({"value": 1.0, "details": {"x": math.nan, "y": [math.inf, 2.0]}})
    assert json.loads(response.body) == {"value": 1.0, "details": {"x": None, "y": [None, 2.0]}}


def test_steps_and_meta_reach_the_verifier(recorder, write_spec) -> None:
    spec = write_spec("components: [{name: g, verifier: group_recorder}]\n", "rec.yaml")
    sample = {"response": "x", "reference": "1", "group": 4, "steps": ["s1", "s2"], "meta": {"k": [1]}}
    with TestClient(create_app(specs=[str(spec)])) as c:
        r = c.post("/v1/score", json={"samples": [sample, {"response": "y", "group": 4}]})
    assert r.status_code == 200, r.text
    seen = [s["details"]["components"]["g"]["details"] for s in r.json()["scores"]]
    assert seen == [
        {"group": "4", "reference": "1", "steps": ["s1", "s2"], "meta": {"k": [1]}},
        {"group": "4", "reference": None, "steps": None, "meta": {}},
    ]


def test_step_scores_in_the_response(live_server, stepped_spec: Path) -> None:
    url = live_server(create_app(specs=[str(stepped_spec)]))
    samples = [
        {"response": "2 + 2 = 4\nso \\boxed{4}", "reference": "4"},
        {"response": "add them\n\\boxed{4}", "reference": "4"},
    ]
    r = httpx.post(f"{url}/v1/score", json={"samples": samples}, timeout=60)
    assert r.status_code == 200, r.text
    scores = r.json()["scores"]
    assert [s["value"] for s in scores] == pytest.approx([1.5, 1.0])
    assert [s["aggregation"] for s in scores] == ["none", "none"]
    assert scores[1]["steps"] == [{"value": 0.0, "span": [0, 8]}, {"value": 1.0, "span": [9, 18]}]
