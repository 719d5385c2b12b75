"""rewardkit rewards for OpenRLHF: a ``reward_func`` file, and the one batch mapping the server shares.

This file *is* the reward function file: OpenRLHF loads a ``--remote_rm_url`` ending in ``.py`` with
``importlib.util.spec_from_file_location`` and calls its ``reward_func(queries, prompts, labels)``::

    export REWARDKIT_SPEC=gsm8k        # default: math (a spec name or a YAML path)
    export REWARDKIT_DEFAULT=0.0       # what a non-ok score becomes (default 0.0)
    python -m openrlhf.cli.train_ppo_ray ... --label_key answer \\
        --remote_rm_url $(python -c "import rewardkit.integrations.openrlhf as m; print(m.__file__)")

The other way in is the scoring server's ``POST /get_reward`` (``rewardkit serve``; ``--remote_rm_url
http://host:port/get_reward``). Both use :func:`openrlhf_samples` and :func:`openrlhf_result` here, so
the same rollout gets the same reward, status and logs through either.

Contract (OpenRLHF 0.11): ``queries`` are the decoded prompt + response texts (special tokens kept),
``prompts`` the prompts as given to the model (chat template applied), ``labels`` the ``--label_key``
values. The return value is ``{"rewards", "scores", "extra_logs"}``: ``rewards`` drives the advantages,
``scores`` OpenRLHF's dynamic filtering (the same values here), and ``extra_logs`` are logged per sample:
``rewardkit_ok``, ``rewardkit_unparseable``, ``rewardkit_timeout`` and ``rewardkit_error`` are 1.0 where
the score had that status (so the share of each status shows up in OpenRLHF's logs), and
``rewardkit_steps`` is the number of step scores (a process reward's ``Score.steps``; 0.0 without). When
some score has step scores, ``"steps"`` holds them per sample (a list of ``{"value", "span"}``, or None);
OpenRLHF itself reads only the first three keys. The file returns float32 tensors, the server JSON lists.
A non-ok score gets the configured default, or the value a spec's ``fallback`` chose.

How a rollout becomes a Sample (:func:`openrlhf_samples`):

- the response is the query after the prompt (after its first occurrence; the whole query when the
  prompt cannot be found, e.g. after a lossy decode or with no prompt), with trailing end-of-turn and
  padding tokens (:data:`END_TOKENS`) and the whitespace between and after them removed;
- the label is the reference; an empty label (None, or only whitespace) means no reference. A label that
  is an object with a ``"reference"`` key is read as a record, like a JSONL row: its ``reference``,
  ``steps`` and ``meta`` reach the verifier (``--label_key`` on a column of such objects);
- queries with the same non-empty prompt share a group (``"g0"``, ``"g1"``, ... in order of first
  appearance); a query without a prompt belongs to no group (group-normalised and round-robin specs score it alone). OpenRLHF 0.11 calls ``reward_func`` with
  one query at a time (from worker threads), so group-normalised specs (``cme``) cannot see GRPO groups
  there; the server sees whatever each request holds.

From Python, :func:`make_reward_func` binds a spec (name, path or Verifier) and a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rewardkit.errors import InputError
from rewardkit.integrations import (
    ADAPTER_FIELDS,
    STATUSES,
    SpecLike,
    env_default,
    group_ids,
    load_verifier,
    normalize_prompt,
    prompt_key,
    score_samples,
    spec_label,
    to_samples,
    value_or,
)
from rewardkit.types import Sample, Score

DEFAULT_SPEC = "math"

#: End-of-turn, end-of-text and padding markers removed from the end of a decoded response.
END_TOKENS: tuple[str, ...] = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end|>",
    "<|return|>",
    "<end_of_turn>",
    "<eos>",
    "</s>",
    "<pad>",
    "<|finetune_right_pad_id|>",
)

#: The per-sample log keys, in order: one per status, then the number of step scores.
LOG_KEYS: tuple[str, ...] = (*(f"rewardkit_{s}" for s in STATUSES), "rewardkit_steps")

#: OpenRLHF rows as records: the label's reference (only ``reference``: the label *is* the reference).
OPENRLHF_FIELDS = replace(ADAPTER_FIELDS, reference="reference")


def strip_end(text: str, tokens: Sequence[str] = END_TOKENS) -> str:
    """``text`` without the run of ``tokens`` (and whitespace around them) at its end; unchanged when it
    does not end with one of them (its own trailing whitespace is kept then)."""
    tokens = [t for t in tokens if t]
    end = len(text)
    while True:
        rest = text[:end].rstrip()
        token = next((t for t in tokens if rest.endswith(t)), None)
        if token is None:
            return text[:end] if end == len(text) else rest
        end = len(rest) - len(token)


def response_from_query(query: Any, prompt: Any, tokens: Sequence[str] = END_TOKENS) -> str:
    """The response part of an OpenRLHF query (prompt + response), end tokens stripped."""
    query = "" if query is None else str(query)
    response = query
    if isinstance(prompt, str) and prompt:
        at = query.find(prompt)
        if at >= 0:
            response = query[at + len(prompt) :]
    return strip_end(response, tokens)


def label_record(label: Any) -> dict[str, Any]:
    """The record fields a label gives: none for an empty label, the fields of a label object that has a
    ``"reference"`` key, else ``{"reference": label}``."""
    if label is None or (isinstance(label, str) and not label.strip()):
        return {}
    if isinstance(label, Mapping) and "reference" in label:
        return dict(label)
    return {"reference": label}


def openrlhf_samples(
    queries: Sequence[Any],
    prompts: Sequence[Any] | None = None,
    labels: Sequence[Any] | None = None,
    metas: Sequence[Any] | None = None,
    *,
    tokens: Sequence[str] = END_TOKENS,
) -> list[Sample]:
    """One Sample per query, as described in the module docstring; ``metas[i]`` (an object, or None) is
    laid under the label's ``meta``. Lists of another length than ``queries`` are an InputError."""
    n = len(queries)
    for name, values in (("prompts", prompts), ("labels", labels), ("metas", metas)):
        if values is not None and len(values) != n:
            raise InputError(f"{name} has {len(values)} items for {n} queries; send one per query")
    raw = list(prompts) if prompts is not None else [""] * n
    prompt_list = [normalize_prompt(p) for p in raw]
    keys = [prompt_key(p) for p in prompt_list]
    numbered = iter(group_ids([k for k in keys if k]))
    groups = [next(numbered) if k else None for k in keys]
    records, contexts = [], []
    for i, query in enumerate(queries):
        record = label_record(labels[i] if labels is not None else None)
        record.update(
            response=response_from_query(query, raw[i], tokens),
            prompt=prompt_list[i],
            group=groups[i],
        )
        records.append(record)
        meta = metas[i] if metas is not None else None
        if meta is not None and not isinstance(meta, Mapping):
            raise InputError(f"metas[{i}] must be an object or null, got {type(meta).__name__}")
        contexts.append(meta)
    return to_samples(records, OPENRLHF_FIELDS, contexts, lenient=False)  # labels are our own records


def openrlhf_result(scores: Sequence[Score], default: float) -> dict[str, Any]:
    """What OpenRLHF reads, as plain lists: ``rewards`` (``value``, or ``default`` for a score without
    one), ``scores`` (the same), ``extra_logs`` (:data:`LOG_KEYS`, one float per sample) and, when some
    score has step scores, ``steps``."""
    rewards = [value_or(s, float(default)) for s in scores]
    logs = {f"rewardkit_{status}": [float(s.status.value == status) for s in scores] for status in STATUSES}
    logs["rewardkit_steps"] = [float(len(s.steps or ())) for s in scores]
    out: dict[str, Any] = {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}
    if any(s.steps is not None for s in scores):
        out["steps"] = [None if s.steps is None else [x.to_dict() for x in s.steps] for s in scores]
    return out


class RewardFunc:
    """An OpenRLHF ``reward_func(queries, prompts, labels, **kwargs)`` bound to a spec and a default."""

    def __init__(self, spec: SpecLike | None = None, default: float | None = None, name: str | None = None):
        self.spec = spec
        self.default = default
        self.__name__ = name or (f"rewardkit_{spec_label(spec)}" if spec is not None else "reward_func")

    def __repr__(self) -> str:
        return f"RewardFunc({self.__name__!r}, spec={self.spec!r})"

    def resolved_spec(self) -> SpecLike:
        if self.spec is not None:
            return self.spec
        return os.environ.get("REWARDKIT_SPEC", "").strip() or DEFAULT_SPEC

    def result(
        self,
        queries: Sequence[str],
        prompts: Sequence[Any] | None,
        labels: Sequence[Any] | None = None,
        metas: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """:func:`openrlhf_result` for one call, as plain lists (other keyword arguments are ignored)."""
        samples = openrlhf_samples(queries, prompts, labels, metas)
        scores = score_samples(load_verifier(self.resolved_spec()), samples)
        default = float(self.default) if self.default is not None else env_default()
        return openrlhf_result(scores, default)

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """OpenRLHF's call (``queries, prompts, labels``; :meth:`result`'s arguments): the result with
        ``rewards``, ``scores`` and ``extra_logs`` as float32 tensors."""
        import torch

        out = self.result(*args, **kwargs)
        rewards = torch.tensor(out["rewards"], dtype=torch.float32)
        logs = {k: torch.tensor(v, dtype=torch.float32) for k, v in out["extra_logs"].items()}
        return {**out, "rewards": rewards, "scores": rewards.clone(), "extra_logs": logs}


def make_reward_func(
    spec: SpecLike | None = None, *, default: float | None = None, name: str | None = None
) -> RewardFunc:
    """An OpenRLHF reward function for ``spec`` (default: ``$REWARDKIT_SPEC``, else ``math``); non-ok
    scores get ``default`` (default: ``$REWARDKIT_DEFAULT``, else 0.0)."""
    return RewardFunc(spec, default, name)


_ENV_REWARD_FUNC = RewardFunc()


def reward_func(
    queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF's entry point: the spec from ``$REWARDKIT_SPEC`` (default ``math``), non-ok scores as
    ``$REWARDKIT_DEFAULT`` (default 0.0). Returns ``{"rewards", "scores", "extra_logs"}`` (float32
    tensors), and ``"steps"`` when the spec gives step scores."""
    return _ENV_REWARD_FUNC(queries, prompts, labels, **kwargs)


__all__ = [
    "END_TOKENS",
    "LOG_KEYS",
    "RewardFunc",
    "label_record",
    "make_reward_func",
    "openrlhf_result",
    "openrlhf_samples",
    "response_from_query",
    "reward_func",
    "strip_end",
]
