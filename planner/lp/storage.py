"""Storage block: batteries sized in power and energy apart, linked across days or cyclic per period.

Variables: battery_power (site, MW), battery_energy (site, MWh); hourly
charge, discharge (site, time, MW at the site bus) and soc (site, time, MWh stored).
The round-trip efficiency is split evenly: sqrt(eta) on charge and on discharge,
  soc[t] = soc[t-1] + sqrt(eta) * charge[t] - discharge[t] / sqrt(eta)
charge, discharge <= battery_power. Costs: capex per MW and per MWh annualised
over battery_lifetime, less the area subsidy, plus battery_fom per MW.

Two ways to close the first hour of a period (`linking`):

- "cyclic": t-1 of a period's first hour is its last hour, so nothing is carried
  between representative days; soc <= battery_energy.
- "linked" (needs the reduced Scenario's `day_cluster`): a yearly state of
  charge through the day order, Kotzur et al. (2018, Applied Energy 213,
  doi:10.1016/j.apenergy.2018.01.023) superposition as Calliope's
  `storage_inter_cluster` math (src/calliope/math/storage_inter_cluster.yaml)
  writes it: `soc_day[d]` (site, day) is the level at the start of day d of the
  full year, each representative period p repeats the same hourly deviation on
  every day it stands for, and
    soc_day[d + 1] = soc_day[d] + (net change of the day's period), cyclic over the year.
  Here `soc` is the level itself on each period's home day h(p) (the medoid's own
  date): soc[first hour of p] = soc_day[h(p)] + sqrt(eta) charge - discharge / sqrt(eta),
  so the deviation is soc - soc_day[h(p)] and every variable stays >= 0. Kotzur's
  simplified bounds with the period's highest and lowest level (soc_high, soc_low):
    soc_low[p] <= soc[t] <= soc_high[p] for the hours t of p,
    soc_day[d] + soc_high[p] - soc_day[h(p)] <= battery_energy,
    soc_day[d] + soc_low[p] - soc_day[h(p)] >= 0          for each day d of cluster p,
  so the level stays within [0, battery_energy] on every day of the year. Size:
  n_days + 2 n_periods variables and 3 n_days + n_hours rows per site more than "cyclic".
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.errors import PolicyError
from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of, site_subsidy
from planner.lp.periods import Periods
from planner.lp.policy_options import Policy

LINKING = ("auto", "linked", "cyclic")


def linking_of(periods: Periods, linking: str = "auto") -> str:
    """Resolve `linking`: "auto" is "linked" when the Scenario has a day order, else "cyclic".

    Linked is the default because cyclic days cannot carry a sunny day's surplus into a
    dull one, which makes the plan's storage (and its CFE on the full year) look worse
    on some days and better on others than the year it stands for.
    """
    if linking not in LINKING:
        raise PolicyError(f"storage_linking = {linking!r}: unknown (rule: one of {list(LINKING)})")
    if linking == "linked" and periods.day_cluster is None:
        raise PolicyError(
            "storage_linking = 'linked': the scenario has no day_cluster (rule: reduce it with "
            "planner.reduce_time; a full-year scenario is one cyclic period already)"
        )
    if linking == "auto":
        return "cyclic" if periods.day_cluster is None else "linked"
    return linking


def add_storage(
    m: Model, ds: xr.Dataset, periods: Periods, policy: Policy, linking: str = "auto"
) -> None:
    """Add battery sizes, hourly charge/discharge/soc, their limits and costs."""
    linking = linking_of(periods, linking)
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
    if linking == "linked":
        _add_linked_soc(m, periods, root)
    else:
        _add_cyclic_soc(m, periods, root)
    _add_costs(m, ds, policy)


def _add_cyclic_soc(m: Model, periods: Periods, root: float) -> None:
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


def _add_linked_soc(m: Model, periods: Periods, root: float) -> None:
    n_hours, n_days, n_periods = len(periods.label), periods.n_days, len(periods.first)
    m.coords.setdefault("day", np.arange(n_days))
    m.coords.setdefault("period", np.arange(n_periods))
    m.add_variables("soc_day", ("site", "day"), "MWh")
    m.add_variables("soc_high", ("site", "period"), "MWh")
    m.add_variables("soc_low", ("site", "period"), "MWh")
    starts = np.zeros(n_hours, dtype=bool)
    starts[periods.first] = True
    m.add_constraints(
        "soc_balance",
        ("site", "time"),
        [
            ("soc", 1.0),
            ("soc", -1.0, (1, periods.previous)),
            ("charge", -root),
            ("discharge", 1.0 / root),
        ],
        "==",
        row_mask=~starts[None, :],
    )
    # Hourly rows against the period's extremes: one-hot over periods (n_periods per row).
    in_period = (periods.position[:, None] == np.arange(n_periods)[None, :]).astype(float)
    m.add_constraints("soc_high", ("site", "time"), [("soc", 1.0), ("soc_high", -in_period)], "<=")
    m.add_constraints("soc_low", ("site", "time"), [("soc", -1.0), ("soc_low", in_period)], "<=")

    home = periods.home_day
    sites = np.arange(m.size("site"))
    # First hour of each period starts from its home day's level.
    s, p = (a.ravel() for a in np.meshgrid(sites, np.arange(n_periods), indexing="ij"))
    t = periods.first[p]
    _gathered_rows(
        m,
        "soc_start",
        [
            ("soc", (s, t), 1.0),
            ("soc_day", (s, home[p]), -1.0),
            ("charge", (s, t), -root),
            ("discharge", (s, t), 1.0 / root),
        ],
        "==",
    )
    # Day to day: the level moves by the net change of the day's period (cyclic year).
    s, d = (a.ravel() for a in np.meshgrid(sites, np.arange(n_days), indexing="ij"))
    c = periods.day_cluster[d]
    level = [("soc_day", (s, d), 1.0), ("soc_day", (s, home[c]), -1.0)]
    _gathered_rows(
        m,
        "soc_day_balance",
        [
            ("soc_day", (s, (d + 1) % n_days), 1.0),
            *_negate(level),
            ("soc", (s, periods.last[c]), -1.0),
        ],
        "==",
    )
    _gathered_rows(
        m,
        "soc_day_max",
        [*level, ("soc_high", (s, c), 1.0), ("battery_energy", (s,), -1.0)],
        "<=",
    )
    _gathered_rows(m, "soc_day_min", [*level, ("soc_low", (s, c), 1.0)], ">=")


def _negate(terms: list) -> list:
    return [(block, index, -coef) for block, index, coef in terms]


def _gathered_rows(m: Model, name: str, terms: list, sense: str, rhs: float = 0.0) -> None:
    """Rows r: sum of coef x block[index[r]] over terms (repeated variables summed) `sense` rhs.

    Each term is ``(block, index, coef)``: `index` a tuple of integer arrays (one per
    block dim, one entry per row), `coef` a scalar or an array over rows.
    """
    columns = []
    for block, index, coef in terms:
        vars_ = m.blocks[block].vars[index]
        columns.append((vars_, np.broadcast_to(np.asarray(coef, dtype=float), vars_.shape)))
    rows = []
    for r in range(len(columns[0][0])):
        row: dict = {}
        for vars_, coef in columns:
            row[vars_[r]] = row.get(vars_[r], 0.0) + coef[r]
        pairs = [(v, c) for v, c in row.items() if c != 0.0]
        if pairs:
            rows.append((pairs, sense, rhs))
    m.add_rows(name, rows)


def _add_costs(m: Model, ds: xr.Dataset, policy: Policy) -> None:
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
