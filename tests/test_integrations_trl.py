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

from rewardkit import Sample, load_spec
from rewardkit.errors import ConfigError, InputError
from rewardkit.integrations.trl import AsyncRewardFunction, RewardFunction, async_reward_func, reward_func


@pytest.fixture(scope="module")
def trl_utils():
    return pytest.importorskip("trl.trainer.utils")


def call(fn, completions, prompts=None, **columns):
    """Call a reward function with TRL's keyword arguments."""
    prompts = prompts if prompts is not None else ["What is 2 + 2?"] * len(completions)
    return fn(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions), **columns)


# ------------------------------------------------------------------------------------- direct calls


def test_text_completions_none_for_non_ok():
    fn = reward_func("math")
    out = call(fn, ["so $\\boxed{4}$", "I give up.", "\\boxed{5}", "4"], answer=["4"] * 4)
    assert out == [pytest.approx(1.1), None, pytest.approx(0.1), pytest.approx(1.0)]


def test_conversational_prompts_and_completions(recorder):
    rec = recorder
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


def test_reference_columns(recorder):
    rec = recorder
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


def test_groups_follow_prompts(recorder):
    rec = recorder
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


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda rules, rec: reward_func("math"), "rewardkit_math"),
        (lambda rules, rec: reward_func(str(rules)), "rewardkit_rules"),
        (lambda rules, rec: reward_func(rec), "rewardkit_group_recorder"),
        (lambda rules, rec: reward_func(load_spec("gsm8k")), "rewardkit_gsm8k"),
        (lambda rules, rec: async_reward_func("math", name="correct"), "correct"),
    ],
)
def test_names_as_trl_sees_them(make, name, rules_spec, recorder, trl_utils):
    fn = make(rules_spec, recorder)
    assert trl_utils.get_callable_name(fn) == name
    assert trl_utils.is_async_callable(fn) == isinstance(fn, AsyncRewardFunction)


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


def test_fallback_value_is_passed_on(lenient_spec):
    assert call(reward_func(str(lenient_spec)), ["no answer", "\\boxed{4}"], answer=["4", "4"]) == [0.25, 1.0]


def test_picklable_by_name():
    for fn in (reward_func("math", name="m"), async_reward_func("gsm8k")):
        assert fn.verifier is not None  # loaded before pickling
        clone = pickle.loads(pickle.dumps(fn))
        assert type(clone) is type(fn) and clone.__name__ == fn.__name__ and clone._verifier is None
    assert call(pickle.loads(pickle.dumps(reward_func("math"))), ["\\boxed{1}"], answer=["1"]) == [
        pytest.approx(1.1)
    ]


@pytest.mark.parametrize(
    ("build", "args", "error", "message"),
    [
        (lambda: reward_func(42), None, ConfigError, "spec must be a spec name, a YAML path or a Verifier"),
        (lambda: reward_func("math"), (["a", "b"], ["p"]), InputError, "got 1 prompts for 2 completions"),
        (
            lambda: reward_func("math", group_field="qid"),
            (["a"], None),
            ConfigError,
            "group_field 'qid' is not a column of this batch; columns: answer",
        ),
        (
            lambda: reward_func("math", reference_field="gold"),
            (["a"], None),
            ConfigError,
            "reference_field 'gold' is not a column of this batch; columns: answer",
        ),
    ],
)
def test_bad_inputs(build, args, error, message):
    with pytest.raises(error, match=message):
        fn = build()
        completions, prompts, *extra = args
        call(fn, completions, prompts=prompts, answer=["4"] * len(completions), **(extra[0] if extra else {}))


def test_empty_batch():
    assert call(reward_func("math"), []) == []


def test_steps_and_meta_columns_reach_the_verifier(recorder):
    """A dataset row's `steps` and `meta` columns (a JSONL row loaded with `datasets`) become
    Sample.steps and Sample.meta; the row's other columns stay in meta too."""
    rows = [
        {"answer": "4", "steps": ["2 + 2", "= 4"], "meta": {"source": "gsm8k"}, "level": 1},
        {"answer": "6", "steps": None, "meta": None, "level": 2},
    ]
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    call(reward_func(recorder), ["4", "6"], **columns)
    first, second = recorder.seen
    assert (first.reference, first.steps) == ("4", ["2 + 2", "= 4"])
    assert first.meta == {"answer": "4", "steps": ["2 + 2", "= 4"], "level": 1, "source": "gsm8k"}
    assert (second.steps, second.meta) == (None, {"answer": "6", "steps": None, "level": 2})


def test_dataset_columns_of_other_shapes_do_not_stop_training(recorder):
    """A dataset's own columns that happen to be called steps/meta/group (PRM step records, a string meta,
    a float group id) neither crash the reward function nor reach those fields silently: they are named
    in meta, and the columns stay there as they were."""
    rows = [
        {"answer": "4", "steps": [{"text": "2 + 2", "label": 1}], "meta": "gsm8k", "group": 1.5},
        {"answer": "6", "steps": ["3 + 3 = 6"], "meta": {"source": "x"}, "group": 2.0},
    ]
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    call(reward_func(recorder, group_field="group"), ["4", "6"], **columns)
    first, second = recorder.seen
    assert (first.steps, first.group) == (None, "1.5")
    assert first.meta["rewardkit_ignored"] == ["meta", "steps"] and first.meta["rewardkit_coerced"] == [
        "group"
    ]
    assert first.meta["steps"] == [{"text": "2 + 2", "label": 1}] and first.meta["meta"] == "gsm8k"
    assert (second.steps, second.group, second.meta["source"]) == (["3 + 3 = 6"], "2", "x")
    assert "rewardkit_ignored" not in second.meta and "rewardkit_coerced" not in second.meta


def test_step_scores_become_the_aggregated_value(stepped_spec):
    """TRL takes one float per completion: a process reward gives its aggregated value (no steps)."""
    out = call(
        reward_func(str(stepped_spec)), ["2 + 2 = 4\nso \\boxed{4}", "add\n\\boxed{4}"], answer=["4"] * 2
    )
    assert out == [pytest.approx(1.5), pytest.approx(1.0)]  # correctness + 0.5 * min(line steps)


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
