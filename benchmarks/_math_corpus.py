"""A differential corpus for math answer verification: every MATH-500 and GSM8K gold rendered as correct
responses in many styles, and as wrong ones, with labels that never come from rewardkit.

Shared by ``benchmarks/math_agreement.py`` (rewardkit against Math-Verify) and
``tests/test_math_corpus.py`` (rewardkit must get every case right).

How the labels are made:

- **Correct renderings are correct by construction.** Each gold is classified by small regexes of its own
  (number, fraction, expression, interval, union, relation, equation, tuple, set, list, matrix, choice,
  text, base-n number) and is rendered only in the styles that keep its meaning for that shape: the gold as
  written in different carriers (``\\boxed{}``, "The answer is $g$", ``\\( g \\)``, ``\\[ g \\]``,
  ``$$ g $$``, "Final answer: g", ``$x = g$``), arithmetic that is computed exactly (``$x = a + b = g$``
  with ``a + b`` equal to the gold as fractions), and notation that cannot change the value (``\\dfrac``,
  ``\\frac13``, ``\\sqrt3``, ``\\left( \\right)``, thousands separators, an unambiguous decimal comma,
  pmatrix/bmatrix, an interval written as the relation it stands for, an equation scaled or rearranged
  term by term). Where a style's meaning for a gold is uncertain the style is skipped for that gold and
  counted in ``corpus_stats()["skipped"]``.
- **Wrong renderings carry a value that is checked to differ.** The perturbed answer (value + 1, a changed
  numerator, a sign flip, a swapped interval bracket or tuple order, a dropped list element, another
  word or choice letter) must satisfy ``_pairs.answers_differ(gold, wrong) is True`` (exact fractions,
  or latex2sympy plus numeric evaluation), or, for the shapes that check cannot read, a structural check
  of this module (linear-equation coefficients, matrix entries, base-n digits, relations, interval ends,
  times of day, a set against an ordered tuple: ``CHECK_DOCS``). A case whose difference is not certain
  is dropped and counted in ``corpus_stats()["dropped"]``. Hedged answers ("$g$ or $g'$") are wrong
  because they name two different values (``g'`` checked as above). Each wrong case keeps its check and
  the two answers it compared in ``Case.checked``.

``CORRECT_DOCS`` and ``WRONG_DOCS`` list every style with why its label holds.
- **Derived golds** widen the shapes the data lacks: some integer golds are also turned into a relation
  gold (``x \\ge 5``), a set gold (``\\{5, 8\\}``), a time gold (``3:00``), a line (``y = 3x - 2``) or a
  price with cents (``18.25``); their ids end in ``#relation``, ``#set``, ``#time``, ``#line`` or
  ``#decimal``.

Integer golds (most of both datasets) are rendered in a seeded sample of their styles (all of them for
the rarer shapes), so the corpus stays at about 25k cases; the build is deterministic.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pairs  # noqa: E402
from _pairs import answers_differ, latex_number, numeric_value  # noqa: E402

SEED = 20250610
# Integer golds are common and cheap: each gets a seeded sample of this many correct / wrong styles
# (number-format styles such as thousands separators are always kept).
INTEGER_SAMPLE = {"math500": (8, 6), "gsm8k": (3, 3)}
# Derived golds (see above) are made from every n-th integer gold of each dataset.
DERIVED_EVERY = {
    "math500": {"relation": 4, "set": 5, "time": 7, "line": 6, "decimal": 6},
    "gsm8k": {"relation": 20, "set": 13, "time": 15, "line": 25, "decimal": 9},
}


@dataclass(frozen=True)
class Case:
    id: str  # "<row id>|<style>" (+ "#derived" for derived golds, "|<n>" when a style repeats)
    dataset: str  # "math500" | "gsm8k"
    gold: str  # the gold exactly as given to the verifier
    response: str
    expected: bool  # True: the response's final answer is the gold's
    style: str  # "correct:<style>" or "wrong:<style>"
    shape: str = ""  # the gold's shape (see classify)
    note: str = ""  # wrong cases: the perturbation and the check that established the label
    # wrong cases: (check, the gold's answer, the response's answer) such that CHECKS[check](...) is True
    checked: tuple[str, str, str] | None = None


# Every style the corpus renders (test_math_corpus checks each occurs), with why its label holds.
CORRECT_DOCS = {
    "boxed": "the gold as written in \\boxed{} at the end of a short derivation",
    "answer_is_inline": "'The answer is $g$.'",
    "inline_paren": "the gold in \\( ... \\) at the end of a sentence",
    "display_brackets": "the gold alone in a \\[ ... \\] display after a short derivation",
    "display_dollars": "the gold alone in a $$ ... $$ display after a short derivation",
    "final_answer_plain": "'Final answer: g' with no math delimiters",
    "assignment": "'$x = g$' in a sentence (a variable name the gold does not use; golds without variables)",
    "chain_sum": "'$x = a + k = g$': a + k equals the gold exactly (fractions); the last side is the answer",
    "chain_product": "'$f \\times q = g$' with f * q equal to the (integer) gold",
    "approx": "'$x \\approx g$': the stated value is the gold",
    "units_dollars": "'The total is $g$ dollars.': a unit after the number",
    "units_text": "'$g \\text{ unit}$'",
    "units_textbf": "'$g \\textbf{ unit}$'",
    "bold_number": "'$\\textbf{g}$'",
    "markdown_bold": "'**g**' in prose",
    "dollar_sign": "'\\$g' in prose (a price)",
    "thousands_comma": "a number >= 1000 written 1,000 in prose",
    "thousands_space": "a number >= 1000 written 1 000",
    "thousands_brace": "a number >= 1000 written 1{,}000",
    "thousands_thin": "a number >= 1000 written 1\\,000",
    "decimal_comma": "a decimal written with a decimal comma (2,74) where the fractional part is not 3 digits",
    "decimal_form": "a fraction gold as its exact (terminating) decimal",
    "fraction_form": "a decimal gold as its exact fraction",
    "frac_slash": "a fraction gold as a/b in prose",
    "mixed_improper": "a mixed-number gold (1\\frac{4}{5}) as the improper fraction",
    "dfrac": "\\frac written \\dfrac (or \\dfrac written \\frac)",
    "cfrac": "\\frac written \\cfrac",
    "frac_short": "\\frac{1}{3} written \\frac13 / \\frac3{4} (or the short form written out)",
    "sqrt_short": "\\sqrt{3} written \\sqrt3 (or back)",
    "left_right": "the answer wrapped in \\left( \\right) (or its brackets written with / without \\left \\right)",
    "degree_symbol": "a degree gold written with the ° sign",
    "degree_word": "a degree gold written 'N degrees'",
    "relation_tex": "an interval gold written as the relation it stands for (x > 5 for (5, \\infty))",
    "relation_ascii": "a relation with ASCII operators (>=, <=, !=)",
    "relation_macro": "a relation with \\geq, \\leq, \\gt, \\lt, \\ne",
    "relation_reversed": "a relation with its sides swapped (5 \\geq x for x \\le 5)",
    "relation_negated": "a relation multiplied by -1 (-x > -1 for x < 1)",
    "interval_of_relation": "a relation gold answered with its interval (or x \\in [a, b] with [a, b])",
    "equation_swapped": "an equation with its sides swapped",
    "equation_scaled": "a linear equation with both sides multiplied by 2 or 3 (computed term by term)",
    "equation_rearranged": "a linear equation moved to one side (= 0), computed term by term",
    "equation_value": "an assignment gold (x=5) answered with its value",
    "tuple_spacing": "a tuple with spaces after the commas added or removed",
    "list_reordered": "an unordered list of solutions in another order (the problem asks for no order)",
    "list_as_set": "an unordered list of solutions written as a set",
    "set_reordered": "a set with its elements in another order",
    "bmatrix": "a pmatrix gold written with bmatrix",
    "matrix_frac": "matrix entries a/b written \\frac{a}{b}",
    "choice_bare": "a choice gold \\text{(C)} answered (C) or 'Answer: C'",
    "text_bare": "a text gold \\text{even} answered with the bare word",
    "time": "a time-of-day gold (derived) answered with the same time",
    "trailing_remark": "'... is $g$.' followed by a remark with no numbers",
    "markdown_answer_label": "'**Answer:** $g$' (or '**Final Answer:** $g$', '**Answer**: g') on its own line",
    "period_inside": "the sentence's period inside the math: '$g.$'",
    "answer_is_assignment": "'The answer is $x = g$.'",
    "display_assignment": "'x = g' alone in a \\[ ... \\] display",
    "aligned_chain": "a \\begin{aligned} chain in a display whose last line is '&= g' (exact arithmetic)",
    "answer_because": "'The answer is $g$ since each of the 2 parts counts once.' (a number after the answer)",
    "boxed_units": "'\\boxed{g \\text{ unit}}'",
    "scientific": "a number >= 1000 in scientific notation with an exact mantissa (2.88 \\times 10^{4})",
    "list_prose": "a list / set answered in prose, one math span per element: 'The solutions are $3$, $5$, and $7$.'",
    "bare_latex": "LaTeX with no math delimiters at the end of a sentence: 'So we get \\frac{\\sqrt{3}}{3}.'",
    "named_value": "'Hence the value of $x$ is $g$.' (a math span naming the variable before the value)",
    "unicode_minus": "a negative number written with the Unicode minus sign (−5) in prose",
    "corrected_answer": "a wrong value first, then corrected: 'At first I got $g'$, but ...; the correct value is $g$.'",
    "gold_dollar": "the gold written with $...$ delimiters",
    "gold_solution": "the whole reference solution (with its \\boxed{} / #### answer) given as the gold",
    "gold_relation": "the gold written as a relation (sometimes in $...$), answered with a spelling of it",
}
WRONG_DOCS = {
    "perturbed_boxed": "a changed value (+1, -1, sign flip, numerator / denominator, first integer) in \\boxed{}",
    "perturbed_inline": "a changed value in 'The answer is $...$.'",
    "perturbed_paren": "a changed value in \\( ... \\)",
    "perturbed_display": "a changed value in a \\[ ... \\] display",
    "perturbed_assignment": "a changed value in '$x = ...$'",
    "perturbed_plain": "a changed value after 'Final answer:' with no math delimiters",
    "two_values": "'The solutions are $g$ and $g'$.' for a gold that is one value",
    "perturbed_markdown": "a changed value after '**Answer:**'",
    "perturbed_remark": "a changed value followed by a remark with no numbers",
    "perturbed_prose": "a changed number in plain prose, no LaTeX",
    "hedged_answer_is": "'The answer is $g$ or $g'$.': two different values, so no single answer",
    "hedged_either": "'The answer is either g or g'.'",
    "hedged_inline": "'So $x = g$ or $x = g'$.' with no answer marker",
    "infinity": "\\infty (a non-finite value) for a finite gold",
    "interval_for_number": "an interval ([0, g), -[0, g), [g, g+1)) for a number gold",
    "decimal_comma_perturbed": "a changed value written with a decimal comma",
    "mention_inside": "the gold only inside a bigger expression whose value differs ($2 \\cdot g + 1$)",
    "chain_ends_elsewhere": "a chain that starts at the gold and ends at another value ($x = g + k = g+k$)",
    "interval_bracket": "an interval with one finite end's bracket swapped",
    "tuple_swapped": "an ordered tuple with two different elements swapped",
    "set_as_tuple": "a set gold answered with an ordered tuple in another order",
    "list_dropped": "a list / set with its last element dropped",
    "relation_flipped": "a relation with its direction flipped (or = for a \\neq gold)",
    "relation_strictness": "a relation with strict and non-strict swapped",
    "relation_perturbed": "a relation with another bound",
    "corrected_away": "the gold first, then 'corrected' to another value: the last value stated is the answer",
    "thousands_perturbed": "a changed number (+1 or +1000) written with thousands separators",
    "scientific_perturbed": "scientific notation with the exponent one too large",
    "relation_for_number": "an inequality (x > g) for a number gold",
    "partial_tuple": "only the first element of a tuple gold",
    "other_time": "another time of day (12:00 for 1:00, or 30 minutes off)",
    "other_choice": "another choice letter",
    "hedged_choice": "two choice letters",
    "other_text": "another word",
    "gold_dollar_perturbed": "a gold written in $...$ against a changed value",
    "gold_solution_perturbed": "a whole reference solution as the gold against a changed value",
    "gold_relation_bracket": "a relation gold against its interval with one bracket swapped",
}
CORRECT_STYLES = tuple(CORRECT_DOCS)
WRONG_STYLES = tuple(WRONG_DOCS)


def style_doc(style: str) -> str:
    """Why a style's label holds (style as in Case.style: "correct:boxed")."""
    kind, name = style.split(":", 1)
    return (CORRECT_DOCS if kind == "correct" else WRONG_DOCS)[name]


# How a wrong label may be established (Case.note ends with "check=<one of these>").
# How a wrong label may be established: the check (run on the gold's answer and the wrong answer) must
# say True. Functions in CHECKS, below.
CHECK_DOCS = {
    "answers_differ": "_pairs.answers_differ(gold, wrong) is True (exact fractions, or latex2sympy + numeric)",
    "linear_equation": "linear equations whose coefficient vectors are not proportional (exact fractions)",
    "matrix_entries": "matrices of the same shape with an entry that differs (exact fractions)",
    "base_digits": "base-n numbers in the same base with different (valid) digits",
    "relation": "x <op> n relations whose operator or value differs",
    "time": "times of day h:mm with a different hour or minute (12-hour clock)",
    "set_vs_tuple": "a \\{...\\} set answered with an ordered (...) tuple",
    "union_end": "unions of intervals with numeric ends whose membership differs at some point",
    "set_elements": "\\{...\\} sets of plain numbers with different elements (exact fractions)",
    "interval_vs_number": "a plain-number gold against an interval (or a negated one)",
    "not_a_number": "a plain-number gold against an inequality x <op> n",
}

LEADS = (
    "Let's work through the problem step by step.",
    "We set up the relation from the statement and simplify.",
    "Putting the 2 partial results together gives the value below.",
    "Collecting terms and simplifying carefully, we obtain the result.",
    "After checking the 3 cases, only one of them works.",
    "We compute the quantity directly from the given data.",
    "Substituting the known values and simplifying:",
)
# Where notation variants put their answer: the free-form carriers of the correct styles, chosen per case.
FREE_CARRIERS = (
    "{lead}\nThe answer is ${a}$.",
    "{lead} So the value we want is \\( {a} \\).",
    "{lead} Therefore\n\\[\n{a}\n\\]",
    "{lead} Hence\n$$ {a} $$",
    "{lead} So $\\boxed{{{a}}}$.",
    "{lead}\nFinal answer: ${a}$",
)
# Remarks after the answer (no numbers): the answer is not the last thing in the response.
REMARKS = (
    "This matches every condition in the problem.",
    "We can check this by substituting back.",
    "That completes the solution.",
)
# A first value, then a correction: the final one is the answer ({first} certainly differs from {final}).
CORRECTIONS = (
    "At first I got ${first}$, but that was an arithmetic slip; the correct value is ${final}$.",
    "One might guess ${first}$, but checking again the answer is ${final}$.",
)
VARIABLES = ("x", "k", "n", "a", "t", "m", "y")
UNITS = ("apples", "cm", "meters", "hours", "dollars", "students", "miles")
# Natural alternatives for the text golds (a wrong text answer); anything else gets another text gold.
OTHER_WORDS = {"even": "odd", "odd": "even", "east": "west", "ellipse": "parabola", "Evelyn": "Navin"}


# ------------------------------------------------------------------------------------------- shapes

_MATRIX = re.compile(r"^\\begin\{([pb])matrix\}(.*)\\end\{\1matrix\}$", re.S)
_CHOICE = re.compile(r"^\\text\{\(([A-E])\)\}$")
_TEXT = re.compile(r"^\\text\{([A-Za-z][A-Za-z ]*)\}$")
_BASED = re.compile(r"^(\d+)_\{?(\d+)\}?$")
_DOLLAR_PREFIX = re.compile(r"^\\\$\s*")
_SUFFIX = re.compile(r"(\s*\^\s*\{?\s*\\circ\s*\}?|\s*\\(?:text|mbox)\s*\{[^{}]*\}(?:\^\{?\d\}?)?)$")
_RELATION_OPS = re.compile(r"\\(?:leq?|geq?|neq?|lt|gt)(?![a-zA-Z])|<|>")
_INTERVAL_WORDS = re.compile(r"interval|range of|domain of|set of all possible values|values of", re.I)
_POINT_WORDS = re.compile(r"ordered (?:pair|triple|quadruple)|point|\(x,\s*y\)|coordinates|\(a,\s*b\)", re.I)


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside brackets and braces (any of ([{ opens, any of )]} closes)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    return [*parts, text[start:]]


def _strip_left_right(text: str) -> str:
    return re.sub(r"\\(?:left|right)\s*(?=[(\[)\]]|\\[{}])", "", text)


def outer_brackets(text: str) -> tuple[str, str, str] | None:
    """(open, inner, close) when one pair of brackets encloses the whole text (``(a+5)(b+2)`` is not)."""
    s = _strip_left_right(text.strip())
    if len(s) < 2 or s[0] not in "([" or s[-1] not in ")]":
        return None
    depth = 0
    for i, c in enumerate(s):
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0 and i < len(s) - 1:
            return None
    return s[0], s[1:-1], s[-1]


@dataclass(frozen=True)
class NumberGold:
    prefix: str  # "\\$" or ""
    core: str  # the number as written
    suffix: str  # "^\\circ", "\\text{ cents}", ...
    value: Fraction
    form: str  # integer | decimal | fraction | mixed

    @property
    def decimals(self) -> int:
        return len(self.core.split(".", 1)[1]) if self.form == "decimal" else 0

    def write(self, value: Fraction) -> str:
        """A value written in this gold's form (same number of decimals for a decimal gold)."""
        if self.form == "decimal":
            return _decimal(value, self.decimals)
        return latex_number(value)

    @property
    def plain(self) -> str:
        """The number with no LaTeX: 12, 0.35625, 3/2."""
        if self.form == "integer":
            return str(self.value)
        if self.form == "decimal":
            return _decimal(self.value, self.decimals)
        return f"{self.value.numerator}/{self.value.denominator}"


def _decimal(value: Fraction, digits: int) -> str:
    scaled = value * 10**digits
    if scaled.denominator != 1:
        raise ValueError(f"{value} has more than {digits} decimals")
    sign, n = ("-" if scaled < 0 else ""), abs(scaled.numerator)
    whole, frac = divmod(n, 10**digits)
    return f"{sign}{whole}" + (f".{frac:0{digits}d}" if digits else "")


def number_gold(gold: str) -> NumberGold | None:
    s = gold.strip()
    if numeric_value(s) is None:
        return None
    prefix = "\\$" if _DOLLAR_PREFIX.match(s) else ""
    core = _DOLLAR_PREFIX.sub("", s)
    m = _SUFFIX.search(core)
    suffix = m.group(1).strip() if m else ""
    core = core[: m.start()].strip() if m else core
    value = numeric_value(core)
    if value is None:
        return None
    if "\\frac" in core or "/" in core:
        form = "mixed" if re.match(r"^-?\d+\s*\\[dt]?frac", core) else "fraction"
    elif "." in core:
        form = "decimal"
        core = re.sub(r"^(-?)\.", r"\g<1>0.", core)
    else:
        form = "integer"
    return NumberGold(prefix, core, suffix, value, form)


def classify(gold: str, problem: str = "") -> str:
    """The gold's shape, from its text (and, for "(a, b)", the problem's wording)."""
    s = gold.strip()
    if _MATRIX.match(s):
        return "matrix"
    if _CHOICE.match(s):
        return "choice"
    if _TEXT.match(s):
        return "text"
    if _BASED.match(s):
        return "based"
    if (n := number_gold(s)) is not None:
        return n.form if n.form != "mixed" else "fraction"
    if re.match(r"^x\s*\\in\s*", s) and outer_brackets(re.sub(r"^x\s*\\in\s*", "", s)):
        return "membership"
    if "\\cup" in s:
        return "union"
    if s.startswith("\\{") and s.endswith("\\}"):
        return "set"
    if _RELATION_OPS.search(s):
        return "relation"
    if "=" in s:
        return "equation"
    outer = outer_brackets(s)
    if outer is not None:
        opening, inner, closing = outer
        items = split_top(inner)
        if len(items) == 2 and (opening + closing != "()" or "\\infty" in inner):
            return "interval"
        if len(items) > 2 and opening + closing == "()":
            return "tuple"
        if len(items) == 2:
            if _INTERVAL_WORDS.search(problem):
                return "interval"
            if _POINT_WORDS.search(problem):
                return "tuple"
            return "pair_ambiguous"
    if len(split_top(s)) > 1:
        return "list"
    return "expression"


# ---------------------------------------------------------------------------------- exact helpers


def _letters(text: str) -> set[str]:
    return set(re.sub(r"\\[a-zA-Z]+", "", text).lower()) & set("abcdefghijklmnopqrstuvwxyz")


def free_variable(text: str, rng: random.Random) -> str | None:
    """A variable name that does not occur in text (case-insensitively)."""
    used = _letters(text)
    choices = [v for v in VARIABLES if v not in used]
    return rng.choice(choices) if choices else None


def _has_variables(text: str) -> bool:
    """Letters outside LaTeX commands (\\pi, \\sqrt, \\text{...} units are not variables)."""
    s = re.sub(r"\\(?:text|mbox)\s*\{[^{}]*\}", "", text)
    s = re.sub(r"_\{?\d+\}?", "", s)
    return bool(_letters(s) - {"i"}) or bool(re.search(r"(?<![a-zA-Z\\])i(?![a-zA-Z])", s))


def _perturb_first_integer(text: str) -> str | None:
    """The text with its first integer literal (outside LaTeX commands) increased by one."""
    for m in re.finditer(r"\\[a-zA-Z]+|\d+", text):
        if m.group().isdigit():
            return text[: m.start()] + str(int(m.group()) + 1) + text[m.end() :]
    return None


def _negate_latex(text: str) -> str | None:
    """-text for a simple term (a number, \\frac, \\sqrt...); None when the text has a top-level + or -."""
    s = text.strip()
    body = s[1:] if s.startswith("-") else s
    if re.search(r"(?<![{(\[^_])[+-]", body) or "\\pm" in body:
        return None
    return body if s.startswith("-") else f"-{body}"


def _short_fracs(text: str) -> str | None:
    """\\frac{1}{3} -> \\frac13 (one digit or letter each), or back: None when there is nothing to toggle."""
    if re.search(r"\\frac\s*\d\s*\d|\\frac\s*\d\s*\{|\\frac\s*\{[^{}]*\}\s*\d", text):
        return _long_forms(text)

    out = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", lambda m: _short_one(m.group(1), m.group(2)), text)
    return out if out != text else None


def _short_one(num: str, den: str) -> str:
    if len(num) == 1 and len(den) == 1:
        return f"\\frac{num}{den}"
    if len(num) == 1:
        return f"\\frac{num}{{{den}}}"
    if len(den) == 1:
        return f"\\frac{{{num}}}{den}"
    return f"\\frac{{{num}}}{{{den}}}"


_MEMBERSHIP = re.compile(r"^x\s*\\in\s*")


def _long_forms(text: str) -> str:
    """\\frac13, \\frac3{4}, \\sqrt2 written out with braces (same meaning, readable by latex2sympy)."""
    s = re.sub(r"\\sqrt\s*(\d)", r"\\sqrt{\1}", text)
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*(\d)\s*(?=\{)", r"\\frac{\1}", s)
    return re.sub(r"\\frac\s*(\{[^{}]*\})\s*(\d)", r"\\frac\1{\2}", s)


def _short_sqrt(text: str) -> str | None:
    if re.search(r"\\sqrt\s*\d", text):
        return re.sub(r"\\sqrt\s*(\d)", r"\\sqrt{\1}", text)
    out = re.sub(r"\\sqrt\{(\d)\}", r"\\sqrt\1", text)
    return out if out != text else None


# Linear equations: "y = 2x + 3", "5x - 7y + 11z + 4 = 0" as {variable or "": coefficient}
_TERM = re.compile(r"\s*([+-]?)\s*(\d*)\s*([a-z]?)\s*")


def linear_side(text: str) -> dict[str, Fraction] | None:
    s, pos, out = text.strip(), 0, Counter()
    if not s:
        return None
    while pos < len(s):
        m = _TERM.match(s, pos)
        if not m or m.end() == pos or not (m.group(2) or m.group(3)):
            return None
        if pos and not m.group(1):  # terms after the first need a sign
            return None
        coefficient = Fraction(int(m.group(2))) if m.group(2) else Fraction(1)
        out[m.group(3)] += -coefficient if m.group(1) == "-" else coefficient
        pos = m.end()
    return {k: Fraction(v) for k, v in out.items()}


def linear_equation(text: str) -> tuple[dict[str, Fraction], dict[str, Fraction]] | None:
    sides = text.split("=")
    if len(sides) != 2:
        return None
    lhs, rhs = linear_side(sides[0]), linear_side(sides[1])
    return None if lhs is None or rhs is None else (lhs, rhs)


def _normal(eq: tuple[dict[str, Fraction], dict[str, Fraction]]) -> dict[str, Fraction]:
    lhs, rhs = eq
    out = {k: lhs.get(k, Fraction(0)) - rhs.get(k, Fraction(0)) for k in set(lhs) | set(rhs)}
    return {k: v for k, v in out.items() if v != 0}


def equations_differ(a: str, b: str) -> bool | None:
    """Two linear equations: True when their normal forms are not proportional."""
    ea, eb = linear_equation(a), linear_equation(b)
    if ea is None or eb is None:
        return None
    na, nb = _normal(ea), _normal(eb)
    if not na or not nb or set(na) != set(nb):
        return True if na and nb else None
    key = next(iter(na))
    ratio = na[key] / nb[key]
    return any(na[k] != ratio * nb[k] for k in na)


def write_linear(side: dict[str, Fraction]) -> str:
    terms = [(k, v) for k, v in sorted(side.items(), key=lambda kv: (kv[0] == "", kv[0])) if v != 0]
    if not terms:
        return "0"
    out = ""
    for i, (name, value) in enumerate(terms):
        assert value.denominator == 1
        sign = "-" if value < 0 else "+"
        magnitude = abs(value.numerator)
        body = (str(magnitude) if magnitude != 1 or not name else "") + name
        out += (("-" if sign == "-" else "") + body) if i == 0 else f" {sign} {body}"
    return out


def matrix_entries(text: str) -> list[list[str]] | None:
    m = _MATRIX.match(text.strip())
    if not m:
        return None
    return [[cell.strip() for cell in row.split("&")] for row in m.group(2).split("\\\\") if row.strip()]


def matrices_differ(a: str, b: str) -> bool | None:
    ea, eb = matrix_entries(a), matrix_entries(b)
    if ea is None or eb is None:
        return None
    if [len(r) for r in ea] != [len(r) for r in eb]:
        return True
    values = [
        (numeric_value(x), numeric_value(y))
        for ra, rb in zip(ea, eb, strict=True)
        for x, y in zip(ra, rb, strict=True)
    ]
    if any(x is None or y is None for x, y in values):
        return None
    return any(x != y for x, y in values)


def sets_differ(a: str, b: str) -> bool | None:
    """Two ``\\{...\\}`` sets of plain numbers: True when their elements differ (exact fractions)."""
    items = []
    for text in (a, b):
        s = text.strip()
        if not (s.startswith("\\{") and s.endswith("\\}")):
            return None
        values = [numeric_value(p) for p in split_top(s[2:-2])]
        if any(v is None for v in values):
            return None
        items.append(set(values))
    return items[0] != items[1]


@dataclass(frozen=True)
class Interval:
    opening: str  # "(" or "["
    low: str
    high: str
    closing: str

    @property
    def text(self) -> str:
        return f"{self.opening}{self.low}, {self.high}{self.closing}"


def parse_interval(text: str) -> Interval | None:
    outer = outer_brackets(text)
    if outer is None:
        return None
    items = [p.strip() for p in split_top(outer[1])]
    if len(items) != 2 or not all(items):
        return None
    return Interval(outer[0], items[0], items[1], outer[2])


def _infinite(end: str) -> bool:
    return end.replace(" ", "") in ("\\infty", "-\\infty", "+\\infty")


_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def times_differ(a: str, b: str) -> bool | None:
    ta, tb = _TIME.match(a.strip()), _TIME.match(b.strip())
    if not ta or not tb:
        return None
    return (int(ta.group(1)) % 12, int(ta.group(2))) != (int(tb.group(1)) % 12, int(tb.group(2)))


def base_numbers_differ(a: str, b: str) -> bool | None:
    ma, mb = _BASED.match(a.strip()), _BASED.match(b.strip())
    if not ma or not mb or ma.group(2) != mb.group(2):
        return None
    base = int(ma.group(2))
    if not all(int(d) < base for d in ma.group(1) + mb.group(1)):
        return None
    return int(ma.group(1), base) != int(mb.group(1), base)


def set_vs_tuple(a: str, b: str) -> bool | None:
    """A set gold against a bracketed ordered tuple (the brackets enclose the whole answer)."""
    s = a.strip()
    outer = outer_brackets(b)
    if not (s.startswith("\\{") and s.endswith("\\}")) or outer is None or outer[0] + outer[2] != "()":
        return None
    return len(split_top(outer[1])) > 1 or None


def _union_parts(text: str) -> list[tuple[bool, Fraction | None, Fraction | None, bool]] | None:
    """(low closed, low, high, high closed) per interval, None for an infinite end."""
    parts = []
    for piece in split_top(text, "\\cup"):
        iv = parse_interval(piece)
        if iv is None:
            return None
        low = None if _infinite(iv.low) else numeric_value(iv.low)
        high = None if _infinite(iv.high) else numeric_value(iv.high)
        if (low is None and not _infinite(iv.low)) or (high is None and not _infinite(iv.high)):
            return None
        parts.append((iv.opening == "[", low, high, iv.closing == "]"))
    return parts


def _member(parts: list, x: Fraction) -> bool:
    for low_closed, low, high, high_closed in parts:
        above = low is None or x > low or (low_closed and x == low)
        below = high is None or x < high or (high_closed and x == high)
        if above and below:
            return True
    return False


def unions_differ(a: str, b: str) -> bool | None:
    """Unions of intervals with numeric ends: True when some point belongs to one and not the other (the
    points tried, every end and a point between and beyond them, decide it)."""
    pa, pb = _union_parts(a), _union_parts(b)
    if pa is None or pb is None:
        return None
    ends = sorted({e for p in pa + pb for e in (p[1], p[2]) if e is not None})
    if not ends:
        return None
    points = [
        ends[0] - 1,
        ends[-1] + 1,
        *ends,
        *((x + y) / 2 for x, y in zip(ends[:-1], ends[1:], strict=True)),
    ]
    return any(_member(pa, x) != _member(pb, x) for x in points)


def interval_vs_number(a: str, b: str) -> bool | None:
    if numeric_value(a) is None:
        return None
    iv = parse_interval(b.strip().removeprefix("-"))
    return True if iv is not None else None


def relation_vs_number(a: str, b: str) -> bool | None:
    """A plain-number gold against a relation x <op> n (a set of numbers, not one)."""
    if numeric_value(a) is None:
        return None
    return True if _REL.match(b) and not re.search(r"(?<![<>!\\])=", b) else None


CHECKS = {
    "answers_differ": answers_differ,
    "linear_equation": equations_differ,
    "matrix_entries": matrices_differ,
    "base_digits": base_numbers_differ,
    "relation": lambda a, b: relations_differ(a, b),  # defined below, with the relation helpers
    "time": times_differ,
    "set_vs_tuple": set_vs_tuple,
    "union_end": unions_differ,
    "set_elements": sets_differ,
    "interval_vs_number": interval_vs_number,
    "not_a_number": relation_vs_number,
}
assert set(CHECKS) == set(CHECK_DOCS)

# ---------------------------------------------------------------------------------------------- build


@dataclass
class Stats:
    by_style: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # style not rendered: meaning uncertain for that gold
    dropped: Counter = field(default_factory=Counter)  # wrong case dropped: difference not certain
    shapes: Counter = field(default_factory=Counter)
    sampled_out: Counter = field(default_factory=Counter)  # integer golds' styles left out by the sample


@dataclass
class Gold:
    rid: str
    dataset: str
    gold: str
    shape: str
    problem: str = ""
    solution: str = ""
    derived: str = ""


class _Builder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.stats = Stats()
        self.text_golds: list[str] = []

    # ---- case makers

    def _rng(self, g: Gold, salt: str = "") -> random.Random:
        return random.Random(f"{self.seed}|{g.rid}|{g.derived}|{salt}")

    def lead(self, g: Gold, salt: str) -> str:
        return self._rng(g, "lead" + salt).choice(LEADS)

    def correct(self, out: list[Case], g: Gold, style: str, response: str, gold: str | None = None) -> None:
        assert style in CORRECT_STYLES, style
        out.append(
            Case(
                g.derived,  # the final id is set in finish()
                g.dataset,
                gold if gold is not None else g.gold,
                response,
                True,
                f"correct:{style}",
                g.shape,
            )
        )

    def wrong(
        self,
        out: list[Case],
        g: Gold,
        style: str,
        response: str,
        answer: str,
        how: str,
        check: str = "answers_differ",
        gold: str | None = None,
        reference: str | None = None,
    ) -> None:
        """A wrong case whose final answer is ``answer``: kept only when it certainly differs from the gold
        (``reference``: the gold's answer when ``gold`` is a whole solution)."""
        assert style in WRONG_STYLES, style
        # compare what the answers state: "x \\in [a, b]" states [a, b]; \\sqrt2 is \\sqrt{2}
        expected, found = (_long_forms(_MEMBERSHIP.sub("", t.strip())) for t in (reference or g.gold, answer))
        if CHECKS[check](expected, found) is not True:
            self.stats.dropped[style] += 1
            return
        checked = (check, expected, found)
        out.append(
            Case(
                g.derived,
                g.dataset,
                gold if gold is not None else g.gold,
                response,
                False,
                f"wrong:{style}",
                g.shape,
                f"{how}; check={check}",
                checked,
            )
        )

    def free(self, g: Gold, answer: str) -> str:
        """``answer`` at the end of a short derivation in one of the free-form carriers (seeded)."""
        rng = self._rng(g, "free" + answer)
        return rng.choice(FREE_CARRIERS).format(lead=self.lead(g, "f" + answer), a=answer)

    def skip(self, style: str) -> None:
        self.stats.skipped[style] += 1

    # ---- carriers shared by every shape

    def carriers(self, out: list[Case], g: Gold, answer: str) -> None:
        lead = self.lead(g, "c")
        self.correct(out, g, "boxed", f"{lead} So $\\boxed{{{answer}}}$.")
        self.correct(out, g, "answer_is_inline", f"{lead}\nThe answer is ${answer}$.")
        self.correct(out, g, "inline_paren", f"{lead} So the value we want is \\( {answer} \\).")
        self.correct(out, g, "display_brackets", f"{lead} Therefore\n\\[\n{answer}\n\\]")
        self.correct(out, g, "display_dollars", f"{lead} Hence\n$$ {answer} $$")
        self.correct(out, g, "final_answer_plain", f"{lead}\nFinal answer: {answer}")
        rng = self._rng(g, "carriers")
        remark = rng.choice(REMARKS)
        self.correct(out, g, "trailing_remark", f"{lead} So the value we want is ${answer}$. {remark}")
        label = rng.choice(("**Answer:** ${a}$", "**Final Answer:** ${a}$", "**Answer**: {a}"))
        self.correct(out, g, "markdown_answer_label", f"{lead}\n\n" + label.format(a=answer))
        self.correct(out, g, "period_inside", f"{lead} Therefore the result is ${answer}.$")

    def assignment(self, out: list[Case], g: Gold, answer: str) -> None:
        rng = self._rng(g, "assign")
        name = free_variable(answer, rng)
        if name is None:
            self.skip("assignment")
            return
        template = rng.choice(
            (
                "Solving, we find that ${v} = {a}$.",
                "This gives ${v} = {a}$, which satisfies every condition.",
                "Therefore ${v} = {a}$ is the value we are looking for.",
            )
        )
        self.correct(out, g, "assignment", f"{self.lead(g, 'a')} " + template.format(v=name, a=answer))
        lead = self.lead(g, "aa")
        self.correct(out, g, "answer_is_assignment", f"{lead}\nThe answer is ${name} = {answer}$.")
        self.correct(
            out, g, "display_assignment", f"{lead} Solving for ${name}$,\n\\[\n{name} = {answer}\n\\]"
        )
        self.correct(out, g, "named_value", f"{lead} Hence the value of ${name}$ is ${answer}$.")

    def wrong_carriers(self, out: list[Case], g: Gold, variants: list[tuple[str, str]]) -> None:
        """Perturbed answers (how, text) in the carriers, the perturbation rotating over the carriers."""
        if not variants:
            for style in ("perturbed_boxed", "perturbed_inline", "perturbed_paren", "perturbed_display"):
                self.skip(style)
            return
        lead = self.lead(g, "w")
        pick = self._rng(g, "wrong")
        templates = [
            ("perturbed_boxed", "{lead} So $\\boxed{{{a}}}$."),
            ("perturbed_inline", "{lead}\nThe answer is ${a}$."),
            ("perturbed_paren", "{lead} So the value we want is \\( {a} \\)."),
            ("perturbed_display", "{lead} Therefore\n\\[\n{a}\n\\]"),
            ("perturbed_plain", "{lead}\nFinal answer: {a}"),
            ("perturbed_markdown", "{lead}\n\n**Answer:** ${a}$"),
            ("perturbed_remark", "{lead} So the value we want is ${a}$. That completes the solution."),
        ]
        for i, (style, template) in enumerate(templates):
            how, answer = variants[(i + pick.randrange(len(variants))) % len(variants)]
            self.wrong(out, g, style, template.format(lead=lead, a=answer), answer, how)
        how, answer = variants[pick.randrange(len(variants))]
        name = free_variable(answer + g.gold, pick)
        if name is not None and not _has_variables(g.gold) and g.shape not in ("tuple", "interval", "set"):
            self.wrong(
                out,
                g,
                "perturbed_assignment",
                f"{lead} Solving, we find that ${name} = {answer}$.",
                answer,
                how,
            )
        else:
            self.skip("perturbed_assignment")

    def hedges(self, out: list[Case], g: Gold, answer: str, other: tuple[str, str] | None) -> None:
        if other is None:
            for style in ("hedged_answer_is", "hedged_either", "hedged_inline"):
                self.skip(style)
            return
        how, alternative = other
        rng = self._rng(g, "hedge")
        pairs = [(answer, alternative), (alternative, answer)]
        first, second = pairs[rng.randrange(2)]
        how = f"hedge with {how}"
        lead = self.lead(g, "h")
        reference = answer if g.derived else None
        text = f"{lead}\nThe answer is ${first}$ or ${second}$."
        self.wrong(out, g, "hedged_answer_is", text, alternative, how, reference=reference)
        first, second = pairs[rng.randrange(2)]
        text = f"{lead}\nThe answer is either {first} or {second}."
        self.wrong(out, g, "hedged_either", text, alternative, how, reference=reference)
        first, second = pairs[rng.randrange(2)]
        name = free_variable(first + second, rng)
        if name and not _has_variables(g.gold) and g.shape not in ("tuple", "interval", "set", "list"):
            text = f"{lead} So ${name} = {first}$ or ${name} = {second}$."
        else:
            text = f"{lead} So it is ${first}$ or ${second}$."
        self.wrong(out, g, "hedged_inline", text, alternative, how, reference=reference)
        if g.shape in ("integer", "decimal", "fraction", "expression"):  # one value asked, two given
            first, second = pairs[rng.randrange(2)]
            text = f"{lead} The solutions are ${first}$ and ${second}$."
            self.wrong(
                out, g, "two_values", text, alternative, how.replace("hedge", "list"), reference=reference
            )
        # a value corrected in the text: the last one stated is the answer
        what = f"{how.removeprefix('hedge with ')}; corrected"
        template = rng.choice(CORRECTIONS)
        text = f"{lead} " + template.format(first=alternative, final=answer)
        if self.wrong_is_certain(g, alternative, reference):
            self.correct(out, g, "corrected_answer", text)
        else:
            self.skip("corrected_answer")
        text = f"{lead} " + template.format(first=answer, final=alternative)
        self.wrong(out, g, "corrected_away", text, alternative, what, reference=reference)

    def wrong_is_certain(self, g: Gold, alternative: str, reference: str | None = None) -> bool:
        """Does the alternative certainly differ from the gold (so that correcting it away is meaningful)?"""
        expected, found = (
            _long_forms(_MEMBERSHIP.sub("", t.strip())) for t in (reference or g.gold, alternative)
        )
        return answers_differ(expected, found) is True

    # ---- per shape

    def number(self, out: list[Case], g: Gold) -> None:
        n = number_gold(g.gold)
        assert n is not None
        answer = g.gold.strip()
        rng = self._rng(g, "number")
        lead = self.lead(g, "n")
        self.carriers(out, g, answer)
        self.assignment(out, g, answer)
        # exact arithmetic ending in the gold
        k = rng.randint(1, 9)
        head = n.write(n.value - k) if n.form != "mixed" else latex_number(n.value - k)
        assert numeric_value(head) is not None and numeric_value(head) + k == n.value
        name = free_variable(answer, rng) or "x"
        self.correct(out, g, "chain_sum", f"{lead} Adding up, ${name} = {head} + {k} = {answer}$.")
        aligned = f"\\begin{{aligned}}\n{name} &= {head} + {k} \\\\\n&= {answer}\n\\end{{aligned}}"
        self.correct(out, g, "aligned_chain", f"{lead} Adding up,\n\\[\n{aligned}\n\\]")
        self.correct(
            out,
            g,
            "answer_because",
            f"{lead}\nThe answer is ${answer}$ since each of the 2 parts counts once.",
        )
        if n.form == "integer" and abs(n.value) >= 4:
            factors = [f for f in range(2, 10) if n.value % f == 0 and abs(n.value) // f > 1]
            if factors:
                f = rng.choice(factors)
                self.correct(out, g, "chain_product", f"In total, ${f} \\times {n.value // f} = {answer}$.")
        self.correct(out, g, "approx", f"{lead} Numerically, ${name} \\approx {answer}$.")
        undecorated = not n.prefix and not n.suffix
        if undecorated and n.form in ("integer", "decimal"):
            p = n.plain
            unit = rng.choice(UNITS)
            self.correct(out, g, "units_dollars", f"{lead} The total is ${p}$ dollars.")
            self.correct(out, g, "units_text", f"{lead} This comes to ${p} \\text{{ {unit}}}$.")
            self.correct(out, g, "units_textbf", f"{lead} We end up with ${p} \\textbf{{ {unit}}}$.")
            self.correct(out, g, "bold_number", f"{lead} The result is $\\textbf{{{p}}}$.")
            self.correct(out, g, "boxed_units", f"{lead} So $\\boxed{{{p} \\text{{ {unit}}}}}$.")
            self.correct(out, g, "markdown_bold", f"{lead} The result is **{p}**.")
            if n.value >= 0:
                self.correct(out, g, "dollar_sign", f"{lead} So she pays \\${p} in total.")
        elif n.prefix == "\\$":
            self.correct(out, g, "dollar_sign", f"{lead} So she pays \\${n.plain} in total.")
            self.correct(out, g, "units_dollars", f"{lead} The total is ${n.plain}$ dollars.")
        if "circ" in n.suffix or "degree" in n.suffix:
            core = n.core
            self.correct(out, g, "degree_symbol", f"{lead} The angle measures ${core}°$.")
            if n.form == "integer":
                self.correct(out, g, "degree_word", f"{lead} The angle measures {core} degrees.")
        # number formats
        if n.form == "integer" and abs(n.value) >= 1000:
            grouped = f"{int(n.value):,}"
            wrap = n.prefix
            self.correct(
                out,
                g,
                "thousands_comma",
                f"{lead} That makes {wrap}{grouped} {n.suffix or ('' if wrap else 'dollars')} in total.".replace(
                    "  ", " "
                ),
            )
            self.correct(
                out,
                g,
                "thousands_space",
                f"{lead}\nThe answer is ${wrap}{grouped.replace(',', ' ')}{n.suffix}$.",
            )
            self.correct(
                out,
                g,
                "thousands_brace",
                f"{lead}\nThe answer is ${wrap}{grouped.replace(',', '{,}')}{n.suffix}$.",
            )
            thin = grouped.replace(",", "\\,")
            self.correct(out, g, "thousands_thin", f"{lead} So ${wrap}{thin}{n.suffix}$.")
            if n.value > 0:
                step = rng.choice((1, 1000))
                off = f"{int(n.value) + step:,}"
                text = rng.choice(
                    (
                        f"{lead} That makes {wrap}{off} {'' if wrap else 'dollars'} in total.".replace(
                            "  ", " "
                        ),
                        f"{lead}\nThe answer is ${wrap}{off.replace(',', ' ')}{n.suffix}$.",
                        f"{lead}\nThe answer is ${wrap}{off.replace(',', '{,}')}{n.suffix}$.",
                    )
                )
                self.wrong(out, g, "thousands_perturbed", text, str(int(n.value) + step), f"plus_{step}")
            exponent = len(str(abs(int(n.value)))) - 1
            mantissa = _decimal(abs(n.value) / 10**exponent, exponent).rstrip("0").rstrip(".")
            sign = "-" if n.value < 0 else ""
            self.correct(out, g, "scientific", self.free(g, f"{sign}{mantissa} \\times 10^{{{exponent}}}"))
            off = f"{sign}{mantissa} \\times 10^{{{exponent + 1}}}"
            exact_off = str(int(n.value) * 10)  # the value of `off`, exactly
            self.wrong(out, g, "scientific_perturbed", self.free(g, off), exact_off, "exponent_plus_one")
        if n.form == "integer":  # a relation is no number: "x > 5" is not 5
            op = rng.choice((">", "\\ge", "<", "\\le"))
            relation = f"x {op} {n.value}"
            self.wrong(
                out, g, "relation_for_number", self.free(g, relation), relation, op, check="not_a_number"
            )
        if n.value < 0:
            minus = "\u2212" + _plain_of(latex_number(-n.value))
            self.correct(out, g, "unicode_minus", f"{lead}\nThe answer is {minus}.")
        if n.form == "decimal":
            if n.decimals != 3:
                comma = n.plain.replace(".", ",")
                if n.prefix:
                    self.correct(out, g, "decimal_comma", f"{lead} The price is {comma} $.")
                else:
                    unit = rng.choice(("", " cm", " kg"))
                    self.correct(out, g, "decimal_comma", f"{lead}\nThe answer is {comma}{unit}.")
            else:
                self.skip("decimal_comma")  # 1,234 would read as a thousands separator
            self.correct(out, g, "fraction_form", self.free(g, latex_number(n.value)))
        if n.form in ("fraction", "mixed"):
            decimal = latex_number(n.value, decimal=True)
            if "frac" not in decimal:
                self.correct(out, g, "decimal_form", self.free(g, decimal))
            else:
                self.skip("decimal_form")  # no exact decimal: a rounded one is an approximation
            frac = f"{n.value.numerator}/{n.value.denominator}"
            self.correct(out, g, "frac_slash", f"{lead}\nThe answer is {frac}.")
            if not n.prefix and not n.suffix:
                self.correct(out, g, "bare_latex", f"{lead} So we get {n.core}.")
            if n.form == "mixed":
                self.correct(out, g, "mixed_improper", self.free(g, latex_number(n.value)))
        self.notation(out, g, answer)
        inner = n.core if "," not in n.core else n.write(n.value)  # "\\left( 58,500 \\right)" reads as a pair
        self.correct(out, g, "left_right", f"{lead}\nThe answer is $\\left( {inner} \\right)$.")
        # wrong: the perturbed value written the way the gold is (with its $ sign, unit or degrees)
        variants = self.number_variants(n)
        space = " " if n.suffix.startswith("\\") else ""
        decorated = [(how, n.prefix + v + space + n.suffix) for how, v in variants]
        self.gold_side(out, g, answer, decorated[rng.randrange(len(decorated))])
        self.wrong_carriers(out, g, decorated)
        how, v = variants[rng.randrange(len(variants))]
        if undecorated:
            self.wrong(out, g, "perturbed_prose", f"{lead} So the total is {_plain_of(v)} dollars.", v, how)
        else:
            self.wrong(out, g, "perturbed_prose", f"{lead} So the result is {_plain_of(v)}.", v, how)
        self.hedges(out, g, answer, variants[rng.randrange(len(variants))])
        infinity = rng.choice(("\\infty", "-\\infty"))
        exact = latex_number(n.value)  # the gold's value (numeric_value), for golds latex2sympy cannot read
        text = f"{lead}\nThe answer is ${infinity}$."
        self.wrong(out, g, "infinity", text, infinity, "infinite", reference=exact)
        if n.form == "integer":  # an interval is no number: "-[0, 1)" is not 1
            interval = rng.choice((f"[0, {n.value})", f"-[0, {n.value})", f"[{n.value}, {n.value + 1})"))
            text = self.free(g, interval)
            self.wrong(out, g, "interval_for_number", text, interval, "interval", check="interval_vs_number")
        core = n.core if n.form != "mixed" else latex_number(n.value)
        inside = f"2 \\cdot {core} + 1" if not core.startswith("-") else f"2 \\cdot ({core}) + 1"
        self.wrong(
            out,
            g,
            "mention_inside",
            f"Taking the ${core}$ found above, the result is ${inside}$.",
            latex_number(2 * n.value + 1),  # the value of `inside`, exactly
            "2g+1",
        )
        k = rng.randint(1, 9)
        total = n.write(n.value + k) if n.form != "mixed" else latex_number(n.value + k)
        self.wrong(
            out,
            g,
            "chain_ends_elsewhere",
            f"{lead} Adding up, ${name} = {core} + {k} = {total}$.",
            total,
            f"g+{k}",
        )

    def number_variants(self, n: NumberGold) -> list[tuple[str, str]]:
        v = n.value
        out: list[tuple[str, str]] = [("plus_one", n.write(v + 1))]
        if v != 0:
            out.append(("sign_flip", n.write(-v)))
        if n.form == "decimal":
            out.append(("last_digit", n.write(v + Fraction(1, 10**n.decimals))))
        if n.form in ("fraction", "mixed"):
            out.append(("numerator", latex_number(Fraction(v.numerator + 1, v.denominator))))
            out.append(("denominator", latex_number(Fraction(v.numerator, v.denominator + 1))))
        if n.form == "integer":
            out.append(("minus_one", n.write(v - 1)))
            if abs(v) > 1:
                out.append(("reciprocal", latex_number(1 / v)))
        return out

    def notation(self, out: list[Case], g: Gold, answer: str) -> None:
        """\\dfrac / \\cfrac / short \\frac / short \\sqrt forms of a LaTeX gold (same value by construction)."""
        if re.search(r"\\[dt]?frac", answer):
            toggled = (
                answer.replace("\\dfrac", "\\frac")
                if "\\dfrac" in answer
                else re.sub(r"\\t?frac", r"\\dfrac", answer)
            )
            self.correct(out, g, "dfrac", self.free(g, toggled))
            cfrac = re.sub(r"\\[dt]?frac", r"\\cfrac", answer)
            self.correct(out, g, "cfrac", self.free(g, cfrac))
            short = _short_fracs(answer.replace("\\dfrac", "\\frac"))
            if short is not None:
                self.correct(out, g, "frac_short", self.free(g, short))
        short = _short_sqrt(answer)
        if short is not None:
            self.correct(out, g, "sqrt_short", self.free(g, short))

    def gold_side(self, out: list[Case], g: Gold, answer: str, wrong: tuple[str, str] | None = None) -> None:
        """The gold written with $...$ delimiters, and (MATH-500) the whole reference solution as the gold."""
        lead = self.lead(g, "g")
        self.correct(out, g, "gold_dollar", self.free(g, answer), gold=f"${answer}$")
        if g.solution:
            self.correct(out, g, "gold_solution", f"{lead} So $\\boxed{{{answer}}}$.", gold=g.solution)
        if wrong is None:
            return
        how, alternative = wrong
        self.wrong(
            out,
            g,
            "gold_dollar_perturbed",
            self.free(g, alternative),
            alternative,
            how,
            gold=f"${answer}$",
        )
        if g.solution:
            self.wrong(
                out,
                g,
                "gold_solution_perturbed",
                f"{lead} So $\\boxed{{{alternative}}}$.",
                alternative,
                how,
                gold=g.solution,
            )

    def expression(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        self.carriers(out, g, answer)
        if _has_variables(answer):
            self.skip("assignment")
        else:
            self.assignment(out, g, answer)
        self.notation(out, g, answer)
        lead = self.lead(g, "e")
        self.correct(out, g, "left_right", f"{lead}\nThe answer is $\\left( {answer} \\right)$.")
        if "\\" in answer:  # LaTeX commands mark it as math; "So we get p - q." is prose
            self.correct(out, g, "bare_latex", f"{lead} So we get {answer}.")
        else:
            self.skip("bare_latex")
        variants = []
        bumped = _perturb_first_integer(answer)
        if bumped is not None:
            variants.append(("first_integer_plus_one", bumped))
        variants.append(("sign_flip", f"-\\left( {answer} \\right)"))
        rng = self._rng(g, "expr")
        self.gold_side(out, g, answer, variants[0])
        self.wrong_carriers(out, g, variants)
        self.hedges(out, g, answer, variants[rng.randrange(len(variants))])
        if not _has_variables(answer) and g.shape != "based":
            self.wrong(out, g, "infinity", f"{lead}\nThe answer is $\\infty$.", "\\infty", "infinite")

    def based(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        m = _BASED.match(answer)
        assert m
        digits, base = m.group(1), int(m.group(2))
        self.carriers(out, g, answer)
        last = int(digits[-1])
        bumped = last + 1 if last + 1 < base else last - 1
        other = f"{digits[:-1]}{bumped}_{{{base}}}" if "{" in answer else f"{digits[:-1]}{bumped}_{base}"
        lead = self.lead(g, "b")
        self.correct(out, g, "gold_dollar", self.free(g, answer), gold=f"${answer}$")
        if g.solution:
            self.correct(out, g, "gold_solution", f"{lead} So $\\boxed{{{answer}}}$.", gold=g.solution)
        for style, template in (
            ("perturbed_boxed", "{lead} So $\\boxed{{{a}}}$."),
            ("perturbed_inline", "{lead}\nThe answer is ${a}$."),
            ("perturbed_display", "{lead} Therefore\n\\[\n{a}\n\\]"),
        ):
            self.wrong(
                out, g, style, template.format(lead=lead, a=other), other, "last_digit", check="base_digits"
            )

    def choice(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        m = _CHOICE.match(answer)
        assert m
        letter = m.group(1)
        self.carriers(out, g, answer)
        lead = self.lead(g, "ch")
        self.correct(out, g, "choice_bare", f"{lead}\nThe answer is ({letter}).")
        self.correct(out, g, "choice_bare", f"{lead}\nAnswer: {letter}")
        self.correct(
            out, g, "gold_dollar", f"{lead}\nThe answer is $\\text{{({letter})}}$.", gold=f"${answer}$"
        )
        if g.solution:
            self.correct(
                out, g, "gold_solution", f"{lead} So $\\boxed{{\\text{{({letter})}}}}$.", gold=g.solution
            )
        other = "ABCDE"[("ABCDE".index(letter) + 1) % 5]
        alternative = f"\\text{{({other})}}"
        self.wrong(out, g, "other_choice", f"{lead}\nThe answer is ({other}).", alternative, "next_letter")
        self.wrong(
            out, g, "perturbed_boxed", f"{lead} So $\\boxed{{{alternative}}}$.", alternative, "next_letter"
        )
        first, second = sorted((letter, other))
        text = f"{lead}\nThe answer is ({first}) or ({second})."
        self.wrong(out, g, "hedged_choice", text, alternative, "two letters")

    def text(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        m = _TEXT.match(answer)
        assert m
        word = m.group(1)
        self.carriers(out, g, answer)
        lead = self.lead(g, "tx")
        self.correct(out, g, "text_bare", f"{lead}\nThe answer is {word}.")
        self.correct(out, g, "gold_dollar", self.free(g, answer), gold=f"${answer}$")
        if g.solution:
            self.correct(out, g, "gold_solution", f"{lead} So $\\boxed{{{answer}}}$.", gold=g.solution)
        others = [w for w in self.text_golds if w.lower() != word.lower()]
        other = OTHER_WORDS.get(word) or self._rng(g, "text").choice(others)
        self.wrong(
            out, g, "other_text", f"{lead}\nThe answer is {other}.", f"\\text{{{other}}}", "other_word"
        )
        self.wrong(
            out,
            g,
            "perturbed_boxed",
            f"{lead} So $\\boxed{{\\text{{{other}}}}}$.",
            f"\\text{{{other}}}",
            "other_word",
        )
        self.wrong(
            out,
            g,
            "hedged_either",
            f"{lead}\nThe answer is either {word} or {other}.",
            f"\\text{{{other}}}",
            "hedge",
        )

    def interval(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        membership = g.shape == "membership"
        body = re.sub(r"^x\s*\\in\s*", "", answer) if membership else answer
        iv = parse_interval(body)
        assert iv is not None
        self.carriers(out, g, answer)
        lead = self.lead(g, "iv")
        rng = self._rng(g, "interval")
        if membership:
            self.correct(out, g, "interval_of_relation", self.free(g, body))
        if "\\left" in body:
            plain = _strip_left_right(body)
            self.correct(out, g, "left_right", self.free(g, plain))
        else:
            self.correct(
                out,
                g,
                "left_right",
                f"{lead}\nThe answer is $\\left{body[0]} {body[1:-1]} \\right{body[-1]}$.",
            )
        self.notation(out, g, answer)
        # the relation the interval stands for
        forms = relation_forms(iv)
        for style, text in forms.items():
            self.correct(out, g, style, f"{lead} So the solution set is ${text}$.")
        for style in (
            "relation_tex",
            "relation_ascii",
            "relation_macro",
            "relation_reversed",
            "relation_negated",
        ):
            if style not in forms:
                self.skip(style)
        # wrong: one finite end's bracket swapped, or one end perturbed
        variants = []
        ends = [i for i, e in enumerate((iv.low, iv.high)) if not _infinite(e)]
        if ends:
            which = ends[rng.randrange(len(ends))]
            swapped = Interval(
                ("[" if iv.opening == "(" else "(") if which == 0 else iv.opening,
                iv.low,
                iv.high,
                (")" if iv.closing == "]" else "]") if which == 1 else iv.closing,
            )
            swapped_text = ("x \\in " if membership else "") + swapped.text
            self.wrong(
                out,
                g,
                "interval_bracket",
                self.free(g, swapped_text),
                swapped_text,
                "bracket",
            )
            variants.append(("bracket", swapped_text))
        else:
            self.skip("interval_bracket")
        bumped = _perturb_first_integer(answer)
        if bumped is not None:
            variants.append(("first_integer_plus_one", bumped))
        self.gold_side(out, g, answer, variants[0] if variants else None)
        self.wrong_carriers(out, g, variants)
        # the gold written as a relation, answered with the interval
        if "relation_tex" in forms and not membership:
            relation = forms["relation_tex"]
            gold = f"${relation}$" if rng.random() < 0.5 else relation
            self.correct(out, g, "gold_relation", self.free(g, _strip_left_right(body)), gold=gold)
            if ends:
                swapped_text = swapped.text
                text = self.free(g, swapped.text)
                self.wrong(
                    out, g, "gold_relation_bracket", text, swapped.text, "bracket", gold=gold, reference=body
                )

    def union(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        self.carriers(out, g, answer)
        parts = [parse_interval(p) for p in split_top(answer, "\\cup")]
        if any(p is None for p in parts):
            self.skip("interval_bracket")
            return
        # flip the bracket of the first finite end whose flip changes the set (unions_differ decides)
        variants = []
        for i, p in enumerate(parts):
            for side, end in ((0, p.low), (1, p.high)):
                if _infinite(end) or variants:
                    continue
                flipped = Interval(
                    ("[" if p.opening == "(" else "(") if side == 0 else p.opening,
                    p.low,
                    p.high,
                    (")" if p.closing == "]" else "]") if side == 1 else p.closing,
                )
                swapped = " \\cup ".join(q.text if j != i else flipped.text for j, q in enumerate(parts))
                if unions_differ(answer, swapped) is True:
                    variants.append(("bracket", swapped))
        if variants:
            swapped = variants[0][1]
            text = self.free(g, swapped)
            self.wrong(out, g, "interval_bracket", text, swapped, "bracket", check="union_end")
        else:
            self.skip("interval_bracket")
        self.gold_side(out, g, answer)
        if variants:
            how, alternative = variants[0]
            self.wrong(
                out,
                g,
                "gold_dollar_perturbed",
                self.free(g, alternative),
                alternative,
                how,
                check="union_end",
                gold=f"${answer}$",
            )

    def tuple_(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        outer = outer_brackets(answer)
        assert outer is not None
        items = [p.strip() for p in split_top(outer[1])]
        self.carriers(out, g, answer)
        lead = self.lead(g, "tp")
        spaced = "(" + ", ".join(items) + ")"
        tight = "(" + ",".join(items) + ")"
        self.correct(out, g, "tuple_spacing", self.free(g, tight if spaced in answer else spaced))
        if "\\left" in answer:
            self.correct(out, g, "left_right", self.free(g, spaced))
        else:
            self.correct(
                out, g, "left_right", f"{lead}\nThe answer is $\\left( {', '.join(items)} \\right)$."
            )
        self.notation(out, g, answer)
        variants = []
        distinct = next(
            ((i, j) for i in range(len(items)) for j in range(i + 1, len(items)) if items[i] != items[j]),
            None,
        )
        if distinct:
            i, j = distinct
            swapped_items = list(items)
            swapped_items[i], swapped_items[j] = items[j], items[i]
            swapped = "(" + ", ".join(swapped_items) + ")"
            self.wrong(out, g, "tuple_swapped", self.free(g, swapped), swapped, "swap")
            variants.append(("swap", swapped))
        first = items[0]
        self.wrong(out, g, "partial_tuple", self.free(g, first), first, "first_element_only")
        bumped = _perturb_first_integer(spaced)
        if bumped is not None:
            variants.append(("first_integer_plus_one", bumped))
        self.gold_side(out, g, answer, variants[-1] if variants else None)
        self.wrong_carriers(out, g, variants)
        self.hedges(out, g, answer, variants[-1] if variants else None)

    def listing(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        items = [p.strip() for p in split_top(answer)]
        self.carriers(out, g, answer)
        lead = self.lead(g, "l")
        if re.search(r"\border\b", g.problem, re.I):
            self.skip("list_reordered")
        else:
            self.correct(out, g, "list_reordered", self.free(g, ", ".join(reversed(items))))
        self.correct(out, g, "list_as_set", f"{lead}\nThe answer is $\\{{{', '.join(items)}\\}}$.")
        spans = ", ".join(f"${x}$" for x in items[:-1]) + f", and ${items[-1]}$"
        self.correct(out, g, "list_prose", f"{lead} The solutions are {spans}.")
        variants = []
        dropped = ", ".join(items[:-1])
        self.wrong(out, g, "list_dropped", self.free(g, dropped), dropped, "dropped_last")
        variants.append(("dropped_last", dropped))
        bumped = _perturb_first_integer(answer)
        if bumped is not None:
            variants.append(("first_integer_plus_one", bumped))
        self.gold_side(out, g, answer, variants[0])
        self.wrong_carriers(out, g, variants)

    def set_(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        items = [p.strip() for p in split_top(answer[2:-2])]
        self.carriers(out, g, answer)
        lead = self.lead(g, "s")
        self.correct(
            out, g, "set_reordered", f"{lead}\nThe answer is $\\{{{', '.join(reversed(items))}\\}}$."
        )
        self.notation(out, g, answer)
        as_tuple = "(" + ", ".join(reversed(items)) + ")"
        text = self.free(g, as_tuple)
        self.wrong(out, g, "set_as_tuple", text, as_tuple, "ordered tuple", check="set_vs_tuple")
        variants = []
        if len(items) > 1:
            dropped = "\\{" + ", ".join(items[:-1]) + "\\}"
            variants.append(("dropped_last", dropped))
        bumped = _perturb_first_integer(answer)
        if bumped is not None:
            variants.append(("first_integer_plus_one", bumped))
        self.gold_side(out, g, answer, variants[0] if variants else None)
        self.wrong_carriers(out, g, variants)

    def matrix(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        self.carriers(out, g, answer)
        lead = self.lead(g, "mx")
        self.correct(out, g, "bmatrix", self.free(g, answer.replace("pmatrix", "bmatrix")))
        if "/" in answer:
            fracs = re.sub(r"(-?)(\d+)/(\d+)", r"\1\\frac{\2}{\3}", answer)
            self.correct(out, g, "matrix_frac", self.free(g, fracs))
        name = "\\mathbf{v}" if "&" not in answer else "\\mathbf{M}"
        self.correct(out, g, "assignment", f"{lead} Therefore ${name} = {answer}$.")
        bumped = _perturb_first_integer(answer.replace("pmatrix", "PMATRIX"))
        self.gold_side(out, g, answer)
        if bumped is None or matrices_differ(answer, bumped.replace("PMATRIX", "pmatrix")) is not True:
            self.stats.dropped["perturbed_inline"] += 1
            return
        bumped = bumped.replace("PMATRIX", "pmatrix")
        for style, template in (
            ("perturbed_boxed", "{lead} So $\\boxed{{{a}}}$."),
            ("perturbed_inline", "{lead}\nThe answer is ${a}$."),
            ("perturbed_display", "{lead} Therefore\n\\[\n{a}\n\\]"),
            (
                "perturbed_assignment",
                "{lead} Therefore $" + name.replace("{", "{{").replace("}", "}}") + " = {a}$.",
            ),
        ):
            self.wrong(
                out,
                g,
                style,
                template.format(lead=lead, a=bumped),
                bumped,
                "entry_plus_one",
                check="matrix_entries",
            )
        self.wrong(
            out,
            g,
            "gold_dollar_perturbed",
            self.free(g, bumped),
            bumped,
            "entry_plus_one",
            check="matrix_entries",
            gold=f"${answer}$",
        )

    def equation(self, out: list[Case], g: Gold) -> None:
        answer = g.gold.strip()
        self.carriers(out, g, answer)
        lead = self.lead(g, "eq")
        eq = linear_equation(answer)
        if eq is None:
            for style in ("equation_swapped", "equation_scaled", "equation_rearranged"):
                self.skip(style)
            return
        lhs, rhs = (s.strip() for s in answer.split("="))
        self.correct(out, g, "equation_swapped", f"{lead} So the equation is ${rhs} = {lhs}$.")
        k = 2 + self._rng(g, "eq").randrange(2)
        scaled = f"{write_linear({v: c * k for v, c in eq[0].items()})} = {write_linear({v: c * k for v, c in eq[1].items()})}"
        assert equations_differ(answer, scaled) is False
        self.correct(out, g, "equation_scaled", f"{lead} Multiplying through by {k}, ${scaled}$.")
        normal = _normal(eq)
        rearranged = f"{write_linear(normal)} = 0" if any(normal.get(v, 0) for v in normal if v) else None
        if rearranged and rearranged.replace(" ", "") != answer.replace(" ", ""):
            assert equations_differ(answer, rearranged) is False
            self.correct(
                out, g, "equation_rearranged", f"{lead} Moving everything to one side, ${rearranged}$."
            )
        else:
            negated = f"{write_linear({v: -c for v, c in normal.items()})} = 0"
            assert equations_differ(answer, negated) is False
            self.correct(out, g, "equation_rearranged", f"{lead} Equivalently, ${negated}$.")
        (name, coefficient), *more = eq[0].items()
        if name and coefficient == 1 and not more and set(eq[1]) <= {""}:
            value = eq[1].get("", Fraction(0))
            self.correct(out, g, "equation_value", self.free(g, latex_number(value)))
        self.gold_side(out, g, answer)
        bumped = _perturb_first_integer(answer)
        if bumped is None or equations_differ(answer, bumped) is not True:
            self.stats.dropped["perturbed_inline"] += 1
            return
        for style, template in (
            ("perturbed_boxed", "{lead} So $\\boxed{{{a}}}$."),
            ("perturbed_inline", "{lead}\nThe answer is ${a}$."),
            ("perturbed_paren", "{lead} So the equation is \\( {a} \\)."),
            ("perturbed_display", "{lead} Therefore\n\\[\n{a}\n\\]"),
        ):
            self.wrong(
                out,
                g,
                style,
                template.format(lead=lead, a=bumped),
                bumped,
                "first_integer_plus_one",
                check="linear_equation",
            )
        if g.solution:
            self.wrong(
                out,
                g,
                "gold_solution_perturbed",
                f"{lead} So $\\boxed{{{bumped}}}$.",
                bumped,
                "first_integer_plus_one",
                check="linear_equation",
                gold=g.solution,
            )

    # ---- derived golds

    def derived_relation(self, out: list[Case], base: Gold, value: int, index: int) -> None:
        ops = ("\\ge", ">", "\\le", "<", "\\neq")
        op = ops[index % len(ops)]
        gold = f"x {op} {value}"
        g = Gold(base.rid, base.dataset, gold, "relation", derived="relation")
        lead = self.lead(g, "r")
        rng = self._rng(g, "rel")
        flip = {"\\ge": "\\le", ">": "<", "\\le": "\\ge", "<": ">", "\\neq": "\\neq"}
        ascii_op = {"\\ge": ">=", ">": ">", "\\le": "<=", "<": "<", "\\neq": "!="}
        macro = {"\\ge": "\\geq", ">": "\\gt", "\\le": "\\leq", "<": "\\lt", "\\neq": "\\ne"}
        say = f"{lead} So the condition is ${{}}$."
        self.correct(out, g, "relation_ascii", say.format(f"x {ascii_op[op]} {value}"))
        self.correct(out, g, "relation_macro", say.format(f"x {macro[op]} {value}"))
        self.correct(out, g, "relation_reversed", say.format(f"{value} {flip[op]} x"))
        self.correct(out, g, "relation_negated", say.format(f"-x {flip[op]} {-value}"))
        interval = {
            "\\ge": f"[{value}, \\infty)",
            ">": f"({value}, \\infty)",
            "\\le": f"(-\\infty, {value}]",
            "<": f"(-\\infty, {value})",
            "\\neq": f"(-\\infty, {value}) \\cup ({value}, \\infty)",
        }[op]
        self.correct(out, g, "interval_of_relation", self.free(g, interval))
        dollar = Gold(g.rid, g.dataset, f"${gold}$", "relation", derived="relation")
        self.correct(out, dollar, "gold_relation", say.format(f"x {ascii_op[op]} {value}"))
        # wrong, established on the normalised (operator, value)
        strict = {"\\ge": ">", ">": "\\ge", "\\le": "<", "<": "\\le"}
        cases = [
            ("relation_flipped", f"x {flip[op]} {value}" if op != "\\neq" else f"x = {value}", "flipped"),
            ("relation_perturbed", f"x {op} {value + 1}", "value_plus_one"),
            ("relation_perturbed", f"x {ascii_op[op]} {value + rng.choice((1, -1))}", "ascii_value"),
        ]
        if op in strict:
            cases.append(("relation_strictness", f"x {strict[op]} {value}", "strictness"))
        for style, text, how in cases:
            self.wrong(out, g, style, say.format(text), text, how, check="relation")

    def derived_set(self, out: list[Case], base: Gold, value: int) -> None:
        rng = self._rng(base, "set")
        other = value + rng.randint(1, 5)
        gold = f"\\{{{value}, {other}\\}}"
        g = Gold(base.rid, base.dataset, gold, "set", derived="set")
        lead = self.lead(g, "ds")
        self.correct(out, g, "set_reordered", f"{lead}\nThe answer is $\\{{{other}, {value}\\}}$.")
        self.correct(out, g, "answer_is_inline", f"{lead}\nThe answer is ${gold}$.")
        self.correct(out, g, "list_prose", f"{lead} The set consists of ${other}$ and ${value}$.")
        as_tuple = f"({other}, {value})"
        text = self.free(g, as_tuple)
        self.wrong(out, g, "set_as_tuple", text, as_tuple, "ordered tuple", check="set_vs_tuple")
        self.wrong(
            out,
            g,
            "list_dropped",
            f"{lead}\nThe answer is $\\{{{value}\\}}$.",
            f"\\{{{value}\\}}",
            "dropped_last",
            check="set_elements",
        )
        bumped = f"\\{{{value}, {other + 1}\\}}"
        self.wrong(
            out,
            g,
            "perturbed_inline",
            f"{lead}\nThe answer is ${bumped}$.",
            bumped,
            "element_plus_one",
            check="set_elements",
        )

    def derived_line(self, out: list[Case], base: Gold, value: int, index: int) -> None:
        """y = ax + b from an integer gold (a from its value, b from its index)."""
        slope = (value % 5 + 1) * (-1 if index % 2 else 1)
        intercept = value % 23 - 7
        gold = f"y = {write_linear({'x': Fraction(slope), '': Fraction(intercept)})}"
        g = Gold(base.rid, base.dataset, gold, "equation", derived="line")
        self.equation(out, g)

    def derived_decimal(self, out: list[Case], base: Gold, value: int) -> None:
        """A price with cents from an integer gold: decimal commas and their perturbations."""
        cents = (value * 37 + 11) % 100
        gold = f"{value}.{cents:02d}"
        g = Gold(base.rid, base.dataset, gold, "decimal", derived="decimal")
        lead = self.lead(g, "dd")
        comma = gold.replace(".", ",")
        self.correct(out, g, "decimal_comma", f"{lead}\nThe answer is {comma}.")
        self.correct(out, g, "decimal_comma", f"{lead} The price is {comma} $.")
        self.correct(out, g, "answer_is_inline", f"{lead}\nThe answer is ${gold}$.")
        other = f"{value}.{(cents + 1) % 100:02d}"
        text = f"{lead} The price is {other.replace('.', ',')} $."
        self.wrong(out, g, "decimal_comma_perturbed", text, other, "cents_plus_one")
        other = f"{value + 1}.{cents:02d}"
        self.wrong(
            out,
            g,
            "decimal_comma_perturbed",
            f"{lead}\nThe answer is {other.replace('.', ',')}.",
            other,
            "plus_one",
        )

    def derived_time(self, out: list[Case], base: Gold, value: int) -> None:
        hour = value % 12 + 1
        minutes = "00" if value % 2 == 0 else "30"
        gold = f"{hour}:{minutes}"
        g = Gold(base.rid, base.dataset, gold, "time", derived="time")
        lead = self.lead(g, "tm")
        self.correct(out, g, "time", f"{lead}\nThe answer is ${gold}$.")
        self.correct(out, g, "time", f"{lead}\nThe meeting starts at {gold}.\nFinal answer: {gold}")
        other = 12 if hour == 1 else (1 if hour == 12 else hour + 1)
        for text in (f"{other}:{minutes}", f"{hour}:{'30' if minutes == '00' else '00'}"):
            self.wrong(
                out, g, "other_time", f"{lead}\nThe answer is ${text}$.", text, "other_time", check="time"
            )

    # ---- driver

    def build(self) -> list[Case]:
        golds: list[Gold] = []
        for row in _pairs.math500():
            golds.append(
                Gold(
                    row["unique_id"],
                    "math500",
                    row["answer"],
                    classify(row["answer"], row["problem"]),
                    row["problem"],
                    row["solution"],
                )
            )
        for i, row in enumerate(_pairs.gsm8k()):
            gold = _pairs.gsm8k_gold(row["answer"])
            golds.append(Gold(f"gsm8k/{i}", "gsm8k", gold, classify(gold), row["question"], row["answer"]))
        self.text_golds = sorted({m.group(1) for g in golds if (m := _TEXT.match(g.gold.strip()))})
        cases: list[Case] = []
        integer_index = relation_index = 0
        for g in golds:
            self.stats.shapes[f"{g.dataset}/{g.shape}"] += 1
            out: list[Case] = []
            handler = {
                "integer": self.number,
                "decimal": self.number,
                "fraction": self.number,
                "expression": self.expression,
                "based": self.based,
                "choice": self.choice,
                "text": self.text,
                "interval": self.interval,
                "membership": self.interval,
                "union": self.union,
                "tuple": self.tuple_,
                "list": self.listing,
                "set": self.set_,
                "matrix": self.matrix,
                "equation": self.equation,
            }.get(g.shape)
            if handler is None:  # "(2, 4)" with nothing saying point or interval
                self.carriers(out, g, g.gold.strip())
                self.stats.skipped[f"shape:{g.shape}"] += 1
            else:
                handler(out, g)
            if g.shape == "integer":
                out = self.sample_integer(g, out)
                value = int(numeric_value(g.gold) or 0)
                every = DERIVED_EVERY[g.dataset]
                if integer_index % every["relation"] == 0:
                    self.derived_relation(out, g, value, relation_index)
                    relation_index += 1
                if integer_index % every["set"] == 1:
                    self.derived_set(out, g, value)
                if integer_index % every["time"] == 2:
                    self.derived_time(out, g, value)
                if integer_index % every["line"] == 3:
                    self.derived_line(out, g, value, integer_index)
                if integer_index % every["decimal"] == 4:
                    self.derived_decimal(out, g, value)
                integer_index += 1
            cases.extend(self.finish(g, out))
        for c in cases:
            self.stats.by_style[c.style] += 1
        return cases

    def sample_integer(self, g: Gold, out: list[Case]) -> list[Case]:
        keep_always = (
            "thousands",
            "decimal_comma",
            "scientific",
        )  # rare styles: every gold that has them keeps them
        n_correct, n_wrong = INTEGER_SAMPLE[g.dataset]
        rng = self._rng(g, "sample")
        chosen: list[Case] = []
        for expected, n in ((True, n_correct), (False, n_wrong)):
            pool = [c for c in out if c.expected is expected]
            always = [c for c in pool if any(k in c.style for k in keep_always)]
            rest = [c for c in pool if c not in always]
            picked = rng.sample(rest, min(n, len(rest)))
            for c in rest:
                if c not in picked:
                    self.stats.sampled_out[c.style] += 1
            chosen += always + picked
        return [c for c in out if c in chosen]

    def finish(self, g: Gold, out: list[Case]) -> list[Case]:
        seen: Counter = Counter()
        done = []
        for c in out:
            key = f"{g.rid}|{c.style}" + (f"#{c.id}" if c.id else "")  # c.id: the derivation, if any
            seen[key] += 1
            ident = key if seen[key] == 1 else f"{key}|{seen[key]}"
            done.append(
                Case(ident, c.dataset, c.gold, c.response, c.expected, c.style, c.shape, c.note, c.checked)
            )
        return done


def _plain_of(latex: str) -> str:
    """A perturbed number written in prose: \\frac{a}{b} -> a/b."""
    m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", latex)
    return f"{m.group(1)}{m.group(2)}/{m.group(3)}" if m else latex


# ------------------------------------------------------------------------------------------- relations

_REL = re.compile(r"^\s*(-?)\s*x\s*(\\ge|\\geq|\\le|\\leq|\\neq|\\ne|\\gt|\\lt|>=|<=|!=|[<>=])\s*(-?\d+)\s*$")
_OP = {
    "\\geq": "\\ge",
    ">=": "\\ge",
    "\\leq": "\\le",
    "<=": "\\le",
    "\\gt": ">",
    "\\lt": "<",
    "\\ne": "\\neq",
    "!=": "\\neq",
}


def relations_differ(a: str, b: str) -> bool | None:
    """``x <op> n`` relations (x on the left): True when operator or value differs."""
    ra, rb = _REL.match(a), _REL.match(b)
    if not ra or not rb or ra.group(1) or rb.group(1):
        return None
    return (_OP.get(ra.group(2), ra.group(2)), int(ra.group(3))) != (
        _OP.get(rb.group(2), rb.group(2)),
        int(rb.group(3)),
    )


def relation_forms(iv: Interval) -> dict[str, str]:
    """An interval as the relation it stands for, in several spellings (x the variable)."""
    low_inf, high_inf = _infinite(iv.low), _infinite(iv.high)
    if low_inf and high_inf:
        return {}
    lo_op = "\\le" if iv.opening == "[" else "<"
    hi_op = "\\le" if iv.closing == "]" else "<"
    # each operator's ASCII and macro spellings, and the operator with its sides swapped
    spell = {"\\le": ("<=", "\\leq"), "<": ("<", "\\lt"), "\\ge": (">=", "\\geq"), ">": (">", "\\gt")}
    swapped = {"\\le": "\\ge", "<": ">", "\\ge": "\\le", ">": "<"}
    low, high = _strip_left_right(iv.low), _strip_left_right(iv.high)
    if low_inf or high_inf:  # x <op> bound
        bound, op = (high, hi_op) if low_inf else (low, swapped[lo_op])
        forms = {
            "relation_tex": f"x {op} {bound}",
            "relation_ascii": f"x {spell[op][0]} {bound}",
            "relation_macro": f"x {spell[op][1]} {bound}",
            "relation_reversed": f"{bound} {swapped[op]} x",
        }
        negated = _negate_latex(bound)
        if negated is not None:
            forms["relation_negated"] = f"-x {swapped[op]} {negated}"
        return forms
    return {
        "relation_tex": f"{low} {lo_op} x {hi_op} {high}",
        "relation_ascii": f"{low} {spell[lo_op][0]} x {spell[hi_op][0]} {high}",
        "relation_macro": f"{low} {spell[lo_op][1]} x {spell[hi_op][1]} {high}",
        "relation_reversed": f"{high} {swapped[hi_op]} x {swapped[lo_op]} {low}",
    }


# ---------------------------------------------------------------------------------------------- API


@cache
def _build(seed: int) -> tuple[tuple[Case, ...], Stats]:
    builder = _Builder(seed)
    cases = builder.build()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return tuple(cases), builder.stats


def build_corpus(seed: int = SEED, cached: bool = True) -> list[Case]:
    """Every case (deterministic for a seed; built once per process unless ``cached`` is False)."""
    return list(_build(seed)[0] if cached else _Builder(seed).build())


def corpus_stats(seed: int = SEED) -> dict[str, Any]:
    cases, stats = _build(seed)
    return {
        "cases": len(cases),
        "correct": sum(c.expected for c in cases),
        "wrong": sum(not c.expected for c in cases),
        "by_dataset": dict(Counter(c.dataset for c in cases)),
        "by_style": dict(sorted(stats.by_style.items())),
        "skipped": dict(sorted(stats.skipped.items())),
        "dropped": dict(sorted(stats.dropped.items())),
        "sampled_out": dict(sorted(stats.sampled_out.items())),
        "gold_shapes": dict(sorted(stats.shapes.items())),
    }


def stratified_sample(cases: list[Case], fraction: float, seed: int = SEED) -> list[Case]:
    """A deterministic sample keeping at least a few cases of every (style, shape)."""
    groups: dict[tuple[str, str], list[Case]] = {}
    for c in cases:
        groups.setdefault((c.style, c.shape), []).append(c)
    rng = random.Random(seed)
    keep: set[str] = set()
    for key in sorted(groups):
        group = groups[key]
        n = max(min(3, len(group)), round(len(group) * fraction))
        keep.update(c.id for c in rng.sample(group, n))
    return [c for c in cases if c.id in keep]
