"""Private half of rewardkit.engine.sandbox: the zygote that runs programs, and the root launcher.

Standard library only, no rewardkit imports: this file runs *inside* the sandbox, where the package is
not importable (the sandbox receives this file's text, not the checkout). Two entry points:

    python zygote.py serve REQ_FD RESP_FD   the zygote: a warm interpreter that runs one program at a
                                            time for the host, over two pipes (messages: see pack())
    python -I -S zygote.py launch SPEC      root only, on the host: bind the Python install and bwrap
                                            (where the sandbox uid cannot reach them, e.g. under
                                            /root or a 0700 temp dir) onto staging dirs in a private
                                            mount namespace, drop to the sandbox uid, exec bwrap

Per run the zygote forks a child which becomes the program: fresh stdin/stdout/stderr, all
other descriptors closed, rlimits (CPU, AS, FSIZE, NPROC, NOFILE, CORE), the uid drop where the zygote
itself is root, then either ``execve(argv)`` or, for Python code, ``exec`` in a fresh ``__main__``
(the interpreter is already warm: no startup cost). The zygote enforces the wall limit, caps the
captured output, and when the program's main process ends (or times out) kills every other process of
the run, reaps them, collects the requested files and wipes the writable directories. See the host
module's docstring for what this does and does not guarantee.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import stat
import struct
import sys
import threading
import time
import types
from importlib.machinery import BuiltinImporter as _BuiltinImporter  # python -c's __main__.__loader__

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_NAMESPACES = {"net": 0x40000000, "ipc": 0x08000000, "uts": 0x04000000, "mnt": 0x00020000}
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 0x1, 0x2, 0x4, 0x20
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
_IPC_RMID = 0
_KEYCTL = {"x86_64": 250, "aarch64": 219, "i686": 288, "armv7l": 311, "ppc64le": 250, "s390x": 280}
_KEYCTL_JOIN_SESSION_KEYRING, _KEYCTL_CLEAR = 1, 7
_KEY_SPEC_SESSION, _KEY_SPEC_USER, _KEY_SPEC_USER_SESSION = -3, -4, -5
_BLOB = "\0b"  # key of a bytes placeholder in a message header (no path or name contains NUL)
_MAX_MESSAGE = 1 << 34


# ------------------------------------------------------------------------------- messages (both sides)


def pack(obj: object) -> bytes:
    """One message: a JSON header in which every bytes value is replaced by {"\\0b": index}, then the
    blobs. JSON, not pickle: nothing in a message can make its reader run code."""
    blobs: list[bytes] = []

    def enc(o: object) -> object:
        if isinstance(o, (bytes, bytearray, memoryview)):
            blobs.append(bytes(o))
            return {_BLOB: len(blobs) - 1}
        if isinstance(o, dict):
            return {str(k): enc(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [enc(v) for v in o]
        return o

    head = json.dumps(enc(obj), separators=(",", ":")).encode()
    parts = [struct.pack("<IQ", len(blobs), len(head)), head]
    for b in blobs:
        parts += [struct.pack("<Q", len(b)), b]
    body = b"".join(parts)
    return struct.pack("<Q", len(body)) + body


def unpack(body: bytes) -> object:
    n, head_len = struct.unpack_from("<IQ", body, 0)
    pos = 12 + head_len
    head = json.loads(body[12:pos])
    blobs = []
    for _ in range(n):
        (size,) = struct.unpack_from("<Q", body, pos)
        blobs.append(body[pos + 8 : pos + 8 + size])
        pos += 8 + size

    def dec(o: object) -> object:
        if isinstance(o, dict):
            if len(o) == 1 and _BLOB in o:
                return blobs[o[_BLOB]]
            return {k: dec(v) for k, v in o.items()}
        if isinstance(o, list):
            return [dec(v) for v in o]
        return o

    return dec(head)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv(fd: int) -> object:
    head = _read_exact(fd, 8)
    if head is None:
        return None
    (size,) = struct.unpack("<Q", head)
    if size > _MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes")
    body = _read_exact(fd, size)
    return None if body is None else unpack(body)


# ------------------------------------------------------------------------------------- small helpers


def _prctl(option: int, arg: int) -> None:
    if _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"prctl({option}): {os.strerror(e)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> int:
    enc = lambda v: None if v is None else v.encode()  # noqa: E731
    return _libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _close_fds_from(low: int) -> None:
    """Close every descriptor >= low (close_range(2); /proc/self/fd where that is missing)."""
    try:
        if _libc.close_range(ctypes.c_uint(low), ctypes.c_uint(0xFFFFFFFF), 0) == 0:
            return
    except AttributeError:  # glibc < 2.34
        pass
    try:
        fds = [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(low, 65536))
    for fd in fds:
        if fd >= low:
            with contextlib.suppress(OSError):
                os.close(fd)


def _wipe(path: str, keep: str | list[str] | None = None) -> bool:
    """Empty the directory path (kept), fixing the permissions the program took away (it owned the
    files). ``keep``: subdirectories of path to leave (the working directory, emptied separately; the
    read-only mount points of a Python installation living there). The walk goes by directory
    descriptors (openat/unlinkat, ".." to climb back), never by full paths, iteratively: no depth or path
    length stops it, and it holds two descriptors at most. Run only when no process of the run is left
    (nothing moves under us). True when path is left holding nothing (but what it keeps)."""
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except PermissionError:
        try:
            os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | 0o700)
            top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            return False
    except OSError:
        return False
    kept = [keep] if isinstance(keep, str) else list(keep or ())
    keep_names = {os.path.basename(k) for k in kept if os.path.dirname(k) == path.rstrip("/")}
    cur = top
    entries = [e for e in _scan(top) if not (e[0] in keep_names and e[1])]
    stack: list[tuple[str, list]] = []  # per level above cur: the name we went into, what is left there
    try:
        while True:
            while entries:
                name, is_dir = entries.pop()
                if not is_dir:
                    try:
                        os.unlink(name, dir_fd=cur)
                    except PermissionError:  # the directory was made read-only
                        with contextlib.suppress(OSError):
                            os.fchmod(cur, stat.S_IMODE(os.fstat(cur).st_mode) | 0o700)
                            os.unlink(name, dir_fd=cur)
                    except OSError:
                        pass
                    continue
                try:
                    os.rmdir(name, dir_fd=cur)
                    continue
                except OSError:
                    pass
                try:
                    st = os.stat(name, dir_fd=cur, follow_symlinks=False)
                    if not stat.S_ISDIR(st.st_mode):
                        continue
                    with contextlib.suppress(OSError):  # a directory (just checked): no symlink to follow
                        os.chmod(name, stat.S_IMODE(st.st_mode) | 0o700, dir_fd=cur)
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=cur)
                except OSError:
                    continue
                stack.append((name, entries))
                if cur != top:
                    os.close(cur)
                cur, entries = sub, _scan(sub)
            if not stack:
                break
            try:  # cur is as empty as it gets: climb back and remove it
                parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=cur)
            except OSError:
                break
            os.close(cur)
            name, entries = stack.pop()
            if stack:
                cur = parent
            else:
                os.close(parent)
                cur = top
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=cur)
        try:
            return all(n in keep_names for n in os.listdir(top))
        except OSError:
            return False
    finally:
        if cur != top:
            os.close(cur)
        os.close(top)


def _scan(dir_fd: int) -> list[tuple[str, bool]]:
    """(name, is a directory) of each entry of the directory dir_fd."""
    try:
        with os.scandir(dir_fd) as it:
            return [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
    except OSError:
        return []


def free_path(path: str, taken: list[str]) -> str:
    """path, or path-1, path-2, ... : the first that none of taken is or lies below."""
    candidate, n = path, 0
    while any(t == candidate or t.startswith(candidate + "/") for t in taken):
        n += 1
        candidate = f"{path}-{n}"
    return candidate


def _plain_parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\0" in rel or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a plain relative path: {rel!r}")
    return parts


def _safe_join(root: str, rel: str) -> str:
    return os.path.join(root, *_plain_parts(rel))


def _open_beneath(root: str, rel: str, flags: int) -> int:
    """open(root/rel) following no symlink anywhere below root: one component at a time, each
    directory opened O_NOFOLLOW relative to the last (a link the program left, to /proc/1 say, fails)."""
    parts = _plain_parts(rel)
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for part in parts[:-1]:
            sub = os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = sub
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def _remove_sysv_ipc(uid: int | None) -> bool:
    """IPC_RMID every System V shared memory segment, message queue and semaphore set of our IPC
    namespace (uid: only those owned or created by uid). True when none is left that should go."""
    ok = True
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}", "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            continue
        if len(lines) < 2:
            continue
        head = lines[0].split()
        try:
            i_uid, i_cuid = head.index("uid"), head.index("cuid")
        except ValueError:
            return False
        for line in lines[1:]:
            fields = line.split()
            try:
                ident = int(fields[1])
                if uid is not None and uid not in (int(fields[i_uid]), int(fields[i_cuid])):
                    continue
            except (ValueError, IndexError):
                continue
            if kind == "shm":
                rc = _libc.shmctl(ident, _IPC_RMID, None)
            elif kind == "msg":
                rc = _libc.msgctl(ident, _IPC_RMID, None)
            else:
                rc = _libc.semctl(ident, 0, _IPC_RMID)
            ok = ok and rc == 0
    return ok


def _keyctl(*args: int) -> int:
    nr = _KEYCTL.get(os.uname().machine)
    if nr is None:
        return -1
    _libc.syscall.restype = ctypes.c_long
    return _libc.syscall(ctypes.c_long(nr), *(ctypes.c_long(a) for a in args))


def _proc_tasks_of_uid(uid: int) -> int:
    """Tasks (processes and threads) whose real uid is uid, from /proc."""
    n = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                status = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        try:
            if int(fields["Uid"].split()[0]) == uid:
                n += int(fields.get("Threads", "1").strip())
        except (KeyError, ValueError, IndexError):
            pass
    return n


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat_line = f.read()
        except OSError:
            continue
        try:
            ppid = int(stat_line[stat_line.rindex(b")") + 2 :].split()[1])
        except (ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    return children


# ------------------------------------------------------------------------------------------- zygote


class Zygote:
    """Runs one program at a time. Configured by the host's first message (see Sandbox._start)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.pid1 = os.getpid() == 1  # bwrap --as-pid-1: we are the pid namespace's init
        self.workdir: str = cfg["workdir"]
        self.wipe_dirs: list[str] = cfg.get("wipe", [])
        self.keep: list[str] = cfg.get("keep", [])  # entries of wipe_dirs that stay: read-only mount points
        self.run_uid: int | None = cfg.get("run_uid")  # the zygote is root; children drop to this uid
        self.run_gid: int | None = cfg.get("run_gid")
        self.env: dict[str, str] = cfg["env"]
        self.nproc_base = 0
        self.main, self.main_status, self.main_rusage = 0, None, None
        self.dirty = True  # the working directory may hold something: clean before the first run
        self.private_ipc = bool(cfg.get("private_ipc"))  # SysV objects of our IPC namespace: all theirs
        self.mqueue: str | None = cfg.get("mqueue")  # a mqueue file system of our IPC namespace
        self.keyrings: list[int] = []  # keyrings the runs can write, cleared after each run
        self.info: dict = {"namespaces": []}

    # -------------------------------------------------------------------------------------- setup

    def setup(self) -> None:
        cfg = self.cfg
        for name in cfg.get("unshare", []):  # the fallback level: whatever this machine permits
            if _libc.unshare(_NAMESPACES[name]) == 0:
                self.info["namespaces"].append(name)
        if "uts" in self.info["namespaces"]:
            _libc.sethostname(b"sandbox", 7)
        if "ipc" in self.info["namespaces"]:
            self.private_ipc = True
        if "mnt" in self.info["namespaces"]:
            self._private_mounts(cfg.get("private_mounts") or {})
        if cfg.get("keyrings") and _keyctl(_KEYCTL_JOIN_SESSION_KEYRING, 0) >= 0:
            # a fresh anonymous session keyring, which the runs inherit (not the caller's), and where
            # the kernel keeps user keyrings per user namespace (bwrap, Linux >= 5.3) the uid's own
            self.keyrings = [_KEY_SPEC_SESSION]
            if cfg["keyrings"] == "user":
                self.keyrings += [_KEY_SPEC_USER, _KEY_SPEC_USER_SESSION]
        if cfg.get("parent_pid"):  # die with the host process (bwrap does this for the bwrap level)
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != cfg["parent_pid"]:
                os._exit(1)
        _prctl(_PR_SET_DUMPABLE, 0)  # same-uid programs cannot ptrace us or open /proc/<us>/fd|mem
        if not self.pid1:
            _prctl(_PR_SET_CHILD_SUBREAPER, 1)  # orphans of a run come to us, not to the host's init
        # Signals: as pid 1, a signal without a handler is never delivered from inside the namespace,
        # so a program cannot kill or interrupt us. Python's SIGINT handler would be one: remove it.
        signal.signal(signal.SIGINT, signal.SIG_DFL if self.pid1 else signal.SIG_IGN)
        os.umask(0o022)
        for name in cfg.get("preload", []):  # warm the modules programs commonly import
            with contextlib.suppress(Exception):
                __import__(name)
        self.define(cfg.get("modules") or {})
        if self.run_uid is None and self.pid1:
            self.nproc_base = 1  # ourselves: the only other process of the namespace's uid
        if self.run_uid is not None:  # a previous holder of the uid may have left something behind
            self._kill_uid(self.run_uid)
        with self._as_run_user():
            self._clean()
        self._clean_ipc()
        self.info.update(
            pid=os.getpid(), uid=os.getuid(), python=sys.version.split()[0], workdir=self.workdir
        )
        if self.run_uid is not None:
            self.info["run_uid"] = self.run_uid
            self.info["unreadable"] = self._unreadable_python()

    @staticmethod
    def define(modules: dict) -> None:
        """Execute each source as a module of that name, kept in sys.modules (Sandbox.preload)."""
        for name, source in modules.items():
            module = types.ModuleType(name)
            try:
                exec(compile(source, f"<{name}>", "exec"), module.__dict__)
            except BaseException:
                raise BadRequest(f"module {name}:\n{_format_exc()}") from None
            sys.modules[name] = module

    def _private_mounts(self, spec: dict) -> None:
        """Root zygote in a mount namespace of its own (the rlimits level, where the kernel lets root
        have one): a private /tmp and /dev/shm, and /root and /home replaced by empty directories, with
        the Python installation bound back where it lives (pyenv keeps it under /root, a venv may live
        under /tmp), read-only, below directories of root's own."""
        if _mount(None, "/", None, _MS_REC | _MS_PRIVATE) != 0:  # never propagate a mount to the host
            raise OSError(ctypes.get_errno(), "making / private failed")
        masked = [
            h for h in ("/root", "/home", "/tmp", "/dev/shm") if os.path.isdir(h) and not os.path.islink(h)
        ]
        held = []  # the Python directories the mounts below hide, held by descriptors to bind them back
        for path in spec.get("python_dirs", []):
            if any(path.startswith(m + "/") for m in masked):
                with contextlib.suppress(OSError):
                    held.append((path, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)))
        mounted = []
        for h in ("/root", "/home"):
            if h in masked and _mount("tmpfs", h, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m") == 0:
                mounted.append(h)
        opts = "mode=1777,size={}m"
        if (
            "/tmp" in masked
            and _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, opts.format(spec.get("tmp_mb", 256)))
            == 0
        ):
            mounted.append("/tmp")
            self.wipe_dirs = ["/tmp"]
            if (
                "/dev/shm" in masked
                and _mount(
                    "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, opts.format(spec.get("shm_mb", 64))
                )
                == 0
            ):
                mounted.append("/dev/shm")
                self.wipe_dirs.append("/dev/shm")
            self.info["private_tmp"] = True
        umask = os.umask(0o022)  # the directories leading to them: root's, 0755 (and /tmp is sticky)
        try:
            for path, fd in held:
                m = next((m for m in mounted if path.startswith(m + "/")), None)
                if m is not None:
                    os.makedirs(path, mode=0o755, exist_ok=True)
                    if _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC) != 0:
                        e = ctypes.get_errno()
                        raise OSError(e, f"binding {path} back: {os.strerror(e)}")
                    _mount(None, path, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY)
                    if m in ("/tmp", "/dev/shm"):  # its top entry there stays when the run's files go
                        self.keep.append(m + "/" + path[len(m) + 1 :].split("/")[0])
                os.close(fd)
        finally:
            os.umask(umask)
        if "/tmp" in mounted:
            self.workdir = free_path("/tmp/sandbox", self.keep)
            self.env = dict(self.env, HOME=self.workdir)
            os.environ["HOME"] = self.workdir
        if (
            self.private_ipc
            and os.path.isdir("/dev/mqueue")
            and _mount("mqueue", "/dev/mqueue", "mqueue", _MS_NOSUID | _MS_NODEV | 0x8) == 0  # MS_NOEXEC
        ):
            self.mqueue = "/dev/mqueue"

    def _unreadable_python(self) -> list[str]:
        """Python directories the run uid cannot traverse (the host reports them as an error)."""
        bad = []
        for top in {sys.base_prefix, sys.prefix}:
            path = os.path.realpath(top)
            while path != "/":
                st = os.stat(path)
                if not (st.st_mode & 0o001 or (st.st_uid == self.run_uid and st.st_mode & 0o100)):
                    bad.append(path)
                    break
                path = os.path.dirname(path)
        return bad

    @contextlib.contextmanager
    def _as_run_user(self):
        """File system work on the program's files with the program's uid (where we are root), so a
        symlink it left cannot point us at a file it could not touch itself."""
        if self.run_uid is None:
            yield
            return
        os.setegid(self.run_gid)
        os.seteuid(self.run_uid)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)

    # ---------------------------------------------------------------------------------------- run

    def run(self, req: dict) -> dict:
        lim = req["limits"]
        with self._as_run_user():
            self._fresh_workdir()
            self.dirty = True
            for rel, data in req.get("files", {}).items():
                mode = 0o755 if data[:4] == b"\x7fELF" or data[:2] == b"#!" else 0o644  # executables
                try:
                    path = _safe_join(self.workdir, rel)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
                except (OSError, ValueError) as exc:
                    raise BadRequest(f"files: cannot write {rel!r}: {exc}") from None
                try:
                    _write_all(fd, data)
                except OSError as exc:
                    raise BadRequest(f"files: cannot write {rel!r}: {exc}") from None
                finally:
                    os.close(fd)
        stdin_fd = os.memfd_create("stdin")
        _write_all(stdin_fd, req.get("stdin", b""))
        os.lseek(stdin_fd, 0, os.SEEK_SET)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        fail_r, fail_w = os.pipe2(os.O_CLOEXEC)  # the child reports a failed exec here
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            self._child(req, stdin_fd, out_w, err_w, fail_w)
        for fd in (stdin_fd, out_w, err_w, fail_w):
            os.close(fd)
        try:
            result = self._supervise(pid, t0, lim, out_r, err_r)
            failure = self._read_available(fail_r, 65536)
        finally:
            for fd in (out_r, err_r, fail_r):
                os.close(fd)
        if failure:  # the exec failed (exit code 127) or the child could not set up (126): say why
            result["stderr"] = failure
        with self._as_run_user():
            result["files"] = self._collect(req.get("collect", []), lim["file_mb"])
            clean = self._clean()
        if not self._clean_ipc() or not clean:  # something of this run stays: the host restarts us
            result["restart"] = True
        return result

    def _fresh_workdir(self) -> None:
        """An empty working directory of mode 0755 (the last run's cleanup left it so, unless a bad
        request stopped half-way)."""
        if self.dirty and not self._clean():
            raise RuntimeError("the sandbox's writable directories could not be emptied")
        try:
            st = os.lstat(self.workdir)
        except FileNotFoundError:
            st = None
        if st is None or not stat.S_ISDIR(st.st_mode):
            if st is not None:
                os.unlink(self.workdir)
            os.mkdir(self.workdir, 0o755)
        elif stat.S_IMODE(st.st_mode) != 0o755:
            os.chmod(self.workdir, 0o755)

    def _clean(self) -> bool:
        """Empty the working directory and the other writable places (the working directory itself
        stays; if the program replaced it, the replacement goes). True when they are verified empty."""
        ok = True
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(self.workdir).st_mode):
                ok = _wipe(self.workdir)
        for d in self.wipe_dirs:
            ok = _wipe(d, keep=[self.workdir, *self.keep]) and ok
        self.dirty = False
        return ok

    def _clean_ipc(self) -> bool:
        """Remove what a run left in the IPC namespace and keyrings: System V objects, POSIX message
        queues, keys. True when nothing is known to be left."""
        ok = True
        if self.private_ipc or self.run_uid is not None:
            ok = _remove_sysv_ipc(None if self.private_ipc else self.run_uid)
        if self.mqueue:
            with contextlib.suppress(OSError), self._as_run_user():
                ok = _wipe(self.mqueue) and ok
        for ring in self.keyrings:
            _keyctl(_KEYCTL_CLEAR, ring)
        return ok

    def _supervise(self, pid: int, t0: float, lim: dict, out_r: int, err_r: int) -> dict:
        cap = lim["output_bytes"]
        streams = {out_r: bytearray(), err_r: bytearray()}
        truncated = {out_r: False, err_r: False}
        poller = select.poll()
        for fd in streams:
            os.set_blocking(fd, False)
            poller.register(fd, select.POLLIN)
        try:
            pidfd = os.pidfd_open(pid)
            poller.register(pidfd, select.POLLIN)
        except (AttributeError, OSError):
            pidfd = -1
        self.main, self.main_status, self.main_rusage = pid, None, None
        deadline = t0 + lim["wall_s"]
        timed_out = False
        open_streams = set(streams)

        def pump(timeout_ms: float) -> None:
            for fd, _ in poller.poll(timeout_ms):
                if fd in open_streams and not self._pump(fd, streams[fd], truncated, cap):
                    poller.unregister(fd)
                    open_streams.discard(fd)

        try:
            while self.main_status is None:
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                pump(max(1.0, min(deadline - now, 0.05 if pidfd < 0 else 0.5) * 1000))
                self._reap()
            # The main process is done (or out of time): nothing of the run may outlive it.
            self._kill_run_processes()
            end = time.monotonic() + 2.0
            while open_streams and time.monotonic() < end:  # the writers are dead: read to EOF
                pump(100)
            while self.main_status is None and time.monotonic() < end + 5:
                self._reap()
                time.sleep(0.001)
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        status, rusage = self.main_status, self.main_rusage
        result = {
            "stdout": bytes(streams[out_r]),
            "stderr": bytes(streams[err_r]),
            "stdout_truncated": truncated[out_r],
            "stderr_truncated": truncated[err_r],
            "wall_s": time.monotonic() - t0,
            "cpu_s": (rusage.ru_utime + rusage.ru_stime) if rusage else 0.0,
            "timed_out": timed_out,
        }
        if status is None:  # unkillable (stuck in the kernel): report it as killed
            result.update(returncode=None, signal="SIGKILL")
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"SIG{sig}"
            cpu_limit = max(1, int(lim["cpu_s"] + 0.999))
            cpu_hit = sig == signal.SIGXCPU or (sig == signal.SIGKILL and result["cpu_s"] >= cpu_limit - 0.05)
            result.update(returncode=None, signal=name, timed_out=timed_out or cpu_hit)
        else:
            result.update(returncode=os.waitstatus_to_exitcode(status), signal=None)
        return result

    @staticmethod
    def _pump(fd: int, buf: bytearray, truncated: dict, cap: int) -> bool:
        """Read what is there; False at EOF. Beyond the cap the data is read and dropped, so a chatty
        program never blocks on a full pipe."""
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not data:
                return False
            room = cap - len(buf)
            if len(data) > room:
                truncated[fd] = True
                data = data[: max(room, 0)]
            buf += data

    @staticmethod
    def _read_available(fd: int, limit: int) -> bytes:
        os.set_blocking(fd, False)
        try:
            return os.read(fd, limit)
        except OSError:
            return b""

    def _reap(self) -> None:
        """Reap every exited child (the run's orphans are ours too); keep the main process's status."""
        while True:
            try:
                pid, status, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return
            if pid == self.main:
                self.main_status, self.main_rusage = status, rusage

    def _kill_run_processes(self) -> None:
        """SIGKILL every process of the run, wherever it went (new session, double fork, ...)."""
        if not self._has_children():
            return  # every live process of the run descends from a child of ours: none left
        for _ in range(200):
            if self.pid1:  # init of the pid namespace: kill(-1) reaches every other process in it
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
            else:
                victims = self._descendants()
                if self.run_uid is not None:
                    self._kill_uid(self.run_uid)
                if not victims:
                    break
                for p in victims:
                    with contextlib.suppress(OSError):
                        os.kill(p, signal.SIGKILL)
            self._reap()
            time.sleep(0.001)
        self._reap()

    def _has_children(self) -> bool:
        self._reap()
        try:
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return False
        return True

    def _descendants(self) -> list[int]:
        children = children_map()
        out, todo = [], list(children.get(os.getpid(), []))
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    @staticmethod
    def _kill_uid(uid: int) -> None:
        """Root zygote, dedicated uid: a throwaway child with that uid does kill(-1), which reaches every
        process of the uid (and nothing else) on the machine."""
        pid = os.fork()
        if pid == 0:  # pragma: no cover
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                for _ in range(100):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except ProcessLookupError:
                        break
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    def _collect(self, paths: list[str], file_mb: int) -> dict:
        files = {}
        for rel in paths:
            try:
                fd = _open_beneath(self.workdir, rel, os.O_RDONLY | os.O_NONBLOCK)
            except (OSError, ValueError):
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):  # never a FIFO or a device: they could block us
                    chunks, left = [], file_mb << 20
                    while left > 0:
                        chunk = os.read(fd, min(left, 1 << 20))
                        if not chunk:
                            break
                        chunks.append(chunk)
                        left -= len(chunk)
                    files[rel] = b"".join(chunks)
            except OSError:
                pass
            finally:
                os.close(fd)
        return files

    # -------------------------------------------------------------------------------------- child

    def _child(self, req: dict, stdin_fd: int, out_w: int, err_w: int, fail_w: int) -> None:
        try:
            lim = req["limits"]
            # the zygote keeps 0-2 open, so no source below is 0-2 and none is overwritten before use
            os.dup2(stdin_fd, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.dup2(fail_w, 3, inheritable=False)
            _close_fds_from(4)
            if self.run_uid is not None:
                os.setgroups([])
                os.setgid(self.run_gid)
                os.setuid(self.run_uid)
            cpu = max(1, int(lim["cpu_s"] + 0.999))
            nproc_base = self.nproc_base
            if self.run_uid is None and not self.pid1 and os.getuid() != 0:  # the caller's uid: count now
                nproc_base = _proc_tasks_of_uid(os.getuid()) - 1
            memory = lim["memory_mb"] << 20
            for res, value in (
                (resource.RLIMIT_CPU, (cpu, cpu + 1)),
                (resource.RLIMIT_AS, (memory, memory)),
                (resource.RLIMIT_DATA, (memory, memory)),
                (resource.RLIMIT_FSIZE, (lim["file_mb"] << 20, lim["file_mb"] << 20)),
                (resource.RLIMIT_NPROC, (lim["processes"] + nproc_base,) * 2),
                (resource.RLIMIT_NOFILE, (256, 256)),
                (resource.RLIMIT_CORE, (0, 0)),
                (resource.RLIMIT_MEMLOCK, (0, 0)),
            ):
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(res, value)
            _prctl(_PR_SET_NO_NEW_PRIVS, 1)  # set-uid binaries (sudo, su...) grant nothing
            _prctl(_PR_SET_DUMPABLE, 1)  # our own /proc/self/fd etc. stay usable by the program
            os.chdir(self.workdir)
            env = dict(self.env, HOME=self.workdir)
            if "argv" in req:
                for sig in range(1, signal.NSIG):  # a fresh program starts with default dispositions
                    with contextlib.suppress(OSError, ValueError, RuntimeError):
                        signal.signal(sig, signal.SIG_DFL)
                argv = req["argv"]
                try:
                    os.execvpe(argv[0], argv, env)
                except OSError as exc:
                    os.write(3, f"{argv[0]}: {exc.strerror or exc}\n".encode())
                    os._exit(127)
            os.close(3)  # set up: nothing more to report, and the program's first open() gets fd 3
            _run_python(req["code"], env)
        except BaseException:
            with contextlib.suppress(Exception):
                import traceback

                os.write(3, ("sandbox: the run could not start:\n" + traceback.format_exc()).encode())
        os._exit(126)


def _run_python(code: str, env: dict) -> None:
    """Become ``python -c code``: fresh __main__, argv, sys.path[0], environment, signal handlers,
    recursion headroom; uncaught exceptions, SystemExit, atexit and non-daemon threads as Python does."""
    if os.environ != env:  # the zygote starts with exactly this environment: normally a no-op
        os.environ.clear()
        os.environ.update(env)
    main = types.ModuleType("__main__")
    main.__dict__.update(__loader__=_BuiltinImporter, __annotations__={}, __builtins__=builtins)
    sys.modules["__main__"] = main
    sys.argv = ["-c"]
    if sys.path:
        sys.path[0] = ""  # python -c: the working directory first
    signal.signal(signal.SIGINT, signal.default_int_handler)
    depth, f = 0, sys._getframe()
    while f is not None:
        depth, f = depth + 1, f.f_back
    sys.setrecursionlimit(sys.getrecursionlimit() + depth + 1)  # + exec()'s own level
    status, interrupted = 0, False
    try:
        program = compile(code, "<string>", "exec")
    except (SyntaxError, ValueError) as exc:  # as python -c: no traceback, just the error
        sys.excepthook(type(exc), exc.with_traceback(None), None)
        program, status = None, 1
    try:
        if program is not None:
            exec(program, main.__dict__)
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:  # the traceback starts at the program: drop this frame
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        status = 1
        interrupted = isinstance(exc, KeyboardInterrupt)
    try:
        threading._shutdown()  # join non-daemon threads, as interpreter shutdown does
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            status = _exit_status(exc)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = status or 120
    if interrupted:  # as Python: die of the SIGINT
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status & 0xFF)


def _exit_status(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    with contextlib.suppress(Exception):
        print(code, file=sys.stderr)
    return 1


def _format_exc() -> str:
    import traceback

    return traceback.format_exc()


class BadRequest(ValueError):
    """The request cannot be carried out as asked (the caller's mistake, not the sandbox's)."""


def serve(req_fd: int, resp_fd: int) -> None:
    for fd in (req_fd, resp_fd):
        os.set_inheritable(fd, False)
    cfg = _recv(req_fd)
    if cfg is None:
        return
    try:
        zygote = Zygote(cfg)
        zygote.setup()
    except BaseException:
        _write_all(resp_fd, pack({"error": _format_exc()}))
        return
    import gc

    gc.collect()
    gc.freeze()  # forked children do not touch (copy) the zygote's objects when they collect
    _write_all(resp_fd, pack({"ready": True, "info": zygote.info}))
    while True:
        try:
            req = _recv(req_fd)
        except OSError:
            return
        if req is None:
            return
        try:
            if "define" in req:
                zygote.define(req["define"])
                gc.collect()
                gc.freeze()
                res = {"defined": True}
            else:
                res = zygote.run(req)
        except BadRequest as exc:
            res = {"bad_request": str(exc)}
        except Exception:
            res = {"error": _format_exc()}
        _write_all(resp_fd, pack(res))


def launch(spec: dict) -> None:
    """Root on the host: bind each unreachable Python directory onto its staging directory, in a
    private mount namespace (the host's mounts do not change), drop to the sandbox uid, exec bwrap
    (from a descriptor opened before the drop: it may live where that uid cannot reach either). Where
    bwrap's own directory is staged too (``exe``: its path there), it runs from there, so that the
    libraries it loads next to it ($ORIGIN) are reachable after the drop as well."""
    if spec["binds"]:
        if _libc.unshare(_NAMESPACES["mnt"]) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
        if _mount(None, "/", None, _MS_REC | _MS_PRIVATE) != 0:
            raise OSError(ctypes.get_errno(), "making / private failed")
    for src, stage in spec["binds"]:
        if _mount(src, stage, None, _MS_BIND | _MS_REC) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"bind {src} -> {stage}: {os.strerror(e)}")
    bwrap = os.open(spec.get("exe") or spec["argv"][0], os.O_RDONLY | os.O_CLOEXEC)  # while we may reach it
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    os.execve(bwrap, spec["argv"], {})


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "launch":
        launch(json.loads(sys.argv[2]))
    else:
        raise SystemExit(f"usage: {sys.argv[0]} serve REQ_FD RESP_FD | launch SPEC")
