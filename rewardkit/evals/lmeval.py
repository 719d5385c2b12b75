"""rewardkit inside lm-eval (EleutherAI's lm-evaluation-harness, 0.4.x), both ways.

**Scoring**: importing this module registers, in lm-eval's own registries,

- the metric ``rewardkit_math``: the prediction's final answer equals the gold by rewardkit's math
  verifier (symbolic equivalence: ``$1,000`` = 1000, ``18.0`` = 18, ``\\frac{1}{2}`` = 0.5). It returns
  three numbers per sample: ``rewardkit_math`` (1 when verified equal; 0 when different *or not scored*),
  ``rewardkit_math_unparseable`` (1 when no final answer was found) and ``rewardkit_math_error`` (1 on a
  verifier timeout or error), so answers rewardkit could not score stay visible as shares, never a
  silent 0. Metric options (``mode``, ``rel_tol``, ``timeout``...) are the math verifier's config;
- the metric ``rewardkit_score``: any verifier (``verifier: NAME`` + ``config: {...}``) or reward spec
  (``spec: NAME_OR_PATH``) scores the prediction against the gold (no prompt: metrics see only the two);
  ``rewardkit_score`` is the value (0 when not ok) beside ``rewardkit_score_nonok``;
- the filter ``rewardkit_extract``: the final answer as rewardkit extracts it (boxed, ``####``, "the
  answer is", else the last number), ``fallback`` when there is none.

The GSM8K task shipped in :func:`task_dir` (``gsm8k_rewardkit``) imports this module itself (its
``process_docs`` is a ``!function`` here), so ``lm_eval --include_path`` finds the metrics and the filter
with no other step.

**Generation and scoring by rewardkit's engine**: the lm-eval model ``rewardkit``
(:class:`RewardkitLM`) serves ``loglikelihood``, ``loglikelihood_rolling`` and ``generate_until`` with a
rewardkit backend (``model_args``: ``backend=transformers,model=smollm2,threads=1`` and any other
backend option), each lm-eval request list as one batched backend call so rewardkit's scheduler packs it.
lm-eval looks a model up before it loads tasks, so run it as ``python -m rewardkit.evals.lmeval ...``
(lm-eval's own CLI after this import) or pass ``--tasks`` a YAML file path.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from rewardkit.errors import BackendError, ConfigError, InputError, MissingExtraError

try:  # lm-eval fills a registry with its built-ins only when it is empty: load them before adding ours
    import lm_eval.api.metrics  # noqa: F401
    import lm_eval.filters  # noqa: F401
    import lm_eval.models  # noqa: F401
    from lm_eval.api.filter import Filter
    from lm_eval.api.model import LM
    from lm_eval.api.registry import register_aggregation, register_filter, register_metric, register_model
    from lm_eval.models.utils import normalize_gen_kwargs
except ImportError as err:  # pragma: no cover - the test and bench extras install lm-eval
    raise MissingExtraError("the lm-eval bridge (rewardkit.evals.lmeval)", "lmeval", err.name) from None

from rewardkit.engine.backends import (
    Backend,
    GenerationParams,
    GenerationRequest,
    LoglikelihoodRequest,
    get_backend,
)
from rewardkit.types import Sample, Score, Status
from rewardkit.verifiers.math import MathVerifier, extract_answer

GSM8K_TASK = "gsm8k_rewardkit"
#: lm-eval generation keys RewardkitLM reads; any other key is refused (never silently ignored)
GEN_KEYS = ("until", "max_gen_toks", "do_sample", "temperature", "top_p", "seed")


# ------------------------------------------------------------------------------------------- tasks


def task_dir() -> Path:
    """The folder of the task YAMLs shipped with rewardkit: give it to ``--include_path`` or
    ``TaskManager(include_path=...)``."""
    return Path(__file__).resolve().parent / "lm_eval_tasks"


def gsm8k_task(data: str | Path, *, task: str = GSM8K_TASK) -> dict[str, Any]:
    """The shipped GSM8K task as an lm-eval config dict reading ``data`` (a JSONL file with
    ``question`` and ``answer``); pass it in ``tasks=[...]`` to ``lm_eval.simple_evaluate``."""
    from lm_eval.tasks._yaml_loader import load_yaml  # lm-eval's loader for !function tags (lm-eval pinned)

    path = Path(data).expanduser().resolve()
    if not path.is_file():
        raise InputError(f"GSM8K data {str(data)!r}: no such file (a JSONL file with question and answer)")
    config = load_yaml(task_dir() / f"{GSM8K_TASK}.yaml")
    config["task"] = task
    config["dataset_kwargs"] = {"data_files": {"test": str(path)}}
    return config


def gsm8k_docs(dataset: Any) -> Any:
    """``process_docs`` of the GSM8K task: checks every row has ``question`` and ``answer`` (the worked
    solution ending in ``#### <number>``) and adds ``target``, the number after ``####``."""
    problems = []
    for i, row in enumerate(dataset):
        for key in ("question", "answer"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                problems.append(f"row {i + 1}: field {key!r} is missing or not text")
        if isinstance(row.get("answer"), str) and "####" not in row["answer"]:
            problems.append(f"row {i + 1}: field 'answer' has no '#### <number>' final line")
        if len(problems) >= 10:
            break
    if problems:
        raise InputError(
            "GSM8K task data: " + "; ".join(problems) + " (expected GSM8K test.jsonl rows: question, answer)"
        )
    return dataset.map(lambda row: {"target": row["answer"].split("####")[-1].strip()})


# ----------------------------------------------------------------------------------------- metrics


def _one(values: Sequence[Any], what: str) -> Any:
    """lm-eval passes one reference and one prediction per call, each in a list."""
    if len(values) != 1:
        raise InputError(f"rewardkit metrics score one {what} per call, got {len(values)}")
    return values[0]


@lru_cache(maxsize=64)
def _math_verifier(config_json: str) -> MathVerifier:
    return MathVerifier(**json.loads(config_json))


@lru_cache(maxsize=8192)
def _math_score(config_json: str, gold: str, prediction: str) -> Score:
    return _math_verifier(config_json).score(Sample(prompt="", response=prediction, reference=gold))


def math_score(gold: Any, prediction: Any, **config: Any) -> Score:
    """rewardkit's math verdict on one prediction (a full response or an extracted answer) against
    ``gold`` (a number, or a worked solution whose final answer is read like a response's)."""
    key = json.dumps(config, sort_keys=True)
    return _math_score(key, str(gold), prediction if isinstance(prediction, str) else "")


def _shares(name: str, score: Score) -> dict[str, float]:
    status = score.status
    return {
        name: float(score.value) if score.ok and score.value is not None else 0.0,
        f"{name}_unparseable": float(status is Status.UNPARSEABLE),
        f"{name}_error": float(status in (Status.TIMEOUT, Status.ERROR)),
    }


@register_metric(metric="rewardkit_math", higher_is_better=True, aggregation="mean")
def rewardkit_math(references: Sequence[Any], predictions: Sequence[Any], **config: Any) -> dict[str, float]:
    """lm-eval metric: 1.0 when the prediction's answer equals the gold by rewardkit's math verifier.
    Also returns ``rewardkit_math_unparseable`` and ``rewardkit_math_error`` (1.0 for that status), so a
    sample that was not scored counts 0 in ``rewardkit_math`` and shows in one of the two shares."""
    score = math_score(_one(references, "reference"), _one(predictions, "prediction"), **config)
    return _shares("rewardkit_math", score)


@register_metric(metric="rewardkit_math_unparseable", higher_is_better=False, aggregation="mean")
def rewardkit_math_unparseable(references: Sequence[Any], predictions: Sequence[Any], **config: Any) -> float:
    """lm-eval metric: 1.0 when rewardkit found no final answer in the prediction (list it beside
    ``rewardkit_math`` to give it ``higher_is_better: false``)."""
    score = math_score(_one(references, "reference"), _one(predictions, "prediction"), **config)
    return _shares("rewardkit_math", score)["rewardkit_math_unparseable"]


@register_metric(metric="rewardkit_math_error", higher_is_better=False, aggregation="mean")
def rewardkit_math_error(references: Sequence[Any], predictions: Sequence[Any], **config: Any) -> float:
    """lm-eval metric: 1.0 when rewardkit's math verifier timed out or failed on the prediction."""
    score = math_score(_one(references, "reference"), _one(predictions, "prediction"), **config)
    return _shares("rewardkit_math", score)["rewardkit_math_error"]


@lru_cache(maxsize=32)
def _scorer(verifier: str | None, spec: str | None, config_json: str) -> Any:
    from rewardkit.spec import load_spec
    from rewardkit.verifier import create_verifier

    if (verifier is None) == (spec is None):
        raise ConfigError(
            "rewardkit_score: give exactly one of `verifier: NAME` (with `config: {...}`) or `spec: NAME_OR_PATH` "
            "in the task's metric_list entry"
        )
    config = json.loads(config_json)
    if spec is not None:
        if config:
            raise ConfigError("rewardkit_score: `config` goes with `verifier`; a spec carries its own config")
        return load_spec(spec)
    return create_verifier(verifier, **config)


def _whole(backend: Any, results: list[Any], requests: Sequence[LoglikelihoodRequest]) -> list[Any]:
    """The results, unless a continuation itself was cut to fit the model's window (its sum would cover
    part of it only: a wrong number, so an error that says so). A context cut from the left to fit is
    what lm-eval's own models do, and is kept."""
    cut = []
    for i, (result, request) in enumerate(zip(results, requests, strict=True)):
        if result.truncated:
            try:
                if result.count < backend.count_tokens(request.continuation):
                    cut.append(i)
            except BackendError:  # no local tokenizer: the backend's word is all there is
                cut.append(i)
    if cut:
        raise BackendError(
            f"{len(cut)} of {len(requests)} loglikelihood continuations do not fit the model's window (the "
            f"first: #{cut[0]}); their sums would cover part of the text only. Use a model with a longer "
            "context or shorter requests"
        )
    return results


@register_aggregation("rewardkit_ok_mean")
def ok_mean(items: Sequence[float]) -> float:
    """The mean of the values that are numbers (a non-ok score is NaN: left out, not a middle value)."""
    values = [float(x) for x in items if x == x]
    return math.fsum(values) / len(values) if values else float("nan")


@register_metric(metric="rewardkit_score", higher_is_better=True, aggregation="rewardkit_ok_mean")
def rewardkit_score(
    references: Sequence[Any],
    predictions: Sequence[Any],
    verifier: str | None = None,
    spec: str | None = None,
    config: dict[str, Any] | None = None,
) -> dict[str, float]:
    """lm-eval metric: any rewardkit verifier or reward spec scores the prediction (the sample's
    response) against the gold (its reference; the prompt is empty: lm-eval metrics see no prompt).
    Returns ``rewardkit_score`` (the value; NaN when not ok, which the ``rewardkit_ok_mean`` aggregation
    leaves out: a reward may be negative, so 0 would be a middle value, not a floor) and
    ``rewardkit_score_nonok`` (1.0 when the status is unparseable, timeout or error)."""
    scorer = _scorer(verifier, spec, json.dumps(config or {}, sort_keys=True))
    prediction = _one(predictions, "prediction")
    sample = Sample(
        prompt="",
        response=prediction if isinstance(prediction, str) else "",
        reference=_one(references, "ref"),
    )
    score = scorer.score(sample)
    ok = score.ok and score.value is not None and math.isfinite(score.value)
    return {
        "rewardkit_score": float(score.value) if ok else float("nan"),
        "rewardkit_score_nonok": float(not ok),
    }


# ------------------------------------------------------------------------------------------ filters


@register_filter("rewardkit_extract")
class RewardkitExtract(Filter):
    """lm-eval filter: each response becomes its final answer as rewardkit's math extraction reads it
    (``mode``: flexible or strict, see :func:`rewardkit.verifiers.math.extract_answer`), or ``fallback``."""

    def __init__(self, mode: str = "flexible", fallback: str = "[invalid]") -> None:
        if mode not in ("flexible", "strict"):
            raise ConfigError(f"rewardkit_extract: mode must be 'flexible' or 'strict', got {mode!r}")
        self.mode, self.fallback = mode, fallback

    def apply(self, resps: Any, docs: Any) -> list[list[str]]:
        out = []
        for group in resps:
            answers = []
            for resp in group:
                found = extract_answer(resp, self.mode) if isinstance(resp, str) else None  # type: ignore[arg-type]
                answers.append(found.text if found is not None else self.fallback)
            out.append(answers)
        return out


# ------------------------------------------------------------------------------------------- model


@register_model("rewardkit")
class RewardkitLM(LM):
    """An lm-eval model served by a rewardkit backend.

    ``model_args``: ``backend`` (a rewardkit backend kind, default ``transformers``) and that backend's
    options (``model``, ``dtype``, ``device``, ``threads``, ``token_budget``, ``max_length``...). lm-eval's
    ``batch_size`` / ``max_batch_size`` are not used: rewardkit's scheduler packs each request list by
    ``token_budget`` (tokens per micro-batch). ``device`` is passed on when given.
    """

    def __init__(
        self,
        backend: str = "transformers",
        batch_size: Any = None,
        max_batch_size: Any = None,
        device: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        if device is not None:
            options.setdefault("device", device)
        self.backend_kind = backend
        self.backend: Backend = get_backend(backend, **options)

    # -- identity and chat templates ---------------------------------------------------------------

    @property
    def tokenizer(self) -> Any:
        """The backend's tokenizer (None for a remote backend)."""
        return getattr(self.backend, "tokenizer", None)

    @property
    def max_length(self) -> int | None:
        return getattr(self.backend, "max_length", None)

    @property
    def tokenizer_name(self) -> str:
        return str(getattr(self.backend.config, "model", self.backend_kind)).replace("/", "__")

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        if not chat_template:
            return None
        return getattr(self.tokenizer, "chat_template", None) or ""

    def apply_chat_template(
        self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True
    ) -> str:
        """The model's chat template over lm-eval's messages; without a generation prompt the last
        (assistant) message is continued, as lm-eval's HF model does."""
        tokenizer = self.tokenizer
        if tokenizer is None or add_generation_prompt:
            return self.backend.render_chat(chat_history, add_generation_prompt=add_generation_prompt)
        return tokenizer.apply_chat_template(
            chat_history, tokenize=False, add_generation_prompt=False, continue_final_message=True
        )

    def get_model_info(self) -> dict[str, Any]:
        return {"rewardkit_backend": self.backend_kind, **self.backend.config.model_dump(mode="json")}

    # -- requests ------------------------------------------------------------------------------------

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        """(sum of the continuation's token logprobs, whether every token was the argmax), all requests in
        one backend call. Trailing spaces of a context move to the continuation, as lm-eval does."""
        pairs = []
        for req in requests:
            context, continuation = req.args
            n = len(context) - len(context.rstrip())
            if n:
                context, continuation = context[:-n], context[-n:] + continuation
            pairs.append(LoglikelihoodRequest(context=context, continuation=continuation))
        results = _whole(self.backend, self.backend.loglikelihood(pairs), pairs)
        out = []
        for req, result in zip(requests, results, strict=True):
            answer = (result.sum, bool(result.greedy))
            self.cache_hook.add_partial("loglikelihood", req.args, answer)
            out.append(answer)
        return out

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
        """Whole-text loglikelihood (each text conditioned on BOS, or EOS when the model has none). A text
        longer than the window is scored in disjoint windows of ``max_length - 1`` tokens, each window
        conditioned on the tokens before it that fit (here: one), as lm-eval's HF model does; every token is
        scored exactly once. All windows of all texts go in one backend call."""
        windows: list[LoglikelihoodRequest] = []
        owner: list[int] = []
        for i, req in enumerate(requests):
            (text,) = req.args
            for start, end in self.rolling_windows(text):
                windows.append(LoglikelihoodRequest(context=text[:start], continuation=text[start:end]))
                owner.append(i)
        results = _whole(self.backend, self.backend.loglikelihood(windows), windows) if windows else []
        totals = [0.0] * len(requests)
        for i, result in zip(owner, results, strict=True):
            totals[i] += result.sum
        for req, total in zip(requests, totals, strict=True):
            self.cache_hook.add_partial("loglikelihood_rolling", req.args, total)
        return totals

    def rolling_windows(self, text: str) -> list[tuple[int, int]]:
        """Character spans of consecutive windows of at most ``max_length - 1`` tokens covering ``text``."""
        if not text:
            return []
        size = (self.max_length or 0) - 1
        tokenizer = self.tokenizer
        if tokenizer is None or size < 1:  # a remote backend: one request, the server's own window
            return [(0, len(text))]
        offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        if len(offsets) <= size:
            return [(0, len(text))]
        cuts = [offsets[k][0] for k in range(size, len(offsets), size)]
        bounds = [0, *cuts, len(text)]
        return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
        """Greedy or sampled text until a stop string or ``max_gen_toks``: requests with the same
        generation kwargs go in one backend call (rewardkit's scheduler batches them). ``until`` ->
        ``stop``, ``max_gen_toks`` -> ``max_tokens``, ``do_sample=False`` -> temperature 0; generation also
        ends at the model's EOS."""
        groups: dict[str, list[int]] = {}
        for i, req in enumerate(requests):
            groups.setdefault(json.dumps(req.args[1], sort_keys=True, default=str), []).append(i)
        out: list[str] = [""] * len(requests)
        for members in groups.values():
            params = generation_params(requests[members[0]].args[1])
            prompts = [GenerationRequest(requests[i].args[0]) for i in members]
            for i, result in zip(members, self.backend.generate(prompts, params), strict=True):
                out[i] = result.text
                self.cache_hook.add_partial("generate_until", requests[i].args, result.text)
        return out


def generation_params(gen_kwargs: dict[str, Any], default_max_tokens: int = 256) -> GenerationParams:
    """lm-eval generation kwargs as rewardkit :class:`GenerationParams`; keys rewardkit cannot honour
    are a ConfigError (never silently dropped)."""
    unknown = sorted(
        set(gen_kwargs) - set(GEN_KEYS) - {"max_new_tokens", "max_tokens", "max_completion_tokens"}
    )
    if unknown:
        raise ConfigError(
            f"the rewardkit lm-eval model cannot honour generation_kwargs {', '.join(map(repr, unknown))}; "
            f"supported: {', '.join(GEN_KEYS)}"
        )
    kwargs = normalize_gen_kwargs(dict(gen_kwargs), default_max_tokens)
    until = kwargs.get("until") or []
    stop = tuple(s for s in ([until] if isinstance(until, str) else until) if s)
    sample = bool(kwargs.get("do_sample"))
    return GenerationParams(
        max_tokens=int(kwargs["max_gen_toks"]),
        temperature=float(kwargs.get("temperature") or 0.0) if sample else 0.0,
        top_p=float(kwargs.get("top_p", 1.0)) if sample else 1.0,
        stop=stop,
        seed=kwargs.get("seed"),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m rewardkit.evals.lmeval ARGS``: lm-eval's own command line with rewardkit's model,
    metrics and filter registered and ``--include_path`` defaulting to :func:`task_dir`."""
    from lm_eval.__main__ import cli_evaluate

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not {"--include_path", "-h", "--help"} & set(args):
        args += ["--include_path", str(task_dir())]
    sys.argv = [sys.argv[0], *args]
    cli_evaluate()


if __name__ == "__main__":
    main()


__all__ = [
    "GEN_KEYS",
    "GSM8K_TASK",
    "RewardkitExtract",
    "RewardkitLM",
    "generation_params",
    "gsm8k_docs",
    "gsm8k_task",
    "main",
    "math_score",
    "rewardkit_math",
    "rewardkit_math_error",
    "rewardkit_math_unparseable",
    "rewardkit_score",
    "task_dir",
]
