"""Judge templates: YAML files in ``judges/`` that say what a judge is asked and how its answer is read.

A template is found by name on the asset search path (``judges/<name>.yaml``, see :mod:`rewardkit.assets`)
or given as a path::

    name: pointwise                  # optional; defaults to the file name
    description: "..."
    output: score                    # how the answer is read: score | choice | met | criteria | value | json
    scale: 1-5                       # for `score`: 1-5, 1-10, 0-10, 0-1, yes/no, pass/fail, or a label list
    system: "You are a fair judge."  # optional system message (Jinja)
    user: |                          # the user message (Jinja, StrictUndefined: a misspelt name is an error)
      ...{{ prompt }} ... {{ response }} {% if reference %}...{{ reference }}{% endif %}

Names a template can use (each is always defined; absent ones are None or empty): ``prompt`` (the prompt
as text), ``response``, ``reference`` (the reference answer or response as text), ``response_a``,
``response_b``, ``responses`` (a list, for best-of-n), ``labels`` (their letters), ``criterion`` (one
criterion's text), ``criteria`` (a list of ``{"index", "id", "text"}``), ``rubric`` (a rubric as text),
``scale`` (the :class:`~rewardkit.judges.parse.Scale`: ``scale.low``, ``scale.high``, ``scale.labels``),
``contrast`` (rubric writing: the judge's comparison of a pair), ``feedback`` (rubric writing: why the last
attempt was refused), ``tie`` (pairwise: whether a tie is allowed), and ``extra`` (whatever the caller
adds).

The template's identity in the judge cache is the hash of its file text, so editing a template never
reuses answers given to the old one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.meta
import jinja2.sandbox
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardkit.assets import find_asset, read_yaml, yaml_line
from rewardkit.errors import ConfigError, field_path, validation_problems
from rewardkit.judges.parse import Scale
from rewardkit.types import Message

Output = Literal["score", "choice", "met", "criteria", "value", "json", "index"]
TEMPLATE_NAMES = (
    "prompt",
    "response",
    "reference",
    "response_a",
    "response_b",
    "responses",
    "labels",
    "criterion",
    "criteria",
    "rubric",
    "scale",
    "contrast",
    "feedback",
    "tie",
    "steps",
    "extra",
)

_ENV = jinja2.sandbox.SandboxedEnvironment(
    undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False
)


class TemplateSpec(BaseModel):
    """The fields of a judge template file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    output: Output = Field(
        description="how the answer is read: score | choice | met | criteria | value | json | index"
    )
    scale: str | list[str] | dict[str, float] | None = Field(
        None, description="the score scale (output: score), e.g. 1-5, 1-10, 0-1, yes/no"
    )
    system: str = Field("", description="the system message (Jinja); empty: none")
    user: str = Field(min_length=1, description="the user message (Jinja)")


@dataclass(frozen=True)
class JudgeTemplate:
    """A loaded judge template: render it with :meth:`messages`."""

    spec: TemplateSpec
    path: Path | None
    text_hash: str  # sha256 of the file text (or of the fields, for a template built in code)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def output(self) -> str:
        return self.spec.output

    def uses(self, name: str) -> bool:
        """Whether the template shows ``name`` (e.g. a rubric role's template must show ``criterion``)."""
        names: set[str] = set()
        for source in (self.spec.system, self.spec.user):
            if source:
                names |= jinja2.meta.find_undeclared_variables(_ENV.parse(source))
        return name in names

    def require(self, owner: str, output: str) -> None:
        """A ConfigError unless this template's answers are read as ``output``."""
        if self.output != output:
            raise ConfigError(
                f"{owner}: template: {self.path or self.name} reads answers as {self.output!r}; this judge "
                f"needs a template with `output: {output}`"
            )

    def scale(self, override: Any = None) -> Scale:
        """The scale a judge with this template scores on (``override``, else the template's)."""
        spec = override if override is not None else self.spec.scale
        if spec is None:
            raise ConfigError(f"judge template {self.name!r} declares no scale; give one with `scale:`")
        return Scale.of(spec)

    def messages(self, **values: Any) -> list[Message]:
        """The chat messages for these values (names not given are None)."""
        names = {name: None for name in TEMPLATE_NAMES}
        names.update(values)
        out: list[Message] = []
        for role, source in (("system", self.spec.system), ("user", self.spec.user)):
            if not source:
                continue
            try:
                text = _ENV.from_string(source).render(**names)
            except jinja2.TemplateError as err:
                where = f"{self.path}: " if self.path else ""
                raise ConfigError(
                    f"{where}judge template {self.name!r}: {role}: {type(err).__name__}: {err}; the names a "
                    f"template can use: {', '.join(TEMPLATE_NAMES)}"
                ) from None
            out.append({"role": role, "content": text.strip()})
        return out


def template_from_text(spec: dict[str, Any], name: str = "inline") -> JudgeTemplate:
    """A template built in code from the same fields a template file has."""
    try:
        parsed = TemplateSpec(**{"name": name, **spec})
    except ValidationError as err:
        problems = validation_problems(err, TemplateSpec)
        raise ConfigError(
            "\n".join(f"judge template {name!r}: {field_path(p.loc)}: {p.message}" for p in problems)
        ) from None
    digest = hashlib.sha256(parsed.model_dump_json().encode()).hexdigest()
    _check_syntax(parsed, None)
    return JudgeTemplate(parsed, None, digest)


def load_template(name_or_path: str | os.PathLike[str]) -> JudgeTemplate:
    """A judge template by name (``judges/<name>.yaml`` on the asset path) or from a YAML path; a bad file
    is a ConfigError at file:line: field."""
    path = find_asset("judges", name_or_path)
    text = path.read_text(encoding="utf-8")
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a judge template is a YAML mapping with `output:` and `user:` keys")
    data.setdefault("name", path.stem)
    try:
        spec = TemplateSpec(**{str(k): v for k, v in data.items()})
    except ValidationError as err:
        lines = [
            f"{path}:{yaml_line(root, p.loc)}: {field_path(p.loc)}: {p.message}"
            for p in validation_problems(err, TemplateSpec)
        ]
        raise ConfigError("invalid judge template:\n  " + "\n  ".join(lines)) from None
    _check_syntax(spec, path, root)
    if spec.output == "score":
        try:
            Scale.of(spec.scale) if spec.scale is not None else None
        except ConfigError as err:
            raise ConfigError(f"{path}:{yaml_line(root, ('scale',))}: scale: {err}") from None
    return JudgeTemplate(spec, path, hashlib.sha256(text.encode()).hexdigest())


def _check_syntax(spec: TemplateSpec, path: Path | None, root: Any = None) -> None:
    """Jinja syntax and names, checked when the template loads (not at the first judge call): a syntax
    error or a name a template cannot use is a ConfigError at the file line."""
    for field in ("system", "user"):
        source = getattr(spec, field)

        def where(lineno: int | None, field: str = field, source: str = source) -> str:
            if path is None:
                return f"judge template {spec.name!r}: {field}"
            start = yaml_line(root, (field,)) if root is not None else None
            line = start + (lineno or 1) if start is not None and "\n" in source else start
            return f"{path}:{line}: {field}" if line else f"{path}: {field}"

        try:
            tree = _ENV.parse(source)
        except jinja2.TemplateSyntaxError as err:
            raise ConfigError(f"{where(err.lineno)}: Jinja syntax error: {err.message}") from None
        unknown = sorted(jinja2.meta.find_undeclared_variables(tree) - set(TEMPLATE_NAMES))
        if unknown:
            raise ConfigError(
                f"{where(None)}: unknown name(s) {', '.join(unknown)}; the names a template can use: "
                f"{', '.join(TEMPLATE_NAMES)}"
            )


def as_text(value: Any) -> str:
    """A prompt, reference or response as template text (chat messages joined by role; a dict reference
    as its ``response``/``answer`` entry when it has one)."""
    from rewardkit.types import prompt_text

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("response", "reference", "answer", "gold"):
            if isinstance(value.get(key), str):
                return value[key]
        return str(value)
    if isinstance(value, list) and all(isinstance(m, dict) for m in value):
        return prompt_text(value)
    return str(value)


__all__ = [
    "TEMPLATE_NAMES",
    "JudgeTemplate",
    "TemplateSpec",
    "as_text",
    "load_template",
    "template_from_text",
]
