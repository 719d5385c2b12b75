"""Reward specs: YAML files that compose verifiers, with weights, into one reward.

A spec is found by name on the asset search path (``verifiers/<name>.yaml``, see
:mod:`rewardkit.assets`) or given as a path, and loads as a :class:`SpecVerifier`, an ordinary
:class:`~rewardkit.verifier.Verifier`::

    name: math                      # optional; defaults to the file name
    description: "..."              # optional; shown by `rewardkit specs`
    components:                     # one or more, scored in this order
      - name: correctness           # unique within the spec; keys details["components"]
        verifier: math              # a registered verifier (`rewardkit verifiers` lists them)
        weight: 1.0                 # default 1.0
        required: true              # default: true for the first component, false for the others
        config: {mode: flexible}    # the verifier's keyword config
      - name: boxed
        verifier: format
        weight: 0.1
        config: {pattern: '\\boxed\\{'}
      - name: no_code               # gate: true -> a hard constraint: the total is multiplied by its value
        verifier: format
        gate: true
        config: {pattern: '```', must: absent}
    fallback: {unparseable: 0.0}    # optional: explicit values for a required component's non-ok status
    normalize: false                # optional: divide by the sum of |weight| of the non-gate components
    clip: [null, 1.0]               # optional: [low, high] bounds on the total (null: unbounded)

Every component scores the whole batch with one ``score_batch`` call (``ascore_batch`` runs the
components concurrently); the composite for a sample then follows :data:`STATUS_RULE`.

``load_spec(name, **overrides)`` merges overrides into component configs by component name, e.g.
``load_spec("math", correctness={"timeout": 10}, overlong={"max_length": 4096})``.

A bad spec raises :class:`~rewardkit.errors.ConfigError` naming the file, the line and the field
(``components[1].weight``), and what is allowed there.

Step scores (process rewards) pass through: when a component's scores carry per-step values, the
composite carries them too (from the first component, in order, that has them); ``details["steps_from"]``
names the component. The composite's ``aggregation`` is that component's only when the composite value
is that component's value (a spec of one component, weight 1, no clip); otherwise it is ``"none"`` (the
value is a weighted sum, not made from the steps alone) and ``details["steps_aggregation"]`` keeps the
component's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rewardkit.assets import find_asset, read_yaml, yaml_line
from rewardkit.errors import (
    ConfigError,
    FieldErrors,
    FieldPath,
    MissingExtraError,
    Problem,
    field_path,
    validation_problems,
)
from rewardkit.types import Sample, Score, Status
from rewardkit.verifier import Verifier, VerifierConfig, checked_scores, get_verifier_class

STATUS_RULE = """\
How a spec combines its components' scores for one sample:
- All required components ok: value = sum(weight * value) over the ok components, clipped to `clip`;
  status ok. An optional component that is not ok contributes 0 and is named in details["skipped"].
- A required component not ok: the composite takes the status (and reason) of the first such component,
  in component order. Its value is None, unless `fallback` names a value for the status of every failing
  required component: then each of them counts as that value (times its weight) in the sum above, and the
  status stays non-ok, so the substitution is visible (details["fallback"] lists it). Never silently 0.
- A `gate: true` component (a hard constraint) is always required and does not add to the sum: the
  total is multiplied by its value (a 1/0 constraint check zeroes the reward when a constraint is
  broken); details["gated"] names the gates that cut the total. A spec of gates only is their product.
  With `normalize: true` the sum is divided by the sum of |weight| over the components that went into
  it (the ok non-gate components and those given a fallback value; a skipped optional component leaves
  both), before clipping, so weights are relative and a spec of [0, 1] components stays in [0, 1].
"""

NonOkStatus = Literal["unparseable", "timeout", "error"]


class ComponentSpec(BaseModel):
    """One verifier in a spec."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="unique name; keys details['components']")
    verifier: str = Field(description="registered verifier name")
    weight: float = Field(1.0, allow_inf_nan=False, description="multiplies the component's value")
    required: bool | None = Field(None, description="default: true for the first component, else false")
    config: dict[str, Any] = Field(default_factory=dict, description="the verifier's keyword config")
    gate: bool = Field(
        False, description="a hard constraint (always required): multiplies the total instead of adding to it"
    )


class SpecConfig(VerifierConfig):
    """A whole reward spec."""

    name: str = ""
    description: str = ""
    components: list[ComponentSpec] = Field(min_length=1)
    fallback: dict[NonOkStatus, float] = Field(default_factory=dict)
    clip: tuple[float | None, float | None] = (None, None)
    normalize: bool = Field(
        False, description="divide the weighted sum by the non-gate components' |weights|"
    )

    @model_validator(mode="after")
    def _clip_ordered(self) -> SpecConfig:
        low, high = self.clip
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip low ({low}) is above high ({high})")
        return self


class SpecError(ConfigError):
    """Spec problems with their field paths, so load_spec can point at file lines."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _spec_keys(loc: FieldPath) -> str:
    model = ComponentSpec if loc[:1] == ("components",) and len(loc) > 2 else SpecConfig
    return ", ".join(model.model_fields)


class Component:
    """A built component: its spec and its verifier."""

    def __init__(self, spec: ComponentSpec, verifier: Verifier, required: bool) -> None:
        self.name, self.weight, self.required, self.gate = spec.name, spec.weight, required, spec.gate
        self.spec, self.verifier = spec, verifier

    def __repr__(self) -> str:
        return f"Component({self.name!r}, {self.verifier!r}, weight={self.weight}, required={self.required})"


def _build_component(index: int, spec: ComponentSpec) -> Component:
    where: FieldPath = ("components", index)
    try:
        cls = get_verifier_class(spec.verifier)
    except ConfigError as err:
        raise SpecError([Problem(where + ("verifier",), f"{err} (see `rewardkit verifiers`)")]) from None
    except MissingExtraError:  # not a mistake in the spec: this install lacks what the verifier needs
        raise
    except Exception as err:  # the verifier's module failed to import
        raise SpecError(
            [Problem(where + ("verifier",), f"cannot load {spec.verifier!r}: {type(err).__name__}: {err}")]
        ) from None
    try:
        cls.Config.model_validate(spec.config)
    except ValidationError as err:
        raise SpecError(validation_problems(err, cls.Config, where + ("config",))) from None
    try:
        verifier = cls(**spec.config)
    except FieldErrors as err:  # problems located inside the config (e.g. inline rubric criteria)
        raise SpecError([Problem(where + ("config", *p.loc), p.message) for p in err.problems]) from None
    except ConfigError as err:
        raise SpecError([Problem(where + ("config",), str(err))]) from None
    if spec.gate and spec.required is False:
        raise SpecError(
            [
                Problem(
                    where + ("required",),
                    "a gate is always required (a hard constraint that could not be checked must not pass); "
                    "remove `required: false`",
                )
            ]
        )
    required = spec.required if spec.required is not None else (index == 0 or spec.gate)
    return Component(spec, verifier, required)


def _valid_components(raw: Any) -> list[tuple[int, ComponentSpec]]:
    """The entries of a raw components list that are valid ComponentSpecs, with their indexes."""
    valid = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            valid.append((i, ComponentSpec.model_validate(item)))
        except ValidationError:
            pass  # already reported by the whole-spec validation
    return valid


class SpecVerifier(Verifier):
    """Several verifiers combined into one reward; see the module docstring and :data:`STATUS_RULE`."""

    Config = SpecConfig

    def __init__(self, **config: Any) -> None:
        problems: list[Problem] = []
        try:
            self.config = SpecConfig(**config)
            specs = list(enumerate(self.config.components))
        except ValidationError as err:  # report the components' own problems too, all in one go
            problems = validation_problems(err, allowed=_spec_keys)
            specs = _valid_components(config.get("components"))
        seen: set[str] = set()
        self.components: list[Component] = []
        for i, spec in specs:
            if spec.name in seen:
                problems.append(Problem(("components", i, "name"), f"duplicate component name {spec.name!r}"))
            seen.add(spec.name)
            try:
                self.components.append(_build_component(i, spec))
            except SpecError as err:
                problems.extend(err.problems)
        if problems:
            raise SpecError(problems)

    def __repr__(self) -> str:
        return f"SpecVerifier({self.config.name!r}, components={self.components!r})"

    # ------------------------------------------------------------------------------------- scoring

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        columns = [self._checked(c, samples, _run(c, samples)) for c in self.components]
        return [self.combine(row) for row in zip(*columns, strict=True)] if samples else []

    async def ascore_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        results = await asyncio.gather(*(_arun(c, samples) for c in self.components))
        columns = [self._checked(c, samples, r) for c, r in zip(self.components, results, strict=True)]
        return [self.combine(row) for row in zip(*columns, strict=True)] if samples else []

    @staticmethod
    def _checked(component: Component, samples: list[Sample], scores: list[Score]) -> list[Score]:
        scores = checked_scores(scores, len(samples), f"verifier {component.spec.verifier!r}")
        return [
            Score(
                None,
                Status.ERROR,
                f"{component.spec.verifier} returned status ok without a value",
                s.details,
                s.steps,
                s.aggregation,
            )
            if s.ok and s.value is None
            else s
            for s in scores
        ]

    def _value_is_component(self, component: Component) -> bool:
        """Whether the composite's value is exactly this component's value (one component, weight 1, no
        clip): only then does the composite keep the component's step aggregation."""
        return (
            len(self.components) == 1
            and component.weight == 1.0
            and self.config.clip == (None, None)
            and not component.gate
        )

    def combine(self, scores: Sequence[Score]) -> Score:
        """One sample's composite score from its component scores (in component order)."""
        pairs = list(zip(self.components, scores, strict=True))
        details: dict[str, Any] = {
            "components": {c.name: s.to_dict() for c, s in pairs},
            "skipped": [c.name for c, s in pairs if not c.required and not s.ok],
        }
        only_gates = all(c.gate for c in self.components)
        total: float | None = 1.0 if only_gates else 0.0
        gates = 1.0
        summed = 0.0  # |weights| of the components that went into the sum (for normalize)
        for c, s in pairs:
            value = s.value
            if not s.ok:
                if not c.required:
                    continue
                value = self.config.fallback.get(s.status.value)
                if value is None:
                    total = None
                    break
                details.setdefault("fallback", {})[c.name] = value
            if c.gate:
                gates *= value  # type: ignore[operator]
                if value != 1.0:
                    details.setdefault("gated", {})[c.name] = value
            else:
                total += c.weight * value  # type: ignore[operator]
                summed += abs(c.weight)
        if total is not None:
            if self.config.normalize and not only_gates:
                total = total / summed if summed else total
            total *= gates
            low, high = self.config.clip
            total = max(total, low) if low is not None else total
            total = min(total, high) if high is not None else total
        stepped = next(((c, s) for c, s in pairs if s.steps is not None), None)
        steps, aggregation = (stepped[1].steps, stepped[1].aggregation) if stepped else (None, None)
        if stepped:
            details["steps_from"] = stepped[0].name
            if not self._value_is_component(stepped[0]):  # the value is not made from these steps alone
                details["steps_aggregation"], aggregation = aggregation, "none"
        failed = [(c, s) for c, s in pairs if c.required and not s.ok]
        if failed:
            first, score = failed[0]
            reason = f"{first.name}: {score.reason}".rstrip(": ")
            return Score(total, score.status, reason, details, steps, aggregation)
        skipped = [f"{c.name} ({s.status})" for c, s in pairs if not s.ok]
        reason = f"skipped {', '.join(skipped)}" if skipped else ""
        return Score(total, Status.OK, reason, details, steps, aggregation)


def _run(component: Component, samples: list[Sample]) -> list[Score]:
    try:
        return component.verifier.score_batch(samples)
    except Exception as exc:  # a broken verifier fails its component, not the whole spec
        return [Score.from_exception(exc) for _ in samples]


async def _arun(component: Component, samples: list[Sample]) -> list[Score]:
    try:
        return await component.verifier.ascore_batch(samples)
    except Exception as exc:
        return [Score.from_exception(exc) for _ in samples]


# ----------------------------------------------------------------------------------------- loading


def _apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: Path) -> None:
    components = data.get("components") if isinstance(data.get("components"), list) else []
    by_name = {c.get("name"): c for c in components if isinstance(c, dict)}
    for name, update in overrides.items():
        if name not in by_name:
            raise ConfigError(
                f"override {name!r}: {source} has no component of that name; components: {', '.join(map(str, by_name))}"
            )
        if not isinstance(update, dict):
            raise ConfigError(f"override {name!r}: give a dict of config keys, e.g. {name}={{'timeout': 10}}")
        by_name[name]["config"] = {**(by_name[name].get("config") or {}), **update}


def load_spec(name_or_path: str | os.PathLike[str], **overrides: dict[str, Any]) -> SpecVerifier:
    """Load a reward spec by name (``verifiers/<name>.yaml`` on the asset path) or from a YAML path.

    ``overrides`` maps component names to config updates: ``load_spec("math", correctness={"timeout": 10})``.
    """
    path = find_asset("verifiers", name_or_path)
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: a reward spec is a YAML mapping with a `components:` list, got {type(data).__name__}; "
            "see the format in `help(rewardkit.spec)`"
        )
    data.setdefault("name", path.stem)
    _apply_overrides(data, overrides, path)
    try:
        return SpecVerifier(**{str(k): v for k, v in data.items()})
    except SpecError as err:
        lines = []
        for problem in err.problems:
            line = yaml_line(root, problem.loc)
            lines.append(f"{path}:{line}: {field_path(problem.loc) or '(spec)'}: {problem.message}")
        raise ConfigError(
            f"invalid reward spec {path}:\n  "
            + "\n  ".join(lines)
            + "\nFix these fields (the format is in `help(rewardkit.spec)`)."
        ) from None


__all__ = [
    "STATUS_RULE",
    "ComponentSpec",
    "SpecConfig",
    "SpecError",
    "SpecVerifier",
    "field_path",
    "load_spec",
]
