"""Reading what LLM judges write: a score, a choice, criterion verdicts or JSON, from the FINAL answer.

Everything starts from :func:`final_region`: the text after the last ``</think>`` (``</thinking>``,
``</reasoning>``). A ``<think>`` that is never closed leaves no final answer, and nothing is ever read
from a draft. Every span a parser returns is an offset into the raw text.

**Echoed template.** With ``echo`` (the rendered judge prompt), every line of the answer that appears
verbatim in it (whitespace-normalised, case-folded, at least 12 characters), and every quoted passage of
the answer that does, is masked before reading. Placeholders are masked always: ``(an integer between 1
and 5)``, ``<score>``, ``(1-5)``, ``"[[A]]" if ...`` / ``[[C]] for a tie`` instructions, quoted examples
after "e.g." / "for example" / "in the format". When only masked text held a verdict the answer is not
ok ("only the echoed template ...").

**Priority of patterns** (the strongest tier present decides; weaker tiers are not read):

1. explicit markers: ``[RESULT] 4``, ``Score: 4`` / ``Final score: 8/10`` / ``Rating (1-5): **4**`` /
   ``The score is 4``, a table row ``| Score | 4 |``, ``[[4]]``, ``\\boxed{4}``, JSON
   (``{"score": 4}``, keys score/rating/grade/value/...; ``//`` comments and single-quoted Python dicts are
   read), ``I would rate this a 4``, localized labels (``Punktzahl: 4``, ``Puntuación: 7/10``), a G-Eval
   dimension ``Coherence: 4`` (only when no word follows the number); for labels and
   choices ``Answer: Yes``, ``Verdict: PASS``, ``Winner: B``, ``[[A>B]]``, ``Output (a)``;
2. bold: ``**4**``, ``**No**``, ``**B**``;
3. ``4 out of 5`` and ``4/5`` (only out of the scale's top, and not a count: "3/5 steps" is not a
   score), ``... ? Yes``, sentences: "Response A is better", "The better response is B", "it's a
   tie", "the criterion is not met";
4. a line that is only the verdict (``4``, ``yes.``, ``B``; for choices a line ``Response B`` counts only
   as the last line, above notes it is a heading), or a label that opens the answer (``No, the
   response ...``, followed by punctuation); a check mark may precede the label (``✅ Met``).

A met sentence after "if" / "whether" / "unless" ("I cannot tell whether the criterion is met") is a
condition, not a verdict. Scores written as words ("four out of five") are not read; a non-integer on an
integer scale (``Score: 8.5/10`` on 1-10) is not ok (not one of the labels), never rounded.

A number anywhere is never a score: "The response lists 3 steps." has none.

**Several verdicts in the winning tier.** Markers that call themselves final (``Final score``,
``Overall``, ``Total``, ``[RESULT]``, "final verdict" on the line) outrank the others. If the remaining
markers disagree: scores for different things (``Response A: 4``/``Response B: 2``, ``Helpfulness
score: 3``/``Accuracy score: 5``) are not ok (ambiguous); otherwise the LAST marker wins (judges conclude
at the end, and "actually", "revised", "on reflection" mark a correction), except that two different
*final* markers with no correction cue between them are not ok ("two different final scores: 3 and 4").

**Choices.** ``[[C]]`` means a tie only when the choices are exactly A/B (MT-bench's format); with more
choices (best-of-4: A-D) it is choice C. ``[[A=B]]``, "tie", "draw" are ties; a tie with ``tie=False``
is not ok.

Values: scores are floats on the scale; choices are the choice string or ``"tie"``; met is a bool.
``label`` is the scale label / choice / verdict word matched (its text is at ``span`` up to case, except
that ``4.0`` is the label ``4`` and a JSON ``true``/``false`` keeps its own word).
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rewardkit.errors import ConfigError, InputError

# --------------------------------------------------------------------------------------------- scales

_SCALE_HELP = (
    "allowed: a range '1-5', '1-10', '0-10' (integer labels), '0-1' (continuous: any number in it), "
    "a pair 'yes/no', 'pass/fail', 'true/false', 'met/not met' (first label 1.0, second 0.0), a list of "
    "labels ['bad', 'ok', 'good'] (scored 1..n) or a dict {label: value}"
)
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|—|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*$")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class Scale:
    """What a judge writes (``labels``) and what each label is worth (``values``, same order).

    ``continuous`` (``0-1``): any number between the two labels is accepted, not only the labels.
    Build one with :meth:`of`.
    """

    labels: tuple[str, ...]
    values: tuple[float, ...]
    continuous: bool = False

    def __post_init__(self) -> None:
        labels = tuple(str(lab).strip() for lab in self.labels)
        try:
            values = tuple(float(v) for v in self.values)
        except (TypeError, ValueError):
            raise ConfigError(f"scale: values must be numbers (got {self.values!r})") from None
        if len(labels) != len(values):
            raise ConfigError(
                f"scale: {len(labels)} labels but {len(values)} values; give one value per label"
            )
        if len(labels) < 2:
            raise ConfigError(f"scale: needs at least 2 labels (got {list(labels)}); {_SCALE_HELP}")
        if any(not lab for lab in labels):
            raise ConfigError("scale: a label is empty")
        folded = [" ".join(lab.split()).casefold() for lab in labels]
        if len(set(folded)) != len(folded):
            raise ConfigError(f"scale: labels repeat (case-insensitively): {list(labels)}")
        if not all(math.isfinite(v) for v in values):
            raise ConfigError(f"scale: values must be finite numbers (got {list(values)})")
        if min(values) == max(values):
            raise ConfigError(f"scale: all labels have the same value {values[0]:g}; nothing to tell apart")
        if self.continuous and not all(_NUMBER.match(lab) for lab in labels):
            raise ConfigError(f"scale: a continuous scale has numeric labels (got {list(labels)})")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "values", values)

    @classmethod
    def of(cls, spec: Any) -> Scale:
        """A scale from ``"1-5"``, ``"0-1"``, ``"yes/no"``, a list of labels, a dict or a Scale.

        Raises ConfigError saying what is allowed for anything else.
        """
        if isinstance(spec, Scale):
            return spec
        if isinstance(spec, str):
            m = _RANGE.match(spec)
            if m:
                lo_text, hi_text = m.groups()
                lo, hi = float(lo_text), float(hi_text)
                if lo >= hi:
                    raise ConfigError(
                        f"scale {spec!r}: the low end must be below the high end; {_SCALE_HELP}"
                    )
                if "." in lo_text or "." in hi_text or hi - lo == 1:
                    return cls((lo_text, hi_text), (lo, hi), continuous=True)
                if hi - lo > 100:
                    raise ConfigError(
                        f"scale {spec!r}: at most 101 integer labels; use '0-1' for a continuous score"
                    )
                ints = range(int(lo), int(hi) + 1)
                return cls(tuple(str(i) for i in ints), tuple(float(i) for i in ints))
            parts = [p.strip() for p in spec.split("/")]
            if len(parts) == 2 and all(parts) and not any(_NUMBER.match(p) for p in parts):
                return cls((parts[0], parts[1]), (1.0, 0.0))
            raise ConfigError(f"scale {spec!r} is not understood; {_SCALE_HELP}")
        if isinstance(spec, Mapping):
            if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in spec.values()):
                raise ConfigError(f"scale {dict(spec)!r}: every value must be a number; {_SCALE_HELP}")
            return cls(tuple(str(k) for k in spec), tuple(float(v) for v in spec.values()))
        if isinstance(spec, (list, tuple)) and all(isinstance(x, str) for x in spec):
            return cls(tuple(spec), tuple(float(i) for i in range(1, len(spec) + 1)))
        raise ConfigError(f"scale {spec!r} is not understood; {_SCALE_HELP}")

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def numeric(self) -> bool:
        """True when every label is a number (a judge writes digits)."""
        return all(_NUMBER.match(lab) for lab in self.labels)

    @property
    def name(self) -> str:
        """``"1-5"`` for a range, ``"0-1"`` for a continuous scale, else the labels joined by ``/``."""
        if self.numeric:
            nums = [float(lab) for lab in self.labels]
            if self.continuous:
                return f"{_fmt(min(nums))}-{_fmt(max(nums))}"
            if nums == [nums[0] + i for i in range(len(nums))] and all(n.is_integer() for n in nums):
                return f"{_fmt(nums[0])}-{_fmt(nums[-1])}"
        return "/".join(self.labels)

    def normalize(self, value: float) -> float:
        """``(value - low) / (high - low)``: 0 at the worst label, 1 at the best."""
        return (float(value) - self.low) / (self.high - self.low)

    def value_of(self, label: str) -> float:
        """The value of a label (case-insensitive; on a continuous scale any number in range)."""
        key = " ".join(str(label).split()).casefold()
        for lab, val in zip(self.labels, self.values, strict=True):
            if " ".join(lab.split()).casefold() == key:
                return val
        if self.numeric and _NUMBER.match(key):
            x = float(key)
            if self.continuous and self.low <= x <= self.high:
                return x
            for lab, val in zip(self.labels, self.values, strict=True):
                if float(lab) == x:
                    return val
        raise InputError(
            f"{label!r} is not a label of the {self.name} scale (labels: {', '.join(self.labels)})"
        )

    def _top_number(self) -> float:
        return max(float(lab) for lab in self.labels)


# --------------------------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Parsed:
    """What a parser read. ``span``: the label's offsets in the raw text; ``marker``: the whole verdict
    marker's (e.g. ``Score: 4/5``); ``how``: the pattern; ``reason``: why not ok; ``note``: a criterion's
    own explanation (:func:`parse_criteria`)."""

    ok: bool
    value: Any = None
    label: str | None = None
    span: tuple[int, int] | None = None
    how: str = ""
    reason: str = ""
    note: str = ""
    marker: tuple[int, int] | None = None


# ---------------------------------------------------------------------------------------- final region

_CLOSE = re.compile(r"</\s*(?:think|thinking|reasoning)\s*>", re.I)
_OPEN = re.compile(r"<\s*(?:think|thinking|reasoning)\s*>", re.I)


def final_region(text: str) -> tuple[int, int] | None:
    """The (start, end) of the final answer: after the last ``</think>`` (``</thinking>``,
    ``</reasoning>``), up to an unclosed ``<think>``; whitespace trimmed. None when nothing is there."""
    start = 0
    for m in _CLOSE.finditer(text):
        start = m.end()
    opened = _OPEN.search(text, start)
    end = opened.start() if opened else len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _no_region_reason(text: str) -> str:
    if not text.strip():
        return "empty answer"
    if _OPEN.search(text) and not _CLOSE.search(text):
        return "no final answer: the text ends inside an unclosed <think> draft"
    return "no final answer after the </think> draft"


# -------------------------------------------------------------------------------------------- masking

_H = r"[^\S\n]"


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile, case-insensitive, with ``~*`` / ``~+`` / ``~`` standing for a run of at most 16 / one
    horizontal whitespace characters (bounded runs keep every match attempt short on hostile input)."""
    pattern = pattern.replace("~*", _H + "{0,16}").replace("~+", _H + "{1,16}").replace("~", _H)
    return re.compile(pattern, re.I | flags)


_PLACEHOLDERS = [
    # (an integer number between 1 and 5), <score between 0 and 1>, [a number from 1 to 10]
    _rx(
        r"[(\[<{]~*(?:an?~+)?(?:integer|int|number|float|score|rating|value|digit|grade)"
        r"(?:~+(?:number|value|score))?~+(?:between|from|in|of|on)\b[^)\]>}\n]{0,60}[)\]>}]"
    ),
    _rx(r"[(\[<{]~*\d+(?:\.\d+)?~*(?:-|–|—|to|\.\.)~*\d+(?:\.\d+)?~*[)\]>}]"),  # (1-5), [1-10], <0-1>
    _rx(r"<[A-Za-z0-9][^<>\[\]\n]{0,39}>"),  # <score>, <your score>, <1-5>
    # "[[A]]" if assistant A is better, [[C]] for a tie, Output (a) if ..., [RESULT] 5 if ...
    _rx(
        r"[\"'“‘]?(?:\[\[[^\]\n]{1,12}\]\]|\\boxed\{[^}\n]{1,12}\}|\[RESULT\]~*[^\s\]]{1,12}|Output~*\([a-d]\))"
        r"[\"'”’]?,?(?=~*(?:if\b|when\b|for~+(?:a~+)?ties?\b|means\b|indicates\b|to~+indicate\b))"
    ),
    # e.g. "Score: 4", for example: "Rating: [[5]]", in the format `Score: N`
    _rx(
        r"(?:for~+example|for~+instance|e\.g\.|example|such~+as|(?:format|form)(?:~+of)?)~*[:,]?~*"
        r"(?:\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|`[^`\n]{1,80}`|'[^'\n]{1,80}')"
    ),
]
_QUOTED = re.compile(r"\"([^\"\n]{12,400})\"|“([^”\n]{12,400})”")


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def _masked(text: str, a: int, b: int, echo: str | None) -> str:
    """``text`` with placeholders and echoed lines inside [a, b) blanked (same length, same offsets)."""
    seg = text[a:b]
    spans: list[tuple[int, int]] = []
    for rx in _PLACEHOLDERS:
        spans.extend(m.span() for m in rx.finditer(seg))
    if echo and echo.strip():
        said = _norm(echo)
        whole = {_norm(line) for line in echo.splitlines()}

        def echoed(n: str) -> bool:
            # a whole line of the prompt, or a long fragment of one; a short fragment ("Rating: [[5]]" from
            # 'for example: "Rating: [[5]]"') is what the judge was asked to write, so it stays
            return len(n) >= 12 and (n in whole or (len(n) >= 40 and n in said))

        pos = 0
        for line in seg.split("\n"):
            if echoed(_norm(line)):
                spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        for m in _QUOTED.finditer(seg):
            if echoed(_norm(m.group(1) or m.group(2))):
                spans.append(m.span())
    if not spans:
        return text
    spans.sort()
    out, last = [text[:a]], 0
    for s, e in spans:
        if e <= last:
            continue
        s = max(s, last)
        out.append(seg[last:s])
        out.append(" " * (e - s))
        last = e
    out.append(seg[last:])
    out.append(text[b:])
    return "".join(out)


# ----------------------------------------------------------------------------------------- candidates


@dataclass
class _Cand:
    tier: int
    how: str
    value: Any
    label: str | None
    span: tuple[int, int]
    marker: tuple[int, int]
    error: str = ""
    final: bool = False
    qual: str = ""
    shown: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return ("error", self.error) if self.error else ("value", repr(self.value))


_FINAL_WORDS = re.compile(r"\b(?:final|overall|total|in\s+conclusion|conclusion)\b", re.I)
_CUE = re.compile(
    r"\b(?:actually|revis\w*|reconsider\w*|on~+second~+thought|on~+(?:further~+)?reflection|"
    r"upon~+(?:further~+)?(?:reflection|review)|correct(?:ion|ed|ing)|updat\w*|adjust\w*|instead|wait|"
    r"after~+(?:further~+)?(?:consideration|review)|chang(?:e|ing)~+(?:my|the|it))\b".replace("~", _H),
    re.I,
)
_STOP = set(
    "the my a an your its this that our final overall total revised updated corrected new initial i we would "
    "so thus therefore hence and then score rating grade give it is of for be as here my to in on with".split()
)


def _line_prefix(work: str, lo: int, pos: int, cut: str) -> str:
    """The text before ``pos`` on its line (at most 80 characters), after the last of ``cut``."""
    start = max(lo, pos - 80, work.rfind("\n", max(lo, pos - 80), pos) + 1)
    prefix = work[start:pos]
    for ch in cut:
        i = prefix.rfind(ch)
        if i >= 0:
            prefix = prefix[i + 1 :]
    return prefix


def _qualifier(prefix: str) -> str:
    words = re.findall(r"[A-Za-z0-9']+", prefix)
    kept = [w for w in words if (len(w) == 1 and (w.isupper() or w.isdigit())) or w.lower() not in _STOP]
    return " ".join(w.lower() for w in kept[-4:])


def _finish(c: _Cand, work: str, lo: int, subj: str | None = None) -> _Cand:
    """Mark a candidate final (its line calls it final) and give it its qualifier (what it scores)."""
    prefix = _line_prefix(work, lo, c.marker[0], ".!?;")
    marker_text = work[c.marker[0] : c.span[0]]
    if _FINAL_WORDS.search(prefix) or _FINAL_WORDS.search(marker_text):
        c.final = True
    if subj is not None:
        c.qual = _qualifier(subj)
    else:
        c.qual = _qualifier(_line_prefix(work, lo, c.marker[0], ".!?;,|"))
    return c


def _dedupe(cands: list[_Cand]) -> list[_Cand]:
    seen: dict[tuple[int, int], _Cand] = {}
    for c in cands:
        old = seen.get(c.span)
        if old is None:
            seen[c.span] = c
        elif c.tier < old.tier:
            c.final = c.final or old.final
            seen[c.span] = c
        else:
            old.final = old.final or c.final
    return sorted(seen.values(), key=lambda c: c.span)


# ---------------------------------------------------------------------------------------------- JSON

_JSON_TOKEN = re.compile(r"[{}\[\]\"\\]")
_PY_LITERAL = {"True": "true", "False": "false", "None": "null"}


def _json_segments(s: str) -> list[tuple[int, int]]:
    """Maximal balanced ``{...}`` / ``[...]`` segments of ``s`` (string-aware), in order."""
    stack: list[tuple[str, int]] = []
    found: list[tuple[int, int]] = []
    in_str = False
    escape_at = -2
    for m in _JSON_TOKEN.finditer(s):
        ch, i = m.group(), m.start()
        if in_str:
            if ch == "\\":
                if escape_at != i - 1:
                    escape_at = i
            elif ch == '"' and escape_at != i - 1:
                in_str = False
            continue
        if ch == '"':
            if stack:
                in_str = True
        elif ch in "{[":
            stack.append((ch, i))
        elif ch in "}]" and stack:
            want = "{" if ch == "}" else "["
            if stack[-1][0] == want:
                _, start = stack.pop()
                while found and found[-1][0] > start:
                    found.pop()
                found.append((start, i + 1))
            else:
                stack.clear()
    return found


def _lenient_loads(s: str) -> Any:
    try:
        return json.loads(s)
    except (ValueError, RecursionError):
        pass
    # trailing commas, // and /* */ comments and Python literals, outside strings
    out, i, n = [], 0, len(s)
    for m in re.finditer(
        r'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])|\b(?:True|False|None)\b|//[^\n]*|/\*.*?\*/', s, re.S
    ):
        out.append(s[i : m.start()])
        tok = m.group()
        out.append(tok if tok.startswith('"') else _PY_LITERAL.get(tok, ""))
        i = m.end()
    out.append(s[i:n])
    try:
        return json.loads("".join(out))
    except (ValueError, RecursionError):
        pass
    if "'" not in s or len(s) > 100_000:
        return None
    # a Python dict written with single quotes: {'score': 4}
    text = re.sub(r"\b(?:true|false|null)\b", lambda m: m.group().capitalize().replace("Null", "None"), s)
    try:
        data = ast.literal_eval(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        return None
    return data if isinstance(data, (dict, list)) else None


def _json_last(s: str) -> tuple[Any, int, int] | None:
    """The last complete JSON object/array in ``s`` and its offsets; an object, or an array holding
    objects/arrays, beats an array of plain scalars (a citation like ``[1]``)."""
    fallback = None
    segments = _json_segments(s)
    for tries, (start, end) in enumerate(reversed(segments)):
        if tries >= 2000:
            break
        data = _lenient_loads(s[start:end])
        if data is None:
            continue
        if isinstance(data, dict) or (
            isinstance(data, list) and any(isinstance(x, (dict, list)) for x in data)
        ):
            return data, start, end
        if fallback is None and isinstance(data, list) and data:
            fallback = (data, start, end)
    return fallback


def parse_json(text: str) -> Any | None:
    """The last complete top-level JSON object or array in the final answer, or None.

    Lenient: code fences and prose around it, trailing commas, Python's True/False/None. An array of
    plain scalars counts only when no object is present.
    """
    region = final_region(text)
    if region is None:
        return None
    found = _json_last(text[region[0] : region[1]])
    return found[0] if found else None


def _json_value_span(work: str, lo: int, start: int, end: int, key: str) -> tuple[int, int] | None:
    """Where the value of ``"key":`` starts and ends inside the JSON at work[lo+start : lo+end]."""
    m = re.compile(r"[\"']" + re.escape(key) + r"[\"']\s*:\s*").search(work, lo + start, lo + end)
    if not m:
        return None
    v = re.compile(r"\"([^\"\n]*)\"|'([^'\n]*)'|-?\d+(?:\.\d+)?|true|false|null|none", re.I).match(
        work, m.end(), lo + end
    )
    if not v:
        return None
    for g in (1, 2):
        if v.group(g) is not None:
            return v.span(g)
    return v.span()


def _find_key(data: Any, keys: Sequence[str]) -> tuple[str, Any, bool] | None:
    """The first of ``keys`` in a dict (case-insensitive; one level down too): (key as written, value,
    final-key?)."""
    if not isinstance(data, dict):
        return None
    lower = {str(k).lower(): k for k in data}
    for k in keys:
        if k in lower:
            real = lower[k]
            return str(real), data[real], k.startswith(("final", "overall", "total"))
    for v in data.values():
        if isinstance(v, dict):
            found = _find_key(v, keys)
            if found:
                return found
    return None


# --------------------------------------------------------------------------------------- vocabularies

_NUM = r"(?<![\w./])(?P<tok>\d{1,6}(?:\.\d{1,6})?|\.\d{1,6})(?![\w%]|\.\d)(?!~*(?:-|–|—|to\b)~*\d)"
_DEN = r"(?:~*(?:/|⁄|out~+of)~*(?P<den>\d{1,6}(?:\.\d{1,6})?)(?![\d/]))"
_SCORE_WORDS = (
    r"(?:score|rating|grade|mark|result|verdict|[ée]valuation|assessment|punktzahl|bewertung|"
    r"puntuaci[óo]n|calificaci[óo]n|puntaje|punteggio|valutazione|pontua[çc][ãa]o)"
)
_QUALS = r"(?:final|overall|total|revised|updated|corrected|new)"
_SEP = r"(?:[:：=]|is(?:~*:)?|of|(?:would|should|will)~+be(?:~*:)?|[-–—])"
_OPEN_DECOR = r"(?:~|\*\*|__|[\[(]){0,12}(?:\n(?:~|\*\*|__|[\[(]){0,12})?"

_SCORE_LABEL = (
    r"(?<![\w])(?:" + _QUALS + r"~+)?(?:" + _SCORE_WORDS + r"|(?:overall|final|total))(?![\w])"
    r"(?:~+(?:for|of)~+(?P<subj>[^\W\d][^:=\n]{0,39}?)~*(?:\*\*|__)?~*(?:[:：=]|is\b)"
    r"|(?:~*\([^()\n]{0,30}\))?~*(?:\*\*|__)?~*" + _SEP + r")" + _OPEN_DECOR
)
_OBJ = r"(?:it|this|that|the~+(?:response|answer|output|submission|assistant)|this~+(?:response|answer|output|submission))"
_RATE = (
    r"(?<![\w])(?:(?:rate|grade|score)~+" + _OBJ + r"~+(?:as~+|at~+)?(?:an?~+|a~+score~+of~+)?"
    r"|(?:give|assign|award)s?~+" + _OBJ + r"~+(?:an?~+)?(?:(?:score|rating|grade)~+of~+)?"
    r"|(?:deserves|earns|merits|warrants)~+(?:an?~+(?:(?:score|rating|grade)~+of~+)?|(?:score|rating|grade)~+of~+))"
)
# G-Eval style "Coherence: 4": a named quality dimension, read only when nothing but punctuation or an
# explanation after a dash follows the number ("Accuracy: 3 errors" is not a score)
_ASPECT = (
    r"(?<![\w])(?:\*\*|__)?(?P<subj>coherence|consistency|fluency|relevance|relevancy|helpfulness|harmlessness|"
    r"honesty|accuracy|correctness|clarity|completeness|conciseness|faithfulness|groundedness|factuality|"
    r"engagingness|naturalness|informativeness)~*(?:\*\*|__)?~*[:：=]~*(?:\*\*|__)?~*[\[(]?~*"
)
_OK_AFTER = set(
    "points point pts stars star overall because since as for due given but and with on in from is which this "
    "the it i here based considering reflecting score rating so thus therefore".split()
)
_BAD_BEFORE = set(
    "step steps item items question questions part parts criterion criteria line lines page pages problem "
    "problems task tasks test tests case cases example examples section sections requirement requirements "
    "passed solved answered got completed fixed covered addressed".split()
)


_MARK = r"(?:[✅❌✓✔✗✘☑❎]\ufe0f?~*(?:\*\*|__)?~*)?"  # a check mark written before the label


class _Vocab:
    """How to find and read verdicts of one kind (a score scale, choices, met)."""

    kind = "verdict"

    def collect(self, work: str, a: int, b: int) -> list[_Cand]:
        raise NotImplementedError


def _add(
    out: list[_Cand],
    tier: int,
    how: str,
    m: re.Match[str],
    a: int,
    resolved: tuple[Any, str | None, str],
    group: str = "tok",
) -> _Cand:
    value, label, error = resolved
    c = _Cand(
        tier, how, value, label, (a + m.start(group), a + m.end(group)), (a + m.start(), a + m.end()), error
    )
    c.shown = m.group(group) + (f"/{m.group('den')}" if "den" in m.re.groupindex and m.group("den") else "")
    out.append(c)
    return c


class _ScoreVocab(_Vocab):
    kind = "score"

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        if scale.numeric:
            tok, den = _NUM, _DEN + "?"
        else:
            alts = sorted(scale.labels, key=len, reverse=True)
            tok = (
                r"(?<![\w])(?P<tok>"
                + "|".join(r"\s+".join(map(re.escape, x.split())) for x in alts)
                + r")(?![\w])"
            )
            tok += r"(?=~*(?:[.,;:!?)\]}\"'”*_`\n]|$|—|–|-)|~+(?:because|since|as|the|it|this)\b)"
            den = ""
        self.tok = tok
        words = (
            _SCORE_WORDS
            if scale.numeric
            else (
                r"(?:answer|verdict|judge?ment|decision|result|conclusion|label|classification|assessment|"
                r"evaluation|score|rating|grade|status|met|satisfied|correct)"
            )
        )
        label = _SCORE_LABEL.replace(_SCORE_WORDS, words) if not scale.numeric else _SCORE_LABEL
        m = re.MULTILINE
        self.tier1 = [
            ("result_tag", _rx(r"\[~*RESULT~*\]~*[:：]?~*(?:\*\*)?~*[\[(]?~*" + tok + den)),
            ("double_bracket", _rx(r"\[\[~*" + tok + den + r"~*\]\]")),
            ("boxed", _rx(r"\\(?:boxed|fbox)\{~*(?:\\text\{~*)?" + tok + den + r"~*\}?~*\}")),
            ("score_label" if scale.numeric else "answer_label", _rx(label + tok + den + r"(?!~*:(?!\d))")),
            (
                "table",
                _rx(
                    r"^[ \t]{0,40}\|[ \t*]{0,40}(?:(?:final|overall|total)~*)?(?:score|rating|grade|verdict|answer)?"
                    r"[ \t*]{0,40}\|[ \t*]{0,40}" + tok + den + r"[ \t*]{0,40}\|",
                    m,
                ),
            ),
        ]
        if scale.numeric:
            self.tier1.append(("rate_phrase", _rx(_RATE + tok + den)))
            self.tier1.append(("aspect_label", _rx(_ASPECT + tok + den + r"(?=~*(?:$|[-–—(.,;|*_]))", m)))
        self.bold = _rx(r"(?:\*\*|__)~*" + tok + den + r"~*[.!]?~*(?:\*\*|__)")
        if scale.numeric:
            self.out_of = _rx(tok + r"~+out~+of~+(?P<den>\d{1,6}(?:\.\d{1,6})?)(?![\d/.]\d)")
            self.fraction = _rx(tok + r"~*[/⁄]~*(?P<den>\d{1,6}(?:\.\d{1,6})?)(?![\d/]|\.\d)")
            self.question = None
        else:
            self.question = _rx(r"\?~*(?:\*\*|__)?~*" + tok)
        self.line = _rx(
            r"^~*(?:[#>*_`]~*)*" + _MARK + r"[(\[]?~*" + tok + den + r"~*[)\]]?~*[.!]?~*[*_`]*~*$", m
        )
        self.leading = None if scale.numeric else _rx(r"\A\s*(?:[#>*_`\[(]~*)*" + _MARK + tok)
        self.trailing = None if scale.numeric else _rx(r"(?:[:：—–(\[]|~-|->|→|=>)~*(?:\*\*|__)?" + tok)
        self.subject = _rx(
            r"(?<![\w])(?:response|assistant|output|answer|model|candidate|submission)~*(?P<s>[A-D1-9](?![\w])|\([a-d1-9]\))"
            r"(?:'s)?~*(?:\*\*|__)?~*(?:score|rating|grade)?~*(?:\*\*|__)?~*[:：=\-–—]~*(?:\*\*|__)?~*[\[(]?~*"
            + _NUM
        )

    def resolve(self, tok: str, den: str | None) -> tuple[Any, str | None, str]:
        sc = self.scale
        if not sc.numeric:
            key = _norm(tok)
            for lab, val in zip(sc.labels, sc.values, strict=True):
                if _norm(lab) == key:
                    return val, lab, ""
            return None, None, f"{tok!r} is not a label of the {sc.name} scale"
        x = float(tok)
        top = sc._top_number()
        if den is not None and float(den) != top:
            return (
                None,
                None,
                f"score {tok}/{den} is not on the {sc.name} scale (expected a score out of {_fmt(top)})",
            )
        if sc.continuous:
            if sc.low <= x <= sc.high:
                return x, tok, ""
            return None, None, f"score {tok} is outside the {sc.name} scale"
        for lab, val in zip(sc.labels, sc.values, strict=True):
            if float(lab) == x:
                return val, lab, ""
        nums = [float(lab) for lab in sc.labels]
        if min(nums) <= x <= max(nums):
            return None, None, f"score {tok} is not one of the labels of the {sc.name} scale"
        return None, None, f"score {tok} is outside the {sc.name} scale"

    def _res(self, m: re.Match[str]) -> tuple[Any, str | None, str]:
        den = m.group("den") if "den" in m.re.groupindex else None
        return self.resolve(m.group("tok"), den)

    def collect(self, work: str, a: int, b: int) -> list[_Cand]:
        seg = work[a:b]
        out: list[_Cand] = []
        for how, rx in self.tier1:
            for m in rx.finditer(seg):
                if how == "table" and not re.search(r"[a-z]", m.group()[: m.start("tok") - m.start()], re.I):
                    continue
                c = _add(out, 1, how, m, a, self._res(m))
                if how == "result_tag":
                    c.final = True
                subj = m.group("subj") if "subj" in m.re.groupindex else None
                _finish(c, work, a, subj)
        self._json(seg, a, out)
        for m in self.bold.finditer(seg):
            _finish(_add(out, 2, "bold", m, a, self._res(m)), work, a)
        if self.scale.numeric:
            for how, rx in (("out_of", self.out_of), ("fraction", self.fraction)):
                for m in rx.finditer(seg):
                    if self._count_like(seg, m):
                        continue
                    _finish(_add(out, 3, how, m, a, self._res(m)), work, a)
        else:
            assert self.question is not None
            for m in self.question.finditer(seg):
                _finish(_add(out, 3, "question_answer", m, a, self._res(m)), work, a)
            self._extra(seg, a, out, work)
        lines = list(self.line.finditer(seg))
        for i, m in enumerate(lines):
            how = "final_line" if i == len(lines) - 1 and not seg[m.end() :].strip() else "bare_line"
            _finish(_add(out, 4, how, m, a, self._res(m)), work, a)
        if self.trailing is not None:
            for m in self.trailing.finditer(seg):
                _finish(_add(out, 3, "trailing", m, a, self._res(m)), work, a)
        if self.leading is not None:
            m = self.leading.match(seg)
            if m:
                _finish(_add(out, 4, "leading", m, a, self._res(m)), work, a)
        return out

    def _extra(self, seg: str, a: int, out: list[_Cand], work: str) -> None:
        """Hook for more tier-3 patterns (met sentences)."""

    def _count_like(self, seg: str, m: re.Match[str]) -> bool:
        """'3/5 steps', 'passed 4 out of 5 tests': a count, not a score."""
        after = re.match(r"~*([A-Za-z]+)".replace("~", _H), seg[m.end() : m.end() + 40])
        if after and after.group(1).lower() not in _OK_AFTER:
            return True
        before = re.search(r"([A-Za-z]+)~*$".replace("~", _H), seg[max(0, m.start() - 40) : m.start()])
        return bool(before and before.group(1).lower() in _BAD_BEFORE)

    _JSON_KEYS_NUM = (
        "score",
        "rating",
        "grade",
        "value",
        "result",
        "final_score",
        "overall_score",
        "total_score",
        "overall",
        "final_rating",
        "overall_rating",
        "points",
    )
    _JSON_KEYS_LABEL = (
        "answer",
        "verdict",
        "judgement",
        "judgment",
        "decision",
        "result",
        "label",
        "final_answer",
        "final_verdict",
        "classification",
        "score",
        "rating",
        "grade",
        "met",
        "passed",
        "pass",
        "correct",
        "is_correct",
        "value",
        "output",
    )

    def _json(self, seg: str, a: int, out: list[_Cand]) -> None:
        found = _json_last(seg)
        if found is None:
            return
        data, js, je = found
        keys = self._JSON_KEYS_NUM if self.scale.numeric else self._JSON_KEYS_LABEL
        hit = _find_key(data, keys)
        if hit is None:
            return
        key, raw, final = hit
        span = _json_value_span(seg, 0, js, je, key)
        span = (a + span[0], a + span[1]) if span else (a + js, a + je)
        value, label, error = self._json_value(raw)
        shown = seg[span[0] - a : span[1] - a]
        if isinstance(raw, bool):
            label = shown if not error else label
        out.append(_Cand(1, "json", value, label, span, (a + js, a + je), error, final, "", shown))

    def _json_value(self, raw: Any) -> tuple[Any, str | None, str]:
        sc = self.scale
        if isinstance(raw, bool):
            if not sc.numeric and set(sc.values) == {0.0, 1.0}:
                val = sc.high if raw else sc.low
                lab = sc.labels[sc.values.index(val)]
                return val, lab, ""
            return None, None, f"JSON verdict {json.dumps(raw)} is not on the {sc.name} scale"
        if isinstance(raw, (int, float)):
            return (
                self.resolve(repr(raw) if isinstance(raw, float) else str(raw), None)
                if sc.numeric
                else (None, None, f"JSON verdict {raw!r} is not a label of the {sc.name} scale")
            )
        if isinstance(raw, str):
            text = raw.strip()
            if sc.numeric:
                m = re.fullmatch(
                    r"\s*(\d{1,6}(?:\.\d{1,6})?|\.\d{1,6})\s*(?:(?:/|out\s+of)\s*(\d{1,6}(?:\.\d{1,6})?))?\s*",
                    text,
                )
                if m:
                    return self.resolve(m.group(1), m.group(2))
            else:
                for lab, val in zip(sc.labels, sc.values, strict=True):
                    if _norm(lab) == _norm(text.strip(".!*")):
                        return val, lab, ""
        return None, None, f"JSON verdict {raw!r} is not on the {sc.name} scale"


_MET_POS = (
    "met",
    "yes",
    "true",
    "pass",
    "passed",
    "satisfied",
    "fulfilled",
    "achieved",
    "correct",
    "✓",
    "✔",
    "✅",
)
_MET_NEG = (
    "not met",
    "unmet",
    "no",
    "false",
    "fail",
    "failed",
    "not satisfied",
    "unsatisfied",
    "not fulfilled",
    "unfulfilled",
    "not achieved",
    "incorrect",
    "✗",
    "✘",
    "❌",
)
_MET_SCALE = Scale(_MET_POS + _MET_NEG, (1.0,) * len(_MET_POS) + (0.0,) * len(_MET_NEG))
_MET_SENTENCES = [
    (
        False,
        _rx(
            r"\b(?:criterion|requirement|condition|rubric~+item|it)~+(?:is|was|has~+been)~+(?P<tok>not~+(?:\w+~+)?(?:met|satisfied|fulfilled))\b"
        ),
    ),
    (
        True,
        _rx(
            r"\b(?:criterion|requirement|condition|rubric~+item|it)~+(?:is|was|has~+been)~+(?:fully~+|clearly~+)?(?P<tok>met|satisfied|fulfilled)\b"
        ),
    ),
    (
        False,
        _rx(
            r"(?P<tok>\b(?:does~+not|doesn't|did~+not|didn't|fails~+to|failed~+to)~+(?:fully~+)?(?:meet|satisfy|fulfil+))\b"
        ),
    ),
    (True, _rx(r"(?<!not~)(?<!n't~)(?P<tok>\b(?:meets|satisfies|fulfil+s))~+(?:the|this|all|each|every)\b")),
    (False, _rx(r"\b(?:criterion|requirement|condition)~+(?P<tok>not~+(?:met|satisfied|fulfilled))\b")),
    (True, _rx(r"\b(?:criterion|requirement|condition)~+(?P<tok>met|satisfied|fulfilled)\b")),
]
# "whether the criterion is met", "if it satisfies the ...": a condition, not a verdict
_MET_CONDITION = _rx(r"\b(?:if|whether|unless)\W+(?:[\w']+\W+){0,2}$")


class _MetVocab(_ScoreVocab):
    kind = "verdict"

    def __init__(self) -> None:
        super().__init__(_MET_SCALE)

    def _extra(self, seg: str, a: int, out: list[_Cand], work: str) -> None:
        for value, rx in _MET_SENTENCES:
            for m in rx.finditer(seg):
                tok = m.group("tok")
                if _MET_CONDITION.search(seg, max(0, m.start() - 40), m.start()):
                    continue
                if value and re.search(
                    r"\b(?:partially|partly|not)\b", seg[max(0, m.start() - 12) : m.start()], re.I
                ):
                    continue
                if not value or not re.search(r"partially|partly", tok, re.I):
                    c = _Cand(
                        3,
                        "sentence",
                        float(value),
                        tok,
                        (a + m.start("tok"), a + m.end("tok")),
                        (a + m.start(), a + m.end()),
                    )
                    c.shown = tok
                    out.append(_finish(c, work, a))

    def _json(self, seg: str, a: int, out: list[_Cand]) -> None:
        before = len(out)
        super()._json(seg, a, out)
        if len(out) == before:
            found = _json_last(seg)
            if found and isinstance(found[0], dict):
                hit = _find_key(found[0], ("is_met", "satisfied", "fulfilled", "met_criterion"))
                if hit and isinstance(hit[1], (bool, int)):
                    span = _json_value_span(seg, 0, found[1], found[2], hit[0])
                    if span:
                        sp = (a + span[0], a + span[1])
                        out.append(
                            _Cand(
                                1,
                                "json",
                                float(bool(hit[1])),
                                seg[span[0] : span[1]],
                                sp,
                                sp,
                                shown=seg[span[0] : span[1]],
                            )
                        )


# ---------------------------------------------------------------------------------------------- choices

_CONDITION = re.compile(r"\b(?:if|whether|when|unless)\W*$", re.I)
_NOUN = (
    r"(?:response|assistant|output|answer|model|candidate|option|completion|summary|submission|system|choice)"
)
_TIE_WORDS = r"(?:tie|draw|equal|equally~+good|even|both~+(?:are~+)?equal(?:ly~+good)?)"


class _ChoiceVocab(_Vocab):
    kind = "choice"

    def __init__(self, choices: Sequence[str], tie: bool) -> None:
        if isinstance(choices, str) or len(choices) < 2:
            raise ConfigError(f"choices: need at least two choices, e.g. ('A', 'B') (got {choices!r})")
        self.choices = tuple(str(c).strip() for c in choices)
        folded = [c.casefold() for c in self.choices]
        if len(set(folded)) != len(folded) or any(not c for c in self.choices):
            raise ConfigError(
                f"choices: must be non-empty and distinct ignoring case (got {list(choices)!r}); rename "
                "labels that differ only in case (AlpacaEval's 'm'/'M') before parsing"
            )
        self.tie = tie
        self.ab = folded == ["a", "b"]
        alts = "|".join(re.escape(c) for c in sorted(self.choices, key=len, reverse=True))
        ch = r"(?<![\w])(?:\(~*)?(?P<tok>" + alts + r")(?:~*\))?(?![\w])"
        self.ch = ch
        tie_tok = r"(?<![\w])(?P<tok>" + _TIE_WORDS + r")(?![\w])"
        cmp_ = r"(?<![\w])(?P<l>" + alts + r")~*(?P<op>>>|>|=|<<|<|≫|≪|≥|≤)~*(?P<r>" + alts + r")(?![\w])"
        c_tie = r"(?P<tok>C)" if self.ab else None
        m = re.MULTILINE
        self.pats: list[tuple[int, str, re.Pattern[str], str]] = []  # tier, how, regex, kind
        for body, kind in ((ch, "ch"), (tie_tok, "tie"), (cmp_, "cmp")):
            self.pats.append(
                (1, "double_bracket", _rx(r"\[\[~*(?:" + _NOUN + r"~*)?" + body + r"~*\]\]"), kind)
            )
            self.pats.append(
                (
                    1,
                    "boxed",
                    _rx(r"\\boxed\{~*(?:\\text(?:bf)?\{~*)?(?:" + _NOUN + r"~*)?" + body + r"~*\}?~*\}"),
                    kind,
                )
            )
            self.pats.append(
                (
                    1,
                    "verdict_label",
                    _rx(
                        r"(?<![\w])(?:(?:final|overall|my)~+)?(?:verdict|answer|winner|choice|preference|decision|"
                        r"judge?ment|result|selection|conclusion|pick|(?:better|best|preferred|winning)~+"
                        r"(?:response|answer|output|one|assistant))(?![\w])(?:~*\([^()\n]{0,30}\))?~*(?:\*\*|__)?~*"
                        r"(?:[:：=]|is(?:~*:)?)~*(?:\*\*|__)?~*[\[\"'(]{0,2}~*(?:the~+)?(?:"
                        + _NOUN
                        + r"~*)?"
                        + body
                    ),
                    kind,
                )
            )
        if c_tie:
            self.pats.append((1, "double_bracket", _rx(r"\[\[~*" + c_tie + r"~*\]\]"), "c"))
        self.pats.append(
            (
                1,
                "output_paren",
                _rx(r"^~*(?:\*\*)?~*Output~*\((?P<tok>[a-z])\)~*(?:\*\*)?~*[.!]?~*$", m),
                "ch",
            )
        )
        self.pats.append((2, "bold", _rx(r"(?:\*\*|__)~*" + ch + r"~*[.!]?~*(?:\*\*|__)(?!~*:)"), "ch"))
        self.pats.append((2, "bold", _rx(r"(?:\*\*|__)~*" + tie_tok + r"~*[.!]?~*(?:\*\*|__)(?!~*:)"), "tie"))
        better = (
            r"(?:better|superior|preferred|preferable|stronger|best|the~+winner|more~+(?:helpful|accurate|correct|"
            r"complete|relevant|appropriate))"
        )
        self.pats += [
            (
                3,
                "sentence",
                _rx(
                    r"(?<![\w])(?:(?P<noun>"
                    + _NOUN
                    + r")~*)?"
                    + ch
                    + r"(?:'s~+\w+)?~+(?:is|was|seems|appears|"
                    r"performs|does|wins)(?:~+\w+){0,2}?~+" + better + r"(?![\w])"
                ),
                "ch",
            ),
            (3, "sentence", _rx(r"(?<![\w])(?:" + _NOUN + r"~*)?" + ch + r"(?:'s~+\w+)?~+wins\b"), "ch"),
            (
                3,
                "sentence",
                _rx(
                    r"(?<![\w])(?:better|best|preferred|superior|stronger|winning)~+(?:response|answer|output|"
                    r"assistant|one|choice|option)~+(?:is|would~+be)~+(?:clearly~+)?(?:the~+one~+from~+)?"
                    r"(?:the~+)?(?:(?P<noun>" + _NOUN + r")~*)?" + ch
                ),
                "ch",
            ),
            (
                3,
                "sentence",
                _rx(
                    r"(?<![\w])I~+(?:would~+|'d~+|will~+)?(?:prefer|choose|pick|select|go~+with|favou?r)~+"
                    r"(?:the~+)?(?:(?P<noun>" + _NOUN + r")~*)?" + ch
                ),
                "ch",
            ),
            (
                3,
                "sentence",
                _rx(
                    r"(?<![\w])(?P<tok>it(?:'s|~+is)~+a~+tie|(?:both|the~+two)~+(?:responses|answers|outputs|"
                    r"assistants)~+(?:are|were)~+(?:\w+~+){0,2}?(?:equally|equal|equivalent|the~+same|tied)|"
                    r"(?:neither|no)~+(?:response|answer|one|assistant)~+is~+(?:clearly~+)?better)"
                ),
                "tie",
            ),
        ]
        self.line = _rx(
            r"^~*(?:[#>*_`]~*)*(?:(?:final~+)?(?:answer|verdict|winner)~*[:：]~*)?(?:(?:the~+)?"
            + _NOUN
            + r"~*)?"
            r"(?:" + ch + r"|(?P<t2>" + _TIE_WORDS + r"))~*[.!]?~*[*_`]*~*$",
            m,
        )

    def resolve(self, tok: str, kind: str) -> tuple[Any, str | None, str]:
        if kind in ("tie", "c"):
            if not self.tie:
                what = "[[C]] (a tie in the MT-bench format)" if kind == "c" else f"a tie ({tok!r})"
                return None, tok, f"the judge declared {what}, but ties are not allowed here"
            return "tie", tok, ""
        key = tok.strip("() ").casefold()
        for c in self.choices:
            if c.casefold() == key:
                return c, c, ""
        return None, tok, f"{tok!r} is not one of the choices {', '.join(self.choices)}"

    def collect(self, work: str, a: int, b: int) -> list[_Cand]:
        seg = work[a:b]
        out: list[_Cand] = []
        for tier, how, rx, kind in self.pats:
            for m in rx.finditer(seg):
                if kind == "cmp":
                    left, op, right = m.group("l"), m.group("op"), m.group("r")
                    if op in ("=",) or left.casefold() == right.casefold():
                        res = self.resolve(f"{left}{op}{right}", "tie")
                        c = _Cand(
                            tier,
                            how,
                            res[0],
                            f"{left}{op}{right}",
                            (a + m.start("l"), a + m.end("r")),
                            (a + m.start(), a + m.end()),
                            res[2],
                        )
                    else:
                        g = "l" if op in (">>", ">", "≫", "≥") else "r"
                        res = self.resolve(m.group(g), "ch")
                        c = _Cand(
                            tier,
                            how,
                            res[0],
                            res[1],
                            (a + m.start(g), a + m.end(g)),
                            (a + m.start(), a + m.end()),
                            res[2],
                        )
                    c.shown = f"{left}{op}{right}"
                    out.append(_finish(c, work, a))
                    continue
                tok = m.group("tok")
                if how == "sentence" and _CONDITION.search(seg, max(0, m.start() - 12), m.start()):
                    continue  # a condition ("[[A]] if A is better"), not a verdict
                if how == "sentence" and kind == "ch" and len(tok) == 1 and tok.islower():
                    if not m.groupdict().get("noun") and "(" not in m.group():
                        continue  # "I prefer a response that ..." is not a choice
                if (
                    how == "sentence"
                    and kind == "ch"
                    and re.search(r"\b(?:not|n't|less|no|never|neither)\b", m.group(), re.I)
                ):
                    continue
                if how == "output_paren":
                    res = self.resolve(tok.upper() if tok.upper() in self.choices else tok, "ch")
                else:
                    res = self.resolve(tok, kind)
                _finish(_add(out, tier, how, m, a, res), work, a)
        lines = list(self.line.finditer(seg))
        for i, m in enumerate(lines):
            how = "final_line" if i == len(lines) - 1 and not seg[m.end() :].strip() else "bare_line"
            if how == "bare_line" and re.search(r"[a-z]{2}", m.group(), re.I):
                continue  # "**Response A**" above its notes is a heading, not a verdict
            if m.group("tok") is not None:
                _finish(_add(out, 4, how, m, a, self.resolve(m.group("tok"), "ch")), work, a)
            else:
                _finish(_add(out, 4, how, m, a, self.resolve(m.group("t2"), "tie"), "t2"), work, a)
        self._json(seg, a, out)
        return out

    _KEYS = (
        "winner",
        "choice",
        "preference",
        "preferred",
        "verdict",
        "final_verdict",
        "answer",
        "better",
        "better_response",
        "best",
        "best_response",
        "result",
        "decision",
        "selection",
        "label",
        "output",
    )

    def _json(self, seg: str, a: int, out: list[_Cand]) -> None:
        found = _json_last(seg)
        if found is None:
            return
        data, js, je = found
        hit = _find_key(data, self._KEYS)
        if hit is None or not isinstance(hit[1], str):
            return
        key, raw, final = hit
        vspan = _json_value_span(seg, 0, js, je, key)
        marker = (a + js, a + je)
        inner = seg[vspan[0] : vspan[1]] if vspan else raw
        off = vspan[0] if vspan else js
        m = _rx(r"^~*(?:the~+)?(?:" + _NOUN + r"~*)?" + self.ch + r"~*[.!]?~*$").match(inner)
        t = _rx(r"^~*(?P<tok>" + _TIE_WORDS + r"|C)~*[.!]?~*$").match(inner)
        if m:
            res = self.resolve(m.group("tok"), "ch")
            span = (a + off + m.start("tok"), a + off + m.end("tok"))
        elif t and (t.group("tok").upper() != "C" or self.ab):
            res = self.resolve(t.group("tok"), "c" if t.group("tok").upper() == "C" else "tie")
            span = (a + off + t.start("tok"), a + off + t.end("tok"))
        else:
            res = (None, raw, f"JSON verdict {raw!r} is not one of the choices {', '.join(self.choices)}")
            span = (a + off, a + off + len(inner))
        out.append(_Cand(1, "json", res[0], res[1], span, marker, res[2], final, "", raw))


# ---------------------------------------------------------------------------------------------- decide


def _decide(cands: list[_Cand], work: str, kind: str) -> _Cand | str:
    """The verdict among the candidates (see the module docstring), or why there is none."""
    cands = _dedupe(cands)
    top = min(c.tier for c in cands)
    tier = [c for c in cands if c.tier == top]
    finals = [c for c in tier if c.final]
    if finals:
        tier = finals
    if len({c.key for c in tier}) == 1:
        return tier[-1]
    if kind == "score":
        quals = {c.qual for c in tier if c.qual}
        if len(quals) >= 2:
            listed = ", ".join(f"{c.qual}: {c.shown}" for c in tier if c.qual)
            return f"several things scored ({listed}) and no single final score"
    last = tier[-1]
    prev = [c for c in tier if c.key != last.key][-1]
    if _CUE.search(work, prev.marker[1], last.marker[0]):
        return last
    if finals:
        return f"two different final {kind}s: {prev.shown} and {last.shown}"
    return last


def _read(text: str, echo: str | None, vocab: _Vocab, what: str) -> Parsed:
    region = final_region(text)
    if region is None:
        return Parsed(False, reason=_no_region_reason(text))
    a, b = region
    work = _masked(text, a, b, echo)
    cands = vocab.collect(work, a, b)
    if isinstance(vocab, _ScoreVocab) and vocab.scale.numeric:
        subjects = {
            re.sub(r"\W", "", m.group("s")).upper(): m.group("tok") for m in vocab.subject.finditer(work[a:b])
        }
        if len(subjects) >= 2:
            listed = ", ".join(f"{s}: {v}" for s, v in subjects.items())
            return Parsed(
                False,
                reason=f"the judge scored several responses ({listed}); a pointwise verdict needs one score",
            )
    if not cands:
        if work is not text and vocab.collect(text, a, b):
            return Parsed(
                False,
                reason=f"only the echoed template or a placeholder holds a {what}; the judge's own text has none",
            )
        if a > 0 and vocab.collect(text, 0, a):
            return Parsed(
                False, reason=f"no {what} in the final answer (the one in the <think> draft is never read)"
            )
        return Parsed(False, reason=f"no {what} in the final answer")
    chosen = _decide(cands, work, vocab.kind)
    if isinstance(chosen, str):
        return Parsed(False, reason=chosen)
    if chosen.error:
        return Parsed(False, None, chosen.label, chosen.span, chosen.how, chosen.error, marker=chosen.marker)
    return Parsed(True, chosen.value, chosen.label, chosen.span, chosen.how, marker=chosen.marker)


# ---------------------------------------------------------------------------------------------- public


def parse_score(text: str, scale: Scale | str, echo: str | None = None) -> Parsed:
    """The judge's score on ``scale`` from its final answer (value: the label's float value)."""
    sc = Scale.of(scale)
    what = f"score on the {sc.name} scale" if sc.numeric else f"verdict ({'/'.join(sc.labels)})"
    return _read(text, echo, _ScoreVocab(sc), what)


def parse_choice(
    text: str, choices: Sequence[str] = ("A", "B"), tie: bool = True, echo: str | None = None
) -> Parsed:
    """The chosen one of ``choices`` (value: the choice as given, or ``"tie"`` when ``tie``).

    ``[[C]]`` is a tie only when the choices are A/B (MT-bench); with choices A-D it is C.
    """
    vocab = _ChoiceVocab(choices, tie)
    return _read(text, echo, vocab, f"choice ({', '.join(vocab.choices)}{', tie' if tie else ''})")


def parse_met(text: str, echo: str | None = None) -> Parsed:
    """One criterion's verdict: value True (met / yes / pass ...) or False (not met / no / fail ...);
    ``label`` is the verdict word as written."""
    parsed = _read(text, echo, _MetVocab(), "met / not met verdict")
    if not parsed.ok:
        return parsed
    return Parsed(
        True, bool(parsed.value), _label_at(text, parsed), parsed.span, parsed.how, marker=parsed.marker
    )


def _label_at(text: str, parsed: Parsed) -> str | None:
    if parsed.span is None:
        return parsed.label
    raw = text[parsed.span[0] : parsed.span[1]]
    return " ".join(raw.split()).lower() if raw else parsed.label


_VERDICT_BOOL = {_norm(w): True for w in _MET_POS} | {_norm(w): False for w in _MET_NEG}
_LIST_KEYS = (
    "criteria",
    "results",
    "verdicts",
    "items",
    "evaluations",
    "rubric",
    "checks",
    "assessments",
    "answers",
)
_ID_KEYS = ("id", "criterion", "criterion_id", "index", "number", "idx", "no", "n", "item")
_MET_KEYS = (
    "met",
    "verdict",
    "satisfied",
    "is_met",
    "pass",
    "passed",
    "result",
    "answer",
    "value",
    "status",
    "decision",
    "judgement",
    "judgment",
    "fulfilled",
)
_REASON_KEYS = ("reason", "explanation", "rationale", "justification", "comment", "note", "evidence", "why")


def _as_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        return _VERDICT_BOOL.get(_norm(raw.strip(" .!*")))
    return None


def _as_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        m = re.fullmatch(r"\s*(?:criterion|item|c)?\s*#?\s*(\d{1,4})\s*", raw, re.I)
        return int(m.group(1)) if m else None
    return None


def _criteria_json(text: str, work: str, a: int, b: int, n: int) -> dict[int, Parsed]:
    found = _json_last(work[a:b])
    if found is None:
        return {}
    data, js, je = found
    items: list[tuple[int | None, Any, Any, str | None]] = []  # id, raw verdict, reason, key used
    if isinstance(data, dict):
        listed = next(
            (data[k] for k in data if str(k).lower() in _LIST_KEYS and isinstance(data[k], list)), None
        )
        if listed is None:
            ids = {k: _as_id(k) for k in data}
            if ids and all(v is not None for v in ids.values()):
                for k, v in data.items():
                    if isinstance(v, dict):
                        hit = _find_key(v, _MET_KEYS)
                        reason = next((v[r] for r in v if str(r).lower() in _REASON_KEYS), "")
                        items.append((ids[k], hit[1] if hit else None, reason, hit[0] if hit else None))
                    else:
                        items.append((ids[k], v, "", str(k)))
            data = []
        else:
            data = listed
    if isinstance(data, list):
        for pos, item in enumerate(data, start=1):
            if isinstance(item, dict):
                id_ = next(
                    (
                        _as_id(item[k])
                        for k in item
                        if str(k).lower() in _ID_KEYS and _as_id(item[k]) is not None
                    ),
                    None,
                )
                hit = _find_key({k: v for k, v in item.items() if str(k).lower() in _MET_KEYS}, _MET_KEYS)
                reason = next((item[r] for r in item if str(r).lower() in _REASON_KEYS), "")
                items.append(
                    (
                        id_ if id_ is not None else pos,
                        hit[1] if hit else None,
                        reason,
                        hit[0] if hit else None,
                    )
                )
            else:
                items.append((pos, item, "", None))
    # spans: the k-th '"met": <value>' in the JSON text belongs to the k-th item that used that key
    spans: dict[int, tuple[int, int]] = {}
    by_key: dict[str, list[int]] = {}
    for i, (_, _, _, key) in enumerate(items):
        if key is not None:
            by_key.setdefault(key, []).append(i)
    for key, idxs in by_key.items():
        rx = re.compile(
            r"[\"']" + re.escape(key) + r"[\"']\s*:\s*(?:\"([^\"\n]*)\"|(true|false|\d+(?:\.\d+)?))", re.I
        )
        ms = list(rx.finditer(work, a + js, a + je))
        if len(ms) == len(idxs):
            for i, m in zip(idxs, ms, strict=True):
                g = 1 if m.group(1) is not None else 2
                spans[i] = m.span(g)
    out: dict[int, Parsed] = {}
    for i, (id_, raw, reason, _) in enumerate(items):
        if id_ is None or not 1 <= id_ <= n:
            continue
        verdict = _as_bool(raw)
        span = spans.get(i)
        label = text[span[0] : span[1]] if span else (str(raw) if raw is not None else None)
        if verdict is None:
            out[id_] = Parsed(
                False,
                None,
                label,
                span,
                "json",
                f"criterion {id_}: verdict {raw!r} is neither met nor not met",
            )
        else:
            out[id_] = Parsed(True, verdict, label, span, "json", note=str(reason or "").strip(), marker=span)
    return out


_CRIT_HEAD = _rx(
    r"^~*(?:[-*•>]~*)?(?:#{1,6}~*)?(?:\*\*|__)?~*(?:(?:criterion|criteria|item|requirement|check|c)~*#?~*(?P<id1>\d{1,3})"
    r"|#?(?P<id2>\d{1,3})(?=~*(?:\*\*|__)?~*[.):]))(?!\d)(?:~*\([^()\n]{0,60}\))?~*(?:\*\*|__)?~*[.):：\-–—]*~*(?:\*\*|__)?",
    re.MULTILINE,
)
_CHECKBOX = _rx(r"^~*(?:[-*•]~*)?\[(?P<box>[ xX✓✔✗✘])\]", re.MULTILINE)


def _criteria_lines(text: str, work: str, a: int, b: int, n: int) -> dict[int, Parsed]:
    seg = work[a:b]
    heads = [(int(m.group("id1") or m.group("id2")), m.end()) for m in _CRIT_HEAD.finditer(seg)]
    starts = [m.start() for m in _CRIT_HEAD.finditer(seg)]
    blocks: list[tuple[int, int, int]] = []  # id, start, end (offsets in seg)
    if heads:
        for i, (id_, body) in enumerate(heads):
            end = starts[i + 1] if i + 1 < len(starts) else len(seg)
            blocks.append((id_, body, end))
    else:
        boxes = list(_CHECKBOX.finditer(seg))
        for i, m in enumerate(boxes, start=1):
            end = boxes[i].start() if i < len(boxes) else len(seg)
            blocks.append((i, m.start(), end))
    vocab = _MetVocab()
    out: dict[int, Parsed] = {}
    for id_, s, e in blocks:
        if not 1 <= id_ <= n:
            continue
        box = _CHECKBOX.match(seg, s, e) or _rx(r"~*(?:\*\*|__)?~*\[(?P<box>[ xX✓✔✗✘])\]").match(seg, s, e)
        if box:
            mark = box.group("box")
            span = (a + box.start("box"), a + box.end("box"))
            note = _clean_note(text[a + box.end() : a + e])
            out[id_] = Parsed(
                True,
                mark not in " ✗✘",
                mark if mark.strip() else "[ ]",
                span,
                "checkbox",
                note=note,
                marker=(a + box.start(), a + box.end()),
            )
            continue
        cands = vocab.collect(work, a + s, a + e)
        if not cands:
            if id_ not in out:
                out[id_] = Parsed(False, reason=f"criterion {id_}: no met / not met verdict on its line")
            continue
        chosen = _decide(cands, work, "verdict")
        if isinstance(chosen, str):
            out[id_] = Parsed(False, reason=f"criterion {id_}: {chosen}")
        elif chosen.error:
            out[id_] = Parsed(
                False, None, chosen.label, chosen.span, chosen.how, f"criterion {id_}: {chosen.error}"
            )
        else:
            block = text[a + s : a + e]
            ms, me = chosen.marker[0] - a - s, chosen.marker[1] - a - s
            note = _clean_note(block[:ms] + " " + block[me:])
            p = Parsed(
                True, bool(chosen.value), None, chosen.span, chosen.how, note=note, marker=chosen.marker
            )
            out[id_] = Parsed(True, p.value, _label_at(text, p), p.span, p.how, note=note, marker=p.marker)
    return out


def _clean_note(s: str) -> str:
    s = re.sub(r"^[\s*_:;,.\-–—)\]]+", "", s.strip())
    s = re.sub(r"^(?:reason|explanation|rationale|justification|because)\s*[:\-–—]\s*", "", s, flags=re.I)
    s = re.sub(
        r"(?:^|\n)\s*(?:\*\*|__)?(?:verdict|met|answer|status)\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?=\n|$)",
        "\n",
        s,
        flags=re.I,
    )
    return re.sub(r"\s+", " ", s).strip(" *_-–—")


def parse_criteria(text: str, n: int, echo: str | None = None) -> list[Parsed]:
    """One Parsed per criterion 1..n: value True/False, ``label`` the verdict word, ``note`` the judge's
    reason. Reads JSON (``{"criteria": [{"id": 1, "met": true, "reason": ...}]}``, a list,
    ``{"1": "yes"}``), else numbered lines (``1. Met — ...``, ``Criterion 2: NOT MET because ...``,
    blocks with ``Verdict: Met``) or checkboxes (``- [x] ...``). A missing criterion is not ok."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"parse_criteria: n must be a positive number of criteria (got {n!r})")
    region = final_region(text)
    if region is None:
        return [Parsed(False, reason=_no_region_reason(text)) for _ in range(n)]
    a, b = region
    work = _masked(text, a, b, echo)
    found = _criteria_json(text, work, a, b, n)
    if not found:
        found = _criteria_lines(text, work, a, b, n)
    return [
        found.get(i) or Parsed(False, reason=f"no verdict for criterion {i} in the final answer")
        for i in range(1, n + 1)
    ]


_EXPLANATION_KEYS = (
    "explanation",
    "reasoning",
    "rationale",
    "feedback",
    "reason",
    "justification",
    "comment",
    "analysis",
)
_LABEL_ONLY = re.compile(
    r"[\W_]*(?:(?:my|the|final|overall|total)\s+)*(?:verdict|score|rating|grade|result|answer|winner|choice|decision|"
    r"judge?ment|evaluation|assessment|preference|met)?[\s:=*#_\-–—\[\]()]*",
    re.I,
)


def explanation(text: str, parsed: Parsed) -> str:
    """The judge's explanation: the final answer without the verdict marker (for a JSON verdict, its
    explanation/reasoning/feedback field), stripped; a leading ``Feedback:``/``Explanation:`` goes too."""
    region = final_region(text)
    if region is None:
        return ""
    a, b = region
    if parsed.how == "json":
        data = parse_json(text)
        hit = _find_key(data, _EXPLANATION_KEYS) if isinstance(data, dict) else None
        if hit and isinstance(hit[1], str):
            return hit[1].strip()
    body = text[a:b]
    if parsed.marker and a <= parsed.marker[0] <= parsed.marker[1] <= b:
        ms, me = parsed.marker[0] - a, parsed.marker[1] - a
        ls = body.rfind("\n", 0, ms) + 1
        le = body.find("\n", me)
        le = len(body) if le < 0 else le
        rest = body[ls:ms] + body[me:le]
        if len(rest) < 200 and _LABEL_ONLY.fullmatch(rest):
            body = body[:ls] + body[le:]
        else:
            body = body[:ms] + body[me:]
    body = re.sub(
        r"^\s*(?:#+\s*)?(?:\*\*)?(?:feedback|explanation|reasoning|rationale)(?:\*\*)?\s*:\s*(?:\*\*)?",
        "",
        body,
        flags=re.I,
    )
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip()


# ----------------------------------------------------------------------------------------- step index

_BOX_OPEN = re.compile(r"\\(?:boxed|fbox)\s*\{")
_INDEX_WRAPPERS = re.compile(r"\\(?:text|textbf|textrm|mathbf|mathrm|bf)\s*\{([^{}]*)\}")
_INDEX_NOISE = re.compile(r"\\[()\[\]]|[{}$]")
_INDEX = re.compile(r"^(?:(?:paragraph|step|index)[\s_#:]*)?([-\u2212]?)\s*(\d{1,6})$", re.I)


def _boxes(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Every ``\\boxed{...}`` between ``lo`` and ``hi`` with balanced braces: (start, end, content)."""
    out = []
    for m in _BOX_OPEN.finditer(text, lo, hi):
        depth, i = 1, m.end()
        while i < hi and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            out.append((m.start(), i, text[m.end() : i - 1]))
    return out


def parse_index(text: str, n: int, echo: str | None = None) -> Parsed:
    r"""The earliest wrong step a critic names (ProcessBench): the last non-empty ``\boxed{...}`` of the
    final answer, an integer in -1..n-1 where -1 says no step is wrong.

    Empty boxes are skipped (an echoed instruction ``\boxed{}``); ``\text{3}``, ``$3$``, ``paragraph 3``
    and a unicode minus are read. Anything else is not ok, with the reason: no box, a box with words or a
    fraction (``2.5``, ``none``), or an index out of range. ``echo`` is accepted for the judge engine's
    interface; boxes copied from the prompt are empty ones, already skipped.

    >>> parse_index("Paragraph 2 adds wrongly. \\boxed{2}", 4).value
    2
    >>> parse_index("All correct: \\boxed{-1}", 4).value
    -1
    >>> parse_index("\\boxed{two}", 4).reason
    "the boxed answer 'two' is not a paragraph index (an integer, -1 when no paragraph is wrong)"
    """
    del echo
    region = final_region(text)
    if region is None:
        return Parsed(False, reason=_no_region_reason(text))
    boxes = [b for b in _boxes(text, *region) if b[2].strip()]
    if not boxes:
        return Parsed(False, reason="no \\boxed{index} in the final answer")
    start, end, raw = boxes[-1]
    body = raw
    while _INDEX_WRAPPERS.search(body):  # \text{paragraph } 3, \textbf{2}: the words and digits inside
        body = _INDEX_WRAPPERS.sub(r"\1", body)
    body = " ".join(_INDEX_NOISE.sub(" ", body).split())  # $2$, \(2\), paragraph_{2}
    m = _INDEX.match(body)
    if m is None:
        return Parsed(
            False,
            label=raw,
            span=(start, end),
            reason=f"the boxed answer {raw.strip()!r} is not a paragraph index (an integer, -1 when no "
            "paragraph is wrong)",
        )
    value = int(m.group(2)) * (-1 if m.group(1) else 1)
    if not -1 <= value < n:
        return Parsed(
            False,
            label=raw,
            span=(start, end),
            reason=f"index {value} is out of range: the solution has {n} paragraph(s), 0..{n - 1} (or -1)",
        )
    return Parsed(True, value, raw.strip(), (start, end), "boxed", marker=(start, end))


__all__ = [
    "Parsed",
    "Scale",
    "explanation",
    "final_region",
    "parse_choice",
    "parse_criteria",
    "parse_index",
    "parse_json",
    "parse_met",
    "parse_score",
]
