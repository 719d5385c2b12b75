"""Shared fixtures: the shared benchmark data, small reward specs written to a temp folder, verifiers that
record what reaches them or give step scores, real servers on loopback, and trainer overlays."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rewardkit import CPUVerifier, Sample, Score, StepScore, Verifier

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (GSM8K, MATH-500, PRM800K, ...); skips when this checkout has no shared folder."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip(
            f"shared benchmark data not found at {path} (see DESIGN.md, 'Data for tests and benchmarks')"
        )
    return path


@pytest.fixture
def registered() -> Any:
    """registered(cls, name=None) -> cls: register a verifier for this test only (public registry API)."""
    from rewardkit.verifier import VERIFIERS

    names: list[str] = []

    def add(cls: Any, name: str | None = None) -> Any:
        VERIFIERS.register(cls, name=name, replace=True)
        names.append(name or cls.name)
        return cls

    yield add
    for name in names:
        VERIFIERS.unregister(name)


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """write_spec(yaml_text, name="spec.yaml") -> path of the dedented YAML file in tmp_path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """write_jsonl(rows, name="rollouts.jsonl") -> path; a str row is written as-is (for malformed lines)."""

    def write(rows: list[Any], name: str = "rollouts.jsonl") -> Path:
        path = tmp_path / name
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    return write


RULES_SPEC = """
    name: rules
    description: exact answer after 'answer:' plus a short-response bonus
    components:
      - name: correct
        verifier: exact_match
        config: {extract: 'answer:\\s*(\\S+)', ignore_case: true}
      - name: short
        verifier: length
        weight: 0.5
        config: {unit: words, max_length: 20, buffer: 10}
"""


@pytest.fixture
def rules_spec(write_spec: Callable[..., Path]) -> Path:
    """A spec built from the cheap rule verifiers only: `correct` (exact_match, required) + 0.5 * `short`."""
    return write_spec(RULES_SPEC, "rules.yaml")


# ------------------------------------------------------------------------ real small models (shared)
# The transformers backends for the two converted aliases, one instance per session. get_backend shares
# instances per (kind, options), so a verifier configured with the same model and no backend options
# scores through these very objects (the model is loaded once).


@pytest.fixture(scope="session")
def smollm2_backend() -> Any:
    """SmolLM2-135M-Instruct on the transformers backend (llama, has a chat template, no BOS)."""
    from rewardkit.engine.backends import get_backend

    return get_backend("transformers", model="smollm2")


@pytest.fixture(scope="session")
def gemma_backend() -> Any:
    """Gemma-3-270M on the transformers backend (gemma3_text, 262k vocab, BOS prepended)."""
    from rewardkit.engine.backends import get_backend

    return get_backend("transformers", model="gemma3-270m")


@pytest.fixture(params=["smollm2", "gemma3-270m"])
def lm_backend(request: pytest.FixtureRequest) -> Any:
    """Each of the two real causal LMs in turn (tests parametrised over both models)."""
    return request.getfixturevalue("smollm2_backend" if request.param == "smollm2" else "gemma_backend")


# ------------------------------------------------------------- verifiers for the adapter and server tests


class GroupRecorder(Verifier):
    """Records the samples it scores; each scores its group's size, and its details echo what reached the
    verifier (group, reference, steps, meta), so a test can check a field's whole path."""

    name = "group_recorder"

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.seen: list[Sample] = []

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        self.seen.extend(samples)
        sizes = Counter(s.group for s in samples)
        return [
            Score(
                float(sizes[s.group]),
                details={"group": s.group, "reference": s.reference, "steps": s.steps, "meta": s.meta},
            )
            for s in samples
        ]


@pytest.fixture
def recorder(registered: Any) -> GroupRecorder:
    """A fresh GroupRecorder, also registered (as `group_recorder`) for specs that name it."""
    registered(GroupRecorder)
    return GroupRecorder()


class LineSteps(CPUVerifier):
    """A process reward: every non-empty line of the response is a step (its span: the line's character
    offsets), scoring 1.0 when it holds a digit, else 0.0; the value is the weakest step (min)."""

    name = "test_line_steps"

    def score_one(self, sample: Sample) -> Score:
        steps, offset = [], 0
        for line in sample.response.split("\n"):
            start, offset = offset, offset + len(line) + 1
            if line.strip():
                value = 1.0 if any(c.isdigit() for c in line) else 0.0
                steps.append(StepScore(value, (start, start + len(line))))
        return Score.from_steps(steps, "min")


STEPPED_SPEC = """
    name: stepped
    components:
      - {name: correctness, verifier: math}
      - {name: lines, verifier: test_line_steps, weight: 0.5}
"""


@pytest.fixture
def stepped_spec(registered: Any, write_spec: Callable[..., Path]) -> Path:
    """A spec whose score carries step scores: math correctness + 0.5 * LineSteps (the steps come from
    LineSteps, aggregated by min)."""
    registered(LineSteps)
    return write_spec(STEPPED_SPEC, "stepped.yaml")


LENIENT_SPEC = """
    name: lenient
    components:
      - {name: correctness, verifier: math, config: {workers: 0}}
    fallback: {unparseable: 0.25}
"""


@pytest.fixture
def lenient_spec(write_spec: Callable[..., Path]) -> Path:
    """The math verifier with an explicit fallback: an unparseable response counts 0.25 (status kept)."""
    return write_spec(LENIENT_SPEC, "lenient.yaml")


# ------------------------------------------------------------------------------- real servers (shared)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A TCP port nothing listens on now (on loopback)."""
    return free_port()


@pytest.fixture
def live_server() -> Iterator[Callable[[Any], str]]:
    """live_server(app) -> base URL of a real uvicorn server on loopback, in a thread of this process."""
    import uvicorn

    servers: list[tuple[Any, threading.Thread]] = []

    def start(app: Any) -> str:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=30)


# ------------------------------------------------------------------ trainers beside this project's pins


BENCHMARKS = REPO / "benchmarks"


def load_benchmark(name: str) -> Any:
    """A benchmarks/ helper module (``_pairs``, ``_code_peers``...), loaded by path once (benchmarks/ is not
    a package; it goes on sys.path too, since those modules import each other by name)."""
    import importlib.util

    key = f"rewardkit_bench{name}"
    if key in sys.modules:
        return sys.modules[key]
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(key, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"cannot load benchmarks/{name}.py"
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


VERL_PINS = load_benchmark("_overlay").VERL_PINS


def install_overlay(name: str, pins: Sequence[str]) -> Path:
    """``pip install --no-deps --target`` of ``pins``, once, into the rewardkit cache (never into this
    environment; benchmarks/_overlay.py): for trainers whose own pins conflict with ours (verl,
    OpenRLHF). Skips the test when pip cannot install them."""
    try:
        return load_benchmark("_overlay").install_overlay(name, pins)
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def run_in_overlay() -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_in_overlay(name, pins, test_file, keyword) -> the finished ``pytest test_file -k keyword`` run,
    in a subprocess with :func:`install_overlay`'s folder first on PYTHONPATH."""

    def run(name: str, pins: Sequence[str], test_file: str, keyword: str) -> subprocess.CompletedProcess[str]:
        overlay = install_overlay(name, pins)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(overlay), *filter(None, [env.get("PYTHONPATH")])])
        command = [sys.executable, "-m", "pytest", test_file, "-q", "-p", "no:cacheprovider", "-k", keyword]
        return subprocess.run(
            [*command, "-rs"], capture_output=True, text=True, timeout=540, env=env, cwd=str(REPO)
        )

    return run


# ------------------------------------------------------------------ the scripted judge backend


@pytest.fixture
def scripted() -> Any:
    """scripted(name, fn) -> judge options: a backend answering fn(user message, params) (see
    tests/_judge_script.py)."""
    from _judge_script import CALLS, SCRIPTS, ScriptedBackend

    from rewardkit.engine.backends import BACKENDS

    BACKENDS.register(ScriptedBackend, replace=True)
    CALLS.clear()

    def use(name: str, fn: Callable[..., Any]) -> dict[str, Any]:
        SCRIPTS[name] = fn
        return {"backend": "scripted", "backend_options": {"script": name}, "model": "scripted"}

    yield use
    BACKENDS.unregister("scripted")
    SCRIPTS.clear()
