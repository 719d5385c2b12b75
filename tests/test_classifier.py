"""Sequence-classifier reward models through the "classifier" verifier and the transformers backend.

The reward model is built here the way a real one is shipped: SmolLM2's weights under a freshly seeded
single-logit head, saved with save_pretrained (model + tokenizer with its chat template) to a folder that
the verifier loads by path. Values are checked against the model's own forward on one unpadded sequence.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from rewardkit import ConfigError, Sample, Status, create_verifier
from rewardkit.engine.backends import (
    BackendError,
    ClassifyRequest,
    GenerationRequest,
    LoglikelihoodRequest,
    get_backend,
)
from rewardkit.engine.models import resolve_model

TOL = 1e-4

SAMPLES = [
    Sample(prompt="What is 2+2?", response="4"),
    Sample(
        prompt="Tell me a short story about a long journey across the sea.",
        response="Once upon a time a sailor set out across the wide grey sea in a small wooden boat.",
    ),
    Sample(
        prompt=[{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Name a colour."}],
        response="Blue.",
    ),
    Sample(prompt="What is the capital of France?", response="The capital of France is Paris."),
]


@pytest.fixture(scope="session")
def reward_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2 + a seeded fresh 1-logit head, saved like a hub reward model."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = resolve_model("smollm2", progress=False)
    folder = tmp_path_factory.mktemp("smollm2-reward-model")
    torch.manual_seed(1234)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(source).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def classifier_backend(reward_model_dir: Path) -> Any:
    # the options the verifier itself uses, so both share this one instance
    return get_backend("transformers", model=str(reward_model_dir), head="classifier")


def conversation_ids(backend: Any, sample: Sample) -> list[int]:
    """The conversation rendered by the tokenizer's own chat template, tokenised as the tokenizer does."""
    prompt = sample.prompt
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    messages = [*messages, {"role": "assistant", "content": sample.response}]
    text = backend.tokenizer.apply_chat_template(messages, tokenize=False)
    assert sample.response in text
    return backend.tokenizer(text)["input_ids"]


def hand_logit(backend: Any, sample: Sample, label: int = 0) -> float:
    ids = torch.tensor([conversation_ids(backend, sample)])
    with torch.inference_mode():
        return float(backend.model(input_ids=ids).logits[0, label])


def test_value_is_the_reward_models_logit(reward_model_dir, classifier_backend) -> None:
    verifier = create_verifier("classifier", model=str(reward_model_dir))
    scores = verifier.score_batch(SAMPLES)
    assert all(s.ok for s in scores), [s.reason for s in scores]
    expected = [hand_logit(classifier_backend, s) for s in SAMPLES]
    diffs = [abs(s.value - e) for s, e in zip(scores, expected, strict=True)]
    print(f"classifier: max |verifier - hand| = {max(diffs):.2e}")
    assert max(diffs) < TOL
    assert all(s.details["logits"] == [s.value] for s in scores)
    assert len({round(s.value, 4) for s in scores}) == len(SAMPLES)  # the seeded head is not degenerate


def test_right_padding_does_not_change_a_value(reward_model_dir, classifier_backend) -> None:
    verifier = create_verifier("classifier", model=str(reward_model_dir))
    lengths = [len(conversation_ids(classifier_backend, s)) for s in SAMPLES]
    assert len(set(lengths)) == len(SAMPLES)  # really mixed lengths: the short ones get padded
    together = verifier.score_batch(SAMPLES)
    alone = [verifier.score_batch([s])[0] for s in SAMPLES]
    reordered = verifier.score_batch(SAMPLES[::-1])[::-1]
    diff = max(abs(a.value - b.value) for a, b in zip(together + reordered, alone + alone, strict=True))
    print(f"classifier: batch invariance max diff = {diff:.2e}")
    assert diff < TOL


def test_backend_classify_matches_the_model(classifier_backend) -> None:
    texts = [
        "Hello there.",
        "A much longer text that will need no padding at all in this batch, unlike the other.",
    ]
    results = classifier_backend.classify([ClassifyRequest(t) for t in texts])
    for text, result in zip(texts, results, strict=True):
        ids = torch.tensor([classifier_backend.tokenizer(text)["input_ids"]])
        with torch.inference_mode():
            expected = classifier_backend.model(input_ids=ids).logits[0].tolist()
        assert len(result.logits) == 1
        assert max(abs(a - b) for a, b in zip(result.logits, expected, strict=True)) < TOL


def test_sigmoid_transform(reward_model_dir) -> None:
    raw = create_verifier("classifier", model=str(reward_model_dir)).score_batch(SAMPLES[:2])
    squashed = create_verifier("classifier", model=str(reward_model_dir), transform="sigmoid").score_batch(
        SAMPLES[:2]
    )
    for r, s in zip(raw, squashed, strict=True):
        assert 0 < s.value < 1
        assert s.value == pytest.approx(1 / (1 + math.exp(-r.value)), rel=1e-12)
        assert s.details["logits"] == r.details["logits"]


def test_label_out_of_range_is_an_error_status(reward_model_dir) -> None:
    scores = create_verifier("classifier", model=str(reward_model_dir), label=1).score_batch(SAMPLES[:2])
    assert all(s.status is Status.ERROR and s.value is None for s in scores)
    assert "label 1 out of range: the model has 1 logits" in scores[0].reason
    with pytest.raises(ConfigError, match="label"):
        create_verifier("classifier", model=str(reward_model_dir), label=-1)


def test_empty_response_is_unparseable(reward_model_dir, classifier_backend) -> None:
    scores = create_verifier("classifier", model=str(reward_model_dir)).score_batch(
        [Sample(prompt="Hi", response=""), SAMPLES[0], Sample(prompt="Hi", response=" \n ")]
    )
    assert [s.status for s in scores] == [Status.UNPARSEABLE, Status.OK, Status.UNPARSEABLE]
    assert scores[0].value is None and scores[2].value is None
    assert scores[1].value == pytest.approx(hand_logit(classifier_backend, SAMPLES[0]), abs=TOL)


def test_wrong_head_is_a_clear_backend_error(classifier_backend) -> None:
    with pytest.raises(
        BackendError, match="loglikelihood scoring needs a backend with head='causal_lm'.*head='classifier'"
    ):
        classifier_backend.loglikelihood([LoglikelihoodRequest("a", " b")])
    with pytest.raises(BackendError, match="generation needs a backend with head='causal_lm'"):
        classifier_backend.generate([GenerationRequest("a")])


def test_a_language_model_without_a_reward_head_is_an_error_score_not_noise() -> None:
    """A causal LM has no trained classification head: loading it as one would score with a fresh random
    head, so every sample is an error that says so."""
    scores = create_verifier("classifier", model="smollm2").score_batch(SAMPLES[:2])
    assert all(s.status is Status.ERROR and s.value is None for s in scores)
    assert "has no trained classifier head: score.weight missing" in scores[0].reason


def test_the_classifier_head_is_a_default_where_the_backend_loads_heads() -> None:
    """transformers and vLLM load heads (the verifier asks for the sequence classifier unless the options
    say otherwise); the OpenAI-compatible backend has no head option."""
    assert create_verifier("classifier", model="m").backend_options() == {"head": "classifier"}
    assert create_verifier("classifier", model="m", backend="vllm").backend_options()["head"] == "classifier"
    options = {"head": "token_classifier", "dtype": "bfloat16"}
    assert create_verifier("classifier", model="m", backend_options=options).backend_options() == options
    openai = create_verifier(
        "classifier", model="m", backend="openai", backend_options={"base_url": "http://x"}
    )
    assert openai.backend_options() == {"base_url": "http://x"}
    with pytest.raises(ConfigError, match=r"^classifier: backend_options\.head: unknown key 'head'"):
        create_verifier("classifier", model="m", backend="openai", backend_options={"head": "classifier"})


def test_a_model_that_cannot_load_is_an_error_score(tmp_path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    for model, reason in (
        (str(empty), "BackendError: cannot load model"),
        ("no-such-model", "unknown model 'no-such-model'"),
    ):
        scores = create_verifier("classifier", model=model).score_batch(SAMPLES[:2])
        assert all(s.status is Status.ERROR and s.value is None for s in scores)
        assert reason in scores[0].reason
