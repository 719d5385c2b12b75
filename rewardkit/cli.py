"""The `rewardkit` command line: score files with reward specs, list verifiers and specs, run the demo.

rewardkit score --spec math --input rollouts.jsonl --output scored.jsonl
rewardkit verifiers
rewardkit specs
rewardkit demo
rewardkit models
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rewardkit.assets import find_asset, list_assets
from rewardkit.spec import load_spec
from rewardkit.types import Sample, Score
from rewardkit.verifier import ConfigError, Verifier, available_verifiers, describe_fields, get_verifier_class

app = typer.Typer(
    help="Score LLM outputs with reward specs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
MAX_PROBLEMS = 10
BAD_INPUT = 2
INTERRUPTED = 130


class Failure(Exception):
    """A problem the user must fix; the CLI prints it and exits with code 2."""


@dataclass(frozen=True)
class Fields:
    """Which input fields hold what."""

    response: str = "response"
    reference: str = "reference"
    prompt: str = "prompt"
    id: str = "id"


# ------------------------------------------------------------------------------------------- input


def file_format(path: Path, forced: str | None = None) -> str:
    if forced:
        if forced not in FORMATS.values():
            raise Failure(f"unknown format {forced!r}; use one of jsonl, json, parquet")
        return forced
    if path.suffix.lower() not in FORMATS:
        raise Failure(f"{path}: cannot tell the format from the extension; use .jsonl, .json or .parquet")
    return FORMATS[path.suffix.lower()]


def read_records(path: Path, fmt: str) -> Iterator[tuple[str, Any]]:
    """(location, record) for every record; a record that is not valid JSON comes as a Failure."""
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield f"{path}:{lineno}", json.loads(line.rstrip("\r\n"))
                    except json.JSONDecodeError as err:
                        yield f"{path}:{lineno}", Failure(f"invalid JSON: {err.msg} (column {err.colno})")
        return
    if fmt == "json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise Failure(f"{path}:{err.lineno}: invalid JSON: {err.msg} (column {err.colno})") from None
        if not isinstance(data, list):
            raise Failure(f"{path}: expected a JSON list of objects, got {_kind(data)}")
    else:
        import pyarrow.parquet as pq

        try:
            data = pq.read_table(path).to_pylist()
        except Exception as err:
            raise Failure(f"{path}: cannot read as parquet: {err}") from None
    for number, record in enumerate(data, 1):
        yield f"{path}:row {number}", record


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    names = {
        type(None): "null",
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "list",
        dict: "object",
    }
    return names.get(type(value), type(value).__name__)


def to_sample(record: Any, index: int, fields: Fields, use_ids: bool) -> Sample:
    """One input record as a Sample; raises Failure naming the bad field."""
    if isinstance(record, Failure):
        raise record
    if not isinstance(record, dict):
        raise Failure(f"expected an object with a {fields.response!r} field, got {_kind(record)}")
    if fields.response not in record:
        raise Failure(f'field "{fields.response}" missing')
    response = record[fields.response]
    if not isinstance(response, str):
        raise Failure(f'field "{fields.response}" must be a string, got {_kind(response)}')
    if fields.reference in record:
        reference = record[fields.reference]
    elif fields.reference == "reference" and "answer" in record:
        reference = record["answer"]
    else:
        also = ' (nor "answer")' if fields.reference == "reference" else ""
        raise Failure(f'field "{fields.reference}" missing{also}')
    prompt = record.get(fields.prompt) or ""
    if not (
        isinstance(prompt, str) or (isinstance(prompt, list) and all(isinstance(m, dict) for m in prompt))
    ):
        raise Failure(
            f'field "{fields.prompt}" must be a string or a list of chat messages, got {_kind(prompt)}'
        )
    if use_ids:
        if fields.id not in record:
            raise Failure(f'field "{fields.id}" missing (other rows have it)')
        sample_id = record[fields.id]
        if not isinstance(sample_id, str | int) or isinstance(sample_id, bool):
            raise Failure(f'field "{fields.id}" must be a string or an integer, got {_kind(sample_id)}')
    else:
        sample_id = index
    group = record.get("group")
    return Sample(
        response=response,
        prompt=prompt,
        reference=reference,
        group=None if group is None else str(group),
        id=str(sample_id),
    )


def load_input(path: Path, fmt: str, fields: Fields) -> tuple[list[dict[str, Any]], list[Sample]]:
    """Read and validate the whole input; raises Failure listing every problem (up to MAX_PROBLEMS)."""
    if not path.is_file():
        raise Failure(f"{path}: no such file")
    entries = list(read_records(path, fmt))
    use_ids = any(isinstance(r, dict) and fields.id in r for _, r in entries)
    records, samples, problems, seen = [], [], [], {}
    for index, (where, record) in enumerate(entries):
        try:
            sample = to_sample(record, index, fields, use_ids)
            if sample.id in seen:
                raise Failure(f"duplicate {fields.id} {sample.id!r} (first at {seen[sample.id]})")
        except Failure as err:
            problems.append(f"{where}: {err}")
            continue
        seen[sample.id] = where
        records.append(record if use_ids else {**record, fields.id: index})
        samples.append(sample)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
        hint = (
            "Fix these rows, or map fields with --response-field/--reference-field/--prompt-field/--id-field."
        )
        raise Failure(
            f"{len(problems)} problem(s) in {path}; nothing was scored:\n" + "\n".join(shown) + f"\n{hint}"
        )
    return records, samples


# ------------------------------------------------------------------------------------------ output


JSON_COLUMNS_KEY = b"rewardkit.json_columns"  # parquet metadata: the columns stored as JSON text


def _arrow_column(values: list[Any]) -> tuple[Any, bool]:
    """The column as an Arrow array, and whether it had to be stored as JSON text."""
    import pyarrow as pa

    try:
        return pa.array(values), False
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # mixed types (e.g. numbers and strings in one column): keep the column as JSON text
        return pa.array([None if v is None else json.dumps(v, default=str) for v in values]), True


def _decode_json_columns(path: Path, records: list[Any]) -> None:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    for key in json.loads(metadata.get(JSON_COLUMNS_KEY, b"[]")):
        for record in records:
            if isinstance(record, dict) and isinstance(record.get(key), str):
                record[key] = json.loads(record[key])


def write_rows(path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    """Write rows atomically. In parquet, ``details`` (and any mixed-type column) is stored as JSON text."""
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

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
        tmp.write_text("".join(_jsonl(row) for row in rows), encoding="utf-8")
    os.replace(tmp, path)


def _jsonl(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=str) + "\n"


def checkpoint_path(output: Path) -> Path:
    """Where finished chunks go while scoring: the output itself for .jsonl, else a sidecar JSONL."""
    return output if file_format(output) == "jsonl" else output.with_name(output.name + ".partial.jsonl")


def read_checkpoint(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL checkpoint. A torn last line (a crash mid-write) is cut off the file."""
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
                    raise Failure(
                        f"{path}:{number}: not valid JSON, so this file cannot be resumed; "
                        "move it away or pass another --output"
                    ) from None
                with path.open("r+b") as f:  # torn final line: drop it, it will be scored again
                    f.truncate(offset)
                return rows
        offset += len(line) + 1
    if lines[-1].strip():  # complete last row without its newline
        with path.open("ab") as f:
            f.write(b"\n")
    return rows


def existing_rows(output: Path, fmt: str, checkpoint: Path) -> list[dict[str, Any]]:
    rows = []
    if fmt != "jsonl" and output.exists():
        records = [r for _, r in read_records(output, fmt)]
        if fmt == "parquet":
            _decode_json_columns(output, records)
        rows += records
    return rows + read_checkpoint(checkpoint)


def output_row(record: dict[str, Any], score: Score) -> dict[str, Any]:
    return {
        **record,
        "reward": score.value,
        "status": score.status.value,
        "reason": score.reason,
        "details": score.details,
    }


# ----------------------------------------------------------------------------------------- scoring


def group_chunks(pending: list[tuple[Any, Sample]], size: int) -> list[list[tuple[Any, Sample]]]:
    """Chunks of about ``size`` samples that never split a group (Sample.group): group-normalised rewards
    need the whole group in one batch. Groups keep the order of their first sample."""
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
    verifier: Verifier,
    records: list[dict[str, Any]],
    samples: list[Sample],
    output: Path,
    id_field: str,
    chunk_size: int = 256,
    console: Console | None = None,
) -> list[dict[str, Any]]:
    """Score the samples not yet in ``output``; append each chunk to the checkpoint as it finishes.

    Returns every output row, in input order. Ctrl-C raises KeyboardInterrupt after the finished chunks
    are safely on disk.
    """
    fmt, checkpoint = file_format(output), checkpoint_path(output)
    done: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(existing_rows(output, fmt, checkpoint), 1):
        if id_field not in row:
            raise Failure(
                f'{output}: row {n} has no "{id_field}" field; it was not written by rewardkit score '
                "with these options; pass another --output"
            )
        done[str(row[id_field])] = row
    pending = [(r, s) for r, s in zip(records, samples, strict=True) if s.id not in done]
    progress = Progress(
        TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console or Console(stderr=True),
    )  # fmt: skip
    if pending:
        output.parent.mkdir(parents=True, exist_ok=True)
        with progress, checkpoint.open("a", encoding="utf-8") as sink:
            task = progress.add_task("scoring", total=len(samples), completed=len(samples) - len(pending))
            chunks = group_chunks(pending, chunk_size)
            if hasattr(verifier, "prepare_chunks"):  # --ray: one streaming job over all the chunks
                verifier.prepare_chunks([[s for _, s in chunk] for chunk in chunks])
            for chunk in chunks:
                scores = verifier.score_batch([s for _, s in chunk])
                lines = []
                for (record, sample), score in zip(chunk, scores, strict=True):
                    done[sample.id] = output_row(record, score)
                    lines.append(_jsonl(done[sample.id]))
                sink.write("".join(lines))
                sink.flush()
                os.fsync(sink.fileno())
                progress.advance(task, len(chunk))
    ordered = [done[s.id] for s in samples]
    if fmt != "jsonl" and checkpoint.exists():
        known = {s.id for s in samples}
        extra = [row for key, row in done.items() if key not in known]  # rows of an earlier, larger input
        write_rows(output, fmt, ordered + extra)
        checkpoint.unlink(missing_ok=True)
    return ordered


def summary_table(rows: list[dict[str, Any]], title: str = "rewardkit score") -> Table:
    """Count per status, and mean/median reward of the rows with a value."""
    table = Table(title=title)
    for column in ("status", "count", "mean reward", "median reward"):
        table.add_column(column, justify="left" if column == "status" else "right")
    statuses = list(dict.fromkeys(["ok", *sorted({str(r.get("status")) for r in rows})]))
    for status in statuses:
        group = [r for r in rows if r.get("status") == status]
        if not group and status != "ok":
            continue
        values = [r["reward"] for r in group if r.get("reward") is not None]
        mean = f"{statistics.fmean(values):.4f}" if values else "-"
        median = f"{statistics.median(values):.4f}" if values else "-"
        table.add_row(status, str(len(group)), mean, median)
    table.add_section()
    table.add_row("total", str(len(rows)), "", "")
    return table


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(BAD_INPUT)


def run_score(
    spec: str,
    input: Path,
    output: Path,
    input_format: str | None,
    fields: Fields,
    chunk_size: int,
    ray: str | None = None,
) -> None:
    console = Console()
    try:
        file_format(output)
        if input.resolve() == output.resolve():
            raise Failure(f"{output}: --output is the --input file; write the scores to another file")
        if ray is None:
            verifier = load_spec(spec)
        else:  # the same chunks, scored by actors on a Ray cluster
            from rewardkit.integrations.ray import RayScorer

            verifier = RayScorer(spec, address=ray)
        records, samples = load_input(input, file_format(input, input_format), fields)
        rows = score_file(verifier, records, samples, output, fields.id, chunk_size)
    except (Failure, ConfigError) as err:
        raise _fail(str(err)) from None
    except KeyboardInterrupt:
        saved = checkpoint_path(output)
        typer.echo(
            f"\ninterrupted: finished chunks are saved in {saved}; resume with the same command.", err=True
        )
        raise typer.Exit(INTERRUPTED) from None
    console.print(summary_table(rows, title=f"{verifier.config.name or spec}: {input.name}"))
    console.print(f"wrote {len(rows)} rows to {output}")


# ---------------------------------------------------------------------------------------- commands

SpecOption = Annotated[
    str, typer.Option("--spec", "-s", help="reward spec: a name (see `rewardkit specs`) or a YAML path")
]


@app.command()
def score(
    spec: SpecOption,
    input: Annotated[
        Path, typer.Option("--input", "-i", help="rollouts: .jsonl, .json (a list) or .parquet")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="scored rows: .jsonl, .json or .parquet")],
    input_format: Annotated[
        str | None,
        typer.Option(help="force the input format: jsonl, json or parquet (default: by extension)"),
    ] = None,
    response_field: Annotated[str, typer.Option(help="field holding the model response")] = "response",
    reference_field: Annotated[
        str,
        typer.Option(
            help='field holding the gold answer; with the default, rows without it may use "answer"'
        ),
    ] = "reference",
    prompt_field: Annotated[str, typer.Option(help="field holding the prompt (optional in rows)")] = "prompt",
    id_field: Annotated[
        str, typer.Option(help="field identifying rows (default when no row has it: the row index)")
    ] = "id",
    chunk_size: Annotated[
        int, typer.Option(min=1, help="samples per score_batch call and per checkpoint write")
    ] = 256,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="score on Ray Data: local (start a cluster here), auto (the cluster this machine belongs "
            "to), HOST:PORT (a head node) or ray://HOST:10001 (Ray Client); the output is the same",
        ),
    ] = None,
) -> None:
    """Score a file of rollouts. Output rows are the input rows plus reward, status, reason, details.

    Resumable: finished chunks are appended to the output (.jsonl) or to <output>.partial.jsonl; a re-run skips rows whose id is already there.
    """
    fields = Fields(response_field, reference_field, prompt_field, id_field)
    run_score(spec, input, output, input_format, fields, chunk_size, ray)


@app.command()
def verifiers() -> None:
    """List the registered verifiers and their config fields."""
    console = Console()
    for name in available_verifiers():
        try:
            cls = get_verifier_class(name)
        except Exception as err:  # a plugin that fails to import should not hide the others
            console.print(f"[bold]{name}[/bold]: [red]unavailable: {type(err).__name__}: {err}[/red]\n")
            continue
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        table = Table(title=f"[bold]{name}[/bold]: {' '.join(doc.split())}", title_justify="left")
        for column in ("field", "type", "default", "description"):
            table.add_column(column, overflow="fold")
        for row in describe_fields(cls.Config):
            table.add_row(*row)
        console.print(table, "")


@app.command()
def specs() -> None:
    """List the reward specs on the search path (add folders with $REWARDKIT_PATH)."""
    table = Table(title="reward specs")
    for column in ("spec", "description", "path"):
        table.add_column(column)
    for name, path in list_assets("verifiers").items():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            description = data.get("description", "") if isinstance(data, dict) else "[red]not a spec[/red]"
        except yaml.YAMLError as err:
            description = f"[red]invalid YAML: {getattr(err, 'problem', err)}[/red]"
        table.add_row(name, description, str(path))
    Console().print(table)


@app.command()
def demo(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="folder to write to (default: a temp folder)")
    ] = None,
    spec: Annotated[
        list[str] | None,
        typer.Option("--spec", "-s", help="reward spec(s) to score with (default: math, then cme)"),
    ] = None,
) -> None:
    """Score the packaged sample rollouts (data/rollouts.jsonl): correctness with the math spec, then the
    label-free cross-model entropy spec on the packaged Gemma-3-270M (CPU; fetched and converted once)."""
    try:
        rollouts = find_asset("data", "rollouts.jsonl")
    except ConfigError as err:
        raise _fail(str(err)) from None
    folder = output or Path(tempfile.mkdtemp(prefix="rewardkit-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in spec or ["math", "cme"]:
        Console().print(f"scoring {rollouts} with spec {name!r}")
        run_score(name, rollouts, folder / f"scored-{name}.jsonl", None, Fields(), chunk_size=256)


@app.command()
def models(
    pull: Annotated[
        list[str] | None,
        typer.Option("--pull", help="fetch and convert this alias now and print its folder (repeatable)"),
    ] = None,
) -> None:
    """List the model aliases: small real models shipped on PyPI as GGUF, converted to safetensors on first use.

    Anywhere a model is asked for, an alias, a local model folder or a hub id (org/name) works.
    """
    from rewardkit.engine.models import ALIASES, list_models, resolve_model

    for name in pull or []:
        if name not in ALIASES:
            raise _fail(f"unknown model alias {name!r}; aliases: {', '.join(ALIASES)}")
        try:
            typer.echo(resolve_model(name))
        except (RuntimeError, OSError, KeyError) as err:
            raise _fail(f"{name}: {err}") from None
    if pull:
        return
    table = Table(title="model aliases")
    for column in ("alias", "description", "source", "cached", "size"):
        table.add_column(column, overflow="fold", justify="right" if column == "size" else "left")
    for row in list_models():
        cached = row["path"] or "[dim]no (converted on first use)[/dim]"
        size = f"{row['size_mb']:,.0f} MB" if row["size_mb"] is not None else ""
        table.add_row(row["name"], row["description"], row["source"], cached, size)
    Console().print(table)


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="print probe() as JSON instead of tables")] = False,
) -> None:
    """What this machine supports for running code: sandbox isolation levels, their per-run overhead, compilers.

    Exit code 1 when no isolation works ("auto" would fail; only an explicit isolation='none' runs code).
    """
    from rewardkit.engine.sandbox import probe

    info = probe()
    if as_json:
        typer.echo(json.dumps(info, indent=2))
    else:
        console = Console()
        mark = {True: "[green]yes[/green]", False: "[red]no[/red]"}
        machine = Table(title="rewardkit doctor: machine", title_justify="left", show_header=False)
        bwrap, userns = info["bwrap"], info["user_namespaces"]
        machine.add_row("platform", f"{info['platform']} {info['kernel']}, Python {info['python']}")
        machine.add_row("running as root", mark[info["root"]])
        machine.add_row(
            "bwrap", f"{bwrap['path']} ({bwrap['version']})" if bwrap["path"] else "[red]not found[/red]"
        )
        machine.add_row("user namespaces", ", ".join(f"{k}={v}" for k, v in userns.items()) or "unknown")
        machine.add_row(
            "unprivileged uid for programs", mark[info["uid_drop"]] if info["root"] else "caller's uid"
        )
        machine.add_row("rlimits", mark[info["rlimits"]])
        auto = info["auto"]
        machine.add_row(
            "isolation 'auto' picks", f"[bold]{auto}[/bold]" if auto else "[red]nothing: auto fails[/red]"
        )
        levels = Table(title="isolation levels", title_justify="left")
        for column in ("level", "works", "uid", "namespaces", "run_python('pass') ms", "error"):
            levels.add_column(column, overflow="fold")
        for name, level in info["levels"].items():
            levels.add_row(
                name,
                mark[level["works"]],
                str(level.get("uid", "")),
                ", ".join(level.get("namespaces", [])),
                str(level.get("overhead_ms", "")),
                level.get("error", ""),
            )
        tools = Table(title="compilers and runtimes", title_justify="left")
        for column in ("tool", "path", "version", "visible in bwrap"):
            tools.add_column(column, overflow="fold")
        for name, tool in info["compilers"].items():
            if tool is None:
                tools.add_row(name, "[red]not found[/red]", "", "")
            else:
                tools.add_row(name, tool["path"], tool["version"], mark[tool["visible_in_bwrap"]])
        console.print(machine, levels, tools)
    if info["auto"] is None:
        raise typer.Exit(1)


@app.command()
def serve(
    spec: Annotated[
        list[str] | None,
        typer.Option(
            "--spec",
            "-s",
            help="reward spec to serve: a name or a YAML path (repeatable; the first is the default). "
            "Without it every spec on the search path is served by name, and requests must name one",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(help="address to bind: loopback by default; 0.0.0.0 exposes the server (use --api-key)"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="REWARDKIT_API_KEY",
            help="require this key ('Authorization: Bearer <key>' or 'X-API-Key: <key>') on every endpoint "
            "but /healthz",
        ),
    ] = None,
    default_reward: Annotated[
        float,
        typer.Option(help="the reward /get_reward reports for a score without a value (unparseable, ...)"),
    ] = 0.0,
    strip: Annotated[
        list[str] | None,
        typer.Option(
            "--strip",
            help="text removed from the end of /get_reward responses (repeatable; default: common EOS/pad "
            "tokens such as <|im_end|>, </s>; --strip '' removes nothing)",
        ),
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option(min=0.001, help="largest request body accepted (413 above)")
    ] = 16.0,
    request_timeout: Annotated[
        float, typer.Option(min=0.001, help="seconds a request may spend scoring before it fails with 504")
    ] = 120.0,
    threads: Annotated[int, typer.Option(min=1, help="threads for verifiers that score in threads")] = 64,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
) -> None:
    """Serve reward specs over HTTP: POST /v1/score, POST /get_reward (OpenRLHF), GET /healthz, GET /metrics.

    Requests from many clients are merged into shared model batches. SIGTERM or Ctrl-C stops accepting
    connections, finishes the requests in flight, and exits 0.
    """
    import ipaddress

    from rewardkit.server.app import DEFAULT_STRIP, create_app, run_server

    try:
        application = create_app(
            specs=spec or None,
            api_key=api_key,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            request_timeout_s=request_timeout,
            default_reward=default_reward,
            strip=DEFAULT_STRIP if strip is None else strip,
            threads=threads,
        )
    except ConfigError as err:
        raise _fail(str(err)) from None
    registry = application.state.rewardkit.registry
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not api_key:
        typer.echo(
            f"warning: serving on {host} without --api-key: anyone who can reach port {port} can use it",
            err=True,
        )
    served = ", ".join(registry.available()) if registry.fixed else "every spec on the search path"
    typer.echo(
        f"rewardkit: serving {served} (default: {registry.default or 'none'}) on http://{host}:{port}",
        err=True,
    )
    run_server(
        application, host=host, port=port, graceful_timeout_s=request_timeout + 10, access_log=access_log
    )


if __name__ == "__main__":
    app()
