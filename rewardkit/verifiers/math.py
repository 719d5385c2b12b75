"""Math answer verification: extract the final answer, normalise it, decide equivalence with the gold.

Three steps, each usable on its own::

    from rewardkit.verifiers.math import extract_answer, parse_answer, verify

    found = extract_answer(r"... so the area is $\\boxed{\\dfrac{3}{4}}$.")   # Extraction(text='\\dfrac{3}{4}', mode='boxed')
    verify(parse_answer("0.75", gold=True), parse_answer(found.text))   # True

Equivalence is gold-guided and asymmetric: the gold's shape (number, set, tuple, interval, equation,
choice letter) decides how the response is read, so a response listing several candidates never matches a
single gold. Plain numbers never touch sympy (exact fractions; relative tolerance only for decimals);
everything else is parsed by latex2sympy2-extended and compared structurally, with cheap numeric probing
before sympy's simplify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    mode: str  # which rule found it: boxed | gsm8k | answer_is | answer_label | last_number


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
_NUMBER = re.compile(
    r"(?<![\w.^_])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|(?<![\w.^_])-?\d+(?:\.\d+)?(?:/\d+)?|(?<![\w\d^_])-?\.\d+"
)
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)|(?<=\s)(?:because|since|which|as)\s", re.IGNORECASE)
_MATH_SPAN = re.compile(r"\$\$?(.+?)\$\$?|\\\((.+?)\\\)|\\\[(.+?)\\\]")


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


def _last_boxed(text: str) -> str | None:
    matches = list(_BOXED.finditer(text))
    pairs = _brace_pairs(text, matches[0].end()) if matches else {}
    for m in reversed(matches):
        end = m.end()
        if end < len(text) and text[end] == "{":
            if end in pairs:
                return text[end + 1 : pairs[end]]
        else:  # \boxed 5
            token = re.match(r"[^\s$]+", text[end:])
            if token:
                return token.group(0)
    return None


def _math_span(text: str) -> str:
    """Trim an answer phrase to its end of sentence; a single $...$ span in it is the answer."""
    text = text.strip()
    end = _SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text
    spans = list(_MATH_SPAN.finditer(text))
    if len(spans) == 1 or (spans and spans[0].start() == 0 and len(_MATH_SPAN.findall(sentence)) <= 1):
        return next(g for g in spans[0].groups() if g is not None)
    return sentence.replace("$", "")  # "5 or 6", "$5$ or $6$": keep the hedge visible


def extract_answer(text: str, mode: Literal["flexible", "strict"] = "flexible") -> Extraction | None:
    """Find the final answer in a free-form response.

    The last ``\\boxed{}``/``\\fbox{}`` wins; otherwise the last of the explicit markers — GSM8K
    ``#### x``, "the answer is x", an ``Answer: x`` line — by position; and, in flexible mode only, the
    last number in the text.
    """
    boxed = _last_boxed(text)
    if boxed is not None and boxed.strip():
        return Extraction(boxed.strip(), "boxed")
    lowered = text.lower()
    markers = [
        (m, name) for pattern, name, needle in _MARKERS if needle in lowered for m in pattern.finditer(text)
    ]
    for last, name in sorted(markers, key=lambda found: found[0].end(), reverse=True):
        found = _math_span(text[last.end() :].split("\n", 1)[0])  # the rest of the marker's line
        if found.strip(" .*"):
            return Extraction(found.strip(), name)
    if mode == "flexible":
        numbers = _NUMBER.findall(text.replace("−", "-"))
        if numbers:
            return Extraction(numbers[-1], "last_number")
    return None


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


@dataclass(frozen=True)
class Answer:
    """A normalised answer. ``number`` is set for plain numbers (exact); ``letter`` for choice letters."""

    raw: str
    text: str
    number: Fraction | None = None
    decimals: int | None = None  # digits after the point when written as a decimal
    percent: bool = False
    letter: str | None = None


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
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("{,}", ",")
    s = s.replace("**", "").replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    s = _THIN_SPACE.sub("", s)
    s = _SPACING.sub(" ", s)
    s = _DEGREES.sub("", s)
    percent = bool(re.search(r"\\?%\s*$", s))
    s = re.sub(r"\\?%", "", s)
    s = s.strip().rstrip(".,;:").strip()
    s = _TEXT_WRAP.sub(r"\1", s).strip()
    for _ in range(2):  # "5 \text{ cm}^2", "12 square dollars"
        s = _TRAILING_UNIT.sub("", s).strip()
    s = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_HALF.sub(r"\\frac{\1}", s)
    s = _FRAC_TAIL.sub(r"\\frac\1{\2}", s)
    s = _SQRT_SHORT.sub(r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", " ", s).strip().rstrip(".,;:").strip()
    if s.startswith("{") and s.endswith("}") and _brace_group(s, 0) == (s[1:-1], len(s)):
        s = s[1:-1].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "").replace(" ", "")
    return s, percent


_DECIMAL = re.compile(r"^([+-]?)(\d*)\.?(\d*)$")
_FRACTION = re.compile(r"^([+-]?)\s*\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}$|^([+-]?)(\d+)\s*/\s*(\d+)$")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z ]+$")
_LETTER = re.compile(r"^\(?\s*([A-J])\s*\)?(?:[.:)]|\s|$)")
_ANY_LETTER = re.compile(r"(?<![A-Za-z\\])[A-J](?![A-Za-z])")


def _plain_number(s: str) -> tuple[Fraction, int | None] | None:
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


@lru_cache(maxsize=65536)
def parse_answer(text: str, gold: bool = False) -> Answer:
    """Normalise ``text`` (an extracted answer, or a gold answer) into an :class:`Answer`."""
    if gold and ("\\boxed" in text or "####" in text):  # a gold given as a full solution
        found = extract_answer(text, "strict")
        text = found.text if found else text
    s, percent = normalize(text)
    number = _plain_number(s)
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
    )


# ---------------------------------------------------------------------------------------- equivalence


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


@lru_cache(maxsize=4096)
def _to_sympy(text: str) -> Any:
    from latex2sympy2_extended import latex2sympy

    fast = _fast_sympy(text)
    if fast is not None:
        return fast
    pieces = _split_top(text, ",")
    if len(pieces) > 1 and not (text[:1] in "([" and _encloses(text)) and not text.startswith("\\{"):
        return [_to_sympy(piece.strip()) for piece in pieces]  # a bare comma list: a multiset
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
    lhs = obj.lhs
    return isinstance(lhs, sympy.Symbol | sympy.Function) or (
        isinstance(lhs, sympy.Tuple) and all(isinstance(x, sympy.Symbol) for x in lhs)
    )


def sympy_equal(gold: Any, pred: Any, rel_tol: float = 1e-6) -> bool:
    """Gold-guided structural equivalence of two parsed answers."""
    import sympy

    if gold == pred:
        return True
    # x = 3 vs 3 (either side), y = 2x + 1 vs 2x + 1
    if _is_assignment(gold) and not isinstance(pred, sympy.Eq):
        return sympy_equal(gold.rhs, pred, rel_tol)
    if _is_assignment(pred) and not isinstance(gold, sympy.Eq):
        return sympy_equal(gold, pred.rhs, rel_tol)
    if isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq):
        if gold.lhs == pred.lhs and sympy_equal(gold.rhs, pred.rhs, rel_tol):
            return True
        if not all(isinstance(x, sympy.Expr) for x in (gold.lhs, gold.rhs, pred.lhs, pred.rhs)):
            return False  # x = \pm 1 (a set) is only equal through its right-hand side, above
        g, p = gold.lhs - gold.rhs, pred.lhs - pred.rhs
        if p == 0 or g == 0:
            return g == p
        ratio = sympy.simplify(g / p)
        return bool(ratio.is_number and ratio != 0)
    # sets and tuples
    g_items, p_items = _elements(gold), _elements(pred)
    # "(a, b)" reads as a point on one side and an open interval on the other
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Tuple) and len(pred) == 2:
        pred, p_items = sympy.Interval.open(*pred), None
    if isinstance(pred, sympy.Interval) and isinstance(gold, sympy.Tuple) and len(gold) == 2:
        gold, g_items = sympy.Interval.open(*gold), None
    if g_items is not None or p_items is not None:
        if g_items is None or p_items is None:
            return False
        if len(g_items) != len(p_items):
            return False
        # tuples are ordered; sets and bare comma lists (read as lists: multisets) are not
        ordered = isinstance(gold, sympy.Tuple | tuple) and isinstance(pred, sympy.Tuple | tuple)
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
    if (
        isinstance(gold, sympy.Set)
        or isinstance(pred, sympy.Set)
        or isinstance(gold, sympy.Rel)
        or isinstance(pred, sympy.Rel)
    ):
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


def _as_set(obj: Any) -> Any:
    import sympy

    if isinstance(obj, sympy.Set):
        return obj
    if isinstance(obj, sympy.Rel | sympy.And | sympy.Or) and len(obj.free_symbols) == 1:
        try:
            return obj.as_set()
        except Exception:
            return None
    return None


def verify_without_sympy(gold: Answer, pred: Answer, rel_tol: float = 1e-6) -> bool | None:
    """The cheap, bounded part of :func:`verify`: choice letters, identical text, plain numbers.

    None when the answers need sympy.
    """
    if gold.letter is not None and len(gold.text) <= 3:  # a multiple-choice gold: compare letters only
        return pred.letter == gold.letter
    if gold.text == pred.text or (_WORDS.match(gold.text) and gold.text.casefold() == pred.text.casefold()):
        return True
    if gold.number is not None and pred.number is not None:
        return _numbers_equal(gold, pred, rel_tol)
    return None


def verify(gold: Answer, pred: Answer, rel_tol: float = 1e-6) -> bool:
    """Is ``pred`` the same answer as ``gold``? Raises MathParseError when sympy cannot read one."""
    quick = verify_without_sympy(gold, pred, rel_tol)
    if quick is not None:
        return quick
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
            description="strict: explicit answers only (boxed, ####, 'the answer is', 'Answer:'); flexible: also the last number",
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
            return Score.error(str(exc), **details)
        except RecursionError:
            return Score.error("answer nests too deeply to parse (RecursionError)", **details)


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
