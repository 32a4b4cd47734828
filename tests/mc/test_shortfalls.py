"""Exports, backup generation and the two shortfalls (unserved energy vs unmet demand), by hand.

The toy week with every driver off unless a test says otherwise: alpha (area north,
price 12,000 JPY/MWh, grid CFE 0.3, pue 1.2) and charlie (south, 14,000, 0.2, pue 1.25)
serve city_a (10 MW) and city_b (5 MW); charlie runs all the training (6 MW flat).
"""

import numpy as np
import pytest

import planner
from planner.datasets.toy import solar_shape
from planner.lp.policy_options import DEFAULT_EXPORT_SHARE_MAX
from planner.mc import Uncertainty, dispatch_trace, prepare
from planner.mc.prepare import DEFAULT_EXPORT_SHARE_MAX as MC_DEFAULT_EXPORT_SHARE_MAX

from .conftest import SHARE, make_plan, solar_plan, stressed_toy_plan

HOURS = 168
ALPHA_LOAD, CHARLIE_LOAD = 12.0, 13.75  # MW: 1.2 x 10, 1.25 x (5 + 6)


def simulate(scenario, plan, uncertainty=None, n_futures=1, **kwargs):
    return planner.simulate(
        scenario,
        plan,
        n_futures,
        uncertainty=uncertainty or Uncertainty.none(),
        dtype="float64",
        progress=False,
        **kwargs,
    )


def test_the_mc_default_export_cap_is_the_lps():
    assert MC_DEFAULT_EXPORT_SHARE_MAX == DEFAULT_EXPORT_SHARE_MAX


def test_surplus_is_exported_within_the_connection(toy):
    """No cap: alpha sells min(surplus, 5 MW) each hour and imports min(deficit, 5 MW)."""
    plan = solar_plan(toy, 5.0, policy={"export_share_max": None})
    risk = simulate(toy, plan)
    solar = 24.0 * solar_shape(np.arange(HOURS))  # 30 MW x cf 0.8 x shape
    export = np.minimum(np.maximum(solar - ALPHA_LOAD, 0.0), 5.0)
    alpha_import = np.minimum(np.maximum(ALPHA_LOAD - solar, 0.0), 5.0)
    unserved = np.maximum(ALPHA_LOAD - solar - 5.0, 0.0)
    assert risk["export_energy"].item() == pytest.approx(export.sum(), rel=1e-12)
    assert risk["site_export_energy"].sel(site="alpha").item() == pytest.approx(export.sum())
    assert risk["curtailment"].item() == pytest.approx(
        (np.maximum(solar - ALPHA_LOAD, 0.0) - export).sum()
    )
    grid = alpha_import.sum() + CHARLIE_LOAD * HOURS
    assert risk["grid_energy"].item() == pytest.approx(grid)
    # net energy cost: imports at each area's price less alpha's exports at north's price
    cost = alpha_import.sum() * 12_000 + CHARLIE_LOAD * HOURS * 14_000 - export.sum() * 12_000
    assert risk["energy_cost"].item() == pytest.approx(cost)
    # exports count for the renewable share, never for the CFE score; both on total load
    total = (ALPHA_LOAD + CHARLIE_LOAD) * HOURS
    assert risk["re_share"].item() == pytest.approx(
        1 - (grid - export.sum() + unserved.sum()) / total
    )
    dirty = alpha_import.sum() * 0.7 + CHARLIE_LOAD * HOURS * 0.8
    assert risk["cfe_score"].item() == pytest.approx(1 - (dirty + unserved.sum()) / total)


@pytest.mark.parametrize("share_max", [0.0, 0.02, DEFAULT_EXPORT_SHARE_MAX, "absent"])
def test_exports_stop_at_the_years_allowance(toy, share_max):
    """Allowance = export_share_max x expected facility load (4,326 MWh in the toy week)."""
    policy = None if share_max == "absent" else {"export_share_max": share_max}
    plan = solar_plan(toy, 5.0, policy=policy)
    fraction = DEFAULT_EXPORT_SHARE_MAX if share_max == "absent" else share_max
    allowance = fraction * (ALPHA_LOAD + CHARLIE_LOAD) * HOURS
    uncapped = simulate(toy, solar_plan(toy, 5.0, policy={"export_share_max": None}))
    export = simulate(toy, plan)["export_energy"].item()
    assert export == pytest.approx(min(allowance, uncapped["export_energy"].item()), abs=1e-9)
    # the uncapped week exports 236 MWh: 0.02 (86.5 MWh) binds, 0.2 (865 MWh) does not
    assert 86.6 < uncapped["export_energy"].item() < 865.0
    # exports, when capped, go first: the allowance runs out on an early day
    if share_max == 0.02:
        f = dispatch_trace(toy, plan, uncertainty=Uncertainty.none())
        by_day = f["export"].sel(site="alpha").values.reshape(7, 24).sum(axis=1)
        assert by_day[0] > 0 and by_day[-1] == 0.0


def test_jax_kernel_exports_as_the_reference(toy):
    plan = stressed_toy_plan(toy)
    plan.attrs["policy"] = '{"export_share_max": 0.05}'
    runs = {
        backend: planner.simulate(
            toy, plan, 32, seed=2, uncertainty=Uncertainty(), backend=backend, progress=False
        )
        for backend in ("jax", "numpy")
    }
    export = runs["numpy"]["export_energy"].values
    allowance = float(prepare(toy, plan).inputs.export_cap)  # 0.05 x expected load, growth 1
    assert allowance == pytest.approx(0.05 * prepare_expected(toy, plan), rel=1e-6)
    assert export.max() == pytest.approx(allowance, rel=1e-5)  # binds in some futures
    assert np.all(export <= allowance * (1 + 1e-5))
    for name in ("export_energy", "site_export_energy", "re_share", "curtailment"):
        np.testing.assert_allclose(runs["jax"][name], runs["numpy"][name], rtol=1e-4, atol=1e-3)


def prepare_expected(toy, plan):
    """Expected facility load (MWh) of the plan over the week: pue x planned IT, by hand."""
    pue = toy["pue"].transpose("time", "site").values
    demand = toy["inference_demand"].transpose("time", "node").values
    share = plan["share"].transpose("node", "site").values
    it = np.minimum(demand @ share, plan["it_capacity"].values)
    training = toy["training_demand"].values[:, None] * prepare(toy, plan).inputs.training_share
    return float((pue * (it + training)).sum())


def backup_plan(toy, backup):
    """charlie's 13.75 MW against 10 MW of grid and `backup` MW of backup; alpha on 20 MW."""
    return make_plan(
        toy,
        training_site="charlie",
        it_capacity=[10.0, 0.0, 11.0],
        gen_capacity=0.0,
        share=SHARE,
        grid_capacity=[20.0, 0.0, 10.0],
        backup_power=[0.0, 0.0, backup],
    )


def test_backup_runs_on_its_fuel_and_waits_for_the_delivery(toy):
    """Tank 2 h x 5 MW = 10 MWh, delivery 3 h after starting: a 4-hour cycle of
    3.75, 3.75, 2.5 (tank empty), 0 (refilled at that hour's end) MWh; 42 cycles a week."""
    scenario = toy.assign(backup_fuel_hours=2.0, backup_refuel_hours=3.0)
    f = dispatch_trace(scenario, backup_plan(toy, 5.0), uncertainty=Uncertainty.none())
    charlie = f["backup"].sel(site="charlie").values
    np.testing.assert_allclose(charlie, np.tile([3.75, 3.75, 2.5, 0.0], 42), atol=1e-12)
    unserved = f["unserved"].sel(site="charlie").values
    np.testing.assert_allclose(unserved, np.tile([0.0, 0.0, 1.25, 3.75], 42), atol=1e-12)
    assert np.all(f["backup"].sel(site="alpha").values == 0.0)  # its grid carries it
    risk = simulate(scenario, backup_plan(toy, 5.0))
    assert risk["backup_energy"].item() == pytest.approx(420.0)
    assert risk["backup_hours"].item() == 126
    assert risk["unserved_energy"].item() == pytest.approx(210.0)
    co2, fuel_cost = float(toy["backup_co2"]), float(toy["backup_fuel_cost"])
    assert risk["backup_emissions"].item() == pytest.approx(420.0 * co2)
    assert risk["backup_fuel_cost"].item() == pytest.approx(420.0 * fuel_cost)
    # backup is not carbon-free: the CFE score counts it as dirty as unserved energy
    total = (ALPHA_LOAD + CHARLIE_LOAD) * HOURS
    dirty = ALPHA_LOAD * HOURS * 0.7 + 10.0 * HOURS * 0.8 + 420.0 + 210.0
    assert risk["cfe_score"].item() == pytest.approx(1 - dirty / total)


def test_backup_never_runs_while_the_grid_can_carry_the_load(toy):
    risk = simulate(toy, backup_plan(toy, 50.0).assign(grid_capacity=("site", [20.0, 0, 20.0])))
    assert risk["backup_energy"].item() == 0.0 and risk["unserved_energy"].item() == 0.0


def test_backup_covering_it_x_pue_cuts_outage_unserved_tenfold(toy):
    """Site outages on: backup = IT x peak pue at every site leaves <= 1/10 the unserved."""
    unc = Uncertainty.only(
        "site_outages", site_outages={"failure_rate_per_year": 100.0, "mean_repair_hours": 8.0}
    )
    plan = stressed_toy_plan(toy)
    covered = plan.assign(
        backup_power=plan["it_capacity"] * toy["pue"].max("time").reindex(site=plan["site"])
    )
    without = simulate(toy, plan, unc, n_futures=64)
    backed = simulate(toy, covered, unc, n_futures=64)
    assert without["unserved_energy"].sum() > 100.0  # the outages did bite
    assert backed["unserved_energy"].sum() <= 0.1 * without["unserved_energy"].sum()
    assert backed["backup_energy"].sum() > 0.5 * without["unserved_energy"].sum()
    np.testing.assert_allclose(
        backed["backup_emissions"], backed["backup_energy"] * float(toy["backup_co2"])
    )


def test_demand_growth_alone_is_unmet_demand_not_unserved_energy(toy, grid_backed_plan):
    """Grid enough for every site's full IT load: growth past IT capacity is unmet demand."""
    unc = Uncertainty.only("demand_growth", demand_growth={"sigma": 0.5, "training_sigma": 0.5})
    risk = simulate(toy, grid_backed_plan, unc, n_futures=32)
    assert risk["unmet_demand"].max() > 10.0 and risk["unmet_demand_hours"].max() > 0
    assert risk["unserved_energy"].max() == 0.0 and risk["loss_of_load_hours"].max() == 0
    # the placed load (served + unserved) never exceeds built IT x pue; the rest is unmet
    placed = risk["demand_energy"] - risk["unmet_demand"]
    assert np.all(placed <= (ALPHA_LOAD + CHARLIE_LOAD) * HOURS + 1e-6)


def test_a_site_outage_without_backup_is_unserved_energy_not_unmet_demand(toy, grid_backed_plan):
    unc = Uncertainty.only("site_outages", site_outages={"failure_rate_per_year": 200.0})
    risk = simulate(toy, grid_backed_plan, unc, n_futures=32)
    assert risk["unserved_energy"].max() > 10.0 and risk["loss_of_load_hours"].max() > 0
    assert risk["unmet_demand"].max() == 0.0
