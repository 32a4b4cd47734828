"""Network block: which sites serve each node's latency classes, over which technology.

Variables: link_share (node, latency_class, site, backhaul), the share of the node's
inference demand in the class served by the site over the technology, only on links
that meet the class's latency budget and the technology's distance limit
(`planner.scenario.validate.class_reachable`); share (node, site), their sum over
classes and technologies (what the IT load and the Monte Carlo read);
backhaul_capacity (node, site, backhaul, Gbps) on links some class may use.
Constraints: each node's class is served in full (sum of link_share = its
class_demand_share); share = sum of link_share; backhaul capacity carries the peak
traffic of every class on the link (link_share x class traffic per MW x the node's
peak modelled inference demand).
Cost per Gbps: (backhaul_capex_per_gbps_km x path km + backhaul_fixed_capex)
annualised over backhaul_lifetime (no subsidy: links cross areas). A latency
tie-breaker, cost component `backhaul_latency` (LATENCY_TIEBREAK JPY/yr per MW of peak
demand per ms; about 1e-7 of a study's total), makes the LP take the nearer of two
open sites that cost the same, instead of an arbitrary far one.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of
from planner.lp.results import block_values
from planner.scenario.defaults import latency_classes
from planner.scenario.validate import class_reachable, link_km, link_latency

LATENCY_TIEBREAK = 10.0  # JPY/yr per MW of peak inference demand per ms of one-way latency


def peak_demand(ds: xr.Dataset) -> np.ndarray:
    """Peak inference demand of each node (MW) over the modelled hours, shape (node,)."""
    return ds["inference_demand"].transpose("node", "time").values.max(axis=1)


def peak_traffic(ds: xr.Dataset) -> np.ndarray:
    """Peak traffic (Gbps) of each node's class if all of it went one way, shape (node, class)."""
    traffic = latency_classes(ds)["traffic"].transpose("node", "latency_class").values
    return traffic * peak_demand(ds)[:, None]


def add_network(m: Model, ds: xr.Dataset) -> None:
    """Add link_share, share and backhaul_capacity with their constraints and costs."""
    classes = latency_classes(ds)
    m.coords["latency_class"] = classes["latency_class"].values
    link = class_reachable(ds).transpose("node", "latency_class", "site", "backhaul").values
    dims = ("node", "latency_class", "site", "backhaul")
    m.add_variables("link_share", dims, "1", upper=1.0, mask=link)
    pair, used = link.any(axis=(1, 3)), link.any(axis=1)
    m.add_variables("share", ("node", "site"), "1", upper=1.0, mask=pair)
    m.add_variables("backhaul_capacity", ("node", "site", "backhaul"), "Gbps", mask=used)
    demand_share = classes["demand_share"].transpose("node", "latency_class").values
    m.add_constraints(
        "class_served",
        ("node", "latency_class"),
        [("link_share", 1.0)],
        "==",
        demand_share,
        row_mask=demand_share > 0,
    )
    m.add_constraints(
        "share_of_links",
        ("node", "site"),
        [("share", 1.0), ("link_share", -1.0)],
        "==",
        0.0,
        row_mask=pair,
    )
    traffic = peak_traffic(ds)  # (node, class); link_share viewed as (node, site, backhaul, class)
    m.add_constraints(
        "backhaul_carry",
        ("node", "site", "backhaul"),
        [("backhaul_capacity", 1.0), ("link_share", -traffic[:, None, None, :])],
        ">=",
        0.0,
        row_mask=used,
    )
    km = link_km(ds).values
    per_gbps = (
        ds["backhaul_capex_per_gbps_km"].values[None, None, :] * km
        + ds["backhaul_fixed_capex"].values[None, None, :]
    ) / MONEY
    annual = per_gbps * crf_of(ds, "backhaul_lifetime")[None, None, :]
    m.add_cost("costs", "backhaul", "backhaul_capacity", annual)
    m.add_cost("capital", "backhaul", "backhaul_capacity", per_gbps)
    latency = link_latency(ds).values  # (node, site, backhaul)
    tie = LATENCY_TIEBREAK * peak_demand(ds)[:, None, None, None] * latency[:, None, :, :]
    m.add_cost("costs", "backhaul_latency", "link_share", tie / MONEY)


def network_results(m: Model, ds: xr.Dataset) -> dict[str, xr.DataArray]:
    """The Plan's `class_share` (node, latency_class, site) and `link_share` of a solved model."""
    coords = {d: m.coords[d] for d in ("node", "latency_class", "site", "backhaul")}
    link = xr.DataArray(
        block_values(m, "link_share"), dims=tuple(coords), coords=coords, name="link_share"
    )
    return {"class_share": link.sum("backhaul"), "link_share": link}
