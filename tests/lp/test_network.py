"""Latency classes and competing access technologies in the LP, solved by hand."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import planner
from planner.scenario.validate import class_reachable
from tests.lp.conftest import crf

TECH = ("fibre", "5g", "microwave")


def edge_case(toy: xr.Dataset) -> xr.Dataset:
    """city_a only; alpha an edge site 10 km away with dear IT halls, charlie cheap, 800 km off.

    Classes: realtime (20 % of demand, 0.8 ms, twice the traffic per MW) and standard
    (80 %, 10 ms). Fibre: 1.0 ms + 0.005 ms/km; 5G: 0.5 ms radio + 0.005 ms/km, 30 km reach;
    microwave: 1.0 ms + 0.00334 ms/km over 0.8 of the route, 1,000 km reach, dearer per km.
    """
    ds = toy.isel(site=[0, 2], node=[0])
    ds["distance"][:] = [[10.0, 800.0]]
    ds["it_capex"][:] = [5.0e9, 1.4e9]
    ds = ds.reindex(backhaul=list(TECH))
    values = {
        "backhaul_capex_per_gbps_km": [2.0e4, 5.0e4, 1.0e5],
        "backhaul_fixed_capex": [1.0e6, 2.0e7, 3.0e6],
        "backhaul_max_km": [2000.0, 30.0, 1000.0],
        "backhaul_latency_per_km": [0.005, 0.005, 0.00334],
        "backhaul_base_latency": [1.0, 0.5, 1.0],
        "backhaul_lifetime": [20.0, 10.0, 15.0],
        "backhaul_route_factor": [1.0, 1.0, 0.8],
    }
    for name, v in values.items():
        ds[name] = ("backhaul", np.array(v))
    ds = ds.assign_coords(latency_class=["realtime", "standard"])
    ds["class_demand_share"] = (("node", "latency_class"), [[0.2, 0.8]])
    ds["class_latency_budget"] = ("latency_class", [0.8, 10.0])
    ds["class_traffic_factor"] = ("latency_class", [2.0, 1.0])
    ds["node_latency_budget"][:] = 50.0
    return planner.validate(ds)


def test_tight_class_takes_5g_to_the_edge_and_loose_class_the_cheap_remote_site(toy):
    ds = edge_case(toy)
    # Only 5G to alpha meets 0.8 ms (0.5 + 0.005 x 10 = 0.55); fibre to alpha is 1.05 ms.
    ok = class_reachable(ds).sel(node="city_a")
    assert ok.sel(latency_class="realtime").values.tolist() == [
        [False, True, False],
        [False, False, False],
    ]
    plan = planner.plan(ds)
    link = plan["link_share"].sel(node="city_a")
    assert float(link.sel(latency_class="realtime", site="alpha", backhaul="5g")) == pytest.approx(
        0.2
    )
    # Standard: charlie by fibre (5.0 ms): its halls cost 1.4e9 JPY/MW against 5.0e9 at alpha,
    # far more than the 800 km of fibre.
    assert float(
        link.sel(latency_class="standard", site="charlie", backhaul="fibre")
    ) == pytest.approx(0.8)
    np.testing.assert_allclose(plan["share"].sel(node="city_a"), [0.2, 0.8], atol=1e-9)
    np.testing.assert_allclose(plan["class_share"].sum("latency_class"), plan["share"], atol=1e-12)

    # Peak traffic: 10 MW x 2 Gbps/MW x class factor x class share.
    rt_gbps, std_gbps = 10 * 2 * 2.0 * 0.2, 10 * 2 * 1.0 * 0.8
    cap = plan["backhaul_capacity"].sel(node="city_a")
    assert float(cap.sel(site="alpha", backhaul="5g")) == pytest.approx(rt_gbps)
    assert float(cap.sel(site="charlie", backhaul="fibre")) == pytest.approx(std_gbps)
    assert float(cap.sum()) == pytest.approx(rt_gbps + std_gbps)
    backhaul = rt_gbps * (5.0e4 * 10 + 2.0e7) * crf(0.05, 10)
    backhaul += std_gbps * (2.0e4 * 800 + 1.0e6) * crf(0.05, 20)
    assert float(plan["cost"].sel(component="backhaul")) == pytest.approx(backhaul, rel=1e-6)


def test_microwave_wins_where_only_its_straighter_faster_path_meets_the_budget(toy):
    ds = edge_case(toy)
    # standard budget 4.0 ms: fibre to charlie 5.0 ms misses it; microwave 1 + 0.00334 x 640 =
    # 3.14 ms meets it. Alpha's halls stay dearer than microwave to charlie.
    ds["class_latency_budget"].loc[dict(latency_class="standard")] = 4.0
    plan = planner.plan(ds)
    link = plan["link_share"].sel(node="city_a", latency_class="standard", site="charlie")
    assert float(link.sel(backhaul="microwave")) == pytest.approx(0.8)
    assert float(link.sel(backhaul="fibre")) == 0.0
    cap = float(plan["backhaul_capacity"].sel(node="city_a", site="charlie", backhaul="microwave"))
    assert cap == pytest.approx(10 * 2 * 0.8)


def test_a_node_without_classes_has_one_class_all(toy):
    plan = planner.plan(toy.isel(site=[0, 2]))
    assert plan["latency_class"].values.tolist() == ["all"]
    np.testing.assert_allclose(plan["class_share"].sel(latency_class="all"), plan["share"])


def test_tie_breaker_takes_the_nearer_of_two_sites_that_cost_the_same(toy):
    ds = edge_case(toy)
    for name in ("site_fixed_capex", "it_capex", "it_fom", "pue", "cf", "gen_potential"):
        da = ds[name]
        ds[name] = (0 * da + da.sel(site="charlie", drop=True)).transpose(*da.dims)
    ds["site_area"][:] = "south"
    ds["distance"][:] = [[12.0, 20.0]]  # both within 5G reach; 5G is free per km here
    ds["backhaul_capex_per_gbps_km"][:] = 0.0
    ds["backhaul_fixed_capex"][:] = 1.0e6
    ds["class_demand_share"][:] = [[1.0, 0.0]]
    ds["training_demand"][:] = 0.0
    plan = planner.plan(ds, policy={"min_sites": 2})  # both open: only latency tells them apart
    assert float(plan["share"].sel(node="city_a", site="alpha")) == pytest.approx(1.0)
    # 10 JPY/yr per MW per ms: 10 MW x (0.5 + 0.005 x 12) ms
    tie = float(plan["cost"].sel(component="backhaul_latency"))
    assert tie == pytest.approx(10.0 * 10 * (0.5 + 0.005 * 12), rel=1e-6)


def with_6g(ds: xr.Dataset) -> xr.Dataset:
    """Add 6G: 0.3 ms radio, 15 km reach, a dearer radio per Gbps (3e7 JPY against 5G's 2e7)."""
    ds = ds.reindex(backhaul=[*TECH, "6g"])
    six = {
        "backhaul_capex_per_gbps_km": 5.0e4,
        "backhaul_fixed_capex": 3.0e7,
        "backhaul_max_km": 15.0,
        "backhaul_latency_per_km": 0.005,
        "backhaul_base_latency": 0.3,
        "backhaul_lifetime": 10.0,
        "backhaul_route_factor": 1.0,
    }
    for name, value in six.items():
        ds[name].loc[dict(backhaul="6g")] = value
    return planner.validate(ds)


@pytest.mark.parametrize("budget, winner", [(0.8, "5g"), (0.4, "6g")])
def test_5g_and_6g_compete_on_cost_until_only_6g_meets_the_budget(toy, budget, winner):
    ds = with_6g(edge_case(toy))
    ds["class_latency_budget"].loc[dict(latency_class="realtime")] = budget
    plan = planner.plan(ds)
    link = plan["link_share"].sel(node="city_a", latency_class="realtime", site="alpha")
    assert float(link.sel(backhaul=winner)) == pytest.approx(0.2)
    assert float(link.sum()) == pytest.approx(0.2)
