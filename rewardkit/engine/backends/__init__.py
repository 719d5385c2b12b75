"""Inference backends behind one interface (see base.py), and the one place that builds them.

``get_backend(kind, **options)`` returns a shared instance per (kind, options) in this process, so
every verifier that names the same model uses one copy of it and one scheduler; ``shared_backends()``
lists them (the server's /metrics reads their ``stats()``).
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from rewardkit.engine.backends.base import (
    Backend,
    BackendConfig,
    BackendError,
    ClassifyRequest,
    ClassifyResult,
    GenerationParams,
    GenerationRequest,
    GenerationResult,
    LocalBackend,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    merge_top_logprobs,
)
from rewardkit.errors import config_error
from rewardkit.registry import Lazy, Registry

#: The one list of backend kinds (plugins add theirs through the ``rewardkit.backends`` entry points).
BACKENDS: Registry[type[Backend]] = Registry(
    "backend",
    group="rewardkit.backends",
    base=Backend,
    name_of=lambda cls: cls.kind,
    builtins={
        "transformers": Lazy("rewardkit.engine.backends.hf:TransformersBackend", "models"),
        "vllm": Lazy("rewardkit.engine.backends.vllm:VLLMBackend", "models"),
        "openai": "rewardkit.engine.backends.openai_http:OpenAIBackend",
    },
)
_INSTANCES: dict[tuple[str, str], Backend] = {}
_LOCK = threading.Lock()


def backend_class(kind: str) -> type[Backend]:
    """The backend class registered as ``kind`` (an unknown kind is a ConfigError listing the kinds)."""
    return BACKENDS.get(kind)


def backend_config(kind: str, **options: Any) -> BackendConfig:
    """Validate backend options; a wrong key or value is a ConfigError that names it."""
    cls = backend_class(kind)
    try:
        return cls.Config(**options)
    except ValidationError as err:
        raise config_error(f"{kind} backend", cls.Config, err) from None


def get_backend(kind: str = "transformers", **options: Any) -> Backend:
    """The shared backend for these options (built on first use; the model loads once per process)."""
    config = backend_config(kind, **options)
    key = (kind, config.model_dump_json())
    with _LOCK:
        backend = _INSTANCES.get(key)
        if backend is None or backend.closed:  # closed by its user (e.g. a `with` block): build anew
            backend = _INSTANCES[key] = backend_class(kind)(config)
        return backend


def shared_backends() -> list[Backend]:
    """The shared backends :func:`get_backend` has built in this process and that are still open (for
    monitoring: each one's :meth:`Backend.stats`)."""
    with _LOCK:
        return [backend for backend in _INSTANCES.values() if not backend.closed]


def close_backends() -> None:
    """Close and forget every shared backend (tests, notebooks)."""
    with _LOCK:
        backends = list(_INSTANCES.values())
        _INSTANCES.clear()
    for backend in backends:
        backend.close()


__all__ = [
    "BACKENDS",
    "Backend",
    "BackendConfig",
    "BackendError",
    "ClassifyRequest",
    "ClassifyResult",
    "GenerationParams",
    "GenerationRequest",
    "GenerationResult",
    "LocalBackend",
    "LoglikelihoodRequest",
    "LoglikelihoodResult",
    "backend_class",
    "backend_config",
    "close_backends",
    "get_backend",
    "merge_top_logprobs",
    "shared_backends",
]
