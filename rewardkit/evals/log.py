"""Read run directories: the header (config), the summary, the rows, and pandas frames over many runs.

::

    from rewardkit.evals import Run, load_runs

    run = Run("runs/gsm8k-smollm2")
    run.summary["metrics"]["accuracy"]      # {"value": ..., "ci": [lo, hi], "n": ..., ...}
    df = load_runs(["runs/a", "runs/b"])    # every sample of both runs, with a "run" column

A summary never needs the samples: ``Run.summary`` reads ``summary.json`` only. A run still going (or
killed) has no complete summary; ``Run.rows()`` reads what is on disk, a torn last line left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rewardkit.errors import InputError
from rewardkit.evals.runner import RunFiles


class Run:
    """One run directory (see docs/harness.md, "The run directory")."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.files = RunFiles(self.path)
        if not self.path.exists():
            raise InputError(f"{self.path}: no such run directory; give a folder written by `rewardkit eval`")
        if not self.files.config.is_file():
            raise InputError(
                f"{self.path}: not a rewardkit run directory (no config.json); give a folder written by "
                "`rewardkit eval`"
            )

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.files.config.read_text(encoding="utf-8"))

    @property
    def summary(self) -> dict[str, Any] | None:
        """``summary.json`` (None while the run has not written one)."""
        if not self.files.summary.is_file():
            return None
        return json.loads(self.files.summary.read_text(encoding="utf-8"))

    @property
    def complete(self) -> bool:
        summary = self.summary
        return bool(summary and summary.get("complete"))

    def rows(self) -> list[dict[str, Any]]:
        """The scored samples of the run's docs (its last ``limit``: rows of docs beyond a reduced limit
        stay in the log but are not the run's), sorted by (doc, sample)."""
        limit = self.config.get("limit")
        rows = [r for r in RunFiles.read(self.files.samples).values() if limit is None or r["doc"] < limit]
        return sorted(rows, key=lambda r: (r["doc"], r["sample"]))

    def frame(self) -> Any:
        """The rows as a pandas DataFrame (``details`` stays a column of dicts)."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"


def load_runs(paths: Iterable[str | os.PathLike[str]]) -> Any:
    """One DataFrame with every sample of every run; the ``run`` column names the run directory."""
    import pandas as pd

    frames = []
    for path in paths:
        run = Run(path)
        frame = run.frame()
        frame.insert(0, "run", str(run.path))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summaries(paths: Iterable[str | os.PathLike[str]]) -> Any:
    """One row per (run, metric): value and interval, from the summaries alone."""
    import pandas as pd

    records = []
    for path in paths:
        run = Run(path)
        summary = run.summary or {}
        for name, m in (summary.get("metrics") or {}).items():
            ci = m.get("ci") or [None, None]
            records.append(
                {
                    "run": str(run.path),
                    "suite": summary.get("suite"),
                    "model": summary.get("model"),
                    "metric": name,
                    "value": m.get("value"),
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "n": m.get("n"),
                    "excluded": m.get("excluded", 0),
                    "samples": summary.get("samples"),
                    "not_ok": sum(v for k, v in (summary.get("statuses") or {}).items() if k != "ok"),
                    "complete": summary.get("complete", False),
                }
            )
    return pd.DataFrame(records)


__all__ = ["Run", "load_runs", "summaries"]
