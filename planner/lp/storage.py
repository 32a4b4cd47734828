"""Storage block: batteries sized in power and energy apart, cyclic within each period.

Variables: battery_power (site, MW), battery_energy (site, MWh); hourly
charge, discharge (site, time, MW at the site bus) and soc (site, time, MWh stored).
The round-trip efficiency is split evenly: sqrt(eta) on charge and on discharge,
  soc[t] = soc[t-1] + sqrt(eta) * charge[t] - discharge[t] / sqrt(eta)
with t-1 of the first hour of a period being the period's last hour (cyclic,
so no energy is created or carried between representative days).
charge, discharge <= battery_power; soc <= battery_energy.
Costs: capex per MW and per MWh annualised over battery_lifetime, less the
area subsidy, plus battery_fom per MW.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of, site_subsidy
from planner.lp.periods import Periods
from planner.lp.policy_options import Policy


def add_storage(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    """Add battery sizes, hourly charge/discharge/soc, their limits and costs."""
    root = float(np.sqrt(float(ds["battery_efficiency"])))
    m.add_variables("battery_power", ("site",), "MW")
    m.add_variables("battery_energy", ("site",), "MWh")
    for name in ("charge", "discharge"):
        m.add_variables(name, ("site", "time"), "MW")
        m.add_constraints(
            f"{name}_max",
            ("site", "time"),
            [(name, 1.0), ("battery_power", -1.0)],
            "<=",
        )
    m.add_variables("soc", ("site", "time"), "MWh")
    m.add_constraints("soc_max", ("site", "time"), [("soc", 1.0), ("battery_energy", -1.0)], "<=")
    # A one-hour period makes soc[t-1] the same variable as soc[t]: both terms then vanish.
    same = (periods.previous == np.arange(len(periods.previous))).astype(float)
    m.add_constraints(
        "soc_balance",
        ("site", "time"),
        [
            ("soc", 1.0 - same),
            ("soc", -(1.0 - same), (1, periods.previous)),
            ("charge", -root),
            ("discharge", 1.0 / root),
        ],
        "==",
    )

    keep = 1.0 - site_subsidy(ds, policy.subsidy)
    crf = crf_of(ds, "battery_lifetime")
    power_capex = float(ds["battery_capex_power"]) * keep / MONEY
    energy_capex = float(ds["battery_capex_energy"]) * keep / MONEY
    m.add_cost(
        "costs", "battery", "battery_power", power_capex * crf + float(ds["battery_fom"]) / MONEY
    )
    m.add_cost("costs", "battery", "battery_energy", energy_capex * crf)
    m.add_cost("capital", "battery", "battery_power", power_capex)
    m.add_cost("capital", "battery", "battery_energy", energy_capex)
