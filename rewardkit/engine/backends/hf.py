"""The transformers backend (the default): CPU float32/bfloat16, CUDA when present.

Scoring is where the time goes, so it does three things a per-sample loop does not:

- the language-model head and the softmax run only at the continuation's positions (a 49k-262k vocab
  head over every prompt position is most of the waste in a naive loop);
- the G responses of one prompt (same context ids) run the prompt once, then reuse its key/value cache
  expanded over the responses (``share_prefix``);
- the scheduler merges concurrent callers, sorts by length and packs micro-batches by a token budget
  with little padding, so results do not depend on who else was in the batch.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from rewardkit.engine.backends.base import (
    BackendConfig,
    BackendError,
    ClassifyResult,
    GenerationParams,
    GenerationResult,
    LocalBackend,
    LoglikelihoodResult,
    merge_top_logprobs,
)
from rewardkit.engine.backends.tokens import ClassifyItem, EncodedPair, Head, PairEncoder
from rewardkit.engine.scheduler import Scheduler, pack_by_budget

HEAD_BYTES = 256 * 1024 * 1024  # logits computed per chunk of positions: at most this many bytes
LOADERS = {  # head -> the transformers auto class that loads it
    "causal_lm": "AutoModelForCausalLM",
    "classifier": "AutoModelForSequenceClassification",
    "token_classifier": "AutoModelForTokenClassification",
}


class TransformersConfig(BackendConfig):
    share_prefix: bool = Field(
        True, description="run a context shared by several continuations once and reuse its cache"
    )
    head: Head = Field(
        "causal_lm",
        description="causal_lm (scoring, generation, label-token logits) | classifier "
        "(AutoModelForSequenceClassification: reward models) | token_classifier (a head read at chosen "
        "positions: AutoModelForTokenClassification, or a sequence classifier's head at each token)",
    )
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's own)")
    generate_token_budget: int = Field(
        16384,
        ge=16,
        description="generation: padded tokens (prompt + max_tokens, times rows) per micro-batch; halved on "
        "out-of-memory like token_budget",
    )
    trust_remote_code: bool = Field(
        False,
        description="run the modeling code a checkpoint ships in its folder (its config's auto_map), e.g. "
        "a process reward model such as Qwen2.5-Math-PRM; only for checkpoints you trust",
    )


class TransformersBackend(LocalBackend):
    kind = "transformers"
    Config = TransformersConfig
    config: TransformersConfig

    def __init__(self, config: TransformersConfig) -> None:
        super().__init__(config)
        import torch
        import transformers

        from rewardkit.engine.models import resolve_model

        if config.threads:
            torch.set_num_threads(config.threads)
        self.torch = torch
        self.path = resolve_model(config.model)
        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        dtype = "auto" if config.dtype == "auto" else getattr(torch, config.dtype)
        remote = config.trust_remote_code
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.path, trust_remote_code=remote)
            loader = self._loader(
                transformers.AutoConfig.from_pretrained(self.path, trust_remote_code=remote)
            )
            model, info = loader.from_pretrained(
                self.path, dtype=dtype, output_loading_info=True, trust_remote_code=remote
            )
        except (OSError, ValueError) as exc:
            raise BackendError(f"cannot load model {config.model!r} from {self.path}: {exc}") from exc
        missing = sorted(info.get("missing_keys") or ())
        if config.head != "causal_lm" and missing:  # a fresh random head would score noise
            raise BackendError(
                f"model {config.model!r} has no trained {config.head} head: {', '.join(missing)} missing from "
                f"the checkpoint (its architectures: {getattr(model.config, 'architectures', None)}); use "
                "head='classifier' for *ForSequenceClassification checkpoints, head='token_classifier' for "
                "*ForTokenClassification ones and head='causal_lm' (label_tokens) for language models"
            )
        self.model = model.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.text_config = self.model.config.get_text_config()
        window = getattr(self.text_config, "max_position_embeddings", None) or 4096
        self.max_length = min(config.max_length or window, window)
        self.encoder = PairEncoder(self.tokenizer, self.max_length)
        self.scheduler = Scheduler(f"rewardkit-{self.kind}", config.max_wait_ms)

    def _loader(self, model_config: Any) -> Any:
        """The transformers auto class that loads this checkpoint with the configured head."""
        import transformers

        head = self.config.head
        archs = tuple(getattr(model_config, "architectures", None) or ())
        if head != "token_classifier":
            return getattr(transformers, LOADERS[head])
        if any(arch.endswith("ForSequenceClassification") for arch in archs):
            # a sequence classifier's head read at each token (as vLLM's token_classify task runs it)
            return transformers.AutoModelForSequenceClassification
        auto_map = getattr(model_config, "auto_map", None) or {}
        known = any(
            arch.endswith(("ForTokenClassification", "ForSequenceClassification"))
            and hasattr(transformers, arch)
            for arch in archs
        )
        if known or "AutoModel" not in auto_map or "AutoModelForTokenClassification" in auto_map:
            return transformers.AutoModelForTokenClassification
        # a custom per-token head shipped as code (Qwen2.5-Math-PRM's Qwen2ForProcessRewardModel): only
        # AutoModel knows it; without the folder's code AutoModel would load the bare body
        if not self.config.trust_remote_code:
            raise BackendError(
                f"model {self.config.model!r} ({', '.join(archs) or 'no architectures'}) is a custom "
                f"token-classification model whose code ships with the checkpoint ({auto_map['AutoModel']}); "
                "loading it runs that code: set backend_options.trust_remote_code: true if you trust it"
            )
        return transformers.AutoModel

    # -- planning -----------------------------------------------------------------------------------

    def _plan_flat(self, items: list[Sequence[int]]) -> list[list[int]]:
        return pack_by_budget([len(x) for x in items], self.config.token_budget)

    def _plan_generate(self, items: list[Sequence[int]], params: GenerationParams) -> list[list[int]]:
        """Generation micro-batches by ``generate_token_budget`` counting each row's prompt plus its new
        tokens, with loose padding: decoding dominates, and one left-padded batch decodes all its rows at
        once (on 16 GSM8K prompts, 128 tokens, CPU: 3 micro-batches of the scoring plan 45.9 s, one 21.7 s)."""
        lengths = [len(x) + params.max_tokens for x in items]
        return pack_by_budget(lengths, self.config.generate_token_budget, max_pad_fraction=0.5)

    def _plan_loglikelihood(self, items: list[EncodedPair]) -> list[list[int]]:
        """Families (same context) stay together where sharing is on; families and loose pairs are packed
        into micro-batches of about ``token_budget`` real tokens, longest first."""
        if not self.config.share_prefix:
            return self._plan_flat([p.context + p.continuation for p in items])
        families: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, pair in enumerate(items):
            families[pair.context].append(i)
        units: list[list[int]] = []
        for ctx, members in families.items():  # a family larger than the budget is split
            budget = max(self.config.token_budget - len(ctx), 1)
            unit: list[int] = []
            used = 0
            for i in sorted(members, key=lambda k: -len(items[k].continuation)):
                n = len(items[i].continuation)
                if unit and used + n > budget:
                    units.append(unit)
                    unit, used = [], 0
                unit.append(i)
                used += n
            units.append(unit)
        cost = [len(items[u[0]].context) + sum(len(items[i].continuation) for i in u) for u in units]
        batches: list[list[int]] = []
        current: list[int] = []
        used = 0
        for u in sorted(range(len(units)), key=lambda k: -cost[k]):
            if current and used + cost[u] > self.config.token_budget:
                batches.append(current)
                current, used = [], 0
            current.extend(units[u])
            used += cost[u]
        if current:
            batches.append(current)
        return batches

    # -- running ------------------------------------------------------------------------------------

    def _run_loglikelihood(self, items: list[EncodedPair]) -> list[LoglikelihoodResult]:
        torch = self.torch
        results: list[LoglikelihoodResult | None] = [None] * len(items)
        families: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, pair in enumerate(items):
            if pair.continuation:
                families[pair.context].append(i)
            else:  # nothing to score: zero tokens (the verifier calls that unparseable)
                results[i] = LoglikelihoodResult([], [], truncated=pair.truncated, greedy=True)
        loose: list[int] = []
        with torch.inference_mode():
            for ctx, members in families.items():
                if self.config.share_prefix and len(members) > 1:
                    self._score_family(ctx, [items[i] for i in members], members, results)
                else:
                    loose.extend(members)
            if loose:
                lengths = [len(items[i].context) + len(items[i].continuation) for i in loose]
                for chunk in pack_by_budget(lengths, self.config.token_budget):
                    members = [loose[k] for k in chunk]
                    self._score_full([items[i] for i in members], members, results)
        return results  # type: ignore[return-value]

    def _score_full(self, pairs: list[EncodedPair], where: list[int], results: list) -> None:
        """Whole sequences, right-padded: one forward, head only at continuation positions."""
        torch = self.torch
        ids, mask = self._pad([p.context + p.continuation for p in pairs])
        hidden = self._body(ids, mask)
        rows, cols = [], []
        for r, p in enumerate(pairs):
            start = len(p.context) - 1
            rows += [r] * len(p.continuation)
            cols += range(start, start + len(p.continuation))
        picked = hidden[torch.tensor(rows, device=self.device), torch.tensor(cols, device=self.device)]
        self._emit(picked, pairs, where, results)

    def _score_family(
        self, ctx: tuple[int, ...], pairs: list[EncodedPair], where: list[int], results: list
    ) -> None:
        """One context, many continuations: run the context once, expand its cache per chunk."""
        torch = self.torch
        out = self.model.base_model(torch.tensor([ctx], device=self.device), use_cache=True, return_dict=True)
        last = out.last_hidden_state[0, -1]
        cache = out.past_key_values
        n_ctx = len(ctx)
        lengths = [n_ctx + len(p.continuation) for p in pairs]  # each row attends to its copy of the prefix
        for chunk in pack_by_budget(lengths, self.config.token_budget):
            sub = [pairs[k] for k in chunk]
            ids, cont_mask = self._pad([p.continuation for p in sub])
            width = ids.shape[1]
            prefix = torch.ones((len(sub), n_ctx), dtype=torch.long, device=self.device)
            mask = torch.cat([prefix, cont_mask], dim=1)  # every row sees the whole shared prefix
            expanded = copy.deepcopy(cache)
            expanded.batch_repeat_interleave(len(sub))
            positions = torch.arange(n_ctx, n_ctx + width, device=self.device).expand(len(sub), width)
            hidden = self.model.base_model(
                ids,
                attention_mask=mask,
                past_key_values=expanded,
                position_ids=positions,
                use_cache=True,
                return_dict=True,
            ).last_hidden_state
            picked = []
            for r, p in enumerate(sub):  # position t predicts token t+1; the context's last predicts 0
                picked += [last[None], hidden[r, : len(p.continuation) - 1]]
            self._emit(torch.cat(picked), sub, [where[k] for k in chunk], results)

    def _pad(self, seqs: Sequence[Sequence[int]], left: bool = False) -> tuple[Any, Any]:
        """(ids, attention mask) of the sequences padded to the longest, on the model's device."""
        torch = self.torch
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, s in enumerate(seqs):
            cols = slice(width - len(s), width) if left else slice(0, len(s))
            ids[r, cols] = torch.tensor(list(s), dtype=torch.long)
            mask[r, cols] = 1
        return ids.to(self.device), mask.to(self.device)

    def _body(self, ids: Any, mask: Any) -> Any:
        return self.model.base_model(input_ids=ids, attention_mask=mask, return_dict=True).last_hidden_state

    def _emit(self, hidden: Any, pairs: list[EncodedPair], where: list[int], results: list) -> None:
        """hidden: one row per continuation token, in pair order. Head + log-softmax chunk by chunk."""
        torch = self.torch
        targets = torch.tensor([t for p in pairs for t in p.continuation], device=self.device)
        head = self.model.get_output_embeddings()
        cap = getattr(self.text_config, "final_logit_softcapping", None)
        step = max(1, HEAD_BYTES // (4 * head.weight.shape[0]))
        logps, greedy = [], []
        for s in range(0, hidden.shape[0], step):
            logits = head(hidden[s : s + step]).float()
            if cap:
                logits = torch.tanh(logits / cap) * cap
            lp = torch.log_softmax(logits, dim=-1)
            tgt = targets[s : s + step]
            logps.append(lp.gather(-1, tgt[:, None])[:, 0])
            greedy.append(lp.argmax(-1) == tgt)
        logp = torch.cat(logps).tolist()
        is_greedy = torch.cat(greedy).tolist()
        k = 0
        for pair, i in zip(pairs, where, strict=True):
            n = len(pair.continuation)
            results[i] = LoglikelihoodResult(
                token_logprobs=logp[k : k + n],
                tokens=[self.tokenizer.decode([t]) for t in pair.continuation],
                truncated=pair.truncated,
                greedy=all(is_greedy[k : k + n]),
            )
            k += n

    def _run_classify(self, items: list[ClassifyItem]) -> list[ClassifyResult]:
        """One right-padded forward of the body; the head runs only at the rows each item reads (its
        positions, or its last token for a sequence head)."""
        torch = self.torch
        head = self._classify_head()
        with torch.inference_mode():
            if head is None:  # an unusual head module: let the model run each text alone
                return [self._classify_alone(item) for item in items]
            ids, mask = self._pad([item.ids for item in items])
            hidden = self._body(ids, mask)
            rows = [item.rows or (len(item.ids) - 1,) for item in items]
            picked = hidden[
                torch.tensor([r for r, cols in enumerate(rows) for _ in cols], device=self.device),
                torch.tensor([c for cols in rows for c in cols], device=self.device),
            ]
            results, k = [], 0
            for item, cols in zip(items, rows, strict=True):
                logits = self._head_logits(head, picked[k : k + len(cols)], item).tolist()
                k += len(cols)
                results.append(ClassifyResult([], logits) if item.positioned else ClassifyResult(logits[0]))
        return results

    def _classify_head(self) -> Any:
        """The module that maps hidden states to logits: the LM head, or the classifier's linear head
        (``score``; BERT-style token classifiers call it ``classifier``). None: run the whole model."""
        if self.config.head == "causal_lm":
            return self.model.get_output_embeddings()
        if self.model.base_model is self.model:  # no separate body to run (a custom class): the whole model
            return None
        names = ("score",) if self.config.head == "classifier" else ("score", "classifier")
        return next((m for m in (getattr(self.model, n, None) for n in names) if m is not None), None)

    def _head_logits(self, head: Any, hidden: Any, item: ClassifyItem) -> Any:
        torch = self.torch
        if self.config.head != "causal_lm":
            return head(hidden).float()
        label_ids = torch.tensor(item.label_ids, device=self.device)  # only these rows of the LM head
        bias = head.bias[label_ids] if getattr(head, "bias", None) is not None else None
        logits = torch.nn.functional.linear(hidden, head.weight[label_ids], bias).float()
        cap = getattr(self.text_config, "final_logit_softcapping", None)
        return torch.tanh(logits / cap) * cap if cap else logits

    def _classify_alone(self, item: ClassifyItem) -> ClassifyResult:
        logits = self.model(input_ids=self.torch.tensor([item.ids], device=self.device)).logits[0].float()
        if not item.positioned:
            return ClassifyResult(logits.tolist())
        if logits.dim() != 2:
            raise BackendError(
                f"model {self.config.model!r} has no per-token head this backend can read at positions"
            )
        return ClassifyResult([], logits[list(item.rows)].tolist())

    def _run_generate(self, items: list[tuple[int, ...]], params: GenerationParams) -> list[GenerationResult]:
        torch = self.torch
        ids, mask = self._pad(items, left=True)  # generation continues every row at the same column
        width, pad = ids.shape[1], self.tokenizer.pad_token_id
        if params.seed is not None:
            torch.manual_seed(params.seed)
        sample = params.temperature > 0
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=params.max_tokens,
                do_sample=sample,
                temperature=params.temperature if sample else None,
                top_p=params.top_p if sample else None,
                top_k=None,
                pad_token_id=pad,
                stop_strings=list(params.stop) or None,
                tokenizer=self.tokenizer if params.stop else None,
                return_dict_in_generate=True,
                output_logits=params.logprobs,  # raw logits: before temperature / top_p
            )
            new_ids = out.sequences[:, width:]
            chosen, top_values, top_ids = self._step_logprobs(out.logits, new_ids, params)
        new = new_ids.tolist()
        eos = set(_as_list(self.model.generation_config.eos_token_id) or [self.tokenizer.eos_token_id])
        results = []
        for r, toks in enumerate(new):
            finish = "length"
            for j, t in enumerate(toks):
                if t in eos:
                    toks, finish = toks[:j], "stop"
                    break
            text = self.tokenizer.decode(toks, skip_special_tokens=True)
            cuts = [c for c in (text.find(stop) for stop in params.stop) if c >= 0]
            if cuts:
                text, finish = text[: min(cuts)], "stop"
                keep = next(  # the shortest token prefix that still covers the kept text
                    (
                        j
                        for j in range(len(toks) + 1)
                        if len(self.tokenizer.decode(toks[:j], skip_special_tokens=True)) >= len(text)
                    ),
                    len(toks),
                )
                toks = toks[:keep]
            n = len(toks)
            results.append(
                GenerationResult(
                    text=text,
                    finish_reason=finish,
                    token_logprobs=chosen[r][:n] if chosen is not None else None,
                    tokens=[self.tokenizer.decode([t]) for t in toks] if params.logprobs else None,
                    top_logprobs=self._top_dicts(top_values[r][:n], top_ids[r][:n])
                    if top_values is not None
                    else None,
                )
            )
        return results

    def _step_logprobs(self, logits: Any, new_ids: Any, params: GenerationParams) -> tuple[Any, Any, Any]:
        """From generate's per-step raw logits (one [batch, vocab] tensor per step): the chosen tokens'
        log-probabilities [batch][step] and, with top_logprobs=k, the k best values and ids
        [batch][step][k]. One log-softmax per step for the whole batch."""
        if not params.logprobs:
            return None, None, None
        torch = self.torch
        k = params.top_logprobs
        chosen, values, ids = [], [], []
        for j, step in enumerate(logits):
            logp = torch.log_softmax(step.float(), dim=-1)
            chosen.append(logp.gather(-1, new_ids[:, j : j + 1])[:, 0])
            if k:
                v, i = logp.topk(k, dim=-1)
                values.append(v)
                ids.append(i)
        chosen_rows = torch.stack(chosen, dim=1).tolist()
        if not k:
            return chosen_rows, None, None
        return chosen_rows, torch.stack(values, dim=1).tolist(), torch.stack(ids, dim=1).tolist()

    def _top_dicts(self, values: list[list[float]], ids: list[list[int]]) -> list[dict[str, float]]:
        """One {text: logprob} per position (ids decoded alone, as ``tokens`` are; same text merged)."""
        texts = self.tokenizer.batch_decode([[i] for row in ids for i in row])
        k = len(values[0]) if values else 0
        return [
            merge_top_logprobs(zip(texts[p * k : (p + 1) * k], row, strict=True))
            for p, row in enumerate(values)
        ]


def _as_list(x: Any) -> list[int] | None:
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


__all__ = ["TransformersBackend", "TransformersConfig"]
