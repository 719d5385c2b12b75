"""Rubric reward models: criteria checked one by one, by an LLM judge or by code, aggregated into a score.

A rubric is YAML (``rubrics/<name>.yaml`` on the asset path, a path, inline in a spec, or per prompt in
``Sample.reference["rubric"]``)::

    name: math_solution
    description: "..."
    aggregation: explicit        # explicit (weighted sum) | implicit (one 1-10 judgement) | all (1 or 0)
    gate: true                   # an unmet essential criterion makes the score 0
    judging: per_criterion       # judge criteria: per_criterion | all_in_one | score (P(Yes), no generation)
    on_failure: error            # a criterion that cannot be decided: error (the score is not ok) | skip
    criteria:
      - text: "The final answer is 42."
        kind: essential          # essential | important | optional | pitfall
        check: {extract: "the final numeric answer", type: math, answer: "42"}   # LLM extracts, code verifies
      - text: "Shows the steps that lead to the answer."
        kind: important          # no check: the judge decides
      - text: "Stays under 300 words."
        kind: optional
        check: {type: word_count, max: 300}                                       # code decides
      - text: "Claims a theorem that does not exist."
        kind: pitfall
        weight: 0.9

Each criterion is decided in one of three ways: by the judge (no ``check``; one call per criterion, all
in one call, or scoring-style from P(Yes) vs P(No)), by "the judge extracts a value, a deterministic
checker verifies it" (``check`` with ``extract``), or by a deterministic checker alone (``check`` with a
``type`` from :mod:`rewardkit.judges.checks`: regex, contains, word/sentence/paragraph counts, JSON and
JSON schema, language, any IFEval instruction, the math and code verifiers). The aggregation is
:data:`AGGREGATION_RULE`; every criterion's verdict is in ``details["criteria"]``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rewardkit.assets import find_asset, read_yaml, yaml_line
from rewardkit.errors import ConfigError, FieldErrors, Problem, field_path, validation_problems
from rewardkit.judges.checks import Check, CheckResult, build_check
from rewardkit.judges.engine import JudgeCall, JudgeEngine, JudgeOptions
from rewardkit.judges.parse import Parsed, parse_criteria, parse_met, parse_score
from rewardkit.judges.pointwise import ReferenceUse, reference_text, scale_score
from rewardkit.judges.templates import JudgeTemplate, as_text, load_template
from rewardkit.types import Sample, Score, Status
from rewardkit.verifier import Verifier, VerifierConfig, register

AGGREGATION_RULE = """\
How a rubric's criteria become one score in [0, 1]:
- Weights: a criterion's `weight` (default by kind: essential 1.0, important 0.7, optional 0.3,
  pitfall 0.9). A pitfall's weight always subtracts, whatever its sign in the file.
- explicit: (sum of the weights of the met criteria that are not pitfalls - sum of the |weights| of the
  pitfalls that occurred) / (sum of the weights of all criteria that are not pitfalls), clipped to
  [0, 1]. A rubric of pitfalls only scores 1 - (|weights| of the pitfalls that occurred / |weights| of
  all pitfalls).
- all: 1 when every criterion that is not a pitfall is met and no pitfall occurred, else 0 (hard
  constraints).
- implicit: one judgement of the whole rubric on a 1-10 scale (the `rubric_likert` template), mapped to
  [0, 1]; no per-criterion verdicts.
- gate: true: an essential criterion that is not met makes the score 0 (details["gated_by"] names it).
- A criterion that cannot be decided (the judge's answer unreadable after its retries, a checker error,
  a failed extraction) is never counted as unmet: with on_failure: error (default) the score takes that
  criterion's status and value None; with on_failure: skip it leaves both sums and details["skipped"]
  lists it, but the score is still not ok when every criterion that could earn credit was skipped, or
  when gate is on and an essential criterion could not be decided. Every verdict, met or not, with its
  reason, is in details["criteria"].
- A negative weight is for pitfalls only; a rubric whose non-pitfall criteria all weigh 0 is refused.
- "LLM extracts, code verifies": the extracted value is what the checker reads (NONE, when the response
  does not state it, is checked as an empty text), with the sample's reference (its answer, tests...).
"""

Kind = Literal["essential", "important", "optional", "pitfall"]
DEFAULT_WEIGHTS: dict[str, float] = {"essential": 1.0, "important": 0.7, "optional": 0.3, "pitfall": 0.9}
Aggregation = Literal["explicit", "implicit", "all"]
Judging = Literal["per_criterion", "all_in_one", "score"]
OnFailure = Literal["error", "skip"]


class CriterionSpec(BaseModel):
    """One criterion of a rubric."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(None, description="a short name (default: c1, c2, ...)")
    text: str = Field(min_length=1, description="one checkable statement about a response")
    kind: Kind = Field("important", description="essential | important | optional | pitfall")
    weight: float | None = Field(None, allow_inf_nan=False, description="default by kind")
    check: dict[str, Any] | None = Field(
        None, description="none: the judge decides; {type: ...}: a checker; {extract: ..., type: ...}"
    )

    @property
    def signed_weight(self) -> float:
        w = DEFAULT_WEIGHTS[self.kind] if self.weight is None else self.weight
        return -abs(w) if self.kind == "pitfall" else w


def _rubric_problems(spec: RubricSpec) -> list[tuple[tuple, str]]:
    """(field path, message) for what the schema alone cannot see."""
    problems: list[tuple[tuple, str]] = []
    for i, c in enumerate(spec.criteria):
        if c.weight is not None and c.weight < 0 and c.kind != "pitfall":
            problems.append(
                (
                    ("criteria", i, "weight"),
                    "a negative weight is for pitfalls only (kind: pitfall); the weight of an "
                    f"{c.kind} criterion must be >= 0",
                )
            )
        if spec.aggregation == "implicit" and c.check is not None:
            problems.append(
                (
                    ("criteria", i, "check"),
                    "aggregation: implicit asks one judge for one score and runs no checks; use explicit "
                    "(or all) to run checks, or leave the check out",
                )
            )
    positive = [c for c in spec.criteria if c.kind != "pitfall"]
    if positive and all(c.signed_weight == 0 for c in positive):
        problems.append(
            (("criteria",), "every criterion that is not a pitfall has weight 0; nothing could be earned")
        )
    if spec.aggregation == "implicit" and spec.gate:
        problems.append(
            (("gate",), "aggregation: implicit makes one judgement; gate needs per-criterion verdicts")
        )
    return problems


class RubricSpec(BaseModel):
    """A whole rubric (the YAML schema)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    aggregation: Aggregation = "explicit"
    gate: bool = Field(False, description="an unmet essential criterion makes the score 0")
    judging: Judging = Field("per_criterion", description="per_criterion | all_in_one | score")
    on_failure: OnFailure = "error"
    criteria: list[CriterionSpec] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: list[CriterionSpec]) -> list[CriterionSpec]:
        ids = [c.id for c in criteria if c.id is not None]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion id(s): {', '.join(dupes)}")
        return criteria


@dataclass
class Criterion:
    """A criterion ready to run: its spec, id, signed weight, and its checker (None: the judge decides;
    with ``extract`` set, the judge extracts and the checker verifies)."""

    spec: CriterionSpec
    id: str
    weight: float
    check: Check | None
    extract: str | None

    @property
    def by(self) -> str:
        if self.check is None:
            return "judge"
        kind = type(self.check).name or type(self.check).__name__
        return f"extract+{kind}" if self.extract else f"check:{kind}"


@dataclass
class Rubric:
    """A validated rubric with its criteria built."""

    spec: RubricSpec
    criteria: list[Criterion]
    source: str = ""

    @classmethod
    def from_data(cls, data: Any, source: str = "rubric", root: Any = None) -> Rubric:
        """Validate and build. Every problem is reported at once: at ``source:line: field`` when ``root``
        (the YAML node tree) is given, else as :class:`~rewardkit.errors.FieldErrors` located by field
        path, so a reward spec holding the criteria inline can point at each line."""
        if isinstance(data, list):
            data = {"criteria": data}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: a rubric is a mapping with a `criteria:` list (or the list itself)")
        located: list[tuple[tuple, str]] = []
        spec: RubricSpec | None = None
        try:
            spec = RubricSpec(**{str(k): v for k, v in data.items()})
        except ValidationError as err:
            located += [(p.loc, p.message) for p in validation_problems(err, RubricSpec)]
        raw = data.get("criteria")
        criteria = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            check = item.get("check") if isinstance(item, dict) else None
            if not isinstance(check, dict) or any(loc[:3] == ("criteria", i, "check") for loc, _ in located):
                continue
            options = dict(check)
            extract = options.pop("extract", None)
            if extract is not None and (not isinstance(extract, str) or not extract.strip()):
                located.append(
                    (
                        ("criteria", i, "check", "extract"),
                        "describe the value to extract, e.g. 'the final answer'",
                    )
                )
                continue
            try:
                built = build_check(options)
            except ConfigError as err:
                located.append((("criteria", i, "check"), str(err)))
                continue
            if spec is not None:
                c = spec.criteria[i]
                criteria.append((i, Criterion(c, c.id or f"c{i + 1}", c.signed_weight, built, extract)))
        if spec is not None:
            located += _rubric_problems(spec)
        if located:
            if root is None:
                raise FieldErrors(source, [Problem(loc, msg) for loc, msg in located])
            lines = [
                f"{source}:{yaml_line(root, loc) or 1}: {field_path(loc)}: {msg}" for loc, msg in located
            ]
            raise ConfigError("invalid rubric:\n  " + "\n  ".join(lines))
        assert spec is not None
        checked = dict(criteria)
        built_criteria = [
            checked.get(i) or Criterion(c, c.id or f"c{i + 1}", c.signed_weight, None, None)
            for i, c in enumerate(spec.criteria)
        ]
        return cls(spec, built_criteria, source)

    @property
    def name(self) -> str:
        return self.spec.name

    def as_text(self) -> str:
        """The rubric as the implicit judge reads it."""
        lines = []
        for c in self.criteria:
            sign = "pitfall, lowers the grade" if c.weight < 0 else c.spec.kind
            lines.append(f"- [{sign}, weight {abs(c.weight):g}] {c.spec.text}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return self.spec.model_dump(exclude_none=True, exclude_defaults=False)


def load_rubric(name_or_path: str | os.PathLike[str]) -> Rubric:
    """A rubric by name (``rubrics/<name>.yaml`` on the asset path) or from a YAML path."""
    path = find_asset("rubrics", name_or_path)
    data, root = read_yaml(path)
    if isinstance(data, dict):
        data.setdefault("name", Path(path).stem)
    return Rubric.from_data(data, str(path), root)


def aggregate(rubric: RubricSpec, verdicts: list[dict[str, Any]]) -> tuple[float | None, dict[str, Any]]:
    """The score of decided verdicts (``met`` True/False, ``weight`` signed, ``kind``) by
    :data:`AGGREGATION_RULE` (explicit or all), and what it was made of."""
    decided = [v for v in verdicts if v["met"] is not None]
    positive = [v for v in decided if v["weight"] >= 0]
    pitfalls = [v for v in decided if v["weight"] < 0]
    info: dict[str, Any] = {
        "met": sum(v["met"] for v in positive),
        "pitfalls_hit": sum(v["met"] for v in pitfalls),
    }
    if rubric.aggregation == "all":
        value = 1.0 if all(v["met"] for v in positive) and not any(v["met"] for v in pitfalls) else 0.0
    else:
        total = math.fsum(v["weight"] for v in positive)
        lost = math.fsum(-v["weight"] for v in pitfalls if v["met"])
        if positive:
            value = (math.fsum(v["weight"] for v in positive if v["met"]) - lost) / total if total else 0.0
        else:  # a rubric of pitfalls only
            value = 1.0 - lost / (math.fsum(-v["weight"] for v in pitfalls) or 1.0)
        value = min(max(value, 0.0), 1.0)
    if rubric.gate:
        gated = [v["id"] for v in positive if v["kind"] == "essential" and not v["met"]]
        if gated:
            info["gated_by"] = gated
            value = 0.0
    return value, info


# ---------------------------------------------------------------------------------------- the verifier


class RubricConfig(JudgeOptions, VerifierConfig):
    rubric: str | None = Field(
        None, description="a rubric name in rubrics/ or a YAML path (default: Sample.reference['rubric'])"
    )
    criteria: list[dict[str, Any]] | None = Field(None, description="an inline rubric's criteria")
    aggregation: Aggregation | None = Field(None, description="override the rubric's aggregation")
    gate: bool | None = Field(None, description="override the rubric's gate")
    judging: Judging | None = Field(None, description="override the rubric's judging")
    on_failure: OnFailure | None = Field(None, description="override the rubric's on_failure")
    reference: ReferenceUse = Field("auto", description="show Sample.reference's answer to the judge")
    templates: dict[str, str] = Field(
        default_factory=dict,
        description="replace judge templates by role: criterion, criteria, criterion_score, likert, extract",
    )


TEMPLATE_ROLES = {
    "criterion": "criterion",
    "criteria": "criteria",
    "criterion_score": "criterion_score",
    "likert": "rubric_likert",
    "extract": "extract",
}
_OUTPUTS = {
    "criterion": "met",
    "criteria": "criteria",
    "criterion_score": "met",
    "likert": "score",
    "extract": "value",
}
_NEEDS = {
    "criterion": "criterion",
    "criterion_score": "criterion",
    "criteria": "criteria",
    "likert": "rubric",
    "extract": "criterion",
}
_SENTINEL = "\x00RUBRIC-CRITERION\x00"


@register
class RubricVerifier(Verifier):
    """Scores responses with a rubric; see the module docstring and :data:`AGGREGATION_RULE`."""

    name = "rubric"
    Config = RubricConfig
    config: RubricConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        cfg = self.config
        if cfg.rubric is not None and cfg.criteria is not None:
            raise ConfigError(f"{self.name}: give `rubric` (a name or path) or `criteria` (inline), not both")
        unknown = sorted(set(cfg.templates) - set(TEMPLATE_ROLES))
        if unknown:
            raise ConfigError(
                f"{self.name}: templates: unknown role(s) {', '.join(unknown)}; roles: {', '.join(TEMPLATE_ROLES)}"
            )
        self.rubric: Rubric | None = None
        if cfg.rubric is not None:
            self.rubric = self._override(load_rubric(cfg.rubric))
        elif cfg.criteria is not None:
            self.rubric = self._override(Rubric.from_data({"criteria": cfg.criteria}, "inline criteria"))
        self.templates: dict[str, JudgeTemplate] = {}
        for role, default in TEMPLATE_ROLES.items():
            template = load_template(cfg.templates.get(role, default))
            template.require(f"{self.name}: templates.{role}", _OUTPUTS[role])
            needed = _NEEDS.get(role)
            if needed and not template.uses(needed):
                raise ConfigError(
                    f"{self.name}: templates.{role}: {template.path or template.name} never shows "
                    f"{{{{ {needed} }}}}, so every criterion would get the same question; add it"
                )
            self.templates[role] = template
        digest = "+".join(t.text_hash for t in self.templates.values())
        self.engine = JudgeEngine(cfg, digest, self.name)

    def _override(self, rubric: Rubric) -> Rubric:
        cfg = self.config
        changes = {
            k: getattr(cfg, k)
            for k in ("aggregation", "gate", "judging", "on_failure")
            if getattr(cfg, k) is not None
        }
        if changes.get("aggregation") == "implicit" and "gate" not in changes:
            changes["gate"] = False  # one holistic judgement has no essential verdicts to gate on
        if changes:
            spec = rubric.spec.model_copy(update=changes)
            problems = _rubric_problems(spec)
            if problems:
                raise ConfigError(
                    f"{self.name}: {rubric.source}: "
                    + "; ".join(f"{field_path(loc)}: {msg}" for loc, msg in problems)
                )
            rubric = Rubric(spec, rubric.criteria, rubric.source)
        return rubric

    def rubric_of(self, sample: Sample) -> Rubric | Score:
        """The sample's rubric: the configured one, else the sample's own: ``Sample.reference["rubric"]``,
        a reference that is a rubric (a mapping with ``criteria``) or a list of criteria. An error Score
        when there is none or it is invalid."""
        if self.rubric is not None:
            return self.rubric
        ref = sample.reference
        data = None
        if isinstance(ref, dict):
            data = ref.get("rubric") if "rubric" in ref else (ref if "criteria" in ref else None)
        elif isinstance(ref, list) and ref and all(isinstance(c, dict) for c in ref):
            data = ref  # the criteria themselves (e.g. a dataset's `rubric` column as the reference)
        if data is None:
            return Score.error(
                "no rubric: configure `rubric` or `criteria`, or put one in Sample.reference['rubric']"
            )
        try:
            if isinstance(data, str):  # a rubric by name or path, from the library
                return self._override(load_rubric(data))
            return self._override(Rubric.from_data(data, "Sample.reference['rubric']"))
        except ConfigError as err:
            return Score.error(str(err))

    # -- scoring ---------------------------------------------------------------------------------------

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        early: list[Score | None] = [None] * len(samples)
        rubrics: dict[int, Rubric] = {}
        for i, sample in enumerate(samples):
            rubric = self.rubric_of(sample)
            reference = reference_text(_answer_of(sample.reference), self.config.reference)
            if isinstance(rubric, Score):
                early[i] = rubric
            elif isinstance(reference, Score):
                early[i] = reference
            elif not sample.response.strip():
                early[i] = Score.unparseable("empty response: nothing to grade")
            else:
                rubrics[i] = rubric
        implicit = {i: r for i, r in rubrics.items() if r.spec.aggregation == "implicit"}
        explicit = {i: r for i, r in rubrics.items() if r.spec.aggregation != "implicit"}
        if implicit:
            for i, score in zip(implicit, self._implicit(samples, implicit), strict=True):
                early[i] = score
        if explicit:
            verdicts = self._verdicts(samples, explicit)
            for i, rubric in explicit.items():
                early[i] = self._settle(rubric, verdicts[i])
        return early  # type: ignore[return-value]

    def _values(self, sample: Sample, **extra: Any) -> dict[str, Any]:
        reference = reference_text(_answer_of(sample.reference), self.config.reference)
        return {
            "prompt": as_text(sample.prompt),
            "response": sample.response,
            "reference": reference,
            **extra,
        }

    def _implicit(self, samples: list[Sample], rubrics: dict[int, Rubric]) -> list[Score]:
        template = self.templates["likert"]
        scale = template.scale()
        calls = [
            JudgeCall(
                template.messages(**self._values(samples[i], rubric=r.as_text(), scale=scale)),
                lambda text, echo: parse_score(text, scale, echo=echo),
                template.text_hash,
            )
            for i, r in rubrics.items()
        ]
        out = []
        for answer in self.engine.run(calls):
            details: dict[str, Any] = {"aggregation": "implicit", **answer.details()}
            if not answer.ok:
                status = Status.ERROR if answer.error else Status.UNPARSEABLE
                out.append(Score(None, status, answer.reason, details))
                continue
            score, extra = scale_score(scale, answer, answer.parsed, self.config.logprobs)  # type: ignore[arg-type]
            details.update(extra)
            out.append(Score(scale.normalize(score), Status.OK, "", details))
        return out

    def _verdicts(self, samples: list[Sample], rubrics: dict[int, Rubric]) -> dict[int, list[dict[str, Any]]]:
        """Every criterion's verdict for every sample, with the work batched across samples: one checker
        call per criterion, one engine batch per judging style."""
        verdicts = {
            i: [
                {
                    "id": c.id,
                    "text": c.spec.text,
                    "kind": c.spec.kind,
                    "weight": c.weight,
                    "by": c.by,
                    "met": None,
                }
                for c in r.criteria
            ]
            for i, r in rubrics.items()
        }
        checks: list[tuple[int, int, Sample]] = []  # (sample, criterion, what the checker reads)
        extracts: list[tuple[int, int]] = []
        judged: dict[str, list[tuple[int, int]]] = {"per_criterion": [], "all_in_one": [], "score": []}
        for i, rubric in rubrics.items():
            for k, c in enumerate(rubric.criteria):
                if c.check is None:
                    judged[rubric.spec.judging].append((i, k))
                elif c.extract:
                    extracts.append((i, k))
                else:
                    checks.append((i, k, _check_sample(samples[i], samples[i].response)))
        self._run_extracts(samples, rubrics, verdicts, extracts, checks)
        self._run_checks(rubrics, verdicts, checks)
        self._run_per_criterion(samples, rubrics, verdicts, judged["per_criterion"])
        self._run_all_in_one(samples, rubrics, verdicts, judged["all_in_one"])
        self._run_scored(samples, rubrics, verdicts, judged["score"])
        return verdicts

    def _run_extracts(self, samples, rubrics, verdicts, extracts, checks) -> None:
        template = self.templates["extract"]
        calls = [
            JudgeCall(
                template.messages(**self._values(samples[i], criterion=rubrics[i].criteria[k].extract)),
                _parse_extracted,
                template.text_hash,
            )
            for i, k in extracts
        ]
        for (i, k), answer in zip(extracts, self.engine.run(calls) if calls else [], strict=True):
            v = verdicts[i][k]
            _answer_details(v, answer)
            if not answer.ok:
                v["status"] = "error" if answer.error else "unparseable"
                v["reason"] = f"extraction failed: {answer.reason}"
                continue
            value = answer.parsed.value  # type: ignore[union-attr]
            v["extracted"] = value
            # NONE (the response does not state it) is checked as an empty text: a must-contain check
            # fails on it, a must-not-contain check passes
            checks.append((i, k, _check_sample(samples[i], "" if value is None else value)))

    def _run_checks(self, rubrics, verdicts, checks) -> None:
        by_check: dict[int, list[tuple[int, int, Sample]]] = {}
        objects: dict[int, Check] = {}
        for i, k, sample in checks:
            check = rubrics[i].criteria[k].check
            objects[id(check)] = check  # type: ignore[assignment]
            by_check.setdefault(id(check), []).append((i, k, sample))
        for key, items in by_check.items():
            try:
                results = objects[key].check_batch([s for _, _, s in items])
            except Exception as exc:  # a broken checker is its criteria's error, never the batch's
                results = [CheckResult(None, f"{type(exc).__name__}: {exc}") for _ in items]
            for (i, k, _), result in zip(items, results, strict=True):
                v = verdicts[i][k]
                v["met"], v["reason"] = result.met, result.reason
                v["status"] = "ok" if result.met is not None else "error"
                if result.details:
                    v["check_details"] = result.details

    def _run_per_criterion(self, samples, rubrics, verdicts, items) -> None:
        template = self.templates["criterion"]
        calls = [
            JudgeCall(
                template.messages(**self._values(samples[i], criterion=rubrics[i].criteria[k].spec.text)),
                lambda text, echo: parse_met(text, echo=echo),
                template.text_hash,
            )
            for i, k in items
        ]
        for (i, k), answer in zip(items, self.engine.run(calls) if calls else [], strict=True):
            _judged(verdicts[i][k], answer)

    def _run_all_in_one(self, samples, rubrics, verdicts, items) -> None:
        template = self.templates["criteria"]
        per_sample: dict[int, list[int]] = {}
        for i, k in items:
            per_sample.setdefault(i, []).append(k)
        calls = []
        for i, ks in per_sample.items():
            count = len(ks)
            listed = [
                {"index": n + 1, "id": rubrics[i].criteria[k].id, "text": rubrics[i].criteria[k].spec.text}
                for n, k in enumerate(ks)
            ]
            calls.append(
                JudgeCall(
                    template.messages(**self._values(samples[i], criteria=listed)),
                    lambda text, echo, n=count: parse_criteria(text, n, echo=echo),
                    template.text_hash,
                )
            )
        answers = self.engine.run(calls) if calls else []
        for (i, ks), answer in zip(per_sample.items(), answers, strict=True):
            parsed = answer.parsed if isinstance(answer.parsed, list) else [None] * len(ks)
            for k, p in zip(ks, parsed, strict=True):
                v = verdicts[i][k]
                _answer_details(v, answer)
                if answer.error or p is None:
                    v["status"], v["reason"] = "error", answer.reason or "no answer"
                elif not p.ok:
                    v["status"], v["reason"] = "unparseable", p.reason
                else:
                    v["met"], v["status"], v["reason"] = bool(p.value), "ok", getattr(p, "note", "") or ""

    def _run_scored(self, samples, rubrics, verdicts, items) -> None:
        """Scoring-style: P(Yes) vs P(No) after the criterion question, no generation. All criteria of a
        response share the context (the prompt and the response), so local backends compute it once."""
        if not items:
            return
        template = self.templates["criterion_score"]
        pairs, where = [], []
        contexts: dict[int, tuple[str, str]] = {}
        try:
            for i, k in items:
                if i not in contexts:
                    messages = template.messages(**self._values(samples[i], criterion=_SENTINEL))
                    rendered = self.engine.render(messages)
                    if rendered.count(_SENTINEL) != 1:
                        raise ConfigError(
                            f"{self.name}: templates.criterion_score must show {{{{ criterion }}}} exactly "
                            "once, unfiltered (the criteria of one response share the text before it)"
                        )
                    before, _, after = rendered.partition(_SENTINEL)
                    contexts[i] = (before, after)
                before, after = contexts[i]
                tail = rubrics[i].criteria[k].spec.text + after
                pairs += [(before, tail + "Yes"), (before, tail + "No")]
                where.append((i, k))
            sums = self.engine.loglikelihoods(pairs, template.text_hash)
        except Exception as exc:  # a render or model failure fails these criteria, never the batch
            for i, k in items:
                v = verdicts[i][k]
                v["status"], v["reason"] = "error", f"{type(exc).__name__}: {exc}"
            return
        for n, (i, k) in enumerate(where):
            yes, no = sums[2 * n], sums[2 * n + 1]
            p_yes = 1.0 / (1.0 + math.exp(min(no - yes, 700.0)))
            v = verdicts[i][k]
            v["met"], v["status"], v["probability"] = p_yes >= 0.5, "ok", p_yes
            v["reason"] = f"P(Yes) = {p_yes:.3f}"

    def _settle(self, rubric: Rubric, verdicts: list[dict[str, Any]]) -> Score:
        details: dict[str, Any] = {
            "rubric": rubric.name or rubric.source,
            "aggregation": rubric.spec.aggregation,
        }
        details["criteria"] = verdicts
        failed = [v for v in verdicts if v["met"] is None]
        if failed and rubric.spec.on_failure == "error":
            first = failed[0]
            status = Status(
                first.get("status") if first.get("status") in ("unparseable", "error", "timeout") else "error"
            )
            reason = f"criterion {first['id']}: {first.get('reason') or 'not decided'}"
            return Score(None, status, reason, details)
        if failed:
            details["skipped"] = [v["id"] for v in failed]
            first = failed[0]
            status = Status(
                first.get("status") if first.get("status") in ("unparseable", "timeout") else "error"
            )
            declared = [v for v in verdicts if v["weight"] >= 0]
            if declared and all(v["met"] is None for v in declared):
                return Score(None, status, "every criterion that could earn credit was skipped", details)
            if len(failed) == len(verdicts):
                return Score(None, status, "every criterion failed", details)
            undecided_gate = [v["id"] for v in failed if rubric.spec.gate and v["kind"] == "essential"]
            if undecided_gate:
                reason = f"essential criterion {undecided_gate[0]} (a gate) could not be decided: {first.get('reason')}"
                return Score(None, status, reason, details)
        value, info = aggregate(rubric.spec, verdicts)
        details.update(info)
        reason = f"skipped {len(failed)} undecided criteria" if failed else ""
        return Score(value, Status.OK, reason, details)


def _answer_of(reference: Any) -> Any:
    """The part of a sample's reference a judge should see (not the rubric itself)."""
    if isinstance(reference, dict) and "rubric" in reference:
        rest = {k: v for k, v in reference.items() if k != "rubric"}
        return rest or None
    if isinstance(reference, list) or (isinstance(reference, dict) and "criteria" in reference):
        return None
    return reference


def _answer_details(v: dict[str, Any], answer: Any) -> None:
    """What a criterion's verdict keeps about the judge call: its raw answer, the draw, whether it came
    from the cache, and every attempt when one was refused."""
    v["judge_output"], v["draw"], v["cached"] = answer.text, answer.draw, answer.cached
    if len(answer.attempts) > 1 or not answer.ok:
        v["attempts"] = answer.attempts


def _judged(v: dict[str, Any], answer: Any) -> None:
    _answer_details(v, answer)
    if answer.error:
        v["status"], v["reason"] = "error", answer.error
    elif not answer.ok:
        v["status"], v["reason"] = "unparseable", answer.reason
    else:
        v["met"], v["status"] = bool(answer.parsed.value), "ok"
        v["reason"] = _reason_text(answer.text)


def _reason_text(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:-1])[:500] if len(lines) > 1 else (lines[0][:500] if lines else "")


def _parse_extracted(text: str, echo: str = "") -> Parsed:
    """The value after the last "Extracted:" line that is not copied from the prompt (NONE: the response
    does not state it -> value None)."""
    from rewardkit.judges.parse import final_region

    region = final_region(text)
    if region is None:
        return Parsed(False, reason="no final answer after the <think> draft")
    body = text[region[0] : region[1]]
    echoed = {" ".join(line.split()).casefold() for line in echo.splitlines() if line.strip()}
    lowered = body.casefold()
    marker = lowered.rfind("extracted:")
    while marker >= 0:
        start = region[0] + marker + len("extracted:")
        line = text[start:].split("\n", 1)[0]
        whole = body[body.rfind("\n", 0, marker) + 1 : marker + len("extracted:") + len(line)]
        value = line.strip().strip("`*\"'").strip()
        if " ".join(whole.split()).casefold() not in echoed and "<value>" not in value:
            if not value:
                return Parsed(False, reason='"Extracted:" is followed by nothing')
            if value.upper().rstrip(".") == "NONE":
                return Parsed(True, None, "NONE", (start, start + len(line)), "extracted")
            return Parsed(True, value, value, (start, start + len(line)), "extracted")
        marker = lowered.rfind("extracted:", 0, marker)
    return Parsed(False, reason='no "Extracted: <value>" line in the answer (other than the prompt\'s own)')


def _check_sample(sample: Sample, text: str) -> Sample:
    """What a checker reads: ``text`` as the response, and the sample's reference without its rubric."""
    return Sample(
        text, sample.prompt, _answer_of(sample.reference), None, sample.group, sample.id, dict(sample.meta)
    )


__all__ = [
    "AGGREGATION_RULE",
    "DEFAULT_WEIGHTS",
    "Criterion",
    "CriterionSpec",
    "Rubric",
    "RubricConfig",
    "RubricSpec",
    "RubricVerifier",
    "aggregate",
    "load_rubric",
]
