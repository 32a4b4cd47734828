"""Risk metrics per future and site from the dispatch accumulators, and their summary.

Definitions (energy in MWh over the simulated horizon):

- `unserved_energy`: load not supplied, incl. pue x IT load that could not be placed.
- `loss_of_load_hours`: hours with more than 1 kW unserved (any site, for the future total).
- `re_share`: 1 - grid_energy / served energy (own renewables, directly or via the battery).
- `cfe_score`: hourly carbon-free energy score, (served - grid x (1 - grid_cfe)) / served.
- `grid_energy`, `emissions` (grid x co2 x shock, tCO2), `energy_cost` (grid x price x shock, JPY),
  `curtailment`, `battery_cycles` (discharged energy / battery energy capacity),
  `demand_energy` (served + unserved).
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


def _ratio(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)


def future_metrics(
    state: State, battery_energy: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{metric: (per future (F,), per site (F, S))} from the final accumulators, in float64."""
    acc = {name: np.asarray(value, dtype=np.float64) for name, value in state._asdict().items()}
    served = acc["demand"] - acc["unserved"]
    clean = served - acc["grid"] + acc["grid_clean"]
    energy = np.asarray(battery_energy, dtype=np.float64)
    out = {}
    for name, key in [
        ("unserved_energy", "unserved"),
        ("grid_energy", "grid"),
        ("emissions", "emissions"),
        ("energy_cost", "cost"),
        ("curtailment", "curtailment"),
        ("demand_energy", "demand"),
    ]:
        out[name] = (acc[key].sum(axis=1), acc[key])
    out["loss_of_load_hours"] = (acc["lol"], acc["lol_site"])
    total_served = served.sum(axis=1)
    out["re_share"] = (
        _ratio(total_served - acc["grid"].sum(axis=1), total_served, np.nan),
        _ratio(served - acc["grid"], served, np.nan),
    )
    out["cfe_score"] = (
        _ratio(clean.sum(axis=1), total_served, np.nan),
        _ratio(clean, served, np.nan),
    )
    out["battery_cycles"] = (
        _ratio(acc["discharge"].sum(axis=1), np.full(len(served), energy.sum()), 0.0),
        _ratio(acc["discharge"], np.broadcast_to(energy, served.shape), 0.0),
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
