"""rewardkit rewards as TRL ``GRPOTrainer`` reward functions.

::

    from trl import GRPOConfig, GRPOTrainer
    from rewardkit.integrations.trl import reward_func

    trainer = GRPOTrainer(model=..., args=GRPOConfig(...), train_dataset=ds,   # ds has "prompt", "answer"
                          reward_funcs=[reward_func("math")])

TRL calls a reward function as ``f(prompts=..., completions=..., completion_ids=..., **columns,
trainer_state=..., log_extra=..., log_metric=...)``, one entry per completion, the ``num_generations``
completions of a prompt next to each other. The function here:

- builds one :class:`~rewardkit.types.Sample` per completion with the one record mapper
  (:func:`rewardkit.io.to_sample`): the completion text (plain, or the assistant messages of a
  conversational completion), the prompt (text or chat messages), the reference from the first of the
  columns ``reference``, ``answer``, ``solution``, ``ground_truth`` (or ``reference_field``), a ``steps``
  column as ``Sample.steps``, the row's columns (and the entries of a ``meta`` column) as ``Sample.meta``,
  and ``group`` = one id per distinct prompt in the call, so group-normalised specs (``cme``) see each
  GRPO group;
- scores the batch with one ``score_batch`` call (``ascore_batch`` for :func:`async_reward_func`, which
  TRL runs on its event loop beside other async reward functions);
- returns ``value`` per completion: ``None`` for a non-ok score (TRL turns it into NaN and leaves the
  completion out of this reward), or the value a spec's ``fallback`` chose;
- step scores (``Score.steps``, from a process reward) are not passed on: TRL takes one float per
  completion, so it gets the aggregated ``value`` (use verl or OpenRLHF, or the server's ``/v1/score``,
  for the per-step values);
- logs the share of each status as ``rewardkit/<name>/<status>`` metrics and a ``<name>/status`` column in
  TRL's completions table (through TRL's ``log_metric`` / ``log_extra``), so failures stay visible.

The functions are callable objects, picklable when the spec is given by name or path (TRL's async GRPO
rollout worker sends reward functions to a spawned process), and carry ``__name__`` = ``name`` (default
``rewardkit_<spec>``), which TRL uses for its ``rewards/<name>/mean`` logs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rewardkit.errors import ConfigError, InputError
from rewardkit.integrations import (
    ADAPTER_FIELDS,
    SpecLike,
    ascore_samples,
    columns_of,
    completion_text,
    group_ids,
    load_verifier,
    normalize_prompt,
    rows_of,
    score_samples,
    spec_label,
    status_fractions,
    to_samples,
    value_or,
)
from rewardkit.io import Fields
from rewardkit.types import Sample, Score
from rewardkit.verifier import Verifier

# Keyword arguments TRL passes that are not dataset columns.
_TRAINER_KWARGS = ("trainer_state", "log_extra", "log_metric", "environments", "completion_ids", "prompts")


class RewardFunction:
    """A GRPOTrainer reward function backed by a rewardkit spec or verifier (synchronous).

    Build it with :func:`reward_func`, which describes the options.
    """

    def __init__(
        self,
        spec: SpecLike,
        *,
        reference_field: str | Sequence[str] | None = None,
        group_field: str | None = None,
        name: str | None = None,
        log_status: bool = True,
    ) -> None:
        if not isinstance(spec, (str, os.PathLike, Verifier)):
            raise ConfigError(
                f"spec must be a spec name, a YAML path or a Verifier, got {type(spec).__name__}"
            )
        self.spec = spec
        self.reference_field = reference_field
        self.group_field = group_field
        self.log_status = log_status
        self.__name__ = name or f"rewardkit_{spec_label(spec)}"
        self._verifier: Verifier | None = spec if isinstance(spec, Verifier) else None

    @property
    def verifier(self) -> Verifier:
        """The verifier (a named spec is loaded on first use, once per process)."""
        if self._verifier is None:
            self._verifier = load_verifier(self.spec)
        return self._verifier

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__name__!r}, spec={self.spec!r})"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if not isinstance(self.spec, Verifier):
            state["_verifier"] = None  # reloaded by name in the receiving process
        return state

    # ------------------------------------------------------------------------------------ building

    def samples(
        self,
        prompts: Sequence[Any] | None,
        completions: Sequence[Any],
        **kwargs: Any,
    ) -> list[Sample]:
        """The Samples for one TRL call (prompts, completions and the dataset columns in ``kwargs``)."""
        n = len(completions)
        if prompts is not None and len(prompts) != n:
            raise InputError(f"got {len(prompts)} prompts for {n} completions")
        columns = columns_of(kwargs, n, exclude=_TRAINER_KWARGS)
        for option, names in (("reference_field", self.reference_field), ("group_field", self.group_field)):
            if names is not None and ADAPTER_FIELDS.find(columns, names) is None:
                raise ConfigError(
                    f"{option} {names!r} is not a column of this batch; "
                    f"columns: {', '.join(sorted(columns)) or '(none)'}"
                )
        fields = replace(
            ADAPTER_FIELDS,
            reference=Fields.names(self.reference_field) or ADAPTER_FIELDS.reference,
            group=self.group_field or "group",
        )
        groups = group_ids(list(prompts)) if prompts is not None else [None] * n
        records, metas = [], []
        for i, row in enumerate(rows_of(columns, n)):
            record = {**row, "response": completion_text(completions[i])}
            record["prompt"] = normalize_prompt(prompts[i]) if prompts is not None else ""
            if self.group_field is None:  # one group per distinct prompt
                record["group"] = groups[i]
            records.append(record)
            metas.append({k: v for k, v in row.items() if k != fields.meta})  # the row's columns
        return to_samples(records, fields, metas)

    def _finish(self, scores: list[Score], kwargs: dict[str, Any]) -> list[float | None]:
        if self.log_status:
            log_metric = kwargs.get("log_metric")
            if callable(log_metric):
                for status, share in status_fractions(scores).items():
                    log_metric(f"rewardkit/{self.__name__}/{status}", share)
            log_extra = kwargs.get("log_extra")
            if callable(log_extra):
                log_extra(f"{self.__name__}/status", [s.status.value for s in scores])
        return [value_or(s, None) for s in scores]

    def _read_call(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] | None = None,
        completion_ids: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> tuple[list[Sample], dict[str, Any]]:
        """TRL's call (``prompts=``, ``completions=``, ``completion_ids=``, the dataset columns and its
        hooks): the Samples, and the other keyword arguments."""
        return self.samples(prompts, list(completions or []), **kwargs), kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> list[float | None]:
        """One reward per completion: ``value``, or None for a non-ok score."""
        samples, rest = self._read_call(*args, **kwargs)
        return self._finish(score_samples(self.verifier, samples), rest)


class AsyncRewardFunction(RewardFunction):
    """The same reward as :class:`RewardFunction`, scored with ``await verifier.ascore_batch(...)``.

    TRL (``trl.trainer.utils.is_async_callable``) detects the ``async __call__`` and runs it on its daemon
    event loop, concurrently with the other async reward functions.
    """

    async def __call__(self, *args: Any, **kwargs: Any) -> list[float | None]:  # type: ignore[override]
        samples, rest = self._read_call(*args, **kwargs)
        return self._finish(await ascore_samples(self.verifier, samples), rest)


def reward_func(
    spec: SpecLike,
    *,
    reference_field: str | Sequence[str] | None = None,
    group_field: str | None = None,
    name: str | None = None,
    log_status: bool = True,
) -> RewardFunction:
    """A GRPOTrainer reward function for ``spec`` (a spec name such as ``"math"``, a YAML path, or a
    Verifier instance).

    - ``reference_field``: the dataset column holding the reference (or several, first present wins);
      default: the first of ``reference``, ``answer``, ``solution``, ``ground_truth`` present, else none.
    - ``group_field``: a column naming each completion's group; default: one group per distinct prompt
      in the call (TRL puts a prompt's ``num_generations`` completions together).
    - ``name``: the function's ``__name__``, which TRL logs rewards under; default ``rewardkit_<spec>``.
    - ``log_status``: log each status's share (``rewardkit/<name>/<status>``) and a status column.

    Returns a list with one ``float | None`` per completion: None where the score is not ok and the spec
    gave no ``fallback`` value; TRL excludes those completions from this reward.
    """
    return RewardFunction(
        spec, reference_field=reference_field, group_field=group_field, name=name, log_status=log_status
    )


def async_reward_func(spec: SpecLike, **options: Any) -> AsyncRewardFunction:
    """:func:`reward_func` (the same options) as an async function (``ascore_batch``): TRL awaits it on its
    own event loop, concurrently with other async reward functions (e.g. a judge and a verifier)."""
    return AsyncRewardFunction(spec, **options)


__all__ = ["AsyncRewardFunction", "RewardFunction", "async_reward_func", "reward_func"]
