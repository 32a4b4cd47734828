"""Time reduction: representative days by k-medoids, rescaled to the year's means, plus extreme days.

Each day of the year is a feature vector (hourly demand, capacity-weighted
solar and wind output, grid price, PUE; each block z-scored). Extreme days are
set aside as periods of their own; the remaining days are clustered with
k-medoids and each cluster is represented by its medoid, a real day. Clusters
left empty (alike days) are dropped, so no period has weight 0.

The medoids are then rescaled so that the weighted mean of every time series of
the Scenario (each node's inference demand, training demand, each site's and
generator's capacity factor, PUE, each area's grid price, CO2 and CFE) equals
the full year's, as tsam does (`TimeSeriesAggregation._rescaleClusterPeriods`
in src/tsam/timeseriesaggregation.py; `rescale_representatives` in
src/tsam/pipeline/rescale.py of tsam 3): iterative scaling of the min-max
normalised values of the non-extreme days, clipped to the series' own range
(so a capacity factor stays in [0, 1] and a PUE >= 1), extreme days untouched.

The reduced Scenario keeps those days' hours, adds `weight` (hours of the year
each modelled hour stands for: the number of days its period represents),
`period` (one label per day) and `day_cluster` (dim `day`: the period that
stands for each day of the full scenario, in calendar order, which the LP's
linked storage follows), and reports the duration-curve error and the
residual deviation of the means.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from planner.contracts.table import whole_number
from planner.errors import ScenarioError
from planner.scenario.schema import apply_attrs
from planner.scenario.validate import validate

EXTREMES = ("peak_demand", "min_renewable", "max_price")
DEFAULT_EXTREMES = ("peak_demand", "min_renewable")
ADDED = ("weight", "period", "day_cluster")  # what reduce_time adds
RESCALE_TOLERANCE = 1e-6  # relative deviation of a series' weighted sum (tsam's TOLERANCE)
RESCALE_MAX_ITER = 100
MEAN_TOLERANCE = 5e-3  # a series whose weighted mean stays further off is warned about
REPRESENTATIONS = ("distribution", "medoid")


class ReductionWarning(UserWarning):
    """The reduction was returned but differs from what was asked (fewer days, a mean off)."""


def reduce_time(
    ds: xr.Dataset,
    n_days: int = 12,
    extreme_days: bool | list[str] | tuple[str, ...] = True,
    seed: int = 0,
    rescale: bool = True,
    representation: str = "distribution",
) -> xr.Dataset:
    """Reduce a Scenario to `n_days` representative days plus its extreme days.

    `extreme_days`: True keeps the peak-demand and lowest-renewable days, False
    none, or a list drawn from `EXTREMES`. Weights sum to the hours of `ds`.
    `representation`: "distribution" (default) gives each cluster the value
    distribution of its member days, series by series, in the order of the
    cluster's mean profile (tsam's duration representation, period-wise): weighted
    means equal the year's exactly and no hour is smoothed away; "medoid" keeps the
    medoid, a real day, and `rescale` then scales it so weighted means equal the
    year's (tsam's rescaling; `rescale=False` keeps the raw medoids).
    Fewer than `n_days` come back (with a `ReductionWarning`) when days are alike.
    """
    n_days, seed, extreme_days = _check_arguments(ds, n_days, extreme_days, seed)
    if representation not in REPRESENTATIONS:
        raise ScenarioError(
            f"reduce_time: representation={representation!r} (rule: one of {list(REPRESENTATIONS)})"
        )
    hours = ds.sizes["time"]
    if hours % 24:
        raise ScenarioError(
            f"time: {hours} hours is not a whole number of days (rule: reduce whole days)"
        )
    if any(name in ds for name in ADDED):
        raise ScenarioError(
            "period/weight: the scenario is already reduced (rule: reduce a full scenario)"
        )
    ds = validate(ds)  # every variable the reduction reads is there and within its rules
    days = hours // 24
    names = _extreme_names(extreme_days)
    daily = _daily_series(ds)
    extremes = _pick_extremes(daily, names)
    represented_by = _cluster_days(daily, days, set(extremes.values()), n_days, seed)
    chosen = np.unique(represented_by)  # calendar order: period p is day chosen[p]
    day_cluster = np.searchsorted(chosen, represented_by)
    counts = np.bincount(day_cluster, minlength=len(chosen))
    n_reps = len(chosen) - len(set(extremes.values()))
    if n_reps < min(n_days, days - len(set(extremes.values()))):
        warnings.warn(
            f"reduce_time: {n_reps} representative days instead of n_days = {n_days}: "
            "the other clusters were empty (days alike), and a day of weight 0 is never kept",
            ReductionWarning,
            stacklevel=2,
        )
    hour_idx = (chosen[:, None] * 24 + np.arange(24)[None, :]).ravel()
    out = ds.isel(time=hour_idx)
    out["weight"] = ("time", np.repeat(counts.astype(float), 24))
    out["period"] = ("time", np.repeat(np.arange(len(chosen), dtype=np.int64), 24))
    fixed = np.isin(chosen, list(extremes.values()))
    if representation == "distribution":
        out = distribution_days(ds, out, day_cluster, fixed)
        deviation = mean_deviations(ds, out, counts)
    elif rescale:
        out, deviation = rescale_days(ds, out, counts, fixed)
    else:
        deviation = mean_deviations(ds, out, counts)
    out = out.assign_coords(day=_day_starts(ds))
    out["day_cluster"] = ("day", day_cluster.astype(np.int64))
    error = reduction_error(ds, out)
    day_label = {d: str(pd.Timestamp(ds["time"].values[d * 24]).date()) for d in chosen}
    out.attrs.update(
        n_representative_days=n_reps,
        extreme_days=json.dumps({k: day_label[v] for k, v in extremes.items()}),
        period_days=json.dumps([day_label[d] for d in chosen]),
        reduction_error=json.dumps(error),
        rescale_deviation=json.dumps(deviation),
        reduction_method=(
            "k-medoids on daily profiles (demand, solar, wind, price, PUE), extreme days kept"
            + {
                "distribution": "; each cluster's value distribution per series, in the order "
                "of its mean profile (tsam's duration representation)",
                "medoid": "; representative days rescaled to the year's means (tsam)"
                if rescale
                else "; medoids as they are",
            }[representation]
        ),
    )
    return apply_attrs(out)


def _day_starts(ds: xr.Dataset) -> np.ndarray:
    return np.asarray(ds["time"].values[::24])


def _cluster_days(
    daily: dict[str, np.ndarray], days: int, extremes: set[int], n_days: int, seed: int
) -> np.ndarray:
    """The day (index) that represents each day of the year: a medoid or an extreme day itself."""
    represented_by = np.arange(days)
    rest = np.array([d for d in range(days) if d not in extremes], dtype=int)
    if n_days >= len(rest):
        return represented_by
    medoids, labels = kmedoids(_features(daily)[rest], n_days, seed=seed)
    # Only medoids of non-empty clusters can appear here, so no period gets weight 0.
    represented_by[rest] = rest[medoids[labels]]
    return represented_by


def _series_names(full: xr.Dataset) -> list[str]:
    """The floating-point time series of a Scenario (what a reduction represents)."""
    return [
        n
        for n in full.data_vars
        if "time" in full[n].dims and n not in ADDED and np.issubdtype(full[n].dtype, np.floating)
    ]


def _flat(ds: xr.Dataset, name: str, like: xr.Dataset) -> np.ndarray:
    """`ds[name]` as (series, time): every coordinate but time flattened, in `like`'s dim order."""
    other = [d for d in like[name].dims if d != "time"]
    values = ds[name].transpose(*other, "time").values
    return values.reshape(-1, values.shape[-1])


def _with_flat(out: xr.Dataset, full: xr.Dataset, name: str, flat: np.ndarray) -> None:
    """Write (series, time) values back into `out[name]`, in `full[name]`'s dims and attrs."""
    other = [d for d in full[name].dims if d != "time"]
    shape = (*(full.sizes[d] for d in other), flat.shape[-1])
    out[name] = ((*other, "time"), flat.reshape(shape), full[name].attrs)
    out[name] = out[name].transpose(*full[name].dims)


def distribution_days(
    full: xr.Dataset, reduced: xr.Dataset, day_cluster: np.ndarray, fixed: np.ndarray
) -> xr.Dataset:
    """Each period's hours given its cluster's value distribution, series by series.

    For every time series (each site, generator, node and area apart) and every
    period p standing for several days: the member days' 24 x n values are sorted,
    cut into 24 blocks of n and each block averaged; the 24 averages go to the hours
    in the order of the members' mean profile (the highest average to the hour
    whose mean is highest). This is tsam's duration representation with
    `distributionPeriodWise` (`duration_representation` in
    src/tsam/utils/duration_representation.py; Hoffmann et al. 2022). The weighted
    mean of every series equals the year's by construction, values stay within the
    members' own range, and the cluster keeps its spread, which a medoid scaled to
    the mean loses: on japan_2030 (12 days) medoid days, rescaled, overstate a plan's
    hourly renewable match by 1.4 points of CFE, these by 0.1 (issue #11).
    Extreme days and periods of one day are left as they are.
    """
    out = reduced.copy()
    n_periods = len(fixed)
    members = [np.flatnonzero(day_cluster == p) for p in range(n_periods)]
    spread = [p for p in range(n_periods) if not fixed[p] and len(members[p]) > 1]
    for name in _series_names(full):
        year = _flat(full, name, full)
        year = year.reshape(len(year), -1, 24)  # (series, day, hour)
        days = _flat(out, name, full).reshape(len(year), n_periods, 24).copy()
        for p in spread:
            block = year[:, members[p], :]  # (series, n, 24)
            n = block.shape[1]
            ranked = np.sort(block.reshape(len(block), -1), axis=1, kind="stable")
            values = ranked.reshape(len(block), 24, n).mean(axis=2)  # ascending
            order = np.argsort(block.mean(axis=1), axis=1, kind="stable")  # mean profile
            np.put_along_axis(days[:, p, :], order, values, axis=1)
        _with_flat(out, full, name, days.reshape(len(days), -1))
    return out


def mean_deviations(full: xr.Dataset, reduced: xr.Dataset, counts: np.ndarray) -> dict:
    """Largest relative deviation of each series' weighted mean from the year's, per variable."""
    deviation = {}
    for name in _series_names(full):
        year = _flat(full, name, full).astype(float).sum(axis=1)
        days = _flat(reduced, name, full).astype(float).reshape(len(year), len(counts), 24)
        days = (days * counts[None, :, None]).sum(axis=(1, 2))
        gap = np.abs(days - year) / np.maximum(np.abs(year), 1e-300)
        deviation[name] = float(np.where(np.abs(year) > 0, gap, 0.0).max()) if gap.size else 0.0
    return deviation


def rescale_days(
    full: xr.Dataset, reduced: xr.Dataset, counts: np.ndarray, fixed: np.ndarray
) -> tuple[xr.Dataset, dict[str, float]]:
    """Scale every time series of `reduced` so its weighted sum equals `full`'s (tsam's rescaling).

    `counts` (period): days each period stands for; `fixed` (period, bool): extreme
    days, left as they are. Each series is min-max normalised by its own full-year
    range, the non-extreme days are multiplied by (target - extreme part) / (their
    part) and clipped to [0, 1], until the sums agree (tsam's `_rescaleClusterPeriods`).
    Returns the rescaled Dataset and the largest relative deviation of each variable's means.
    """
    out = reduced.copy()
    deviation = {}
    for name in _series_names(full):
        flat_year = _flat(full, name, full).astype(float)
        flat_days = _flat(out, name, full).astype(float).reshape(len(flat_year), len(counts), 24)
        scaled, dev = _rescale(flat_days, flat_year, counts, fixed)
        _with_flat(out, full, name, scaled.reshape(len(scaled), -1).astype(full[name].dtype))
        deviation[name] = float(dev.max()) if dev.size else 0.0
    off = {k: v for k, v in deviation.items() if v > MEAN_TOLERANCE}
    if off:
        warnings.warn(
            "reduce_time: the weighted means of "
            + ", ".join(f"{k} (off by up to {v:.2%})" for k, v in off.items())
            + " could not be rescaled to the year's within 0.5 % (the representative days "
            "lack the hours that carry them)",
            ReductionWarning,
            stacklevel=3,
        )
    return out, deviation


def _rescale(
    days: np.ndarray, year: np.ndarray, counts: np.ndarray, fixed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(series, period, 24) days rescaled to the (series, hour) year; and each series' deviation."""
    lo = year.min(axis=1)[:, None, None]
    span = (year.max(axis=1) - year.min(axis=1))[:, None, None]
    span_safe = np.where(span > 0, span, 1.0)
    x = np.clip((days - lo) / span_safe, 0.0, 1.0)  # normalised, as tsam's profiles
    target = ((year[:, None, :] - lo) / span_safe).sum(axis=(1, 2))
    w = counts[None, :, None].astype(float)
    free = ~fixed
    target_free = target - (w * x)[:, fixed].sum(axis=(1, 2))
    for _ in range(RESCALE_MAX_ITER):
        current = (w * x)[:, free].sum(axis=(1, 2))
        ok = np.abs(current - target_free) <= RESCALE_TOLERANCE * np.maximum(np.abs(target), 1e-12)
        can = (current > 0) & (target_free > 0) & ~ok
        if not can.any():
            break
        factor = np.where(can, target_free / np.where(current > 0, current, 1.0), 1.0)
        x[:, free] = np.clip(x[:, free] * factor[:, None, None], 0.0, 1.0)
    total = (w * x).sum(axis=(1, 2))
    deviation = np.where(
        (span[:, 0, 0] > 0) & (target > 0),
        np.abs(total - target) * span[:, 0, 0] / np.maximum(np.abs(year.sum(axis=1)), 1e-300),
        0.0,
    )
    rescaled = np.where(span > 0, lo + x * span_safe, days)
    rescaled[:, fixed] = days[:, fixed]  # bit for bit, not through the normalisation
    return rescaled, deviation


def _check_arguments(ds, n_days, extreme_days, seed):
    """reduce_time's arguments checked before any work: ScenarioError naming the argument."""
    if not isinstance(ds, xr.Dataset):
        raise ScenarioError(
            f"reduce_time: ds is a {type(ds).__name__}, not an xarray.Dataset "
            "(rule: pass a Scenario, e.g. planner.load_scenario(...))"
        )
    n_days = whole_number("reduce_time: n_days", n_days, 1, None, ScenarioError)
    seed = whole_number("reduce_time: seed", seed, 0, 2**32, ScenarioError)
    if isinstance(extreme_days, str):  # one name, not its letters
        extreme_days = [extreme_days]
    elif not isinstance(extreme_days, bool | None | list | tuple):
        raise ScenarioError(
            f"reduce_time: extreme_days={extreme_days!r} (rule: True, False or a list of "
            f"names from {list(EXTREMES)})"
        )
    return n_days, seed, extreme_days


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

    Returns (medoid row indices, label of each row). Deterministic for a seed. Fewer
    than `k` medoids come back when fewer than `k` rows differ; a medoid no row is
    nearest to (a tie with an identical medoid) has no label: callers keep labelled ones.
    """
    rng = np.random.default_rng(seed)
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    medoids = [int(rng.integers(len(x)))]
    for _ in range(1, k):
        d2 = dist[:, medoids].min(axis=1) ** 2
        if d2.sum() == 0:
            break  # every row equals a medoid already: fewer clusters, none empty
        medoids.append(int(rng.choice(len(x), p=d2 / d2.sum())))
    medoids = np.array(medoids)
    for _ in range(max_iter):
        labels = np.argmin(dist[:, medoids], axis=1)
        new = medoids.copy()
        for c in range(len(medoids)):
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


# ---- stress days: extra periods that planner.harden adds where the Monte Carlo fails ----------

STRESS_ATTR = (
    "stress_days"  # JSON list of {"day": index, "date": ..., "period": label, "source": ...}
)


def stress_free_days(reduced: xr.Dataset) -> np.ndarray:
    """(day,) bool: the days of the year a stress day may stand for in `add_stress_days`.

    Not free: a day that is the own date of a period standing for other days too
    (its medoid: moving it would leave the period's date outside its days), and a
    day that stands for a stress day already.
    """
    cluster, labels, counts, own = _day_periods(reduced)
    stressed = {int(s["period"]) for s in json.loads(reduced.attrs.get(STRESS_ATTR, "[]"))}
    free = np.ones(len(cluster), dtype=bool)
    for p, label in enumerate(labels):
        if int(label) in stressed:
            free[cluster == p] = False
        elif counts[p] > 1 and own[p] >= 0:
            free[own[p]] = False
    return free


def add_stress_days(
    reduced: xr.Dataset, days: xr.Dataset, day_index, sources: list[str] | None = None
) -> xr.Dataset:
    """`reduced` with each stress day standing for one day of the year, as its own period.

    days: the time series of the stress days (time = 24 x len(day_index) hours, the
    same time-varying variables as `reduced`, e.g. a Monte Carlo future's weather,
    demand and prices on those days). day_index: the day of the year (0-based, the
    `day` dim) each one stands for, a `stress_free_days` day. The day leaves the period
    that stood for it (weight one day less) and a new period of weight one day is
    appended, placed in the year's day order (`day_cluster`), so linked storage runs
    through it on its own date; a period that stood for that day alone is replaced in
    place instead. This is tsam's `extremePeriodMethod="new_cluster_center"` for one
    day (Kotzur et al. 2018, Energy 195: each extreme period its own cluster, its own day
    taken out of the cluster that held it), with days chosen by the Monte Carlo.
    `sources`: one description per day (e.g. "future 812 of seed 0"), kept in attrs.
    """
    day_index = np.atleast_1d(np.asarray(day_index, dtype=np.int64))
    problems = _stress_problems(reduced, days, day_index)
    if problems:
        raise ScenarioError(problems)
    cluster, labels, counts, _ = _day_periods(reduced)
    cluster = labels[cluster].astype(np.int64)  # period label of each day
    weight = np.asarray(reduced["weight"].values, dtype=float).copy()
    period = np.asarray(reduced["period"].values)
    series = [n for n in reduced.data_vars if "time" in reduced[n].dims and n not in ADDED]
    hourly = {n: reduced[n].transpose("time", ...).values.copy() for n in series}
    tail: dict[str, list[np.ndarray]] = {n: [] for n in (*series, "weight", "period")}
    tail_time: list[np.ndarray] = []
    time = reduced["time"].values.copy()
    stress = json.loads(reduced.attrs.get(STRESS_ATTR, "[]"))
    next_label = int(period.max()) + 1
    for j, d in enumerate(day_index.tolist()):
        hours = slice(24 * j, 24 * j + 24)
        old = cluster[d]
        at = np.flatnonzero(period == old)
        if np.count_nonzero(cluster == old) == 1:  # the period stood for this day alone
            label = int(old)
            for n in series:
                hourly[n][at] = days[n].transpose("time", ...).values[hours]
            time[at] = days["time"].values[hours]
        else:
            label = next_label
            next_label += 1
            weight[at] -= 1.0
            for n in series:
                tail[n].append(days[n].transpose("time", ...).values[hours])
            tail["weight"].append(np.ones(24))
            tail["period"].append(np.full(24, label, dtype=period.dtype))
            tail_time.append(days["time"].values[hours])
            cluster[d] = label
        stress.append(
            {
                "day": d,
                "date": str(pd.Timestamp(days["time"].values[24 * j]).date()),
                "period": label,
                "source": (sources or [""] * len(day_index))[j],
            }
        )
    out = reduced.copy()
    for n in series:
        out[n] = (reduced[n].transpose("time", ...).dims, hourly[n], reduced[n].attrs)
        out[n] = out[n].transpose(*reduced[n].dims)
    out["weight"] = ("time", weight, reduced["weight"].attrs)
    out = out.assign_coords(time=time)
    if tail_time:
        extra = xr.Dataset(
            {
                n: (out[n].transpose("time", ...).dims, np.concatenate(v), out[n].attrs)
                for n, v in tail.items()
                if n in out
            },
            coords={"time": np.concatenate(tail_time)},
        )
        timed = [n for n in out.data_vars if "time" in out[n].dims]
        joined = xr.concat(
            [out[timed].transpose("time", ...), extra],
            dim="time",
            coords="minimal",
            compat="override",
            join="outer",
        )
        out = out.drop_vars(timed).drop_dims("time").merge(joined)
        for n in timed:
            out[n] = out[n].transpose(*reduced[n].dims)
    labels_after = np.unique(np.asarray(out["period"].values))
    out["day_cluster"] = ("day", np.searchsorted(labels_after, cluster).astype(np.int64))
    out["period"] = out["period"].astype(reduced["period"].dtype)
    out.attrs = {**reduced.attrs, STRESS_ATTR: json.dumps(stress)}
    return apply_attrs(out)


def _day_periods(reduced: xr.Dataset):
    """Position of each day's period, the period labels, days per period and each own day (-1)."""
    if "day_cluster" not in reduced or "period" not in reduced:
        raise ScenarioError(
            "day_cluster: the scenario has no day order (rule: stress days go into a "
            "scenario reduced by planner.reduce_time)"
        )
    period = np.asarray(reduced["period"].values)
    labels = np.unique(period)
    cluster = np.asarray(reduced["day_cluster"].values, dtype=np.int64)
    counts = np.bincount(cluster, minlength=len(labels))
    starts = pd.DatetimeIndex(pd.to_datetime(reduced["day"].values)).normalize()
    first = np.array([np.flatnonzero(period == lab)[0] for lab in labels])
    own = starts.get_indexer(pd.DatetimeIndex(reduced["time"].values[first]).normalize())
    return cluster, labels, counts, own


def _stress_problems(reduced: xr.Dataset, days: xr.Dataset, day_index: np.ndarray) -> list[str]:
    n_days = reduced.sizes.get("day", 0)
    problems = []
    if days.sizes.get("time") != 24 * len(day_index):
        problems.append(
            f"stress days: {days.sizes.get('time')} hours for {len(day_index)} days "
            "(rule: 24 hours per day in day_index)"
        )
    series = [n for n in reduced.data_vars if "time" in reduced[n].dims and n not in ADDED]
    missing = [n for n in series if n not in days]
    if missing:
        problems.append(f"stress days: no {missing} (rule: every time series of the scenario)")
    if len(set(day_index.tolist())) != len(day_index):
        problems.append(f"day_index {day_index.tolist()}: a day twice (rule: distinct days)")
    bad = [int(d) for d in day_index if not 0 <= d < n_days]
    if bad:
        problems.append(f"day_index {bad}: outside the year's {n_days} days (rule: 0 <= day)")
    elif not problems:
        taken = [int(d) for d in day_index if not stress_free_days(reduced)[d]]
        if taken:
            problems.append(
                f"day_index {taken}: the own day of a period standing for other days, or a "
                "stress day already (rule: a day of stress_free_days)"
            )
    return problems
