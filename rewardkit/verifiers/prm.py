"""Process reward models: a score for every reasoning step, from four kinds of model.

The response is split into steps (:mod:`rewardkit.prm.steps`: blank-line paragraphs by default, lines,
``Step k:`` markers, a regex, or ``Sample.steps`` as given), each step gets a value in [0, 1] (higher:
more likely right), and the Score carries them as :class:`~rewardkit.types.StepScore` (with each step's
character span) plus one value made by ``aggregation``. ``kind`` picks the model:

- ``head`` — a classification-head PRM (Qwen2.5-Math-PRM style): the steps joined by ``separator`` (a
  special token, ``<extra_0>``), one forward pass, the positive class's probability at each separator.
  The positions come from where the separators are in the text, never from which probabilities are
  non-zero.
- ``label_token`` — a language model asked for a good or bad label after each step: P(good) / (P(good)
  + P(bad)) from its own head. ``convention: turns`` (RLHFlow): each step a user turn answered by the
  good token; ``convention: tag`` (Math-Shepherd): one text with a step tag (``ки``) after each step.
- ``critic`` — an LLM reads the steps in ``<paragraph_i>`` tags (ProcessBench's layout) and names the
  earliest wrong one in ``\\boxed{}`` (-1: none); a non-integer answer is unparseable after the judge
  retries; ``votes`` > 1 samples several critiques and takes the most common index (a tie goes to the
  earliest error named: a critic split between "step 2" and "none" flags step 2). Steps before the
  index score 1.0, the rest 0.0.
- ``likelihood`` — each step's mean token log-probability under the verifier model (cross-model entropy
  per step), as exp(mean logprob), the step's geometric-mean token probability (``transform: none``
  keeps the raw mean logprob).

``head`` and ``label_token`` need no generation: one forward pass per response, batched by the backend's
scheduler; ``likelihood`` is one scoring pass per response. See :data:`PRM_RULE` for the Score.

>>> from rewardkit.verifiers.prm import PRMVerifier
>>> prm = PRMVerifier(kind="label_token")  # SmolLM2 on transformers; the model loads on first use
>>> prm.config.aggregation, prm.config.threshold, prm.config.convention
('min', 0.5, 'turns')
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from rewardkit.engine.backends import (
    Backend,
    ClassifyRequest,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    backend_class,
    get_backend,
)
from rewardkit.judges.engine import JudgeAnswer, JudgeCall, JudgeEngine, JudgeOptions
from rewardkit.judges.parse import parse_index
from rewardkit.judges.templates import as_text, load_template
from rewardkit.prm.steps import Step, Steps, StepSplit, sample_steps
from rewardkit.types import Message, Sample, Score, Status, StepScore
from rewardkit.verifier import Verifier, VerifierConfig, register
from rewardkit.verifiers.model import PromptMode, check_backend_options, render_context

PRM_RULE = """\
What a process reward's Score holds:
- steps: one StepScore per step, in order, with the step's character span in the response and a value in
  [0, 1] (the likelihood kind with transform: none gives mean log-probabilities instead);
- value: the steps aggregated by `aggregation` (min, product, last, mean, max, sum, or first_error:
  1.0 when no step is below `threshold`, else 0.0);
- details["first_error"]: the index of the first step below `threshold`, -1 when there is none (the
  ProcessBench prediction); details["threshold"], details["kind"], details["model"], details["split"];
- no steps (an empty response) is unparseable; a critic whose answer is not an index after its retries
  is unparseable with every attempt kept; a model or backend failure is an error for the batch. A step
  never silently gets a value.
"""

Kind = Literal["head", "label_token", "critic", "likelihood"]
PRMAggregation = Literal["min", "product", "last", "mean", "max", "sum", "first_error"]

QWEN_PRM_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."

#: The options each kind reads (beyond model, backend, backend_options, split, aggregation, threshold).
KIND_OPTIONS: dict[str, tuple[str, ...]] = {
    "head": ("separator", "system_prompt", "positive_label", "prompt"),
    "label_token": ("convention", "good_token", "bad_token", "tag", "prompt"),
    "critic": (
        "template",
        "votes",
        "max_tokens",
        "temperature",
        "top_p",
        "seed",
        "retries",
        "retry_temperature",
        "cache",
        "logprobs",
        "top_logprobs",
    ),
    "likelihood": ("transform", "prompt"),
}


class PRMConfig(JudgeOptions, VerifierConfig):
    """Which PRM kind and model, how steps are split, and how step values become one value."""

    kind: Kind = Field(description="head | label_token | critic | likelihood (see the module docstring)")
    model: str = Field(
        "smollm2", description="the PRM, critic or scoring model: alias, folder, hub id or served name"
    )
    max_tokens: int = Field(512, ge=1, description="critic: new tokens per critique")
    temperature: float = Field(
        0.0, ge=0, description="critic: sampling temperature (0: greedy; votes need > 0)"
    )
    retries: int = Field(
        2, ge=0, le=10, description="critic: extra draws for a critique with no readable index"
    )
    cache: bool | str = Field(True, description="critic: the judge cache (true, false, or a SQLite path)")
    split: StepSplit = Field(
        default_factory=StepSplit,
        description="how the response becomes steps: auto | paragraph | lines | markers | regex | given",
    )
    aggregation: PRMAggregation = Field("min", description="step values -> one value")
    threshold: float = Field(0.5, description="a step whose value is below this is wrong (first_error)")
    calibration: dict[str, Any] | None = Field(
        None, description="where the threshold came from (written by `rewardkit prm calibrate`)"
    )
    prompt: PromptMode | None = Field(
        None,
        description="how the prompt is shown: chat | raw | none (default: chat; raw for convention: tag)",
    )
    # head
    separator: str = Field("<extra_0>", min_length=1, description="head: the token after each step")
    system_prompt: str | None = Field(
        QWEN_PRM_SYSTEM, description="head: the system message (Qwen2.5-Math-PRM's); null: none"
    )
    positive_label: int = Field(1, ge=0, description="head: the class whose probability is the step value")
    # label_token
    convention: Literal["turns", "tag"] = Field(
        "turns", description="label_token: turns (RLHFlow: steps as user turns) | tag (Math-Shepherd)"
    )
    good_token: str = Field("+", min_length=1, description="label_token: the label of a right step")
    bad_token: str = Field("-", min_length=1, description="label_token: the label of a wrong step")
    tag: str = Field(" ки", min_length=1, description="label_token, convention tag: the text after each step")
    # critic
    template: str = Field("processbench_critic", description="critic: judge template (output: index)")
    votes: int = Field(1, ge=1, le=64, description="critic: critiques sampled per response (majority vote)")
    logprobs: bool = Field(False, description="critic: ask the backend for logprobs (not used)")
    # likelihood
    transform: Literal["exp", "none"] = Field(
        "exp", description="likelihood: exp (geometric-mean token probability) | none (mean logprob)"
    )

    @field_validator("split", mode="before")
    @classmethod
    def _split_by_name(cls, value: Any) -> Any:
        return {"how": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _options_of_the_kind(self) -> PRMConfig:
        mine = set(KIND_OPTIONS[self.kind])
        for other, names in KIND_OPTIONS.items():
            stray = sorted(n for n in self.model_fields_set if n in names and n not in mine)
            if stray:
                raise ValueError(
                    f"{', '.join(stray)}: option(s) of kind {other!r}, not of kind {self.kind!r} (the options "
                    f"of {self.kind!r}: {', '.join(KIND_OPTIONS[self.kind])})"
                )
        if self.kind == "critic" and self.votes > 1 and self.temperature == 0:
            raise ValueError("votes > 1 need temperature > 0: greedy critiques would all be the same")
        if self.kind == "likelihood" and self.transform == "none":
            if self.aggregation == "product":
                raise ValueError(
                    "transform: none gives log-probabilities; their product means nothing (use sum)"
                )
            if "threshold" not in self.model_fields_set:
                raise ValueError(
                    "transform: none gives log-probabilities (below 0): set a threshold on that scale (e.g. "
                    "threshold: -2.0, or calibrate one), the default 0.5 would call every step wrong"
                )
        if self.kind == "label_token" and self.good_token == self.bad_token:
            raise ValueError("good_token and bad_token must differ")
        return self


@register
class PRMVerifier(Verifier):
    """A process reward model; see the module docstring and :data:`PRM_RULE`."""

    name = "prm"
    Config = PRMConfig
    config: PRMConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        c = self.config
        self.engine: JudgeEngine | None = None
        if c.kind == "critic":
            self.template = load_template(c.template)
            self.template.require(self.name, "index")
            self.engine = JudgeEngine(c, self.template.text_hash, self.name)
        else:
            check_backend_options(self.name, c.model, c.backend, self.backend_options())

    # -- backend --------------------------------------------------------------------------------------

    def backend_options(self) -> dict[str, Any]:
        """The config's backend options over the kind's defaults: a token-classification head for
        ``head``; for ``label_token`` on a backend that loads label tokens as a head (vLLM), those."""
        fields = backend_class(self.config.backend).Config.model_fields
        defaults: dict[str, Any] = {}
        if self.config.kind == "head" and "head" in fields:
            defaults["head"] = "token_classifier"
        if self.config.kind == "label_token" and "label_tokens" in fields:
            defaults.update(
                head="token_classifier", label_tokens=(self.config.good_token, self.config.bad_token)
            )
        return {**defaults, **self.config.backend_options}

    def backend(self) -> Backend:
        if self.engine is not None:
            return self.engine.backend
        return get_backend(self.config.backend, model=self.config.model, **self.backend_options())

    # -- scoring --------------------------------------------------------------------------------------

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        scores: list[Score | None] = [None] * len(samples)
        jobs: list[tuple[int, Steps]] = []
        for i, sample in enumerate(samples):
            try:
                steps = sample_steps(sample, self.config.split)
            except Exception as exc:  # a step layout this split cannot read
                scores[i] = Score.error(f"cannot split the response into steps: {type(exc).__name__}: {exc}")
                continue
            if not steps:
                scores[i] = Score.unparseable("no steps: the response is empty", kind=self.config.kind)
                continue
            jobs.append((i, steps))
        if jobs:
            run = getattr(self, f"_{self.config.kind}")
            try:
                outcomes = run([samples[i] for i, _ in jobs], [steps for _, steps in jobs])
            except Exception as exc:  # the model cannot load or the backend failed: the batch says why
                outcomes = [Score.from_exception(exc) for _ in jobs]
            for (i, steps), outcome in zip(jobs, outcomes, strict=True):
                try:
                    scores[i] = self._finish(steps, outcome)
                except Exception as exc:  # one sample's bad numbers are that sample's error
                    scores[i] = Score.from_exception(exc)
        return scores  # type: ignore[return-value]

    def _finish(self, steps: Steps, outcome: Score | tuple[list[float], list[dict], dict]) -> Score:
        c = self.config
        common = {"kind": c.kind, "model": c.model, "threshold": c.threshold, "split": steps.how}
        if steps.fallback:
            common["split_fallback"] = steps.fallback
        unlocated = [j for j, s in enumerate(steps) if s.span is None]
        if unlocated:  # given steps not found in the response: they have no span
            common["unlocated_steps"] = unlocated
        if isinstance(outcome, Score):
            outcome.details = {**common, "num_steps": len(steps), **outcome.details}
            return outcome
        values, step_details, details = outcome
        if len(values) != len(steps):
            return Score.error(f"the model gave {len(values)} step values for {len(steps)} steps", **common)
        bad = [k for k, v in enumerate(values) if v is not None and not math.isfinite(v)]
        if bad:
            return Score.error(
                f"non-finite value at step(s) {bad}: the model's logits overflowed (try dtype float32)",
                **common,
            )
        step_scores = [StepScore(v, s.span, d) for v, s, d in zip(values, steps, step_details, strict=True)]
        score = Score.from_steps(step_scores, c.aggregation, threshold=c.threshold)
        score.details.update(common, **details)
        first = next((k for k, v in enumerate(values) if v < c.threshold), -1)
        score.details["first_error"] = first
        if c.calibration:
            score.details["calibration"] = c.calibration
        return score

    # -- head -----------------------------------------------------------------------------------------

    def _head(self, samples: list[Sample], all_steps: list[list[Step]]) -> list[Any]:
        c = self.config
        backend = self.backend()
        out: list[Any] = [None] * len(samples)
        todo, requests = [], []
        for k, (sample, steps) in enumerate(zip(samples, all_steps, strict=True)):
            clash = _holds(c.separator, sample, steps)
            if clash:
                out[k] = Score.error(f"{clash} contains the separator {c.separator!r}; remove it first")
                continue
            special = _special_in(backend, steps, c.separator)
            if special:
                out[k] = Score.error(special)
                continue
            content, ends = _joined([s.text for s in steps], c.separator)
            context = self._context_messages(sample, c.system_prompt)
            try:
                text, start = _with_content(backend, context, content, c.prompt or "chat", sample)
            except Exception as exc:  # a prompt this chat template refuses: this sample's error
                out[k] = Score.error(f"cannot render the conversation: {type(exc).__name__}: {exc}")
                continue
            positions = [start + end for end in ends]
            todo.append(k)
            requests.append(ClassifyRequest(text, tuple(positions)))
        for k, result in zip(todo, backend.classify(requests) if requests else [], strict=True):
            rows = result.position_logits or []
            if len(rows) != len(all_steps[k]):
                out[k] = Score.error(f"the model returned {len(rows)} rows for {len(all_steps[k])} steps")
                continue
            values = []
            for row in rows:
                if len(row) == 1:
                    values.append(_sigmoid(row[0]))
                elif c.positive_label < len(row):
                    values.append(_softmax(row)[c.positive_label])
                else:
                    out[k] = Score.error(
                        f"positive_label {c.positive_label} out of range: the head has {len(row)}"
                    )
                    break
            else:
                out[k] = (values, [{"logits": row} for row in rows], {})
        return out

    # -- label tokens -----------------------------------------------------------------------------------

    def _label_token(self, samples: list[Sample], all_steps: list[list[Step]]) -> list[Any]:
        c = self.config
        backend = self.backend()
        out: list[Any] = [None] * len(samples)
        todo, requests = [], []
        for k, (sample, steps) in enumerate(zip(samples, all_steps, strict=True)):
            try:
                if c.convention == "tag":
                    clash = _holds(c.tag, sample, steps)
                    if clash:
                        raise ValueError(f"{clash} contains the step tag {c.tag!r}; remove it first")
                    content, ends = _joined([s.text for s in steps], c.tag, "\n")
                    mode = c.prompt or "raw"
                    context = render_context(backend, sample, mode) if mode != "none" else ""
                    text = context + (" " if mode == "raw" and context else "") + content
                    positions = [len(text) - len(content) + end for end in ends]
                else:
                    special = _special_in(backend, steps)
                    if special:
                        raise ValueError(special)
                    text, positions = self._turns(backend, sample, steps)
            except Exception as exc:  # a tag in the text, a prompt the chat template refuses
                out[k] = Score.error(
                    str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
                )
                continue
            todo.append(k)
            requests.append(ClassifyRequest(text, tuple(positions), (c.good_token, c.bad_token)))
        for k, result in zip(todo, backend.classify(requests) if requests else [], strict=True):
            rows = result.position_logits or []
            values = [_softmax(row[:2])[0] for row in rows]
            details = [{"good_logit": row[0], "bad_logit": row[1]} for row in rows]
            out[k] = (values, details, {"convention": c.convention})
        return out

    def _turns(self, backend: Backend, sample: Sample, steps: list[Step]) -> tuple[str, list[int]]:
        """RLHFlow's layout: the first step joins the prompt's user turn, each later step is a user turn,
        and every step is answered by the good token; the model is read where each answer begins."""
        if self.config.prompt not in (None, "chat"):
            raise ValueError("convention: turns renders a chat; prompt must be chat")
        messages = self._context_messages(sample, None)
        first, rest = steps[0].text, steps[1:]
        if messages and messages[-1]["role"] == "user":
            last = messages[-1]
            messages[-1] = {**last, "content": f"{as_text(last.get('content'))} {first}".strip()}
        else:
            messages.append({"role": "user", "content": first})
        asked: list[str] = []
        for step in [None, *rest]:
            if step is not None:
                messages.append({"role": "user", "content": step.text})
            asked.append(backend.render_chat(messages, add_generation_prompt=True))
            messages.append({"role": "assistant", "content": self.config.good_token})
        text = backend.render_chat(messages, add_generation_prompt=False)
        for i, prefix in enumerate(asked):
            if not text.startswith(prefix):
                raise ValueError(
                    f"the chat template does not render step {i}'s question as a prefix of the whole "
                    "conversation; use convention: tag"
                )
        return text, [len(p) for p in asked]

    def _context_messages(self, sample: Sample, system: str | None) -> list[Message]:
        prompt = sample.prompt
        messages = (
            [dict(m) for m in prompt] if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
        )
        if system and not any(m.get("role") == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": system})
        return messages

    # -- critic -----------------------------------------------------------------------------------------

    def _critic(self, samples: list[Sample], all_steps: list[list[Step]]) -> list[Any]:
        assert self.engine is not None
        c = self.config
        calls = []
        for sample, steps in zip(samples, all_steps, strict=True):
            messages = self.template.messages(
                prompt=as_text(sample.prompt),
                response=sample.response,
                steps=[s.text for s in steps],
                reference=as_text(sample.reference) or None,
            )
            calls.append(JudgeCall(messages, functools.partial(_read_index, n=len(steps))))
        votes: list[list[JudgeAnswer]] = [
            self.engine.run(calls, first_draw=v * (c.retries + 1)) for v in range(c.votes)
        ]
        out: list[Any] = []
        for k, steps in enumerate(all_steps):
            answers = [vote[k] for vote in votes]
            out.append(self._critic_outcome(len(steps), answers))
        return out

    def _critic_outcome(self, n: int, answers: list[JudgeAnswer]) -> Any:
        indices = [a.parsed.value if a.ok else None for a in answers]  # type: ignore[union-attr]
        read = [i for i in indices if i is not None]
        details: dict[str, Any] = {"votes": indices}
        if len(answers) == 1:
            details.update(answers[0].details())
        else:
            details["critiques"] = [a.details() for a in answers]
        if not read:
            errors = [a.error for a in answers if a.error]
            if errors:
                return Score(None, Status.ERROR, errors[0], details)
            return Score(None, Status.UNPARSEABLE, f"{answers[-1].reason} (after every draw)", details)
        counts = Counter(read)
        top = max(counts.values())
        tied = sorted(i for i, m in counts.items() if m == top)
        errors_named = [i for i in tied if i >= 0]
        index = errors_named[0] if errors_named else -1  # a tie goes to the earliest named error
        details["index"] = index
        if len(answers) > 1:
            details["vote_share"] = top / len(answers)
            details["vote_tie"] = len(tied) > 1
        values = [1.0 if index == -1 or i < index else 0.0 for i in range(n)]
        return values, [{} for _ in range(n)], details

    # -- likelihood -------------------------------------------------------------------------------------

    def _likelihood(self, samples: list[Sample], all_steps: list[list[Step]]) -> list[Any]:
        c = self.config
        backend = self.backend()
        out: list[Any] = [None] * len(samples)
        whole: list[tuple[int, LoglikelihoodRequest]] = []
        all_spans: dict[int, list[tuple[int, int]]] = {}  # where each step is in the text scored
        for k, (sample, steps) in enumerate(zip(samples, all_steps, strict=True)):
            try:
                context = render_context(backend, sample, c.prompt or "chat")
            except Exception as exc:
                out[k] = Score.error(f"cannot render the prompt: {type(exc).__name__}: {exc}")
                continue
            response, spans = _response_of(sample, steps)
            whole.append((k, LoglikelihoodRequest(context, response)))
            all_spans[k] = spans
        results = backend.loglikelihood([r for _, r in whole]) if whole else []
        per_step: list[tuple[int, int, LoglikelihoodRequest]] = []  # (k, step) for texts that need them
        split_results: dict[int, list[list[float] | None]] = {}
        for (k, request), result in zip(whole, results, strict=True):
            groups = _token_groups(request.continuation, result, all_spans[k])
            if groups is None:  # the tokens do not spell the text back: score each step on its own
                for j, (start, end) in enumerate(all_spans[k]):
                    before, step_text = request.continuation[:start], request.continuation[start:end]
                    per_step.append((k, j, LoglikelihoodRequest(request.context + before, step_text)))
                split_results[k] = [None] * len(all_steps[k])
            else:
                split_results[k] = groups
        if per_step:
            for (k, j, _), result in zip(
                per_step, backend.loglikelihood([r for *_, r in per_step]), strict=True
            ):
                split_results[k][j] = result.token_logprobs  # type: ignore[index]
        for k, groups in split_results.items():
            values, step_details = [], []
            for logprobs in groups:
                if not logprobs:
                    values.append(None)
                    step_details.append({"tokens": 0})
                    continue
                mean = math.fsum(logprobs) / len(logprobs)
                values.append(math.exp(mean) if c.transform == "exp" else mean)
                step_details.append({"mean_logprob": mean, "tokens": len(logprobs)})
            if any(v is None for v in values):
                missing = [j for j, v in enumerate(values) if v is None]
                out[k] = Score.error(
                    f"step(s) {missing} have no tokens to score (the text was cut to the window?)"
                )
                continue
            out[k] = (values, step_details, {"transform": c.transform})
        return out


# ------------------------------------------------------------------------------------------- helpers


def _holds(text: str, sample: Sample, steps: list[Step]) -> str | None:
    """What already contains ``text`` (a step or the prompt), or None."""
    for j, step in enumerate(steps):
        if text in step.text:
            return f"step {j}"
    if text in as_text(sample.prompt):
        return "the prompt"
    return None


def _special_in(backend: Backend, steps: list[Step], allowed: str = "") -> str | None:
    """Why a step cannot be read in a chat: it holds one of the tokenizer's special tokens (a step that
    writes ``<|im_end|>`` would close its own turn and forge the label's place). None when it is clean."""
    tokenizer = getattr(backend, "tokenizer", None)
    specials = [t for t in getattr(tokenizer, "all_special_tokens", None) or () if t and t != allowed]
    for j, step in enumerate(steps):
        found = next((t for t in specials if t in step.text), None)
        if found:
            return f"step {j} contains the special token {found!r} of the model's tokenizer; remove it first"
    return None


def _with_content(
    backend: Backend, context: list[Message], content: str, mode: PromptMode, sample: Sample
) -> tuple[str, int]:
    """The text a head PRM reads (the conversation with ``content`` as the assistant's turn) and where
    the content starts in it."""
    if mode == "none":
        return content, 0
    if mode == "raw":
        prefix = sample.prompt_text + "\n"
        return prefix + content, len(prefix)
    text = backend.render_chat(
        [*context, {"role": "assistant", "content": content}], add_generation_prompt=False
    )
    start = text.rfind(content)
    if start < 0:
        raise ValueError("the chat template changed the steps' text; use prompt: raw")
    return text, start


def _joined(texts: list[str], marker: str, between: str = "") -> tuple[str, list[int]]:
    """Each text followed by ``marker`` (and ``between`` before the next one), and the offset right after
    each marker: where the model reads that step."""
    content, ends = "", []
    for j, text in enumerate(texts):
        content += (between if j else "") + text + marker
        ends.append(len(content))
    return content, ends


def _response_of(sample: Sample, steps: list[Step]) -> tuple[str, list[tuple[int, int]]]:
    """The text to score and each step's span in it: the response, or, when a step was not found in it
    (given steps), the steps joined by blank lines."""
    if sample.response and all(s.span is not None for s in steps):
        return sample.response, [s.span for s in steps]  # type: ignore[misc]
    text, ends = _joined([s.text for s in steps], "", "\n\n")
    return text, [(end - len(s.text), end) for s, end in zip(steps, ends, strict=True)]


def _token_groups(
    text: str, result: LoglikelihoodResult, spans: list[tuple[int, int]]
) -> list[list[float]] | None:
    """The continuation's token logprobs grouped by step: each token goes to the step its characters
    overlap most; tokens between steps (separators) go to none. None when the decoded tokens do not
    spell ``text`` back (byte-split characters). The first token may carry
    characters of the context too (a word split across the boundary is scored as the continuation's)."""
    spelled = "".join(result.tokens)
    if result.truncated or not spelled.endswith(text):
        return None
    groups: list[list[float]] = [[] for _ in spans]
    at = len(text) - len(spelled)  # the token text before offset 0 came from the context
    for token, logprob in zip(result.tokens, result.token_logprobs, strict=True):
        a, b = at, at + len(token)
        at = b
        best, overlap = None, 0
        for j, (s, e) in enumerate(spans):
            o = min(b, e) - max(a, s)
            if o > overlap:
                best, overlap = j, o
        if best is not None:
            groups[best].append(logprob)
    return groups


def _read_index(text: str, echo: str, n: int) -> Any:
    return parse_index(text, n, echo)


def _softmax(row: Sequence[float]) -> list[float]:
    top = max(row)
    exps = [math.exp(x - top) for x in row]
    total = math.fsum(exps)
    return [e / total for e in exps]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


__all__ = ["KIND_OPTIONS", "PRM_RULE", "PRMConfig", "PRMVerifier", "QWEN_PRM_SYSTEM"]
