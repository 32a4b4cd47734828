"""Sites block: which sites open (binary or relaxed) and how much IT capacity each gets.

Variables: site_open (site, 0/1), it_capacity (site, MW).
Constraints: it_capacity <= site_it_max * site_open; min_sites <= sum(site_open) <= max_sites.
Costs: site opening (fixed capex, annualised over site_lifetime) and IT halls
(it_capex annualised over it_lifetime, plus it_fom), both less the area subsidy.
"""

from __future__ import annotations

import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of, site_subsidy
from planner.lp.policy_options import Policy


def add_sites(m: Model, ds: xr.Dataset, policy: Policy, relax_siting: bool) -> None:
    """Add site_open and it_capacity with their limits and costs."""
    it_max = ds["site_it_max"].values
    m.add_variables("site_open", ("site",), "1", upper=1.0, binary=not relax_siting)
    m.add_variables("it_capacity", ("site",), "MW", upper=it_max)
    m.add_constraints(
        "it_max", ("site",), [("it_capacity", 1.0), ("site_open", -it_max)], "<=", 0.0
    )
    if policy.min_sites is not None:
        m.add_constraints("min_sites", (), [("site_open", 1.0)], ">=", policy.min_sites)
    if policy.max_sites is not None:
        m.add_constraints("max_sites", (), [("site_open", 1.0)], "<=", policy.max_sites)

    keep = 1.0 - site_subsidy(ds, policy.subsidy)
    site_capex = ds["site_fixed_capex"].values * keep / MONEY
    it_capex = ds["it_capex"].values * keep / MONEY
    m.add_cost("costs", "sites", "site_open", site_capex * crf_of(ds, "site_lifetime"))
    m.add_cost(
        "costs",
        "it",
        "it_capacity",
        it_capex * crf_of(ds, "it_lifetime") + ds["it_fom"].values / MONEY,
    )
    m.add_cost("capital", "sites", "site_open", site_capex)
    m.add_cost("capital", "it", "it_capacity", it_capex)
