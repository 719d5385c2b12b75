"""Trainer adapters: rewardkit rewards inside TRL, verl and OpenRLHF.

- :mod:`rewardkit.integrations.trl`: ``reward_func(spec)`` / ``async_reward_func(spec)`` for
  ``GRPOTrainer(reward_funcs=...)``; non-ok scores become ``None`` (TRL leaves them out).
- :mod:`rewardkit.integrations.verl`: ``compute_score`` (per sample, sync or async) and
  ``compute_score_batch`` (verl's ``BatchRewardManager``), usable as ``custom_reward_function.path``.
- :mod:`rewardkit.integrations.openrlhf`: a ``reward_func(queries, prompts, labels)`` file for
  ``--remote_rm_url``.

Each adapter turns the trainer's lists into one record per rollout (the response and prompt as text or
messages, the dataset row's columns) and maps the records to :class:`~rewardkit.types.Sample` objects
with the one record mapper, :func:`rewardkit.io.to_sample` (:data:`ADAPTER_FIELDS`), the same the CLI
and the server use: the reference comes from the first of ``reference``, ``answer``, ``solution``,
``ground_truth``, and a row's ``steps`` and ``meta`` reach the verifier as ``Sample.steps`` /
``Sample.meta``. Then one ``score_batch`` (or ``ascore_batch``) call, and non-ok scores become what the
trainer needs, the status always kept visible (logged metrics, extra fields). None of the adapters
imports its trainer; this module imports nothing heavy either.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rewardkit.errors import ConfigError, InputError
from rewardkit.io import Fields, to_sample
from rewardkit.types import Message, Sample, Score, Status
from rewardkit.verifier import Verifier, checked_scores

#: How trainer rows map to Samples: Sample's own names, the reference from the first of ``reference``,
#: ``answer``, ``solution``, ``ground_truth`` present, ``steps`` and ``meta`` columns passed on; trainer
#: rows carry no sample ids.
ADAPTER_FIELDS = Fields(id=None)

#: A reward spec name (``verifiers/<name>.yaml`` on the asset path), a YAML path, or a built Verifier.
SpecLike = str | os.PathLike[str] | Verifier

#: Every status, in the order adapters report them.
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)

_CACHE: dict[str, Verifier] = {}
_CACHE_LOCK = threading.Lock()


def load_verifier(spec: SpecLike) -> Verifier:
    """The Verifier for ``spec``: a Verifier is returned as is; a spec name or path is loaded once per
    process (thread-safe) and shared by every adapter that names it."""
    if isinstance(spec, Verifier):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(
            f"a reward spec is a name (e.g. 'math'), a YAML path or a Verifier, got {type(spec).__name__}"
        )
    key = os.fspath(spec)
    verifier = _CACHE.get(key)
    if verifier is None:
        with _CACHE_LOCK:
            verifier = _CACHE.get(key)
            if verifier is None:
                from rewardkit.spec import load_spec

                verifier = _CACHE[key] = load_spec(key)
    return verifier


def spec_label(spec: SpecLike) -> str:
    """A short readable name for a spec: its ``name``, a file stem, or the verifier's registered name."""
    if isinstance(spec, Verifier):
        name = getattr(spec.config, "name", "") or spec.name or type(spec).__name__
        return str(name)
    text = os.fspath(spec)
    base = os.path.basename(text)
    for suffix in (".yaml", ".yml"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base or text


def plain_value(value: Any) -> Any:
    """numpy scalars and arrays (verl's non-tensor batch) as Python objects; anything else unchanged."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def content_text(content: Any) -> str:
    """A message's content as text: a string as is, content blocks (``[{"type": "text", "text": ...}]``)
    joined, None as ''."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return str(content.get("text", content.get("content", "")))
    if isinstance(content, Iterable):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping) and block.get("type", "text") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return str(content)


def completion_text(completion: Any) -> str:
    """The text of one completion: a string as is; a message dict's content; a list of messages (TRL's
    conversational form, ``[{"role": "assistant", "content": ...}]``): the assistant messages' contents
    joined by blank lines (all messages when none has a role)."""
    completion = plain_value(completion)
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return content_text(completion.get("content"))
    messages = [m for m in completion if isinstance(m, Mapping)]
    if not messages:
        return content_text(completion)
    assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
    return "\n\n".join(content_text(m.get("content")) for m in (assistant or messages))


def normalize_prompt(prompt: Any) -> str | list[Message]:
    """A prompt as rewardkit takes it: text, or chat messages with text content."""
    prompt = plain_value(prompt)
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Mapping):
        prompt = [prompt]
    messages: list[Message] = []
    for m in prompt:
        if isinstance(m, Mapping):
            messages.append({**m, "content": content_text(m.get("content"))})
        else:
            messages.append({"role": "user", "content": content_text(m)})
    return messages


def prompt_key(prompt: Any) -> str:
    """A hashable key for a prompt (text or messages), for grouping."""
    if isinstance(prompt, str):
        return prompt
    return Sample(prompt=prompt).prompt_text


def group_ids(keys: Sequence[Any]) -> list[str]:
    """Group ids for one call: equal keys (e.g. the same prompt) get the same id, numbered in order of
    first appearance (``"g0"``, ``"g1"``, ...)."""
    seen: dict[Any, str] = {}
    out = []
    for key in keys:
        k = key if isinstance(key, (str, int, float, tuple)) else prompt_key(key)
        out.append(seen.setdefault(k, f"g{len(seen)}"))
    return out


def _is_column(value: Any, n: int) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == n
        or (type(value).__module__ == "numpy" and getattr(value, "shape", ())[:1] == (n,))
    )


def columns_of(kwargs: Mapping[str, Any], n: int, exclude: Iterable[str] = ()) -> dict[str, list[Any]]:
    """The per-row dataset columns among a trainer's keyword arguments: lists (or arrays) of length ``n``."""
    skip = set(exclude)
    return {k: list(v) for k, v in kwargs.items() if k not in skip and _is_column(v, n)}


def rows_of(columns: Mapping[str, Sequence[Any]], n: int) -> list[dict[str, Any]]:
    """Columns (name -> ``n`` values) as ``n`` row dicts, numpy values as Python objects."""
    return [{k: plain_value(v[i]) for k, v in columns.items()} for i in range(n)]


def to_samples(
    records: Sequence[Mapping[str, Any]],
    fields: Fields = ADAPTER_FIELDS,
    metas: Sequence[Mapping[str, Any] | None] | None = None,
    lenient: bool = True,
) -> list[Sample]:
    """Samples from a trainer's rows through the one record mapper (:func:`rewardkit.io.to_sample`):
    ``metas[i]`` (the trainer's context for row ``i``) is laid under the row's own ``meta``. Dataset
    columns that happen to be called ``steps``/``meta``/``group`` but hold something else do not stop
    training (``lenient``: they are named in ``meta["rewardkit_ignored"]`` / ``["rewardkit_coerced"]``);
    records that are rewardkit's own (OpenRLHF label records) pass ``lenient=False``. A bad response or
    prompt raises InputError naming the row and the field."""
    if metas is not None and len(metas) != len(records):
        raise InputError(f"metas has {len(metas)} entries for {len(records)} records")
    samples = []
    for i, record in enumerate(records):
        try:
            samples.append(
                to_sample(record, fields, meta=metas[i] if metas is not None else None, lenient=lenient)
            )
        except InputError as err:
            raise InputError(f"row {i}: {err}") from None
    return samples


def score_samples(verifier: Verifier, samples: Sequence[Sample]) -> list[Score]:
    """``verifier.score_batch(samples)``, checked to give one score per sample (no call for none)."""
    return checked_scores(verifier.score_batch(samples), len(samples)) if samples else []


async def ascore_samples(verifier: Verifier, samples: Sequence[Sample]) -> list[Score]:
    """:func:`score_samples` with ``ascore_batch``."""
    return checked_scores(await verifier.ascore_batch(samples), len(samples)) if samples else []


def value_or(score: Score, default: float | None) -> float | None:
    """What a trainer gets for a score: its value when it has one (ok, or a non-ok score a spec gave an
    explicit ``fallback`` value), else ``default``."""
    return score.value if score.value is not None else default


def status_fractions(scores: Sequence[Score]) -> dict[str, float]:
    """The share of each status (all four, zeros included) in a batch of scores."""
    n = len(scores) or 1
    return {s: sum(1 for x in scores if x.status.value == s) / n for s in STATUSES}


def env_default(name: str = "REWARDKIT_DEFAULT", fallback: float = 0.0) -> float:
    """A float from the environment (the value non-ok scores get in verl/OpenRLHF), else ``fallback``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return fallback
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"${name}={raw!r} is not a number") from None


__all__ = [
    "ADAPTER_FIELDS",
    "STATUSES",
    "SpecLike",
    "ascore_samples",
    "columns_of",
    "completion_text",
    "content_text",
    "env_default",
    "group_ids",
    "load_verifier",
    "normalize_prompt",
    "plain_value",
    "prompt_key",
    "rows_of",
    "score_samples",
    "spec_label",
    "status_fractions",
    "to_samples",
    "value_or",
]
