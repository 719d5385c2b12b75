"""SQL verifier: extraction, result comparison, read-only execution, time limits, statuses, pool/threads."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rewardkit import ConfigError, Sample, Status, create_verifier
from rewardkit.verifiers.sql import SQLVerifier, extract_sql, orders_rows, same_results

SCHEMA = """
CREATE TABLE stadium (stadium_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER, average REAL);
CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER, is_male INTEGER);
CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, name TEXT, stadium_id INTEGER, year INTEGER);
CREATE TABLE singer_in_concert (concert_id INTEGER, singer_id INTEGER);
INSERT INTO stadium VALUES (1, 'Hampden', 52500, 1.1), (2, 'Balmoral', 4000, 0.3), (3, 'Glebe', 3960, 0.7);
INSERT INTO singer VALUES
  (1, 'Joe Sharp', 'Netherlands', 52, 0), (2, 'Timbaland', 'United States', 32, 1),
  (3, 'Justin Brown', 'France', 29, 1), (4, 'Rose White', 'France', 41, 0),
  (5, 'John Nizinik', 'France', 43, 1), (6, 'Tribal King', 'France', 25, 1);
INSERT INTO concert VALUES (1, 'Auditions', 1, 2014), (2, 'Super bootcamp', 2, 2014),
  (3, 'Home Visits', 2, 2015), (4, 'Week 1', 3, 2014);
INSERT INTO singer_in_concert VALUES (1, 2), (1, 3), (1, 5), (2, 3), (2, 6), (3, 5), (4, 4);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqldb") / "concert_singer.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
    conn.close()
    return path


def score(db: Path, response: str, gold: str, **config) -> object:
    config.setdefault("workers", 0)
    return SQLVerifier(**config).score(Sample(response=response, reference={"db": str(db), "sql": gold}))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------- extraction

EXTRACTION = [
    # (response, expected sql, rule)
    ("```sql\nSELECT 1;\n```", "SELECT 1", "fence"),
    ("first\n```sql\nSELECT 1\n```\nthen\n```sql\nSELECT 2;;\n```", "SELECT 2", "fence"),
    ("```sql\nSELECT 1\n```\n```python\nprint(1)\n```", "SELECT 1", "fence"),  # the last *sql* block
    ("```SQLite\nSELECT 3\n```", "SELECT 3", "fence"),
    ("```\nSELECT 4\n```", "SELECT 4", "fence"),
    ("```sql\nSELECT name\nFROM singer", "SELECT name\nFROM singer", "fence"),  # unclosed: truncated output
    ("Reasoning...\nSQL: SELECT count(*) FROM singer;", "SELECT count(*) FROM singer", "marker"),
    ("SQL: SELECT 1\n\nThis counts rows.", "SELECT 1", "marker"),
    ("query: select a\nfrom t", "select a\nfrom t", "marker"),
    ("Final SQL: `SELECT 5`", "SELECT 5", "marker"),
    ("SELECT name FROM singer ;  ", "SELECT name FROM singer", "whole"),
    ("  with t as (select 1) select * from t", "with t as (select 1) select * from t", "whole"),
    ("SELECT 1; DROP TABLE singer;", "SELECT 1; DROP TABLE singer", "whole"),  # refused when run
    ("I don't know.", None, None),
    ("", None, None),
    ("Selection of singers", None, None),
    ("```sql\n;\n```", None, None),
    ("SQL:   ", None, None),
]


@pytest.mark.parametrize("response,sql,rule", EXTRACTION)
def test_extraction(response, sql, rule):
    found = extract_sql(response)
    if sql is None:
        assert found is None
    else:
        assert found is not None and (found.sql, found.mode) == (sql, rule)


ORDERS = [
    ("SELECT name FROM singer ORDER BY age", True),
    ("select name from singer order  by age desc limit 1", True),
    ("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1", True),
    ("SELECT name FROM singer", False),
    ("SELECT * FROM (SELECT name FROM singer ORDER BY age)", False),
    ("WITH t AS (SELECT age FROM singer ORDER BY age LIMIT 3) SELECT * FROM t", False),
    ("SELECT name, row_number() OVER (ORDER BY age) FROM singer", False),
    ("SELECT 'order by' FROM singer", False),
    ("SELECT name FROM singer -- ORDER BY age", False),
    ('SELECT "order by" FROM t /* ORDER BY x */', False),
    ("SELECT name AS border FROM singer", False),
]


@pytest.mark.parametrize("sql,ordered", ORDERS)
def test_top_level_order_by(sql, ordered):
    assert orders_rows(sql) is ordered


# --------------------------------------------------------------------------------------------- comparison

SAME = [
    # (gold, pred, ordered)
    ([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], False),
    ([(1,)], [(1.0,)], False),
    ([(1, None)], [(1.0, None)], True),
    ([(0.1 + 0.2,)], [(0.3,)], True),
    ([(1e9,)], [(1e9 + 0.5,)], False),  # relative tolerance
    ([(1.0, "x"), (1.0 + 1e-9, "y")], [(1.0 + 1e-9, "y"), (1.0, "x")], False),
    ([(1,), (1,), (2,)], [(2,), (1,), (1,)], False),
    ([], [], True),
    ([(b"\x00",)], [(b"\x00",)], False),
]
DIFFERENT = [
    ([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], True),  # order matters when the gold orders
    ([(1,), (1,), (2,)], [(1,), (2,), (2,)], False),  # duplicates count
    ([(1,), (1,)], [(1,)], False),
    ([(1,)], [("1",)], False),  # text is not a number
    ([(0.3,)], [(0.31,)], False),
    ([(None,)], [(0,)], False),
    ([("a", 1)], [(1, "a")], False),  # columns by position
    ([(1, 2)], [(1,)], False),
    # integers are exact (found in review: these passed under the relative tolerance)
    ([(1000000,)], [(1000001,)], False),
    ([(12345678,)], [(12345690,)], False),
]


@pytest.mark.parametrize(
    "gold,pred,ordered,same", [(*row, True) for row in SAME] + [(*row, False) for row in DIFFERENT]
)
def test_result_comparison(gold, pred, ordered, same):
    assert bool(same_results(gold, pred, ordered)) is same


# ------------------------------------------------------------------------------------- execution accuracy

CORRECT = [
    # (predicted, gold): the same result written differently
    (
        "SELECT DISTINCT s.name FROM singer s JOIN singer_in_concert sic ON s.singer_id = sic.singer_id",
        "SELECT name FROM singer WHERE singer_id IN (SELECT singer_id FROM singer_in_concert)",
    ),
    (
        "SELECT name FROM singer s WHERE EXISTS (SELECT 1 FROM singer_in_concert c WHERE c.singer_id = s.singer_id)",
        "SELECT name FROM singer WHERE singer_id IN (SELECT singer_id FROM singer_in_concert)",
    ),
    ("SELECT count(singer_id) AS n FROM singer", "SELECT count(*) FROM singer"),
    ("SELECT name FROM singer WHERE age > 40 ORDER BY name DESC", "SELECT name FROM singer WHERE age > 40"),
    ("SELECT sum(age) * 1.0 / count(*) FROM singer", "SELECT avg(age) FROM singer"),  # float vs float
    ("SELECT 37", "SELECT avg(age) FROM singer"),  # 37 == 37.0
    ("SELECT sum(average) FROM stadium", "SELECT 2.1"),  # 1.1 + 0.3 + 0.7 within tolerance
    ("SELECT name FROM singer ORDER BY age LIMIT 2", "SELECT name FROM singer ORDER BY age ASC LIMIT 2"),
    (
        "SELECT country, count(*) FROM singer GROUP BY country ORDER BY 1",
        "SELECT country, count(*) FROM singer GROUP BY country ORDER BY country",
    ),
    ("select   name\nfrom SINGER\nwhere IS_MALE = 0;", "SELECT name FROM singer WHERE is_male = 0"),
    ("SELECT year FROM concert", "SELECT year FROM concert"),  # duplicates on both sides
    ("SELECT name FROM singer WHERE age > 100", "SELECT name FROM singer WHERE age > 99"),  # both empty
]

WRONG = [
    # (predicted, gold, reason contains)
    ("SELECT name FROM singer WHERE age > 30", "SELECT name FROM singer WHERE age > 40", "rows differ"),
    ("SELECT age, name FROM singer", "SELECT name, age FROM singer", "rows differ"),  # column order matters
    ("SELECT DISTINCT year FROM concert", "SELECT year FROM concert", "rows differ"),  # duplicates matter
    ("SELECT year FROM concert", "SELECT DISTINCT year FROM concert", "rows differ"),
    ("SELECT name FROM singer ORDER BY age DESC", "SELECT name FROM singer ORDER BY age", "order differ"),
    ("SELECT name FROM singer", "SELECT name FROM singer ORDER BY age", "order differ"),
    ("SELECT name, age FROM singer", "SELECT name FROM singer", "2 columns, gold has 1"),
    ("SELECT name, age FROM singer WHERE age > 99", "SELECT name FROM singer WHERE age > 99", "columns"),
    ("SELECT avg(age) + 0.01 FROM singer", "SELECT avg(age) FROM singer", "rows differ"),
    ("SELECT '37'", "SELECT 37", "rows differ"),
]


@pytest.mark.parametrize(
    "pred,gold,value,reason", [(p, g, 1.0, "") for p, g in CORRECT] + [(p, g, 0.0, r) for p, g, r in WRONG]
)
def test_execution_accuracy(db, pred, gold, value, reason):
    """Equivalent queries score 1, wrong ones 0 with the reason saying how they differ."""
    s = score(db, f"```sql\n{pred}\n```", gold)
    assert (s.status, s.value) == (Status.OK, value), s.reason
    assert reason in s.reason


def test_details(db):
    s = score(
        db,
        "Here it is.\nSQL: SELECT name FROM singer WHERE age > 40;",
        "SELECT name FROM singer ORDER BY age",
    )
    assert s.details["sql"] == "SELECT name FROM singer WHERE age > 40"
    assert s.details["extracted_by"] == "marker"
    assert (s.details["gold_rows"], s.details["pred_rows"], s.details["ordered"]) == (6, 3, True)
    assert "error" not in s.details and s.details["elapsed_s"] >= 0


PREDICTED_ERRORS = [
    # (predicted, SQLite's message contains)
    ("SELEC name FROM singer", "syntax error"),
    ("SELECT name FROM singers", "no such table: singers"),
    ("SELECT nme FROM singer", "no such column: nme"),
    ("SELECT name FROM singer WHERE", "incomplete input"),
    ("SELECT 1; SELECT 2", "one statement at a time"),
    ("SELECT * FROM pragma_table_info('singer')", "not authorized"),
    ("BEGIN", "not a query"),
]


@pytest.mark.parametrize("pred,message", PREDICTED_ERRORS)
def test_errors_in_predicted_sql_are_a_zero_verdict_with_the_message(db, pred, message):
    s = score(db, f"```sql\n{pred}\n```", "SELECT name FROM singer WHERE age > 99")
    assert (s.status, s.value) == (Status.OK, 0.0)
    assert message in s.details["error"] and message in s.reason
    assert s.details["pred_rows"] is None and s.details["gold_rows"] == 0


# ------------------------------------------------------------------------------------------- read-only

WRITES = [
    "DROP TABLE singer",
    "DELETE FROM singer",
    "UPDATE singer SET age = 0",
    "INSERT INTO singer VALUES (7, 'X', 'Y', 1, 1)",
    "CREATE TABLE evil (x)",
    "CREATE TEMP TABLE evil (x)",
    "CREATE INDEX evil ON singer(age)",
    "ALTER TABLE singer ADD COLUMN evil",
    "WITH t AS (SELECT 1) DELETE FROM singer",
    "REPLACE INTO singer VALUES (1, 'X', 'Y', 1, 1)",
    "ATTACH DATABASE 'evil.sqlite' AS evil",
    "ATTACH 'file:evil.sqlite?mode=rwc' AS evil",
    "PRAGMA writable_schema = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA query_only = OFF",
    "VACUUM",
    "VACUUM INTO 'evil.sqlite'",
    "SELECT 1; DROP TABLE singer",
    "ANALYZE",
]


@pytest.mark.parametrize("statement", WRITES)
def test_write_attempts_leave_the_database_untouched(db, statement, monkeypatch):
    monkeypatch.chdir(db.parent)  # where a relative ATTACH / VACUUM INTO would create its file
    before, files = digest(db), sorted(db.parent.iterdir())
    s = score(db, f"```sql\n{statement};\n```", "SELECT count(*) FROM singer")
    assert (s.status, s.value) == (Status.OK, 0.0)
    assert s.details["error"]
    assert digest(db) == before and sorted(db.parent.iterdir()) == files
    assert score(db, "SELECT count(*) FROM singer", "SELECT 6").value == 1.0


def test_write_attempts_through_the_pool(db):
    before = digest(db)
    samples = [
        Sample(response=f"```sql\n{w}\n```", reference={"db": str(db), "sql": "SELECT count(*) FROM singer"})
        for w in WRITES
    ]
    scores = SQLVerifier(workers=2).score_batch(samples)
    assert [(s.status, s.value) for s in scores] == [(Status.OK, 0.0)] * len(WRITES)
    assert digest(db) == before


# ------------------------------------------------------------------------------------------ time limits

SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)


@pytest.mark.parametrize("workers", [0, 2])
def test_slow_predicted_query_stops_at_the_query_time_limit(db, workers):
    verifier = SQLVerifier(workers=workers, query_timeout_s=0.5, timeout=10)
    sample = Sample(response=SLOW, reference={"db": str(db), "sql": "SELECT 1"})
    verifier.score(Sample(response="SELECT 1", reference=sample.reference))  # pool started, gold cached
    start = time.monotonic()
    s = verifier.score(sample)
    elapsed = time.monotonic() - start
    assert (s.status, s.value) == (Status.OK, 0.0)  # our limit, not the pool's 10 s deadline
    assert "exceeded the 0.5s time limit" in s.details["error"]
    assert elapsed < 0.5 + 3  # generous slack for a loaded machine


def test_slow_gold_query_is_a_timeout(db):
    s = score(db, "SELECT 1", SLOW, query_timeout_s=0.2)
    assert s.status is Status.TIMEOUT and s.value is None
    assert "time limit" in s.reason


def test_query_timeout_must_fit_within_the_deadline():
    # a query_timeout that does not fit in the deadline is refused at construction
    with pytest.raises(ConfigError, match="query_timeout_s .* must be under half of timeout"):
        SQLVerifier(query_timeout_s=3, timeout=5)


# ------------------------------------------------------------------------------------ statuses and rows


def test_missing_database_is_an_error_naming_the_path_and_the_fix(db, tmp_path):
    s = SQLVerifier(workers=0, db_root=str(tmp_path)).score(
        Sample(response="SELECT 1", reference={"db": "nope.sqlite", "sql": "SELECT 1"})
    )
    assert s.status is Status.ERROR and s.value is None
    assert str(tmp_path / "nope.sqlite") in s.reason and "db_root" in s.reason


def test_relative_paths_and_db_ids_resolve_against_db_root(db):
    verifier = SQLVerifier(workers=0, db_root=str(db.parent))
    by_path = Sample(response="SELECT count(*) FROM singer", reference={"db": db.name, "sql": "SELECT 6"})
    assert verifier.score(by_path).value == 1.0
    spider_root = db.parent / "database" / "concert_singer"
    spider_root.mkdir(parents=True, exist_ok=True)
    (spider_root / "concert_singer.sqlite").write_bytes(db.read_bytes())
    spider = SQLVerifier(workers=0, db_root=str(db.parent / "database"))
    row = {"db_id": "concert_singer", "query": "SELECT count(*) FROM singer", "question": "How many?"}
    assert spider.score(Sample(response="SELECT 6", reference=row)).value == 1.0
    bird = {"db_id": "concert_singer", "SQL": "SELECT count(*) FROM concert", "evidence": ""}
    assert spider.score(Sample(response="SELECT 4", reference=bird)).value == 1.0


def test_gold_error_is_an_error_not_a_verdict(db):
    s = score(db, "SELECT name FROM singer", "SELECT name FROM singers")
    assert s.status is Status.ERROR and s.value is None
    assert "gold SQL failed" in s.reason and "no such table: singers" in s.reason


@pytest.mark.parametrize(
    "reference,message",
    [
        ("SELECT 1", "not a dict"),
        ({"db": "x.sqlite"}, "no gold query"),
        ({"sql": "SELECT 1"}, "names no database"),
    ],
)
def test_bad_references_are_errors(reference, message):
    s = SQLVerifier(workers=0).score(Sample(response="SELECT 1", reference=reference))
    assert s.status is Status.ERROR and message in s.reason


def test_no_sql_is_unparseable(db):
    s = score(db, "I am not sure which table to use.", "SELECT 1")
    assert s.status is Status.UNPARSEABLE and s.value is None


def test_row_cap(db):
    many = "SELECT a.name FROM singer a, singer b"  # 36 rows
    s = score(db, many, "SELECT name FROM singer", max_rows=10)
    assert (s.status, s.value) == (Status.OK, 0.0) and "max_rows=10" in s.details["error"]
    s = score(db, "SELECT name FROM singer", many, max_rows=10)
    assert s.status is Status.ERROR and "max_rows=10" in s.reason


def test_gold_results_are_cached_per_database_and_query(db):
    verifier = SQLVerifier(workers=0)
    for response in ["SELECT 6", "SELECT 5", "SELECT count(*) FROM singer"]:
        verifier.score(
            Sample(response=response, reference={"db": str(db), "sql": "SELECT count(*) FROM singer"})
        )
    assert len(verifier._gold_cache) == 1


def test_registry_and_config(db):
    assert isinstance(create_verifier("sql", workers=0), SQLVerifier)
    with pytest.raises(ConfigError, match="sql: query_timeout: unknown key 'query_timeout'"):
        SQLVerifier(query_timeout=1)
    with pytest.raises(ConfigError, match="max_rows"):
        SQLVerifier(max_rows=0)
    assert SQLVerifier().config.db_root == str(Path.cwd())  # made absolute before it reaches the workers


def test_relative_paths_resolve_in_the_callers_directory_even_in_the_pool(db, monkeypatch):
    SQLVerifier(workers=2).score(Sample(response="SELECT 1", reference={"db": str(db), "sql": "SELECT 1"}))
    monkeypatch.chdir(db.parent)  # after the pool's workers started elsewhere
    sample = Sample(response="SELECT count(*) FROM singer", reference={"db": db.name, "sql": "SELECT 6"})
    assert SQLVerifier(workers=2).score(sample).value == 1.0


# ---------------------------------------------------------------------------------------- engine behaviour


def batch(db: Path) -> list[Sample]:
    ref = {"db": str(db)}
    rows = (
        [(p, g) for p, g in CORRECT]
        + [(p, g) for p, g, _ in WRONG]
        + [(p, "SELECT 1") for p, _ in PREDICTED_ERRORS]
    )
    samples = [Sample(response=f"```sql\n{p}\n```", reference={**ref, "sql": g}) for p, g in rows]
    samples.append(Sample(response="no sql", reference={**ref, "sql": "SELECT 1"}))
    samples.append(Sample(response="SELECT 1", reference={"db": "/nonexistent.sqlite", "sql": "SELECT 1"}))
    return samples


def verdicts(scores) -> list[tuple]:
    return [(s.status, s.value, s.details.get("error")) for s in scores]


def test_pool_matches_inline_and_keeps_order(db):
    samples = batch(db)
    inline = SQLVerifier(workers=0).score_batch(samples)
    pooled = SQLVerifier(workers=2).score_batch(samples)
    assert verdicts(pooled) == verdicts(inline)
    n_ok = len(CORRECT)
    assert [s.value for s in inline[:n_ok]] == [1.0] * n_ok
    assert [s.value for s in inline[n_ok:-2]] == [0.0] * (len(samples) - n_ok - 2)
    assert [s.status for s in inline[-2:]] == [Status.UNPARSEABLE, Status.ERROR]


def test_threads_and_asyncio_agree_with_serial(db):
    samples = batch(db)
    for workers in (0, 2):
        verifier = SQLVerifier(workers=workers)
        serial = verdicts(verifier.score_batch(samples))
        chunks = [samples[i::8] for i in range(8)]
        with ThreadPoolExecutor(8) as ex:
            threaded = list(ex.map(verifier.score_batch, chunks))
        for i, chunk_scores in enumerate(threaded):
            assert verdicts(chunk_scores) == serial[i::8]

        async def run_all(verifier=verifier, chunks=chunks):
            return await asyncio.gather(*(verifier.ascore_batch(c) for c in chunks))

        for i, chunk_scores in enumerate(asyncio.run(run_all())):
            assert verdicts(chunk_scores) == serial[i::8]


def test_invalid_utf8_text_stays_distinct(db):
    """Found in review: both invalid byte strings decoded to U+FFFD and compared equal."""
    s = score(db, "SELECT CAST(x'fe' AS TEXT)", "SELECT CAST(x'ff' AS TEXT)", workers=0)
    assert s.value == 0.0
    assert score(db, "SELECT CAST(x'ff' AS TEXT)", "SELECT CAST(x'ff' AS TEXT)", workers=0).value == 1.0
