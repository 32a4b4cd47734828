"""One test per validation rule: each error names the variable, the coordinate and the rule."""

import numpy as np
import pandas as pd
import pytest

import planner
from planner import ScenarioError


def problems_of(ds) -> str:
    with pytest.raises(ScenarioError) as info:
        planner.validate(ds)
    return str(info.value)


def test_toy_is_valid_and_carries_units(toy):
    for name, da in toy.data_vars.items():
        assert "units" in da.attrs, name


def test_missing_variable(toy):
    msg = problems_of(toy.drop_vars("grid_headroom"))
    assert "grid_headroom: missing" in msg and "(area)" in msg


def test_wrong_dims(toy):
    ds = toy.assign(grid_headroom=("node", [1.0, 2.0]))
    msg = problems_of(ds)
    assert "grid_headroom: has dims (node)" in msg and "(area)" in msg


def test_nan(toy):
    ds = toy.copy(deep=True)
    ds["cf"].loc[dict(site="bravo", gen="solar", time="2030-01-02T12:00")] = np.nan
    msg = problems_of(ds)
    assert "cf[site=bravo, gen=solar, time=2030-01-02T12:00]" in msg and "NaN" in msg


def test_negative_cost(toy):
    ds = toy.copy(deep=True)
    ds["gen_capex"].loc[dict(gen="wind_onshore")] = -5.0
    msg = problems_of(ds)
    assert "gen_capex[gen=wind_onshore] = " in msg and "-5.0" in msg and "must be >= 0" in msg


def test_negative_capacity(toy):
    ds = toy.copy(deep=True)
    ds["site_it_max"].loc[dict(site="charlie")] = -1.0
    msg = problems_of(ds)
    assert "site_it_max[site=charlie]" in msg and "must be >= 0" in msg and "(units MW)" in msg


def test_capacity_factor_outside_unit_interval(toy):
    ds = toy.copy(deep=True)
    ds["cf"].loc[dict(site="alpha", gen="wind_onshore", time="2030-01-01T03:00")] = 1.2
    msg = problems_of(ds)
    assert "cf[site=alpha, gen=wind_onshore, time=2030-01-01T03:00] = 1.2" in msg
    assert "must lie in [0, 1]" in msg


def test_pue_below_one(toy):
    ds = toy.copy(deep=True)
    ds["pue"].loc[dict(site="bravo")] = 0.9
    msg = problems_of(ds)
    assert "pue[site=bravo, time=2030-01-01T00:00] = 0.9" in msg and "and 165 more" in msg
    assert "must be >= 1" in msg


def test_unknown_area(toy):
    ds = toy.copy(deep=True)
    ds["site_area"] = ("site", np.array(["north", "atlantis", "south"], dtype=object))
    msg = problems_of(ds)
    assert "site_area[site=bravo] = 'atlantis'" in msg and "must name an area" in msg


def test_time_not_hourly(toy):
    ds = toy.assign_coords(time=pd.date_range("2030-01-01", periods=168, freq="30min"))
    msg = problems_of(ds)
    assert "time: must be hourly" in msg and "0.5 h" in msg


def test_unreachable_node(toy):
    ds = toy.copy(deep=True)
    ds["node_latency_budget"].loc[dict(node="city_b")] = 0.1
    msg = problems_of(ds)
    assert "node_latency_budget[node=city_b] = 0.1 ms: no site can serve this node" in msg
    assert "fastest site is 0.65 ms away" in msg
    assert "city_a" not in msg


def test_all_problems_reported_at_once(toy):
    ds = toy.copy(deep=True).drop_vars("discount_rate")
    ds["battery_efficiency"] = 1.5
    ds["grid_cfe"].loc[dict(area="south")] = -0.1
    err = pytest.raises(ScenarioError, planner.validate, ds).value
    assert len(err.problems) == 3
    assert str(err).startswith("3 problems in scenario")


def test_reduced_scenario_may_jump_between_periods(toy):
    red = planner.reduce_time(toy, n_days=2)
    assert planner.validate(red).sizes["time"] == red.sizes["time"]


@pytest.mark.parametrize("dim", ["site", "area", "node", "gen", "backhaul", "time"])
def test_an_empty_dim_is_named_not_a_numpy_error(toy, dim):
    """No sites gave `zero-size array to reduction operation fmin`."""
    err = pytest.raises(ScenarioError, planner.validate, toy.isel({dim: slice(0, 0)})).value
    assert f"dimension {dim!r}: has no labels (rule: at least one {dim} label" in str(err)


@pytest.mark.parametrize("factor", [1000.0, 1e-3])
def test_weights_far_from_the_hours_they_stand_for_are_refused(toy, factor):
    """Weights summing to 1,000 x the hours gave a plan with annual_scale 0.052."""
    red = planner.reduce_time(toy, n_days=2)
    assert float(red["weight"].sum()) == 168.0  # the toy's week: each modelled hour its days
    planner.validate(red)
    bad = red.assign(weight=red["weight"] * factor)
    msg = problems_of(bad)
    assert f"weight: sums to {168.0 * factor:g} h over {red.sizes['time']} modelled hours" in msg


def test_weights_may_stand_for_a_leap_year_but_no_more(toy):
    red = planner.reduce_time(toy, n_days=2)
    n = red.sizes["time"]
    planner.validate(red.assign(weight=("time", np.full(n, 8784.0 / n))))
    assert "weight: sums to 8785 h" in problems_of(
        red.assign(weight=("time", np.full(n, 8785 / n)))
    )


def test_infinity_is_refused_with_its_coordinate(toy):
    ds = toy.copy(deep=True)
    ds["site_it_max"].loc[dict(site="bravo")] = np.inf
    ds["gen_capex"].loc[dict(gen="solar")] = -np.inf
    msg = problems_of(ds)
    assert "site_it_max[site=bravo] = inf: infinity is not allowed" in msg
    assert "gen_capex[gen=solar] = -inf: infinity is not allowed" in msg
    assert "must be >= 0" not in msg  # one problem per value
