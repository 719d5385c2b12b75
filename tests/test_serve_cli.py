"""`rewardkit serve` as a real process: each flag does what it says, the server binds loopback unless told
otherwise, Ctrl-C stops it cleanly, and without the `server` extra it says what to install."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

SLOW_SPEC = """
    name: slow
    components:
      - name: correctness
        verifier: math
        config: {timeout: 3}
"""
# A sample the math verifier cannot decide: its worker is killed at the spec's deadline (3 s)
SLOW_SAMPLE = {"response": r"\boxed{x^{99999999}+1}", "reference": "x^{99999998}+1"}
KEY = {"X-API-Key": "s3cret"}


@pytest.fixture
def serve(unused_port: int) -> Iterator:
    """serve(*args) -> (process, base URL): `python -m rewardkit serve *args` on a free port, once its
    /healthz answers. Killed at the end if the test left it running."""
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        command = [sys.executable, "-m", "rewardkit", "serve", *args, "--port", str(unused_port)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        url = f"http://127.0.0.1:{unused_port}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                time.sleep(0.1)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_flags_loopback_and_ctrl_c(serve, write_spec) -> None:
    spec = write_spec(SLOW_SPEC, "slow.yaml")
    proc, url = serve(
        "--spec", str(spec), "--spec", "math", "--max-body-mb", "0.002", "--api-key", "s3cret",
        "--default-reward", "-2.5", "--request-timeout", "0.5",
    )  # fmt: skip
    port = int(url.rsplit(":", 1)[1])

    # loopback by default: the one listening socket is on 127.0.0.1
    listening = {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process(proc.pid).net_connections("inet")
        if c.status == "LISTEN"
    }
    assert listening == {("127.0.0.1", port)}

    # --api-key: every endpoint but /healthz needs it
    assert httpx.get(f"{url}/v1/specs", timeout=10).status_code == 401
    specs = httpx.get(f"{url}/v1/specs", headers=KEY, timeout=10)
    assert specs.status_code == 200 and specs.json() == {"specs": ["slow", "math"], "default": "slow"}

    # --max-body-mb 0.002: 2097 bytes
    big = {"samples": [{"response": "x" * 3000, "reference": "1"}], "spec": "math"}
    r = httpx.post(f"{url}/v1/score", json=big, headers=KEY, timeout=10)
    assert (
        r.status_code == 413
        and "(2097 bytes)" in r.json()["detail"]
        and "--max-body-mb" in r.json()["detail"]
    )
    small = {"samples": [{"response": "x" * 1500, "reference": "1"}], "spec": "math"}
    assert httpx.post(f"{url}/v1/score", json=small, headers=KEY, timeout=30).status_code == 200

    # --default-reward: a score without a value on /get_reward
    body = {
        "query": ["Q: 2+2? No idea.", "Q: 2+2? \\boxed{4}"],
        "prompts": ["Q: 2+2?"] * 2,
        "labels": ["4"] * 2,
    }
    r = httpx.post(f"{url}/get_reward", json={**body, "spec": "math"}, headers=KEY, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["rewards"] == [-2.5, pytest.approx(1.1)]
    assert r.json()["extra_logs"]["rewardkit_unparseable"] == [1.0, 0.0]

    # --request-timeout 0.5: the slow spec (the default) runs past it
    r = httpx.post(f"{url}/v1/score", json={"samples": [SLOW_SAMPLE]}, headers=KEY, timeout=30)
    assert r.status_code == 504 and "did not finish within 0.5 s" in r.json()["detail"]

    # Ctrl-C: a clean exit
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "Shutting down" in output and "Traceback" not in output
    assert "warning" not in output  # loopback: no warning about exposing the server
    assert f"on http://127.0.0.1:{port}" in output


@pytest.mark.parametrize("module", ["fastapi", "uvicorn", "prometheus_client"])
def test_without_the_server_extra(module: str, repo_root: Path) -> None:
    shim = f"import sys; sys.modules[{module!r}] = None\n"
    cli = shim + "from rewardkit.cli import app\nsys.argv = ['rewardkit', 'serve', '--spec', 'math']\napp()\n"
    done = subprocess.run(
        [sys.executable, "-c", cli], capture_output=True, text=True, timeout=120, cwd=repo_root
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"error: the scoring server (rewardkit serve) needs the 'server' extra (the module {module!r} is not "
        "installed): pip install 'rewardkit[server]'"
    )
    library = shim + (
        "from rewardkit.errors import MissingExtraError\n"
        "try:\n    import rewardkit.server.app\nexcept MissingExtraError as err:\n    print(err.extra, err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", library], capture_output=True, text=True, timeout=120, cwd=repo_root
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.startswith("server the scoring server")
        and "pip install 'rewardkit[server]'" in done.stdout
    )
