"""Benchmark suites: YAML files in ``evals/`` that say what to load, how to prompt, how to generate, how to
score and what to report.

A suite is found like every asset (``evals/<name>.yaml`` on the search path, or a path). A generation suite::

    name: gsm8k
    task: generate                  # generate (default) | pairwise | process
    dataset:
      path: gsm8k/test.jsonl        # a local JSONL/JSON/Parquet/CSV file (see "Data files" below) ...
      hf: openai/gsm8k              # ... or a hub data set (used when no local file is found)
      hf_config: main
      split: test
      id: null                      # a field holding each row's id (default: the row number)
      reference: answer             # a field, a list of fields (-> an object), or `reference_template`
      subset: null                  # a field to break metrics down by (MATH's subject, ...)
      filter: null                  # a Jinja expression over a row's fields: "level >= 4"
      limit: null                   # the first N rows (after the filter)
    prompt:
      style: chat                   # chat (messages, the model's chat template) | completion (plain text)
      system: null
      template: "{{ question }}"    # Jinja over the row's fields
      fewshot: {n: 0}               # n examples, rendered with `template` + `answer` (see FewShot)
    generation: {n: 1, temperature: 0, top_p: 1, max_tokens: 256, stop: [], seed: 0}
    scoring:
      spec: gsm8k                   # a reward spec ... or `verifier:` + `config:` (math, code, judge, rubric, prm...)
      correct_at: 0.5               # value >= correct_at counts as correct (null: no correctness)
    metrics: [accuracy]

``pairwise`` suites score given chosen/rejected pairs with a comparator (a judge, or a reward model
through the ``pointwise`` comparator); ``process`` suites score given reasoning steps with a PRM against
the first wrong step (ProcessBench). Neither generates.

**Data files.** A relative ``dataset.path`` is looked for in: the ``data_dir`` the caller gives
(``rewardkit eval --data-dir``), ``$REWARDKIT_DATA``, the suite file's folder, the working directory,
then the packaged ``data/`` assets. ``--data FILE`` replaces the path outright.

Every problem is reported at ``file:line: field: what is wrong``, like reward specs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rewardkit.assets import find_asset, read_yaml, yaml_line
from rewardkit.errors import ConfigError, FieldPath, Problem, field_path, validation_problems

DATA_ENV = "REWARDKIT_DATA"
#: The one Jinja environment of suites: sandboxed, and an undefined field is an error, not "".
JINJA = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
Task = Literal["generate", "pairwise", "process"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _template(text: str | None) -> str | None:
    """A Jinja template that parses (its errors say the template line)."""
    if text is not None:
        try:
            JINJA.parse(text)
        except TemplateSyntaxError as err:
            raise ValueError(f"Jinja syntax error on template line {err.lineno}: {err.message}") from None
    return text


def _expression(text: str | None) -> str | None:
    if text is not None:
        try:
            JINJA.compile_expression(text)
        except TemplateSyntaxError as err:
            raise ValueError(f"not a Jinja expression: {err.message}") from None
    return text


class DatasetSpec(_Strict):
    """Where the rows come from and which fields mean what."""

    path: str | None = Field(None, description="a local file: JSONL, JSON, Parquet or CSV (.gz allowed)")
    hf: str | None = Field(None, description="a hub data set id, loaded with datasets.load_dataset")
    hf_config: str | None = Field(None, description="the hub data set's configuration name")
    split: str = Field("train", description="the split (local files are one split, 'train')")
    id: str | None = Field(None, description="the field with each row's id (default: the row number)")
    reference: str | list[str] | None = Field(
        None, description="the reference field, or a list of fields given to the scorer as one object"
    )
    reference_template: str | None = Field(None, description="a Jinja template rendering the reference")
    subset: str | None = Field(None, description="a field whose values break the metrics down")
    filter: str | None = Field(
        None, description="a Jinja expression over a row's fields; false rows are dropped"
    )
    limit: int | None = Field(None, ge=1, description="evaluate the first N rows (after the filter)")
    # pairwise and process suites
    prompt: str | None = Field(None, description="pairwise/process: the prompt (problem) field")
    chosen: str = Field("chosen", description="pairwise: the preferred response field")
    rejected: str = Field("rejected", description="pairwise: the dispreferred response field")
    transcripts: bool = Field(
        False,
        description="pairwise: chosen/rejected are whole '\\n\\nHuman: ... \\n\\nAssistant: ...' transcripts "
        "(hh-rlhf); the shared part up to the last Assistant turn becomes the prompt",
    )
    steps: str = Field("steps", description="process: the field with the list of reasoning steps")
    label: str = Field("label", description="process: the index of the first wrong step (-1: none)")
    baseline: str | None = Field(
        None, description="generate: a field with a baseline response to compare against (win rate)"
    )

    _templates = field_validator("reference_template")(_template)
    _filter = field_validator("filter")(_expression)

    @model_validator(mode="after")
    def _a_source(self) -> DatasetSpec:
        if not self.path and not self.hf:
            raise ValueError("give `path` (a local file) or `hf` (a hub data set id), or both")
        if self.reference is not None and self.reference_template is not None:
            raise ValueError("give `reference` or `reference_template`, not both")
        return self


class FewShot(_Strict):
    """Worked examples before the question: ``n`` rows from ``path`` (a local file), or, without a path,
    the first ``n`` rows of the suite's own data, which are then not evaluated."""

    n: int = Field(0, ge=0)
    path: str | None = None
    answer: str = Field("", description="Jinja template of an example's answer (over its row's fields)")
    separator: str = Field("\n\n", description="completion style: text between examples")
    _templates = field_validator("answer")(_template)

    @model_validator(mode="after")
    def _answer_given(self) -> FewShot:
        if self.n and not self.answer:
            raise ValueError("few-shot examples need `answer`: a template of the example's answer")
        return self


class PromptSpec(_Strict):
    style: Literal["chat", "completion"] = "chat"
    system: str | None = None
    template: str = Field("{{ question }}", description="Jinja over the row's fields")
    fewshot: FewShot = FewShot()
    _templates = field_validator("template", "system")(_template)


class GenerationSpec(_Strict):
    n: int = Field(1, ge=1, le=1024, description="samples per prompt (pass@k and maj@k need k of them)")
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)
    stop: list[str] = Field(default_factory=list)
    seed: int = 0
    batch_size: int = Field(32, ge=1, description="prompts generated and scored per step of the run log")

    @model_validator(mode="after")
    def _sampling(self) -> GenerationSpec:
        if self.n > 1 and self.temperature == 0:
            raise ValueError(
                f"n={self.n} samples at temperature 0 are {self.n} copies of one greedy answer; "
                "set a temperature (e.g. 0.7) for pass@k / maj@k, or n: 1"
            )
        return self


class ModelSpec(_Strict):
    """The model that answers (generate suites); ``rewardkit eval --model/--backend`` override it."""

    backend: str = "transformers"
    model: str = "smollm2"
    options: dict[str, Any] = Field(default_factory=dict, description="backend options (dtype, threads...)")


class Selector(_Strict):
    """A second scorer whose value picks the best of n samples (``best_of_n``): a reward model, a PRM, a
    judge... (correctness still comes from the suite's scorer)."""

    spec: str | None = None
    verifier: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one(self) -> Selector:
        if (self.spec is None) == (self.verifier is None):
            raise ValueError("give exactly one of `spec` or `verifier`")
        return self


class ScoringSpec(_Strict):
    spec: str | None = Field(None, description="a reward spec name or path")
    verifier: str | None = Field(
        None, description="a registered verifier (math, code, judge, rubric, prm...)"
    )
    comparator: str | None = Field(
        None, description="pairwise suites (and win rates against dataset.baseline): a registered comparator"
    )
    config: dict[str, Any] = Field(default_factory=dict, description="the verifier's keyword config")
    comparator_config: dict[str, Any] = Field(default_factory=dict, description="the comparator's config")
    correct_at: float | None = Field(0.5, description="value >= correct_at is correct; null: not decided")
    unparseable: Literal["wrong", "undecided"] | None = Field(
        None,
        description="what an unparseable score means for correctness: wrong (no answer found) or undecided "
        "(left out and counted); default: undecided for judge, rubric and prm scorers, else wrong",
    )
    selector: Selector | None = Field(None, description="the scorer best_of_n picks by (default: the value)")
    answer: str | None = Field(
        None,
        description="dotted path in a score's details to the extracted answer (maj@k); default: the first "
        "'extracted' found",
    )

    @model_validator(mode="after")
    def _one_scorer(self) -> ScoringSpec:
        if self.spec and self.verifier:
            raise ValueError("give `spec` or `verifier`, not both")
        if not (self.spec or self.verifier or self.comparator):
            raise ValueError("give a scorer: `spec`, `verifier` or `comparator`")
        return self


class Suite(_Strict):
    """A validated suite. ``source`` is the file it came from (None for one built in Python)."""

    name: str
    description: str = ""
    task: Task = "generate"
    dataset: DatasetSpec
    prompt: PromptSpec = PromptSpec()
    model: ModelSpec = ModelSpec()
    generation: GenerationSpec = GenerationSpec()
    scoring: ScoringSpec
    metrics: list[str | dict[str, Any]] = Field(default_factory=lambda: ["accuracy"], min_length=1)
    source: str | None = None

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: list[Any], info: ValidationInfo) -> list[Any]:
        from rewardkit.evals.metrics import check_task

        check_task(metrics, info.data.get("task", "generate"))  # unknown, bad params, another task's
        return metrics

    @model_validator(mode="after")
    def _task_needs(self) -> Suite:
        s = self.scoring
        if self.task == "pairwise" and not s.comparator:
            raise ValueError(
                "a pairwise suite needs `scoring.comparator` (judge, or pointwise over a verifier)"
            )
        if self.task != "pairwise" and not (s.spec or s.verifier):
            raise ValueError(f"a {self.task} suite needs `scoring.spec` or `scoring.verifier`")
        if self.task == "generate" and s.comparator and not self.dataset.baseline:
            raise ValueError(
                "`scoring.comparator` in a generate suite compares against `dataset.baseline`: set it"
            )
        return self

    def digest(self) -> str:
        """A hash of everything that decides the run's results: not the name, description or source, nor
        the row limit (a run may be extended) or the batch size (how work is chunked)."""
        body = self.model_dump(
            exclude={
                "name": True,
                "description": True,
                "source": True,
                "dataset": {"limit"},
                "generation": {"batch_size"},
            }
        )
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    def with_changes(self, **changes: Any) -> Suite:
        """A copy with nested fields replaced (``dataset={"limit": 5}`` merges into ``dataset``),
        validated again."""
        data = self.model_dump()
        for key, value in changes.items():
            data[key] = (
                {**data[key], **value}
                if isinstance(value, dict) and isinstance(data.get(key), dict)
                else value
            )
        try:
            return Suite(**data)
        except ValidationError as err:
            raise ConfigError(
                f"suite {self.name}: " + "; ".join(map(str, validation_problems(err, Suite)))
            ) from None


def load_suite(name_or_path: str | os.PathLike[str]) -> Suite:
    """Load and validate a suite by name (``evals/<name>.yaml`` on the asset path) or path; every problem
    is a line ``file:line: field: message`` of one ConfigError."""
    path = find_asset("evals", name_or_path)
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: a suite is a YAML mapping (dataset:, prompt:, generation:, scoring:, metrics:), "
            f"got {type(data).__name__}; see `help(rewardkit.evals.suite)`"
        )
    data.setdefault("name", path.stem)
    data["source"] = str(path)
    try:
        suite = Suite(**{str(k): v for k, v in data.items()})
        problems = scorer_problems(suite)
    except ValidationError as err:
        problems = validation_problems(err, Suite)
    if problems:
        lines = [
            f"{path}:{yaml_line(root, p.loc) or 1}: {field_path(p.loc) or '(suite)'}: {p.message}"
            for p in problems
        ]
        raise ConfigError(
            f"invalid suite {path}:\n  " + "\n  ".join(lines) + "\nFix these fields (the format is in "
            "`help(rewardkit.evals.suite)` and docs/harness.md)."
        ) from None
    return suite


def scorer_problems(suite: Suite) -> list[Problem]:
    """The scorers' names and configs checked against their registered classes (without building them:
    no model loads), so a bad key is reported at the suite's line."""
    from rewardkit.comparison import get_comparator_class
    from rewardkit.verifier import get_verifier_class

    s, problems = suite.scoring, []
    checks: list[tuple[FieldPath, Any, str | None, dict[str, Any]]] = [
        (("scoring",), get_verifier_class, s.verifier, s.config),
        (("scoring",), get_comparator_class, s.comparator, s.comparator_config),
    ]
    if s.selector is not None:
        checks.append((("scoring", "selector"), get_verifier_class, s.selector.verifier, s.selector.config))
    for where, lookup, name, config in checks:
        if name is None:
            continue
        key = "comparator" if lookup is get_comparator_class else "verifier"
        try:
            cls = lookup(name)
        except ConfigError as err:
            problems.append(Problem((*where, key), str(err)))
            continue
        try:
            cls.Config(**config)
        except ValidationError as err:
            prefix = (*where, "comparator_config" if key == "comparator" else "config")
            problems += validation_problems(err, cls.Config, prefix=prefix)
    return problems


def find_data(path: str, suite: Suite, data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The local file a suite's relative ``dataset.path`` names (see the module docs), or None."""
    given = Path(path).expanduser()
    if given.is_absolute():
        return given if given.exists() else None
    roots: list[Path] = []
    if data_dir is not None:
        roots.append(Path(data_dir))
    if os.environ.get(DATA_ENV):
        roots.extend(Path(p) for p in os.environ[DATA_ENV].split(os.pathsep) if p)
    if suite.source:
        roots.append(Path(suite.source).parent)
    roots.append(Path.cwd())
    for root in roots:
        if (root / given).exists():
            return root / given
    try:
        return find_asset("data", path)
    except ConfigError:
        return None


__all__ = [
    "DATA_ENV",
    "DatasetSpec",
    "FewShot",
    "GenerationSpec",
    "ModelSpec",
    "PromptSpec",
    "ScoringSpec",
    "Selector",
    "Suite",
    "find_data",
    "load_suite",
]
