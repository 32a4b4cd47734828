"""benchmarks/gpu_check.sh end to end on the CPU (no CUDA install, the toy at small sizes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.mc.simulate import chunk_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gpu_check_runs_on_the_cpu_and_writes_one_json(tmp_path):
    out = tmp_path / "gpu_check.json"
    proc = subprocess.run(
        ["bash", "benchmarks/gpu_check.sh", "--skip-cuda-install", "--quick", "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "installing" not in proc.stderr  # --skip-cuda-install: nothing was installed
    result = json.loads(out.read_text())
    assert result["ok"] is True and result["quick"] is True
    assert result["device"]["platform"] == "cpu" and result["device"]["chunk"] == 256
    cases = result["throughput"]["cases"]
    assert [c["n_futures"] for c in cases] == [256, 1024]
    for case in cases:  # rates follow from the sizes and the seconds measured
        hours = case["future_site_hours_per_second"] * case["seconds"] / case["n_futures"]
        assert hours == pytest.approx(3 * 168)  # the toy: 3 sites, 168 hours
    assert result["agreement"]["failed"] == [] and result["agreement"]["rtol"] == 1e-4
    assert result["agreement"]["futures_with_unserved_energy"] > 0.2  # the drivers did bite
    (identity,) = result["bit_identity"]
    n_devices = result["device"]["devices"]  # chunks come in whole vectors of futures per device
    expected = [256, chunk_for(64, 300, n_devices, "jax")]
    assert identity["chunk_sizes"] == expected and identity["differ"] == []


def test_gpu_check_refuses_an_unknown_option():
    proc = subprocess.run(
        ["bash", "benchmarks/gpu_check.sh", "--no-such-flag"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "unknown option --no-such-flag" in proc.stderr
