"""The study pipeline as a library call (no Hydra), and the app's compose API."""

import json
import subprocess
import sys

import pytest

from planner.app import compose_settings
from planner.config import load_settings
from planner.errors import PlannerError
from planner.study import StudyResult, run_study
from tests.app.test_run import REPO
from tests.app.test_same_numbers import DATA, comparable, differences

# `planner scenario=toy montecarlo=quick`, written out by hand as a plain dict
TOY_QUICK = {
    "scenario": {"name": "toy"},
    "time": {"n_days": 3, "extreme_days": True},
    "policy": {"name": "cfe_70", "cfe_target": 0.7, "reserve_margin": 0.2},
    "solver": {"name": "highs", "time_limit": 600, "mip_gap": 1e-3},
    "montecarlo": {"n_futures": 100, "chunk_size": 100},
}


def test_importing_the_study_pipeline_does_not_import_hydra():
    code = (
        "import sys, planner.study; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('hydra', 'omegaconf')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_settings_gives_the_default_study():
    s = compose_settings()
    assert s.scenario.name == "japan_2030"
    assert s.policy.name == "cfe_70" and s.policy.cfe_target == 0.7
    assert s.policy.reserve_margin == 0.2  # set by config.yaml on top of the policy group
    assert s.report.max_unserved_p95 == 1000.0  # one default, from configs/report/default.yaml


def test_compose_settings_takes_overrides():
    s = compose_settings(["scenario=toy", "policy=annual_re100", "montecarlo.seed=3"])
    assert s.time.n_days == 3  # the toy's own time default
    assert s.policy.re_share == 1.0 and s.policy.cfe_target is None
    assert s.montecarlo.seed == 3


def test_hand_written_settings_equal_the_composed_ones():
    words = {"scenario": {"description"}, "siting": {"description"}}  # text only
    composed = compose_settings(["scenario=toy", "montecarlo=quick"])
    assert load_settings(TOY_QUICK).model_dump(exclude=words) == composed.model_dump(exclude=words)


def test_experiment_facts_come_from_its_config():
    assert compose_settings(["experiment=cfe_premium"]).experiment.baseline_policy == (
        "annual_re100"
    )
    groups = compose_settings(["experiment=watt_bit"]).experiment.area_groups
    assert groups == {
        "near_power": ["hokkaido", "tohoku", "kyushu"],
        "near_demand": ["tokyo", "chubu", "kansai"],
    }


@pytest.mark.slow
def test_run_study_without_hydra_gives_the_stored_numbers(tmp_path):
    result = run_study(load_settings(TOY_QUICK), tmp_path / "run")
    assert isinstance(result, StudyResult)
    assert result.out_dir == tmp_path / "run"
    assert set(result.seconds) == {"load", "reduce_time", "plan", "simulate", "report", "total"}
    written = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert written["objective"] == result.summary["objective"]
    assert written["settings"]["policy"]["name"] == "cfe_70"
    written = comparable(written)
    stored = json.loads((DATA / "toy_quick.summary.json").read_text())
    # the device count is the machine's; the numbers do not depend on it
    written["monte_carlo"].pop("devices")
    stored["monte_carlo"].pop("devices")
    assert differences(stored, written) == []
    assert result.plan.attrs["objective"] == pytest.approx(stored["objective"])

    with pytest.raises(PlannerError, match="already exists"):  # a finished run stays as it is
        run_study(load_settings(TOY_QUICK), tmp_path / "run")


def test_a_converted_unit_is_in_the_run_log(tmp_path, caplog):
    import planner
    from planner.study import load_stage

    toy = planner.load_scenario("toy")
    per_kwh = toy.assign(grid_price=toy["grid_price"] / 1000.0)
    per_kwh["grid_price"].attrs = {"units": "JPY/kWh"}
    per_kwh.to_netcdf(tmp_path / "kwh.nc", engine="h5netcdf")
    settings = load_settings({"scenario": {"name": str(tmp_path / "kwh.nc")}})
    with caplog.at_level("WARNING", logger="planner"):
        scenario = load_stage(settings)
    assert (
        "Scenario: " in caplog.text
        and "grid_price: converted from JPY/kWh to JPY/MWh" in caplog.text
    )
    assert float(scenario["grid_price"].max()) == pytest.approx(float(toy["grid_price"].max()))
