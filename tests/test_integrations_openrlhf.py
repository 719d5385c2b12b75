"""The OpenRLHF adapter: rewardkit/integrations/openrlhf.py as a ``--remote_rm_url`` reward_func file, and
the same mapping behind the server's ``/get_reward``.

The contract tests load the file the way OpenRLHF does (``importlib.util.spec_from_file_location`` on the
path, then ``module.reward_func``) and call it the way OpenRLHF 0.11 does: one query at a time from worker
threads (``asyncio.to_thread``), reading ``rewards`` / ``scores`` / ``extra_logs`` and turning them into
tensors as its samples generator does. ``test_file_and_server_agree`` sends one batch through the file and
through a real server on loopback and compares everything OpenRLHF reads.

``test_openrlhf_overlay`` goes further: it installs OpenRLHF 0.11.2 itself (pure Python; ``--no-deps``
into the rewardkit cache, never into this environment: its pins of transformers 5.15, ray 2.55 and
deepspeed conflict with ours) and runs the ``real_openrlhf`` test below in a subprocess, where OpenRLHF's
own ``SingleTurnAgentExecutor`` loads this file from ``remote_rm_url`` and scores a generation (the vLLM
engine is a stub that returns fixed token ids; everything after generation is OpenRLHF's code).
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import torch

import rewardkit.integrations.openrlhf as rk_openrlhf
from rewardkit.errors import InputError
from rewardkit.integrations.openrlhf import LOG_KEYS, make_reward_func, response_from_query

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
PROMPT_B = "<|im_start|>user\nWhat is 3 + 4?<|im_end|>\n<|im_start|>assistant\n"
STATUS_KEYS = ["rewardkit_ok", "rewardkit_unparseable", "rewardkit_timeout", "rewardkit_error"]

# One batch with what decoded rollouts carry: end and pad tokens, left padding, trailing whitespace (with
# and without an end token), empty labels, a non-string label, a missing prompt, repeated prompts.
BATCH: dict[str, list[Any]] = {
    "query": [
        PROMPT + "2 + 2 = 4.\nSo $\\boxed{4}$.<|im_end|>",
        "<pad><pad>" + PROMPT + "Add them.\nThe answer is \\boxed{5}<|im_end|><|endoftext|>\n",
        PROMPT_B + "3 + 4 = 7, so $\\boxed{7}$  \n",
        PROMPT_B + "No idea.</s><pad><pad>",
        "a decode without its prompt: $\\boxed{9}$ <|eot_id|>\n<|end_of_text|> \n",
        PROMPT + "I think \\boxed{4}<|eom_id|>",
        PROMPT_B + "\\boxed{7}<|finetune_right_pad_id|><|return|>",
    ],
    "prompts": [PROMPT, PROMPT, PROMPT_B, PROMPT_B, "", PROMPT, PROMPT_B],
    "labels": ["4", "4", "7", "", "9", 4, "   "],
}


def load_like_openrlhf(path: str | None = None) -> Any:
    """What OpenRLHF does with a --remote_rm_url ending in .py."""
    spec = importlib.util.spec_from_file_location("reward_func", path or rk_openrlhf.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def as_lists(out: dict[str, Any]) -> dict[str, Any]:
    """The file's tensors as the lists the server sends."""
    plain = {k: v.tolist() if isinstance(v, torch.Tensor) else v for k, v in out.items()}
    plain["extra_logs"] = {k: v.tolist() for k, v in out["extra_logs"].items()}
    return plain


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("REWARDKIT_SPEC", raising=False)
    monkeypatch.delenv("REWARDKIT_DEFAULT", raising=False)
    return monkeypatch


# -------------------------------------------------------------------------------------- the contract


def test_file_loads_and_returns_openrlhfs_dict(clean_env):
    reward_func = load_like_openrlhf()
    responses = [
        "2 + 2 = 4, so $\\boxed{4}$.<|im_end|>",
        "It is \\boxed{5}<|im_end|>",
        "I cannot say.<|im_end|>",
    ]
    out = reward_func([PROMPT + r for r in responses], [PROMPT] * 3, ["4"] * 3)
    assert set(out) == {"rewards", "scores", "extra_logs"}  # no "steps": the math spec gives none
    for key in ("rewards", "scores"):
        assert (
            isinstance(out[key], torch.Tensor) and out[key].dtype == torch.float32 and out[key].shape == (3,)
        )
    assert out["rewards"].tolist() == pytest.approx([1.1, 0.1, 0.0])  # math spec; unparseable -> 0.0
    assert torch.equal(out["rewards"], out["scores"])
    assert list(out["extra_logs"]) == [*STATUS_KEYS, "rewardkit_steps"] == list(LOG_KEYS)
    assert out["extra_logs"]["rewardkit_ok"].tolist() == [1.0, 1.0, 0.0]
    assert out["extra_logs"]["rewardkit_unparseable"].tolist() == [0.0, 0.0, 1.0]
    assert out["extra_logs"]["rewardkit_error"].tolist() == [0.0, 0.0, 0.0]
    assert out["extra_logs"]["rewardkit_steps"].tolist() == [0.0, 0.0, 0.0]


def test_env_picks_spec_and_default_at_call_time(clean_env):
    reward_func = load_like_openrlhf()  # loaded before the environment is set: read per call
    queries = [PROMPT + "2 + 2 = 4\n#### 4<|im_end|>", PROMPT + "no idea"]
    assert reward_func(queries, [PROMPT] * 2, ["4", "4"])["rewards"].tolist() == pytest.approx([1.0, 0.0])
    clean_env.setenv("REWARDKIT_SPEC", "gsm8k")
    clean_env.setenv("REWARDKIT_DEFAULT", "-1")
    assert reward_func(queries, [PROMPT] * 2, ["4", "4"])["rewards"].tolist() == pytest.approx([1.1, -1.0])


@pytest.mark.parametrize(
    ("query", "prompt", "response"),
    [
        (PROMPT + "\\boxed{4}<|im_end|>", PROMPT, "\\boxed{4}"),
        ("<s>" + PROMPT + "answer 4</s>", PROMPT, "answer 4"),  # a BOS the prompt string lacks
        ("a lossy decode of the prompt... 4<|endoftext|>", PROMPT, "a lossy decode of the prompt... 4"),
        (PROMPT + "x = 4 <|eot_id|>\n<|end_of_text|> \n", PROMPT, "x = 4"),
        (PROMPT + "no end token  \n", PROMPT, "no end token  \n"),  # whitespace goes only with end tokens
        ("plain 4", "", "plain 4"),
        ("Q? A.", "Q?", " A."),
        ("<pad><pad>Q? A.<|im_end|>", "Q?", " A."),  # left padding before the prompt
        ("Q? A.</s><pad><pad>", "Q?", " A."),  # right padding after the end token
        ("Q? A.<|finetune_right_pad_id|><|return|>", "Q?", " A."),
        ("Q? <|im_end|> in the middle<|im_end|>", "Q?", " <|im_end|> in the middle"),
    ],
)
def test_response_from_query(query, prompt, response):
    assert response_from_query(query, prompt) == response
    at = query.find(prompt) if prompt else -1
    assert response_from_query(query, prompt, tokens=()) == (query[at + len(prompt) :] if at >= 0 else query)


def test_groups_prompts_and_labels(recorder):
    fn = make_reward_func(recorder, default=0.0)
    assert fn.__name__ == "rewardkit_group_recorder"
    prompts = ["pA", "pA", "pB", "pB", ""]
    out = fn(["pA r1", "pA r2", "pB r3", "pB r4", "r5"], prompts, ["1", "1", "", None, " "])
    assert out["rewards"].tolist() == [2.0, 2.0, 2.0, 2.0, 1.0]  # the group sizes
    assert [s.group for s in recorder.seen] == ["g0", "g0", "g1", "g1", None]  # no prompt: alone
    assert [s.response for s in recorder.seen] == [" r1", " r2", " r3", " r4", "r5"]
    assert [s.prompt for s in recorder.seen] == prompts
    assert [s.reference for s in recorder.seen] == ["1", "1", None, None, None]  # empty labels: none


def test_label_records_and_metas_reach_the_verifier(recorder):
    """A label object with a "reference" key is a record (a JSONL row as --label_key): its steps and meta
    reach the verifier; metas (one per query) are laid under its meta."""
    labels = [
        {"reference": "4", "steps": ["2 + 2", "= 4"], "meta": {"source": "gsm8k", "level": 1}},
        {"tests": ["assert f() == 4"]},  # an object without "reference": the reference itself
    ]
    fn = make_reward_func(recorder)
    fn.result([PROMPT + "4", PROMPT + "4"], [PROMPT] * 2, labels, metas=[{"level": 0, "run": "a"}, None])
    first, second = recorder.seen
    assert (first.reference, first.steps) == ("4", ["2 + 2", "= 4"])
    assert first.meta == {"source": "gsm8k", "level": 1, "run": "a"}  # the label's meta wins
    assert (second.reference, second.steps, second.meta) == ({"tests": ["assert f() == 4"]}, None, {})
    with pytest.raises(InputError, match=r'row 0: field "steps" must be a list of strings, got string'):
        fn([PROMPT], [PROMPT], [{"reference": "4", "steps": "2 + 2 = 4"}])


def test_step_scores_reach_the_logs(clean_env, stepped_spec: Path):
    """A process reward's step scores: the number of steps as a per-sample log, and the steps themselves."""
    clean_env.setenv("REWARDKIT_SPEC", str(stepped_spec))
    out = load_like_openrlhf()(BATCH["query"][:2], BATCH["prompts"][:2], BATCH["labels"][:2])
    assert out["rewards"].tolist() == pytest.approx([1.0 + 0.5, 0.0])  # lines: min over [1, 1] and [0, 1]
    assert out["extra_logs"]["rewardkit_steps"].tolist() == [2.0, 2.0]
    assert [[s["value"] for s in steps] for steps in out["steps"]] == [[1.0, 1.0], [0.0, 1.0]]
    response = "Add them.\nThe answer is \\boxed{5}"
    assert out["steps"][1][1]["span"] == [10, len(response)]  # character offsets in the response


def test_fallback_value_is_kept(lenient_spec: Path):
    out = make_reward_func(str(lenient_spec), default=-1.0)([PROMPT + "hmm"], [PROMPT], ["4"])
    assert out["rewards"].tolist() == [0.25]
    assert out["extra_logs"]["rewardkit_unparseable"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("prompts", "labels", "message"),
    [
        (["a"], ["1", "2"], "prompts has 1 items for 2 queries; send one per query"),
        (["a", "b"], ["1"], "labels has 1 items for 2 queries; send one per query"),
    ],
)
def test_length_mismatch_is_an_error(prompts, labels, message):
    with pytest.raises(InputError, match=message):
        rk_openrlhf.reward_func(["a", "b"], prompts, labels)


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


# ------------------------------------------------------------------------- the file and the server


RECORDER_SPEC = """
    name: rec
    components:
      - {name: groups, verifier: group_recorder}
"""


def test_file_and_server_agree(clean_env, live_server, stepped_spec: Path, recorder, write_spec):
    """The same batch through the reward_func file and a real server's /get_reward: the same rewards,
    statuses, log keys and step scores (and, with a group-size spec, the same groups)."""
    from rewardkit.server import create_app

    recorder_spec = write_spec(RECORDER_SPEC, "rec.yaml")
    app = create_app(specs=[str(stepped_spec), str(recorder_spec)], default_reward=-0.5)
    url = live_server(app)
    clean_env.setenv("REWARDKIT_DEFAULT", "-0.5")
    reward_func = load_like_openrlhf()
    for spec, name in ((stepped_spec, "stepped"), (recorder_spec, "rec")):
        clean_env.setenv("REWARDKIT_SPEC", str(spec))
        from_file = as_lists(reward_func(BATCH["query"], BATCH["prompts"], BATCH["labels"]))
        response = httpx.post(f"{url}/get_reward", json={**BATCH, "spec": name}, timeout=120)
        assert response.status_code == 200, response.text
        from_server = response.json()
        assert from_server.pop("spec") == name
        assert from_file["rewards"] == pytest.approx(from_server["rewards"], abs=1e-6)
        assert from_file["scores"] == pytest.approx(from_server["scores"], abs=1e-6)
        assert list(from_file["extra_logs"]) == list(from_server["extra_logs"]) == list(LOG_KEYS)
        assert from_file["extra_logs"] == from_server["extra_logs"]
        assert from_file.get("steps") == from_server.get("steps")
        assert set(from_file) == set(from_server)
        if name == "stepped":
            logs = from_server["extra_logs"]
            assert logs["rewardkit_ok"] == [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
            assert from_server["rewards"][3] == from_server["rewards"][6] == -0.5  # no label: the default
            assert from_server["rewards"][:3] == pytest.approx([1.5, 0.0, 1.5])
            assert [len(s) for s in from_server["steps"]] == [2, 2, 1, 1, 1, 1, 1]
        else:  # group sizes: PROMPT x3, PROMPT_B x3, and the query without a prompt alone
            assert from_server["rewards"] == [3.0, 3.0, 3.0, 3.0, 1.0, 3.0, 3.0]


def test_server_passes_label_records_and_metas(live_server, recorder, write_spec):
    from rewardkit.server import create_app

    app = create_app(specs=[str(write_spec(RECORDER_SPEC, "rec.yaml"))])
    url = live_server(app)
    payload = {
        "query": [PROMPT + "4<|im_end|>"],
        "prompts": [PROMPT],
        "labels": [{"reference": "4", "steps": ["2 + 2 = 4"], "meta": {"source": "x"}}],
        "metas": [{"run": 3}],
    }
    assert httpx.post(f"{url}/get_reward", json=payload, timeout=60).status_code == 200
    _, spec = app.state.rewardkit.registry.get("rec")
    (seen,) = spec.components[0].verifier.seen
    assert (seen.response, seen.reference, seen.steps) == ("4", "4", ["2 + 2 = 4"])
    assert seen.meta == {"run": 3, "source": "x"}
    bad = httpx.post(f"{url}/get_reward", json={**payload, "metas": ["x"]}, timeout=60)
    assert bad.status_code == 422 and bad.json()["detail"].startswith(
        "body: metas[0] must be an object or null, got str"
    )


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
        assert output["extra_logs"]["rewardkit_steps"].flatten()[0].item() == 0.0


# ---------------------------------------------------------------------- OpenRLHF 0.11.2 beside our pins


@pytest.mark.skipif(
    HAVE_OPENRLHF, reason="OpenRLHF is importable here: the real_openrlhf test ran in this process"
)
def test_openrlhf_overlay(run_in_overlay):
    proc = run_in_overlay("openrlhf-0.11.2", OPENRLHF_PINS, __file__, "real_openrlhf")
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "1 passed" in proc.stdout and "skipped" not in proc.stdout, tail
