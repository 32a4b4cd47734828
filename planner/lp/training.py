"""Training block: latency-tolerant IT load, flexible in place and in time within its period.

Variable: training_load (site, time, MW of IT load).
Constraint, for each period label p: the weighted training energy placed at all
sites over the hours of p equals the weighted training demand of those hours,
  sum_{s, t in p} w_t training_load[s, t] = sum_{t in p} w_t training_demand[t]
(each row divided by the period's weight, so it reads in mean MW).
Its IT and power needs enter the sites' IT capacity and power balance (`power`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import Model
from planner.lp.periods import Periods


def add_training(m: Model, ds: xr.Dataset, periods: Periods) -> None:
    """Add training_load and its per-period energy balance."""
    load = m.add_variables("training_load", ("site", "time"), "MW")
    demand = ds["training_demand"].values
    w = periods.weight
    rows = []
    for hours in periods.group:  # one row per period label
        t = np.flatnonzero(hours)
        share = w[t] / w[t].sum()  # rows in mean MW over the period, for scaling
        pairs = list(
            zip(load[:, t].ravel(), np.broadcast_to(share, load[:, t].shape).ravel(), strict=True)
        )
        rows.append((pairs, "==", float((share * demand[t]).sum())))
    m.add_rows("training_energy", rows)
