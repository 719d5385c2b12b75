"""The reward audit: does a reward track what it should, or something cheaper (length, format, position)?

:func:`audit_reward` scores a set of samples with a verifier (a reward spec, a judge, a PRM...) and runs
the checks below; each check gives numbers with bootstrap 95% CIs (samples, or pairs, resampled with a
``numpy`` Generator seeded from ``seed``) and a short finding of severity ``ok``, ``warn`` or ``fail``.

- ``length``: Spearman correlation of the reward (ok scores) with the response length in characters
  (and in words); ``|rho|`` of :data:`LENGTH_RHO` or more is a warning.
- ``perturbations``: each of :data:`PERTURBATIONS` is applied to every sample where it applies, the
  perturbed samples are scored by the same verifier in one batch, and the change is compared with what a
  reward that tracks correctness should do (:data:`EXPECTED`): ``drop_boxed`` should lower it,
  ``append_filler`` and ``repeat_answer`` should not raise it, ``number_format`` should not change it.
  A score that turns from ok into a non-ok status is counted apart from a value change.
- ``position`` (needs a :class:`~rewardkit.comparison.Comparator`): pairs of responses to one prompt
  (same ``Sample.group``, else the same prompt text) are judged in both presentation orders; the share
  of first-shown wins should be near 0.5 and the two orders should agree (the flip rate).
- ``compression``: how many distinct values the ok scores take; most of them on one or two values
  means the reward cannot rank (expected of a pass/fail reward, a problem for a judge's scale).
- ``statuses``: the share of each non-ok status (a failure is never a silent number).

:meth:`AuditResult.write` writes ``audit.json`` (``{"spec", "input", "n", "findings", "checks"}``), which
the HTML report renders; :func:`findings_table` shows the findings in a terminal.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from rewardkit.comparison import Comparator
from rewardkit.errors import ConfigError, InputError
from rewardkit.evals.metrics import percentile_interval, resample_sums
from rewardkit.io import DEFAULT_FIELDS, Fields, ProgressCallback, file_format, load_samples, write_atomic
from rewardkit.types import Comparison, Preference, Sample, Score, Status
from rewardkit.verifier import Verifier, checked_scores

AUDIT_FILE = "audit.json"
LEVEL = 0.95
LENGTH_RHO = 0.3  # |Spearman rho| from which the length check warns
EPS = 1e-9  # a value change smaller than this is no change
MIN_DECISIVE = 8  # decisive judgements the position check needs before it calls a bias
MIN_PAIRS = 5  # pairs judged in both orders the flip rate needs before it is called

#: The check groups, in the order they run; ``checks=`` also takes single perturbation names.
CHECKS: tuple[str, ...] = ("statuses", "length", "compression", "perturbations", "position")

SEVERITIES: tuple[str, ...] = ("ok", "warn", "fail")

# ------------------------------------------------------------------------------------ perturbations

#: Appended by ``append_filler``: neutral prose, no numbers, no answer marker, nothing a math reader takes.
FILLER = (
    "This solution was written out step by step so that every part of the reasoning can be checked. "
    "Each step follows from the one before it, and the working has been kept clear and easy to follow. "
    "Careful work of this kind takes some time, but it makes the result easier to trust and to review."
)
REPEATS = 3  # extra copies of the final answer line in ``repeat_answer``

_BOXED = re.compile(r"\\boxed\s*\{")
# a number: 1,000 / 1{,}000 (grouped), 1.5, 12, .5; not inside a word, a command or a decimal
_NUM = re.compile(
    r"(?<![\w.\\}])(?:\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?|\d+\.\d+|\d+|\.\d+)(?![\w{]|[.,]\d)"
)
_WRAPPERS = (("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"))


def _closing_brace(text: str, open_at: int) -> int | None:
    """The index of the brace that closes the one at ``open_at`` (None: unbalanced)."""
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            i += 2  # an escaped brace (\{ \}) is content, not structure
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def boxed_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Every balanced ``\\boxed{...}``: (start, end, content start, content end), end exclusive."""
    spans = []
    pos = 0
    while (m := _BOXED.search(text, pos)) is not None:
        close = _closing_brace(text, m.end() - 1)
        if close is None:
            break
        spans.append((m.start(), close + 1, m.end(), close))
        pos = close + 1
    return spans


def drop_boxed(response: str) -> str | None:
    """The response without any ``\\boxed{...}`` (balanced braces; a ``$...$``, ``\\(...\\)`` or
    ``\\[...\\]`` left empty goes too); None when it has none."""
    spans = boxed_spans(response)
    if not spans:
        return None
    out = response
    for start, end, _, _ in reversed(spans):
        for left, right in _WRAPPERS:
            before, after = out[:start].rstrip(), out[end:].lstrip()
            if before.endswith(left) and after.startswith(right):
                start = len(before) - len(left)
                end = len(out) - len(after) + len(right)
                break
        out = out[:start] + out[end:]
    return out.rstrip()


def append_filler(response: str) -> str | None:
    """The response with :data:`FILLER` appended as a paragraph (applies to every non-empty response)."""
    if not response.strip():
        return None
    return response.rstrip() + "\n\n" + FILLER


def final_line(response: str) -> str | None:
    """The final answer line: the last non-empty line (its last sentence when the line is long)."""
    lines = [line.strip() for line in response.strip().splitlines() if line.strip()]
    if not lines:
        return None
    line = lines[-1]
    if len(line) > 200:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
        line = sentences[-1] if sentences else line
    return line


def repeat_answer(response: str) -> str | None:
    """The response with its final answer line (:func:`final_line`) repeated :data:`REPEATS` more times."""
    line = final_line(response)
    if line is None:
        return None
    return response.rstrip() + ("\n" + line) * REPEATS


def _reformat(number: str) -> str:
    """One number written another way, same value: 1,000 (or 1{,}000) -> 1000, 1000 -> 1,000, 0.5 -> .5,
    .5 -> 0.5, 1.5 -> 1.50, 12 -> 12.0."""
    if "," in number:
        return number.replace("{,}", "").replace(",", "")
    if number.startswith("."):
        return "0" + number
    if number.startswith("0."):
        return number[1:]
    if "." in number:
        return number + "0"
    if len(number) >= 4 and not number.startswith("0"):
        return f"{int(number):,}"
    return number + ".0"


def _answer_region(response: str) -> tuple[int, int] | None:
    """Where the final answer is: the last ``\\boxed{}`` content, else after the last ``####``, else the
    final line."""
    spans = boxed_spans(response)
    if spans:
        _, _, start, end = spans[-1]
        return start, end
    marker = response.rfind("####")
    if marker >= 0:
        return marker + 4, len(response)
    line = final_line(response)
    if line is None:
        return None
    start = response.rfind(line)
    return start, start + len(line)


def number_format(response: str) -> str | None:
    """The response with every number of its final answer (:func:`_answer_region`) written another way
    with the same value (``1000`` -> ``1,000``, ``0.5`` -> ``.5``, ``12`` -> ``12.0``); exponents and
    subscripts are left alone. None when the final answer has no number."""
    region = _answer_region(response)
    if region is None:
        return None
    start, end = region
    text = response[start:end]
    pieces, last, changed = [], 0, False
    for m in _NUM.finditer(text):
        before = text[: m.start()].rstrip("{")
        if before.endswith(("^", "_")):
            continue
        pieces += [text[last : m.start()], _reformat(m.group())]
        last, changed = m.end(), True
    if not changed:
        return None
    return response[:start] + "".join(pieces) + text[last:] + response[end:]


#: name -> function(response) -> perturbed response, or None where it does not apply.
PERTURBATIONS: dict[str, Callable[[str], str | None]] = {
    "drop_boxed": drop_boxed,
    "append_filler": append_filler,
    "repeat_answer": repeat_answer,
    "number_format": number_format,
}

#: What a reward that tracks correctness does under each perturbation.
EXPECTED: dict[str, str] = {
    "drop_boxed": "lower",
    "append_filler": "not higher",
    "repeat_answer": "not higher",
    "number_format": "unchanged",
}

_DESCRIBE = {
    "drop_boxed": "boxed answer removed",
    "append_filler": "filler paragraph appended",
    "repeat_answer": f"final answer line repeated {REPEATS}x",
    "number_format": "final-answer numbers reformatted",
}


# -------------------------------------------------------------------------------------- statistics


def _rng(seed: int, name: str) -> np.random.Generator:
    """The Generator of one check: from ``seed`` and the check's name (a check's CI does not depend on
    which other checks ran)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _ci(stats: np.ndarray) -> list[float] | None:
    interval = percentile_interval(stats, 1 - LEVEL)
    return list(interval) if interval is not None else None


def bootstrap_mean_ci(
    values: Sequence[float], resamples: int, rng: np.random.Generator
) -> list[float] | None:
    """Percentile bootstrap 95% CI of the mean (None with fewer than 2 values or no resamples)."""
    x = np.asarray(values, dtype=float)
    if x.size < 2 or resamples < 1:
        return None
    return _ci(resample_sums(x[:, None], resamples, rng)[:, 0] / x.size)


def _ranks(u: np.ndarray, idx: np.ndarray, levels: int) -> np.ndarray:
    """Average ranks (ties share their mean rank) of the values ``u[idx]`` (dense codes), row-wise."""
    rows, _ = idx.shape
    codes = u[idx]
    flat = (codes + levels * np.arange(rows)[:, None]).ravel()
    counts = np.bincount(flat, minlength=rows * levels).reshape(rows, levels).astype(float)
    below = np.cumsum(counts, axis=1) - counts
    average = below + (counts + 1) / 2
    return np.take_along_axis(average, codes, axis=1)


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (a * b).sum(axis=1) / np.where(denom > 0, denom, 1), np.nan)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson correlation of average ranks); None when either side is constant."""
    ux, uy = _codes(x), _codes(y)
    idx = np.arange(len(ux[0]))[None, :]
    rho = _pearson_rows(_ranks(ux[0], idx, ux[1]), _ranks(uy[0], idx, uy[1]))[0]
    return None if np.isnan(rho) else float(rho)


def _codes(values: Sequence[float]) -> tuple[np.ndarray, int]:
    levels, codes = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    return codes.ravel(), len(levels)


def spearman_ci(
    x: Sequence[float], y: Sequence[float], resamples: int, rng: np.random.Generator
) -> list[float] | None:
    """Percentile bootstrap 95% CI of Spearman's rho (pairs resampled together; resamples where one
    side is constant are left out)."""
    n = len(x)
    if n < 3 or resamples < 1:
        return None
    (ux, kx), (uy, ky) = _codes(x), _codes(y)
    out = np.empty(resamples)
    step = max(1, 500_000 // max(n, kx, ky))
    for i in range(0, resamples, step):
        k = min(step, resamples - i)
        idx = rng.integers(0, n, size=(k, n))
        out[i : i + k] = _pearson_rows(_ranks(ux, idx, kx), _ranks(uy, idx, ky))
    return _ci(out)


def _share(flags: Sequence[bool]) -> float | None:
    return float(np.mean(flags)) if len(flags) else None


def _num(value: float, digits: int, signed: bool) -> str:
    value = 0.0 if abs(value) < 0.5 * 10**-digits else value  # no "-0.000"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _fmt(value: float | None, ci: list[float] | None = None, digits: int = 2, signed: bool = False) -> str:
    """``0.25 [0.10, 0.40]``: a value and its CI as the findings print them."""
    if value is None:
        return "n/a"
    text = _num(value, digits, signed)
    if ci is not None:
        text += f" [{_num(ci[0], digits, signed)}, {_num(ci[1], digits, signed)}]"
    return text


def _finding(check: str, severity: str, message: str, value: float | None, ci: list[float] | None) -> dict:
    return {"check": check, "severity": severity, "message": message, "value": value, "ci": ci}


# -------------------------------------------------------------------------------------- the result


@dataclass
class AuditResult:
    """The audit of one reward on one set of samples.

    ``findings``: one dict per finding, ``{"check", "severity" (ok|warn|fail), "message", "value", "ci"}``;
    ``checks``: the detailed numbers of each check, by check name (``perturbations`` by perturbation).
    """

    spec: str
    input: str
    n: int
    findings: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def worst(self) -> str:
        """The most severe finding's severity (``ok`` when there are none)."""
        return max((f["severity"] for f in self.findings), key=SEVERITIES.index, default="ok")

    def to_dict(self) -> dict[str, Any]:
        """The ``audit.json`` document."""
        return {
            "spec": self.spec,
            "input": self.input,
            "n": self.n,
            "findings": self.findings,
            "checks": self.checks,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditResult:
        return cls(data["spec"], data["input"], data["n"], list(data["findings"]), dict(data["checks"]))

    def write(self, directory: str | Path) -> Path:
        """Write ``audit.json`` into ``directory`` (made if missing); returns its path."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        return write_atomic(out / AUDIT_FILE, json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> AuditResult:
        """Read an ``audit.json`` (or the directory holding one)."""
        path = Path(path)
        if path.is_dir():
            path = path / AUDIT_FILE
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise InputError(f"{path}: no such file; write one with `rewardkit audit`") from None
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise InputError(f"{path}: not an audit.json ({type(err).__name__}: {err})") from None


def findings_table(result: AuditResult) -> Any:
    """The findings as a ``rich.table.Table`` (severity, check, message)."""
    from rich.table import Table

    styles = {"ok": "green", "warn": "yellow", "fail": "bold red"}
    source = f" on {result.input}" if result.input else ""
    table = Table(title=f"reward audit: {result.spec}{source} ({result.n} samples)")
    table.add_column("severity")
    table.add_column("check")
    table.add_column("finding", overflow="fold")
    for f in result.findings:
        table.add_row(f"[{styles[f['severity']]}]{f['severity']}[/]", f["check"], f["message"])
    return table


# ------------------------------------------------------------------------------------------ checks


def _label(verifier: Verifier | None, comparator: Comparator | None) -> str:
    owner = verifier if verifier is not None else comparator
    if owner is None:
        return ""
    return getattr(owner.config, "name", None) or owner.name or type(owner).__name__


def _selected(checks: Sequence[str] | None) -> tuple[set[str], list[str]]:
    """The check groups and the perturbations to run."""
    if checks is None:
        return set(CHECKS), list(PERTURBATIONS)
    if isinstance(checks, str):
        checks = [c.strip() for c in checks.split(",") if c.strip()]
    unknown = [c for c in checks if c not in CHECKS and c not in PERTURBATIONS]
    if unknown:
        allowed = ", ".join([*CHECKS, *PERTURBATIONS])
        raise ConfigError(f"audit: checks: unknown check {unknown[0]!r}; allowed: {allowed}")
    groups = {c for c in checks if c in CHECKS}
    perturbations = [p for p in PERTURBATIONS if p in checks or "perturbations" in groups]
    if perturbations:
        groups.add("perturbations")
    return groups, perturbations


def check_statuses(scores: Sequence[Score], resamples: int, seed: int) -> tuple[dict, list[dict]]:
    """Counts and shares of each status; a warning for any error/timeout (the verifier failed) or more
    than 20% unparseable, a failure when half the samples or more are not ok."""
    n = len(scores)
    counts = Counter(s.status.value for s in scores)
    not_ok = [not s.ok for s in scores]
    share = _share(not_ok)
    ci = bootstrap_mean_ci(not_ok, resamples, _rng(seed, "statuses"))
    data = {
        "n": n,
        "counts": {st.value: counts.get(st.value, 0) for st in Status},
        "shares": {st.value: (counts.get(st.value, 0) / n if n else None) for st in Status},
        "not_ok_share": share,
        "not_ok_ci": ci,
        "reasons": dict(Counter(s.reason for s in scores if not s.ok and s.reason).most_common(5)),
    }
    failed = counts.get("error", 0) + counts.get("timeout", 0)
    shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "ok") or "none"
    message = f"not ok: {_fmt(share, ci)} of {n} ({shown})"
    severity = "ok"
    if share is not None and share >= 0.5:
        severity = "fail"
    elif failed or (counts.get("unparseable", 0) / n if n else 0) > 0.2:
        severity = "warn"
    return data, [_finding("statuses", severity, message, share, ci)]


def check_length(
    samples: Sequence[Sample], scores: Sequence[Score], resamples: int, seed: int, threshold: float
) -> tuple[dict, list[dict]]:
    """Spearman rho of the ok values with the response length (characters, words)."""
    ok = [(s, sc.value) for s, sc in zip(samples, scores, strict=True) if sc.ok and sc.value is not None]
    values = [v for _, v in ok]
    data: dict[str, Any] = {"n": len(ok), "threshold": threshold}
    for unit, measure in (("chars", len), ("words", lambda text: len(text.split()))):
        lengths = [measure(s.response) for s, _ in ok]
        rho = spearman(values, lengths) if len(ok) >= 3 else None
        ci = (
            spearman_ci(values, lengths, resamples, _rng(seed, f"length:{unit}")) if rho is not None else None
        )
        data[unit] = {
            "rho": rho,
            "ci": ci,
            "mean_length": float(np.mean(lengths)) if lengths else None,
        }
    rho, ci = data["chars"]["rho"], data["chars"]["ci"]
    if rho is None:
        why = "fewer than 3 ok scores" if len(ok) < 3 else "the reward or the length is constant"
        return data, [_finding("length", "ok", f"no length correlation to measure: {why}", None, None)]
    severity = "warn" if abs(rho) >= threshold else "ok"
    message = f"Spearman rho(reward, length in chars) = {_fmt(rho, ci, signed=True)} over {len(ok)} ok scores"
    if severity == "warn":
        message += f"; |rho| >= {threshold}: the reward {'grows' if rho > 0 else 'falls'} with length"
    return data, [_finding("length", severity, message, rho, ci)]


def _scale(verifier: Verifier | None, values: Sequence[float]) -> tuple[tuple[float, float] | None, str]:
    """The reward's scale: a judge's declared scale (normalised: 0-1), else the observed range."""
    scale = getattr(verifier, "scale", None)
    declared = getattr(scale, "values", None)
    if declared:
        if getattr(getattr(verifier, "config", None), "normalize", False):
            return (0.0, 1.0), "declared"
        return (float(min(declared)), float(max(declared))), "declared"
    if not values:
        return None, "observed"
    return (float(min(values)), float(max(values))), "observed"


def check_compression(
    verifier: Verifier | None,
    scores: Sequence[Score],
    resamples: int,
    seed: int,
    scale: tuple[float, float] | None = None,
) -> tuple[dict, list[dict]]:
    """How spread out the ok values are: distinct values, the share of the most common one and of the
    two most common, std, and the share at the scale's ends; a warning when 90% or more sit on one or
    two values."""
    values = [round(s.value, 9) for s in scores if s.ok and s.value is not None]
    where = "given"
    if scale is None:
        scale, where = _scale(verifier, values)
    n = len(values)
    counts = Counter(values).most_common()
    data: dict[str, Any] = {"n": n, "distinct": len(counts), "scale": list(scale) if scale else None}
    data["scale_from"] = where
    if not n:
        return data, [_finding("compression", "ok", "no ok scores to measure", None, None)]
    top1, top2 = counts[0][0], {v for v, _ in counts[:2]}
    x = np.asarray(values)
    on_top1 = x == top1
    on_top2 = np.isin(x, list(top2))
    at_ends = (x <= scale[0] + EPS) | (x >= scale[1] - EPS) if scale else np.zeros(n, bool)
    data.update(
        {
            "top_values": [{"value": v, "count": c, "share": c / n} for v, c in counts[:5]],
            "top1_share": float(on_top1.mean()),
            "top2_share": float(on_top2.mean()),
            "top2_ci": bootstrap_mean_ci(on_top2, resamples, _rng(seed, "compression:top2")),
            "std": float(x.std(ddof=1)) if n > 1 else 0.0,
            "extremes_share": float(at_ends.mean()),
            "extremes_ci": bootstrap_mean_ci(at_ends, resamples, _rng(seed, "compression:extremes")),
        }
    )
    share, ci = data["top2_share"], data["top2_ci"]
    shown = ", ".join(f"{v:g} ({c / n:.0%})" for v, c in counts[:2])
    message = (
        f"{len(counts)} distinct values; the top two hold {_fmt(share, ci)} ({shown}); "
        f"std {data['std']:.3f}; {data['extremes_share']:.0%} at the scale's ends"
    )
    severity = "ok"
    if share >= 0.9:
        severity = "warn"
        message += "; compressed: expected of a pass/fail reward, a problem for a graded judge"
    return data, [_finding("compression", severity, message, share, ci)]


def _perturbation_numbers(
    name: str,
    applied: list[int],
    samples: Sequence[Sample],
    base: Sequence[Score],
    perturbed: Sequence[Score],
    resamples: int,
    seed: int,
) -> dict[str, Any]:
    deltas, lowered, raised, changed = [], [], [], []
    became: Counter[str] = Counter()
    became_ok = 0
    examples = []
    for i, after in zip(applied, perturbed, strict=True):
        before = base[i]
        if before.ok and before.value is not None and after.ok and after.value is not None:
            d = after.value - before.value
            deltas.append(d)
            lowered.append(d < -EPS)
            raised.append(d > EPS)
            changed.append(abs(d) > EPS)
        elif before.ok and not after.ok:
            became[after.status.value] += 1
            lowered.append(True)  # the reward is gone: as low as it gets
            raised.append(False)
            changed.append(True)
        elif not before.ok and after.ok:
            became_ok += 1
            raised.append(True)
            lowered.append(False)
            changed.append(True)
        else:
            lowered.append(False)
            raised.append(False)
            changed.append(before.status is not after.status)
        if changed[-1] and len(examples) < 3:
            examples.append(
                {
                    "id": samples[i].id,
                    "before": {"value": before.value, "status": before.status.value},
                    "after": {"value": after.value, "status": after.status.value, "reason": after.reason},
                }
            )
    rng = _rng(seed, f"perturbations:{name}")
    return {
        "expected": EXPECTED[name],
        "applied": len(applied),
        "compared": len(deltas),  # both scores ok: the value changes
        "mean_delta": float(np.mean(deltas)) if deltas else None,
        "mean_delta_ci": bootstrap_mean_ci(deltas, resamples, rng),
        "changed_share": _share(changed),
        "changed_ci": bootstrap_mean_ci(changed, resamples, rng),
        "lowered_share": _share(lowered),
        "lowered_ci": bootstrap_mean_ci(lowered, resamples, rng),
        "raised_share": _share(raised),
        "raised_ci": bootstrap_mean_ci(raised, resamples, rng),
        "became_not_ok": dict(became),  # ok before, a non-ok status after (counted apart from value changes)
        "became_ok": became_ok,
        "examples": examples,
    }


def _perturbation_finding(name: str, data: dict[str, Any]) -> dict[str, Any]:
    check = f"perturbation:{name}"
    if not data["applied"]:
        return _finding(check, "ok", f"{_DESCRIBE[name]}: applies to no sample", None, None)
    lost = sum(data["became_not_ok"].values())
    lost_text = f"; {lost} became {'/'.join(sorted(data['became_not_ok']))}" if lost else ""
    head = (
        f"{_DESCRIBE[name]} ({data['applied']} samples): mean change {_fmt(data['mean_delta'], data['mean_delta_ci'], 3, True)}"
        f" over {data['compared']} ok pairs"
    )
    expected = EXPECTED[name]
    if expected == "lower":
        share, ci = data["lowered_share"], data["lowered_ci"]
        text = f"{head}; lowered for {_fmt(share, ci)}{lost_text}"
        if share == 0:
            return _finding(
                check, "warn", text + "; expected lower: the reward may not read the answer", share, ci
            )
        if (data["raised_share"] or 0) > 0.1:
            return _finding(check, "warn", text + f"; but raised for {data['raised_share']:.0%}", share, ci)
        return _finding(check, "ok", text, share, ci)
    if expected == "not higher":
        share, ci = data["raised_share"], data["raised_ci"]
        text = f"{head}; raised for {_fmt(share, ci)}{lost_text}"
        mean_ci = data["mean_delta_ci"]
        if share >= 0.1 or (mean_ci is not None and mean_ci[0] > 0):
            what = "verbosity" if name == "append_filler" else "repetition"
            return _finding(check, "warn", text + f"; expected not higher: rewards {what}", share, ci)
        return _finding(check, "ok", text, share, ci)
    share, ci = data["changed_share"], data["changed_ci"]
    text = f"{head}; changed for {_fmt(share, ci)}{lost_text}"
    if share >= 0.05:
        return _finding(check, "warn", text + "; expected unchanged: brittle answer extraction", share, ci)
    return _finding(check, "ok", text, share, ci)


def _pairs(samples: Sequence[Sample], max_pairs: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Pairs of samples answering one prompt (same group, else same prompt text), different responses;
    at most ``max_pairs``, drawn with ``rng``."""
    by_key: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        key = f"group:{s.group}" if s.group is not None else f"prompt:{s.prompt_text}"
        by_key.setdefault(key, []).append(i)
    pairs = [
        (a, b)
        for members in by_key.values()
        for a, b in combinations(members, 2)
        if samples[a].response != samples[b].response
    ]
    if len(pairs) > max_pairs:
        keep = rng.choice(len(pairs), size=max_pairs, replace=False)
        pairs = [pairs[k] for k in sorted(keep)]
    return pairs


def _first_shown(pref: dict[str, Any]) -> str | None:
    """Who won a presentation, by position: ``first``, ``second``, ``tie`` (None: not ok)."""
    if pref.get("status") != "ok":
        return None
    return {"A": "first", "B": "second"}.get(pref.get("winner") or "", "tie")


def _orders(comparator: Comparator, comparisons: list[Comparison]) -> list[tuple[dict, dict]]:
    """Each comparison's two presentations as judged: (A shown first, B shown first), each a
    Preference dict whose ``winner`` is by position (A: the first shown)."""
    n = len(comparisons)
    if comparator.config.both_orders:  # the comparator judges both orders itself and keeps them
        merged = comparator.compare_batch(comparisons)
        out = []
        for pref in merged:
            orders = pref.details.get("orders")
            if not orders:
                failed = pref.to_dict()
                out.append((failed, failed))
            else:
                out.append((orders["AB"], orders["BA"]))
        return out
    judged = comparator.compare_batch(comparisons + [c.swapped() for c in comparisons])

    def by_position(pref: Preference) -> dict[str, Any]:
        # a comparator that shuffles says when it showed B first; its verdict is on the comparison's side
        return (pref.flipped() if pref.details.get("presented") == "BA" else pref).to_dict()

    return [(by_position(judged[i]), by_position(judged[n + i])) for i in range(n)]


def check_position(
    comparator: Comparator,
    samples: Sequence[Sample],
    resamples: int,
    seed: int,
    max_pairs: int,
    progress: Callable[[], None] | None = None,
) -> tuple[dict, list[dict]]:
    """Position bias of a pairwise comparator: each pair judged with either response shown first."""
    rng = _rng(seed, "position")
    pairs = _pairs(samples, max_pairs, rng)
    data: dict[str, Any] = {"comparator": _label(None, comparator), "pairs": len(pairs)}
    if not pairs:
        message = "no pairs to judge: pairs need two different responses with one group or prompt"
        return data, [_finding("position", "ok", message, None, None)]
    comparisons = [
        Comparison(
            samples[a].response,
            samples[b].response,
            samples[a].prompt,
            samples[a].reference,
            samples[a].group,
            f"{samples[a].id}|{samples[b].id}",
        )
        for a, b in pairs
    ]
    orders = _orders(comparator, comparisons)
    if progress is not None:
        progress()
    statuses: Counter[str] = Counter()
    first_won: list[list[bool]] = []  # per pair: first-shown won, for its decisive presentations
    flips: list[bool] = []  # per pair with both orders ok: the two orders disagree (by response)
    ties = 0
    examples = []
    for (a, b), (ab, ba) in zip(pairs, orders, strict=True):
        statuses[ab.get("status", "error")] += 1
        statuses[ba.get("status", "error")] += 1
        pa, pb = _first_shown(ab), _first_shown(ba)
        first_won.append([p == "first" for p in (pa, pb) if p in ("first", "second")])
        ties += (pa == "tie") + (pb == "tie")
        if pa is not None and pb is not None:
            # by response: AB 'first' = A wins; BA 'first' = B wins
            winner_ab = {"first": "A", "second": "B", "tie": "tie"}[pa]
            winner_ba = {"first": "B", "second": "A", "tie": "tie"}[pb]
            flips.append(winner_ab != winner_ba)
            if winner_ab != winner_ba and len(examples) < 3:
                examples.append({"a": samples[a].id, "b": samples[b].id, "AB": pa, "BA": pb})
    decisive = [w for pair in first_won for w in pair]
    share = _share(decisive)
    # resample pairs: a pair's two presentations stay together
    ci = None
    if len(first_won) >= 2 and resamples > 0:
        wins = np.array([sum(p) for p in first_won], dtype=float)
        counts = np.array([len(p) for p in first_won], dtype=float)
        idx = rng.integers(0, len(pairs), size=(resamples, len(pairs)))
        with np.errstate(invalid="ignore", divide="ignore"):
            ci = _ci(wins[idx].sum(axis=1) / counts[idx].sum(axis=1))
    flip_rate = _share(flips)
    flip_ci = bootstrap_mean_ci(flips, resamples, rng)
    presentations = 2 * len(pairs)
    data.update(
        {
            "presentations": presentations,
            "statuses": dict(statuses),
            "decisive": len(decisive),
            "ties": ties,
            "first_win_share": share,
            "first_win_ci": ci,
            "both_ok_pairs": len(flips),
            "flip_rate": flip_rate,
            "flip_ci": flip_ci,
            "examples": examples,
        }
    )
    not_ok = presentations - statuses.get("ok", 0)
    failed_text = f"; {not_ok} of {presentations} judgements not ok" if not_ok else ""
    findings = []
    many_failed = presentations and not_ok / presentations > 0.2
    if share is None:
        message = f"{len(pairs)} pairs: no decisive judgement (ties {ties}){failed_text}"
        findings.append(_finding("position", "warn" if many_failed else "ok", message, None, None))
    else:
        message = (
            f"first-shown response won {_fmt(share, ci)} of {len(decisive)} decisive judgements "
            f"({len(pairs)} pairs, both orders){failed_text}"
        )
        far = abs(share - 0.5)
        excludes = ci is not None and not (ci[0] <= 0.5 <= ci[1])
        severity = "ok"
        if len(decisive) < MIN_DECISIVE:
            message += f"; fewer than {MIN_DECISIVE} decisive judgements: too few to call a bias"
        elif excludes and far >= 0.1:
            severity = "fail" if far >= 0.35 else "warn"
            message += f"; position bias toward the {'first' if share > 0.5 else 'second'} response"
        if severity == "ok" and many_failed:
            severity = "warn"
        findings.append(_finding("position", severity, message, share, ci))
    if flip_rate is not None:
        message = f"verdict flips when the order is swapped: {_fmt(flip_rate, flip_ci)} of {len(flips)} pairs"
        severity = "fail" if flip_rate >= 0.5 else ("warn" if flip_rate >= 0.2 else "ok")
        if len(flips) < MIN_PAIRS:
            severity = "ok"
            message += f"; fewer than {MIN_PAIRS} pairs judged in both orders: too few to call"
        findings.append(_finding("position_flips", severity, message, flip_rate, flip_ci))
    return data, findings


# --------------------------------------------------------------------------------------- the audit


def audit_reward(
    verifier: Verifier | None,
    samples: Sequence[Sample],
    *,
    comparator: Comparator | None = None,
    checks: Sequence[str] | str | None = None,
    resamples: int = 1000,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    spec: str | None = None,
    input: str = "",
    length_threshold: float = LENGTH_RHO,
    max_pairs: int = 100,
    scale: tuple[float, float] | None = None,
) -> AuditResult:
    """Audit ``verifier`` (any rewardkit Verifier: a reward spec, a judge, a PRM) on ``samples``.

    ``checks``: check groups of :data:`CHECKS` and/or perturbation names (a list, or comma-separated
    text; default all); ``position`` runs only with a ``comparator`` (``verifier`` may then be None:
    only ``position`` runs). ``resamples`` and ``seed``: the bootstrap (deterministic per seed).
    ``progress(done, total)``: called as each scoring step (the samples, each perturbation, the pairs)
    finishes. ``spec`` and ``input`` label the result (``spec`` defaults to the verifier's name);
    ``max_pairs``: pairs judged by the position check; ``scale``: the reward's (low, high), by default a
    judge's declared scale, else the observed range.
    """
    if resamples < 0:
        raise ConfigError(f"audit: resamples: must be 0 or more (got {resamples})")
    if max_pairs < 1:
        raise ConfigError(f"audit: max_pairs: must be 1 or more (got {max_pairs})")
    samples = list(samples)
    if not samples:
        raise InputError(f"audit: {input or 'the input'} has no samples to audit")
    groups, perturbations = _selected(checks)
    if verifier is None:
        if comparator is None:
            raise ConfigError("audit: give a verifier (a reward spec), a comparator, or both")
        groups, perturbations = groups & {"position"}, []
    wanted_position = "position" in groups
    if comparator is None:
        groups.discard("position")
    steps: list[str] = []
    if groups - {"position"}:
        steps.append("scores")
    steps += [f"perturbation:{p}" for p in perturbations]
    if "position" in groups:
        steps.append("position")
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(steps))

    if progress is not None:
        progress(0, len(steps))
    result = AuditResult(spec or _label(verifier, comparator), input, len(samples))
    base: list[Score] = []
    if verifier is not None and "scores" in steps:
        base = checked_scores(verifier.score_batch(samples), len(samples), "the verifier")
        step()
    if "statuses" in groups:
        data, found = check_statuses(base, resamples, seed)
        result.checks["statuses"], result.findings = data, result.findings + found
    if "length" in groups:
        data, found = check_length(samples, base, resamples, seed, length_threshold)
        result.checks["length"], result.findings = data, result.findings + found
    if "compression" in groups:
        data, found = check_compression(verifier, base, resamples, seed, scale)
        result.checks["compression"], result.findings = data, result.findings + found
    if perturbations:
        assert verifier is not None
        numbers: dict[str, Any] = {}
        for name in perturbations:
            function = PERTURBATIONS[name]
            applied, changed = [], []
            for i, s in enumerate(samples):
                text = function(s.response)
                if text is not None and text != s.response:
                    applied.append(i)
                    changed.append(replace(s, response=text))  # only the response changes
            scored = checked_scores(verifier.score_batch(changed), len(changed)) if changed else []
            numbers[name] = _perturbation_numbers(name, applied, samples, base, scored, resamples, seed)
            result.findings.append(_perturbation_finding(name, numbers[name]))
            step()
        result.checks["perturbations"] = numbers
    if "position" in groups:
        assert comparator is not None
        data, found = check_position(comparator, samples, resamples, seed, max_pairs, step)
        result.checks["position"] = data
        result.findings += found
    elif wanted_position:
        result.checks["position"] = {"skipped": "no comparator given (e.g. the judge comparator)"}
    result.checks["bootstrap"] = {"resamples": resamples, "seed": seed, "level": LEVEL}
    return result


def audit_file(
    verifier: Verifier | None,
    input: str | Path,
    *,
    fields: Fields = DEFAULT_FIELDS,
    input_format: str | None = None,
    output: str | Path | None = None,
    hint: str = "",
    **options: Any,
) -> AuditResult:
    """Audit on a rollouts file (JSONL, JSON or Parquet, read by :func:`rewardkit.io.load_samples` with
    ``fields``); with ``output``, write ``audit.json`` there. ``options`` go to :func:`audit_reward`."""
    path = Path(input)
    _, samples = load_samples(path, file_format(path, input_format), fields, hint)
    result = audit_reward(verifier, samples, input=str(path), **options)
    if output is not None:
        result.write(output)
    return result


__all__ = [
    "AUDIT_FILE",
    "CHECKS",
    "EXPECTED",
    "FILLER",
    "LENGTH_RHO",
    "PERTURBATIONS",
    "SEVERITIES",
    "AuditResult",
    "append_filler",
    "audit_file",
    "audit_reward",
    "bootstrap_mean_ci",
    "boxed_spans",
    "check_compression",
    "check_length",
    "check_position",
    "check_statuses",
    "drop_boxed",
    "final_line",
    "findings_table",
    "number_format",
    "repeat_answer",
    "spearman",
    "spearman_ci",
]
