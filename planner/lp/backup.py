"""Backup block: emergency gensets at each site, sized to cover its facility load.

Variable: backup_power (site, MW). Constraint: backup_power >= backup_coverage x
peak PUE (over the modelled hours) x it_capacity, so a site whose grid is down can
still run its built IT. Costs: backup_capex annualised over backup_lifetime (less
the area subsidy, as other site capital) plus backup_fom. Backup runs only in
emergencies (a site or its grid down, which the Monte Carlo draws); the LP never
dispatches it, so it pays no fuel here and backup is no way to avoid grid prices.
With backup_coverage = 0 no variable is made and the plan has none.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of, site_subsidy
from planner.lp.policy_options import Policy
from planner.lp.results import block_values


def peak_pue(ds: xr.Dataset) -> np.ndarray:
    """Highest PUE of each site over the modelled hours, shape (site,)."""
    return ds["pue"].transpose("site", "time").values.max(axis=1)


def add_backup(m: Model, ds: xr.Dataset, policy: Policy) -> None:
    """Add backup_power with its sizing rows and costs (nothing when coverage is 0)."""
    if policy.backup_coverage <= 0:
        return
    m.add_variables("backup_power", ("site",), "MW")
    m.add_constraints(
        "backup_cover",
        ("site",),
        [("backup_power", 1.0), ("it_capacity", -policy.backup_coverage * peak_pue(ds))],
        ">=",
        0.0,
    )
    capex = float(ds["backup_capex"]) * (1.0 - site_subsidy(ds, policy.subsidy)) / MONEY
    annual = capex * crf_of(ds, "backup_lifetime") + float(ds["backup_fom"]) / MONEY
    m.add_cost("costs", "backup", "backup_power", annual)
    m.add_cost("capital", "backup", "backup_power", capex)


def backup_results(m: Model, ds: xr.Dataset) -> dict[str, xr.DataArray]:
    """The Plan's `backup_power` (MW, site): solved, or zeros when the plan has no backup."""
    values = (
        block_values(m, "backup_power") if "backup_power" in m.blocks else np.zeros(m.size("site"))
    )
    return {
        "backup_power": xr.DataArray(values, dims=("site",), coords={"site": ds["site"].values})
    }
