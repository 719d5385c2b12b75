"""Best-of-N: pick one of N responses per prompt with any scorer, and report what the pick is worth.

One scoring pass with the *scorer* (a verifier, a reward spec, a PRM) and one with the *correctness*
verifier (default: ``math`` against each sample's reference) give, over the groups (the prompts):

- **selection accuracy**, per selection: the picked response is correct. The pick is the response with
  the highest ok value; a tie goes to the first of the tied responses in input order; a non-ok score
  never wins over an ok one. A group whose scores are all non-ok has no pick (it is counted in
  ``no_ok_score`` and as wrong, never given a silent pick). With ``aggregations``, scores that carry
  step scores (a PRM) are re-aggregated (:func:`rewardkit.types.aggregate`) into one selection per
  aggregation, so one scoring pass reports several;
- **majority vote**: the final answers (:func:`rewardkit.verifiers.math.extract_answer`) are grouped by
  math equivalence (:func:`~rewardkit.verifiers.math.verify`, not string equality; each answer joins the
  first earlier answer it equals, read as the gold). The largest cluster is the vote, and its first
  response's correctness is the vote's. A tie between the largest clusters is no majority and counts as
  wrong (``majority_ties``), as does a group where no response has an answer (``majority_no_answer``);
- **oracle pass@N**: any response of the group is correct;
- **mean**: the fraction of a group's responses that are correct, averaged over groups (what picking at
  random gets).

A response is *correct* when its correctness score is ok with a value of at least :data:`CORRECT_AT`
(the math verifier gives 1.0 or 0.0); a non-ok correctness score (no answer found) is wrong.

>>> from rewardkit import Sample, create_verifier
>>> samples = [
...     Sample("2 + 2 = 5. The answer is 5", group="q1", reference="4"),
...     Sample("2 + 2 = 4. The answer is 4", group="q1", reference="4"),
...     Sample("I think 4", group="q1", reference="4"),
...     Sample("no idea", group="q2", reference="7"),
...     Sample("The answer is 7", group="q2", reference="7"),
... ]
>>> report = best_of_n(samples, create_verifier("format", pattern="The answer is"))
>>> report.selections["value"].correct, report.majority_correct, report.oracle_correct, report.groups
(1, 2, 2, 2)
>>> round(report.mean, 3)  # (2/3 + 1/2) / 2
0.583
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rewardkit.errors import ConfigError, InputError, json_kind
from rewardkit.io import (
    DEFAULT_FIELDS,
    Fields,
    ProgressCallback,
    group_chunks,
    load_samples,
    output_row,
    raise_problems,
    read_records,
    to_sample,
)
from rewardkit.types import AGGREGATIONS, Sample, Score, Status, aggregate
from rewardkit.verifier import Verifier, checked_scores, create_verifier
from rewardkit.verifiers.math import extract_answer, parse_answer, verify_without_sympy

#: A correctness score is "correct" when ok and its value is at least this (1.0/0.0 verifiers, and specs
#: that add a small format bonus or penalty to a 1/0 correctness, both read right).
CORRECT_AT = 0.5

#: The aggregations a PRM's step scores can be re-aggregated with (``none`` is not one).
STEP_AGGREGATIONS: tuple[str, ...] = tuple(a for a in AGGREGATIONS if a != "none")

#: The name of the selection by the scorer's own value (no re-aggregation).
OWN_VALUE = "value"

NO_OK_SCORE = "no_ok_score"


@dataclass
class Selection:
    """The picks of one selection rule (the scorer's own value, or one step aggregation).

    ``picks[g]`` is the index (into the samples) of group g's pick, None for a group without an ok score;
    ``values[g]`` the winning value. ``ties`` counts groups whose top value was shared (the first won);
    ``without_steps`` counts ok scores that had no step scores to re-aggregate (their value was used).
    """

    name: str
    picks: list[int | None]
    values: list[float | None]
    correct: int
    no_ok_score: int
    ties: int
    without_steps: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.picks) if self.picks else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "no_ok_score": self.no_ok_score,
            "ties": self.ties,
            "without_steps": self.without_steps,
        }


@dataclass
class BonReport:
    """What :func:`best_of_n` found. ``to_dict()`` is the JSON report (numbers only); the per-sample scores,
    correctness and extracted answers stay on the object for writing the picked rows."""

    scorer: str
    correctness: str
    groups: int
    responses: int
    n_min: int
    n_max: int
    selections: dict[str, Selection]
    majority_correct: int
    majority_ties: int
    majority_no_answer: int
    oracle_correct: int
    mean: float
    scorer_status: dict[str, int]
    correctness_status: dict[str, int]
    group_keys: list[str] = field(repr=False, default_factory=list)
    members: list[list[int]] = field(repr=False, default_factory=list)
    scores: list[Score] = field(repr=False, default_factory=list)
    correct: list[bool] = field(repr=False, default_factory=list)
    answers: list[str | None] = field(repr=False, default_factory=list)
    majority_answers: list[str | None] = field(repr=False, default_factory=list)

    @property
    def n(self) -> int | None:
        """Responses per group when every group has the same number, else None."""
        return self.n_min if self.n_min == self.n_max else None

    @property
    def majority(self) -> float:
        return self.majority_correct / self.groups if self.groups else 0.0

    @property
    def oracle(self) -> float:
        return self.oracle_correct / self.groups if self.groups else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorer": self.scorer,
            "correctness": self.correctness,
            "n": self.n,
            "n_min": self.n_min,
            "n_max": self.n_max,
            "groups": self.groups,
            "responses": self.responses,
            "selection": {name: s.to_dict() for name, s in self.selections.items()},
            "majority_vote": {
                "accuracy": self.majority,
                "correct": self.majority_correct,
                "ties": self.majority_ties,
                "no_answer": self.majority_no_answer,
            },
            "oracle": {"accuracy": self.oracle, "correct": self.oracle_correct},
            "mean": self.mean,
            "scorer_status": self.scorer_status,
            "correctness_status": self.correctness_status,
            "correct_at": CORRECT_AT,
        }


# ------------------------------------------------------------------------------------------- input


def group_key(sample: Sample) -> str:
    """The group a response competes in: ``Sample.group``, else its prompt (as text); InputError when it
    has neither."""
    if sample.group is not None:
        return sample.group
    text = sample.prompt if isinstance(sample.prompt, str) else json.dumps(sample.prompt, sort_keys=True)
    if not text:
        raise InputError(
            'no "group" and no prompt: cannot tell which responses compete; give each row a group'
        )
    return "prompt:" + text


def load_responses(
    path: Path,
    fmt: str,
    fields: Fields = DEFAULT_FIELDS,
    responses_field: str | None = None,
    hint: str = "",
) -> tuple[list[dict[str, Any]], list[Sample]]:
    """Read a best-of-N file: its records and Samples, one per response, in order.

    Row per response (``responses_field`` None): as :func:`rewardkit.io.load_samples` reads it; each row
    needs a group or a prompt (:func:`group_key`). Row per prompt (``responses_field``: the field holding
    a list of response strings): each row becomes one record per response, with the response in
    ``fields.response``, the group set to the row's group, else its id, else its row number, and the id
    ``<row id or number>-<k>``. Raises one InputError listing every problem at ``file:line``.
    """
    if responses_field is None:
        records, samples = load_samples(path, fmt, fields, hint)
        problems = []
        for (where, _), sample in zip(read_records(path, fmt), samples, strict=True):
            try:
                group_key(sample)
            except InputError as err:
                problems.append(f"{where}: {err}")
        raise_problems(path, problems, hint)
        return records, samples
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    records, samples, problems, seen = [], [], [], {}
    id_key, group_keys = fields.id or "id", Fields.names(fields.group)
    for number, (where, row) in enumerate(read_records(path, fmt)):
        try:
            if isinstance(row, InputError):
                raise row
            if not isinstance(row, dict):
                raise InputError(f"expected an object with a {responses_field!r} list, got {json_kind(row)}")
            texts = row.get(responses_field)
            if not isinstance(texts, list) or not texts:
                got = "missing" if responses_field not in row else f"got {json_kind(texts)}"
                raise InputError(f'field "{responses_field}" must be a non-empty list of strings ({got})')
            bad = [k for k, text in enumerate(texts) if not isinstance(text, str)]
            if bad:
                raise InputError(
                    f'field "{responses_field}"[{bad[0]}] must be a string, got {json_kind(texts[bad[0]])}'
                )
            base = {k: v for k, v in row.items() if k != responses_field}
            owner = base.get(id_key, number)
            if str(owner) in seen:
                raise InputError(f"duplicate {id_key} {owner!r} (first at {seen[str(owner)]})")
            seen[str(owner)] = where
            group = next((base[k] for k in group_keys if base.get(k) is not None), owner)
            for k, text in enumerate(texts):
                record = {**base, fields.response: text, id_key: f"{owner}-{k}", "group": group}
                sample = to_sample(record, _with_group(fields), require_reference=True)
                records.append(record)
                samples.append(sample)
        except InputError as err:
            problems.append(f"{where}: {err}")
    raise_problems(path, problems, hint)
    return records, samples


def _with_group(fields: Fields) -> Fields:
    return Fields(
        fields.response, fields.prompt, fields.reference, fields.id, "group", fields.steps, fields.meta
    )


def parse_options(options: Sequence[str]) -> dict[str, Any]:
    """``["key=value", ...]`` -> config keywords; each value is read as YAML (``0.5``, ``true``, ``[a, b]``,
    text otherwise).

    >>> parse_options(["pattern=The answer is", "threshold=0.5", "flags=[ignorecase]"])
    {'pattern': 'The answer is', 'threshold': 0.5, 'flags': ['ignorecase']}
    """
    config: dict[str, Any] = {}
    for option in options:
        key, sep, text = option.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--option {option!r}: expected key=value (e.g. --option threshold=0.5)")
        try:
            value = yaml.safe_load(text) if text.strip() else text
        except yaml.YAMLError:
            value = text
        config[key.strip()] = value if value is not None else text
    return config


def scorer_name(verifier: Any) -> str:
    """A scorer's name for reports: a spec's name, else the verifier's registered name."""
    config = getattr(verifier, "config", None)
    return getattr(config, "name", "") or getattr(verifier, "name", "") or type(verifier).__name__


# ----------------------------------------------------------------------------------------- scoring


def _score_all(
    verifier: Verifier,
    samples: list[Sample],
    chunk_size: int,
    tick: ProgressCallback | None,
    done: int,
    total: int,
) -> list[Score]:
    scores: list[Score | None] = [None] * len(samples)
    for chunk in group_chunks(list(enumerate(samples)), chunk_size):
        result = checked_scores(
            verifier.score_batch([s for _, s in chunk]), len(chunk), scorer_name(verifier)
        )
        for (i, _), score in zip(chunk, result, strict=True):
            scores[i] = score
        done += len(chunk)
        if tick is not None:
            tick(done, total)
    return scores  # type: ignore[return-value]


def selection_value(score: Score, aggregation: str | None, threshold: float = 0.5) -> float | None:
    """The value a selection compares: None for a non-ok score; the score's value, or, with an
    aggregation and step scores, the step values aggregated (a step without a value: None)."""
    if not score.ok:
        return None
    if aggregation is None or not score.steps:
        return score.value
    values = [s.value for s in score.steps]
    if any(v is None for v in values):
        return None
    return aggregate(values, aggregation, threshold)  # type: ignore[arg-type]


def pick(values: Sequence[float | None]) -> tuple[int | None, bool]:
    """The position of the highest value (None values never win), and whether it was tied; the first of
    tied values wins. ``(None, False)`` when every value is None.

    >>> pick([0.2, None, 0.9, 0.9]), pick([None, None])
    ((2, True), (None, False))
    """
    best: int | None = None
    tied = False
    for i, value in enumerate(values):
        if value is None:
            continue
        if best is None or value > values[best]:  # type: ignore[operator]
            best, tied = i, False
        elif value == values[best]:
            tied = True
    return best, tied


def _equivalences(
    groups: list[list[int]], answers: list[str | None], pool_verifier: Verifier
) -> set[tuple[int, int]]:
    """Pairs (i, j), i before j in one group, whose answers are equal with i's read as the gold. Plain
    answers are decided here; the rest by the math verifier (its worker pool, under its deadline)."""
    equal: set[tuple[int, int]] = set()
    pending: list[tuple[int, int]] = []
    for members in groups:
        have = [i for i in members if answers[i] is not None]
        for a, i in enumerate(have):
            for j in have[a + 1 :]:
                gold, pred = answers[i] or "", answers[j] or ""
                if gold == pred:
                    equal.add((i, j))
                    continue
                try:
                    verdict = verify_without_sympy(parse_answer(gold, gold=True), parse_answer(pred))
                except Exception:  # the verifier in its worker pool will decide (and report) it
                    verdict = None
                if verdict is None:
                    pending.append((i, j))
                elif verdict:
                    equal.add((i, j))
    if pending:
        probes = [Sample(f"\\boxed{{{answers[j]}}}", reference=answers[i]) for i, j in pending]
        scores = checked_scores(pool_verifier.score_batch(probes), len(probes), "math")
        equal.update(
            pair for pair, score in zip(pending, scores, strict=True) if score.ok and score.value == 1.0
        )
    return equal


def majority_clusters(
    members: list[int], answers: list[str | None], equal: set[tuple[int, int]]
) -> list[list[int]]:
    """The answered members of a group, clustered: each joins the first cluster whose first member's
    answer it equals (``(first, it)`` in ``equal``), else starts one. Largest first; ties keep input order."""
    clusters: list[list[int]] = []
    for j in members:
        if answers[j] is None:
            continue
        home = next((c for c in clusters if (c[0], j) in equal), None)
        if home is None:
            clusters.append([j])
        else:
            home.append(j)
    return sorted(clusters, key=len, reverse=True)


def best_of_n(
    samples: Sequence[Sample],
    scorer: Verifier,
    *,
    correctness: Verifier | None = None,
    aggregations: Sequence[str] = (),
    threshold: float = 0.5,
    chunk_size: int = 256,
    progress: ProgressCallback | None = None,
) -> BonReport:
    """Score ``samples`` (N per group: :func:`group_key`) with ``scorer`` and ``correctness`` (default: the
    math verifier) and report selection, majority vote, oracle and mean accuracy (see the module doc).

    ``aggregations`` (any of :data:`STEP_AGGREGATIONS`): one selection per aggregation of the step scores
    (``threshold``: for ``first_error``) instead of the scorer's own value; a ConfigError when no ok
    score has step scores. ``progress(done, total)`` follows both scoring passes (total: 2 x samples).
    """
    samples = list(samples)
    if not samples:
        raise InputError("no responses to choose from")
    for how in aggregations:
        if how not in STEP_AGGREGATIONS:
            raise ConfigError(f"unknown aggregation {how!r}; one of {', '.join(STEP_AGGREGATIONS)}")
    keys: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        try:
            keys.setdefault(group_key(sample), []).append(i)
        except InputError as err:
            raise InputError(f"sample {sample.id or i}: {err}") from None
    math_verifier = create_verifier("math")
    judge = correctness or math_verifier
    total = 2 * len(samples)
    if progress is not None:
        progress(0, total)
    scores = _score_all(scorer, samples, chunk_size, progress, 0, total)
    verdicts = _score_all(judge, samples, chunk_size, progress, len(samples), total)
    correct = [v.ok and v.value is not None and v.value >= CORRECT_AT for v in verdicts]
    members = list(keys.values())

    rules: list[str | None] = list(dict.fromkeys(aggregations)) or [None]  # type: ignore[arg-type]
    if aggregations and not any(s.ok and s.steps for s in scores):
        raise ConfigError(
            f"--aggregation re-aggregates step scores, but no ok score of {scorer_name(scorer)!r} has any; "
            "use a process reward (PRM) scorer, or leave --aggregation out"
        )
    selections: dict[str, Selection] = {}
    for rule in rules:
        picks, values, right, empty, ties = [], [], 0, 0, 0
        for group in members:
            found, tied = pick([selection_value(scores[i], rule, threshold) for i in group])
            index = None if found is None else group[found]
            picks.append(index)
            values.append(None if index is None else selection_value(scores[index], rule, threshold))
            empty += index is None
            ties += tied
            right += index is not None and correct[index]
        without = sum(1 for s in scores if rule is not None and s.ok and not s.steps)
        name = rule or OWN_VALUE
        selections[name] = Selection(name, picks, values, right, empty, ties, without)

    answers: list[str | None] = []
    for sample in samples:
        found = extract_answer(sample.response[-20000:])
        answers.append(found.text if found and found.text else None)
    equal = _equivalences(members, answers, math_verifier)
    majority_correct = ties = no_answer = 0
    majority_answers: list[str | None] = []
    for group in members:
        clusters = majority_clusters(group, answers, equal)
        if not clusters:
            no_answer += 1
            majority_answers.append(None)
        elif len(clusters) > 1 and len(clusters[0]) == len(clusters[1]):
            ties += 1
            majority_answers.append(None)
        else:
            majority_answers.append(answers[clusters[0][0]])
            majority_correct += correct[clusters[0][0]]
    sizes = [len(g) for g in members]
    return BonReport(
        scorer=scorer_name(scorer),
        correctness=scorer_name(judge),
        groups=len(members),
        responses=len(samples),
        n_min=min(sizes),
        n_max=max(sizes),
        selections=selections,
        majority_correct=majority_correct,
        majority_ties=ties,
        majority_no_answer=no_answer,
        oracle_correct=sum(any(correct[i] for i in g) for g in members),
        mean=math.fsum(sum(correct[i] for i in g) / len(g) for g in members) / len(members),
        scorer_status=dict(Counter(s.status.value for s in scores)),
        correctness_status=dict(Counter(v.status.value for v in verdicts)),
        group_keys=list(keys),
        members=members,
        scores=scores,
        correct=correct,
        answers=answers,
        majority_answers=majority_answers,
    )


def picked_rows(report: BonReport, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One output row per group and selection: the picked response's record with its score
    (:func:`rewardkit.io.output_row`) and a ``bon`` object (selection, group, picked, index in the
    group, n, value, correct, majority answer). ``reward``, ``status`` and ``aggregation`` are the scorer's
    own Score; ``bon.value`` is the value this selection compared (the step scores re-aggregated by
    ``bon.selection`` for an aggregation). A group without an ok score gets its first response's record
    and score, with ``picked: false`` and status ``no_ok_score`` in ``bon``."""
    rows = []
    for name, selection in report.selections.items():
        for g, group in enumerate(report.members):
            index = selection.picks[g]
            chosen = group[0] if index is None else index
            row = output_row(dict(records[chosen]), report.scores[chosen])
            row["bon"] = {
                "selection": name,
                "group": report.group_keys[g],
                "picked": index is not None,
                "status": Status.OK.value if index is not None else NO_OK_SCORE,
                "index": group.index(chosen),
                "n": len(group),
                "value": selection.values[g],
                "correct": index is not None and report.correct[index],
                "answer": report.answers[chosen],
                "majority_answer": report.majority_answers[g],
            }
            rows.append(row)
    return rows


__all__ = [
    "CORRECT_AT",
    "OWN_VALUE",
    "STEP_AGGREGATIONS",
    "BonReport",
    "Selection",
    "best_of_n",
    "group_key",
    "load_responses",
    "majority_clusters",
    "parse_options",
    "pick",
    "picked_rows",
    "scorer_name",
    "selection_value",
]
