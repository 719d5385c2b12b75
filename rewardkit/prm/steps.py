r"""Reasoning steps: split a response into steps, each with its character span in the response.

A :class:`Step` is the step's text, stripped of surrounding whitespace, and its ``span``: ``(start, end)``
offsets into the response, end exclusive, covering exactly that stripped text
(``response[start:end] == step.text``), or None when the step could not be located. Steps that are empty
or whitespace only are dropped, in every mode.

:class:`StepSplit` (``how``, ``pattern``) says how to split:

- ``auto`` (default): ``given`` when the sample has steps (``Sample.steps``, non-empty), else ``paragraph``.
- ``paragraph``: paragraphs separated by one or more blank lines (empty or whitespace-only lines). Line
  breaks are those of :meth:`str.splitlines` (``\n``, ``\r\n``, ``\r``, ``\u2028``...), so Windows line
  endings split the same way.
- ``lines``: every non-blank line is a step.
- ``markers``: a step starts at each line that opens with a ``Step k`` header: ``Step 1:``, ``Step 2.``,
  ``Step 3)``, ``Step 4 -``, ``**Step 5:**``, ``**Step 6**:``, ``## Step 7`` / ``### Step 8: title``
  (case-insensitive; the header stays in the step's text). Text before the first marker, when not
  blank, is a step of its own. With no marker at all the response is split into paragraphs and the
  result says so (:attr:`Steps.fallback`).
- ``regex``: ``pattern`` is a separator: each match is a boundary between steps and is not part of
  either. The pattern is compiled when the config is made (an invalid one, or one that matches the
  empty string, is a config error naming it); it is required for ``regex`` and refused for the others.
- ``given``: ``Sample.steps`` as given, each located in the response by searching for its stripped text
  from the end of the previous located step; a step not found gets ``span=None`` (and the search goes
  on from where it was). When the response is empty (or whitespace only), the response is taken to be
  the stripped steps joined by a blank line (:func:`join_steps`), and every span indexes that text.

:func:`split_steps` returns :class:`Steps`, a list of :class:`Step` that also records the rule used
(``how``) and, when it differs from what was asked, why (``fallback``).

>>> text = "First, add.\r\n\r\n  Then multiply.  \r\n\r\nDone."
>>> [(s.text, s.span) for s in split_steps(text)]
[('First, add.', (0, 11)), ('Then multiply.', (17, 31)), ('Done.', (37, 42))]
>>> steps = split_steps("Plan.\n**Step 1:** x = 2\nStep 2. y = 3", StepSplit(how="markers"))
>>> [s.text for s in steps], steps.fallback
(['Plan.', '**Step 1:** x = 2', 'Step 2. y = 3'], None)
>>> split_steps("a\n\nb", StepSplit(how="markers")).fallback
'no Step k markers found; split into paragraphs'
>>> [(s.text, s.span) for s in split_steps("x=1; so y=2", StepSplit(how="given"), ["x=1;", "z", "y=2"])]
[('x=1;', (0, 4)), ('z', None), ('y=2', (8, 11))]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from rewardkit.errors import InputError
from rewardkit.registry import StrictConfig
from rewardkit.types import Sample
from rewardkit.verifiers.rules import DEFAULT_REGEX_TIMEOUT_S, BoundedRegex, RegexTimeout

#: Line breaks, as :meth:`str.splitlines` knows them.
LINE_BREAK = r"(?:\r\n|\r(?!\n)|[\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])"  # \r\n is one break
#: Whitespace that is not a line break.
_BLANK = r"[^\S\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*"
PARAGRAPH_SEPARATOR = re.compile(rf"{LINE_BREAK}(?:{_BLANK}{LINE_BREAK})+")
LINE_SEPARATOR = re.compile(LINE_BREAK)
#: A ``Step k`` header at the start of a line (``Step 1:``, ``**Step 2:**``, ``## Step 3``...).
STEP_MARKER = re.compile(
    r"^[ \t]*(?:"
    r"\#{1,6}[ \t]*(?:\*\*|__)?[ \t]*step[ \t]*\d+(?!\d)"  # markdown heading: anything may follow
    r"|(?:\*\*|__)?[ \t]*step[ \t]*\d+[ \t]*(?:[:.)](?!\d)|\*\*|__|[-\u2013\u2014]|$)"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
GIVEN_SEPARATOR = "\n\n"

SplitMode = Literal["auto", "paragraph", "lines", "markers", "regex", "given"]


@dataclass(frozen=True)
class Step:
    """One reasoning step: its stripped text and ``span`` (start, end exclusive) in the response, or
    None when it was not found there."""

    text: str
    span: tuple[int, int] | None


class Steps(list[Step]):
    """The steps of one response, in order. ``how``: the rule applied (``paragraph``, ``lines``,
    ``markers``, ``regex`` or ``given``); ``fallback``: why it is not the rule asked for, else None."""

    def __init__(self, steps: Iterable[Step] = (), how: str = "", fallback: str | None = None) -> None:
        super().__init__(steps)
        self.how = how
        self.fallback = fallback


class StepSplit(StrictConfig):
    """How to split a response into steps (see the module docstring for each rule)."""

    how: SplitMode = "auto"
    pattern: str | None = Field(default=None, validate_default=True)

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, pattern: str | None, info: ValidationInfo) -> str | None:
        how = info.data.get("how")
        if how is None:  # `how` itself was invalid; that error is reported
            return pattern
        if how != "regex":
            if pattern is not None:
                raise ValueError(f"pattern is only used with how='regex' (how is {how!r}); remove it")
            return None
        if pattern is None:
            raise ValueError("how='regex' needs a pattern: a regular expression matching the separator")
        try:
            compiled = re.compile(pattern)
        except re.error as err:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {err}") from None
        if compiled.fullmatch("") is not None:
            raise ValueError(
                f"pattern {pattern!r} matches the empty string; a separator must match at least one character"
            )
        return pattern


def _stripped(response: str, start: int, end: int) -> Step | None:
    """The step in ``response[start:end]`` without surrounding whitespace (None when blank)."""
    piece = response[start:end]
    text = piece.strip()
    if not text:
        return None
    begin = start + (len(piece) - len(piece.lstrip()))
    return Step(text, (begin, begin + len(text)))


def _between(response: str, separators: Iterable[Any]) -> list[Step]:
    """The steps between separator matches."""
    out, start = [], 0
    for match in separators:
        step = _stripped(response, start, match.start())
        if step is not None:
            out.append(step)
        start = match.end()
    last = _stripped(response, start, len(response))
    if last is not None:
        out.append(last)
    return out


def _at_markers(response: str, starts: Sequence[int]) -> list[Step]:
    """The steps that start at ``starts`` (plus the text before the first one)."""
    bounds = [0, *starts, len(response)]
    steps = (_stripped(response, a, b) for a, b in zip(bounds, bounds[1:], strict=False))
    return [s for s in steps if s is not None]


def join_steps(steps: Iterable[str], separator: str = GIVEN_SEPARATOR) -> str:
    """The stripped, non-blank steps joined by ``separator``: the text ``given`` steps index when the
    response is empty."""
    return separator.join(t for t in (s.strip() for s in steps) if t)


def locate_steps(response: str, steps: Sequence[str]) -> list[Step]:
    """``given`` steps located in ``response`` (see the module docstring); blank steps dropped."""
    texts = [t for t in (s.strip() for s in steps) if t]
    if not response.strip():
        out, at = [], 0
        for text in texts:
            out.append(Step(text, (at, at + len(text))))
            at += len(text) + len(GIVEN_SEPARATOR)
        return out
    out, position = [], 0
    for text in texts:
        found = response.find(text, position)
        if found < 0:
            out.append(Step(text, None))
            continue
        out.append(Step(text, (found, found + len(text))))
        position = found + len(text)
    return out


def split_steps(response: str, split: StepSplit | None = None, steps: Sequence[str] | None = None) -> Steps:
    """The steps of ``response`` by ``split`` (default: ``auto``); ``steps`` are the sample's given steps.

    Raises InputError when ``how='given'`` and there are no given steps.
    """
    split = split or StepSplit()
    how = split.how
    if steps is not None and (isinstance(steps, (str, bytes)) or not all(isinstance(s, str) for s in steps)):
        got = (
            type(steps).__name__
            if isinstance(steps, (str, bytes))
            else "a list with "
            + ", ".join(sorted({type(s).__name__ for s in steps if not isinstance(s, str)}))
        )
        raise InputError(f"steps: Sample.steps must be a list of strings, got {got}")
    has_steps = steps is not None and any(s.strip() for s in steps)
    if how == "auto":
        how = "given" if has_steps else "paragraph"
    if how == "given":
        if steps is None:
            raise InputError(
                "steps: how='given' needs the sample's steps (Sample.steps); this sample has none"
            )
        return Steps(locate_steps(response, steps), "given")
    if how == "paragraph":
        return Steps(_between(response, PARAGRAPH_SEPARATOR.finditer(response)), "paragraph")
    if how == "lines":
        return Steps(_between(response, LINE_SEPARATOR.finditer(response)), "lines")
    if how == "markers":
        starts = [m.start() for m in STEP_MARKER.finditer(response)]
        if not starts:
            found = _between(response, PARAGRAPH_SEPARATOR.finditer(response))
            return Steps(found, "paragraph", "no Step k markers found; split into paragraphs")
        return Steps(_at_markers(response, starts), "markers")
    assert split.pattern is not None  # checked by StepSplit
    try:
        separators = _bounded(split.pattern).findall_matches(response, DEFAULT_REGEX_TIMEOUT_S)
    except RegexTimeout:
        raise InputError(
            f"steps: the split pattern {split.pattern!r} did not finish within {DEFAULT_REGEX_TIMEOUT_S:g} s "
            "on this response (it probably backtracks catastrophically): rewrite it"
        ) from None
    return Steps(_between(response, separators), "regex")


@lru_cache(maxsize=64)
def _bounded(pattern: str) -> BoundedRegex:
    return BoundedRegex(pattern)


def sample_steps(sample: Sample, split: StepSplit | None = None) -> Steps:
    """The steps of ``sample.response`` by ``split``, with ``sample.steps`` as the given steps."""
    return split_steps(sample.response, split, sample.steps)


__all__ = [
    "GIVEN_SEPARATOR",
    "LINE_BREAK",
    "LINE_SEPARATOR",
    "PARAGRAPH_SEPARATOR",
    "STEP_MARKER",
    "SplitMode",
    "Step",
    "StepSplit",
    "Steps",
    "join_steps",
    "locate_steps",
    "sample_steps",
    "split_steps",
]
