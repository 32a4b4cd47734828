"""`planner -m ... hydra/launcher=ray_cluster` against a Ray head started on 127.0.0.1 for the test."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAY = Path(sys.executable).with_name("ray")  # the venv's `ray` command (the ray extra)
# Ray's single-node mode: every address it hands out is the loopback one, never the host's own.
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def _free_port() -> int:
    """A free port above Ray's worker port range (10002-19999)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ray_head():
    """A Ray head on 127.0.0.1 (`ray start --head --block`), stopped by its process id after."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit
    env = {**os.environ, **LOOPBACK}
    head = subprocess.Popen(
        [
            str(RAY),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            "--object-store-memory=100000000",
            f"--temp-dir={temp}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        _wait_for(address, head)
        yield address
    finally:  # --block: SIGTERM to the `ray start` process stops the head's processes too
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


def _wait_for(address: str, head: subprocess.Popen, timeout: float = 180.0) -> None:
    host, port = address.split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if head.poll() is not None:
            raise RuntimeError(f"ray start failed:\n{head.stdout.read()}")
        with socket.socket() as sock:
            if sock.connect_ex((host, int(port))) == 0:
                return
        time.sleep(1.0)
    raise RuntimeError(f"no Ray head at {address} after {timeout} s")


@pytest.mark.slow
def test_sweep_runs_on_the_ray_cluster_and_writes_the_comparison(ray_head, tmp_path):
    sweep_dir = tmp_path / "sweep"
    env = {**os.environ, **LOOPBACK, "RAY_ADDRESS": ray_head, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.app",
            "-m",
            "scenario=toy",
            "policy=annual_re100,cfe_90",
            "montecarlo.n_futures=16",
            "montecarlo.backend=numpy",
            "hydra/launcher=ray_cluster",
            f"hydra.sweep.dir={sweep_dir}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # it joined the test's cluster (not a Ray of its own), and the Ray launcher ran every job
    # (it names them job_id_for_<n>; Ray forwards the workers' own log lines to this process
    # only when it gets to it, so those are not waited for)
    assert f"Connecting to existing Ray cluster at address: {ray_head}" in out, out[-3000:]
    assert "Connected to Ray cluster" in out, out[-3000:]
    runs = sorted(p for p in sweep_dir.iterdir() if (p / "summary.json").exists())
    assert len(runs) == 2, out[-3000:]
    assert "policy=annual_re100" in runs[0].name and "policy=cfe_90" in runs[1].name
    for number, run in enumerate(runs):
        assert f"id: job_id_for_{number}" in (run / ".hydra" / "hydra.yaml").read_text()
    text = (sweep_dir / "comparison" / "report.md").read_text()  # written when the sweep ends
    assert "**annual_re100**" in text and "**cfe_90**" in text
