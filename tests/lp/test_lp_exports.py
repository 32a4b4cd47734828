"""Annual matching with exports, and scores on total load: hand-solved, arithmetic in each test.

One site (alpha: city_a's 10 MW of inference, PUE 1.2, so 12 MW of facility load
every hour), solar only with 12 sunny hours a day (cf 1 from 06:00 to 18:00),
no battery (priced out), the grid fully fossil at 12,000 JPY/MWh. The toy's
168 hours stand for the year, so a day's energy x 365 is the year's.
"""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.lp import PlanWarning, dispatch_metrics
from tests.lp.conftest import check_invariants, square_solar

LOAD = 1.2 * 10  # MW of facility load, flat
DAY = 24 * LOAD  # MWh of load a day
NIGHT = 12 * LOAD  # MWh a day that solar cannot serve without storage or exports
DAYS = 365  # days a year: 168 h x 8760 / 168


def sunny_site(toy, solar_potential: float):
    ds = toy.isel(site=[0], node=[0])
    ds["training_demand"][:] = 0.0
    ds["gen_potential"][:] = [[solar_potential, 0.0]]  # solar only
    ds["cf"][0, 0, :] = square_solar(ds.sizes["time"])
    ds["grid_cfe"][:] = 0.0
    ds["battery_capex_power"] = ds["battery_capex_power"] * 0 + 1e12  # no battery pays
    ds["battery_capex_energy"] = ds["battery_capex_energy"] * 0 + 1e12
    return ds


def test_annual_matching_exports_the_day_surplus_and_sells_it_at_the_area_price(toy):
    ds = sunny_site(toy, solar_potential=1000.0)
    policy = {"re_share": 1.0, "export_share_max": 0.5}
    plan = planner.plan(ds, policy=policy)

    # RE = 1 - (import - export + unserved) / load: the night's grid import (12 h x 12 MW)
    # must be exported by day, 144 MWh/day = 50 % of the load, i.e. at the cap.
    sunny = square_solar(ds.sizes["time"])
    export = NIGHT / 12  # MW in each sunny hour
    np.testing.assert_allclose(plan["export"].isel(site=0), export * sunny, atol=1e-6)
    np.testing.assert_allclose(plan["grid_import"].isel(site=0), LOAD * (1 - sunny), atol=1e-6)
    assert float(plan["gen_capacity"].sel(gen="solar")[0]) == pytest.approx(LOAD + export)
    assert float(plan["grid_capacity"][0]) == pytest.approx(LOAD, rel=1e-6)  # import or export
    assert plan.attrs["re_share"] == pytest.approx(1.0, abs=1e-9)
    assert plan.attrs["export_energy"] == pytest.approx(NIGHT * DAYS, rel=1e-6)
    # The export is sold at the price the import pays, so the energy bill nets to zero,
    assert float(plan["cost"].sel(component="export_revenue")) == pytest.approx(
        -12000.0 * NIGHT * DAYS, rel=1e-6
    )
    assert float(plan["cost"].sel(component="grid_energy")) == pytest.approx(
        12000.0 * NIGHT * DAYS, rel=1e-6
    )
    # while the hourly CFE score counts no export: the night is all grid.
    assert plan.attrs["cfe_score"] == pytest.approx(0.5, abs=1e-9)
    assert plan.attrs["unserved_energy"] < 1e-6
    check_invariants(plan, ds, policy)


def test_export_cap_limits_annual_matching_and_the_rest_is_reported_as_shortfall(toy):
    ds = sunny_site(toy, solar_potential=1000.0)
    with pytest.warns(PlanWarning, match="re_share = 1 is missed"):
        plan = planner.plan(ds, policy={"re_share": 1.0})  # default cap: 20 % of load

    # Exports reach 0.2 x 288 = 57.6 MWh/day; RE = 1 - (144 - 57.6) / 288 = 0.7.
    exported = 0.2 * DAY
    assert plan.attrs["export_energy"] == pytest.approx(exported * DAYS, rel=1e-6)
    assert plan.attrs["re_share"] == pytest.approx(1 - (NIGHT - exported) / DAY, abs=1e-9)
    assert plan.attrs["re_shortfall"] == pytest.approx((NIGHT - exported) * DAYS, rel=1e-6)
    assert plan.attrs["unserved_energy"] < 1e-6
    check_invariants(plan, ds, {"re_share": 1.0})


def test_no_exports_when_the_cap_is_zero(toy):
    ds = sunny_site(toy, solar_potential=1000.0)
    plan = planner.plan(ds, policy={"export_share_max": 0.0})
    assert float(plan["export"].max()) == 0.0
    # Without exports nothing beyond the daytime load is worth building.
    assert float(plan["gen_capacity"].sel(gen="solar")[0]) == pytest.approx(LOAD, rel=1e-6)


def test_shedding_does_not_count_towards_the_renewable_target(toy):
    ds = sunny_site(toy, solar_potential=LOAD)  # solar covers the day, nothing to export
    with pytest.warns(PlanWarning, match="re_share = 0.75 is missed"):
        plan = planner.plan(ds, policy={"re_share": 0.75})

    # Old rule, RE = 1 - import / served: shedding x MW every night hour gives
    # 1 - 12 (12 - x) / (288 - 12 x) >= 0.75  <=>  x >= 8 MW, paid at VOLL.
    x = 8.0
    assert 1 - 12 * (LOAD - x) / (DAY - 12 * x) == pytest.approx(0.75)
    # New rule, RE = 1 - (import - export + unserved) / load: shedding swaps import for
    # unserved one for one, so the score stays 1 - 144 / 288 = 0.5 whatever is shed; the
    # plan serves every hour and reports the missing 0.25 x 288 MWh/day.
    assert plan.attrs["unserved_energy"] < 1e-6
    assert plan.attrs["re_share"] == pytest.approx(0.5, abs=1e-9)
    assert plan.attrs["re_shortfall"] == pytest.approx(0.25 * DAY * DAYS, rel=1e-6)
    assert float(plan["cost"].sel(component="target_shortfall")) == pytest.approx(
        1.0e6 * 0.25 * DAY * DAYS, rel=1e-6
    )
    # The old rule's plan, 8 MW of the night import shed instead, scores the same now.
    night = 1 - square_solar(ds.sizes["time"])
    shed = plan.copy()
    shed["grid_import"] = plan["grid_import"] - x * night
    shed["unserved"] = plan["unserved"] + x * night
    old = dispatch_metrics(shed, ds)
    assert old["re_share"] == pytest.approx(0.5, abs=1e-9)
    assert old["unserved_energy"] == pytest.approx(x * 12 * DAYS, rel=1e-9)
    check_invariants(plan, ds, {"re_share": 0.75})


def test_shedding_does_not_count_towards_the_cfe_target(toy):
    ds = sunny_site(toy, solar_potential=LOAD)
    ds["grid_cfe"][:] = 0.5
    with pytest.warns(PlanWarning, match="cfe_target = 0.9 is missed"):
        plan = planner.plan(ds, policy={"cfe_target": 0.9})
    # CFE = 1 - ((1 - grid_cfe) import + unserved) / load = 1 - 0.5 x 144 / 288 = 0.75.
    assert plan.attrs["unserved_energy"] < 1e-6
    assert plan.attrs["cfe_score"] == pytest.approx(0.75, abs=1e-9)
    assert plan.attrs["cfe_shortfall"] == pytest.approx(0.15 * DAY * DAYS, rel=1e-6)
