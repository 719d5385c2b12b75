"""One self-contained HTML report over run directories (and reward audits): summaries, plots, failing samples.

:func:`write_report` reads each run's ``summary.json`` first (the tables never need ``samples.jsonl``), then
streams ``samples.jsonl`` once for the plots and the failing samples. The page needs no network: CSS and
JS are inline, plots are base64 PNGs (matplotlib, Agg). It shows, in order:

- an overview of every run (suite, task, model, complete or not, status counts, first metric), with a
  warning when responses were cut at ``max_tokens``;
- a comparison table when several runs are given (each metric side by side, differences to the first run);
- plots: status shares (a one-line note when every sample is ok), score distribution, per-subset points
  with CI lines, reward vs response length;
- per run: metrics with 95% CIs, subsets, statuses, finish reasons, timing and the config;
- a "Reward audit" section for each directory with an ``audit.json``;
- the failing samples (``correct`` is false or ``status`` is not ok), paged and filtered in the browser,
  with the reference, the extracted answer and the end of each response.

At most ``max_samples`` failing samples per run are embedded (the first by ``(doc, sample)``); the page says
how many were left out. Long text fields are cut in the middle with a visible marker. A torn last line of
``samples.jsonl`` (a killed run) is skipped and noted; a run without a complete summary is shown as
incomplete.
"""

from __future__ import annotations

import base64
import heapq
import io
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardkit.errors import InputError, MissingExtraError
from rewardkit.io import write_atomic

RUN_FILES = ("config.json", "summary.json", "samples.jsonl")
AUDIT_FILE = "audit.json"
STATUSES = ("ok", "unparseable", "timeout", "error")
STATUS_COLORS = {"ok": "#2e8540", "unparseable": "#e68a00", "timeout": "#7b4fb8", "error": "#c62828"}
OTHER_COLOR = "#777777"
RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
SCATTER_POINTS = 3000  # at most this many points per run in the reward vs length plot
MIN_SHARE = 0.008  # the narrowest status segment drawn in the status plot
SUBSET_BARS = 40  # at most this many subsets in the per-subset plot (all are in the tables)
PAGE_SIZE = 50


# ------------------------------------------------------------------------------------------- reading


@dataclass
class _RunData:
    """What the report shows of one directory."""

    path: Path
    label: str = ""
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    audit: dict[str, Any] | None = None
    has_run: bool = False
    has_samples: bool = False
    rows: int = 0
    duplicates: int = 0
    torn: str | None = None  # the note about a skipped torn last line
    statuses: Counter = field(default_factory=Counter)
    finish: Counter = field(default_factory=Counter)  # finish_reason counts from samples.jsonl
    values: list[float] = field(default_factory=list)  # ok values, for the histogram
    scatter: dict[str, tuple[list[int], list[float]]] = field(
        default_factory=dict
    )  # series -> (lengths, values)
    failing: list[dict[str, Any]] = field(default_factory=list)
    failing_total: int = 0
    prompts: dict[str, str] = field(default_factory=dict)
    task: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.summary and self.summary.get("complete") is True)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(
            f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg}); the file is damaged: "
            "re-run the step that wrote it (rewardkit eval / rewardkit audit)"
        ) from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None


def _check_dir(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such directory; give a run directory written by `rewardkit eval`")
    if not path.is_dir():
        raise InputError(
            f"{path}: not a directory; give a run directory (the folder `rewardkit eval --output` wrote, "
            f"holding {', '.join(RUN_FILES)}), not a file inside it"
        )
    if not any((path / name).is_file() for name in (*RUN_FILES, AUDIT_FILE)):
        raise InputError(
            f"{path}: not a run directory: it has none of {', '.join(RUN_FILES)} (written by `rewardkit eval`) "
            f"and no {AUDIT_FILE} (written by `rewardkit audit`); give the folder that `rewardkit eval "
            "--output` or `rewardkit audit` wrote"
        )


def _object(path: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object at the top level, got {type(data).__name__}")
    return data


def _check_audit(path: Path, audit: dict[str, Any]) -> None:
    findings = audit.get("findings")
    if not isinstance(findings, list):
        raise InputError(f"{path}: findings: expected a list of findings; re-run `rewardkit audit`")
    for i, item in enumerate(findings):
        if not isinstance(item, dict):
            raise InputError(f"{path}: findings[{i}]: expected an object with check, severity and message")
        for key in ("check", "severity", "message"):
            if key not in item:
                raise InputError(
                    f"{path}: findings[{i}].{key}: required key missing; re-run `rewardkit audit`"
                )


def _cut(text: Any, limit: int) -> Any:
    """Long text cut in the middle with a visible marker (the head and, mostly, the tail stay)."""
    if not isinstance(text, str) or len(text) <= limit:
        return text
    head = limit * 2 // 5
    tail = limit - head
    left = len(text) - head - tail
    return f"{text[:head]}\n[... {left} characters left out here; the full text is in samples.jsonl ...]\n{text[-tail:]}"


def _compact(value: Any, limit: int) -> Any:
    """A JSON value for the page: strings cut, long lists shortened, deep or big objects as cut JSON text."""
    if isinstance(value, str):
        return _cut(value, limit)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return value
    return _cut(text, limit)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _length(row: dict[str, Any], task: str | None) -> int | None:
    length = row.get("length_chars")
    if isinstance(length, int) and not isinstance(length, bool):
        return length
    if task == "process" or (task is None and isinstance(row.get("steps"), list) and "label" in row):
        steps = row.get("steps")
        if isinstance(steps, list):
            return sum(len(s) for s in steps if isinstance(s, str))
    response = row.get("response")
    return len(response) if isinstance(response, str) else None


def _failing(row: dict[str, Any]) -> bool:
    return row.get("correct") is False or row.get("status") != "ok"


def _page_row(row: dict[str, Any], limit: int) -> dict[str, Any]:
    """The fields of one failing sample the browser shows (text cut at ``limit`` characters)."""
    skip = {"prompt", "length_tokens", "step_values", "row_hash"}
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in skip:
            continue
        if key == "steps" and isinstance(value, list):
            shown = [_compact(s, limit // 2) for s in value[:50]]
            if len(value) > 50:
                shown.append(f"[... {len(value) - 50} more steps; the full list is in samples.jsonl ...]")
            out[key] = shown
        else:
            out[key] = _compact(value, limit)
    if isinstance(row.get("step_values"), list):
        out["step_values"] = row["step_values"][:50]
    if "response" in row:  # generate rows: the answer the scorer read (for the table's "extracted" column)
        details = row.get("details") if isinstance(row.get("details"), dict) else {}
        extracted = row.get("answer") if row.get("answer") is not None else details.get("extracted")
        out["extracted"] = _compact(extracted, 300)
    return out


def _read_samples(run: _RunData, max_samples: int, max_chars: int) -> None:
    """Stream samples.jsonl once: statuses, ok values, (length, value) pairs, the first failing samples."""
    path = run.path / "samples.jsonl"
    task = run.task
    seen: set[str] = set()
    heap: list[
        tuple[tuple[float, float], int, tuple[dict[str, Any], str | None]]
    ] = []  # max-heap on (doc, sample) by negation
    lengths: dict[str, list[int]] = {}
    values: dict[str, list[float]] = {}
    with path.open("rb") as handle:
        data = handle.read()
    lines = data.split(b"\n")
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    for n, raw in enumerate(lines[: last + 1], 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            if n == last + 1:
                run.torn = (
                    f"the last line of samples.jsonl (line {n}, {len(raw)} bytes) is incomplete: the run was "
                    "stopped while writing it; it is left out here (re-running `rewardkit eval` on this "
                    "directory resumes the run)"
                )
                break
            raise InputError(
                f"{path}:{n}: not valid JSON ({err}); only a torn last line is skipped. Remove or repair "
                "that line, or re-run `rewardkit eval` into a fresh directory"
            ) from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{n}: expected a JSON object (one sample), got {type(row).__name__}")
        key = row.get("key")
        if key is None:
            key = f"{row.get('doc')}:{row.get('sample')}"
        key = str(key)
        if key in seen:
            run.duplicates += 1
            continue
        seen.add(key)
        run.rows += 1
        status = str(row.get("status", "(missing)"))
        run.statuses[status] += 1
        if isinstance(row.get("finish_reason"), str):
            run.finish[row["finish_reason"]] += 1
        value = _number(row.get("value"))
        if status == "ok" and value is not None:
            run.values.append(value)
        if task == "pairwise" or (task is None and "chosen" in row and "rejected" in row):
            for side in ("chosen", "rejected"):
                side_value, text = _number(row.get(f"value_{side}")), row.get(side)
                if side_value is not None and isinstance(text, str):
                    lengths.setdefault(side, []).append(len(text))
                    values.setdefault(side, []).append(side_value)
        elif status == "ok" and value is not None:
            length = _length(row, task)
            if length is not None:
                lengths.setdefault("response", []).append(length)
                values.setdefault("response", []).append(value)
        if _failing(row):
            run.failing_total += 1
            doc, sample = _number(row.get("doc")), _number(row.get("sample"))
            order = (-(doc if doc is not None else math.inf), -(sample if sample is not None else math.inf))
            if len(heap) < max_samples:
                heapq.heappush(heap, (order, n, row))
            elif max_samples > 0 and order > heap[0][0]:
                heapq.heapreplace(heap, (order, n, row))
    run.scatter = {name: (lengths[name], values[name]) for name in lengths}
    kept = sorted(heap, key=lambda item: (item[0][0], item[0][1], -item[1]), reverse=True)
    for item in kept:  # a doc's prompt is stored once, however many of its samples fail
        row = item[2]
        run.failing.append(_page_row(row, max_chars))
        doc, prompt = str(row.get("doc")), row.get("prompt")
        if isinstance(prompt, str) and doc not in run.prompts:
            run.prompts[doc] = _cut(prompt, max_chars)


def _load(path: Path, max_samples: int, max_chars: int) -> _RunData:
    _check_dir(path)
    run = _RunData(path=path)
    if (path / "config.json").is_file():
        run.config = _object(path / "config.json", _read_json(path / "config.json"))
    if (path / "summary.json").is_file():
        run.summary = _object(path / "summary.json", _read_json(path / "summary.json"))
    if (path / AUDIT_FILE).is_file():
        run.audit = _object(path / AUDIT_FILE, _read_json(path / AUDIT_FILE))
        _check_audit(path / AUDIT_FILE, run.audit)
    run.has_run = any((path / name).is_file() for name in RUN_FILES)
    run.task = (run.summary or {}).get("task") or (run.config or {}).get("task")
    if (path / "samples.jsonl").is_file():
        run.has_samples = True
        _read_samples(run, max_samples, max_chars)
    return run


def _labels(paths: list[Path]) -> list[str]:
    """Short unique names: the folder name, with parent folders added while two runs share a name."""
    depth = 1
    while True:
        labels = ["/".join(p.resolve().parts[-depth:]) for p in paths]
        if len(set(labels)) == len(labels) or depth > 8:
            break
        depth += 1
    seen: Counter = Counter()
    out = []
    for label in labels:
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


# ------------------------------------------------------------------------------------------- figures


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MissingExtraError("the HTML report (rewardkit report)", "eval", err.name) from None
    return plt


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    fig.clf()
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _plot_scores(runs: list[_RunData]) -> dict[str, Any] | None:
    with_values = [(i, r) for i, r in enumerate(runs) if r.values]
    if not with_values:
        return None
    import numpy as np

    plt = _pyplot()
    every = np.concatenate([np.asarray(r.values, dtype=float) for _, r in with_values])
    lo, hi = float(every.min()), float(every.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.linspace(lo, hi, 31)
    fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    for i, run in with_values:
        missing = run.rows - len(run.values)
        ax.hist(
            np.asarray(run.values, dtype=float),
            bins=bins,
            histtype="step" if len(with_values) > 1 else "stepfilled",
            linewidth=1.8,
            color=_color(i),
            alpha=1.0 if len(with_values) > 1 else 0.75,
            label=f"{run.label} (n={len(run.values)}; {missing} without an ok value)",
        )
    ax.set_xlabel("value (ok samples)")
    ax.set_ylabel("samples")
    fig.legend(loc="outside lower center", fontsize=8, frameon=False, ncol=1)
    ax.set_title("Score distribution")
    note = "Only ok samples have a value; the status plot and tables count the others."
    return {"id": "plot-scores", "title": "Score distribution", "src": _png(fig), "note": note}


def _subset_metric_names(runs: list[_RunData]) -> list[str]:
    names: list[str] = []
    for run in runs:
        for entry in ((run.summary or {}).get("subsets") or {}).values():
            for name in (entry or {}).get("metrics") or {}:
                if name not in names:
                    names.append(name)
    return names[:3]


def _subset_label(name: str, width: int = 22) -> str:
    """A subset name wrapped onto lines of at most ``width`` characters (long names are not clipped)."""
    import textwrap

    return "\n".join(textwrap.wrap(name, width, break_long_words=True)) or name


def _plot_subsets(runs: list[_RunData]) -> dict[str, Any] | None:
    names = _subset_metric_names(runs)
    if not names:
        return None
    subsets: list[str] = []
    for run in runs:
        for name in (run.summary or {}).get("subsets") or {}:
            if name not in subsets:
                subsets.append(name)
    shown = subsets[:SUBSET_BARS]
    import numpy as np

    plt = _pyplot()
    height = max(2.6, 0.26 * len(shown) * max(1, len(runs)) ** 0.5 + 1.4)
    fig, axes = plt.subplots(
        1,
        len(names),
        figsize=(min(3.6 * len(names) + 2.4, 14), height),
        squeeze=False,
        layout="constrained",
    )
    step = 0.7 / max(1, len(runs))
    unit: list[str] = []  # metrics drawn on a fixed 0..1 axis
    y = np.arange(len(shown))
    for ax, name in zip(axes[0], names, strict=True):
        seen: list[float] = []
        for i, run in enumerate(runs):
            entries = (run.summary or {}).get("subsets") or {}
            vals, errs = [], [[], []]
            for subset in shown:
                metric = ((entries.get(subset) or {}).get("metrics") or {}).get(name) or {}
                value, ci = _number(metric.get("value")), metric.get("ci")
                vals.append(value if value is not None else np.nan)
                ok_ci = (
                    value is not None
                    and isinstance(ci, list)
                    and len(ci) == 2
                    and all(_number(c) is not None for c in ci)
                )
                errs[0].append(max(0.0, value - ci[0]) if ok_ci else 0.0)
                errs[1].append(max(0.0, ci[1] - value) if ok_ci else 0.0)
                seen += [value] if value is not None else []
                seen += [float(c) for c in ci] if ok_ci else []
            # a marker at the value, a line for the CI: a zero-width CI (or a value of 0) still shows
            ax.errorbar(
                vals,
                y + i * step - 0.35 + step / 2,
                xerr=errs,
                fmt="o",
                markersize=5,
                color=_color(i),
                label=run.label,
                elinewidth=1.2,
                capsize=3,
            )
        if seen and min(seen) >= 0.0 and max(seen) <= 1.0:  # accuracy, pass@k, ...: the full scale
            ax.set_xlim(-0.03, 1.03)
            unit.append(name)
        ax.set_yticks(y)
        ax.set_yticklabels(
            [_subset_label(s) for s in shown] if ax is axes[0][0] else [""] * len(shown), fontsize=8
        )
        ax.set_ylim(len(shown) - 0.5, -0.5)
        ax.set_title(name, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    if len(runs) > 1:  # below the plots, never over the data
        fig.legend(
            *axes[0][0].get_legend_handles_labels(),
            loc="outside lower center",
            ncol=min(len(runs), 3),
            fontsize=8,
            frameon=False,
        )
    fig.suptitle("Per-subset metrics (points: value; lines: 95% CI)", fontsize=11)
    note = f"{len(subsets)} subsets" + (
        f"; the first {SUBSET_BARS} are plotted, every subset is in the tables below"
        if len(subsets) > SUBSET_BARS
        else ""
    )
    if unit:
        note += f"; x axis fixed to [0, 1] for {', '.join(unit)} (values in [0, 1])"
    return {"id": "plot-subsets", "title": "Per-subset metrics", "src": _png(fig), "note": note}


def _plot_lengths(runs: list[_RunData]) -> dict[str, Any] | None:
    if not any(r.scatter for r in runs):
        return None
    import numpy as np

    plt = _pyplot()
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(7.5, 3.8), layout="constrained")
    notes: list[str] = []
    correlations: list[str] = []
    markers = {"response": "o", "chosen": "o", "rejected": "x"}
    for i, run in enumerate(runs):
        for series, (lengths, values) in run.scatter.items():
            x, y = np.asarray(lengths, dtype=float), np.asarray(values, dtype=float)
            if len(x) < 3:
                r_text = "r undefined (fewer than 3 points)"
            elif x.std() == 0 or y.std() == 0:
                r_text = "r undefined (constant " + ("length" if x.std() == 0 else "value") + ")"
            else:
                r_text = f"Pearson r={float(np.corrcoef(x, y)[0, 1]):.2f}"
            if len(x) > SCATTER_POINTS:
                pick = rng.choice(len(x), SCATTER_POINTS, replace=False)
                notes.append(f"{run.label} {series}: {SCATTER_POINTS} of {len(x)} points drawn at random")
                x, y = x[pick], y[pick]
            name = run.label if series == "response" else f"{run.label} {series}"
            correlations.append(f"{name}: {r_text}")
            ax.scatter(
                x,
                y,
                s=36 if series != "rejected" else 42,
                alpha=0.75 if len(x) < 500 else 0.4,
                marker=markers.get(series, "o"),
                color=_color(i),
                linewidths=0.9 if series == "rejected" else 0.4,
                **({} if series == "rejected" else {"edgecolors": "white"}),
                label=f"{name} ({r_text}, n={len(values)})",
            )
    ax.set_xlabel("response length (characters)")
    ax.set_ylabel("value")
    ax.set_title("Reward vs response length")
    ax.margins(y=0.08)
    fig.legend(loc="outside lower center", fontsize=8, markerscale=1.5, frameon=False, ncol=1)
    note = (
        "ok samples only (pairwise runs: each side's value against its length). "
        + "; ".join(correlations)
        + "."
        + "".join(f" {n}." for n in notes)
    )
    return {"id": "plot-lengths", "title": "Reward vs response length", "src": _png(fig), "note": note}


def _status_counts(run: _RunData) -> Counter:
    found = (run.summary or {}).get("statuses")
    if isinstance(found, dict) and run.complete:
        return Counter({str(k): int(v) for k, v in found.items() if isinstance(v, (int, float))})
    return Counter(run.statuses)


def _plot_statuses(runs: list[_RunData]) -> dict[str, Any] | None:
    counts = [(r, _status_counts(r)) for r in runs if r.has_run]
    counts = [(r, c) for r, c in counts if sum(c.values())]
    if not counts:
        return None
    if all(set(c) == {"ok"} for _, c in counts):  # nothing to see in a plot: one line says it
        text = "; ".join(
            f"{r.label}: all {c['ok']} samples ok" if len(counts) > 1 else f"all {c['ok']} samples ok"
            for r, c in counts
        )
        note = "No sample is unparseable, timed out or failed with an error."
        return {"id": "plot-statuses", "title": "Status shares", "src": None, "text": text, "note": note}
    plt = _pyplot()
    names = list(STATUSES) + sorted({k for _, c in counts for k in c} - set(STATUSES))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(counts) + 1.4), layout="constrained")
    for y, (_run, count) in enumerate(counts):
        total = sum(count.values())
        # a rare status is drawn at least MIN_SHARE wide so that one error in 100k samples still shows
        widths = {n: max(count[n] / total, MIN_SHARE) for n in names if count.get(n)}
        scale, left = sum(widths.values()), 0.0
        for name, width in widths.items():
            width /= scale
            ax.barh(y, width, left=left, color=STATUS_COLORS.get(name, OTHER_COLOR), edgecolor="white")
            text = f"{name} {count[name]}" if width > 0.16 else str(count[name]) if width > 0.04 else ""
            if text:
                ax.text(left + width / 2, y, text, ha="center", va="center", fontsize=8, color="white")
            left += width
    from matplotlib.patches import Patch

    handles = [Patch(color=STATUS_COLORS.get(name, OTHER_COLOR), label=name) for name in names]
    ax.set_yticks(range(len(counts)))
    ax.set_yticklabels([r.label for r, _ in counts], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of samples")
    fig.legend(
        handles=handles,
        ncol=len(names),
        fontsize=8,
        loc="outside lower center",
        frameon=False,
    )
    ax.set_title("Status shares")
    note = (
        f"Every status is counted (a status under {MIN_SHARE:.1%} of samples is drawn {MIN_SHARE:.1%} wide "
        "so it stays visible); the exact numbers are in the tables."
    )
    return {"id": "plot-statuses", "title": "Status shares", "src": _png(fig), "note": note}


# --------------------------------------------------------------------------------------------- tables


def _fmt(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{number:.4f}"


def _fmt_ci(ci: Any) -> str:
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_number(c) is not None for c in ci):
        return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]"
    return "—"


def _metric_rows(metrics: Any) -> list[dict[str, str]]:
    rows = []
    for name, metric in (metrics or {}).items():
        metric = metric if isinstance(metric, dict) else {"value": metric}
        extra = {
            k: v for k, v in metric.items() if k not in ("value", "ci", "n", "excluded") and v not in ({}, [])
        }
        rows.append(
            {
                "name": str(name),
                "value": _fmt(metric.get("value")),
                "ci": _fmt_ci(metric.get("ci")),
                "n": _fmt(metric.get("n")),
                "excluded": _fmt(metric.get("excluded")),
                "extra": ", ".join(
                    f"{k}={_fmt(v) if not isinstance(v, (dict, list)) else json.dumps(v)}"
                    for k, v in extra.items()
                ),
            }
        )
    return rows


def _comparison(runs: list[_RunData]) -> dict[str, Any] | None:
    with_metrics = [r for r in runs if (r.summary or {}).get("metrics")]
    if len(with_metrics) < 2:
        return None
    names: list[str] = []
    for run in with_metrics:
        for name in run.summary["metrics"]:
            if name not in names:
                names.append(name)
    base = with_metrics[0]
    rows = []
    for name in names:
        cells = []
        base_value = _number((base.summary["metrics"].get(name) or {}).get("value"))
        for j, run in enumerate(with_metrics):
            metric = run.summary["metrics"].get(name)
            metric = metric if isinstance(metric, dict) else {}
            value = _number(metric.get("value"))
            diff = ""
            if j > 0:
                diff = f"{value - base_value:+.4f}" if value is not None and base_value is not None else "—"
            cells.append(
                {
                    "value": _fmt(metric.get("value")) if metric else "(not reported)",
                    "ci": _fmt_ci(metric.get("ci")),
                    "diff": diff,
                }
            )
        rows.append({"name": name, "cells": cells})
    hashes = {(r.config or {}).get("suite_hash") or (r.summary or {}).get("suite") for r in with_metrics}
    note = None
    if len(hashes) > 1:
        suites = ", ".join(sorted({str((r.summary or {}).get("suite")) for r in with_metrics}))
        note = f"These runs are not on the same suite ({suites}, or the same suite with different settings): compare with care."
    return {"runs": [r.label for r in with_metrics], "base": base.label, "rows": rows, "note": note}


def _run_view(run: _RunData, index: int, max_samples: int) -> dict[str, Any]:
    summary = run.summary or {}
    config = run.config or {}
    if not run.has_run:
        state = None
    elif run.summary is None:
        state = "incomplete: no summary.json (the run was stopped or is still running); counts below are from samples.jsonl"
    elif not run.complete:
        state = "incomplete: summary.json says complete = false (the run was stopped before every sample was scored)"
    else:
        state = "complete"
    statuses = _status_counts(run)
    names = list(STATUSES) + sorted(set(statuses) - set(STATUSES))
    total = sum(statuses.values())
    status_rows = [
        {
            "name": n,
            "count": statuses.get(n, 0),
            "share": f"{statuses.get(n, 0) / total:.1%}" if total else "—",
            "color": STATUS_COLORS.get(n, OTHER_COLOR),
        }
        for n in names
    ]
    subsets = []
    for name, entry in (summary.get("subsets") or {}).items():
        entry = entry or {}
        for metric in _metric_rows(entry.get("metrics")):
            subsets.append({"subset": name, "docs": _fmt(entry.get("docs")), **metric})
    notes = []
    if run.torn:
        notes.append(run.torn)
    if run.duplicates:
        notes.append(
            f"{run.duplicates} rows of samples.jsonl repeat an earlier key; only the first of each is used"
        )
    if run.has_run and not run.has_samples:
        notes.append("no samples.jsonl in this directory: no plots or samples for this run")
    if run.complete and run.has_samples and summary.get("samples") not in (None, run.rows):
        notes.append(f"summary.json counts {summary.get('samples')} samples but samples.jsonl has {run.rows}")
    left_out = max(0, run.failing_total - len(run.failing))
    first_metric = next(iter(_metric_rows(summary.get("metrics"))), None)
    facts = [
        ("suite", summary.get("suite") or config.get("suite")),
        ("task", run.task),
        ("model", summary.get("model") or config.get("model")),
        ("backend", config.get("backend")),
        ("docs", summary.get("docs")),
        ("samples", summary.get("samples") if run.complete else run.rows),
        ("seed", config.get("seed")),
        ("limit", config.get("limit")),
        ("created", config.get("created")),
    ]
    # a resumed run: timing_all_calls adds up every call; timing is only the last call's
    all_calls = isinstance(summary.get("timing_all_calls"), dict) and bool(summary["timing_all_calls"])
    timing = (summary.get("timing_all_calls") if all_calls else summary.get("timing")) or {}
    return {
        "label": run.label,
        "path": str(run.path),
        "anchor": f"run-{index + 1}",
        "has_run": run.has_run,
        "state": state,
        "complete": run.complete,
        "facts": [
            (k, _fmt(v) if isinstance(v, (int, float)) else (v if v is not None else "—")) for k, v in facts
        ],
        "metrics": _metric_rows(summary.get("metrics")),
        "first_metric": first_metric,
        "subsets": subsets,
        "statuses": status_rows,
        "status_total": total,
        "status_line": ", ".join(
            f"{r['name']} {r['count']}" for r in status_rows if r["count"] or r["name"] == "ok"
        ),
        "failed": total - statuses.get("ok", 0),
        "finish_reasons": sorted(
            (summary.get("finish_reasons") or {}).items(),
            key=lambda kv: -kv[1] if isinstance(kv[1], (int, float)) else 0,
        ),
        "timing": [(k, f"{v:.1f} s" if isinstance(v, (int, float)) else str(v)) for k, v in timing.items()],
        "timing_all_calls": all_calls,
        "truncation": _truncation(run),
        "config_json": json.dumps(config, indent=2, ensure_ascii=False, default=str) if config else "",
        "notes": notes,
        "failing_total": run.failing_total,
        "failing_shown": len(run.failing),
        "left_out": left_out,
        "max_samples": max_samples,
        "audit": _audit_view(run.audit) if run.audit is not None else None,
    }


def _truncation(run: _RunData) -> str | None:
    """'N of M responses were cut at max_tokens (K)' when any response hit the token limit, else None."""
    found = (run.summary or {}).get("finish_reasons")
    if isinstance(found, dict) and run.summary is not None:
        counts = Counter({str(k): int(v) for k, v in found.items() if _number(v) is not None})
    else:
        counts = run.finish
    cut, total = counts.get("length", 0), sum(counts.values())
    if not cut:
        return None
    limit = ((run.config or {}).get("generation") or {}).get("max_tokens")
    where = f"max_tokens ({limit})" if limit is not None else "max_tokens"
    return (
        f"{cut} of {total} responses were cut at {where} (finish_reason length): their final answers may "
        "be missing; raise generation.max_tokens in the suite to let them finish"
    )


def _audit_view(audit: dict[str, Any]) -> dict[str, Any]:
    findings = []
    for item in audit.get("findings") or []:
        severity = str(item.get("severity"))
        findings.append(
            {
                "check": str(item.get("check")),
                "severity": severity,
                "message": str(item.get("message")),
                "value": _fmt(item.get("value")),
                "ci": _fmt_ci(item.get("ci")),
            }
        )
    counts = Counter(f["severity"] for f in findings)
    facts = [(k, audit.get(k)) for k in ("spec", "input", "n") if audit.get(k) is not None]
    checks = audit.get("checks")
    checks_json = (
        _cut(json.dumps(checks, indent=1, ensure_ascii=False, default=str), 20_000) if checks else ""
    )
    return {"facts": facts, "findings": findings, "counts": dict(counts), "checks_json": checks_json}


def _embedded(runs: list[_RunData]) -> str:
    """The failing samples as JSON that is safe inside a <script> element (no ``<``, ``>``, ``&``)."""
    data = {
        "page_size": PAGE_SIZE,
        "runs": [
            {"label": r.label, "task": r.task, "prompts": r.prompts, "rows": r.failing}
            for r in runs
            if r.has_samples
        ],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _safe_nan(row: Any) -> Any:
    if isinstance(row, float) and not math.isfinite(row):
        return None
    if isinstance(row, dict):
        return {k: _safe_nan(v) for k, v in row.items()}
    if isinstance(row, list):
        return [_safe_nan(v) for v in row]
    return row


# --------------------------------------------------------------------------------------------- public


def write_report(
    runs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    title: str | None = None,
    max_samples: int = 5000,
    max_chars: int = 2000,
) -> Path:
    """Write one self-contained HTML report over run directories (and audit directories); return its path.

    ``runs``: directories written by ``rewardkit eval`` (config.json, summary.json, samples.jsonl) and/or
    ``rewardkit audit`` (audit.json). ``max_samples``: failing samples embedded per run (the first by doc
    and sample; the page counts the rest). ``max_chars``: text fields longer than this are cut in the
    middle with a visible marker. Raises :class:`~rewardkit.errors.InputError` for a path that is not
    such a directory.
    """
    if isinstance(runs, (str, os.PathLike)):
        runs = [runs]
    paths = [Path(p) for p in runs]
    if not paths:
        raise InputError("no run directories given: pass at least one directory written by `rewardkit eval`")
    if max_samples < 0:
        raise InputError(f"max_samples must be 0 or more (got {max_samples})")
    if max_chars < 100:
        raise InputError(f"max_chars must be at least 100 (got {max_chars})")
    import jinja2
    import markupsafe

    loaded = [_load(p, max_samples, max_chars) for p in paths]
    for run, label in zip(loaded, _labels(paths), strict=True):
        run.label = label
        run.failing = [_safe_nan(r) for r in run.failing]
    plots = [
        plot
        for plot in (
            _plot_statuses(loaded),
            _plot_scores(loaded),
            _plot_subsets(loaded),
            _plot_lengths(loaded),
        )
        if plot is not None
    ]
    views = [_run_view(r, i, max_samples) for i, r in enumerate(loaded)]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rewardkit.evals", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    labels = [r.label for r in loaded]
    page = env.get_template("report.html.j2").render(
        title=title or f"rewardkit report: {', '.join(labels)}",
        runs=views,
        run_views=[v for v in views if v["has_run"]],
        audits=[v for v in views if v["audit"] is not None],
        comparison=_comparison(loaded),
        plots=plots,
        samples_json=markupsafe.Markup(_embedded(loaded)),
        any_samples=any(r.has_samples for r in loaded),
        failing_total=sum(r.failing_total for r in loaded),
        failing_shown=sum(len(r.failing) for r in loaded),
        statuses=STATUSES,
        status_colors=STATUS_COLORS,
        page_size=PAGE_SIZE,
    )
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(out, page)


__all__ = ["write_report"]
