"""Math answer verification: extract the final answer, normalise it, decide equivalence with the gold.

Three steps, each usable on its own::

    from rewardkit.verifiers.math import extract_answer, parse_answer, verify

    found = extract_answer(r"... so the area is $\\boxed{\\dfrac{3}{4}}$.")   # Extraction(text='\\dfrac{3}{4}', mode='boxed')
    verify(parse_answer("0.75", gold=True), parse_answer(found.text))   # True

Extraction reads free-form answers too: without a box or an answer marker, the last math span, LaTeX
written in prose, or the last number, whichever ends later. A gold is read like a response.

Equivalence is gold-guided and asymmetric: the gold's shape (number, set, tuple, interval, relation,
equation, matrix, choice letter) decides how the response is read, so a response listing several
candidates never matches a single gold, and a non-finite reading never matches anything. Plain numbers never touch sympy (exact fractions; relative tolerance only for decimals);
everything else is parsed by latex2sympy2-extended and compared structurally, with cheap numeric probing
before sympy's simplify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field

from rewardkit.errors import RewardkitError
from rewardkit.types import Sample, Score, gold_answer
from rewardkit.verifier import CPUVerifier, register

# ------------------------------------------------------------------------------------------ extraction


@dataclass(frozen=True)
class Extraction:
    text: str  # the answer as written (LaTeX or plain), before normalisation
    mode: str  # boxed | gsm8k | answer_is | answer_label | math_span | bare_latex | last_number | whole_response


_BOXED = re.compile(r"\\(?:boxed|fbox)\b\s*")
_GSM8K = re.compile(r"####")
_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|=)\s*:?", re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"\b(?:final answer|answer)[ \t*_]*[:：][ \t*_]*", re.IGNORECASE)  # anywhere
_A_LINE = re.compile(r"^[ \t>*#_]*A[ \t*_]*[:：][ \t*_]*", re.MULTILINE)  # GSM8K samples' "A: x" lines
# (pattern, rule name, a literal the text must hold for the pattern to be worth running)
_MARKERS = (
    (_GSM8K, "gsm8k", "####"),
    (_ANSWER_IS, "answer_is", "answer"),
    (_ANSWER_LABEL, "answer_label", "answer"),
    (_A_LINE, "answer_label", "a"),
)
# A bare number in prose: 1,234.5 | 1 234 (space-grouped thousands) | 2,74 (a decimal comma: the part after
# the comma is not a group of three) | 12, 1.5, 3/4 | .5
_NUMBER = re.compile(
    r"(?:(?<![\w.^_:])\d+(?::\d+|[ \t]+:[ \t]+\d+)+(?:\s*(?i:[ap]\.?m)\b\.?)?(?![\d:])"  # 12:30, 3:45 PM, 1:2:3
    r"|(?<![\w.^_,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)"
    r"|(?<![\w.^_,])-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?(?![\d,-]|\.\d)"
    r"|(?<![\w.^_,])-?\d+,(?:\d{1,2}|\d{4,})(?![\d,])"
    r"|(?<![\w.^_])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+(?!\w|\.\d)|/\d+)?"  # 12, 1.5, 3e4, 3/4
    r"|(?<![\w\d^_])-?\.\d+"
    r")(?:[ \t]*\\?%)?"  # 25%
)
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)|(?<=\s)(?:because|since|which|as)\s", re.IGNORECASE)
_DELIM = re.compile(
    r"\\\$|\$\$|\$|\\\[|\\\]|\\\(|\\\)|\\(begin|end)\{(equation|displaymath|math|align|gather)\*?\}"
)
_CLOSER = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}
_COMMANDS = re.compile(r"\\(?:text|mbox|mathrm|textbf|textit|operatorname)\s*\{[^{}]*\}|\\[a-zA-Z]+")
_PROSE = re.compile(r"(?<![a-zA-Z])[a-zA-Z]{2,}[,;]?\s+[a-zA-Z]{2,}(?![a-zA-Z])")


# A run of math tokens in prose: commands, numbers, brackets, operators and single letters
_BARE_TOKEN = (
    r"(?:\\[a-zA-Z]+|\\[{}]|\d+(?:\.\d+)?|[{}()\[\]^_+\-*/=<>!|≤≥≠≈,]|(?<![a-zA-Z])[a-zA-Z](?![a-zA-Z]))"
)
_BARE_RUN = re.compile(
    rf"(?<![\w\\])(?=[-(\[\\{{\d]|[a-zA-Z](?:\^|\([a-z]\))|[a-zA-Z][ \t]*(?:[-+*/=<>≤≥≠≈]|!=|\\[a-zA-Z]))"
    rf"{_BARE_TOKEN}(?:[ \t]*{_BARE_TOKEN})*"
)
# a relation with a variable on either side: "x >= 3", "3 < x", "2 <= x <= 5"
_STATED = re.compile(
    r"[a-zA-Z][ \t]*(?:[=<>≤≥≠≈]|!=)|(?:[<>≤≥≠]|\\[lg]eq?(?![a-zA-Z])|\\neq?(?![a-zA-Z]))[ \t]*=?[ \t]*[a-zA-Z]"
    r"|^[(\[].*,.*[)\]]$"  # a tuple or an interval: "(3, -2)", "[0, 1)"
)
_LOOSE_LETTERS = re.compile(r"(?<=[\d})])(?:[ \t]+[a-zA-Z](?:/[a-zA-Z]+)?)+$")  # "x = 5 a (day)", "5 m/s"
# a parenthetical remark after an answer: "(since y > 0)" holds no candidate
_REMARK = re.compile(
    r"\((?:since|because|as|for|where|when|note|i\.e\.|e\.g\.|which|assuming)\b[^()]*\)", re.I
)
# what joins two candidates into a hedge: "or" (and its variants) always; "and" or a comma only between
# candidates of one shape ("$1$ and $3$" are two values; "$60n = 360$ and $n = 6$" a step and its result)
_OR_JOIN = re.compile(
    r"[ \t,]*(?:\\quad|\\text\{)?[ \t(]*\b(?:or|and/or)(?:[ \t]+(?:possibly|perhaps|else|maybe|rather))?"
    r"(?:[ \t]*\\quad|[ \t]*\})?[ \t]*$",
    re.IGNORECASE,
)
_AND_JOIN = re.compile(r"[ \t]*,[ \t]*(?:and[ \t]+)?$|[ \t]+and[ \t]+$", re.IGNORECASE)
# a response that is nothing but a choice letter, yes/no, even/odd or a number word ("B", "**B**", "(B)",
# "Yes", "five"); any other lone word ("Hmm.", "nothing") is no answer at all
_WHOLE_RESPONSE = re.compile(
    r"[A-Za-z]|yes|no|true|false|even|odd|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty",
    re.IGNORECASE,
)
JOIN_WINDOW, MAX_CANDIDATES = 60, 32  # a joint is read in the last 60 characters; a hedge lists at most 32
_BETWEEN = re.compile(r"\bbetween[ \t]+$", re.IGNORECASE)
_ROWS_ENV = re.compile(r"\\begin\{(aligned|split|gathered|eqnarray\*?)\}(.*?)\\end\{\1\}", re.DOTALL)


def _last_row(rows: str) -> str:
    """The last row of a multi-line derivation (``x &= 3 + 4 \\\\ &= 7`` -> ``7``): the value it ends on."""
    last = [row for row in re.split(r"\\\\", rows) if row.strip()][-1:] or [""]
    return last[0].replace("&", "").strip().lstrip("=").strip()


def _math_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, contents) of every math span, in order: ``$$...$$``, ``\\[...\\]``, ``\\(...\\)``,
    ``$...$`` and the display environments, paired in one pass over the delimiters. A ``$`` pair whose
    contents read as prose is currency ("costs $5 and then $3"), not math: its second ``$`` opens anew. An
    opener never closed is skipped and the delimiters after it paired again (a few times at most)."""
    if "$" not in text and "\\" not in text:
        return []
    tokens = [
        (m.start(), m.end(), m.group(1) and f"{m.group(1)}{{{m.group(2)}}}" or m.group())
        for m in _DELIM.finditer(text)
    ]
    spans: list[tuple[int, int, str]] = []
    first, rescans = 0, 0
    while first < len(tokens):
        opener = None
        for i in range(first, len(tokens)):
            start, end, token = tokens[i]
            if token == "\\$":
                continue
            if opener is None:
                if token in _CLOSER or token.startswith("begin{"):
                    opener = i
                continue
            o_start, o_end, o_token = tokens[opener]
            closer = _CLOSER.get(o_token) or "end" + o_token[5:]
            if token != closer:
                continue
            body = text[o_end:start]
            if o_token == "$" and ("\n\n" in body or _PROSE.search(_COMMANDS.sub(" ", body))):
                opener = i  # currency: this "$" may open a real span
                continue
            if o_token in ("begin{align}", "begin{gather}"):
                body = _last_row(body)
            elif "\\begin{" in body:
                body = _ROWS_ENV.sub(lambda m: _last_row(m.group(2)), body)
            if body.strip(" $"):
                spans.append((o_start, end, body.strip()))
            opener = None
        if opener is None or rescans >= 8:
            break
        first, rescans = opener + 1, rescans + 1  # an opener never closed: pair what follows it again
    return spans


_BRACE = re.compile(r"\\?[{}]")


def _brace_pairs(text: str, offset: int = 0) -> dict[int, int]:
    """Index of each unescaped "{" -> index of its matching "}" (unbalanced ones left out), found in one
    pass over the braces of text[offset:]."""
    pairs, stack = {}, []
    for m in _BRACE.finditer(text, offset):
        token = m.group()
        if token == "{":
            stack.append(m.start())
        elif token == "}" and stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _brace_group(text: str, start: int) -> tuple[str, int] | None:
    """The contents of the {...} group opening at text[start], with nested braces; None if unbalanced."""
    close = _brace_pairs(text, start).get(start)
    return None if close is None else (text[start + 1 : close], close + 1)


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, contents) of every ``\\boxed{}`` / ``\\fbox{}`` (and ``\\boxed 5``), in order."""
    matches = list(_BOXED.finditer(text))
    pairs = _brace_pairs(text, matches[0].end()) if matches else {}
    found = []
    for m in matches:
        end = m.end()
        if end < len(text) and text[end] == "{":
            if end in pairs:
                found.append((m.start(), pairs[end] + 1, text[end + 1 : pairs[end]]))
        else:  # \boxed 5
            token = re.match(r"[^\s$]+", text[end:])
            if token:
                found.append((m.start(), end + token.end(), token.group(0)))
    return found


def _last_boxed(text: str, hedges: bool = True) -> str | None:
    """The last box, or the last two joined when "or", "and" or a comma lies between them (two candidates)."""
    boxes = [box for box in _boxes(text) if box[2].strip()]
    if not boxes:
        return None
    if hedges and len(boxes) > 1:
        between = text[boxes[-2][1] : boxes[-1][0]].replace("$", " ")
        if len(between) <= JOIN_WINDOW and (_OR_JOIN.fullmatch(between) or _AND_JOIN.fullmatch(between)):
            return f"{boxes[-2][2]}, {boxes[-1][2]}"  # "\boxed{2} or \boxed{3}", "\boxed{2}, \boxed{3}"
    return boxes[-1][2]


def _after_marker(rest: str) -> str:
    """The answer that follows a marker: its line trimmed to the end of the sentence, or the single math span
    in it; a marker that ends its line takes a display block on the next lines ("The answer is:\\n\\[...\\]")."""
    line = rest.split("\n", 1)[0]
    if not line.strip(" .*:") and rest.strip():
        spans = _math_spans(rest)
        if spans and not rest[: spans[0][0]].strip(" .*:\n"):
            return spans[0][2]
        return ""
    text = line.strip()
    end = _SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text
    spans = _math_spans(text)
    if len(spans) == 1 or (spans and spans[0][0] == 0 and len(_math_spans(sentence)) <= 1):
        return spans[0][2]
    return re.sub(r"\\?\$", "", sentence)  # "5 or 6", "$5$ or $6$": keep the hedge visible


def _span_shape(body: str) -> str:
    """value ("5"), assignment ("x = 5"), equation ("60n = 360") or relation ("x < 3"): spans are hedged
    alternatives only when they have the same shape."""
    if "=" in body:
        first = _split_top(body, "=")[0].strip()
        return "assignment" if _NAME.match(first) else "equation"
    return "relation" if re.search(r"[<>]|\\[lg]eq?(?![a-zA-Z])|\\neq?(?![a-zA-Z])", body) else "value"


def _is_display(text: str, start: int) -> bool:
    return text.startswith(("$$", "\\[", "\\begin"), start)


def extract_answer(text: str, mode: Literal["flexible", "strict"] = "flexible") -> Extraction | None:
    """Find the final answer in a free-form response.

    A ``<think>`` draft is skipped when text follows it. The last ``\\boxed{}``/``\\fbox{}`` wins;
    otherwise the last of the explicit markers — GSM8K ``#### x``, "the answer is x", an ``Answer: x``
    line — by position; and, in flexible mode only, the last math span (``$...$``, ``\\(...\\)``,
    ``\\[...\\]``, ``$$...$$``), LaTeX or a relation written in prose, or number outside math, whichever
    ends later, with the candidates a hedge joins to it ("$5$ or $6$"); last, a one-word response.
    """
    if "</think>" in text:  # a reasoning draft never holds the final answer when something follows it
        after = text.rsplit("</think>", 1)[1]
        text = after if after.strip() else text.replace("<think>", " ").replace("</think>", " ")
    boxed = _last_boxed(text)
    if boxed is not None:
        return Extraction(boxed.strip(), "boxed")
    lowered = text.lower()
    markers = [
        (m, name) for pattern, name, needle in _MARKERS if needle in lowered for m in pattern.finditer(text)
    ]
    for last, name in sorted(markers, key=lambda found: found[0].end(), reverse=True):
        found = _after_marker(text[last.end() :])
        if found.strip(" .*"):
            return Extraction(found.strip(), name)
    if mode != "flexible":
        return None
    text = text.replace("−", "-")
    pieces = _candidates(text)
    if not pieces:
        word = text.strip().strip("*_ .()[]")
        return Extraction(word, "whole_response") if _WHOLE_RESPONSE.fullmatch(word) else None
    return Extraction(_joined(pieces, text), pieces[-1].kind)


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    text: str
    kind: str  # math_span | bare_latex | last_number


def _candidates(text: str) -> list[_Piece]:
    """Every answer candidate outside markers, in order of where it ends: math spans, runs of LaTeX or
    relations written in prose, and the numbers outside both (parenthetical remarks left out)."""
    spans = _math_spans(text)
    pieces = [_Piece(start, end, body, "math_span") for start, end, body in spans]
    masked, last = [], 0
    for start, end, _ in spans:  # numbers inside math are the span's, never bare numbers
        masked += [text[last:start], " " * (end - start)]
        last = end
    prose = "".join([*masked, text[last:]])
    if "(" in prose:
        prose = _REMARK.sub(lambda m: " " * len(m.group()), prose)
    runs = []
    if "\\" in prose or any(c in prose for c in "=<>≤≥≠≈^(["):
        for found in _BARE_RUN.finditer(prose):
            run = _trimmed_run(found.group())
            if run and ("\\" in run or "^" in run or _STATED.search(run)):
                start = found.start() + found.group().find(run)
                runs.append(_Piece(start, start + len(run), run, "bare_latex"))
    pieces += runs
    covered = iter(runs)
    run = next(covered, None)
    for found in _NUMBER.finditer(prose):  # runs and numbers both come in order: one pass
        while run is not None and run.end <= found.start():
            run = next(covered, None)
        if run is None or found.start() < run.start:
            pieces.append(_Piece(found.start(), found.end(), found.group(), "last_number"))
    pieces.sort(key=lambda p: (p.end, -p.start))
    return pieces


def _trimmed_run(run: str) -> str | None:
    """A prose run as an answer: loose letters after its value dropped ("x = 5 a day"), dangling brackets
    trimmed; None when its brackets still do not balance."""
    run = _LOOSE_LETTERS.sub("", run.strip()).strip().rstrip("([{, \t").lstrip(")]}, \t")
    run = re.sub(r"\s*\\(?:text|mbox|mathrm|textbf)$", "", run)  # "\frac{14}{3} \text{ or } ...": the joint's
    braces = run.count("{") - run.count("\\{")
    if not run or len(_brace_pairs(run)) != braces or braces != run.count("}") - run.count("\\}"):
        return None
    opened = run.count("(") + run.count("[")  # [0, 1) closes with either
    return run if opened == run.count(")") + run.count("]") else None


def _joined(pieces: list[_Piece], text: str) -> str:
    """The last candidate, with the candidates a hedge joins to it ("$5$ or $6$", "x = 2 or x = 3",
    "either 3 or 4", "between 10 and 12"): several candidates never pass as their last one."""
    chosen = [pieces[-1]]
    ends = {p.end: p for p in pieces}
    while len(chosen) < MAX_CANDIDATES:
        offset = max(0, chosen[0].start - JOIN_WINDOW)
        before = text[offset : chosen[0].start]
        joint = _OR_JOIN.search(before) or _AND_JOIN.search(before)
        previous = ends.get(offset + joint.start()) if joint else None
        if joint is None or previous is None or previous.end > chosen[0].start:
            break
        if not _OR_JOIN.fullmatch(joint.group()):
            between = _BETWEEN.search(text[max(0, previous.start - JOIN_WINDOW) : previous.start])
            shape = _span_shape(chosen[0].text)
            if not between and (_span_shape(previous.text) != shape or shape == "equation"):
                break  # "$3 \times 4 = 12$ and $12 + 2 = 14$": steps of a computation, not candidates
            if _is_display(text, previous.start) or _is_display(text, chosen[0].start):
                break
        chosen.insert(0, previous)
    return chosen[0].text if len(chosen) == 1 else ", ".join(p.text for p in chosen)


# --------------------------------------------------------------------------------------- normalisation

_UNITS = (
    r"(?:square|sq\.?|cubic)?\s*(?:units?|cm|centimeters?|centimetres?|mm|km|kilometers?|m|meters?|metres?|"
    r"inches|inch|in|feet|foot|ft|yards?|miles?|mph|kg|kilograms?|g|grams?|pounds?|lbs?|ounces?|oz|"
    r"seconds?|sec|s|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|dollars?|cents?|degrees?|"
    r"liters?|litres?|ml|gallons?|people|students|apples|marbles|eggs|books|points|times|ways)"
)
_TRAILING_UNIT = re.compile(r"(?<=[\d}])\s*" + _UNITS + r"(?:\^?\{?\d\}?)?\s*$", re.I)
_TEXT_WRAP = re.compile(
    r"\\(?:text|mbox|mathrm|textnormal|textbf|mathbf|textit|mathit|operatorname)\s*\{([^{}]*)\}"
)
_SIMPLE_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_THIN_SPACE = re.compile(r"\\[!,]\s*")  # \! and \, vanish: 10,\!080 and 2\,000 are digit groups
_SPACING = re.compile(r"\\(?:left|right|displaystyle|;|:|quad|qquad|big|Big|bigg|Bigg)(?![a-zA-Z])|~")
_FRAC_SHORT = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_HALF = re.compile(r"\\frac\s*(\d)\s*(?=\{)")
_FRAC_TAIL = re.compile(r"\\frac\s*(\{[^{}]*\})\s*(\d|[a-zA-Z])")
_SQRT_SHORT = re.compile(r"\\sqrt\s*(\d+|[a-zA-Z])")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?$")  # 1,000 and 1 000
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|°|\\degree")
# One spelling per relation: \ge, \geq, \geqslant, >=, ≥ -> \geq; \lt -> <; \neq, !=, ≠ -> \neq; ≈ -> \approx
_RELATIONS = (
    (re.compile(r"\\geqslant|\\geq|\\ge(?![a-zA-Z])|>=|≥"), r" \\geq "),
    (re.compile(r"\\leqslant|\\leq|\\le(?![a-zA-Z])|<=|≤"), r" \\leq "),
    (re.compile(r"\\neq|\\ne(?![a-zA-Z])|(?<![\d)}])!=|≠"), r" \\neq "),
    (re.compile(r"\\lt(?![a-zA-Z])"), " < "),
    (re.compile(r"\\gt(?![a-zA-Z])"), " > "),
    (re.compile(r"\\approx|\\simeq|≈"), r" \\approx "),
)
_MATRIX = re.compile(r"\\(begin|end)\{[bB]?matrix\}")
# "12 pencils", "5 square feet": a plain number followed by words only (no "and"/"or"/"to": a hedge or a
# range stays visible)
_TRAILING_WORDS = re.compile(
    r"^([+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+))\s+(?!.*\b(?:and|or|to|through|plus|minus|times|over|by)\b)"
    r"[A-Za-z]{2,}[A-Za-z -]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Answer:
    """A normalised answer. ``number`` is set for plain numbers (exact); ``letter`` for choice letters."""

    raw: str
    text: str
    number: Fraction | None = None
    decimals: int | None = None  # digits after the point when written as a decimal
    percent: bool = False
    letter: str | None = None
    sides: tuple[str, ...] = ()  # the sides of an "=" / "\\approx" chain (x = 5 + 6 = 11), else ()
    exact_side: str | None = None  # in "... = \\frac{1}{3} \\approx 0.333", the side before the "\\approx"
    comma_number: tuple[Fraction, int] | None = None  # "2,74" read with a decimal comma, and its digits


def normalize(text: str) -> tuple[str, bool]:
    """Normalise an answer string; returns (text, had_percent_sign)."""
    s = text.strip()
    if _SIMPLE_NUMBER.match(s):
        return s, False
    s = (
        s.replace("−", "-")
        .replace("–", "-")
        .replace("×", r"\times ")
        .replace("π", r"\pi ")
        .replace("√", r"\sqrt")
    )
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = s.replace("{,}", ",")
    s = s.replace("**", "").replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    s = _THIN_SPACE.sub("", s)
    s = _SPACING.sub(" ", s)
    s = _DEGREES.sub("", s)
    s = _MATRIX.sub(r"\\\1{pmatrix}", s)
    s = s.replace("\\langle", "(").replace("\\rangle", ")")
    if any(c in s for c in "<>=!≤≥≠≈\\"):
        for pattern, spelling in _RELATIONS:
            s = pattern.sub(spelling, s)
    percent = bool(re.search(r"\\?%\s*$", s))
    s = re.sub(r"\\?%", "", s)
    s = s.strip().rstrip(".,;:").strip()
    s = _TEXT_WRAP.sub(r"\1", s).strip()
    if " or " in s and len(_split_top(s, " or ")) > 1:  # "either 5 or 6": two candidates, as a list
        s = ", ".join(_split_top(re.sub(r"^either\s+", "", s, flags=re.IGNORECASE), " or "))
    for _ in range(2):  # "5 \text{ cm}^2", "12 square dollars"
        s = _TRAILING_UNIT.sub("", s).strip()
    s = _TRAILING_WORDS.sub(r"\1", s)
    s = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_HALF.sub(r"\\frac{\1}", s)
    s = _FRAC_TAIL.sub(r"\\frac\1{\2}", s)
    s = _SQRT_SHORT.sub(r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", " ", s).strip().rstrip(".,;:").strip()
    if s.startswith("{") and s.endswith("}") and _brace_group(s, 0) == (s[1:-1], len(s)):
        s = s[1:-1].strip()
    if s[:1] == "(" and s[-1:] == ")" and _encloses(s) and len(_split_top(s[1:-1], ",")) == 1:
        s = s[1:-1].strip()  # \left( 1 \pm \sqrt{19} \right): brackets around one expression
    if _THOUSANDS.match(s):
        s = s.replace(",", "").replace(" ", "")
    return s, percent


_DECIMAL = re.compile(r"^([+-]?)(\d*)\.?(\d*)$")
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
).split()
_SCIENTIFIC = re.compile(r"^([+-]?\d+(?:\.\d+)?)[eE]([+-]?\d+)$")
_TIME = re.compile(r"^(\d{1,2})\s*:\s*(\d{2})(?:\s*([ap])\.?m\.?)?$", re.IGNORECASE)
_FRACTION = re.compile(r"^([+-]?)\s*\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}$|^([+-]?)(\d+)\s*/\s*(\d+)$")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z ]+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d+,(?:\d{1,2}|\d{4,})|\d{4,},\d+)$")  # never a thousands group
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # the comma of 58,500
_RELATION = re.compile(r"=|<|>|\\(?:leq|geq|neq|approx|in)(?![a-zA-Z])")
# what may stand on the left of a stated value: x, a_1, f(3), AB, [ABC], \\angle ABC, \\text{Area}, \\mathbf{v}
_NAMEISH = re.compile(
    r"^(?:(?:[a-zA-Z]|[A-Z]{2,3}|\\[a-zA-Z]+)(?:_\{?[\w\\]+\}?)?'*(?:\([^()]*\))?|\[[A-Z]{2,4}\]"
    r"|\\angle\s*[A-Z]{1,3}|\\(?:text|mathrm|operatorname|mathbf|vec|overline|overrightarrow)\s*\{[^{}]*\})$"
)
_BOUND = re.compile(r"\\(?:lim|int|iint|sum|prod|binom)(?![a-zA-Z])")  # variables bound, not free
_NAME = re.compile(r"^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[\w\\]+\}?)?(?:\([^()]*\))?$")  # x, a_1, f(x), \theta
_LETTER = re.compile(r"^\(?\s*([A-J])\s*\)?(?:[.:)]|\s|$)")
_ANY_LETTER = re.compile(r"(?<![A-Za-z\\])[A-J](?![A-Za-z])")


def _plain_number(s: str) -> tuple[Fraction, int | None] | None:
    if len(s) > 1000:
        return None  # Python refuses int() of 4300+ digits; such an answer is compared as text or by sympy
    m = _SCIENTIFIC.match(s)
    if m:  # 3e4, 1.2E-3
        mantissa = _plain_number(m.group(1))
        if mantissa is None or abs(int(m.group(2))) > 400:
            return None
        digits = None if mantissa[1] is None else max(0, mantissa[1] - int(m.group(2)))
        return mantissa[0] * Fraction(10) ** int(m.group(2)), digits
    m = _DECIMAL.match(s)
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac = m.groups()
        value = Fraction(int(whole or 0) * 10 ** len(frac) + int(frac or 0), 10 ** len(frac))
        return (-value if sign == "-" else value), (len(frac) if "." in s else None)
    m = _FRACTION.match(s)
    if m:
        sign, num, den = m.group(1, 2, 3) if m.group(2) else m.group(4, 5, 6)
        if int(den) == 0:
            return None
        value = Fraction(int(num), int(den))
        return (-value if sign == "-" else value), None
    return None


_GOLD_MARKERS = re.compile(r"\\boxed|\\fbox|####|(?<!\\)\$|\\\(|\\\[|\\begin\{equation")


@lru_cache(maxsize=65536)
def parse_answer(text: str, gold: bool = False) -> Answer:
    """Normalise ``text`` (an extracted answer, or a gold answer) into an :class:`Answer`."""
    if gold and _GOLD_MARKERS.search(text):  # "$[0, 1)$", a full solution
        boxed = _last_boxed(text, hedges=False)  # a solution's "\boxed{15\frac{39}{40}}, or \boxed{15.975}"
        found = Extraction(boxed, "boxed") if boxed is not None else extract_answer(text)
        text = found.text if found else text
    s, percent = normalize(text)
    number = _plain_number(s)
    comma_number = None
    if number is None and _DECIMAL_COMMA.match(s):
        whole, fraction = s.split(",")
        comma_number = _plain_number(f"{whole}.{fraction}")
    letter = None
    m = _LETTER.match(s)
    if m and (len(s) <= 3 or not gold) and len(set(_ANY_LETTER.findall(s))) == 1:
        letter = m.group(1)  # exactly one choice letter: "(B) or (C)" and "C) 5 D) 6" name none
    return Answer(
        raw=text,
        text=s,
        number=number[0] if number else None,
        decimals=number[1] if number else None,
        percent=percent,
        letter=letter,
        sides=_sides(s),
        exact_side=_exact_side(s),
        comma_number=comma_number,
    )


def _sides(text: str) -> tuple[str, ...]:
    """The sides of a top-level "=" / "\\approx" chain; () when there is none, or when a top-level comma makes
    it a list of assignments (a = 1, b = 2)."""
    if "=" not in text and "\\approx" not in text:
        return ()
    if len(_split_top(_DIGIT_GROUP.sub("", text), ",")) > 1:
        return ()
    sides = [side.strip() for part in _split_top(text, "=") for side in _split_top(part, "\\approx")]
    return tuple(sides) if len(sides) > 1 and all(sides) else ()


def _exact_side(text: str) -> str | None:
    """The constant just before a final ``\\approx`` (``\\sqrt{2} \\approx 1.414``); None without one."""
    if "\\approx" not in text:
        return None
    pieces = [piece.strip() for piece in _split_top(_split_top(text, "=")[-1], "\\approx")]
    exact = pieces[-2] if len(pieces) > 1 else None
    return exact if exact and _constant(exact) else None


def _is_relation(answer: Answer) -> bool:
    return bool(answer.sides) or bool(_RELATION.search(answer.text))


def _constant(text: str) -> bool:
    """No variables: letters only inside commands (\\frac, \\pi, \\sqrt...)."""
    return not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", text))


def _value_side(answer: Answer, response: bool = True) -> Answer | None:
    """The value an answer states, its last side: a gold's ``k = 1/3`` (a name on the left); a response's
    ``x = 5 + 6 = 11``, ``x \\approx 11``, ``AB = 5``, ``[ABC] = 12``, ``\\binom{10}{3} = 120``,
    ``\\int_0^1 x\\,dx = \\frac12``, ``a + b = 7`` or ``\\pi r^2 = 4\\pi`` (a name, no free variable, or a
    non-zero constant on the right: so ``2x = 10`` states 10, as a reader of the last line would take it).
    None for an equation set to zero (``x^2 - 5x + 6 = 0``) and for a gold equation such as ``2x + y = 3``."""
    sides = answer.sides
    if not sides:
        return None
    first, last = sides[0], sides[-1]
    zero = re.fullmatch(r"[+-]?0(?:\.0*)?", last) is not None
    if zero and not all(_constant(side) for side in sides[1:-1]):
        return None  # "f'(x) = 2x - 2 = 0": a condition on x, not a value of f'(x)
    if _NAMEISH.match(first):
        return parse_answer(last)
    if not response:
        return None
    if _constant(first) or _BOUND.search(first):
        return parse_answer(last)
    if not _constant(last) or zero:
        return None  # "x^2 - 5x + 6 = 0": a condition, not a value
    return parse_answer(last)


def align(gold: Answer, pred: Answer) -> list[tuple[Answer, Answer]]:
    """The readings of (gold, pred) to compare, each the way the other's shape asks (gold-guided); the
    answers match when one reading does. A stated value (``x = 11``, ``x = 5 + 6 = 11``) against a gold
    that is not a relation compares its last side, and ``\\frac{22}{7} \\approx 3.14`` also its exact side
    (the same value, written twice); a gold written as an assignment (``k = 3``) against a bare value
    compares its right side; a chain against an equation keeps its first and last sides; a decimal comma
    (``2,74``) is read as one only against a single-number gold."""
    readings = []
    if pred.sides and not _is_relation(gold):
        value = _value_side(pred)
        if value is not None and pred.exact_side is not None:
            exact = parse_answer(pred.exact_side)
            if not _approximates(exact, value):
                return []  # "\\frac{1}{3} \\approx 0.25" contradicts itself: nothing it says can match
            readings.append((gold, exact))
        readings.append((gold, value or pred))
    elif gold.sides and not _is_relation(pred):
        readings.append((_value_side(gold, response=False) or gold, pred))
    elif len(pred.sides) > 2 and gold.sides:
        readings.append((gold, parse_answer(f"{pred.sides[0]} = {pred.sides[-1]}")))
    else:
        readings.append((gold, pred))
    return [(g, _comma_reading(g, p)) for g, p in readings]


def _approximates(exact: Answer, approx: Answer) -> bool:
    """Is ``approx`` the exact value rounded (within half a unit of its last digit) or cut (under one unit,
    toward zero) to the digits it shows?"""
    if approx.number is None:
        return True  # nothing to check it against
    unit = Fraction(1, 10 ** (approx.decimals or 0))
    try:
        if exact.number is not None:
            value = exact.number
        else:
            import sympy

            evaluated = sympy.N(_to_sympy(exact.text), 30)
            if not evaluated.is_real:
                return False
            value = Fraction(str(evaluated))
    except Exception:
        return True
    diff = value - approx.number
    return abs(diff) <= unit / 2 or (0 <= (diff if value >= 0 else -diff) < unit)


def _comma_reading(gold: Answer, pred: Answer) -> Answer:
    if gold.number is not None and pred.number is None and pred.comma_number is not None:
        return replace(pred, number=pred.comma_number[0], decimals=pred.comma_number[1])
    return pred


# ---------------------------------------------------------------------------------------- equivalence


def _clock(time: re.Match, other_half: str | None) -> tuple[int, int]:
    """(hour, minute) on a 24-hour clock; a reading without AM/PM against one with it is taken in the same
    half of the day when its hour is 12 or less (3:15 = 3:15 PM, 15:15 = 3:15 PM, 3:15 AM != 3:15 PM)."""
    hour, minute, half = int(time[1]), int(time[2]), (time[3] or "").lower()
    if half:
        return hour % 12 + (12 if half == "p" else 0), minute
    if other_half and hour <= 12:
        return hour % 12 + (12 if other_half.lower() == "p" else 0), minute
    return hour, minute


def _terminates(value: Fraction) -> bool:
    """Has an exact decimal expansion (denominator of the form 2^a 5^b)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _numbers_equal(gold: Answer, pred: Answer, rel_tol: float) -> bool:
    """Exact numbers compare exactly; a decimal on either side must agree to the digits it was given."""
    assert gold.number is not None and pred.number is not None
    g, p = gold.number, pred.number
    if gold.percent == pred.percent:  # 10\% vs 10\%, or no percent at all: the numbers as written
        pairs = [(g, p)]
    elif gold.percent:  # 10\% accepts 10 and 0.1
        pairs = [(g, p), (g / 100, p)]
    else:  # 0.25 accepts 25\%
        pairs = [(g, p), (g, p / 100)]
    for g, p in pairs:
        if g == p:
            return True
        if pred.decimals is not None and gold.decimals is None:
            # 0.333333 for 1/3: right to every digit written, and close relative to the gold's size
            if abs(p - g) <= Fraction(1, 2 * 10**pred.decimals) and abs(p - g) <= Fraction(
                repr(rel_tol)
            ) * abs(g):
                return True
        if gold.decimals is not None and gold.decimals >= 2 and pred.decimals is None and not _terminates(p):
            if round(p, gold.decimals) == g:
                return True  # gold 0.33 accepts 1/3 (a rounded gold), but gold 0.5 never accepts 13/25
    return False


class MathParseError(RewardkitError, ValueError):
    """latex2sympy could not read an answer."""


# A fast reader for the commonest answer shape (numbers, single-letter variables, + - * / ^, \frac,
# \sqrt, \pi, \infty, implicit products) that builds the sympy expression directly; latex2sympy's ANTLR
# parser costs ~10 ms an answer. Anything outside this token set goes to latex2sympy, and a test checks
# that both readers agree on every MATH-500 and PRM800K answer the fast one accepts.
_FAST_TOKEN = re.compile(
    r"\s*(?:(\d+\.\d+|\d+)|([a-zA-Z])(?![a-zA-Z])|(\\frac|\\sqrt|\\pi|\\infty|\\cdot|\\times)(?![a-zA-Z])|([-+*/^{}()]))"
)
_OPERAND_END = {"num", "sym", "const", ")"}
_OPERAND_START = {"num", "sym", "const", "func", "("}


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside any brackets."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    return [*parts, text[start:]]


def _encloses(text: str) -> bool:
    """Does the bracket opening text[0] close at text[-1] (and not before)?"""
    depth = 0
    for i, c in enumerate(text):
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0:
            return i == len(text) - 1
    return False


def _fast_sympy(text: str) -> Any:
    """sympy object for simple LaTeX (expressions, comma lists, tuples, intervals, unions of intervals),
    or None when the text is outside the fast reader's shapes."""
    import sympy

    text = text.strip()
    if "," in text and not text.startswith("\\{") and not (text[:1] in "([" and _encloses(text)):
        pieces = _split_top(text, ",")
        if len(pieces) > 1:  # a bare comma list ("x = 2, x = 3"): a multiset of whatever each piece is
            items = [_fast_sympy(piece) for piece in pieces]
            return None if any(i is None or isinstance(i, list) for i in items) else items
    if _FAST_RELATION.search(text):
        return _fast_relation(text)
    if text.startswith("\\begin{pmatrix}") and text.endswith("\\end{pmatrix}"):
        rows = [row.split("&") for row in text[15:-13].strip().rstrip("\\").split("\\\\")]
        if len({len(row) for row in rows}) != 1:
            return None
        entries = [[_fast_expression(entry) for entry in row] for row in rows]
        return None if any(e is None for row in entries for e in row) else sympy.Matrix(entries)
    if "\\cup" in text:
        parts = [_fast_sympy(p) for p in _split_top(text, "\\cup")]
        if len(parts) > 1 and all(isinstance(p, sympy.Interval) for p in parts):
            return sympy.Union(*parts)
        return None
    if text.startswith("\\{") and text.endswith("\\}"):
        items = [_fast_expression(p) for p in _split_top(text[2:-2], ",")]
        return None if any(i is None for i in items) else sympy.FiniteSet(*items)
    bracketed = len(text) > 1 and text[0] in "([" and text[-1] in ")]" and _encloses(text)
    pieces = _split_top(text[1:-1] if bracketed else text, ",")
    if len(pieces) == 1:
        return _fast_expression(text)
    items = [_fast_expression(p) for p in pieces]
    if any(i is None for i in items):
        return None
    if not bracketed:
        return items  # a bare comma list: a multiset (2, 2, 3 has three members)
    a, b = items[0], items[-1]
    ordered_pair = len(items) == 2 and a.is_comparable is not False and b.is_comparable is not False
    if ordered_pair and text[0] == "(" and text[-1] == ")" and (a.is_number and b.is_number and bool(a < b)):
        return sympy.Interval.open(a, b)  # as latex2sympy reads it; sympy_equal also accepts the point
    if len(items) == 2 and (text[0] == "[" or text[-1] == "]"):
        try:
            return sympy.Interval(*items, left_open=text[0] == "(", right_open=text[-1] == ")")
        except (TypeError, ValueError):
            return None
    return sympy.Tuple(*items) if text[0] == "(" and text[-1] == ")" else None


_FAST_RELATION = re.compile(r"\\(?:leq|geq|neq)(?![a-zA-Z])|[<>=]")


def _fast_relation(text: str) -> Any:
    """``a < b``, ``x \\geq 5``, ``2x + 4y = 3``, ``0 \\leq x < 4`` over fast expressions (as latex2sympy
    reads them: unevaluated relations, a two-relation chain as their conjunction); None otherwise."""
    import sympy

    make = {
        "<": sympy.Lt,
        ">": sympy.Gt,
        "=": sympy.Eq,
        "\\leq": sympy.Le,
        "\\geq": sympy.Ge,
        "\\ne": sympy.Ne,
    }
    if "," in text or ";" in text:
        return None
    operators = [m.group() for m in _FAST_RELATION.finditer(text)]
    sides = [_fast_expression(side) for side in _FAST_RELATION.split(text)]
    if len(operators) > 2 or any(side is None for side in sides):
        return None
    relations = [
        make["\\ne" if op == "\\neq" else op](left, right, evaluate=False)
        for op, left, right in zip(operators, sides, sides[1:], strict=False)
    ]
    if len(relations) == 2 and "=" in operators:
        return None  # a = b = c: a chain of values, not a conjunction
    return relations[0] if len(relations) == 1 else sympy.And(*relations, evaluate=False)


def _fast_expression(text: str) -> Any:
    """sympy expression for simple LaTeX, or None when the text is outside the fast reader's token set."""
    import sympy

    out: list[str] = []
    names: dict[str, Any] = {"sqrt": sympy.sqrt, "pi": sympy.pi, "oo": sympy.oo, "E": sympy.E}
    numbers: list[Any] = []
    previous = None
    pos = 0
    fracs: list[list] = []  # open \frac groups: [brace depth of the \frac, part being read]
    depth = 0
    while pos < len(text):
        m = _FAST_TOKEN.match(text, pos)
        if m is None:
            return None if text[pos:].strip() else _fast_eval("".join(out), names, numbers)
        pos = m.end()
        num, sym, cmd, op = m.groups()
        if num is not None:
            kind, piece = "num", f"_n[{len(numbers)}]"
            if len(num) > 1000:
                return None  # past Python's int() digit limit: latex2sympy says what it makes of it
            numbers.append(sympy.Float(num, max(15, len(num))) if "." in num else sympy.Integer(num))
        elif sym is not None:
            name = "E" if sym == "e" else sym.lower()
            names.setdefault(name, sympy.Symbol(name))
            kind, piece = "sym", name
        elif cmd in ("\\cdot", "\\times"):
            kind, piece = "op", "*"
        elif cmd == "\\frac":
            if previous == "num" or not text[pos:].lstrip().startswith("{"):
                return None  # 2\frac{1}{2} is a mixed number to latex2sympy: leave it to latex2sympy
            fracs.append([depth, "numerator"])
            kind, piece = "func", "("
        elif cmd == "\\sqrt":
            if not text[pos:].lstrip().startswith("{"):
                return None
            kind, piece = "func", "sqrt"
        elif cmd is not None:
            kind, piece = "const", {"\\pi": "pi", "\\infty": "oo"}[cmd]
        elif op in "{(":
            depth += 1
            kind, piece = "(", "("
        elif op in "})":
            depth -= 1
            kind, piece = ")", ")"
            if op == "}" and fracs and fracs[-1][0] == depth:
                if fracs[-1][1] == "numerator":  # \frac{a}{b} -> ((a)/(b))
                    if not text[pos:].lstrip().startswith("{"):
                        return None
                    fracs[-1][1] = "denominator"
                    out.append(")/")
                    previous = "op"
                    continue
                fracs.pop()
                piece = "))"
        else:
            if op == "^" and re.match(r"\s*\d\d", text[pos:]):
                return None  # x^23 is x^2 * 3 in LaTeX
            kind, piece = "op", "**" if op == "^" else op
        if previous in _OPERAND_END and kind in _OPERAND_START:
            out.append("*")
        out.append(piece)
        previous = kind
    if depth != 0 or fracs:
        return None
    return _fast_eval("".join(out), names, numbers)


def _fast_eval(code: str, names: dict[str, Any], numbers: list[Any]) -> Any:
    if not code:
        return None
    try:  # the code holds only our own tokens: names, _n[i], operators and brackets
        return eval(code, {"__builtins__": {}}, {**names, "_n": numbers})  # noqa: S307
    except (SyntaxError, TypeError, ZeroDivisionError):
        return None


MAX_DEPTH = 40
_SCIENTIFIC_IN_TEXT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")


def _depth(text: str) -> int:
    depth = deepest = 0
    for c in text:
        if c in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")]}":
            depth -= 1
    return deepest


@lru_cache(maxsize=4096)
def _to_sympy(text: str) -> Any:
    from latex2sympy2_extended import latex2sympy

    text = _SCIENTIFIC_IN_TEXT.sub(r"\1 \\times 10^{\2}", text)  # 6.02e23: never 6.02 * e * 23
    fast = _fast_sympy(text)
    if fast is not None:
        return fast
    pieces = _split_top(text, ",")
    if len(pieces) > 1 and not (text[:1] in "([" and _encloses(text)) and not text.startswith("\\{"):
        return [_to_sympy(piece.strip()) for piece in pieces]  # a bare comma list: a multiset
    if _depth(text) > MAX_DEPTH:  # latex2sympy's parser takes seconds, then a RecursionError, on these
        raise MathParseError(f"cannot read the answer as math: brackets nest more than {MAX_DEPTH} deep")
    try:
        return latex2sympy(text)
    except RecursionError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MathParseError(f"cannot read {text!r} as math: {first}") from None


def _probe_points(symbols: list) -> list[dict]:
    import sympy

    bases = [sympy.Rational(7, 3), sympy.Rational(-5, 11), sympy.Rational(13, 17), sympy.Rational(23, 4)]
    return [{s: bases[(i + k) % len(bases)] + k for k, s in enumerate(symbols)} for i in range(3)]


def _close(a: Any, b: Any, tol: float) -> bool | None:
    """Numeric comparison of two evaluated sympy numbers; None when not comparable."""
    import sympy

    if not (a.is_number and b.is_number) or a.has(sympy.nan, sympy.zoo) or b.has(sympy.nan, sympy.zoo):
        return None
    if a.is_infinite or b.is_infinite:
        return a == b
    try:  # sympy Floats keep an unbounded exponent: 1/2004! and 1/2006! stay apart (floats would underflow)
        diff, scale = abs(a - b), max(abs(a), abs(b))
        if diff == 0:
            return True
        return bool(diff <= tol * scale)
    except TypeError:
        return None


def expressions_equal(a: Any, b: Any, rel_tol: float = 1e-6) -> bool:
    """Two sympy expressions: exact match, numeric probing, then proof for exact (Float-free) ones.

    Probing at 30 digits rejects cheaply. Agreement is enough when a decimal is involved (tolerance is
    the point); for exact expressions the difference must be exactly zero: a rational difference
    decides at once, anything else goes to simplify, and only then to a 100-digit evaluation.
    """
    import sympy

    if a == b:
        return True
    floats = a.has(sympy.Float) or b.has(sympy.Float)
    diff = a - b
    if not floats and diff.is_Rational:  # exact arithmetic already decided: 2^{64} vs 2^{64}+1
        return bool(diff == 0)
    symbols = sorted(diff.free_symbols, key=str)
    points = _probe_points(symbols) if symbols else [{}]
    verdicts = []
    for point in points:
        exact = diff.subs(point) if point else diff
        if not floats and exact.is_Rational:
            verdict: bool | None = exact == 0
        else:
            verdict = _close(
                sympy.N(a.subs(point), 30), sympy.N(b.subs(point), 30), rel_tol if floats else 1e-12
            )
        if verdict is False:
            return False
        verdicts.append(verdict)
    if floats and verdicts and all(v is True for v in verdicts):
        return True
    return _is_zero(diff)


def _is_zero(expr: Any) -> bool:
    import sympy

    try:
        if sympy.simplify(expr) == 0:
            return True
        if expr.free_symbols:
            return False
        value, scale = abs(sympy.N(expr, 100)), 10**-90
        return bool(value.is_number and value < scale)  # sqrt-denesting and the like simplify misses
    except Exception:
        return False


def _elements(obj: Any) -> list | None:
    import sympy

    if isinstance(obj, sympy.FiniteSet | sympy.Tuple | tuple | list):
        return list(obj.args if isinstance(obj, sympy.Basic) else obj)
    return None


def _is_assignment(obj: Any) -> bool:
    """x = 3, f(x) = ..., (x, y) = (4, 5)."""
    import sympy

    if not isinstance(obj, sympy.Eq):
        return False
    from sympy.core.function import AppliedUndef

    lhs = obj.lhs  # a name or an undefined function's value (f(3)), never log_2(x) = 2: that is solved for x
    return isinstance(lhs, sympy.Symbol | AppliedUndef) or (
        isinstance(lhs, sympy.Tuple) and all(isinstance(x, sympy.Symbol) for x in lhs)
    )


def sympy_equal(gold: Any, pred: Any, rel_tol: float = 1e-6) -> bool:
    """Gold-guided structural equivalence of two parsed answers."""
    import sympy

    if _non_finite(gold) or _non_finite(pred):
        return False  # 12:00 and 1:00 both read as zoo: a non-finite reading never matches anything
    if gold == pred:
        return True
    # x = 3 vs 3 (either side), y = 2x + 1 vs 2x + 1
    if _is_assignment(gold) and not isinstance(pred, sympy.Eq):
        return sympy_equal(gold.rhs, pred, rel_tol)
    if _is_assignment(pred) and not isinstance(gold, sympy.Eq):
        return sympy_equal(gold, pred.rhs, rel_tol)
    if isinstance(pred, sympy.Eq) and isinstance(gold, sympy.Expr) and isinstance(pred.lhs, sympy.Expr):
        # an identity (x^2 + 2x + 1 = (x+1)^2) equals each of its sides; an equation to solve equals none
        return expressions_equal(pred.lhs, pred.rhs, rel_tol) and expressions_equal(gold, pred.rhs, rel_tol)
    if isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq):
        if gold.lhs == pred.lhs and sympy_equal(gold.rhs, pred.rhs, rel_tol):
            return True
        if not all(isinstance(x, sympy.Expr) for x in (gold.lhs, gold.rhs, pred.lhs, pred.rhs)):
            return False  # x = \pm 1 (a set) is only equal through its right-hand side, above
        g, p = gold.lhs - gold.rhs, pred.lhs - pred.rhs
        if p == 0 or g == 0:
            return g == p
        ratio = _constant_ratio(g, p)
        return ratio is not None and ratio != 0
    # sets and tuples
    if isinstance(gold, sympy.MatrixBase) != isinstance(pred, sympy.MatrixBase):
        gold, pred = _vector_reading(gold, pred)
    g_items, p_items = _elements(gold), _elements(pred)
    # "(a, b)" reads as a point on one side and an open interval on the other
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Tuple) and len(pred) == 2:
        pred, p_items = sympy.Interval.open(*pred), None
    if isinstance(pred, sympy.Interval) and isinstance(gold, sympy.Tuple) and len(gold) == 2:
        gold, g_items = sympy.Interval.open(*gold), None
    # an open-interval reading of a gold point "(2, 3)" against a bare list "a = 2, b = 3": the point
    if isinstance(gold, sympy.Interval) and gold.left_open and gold.right_open and isinstance(pred, list):
        gold = sympy.Tuple(gold.start, gold.end)
        g_items = list(gold.args)
    if g_items is not None or p_items is not None:
        if g_items is None or p_items is None:
            return False
        if len(g_items) != len(p_items):
            return False
        if isinstance(gold, sympy.FiniteSet | sympy.Tuple) and isinstance(
            pred, sympy.FiniteSet | sympy.Tuple
        ):
            if isinstance(gold, sympy.Tuple) != isinstance(pred, sympy.Tuple):  # (3, 1) is not \{1, 3\}
                return False
        # a tuple gold is ordered (a bare list answers it in order too); sets and bare comma lists (read as
        # lists: multisets) are not
        ordered = isinstance(gold, sympy.Tuple | tuple)
        if ordered:
            return all(sympy_equal(g, p, rel_tol) for g, p in zip(g_items, p_items, strict=True))
        unused = list(p_items)
        for g in g_items:
            hit = next((i for i, p in enumerate(unused) if sympy_equal(g, p, rel_tol)), None)
            if hit is None:
                return False
            unused.pop(hit)
        return True
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Interval):
        return (
            gold.left_open == pred.left_open
            and gold.right_open == pred.right_open
            and sympy_equal(gold.start, pred.start, rel_tol)
            and sympy_equal(gold.end, pred.end, rel_tol)
        )
    if any(isinstance(side, sympy.Set | sympy.Rel | sympy.And | sympy.Or) for side in (gold, pred)):
        if isinstance(gold, sympy.Rel) and isinstance(pred, sympy.Rel) and len(gold.free_symbols) > 1:
            return _inequalities_equal(gold, pred)
        gs, ps = _as_set(gold), _as_set(pred)
        if gs is None or ps is None:
            return False
        if isinstance(gs, sympy.Union) and isinstance(ps, sympy.Union):
            if len(gs.args) != len(ps.args):
                return False
            return all(sympy_equal(g, p, rel_tol) for g, p in zip(gs.args, ps.args, strict=True))
        return bool(gs == ps) or (
            isinstance(gs, sympy.Interval) and isinstance(ps, sympy.Interval) and sympy_equal(gs, ps, rel_tol)
        )
    if isinstance(gold, sympy.MatrixBase) or isinstance(pred, sympy.MatrixBase):
        if (
            not (isinstance(gold, sympy.MatrixBase) and isinstance(pred, sympy.MatrixBase))
            or gold.shape != pred.shape
        ):
            return False
        return all(sympy_equal(g, p, rel_tol) for g, p in zip(gold, pred, strict=True))
    if isinstance(gold, sympy.Expr) and isinstance(pred, sympy.Expr):
        return expressions_equal(gold, pred, rel_tol)
    return False


def _canonical_relation(rel: Any) -> tuple[str, Any]:
    """A relation as (kind, d) meaning ``d < 0``, ``d <= 0`` or ``d != 0``; kind "?" for anything else."""
    import sympy

    if isinstance(rel, sympy.StrictGreaterThan | sympy.GreaterThan):
        return ("<" if isinstance(rel, sympy.StrictGreaterThan) else "<="), rel.rhs - rel.lhs
    kind = {sympy.StrictLessThan: "<", sympy.LessThan: "<=", sympy.Unequality: "!="}.get(type(rel), "?")
    return kind, rel.lhs - rel.rhs


def _inequalities_equal(gold: Any, pred: Any) -> bool:
    """``x + y < 3`` vs ``3 > y + x`` or ``2x + 2y < 6``: the same relation once both read ``d < 0`` (or
    ``<=``, ``!=``), with the differences a positive multiple of each other (any non-zero one for ``!=``)."""

    (g_kind, g), (p_kind, p) = _canonical_relation(gold), _canonical_relation(pred)
    if g_kind != p_kind or g_kind == "?" or p == 0:
        return False
    ratio = _constant_ratio(g, p)
    return ratio is not None and ratio != 0 and (g_kind == "!=" or bool(ratio.is_positive))


def _constant_ratio(g: Any, p: Any) -> Any:
    """g / p when it is a constant (two equations or inequalities that are multiples of each other), else
    None. Polynomial cancellation decides the usual case in well under a millisecond; otherwise the ratio
    must agree at three probe points before ``simplify`` (tens of milliseconds) is asked to prove it."""
    import sympy

    try:
        ratio = sympy.cancel(g / p)
        if ratio.is_number:
            return ratio
        symbols = sorted(ratio.free_symbols, key=str)
        values = [sympy.N(ratio.subs(point), 30) for point in _probe_points(symbols)]
        if any(_close(values[0], v, 1e-12) is not True for v in values[1:]):
            return None
        ratio = sympy.simplify(ratio)
    except Exception:
        return None
    return ratio if ratio.is_number else None


def _linear_set(obj: Any) -> Any:
    """The set a relation linear in its one variable defines (``-x > -1`` is ``(-oo, 1)``), and the
    intersection for a conjunction of them, built directly (sympy's ``as_set`` costs ~20 ms); None when
    the relation is not of that kind."""
    import sympy

    if isinstance(obj, sympy.And):
        parts = [_linear_set(arg) for arg in obj.args]
        return None if any(p is None for p in parts) else sympy.Intersection(*parts)
    if not isinstance(obj, sympy.Rel) or len(obj.free_symbols) != 1:
        return None
    kind, d = _canonical_relation(obj)
    if kind == "?":
        return None
    (x,) = obj.free_symbols
    try:
        poly = sympy.Poly(d, x)
    except sympy.PolynomialError:
        return None
    if poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    if not (a.is_real and b.is_real and a.is_number and b.is_number) or a == 0:
        return None
    root = -b / a
    if kind == "!=":
        return sympy.Union(sympy.Interval.open(-sympy.oo, root), sympy.Interval.open(root, sympy.oo))
    strict = kind == "<"
    if a > 0:  # x < root
        return sympy.Interval(-sympy.oo, root, left_open=True, right_open=strict)
    return sympy.Interval(root, sympy.oo, left_open=strict, right_open=True)


def _vector_reading(gold: Any, pred: Any) -> tuple[Any, Any]:
    """A column (or row) vector against a tuple of its length (``(3, -2)``, ``\\langle 3, -2 \\rangle``;
    ``(1, 2)`` also reads as an open interval): the tuple as that vector. Anything else as it was."""
    import sympy

    matrix, other = (gold, pred) if isinstance(gold, sympy.MatrixBase) else (pred, gold)
    if isinstance(other, sympy.Tuple):
        items = list(other.args)
    elif isinstance(other, sympy.Interval) and other.left_open and other.right_open:
        items = [other.start, other.end]
    else:
        return gold, pred
    if 1 not in matrix.shape or len(items) != len(matrix):
        return gold, pred
    vector = sympy.Matrix(items).reshape(*matrix.shape)
    return (matrix, vector) if matrix is gold else (vector, matrix)


def _non_finite(obj: Any) -> bool:
    import sympy

    return isinstance(obj, sympy.Basic) and obj.has(sympy.zoo, sympy.nan)


def _as_set(obj: Any) -> Any:
    import sympy

    if isinstance(obj, sympy.Set):
        return obj
    if isinstance(obj, sympy.Rel | sympy.And | sympy.Or) and len(obj.free_symbols) == 1:
        try:
            linear = _linear_set(obj)
            return linear if linear is not None else obj.as_set()
        except Exception:
            return None
    return None


def verify_without_sympy(gold: Answer, pred: Answer, rel_tol: float = 1e-6) -> bool | None:
    """The cheap, bounded part of :func:`verify`: choice letters, identical text, plain numbers.

    None when the answers need sympy.
    """
    verdicts = [_quick_verdict(g, p, rel_tol) for g, p in align(gold, pred)]
    if True in verdicts:
        return True
    return False if all(v is False for v in verdicts) else None


def _quick_verdict(gold: Answer, pred: Answer, rel_tol: float) -> bool | None:
    if gold.letter is not None and len(gold.text) <= 3:  # a multiple-choice gold: compare letters only
        return pred.letter == gold.letter
    if gold.text == pred.text or (_WORDS.match(gold.text) and gold.text.casefold() == pred.text.casefold()):
        return True
    g_time, p_time = _TIME.match(gold.text), _TIME.match(pred.text)
    if g_time or p_time:  # a time of day, never a ratio: 3:15 is not 1:05, 12:00 is not 1:00
        if not (g_time and p_time):
            return False
        return _clock(g_time, p_time[3]) == _clock(p_time, g_time[3])
    if gold.number is not None and pred.number is None and pred.text.lower() in _NUMBER_WORDS:
        pred = replace(pred, number=Fraction(_NUMBER_WORDS.index(pred.text.lower())))  # "five", \text{seven}
    if gold.number is not None and pred.number is not None:
        return _numbers_equal(gold, pred, rel_tol)
    candidates = _candidates_of(gold, pred)
    if candidates:  # "5 or 6" against 5: several candidates match only when each one does (15.975 or 639/40)
        verdicts = [_quick_verdict(gold, c, rel_tol) for c in candidates]
        return False if False in verdicts else (True if all(verdicts) else None)
    return None


def _candidates_of(gold: Answer, pred: Answer) -> list[Answer]:
    """The members of a bare list of different forms (``15\\frac{39}{40}, 15.975``) answering a gold that is
    no list (nor ``\\pm``), else []. A repeated member (``2, 2``) stays a multiset."""
    if "," not in pred.text or pred.text[:1] in "([{\\" or "\\pm" in gold.text or "\\mp" in gold.text:
        return []
    if "," in _DIGIT_GROUP.sub("", gold.text):
        return []
    pieces = [piece.strip() for piece in _split_top(_DIGIT_GROUP.sub("", pred.text), ",")]
    if len(pieces) < 2 or len(set(pieces)) < len(pieces):
        return []
    return [parse_answer(piece) for piece in pieces]


def verify(gold: Answer, pred: Answer, rel_tol: float = 1e-6) -> bool:
    """Is ``pred`` the same answer as ``gold``? Raises MathParseError when sympy cannot read one."""
    error, decided = None, False
    for g, p in align(gold, pred):
        try:
            if _verify_reading(g, p, rel_tol):
                return True
            decided = True
        except MathParseError as exc:
            error = error or exc
    if error is not None and not decided:
        raise error
    return False


def _verify_reading(gold: Answer, pred: Answer, rel_tol: float) -> bool:
    quick = _quick_verdict(gold, pred, rel_tol)
    if quick is not None:
        return quick
    candidates = _candidates_of(gold, pred)
    if candidates:
        return all(_verify_reading(gold, candidate, rel_tol) for candidate in candidates)
    g = _to_sympy(gold.text)
    p = _to_sympy(pred.text)
    if sympy_equal(g, p, rel_tol):
        return True
    if gold.percent != pred.percent:  # 25\% vs 0.25
        import sympy

        factor = sympy.Rational(1, 100)
        return sympy_equal(g * factor if gold.percent else g, p * factor if pred.percent else p, rel_tol)
    return False


# ------------------------------------------------------------------------------------------- verifier


def gold_text(reference: Any) -> str | None:
    reference = gold_answer(reference)
    if reference is None or isinstance(reference, bool):
        return None
    if isinstance(reference, float) and reference.is_integer():
        reference = int(reference)
    return str(reference)


# Answers this short keep every step of the cheap path (regexes, Fraction arithmetic) in microseconds, so
# MathVerifier.quick_score may decide them in the calling process; everything else goes to the pool.
QUICK_MAX_CHARS = 200


@register
class MathVerifier(CPUVerifier):
    """Final-answer correctness for math: 1.0 if the response's answer equals the gold, else 0.0."""

    name = "math"

    class Config(CPUVerifier.Config):
        mode: Literal["flexible", "strict"] = Field(
            "flexible",
            description="strict: explicit answers only (boxed, ####, 'the answer is', 'Answer:'); flexible: also the "
            "last math span, LaTeX in prose, or number",
        )
        max_chars: int = Field(
            20000, gt=0, description="longer responses are cut to their last max_chars characters"
        )
        rel_tol: float = Field(
            1e-6, ge=0, lt=1, description="relative tolerance when a decimal is compared with an exact value"
        )

    def _read(self, sample: Sample, quick: bool) -> Score | tuple[Answer, Answer, dict[str, Any]] | None:
        """Gold and extracted answer, or the Score that ends it early; None: too long for the quick path."""
        gold = gold_text(sample.reference)
        if gold is None:
            return Score.error(
                "sample has no gold answer: set `reference` to the answer (or {'answer': ...})"
            )
        response = sample.response or ""
        details: dict[str, Any] = {"gold": gold}
        if len(response) > self.config.max_chars:
            details.update(truncated=True, original_chars=len(response))
            response = response[-self.config.max_chars :]
        found = extract_answer(response, self.config.mode)
        if found is None:
            return Score.unparseable(f"no final answer found ({self.config.mode} mode)", **details)
        if quick and (len(gold) > QUICK_MAX_CHARS or len(found.text) > QUICK_MAX_CHARS):
            return None
        details.update(extracted=found.text, match_mode=found.mode)
        return parse_answer(gold, gold=True), parse_answer(found.text), details

    def quick_score(self, sample: Sample) -> Score | None:
        read = self._read(sample, quick=True)
        if read is None or isinstance(read, Score):
            return read
        gold, pred, details = read
        correct = verify_without_sympy(gold, pred, self.config.rel_tol)
        return None if correct is None else _verdict(correct, details)

    def score_one(self, sample: Sample) -> Score:
        read = self._read(sample, quick=False)
        if isinstance(read, Score):
            return read
        gold, pred, details = read
        try:
            return _verdict(verify(gold, pred, self.config.rel_tol), details)
        except MathParseError as exc:
            if _reads(gold) and not _reads(pred):  # the response's answer is what cannot be read
                return Score.unparseable(f"the extracted answer is not readable math: {exc}", **details)
            return Score.error(str(exc), **details)
        except RecursionError:
            return Score.error("answer nests too deeply to parse (RecursionError)", **details)


def _reads(answer: Answer) -> bool:
    """Whether an answer's text reads as one sympy expression (which side a parse failure was on)."""
    try:
        _to_sympy(answer.text)
        return True
    except (MathParseError, RecursionError):
        return False


def _verdict(correct: bool, details: dict[str, Any]) -> Score:
    return Score.correct(correct, "" if correct else "answer differs from gold", **details)


_WARM_UP_ANSWERS = (
    r"\frac{\sqrt{3}}{2}",
    r"(1, \infty)",
    r"[-2, 5) \cup (6, 7]",
    r"\{1, 2\}",
    r"x = 3",
    r"x \le 3",
    r"2, 3",
    r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}",
    r"\sqrt[3]{2}",
    r"5!",
    r"\log_2 8",
    r"\sin \frac{\pi}{6}",
    r"(3, \frac{\pi}{2})",
    r"2\frac{1}{2}",
    r"\text{(C)}",
    r"1 \pm \sqrt{2}",
    r"0.5x^2 - 3.5",
)


def warm_up() -> None:
    """Load sympy and latex2sympy and run typical answers through them (fills ANTLR's parse cache).

    The worker pool's forkserver calls this once (via rewardkit.verifiers.math_warmup), so every worker
    forked from it starts warm instead of paying ~1 s on its first symbolic answer.
    """
    for text in _WARM_UP_ANSWERS:
        try:
            answer = parse_answer(text, gold=True)
            verify(answer, parse_answer(text + "+1"))
        except Exception:
            pass
