"""Choosing a PRM's threshold on one split of ProcessBench-format data and reporting it on another.

A step whose value is below the threshold is called wrong (the ``first_error`` aggregation and
``details["first_error"]``). :func:`calibrated_spec` splits the items by problem
(:func:`rewardkit.prm.processbench.split_by_problem`: no problem on both sides) and :func:`calibrate` picks the threshold that
maximises ProcessBench's F1 on the calibration side, and reports F1 (and PRMBench's step F1) at that
threshold on the other side; it then writes the threshold into a reward spec's PRM
component with a ``calibration`` record (data file and its sha256, split, F1 on each side), so the number
travels with the spec. Items whose score is not ok count as wrong predictions on the report side and are
left out of the choice (counted in ``statuses``); so are scores whose steps are not the item's steps
(``misaligned``: a PRM config that re-splits the text instead of taking the item's steps).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rewardkit.assets import find_asset, read_yaml
from rewardkit.errors import ConfigError
from rewardkit.prm.processbench import (
    ProcessBenchItem,
    calibrate_threshold,
    first_error_prediction,
    load_processbench,
    processbench_f1,
    split_by_problem,
    step_f1,
    step_labels,
)
from rewardkit.spec import load_spec
from rewardkit.types import Score
from rewardkit.verifier import Verifier, create_verifier


@dataclass
class Calibration:
    """The chosen threshold and what it gives on each side."""

    threshold: float
    threshold_from: str  # "calibration", or why another value was used
    calibration: dict[str, Any]  # ProcessBench metrics on the calibration side at the threshold
    report: dict[str, Any]  # ... and on the report side, plus PRMBench's step F1 there
    statuses: dict[str, int] = field(default_factory=dict)  # score statuses over every item
    scores: list[Score] = field(default_factory=list, repr=False)  # calibration side first, then report

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "threshold_from": self.threshold_from,
            "calibration": self.calibration,
            "report": self.report,
            "statuses": self.statuses,
        }


def step_values_for(score: Score, item: ProcessBenchItem) -> list[float] | None:
    """The score's step values when it is ok and has one per step of the item (None otherwise: a score
    whose steps are not the item's, e.g. from a spec that re-splits the text, cannot be compared with
    the item's label)."""
    if not score.ok or not score.steps or len(score.steps) != len(item.steps):
        return None
    return score.step_values  # type: ignore[return-value]


def statuses(scores: Sequence[Score], items: Sequence[ProcessBenchItem]) -> dict[str, int]:
    """The score statuses, with ``misaligned`` for ok scores whose steps are not the item's."""
    counts = Counter(str(s.status) for s in scores)
    misaligned = sum(s.ok and step_values_for(s, it) is None for s, it in zip(scores, items, strict=True))
    if misaligned:
        counts["ok"] -= misaligned
        counts["misaligned"] = misaligned
    return {k: v for k, v in counts.items() if v}


def evaluate_at(
    scores: Sequence[Score], items: Sequence[ProcessBenchItem], threshold: float
) -> dict[str, Any]:
    """ProcessBench's metrics (and PRMBench's step F1) of these scores at ``threshold``; a non-ok score is a
    wrong prediction."""
    values = [step_values_for(s, it) for s, it in zip(scores, items, strict=True)]
    predictions = [first_error_prediction(v, threshold) if v else None for v in values]  # type: ignore[arg-type]
    out = processbench_f1(predictions, [it.label for it in items])
    scored = [(v, step_labels(it.label, len(it.steps))) for v, it in zip(values, items, strict=True) if v]
    out["step"] = step_f1([v for v, _ in scored], [lab for _, lab in scored], threshold) if scored else None
    return out


def calibrate(
    verifier: Verifier,
    calib: Sequence[ProcessBenchItem],
    report: Sequence[ProcessBenchItem],
    fallback: float | None = None,
) -> Calibration:
    """Score both sides with ``verifier`` (a PRM: its scores carry step values) in one batch, choose the
    threshold on ``calib`` and report both sides at it. When no calibration item got a step score (a
    critic that never answered), the threshold is ``fallback`` if given (``threshold_from`` says so),
    else a ConfigError."""
    if not calib or not report:
        raise ConfigError(
            f"calibration needs items on both sides of the split: {len(calib)} for choosing, {len(report)} for "
            "reporting; give more problems or another --fraction"
        )
    scores = verifier.score_batch([it.to_sample() for it in [*calib, *report]])
    calib_scores, report_scores = scores[: len(calib)], scores[len(calib) :]
    pairs = [(step_values_for(s, it), it.label) for s, it in zip(calib_scores, calib, strict=True)]
    usable = [(v, label) for v, label in pairs if v is not None]
    if usable:
        threshold, _ = calibrate_threshold([v for v, _ in usable], [lab for _, lab in usable])  # type: ignore[misc]
        source = "calibration"
    elif fallback is not None:
        threshold, source = fallback, "fallback: no calibration item got a step score"
    else:
        raise ConfigError(
            "no item of the calibration side got a step score: nothing to choose a threshold from"
        )
    return Calibration(
        threshold,
        source,
        evaluate_at(calib_scores, calib, threshold),
        evaluate_at(report_scores, report, threshold),
        statuses(scores, [*calib, *report]),
        scores,
    )


def _prm_component(data: Any, source: Path, component: str | None) -> dict[str, Any]:
    components = data.get("components") if isinstance(data, dict) else None
    if not isinstance(components, list):
        raise ConfigError(f"{source}: components: a reward spec lists its components")
    prms = [c for c in components if isinstance(c, dict) and c.get("verifier") == "prm"]
    if component is not None:
        prms = [c for c in prms if c.get("name") == component]
    if len(prms) != 1:
        names = [c.get("name", "?") for c in components if isinstance(c, dict) and c.get("verifier") == "prm"]
        want = f"the prm component {component!r}" if component else "one prm component"
        raise ConfigError(
            f"{source}: components: calibration needs {want}; the spec's prm components: {names or 'none'}"
            + ("; name one with --component" if len(names) > 1 else "")
        )
    return prms[0]


def calibrated_spec(
    spec: str | Path,
    data: str | Path,
    component: str | None = None,
    fraction: float = 0.5,
    seed: int = 0,
) -> tuple[dict[str, Any], Calibration]:
    """The spec's YAML data with the PRM component's ``threshold`` and ``calibration`` set from ``data``
    (ProcessBench format), and the calibration itself."""
    document, part = _spec_prm(spec, component)
    config = dict(part.get("config") or {})
    config.pop("threshold", None)
    config.pop("calibration", None)
    data_path = Path(data)
    calib, report = split_by_problem(load_processbench(data_path), fraction, seed)
    result = calibrate(create_verifier("prm", **config), calib, report)
    config["threshold"] = result.threshold
    config["calibration"] = {
        "data": str(data_path),
        "sha256": hashlib.sha256(data_path.read_bytes()).hexdigest(),
        "split": {"fraction": fraction, "seed": seed, "by": "problem"},
        "f1_calibration": result.calibration["f1"],
        "f1_report": result.report["f1"],
        "items": {"calibration": result.calibration["n"], "report": result.report["n"]},
    }
    part["config"] = config
    return document, result


def _spec_prm(spec: str | Path, component: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec's YAML data and its prm component (a ConfigError unless there is exactly one, or the named
    one)."""
    source = find_asset("verifiers", spec)
    load_spec(source)  # the whole spec is valid (errors at file:line: field) before anything is scored
    document, _ = read_yaml(source)
    return document, _prm_component(document, source, component)


def evaluate_spec(spec: str | Path, data: str | Path, component: str | None = None) -> dict[str, Any]:
    """ProcessBench's metrics (and PRMBench's step F1) of a spec's PRM component on every item of ``data``
    at the component's own threshold, with the score statuses."""
    _, part = _spec_prm(spec, component)
    verifier = create_verifier("prm", **dict(part.get("config") or {}))
    items = load_processbench(Path(data))
    scores = verifier.score_batch([it.to_sample() for it in items])
    threshold = verifier.config.threshold
    out = {"threshold": threshold, **evaluate_at(scores, items, threshold)}
    out["statuses"] = statuses(scores, items)
    return out


def write_spec(document: dict[str, Any], path: str | Path) -> Path:
    """Write spec data as YAML (comments of the source are not kept)."""
    path = Path(path)
    path.write_text(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    return path


__all__ = [
    "Calibration",
    "calibrate",
    "calibrated_spec",
    "evaluate_at",
    "evaluate_spec",
    "statuses",
    "step_values_for",
    "write_spec",
]
