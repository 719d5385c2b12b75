"""SQL execution accuracy (BIRD/Spider style): run the predicted and the gold query on the sample's SQLite
database, read-only, and compare what they return::

    from rewardkit import Sample
    from rewardkit.verifiers.sql import SQLVerifier

    verifier = SQLVerifier(db_root="data/spider/database")
    verifier.score(Sample(
        response="```sql\\nSELECT name FROM singer WHERE age > 30;\\n```",
        reference={"db": "concert_singer/concert_singer.sqlite", "sql": "SELECT name FROM singer WHERE age > 30"},
    ))

The reference is a dict: ``db`` (path to the SQLite file, relative paths resolved against the ``db_root``
config) or ``db_id`` (Spider/BIRD layout: ``<db_root>/<db_id>/<db_id>.sqlite``), and the gold query under
``sql`` (or ``SQL``, ``query``, ``gold``), so raw Spider and BIRD rows work as they are.

Comparison rules:

- Rows are compared as multisets (order ignored, duplicates count), unless the gold query has a top-level
  ``ORDER BY``: then in order. ``ORDER BY`` inside a subquery, a CTE or ``OVER (...)`` does not count.
- Columns are compared by position; their names are ignored and their number must match, so
  ``SELECT name, age`` and ``SELECT age, name`` differ.
- Values: numbers equal within ``float_tol`` (relative and absolute) and across types (1 == 1.0); text,
  blobs and NULL exactly. The text '1' is not the number 1.
- The predicted SQL must be one statement that returns a result set: several statements, a statement that
  is not a query, an SQLite error, more than ``max_rows`` rows or running past ``query_timeout_s`` all
  score 0.0 with status ok and the message in ``details["error"]`` (a verdict on the response).
- A broken gold query (or gold rows over ``max_rows``) is status error: the dataset is wrong. A gold query
  past the time limit is status timeout.

Nothing can change the database: it is opened with ``mode=ro``, ``PRAGMA query_only=ON`` refuses writes,
and an authorizer refuses ATTACH (which would create files, as would ``VACUUM INTO``), DETACH and PRAGMA.
Gold results are cached per (database file, gold query) in each worker.
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from rewardkit.errors import RewardkitError
from rewardkit.types import Sample, Score
from rewardkit.verifier import CPUVerifier, register

Row = tuple[Any, ...]

# ------------------------------------------------------------------------------------------ extraction


@dataclass(frozen=True)
class Extraction:
    sql: str  # the statement, trailing semicolons stripped
    mode: str  # which rule found it: fence | marker | whole


_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\S\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_MARKER = re.compile(r"\b(?:SQL|Query)[ \t]*:", re.IGNORECASE)
_QUERY_START = re.compile(r"(?:SELECT|WITH)\b", re.IGNORECASE)


def extract_sql(text: str) -> Extraction | None:
    """The query in a response: the last ```sql block (else the last fenced block of any language), else
    what follows the last "SQL:" / "Query:" up to a blank line, else the whole text if it starts with
    SELECT or WITH."""
    blocks = _FENCE.findall(text)
    if blocks:
        tagged = [body for lang, body in blocks if "sql" in lang.lower()]
        body, mode = (tagged or [body for _, body in blocks])[-1], "fence"
    elif markers := list(_MARKER.finditer(text)):
        body, mode = re.split(r"\n\s*\n", text[markers[-1].end() :], maxsplit=1)[0], "marker"
    elif _QUERY_START.match(text.lstrip()):
        body, mode = text, "whole"
    else:
        return None
    sql = re.sub(r"[\s;]+\Z", "", body.strip().strip("`"))
    return Extraction(sql, mode) if sql else None


_NOISE = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\[[^\]]*\]|--[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL)
_ORDER_TOKENS = re.compile(r"[()]|\border\s+by\b", re.IGNORECASE)


def orders_rows(sql: str) -> bool:
    """Does the query order its result: an ORDER BY outside all parentheses (strings, comments ignored)?"""
    depth = 0
    for m in _ORDER_TOKENS.finditer(_NOISE.sub(" ", sql)):
        token = m.group()
        if token in "()":
            depth += 1 if token == "(" else -1
        elif depth == 0:
            return True
    return False


# ---------------------------------------------------------------------------------------- comparison


def _same_value(a: Any, b: Any, tol: float) -> bool:
    """Numbers across types (1 == 1.0); tolerance only when a float is involved: integers are exact."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return a == b or math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    return a == b


def _same_row(a: Row, b: Row, tol: float) -> bool:
    return len(a) == len(b) and all(_same_value(x, y, tol) for x, y in zip(a, b, strict=True))


def _sort_key(row: Row) -> tuple:
    """A total order over rows of mixed types; numbers rounded so near-equal values sort together."""
    key = []
    for v in row:
        if v is None:
            key.append((0, 0))
        elif isinstance(v, (int, float)):
            key.append((1, float(f"{v:.4g}")))
        else:
            key.append((2, v) if isinstance(v, str) else (3, bytes(v)))
    return tuple(key)


def same_results(gold: list[Row], pred: list[Row], ordered: bool, tol: float = 1e-6) -> bool:
    """Equal results: in order when ``ordered``, else as multisets; numbers within ``tol``."""
    if len(gold) != len(pred):
        return False
    if not ordered:  # exact matches first (1 == 1.0 hash alike), then the rest sorted and paired
        g, p = Counter(gold), Counter(pred)
        gold = sorted((g - p).elements(), key=_sort_key)
        pred = sorted((p - g).elements(), key=_sort_key)
    return all(_same_row(a, b, tol) for a, b in zip(gold, pred, strict=True))


# ----------------------------------------------------------------------------------------- execution


class QueryError(RewardkitError):
    """A query failed; the message is SQLite's (or ours). ``timed_out``: it ran past its time limit."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


_DENIED = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA}


def _authorize(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_DENY if action in _DENIED else sqlite3.SQLITE_OK


def connect_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.text_factory = lambda b: b.decode("utf-8", "surrogateescape")  # invalid bytes stay distinct
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_authorize)
    return conn


def run_query(conn: sqlite3.Connection, sql: str, timeout: float, max_rows: int) -> tuple[list[Row], int]:
    """(rows, number of columns) of one query, aborted by SQLite's progress handler after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    try:
        cursor = conn.execute(sql)
        if cursor.description is None:
            raise QueryError("not a query: the statement returns no result set")
        rows = cursor.fetchmany(max_rows + 1)
    except (sqlite3.Error, sqlite3.Warning) as exc:  # Warning: several statements, Python < 3.11
        if time.monotonic() > deadline:
            raise QueryError(f"query exceeded the {timeout:g}s time limit", timed_out=True) from None
        raise QueryError(str(exc)) from None
    finally:
        conn.set_progress_handler(None, 0)
    if len(rows) > max_rows:
        raise QueryError(f"query returned more than max_rows={max_rows} rows")
    return rows, len(cursor.description)


@dataclass(frozen=True)
class _Gold:
    rows: list[Row]
    columns: int
    ordered: bool


_GOLD_CACHE_SIZE = 512
_REFERENCE_HELP = "set reference to {'db': path to the SQLite file (or 'db_id'), 'sql': gold query}"


# ------------------------------------------------------------------------------------------- verifier


@register
class SQLVerifier(CPUVerifier):
    """Execution accuracy: 1.0 if the predicted query returns the gold query's result, else 0.0."""

    name = "sql"

    class Config(CPUVerifier.Config):
        db_root: str = Field(
            ".",
            validate_default=True,
            description="directory that relative `db` paths and `db_id`s are resolved against",
        )
        query_timeout_s: float = Field(1.0, gt=0, description="time limit for each query (gold, predicted)")
        max_rows: int = Field(100_000, gt=0, description="a query returning more rows is refused")
        float_tol: float = Field(
            1e-6, ge=0, description="numbers this close (relative or absolute) are equal"
        )

        @field_validator("db_root")
        @classmethod
        def _absolute(cls, value: str) -> str:  # workers may run in another directory
            return str(Path(value).expanduser().resolve())

        @model_validator(mode="after")
        def _queries_fit_the_deadline(self) -> SQLVerifier.Config:
            if 2 * self.query_timeout_s >= self.timeout:
                raise ValueError(
                    f"query_timeout_s ({self.query_timeout_s:g}) must be under half of timeout "
                    f"({self.timeout:g}): the gold and the predicted query run within one sample's deadline"
                )
            return self

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._gold_cache: dict[tuple, _Gold | str] = {}

    def _read(self, sample: Sample) -> Score | tuple[Extraction, str, Path]:
        """The extracted query, the gold query and the database, or the Score that ends it early."""
        ref = sample.reference
        if not isinstance(ref, dict):
            return Score.error(f"reference is {type(ref).__name__}, not a dict: {_REFERENCE_HELP}")
        gold = next((ref[k] for k in ("sql", "SQL", "query", "gold") if ref.get(k)), None)
        if not isinstance(gold, str) or not gold.strip():
            return Score.error(f"reference has no gold query: {_REFERENCE_HELP}")
        root = Path(self.config.db_root)
        if ref.get("db"):
            path = root / Path(str(ref["db"])).expanduser()  # an absolute db replaces the root
        elif ref.get("db_id"):
            path = root / str(ref["db_id"]) / f"{ref['db_id']}.sqlite"
        else:
            return Score.error(f"reference names no database: {_REFERENCE_HELP}")
        if not path.is_file():
            return Score.error(
                f"database not found: {path}; set reference['db'] to an existing SQLite file "
                f"(relative paths are resolved against the db_root config, now {root})"
            )
        found = extract_sql(sample.response or "")
        if found is None:
            return Score.unparseable(
                "no SQL found: expected a ```sql block, 'SQL: ...', or a response starting with SELECT/WITH"
            )
        return found, gold.strip(), path

    def quick_score(self, sample: Sample) -> Score | None:
        read = self._read(sample)
        return read if isinstance(read, Score) else None

    def _gold(self, conn: sqlite3.Connection, path: Path, sql: str) -> _Gold:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, sql)
        cached = self._gold_cache.get(key)
        if cached is None:
            try:
                rows, columns = run_query(conn, sql, self.config.query_timeout_s, self.config.max_rows)
                cached = _Gold(rows, columns, orders_rows(sql))
            except QueryError as exc:
                if exc.timed_out:  # may be load, not the dataset: not cached
                    raise
                cached = str(exc)
            if len(self._gold_cache) >= _GOLD_CACHE_SIZE:
                self._gold_cache.clear()
            self._gold_cache[key] = cached
        if isinstance(cached, str):
            raise QueryError(cached)
        return cached

    def score_one(self, sample: Sample) -> Score:
        start = time.monotonic()
        read = self._read(sample)
        if isinstance(read, Score):
            return read
        found, gold_sql, path = read
        details: dict[str, Any] = {"sql": found.sql, "extracted_by": found.mode}
        with closing(connect_read_only(path)) as conn:
            try:
                gold = self._gold(conn, path, gold_sql)
            except QueryError as exc:
                details.update(
                    gold_sql=gold_sql, error=str(exc), elapsed_s=round(time.monotonic() - start, 4)
                )
                if exc.timed_out:
                    return Score.timeout(f"gold SQL: {exc}", **details)
                return Score.error(
                    f"gold SQL failed on {path}: {exc} (the reference query is wrong)", **details
                )
            details.update(gold_rows=len(gold.rows), ordered=gold.ordered)
            try:
                rows, columns = run_query(conn, found.sql, self.config.query_timeout_s, self.config.max_rows)
            except QueryError as exc:
                details.update(pred_rows=None, error=str(exc), elapsed_s=round(time.monotonic() - start, 4))
                return Score.correct(False, f"predicted SQL failed: {exc}", **details)
        details.update(pred_rows=len(rows), elapsed_s=round(time.monotonic() - start, 4))
        if columns != gold.columns:
            return Score.correct(False, f"{columns} columns, gold has {gold.columns}", **details)
        same = same_results(gold.rows, rows, gold.ordered, self.config.float_tol)
        how = "rows or their order differ" if gold.ordered else "rows differ"
        return Score.correct(same, "" if same else f"{how} from the gold result", **details)


__all__ = ["Extraction", "QueryError", "SQLVerifier", "extract_sql", "orders_rows", "same_results"]
