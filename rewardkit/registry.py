"""One generic registry, used for every kind of pluggable thing: verifiers, backends, comparisons (and the
judges, metrics and suites that build on them).

A :class:`Registry` maps names to objects (usually classes) from three sources:

1. built-ins, given as lazy ``"module:attr"`` targets so nothing is imported until it is used (a target
   may name the optional extra it needs: asking for it without the extra says what to install);
2. the entry-point group of the kind (``[project.entry-points."rewardkit.verifiers"]`` in a plugin's
   pyproject: ``name = "package.module:Class"``);
3. objects registered at run time with :meth:`Registry.register` (a class decorator).

A name is one thing: registering a name that a built-in, an entry point or another registration already
holds is a :class:`~rewardkit.errors.ConfigError` (pass ``replace=True`` to mean it), and so is an entry
point named like a built-in. Nothing is silently replaced.
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


@dataclass(frozen=True)
class Lazy:
    """A built-in not imported yet: ``"module:attr"``, the extra it needs (None: the core), and the
    third-party modules of that extra it uses (checked before import, since a module may import them
    only when first used)."""

    target: str
    extra: str | None = None
    requires: tuple[str, ...] = ()


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

    def entry_points(self) -> dict[str, EntryPoint]:
        """The entry points of this kind's group; one named like a built-in is an error."""
        if self.group is None:
            return {}
        found = {ep.name: ep for ep in entry_points(group=self.group)}
        for name, ep in found.items():
            if name in self._builtins:
                raise ConfigError(
                    f"the entry point {name!r} ({ep.value}) in group {self.group!r} has the name of a "
                    f"built-in {self.kind}; rename it in its package's entry points"
                )
        return found

    def names(self) -> list[str]:
        """Every name this registry knows, sorted."""
        return sorted(set(self._builtins) | set(self._registered) | set(self.entry_points()))

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
        if current is None and name in self._builtins:
            return self._builtins[name].target == f"{obj.__module__}:{obj.__qualname__}"
        if current is None:
            return False
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


__all__ = ["Configurable", "Lazy", "Registry", "StrictConfig", "load_target"]
