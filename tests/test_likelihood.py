"""Likelihood rewards on the real models: cross-model entropy ("likelihood"), "novelty" and "dpo".

Each value is checked against the backend's loglikelihood of the same (context, response) computed here,
with the context built independently (the tokenizer's own chat template, the raw prompt, or nothing).
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from rewardkit import ConfigError, Sample, Status, available_verifiers, create_verifier
from rewardkit.engine.backends import (
    BACKENDS,
    Backend,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)
from rewardkit.spec import load_spec
from rewardkit.verifiers.likelihood import DPOVerifier, LikelihoodVerifier, NoveltyVerifier

QA = [
    ("What is the capital of France?", "The capital of France is Paris."),
    ("What do bees make?", "Bees make honey from the nectar of flowers."),
    ("What color is the sky on a clear day?", "The sky is blue on a clear day."),
]
PROMPT, ANSWER = QA[0]


def garble(text: str) -> str:
    """The same words in reverse order (the final period stays last)."""
    return " ".join(reversed(text.rstrip(".").split())) + "."


def chat_context(backend: Any, prompt: str | list[dict]) -> str:
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    return backend.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def loglik(backend: Any, context: str, response: str, max_tokens: int | None = 1024):
    return backend.loglikelihood([LoglikelihoodRequest(context, response, max_tokens)])[0]


BACKEND_FIXTURE = {"smollm2": "smollm2_backend", "gemma3-270m": "gemma_backend"}
MODELS = list(BACKEND_FIXTURE)


# --------------------------------------------------------------------------------- cross-model entropy


@pytest.mark.parametrize("prompt_mode", ["chat", "raw"])
def test_the_verifier_model_prefers_the_correct_answer_to_the_garbled_one(gemma_backend, prompt_mode) -> None:
    verifier = create_verifier("likelihood", prompt=prompt_mode)  # default model: gemma3-270m
    assert verifier.config.model == "gemma3-270m"
    correct = [Sample(prompt=p, response=a) for p, a in QA]
    garbled = [Sample(prompt=p, response=garble(a)) for p, a in QA]
    scores = verifier.score_batch(correct + garbled)
    assert all(s.ok for s in scores), [s.reason for s in scores]
    for good, bad in zip(scores[: len(QA)], scores[len(QA) :], strict=True):
        assert good.value > bad.value
        assert good.value <= 0


def test_defaults_are_gemma_with_its_chat_template(gemma_backend) -> None:
    verifier = create_verifier("likelihood")
    assert (verifier.config.model, verifier.config.prompt, verifier.config.reduce) == (
        "gemma3-270m",
        "chat",
        "mean",
    )
    [score] = verifier.score_batch([Sample(prompt=PROMPT, response=ANSWER)])
    assert score.ok, score.reason
    expected = loglik(gemma_backend, chat_context(gemma_backend, PROMPT), ANSWER)
    assert score.value == pytest.approx(expected.mean, abs=1e-5)


@pytest.mark.parametrize("model", MODELS)
def test_prompt_modes_score_after_different_contexts(model, request) -> None:
    backend = request.getfixturevalue(BACKEND_FIXTURE[model])
    messages = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": PROMPT}]
    sample = Sample(prompt=messages, response=ANSWER)
    values = {}
    for mode in ("chat", "raw", "none"):
        [score] = create_verifier("likelihood", model=model, prompt=mode).score_batch([sample])
        assert score.ok, f"{mode}: {score.reason}"
        values[mode] = score.value
    contexts = {
        "chat": chat_context(backend, messages),
        "raw": "system: Answer briefly.\nuser: What is the capital of France?",
        "none": "",
    }
    assert "Answer briefly." in contexts["chat"] and contexts["chat"] != contexts["raw"]
    for mode, context in contexts.items():
        assert values[mode] == pytest.approx(loglik(backend, context, ANSWER).mean, abs=1e-5), mode
    assert len({round(v, 6) for v in values.values()}) == 3


def test_empty_response_is_unparseable_not_zero(gemma_backend) -> None:
    verifier = create_verifier("likelihood", prompt="raw")
    scores = verifier.score_batch(
        [
            Sample(prompt=PROMPT, response=""),
            Sample(prompt=PROMPT, response=ANSWER),
            Sample(prompt=PROMPT, response="  \n"),
        ]
    )
    assert [s.status for s in scores] == [Status.UNPARSEABLE, Status.OK, Status.UNPARSEABLE]
    assert scores[0].value is None and scores[2].value is None
    assert scores[1].value == pytest.approx(loglik(gemma_backend, PROMPT, ANSWER).mean, abs=1e-5)


def test_reduce_sum_and_per_token_details(gemma_backend) -> None:
    sample = Sample(prompt=PROMPT, response=ANSWER)
    [mean] = create_verifier("likelihood", prompt="raw", token_logprobs=True).score_batch([sample])
    [total] = create_verifier("likelihood", prompt="raw", reduce="sum").score_batch([sample])
    expected = loglik(gemma_backend, PROMPT, ANSWER)
    # per-token values: their mean is the value, their text joins back to the response
    per_token = mean.details["token_logprobs"]
    assert len(per_token) == mean.details["tokens"] == expected.count
    assert statistics.fmean(per_token) == pytest.approx(mean.value, abs=1e-9)
    assert "".join(mean.details["token_text"]) == ANSWER
    assert mean.details["mean_logprob"] == pytest.approx(mean.value)
    # sum: the value is details' sum_logprob, = mean * tokens, and the backend's sum
    assert total.value == pytest.approx(total.details["sum_logprob"], abs=1e-9)
    assert total.value == pytest.approx(mean.value * mean.details["tokens"], abs=1e-5)
    assert total.value == pytest.approx(expected.sum, abs=1e-4)
    assert "token_logprobs" not in total.details


def test_max_tokens_caps_the_scored_response(gemma_backend) -> None:
    [score] = create_verifier("likelihood", prompt="raw", max_tokens=3).score_batch(
        [Sample(prompt=PROMPT, response=ANSWER)]
    )
    assert score.ok and score.details["tokens"] == 3 and score.details["truncated"] is True
    assert score.value == pytest.approx(loglik(gemma_backend, PROMPT, ANSWER, max_tokens=3).mean, abs=1e-5)


def test_group_normalisation_gives_zero_mean_unit_std_per_group(gemma_backend) -> None:
    samples = [
        Sample(prompt=QA[0][0], response=QA[0][1], group="france"),
        Sample(prompt=QA[0][0], response=garble(QA[0][1]), group="france"),
        Sample(prompt=QA[0][0], response="Paris.", group="france"),
        Sample(prompt=QA[1][0], response=QA[1][1], group="bees"),
        Sample(prompt=QA[1][0], response=garble(QA[1][1]), group="bees"),
        Sample(prompt=QA[2][0], response=QA[2][1]),  # no group: a group of its own
        Sample(prompt=QA[2][0], response="", group="bees"),  # not ok: left out of its group's statistics
    ]
    raw = create_verifier("likelihood", prompt="raw").score_batch(samples)
    normed = create_verifier("likelihood", prompt="raw", normalize="group").score_batch(samples)
    assert normed[-1].status is Status.UNPARSEABLE and normed[-1].value is None
    for group, members in {"france": [0, 1, 2], "bees": [3, 4]}.items():
        values = [normed[i].value for i in members]
        assert statistics.fmean(values) == pytest.approx(0, abs=1e-9), group
        assert statistics.pstdev(values) == pytest.approx(1, abs=1e-9), group
        raws = [raw[i].value for i in members]
        mu, sd = statistics.fmean(raws), statistics.pstdev(raws)
        for i in members:
            assert normed[i].details["raw_value"] == pytest.approx(raw[i].value, abs=1e-9)
            assert normed[i].details["group_size"] == len(members)
            assert normed[i].value == pytest.approx((raw[i].value - mu) / sd, abs=1e-6)
    # the order within a group is kept: the correct answer is still above the garbled one
    assert normed[0].value > normed[1].value and normed[3].value > normed[4].value
    assert normed[5].value == 0.0 and normed[5].details["group_size"] == 1


def test_a_verifier_tokenizer_different_from_the_generators_needs_nothing_special(
    smollm2_backend, gemma_backend
) -> None:
    response = "Mitochondria synthesise adenosine triphosphate via oxidative phosphorylation."
    sample = Sample(prompt="What do mitochondria do?", response=response)
    counts = {}
    for model, backend in (("smollm2", smollm2_backend), ("gemma3-270m", gemma_backend)):
        [score] = create_verifier("likelihood", model=model, prompt="raw").score_batch([sample])
        assert score.ok, score.reason
        counts[model] = score.details["tokens"]
        assert counts[model] == len(backend.encoder.encode(sample.prompt, response).continuation)
        assert score.value == pytest.approx(loglik(backend, sample.prompt, response).mean, abs=1e-5)
    assert counts["smollm2"] != counts["gemma3-270m"]


# ------------------------------------------------------------------------------------- novelty and dpo


def test_novelty_is_minus_the_likelihood_with_perplexity(smollm2_backend) -> None:
    samples = [Sample(prompt=p, response=a) for p, a in QA]
    novelty = create_verifier("novelty")
    assert isinstance(novelty, NoveltyVerifier) and novelty.config.model == "smollm2"
    likelihood = create_verifier("likelihood", model="smollm2")
    for n, lk in zip(novelty.score_batch(samples), likelihood.score_batch(samples), strict=True):
        assert n.ok and lk.ok
        assert n.value == pytest.approx(-lk.value, abs=1e-9)
        assert n.details["perplexity"] == pytest.approx(math.exp(-n.details["mean_logprob"]), rel=1e-9)
        assert n.details["perplexity"] == pytest.approx(math.exp(n.value), rel=1e-9)
        assert n.details["perplexity"] > 1


def test_dpo_reference_free_is_beta_times_the_policy_sum(smollm2_backend) -> None:
    samples = [Sample(prompt=p, response=a) for p, a in QA[:2]]
    scores = create_verifier("dpo", model="smollm2", beta=0.1).score_batch(samples)  # chat prompt (default)
    for sample, score in zip(samples, scores, strict=True):
        policy = loglik(smollm2_backend, chat_context(smollm2_backend, sample.prompt), sample.response)
        assert score.ok and score.value == pytest.approx(0.1 * policy.sum, abs=1e-5)
        assert score.details["policy_logprob"] == pytest.approx(policy.sum, abs=1e-4)
        assert "reference_logprob" not in score.details and score.details["tokens"] == policy.count


def test_dpo_with_a_reference_is_beta_times_the_log_ratio(smollm2_backend, gemma_backend) -> None:
    samples = [Sample(prompt=p, response=a) for p, a in QA[:2]] + [Sample(prompt=PROMPT, response="")]
    verifier = create_verifier("dpo", model="smollm2", reference_model="gemma3-270m", beta=0.5, prompt="raw")
    scores = verifier.score_batch(samples)
    for sample, score in zip(samples[:2], scores[:2], strict=True):
        policy = loglik(smollm2_backend, sample.prompt, sample.response).sum
        reference = loglik(gemma_backend, sample.prompt, sample.response).sum
        assert score.ok and score.value == pytest.approx(0.5 * (policy - reference), abs=1e-4)
        assert score.details["policy_logprob"] == pytest.approx(policy, abs=1e-4)
        assert score.details["reference_logprob"] == pytest.approx(reference, abs=1e-4)
    assert scores[2].status is Status.UNPARSEABLE
    with pytest.raises(ConfigError, match="^dpo: model: required key missing$"):
        create_verifier("dpo")


# ------------------------------------------------------------------------------ registry, specs, errors


def test_registered_and_built_from_a_yaml_spec(write_spec, gemma_backend) -> None:
    assert {"likelihood", "novelty", "dpo", "classifier"} <= set(available_verifiers())
    assert isinstance(create_verifier("likelihood"), LikelihoodVerifier)
    assert isinstance(create_verifier("dpo", model="smollm2"), DPOVerifier)
    spec = load_spec(
        write_spec(
            """
            name: cme
            components:
              - name: correct
                verifier: exact_match
                config: {extract: 'is\\s+(\\w+)'}
              - name: fluency
                verifier: likelihood
                weight: 0.1
                config: {prompt: raw, max_tokens: 64}
            """
        )
    )
    samples = [
        Sample(prompt=PROMPT, response=ANSWER, reference="Paris"),
        Sample(prompt=PROMPT, response=garble(ANSWER), reference="Paris"),
    ]
    direct = create_verifier("likelihood", prompt="raw", max_tokens=64).score_batch(samples)
    scores = spec.score_batch(samples)
    for score, fluency in zip(scores, direct, strict=True):
        assert score.ok and fluency.ok
        part = score.details["components"]["fluency"]
        assert part["status"] == "ok" and part["value"] == pytest.approx(fluency.value, abs=1e-9)
    assert scores[0].value == pytest.approx(1 + 0.1 * direct[0].value, abs=1e-6)
    assert scores[0].value > scores[1].value


def test_a_bad_config_key_in_a_spec_names_it(write_spec) -> None:
    path = write_spec(
        """
        components:
          - name: fluency
            verifier: likelihood
            config: {reduce: median}
        """
    )
    with pytest.raises(ConfigError, match="reduce"):
        load_spec(path)


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("likelihood", {}),
        ("novelty", {}),
        ("dpo", {"model": "smollm2"}),
        ("classifier", {"model": "smollm2"}),
    ],
)
def test_an_unknown_backend_option_is_a_config_error_naming_it(name, config) -> None:
    pattern = (
        rf"^{name}: backend_options\.batch_size: unknown key 'batch_size'; allowed: dtype, .*token_budget"
    )
    with pytest.raises(ConfigError, match=pattern):
        create_verifier(name, backend_options={"batch_size": 8}, **config)
    with pytest.raises(ConfigError, match=rf"^{name}: backend_options\.token_budget: .* 16 \(got 1\)$"):
        create_verifier(name, backend_options={"token_budget": 1}, **config)
    with pytest.raises(
        ConfigError, match=rf"^{name}: backend_options\.model: name the model with the verifier"
    ):
        create_verifier(name, backend_options={"model": "gemma3-270m"}, **config)


@pytest.mark.parametrize("name", ["likelihood", "dpo", "classifier"])
def test_an_unknown_backend_kind_is_a_config_error_listing_the_kinds(name) -> None:
    with pytest.raises(
        ConfigError, match=rf"^{name}: backend: unknown backend kind; available: .*transformers"
    ):
        create_verifier(name, model="smollm2", backend="tgi")


class FixedLogprobs(Backend):
    """A plugin backend: every continuation token gets log-probability -0.5 (no model)."""

    kind = "fixed-logprobs"

    def loglikelihood(self, requests):
        return [
            LoglikelihoodResult([-0.5] * len(r.continuation.split()), r.continuation.split())
            for r in requests
        ]


def test_a_plugin_backend_kind_is_accepted_and_scores() -> None:
    """The backend kinds come from the BACKENDS registry, so a kind registered by a plugin is valid in a
    model verifier's config (and its options are checked by its own Config)."""
    with pytest.raises(ConfigError, match="fixed-logprobs"):
        create_verifier("likelihood", backend="fixed-logprobs")
    BACKENDS.register(FixedLogprobs)
    try:
        assert "fixed-logprobs" in BACKENDS.names()
        with pytest.raises(ConfigError, match=r"^novelty: backend_options\.head: unknown key 'head'"):
            create_verifier("novelty", backend="fixed-logprobs", backend_options={"head": "classifier"})
        verifier = create_verifier("likelihood", backend="fixed-logprobs", prompt="none", reduce="sum")
        [score, empty] = verifier.score_batch(
            [Sample(prompt=PROMPT, response="three short words"), Sample(prompt=PROMPT, response="")]
        )
        assert score.ok and score.value == pytest.approx(-1.5) and score.details["tokens"] == 3
        assert empty.status is Status.UNPARSEABLE
    finally:
        BACKENDS.unregister("fixed-logprobs")


def test_an_unknown_model_is_an_error_score_not_an_exception() -> None:
    samples = [Sample(prompt=PROMPT, response=ANSWER), Sample(prompt=PROMPT, response="Paris.")]
    for verifier in (
        create_verifier("likelihood", model="no-such-model"),
        create_verifier("dpo", model="smollm2", reference_model="no-such-model", prompt="raw"),
    ):
        scores = verifier.score_batch(samples)
        assert all(s.status is Status.ERROR and s.value is None for s in scores)
        assert "unknown model 'no-such-model'" in scores[0].reason
        assert "smollm2" in scores[0].reason  # the aliases are listed
