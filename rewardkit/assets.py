"""Find the YAML assets users edit without touching Python: reward specs, judges, rubrics, eval suites.

Assets of a kind ("verifiers", "judges", "rubrics", "evals", or the demo "data") are looked up along a
search path, first match wins:

1. each directory in the environment variable ``REWARDKIT_PATH`` (separated by ``os.pathsep``), in
   order; a directory holds kind subfolders, e.g. ``$DIR/verifiers/my_reward.yaml``;
2. the packaged assets: ``rewardkit/_assets/<kind>`` in an installed wheel, or ``<repo>/<kind>`` in a
   source or editable checkout.

A YAML asset is named by its file stem (``verifiers/math.yaml`` is the spec ``math``); a data file by its
file name (``data/rollouts.jsonl``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from rewardkit.errors import ConfigError, FieldPath

KINDS = ("verifiers", "judges", "rubrics", "evals", "data")
ENV_VAR = "REWARDKIT_PATH"
YAML_SUFFIXES = (".yaml", ".yml")

_PACKAGE_DIR = Path(__file__).resolve().parent


class AssetNotFoundError(ConfigError):
    """No asset of that kind and name on the search path; the message lists the available ones."""


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown asset kind {kind!r}; kinds: {', '.join(KINDS)}")


def packaged_dir(kind: str) -> Path | None:
    """Where this installation keeps the shipped assets of ``kind`` (None when it has none)."""
    _check_kind(kind)
    wheel = _PACKAGE_DIR / "_assets" / kind
    if wheel.is_dir():
        return wheel
    checkout = _PACKAGE_DIR.parent / kind
    if checkout.is_dir() and (_PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return None


def search_path(kind: str) -> list[Path]:
    """The directories searched for ``kind``, in order (only those that exist)."""
    _check_kind(kind)
    dirs = [Path(d) / kind for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    packaged = packaged_dir(kind)
    if packaged is not None:
        dirs.append(packaged)
    return [d for d in dirs if d.is_dir()]


def _asset_name(kind: str, path: Path) -> str | None:
    if path.name.startswith(".") or not path.is_file():
        return None
    if kind == "data":
        return path.name
    return path.stem if path.suffix in YAML_SUFFIXES else None


def list_assets(kind: str) -> dict[str, Path]:
    """Every asset of ``kind`` as name -> path, sorted by name; earlier search directories win."""
    found: dict[str, Path] = {}
    for directory in search_path(kind):
        for path in sorted(directory.iterdir()):
            name = _asset_name(kind, path)
            if name is not None:
                found.setdefault(name, path)
    return dict(sorted(found.items()))


def find_asset(kind: str, name: str | os.PathLike[str]) -> Path:
    """The path of asset ``name`` of ``kind``; ``name`` may also be a path to an existing file."""
    _check_kind(kind)
    as_path = Path(name)
    if as_path.is_file():
        return as_path
    assets = list_assets(kind)
    key = str(name)
    if kind != "data" and as_path.suffix in YAML_SUFFIXES:
        key = as_path.stem
    if key in assets and as_path.parent == Path("."):
        return assets[key]
    available = ", ".join(assets) or "(none)"
    where = ", ".join(str(d) for d in search_path(kind)) or "(no asset folders found)"
    raise AssetNotFoundError(
        f"no {kind} asset named {str(name)!r} and no such file; available: {available}. "
        f"Searched: {where}. Give a path to a file, or add a folder holding {kind}/ to ${ENV_VAR}."
    )


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """A YAML file's document and its node tree (for line numbers: :func:`yaml_line`); invalid YAML is
    a ConfigError at file:line:column."""
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{where}: invalid YAML: {problem}; fix the syntax at that line") from None
    finally:
        loader.dispose()


def yaml_line(node: yaml.Node | None, loc: FieldPath) -> int | None:
    """The line of the deepest node along ``loc`` (a field path like ``("criteria", 2, "weight")``) that
    exists in the YAML tree ``node``."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


__all__ = [
    "ENV_VAR",
    "KINDS",
    "AssetNotFoundError",
    "find_asset",
    "list_assets",
    "packaged_dir",
    "read_yaml",
    "search_path",
    "yaml_line",
]
