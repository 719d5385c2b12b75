"""The HTML report (rewardkit.evals.report): run directories written here by the contract (config.json,
summary.json, samples.jsonl; audit.json), the page's content, errors, a 100k-sample run, and the page in a
real headless browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import io
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rewardkit.errors import InputError
from rewardkit.evals.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = (
    '<script>window.__pwned = 1; document.title = "PWNED";</script><img src=x onerror="window.__pwned = 2">'
)
SUBSETS = ("algebra", "geometry", "counting & probability")


# ------------------------------------------------------------------------------------- run fixtures


def _generate_row(doc: int, sample: int, rng: random.Random, text_len: int = 200) -> dict[str, Any]:
    roll = rng.random()
    status = "ok" if roll < 0.8 else "unparseable" if roll < 0.9 else "timeout" if roll < 0.95 else "error"
    response = f"Let me think about question {doc}. " + "x" * rng.randint(text_len // 4, text_len)
    length = len(response)
    value = (1.0 if rng.random() < 0.3 + length / (4 * text_len) else 0.0) if status == "ok" else None
    return {
        "key": f"{doc}:{sample}",
        "doc": doc,
        "sample": sample,
        "id": f"q{doc}",
        "subset": SUBSETS[doc % len(SUBSETS)],
        "prompt": f"Question {doc}: what is {doc} + {doc}?",
        "value": value,
        "status": status,
        "reason": "" if status == "ok" else f"{status}: no boxed answer",
        "details": {"extracted": str(doc * 2) if value else None},
        "correct": None if status != "ok" else value == 1.0,
        "response": response,
        "reference": str(doc * 2),
        "finish_reason": "stop" if rng.random() < 0.9 else "length",
        "answer": str(doc * 2) if value else None,
        "length_chars": length,
        "length_tokens": length // 4,
        "steps": None,
    }


def _pairwise_row(doc: int, sample: int, rng: random.Random) -> dict[str, Any]:
    chosen, rejected = "A helpful answer. " * rng.randint(1, 20), "A bad answer. " * rng.randint(1, 20)
    vc, vr = rng.random(), rng.random()
    status = "ok" if rng.random() < 0.9 else "error"
    winner = ("chosen" if vc > vr else "rejected") if status == "ok" else None
    return {
        "key": f"{doc}:{sample}",
        "doc": doc,
        "sample": sample,
        "id": f"p{doc}",
        "subset": "chat" if doc % 2 else "safety",
        "prompt": f"Which reply is better? ({doc})",
        "value": (1.0 if winner == "chosen" else 0.0) if status == "ok" else None,
        "status": status,
        "reason": "" if status == "ok" else "error: judge failed",
        "details": {},
        "correct": (winner == "chosen") if status == "ok" else None,
        "chosen": chosen,
        "rejected": rejected,
        "winner": winner,
        "value_chosen": vc if status == "ok" else None,
        "value_rejected": vr if status == "ok" else None,
    }


def _process_row(doc: int, sample: int, rng: random.Random) -> dict[str, Any]:
    steps = [f"Step {i + 1}: compute {i} + {doc}." for i in range(rng.randint(2, 6))]
    label = rng.choice([-1, *range(len(steps))])
    prediction = rng.choice([-1, *range(len(steps))])
    return {
        "key": f"{doc}:{sample}",
        "doc": doc,
        "sample": sample,
        "id": f"pb{doc}",
        "subset": "gsm8k" if doc % 2 else "math",
        "prompt": f"Problem {doc}",
        "value": rng.random(),
        "status": "ok",
        "reason": "",
        "details": {},
        "correct": label == prediction,
        "steps": steps,
        "label": label,
        "prediction": prediction,
        "step_values": [round(rng.random(), 3) for _ in steps],
    }


ROWS = {"generate": _generate_row, "pairwise": _pairwise_row, "process": _process_row}


def _summary_metrics(rows: list[dict[str, Any]], task: str) -> dict[str, Any]:
    decided = [r for r in rows if r["correct"] is not None]
    acc = sum(r["correct"] for r in decided) / max(1, len(rows))
    name = {"generate": "accuracy", "pairwise": "pairwise_accuracy", "process": "processbench_f1"}[task]
    out = {
        name: {
            "value": acc,
            "ci": [max(0.0, acc - 0.05), min(1.0, acc + 0.05)],
            "n": len(rows),
            "excluded": 0,
        }
    }
    if task == "generate":
        out["pass@4"] = {
            "value": min(1.0, acc + 0.2),
            "ci": [acc + 0.1, min(1.0, acc + 0.3)],
            "n": len(rows) // 4,
            "excluded": 0,
        }
    return out


def make_run(
    path: Path,
    *,
    task: str = "generate",
    docs: int = 100,
    samples: int = 4,
    seed: int = 0,
    complete: bool = True,
    summary: bool = True,
    torn: bool = False,
    hostile: bool = False,
    text_len: int = 200,
    shuffle: bool = True,
) -> list[dict[str, Any]]:
    """Write a run directory by the contract; return its rows (the torn line not included)."""
    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    make = ROWS[task]
    rows = [
        make(d, s, rng, text_len) if task == "generate" else make(d, s, rng)
        for d in range(docs)
        for s in range(samples)
    ]
    if hostile:
        rows[3].update(
            status="ok",
            correct=False,
            value=0.0,
            response=HOSTILE + " </script><script>window.__pwned = 3</script>",
        )
        rows[3]["prompt"] = "<b>bold?</b> " + HOSTILE
        rows[3]["reason"] = HOSTILE
        rows[3]["details"] = {"html": HOSTILE}
    written = list(rows)
    if shuffle:
        rng.shuffle(written)  # samples finish in any order
    config = {
        "format": 1,
        "suite": f"toy_{task}",
        "suite_hash": "ab" * 32,
        "suite_config": {"name": f"toy_{task}"},
        "task": task,
        "model": "smollm2",
        "backend": "transformers",
        "generation": {"n": samples, "temperature": 0.7} if task == "generate" else None,
        "seed": seed,
        "limit": None,
        "versions": {"rewardkit": "0.0.0", "python": "3.11"},
        "created": "2026-12-05T12:00:00Z",
    }
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with (path / "samples.jsonl").open("w", encoding="utf-8") as handle:
        for row in written:
            handle.write(json.dumps(row) + "\n")
        if torn:
            handle.write(
                json.dumps(make(docs, 0, rng, text_len) if task == "generate" else make(docs, 0, rng))[:57]
            )
    if summary:
        subsets = {}
        for name in sorted({r["subset"] for r in rows}):
            part = [r for r in rows if r["subset"] == name]
            subsets[name] = {"docs": len({r["doc"] for r in part}), "metrics": _summary_metrics(part, task)}
        data = {
            "format": 1,
            "suite": f"toy_{task}",
            "task": task,
            "model": "smollm2",
            "complete": complete,
            "docs": docs,
            "samples": len(rows),
            "statuses": dict(Counter(r["status"] for r in rows)),
            "finish_reasons": dict(Counter(r.get("finish_reason") for r in rows if r.get("finish_reason"))),
            "metrics": _summary_metrics(rows, task),
            "subsets": subsets,
            "timing": {"generate_s": 12.5, "score_s": 3.25, "total_s": 15.75},
        }
        (path / "summary.json").write_text(json.dumps(data), encoding="utf-8")
    return rows


def make_audit(path: Path, n: int = 200) -> dict[str, Any]:
    path.mkdir(parents=True, exist_ok=True)
    audit = {
        "spec": "math_reward.yaml",
        "input": "rollouts.jsonl",
        "n": n,
        "findings": [
            {
                "check": "length_correlation",
                "severity": "warn",
                "message": "reward rises with length (r=0.41)",
                "value": 0.41,
                "ci": [0.3, 0.5],
            },
            {
                "check": "drop_boxed",
                "severity": "fail",
                "message": "dropping \\boxed{} keeps 62% of the reward <b>x</b>",
                "value": 0.62,
                "ci": None,
            },
            {
                "check": "append_filler",
                "severity": "ok",
                "message": "filler does not move the reward",
                "value": None,
                "ci": None,
            },
        ],
    }
    audit["checks"] = {"length": {"rho": 0.41, "note": "<i>raw</i>"}}
    (path / "audit.json").write_text(json.dumps(audit), encoding="utf-8")
    return audit


def make_trial_run(
    path: Path,
    *,
    n: int = 16,
    subsets: tuple[str, ...] = (),
    statuses: tuple[str, ...] = ("ok",),
    right: int | None = 7,
) -> list[dict[str, Any]]:
    """A run shaped like the new-user trial's: one sample a doc, most answers wrong, 10 of 16 responses
    cut at max_tokens, the runner's newer fields (row_hash, select_value/status, winner vs a baseline,
    timing_all_calls); every subset's accuracy 0 with a zero-width CI."""
    path.mkdir(parents=True, exist_ok=True)
    rows = []
    for d in range(n):
        status = statuses[d % len(statuses)]
        value = (1.0 if d == right else 0.0) if status == "ok" else None
        response = "To solve this problem, we need to break it down step by step. " * (4 + d % 6)
        response += f"FINAL-{d}: {d * 3}"
        rows.append(
            {
                "key": f"{d}:0",
                "doc": d,
                "sample": 0,
                "id": f"gsm-{d}",
                "row_hash": f"{d:064x}",
                "subset": subsets[d % len(subsets)] if subsets else None,
                "prompt": f"Question {d}",
                "value": value,
                "status": status,
                "reason": "answer differs from gold" if status == "ok" else f"{status}: no final answer",
                "details": {"extracted": f"x{d * 3}"},
                "correct": value == 1.0 if status == "ok" else None,
                "response": response,
                "reference": f"gold-{d * 2}",
                "finish_reason": "length" if d < 10 else "stop",
                "answer": f"ans{d * 3}" if d % 2 else None,
                "length_chars": len(response),
                "length_tokens": 120,
                "steps": None,
                "select_value": 0.25,
                "select_status": "ok",
                "winner": ("A", "B", "tie", "inconsistent")[d % 4],
                "comparison": {"winner": ("A", "B", "tie", "inconsistent")[d % 4]},
            }
        )
    (path / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = {"format": 1, "suite": "gsm8k-sample", "task": "generate", "model": "smollm2"}
    config["generation"] = {"n": 1, "max_tokens": 192}
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    zero = {"accuracy": {"value": 0.0, "ci": [0.0, 0.0], "n": 3, "excluded": 0}}
    summary = {
        "format": 1,
        "suite": "gsm8k-sample",
        "task": "generate",
        "model": "smollm2",
        "complete": True,
        "docs": n,
        "samples": n,
        "statuses": dict(Counter(r["status"] for r in rows)),
        "finish_reasons": dict(Counter(r["finish_reason"] for r in rows)),
        "metrics": {"accuracy": {"value": 1 / n, "ci": [0.0, 3 / n], "n": n, "excluded": 0}},
        "subsets": {name: {"docs": 3, "metrics": zero} for name in subsets},
        "timing": {"generate_s": 1.25, "score_s": 0.5, "total_s": 1.75},
        "timing_all_calls": {"generate_s": 138.1, "score_s": 1.5, "total_s": 139.6},
    }
    (path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return rows


def embedded(page: str) -> dict[str, Any]:
    """The failing samples the page embeds (its <script type="application/json"> payload)."""
    match = re.search(r'<script type="application/json" id="samples-data">(.*?)</script>', page, re.S)
    assert match, "the page has no embedded samples"
    return json.loads(match.group(1))


def failing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["correct"] is False or r["status"] != "ok"]


# ------------------------------------------------------------------------------------------ content


def test_report_shows_summary_plots_statuses_and_failing_samples(tmp_path: Path) -> None:
    rows = make_run(tmp_path / "run-a", torn=True, hostile=True)
    out = write_report([tmp_path / "run-a"], tmp_path / "out" / "report.html", title="Toy <report>")
    assert out == tmp_path / "out" / "report.html"
    page = out.read_text(encoding="utf-8")
    assert "<title>Toy &lt;report&gt;</title>" in page
    # summary tables: metric names, values and CIs from summary.json
    summary = json.loads((tmp_path / "run-a" / "summary.json").read_text())
    acc = summary["metrics"]["accuracy"]
    assert 'id="summary-table"' in page and "accuracy" in page and "pass@4" in page
    assert f"{acc['value']:.4f}" in page and f"[{acc['ci'][0]:.4f}, {acc['ci'][1]:.4f}]" in page
    assert "counting &amp; probability" in page  # subsets table, escaped
    # every status counted, none hidden
    for status, count in summary["statuses"].items():
        assert re.search(rf">{status}</span></td><td class=\"num\">{count}</td>", page), status
    # four plots as embedded PNGs, no network
    for plot in ("plot-statuses", "plot-scores", "plot-subsets", "plot-lengths"):
        assert re.search(rf'<figure id="{plot}">\s*<img src="data:image/png;base64,', page), plot
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    # torn last line skipped and noted
    assert "the last line of samples.jsonl" in page and "is incomplete" in page
    # the failing samples: all of them (under the cap), sorted by (doc, sample)
    data = embedded(page)
    [run] = data["runs"]
    expected = sorted(failing(rows), key=lambda r: (r["doc"], r["sample"]))
    assert [r["key"] for r in run["rows"]] == [r["key"] for r in expected]
    assert {r["status"] for r in run["rows"]} == {"ok", "unparseable", "timeout", "error"}
    assert "prompt" not in run["rows"][0] and run["prompts"]["0"].startswith("Question 0")
    # hostile text is data inside JSON, never markup: no raw tag survives in the page source
    assert "window.__pwned" in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    hostile = next(r for r in run["rows"] if r["key"] == "0:3")
    assert hostile["response"].startswith(HOSTILE) and hostile["details"] == {"html": HOSTILE}


def test_trial_run_truncation_timing_all_ok_and_newer_row_fields(tmp_path: Path) -> None:
    rows = make_trial_run(tmp_path / "trial", right=None)
    page = write_report([tmp_path / "trial"], tmp_path / "r.html").read_text(encoding="utf-8")
    summary = page[page.index('<section id="summary">') : page.index('<section id="plots"')]
    # the cut responses are a warning in the summary, not only in the run's finish reasons
    assert "10 of 16 responses were cut at max_tokens (192)" in summary and 'class="warn-cut"' in summary
    # a run with every sample ok: one line instead of a one-colour bar
    statuses = page[page.index('<figure id="plot-statuses">') :]
    statuses = statuses[: statuses.index("</figure>")]
    assert "all 16 samples ok" in statuses and "<img" not in statuses
    # a resumed run's timing: all calls, not only the last
    run = page[page.index("<h2>Run trial</h2>") :]
    assert "138.1 s" in run and "139.6 s" in run and "1.8 s" not in run and "(all calls" in run
    # constant values: no "r=nan", the reason instead
    lengths = page[page.index('<figure id="plot-lengths">') :]
    assert "r undefined (constant value)" in lengths[: lengths.index("</figure>")] and "r=nan" not in page
    # newer row fields: row_hash left out of the page, the selector and the comparison kept; the answer
    # the scorer read is `answer`, else details["extracted"]
    shown = {r["key"]: r for r in embedded(page)["runs"][0]["rows"]}
    assert set(shown) == {r["key"] for r in failing(rows)}
    assert all("row_hash" not in r for r in shown.values())
    assert shown["1:0"]["extracted"] == "ans3" and shown["2:0"]["extracted"] == "x6"
    assert shown["4:0"]["winner"] == "A" and shown["4:0"]["select_value"] == 0.25
    assert shown["5:0"]["select_status"] == "ok" and shown["5:0"]["comparison"] == {"winner": "B"}
    # no cut responses: no warning; without timing_all_calls the last call's timing
    (tmp_path / "plain").mkdir()
    make_run(tmp_path / "plain", docs=10, samples=1)
    data = json.loads((tmp_path / "plain" / "summary.json").read_text())
    data["finish_reasons"] = {"stop": 10}
    (tmp_path / "plain" / "summary.json").write_text(json.dumps(data))
    page = write_report([tmp_path / "plain"], tmp_path / "p.html").read_text(encoding="utf-8")
    assert "cut at max_tokens" not in page and "12.5 s" in page and "(all calls" not in page


def test_long_text_is_cut_with_a_marker(tmp_path: Path) -> None:
    make_run(tmp_path / "run", docs=10, samples=2, text_len=9000)
    page = write_report([tmp_path / "run"], tmp_path / "r.html", max_chars=500).read_text(encoding="utf-8")
    rows = embedded(page)["runs"][0]["rows"]
    cut = [r for r in rows if "characters left out here; the full text is in samples.jsonl" in r["response"]]
    assert cut and all(len(r["response"]) < 700 for r in cut)
    assert all(r["response"].startswith("Let me think") for r in cut)  # the head stays


def test_sample_cap_keeps_the_first_failing_samples_and_says_how_many_are_left_out(tmp_path: Path) -> None:
    rows = make_run(tmp_path / "run", docs=60, samples=4)
    fails = sorted(failing(rows), key=lambda r: (r["doc"], r["sample"]))
    page = write_report([tmp_path / "run"], tmp_path / "r.html", max_samples=25).read_text(encoding="utf-8")
    data = embedded(page)["runs"][0]
    assert [r["key"] for r in data["rows"]] == [r["key"] for r in fails[:25]]
    assert set(data["prompts"]) == {str(r["doc"]) for r in fails[:25]}
    assert (
        f"{len(fails)} failing samples; the first 25 (by doc and sample) are here, {len(fails) - 25} are left out"
        in page
    )
    assert "samples.jsonl" in page


def test_comparison_table_puts_runs_side_by_side_with_the_difference(tmp_path: Path) -> None:
    make_run(tmp_path / "a" / "run", seed=1)
    make_run(tmp_path / "b" / "run", seed=2)
    page = write_report([tmp_path / "a" / "run", tmp_path / "b" / "run"], tmp_path / "r.html").read_text(
        encoding="utf-8"
    )
    one = json.loads((tmp_path / "a" / "run" / "summary.json").read_text())["metrics"]["accuracy"]["value"]
    two = json.loads((tmp_path / "b" / "run" / "summary.json").read_text())["metrics"]["accuracy"]["value"]
    table = page[page.index('id="comparison-table"') :]
    table = table[: table.index("</table>")]
    assert "a/run" in table and "b/run" in table  # same folder names: labels made unique by the parent
    assert f"{one:.4f}" in table and f"{two:.4f}" in table and f"{two - one:+.4f}" in table
    assert "pass@4" in table
    assert {r["label"] for r in embedded(page)["runs"]} == {"a/run", "b/run"}


def test_incomplete_runs_are_shown_as_incomplete(tmp_path: Path) -> None:
    rows = make_run(tmp_path / "killed", summary=False, torn=True)
    make_run(tmp_path / "stopped", complete=False)
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "config.json").write_text(
        json.dumps({"format": 1, "suite": "s", "task": "generate"})
    )
    page = write_report(
        [tmp_path / "killed", tmp_path / "stopped", tmp_path / "fresh"], tmp_path / "r.html"
    ).read_text(encoding="utf-8")
    assert page.count(">INCOMPLETE<") == 3
    assert "incomplete: no summary.json" in page and "summary.json says complete = false" in page
    assert "no samples.jsonl in this directory" in page
    killed = Counter(r["status"] for r in rows)  # counted from samples.jsonl when there is no summary
    section = page[page.index("<h2>Run killed</h2>") : page.index("<h2>Run stopped</h2>")]
    for status, count in killed.items():
        assert re.search(rf">{status}</span></td><td class=\"num\">{count}</td>", section), status


def test_pairwise_and_process_runs(tmp_path: Path) -> None:
    pair = make_run(tmp_path / "pairwise", task="pairwise", docs=80, samples=1)
    proc = make_run(tmp_path / "process", task="process", docs=80, samples=1)
    page = write_report([tmp_path / "pairwise", tmp_path / "process"], tmp_path / "r.html").read_text(
        encoding="utf-8"
    )
    assert "pairwise_accuracy" in page and "processbench_f1" in page
    assert '<figure id="plot-lengths">' in page and "pairwise runs: each side" in page
    runs = {r["label"]: r for r in embedded(page)["runs"]}
    assert len(runs["pairwise"]["rows"]) == len(failing(pair))
    assert {"chosen", "rejected", "winner", "value_chosen"} <= set(runs["pairwise"]["rows"][0])
    assert len(runs["process"]["rows"]) == len(failing(proc))
    assert {"steps", "label", "prediction", "step_values"} <= set(runs["process"]["rows"][0])


def test_audit_section(tmp_path: Path) -> None:
    make_audit(tmp_path / "audit-only")
    make_run(tmp_path / "run", docs=20, samples=1)
    make_audit(tmp_path / "run")
    page = write_report([tmp_path / "audit-only", tmp_path / "run"], tmp_path / "r.html").read_text(
        encoding="utf-8"
    )
    assert "<h2>Reward audit</h2>" in page
    audit = page[page.index('id="audit"') :]
    assert audit.count('class="audit-table"') == 2
    assert "length_correlation" in audit and "reward rises with length (r=0.41)" in audit
    assert "0.4100" in audit and "[0.3000, 0.5000]" in audit
    assert "&lt;b&gt;x&lt;/b&gt;" in audit  # finding text is escaped
    assert '<span class="status sev-fail">fail 1</span>' in audit
    assert "&lt;i&gt;raw&lt;/i&gt;" in audit and "&#34;rho&#34;: 0.41" in audit  # each check's numbers
    assert "<h2>Run audit-only</h2>" not in page  # an audit-only directory is not a run


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: None, "no such directory"),
        (lambda p: p.write_text("x"), "not a directory"),
        (lambda p: p.mkdir(), "not a run directory: it has none of config.json, summary.json, samples.jsonl"),
    ],
    ids=["missing", "file", "empty"],
)
def test_not_a_run_directory(tmp_path: Path, setup: Any, expected: str) -> None:
    path = tmp_path / "thing"
    setup(path)
    with pytest.raises(InputError, match=re.escape(expected)) as err:
        write_report([path], tmp_path / "r.html")
    assert str(path) in str(err.value) and "rewardkit eval" in str(err.value)
    assert not (tmp_path / "r.html").exists()


def test_damaged_files_are_errors_with_their_line(tmp_path: Path) -> None:
    make_run(tmp_path / "run", docs=5, samples=2)
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    lines[3] = lines[3][:20]
    (tmp_path / "run" / "samples.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputError, match=re.escape(f"{tmp_path / 'run' / 'samples.jsonl'}:4: not valid JSON")
    ):
        write_report([tmp_path / "run"], tmp_path / "r.html")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text('{"format": 1,\n "complete": tru}')
    with pytest.raises(InputError, match=re.escape(f"{tmp_path / 'bad' / 'summary.json'}:2:")):
        write_report([tmp_path / "bad"], tmp_path / "r.html")
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "audit.json").write_text(
        json.dumps({"findings": [{"check": "x", "severity": "ok"}]})
    )
    with pytest.raises(InputError, match=re.escape("findings[0].message: required key missing")):
        write_report([tmp_path / "audit"], tmp_path / "r.html")
    with pytest.raises(InputError, match="no run directories given"):
        write_report([], tmp_path / "r.html")


def test_100k_samples_build_fast_and_the_file_stays_bounded(tmp_path: Path) -> None:
    rows = make_run(tmp_path / "big", docs=25_000, samples=4, text_len=600, shuffle=False)
    size_in = (tmp_path / "big" / "samples.jsonl").stat().st_size
    started = time.perf_counter()
    out = write_report([tmp_path / "big"], tmp_path / "big.html")
    seconds = time.perf_counter() - started
    size = out.stat().st_size
    print(f"\n100k-row report: {seconds:.2f} s, {size / 1e6:.1f} MB (samples.jsonl {size_in / 1e6:.1f} MB)")
    page = out.read_text(encoding="utf-8")
    data = embedded(page)["runs"][0]
    fails = failing(rows)
    assert len(fails) > 5000 and len(data["rows"]) == 5000
    assert f"{len(fails)} failing samples; the first 5000 (by doc and sample) are here" in page
    assert size < 12_000_000, size  # the cap bounds the page, whatever the log's size
    assert re.search(r'<span class="status" style="background: #c62828">error \d+</span>', page)


# ------------------------------------------------------------------------------------------ browser


def _launch(playwright: Any) -> Any:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the HTML report tests need Debian's Chromium (apt-get install chromium; "
            ".ci/run installs it)"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _colours(png: bytes) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) of a screenshot."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    non_white = float((pixels.min(axis=1) < 235).mean())
    return len(np.unique(pixels, axis=0)), non_white


def _pixels(png: bytes) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _near(pixels: Any, colour: str, tol: int = 40) -> Any:
    """Mask of the pixels within ``tol`` (per channel) of a #rrggbb colour."""
    import numpy as np

    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(pixels - rgb) <= tol).all(axis=2)


def _clusters(rows: Any) -> list[tuple[int, int]]:
    """Runs of consecutive true entries (first, last index) of a 1-d mask."""
    out: list[tuple[int, int]] = []
    for i in [int(i) for i in rows.nonzero()[0]]:
        if out and i <= out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _check_trial_page(page: Any) -> None:
    """The new-user trial's report: truncation warning on top, outcome badges, reference, extracted answer
    and the end of each response in the table, plots that use the page's width, visible scatter points."""
    warning = page.locator("#summary .warn-cut")
    assert warning.is_visible() and "10 of 16 responses were cut at max_tokens (192)" in warning.inner_text()
    assert warning.bounding_box()["y"] < page.locator("#plots").bounding_box()["y"]
    assert page.locator("#plot-statuses .all-ok").inner_text() == "Status shares: all 16 samples ok"

    heads = page.locator("#samples-table thead th").all_inner_texts()
    assert heads == [
        "run",
        "key",
        "id",
        "outcome",
        "value",
        "reference",
        "extracted",
        "vs baseline",
        "reason",
        "response (end)",
    ], heads
    assert not page.locator("#filter-subset-label").is_visible()  # no row has a subset
    row = page.locator('#samples-table tr.sample-row[data-key="0:0"]')
    cells = dict(zip(heads, row.locator("td").all_inner_texts(), strict=True))
    assert cells["outcome"] == "wrong" and cells["reference"] == "gold-0" and cells["extracted"] == "x0"
    assert cells["vs baseline"] == "model wins" and cells["run"] == "gsm8k-sample-smollm2"
    badge = row.locator('td[data-col="outcome"] .status')
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(139, 30, 63)"  # not ok's green
    other = page.locator('#samples-table tr.sample-row[data-key="1:0"] td').all_inner_texts()
    assert other[heads.index("extracted")] == "ans3" and other[heads.index("vs baseline")] == "baseline wins"
    # the run name is shown whole (wrapped, not cut) and the response's END is what the cell shows
    run_cell = row.locator('td[data-col="run"] .clip')
    assert run_cell.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")
    seen = row.locator('td[data-col="response (end)"] .clip-end').evaluate(
        """e => { const box = e.getBoundingClientRect(), t = e.firstChild, r = document.createRange();
                 r.setStart(t, t.length - 1); r.setEnd(t, t.length); const last = r.getBoundingClientRect();
                 r.setStart(t, 0); r.setEnd(t, 1); const first = r.getBoundingClientRect();
                 return [t.textContent.slice(-10), last.bottom <= box.bottom + 1 && last.top >= box.top,
                         first.top < box.top]; }"""
    )
    assert seen == ["FINAL-0: 0", True, True], seen  # last character inside the box, the start scrolled off

    # plots share the width: each image fills its cell, two cells side by side on a 1280 px page
    grid = page.locator("#plots .plot-grid").bounding_box()
    figures = [page.locator(f"#{i}").bounding_box() for i in ("plot-statuses", "plot-scores", "plot-lengths")]
    assert figures[0]["y"] < figures[1]["y"]  # the one-line status note takes a row of its own
    assert abs(figures[1]["y"] - figures[2]["y"]) < 2
    assert figures[1]["width"] + figures[2]["width"] > 0.9 * grid["width"]
    for plot in ("plot-scores", "plot-lengths"):
        width = page.locator(f"#{plot} img").bounding_box()["width"]
        assert width > 0.45 * grid["width"], (plot, width, grid)
    # the scatter's points are visible (not 7 px dots at 35% opacity)
    pixels = _pixels(page.locator("#plot-lengths img").screenshot())
    blue = (pixels[:, :, 2] - pixels[:, :, 0] > 60) & (pixels.max(axis=2) - pixels.min(axis=2) > 60)
    print(f"scatter: {int(blue.sum())} run-coloured pixels")
    assert blue.sum() > 150, int(blue.sum())  # 7 px dots at 35% opacity give none


def _check_subset_plot(page: Any) -> None:
    """Zero accuracy with a zero-width CI still shows a marker for each subset and run; the legend is
    below the axes; the x axis is [0, 1]."""
    figure = page.locator("#plot-subsets")
    assert "x axis fixed to [0, 1] for accuracy" in figure.locator("figcaption").inner_text()
    pixels = _pixels(figure.locator("img").screenshot())
    dark = (pixels.max(axis=2) < 90).mean(axis=1)
    spine = max(i for i, share in enumerate(dark) if share > 0.4)  # the x axis line (the axes' bottom)
    for colour in ("#1f77b4", "#d62728"):
        blobs = _clusters(_near(pixels, colour).any(axis=1))
        print(f"subset plot {colour}: {len(blobs)} clusters, spine at {spine}: {blobs}")
        assert len(blobs) >= 6, (colour, blobs)  # 5 subsets + the legend's marker
        assert blobs[-1][0] > spine, (colour, blobs, spine)  # the legend is under the axes, not on the data


def test_report_in_a_real_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    make_run(tmp_path / "run-a", hostile=True, torn=True, seed=1)
    make_run(tmp_path / "run-b", seed=2, docs=50)
    make_audit(tmp_path / "run-b")
    out = write_report([tmp_path / "run-a", tmp_path / "run-b"], tmp_path / "report.html")
    big = tmp_path / "big"
    make_run(big, docs=4000, samples=4, shuffle=False)
    big_out = write_report([big], tmp_path / "big.html", max_samples=3000)
    make_trial_run(tmp_path / "trial" / "gsm8k-sample-smollm2")
    trial = write_report([tmp_path / "trial" / "gsm8k-sample-smollm2"], tmp_path / "trial.html")
    math = ("Algebra", "Intermediate Algebra", "Counting & Probability", "Precalculus", "Geometry")
    make_trial_run(tmp_path / "math-a", n=15, subsets=math)
    make_trial_run(tmp_path / "math-b", n=15, subsets=math, statuses=("ok", "unparseable", "error"))
    maths = write_report([tmp_path / "math-a", tmp_path / "math-b"], tmp_path / "math.html")
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            errors: list[str] = []
            page.on(
                "console",
                lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            requests: list[str] = []
            page.on(
                "request",
                lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
            )
            page.goto(out.resolve().as_uri())
            page.wait_for_load_state("load")

            assert page.locator("#summary-table tbody tr").count() == 2
            summary = page.locator("#summary-table").inner_text()
            assert "accuracy" in summary and "run-a" in summary and "complete" in summary
            assert "pass@4" in page.locator("#comparison-table").inner_text()
            assert "length_correlation" in page.locator("#audit").inner_text()
            widths = page.eval_on_selector_all(
                ".plots img", "els => els.map(e => e.complete ? e.naturalWidth : 0)"
            )
            assert len(widths) == 4 and all(w > 0 for w in widths), widths

            # the pager: 50 rows a page, next shows another page
            rows = page.locator("#samples-table tbody tr.sample-row")
            assert rows.count() == 50
            first = rows.evaluate_all("els => els.map(e => e.dataset.key)")
            info = page.locator("#page-info").inner_text()
            page.click("#page-next")
            second = rows.evaluate_all("els => els.map(e => e.dataset.key)")
            assert len(second) > 0 and set(first).isdisjoint(second)
            assert (
                page.locator("#page-info").inner_text() != info
                and "page 2 of" in page.locator("#page-info").inner_text()
            )
            page.click("#page-prev")
            assert rows.evaluate_all("els => els.map(e => e.dataset.key)") == first

            # filters: by status, by subset
            page.select_option("#filter-status", "timeout")
            statuses = page.locator("#samples-table tbody tr.sample-row td:nth-child(5)").all_inner_texts()
            assert statuses and set(statuses) == {"timeout"}
            page.select_option("#filter-status", "")
            page.select_option("#filter-subset", "geometry")
            subsets = page.locator("#samples-table tbody tr.sample-row td:nth-child(4)").all_inner_texts()
            assert subsets and set(subsets) == {"geometry"}
            page.select_option("#filter-subset", "")

            # the hostile sample: its text shows as text, its script never ran
            page.fill("#filter-text", "window.__pwned")
            assert rows.count() == 1
            rows.first.click()
            detail = page.locator("#samples-table tr.sample-details").inner_text()
            assert "<script>window.__pwned = 1;" in detail and "Question 0" in detail
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.title() != "PWNED"
            assert page.locator("#samples-table img").count() == 0

            page.evaluate("window.scrollTo(0, 0)")
            shot = page.screenshot(full_page=False)
            (tmp_path.parent / "report-shot.png").write_bytes(shot)
            colours, non_white = _colours(shot)
            assert colours > 200 and non_white > 0.08, (colours, non_white)

            # the capped big report pages too
            page.goto(big_out.resolve().as_uri())
            page.wait_for_load_state("load")
            assert "page 1 of 60 (3000 samples)" in page.locator("#page-info").inner_text()
            assert "are left out" in page.locator("#samples").inner_text()

            # the new-user trial's findings
            page.goto(trial.resolve().as_uri())
            page.wait_for_load_state("load")
            _check_trial_page(page)
            page.goto(maths.resolve().as_uri())
            page.wait_for_load_state("load")
            _check_subset_plot(page)
            outcomes = page.locator('#samples-table td[data-col="outcome"]').all_inner_texts()
            assert {"wrong", "unparseable", "error"} <= set(outcomes) and "ok" not in outcomes
            assert page.locator('#samples-table thead th[data-col="subset"]').count() == 1
            assert not errors, errors
            assert not requests, requests
        finally:
            browser.close()


def test_a_missing_chromium_fails_and_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium"):
        _launch(None)
