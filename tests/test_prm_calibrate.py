"""Threshold calibration and ProcessBench evaluation of a spec's PRM, on real PRM800K items converted to
ProcessBench form and a real model (SmolLM2, per-step likelihood: the fastest kind), through the library
and the `rewardkit prm` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rewardkit import load_spec
from rewardkit.cli import app
from rewardkit.errors import ConfigError
from rewardkit.prm.calibrate import calibrated_spec, evaluate_spec
from rewardkit.prm.processbench import (
    first_error_prediction,
    load_processbench,
    prm800k_to_processbench,
    processbench_f1,
    read_prm800k,
    split_by_problem,
)

SPEC = """\
name: outcome_process
components:
  - name: outcome
    verifier: math
    gate: true
  - name: process
    verifier: prm
    config: {kind: likelihood, model: smollm2}
"""


@pytest.fixture(scope="module")
def items_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PRM800K converted to ProcessBench form: the 12 shortest items with an error and the 12 shortest
    without, as a JSONL file."""
    source = (
        Path(__file__).resolve().parents[2] / "shared" / "data" / "prm800k" / "phase1_test_stepwise.jsonl"
    )
    if not source.is_file():
        pytest.skip(f"{source} is missing (the shared PRM800K data)")
    items, _ = prm800k_to_processbench(read_prm800k(source))
    by_length = sorted(items, key=lambda it: sum(map(len, it.steps)))
    short = [it for it in by_length if it.label != -1][:12] + [it for it in by_length if it.label == -1][:12]
    path = tmp_path_factory.mktemp("pb") / "items.jsonl"
    path.write_text("".join(json.dumps(it.to_dict()) + "\n" for it in short), encoding="utf-8")
    return path


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "outcome_process.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_calibration_picks_the_best_threshold_on_one_side_and_reports_the_other(
    items_file: Path, spec_file: Path, tmp_path: Path
) -> None:
    document, result = calibrated_spec(spec_file, items_file, fraction=0.5, seed=0)
    calib, report = split_by_problem(load_processbench(items_file), 0.5, 0)
    assert calib and report and not {it.problem for it in calib} & {it.problem for it in report}
    assert result.calibration["n"] == len(calib) and result.report["n"] == len(report)
    calib_values = [s.step_values for s in result.scores[: len(calib)]]
    labels = [it.label for it in calib]

    def f1_at(t: float) -> float:
        return processbench_f1([first_error_prediction(v, t) for v in calib_values], labels)["f1"] or 0.0

    every_cut = sorted({v for vs in calib_values for v in vs} | {0.0, 1.01})
    best = max(f1_at(t) for t in every_cut)  # brute force over every distinct value as a threshold
    assert f1_at(result.threshold) == pytest.approx(best)
    assert result.calibration["f1"] == pytest.approx(best)
    config = document["components"][1]["config"]
    assert config["threshold"] == result.threshold
    assert config["calibration"]["f1_report"] == result.report["f1"]
    assert config["calibration"]["split"] == {"fraction": 0.5, "seed": 0, "by": "problem"}

    # written back, the spec loads and its PRM uses the threshold; evaluating the report side alone at it
    # gives the numbers calibration reported
    out = tmp_path / "calibrated.yaml"
    out.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert load_spec(out).components[1].verifier.config.threshold == result.threshold
    report_file = tmp_path / "report.jsonl"
    report_file.write_text("".join(json.dumps(it.to_dict()) + "\n" for it in report), encoding="utf-8")
    again = evaluate_spec(out, report_file)
    assert again["f1"] == pytest.approx(result.report["f1"]) and again["n"] == len(report)
    assert again["threshold"] == result.threshold and again["statuses"] == {"ok": len(report)}


def test_the_spec_needs_one_prm_component(items_file: Path, tmp_path: Path) -> None:
    none = tmp_path / "none.yaml"
    none.write_text("components:\n  - {name: outcome, verifier: math}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match="calibration needs one prm component; the spec's prm components: none"
    ):
        calibrated_spec(none, items_file)
    two = tmp_path / "two.yaml"
    two.write_text(
        "components:\n"
        "  - {name: a, verifier: prm, config: {kind: likelihood}}\n"
        "  - {name: b, verifier: prm, config: {kind: likelihood, model: smollm2}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"\['a', 'b'\]; name one with --component"):
        calibrated_spec(two, items_file)
    with pytest.raises(ConfigError, match="the prm component 'c'"):
        calibrated_spec(two, items_file, component="c")


def run(*args: Any) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_convert_calibrate_evaluate(items_file: Path, spec_file: Path, tmp_path: Path) -> None:
    source = (
        Path(__file__).resolve().parents[2] / "shared" / "data" / "prm800k" / "phase1_test_stepwise.jsonl"
    )
    converted = tmp_path / "prm800k.jsonl"
    result = run("prm", "convert", source, "--output", converted, "--no-branches")
    assert result.exit_code == 0, result.output
    chains = load_processbench(converted)
    assert "78 whole solutions" in result.output and len(chains) == 78
    assert all(it.label == -1 and it.meta["kind"] == "chain" for it in chains)

    out = tmp_path / "calibrated.yaml"
    result = run("prm", "calibrate", spec_file, "--data", items_file, "--output", out)
    assert result.exit_code == 0, result.output
    assert "calibration" in result.output and "report" in result.output and f"wrote {out}" in result.output
    threshold = yaml.safe_load(out.read_text())["components"][1]["config"]["threshold"]

    report = tmp_path / "numbers.json"
    result = run("prm", "evaluate", out, "--data", items_file, "--report", report)
    assert result.exit_code == 0, result.output
    numbers = json.loads(report.read_text())
    assert numbers["threshold"] == threshold and numbers["n"] == 24 and 0 <= numbers["f1"] <= 1

    bad = run("prm", "calibrate", spec_file, "--data", tmp_path / "missing.jsonl", "--output", out)
    assert bad.exit_code == 2 and "missing.jsonl" in bad.output
    itself = run("prm", "calibrate", spec_file, "--data", items_file, "--output", spec_file)
    assert itself.exit_code == 2 and "--output is the spec itself" in itself.output
    fraction = run("prm", "calibrate", spec_file, "--data", items_file, "--output", out, "--fraction", "1.5")
    assert fraction.exit_code == 2 and "--fraction" in fraction.output
    typo = tmp_path / "typo.yaml"
    typo.write_text(SPEC.replace("kind: likelihood", "kind: lable_token"), encoding="utf-8")
    located = run("prm", "evaluate", typo, "--data", items_file)
    assert located.exit_code == 2 and "typo.yaml:8: components[1].config.kind" in located.output
