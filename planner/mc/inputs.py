"""The boundary: Scenario and Plan Datasets -> plain arrays for the kernels, in one place.

Also `plan_from_capacities`, a Plan Dataset made from capacities by hand (to
stress-test a plan that did not come from the LP, and in tests).

Training placement: training demand (time) is split over sites by the plan's
`training_load` (site, time) summed over its modelled hours when the Plan has
it; otherwise in proportion to each site's IT capacity left after its peak
inference load (or to IT capacity if no site has any left). The split is fixed
in place for the whole year; within a day, training moves in time (dispatch.py).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.errors import PlannerError
from planner.mc.dispatch import Inputs

PLAN_VARS = {
    "it_capacity": ("site",),
    "gen_capacity": ("site", "gen"),
    "battery_power": ("site",),
    "battery_energy": ("site",),
    "grid_capacity": ("site",),
    "share": ("node", "site"),
}
SOC0 = 0.5  # the battery starts the year half full
SHARE_TOLERANCE = 1e-3


class PlanError(PlannerError, ValueError):
    """A Plan Dataset lacks a variable or holds values the Monte Carlo cannot run."""


def plan_from_capacities(
    scenario: xr.Dataset,
    it_capacity,
    gen_capacity,
    share,
    battery_power=0.0,
    battery_energy=0.0,
    grid_capacity=0.0,
) -> xr.Dataset:
    """A Plan Dataset from capacities: arrays in the scenario's coord order, scalars broadcast.

    it_capacity, battery_power (MW), battery_energy (MWh), grid_capacity (MW): (site,);
    gen_capacity (MW): (site, gen); share (1): (node, site), each node's row summing to 1.
    """
    site, gen, node = scenario["site"].values, scenario["gen"].values, scenario["node"].values
    shapes = {"site": len(site), "gen": len(gen), "node": len(node)}
    values = {
        "it_capacity": it_capacity,
        "gen_capacity": gen_capacity,
        "battery_power": battery_power,
        "battery_energy": battery_energy,
        "grid_capacity": grid_capacity,
        "share": share,
    }
    units = {"share": "1", "battery_energy": "MWh"}
    data = {}
    for name, dims in PLAN_VARS.items():
        array = np.broadcast_to(np.asarray(values[name], dtype=float), [shapes[d] for d in dims])
        data[name] = xr.DataArray(array.copy(), dims=dims, attrs={"units": units.get(name, "MW")})
    data["site_open"] = xr.DataArray(
        (data["it_capacity"].values > 0).astype(float), dims=("site",), attrs={"units": "1"}
    )
    plan = xr.Dataset(data, coords={"site": site, "gen": gen, "node": node})
    plan["site_area"] = scenario["site_area"]
    plan.attrs = {"status": "hand-made", "solver": "none"}
    return plan


def _plan_array(plan: xr.Dataset, name: str, scenario: xr.Dataset) -> np.ndarray:
    dims = PLAN_VARS[name]
    if name not in plan:
        raise PlanError(f"plan: missing variable {name!r} (dims {dims})")
    da = plan[name]
    if set(da.dims) != set(dims):
        raise PlanError(f"plan: {name} has dims {da.dims}, expected {dims}")
    for dim in dims:
        missing = set(scenario[dim].values) - set(da[dim].values) if dim in da.coords else set()
        if missing:
            raise PlanError(f"plan: {name} has no values for {dim} {sorted(map(str, missing))[:3]}")
    da = da.reindex({d: scenario[d].values for d in dims if d in da.coords}).transpose(*dims)
    values = np.nan_to_num(np.asarray(da.values, dtype=np.float64))
    if (values < 0).any():
        raise PlanError(f"plan: {name} has negative values (min {values.min():.6g})")
    return values


def _training_share(plan, scenario, it_capacity, site_inference_peak) -> np.ndarray:
    if "training_load" in plan and "site" in plan["training_load"].dims:
        load = plan["training_load"].reindex(site=scenario["site"].values).fillna(0.0)
        total = load.sum([d for d in load.dims if d != "site"]).values.astype(float)
        if total.sum() > 0:
            return total / total.sum()
    free = np.maximum(it_capacity - site_inference_peak, 0.0)
    if free.sum() <= 0:
        free = it_capacity
    return free / free.sum() if free.sum() > 0 else np.full(len(it_capacity), 1.0 / len(free))


def to_inputs(scenario: xr.Dataset, plan: xr.Dataset, dtype) -> tuple[Inputs, np.ndarray]:
    """Inputs in `dtype` (ints int32) and the link distances (km) for the cut driver."""
    if "weight" in scenario and not np.allclose(scenario["weight"].values, 1.0):
        raise PlanError(
            "simulate runs the chronological year: pass the full scenario, not a time-reduced one"
        )
    cap = {name: _plan_array(plan, name, scenario) for name in PLAN_VARS}
    cf = scenario["cf"].transpose("site", "gen", "time").values
    ren = np.einsum("sg,sgt->ts", cap["gen_capacity"], cf)
    inference = scenario["inference_demand"].transpose("time", "node").values
    share = cap["share"]
    total = share.sum(axis=1)
    demanding = inference.max(axis=0) > 0
    bad = demanding & (np.abs(total - 1.0) > SHARE_TOLERANCE)
    if bad.any():
        nodes = scenario["node"].values[bad]
        raise PlanError(f"plan: share of nodes {list(nodes)} sums to {total[bad]}, must be 1")
    link_node, link_site = np.nonzero(share > 0)
    if link_node.size == 0:  # no inference at all: one dummy link with zero share
        link_node, link_site = np.array([0]), np.array([0])
    site_peak = (inference @ share).max(axis=0)
    training = scenario["training_demand"].values
    n_hours = len(training)
    n_days = -(-n_hours // 24)
    day_training = np.bincount(np.arange(n_hours) // 24, weights=training, minlength=n_days)
    areas = list(scenario["area"].values)
    site_area = np.array([areas.index(a) for a in scenario["site_area"].values], dtype=np.int32)
    eta = float(scenario["battery_efficiency"].values) ** 0.5
    f = np.dtype(dtype).type
    inputs = Inputs(
        ren=ren.astype(dtype),
        ren_max=cap["gen_capacity"].sum(axis=1).astype(dtype),
        pue=scenario["pue"].transpose("time", "site").values.astype(dtype),
        inference=inference.astype(dtype),
        grid_price=scenario["grid_price"].transpose("time", "area").values.astype(dtype),
        grid_co2=scenario["grid_co2"].transpose("time", "area").values.astype(dtype),
        grid_cfe=scenario["grid_cfe"].transpose("time", "area").values.astype(dtype),
        day_training=day_training.astype(dtype),
        site_area=site_area,
        it_capacity=cap["it_capacity"].astype(dtype),
        battery_power=cap["battery_power"].astype(dtype),
        battery_energy=cap["battery_energy"].astype(dtype),
        grid_capacity=cap["grid_capacity"].astype(dtype),
        training_share=_training_share(plan, scenario, cap["it_capacity"], site_peak).astype(dtype),
        node_link_onehot=np.eye(share.shape[0], dtype=dtype)[link_node].T.copy(),
        link_site_onehot=np.eye(share.shape[1], dtype=dtype)[link_site],
        link_node_onehot=np.eye(share.shape[0], dtype=dtype)[link_node],
        link_share=share[link_node, link_site].astype(dtype),
        node_share_total=total.astype(dtype),
        stress_factor=f(1.0),
        eta_charge=f(eta),
        eta_discharge=f(eta),
        soc0=f(SOC0),
    )
    km = scenario["distance"].transpose("node", "site").values[link_node, link_site]
    return inputs, np.asarray(km, dtype=np.float64)
