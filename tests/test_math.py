"""Math verifier: extraction, normalisation, equivalence (true and false), statuses, hostile inputs."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rewardkit import ConfigError, Sample, Status
from rewardkit.verifiers.math import MathVerifier, extract_answer, parse_answer, verify

# --------------------------------------------------------------------------------------------- extraction

EXTRACTION = [
    # (response, mode, expected text, expected rule)
    (r"so the answer is $\boxed{42}$.", "flexible", "42", "boxed"),
    (r"\boxed{1} first try, then \boxed{2}", "flexible", "2", "boxed"),
    (r"\boxed{\frac{1}{2}}", "strict", r"\frac{1}{2}", "boxed"),
    (r"\boxed{\frac{\sqrt{3}}{2}}", "strict", r"\frac{\sqrt{3}}{2}", "boxed"),
    (r"\boxed{\left\{ 1, 2 \right\}}", "strict", r"\left\{ 1, 2 \right\}", "boxed"),
    (r"The result: \fbox{7}", "strict", "7", "boxed"),
    (r"\boxed 5 is it", "strict", "5", "boxed"),
    (r"$\boxed{x^{2}+{y}^{2}}$", "strict", r"x^{2}+{y}^{2}", "boxed"),
    (r"\boxed{\text{(C)}}", "strict", r"\text{(C)}", "boxed"),
    (r"\boxed{{{3}}}", "strict", "{{3}}", "boxed"),
    (r"answer \boxed{a_{1}} then \boxed{b_{2}}", "strict", "b_{2}", "boxed"),
    ("Natalia sold 48/2 = 24 clips.\n#### 72", "strict", "72", "gsm8k"),
    ("blah\n#### 1,000", "strict", "1,000", "gsm8k"),
    ("#### $18", "strict", "18", "gsm8k"),
    ("The answer is 12.", "strict", "12", "answer_is"),
    ("So the final answer is $\\frac{3}{4}$.", "strict", r"\frac{3}{4}", "answer_is"),
    ("the answer is: 3.5 dollars", "strict", "3.5 dollars", "answer_is"),
    ("The answer is 5 because 2+3=5", "strict", "5", "answer_is"),
    ("I think the answer is 4. Wait, the answer is 6.", "strict", "6", "answer_is"),
    ("Final answer: 17", "strict", "17", "answer_label"),
    ("**Answer:** 9", "strict", "9", "answer_label"),
    ("Work...\nA: 15", "strict", "15", "answer_label"),
    ("Answer: $x = 2$", "strict", "x = 2", "answer_label"),
    ("We get 3 apples and 4 pears, total 7", "flexible", "7", "last_number"),
    ("The value is -2.5 in the end", "flexible", "-2.5", "last_number"),
    ("costs 1,234,567 dollars", "flexible", "1,234,567", "last_number"),
    ("ratio 3/4 overall", "flexible", "3/4", "last_number"),
    ("about .5 of it", "flexible", ".5", "last_number"),
    ("x2 and y3 only", "flexible", None, None),
    ("We get 3 apples and 4 pears, total 7", "strict", None, None),
    ("", "flexible", None, None),
    ("no numbers here at all", "flexible", None, None),
    (r"\boxed{}", "strict", None, None),
    (r"\boxed{unbalanced", "strict", None, None),
]


@pytest.mark.parametrize("response,mode,text,rule", EXTRACTION)
def test_extraction(response, mode, text, rule):
    found = extract_answer(response, mode)
    if text is None:
        assert found is None
    else:
        assert found is not None and (found.text, found.mode) == (text, rule)


NORMALISED = [
    (r"\dfrac{3}{4}", r"\frac{3}{4}"),
    (r"\tfrac{3}{4}", r"\frac{3}{4}"),
    (r"\frac 34", r"\frac{3}{4}"),
    (r"\frac3{4}", r"\frac{3}{4}"),
    (r"\sqrt2", r"\sqrt{2}"),
    (r"\left( 1, 2 \right)", "( 1, 2 )"),
    (r"10\%", "10"),
    (r"45^\circ", "45"),
    (r"45^{\circ}", "45"),
    ("45°", "45"),
    (r"\$5.00", "5.00"),
    ("$5", "5"),
    ("1,000,000", "1000000"),
    ("1{,}000", "1000"),
    (r"5\text{ cm}", "5"),
    (r"5 \text{ cm}^2", "5"),
    ("12 dollars", "12"),
    ("7 inches.", "7"),
    (r"\text{Monday}", "Monday"),
    (r"\mathrm{(B)}", "B"),
    (r"\left( 1 \pm \sqrt{19} \right)", r"1 \pm \sqrt{19}"),
    (r"(1, 2)", "(1, 2)"),
    ("3.", "3"),
    ("  42 ", "42"),
    ("{7}", "7"),
    (r"2\,000", "2000"),
    (r"10,\!080", "10080"),
    (r"11,\! 111,\! 111,\! 100", "11111111100"),
    (r"\frac{270}7\text{ degrees}", r"\frac{270}{7}"),
    (r"\frac{\pi}2", r"\frac{\pi}{2}"),
    ("−3", "-3"),
    (r"\displaystyle \frac{1}{2}", r"\frac{1}{2}"),
]


@pytest.mark.parametrize("raw,expected", NORMALISED)
def test_normalisation(raw, expected):
    assert parse_answer(raw).text == expected


def test_percent_and_numbers_are_read_exactly():
    a = parse_answer(r"12.50\%")
    assert a.percent and a.number is not None and float(a.number) == 12.5 and a.decimals == 2
    assert parse_answer(r"-\frac{3}{4}").number == -0.75
    assert parse_answer("7/8").number is not None and parse_answer("7/8").decimals is None
    assert parse_answer(r"\sqrt{2}").number is None


# -------------------------------------------------------------------------------------------- equivalence

EQUIVALENT = [
    # integers, decimals, fractions
    ("18", "18"),
    ("18", "18.0"),
    ("18", "18.00"),
    ("-4", "-4"),
    ("0", "0.0"),
    ("1000", "1,000"),
    ("1000", "1{,}000"),
    ("1000000", "1,000,000"),
    ("0.5", r"\frac{1}{2}"),
    (r"\frac{1}{2}", "0.5"),
    (r"\frac{1}{2}", "1/2"),
    (r"\frac{1}{2}", r"\dfrac{1}{2}"),
    (r"\frac{1}{2}", r"\tfrac12"),
    (r"\frac{5}{9}", r"\frac 59"),
    (r"\dfrac{5}{9}", r"\frac{10}{18}"),
    ("-0.25", r"-\frac{1}{4}"),
    (r"-\frac{1}{4}", r"\frac{-1}{4}"),
    ("0.125", r"\frac{1}{8}"),
    (".5", "0.5"),
    ("3.14", "3.140"),
    ("0.33", r"\frac{1}{3}"),
    ("2.5", r"\frac{5}{2}"),
    (r"\frac{7}{2}", "3.5"),
    ("1.5", "1.5"),
    ("1000", "1000"),
    ("12345678901234567890", "12345678901234567890"),
    (r"\frac{1}{3}", "0.333333333"),
    # units, currency, degrees, percent
    (r"\$18.90", "18.9"),
    ("18", r"\$18"),
    ("18", "18 dollars"),
    ("5", r"5\text{ cm}"),
    ("5", r"5 \text{ cm}^2"),
    (r"30^\circ", "30"),
    ("30", r"30^{\circ}"),
    ("30", "30°"),
    (r"10\%", "10"),
    (r"25\%", "0.25"),
    ("0.25", r"25\%"),
    (r"12.5\%", "12.5"),
    ("7", "7 inches"),
    (r"100\text{ meters}", "100"),
    # radicals and symbolic constants
    (r"16\sqrt{3}", r"16 \sqrt{3}"),
    (r"16\sqrt{3}", r"16\sqrt3"),
    (r"\frac{\sqrt{3}}{2}", r"\frac{1}{2}\sqrt{3}"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}"),
    (r"2\sqrt{2}", r"\sqrt{8}"),
    (r"\sqrt{12}", r"2\sqrt{3}"),
    (r"3\sqrt{5}", r"\sqrt{45}"),
    (r"\sqrt[3]{8}", "2"),
    (r"\pi", r"\pi"),
    (r"2\pi", r"\pi \cdot 2"),
    (r"\frac{\pi}{2}", r"\frac{1}{2}\pi"),
    (r"1-\frac{1}{e}", r"1 - e^{-1}"),
    (r"e^{2}", r"e^2"),
    (r"\frac{1}{2004!}", r"\frac{1}{2004!}"),
    (r"2^{10}", "1024"),
    ("1024", r"2^{10}"),
    (r"\binom{5}{2}", "10"),
    (r"5!", "120"),
    (r"\log_2 8", "3"),
    (r"\sin\frac{\pi}{6}", r"\frac{1}{2}"),
    (r"\frac{4\pi}{3}", r"\frac{4}{3}\pi"),
    (r"\sqrt{2}+\sqrt{3}", r"\sqrt{3}+\sqrt{2}"),
    (r"6 - 2\sqrt{5}", r"-2\sqrt{5}+6"),
    (r"\frac{3+\sqrt{5}}{2}", r"\frac{3}{2}+\frac{\sqrt{5}}{2}"),
    (r"2+3i", r"3i+2"),
    (r"\infty", r"\infty"),
    (r"10^{-3}", "0.001"),
    (r"\frac{9}{\sqrt{3}}", r"3\sqrt{3}"),
    # expressions in variables
    ("2x+1", "1+2x"),
    (r"x^2+2x+1", r"(x+1)^2"),
    (r"\frac{x}{2}", r"0.5x"),
    (r"x^2-1", r"(x-1)(x+1)"),
    (r"\frac{1}{x}", r"x^{-1}"),
    (r"a^2-b^2", r"(a-b)(a+b)"),
    (r"2(n+1)", r"2n+2"),
    (r"\frac{n(n+1)}{2}", r"\frac{n^2+n}{2}"),
    (r"\sin^2 x + \cos^2 x", "1"),
    (r"\pi r^2", r"r^2\pi"),
    (r"3x^2 - 2", r"-2 + 3x^2"),
    # equations and assignments
    ("3", "x=3"),
    ("x=3", "3"),
    ("y=2x+1", "2x+1"),
    ("y=2x+1", "y=1+2x"),
    ("k=5", "5"),
    ("5", "k = 5"),
    ("y=2x+1", "2x - y + 1 = 0"),
    ("x+y=5", "y+x=5"),
    ("x+y=5", "2x+2y=10"),
    # sets, lists, tuples
    (r"\{2,3\}", "3, 2"),
    ("2, 3", r"\{3, 2\}"),
    ("1, 2, 3", "3, 1, 2"),
    (r"\{1, 2\}", r"\left\{ 1, 2 \right\}"),
    (r"\left( 3, \frac{\pi}{2} \right)", r"(3, \frac{\pi}{2})"),
    ("(1, 2)", "(1,2)"),
    (r"(2, -3)", r"\left(2,-3\right)"),
    (r"(\frac{1}{2}, 3)", "(0.5, 3)"),
    (r"\pm 2", "2, -2"),
    (r"1 \pm \sqrt{2}", r"1+\sqrt{2}, 1-\sqrt{2}"),
    ("-2, 2", r"\pm 2"),
    (r"\{-1, 1\}", "-1, 1"),
    # intervals and inequalities
    ("[1, 2)", "[1,2)"),
    (r"(-\infty, 3]", r"x \le 3"),
    (r"(-\infty, 3]", r"x \leq 3"),
    (r"x > 2", r"(2, \infty)"),
    (r"(-\infty, 3] \cup (4, 5)", r"(-\infty,3]\cup(4,5)"),
    (r"[-2, 5]", r"\left[ -2, 5 \right]"),
    (r"(0, \infty)", r"x>0"),
    (r"(1, 5)", r"1 < x < 5"),
    # matrices
    (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
    (r"\begin{pmatrix}1 & 2\\3 & 4\end{pmatrix}", r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}"),
    (r"\begin{pmatrix}\frac{1}{2}\\0\end{pmatrix}", r"\begin{pmatrix}0.5\\0\end{pmatrix}"),
    # multiple choice
    ("C", "(C)"),
    (r"\text{(C)}", "C"),
    ("(B)", r"\text{(B)}"),
    ("A", "A) 12"),
    ("D", r"\textbf{(D)}"),
    # text answers
    (r"\text{Monday}", "Monday"),
    (r"\text{even}", r"\text{even}"),
    (r"\text{even}", r"\text{Even}"),
    (r"10,\!080", "10080"),
    (r"\$32,\!348", "32348"),
    (r"\frac{270}7", "270/7"),
]

NOT_EQUIVALENT = [
    # numbers: no absolute-rounding false positives, exact integers stay exact
    ("18", "19"),
    ("18", "18.5"),
    ("18", "-18"),
    ("1000", "100"),
    ("1000000", "1000001"),
    ("0", "0.001"),
    (r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}"),
    (r"\frac{1}{2004!}", r"\frac{1}{2006!}"),
    (r"10^{-20}", r"10^{-21}"),
    (r"\frac{1}{3}", "0.33"),
    (r"\frac{1}{3}", "0.3333"),
    (r"\frac{2}{3}", "0.66"),
    ("0.1", "0.14"),
    ("0.33", "0.331"),
    ("12345678901234567890", "12345678901234567891"),
    (r"\frac{1}{2}", r"\frac{1}{3}"),
    (r"\frac{1}{2}", "2"),
    ("3.14", r"\pi"),
    (r"\pi", "3.14"),
    ("2.5", "25"),
    ("1,000", "1"),
    ("1", "1,000"),
    # sign and structure
    (r"1-\frac{1}{e}", r"1+\frac{1}{e}"),
    (r"\sqrt{2}", "2"),
    (r"2\sqrt{3}", r"3\sqrt{2}"),
    (r"\frac{\pi}{2}", r"\pi"),
    (r"e^{2}", r"2e"),
    (r"2^{10}", "1000"),
    (r"\log_2 8", "2"),
    ("2+3i", "2-3i"),
    (r"\infty", r"-\infty"),
    (r"6 - 2\sqrt{5}", r"6 + 2\sqrt{5}"),
    (r"\sqrt[3]{2}", r"\sqrt{2}"),
    # expressions
    ("2x+1", "2x-1"),
    (r"x^2+2x+1", r"(x+1)^3"),
    (r"x^2-1", r"(x-1)^2"),
    ("2(n+1)", "2n+1"),
    (r"\frac{x}{2}", "2x"),
    ("x", "y"),
    (r"\frac{n(n+1)}{2}", r"n(n+1)"),
    # several candidates never match one gold
    ("3", "2, 3"),
    ("3", r"\{3, 5\}"),
    ("2", r"x=2 \text{ or } x=3"),
    ("2", r"\pm 2"),
    ("5", "5, 5, 6"),
    # sets, tuples, intervals
    (r"\{2,3\}", "2, 3, 4"),
    (r"\{2,3\}", "2"),
    ("(1, 2)", "(2, 1)"),
    ("(1, 2)", "[1, 2]"),
    ("[1, 2)", "[1, 2]"),
    ("(1, 2)", "(1, 2, 3)"),
    (r"(-\infty, 3]", r"x < 3"),
    (r"(-\infty, 3]", r"x \ge 3"),
    (r"(0, \infty)", r"x<0"),
    (r"(-\infty, 3] \cup (4, 5)", r"(-\infty,3]\cup(4,6)"),
    # equations
    ("x=3", "4"),
    ("y=2x+1", "2x+2"),
    ("x+y=5", "x-y=5"),
    # matrices
    (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}2\\1\end{pmatrix}"),
    (r"\begin{pmatrix}1 & 2\\3 & 4\end{pmatrix}", r"\begin{pmatrix}1 & 2\end{pmatrix}"),
    # multiple choice
    ("C", "(B)"),
    (r"\text{(C)}", "D"),
    ("A", "12"),
    ("B", "(E)"),
    # percent and units do not rescue a wrong number
    (r"10\%", "0.2"),
    (r"25\%", "0.025"),
    ("5", r"6 \text{ cm}"),
    (r"30^\circ", "60"),
    # text
    (r"\text{Monday}", "Tuesday"),
    # more near misses drawn from typical MATH/GSM8K slips
    ("72", "27"),
    ("72", "7.2"),
    ("72", "720"),
    ("0.5", "5"),
    ("0.05", "0.5"),
    (r"\frac{3}{4}", r"\frac{4}{3}"),
    (r"\frac{3}{4}", "0.7"),
    (r"-\frac{3}{4}", r"\frac{3}{4}"),
    (r"\frac{1}{6}", r"\frac{1}{5}"),
    ("100", "99.99"),
    (r"\sqrt{3}", r"\frac{\sqrt{3}}{2}"),
    (r"4\sqrt{2}", r"2\sqrt{4}"),
    (r"\frac{\sqrt{2}}{2}", r"\sqrt{2}"),
    (r"2\pi", r"\pi"),
    (r"\pi^2", r"2\pi"),
    (r"e", r"\frac{1}{e}"),
    (r"\ln 2", r"\log_{10} 2"),
    (r"x^2", r"2x"),
    (r"x^3 - x", r"x(x-1)"),
    (r"\frac{1}{x+1}", r"\frac{1}{x}+1"),
    (r"(a+b)^2", r"a^2+b^2"),
    ("2n", "n+2"),
    (r"\frac{n}{n+1}", r"\frac{n+1}{n}"),
    ("3", "x=4"),
    ("y=x", "y=-x"),
    ("x=1", "x=-1"),
    (r"\{1, 2, 3\}", r"\{1, 2\}"),
    ("(3, 4)", "(4, 3)"),
    ("(0, 1]", "[0, 1]"),
    (r"(-\infty, 0)", r"(0, \infty)"),
    (r"[2, \infty)", r"(2, \infty)"),
    ("2", "2, 2"),
    ("-1", "1"),
    ("10", "10.01"),
    (r"\frac{7}{3}", r"2\frac{1}{2}"),
    (r"1.5", r"\frac{2}{3}"),
    (r"\sqrt{5}", "5"),
    ("1", "i"),
    (r"\frac{\pi}{3}", "60"),
    ("E", "(A)"),
    (r"\$42", "41"),
    (r"6\%", "0.6"),
]


# Found in review: each of these once verified as correct.
NOT_EQUIVALENT += [
    # exact expressions stay exact: agreement to 12 digits is not equality
    ("2^{64}", "18446744073709551617"),
    ("2^{100}", "2^{100}-2^{50}"),
    ("10^{15}", "1000000000000001"),
    ("1000000000000001", "10^{15}"),
    (r"\binom{100}{50}", r"\binom{100}{50}+1"),
    ("100!", "100!+1"),
    (r"\frac12", r"\frac12+\frac{1}{2^{50}}"),
    (r"\sqrt2", r"\sqrt2+10^{-13}"),
    # percent on both sides compares the numbers as written
    (r"10\%", r"0.1\%"),
    (r"50\%", r"0.5\%"),
    (r"25\%", r"2500\%"),
    # a decimal gold accepts a rounded fraction only if the fraction does not terminate and the gold has 2+ digits
    ("0.5", r"\frac{13}{25}"),
    ("0.5", r"\frac{12}{25}"),
    ("1.5", r"\frac{38}{25}"),
    ("3.0", r"\frac{61}{20}"),
    ("0.3", r"\frac13"),
    # a decimal response must be right to the digits it wrote
    ("1000000", "1000001.0"),
    ("123456789", "123456800.0"),
    # hedged choices name no letter
    ("B", "(B) or (C)"),
    ("B", r"B \text{ or } C"),
    ("B", "B C"),
    (r"\text{(B)}", "B and C"),
    ("C", "C) 5 D) 6"),
    # a bare comma list is a multiset
    ("2,2,3", "2,3"),
    ("1,2", "1,1,2"),
    (r"\{1,2,3\}", "1,2,3,3"),
    (r"x=\pm1", "x=1"),
]
EQUIVALENT += [
    ("(x,y)=(4,5)", "(4,5)"),
    ("1000", "1 000"),
    ("5", r"\text{5 cm}"),
    (r"\frac13", "0.333333"),
    (r"x=\pm1", r"x=\pm 1"),
    (r"\sqrt{3+2\sqrt{2}}", r"1+\sqrt{2}"),
    (r"\log_2 8", "3"),
    ("3", r"\log_2 8"),
    (r"\{1,2\}", r"\{1,1,2\}"),
]

RESPONSES = [
    # (gold, full response, expected value)
    ("4", "answer is 3? Hmm, no. Answer: 4", 1.0),
    ("5", "So x = −5", 0.0),
    ("5", "the value is 10^5", 0.0),
    ("5", "The answer is $5$ or $6$.", 0.0),
    ("5", "The answer is $5$. Then $x$ is irrelevant.", 1.0),
    ("A", "Answer: (A) (B)", 0.0),
    ("B", "Answer: B or C", 0.0),
]


@pytest.mark.parametrize("gold,response,value", RESPONSES)
def test_whole_responses(gold, response, value):
    assert MathVerifier(workers=0).score(Sample(response=response, reference=gold)).value == value


@pytest.mark.parametrize(
    "gold,pred,same", [(g, p, True) for g, p in EQUIVALENT] + [(g, p, False) for g, p in NOT_EQUIVALENT]
)
def test_equivalence(gold, pred, same):
    assert verify(parse_answer(gold, gold=True), parse_answer(pred)) is same


def test_case_counts_are_hundreds():
    assert len(EQUIVALENT) + len(NOT_EQUIVALENT) + len(EXTRACTION) + len(NORMALISED) >= 250


# -------------------------------------------------------------------------------------- verifier behaviour


def score(response, reference, **config):
    return MathVerifier(workers=0, **config).score(Sample(response=response, reference=reference))


def test_scores_and_details():
    s = score(r"First 2+2. So the answer is $\boxed{\dfrac{8}{2}}$.", "4")
    assert s.status is Status.OK and s.value == 1.0
    assert (
        s.details["extracted"] == r"\dfrac{8}{2}"
        and s.details["match_mode"] == "boxed"
        and s.details["gold"] == "4"
    )
    wrong = score(r"\boxed{5}", "4")
    assert wrong.status is Status.OK and wrong.value == 0.0


@pytest.mark.parametrize(
    "response,gold",
    [
        (r"\boxed{4}", 4),
        (r"\boxed{4}", 4.0),
        (r"\boxed{0.5}", {"answer": r"\frac12"}),
        (r"\boxed{72}", "She sold 48+24 = 72\n#### 72"),  # full GSM8K solution as gold
    ],
)
def test_gold_forms(response, gold):
    assert score(response, gold).value == 1.0


STATUSES = [
    # (response, gold, config, status, value, what the reason contains)
    # unparseable is not zero
    ("I am not sure how to solve this.", "4", {}, Status.UNPARSEABLE, None, ""),
    ("We get 4 in the end", "4", {"mode": "strict"}, Status.UNPARSEABLE, None, ""),
    ("We get 4 in the end", "4", {"mode": "flexible"}, Status.OK, 1.0, ""),
    # a missing gold is an error that says what to do
    (r"\boxed{4}", None, {}, Status.ERROR, None, "reference"),
    # an answer that is not readable math is the response's failure: unparseable, with the exception
    (r"\boxed{\frac{1}{}}+}", r"\sqrt{2}", {}, Status.UNPARSEABLE, None, "cannot read"),
    # a gold answer that is not readable math is the verifier's input failing: an error
    (r"\boxed{2}", "1+", {}, Status.ERROR, None, "cannot read"),
]


@pytest.mark.parametrize("response,gold,config,status,value,reason", STATUSES)
def test_statuses(response, gold, config, status, value, reason):
    s = score(response, gold, **config)
    assert (s.status, s.value) == (status, value) and reason in s.reason


def test_long_input_is_cut_keeping_the_tail():
    s = score("x" * 100_000 + r" \boxed{7}", "7", max_chars=1000)
    assert s.value == 1.0 and s.details["truncated"] is True and s.details["original_chars"] == 100_000 + 10


@pytest.mark.parametrize(
    "config,message",
    [
        ({"modee": "strict"}, "math: modee: unknown key 'modee'; allowed: .*mode"),
        ({"mode": "lenient"}, "math: mode: .*'flexible' or 'strict'"),
    ],
)
def test_config_errors_name_the_key_and_allowed_values(config, message):
    with pytest.raises(ConfigError, match=message):
        MathVerifier(**config)


# ---------------------------------------------------------------------------------------- engine behaviour


def _needs_the_pool(pairs: list[tuple[str, str]]) -> list[Sample]:
    """Samples the caller's quick path cannot decide, so they really run in pool workers."""
    samples = [Sample(response=r"\boxed{" + pred + "}", reference=gold) for gold, pred in pairs]
    return [s for s in samples if MathVerifier().quick_score(s) is None][:40]


BATCH = _needs_the_pool(EQUIVALENT) + _needs_the_pool(NOT_EQUIVALENT)


def test_pool_matches_inline_and_keeps_order():
    assert len(BATCH) == 80
    inline = MathVerifier(workers=0).score_batch(BATCH)
    pooled = MathVerifier(workers=2).score_batch(BATCH)
    assert [s.value for s in pooled] == [s.value for s in inline]
    assert [s.value for s in pooled] == [1.0] * 40 + [0.0] * 40


def test_threads_and_asyncio_agree_with_serial():
    verifier = MathVerifier(workers=2)
    serial = [s.value for s in verifier.score_batch(BATCH)]
    chunks = [BATCH[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as ex:
        threaded = list(ex.map(verifier.score_batch, chunks))
    for i, chunk_scores in enumerate(threaded):
        assert [s.value for s in chunk_scores] == serial[i::8]

    async def run_all():
        return await asyncio.gather(*(verifier.ascore_batch(c) for c in chunks))

    for i, chunk_scores in enumerate(asyncio.run(run_all())):
        assert [s.value for s in chunk_scores] == serial[i::8]


HOSTILE = [
    r"\boxed{9^{9^{9^9}}}",
    r"\boxed{" + r"\frac{1}{" * 500 + "2" + "}" * 500 + "}",
    "x" * 1_000_000 + r" \boxed{10^{10^{10^{10}}}}",
    r"\boxed{" + "(" * 2000 + "1" + ")" * 2000 + "}",
]


def test_hostile_inputs_end_within_the_deadline_and_the_pool_keeps_serving():
    verifier = MathVerifier(workers=2, timeout=2.0)
    samples = [Sample(response=r, reference="5") for r in HOSTILE]
    start = time.monotonic()
    scores = verifier.score_batch(samples)
    elapsed = time.monotonic() - start
    assert all(s.status in (Status.TIMEOUT, Status.ERROR, Status.UNPARSEABLE) for s in scores), [
        (s.status, s.reason) for s in scores
    ]
    assert any(s.status is Status.TIMEOUT for s in scores)
    assert elapsed < 2.0 * len(HOSTILE) + 20  # every item bounded by its deadline (plus respawn slack)
    after = verifier.score_batch(BATCH)
    assert [s.value for s in after] == [1.0] * 40 + [0.0] * 40


# ------------------------------------------------------------------------------ fast reader vs latex2sympy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _answer_corpus() -> set[str]:
    texts = {t for pair in EQUIVALENT + NOT_EQUIVALENT for t in pair}
    if SHARED.is_dir():
        texts |= {json.loads(line)["answer"] for line in (SHARED / "math500" / "test.jsonl").open()}
        for line in (SHARED / "prm800k" / "phase1_test_stepwise.jsonl").open():
            row = json.loads(line)
            texts |= {t for t in (row["answer"], row["gold_answer"]) if t}
    return texts


def test_fast_reader_agrees_with_latex2sympy_on_every_answer_it_accepts():
    from latex2sympy2_extended import latex2sympy

    from rewardkit.verifiers.math import _fast_sympy, _split_top, sympy_equal

    accepted = 0
    for raw in sorted(_answer_corpus()):
        text = parse_answer(raw).text
        fast = _fast_sympy(text)
        if fast is None:
            continue
        accepted += 1
        if isinstance(fast, list):  # a bare comma list is a multiset: latex2sympy reads its pieces
            slow = [latex2sympy(piece) for piece in _split_top(text, ",")]
        else:
            slow = latex2sympy(text)
        assert sympy_equal(slow, fast) and sympy_equal(fast, slow), (text, fast, slow)
    assert accepted >= (500 if SHARED.is_dir() else 100)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("(-1, 6)", "Interval.open(-1, 6)"),
        ("(8, -2)", "(8, -2)"),
        ("(1, -16, -4)", "(1, -16, -4)"),
        (r"(-\infty, 0]", "Interval(-oo, 0)"),
        (r"(-\infty, 2) \cup (3, \infty)", "Union(Interval.open(-oo, 2), Interval.open(3, oo))"),
        (r"\{1, 2\}", "{1, 2}"),
        ("-2, 1", "[-2, 1]"),
        ("2, 2, 3", "[2, 2, 3]"),
        (r"\frac{\frac{1}{2}}{3}", "1/6"),
        (r"x^\frac{1}{2}", "sqrt(x)"),
        (r"\frac{1}{e}", "exp(-1)"),
        ("(a+5)(b+2)", "(a + 5)*(b + 2)"),
        ("X + 1", "x + 1"),
    ],
)
def test_fast_reader_shapes(text, expected):
    from rewardkit.verifiers.math import _fast_sympy

    assert str(_fast_sympy(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        r"2\frac{1}{2}",
        r"x^23",
        r"\frac{1}{2",
        "[1,2,3]",
        r"\sqrt[3]{2}",
        "ab",
        r"\frac12 x +",
        r"5!",
        r"\log 2",
        r"1 \pm 2",
    ],
)
def test_fast_reader_leaves_other_shapes_to_latex2sympy(text):
    """Mixed numbers, LaTeX's one-character exponents, unbalanced input... are latex2sympy's to read."""
    from rewardkit.verifiers.math import _fast_sympy

    assert _fast_sympy(text) is None


def test_unbalanced_braces_are_read_in_linear_time():
    response = "\\boxed{" * 200_000  # 1.4 MB; a quadratic brace matcher would take minutes
    start = time.monotonic()
    s = MathVerifier(timeout=1.0, max_chars=2_000_000).score(Sample(response=response, reference="5"))
    assert s.status is Status.UNPARSEABLE
    assert time.monotonic() - start < 30
