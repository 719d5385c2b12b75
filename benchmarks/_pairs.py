"""Labelled (gold, response) pairs built from the shared MATH-500 and GSM8K data.

Shared by ``benchmarks/math_throughput.py`` and ``tests/test_math_data.py`` so that the benchmark and
the data tests judge the same inputs. Labels never come from rewardkit itself: a pair is correct because
the response is a reference solution (or a labelled model solution), and wrong because its final answer
was replaced by a different value (checked here with exact fractions, or with latex2sympy plus numeric
evaluation when the answer is not a plain number; pairs whose difference cannot be established are left
out and counted).

Kinds of pairs:

- ``reference``: a MATH-500 solution / GSM8K worked answer against its own gold (correct).
- ``other_problem``: gold of row i against the solution of the next row whose gold really differs (wrong).
- ``perturbed:<how>``: the solution with its final answer (``\\boxed{}`` or ``####``) replaced by gold+1,
  gold*2, -gold or 1/gold (wrong).
- ``dropped_term``: a MATH-500 solution whose boxed answer lost its last term / element / coefficient
  (wrong).
- ``model:<run>``: a GSM8K GPT-3 sample with its human ``is_correct`` label.
"""

from __future__ import annotations

import cmath
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
GSM8K_RUNS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")
PERTURBATIONS = ("plus_one", "times_two", "sign_flip", "reciprocal")


@dataclass(frozen=True)
class Pair:
    dataset: str  # "math500" | "gsm8k"
    kind: str  # see the module docstring
    id: str  # row id (MATH-500 unique_id, "gsm8k/<row>")
    gold: str
    response: str
    label: bool  # is the response's final answer correct?


# ---------------------------------------------------------------------------------------------- loading


def data_available() -> bool:
    return (DATA_DIR / "math500" / "test.jsonl").is_file() and (DATA_DIR / "gsm8k" / "test.jsonl").is_file()


def load_jsonl(relative: str) -> list[dict[str, Any]]:
    with open(DATA_DIR / relative, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@cache
def math500() -> tuple[dict[str, Any], ...]:
    return tuple(load_jsonl("math500/test.jsonl"))


@cache
def gsm8k() -> tuple[dict[str, Any], ...]:
    return tuple(load_jsonl("gsm8k/test.jsonl"))


@cache
def gsm8k_model_solutions() -> tuple[dict[str, Any], ...]:
    return tuple(load_jsonl("gsm8k/example_model_solutions.jsonl"))


@cache
def prm800k() -> tuple[dict[str, Any], ...]:
    return tuple(load_jsonl("prm800k/phase1_test_stepwise.jsonl"))


def gsm8k_gold(answer: str) -> str:
    """The number after the final ``####`` of a GSM8K worked answer, thousands separators removed."""
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


# ------------------------------------------------------------------------- independent value checking

_FRAC = r"\\[dt]?frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))"
_RE_FRAC = re.compile(rf"^([+-]?)\s*{_FRAC}$")
_RE_MIXED = re.compile(rf"^([+-]?)(\d+)\s*{_FRAC}$")
_RE_SLASH = re.compile(r"^([+-]?)(\d+)\s*/\s*(\d+)$")
_RE_DECIMAL = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)$")
_RE_THOUSANDS = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?)$")
_RE_UNIT = re.compile(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}(?:\^\{?\d\}?)?\s*$")


def numeric_value(text: str) -> Fraction | None:
    """Exact value of a gold that is a plain number (LaTeX fraction, mixed number, decimal, 1,234), else None.

    Deliberately small and independent of rewardkit: it only decides labels for the test data.
    """
    s = text.strip()
    s = s.replace("\\!", "").replace("\\$", "").replace("$", "").replace("\\left", "").replace("\\right", "")
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?", "", s)
    s = _RE_UNIT.sub("", s).strip()
    s = re.sub(r"\s*,\s*(?=\d{3}\b)", ",", s)  # "11,\! 111" -> "11,111"
    if m := _RE_THOUSANDS.match(s):
        s = m.group(1) + m.group(2).replace(",", "")
    if m := _RE_DECIMAL.match(s):
        value = Fraction(m.group(2))
        return -value if m.group(1) == "-" else value
    if m := _RE_SLASH.match(s):
        value = Fraction(int(m.group(2)), int(m.group(3))) if int(m.group(3)) else None
        return None if value is None else (-value if m.group(1) == "-" else value)
    if m := _RE_FRAC.match(s):
        num, den = int(m.group(2) or m.group(3)), int(m.group(4) or m.group(5))
        return None if den == 0 else (-1 if m.group(1) == "-" else 1) * Fraction(num, den)
    if m := _RE_MIXED.match(s):
        num, den = int(m.group(3) or m.group(4)), int(m.group(5) or m.group(6))
        if den == 0:
            return None
        return (-1 if m.group(1) == "-" else 1) * (int(m.group(2)) + Fraction(num, den))
    return None


def _sympy_of(text: str) -> Any:
    from latex2sympy2_extended import latex2sympy

    s = text.replace("\\!", "").replace("\\dfrac", "\\frac").replace("\\left", "").replace("\\right", "")
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?", "", s)
    return latex2sympy(s)


def _numeric_differs(a: Any, b: Any) -> bool | None:
    import sympy

    if isinstance(a, sympy.Tuple | sympy.FiniteSet) or isinstance(b, sympy.Tuple | sympy.FiniteSet):
        a_items = list(a.args) if isinstance(a, sympy.Tuple | sympy.FiniteSet) else [a]
        b_items = list(b.args) if isinstance(b, sympy.Tuple | sympy.FiniteSet) else [b]
        if len(a_items) != len(b_items):
            return True
        if not (isinstance(a, sympy.Tuple) and isinstance(b, sympy.Tuple)):  # a set: order does not matter
            a_items, b_items = sorted(a_items, key=str), sorted(b_items, key=str)
        verdicts = [_numeric_differs(x, y) for x, y in zip(a_items, b_items, strict=True)]
        return (
            True
            if any(v is True for v in verdicts)
            else (False if all(v is False for v in verdicts) else None)
        )
    if isinstance(a, sympy.Interval) and isinstance(b, sympy.Interval):
        if (a.left_open, a.right_open) != (b.left_open, b.right_open):
            return True
        ends = [_numeric_differs(a.start, b.start), _numeric_differs(a.end, b.end)]
        return True if True in ends else (False if ends == [False, False] else None)
    if isinstance(a, sympy.Set) != isinstance(b, sympy.Set):
        return True  # an interval / union against a number
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return None
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    point = {s: sympy.Rational(17 + 3 * i, 7 + i) for i, s in enumerate(symbols)}
    try:
        va, vb = complex(sympy.N(a.subs(point), 20)), complex(sympy.N(b.subs(point), 20))
    except (TypeError, ValueError):
        return None
    if va == vb:
        return False
    if not (cmath.isfinite(va) and cmath.isfinite(vb)):
        return True
    return abs(va - vb) > 1e-9 * max(1.0, abs(va), abs(vb))


_TEXT_ONLY = re.compile(r"^\\(?:text|mbox|textbf)\s*\{([^{}0-9]*)\}$")


def _plain(text: str) -> str:
    s = text.replace("\\dfrac", "\\frac").replace("\\left", "").replace("\\right", "").replace("\\!", "")
    return re.sub(r"\s+", "", s)


@cache
def answers_differ(a: str, b: str) -> bool | None:
    """True when two gold answers are certainly different, False when certainly the same, None if unsure."""
    va, vb = numeric_value(a), numeric_value(b)
    if va is not None and vb is not None:
        return va != vb
    if _plain(a) == _plain(b):
        return False
    words_a, words_b = _TEXT_ONLY.match(a.strip()), _TEXT_ONLY.match(b.strip())
    if words_a or words_b:  # "\text{Evelyn}", "\text{(C)}": different words, or a word against a number
        if words_a and words_b:
            return words_a.group(1).strip().lower() != words_b.group(1).strip().lower()
        return True if (va is not None or vb is not None) else None
    if "\\text" in a or "\\text" in b or "\\mbox" in a or "\\mbox" in b:
        return None
    try:
        return _numeric_differs(_sympy_of(a), _sympy_of(b))
    except Exception:
        return None


# ------------------------------------------------------------------------------------ answer rewriting


def _brace_end(text: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and text[i - 1] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return None


def replace_final_answer(solution: str, new_answer: str) -> str:
    """The solution with its last ``\\boxed{...}`` (or final ``#### x``) replaced by ``new_answer``."""
    at = solution.rfind("\\boxed{")
    if at >= 0:
        open_at = at + len("\\boxed")
        end = _brace_end(solution, open_at)
        if end is not None:
            return solution[: open_at + 1] + new_answer + solution[end:]
    if "####" in solution:
        head, _ = solution.rsplit("####", 1)
        return f"{head}#### {new_answer}"
    raise ValueError("solution has no \\boxed{} or #### answer to replace")


def latex_number(value: Fraction, decimal: bool = False) -> str:
    """Write a rational as LaTeX: integer, terminating decimal (when asked and possible) or \\frac."""
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if decimal:
        den = value.denominator
        while den % 2 == 0:
            den //= 2
        while den % 5 == 0:
            den //= 5
        if den == 1:
            digits = 0
            while (value * 10**digits).denominator != 1:
                digits += 1
            return f"{sign}{value.numerator / value.denominator:.{digits}f}"
    return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"


def plain_number(value: Fraction) -> str:
    """Write a rational as GSM8K would: integer, decimal when it terminates, else a/b."""
    text = latex_number(value, decimal=True)
    if text.lstrip("-").startswith("\\frac"):
        return f"{value.numerator}/{value.denominator}"
    return text


def perturbed_values(value: Fraction) -> dict[str, Fraction]:
    """gold+1, gold*2, -gold, 1/gold, keeping only those that differ from the gold."""
    out = {"plus_one": value + 1, "times_two": value * 2, "sign_flip": -value}
    if value != 0:
        out["reciprocal"] = 1 / value
    return {k: v for k, v in out.items() if v != value}


def _split_top(text: str, seps: str) -> list[tuple[int, str]]:
    """(position, separator) of each separator outside any brackets; a leading sign is not a separator."""
    depth, out = 0, []
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith("\\left", i) or text.startswith("\\right", i):
            i += 5 if text.startswith("\\left", i) else 6
            continue
        if c in "({[" and text[i - 1 : i] != "\\":
            depth += 1
        elif c in ")}]" and text[i - 1 : i] != "\\":
            depth -= 1
        elif depth == 0 and c in seps and text[:i].strip() and text[:i].rstrip()[-1] not in "^_{(,=":
            out.append((i, c))
        elif depth == 0 and "+" in seps and text.startswith("\\pm", i) and text[:i].strip():
            out.append((i, "\\pm"))
        i += 1
    return out


_BRACKETED = re.compile(r"^(\\left\s*)?([(\[{]|\\\{)(.*?)(\\right\s*)?([)\]}]|\\\})$", re.S)


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        if c in "({[" and text[i - 1 : i] != "\\":
            depth += 1
        elif c in ")}]" and text[i - 1 : i] != "\\":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def dropped_term(gold: str) -> str | None:
    """The gold with its last list element, last summand or leading coefficient dropped; None if none."""
    s = gold.strip()
    if numeric_value(s) is not None or "\\text" in s or "\\mbox" in s or "\\begin" in s or "=" in s:
        return None
    m = _BRACKETED.match(s)
    if m and not _balanced(m.group(3)):  # "(a+5)(b+2)" is not one bracketed group
        m = None
    inner = m.group(3) if m else s
    commas = _split_top(inner, ",")
    if commas:
        kept = inner[: commas[-1][0]].strip()
        if m and len(commas) > 1:
            return f"{m.group(1) or ''}{m.group(2)}{kept}{m.group(4) or ''}{m.group(5)}"
        return kept
    if m:
        return None
    signs = _split_top(s, "+-")
    if signs:
        return s[: signs[-1][0]].strip()
    coefficient = re.match(r"^(-?\d+)\s*(?=\\[a-zA-Z]|[a-zA-Z])", s)
    if coefficient and coefficient.group(1).lstrip("-") != "1":
        return s[coefficient.end() :].strip()
    return None


# ------------------------------------------------------------------------------------- building pairs


def _other_row(i: int, golds: list[str]) -> int | None:
    """The first row after i (cyclically, within 10) whose gold certainly differs from row i's."""
    n = len(golds)
    for step in range(1, 11):
        j = (i + step) % n
        if answers_differ(golds[i], golds[j]) is True:
            return j
    return None


@dataclass
class Skipped:
    """How many wrong-answer pairs could not be built (so reports can say so)."""

    other_problem: int = 0
    dropped_term: int = 0
    dropped_same_value: int = 0


def math500_pairs(all_perturbations: bool = True, skipped: Skipped | None = None) -> Iterator[Pair]:
    rows = math500()
    golds = [r["answer"] for r in rows]
    skipped = skipped if skipped is not None else Skipped()
    for i, row in enumerate(rows):
        rid, gold, solution = row["unique_id"], row["answer"], row["solution"]
        yield Pair("math500", "reference", rid, gold, solution, True)
        j = _other_row(i, golds)
        if j is None:
            skipped.other_problem += 1
        else:
            yield Pair(
                "math500", "other_problem", f"{rid}<-{rows[j]['unique_id']}", gold, rows[j]["solution"], False
            )
        value = numeric_value(gold)
        if value is not None:
            as_decimal = bool(re.search(r"\d\.\d|^\.\d", gold))
            variants = perturbed_values(value)
            names = list(variants) if all_perturbations else [list(variants)[i % len(variants)]]
            for name in names:
                new = latex_number(variants[name], decimal=as_decimal)
                yield Pair(
                    "math500", f"perturbed:{name}", rid, gold, replace_final_answer(solution, new), False
                )
            continue
        dropped = dropped_term(gold)
        if dropped is None or not dropped.strip():
            skipped.dropped_term += 1
            continue
        if answers_differ(gold, dropped) is not True:
            skipped.dropped_same_value += 1
            continue
        yield Pair("math500", "dropped_term", rid, gold, replace_final_answer(solution, dropped), False)


def gsm8k_pairs(all_perturbations: bool = True, model_runs: bool = True) -> Iterator[Pair]:
    rows = gsm8k()
    golds = [gsm8k_gold(r["answer"]) for r in rows]
    for i, (row, gold) in enumerate(zip(rows, golds, strict=True)):
        rid = f"gsm8k/{i}"
        yield Pair("gsm8k", "reference", rid, gold, row["answer"], True)
        j = _other_row(i, golds)
        if j is not None:
            yield Pair("gsm8k", "other_problem", f"{rid}<-{j}", gold, rows[j]["answer"], False)
        value = numeric_value(gold)
        assert value is not None, f"GSM8K gold {gold!r} of row {i} is not a number"
        variants = perturbed_values(value)
        names = list(variants) if all_perturbations else [list(variants)[i % len(variants)]]
        for name in names:
            yield Pair(
                "gsm8k",
                f"perturbed:{name}",
                rid,
                gold,
                replace_final_answer(row["answer"], plain_number(variants[name])),
                False,
            )
    if model_runs:
        yield from gsm8k_model_pairs()


def gsm8k_model_pairs(runs: tuple[str, ...] = GSM8K_RUNS) -> Iterator[Pair]:
    """The GPT-3 GSM8K samples with their human labels; gold is the number after ``####`` in test.jsonl."""
    golds = [gsm8k_gold(r["answer"]) for r in gsm8k()]
    for run in runs:
        for i, (row, gold) in enumerate(zip(gsm8k_model_solutions(), golds, strict=True)):
            sample = row[run]
            yield Pair(
                "gsm8k", f"model:{run}", f"gsm8k/{i}", gold, sample["solution"], bool(sample["is_correct"])
            )


def benchmark_pairs(quick: bool = False, seed: int = 0) -> list[Pair]:
    """The benchmark's labelled pairs: one perturbation per row; ``quick`` keeps a stratified ~1/6 sample."""
    pairs = list(math500_pairs(all_perturbations=False)) + list(gsm8k_pairs(all_perturbations=False))
    if quick:
        rng = random.Random(seed)
        pairs = [p for p in pairs if rng.random() < (0.3 if p.dataset == "math500" else 0.12)]
    return pairs


def tail(text: str, n: int = 160) -> str:
    text = text.strip().replace("\n", " ⏎ ")
    return text if len(text) <= n else "…" + text[-n:]
