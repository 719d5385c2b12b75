"""The vLLM backend, for real: vLLM (CPU build) runs in its own environment (.venv-vllm, built by
scripts/vllm_env.sh when missing), the backend scores and generates with the converted SmolLM2, and the
results are compared here with the transformers backend on the same folder.

Everything vLLM does happens in ONE subprocess (engine starts cost time): the causal-LM engine, a
classifier engine on a sequence-classification folder built from SmolLM2 with a seeded random head, and
three per-position engines (vLLM's token_classify task): a token-classification folder built from SmolLM2,
the sequence classifier read at each token, and SmolLM2 whose head is its LM head's rows for "+" and "-"
(label tokens). All run with enforce_eager=True (a ~25 s start on 2 cores instead of ~2 min of
torch.compile).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from _classify import SHORT, SOLUTION, UNICODE, smollm2_with_head, step_ends

from rewardkit.engine.backends import (
    BackendError,
    ClassifyRequest,
    GenerationParams,
    GenerationRequest,
    LoglikelihoodRequest,
    backend_config,
    get_backend,
)

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("REWARDKIT_VLLM_VENV", REPO / ".venv-vllm"))
VLLM_PYTHON = VENV / "bin" / "python"

# float32 both sides. Measured on a 2-core x86 CPU: max |diff| per token 3.7e-5, of per-request means
# 6.4e-6 (vLLM offline and vllm serve alike). The margin covers other CPUs' kernels: vLLM's CPU attention
# and torch's SDPA reduce in different orders.
TOKEN_TOL = 1e-3
MEAN_TOL = 2e-4

CHAT = [{"role": "user", "content": "What is 2+2? Answer briefly."}]

# (context, continuation, max_tokens): a shared-context group, an empty context, a word split across the
# boundary, a chat-rendered context (filled in below), unicode, a long continuation, a truncated one
LL_CASES: list[tuple[str, str, int | None]] = [
    ("The capital of France is", " Paris.", None),
    ("The capital of France is", " Lyon, a lovely city on the Rhône.", None),
    ("The capital of France is", " Berlin.", None),
    ("", "Hello world, this is a test.", None),
    ("Answer: ", "42", None),
    ("Question: what is 2+2?\nAnswer:", " 4", None),
    ("<CHAT>", "The answer is 4.", None),
    ("Café ", "crème brûlée 🍮 — très bien!", None),
    (
        "Once upon a time,",
        " there was a little girl who lived in a village near the forest. Whenever she went out, the "
        "little girl wore a red riding cloak, so everyone in the village called her Little Red Riding Hood.",
        None,
    ),
    ("Count: one, two, three,", " four, five, six, seven, eight", 3),
]
GEN_TEXT = ["The capital of France is", "def fibonacci(n):", "Once upon a time"]
GEN_PARAMS = {"max_tokens": 24}
STOP_PARAMS = {"max_tokens": 40, "stop": ["\n\n"], "logprobs": True}
TOP_PARAMS = {"max_tokens": 8, "top_logprobs": 5}
# sampling from a reshaped distribution: the top logprobs stay the model's own (raw logits)
TOP_SAMPLED_PARAMS = {**TOP_PARAMS, "temperature": 2.0, "top_p": 0.5, "seed": 3}
CLASSIFY_TEXTS = ["This answer is correct and well explained.", "nonsense", "<CHAT>"]
# per-position requests: (text, character offsets); "<CHAT>" is a chat-rendered conversation with steps
POSITIONED = [(SOLUTION, step_ends(SOLUTION)), (SHORT, (5, 12, len(SHORT))), (UNICODE, step_ends(UNICODE))]
LABELS = ("+", "-")

DRIVER = textwrap.dedent(
    '''
    """Runs inside .venv-vllm: every vLLM-side check of tests/test_backend_vllm.py, results as JSON."""
    import json
    import sys
    import threading
    import time
    from dataclasses import asdict

    from rewardkit.engine.backends import (
        BackendError,
        ClassifyRequest,
        GenerationParams,
        GenerationRequest,
        LoglikelihoodRequest,
        get_backend,
    )


    def error_of(fn):
        try:
            fn()
        except BackendError as exc:
            return str(exc)
        return None


    def main():
        spec = json.load(open(sys.argv[1]))
        out = {"timings": {}}
        t = time.perf_counter()
        be = get_backend("vllm", model=spec["model"], enforce_eager=True, max_length=2048)
        out["timings"]["engine_start_s"] = time.perf_counter() - t

        requests = [LoglikelihoodRequest(c, x, m) for c, x, m in spec["loglikelihood"]]
        t = time.perf_counter()
        out["loglikelihood"] = [asdict(r) for r in be.loglikelihood(requests)]
        out["timings"]["loglikelihood_s"] = time.perf_counter() - t

        # concurrent callers: same results whoever shares the batch
        concurrent = [None] * 4
        barrier = threading.Barrier(4)

        def call(k):
            barrier.wait()
            concurrent[k] = [asdict(r) for r in be.loglikelihood(requests[k:] + requests[:k])]

        threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        out["concurrent"] = concurrent
        out["scheduler_stats"] = be.stats()["scheduler"]

        prompts = [GenerationRequest(p) for p in spec["generate_text"]] + [GenerationRequest(spec["chat"])]
        t = time.perf_counter()
        out["generate"] = [asdict(r) for r in be.generate(prompts, GenerationParams(**spec["gen_params"]))]
        out["timings"]["generate_s"] = time.perf_counter() - t
        out["generate_stop"] = [
            asdict(r) for r in be.generate(prompts, GenerationParams(**spec["stop_params"]))
        ]
        out["generate_top"] = [asdict(r) for r in be.generate(prompts, GenerationParams(**spec["top_params"]))]
        out["generate_top_sampled"] = [
            asdict(r) for r in be.generate(prompts, GenerationParams(**spec["top_sampled_params"]))
        ]
        sampled = GenerationParams(max_tokens=16, temperature=1.0, seed=1234)
        out["sampled_twice"] = [
            [r.text for r in be.generate(prompts[:2], sampled)] for _ in range(2)
        ]
        out["render_chat"] = be.render_chat(spec["chat"])
        out["count_tokens"] = be.count_tokens(spec["generate_text"][0])
        out["classify_on_lm"] = error_of(lambda: be.classify([ClassifyRequest("x")]))
        out["label_tokens_on_lm"] = error_of(lambda: be.classify([ClassifyRequest("a b", (1,), ("+",))]))
        be.close()

        t = time.perf_counter()
        cls = get_backend(
            "vllm", model=spec["classifier"], head="classifier", enforce_eager=True, max_length=2048
        )
        out["timings"]["classifier_start_s"] = time.perf_counter() - t
        out["classify"] = [r.logits for r in cls.classify([ClassifyRequest(x) for x in spec["classify"]])]
        out["score_on_classifier"] = error_of(
            lambda: cls.loglikelihood([LoglikelihoodRequest("a", "b")])
        )
        out["positions_on_classifier"] = error_of(lambda: cls.classify([ClassifyRequest("a b", (1,))]))
        cls.close()

        positioned = [ClassifyRequest(text, tuple(positions)) for text, positions in spec["positioned"]]
        labelled = [ClassifyRequest(r.text, r.positions, tuple(spec["labels"])) for r in positioned]
        for name, model, options in (
            ("token_classify", spec["token_classifier"], {}),  # a *ForTokenClassification folder
            ("sequence_head_at_positions", spec["classifier"], {}),  # a sequence classifier, per token
            ("label_tokens", spec["model"], {"label_tokens": spec["labels"]}),  # SmolLM2's own LM head
        ):
            t = time.perf_counter()
            tok = get_backend(
                "vllm", model=model, head="token_classifier", enforce_eager=True, max_length=2048, **options
            )
            out["timings"][name + "_start_s"] = time.perf_counter() - t
            out[name] = [r.position_logits for r in tok.classify(positioned)]
            if options:  # the request may name the engine's label tokens, or leave them out
                out[name + "_named"] = [r.position_logits for r in tok.classify(labelled)]
                out[name + "_other_labels"] = error_of(
                    lambda: tok.classify([ClassifyRequest("a b", (1,), ("-", "+"))])
                )
            else:
                out[name + "_no_positions"] = error_of(lambda: tok.classify([ClassifyRequest("a b")]))
                out[name + "_labels"] = error_of(lambda: tok.classify(labelled[:1]))
            tok.close()
        json.dump(out, open(sys.argv[2], "w"))


    if __name__ == "__main__":  # vLLM's engine spawns processes: scripts need this guard
        main()
    '''
)


def ensure_vllm_env() -> Path:
    """.venv-vllm's python, building the environment (scripts/vllm_env.sh) when it is missing or
    half-built (an interrupted install: no vllm or no rewardkit in it)."""
    probe = (
        "import importlib.util as u; raise SystemExit(not (u.find_spec('vllm') and u.find_spec('rewardkit')))"
    )
    if not VLLM_PYTHON.exists() or subprocess.run([str(VLLM_PYTHON), "-c", probe]).returncode != 0:
        t = time.perf_counter()
        print(f"building {VENV} with scripts/vllm_env.sh (about 1.5 min)", file=sys.stderr, flush=True)
        proc = subprocess.run(
            ["bash", str(REPO / "scripts" / "vllm_env.sh")],
            env={**os.environ, "REWARDKIT_VLLM_VENV": str(VENV)},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"scripts/vllm_env.sh failed (exit {proc.returncode}); the vllm tests need it.\n"
                f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
            )
        print(f"built {VENV} in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    if not VLLM_PYTHON.exists():
        pytest.fail(f"scripts/vllm_env.sh ran but {VLLM_PYTHON} does not exist")
    return VLLM_PYTHON


def smollm2_path() -> str:
    from rewardkit.engine.models import resolve_model

    return resolve_model("smollm2")


def max_diff(a: list[float], b: list[float]) -> float:
    assert len(a) == len(b)
    return max((abs(x - y) for x, y in zip(a, b, strict=True)), default=0.0)


@pytest.fixture(scope="session")
def vllm_python() -> Path:
    return ensure_vllm_env()


@pytest.fixture(scope="module")
def model_path() -> str:
    return smollm2_path()


@pytest.fixture(scope="module")
def hf(model_path: str):
    return get_backend("transformers", model=model_path)


@pytest.fixture(scope="module")
def classifier_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SmolLM2 with a 3-way sequence-classification head (seeded random weights): a stand-in reward model."""
    folder = tmp_path_factory.mktemp("smollm2-cls")
    return smollm2_with_head("AutoModelForSequenceClassification", folder, num_labels=3, seed=0)


@pytest.fixture(scope="module")
def token_classifier_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SmolLM2 with a 2-label token-classification head (seeded random weights and bias)."""
    folder = tmp_path_factory.mktemp("smollm2-token-cls")
    return smollm2_with_head("AutoModelForTokenClassification", folder, num_labels=2, seed=1)


@pytest.fixture(scope="module")
def cases(hf) -> dict[str, Any]:
    chat_text = hf.render_chat(CHAT)
    steps = chat_text + SHORT
    return {
        "loglikelihood": [(chat_text if c == "<CHAT>" else c, x, m) for c, x, m in LL_CASES],
        "classify": [chat_text + "4" if x == "<CHAT>" else x for x in CLASSIFY_TEXTS],
        "positioned": [*POSITIONED, (steps, tuple(len(chat_text) + p for p in step_ends(SHORT)))],
    }


@pytest.fixture(scope="module")
def vllm_results(
    vllm_python: Path,
    model_path: str,
    classifier_path: str,
    token_classifier_path: str,
    cases: dict[str, Any],
    tmp_path_factory,
) -> dict[str, Any]:
    """One subprocess in .venv-vllm runs every vLLM-side check (five engine starts) and writes JSON."""
    work = tmp_path_factory.mktemp("vllm-run")
    spec = {
        "model": model_path,
        "classifier": classifier_path,
        "loglikelihood": cases["loglikelihood"],
        "generate_text": GEN_TEXT,
        "chat": CHAT,
        "gen_params": GEN_PARAMS,
        "stop_params": STOP_PARAMS,
        "top_params": TOP_PARAMS,
        "top_sampled_params": TOP_SAMPLED_PARAMS,
        "classify": cases["classify"],
        "token_classifier": token_classifier_path,
        "positioned": cases["positioned"],
        "labels": LABELS,
    }
    (work / "spec.json").write_text(json.dumps(spec))
    (work / "driver.py").write_text(DRIVER)
    log = work / "vllm.log"
    t = time.perf_counter()
    with log.open("w") as sink:
        proc = subprocess.run(
            [str(vllm_python), "driver.py", "spec.json", "out.json"],
            cwd=work,
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=1500,
        )
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not (work / "out.json").exists():
        pytest.fail(f"the vLLM driver failed (exit {proc.returncode}); log tail:\n{log.read_text()[-6000:]}")
    out = json.loads((work / "out.json").read_text())
    out["timings"]["subprocess_s"] = wall
    print(f"vLLM timings: {json.dumps(out['timings'])}", file=sys.stderr)
    return out


# -------------------------------------------------------------------------------- no vLLM needed


def test_missing_vllm_says_how_to_install() -> None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("vllm is importable in this environment")
    from rewardkit.engine.backends.vllm import VLLMBackend

    with pytest.raises(BackendError, match=r"scripts/vllm_env\.sh"):
        VLLMBackend(backend_config("vllm", model="smollm2"))


def test_config_validates_options() -> None:
    from rewardkit.verifier import ConfigError

    cfg = backend_config("vllm", model="smollm2", gpu_memory_utilization=0.5, enforce_eager=True)
    assert cfg.gpu_memory_utilization == 0.5 and cfg.enable_prefix_caching
    with pytest.raises(ConfigError):
        backend_config("vllm", gpu_memory_utilization=1.5)
    with pytest.raises(ConfigError):
        backend_config("vllm", no_such_option=1)


# ------------------------------------------------------------------------------------- real vLLM


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_loglikelihood_matches_transformers(vllm_results, hf, cases) -> None:
    """Same token ids, per-token logprobs within TOKEN_TOL (measured: 3.7e-5 on a 2-core x86 CPU)."""
    requests = [LoglikelihoodRequest(c, x, m) for c, x, m in cases["loglikelihood"]]
    expected = hf.loglikelihood(requests)
    got = vllm_results["loglikelihood"]
    worst_token = worst_mean = 0.0
    for req, want, have in zip(requests, expected, got, strict=True):
        assert have["tokens"] == want.tokens, req
        assert have["truncated"] == want.truncated, req
        worst_token = max(worst_token, max_diff(have["token_logprobs"], want.token_logprobs))
        mean = sum(have["token_logprobs"]) / max(len(have["token_logprobs"]), 1)
        worst_mean = max(worst_mean, abs(mean - (want.mean if want.count else 0.0)))
        assert have["greedy"] == want.greedy, req
    print(f"vLLM vs transformers: max |diff| per token {worst_token:.2e}, of means {worst_mean:.2e}")
    assert worst_token < TOKEN_TOL
    assert worst_mean < MEAN_TOL
    assert got[-1]["truncated"] and len(got[-1]["token_logprobs"]) == 3


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_concurrent_callers_get_their_own_results(vllm_results) -> None:
    base = vllm_results["loglikelihood"]
    n = len(base)
    assert vllm_results["scheduler_stats"]["items"] == 5 * n  # the first call and the 4 concurrent ones
    for k, results in enumerate(vllm_results["concurrent"]):
        for i, have in enumerate(results):
            want = base[(i + k) % n]
            assert have["tokens"] == want["tokens"]
            assert max_diff(have["token_logprobs"], want["token_logprobs"]) < 1e-4


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_greedy_generation_matches_transformers(vllm_results, hf) -> None:
    prompts = [GenerationRequest(p) for p in GEN_TEXT] + [GenerationRequest(CHAT)]
    expected = hf.generate(prompts, GenerationParams(**GEN_PARAMS))
    for want, have in zip(expected, vllm_results["generate"], strict=True):
        assert have["text"] == want.text
        assert have["finish_reason"] == want.finish_reason
    expected = hf.generate(prompts, GenerationParams(**STOP_PARAMS))
    for want, have in zip(expected, vllm_results["generate_stop"], strict=True):
        assert have["text"] == want.text
        assert "\n\n" not in have["text"]
        # vLLM stops at the stop string; transformers generates on and cuts the text: compare the overlap
        n = min(len(have["token_logprobs"]), len(want.token_logprobs))
        assert n > 0 and have["tokens"][:n] == want.tokens[:n]
        assert max_diff(have["token_logprobs"][:n], want.token_logprobs[:n]) < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_top_logprobs_match_transformers(vllm_results, hf) -> None:
    """The 5 best tokens per generated token, as the transformers backend gives them (a near tie at
    rank 5 may differ); from the model's own distribution even when sampling reshapes it."""
    prompts = [GenerationRequest(p) for p in GEN_TEXT] + [GenerationRequest(CHAT)]
    expected = hf.generate(prompts, GenerationParams(**TOP_PARAMS))
    for want, have in zip(expected, vllm_results["generate_top"], strict=True):
        assert have["text"] == want.text and have["tokens"] == want.tokens
        tops = have["top_logprobs"]
        assert tops is not None and len(tops) == len(have["tokens"]) == len(have["token_logprobs"]) > 0
        for token, chosen, mine, theirs in zip(
            have["tokens"], have["token_logprobs"], tops, want.top_logprobs, strict=True
        ):
            assert 1 <= len(mine) <= 5 and max(mine, key=mine.__getitem__) == token
            assert abs(mine[token] - chosen) < 1e-6
            shared = mine.keys() & theirs.keys()
            assert len(shared) >= min(len(mine), len(theirs)) - 1
            assert max(abs(mine[t] - theirs[t]) for t in shared) < TOKEN_TOL
    for greedy, sampled in zip(
        vllm_results["generate_top"], vllm_results["generate_top_sampled"], strict=True
    ):
        assert len(sampled["top_logprobs"]) == len(sampled["tokens"]) == len(sampled["token_logprobs"])
        first, again = greedy["top_logprobs"][0], sampled["top_logprobs"][0]
        assert first.keys() == again.keys() and max(abs(first[t] - again[t]) for t in first) < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_seeded_sampling_repeats(vllm_results) -> None:
    first, second = vllm_results["sampled_twice"]
    assert first == second and all(first)


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_local_tokenizer_helpers(vllm_results, hf) -> None:
    assert vllm_results["render_chat"] == hf.render_chat(CHAT)
    assert vllm_results["count_tokens"] == hf.count_tokens(GEN_TEXT[0])


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_classifier_matches_transformers(vllm_results, classifier_path, cases) -> None:
    cls = get_backend("transformers", model=classifier_path, head="classifier")
    expected = cls.classify([ClassifyRequest(x) for x in cases["classify"]])
    worst = 0.0
    for want, have in zip(expected, vllm_results["classify"], strict=True):
        assert len(have) == 3
        worst = max(worst, max_diff(have, want.logits))
    print(f"vLLM vs transformers classifier logits: max |diff| {worst:.2e}")
    assert worst < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_wrong_head_errors_are_clear(vllm_results) -> None:
    assert "head='classifier'" in vllm_results["classify_on_lm"]
    assert "head='causal_lm'" in vllm_results["score_on_classifier"]


def max_row_diff(got: list[list[float]], want: list[list[float]]) -> float:
    assert len(got) == len(want)
    return max(max_diff(g, w) for g, w in zip(got, want, strict=True))


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_per_position_logits_match_transformers(
    vllm_results, hf, classifier_path, token_classifier_path, cases
) -> None:
    """vLLM's token_classify task at the requested positions equals the transformers backend on the same
    requests: a token-classification model, a sequence classifier's head at each position, and a causal
    LM's label-token logits (vLLM: the LM head's rows as a pooling head; transformers: head='causal_lm')."""
    positioned = [ClassifyRequest(text, tuple(positions)) for text, positions in cases["positioned"]]
    labelled = [ClassifyRequest(r.text, r.positions, LABELS) for r in positioned]
    references = {
        "token_classify": (
            get_backend("transformers", model=token_classifier_path, head="token_classifier"),
            2,
        ),
        "sequence_head_at_positions": (
            get_backend("transformers", model=classifier_path, head="classifier"),
            3,
        ),
        "label_tokens": (hf, len(LABELS)),
    }
    worst = {}
    for name, (backend, width) in references.items():
        expected = backend.classify(labelled if name == "label_tokens" else positioned)
        got = vllm_results[name]
        worst[name] = 0.0
        for request, want, have in zip(positioned, expected, got, strict=True):
            assert len(have) == len(request.positions) and all(len(row) == width for row in have)
            worst[name] = max(worst[name], max_row_diff(have, want.position_logits))
    named = vllm_results["label_tokens_named"]
    assert named == vllm_results["label_tokens"]  # naming the engine's own label tokens changes nothing
    print(f"vLLM vs transformers per-position logits: max |diff| {worst}")
    assert max(worst.values()) < TOKEN_TOL


@pytest.mark.vllm
@pytest.mark.timeout(1800)
def test_per_position_requests_vllm_cannot_serve_say_what_to_use(vllm_results) -> None:
    """A generation engine reads no label-token logits (vLLM 0.32 CPU: prompt_logprob_token_ids needs the
    V2 model runner, which needs Triton), and a classify engine serves no per-token task."""
    assert "prompt_logprob_token_ids" in vllm_results["label_tokens_on_lm"]
    assert "head='token_classifier' and label_tokens=('+',)" in vllm_results["label_tokens_on_lm"]
    assert "one pooling task" in vllm_results["positions_on_classifier"]
    assert "head='token_classifier'" in vllm_results["positions_on_classifier"]
    assert "reads ('+', '-')" in vllm_results["label_tokens_other_labels"]
    assert "give positions" in vllm_results["token_classify_no_positions"]
    assert "this engine reads no label tokens" in vllm_results["token_classify_labels"]


def test_label_tokens_need_a_token_classifier_head() -> None:
    from rewardkit.verifier import ConfigError

    cfg = backend_config("vllm", model="smollm2", head="token_classifier", label_tokens=["+", "-"])
    assert cfg.label_tokens == ("+", "-")
    with pytest.raises(
        ConfigError, match=r"^vllm backend: label_tokens: label_tokens need head='token_classifier'"
    ):
        backend_config("vllm", model="smollm2", label_tokens=["+"])
