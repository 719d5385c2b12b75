"""What a benchmark result was measured on (written into every benchmarks/results/*.json), and where a
run writes its result."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"


def results_path(name: str, quick: bool, output: Path | None = None) -> Path:
    """Where a run writes its JSON: `output` when given, else results/<name>.json for a full run (the
    committed figures) and results/<name>.quick.json for --quick (git-ignored), so a quick check never
    overwrites the committed numbers."""
    if output is not None:
        return output
    return RESULTS_DIR / (f"{name}.quick.json" if quick else f"{name}.json")


def add_output_option(parser: argparse.ArgumentParser, name: str) -> None:
    """--output, defaulting (when left out) to results_path(name, args.quick)."""
    full, quick = results_path(name, quick=False), results_path(name, quick=True)
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON results (default {full.relative_to(ROOT)}; with --quick {quick.relative_to(ROOT)})",
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine_info(packages: Sequence[str]) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "root": os.geteuid() == 0,
        "packages": {name: _package(name) for name in packages},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
    }
