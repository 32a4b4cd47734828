"""End-to-end runs of the `planner` command on the toy scenario, in temporary folders."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import planner
from planner.app import compare_main

REPO = Path(__file__).resolve().parents[2]
OUTPUTS = ("scenario.nc", "plan.nc", "risk.nc", "summary.json", "report.md")
FIGURES = ("map.png", "capacity.png", "cost.png", "dispatch.png", "risk.png")


def run_planner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`planner ARGS` as a user types it (python -m, so this checkout's code is used)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "planner.app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_toy_run_writes_every_output_and_agrees_with_the_library(tmp_path):
    run_dir = tmp_path / "run"
    n_futures, chunk = 48, 16
    proc = run_planner(
        "scenario=toy",
        "policy=cfe_90",
        f"montecarlo.n_futures={n_futures}",
        f"montecarlo.chunk_size={chunk}",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in OUTPUTS:
        assert (run_dir / name).is_file(), name
    for name in FIGURES:
        assert (run_dir / "figures" / name).stat().st_size > 10_000, name
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    log = (run_dir / "planner.log").read_text()
    assert_progress_lines(proc.stdout, n_futures)
    assert_progress_lines(log, n_futures)  # the run log too
    assert_one_log_format(log)
    assert "Running HiGHS" not in proc.stdout + proc.stderr  # the solver banner is gone
    assert "Copyright" not in proc.stdout + proc.stderr
    assert not [p for p in run_dir.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]

    scenario = xr.load_dataset(run_dir / "scenario.nc")
    plan = xr.load_dataset(run_dir / "plan.nc")
    risk = xr.load_dataset(run_dir / "risk.nc")
    summary = json.loads((run_dir / "summary.json").read_text())
    report = (run_dir / "report.md").read_text()

    # the same study through the library, without Hydra
    scn = planner.validate(planner.load_scenario("toy"))
    xr.testing.assert_allclose(scenario["cf"], scn["cf"])
    lib_plan = planner.plan(
        planner.reduce_time(scn, n_days=3), policy={"cfe_target": 0.9, "reserve_margin": 0.2}
    )
    assert plan.attrs["objective"] == pytest.approx(lib_plan.attrs["objective"], rel=1e-6)
    np.testing.assert_allclose(plan["it_capacity"], lib_plan["it_capacity"], atol=1e-6)
    lib_risk = planner.simulate(
        scn, lib_plan, n_futures=n_futures, seed=0, chunk_size=chunk, progress=False
    )
    np.testing.assert_allclose(risk["summary"], lib_risk["summary"], rtol=1e-4, atol=1e-6)

    assert summary["objective"] == pytest.approx(plan.attrs["objective"])
    assert summary["sites_open"] == [
        str(s) for s in plan.site.values[plan["site_open"].values > 0.5]
    ]
    assert summary["risk"]["unserved_energy"]["p95"] == pytest.approx(
        float(risk["summary"].sel(metric="unserved_energy", stat="p95"))
    )
    assert summary["settings"]["scenario"]["name"] == "toy"
    assert risk.attrs["n_futures"] == n_futures
    for name in FIGURES:
        assert f"figures/{name}" in report

    # a finished run is never overwritten, nor its .hydra/ config (checked before Hydra writes)
    hydra_files = {p: p.read_bytes() for p in (run_dir / ".hydra").iterdir()}
    again = run_planner("scenario=toy", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert again.returncode != 0
    assert "already exists" in again.stdout + again.stderr
    assert {p: p.read_bytes() for p in (run_dir / ".hydra").iterdir()} == hydra_files


LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] ")  # the one log format: "[12:34:56] message"


def assert_progress_lines(out: str, n_futures: int) -> None:
    """What a planner watching a run sees: the plan's status and the Monte Carlo bar as lines."""
    assert "Plan optimal" in out
    bar = [line for line in out.splitlines() if "Monte Carlo" in line and "%|" in line]
    assert bar and LINE.match(bar[0]) and f" 0/{n_futures} " in bar[0]
    assert "100%|" in bar[-1] and f"{n_futures}/{n_futures}" in bar[-1]
    assert "\r" not in out  # a bar redrawn in place is unreadable in a log file
    lp = [line for line in out.splitlines() if LP_PROGRESS.search(line)]
    assert lp, "no LP progress line with its phase and elapsed seconds"


# planner.lp.solve's progress: a phase and the seconds it took, e.g.
# "[12:00:03] LP relaxation: optimal in 1.3 s, objective 6.4085e+09 JPY/yr"
LP_PROGRESS = re.compile(
    r"^\[[\d:]+\] (LP relaxation|fixed siting|branch and bound)\b.*\b\d+(\.\d)? s\b"
)


def assert_one_log_format(log: str) -> None:
    """Every line of the run log (Hydra's, ours, JAX's) is "[12:34:56] message"."""
    lines = [line for line in log.splitlines() if line.strip()]
    odd = [line for line in lines if not LINE.match(line)]
    assert lines and not odd, f"lines not in the log format: {odd[:5]}"


def test_run_folder_is_named_after_a_scenario_file_or_folder_never_its_path():
    from planner.app import run_name

    assert run_name("toy") == "toy"
    assert run_name("/data/cases/my_case/") == "my_case"  # a CSV folder
    assert run_name("../cases/japan_hot.nc") == "japan_hot"


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("montecarlo.n_futures=0", ["montecarlo.n_futures = 0", "[1, inf)"]),
        ("policy.cfe_target=1.5", ["policy.cfe_target = 1.5", "[0, 1]"]),
        ("policy.capex_budget=inf", ["policy.capex_budget = inf", "finite number"]),
        ("montecarlo.n_future=10", ["n_future"]),  # mistyped key: Hydra stops at compose
    ],
)
def test_bad_override_fails_clearly_and_writes_nothing_complete(tmp_path, override, expected):
    run_dir = tmp_path / "run"
    proc = run_planner("scenario=toy", override, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for text in expected:
        assert text in out
    assert "Traceback" not in out
    for name in OUTPUTS:
        assert not (run_dir / name).exists(), name
    assert not (run_dir / "figures").exists()


@pytest.mark.slow
def test_multirun_on_joblib_and_comparison(tmp_path):
    sweep_dir = tmp_path / "sweep"
    proc = run_planner(
        "-m",
        "scenario=toy",
        "policy=annual_re100,cfe_90",
        "montecarlo.n_futures=16",
        "montecarlo.backend=numpy",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = sorted(p for p in sweep_dir.iterdir() if (p / "summary.json").exists())
    assert len(runs) == 2
    logs = [(run / "planner.log").read_text() for run in runs]
    assert "Sweep run 1 of 2: " in logs[0] and "Sweep run 2 of 2: " in logs[1]
    assert "policy=annual_re100" in runs[0].name and "policy=cfe_90" in runs[1].name
    report = sweep_dir / "comparison" / "report.md"  # written when the multirun ends
    text = report.read_text()
    assert "**annual_re100**" in text and "**cfe_90**" in text
    for name in ("cost.png", "capacity.png", "risk.png"):
        assert (sweep_dir / "comparison" / "figures" / name).is_file()
    page = (sweep_dir / "comparison" / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and "**" not in page

    report.unlink()
    compare_main([str(sweep_dir)])  # `planner-compare DIR`
    assert report.read_text() == text


def test_compare_command_on_a_folder_without_runs(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        compare_main([str(tmp_path)])
    assert exit_.value.code == 1
    assert not (tmp_path / "comparison").exists()


@pytest.mark.slow
def test_a_failed_run_does_not_stop_the_sweep(tmp_path):
    sweep_dir = tmp_path / "sweep"
    proc = run_planner(
        "-m",
        "scenario=toy",
        "siting=anywhere,near_demand",  # near_demand's areas are not in the toy: that run fails
        "montecarlo.n_futures=8",
        "montecarlo.backend=numpy",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    out = proc.stdout + proc.stderr
    assert "siting.areas" in out and "not grid areas" in out
    text = (sweep_dir / "comparison" / "report.md").read_text()
    assert "Not included" in text and "siting=near_demand" in text.split("Not included")[1]
    assert "1 finished run." in text


def test_a_broken_csv_scenario_fails_the_run_naming_the_file(tmp_path):
    folder = planner.save_scenario(planner.load_scenario("toy"), tmp_path / "mine")
    text = (folder / "site.csv").read_text()
    (folder / "site.csv").write_text(text.replace("site,", "sites,", 1))
    run_dir = tmp_path / "run"
    proc = run_planner(
        f"scenario.name={folder}", "time=toy", f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "ScenarioError" in out and "site.csv: first column is 'sites', expected 'site'" in out
    assert "Traceback" not in out
    assert not any((run_dir / name).exists() for name in OUTPUTS)


def test_planner_compare_names_a_broken_summary(tmp_path, caplog):
    (tmp_path / "0_a").mkdir()
    (tmp_path / "0_a" / "summary.json").write_text("{cut sho")
    with pytest.raises(SystemExit) as exit_:
        compare_main([str(tmp_path)])
    assert exit_.value.code == 1
    assert "0_a/summary.json: not valid JSON" in caplog.text
