"""A Griffe extension for the API reference page: rewardkit's docstrings keep a few reStructuredText habits
(``:class:`Sample``` roles, a ``::`` before a literal block) that Markdown would print as they are. This
rewrites them into Markdown when mkdocstrings loads the package (mkdocs.yml names this file)."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def _doctests(text: str) -> str:
    """Doctest sessions (``>>>`` lines and their output, up to a blank line) as fenced pycon blocks."""
    out, session = [], False
    for line in text.split("\n"):
        starts = line.lstrip().startswith(">>>")
        if starts and not session:
            out.append("```pycon")
            session = True
        elif session and not line.strip():
            out.append("```")
            session = False
        out.append(line)
    if session:
        out.append("```")
    return "\n".join(out)


def markdown(text: str) -> str:
    """The docstring with roles as inline code, ``text::`` as ``text:`` (the indented block after it
    stays a code block in Markdown) and doctest sessions fenced."""
    text = _doctests(ROLE.sub(_role, text))
    text = re.sub(r"^[ \t]*::[ \t]*$", "", text, flags=re.M)
    return re.sub(r"(?<=\S)::[ \t]*$", ":", text, flags=re.M)


class RstToMarkdown(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if not obj.is_alias and obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
