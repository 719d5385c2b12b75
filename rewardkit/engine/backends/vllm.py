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

Classification runs vLLM's pooling runner, and a vLLM engine serves ONE pooling task:

- ``head="classifier"``: the ``classify`` task, one row per text (sequence-classifier reward models);
- ``head="token_classifier"``: the ``token_classify`` task, the checkpoint's classifier on every token,
  read at the requested positions (``*ForTokenClassification`` checkpoints, or a sequence classifier's
  head at each position). With ``label_tokens`` in the options, a causal LM is loaded as such a model
  whose head is its LM head's rows for those tokens (vLLM's ``classifier_from_token`` conversion): the
  label-token logits at each position, as the transformers backend's ``head="causal_lm"`` gives them.

A generation engine (``head="causal_lm"``) cannot read label-token logits: vLLM 0.32 reads chosen
vocabulary ids at prompt positions only through ``SamplingParams.prompt_logprob_token_ids``, which needs
the V2 model runner (Triton: not in the CPU build) and returns log-probabilities, not logits.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from rewardkit.engine.backends.base import (
    BackendConfig,
    BackendError,
    ClassifyRequest,
    ClassifyResult,
    GenerationParams,
    GenerationResult,
    LocalBackend,
    LoglikelihoodResult,
    merge_top_logprobs,
)
from rewardkit.engine.backends.tokens import ClassifyItem, EncodedPair, Head, PairEncoder
from rewardkit.engine.scheduler import Scheduler

INSTALL_HINT = (
    "vLLM is not installed in this environment; install vllm in its own environment: "
    "bash scripts/vllm_env.sh (builds .venv-vllm; see docs/engine.md#vllm-and-openai-compatible-servers)"
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
    head: Head = Field(
        "causal_lm",
        description="causal_lm (scoring, generation) | classifier (vLLM's classify task: sequence "
        "reward models) | token_classifier (its token_classify task: logits at chosen positions)",
    )
    label_tokens: tuple[str, ...] = Field(
        (),
        description="with head=token_classifier: load a causal LM whose head is its LM head's rows for "
        "these tokens (each one token), e.g. ['+', '-'] for a PRM that answers with a token",
    )
    seed: int = Field(0, description="the engine's seed (sampling without a per-request seed)")

    @field_validator("label_tokens")
    @classmethod
    def _label_tokens_need_a_token_head(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        head = info.data.get("head")
        if value and head != "token_classifier":
            raise ValueError(f"label_tokens need head='token_classifier' (a pooling engine), not {head!r}")
        return value


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
        self.label_ids = PairEncoder(self.tokenizer, 1).label_ids(config.label_tokens)
        pooling = self._pooling_options()
        try:
            self.llm = vllm.LLM(
                model=self.path,
                runner="generate" if config.head == "causal_lm" else "pooling",
                **pooling,
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
        model_config = self.llm.llm_engine.model_config
        window = int(model_config.max_model_len)
        self.softcap = getattr(model_config.hf_text_config, "final_logit_softcapping", None)
        self.max_length = window
        # a generate-runner prompt must leave room for one sampled token, so scored pairs get window - 1
        self.encoder = PairEncoder(self.tokenizer, window - 1 if config.head == "causal_lm" else window)
        self.scheduler = Scheduler(f"rewardkit-{self.kind}", config.max_wait_ms)

    def _pooling_options(self) -> dict[str, Any]:
        """The engine options for a token head: vLLM's token_classify task, and for label tokens the
        LM head's rows for them as the classifier (its ``classifier_from_token`` conversion)."""
        if self.config.head != "token_classifier":
            return {}
        from transformers import AutoConfig
        from vllm.config import PoolerConfig

        # every token's row: Qwen2ForProcessRewardModel defaults to STEP pooling with Qwen's own <extra_0> id
        # (151651) built in, which returns only that token's rows; positions are read here instead
        options: dict[str, Any] = {
            "pooler_config": PoolerConfig(task="token_classify", tok_pooling_type="ALL")
        }
        if self.label_ids:
            arch = (AutoConfig.from_pretrained(self.path).architectures or [""])[0]
            if not arch.endswith("ForCausalLM"):
                raise BackendError(
                    f"label_tokens need a causal LM checkpoint (*ForCausalLM); {self.config.model!r} is {arch!r}"
                )
            options["convert"] = "classify"
            options["hf_overrides"] = {
                "architectures": [arch.removesuffix("ForCausalLM") + "ForSequenceClassification"],
                "classifier_from_token": self.tokenizer.convert_ids_to_tokens(list(self.label_ids)),
                "method": "no_post_processing",  # the rows as they are: logits, no softmax difference
            }
        return options

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
            # the chosen token's logprob (0), or the k best besides it; vLLM's default logprobs_mode
            # ("raw_logprobs") reads them before temperature / top_p
            logprobs=params.top_logprobs if params.logprobs else None,
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
            lps = tops = None
            if params.logprobs:
                positions = list(zip(completion.logprobs or [], toks, strict=False))
                lps = [float(pos[t].logprob) for pos, t in positions]
                if params.top_logprobs:
                    tops = [self._top_dict(pos, params.top_logprobs) for pos, _ in positions]
            results.append(
                GenerationResult(
                    text=completion.text,
                    finish_reason="length" if completion.finish_reason == "length" else "stop",
                    token_logprobs=lps,
                    tokens=[self.tokenizer.decode([t]) for t in toks] if params.logprobs else None,
                    top_logprobs=tops,
                )
            )
        return results

    def _top_dict(self, position: dict[int, Any], k: int) -> dict[str, float]:
        """vLLM's {token id: Logprob} at one step -> {text: logprob} of its k best (vLLM adds the sampled
        token even when it ranks below k: left out). Ids are decoded alone with the model's tokenizer, as
        ``tokens`` are and as the transformers backend does (vLLM's ``decoded_token`` may differ: it
        repairs partial characters from the context); the same text twice is merged (logsumexp)."""
        best = [(t, lp) for t, lp in position.items() if lp.rank is None or lp.rank <= k]
        best = sorted(best, key=lambda item: -item[1].logprob)[:k]
        texts = self.tokenizer.batch_decode([[t] for t, _ in best])
        return merge_top_logprobs(zip(texts, (lp.logprob for _, lp in best), strict=True))

    def _classify_request(self, r: ClassifyRequest, i: int) -> ClassifyRequest:
        head = self.config.head
        where = f"classify request {i}: "
        if r.positions and head == "causal_lm":
            raise BackendError(
                f"{where}the vLLM backend reads no label-token logits on a generation engine (vLLM 0.32 "
                "reads chosen ids at prompt positions only through prompt_logprob_token_ids: V2 model "
                "runner only, which needs Triton, absent from the CPU build; and those are "
                "log-probabilities); load the model with head='token_classifier' and label_tokens="
                f"{tuple(r.label_tokens)!r} in the backend options, or use the transformers backend"
            )
        if r.positions and head == "classifier":
            raise BackendError(
                f"{where}a vLLM engine serves one pooling task, and this classifier engine runs "
                "'classify' (one row per text); for the head's logits at positions load the model "
                "with head='token_classifier' (vLLM runs the classifier on every token)"
            )
        if r.label_tokens and head == "token_classifier":
            if tuple(r.label_tokens) != self.config.label_tokens:
                fixed = f"reads {self.config.label_tokens!r}" if self.label_ids else "reads no label tokens"
                raise BackendError(
                    f"{where}asks for label_tokens {tuple(r.label_tokens)!r}, but this engine {fixed} "
                    "(fixed when it starts): load a backend with label_tokens="
                    f"{tuple(r.label_tokens)!r} in its options"
                )
            return ClassifyRequest(r.text, r.positions)  # the engine's head already is those tokens
        return r

    def _run_classify(self, items: list[ClassifyItem]) -> list[ClassifyResult]:
        vllm = self._vllm
        prompts = [vllm.TokensPrompt(prompt_token_ids=list(item.ids)) for item in items]
        raw = vllm.PoolingParams(use_activation=False)  # logits, not softmax/sigmoid probabilities
        if self.config.head == "classifier":
            outputs = self._call("classification", self.llm.classify, prompts, pooling_params=raw)
            return [ClassifyResult([float(x) for x in out.outputs.probs]) for out in outputs]
        outputs = self._call(
            "token classification",
            self.llm.encode,
            prompts,
            pooling_params=raw,
            pooling_task="token_classify",
        )
        results = []
        for item, out in zip(items, outputs, strict=True):
            rows = out.outputs.data[list(item.rows)].float()
            if self.label_ids and self.softcap:  # the LM's final logit soft-capping, as its own head does
                rows = (rows / self.softcap).tanh() * self.softcap
            results.append(ClassifyResult([], rows.tolist()))
        return results


__all__ = ["INSTALL_HINT", "VLLMBackend", "VLLMConfig"]
