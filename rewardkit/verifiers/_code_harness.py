"""The test harness the code verifier runs inside the sandbox (one sandbox run per sample).

Plain standard-library Python (3.10+) that never imports rewardkit: each sandbox's zygote executes this
file once as the module ``rewardkit_code_harness`` (``Sandbox.preload``), and a run is
``Sandbox.run_python("import rewardkit_code_harness; rewardkit_code_harness.main()")``. ``main()``
reads a 32-character nonce and a JSON payload (built by :mod:`rewardkit.verifiers.code`), runs every
test, and writes one verdict record per line to its own stdout: ``<nonce> <json>``.

Python assert tests are the exception, by design: they are judged in the program's own process anyway
(the program can defeat them), so :meth:`Harness.in_process` runs them in the harness process itself,
with no child (records on a copy of stdout, fds 0-2 on /dev/null, a SIGALRM and a CPU rlimit per test).
A run that stops early there ends without ``done``; the caller runs the tests still without a verdict
again with ``start`` set, in forked children as below.

For every other kind, only the harness process (P) can write to that stdout; the defence is structural,
not the nonce (which a determined program can find: it is in the memory P was forked with):

* P never runs the program under test. Python programs run in forked children (C), compiled programs
  and JavaScript in exec'd children; every child gets fresh fds 0/1/2 (/dev/null, a memfd holding the
  case's input, a capped pipe back to P), fd 3 for its reports where it has one, nothing else, and its
  own process group, which P SIGKILLs when the child finishes, overruns or floods;
* P marks itself non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``), so a child without CAP_SYS_PTRACE (every
  child under the bwrap and rlimits levels, which run programs as an unprivileged uid) can neither open
  ``/proc/<P>/fd/1`` nor ptrace P, read or write its memory, or take its fds with ``pidfd_getfd``;
* expected outputs never enter the sandbox: stdin/stdout and function-call results are sent back raw and
  compared by the caller. Only assert-style tests are judged inside the child, where the program can
  defeat them.

Child -> P report protocol (one line each, on fd 3 for Python children and the JavaScript driver):
``L`` program loaded; ``E <json>`` program failed to load; ``S <i>`` test i starts;
``R <i> <json>`` test i finished. P times each test from its ``S`` to its ``R`` and kills the child at
the per-test limit, then starts a fresh child at the next test.

Records P writes: ``{"t": "compile", ...}``, ``{"t": "load", ...}``, ``{"t": "test", "i", "v", "m",
"s", ...}`` (``v``: pass | fail | error | timeout | not_run | ran — "ran" means the caller compares
``out``/``val``), ``{"t": "fatal", "m"}`` (a harness failure) and finally ``{"t": "done"}``.
"""

import fcntl
import json
import os
import resource
import select
import signal
import sys
import time

NONCE_BYTES = 32
STDERR_CAP = 16384
_NONCE = b""
_OUT = 1  # where verdict records go (in-process asserts: a copy of the original stdout)
_DEVNULL = -1
_PATH = "/usr/local/bin:/usr/bin:/bin"


# ------------------------------------------------------------------------------------------ plumbing


def _read_exact(fd, n):
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError("stdin ended inside the nonce")
        data += chunk
    return data


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _emit(record):
    line = json.dumps(record, allow_nan=True).encode() + b"\n"
    view = memoryview(_NONCE + b" " + line)
    while view:  # a signal may cut a write short
        view = view[os.write(_OUT, view) :]


def _set_dumpable(flag):
    """prctl(PR_SET_DUMPABLE): 0 in P (see the module docstring), back to 1 in a forked child."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, flag, 0, 0, 0)
    except Exception:
        pass


def _clip(text, limit=800):
    text = str(text)
    return text if len(text) <= limit else text[: limit // 2] + " ... " + text[-limit // 2 :]


def _exit_text(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return "killed by " + name
    return f"exit code {os.WEXITSTATUS(status)}"


def _memfd(data):
    fd = os.memfd_create("stdin", 0) if hasattr(os, "memfd_create") else None
    if fd is None:
        path = f"input.{time.monotonic_ns()}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.unlink(path)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, 0)
    return fd


class Child:
    """A child process in its own process group, with capped pipes P reads until it exits or overruns."""

    def __init__(self, pid, pipes, caps):
        self.pid = pid
        self.pipes = pipes  # name -> read fd
        self.caps = caps  # name -> max bytes kept (report: max line length)
        self.data = {name: bytearray() for name in pipes}
        self.lines = []  # complete report lines not yet consumed
        self.overflow = None  # name of the pipe that went over its cap
        self.status = None
        self.pidfd = None
        if hasattr(os, "pidfd_open"):
            try:
                self.pidfd = os.pidfd_open(pid)
            except OSError:
                self.pidfd = None
        for fd in pipes.values():
            os.set_blocking(fd, False)
        self._open = dict(pipes)

    def _read(self, name, fd):
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            del self._open[name]
            return False
        buf = self.data[name]
        buf += chunk
        if name == "report":
            *done, rest = bytes(buf).split(b"\n")
            self.lines.extend(done)
            buf[:] = rest
        if len(buf) > self.caps[name]:
            if name == "stderr":
                del buf[self.caps[name] :]
            else:
                self.overflow = name
        return True

    def _poll_exit(self):
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.status = status
            self._drain()
        return pid != 0

    def _drain(self):
        for name, fd in list(self._open.items()):
            for _ in range(64):
                if not self._read(name, fd) or self.overflow:
                    break

    def watch(self):
        """The descriptors to wait on, and the longest wait (no pidfd: the exit is polled)."""
        fds = list(self._open.values())
        if self.pidfd is not None:
            return [*fds, self.pidfd], None
        return fds, 0.005

    def take(self, ready):
        """Read what select() found ready; reap the child when it exited."""
        fds = {fd: name for name, fd in self._open.items()}
        for fd in ready:
            if fd in fds:
                self._read(fds[fd], fd)
        if self.pidfd is not None and self.pidfd in ready:
            self.status = os.waitpid(self.pid, 0)[1]
            self._drain()
        elif self.pidfd is None and not self.lines:
            self._poll_exit()

    def event(self, deadline):
        """'overflow' | 'line' | 'exit' | 'timeout', or None while none has happened."""
        if self.overflow:
            return "overflow"
        if self.lines:
            return "line"
        if self.status is not None:
            return "exit"
        return "timeout" if time.monotonic() >= deadline else None

    def wait(self, deadline):
        """Until a report line, the exit, the deadline or an overflow: 'line' | 'exit' | 'timeout' | 'overflow'."""
        while True:
            event = self.event(deadline)
            if event is not None:
                return event
            watch, most = self.watch()
            left = deadline - time.monotonic()
            self.take(select.select(watch, [], [], max(0.0, left if most is None else min(left, most)))[0])

    def finish(self):
        """Kill the whole process group, reap, close everything."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.status is None:
            try:
                self.status = os.waitpid(self.pid, 0)[1]
            except ChildProcessError:
                self.status = 0
        for fd in self.pipes.values():
            os.close(fd)
        if self.pidfd is not None:
            os.close(self.pidfd)

    def stderr_text(self):
        text = bytes(self.data.get("stderr", b"")).decode("utf-8", "replace").strip()
        return _clip(text, 1500)


def _fd_setup(fds):
    """In a child: fds[k] becomes fd k (stdin, stdout, stderr[, report]); every other fd is closed."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    os.closerange(len(fds), max(1 << 16, os.sysconf("SC_OPEN_MAX")))


def _spawn(body, fds):
    """Fork a child in its own process group with fds set up, then body() and _exit."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            _set_dumpable(1)
            os.setpgid(0, 0)
            _fd_setup(fds)
            code = body()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    return pid


def _exec_body(argv, env, memory_mb=None):
    def body():
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores these; a fresh program must not
            signal.signal(sig, signal.SIG_DFL)
        if memory_mb:  # the program's limit, below the sandbox's (which leaves the compiler room)
            for res in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
                soft, hard = resource.getrlimit(res)
                limit = memory_mb << 20
                if soft == resource.RLIM_INFINITY or limit < soft:
                    resource.setrlimit(res, (limit, hard))
        try:
            os.execvpe(argv[0], argv, env)
        except OSError as exc:
            os.write(2, (f"cannot run {argv[0]}: {exc}\n").encode())
        return 127

    return body


# ------------------------------------------------------------------------------------- the program


class InfrastructureError(Exception):
    """The harness cannot run the tests for a reason that is not the program's (a tool will not start)."""


class _LoadError(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _send(fd, text):
    data = text.encode("utf-8", "replace") + b"\n"
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _describe(exc):
    name = type(exc).__name__
    text = str(exc)
    return name + ": " + text if text else name


def jsonable(value, depth=0):
    if depth > 100:
        raise ValueError("value nests too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [jsonable(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    raise TypeError(f"returned {type(value).__name__}, which has no JSON form")


def _load_python(p, main):
    """Compile and run the program (and the test setup); the namespace the tests run in."""
    import builtins

    ns = {"__name__": "__main__" if main else "__solution__", "__builtins__": builtins}
    try:
        code = compile(p["program"], "<program>", "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        raise _LoadError("syntax", _describe(exc)) from None
    try:
        exec(code, ns)
    except _TimeLimit:
        raise
    except BaseException as exc:
        raise _LoadError("error", "the program raised " + _describe(exc)) from None
    if p.get("setup"):
        try:
            exec(compile(p["setup"], "<test setup>", "exec"), ns)
        except _TimeLimit:
            raise
        except BaseException as exc:
            raise _LoadError("error", "the test setup raised " + _describe(exc)) from None
    return ns


class _TimeLimit(BaseException):
    """Raised in an in-process test by the SIGALRM of its time limit."""


def _prepare(p):
    """Load the program: the namespace (asserts) or the function (call) its tests use. _LoadError."""
    ns = _load_python(p, main=False)
    if p["kind"] == "asserts":
        test_ns = dict(ns)
        if p.get("entry_point"):
            if p["entry_point"] not in ns:
                raise _LoadError("error", "the program does not define {!r}".format(p["entry_point"]))
            test_ns[p.get("bind_as") or "candidate"] = ns[p["entry_point"]]
        return test_ns
    fn = ns.get(p["fn_name"])
    if fn is None and isinstance(ns.get("Solution"), type) and hasattr(ns["Solution"], p["fn_name"]):
        fn = getattr(ns["Solution"](), p["fn_name"])
    if not callable(fn):
        raise _LoadError("error", "the program does not define a function {!r}".format(p["fn_name"]))
    return fn


def _run_test(p, target, i):
    """Test i of an asserts (target: the namespace) or call (target: the function) payload: its result."""
    try:
        if p["kind"] == "asserts":
            try:
                code = compile(p["tests"][i], f"<test {i + 1}>", "exec")
            except SyntaxError as exc:
                return {"v": "error", "m": "the test does not compile: " + _describe(exc)}
            exec(code, target)
            return {"v": "pass"}
        args, kwargs = p["tests"][i]
        value = json.dumps(jsonable(target(*args, **kwargs)), allow_nan=True)
        cap = p["max_output_bytes"]
        if len(value) > cap:
            return {"v": "error", "m": f"the return value is over {cap} bytes as JSON"}
        return {"v": "ran", "val": value}
    except _TimeLimit:
        raise
    except AssertionError as exc:
        return {"v": "fail", "m": _clip(exc) if str(exc) else "assertion failed"}
    except BaseException as exc:
        return {"v": "error", "m": _clip(_describe(exc))}


def _python_session(p, start):
    """Body of a forked child running tests start.. of an asserts/call payload, reporting on fd 3."""
    try:
        target = _prepare(p)
    except _LoadError as exc:
        _send(3, "E " + json.dumps({"kind": exc.kind, "m": _clip(exc)}))
        return 0
    _send(3, "L")
    for i in range(start, len(p["tests"])):
        _send(3, f"S {i}")
        _send(3, f"R {i} {json.dumps(_run_test(p, target, i))}")
    return 0


def _python_stdio(code):
    """Body of a forked child running the program (compiled once, by the harness) as a script on its
    stdin; exceptions go to fd 3. It ends as ``python prog.py`` does, so programs written for contest judges work: non-daemon threads
    are joined (``threading.Thread(target=main).start()``), ``atexit`` handlers run (output buffered
    and written there), and the streams are flushed, whatever ``sys.stdout`` was replaced with."""
    import atexit
    import builtins
    import threading

    status = 0

    def failed(exc):
        _send(3, "E " + json.dumps({"kind": "error", "m": _clip(_describe(exc))}))
        return 1

    def exited(exc):
        if exc.code is None or exc.code == 0:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        try:
            print(exc.code, file=sys.stderr)
        except BaseException:
            pass
        return 1

    ns = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(code, ns)
    except SystemExit as exc:
        status = exited(exc)
    except BaseException as exc:
        status = failed(exc)
    try:
        threading._shutdown()  # join non-daemon threads, as interpreter shutdown does
    except SystemExit as exc:
        status = status or exited(exc)
    except BaseException as exc:
        status = status or failed(exc)
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):  # as CPython's flush_std_files: closed streams are skipped
        try:
            if stream is not None and not getattr(stream, "closed", False):
                stream.flush()
        except BaseException:
            status = status or 120
    try:  # then what finalization does: the program's objects are released (files on fd 1 flush)
        ns.clear()  # (a full gc.collect() would also catch files held in cycles: ~0.1 ms a case)
        for stream in (sys.__stdout__, sys.__stderr__):
            if stream is not None and not stream.closed:
                stream.flush()
    except BaseException:
        pass
    return status


# ---------------------------------------------------------------------------------------- runners


class Harness:
    def __init__(self, p):
        self.p = p
        self.n = len(p["tests"])
        self.done = set()
        self.stop_on_failure = bool(p.get("stop_on_failure"))
        self.stopped = False  # stop_on_failure: a test failed, the rest are not run
        self.time_limit = float(p["time_limit"])
        self.deadline = None  # the overall limit, set when the tests start
        self.env = {"PATH": _PATH, "HOME": os.getcwd(), "TMPDIR": os.getcwd(), "LANG": "C.UTF-8"}

    # records

    def test(self, i, verdict, message="", seconds=0.0, **extra):
        if i in self.done:
            return
        self.done.add(i)
        record = {"t": "test", "i": i, "v": verdict, "m": message, "s": round(seconds, 6)}
        record.update(extra)
        _emit(record)
        if self.stop_on_failure and verdict not in ("pass", "ran", "not_run") and not self.stopped:
            self.stopped = True
            self.rest(i + 1, "not_run", "not run: stopped at the first failure")

    def rest(self, start, verdict, message):
        for i in range(start, self.n):
            self.test(i, verdict, message)

    def overall_left(self):
        return self.deadline - time.monotonic()

    def cannot_start(self, start, exc):
        """No process for the next test: the program used up the process (or memory) limit with
        processes that escaped its process group. A verdict on the program, not a harness failure."""
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        self.rest(
            start,
            "error",
            f"could not start a process for the test ({why}): the program left processes behind",
        )

    def out_of_time(self, start):
        self.rest(
            start,
            "not_run",
            "not run: the overall time limit ({:g}s) was reached".format(self.p["total_time_limit"]),
        )

    # compile step for C/C++

    def compile(self):
        """C/C++: gcc/g++ under compile_time_limit; JavaScript: ``node --check`` (a syntax check)
        under the overall limit. A failure is a compile record and an error verdict for every test."""
        lang = self.p["language"]
        src = {"c": "main.c", "cpp": "main.cpp", "javascript": "main.js"}[lang]
        with open(src, "w", encoding="utf-8") as f:
            f.write(self.p["program"])
        if lang == "c":
            argv = ["gcc", "-O2", "-std=gnu17", "-o", "prog", src, "-lm"]
        elif lang == "cpp":
            argv = ["g++", "-O2", "-std=gnu++17", "-o", "prog", src]
        else:
            argv = ["node", "--check", src]
        limit = float(self.p["compile_time_limit"]) if lang != "javascript" else self.time_limit + 5.0
        t0 = time.monotonic()
        child = self.exec_child(argv, program=False)
        event = child.wait(t0 + limit if lang != "javascript" else min(t0 + limit, self.deadline))
        child.finish()
        seconds = time.monotonic() - t0
        if event == "timeout":
            message = f"compilation exceeded {limit:g}s"
        elif child.status != 0:
            message = child.stderr_text() or _exit_text(child.status)
            if message.startswith("cannot run "):
                raise InfrastructureError(
                    f"{message} (is {argv[0]} installed? `rewardkit doctor` lists the tools)"
                )
            if lang == "javascript" and "SyntaxError" not in message:  # node itself did not start
                raise InfrastructureError(
                    f"node could not start ({_exit_text(child.status)}): {message[-600:]}\n"
                    "(node needs an address-space limit of about 1 GB: raise memory_mb)"
                )
        else:
            _emit({"t": "compile", "ok": True, "s": round(seconds, 6)})
            return True
        _emit({"t": "compile", "ok": False, "m": message, "s": round(seconds, 6)})
        self.rest(0, "error", "compile error" if lang != "javascript" else "syntax error")
        return False

    # children

    def child(self, body, stdin=b"", stdout=False, stderr=False, report=False):
        """Start body() in a child; stdin is a memfd with these bytes, the rest are capped pipes."""
        owned, fds, pipes, caps = [], [], {}, {}
        try:
            if stdin:
                owned.append(_memfd(stdin))
            fds.append(owned[-1] if stdin else _DEVNULL)
            for name, wanted, cap in (
                ("stdout", stdout, self.p["max_output_bytes"]),
                ("stderr", stderr, STDERR_CAP),
                ("report", report, self.p["max_output_bytes"] + 4096),
            ):
                if wanted:
                    r, w = os.pipe()
                    owned.append(w)
                    pipes[name], caps[name] = r, cap
                    fds.append(w)
                elif name != "report":
                    fds.append(_DEVNULL)
            pid = _spawn(body, fds)
        except BaseException:
            for fd in pipes.values():
                os.close(fd)
            raise
        finally:
            for fd in owned:
                os.close(fd)
        return Child(pid, pipes, caps)

    def exec_child(self, argv, stdin=b"", stdout=False, report=False, program=True):
        """``program``: the program under test (held to memory_mb), not a compiler or syntax check."""
        memory_mb = self.p.get("memory_mb") if program else None
        return self.child(_exec_body(argv, self.env, memory_mb), stdin, stdout, stderr=True, report=report)

    def python_child(self, body, stdin=b"", stdout=False):
        return self.child(body, stdin, stdout, report=True)

    # sessions: one child runs many tests (Python asserts/call, JavaScript call)

    def sessions(self, spawn, start=0):
        while start < self.n and not self.stopped:
            if self.overall_left() <= 0:
                self.out_of_time(start)
                return
            try:
                child = spawn(start)
            except OSError as exc:
                self.cannot_start(start, exc)
                return
            start = self.session(child, start)

    def session(self, child, start):
        """Supervise one session child; returns the index to restart at (n when finished)."""
        now = time.monotonic()
        deadline = min(now + self.time_limit, self.deadline)
        current, t_start = None, now
        loaded = False
        try:
            while True:
                event = child.wait(deadline)
                if event == "line":
                    line = child.lines.pop(0).decode("utf-8", "replace")
                    tag, _, rest = line.partition(" ")
                    now = time.monotonic()
                    if tag == "L" and not loaded:
                        loaded = True
                        deadline = min(now + self.time_limit, self.deadline)
                    elif tag == "E" and not loaded:
                        try:
                            info = json.loads(rest)
                        except ValueError:
                            continue
                        _emit({"t": "load", "ok": False, "kind": info.get("kind"), "m": info.get("m", "")})
                        self.rest(start, "error", info.get("m", "the program failed to load"))
                        return self.n
                    elif tag == "S" and loaded and current is None:
                        try:
                            i = int(rest)
                        except ValueError:
                            continue
                        if start <= i < self.n and i not in self.done:
                            current, t_start = i, now
                            deadline = min(now + self.time_limit, self.deadline)
                    elif tag == "R" and current is not None:
                        index, _, payload = rest.partition(" ")
                        if index != str(current):
                            continue
                        try:
                            result = json.loads(payload)
                        except ValueError:
                            continue
                        extra = {"val": result["val"]} if "val" in result else {}
                        self.test(
                            current, result.get("v", "error"), result.get("m", ""), now - t_start, **extra
                        )
                        if current == self.n - 1 or self.stopped:
                            return self.n
                        current = None
                        deadline = min(now + self.time_limit, self.deadline)
                    continue
                now = time.monotonic()
                if event == "timeout":
                    overall = now >= self.deadline
                    if not loaded:
                        if overall:
                            self.out_of_time(start)
                        else:
                            _emit({"t": "load", "ok": False, "kind": "timeout"})
                            self.rest(
                                start,
                                "timeout",
                                f"the program did not finish loading within {self.time_limit:g}s",
                            )
                        return self.n
                    if current is None:  # stalled between tests: count it against the next one
                        current = min(set(range(start, self.n)) - self.done)
                    if overall:
                        self.test(
                            current,
                            "timeout",
                            "the overall time limit ({:g}s) was reached".format(self.p["total_time_limit"]),
                            now - t_start,
                        )
                        self.out_of_time(current + 1)
                        return self.n
                    self.test(
                        current, "timeout", f"exceeded the {self.time_limit:g}s time limit", now - t_start
                    )
                    return current + 1
                if event == "overflow":
                    if current is None:
                        current = min(set(range(start, self.n)) - self.done)
                    self.test(current, "error", "the test's report is over the output limit", now - t_start)
                    return current + 1
                # exit
                why = _exit_text(child.status)
                err = child.stderr_text() if "stderr" in child.pipes else ""
                if not loaded:
                    message = err or (f"the program exited ({why}) before the tests ran")
                    _emit({"t": "load", "ok": False, "kind": "error", "m": message})
                    self.rest(start, "error", message)
                    return self.n
                if current is None:
                    remaining = set(range(start, self.n)) - self.done
                    if not remaining:
                        return self.n
                    current = min(remaining)
                message = f"the process exited during the test ({why})"
                if err:
                    message += ": " + err
                self.test(current, "error", message, now - t_start)
                return current + 1
        finally:
            child.finish()

    # Python asserts in this very process: no child at all

    def in_process(self):
        """Run a Python asserts payload here, without a child (assert tests are forgeable by the program
        anyway: it runs in the process that judges them). Records go to a copy of stdout; fds 0-2 become
        /dev/null. Each test runs under a SIGALRM at its limit (raising _TimeLimit in it) and a CPU
        rlimit a second past it (for C code that holds the GIL). Anything that is not a normal end of
        a test -- a timeout, the program exiting, a crash, a swallowed alarm -- ends this process
        without a "done" record, after the verdict of that test where it has one; the caller then runs
        the tests still without a verdict in forked children (``start``), as :meth:`sessions` does."""
        global _OUT
        p = self.p
        _OUT = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (0, 1, 2):
            os.dup2(_DEVNULL, fd)
        state = {"i": None, "t0": 0.0, "fired": 0}

        def on_alarm(signum, frame):
            state["fired"] += 1
            if state["fired"] == 1:
                raise _TimeLimit()
            self.timed_out(state["i"], state["t0"])  # the program swallowed the first alarm
            os._exit(0)

        signal.signal(signal.SIGALRM, on_alarm)
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)

        def arm(i):
            t0 = time.monotonic()
            state.update(i=i, t0=t0, fired=0)
            used = resource.getrusage(resource.RUSAGE_SELF)
            soft = int(used.ru_utime + used.ru_stime + self.time_limit) + 2
            if cpu_hard != resource.RLIM_INFINITY:
                soft = min(soft, cpu_hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, cpu_hard))
            signal.signal(signal.SIGALRM, on_alarm)  # the program may have replaced or ignored it
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM])
            signal.setitimer(signal.ITIMER_REAL, max(0.001, min(self.time_limit, self.deadline - t0)), 0.25)

        try:
            arm(None)
            try:
                target = _prepare(p)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _LoadError as exc:
            _emit({"t": "load", "ok": False, "kind": exc.kind, "m": _clip(exc)})
            self.rest(0, "error", str(exc))
            return True
        except _TimeLimit:
            self.timed_out(None, state["t0"])
            return False
        if state["fired"]:  # the program swallowed the alarm while loading
            self.timed_out(None, state["t0"])
            return False
        for i in range(self.n):
            if self.overall_left() <= 0:
                self.out_of_time(i)
                return True
            try:
                arm(i)
                try:
                    result = _run_test(p, target, i)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except _TimeLimit:
                result = None
            if result is None or state["fired"]:
                self.timed_out(i, state["t0"])
                return False
            self.test(i, result.get("v", "error"), result.get("m", ""), time.monotonic() - state["t0"])
            if self.stopped:
                break
        return True

    def timed_out(self, i, t0):
        """The in-process test i (None: the program's loading) ran out of time."""
        now = time.monotonic()
        overall = now >= self.deadline - 0.001
        if i is None:
            if overall:
                self.out_of_time(0)
            else:
                _emit({"t": "load", "ok": False, "kind": "timeout"})
                self.rest(0, "timeout", f"the program did not finish loading within {self.time_limit:g}s")
            return
        if overall:
            limit = "the overall time limit ({:g}s) was reached".format(self.p["total_time_limit"])
            self.test(i, "timeout", limit, now - t0)
            self.out_of_time(i + 1)
        else:
            self.test(i, "timeout", f"exceeded the {self.time_limit:g}s time limit", now - t0)

    # one process per case: stdin/stdout tests, and assert tests in C/C++/JavaScript

    def case_event(self, child, deadline):
        """A one-process-per-case child's outcome so far: None while it runs (its ``E`` report lines,
        the Python child's errors, are kept on it), else 'exit' | 'timeout' | 'overflow'."""
        while True:
            event = child.event(deadline)
            if event != "line":
                return event
            line = child.lines.pop(0).decode("utf-8", "replace")
            if line.startswith("E "):
                try:
                    child.error = json.loads(line[2:])
                except ValueError:
                    pass

    def settle_case(self, i, child, event, seconds, expect_output):
        if event == "timeout":
            if time.monotonic() >= self.deadline:
                limit = "the overall time limit ({:g}s) was reached".format(self.p["total_time_limit"])
                self.test(i, "timeout", limit, seconds)
            else:
                self.test(i, "timeout", f"exceeded the {self.time_limit:g}s time limit", seconds)
            return
        if event == "overflow":
            self.test(i, "fail", f"the output is over the {self.p['max_output_bytes']}-byte limit", seconds)
            return
        error = getattr(child, "error", None)
        if error is not None:
            message = error.get("m", "")
            if error.get("kind") == "syntax":
                message = "syntax error: " + message
            self.test(i, "error", message, seconds)
            return
        if child.status != 0:
            err = child.stderr_text() if "stderr" in child.pipes else ""
            verdict = "error" if expect_output else "fail"
            self.test(i, verdict, _exit_text(child.status) + (": " + err if err else ""), seconds)
            return
        if expect_output:
            self.test(i, "ran", "", seconds, out=bytes(child.data["stdout"]).decode("utf-8", "replace"))
        else:
            self.test(i, "pass", "", seconds)

    def cases(self, make_child, expect_output):
        """One process per case, up to ``parallel`` of them at a time (each under its own time limit)."""
        width = max(1, int(self.p.get("parallel") or 1))
        running = []  # (test index, child, start time, deadline)
        nxt = 0
        try:
            while True:
                still = []  # settle what has finished, then fill the free places, then wait
                for i, child, t0, deadline in running:
                    event = None if i in self.done else self.case_event(child, deadline)
                    if event is None and i not in self.done:  # a stop spares the cases before it
                        still.append((i, child, t0, deadline))
                        continue
                    if event is not None:
                        self.settle_case(i, child, event, time.monotonic() - t0, expect_output)
                    child.finish()
                running = still
                while nxt < self.n and len(running) < width and not self.stopped:
                    if self.overall_left() <= 0:
                        self.out_of_time(nxt)
                        nxt = self.n
                        break
                    try:
                        child = make_child(nxt)
                    except OSError as exc:
                        self.cannot_start(nxt, exc)
                        nxt = self.n
                        break
                    t0 = time.monotonic()
                    running.append((nxt, child, t0, min(t0 + self.time_limit, self.deadline)))
                    nxt += 1
                if not running:
                    return
                watch, waits = [], [max(0.0, min(d for *_, d in running) - time.monotonic())]
                for _, child, _, _ in running:
                    fds, most = child.watch()
                    watch += fds
                    if most is not None:
                        waits.append(most)
                ready = set(select.select(watch, [], [], min(waits))[0])
                for _, child, _, _ in running:
                    child.take(ready)
        finally:
            for _, child, _, _ in running:
                child.finish()

    # entry

    def run(self):
        """False when the in-process run stopped early (see :meth:`in_process`): no "done" record."""
        p, lang, kind = self.p, self.p["language"], self.p["kind"]
        self.deadline = time.monotonic() + float(p["total_time_limit"])
        start = int(p.get("start", 0))
        in_process = lang == "python" and kind == "asserts" and p.get("in_process") and start == 0
        if not in_process:
            _set_dumpable(0)  # the programs run in children, which must not reach this process
        if lang != "python" and not self.compile():
            return
        if lang in ("c", "cpp"):  # the overall limit is for the tests: it starts after compilation
            self.deadline = time.monotonic() + float(p["total_time_limit"])
        if lang == "python":
            if kind == "stdio":
                try:  # once, here: the children are forks of this process and inherit the code object
                    code = compile(p["program"], "<program>", "exec")
                except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
                    message = _clip(_describe(exc))
                    _emit({"t": "load", "ok": False, "kind": "syntax", "m": message})
                    self.rest(0, "error", "syntax error: " + message)
                    return
                script = lambda: _python_stdio(code)  # noqa: E731
                self.cases(lambda i: self.python_child(script, p["tests"][i].encode(), stdout=True), True)
            elif in_process:
                return self.in_process()
            else:
                self.sessions(lambda first: self.python_child(lambda: _python_session(p, first)), start)
            return
        if lang == "javascript":
            if kind == "call":
                with open("cases.json", "w", encoding="utf-8") as f:
                    json.dump(p["tests"], f)
                self.sessions(lambda start: self.exec_child(["node", "main.js", str(start)], report=True))
                return
            argv = ["node", "main.js"]
        else:
            argv = ["./prog"]
        if kind == "stdio":
            self.cases(lambda i: self.exec_child(argv, p["tests"][i].encode(), stdout=True), True)
        else:  # asserts: the program with its tests must exit 0
            self.cases(lambda i: self.exec_child(argv), False)


def main():
    global _DEVNULL, _NONCE
    try:
        _NONCE = _read_exact(0, NONCE_BYTES)
        payload = json.loads(_read_all(0))
    except Exception as exc:  # nothing can be reported without the nonce
        sys.stderr.write(f"rewardkit harness: bad input: {exc!r}\n")
        os._exit(2)
    try:
        _DEVNULL = os.open(os.devnull, os.O_RDWR)
        if Harness(payload).run() is False:
            os._exit(0)
    except InfrastructureError as exc:
        _emit({"t": "fatal", "m": _clip(exc, 4000)})
    except BaseException as exc:
        import traceback

        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        _emit({"t": "fatal", "m": _clip(trace, 4000)})
    _emit({"t": "done"})
    sys.stdout.flush()
    os._exit(0)
