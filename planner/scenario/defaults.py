"""Defaults for optional Scenario variables, so older Scenarios and CSV folders still load.

Backup generation: a Scenario without the `backup_*` scalars gets the values below
(diesel gensets of a Tier III data centre; see planner/datasets/japan_2030/SOURCES.md,
"Backup generation"). Latency classes: a Scenario without the `latency_class` dim has
one class, `all`, with the node's own budget and traffic (`latency_classes`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

# diesel gensets: every value an assumption except backup_co2 (facts 3: CRIEPI oil-fired
# lifecycle intensity 738 g/kWh, M); SOURCES.md gives the reasoning of each
BACKUP_DEFAULTS: dict[str, float] = {
    "backup_capex": 1.2e8,  # JPY/MW: ~US$800/kW installed with tanks and switchgear
    "backup_fom": 2.4e6,  # JPY/MW/yr: 2 % of capex (tests, maintenance, standby fuel)
    "backup_lifetime": 25.0,  # yr
    "backup_fuel_cost": 40000.0,  # JPY/MWh: 0.27 L/kWh x ~150 JPY/L of diesel
    "backup_co2": 0.738,  # tCO2/MWh
    "backup_fuel_hours": 48.0,  # h of full power on site (24-72 h is usual)
    "backup_refuel_hours": 24.0,  # h until a fuel delivery arrives once backup runs
}

DEFAULT_CLASS = "all"  # the one latency class of a Scenario without the dim


def with_defaults(ds: xr.Dataset) -> xr.Dataset:
    """`ds` with every missing backup scalar set to its default (a copy only if one is missing)."""
    missing = {k: v for k, v in BACKUP_DEFAULTS.items() if k not in ds}
    if not missing:
        return ds
    return ds.assign({k: xr.DataArray(v) for k, v in missing.items()})


def latency_classes(ds: xr.Dataset) -> xr.Dataset:
    """The latency classes of each node: demand share, budget (ms) and traffic (Gbps/MW).

    Returns variables `demand_share`, `budget` and `traffic` over (node, latency_class).
    budget = min(node_latency_budget, class_latency_budget); traffic = traffic_per_mw x
    class_traffic_factor. Without a `latency_class` dim: one class `all` with share 1.
    """
    node_budget = ds["node_latency_budget"]
    traffic = ds["traffic_per_mw"]
    if "class_demand_share" not in ds:
        one = xr.DataArray(np.ones((ds.sizes["node"], 1)), dims=("node", "latency_class"))
        one = one.assign_coords(node=ds["node"].values, latency_class=[DEFAULT_CLASS])
        return xr.Dataset(
            {"demand_share": one, "budget": one * node_budget, "traffic": one * traffic}
        )
    share = ds["class_demand_share"].transpose("node", "latency_class")
    budget = node_budget * xr.ones_like(share)
    if "class_latency_budget" in ds:
        budget = np.minimum(budget, ds["class_latency_budget"])
    factor = ds["class_traffic_factor"] if "class_traffic_factor" in ds else 1.0
    return xr.Dataset(
        {
            "demand_share": share,
            "budget": budget.transpose("node", "latency_class"),
            "traffic": (traffic * factor * xr.ones_like(share)).transpose("node", "latency_class"),
        }
    )


__all__ = ["BACKUP_DEFAULTS", "DEFAULT_CLASS", "latency_classes", "with_defaults"]
