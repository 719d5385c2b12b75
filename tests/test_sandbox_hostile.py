"""A corpus of hostile programs against the sandbox (bwrap level), each with its own assertion that the
host-side effect did NOT happen, and every verdict back within the deadline (wall_s + slack).

After every program the helper also checks that nothing of the run is left on the host: no descendant
of the sandbox's bwrap/zygote other than the zygote itself, and (as root) no process of the run's uid.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import sys
import textwrap
import time
import uuid
from pathlib import Path

import psutil
import pytest

from rewardkit.engine import _zygote
from rewardkit.engine.sandbox import SLACK_S, TMP_MB, Limits, RunResult, Sandbox, SandboxError

REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(wall_s=2, cpu_s=2, memory_mb=512, processes=32, output_bytes=1 << 16)


@pytest.fixture(scope="module")
def sb():
    try:
        box = Sandbox("bwrap", limits=LIMITS)
    except SandboxError as err:
        pytest.skip(f"bubblewrap cannot start on this machine (see `rewardkit doctor`): {err}")
    with box:
        yield box


def leftovers(box: Sandbox) -> list[str]:
    """Processes of the run still alive on the host."""
    infra = box._host_pids()
    found = set()
    for pid in infra:
        try:
            found |= {c.pid for c in psutil.Process(pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
    if os.geteuid() == 0:  # the run's uid is the sandbox's own: nothing else may have it
        for p in psutil.process_iter(["uids"]):
            if p.info["uids"] and p.info["uids"].real == box.uid:
                found.add(p.pid)
    out = []
    for pid in found - infra:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{pid} {p.cmdline()}")
        except psutil.NoSuchProcess:
            pass
    return out


def hostile(box: Sandbox, code: str, limits: Limits | None = None, **kwargs) -> RunResult:
    """Run a hostile Python program; the verdict must come back in time and leave nothing behind."""
    limits = limits or box.limits
    t0 = time.monotonic()
    r = box.run_python(textwrap.dedent(code), limits=limits, **kwargs)
    elapsed = time.monotonic() - t0
    assert elapsed < limits.wall_s + SLACK_S + 5, f"verdict took {elapsed:.1f}s"
    assert not leftovers(box), leftovers(box)
    return r


def hostile_argv(box: Sandbox, argv: list[str], limits: Limits | None = None, **kwargs) -> RunResult:
    limits = limits or box.limits
    t0 = time.monotonic()
    r = box.run(argv, limits=limits, **kwargs)
    assert time.monotonic() - t0 < limits.wall_s + SLACK_S + 5
    assert not leftovers(box), leftovers(box)
    return r


# ----------------------------------------------------------------------------------------- network


@pytest.fixture
def host_listener():
    """A TCP listener on the host's loopback: no sandboxed program may ever reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.3)
    yield server
    server.close()


def test_01_tcp_connect_to_a_host_listener_never_arrives(sb, host_listener):
    server = host_listener
    port = server.getsockname()[1]
    r = hostile(
        sb,
        f"""
        import socket
        for host in ("127.0.0.1", "localhost", "10.0.2.2", "172.17.0.1"):
            s = socket.socket(); s.settimeout(0.5)
            try:
                s.connect((host, {port})); print("CONNECTED", host)
            except OSError as e:
                print("refused", host, e.errno)
        """,
    )
    with pytest.raises(TimeoutError):
        server.accept()
    assert b"CONNECTED" not in r.stdout and r.stdout.count(b"refused") == 4


def test_02_udp_and_abstract_unix_sockets_do_not_reach_the_host(sb):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.3)
    name = f"\0rewardkit-test-{uuid.uuid4().hex}"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(name)
    unix.listen(1)
    unix.settimeout(0.3)
    r = hostile(
        sb,
        f"""
        import socket
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"pwned", ("127.0.0.1", {udp.getsockname()[1]}))
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect({name!r}); print("CONNECTED")
        except OSError as e:
            print("refused", e.errno)
        """,
    )
    with pytest.raises(TimeoutError):
        udp.recvfrom(100)
    with pytest.raises(TimeoutError):
        unix.accept()
    udp.close()
    unix.close()
    assert b"CONNECTED" not in r.stdout and b"refused" in r.stdout


def test_03_dns_lookup_fails(sb):
    r = hostile(
        sb,
        """
        import socket
        for name in ("example.com", "pypi.org"):
            try:
                print("RESOLVED", socket.getaddrinfo(name, 443))
            except OSError as e:
                print("no dns", type(e).__name__)
        """,
    )
    assert b"RESOLVED" not in r.stdout and r.stdout.count(b"no dns") == 2


def test_04_only_a_loopback_interface(sb):
    r = hostile(sb, "import socket; print(sorted(n for _, n in socket.if_nameindex()))")
    assert r.stdout == b"['lo']\n"


# -------------------------------------------------------------------------------------- file system


def test_05_writes_outside_the_work_dir_do_not_reach_the_host(sb, tmp_path):
    targets = [tmp_path / "pwned.txt", REPO / "pwned.txt", Path("/pwned.txt"), Path("/usr/pwned.txt")]
    targets += [Path("/etc/pwned.txt"), Path(sys.prefix) / "pwned.txt", Path.home() / "pwned.txt"]
    r = hostile(
        sb,
        f"""
        import os
        for t in {[str(t) for t in targets]!r}:
            try:
                os.makedirs(os.path.dirname(t), exist_ok=True)
                open(t, "w").write("pwned")
                print("wrote", t)
            except OSError as e:
                print("refused", t, e.errno)
        """,
    )
    assert r.returncode == 0
    for t in targets:
        assert not t.exists(), f"{t} was written on the host"


def test_06_host_files_and_secrets_are_not_readable(sb, tmp_path):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    (tmp_path / "secret.txt").write_text(secret)
    home_secret = Path.home() / f".rewardkit-test-secret-{uuid.uuid4().hex}"
    home_secret.write_text(secret)
    try:
        paths = [
            tmp_path / "secret.txt",
            home_secret,
            REPO / "README.md",
            Path(__file__),
            Path("/etc/shadow"),
        ]
        paths += [Path("/etc/hostname"), Path("/proc/1/environ"), Path("/var/log"), Path("/run")]
        r = hostile(
            sb,
            f"""
            import os
            for p in {[str(p) for p in paths]!r}:
                try:
                    print("LEAKED", p, open(p).read()[:200] if os.path.isfile(p) else os.listdir(p))
                except OSError as e:
                    print("hidden", p, e.errno)
            print(os.listdir("/"))
            """,
        )
    finally:
        home_secret.unlink()
    assert secret.encode() not in r.stdout + r.stderr
    assert b"LEAKED" not in r.stdout
    visible = eval(r.stdout.decode().splitlines()[-1])  # the sandbox's root directory
    assert not {"home", "var", "run", "srv", "mnt", "opt", "boot"} & set(visible)


def test_07_the_callers_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("REWARDKIT_TEST_SECRET", "env-s3cr3t")
    with Sandbox("bwrap", limits=LIMITS) as box:
        r = hostile(
            box,
            """
            import os, glob
            print(dict(os.environ))
            for f in glob.glob("/proc/*/environ"):
                try:
                    print(open(f, "rb").read())
                except OSError:
                    pass
            """,
        )
    assert b"env-s3cr3t" not in r.stdout + r.stderr and b"REWARDKIT_TEST_SECRET" not in r.stdout


def test_08_the_sandbox_cannot_change_its_own_files(sb):
    zygote_file = Path(_zygote.__file__)
    os_py = Path(os.__file__)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (zygote_file, os_py)}
    r = hostile(
        sb,
        f"""
        import os, sys
        for p in ("/.rewardkit/zygote.py", os.__file__, sys.executable, {str(Path(sys.prefix) / "pyvenv.cfg")!r}):
            for how in ("a", "w"):
                try:
                    open(p, how).write("import os; os.system('touch /tmp/pwned')")
                    print("CHANGED", p)
                except OSError as e:
                    print("refused", p, e.errno)
            try:
                os.unlink(p); print("DELETED", p)
            except OSError:
                pass
        """,
    )
    assert b"CHANGED" not in r.stdout and b"DELETED" not in r.stdout
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before
    assert sb.run_python("print('still fine')").stdout == b"still fine\n"


def test_09_fill_tmp_and_dev_shm_stays_bounded_and_is_wiped(sb):
    r = hostile(
        sb,
        """
        import os
        for d in ("/tmp", "/dev/shm"):
            total = 0
            try:
                for i in range(10_000):
                    with open(f"{d}/fill{i}", "wb") as f:
                        f.write(b"x" * (4 << 20))
                    total += 4 << 20
            except OSError as e:
                print(d, total >> 20, e.errno)
        """,
        limits=Limits(wall_s=20, file_mb=8),
    )
    lines = dict(line.split(" ", 1) for line in r.stdout.decode().splitlines())
    assert int(lines["/tmp"].split()[0]) <= TMP_MB and int(lines["/tmp"].split()[1]) == errno.ENOSPC
    assert int(lines["/dev/shm"].split()[1]) == errno.ENOSPC
    after = sb.run_python("import os; print(os.listdir('/tmp'), os.listdir('/dev/shm'))")
    assert after.stdout == b"['sandbox'] []\n"


def test_10_a_later_run_sees_nothing_of_an_earlier_one(sb):
    first = hostile(
        sb,
        """
        import os
        for p in ("left.txt", "/tmp/left.txt", "/dev/shm/left.txt", os.path.expanduser("~/.cache/left.txt")):
            os.makedirs(os.path.dirname(os.path.abspath(p)), exist_ok=True)
            open(p, "w").write("from run 1")
        os.chmod(".", 0o500)  # and try to make the working directory hard to clean
        """,
    )
    assert first.returncode == 0, first.stderr
    second = hostile(
        sb,
        """
        import os
        found = [p for p in ("left.txt", "/tmp/left.txt", "/dev/shm/left.txt", os.path.expanduser("~/.cache/left.txt")) if os.path.exists(p)]
        print(found, os.listdir("."), sorted(os.listdir("/tmp")))
        """,
    )
    assert second.stdout == b"[] [] ['sandbox']\n"


def test_11_collect_does_not_follow_symlinks_or_block_on_fifos(sb):
    r = hostile(
        sb,
        """
        import os
        os.symlink("/etc/passwd", "link")
        os.mkfifo("fifo")
        os.mkdir("dir")
        open("real", "w").write("ok")
        """,
        collect=["link", "fifo", "dir", "real"],
    )
    assert r.files == {"real": b"ok"}


def test_12_file_size_limit(sb):
    r = hostile(sb, "open('big', 'wb').write(b'x' * (64 << 20))", limits=Limits(file_mb=1, wall_s=10))
    assert r.returncode == 1 and b"File too large" in r.stderr


# ------------------------------------------------------------------------------ processes and limits


def test_13_fork_bomb_is_contained_even_as_root(sb):
    r = hostile(
        sb,
        """
        import os, time
        n = 0
        while True:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                n += 1
            except OSError:
                break
        print(n)
        """,
        limits=Limits(processes=24, wall_s=10),
    )
    assert r.returncode == 0 and int(r.stdout) < 24


def test_14_classic_fork_bomb_runs_out_of_time_not_out_of_host(sb):
    r = hostile(sb, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")
    assert r.timed_out and r.returncode is None


def test_15_thread_bomb_is_contained(sb):
    r = hostile(
        sb,
        """
        import threading, time
        threading.stack_size(64 * 1024)
        n = 0
        try:
            while True:
                threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                n += 1
        except RuntimeError as e:
            print(n, e)
        """,
        limits=Limits(processes=16, wall_s=10),
    )
    assert r.returncode == 0 and int(r.stdout.split()[0]) < 16 and b"can't start new thread" in r.stdout


def test_16_memory_bomb_is_contained(sb):
    r = hostile(
        sb, "x = []\nwhile True:\n    x.append(bytearray(16 << 20))", limits=Limits(memory_mb=256, wall_s=10)
    )
    assert r.returncode == 1 and b"MemoryError" in r.stderr
    r = hostile(sb, "x = bytearray(1 << 40)", limits=Limits(memory_mb=256))
    assert b"MemoryError" in r.stderr


@pytest.mark.parametrize(
    "code",
    [
        "while True: pass",
        "import time\nwhile True: time.sleep(1000)",
        "import signal, time\nfor s in range(1, signal.NSIG):\n    try: signal.signal(s, signal.SIG_IGN)\n    except (OSError, ValueError): pass\nwhile True: time.sleep(1)",
        "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)",
    ],
    ids=["infinite_loop", "sleep_forever", "ignore_every_signal", "stop_itself"],
)
def test_17_programs_that_never_end_are_killed_at_the_wall_limit(sb, code):
    r = hostile(sb, code, limits=Limits(wall_s=1))
    assert r.timed_out and r.returncode is None and r.signal == "SIGKILL"


def test_18_cpu_limit_with_signal_handlers(sb):
    r = hostile(
        sb,
        """
        import signal
        signal.signal(signal.SIGXCPU, lambda *a: print("caught SIGXCPU", flush=True))
        while True: pass
        """,
        limits=Limits(cpu_s=1, wall_s=20),
    )
    assert r.timed_out and r.signal == "SIGKILL"  # the hard limit, one second after the soft one
    assert b"caught SIGXCPU" in r.stdout


def test_19_double_fork_daemon_does_not_outlive_the_run(sb):
    marker = str(9000 + os.getpid() % 1000)
    r = hostile(
        sb,
        f"""
        import os, sys
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for fd in range(3):
                    os.close(fd)
                os.execv("/bin/sleep", ["sleep", "{marker}"])
            os._exit(0)
        print("daemonised")
        """,
    )
    assert r.stdout == b"daemonised\n"
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", marker]]


def test_20_background_processes_do_not_reach_the_next_run(sb):
    first = hostile(
        sb, "import subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True)\nprint('started')"
    )
    assert first.stdout == b"started\n"
    r = hostile(
        sb, "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, os.getpid()])"
    )
    assert r.stdout == b"True\n"


def test_21_killing_the_parent_and_everything_else_fails(sb):
    before = sb._host_pids()
    r = hostile(
        sb,
        f"""
        import os, signal
        results = []
        for pid, sig in ((os.getppid(), signal.SIGKILL), (1, signal.SIGTERM), (1, signal.SIGINT), (-1, signal.SIGKILL), ({os.getpid()}, signal.SIGKILL)):
            try:
                os.kill(pid, sig); results.append("sent")
            except OSError as e:
                results.append(e.errno)
        print(results, "alive")
        """,
    )
    assert r.returncode == 0 and r.stdout.endswith(b"alive\n")
    assert sb._host_pids() == before  # the zygote took nothing; pytest (this process) is alive too


def test_22_huge_stdout_and_stderr_are_truncated(sb):
    r = hostile(
        sb,
        "import sys\nfor _ in range(200):\n    sys.stdout.write('o' * 65536); sys.stderr.write('e' * 65536)\nprint('end')",
        limits=Limits(output_bytes=100_000),
    )
    assert r.returncode == 0 and r.stdout_truncated and r.stderr_truncated
    assert len(r.stdout) == len(r.stderr) == 100_000


def test_23_recursion_bomb(sb):
    r = hostile(
        sb,
        "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1) + 1\nf(0)",
        limits=Limits(memory_mb=256, wall_s=10),
    )
    assert r.returncode != 0 or r.signal is not None


def test_24_open_file_limit(sb):
    r = hostile(
        sb,
        "fs = []\ntry:\n    while True:\n        fs.append(open('/dev/null'))\nexcept OSError as e:\n    print(len(fs), e.errno)",
    )
    n, err = map(int, r.stdout.split())
    assert n < 256 and err == errno.EMFILE


# ----------------------------------------------------------------------- privilege and the kernel


def test_25_shell_and_subprocess_run_inside_the_same_sandbox(sb, tmp_path):
    host_marker = tmp_path / "from-shell"
    r = hostile(
        sb,
        f"""
        import os, subprocess
        os.system("touch {host_marker}; id -u > uid.txt; hostname >> uid.txt")
        print(open("uid.txt").read().split())
        print(subprocess.run(["sh", "-c", "cat /proc/1/cmdline | tr '\\\\0' ' '"], capture_output=True, text=True).stdout)
        """,
    )
    uid, hostname = eval(r.stdout.decode().splitlines()[0])
    assert int(uid) != 0 and hostname == "sandbox"
    assert "zygote" in r.stdout.decode().splitlines()[1]  # pid 1 is the zygote, not the host's init
    assert not host_marker.exists()


def test_26_no_privileges_inside(sb):
    r = hostile(
        sb,
        """
        import os
        status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
        print(os.getuid(), os.geteuid(), status["CapEff"].strip(), status["CapPrm"].strip(), status["NoNewPrivs"].strip())
        for name, call in (("setuid", lambda: os.setuid(0)), ("setgid", lambda: os.setgid(0)), ("chroot", lambda: os.chroot("/tmp"))):
            try:
                call(); print("ALLOWED", name)
            except OSError as e:
                print("denied", name, e.errno)
        """,
    )
    first = r.stdout.decode().splitlines()[0].split()
    assert first[0] != "0" and first[1] != "0"
    assert first[2:] == ["0000000000000000", "0000000000000000", "1"]
    assert b"ALLOWED" not in r.stdout and r.stdout.count(b"denied") == 3


def test_27_ctypes_syscalls_are_refused(sb):
    r = hostile(
        sb,
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        calls = {
            "setuid0": lambda: libc.setuid(0),
            "unshare_user": lambda: libc.unshare(0x10000000),
            "unshare_net": lambda: libc.unshare(0x40000000),
            "mount_tmpfs": lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
            "umount_root": lambda: libc.umount2(b"/", 2),
            "reboot": lambda: libc.reboot(0x4321FEDC),
            "sethostname": lambda: libc.sethostname(b"pwned", 5),
            "ptrace_attach_zygote": lambda: libc.ptrace(16, 1, 0, 0),
            "init_module": lambda: libc.syscall(175, None, 0, b""),
            "kexec_load": lambda: libc.syscall(246, 0, 0, None, 0),
        }
        for name, call in calls.items():
            print(name, call(), ctypes.get_errno())
        """,
    )
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 10 and all(line.split()[1] == "-1" for line in lines), lines


def test_28_mount_and_nested_namespaces_via_tools_fail(sb):
    r = hostile_argv(
        sb,
        [
            "sh",
            "-c",
            "mount -t tmpfs none /tmp/sandbox; echo mount=$?; unshare -U true; echo unshare=$?; unshare -r true; echo unshare_r=$?",
        ],
    )
    out = r.stdout.decode()
    assert "mount=0" not in out and "unshare=0" not in out and "unshare_r=0" not in out


def test_29_host_processes_and_proc_are_not_visible(sb):
    r = hostile(
        sb,
        f"""
        import os
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        cmdlines = [open(f"/proc/{{p}}/cmdline", "rb").read() for p in pids if os.path.exists(f"/proc/{{p}}")]
        print(len(pids), any(b"pytest" in c for c in cmdlines), os.path.exists("/proc/{os.getpid()}/environ"))
        try:
            os.kill({os.getpid()}, 9); print("KILLED HOST PID")
        except OSError as e:
            print("no such process", e.errno)
        """,
    )
    count, saw_pytest, host_pid_visible = r.stdout.decode().splitlines()[0].split()
    assert int(count) <= 3 and saw_pytest == "False"
    assert b"KILLED" not in r.stdout


def test_30_proc_sys_and_sysrq_are_read_only(sb):
    r = hostile(
        sb,
        """
        for p, v in (("/proc/sys/kernel/hostname", "pwned"), ("/proc/sys/vm/drop_caches", "3"), ("/proc/sysrq-trigger", "b"), ("/proc/sys/kernel/core_pattern", "|/tmp/x")):
            try:
                open(p, "w").write(v); print("WROTE", p)
            except OSError as e:
                print("refused", p, e.errno)
        """,
    )
    assert b"WROTE" not in r.stdout and r.stdout.count(b"refused") == 4
    assert socket.gethostname() != "pwned"


def test_31_no_raw_devices(sb):
    r = hostile(
        sb,
        """
        import os
        print(sorted(os.listdir("/dev")))
        for d in ("/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/vda", "/dev/sda", "/dev/nvme0n1"):
            try:
                open(d, "rb").read(1); print("OPENED", d)
            except OSError as e:
                print("absent", d, e.errno)
        """,
    )
    assert b"OPENED" not in r.stdout and r.stdout.count(b"absent") == 7


def test_32_ptrace_of_the_zygote_is_refused(sb):
    r = hostile(
        sb,
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())  # PTRACE_ATTACH to the zygote
        for f in ("/proc/1/mem", "/proc/1/environ", "/proc/1/fd"):
            try:
                open(f, "rb").read(1); print("OPENED", f)
            except OSError as e:
                print("refused", f, e.errno)
        """,
    )
    assert r.stdout.split(b"\n")[0].startswith(b"-1 ") and b"OPENED" not in r.stdout


def test_33_a_forged_verdict_is_just_output(sb):
    fake = _zygote.pack(
        {"returncode": 0, "signal": None, "stdout": b"ALL TESTS PASSED", "stderr": b"", "timed_out": False}
    )
    r = hostile(
        sb,
        f"""
        import os, sys
        fake = {fake!r}
        wrote = []
        for fd in range(3, 1024):
            try:
                os.write(fd, fake); wrote.append(fd)
            except OSError:
                pass
        open("verdict.json", "w").write('{{"passed": true}}')
        print("fds written:", wrote)
        sys.exit(7)
        """,
        collect=["verdict.json"],
    )
    assert r.returncode == 7 and r.stdout == b"fds written: []\n"
    assert r.files == {"verdict.json": b'{"passed": true}'}  # data the caller asked for, nothing more
    assert sb.run_python("print('next')").stdout == b"next\n"


def test_34_no_core_dumps(sb):
    r = hostile(sb, "import os, signal; os.kill(os.getpid(), signal.SIGABRT)", collect=["core"])
    assert r.signal == "SIGABRT" and r.files == {}


def test_35_setsid_and_closed_pipes_do_not_detach_from_the_wall_limit(sb):
    r = hostile(
        sb,
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            os.close(1); os.close(2)
            while True:
                time.sleep(1)
        os.close(1); os.close(2)
        os.setsid()
        while True:
            time.sleep(1)
        """,
        limits=Limits(wall_s=1),
    )
    assert r.timed_out


# --------------------------------------------------------------------------- compiled programs (run)


@pytest.fixture(scope="module")
def cc():
    gcc = shutil.which("gcc")
    if not gcc:
        pytest.skip("gcc is not installed")
    return gcc


C_FORK_BOMB = r"""
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int n = 0;
    for (;;) {
        pid_t p = fork();
        if (p < 0) break;
        if (p == 0) { sleep(60); _exit(0); }
        n++;
    }
    printf("%d\n", n);
    fflush(stdout);
    for (;;) fork();  /* and keep trying */
}
"""

C_CONNECT = r"""
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1])); inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    printf("%s\n", connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? "CONNECTED" : "refused");
    return 0;
}
"""


def test_36_c_fork_bomb_compiled_inside_is_contained(sb, cc):
    build = Limits(wall_s=60, cpu_s=60, memory_mb=2048)
    r = hostile_argv(
        sb,
        ["gcc", "-O2", "-o", "bomb", "bomb.c"],
        files={"bomb.c": C_FORK_BOMB},
        limits=build,
        collect=["bomb"],
    )
    assert r.returncode == 0, r.stderr
    r = hostile_argv(sb, ["./bomb"], files={"bomb": r.files["bomb"]}, limits=Limits(processes=24, wall_s=2))
    assert r.timed_out and int(r.stdout) < 24


def test_37_c_program_cannot_connect_to_the_host(sb, cc, host_listener):
    server = host_listener
    port = server.getsockname()[1]
    r = hostile_argv(
        sb,
        ["sh", "-c", f"gcc -include stdlib.h -o c c.c && ./c {port}"],
        files={"c.c": C_CONNECT},
        limits=Limits(wall_s=60, cpu_s=60, memory_mb=2048),
    )
    with pytest.raises(TimeoutError):
        server.accept()
    assert r.returncode == 0 and r.stdout == b"refused\n", r.stderr


# ------------------------------------------------------------------ what a run leaves behind


def test_38_deep_directories_and_a_full_tmp_do_not_reach_the_next_run(sb):
    first = hostile(
        sb,
        """
        import os
        os.chdir("/tmp"); os.mkdir("keep"); os.chdir("keep")
        for i in range(40):  # a path far past PATH_MAX (4096)
            os.mkdir("d" * 200); os.chdir("d" * 200)
        open("secret.txt", "w").write("persisted from run 1")
        os.chmod(".", 0o500)
        block = b"z" * (1 << 20)
        os.chdir("..")
        try:
            for i in range(400):
                with open(f"fill{i}", "wb") as f:
                    for _ in range(15):
                        f.write(block)
        except OSError as e:
            print(e.errno)
        """,
        limits=Limits(wall_s=20, cpu_s=20, memory_mb=512, processes=32),
    )
    assert first.stdout == f"{errno.ENOSPC}\n".encode(), first.stderr
    second = hostile(
        sb,
        """
        import os, shutil
        print(sorted(os.listdir("/tmp")), os.listdir("."), open("a.txt").read(1))
        print(shutil.disk_usage("/tmp").free >> 20)
        """,
        files={"a.txt": "x" * (1 << 20)},
    )
    listing, free = second.stdout.decode().splitlines()
    assert listing == "['sandbox'] ['a.txt'] x", second.stderr
    assert int(free) > TMP_MB - 8


IPC_LEAK = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.syscall.restype = ctypes.c_long
sid = libc.shmget(0x5EC, 8 << 20, 0o1666)
addr = libc.shmat(sid, None, 0)
ctypes.memset(addr, 1, 8 << 20)
libc.shmdt(ctypes.c_void_p(addr))
mid = libc.msgget(0x5ED, 0o1666)
semid = libc.semget(0x5EE, 1, 0o1666)
mq = libc.mq_open(b"/leak", os.O_CREAT | os.O_RDWR, 0o600, None)
keys = {"x86_64": 248, "aarch64": 217}.get(os.uname().machine)
key = -1
if keys:
    key = libc.syscall(keys, b"user", b"leak", b"secret", 6, ctypes.c_long(-3))  # into the session keyring
    key2 = libc.syscall(keys, b"user", b"leak", b"secret", 6, ctypes.c_long(-4))  # the user keyring
print(sid >= 0, mid >= 0, semid >= 0, mq >= 0, key)
"""

IPC_LOOK = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
objs = [open(f"/proc/sysvipc/{k}").read().splitlines()[1:] for k in ("shm", "msg", "sem")]
found = [libc.shmget(0x5EC, 0, 0), libc.msgget(0x5ED, 0), libc.semget(0x5EE, 0, 0), libc.mq_open(b"/leak", os.O_RDWR)]
keyctl = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)
if keyctl:  # KEYCTL_SEARCH in the session and the user keyring
    found += [libc.syscall(keyctl, 10, ctypes.c_long(ring), b"user", b"leak", 0) for ring in (-3, -4)]
print(objs, found, os.listdir("/dev/mqueue"))
"""


def test_39_sysv_ipc_message_queues_and_keys_do_not_reach_the_next_run(sb):
    first = hostile(sb, IPC_LEAK)
    made = first.stdout.split()
    assert made[:4] == [b"True"] * 4, first.stderr
    second = hostile(sb, IPC_LOOK)
    assert second.stdout.startswith(b"[[], [], []] [-1, -1, -1, -1"), second.stdout + second.stderr
    assert second.stdout.endswith(b"] []\n"), second.stdout
    if int(made[4]) > 0:  # keys could be added: none is found in the next run
        assert b", -1, -1] []" in second.stdout


def test_40_collect_follows_no_symlink_in_a_directory_component(sb):
    r = hostile(
        sb,
        """
        import os
        os.symlink("/proc/1", "p")
        os.symlink("/etc", "e")
        os.mkdir("d")
        os.symlink("..", "d/up")
        open("d/real", "w").write("ok")
        """,
        collect=["p/cmdline", "p/environ", "e/passwd", "d/up/d/real", "d/real"],
    )
    assert r.files == {"d/real": b"ok"}
