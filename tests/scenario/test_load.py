"""Loaders: built-in names, NetCDF and CSV folders round-trip exactly; demand scenarios scale."""

import pytest
import xarray as xr

import planner
from planner import ScenarioError


def test_netcdf_round_trip(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "toy.nc")
    back = planner.validate(planner.load_scenario(tmp_path / "toy.nc"))
    xr.testing.assert_identical(back, toy)


def test_csv_folder_round_trip(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "toy_csv")
    assert (tmp_path / "toy_csv" / "site__gen__time.csv").is_file()
    back = planner.validate(planner.load_scenario(tmp_path / "toy_csv"))
    xr.testing.assert_identical(back, toy)


def test_reduced_scenario_round_trips_through_csv(toy, tmp_path):
    red = planner.reduce_time(toy, n_days=2)
    planner.save_scenario(red, tmp_path / "red")
    back = planner.load_scenario(tmp_path / "red")
    xr.testing.assert_identical(planner.validate(back), planner.validate(red))


def test_save_refuses_to_overwrite(toy, tmp_path):
    target = tmp_path / "toy.nc"
    planner.save_scenario(toy, target)
    before = target.read_bytes()
    with pytest.raises(FileExistsError):
        planner.save_scenario(toy, target)
    assert target.read_bytes() == before
    planner.save_scenario(toy, target, overwrite=True)


def test_demand_scenarios_scale_demand():
    low = planner.load_scenario("toy", demand="low")
    base = planner.load_scenario("toy", demand="base")
    high = planner.load_scenario("toy", demand="high")
    assert float(low.inference_demand.sum()) == pytest.approx(
        0.7 * float(base.inference_demand.sum())
    )
    assert float(high.training_demand.sum()) == pytest.approx(
        1.3 * float(base.training_demand.sum())
    )
    assert high.attrs["demand_scenario"] == "high"


def test_unknown_demand_scenario_names_choices():
    with pytest.raises(
        ScenarioError, match=r"demand scenario 'extreme'.*\['base', 'high', 'low'\]"
    ):
        planner.load_scenario("toy", demand="extreme")


def test_unknown_source(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        planner.load_scenario(tmp_path / "nope.nc")


def test_csv_folder_missing_file(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "c")
    (tmp_path / "c" / "gen.csv").unlink()
    with pytest.raises(ScenarioError, match=r"missing files \['gen.csv'\]"):
        planner.load_scenario(tmp_path / "c")
