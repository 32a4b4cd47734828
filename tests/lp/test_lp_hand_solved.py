"""Hand-solved plans: the arithmetic is in each test."""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.lp import PlanWarning
from planner.scenario.validate import scenario_reachable
from tests.lp.conftest import check_invariants, crf, quiet_plan, square_solar


def test_single_site_grid_only_objective_by_hand(toy):
    ds = toy.isel(site=[0])  # alpha, north: grid 12,000 JPY/MWh, PUE 1.2
    ds["gen_potential"][:] = 0.0
    plan = quiet_plan(ds)

    # Inference 10 + 5 MW; training 6 MW flexible over the week, flattened to 6 MW.
    it_capacity = 10 + 5 + 6
    grid_capacity = 1.2 * it_capacity  # MW
    energy = grid_capacity * 8760  # MWh/yr: 168 h stand for the year
    # Only fibre reaches alpha (5G reaches 30 km): city_a 50 km x 20 Gbps, city_b 700 km x 10 Gbps.
    backhaul = (20 * (2e4 * 50 + 1e6) + 10 * (2e4 * 700 + 1e6)) * crf(0.05, 20)
    expected = {
        "sites": 2.0e9 * crf(0.05, 30),
        "it": it_capacity * (1.5e9 * crf(0.05, 15) + 3.0e7),
        "grid_connection": grid_capacity * 5.0e7 * crf(0.05, 40),
        "grid_energy": energy * 12000,
        "backhaul": backhaul,
        # gensets for the whole facility (coverage 1 x PUE 1.2 x IT): toy 1e8 JPY/MW, 20 yr, fom 2e6
        "backup": grid_capacity * (1.0e8 * crf(0.05, 20) + 2.0e6),
    }
    cost = plan["cost"].to_series()
    for component, value in expected.items():
        assert cost[component] == pytest.approx(value, rel=1e-6), component
    # the network's latency tie-breaker (planner.lp.network) is a few hundred JPY/yr
    assert 0 <= cost["backhaul_latency"] < 1e-6 * plan.attrs["objective"]
    rest = cost.drop([*expected, "backhaul_latency"])
    assert rest.abs().max() < 1e-3  # nothing else is built or paid
    assert plan.attrs["objective"] == pytest.approx(sum(expected.values()), rel=1e-6)
    assert float(plan["it_capacity"][0]) == pytest.approx(it_capacity, rel=1e-6)
    assert float(plan["grid_capacity"][0]) == pytest.approx(grid_capacity, rel=1e-6)
    np.testing.assert_allclose(plan["grid_import"], grid_capacity, rtol=1e-6)
    assert plan.attrs["status"] == "optimal"


def test_reserve_margin_sizes_it_and_firm_grid_above_the_inference_load(toy):
    """IT halls cover (1 + m) x inference and, in the modelled year, inference + training
    (training may run in the margin); the connection keeps m x pue x inference free."""
    ds = toy.isel(site=[0])  # alpha, grid only, as in the test above
    ds["gen_potential"][:] = 0.0
    base = quiet_plan(ds)
    inference, training, pue = 10 + 5, 6, 1.2  # MW, flat
    it_cost = 1.5e9 * crf(0.05, 15) + 3.0e7  # JPY/yr per MW of IT
    grid_cost = 5.0e7 * crf(0.05, 40)
    backup_cost = 1.0e8 * crf(0.05, 20) + 2.0e6  # per MW of gensets (pue x IT)
    assert float(base["it_capacity"][0]) == pytest.approx(inference + training, rel=1e-6)

    # m = 0.5: 1.5 x 15 = 22.5 MW of halls > 21 MW of load, so training runs in the margin
    plan = quiet_plan(ds, policy={"reserve_margin": 0.5})
    assert float(plan["it_capacity"][0]) == pytest.approx(1.5 * inference, rel=1e-6)
    # the connection carries the import (1.2 x 21 MW) plus 0.5 x 1.2 x 15 MW in reserve
    grid = pue * (inference + training) + 0.5 * pue * inference
    assert float(plan["grid_capacity"][0]) == pytest.approx(grid, rel=1e-6)
    np.testing.assert_allclose(plan["grid_import"], pue * (inference + training), rtol=1e-6)
    extra = (1.5 * inference - 21) * (it_cost + pue * backup_cost)  # 1.5 MW more halls
    extra += 0.5 * pue * inference * grid_cost
    assert plan.attrs["objective"] - base.attrs["objective"] == pytest.approx(extra, rel=1e-6)

    # m = 0.25: 1.25 x 15 = 18.75 MW < 21 MW, so the load sizes the halls; the reserve
    # on the connection is still 0.25 x 1.2 x 15 MW
    plan = quiet_plan(ds, policy={"reserve_margin": 0.25})
    assert float(plan["it_capacity"][0]) == pytest.approx(inference + training, rel=1e-6)
    reserve = 0.25 * pue * inference
    assert float(plan["grid_capacity"][0]) == pytest.approx(pue * 21 + reserve, rel=1e-6)
    assert plan.attrs["objective"] - base.attrs["objective"] == pytest.approx(
        reserve * grid_cost, rel=1e-6
    )


def test_training_margin_sizes_it_by_the_days_energy(toy):
    """training_margin t: the halls cover (1 + t) x each day's mean IT load (flat here:
    1.25 x 21 MW), their gensets follow; the connection keeps no reserve for it."""
    ds = toy.isel(site=[0])  # alpha, grid only
    ds["gen_potential"][:] = 0.0
    base = quiet_plan(ds)
    plan = quiet_plan(ds, policy={"training_margin": 0.25})
    it_load, pue = 10 + 5 + 6, 1.2
    assert float(plan["it_capacity"][0]) == pytest.approx(1.25 * it_load, rel=1e-6)
    assert float(plan["grid_capacity"][0]) == pytest.approx(pue * it_load, rel=1e-6)
    extra = 0.25 * it_load * (1.5e9 * crf(0.05, 15) + 3.0e7)  # IT halls
    extra += 0.25 * it_load * pue * (1.0e8 * crf(0.05, 20) + 2.0e6)  # their gensets
    assert plan.attrs["objective"] - base.attrs["objective"] == pytest.approx(extra, rel=1e-6)


def test_training_runs_in_the_margin_of_the_modelled_year(toy):
    """With cheap sun, training moves into sunny hours above it_capacity / (1 + m): the
    margin is kept for inference growth, not left idle in every hour."""
    margin = 0.25
    red = planner.reduce_time(toy, n_days=3)
    plan = quiet_plan(red, policy={"reserve_margin": margin, "cfe_target": 0.8})
    it_load = plan["it_load"].transpose("site", "time").values
    cap = plan["it_capacity"].values[:, None]
    assert (it_load <= cap * (1 + 1e-9) + 1e-6).all()
    assert (it_load > cap / (1 + margin) + 1e-3).any()  # some hours use the margin
    demand = red["inference_demand"].transpose("node", "time").values
    inference = plan["share"].transpose("node", "site").values.T @ demand
    assert ((1 + margin) * inference <= cap * (1 + 1e-9) + 1e-6).all()


def test_solar_and_battery_meet_100pct_hourly_cfe(toy):
    ds = toy.isel(site=[0], node=[0])  # alpha serving city_a (10 MW), PUE 1.2
    ds["training_demand"][:] = 0.0
    ds["gen_potential"][:] = [[1000.0, 0.0]]  # solar only
    ds["cf"][0, 0, :] = square_solar(ds.sizes["time"])  # 12 sunny hours a day, 12 dark
    ds["grid_cfe"][:] = 0.0  # grid energy counts as fully fossil
    plan = quiet_plan(ds, policy={"cfe_target": 1.0})

    load = 1.2 * 10  # MW of facility load, every hour
    eta = 0.9
    # Night: the battery delivers `load` for 12 h, drawing load / sqrt(eta) from storage each hour.
    energy = 12 * load / np.sqrt(eta)  # MWh
    # Day: 12 h of charging must put that energy back: charge x sqrt(eta) x 12 = energy.
    charge = energy / (12 * np.sqrt(eta))  # = load / eta, MW
    power = max(charge, load)  # the inverter carries the larger of charge and discharge
    # Solar is cheaper than the grid price here, so the site also sells up to the export cap:
    # 20 % of the daily load (24 h x load), over the 12 sunny hours.
    export = 0.2 * 24 * load / 12  # MW in each sunny hour
    solar = load + charge + export  # daytime output serves the load, charges, and exports

    assert float(plan["gen_capacity"].sel(gen="solar")[0]) == pytest.approx(solar, rel=1e-6)
    np.testing.assert_allclose(
        plan["export"][0], export * square_solar(ds.sizes["time"]), atol=1e-6
    )
    assert float(plan["battery_power"][0]) == pytest.approx(power, rel=1e-6)
    assert float(plan["battery_energy"][0]) == pytest.approx(energy, rel=1e-6)
    assert float(plan["grid_import"].max()) < 1e-6
    assert plan.attrs["cfe_score"] == pytest.approx(1.0, abs=1e-9)
    check_invariants(plan, ds, {"cfe_target": 1.0})


def test_node_is_served_by_its_only_latency_feasible_site_even_if_expensive(toy):
    ds = toy.isel(site=[0, 2], node=[0])  # city_a (3 ms budget): alpha 50 km, charlie 800 km
    ds["site_fixed_capex"][:] = [8.0e9, 1.0e9]  # alpha is by far the dearer site
    assert scenario_reachable(ds).any("backhaul").values.tolist() == [[True, False]]
    plan = quiet_plan(ds)
    assert float(plan["share"].sel(node="city_a", site="alpha")) == pytest.approx(1.0)
    assert float(plan["share"].sel(node="city_a", site="charlie")) == 0.0
    assert float(plan["site_open"].sel(site="alpha")) == pytest.approx(1.0)

    # With a looser budget charlie reaches city_a (fibre 0.5 + 0.005 x 800 = 4.5 ms) and wins.
    ds["node_latency_budget"][:] = 5.0
    loose = quiet_plan(ds)
    assert float(loose["share"].sel(node="city_a", site="charlie")) == pytest.approx(1.0)
    assert float(loose["site_open"].sel(site="alpha")) == pytest.approx(0.0)


def twin_sites(toy):
    """alpha (north) and an exact copy of it in the south: every cost equal."""
    ds = toy.isel(site=[0, 2], node=[0])
    for name in ds.data_vars:
        da = ds[name]
        if "site" in da.dims and name not in ("site_area", "site_lat", "site_lon"):
            ds[name] = (0 * da + da.sel(site="alpha", drop=True)).transpose(*da.dims)
    for name in ("grid_price", "grid_co2", "grid_cfe", "grid_connection_capex", "grid_headroom"):
        da = ds[name]
        ds[name] = (0 * da + da.sel(area="north", drop=True)).transpose(*da.dims)
    return ds


@pytest.mark.parametrize("area, winner", [("south", "charlie"), ("north", "alpha")])
def test_subsidy_moves_the_plan_to_the_subsidised_area(toy, area, winner):
    ds = twin_sites(toy)
    plan = quiet_plan(ds, policy={"subsidy": {area: 0.2}})
    assert float(plan["site_open"].sel(site=winner)) == pytest.approx(1.0)
    assert float(plan["site_open"].sum()) == pytest.approx(1.0)
    assert float(plan["share"].sel(node="city_a", site=winner)) == pytest.approx(1.0)


def test_subsidy_cuts_capital_cost_by_its_fraction(toy):
    ds = twin_sites(toy)
    plan = quiet_plan(ds, policy={"subsidy": {"north": 0.3, "south": 0.3}})
    cost = plan["cost"].to_series()
    # One site opens; 30% of its capital is paid by government, O&M is not.
    assert cost["sites"] == pytest.approx(0.7 * 2.0e9 * crf(0.05, 30), rel=1e-6)
    it = float(plan["it_capacity"].sum())
    assert cost["it"] == pytest.approx(it * (0.7 * 1.5e9 * crf(0.05, 15) + 3.0e7), rel=1e-6)
    assert float(plan["capital_cost"].sel(component="it")) == pytest.approx(0.7 * 1.5e9 * it)


def test_impossible_policy_reports_its_shortfall_and_serves_the_load(toy):
    ds = toy.isel(site=[0])
    ds["gen_potential"][:] = 0.0  # no renewable potential; grid is 30% carbon-free
    with pytest.warns(PlanWarning, match="cfe_target = 1 is missed"):
        plan = planner.plan(ds, policy={"cfe_target": 1.0})
    assert plan.attrs["status"] == "optimal"
    # Shedding no longer counts towards the score, so the grid serves all load, and the
    # target misses the grid's 70 % fossil share of the total load.
    assert float(plan["unserved"].max()) < 1e-6
    load = float(plan["facility_load"].sum()) * plan.attrs["annual_scale"]  # MWh/yr
    assert plan.attrs["cfe_score"] == pytest.approx(0.3, rel=1e-6)
    assert plan.attrs["cfe_shortfall"] == pytest.approx(0.7 * load, rel=1e-6)
    assert "missed" in plan.attrs["warnings"]
    assert float(plan["cost"].sel(component="target_shortfall")) == pytest.approx(
        0.7 * load * 1.0e6, rel=1e-6
    )
