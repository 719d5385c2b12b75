"""The toy classification-head PRM (rewardkit.prm.toy): a real checkpoint laid out like
Qwen/Qwen2.5-Math-PRM-7B, built from SmolLM2's weights with a seeded random 2-class head.

Checked here: the folder's layout (architecture, auto_map, weight names), that ``<extra_0>`` is one token
wherever it stands, that the Qwen2 body computes exactly what SmolLM2 computes, that the transformers
backend (``head="token_classifier"``, ``trust_remote_code``) gives at the offsets right after each
``<extra_0>`` of a chat-rendered conversation what the reference computation gives (the model's own
forward, softmax at the tokens whose id is the separator's, indexed by that mask), in mixed-length
batches; that it refuses to load the checkpoint without ``trust_remote_code``; and (in .venv-vllm, one
subprocess) that vLLM loads the same folder natively and gives the same per-position logits.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from test_backend_vllm import TOKEN_TOL, ensure_vllm_env

from rewardkit.engine.backends import BackendError, ClassifyRequest, get_backend
from rewardkit.prm.toy import ARCHITECTURE, STEP_TOKEN, SYSTEM_PROMPT, VERSION, toy_prm

HAND_TOL = 1e-4  # backend (padded batch) vs one unpadded forward of the whole model
BATCH_TOL = 1e-5  # a request in a mixed batch vs the same request alone
BODY_TOL = 1e-4  # the toy's Qwen2 body vs SmolLM2's Llama body on the same ids
VLLM_BATCH_TOL = 1e-4  # vLLM (CPU kernels): a request alone vs in a batch

# (problem, steps): 1 to 4 steps, a step with a blank line inside, unicode; rendered, they are 90-96
# tokens long, all different, so the scheduler packs them into ONE right-padded micro-batch
PROBLEMS = [
    (
        "Tom has 3 apples and buys 4 more. He gives 2 away. How many are left?",
        ["He has 3 + 4 = 7 apples.", "He gives 2 away, so 7 - 2 = 5.", "The answer is \\boxed{5}."],
    ),
    (
        "Sam reads 12 pages a day for 5 days, then 4 more pages on the last evening. How many pages does he "
        "read in all?",
        ["He reads 12 × 5 + 4 = 60 + 4 = \\boxed{64} pages."],
    ),
    (
        "A café sells 2 crêpes for 3 €. How much do 6 crêpes cost?",
        ["6 crêpes are 3 pairs.\n\nEach pair costs 3 €.", "3 × 3 = 9.", "So 9 €.", "\\boxed{9}"],
    ),
    (
        "Is 91 a prime number? Check the small divisors one by one and explain.",
        ["91 = 7 × 13, so 7 divides it and 91 is not prime.", "So the answer is \\boxed{\\text{no}}."],
    ),
]


def conversation(problem: str, steps: list[str]) -> list[dict[str, str]]:
    """Qwen2.5-Math-PRM's input: its system prompt, the problem, the steps each followed by <extra_0>."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": problem},
        {"role": "assistant", "content": STEP_TOKEN.join(steps) + STEP_TOKEN},
    ]


def step_offsets(text: str) -> tuple[int, ...]:
    """The offset right after each <extra_0>: there the backend reads the separator token itself."""
    return tuple(m.end() for m in re.finditer(re.escape(STEP_TOKEN), text))


@pytest.fixture(scope="module")
def toy_dir() -> Path:
    return toy_prm()


@pytest.fixture(scope="module")
def backend(toy_dir: Path) -> Any:
    return get_backend("transformers", model=str(toy_dir), head="token_classifier", trust_remote_code=True)


@pytest.fixture(scope="module")
def reference(toy_dir: Path) -> Any:
    """The checkpoint as its users load it: AutoModel + the folder's own code, and its tokenizer."""
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(toy_dir, trust_remote_code=True, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(toy_dir)


@pytest.fixture(scope="module")
def texts(backend: Any) -> list[str]:
    return [backend.render_chat(conversation(p, s), add_generation_prompt=False) for p, s in PROBLEMS]


def max_row_diff(a: list[list[float]], b: list[list[float]]) -> float:
    assert len(a) == len(b)
    return max(abs(x - y) for r, t in zip(a, b, strict=True) for x, y in zip(r, t, strict=True))


def reference_step_rewards(model: Any, tokenizer: Any, text: str) -> tuple[list[int], Any, Any]:
    """The reference computation: tokenise the rendered text, one forward, then at the tokens whose id is
    the separator's (the mask, not the non-zero probabilities) the logits and softmax(logits)[1]."""
    ids = tokenizer.encode(text, return_tensors="pt")
    step_id = tokenizer.convert_tokens_to_ids(STEP_TOKEN)
    with torch.inference_mode():
        logits = model(input_ids=ids)[0][0].float()
    mask = ids[0] == step_id
    rows = mask.nonzero()[:, 0].tolist()
    return rows, logits[mask], torch.softmax(logits[mask], dim=-1)[:, 1]


# ------------------------------------------------------------------------------------------ the folder


def test_the_folder_is_laid_out_like_qwen25_math_prm(toy_dir: Path) -> None:
    config = json.loads((toy_dir / "config.json").read_text())
    assert config["architectures"] == [ARCHITECTURE] == ["Qwen2ForProcessRewardModel"]
    assert config["model_type"] == "qwen2"
    for ref in config["auto_map"].values():  # AutoConfig and AutoModel, each a file in the folder
        module, name = ref.split(".")
        assert (toy_dir / f"{module}.py").is_file() and f"class {name}(" in (
            toy_dir / f"{module}.py"
        ).read_text()
    assert set(config["auto_map"]) == {"AutoConfig", "AutoModel"}
    marker = json.loads((toy_dir / "rewardkit.json").read_text())
    assert marker["seed"] == 0 and marker["version"] == VERSION and len(marker["source_sha256"]) == 64
    assert toy_dir.name == f"toy-prm-{marker['source_sha256'][:12]}-v{VERSION}-seed0"
    with safe_open(str(toy_dir / "model.safetensors"), "pt") as f:
        names = set(f.keys())
        head = {n for n in names if not n.startswith("model.")}
        assert head == {"score.0.weight", "score.0.bias", "score.2.weight", "score.2.bias"}  # no lm_head
        assert f.get_tensor("score.2.weight").shape == (2, config["hidden_size"])
        for layer in range(config["num_hidden_layers"]):  # Qwen2's q/k/v biases: zero, so Llama's maths
            for proj in ("q_proj", "k_proj", "v_proj"):
                assert not f.get_tensor(f"model.layers.{layer}.self_attn.{proj}.bias").any()
        embed = f.get_tensor("model.embed_tokens.weight")
    assert embed.shape[0] == config["vocab_size"] == marker["step_token_id"] + 1
    assert torch.allclose(embed[-1], embed[:-1].mean(dim=0))  # the separator's row: deterministic
    # a second call finds the folder (no rebuild: the weights file is untouched)
    mtime = (toy_dir / "model.safetensors").stat().st_mtime_ns
    assert toy_prm() == toy_dir and (toy_dir / "model.safetensors").stat().st_mtime_ns == mtime


def test_the_step_token_is_one_token_wherever_it_stands(reference, texts) -> None:
    """One token per separator, spanning exactly its characters, never merged with the text around it
    (the pieces between separators tokenise as they do alone)."""
    _, tok = reference
    step_id = tok.convert_tokens_to_ids(STEP_TOKEN)
    cases = [*texts, "7.<extra_0>He", "x<extra_0><extra_0>y", " <extra_0> ", "<extra_0>", "a<extra_0>\n\nb"]
    for text in cases:
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        pairs = list(zip(enc["input_ids"], enc["offset_mapping"], strict=True))
        spans = [tuple(span) for i, span in pairs if i == step_id]
        assert spans == [(m.start(), m.end()) for m in re.finditer(re.escape(STEP_TOKEN), text)], text
        rest = [i for i, _ in pairs if i != step_id]
        assert rest == [
            i for p in text.split(STEP_TOKEN) for i in tok(p, add_special_tokens=False)["input_ids"]
        ]


def test_the_body_computes_what_smollm2_computes(reference, smollm2_backend) -> None:
    model, tok = reference
    llama = smollm2_backend.model
    ours, theirs = model.config, llama.config
    for key in (
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "rms_norm_eps",
        "max_position_embeddings",
        "hidden_act",
    ):
        assert getattr(ours, key) == getattr(theirs, key), key
    assert ours.rope_parameters["rope_theta"] == theirs.rope_parameters["rope_theta"] == 100000.0
    assert ours.hidden_size // ours.num_attention_heads == theirs.head_dim
    text = "Step 1: 3 + 4 = 7.\n\nStep 2: 7 - 2 = 5. Café ☕."
    # the toy's own ids (transformers 5 gives a qwen2 checkpoint Qwen's pre-tokenizer: "\n\n" is one token
    # here, two for SmolLM2); the body is compared on the same ids
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        mine = model.model(input_ids=ids).last_hidden_state
        base = llama.model(input_ids=ids).last_hidden_state
    diff = float((mine - base).abs().max())
    print(f"toy body vs SmolLM2: max |diff| {diff:.2e} (hidden states up to {float(base.abs().max()):.1f})")
    assert diff < BODY_TOL


# ------------------------------------------------------------------------ the transformers backend


def test_step_rewards_equal_the_reference_computation(backend, reference, texts) -> None:
    model, tok = reference
    assert type(backend.model).__name__ == ARCHITECTURE
    requests = [ClassifyRequest(t, step_offsets(t)) for t in texts]
    lengths = [len(backend.encoder.prompt(t)) for t in texts]
    assert len(set(lengths)) == len(lengths)  # mixed lengths: all but the longest are padded
    before = backend.stats()["scheduler"]["batches"]
    results = backend.classify(requests)
    assert backend.stats()["scheduler"]["batches"] == before + 1  # one padded micro-batch
    worst = worst_prob = 0.0
    for (_, steps), request, result in zip(PROBLEMS, requests, results, strict=True):
        rows, logits, probs = reference_step_rewards(model, tok, request.text)
        assert len(rows) == len(steps) == len(request.positions)
        item = backend.encoder.token_rows(request.text, request.positions)
        assert list(item.ids) == tok.encode(request.text) and list(item.rows) == rows  # the same tokens read
        got = torch.tensor(result.position_logits)
        assert result.logits == [] and got.shape == (len(steps), 2)
        worst = max(worst, float((got - logits).abs().max()))
        worst_prob = max(worst_prob, float((torch.softmax(got, -1)[:, 1] - probs).abs().max()))
    assert len({round(row[1], 4) for r in results for row in r.position_logits}) > 5  # not degenerate
    print(f"toy PRM: max |backend - reference| logits {worst:.2e}, step rewards {worst_prob:.2e}")
    assert worst < HAND_TOL and worst_prob < HAND_TOL
    alone = [backend.classify([r])[0] for r in requests]  # the same request without the padded others
    pairs = zip(alone, results, strict=True)
    assert max(max_row_diff(a.position_logits, b.position_logits) for a, b in pairs) < BATCH_TOL


def test_without_trust_remote_code_the_backend_refuses(toy_dir: Path) -> None:
    """AutoModel without the folder's code would load the bare Qwen2 body and drop the head: refused."""
    from transformers import AutoModel

    with pytest.raises(
        BackendError,
        match=r"Qwen2ForProcessRewardModel\) is a custom token-classification model whose code ships with "
        r"the checkpoint \(modeling_toy_prm\.Qwen2ForProcessRewardModel\); .*set "
        r"backend_options\.trust_remote_code: true",
    ):
        get_backend("transformers", model=str(toy_dir), head="token_classifier")
    bare = AutoModel.from_pretrained(toy_dir, trust_remote_code=False)
    assert type(bare).__name__ == "Qwen2Model" and not hasattr(bare, "score")  # what it would have scored


def test_a_prm_checkpoint_without_its_head_is_an_error(toy_dir: Path, tmp_path: Path) -> None:
    """The missing-head guard holds for AutoModel-loaded PRMs: a folder whose weights lack ``score``."""
    folder = tmp_path / "headless-prm"
    folder.mkdir()
    for path in toy_dir.iterdir():
        if path.suffix in (".py", ".jinja") or path.name.startswith("tokenizer"):
            shutil.copy(path, folder / path.name)
    config = json.loads((toy_dir / "config.json").read_text())
    config.update(num_hidden_layers=1, layer_types=config["layer_types"][:1])  # small: one layer, no head
    (folder / "config.json").write_text(json.dumps(config))
    with safe_open(str(toy_dir / "model.safetensors"), "pt") as f:
        keep = [k for k in f.keys() if k.startswith(("model.layers.0.", "model.embed_tokens", "model.norm"))]
        save_file({k: f.get_tensor(k) for k in keep}, str(folder / "model.safetensors"), {"format": "pt"})
    with pytest.raises(
        BackendError,
        match=r"has no trained token_classifier head: score\.0\.bias, score\.0\.weight, score\.2",
    ):
        get_backend("transformers", model=str(folder), head="token_classifier", trust_remote_code=True)


# ----------------------------------------------------------------------------------------------- vLLM

PRM_SAMPLES = [
    ("What is 3 + 4 - 2?", "3 + 4 = 7.\n\n7 - 2 = 5.\n\nThe answer is 5."),
    ("Double 21.", "21 * 2 = 42, so the answer is 42."),
]

DRIVER = textwrap.dedent(
    '''
    """Runs inside .venv-vllm: the toy PRM on vLLM's token_classify task, results as JSON."""
    import json
    import sys
    import time

    from rewardkit.engine.backends import ClassifyRequest, get_backend


    def main():
        spec = json.load(open(sys.argv[1]))
        t = time.perf_counter()
        be = get_backend(
            "vllm", model=spec["model"], head="token_classifier", enforce_eager=True, max_length=2048
        )
        out = {"engine_start_s": time.perf_counter() - t}
        out["architectures"] = list(be.llm.llm_engine.model_config.architectures)
        requests = [ClassifyRequest(text, tuple(positions)) for text, positions in spec["requests"]]
        out["together"] = [r.position_logits for r in be.classify(requests)]
        out["alone"] = [be.classify([r])[0].position_logits for r in requests]
        # the prm verifier on the same engine (same backend options: get_backend shares it)
        from rewardkit import Sample
        from rewardkit.verifiers.prm import PRMVerifier

        prm = PRMVerifier(
            kind="head",
            model=spec["model"],
            backend="vllm",
            backend_options={"enforce_eager": True, "max_length": 2048},
        )
        samples = [Sample(prompt=p, response=r) for p, r in spec["samples"]]
        out["prm"] = [s.to_dict() for s in prm.score_batch(samples)]
        be.close()
        json.dump(out, open(sys.argv[2], "w"))


    if __name__ == "__main__":  # vLLM's engine spawns processes: scripts need this guard
        main()
    '''
)


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_vllm_loads_the_folder_natively_and_gives_the_same_logits(backend, toy_dir, texts, tmp_path) -> None:
    python = ensure_vllm_env()
    requests = [ClassifyRequest(t, step_offsets(t)) for t in texts]
    (tmp_path / "spec.json").write_text(
        json.dumps(
            {
                "model": str(toy_dir),
                "requests": [(r.text, r.positions) for r in requests],
                "samples": PRM_SAMPLES,
            }
        )
    )
    (tmp_path / "driver.py").write_text(DRIVER)
    log = tmp_path / "vllm.log"
    t = time.perf_counter()
    with log.open("w") as sink:
        proc = subprocess.run(
            [str(python), "driver.py", "spec.json", "out.json"],
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=1500,
        )
    if proc.returncode != 0 or not (tmp_path / "out.json").exists():
        pytest.fail(f"the vLLM driver failed (exit {proc.returncode}); log tail:\n{log.read_text()[-6000:]}")
    out = json.loads((tmp_path / "out.json").read_text())
    print(f"vLLM: engine start {out['engine_start_s']:.1f} s, subprocess {time.perf_counter() - t:.1f} s")
    assert out["architectures"] == [ARCHITECTURE]  # vLLM's own implementation, not a fallback
    expected = backend.classify(requests)
    worst = batch = 0.0
    for request, want, have, alone in zip(requests, expected, out["together"], out["alone"], strict=True):
        assert len(have) == len(request.positions) and all(len(row) == 2 for row in have)
        worst = max(worst, max_row_diff(have, want.position_logits))
        batch = max(batch, max_row_diff(have, alone))
    print(f"vLLM vs transformers toy PRM logits: max |diff| {worst:.2e}; vLLM alone vs batched {batch:.2e}")
    assert batch < VLLM_BATCH_TOL
    assert worst < TOKEN_TOL
    # the prm verifier (kind: head) on vLLM gives the step values it gives on transformers
    from rewardkit import Sample, Score
    from rewardkit.verifiers.prm import PRMVerifier

    on_hf = PRMVerifier(kind="head", model=str(toy_dir), backend_options={"trust_remote_code": True})
    want_scores = on_hf.score_batch([Sample(prompt=p, response=r) for p, r in PRM_SAMPLES])
    for have_dict, want_score in zip(out["prm"], want_scores, strict=True):
        have_score = Score.from_dict(have_dict)
        assert have_score.ok and want_score.ok and have_score.details["kind"] == "head"
        assert [s.span for s in have_score.steps] == [s.span for s in want_score.steps]
        assert have_score.step_values == pytest.approx(want_score.step_values, abs=1e-4)
