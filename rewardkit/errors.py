"""Every rewardkit failure, under one root, and the one formatter for validation errors.

Catch :class:`RewardkitError` and you catch every failure rewardkit raises on purpose::

    import rewardkit

    try:
        rewardkit.create_verifier("math", timeout=-1)
    except rewardkit.RewardkitError as err:
        print(err)  # prints: math: timeout: Input should be greater than 0 (got -1)

The subclasses also derive from the built-in exception a caller would expect (``ValueError`` for bad
config or input, ``RuntimeError`` for a backend or sandbox that cannot serve, ``ImportError`` for a
missing extra), so code written against those keeps working.

Validation problems (a verifier config, a spec file, backend options, a server request) are all
reported by :func:`validation_problems` / :func:`format_problems`, in one wording:
``<owner>: <field path>: <what is wrong>``, e.g. ``components[1].weight: Input should be a valid
number (got 'heavy')`` or ``timeout: unknown key 'timout'; allowed: timeout, workers``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError


class RewardkitError(Exception):
    """The root of every exception rewardkit raises on purpose."""


class ConfigError(RewardkitError, ValueError):
    """A verifier, spec, backend or registry entry was configured wrongly; the message says which key
    and what is allowed there."""


class FieldErrors(ConfigError):
    """A ConfigError whose problems are located by field path (relative to the config that was given), so
    whoever read that config from a file can point at each problem's line (reward specs do)."""

    def __init__(self, owner: str, problems: Sequence[Problem]) -> None:
        self.owner, self.problems = owner, list(problems)
        super().__init__("\n".join(f"{owner}: {p}" for p in self.problems))


class InputError(RewardkitError, ValueError):
    """Bad input records (a file, a request, a trainer batch); the message names the record and field."""


class BackendError(RewardkitError, RuntimeError):
    """An inference backend cannot serve a request (unsupported by the server, model failed to load...)."""


class SandboxError(RewardkitError, RuntimeError):
    """The code sandbox itself failed (no isolation available, could not start, its zygote broke) -- not
    the program it ran."""


class MissingExtraError(RewardkitError, ImportError):
    """A feature needs an optional extra that is not installed; the message says what to install."""

    def __init__(self, what: str, extra: str, missing: str | None = None) -> None:
        self.extra = extra
        because = f" (the module {missing!r} is not installed)" if missing else ""
        super().__init__(f"{what} needs the '{extra}' extra{because}: pip install 'rewardkit[{extra}]'")


# ------------------------------------------------------------------------------- validation errors

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One validation problem: where (a field path) and what."""

    loc: FieldPath
    message: str
    type: str = ""

    @property
    def path(self) -> str:
        return field_path(self.loc)

    def __str__(self) -> str:
        return f"{self.path or '(top level)'}: {self.message}"


def field_path(loc: Sequence[str | int]) -> str:
    """("components", 1, "weight") -> "components[1].weight"."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for messages ("got list")."""
    names = {
        type(None): "null",
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "list",
        tuple: "list",
        dict: "object",
    }
    return names.get(type(value), type(value).__name__)


def allowed_keys(model: type[BaseModel] | None, loc: FieldPath) -> str:
    """The keys allowed beside ``loc`` (the last part is the bad key), walking nested models of ``model``."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        info = getattr(current, "model_fields", {}).get(part)
        current = _model_in(info.annotation) if info is not None else None
    fields = getattr(current, "model_fields", None)
    return ", ".join(fields) if fields else "(none)"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Model``, ``list[Model]``, ``Model | None``...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validation_problems(
    err: ValidationError,
    model: type[BaseModel] | None = None,
    prefix: FieldPath = (),
    allowed: Callable[[FieldPath], str] | None = None,
) -> list[Problem]:
    """A pydantic ValidationError as problems in rewardkit's one wording.

    ``model`` (or ``allowed(loc)``) lists the keys allowed beside an unknown key; ``prefix`` is put
    before every path (a verifier's config inside a spec: ``("components", 0, "config")``).
    """
    problems = []
    for e in err.errors():
        loc: FieldPath = prefix + tuple(e.get("loc", ()))
        kind = e.get("type", "")
        if kind == "extra_forbidden":
            keys = allowed(loc) if allowed is not None else allowed_keys(model, tuple(e.get("loc", ())))
            message = f"unknown key {loc[-1]!r}; allowed: {keys}"
        elif kind == "missing":
            message = "required key missing"
        elif kind == "json_invalid":
            message = f"invalid JSON: {(e.get('ctx') or {}).get('error', e.get('msg', ''))}"
        else:
            message = str(e.get("msg", "")).removeprefix("Value error, ")
            message += f" (got {_shown(e.get('input'))})"
        problems.append(Problem(loc, message, kind))
    return problems


def _shown(value: Any) -> str:
    """A bad input as a message shows it: short values as repr, big ones by their JSON kind."""
    text = repr(value)
    return text if len(text) <= 80 else f"a {json_kind(value)}"


def format_problems(owner: str, problems: Sequence[Problem | str], limit: int = 10) -> str:
    """One line per problem, ``owner: path: message``; past ``limit`` the rest are counted."""
    lines = [f"{owner}: {p}" if owner else str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "\n".join(lines)


def config_error(owner: str, model: type[BaseModel], err: ValidationError) -> ConfigError:
    """The ConfigError for a config that failed ``model``'s validation (verifiers, backends, judges)."""
    return ConfigError(format_problems(owner, validation_problems(err, model), limit=50))


__all__ = [
    "BackendError",
    "ConfigError",
    "FieldErrors",
    "FieldPath",
    "InputError",
    "MissingExtraError",
    "Problem",
    "RewardkitError",
    "SandboxError",
    "config_error",
    "field_path",
    "format_problems",
    "json_kind",
    "validation_problems",
]
