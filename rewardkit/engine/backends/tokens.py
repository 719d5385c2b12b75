"""How text becomes token ids for scoring, the same way in every backend that has a local tokenizer.

``encode`` tokenises context + continuation *together* and splits at the first token that reaches past
the context's last character (so the text is tokenised as the model reads the whole of it, and a token
straddling the boundary, e.g. " Paris" after "is", counts as continuation), prepends BOS when
the tokenizer itself would, caps the continuation at ``max_tokens`` and cuts the context from the left
when the pair does not fit the model's window.

``classify_item`` turns a :class:`~rewardkit.engine.backends.base.ClassifyRequest` into the ids to run and
the token rows to read. A character offset ``p`` reads the token that ends just before it: the last
token of ``text[:p]`` if the text were split there with the rule above, i.e. the last of the leading
tokens that end at or before ``p``. An offset inside a token (``"Paris"`` spans 10-15, ``p = 12``)
therefore reads the token *before* it, never one that has seen characters past ``p`` (the straddling
token belongs to what follows, as in ``split``); an offset with no token ending at or before it (``0``
on a model without BOS) is an error. Several offsets may read the same token.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal

from rewardkit.errors import BackendError

#: What a local backend loads on top of the model body: the LM head (scoring, generation, label-token
#: logits), a sequence-classification head (reward models) or a token-classification head (per token).
Head = Literal["causal_lm", "classifier", "token_classifier"]


@dataclass(frozen=True)
class EncodedPair:
    context: tuple[int, ...]  # never empty: at least BOS (or EOS) so the first token has a condition
    continuation: tuple[int, ...]
    truncated: bool


@dataclass(frozen=True)
class ClassifyItem:
    """One classify request as token ids: which rows to read, and (causal LM) which vocabulary ids."""

    ids: tuple[int, ...]
    rows: tuple[int, ...] = ()  # token indices to read; () reads the sequence head at the last token
    label_ids: tuple[int, ...] = ()  # the causal LM head's logits kept at each row, in this order

    @property
    def positioned(self) -> bool:
        return bool(self.rows)

    def __len__(self) -> int:  # what the scheduler's token budget counts
        return len(self.ids)


class PairEncoder:
    def __init__(self, tokenizer: Any, max_length: int) -> None:
        self.tok = tokenizer
        self.max_length = max_length
        plain = tokenizer("a", add_special_tokens=False)["input_ids"]
        special = tokenizer("a", add_special_tokens=True)["input_ids"]
        bos = tokenizer.bos_token_id
        self.adds_bos = bos is not None and len(special) > len(plain) and special[0] == bos
        start = bos if bos is not None else tokenizer.eos_token_id
        if start is None:
            raise ValueError("the tokenizer has neither a BOS nor an EOS token to start an empty context")
        self.start_id = int(start)

    def ids(self, text: str) -> list[int]:
        return list(self.tok(text, add_special_tokens=False)["input_ids"]) if text else []

    def prompt(self, text: str, limit: int | None = None) -> tuple[int, ...]:
        """Ids of a prompt to continue or classify: BOS where the tokenizer adds one, never empty, at most
        ``limit`` tokens (the last ones: a reward head and a generation read the end; BOS kept)."""
        ids = tuple(self.ids(text))
        if (self.adds_bos and (not ids or ids[0] != self.start_id)) or not ids:
            ids = (self.start_id, *ids)
        limit = limit or self.max_length
        if len(ids) > limit:
            keep_bos = self.adds_bos and limit > 1
            ids = (ids[0], *ids[len(ids) - limit + 1 :]) if keep_bos else ids[len(ids) - limit :]
        return ids

    def render_chat(self, messages: Any, add_generation_prompt: bool, model: str) -> str:
        if not self.tok.chat_template:
            raise ValueError(f"model {model!r} has no chat template; use prompt mode 'raw'")
        return self.tok.apply_chat_template(
            list(messages), tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def split(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        """Token ids of context + continuation, split where the continuation's characters begin."""
        text = context + continuation
        if not text:
            return [], []
        try:
            enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True)
        except (NotImplementedError, ValueError):  # a slow tokenizer without offsets: split by prefix
            ctx, whole = self.ids(context), self.ids(text)
            return ctx, (whole[len(ctx) :] if whole[: len(ctx)] == ctx else self.ids(continuation))
        ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
        cut = next((k for k, (_, end) in enumerate(offsets) if end > len(context)), len(ids))
        return ids[:cut], ids[cut:]

    def encode(self, context: str, continuation: str, max_tokens: int | None = None) -> EncodedPair:
        ctx, cont = self.split(context, continuation)
        if not ctx or (self.adds_bos and ctx[0] != self.start_id):
            ctx = [self.start_id, *ctx]
        truncated = False
        if max_tokens is not None and len(cont) > max_tokens:
            cont, truncated = cont[:max_tokens], True
        room = self.max_length - 1  # at least one context token stays
        if len(cont) > room:
            cont, truncated = cont[:room], True
        if len(ctx) + len(cont) > self.max_length:  # cut the context from the left, keeping a BOS
            keep_start = self.adds_bos and ctx[0] == self.start_id and self.max_length - len(cont) > 1
            cut = ctx[len(ctx) + len(cont) - self.max_length :]
            ctx, truncated = ([self.start_id, *cut[1:]] if keep_start else cut), True
        return EncodedPair(tuple(ctx), tuple(cont), truncated)

    # -- classification -----------------------------------------------------------------------------

    def label_ids(self, labels: Sequence[str]) -> tuple[int, ...]:
        """The vocabulary id of each label token; a label that is not exactly one token is an error."""
        out = []
        for label in labels:
            ids = self.ids(label) if isinstance(label, str) else []
            if len(ids) != 1:
                pieces = [self.tok.decode([i]) for i in ids]
                raise BackendError(
                    f"label token {label!r} is {len(ids)} tokens for this model's tokenizer {pieces}; each "
                    "label must be exactly one token (try it with or without a leading space)"
                )
            out.append(ids[0])
        return tuple(out)

    def token_rows(self, text: str, positions: Sequence[int], where: str = "") -> ClassifyItem:
        """The text's ids (as :meth:`prompt` makes them, never cut) and, per character offset, the row
        of the token that ends just before it (see the module docstring). ``where`` prefixes errors."""
        n = len(text)
        for k, p in enumerate(positions):
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= n:
                raise BackendError(f"{where}position {p!r} is not a character offset into the text (0..{n})")
            if k and p <= positions[k - 1]:
                raise BackendError(
                    f"{where}positions must be strictly ascending; got {p} after {positions[k - 1]}"
                )
        if text:
            try:
                enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True)
            except (NotImplementedError, ValueError) as exc:
                raise BackendError(
                    f"{where}positions need a fast tokenizer with offsets; this one has none ({exc})"
                ) from None
            ids, ends = list(enc["input_ids"]), [end for _, end in enc["offset_mapping"]]
        else:
            ids, ends = [], []
        lead = int((self.adds_bos and (not ids or ids[0] != self.start_id)) or not ids)
        if lead + len(ids) > self.max_length:
            raise BackendError(
                f"{where}the text is {lead + len(ids)} tokens, over the model's window of {self.max_length}; "
                "per-position requests are never cut (their positions would move): shorten the text"
            )
        reach = list(accumulate(ends, max))  # the first token reaching past p = the first with end > p
        rows = []
        for p in positions:
            row = lead + bisect_right(reach, p) - 1
            if row < 0:
                first = self.tok.decode([ids[0]])
                raise BackendError(
                    f"{where}position {p}: no token ends at or before it (the first token {first!r} ends at "
                    f"{ends[0]}); read a later offset"
                )
            rows.append(row)
        ids = [self.start_id] * lead + ids
        return ClassifyItem(tuple(ids), tuple(rows))

    def classify_item(self, request: Any, index: int, head: str) -> ClassifyItem:
        """A ClassifyRequest (``text``, ``positions``, ``label_tokens``) for a backend with ``head``:

        - no positions: the sequence classifier's head on the whole text (``head='classifier'``);
        - positions: ``head='classifier'`` / ``'token_classifier'`` read their head at those tokens,
          ``head='causal_lm'`` reads the LM head there, kept to the ``label_tokens``' logits.
        """
        where = f"classify request {index}: "
        if not request.positions:
            if request.label_tokens:
                raise BackendError(f"{where}label_tokens need positions (the offsets to read them at)")
            if head != "classifier":
                hint = (
                    "; a token classifier reads per-token logits: give positions (e.g. (len(text),) for the "
                    "last token)"
                    if head == "token_classifier"
                    else " (or give positions and label_tokens to read the causal LM's own head)"
                )
                raise BackendError(
                    f"classification needs a backend with head='classifier'; this one was loaded with "
                    f"head={head!r}{hint}"
                )
            return ClassifyItem(self.prompt(request.text))
        if head == "causal_lm" and not request.label_tokens:
            raise BackendError(
                f"{where}a causal LM reads its own head at the positions: give label_tokens (e.g. "
                "('+', '-')), or load a backend with head='token_classifier'"
            )
        if head != "causal_lm" and request.label_tokens:
            raise BackendError(
                f"{where}label_tokens read a causal LM's head; this backend was loaded with head={head!r} "
                "(load it with head='causal_lm')"
            )
        item = self.token_rows(request.text, tuple(request.positions), where)
        if request.label_tokens:
            try:
                labels = self.label_ids(request.label_tokens)
            except BackendError as exc:
                raise BackendError(f"{where}{exc}") from None
            item = ClassifyItem(item.ids, item.rows, labels)
        return item


__all__ = ["ClassifyItem", "EncodedPair", "Head", "PairEncoder"]
