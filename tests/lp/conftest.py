"""Shared helpers for the LP tests: tiny scenarios cut from the toy, and plan invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

import planner
from planner.lp import PlanWarning, dispatch_metrics
from planner.lp.network import peak_traffic
from planner.scenario.validate import scenario_reachable

REL = 1e-6


def quiet_plan(ds, **kw):
    """planner.plan, with a PlanWarning (unserved load, a target missed) raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlanWarning)  # these plans must serve all load
        return planner.plan(ds, **kw)


def crf(rate: float, life: float) -> float:
    """Capital recovery factor, written out for hand calculations."""
    return rate / (1.0 - (1.0 + rate) ** -life)


def square_solar(n_hours: int) -> np.ndarray:
    """Capacity factor 1 from 06:00 to 18:00 (12 h), 0 otherwise."""
    h = np.arange(n_hours) % 24
    return ((h >= 6) & (h < 18)).astype(float)


def check_invariants(plan: xr.Dataset, scenario: xr.Dataset, policy: dict) -> None:
    """Invariants every solved plan must satisfy (used on the toy and on Japan 2030)."""
    # Energy balance closes in every modelled site-hour.
    supply = (
        plan["generation"].sum("gen") + plan["grid_import"] + plan["discharge"] + plan["unserved"]
    )
    use = plan["facility_load"] + plan["charge"] + plan["curtailment"] + plan["export"]
    scale = np.maximum(np.abs(supply).values, 1.0)
    assert (np.abs(supply - use).values / scale).max() <= REL

    # Facility load is pue x IT load, and IT load fits the IT capacity and the site maximum.
    pue = scenario["pue"].transpose("site", "time")
    np.testing.assert_allclose(plan["facility_load"], pue * plan["it_load"], rtol=1e-9)
    cap = plan["it_capacity"]
    assert (plan["it_load"] <= cap + 1e-6 * np.maximum(cap, 1.0)).all()
    assert (cap <= scenario["site_it_max"] * plan["site_open"] + 1e-6).all()

    # Storage: within sizes, and state of charge follows its hourly dynamics.
    for name in ("charge", "discharge"):
        assert (plan[name] <= plan["battery_power"] + 1e-6).all()
    assert (plan["soc"] <= plan["battery_energy"] + 1e-6).all()
    label = plan["period"].values
    starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    previous = np.arange(len(label)) - 1
    previous[starts] = np.r_[starts[1:], len(label)] - 1
    root = np.sqrt(float(scenario["battery_efficiency"]))
    soc = plan["soc"].values
    expected = soc[:, previous] + root * plan["charge"].values - plan["discharge"].values / root
    keep = np.ones(len(label), dtype=bool)
    if plan.attrs.get("storage_linking") == "linked":
        # linked across days: a period's first hour follows the day before its home day,
        # not the period's own last hour (tests/lp/test_storage_linking.py checks that part)
        keep[starts] = False
    np.testing.assert_allclose(soc[:, keep], expected[:, keep], atol=1e-6 * max(1.0, soc.max()))

    # Training energy of each period is placed somewhere within it.
    w = plan["weight"]
    placed = (w * plan["training_load"].sum("site")).groupby(plan["period"]).sum()
    wanted = (w * scenario["training_demand"]).groupby(plan["period"]).sum()
    np.testing.assert_allclose(placed, wanted, rtol=1e-6)

    # Shares sum to one, never on a latency-infeasible pair; backhaul carries peak traffic.
    np.testing.assert_allclose(plan["share"].sum("site"), 1.0, rtol=1e-6)
    reachable = scenario_reachable(scenario).any("backhaul")
    assert float(plan["share"].where(~reachable, 0.0).max()) == 0.0
    assert float(plan["backhaul_capacity"].where(~scenario_reachable(scenario), 0.0).max()) == 0.0
    if "link_share" in plan:  # each technology carries the peak traffic of the classes it takes
        traffic = peak_traffic(scenario)  # (node, latency_class) Gbps if all went one way
        need = (plan["link_share"] * xr.DataArray(traffic, dims=("node", "latency_class"))).sum(
            "latency_class"
        )
        assert (plan["backhaul_capacity"] >= need - 1e-6 * np.maximum(need, 1.0)).all()
    else:
        peak = scenario["traffic_per_mw"] * scenario["inference_demand"].max("time")
        carried = plan["backhaul_capacity"].sum("backhaul")
        assert (carried >= plan["share"] * peak - 1e-6 * np.maximum(peak, 1.0)).all()

    # Costs by component sum to the objective, which is what the solver minimised.
    total = float(plan["cost"].sum())
    assert total == pytest.approx(plan.attrs["objective"], rel=1e-12)
    assert total == pytest.approx(plan.attrs["solver_objective"], rel=REL)

    # Import and export share the connection; exports stay within their yearly cap.
    assert (plan["grid_import"] + plan["export"] <= plan["grid_capacity"] + 1e-6).all()
    # With an energy charge on import, importing and exporting in one site-hour loses it.
    if float(scenario.get("grid_energy_charge", xr.DataArray(0.0)).min()) > 0:
        assert float(np.minimum(plan["grid_import"], plan["export"]).max()) <= 1e-6
    load = float((w * plan["facility_load"]).sum())
    cap = policy.get("export_share_max", 0.2)
    assert float((w * plan["export"]).sum()) <= cap * load * (1 + REL) + REL

    # Targets recomputed from the dispatch (on total load) are met, less any reported shortfall.
    metrics = dispatch_metrics(plan, scenario)
    scale = plan.attrs["annual_scale"]
    if policy.get("re_share") is not None:
        short = plan.attrs["re_shortfall"] / (scale * load)
        assert metrics["re_share"] >= policy["re_share"] - short - REL
    if policy.get("cfe_target") is not None:
        short = plan.attrs["cfe_shortfall"] / (scale * load)
        assert metrics["cfe_score"] >= policy["cfe_target"] - short - REL
    if policy.get("co2_cap") is not None:
        assert metrics["emissions"] <= policy["co2_cap"] * (1 + REL) + REL
