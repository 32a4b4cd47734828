"""Synthetic scaling scenarios: N sites made from a real Scenario's sites.

For N above the source's site count, extra sites are clones of the source
sites (round robin) with perturbed coordinates, capacity factors, PUE, fixed
cost and slightly shorter node distances (so every clone reaches at least the
nodes its source reaches). For N below it, a subset is kept that still lets
every node be served. Demand, grid areas and technologies are unchanged, so a
larger N means more choice for the LP and more columns for the Monte Carlo,
not more load. A subset's sites are enlarged (IT maximum and generator
potential times base/N) so the same demand still fits. `scale_plan` applies
the same site mapping to a Plan, splitting extensive quantities evenly among a
site's clones, so the Monte Carlo can be timed at any N without solving an LP
per N.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.scenario.validate import class_reachable

# Plan quantities per site that do not add up over sites (copied to clones); every other
# float variable with a site dim (capacities, shares, dispatch) is split among a site's clones.
INTENSIVE = ("site_open",)


def source_sites(ds: xr.Dataset, n_sites: int) -> np.ndarray:
    """Positions of the source site behind each of the `n_sites` synthetic sites."""
    base = ds.sizes["site"]
    if n_sites < 1:
        raise ValueError(f"n_sites = {n_sites}: must be >= 1")
    if n_sites >= base:
        return np.arange(n_sites) % base
    return _covering_subset(ds, n_sites)


def _covering_subset(ds: xr.Dataset, n_sites: int) -> np.ndarray:
    """`n_sites` site positions that together reach every node in every latency class it has
    demand in (greedy set cover over (node, class) pairs, then fill)."""
    ok = class_reachable(ds).any("backhaul").transpose("node", "latency_class", "site").values
    wanted = ok.any(axis=2).ravel()  # (node, class) pairs with demand that some site reaches
    reach = ok.reshape(-1, ok.shape[2])[wanted]
    chosen: list[int] = []
    uncovered = np.ones(reach.shape[0], dtype=bool)
    while uncovered.any() and len(chosen) < n_sites:
        gain = (reach & uncovered[:, None]).sum(axis=0)
        gain[chosen] = -1
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        uncovered &= ~reach[:, best]
    for s in range(ds.sizes["site"]):
        if len(chosen) >= n_sites:
            break
        if s not in chosen:
            chosen.append(s)
    return np.array(sorted(chosen))


def site_names(ds: xr.Dataset, src: np.ndarray) -> list[str]:
    """Names of synthetic sites: the source name, then `name~k` for its k-th clone."""
    names = [str(s) for s in ds["site"].values]
    seen: dict[int, int] = {}
    out = []
    for s in src:
        k = seen.get(int(s), 0)
        seen[int(s)] = k + 1
        out.append(names[s] if k == 0 else f"{names[s]}~{k}")
    return out


def scale_sites(ds: xr.Dataset, n_sites: int, seed: int = 0) -> xr.Dataset:
    """A Scenario with `n_sites` sites cloned (perturbed) or subset from `ds`'s sites."""
    src = source_sites(ds, n_sites)
    names = site_names(ds, src)
    out = ds.isel(site=xr.DataArray(src, dims="site")).assign_coords(site=names)
    if n_sites < ds.sizes["site"]:  # fewer, bigger sites: keep the total buildable capacity
        grow = ds.sizes["site"] / n_sites
        for name in ("site_it_max", "gen_potential"):
            if name in out:
                out[name] = out[name] * grow
    clone = np.array(["~" in n for n in names])
    if clone.any():
        out = _perturb(out, clone, np.random.default_rng(seed))
    out.attrs = dict(ds.attrs)
    out.attrs["synthetic_sites"] = int(n_sites)
    out.attrs["synthetic_source_site"] = [int(s) for s in src]
    out.attrs["description"] = (
        f"{ds.attrs.get('name', 'scenario')} scaled to {n_sites} sites for benchmarks "
        "(clones: perturbed location, capacity factors, PUE, fixed cost, distance; a subset's "
        "sites enlarged to the base's total IT maximum and generator potential)"
    )
    return out


def _perturb(ds: xr.Dataset, clone: np.ndarray, rng: np.random.Generator) -> xr.Dataset:
    """Perturb the clone sites' values in place of exact copies."""
    ds = ds.copy()
    n = int(clone.sum())
    idx = np.flatnonzero(clone)

    def update(name: str, values: np.ndarray) -> None:
        da = ds[name].transpose("site", ...)
        data = da.values.copy()
        data[idx] = values
        ds[name] = da.copy(data=data).transpose(*ds[name].dims)

    if "site_lat" in ds:
        lat = ds["site_lat"].values[idx] + rng.uniform(-0.15, 0.15, n)
        update("site_lat", np.clip(lat, -90, 90))
    if "site_lon" in ds:
        lon = ds["site_lon"].values[idx] + rng.uniform(-0.15, 0.15, n)
        update("site_lon", np.clip(lon, -180, 180))
    if "site_fixed_capex" in ds:
        update("site_fixed_capex", ds["site_fixed_capex"].values[idx] * rng.uniform(0.95, 1.05, n))
    if "cf" in ds:
        cf = ds["cf"].transpose("site", ...).values[idx]
        scale = rng.uniform(0.9, 1.05, cf.shape[:-1])[..., None]
        noise = 1.0 + 0.03 * rng.standard_normal(cf.shape)
        update("cf", np.clip(cf * scale * noise, 0.0, 1.0))
    if "pue" in ds:
        pue = ds["pue"].transpose("site", ...).values[idx]
        update("pue", np.maximum(pue + rng.uniform(0.0, 0.03, pue.shape[:-1])[..., None], 1.0))
    if "distance" in ds:
        dist = ds["distance"].transpose("site", ...).values[idx]
        update("distance", dist * rng.uniform(0.97, 1.0, dist.shape))
    return ds


def scale_plan(plan: xr.Dataset, scenario: xr.Dataset) -> xr.Dataset:
    """`plan` mapped onto `scenario`'s synthetic sites (from `scale_sites` of the plan's scenario).

    Extensive quantities (capacities, shares, loads, dispatch: every float site variable
    but INTENSIVE) are split evenly among a source site's clones; shares are renormalised so
    each node's sum to one.
    """
    src = np.asarray(scenario.attrs["synthetic_source_site"])
    counts = np.bincount(src, minlength=plan.sizes["site"])
    out = plan.isel(site=xr.DataArray(src, dims="site")).assign_coords(site=scenario["site"].values)
    divide = xr.DataArray(counts[src].astype(float), dims="site", coords={"site": out["site"]})
    for name in out.data_vars:
        if "site" in out[name].dims and out[name].dtype.kind == "f" and name not in INTENSIVE:
            attrs = out[name].attrs
            out[name] = (out[name] / divide).assign_attrs(attrs)
    if "share" in out:
        attrs = out["share"].attrs
        total = out["share"].sum("site")
        uniform = xr.ones_like(out["share"]) / out.sizes["site"]
        out["share"] = xr.where(total > 0, out["share"] / total, uniform).assign_attrs(attrs)
    out.attrs = dict(plan.attrs)
    out.attrs["synthetic_sites"] = int(len(src))
    return out
