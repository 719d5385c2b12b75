r"""ProcessBench-format data, PRM800K conversion into it, and the ProcessBench / PRMBench metrics.

**Format.** A :class:`ProcessBenchItem` is one row of Qwen's ProcessBench release (``Qwen/ProcessBench``):
``id``, ``generator``, ``problem``, ``steps`` (the solution's steps, a list of strings),
``final_answer_correct`` and ``label`` (the index of the earliest wrong step, -1 when every step is
right), plus ``meta`` for anything else. :func:`load_processbench` reads JSONL, JSON or Parquet through
:func:`rewardkit.io.read_records`; keys other than those six go into ``meta``.

**PRM800K.** :func:`prm800k_to_processbench` converts the stepwise PRM800K rows in
``shared/data/prm800k`` (one row per rated candidate step: ``instruction``, ``responses`` = the earlier
steps, ``next_response`` = the rated step, ``rating``, ``is_preferred_response``,
``is_human_response``, ``is_solution``, ``answer``, ``gold_answer``...). In PRM800K phase 1 a labeler
rates several candidate next steps, continues with the preferred one (or writes one: a human step,
unrated), and so on until a final answer. A row R2 continues R1 when
``R2.responses == R1.responses + [R1.next_response]``. The conversion:

- drops exact duplicate rows (same problem, earlier steps and step; their flags are merged);
- follows the preferred steps from each problem's first step to the end: each such path is a
  **chain** item (the labeler's whole solution; ``meta["kind"] == "chain"``). A problem whose first
  step has no preferred candidate has no chain and is dropped (counted);
- with ``branches=True`` (default) also makes a **branch** item of every rated candidate that was not
  preferred: the chain's steps before it, then that candidate (``meta["kind"] == "branch"``). PRM800K
  has steps after an error only on the preferred path, so wrong steps appear only as branches, and a
  branch item ends at its candidate (``meta["complete"]`` says whether that candidate gives a final
  answer). Unrated candidates and non-preferred human steps are dropped (counted). An erroneous
  branch always ends at its error; branches ending at a right candidate end mid-solution too, so
  where an item stops does not give its label away;
- ``label`` is the index of the first step rated -1, or -1. Neutral (0) steps count as correct by
  default (``neutral="correct"``), as for Qwen's PRM800K baseline PRM in ProcessBench
  (Qwen/Qwen2.5-Math-7B-PRM800K: "We treat the original 1 and 0 labels in PRM800K as our positive
  labels, while -1 as negative ones"); ``neutral="error"`` counts them wrong, as TRL's PRM800K script
  does (``label = rating == 1``). Human-written steps (rating None) count as correct: a labeler wrote
  them as the right way on;
- ``final_answer_correct`` compares the last step's stated ``answer`` with ``gold_answer`` by
  :mod:`rewardkit.verifiers.math`; None when the last step states no answer or there is no gold.
  ``meta`` keeps the per-step ``ratings`` (None for human steps) and ``human`` flags.

On the shared phase-1 file (4289 rows, 308 of them exact duplicates, 81 problems) this gives 78 chains
(73 ending with ``is_solution``, 5 stopping before an answer; 3 problems have only unrated candidates
and no chain), all labelled -1 because every preferred step is rated +1 or written by a human, and
2550 branches (one per distinct rated candidate off a chain: 1342 rated -1, 740 rated 0, 468 rated +1):
2628 items, 1342 with an error by default (2082 with ``neutral="error"``). The returned stats hold
these counts, what was dropped and why, and the label distribution.

**Metrics.** :func:`processbench_f1` is ProcessBench's metric (their ``run_eval_prm_*.py``): accuracy
on the erroneous items (predicted index == label), accuracy on the correct ones (predicted -1), F1 =
their harmonic mean; :func:`first_error_prediction` turns step values into the predicted index and
:func:`calibrate_threshold` picks the threshold maximising that F1. :func:`step_f1` is PRMBench's
step-level positive / negative F1 and their mean (PRMScore), and :func:`best_of_n_accuracy` scores
best-of-N selection. Accuracies and F1s are fractions in [0, 1] (the papers print them x100).
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rewardkit.errors import InputError, json_kind
from rewardkit.io import file_format, raise_problems, read_records
from rewardkit.types import Sample

FIELDS = ("id", "generator", "problem", "steps", "final_answer_correct", "label")
PRM800K_GENERATOR = "prm800k-phase1"
PRM800K_FIELDS = {
    "instruction": str,
    "responses": list,
    "next_response": str,
    "is_preferred_response": bool,
    "is_human_response": bool,
    "is_solution": bool,
}

Neutral = Literal["correct", "error"]


# ------------------------------------------------------------------------------------------ the format


@dataclass
class ProcessBenchItem:
    """One ProcessBench item: a problem, a solution's steps and the index of its earliest wrong step
    (``label``; -1 when all are right)."""

    id: str
    generator: str
    problem: str
    steps: list[str]
    final_answer_correct: bool | None
    label: int
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = item_problems(self.to_dict())
        if problems:
            raise InputError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """As a ProcessBench row (``meta`` only when not empty)."""
        out: dict[str, Any] = {
            "id": self.id,
            "generator": self.generator,
            "problem": self.problem,
            "steps": list(self.steps),
            "final_answer_correct": self.final_answer_correct,
            "label": self.label,
        }
        if self.meta:
            out["meta"] = dict(self.meta)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], default_id: str = "") -> ProcessBenchItem:
        """A row as an item: keys other than the six ProcessBench fields and ``meta`` go into ``meta``.
        Raises InputError naming every bad field."""
        problems = item_problems(data, need_id=not default_id)
        if problems:
            raise InputError("; ".join(problems))
        meta = dict(data.get("meta") or {})
        meta.update({k: v for k, v in data.items() if k not in FIELDS and k != "meta"})
        raw_id = data.get("id", default_id)
        return cls(
            str(raw_id),
            str(data.get("generator") or ""),
            data["problem"],
            list(data["steps"]),
            data.get("final_answer_correct"),
            data["label"],
            meta,
        )

    def to_sample(self) -> Sample:
        """As a Sample: prompt = problem, response = the steps joined by a blank line, steps = steps;
        ``reference`` is ``meta["gold_answer"]`` when known; label, generator and
        final_answer_correct go into the Sample's meta."""
        meta = {
            **self.meta,
            "label": self.label,
            "generator": self.generator,
            "final_answer_correct": self.final_answer_correct,
        }
        return Sample(
            response="\n\n".join(self.steps),
            prompt=self.problem,
            reference=self.meta.get("gold_answer"),
            steps=list(self.steps),
            id=self.id,
            meta=meta,
        )


def item_problems(data: Any, need_id: bool = True) -> list[str]:
    """What is wrong with a ProcessBench row (``field: problem; what to do``), empty when it is fine."""
    if not isinstance(data, Mapping):
        return [f"expected an object with {', '.join(FIELDS)}, got {json_kind(data)}"]
    out = []
    if "id" not in data:
        if need_id:
            out.append("id: required key missing; give every row a unique id")
    elif isinstance(data["id"], bool) or not isinstance(data["id"], (str, int)):
        out.append(f"id: must be a string or an integer (got {json_kind(data['id'])})")
    if not isinstance(data.get("generator", ""), (str, type(None))):
        out.append(f"generator: must be a string (got {json_kind(data['generator'])})")
    if "problem" not in data:
        out.append("problem: required key missing; the problem text")
    elif not isinstance(data["problem"], str):
        out.append(f"problem: must be a string (got {json_kind(data['problem'])})")
    steps = data.get("steps")
    steps_ok = False
    if "steps" not in data:
        out.append("steps: required key missing; the solution's steps as a list of strings")
    elif not isinstance(steps, (list, tuple)) or not steps:
        out.append(f"steps: must be a non-empty list of strings (got {_shown(steps)})")
    else:
        bad = [i for i, s in enumerate(steps) if not isinstance(s, str)]
        if bad:
            out.append(f"steps[{bad[0]}]: must be a string (got {json_kind(steps[bad[0]])})")
        else:
            steps_ok = True
    if not isinstance(data.get("final_answer_correct"), (bool, type(None))):
        out.append(
            f"final_answer_correct: must be true, false or null (got {_shown(data['final_answer_correct'])})"
        )
    label = data.get("label")
    if "label" not in data:
        out.append("label: required key missing; the index of the earliest wrong step, -1 when all are right")
    elif isinstance(label, bool) or not isinstance(label, int):
        out.append(f"label: must be an integer step index or -1 (got {_shown(label)})")
    elif steps_ok and not -1 <= label < len(steps):
        out.append(
            f"label: {label} is not a step index: use -1 (all steps right) or 0..{len(steps) - 1} "
            f"(this item has {len(steps)} steps)"
        )
    if not isinstance(data.get("meta") or {}, Mapping):
        out.append(f"meta: must be an object (got {json_kind(data['meta'])})")
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"a {json_kind(value)}"


def load_processbench(path: str | Path, fmt: str | None = None) -> list[ProcessBenchItem]:
    """The items of a ProcessBench file (JSONL, JSON list or Parquet, by extension unless ``fmt``).

    Raises one InputError listing every bad row as ``file:line: field: problem`` (up to
    :data:`rewardkit.io.MAX_PROBLEMS`). Rows without an ``id`` are numbered from 0 when no row has one.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    entries = list(read_records(path, file_format(path, fmt)))
    use_ids = any(isinstance(r, Mapping) and "id" in r for _, r in entries)
    items, problems, seen = [], [], {}
    for index, (where, record) in enumerate(entries):
        if isinstance(record, InputError):
            problems.append(f"{where}: {record}")
            continue
        found = item_problems(record, need_id=use_ids)
        if found:
            problems.extend(f"{where}: {p}" for p in found)
            continue
        item = ProcessBenchItem.from_dict(record, default_id="" if use_ids else str(index))
        if item.id in seen:
            problems.append(
                f"{where}: id: duplicate id {item.id!r} (first at {seen[item.id]}); ids must be unique"
            )
            continue
        seen[item.id] = where
        items.append(item)
    raise_problems(path, problems, what="")
    return items


# ------------------------------------------------------------------------------------------- PRM800K


def read_prm800k(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a stepwise PRM800K file (JSONL, JSON or Parquet); a line that is not JSON raises
    InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    rows = []
    for where, record in read_records(path, file_format(path)):
        if isinstance(record, InputError):
            raise InputError(f"{where}: {record}")
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected an object, got {json_kind(record)}")
        record.setdefault("_where", where)
        rows.append(record)
    return rows


def _row_problem(row: Any) -> str | None:
    if not isinstance(row, Mapping):
        return f"expected an object, got {json_kind(row)}"
    for key, kind in PRM800K_FIELDS.items():
        if key not in row:
            return f"{key}: required key missing (is this a stepwise PRM800K file?)"
        if not isinstance(row[key], kind):
            return f"{key}: must be a {kind.__name__} (got {json_kind(row[key])})"
    if not all(isinstance(s, str) for s in row["responses"]):
        return "responses: must be a list of strings"
    rating = row.get("rating")
    if rating is not None and (isinstance(rating, bool) or rating not in (-1, 0, 1)):
        return f"rating: must be -1, 0, 1 or null (got {_shown(rating)})"
    return None


def _is_error(rating: int | None, neutral: Neutral) -> bool:
    return rating == -1 or (rating == 0 and neutral == "error")


def first_error_label(ratings: Sequence[int | None], neutral: Neutral = "correct") -> int:
    """The index of the first step rated -1 (or 0 when ``neutral='error'``), -1 when none is; None
    (a human step) counts as correct."""
    for i, rating in enumerate(ratings):
        if _is_error(rating, neutral):
            return i
    return -1


def _answer_correct(answer: Any, gold: Any) -> bool | None:
    if not isinstance(answer, str) or not answer.strip() or not isinstance(gold, str) or not gold.strip():
        return None
    from rewardkit.verifiers.math import parse_answer, verify

    try:
        return verify(parse_answer(gold, gold=True), parse_answer(answer))
    except Exception:  # the verifier cannot read one of them: unknown, not wrong
        return None


def prm800k_to_processbench(
    rows: Iterable[Mapping[str, Any]], neutral: Neutral = "correct", branches: bool = True
) -> tuple[list[ProcessBenchItem], dict[str, Any]]:
    """Stepwise PRM800K rows -> ProcessBench items (chains, then branches if asked) and stats.

    See the module docstring for the rules. Raises InputError naming the first bad row
    (``row n`` counts from 1, or the row's ``_where`` set by :func:`read_prm800k`).
    """
    if neutral not in ("correct", "error"):
        raise ValueError(f"neutral must be 'correct' or 'error', got {neutral!r}")
    stats: Counter[str] = Counter()
    unique: dict[tuple[str, tuple[str, ...], str], dict[str, Any]] = {}
    order: dict[str, None] = {}  # problems in the order their first steps appear
    for number, row in enumerate(rows, 1):
        problem = _row_problem(row)
        if problem:
            where = row.get("_where", f"row {number}") if isinstance(row, Mapping) else f"row {number}"
            raise InputError(f"{where}: {problem}")
        stats["rows"] += 1
        key = (row["instruction"], tuple(row["responses"]), row["next_response"])
        kept = unique.get(key)
        if kept is None:
            unique[key] = dict(row)
            if not row["responses"]:
                order.setdefault(row["instruction"])
            continue
        stats["duplicate_rows"] += 1
        if kept.get("rating") != row.get("rating"):
            stats["duplicates_with_other_rating"] += 1  # the first rating is kept
        for flag in ("is_preferred_response", "is_solution"):
            kept[flag] = kept[flag] or row[flag]
        if kept.get("answer") is None:
            kept["answer"] = row.get("answer")

    groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    for (instruction, responses, _), row in unique.items():
        groups[(instruction, responses)].append(row)
    problems = {instruction for instruction, _ in groups}
    for instruction in sorted(problems):  # problems with no first-step row (they get no chain)
        order.setdefault(instruction)

    chains: list[list[dict[str, Any]]] = []  # each: the preferred rows from the first step to the end

    def walk(instruction: str, path: list[dict[str, Any]]) -> None:
        key = (instruction, tuple(r["next_response"] for r in path))
        preferred = [r for r in groups.get(key, []) if r["is_preferred_response"]]
        if not preferred:
            if path:
                chains.append(path)
            return
        for row in preferred:
            child = (instruction, key[1] + (row["next_response"],))
            if child in groups:
                walk(instruction, [*path, row])
            else:
                chains.append([*path, row])

    for instruction in order:
        before = len(chains)
        if (instruction, ()) in groups:
            walk(instruction, [])
        if len(chains) == before:
            stats["problems_without_chain"] += 1
    stats["problems"] = len(problems)

    items: list[ProcessBenchItem] = []
    branch_items: list[ProcessBenchItem] = []
    seen_groups: set[tuple[str, tuple[str, ...]]] = set()
    per_problem: Counter[str] = Counter()
    for path in chains:
        first = path[0]
        instruction = first["instruction"]
        uid = first.get("math500_unique_id") or hashlib.sha256(instruction.encode()).hexdigest()[:12]
        chain_no = per_problem[instruction]
        per_problem[instruction] += 1
        chain_id = f"prm800k:{uid}:chain{chain_no}"
        ratings = [None if r["is_human_response"] else r.get("rating") for r in path]
        last = path[-1]
        complete = bool(last["is_solution"] or last.get("answer") is not None)
        stats["chains"] += 1
        stats[
            "chains_ending_with_solution" if last["is_solution"] else "chains_stopping_before_an_answer"
        ] += 1
        if any(r is None for r in ratings):
            stats["chains_with_human_steps"] += 1
        items.append(
            _item(chain_id, path, [r["next_response"] for r in path], ratings, neutral, "chain", complete)
        )
        if not branches:
            continue
        for depth in range(len(path) + 1):  # + 1: candidates after the last step, none preferred
            key = (instruction, tuple(r["next_response"] for r in path[:depth]))
            if key in seen_groups or key not in groups:
                continue
            seen_groups.add(key)
            for alt_no, row in enumerate(groups[key]):
                if row["is_preferred_response"]:
                    continue
                if row["is_human_response"]:
                    stats["dropped_human_candidates"] += 1
                    continue
                if row.get("rating") is None:
                    stats["dropped_unrated_candidates"] += 1
                    continue
                steps = [r["next_response"] for r in path[:depth]] + [row["next_response"]]
                alt_ratings = ratings[:depth] + [row["rating"]]
                complete = bool(row["is_solution"] or row.get("answer") is not None)
                branch_items.append(
                    _item(
                        f"{chain_id}:step{depth}:alt{alt_no}",
                        [*path[:depth], row],
                        steps,
                        alt_ratings,
                        neutral,
                        "branch",
                        complete,
                    )
                )
    on_chains = {
        (path[0]["instruction"], tuple(r["next_response"] for r in path[:depth]))
        for path in chains
        for depth in range(len(path) + 1)
    }
    stats["rows_outside_chains"] = sum(len(rows_) for key, rows_ in groups.items() if key not in on_chains)
    items.extend(branch_items)
    stats["branch_items"] = len(branch_items)
    stats["items"] = len(items)
    labels = Counter(item.label for item in items)
    stats["error_items"] = sum(n for label, n in labels.items() if label != -1)
    stats["correct_items"] = labels.get(-1, 0)
    out: dict[str, Any] = dict(stats)
    out["neutral"] = neutral
    out["branches"] = branches
    out["label_counts"] = {str(label): labels[label] for label in sorted(labels)}
    out["final_answer_correct"] = dict(Counter(str(i.final_answer_correct).lower() for i in items))
    out["chains_labelled_correct_with_wrong_answer"] = sum(
        1 for i in items if i.meta["kind"] == "chain" and i.label == -1 and i.final_answer_correct is False
    )
    return items, out


def _item(
    item_id: str,
    rows: list[dict[str, Any]],
    steps: list[str],
    ratings: list[int | None],
    neutral: Neutral,
    kind: str,
    complete: bool,
) -> ProcessBenchItem:
    last = rows[-1]
    gold = last.get("gold_answer")
    return ProcessBenchItem(
        id=item_id,
        generator=PRM800K_GENERATOR,
        problem=last["instruction"],
        steps=steps,
        final_answer_correct=_answer_correct(last.get("answer"), gold),
        label=first_error_label(ratings, neutral),
        meta={
            "source": "prm800k",
            "kind": kind,
            "complete": complete,
            "ratings": ratings,
            "human": [bool(r["is_human_response"]) for r in rows],
            "answer": last.get("answer"),
            "gold_answer": gold,
            "math500_unique_id": last.get("math500_unique_id"),
        },
    )


def split_by_problem(
    items: Sequence[ProcessBenchItem], fraction: float = 0.5, seed: int = 0
) -> tuple[list[ProcessBenchItem], list[ProcessBenchItem]]:
    """(calibration, report): an item goes to calibration when sha256(f"{seed}:{problem}") read as a
    number in [0, 1) is below ``fraction``, so every item of one problem lands on the same side and the
    split does not depend on the items' order."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    calibration, report = [], []
    for item in items:
        digest = hashlib.sha256(f"{seed}:{item.problem}".encode()).digest()
        (calibration if int.from_bytes(digest[:8], "big") / 2**64 < fraction else report).append(item)
    return calibration, report


# --------------------------------------------------------------------------------------------- metrics


def first_error_prediction(step_values: Sequence[float], threshold: float) -> int:
    """The index of the first step whose value is below ``threshold``, -1 when none is (ProcessBench's
    prediction from step scores). A None value is a ValueError: score every step or leave the item out."""
    for i, value in enumerate(step_values):
        if value is None:
            raise ValueError(f"step {i} has no value; an unscored item cannot be predicted")
        if value < threshold:
            return i
    return -1


def processbench_f1(predictions: Sequence[int | None], labels: Sequence[int]) -> dict[str, Any]:
    """ProcessBench's metric. ``error_acc``: on items with ``label != -1``, the share predicted exactly
    ``label``; ``correct_acc``: on items with ``label == -1``, the share predicted -1; ``f1``: their
    harmonic mean (0 when either is 0). A None prediction (a critic's unparseable answer) is wrong on
    either side. With no item on one side its accuracy and ``f1`` are None."""
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    n_error = sum(1 for label in labels if label != -1)
    n_correct = len(labels) - n_error
    hits_error = sum(1 for p, label in zip(predictions, labels, strict=True) if label != -1 and p == label)
    hits_correct = sum(1 for p, label in zip(predictions, labels, strict=True) if label == -1 and p == -1)
    error_acc = hits_error / n_error if n_error else None
    correct_acc = hits_correct / n_correct if n_correct else None
    return {
        "error_acc": error_acc,
        "correct_acc": correct_acc,
        "f1": _harmonic(error_acc, correct_acc),
        "n_error": n_error,
        "n_correct": n_correct,
        "n": len(labels),
    }


def _harmonic(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return 0.0 if a + b == 0 else 2 * a * b / (a + b)


def threshold_candidates(step_values_list: Sequence[Sequence[float]]) -> list[float]:
    """The thresholds worth trying: the smallest value (nothing is below it: every prediction -1), the
    midpoints of consecutive distinct values, and the next float above the largest (every first step
    is below it)."""
    values = sorted({float(v) for values in step_values_list for v in values})
    if not values:
        return [0.5]
    mids = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    return [values[0], *mids, math.nextafter(values[-1], math.inf)]


def calibrate_threshold(
    step_values_list: Sequence[Sequence[float]],
    labels: Sequence[int],
    candidates: Sequence[float] | None = None,
) -> tuple[float, dict[str, Any]]:
    """The threshold (from ``candidates``, default :func:`threshold_candidates`) whose
    :func:`first_error_prediction` gives the best :func:`processbench_f1` on these items, and that
    metric (plus ``threshold`` and ``candidates``: how many were tried). Ties go to the threshold
    closest to 0.5, then to the smaller one (so with items of one side only, where F1 is None, 0.5's
    nearest candidate). Exact and fast: each item is right on an interval of thresholds, counted by
    bisection."""
    if len(step_values_list) != len(labels):
        raise ValueError(f"{len(step_values_list)} items of step values for {len(labels)} labels")
    cands = sorted(
        {float(c) for c in (candidates if candidates is not None else threshold_candidates(step_values_list))}
    )
    if not cands:
        raise ValueError("no candidate thresholds")
    for values in step_values_list:
        if any(v is None for v in values):
            raise ValueError("every step needs a value to calibrate a threshold")
    n_error = sum(1 for label in labels if label != -1)
    n_correct = len(labels) - n_error
    best: tuple[Any, ...] | None = None
    side_hits = _side_hits(step_values_list, labels, cands)
    for i, threshold in enumerate(cands):
        error_acc = side_hits[0][i] / n_error if n_error else None
        correct_acc = side_hits[1][i] / n_correct if n_correct else None
        f1 = _harmonic(error_acc, correct_acc)
        key = (f1 if f1 is not None else -1.0, -abs(threshold - 0.5), -threshold)
        if best is None or key > best[0]:
            best = (key, threshold, error_acc, correct_acc, f1)
    assert best is not None
    _, threshold, error_acc, correct_acc, f1 = best
    return threshold, {
        "threshold": threshold,
        "error_acc": error_acc,
        "correct_acc": correct_acc,
        "f1": f1,
        "n_error": n_error,
        "n_correct": n_correct,
        "n": len(labels),
        "candidates": len(cands),
    }


def _side_hits(
    step_values_list: Sequence[Sequence[float]], labels: Sequence[int], cands: list[float]
) -> tuple[list[int], list[int]]:
    """For each candidate threshold: how many erroneous / correct items it predicts right."""
    diffs = ([0] * (len(cands) + 1), [0] * (len(cands) + 1))
    for values, label in zip(step_values_list, labels, strict=True):
        if label != -1:
            if label >= len(values):
                continue
            lo_i = bisect_right(cands, float(values[label]))
            hi_i = bisect_right(cands, min(values[:label], default=math.inf))
            side = diffs[0]
        else:
            lo_i, hi_i = 0, bisect_right(cands, min(values, default=math.inf))
            side = diffs[1]
        if lo_i < hi_i:
            side[lo_i] += 1
            side[hi_i] -= 1
    out: tuple[list[int], list[int]] = ([], [])
    for diff, acc in zip(diffs, out, strict=True):
        running = 0
        for i in range(len(cands)):
            running += diff[i]
            acc.append(running)
    return out


def step_labels(label: int, n_steps: int) -> list[int | None]:
    """Step labels of a ProcessBench item: 1 (good) before the first error, 0 (bad) at it, None
    (unlabelled, excluded from :func:`step_f1`) after it; all 1 when ``label`` is -1."""
    if label == -1:
        return [1] * n_steps
    return [1 if i < label else 0 if i == label else None for i in range(n_steps)]


def step_f1(
    step_values_list: Sequence[Sequence[float]],
    step_labels_list: Sequence[Sequence[int | None]],
    threshold: float,
) -> dict[str, Any]:
    """PRMBench's step-level metric: a step is predicted good when its value is >= ``threshold``;
    counts pooled over all labelled steps (label 1 good, 0 bad, None skipped). ``f1_positive`` is the F1
    of the good class, ``f1_negative`` of the bad class, ``prm_score`` their mean (PRMBench's PRMScore).
    An F1 with no step labelled or predicted in its class is None (PRMBench writes -1)."""
    if len(step_values_list) != len(step_labels_list):
        raise ValueError(
            f"{len(step_values_list)} items of step values for {len(step_labels_list)} of labels"
        )
    tp = fp = fn = tn = 0
    for n, (values, labels) in enumerate(zip(step_values_list, step_labels_list, strict=True)):
        if len(values) != len(labels):
            raise ValueError(f"item {n}: {len(values)} step values for {len(labels)} step labels")
        for value, label in zip(values, labels, strict=True):
            if label is None:
                continue
            if label not in (0, 1):
                raise ValueError(f"item {n}: step labels are 1 (good), 0 (bad) or None, got {label!r}")
            good = value is not None and value >= threshold
            if label == 1:
                tp, fn = tp + good, fn + (not good)
            else:
                fp, tn = fp + good, tn + (not good)
    f1_pos = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    f1_neg = 2 * tn / (2 * tn + fn + fp) if tn + fp + fn else None
    return {
        "f1_positive": f1_pos,
        "f1_negative": f1_neg,
        "prm_score": None if f1_pos is None or f1_neg is None else (f1_pos + f1_neg) / 2,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "threshold": threshold,
    }


def best_of_n_accuracy(groups: Sequence[Sequence[tuple[float | None, bool]]]) -> dict[str, Any]:
    """Best-of-N over groups of ``(score, correct)`` candidates: pick the highest score (the first on
    a tie; a None score is never picked; a group with no score picks nothing and counts wrong).
    ``accuracy``: the share of groups whose pick is correct; ``oracle``: the share with any correct
    candidate (pass@N); ``n``: the number of groups."""
    hits = oracle = 0
    for group in groups:
        scored = [(s, c) for s, c in group if s is not None]
        if scored:
            best = max(range(len(scored)), key=lambda i: (scored[i][0], -i))
            hits += bool(scored[best][1])
        oracle += any(c for _, c in group)
    n = len(groups)
    return {"accuracy": hits / n if n else None, "oracle": oracle / n if n else None, "n": n}


__all__ = [
    "FIELDS",
    "PRM800K_GENERATOR",
    "Neutral",
    "ProcessBenchItem",
    "best_of_n_accuracy",
    "calibrate_threshold",
    "first_error_label",
    "first_error_prediction",
    "item_problems",
    "load_processbench",
    "prm800k_to_processbench",
    "processbench_f1",
    "read_prm800k",
    "split_by_problem",
    "step_f1",
    "step_labels",
    "threshold_candidates",
]
