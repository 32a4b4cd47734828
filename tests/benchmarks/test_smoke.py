"""Smoke test: every benchmark suite runs at --quick size and writes well-formed output.

Nothing timed is asserted: benchmarks are not tests. This only checks that
`python -m benchmarks.run --quick` and `python -m benchmarks.report` work end
to end into a temporary folder.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.results import SUITES, check_result

ROOT = Path(__file__).resolve().parents[2]


def _python_m(*args: str, timeout: float) -> subprocess.CompletedProcess:
    """`python -m <args>` from the repository root, with it on PYTHONPATH."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_quick_run_writes_results_and_report(tmp_path):
    out = tmp_path / "results"
    report = tmp_path / "REPORT.md"
    proc = _python_m(
        "benchmarks.run", "--quick", "--out", str(out), "--report", str(report), timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for suite in SUITES:
        data = json.loads((out / f"{suite}.json").read_text())
        check_result(data)
        assert data["suite"] == suite and data["quick"] is True
        assert data["machine"]["logical_cores"] >= 1
        assert data["versions"]["python"]
    mc = json.loads((out / "mc.json").read_text())
    assert {r["backend"] for r in mc["records"]} == {"jax", "numpy"}
    assert all(r["throughput"] > 0 for r in mc["records"])
    assert all("error" not in p for p in mc["config"]["kernel_probe"])
    assert "error" not in mc["config"]["profile"]
    e2e = json.loads((out / "e2e.json").read_text())
    assert [r["stage"] for r in e2e["records"]][-1] == "total", e2e["notes"]
    text = report.read_text()
    assert text.startswith("# planner benchmark report")
    for link in [ln.split("](")[1].rstrip(")") for ln in text.splitlines() if ln.startswith("![")]:
        png = report.parent / link
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", link
    # the report regenerates from the JSON alone, the same
    again = tmp_path / "AGAIN.md"
    proc = _python_m("benchmarks.report", "--results", str(out), "--out", str(again), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert again.read_text() == text


def test_result_schema_rejects_malformed():
    with pytest.raises(ValueError):
        check_result({"schema": "planner-bench/1", "suite": "mc"})


def test_device_cases_do_not_inherit_the_flags_planner_set_here():
    """Each devices case sets its own device count and fast math in its subprocess."""
    from benchmarks.devices import user_xla_flags

    flags = (
        "--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=2 "
        "--xla_cpu_enable_fast_math=true --xla_cpu_fast_math_honor_nans=false"
    )
    assert user_xla_flags(flags) == "--xla_dump_to=/tmp/x"
