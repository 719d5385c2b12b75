"""The package's structure rules, checked on its source: no module reads another module's private names,
and the CLI is a thin shell (no other module imports it)."""

from __future__ import annotations

import ast
from pathlib import Path

import rewardkit

PACKAGE = Path(rewardkit.__file__).resolve().parent
BENCHMARKS = PACKAGE.parent / "benchmarks"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_reads(path: Path, own: str) -> list[str]:
    """`from rewardkit.x import _y` and `x._y` (x an imported rewardkit module other than this one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rewardkit"):
            target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if alias.name.startswith("_") and not alias.name.startswith("__") and target != own:
                    if not _package_private(own, full):
                        found.append(f"{path.name}:{node.lineno}: from {target} import {alias.name}")
                aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rewardkit"):
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in aliases:
                target = aliases[base.id]
                if target != own:  # a sibling may use a private module, not that module's private names
                    found.append(f"{path.name}:{node.lineno}: {base.id}.{node.attr} ({target})")
    return found


def _package_private(own: str, target: str) -> bool:
    """A private helper module (``_zygote``, ``_code_harness``) belongs to its package: its siblings may
    import it (and use its public names). Anything else private stays inside its own module."""
    last = target.rsplit(".", 1)[-1]
    return last.startswith("_") and own.rsplit(".", 1)[0] == target.rsplit(".", 1)[0]


def test_no_module_reads_another_modules_private_names() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(BENCHMARKS.glob("*.py")):
        own = module_name(path) if PACKAGE in path.parents else f"benchmarks.{path.stem}"
        problems += private_reads(path, own)
    assert problems == [], "\n".join(problems)


def test_nothing_imports_the_cli() -> None:
    """The CLI is a thin shell over the library: library modules never import it."""
    importers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("cli.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "rewardkit.cli":
                importers.append(f"{module_name(path)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name == "rewardkit.cli" for a in node.names):
                importers.append(f"{module_name(path)}:{node.lineno}")
    assert importers == []


def test_the_checker_sees_a_private_read(tmp_path: Path) -> None:
    sample = PACKAGE / "server" / "_probe_for_test.py"
    sample.write_text(
        "from rewardkit.engine import pool\nfrom rewardkit.verifier import _score_guarded\n"
        "x = pool._SHARED\n",
        encoding="utf-8",
    )
    try:
        found = private_reads(sample, "rewardkit.server._probe_for_test")
    finally:
        sample.unlink()
    assert [f.split(": ", 1)[1] for f in found] == [
        "from rewardkit.verifier import _score_guarded",
        "pool._SHARED (rewardkit.engine.pool)",
    ]
