"""The transformers backend on the real SmolLM2-135M and Gemma-3-270M models.

Every number is checked against a forward pass written here by hand (the full model's logits ->
log_softmax -> the continuation's tokens) on the same token ids, never against hard-coded outputs.
Batch composition, prefix sharing and micro-batch planning must not change a result (float32: 1e-4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from rewardkit import ConfigError
from rewardkit.engine.backends import (
    BackendError,
    GenerationParams,
    GenerationRequest,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    get_backend,
)
from rewardkit.engine.backends.base import merge_top_logprobs

TOL = 1e-4

CTX = "Question: What is the capital of France?\nAnswer:"
# (context, continuation): a family of three continuations for one context, other contexts, mixed lengths,
# and an empty context (scored after the start token alone).
CASES = [
    (CTX, " Paris."),
    (CTX, " The capital of France is Paris, a large city on the river Seine."),
    (CTX, " Berlin."),
    ("Once upon a time", " there was a fox who lived in a small forest."),
    ("", "Hello world, this is a test."),
    ("The numbers 1, 2, 3", ", 4, 5 and 6 follow."),
]
REQUESTS = [LoglikelihoodRequest(c, x) for c, x in CASES]
LONG_CONTEXT = (
    "The history of the city goes back more than two thousand years, to a small settlement on an "
    "island in the river, which grew into a market town and later into the capital of a kingdom."
)


def hand_logprobs(backend: Any, context_ids: Sequence[int], continuation_ids: Sequence[int]) -> list[float]:
    """The reference: one unbatched forward of the whole model, log_softmax, gather at the positions that
    predict each continuation token."""
    ids = torch.tensor([list(context_ids) + list(continuation_ids)])
    with torch.inference_mode():
        logp = torch.log_softmax(backend.model(input_ids=ids).logits[0].float(), dim=-1)
    n = len(context_ids)
    return [float(logp[n - 1 + k, t]) for k, t in enumerate(continuation_ids)]


def max_diff(a: Sequence[LoglikelihoodResult], b: Sequence[LoglikelihoodResult]) -> float:
    assert len(a) == len(b)
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        assert x.count == y.count and x.tokens == y.tokens
        worst = max([worst, *(abs(p - q) for p, q in zip(x.token_logprobs, y.token_logprobs, strict=True))])
    return worst


def model_name(backend: Any) -> str:
    return backend.config.model


@pytest.fixture(scope="module")
def flat_backends() -> dict[str, Any]:
    """share_prefix=False twins of the two models (their own instances: different options)."""
    return {m: get_backend("transformers", model=m, share_prefix=False) for m in ("smollm2", "gemma3-270m")}


@pytest.fixture(scope="module")
def short_window() -> Any:
    """SmolLM2 with a 16-token window, for the truncation rules."""
    return get_backend("transformers", model="smollm2", max_length=16)


# -------------------------------------------------------------------------------------- loglikelihood


def test_loglikelihood_equals_a_hand_written_forward_pass(lm_backend) -> None:
    results = lm_backend.loglikelihood(REQUESTS)
    worst = 0.0
    for (context, continuation), result in zip(CASES, results, strict=True):
        pair = lm_backend.encoder.encode(context, continuation)
        expected = hand_logprobs(lm_backend, pair.context, pair.continuation)
        assert result.count == len(pair.continuation) > 0
        worst = max([worst, *(abs(a - b) for a, b in zip(result.token_logprobs, expected, strict=True))])
        assert math.isclose(result.sum, math.fsum(expected), abs_tol=TOL * result.count)
        assert result.mean == pytest.approx(result.sum / result.count)
        assert all(lp <= 0 for lp in result.token_logprobs)
        assert not result.truncated
    print(f"{model_name(lm_backend)}: max |backend - hand| = {worst:.2e}")
    assert worst < TOL


def test_scored_tokens_are_the_continuation_ids_and_decode_back(lm_backend) -> None:
    tok = lm_backend.tokenizer
    for (context, continuation), result in zip(CASES, lm_backend.loglikelihood(REQUESTS), strict=True):
        # tokenising the pair together splits exactly at the context here (a space starts each continuation)
        context_ids = tok(context, add_special_tokens=False)["input_ids"] if context else []
        whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
        assert whole[: len(context_ids)] == context_ids
        cont_ids = whole[len(context_ids) :]
        assert lm_backend.encoder.encode(context, continuation).continuation == tuple(cont_ids)
        assert result.tokens == [tok.decode([t]) for t in cont_ids]
        assert "".join(result.tokens) == continuation


def test_empty_context_starts_from_the_start_token(lm_backend) -> None:
    tok = lm_backend.tokenizer
    pair = lm_backend.encoder.encode("", "Hello world")
    start = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    assert pair.context == (start,)
    [result] = lm_backend.loglikelihood([LoglikelihoodRequest("", "Hello world")])
    assert result.count == len(tok("Hello world", add_special_tokens=False)["input_ids"])
    assert (
        max(
            abs(a - b)
            for a, b in zip(
                result.token_logprobs, hand_logprobs(lm_backend, [start], pair.continuation), strict=True
            )
        )
        < TOL
    )


def test_bos_is_prepended_exactly_when_the_tokenizer_adds_it(lm_backend) -> None:
    tok = lm_backend.tokenizer
    with_special = tok("Once upon a time")["input_ids"]
    plain = tok("Once upon a time", add_special_tokens=False)["input_ids"]
    pair = lm_backend.encoder.encode("Once upon a time", " there")
    assert list(pair.context) == (with_special if with_special[0] == tok.bos_token_id else plain)
    assert (pair.context[0] == tok.bos_token_id) == (model_name(lm_backend) == "gemma3-270m")


def test_batch_composition_does_not_change_a_result(lm_backend, monkeypatch) -> None:
    alone = [lm_backend.loglikelihood([r])[0] for r in REQUESTS]
    together = lm_backend.loglikelihood(REQUESTS)
    extra = [
        LoglikelihoodRequest(LONG_CONTEXT, " It is now a large city with many museums and old bridges."),
        LoglikelihoodRequest(CTX, " Rome, I think."),
        LoglikelihoodRequest("x", " y"),
    ]
    mixed = lm_backend.loglikelihood([extra[0], *REQUESTS[::-1], *extra[1:]])[1:-2][::-1]
    # a tiny token budget: many micro-batches, the family split over several cache expansions
    monkeypatch.setattr(lm_backend, "config", lm_backend.config.model_copy(update={"token_budget": 24}))
    planned = lm_backend._plan_loglikelihood([lm_backend.encoder.encode(c, x) for c, x in CASES])
    assert len(planned) > 2
    tiny = lm_backend.loglikelihood(REQUESTS)
    diffs = {
        name: max_diff(alone, got)
        for name, got in [("together", together), ("mixed", mixed), ("tiny budget", tiny)]
    }
    print(f"{model_name(lm_backend)}: alone vs batched max diff {diffs}")
    assert max(diffs.values()) < TOL


def test_prefix_sharing_gives_the_same_numbers_as_full_sequences(
    lm_backend, flat_backends, monkeypatch
) -> None:
    flat = flat_backends[model_name(lm_backend)]
    assert lm_backend.config.share_prefix and not flat.config.share_prefix
    family_sizes: list[int] = []
    original = lm_backend._score_family

    def spy(ctx, pairs, where, results):
        family_sizes.append(len(pairs))
        return original(ctx, pairs, where, results)

    monkeypatch.setattr(lm_backend, "_score_family", spy)
    family = [
        LoglikelihoodRequest(CTX, x) for x in (" Paris.", " It is Paris.", " Lyon, no, Paris.", " Paris")
    ]
    requests = family + REQUESTS
    shared = lm_backend.loglikelihood(requests)
    assert family_sizes and max(family_sizes) >= 4  # the shared-prefix path really ran
    unshared = flat.loglikelihood(requests)
    diff = max_diff(shared, unshared)
    print(f"{model_name(lm_backend)}: share_prefix True vs False max diff {diff:.2e}")
    assert diff < TOL


def test_max_tokens_truncates_the_continuation_and_says_so(lm_backend) -> None:
    cont = " The capital of France is Paris, a large city on the river Seine."
    full, cut = lm_backend.loglikelihood(
        [LoglikelihoodRequest(CTX, cont), LoglikelihoodRequest(CTX, cont, max_tokens=3)]
    )
    assert not full.truncated and full.count > 3
    assert cut.truncated and cut.count == 3 and cut.tokens == full.tokens[:3]
    assert max(abs(a - b) for a, b in zip(cut.token_logprobs, full.token_logprobs[:3], strict=False)) < TOL
    exact = lm_backend.loglikelihood([LoglikelihoodRequest(CTX, cont, max_tokens=full.count)])[0]
    assert not exact.truncated and exact.count == full.count


def test_context_longer_than_the_window_is_cut_from_the_left(short_window, smollm2_backend) -> None:
    assert short_window.max_length == 16
    full = smollm2_backend.encoder.encode(LONG_CONTEXT, " Paris.")
    assert len(full.context) + len(full.continuation) > 16
    [result] = short_window.loglikelihood([LoglikelihoodRequest(LONG_CONTEXT, " Paris.")])
    pair = short_window.encoder.encode(LONG_CONTEXT, " Paris.")
    assert result.truncated and result.count == len(full.continuation)
    assert pair.continuation == full.continuation
    assert pair.context == full.context[-(16 - len(full.continuation)) :]  # the end of the context survives
    expected = hand_logprobs(short_window, pair.context, pair.continuation)
    assert max(abs(a - b) for a, b in zip(result.token_logprobs, expected, strict=True)) < TOL
    # a continuation longer than the window keeps one context token and is cut to fit
    long_cont = " " + " ".join(["word"] * 30)
    [result] = short_window.loglikelihood([LoglikelihoodRequest("Say:", long_cont)])
    assert result.truncated and result.count == 15
    # short requests on the same backend are not marked truncated
    assert not short_window.loglikelihood([LoglikelihoodRequest("Hi", " there")])[0].truncated


def test_greedy_flag_marks_the_models_own_greedy_continuation(lm_backend) -> None:
    prompt = "The capital of France is"
    [gen] = lm_backend.generate([GenerationRequest(prompt)], GenerationParams(max_tokens=6))
    assert gen.text.strip()
    own, other = lm_backend.loglikelihood(
        [LoglikelihoodRequest(prompt, gen.text), LoglikelihoodRequest(prompt, " a banana pudding")]
    )
    assert own.greedy is True
    assert other.greedy is False


def test_an_empty_continuation_scores_zero_tokens_without_breaking_its_batch(smollm2_backend) -> None:
    """An empty continuation (or max_tokens=0) has nothing to score: a 0-token result, not an exception
    that fails every other request of the call."""
    reference = smollm2_backend.loglikelihood([LoglikelihoodRequest(CTX, " Paris.")])[0]
    results = smollm2_backend.loglikelihood(
        [LoglikelihoodRequest(CTX, " Paris."), LoglikelihoodRequest(CTX, ""), LoglikelihoodRequest("Hi", "")]
    )
    assert [r.count for r in results] == [reference.count, 0, 0]
    assert max_diff(results[:1], [reference]) < TOL


# ------------------------------------------------------------------------------------------ generation


def test_greedy_generation_is_deterministic_and_batch_independent(lm_backend) -> None:
    params = GenerationParams(max_tokens=8)
    prompts = [GenerationRequest("The capital of France is"), GenerationRequest("1, 2, 3, 4,")]
    first = lm_backend.generate(prompts, params)
    again = lm_backend.generate(prompts, params)
    alone = [lm_backend.generate([p], params)[0] for p in prompts]
    assert [g.text for g in first] == [g.text for g in again] == [g.text for g in alone]
    assert all(g.text and g.finish_reason == "length" for g in first)
    # max_tokens caps the new tokens: the text re-tokenises to at most that many tokens
    for p, g in zip(prompts, first, strict=True):
        assert len(lm_backend.encoder.encode(p.prompt, g.text).continuation) <= 8


def test_generation_logprobs_match_loglikelihood_of_the_generated_text(lm_backend) -> None:
    prompts = ["The capital of France is", "1, 2, 3, 4,"]
    outs = lm_backend.generate(
        [GenerationRequest(p) for p in prompts], GenerationParams(max_tokens=8, logprobs=True)
    )
    for prompt, out in zip(prompts, outs, strict=True):
        assert out.tokens is not None and out.token_logprobs is not None
        assert len(out.tokens) == len(out.token_logprobs) == 8
        assert "".join(out.tokens) == out.text
        [scored] = lm_backend.loglikelihood([LoglikelihoodRequest(prompt, out.text)])
        assert scored.tokens == out.tokens  # same tokenisation at the boundary, so compare token by token
        assert scored.greedy is True
        assert max(abs(a - b) for a, b in zip(scored.token_logprobs, out.token_logprobs, strict=True)) < 1e-3
    assert (
        lm_backend.generate([GenerationRequest(prompts[0])], GenerationParams(max_tokens=4))[0].token_logprobs
        is None
    )


def test_stop_strings_cut_the_text_and_finish_with_stop(lm_backend) -> None:
    prompt = GenerationRequest("1, 2, 3, 4,")
    [free] = lm_backend.generate([prompt], GenerationParams(max_tokens=8))
    assert "," in free.text and free.finish_reason == "length"
    [stopped] = lm_backend.generate([prompt], GenerationParams(max_tokens=8, stop=(",",)))
    assert stopped.text == free.text[: free.text.index(",")]
    assert stopped.finish_reason == "stop"
    [missing] = lm_backend.generate([prompt], GenerationParams(max_tokens=8, stop=("@@",)))
    assert missing.text == free.text and missing.finish_reason == "length"


def test_stop_strings_also_cut_the_returned_tokens_and_logprobs(smollm2_backend) -> None:
    """tokens/token_logprobs describe the returned text: nothing generated after the stop string."""
    stop = ","
    [out] = smollm2_backend.generate(
        [GenerationRequest("1, 2, 3, 4,")], GenerationParams(max_tokens=8, stop=(stop,), logprobs=True)
    )
    assert out.finish_reason == "stop" and out.tokens is not None and out.token_logprobs is not None
    assert len(out.tokens) == len(out.token_logprobs)
    assert "".join(out.tokens).startswith(out.text)
    # every token but the last lies before the end of the stop string
    assert len("".join(out.tokens[:-1])) < len(out.text) + len(stop), out.tokens


def hand_top_logprobs(backend: Any, prompt: str, text: str, k: int) -> list[dict[str, float]]:
    """The reference for top_logprobs: one forward of the whole model on prompt + generated ids,
    log_softmax, the k best ids at each generated position, decoded alone (same text merged)."""
    pair = backend.encoder.encode(prompt, text)
    ids = torch.tensor([list(pair.context) + list(pair.continuation)])
    with torch.inference_mode():
        logp = torch.log_softmax(backend.model(input_ids=ids).logits[0].float(), dim=-1)
    n = len(pair.context)
    tops = []
    for i in range(len(pair.continuation)):
        values, best = logp[n - 1 + i].topk(k)
        texts = [backend.tokenizer.decode([t]) for t in best.tolist()]
        tops.append(merge_top_logprobs(zip(texts, values.tolist(), strict=True)))
    return tops


def test_top_logprobs_rank_the_greedy_token_first_and_match_a_forward_pass(lm_backend) -> None:
    prompts = ["The capital of France is", "1, 2, 3, 4,"]
    outs = lm_backend.generate(
        [GenerationRequest(p) for p in prompts], GenerationParams(max_tokens=8, top_logprobs=5)
    )
    for prompt, out in zip(prompts, outs, strict=True):
        assert out.tokens is not None and out.token_logprobs is not None and out.top_logprobs is not None
        assert len(out.top_logprobs) == len(out.tokens) == len(out.token_logprobs) == 8
        for token, chosen, top in zip(out.tokens, out.token_logprobs, out.top_logprobs, strict=True):
            assert 1 <= len(top) <= 5 and all(v <= 0 for v in top.values())
            assert sum(math.exp(v) for v in top.values()) <= 1 + 1e-6
            best = max(top, key=top.__getitem__)
            assert best == token  # greedy: the chosen token is the most likely one
            assert abs(top[token] - chosen) < TOL
        want = hand_top_logprobs(lm_backend, prompt, out.text, 5)
        for have, expected in zip(out.top_logprobs, want, strict=True):
            assert have.keys() == expected.keys()
            assert max(abs(have[t] - expected[t]) for t in have) < TOL
    # an alternative at the first position: the loglikelihood path gives it the same log-probability
    first = outs[0].top_logprobs[0]
    alternative = sorted(first, key=first.__getitem__)[-2]
    [scored] = lm_backend.loglikelihood([LoglikelihoodRequest(prompts[0], alternative)])
    assert scored.tokens == [alternative]
    assert abs(scored.token_logprobs[0] - first[alternative]) < TOL


def test_top_logprobs_are_the_raw_distribution_not_the_sampling_one(smollm2_backend) -> None:
    """Sampling at temperature 2 with top_p=0.5 draws from a reshaped distribution; the first position's
    top logprobs are still the model's own (the same as a greedy run's)."""
    prompt = [GenerationRequest("The capital of France is")]
    [greedy] = smollm2_backend.generate(prompt, GenerationParams(max_tokens=2, top_logprobs=5))
    [sampled] = smollm2_backend.generate(
        prompt, GenerationParams(max_tokens=2, top_logprobs=5, temperature=2.0, top_p=0.5, seed=3)
    )
    assert greedy.top_logprobs is not None and sampled.top_logprobs is not None
    assert sampled.top_logprobs[0] == pytest.approx(greedy.top_logprobs[0], abs=TOL)
    assert len(sampled.top_logprobs) == len(sampled.tokens) == len(sampled.token_logprobs)


def test_stop_strings_trim_top_logprobs_like_the_tokens(smollm2_backend) -> None:
    prompt = [GenerationRequest("1, 2, 3, 4,")]
    [free] = smollm2_backend.generate(prompt, GenerationParams(max_tokens=8, top_logprobs=3))
    [cut] = smollm2_backend.generate(prompt, GenerationParams(max_tokens=8, top_logprobs=3, stop=(",",)))
    assert cut.finish_reason == "stop" and cut.text == free.text[: free.text.index(",")]
    assert cut.tokens is not None and cut.top_logprobs is not None
    n = len(cut.tokens)
    assert 0 < n < len(free.tokens)
    assert len(cut.top_logprobs) == len(cut.token_logprobs) == n
    assert cut.tokens == free.tokens[:n] and cut.top_logprobs == free.top_logprobs[:n]
    [plain] = smollm2_backend.generate(prompt, GenerationParams(max_tokens=8, logprobs=True))
    assert plain.top_logprobs is None and plain.token_logprobs == pytest.approx(free.token_logprobs, abs=TOL)


def test_top_logprobs_params_imply_logprobs_and_are_bounded() -> None:
    assert GenerationParams(top_logprobs=3).logprobs is True
    assert GenerationParams.model_validate({"top_logprobs": "2"}).logprobs is True
    assert GenerationParams().top_logprobs == 0 and GenerationParams().logprobs is False
    with pytest.raises(ValidationError, match="top_logprobs=3 needs logprobs"):
        GenerationParams(top_logprobs=3, logprobs=False)
    for bad in (-1, 21):
        with pytest.raises(ValidationError, match="top_logprobs"):
            GenerationParams(top_logprobs=bad)


def test_merge_top_logprobs_adds_the_probabilities_of_one_text() -> None:
    merged = merge_top_logprobs([("a", math.log(0.2)), ("b", math.log(0.25)), ("a", math.log(0.1))])
    assert list(merged) == ["a", "b"]  # most likely first: 0.2 + 0.1 > 0.25
    assert merged["a"] == pytest.approx(math.log(0.3)) and merged["b"] == pytest.approx(math.log(0.25))
    assert list(merge_top_logprobs([("x", -3.0), ("y", -1.0), ("z", -2.0)], k=2)) == ["y", "z"]
    assert merge_top_logprobs([("x", -math.inf), ("x", -math.inf)]) == {"x": -math.inf}


def test_chat_messages_are_rendered_with_the_chat_template(smollm2_backend) -> None:
    messages = [{"role": "user", "content": "Say hello."}]
    params = GenerationParams(max_tokens=5)
    [from_messages] = smollm2_backend.generate([GenerationRequest(messages)], params)
    rendered = smollm2_backend.tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True
    )
    assert smollm2_backend.render_chat(messages) == rendered
    [from_text] = smollm2_backend.generate([GenerationRequest(rendered)], params)
    assert from_messages.text == from_text.text


# ----------------------------------------------------------------------------------------- config, api


def test_get_backend_shares_one_instance_per_options(smollm2_backend) -> None:
    assert get_backend("transformers", model="smollm2") is smollm2_backend
    assert get_backend("transformers", model="smollm2", dtype="float32") is smollm2_backend


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        (
            {"batch_size": 8},
            r"^transformers backend: batch_size: unknown key 'batch_size'; allowed: model, .*token_budget",
        ),
        (
            {"token_budget": 1},
            r"^transformers backend: token_budget: .*greater than or equal to 16 \(got 1\)$",
        ),
        ({"head": "reward"}, r"^transformers backend: head: .*'token_classifier' \(got 'reward'\)$"),
    ],
)
def test_bad_backend_options_are_config_errors_naming_the_key(options, pattern) -> None:
    with pytest.raises(ConfigError, match=pattern):
        get_backend("transformers", model="smollm2", **options)


def test_unknown_backend_kind_and_model_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="^unknown backend 'tgi'; available: openai, transformers, vllm$"):
        get_backend("tgi", model="smollm2")
    with pytest.raises(ValueError, match="unknown model 'no-such-model'.*aliases: smollm2, gemma3-270m"):
        get_backend("transformers", model="no-such-model")


def test_classify_on_a_causal_lm_backend_is_a_backend_error(smollm2_backend) -> None:
    from rewardkit.engine.backends import ClassifyRequest

    with pytest.raises(BackendError, match="classification needs a backend with head='classifier'"):
        smollm2_backend.classify([ClassifyRequest("hello")])


def test_async_loglikelihood_matches_the_sync_path(smollm2_backend) -> None:
    import asyncio

    async def both():
        return await asyncio.gather(
            smollm2_backend.aloglikelihood(REQUESTS[:3]), smollm2_backend.aloglikelihood(REQUESTS[3:])
        )

    first, second = asyncio.run(both())
    assert max_diff(first + second, smollm2_backend.loglikelihood(REQUESTS)) < TOL


def test_a_token_straddling_the_boundary_counts_as_continuation(smollm2_backend) -> None:
    """ "...is " + "Paris." is read as the model reads the whole text: " Paris" is one token, scored as
    continuation, so both ways of placing the space give the same tokens and the same value."""
    from rewardkit.engine.backends import LoglikelihoodRequest

    a = smollm2_backend.encoder.encode("The capital of France is ", "Paris.")
    b = smollm2_backend.encoder.encode("The capital of France is", " Paris.")
    assert a == b
    whole = smollm2_backend.tokenizer("The capital of France is Paris.", add_special_tokens=False)[
        "input_ids"
    ]
    assert list(a.context + a.continuation) == whole
    x, y = smollm2_backend.loglikelihood(
        [
            LoglikelihoodRequest("The capital of France is ", "Paris."),
            LoglikelihoodRequest("The capital of France is", " Paris."),
        ]
    )
    assert x.token_logprobs == pytest.approx(y.token_logprobs, abs=1e-5) and x.tokens[0] == " Paris"


def test_a_closed_shared_backend_is_rebuilt() -> None:
    from rewardkit.engine.backends import LoglikelihoodRequest, get_backend

    with get_backend("transformers", model="smollm2", token_budget=999) as first:
        assert first.loglikelihood([LoglikelihoodRequest("a", " b")])[0].count == 1
    assert first.closed
    second = get_backend("transformers", model="smollm2", token_budget=999)
    assert second is not first and not second.closed
    assert second.loglikelihood([LoglikelihoodRequest("a", " b")])[0].count == 1
    second.close()


def test_generation_prompt_longer_than_the_window_keeps_its_end() -> None:
    """A prompt longer than the window less max_tokens keeps exactly its last (window - max_tokens) tokens
    (SmolLM2 adds no BOS): the generation, text and logprobs, is the one from those tokens alone."""
    from rewardkit.engine.backends import GenerationParams, GenerationRequest, get_backend

    lm = get_backend("transformers", model="smollm2", max_length=32)
    params = GenerationParams(max_tokens=4, logprobs=True)
    prompt = "word " * 200 + "The capital of France is"
    kept = lm.encoder.ids(prompt)[-(32 - params.max_tokens) :]
    tail = lm.tokenizer.decode(kept)
    assert tail.endswith(" word The capital of France is") and lm.encoder.ids(tail) == kept
    try:
        [out] = lm.generate([GenerationRequest(prompt)], params)
        [alone] = lm.generate([GenerationRequest(tail)], params)  # fits the window: nothing cut
    finally:
        lm.close()
    assert out.text and out.text == alone.text and out.finish_reason == alone.finish_reason == "length"
    assert out.tokens == alone.tokens
    assert out.token_logprobs == pytest.approx(alone.token_logprobs, abs=TOL)
