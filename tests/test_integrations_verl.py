"""The verl adapter: verl's published compute_score contract, and verl 0.9.1's own reward managers.

verl 0.9.1 pins transformers<5.11, which conflicts with this project's transformers==5.19, so it is not
in the test extras. Its reward-manager path needs none of that: ``test_verl_overlay`` installs verl and
the few small packages that path imports (``pip install --no-deps --target``, once, into the rewardkit
cache; the project's environment is not touched) and runs the ``real_verl`` tests below in a subprocess
with that folder on PYTHONPATH. Where verl itself is importable, they run in this process instead.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import os
from typing import Any

import numpy as np
import pytest

import rewardkit.integrations.verl as rk_verl
from rewardkit import Sample, Status, load_spec
from rewardkit.errors import ConfigError, InputError

try:
    import verl  # noqa: F401

    HAVE_VERL = True
except Exception:  # not installed, or installed without what it needs
    HAVE_VERL = False

from conftest import VERL_PINS  # noqa: E402  (benchmarks/_overlay.py: one list for tests and benchmarks)

requires_verl = pytest.mark.skipif(
    not HAVE_VERL, reason="verl is not importable here; test_verl_overlay runs these against verl 0.9.1"
)

# (data_source, response, ground truth, extra_info, expected value under the `math` spec, status)
ROWS = [
    (
        "openai/gsm8k",
        "She pays 3 * 24 = 72 dollars.\n#### 72",
        "72",
        {"index": 0, "question": "Q0"},
        1.0,
        "ok",
    ),
    ("openai/gsm8k", "So the total is $\\boxed{72}$.", "72", {"index": 0, "question": "Q0"}, 1.1, "ok"),
    ("lighteval/MATH", "The answer is $\\boxed{3}$.", "4", {"index": 1, "question": "Q1"}, 0.1, "ok"),
    (
        "lighteval/MATH",
        "I am not sure how to do this.",
        "4",
        {"index": 1, "question": "Q1"},
        0.0,
        "unparseable",
    ),
]


def _module_file() -> str:
    return rk_verl.__file__


def _load_like_verl(name: str) -> Any:
    """verl.utils.import_utils.load_extern_object(module_path=<file>, object_name=name), re-done here."""
    path = _module_file()
    spec = importlib.util.spec_from_file_location(f"custom_module_{hash(os.path.abspath(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


# ------------------------------------------------------------------------------ the published contract


def test_signatures_match_verls_contract():
    assert list(inspect.signature(rk_verl.compute_score).parameters)[:4] == [
        "data_source",
        "solution_str",
        "ground_truth",
        "extra_info",
    ]
    assert inspect.signature(rk_verl.compute_score).parameters["extra_info"].default is None
    assert list(inspect.signature(rk_verl.compute_score_batch).parameters)[:4] == [
        "data_sources",
        "solution_strs",
        "ground_truths",
        "extra_infos",
    ]
    # verl awaits `async def` reward functions and runs the others in a thread
    assert inspect.iscoroutinefunction(_load_like_verl("compute_score_async"))
    assert not inspect.iscoroutinefunction(_load_like_verl("compute_score"))


@pytest.mark.parametrize("row", ROWS, ids=[r[1][:20] for r in ROWS])
def test_compute_score_per_sample(row):
    source, response, truth, extra, value, status = row
    fn = _load_like_verl("compute_score")  # the file as verl loads it
    out = fn(data_source=source, solution_str=response, ground_truth=truth, extra_info=extra)
    assert out == {
        "score": pytest.approx(value),
        "ok": 1.0 if status == "ok" else 0.0,
        "status": status,
        "reason": out["reason"],
    }
    assert (out["reason"] == "") == (status == "ok")
    assert fn(source, response, truth, return_dict=False) == pytest.approx(value)


def test_non_ok_default_and_env(monkeypatch):
    args = ("x", "no answer here", "4")
    assert rk_verl.compute_score(*args)["score"] == 0.0
    assert rk_verl.compute_score(*args, default=-1.0)["score"] == -1.0
    monkeypatch.setenv("REWARDKIT_DEFAULT", "-0.5")
    assert rk_verl.compute_score(*args) == {
        "score": -0.5,
        "ok": 0.0,
        "status": "unparseable",
        "reason": "correctness: no final answer found (flexible mode)",
    }
    monkeypatch.setenv("REWARDKIT_DEFAULT", "lots")
    with pytest.raises(ConfigError, match="REWARDKIT_DEFAULT"):
        rk_verl.compute_score(*args)


def test_spec_from_env_kwarg_and_mapping(monkeypatch):
    response = "5 + 7 = 12\n#### 12"  # gsm8k's format bonus: ends on a #### line
    assert rk_verl.compute_score("s", response, "12")["score"] == pytest.approx(1.0)
    assert rk_verl.compute_score("s", response, "12", spec="gsm8k")["score"] == pytest.approx(1.1)
    monkeypatch.setenv("REWARDKIT_SPEC", "gsm8k")
    assert rk_verl.compute_score("s", response, "12")["score"] == pytest.approx(1.1)
    mapping = {"openai/gsm8k": "gsm8k", "*": "math"}
    assert rk_verl.compute_score("openai/gsm8k", response, "12", spec=mapping)["score"] == pytest.approx(1.1)
    assert rk_verl.compute_score("other", response, "12", spec=mapping)["score"] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="no reward spec for data_source 'other'"):
        rk_verl.compute_score("other", response, "12", spec={"openai/gsm8k": "gsm8k"})


def test_fallback_value_is_kept_and_status_stays(lenient_spec):
    out = rk_verl.compute_score("x", "nothing", "4", spec=str(lenient_spec), default=0.0)
    assert out["score"] == 0.25 and out["status"] == "unparseable" and out["ok"] == 0.0


def test_async_matches_sync():
    for source, response, truth, extra, _, _ in ROWS:
        sync = rk_verl.compute_score(source, response, truth, extra)
        assert asyncio.run(rk_verl.compute_score_async(source, response, truth, extra)) == sync


def test_batch_order_and_numpy_inputs():
    sources = np.array([r[0] for r in ROWS], dtype=object)  # verl's non-tensor batch is numpy
    truths = [np.str_(r[2]) for r in ROWS]
    extras = np.array([dict(r[3]) for r in ROWS], dtype=object)
    out = _load_like_verl("compute_score_batch")(
        data_sources=sources, solution_strs=[r[1] for r in ROWS], ground_truths=truths, extra_infos=extras
    )
    assert [o["score"] for o in out] == pytest.approx([r[4] for r in ROWS])
    assert [o["status"] for o in out] == [r[5] for r in ROWS]
    assert out == [rk_verl.compute_score(*r[:4]) for r in ROWS]
    floats = rk_verl.compute_score_batch(sources, [r[1] for r in ROWS], truths, None, return_dict=False)
    assert floats == pytest.approx([r[4] for r in ROWS])


def test_batch_groups_and_prompts(recorder):
    rec = recorder
    score = rk_verl.make_compute_score(rec, batched=True, return_dict=False)
    out = score(
        ["a", "a", "a", "b", "b"],
        ["r1", "r2", "r3", "r4", "r5"],
        ["1", "1", "2", "3", "3"],
        [
            {"index": 0, "question": "q0"},
            {"index": 0, "question": "q0"},
            {"index": 1},
            {"index": 0},
            {"index": 0},
        ],
    )
    # groups: (a, 0) x2, (a, 1) x1, (b, 0) x2 -- the index alone would merge a:0 and b:0
    assert out == [2.0, 2.0, 1.0, 2.0, 2.0]
    assert [s.prompt for s in rec.seen] == ["q0", "q0", "", "", ""]
    assert [s.reference for s in rec.seen] == ["1", "1", "2", "3", "3"]
    assert rec.seen[0].meta["data_source"] == "a"
    rec.seen.clear()  # no ids: grouped by prompt; no prompt either: each sample alone
    score(["s"] * 4, ["r"] * 4, ["1"] * 4, [{"prompt": "p"}, {"prompt": "p"}, {}, {}])
    assert len({s.group for s in rec.seen[:2]}) == 1 and len({s.group for s in rec.seen}) == 3
    assert score.__name__ == "rewardkit_group_recorder"


def test_bound_compute_score_per_sample():
    fn = rk_verl.make_compute_score("gsm8k", default=-1.0, return_dict=False)
    assert fn.__name__ == "rewardkit_gsm8k"
    assert fn("d", "#### 12", "12") == pytest.approx(1.1)
    assert fn("d", "what?", "12") == -1.0
    # verl passes manager-specific keywords to some reward functions: they are ignored
    assert fn("d", "#### 12", "12", None, reward_router_address=None) == pytest.approx(1.1)


def test_length_mismatch_is_an_error():
    with pytest.raises(InputError, match="ground_truths has 1 entries for 2"):
        rk_verl.compute_score_batch(["a", "a"], ["x", "y"], ["1"], None)


@pytest.mark.parametrize("batched", [False, True])
def test_steps_and_meta_from_extra_info_reach_the_verifier(recorder, batched):
    """A row whose extra_info carries `steps` and `meta` (a JSONL row turned into verl's parquet):
    Sample.steps, and meta laid over verl's own (data_source, extra_info); chat prompts become text."""
    extra = {
        "index": np.int64(3),
        "prompt": np.array([{"role": "user", "content": [{"type": "text", "text": "2+2?"}]}], dtype=object),
        "steps": np.array(["2 + 2", "= 4"], dtype=object),
        "meta": {"source": "gsm8k"},
    }
    fn = rk_verl.make_compute_score(recorder, batched=batched)
    if batched:
        fn(["d"], ["4"], ["4"], [extra])
    else:
        fn("d", "4", "4", extra)
    (seen,) = recorder.seen
    assert (seen.steps, seen.reference, seen.prompt) == (
        ["2 + 2", "= 4"],
        "4",
        [{"role": "user", "content": "2+2?"}],
    )
    assert seen.meta["source"] == "gsm8k" and seen.meta["data_source"] == "d"
    assert seen.meta["extra_info"]["index"] == 3
    # extra_info "steps" of another shape (a dataset's own column) is not used as steps, and says so
    recorder.seen.clear()
    fn("d", "4", "4", {"steps": "2 + 2 = 4"}) if not batched else fn(["d"], ["4"], ["4"], [{"steps": "x"}])
    (seen,) = recorder.seen
    assert seen.steps is None and seen.meta["rewardkit_ignored"] == ["steps"]


def test_step_scores_as_extra_info_keys(stepped_spec):
    """steps=True: every dict carries num_steps, step_values (JSON text) and aggregation, the same keys with
    or without step scores (verl stacks each key over the batch)."""
    responses = ["2 + 2 = 4\nso \\boxed{4}", "add them\n\\boxed{4}"]
    out = rk_verl.compute_score_batch(
        ["d", "d"], responses, ["4", "4"], None, spec=str(stepped_spec), steps=True
    )
    assert [o["score"] for o in out] == pytest.approx([1.5, 1.0])
    assert [o["num_steps"] for o in out] == [2.0, 2.0]
    assert [json.loads(o["step_values"]) for o in out] == [[1.0, 1.0], [0.0, 1.0]]
    assert [o["aggregation"] for o in out] == ["none", "none"]
    single = rk_verl.compute_score("d", responses[0], "4", spec=str(stepped_spec), steps=True)
    assert single == out[0]
    plain = rk_verl.compute_score("d", "\\boxed{4}", "4", spec="math", steps=True)  # no step scores
    assert (plain["num_steps"], plain["step_values"], plain["aggregation"]) == (0.0, "[]", "")
    assert set(rk_verl.compute_score("d", "\\boxed{4}", "4")) == {"score", "ok", "status", "reason"}


# ----------------------------------------------------------------------------- verl's own reward path


def _tokenizer() -> Any:
    from transformers import AutoTokenizer

    from rewardkit.engine.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model("smollm2"))


def _dataproto(tokenizer: Any, rows=ROWS) -> Any:
    """A rollout batch as verl's trainer hands it to a reward manager: left-padded prompts, right-padded
    responses, one attention mask over both, and the dataset's non-tensor fields."""
    import torch
    from verl import DataProto

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    prompts = [tokenizer(r[3]["question"], add_special_tokens=False)["input_ids"] for r in rows]
    responses = [tokenizer(r[1], add_special_tokens=False)["input_ids"] for r in rows]
    p_len, r_len = max(map(len, prompts)), max(map(len, responses)) + 3
    p_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    p_mask = torch.tensor([[0] * (p_len - len(p)) + [1] * len(p) for p in prompts])
    r_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    r_mask = torch.tensor([[1] * len(r) + [0] * (r_len - len(r)) for r in responses])
    return DataProto.from_dict(
        tensors={
            "prompts": p_ids,
            "responses": r_ids,
            "input_ids": torch.cat([p_ids, r_ids], dim=1),
            "attention_mask": torch.cat([p_mask, r_mask], dim=1),
        },
        non_tensors={
            "data_source": np.array([r[0] for r in rows], dtype=object),
            "reward_model": np.array([{"ground_truth": r[2], "style": "rule"} for r in rows], dtype=object),
            "extra_info": np.array([dict(r[3]) for r in rows], dtype=object),
        },
    ), [len(r) for r in responses]


def _check_reward_tensor(reward_tensor: Any, lengths: list[int], expected: list[float]) -> None:
    assert reward_tensor.shape[0] == len(expected)
    for i, (length, value) in enumerate(zip(lengths, expected, strict=True)):
        assert reward_tensor[i, length - 1].item() == pytest.approx(value, abs=1e-6)
        assert reward_tensor[i].sum().item() == pytest.approx(value, abs=1e-6)  # only at the last token


@requires_verl
@pytest.mark.parametrize(
    ("manager", "function", "options"),
    [
        ("NaiveRewardManager", "compute_score", {"num_examine": 0}),
        ("BatchRewardManager", "compute_score_batch", {"num_examine": 1, "spec": "math"}),
    ],
)
def test_real_verl_reward_managers(manager, function, options):
    """verl's per-sample and batched reward managers, with the file loaded as verl loads it."""
    import verl.workers.reward_manager as managers
    from verl.utils.import_utils import load_extern_object

    compute_score = load_extern_object(module_path=_module_file(), object_name=function)
    tokenizer = _tokenizer()
    data, lengths = _dataproto(tokenizer)
    reward = getattr(managers, manager)(tokenizer=tokenizer, compute_score=compute_score, **options)
    out = reward(data, return_dict=True)
    _check_reward_tensor(out["reward_tensor"], lengths, [r[4] for r in ROWS])
    info = out["reward_extra_info"]
    assert list(info["status"]) == [r[5] for r in ROWS]
    assert list(info["ok"]) == [1.0, 1.0, 1.0, 0.0]
    assert info["reason"][3].startswith("correctness: no final answer")


@requires_verl
def test_real_verl_step_scores(stepped_spec):
    """steps=True through verl's BatchRewardManager: the step keys land in reward_extra_info, per sample."""
    from verl.utils.import_utils import load_extern_object
    from verl.workers.reward_manager import BatchRewardManager

    compute_score = load_extern_object(module_path=_module_file(), object_name="compute_score_batch")
    tokenizer = _tokenizer()
    data, lengths = _dataproto(tokenizer)
    manager = BatchRewardManager(
        tokenizer=tokenizer, num_examine=0, compute_score=compute_score, spec=str(stepped_spec), steps=True
    )
    out = manager(data, return_dict=True)
    info = out["reward_extra_info"]
    assert [json.loads(v) for v in info["step_values"]] == [[1.0, 1.0], [1.0], [1.0], [0.0]]  # a line each
    assert list(info["num_steps"]) == [2.0, 1.0, 1.0, 1.0] and list(info["aggregation"]) == ["none"] * 4
    assert list(info["status"]) == [r[5] for r in ROWS]
    # correctness (the math verifier: no format bonus) + 0.5 * the weakest line; unparseable: the default
    _check_reward_tensor(out["reward_tensor"], lengths, [1.5, 1.5, 0.5, 0.0])


@requires_verl
@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_real_verl_reward_loop_from_config(name):
    """verl 0.9's trainer path: load_reward_manager reads reward.custom_reward_function (path, name,
    reward_kwargs) and the reward loop's naive manager scores one sample at a time."""
    from omegaconf import OmegaConf
    from verl.trainer.ppo.reward import load_reward_manager

    config = OmegaConf.create(
        {
            "reward": {
                "custom_reward_function": {
                    "path": _module_file(),
                    "name": name,
                    "reward_kwargs": {"spec": "gsm8k", "default": -1.0},
                },
                "reward_manager": {"source": "register", "name": "naive", "module": {"path": None}},
                "sandbox_fusion": None,
            }
        }
    )
    tokenizer = _tokenizer()
    manager = load_reward_manager(config, tokenizer)
    assert type(manager).__module__ == "verl.experimental.reward_loop.reward_manager.naive"
    data, _ = _dataproto(tokenizer)
    results = [manager.loop.run_until_complete(manager.run_single(data[i : i + 1])) for i in range(len(data))]
    gsm8k = load_spec("gsm8k")
    expected = [
        s.value if s.ok else -1.0
        for s in gsm8k.score_batch([Sample(response=r[1], reference=r[2]) for r in ROWS])
    ]
    assert [r["reward_score"] for r in results] == pytest.approx(expected)
    assert [r["reward_extra_info"]["status"] for r in results] == [r[5] for r in ROWS]


@requires_verl
def test_real_verl_agrees_with_verls_gsm8k_scorer():
    """verl's own gsm8k rule (strict `#### x`) and rewardkit's gsm8k spec agree where verl can read an answer."""
    from verl.utils.reward_score import default_compute_score

    cases = [("#### 72", "72"), ("so 70 + 2\n#### 72", "72"), ("#### 71", "72"), ("#### 1,000", "1000")]
    for response, truth in cases:
        theirs = default_compute_score("openai/gsm8k", response, truth)
        ours = rk_verl.compute_score("openai/gsm8k", response, truth, spec="gsm8k")
        assert ours["status"] == Status.OK.value
        correctness = (
            load_spec("gsm8k").score(Sample(response=response, reference=truth)).details["components"]
        )
        assert correctness["correctness"]["value"] == theirs, (response, truth)


# ------------------------------------------------------------------- verl 0.9.1 beside transformers 5.19


@pytest.mark.skipif(HAVE_VERL, reason="verl is importable here: the real_verl tests ran in this process")
def test_verl_overlay(run_in_overlay):
    """verl 0.9.1 and the small packages its reward path imports, installed once with --no-deps into the
    rewardkit cache (never into this environment), run the real_verl tests in a subprocess."""
    proc = run_in_overlay("verl-0.9.1", VERL_PINS, __file__, "real_verl")
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "6 passed" in proc.stdout and "skipped" not in proc.stdout, tail
    # the project's own pins held: the overlay added verl without touching torch or transformers
    import torch
    import transformers

    assert (torch.__version__.split("+")[0], transformers.__version__) == ("2.13.0", "5.19.0")


def test_code_data_sources_get_the_packaged_code_spec(monkeypatch):
    monkeypatch.delenv("REWARDKIT_SPEC", raising=False)
    truth = json.dumps(
        {"public_tests": {"input": ["2\n", "5\n"], "output": ["4\n", "10\n"]}, "time_limit": None}
    )
    right = "Read n, print twice n.\n```python\nprint(int(input()) * 2)\n```"
    wrong = "```python\nprint(int(input()) + 2)\n```"
    out = rk_verl.compute_score("codecontests", right, truth)
    assert out["score"] == 1.0 and out["ok"] == 1.0
    assert rk_verl.compute_score("codecontests", wrong, truth)["score"] == 0.5
    assert rk_verl.compute_score("codecontests", "no code", truth)["status"] == "unparseable"
