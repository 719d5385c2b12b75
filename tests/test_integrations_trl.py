"""The TRL adapter: reward_func / async_reward_func as GRPOTrainer reward functions.

The last test runs a real ``trl.GRPOTrainer`` (TRL 1.16) for one step on SmolLM2 on the CPU with a sync
and an async rewardkit reward, recording the trainer's real calls; the others call the functions
directly the way ``GRPOTrainer._calculate_rewards`` does.
"""

from __future__ import annotations

import asyncio
import math
import pickle
from typing import Any

import pytest

from rewardkit import Sample, Score, Verifier, load_spec
from rewardkit.integrations.trl import AsyncRewardFunction, RewardFunction, async_reward_func, reward_func
from rewardkit.verifier import ConfigError


@pytest.fixture(scope="module")
def trl_utils():
    return pytest.importorskip("trl.trainer.utils")


class GroupRecorder(Verifier):
    """Records the samples it sees; scores each by its group's size."""

    name = "group_recorder"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Sample] = []

    def score_batch(self, samples):
        self.seen.extend(samples)
        sizes: dict[Any, int] = {}
        for s in samples:
            sizes[s.group] = sizes.get(s.group, 0) + 1
        return [Score(float(sizes[s.group])) for s in samples]


def call(fn, completions, prompts=None, **columns):
    """Call a reward function with TRL's keyword arguments."""
    prompts = prompts if prompts is not None else ["What is 2 + 2?"] * len(completions)
    return fn(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions), **columns)


# ------------------------------------------------------------------------------------- direct calls


def test_text_completions_none_for_non_ok():
    fn = reward_func("math")
    out = call(fn, ["so $\\boxed{4}$", "I give up.", "\\boxed{5}", "4"], answer=["4"] * 4)
    assert out == [pytest.approx(1.1), None, pytest.approx(0.1), pytest.approx(1.0)]


def test_conversational_prompts_and_completions():
    rec = GroupRecorder()
    fn = reward_func(rec)
    prompt = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "2+2?"}]},
    ]
    completions = [
        [{"role": "assistant", "content": "\\boxed{4}"}],
        [{"role": "assistant", "content": [{"type": "text", "text": "four"}, {"type": "image"}]}],
        [  # a tool-using completion: the assistant turns are the response
            {"role": "assistant", "content": "Let me compute.", "tool_calls": [{"name": "calc"}]},
            {"role": "tool", "content": "4"},
            {"role": "assistant", "content": "It is 4."},
        ],
    ]
    call(fn, completions, prompts=[prompt] * 3, answer=["4"] * 3)
    assert [s.response for s in rec.seen] == ["\\boxed{4}", "four", "Let me compute.\n\nIt is 4."]
    assert rec.seen[0].prompt == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "2+2?"},
    ]
    assert [s.reference for s in rec.seen] == ["4"] * 3
    # the math spec reads the conversational completion's text
    out = call(reward_func("math"), completions[:1], prompts=[prompt], answer=["4"])
    assert out == [pytest.approx(1.1)]


def test_reference_columns():
    rec = GroupRecorder()
    call(reward_func(rec), ["a", "b"], solution=["s1", "s2"], ground_truth=["g1", "g2"])
    assert [s.reference for s in rec.seen] == [
        "s1",
        "s2",
    ]  # the default order: reference, answer, solution, ...
    rec.seen.clear()
    call(
        reward_func(rec, reference_field="gold"),
        ["a", "b"],
        gold=[{"tests": [1]}, {"tests": [2]}],
        answer=["x", "y"],
    )
    assert [s.reference for s in rec.seen] == [{"tests": [1]}, {"tests": [2]}]
    assert rec.seen[0].meta == {"gold": {"tests": [1]}, "answer": "x"}  # the row's columns
    rec.seen.clear()
    call(reward_func(rec), ["a"])  # no reference column: label-free
    assert rec.seen[0].reference is None
    with pytest.raises(
        ConfigError, match="reference_field 'gold' is not a column of this batch; columns: answer"
    ):
        call(reward_func(rec, reference_field="gold"), ["a"], answer=["x"])


def test_groups_follow_prompts():
    rec = GroupRecorder()
    fn = reward_func(rec)
    prompts = ["p1", "p1", "p1", "p2", "p2", "p2"]
    assert call(fn, ["a"] * 6, prompts=prompts) == [3.0] * 6
    assert [s.group for s in rec.seen] == ["g0", "g0", "g0", "g1", "g1", "g1"]
    rec.seen.clear()
    chat = [[{"role": "user", "content": c}] for c in ["x", "x", "y", "y"]]
    call(fn, ["a"] * 4, prompts=chat)
    assert [s.group for s in rec.seen] == ["g0", "g0", "g1", "g1"]
    rec.seen.clear()
    call(reward_func(rec, group_field="qid"), ["a"] * 4, prompts=["p"] * 4, qid=[7, 7, 8, 9])
    assert [s.group for s in rec.seen] == ["7", "7", "8", "9"]


def test_group_normalised_spec_sees_grpo_groups():
    """cme z-scores within Sample.group: with the groups set, each prompt's completions average to 0."""
    q1, q2 = "What is the capital of France?", "Name a primary colour."
    prompts = [q1, q1, q2, q2]
    completions = [
        "The capital of France is Paris.",
        "France capital the is banana Paris of.",
        "Red is a primary colour.",
        "colour primary a red is the banana of.",
    ]
    out = call(reward_func("cme"), completions, prompts=prompts)
    assert all(v is not None for v in out)
    assert out[0] + out[1] == pytest.approx(0.0, abs=1e-6) and out[2] + out[3] == pytest.approx(0.0, abs=1e-6)
    assert out[0] == pytest.approx(1.0) and out[2] == pytest.approx(1.0)  # the fluent answers score higher


def test_names_as_trl_sees_them(rules_spec, trl_utils):
    assert trl_utils.get_callable_name(reward_func("math")) == "rewardkit_math"
    assert trl_utils.get_callable_name(reward_func(str(rules_spec))) == "rewardkit_rules"
    assert trl_utils.get_callable_name(reward_func(GroupRecorder())) == "rewardkit_group_recorder"
    assert trl_utils.get_callable_name(reward_func(load_spec("gsm8k"))) == "rewardkit_gsm8k"
    assert trl_utils.get_callable_name(async_reward_func("math", name="correct")) == "correct"
    assert not trl_utils.is_async_callable(reward_func("math"))
    assert trl_utils.is_async_callable(async_reward_func("math"))


def test_async_variant_matches_sync():
    completions = ["so $\\boxed{4}$", "I give up.", "\\boxed{5}"]
    sync = call(reward_func("math"), completions, answer=["4"] * 3)
    fn = async_reward_func("math")
    assert isinstance(fn, AsyncRewardFunction)
    assert asyncio.run(call(fn, completions, answer=["4"] * 3)) == sync


def test_status_is_logged_through_trl_hooks():
    metrics: list[tuple[str, float]] = []
    extra: list[tuple[str, list]] = []
    out = call(
        reward_func("math"),
        ["\\boxed{4}", "no answer", "\\boxed{3}", "nothing"],
        answer=["4"] * 4,
        trainer_state=object(),
        log_metric=lambda name, value: metrics.append((name, value)),
        log_extra=lambda column, values: extra.append((column, values)),
    )
    assert out[1] is None and out[3] is None
    assert dict(metrics) == {
        "rewardkit/rewardkit_math/ok": 0.5,
        "rewardkit/rewardkit_math/unparseable": 0.5,
        "rewardkit/rewardkit_math/timeout": 0.0,
        "rewardkit/rewardkit_math/error": 0.0,
    }
    assert extra == [("rewardkit_math/status", ["ok", "unparseable", "ok", "unparseable"])]
    metrics.clear()
    call(reward_func("math", log_status=False), ["x"], answer=["4"], log_metric=lambda *a: metrics.append(a))
    assert metrics == []


def test_fallback_value_is_passed_on(write_spec):
    path = write_spec(
        """
        components:
          - {name: correctness, verifier: math, config: {workers: 0}}
        fallback: {unparseable: 0.0}
        """
    )
    assert call(reward_func(str(path)), ["no answer", "\\boxed{4}"], answer=["4", "4"]) == [0.0, 1.0]


def test_picklable_by_name():
    for fn in (reward_func("math", name="m"), async_reward_func("gsm8k")):
        assert fn.verifier is not None  # loaded before pickling
        clone = pickle.loads(pickle.dumps(fn))
        assert type(clone) is type(fn) and clone.__name__ == fn.__name__ and clone._verifier is None
    assert call(pickle.loads(pickle.dumps(reward_func("math"))), ["\\boxed{1}"], answer=["1"]) == [
        pytest.approx(1.1)
    ]


def test_bad_inputs():
    with pytest.raises(TypeError, match="spec must be"):
        reward_func(42)
    with pytest.raises(ValueError, match="got 1 prompts for 2 completions"):
        call(reward_func("math"), ["a", "b"], prompts=["p"])
    with pytest.raises(KeyError, match="group_field 'qid'"):
        call(reward_func("math", group_field="qid"), ["a"])
    assert call(reward_func("math"), []) == []


# --------------------------------------------------------------------------------- a real GRPOTrainer


class Recorder:
    """Wraps a reward function, keeping its name, and records TRL's calls and the returned rewards."""

    def __init__(self, fn: RewardFunction) -> None:
        self.fn = fn
        self.__name__ = fn.__name__
        self.calls: list[tuple[dict[str, Any], list]] = []

    def __call__(self, **kwargs):
        out = self.fn(**kwargs)
        self.calls.append((kwargs, out))
        return out


class AsyncRecorder(Recorder):
    async def __call__(self, **kwargs):  # type: ignore[override]
        out = await self.fn(**kwargs)
        self.calls.append((kwargs, out))
        return out


def test_grpo_trainer_one_step(tmp_path):
    from datasets import Dataset
    from transformers import TrainerState
    from trl import GRPOConfig, GRPOTrainer

    from rewardkit.engine.models import resolve_model

    problems = [(2, 3), (4, 4), (10, 5), (7, 6)]
    dataset = Dataset.from_list(
        [
            {"prompt": [{"role": "user", "content": f"What is {a} + {b}?"}], "answer": str(a + b)}
            for a, b in problems
        ]
    )
    sync_fn, async_fn = Recorder(reward_func("math")), AsyncRecorder(async_reward_func("gsm8k"))
    args = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=16,
        use_cpu=True,
        bf16=False,
        report_to=[],
        logging_steps=1,
        save_strategy="no",
        learning_rate=1e-6,
        seed=0,
    )
    trainer = GRPOTrainer(
        model=resolve_model("smollm2"), args=args, train_dataset=dataset, reward_funcs=[sync_fn, async_fn]
    )
    trainer.train()
    assert trainer.state.global_step == 1

    for rec, spec in ((sync_fn, "math"), (async_fn, "gsm8k")):
        assert len(rec.calls) == 1
        kwargs, out = rec.calls[0]
        # the trainer's real arguments: 2 prompts x 2 generations, conversational, with the dataset column
        assert {
            "prompts",
            "completions",
            "completion_ids",
            "answer",
            "trainer_state",
            "log_metric",
            "log_extra",
        } <= set(kwargs)
        assert isinstance(kwargs["trainer_state"], TrainerState)
        prompts, completions, answers = kwargs["prompts"], kwargs["completions"], kwargs["answer"]
        assert len(completions) == len(prompts) == len(answers) == len(out) == 4
        assert prompts[0] == prompts[1] and prompts[2] == prompts[3] and prompts[0] != prompts[2]
        assert completions[0][0]["role"] == "assistant"
        assert [s.group for s in rec.fn.samples(prompts, completions, answer=answers)] == [
            "g0",
            "g0",
            "g1",
            "g1",
        ]
        # what it returned is what the spec says about those completions
        expected = load_spec(spec).score_batch(
            [Sample(response=c[0]["content"], reference=a) for c, a in zip(completions, answers, strict=True)]
        )
        assert out == [pytest.approx(s.value) if s.value is not None else None for s in expected]

        # ... and TRL logged it under the function's name, None rewards left out of the mean
        logs = trainer.state.log_history[0]
        assert f"rewards/{rec.__name__}/mean" in logs
        values = [v for v in out if v is not None]
        logged = logs[f"rewards/{rec.__name__}/mean"]
        if values:
            assert logged == pytest.approx(sum(values) / len(values), abs=1e-5)
        else:
            assert logged is None or math.isnan(logged)
        shares = [logs[f"rewardkit/{rec.__name__}/{s}"] for s in ("ok", "unparseable", "timeout", "error")]
        assert sum(shares) == pytest.approx(1.0)
        assert shares[0] == pytest.approx(sum(s.ok for s in expected) / 4)
