"""Shared pieces of the classification tests (transformers and vLLM alike): texts with steps, where a
process reward model reads them, and reward-model folders built from SmolLM2's weights."""

from __future__ import annotations

from pathlib import Path

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


def smollm2_with_head(auto_class: str, folder: Path, num_labels: int, seed: int) -> str:
    """SmolLM2's weights under a fresh ``auto_class`` head (e.g. "AutoModelForTokenClassification") whose
    weights (and bias) are seeded N(0, 0.05), saved with the tokenizer like a hub checkpoint."""
    import torch
    import transformers

    from rewardkit.engine.models import resolve_model

    source = resolve_model("smollm2", progress=False)
    model = getattr(transformers, auto_class).from_pretrained(
        source, num_labels=num_labels, dtype=torch.float32
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.score.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    model.save_pretrained(folder)
    transformers.AutoTokenizer.from_pretrained(source).save_pretrained(folder)
    return str(folder)
