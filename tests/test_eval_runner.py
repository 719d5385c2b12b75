"""The runner on the real packaged SmolLM2: the run directory is the log (config first, generations and
samples as they finish, summary last); resume after kill -9 repeats no generation and writes no row twice;
a changed configuration is refused unless forced; failures stay visible; pairwise rows and win rates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rewardkit import Score, Verifier
from rewardkit.engine.backends.hf import TransformersBackend
from rewardkit.errors import ConfigError, InputError
from rewardkit.evals import Run, load_runs, run_suite, summaries
from rewardkit.evals.metrics import pass_at_k

SUITE = """\
name: tiny-gsm8k
dataset:
  path: rows.jsonl
  reference: answer
prompt:
  template: "{{{{ question }}}}\\nEnd with '#### <number>'."
model: {{backend: transformers, model: smollm2, options: {{threads: 1}}}}
generation: {{n: {n}, temperature: {t}, max_tokens: {tokens}, batch_size: 1, seed: 3}}
scoring:
  verifier: math
  config: {{mode: flexible}}
metrics: {metrics}
"""
CONTRACT = {"key", "doc", "sample", "id", "subset", "prompt", "value", "status", "reason", "details", "correct",
            "response", "reference", "finish_reason", "answer", "length_chars", "length_tokens", "steps", "row_hash"}  # fmt: skip


@pytest.fixture
def tiny(tmp_path: Path, shared_data: Path) -> Path:
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return write_suite(tmp_path)


def write_suite(
    tmp_path: Path,
    n: int = 1,
    t: float = 0,
    tokens: int = 16,
    metrics: str = "[accuracy]",
    name: str = "tiny.yaml",
) -> Path:
    path = tmp_path / name
    path.write_text(SUITE.format(n=n, t=t, tokens=tokens, metrics=metrics), encoding="utf-8")
    return path


class CountGenerations:
    """Counts the prompts the real backend is asked to generate for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.prompts = 0
        real = TransformersBackend.generate

        def counted(backend: Any, requests: Any, params: Any = None) -> Any:
            self.prompts += len(requests)
            return real(backend, requests, params)

        monkeypatch.setattr(TransformersBackend, "generate", counted)


def keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_run_writes_its_log_and_resumes_without_repeating(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = CountGenerations(monkeypatch)
    seen: list[tuple[str, int, int]] = []
    out = run_suite(tiny, tmp_path / "run", limit=3, progress=lambda *a: seen.append(a))
    run = Run(out)
    config, summary, rows = run.config, run.summary, run.rows()
    assert counter.prompts == 3
    assert (
        config["suite"] == "tiny-gsm8k" and config["model"] == "smollm2" and len(config["suite_hash"]) == 64
    )
    assert config["versions"]["rewardkit"] and config["generation"]["max_tokens"] == 16
    assert [r["key"] for r in rows] == ["0:0", "1:0", "2:0"] and set(rows[0]) == CONTRACT
    for row in rows:  # correctness follows the score: ok and value >= 0.5, unparseable is wrong
        expected = (
            None if row["status"] in ("error", "timeout") else bool(row["value"] and row["value"] >= 0.5)
        )
        assert row["correct"] == expected
        assert row["length_chars"] == len(row["response"]) and row["length_tokens"] > 0
        assert (
            row["reference"].split("####")[-1].strip()
            == row["details"].get("gold", row["reference"]).split("####")[-1].strip()
        )
    assert summary["complete"] and summary["samples"] == 3 and sum(summary["statuses"].values()) == 3
    accuracy = summary["metrics"]["accuracy"]
    assert accuracy["value"] == pytest.approx(sum(bool(r["correct"]) for r in rows) / 3)
    assert accuracy["ci"][0] <= accuracy["value"] <= accuracy["ci"][1]
    assert ("generate", 3, 3) in seen and seen[-1] == ("score", 3, 3)
    before = (out / "generations.jsonl").read_text()

    # the same call again: nothing generated, nothing written twice
    run_suite(tiny, out, limit=3)
    assert counter.prompts == 3 and (out / "generations.jsonl").read_text() == before
    # a larger limit extends the run: only the new docs are generated
    run_suite(tiny, out, limit=5)
    assert counter.prompts == 5
    assert keys(out / "samples.jsonl") == [f"{d}:0" for d in range(5)]
    assert Run(out).summary["samples"] == 5
    # the DataFrame API over runs
    frame = load_runs([out])
    assert (
        len(frame) == 5
        and set(frame["run"]) == {str(out)}
        and {"value", "status", "correct"} <= set(frame.columns)
    )
    table = summaries([out])
    assert list(table["metric"]) == ["accuracy"] and table["complete"].all()
    assert {"excluded", "samples", "not_ok"} <= set(table.columns) and table["samples"].iloc[0] == 5
    # a smaller limit reports on the first rows; the others stay in the log
    run_suite(tiny, out, limit=2)
    assert [r["key"] for r in Run(out).rows()] == ["0:0", "1:0"] and Run(out).summary["samples"] == 2
    assert len(keys(out / "samples.jsonl")) == 5
    with pytest.raises(InputError, match="no such run directory"):
        Run(tmp_path / "nowhere")


def test_a_changed_config_is_refused_unless_forced(tiny: Path, tmp_path: Path) -> None:
    out = run_suite(tiny, tmp_path / "run", limit=1)
    changed = write_suite(tmp_path, tokens=12, name="changed.yaml")
    with pytest.raises(
        ConfigError, match=r"another configuration \(generation.max_tokens: 16 -> 12\).*--force"
    ):
        run_suite(changed, out, limit=1)
    with pytest.raises(ConfigError, match=r"configuration \(model: 'smollm2' -> 'gemma3-270m'\)"):
        run_suite(tiny, out, limit=1, model="gemma3-270m")
    run_suite(changed, out, limit=1, force=True)
    config = Run(out).config
    assert config["forced"][0]["from"]["suite_hash"] != config["suite_hash"]
    assert len(keys(out / "samples.jsonl")) == 1  # the finished row was kept, not redone
    # the data under the run changed: its finished rows would be stale, so it is refused even with --force
    data = tmp_path / "rows.jsonl"
    lines = data.read_text().splitlines(keepends=True)
    data.write_text(lines[0].replace("16 eggs", "17 eggs") + "".join(lines[1:]))
    with pytest.raises(
        ConfigError, match=r"doc 0 \('0'\) of this run is not the same row .*the data changed"
    ):
        run_suite(changed, out, limit=1, force=True)
    # a reward spec named by the suite is part of the configuration by its content
    spec = tmp_path / "spec.yaml"
    spec.write_text("components:\n  - {name: c, verifier: math}\n")
    by_spec = tmp_path / "by-spec.yaml"
    by_spec.write_text(
        tiny.read_text().replace("  verifier: math\n  config: {mode: flexible}\n", f"  spec: {spec}\n")
    )
    run_suite(by_spec, tmp_path / "spec-run", limit=1)
    spec.write_text("components:\n  - {name: c, verifier: math, config: {mode: boxed}}\n")
    with pytest.raises(ConfigError, match=r"files: \{'scoring.spec': '[0-9a-f]+'\} -> \{'scoring.spec'"):
        run_suite(by_spec, tmp_path / "spec-run", limit=1)
    # options that only change speed are not configuration: the run resumes
    run_suite(tiny, out.parent / "speed", limit=1)
    run_suite(tiny, out.parent / "speed", limit=1, backend_options={"threads": 2, "token_budget": 2048})
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    with pytest.raises(ConfigError, match="not empty and is not a rewardkit run"):
        run_suite(tiny, tmp_path / "junk", limit=1)


def test_a_torn_last_line_is_dropped_and_redone(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = run_suite(tiny, tmp_path / "run", limit=2)
    samples = out / "samples.jsonl"
    lines = samples.read_text().splitlines(keepends=True)
    samples.write_text(lines[0] + lines[1][: len(lines[1]) // 2])  # a kill in the middle of a write
    assert [r["key"] for r in Run(out).rows()] == ["0:0"]  # readers skip the torn line
    counter = CountGenerations(monkeypatch)
    run_suite(tiny, out, limit=2)
    assert counter.prompts == 0  # its generation was already logged
    assert keys(samples) == ["0:0", "1:0"] and samples.read_text().splitlines(keepends=True) == lines


def test_kill_9_then_resume(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real `rewardkit eval` process killed with SIGKILL while it works, then the same run resumed."""
    out = tmp_path / "run"
    suite = write_suite(tmp_path, tokens=24, name="kill.yaml")
    cmd = [sys.executable, "-m", "rewardkit", "eval", str(suite), "-n", "6", "-o", str(out)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    generations = out / "generations.jsonl"
    while time.monotonic() < deadline and proc.poll() is None:
        if generations.exists() and len(generations.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read().decode()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    logged = RunLog(out)
    assert 2 <= len(logged.generations) < 6 and not (out / "summary.json").exists()

    counter = CountGenerations(monkeypatch)
    run_suite(suite, out, limit=6)
    assert counter.prompts == 6 - len(logged.generations)  # no finished generation was redone
    after = RunLog(out)
    assert sorted(after.samples) == [f"{d}:0" for d in range(6)]
    assert max(Counter(keys(out / "samples.jsonl")).values()) == 1
    assert max(Counter(keys(generations)).values()) == 1
    for key, row in logged.generations.items():  # the logged responses are the ones scored
        assert after.samples[key]["response"] == row["response"]
    assert Run(out).summary["complete"]


class RunLog:
    def __init__(self, out: Path) -> None:
        from rewardkit.evals.runner import RunFiles

        self.generations = RunFiles.read(out / "generations.jsonl")
        self.samples = RunFiles.read(out / "samples.jsonl")


def test_sampling_runs_measure_pass_and_majority(tmp_path: Path, shared_data: Path) -> None:
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    suite = write_suite(tmp_path, n=3, t=0.8, tokens=12, metrics="[pass@1, pass@3, maj@3, best_of_3]")
    text = suite.read_text().replace(
        "metrics:",
        "  selector: {verifier: length, config: {unit: chars, max_length: 60, buffer: 50}}\nmetrics:",
    )
    suite.write_text(text)
    out = run_suite(suite, tmp_path / "run")
    rows, summary = Run(out).rows(), Run(out).summary
    assert [r["key"] for r in rows] == [f"{d}:{s}" for d in range(2) for s in range(3)]
    for d in range(2):  # each sample is its own draw (per-sample seeds), not three copies of one answer
        assert len({r["response"] for r in rows if r["doc"] == d}) == 3
    for k in (1, 3):
        expected = (
            sum(pass_at_k(3, sum(bool(r["correct"]) for r in rows if r["doc"] == d), k) for d in range(2)) / 2
        )
        assert summary["metrics"][f"pass@{k}"]["value"] == pytest.approx(expected)
    assert set(summary["metrics"]) == {"pass@1", "pass@3", "maj@3", "best_of_3"}
    # best-of-3 picks by the selector's value (a length penalty here), not by correctness
    assert all(r["select_status"] == "ok" and r["select_value"] <= 0 for r in rows)
    picks = []
    for d in range(2):
        doc = [r for r in rows if r["doc"] == d]
        best = max(range(3), key=lambda i: (doc[i]["select_value"], -i))
        picks.append(float(bool(doc[best]["correct"])))
    assert summary["metrics"]["best_of_3"]["value"] == pytest.approx(sum(picks) / 2)


class Explodes(Verifier):
    name = "test_explodes"

    def score_batch(self, samples: Any) -> list[Score]:
        raise RuntimeError("the scorer is down")


class HalfBroken(Verifier):
    name = "test_half_broken"

    def score_batch(self, samples: Any) -> list[Score]:
        return [Score(1.0) if int(s.id) % 2 else Score.error("judge unreachable") for s in samples]


def test_failures_stay_visible(tiny: Path, tmp_path: Path, registered: Any) -> None:
    registered(Explodes)
    registered(HalfBroken)
    text = (
        tiny.read_text()
        .replace("verifier: math", "verifier: test_explodes")
        .replace("  config: {mode: flexible}\n", "")
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    out = run_suite(broken, tmp_path / "broken", limit=2)
    rows, summary = Run(out).rows(), Run(out).summary
    assert [r["status"] for r in rows] == ["error", "error"] and all(r["correct"] is None for r in rows)
    assert "the scorer is down" in rows[0]["reason"] and rows[0]["value"] is None
    assert summary["statuses"] == {"error": 2} and summary["metrics"]["accuracy"]["value"] is None
    half = tmp_path / "half.yaml"
    half.write_text(text.replace("test_explodes", "test_half_broken"))
    out = run_suite(half, tmp_path / "half", limit=4)
    accuracy = Run(out).summary["metrics"]["accuracy"]
    assert accuracy["value"] == 1.0 and accuracy["excluded"] == 2  # the two errors are counted, not zeros


def test_pairwise_suite_and_win_rate(tmp_path: Path, shared_data: Path) -> None:
    # pairwise: hh-rlhf transcripts scored by a cheap real comparator (pointwise over a format rule)
    pairwise = tmp_path / "pairs.yaml"
    pairwise.write_text(
        "name: pairs\ntask: pairwise\n"
        f"dataset: {{path: {shared_data / 'hh_rlhf' / 'harmless-base_test_first80pct.jsonl.gz'}, transcripts: true, limit: 6}}\n"
        "scoring:\n  comparator: pointwise\n  comparator_config: {verifier: format, config: {pattern: 'sorry|cannot|can.t'}}\n"
        "metrics: [pairwise_accuracy]\n"
    )
    out = run_suite(pairwise, tmp_path / "pairs-run")
    rows, summary = Run(out).rows(), Run(out).summary
    assert len(rows) == 6 and all(r["prompt"].endswith("Assistant:") for r in rows)
    assert all(r["winner"] in ("chosen", "rejected", "tie") for r in rows)
    credit = {"chosen": 1.0, "rejected": 0.0, "tie": 0.5}
    assert summary["metrics"]["pairwise_accuracy"]["value"] == pytest.approx(
        sum(credit[r["winner"]] for r in rows) / 6
    )
    for r in rows:
        if r["winner"] != "tie":
            assert (r["value_chosen"] > r["value_rejected"]) == (r["winner"] == "chosen")

    # win rate of the model's answers against a baseline answer, by a comparator
    rows_in = [{"question": f"Say hello to {name}.", "baseline": f"Hello {name}!"} for name in ("Ada", "Bo")]
    (tmp_path / "chat.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows_in))
    chat = tmp_path / "chat.yaml"
    chat.write_text(
        "name: chat\ndataset: {path: chat.jsonl, baseline: baseline}\n"
        "model: {options: {threads: 1}}\ngeneration: {max_tokens: 12}\n"
        "scoring:\n  verifier: length\n  config: {unit: words, max_length: 100, buffer: 50}\n  correct_at: null\n"
        "  comparator: pointwise\n  comparator_config: {verifier: format, config: {pattern: '(?i)hello'}}\n"
        "metrics: [win_rate, mean_score]\n"
    )
    out = run_suite(chat, tmp_path / "chat-run")
    rows, summary = Run(out).rows(), Run(out).summary
    assert all(r["winner"] in ("A", "B", "tie") for r in rows) and all(r["correct"] is None for r in rows)
    score = {"A": 1.0, "B": 0.0, "tie": 0.5}
    assert summary["metrics"]["win_rate"]["value"] == pytest.approx(sum(score[r["winner"]] for r in rows) / 2)


def test_a_run_that_failed_before_its_first_row_starts_again(tiny: Path, tmp_path: Path) -> None:
    """A suite fixed after a failed start is not refused as "another configuration"."""
    out = tmp_path / "run"
    broken = tmp_path / "broken.yaml"
    broken.write_text(tiny.read_text().replace("verifier: math", "verifier: test_explodes_at_build"))
    with pytest.raises(ConfigError, match="test_explodes_at_build"):
        run_suite(broken, out, limit=1)  # refused at load: nothing written
    assert not out.exists()
    config = tmp_path / "config.yaml"
    config.write_text(tiny.read_text().replace("max_tokens: 16", "max_tokens: 8"))
    (out).mkdir()
    (out / "config.json").write_text(json.dumps({"format": 1, "suite_hash": "stale", "model": "other"}))
    run_suite(tiny, out, limit=1)  # no rows yet: the stale header is replaced
    assert Run(out).config["model"] == "smollm2" and Run(out).summary["complete"]


def test_one_writer_per_run_directory(tiny: Path, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "run"
    out.mkdir()
    with (out / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ConfigError, match="another process is writing this run"):
            run_suite(tiny, out, limit=1)


class Unreadable(Verifier):
    name = "test_unreadable"

    def score_batch(self, samples: Any) -> list[Score]:
        return [Score.unparseable("no verdict") if int(s.id) % 2 else Score(1.0) for s in samples]


def test_unparseable_is_wrong_for_answer_readers_and_undecided_for_judges(
    tiny: Path, tmp_path: Path, registered: Any
) -> None:
    from rewardkit.evals.runner import judged_by_model
    from rewardkit.judges.pointwise import JudgeVerifier
    from rewardkit.verifiers.math import MathVerifier

    assert judged_by_model(JudgeVerifier()) and not judged_by_model(MathVerifier())
    registered(Unreadable)
    base = (
        tiny.read_text()
        .replace("verifier: math", "verifier: test_unreadable")
        .replace("  config: {mode: flexible}\n", "")
    )
    for policy, expected in (("wrong", False), ("undecided", None)):
        path = tmp_path / f"{policy}.yaml"
        path.write_text(base.replace("metrics:", f"  unparseable: {policy}\nmetrics:"))
        out = run_suite(path, tmp_path / policy, limit=2)
        rows = Run(out).rows()
        assert [r["status"] for r in rows] == ["ok", "unparseable"] and rows[1]["correct"] is expected
        accuracy = Run(out).summary["metrics"]["accuracy"]
        assert (accuracy["value"], accuracy["excluded"]) == ((0.5, 0) if policy == "wrong" else (1.0, 1))


def test_ctrl_c_saves_and_exits_130(tiny: Path, tmp_path: Path) -> None:
    """SIGINT to a real `rewardkit eval`: exit 130 (no native abort), an incomplete summary, resumable."""
    out = tmp_path / "run"
    suite = write_suite(tmp_path, tokens=24, name="int.yaml")
    cmd = [sys.executable, "-m", "rewardkit", "eval", str(suite), "-n", "6", "-o", str(out)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "samples.jsonl").exists() and (out / "samples.jsonl").read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert b"run the same command again to resume" in err and b"terminate called" not in err
    summary = Run(out).summary
    assert summary is not None and not summary["complete"] and 1 <= summary["samples"] < 6
    run_suite(suite, out, limit=6)
    assert Run(out).summary["complete"] and max(Counter(keys(out / "samples.jsonl")).values()) == 1
