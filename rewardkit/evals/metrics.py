"""The harness's metrics: a registry of them, their exact definitions, bootstrap CIs, per-subset tables.

A metric reads the rows of a run's ``samples.jsonl`` (see the run-directory contract in
docs/harness.md), grouped into **docs**: one list of rows per ``"doc"``, sorted by ``"sample"``
(:func:`group_docs`). It reports one number (``value``; None when nothing could be measured, with a
``reason``), how many docs it counted (``n``) and how many rows it left out and why (``excluded``,
``excluded_why``): a row that could not be decided (``correct``/``value``/``winner``/``prediction``
null, e.g. because the scorer failed) is never a silent 0; it is left out and counted under its status.

Metrics are found by name in :data:`METRICS` (built-ins, the ``rewardkit.metrics`` entry points, and
classes registered with :func:`register_metric`) and built from a spec by :func:`parse_metric`:
``"accuracy"``, ``"pass@4"`` (= ``{"name": "pass@k", "k": 4}``), ``"maj@8"``, ``"best_of_4"`` /
``"best_of_n"``, or a dict of the name and its params (``"label"`` in a dict renames the result).

>>> rows = [
...     {"doc": 0, "sample": 0, "status": "ok", "correct": True, "answer": "4", "value": 0.9},
...     {"doc": 0, "sample": 1, "status": "ok", "correct": False, "answer": "5", "value": 0.2},
...     {"doc": 1, "sample": 0, "status": "error", "correct": None, "answer": None, "value": None},
...     {"doc": 1, "sample": 1, "status": "ok", "correct": True, "answer": "7", "value": 0.5},
... ]
>>> out = compute_metrics(rows, ["accuracy", "pass@2", "best_of_n"], ci=False)
>>> out["accuracy"]["value"], out["accuracy"]["excluded"], out["accuracy"]["excluded_why"]
(0.75, 1, {'error': 1})
>>> out["pass@2"]["value"], out["pass@2"]["n"], out["best_of_n"]["value"]
(1.0, 1, 1.0)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from rewardkit.bon import pick
from rewardkit.errors import ConfigError, InputError, json_kind
from rewardkit.prm.processbench import processbench_f1
from rewardkit.registry import Configurable, Registry, StrictConfig

ENTRY_POINT_GROUP = "rewardkit.metrics"

Row = Mapping[str, Any]
Doc = Sequence[Row]

#: Above this many distinct per-doc values (and N/16), resampling gathers indices instead of drawing
#: multinomial counts of the distinct values (both are the exact bootstrap).
MULTINOMIAL_MAX_DISTINCT = 1024


# ------------------------------------------------------------------------------------------- rows


def group_docs(rows: Iterable[Row]) -> list[list[Row]]:
    """Rows -> docs: one list per ``"doc"`` (in doc order), each sorted by ``"sample"``. A row without an
    integer ``doc`` or ``sample``, or a repeated ``(doc, sample)``, is an InputError naming it."""
    by_doc: dict[int, list[Row]] = {}
    seen: set[tuple[int, int]] = set()
    problems: list[str] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append(f"row {i}: expected an object (got {json_kind(row)})")
            continue
        bad = [
            f"row {i}: field {key!r}: expected an integer (got {row.get(key)!r})"
            for key in ("doc", "sample")
            if not isinstance(row.get(key), int) or isinstance(row.get(key), bool)
        ]
        if bad:
            problems += bad
            continue
        where = (row["doc"], row["sample"])
        if where in seen:
            problems.append(f"row {i}: a second row for doc {where[0]}, sample {where[1]}")
            continue
        seen.add(where)
        by_doc.setdefault(row["doc"], []).append(row)
    if problems:
        shown = problems[:10] + ([f"... and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise InputError(
            f"{len(problems)} problem(s) in the sample rows; no metric was computed:\n" + "\n".join(shown)
        )
    return [sorted(by_doc[d], key=lambda r: r["sample"]) for d in sorted(by_doc)]


def _why(row: Row, field_name: str) -> str:
    """Why a row is left out: its status when not ok, else the field that is null."""
    status = row.get("status") or "ok"
    return str(status) if status != "ok" else f"{field_name} is null"


@dataclass
class DocResult:
    """One doc's share of a per-doc metric: its value (None: the doc is left out), the rows left out by
    why, and counted notes (``ties``, ``no_pick``...)."""

    value: float | None
    excluded: Mapping[str, int] | None = None
    notes: Mapping[str, int] | None = None


def _count(counts: dict[str, int] | None, key: str, by: int = 1) -> dict[str, int]:
    """``counts`` (a new dict when None) with ``key`` counted ``by`` more."""
    counts = {} if counts is None else counts
    counts[key] = counts.get(key, 0) + by
    return counts


# ----------------------------------------------------------------------------------------- metrics


class Metric(Configurable):
    """A metric: ``name``, validated params (``Config``), and :meth:`measure` (the value and its counts).

    ``tasks``: the run tasks it applies to (None: any); ``fields``: the row fields it reads. A metric
    whose value is the mean over docs of a per-doc value subclasses :class:`MeanMetric` (its bootstrap is
    vectorised); any other overrides :meth:`measure` (and may override :meth:`bootstrap_values`)."""

    tasks: ClassVar[tuple[str, ...] | None] = None
    fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, label: str | None = None, **params: Any) -> None:
        super().__init__(**params)
        self._label = label

    @property
    def label(self) -> str:
        """The key of this metric's result: the name, with params that differ from their defaults
        (``pairwise_accuracy(tie=0.0)``) unless a label was given."""
        if self._label:
            return self._label
        fields = type(self.config).model_fields
        changed = {
            k: v for k, v in self.config_dict().items() if fields[k].is_required() or fields[k].default != v
        }
        if not changed:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

    def measure(self, docs: Sequence[Doc]) -> dict[str, Any]:
        """``{"value", "n", "excluded", "excluded_why", ...}`` (``reason`` when value is None)."""
        raise NotImplementedError

    def value(self, docs: Sequence[Doc]) -> float | None:
        """The metric's value on these docs (None: nothing could be measured)."""
        return self.measure(docs)["value"]

    def measure_with_ci(
        self,
        docs: Sequence[Doc],
        *,
        ci: bool = True,
        resamples: int = 1000,
        seed: int = 0,
        alpha: float = 0.05,
    ) -> tuple[dict[str, Any], tuple[float, float] | None]:
        """:meth:`measure` and, with ``ci`` and a value, :func:`bootstrap_ci` (one pass where it can)."""
        result = self.measure(docs)
        if not ci or result["value"] is None:
            return result, None
        return result, bootstrap_ci(docs, self, resamples, seed, alpha)

    def bootstrap_values(self, docs: Sequence[Doc], resamples: int, rng: np.random.Generator) -> np.ndarray:
        """The value on ``resamples`` resamples of ``docs`` (drawn with replacement), NaN where None.
        Generic: recompute :meth:`value` on each resample."""
        out = np.full(resamples, np.nan)
        n = len(docs)
        for r in range(resamples):
            picked = rng.integers(0, n, size=n)
            value = self.value([docs[i] for i in picked])
            if value is not None:
                out[r] = value
        return out

    def missing_fields(self, docs: Sequence[Doc]) -> list[str]:
        """The fields this metric reads that no row has (a metric of another task's rows)."""
        return [f for f in self.fields if not any(f in row for doc in docs for row in doc)]

    def nothing_to_measure(self, docs: Sequence[Doc]) -> dict[str, Any] | None:
        """The result when there is nothing to measure (no rows, or rows of another task)."""
        if not docs:
            return {"value": None, "n": 0, "excluded": 0, "excluded_why": {}, "reason": "no rows"}
        missing = self.missing_fields(docs)
        if missing:
            task = f" (a metric of {'/'.join(self.tasks)} runs)" if self.tasks else ""
            reason = f"the rows have no {', '.join(map(repr, missing))} field{task}"
            return {"value": None, "n": 0, "excluded": 0, "excluded_why": {}, "reason": reason}
        return None

    def __repr__(self) -> str:
        return f"<metric {self.label}>"


class MeanMetric(Metric):
    """A metric whose value is the mean over docs of :meth:`per_doc` (docs whose value is None are left
    out). Subclasses implement :meth:`judge`; ``notes`` are the counters always reported (0 included)."""

    notes: ClassVar[tuple[str, ...]] = ()

    def judge(self, doc: Doc) -> DocResult:
        raise NotImplementedError

    def per_doc(self, doc: Doc) -> float | None:
        """This doc's value (None: the doc is left out)."""
        return self.judge(doc).value

    def no_value_reason(self, docs: Sequence[Doc], excluded: Counter[str]) -> str:
        shown = ", ".join(f"{why}: {n}" for why, n in sorted(excluded.items()))
        return f"no doc could be scored ({shown or 'no rows'})"

    def tally(self, docs: Sequence[Doc]) -> tuple[list[float], Counter[str], Counter[str]]:
        """One pass over the docs: the values of the docs that have one, the rows left out by why, and
        the notes (every one of :attr:`notes`, 0 included)."""
        values: list[float] = []
        excluded: Counter[str] = Counter()
        notes: Counter[str] = Counter(dict.fromkeys(self.notes, 0))
        for doc in docs:
            result = self.judge(doc)
            if result.excluded:
                excluded.update(result.excluded)
            if result.notes:
                notes.update(result.notes)
            if result.value is not None:
                values.append(result.value)
        return values, excluded, notes

    def measure(self, docs: Sequence[Doc]) -> dict[str, Any]:
        return self.measure_with_ci(docs, ci=False)[0]

    def measure_with_ci(
        self,
        docs: Sequence[Doc],
        *,
        ci: bool = True,
        resamples: int = 1000,
        seed: int = 0,
        alpha: float = 0.05,
    ) -> tuple[dict[str, Any], tuple[float, float] | None]:
        empty = self.nothing_to_measure(docs)
        if empty is not None:
            return empty, None
        values, excluded, notes = self.tally(docs)
        value = math.fsum(values) / len(values) if values else None
        out: dict[str, Any] = {
            "value": value,
            "n": len(values),
            "excluded": sum(excluded.values()),
            "excluded_why": dict(sorted(excluded.items())),
            "docs_excluded": len(docs) - len(values),
            **{k: notes[k] for k in sorted(notes)},
        }
        if value is None:
            out["reason"] = self.no_value_reason(docs, excluded)
            return out, None
        if not ci:
            return out, None
        rng = np.random.default_rng(seed)
        return out, percentile_interval(self.resample_means(values, resamples, rng), alpha)

    @staticmethod
    def resample_means(values: Sequence[float], resamples: int, rng: np.random.Generator) -> np.ndarray:
        """The means of ``resamples`` bootstrap resamples of ``values`` (NaN when there are none)."""
        if not len(values):
            return np.full(resamples, np.nan)
        return resample_sums(np.asarray(values, dtype=float)[:, None], resamples, rng)[:, 0] / len(values)

    def bootstrap_values(self, docs: Sequence[Doc], resamples: int, rng: np.random.Generator) -> np.ndarray:
        """Vectorised: the means of resampled per-doc values (docs without a value are left out first)."""
        return self.resample_means(self.tally(docs)[0], resamples, rng)


class SampleCountMetric(MeanMetric):
    """A per-doc metric over the first ``k`` samples of each doc: a doc with fewer is left out, and when
    every doc has fewer the value is None with a reason that says to run more samples."""

    def needed(self) -> int | None:
        raise NotImplementedError

    def no_value_reason(self, docs: Sequence[Doc], excluded: Counter[str]) -> str:
        k, most = self.needed(), max((len(doc) for doc in docs), default=0)
        if k is not None and most < k:
            return f"{self.label} needs at least {k} samples per doc; this run has at most {most}: run with n >= {k}"
        return super().no_value_reason(docs, excluded)


# ----------------------------------------------------------------------------- accuracy, pass@k


class Accuracy(MeanMetric):
    """``accuracy``: the mean over docs of the share of the doc's samples whose ``correct`` is true. Rows
    whose ``correct`` is null (undecided: the scorer failed) are left out and counted; a doc with no
    decided row is left out. With one sample per doc: the share of correct docs."""

    name = "accuracy"
    fields = ("correct",)

    def judge(self, doc: Doc) -> DocResult:
        decided, hits, excluded = decided_samples(doc)
        return DocResult(hits / decided if decided else None, excluded)


def decided_samples(doc: Doc) -> tuple[int, int, dict[str, int] | None]:
    """How many of the doc's rows are decided (``correct`` not null), how many of those are correct, and
    the undecided rows by why (None: there are none)."""
    decided = hits = 0
    excluded = None
    for row in doc:
        correct = row.get("correct")
        if correct is None:
            excluded = _count(excluded, _why(row, "correct"))
        else:
            decided += 1
            hits += bool(correct)
    return decided, hits, excluded


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimate for one doc with ``n`` samples, ``c`` of them correct (Chen et al.
    2021): ``1 - C(n-c, k) / C(n, k)``, computed as ``1 - prod_{i=n-c+1}^{n} (1 - k/i)``; exactly 1.0
    when ``n - c < k`` and 0.0 when ``c == 0``. Needs ``0 <= c <= n`` and ``1 <= k <= n``."""
    if not (0 <= c <= n and 1 <= k <= n):
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    if c == 0:
        return 0.0
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


class KConfig(StrictConfig):
    k: int = Field(ge=1)


class PassAtK(SampleCountMetric):
    """``pass@k`` (param ``k``): the mean over docs of :func:`pass_at_k` with ``n`` = the doc's decided
    samples (``correct`` not null) and ``c`` = the correct ones. Undecided rows are left out and
    counted; a doc with fewer than ``k`` decided samples is left out (its rows counted under
    ``fewer than k decided samples``); when every doc has fewer than ``k`` samples the value is None
    and the reason says so."""

    name = "pass@k"
    tasks = ("generate",)
    fields = ("correct",)
    Config = KConfig

    @property
    def label(self) -> str:
        return self._label or f"pass@{self.config.k}"

    def needed(self) -> int:
        return self.config.k

    def judge(self, doc: Doc) -> DocResult:
        decided, hits, excluded = decided_samples(doc)
        if decided < self.config.k:
            if decided:
                excluded = _count(excluded, "fewer than k decided samples", decided)
            return DocResult(None, excluded)
        return DocResult(pass_at_k(decided, hits, self.config.k), excluded)


# -------------------------------------------------------------------------------------------- maj@k


class MajAtK(SampleCountMetric):
    """``maj@k`` (param ``k``): a vote over the extracted ``answer`` of each doc's first ``k`` samples
    (by sample index). Answers are compared by :meth:`answer_key` (the string, stripped; override it in
    a subclass for another equality). The doc scores 1 when the answer with the most votes is correct,
    taking ``correct`` from most of the voting rows with that answer (they agree unless a scorer is
    inconsistent); 0 when it is wrong, when two or more
    answers tie for the most votes (no majority: counted in ``ties``), or when no row has an answer
    (``no_votes``). Rows with a null ``answer`` do not vote (counted in ``no_answer``); rows with a
    null ``correct`` are left out (counted) and do not vote; a doc whose first ``k`` rows are all left
    out, whose majority answer is undecided, or with fewer than ``k`` samples is left out."""

    name = "maj@k"
    tasks = ("generate",)
    fields = ("answer", "correct")
    Config = KConfig
    notes = ("ties", "no_votes", "no_answer")

    @property
    def label(self) -> str:
        return self._label or f"maj@{self.config.k}"

    def needed(self) -> int:
        return self.config.k

    def answer_key(self, answer: Any) -> str:
        """What two answers must share to be one vote."""
        return str(answer).strip()

    def judge(self, doc: Doc) -> DocResult:
        k = self.config.k
        if len(doc) < k:
            return DocResult(None, {"fewer than k samples": len(doc)})
        first = doc[:k]
        excluded = Counter(_why(r, "correct") for r in first if r.get("correct") is None)
        decided = [r for r in first if r.get("correct") is not None]
        if not decided:
            return DocResult(None, excluded)
        voters = [r for r in decided if r.get("answer") is not None]
        notes = Counter(no_answer=len(decided) - len(voters))
        if not voters:
            notes["no_votes"] += 1
            return DocResult(0.0, excluded, notes)
        votes = Counter(self.answer_key(r["answer"]) for r in voters)
        (top, most), *rest = votes.most_common()
        if rest and rest[0][1] == most:
            notes["ties"] += 1
            return DocResult(0.0, excluded, notes)
        group = [r for r in voters if self.answer_key(r["answer"]) == top]
        right = sum(bool(r["correct"]) for r in group)  # one voted answer is judged by most of its rows
        return DocResult(1.0 if 2 * right > len(group) else 0.0, excluded, notes)


# ---------------------------------------------------------------------------------------- best-of-n


class BestOfNConfig(StrictConfig):
    n: int | None = Field(default=None, ge=1)


class BestOfN(SampleCountMetric):
    """``best_of_n`` (param ``n``, default: all samples): among each doc's first ``n`` samples pick the
    one with the highest ``select_value`` (the suite's ``scoring.selector``) or, without a selector, ``value``
    (a null value is never picked; a tie goes to the first,
    :func:`rewardkit.bon.pick`); the doc scores 1 when the picked row's ``correct`` is true. A doc where
    no row has a value picks nothing and scores 0 (counted in ``no_pick``, as :mod:`rewardkit.bon`
    does); a doc whose pick is undecided (``correct`` null) or with fewer than ``n`` samples is left
    out and counted."""

    name = "best_of_n"
    tasks = ("generate",)
    fields = ("value", "correct")
    Config = BestOfNConfig
    notes = ("no_pick", "no_value")

    @property
    def label(self) -> str:
        return self._label or (f"best_of_{self.config.n}" if self.config.n else "best_of_n")

    def needed(self) -> int | None:
        return self.config.n

    def judge(self, doc: Doc) -> DocResult:
        n = self.config.n or len(doc)
        if len(doc) < n:
            return DocResult(None, {"fewer than n samples": len(doc)})
        first = doc[:n]
        if any("select_value" in r for r in first):  # the suite's selector scored the samples
            values = [r.get("select_value") for r in first]
        else:
            values = [r.get("value") if (r.get("status") or "ok") == "ok" else None for r in first]
        notes = Counter(no_value=sum(v is None for v in values))
        best, _ = pick(values)
        if best is None:
            notes["no_pick"] += 1
            return DocResult(0.0, None, notes)
        picked = first[best]
        if picked.get("correct") is None:
            return DocResult(None, {"picked row's correct is null": 1}, notes)
        return DocResult(1.0 if picked["correct"] else 0.0, None, notes)


# ------------------------------------------------------------------------------------------- scores


class MeanScore(MeanMetric):
    """``mean_score``: the mean over docs of the mean ``value`` of the doc's ok rows. Rows that are not
    ok (or have a null value) are left out and counted; a doc with none left is left out."""

    name = "mean_score"
    fields = ("value",)

    def judge(self, doc: Doc) -> DocResult:
        ok: list[float] = []
        excluded = None
        for row in doc:
            value = row.get("value")
            if value is None or (row.get("status") or "ok") != "ok":
                excluded = _count(excluded, _why(row, "value"))
            else:
                ok.append(float(value))
        if not ok:
            return DocResult(None, excluded)
        return DocResult(ok[0] if len(ok) == 1 else math.fsum(ok) / len(ok), excluded)


# ----------------------------------------------------------------------------------------- pairwise

#: How a pairwise row's ``winner`` reads for the evaluated side ("chosen" / "A" is the evaluated side).
WINNERS = {
    "chosen": "win",
    "a": "win",
    "rejected": "loss",
    "b": "loss",
    "tie": "tie",
    "inconsistent": "inconsistent",
}


def winner_outcome(row: Row) -> str | None:
    """``"win"``, ``"loss"``, ``"tie"`` or ``"inconsistent"`` for a row's ``winner`` (None when null); any
    other winner is an InputError naming the row."""
    winner = row.get("winner")
    if winner is None:
        return None
    outcome = WINNERS.get(str(winner).lower()) if isinstance(winner, str) else None
    if outcome is None:
        raise InputError(
            f"row {row.get('key', '?')}: field 'winner': {winner!r} is not one of "
            "chosen, rejected, tie, inconsistent, A, B (or null)"
        )
    return outcome


class PairwiseConfig(StrictConfig):
    tie: float = Field(default=0.5, ge=0.0, le=1.0)
    inconsistent: float = Field(default=0.5, ge=0.0, le=1.0)


class PairwiseAccuracy(MeanMetric):
    """``pairwise_accuracy`` (params ``tie`` = 0.5, ``inconsistent`` = 0.5): each pairwise row earns 1
    when the winner is ``chosen`` (or ``A``), 0 when ``rejected`` (or ``B``), ``tie`` for a tie and
    ``inconsistent`` when the two presentation orders disagreed; the value is the mean over docs of
    the mean credit of the doc's rows. Rows whose winner is null (the judge failed) are left out and
    counted; ``ties`` and ``inconsistent`` count rows."""

    name = "pairwise_accuracy"
    tasks = ("pairwise",)
    fields = ("winner",)
    Config = PairwiseConfig
    notes = ("ties", "inconsistent")

    def credit(self, outcome: str) -> float:
        return {"win": 1.0, "loss": 0.0, "tie": self.config.tie, "inconsistent": self.config.inconsistent}[
            outcome
        ]

    def judge(self, doc: Doc) -> DocResult:
        credits, excluded, notes = [], Counter(), Counter()
        for row in doc:
            outcome = winner_outcome(row)
            if outcome is None:
                excluded[_why(row, "winner")] += 1
                continue
            notes["ties"] += outcome == "tie"
            notes["inconsistent"] += outcome == "inconsistent"
            credits.append(self.credit(outcome))
        return DocResult(math.fsum(credits) / len(credits) if credits else None, excluded, notes)


class WinRate(MeanMetric):
    """``win_rate``: the tie-adjusted win rate of the evaluated side (``chosen`` / ``A``) against the
    other (a reference model): ``(wins + 0.5 * ties) / (wins + losses + ties)`` over a doc's rows, then
    the mean over docs (with one row per doc: over all rows). ``inconsistent`` (the two presentation
    orders disagreed) counts as a tie. Rows whose winner is null are left out and counted; ``wins``,
    ``losses``, ``ties`` (inconsistent included) and ``inconsistent`` count rows."""

    name = "win_rate"
    tasks = ("pairwise", "generate")  # generate: against dataset.baseline by scoring.comparator
    fields = ("winner",)
    notes = ("wins", "losses", "ties", "inconsistent")

    def judge(self, doc: Doc) -> DocResult:
        excluded, notes = Counter(), Counter()
        for row in doc:
            outcome = winner_outcome(row)
            if outcome is None:
                excluded[_why(row, "winner")] += 1
            elif outcome == "win":
                notes["wins"] += 1
            elif outcome == "loss":
                notes["losses"] += 1
            else:
                notes["ties"] += 1
                notes["inconsistent"] += outcome == "inconsistent"
        total = notes["wins"] + notes["losses"] + notes["ties"]
        value = (notes["wins"] + 0.5 * notes["ties"]) / total if total else None
        return DocResult(value, excluded, notes)


# -------------------------------------------------------------------------------------- ProcessBench


class ProcessBenchConfig(StrictConfig):
    failed: Literal["exclude", "wrong"] = "exclude"


class ProcessBenchF1(Metric):
    """``processbench_f1`` (param ``failed``): ProcessBench's F1 over the process rows,
    :func:`rewardkit.prm.processbench.processbench_f1` of their ``prediction`` and ``label``: the
    harmonic mean of the accuracy on erroneous items (``label >= 0``, ``prediction == label``) and on
    correct ones (``label == -1``, ``prediction == -1``). A row whose prediction is null (the PRM or
    critic failed) is left out and counted (``failed="exclude"``, the default) or counted wrong
    (``failed="wrong"``, as ProcessBench's scripts do for an unparseable critic answer); ``failed``
    counts them either way. The value is None when one side has no item. Extras: ``error_acc``,
    ``correct_acc``, ``n_error``, ``n_correct``."""

    name = "processbench_f1"
    tasks = ("process",)
    fields = ("label", "prediction")
    Config = ProcessBenchConfig

    def items(self, doc: Doc) -> tuple[list[tuple[int | None, int]], Counter[str]]:
        """The doc's (prediction, label) items, and the rows left out by why."""
        items, excluded = [], Counter()
        for row in doc:
            label = row.get("label")
            if not isinstance(label, int) or isinstance(label, bool):
                raise InputError(
                    f"row {row.get('key', '?')}: field 'label': expected an integer (got {label!r})"
                )
            prediction = row.get("prediction")
            if prediction is None and self.config.failed == "exclude":
                excluded[_why(row, "prediction")] += 1
                continue
            items.append((prediction, label))
        return items, excluded

    def measure(self, docs: Sequence[Doc]) -> dict[str, Any]:
        empty = self.nothing_to_measure(docs)
        if empty is not None:
            return empty
        items, excluded, counted = [], Counter(), 0
        for doc in docs:
            found, why = self.items(doc)
            items += found
            excluded.update(why)
            counted += bool(found)
        failed = sum(1 for doc in docs for row in doc if row.get("prediction") is None)
        scores = processbench_f1([p for p, _ in items], [label for _, label in items])
        out: dict[str, Any] = {
            "value": scores["f1"],
            "n": counted,
            "excluded": sum(excluded.values()),
            "excluded_why": dict(sorted(excluded.items())),
            "error_acc": scores["error_acc"],
            "correct_acc": scores["correct_acc"],
            "n_error": scores["n_error"],
            "n_correct": scores["n_correct"],
            "failed": failed,
        }
        if scores["f1"] is None:
            side = "erroneous (label >= 0)" if not scores["n_error"] else "correct (label == -1)"
            out["reason"] = f"no {side} item was scored: F1 needs both kinds"
        return out

    def doc_totals(self, doc: Doc) -> tuple[int, int, int, int]:
        """(hits on erroneous items, erroneous items, hits on correct items, correct items) of a doc."""
        items, _ = self.items(doc)
        error = [(p, label) for p, label in items if label != -1]
        correct = [p for p, label in items if label == -1]
        return (
            sum(p == label for p, label in error),
            len(error),
            sum(p == -1 for p in correct),
            len(correct),
        )

    def bootstrap_values(self, docs: Sequence[Doc], resamples: int, rng: np.random.Generator) -> np.ndarray:
        """Vectorised: resampled sums of :meth:`doc_totals`, then the F1 of each."""
        totals = np.asarray([t for t in (self.doc_totals(doc) for doc in docs) if t[1] or t[3]], dtype=float)
        if not len(totals):
            return np.full(resamples, np.nan)
        sums = resample_sums(totals, resamples, rng)
        with np.errstate(invalid="ignore", divide="ignore"):
            error_acc = sums[:, 0] / sums[:, 1]
            correct_acc = sums[:, 2] / sums[:, 3]
            f1 = np.where(
                error_acc + correct_acc == 0, 0.0, 2 * error_acc * correct_acc / (error_acc + correct_acc)
            )
        return np.where(np.isnan(error_acc) | np.isnan(correct_acc), np.nan, f1)


# ------------------------------------------------------------------------------------------ registry

#: The metrics by name (plugins add theirs through the ``rewardkit.metrics`` entry points).
METRICS: Registry[type[Metric]] = Registry(
    "metric",
    group=ENTRY_POINT_GROUP,
    base=Metric,
    builtins={
        "accuracy": "rewardkit.evals.metrics:Accuracy",
        "pass@k": "rewardkit.evals.metrics:PassAtK",
        "maj@k": "rewardkit.evals.metrics:MajAtK",
        "best_of_n": "rewardkit.evals.metrics:BestOfN",
        "mean_score": "rewardkit.evals.metrics:MeanScore",
        "pairwise_accuracy": "rewardkit.evals.metrics:PairwiseAccuracy",
        "win_rate": "rewardkit.evals.metrics:WinRate",
        "processbench_f1": "rewardkit.evals.metrics:ProcessBenchF1",
    },
)

#: Shorthands: ``pass@4`` -> (``pass@k``, k=4), ``maj@8`` -> (``maj@k``, k=8), ``best_of_4`` -> (``best_of_n``, n=4).
SHORTHANDS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"pass@(\d+)"), "pass@k", "k"),
    (re.compile(r"maj@(\d+)"), "maj@k", "k"),
    (re.compile(r"best_of_(\d+)"), "best_of_n", "n"),
)


def register_metric(
    cls: type[Metric] | None = None, *, name: str | None = None, replace: bool = False
) -> Any:
    """Class decorator: make a :class:`Metric` subclass available by its ``name``. A taken name is a
    ConfigError unless ``replace=True``."""
    return METRICS.register(cls, name=name, replace=replace)


def unregister_metric(name: str) -> None:
    """Forget a metric registered at run time (tests, notebooks)."""
    METRICS.unregister(name)


def metric_names() -> list[str]:
    """Every metric name, sorted."""
    return METRICS.names()


def get_metric_class(name: str) -> type[Metric]:
    """The class registered as ``name`` (an unknown name is a ConfigError listing the metrics)."""
    try:
        return METRICS.get(name)
    except ConfigError as err:
        if not str(err).startswith("unknown metric"):
            raise
        raise ConfigError(f"{err} (pass@K, maj@K and best_of_N take their number in the name)") from None


def parse_metric(spec: str | Mapping[str, Any] | Metric) -> Metric:
    """A metric from a spec: a name (``"accuracy"``), a shorthand (``"pass@4"``, ``"maj@8"``,
    ``"best_of_4"``), a dict ``{"name": ..., **params}`` (optionally ``"label"``: the result's key), or a
    Metric (returned as is). A bad name or param is a ConfigError naming the metric and the field."""
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        name, params = spec.strip(), {}
    elif isinstance(spec, Mapping):
        params = dict(spec)
        name = params.pop("name", None)
        if not isinstance(name, str) or not name:
            raise ConfigError(
                f"metric {dict(spec)!r}: name: required key missing (a metric name, e.g. 'accuracy')"
            )
    else:
        raise ConfigError(
            f"metric: expected a name or an object with a name (got {json_kind(spec)} {spec!r})"
        )
    if name not in METRICS:
        for pattern, full, param in SHORTHANDS:
            match = pattern.fullmatch(name)
            if match:
                number = int(match.group(1))
                if param in params and params[param] != number:
                    raise ConfigError(
                        f"{name}: {param}: {params[param]!r} disagrees with the {number} in the name"
                    )
                name, params = full, {**params, param: number}
                break
    label = params.pop("label", None)
    if label is not None and not isinstance(label, str):
        raise ConfigError(f"{name}: label: expected a string (got {json_kind(label)})")
    return get_metric_class(name)(label=label, **params)


def check_task(metrics: Sequence[str | Mapping[str, Any] | Metric], task: str) -> list[Metric]:
    """Parse ``metrics`` and check each applies to ``task`` rows (a ConfigError names the one that does not)."""
    parsed = [parse_metric(m) for m in metrics]
    for metric in parsed:
        if metric.tasks is not None and task not in metric.tasks:
            raise ConfigError(
                f"metric {metric.label!r} applies to {'/'.join(metric.tasks)} runs, not to {task!r} runs"
            )
    return parsed


# ----------------------------------------------------------------------------------------- bootstrap


def resample_sums(matrix: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of ``resamples`` bootstrap resamples of the rows of ``matrix`` (N rows drawn with
    replacement each time): shape (resamples, columns). With few distinct rows it draws multinomial
    counts of them (the same distribution, much faster); else it gathers random indices in chunks."""
    n = len(matrix)
    distinct, counts = np.unique(matrix, axis=0, return_counts=True)
    if len(distinct) <= max(MULTINOMIAL_MAX_DISTINCT, n // 16):
        draws = rng.multinomial(n, counts / n, size=resamples)
        return draws @ distinct
    out = np.empty((resamples, matrix.shape[1]))
    chunk = max(1, 2_000_000 // n)
    dtype = np.int32 if n < 2**31 else np.int64
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        index = rng.integers(0, n, size=(stop - start, n), dtype=dtype)
        out[start:stop] = matrix[index].sum(axis=1)
    return out


def check_bootstrap(resamples: int, alpha: float = 0.05) -> None:
    """A ConfigError unless ``resamples >= 1`` and ``0 < alpha < 1``."""
    if not isinstance(resamples, int) or isinstance(resamples, bool) or resamples < 1:
        raise ConfigError(f"bootstrap: resamples: must be an integer of at least 1 (got {resamples!r})")
    if not 0 < alpha < 1:
        raise ConfigError(f"bootstrap: alpha: must be between 0 and 1 (got {alpha!r})")


def bootstrap_ci(
    docs: Sequence[Doc],
    metric: str | Mapping[str, Any] | Metric,
    resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float] | None:
    """The percentile bootstrap ``1 - alpha`` interval of ``metric`` over ``docs``: resample the docs with
    replacement ``resamples`` times (``numpy.random.default_rng(seed)``: the same seed, the same
    interval) and take the ``alpha/2`` and ``1 - alpha/2`` quantiles of the values. Resamples where the
    value is None are dropped; None when there are no docs or no resample has a value."""
    check_bootstrap(resamples, alpha)
    metric = parse_metric(metric)
    if not docs:
        return None
    return percentile_interval(metric.bootstrap_values(docs, resamples, np.random.default_rng(seed)), alpha)


def percentile_interval(values: np.ndarray, alpha: float = 0.05) -> tuple[float, float] | None:
    """The ``alpha/2`` and ``1 - alpha/2`` quantiles of the resampled values (NaNs dropped; None when
    nothing is left)."""
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


# ------------------------------------------------------------------------------------------- compute


MetricSpec = str | Mapping[str, Any] | Metric


def _measure_all(
    docs: Sequence[Doc], metrics: Sequence[Metric], ci: bool, resamples: int, seed: int
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        result, bounds = metric.measure_with_ci(docs, ci=ci, resamples=resamples, seed=seed)
        out[metric.label] = {"value": result["value"], "ci": list(bounds) if bounds else None, **result}
    return out


def _parse_all(metrics: Sequence[MetricSpec]) -> list[Metric]:
    if isinstance(metrics, (str, Mapping, Metric)):
        metrics = [metrics]  # type: ignore[list-item]
    parsed = [parse_metric(m) for m in metrics]
    labels = Counter(m.label for m in parsed)
    twice = sorted(label for label, n in labels.items() if n > 1)
    if twice:
        raise ConfigError(f"metrics: {', '.join(twice)} listed twice; give one of them another 'label'")
    return parsed


def compute_metrics(
    rows: Iterable[Row],
    metrics: Sequence[MetricSpec],
    *,
    ci: bool = True,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Each metric over the rows (samples.jsonl dicts, any order), keyed by its label:
    ``{"value", "ci": [lo, hi] | None, "n": docs counted, "excluded": rows left out, "excluded_why":
    {why: rows}, ...}`` plus the metric's own counts (``ties``, ``no_pick``...) and ``reason`` when the
    value is None. ``ci``: the bootstrap 95% interval (:func:`bootstrap_ci` with ``resamples``, ``seed``)."""
    parsed = _parse_all(metrics)
    if ci:
        check_bootstrap(resamples)
    return _measure_all(group_docs(rows), parsed, ci, resamples, seed)


def compute_subsets(
    rows: Iterable[Row],
    metrics: Sequence[MetricSpec],
    subset_field: str = "subset",
    *,
    ci: bool = True,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """:func:`compute_metrics` per value of ``subset_field``, sorted by subset: ``{subset: {"docs": n,
    "metrics": {...}}}``. Rows whose subset is null are in no subset."""
    parsed = _parse_all(metrics)
    if ci:
        check_bootstrap(resamples)
    by_subset: dict[str, list[Row]] = {}
    for row in rows:
        subset = row.get(subset_field) if isinstance(row, Mapping) else None
        if subset is not None:
            by_subset.setdefault(str(subset), []).append(row)
    out = {}
    for subset in sorted(by_subset):
        docs = group_docs(by_subset[subset])
        out[subset] = {"docs": len(docs), "metrics": _measure_all(docs, parsed, ci, resamples, seed)}
    return out


__all__ = [
    "ENTRY_POINT_GROUP",
    "METRICS",
    "MULTINOMIAL_MAX_DISTINCT",
    "SHORTHANDS",
    "WINNERS",
    "Accuracy",
    "BestOfN",
    "BestOfNConfig",
    "Doc",
    "DocResult",
    "KConfig",
    "MajAtK",
    "MeanMetric",
    "MeanScore",
    "Metric",
    "MetricSpec",
    "PairwiseAccuracy",
    "PairwiseConfig",
    "PassAtK",
    "ProcessBenchConfig",
    "ProcessBenchF1",
    "Row",
    "SampleCountMetric",
    "WinRate",
    "bootstrap_ci",
    "check_bootstrap",
    "check_task",
    "compute_metrics",
    "compute_subsets",
    "decided_samples",
    "get_metric_class",
    "group_docs",
    "metric_names",
    "parse_metric",
    "pass_at_k",
    "percentile_interval",
    "register_metric",
    "resample_sums",
    "unregister_metric",
    "winner_outcome",
]
