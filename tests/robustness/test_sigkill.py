"""A run killed with SIGKILL at any stage leaves no visible half file.

The toy study runs as `planner` does (a subprocess); the test watches its run
folder and kills it the moment a stage is mid-write (its hidden temporary
sibling exists), then loads every visible .nc, .json, .md and .png there.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from PIL import Image

import planner

REPO = Path(__file__).resolve().parents[2]
CHECKED = (".nc", ".json", ".md", ".png")


def writing(prefix: str):
    """A condition: a hidden temporary `.<prefix>.*.tmp` exists (the stage is mid-write)."""

    def seen(run_dir: Path) -> bool:
        try:
            roots = [run_dir, run_dir / "figures", *run_dir.glob(".figures.*.tmp")]
            return any(p.is_dir() and any(p.glob(f".{prefix}.*.tmp")) for p in roots)
        except OSError:  # a temporary folder renamed while listed
            return False

    return seen


STAGES = {
    "scenario.nc": writing("scenario.nc"),
    "risk.nc": writing("risk.nc"),
    "a figure": writing("*.png"),
}


def run_and_kill(run_dir: Path, seen) -> bool:
    """Start the toy study, SIGKILL it as soon as `seen(run_dir)`; True if it was killed."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HYDRA_FULL_ERROR": "0"}
    args = [
        sys.executable,
        "-m",
        "planner.app",
        "scenario=toy",
        "montecarlo.n_futures=16",
        "montecarlo.backend=numpy",
        f"hydra.run.dir={run_dir}",
    ]
    proc = subprocess.Popen(
        args, cwd=run_dir.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if run_dir.is_dir() and seen(run_dir):
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.001)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def visible(run_dir: Path) -> list[Path]:
    return [
        p
        for p in run_dir.rglob("*")
        if p.is_file()
        and p.suffix in CHECKED
        and not any(part.startswith(".") for part in p.relative_to(run_dir).parts)
    ]


def check_complete(path: Path) -> None:
    """Load `path` fully as what its name says it is."""
    if path.suffix == ".nc":
        ds = xr.load_dataset(path, engine="h5netcdf")
        check = {
            "scenario.nc": planner.validate,
            "plan.nc": planner.validate_plan,
            "risk.nc": planner.validate_risk,
        }[path.name]
        check(ds)
    elif path.suffix == ".json":
        assert "objective" in json.loads(path.read_text())
    elif path.suffix == ".md":
        text = path.read_text()
        assert text.startswith("# ")
        for name in ("map.png", "risk.png"):  # figures are written before the report
            if f"figures/{name}" in text:
                assert (path.parent / "figures" / name).is_file()
    else:
        with Image.open(path) as image:
            image.load()
            assert image.size[0] > 100


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(STAGES))
def test_sigkill_mid_write_leaves_no_visible_half_file(tmp_path, stage):
    run_dir = tmp_path / "run"
    killed = run_and_kill(run_dir, STAGES[stage])
    files = visible(run_dir)
    for path in files:
        check_complete(path)
    if killed:  # what was being written is not there under its own name
        names = {p.name for p in files}
        assert "summary.json" not in names
        if stage == "scenario.nc":
            assert not names & {"scenario.nc", "plan.nc", "risk.nc", "report.md"}
        if stage == "risk.nc":
            assert {"scenario.nc", "plan.nc"} <= names and "risk.nc" not in names


def test_the_checks_would_catch_a_half_file(tmp_path):
    """`check_complete` fails on a cut-short NetCDF and PNG (so the test above can fail)."""
    toy = planner.load_scenario("toy")
    planner.save_scenario(toy, tmp_path / "whole.nc")
    data = (tmp_path / "whole.nc").read_bytes()
    (tmp_path / "scenario.nc").write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception):  # noqa: B017 - any failure to load is the point
        check_complete(tmp_path / "scenario.nc")
    Image.new("RGB", (400, 300), "white").save(tmp_path / "whole.png")
    png = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "half.png").write_bytes(png[: len(png) // 2])
    with pytest.raises(Exception):  # noqa: B017
        check_complete(tmp_path / "half.png")
