"""A tiny classification-head process reward model built from SmolLM2, for tests and demos without a hub.

:func:`toy_prm` writes a checkpoint folder laid out like ``Qwen/Qwen2.5-Math-PRM-7B``: ``config.json``
with ``architectures: ["Qwen2ForProcessRewardModel"]`` and an ``auto_map`` to the folder's own
configuration and modeling files (transformers loads it with
``AutoModel.from_pretrained(folder, trust_remote_code=True)``; vLLM loads it natively as
``Qwen2ForProcessRewardModel``), a tokenizer with the step separator ``<extra_0>`` as a special token,
and weights: SmolLM2-135M's body in the Qwen2 architecture (Qwen2 is Llama with biases on q/k/v; they are
zero, so the body computes what SmolLM2 computes) and a seeded random head
``score = Sequential(Linear(h, h), ReLU(), Linear(h, 2))`` applied at every token. transformers 5 gives
any ``qwen2`` checkpoint's tokenizer Qwen's pre-tokenizer (``Qwen2Tokenizer``, as for the real PRM), so
the toy splits some text differently from SmolLM2 over the same vocabulary (``"\\n\\n"`` is one token).

**The head is random: its step scores are noise.** The model exists to exercise the code path a real
Qwen2.5-Math-PRM takes (steps joined by ``<extra_0>``, one forward, the positive-class probability
``softmax(logits)[1]`` at each separator). To score with the real model, point the backend at it instead:

- transformers: ``model: Qwen/Qwen2.5-Math-PRM-7B`` (or its local folder) with backend options
  ``head: token_classifier`` and ``trust_remote_code: true`` (its modeling code ships with the checkpoint);
- vLLM: the same ``model`` with ``head: token_classifier`` (vLLM implements the architecture itself: no
  remote code runs).

Either way the text is the chat-rendered conversation (system :data:`SYSTEM_PROMPT`, the problem, the
assistant turn ``"<extra_0>".join(steps) + "<extra_0>"``) and the positions are the offsets right after
each ``<extra_0>`` of the assistant turn (there the separator token itself is read).

The folder is built once under ``cache_dir()/models``, named by SmolLM2's source hash, :data:`VERSION`
and the seed, under a file lock and with an atomic rename, like the converted models of
:mod:`rewardkit.engine.models`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rewardkit.engine.models import MARKER, cache_dir, file_lock, publish_folder, resolve_model
from rewardkit.errors import BackendError

VERSION = "1"  # bump when the folder's layout or contents change: a new folder is built
STEP_TOKEN = "<extra_0>"  # the step separator, as Qwen2.5-Math-PRM spells it
ARCHITECTURE = "Qwen2ForProcessRewardModel"
CONFIG_FILE = "configuration_toy_prm.py"
MODELING_FILE = "modeling_toy_prm.py"
SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."

CONFIGURATION_CODE = '''\
"""The toy process reward model's configuration: Qwen2's, under its own name (as a hub PRM ships one)."""

from transformers import Qwen2Config


class ToyPRMConfig(Qwen2Config):
    model_type = "qwen2"
'''

MODELING_CODE = '''\
"""A process reward model: a Qwen2 body and a 2-class head (MLP) applied at every token.

Written by rewardkit (rewardkit/prm/toy.py) for its toy PRM; the layout and weight names follow
Qwen2.5-Math-PRM (``model.*`` for the body, ``score.0`` / ``score.2`` for the head), so vLLM loads the
same folder as its native ``Qwen2ForProcessRewardModel``.
"""

from torch import nn
from transformers import Qwen2Model, Qwen2PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

from .configuration_toy_prm import ToyPRMConfig


class Qwen2ForProcessRewardModel(Qwen2PreTrainedModel):
    config_class = ToyPRMConfig

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = Qwen2Model(config)
        self.score = nn.Sequential(
            nn.Linear(config.hidden_size, config.hidden_size),
            nn.ReLU(),
            nn.Linear(config.hidden_size, config.num_labels),
        )
        self.post_init()

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def set_input_embeddings(self, value):
        self.model.embed_tokens = value

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        position_ids=None,
        past_key_values=None,
        inputs_embeds=None,
        use_cache=None,
        **kwargs,
    ):
        """Per-token logits [batch, tokens, num_labels] (``outputs[0]``, as the reference scripts read)."""
        out = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        logits = self.score(out.last_hidden_state)
        return TokenClassifierOutput(logits=logits, hidden_states=out.hidden_states, attentions=out.attentions)
'''


def toy_prm(seed: int = 0, progress: bool = False) -> Path:
    """The toy PRM's folder (built on first use): SmolLM2-135M's body as Qwen2, ``<extra_0>`` added to its
    tokenizer, a 2-class MLP head seeded by ``seed``. A random head: scores are noise (see the module
    docstring for the real Qwen2.5-Math-PRM)."""
    source = Path(resolve_model("smollm2", progress=progress))
    try:
        source_sha = json.loads((source / MARKER).read_text(encoding="utf-8"))["source_sha256"]
    except (OSError, ValueError, KeyError) as exc:
        raise BackendError(f"SmolLM2's converted folder {source} has no readable {MARKER}: {exc}") from exc
    target = cache_dir() / "models" / f"toy-prm-{source_sha[:12]}-v{VERSION}-seed{int(seed)}"
    if (target / MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.with_name(target.name + ".lock")):
        if not (target / MARKER).is_file():  # another process built it while we waited
            with _quiet(progress):
                _build(source, source_sha, int(seed), target)
    return target


# ------------------------------------------------------------------------------------------ building


def _build(source: Path, source_sha: str, seed: int, target: Path) -> None:
    """Write the folder in a temporary sibling, check that transformers loads it whole, then rename."""
    import torch
    import transformers
    from safetensors.torch import save_file

    started = time.monotonic()
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        tokenizer = transformers.AutoTokenizer.from_pretrained(source)
        added = tokenizer.add_tokens(
            [transformers.AddedToken(STEP_TOKEN, special=True, normalized=False, lstrip=False, rstrip=False)],
            special_tokens=True,
        )
        step_id = tokenizer.convert_tokens_to_ids(STEP_TOKEN)
        if added != 1 or tokenizer(STEP_TOKEN, add_special_tokens=False)["input_ids"] != [step_id]:
            raise BackendError(f"could not add {STEP_TOKEN} to SmolLM2's tokenizer as one new token")
        lm = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
        config = _qwen2_config(lm.config, vocab_size=len(tokenizer))
        weights = _body_weights(lm, config, step_id)
        del lm
        weights.update(_head_weights(config.hidden_size, seed))
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        config.save_pretrained(tmp)
        for key in ("is_local", "local_files_only", "name_or_path"):  # loading details, not settings
            tokenizer.init_kwargs.pop(key, None)
        tokenizer.save_pretrained(tmp)
        (tmp / CONFIG_FILE).write_text(CONFIGURATION_CODE, encoding="utf-8")
        (tmp / MODELING_FILE).write_text(MODELING_CODE, encoding="utf-8")
        _check_loads(tmp)
        marker = {
            "model": "toy-prm",
            "version": VERSION,
            "seed": seed,
            "source": "smollm2",
            "source_sha256": source_sha,
            "step_token": STEP_TOKEN,
            "step_token_id": step_id,
            "note": "random 2-class head: scores are noise; for testing the Qwen2.5-Math-PRM code path",
            "transformers_version": transformers.__version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        publish_folder(tmp, target, marker)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _qwen2_config(llama: Any, vocab_size: int) -> Any:
    """Qwen2's config for SmolLM2's body; refuses a source whose attention Qwen2 cannot express."""
    from transformers import Qwen2Config

    heads, hidden = llama.num_attention_heads, llama.hidden_size
    head_dim = getattr(llama, "head_dim", None) or hidden // heads
    if (
        head_dim * heads != hidden
        or getattr(llama, "attention_bias", False)
        or getattr(llama, "mlp_bias", False)
    ):
        raise BackendError(
            "SmolLM2's attention does not map onto Qwen2 (head_dim * heads == hidden, no attention/MLP "
            f"biases): head_dim={head_dim}, heads={heads}, hidden={hidden}"
        )
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=llama.intermediate_size,
        num_hidden_layers=llama.num_hidden_layers,
        num_attention_heads=heads,
        num_key_value_heads=llama.num_key_value_heads,
        hidden_act=llama.hidden_act,
        max_position_embeddings=llama.max_position_embeddings,
        initializer_range=llama.initializer_range,
        rms_norm_eps=llama.rms_norm_eps,
        rope_parameters=dict(llama.rope_parameters),
        tie_word_embeddings=False,  # no LM head: nothing to tie
        use_sliding_window=False,
        attention_dropout=0.0,
        bos_token_id=llama.bos_token_id,
        eos_token_id=llama.eos_token_id,
        pad_token_id=llama.pad_token_id,
        num_labels=2,
    )
    config.architectures = [ARCHITECTURE]
    config.auto_map = {
        "AutoConfig": f"{CONFIG_FILE.removesuffix('.py')}.ToyPRMConfig",
        "AutoModel": f"{MODELING_FILE.removesuffix('.py')}.{ARCHITECTURE}",
    }
    config.dtype = "float32"
    return config


def _body_weights(lm: Any, config: Any, step_id: int) -> dict[str, Any]:
    """SmolLM2's body under Qwen2's names (the same ``model.*`` names), zero q/k/v biases, and one new
    embedding row for the step token: the mean of the others (deterministic)."""
    import torch

    weights = {}
    for name, tensor in lm.model.state_dict().items():
        weights[f"model.{name}"] = tensor.detach().to(torch.float32).clone().contiguous()
    embed = weights["model.embed_tokens.weight"]
    if step_id != embed.shape[0] or config.vocab_size != embed.shape[0] + 1:
        raise BackendError(f"{STEP_TOKEN} got id {step_id}; expected the next id after {embed.shape[0] - 1}")
    weights["model.embed_tokens.weight"] = torch.cat([embed, embed.mean(dim=0, keepdim=True)]).contiguous()
    kv = config.num_key_value_heads * (config.hidden_size // config.num_attention_heads)
    for layer in range(config.num_hidden_layers):
        prefix = f"model.layers.{layer}.self_attn"
        for proj, size in (("q_proj", config.hidden_size), ("k_proj", kv), ("v_proj", kv)):
            weights[f"{prefix}.{proj}.bias"] = torch.zeros(size, dtype=torch.float32)
    return weights


def _head_weights(hidden: int, seed: int) -> dict[str, Any]:
    """The 2-class MLP head, seeded: weights N(0, 1/hidden) (logits of order one on SmolLM2's final
    hidden states), biases N(0, 0.1^2)."""
    import torch

    generator = torch.Generator().manual_seed(seed)

    def normal(*shape: int, std: float) -> Any:
        return (torch.randn(shape, generator=generator, dtype=torch.float32) * std).contiguous()

    return {
        "score.0.weight": normal(hidden, hidden, std=hidden**-0.5),
        "score.0.bias": normal(hidden, std=0.1),
        "score.2.weight": normal(2, hidden, std=hidden**-0.5),
        "score.2.bias": normal(2, std=0.1),
    }


def _check_loads(folder: Path) -> None:
    """transformers loads the folder with its own code, every weight present and none left over."""
    import transformers

    model, info = transformers.AutoModel.from_pretrained(
        folder, trust_remote_code=True, output_loading_info=True
    )
    problems = {k: sorted(v) for k, v in info.items() if k in ("missing_keys", "unexpected_keys") and v}
    if type(model).__name__ != ARCHITECTURE or problems:
        raise BackendError(
            f"the toy PRM built in {folder} does not load whole: {type(model).__name__}, {problems}"
        )


@contextlib.contextmanager
def _quiet(progress: bool) -> Iterator[None]:
    """transformers' loading bars off while building, unless progress is asked for."""
    from transformers.utils import logging as hf_logging

    if progress or not hf_logging.is_progress_bar_enabled():
        yield
        return
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.enable_progress_bar()


__all__ = ["ARCHITECTURE", "STEP_TOKEN", "SYSTEM_PROMPT", "VERSION", "toy_prm"]
