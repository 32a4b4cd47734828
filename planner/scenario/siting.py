"""Restrict a Scenario's candidate sites to some grid areas without stranding a latency class.

A study that allows only the sites of some areas (e.g. near demand: Tokyo, Chubu, Kansai)
would leave a real-time class of a far node (Fukuoka's 1.5 ms) with no site that can meet
its budget, and validation would refuse the Scenario. `sites_in_areas` keeps, beside the
sites of the areas, for each such (node, latency class) the site that serves it fastest:
an edge site the restriction cannot take away.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.scenario.validate import class_reachable, link_latency


def sites_in_areas(scenario: xr.Dataset, areas: list[str]) -> tuple[xr.Dataset, list[str]]:
    """The Scenario with the sites in `areas`, plus the fastest site of every class left
    without one; returns it and the names of the sites kept for that reason."""
    keep = scenario["site_area"].isin(areas).values
    ok = class_reachable(scenario).any("backhaul").transpose("node", "latency_class", "site")
    latency = link_latency(scenario).where(class_reachable(scenario)).min("backhaul")
    latency = latency.transpose("node", "latency_class", "site").values
    reach = ok.values
    stranded = reach.any(axis=2) & ~reach[:, :, keep].any(axis=2)
    added = np.zeros_like(keep)
    for n, c in zip(*np.nonzero(stranded), strict=True):
        if not reach[n, c, keep | added].any():
            added[np.nanargmin(latency[n, c])] = True
    names = [str(s) for s in scenario["site"].values[added]]
    return scenario.isel(site=keep | added), names


__all__ = ["sites_in_areas"]
