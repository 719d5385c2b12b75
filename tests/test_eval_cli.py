"""`rewardkit eval`, `report`, `audit` and `suites` on real components: the packaged SmolLM2, the real
math verifier, the report read back, the audit's findings; bad input exits 2 naming file, line, field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_eval_report import embedded
from typer.testing import CliRunner

from rewardkit.assets import find_asset
from rewardkit.cli import app

runner = CliRunner()
ENV = {"COLUMNS": "200"}


def test_eval_then_report(tmp_path: Path, repo_root: Path) -> None:
    suite = (
        (repo_root / "evals" / "gsm8k-sample.yaml").read_text().replace("max_tokens: 192", "max_tokens: 24")
    )
    (tmp_path / "tiny.yaml").write_text(suite)
    out = tmp_path / "run"
    args = ["eval", str(tmp_path / "tiny.yaml"), "-n", "2", "-o", str(out), "--backend-option", "threads=1"]
    result = runner.invoke(app, [*args, "--report"], env=ENV)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert "accuracy" in result.output and f"{summary['metrics']['accuracy']['value']:.4f}" in result.output
    assert "2 samples" in result.output and f"run directory: {out}" in result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "gsm8k-sample" in page and ">complete<" in page and 'id="plot-statuses"' in page
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    fails = sorted(r["key"] for r in rows if r["correct"] is False or r["status"] != "ok")
    assert sorted(r["key"] for r in embedded(page)["runs"][0]["rows"]) == fails  # the failing samples, all

    # again: resumed, nothing to do, same summary numbers
    again = runner.invoke(app, args, env=ENV)
    assert (
        again.exit_code == 0
        and json.loads((out / "summary.json").read_text())["metrics"] == summary["metrics"]
    )
    # a changed model is refused with what changed and what to do
    refused = runner.invoke(app, [*args, "--model", "gemma3-270m"], env=ENV)
    assert refused.exit_code == 2 and "model: 'smollm2' -> 'gemma3-270m'" in refused.output
    assert "--force" in refused.output

    report = runner.invoke(app, ["report", str(out), "--output", str(tmp_path / "r.html"), "--title", "T1"])
    assert report.exit_code == 0 and (tmp_path / "r.html").read_text(encoding="utf-8").count("T1") >= 1


def test_bad_suites_and_options_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndataset:\n  path: x.jsonl\nscoring:\n  verifier: math\nmetrics: [pass@0]\n")
    result = runner.invoke(app, ["eval", str(bad)], env=ENV)
    assert result.exit_code == 2 and f"{bad}:6: metrics:" in result.output
    missing = runner.invoke(app, ["eval", "gsm8k", "--data", str(tmp_path / "none.jsonl")], env=ENV)
    assert missing.exit_code == 2 and "none.jsonl: no such file" in missing.output
    option = runner.invoke(app, ["eval", "gsm8k-sample", "--backend-option", "threads"], env=ENV)
    assert option.exit_code == 2 and "write KEY=VALUE" in option.output
    report = runner.invoke(app, ["report", str(tmp_path)], env=ENV)
    assert report.exit_code == 2 and str(tmp_path) in report.output


def test_suites_lists_the_shipped_ones() -> None:
    result = runner.invoke(app, ["suites"], env=ENV)
    assert result.exit_code == 0
    for name in ("gsm8k", "math500", "humaneval", "mbpp", "aime", "processbench", "hh-rlhf", "open-ended"):
        assert name in result.output
    assert "pairwise" in result.output and "process" in result.output


def test_audit_prints_findings_and_writes_them(tmp_path: Path) -> None:
    rollouts = shutil.copy(find_asset("data", "rollouts.jsonl"), tmp_path / "rollouts.jsonl")
    result = runner.invoke(
        app, ["audit", "--spec", "math", "--input", str(rollouts), "-o", str(tmp_path / "a")], env=ENV
    )
    assert result.exit_code == 0, result.output
    audit = json.loads((tmp_path / "a" / "audit.json").read_text())
    assert audit["n"] == 40 and {f["check"] for f in audit["findings"]} >= {
        "length",
        "perturbation:drop_boxed",
    }
    assert "perturbation:drop_boxed" in result.output and "wrote" in result.output
    bad = runner.invoke(app, ["audit", "--spec", "math", "--input", str(tmp_path / "nope.jsonl")], env=ENV)
    assert bad.exit_code == 2 and "nope.jsonl" in bad.output
