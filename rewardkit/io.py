"""Records in and out: files of rollouts, the one record -> Sample mapper, and resumable scoring.

Used by the CLI (``rewardkit score``), the Ray scale-out, the server and the trainer adapters, with the
same default keys (the server's JSON API takes exactly Sample's names; the adapters are ``lenient`` with
dataset columns of other shapes):

- :class:`Fields` and :func:`to_sample`: the one mapping from a record (a dict: a JSONL row, a request
  sample, a trainer's dataset row) to a :class:`~rewardkit.types.Sample`. Bad records raise
  :class:`~rewardkit.errors.InputError` naming the field. :class:`SampleRecord` is the same record as a
  pydantic model, for JSON APIs (the server's ``/v1/score``), checked by the same rules.
- :func:`file_format`, :func:`read_records`, :func:`load_samples`, :func:`write_rows`: JSONL, JSON (a
  list of objects) and Parquet (needs the ``parquet`` extra). Parquet columns that Arrow cannot store
  as one type (``details``, mixed types) are written as JSON text and read back as values.
- :func:`score_file`: score records into an output file in chunks, appending each finished chunk to a
  checkpoint (the output itself for ``.jsonl``, else ``<output>.partial.jsonl``) so an interrupted run
  resumes where it stopped; :func:`group_chunks` cuts the chunks without splitting a GRPO group.

::

    from pathlib import Path

    from rewardkit import load_spec
    from rewardkit.io import Fields, load_samples, score_file

    records, samples = load_samples(Path("rollouts.jsonl"), "jsonl", Fields(response="completion"))
    rows = score_file(load_spec("math"), records, samples, Path("scored.jsonl"), id_field="id")
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rewardkit.errors import InputError, MissingExtraError, json_kind
from rewardkit.types import Sample, Score
from rewardkit.verifier import checked_scores

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
MAX_PROBLEMS = 10

#: Record keys tried, in order, for the reference when a :class:`Fields` does not name one.
REFERENCE_FIELDS: tuple[str, ...] = ("reference", "answer", "solution", "ground_truth")

#: Called as ``progress(done, total)`` when scoring starts and after each chunk.
ProgressCallback = Callable[[int, int], None]

Names = str | tuple[str, ...]
T = TypeVar("T")


# ------------------------------------------------------------------------------------ the mapper


PROMPT_RULE = 'must be a string or a list of chat messages like {"role": "user", "content": "..."}'
KEY_RULE = "must be a string or an integer"
STEPS_RULE = "must be a list of strings"
META_RULE = "must be an object"


def check_prompt(value: Any) -> str | list[dict[str, Any]]:
    """A prompt: text, or chat messages (a list of objects); None is ``""``; ValueError otherwise."""
    if value is None:
        return ""
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(m, dict) for m in value)):
        return value
    raise ValueError(PROMPT_RULE)


def check_key(value: Any) -> str | None:
    """A group or id: a string, or an integer (as its text; a whole float such as 3.0, as Parquet files
    written from a column with nulls hold integers, reads as "3"); None stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise ValueError(KEY_RULE)


def check_steps(value: Any) -> list[str] | None:
    """Reasoning steps: a list of strings, or None."""
    if value is None:
        return None
    if isinstance(value, list | tuple) and all(isinstance(s, str) for s in value):
        return list(value)
    raise ValueError(STEPS_RULE)


def check_meta(value: Any) -> dict[str, Any]:
    """Free-form metadata: an object (None: empty)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    raise ValueError(META_RULE)


@dataclass(frozen=True)
class Fields:
    """Which record keys hold which :class:`~rewardkit.types.Sample` field.

    A field given as a tuple of keys takes the first key present in the record (``reference`` by default:
    ``reference``, then ``answer``, ``solution``, ``ground_truth``). ``None`` for ``id``, ``group``,
    ``steps`` or ``meta``: the record never sets that field.
    """

    response: str = "response"
    prompt: Names = "prompt"
    reference: Names = REFERENCE_FIELDS
    id: str | None = "id"
    group: Names | None = "group"
    steps: str | None = "steps"
    meta: str | None = "meta"

    @staticmethod
    def names(keys: Names | None) -> tuple[str, ...]:
        if keys is None:
            return ()
        return (keys,) if isinstance(keys, str) else tuple(keys)

    def find(self, record: Mapping[str, Any], keys: Names | None) -> str | None:
        """The first of ``keys`` that ``record`` has with a value other than None (None: none of them)."""
        return next((k for k in self.names(keys) if record.get(k) is not None), None)


#: The default mapping: Sample's own names, and the usual reference columns.
DEFAULT_FIELDS = Fields()


def missing_message(keys: Names) -> str:
    """``field "reference" missing (nor "answer")``."""
    first, *rest = Fields.names(keys)
    quoted = ", ".join('"' + k + '"' for k in rest)
    nor = f" (nor {quoted})" if rest else ""
    return f'field "{first}" missing{nor}'


def _checked(key: str, value: Any, check: Callable[[Any], T]) -> T:
    try:
        return check(value)
    except ValueError as err:
        raise InputError(f'field "{key}" {err}, got {json_kind(value)}') from None


def to_sample(
    record: Any,
    fields: Fields = DEFAULT_FIELDS,
    *,
    default_id: str | int | None = None,
    require_reference: bool = False,
    require_id: bool = False,
    meta: Mapping[str, Any] | None = None,
    lenient: bool = False,
) -> Sample:
    """One record as a Sample; raises :class:`~rewardkit.errors.InputError` naming the bad field.

    ``response`` must be a string; ``prompt`` text or chat messages (missing or empty: ``""``); the
    reference is the first of ``fields.reference`` present (missing: None, or an error with
    ``require_reference``); ``group`` and ``id`` a string or an integer (kept as text; a record without
    an id gets ``default_id``, or an error with ``require_id``); ``steps`` a list of strings; ``meta`` an
    object, laid over the ``meta`` given here (context the caller adds, such as a trainer's columns).
    A record that is an InputError itself (a line that was not valid JSON) is raised.

    ``lenient`` (the trainer adapters: a dataset's own columns may happen to be called ``steps``, ``meta``
    or ``group``): a ``steps`` or ``meta`` value of another shape is not used for that field (a ``meta``
    that is not an object is kept in meta under its own key), and a
    ``group`` of another type is used as its text; each such field is named in
    ``meta["rewardkit_ignored"]`` (steps, meta) or ``meta["rewardkit_coerced"]`` (group), so the choice is
    visible. The response, prompt, reference and id are never lenient.
    """
    if isinstance(record, InputError):
        raise record
    if not isinstance(record, Mapping):
        raise InputError(f"expected an object with a {fields.response!r} field, got {json_kind(record)}")
    if fields.response not in record:
        raise InputError(missing_message(fields.response))
    response = record[fields.response]
    if not isinstance(response, str):
        raise InputError(f'field "{fields.response}" must be a string, got {json_kind(response)}')
    prompt_key = fields.find(record, fields.prompt)
    prompt = _checked(prompt_key, record[prompt_key], check_prompt) if prompt_key else ""
    # the first reference key with a value; else one present as null (a label-free row says "no reference")
    reference_key = fields.find(record, fields.reference) or next(
        (k for k in fields.names(fields.reference) if k in record), None
    )
    if reference_key is None and require_reference:
        raise InputError(missing_message(fields.reference))
    sample_id = default_id
    if fields.id is not None and fields.id in record:
        sample_id = _checked(fields.id, record[fields.id], check_key)
    elif require_id:
        raise InputError(
            f"{missing_message(fields.id or 'id')} (other records have one: give every record an id, or none)"
        )
    group_key = fields.find(record, fields.group)
    steps_key = fields.steps if fields.steps is not None and fields.steps in record else None
    meta_key = fields.meta if fields.meta is not None and fields.meta in record else None
    notes: dict[str, list[str]] = {}

    def read(key: str | None, check: Callable[[Any], T], fallback: Callable[[Any], Any], note: str) -> Any:
        if key is None:
            return None
        try:
            return _checked(key, record[key], check)
        except InputError:
            if not lenient:
                raise
            notes.setdefault(note, []).append(key)
            return fallback(record[key])

    own_meta = read(meta_key, check_meta, lambda value: {meta_key: value}, "rewardkit_ignored") or {}
    steps = read(steps_key, check_steps, lambda _: None, "rewardkit_ignored")
    group = read(group_key, check_key, str, "rewardkit_coerced")
    return Sample(
        response=response,
        prompt=prompt,
        reference=record[reference_key] if reference_key else None,
        steps=steps,
        group=group,
        id=None if sample_id is None else str(sample_id),
        meta={**(meta or {}), **own_meta, **notes},
    )


#: The check of each Sample field that has one (the response is checked for being a string).
RECORD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "prompt": check_prompt,
    "group": check_key,
    "id": check_key,
    "steps": check_steps,
    "meta": check_meta,
}


class SampleRecord(BaseModel):
    """A record as JSON APIs take it (the server's ``/v1/score`` samples): exactly Sample's fields, checked
    by the rules of :func:`to_sample` (unknown keys are refused)."""

    model_config = ConfigDict(extra="forbid")

    response: str
    prompt: Any = Field("", description="text, or chat messages [{'role': ..., 'content': ...}]")
    reference: Any = None
    steps: Any = Field(None, description="the reasoning steps, for process rewards (a list of strings)")
    group: Any = Field(None, description="GRPO group / prompt id (string or integer)")
    id: Any = Field(None, description="echoed back with the score (string or integer)")
    meta: Any = Field(default_factory=dict, description="free-form metadata (an object)")

    @field_validator("prompt", "group", "id", "steps", "meta")
    @classmethod
    def _check(cls, value: Any, info: ValidationInfo) -> Any:
        return RECORD_CHECKS[info.field_name](value)  # type: ignore[index]

    def to_sample(self) -> Sample:
        return to_sample(self.model_dump(), RECORD_FIELDS)


#: Fields of a record that uses Sample's own names (and nothing else for the reference).
RECORD_FIELDS = Fields(reference="reference")


# -------------------------------------------------------------------------------------- reading


def file_format(path: Path, forced: str | None = None) -> str:
    """``jsonl``, ``json`` or ``parquet``: ``forced`` (checked), else from the file's extension."""
    if forced:
        if forced not in FORMATS.values():
            raise InputError(f"unknown format {forced!r}; use one of jsonl, json, parquet")
        return forced
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"{path}: cannot tell the format from the extension; use .jsonl, .json or .parquet")
    return FORMATS[path.suffix.lower()]


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise MissingExtraError("reading and writing Parquet files", "parquet", err.name) from None
    return pa, pq


def read_records(path: Path, fmt: str) -> Iterator[tuple[str, Any]]:
    """``(location, record)`` for every record (location: ``file:line`` or ``file:row n``). A JSONL line
    that is not valid JSON comes as an InputError in place of its record; a whole file that cannot be
    read raises one."""
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield f"{path}:{lineno}", json.loads(line.rstrip("\r\n"))
                    except json.JSONDecodeError as err:
                        yield f"{path}:{lineno}", InputError(f"invalid JSON: {err.msg} (column {err.colno})")
        return
    if fmt == "json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{err.lineno}: invalid JSON: {err.msg} (column {err.colno})") from None
        if not isinstance(data, list):
            raise InputError(f"{path}: expected a JSON list of objects, got {json_kind(data)}")
    else:
        _, pq = _pyarrow()
        try:
            data = pq.read_table(path).to_pylist()
        except Exception as err:  # pyarrow raises many kinds for a file that is not parquet
            raise InputError(f"{path}: cannot read as parquet: {err}") from None
        decode_json_columns(path, data)
    for number, record in enumerate(data, 1):
        yield f"{path}:row {number}", record


def load_samples(
    path: Path, fmt: str, fields: Fields = DEFAULT_FIELDS, hint: str = ""
) -> tuple[list[dict[str, Any]], list[Sample]]:
    """Read and check a whole file: its records and their Samples, in order.

    Every record needs a response and a reference; ids come from ``fields.id`` when any record has one
    (then every record needs a unique one), else from the record's index (also written into the
    returned record). Raises one InputError listing every problem (``file:line: field ... ``, up to
    :data:`MAX_PROBLEMS`), followed by ``hint``.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    entries = list(read_records(path, fmt))
    id_field = fields.id or "id"
    use_ids = any(isinstance(r, dict) and id_field in r for _, r in entries)
    records, samples, problems, seen = [], [], [], {}
    for index, (where, record) in enumerate(entries):
        try:
            sample = to_sample(record, fields, default_id=index, require_reference=True, require_id=use_ids)
            if sample.id in seen:
                raise InputError(f"duplicate {id_field} {sample.id!r} (first at {seen[sample.id]})")
        except InputError as err:
            problems.append(f"{where}: {err}")
            continue
        seen[sample.id] = where
        records.append(record if use_ids else {**record, id_field: index})
        samples.append(sample)
    raise_problems(path, problems, hint)
    return records, samples


def raise_problems(
    path: Path | str, problems: Sequence[str], hint: str = "", what: str = "nothing was scored"
) -> None:
    """One InputError for every problem found in a file (the first :data:`MAX_PROBLEMS` listed, then how
    many more), saying ``what`` happened and, with ``hint``, what to do; nothing when there are none."""
    if not problems:
        return
    shown = list(problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    head = f"{len(problems)} problem(s) in {path}" + (f"; {what}" if what else "")
    raise InputError(head + ":\n" + "\n".join(shown) + (f"\n{hint}" if hint else ""))


# -------------------------------------------------------------------------------------- writing

JSON_COLUMNS_KEY = b"rewardkit.json_columns"  # parquet metadata: the columns stored as JSON text


def _arrow_column(values: list[Any]) -> tuple[Any, bool]:
    """The column as an Arrow array, and whether it had to be stored as JSON text."""
    pa, _ = _pyarrow()
    try:
        return pa.array(values), False
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # mixed types (e.g. numbers and strings in one column): keep the column as JSON text
        return pa.array([None if v is None else json.dumps(v, default=str) for v in values]), True


def decode_json_columns(path: Path, records: list[Any]) -> None:
    """Parse back, in place, the columns :func:`write_rows` stored in ``path`` as JSON text."""
    _, pq = _pyarrow()
    metadata = pq.read_schema(path).metadata or {}
    for key in json.loads(metadata.get(JSON_COLUMNS_KEY, b"[]")):
        for record in records:
            if isinstance(record, dict) and isinstance(record.get(key), str):
                record[key] = json.loads(record[key])


def write_atomic(path: Path, text: str) -> Path:
    """Write a text file so that a reader never sees half of it (a temporary file, then a rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_rows(path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    """Write rows atomically. In parquet, ``details`` (and any mixed-type column) is stored as JSON text."""
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        pa, pq = _pyarrow()
        keys = list(dict.fromkeys(k for row in rows for k in row))
        columns, as_json = {}, []
        for key in keys:
            values = [row.get(key) for row in rows]
            if key == "details":
                values, encoded = pa.array([json.dumps(v, default=str) for v in values]), True
            else:
                values, encoded = _arrow_column(values)
            columns[key] = values
            as_json += [key] if encoded else []
        table = pa.table(columns).replace_schema_metadata({JSON_COLUMNS_KEY: json.dumps(as_json)})
        pq.write_table(table, tmp)
    elif fmt == "json":
        tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    else:
        tmp.write_text("".join(jsonl_line(row) for row in rows), encoding="utf-8")
    os.replace(tmp, path)


def jsonl_line(row: dict[str, Any]) -> str:
    """One row as a JSONL line (values that are not JSON are written as their text)."""
    return json.dumps(row, ensure_ascii=False, default=str) + "\n"


def output_row(record: dict[str, Any], score: Score) -> dict[str, Any]:
    """The input record plus ``reward``, ``status``, ``reason``, ``details`` (and, for a score with step
    scores, ``step_scores`` and ``aggregation``)."""
    fields = score.to_dict()
    steps = fields.pop("steps", None)  # not "steps": that is the input's own field
    row = {**record, "reward": fields.pop("value"), **fields}
    if steps is not None:
        row["step_scores"] = steps
    return row


# ---------------------------------------------------------------------------------- checkpoints


def checkpoint_path(output: Path) -> Path:
    """Where finished chunks go while scoring: the output itself for .jsonl, else a sidecar JSONL."""
    return output if file_format(output) == "jsonl" else output.with_name(output.name + ".partial.jsonl")


def read_checkpoint(path: Path, repair: bool = True) -> list[dict[str, Any]]:
    """Rows of a JSONL checkpoint. A torn last line (a crash mid-write) is not a row, and with ``repair``
    it is cut off the file (a reader beside a running writer passes ``repair=False``); a bad line before
    the end is an InputError (the file is not a checkpoint)."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")  # the last item is what follows the final newline
    rows, offset = [], 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                if any(rest.strip() for rest in lines[number:]):
                    raise InputError(
                        f"{path}:{number}: not valid JSON, so this file cannot be resumed; "
                        "move it away or write to another output file"
                    ) from None
                if repair:  # torn final line: drop it, it will be scored again
                    with path.open("r+b") as f:
                        f.truncate(offset)
                return rows
        offset += len(line) + 1
    if lines[-1].strip() and repair:  # complete last row without its newline
        with path.open("ab") as f:
            f.write(b"\n")
    return rows


def existing_rows(output: Path, fmt: str, checkpoint: Path) -> list[dict[str, Any]]:
    """The rows an earlier run left: a finished (non-JSONL) output, then the checkpoint."""
    rows = []
    if fmt != "jsonl" and output.exists():
        rows += [r for _, r in read_records(output, fmt)]
    return rows + read_checkpoint(checkpoint)


# -------------------------------------------------------------------------------------- scoring


def group_chunks(pending: Sequence[tuple[Any, Sample]], size: int) -> list[list[tuple[Any, Sample]]]:
    """Chunks of about ``size`` ``(key, sample)`` items that never split a group (Sample.group):
    group-normalised rewards need the whole group in one batch. Groups keep the order of their first
    sample; samples without a group are each a unit of their own."""
    units: dict[Any, list[tuple[Any, Sample]]] = {}
    for n, item in enumerate(pending):
        units.setdefault(item[1].group if item[1].group is not None else ("", n), []).append(item)
    chunks: list[list[tuple[Any, Sample]]] = [[]]
    for unit in units.values():
        if chunks[-1] and len(chunks[-1]) + len(unit) > size:
            chunks.append([])
        chunks[-1].extend(unit)
    return [c for c in chunks if c]


def score_file(
    verifier: Any,
    records: list[dict[str, Any]],
    samples: list[Sample],
    output: Path,
    id_field: str = "id",
    chunk_size: int = 256,
    progress: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Score the samples not yet in ``output``; append each chunk to the checkpoint as it finishes.

    ``records[i]`` is written out with ``samples[i]``'s score (:func:`output_row`); rows are matched to
    earlier runs by ``record[id_field]``. Returns every output row, in input order. ``progress(done,
    total)`` is called before the first chunk and after each one (only when there is work). Ctrl-C
    raises KeyboardInterrupt after the finished chunks are safely on disk; the same call resumes.
    A verifier with ``prepare_chunks(chunks)`` (the Ray scorer) is told all chunks first.
    """
    fmt, checkpoint = file_format(output), checkpoint_path(output)
    done: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(existing_rows(output, fmt, checkpoint), 1):
        if id_field not in row:
            raise InputError(
                f'{output}: row {n} has no "{id_field}" field; it was not written by rewardkit score '
                "with these options; write to another output file"
            )
        done[str(row[id_field])] = row
    pending = [(r, s) for r, s in zip(records, samples, strict=True) if s.id not in done]
    if pending:
        output.parent.mkdir(parents=True, exist_ok=True)
        finished = len(samples) - len(pending)
        if progress is not None:
            progress(finished, len(samples))
        with checkpoint.open("a", encoding="utf-8") as sink:
            chunks = group_chunks(pending, chunk_size)
            if hasattr(verifier, "prepare_chunks"):  # Ray: one streaming job over all the chunks
                verifier.prepare_chunks([[s for _, s in chunk] for chunk in chunks])
            for chunk in chunks:
                scores = checked_scores(verifier.score_batch([s for _, s in chunk]), len(chunk))
                lines = []
                for (record, sample), score in zip(chunk, scores, strict=True):
                    done[sample.id] = output_row(record, score)  # type: ignore[index]
                    lines.append(jsonl_line(done[sample.id]))  # type: ignore[index]
                sink.write("".join(lines))
                sink.flush()
                os.fsync(sink.fileno())
                finished += len(chunk)
                if progress is not None:
                    progress(finished, len(samples))
    ordered = [done[s.id] for s in samples]  # type: ignore[index]
    if fmt != "jsonl" and checkpoint.exists():
        known = {s.id for s in samples}
        extra = [row for key, row in done.items() if key not in known]  # rows of an earlier, larger input
        write_rows(output, fmt, ordered + extra)
        checkpoint.unlink(missing_ok=True)
    return ordered


__all__ = [
    "DEFAULT_FIELDS",
    "FORMATS",
    "REFERENCE_FIELDS",
    "RECORD_FIELDS",
    "Fields",
    "ProgressCallback",
    "SampleRecord",
    "check_key",
    "check_meta",
    "check_prompt",
    "check_steps",
    "raise_problems",
    "checkpoint_path",
    "decode_json_columns",
    "existing_rows",
    "file_format",
    "group_chunks",
    "jsonl_line",
    "load_samples",
    "output_row",
    "read_checkpoint",
    "read_records",
    "score_file",
    "to_sample",
    "write_atomic",
    "write_rows",
]
