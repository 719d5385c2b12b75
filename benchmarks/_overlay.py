"""Trainers installed beside this project, for the adapter tests and the code benchmark: verl and OpenRLHF
pin their own torch/transformers, so they are never installed into this environment. ``pip install
--no-deps --target`` of the pins goes, once, into a folder under the rewardkit cache
(``<cache>/test-overlays/<name>-py<XY>-<hash of the pins>``), put first on ``PYTHONPATH`` by whoever runs
the trainer's code."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

VERL_PINS = [
    "verl==0.9.1",
    "tensordict==0.10.0",
    "pyvers==0.1.0",
    "codetiming==1.4.0",
    "omegaconf==2.4.0",
    "orjson==3.13.0",
]


def overlay_path(name: str, pins: Sequence[str]) -> Path:
    from rewardkit.engine.models import cache_dir

    digest = hashlib.sha256(" ".join(pins).encode()).hexdigest()[:12]
    return cache_dir() / "test-overlays" / f"{name}-py{sys.version_info[0]}{sys.version_info[1]}-{digest}"


def install_overlay(name: str, pins: Sequence[str]) -> Path:
    """The overlay folder of ``pins``, installed when missing; RuntimeError (pip's message) when pip
    cannot install them."""
    target = overlay_path(name, pins)
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(tmp), *pins]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"could not install {' '.join(pins)}: {proc.stderr.strip()[-500:]}")
        for stray in ("tests", "scripts", "bin"):  # keep this project's `tests` the only one on the path
            shutil.rmtree(tmp / stray, ignore_errors=True)
        (tmp / ".complete").write_text(" ".join(pins) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return target
