"""How text becomes token ids for scoring, the same way in every backend that has a local tokenizer.

``encode`` tokenises context + continuation *together* and splits at the first token that reaches past
the context's last character (so the text is tokenised as the model reads the whole of it, and a token
straddling the boundary, e.g. " Paris" after "is", counts as continuation), prepends BOS when
the tokenizer itself would, caps the continuation at ``max_tokens`` and cuts the context from the left
when the pair does not fit the model's window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EncodedPair:
    context: tuple[int, ...]  # never empty: at least BOS (or EOS) so the first token has a condition
    continuation: tuple[int, ...]
    truncated: bool


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


__all__ = ["EncodedPair", "PairEncoder"]
