"""One generic registry, used for every kind of pluggable thing: verifiers, backends, comparisons (and the
judges, metrics and suites that build on them).

A :class:`Registry` maps names to objects (usually classes) from three sources:

1. built-ins, given as lazy ``"module:attr"`` targets so nothing is imported until it is used (a target
   may name the optional extra it needs: asking for it without the extra says what to install);
2. the entry-point group of the kind (``[project.entry-points."rewardkit.verifiers"]`` in a plugin's
   pyproject: ``name = "package.module:Class"``);
3. objects registered at run time with :meth:`Registry.register` (a class decorator).

A name is one thing: registering a name that a built-in, an entry point or another registration already
holds is a :class:`~rewardkit.errors.ConfigError` (pass ``replace=True`` to mean it). An entry point
named like a built-in, or two entry points of one name, make that name broken: asking for it is a
ConfigError that says which packages collide, while every other name keeps working. Nothing is silently
replaced. A plugin class that registers itself with its own decorator and is also named by its entry
point (the same ``module:Class``) is one thing, not a collision.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar, Generic, TypeVar, overload

from pydantic import BaseModel, ConfigDict, ValidationError

from rewardkit.errors import ConfigError, MissingExtraError, config_error

T = TypeVar("T")


#: The third-party modules each optional extra brings (what a built-in that needs the extra checks for).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "models": ("torch", "transformers"),
    "server": ("fastapi", "uvicorn", "prometheus_client"),
    "parquet": ("pyarrow",),
    "ray": ("ray",),
}


@dataclass(frozen=True)
class Lazy:
    """A built-in not imported yet: ``"module:attr"`` and the extra it needs (None: the core). The extra's
    modules (:data:`EXTRA_MODULES`) are checked before the import, since a module may import them only
    when first used."""

    target: str
    extra: str | None = None

    @property
    def requires(self) -> tuple[str, ...]:
        return EXTRA_MODULES.get(self.extra, ()) if self.extra else ()


def load_target(target: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Names -> objects of one kind. ``base`` (optional) is the class every entry must subclass."""

    def __init__(
        self,
        kind: str,
        *,
        group: str | None = None,
        base: type | None = None,
        builtins: dict[str, str | Lazy] | None = None,
        name_of: Callable[[Any], str] | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self.base = base
        self._builtins = {k: v if isinstance(v, Lazy) else Lazy(v) for k, v in (builtins or {}).items()}
        self._name_of = name_of or (lambda obj: getattr(obj, "name", "") or "")
        self._registered: dict[str, T] = {}
        self._loaded: dict[str, T] = {}
        self._lock = threading.RLock()

    # -- sources ------------------------------------------------------------------------------------

    def _scan(self) -> tuple[dict[str, EntryPoint], dict[str, str]]:
        """The usable entry points of this kind's group, and the broken names with what is wrong."""
        if self.group is None:
            return {}, {}
        by_name: dict[str, dict[str, EntryPoint]] = {}
        for ep in entry_points(group=self.group):
            by_name.setdefault(ep.name, {})[ep.value] = ep  # one distribution seen twice counts once
        usable, broken = {}, {}
        for name, found in by_name.items():
            values = ", ".join(sorted(found))
            if name in self._builtins:
                broken[name] = (
                    f"the entry point {name!r} ({values}) in group {self.group!r} has the name of a built-in "
                    f"{self.kind}; rename it in its package's entry points (or uninstall that package)"
                )
            elif len(found) > 1:
                broken[name] = (
                    f"{len(found)} entry points in group {self.group!r} are named {name!r} ({values}); "
                    "uninstall or rename all but one"
                )
            else:
                usable[name] = next(iter(found.values()))
        return usable, broken

    def entry_points(self) -> dict[str, EntryPoint]:
        """The usable entry points of this kind's group (see :meth:`broken` for the others)."""
        return self._scan()[0]

    def broken(self) -> dict[str, str]:
        """Names whose entry points collide (with a built-in, or with each other), and why. Asking for
        such a name is a ConfigError; every other name keeps working."""
        return self._scan()[1]

    def names(self) -> list[str]:
        """Every name this registry knows, sorted (broken entry-point names included, so they show)."""
        usable, broken = self._scan()
        return sorted(set(self._builtins) | set(self._registered) | set(usable) | set(broken))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def target(self, name: str) -> str:
        """Where ``name`` comes from: ``"module:attr"`` for built-ins and entry points, else the object's
        qualified name."""
        if name in self._registered:
            obj = self._registered[name]
            return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"
        if name in self._builtins:
            return self._builtins[name].target
        eps = self.entry_points()
        if name in eps:
            return eps[name].value
        raise self._unknown(name)

    # -- registration -------------------------------------------------------------------------------

    @overload
    def register(self, obj: T, *, name: str | None = None, replace: bool = False) -> T: ...

    @overload
    def register(
        self, obj: None = None, *, name: str | None = None, replace: bool = False
    ) -> Callable[[T], T]: ...

    def register(self, obj: Any = None, *, name: str | None = None, replace: bool = False) -> Any:
        """Register ``obj`` under ``name`` (default: its ``name`` attribute). Usable as a decorator, bare
        or with arguments. Taking a name already in use raises ConfigError unless ``replace=True``."""
        if obj is None:
            return lambda o: self.register(o, name=name, replace=replace)
        key = name or self._name_of(obj)
        if not key:
            raise ConfigError(
                f"{getattr(obj, '__qualname__', obj)!r} has no name; set name = '...' on the class or pass "
                f"name= to register it as a {self.kind}"
            )
        self._check(key, obj)
        with self._lock:
            if not replace:
                holder = self._holder(key)
                if holder is not None and not self._same(key, obj):
                    raise ConfigError(
                        f"a {self.kind} named {key!r} already exists ({holder}); choose another name, or "
                        f"pass replace=True to replace it on purpose"
                    )
            self._registered[key] = obj
            self._loaded.pop(key, None)
        return obj

    def unregister(self, name: str) -> None:
        """Forget a run-time registration (tests, notebooks); a built-in of that name comes back."""
        with self._lock:
            self._registered.pop(name, None)
            self._loaded.pop(name, None)

    # -- lookup -------------------------------------------------------------------------------------

    def get(self, name: str) -> T:
        """The object registered as ``name``, imported on first use."""
        broken = self.broken()
        if name in broken:
            raise ConfigError(broken[name])
        with self._lock:
            if name in self._registered:
                return self._registered[name]
            if name in self._loaded:
                return self._loaded[name]
        if name in self._builtins:
            lazy = self._builtins[name]
            for module in lazy.requires:
                if importlib.util.find_spec(module) is None:
                    raise MissingExtraError(f"the {self.kind} {name!r}", lazy.extra or "all", module)
            obj = self._import(name, lazy.target, lazy.extra)
        else:
            eps = self.entry_points()
            if name not in eps:
                raise self._unknown(name)
            obj = self._import(name, eps[name].value, None)
            self._check(name, obj, source=f"entry point {name!r} ({eps[name].value})")
        with self._lock:
            return self._loaded.setdefault(name, obj)

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    # -- internals ----------------------------------------------------------------------------------

    def _import(self, name: str, target: str, extra: str | None) -> Any:
        try:
            return load_target(target)
        except ModuleNotFoundError as err:
            missing = (err.name or "").split(".")[0]
            if extra is not None and missing and missing != "rewardkit":
                raise MissingExtraError(f"the {self.kind} {name!r}", extra, missing) from err
            raise

    def _holder(self, name: str) -> str | None:
        if name in self._builtins:
            return f"built in: {self._builtins[name].target}"
        if name in self._registered:
            return f"registered at run time: {self.target(name)}"
        eps = self.entry_points()
        if name in eps:
            return f"entry point {eps[name].value}"
        return None

    def _same(self, name: str, obj: Any) -> bool:
        """Re-registering the very same object (or a re-import of the same class) is not a collision."""
        current: Any = self._registered.get(name) or self._loaded.get(name)
        where = f"{getattr(obj, '__module__', '')}:{getattr(obj, '__qualname__', '')}"
        if current is None and name in self._builtins:
            return self._builtins[name].target == where
        if current is None:  # a plugin's class registering itself as its module is imported
            ep = self.entry_points().get(name)
            return ep is not None and ep.value == where
        return current is obj or (
            getattr(current, "__module__", None) == getattr(obj, "__module__", "")
            and getattr(current, "__qualname__", None) == getattr(obj, "__qualname__", "")
        )

    def _check(self, name: str, obj: Any, source: str | None = None) -> None:
        if self.base is not None and not (isinstance(obj, type) and issubclass(obj, self.base)):
            where = source or f"{name!r}"
            raise ConfigError(f"{where} is not a {self.base.__module__}.{self.base.__qualname__} subclass")

    def _unknown(self, name: str) -> ConfigError:
        return ConfigError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or '(none)'}")

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self.names())} entries)"


# ------------------------------------------------------------------------- what registries build


class StrictConfig(BaseModel):
    """Base of every keyword config (verifiers, comparators, ...): unknown keys are rejected; frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Configurable:
    """Something built from keyword config, so a YAML file can build it: subclasses set ``name`` and a
    ``Config`` model; a bad key or value is a ConfigError naming it (in the one wording of
    :mod:`rewardkit.errors`)."""

    name: ClassVar[str] = ""
    Config: ClassVar[type[StrictConfig]] = StrictConfig

    def __init__(self, **config: Any) -> None:
        try:
            self.config = self.Config(**config)
        except ValidationError as err:
            raise config_error(self.name or type(self).__name__, self.Config, err) from None

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config_dict().items())
        return f"{type(self).__name__}({args})"


__all__ = ["EXTRA_MODULES", "Configurable", "Lazy", "Registry", "StrictConfig", "load_target"]
