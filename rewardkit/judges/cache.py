"""The judge cache: LLM judge calls stored in one SQLite file, content-addressed.

A judgement's key (:func:`cache_key`) is the sha256 of everything that decides the answer: the model, the
backend, the template's text (by hash), the rendered input, the sampling parameters and the draw index.
Change any of them and the key changes, so a stale answer is never reused; keep them and a re-run costs
no backend call::

    from rewardkit.judges.cache import JudgeCache, cache_key, cached_calls

    cache = JudgeCache()  # cache_dir() / "judges.sqlite"
    keys = [
        cache_key(model="smollm2", template=tmpl, rendered=prompt, params={"temperature": 0.0}, draw=0)
        for prompt in prompts
    ]
    values, computed = cached_calls(cache, keys, lambda missing: judge([prompts[i] for i in missing]))

Several processes (trainer workers, server processes) may share one file: it runs in WAL mode, every
write is one ``BEGIN IMMEDIATE`` transaction and waits up to ``timeout`` seconds for the lock. Every
:meth:`JudgeCache.put` commits before it returns, so a killed process loses no finished judgement (a
power cut may lose the last commits: ``synchronous=NORMAL``).

Threads: one instance may be used from many threads; it holds one connection and a lock around every
statement. After a fork the child opens its own connection (the inherited one is left untouched, as
SQLite requires); an instance pickles as its path and options, so it can be handed to spawned workers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rewardkit.engine.models import cache_dir
from rewardkit.errors import ConfigError

#: Bumped when the key's canonical form changes (every old key then misses, as it should).
KEY_VERSION = 1
#: The table layout this module reads and writes (stored in ``PRAGMA user_version``).
SCHEMA_VERSION = 1
TABLE = "judgements"
#: Most keys in one ``IN (...)`` query.
CHUNK = 500

# Connections inherited across fork: SQLite forbids using or closing them in the child, so they are kept
# referenced here and never touched again.
_INHERITED: list[sqlite3.Connection] = []


def default_cache_path() -> Path:
    """``cache_dir() / "judges.sqlite"`` ($REWARDKIT_CACHE, else $XDG_CACHE_HOME/rewardkit, else
    ~/.cache/rewardkit)."""
    return cache_dir() / "judges.sqlite"


def template_hash(template: str) -> str:
    """sha256 hex of the template's exact text (UTF-8)."""
    if not isinstance(template, str):
        raise TypeError(f"template_hash: the template must be a str, got {type(template).__name__}")
    return hashlib.sha256(template.encode("utf-8")).hexdigest()


def _canonical(value: Any, where: str) -> Any:
    """``value`` as plain JSON data: mappings -> dicts with str keys, tuples -> lists, integral floats ->
    ints (so ``temperature=1`` and ``1.0`` give one key). Anything else -> TypeError naming ``where``."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"cache_key: {where} is {value!r}; only finite numbers can be part of a key")
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"cache_key: {where} has a non-string key {k!r}; use str keys")
            out[k] = _canonical(v, f"{where}.{k}" if where else k)
        return out
    if isinstance(value, (list, tuple)):
        return [_canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(
        f"cache_key: {where} is a {type(value).__name__}, which is not JSON data "
        "(use str, number, bool, None, list or dict)"
    )


def cache_key(
    *,
    model: str,
    template: str,
    rendered: Any,
    params: Mapping[str, Any],
    draw: int,
    backend: str = "",
) -> str:
    """The sha256 hex key of one judge call.

    model: the judge model's name or path; template: the template's text (hashed); rendered: the input as
    sent (a str, or a list of chat messages); params: the sampling parameters (temperature, max tokens,
    seed, ...); draw: which sample (0, 1, ... for repeated draws of one input); backend: the backend's
    name. The key is the sha256 of canonical JSON (sorted keys, no spaces, UTF-8), so it is the same in
    every process and Python version, and differs when any field differs.
    """
    if not isinstance(model, str):
        raise TypeError(f"cache_key: model must be a str, got {type(model).__name__}")
    if not isinstance(backend, str):
        raise TypeError(f"cache_key: backend must be a str, got {type(backend).__name__}")
    if not isinstance(rendered, (str, list, tuple)):
        raise TypeError(
            f"cache_key: rendered must be a str or a list of chat messages, got {type(rendered).__name__}"
        )
    if not isinstance(params, Mapping):
        raise TypeError(f"cache_key: params must be a mapping, got {type(params).__name__}")
    if isinstance(draw, bool) or not isinstance(draw, int) or draw < 0:
        raise TypeError(f"cache_key: draw must be an int >= 0, got {draw!r}")
    payload = {
        "v": KEY_VERSION,
        "model": model,
        "backend": backend,
        "template": template_hash(template),
        "rendered": _canonical(rendered, "rendered"),
        "params": _canonical(params, "params"),
        "draw": draw,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dump(key: str, value: Any) -> str:
    """A value as JSON text; TypeError naming the key when it is not a JSON-serialisable dict."""
    if not isinstance(key, str):
        raise TypeError(f"judge cache: a key must be a str, got {type(key).__name__}")
    if not isinstance(value, dict):
        raise TypeError(f"judge cache: the value for key {key!r} must be a dict, got {type(value).__name__}")
    try:
        # allow_nan: a logprob of -inf is a real value and must survive the round trip.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise TypeError(f"judge cache: the value for key {key!r} is not JSON-serialisable: {err}") from None


class JudgeCache:
    """Judge calls stored in one SQLite file (``path``; None -> :func:`default_cache_path`).

    readonly: open an existing cache for lookups only (puts raise ConfigError); timeout: seconds a write
    waits for another process's lock before failing. Values are JSON dicts, returned as fresh copies.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        readonly: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self.readonly = bool(readonly)
        self.timeout = float(timeout)
        self._hits = self._misses = self._writes = 0
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._db: sqlite3.Connection | None = self._open()

    # ------------------------------------------------------------------------------ opening

    def _open(self) -> sqlite3.Connection:
        what_to_do = (
            f"delete it or pass another path, e.g. JudgeCache({str(self.path.with_suffix('.new.sqlite'))!r})"
        )
        if self.readonly and not self.path.is_file():
            raise ConfigError(
                f"judge cache {self.path}: no such file; a readonly cache must exist "
                "(run once without readonly=True to create it)"
            )
        if self.path.is_dir():
            raise ConfigError(
                f"judge cache {self.path}: is a directory; pass the path of a file (e.g. {self.path / 'judges.sqlite'})"
            )
        if not self.readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise ConfigError(f"judge cache {self.path}: cannot create its folder: {err}") from None
        try:
            if self.readonly:
                db = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=self.timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                db = sqlite3.connect(
                    str(self.path), timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as err:
            raise ConfigError(f"judge cache {self.path}: cannot open: {err}; {what_to_do}") from None
        try:
            self._setup(db)
        except sqlite3.DatabaseError as err:
            db.close()
            if "locked" in str(err) or "busy" in str(err):  # the file is fine: another writer held it
                raise
            raise ConfigError(
                f"judge cache {self.path}: not a usable SQLite judge cache ({err}); {what_to_do}"
            ) from None
        except BaseException:
            db.close()
            raise
        return db

    def _setup(self, db: sqlite3.Connection) -> None:
        """Pragmas, then the schema: created on a new file, checked on an old one."""
        db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        version = db.execute("PRAGMA user_version").fetchone()[0]  # reads the header: fails on garbage
        if not self.readonly:
            self._retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL").fetchone())
            db.execute("PRAGMA synchronous=NORMAL")
        if version == 0 and not self.readonly:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
                if version == 0:
                    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                    if tables:
                        raise ConfigError(
                            f"judge cache {self.path}: a SQLite database of something else (tables: "
                            f"{', '.join(tables)}), not a judge cache; pass another path"
                        )
                    db.execute(
                        f"CREATE TABLE {TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                        "model TEXT NOT NULL DEFAULT '', created REAL NOT NULL)"
                    )
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if version == 0 and self.readonly:
            raise ConfigError(
                f"judge cache {self.path}: not a judge cache (no schema); a readonly cache must have been "
                "written by JudgeCache first"
            )
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"judge cache {self.path}: schema version {version}, this rewardkit reads version "
                f"{SCHEMA_VERSION}; delete the file (it is only a cache) or pass another path"
            )

    def _retry_locked(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn``, retrying while SQLite reports the file locked (some pragmas skip the busy handler)."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as err:
                if ("locked" not in str(err) and "busy" not in str(err)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _guard(self) -> threading.Lock:
        """The lock to hold around a statement; in a forked child, first a fresh lock and connection."""
        if self._pid != os.getpid():  # never touch the parent's connection, nor its lock (maybe held)
            self._lock = threading.Lock()
            self._pid = os.getpid()
            if self._db is not None:
                _INHERITED.append(self._db)
                self._db = self._open()
        return self._lock

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise ValueError(f"judge cache {self.path} is closed")
        return self._db

    def _writable(self, what: str) -> sqlite3.Connection:
        if self.readonly:
            raise ConfigError(
                f"judge cache {self.path}: {what} refused, the cache was opened with readonly=True "
                "(open it without readonly to store judgements)"
            )
        return self._connection()

    # ------------------------------------------------------------------------------ reading

    def _load(self, key: str, text: str) -> dict:
        try:
            return json.loads(text)
        except ValueError as err:
            raise ConfigError(
                f"judge cache {self.path}: the stored value for key {key!r} is not JSON ({err}); "
                "delete the file (it is only a cache)"
            ) from None

    def get(self, key: str) -> dict | None:
        """The stored value for ``key``, or None."""
        with self._guard():
            row = self._connection().execute(f"SELECT value FROM {TABLE} WHERE key = ?", (key,)).fetchone()
            if row is None:
                self._misses += 1
                return None
            self._hits += 1
        return self._load(key, row[0])

    def get_many(self, keys: Sequence[str]) -> dict[str, dict]:
        """The stored values of those ``keys`` that are stored (missing keys are absent from the dict)."""
        unique = list(dict.fromkeys(keys))
        rows: list[tuple[str, str]] = []
        with self._guard():
            db = self._connection()
            for start in range(0, len(unique), CHUNK):
                chunk = unique[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                rows += db.execute(f"SELECT key, value FROM {TABLE} WHERE key IN ({marks})", chunk).fetchall()
            self._hits += len(rows)
            self._misses += len(unique) - len(rows)
        return {key: self._load(key, text) for key, text in rows}

    def __contains__(self, key: object) -> bool:
        with self._guard():
            row = self._connection().execute(f"SELECT 1 FROM {TABLE} WHERE key = ?", (key,)).fetchone()
        return row is not None

    def __len__(self) -> int:
        with self._guard():
            return int(self._connection().execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0])

    def stats(self) -> dict[str, int]:
        """This instance's counters: hits and misses (per key looked up), writes (rows stored)."""
        return {"hits": self._hits, "misses": self._misses, "writes": self._writes}

    # ------------------------------------------------------------------------------ writing

    def put(self, key: str, value: dict, *, model: str = "") -> None:
        """Store ``value`` under ``key`` (replacing an old one); committed before this returns."""
        self.put_many([(key, value)], model=model)

    def put_many(self, items: Sequence[tuple[str, dict]], *, model: str = "") -> None:
        """Store every (key, value) in one transaction: all are stored or, on an error, none."""
        self._store([(key, _dump(key, value)) for key, value in items], model)

    def _store(self, texts: Sequence[tuple[str, str]], model: str) -> None:
        """Write (key, JSON text) pairs in one transaction."""
        if not texts:
            return
        now = time.time()
        rows = [(key, text, model, now) for key, text in texts]
        with self._guard():
            db = self._writable("put")
            self._write(
                db, lambda: db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?)", rows)
            )
            self._writes += len(rows)

    def clear(self) -> None:
        """Delete every stored judgement (of every process sharing the file)."""
        with self._guard():
            db = self._writable("clear")
            self._write(db, lambda: db.execute(f"DELETE FROM {TABLE}"))

    def _write(self, db: sqlite3.Connection, fn: Callable[[], Any]) -> None:
        """``fn`` inside BEGIN IMMEDIATE ... COMMIT (taking the write lock first, so a busy file waits
        for up to ``timeout`` instead of failing on a read-to-write upgrade)."""
        db.execute("BEGIN IMMEDIATE")
        try:
            fn()
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Close the connection (idempotent); later calls raise ValueError."""
        if self._pid != os.getpid():  # a forked child: drop the inherited connection without closing it
            if self._db is not None:
                _INHERITED.append(self._db)
            self._db, self._lock, self._pid = None, threading.Lock(), os.getpid()
            return
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db = None

    def __enter__(self) -> JudgeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen, (str(self.path), self.readonly, self.timeout))

    def __repr__(self) -> str:
        return f"JudgeCache({str(self.path)!r}, readonly={self.readonly})"


def _reopen(path: str, readonly: bool, timeout: float) -> JudgeCache:
    """Unpickling: the same file, opened afresh in this process."""
    return JudgeCache(path, readonly=readonly, timeout=timeout)


def cached_calls(
    cache: JudgeCache | None,
    keys: Sequence[str],
    compute: Callable[[list[int]], list[dict]],
    *,
    model: str = "",
) -> tuple[list[dict], int]:
    """Values for ``keys`` (in order) and how many were computed.

    Looks every key up, then calls ``compute(missing)`` once, where ``missing`` lists the indexes (into
    ``keys``) of the keys not stored, first occurrence only (a key repeated in ``keys`` is computed once);
    ``compute`` returns their values in that order. Computed values are stored (unless the cache is
    readonly) and returned as stored, so a re-run returns equal values. ``cache=None`` computes every
    distinct key. ``compute`` should return only finished judgements: whatever it returns is cached.
    """
    keys = list(keys)
    found = cache.get_many(keys) if cache is not None else {}
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in found and key not in first:
            first[key] = i
    missing = list(first.values())
    if missing:
        computed = list(compute(list(missing)))
        if len(computed) != len(missing):
            raise RuntimeError(
                f"cached_calls: compute returned {len(computed)} values for {len(missing)} missing keys"
            )
        texts = [(keys[i], _dump(keys[i], value)) for i, value in zip(missing, computed, strict=True)]
        if cache is not None and not cache.readonly:
            cache._store(texts, model)
        for key, text in texts:
            found[key] = json.loads(text)
    out: list[dict] = []
    seen: set[str] = set()
    for key in keys:
        value = found[key]
        out.append(copy.deepcopy(value) if key in seen else value)
        seen.add(key)
    return out, len(missing)


__all__ = [
    "CHUNK",
    "KEY_VERSION",
    "SCHEMA_VERSION",
    "JudgeCache",
    "cache_key",
    "cached_calls",
    "default_cache_path",
    "template_hash",
]
