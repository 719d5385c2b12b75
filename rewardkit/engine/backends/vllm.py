"""The vLLM backend: offline ``vllm.LLM`` in this process (its engine runs in child processes).

vLLM lives in its own environment (``bash scripts/vllm_env.sh`` builds ``.venv-vllm``): its CPU build
pins torch and transformers, so it does not share the main environment. Two things to know:

- the engine spawns worker processes, so a script that builds this backend needs the usual guard::

      if __name__ == "__main__":
          main()

- starting the engine takes seconds with ``enforce_eager=True`` and minutes without it (torch.compile
  warms up every batch shape): 25-45 s against ~2 min for a 135M model on 2 CPU cores.

Scoring sends token ids, tokenised by :class:`~rewardkit.engine.backends.tokens.PairEncoder` with the
model folder's own tokenizer (the same ids the transformers backend scores), and reads the continuation's
log-probabilities from vLLM's ``prompt_logprobs``. vLLM does its own batching and memory planning, so
the scheduler here only merges concurrent callers into one ``LLM.generate`` call per operation
(``token_budget`` is not used; ``max_length`` becomes vLLM's ``max_model_len``; ``device`` must match
the installed vLLM build, which picks its own device).
Requests that ask for prompt logprobs do not read vLLM's prefix cache (vLLM's rule), so a group's shared
prompt is recomputed per response when scoring; generation does use the prefix cache.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from rewardkit.engine.backends.base import (
    BackendConfig,
    BackendError,
    ClassifyResult,
    GenerationParams,
    GenerationResult,
    LocalBackend,
    LoglikelihoodResult,
)
from rewardkit.engine.backends.tokens import EncodedPair, PairEncoder
from rewardkit.engine.scheduler import Scheduler

INSTALL_HINT = (
    "vLLM is not installed in this environment; install vllm in its own environment: "
    "bash scripts/vllm_env.sh (builds .venv-vllm; see README, 'vLLM and OpenAI-compatible servers')"
)


class VLLMConfig(BackendConfig):
    gpu_memory_utilization: float | None = Field(
        None,
        gt=0,
        le=1,
        description="share of accelerator memory (on CPU: of node memory) vLLM may take for weights and "
        "KV cache (default: 0.9 on GPU, 0.25 on CPU)",
    )
    enable_prefix_caching: bool = Field(True, description="reuse the KV cache of shared prompt prefixes")
    tensor_parallel_size: int = Field(1, ge=1, description="GPUs to shard the model over")
    enforce_eager: bool = Field(
        False,
        description="skip torch.compile / CUDA graphs: starts in seconds instead of minutes, runs slower",
    )
    head: Literal["causal_lm", "classifier"] = Field(
        "causal_lm", description="causal_lm (scoring, generation) | classifier (sequence-classifier RMs)"
    )
    seed: int = Field(0, description="the engine's seed (sampling without a per-request seed)")


class VLLMBackend(LocalBackend):
    kind = "vllm"
    Config = VLLMConfig
    config: VLLMConfig

    def __init__(self, config: VLLMConfig) -> None:
        super().__init__(config)
        try:
            import vllm
            from vllm.platforms import current_platform
        except ImportError as exc:
            raise BackendError(f"{INSTALL_HINT} ({exc})") from exc
        from transformers import AutoTokenizer

        from rewardkit.engine.models import resolve_model

        self._vllm = vllm
        self.path = resolve_model(config.model)
        on_cpu = current_platform.is_cpu()
        if config.device != "auto" and config.device.startswith("cuda") == on_cpu:
            platform = "CPU" if on_cpu else "an accelerator"
            raise BackendError(
                f"device={config.device!r} but this vLLM build runs on {platform}; vLLM picks its device "
                "from the installed build (use CUDA_VISIBLE_DEVICES to choose GPUs)"
            )
        memory = config.gpu_memory_utilization or (0.25 if on_cpu else 0.9)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        except (OSError, ValueError) as exc:
            raise BackendError(
                f"cannot load the tokenizer of {config.model!r} from {self.path}: {exc}"
            ) from exc
        try:
            self.llm = vllm.LLM(
                model=self.path,
                runner="generate" if config.head == "causal_lm" else "pooling",
                dtype=config.dtype,
                max_model_len=config.max_length,
                gpu_memory_utilization=memory,
                enable_prefix_caching=config.enable_prefix_caching,
                tensor_parallel_size=config.tensor_parallel_size,
                enforce_eager=config.enforce_eager,
                seed=config.seed,
            )
        except Exception as exc:  # vLLM raises many types (ValueError, RuntimeError, pydantic errors)
            raise BackendError(f"vLLM cannot load model {config.model!r} from {self.path}: {exc}") from exc
        window = int(self.llm.llm_engine.model_config.max_model_len)
        self.max_length = window
        # a generate-runner prompt must leave room for one sampled token, so scored pairs get window - 1
        self.encoder = PairEncoder(self.tokenizer, window - 1 if config.head == "causal_lm" else window)
        self.scheduler = Scheduler(f"rewardkit-{self.kind}", config.max_wait_ms)

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        try:  # stop the engine's child processes now rather than at interpreter exit
            self.llm.llm_engine.engine_core.shutdown()
        except Exception:  # already gone, or an engine without this method
            pass

    # -- running ------------------------------------------------------------------------------------

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, use_tqdm=False, **kwargs)
        except Exception as exc:
            raise BackendError(f"vLLM {what} failed: {type(exc).__name__}: {exc}") from exc

    def _run_loglikelihood(self, items: list[EncodedPair]) -> list[LoglikelihoodResult]:
        vllm = self._vllm
        prompts = [vllm.TokensPrompt(prompt_token_ids=list(p.context + p.continuation)) for p in items]
        params = vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0, detokenize=False)
        outputs = self._call("scoring", self.llm.generate, prompts, params)
        results = []
        for pair, out in zip(items, outputs, strict=True):
            per_position = out.prompt_logprobs or []
            logps: list[float] = []
            greedy: bool | None = True
            for k, token in enumerate(pair.continuation, start=len(pair.context)):
                entry = per_position[k] if k < len(per_position) else None
                logprob = entry.get(token) if entry else None
                if logprob is None:
                    raise BackendError(
                        f"vLLM returned no prompt logprob for token {token} at position {k}; "
                        "is this a generation model?"
                    )
                logps.append(float(logprob.logprob))
                if logprob.rank is None:
                    greedy = None
                elif greedy is not None:
                    greedy = greedy and logprob.rank == 1
            results.append(
                LoglikelihoodResult(
                    token_logprobs=logps,
                    tokens=[self.tokenizer.decode([t]) for t in pair.continuation],
                    truncated=pair.truncated,
                    greedy=greedy,
                )
            )
        return results

    def _run_generate(self, items: list[tuple[int, ...]], params: GenerationParams) -> list[GenerationResult]:
        vllm = self._vllm
        sampling = vllm.SamplingParams(
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            stop=list(params.stop) or None,
            seed=params.seed,
            logprobs=0 if params.logprobs else None,
        )
        prompts = [vllm.TokensPrompt(prompt_token_ids=list(ids)) for ids in items]
        outputs = self._call("generation", self.llm.generate, prompts, sampling)
        results = []
        for out in outputs:
            completion = out.outputs[0]
            toks = list(completion.token_ids)
            reason = completion.stop_reason  # None: EOS; an int: a stop token id; a str: a stop string
            if completion.finish_reason == "stop" and not isinstance(reason, str) and toks:
                toks = toks[
                    :-1
                ]  # the EOS / stop token is not part of the text (as in the transformers backend)
            lps = None
            if params.logprobs:
                lps = [float(pos[t].logprob) for pos, t in zip(completion.logprobs or [], toks, strict=False)]
            results.append(
                GenerationResult(
                    text=completion.text,
                    finish_reason="length" if completion.finish_reason == "length" else "stop",
                    token_logprobs=lps,
                    tokens=[self.tokenizer.decode([t]) for t in toks] if params.logprobs else None,
                )
            )
        return results

    def _run_classify(self, items: list[tuple[int, ...]]) -> list[ClassifyResult]:
        vllm = self._vllm
        prompts = [vllm.TokensPrompt(prompt_token_ids=list(ids)) for ids in items]
        raw = vllm.PoolingParams(use_activation=False)  # logits, not softmax/sigmoid probabilities
        outputs = self._call("classification", self.llm.classify, prompts, pooling_params=raw)
        return [ClassifyResult([float(x) for x in out.outputs.probs]) for out in outputs]


__all__ = ["INSTALL_HINT", "VLLMBackend", "VLLMConfig"]
