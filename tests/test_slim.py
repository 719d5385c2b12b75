"""The core install (`pip install rewardkit`, no extras) scores with the CPU verifiers and specs, and every
feature behind an extra says which extra to install.

The extras' modules are hidden from a subprocess by a meta-path finder, the way a machine without them
would see it (a real core-only venv is built by the CI install check in docs/installing.md's numbers).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HIDDEN = ("torch", "transformers", "accelerate", "gguf", "safetensors", "fastapi", "uvicorn",
          "prometheus_client", "ray", "pyarrow", "numpy", "pandas")  # fmt: skip

SHIM = textwrap.dedent(
    f"""
    import importlib.abc, sys
    HIDDEN = {HIDDEN!r}

    class Hide(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Hide())
    import importlib.util
    _find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *a, **k: None if name.split(".")[0] in HIDDEN else _find_spec(name, *a, **k)
    """
)


def run_core(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SHIM + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_core_scores_math_and_specs_without_extras(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "response": r"so $\boxed{\frac{1}{2}}$", "reference": "0.5"},
        {"id": "b", "response": "The answer is 7.", "reference": "8"},
        {"id": "c", "response": "no idea", "reference": "3"},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_core(
        """
        import sys
        from rewardkit.cli import app
        sys.argv = ["rewardkit", "score", "--spec", "math", "-i", "in.jsonl", "-o", "out.jsonl"]
        try:
            app()
        except SystemExit as exit:
            assert exit.code in (0, None), exit.code
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN)
        print("LOADED", loaded)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reward"], r["status"]) for r in out] == [
        ("a", 1.1, "ok"),
        ("b", 0.0, "ok"),
        ("c", None, "unparseable"),
    ]


def test_features_behind_extras_name_them(tmp_path: Path) -> None:
    result = run_core(
        """
        import rewardkit
        from rewardkit import Sample

        def attempt(label, fn):
            try:
                fn()
                print(label, "OK")
            except rewardkit.MissingExtraError as err:
                print(label, "|", err)

        attempt("likelihood", lambda: rewardkit.create_verifier("likelihood"))
        attempt("classifier", lambda: rewardkit.create_verifier("classifier", model="x"))
        attempt("spec", lambda: rewardkit.load_spec("cme"))
        from rewardkit.engine.backends import get_backend
        attempt("backend", lambda: get_backend("transformers", model="smollm2"))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    for label in ("likelihood", "classifier", "backend"):
        assert (
            "needs the 'models' extra" in lines[label] and "pip install 'rewardkit[models]'" in lines[label]
        )
    assert "needs the 'models' extra" in lines["spec"], lines["spec"]
