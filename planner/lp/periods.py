"""Time structure of the LP: hour weights scaled to a year, representative periods, day order.

`weight` (hours each modelled hour stands for; 1 if absent) is scaled so the
modelled hours stand for one year: ``year_weight = weight * 8760 / sum(weight)``.
A reduced Scenario already sums to 8760 (scale 1); a one-week toy without
`weight` stands for the year by repetition. Every sum over time in the LP uses
`year_weight`, so costs are JPY per year and emissions tCO2 per year.

`period` (absent: one period) groups hours; training energy is balanced per
label, and storage is cyclic within each run of consecutive hours with the same
label unless the Scenario has `day_cluster` (dim `day`, from
`planner.reduce_time`): the period that stands for each day of the full year,
in calendar order, through which `planner.lp.storage` links a yearly state of
charge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from planner.errors import ScenarioError
from planner.scenario.schema import HOURS_PER_YEAR


@dataclass(frozen=True)
class Periods:
    """Per-hour arrays (length = modelled hours), and the day order when the Scenario has one."""

    weight: np.ndarray  # h, as given (1 if absent)
    year_weight: np.ndarray  # h/yr each modelled hour stands for
    annual_scale: float  # 8760 / sum(weight)
    label: np.ndarray  # period label of each hour
    previous: np.ndarray  # index of the hour before, cyclic within each run
    group: np.ndarray  # bool (n_periods, n_hours): hours of each distinct label
    position: np.ndarray  # position of each hour's label among the distinct labels
    first: np.ndarray  # first hour (index) of each distinct label's run
    last: np.ndarray  # last hour (index) of each distinct label's run
    day_cluster: np.ndarray | None = None  # (day,) position of the period of each day
    home_day: np.ndarray | None = None  # (period,) the day whose level the Plan's soc shows

    @property
    def n_days(self) -> int:
        return 0 if self.day_cluster is None else len(self.day_cluster)


def time_structure(ds: xr.Dataset) -> Periods:
    """Weights, period runs and day order of a Scenario (ScenarioError if they disagree)."""
    n = ds.sizes["time"]
    weight = np.asarray(ds["weight"].values, dtype=float) if "weight" in ds else np.ones(n)
    label = np.asarray(ds["period"].values) if "period" in ds else np.zeros(n, dtype=int)
    scale = HOURS_PER_YEAR / float(weight.sum())
    # Runs of equal labels: the first hour of a run follows the last hour of the same run.
    starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    ends = np.r_[starts[1:], n] - 1
    previous = np.arange(n) - 1
    previous[starts] = ends
    labels, position = np.unique(label, return_inverse=True)
    group = label[None, :] == labels[:, None]
    first = np.array([np.flatnonzero(g)[0] for g in group])
    last = np.array([np.flatnonzero(g)[-1] for g in group])
    periods = Periods(weight, weight * scale, scale, label, previous, group, position, first, last)
    if "day_cluster" not in ds:
        return periods
    day_cluster, home_day = _day_order(ds, labels, len(starts))
    return Periods(**{**periods.__dict__, "day_cluster": day_cluster, "home_day": home_day})


def _day_order(ds: xr.Dataset, labels: np.ndarray, n_runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of each day's period, and each period's home day.

    The home day is the first day of the run of consecutive days of the period that
    holds the period's own date (the medoid), else of its first run: the LP's `soc`
    is the level on that day.
    """
    if "period" not in ds:
        raise ScenarioError(
            "day_cluster: needs `period` (rule: both come from planner.reduce_time)"
        )
    if n_runs != len(labels):
        raise ScenarioError(
            f"period: {len(labels)} labels in {n_runs} runs of hours (rule: with day_cluster, "
            "each period is one run of consecutive hours)"
        )
    values = np.asarray(ds["day_cluster"].values)
    known = np.isin(values, labels)
    if not known.all():
        bad = sorted(set(values[~known].tolist()))[:3]
        raise ScenarioError(
            f"day_cluster: values {bad} name no period (rule: each day maps to a `period` label)"
        )
    cluster = np.searchsorted(labels, values)
    unused = sorted(set(range(len(labels))) - set(cluster.tolist()))
    if unused:
        raise ScenarioError(
            f"day_cluster: periods {labels[unused].tolist()[:3]} stand for no day "
            "(rule: every period is the cluster of at least one day)"
        )
    home = np.array([int(np.argmax(cluster == p)) for p in range(len(labels))])
    dates = _dates(ds)
    if dates is not None:
        first = np.array([np.flatnonzero(ds["period"].values == lab)[0] for lab in labels])
        own = pd.DatetimeIndex(ds["time"].values[first]).normalize()
        where = dates.get_indexer(own)
        mine = (where >= 0) & (cluster[np.maximum(where, 0)] == np.arange(len(labels)))
        home = np.where(mine, where, home)
    # Back to the first day of the run of days of the same period that holds it.
    run_start = np.maximum.accumulate(
        np.where(np.r_[True, cluster[1:] != cluster[:-1]], np.arange(len(cluster)), 0)
    )
    return cluster, run_start[home]


def _dates(ds: xr.Dataset) -> pd.DatetimeIndex | None:
    """The `day` coordinate as dates (a CSV round trip gives ISO strings), or None."""
    if "day" not in ds.coords:
        return None
    try:
        return pd.DatetimeIndex(pd.to_datetime(ds["day"].values)).normalize()
    except (TypeError, ValueError):
        return None
