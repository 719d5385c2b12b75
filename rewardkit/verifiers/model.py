"""The base of every verifier that runs a model through an inference backend (likelihood rewards,
reward-model classifiers, and the judges and process reward models built on them).

A model verifier's config names the ``model``, the ``backend`` kind (any name in
:data:`rewardkit.engine.backends.BACKENDS`: ``transformers``, ``vllm``, ``openai`` or a plugin's) and
``backend_options``. Both are checked when the verifier is built, so a typo fails at once with the key
and what is allowed; the model itself loads on first use and is shared by every verifier that names the
same model and options.

The helpers here turn samples into the text a model reads: the prompt rendered with the model's chat
template, the raw prompt, or nothing (``PromptMode``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from rewardkit.engine.backends import BACKENDS, Backend, backend_class, get_backend
from rewardkit.errors import ConfigError, format_problems, validation_problems
from rewardkit.registry import StrictConfig
from rewardkit.types import Sample, Score
from rewardkit.verifier import Verifier, VerifierConfig

PromptMode = Literal["chat", "raw", "none"]


class BackendChoice(StrictConfig):
    """The backend kind and its options, as every model verifier and judge takes them."""

    backend: str = Field(
        "transformers", description="backend kind: transformers | vllm | openai, or a plugin's (BACKENDS)"
    )
    backend_options: dict[str, Any] = Field(
        default_factory=dict, description="backend keyword options (dtype, device, token_budget, base_url...)"
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, kind: str) -> str:
        kinds = BACKENDS.names()
        if kind not in kinds:
            raise ValueError(f"unknown backend kind; available: {', '.join(kinds)}")
        return kind


class ModelConfig(BackendChoice, VerifierConfig):
    """Which model scores, on which backend."""

    model: str = Field(description="model alias, local folder or hub id")


def check_backend_options(owner: str, model: str, backend: str, options: dict[str, Any]) -> None:
    """Check a model + backend kind + backend options now (the model loads later, on first use): a wrong
    key or value is a ConfigError at ``owner: backend_options.<key>``."""
    if "model" in options:
        raise ConfigError(f"{owner}: backend_options.model: name the model with the verifier's 'model' key")
    cls = backend_class(backend)
    try:
        cls.Config(model=model, **options)
    except ValidationError as err:
        keys = ", ".join(k for k in cls.Config.model_fields if k != "model")
        problems = validation_problems(err, prefix=("backend_options",), allowed=lambda _: keys)
        raise ConfigError(format_problems(owner, problems, limit=50)) from None


def model_backend(model: str, config: ModelConfig, **defaults: Any) -> Backend:
    """The shared backend for ``model`` with the config's backend options (``defaults`` fill in the
    options the config leaves unset)."""
    return get_backend(config.backend, model=model, **{**defaults, **config.backend_options})


class ModelVerifier(Verifier):
    """A verifier whose backend options are checked when it is built (the model loads on first use).

    Subclasses use :meth:`backend` to get the shared backend and may override :meth:`backend_defaults`
    (options the user may leave out, e.g. the classifier's ``head``)."""

    Config = ModelConfig
    config: ModelConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        check_backend_options(self.name, self.config.model, self.config.backend, self.backend_options())

    def backend_defaults(self) -> dict[str, Any]:
        """Backend options this verifier sets unless the config's ``backend_options`` say otherwise."""
        return {}

    def backend_options(self) -> dict[str, Any]:
        return {**self.backend_defaults(), **self.config.backend_options}

    def backend(self, model: str | None = None) -> Backend:
        """The shared backend for ``model`` (default: the config's) with this verifier's options."""
        return model_backend(model or self.config.model, self.config, **self.backend_defaults())


def render_context(backend: Backend, sample: Sample, mode: PromptMode) -> str:
    """The text the response follows: the chat-rendered prompt, the raw prompt, or nothing."""
    if mode == "none":
        return ""
    if mode == "raw":
        return sample.prompt_text
    messages = (
        [{"role": "user", "content": sample.prompt}] if isinstance(sample.prompt, str) else sample.prompt
    )
    return backend.render_chat(messages, add_generation_prompt=True)


def render_contexts(backend: Backend, samples: Sequence[Sample], mode: PromptMode) -> list[str | Score]:
    """Each sample's context, or the Score that says why it has none (empty response, bad prompt)."""
    out: list[str | Score] = []
    for sample in samples:
        if not sample.response.strip():
            out.append(Score.unparseable("empty response"))
            continue
        try:
            out.append(render_context(backend, sample, mode))
        except Exception as exc:  # a malformed chat prompt is this sample's error
            out.append(Score.error(f"cannot render the prompt: {type(exc).__name__}: {exc}"))
    return out


def render_conversation(backend: Backend, sample: Sample) -> str:
    """The prompt and the response as the assistant's turn, rendered with the model's chat template
    (what a reward model reads)."""
    prompt = sample.prompt
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    messages.append({"role": "assistant", "content": sample.response})
    return backend.render_chat(messages, add_generation_prompt=False)


__all__ = [
    "BackendChoice",
    "ModelConfig",
    "check_backend_options",
    "ModelVerifier",
    "PromptMode",
    "model_backend",
    "render_context",
    "render_contexts",
    "render_conversation",
]
