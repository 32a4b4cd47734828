"""Validate a Scenario against the contract before anything is solved.

Every problem is collected and raised at once in one `ScenarioError`, so a
user fixes a file in one pass. Each message names the variable, the offending
coordinate(s) and value, and the rule.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from planner.contracts.table import MAX_LISTED, check_dims, check_values, missing_text, where
from planner.contracts.table import label as _label
from planner.contracts.units import check_units
from planner.errors import ScenarioError, ScenarioWarning
from planner.scenario.defaults import latency_classes, with_defaults
from planner.scenario.schema import BY_NAME, DIMS, HOURS_PER_YEAR, RULES, SCHEMA, apply_attrs

MAX_YEAR_HOURS = HOURS_PER_YEAR + 24  # a leap year
SHARE_TOLERANCE = 1e-6  # class demand shares of a node sum to 1 within this


def validate(ds: xr.Dataset) -> xr.Dataset:
    """Check `ds` against the Scenario contract; return it with canonical dim order and attrs.

    Units: a variable in units that convert exactly to the contract's (kW, JPY/kWh, %)
    is converted with a `ScenarioWarning`; any other unit is a problem.
    Raises `planner.ScenarioError` listing every problem found.
    """
    if not isinstance(ds, xr.Dataset):
        raise ScenarioError(f"scenario must be an xarray.Dataset, got {type(ds).__name__}")
    ds = with_defaults(ds)
    problems: list[str] = []
    problems += _check_coords(ds)
    ds, unit_problems, notes = check_units(ds, SCHEMA)
    problems += unit_problems
    for note in notes:
        warnings.warn(note, ScenarioWarning, stacklevel=2)
    shaped: dict[str, xr.DataArray] = {}  # in the contract's dim order
    sound: dict[str, xr.DataArray] = {}  # ... and with values that keep their rules
    for var in SCHEMA:
        if var.name not in ds:
            if var.required:
                problems.append(missing_text(var))
            continue
        da = ds[var.name]
        wrong_dims = check_dims(var, da)
        if wrong_dims:
            problems += wrong_dims
            continue
        da = da.transpose(*var.dims)
        shaped[var.name] = da
        value_problems = check_values(var, da)
        problems += value_problems
        if not value_problems:
            sound[var.name] = da
    # rules across variables read only sound ones (text for distance would crash them)
    problems += _check_area_labels(ds, sound)
    problems += _check_time(ds, sound)
    problems += _check_weight(sound)
    problems += _check_classes(ds, shaped)
    if all(ds.sizes.get(dim, 0) > 0 for dim in DIMS) and not any("class_" in p for p in problems):
        problems += _check_reachability(sound)
    if problems:
        raise ScenarioError(problems)
    out = ds.copy()
    for name, da in shaped.items():
        out[name] = da
    return apply_attrs(out)


def _check_coords(ds: xr.Dataset) -> list[str]:
    problems = []
    for dim in DIMS:
        if dim not in ds.dims:
            problems.append(f"dimension {dim!r}: missing")
            continue
        if dim not in ds.coords:
            problems.append(f"dimension {dim!r}: has no coordinate labels")
            continue
        if ds.sizes[dim] == 0:
            problems.append(
                f"dimension {dim!r}: has no labels (rule: at least one {dim} label; give a part "
                "that is not needed zeros, e.g. a node no demand, a generator 0 MW potential)"
            )
            continue
        labels = pd.Index(ds[dim].values)
        if labels.has_duplicates:
            dup = labels[labels.duplicated()].unique()[:MAX_LISTED]
            problems.append(f"coordinate {dim!r}: duplicate labels {list(map(str, dup))}")
    return problems


def _check_area_labels(ds: xr.Dataset, shaped: dict[str, xr.DataArray]) -> list[str]:
    if "site_area" not in shaped or "area" not in ds.coords:
        return []
    da = shaped["site_area"]
    known = set(map(str, ds["area"].values))
    bad = np.array([str(v) not in known for v in da.values])
    if not bad.any():
        return []
    return [f"site_area{where(da, bad)}: {RULES['area_label']} {sorted(known)}"]


def _check_time(ds: xr.Dataset, shaped: dict[str, xr.DataArray]) -> list[str]:
    if "time" not in ds.coords or ds.sizes["time"] == 0:
        return []
    time = ds["time"].values
    if not np.issubdtype(time.dtype, np.datetime64):
        return [f"time: coordinate must hold datetimes, got dtype {time.dtype}"]
    if len(time) < 24:
        return [
            f"time: has {len(time)} steps; a scenario needs at least one whole day (24 hourly steps)"
        ]
    step = np.diff(time).astype("timedelta64[s]").astype(np.int64)
    if "period" in shaped:
        same_period = np.diff(np.asarray(shaped["period"].values)) == 0
    else:
        same_period = np.ones(len(step), dtype=bool)
    bad = same_period & (step != 3600)
    if bad.any():
        i = int(np.argmax(bad))
        return [
            f"time: must be hourly (rule: consecutive steps {'within a period ' if 'period' in shaped else ''}"
            f"are 1 h apart); step from {_label(time[i])} to {_label(time[i + 1])} is {step[i] / 3600:g} h"
        ]
    return []


def _check_weight(shaped: dict[str, xr.DataArray]) -> list[str]:
    """The modelled hours stand for at least themselves and at most a (leap) year.

    The LP scales its energies to a year by 8760 / sum(weight): a total far from
    the hours the data cover (e.g. weights in minutes) would scale every cost.
    """
    if "weight" not in shaped:
        return []
    weight = np.asarray(shaped["weight"].values, dtype=float)
    if not np.isfinite(weight).all():
        return []  # the value checks name these
    total, n = float(weight.sum()), weight.size
    if n * (1 - 1e-9) <= total <= MAX_YEAR_HOURS * (1 + 1e-9):
        return []
    scale = f"; the LP would scale its year by {HOURS_PER_YEAR / total:.3g}" if total > 0 else ""
    return [
        f"weight: sums to {total:g} h over {n} modelled hours (rule: the hours they stand for, "
        f"between the {n} modelled hours and a year of {MAX_YEAR_HOURS} h{scale})"
    ]


def _check_classes(ds: xr.Dataset, shaped: dict[str, xr.DataArray]) -> list[str]:
    """Latency classes: the dim and the class variables come together; shares sum to 1."""
    names = ("class_demand_share", "class_latency_budget", "class_traffic_factor")
    given = [n for n in names if n in ds]
    if "latency_class" not in ds.dims and not given:
        return []
    if "class_demand_share" not in ds:
        return [
            f"class_demand_share: missing while {given or ['dimension latency_class']} is given "
            "(rule: a Scenario with latency classes gives each node's demand share per class)"
        ]
    if "latency_class" not in ds.coords:
        return ["dimension 'latency_class': has no coordinate labels"]
    if "class_demand_share" not in shaped:
        return []  # its dims or values are reported already
    total = shaped["class_demand_share"].sum("latency_class")
    bad = np.abs(total.values - 1.0) > SHARE_TOLERANCE
    if not bad.any():
        return []
    return [
        f"class_demand_share summed over latency_class{where(total.round(9), bad)} "
        "(rule: each node's class shares sum to 1)"
    ]


def _check_reachability(shaped: dict[str, xr.DataArray]) -> list[str]:
    """Every node and latency class with demand needs a site and technology within its budget."""
    needed = (
        "distance",
        "node_latency_budget",
        "traffic_per_mw",
        "backhaul_max_km",
        "backhaul_latency_per_km",
        "backhaul_base_latency",
    )
    if any(n not in shaped for n in needed):
        return []
    ds = xr.Dataset(shaped)
    classes = latency_classes(ds)
    lat = link_latency(ds)
    within = link_km(ds) <= ds["backhaul_max_km"]
    ok = (lat <= classes["budget"]) & within
    demanded = classes["demand_share"] > 0
    unmet = demanded & ~ok.any(("site", "backhaul"))
    fastest = lat.where(within)
    problems = []
    with_classes = "class_demand_share" in ds
    # by position: a duplicated node label (reported by _check_coords) must not crash this
    for i, k in zip(*np.nonzero(unmet.transpose("node", "latency_class").values), strict=True):
        node = ds["node"].values[i]
        options = fastest.isel(node=i).transpose("site", "backhaul").values
        if np.isnan(options).all():
            best = "no site is within any technology's distance limit"
        else:
            s, b = np.unravel_index(np.nanargmin(options), options.shape)
            best = (
                f"the fastest site is {options[s, b]:.2f} ms away ({ds['site'].values[s]} by "
                f"{ds['backhaul'].values[b]})"
            )
        budget = float(classes["budget"].isel(node=i, latency_class=k))
        if not with_classes:
            problems.append(
                f"node_latency_budget[node={node}] = {budget!r} ms: no site can serve this node "
                "(rule: some site and backhaul technology must reach it within its latency "
                f"budget and distance limit; {best})"
            )
            continue
        cls = ds["latency_class"].values[k]
        problems.append(
            f"latency budget of node={node}, latency_class={cls} = {budget:g} ms "
            "(min of node_latency_budget and class_latency_budget): no site and technology "
            "can meet it (rule: some site and backhaul technology must reach the node within "
            f"the budget of each class it has demand in, and within the distance limit; {best})"
        )
    return problems


def latency(
    distance: xr.DataArray,
    latency_per_km: xr.DataArray,
    base_latency: xr.DataArray,
    route_factor: xr.DataArray | float = 1.0,
) -> xr.DataArray:
    """One-way latency (ms) of each (node, site, backhaul) link over its path km."""
    return base_latency + latency_per_km * route_factor * distance


def reachable(
    distance: xr.DataArray,
    node_latency_budget: xr.DataArray,
    backhaul_max_km: xr.DataArray,
    backhaul_latency_per_km: xr.DataArray,
    backhaul_base_latency: xr.DataArray,
    route_factor: xr.DataArray | float = 1.0,
) -> xr.DataArray:
    """Boolean (node, site, backhaul): the technology reaches the site within budget and distance limit."""
    lat = latency(distance, backhaul_latency_per_km, backhaul_base_latency, route_factor)
    ok = (lat <= node_latency_budget) & (route_factor * distance <= backhaul_max_km)
    return ok.transpose("node", "site", "backhaul")


def route_factor(ds: xr.Dataset) -> xr.DataArray | float:
    """`backhaul_route_factor` of the Scenario (1 where it is absent)."""
    return ds["backhaul_route_factor"] if "backhaul_route_factor" in ds else 1.0


def link_km(ds: xr.Dataset) -> xr.DataArray:
    """Path km of each (node, site, backhaul) link: distance x backhaul_route_factor."""
    return (route_factor(ds) * ds["distance"] * xr.ones_like(ds["backhaul_max_km"])).transpose(
        "node", "site", "backhaul"
    )


def link_latency(ds: xr.Dataset) -> xr.DataArray:
    """One-way latency (ms) of each (node, site, backhaul) link of a Scenario."""
    lat = latency(
        ds["distance"],
        ds["backhaul_latency_per_km"],
        ds["backhaul_base_latency"],
        route_factor(ds),
    )
    return lat.transpose("node", "site", "backhaul")


def class_reachable(ds: xr.Dataset) -> xr.DataArray:
    """Boolean (node, latency_class, site, backhaul): the link meets the class budget and the
    technology's distance limit, for classes with demand at the node."""
    classes = latency_classes(ds)
    ok = (link_latency(ds) <= classes["budget"]) & (link_km(ds) <= ds["backhaul_max_km"])
    ok = ok & (classes["demand_share"] > 0)
    return ok.transpose("node", "latency_class", "site", "backhaul")


def scenario_reachable(ds: xr.Dataset) -> xr.DataArray:
    """Boolean (node, site, backhaul): the link serves some latency class of the node."""
    return class_reachable(ds).any("latency_class").transpose("node", "site", "backhaul")


__all__ = [
    "BY_NAME",
    "class_reachable",
    "latency",
    "link_km",
    "link_latency",
    "reachable",
    "route_factor",
    "scenario_reachable",
    "validate",
]
