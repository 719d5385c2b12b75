"""Per-position classification on the transformers backend, with real models.

- ``head="causal_lm"`` + ``label_tokens``: SmolLM2's and Gemma-3's own LM head at the requested positions,
  kept to the label tokens' logits (a process reward model that answers "+"/"-" after each step);
- ``head="token_classifier"``: a token-classification model built here from SmolLM2's weights
  (``AutoModelForTokenClassification``, 2 labels, head seeded and saved to a folder like a hub PRM);
- ``head="classifier"`` with positions: a sequence head read at each position (= the score of the prefix).

Every number is checked against a forward pass written here (the whole model on the unpadded ids, the
rows picked by a rule re-derived from the tokenizer's offsets), and a request inside a batch of mixed
lengths (and across micro-batches) must give what it gives alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
import torch
from _classify import SHORT, SOLUTION, UNICODE, smollm2_with_head, step_ends

from rewardkit.engine.backends import BackendError, ClassifyRequest, ClassifyResult, get_backend

HAND_TOL = 1e-4  # backend (padded batch) vs one unpadded forward of the whole model
BATCH_TOL = 1e-5  # a request in a mixed batch vs the same request alone


def hand_ids_and_rows(tokenizer: Any, text: str, positions: Sequence[int]) -> tuple[list[int], list[int]]:
    """The ids the tokenizer itself makes (with its BOS, if it adds one) and, per offset, the index of the
    last token whose characters all lie before it, by a plain scan of the offsets."""
    enc = tokenizer(text, return_offsets_mapping=True)  # an added BOS spans (0, 0): it ends before any p
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    rows = []
    for p in positions:
        row = -1
        for i, (_, end) in enumerate(offsets):
            if end > p:
                break
            row = i
        assert row >= 0
        rows.append(row)
    return ids, rows


def hand_forward(model: Any, ids: Sequence[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([list(ids)])).logits[0].float()


def max_diff(a: Sequence[ClassifyResult], b: Sequence[ClassifyResult]) -> float:
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        assert x.logits == [] and y.logits == [] and x.position_logits and y.position_logits
        assert len(x.position_logits) == len(y.position_logits)
        for r, s in zip(x.position_logits, y.position_logits, strict=True):
            worst = max([worst, *(abs(u - v) for u, v in zip(r, s, strict=True))])
    return worst


# texts a few tokens apart: the scheduler packs them into ONE right-padded micro-batch of mixed lengths
NEAR_EQUAL = [
    SOLUTION,
    SOLUTION.replace("4 more", "four more"),
    SOLUTION.replace("He gives", "Then he gives"),
    SOLUTION.replace("The answer is 5.", "So the final answer is 5."),
]


def batch_invariance(backend: Any, requests: list[ClassifyRequest], monkeypatch: Any) -> dict[str, float]:
    """Max |diff| between each request alone and the same request (a) in one padded micro-batch with the
    others, (b) in reverse order, (c) with short texts, across many micro-batches (a tiny token budget)."""
    lengths = [len(backend.encoder.prompt(r.text)) for r in requests]
    assert len(set(lengths)) == len(lengths)  # mixed lengths: all but the longest are padded
    alone = [backend.classify([r])[0] for r in requests]
    before = backend.stats()["scheduler"]["batches"]
    together = backend.classify(requests)
    assert backend.stats()["scheduler"]["batches"] == before + 1  # one micro-batch for all of them
    reordered = backend.classify(requests[::-1])[::-1]
    extra = [ClassifyRequest(t, step_ends(t), requests[0].label_tokens) for t in (SHORT, UNICODE, "One.")]
    monkeypatch.setattr(backend, "config", backend.config.model_copy(update={"token_budget": 48}))
    before = backend.stats()["scheduler"]["batches"]
    split = backend.classify([*extra, *requests])[len(extra) :]
    assert backend.stats()["scheduler"]["batches"] - before > 2  # several micro-batches
    return {
        "one padded batch": max_diff(alone, together),
        "reordered": max_diff(alone, reordered),
        "tiny budget": max_diff(alone, split),
    }


@pytest.fixture(scope="module")
def token_classifier_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SmolLM2's weights under a 2-label token-classification head (weights and bias seeded)."""
    folder = tmp_path_factory.mktemp("smollm2-token-classifier")
    return smollm2_with_head("AutoModelForTokenClassification", folder, num_labels=2, seed=7)


@pytest.fixture(scope="module")
def token_backend(token_classifier_dir: str) -> Any:
    return get_backend("transformers", model=token_classifier_dir, head="token_classifier")


@pytest.fixture(scope="module")
def sequence_backend(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """SmolLM2 under a seeded 3-label sequence-classification head."""
    folder = tmp_path_factory.mktemp("smollm2-sequence-classifier")
    model = smollm2_with_head("AutoModelForSequenceClassification", folder, num_labels=3, seed=11)
    return get_backend("transformers", model=model, head="classifier")


# ------------------------------------------------------------------------------ offsets -> token rows


def test_each_offset_reads_the_last_token_of_the_text_before_it(lm_backend) -> None:
    """For every offset of texts with a straddled word, multi-byte characters and step separators, the row
    is the last context token the loglikelihood split makes at that offset (one rule for both)."""
    encoder = lm_backend.encoder
    for text in (SOLUTION, SHORT, UNICODE):
        # every offset with a token before it (all of them when the model starts with BOS)
        offsets = [
            p for p in range(len(text) + 1) if encoder.adds_bos or encoder.split(text[:p], text[p:])[0]
        ]
        assert len(offsets) > len(text) - 5
        item = encoder.token_rows(text, offsets)
        lead = len(item.ids) - len(encoder.ids(text))
        assert item.ids == encoder.prompt(text)
        for p, row in zip(offsets, item.rows, strict=True):
            context, _ = encoder.split(text[:p], text[p:])
            assert row == lead + len(context) - 1, (text, p)


def test_rows_by_hand_for_a_straddled_word_an_emoji_and_the_end(smollm2_backend) -> None:
    tok = smollm2_backend.tokenizer
    text = "The capital is Paris 🍮."
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    pieces = [
        (tok.decode([i]), span) for i, span in zip(enc["input_ids"], enc["offset_mapping"], strict=True)
    ]
    paris = next(k for k, (piece, _) in enumerate(pieces) if piece == " Paris")
    emoji_start = text.index("🍮")
    last_byte = max(k for k, (_, (_, end)) in enumerate(pieces) if end == emoji_start + 1)
    assert last_byte > paris + 1  # the emoji is several byte tokens that all end after it
    rows = smollm2_backend.encoder.token_rows(
        text, [text.index(" Paris") + 3, text.index(" Paris") + 6, emoji_start, emoji_start + 1, len(text)]
    ).rows
    assert rows == (paris - 1, paris, paris, last_byte, len(pieces) - 1)


def test_offset_zero_reads_bos_or_is_an_error(smollm2_backend, gemma_backend) -> None:
    assert gemma_backend.encoder.token_rows("Hello", [0]).rows == (0,)  # Gemma's BOS
    with pytest.raises(BackendError, match=r"position 0: no token ends at or before it \(the first token"):
        smollm2_backend.encoder.token_rows("Hello", [0])


# ------------------------------------------------------------------------ causal LM + label tokens


@pytest.mark.parametrize("labels", [("+", "-"), (" Yes", " No", " Maybe")])
def test_label_token_logits_equal_a_hand_written_forward(lm_backend, labels) -> None:
    texts = [SOLUTION, SHORT, UNICODE]
    requests = [ClassifyRequest(t, step_ends(t), labels) for t in texts]
    results = lm_backend.classify(requests)
    tok = lm_backend.tokenizer
    label_ids = [tok(label, add_special_tokens=False)["input_ids"] for label in labels]
    assert all(len(ids) == 1 for ids in label_ids)
    worst = 0.0
    for request, result in zip(requests, results, strict=True):
        ids, rows = hand_ids_and_rows(tok, request.text, request.positions)
        expected = hand_forward(lm_backend.model, ids)[rows][:, [i[0] for i in label_ids]]
        assert result.logits == [] and result.position_logits is not None
        got = torch.tensor(result.position_logits)
        assert got.shape == (len(request.positions), len(labels))
        worst = max(worst, float((got - expected).abs().max()))
        # the steps get different logits: the rows really are different positions
        assert len({tuple(round(x, 3) for x in row) for row in result.position_logits}) == len(rows)
    print(f"{lm_backend.config.model} label tokens {labels}: max |backend - hand| = {worst:.2e}")
    assert worst < HAND_TOL


def test_label_token_results_do_not_depend_on_the_batch(smollm2_backend, monkeypatch) -> None:
    labels = [("+", "-"), ("+", "-"), (" Yes", " No"), ("-",)]
    requests = [ClassifyRequest(t, step_ends(t), lab) for t, lab in zip(NEAR_EQUAL, labels, strict=True)]
    diffs = batch_invariance(smollm2_backend, requests, monkeypatch)
    print(f"label tokens, alone vs batched: {diffs}")
    assert max(diffs.values()) < BATCH_TOL


def test_async_classify_matches_the_sync_path(smollm2_backend) -> None:
    requests = [ClassifyRequest(t, step_ends(t), ("+", "-")) for t in (SOLUTION, SHORT, UNICODE)]

    async def both():
        return await asyncio.gather(
            smollm2_backend.aclassify(requests[:1]), smollm2_backend.aclassify(requests[1:])
        )

    first, rest = asyncio.run(both())
    assert max_diff(first + rest, smollm2_backend.classify(requests)) < BATCH_TOL


def test_a_label_that_is_not_one_token_is_an_error_naming_it(smollm2_backend) -> None:
    assert len(smollm2_backend.tokenizer("ки", add_special_tokens=False)["input_ids"]) == 2
    with pytest.raises(
        BackendError, match=r"^classify request 1: label token 'ки' is 2 tokens for this model's tokenizer \["
    ):
        smollm2_backend.classify(
            [ClassifyRequest(SHORT, (5,), ("+",)), ClassifyRequest(SHORT, (5,), ("ки",))]
        )
    with pytest.raises(BackendError, match=r"label token '' is 0 tokens"):
        smollm2_backend.classify([ClassifyRequest(SHORT, (5,), ("+", ""))])


@pytest.mark.parametrize(
    ("request_", "pattern"),
    [
        (
            ClassifyRequest(SHORT, (5, 99), ("+",)),
            r"position 99 is not a character offset into the text \(0\.\.39\)",
        ),
        (ClassifyRequest(SHORT, (-1,), ("+",)), r"position -1 is not a character offset"),
        (ClassifyRequest(SHORT, (9, 5), ("+",)), r"positions must be strictly ascending; got 5 after 9"),
        (ClassifyRequest(SHORT, (5, 5), ("+",)), r"positions must be strictly ascending; got 5 after 5"),
        (ClassifyRequest(SHORT, (5,)), r"a causal LM reads its own head at the positions: give label_tokens"),
        (ClassifyRequest(SHORT, (), ("+",)), r"label_tokens need positions"),
    ],
)
def test_bad_positions_are_backend_errors_naming_the_request(smollm2_backend, request_, pattern) -> None:
    ok = ClassifyRequest(SHORT, (5,), ("+",))
    with pytest.raises(BackendError, match=rf"^classify request 2: {pattern}"):
        smollm2_backend.classify([ok, ok, request_])


def test_a_positioned_text_longer_than_the_window_is_an_error_not_a_cut() -> None:
    short = get_backend("transformers", model="smollm2", max_length=16)
    assert short.classify([ClassifyRequest("Step 1: ok.", (11,), ("+",))])[0].position_logits
    with pytest.raises(
        BackendError, match=r"^classify request 0: the text is \d+ tokens, over the model's window of 16"
    ):
        short.classify([ClassifyRequest(SOLUTION, step_ends(SOLUTION), ("+", "-"))])


# ------------------------------------------------------------------------------- token classifier


def test_token_classifier_logits_equal_a_hand_written_forward(token_backend) -> None:
    texts = [SOLUTION, SHORT, UNICODE, "One step only."]
    requests = [ClassifyRequest(t, step_ends(t)) for t in texts]
    results = token_backend.classify(requests)
    worst = 0.0
    for request, result in zip(requests, results, strict=True):
        ids, rows = hand_ids_and_rows(token_backend.tokenizer, request.text, request.positions)
        expected = hand_forward(token_backend.model, ids)[rows]  # the model's own per-token logits
        got = torch.tensor(result.position_logits)
        assert result.logits == [] and got.shape == (len(rows), 2)
        worst = max(worst, float((got - expected).abs().max()))
    assert len({round(row[0], 4) for r in results for row in r.position_logits}) > 4  # not degenerate
    print(f"token classifier: max |backend - hand| = {worst:.2e}")
    assert worst < HAND_TOL


def test_token_classifier_results_do_not_depend_on_the_batch(token_backend, monkeypatch) -> None:
    requests = [ClassifyRequest(t, step_ends(t)) for t in NEAR_EQUAL]
    diffs = batch_invariance(token_backend, requests, monkeypatch)
    print(f"token classifier, alone vs batched: {diffs}")
    assert max(diffs.values()) < BATCH_TOL


def test_token_classifier_requests_need_positions_and_no_labels(token_backend) -> None:
    with pytest.raises(
        BackendError, match=r"head='token_classifier'.*give positions \(e\.g\. \(len\(text\),\)"
    ):
        token_backend.classify([ClassifyRequest(SHORT)])
    with pytest.raises(BackendError, match=r"^classify request 0: label_tokens read a causal LM's head"):
        token_backend.classify([ClassifyRequest(SHORT, (5,), ("+",))])


def test_a_checkpoint_without_the_head_is_an_error_not_random_logits() -> None:
    """Loading a causal LM under a classification head would score with a freshly initialised head."""
    with pytest.raises(
        BackendError, match=r"has no trained token_classifier head: score\.bias, score\.weight"
    ):
        get_backend("transformers", model="smollm2", head="token_classifier")
    with pytest.raises(
        BackendError, match=r"has no trained classifier head: score\.weight missing.*LlamaFor"
    ):
        get_backend("transformers", model="smollm2", head="classifier")


# ------------------------------------------------------------------------- sequence head at positions


def test_a_sequence_head_at_a_position_is_the_score_of_the_prefix(sequence_backend) -> None:
    """A causal sequence classifier read at offset p scores text[:p] (where text[:p] tokenises to the
    first tokens of the text): one forward gives the reward of every prefix."""
    text = SOLUTION
    cuts = [text.index("apples.") + 7, text.index("= 5.") + 4, len(text)]
    full = sequence_backend.encoder.ids(text)
    for p in cuts:
        prefix = sequence_backend.encoder.ids(text[:p])
        assert prefix == full[: len(prefix)]
    [positioned, *prefixes] = sequence_backend.classify(
        [ClassifyRequest(text, tuple(cuts)), *(ClassifyRequest(text[:p]) for p in cuts)]
    )
    assert positioned.logits == [] and len(positioned.position_logits) == len(cuts)
    worst = hand_worst = 0.0
    for p, row, prefix in zip(cuts, positioned.position_logits, prefixes, strict=True):
        assert prefix.position_logits is None and len(prefix.logits) == len(row) == 3
        worst = max(worst, *(abs(a - b) for a, b in zip(row, prefix.logits, strict=True)))
        hand = hand_forward(sequence_backend.model, sequence_backend.tokenizer(text[:p])["input_ids"])
        hand_worst = max(hand_worst, float((torch.tensor(row) - hand).abs().max()))
    print(f"sequence head at positions: max diff vs prefixes {worst:.2e}, vs hand {hand_worst:.2e}")
    assert worst < BATCH_TOL and hand_worst < HAND_TOL
    # the last position is the whole text: the sequence score itself
    assert positioned.position_logits[-1] == pytest.approx(prefixes[-1].logits, abs=BATCH_TOL)


def test_a_sequence_classifier_loaded_as_token_classifier_reads_the_same_head(sequence_backend) -> None:
    """head='token_classifier' on a *ForSequenceClassification checkpoint reads its head at each position
    (as vLLM's token_classify task does): the same numbers as head='classifier' with positions."""
    as_tokens = get_backend("transformers", model=sequence_backend.config.model, head="token_classifier")
    try:
        requests = [ClassifyRequest(t, step_ends(t)) for t in (SOLUTION, SHORT)]
        assert max_diff(as_tokens.classify(requests), sequence_backend.classify(requests)) < BATCH_TOL
    finally:
        as_tokens.close()
