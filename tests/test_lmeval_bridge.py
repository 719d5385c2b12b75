"""The lm-eval bridge, run through REAL lm-eval (0.4.13) with the packaged SmolLM2, offline.

- the shipped GSM8K task (local JSONL) with the ``rewardkit`` lm-eval model: lm-eval's exact_match and
  rewardkit_math side by side, per-sample verdicts equal to rewardkit's own math verifier;
- loglikelihood (a multiple-choice task) and loglikelihood_rolling (a perplexity task, and long texts in
  windows) through the rewardkit model agree with lm-eval's own ``hf`` model on the same local folder;
- rewardkit_math where exact_match is wrong, non-ok answers counted, the extraction filter, the generic
  rewardkit_score metric, the refusals (unknown generation kwargs, bad data), the ``python -m`` CLI.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

lm_eval = pytest.importorskip("lm_eval", reason="lm-eval is in the test extra")

from lm_eval.api.instance import Instance  # noqa: E402
from lm_eval.api.registry import get_aggregation, get_filter, get_metric, get_model  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

from rewardkit.engine.models import resolve_model  # noqa: E402
from rewardkit.errors import BackendError, ConfigError, InputError  # noqa: E402
from rewardkit.evals import lmeval as bridge  # noqa: E402
from rewardkit.types import Sample  # noqa: E402
from rewardkit.verifiers.math import MathVerifier  # noqa: E402

MODEL_ARGS = {"backend": "transformers", "model": "smollm2", "threads": 1}
LL_TOL = 2e-3  # float32 on the CPU, different batch shapes: sums of ~10 token logprobs agree to ~1e-4


def _tasks() -> TaskManager:
    """Only rewardkit's task folder (lm-eval's 10k built-in YAMLs take ~10 s to index)."""
    return TaskManager(include_path=str(bridge.task_dir()), include_defaults=False)


def _evaluate(model: Any, tasks: list[Any], **kwargs: Any) -> dict[str, Any]:
    return lm_eval.simple_evaluate(
        model=model, tasks=tasks, task_manager=_tasks(), log_samples=True, bootstrap_iters=0, **kwargs
    )


@pytest.fixture(scope="module")
def rk_lm() -> Any:
    return get_model("rewardkit").create_from_arg_obj(MODEL_ARGS)


@pytest.fixture(scope="module")
def hf_lm() -> Any:
    return get_model("hf").create_from_arg_obj(
        {"pretrained": resolve_model("smollm2"), "dtype": "float32", "device": "cpu", "batch_size": 8}
    )


# ------------------------------------------------------------------------------- GSM8K (generation)


def test_gsm8k_task_through_the_rewardkit_model(tmp_path: Path, shared_data: Path, rk_lm: Any) -> None:
    data = tmp_path / "test.jsonl"
    rows = (shared_data / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = bridge.gsm8k_task(data)
    config["generation_kwargs"]["max_gen_toks"] = 64
    out = _evaluate(rk_lm, [config], apply_chat_template=True)

    result = out["results"]["gsm8k_rewardkit"]
    for name in ("exact_match", "rewardkit_math", "rewardkit_math_unparseable", "rewardkit_math_error"):
        for pipeline in ("strict-match", "flexible-extract", "rewardkit"):
            assert 0.0 <= result[f"{name},{pipeline}"] <= 1.0, (name, pipeline)
    samples = out["samples"]["gsm8k_rewardkit"]
    ours = [s for s in samples if s["filter"] == "rewardkit"]
    assert len(ours) == 5
    verifier = MathVerifier(workers=0)
    golds = [json.loads(row) for row in rows]
    for sample in ours:
        doc = golds[sample["doc_id"]]
        prompt, gen_kwargs = sample["arguments"][0]
        # the suite's chat prompt, rendered by the model's chat template
        user = (
            doc["question"]
            + '\nSolve the problem step by step. End your answer with a final line of the form "#### <number>".'
        )
        assert prompt == rk_lm.backend.render_chat([{"role": "user", "content": user}])
        assert gen_kwargs["max_gen_toks"] == 64 and gen_kwargs["do_sample"] is False
        response = sample["resps"][0][0]
        assert response.strip(), "the model generated nothing"
        # the lm-eval metric says what rewardkit's own verifier says on the whole response
        own = verifier.score(Sample(prompt=user, response=response, reference=doc["answer"]))
        assert sample["rewardkit_math"] == (own.value if own.ok else 0.0)
        assert sample["rewardkit_math_unparseable"] == float(own.status.value == "unparseable")
    # the aggregate is the mean of the per-sample verdicts
    assert result["rewardkit_math,rewardkit"] == pytest.approx(sum(s["rewardkit_math"] for s in ours) / 5)


# ---------------------------------------------------------------- loglikelihood and rolling (vs hf)


def _scoring_tasks(tmp_path: Path) -> list[dict[str, Any]]:
    choices = tmp_path / "choices.jsonl"
    docs = [
        {"q": "The capital of France is", "choices": [" Paris", " Rome", " a small dog"], "label": 0},
        {"q": "Two plus two equals", "choices": [" four", " seven", " blue"], "label": 0},
        {"q": "The sun rises in the", "choices": [" west", " east", " fridge"], "label": 1},
        {"q": "", "choices": ["Hello world", "Colorless green ideas"], "label": 0},  # empty context
    ]
    choices.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    texts = tmp_path / "texts.jsonl"
    lines = ["The quick brown fox jumps over the lazy dog.", "Reward models score responses.\nThen RL."]
    texts.write_text("".join(json.dumps({"text": t}) + "\n" for t in lines), encoding="utf-8")
    return [
        {
            "task": "rk_choice",
            "dataset_path": "json",
            "dataset_kwargs": {"data_files": {"test": str(choices)}},
            "test_split": "test",
            "output_type": "multiple_choice",
            "doc_to_text": "{{q}}",
            "doc_to_choice": "{{choices}}",
            "doc_to_target": "{{label}}",
            "target_delimiter": "",
            "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
        },
        {
            "task": "rk_rolling",
            "dataset_path": "json",
            "dataset_kwargs": {"data_files": {"test": str(texts)}},
            "test_split": "test",
            "output_type": "loglikelihood_rolling",
            "doc_to_text": "",
            "doc_to_target": "{{text}}",
            "metric_list": [{"metric": "word_perplexity"}, {"metric": "bits_per_byte"}],
        },
    ]


def _resps(out: dict[str, Any], task: str) -> list[list[Any]]:
    return [s["resps"] for s in sorted(out["samples"][task], key=lambda s: s["doc_id"])]


def test_loglikelihoods_agree_with_lm_eval_hf(tmp_path: Path, rk_lm: Any, hf_lm: Any) -> None:
    tasks = _scoring_tasks(tmp_path)
    ours = _evaluate(rk_lm, tasks)
    theirs = _evaluate(hf_lm, tasks)
    for doc_ours, doc_theirs in zip(_resps(ours, "rk_choice"), _resps(theirs, "rk_choice"), strict=True):
        for [(ll, greedy)], [(ll_hf, greedy_hf)] in zip(doc_ours, doc_theirs, strict=True):
            assert ll < 0 and ll == pytest.approx(ll_hf, abs=LL_TOL)
            assert greedy == greedy_hf
    assert ours["results"]["rk_choice"]["acc,none"] == theirs["results"]["rk_choice"]["acc,none"]
    for [[ll]], [[ll_hf]] in zip(_resps(ours, "rk_rolling"), _resps(theirs, "rk_rolling"), strict=True):
        assert ll < -5 and ll == pytest.approx(ll_hf, abs=LL_TOL)
    for metric in ("word_perplexity,none", "bits_per_byte,none"):
        assert ours["results"]["rk_rolling"][metric] == pytest.approx(
            theirs["results"]["rk_rolling"][metric], rel=1e-4
        )


def test_rolling_windows_match_lm_eval_hf(hf_lm: Any) -> None:
    """A text longer than the window: rewardkit with max_length=L+1 cuts the same disjoint windows of L
    scored tokens (each after one context token) as lm-eval's hf model with max_length=L."""
    text = " ".join(f"Item {i} is followed by item {i + 1}." for i in range(12))
    window = 24
    ours = get_model("rewardkit").create_from_arg_obj({**MODEL_ARGS, "max_length": window + 1})
    theirs = get_model("hf").create_from_arg_obj(
        {
            "pretrained": resolve_model("smollm2"),
            "dtype": "float32",
            "device": "cpu",
            "batch_size": 8,
            "max_length": window,
        }
    )
    assert len(ours.tokenizer(text, add_special_tokens=False)["input_ids"]) > 4 * window
    assert len(ours.rolling_windows(text)) > 4
    request = [Instance("loglikelihood_rolling", {}, (text,), 0)]
    [ll] = ours.loglikelihood_rolling(request)
    [ll_hf] = theirs.loglikelihood_rolling(request)
    [ll_full] = hf_lm.loglikelihood_rolling(request)  # one window: more context, higher likelihood
    assert ll == pytest.approx(ll_hf, abs=5 * LL_TOL)
    assert ll < ll_full


# ------------------------------------------------------------------------------ metrics and filters


def _gsm8k_task(tmp_path: Path) -> Any:
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"question": "q?", "answer": "work\n#### 1000"}) + "\n", encoding="utf-8")
    return _tasks().load([bridge.gsm8k_task(data)])["tasks"]["gsm8k_rewardkit"]


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [("$1,000", "1000"), ("18.0", "18"), ("\\frac{1}{2}", "0.5"), ("3/4", "0.75"), ("1000.00", "1000")],
)
def test_rewardkit_math_where_exact_match_is_wrong(prediction: str, gold: str) -> None:
    exact_match = get_metric("exact_match")
    assert exact_match(references=[gold], predictions=[prediction])["exact_match"] == 0.0
    metric = get_metric("rewardkit_math")  # from lm-eval's registry: registered from outside lm-eval
    assert metric(references=[gold], predictions=[prediction]) == {
        "rewardkit_math": 1.0,
        "rewardkit_math_unparseable": 0.0,
        "rewardkit_math_error": 0.0,
    }


def test_the_task_scores_answers_through_lm_eval(tmp_path: Path) -> None:
    """Task.process_results (lm-eval's metric wiring) with the shipped task's metric list."""
    task = _gsm8k_task(tmp_path)
    doc = next(iter(task.test_docs()))
    assert doc["target"] == "1000"
    right = task.process_results(doc, ["1000.00"])
    assert right["rewardkit_math"] == 1.0 and right["exact_match"] == 0.0
    unparseable = task.process_results(doc, ["[invalid]"])  # what lm-eval's regex filters give on no match
    assert unparseable["rewardkit_math"] == 0.0
    assert unparseable["rewardkit_math_unparseable"] == 1.0 and unparseable["rewardkit_math_error"] == 0.0
    wrong = task.process_results(doc, ["999"])
    assert wrong["rewardkit_math"] == 0.0 and wrong["rewardkit_math_unparseable"] == 0.0
    assert task.higher_is_better()["rewardkit_math_unparseable"] is False


def test_extract_filter() -> None:
    extract = get_filter("rewardkit_extract")
    responses = [["so the answer is $\\boxed{\\frac{1}{2}}$."], ["#### 1,000"], ["no number here"]]
    assert extract().apply(responses, [{}] * 3) == [["\\frac{1}{2}"], ["1,000"], ["[invalid]"]]
    assert extract(mode="strict", fallback="").apply([["it is 7"]], [{}]) == [[""]]
    with pytest.raises(ConfigError, match="mode"):
        extract(mode="loose")


def test_rewardkit_score_with_any_verifier_or_spec() -> None:
    metric = get_metric("rewardkit_score")
    assert metric(["18"], ["#### 18.0"], verifier="math") == {
        "rewardkit_score": 1.0,
        "rewardkit_score_nonok": 0.0,
    }
    failed = metric(["18"], ["nothing"], verifier="math", config={"mode": "strict"})
    assert math.isnan(failed["rewardkit_score"]) and failed["rewardkit_score_nonok"] == 1.0
    # the aggregation leaves the failed one out instead of averaging a 0 in (a reward may be negative)
    assert get_aggregation("rewardkit_ok_mean")([1.0, float("nan"), -0.5]) == 0.25
    assert math.isnan(get_aggregation("rewardkit_ok_mean")([float("nan")]))
    assert metric(["18"], ["The answer is 18."], spec="math")["rewardkit_score"] == 1.0
    with pytest.raises(ConfigError, match="exactly one"):
        metric(["18"], ["18"], verifier="math", spec="math")


def test_generation_kwargs_mapping_and_refusal() -> None:
    params = bridge.generation_params(
        {"until": ["Q:", ""], "max_gen_toks": 32, "do_sample": False, "temperature": 0.7}
    )
    assert (params.stop, params.max_tokens, params.temperature) == (("Q:",), 32, 0.0)
    sampled = bridge.generation_params({"until": "\n\n", "do_sample": True, "temperature": 0.7, "top_p": 0.9})
    assert (sampled.stop, sampled.max_tokens, sampled.temperature, sampled.top_p) == (
        ("\n\n",),
        256,
        0.7,
        0.9,
    )
    with pytest.raises(ConfigError, match="top_k"):
        bridge.generation_params({"until": [], "top_k": 5})


def test_bad_gsm8k_data_is_a_clear_error(tmp_path: Path) -> None:
    import datasets

    with pytest.raises(InputError, match="row 2: field 'answer' has no '#### <number>'"):
        bridge.gsm8k_docs(
            datasets.Dataset.from_list(
                [{"question": "a", "answer": "#### 1"}, {"question": "b", "answer": "2"}]
            )
        )
    with pytest.raises(InputError, match="no such file"):
        bridge.gsm8k_task(tmp_path / "missing.jsonl")


def test_python_m_cli_lists_the_shipped_task() -> None:
    """``python -m rewardkit.evals.lmeval`` is lm-eval's CLI with rewardkit's task folder included."""
    proc = subprocess.run(
        [sys.executable, "-m", "rewardkit.evals.lmeval", "ls", "tasks"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "gsm8k_rewardkit" in proc.stdout


def test_a_continuation_cut_to_the_window_is_an_error_not_a_partial_sum() -> None:
    small = get_model("rewardkit").create_from_arg_obj({**MODEL_ARGS, "max_length": 16})
    long = " ".join(["word"] * 40)
    request = Instance("loglikelihood", {}, ("Some context:", " " + long), 0)
    with pytest.raises(BackendError, match="continuations do not fit the model's window"):
        small.loglikelihood([request])
