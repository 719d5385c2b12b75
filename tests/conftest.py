"""Shared fixtures: the shared benchmark data, and small reward specs written to a temp folder."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
