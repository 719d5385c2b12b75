"""The SQLite judge cache: keys, storage, cached_calls, several processes and threads on one file, a
killed writer, bad files, readonly mode, and a real SmolLM2 judge whose re-run makes no backend call."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rewardkit.engine.models import cache_dir
from rewardkit.errors import ConfigError
from rewardkit.judges.cache import (
    CHUNK,
    JudgeCache,
    cache_key,
    cached_calls,
    default_cache_path,
    template_hash,
)

REPO = Path(__file__).resolve().parents[1]

BASE: dict[str, Any] = {
    "model": "smollm2",
    "template": "Rate the response from 1 to 5.\n{{ response }}",
    "rendered": "Rate the response from 1 to 5.\nThe sky is blue.",
    "params": {"temperature": 0.0, "max_tokens": 16, "seed": 0},
    "draw": 0,
    "backend": "transformers",
}
# The key of BASE, pinned: a change to the canonical form would silently orphan every stored judgement
# (bump KEY_VERSION on purpose instead, then update this value).
BASE_KEY = "b744878285b86b7457b8dd29d173b81ea6c218bf239b2ed63005a8a782193895"


def judged(i: int) -> dict[str, Any]:
    """A value shaped like a judged generation."""
    return {
        "text": f"Score: {i % 5 + 1}",
        "tokens": ["Score", ":", f" {i % 5 + 1}"],
        "token_logprobs": [-0.1, -0.01, -0.5 - i / 1000],
        "top_logprobs": [{"Score": -0.1}, {":": -0.01}, {" 4": -0.5, " 5": -1.2}],
        "finish_reason": "stop",
    }


def run_script(script: str, *args: Any, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ------------------------------------------------------------------------------------------- keys


def test_key_is_sha256_hex_and_pinned() -> None:
    key = cache_key(**BASE)
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == BASE_KEY


def test_key_is_the_same_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import json, sys\n"
        "from rewardkit.judges.cache import cache_key\n"
        "print(cache_key(**json.loads(sys.argv[1])))\n"
    )
    keys = set()
    for seed in ("1", "12345"):
        proc = subprocess.run(
            [sys.executable, "-c", script, json.dumps(BASE)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert proc.returncode == 0, proc.stderr
        keys.add(proc.stdout.strip())
    assert keys == {cache_key(**BASE)}


@pytest.mark.parametrize(
    "field, value",
    [
        ("model", "smollm2-large"),
        ("template", "Rate the response from 1 to 10.\n{{ response }}"),
        ("template", "Rate the response from 1 to 5.\n{{ response }} "),  # one trailing space
        ("rendered", "Rate the response from 1 to 5.\nThe sky is green."),
        ("rendered", [{"role": "user", "content": "Rate the response from 1 to 5.\nThe sky is blue."}]),
        ("params", {"temperature": 0.7, "max_tokens": 16, "seed": 0}),
        ("params", {"temperature": 0.0, "max_tokens": 17, "seed": 0}),
        ("params", {"temperature": 0.0, "max_tokens": 16, "seed": 1}),
        ("params", {"temperature": 0.0, "max_tokens": 16, "seed": None}),
        ("params", {"temperature": 0.0, "max_tokens": 16}),
        ("params", {"temperature": 0.0, "max_tokens": 16, "seed": 0, "top_logprobs": 5}),
        ("draw", 1),
        ("backend", "vllm"),
        ("backend", ""),
    ],
)
def test_key_changes_with_every_field(field: str, value: Any) -> None:
    assert cache_key(**{**BASE, field: value}) != cache_key(**BASE)


def test_key_ignores_what_does_not_change_the_call() -> None:
    # params order, tuple vs list, 1 vs 1.0 are the same request
    same = {
        **BASE,
        "params": {"seed": 0, "max_tokens": 16.0, "temperature": 0, "stop": ("\n",)},
    }
    assert cache_key(**same) == cache_key(**{**BASE, "params": {**BASE["params"], "stop": ["\n"]}})
    messages = [{"role": "user", "content": "héllo 日本 🙂"}]
    assert cache_key(**{**BASE, "rendered": messages}) == cache_key(**{**BASE, "rendered": tuple(messages)})
    # a message's content is part of the key, in every character
    other = [{"role": "user", "content": "hello 日本 🙂"}]
    assert cache_key(**{**BASE, "rendered": messages}) != cache_key(**{**BASE, "rendered": other})
    # a string and the same string inside a list are different inputs
    assert cache_key(**{**BASE, "rendered": "x"}) != cache_key(**{**BASE, "rendered": ["x"]})


def test_key_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError, match=r"params\.stop"):
        cache_key(**{**BASE, "params": {"stop": {"\n"}}})
    with pytest.raises(TypeError, match="finite"):
        cache_key(**{**BASE, "params": {"temperature": float("nan")}})
    with pytest.raises(TypeError, match="draw"):
        cache_key(**{**BASE, "draw": -1})
    with pytest.raises(TypeError, match="draw"):
        cache_key(**{**BASE, "draw": True})
    with pytest.raises(TypeError, match="rendered"):
        cache_key(**{**BASE, "rendered": 42})


def test_template_hash() -> None:
    assert template_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert template_hash("Score: {{ x }}") != template_hash("Score: {{ x }}\n")
    assert template_hash("日本") == template_hash("日本")


# ------------------------------------------------------------------------------------------- storage


def test_default_path_follows_the_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDKIT_CACHE", str(tmp_path / "rk"))
    assert default_cache_path() == cache_dir() / "judges.sqlite" == tmp_path / "rk" / "judges.sqlite"
    with JudgeCache() as cache:  # parent folders are created
        cache.put("k", {"text": "a"})
    assert (tmp_path / "rk" / "judges.sqlite").is_file()
    with JudgeCache(tmp_path / "rk" / "judges.sqlite") as again:
        assert again.get("k") == {"text": "a"}


def test_put_get_round_trip_and_stats(tmp_path: Path) -> None:
    with JudgeCache(tmp_path / "deep" / "er" / "c.sqlite") as cache:
        assert len(cache) == 0 and cache.get("nope") is None
        value = judged(3)
        value["top_logprobs"][2][" 1"] = float("-inf")  # a real logprob value; must survive
        cache.put("k1", value, model="smollm2")
        got = cache.get("k1")
        assert got == value and got is not value
        assert got["top_logprobs"][2][" 1"] == float("-inf")
        got["text"] = "mutated"  # a fresh copy each time
        assert cache.get("k1")["text"] == "Score: 4"
        cache.put("k1", {"text": "replaced"})
        assert cache.get("k1") == {"text": "replaced"} and len(cache) == 1
        assert "k1" in cache and "k2" not in cache
        assert cache.stats() == {"hits": 3, "misses": 1, "writes": 2}


def test_unicode_and_large_values(tmp_path: Path) -> None:
    big = {
        "text": "é日🙂\x00\n" * 400_000,  # ~2.4 M characters, a NUL inside
        "tokens": [f"t{i}" for i in range(100_000)],
        "token_logprobs": [-i / 7 for i in range(100_000)],
    }
    key = cache_key(**{**BASE, "rendered": "日本語のプロンプト 🙂"})
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put(key, big)
        cache.put("ключ 🔑", {"text": "значение"})
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        assert cache.get(key) == big
        assert cache.get("ключ 🔑") == {"text": "значение"}


def test_get_many_chunks_and_skips_missing(tmp_path: Path) -> None:
    n = 2 * CHUNK + 37
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put_many([(f"k{i}", judged(i)) for i in range(0, n, 2)], model="m")
        asked = [f"k{i}" for i in range(n)] + ["k0", "k2"]  # duplicates too
        got = cache.get_many(asked)
        assert set(got) == {f"k{i}" for i in range(0, n, 2)}
        assert all(got[f"k{i}"] == judged(i) for i in range(0, n, 2))
        assert cache.get_many([]) == {}
        assert cache.stats()["hits"] == len(got) and cache.stats()["misses"] == n - len(got)


def test_persists_across_instances_and_clear(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = JudgeCache(path)
    cache.put_many([(f"k{i}", judged(i)) for i in range(50)])
    cache.close()
    cache.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        cache.get("k1")
    with JudgeCache(path) as reopened:
        assert len(reopened) == 50 and reopened.get("k7") == judged(7)
        reopened.clear()
        assert len(reopened) == 0
    with JudgeCache(path) as again:
        assert again.get("k7") is None


def test_values_must_be_json_dicts(tmp_path: Path) -> None:
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        with pytest.raises(TypeError, match="'bad-key'.*not JSON-serialisable"):
            cache.put("bad-key", {"text": object()})
        with pytest.raises(TypeError, match="'list-key'.*must be a dict"):
            cache.put("list-key", ["not", "a", "dict"])  # type: ignore[arg-type]
        # put_many is one transaction: a bad item stores nothing
        with pytest.raises(TypeError, match="'k2'"):
            cache.put_many([("k1", {"a": 1}), ("k2", {"b": {1, 2}}), ("k3", {"c": 3})])
        assert len(cache) == 0 and cache.stats()["writes"] == 0


def test_pickles_as_its_path(tmp_path: Path) -> None:
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put("k", {"text": "a"})
        clone = pickle.loads(pickle.dumps(cache))
        assert clone.path == cache.path and clone.readonly is False
        assert clone.get("k") == {"text": "a"}
        clone.put("k2", {"text": "b"})
        assert cache.get("k2") == {"text": "b"}
        clone.close()


# ------------------------------------------------------------------------------------------- bad files


def test_garbage_file_is_a_config_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "judges.sqlite"
    path.write_bytes(b"this is not a database, just some text\n" * 200)
    with pytest.raises(ConfigError) as err:
        JudgeCache(path)
    assert str(path) in str(err.value) and "delete it or pass another path" in str(err.value)
    assert path.read_bytes().startswith(b"this is not a database")  # left as it was


def test_directory_and_foreign_database_and_newer_schema(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        JudgeCache(tmp_path)
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    with pytest.raises(ConfigError, match=r"something else \(tables: users\)") as err:
        JudgeCache(foreign)
    assert str(foreign) in str(err.value)
    newer = tmp_path / "newer.sqlite"
    JudgeCache(newer).close()
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(ConfigError, match="schema version 99") as err:
        JudgeCache(newer)
    assert str(newer) in str(err.value)


def test_readonly(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with pytest.raises(ConfigError, match="no such file") as err:
        JudgeCache(path, readonly=True)
    assert str(path) in str(err.value) and not path.exists()
    with JudgeCache(path) as writer:
        writer.put("k", judged(1))
    with JudgeCache(path, readonly=True) as reader:
        assert reader.get("k") == judged(1) and len(reader) == 1
        with pytest.raises(ConfigError, match="readonly=True"):
            reader.put("k2", {"text": "x"})
        with pytest.raises(ConfigError, match="readonly=True"):
            reader.put_many([("k2", {"text": "x"})])
        with pytest.raises(ConfigError, match="readonly=True"):
            reader.clear()
        # cached_calls on a readonly cache: hits are read, misses computed but not stored
        values, computed = cached_calls(reader, ["k", "k3"], lambda missing: [{"text": "new"}] * len(missing))
        assert values == [judged(1), {"text": "new"}] and computed == 1
    with JudgeCache(path) as check:
        assert len(check) == 1 and check.get("k2") is None and check.get("k3") is None


# ------------------------------------------------------------------------------------------- cached_calls


class Counting:
    """compute(missing) that records each call and returns values naming the key they are for."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.calls: list[list[int]] = []

    def __call__(self, missing: list[int]) -> list[dict]:
        self.calls.append(list(missing))
        return [{"for": self.keys[i], "pair": (i, self.keys[i])} for i in missing]


def test_cached_calls_rerun_computes_nothing(tmp_path: Path) -> None:
    keys = [f"k{i}" for i in range(7)]
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        first = Counting(keys)
        values, computed = cached_calls(cache, keys, first, model="m")
        assert first.calls == [list(range(7))] and computed == 7
        assert [v["for"] for v in values] == keys
        assert values[3]["pair"] == [3, "k3"]  # returned as stored (tuple -> list), like a re-run
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        again = Counting(keys)
        values2, computed2 = cached_calls(cache, keys, again)
        assert again.calls == [] and computed2 == 0
        assert values2 == values
        assert cache.stats() == {"hits": 7, "misses": 0, "writes": 0}


def test_cached_calls_duplicates_and_partial_hits(tmp_path: Path) -> None:
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put("b", {"for": "b", "stored": True})
        keys = ["a", "b", "a", "c", "b", "d", "c"]
        compute = Counting(keys)
        values, computed = cached_calls(cache, keys, compute)
        assert compute.calls == [[0, 3, 5]] and computed == 3  # a, c, d once each; b was stored
        assert [v["for"] for v in values] == keys
        assert values[1] == values[4] == {"for": "b", "stored": True}
        assert values[0] == values[2] and values[0] is not values[2]  # no shared objects
        assert len(cache) == 4


def test_cached_calls_respects_compute_order(tmp_path: Path) -> None:
    keys = ["x", "y", "z"]
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put("y", {"v": "Y"})
        values, _ = cached_calls(cache, keys, lambda missing: [{"v": "first"}, {"v": "second"}])
        assert values == [{"v": "first"}, {"v": "Y"}, {"v": "second"}]
        assert cache.get("x") == {"v": "first"} and cache.get("z") == {"v": "second"}


def test_cached_calls_without_cache_and_bad_compute(tmp_path: Path) -> None:
    keys = ["a", "b", "a"]
    compute = Counting(keys)
    values, computed = cached_calls(None, keys, compute)
    values2, computed2 = cached_calls(None, keys, compute)
    assert compute.calls == [[0, 1], [0, 1]] and computed == computed2 == 2
    assert values == values2 and [v["for"] for v in values] == keys
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        with pytest.raises(RuntimeError, match="returned 1 values for 2 missing keys"):
            cached_calls(cache, ["a", "b"], lambda missing: [{"x": 1}])
        with pytest.raises(TypeError, match="'b'"):
            cached_calls(cache, ["a", "b"], lambda missing: [{"x": 1}, {"x": object()}])
        with pytest.raises(KeyError):
            cached_calls(cache, ["a"], lambda missing: (_ for _ in ()).throw(KeyError("backend down")))
        assert len(cache) == 0  # nothing half-stored
        values, computed = cached_calls(cache, [], Counting([]))
        assert values == [] and computed == 0


def test_real_judge_rerun_makes_no_backend_call(tmp_path: Path, smollm2_backend: Any) -> None:
    """SmolLM2 through the transformers backend: a second run of the same judgements is served from
    the file; changing the template or a sampling parameter calls the backend again."""
    from rewardkit.engine.backends.base import GenerationParams, GenerationRequest

    template = "Rate this answer from 1 to 5.\nAnswer: {answer}\nScore:"
    answers = ["Paris is the capital of France.", "The moon is made of cheese.", "2 + 2 = 4"]
    calls: list[int] = []

    def judge(tmpl: str, params: dict[str, Any]) -> tuple[list[dict], int]:
        prompts = [tmpl.format(answer=a) for a in answers]
        keys = [
            cache_key(
                model="smollm2", backend="transformers", template=tmpl, rendered=p, params=params, draw=0
            )
            for p in prompts
        ]

        def compute(missing: list[int]) -> list[dict]:
            calls.append(len(missing))
            results = smollm2_backend.generate(
                [GenerationRequest(prompts[i]) for i in missing], GenerationParams(**params)
            )
            return [dataclasses.asdict(r) for r in results]

        with JudgeCache(tmp_path / "judges.sqlite") as cache:
            return cached_calls(cache, keys, compute, model="smollm2")

    params = {"max_tokens": 4, "temperature": 0.0, "logprobs": True}
    first, n1 = judge(template, params)
    assert calls == [3] and n1 == 3
    assert all(v["text"] and len(v["token_logprobs"]) == len(v["tokens"]) >= 1 for v in first)
    second, n2 = judge(template, params)
    assert calls == [3] and n2 == 0 and second == first  # no backend call
    _, n3 = judge(template + " ", params)  # a changed template is a new judgement
    _, n4 = judge(template, {**params, "max_tokens": 3})  # so is a changed parameter
    assert calls == [3, 3, 3] and n3 == n4 == 3


# ------------------------------------------------------------------------------------------- concurrency

WRITER = r"""
import sys, time
from pathlib import Path
from rewardkit.judges.cache import JudgeCache
path, go, wid, n, shared = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
cache = JudgeCache(path)  # every writer opens the (new) file at once: the schema is created once
for i in range(n):
    cache.put(f"w{wid}-{i}", {"text": f"writer {wid} item {i}", "tokens": [wid, i]}, model=f"w{wid}")
    if i % 10 == 0:  # overlapping keys, written by every writer, in batches
        cache.put_many([(f"shared-{j}", {"text": f"shared {j}", "by": wid}) for j in range(i, min(i + 10, shared))])
    if i % 50 == 0:
        assert len(cache.get_many([f"w{wid}-{j}" for j in range(i + 1)])) == i + 1
cache.close()
print("done", flush=True)
"""


def test_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path, go = tmp_path / "judges.sqlite", tmp_path / "go"
    writers, n, shared = 3, 300, 100
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(go), str(w), str(n), str(shared)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    try:
        for proc in procs:  # all imported and waiting: then they start together
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        go.touch()
        outs = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0 and out.strip() == "done", err
        assert "locked" not in err
    with JudgeCache(path) as cache:
        assert len(cache) == writers * n + shared
        got = cache.get_many([f"w{w}-{i}" for w in range(writers) for i in range(n)])
        for w in range(writers):
            for i in range(n):
                assert got[f"w{w}-{i}"] == {"text": f"writer {w} item {i}", "tokens": [w, i]}
        shared_got = cache.get_many([f"shared-{j}" for j in range(shared)])
        assert len(shared_got) == shared
        for j, value in shared_got.items():
            assert value["text"] == f"shared {j.split('-')[1]}" and value["by"] in range(writers)


def test_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "judges.sqlite"
    shared_cache = JudgeCache(path)
    threads_n, n = 6, 150
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            # half the threads share one instance, the other half each open their own
            cache = shared_cache if t % 2 == 0 else JudgeCache(path)
            barrier.wait()
            for i in range(n):
                cache.put(f"t{t}-{i}", judged(t * 1000 + i))
                assert cache.get(f"t{t}-{i}") == judged(t * 1000 + i)
                if i % 15 == 0:
                    cache.put_many([(f"common-{j}", {"j": j}) for j in range(10)])
                    assert len(cache.get_many([f"t{t}-{j}" for j in range(i + 1)])) == i + 1
            if cache is not shared_cache:
                cache.close()
        except BaseException as err:  # reported below, with the thread's number
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(shared_cache) == threads_n * n + 10
    got = shared_cache.get_many([f"t{t}-{i}" for t in range(threads_n) for i in range(n)])
    assert all(got[f"t{t}-{i}"] == judged(t * 1000 + i) for t in range(threads_n) for i in range(n))
    shared_cache.close()


def _put_in_child(cache: JudgeCache, queue: Any) -> None:
    """Runs in a forked child: uses the instance it inherited."""
    try:
        cache.put("from-child", {"text": "child"})
        queue.put(("ok", cache.get("from-parent")))
    except BaseException as err:
        queue.put(("error", repr(err)))


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_forked_child_uses_an_inherited_instance(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        cache.put("from-parent", {"text": "parent"})
        queue = ctx.Queue()
        child = ctx.Process(target=_put_in_child, args=(cache, queue))
        child.start()
        result = queue.get(timeout=120)
        child.join(timeout=120)
        assert result == ("ok", {"text": "parent"}) and child.exitcode == 0
        # the parent's connection still works after the child is gone, and sees the child's write
        assert cache.get("from-child") == {"text": "child"}
        cache.put("after", {"text": "x"})
        assert len(cache) == 3


def test_a_lock_held_past_the_timeout_is_a_visible_sqlite_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with JudgeCache(path, timeout=0.2) as cache:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write lock, never released in time
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                cache.put("k", {"text": "a"})
            assert cache.get("k") is None and cache.stats()["writes"] == 0
        finally:
            other.execute("ROLLBACK")
            other.close()
        cache.put("k", {"text": "a"})  # the file was never damaged
        assert cache.get("k") == {"text": "a"}


# ------------------------------------------------------------------------------------------- crash

CRASHER = r"""
import sys
from rewardkit.judges.cache import JudgeCache
cache = JudgeCache(sys.argv[1])
i = 0
while True:
    key = f"item-{i}"
    cache.put(key, {"text": "x" * (i % 997), "i": i})
    print(key, flush=True)  # only after put returned
    i += 1
"""


def test_killed_writer_loses_no_finished_put(tmp_path: Path) -> None:
    path = tmp_path / "judges.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while len(printed) < 300 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed.append(line)
        os.kill(proc.pid, signal.SIGKILL)  # mid-run: it is writing continuously
        # read through the same text wrapper: communicate(timeout=...) reads the raw pipe and would lose the
        # lines readline() already buffered (the cache then held more puts than the printed keys)
        rest, err = proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    printed += rest.splitlines(keepends=True)
    keys = [line.strip() for line in printed if line.endswith("\n")]  # whole lines only
    assert len(keys) >= 300, err
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with JudgeCache(path) as cache:
        got = cache.get_many(keys)
        assert len(got) == len(keys)
        for key in keys:
            i = int(key.split("-")[1])
            assert got[key] == {"text": "x" * (i % 997), "i": i}
        assert len(cache) in (len(keys), len(keys) + 1)  # + the put that committed but was not printed
