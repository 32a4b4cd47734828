"""Costs that mean what they say: the wheeling tariff apart from capital, and off-site PPA.

Hand-solved on one toy site (alpha, north: city_a's 10 MW of inference and the 6 MW of
training, PUE 1.2, so 25.2 MW of facility load every hour; grid 12,000 JPY/MWh). The
toy's 168 hours stand for the year (x 8760 / 168).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import planner
from planner.lp.policy_options import DEFAULT_EXPORT_SHARE_MAX
from tests.lp.conftest import check_invariants, crf, quiet_plan, square_solar

WORKS = 5.0e7  # JPY/MW, the toy's grid_connection_capex
BASIC = 7.0e6  # JPY/MW/yr: a basic charge of 583 JPY/kW-month x 12 x 1000
ENERGY_CHARGE = 2000.0  # JPY/MWh: 2 JPY/kWh, the size of the TSO energy charges
PPA_CHARGE = 2100.0  # JPY/MWh on PPA output


def with_tariffs(ds):
    """The toy with a wheeling tariff in both areas."""
    ds = ds.copy()
    ds["grid_wheeling_charge"] = ("area", [BASIC, BASIC])
    ds["grid_energy_charge"] = ("area", [ENERGY_CHARGE, ENERGY_CHARGE])
    return planner.validate(ds)


def test_subsidy_reduces_the_connection_works_not_the_wheeling_tariff(toy):
    ds = with_tariffs(toy.isel(site=[0]))
    ds["gen_potential"][:] = 0.0  # grid only
    policy = {"subsidy": {"north": 0.5}}
    plan = quiet_plan(ds, policy=policy)

    grid = 1.2 * (10 + 5 + 6)  # MW: the facility load, flat, all imported
    energy = grid * 8760  # MWh/yr
    cost = plan["cost"].to_series()
    assert float(plan["grid_capacity"][0]) == pytest.approx(grid, rel=1e-6)
    # Half the connection works is paid by the state; the tariff is paid in full every year.
    assert cost["grid_connection"] == pytest.approx(0.5 * WORKS * crf(0.05, 40) * grid, rel=1e-6)
    assert cost["grid_wheeling"] == pytest.approx(BASIC * grid, rel=1e-6)
    assert cost["grid_energy"] == pytest.approx(12000.0 * energy, rel=1e-6)
    assert cost["grid_energy_charge"] == pytest.approx(ENERGY_CHARGE * energy, rel=1e-6)
    # Capital: only the subsidised works; the tariff is no capital and not in the budget.
    capital = plan["capital_cost"].to_series()
    assert capital["grid_connection"] == pytest.approx(0.5 * WORKS * grid, rel=1e-6)
    assert capital["grid_wheeling"] == 0.0
    assert capital["grid_energy_charge"] == 0.0
    # A budget of exactly the capital spent holds (the tariff of 176 M JPY/yr is not in it).
    spent = float(plan["capital_cost"].sum())
    tight = quiet_plan(ds, policy={**policy, "capex_budget": spent * (1 + 1e-9)})
    assert tight.attrs["objective"] == pytest.approx(plan.attrs["objective"], rel=1e-9)


def test_a_scenario_without_tariffs_pays_none(toy):
    plan = quiet_plan(toy.isel(site=[0]))
    cost = plan["cost"].to_series()
    for component in ("grid_wheeling", "grid_energy_charge", "ppa_wheeling"):
        assert cost[component] == 0.0
    assert float(plan["ppa_capacity"].sum()) == 0.0  # no ppa_potential: no PPA


def test_plan_records_its_policy_for_the_monte_carlo(toy):
    plan = quiet_plan(toy.isel(site=[0]), policy={"re_share": 0.3})
    policy = json.loads(plan.attrs["policy"])
    assert policy["export_share_max"] == DEFAULT_EXPORT_SHARE_MAX
    assert policy["re_share"] == 0.3
    assert planner.Policy(**policy) == planner.Policy(re_share=0.3)


@pytest.mark.parametrize("policy", [{"re_share": 1.0}, {"cfe_target": 0.8}, {}])
def test_never_imports_and_exports_at_one_site_in_one_hour(toy, policy):
    # Without the energy charge both at once costs nothing and a solver may return it;
    # with it, cutting both by the same MW keeps the balance and saves the charge.
    ds = with_tariffs(toy)
    plan = quiet_plan(ds, policy={**policy, "export_share_max": 0.5})
    both = np.minimum(plan["grid_import"], plan["export"])
    assert float(plan["export"].max()) > 1.0 and float(plan["grid_import"].max()) > 1.0
    assert float(both.max()) <= 1e-6
    check_invariants(plan, ds, {**policy, "export_share_max": 0.5})


def ppa_site(toy, onsite: bool, ppa_charge: float = 0.0):
    """alpha serving city_a (12 MW of facility load), solar on site or by PPA only."""
    ds = toy.isel(site=[0], node=[0])
    ds["training_demand"][:] = 0.0
    ds["cf"][0, 0, :] = square_solar(ds.sizes["time"])  # 12 sunny hours a day, 12 dark
    ds["grid_cfe"][:] = 0.0
    ds["gen_potential"][:] = [[1000.0 if onsite else 0.0, 0.0]]
    ds["ppa_potential"] = (("site", "gen"), [[0.0 if onsite else 1000.0, 0.0]])
    ds["ppa_wheeling_charge"] = ("area", [ppa_charge, ppa_charge])
    return planner.validate(ds)


def test_ppa_without_charges_builds_what_on_site_solar_would(toy):
    policy = {"cfe_target": 1.0}
    onsite = quiet_plan(ppa_site(toy, onsite=True), policy=policy)
    ppa = quiet_plan(ppa_site(toy, onsite=False), policy=policy)
    solar = float(onsite["gen_capacity"].sel(gen="solar")[0])
    assert float(ppa["ppa_capacity"].sel(gen="solar")[0]) == pytest.approx(solar, rel=1e-6)
    assert float(ppa["gen_capacity"].sum()) == 0.0
    assert ppa.attrs["objective"] == pytest.approx(onsite.attrs["objective"], rel=1e-9)
    # counted at the site: the same generation in the balance and the same CFE score
    np.testing.assert_allclose(ppa["generation"], onsite["generation"], atol=1e-6)
    assert ppa.attrs["cfe_score"] == pytest.approx(1.0, abs=1e-9)


def test_ppa_pays_wheeling_on_all_its_output_and_gets_no_subsidy(toy):
    ds = ppa_site(toy, onsite=False, ppa_charge=PPA_CHARGE)
    policy = {"cfe_target": 1.0, "subsidy": {"north": 0.5}}
    plan = quiet_plan(ds, policy=policy)

    # As in test_solar_and_battery_meet_100pct_hourly_cfe: a 12 MW load, CFE 100 % with a
    # fossil grid, so solar covers the day, charges the battery for the night and exports
    # to the cap (solar at 1.2e8 x crf + 2e6 = 10.5 M JPY/MW/yr over 4,380 MWh/MW, plus
    # 2,100 JPY/MWh of wheeling, is still below the 12,000 JPY/MWh an export earns).
    load, eta = 12.0, 0.9
    charge = load / eta
    export = 0.2 * 24 * load / 12
    solar = load + charge + export
    assert float(plan["ppa_capacity"].sel(gen="solar")[0]) == pytest.approx(solar, rel=1e-6)
    output = solar * 12 * 365  # MWh/yr: 12 sunny hours a day at cf 1
    cost = plan["cost"].to_series()
    assert cost["ppa_wheeling"] == pytest.approx(PPA_CHARGE * output, rel=1e-6)
    # the PPA plant is the developer's capital: full cost, no subsidy, no capital register
    assert cost["ppa_solar"] == pytest.approx(solar * (1.2e8 * crf(0.05, 25) + 2.0e6), rel=1e-6)
    assert plan["capital_cost"].to_series()["ppa_solar"] == 0.0
    # while the battery on site is half paid by the state
    battery = float(plan["battery_power"][0]) * (0.5 * 3.0e7 * crf(0.05, 15) + 1.0e6)
    battery += float(plan["battery_energy"][0]) * 0.5 * 3.0e7 * crf(0.05, 15)
    assert cost["battery"] == pytest.approx(battery, rel=1e-6)
    check_invariants(plan, ds, policy)


def test_dearer_ppa_wheeling_moves_the_build_on_site(toy):
    ds = ppa_site(toy, onsite=False, ppa_charge=PPA_CHARGE)
    ds["gen_potential"][:] = [[1000.0, 0.0]]  # both on site and by PPA, same plant cost
    plan = quiet_plan(ds, policy={"cfe_target": 1.0})
    assert float(plan["ppa_capacity"].sum()) == pytest.approx(0.0, abs=1e-6)
    assert float(plan["gen_capacity"].sel(gen="solar")[0]) > 1.0
