"""Hand-made Plan and Risk datasets on the toy scenario, shaped like the real ones.

They follow the Plan and Risk contracts (DESIGN.md) with plausible numbers, so
the report can be drawn without solving anything.
"""

import json

import numpy as np
import pytest
import xarray as xr

import planner
from planner.contracts.risk import BY_NAME as RISK_METRICS

COMPONENTS = ["site", "it", "generation", "battery", "grid_connection", "backhaul", "grid_energy"]
METRICS = [
    "unserved_energy",
    "loss_of_load_hours",
    "re_share",
    "cfe_score",
    "grid_energy",
    "emissions",
    "energy_cost",
    "curtailment",
    "battery_cycles",
]


def make_plan(reduced: xr.Dataset) -> xr.Dataset:
    """A Plan on the reduced toy: alpha and charlie open, bravo closed."""
    site, gen = reduced.site.values, reduced.gen.values
    open_ = np.array([1.0, 0.0, 1.0])
    it = np.array([14.0, 0.0, 12.0])
    gen_cap = np.array([[30.0, 45.0], [0.0, 0.0], [60.0, 8.0]])
    supply = (
        xr.DataArray(gen_cap, dims=("site", "gen"), coords={"site": site, "gen": gen}) * reduced.cf
    ).sum("gen")
    demand = xr.DataArray(it, dims="site", coords={"site": site}) * reduced.pue * 0.95
    surplus = supply - demand
    charge = surplus.clip(0, 8.0)
    discharge = (-surplus).clip(0, 6.0)
    grid = (-surplus - discharge).clip(0, None)
    export = (surplus - charge).clip(0, 2.0)  # up to 2 MW of the surplus is sold
    curtail = (surplus - charge - export).clip(0, None)
    soc = (charge * 0.95 - discharge / 0.95).cumsum("time").clip(0, 40)
    unserved = xr.zeros_like(grid)
    unserved[0, 5] = 0.3
    plan = xr.Dataset(
        {
            "site_open": ("site", open_),
            "it_capacity": ("site", it),
            "gen_capacity": (("site", "gen"), gen_cap),
            "battery_power": ("site", [8.0, 0.0, 6.0]),
            "battery_energy": ("site", [40.0, 0.0, 24.0]),
            "grid_capacity": ("site", [20.0, 0.0, 15.0]),
            "share": (("node", "site"), [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
            "backhaul_capacity": (
                ("node", "site", "backhaul"),
                np.array(
                    [[[20.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0, 0], [0.0, 10.0]]]
                ),
            ),
            "it_load": demand / reduced.pue,
            "training_load": demand / reduced.pue * 0.3,
            "grid_import": grid * open_[:, None],
            "charge": charge * open_[:, None],
            "discharge": discharge * open_[:, None],
            "soc": soc * open_[:, None],
            "export": export * open_[:, None],
            "curtailment": curtail * open_[:, None],
            "unserved": unserved,
            "cost": ("component", [2.1e8, 3.4e9, 1.9e9, 2.5e8, 1.2e8, 4.0e7, 9.0e8]),
        },
        coords={
            "site": site,
            "gen": gen,
            "node": reduced.node.values,
            "backhaul": reduced.backhaul.values,
            "time": reduced.time.values,
            "component": COMPONENTS,
        },
        attrs={
            "status": "optimal",
            "objective": 6.82e9,
            "solver": "highs",
            "solve_seconds": 0.4,
            "build_seconds": 0.2,
            "mip_gap": 0.0,
            "n_rows": 1234,
            "n_cols": 987,
            "n_nonzeros": 5555,
            "policy": json.dumps({"cfe_target": 0.9}),
        },
    )
    for name in ("it_capacity", "gen_capacity", "battery_power", "grid_capacity", "it_load"):
        plan[name].attrs["units"] = "MW"
    plan["cost"].attrs["units"] = "JPY/yr"
    plan["site_area"] = reduced["site_area"]
    return plan


def make_risk(plan: xr.Dataset, n_futures: int = 400, seed: int = 1) -> xr.Dataset:
    """A Risk dataset: per-future metrics with a long unserved-energy tail."""
    rng = np.random.default_rng(seed)
    n = n_futures
    unserved = np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(3.0, 1.2, n))
    per_future = {
        "unserved_energy": unserved,
        "loss_of_load_hours": np.ceil(unserved / 5.0),
        "re_share": rng.beta(40, 6, n),
        "cfe_score": rng.beta(60, 7, n),
        "grid_energy": rng.normal(3.0e4, 4.0e3, n),
        "emissions": rng.normal(1.2e4, 1.5e3, n),
        "energy_cost": rng.normal(9.0e8, 1.1e8, n),
        "curtailment": rng.normal(2.0e4, 3.0e3, n),
        "battery_cycles": rng.normal(250, 30, n),
    }
    ds = xr.Dataset(
        {k: ("future", v) for k, v in per_future.items()},
        coords={"future": np.arange(n), "site": plan.site.values},
    )
    ds["site_unserved_energy"] = (("future", "site"), np.outer(unserved, [0.6, 0.0, 0.4]))
    stats = ["mean", "p5", "p50", "p95", "cvar95"]
    table = np.zeros((len(METRICS), len(stats)))
    for i, m in enumerate(METRICS):
        v = per_future[m]
        bad_high = m not in ("re_share", "cfe_score")
        worst = np.sort(v)[::-1] if bad_high else np.sort(v)
        table[i] = [v.mean(), *np.quantile(v, [0.05, 0.5, 0.95]), worst[: max(1, n // 20)].mean()]
    ds["summary"] = (("metric", "stat"), table)
    ds = ds.assign_coords(metric=METRICS, stat=stats)
    for k in METRICS:
        ds[k].attrs["units"] = RISK_METRICS[k].units
    ds.attrs.update(
        seed=seed,
        n_futures=n,
        backend="numpy",
        devices=1,
        seconds=1.5,
        chunk_size=256,
        dtype="float32",
        uncertainty="{}",
    )
    return ds


@pytest.fixture
def study(toy):
    """(scenario, reduced, plan, risk) on the toy."""
    reduced = planner.reduce_time(toy, n_days=3)
    plan = make_plan(reduced)
    return toy, reduced, plan, make_risk(plan)
