"""Time reduction: representative days by k-medoids, plus the extreme days kept whole.

Each day of the year is a feature vector (hourly demand, capacity-weighted
solar and wind output, grid price, PUE; each block z-scored). Extreme days are
set aside as periods of their own; the remaining days are clustered with
k-medoids and each cluster is represented by its medoid, a real day. The
reduced Scenario keeps those days' hours, adds `weight` (hours of the year each
modelled hour stands for: the number of days its period represents) and
`period` (one label per day), and reports the duration-curve error.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from planner.errors import ScenarioError
from planner.scenario.schema import apply_attrs

EXTREMES = ("peak_demand", "min_renewable", "max_price")
DEFAULT_EXTREMES = ("peak_demand", "min_renewable")


def reduce_time(
    ds: xr.Dataset,
    n_days: int = 12,
    extreme_days: bool | list[str] | tuple[str, ...] = True,
    seed: int = 0,
) -> xr.Dataset:
    """Reduce a Scenario to `n_days` representative days plus its extreme days.

    `extreme_days`: True keeps the peak-demand and lowest-renewable days, False
    none, or a list drawn from `EXTREMES`. Weights sum to the hours of `ds`.
    """
    hours = ds.sizes["time"]
    if hours % 24:
        raise ScenarioError(
            f"time: {hours} hours is not a whole number of days (rule: reduce whole days)"
        )
    if "period" in ds or "weight" in ds:
        raise ScenarioError(
            "period/weight: the scenario is already reduced (rule: reduce a full scenario)"
        )
    if n_days < 1:
        raise ScenarioError(f"n_days = {n_days}: must be >= 1")
    days = hours // 24
    names = _extreme_names(extreme_days)
    daily = _daily_series(ds)
    extremes = _pick_extremes(daily, names)
    rest = np.array([d for d in range(days) if d not in set(extremes.values())])
    if n_days >= len(rest):
        reps, counts = list(rest), [1] * len(rest)
    else:
        features = _features(daily)[rest]
        medoids, labels = kmedoids(features, n_days, seed=seed)
        reps = list(rest[medoids])
        counts = [int((labels == k).sum()) for k in range(n_days)]
    day_weight = dict(zip(reps, counts, strict=True))
    day_weight.update({d: 1 for d in extremes.values()})
    chosen = sorted(day_weight)
    hour_idx = np.concatenate([np.arange(d * 24, d * 24 + 24) for d in chosen])
    out = ds.isel(time=hour_idx)
    out["weight"] = ("time", np.repeat([float(day_weight[d]) for d in chosen], 24))
    out["period"] = ("time", np.repeat(np.arange(len(chosen), dtype=np.int64), 24))
    error = reduction_error(ds, out)
    day_label = {d: str(pd.Timestamp(ds["time"].values[d * 24]).date()) for d in chosen}
    out.attrs.update(
        n_representative_days=len(reps),
        extreme_days=json.dumps({k: day_label[v] for k, v in extremes.items()}),
        period_days=json.dumps([day_label[d] for d in chosen]),
        reduction_error=json.dumps(error),
        reduction_method="k-medoids on daily profiles (demand, solar, wind, price, PUE), extreme days kept",
    )
    return apply_attrs(out)


def _extreme_names(extreme_days) -> tuple[str, ...]:
    if extreme_days is True:
        return DEFAULT_EXTREMES
    if extreme_days is False or extreme_days is None:
        return ()
    unknown = [n for n in extreme_days if n not in EXTREMES]
    if unknown:
        raise ScenarioError(f"extreme_days: unknown {unknown} (rule: choose from {list(EXTREMES)})")
    return tuple(extreme_days)


def _daily_series(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """System-level hourly series reshaped to (day, 24)."""
    demand = ds["inference_demand"].sum("node") + ds["training_demand"]
    potential = ds["gen_potential"]
    gen_share = potential / potential.sum("site").where(potential.sum("site") > 0, 1.0)
    output = (ds["cf"] * gen_share).sum("site")  # (gen, time): potential-weighted CF
    renewable = (ds["cf"] * potential).sum(("site", "gen"))
    series = {
        "demand": demand.values,
        "renewable": renewable.values,
        "price": ds["grid_price"].mean("area").values,
        "pue": ds["pue"].mean("site").values,
    }
    for gen in ds["gen"].values:
        series[f"cf_{gen}"] = output.sel(gen=gen).values
    return {k: np.asarray(v, dtype=float).reshape(-1, 24) for k, v in series.items()}


def _pick_extremes(daily: dict[str, np.ndarray], names: tuple[str, ...]) -> dict[str, int]:
    rules = {
        "peak_demand": lambda: int(np.argmax(daily["demand"].max(axis=1))),
        "min_renewable": lambda: int(np.argmin(daily["renewable"].sum(axis=1))),
        "max_price": lambda: int(np.argmax(daily["price"].mean(axis=1))),
    }
    return {name: rules[name]() for name in names}


def _features(daily: dict[str, np.ndarray]) -> np.ndarray:
    """(day, feature) matrix: each series block z-scored over the year."""
    blocks = []
    for key, block in daily.items():
        if key == "renewable":
            continue  # already represented by the per-technology profiles
        std = block.std()
        blocks.append((block - block.mean()) / std if std > 0 else np.zeros_like(block))
    return np.concatenate(blocks, axis=1)


def kmedoids(
    x: np.ndarray, k: int, seed: int = 0, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """k-medoids (alternating assign / update) with k-means++ seeding.

    Returns (medoid row indices, label of each row). Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    medoids = [int(rng.integers(len(x)))]
    for _ in range(1, k):
        d2 = dist[:, medoids].min(axis=1) ** 2
        medoids.append(int(rng.choice(len(x), p=d2 / d2.sum())) if d2.sum() > 0 else len(medoids))
    medoids = np.array(medoids)
    for _ in range(max_iter):
        labels = np.argmin(dist[:, medoids], axis=1)
        new = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(labels == c)
            if len(members):
                new[c] = members[np.argmin(dist[np.ix_(members, members)].sum(axis=1))]
        if np.array_equal(new, medoids):
            break
        medoids = new
    return medoids, np.argmin(dist[:, medoids], axis=1)


def reduction_error(full: xr.Dataset, reduced: xr.Dataset) -> dict[str, float]:
    """Normalised RMSE of weighted duration curves, reduced vs full, per system series."""
    weights = reduced["weight"].values.astype(int)
    full_daily = _daily_series(full)
    red_daily = _daily_series(reduced)
    error = {}
    for key, block in full_daily.items():
        exact = np.sort(block.ravel())
        approx = np.sort(np.repeat(red_daily[key].ravel(), weights))
        scale = np.abs(exact).mean() or 1.0
        error[key] = float(np.sqrt(np.mean((exact - approx) ** 2)) / scale)
    return error
