"""rewardkit rewards as verl ``compute_score`` functions.

This file is a verl custom reward function module as it is (``custom_reward_function.path`` is a file
path that verl loads with importlib)::

    python -m verl.trainer.main_ppo ... \\
        reward.custom_reward_function.path=$(python -c "import rewardkit.integrations.verl as m; print(m.__file__)") \\
        reward.custom_reward_function.name=compute_score \\
        +reward.custom_reward_function.reward_kwargs.spec=gsm8k

(Older verl releases name the group ``custom_reward_function.*`` at the top level; verl 0.9 still accepts
it and migrates it under ``reward.``.)

Functions (verl's published signatures):

- ``compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs)``: one sample, for
  verl's per-sample reward managers (``naive``, ``dapo``, the reward loop);
- ``compute_score_async(...)``: the same as a coroutine (verl awaits ``async def`` reward functions on
  its event loop instead of a thread);
- ``compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs)``: a whole
  batch in one ``score_batch`` call, for ``verl.workers.reward_manager.BatchRewardManager``
  (``reward_model.reward_manager=batch`` where verl still runs its legacy reward managers; verl 0.9's
  reward loop calls the per-sample form).

Keyword options, from ``reward_kwargs`` in verl's config or from Python:

- ``spec``: a spec name or YAML path, or a mapping ``{data_source: spec}`` (key ``"*"`` for the rest);
  default ``$REWARDKIT_SPEC``, else ``math``;
- ``default``: the value a non-ok score gets (verl needs a number); default ``$REWARDKIT_DEFAULT``, else
  0.0. A value a spec's ``fallback`` chose is kept;
- ``return_dict``: True (default) returns ``{"score": float, "ok": 1.0|0.0, "status": str, "reason": str}``,
  which verl's reward managers store per sample in ``reward_extra_info`` (the numeric ``ok`` averages into a
  metric, the strings are kept in dumps); False returns the bare float.
- ``steps``: True adds the step scores of a process reward (``Score.steps``) to that dict, under the same
  keys for every sample (verl stacks each key over the batch): ``num_steps`` (a float, 0.0 without step
  scores: a metric), ``step_values`` (the per-step values as JSON text, ``"[]"`` without) and
  ``aggregation`` (how ``score`` was made from them, ``""`` without). Off by default.

Each row goes through the one record mapper (:func:`rewardkit.io.to_sample`): the prompt, when verl's
``extra_info`` carries it (``prompt``, ``question`` or ``problem``), becomes ``Sample.prompt``,
``extra_info["steps"]`` ``Sample.steps`` and ``extra_info["meta"]`` is laid over ``Sample.meta``
(which holds ``data_source`` and the whole ``extra_info``); ``extra_info["uid"]`` / ``["index"]`` (prefixed by the data source) or the prompt name
the group in the batched form. Group-normalised specs (``cme``) need the batched form: verl's per-sample
managers score one response at a time.

For Python use, :func:`make_compute_score` binds the options once and returns a named callable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rewardkit.errors import ConfigError, InputError
from rewardkit.integrations import (
    ADAPTER_FIELDS,
    SpecLike,
    ascore_samples,
    env_default,
    group_ids,
    load_verifier,
    normalize_prompt,
    plain_value,
    prompt_key,
    score_samples,
    spec_label,
    to_samples,
    value_or,
)
from rewardkit.types import Sample, Score
from rewardkit.verifier import Verifier

DEFAULT_SPEC = "math"
#: data sources verl's own default_compute_score sends to its code reward: they get the ``code`` spec
CODE_SOURCES = ("codecontests", "apps", "codeforces", "taco")
PROMPT_KEYS = ("prompt", "question", "problem")
GROUP_KEYS = ("uid", "group", "index")
MAX_REASON_CHARS = 500

SpecOption = SpecLike | Mapping[str, SpecLike] | None

#: verl's rows as records: ``extra_info`` plus the response, the ground truth as ``reference`` and the
#: group; the prompt is the first of ``extra_info``'s ``prompt``, ``question``, ``problem``.
VERL_FIELDS = replace(ADAPTER_FIELDS, prompt=PROMPT_KEYS, reference="reference")


def _spec_for(data_source: Any, spec: SpecOption) -> SpecLike:
    if spec is None:
        chosen = os.environ.get("REWARDKIT_SPEC", "").strip()
        if not chosen and str(data_source).lower() in CODE_SOURCES:
            return "code"
        return chosen or DEFAULT_SPEC
    if isinstance(spec, Mapping):
        key = str(data_source)
        if key in spec:
            return spec[key]
        if "*" in spec:
            return spec["*"]
        raise ConfigError(
            f"no reward spec for data_source {key!r}; the spec mapping has: {', '.join(map(str, spec))} "
            "(add a '*' entry for the rest)"
        )
    return spec


def _default_value(default: float | None) -> float:
    return float(default) if default is not None else env_default()


def _extra(extra_info: Any) -> dict[str, Any]:
    if isinstance(extra_info, Mapping):
        return dict(extra_info)
    return {}


def _group_key(data_source: Any, extra: Mapping[str, Any]) -> tuple[str, ...] | None:
    for key in GROUP_KEYS:
        if extra.get(key) is not None:
            return ("id", str(data_source), key, str(plain_value(extra[key])))
    return None


def _result(score: Score, default: float, return_dict: bool, steps: bool) -> float | dict[str, Any]:
    value = value_or(score, default)
    if not return_dict:
        return float(value)
    out: dict[str, Any] = {
        "score": float(value),
        "ok": 1.0 if score.ok else 0.0,
        "status": score.status.value,
        "reason": score.reason[:MAX_REASON_CHARS],
    }
    if steps:  # the same keys for every sample: verl stacks each key over the batch
        values = score.step_values or []
        out["num_steps"] = float(len(values))
        out["step_values"] = json.dumps(values)
        out["aggregation"] = score.aggregation or ""
    return out


def _samples(
    sources: Sequence[Any],
    solution_strs: Sequence[Any],
    truths: Sequence[Any],
    extras: Sequence[dict[str, Any]],
    groups: Sequence[str | None],
) -> list[Sample]:
    """verl's rows as Samples through the one record mapper: the response, the ground truth as the
    reference, the prompt, ``steps`` and ``meta`` from ``extra_info``; ``data_source`` and the whole
    ``extra_info`` in ``Sample.meta``."""
    records = []
    for response, truth, extra, group in zip(solution_strs, truths, extras, groups, strict=True):
        record = {k: plain_value(v) for k, v in extra.items()}
        prompt_field = VERL_FIELDS.find(record, VERL_FIELDS.prompt)
        if prompt_field is not None and record[prompt_field] is not None:
            record[prompt_field] = normalize_prompt(record[prompt_field])  # chat content blocks as text
        records.append({**record, "response": response, "reference": truth, "group": group})
    metas = [{"data_source": s, "extra_info": e} for s, e in zip(sources, extras, strict=True)]
    return to_samples(records, VERL_FIELDS, metas)


class _Single:
    """One per-sample call: its verifier and sample, and how its score becomes verl's result. Unknown
    keyword arguments (verl passes e.g. ``reward_router_address`` to some managers) are ignored."""

    def __init__(
        self,
        data_source: Any,
        solution_str: Any,
        ground_truth: Any,
        extra_info: Any = None,
        *,
        spec: SpecOption = None,
        default: float | None = None,
        return_dict: bool = True,
        steps: bool = False,
        **kwargs: Any,
    ) -> None:
        self.verifier = load_verifier(_spec_for(data_source, spec))
        (self.sample,) = _samples([data_source], [solution_str], [ground_truth], [_extra(extra_info)], [None])
        self.default, self.return_dict, self.steps = _default_value(default), return_dict, steps

    def result(self, scores: list[Score]) -> float | dict[str, Any]:
        (score,) = scores
        return _result(score, self.default, self.return_dict, self.steps)


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **options: Any,
) -> float | dict[str, Any]:
    """Score one response (verl's per-sample ``compute_score`` signature). ``options``: ``spec``,
    ``default``, ``return_dict``, ``steps`` (see the module docstring); others are ignored."""
    call = _Single(data_source, solution_str, ground_truth, extra_info, **options)
    return call.result(score_samples(call.verifier, [call.sample]))


async def compute_score_async(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **options: Any,
) -> float | dict[str, Any]:
    """:func:`compute_score` as a coroutine (``ascore_batch``); verl awaits ``async def`` reward functions."""
    call = _Single(data_source, solution_str, ground_truth, extra_info, **options)
    return call.result(await ascore_samples(call.verifier, [call.sample]))


def _batch_samples(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None,
) -> list[Sample]:
    n = len(solution_strs)
    sources = list(data_sources) if data_sources is not None else [None] * n
    truths = list(ground_truths) if ground_truths is not None else [None] * n
    extras = [_extra(e) for e in extra_infos] if extra_infos is not None else [{} for _ in range(n)]
    for label, seq in (("data_sources", sources), ("ground_truths", truths), ("extra_infos", extras)):
        if len(seq) != n:
            raise InputError(f"{label} has {len(seq)} entries for {n} solution_strs")
    keys: list[tuple[str, ...]] = []
    for i, (source, extra) in enumerate(zip(sources, extras, strict=True)):
        key = _group_key(source, extra)  # no id: group by prompt where there is one, else alone
        prompt_field = VERL_FIELDS.find(extra, VERL_FIELDS.prompt)
        if key is None:
            prompt = plain_value(extra[prompt_field]) if prompt_field else None
            key = ("prompt", prompt_key(normalize_prompt(prompt))) if prompt is not None else ("row", str(i))
        keys.append(key)
    return _samples(sources, list(solution_strs), truths, extras, group_ids(keys))


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    *,
    spec: SpecOption = None,
    default: float | None = None,
    return_dict: bool = True,
    steps: bool = False,
    **kwargs: Any,
) -> list[float | dict[str, Any]]:
    """Score a batch (verl's ``BatchRewardManager`` signature): one ``score_batch`` call per spec, results
    in input order."""
    samples = _batch_samples(data_sources, solution_strs, ground_truths, extra_infos)
    fill = _default_value(default)
    # Route each sample to its spec (one spec for all unless `spec` maps data sources).
    by_spec: dict[int, tuple[Verifier, list[int]]] = {}
    for i, sample in enumerate(samples):
        verifier = load_verifier(_spec_for(sample.meta["data_source"], spec))
        by_spec.setdefault(id(verifier), (verifier, []))[1].append(i)
    out: list[float | dict[str, Any] | None] = [None] * len(samples)
    for verifier, indexes in by_spec.values():
        scores = score_samples(verifier, [samples[i] for i in indexes])
        for i, score in zip(indexes, scores, strict=True):
            out[i] = _result(score, fill, return_dict, steps)
    return out  # type: ignore[return-value]


class ComputeScore:
    """``compute_score`` with its options bound (see :func:`make_compute_score`)."""

    def __init__(
        self,
        spec: SpecOption,
        default: float,
        return_dict: bool,
        batched: bool,
        name: str,
        steps: bool = False,
    ) -> None:
        self.spec, self.default, self.return_dict, self.batched = spec, default, return_dict, batched
        self.steps = steps
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        options = {"spec": self.spec, "default": self.default, "return_dict": self.return_dict}
        options["steps"] = self.steps
        fn = compute_score_batch if self.batched else compute_score
        return fn(*args, **{**kwargs, **options})

    def __repr__(self) -> str:
        return f"ComputeScore({self.__name__!r}, spec={self.spec!r}, batched={self.batched})"


def make_compute_score(
    spec: SpecOption = None,
    *,
    default: float = 0.0,
    return_dict: bool = True,
    batched: bool = False,
    name: str | None = None,
    steps: bool = False,
) -> ComputeScore:
    """A verl reward function bound to ``spec`` (a name, path, Verifier, or ``{data_source: spec}``):
    ``compute_score(data_source, solution_str, ground_truth, extra_info=None)``, or with ``batched=True``
    ``compute_score(data_sources, solution_strs, ground_truths, extra_infos)``. Pass it where verl takes a
    ``compute_score`` callable (``NaiveRewardManager(..., compute_score=...)``)."""
    label = spec_label(spec) if spec is not None and not isinstance(spec, Mapping) else "multi"
    return ComputeScore(spec, default, return_dict, batched, name or f"rewardkit_{label}", steps)


__all__ = [
    "ComputeScore",
    "compute_score",
    "compute_score_async",
    "compute_score_batch",
    "make_compute_score",
]
