"""The scoring server under load: concurrent clients on loopback against `rewardkit serve` (one process),
mixing math and likelihood requests, compared with offline ``score_batch`` on the same samples.

Workload: ``--requests`` requests of 1-4 samples each; a ``--likelihood-fraction`` of them use a
likelihood spec on SmolLM2 (prompt as is, at most 16 response tokens; short texts: the first sentence of
a GSM8K question and of its worked answer, ~15 + ~14 tokens, 1,319 distinct prompts), the rest the
packaged ``math`` spec on the labelled MATH-500 / GSM8K responses of ``benchmarks/_pairs.py``
(data/rollouts.jsonl for both when the shared data is absent).

1. offline: in this process, one ``score_batch`` per spec over all of its samples (after a warm-up that
   starts the pool and loads the model); the reference values and the baseline throughput;
2. load: ``rewardkit serve`` as a subprocess; ``--clients`` asyncio + aiohttp clients send every
   request to ``POST /v1/score`` (after warm-up requests). Reported: requests/s, samples/s, p50/p99
   latency, lost requests (no answer: connection error or client timeout), errors (non-200), and whether
   every value equals the offline one (math exactly, likelihood within 1e-4);
3. faults: another ``--fault-requests`` requests (math that needs the pool, two samples that run to the
   5 s deadline) while the busiest of the server's pool worker processes is SIGKILLed (found with psutil
   among the server's children); every request must still be answered (200, the killed worker's item
   scored ``error``), none may hang;
4. SIGTERM: the server drains and exits 0.

    python benchmarks/server_load.py            # 10,000 requests + 2,000 in the fault run (a few minutes)
    python benchmarks/server_load.py --quick    # 600 + 200, one offline pass, under 60 s
    python benchmarks/server_load.py --overhead # per-request overhead only (about a minute)

``--overhead`` measures what a request costs besides the scoring itself, on one-sample requests with
the labelled rollouts of data/rollouts.jsonl: a spec of rule verifiers only (exact_match + format +
length) and the packaged ``math`` spec (math + format + length). In this process: ``await
spec.ascore_batch`` one request after another (the verifiers' own hand-offs: thread hops, tasks);
through ``rewardkit serve`` on loopback: one keep-alive client, one request after another (ms per
request), then ``--clients`` concurrent clients (requests/s). Several rounds, the median reported. With
``--baseline DIR`` (another commit's tree, e.g. ``git archive <commit> | tar -x -C DIR``) that build is
measured too, taking turns with this one round by round, so both see the same machine load. Results:
``benchmarks/results/server_load.overhead.json``.

The last line printed is ``ratio=<server samples/s / offline samples/s>`` (goal >= 0.8); results go to
``benchmarks/results/server_load.json`` (``server_load.quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pairs  # noqa: E402
from _machine import add_output_option, machine_info, results_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "server_load"
ROLLOUTS = ROOT / "data" / "rollouts.jsonl"
OVERHEAD_RESULTS = ROOT / "benchmarks" / "results" / "server_load.overhead.json"
LIKELIHOOD_SPEC = """\
name: lm
description: "benchmark: mean logprob of a short response under SmolLM2 (raw prompt, 16 tokens at most)"
components:
  - name: loglik
    verifier: likelihood
    config: {model: smollm2, prompt: raw, max_tokens: 16}
"""
CLIENT_TIMEOUT_S = 120.0
# the math verifier cannot decide this one: it runs until the 5 s deadline, then its worker is replaced
SLOW_SAMPLE = {"response": r"\boxed{x^{99999999}+1}", "reference": "x^{99999998}+1"}


# --------------------------------------------------------------------------------------------- workload


def build_workload(
    n: int, likelihood_fraction: float, seed: int, pool_bound: bool = False
) -> list[dict[str, Any]]:
    """Requests: {"spec", "samples": [sample dicts with ids]}. ``pool_bound``: only math samples that
    need the worker pool (MATH-500's LaTeX answers; most GSM8K numbers are decided in the server)."""
    rng = random.Random(seed)
    rollouts = [
        json.loads(line) for line in ROLLOUTS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if _pairs.data_available():
        pairs = [p for p in _pairs.benchmark_pairs() if p.dataset == "math500" or not pool_bound]
        math_pool = [{"response": p.response, "reference": p.gold} for p in pairs]
    else:
        math_pool = [{"response": r["response"], "reference": r["reference"]} for r in rollouts]
    if _pairs.data_available():
        lm_pool = [
            {"prompt": _sentence(r["question"], 100), "response": " " + _sentence(r["answer"], 60)}
            for r in _pairs.gsm8k()
        ]
    else:
        lm_pool = [{"prompt": r["prompt"], "response": " " + _sentence(r["response"], 60)} for r in rollouts]
    requests = []
    for i in range(n):
        spec, pool = ("lm", lm_pool) if rng.random() < likelihood_fraction else ("math", math_pool)
        samples = [{**rng.choice(pool), "id": f"{i}-{k}"} for k in range(rng.randint(1, 4))]
        requests.append({"spec": spec, "samples": samples})
    return requests


def _sentence(text: str, limit: int) -> str:
    """The first sentence of the first line (or its first words, up to ``limit`` characters)."""
    line = text.strip().split("\n")[0]
    end = line.find(".", 0, limit)
    return line[: end + 1] if end > 0 else line[:limit].rsplit(" ", 1)[0]


def by_spec(requests: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in requests:
        out.setdefault(r["spec"], []).extend(r["samples"])
    return out


# ---------------------------------------------------------------------------------------------- offline


def run_offline(requests: list[dict[str, Any]], spec_paths: dict[str, str]) -> dict[str, Any]:
    """One warm ``score_batch`` per spec over all of its samples: seconds and values per spec."""
    from rewardkit import Sample, load_spec

    results: dict[str, Any] = {"by_spec": {}, "values": {}}
    for name, samples in by_spec(requests).items():
        verifier = load_spec(spec_paths[name])
        batch = [Sample(**{k: v for k, v in s.items()}) for s in samples]
        verifier.score_batch(batch[:16])  # warm-up: pool start, model load
        start = time.perf_counter()
        scores = verifier.score_batch(batch)
        seconds = time.perf_counter() - start
        results["by_spec"][name] = {"samples": len(batch), "seconds": seconds}
        for s, sc in zip(samples, scores, strict=True):
            results["values"][s["id"]] = (sc.value, sc.status.value)
    _release_engine()
    return results


def best_offline(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest pass per spec: this shared machine's speed varies, the baseline gets its best."""
    by_spec = {}
    for name in runs[0]["by_spec"]:
        times = [r["by_spec"][name]["seconds"] for r in runs]
        n = runs[0]["by_spec"][name]["samples"]
        by_spec[name] = {
            "samples": n,
            "seconds": round(min(times), 3),
            "samples_per_s": round(n / min(times), 1),
            "seconds_each_pass": [round(t, 3) for t in times],
        }
    n = sum(v["samples"] for v in by_spec.values())
    seconds = sum(v["seconds"] for v in by_spec.values())
    return {
        "by_spec": by_spec,
        "samples": n,
        "seconds": round(seconds, 3),
        "samples_per_s": round(n / seconds, 1),
    }


def _release_engine() -> None:
    """Free this process's pool and model before the server runs beside it."""
    from rewardkit.engine.backends import close_backends
    from rewardkit.engine.pool import shared_pools

    close_backends()
    for p in shared_pools():
        p.close()


# ---------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    specs: list[str], log: Path, source: Path | None = None
) -> tuple[subprocess.Popen, str, list[str]]:
    """`rewardkit serve` on a free port, once /healthz answers. ``source``: run the rewardkit of this
    folder (a checkout of another commit) instead of the installed one."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "rewardkit", "serve", "--port", str(port), "--request-timeout", "60"]
    for spec in specs:
        command += ["--spec", spec]
    proc = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, **_source_env(source))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url, command
        except httpx.HTTPError:
            time.sleep(0.1)


def scrape(url: str) -> dict[str, float]:
    """The server's /metrics as {"name{labels}": value} (engine counters only)."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    out = {}
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=30).text):
        for sample in family.samples:
            if sample.name.startswith(("rewardkit_scheduler_", "rewardkit_pool_")):
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                out[f"{sample.name}{{{labels}}}"] = sample.value
    return out


def pool_workers(server_pid: int) -> list[int]:
    """The server's pool worker processes: children of its multiprocessing forkserver."""
    import psutil

    workers = []
    for child in psutil.Process(server_pid).children():
        try:
            if "forkserver" in " ".join(child.cmdline()):
                workers += [p.pid for p in child.children()]
        except psutil.Error:
            continue
    return workers


# ------------------------------------------------------------------------------------------------ load


async def fire(
    url: str, requests: list[dict[str, Any]], clients: int, on_progress: Any = None
) -> tuple[list[dict[str, Any]], float]:
    """Send every request from ``clients`` concurrent clients; one record per request, and the seconds."""
    import aiohttp

    records: list[dict[str, Any]] = [{} for _ in requests]
    next_index = iter(range(len(requests)))
    done = 0
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal done
        for i in next_index:
            start = time.perf_counter()
            record = records[i]
            try:
                async with session.post(f"{url}/v1/score", json=requests[i]) as response:
                    record["code"] = response.status
                    record["body"] = (
                        await response.json() if response.status == 200 else await response.text()
                    )
            except asyncio.TimeoutError:
                record["lost"] = "client timeout"
            except aiohttp.ClientError as exc:
                record["lost"] = f"{type(exc).__name__}: {exc}"
            record["latency_s"] = time.perf_counter() - start
            done += 1
            if on_progress is not None:
                on_progress(done)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return records, time.perf_counter() - start


def summarize(
    requests: list[dict[str, Any]], records: list[dict[str, Any]], seconds: float
) -> dict[str, Any]:
    lost = [r for r in records if "lost" in r]
    errors = [r for r in records if "code" in r and r["code"] != 200]
    bad, statuses, n_samples = 0, Counter(), 0
    for req, rec in zip(requests, records, strict=True):
        if rec.get("code") != 200:
            continue
        scores = rec["body"]["scores"]
        if [s["id"] for s in scores] != [s["id"] for s in req["samples"]]:
            bad += 1  # wrong count or order
        statuses.update(s["status"] for s in scores)
        n_samples += len(scores)
    latencies = sorted(r["latency_s"] * 1000 for r in records)
    by_spec = {}
    for spec in sorted({r["spec"] for r in requests}):
        lat = sorted(
            rec["latency_s"] * 1000 for req, rec in zip(requests, records, strict=True) if req["spec"] == spec
        )
        by_spec[spec] = {
            "requests": len(lat),
            "p50_ms": round(_pct(lat, 50), 1),
            "p99_ms": round(_pct(lat, 99), 1),
        }
    return {
        "requests": len(requests),
        "samples": sum(len(r["samples"]) for r in requests),
        "seconds": round(seconds, 3),
        "requests_per_s": round(len(requests) / seconds, 1),
        "samples_per_s": round(sum(len(r["samples"]) for r in requests) / seconds, 1),
        "latency_ms": {
            "p50": round(_pct(latencies, 50), 1),
            "p99": round(_pct(latencies, 99), 1),
            "max": round(latencies[-1], 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
        "latency_ms_by_spec": by_spec,
        "lost": len(lost),
        "errors": len(errors),
        "bad_responses": bad,
        "scored_samples": n_samples,
        "statuses": dict(statuses),
        "lost_examples": [r["lost"] for r in lost[:5]],
        "error_examples": [f"{r['code']}: {str(r['body'])[:300]}" for r in errors[:5]],
    }


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def compare(
    requests: list[dict[str, Any]], records: list[dict[str, Any]], offline: dict[str, Any]
) -> dict[str, Any]:
    """Server values against offline ones: math exactly, likelihood within 1e-4."""
    mismatches, worst = [], 0.0
    for req, rec in zip(requests, records, strict=True):
        if rec.get("code") != 200:
            continue
        for score in rec["body"]["scores"]:
            value, status = offline["values"][score["id"]]
            if status != score["status"] or (value is None) != (score["value"] is None):
                mismatches.append(
                    (score["id"], req["spec"], (value, status), (score["value"], score["status"]))
                )
            elif value is not None:
                diff = abs(value - score["value"])
                worst = max(worst, diff) if req["spec"] == "lm" else worst
                if diff > (1e-4 if req["spec"] == "lm" else 0):
                    mismatches.append((score["id"], req["spec"], value, score["value"]))
    return {
        "values_match_offline": not mismatches,
        "mismatches": len(mismatches),
        "mismatch_examples": [str(m)[:300] for m in mismatches[:5]],
        "max_abs_diff_likelihood": worst,
    }


def busiest(pids: list[int]) -> int:
    """The process that used the most CPU over the next 0.1 s (a worker running an item)."""
    import psutil

    procs = [psutil.Process(pid) for pid in pids]
    start = [sum(p.cpu_times()[:2]) for p in procs]
    time.sleep(0.1)
    used = [sum(p.cpu_times()[:2]) - t for p, t in zip(procs, start, strict=True)]
    return pids[used.index(max(used))]


def fault_run(url: str, server_pid: int, requests: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """Load while the busiest pool worker is SIGKILLed a third of the way through. Two requests a little
    before that point carry a sample that runs to the verifier's deadline (5 s), so a worker is busy."""
    requests = [dict(r, samples=list(r["samples"])) for r in requests]
    kill_at = len(requests) // 3
    for i in (kill_at - 40, kill_at - 20):
        if i >= 0:
            requests[i]["samples"].append({**SLOW_SAMPLE, "id": f"{i}-slow"})
    killed: dict[str, Any] = {}
    workers_before = pool_workers(server_pid)

    def on_progress(done: int) -> None:
        if not killed and done >= kill_at:
            workers = pool_workers(server_pid)
            if workers:
                victim = busiest(workers)
                os.kill(victim, signal.SIGKILL)
                killed.update(pid=victim, at_request=done, workers=workers)

    before = scrape(url)
    records, seconds = asyncio.run(fire(url, requests, clients, on_progress))
    after = scrape(url)
    summary = summarize(requests, records, seconds)
    died = sum(
        "worker process died" in s["reason"]
        for r in records
        if r.get("code") == 200
        for s in r["body"]["scores"]
    )
    restarts = sum(v for k, v in after.items() if k.startswith("rewardkit_pool_restarts")) - sum(
        v for k, v in before.items() if k.startswith("rewardkit_pool_restarts")
    )
    import httpx

    healthy = httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    hung = sum(1 for r in records if r.get("lost") == "client timeout")
    return {
        **summary,
        "workers_before": workers_before,
        "killed_worker": killed,
        "scores_failed_by_the_kill": died,
        "pool_restarts": restarts,
        "hung_requests": hung,
        "all_answered": summary["lost"] == 0 and summary["errors"] == 0 and summary["bad_responses"] == 0,
        "healthy_after": healthy,
    }


# -------------------------------------------------------------------------------------------- overhead

RULES_SPEC = """\
name: rules
description: "benchmark: rule verifiers only (exact_match + format + length)"
components:
  - name: correct
    verifier: exact_match
    config: {extract: '(?:answer is|boxed\\{)\\s*\\$?([-\\d./]+)'}
  - name: boxed
    verifier: format
    weight: 0.1
    config: {pattern: '\\\\boxed\\{'}
  - name: overlong
    verifier: length
    config: {unit: words, max_length: 3000, buffer: 500}
"""


def overhead_requests(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` one-sample requests drawn from data/rollouts.jsonl (response and reference only)."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in ROLLOUTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        {"samples": [{"id": str(i), "response": r["response"], "reference": r["reference"]}]}
        for i, r in ((i, rng.choice(rows)) for i in range(n))
    ]


def _source_env(source: Path | None) -> dict[str, Any]:
    """Popen keywords that make ``python`` import rewardkit from ``source`` (None: as installed)."""
    if source is None:
        return {}
    return {"cwd": source, "env": {**os.environ, "PYTHONPATH": str(source)}}


def in_process_ms(spec_path: str, requests: list[dict[str, Any]]) -> float:
    """Mean ms per ``await spec.ascore_batch`` of one request, one after another on one event loop."""
    from rewardkit import Sample, load_spec

    verifier = load_spec(spec_path)
    batches = [[Sample(**s) for s in r["samples"]] for r in requests]

    async def run() -> float:
        for batch in batches[:50]:  # warm-up (pool start for math)
            await verifier.ascore_batch(batch)
        start = time.perf_counter()
        for batch in batches:
            await verifier.ascore_batch(batch)
        return (time.perf_counter() - start) * 1000 / len(batches)

    return asyncio.run(run())


def in_process_child(spec_path: str, n: int, seed: int, source: Path | None) -> float:
    """:func:`in_process_ms` in a fresh process (importing rewardkit from ``source``)."""
    code = (
        "import sys; sys.path.insert(1, sys.argv[1]); import server_load as b; "
        "print(b.in_process_ms(sys.argv[2], b.overhead_requests(int(sys.argv[3]), int(sys.argv[4]))))"
    )
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", code, here, spec_path, str(n), str(seed)],
        capture_output=True,
        text=True,
        check=True,
        **_source_env(source or ROOT),
    )
    return float(out.stdout.strip().splitlines()[-1])


def sequential_ms(url: str, spec: str, requests: list[dict[str, Any]]) -> tuple[float, float, Counter]:
    """(mean ms, p50 ms, statuses) per request from one keep-alive client, one request after another."""
    import httpx

    latencies, statuses = [], Counter()
    with httpx.Client(timeout=60) as client:
        for r in requests:
            start = time.perf_counter()
            response = client.post(f"{url}/v1/score", json={**r, "spec": spec})
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            statuses.update(s["status"] for s in response.json()["scores"])
    latencies.sort()
    return statistics.fmean(latencies), _pct(latencies, 50), statuses


def overhead_run(args: argparse.Namespace, say: Any) -> int:
    """The ``--overhead`` measurement (see the module docstring); with ``--baseline DIR`` the same
    measurement of the rewardkit in DIR, round by round in turn with this one."""
    n, rounds = args.requests or 1000, args.rounds
    tmp = Path(tempfile.mkdtemp(prefix="rewardkit-server-overhead-"))
    rules = tmp / "rules.yaml"
    rules.write_text(RULES_SPEC, encoding="utf-8")
    specs = {"rules": str(rules), "math": "math"}
    requests = overhead_requests(n, args.seed)
    builds: dict[str, Path | None] = {"current": None}
    if args.baseline is not None:
        builds["baseline"] = args.baseline.resolve()
    rows: dict[str, dict[str, dict[str, list[float]]]] = {b: {s: {} for s in specs} for b in builds}
    statuses: dict[str, dict[str, Counter]] = {b: {s: Counter() for s in specs} for b in builds}
    servers = {
        b: start_server(list(specs.values()), tmp / f"{b}.log", source) for b, source in builds.items()
    }
    try:
        for _, url, _ in servers.values():  # warm-up: connections, the pool
            for name in specs:
                sequential_ms(url, name, requests[:100])
        for r in range(rounds):
            for build, source in builds.items():
                url = servers[build][1]
                for name, path in specs.items():
                    row = rows[build][name]
                    row.setdefault("in_process_ms", []).append(in_process_child(path, n, args.seed, source))
                    mean, p50, seen = sequential_ms(url, name, requests)
                    row.setdefault("sequential_mean_ms", []).append(mean)
                    row.setdefault("sequential_p50_ms", []).append(p50)
                    statuses[build][name].update(seen)
                    records, seconds = asyncio.run(
                        fire(url, [{**q, "spec": name} for q in requests], args.clients)
                    )
                    assert all(q.get("code") == 200 for q in records), "a request failed"
                    row.setdefault("concurrent_requests_per_s", []).append(len(records) / seconds)
                say(
                    f"round {r + 1}, {build}: "
                    + ", ".join(
                        f"{k}: {v['in_process_ms'][-1]:.3f} ms in process, {v['sequential_mean_ms'][-1]:.3f} "
                        f"ms sequential, {v['concurrent_requests_per_s'][-1]:.0f} req/s"
                        for k, v in rows[build].items()
                    )
                )
        for proc, _, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    finally:
        for proc, _, _ in servers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = {
        build: {
            name: {
                **{
                    key: {"median": round(statistics.median(v), 4), "rounds": [round(x, 4) for x in v]}
                    for key, v in by_key.items()
                },
                "statuses": dict(statuses[build][name]),
            }
            for name, by_key in by_spec.items()
        }
        for build, by_spec in rows.items()
    }
    result = {
        "benchmark": "server_load.overhead",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {
            "requests_per_round": n,
            "rounds": rounds,
            "clients": args.clients,
            "samples_per_request": 1,
            "specs": {"rules": RULES_SPEC, "math": "packaged math spec"},
            "server_command": " ".join(servers["current"][2][1:]),
            "baseline": None if args.baseline is None else str(args.baseline),
            "baseline_commit": args.baseline_commit,
        },
        "machine": machine_info(("rewardkit", "fastapi", "uvicorn", "httpx", "aiohttp", "regex")),
        "results": results,
        "notes": [
            "median of the rounds; the builds take turns round by round; clients and servers share the "
            "machine's cores (loopback)",
            "in_process_ms: one await of spec.ascore_batch per one-sample request, no HTTP (a fresh process "
            "per measurement)",
        ],
    }
    output = args.output or OVERHEAD_RESULTS
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in specs:
        line = ", ".join(
            f"{b} {results[b][name]['in_process_ms']['median']:.3f} / {results[b][name]['sequential_mean_ms']['median']:.3f} ms"
            for b in builds
        )
        say(f"{name} (in process / sequential over HTTP, medians): {line}")
    say(f"results written to {output}")
    return 0


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, one offline pass; under 60 s")
    parser.add_argument("--requests", type=int, help="requests in the load run (default 10,000; quick 600)")
    parser.add_argument(
        "--fault-requests", type=int, help="requests in the fault run (default 2,000; quick 200)"
    )
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    parser.add_argument(
        "--likelihood-fraction", type=float, default=0.05, help="share of likelihood requests"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--overhead", action="store_true", help="only the per-request overhead (see the module docstring)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="--overhead: rounds (the median is reported)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="--overhead: also measure the rewardkit of this folder (e.g. `git archive <commit>` unpacked)",
    )
    parser.add_argument("--baseline-commit", help="--overhead: the commit the baseline folder holds")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    n = args.requests or (600 if args.quick else 10_000)
    n_fault = args.fault_requests or (200 if args.quick else 2000)
    began = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f}s] {text}", flush=True)

    if args.overhead:
        return overhead_run(args, say)
    args.output = results_path(NAME, args.quick, args.output)

    tmp = Path(tempfile.mkdtemp(prefix="rewardkit-server-load-"))
    lm_spec = tmp / "lm.yaml"
    lm_spec.write_text(LIKELIHOOD_SPEC, encoding="utf-8")
    spec_paths = {"math": "math", "lm": str(lm_spec)}
    requests = build_workload(n, args.likelihood_fraction, args.seed)
    fault_requests = build_workload(n_fault, args.likelihood_fraction, args.seed + 1, pool_bound=True)
    mix = Counter(r["spec"] for r in requests)
    say(f"{n} requests ({dict(mix)}), {sum(len(r['samples']) for r in requests)} samples")

    passes = [run_offline(requests, spec_paths)]
    say(f"offline pass 1: { {k: round(v['seconds'], 2) for k, v in passes[0]['by_spec'].items()} } s")

    log = tmp / "server.log"
    proc, url, command = start_server(["math", str(lm_spec)], log)
    try:
        warm = build_workload(2 * args.clients, 0.1, args.seed + 2)  # pool start, model load, connections
        asyncio.run(fire(url, warm, args.clients))
        say("server started and warm")
        before = scrape(url)
        records, seconds = asyncio.run(fire(url, requests, args.clients))
        after = scrape(url)
        server = {**summarize(requests, records, seconds), **compare(requests, records, passes[0])}
        server["engine"] = {k: v - before.get(k, 0.0) for k, v in after.items() if "queue" not in k}
        say(
            f"server: {server['seconds']:.2f}s, {server['requests_per_s']:.0f} requests/s, "
            f"{server['samples_per_s']:.0f} samples/s, p50 {server['latency_ms']['p50']:.0f} ms, "
            f"p99 {server['latency_ms']['p99']:.0f} ms, lost {server['lost']}, errors {server['errors']}"
        )
        fault = fault_run(url, proc.pid, fault_requests, args.clients)
        say(
            f"fault run: killed worker {fault['killed_worker'].get('pid')} after "
            f"{fault['killed_worker'].get('at_request')} requests; {fault['requests']} requests, "
            f"lost {fault['lost']}, errors {fault['errors']}, hung {fault['hung_requests']}, "
            f"{fault['scores_failed_by_the_kill']} score(s) failed by the kill"
        )
        start = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(timeout=120)
        shutdown = {"exit_code": exit_code, "seconds": round(time.perf_counter() - start, 2)}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if not args.quick:  # a second offline pass after the server run: the baseline is the faster one
        passes.append(run_offline(requests, spec_paths))
        say(f"offline pass 2: { {k: round(v['seconds'], 2) for k, v in passes[1]['by_spec'].items()} } s")
    offline = best_offline(passes)
    ratio = server["samples_per_s"] / offline["samples_per_s"]
    result = {
        "benchmark": "server_load",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seed": args.seed,
        "config": {
            "requests": n,
            "fault_requests": n_fault,
            "clients": args.clients,
            "samples_per_request": [1, 4],
            "likelihood_fraction": args.likelihood_fraction,
            "mix": dict(mix),
            "specs": {"math": "packaged math spec", "lm": LIKELIHOOD_SPEC},
            "server_command": " ".join(command[1:]),
            "client": "asyncio + aiohttp in one process, POST /v1/score, connections kept alive",
        },
        "machine": machine_info(("rewardkit", "fastapi", "uvicorn", "aiohttp", "torch", "transformers")),
        "offline": offline,
        "server": server,
        "fault": fault,
        "shutdown": shutdown,
        "ratio": ratio,
        "ratio_definition": "server samples/s (load run) divided by offline samples/s: one warm score_batch "
        "per spec over all its samples, the faster of the passes before and after the server run (one "
        "pass with --quick), on the same samples",
        "goal": {"ratio": 0.8, "lost": 0, "errors": 0},
        "notes": [
            "clients, server, pool workers and model share the machine's cores (loopback)",
            "on a shared machine the speed of the same pass can vary several-fold: seconds_each_pass lists "
            "every offline pass; the server run is measured once",
            "likelihood requests wait for the scheduler's next merged batch: their latency is the batch "
            "time (seconds on a CPU), math requests are answered in milliseconds meanwhile",
        ],
        "seconds_total": round(time.perf_counter() - began, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"offline {offline['samples_per_s']:.0f} samples/s; results written to {args.output}")
    ok = (
        server["lost"] == server["errors"] == server["bad_responses"] == 0
        and fault["all_answered"]
        and exit_code == 0
    )
    if not ok:
        print(f"FAILED: lost/errors/hangs or unclean exit; server log: {log}", flush=True)
    print(f"ratio={ratio:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
