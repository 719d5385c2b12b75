"""The OpenRLHF adapter: rewardkit/integrations/openrlhf.py as a ``--remote_rm_url`` reward_func file.

The contract tests load the file the way OpenRLHF does (``importlib.util.spec_from_file_location`` on the
path, then ``module.reward_func``) and call it the way OpenRLHF 0.11 does: one query at a time from worker
threads (``asyncio.to_thread``), reading ``rewards`` / ``scores`` / ``extra_logs`` and turning them into
tensors as its samples generator does.

``test_openrlhf_overlay`` goes further: it installs OpenRLHF 0.11.2 itself (pure Python; ``--no-deps``
into the rewardkit cache, never into this environment: its pins of transformers 5.15, ray 2.55 and
deepspeed conflict with ours) and runs the ``real_openrlhf`` test below in a subprocess, where OpenRLHF's
own ``SingleTurnAgentExecutor`` loads this file from ``remote_rm_url`` and scores a generation (the vLLM
engine is a stub that returns fixed token ids; everything after generation is OpenRLHF's code).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

import rewardkit.integrations.openrlhf as rk_openrlhf
from rewardkit import Sample, Score, Verifier
from rewardkit.integrations.openrlhf import make_reward_func, response_from_query

try:
    from openrlhf.utils.agent import SingleTurnAgentExecutor  # noqa: F401

    HAVE_OPENRLHF = True
except Exception:
    HAVE_OPENRLHF = False

OPENRLHF_PINS = ["openrlhf==0.11.2", "pylatexenc==2.11"]

requires_openrlhf = pytest.mark.skipif(
    not HAVE_OPENRLHF,
    reason="OpenRLHF is not importable here; test_openrlhf_overlay runs this against 0.11.2",
)

PROMPT = "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n"
STATUS_KEYS = ["rewardkit_ok", "rewardkit_unparseable", "rewardkit_timeout", "rewardkit_error"]


def load_like_openrlhf(path: str | None = None) -> Any:
    """What OpenRLHF does with a --remote_rm_url ending in .py."""
    spec = importlib.util.spec_from_file_location("reward_func", path or rk_openrlhf.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


class GroupRecorder(Verifier):
    name = "group_recorder"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Sample] = []

    def score_batch(self, samples):
        self.seen.extend(samples)
        return [Score(1.0) for _ in samples]


# -------------------------------------------------------------------------------------- the contract


def test_file_loads_and_returns_openrlhfs_dict(monkeypatch):
    monkeypatch.delenv("REWARDKIT_SPEC", raising=False)
    monkeypatch.delenv("REWARDKIT_DEFAULT", raising=False)
    reward_func = load_like_openrlhf()
    responses = [
        "2 + 2 = 4, so $\\boxed{4}$.<|im_end|>",
        "It is \\boxed{5}<|im_end|>",
        "I cannot say.<|im_end|>",
    ]
    out = reward_func([PROMPT + r for r in responses], [PROMPT] * 3, ["4"] * 3)
    assert set(out) == {"rewards", "scores", "extra_logs"}
    for key in ("rewards", "scores"):
        assert (
            isinstance(out[key], torch.Tensor) and out[key].dtype == torch.float32 and out[key].shape == (3,)
        )
    assert out["rewards"].tolist() == pytest.approx([1.1, 0.1, 0.0])  # math spec; unparseable -> 0.0
    assert torch.equal(out["rewards"], out["scores"])
    assert sorted(out["extra_logs"]) == sorted(STATUS_KEYS)
    assert out["extra_logs"]["rewardkit_ok"].tolist() == [1.0, 1.0, 0.0]
    assert out["extra_logs"]["rewardkit_unparseable"].tolist() == [0.0, 0.0, 1.0]
    assert out["extra_logs"]["rewardkit_error"].tolist() == [0.0, 0.0, 0.0]


def test_env_picks_spec_and_default_at_call_time(monkeypatch):
    reward_func = load_like_openrlhf()  # loaded before the environment is set: read per call
    queries = [PROMPT + "2 + 2 = 4\n#### 4<|im_end|>", PROMPT + "no idea"]
    assert reward_func(queries, [PROMPT] * 2, ["4", "4"])["rewards"].tolist() == pytest.approx([1.0, 0.0])
    monkeypatch.setenv("REWARDKIT_SPEC", "gsm8k")
    monkeypatch.setenv("REWARDKIT_DEFAULT", "-1")
    assert reward_func(queries, [PROMPT] * 2, ["4", "4"])["rewards"].tolist() == pytest.approx([1.1, -1.0])


@pytest.mark.parametrize(
    ("query", "prompt", "response"),
    [
        (PROMPT + "\\boxed{4}<|im_end|>", PROMPT, "\\boxed{4}"),
        ("<s>" + PROMPT + "answer 4</s>", PROMPT, "answer 4"),  # a BOS the prompt string lacks
        ("a lossy decode of the prompt... 4<|endoftext|>", PROMPT, "a lossy decode of the prompt... 4"),
        (PROMPT + "x = 4 <|eot_id|>\n<|end_of_text|> \n", PROMPT, "x = 4"),
        (PROMPT + "no end token", PROMPT, "no end token"),
        ("plain 4", "", "plain 4"),
    ],
)
def test_response_from_query(query, prompt, response):
    assert response_from_query(query, prompt) == response


def test_groups_prompts_and_labels():
    rec = GroupRecorder()
    fn = make_reward_func(rec, default=0.0)
    assert fn.__name__ == "rewardkit_group_recorder"
    out = fn(["pA r1", "pA r2", "pB r3", "pB r4"], ["pA", "pA", "pB", "pB"], ["1", "1", "", None])
    assert out["rewards"].tolist() == [1.0] * 4
    assert [s.group for s in rec.seen] == ["g0", "g0", "g1", "g1"]
    assert [s.response for s in rec.seen] == [" r1", " r2", " r3", " r4"]
    assert [s.prompt for s in rec.seen] == ["pA", "pA", "pB", "pB"]
    assert [s.reference for s in rec.seen] == ["1", "1", None, None]  # no --label_key: no reference


def test_fallback_value_is_kept(write_spec):
    path = write_spec(
        """
        components:
          - {name: correctness, verifier: math, config: {workers: 0}}
        fallback: {unparseable: 0.25}
        """
    )
    out = make_reward_func(str(path), default=-1.0)([PROMPT + "hmm"], [PROMPT], ["4"])
    assert out["rewards"].tolist() == [0.25]
    assert out["extra_logs"]["rewardkit_unparseable"].tolist() == [1.0]


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 queries, 1 prompts and 2 labels"):
        rk_openrlhf.reward_func(["a", "b"], ["a"], ["1", "2"])


def test_called_like_openrlhf_0_11():
    """One query per call from worker threads, results turned into tensors as OpenRLHF's samples generator
    does (torch.tensor([reward]), extra_logs' first element)."""
    reward_func = load_like_openrlhf()
    answers = [str(n) for n in range(12)]
    queries = [PROMPT + f"The answer is $\\boxed{{{n if n % 3 else n + 1}}}$.<|im_end|>" for n in range(12)]

    async def fetch_all():
        tasks = [
            asyncio.to_thread(reward_func, [q], [PROMPT], [a]) for q, a in zip(queries, answers, strict=True)
        ]
        return await asyncio.gather(*tasks)

    infos = asyncio.run(fetch_all())
    batch = reward_func(queries, [PROMPT] * 12, answers)
    for i, info in enumerate(infos):
        score_value = info.get("scores")
        if score_value is None:
            score_value = info.get("rewards")
        reward = torch.tensor([info["rewards"]])
        score = torch.tensor([score_value])
        assert reward.shape == (1,) and score.shape == (1,)
        assert reward.item() == pytest.approx(batch["rewards"][i].item())
        assert reward.item() == pytest.approx(0.1 if i % 3 == 0 else 1.1)
        logs = {k: torch.tensor([v.flatten()[0].item()]) for k, v in info["extra_logs"].items()}
        assert logs["rewardkit_ok"].item() == 1.0


# ------------------------------------------------------------------------------- OpenRLHF itself


class StubEngine:
    """Stands in for OpenRLHF's vLLM engine: returns fixed response token ids."""

    def __init__(self, token_ids: list[int]) -> None:
        self.token_ids = token_ids

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        out = SimpleNamespace(token_ids=list(self.token_ids), finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[out])


@requires_openrlhf
def test_real_openrlhf_single_turn_executor(monkeypatch):
    from openrlhf.utils.agent import SingleTurnAgentExecutor
    from transformers import AutoTokenizer

    from rewardkit.engine.models import resolve_model

    monkeypatch.setenv("REWARDKIT_SPEC", "math")
    monkeypatch.delenv("REWARDKIT_DEFAULT", raising=False)
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("smollm2"))
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2 + 2?"}], tokenize=False, add_generation_prompt=True
    )
    executor = SingleTurnAgentExecutor(remote_rm_url=rk_openrlhf.__file__)
    assert executor.reward_func is not None and executor.reward_func.__module__ == "reward_func"
    params = SimpleNamespace(max_tokens=64, logprobs=None)
    cases = [
        ("2 + 2 = 4, so the answer is $\\boxed{4}$.", "4", 1.1, "rewardkit_ok"),
        ("Hmm.", "4", 0.0, "rewardkit_unparseable"),
    ]
    for response, label, value, status_key in cases:
        ids = tokenizer(response + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        output = asyncio.run(executor.execute(prompt, label, params, 512, tokenizer, StubEngine(ids)))
        assert output["reward"] is not None, "OpenRLHF swallowed an exception from reward_func (see its log)"
        assert torch.tensor([output["reward"]]).item() == pytest.approx(value)  # as samples_generator does
        assert torch.tensor([output["scores"]]).item() == pytest.approx(value)
        assert output["extra_logs"][status_key].flatten()[0].item() == 1.0


# ---------------------------------------------------------------------- OpenRLHF 0.11.2 beside our pins


def _overlay() -> Path:
    from rewardkit.engine.models import cache_dir

    root = cache_dir() / "test-overlays"
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(" ".join(OPENRLHF_PINS).encode()).hexdigest()[:12]
    target = root / f"openrlhf-0.11.2-py{sys.version_info[0]}{sys.version_info[1]}-{digest}"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(tmp),
            *OPENRLHF_PINS,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            pytest.skip(f"could not install {' '.join(OPENRLHF_PINS)}: {proc.stderr.strip()[-500:]}")
        for stray in ("tests", "scripts", "bin"):  # keep this project's `tests` the only one on the path
            shutil.rmtree(tmp / stray, ignore_errors=True)
        (tmp / ".complete").write_text(" ".join(OPENRLHF_PINS) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return target


@pytest.mark.skipif(
    HAVE_OPENRLHF, reason="OpenRLHF is importable here: the real_openrlhf test ran in this process"
)
def test_openrlhf_overlay():
    overlay = _overlay()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(overlay), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "real_openrlhf",
            "-rs",
        ],
        capture_output=True,
        text=True,
        timeout=540,
        env=env,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "1 passed" in proc.stdout and "skipped" not in proc.stdout, tail
