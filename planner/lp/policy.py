"""Policy block: renewable matching, hourly CFE score, CO2 cap and capital budget.

Definitions (all sums over sites and modelled hours, weighted by hours per year;
served load = pue x it_load - unserved, MWh of facility energy actually supplied):

- Annual renewable matching (`re_share`): the share of served load met by
  on-site renewables, net of curtailment and battery losses,
      RE = sum (generation - curtailment - charge + discharge) / sum served
         = 1 - sum grid_import / sum served          (by the power balance).
  Sites do not export, so surplus renewables count only through the battery;
  the grid's carbon-free share does not count here.
- Hourly CFE score (`cfe_target`, the 24/7 carbon-free-energy score): in each
  site-hour, carbon-free supply = on-site renewables used + discharge +
  grid_cfe x grid_import, counted at most up to the load. Because each site
  balances locally, min(CFE supply, load) = served - (1 - grid_cfe) grid_import,
  so no min is needed:
      CFE = 1 - sum (1 - grid_cfe) grid_import / sum served.
  Grid energy stored in the battery counts as grid energy when imported.
- Emissions = sum grid_co2 x grid_import (tCO2/yr), capped by `co2_cap`.
- Capital budget: overnight capital of every asset net of subsidy <= `capex_budget`.

Impossible targets: the targets bind on *served* load, so a target that no
build can meet is met by not serving load; that unserved energy costs VOLL and
the Plan reports it (e.g. 100% CFE with no renewable potential serves nothing
from the grid and reports all load unserved) instead of the solver failing.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import expression_terms
from planner.lp.periods import Periods
from planner.lp.policy_options import Policy
from planner.lp.power import by_site

ENERGY = 1.0e3  # MWh per unit in policy rows (GWh), for conditioning


def served_terms(ds: xr.Dataset, periods: Periods, scale: float) -> list:
    """Terms of scale x (weighted served facility energy), summed over sites and hours."""
    w = periods.year_weight[None, :] * scale
    pue = ds["pue"].transpose("site", "time").values
    demand = ds["inference_demand"].transpose("node", "time").values
    share = np.einsum("st,nt->ns", w * pue, demand)  # weighted energy per unit share
    return [("share", share), ("training_load", w * pue), ("unserved", -w)]


def add_policy(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    """Add the policy rows the caller switched on."""
    w = periods.year_weight[None, :] / ENERGY
    if policy.re_share is not None:
        m.add_constraints(
            "re_share",
            (),
            [("grid_import", w), *served_terms(ds, periods, -(1.0 - policy.re_share) / ENERGY)],
            "<=",
        )
    if policy.cfe_target is not None:
        dirty = w * (1.0 - by_site(ds, "grid_cfe"))
        m.add_constraints(
            "cfe_score",
            (),
            [
                ("grid_import", dirty),
                *served_terms(ds, periods, -(1.0 - policy.cfe_target) / ENERGY),
            ],
            "<=",
        )
    if policy.co2_cap is not None:
        m.add_constraints(
            "co2_cap",
            (),
            [("grid_import", w * by_site(ds, "grid_co2"))],
            "<=",
            policy.co2_cap / ENERGY,
        )
    if policy.capex_budget is not None:
        m.add_constraints(
            "capex_budget", (), expression_terms(m, "capital"), "<=", policy.capex_budget / MONEY
        )
