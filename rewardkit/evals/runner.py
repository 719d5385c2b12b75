"""Run a suite: load its rows, prompt, generate, score, measure; the run directory is the log.

``run_suite(suite, output=RUN_DIR)`` writes, as work finishes (see docs/harness.md, "The run directory"):

- ``config.json`` first: the suite (resolved), its fingerprint, the model, seeds and library versions;
- ``generations.jsonl``: each generated response as soon as its batch is done;
- ``samples.jsonl``: each scored sample (prompt, response, value, status, reason, details, correct, ...);
- ``summary.json`` last: the metrics with 95% bootstrap intervals, per subset, status counts, timings.

Kill it at any point and call it again with the same arguments: finished generations are not generated
again, finished samples are not scored again, nothing is written twice, and a torn last line is dropped and
redone. A run directory whose fingerprint (suite, model, backend, data) differs from the call's is refused
unless ``force=True`` (the change is recorded in ``config.json``). The row limit is not part of the
fingerprint: a larger ``limit`` extends a run, a smaller one reports on its first rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from rewardkit.errors import ConfigError, InputError
from rewardkit.evals.metrics import compute_metrics, compute_subsets
from rewardkit.evals.suite import JINJA, Suite, find_data, load_suite
from rewardkit.io import jsonl_line, read_checkpoint, write_atomic
from rewardkit.types import Comparison, Message, Preference, Sample, Score, Status, prompt_text

FORMAT = 1
Progress = Callable[[str, int, int], None]  # (phase, done, total)


# ------------------------------------------------------------------------------------------------ data


def load_rows(
    suite: Suite, data: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] | None = None
) -> tuple[list[dict[str, Any]], str]:
    """The suite's rows (filtered, limited) and where they came from. ``data`` replaces ``dataset.path``."""
    ds = suite.dataset
    path = Path(data) if data is not None else (find_data(ds.path, suite, data_dir) if ds.path else None)
    if data is not None and not path.exists():  # type: ignore[union-attr]
        raise InputError(f"--data {data}: no such file")
    if path is not None:
        rows, source = _local_rows(path), str(path)
    elif ds.hf:
        rows, source = _hub_rows(suite), f"hf:{ds.hf}" + (f"/{ds.hf_config}" if ds.hf_config else "")
    else:
        raise InputError(
            f"suite {suite.name}: the data file {ds.path!r} was not found (looked in --data-dir, "
            f"$REWARDKIT_DATA, {Path(suite.source).resolve().parent if suite.source else 'the suite folder'}, "
            f"{Path.cwd()} and the packaged data); pass --data FILE or --data-dir DIR"
        )
    if ds.filter:
        rows = [row for row in rows if _filter(suite, row)]
    return rows, source


def _local_rows(path: Path) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError:
        from rewardkit.errors import MissingExtraError

        raise MissingExtraError("loading suite data", "eval", "datasets") from None
    name = path.name.lower().removesuffix(".gz")
    builder = next(
        (
            b
            for ext, b in ((".jsonl", "json"), (".json", "json"), (".parquet", "parquet"), (".csv", "csv"))
            if name.endswith(ext)
        ),
        None,
    )
    if builder is None:
        raise InputError(f"{path}: unknown data format; use .jsonl, .json, .parquet or .csv (optionally .gz)")
    try:
        table = datasets.load_dataset(builder, data_files=str(path), split="train")
    except Exception as exc:  # datasets raises many kinds for a bad file
        raise InputError(f"{path}: cannot be read as {builder}: {exc}") from None
    return [dict(row) for row in table]


def _hub_rows(suite: Suite) -> list[dict[str, Any]]:
    import datasets

    ds = suite.dataset
    try:
        table = datasets.load_dataset(ds.hf, ds.hf_config, split=ds.split)
    except Exception as exc:
        raise InputError(
            f"suite {suite.name}: cannot load the hub data set {ds.hf!r} ({exc}); with no hub access, "
            "download it once and pass --data FILE"
        ) from None
    return [dict(row) for row in table]


def _filter(suite: Suite, row: dict[str, Any]) -> bool:
    try:
        return bool(JINJA.compile_expression(suite.dataset.filter)(**row))  # type: ignore[arg-type]
    except TemplateError as exc:
        raise ConfigError(
            f"{suite.source or suite.name}: dataset.filter {suite.dataset.filter!r}: {exc} "
            f"(row fields: {', '.join(row)})"
        ) from None


def _render(suite: Suite, where: str, template: str, row: dict[str, Any]) -> str:
    try:
        return JINJA.from_string(template).render(**row)
    except TemplateError as exc:
        raise ConfigError(
            f"{suite.source or suite.name}: {where}: {exc} (the row's fields: {', '.join(map(str, row))}); "
            "fix the template or map the field"
        ) from None


def _field(suite: Suite, row: dict[str, Any], key: str, where: str) -> Any:
    if key not in row:
        raise InputError(
            f"suite {suite.name}: dataset.{where}: the rows have no field {key!r}; fields: {', '.join(map(str, row))}"
        )
    return row[key]


def reference_of(suite: Suite, row: dict[str, Any]) -> Any:
    ds = suite.dataset
    if ds.reference_template is not None:
        return _render(suite, "dataset.reference_template", ds.reference_template, row)
    if isinstance(ds.reference, list):
        return {k: _field(suite, row, k, "reference") for k in ds.reference}
    return _field(suite, row, ds.reference, "reference") if ds.reference else None


def build_prompt(
    suite: Suite, row: dict[str, Any], shots: Sequence[dict[str, Any]] = ()
) -> str | list[Message]:
    """The prompt for one row: chat messages (few-shot examples as earlier turns) or completion text."""
    p = suite.prompt
    question = _render(suite, "prompt.template", p.template, row)
    examples = [
        (
            _render(suite, "prompt.template", p.template, s),
            _render(suite, "prompt.fewshot.answer", p.fewshot.answer, s),
        )
        for s in shots
    ]
    if p.style == "completion":
        parts = [p.system] if p.system else []
        parts += [q + a for q, a in examples] + [question]
        return p.fewshot.separator.join(parts)
    messages: list[Message] = [{"role": "system", "content": p.system}] if p.system else []
    for q, a in examples:
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return [*messages, {"role": "user", "content": question}]


# ----------------------------------------------------------------------------------------- run files


class RunFiles:
    """The append-only JSONL logs of one run directory (torn last lines dropped on open)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config.json"
        self.generations = root / "generations.jsonl"
        self.samples = root / "samples.jsonl"
        self.summary = root / "summary.json"

    @staticmethod
    def read(path: Path, repair: bool = False) -> dict[str, dict[str, Any]]:
        """Rows by key (:func:`rewardkit.io.read_checkpoint`: a torn last line is not a row; ``repair``
        cuts it off the file so appends start clean)."""
        return {str(row["key"]): row for row in read_checkpoint(path, repair=repair)}

    @staticmethod
    def append(path: Path, rows: Sequence[dict[str, Any]]) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write("".join(jsonl_line(r) for r in rows))
            f.flush()
            os.fsync(f.fileno())


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically (a reader never sees half a file)."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("rewardkit", "torch", "transformers", "vllm", "datasets", "sympy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def default_output(suite: Suite, model: str | None) -> Path:
    """``runs/<suite>-<model>``: the same command run again resumes the same run."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", (model or "scorer").rstrip("/").split("/")[-1])
    return Path("runs") / f"{suite.name}-{slug}"


# ----------------------------------------------------------------------------------------- the runner


class Runner:
    """One run of a suite into a run directory (see the module docs). Use :func:`run_suite`."""

    def __init__(
        self,
        suite: Suite,
        output: Path,
        *,
        model: str | None = None,
        backend: str | None = None,
        backend_options: dict[str, Any] | None = None,
        limit: int | None = None,
        data: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.suite, self.files, self.force, self.progress = suite, RunFiles(Path(output)), force, progress
        generating = suite.task == "generate"
        spec = suite.model
        if generating:
            self.backend_kind = backend or spec.backend
            self.model = model or spec.model
            self.backend_options = {**spec.options, **(backend_options or {})}
        else:  # pairwise / process: these name the judge's / PRM's model (see _scorer_options)
            self.backend_kind, self.model, self.backend_options = backend, model, dict(backend_options or {})
        self.scorer_options = {} if generating else self._scorer_options()
        rows, self.source = load_rows(suite, data, data_dir)
        shots_n = suite.prompt.fewshot.n if generating else 0
        self.shots: list[dict[str, Any]] = []
        self.fewshot_file: Path | None = None
        if shots_n:
            if suite.prompt.fewshot.path:
                self.fewshot_file = find_data(suite.prompt.fewshot.path, suite, data_dir)
                if self.fewshot_file is None:
                    raise InputError(
                        f"{suite.source or suite.name}: prompt.fewshot.path {suite.prompt.fewshot.path!r} was not "
                        "found (looked in --data-dir, $REWARDKIT_DATA, the suite folder and the working directory)"
                    )
                self.shots = _local_rows(self.fewshot_file)[:shots_n]
            else:  # the first rows are the examples; they are not evaluated
                self.shots, rows = rows[:shots_n], rows[shots_n:]
            if len(self.shots) < shots_n:
                raise InputError(
                    f"{suite.source or suite.name}: prompt.fewshot.n: {shots_n} few-shot examples asked for, "
                    f"{len(self.shots)} found"
                )
        self.limit = limit if limit is not None else suite.dataset.limit
        self.rows = rows[: self.limit] if self.limit else rows
        if not self.rows:
            raise InputError(
                f"suite {suite.name}: no rows to evaluate in {self.source} (after filter and limit)"
            )
        self.ids = [self._doc_id(i, row) for i, row in enumerate(self.rows)]
        self.hashes = [row_hash(row) for row in self.rows]
        self.n = suite.generation.n if generating else 1

    def _doc_id(self, index: int, row: dict[str, Any]) -> str:
        key = self.suite.dataset.id
        return str(_field(self.suite, row, key, "id")) if key else str(index)

    # -- config and resume -------------------------------------------------------------------------

    def _scorer_options(self) -> dict[str, Any]:
        """``--model/--backend/--backend-option`` for a pairwise or process suite: its scorer's options."""
        s = self.suite.scoring
        given = {
            k: v
            for k, v in (
                ("model", self.model),
                ("backend", self.backend_kind),
                ("backend_options", self.backend_options),
            )
            if v
        }
        if not given:
            return {}
        if s.spec:
            raise ConfigError(
                f"--{'/--'.join(k.replace('_options', '-option') for k in given)}: the suite scores with the reward "
                f"spec {s.spec!r}, which names its own models; set them in the spec"
            )
        if self.suite.task == "pairwise":
            from rewardkit.comparison import get_comparator_class

            cls, name = get_comparator_class(s.comparator), s.comparator  # type: ignore[arg-type]
        else:
            from rewardkit.verifier import get_verifier_class

            cls, name = get_verifier_class(s.verifier), s.verifier  # type: ignore[arg-type]
        fields = getattr(cls.Config, "model_fields", {})
        missing = [k for k in given if k not in fields]
        if missing:
            raise ConfigError(
                f"{', '.join('--' + k.replace('_options', '-option') for k in missing)}: the scorer {name!r} of this "
                "suite takes no such option; set its models in the suite's scoring config"
            )
        if "backend_options" in given:
            config = s.comparator_config if self.suite.task == "pairwise" else s.config
            given["backend_options"] = {**(config.get("backend_options") or {}), **given["backend_options"]}
        return given

    def fingerprint(self) -> dict[str, Any]:
        """What decides the results: the suite (but the row limit and the batch size), the model and its
        backend (but options that only change speed), the scorer's options and named files. The data file's
        path is not in it: each finished row carries its data row's hash, checked on resume."""
        speed = {
            "threads",
            "token_budget",
            "generate_token_budget",
            "max_wait_ms",
            "timeout",
            "concurrency",
            "max_retries",
        }
        return {
            "suite_hash": self.suite.digest(),
            "model": self.model,
            "backend": self.backend_kind,
            "backend_options": {k: v for k, v in self.backend_options.items() if k not in speed},
            "files": self._file_hashes(),
        }

    def _file_hashes(self) -> dict[str, str]:
        """The content hashes of files the suite names beside the data: a reward spec, a few-shot file."""
        from rewardkit.engine.models import file_sha256

        files: dict[str, str] = {}
        if self.suite.scoring.spec:
            from rewardkit.assets import find_asset

            files["scoring.spec"] = file_sha256(find_asset("verifiers", self.suite.scoring.spec))
        if self.fewshot_file is not None:
            files["prompt.fewshot.path"] = file_sha256(self.fewshot_file)
        elif self.shots:  # the first rows of the data are the examples
            files["prompt.fewshot.rows"] = row_hash({"shots": self.shots})
        return files

    def open(self) -> None:
        """Create the run directory, or check that it is this run's (refuse a changed config unless forced)."""
        root, mine = self.files.root, self.fingerprint()
        started = any(RunFiles.read(p) for p in (self.files.generations, self.files.samples))
        if self.files.config.exists() and started:
            old = json.loads(self.files.config.read_text(encoding="utf-8"))
            theirs = {k: old.get(k) for k in mine}
            changed = [k for k in mine if theirs[k] != mine[k]]
            if changed and not self.force:
                what = [
                    *suite_changes(old.get("suite_config") or {}, self._suite_config()),
                    *(f"{k}: {theirs[k]!r} -> {mine[k]!r}" for k in changed if k != "suite_hash"),
                ]
                raise ConfigError(
                    f"{root} holds a run with another configuration ({'; '.join(what) or 'the suite changed'}). "
                    "Resume it unchanged, write to another --output, or pass --force to continue it anyway "
                    "(the change is recorded)"
                )
            if changed:
                old.setdefault("forced", []).append({"at": _now(), "from": theirs, "to": mine})
                old.update(mine, suite_config=self._suite_config())
            old["limit"] = self.limit
            write_json(self.files.config, old)
        else:  # new, or a run that stopped before its first row (a fixed suite may start it afresh)
            if any(p.name != ".lock" for p in root.iterdir()) and not self.files.config.exists():
                raise ConfigError(
                    f"{root} is not empty and is not a rewardkit run (no config.json); choose another --output"
                )
            root.mkdir(parents=True, exist_ok=True)
            gen = self.suite.generation.model_dump() if self.suite.task == "generate" else None
            write_json(
                self.files.config,
                {
                    "format": FORMAT,
                    "suite": self.suite.name,
                    **mine,
                    "task": self.suite.task,
                    "generation": gen,
                    "seed": self.suite.generation.seed,
                    "limit": self.limit,
                    "data": self.source,
                    "suite_config": self._suite_config(),
                    "suite_source": self.suite.source,
                    "versions": _versions(),
                    "created": _now(),
                },
            )
        # rows written for these doc indices must be these docs (the data may have changed under the run)
        for name, rows in (("generations", self.files.generations), ("samples", self.files.samples)):
            for row in RunFiles.read(rows).values():
                doc = int(row["doc"])
                if doc >= len(self.ids):
                    continue
                if str(row.get("id")) != self.ids[doc] or row.get("row_hash") != self.hashes[doc]:
                    raise ConfigError(
                        f"{rows}: doc {doc} ({row.get('id')!r}) of this run is not the same row in {self.source} "
                        f"now ({name}); the data changed: write to another --output"
                    )

    def _suite_config(self) -> dict[str, Any]:
        return self.suite.model_dump(exclude={"source"})

    # -- the work ----------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Run under an exclusive lock on the run directory (a second writer fails at once)."""
        self.files.root.mkdir(parents=True, exist_ok=True)
        with (self.files.root / ".lock").open("a") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # pragma: no cover - not Linux/macOS: no lock
                pass
            except OSError:
                raise ConfigError(
                    f"{self.files.root}: another process is writing this run; wait for it, or write to another --output"
                ) from None
            return self._run()

    def _run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.open()
        timing = {"generate_s": 0.0, "score_s": 0.0}
        keys = [f"{d}:{s}" for d in range(len(self.rows)) for s in range(self.n)]
        gens = RunFiles.read(self.files.generations, repair=True)
        done = RunFiles.read(self.files.samples, repair=True)
        todo = [k for k in keys if k not in done]
        self._report("generate", sum(k in gens or k in done for k in keys), len(keys))
        self._report("score", len(keys) - len(todo), len(keys))
        interrupted = False
        try:
            step = self.suite.generation.batch_size * self.n
            scorer = self._scorer() if todo else None
            for at in range(0, len(todo), step):
                batch = todo[at : at + step]
                if self.suite.task == "generate":

                    def logged(fresh: list[dict[str, Any]]) -> None:
                        RunFiles.append(self.files.generations, fresh)
                        gens.update((r["key"], r) for r in fresh)
                        self._report("generate", sum(k in gens or k in done for k in keys), len(keys))

                    t0 = time.perf_counter()
                    self._generate([k for k in batch if k not in gens], logged)
                    timing["generate_s"] += time.perf_counter() - t0
                t0 = time.perf_counter()
                rows = self._score(scorer, batch, gens)
                timing["score_s"] += time.perf_counter() - t0
                RunFiles.append(self.files.samples, rows)
                done.update((r["key"], r) for r in rows)
                self._report("score", sum(k in done for k in keys), len(keys))
        except KeyboardInterrupt:
            interrupted = True
        rows = sorted((done[k] for k in keys if k in done), key=lambda r: (r["doc"], r["sample"]))
        summary = self.summarize(rows, complete=len(rows) == len(keys))
        summary["timing"] = {**timing, "total_s": time.perf_counter() - started}
        summary["timing_all_calls"] = self._all_timing(summary["timing"])
        write_json(self.files.summary, summary)
        if interrupted:
            raise KeyboardInterrupt
        return summary

    def _all_timing(self, now: dict[str, float]) -> dict[str, float]:
        """This call's timing added to the earlier calls' (a resumed run)."""
        before: dict[str, float] = {}
        if self.files.summary.exists():
            old = json.loads(self.files.summary.read_text(encoding="utf-8"))
            before = old.get("timing_all_calls") or old.get("timing") or {}
        return {k: float(before.get(k, 0.0)) + v for k, v in now.items()}

    def _report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None and (phase != "generate" or self.suite.task == "generate"):
            self.progress(phase, done, total)

    def _prompt(self, doc: int) -> str | list[Message]:
        return build_prompt(self.suite, self.rows[doc], self.shots)

    def _generate(self, keys: Sequence[str], on_done: Callable[[list[dict[str, Any]]], None]) -> None:
        """Generate ``keys``; ``on_done(rows)`` logs each finished call's rows at once.

        One call per sample index, seeded ``seed + index``: each sample of a prompt is its own draw on every
        backend (vLLM and servers seed each request: n requests with one seed would be n copies). Each call
        holds all the batch's prompts, so the backend batches them as it likes. (Measured: splitting a
        16-prompt batch into concurrent calls of 4 was 1.5x slower on the CPU.)"""
        if not keys:
            return
        from rewardkit.engine.backends import GenerationParams, GenerationRequest, get_backend

        g = self.suite.generation
        backend = get_backend(self.backend_kind, model=self.model, **self.backend_options)
        self._backend = backend
        by_index: dict[int, list[str]] = {}
        for k in keys:
            by_index.setdefault(int(k.split(":")[1]), []).append(k)
        for index, group in by_index.items():
            params = GenerationParams(
                max_tokens=g.max_tokens, temperature=g.temperature, top_p=g.top_p, stop=tuple(g.stop),
                seed=g.seed + index,
            )  # fmt: skip
            prompts = [GenerationRequest(self._prompt(int(k.split(":")[0]))) for k in group]
            results = backend.generate(prompts, params)
            on_done([self._generation_row(k, r) for k, r in zip(group, results, strict=True)])

    def _generation_row(self, key: str, result: Any) -> dict[str, Any]:
        doc = int(key.split(":")[0])
        return {
            "key": key,
            "doc": doc,
            "sample": int(key.split(":")[1]),
            "id": self.ids[doc],
            "row_hash": self.hashes[doc],
            "response": result.text,
            "finish_reason": result.finish_reason,
            "length_tokens": self._tokens(result.text),
        }

    # -- scoring -----------------------------------------------------------------------------------

    def _scorer(self) -> Any:
        s = self.suite.scoring
        if self.suite.task == "pairwise":
            return None
        scorer = build_scorer(s.spec, s.verifier, {**s.config, **self.scorer_options})
        if s.unparseable is not None:
            self.unparseable_wrong = s.unparseable == "wrong"
        else:  # a math/code reader found no answer: wrong; a judge / rubric / PRM could not be read: undecided
            self.unparseable_wrong = not (judged_by_model(scorer))
        if s.selector is not None:
            self.selector = build_scorer(s.selector.spec, s.selector.verifier, s.selector.config)
        return scorer

    def _comparator(self) -> Any:
        from rewardkit.comparison import create_comparator

        s = self.suite.scoring
        options = self.scorer_options if self.suite.task == "pairwise" else {}
        return create_comparator(s.comparator, **{**s.comparator_config, **options})  # type: ignore[arg-type]

    def _base(self, key: str) -> dict[str, Any]:
        doc, sample = (int(x) for x in key.split(":"))
        row = self.rows[doc]
        subset = self.suite.dataset.subset
        return {
            "key": key,
            "doc": doc,
            "sample": sample,
            "id": self.ids[doc],
            "row_hash": self.hashes[doc],
            "subset": None if subset is None or row.get(subset) is None else str(row.get(subset)),
        }

    def _score(
        self, scorer: Any, keys: Sequence[str], gens: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        task = self.suite.task
        if task == "pairwise":
            return self._score_pairs(keys)
        if task == "process":
            return self._score_steps(scorer, keys)
        samples, rows = [], []
        for key in keys:
            row = self._base(key)
            doc = self.rows[row["doc"]]
            prompt = self._prompt(row["doc"])
            gen = gens[key]
            reference = reference_of(self.suite, doc)
            samples.append(Sample(gen["response"], prompt, reference, None, str(row["doc"]), row["id"]))
            rows.append(
                {
                    **row,
                    "prompt": prompt_text(prompt),
                    "response": gen["response"],
                    "reference": reference,
                    "finish_reason": gen["finish_reason"],
                    "length_chars": len(gen["response"]),
                    "length_tokens": gen.get("length_tokens"),
                }
            )
        scores = _guarded(scorer, samples)
        for row, score in zip(rows, scores, strict=True):
            row.update(self._score_fields(score))
            row["answer"] = answer_of(score, self.suite.scoring.answer)
        if getattr(self, "selector", None) is not None:  # best-of-n picks by this score, not by correctness
            for row, score in zip(rows, _guarded(self.selector, samples), strict=True):
                row["select_value"] = score.value if score.ok else None
                row["select_status"] = score.status.value
        if self.suite.scoring.comparator:
            comparisons = [
                Comparison(
                    s.response,
                    _field(self.suite, self.rows[r["doc"]], self.suite.dataset.baseline, "baseline"),
                    s.prompt,
                    s.reference,
                    s.group,
                    s.id,
                )
                for s, r in zip(samples, rows, strict=True)
            ]
            for row, pref in zip(rows, _compared(self._comparator(), comparisons), strict=True):
                row["winner"] = pref.winner.value if pref.ok and pref.winner is not None else None
                row["comparison"] = pref.to_dict()
        return rows

    def _tokens(self, text: str) -> int | None:
        backend = getattr(self, "_backend", None)
        try:
            return backend.count_tokens(text) if backend is not None else None
        except Exception:  # a remote backend has no tokenizer
            return None

    def _score_fields(self, score: Score) -> dict[str, Any]:
        at = self.suite.scoring.correct_at
        correct = None
        if score.status is Status.UNPARSEABLE:  # no answer given is wrong; an unreadable judge is undecided
            correct = False if at is not None and getattr(self, "unparseable_wrong", True) else None
        elif score.ok and score.value is not None and at is not None:
            correct = score.value >= at
        return {
            "value": score.value,
            "status": score.status.value,
            "reason": score.reason,
            "details": score.details,
            "steps": [s.to_dict() for s in score.steps] if score.steps is not None else None,
            "correct": correct,
        }

    def _score_pairs(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        ds, rows, comparisons = self.suite.dataset, [], []
        for key in keys:
            row = self._base(key)
            doc = self.rows[row["doc"]]
            chosen, rejected = (
                str(_field(self.suite, doc, ds.chosen, "chosen")),
                str(_field(self.suite, doc, ds.rejected, "rejected")),
            )
            prompt = str(_field(self.suite, doc, ds.prompt, "prompt")) if ds.prompt else ""
            if ds.transcripts:
                prompt, chosen, rejected = split_transcripts(chosen, rejected)
            reference = reference_of(self.suite, doc)
            comparisons.append(Comparison(chosen, rejected, prompt, reference, str(row["doc"]), row["id"]))
            rows.append({**row, "prompt": prompt, "chosen": chosen, "rejected": rejected})
        for row, pref in zip(rows, _compared(self._comparator(), comparisons), strict=True):
            winner = (
                {"A": "chosen", "B": "rejected"}.get(pref.winner.value, pref.winner.value)
                if (pref.ok and pref.winner is not None)
                else None
            )
            row.update(
                {
                    "value": pref.probability,
                    "status": pref.status.value,
                    "reason": pref.reason,
                    "details": pref.to_dict(),
                    "winner": winner,
                    "correct": None if winner is None else winner == "chosen",
                    "value_chosen": pref.details.get("score_a"),
                    "value_rejected": pref.details.get("score_b"),
                }
            )
        return rows

    def _score_steps(self, scorer: Any, keys: Sequence[str]) -> list[dict[str, Any]]:
        ds, rows, samples = self.suite.dataset, [], []
        for key in keys:
            row = self._base(key)
            doc = self.rows[row["doc"]]
            steps = _field(self.suite, doc, ds.steps, "steps")
            label = _field(self.suite, doc, ds.label, "label")
            if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
                raise InputError(
                    f"suite {self.suite.name}: doc {row['id']}: {ds.steps!r} must be a list of strings"
                )
            prompt = str(_field(self.suite, doc, ds.prompt or "problem", "prompt"))
            samples.append(
                Sample(
                    "\n\n".join(steps),
                    prompt,
                    reference_of(self.suite, doc),
                    list(steps),
                    str(row["doc"]),
                    row["id"],
                )
            )
            rows.append({**row, "prompt": prompt, "steps": list(steps), "label": int(label)})
        for row, score in zip(rows, _guarded(scorer, samples), strict=True):
            fields = self._score_fields(score)
            first = score.details.get("first_error") if score.ok else None
            prediction = None if first is None else int(first)
            fields["correct"] = None if prediction is None else prediction == row["label"]
            fields["step_values"] = [s.get("value") for s in fields.pop("steps") or []] or None
            row.update(fields, prediction=prediction)
        return rows

    def summarize(self, rows: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
        metrics = self.suite.metrics
        statuses: dict[str, int] = {}
        finish: dict[str, int] = {}
        for r in rows:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
            if r.get("finish_reason"):
                finish[r["finish_reason"]] = finish.get(r["finish_reason"], 0) + 1
        return {
            "format": FORMAT,
            "suite": self.suite.name,
            "task": self.suite.task,
            "model": self.model,
            "complete": complete,
            "docs": len({r["doc"] for r in rows}),
            "samples": len(rows),
            "statuses": statuses,
            "finish_reasons": finish,
            "metrics": compute_metrics(rows, metrics, seed=self.suite.generation.seed),
            "subsets": compute_subsets(rows, metrics, seed=self.suite.generation.seed)
            if self.suite.dataset.subset
            else {},
        }


#: Verifiers whose ``unparseable`` means the scoring model's own answer could not be read (not the response's).
MODEL_JUDGED = frozenset({"judge", "rubric", "prm"})


def build_scorer(spec: str | None, verifier: str | None, config: dict[str, Any]) -> Any:
    """A reward spec (``config``: per-component overrides) or a registered verifier built from ``config``."""
    if spec:
        from rewardkit.spec import load_spec

        return load_spec(spec, **config)
    from rewardkit.verifier import create_verifier

    return create_verifier(verifier, **config)  # type: ignore[arg-type]


def judged_by_model(scorer: Any) -> bool:
    """Whether a scorer (a verifier, or a spec's components) is an LLM judge, a rubric or a PRM."""
    components = getattr(scorer, "components", None)
    if components is not None:
        return any(judged_by_model(c.verifier) for c in components)
    return getattr(scorer, "name", "") in MODEL_JUDGED


def suite_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """The suite fields that differ, as ``generation.max_tokens: 16 -> 12``."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += suite_changes(a, b, f"{prefix}{key}.")
        elif a != b and key not in ("limit", "batch_size", "name", "description"):
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def _guarded(scorer: Any, samples: list[Sample]) -> list[Score]:
    """The scorer's scores; a scorer that raises gives every sample an ``error`` score (kept visible)."""
    from rewardkit.verifier import checked_scores

    try:
        return checked_scores(scorer.score_batch(samples), len(samples))
    except Exception as exc:
        return [Score.from_exception(exc) for _ in samples]


def _compared(comparator: Any, comparisons: list[Comparison]) -> list[Preference]:
    try:
        return comparator.compare_batch(comparisons)
    except Exception as exc:
        return [Preference.failed(Status.ERROR, f"{type(exc).__name__}: {exc}") for _ in comparisons]


def answer_of(score: Score, path: str | None = None) -> str | None:
    """The extracted final answer in a score's details, normalised for voting (maj@k): ``path`` (dotted),
    else the first ``extracted`` found, a spec's components included."""
    found: Any = None
    if path:
        found = score.details
        for part in path.split("."):
            found = found.get(part) if isinstance(found, dict) else None
    else:
        stack: list[Any] = [score.details]
        while stack and found is None:
            item = stack.pop(0)
            if isinstance(item, dict):
                found = item.get("extracted")
                stack.extend(v for v in item.values() if isinstance(v, dict))
    return None if found is None else normalize_answer(str(found))


def normalize_answer(text: str) -> str:
    """Light canonical form for votes: no ``$``, ``\\!`` or trailing period, no spaces around operators and
    one between words (``x = 3`` -> ``x=3``, ``1 2`` stays ``1 2``); ``1,000`` -> ``1000``;
    ``18.0`` -> ``18``. (Correctness never depends on this: each sample's ``correct`` comes from its scorer.)"""
    t = text.strip().strip("$").replace("\\!", "").rstrip(".").strip()
    t = re.sub(r"\s*([=+\-*/^,(){}\[\]<>])\s*", r"\1", t)  # no spaces around operators ...
    t = re.sub(r"\s+", " ", t)  # ... and one between words ("1 2" stays apart from "12")
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    if re.fullmatch(r"[-+]?\d+\.\d+", t):
        t = t.rstrip("0").rstrip(".")
    return t


def split_transcripts(chosen: str, rejected: str) -> tuple[str, str, str]:
    """hh-rlhf rows: the prompt (the shared transcript up to and including the last ``Assistant:`` turn
    marker both share) and the two final answers."""
    marker = "\n\nAssistant:"
    shared = 0
    while shared < min(len(chosen), len(rejected)) and chosen[shared] == rejected[shared]:
        shared += 1
    cut = chosen.rfind(marker, 0, shared + 1)
    if cut < 0:
        return "", chosen, rejected
    cut += len(marker)
    return chosen[:cut], chosen[cut:].strip(), rejected[cut:].strip()


def row_hash(row: dict[str, Any]) -> str:
    """A short content hash of a data row (a resumed run checks its rows are still the same)."""
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_suite(
    suite: Suite | str | os.PathLike[str], output: str | os.PathLike[str] | None = None, **options: Any
) -> Path:
    """Run (or resume) ``suite`` into ``output`` (default :func:`default_output`); returns the run dir.

    ``options`` are :class:`Runner`'s: ``model``/``backend``/``backend_options`` choose the model that
    answers (generate suites; default the suite's ``model:``, SmolLM2 on transformers; for pairwise and
    process suites ``model`` names the judge / PRM model), ``limit``, ``data`` (a file replacing
    ``dataset.path``), ``data_dir``, ``force`` (continue a run whose configuration changed) and
    ``progress(phase, done, total)``, told about each finished batch.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    model = options.get("model") or (suite.model.model if suite.task == "generate" else None)
    out = Path(output) if output is not None else default_output(suite, model)
    Runner(suite, out, **options).run()
    return out


__all__ = [
    "FORMAT",
    "RunFiles",
    "Runner",
    "answer_of",
    "build_prompt",
    "default_output",
    "load_rows",
    "normalize_answer",
    "reference_of",
    "row_hash",
    "run_suite",
    "split_transcripts",
    "write_json",
]
