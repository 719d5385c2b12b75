"""Verifier base classes and the one registry.

A verifier turns samples into scores. Write one by subclassing :class:`Verifier` (anything) or
:class:`CPUVerifier` (pure-Python work that must run under a hard deadline in the killable worker pool),
declaring its keyword config as a pydantic model, and registering it::

    from rewardkit import CPUVerifier, Score, register

    @register
    class Shouting(CPUVerifier):
        name = "shouting"

        class Config(CPUVerifier.Config):
            min_ratio: float = 0.5

        def score_one(self, sample):
            letters = [c for c in sample.response if c.isalpha()]
            if not letters:
                return Score.unparseable("no letters")
            ratio = sum(c.isupper() for c in letters) / len(letters)
            return Score.correct(ratio >= self.config.min_ratio, ratio=ratio)

Third-party packages expose verifiers through the entry-point group ``rewardkit.verifiers``
(``name = "package.module:Class"``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, Field

from rewardkit.errors import ConfigError, RewardkitError
from rewardkit.registry import Configurable, Registry, StrictConfig
from rewardkit.types import Sample, Score

ENTRY_POINT_GROUP = "rewardkit.verifiers"


class VerifierConfig(StrictConfig):
    """Base of every verifier's config: unknown keys are rejected."""


def describe_fields(config_cls: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(name, type, default, description) for each config field, for `rewardkit verifiers` and errors."""
    rows = []
    for name, f in config_cls.model_fields.items():
        if get_origin(f.annotation) is Literal:
            annotation = " | ".join(repr(a) for a in get_args(f.annotation))
        else:
            annotation = getattr(f.annotation, "__name__", None) or str(f.annotation).replace("typing.", "")
        default = "required" if f.is_required() else repr(f.get_default(call_default_factory=True))
        rows.append((name, annotation, default, f.description or ""))
    return rows


class Verifier(Configurable):
    """Scores samples. Subclasses set ``name`` and a ``Config`` model, and implement ``score_one`` (run
    in the caller, per sample) or ``score_batch`` (batched work: models, servers).

    Order in == order out. ``score_batch`` never raises for a bad sample: the failure is a Score with a
    non-ok status. Verifiers are built from keyword config so YAML specs can construct them.
    """

    Config: ClassVar[type[VerifierConfig]] = VerifierConfig
    config: Any

    def score_one(self, sample: Sample) -> Score:
        raise NotImplementedError(f"{type(self).__name__} must implement score_one or score_batch")

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        """Default: ``score_one`` per sample, in the calling process; an exception is that sample's error."""
        return [_score_guarded(self, s) for s in samples]

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        return await asyncio.to_thread(self.score_batch, list(samples))

    def score(self, sample: Sample) -> Score:
        return self.score_batch([sample])[0]


class CPUVerifier(Verifier):
    """A verifier whose per-sample work runs in the killable worker pool under a hard deadline.

    Implement ``score_one``; it runs in a worker process on a copy of this verifier built from the same
    config (so keep state in config and in caches, not in attributes set after construction).
    ``workers=0`` runs inline in the calling process instead (no deadline: debugging only).
    ``pool_chunk``: the most samples a worker is given at once (1 where a sample can take seconds).
    """

    pool_chunk: ClassVar[int] = 32

    class Config(VerifierConfig):
        timeout: float = Field(5.0, gt=0, description="hard wall-clock deadline per sample, seconds")
        workers: int | None = Field(
            None, ge=0, description="worker processes (None: the shared pool, one per core; 0: inline)"
        )

    def quick_score(self, sample: Sample) -> Score | None:
        """Optional: decide a sample in the calling process, or None to send it to the pool.

        Only for work that is bounded by construction (short strings, no parser, no sympy): it runs
        without a deadline. The pool's copy of the verifier must reach the same verdict.
        """
        return None

    def _split(self, samples: list[Sample]) -> tuple[list[Score | None], list[int], Any, list]:
        """Quick scores where the verifier has them; the pool, and the tasks for the rest."""
        from rewardkit.engine.pool import get_pool

        scores: list[Score | None] = []
        for sample in samples:
            try:
                scores.append(self.quick_score(sample))
            except Exception:  # the pool will score it (and report the error properly)
                scores.append(None)
        todo = [i for i, s in enumerate(scores) if s is None]
        if not todo:
            return scores, todo, None, []
        cls: type | bytes = type(self)
        if cls.__module__ == "__main__":  # workers do not run the caller's script: send the class by value
            cls = _class_by_value(cls)
        key = (cls, json.dumps(self.config_dict(), sort_keys=True))
        return scores, todo, get_pool(self.config.workers), [(key, samples[i]) for i in todo]

    def _merge(self, scores: list[Score | None], todo: list[int], outcomes: list) -> list[Score]:
        from rewardkit.engine.pool import outcome_to_score

        for i, outcome in zip(todo, outcomes, strict=True):
            scores[i] = outcome_to_score(outcome, self.config.timeout)
        return scores  # type: ignore[return-value]

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        if self.config.workers == 0:
            return [_score_guarded(self, s) for s in samples]
        scores, todo, pool, tasks = self._split(samples)
        outcomes = pool.map(_score_in_worker, tasks, self.config.timeout, self.pool_chunk) if tasks else []
        return self._merge(scores, todo, outcomes)

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        if self.config.workers == 0:
            return await asyncio.to_thread(self.score_batch, samples)
        scores, todo, pool, tasks = await asyncio.to_thread(self._split, samples)  # keep the loop free
        outcomes = (
            await pool.amap(_score_in_worker, tasks, self.config.timeout, self.pool_chunk) if tasks else []
        )
        return self._merge(scores, todo, outcomes)


def checked_scores(scores: Sequence[Score], n: int, who: str = "the verifier") -> list[Score]:
    """``scores`` as a list, after checking there is one per sample (a broken verifier is an error, never
    a silent misalignment)."""
    scores = list(scores)
    if len(scores) != n:
        raise RewardkitError(f"{who} returned {len(scores)} scores for {n} samples")
    return scores


def _score_guarded(verifier: Verifier, sample: Sample) -> Score:
    try:
        return verifier.score_one(sample)
    except Exception as exc:  # a verifier bug or a parser blow-up is a scored error, not a crash
        return Score.from_exception(exc)


@cache
def _class_by_value(cls: type) -> bytes:
    import cloudpickle

    return cloudpickle.dumps(cls)


_WORKER_VERIFIERS: dict[tuple[type | bytes, str], CPUVerifier] = {}


def _score_in_worker(task: tuple[tuple[type | bytes, str], Sample]) -> Score:
    """Runs inside a pool worker: build (once) the verifier for this config and score one sample."""
    key, sample = task
    verifier = _WORKER_VERIFIERS.get(key)
    if verifier is None:
        cls, config_json = key
        if isinstance(cls, bytes):
            import cloudpickle

            cls = cloudpickle.loads(cls)
        verifier = _WORKER_VERIFIERS[key] = cls(**json.loads(config_json))
    return _score_guarded(verifier, sample)


# ----------------------------------------------------------------------------------------- registry

# Built-ins are imported lazily: name -> "module:Class". The model verifiers import nothing heavy: their
# backend says which extra it needs (the openai backend runs on the core install).
VERIFIERS: Registry[type[Verifier]] = Registry(
    "verifier",
    group=ENTRY_POINT_GROUP,
    base=Verifier,
    builtins={
        "math": "rewardkit.verifiers.math:MathVerifier",
        "code": "rewardkit.verifiers.code:CodeVerifier",
        "sql": "rewardkit.verifiers.sql:SQLVerifier",
        "format": "rewardkit.verifiers.rules:FormatVerifier",
        "length": "rewardkit.verifiers.rules:LengthVerifier",
        "exact_match": "rewardkit.verifiers.rules:ExactMatchVerifier",
        "likelihood": "rewardkit.verifiers.likelihood:LikelihoodVerifier",
        "novelty": "rewardkit.verifiers.likelihood:NoveltyVerifier",
        "dpo": "rewardkit.verifiers.likelihood:DPOVerifier",
        "pairwise": "rewardkit.comparison:PairwiseReward",
        "classifier": "rewardkit.verifiers.classifier:ClassifierVerifier",
        "judge": "rewardkit.judges.pointwise:JudgeVerifier",
        "rubric": "rewardkit.judges.rubric:RubricVerifier",
        "ifeval": "rewardkit.verifiers.ifeval:IFEvalVerifier",
        "prm": "rewardkit.verifiers.prm:PRMVerifier",
    },
)


def register(cls: type[Verifier] | None = None, *, name: str | None = None, replace: bool = False) -> Any:
    """Class decorator: make a verifier available by its ``name`` (for specs and the CLI). A name that is
    taken (a built-in, a plugin, another class) is a ConfigError unless ``replace=True``."""
    return VERIFIERS.register(cls, name=name, replace=replace)


def unregister(name: str) -> None:
    """Forget a verifier registered at run time (tests, notebooks); built-ins come back on next use."""
    VERIFIERS.unregister(name)


def available_verifiers() -> list[str]:
    return VERIFIERS.names()


def get_verifier_class(name: str) -> type[Verifier]:
    return VERIFIERS.get(name)


def create_verifier(name: str, **config: Any) -> Verifier:
    return get_verifier_class(name)(**config)


__all__ = [
    "VERIFIERS",
    "CPUVerifier",
    "ConfigError",
    "Verifier",
    "VerifierConfig",
    "available_verifiers",
    "checked_scores",
    "create_verifier",
    "describe_fields",
    "get_verifier_class",
    "register",
    "unregister",
]
