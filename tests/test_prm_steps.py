"""Step splitting: every mode, spans that index the response exactly, given-step location, config errors."""

from __future__ import annotations

import doctest
import random

import pytest
from pydantic import ValidationError

from rewardkit.errors import InputError, config_error
from rewardkit.prm import steps as steps_module
from rewardkit.prm.processbench import prm800k_to_processbench, read_prm800k
from rewardkit.prm.steps import Step, StepSplit, join_steps, sample_steps, split_steps
from rewardkit.types import Sample


def texts(found: list[Step]) -> list[str]:
    return [s.text for s in found]


def assert_exact(response: str, found: list[Step]) -> None:
    """Every span indexes its text exactly, texts are stripped and non-empty, spans are in order."""
    end = 0
    for step in found:
        assert step.text and step.text == step.text.strip()
        assert step.span is not None
        assert response[step.span[0] : step.span[1]] == step.text
        assert step.span[0] >= end
        end = step.span[1]


def test_module_docstring_examples_hold() -> None:
    result = doctest.testmod(steps_module)
    assert result.attempted >= 5 and result.failed == 0


# ------------------------------------------------------------------------------------------ paragraph


def test_paragraphs_split_on_blank_lines_and_keep_single_line_breaks() -> None:
    response = "  First line\nstill first.\n\n\n   \nSecond.\n \t\nThird.  \n"
    found = split_steps(response, StepSplit(how="paragraph"))
    assert texts(found) == ["First line\nstill first.", "Second.", "Third."]
    assert found.how == "paragraph" and found.fallback is None
    assert found[0].span == (2, 25)
    assert_exact(response, found)


def test_paragraphs_with_windows_line_endings() -> None:
    response = "a = 1\r\nb = 2\r\n\r\nc = a + b\r\n \r\n\r\nc = 3\r\n"
    found = split_steps(response)
    assert texts(found) == ["a = 1\r\nb = 2", "c = a + b", "c = 3"]
    assert_exact(response, found)


def test_unicode_text_and_unicode_line_breaks() -> None:
    response = "π ≈ 3.14 — 𝑥² ✓\u2028\u2028∑ 𝑥ᵢ = 10\n\u00a0\n日本語のステップ"
    found = split_steps(response, StepSplit(how="paragraph"))
    assert texts(found) == ["π ≈ 3.14 — 𝑥² ✓", "∑ 𝑥ᵢ = 10", "日本語のステップ"]
    assert_exact(response, found)
    lines = split_steps("α\u2028β\r\nγ\rδ", StepSplit(how="lines"))
    assert texts(lines) == ["α", "β", "γ", "δ"]


def test_blank_response_has_no_steps() -> None:
    for how in ("paragraph", "lines", "markers"):
        assert split_steps(" \n\n\t\r\n", StepSplit(how=how)) == []


# -------------------------------------------------------------------------------------------- lines


def test_lines_drop_blank_lines() -> None:
    response = "x = 2\r\n\r\n   y = 3  \n\t\nz = 5"
    found = split_steps(response, StepSplit(how="lines"))
    assert texts(found) == ["x = 2", "y = 3", "z = 5"]
    assert found[1].span == (12, 17)
    assert_exact(response, found)


# ------------------------------------------------------------------------------------------- markers


def test_markers_in_every_style_with_text_before() -> None:
    response = (
        "Let me solve this.\n"
        "**Step 1:** Add the numbers.\n2 + 3 = 5\n"
        "## Step 2\nMultiply: 5 * 4 = 20.\n"
        "step 3. Subtract one.\n"
        "**Step 4**: Check.\n"
        "### STEP 5 - Answer\n"
        "Step 6) Done."
    )
    found = split_steps(response, StepSplit(how="markers"))
    assert texts(found) == [
        "Let me solve this.",
        "**Step 1:** Add the numbers.\n2 + 3 = 5",
        "## Step 2\nMultiply: 5 * 4 = 20.",
        "step 3. Subtract one.",
        "**Step 4**: Check.",
        "### STEP 5 - Answer",
        "Step 6) Done.",
    ]
    assert found.how == "markers" and found.fallback is None
    assert_exact(response, found)


def test_markers_need_a_header_at_a_line_start() -> None:
    response = "Step 1: In step 2 we divide.\nStep 1.5 is not a header.\nStep 2: Done."
    found = split_steps(response, StepSplit(how="markers"))
    assert texts(found) == ["Step 1: In step 2 we divide.\nStep 1.5 is not a header.", "Step 2: Done."]


def test_blank_text_before_the_first_marker_is_not_a_step() -> None:
    found = split_steps("\n  \nStep 1: a\r\nStep 2: b", StepSplit(how="markers"))
    assert texts(found) == ["Step 1: a", "Step 2: b"]


def test_markers_fall_back_to_paragraphs_and_say_so() -> None:
    found = split_steps("First.\n\nThen step two.", StepSplit(how="markers"))
    assert texts(found) == ["First.", "Then step two."]
    assert found.how == "paragraph"
    assert found.fallback == "no Step k markers found; split into paragraphs"


# --------------------------------------------------------------------------------------------- regex


def test_regex_separator() -> None:
    response = "a = 1 ---  b = 2---c = 3 ---"
    found = split_steps(response, StepSplit(how="regex", pattern=r"\s*---\s*"))
    assert texts(found) == ["a = 1", "b = 2", "c = 3"]
    assert found.how == "regex"
    assert_exact(response, found)


def test_regex_zero_width_separator_keeps_the_text() -> None:
    response = "Intro 1. one 2. two"
    found = split_steps(response, StepSplit(how="regex", pattern=r"(?=\d\.)"))
    assert texts(found) == ["Intro", "1. one", "2. two"]
    assert_exact(response, found)


def test_regex_config_errors_name_the_pattern_and_the_problem() -> None:
    with pytest.raises(ValidationError) as err:
        StepSplit(how="regex", pattern="(unclosed")
    message = str(config_error("prm", StepSplit, err.value))
    assert message.startswith("prm: pattern: pattern '(unclosed' is not a valid regular expression")
    assert "missing ), unterminated subpattern" in message
    with pytest.raises(ValidationError, match="how='regex' needs a pattern"):
        StepSplit(how="regex")
    with pytest.raises(ValidationError, match=r"only used with how='regex' \(how is 'paragraph'\)"):
        StepSplit(how="paragraph", pattern=r"\n")
    with pytest.raises(ValidationError, match="matches the empty string"):
        StepSplit(how="regex", pattern=r"\n*")
    with pytest.raises(ValidationError, match="unknown|Extra inputs"):
        StepSplit(how="lines", separator="x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="'auto', 'paragraph'"):
        StepSplit(how="sentences")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- given


def test_given_steps_are_located_in_order_from_the_previous_end() -> None:
    response = "x = 1. Then x = 1 again; so y = 2."
    found = split_steps(response, StepSplit(how="given"), ["  x = 1  ", "x = 1", "", "y = 2"])
    assert [(s.text, s.span) for s in found] == [("x = 1", (0, 5)), ("x = 1", (12, 17)), ("y = 2", (28, 33))]


def test_a_given_step_not_found_gets_no_span_and_the_search_goes_on() -> None:
    response = "alpha beta gamma"
    found = split_steps(response, StepSplit(how="given"), ["beta", "delta", "alpha", "gamma"])
    assert [(s.text, s.span) for s in found] == [
        ("beta", (6, 10)),
        ("delta", None),
        ("alpha", None),  # before the previous step: not searched for backwards
        ("gamma", (11, 16)),
    ]


def test_given_steps_with_an_empty_response_index_their_join() -> None:
    steps = ["  a + b\n", "", "c  ", "\t"]
    found = split_steps("", StepSplit(how="given"), steps)
    joined = join_steps(steps)
    assert joined == "a + b\n\nc"
    assert [(s.text, s.span) for s in found] == [("a + b", (0, 5)), ("c", (7, 8))]
    assert_exact(joined, found)


def test_given_without_steps_is_an_input_error() -> None:
    with pytest.raises(InputError, match="how='given' needs the sample's steps"):
        split_steps("some text", StepSplit(how="given"))


def test_auto_uses_sample_steps_when_present_else_paragraphs() -> None:
    with_steps = Sample(response="One. Two.", steps=["One.", "Two."])
    found = sample_steps(with_steps)
    assert found.how == "given" and [s.span for s in found] == [(0, 4), (5, 9)]
    without = Sample(response="One.\n\nTwo.")
    found = sample_steps(without, StepSplit())
    assert found.how == "paragraph" and texts(found) == ["One.", "Two."]
    blank_steps = Sample(response="One.\n\nTwo.", steps=["  ", ""])
    assert sample_steps(blank_steps).how == "paragraph"
    # an explicit mode ignores the sample's steps
    assert texts(sample_steps(with_steps, StepSplit(how="lines"))) == ["One. Two."]


# ------------------------------------------------------------------------------- spans on any text


@pytest.mark.parametrize("how", ["paragraph", "lines", "markers", "regex"])
def test_spans_round_trip_on_random_text(how: str) -> None:
    rng = random.Random(12)
    pieces = [
        "a",
        "Z",
        "é",
        "𝑥",
        "π",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\u2028",
        "\u00a0",
        "Step 3: ",
        "**Step 1:**",
        ";",
    ]
    split = StepSplit(how=how, pattern=";+" if how == "regex" else None)
    for _ in range(300):
        response = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        found = split_steps(response, split)
        assert_exact(response, found)
        # nothing but whitespace (and, for regex, the separators) is lost
        rest = response.replace(";", "") if how == "regex" else response
        assert "".join("".join(s.text for s in found).split()) == "".join(rest.split())
        if how in ("paragraph", "lines"):
            assert texts(found) == reference_split(response, how)


def reference_split(response: str, how: str) -> list[str]:
    """An independent splitter on str.splitlines: lines, or runs of non-blank lines."""
    lines = response.splitlines(keepends=True)
    if how == "lines":
        return [line.strip() for line in lines if line.strip()]
    out, current = [], []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            out.append("".join(current).strip())
            current = []
    return out


def test_given_spans_on_real_prm800k_solutions(shared_data) -> None:
    rows = read_prm800k(shared_data / "prm800k" / "phase1_test_stepwise.jsonl")
    items, _ = prm800k_to_processbench(rows, branches=False)
    located = 0
    for item in items:
        sample = item.to_sample()
        found = sample_steps(sample)
        assert found.how == "given"
        assert texts(found) == [s.strip() for s in item.steps if s.strip()]
        assert_exact(sample.response, found)
        located += len(found)
    assert located == sum(len(i.steps) for i in items) > 1000


def test_a_backtracking_split_pattern_is_a_clear_error_not_a_hang():
    with pytest.raises(InputError, match="did not finish within 1 s on this response"):
        split_steps("a" * 5000 + "b", StepSplit(how="regex", pattern="(a|aa)+c"))
