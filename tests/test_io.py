"""rewardkit.io: the one record -> Sample mapper, file formats, checkpoints and resumable scoring (the
CLI's behaviour through it is in test_cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import ValidationError

from rewardkit import Sample, Score, Verifier
from rewardkit.errors import InputError, RewardkitError, validation_problems
from rewardkit.io import (
    Fields,
    SampleRecord,
    checked_scores,
    group_chunks,
    load_samples,
    read_checkpoint,
    read_records,
    score_file,
    to_sample,
    write_rows,
)

CHAT = [{"role": "user", "content": "2+2?"}]

# ------------------------------------------------------------------------------------------ the mapper


@pytest.mark.parametrize(
    ("record", "fields", "expected"),
    [
        ({"response": "r"}, Fields(), Sample(response="r")),
        (
            {"response": "r", "prompt": CHAT, "reference": "4", "group": 7, "id": "a", "steps": ["s"]},
            Fields(),
            Sample(response="r", prompt=CHAT, reference="4", group="7", id="a", steps=["s"]),
        ),
        ({"response": "r", "prompt": None, "answer": 4}, Fields(), Sample(response="r", reference=4)),
        (
            {"response": "r", "solution": "s", "ground_truth": "g"},
            Fields(),
            Sample(response="r", reference="s"),
        ),
        # a null value falls through to the next key (verl's extra_info: prompt None, question set)
        ({"response": "r", "reference": None, "answer": 4}, Fields(), Sample(response="r", reference=4)),
        (
            {"response": "r", "prompt": None, "question": "q"},
            Fields(prompt=("prompt", "question")),
            Sample(response="r", prompt="q"),
        ),
        ({"response": "r", "group": 3.0}, Fields(), Sample(response="r", group="3")),  # Parquet ints + nulls
        (
            {"completion": "r", "question": "q", "gold": [1], "uid": 3, "qid": "g"},
            Fields(
                response="completion", prompt=("prompt", "question"), reference="gold", id="uid", group="qid"
            ),
            Sample(response="r", prompt="q", reference=[1], id="3", group="g"),
        ),
        ({"response": "r", "id": 5, "steps": "ignored"}, Fields(id=None, steps=None), Sample(response="r")),
    ],
)
def test_records_map_to_samples(record, fields, expected):
    assert to_sample(record, fields) == expected


def test_meta_is_laid_over_the_callers_context():
    record = {"response": "r", "meta": {"source": "gsm8k", "level": 2}}
    sample = to_sample(record, meta={"level": 0, "run": "a"})
    assert sample.meta == {"level": 2, "run": "a", "source": "gsm8k"}
    assert to_sample({"response": "r", "meta": None}).meta == {}


@pytest.mark.parametrize(
    ("record", "options", "message"),
    [
        (["r"], {}, "expected an object with a 'response' field, got list"),
        ({"reference": "1"}, {}, 'field "response" missing'),
        ({"response": 17}, {}, 'field "response" must be a string, got number'),
        ({"response": "r", "prompt": 3}, {}, 'field "prompt" must be a string or a list of chat messages'),
        ({"response": "r", "prompt": ["hi"]}, {}, 'field "prompt" .* got list'),
        ({"response": "r", "group": 1.5}, {}, 'field "group" must be a string or an integer, got number'),
        ({"response": "r", "id": True}, {}, 'field "id" must be a string or an integer, got boolean'),
        ({"response": "r", "steps": "one"}, {}, 'field "steps" must be a list of strings, got string'),
        ({"response": "r", "steps": [1]}, {}, 'field "steps" must be a list of strings, got list'),
        ({"response": "r", "meta": [1]}, {}, 'field "meta" must be an object, got list'),
        (
            {"response": "r"},
            {"require_reference": True},
            'field "reference" missing \\(nor "answer", "solution"',
        ),
        ({"response": "r"}, {"require_id": True}, 'field "id" missing \\(other records have one'),
        (InputError("invalid JSON: x"), {}, "invalid JSON: x"),
    ],
)
def test_bad_records_name_the_field(record, options, message):
    with pytest.raises(InputError, match=message):
        to_sample(record, **options)


@pytest.mark.parametrize(
    ("record", "path", "message"),
    [
        ({"response": 5}, "response", "Input should be a valid string (got 5)"),
        ({"response": "r", "prompt": 3}, "prompt", "must be a string or a list of chat messages"),
        ({"response": "r", "group": [1]}, "group", "must be a string or an integer (got [1])"),
        ({"response": "r", "steps": "one"}, "steps", "must be a list of strings (got 'one')"),
        ({"response": "r", "meta": 1}, "meta", "must be an object (got 1)"),
        ({"response": "r", "answer": "4"}, "answer", "unknown key 'answer'; allowed: response, prompt"),
        ({}, "response", "required key missing"),
    ],
)
def test_sample_record_checks_by_the_same_rules(record, path, message):
    with pytest.raises(ValidationError) as err:
        SampleRecord.model_validate(record)
    (problem,) = validation_problems(err.value, SampleRecord)
    assert problem.path == path and message in problem.message


def test_sample_record_maps_through_to_sample():
    record = {"response": "r", "prompt": None, "group": 3, "id": 4, "steps": ["a"], "meta": {"k": 1}}
    assert SampleRecord.model_validate(record).to_sample() == Sample(
        response="r", prompt="", group="3", id="4", steps=["a"], meta={"k": 1}
    )


# ------------------------------------------------------------------------------------------- files


ROWS = [
    {"id": "a", "response": "r1", "reference": 1, "details": {"x": [1, 2]}},
    {"id": "b", "response": "r2", "reference": "one", "details": {}},
]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_rows_round_trip(fmt, tmp_path: Path):
    """What write_rows writes, read_records reads back as the same values (parquet: mixed-type columns and
    details go through JSON text)."""
    path = tmp_path / f"rows.{fmt}"
    write_rows(path, fmt, ROWS)
    assert [r for _, r in read_records(path, fmt)] == ROWS
    assert [where for where, _ in read_records(path, fmt)] == (
        [f"{path}:1", f"{path}:2"] if fmt == "jsonl" else [f"{path}:row 1", f"{path}:row 2"]
    )
    assert not path.with_name(path.name + ".tmp").exists()


def test_bad_jsonl_lines_come_as_errors_in_place(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"response": "a"}\n\n{"response": \n')
    (_, first), (where, second) = read_records(path, "jsonl")
    assert first == {"response": "a"} and where == f"{path}:3"
    assert isinstance(second, InputError) and str(second).startswith("invalid JSON: ")


def test_load_samples_lists_every_problem_with_the_hint(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    rows = [{"id": 1, "response": "a", "answer": "1"}, {"response": "b", "reference": "2"}, {"id": 1}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError) as err:
        load_samples(path, "jsonl", hint="map the fields")
    assert str(err.value).splitlines() == [
        f"2 problem(s) in {path}; nothing was scored:",
        f'{path}:2: field "id" missing (other records have one: give every record an id, or none)',
        f'{path}:3: field "response" missing',
        "map the fields",
    ]
    path.write_text('{"response": "a", "answer": "1", "steps": ["x"]}\n{"response": "b", "reference": 2}\n')
    records, samples = load_samples(path, "jsonl")
    assert [r["id"] for r in records] == [0, 1]  # no ids anywhere: the row index, written into the row
    assert [(s.id, s.reference, s.steps) for s in samples] == [("0", "1", ["x"]), ("1", 2, None)]


def test_parquet_without_pyarrow_names_the_extra(tmp_path: Path):
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from pathlib import Path\n"
        "from rewardkit.io import write_rows\n"
        "from rewardkit.errors import MissingExtraError\n"
        "try:\n"
        f"    write_rows(Path({str(tmp_path / 'o.parquet')!r}), 'parquet', [{{'a': 1}}])\n"
        "except MissingExtraError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "needs the 'parquet' extra" in done.stdout and "pip install 'rewardkit[parquet]'" in done.stdout


# ------------------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize(
    ("content", "rows", "after"),
    [
        (b'{"id": 1}\n{"id": 2}\n', [{"id": 1}, {"id": 2}], b'{"id": 1}\n{"id": 2}\n'),
        (b'{"id": 1}\n{"id": 2', [{"id": 1}], b'{"id": 1}\n'),  # a torn last line is cut off
        (b'{"id": 1}\n{"id": 2}', [{"id": 1}, {"id": 2}], b'{"id": 1}\n{"id": 2}\n'),  # no final newline
        (b"", [], b""),
    ],
)
def test_read_checkpoint(content, rows, after, tmp_path: Path):
    path = tmp_path / "o.jsonl"
    path.write_bytes(content)
    assert read_checkpoint(path) == rows
    assert path.read_bytes() == after


def test_a_bad_line_before_the_end_is_not_a_checkpoint(tmp_path: Path):
    path = tmp_path / "o.jsonl"
    path.write_bytes(b'{"id": 1}\nnot json\n{"id": 3}\n')
    with pytest.raises(InputError, match=f"{path}:2: not valid JSON, so this file cannot be resumed"):
        read_checkpoint(path)
    assert path.read_bytes() == b'{"id": 1}\nnot json\n{"id": 3}\n'


# ---------------------------------------------------------------------------------------- scoring


class Lengths(Verifier):
    """value = len(response); remembers its batches."""

    name = "test_lengths"

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        self.batches.append([s.id for s in samples])
        return [Score(float(len(s.response))) for s in samples]


def records_and_samples(n: int) -> tuple[list[dict], list[Sample]]:
    records = [{"id": f"r{i}", "response": "x" * i, "group": f"g{i // 2}"} for i in range(n)]
    return records, [to_sample(r) for r in records]


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".parquet"])
def test_score_file_reports_progress_and_resumes(suffix, tmp_path: Path):
    records, samples = records_and_samples(7)
    output = tmp_path / f"out{suffix}"
    verifier, reports = Lengths(), []
    rows = score_file(
        verifier, records[:4], samples[:4], output, chunk_size=2, progress=lambda *a: reports.append(a)
    )
    assert reports == [(0, 4), (2, 4), (4, 4)]
    assert [r["reward"] for r in rows] == [0.0, 1.0, 2.0, 3.0]
    reports.clear()
    rows = score_file(verifier, records, samples, output, chunk_size=2, progress=lambda *a: reports.append(a))
    assert verifier.batches[2:] == [["r4", "r5"], ["r6"]]  # only the new rows, groups whole
    assert reports == [(4, 7), (6, 7), (7, 7)]
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(7)]
    assert [r["id"] for _, r in read_records(output, suffix[1:])] == [f"r{i}" for i in range(7)]
    reports.clear()
    score_file(verifier, records, samples, output, progress=lambda *a: reports.append(a))
    assert reports == [] and len(verifier.batches) == 4  # nothing left to do: no call at all


def test_step_scores_are_written(stepped_spec: Path, tmp_path: Path):
    from rewardkit import load_spec

    records = [{"id": "a", "response": "2 + 2 = 4\nso \\boxed{4}", "reference": "4"}]
    (row,) = score_file(load_spec(stepped_spec), records, [to_sample(records[0])], tmp_path / "o.jsonl")
    assert (
        row["reward"] == pytest.approx(1.5) and row["aggregation"] == "none"
    )  # a weighted sum, not the steps alone
    assert row["step_scores"] == [{"value": 1.0, "span": [0, 9]}, {"value": 1.0, "span": [10, 22]}]


def test_group_chunks_never_split_a_group():
    samples = [Sample(group=g) for g in ["a", "b", "a", None, "c", "c", "c", None]]
    chunks = group_chunks(list(enumerate(samples)), 3)
    assert [[i for i, _ in chunk] for chunk in chunks] == [[0, 2, 1], [3], [4, 5, 6], [7]]


def test_a_verifier_that_loses_scores_is_an_error():
    with pytest.raises(RewardkitError, match="the verifier returned 1 scores for 2 samples"):
        checked_scores([Score(1.0)], 2)
