"""A scripted judge backend for the edge cases a 135M judge does not produce on demand: it answers what
each test scripts. Used only beside real SmolLM2 tests of the same paths (tests/test_judges.py,
tests/test_rubrics.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rewardkit.engine.backends import (
    Backend,
    BackendConfig,
    GenerationParams,
    GenerationRequest,
    GenerationResult,
)

# ------------------------------------------------------------------------------- a scripted backend


class ScriptedConfig(BackendConfig):
    script: str = "default"


SCRIPTS: dict[str, Callable[[str, GenerationParams], str | tuple[str, list[dict[str, float]] | None]]] = {}
CALLS: list[tuple[str, GenerationParams]] = []


class ScriptedBackend(Backend):
    """Answers each generation with SCRIPTS[config.script](user message, params); a script may also
    return per-token top logprobs (tokens are then the characters of the text)."""

    kind = "scripted"
    Config = ScriptedConfig

    def generate(self, requests: Sequence[GenerationRequest], params: GenerationParams | None = None):
        params = params or GenerationParams()
        self.batches = [*getattr(self, "batches", []), len(requests)]  # the size of each generate call
        out = []
        for r in requests:
            user = next(m["content"] for m in r.prompt if m["role"] == "user")
            CALLS.append((user, params))
            answer = SCRIPTS[self.config.script](user, params)
            text, tops = (answer, None) if isinstance(answer, str) else answer
            if params.top_logprobs and tops is not None:
                out.append(GenerationResult(text, "stop", [0.0] * len(text), list(text), tops))
            else:
                out.append(GenerationResult(text))
        return out

    def render_chat(self, messages, add_generation_prompt=True) -> str:
        return "".join(f"<{m['role']}>{m['content']}</{m['role']}>" for m in messages) + "<assistant>"


def tops_at(text: str, label: str, probs: dict[str, float]) -> list[dict[str, float]]:
    """Top logprobs for a char-per-token text: ``probs`` at the last occurrence of ``label``."""
    where = text.rfind(label)
    rows: list[dict[str, float]] = [{c: 0.0} for c in text]
    rows[where] = {k: math.log(v) for k, v in probs.items()}
    return rows
