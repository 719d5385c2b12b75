"""Suites: the shipped YAML files validate, problems point at file:line: field, data files are found,
prompts render (chat, completion, few-shot), answers normalise for votes, hh-rlhf transcripts split."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardkit.assets import list_assets
from rewardkit.errors import ConfigError, InputError
from rewardkit.evals.runner import Runner, build_prompt, load_rows, normalize_answer, split_transcripts
from rewardkit.evals.suite import DATA_ENV, find_data, load_suite

GOOD = """\
name: tiny
dataset:
  path: rows.jsonl
  reference: answer
prompt:
  template: "Q: {{ question }}"
scoring:
  verifier: math
metrics: [accuracy]
"""


def write(tmp_path: Path, text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_suite_validates() -> None:
    names = set(list_assets("evals"))
    assert {"gsm8k", "math500", "aime", "humaneval", "mbpp", "processbench", "hh-rlhf", "open-ended"} <= names
    tasks = {name: load_suite(name).task for name in names}
    assert (
        tasks["processbench"] == "process" and tasks["hh-rlhf"] == "pairwise" and tasks["gsm8k"] == "generate"
    )
    aime = load_suite("aime")
    assert aime.generation.n >= 8 and {"pass@8", "maj@8"} <= set(aime.metrics)


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        (
            GOOD.replace("  reference: answer", "  referense: answer"),
            4,
            ["dataset.referense", "unknown key", "reference"],
        ),
        (GOOD.replace("[accuracy]", "[acuracy]"), 9, ["metrics", "acuracy", "accuracy"]),
        (GOOD.replace("[accuracy]", "[pairwise_accuracy]"), 9, ["pairwise_accuracy", "generate"]),
        (GOOD + "generation: {n: 4}\n", 10, ["generation", "temperature"]),
        (GOOD.replace("  verifier: math\n", "  correct_at: 0.5\n"), 7, ["scoring", "spec"]),
        (GOOD.replace("  path: rows.jsonl\n", ""), 2, ["dataset", "path", "hf"]),
        (GOOD.replace("name: tiny\n", "name: tiny\ntask: pairwise\n"), 1, ["comparator"]),
    ],
)
def test_problems_name_file_line_and_field(tmp_path: Path, text: str, where: int, words: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_suite(path)
    message = str(err.value)
    assert f"{path}:" in message and "Fix these fields" in message
    for word in words:
        assert word in message, (word, message)
    lines = [
        line for line in message.splitlines() if str(path) in line and line.strip().startswith(str(path))
    ]
    assert any(line.strip().startswith(f"{path}:{where}:") for line in lines), message


def test_invalid_yaml_and_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"suite.yaml:\d+:\d+: invalid YAML"):
        load_suite(write(tmp_path, "name: x\ndataset: [unclosed\n"))
    with pytest.raises(ConfigError, match="a suite is a YAML mapping"):
        load_suite(write(tmp_path, "- a list\n"))
    with pytest.raises(ConfigError, match="no evals asset named 'nope'"):
        load_suite("nope")


def test_data_files_are_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite_dir, data_dir, env_dir = (tmp_path / d for d in ("suites", "data", "env"))
    for d in (suite_dir, data_dir, env_dir):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "rows.jsonl").write_text('{"question": "1+1", "answer": "2"}\n')
    suite = load_suite(write(suite_dir, GOOD.replace("rows.jsonl", "sub/rows.jsonl")))
    monkeypatch.setenv(DATA_ENV, str(env_dir))
    assert find_data("sub/rows.jsonl", suite, data_dir) == data_dir / "sub" / "rows.jsonl"
    assert find_data("sub/rows.jsonl", suite) == env_dir / "sub" / "rows.jsonl"
    monkeypatch.delenv(DATA_ENV)
    assert find_data("sub/rows.jsonl", suite) == suite_dir / "sub" / "rows.jsonl"
    assert find_data("missing.jsonl", suite) is None
    # a packaged data asset is found by its file name
    assert find_data("gsm8k_sample.jsonl", suite) is not None


def test_missing_data_says_what_to_pass(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD.replace("rows.jsonl", "nowhere.jsonl")))
    with pytest.raises(InputError, match=r"nowhere.jsonl.*not found.*--data FILE or --data-dir DIR"):
        load_rows(suite)
    with pytest.raises(InputError, match="--data .*: no such file"):
        load_rows(suite, data=tmp_path / "also-missing.jsonl")


def test_filter_limit_and_ids(tmp_path: Path) -> None:
    rows = "".join(f'{{"task_id": {i}, "question": "q{i}", "answer": "{i}"}}\n' for i in range(1, 21))
    (tmp_path / "rows.jsonl").write_text(rows)
    text = GOOD.replace(
        "  reference: answer", "  reference: answer\n  id: task_id\n  filter: task_id >= 11\n  limit: 4"
    )
    suite = load_suite(write(tmp_path, text))
    runner = Runner(suite, tmp_path / "run")
    assert runner.ids == ["11", "12", "13", "14"]
    assert [r["question"] for r in runner.rows] == ["q11", "q12", "q13", "q14"]
    bad = load_suite(write(tmp_path, text.replace("task_id >= 11", "nosuch >= 11"), "bad.yaml"))
    with pytest.raises(ConfigError, match=r"dataset.filter .*task_id, question, answer"):
        load_rows(bad)


def test_prompts_chat_completion_and_fewshot(tmp_path: Path) -> None:
    rows = [{"question": f"q{i}", "answer": f"a{i}"} for i in range(4)]
    chat = load_suite(
        write(
            tmp_path,
            GOOD.replace(
                '  template: "Q: {{ question }}"',
                '  template: "Q: {{ question }}"\n  system: Be brief.\n  fewshot: {n: 2, answer: "A: {{ answer }}"}',
            ),
        )
    )
    messages = build_prompt(chat, rows[3], rows[:2])
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q: q0"},
        {"role": "assistant", "content": "A: a0"},
        {"role": "user", "content": "Q: q1"},
        {"role": "assistant", "content": "A: a1"},
        {"role": "user", "content": "Q: q3"},
    ]
    completion = chat.with_changes(prompt={"style": "completion", "system": None})
    assert build_prompt(completion, rows[3], rows[:2]) == "Q: q0A: a0\n\nQ: q1A: a1\n\nQ: q3"
    # the few-shot rows come off the evaluated rows and are recorded as such
    (tmp_path / "rows.jsonl").write_text(
        "".join(f'{{"question": "q{i}", "answer": "{i}"}}\n' for i in range(5))
    )
    runner = Runner(chat, tmp_path / "run")
    assert [r["question"] for r in runner.shots] == ["q0", "q1"] and len(runner.rows) == 3
    with pytest.raises(
        ConfigError, match=r"prompt.template: 'nope' is undefined \(the row's fields: question"
    ):
        build_prompt(chat.with_changes(prompt={"template": "{{ nope }}"}), rows[0])


def test_digest_follows_what_decides_results(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD))
    assert suite.digest() == load_suite(write(tmp_path, GOOD.replace("tiny", "renamed"), "b.yaml")).digest()
    assert suite.digest() != suite.with_changes(prompt={"template": "{{ question }}?"}).digest()
    assert suite.digest() != suite.with_changes(generation={"max_tokens": 7}).digest()


@pytest.mark.parametrize(
    ("raw", "voted"),
    [
        ("18", "18"),
        (" 18.0 ", "18"),
        ("1,000", "1000"),
        ("$5$", "5"),
        ("\\frac{1}{2}", "\\frac{1}{2}"),
        ("2.50", "2.5"),
        ("x = 3.", "x=3"),
        ("1 2", "1 2"),
        ("( 1 ,  2 )", "(1,2)"),
    ],
)
def test_answers_normalise_for_votes(raw: str, voted: str) -> None:
    assert normalize_answer(raw) == voted


def test_hh_rlhf_transcripts_split_at_the_last_shared_assistant_turn() -> None:
    chosen = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me\n\nAssistant: Sure, here is how."
    rejected = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me\n\nAssistant: No."
    prompt, a, b = split_transcripts(chosen, rejected)
    assert prompt.endswith("Human: help me\n\nAssistant:") and (a, b) == ("Sure, here is how.", "No.")
    assert split_transcripts("just text", "other") == ("", "just text", "other")


def test_digest_ignores_the_row_limit_and_batch_size(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD))
    assert suite.digest() == suite.with_changes(dataset={"limit": 7}, generation={"batch_size": 3}).digest()
