"""Every public entry point refuses bad input with a planner error naming the field and the rule."""

import json
import os
import stat

import numpy as np
import pytest

import planner
from planner.errors import OutputExistsError, PlannerError, UncertaintyError
from planner.io import atomic_write_dir, write_json, write_netcdf, write_text
from planner.report.runs import load_runs
from planner.study import check_fresh, keep_sites_in_areas
from tests.contracts.conftest import CAPACITIES  # the hand-made plan of the contract tests


@pytest.fixture
def hand_plan(toy):
    return planner.plan_from_capacities(toy, **CAPACITIES)


# ---- plan ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["capex_budget", "co2_cap", "voll", "carbon_price"])
@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_a_policy_value_that_is_not_finite_is_a_policy_error_before_building(toy, field, value):
    """capex_budget=inf reached PuLP as a NaN/inf constraint coefficient."""
    with pytest.raises(planner.PolicyError, match=rf"{field} = {value}: .*finite number"):
        planner.plan(toy, policy={field: value})


def test_a_policy_inf_in_the_config_names_the_config_key():
    from planner.config import load_settings

    with pytest.raises(planner.ConfigError, match=r"policy\.capex_budget = inf"):
        load_settings({"policy": {"capex_budget": float("inf")}})


# ---- simulate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "rule"),
    [
        ("n_futures", 2.5, "must be a whole number"),
        ("n_futures", "8", "must be a whole number"),
        ("n_futures", True, "must be a whole number"),
        ("n_futures", 0, "must be >= 1"),
        ("chunk_size", 1.5, "must be a whole number"),
        ("seed", -1, r"must lie in \[0, 4294967296\)"),
        ("seed", 0.5, "must be a whole number"),
    ],
)
def test_simulate_refuses_a_count_that_is_not_a_whole_number(toy, hand_plan, option, value, rule):
    """n_futures=2.5 ran 2 futures."""
    with pytest.raises(planner.PolicyError, match=rf"simulate: {option}={value!r} {rule}"):
        planner.simulate(toy, hand_plan, **{option: value}, progress=False)


def test_simulate_takes_a_whole_float(toy, hand_plan):
    risk = planner.simulate(toy, hand_plan, n_futures=3.0, backend="numpy", progress=False)
    assert risk.sizes["future"] == 3 and risk.attrs["n_futures"] == 3


@pytest.mark.parametrize(
    ("uncertainty", "named"),
    [
        ({"grid_stres": {}}, "grid_stres = {}: unknown key (allowed: ['backhaul_cuts', "),
        ({"grid_stress": {"factr": 1.0}}, "grid_stress.factr = 1.0: unknown key (allowed: ["),
        ({"weather": {"noise_sigma": "big"}}, "weather.noise_sigma = 'big': input should be"),
        ({"site_outages": {"failure_rate_per_year": -1.0}}, "site_outages.failure_rate_per_year"),
        ({"disasters": {"typhoon_rate_per_year": np.inf}}, "disasters.typhoon_rate_per_year = inf"),
        ("none", "uncertainty = 'none': must be a planner.Uncertainty, a dict or None"),
    ],
)
def test_a_bad_uncertainty_is_an_uncertainty_error_naming_the_key(
    toy, hand_plan, uncertainty, named
):
    """A bad dict surfaced as a raw pydantic ValidationError."""
    with pytest.raises(UncertaintyError) as err:
        planner.simulate(toy, hand_plan, n_futures=2, uncertainty=uncertainty, progress=False)
    assert isinstance(err.value, PlannerError)
    assert named.lower() in str(err.value).lower()


def test_simulate_refuses_a_nan_it_capacity_instead_of_running_it_as_zero(toy, hand_plan):
    hand_plan["it_capacity"].loc[{"site": "bravo"}] = np.nan
    with pytest.raises(planner.PlanError, match=r"it_capacity\[site=bravo\] = nan: NaN"):
        planner.simulate(toy, hand_plan, n_futures=2, progress=False)


def test_simulate_refuses_capacity_at_a_site_the_scenario_lacks(toy, hand_plan):
    bad = hand_plan.assign_coords(site=["alpha", "bravo", "zeta"])
    with pytest.raises(planner.PlanError) as err:
        planner.simulate(toy, bad, n_futures=2, progress=False)
    assert "it_capacity (and 6 more on site): site 'zeta' is not a site of the scenario" in str(
        err.value
    )


def test_simulate_refuses_an_infinite_capacity(toy, hand_plan):
    hand_plan["battery_energy"] = hand_plan["battery_energy"] * np.inf
    with pytest.raises(planner.PlanError, match=r"battery_energy.*infinity is not allowed"):
        planner.simulate(toy, hand_plan, n_futures=2, progress=False)


def test_simulate_validates_its_scenario(toy, hand_plan):
    with pytest.raises(planner.ScenarioError, match=r"grid_price: missing"):
        planner.simulate(toy.drop_vars("grid_price"), hand_plan, n_futures=2, progress=False)


# ---- save_scenario ---------------------------------------------------------------------------


def test_save_scenario_validates_first(toy, tmp_path):
    bad = toy.copy(deep=True)
    bad["cf"][0, 0, 0] = 2.0
    with pytest.raises(planner.ScenarioError, match=r"cf\[site=alpha, gen=solar, time="):
        planner.save_scenario(bad, tmp_path / "bad.nc")
    assert not list(tmp_path.iterdir())


def test_save_scenario_names_an_attr_netcdf_cannot_hold(toy, tmp_path):
    ds = toy.copy()
    ds.attrs["sources"] = {"jepx": "2024"}
    ds["pue"].attrs["calibrated"] = True
    with pytest.raises(planner.ScenarioError) as err:
        planner.save_scenario(ds, tmp_path / "a.nc")
    assert "attrs['sources'] = {'jepx': '2024'}: NetCDF cannot store a dict" in str(err.value)
    assert "pue.attrs['calibrated'] = True" in str(err.value)
    assert not (tmp_path / "a.nc").exists()


def test_save_scenario_over_a_file_is_a_planner_error_and_a_file_exists_error(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "t.nc")
    with pytest.raises(OutputExistsError) as err:
        planner.save_scenario(toy, tmp_path / "t.nc")
    assert isinstance(err.value, PlannerError) and isinstance(err.value, FileExistsError)


# ---- study, app, planner-compare -------------------------------------------------------------


def test_a_folder_holding_any_run_output_is_not_fresh(tmp_path):
    check_fresh(tmp_path)
    (tmp_path / "plan.nc").write_text("x")
    with pytest.raises(OutputExistsError, match="plan.nc already exists"):
        check_fresh(tmp_path)


def test_siting_areas_without_sites_is_a_config_error(toy):
    one_area = toy.copy()
    one_area["site_area"] = ("site", np.array(["north"] * 3, dtype=object))
    with pytest.raises(planner.ConfigError, match=r"siting.areas = \['south'\]: no candidate site"):
        keep_sites_in_areas(one_area, ["south"])


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "holds a list, not an object"),
        ('{"status": "optimal"}', "keys ['sites_open', "),
    ],
)
def test_planner_compare_names_a_broken_summary(tmp_path, text, named):
    (tmp_path / "0_a").mkdir()
    (tmp_path / "0_a" / "summary.json").write_text(text)
    with pytest.raises(PlannerError) as err:
        load_runs(tmp_path)
    assert str(tmp_path / "0_a" / "summary.json") in str(err.value) and named in str(err.value)


# ---- output files ----------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_outputs_honour_the_umask(toy, tmp_path, umask):
    """tempfile made every output 0600 while .hydra/* and planner.log were 0644."""
    old = os.umask(umask)
    try:
        write_netcdf(toy[["discount_rate"]], tmp_path / "a.nc")
        write_json({"a": 1}, tmp_path / "b.json")
        write_text("# r\n", tmp_path / "c.md")
        atomic_write_dir(tmp_path / "d", lambda p: (p / "e.txt").write_text("e"))
        planner.save_scenario(toy, tmp_path / "csv")
    finally:
        os.umask(old)
    files = [tmp_path / n for n in ("a.nc", "b.json", "c.md", "d/e.txt", "csv/site.csv")]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    for path in (tmp_path / "d", tmp_path / "csv"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask, path
    assert json.loads((tmp_path / "b.json").read_text()) == {"a": 1}
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary sibling left
