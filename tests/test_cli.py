"""The `rewardkit` command line: score (formats, field mapping, bad input, resume, Ctrl-C, steps and meta,
step scores), listings, demo. `serve` is in test_serve_cli.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rewardkit import Sample, Score, Verifier
from rewardkit.cli import app
from rewardkit.verifier import VerifierConfig

runner = CliRunner()


def rows(n: int) -> list[dict]:
    """Rollouts for the rules spec: every third one is wrong."""
    return [
        {
            "id": f"r{i}",
            "prompt": f"What is {i} + {i}?",
            "response": f"answer: {2 * i + (i % 3 == 0)}",
            "reference": str(2 * i),
        }
        for i in range(n)
    ]


def score(*args: str | Path) -> object:
    return runner.invoke(app, ["score", *map(str, args)])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------ score


def test_score_jsonl(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    out = tmp_path / "scored.jsonl"
    result = score("--spec", rules_spec, "--input", write_jsonl(rows(6)), "--output", out)
    assert result.exit_code == 0, result.output
    scored = read_jsonl(out)
    assert [r["id"] for r in scored] == [f"r{i}" for i in range(6)]
    assert scored[1] == {
        **rows(6)[1],
        "reward": 1.0,
        "status": "ok",
        "reason": "",
        "details": scored[1]["details"],
    }
    assert [r["reward"] for r in scored] == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    assert scored[0]["details"]["components"]["correct"]["details"] == {"extracted": "1", "gold": "0"}
    assert "ok" in result.stdout and "0.6667" in result.stdout  # summary: mean reward over ok rows


def test_summary_counts_statuses(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    data = rows(4) + [{"id": "x", "response": "no idea", "reference": "1"}]
    result = score("-s", rules_spec, "-i", write_jsonl(data), "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") >= 4}
    assert lines["ok"].split("│")[2].strip() == "4"
    assert lines["unparseable"].split("│")[2].strip() == "1"
    assert lines["unparseable"].split("│")[3].strip() == "-"
    assert lines["total"].split("│")[2].strip() == "5"


def test_field_mapping(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    data = [{"uid": f"u{i}", "completion": f"answer: {i}", "gold": str(i), "question": "?"} for i in range(3)]
    out = tmp_path / "o.jsonl"
    result = score(
        "-s", rules_spec, "-i", write_jsonl(data), "-o", out,
        "--response-field", "completion", "--reference-field", "gold", "--prompt-field", "question", "--id-field", "uid",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [(r["uid"], r["reward"]) for r in read_jsonl(out)] == [("u0", 1.0), ("u1", 1.0), ("u2", 1.0)]


def test_answer_field_and_row_index_ids_by_default(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    data = [{"response": "answer: 7", "answer": "7"}, {"response": "answer: 8", "answer": "9"}]
    out = tmp_path / "o.jsonl"
    assert score("-s", rules_spec, "-i", write_jsonl(data), "-o", out).exit_code == 0
    assert [(r["id"], r["reward"]) for r in read_jsonl(out)] == [(0, 1.0), (1, 0.0)]


def test_json_round_trip(rules_spec: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(json.dumps(rows(5)))
    result = score("-s", rules_spec, "-i", src, "-o", out)
    assert result.exit_code == 0, result.output
    scored = json.loads(out.read_text())
    assert [r["id"] for r in scored] == [r["id"] for r in rows(5)]
    assert [r["reward"] for r in scored] == [0.0, 1.0, 1.0, 0.0, 1.0]
    assert scored[2]["details"]["components"]["short"]["value"] == 0.0
    assert not (tmp_path / "out.json.partial.jsonl").exists()


def test_parquet_round_trip(rules_spec: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    data = rows(5)
    data[0]["reference"] = 1  # mixed types in a column survive (stored as JSON text)
    pq.write_table(pa.Table.from_pylist([{**r, "reference": str(r["reference"])} for r in data]), src)
    result = score("-s", rules_spec, "-i", src, "-o", out)
    assert result.exit_code == 0, result.output
    scored = pq.read_table(out).to_pylist()
    assert [r["id"] for r in scored] == [r["id"] for r in data]
    assert [r["reward"] for r in scored] == [1.0, 1.0, 1.0, 0.0, 1.0]
    assert json.loads(scored[1]["details"])["components"]["correct"]["value"] == 1.0
    assert not (tmp_path / "out.parquet.partial.jsonl").exists()
    # and back again: the parquet output is a valid input (input format forced)
    renamed = tmp_path / "scored.data"
    out.rename(renamed)
    again = score(
        "-s", rules_spec, "-i", renamed, "--input-format", "parquet", "-o", tmp_path / "again.jsonl"
    )
    assert again.exit_code == 0, again.output
    assert len(read_jsonl(tmp_path / "again.jsonl")) == 5


def test_mixed_type_columns_are_stored_as_json_text(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    data = [
        {"id": "a", "response": "answer: 1", "reference": 1},
        {"id": "b", "response": "answer: x", "reference": "x"},
    ]
    out = tmp_path / "o.parquet"
    assert score("-s", rules_spec, "-i", write_jsonl(data), "-o", out).exit_code == 0
    table = pq.read_table(out).to_pylist()
    assert [r["reference"] for r in table] == ["1", '"x"'] and [r["reward"] for r in table] == [1.0, 1.0]
    # resuming with a longer input reads the JSON text back: no double encoding of the earlier rows
    data.append({"id": "c", "response": "answer: 2", "reference": 2})
    assert score("-s", rules_spec, "-i", write_jsonl(data), "-o", out).exit_code == 0
    table = pq.read_table(out).to_pylist()
    assert [r["reference"] for r in table] == ["1", '"x"', "2"] and [r["reward"] for r in table] == [1.0] * 3


def test_output_must_not_be_the_input(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl(rows(3))
    before = path.read_text()
    result = score("-s", rules_spec, "-i", path, "-o", path)
    assert result.exit_code == 2 and "--output is the --input file" in result.output
    assert path.read_text() == before


# -------------------------------------------------------------------------------------------- bad input


def test_bad_input_lists_file_line_and_field(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    data = rows(8)
    data[1] = {"id": "r1", "reference": "2"}
    data[3] = {"id": "r3", "response": 17, "reference": "6"}
    data[5] = '{"id": "r5", "response": "answer: 10",'
    data[6] = {"id": "r6", "response": "answer: 12"}
    data[7] = {"id": "r0", "response": "answer: 14", "reference": "14"}
    path = write_jsonl(data)
    out = tmp_path / "o.jsonl"
    result = score("-s", rules_spec, "-i", path, "-o", out)
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors[0] == f"error: 5 problem(s) in {path}; nothing was scored:"
    assert errors[1:6] == [
        f'{path}:2: field "response" missing',
        f'{path}:4: field "response" must be a string, got number',
        f"{path}:6: invalid JSON: Expecting property name enclosed in double quotes (column 39)",
        f'{path}:7: field "reference" missing (nor "answer", "solution", "ground_truth")',
        f"{path}:8: duplicate id 'r0' (first at {path}:1)",
    ]
    assert not out.exists()


def test_many_problems_are_cut_short(rules_spec: Path, write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl([{"text": "hi"}] * 25)
    result = score("-s", rules_spec, "-i", path, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[10] == f'{path}:10: field "response" missing'
    assert lines[11] == "... and 15 more"
    assert "--response-field" in lines[12]


def test_bad_parquet_rows_use_row_numbers(rules_spec: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(
        pa.Table.from_pylist(
            [{"response": "answer: 1", "reference": "1"}, {"response": None, "reference": "2"}]
        ),
        src,
    )
    result = score("-s", rules_spec, "-i", src, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert f'{src}:row 2: field "response" must be a string, got null' in result.stderr.splitlines()


def test_bad_json_input(rules_spec: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text('{"response": "x"}')
    result = score("-s", rules_spec, "-i", src, "-o", tmp_path / "o.jsonl")
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        f"error: {src}: expected a JSON list of objects, got object",
    )
    src.write_text('[{"response": "answer: 1", "reference": "1"}, {"response": ["a"], "reference": "1"}]')
    result = score("-s", rules_spec, "-i", src, "-o", tmp_path / "o.jsonl")
    assert f'{src}:row 2: field "response" must be a string, got list' in result.stderr


def test_unknown_spec_and_bad_paths_exit_2(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl(rows(2))
    result = score("-s", "no_such_spec", "-i", path, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert (
        "no verifiers asset named 'no_such_spec'" in result.stderr
        and "available: cme, code, gsm8k, hybrid, math" in result.stderr
    )
    result = score("-s", "math", "-i", path, "-o", tmp_path / "o.csv")
    assert result.exit_code == 2 and "cannot tell the format from the extension" in result.stderr
    result = score("-s", "math", "-i", tmp_path / "missing.jsonl", "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2 and "missing.jsonl: no such file" in result.stderr


def test_bad_spec_file_exit_2_with_line(write_jsonl, write_spec, tmp_path: Path) -> None:
    spec = write_spec("components:\n  - name: a\n    verifier: length\n    weight: lots\n")
    result = score("-s", spec, "-i", write_jsonl(rows(2)), "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert f"{spec}:4: components[0].weight: Input should be a valid number" in result.stderr


# --------------------------------------------------------------------------------------- resume / Ctrl-C


class Counting(Verifier):
    """value = len(response); counts the samples it scores; raises KeyboardInterrupt on batch `interrupt_at`."""

    name = "test_counting"
    scored: ClassVar[int] = 0
    batches: ClassVar[int] = 0
    watched: ClassVar[list[int]] = []  # lines in the `watch` file when each batch starts

    class Config(VerifierConfig):
        interrupt_at: int | None = None
        watch: str | None = None

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        Counting.batches += 1
        if self.config.watch:
            Counting.watched.append(len(Path(self.config.watch).read_text().splitlines()))
        if Counting.batches == self.config.interrupt_at:
            raise KeyboardInterrupt
        Counting.scored += len(samples)
        return [Score(float(len(s.response))) for s in samples]


@pytest.fixture
def counting(registered, write_spec):
    """write(interrupt_at=None) -> spec path using the Counting verifier; counters reset."""
    registered(Counting)

    def write(**config: object) -> Path:
        Counting.scored = Counting.batches = 0
        Counting.watched = []
        return write_spec(
            f"components: [{{name: n, verifier: test_counting, config: {json.dumps(config)}}}]\n"
        )

    return write


def test_resume_after_a_crash_skips_finished_rows(counting, write_jsonl, tmp_path: Path) -> None:
    spec, src, out = counting(), write_jsonl(rows(40)), tmp_path / "o.jsonl"
    assert score("-s", spec, "-i", src, "-o", out, "--chunk-size", "7").exit_code == 0
    assert Counting.scored == 40
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:20]) + lines[20][: len(lines[20]) // 2])  # half, plus a torn line

    Counting.scored = 0
    result = score("-s", spec, "-i", src, "-o", out, "--chunk-size", "7")
    assert result.exit_code == 0, result.output
    assert Counting.scored == 20
    ids = [r["id"] for r in read_jsonl(out)]
    assert sorted(ids) == sorted(r["id"] for r in rows(40)) and len(ids) == 40  # all present, no duplicates

    Counting.scored = 0
    assert score("-s", spec, "-i", src, "-o", out).exit_code == 0
    assert Counting.scored == 0  # a full re-run scores nothing new
    assert len(read_jsonl(out)) == 40


def test_each_chunk_is_on_disk_before_the_next_starts(counting, write_jsonl, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    spec = counting(watch=str(out))
    assert score("-s", spec, "-i", write_jsonl(rows(10)), "-o", out, "--chunk-size", "3").exit_code == 0
    assert Counting.watched == [0, 3, 6, 9]


def test_ctrl_c_keeps_finished_chunks_and_resumes(counting, write_jsonl, tmp_path: Path) -> None:
    src, out = write_jsonl(rows(10)), tmp_path / "o.parquet"
    result = score("-s", counting(interrupt_at=3), "-i", src, "-o", out, "--chunk-size", "3")
    assert result.exit_code == 130
    sidecar = tmp_path / "o.parquet.partial.jsonl"
    assert f"saved in {sidecar}; resume with the same command." in result.stderr
    assert [r["id"] for r in read_jsonl(sidecar)] == [f"r{i}" for i in range(6)]
    assert not out.exists()

    result = score("-s", counting(), "-i", src, "-o", out, "--chunk-size", "3")
    assert result.exit_code == 0, result.output
    assert Counting.scored == 4
    scored = pq.read_table(out).to_pylist()
    assert [r["id"] for r in scored] == [f"r{i}" for i in range(10)]  # input order, whatever the history
    assert [r["reward"] for r in scored] == [float(len(r["response"])) for r in rows(10)]
    assert not sidecar.exists()

    before = out.stat().st_mtime_ns
    assert score("-s", counting(), "-i", src, "-o", out).exit_code == 0
    assert Counting.scored == 0  # the finished parquet output is the checkpoint now
    assert out.stat().st_mtime_ns == before and not sidecar.exists()  # and it is left untouched


def test_output_from_something_else_is_not_overwritten(counting, write_jsonl, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text('{"name": "not ours"}\n')
    result = score("-s", counting(), "-i", write_jsonl(rows(2)), "-o", out)
    assert result.exit_code == 2 and 'row 1 has no "id" field' in result.stderr
    assert out.read_text() == '{"name": "not ours"}\n'


# ----------------------------------------------------------------------------------- listings and demo


def test_verifiers_lists_config_fields() -> None:
    result = runner.invoke(app, ["verifiers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in (
        "exact_match",
        "format",
        "length",
        "math",
        "max_length",
        "normalize_whitespace",
        "pattern",
        "'present'",
        "sql",
        "query_timeout_s",
    ):
        assert text in result.stdout
    assert "unavailable" not in result.stdout


def test_specs_lists_shipped_specs() -> None:
    result = runner.invoke(app, ["specs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "math.yaml" in result.stdout and "gsm8k.yaml" in result.stdout and "DAPO overlong" in result.stdout


def test_demo_scores_the_packaged_rollouts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--output", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    cme = read_jsonl(tmp_path / "scored-cme.jsonl")  # label-free: z-scored per group on Gemma-3-270M
    assert len(cme) == 40 and all(r["status"] == "ok" for r in cme)
    for group in {r["group"] for r in cme}:
        values = [r["reward"] for r in cme if r["group"] == group]
        assert abs(sum(values)) < 1e-9 and max(values) > 0 > min(values)
    scored = {r["id"]: r for r in read_jsonl(tmp_path / "scored-math.jsonl")}
    assert len(scored) == 40 and len({r["group"] for r in scored.values()}) == 10
    assert sorted(i for i, r in scored.items() if r["status"] != "ok") == [
        "p06-r4",
        "p09-r4",
    ]  # no answer at all
    for equivalent in (
        "p02-r2",
        "p03-r1",
        "p04-r1",
        "p04-r3",
        "p05-r1",
        "p05-r3",
        "p06-r2",
        "p07-r2",
        "p08-r2",
    ):
        assert scored[equivalent]["details"]["components"]["correctness"]["value"] == 1.0, equivalent
    for wrong in (
        "p01-r3",
        "p02-r3",
        "p03-r3",
        "p04-r4",
        "p05-r4",
        "p06-r3",
        "p07-r3",
        "p08-r3",
        "p09-r3",
        "p10-r3",
    ):
        assert scored[wrong]["details"]["components"]["correctness"]["value"] == 0.0, wrong
    overlong = scored["p10-r2"]["details"]["components"]["overlong"]
    assert 2500 < overlong["details"]["length"] < 3000 and -1 < overlong["value"] < 0
    assert "unparseable" in result.stdout and "total" in result.stdout


def test_console_entry_point_runs_in_a_real_process(
    rules_spec: Path, write_jsonl, tmp_path: Path, repo_root: Path
) -> None:
    out = tmp_path / "o.jsonl"
    env = {**os.environ, "PYTHONPATH": str(repo_root), "COLUMNS": "200"}
    command = [
        sys.executable,
        "-m",
        "rewardkit.cli",
        "score",
        "-s",
        str(rules_spec),
        "-i",
        str(write_jsonl(rows(3))),
        "-o",
        str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["reward"] for r in read_jsonl(out)] == [0.0, 1.0, 1.0]
    assert "total" in done.stdout
    bad = subprocess.run(
        [*command[:-1], str(tmp_path / "o.txt")], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "cannot tell the format" in bad.stderr


# ------------------------------------------------------------------------------ steps, meta, step scores


def test_steps_and_meta_reach_the_verifier(recorder, write_spec, write_jsonl, tmp_path: Path) -> None:
    spec = write_spec("components: [{name: g, verifier: group_recorder}]\n")
    data = [
        {"id": "a", "response": "x", "reference": "1", "group": "q", "steps": ["s1", "s2"], "meta": {"k": 1}},
        {"id": "b", "response": "y", "answer": "2", "group": "q"},
    ]
    out = tmp_path / "o.jsonl"
    result = score("-s", spec, "-i", write_jsonl(data), "-o", out)
    assert result.exit_code == 0, result.output
    scored = read_jsonl(out)
    assert [r["reward"] for r in scored] == [2.0, 2.0]  # one group of two
    seen = [r["details"]["components"]["g"]["details"] for r in scored]
    assert seen == [
        {"group": "q", "reference": "1", "steps": ["s1", "s2"], "meta": {"k": 1}},
        {"group": "q", "reference": "2", "steps": None, "meta": {}},
    ]
    assert scored[0]["steps"] == ["s1", "s2"] and scored[0]["meta"] == {
        "k": 1
    }  # input rows kept as they were


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_step_scores_are_written_beside_the_reward(stepped_spec: Path, write_jsonl, tmp_path: Path, suffix):
    data = [
        {"id": "a", "response": "2 + 2 = 4\nso \\boxed{4}", "reference": "4"},
        {"id": "b", "response": "add them\n\\boxed{4}", "reference": "4"},
    ]
    out = tmp_path / f"o.{suffix}"
    result = score("-s", stepped_spec, "-i", write_jsonl(data), "-o", out)
    assert result.exit_code == 0, result.output
    scored = read_jsonl(out) if suffix == "jsonl" else pq.read_table(out).to_pylist()
    assert [r["reward"] for r in scored] == pytest.approx([1.5, 1.0])
    assert [[s["value"] for s in r["step_scores"]] for r in scored] == [[1.0, 1.0], [0.0, 1.0]]
    assert [r["aggregation"] for r in scored] == [
        "none",
        "none",
    ]  # math + 0.5 * steps: not made from the steps alone


# ------------------------------------------------------------------------------- Ctrl-C in a real process

GATED_CLI = """
import os, sys, time
from rewardkit import Score, Verifier, register

@register
class Gate(Verifier):
    # Scores 1.0, noting the run; a chunk holding the sample $BLOCK_AT waits (for Ctrl-C) forever.
    name = "test_gate"

    def score_batch(self, samples):
        while any(s.id == os.environ.get("BLOCK_AT") for s in samples):
            time.sleep(0.02)
        return [Score(1.0, details={"run": os.environ["RUN"]}) for s in samples]

from rewardkit.cli import app
sys.argv = ["rewardkit", *sys.argv[1:]]
app()
"""


def test_sigint_on_a_real_score_process_keeps_chunks_and_resumes(
    write_spec, write_jsonl, tmp_path: Path, repo_root: Path
) -> None:
    spec = write_spec("components: [{name: gate, verifier: test_gate}]\n")
    out = tmp_path / "o.jsonl"
    args = ["score", "-s", str(spec), "-i", str(write_jsonl(rows(10))), "-o", str(out), "--chunk-size", "3"]
    env = {**os.environ, "PYTHONPATH": str(repo_root), "RUN": "1", "BLOCK_AT": "r6"}
    proc = subprocess.Popen(
        [sys.executable, "-c", GATED_CLI, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and len(out.read_text().splitlines()) == 6):  # two chunks done, third waits
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert f"interrupted: finished chunks are saved in {out}; resume with the same command." in stderr
    assert "Traceback" not in stderr
    assert [r["id"] for r in read_jsonl(out)] == [f"r{i}" for i in range(6)]

    env = {**env, "RUN": "2", "BLOCK_AT": ""}
    done = subprocess.run(
        [sys.executable, "-c", GATED_CLI, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    scored = read_jsonl(out)
    assert sorted(r["id"] for r in scored) == [f"r{i}" for i in range(10)]
    assert [r["details"]["components"]["gate"]["details"]["run"] for r in scored] == ["1"] * 6 + ["2"] * 4
