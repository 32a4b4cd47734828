"""Network block: which sites serve each node's inference, over which backhaul.

Variables: share (node, site) only where some backhaul technology reaches the
site within the node's latency budget and its distance limit
(`planner.scenario.validate.scenario_reachable`); backhaul_capacity
(node, site, backhaul, Gbps) only on reachable (node, site, backhaul) links.
Constraints: shares of each node sum to 1; the backhaul capacity of a pair
carries share x peak traffic (traffic_per_mw x peak modelled inference demand).
Cost per Gbps: (backhaul_capex_per_gbps_km x distance + backhaul_fixed_capex)
annualised over backhaul_lifetime (no subsidy: links cross areas).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of
from planner.scenario.validate import scenario_reachable


def peak_traffic(ds: xr.Dataset) -> np.ndarray:
    """Peak backhaul traffic of each node (Gbps) over the modelled hours, shape (node,)."""
    peak_mw = ds["inference_demand"].transpose("node", "time").values.max(axis=1)
    return ds["traffic_per_mw"].values * peak_mw


def add_network(m: Model, ds: xr.Dataset) -> None:
    """Add share and backhaul_capacity with their constraints and costs."""
    link = scenario_reachable(ds).transpose("node", "site", "backhaul").values
    pair = link.any(axis=2)
    m.add_variables("share", ("node", "site"), "1", upper=1.0, mask=pair)
    m.add_variables("backhaul_capacity", ("node", "site", "backhaul"), "Gbps", mask=link)
    m.add_constraints("share_sum", ("node",), [("share", 1.0)], "==", 1.0)
    traffic = peak_traffic(ds)
    m.add_constraints(
        "backhaul_carry",
        ("node", "site"),
        [("backhaul_capacity", 1.0), ("share", -traffic[:, None])],
        ">=",
        0.0,
        row_mask=pair,
    )
    distance = ds["distance"].transpose("node", "site").values
    per_gbps = (
        ds["backhaul_capex_per_gbps_km"].values[None, None, :] * distance[:, :, None]
        + ds["backhaul_fixed_capex"].values[None, None, :]
    ) / MONEY
    m.add_cost(
        "costs",
        "backhaul",
        "backhaul_capacity",
        per_gbps * crf_of(ds, "backhaul_lifetime")[None, None, :],
    )
    m.add_cost("capital", "backhaul", "backhaul_capacity", per_gbps)
