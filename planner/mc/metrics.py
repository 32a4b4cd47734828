"""Risk metrics per future and site from the dispatch accumulators, and their summary.

Definitions (energy in MWh over the simulated horizon; the rule is dispatch.py's):

- total load L: facility load of the IT placed within built capacity, served + unserved.
- `unserved_energy`: part of L not supplied after battery, grid and backup;
  `loss_of_load_hours`: hours with more than 1 kW of it (any site, for the future total).
- `unmet_demand`: pue x IT demand above built IT capacity or cut off from every
  site (all its links cut); `unmet_demand_hours` likewise. Not part of L.
- `re_share`: (on-site and PPA renewables used + exported) / L
  = 1 - (grid - export + backup + unserved) / L (above 1 only with exports).
- `cfe_score`: hourly carbon-free energy score on L, exports not counted:
  (served - grid x (1 - grid_cfe) - backup) / L.
- `grid_energy`, `export_energy`, `emissions` (grid x co2 x shock, tCO2), `energy_cost`
  (grid x (price x shock + grid_energy_charge) - export x price x shock, JPY, net),
  `curtailment`, `battery_cycles` (discharged energy / battery energy capacity),
  `backup_energy`, `backup_hours`, `backup_emissions`, `backup_fuel_cost`,
  `demand_energy` (L + unmet demand: every MWh asked for).
- `summary` over futures: mean, p5, p50, p95 and cvar95, the mean of the worst
  ceil(5%) of futures in the metric's bad direction (`worse` coord: high or low).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from planner.contracts.risk import BY_NAME, RISK_SCHEMA, STATS, SUMMARY
from planner.mc.dispatch import State

# Units, meaning and the worse direction of each metric: planner.contracts.risk.RISK_SCHEMA.
METRICS = tuple(v.name for v in RISK_SCHEMA)
# metric -> State field, summed over sites for the future's total
SUMS = {
    "unserved_energy": "unserved",
    "unmet_demand": "unmet",
    "grid_energy": "grid",
    "export_energy": "export",
    "emissions": "emissions",
    "energy_cost": "cost",
    "curtailment": "curtailment",
    "backup_energy": "backup",
    "backup_emissions": "backup_emissions",
    "backup_fuel_cost": "backup_cost",
}
# metric -> (State field of the future's hours (any site), of each site's hours)
HOURS = {
    "loss_of_load_hours": ("lol", "lol_site"),
    "unmet_demand_hours": ("unmet_hours", "unmet_site_hours"),
    "backup_hours": ("backup_hours", "backup_site_hours"),
}


def _ratio(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)


def future_metrics(
    state: State, battery_energy: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{metric: (per future (F,), per site (F, S))} from the final accumulators, in float64."""
    acc = {name: np.asarray(value, dtype=np.float64) for name, value in state._asdict().items()}
    load = acc["demand"]  # served + unserved
    served = load - acc["unserved"]
    renewable = served - acc["grid"] - acc["backup"] + acc["export"]
    clean = served - acc["grid"] + acc["grid_clean"] - acc["backup"]
    energy = np.asarray(battery_energy, dtype=np.float64)
    out = {name: (acc[key].sum(axis=1), acc[key]) for name, key in SUMS.items()}
    out |= {name: (acc[total], acc[site]) for name, (total, site) in HOURS.items()}
    out["demand_energy"] = ((load + acc["unmet"]).sum(axis=1), load + acc["unmet"])
    total = load.sum(axis=1)
    out["re_share"] = (
        _ratio(renewable.sum(axis=1), total, np.nan),
        _ratio(renewable, load, np.nan),
    )
    out["cfe_score"] = (_ratio(clean.sum(axis=1), total, np.nan), _ratio(clean, load, np.nan))
    out["battery_cycles"] = (
        _ratio(acc["discharge"].sum(axis=1), np.full(len(load), energy.sum()), 0.0),
        _ratio(acc["discharge"], np.broadcast_to(energy, load.shape), 0.0),
    )
    return {name: out[name] for name in METRICS}


def cvar(values: np.ndarray, worse: str, level: float = 0.95) -> float:
    """Mean of the worst ceil((1 - level) x n) values (largest if worse is 'high')."""
    values = np.sort(values[~np.isnan(values)])
    if values.size == 0:
        return float("nan")
    k = max(1, math.ceil(round((1.0 - level) * values.size, 9)))
    tail = values[-k:] if worse == "high" else values[:k]
    return float(tail.mean())


def summarise(values: np.ndarray, worse: str) -> list[float]:
    """mean, p5, p50, p95, cvar95 of one metric over futures (NaNs ignored)."""
    if np.all(np.isnan(values)):
        return [float("nan")] * len(STATS)
    p5, p50, p95 = np.nanpercentile(values, [5, 50, 95])
    return [float(np.nanmean(values)), float(p5), float(p50), float(p95), cvar(values, worse)]


def risk_dataset(
    metrics: dict[str, tuple[np.ndarray, np.ndarray]], sites: list, attrs: dict
) -> xr.Dataset:
    """The Risk dataset: per-future vars, `site_` vars (future, site), and `summary` (metric, stat)."""
    n_futures = len(next(iter(metrics.values()))[0])
    data = {}
    for name, (per_future, per_site) in metrics.items():
        meta = {"units": BY_NAME[name].units, "description": BY_NAME[name].description}
        data[name] = xr.DataArray(per_future, dims=("future",), attrs=meta)
        data[f"site_{name}"] = xr.DataArray(per_site, dims=("future", "site"), attrs=meta)
    names = list(metrics)
    summary = np.array([summarise(metrics[n][0], BY_NAME[n].worse) for n in names])
    data["summary"] = xr.DataArray(
        summary, dims=SUMMARY.dims, attrs={"description": SUMMARY.description}
    )
    return xr.Dataset(
        data,
        coords={
            "future": np.arange(n_futures),
            "site": sites,
            "metric": names,
            "stat": list(STATS),
            "worse": ("metric", [BY_NAME[n].worse for n in names]),
            "metric_units": ("metric", [BY_NAME[n].units for n in names]),
        },
        attrs=attrs,
    )
