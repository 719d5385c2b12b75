"""The code verifier: extraction, reference formats, comparison, languages, verdicts, forging attempts,
threads and asyncio. Programs run in the real sandbox (isolation "auto")."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading

import pytest

from rewardkit import Sample
from rewardkit.types import Status
from rewardkit.verifier import ConfigError, create_verifier
from rewardkit.verifiers import code as code_mod
from rewardkit.verifiers.code import (
    BadReference,
    CodeVerifier,
    compare_output,
    compare_value,
    extract_code,
    find_blocks,
    load_tests,
    split_check,
)

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")

FAST = {"time_limit": 1.0, "total_time_limit": 6.0, "timeout": 30.0}


@pytest.fixture(scope="module")
def sandbox_level() -> str:
    from rewardkit.engine.sandbox import SandboxError, default_sandbox

    try:
        return default_sandbox().isolation
    except SandboxError as exc:  # the sandbox's own tests say why; here there is nothing to run in
        pytest.skip(f"no sandbox on this machine: {exc}")


def fenced(code: str, tag: str = "python") -> str:
    return f"Here is my solution.\n\n```{tag}\n{code}\n```\n"


def verdicts(score) -> list[str]:
    return [t["verdict"] for t in score.details["tests"]]


def run(sample_or_code, reference=None, language="python", **config):
    cfg = {**FAST, "language": language, **config}
    sample = sample_or_code
    if isinstance(sample_or_code, str):
        tag = {"cpp": "cpp", "javascript": "js"}.get(language, language)
        sample = Sample(response=fenced(sample_or_code, tag), reference=reference)
    return CodeVerifier(**cfg).score(sample)


# ------------------------------------------------------------------------------------------ extraction


TWO_BLOCKS = "```py\na = 1\n```\ntext\n```python3\nb = 2\n```\n"

EXTRACTION = [
    # (response, extract_code options, the extracted code or None)
    # a tagged block wins over a later untagged output block; an untagged one is used when none is tagged
    ("```python\nprint(1)\n```\nOutput:\n```\n1\n```\n", {}, "print(1)\n"),
    ("Try:\n```\nx = 1\n```\n", {}, "x = 1\n"),
    # last, first and all blocks
    (TWO_BLOCKS, {}, "b = 2\n"),
    (TWO_BLOCKS, {"mode": "first_block"}, "a = 1\n"),
    (TWO_BLOCKS, {"mode": "all_blocks"}, "a = 1\n\nb = 2\n"),
    # blocks in other languages are never run
    ("```bash\nrm -rf /\n```\n```text\nhello\n```\n", {}, None),
    ("```cpp\nint main(){}\n```", {"language": "python"}, None),
    ("```c++\nint main(){}\n```", {"language": "cpp"}, "int main(){}\n"),
    ("```js\nconsole.log(1)\n```", {"language": "javascript"}, "console.log(1)\n"),
    ("```C\nint main(){}\n```", {"language": "c"}, "int main(){}\n"),
    # fence variants
    ("~~~python\nx = 1\n~~~", {}, "x = 1\n"),
    ("````python\nx = '```'\n````", {}, "x = '```'\n"),  # a longer fence holds a shorter one
    ("1. step\n   ```python\n   def f():\n       return 1\n   ```\n", {}, "def f():\n    return 1\n"),
    ("```python\ndef f():\n    return 1", {}, "def f():\n    return 1\n"),  # unclosed
    ("```{.python}\nx = 2\n```", {}, "x = 2\n"),
    ("```python\r\nx = 3\r\n```\r\nThat's it.\r\n", {}, "x = 3\n"),  # CRLF
    # no code block, and whole mode
    ("I think the answer is to use a loop.", {}, None),
    ("```python\n   \n```", {}, None),  # empty block
    ("    return sorted(x)\n\n", {"mode": "whole"}, "    return sorted(x)\n"),  # indentation kept
    ("\n\n", {"mode": "whole"}, None),
    # reasoning before the end of <think> is ignored
    ("<think>\n```python\nprint('draft')\n```\n</think>\nFinal:\n```python\nprint('final')\n```", {},
     "print('final')\n"),
    ("<think>```python\nx=1\n```</think> no code here", {}, None),
    ("<think>\nTry:\n```python\nprint(3)\n```\nhmm", {}, None),  # cut off inside <think>: no answer yet
    ("```python\nprint(1)\n```\nExample:\n```python\n# Input: 1 2\n# Output: 3\n```\n", {}, "print(1)\n"),
]  # fmt: skip


@pytest.mark.parametrize("response,options,code", EXTRACTION)
def test_extraction(response, options, code):
    assert extract_code(response, **options) == code


def test_block_tags():
    assert [b.tag for b in find_blocks("```python title='a'\nx\n```\n```\ny\n```")] == ["python", ""]


def test_no_block_is_unparseable_without_running_anything():
    score = CodeVerifier().score(Sample(response="No code, sorry.", reference={"tests": ["assert True"]}))
    assert score.status is Status.UNPARSEABLE and score.value is None
    assert "no python code block" in score.reason


# ------------------------------------------------------------------------------------------ references

HUMANEVAL_LIKE = {
    "task_id": "demo/0",
    "prompt": 'def inc(x: int) -> int:\n    """Add one."""\n',
    "test": (
        "METADATA = {}\n\n"
        "def check(candidate):\n"
        "    assert candidate(1) == 2\n"
        "    assert True, 'not a test'\n"
        "    y = candidate(2)\n"
        "    assert y == 3, 'two'\n"
        "    for i in range(3):\n"
        "        assert candidate(i) == i + 1\n"
    ),
    "entry_point": "inc",
    "canonical_solution": "    return x + 1\n",
}


def test_humaneval_check_is_split_into_one_test_per_assert():
    bind, setup, chunks = split_check(HUMANEVAL_LIKE["test"])
    assert bind == "candidate" and setup.strip() == "METADATA = {}"
    assert [name for name, _ in chunks] == [
        "assert candidate(1) == 2",
        "assert y == 3, 'two'",
        "for i in range(3):",
    ]
    assert chunks[1][1] == "y = candidate(2)\nassert y == 3, 'two'"
    suite = load_tests(HUMANEVAL_LIKE)
    assert suite.kind == "asserts" and suite.entry_point == "inc" and suite.prefix == HUMANEVAL_LIKE["prompt"]
    no_check = load_tests({"test": "assert inc(1) == 2", "entry_point": "inc", "prompt": ""})
    assert no_check.names == ("check(inc)",)  # cannot split: check(entry_point) as one test


def test_mbpp_shapes_give_one_test_per_assert():
    full = {"task_id": 2, "test_list": ["assert f(1) == 1", "assert f(2) == 2", "assert f(3) == 3"],
            "test_setup_code": "import math", "challenge_test_list": []}  # fmt: skip
    suite = load_tests(full)
    assert len(suite.tests) == 3 and suite.setup.strip() == "import math"
    sanitized = {
        "task_id": 2,
        "prompt": "Write a function.",
        "test_imports": ["import re"],
        "test_list": full["test_list"],
    }
    suite = load_tests(sanitized)
    assert suite.prefix == "" and "import re" in suite.setup  # MBPP's prompt is prose, never code


def test_stdio_and_call_shapes():
    apps = {"input_output": json.dumps({"inputs": ["1 2\n", ["3", "4"]], "outputs": ["3\n", ["7"]]})}
    suite = load_tests(apps)
    assert suite.kind == "stdio" and suite.tests == ("1 2\n", "3\n4\n") and suite.expected == ("3\n", "7\n")
    apps_call = {"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"}
    suite = load_tests(apps_call)
    assert suite.kind == "call" and suite.unwrap and suite.tests == (([1, 2], {}),)
    contests = {
        "public_tests": {"input": ["1\n"], "output": ["1\n"]},
        "private_tests": {"input": ["2\n"], "output": ["4\n"]},
        "generated_tests": {"input": [], "output": []},
    }
    assert load_tests(contests).tests == ("1\n", "2\n")
    lcb_stdin = {"public_test_cases": json.dumps([{"input": "5\n", "output": "25\n", "testtype": "stdin"}])}
    assert load_tests(lcb_stdin).kind == "stdio"
    lcb_call = {
        "public_test_cases": json.dumps([{"input": "[1, 2]\n3", "output": "6", "testtype": "functional"}]),
        "metadata": json.dumps({"func_name": "total"}),
    }
    suite = load_tests(lcb_call)
    assert suite.kind == "call" and suite.fn_name == "total" and suite.tests == (([[1, 2], 3], {}),)
    pairs = load_tests(
        {"fn_name": "f", "cases": [[[1], 2], {"args": [2], "kwargs": {"k": 1}, "expected": 3}]}
    )
    assert pairs.tests == (([1], {}), ([2], {"k": 1})) and pairs.names[1] == "f(2, k=1)"
    assert load_tests([{"input": "x", "output": "y"}]).kind == "stdio"
    assert load_tests(["assert 1"]).kind == "asserts"
    assert load_tests(json.dumps({"tests": ["assert 1"]})).kind == "asserts"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (None, "must be a dict"),
        ({"answer": 3}, r"reference has keys \['answer'\]"),
        ({"tests": []}, "no tests"),
        ({"format": "nope"}, "unknown format"),
        ({"fn_name": "1bad", "cases": [[[1], 1]]}, "identifier"),
        ({"fn_name": "f", "cases": [[1, 1]]}, "list of positional arguments"),
        ({"public_test_cases": "eJzLSM3JyVcozy/KSQEAGgQEXQ=="}, "not JSON"),
        ({"inputs": ["1"], "outputs": []}, "1 inputs but 0 outputs"),
    ],
)
def test_unusable_references_say_why(reference, message):
    with pytest.raises(BadReference, match=message):
        load_tests(reference)


def test_unusable_reference_is_an_error_score(sandbox_level):
    score = CodeVerifier(**FAST).score(Sample(response=fenced("x = 1"), reference={"answer": 3}))
    assert score.status is Status.ERROR and "unusable reference" in score.reason


# ------------------------------------------------------------------------------------------ comparison


OUTPUTS = [
    # (output, expected, options, None when accepted, else what the mismatch message contains)
    # whitespace is ignored and floats are tolerated
    ("1 2\n3\n", "1 2 3", {}, None),
    ("  1\t2  \r\n", "1\n2\n", {}, None),
    ("0.30000000000000004", "0.3", {}, None),
    ("3.0", "3", {}, None),
    ("1e-9", "0.0", {}, None),  # absolute tolerance, for an expected decimal
    # an expected integer needs exactly that integer (found in review: each of these used to pass)
    ("1e-9", "0", {}, ""),
    ("100000050.0", "100000000", {}, ""),
    ("1.0000001", "1", {}, ""),
    ("1_0_0_0", "1000.0", {}, ""),
    ("Infinity", "inf", {}, ""),
    ("12345678901234567890", "12345678901234567891", {}, ""),  # integers: exact
    ("1 3", "1 2", {}, "token 2"),
    ("1", "1 2", {}, "expected 2 tokens, got 1"),
    ("0.31", "0.3", {}, ""),
    ("nan", "nan", {}, None),
    ("YES", "yes", {}, ""),  # case matters
    ("0.3001", "0.3", {"float_tol": 1e-3}, None),
]


@pytest.mark.parametrize("output,expected,options,mismatch", OUTPUTS)
def test_output_comparison(output, expected, options, mismatch):
    found = compare_output(output, expected, **options)
    if mismatch is None:
        assert found is None
    else:
        assert found is not None and mismatch in found


VALUES = [
    # (returned, expected, options, equal)
    ([1, 2], (1, 2), {}, True),  # tuples come back as lists
    ([1, 2], {2, 1}, {}, True),  # sets as sorted lists
    (0.1 + 0.2, 0.3, {}, True),
    ({"a": [1.0]}, {"a": [1]}, {}, True),
    (True, 1, {}, False),  # bool is not int
    (3, 4, {}, False),
    (3, [3], {"unwrap": True}, True),
    (3, [3], {}, False),
    ("abc", "abc", {}, True),
    (None, None, {}, True),
]


@pytest.mark.parametrize("returned,expected,options,equal", VALUES)
def test_value_comparison(returned, expected, options, equal):
    assert (compare_value(returned, expected, **options) is None) is equal


# ------------------------------------------------------------------------------------------ config


@pytest.mark.parametrize(
    "config,message",
    [
        ({"timeout": 10}, r"timeout \(10s.*must exceed total_time_limit \+ 3s"),
        ({"language": "cpp", "timeout": 30}, "compile_time_limit"),
        ({"extract": "everything"}, "extract"),
        ({"langauge": "c"}, "code: langauge: unknown key 'langauge'"),
    ],
)
def test_config_validation(config, message):
    with pytest.raises(ConfigError, match=message):
        CodeVerifier(**config)


def test_valid_configs():
    CodeVerifier(language="cpp", timeout=30, compile_time_limit=5)
    assert isinstance(create_verifier("code", language="javascript"), CodeVerifier)


# ------------------------------------------------------------------------------------------ asserts


def test_per_test_verdicts_and_messages(sandbox_level):
    program = "def f(x):\n    if x == 3:\n        raise ValueError('three')\n    return x * 2\n"
    tests = [
        "assert f(1) == 2",
        "assert f(2) == 5, 'f(2) should be 5'",
        "assert f(3) == 6",
        "assert f(0) == 0",
    ]
    score = run(program, {"tests": tests})
    assert score.status is Status.OK and score.value == 0.5
    assert (
        score.details["all_passed"] is False and score.details["passed"] == 2 and score.details["total"] == 4
    )
    assert score.details["isolation"] == sandbox_level and score.details["language"] == "python"
    assert score.details["compile_error"] is None
    tests_out = score.details["tests"]
    assert verdicts(score) == ["pass", "fail", "error", "pass"]
    assert tests_out[1]["message"] == "f(2) should be 5"
    assert tests_out[2]["message"] == "ValueError: three"
    assert tests_out[0]["name"] == "assert f(1) == 2" and tests_out[0]["time_s"] >= 0
    assert "first failure: assert f(2) == 5" in score.reason


def test_timeout_crash_and_exit_in_one_test_spare_the_others(sandbox_level):
    program = (
        "import os, sys\n"
        "def f(x):\n"
        "    if x == 1:\n        while True: pass\n"
        "    if x == 2:\n        os._exit(0)\n"
        "    if x == 3:\n        sys.exit(0)\n"
        "    if x == 4:\n        import ctypes; ctypes.string_at(0)\n"
        "    return x\n"
    )
    tests = [f"assert f({i}) == {i}" for i in range(6)]
    score = run(program, {"tests": tests})
    assert verdicts(score) == ["pass", "timeout", "error", "error", "error", "pass"]
    msgs = [t["message"] for t in score.details["tests"]]
    assert "exceeded the 1s time limit" in msgs[1]
    assert "exited during the test (exit code 0)" in msgs[2]
    assert msgs[3] == "SystemExit: 0"
    assert "SIGSEGV" in msgs[4]


def test_syntax_error_and_load_failures(sandbox_level):
    for reference in ({"tests": ["assert f(1)"]}, {"cases": [{"input": "", "output": ""}] * 2}):
        score = run("def f(:\n    pass", reference)
        assert score.status is Status.OK and score.value == 0.0 and score.reason == "syntax error"
        assert "SyntaxError" in score.details["compile_error"]
        assert all(t["verdict"] == "error" for t in score.details["tests"])
    score = run("raise RuntimeError('at import')", {"tests": ["assert True is not False", "assert 1"]})
    assert verdicts(score) == ["error", "error"]
    assert "the program raised RuntimeError: at import" in score.details["tests"][0]["message"]
    score = run("import time\ntime.sleep(60)", {"tests": ["assert 1"]})
    assert verdicts(score) == ["timeout"] and "loading" in score.details["tests"][0]["message"]
    score = run("def g(): pass", {"tests": ["assert candidate(1)"], "entry_point": "f"})
    assert "does not define 'f'" in score.details["tests"][0]["message"]


def test_main_block_runs_only_for_stdio_programs(sandbox_level):
    program = "def f():\n    return 1\nif __name__ == '__main__':\n    print(input())\n"
    assert run(program, {"tests": ["assert f() == 1"]}).value == 1.0  # not run: it would wait on stdin
    assert run(program, {"cases": [{"input": "hi", "output": "hi"}]}).value == 1.0


# ------------------------------------------------------------------------------------------ stdin/stdout

SUM = "import sys\nnums = sys.stdin.read().split()\nprint(sum(float(x) for x in nums))\n"


def test_stdio_whitespace_floats_and_wrong_answers(sandbox_level):
    cases = [
        {"input": "1 2\n", "output": "3.0\n"},
        {"input": "1\n2\n3", "output": "  6  "},
        {"input": "0.1 0.2", "output": "0.3"},
        {"input": "1 1", "output": "3"},
    ]
    score = run(SUM, {"cases": cases})
    assert verdicts(score) == ["pass", "pass", "pass", "fail"]
    assert score.details["tests"][3]["message"] == "wrong answer at token 1: expected '3', got '2.0'"
    assert score.value == 0.75 and [t["name"] for t in score.details["tests"]][0] == "case 1"


def test_stdio_runtime_error_and_per_case_timeout(sandbox_level):
    program = (
        "n = int(input())\n"
        "if n == 0:\n    raise ZeroDivisionError('zero')\n"
        "if n < 0:\n    while True: pass\n"
        "print(n * n)\n"
    )
    cases = [{"input": "3", "output": "9"}, {"input": "0", "output": "0"}, {"input": "-1", "output": "1"},
             {"input": "4", "output": "16"}, {"input": "x", "output": "0"}]  # fmt: skip
    score = run(program, {"cases": cases})
    assert verdicts(score) == ["pass", "error", "timeout", "pass", "error"]
    assert score.details["tests"][1]["message"] == "ZeroDivisionError: zero"
    assert "invalid literal" in score.details["tests"][4]["message"]
    assert score.status is Status.OK and score.value == 0.4


def test_overall_limit_stops_the_run_with_not_run_verdicts(sandbox_level):
    program = "import time\ntime.sleep(10)\n"
    cases = [{"input": "", "output": ""}] * 6
    score = run(program, {"cases": cases}, time_limit=0.5, total_time_limit=1.2)
    assert score.status is Status.OK and score.value == 0.0
    got = verdicts(score)
    assert got[0] == "timeout" and set(got) <= {"timeout", "not_run"} and got[-1] == "not_run"
    assert "overall time limit" in score.details["tests"][-1]["message"]


def test_output_limit(sandbox_level):
    score = run("print('x' * 50000)", {"cases": [{"input": "", "output": "x"}]}, max_output_bytes=1000)
    # the limit is max_output_bytes or room for the expected output (twice it, plus 4 KiB): 4098 here
    assert verdicts(score) == ["fail"] and "4098-byte limit" in score.details["tests"][0]["message"]


# ------------------------------------------------------------------------------------------ function calls


def test_function_call_format(sandbox_level):
    program = (
        "def divide(a, b, *, exact=False):\n    if exact:\n        return (a // b, a % b)\n    return a / b\n"
    )
    ref = {
        "fn_name": "divide",
        "cases": [
            {"args": [1, 3], "expected": 0.3333333},
            {"args": [7, 2], "kwargs": {"exact": True}, "expected": [3, 1]},
            {"args": [1, 0], "expected": 0},
            [[6, 3], 2],
            [[6, 4], 2],
        ],
    }
    score = run(program, ref, float_tol=1e-6)
    assert verdicts(score) == ["pass", "pass", "error", "pass", "fail"]
    assert score.details["tests"][2]["message"].startswith("ZeroDivisionError")
    assert score.details["tests"][4]["message"] == "wrong answer: expected 2, got 1.5"
    assert score.details["tests"][1]["name"] == "divide(7, 2, exact=True)"


def test_function_call_on_a_solution_class_and_apps_unwrap(sandbox_level):
    program = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]\n"
    ref = {"fn_name": "twoSum", "cases": [[[[2, 7, 11], 9], [0, 1]]]}
    assert run(program, ref).value == 1.0
    apps = {"input_output": json.dumps({"fn_name": "sq", "inputs": [[3], [4]], "outputs": [[9], [15]]})}
    score = run("def sq(x):\n    return x * x\n", apps)
    assert verdicts(score) == ["pass", "fail"]


def test_return_values_cannot_cheat_equality(sandbox_level):
    program = "class Any:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return Any()\n"
    score = run(program, {"fn_name": "f", "cases": [[[1], 1]]})
    assert verdicts(score) == ["error"] and "no JSON form" in score.details["tests"][0]["message"]
    score = run("def f():\n    return {1, 'a'}\n", {"fn_name": "f", "cases": [[[], [1, "a"]]]})
    assert score.value in (0.0, 1.0)  # unsortable set: some order, never a crash


# ------------------------------------------------------------------------------------------ forging


def test_printed_or_written_verdict_lines_do_not_count(sandbox_level):
    fake = json.dumps({"t": "test", "i": 0, "v": "pass", "m": "", "s": 0.0})
    program = (
        "import os, sys\n"
        f"FAKE = {fake!r}\n"
        "for fd in range(1, 64):\n"
        "    for line in (FAKE, 'x' * 32 + ' ' + FAKE, '{\"t\": \"done\"}'):\n"
        "        try:\n            os.write(fd, (line + '\\n').encode())\n"
        "        except OSError:\n            pass\n"
        "print(FAKE)\n"
        "try:\n"
        "    with open(f'/proc/{os.getppid()}/fd/1', 'w') as f:\n"
        "        f.write(FAKE + '\\n')\n"
        "except OSError:\n"
        "    pass\n"
        "def f():\n    return 0\n"
    )
    score = run(program, {"tests": ["assert f() == 1"]})
    assert verdicts(score) == ["fail"] and score.value == 0.0
    score = run(program + "print(input())\n", {"cases": [{"input": "1", "output": "2"}]})
    assert verdicts(score) == ["fail"]


def test_exiting_or_killing_the_harness_passes_nothing(sandbox_level):
    score = run("import os\nos._exit(0)", {"tests": ["assert True is True", "assert 1"]})
    assert score.status is Status.OK and score.value == 0.0 and not score.details["all_passed"]
    # Python asserts run in the harness's own process; call tests in a child of it
    kill_self = "import os, signal\ndef f(*a):\n    os.kill(os.getpid(), signal.SIGKILL)\n    return 1\n"
    kill_parent = "import os, signal\ndef f(*a):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1\n"
    for program, reference in (
        (kill_self, {"tests": ["assert f() == 1", "assert f() == 1"]}),
        (kill_parent, {"fn_name": "f", "cases": [[[], 1], [[], 1]]}),
    ):
        score = run(program, reference)
        assert score.status is Status.OK and score.value == 0.0 and not score.details["all_passed"]
        assert all(t["verdict"] != "pass" for t in score.details["tests"])


def test_processes_escaping_the_test_are_the_programs_fault_not_an_infrastructure_error(sandbox_level):
    program = (
        "import os\n"
        "def f(x):\n"
        "    if x == 1:\n"  # a fork bomb in new sessions: out of the test's process group
        "        for _ in range(200):\n"
        "            try:\n                pid = os.fork()\n            except OSError:\n                break\n"
        "            if pid == 0:\n"
        "                os.setsid()\n"
        "                while True:\n"
        "                    try:\n                        os.fork()\n                    except OSError:\n                        pass\n"
        "    if x == 2:\n        os._exit(1)\n"  # the harness needs a fresh process for the next test
        "    return x\n"
    )
    score = run(program, {"tests": [f"assert f({i}) == {i}" for i in range(4)]})
    assert score.status is Status.OK and verdicts(score)[:3] == ["pass", "pass", "error"]
    last = score.details["tests"][3]  # the bomb and the harness race for the last free process slot
    assert last["verdict"] == "pass" or "left processes behind" in last["message"], last
    assert run("x = 1", {"tests": ["assert x == 1"]}).value == 1.0  # nothing outlived that run


# ------------------------------------------------------------------------------------------ C, C++, JS

C_SUM = '#include <stdio.h>\nint main(void) { long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 3; printf("%ld\\n", a + b); return 0; }\n'
STDIO = {
    "cases": [
        {"input": "1 2\n", "output": "3"},
        {"input": "20 22", "output": "42\n"},
        {"input": "1", "output": "1"},
    ]
}


@needs_gcc
def test_c_stdio_crash_and_timeout(sandbox_level):
    score = run(C_SUM, STDIO, language="c")
    assert verdicts(score) == ["pass", "pass", "error"] and score.details["compile_error"] is None
    assert score.details["tests"][2]["message"] == "exit code 3"
    program = (
        '#include <stdio.h>\nint main(void) { int n; scanf("%d", &n);\n'
        "  if (n == 1) { int *p = 0; *p = 1; }\n"
        "  if (n == 2) { volatile unsigned long i = 0; for (;;) i++; }\n"
        '  printf("%d\\n", n); return 0; }\n'
    )
    cases = [{"input": str(n), "output": str(n)} for n in (0, 1, 2, 3)]
    score = run(program, {"cases": cases}, language="c")
    assert verdicts(score) == ["pass", "error", "timeout", "pass"]
    assert "SIGSEGV" in score.details["tests"][1]["message"]


@needs_gcc
def test_c_compile_error_and_assert_program(sandbox_level):
    score = run("int main(void) { return undefined_name; }", STDIO, language="c")
    assert score.status is Status.OK and score.value == 0.0 and score.reason == "compile error"
    assert "undefined_name" in score.details["compile_error"] and set(verdicts(score)) == {"error"}
    tests = {"tests": ["#include <assert.h>\nint main(void) { assert(add(2, 2) == 4); return 0; }"]}
    assert run("int add(int a, int b) { return a + b; }", tests, language="c").value == 1.0
    wrong = run("int add(int a, int b) { return a - b; }", tests, language="c")
    assert verdicts(wrong) == ["fail"] and "Assertion" in wrong.details["tests"][0]["message"]
    humaneval_x = {
        "prompt": "#include <assert.h>\n",
        "test": "int main(void) { assert(add(3, 4) == 7); }",
        "entry_point": "add",
    }
    assert run("int add(int a, int b) { return a + b; }", humaneval_x, language="c").value == 1.0
    split = {"tests": ["#include <assert.h>", "int main(void) { assert(add(1, 1) == 2); return 0; }"]}
    score = run("int add(int a, int b) { return a + b; }", split, language="c")
    assert [t["name"] for t in score.details["tests"]] == ["all 2 tests (one program)"] and score.value == 1.0


@needs_gxx
def test_cpp_stdio_and_compile_error(sandbox_level):
    program = "#include <bits/stdc++.h>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n"
    cases = {"cases": [{"input": "1 2", "output": "3"}, {"input": "2 2", "output": "5"}]}
    score = run(program, cases, language="cpp")
    assert verdicts(score) == ["pass", "fail"] and score.details["language"] == "cpp"
    bad = run("int main() { std::vector<int> v; }", STDIO, language="cpp")
    assert bad.value == 0.0 and "vector" in bad.details["compile_error"]
    # a contest memory limit holds the program, not the compiler (g++ needs more than 128 MB of address space)
    hog = "#include <vector>\nint main() { std::vector<char> v(300u << 20, 1); return v[7] == 1 ? 0 : 1; }\n"
    small = {"cases": [{"input": "1 2", "output": "3"}]}
    assert verdicts(run(program, small, language="cpp", memory_mb=128)) == ["pass"]
    assert verdicts(run(hog, {"cases": [{"input": "", "output": ""}]}, language="cpp", memory_mb=128)) == [
        "error"
    ]


@needs_node
def test_javascript_stdio_call_and_syntax_error(sandbox_level):
    program = "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + (b || 0));\n"
    assert verdicts(run(program, STDIO, language="javascript")) == ["pass", "pass", "pass"]
    # `send` is also a name the call driver uses: the program's function must still be the one called
    calls = {"fn_name": "send", "cases": [[[1, 2], 3], [[1, 1], 3], [["a", "b"], "ab"]]}
    score = run(
        "function send(a, b) { if (a === 1 && b === 1) throw new Error('no'); return a + b; }",
        calls,
        language="javascript",
    )
    assert (
        verdicts(score) == ["pass", "error", "pass"] and "Error: no" in score.details["tests"][1]["message"]
    )
    bad = run("const x = ;", STDIO, language="javascript")
    assert bad.value == 0.0 and bad.reason == "syntax error" and "SyntaxError" in bad.details["compile_error"]


# ------------------------------------------------------------------------------------------ concurrency

MIXED = [
    ("def f(x):\n    return x + 1\n", {"tests": ["assert f(1) == 2", "assert f(2) == 4"]}),
    ("def f(x):\n    while True: pass\n", {"tests": ["assert f(1) == 2"]}),
    (SUM, {"cases": [{"input": "1 2", "output": "3"}, {"input": "2", "output": "3"}]}),
    ("def f(x):\n    return [x]\n", {"fn_name": "f", "cases": [[[1], [1]], [[2], [3]]]}),
    ("def f(:", {"tests": ["assert f(1)"]}),
]


def test_threads_and_asyncio_give_the_serial_verdicts(sandbox_level):
    verifier = CodeVerifier(**{**FAST, "time_limit": 0.5})
    samples = [Sample(response=fenced(code), reference=ref) for code, ref in MIXED] + [
        Sample(response="no code", reference={"tests": ["assert 1"]})
    ]

    def key(scores):
        return [(s.status.value, s.value, tuple(verdicts(s)) if s.ok else ()) for s in scores]

    serial = key(verifier.score_batch(samples))
    assert serial == [
        ("ok", 0.5, ("pass", "fail")),
        ("ok", 0.0, ("timeout",)),
        ("ok", 0.5, ("pass", "fail")),
        ("ok", 0.5, ("pass", "fail")),
        ("ok", 0.0, ("error",)),
        ("unparseable", None, ()),
    ]
    results: list = [None] * 8

    def worker(i: int) -> None:
        results[i] = key(verifier.score_batch(samples[i % 3 :] + samples[: i % 3]))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, got in enumerate(results):
        assert got == serial[i % 3 :] + serial[: i % 3]

    async def main():
        return await asyncio.gather(*(verifier.ascore_batch(samples) for _ in range(4)))

    for got in asyncio.run(main()):
        assert key(got) == serial


def test_sandbox_failure_is_an_error_score(monkeypatch, sandbox_level):
    from rewardkit.engine.sandbox import SandboxError

    class Broken:
        def run_python(self, *args, **kwargs):
            raise SandboxError("zygote exploded")

    monkeypatch.setattr(code_mod, "_sandbox", lambda isolation: Broken())
    score = CodeVerifier(workers=0).score(Sample(response=fenced("x = 1"), reference={"tests": ["assert x"]}))
    assert score.status is Status.ERROR and score.reason == "sandbox: zygote exploded"


def test_explicit_isolation_none_is_reported(sandbox_level):
    score = run("x = 1", {"tests": ["assert x == 1"]}, isolation="none")
    assert score.value == 1.0 and score.details["isolation"] == "none"


FORGED_CALL_REPORTS = [
    (
        "python",
        'import os\nfor i in range(200):\n    os.write(3, f"L\\nS {i}\\nR {i} {{\\"v\\": \\"pass\\"}}\\n".encode())\n'
        "os._exit(0)\ndef add(a, b):\n    return a - b",
    ),
    (
        "javascript",
        'const fs = require("fs");\nfor (let i = 0; i < 200; i++) { fs.writeSync(3, `L\\nS ${i}\\nR ${i} {"v":"pass"}\\n`); }\n'
        "process.exit(0);\nfunction add(a, b) { return a - b; }",
    ),
]


@pytest.mark.parametrize("language,program", FORGED_CALL_REPORTS)
def test_function_call_verdicts_cannot_be_written_by_the_program(language, program):
    """Found in review: a program writing pass records to the harness's report pipe scored 1.0."""
    reference = {
        "fn_name": "add",
        "cases": [{"args": [1, 2], "expected": 3}, {"args": [5, 5], "expected": 10}],
    }
    verifier = CodeVerifier(language=language, memory_mb=1536, **FAST)
    score = verifier.score(Sample(response=fenced(program, language), reference=reference))
    assert score.status is Status.OK and score.value == 0.0, score.details
    assert all(t["verdict"] != "pass" for t in score.details["tests"])


def test_function_call_expected_integers_are_exact():
    reference = {"fn_name": "f", "cases": [{"args": [], "expected": 100000000}]}
    close = CodeVerifier(**FAST).score(
        Sample(response=fenced("def f():\n    return 100000050.0"), reference=reference)
    )
    exact = CodeVerifier(**FAST).score(
        Sample(response=fenced("def f():\n    return 100000000.0"), reference=reference)
    )
    assert (close.value, exact.value) == (0.0, 1.0)


def test_in_process_asserts_survive_a_swallowed_alarm_and_c_code_holding_the_gil(sandbox_level):
    # Python asserts run in the harness's own process: a test that swallows its time-limit exception,
    # or spins in C code where no Python signal handler can run, still costs only itself
    program = (
        "import time\n"
        "def f(x):\n"
        "    if x == 1:\n"
        "        while True:\n"
        "            try:\n                time.sleep(5)\n            except BaseException:\n                pass\n"
        "    if x == 2:\n        return sum(range(10 ** 12))\n"  # C code that never checks for signals
        "    return x\n"
    )
    for hang in (1, 2):  # each the first to hang: the in-process run meets it, not a forked child
        score = run(program, {"tests": [f"assert f({i}) == {i}" for i in (0, hang, 3)]}, time_limit=0.5)
        assert verdicts(score) == ["pass", "timeout", "pass"], score.details["tests"]
        assert "exceeded the 0.5s time limit" in score.details["tests"][1]["message"]


# ------------------------------------------------------------------------------ contest-judge programs

JUDGE_STYLES = {
    # fast input: the whole of stdin in one read, sized from the file (a pipe would give nothing)
    "fstat_read": "import os\ndata = os.read(0, os.fstat(0).st_size).split()\nprint(sum(map(int, data)))\n",
    "open_0": "print(sum(map(int, open(0).read().split())))\n",
    "dev_stdin": "print(sum(map(int, open('/dev/stdin').read().split())))\n",
    "buffer_lines": "import sys\nprint(sum(int(x) for line in sys.stdin.buffer.readlines() for x in line.split()))\n",
    # output kept in a buffer and written by an atexit handler (PyRival-style fast output)
    "atexit_output": (
        "import atexit, io, os, sys\n"
        "out = io.StringIO()\n"
        "atexit.register(lambda: os.write(1, out.getvalue().encode()))\n"
        "out.write(str(sum(map(int, sys.stdin.read().split()))) + '\\n')\n"
    ),
    # a replaced sys.stdout that only writes when flushed, left unflushed
    "unflushed_wrapper": (
        "import io, os, sys\n"
        "class Out(io.IOBase):\n"
        "    def __init__(self):\n        self.parts = []\n"
        "    def write(self, s):\n        self.parts.append(s)\n"
        "    def flush(self):\n        os.write(1, ''.join(self.parts).encode())\n        self.parts = []\n"
        "sys.stdout = Out()\n"
        "print(sum(map(int, sys.stdin.read().split())))\n"
    ),
    # main() in a thread with a big stack and recursion limit (deep DFS solutions)
    "threaded_main": (
        "import sys, threading, time\n"
        "sys.setrecursionlimit(1 << 20)\n"
        "threading.stack_size(1 << 26)\n"
        "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
        "def main():\n"
        "    time.sleep(0.2)\n"  # still running when the main thread's code ends
        "    nums = list(map(int, sys.stdin.read().split()))\n"
        "    print(sum(nums) + depth(20000) - 20000)\n"
        "threading.Thread(target=main).start()\n"
    ),
    "exit_after_print": "import sys\nprint(sum(map(int, sys.stdin.read().split())))\nsys.exit(0)\n",
    "dunder_stdout": (
        "import io, sys\nbuf = io.StringIO()\nsys.stdout = buf\n"
        "print(sum(map(int, sys.stdin.read().split())))\nsys.__stdout__.write(buf.getvalue())\n"
    ),
    "closed_stdout": "import sys\nprint(sum(map(int, sys.stdin.read().split())))\nsys.stdout.flush()\nsys.stdout.close()\n",
    "fd1_file": (
        "import sys\nout = open(1, 'w')\n"
        "def main():\n    out.write(str(sum(map(int, sys.stdin.read().split()))) + '\\n')\nmain()\n"
    ),
    "write_no_newline": "import sys\nsys.stdout.write(str(sum(map(int, sys.stdin.read().split()))))\n",
}


@pytest.mark.parametrize("style", sorted(JUDGE_STYLES))
def test_programs_written_for_contest_judges_pass(style, sandbox_level):
    cases = [{"input": "1 2\n", "output": "3\n"}, {"input": "10\n20\n30\n", "output": "60"}]
    score = run(JUDGE_STYLES[style], {"cases": cases})
    assert verdicts(score) == ["pass", "pass"], score.details["tests"]


def test_a_references_own_time_limit_replaces_the_default(sandbox_level):
    slow = "import time\ntime.sleep(0.6)\nprint(int(input()) * 2)\n"
    cases = [{"input": "2", "output": "4"}]
    limits = [None, 1, 1.5, "1 second", "1000 ms", {"seconds": 0, "nanos": 900000000}]
    code = CodeVerifier(**{**FAST, "time_limit": 0.3}, extract="whole", workers=2)
    scores = code.score_batch(
        [Sample(response=slow, reference={"cases": cases, "time_limit": t}) for t in limits]
    )
    assert [verdicts(s) for s in scores] == [["timeout"]] + [["pass"]] * 5  # None: the default 0.3 s
    ignored = CodeVerifier(**{**FAST, "time_limit": 0.3}, extract="whole", reference_time_limit=False)
    assert verdicts(ignored.score(Sample(response=slow, reference={"cases": cases, "time_limit": 1}))) == [
        "timeout"
    ]
    score = run(slow, {"cases": cases, "time_limit": "soon"})
    assert score.status is Status.ERROR and "time_limit 'soon' is not a duration" in score.reason


def test_stop_on_first_failure_gives_pass_fail_only(sandbox_level):
    program = "n = int(input())\nif n == 3:\n    while True: pass\nprint(n + (n == 2))\n"
    cases = [{"input": str(n), "output": str(n)} for n in range(6)]
    full = run(program, {"cases": cases})
    assert verdicts(full) == ["pass", "pass", "fail", "timeout", "pass", "pass"]
    stop = run(program, {"cases": cases}, stop_on_first_failure=True)
    assert verdicts(stop) == ["pass", "pass", "fail", "not_run", "not_run", "not_run"]
    assert stop.value == 0.0 and not stop.details["all_passed"]  # pass/fail only
    crash = run("import os\ndef f(x):\n    if x == 1:\n        os._exit(3)\n    return x\n",
                {"tests": [f"assert f({i}) == {i}" for i in range(4)]}, stop_on_first_failure=True)  # fmt: skip
    assert verdicts(crash) == ["pass", "error", "not_run", "not_run"]


def test_tests_in_parallel_give_the_serial_verdicts(sandbox_level):
    program = (
        "import sys, time\n"
        "n = int(sys.stdin.read())\n"
        "if n % 7 == 3:\n    while True: pass\n"
        "if n % 7 == 5:\n    raise ValueError(n)\n"
        "time.sleep(0.05)\n"
        "print(n * n if n % 7 else n)\n"
    )
    cases = [{"input": str(n), "output": str(n * n)} for n in range(12)]
    serial = run(program, {"cases": cases})
    parallel = run(program, {"cases": cases}, test_workers=4)
    assert verdicts(parallel) == verdicts(serial)
    assert verdicts(serial)[:8] == ["pass", "pass", "pass", "timeout", "pass", "error", "pass", "fail"]
    assert [t["message"] for t in parallel.details["tests"]] == [
        t["message"] for t in serial.details["tests"]
    ]


def test_parallel_cases_really_overlap(sandbox_level):
    # each case marks its start and end in the run's working directory and looks half-way for another
    # case that has started and not ended: with two at a time, each of a pair finds the other
    program = (
        "import os, sys, time\n"
        "me = sys.stdin.read().strip()\n"
        "open('start.' + me, 'w').close()\n"
        "time.sleep(0.15)\n"
        "names = os.listdir('.')\n"
        "print(any(f[6:] != me and 'end.' + f[6:] not in names for f in names if f.startswith('start.')))\n"
        "time.sleep(0.15)\n"
        "open('end.' + me, 'w').close()\n"
    )
    cases = [{"input": str(n), "output": "True"} for n in range(4)]
    assert verdicts(run(program, {"cases": cases}, test_workers=2)) == ["pass"] * 4
    assert verdicts(run(program, {"cases": cases})) == ["fail"] * 4


def test_review_findings_on_limits_and_verdicts(sandbox_level):
    # loading that swallows its alarm still times out (in-process asserts)
    swallow = (
        "import time\ntry:\n    time.sleep(5)\nexcept BaseException:\n    pass\ndef f(x):\n    return x\n"
    )
    score = run(swallow, {"tests": ["assert f(1) == 1", "assert f(2) == 2"]})
    assert verdicts(score) == ["timeout", "timeout"] and "loading" in score.details["tests"][0]["message"]
    # a program that ignores SIGALRM at load still gets a per-test limit
    ignore = "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ndef f(x):\n    if x == 1:\n        time.sleep(100)\n    return x\n"
    score = run(ignore, {"tests": [f"assert f({i}) == {i}" for i in range(3)]})
    assert verdicts(score) == ["pass", "timeout", "pass"]
    # an asserts program writing a "ran" record of its own is an error, not a crash of the scorer
    forge = (
        "import json, rewardkit_code_harness as h\n"
        "h._emit({'t': 'test', 'i': 0, 'v': 'ran', 'm': '', 's': 0})\n"
        "def f():\n    return 1\n"
    )
    score = run(forge, {"tests": ["assert f() == 1"]})
    assert score.status is Status.OK and verdicts(score) == ["error"]
    # an expected output longer than max_output_bytes can still be matched
    big = [{"input": "30000", "output": "\n".join(map(str, range(30000)))}]
    score = run("print('\\n'.join(map(str, range(int(input())))))", {"cases": big}, max_output_bytes=1000)
    assert verdicts(score) == ["pass"]


def test_stop_on_first_failure_with_parallel_cases_keeps_the_earlier_passes(sandbox_level):
    program = "import os, sys, time\nn = int(sys.stdin.read())\nif n == 1:\n    os._exit(3)\nif n == 0:\n    time.sleep(0.3)\nprint(n)\n"
    cases = [{"input": str(n), "output": str(n)} for n in range(3)]
    for workers in (1, 2):
        score = run(program, {"cases": cases}, stop_on_first_failure=True, test_workers=workers)
        assert verdicts(score) == ["pass", "error", "not_run"], workers
        assert score.value == 0.0  # pass/fail only
    assert (
        run(program.replace("os._exit(3)", "pass"), {"cases": cases}, stop_on_first_failure=True).value == 1.0
    )


def test_no_limit_time_limits_fall_back_and_can_be_scaled_or_ignored(sandbox_level):
    slow = "import time\ntime.sleep(0.6)\nprint(int(input()) * 2)\n"
    cases = [{"input": "2", "output": "4"}]
    nones = [0, "None", "", {"seconds": 0, "nanos": 0}]
    code = CodeVerifier(**{**FAST, "time_limit": 0.3}, extract="whole", workers=2)
    scores = code.score_batch(
        [Sample(response=slow, reference={"cases": cases, "time_limit": t}) for t in nones]
    )
    assert [verdicts(s) for s in scores] == [["timeout"]] * 4  # no limit given: the default 0.3 s
    scaled = CodeVerifier(**{**FAST, "time_limit": 0.3}, extract="whole", reference_time_scale=2.0)
    assert verdicts(scaled.score(Sample(response=slow, reference={"cases": cases, "time_limit": 0.4}))) == [
        "pass"
    ]
    assert verdicts(run(slow, {"cases": cases, "time_limit": "soon"}, reference_time_limit=False)) == ["pass"]


def test_a_memory_limit_too_small_for_the_harness_is_an_error_not_a_wrong_program(sandbox_level):
    score = run("print(int(input()))", {"cases": [{"input": "1", "output": "1"}]}, memory_mb=16)
    assert score.status is Status.ERROR and "raise memory_mb" in score.reason
