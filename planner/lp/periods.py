"""Time structure of the LP: hour weights scaled to a year, and representative periods.

`weight` (hours each modelled hour stands for; 1 if absent) is scaled so the
modelled hours stand for one year: ``year_weight = weight * 8760 / sum(weight)``.
A reduced Scenario already sums to 8760 (scale 1); a one-week toy without
`weight` stands for the year by repetition. Every sum over time in the LP uses
`year_weight`, so costs are JPY per year and emissions tCO2 per year.

`period` (absent: one period) groups hours; storage is cyclic within each run
of consecutive hours with the same label, and training energy is balanced per
label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from planner.scenario.schema import HOURS_PER_YEAR


@dataclass(frozen=True)
class Periods:
    """Per-hour arrays (length = modelled hours)."""

    weight: np.ndarray  # h, as given (1 if absent)
    year_weight: np.ndarray  # h/yr each modelled hour stands for
    annual_scale: float  # 8760 / sum(weight)
    label: np.ndarray  # period label of each hour
    previous: np.ndarray  # index of the hour before, cyclic within each run
    group: np.ndarray  # bool (n_periods, n_hours): hours of each distinct label


def time_structure(ds: xr.Dataset) -> Periods:
    """Weights and period runs of a Scenario."""
    n = ds.sizes["time"]
    weight = np.asarray(ds["weight"].values, dtype=float) if "weight" in ds else np.ones(n)
    label = np.asarray(ds["period"].values) if "period" in ds else np.zeros(n, dtype=int)
    scale = HOURS_PER_YEAR / float(weight.sum())
    # Runs of equal labels: the first hour of a run follows the last hour of the same run.
    starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    ends = np.r_[starts[1:], n] - 1
    previous = np.arange(n) - 1
    previous[starts] = ends
    labels = np.unique(label)
    group = label[None, :] == labels[:, None]
    return Periods(weight, weight * scale, scale, label, previous, group)
