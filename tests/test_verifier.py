"""The interface: Score/Sample rules, config validation, the registry (built-ins and entry points), and
CPU verifiers through the pool from a plain script."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rewardkit import ConfigError, Sample, Score, Status, available_verifiers, create_verifier
from rewardkit.verifier import describe_fields, get_verifier_class, unregister

ROOT = Path(__file__).resolve().parents[1]


def test_score_never_hides_a_failure_as_nan_or_zero():
    assert Score.unparseable("no answer").value is None
    assert Score.error("boom").status is Status.ERROR
    with pytest.raises(ValueError, match="NaN"):
        Score(math.nan)
    assert Score.correct(True, why="x").to_dict() == {
        "value": 1.0,
        "status": "ok",
        "reason": "",
        "details": {"why": "x"},
    }
    assert Score(1, "timeout").status is Status.TIMEOUT and not Score(1, "timeout").ok


def test_sample_prompt_text_joins_chat_messages():
    s = Sample(
        response="r", prompt=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "2+2?"}]
    )
    assert s.prompt_text == "system: be brief\nuser: 2+2?"


def test_builtins_are_registered_with_their_fields():
    assert {"math", "format", "length", "exact_match"} <= set(available_verifiers())
    fields = {
        name: (kind, default) for name, kind, default, _ in describe_fields(get_verifier_class("math").Config)
    }
    assert fields["mode"] == ("'flexible' | 'strict'", "'flexible'")
    assert fields["timeout"] == ("float", "5.0")


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        # an unknown verifier lists the available ones
        ("maths", {}, "unknown verifier 'maths'; available: .*math"),
        # a bad config value names the key and the input
        ("math", {"timeout": -1}, r"math: timeout: .*greater than 0 \(got -1\)"),
    ],
)
def test_create_verifier_errors_say_what_is_wrong(name, config, message):
    with pytest.raises(ConfigError, match=message):
        create_verifier(name, **config)


def install_plugin(folder: Path, monkeypatch, module: str, source: str, entry_point: str) -> None:
    """An installed distribution in `folder` (on sys.path for this test): module.py holding source, and
    one entry point `entry_point` in the rewardkit.verifiers group."""
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    dist = folder / f"{module}-0.1.dist-info"
    dist.mkdir()
    name = module.replace("_", "-")
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[rewardkit.verifiers]\n{entry_point}\n")
    monkeypatch.syspath_prepend(str(folder))


def test_third_party_verifier_through_the_entry_point_group(tmp_path, monkeypatch):
    source = """
        from rewardkit import Score, Verifier

        class Shout(Verifier):
            name = "shout"

            def score_batch(self, samples):
                return [Score.correct(s.response.isupper()) for s in samples]
    """
    install_plugin(tmp_path, monkeypatch, "rk_plugin_demo", source, "shout = rk_plugin_demo:Shout")
    try:
        assert "shout" in available_verifiers()
        scores = create_verifier("shout").score_batch([Sample(response="HEY"), Sample(response="hey")])
        assert [s.value for s in scores] == [1.0, 0.0]
    finally:
        unregister("shout")


def test_entry_point_that_is_not_a_verifier_is_refused(tmp_path, monkeypatch):
    source = "def not_a_class():\n    return 1\n"
    install_plugin(tmp_path, monkeypatch, "rk_plugin_bad", source, "bad_one = rk_plugin_bad:not_a_class")
    with pytest.raises(
        ConfigError, match=r"entry point 'bad_one'.*is not a rewardkit\.verifier\.Verifier subclass"
    ):
        create_verifier("bad_one")


SCRIPT = """
from rewardkit import CPUVerifier, Sample, Score

class Palindrome(CPUVerifier):          # defined in the script itself, no __main__ guard
    name = "palindrome"

    def score_one(self, sample):
        if not sample.response:
            return Score.unparseable("empty")
        if sample.response == "hang":
            while True:
                pass
        text = sample.response.lower()
        return Score.correct(text == text[::-1])

print("script body ran")
samples = [Sample(response=r) for r in ["Level", "abc", "", "hang", "noon"]]
print([(s.value, s.status.value) for s in Palindrome(timeout=1, workers=2).score_batch(samples)])
"""


def test_a_verifier_defined_in_an_unguarded_script_runs_in_the_pool(tmp_path):
    script = tmp_path / "my_reward.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script body ran") == 1
    assert "[(1.0, 'ok'), (0.0, 'ok'), (None, 'unparseable'), (None, 'timeout'), (1.0, 'ok')]" in done.stdout


def test_ascore_batch_keeps_order():
    verifier = create_verifier("math", workers=2)
    samples = [Sample(response=rf"\boxed{{\sqrt{{{n}}}}}", reference=rf"\sqrt{{{n}}}") for n in range(2, 30)]
    samples += [Sample(response=r"\boxed{x+1}", reference="x+2")]
    scores = asyncio.run(verifier.ascore_batch(samples))
    assert [s.value for s in scores] == [1.0] * 28 + [0.0]
