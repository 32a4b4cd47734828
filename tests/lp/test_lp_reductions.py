"""Exact model reductions: the LP rows left out are implied, the optimum unchanged."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import xarray as xr

import planner
import planner.lp.solve as solve
from planner.lp.power import undominated_hours
from tests.lp.conftest import quiet_plan


def test_undominated_hours_keep_every_possible_peak():
    """Every hour left out has a kept hour at least as high at every node; kept hours
    do not dominate one another (an independent brute-force check)."""
    rng = np.random.default_rng(3)
    demand = rng.uniform(0, 1, (3, 60))
    demand[:, 3] = demand[:, 7] = 2.0  # a tie at the top: the first is kept
    keep = undominated_hours(demand)
    assert keep[3] and not keep[7]
    kept = np.flatnonzero(keep)
    for t in range(demand.shape[1]):
        dominated_by = [k for k in kept if k != t and (demand[:, k] >= demand[:, t]).all()]
        assert bool(dominated_by) != bool(keep[t]), t
    # any nonnegative mix of the nodes peaks at a kept hour
    for _ in range(50):
        share = rng.uniform(0, 1, 3)
        load = share @ demand
        assert load[keep].max() == load.max()


def test_margin_rows_at_undominated_hours_give_the_same_plan(toy, monkeypatch):
    """The reserve-margin rows kept only at undominated hours solve to the same optimum
    as rows at every hour."""
    import planner.lp.power as power

    ds = toy.copy()
    rng = np.random.default_rng(0)
    ds["inference_demand"] = ds["inference_demand"] * xr.DataArray(
        rng.uniform(0.6, 1.4, ds.sizes["time"]), dims="time"
    )
    policy = {"reserve_margin": 0.3, "cfe_target": 0.6}
    few = quiet_plan(ds, policy=policy)
    monkeypatch.setattr(power, "undominated_hours", lambda d: np.ones(d.shape[1], dtype=bool))
    every = quiet_plan(ds, policy=policy)
    assert few.attrs["objective"] == pytest.approx(every.attrs["objective"], rel=1e-9)
    np.testing.assert_allclose(few["it_capacity"], every["it_capacity"], rtol=1e-7, atol=1e-6)


def test_one_battery_flow_row_gives_the_same_plan(toy, monkeypatch):
    """charge + discharge <= battery_power in one row solves to the optimum of two rows
    (charge <= power, discharge <= power): netting an hour's two flows loses nothing."""
    import planner.lp.storage as storage
    from planner.lp.core import Model

    ds = toy.copy()
    policy = {"cfe_target": 0.9}
    one = quiet_plan(ds, policy=policy)
    assert float(one["battery_power"].sum()) > 0  # the case stores energy
    real = Model.add_constraints

    def two_rows(self, name, dims, terms, sense, rhs=0.0, row_mask=None):
        if name != "battery_flow_max":
            return real(self, name, dims, terms, sense, rhs, row_mask)
        for flow in ("charge", "discharge"):
            real(self, f"{flow}_max", dims, [(flow, 1.0), ("battery_power", -1.0)], "<=")

    monkeypatch.setattr(storage.Model, "add_constraints", two_rows)
    two = quiet_plan(ds, policy=policy)
    assert one.attrs["objective"] == pytest.approx(two.attrs["objective"], rel=1e-9)
    # the one-row plan never charges and discharges at once beyond what the row allows
    flows = one["charge"] + one["discharge"]
    assert (flows <= one["battery_power"] * (1 + 1e-9) + 1e-6).all()


@pytest.mark.parametrize("linking", ["cyclic", "linked"])
def test_first_pass_without_batteries_gives_the_same_plan(toy, monkeypatch, caplog, linking):
    """A large LP is solved first with its storage held at 0, then whole from that basis:
    the same optimum as one pass (the toy forced through both ways), and the second pass
    does change the first pass's answer (the case stores energy, so a plan without
    batteries costs more)."""
    ds = toy.copy()
    if linking == "linked":
        ds = planner.reduce_time(planner.load_scenario("toy"), n_days=3, extreme_days=False)
    policy = {"cfe_target": 0.9}
    kw = dict(policy=policy, storage_linking=linking)
    one = quiet_plan(ds, **kw)
    assert float(one["battery_power"].sum()) > 0  # the case stores energy
    monkeypatch.setattr(solve, "FIRST_PASS_ROWS", 0)
    with caplog.at_level(logging.INFO, logger="planner.lp.highs"):
        two = quiet_plan(ds, **kw)
    assert two.attrs["objective"] == pytest.approx(one.attrs["objective"], rel=1e-9)
    first = [r.getMessage() for r in caplog.records if r.getMessage().startswith("first pass")]
    assert len(first) == 1, first  # one first pass per plan, before the relaxation
    held_cost = float(first[0].split("objective ")[1].split(" JPY")[0])
    assert held_cost > two.attrs["solver_objective"] * (1 + 1e-9)
    np.testing.assert_allclose(two["battery_energy"], one["battery_energy"], rtol=1e-6, atol=1e-4)


def test_a_slow_hot_start_falls_back_to_the_whole_lp_from_scratch(toy, monkeypatch, caplog):
    """When the second pass cannot finish within its share of time (here none at all), the
    whole LP is solved from scratch on a fresh instance: the same optimum, and the log
    says why."""
    policy = {"cfe_target": 0.9}
    one = quiet_plan(toy.copy(), policy=policy)
    monkeypatch.setattr(solve, "FIRST_PASS_ROWS", 0)
    monkeypatch.setattr(solve, "HOT_START_SHARE", 0.0)
    monkeypatch.setattr(solve, "HOT_START_FLOOR", 1e-9)
    with caplog.at_level(logging.INFO, logger="planner.lp.highs"):
        again = quiet_plan(toy.copy(), policy=policy)
    said = [r.getMessage() for r in caplog.records]
    assert any("did not finish within" in line for line in said), said
    assert again.attrs["objective"] == pytest.approx(one.attrs["objective"], rel=1e-9)
