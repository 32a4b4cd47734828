"""Policy block: annual renewable matching, hourly CFE score, CO2 cap and capital budget.

Definitions (all sums over sites and modelled hours, weighted by hours per year;
total load L = pue x it_load, served or not, MWh of facility energy):

- Annual renewable matching (`re_share`, RE100-style): on-site renewable energy
  used on site or exported over the year, net of curtailment and battery
  losses, as a share of total load. The grid balances hour by hour:
      RE = sum (generation - curtailment - charge + discharge) / sum L
         = 1 - sum (grid_import - export + unserved) / sum L   (by the power balance).
  Exports are capped (`Policy.export_share_max`, in the power block), as in
  Riepin & Brown's 24/7 CFE model (PyPSA/247-cfe: `res_constraints`,
  `excess_constraints`, `ci.excess_share: 0.2`).
- Hourly CFE score (`cfe_target`, 24/7 carbon-free energy): in each site-hour,
  carbon-free supply to the load = on-site renewables used + discharge +
  grid_cfe x grid_import; exports count for nothing (as in PyPSA/247-cfe's
  `cfe_constraints`, which take `export` off the clean supply). By the power
  balance this is L - unserved - (1 - grid_cfe) grid_import, so no min is needed:
      CFE = 1 - sum ((1 - grid_cfe) grid_import + unserved) / sum L.
  Grid energy stored in the battery counts as grid energy when imported.
- Emissions = sum grid_co2 x grid_import (tCO2/yr), capped by `co2_cap`.
- Capital budget: overnight capital of every asset net of subsidy <= `capex_budget`.

Targets are met by energy, never by shedding: unserved energy counts against
both scores (it is part of the total load and supplies nothing). A target that
no build can meet keeps the model feasible through a shortfall variable
(`re_shortfall`, `cfe_shortfall`, MWh/yr of renewable or carbon-free energy
missing) priced at VOLL, which the Plan reports (attrs) and `plan` warns about.
"""

from __future__ import annotations

import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import expression_terms
from planner.lp.periods import Periods
from planner.lp.policy_options import Policy
from planner.lp.power import ENERGY, by_site, load_terms

SHORTFALLS = {"re_share": "re_shortfall", "cfe_target": "cfe_shortfall"}  # policy field -> block


def add_policy(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    """Add the policy rows the caller switched on."""
    w = periods.year_weight[None, :] / ENERGY
    if policy.re_share is not None:
        _add_target(
            m,
            "re_share",
            [("grid_import", w), ("export", -w), ("unserved", w)],
            load_terms(ds, periods, -(1.0 - policy.re_share) / ENERGY),
            policy,
        )
    if policy.cfe_target is not None:
        _add_target(
            m,
            "cfe_target",
            [("grid_import", w * (1.0 - by_site(ds, "grid_cfe"))), ("unserved", w)],
            load_terms(ds, periods, -(1.0 - policy.cfe_target) / ENERGY),
            policy,
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


def _add_target(m: Model, field: str, missing: list, allowed: list, policy: Policy) -> None:
    """Energy the target misses (GWh/yr) <= what it allows + shortfall; shortfall costs VOLL."""
    shortfall = SHORTFALLS[field]
    m.add_variables(shortfall, (), "GWh/yr")
    m.add_cost("costs", "target_shortfall", shortfall, policy.voll * ENERGY / MONEY)
    m.add_constraints(field, (), [*missing, *allowed, (shortfall, -1.0)], "<=")
