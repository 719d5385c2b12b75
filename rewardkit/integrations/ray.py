"""Scale-out scoring on Ray Data: the same reward spec, the same scores, on many processes or machines.

    from rewardkit.integrations.ray import score_with_ray

    scores = score_with_ray("math", samples)                      # a local Ray cluster on this machine
    scores = score_with_ray("cme", samples, address="auto")       # the cluster this machine belongs to
    scores = score_with_ray("math", samples, address="ray://head:10001", actors=16)
    scores = score_with_ray(CodeVerifier(time_limit=1.0), samples)    # a verifier, rebuilt in each actor

How it runs:

- The samples are cut into chunks on the driver exactly as ``rewardkit score`` cuts them
  (:func:`rewardkit.io.group_chunks`: about ``batch_size`` samples, never splitting a GRPO group, so a
  group-normalised spec such as ``cme`` sees every group whole in one ``score_batch`` call). Each chunk
  is one row of a Ray dataset: its number and its samples as a JSON string of ``[index, Sample.to_dict()]``
  pairs (JSON text, so references of any shape, mixed types and nesting survive Arrow unchanged).
  Pre-chunking rather than a ``groupby`` keeps it a plain streaming map (no all-to-all shuffle) and makes
  the batches identical to the local path's.
- ``map_batches(ScorerActor, batch_size=1, compute=ActorPoolStrategy(...))`` scores one chunk per call.
  Each actor loads the spec once (``load_spec``) and keeps it: a model verifier's model is loaded once per
  actor and stays there (on GPUs: one GPU per actor); CPU verifiers use a worker pool of ``num_cpus``
  processes inside the actor (``REWARDKIT_WORKERS``; a verifier's explicit ``workers`` is set to it too),
  so actors x workers is the CPUs Ray handed out, never more. The code verifier's sandboxes live in those
  pool processes, one each (``default_sandbox()``): each actor owns its sandboxes, none is shared.
  Scores come back as JSON strings of ``[index, Score.to_dict()]``.
- The driver puts every score back at its input index. Ray's block order is never relied on.

Spec files are read on the driver (``$REWARDKIT_PATH`` applies there) and their text is shipped to the
actors, so a spec that only exists on the driver's disk works on a remote cluster too. The actors need
``rewardkit`` importable: on a local cluster they run in this very environment; on an existing cluster
install it on every node or ship it with a ``runtime_env`` (see docs/ray.md, "On an existing cluster").
"""

from __future__ import annotations

import collections
import contextlib
import importlib.util
import json
import logging
import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rewardkit.assets import find_asset
from rewardkit.errors import ConfigError, InputError, MissingExtraError, RewardkitError
from rewardkit.io import group_chunks
from rewardkit.spec import SpecVerifier, load_spec
from rewardkit.types import Sample, Score
from rewardkit.verifier import CPUVerifier, Verifier, checked_scores

LOCAL = "local"
AUTO = "auto"
CLIENT_PORT = 10001  # Ray Client's default port (ray://host)
PROBE_TIMEOUT_S = 5.0

Chunk = list[tuple[int, Sample]]


class RayAddressError(ConfigError):
    """The Ray address is malformed or unreachable. The CLI exits 2."""


class RayJobError(RewardkitError, RuntimeError):
    """A Ray scoring job failed in a way the caller can fix (workers without rewardkit, a lost chunk)."""


# ----------------------------------------------------------------------------------------- addresses


def parse_address(address: str | None) -> tuple[str, tuple[str, int] | None]:
    """``(address for ray.init, (host, port) to probe or None)``.

    ``None``, ``""`` and ``"local"``: start a local cluster; ``"auto"``: the cluster this machine belongs
    to (``ray start``, ``$RAY_ADDRESS``); ``"host:port"``: a head node's GCS (6379 by default);
    ``"ray://host[:port]"``: Ray Client (port 10001 by default).
    """
    text = (address or "").strip()
    if text in ("", LOCAL):
        return LOCAL, None
    if text == AUTO:
        return AUTO, None
    client = text.startswith("ray://")
    rest = text.removeprefix("ray://").rstrip("/")
    host, colon, port_text = rest.rpartition(":")
    if not colon:
        host, port_text = rest, (str(CLIENT_PORT) if client else "")
    host = host.strip("[]")  # [::1]:6379
    if not host or "/" in host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RayAddressError(
            f"not a Ray address: {address!r}; use local (start a cluster here), auto (the cluster this "
            "machine belongs to), HOST:PORT (a head node, e.g. 10.0.0.5:6379) or ray://HOST:10001 (Ray Client)"
        )
    port = int(port_text)
    hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return (f"ray://{hostport}" if client else hostport), (host, port)


def _probe(address: str, where: tuple[str, int]) -> None:
    """Fail fast on an unreachable head (ray.init itself retries for minutes)."""
    try:
        socket.create_connection(where, timeout=PROBE_TIMEOUT_S).close()
    except OSError as err:
        why = "timed out" if isinstance(err, TimeoutError) else (err.strerror or type(err).__name__)
        raise RayAddressError(
            f"cannot reach a Ray cluster at {address}: {why}. Start one with `ray start --head` "
            "(then use --ray auto or HOST:6379), or check the address and port."
        ) from None


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as err:
        raise MissingExtraError("scoring on Ray", "ray", err.name) from None
    return ray


class RaySession:
    """A connection to Ray: started (and later shut down) here, or the one this process already has."""

    def __init__(
        self,
        address: str | None = None,
        *,
        local_cpus: int | None = None,
        runtime_env: dict[str, Any] | None = None,
    ) -> None:
        self.requested = address
        self.address, where = parse_address(address)
        self.local_cpus, self.runtime_env = local_cpus, runtime_env
        self.started = False
        if self.address.startswith("ray://") and importlib.util.find_spec("grpc") is None:
            raise RayAddressError(
                f"{self.address}: ray:// addresses need Ray Client: pip install 'ray[client]'; or run this "
                "command on a cluster node (or through `ray job submit`) with --ray auto"
            )
        if where is not None:
            _probe(self.address, where)
        self.ray = _import_ray()

    def open(self) -> None:
        """Connect (or start a local cluster) unless this process is connected already."""
        ray = self.ray
        if ray.is_initialized():
            self._check_same_cluster()
            return
        options: dict[str, Any] = {"logging_level": logging.WARNING, "runtime_env": self.runtime_env}
        try:
            if self.address == LOCAL:
                ray.init(address=LOCAL, num_cpus=self.local_cpus, include_dashboard=False, **options)
            else:
                ray.init(address=self.address, **options)
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as err:
            hint = " Start one with `ray start --head`, or use local." if self.address == AUTO else ""
            raise RayAddressError(f"cannot connect to Ray at {self.address}: {err}{hint}") from None
        self.started = True

    def _check_same_cluster(self) -> None:
        if self.address in (LOCAL, AUTO) or self.address.startswith("ray://"):
            return  # this process's own connection serves
        with contextlib.suppress(Exception):
            current = self.ray.get_runtime_context().gcs_address
            if current and current != self.address:
                raise RayAddressError(
                    f"this process is already connected to the Ray cluster at {current}; "
                    f"cannot also connect to {self.address} (call ray.shutdown() first)"
                )

    def close(self) -> None:
        """Shut Ray down if (and only if) this session started it."""
        if self.started:
            self.started = False
            if self.ray.is_initialized():
                self.ray.shutdown()


# -------------------------------------------------------------------------------------- transport


def encode_samples(items: Sequence[tuple[int, Sample]]) -> str:
    """A chunk as JSON text: ``[[index, Sample.to_dict()], ...]``."""
    try:
        return json.dumps([[i, s.to_dict()] for i, s in items], ensure_ascii=False)
    except (TypeError, ValueError) as err:
        bad = next((i for i, s in items if not _json_ok(s)), "?")
        raise InputError(
            f"sample {bad}: cannot send it to Ray as JSON ({err}); references and meta must be JSON "
            "values (dicts, lists, strings, numbers, booleans, null)"
        ) from None


def _json_ok(sample: Sample) -> bool:
    try:
        json.dumps(sample.to_dict())
    except (TypeError, ValueError):
        return False
    return True


def decode_samples(text: str) -> list[tuple[int, Sample]]:
    return [(int(i), Sample.from_dict(d)) for i, d in json.loads(text)]


def encode_scores(items: Sequence[tuple[int, Score]]) -> str:
    # default=str: a detail that is not a JSON value is written as its str(), as `rewardkit score` does
    return json.dumps([[i, s.to_dict()] for i, s in items], ensure_ascii=False, default=str)


def decode_scores(text: str) -> list[tuple[int, Score]]:
    return [(int(i), Score.from_dict(d)) for i, d in json.loads(text)]


def plan_chunks(samples: Sequence[Sample], batch_size: int) -> list[Chunk]:
    """``(input index, sample)`` chunks of about ``batch_size`` that never split a GRPO group: the
    chunking of ``rewardkit score``."""
    return group_chunks(list(enumerate(samples)), batch_size)


# ------------------------------------------------------------------------------------------ actors


def _in_ray_actor() -> bool:
    """Whether this process is a Ray actor (never the driver, whose pools are not the actor's to close)."""
    try:
        import ray

        return ray.is_initialized() and ray.get_runtime_context().get_actor_id() is not None
    except Exception:
        return False


class ScorerActor:
    """A Ray Data map actor: builds the verifier once (a spec from its text, or a verifier from its class
    and config), then scores one chunk per row.

    CPU verifiers score in the actor's own worker pool of ``pool_workers`` processes (the actor's CPUs);
    the code verifier's sandboxes live in those processes (one per worker, or the actor's own with
    ``workers=0``): nothing is shared between actors or needs a shared file system.
    """

    def __init__(
        self,
        spec_name: str | None = None,
        spec_text: str | None = None,
        overrides: dict[str, Any] | None = None,
        pool_workers: int = 1,
        verifier_class: type[Verifier] | None = None,
        verifier_config: dict[str, Any] | None = None,
    ) -> None:
        # the CPU verifiers' worker pool: as many processes as the actor has CPUs, not one per core
        os.environ["REWARDKIT_WORKERS"] = str(max(1, pool_workers))
        self._in_actor = _in_ray_actor()
        self.verifier: Verifier
        if verifier_class is not None:
            self.verifier = verifier_class(**(verifier_config or {}))
            return
        if spec_name is None or spec_text is None:
            raise ConfigError("ScorerActor needs a spec (spec_name and spec_text) or a verifier_class")
        self._folder = tempfile.TemporaryDirectory(prefix="rewardkit-ray-")
        path = Path(self._folder.name) / f"{spec_name}.yaml"  # same stem: the spec keeps its name
        path.write_text(spec_text, encoding="utf-8")
        self.verifier = load_spec(path, **(overrides or {}))

    def __del__(self) -> None:
        """Ray Data calls this as the actor shuts down: close the actor's worker pools (their sandboxes go
        with them) before Ray ends the process, rather than have a pool see its workers killed."""
        if getattr(self, "_in_actor", False):
            from rewardkit.engine.pool import shared_pools

            for pool in shared_pools():
                with contextlib.suppress(Exception):
                    pool.close()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        numbers, results = [], []
        for number, payload in zip(batch["chunk"], batch["samples"], strict=True):
            items = decode_samples(str(payload))
            scores = checked_scores(self.verifier.score_batch([s for _, s in items]), len(items))
            numbers.append(int(number))
            results.append(encode_scores([(i, s) for (i, _), s in zip(items, scores, strict=True)]))
        return {"chunk": np.array(numbers, dtype=np.int64), "scores": np.array(results, dtype=object)}


# ------------------------------------------------------------------------------------------ scorer


@contextlib.contextmanager
def _quiet_ray_data(ray: Any, quiet: bool) -> Iterator[None]:
    """No Ray Data progress bars or per-run INFO logs (rewardkit shows its own progress)."""
    if not quiet:
        yield
        return
    context = ray.data.DataContext.get_current()
    saved = context.enable_progress_bars, context.print_on_execution_start
    # ray.data's INFO lines, and the one warning that says the progress bars are off
    loggers = {"ray.data": logging.WARNING, "ray.data._internal.progress": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in loggers}
    context.enable_progress_bars, context.print_on_execution_start = False, False
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class RayScorer(Verifier):
    """A reward spec (a name or path), or a verifier instance, scored on Ray Data, as a
    :class:`~rewardkit.verifier.Verifier`.

    A verifier instance travels as its class and config and is rebuilt in each actor, so its scores are
    exactly the local ``verifier.score_batch`` ones (a spec's scores carry their components' details
    under ``details["components"]``).

    ``score_batch(samples)`` scores through Ray (order in == order out). ``prepare_chunks(chunks)`` (called
    by ``rewardkit score``) starts one streaming job over all chunks; the ``score_batch`` calls that follow,
    one per chunk in the same order, then return each chunk's scores as soon as that chunk is done, so the
    CLI's checkpointing and progress bar work unchanged. ``close()`` shuts down a cluster started here.

    ``actors``: pool size (default: what the cluster holds: CPUs / ``num_cpus``, or GPUs / ``num_gpus``
    for a spec with a local model, at most one per chunk; a fixed size when given, else an autoscaling
    pool of 1 up to that many); ``num_gpus`` (default: 1 per actor when the spec loads a model and the
    cluster has GPUs, else 0); ``num_cpus`` per actor (default: 1; for a model on CPU actors 4, at most
    the cluster's CPUs: one model copy per actor, its matrix products on several threads); CPU verifiers
    get a worker pool of ``num_cpus`` processes in each actor (a verifier's own ``workers`` is replaced
    by it, ``workers=0`` kept: see :meth:`actor_arguments`); ``local_cpus``: CPUs of a local cluster started
    here (default: all); ``runtime_env``: for ``ray.init`` on an existing cluster (e.g. ``{"pip":
    ["rewardkit[ray]"]}``); ``overrides``: component config overrides as in ``load_spec``.
    """

    name = "ray"

    def __init__(
        self,
        spec: str | os.PathLike[str] | Verifier,
        *,
        address: str | None = None,
        actors: int | None = None,
        batch_size: int = 256,
        num_cpus: float | None = None,
        num_gpus: float | None = None,
        overrides: dict[str, dict[str, Any]] | None = None,
        local_cpus: int | None = None,
        runtime_env: dict[str, Any] | None = None,
        quiet: bool = True,
    ) -> None:  # not Verifier.__init__: the config is the spec's
        if batch_size < 1 or (actors is not None and actors < 1) or (num_cpus is not None and num_cpus <= 0):
            raise ConfigError("batch_size and actors must be >= 1, num_cpus > 0")
        self.overrides = overrides or {}
        self.spec: Verifier
        self._spec_source: tuple[str, str] | None = None
        if isinstance(spec, Verifier):  # shipped as its class and config, rebuilt in each actor
            if isinstance(spec, RayScorer):
                raise ConfigError("cannot score a RayScorer on Ray: pass its spec or verifier instead")
            if self.overrides:
                raise ConfigError(
                    f"overrides apply to a reward spec's components; configure the {type(spec).__name__} "
                    "itself instead (e.g. CodeVerifier(time_limit=1.0))"
                )
            self.spec = spec
        else:
            self.spec = load_spec(spec, **self.overrides)  # checked here, before Ray starts
            path = find_asset("verifiers", spec)
            self._spec_source = (path.stem, path.read_text(encoding="utf-8"))
        self.config = self.spec.config
        self.actors, self.batch_size, self.num_cpus, self.num_gpus = actors, batch_size, num_cpus, num_gpus
        self.quiet = quiet
        self.session = RaySession(address, local_cpus=local_cpus, runtime_env=runtime_env)
        if self.session.address != LOCAL:
            self.session.open()  # a wrong cluster fails now; a local one starts when there is work
        self._expected: collections.deque[tuple[int, list[int]]] = collections.deque()
        self._buffer: dict[int, list[tuple[int, Score]]] = {}
        self._stream: Iterator[tuple[int, list[tuple[int, Score]]]] | None = None

    def __repr__(self) -> str:
        what = self.spec.config.name if isinstance(self.spec, SpecVerifier) else type(self.spec).__name__
        return f"RayScorer({what!r}, address={self.session.address!r})"

    def __enter__(self) -> RayScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stream, self._expected, self._buffer = None, collections.deque(), {}
        self.session.close()

    # ------------------------------------------------------------------------------- resources

    def _verifiers(self) -> list[tuple[str | None, Verifier]]:
        """(component name, verifier) for a spec's components; ``[(None, verifier)]`` for a verifier."""
        if isinstance(self.spec, SpecVerifier):
            return [(c.name, c.verifier) for c in self.spec.components]
        return [(None, self.spec)]

    def uses_local_model(self) -> bool:
        """Whether some component holds a model in its process (a local backend: transformers, vLLM; not
        a client of a server such as the openai backend)."""
        from rewardkit.engine.backends import LocalBackend, backend_class
        from rewardkit.verifiers.model import ModelVerifier

        return any(
            isinstance(v, ModelVerifier) and issubclass(backend_class(v.config.backend), LocalBackend)
            for _, v in self._verifiers()
        )

    def actor_arguments(self, pool_workers: int) -> dict[str, Any]:
        """The :class:`ScorerActor` constructor's arguments for actors with ``pool_workers`` CPUs.

        A CPU verifier's own ``workers`` count (a local setting) becomes ``pool_workers``, so that
        actors x workers never exceeds the CPUs Ray gave the actors; ``workers=0`` (inline) is kept.
        """
        resized = {
            name: pool_workers
            for name, v in self._verifiers()
            if isinstance(v, CPUVerifier) and v.config.workers not in (None, 0, pool_workers)
        }
        if self._spec_source is None:
            config = self.spec.config_dict()
            if None in resized:
                config["workers"] = pool_workers
            return {
                "verifier_class": type(self.spec),
                "verifier_config": config,
                "pool_workers": pool_workers,
            }
        overrides = {name: dict(self.overrides.get(name, {})) for name in self.overrides}
        for name, workers in resized.items():
            overrides.setdefault(str(name), {})["workers"] = workers
        name, text = self._spec_source
        return {"spec_name": name, "spec_text": text, "overrides": overrides, "pool_workers": pool_workers}

    def plan_resources(self, chunks: int) -> tuple[int, float, float]:
        """(actors, CPUs per actor, GPUs per actor) for a job of ``chunks`` chunks."""
        cluster = self.session.ray.cluster_resources()
        gpus = self.num_gpus
        if gpus is None:
            gpus = 1.0 if self.uses_local_model() and cluster.get("GPU", 0) >= 1 else 0.0
        cpus = self.num_cpus
        if cpus is None:
            on_cpu = gpus == 0 and self.uses_local_model()
            cpus = float(max(1, min(4, int(cluster.get("CPU", 1))))) if on_cpu else 1.0
        if self.actors is not None:
            n = self.actors
        elif gpus > 0:
            n = int(cluster.get("GPU", 0) // gpus)
        else:
            n = int(cluster.get("CPU", 1) // cpus)
        return max(1, min(n, chunks)), cpus, gpus

    # --------------------------------------------------------------------------------- running

    def stream(self, chunks: Sequence[Chunk]) -> Iterator[tuple[int, list[tuple[int, Score]]]]:
        """Score the chunks on Ray in one streaming job; yield ``(chunk number, [(input index, Score)])`` as
        chunks finish, in any order. Connects (or starts the local cluster) on the first ``next``."""
        chunks = [c for c in chunks if c]
        if not chunks:
            return
        self.session.open()
        ray = self.session.ray
        rows = [{"chunk": n, "samples": encode_samples(c)} for n, c in enumerate(chunks)]
        actors, cpus, gpus = self.plan_resources(len(rows))
        compute = (
            ray.data.ActorPoolStrategy(size=actors)
            if self.actors is not None
            else ray.data.ActorPoolStrategy(min_size=1, max_size=actors)
        )
        try:
            with _quiet_ray_data(ray, self.quiet):
                dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
                    ScorerActor,
                    fn_constructor_kwargs=self.actor_arguments(max(1, int(cpus))),
                    batch_size=1,  # one chunk per score_batch call, exactly as the local path
                    compute=compute,
                    num_cpus=cpus,
                    num_gpus=gpus,
                )
                for row in dataset.iter_rows():
                    yield int(row["chunk"]), decode_scores(row["scores"])
        except Exception as err:
            if "No module named 'rewardkit'" in str(err):
                raise RayJobError(
                    "the Ray workers cannot import rewardkit: install it on every node, or pass "
                    "runtime_env={'pip': ['rewardkit[ray]']} (see docs/ray.md, 'On an existing cluster')"
                ) from err
            raise

    def score_chunks(self, chunks: Sequence[Chunk]) -> dict[int, Score]:
        """Every sample's score by input index."""
        out: dict[int, Score] = {}
        try:
            for _, items in self.stream(chunks):
                out.update(items)
        finally:
            if not self._expected:
                self.session.close()
        return out

    def score_batch(self, samples: Sequence[Sample]) -> list[Score]:
        samples = list(samples)
        if not samples:
            return []
        if self._expected and self._expected[0][1] == [id(s) for s in samples]:
            return self._next_prepared()
        by_index = self.score_chunks(plan_chunks(samples, self.batch_size))
        return [by_index[i] for i in range(len(samples))]

    def prepare_chunks(self, chunks: Sequence[Sequence[Sample]]) -> None:
        """Start scoring all these chunks in one streaming job; ``score_batch`` with exactly these
        chunks, in this order, then returns each one's scores as it finishes."""
        chunks = [list(c) for c in chunks if c]
        self._expected = collections.deque((n, [id(s) for s in c]) for n, c in enumerate(chunks))
        self._buffer = {}
        self._stream = self.stream([list(enumerate(c)) for c in chunks])

    def _next_prepared(self) -> list[Score]:
        number, _ = self._expected[0]
        try:
            while number not in self._buffer:
                got, items = next(self._stream)  # type: ignore[arg-type]
                self._buffer[got] = items
        except StopIteration:
            self.close()
            raise RayJobError(f"the Ray job ended without chunk {number}") from None
        except BaseException:  # Ctrl-C or a failed job: nothing more will be asked for
            self.close()
            raise
        self._expected.popleft()
        scores = [score for _, score in sorted(self._buffer.pop(number), key=lambda item: item[0])]
        if not self._expected:  # everything prepared has been handed out
            self._stream = None
            self.session.close()
        return scores


def score_with_ray(
    spec: str | os.PathLike[str] | Verifier,
    samples: Sequence[Sample],
    *,
    address: str | None = None,
    **options: Any,
) -> list[Score]:
    """Score ``samples`` with a reward spec (a name or path), or a verifier instance such as
    ``CodeVerifier(time_limit=1.0)``, on Ray Data; one Score per sample, in input order.

    ``address``: ``None``/``"local"`` starts a local cluster (shut down afterwards), ``"auto"``,
    ``"host:6379"`` or ``"ray://host:10001"`` connect to an existing one; a process already connected to
    Ray (``ray.init`` called before) uses that connection and leaves it open. ``options``: those of
    :class:`RayScorer` (``batch_size``: samples per ``score_batch`` call, groups never split; ``actors``,
    ``num_cpus``, ``num_gpus``, ``overrides``, ``local_cpus``, ``runtime_env``, ``quiet``).
    """
    with RayScorer(spec, address=address, **options) as scorer:
        return scorer.score_batch(samples)


__all__ = [
    "RayAddressError",
    "RayJobError",
    "RayScorer",
    "RaySession",
    "ScorerActor",
    "parse_address",
    "plan_chunks",
    "score_with_ray",
]
