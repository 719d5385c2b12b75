"""Texts with steps for the per-position classification tests (transformers and vLLM alike)."""

from __future__ import annotations

SOLUTION = (
    "Step 1: Tom has 3 apples and buys 4 more, so he has 3 + 4 = 7 apples.\n\n"
    "Step 2: He gives 2 away, leaving 7 - 2 = 5.\n\n"
    "The answer is 5."
)
SHORT = "Step 1: 2 + 2 = 4.\n\nSo the answer is 4."
UNICODE = "Étape 1 : café ☕ coûte 2 €.\n\nÉtape 2 : donc 🍮 = 3."


def step_ends(text: str, sep: str = "\n\n") -> tuple[int, ...]:
    """The offset right after each separator, and the end of the text: where a PRM scores each step."""
    ends, at = [], text.find(sep)
    while at >= 0:
        ends.append(at + len(sep))
        at = text.find(sep, at + len(sep))
    return (*ends, len(text)) if not ends or ends[-1] != len(text) else tuple(ends)
