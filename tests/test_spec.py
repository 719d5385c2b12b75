"""Reward specs: composite arithmetic, the status rule, fallback, clip, config errors, assets, shipped specs."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

import rewardkit
from rewardkit import ConfigError, Sample, Score, Status, Verifier
from rewardkit.assets import AssetNotFoundError, find_asset, list_assets
from rewardkit.spec import STATUS_RULE, SpecVerifier, load_spec
from rewardkit.verifier import VerifierConfig

# A spec over the rule verifiers. For response "answer: X":
#   correct (required, w=1)   exact_match of X with the reference: 1/0, unparseable without "answer:"
#   boxed   (optional, w=0.5) 1 if "[" appears
#   short   (optional, w=2)   0 up to 4 words, -0.5 at 5 words, -1 from 6 words on
SPEC = """
    components:
      - name: correct
        verifier: exact_match
        config: {extract: 'answer:\\s*(\\S+)'}
      - name: boxed
        verifier: format
        weight: 0.5
        config: {pattern: '\\['}
      - name: short
        verifier: length
        weight: 2
        config: {unit: words, max_length: 6, buffer: 2}
"""


@pytest.fixture
def spec(write_spec) -> SpecVerifier:
    return load_spec(write_spec(SPEC))


def sample(response: str, reference: object = "42") -> Sample:
    return Sample(response=response, reference=reference)


# ---------------------------------------------------------------------------------------------- scoring


def test_weighted_sum(spec: SpecVerifier) -> None:
    scores = spec.score_batch(
        [
            sample("answer: 42"),  # 1
            sample("answer: 42 [x]"),  # 1 + 0.5
            sample("answer: 41 [x]"),  # 0 + 0.5
            sample("so the answer: 42 [x]"),  # 5 words: 1 + 0.5 + 2 * -0.5
            sample("well well well the answer: 41"),  # 6 words: 0 + 0 + 2 * -1
        ]
    )
    assert [x.value for x in scores] == [1.0, 1.5, 0.5, 0.5, -2.0]
    assert all(x.status is Status.OK for x in scores)
    parts = scores[3].details["components"]
    assert set(parts) == {"correct", "boxed", "short"}
    assert parts["short"] == {
        "value": -0.5,
        "status": "ok",
        "reason": "5 words (max 6)",
        "details": {"length": 5, "unit": "words"},
    }
    assert parts["correct"]["details"] == {"extracted": "42", "gold": "42"}
    assert scores[3].details["skipped"] == []


def test_order_preserved_and_one_batch_call_per_component(write_spec, registered) -> None:
    Recorder.batches = []
    registered(Recorder)
    spec = load_spec(write_spec("""
        components:
          - {name: a, verifier: test_recorder, config: {scale: 1}}
          - {name: b, verifier: test_recorder, weight: 10, config: {scale: 2}}
    """))  # fmt: skip
    samples = [sample("x" * n) for n in (3, 1, 4, 1, 5)]
    assert [x.value for x in spec.score_batch(samples)] == [3 + 60, 1 + 20, 4 + 80, 1 + 20, 5 + 100]
    assert Recorder.batches == [5, 5]
    assert spec.score_batch([]) == []


class Recorder(Verifier):
    """value = scale * len(response); records the size of every batch it is given."""

    name = "test_recorder"
    batches: ClassVar[list[int]] = []

    class Config(VerifierConfig):
        scale: float = 1.0

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        Recorder.batches.append(len(samples))
        return [Score(self.config.scale * len(s.response)) for s in samples]


def test_required_non_ok_gives_its_status_and_no_value(spec: SpecVerifier) -> None:
    score = spec.score(sample("I give up [x]"))
    assert score.status is Status.UNPARSEABLE
    assert score.value is None
    assert score.reason.startswith("correct: no match for extract pattern")
    assert score.details["components"]["boxed"]["value"] == 1.0  # the other components are still reported


class Fixed(Verifier):
    """Returns the configured status (and value, when ok) for every sample."""

    name = "test_fixed"

    class Config(VerifierConfig):
        status: Status = Status.OK
        value: float = 1.0

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        value = self.config.value if self.config.status is Status.OK else None
        return [Score(value, self.config.status, f"fixed {self.config.status}") for _ in samples]


FIXED = """
    components:
      - {name: a, verifier: test_fixed, config: {value: 1}}
      - {name: b, verifier: test_fixed, required: true, weight: 2, config: {status: timeout}}
      - {name: c, verifier: test_fixed, required: true, config: {status: error}}
      - {name: d, verifier: test_fixed, config: {status: unparseable}}
"""


@pytest.fixture
def fixed(registered) -> None:
    registered(Fixed)


def test_first_failing_required_component_decides_the_status(write_spec, fixed) -> None:
    score = load_spec(write_spec(FIXED)).score(sample("x"))
    assert (score.status, score.value, score.reason) == (Status.TIMEOUT, None, "b: fixed timeout")
    assert score.details["skipped"] == ["d"]
    assert [p["status"] for p in score.details["components"].values()] == [
        "ok",
        "timeout",
        "error",
        "unparseable",
    ]
    swapped = FIXED.replace("status: timeout", "status: TMP").replace("status: error", "status: timeout")
    assert (
        load_spec(write_spec(swapped.replace("status: TMP", "status: error"))).score(sample("x")).status
        is Status.ERROR
    )


def test_fallback_needs_a_value_for_every_failing_required_status(write_spec, fixed) -> None:
    both = load_spec(write_spec("fallback: {timeout: 0.25, error: -0.5}\n" + textwrap.dedent(FIXED)))
    score = both.score(sample("x"))
    assert score.status is Status.TIMEOUT  # the status is never hidden by a fallback
    assert score.value == pytest.approx(
        1 + 2 * 0.25 - 0.5
    )  # a + weight_b * fb(timeout) + fb(error); d adds 0
    assert score.details["fallback"] == {"b": 0.25, "c": -0.5}
    one = load_spec(write_spec("fallback: {timeout: 0.25}\n" + textwrap.dedent(FIXED)))
    assert one.score(sample("x")).value is None  # c's error has no fallback: no value


def test_optional_non_ok_contributes_zero_and_is_listed_as_skipped(write_spec) -> None:
    spec = load_spec(write_spec("""
        components:
          - {name: length, verifier: length, config: {unit: chars, max_length: 100}}
          - {name: answer, verifier: exact_match, weight: 3, config: {extract: 'answer:\\s*(\\S+)'}}
    """))  # fmt: skip
    score = spec.score(sample("no answer"))
    assert (score.status, score.value) == (Status.OK, 0.0)
    assert score.details["skipped"] == ["answer"]
    assert score.reason == "skipped answer (unparseable)"
    assert spec.score(sample("answer: 42")).value == 3.0


def test_fallback_substitutes_an_explicit_value_and_keeps_the_status(write_spec) -> None:
    spec = load_spec(
        write_spec(SPEC.replace("components:", "fallback: {unparseable: -0.5}\n    components:", 1))
    )
    score = spec.score(sample("no answer [x]"))  # correct: unparseable -> -0.5; boxed +0.5; short 0
    assert score.status is Status.UNPARSEABLE
    assert score.value == pytest.approx(0.0)
    assert score.details["fallback"] == {"correct": -0.5}
    timeout_free = spec.score(Sample(response="answer: 42", reference=None))  # error has no fallback
    assert (timeout_free.status, timeout_free.value) == (Status.ERROR, None)


def test_clip(write_spec) -> None:
    spec = load_spec(write_spec(SPEC.replace("components:", "clip: [-1, 1.2]\n    components:", 1)))
    values = [
        x.value for x in spec.score_batch([sample("answer: 42 [x]"), sample("well well well the answer: 41")])
    ]
    assert values == [1.2, -1.0]


def test_gate_multiplies_and_normalize_divides_by_the_other_weights(write_spec) -> None:
    gated = SPEC.replace(
        "      - name: short",
        "      - name: no_x\n        verifier: format\n        gate: true\n        config: {pattern: x, must: absent}\n"
        "      - name: short",
        1,
    )
    spec = load_spec(write_spec(gated.replace("components:", "normalize: true\n    components:", 1)))
    clean, with_x, long = spec.score_batch(
        [
            sample("answer: 42 [ok]"),
            sample("answer: 42 [x]"),
            sample("one two three four five nine ten answer: 42"),
        ]
    )
    # non-gate weights: 1 + 0.5 + 2 = 3.5
    assert clean.value == pytest.approx(1.5 / 3.5) and "gated" not in clean.details
    assert with_x.value == 0.0 and with_x.details["gated"] == {"no_x": 0.0}
    assert long.value == pytest.approx((1.0 - 2.0) / 3.5)
    plain = load_spec(write_spec(gated, name="plain.yaml")).score(sample("answer: 42 [ok]"))
    assert plain.value == pytest.approx(1.5)  # without normalize the sum stays as it is


def test_normalize_leaves_out_a_skipped_optional_component(write_spec) -> None:
    # boxed (0.5) and short (2) are ok for "answer: 42 [ok]"; correct is ok too -> (1 + 0.5) / 3.5
    text = SPEC.replace("config: {extract", "required: true\n        config: {extract", 1)
    spec = load_spec(write_spec(text.replace("components:", "normalize: true\n    components:", 1)))
    assert spec.score(sample("answer: 42 [ok]")).value == pytest.approx(1.5 / 3.5)
    optional_fails = text.replace(
        "      - name: correct", "      - name: correct\n        required: false", 1
    )
    optional_fails = optional_fails.replace(
        "required: false\n        verifier: exact_match\n        required: true",
        "required: false\n        verifier: exact_match",
    )
    spec = load_spec(
        write_spec(
            optional_fails.replace("components:", "normalize: true\n    components:", 1), name="o.yaml"
        )
    )
    score = spec.score(sample("no answer here [ok]"))  # correct is unparseable and optional: skipped
    assert score.ok and score.details["skipped"] == ["correct"]
    assert score.value == pytest.approx(0.5 / 2.5)  # only boxed (0.5) and short (2) went into the sum


def test_a_gate_is_required_and_a_spec_of_gates_is_their_product(write_spec) -> None:
    gates = """
    components:
      - name: answered
        verifier: exact_match
        gate: true
        config: {extract: 'answer:\\s*(\\S+)'}
      - name: no_x
        verifier: format
        gate: true
        config: {pattern: x, must: absent}
    """
    spec = load_spec(write_spec(gates))
    ok, wrong, unreadable = spec.score_batch([sample("answer: 42"), sample("answer: 41"), sample("nothing")])
    assert (ok.value, wrong.value) == (1.0, 0.0)
    assert unreadable.status is Status.UNPARSEABLE and unreadable.value is None  # never a silent pass
    with pytest.raises(ConfigError, match=r"components\[1\]\.required: a gate is always required"):
        load_spec(
            write_spec(
                gates.replace(
                    "gate: true\n        config: {pattern",
                    "gate: true\n        required: false\n        config: {pattern",
                ),
                name="g.yaml",
            )
        )


def test_required_defaults_to_the_first_component_only(spec: SpecVerifier) -> None:
    assert [(c.name, c.required) for c in spec.components] == [
        ("correct", True),
        ("boxed", False),
        ("short", False),
    ]


def test_a_crashing_component_is_an_error_score_not_a_crash(write_spec, registered) -> None:
    class Broken(Verifier):
        name = "test_broken"

        def score_batch(self, samples):
            raise RuntimeError("backend down")

    registered(Broken)
    spec = load_spec(write_spec("""
        components:
          - {name: len, verifier: length, config: {max_length: 10}}
          - {name: judge, verifier: test_broken}
    """))  # fmt: skip
    score = spec.score(sample("short"))
    assert (score.status, score.value, score.details["skipped"]) == (Status.OK, 0.0, ["judge"])
    assert score.details["components"]["judge"]["reason"] == "RuntimeError: backend down"


def test_async_runs_components_concurrently(write_spec, registered) -> None:
    class Rendezvous(Verifier):
        """`wait` finishes only once `signal` has started: sequential execution would time out."""

        name = "test_rendezvous"
        event: ClassVar[asyncio.Event]

        class Config(VerifierConfig):
            role: str

        def score_batch(self, samples):
            raise AssertionError("ascore_batch must be used")

        async def ascore_batch(self, samples):
            if self.config.role == "signal":
                Rendezvous.event.set()
            else:
                await asyncio.wait_for(Rendezvous.event.wait(), timeout=5)
            return [Score(1.0) for _ in samples]

    registered(Rendezvous)
    spec = load_spec(write_spec("""
        components:
          - {name: waits, verifier: test_rendezvous, config: {role: wait}}
          - {name: signals, verifier: test_rendezvous, config: {role: signal}}
    """))  # fmt: skip

    async def main() -> list[Score]:
        Rendezvous.event = asyncio.Event()
        return await spec.ascore_batch([sample("a"), sample("b")])

    scores = asyncio.run(main())
    assert [(x.status, x.value) for x in scores] == [(Status.OK, 2.0), (Status.OK, 2.0)]


def test_async_matches_sync(spec: SpecVerifier) -> None:
    samples = [sample("answer: 42"), sample("nope"), sample("answer: 41 [x]")]
    assert [x.to_dict() for x in asyncio.run(spec.ascore_batch(samples))] == [
        x.to_dict() for x in spec.score_batch(samples)
    ]


# ------------------------------------------------------------------------------------------ config errors


def error_of(path: Path, **overrides) -> str:
    with pytest.raises(ConfigError) as info:
        load_spec(path, **overrides)
    return str(info.value)


def test_field_errors_name_file_line_and_field(write_spec) -> None:
    path = write_spec("""
        name: bad
        components:
          - name: a
            verifier: exact_match
            weight: heavy
        fallback: {ok: 1.0}
        colour: red
    """)
    message = error_of(path)
    assert f"{path}:5: components[0].weight: Input should be a valid number" in message
    assert f"{path}:6: fallback.ok: Input should be 'unparseable', 'timeout' or 'error'" in message
    assert (
        f"{path}:7: colour: unknown key 'colour'; allowed: name, description, components, fallback, clip"
        in message
    )


def test_component_errors_name_the_config_key(write_spec) -> None:
    path = write_spec("""
        components:
          - name: a
            verifier: format
            config:
              pattern: '('
              colour: red
          - name: a
            verifier: nope
          - name: c
            verifier: length
            config: {max_length: 10, buffer: 20}
          - verifier: length
    """)
    message = error_of(path)
    assert f"{path}:5: components[0].config.pattern: invalid regular expression" in message
    assert (
        f"{path}:6: components[0].config.colour: unknown key 'colour'; allowed: timeout, pattern, must, flags"
        in message
    )
    assert f"{path}:7: components[1].name: duplicate component name 'a'" in message
    assert f"{path}:8: components[1].verifier: unknown verifier 'nope'; available: " in message
    assert "exact_match, format, ifeval, judge, length" in message
    assert f"{path}:11: components[2].config.buffer: buffer (20) must not exceed max_length (10)" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("components:\n  - verifier: length\n", "components[0].name: required key missing"),
        ("components: []\n", "components: List should have at least 1 item"),
        ("- just\n- a list\n", ":1: a reward spec is a YAML mapping"),
    ],
)
def test_missing_key_and_empty_components(write_spec, text: str, message: str) -> None:
    assert message in error_of(write_spec(text))


def test_yaml_syntax_error_has_line_and_column(write_spec) -> None:
    path = write_spec("components:\n  - name: a\n    verifier: [unclosed\n  - name: b\n")
    message = error_of(path)
    assert message.startswith(f"{path}:4:")
    assert "invalid YAML" in message


def test_unknown_spec_lists_the_available_ones() -> None:
    with pytest.raises(AssetNotFoundError) as info:
        load_spec("no_such_spec")
    assert "no verifiers asset named 'no_such_spec'" in str(info.value)
    assert "available: cme, code, gsm8k, hybrid, math" in str(info.value)


def test_overrides_merge_into_component_config(write_spec) -> None:
    path = write_spec(SPEC)
    assert load_spec(path).score(sample("answer: x", "X")).details["components"]["correct"]["value"] == 0.0
    relaxed = load_spec(path, correct={"ignore_case": True})
    assert relaxed.score(sample("answer: x", "X")).details["components"]["correct"]["value"] == 1.0
    assert "has no component of that name; components: correct, boxed, short" in error_of(
        path, corect={"x": 1}
    )
    assert "components[0].config.ignorecase: unknown key" in error_of(path, correct={"ignorecase": True})


# ------------------------------------------------------------------------------------------------ assets


def test_packaged_assets_are_found() -> None:
    specs = list_assets("verifiers")
    assert {"math", "gsm8k"} <= set(specs)
    assert find_asset("verifiers", "math") == specs["math"]
    assert find_asset("verifiers", "math.yaml") == specs["math"]
    assert find_asset("data", "rollouts.jsonl").name == "rollouts.jsonl"


def test_user_folders_on_rewardkit_path_come_first(tmp_path: Path, monkeypatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "verifiers").mkdir(parents=True)
    (second / "verifiers").mkdir(parents=True)
    (first / "verifiers" / "math.yaml").write_text(
        "components: [{name: l, verifier: length, config: {max_length: 3}}]\n"
    )
    (second / "verifiers" / "mine.yml").write_text(
        "components: [{name: l, verifier: length, config: {max_length: 3}}]\n"
    )
    monkeypatch.setenv("REWARDKIT_PATH", f"{first}{__import__('os').pathsep}{second}")
    assert find_asset("verifiers", "math") == first / "verifiers" / "math.yaml"
    assert list_assets("verifiers")["mine"] == second / "verifiers" / "mine.yml"
    assert "gsm8k" in list_assets("verifiers")  # the packaged ones are still there
    assert [c.name for c in rewardkit.load_spec("math").components] == ["l"]
    assert rewardkit.load_spec("mine").config.name == "mine"


def test_find_asset_error_says_what_to_do() -> None:
    with pytest.raises(AssetNotFoundError, match=r"available: .*rollouts.jsonl.*REWARDKIT_PATH"):
        find_asset("data", "missing.jsonl")
    with pytest.raises(ValueError, match="unknown asset kind"):
        find_asset("models", "x")


# ----------------------------------------------------------------------------------------- shipped specs


def test_status_rule_is_documented() -> None:
    import rewardkit.spec

    assert "fallback" in STATUS_RULE and "first such component" in STATUS_RULE
    assert "STATUS_RULE" in rewardkit.spec.__doc__


def test_math_spec_loads_and_scores() -> None:
    spec = rewardkit.load_spec("math")
    assert [(c.name, c.spec.verifier, c.weight, c.required) for c in spec.components] == [
        ("correctness", "math", 1.0, True),
        ("boxed", "format", 0.1, False),
        ("overlong", "length", 1.0, False),
    ]
    right, plain, wrong, none, long = spec.score_batch(
        [
            Sample(response=r"so $\boxed{\frac{3}{4}}$", reference="0.75"),
            Sample(response="The answer is 0.75.", reference={"answer": "3/4"}),
            Sample(response=r"\boxed{2}", reference="3"),
            Sample(response="I have no idea.", reference="3"),
            Sample(response="word " * 2749 + r"\boxed{3}", reference="3"),
        ]
    )
    assert (right.status, right.value) == (Status.OK, pytest.approx(1.1))
    assert (plain.status, plain.value) == (Status.OK, 1.0)
    assert (wrong.status, wrong.value) == (Status.OK, pytest.approx(0.1))
    assert (none.status, none.value) == (Status.UNPARSEABLE, None)
    assert long.value == pytest.approx(1.1 - 0.5)  # 2750 words: halfway into the 500-word buffer
    assert json.dumps(right.details)  # details stay JSON-serialisable


def test_gsm8k_spec_rewards_a_final_answer_line() -> None:
    spec = rewardkit.load_spec("gsm8k")
    hashes, sentence, buried = spec.score_batch(
        [
            Sample(response="3 * 4 = 12, plus 2 is 14.\n#### 14", reference="14"),
            Sample(response="Total is 14 dollars.\nThe answer is 14.", reference="14"),
            Sample(response="The answer is 14.\nLet me know if you need more help!", reference="14"),
        ]
    )
    assert [hashes.value, sentence.value, buried.value] == [pytest.approx(1.1), pytest.approx(1.1), 1.0]


def test_gsm8k_gold_solutions_score_correct(shared_data: Path) -> None:
    """The GSM8K reference solutions themselves must score as correct under the gsm8k spec."""
    rows = [
        json.loads(line) for line in (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()[:200]
    ]
    samples = [Sample(response=r["answer"], reference=r["answer"].split("####")[-1].strip()) for r in rows]
    scores = rewardkit.load_spec("gsm8k").score_batch(samples)
    assert [s.status for s in scores].count(Status.OK) == 200
    assert all(s.value == pytest.approx(1.1) for s in scores), [s.reason for s in scores if s.value != 1.1][
        :5
    ]
