"""What a failing Monte Carlo future looked like: why it failed and its worst days, as LP data.

`futures_of` re-draws the compact futures `simulate` ran (same seed, ids and
dtype: bit-identical, drivers.py), `failure_causes` runs one future's hourly
dispatch (`trace_future`, the NumPy reference) and splits its unserved energy by cause, and `stress_days`
turns days of a future into Scenario time series the LP can plan for: the
future's weather (its source day, real weather year and per-site noise), its
demand growth and its year-long price and CO2 shocks. Site outages, grid stress
and link cuts have no hourly form in the LP; `planner.harden` answers them with
margins instead.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import jax
import numpy as np
import xarray as xr

from planner.mc import kernel
from planner.mc.prepare import prepare
from planner.mc.simulate import dispatch_trace
from planner.mc.uncertainty import Uncertainty, as_uncertainty

CAUSES = ("outage", "capacity", "power")


class FutureDraws(NamedTuple):
    """The compact draws of some futures, NumPy arrays with a leading future axis."""

    ids: np.ndarray  # (F,) future index
    growth: np.ndarray  # (F, node + 1): nodes' inference, then training
    day_source: np.ndarray  # (F, day): index into the weather pool (year x days + day)
    weather_noise: np.ndarray  # (F, day, site)
    price_shock: np.ndarray  # (F, area)
    co2_shock: np.ndarray  # (F, area)
    n_years: int  # weather years in the pool (1: the scenario's own year)


def futures_of(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    ids,
    seed: int,
    uncertainty: Uncertainty | dict | None = None,
    dtype: str = "float32",
) -> FutureDraws:
    """The draws of futures `ids` of `simulate(scenario, plan, seed=seed, dtype=dtype, ...)`."""
    fut, run = _sample(scenario, plan, ids, seed, uncertainty, dtype)
    return FutureDraws(
        ids=ids,
        growth=np.asarray(fut.growth, dtype=float),
        day_source=np.asarray(fut.day_source, dtype=np.int64),
        weather_noise=np.asarray(fut.weather_noise, dtype=float),
        price_shock=np.asarray(fut.price_shock, dtype=float),
        co2_shock=np.asarray(fut.co2_shock, dtype=float),
        n_years=int(run.sizes.n_years),
    )


def _sample(scenario, plan, ids, seed, uncertainty, dtype):
    """Futures `ids` drawn exactly as `simulate` draws them in `dtype` (uniforms depend on it)."""
    run = prepare(scenario, plan, as_uncertainty(uncertainty), dtype)
    ids = np.asarray(ids, dtype=np.int32)
    x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    with x64:
        fut = kernel.sample_chunk(np.uint32(seed), ids, run.params, run.sizes)
    return fut, run


def trace_future(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    future: int,
    seed: int,
    uncertainty: Uncertainty | dict | None = None,
    dtype: str = "float32",
) -> dict[str, np.ndarray]:
    """Hourly flows {name: (time, site)} of future `future` of a `simulate` run in `dtype`."""
    trace = dispatch_trace(scenario, plan, future, seed, uncertainty, dtype)
    return {name: trace[name].values for name in trace.data_vars}


def failure_causes(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    future: int,
    seed: int,
    uncertainty: Uncertainty | dict | None = None,
    dtype: str = "float32",
) -> xr.DataArray:
    """(day, cause) MWh unserved in one future of a `simulate` run in `dtype`, by cause.

    outage: at a site that is down (site outage or disaster); capacity: IT load
    above the site's IT capacity, or that no uncut link could route (demand growth,
    cuts); power: IT load within capacity that renewables, battery and grid could
    not power (what stress days in the LP can fix).
    """
    trace = trace_future(scenario, plan, future, seed, uncertainty, dtype)
    unserved = trace["unserved"]  # (time, site) MW
    up = trace["up"] > 0.5 if "up" in trace else np.ones(unserved.shape, dtype=bool)
    if "unmet" in trace:  # the Risk splits unmet demand from unserved energy
        unmet = trace["unmet"]
        power = unserved
    else:  # one unserved figure: IT load that found no capacity is the part beyond power
        power = trace.get("unserved_power", unserved)
        unmet = np.where(up, unserved - power, 0.0)
        power = np.where(up, power, unserved)
    parts = np.stack([np.where(up, 0.0, power), unmet, np.where(up, power, 0.0)], axis=-1).sum(
        axis=1
    )  # (time, cause)
    n_days = len(parts) // 24
    by_day = parts[: 24 * n_days].reshape(n_days, 24, len(CAUSES)).sum(axis=1)
    return xr.DataArray(
        np.maximum(by_day, 0.0),
        dims=("day", "cause"),
        coords={"day": np.arange(n_days), "cause": list(CAUSES)},
        attrs={"units": "MWh", "future": int(future), "seed": int(seed)},
    )


def stress_days(
    scenario: xr.Dataset,
    draws: FutureDraws,
    j: int,
    days: list[int],
    weather_years: xr.Dataset | None = None,
) -> xr.Dataset:
    """Days `days` of future `draws.ids[j]` as Scenario time series (24 hours a day).

    Every time-varying variable of `scenario` on those days, with the future's
    weather (cf and pue of its source day and weather year, cf times the day's
    per-site noise, clipped to 1), inference and training demand times its growth,
    grid price and CO2 times its year-long shocks; grid_cfe as the scenario's.
    """
    n_full = scenario.sizes["time"] // 24
    hours = np.concatenate([np.arange(24 * d, 24 * d + 24) for d in days])
    out = scenario[[n for n in scenario.data_vars if "time" in scenario[n].dims]].isel(time=hours)
    out = out.copy()
    source = draws.day_source[j, days]  # pool index: year * n_full + day
    year, day = np.divmod(source, n_full)
    src_hours = np.concatenate([np.arange(24 * d, 24 * d + 24) for d in day])
    cf, pue = scenario["cf"], scenario["pue"]
    if draws.n_years > 1:
        if weather_years is None:
            from planner.datasets import weather_years as load_years  # data layer, lazily

            weather_years = load_years(str(scenario.attrs.get("name", "")))
        year_of_hour = np.repeat(year, 24)
        cf = weather_years["cf"].isel(year=xr.DataArray(year_of_hour, dims="time"))
        pue = weather_years["pue"].isel(year=xr.DataArray(year_of_hour, dims="time"))
        cf = cf.isel(time=xr.DataArray(src_hours, dims="time"))
        pue = pue.isel(time=xr.DataArray(src_hours, dims="time"))
    else:
        cf, pue = cf.isel(time=src_hours), pue.isel(time=src_hours)
    noise = xr.DataArray(
        np.repeat(draws.weather_noise[j, days], 24, axis=0),
        dims=("time", "site"),
        coords={"site": scenario["site"].values},
    )
    time = out["time"].values
    out["cf"] = (
        (cf.drop_vars([c for c in cf.coords if c not in ("site", "gen")]) * noise)
        .clip(0.0, 1.0)
        .assign_coords(time=time)
        .transpose(*scenario["cf"].dims)
        .astype(scenario["cf"].dtype)
    )
    out["pue"] = (
        pue.drop_vars([c for c in pue.coords if c != "site"])
        .assign_coords(time=time)
        .transpose(*scenario["pue"].dims)
        .astype(scenario["pue"].dtype)
    )
    n_nodes = scenario.sizes["node"]
    growth = xr.DataArray(draws.growth[j, :n_nodes], dims="node")
    out["inference_demand"] = out["inference_demand"] * growth
    out["training_demand"] = out["training_demand"] * float(draws.growth[j, n_nodes])
    area = scenario["area"].values
    out["grid_price"] = out["grid_price"] * xr.DataArray(
        draws.price_shock[j], dims="area", coords={"area": area}
    )
    out["grid_co2"] = out["grid_co2"] * xr.DataArray(
        draws.co2_shock[j], dims="area", coords={"area": area}
    )
    for name in out.data_vars:
        out[name].attrs = scenario[name].attrs
    return out
