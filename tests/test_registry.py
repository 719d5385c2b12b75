"""The one registry: lazy built-ins, entry points (a real installed-distribution layout on sys.path),
run-time registration, name collisions, missing extras; and the one error root."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rewardkit
from rewardkit import CPUVerifier, Score, Verifier
from rewardkit.engine.backends import BACKENDS, backend_class
from rewardkit.errors import ConfigError, MissingExtraError, RewardkitError
from rewardkit.registry import Lazy, Registry
from rewardkit.verifier import VERIFIERS, get_verifier_class, register


class Echo(CPUVerifier):
    name = "test_echo"

    def score_one(self, sample):
        return Score.correct(sample.response == "yes")


def write_plugin(root: Path, group: str, entries: dict[str, str], module_source: str) -> None:
    """An installed distribution as pip leaves it: a module and a dist-info with entry_points.txt."""
    (root / "rk_plugin_mod.py").write_text(textwrap.dedent(module_source), encoding="utf-8")
    info = root / "rk_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rk-plugin\nVersion: 0.1\n", encoding="utf-8")
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[{group}]\n{lines}", encoding="utf-8")


PLUGIN = """
    from rewardkit import CPUVerifier, Score

    class Shout(CPUVerifier):
        name = "shout"

        def score_one(self, sample):
            return Score.correct(sample.response.isupper())

    class NotAVerifier:
        pass
"""


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("rk_plugin_mod", None)
    importlib.invalidate_caches()


def test_builtins_are_lazy_and_listed() -> None:
    assert {"math", "code", "sql", "likelihood", "classifier"} <= set(VERIFIERS.names())
    assert VERIFIERS.target("math") == "rewardkit.verifiers.math:MathVerifier"
    assert get_verifier_class("math").__name__ == "MathVerifier"
    assert set(BACKENDS.names()) >= {"transformers", "vllm", "openai"}
    assert backend_class("openai").kind == "openai"


def test_entry_point_plugin_is_found_and_scored(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "rewardkit.verifiers", {"shout": "rk_plugin_mod:Shout"}, PLUGIN)
    assert "shout" in rewardkit.available_verifiers()
    verifier = rewardkit.create_verifier("shout", workers=0)
    assert [s.value for s in verifier.score_batch([rewardkit.Sample("HI"), rewardkit.Sample("hi")])] == [
        1.0,
        0.0,
    ]
    VERIFIERS.unregister("shout")


def test_entry_point_named_like_a_builtin_is_an_error_for_that_name_only(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "rewardkit.verifiers", {"math": "rk_plugin_mod:Shout"}, PLUGIN)
    assert "math" in rewardkit.available_verifiers()  # listing still works, and shows the name
    message = r"entry point 'math' \(rk_plugin_mod:Shout\).*built-in verifier.*rename it"
    with pytest.raises(ConfigError, match=message):
        get_verifier_class("math")
    assert "math" in VERIFIERS.broken()
    assert get_verifier_class("code").__name__ == "CodeVerifier"  # other names keep working
    register(Echo)  # and so does registering an unrelated name
    VERIFIERS.unregister("test_echo")


def test_two_entry_points_of_one_name_are_an_error(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "rewardkit.verifiers", {"shout": "rk_plugin_mod:Shout"}, PLUGIN)
    other = plugin_dir / "other"
    other.mkdir()
    info = other / "rk_other-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rk-other\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[rewardkit.verifiers]\nshout = rk_other_mod:Loud\n", encoding="utf-8"
    )
    sys.path.insert(0, str(other))
    try:
        with pytest.raises(
            ConfigError, match=r"2 entry points in group 'rewardkit.verifiers' are named 'shout'"
        ):
            get_verifier_class("shout")
    finally:
        sys.path.remove(str(other))


def test_a_plugin_that_registers_itself_and_has_an_entry_point(plugin_dir: Path) -> None:
    """The pattern the docs teach: @register in the module, and the package's entry point naming it."""
    write_plugin(
        plugin_dir,
        "rewardkit.verifiers",
        {"selfreg": "rk_plugin_mod:SelfRegistered"},
        PLUGIN
        + """
    from rewardkit import register

    @register
    class SelfRegistered(CPUVerifier):
        name = "selfreg"

        def score_one(self, sample):
            return Score.correct(True)
    """,
    )
    try:
        cls = get_verifier_class("selfreg")  # imports the module, whose @register runs first
        assert cls.__name__ == "SelfRegistered" and get_verifier_class("selfreg") is cls
    finally:
        VERIFIERS.unregister("selfreg")


def test_entry_point_that_is_not_a_verifier_is_refused(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "rewardkit.verifiers", {"odd": "rk_plugin_mod:NotAVerifier"}, PLUGIN)
    with pytest.raises(
        ConfigError, match=r"entry point 'odd' \(rk_plugin_mod:NotAVerifier\) is not a .*Verifier"
    ):
        get_verifier_class("odd")


def test_registering_a_taken_name_is_refused_unless_replace() -> None:
    class Impostor(CPUVerifier):
        name = "math"

    with pytest.raises(
        ConfigError, match=r"a verifier named 'math' already exists \(built in: .*MathVerifier\)"
    ):
        register(Impostor)
    assert get_verifier_class("math").__name__ == "MathVerifier"  # the built-in was not replaced
    register(Echo)
    try:
        register(Echo)  # the same class again (a re-import) is not a collision

        class Other(CPUVerifier):
            name = "test_echo"

        with pytest.raises(ConfigError, match="already exists"):
            register(Other)
        register(Other, replace=True)
        assert get_verifier_class("test_echo") is Other
    finally:
        VERIFIERS.unregister("test_echo")
    with pytest.raises(ConfigError, match="unknown verifier 'test_echo'; available: .*math"):
        get_verifier_class("test_echo")


def test_register_needs_a_name_and_the_base_class() -> None:
    class Nameless(Verifier):
        pass

    with pytest.raises(ConfigError, match="has no name"):
        register(Nameless)
    with pytest.raises(ConfigError, match="is not a rewardkit.verifier.Verifier subclass"):
        VERIFIERS.register(object, name="object")


def test_lazy_builtin_with_a_missing_module_names_its_extra() -> None:
    registry: Registry[object] = Registry(
        "widget", builtins={"gpu": Lazy("rk_no_such_module_here:Widget", "models"), "plain": "json:dumps"}
    )
    with pytest.raises(MissingExtraError) as err:
        registry.get("gpu")
    message = str(err.value)
    assert "the widget 'gpu' needs the 'models' extra" in message
    assert "pip install 'rewardkit[models]'" in message and "rk_no_such_module_here" in message
    assert isinstance(err.value, ImportError) and isinstance(err.value, RewardkitError)
    import json

    assert registry.get("plain") is json.dumps


def test_missing_torch_names_the_models_extra() -> None:
    """A core install (no torch): the transformers backend says which extra to install."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # as if torch were not installed
        from rewardkit.engine.backends import backend_class
        try:
            backend_class("transformers")
        except Exception as err:
            print(type(err).__name__, err)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingExtraError the backend 'transformers' needs the 'models' extra"), out
    assert "pip install 'rewardkit[models]'" in out


def _package_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(rewardkit.__path__, "rewardkit."):
        if info.name.endswith(
            ("_code_harness", "_zygote", "__main__")
        ):  # stdlib-only programs run inside the sandbox
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra (e.g. vLLM) that this environment lacks
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                obj.__module__ == info.name
                and issubclass(obj, BaseException)
                and not obj.__name__.startswith("_")
            ):
                found.append(obj)
    return found


def test_every_public_exception_derives_from_the_root() -> None:
    exceptions = _package_exceptions()
    assert len(exceptions) >= 8  # the walk really found the package's exceptions
    strays = [f"{e.__module__}.{e.__qualname__}" for e in exceptions if not issubclass(e, RewardkitError)]
    assert strays == [], f"exceptions outside rewardkit.RewardkitError: {strays}"


def test_user_facing_failures_are_under_the_root(tmp_path: Path) -> None:
    from rewardkit.engine.models import resolve_model
    from rewardkit.engine.pool import WorkerPool
    from rewardkit.engine.sandbox import Limits

    for attempt in (
        lambda: resolve_model("no-such-model"),
        lambda: WorkerPool(0),
        lambda: Limits(wall_s=-1),
        lambda: rewardkit.create_verifier("likelihood", backend="tgi"),
    ):
        with pytest.raises(RewardkitError):
            attempt()


def test_one_catch_gets_config_and_spec_failures(write_spec) -> None:
    with pytest.raises(RewardkitError, match=r"^math: timeout: Input should be greater than 0 \(got -1\)$"):
        rewardkit.create_verifier("math", timeout=-1)
    with pytest.raises(
        RewardkitError, match=r"math: timout: unknown key 'timout'; allowed: timeout, workers"
    ):
        rewardkit.create_verifier("math", timout=3)
    path = write_spec(
        """
        components:
          - name: c
            verifier: math
            config: {timout: 3}
        """
    )
    with pytest.raises(
        RewardkitError, match=r"spec.yaml:4: components\[0\]\.config\.timout: unknown key 'timout'"
    ):
        rewardkit.load_spec(path)
