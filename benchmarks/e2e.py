"""End to end: the default study's wall time split into load, reduce, build, solve, simulate, report.

The study runs exactly as a user runs it (`python -m planner.app`, default
config, a temporary run folder) and the stage times come from the app's own
timing hook (`summary.json` "seconds"), with the LP's build/solve split from
plan.nc's attrs and process start-up (imports, Hydra compose, JAX start) as
the rest of the wall time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.child import child_env
from benchmarks.progress import Clock
from benchmarks.results import SuiteResult

QUICK_OVERRIDES = ["scenario=toy", "montecarlo=quick", "report.figures=false"]
WHAT = {
    "startup": "Python imports, Hydra config compose and validation, process start",
    "load": "read japan_2030.nc and validate it",
    "reduce": "reduce_time: representative days (k-medoids) + extreme days",
    "build": "build the PuLP model (Plan attrs build_seconds)",
    "solve": "solver time as PuLP reports it (Plan attrs solve_seconds)",
    "plan other": "validation, policy checks and the Plan Dataset around build/solve",
    "simulate": "planner.simulate of the plan over the full year (includes XLA compile)",
    "report": "summary metrics, figures and report.md",
    "write": "NetCDF files and the rest of the run",
}


def run(out_dir, clock: Clock, quick: bool = False, timeout: float = 600.0) -> SuiteResult:
    """Time the default study and write `e2e.json`."""
    result = SuiteResult("e2e", quick=quick)
    _run_app(result, clock, quick, timeout)
    result.write(out_dir)
    return result


def _run_app(result: SuiteResult, clock: Clock, quick: bool, timeout: float) -> None:
    overrides = QUICK_OVERRIDES if quick else []
    with tempfile.TemporaryDirectory(prefix="planner-e2e-") as tmp:
        run_dir = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "planner.app", f"hydra.run.dir={run_dir}", *overrides]
        result.config = {"command": " ".join(["python -m planner.app", *overrides]), "mode": "app"}
        clock.log("e2e", "running the default study: " + result.config["command"])
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, env=child_env()
            )
        except subprocess.TimeoutExpired:
            result.note(f"The default study did not finish within {timeout:.0f} s and was stopped.")
            return
        wall = time.perf_counter() - t0
        summary_path = run_dir / "summary.json"
        if proc.returncode != 0 or not summary_path.exists():
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
            result.note(f"The default study failed (exit {proc.returncode}): {tail[:400]}")
            return
        seconds = json.loads(summary_path.read_text()).get("seconds", {})
        attrs = _plan_attrs(run_dir / "plan.nc")
        result.config.update(
            plan_status=attrs.get("status"),
            n_cols=attrs.get("n_cols"),
            n_rows=attrs.get("n_rows"),
            solver=attrs.get("solver"),
            risk=_risk_attrs(run_dir / "risk.nc"),
        )
    stages = _stages(seconds, attrs, wall)
    for name, secs in stages:
        result.add(stage=name, seconds=secs, what=WHAT.get(name, ""))
    result.add(stage="total", seconds=None, wall_seconds=wall, what="process wall time")
    result.note(
        "Stage times come from the app's own timing (summary.json 'seconds'); build/solve from "
        "plan.nc attrs. The simulate stage includes the XLA compile of the kernel (see the MC "
        "suite's compile column), as a user's first run does."
    )
    clock.log(
        "e2e", f"default study: {wall:.1f} s wall; " + ", ".join(f"{n} {s:.1f}" for n, s in stages)
    )


def _plan_attrs(path: Path) -> dict:
    import xarray as xr

    if not path.exists():
        return {}
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return dict(ds.attrs)


def _risk_attrs(path: Path) -> dict:
    a = _plan_attrs(path)
    return {
        k: a.get(k) for k in ("n_futures", "backend", "dtype", "chunk_size", "devices", "seconds")
    }


def _stages(seconds: dict, attrs: dict, wall: float) -> list[tuple[str, float]]:
    plan = float(seconds.get("plan", 0.0))
    build = float(attrs.get("build_seconds", 0.0) or 0.0)
    solve = float(attrs.get("solve_seconds", 0.0) or 0.0)
    stages = [
        ("load", float(seconds.get("load", 0.0))),
        ("reduce", float(seconds.get("reduce_time", seconds.get("reduce", 0.0)))),
        ("build", build),
        ("solve", solve),
        ("plan other", max(plan - build - solve, 0.0)),
        ("simulate", float(seconds.get("simulate", 0.0))),
        ("report", float(seconds.get("report", 0.0))),
    ]
    total = float(seconds.get("total", sum(s for _, s in stages)))
    stages.append(("write", max(total - sum(s for _, s in stages), 0.0)))
    stages.insert(0, ("startup", max(wall - total, 0.0)))
    return stages
