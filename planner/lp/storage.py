"""Storage block: batteries sized in power and energy apart, linked across days or cyclic per period.

Variables: battery_power (site, MW), battery_energy (site, MWh); hourly
charge, discharge (site, time, MW at the site bus) and soc (site, time, MWh stored).
The round-trip efficiency is split evenly: sqrt(eta) on charge and on discharge,
  soc[t] = soc[t-1] + sqrt(eta) * charge[t] - discharge[t] / sqrt(eta)
charge + discharge <= battery_power (one row; netting the two flows of an hour
keeps the optimum). Costs: capex per MW and per MWh annualised
over battery_lifetime, less the area subsidy, plus battery_fom per MW.

Two ways to close the first hour of a period (`linking`):

- "cyclic": t-1 of a period's first hour is its last hour, so nothing is carried
  between representative days; soc <= battery_energy.
- "linked" (needs the reduced Scenario's `day_cluster`): a yearly state of
  charge through the day order, Kotzur et al. (2018, Applied Energy 213,
  doi:10.1016/j.apenergy.2018.01.023) superposition as Calliope's
  `storage_inter_cluster` math (src/calliope/math/storage_inter_cluster.yaml)
  writes it: an inter-day level at the start of each day of the full year, each
  representative period p repeating the same hourly deviation on every day it
  stands for, level[d + 1] = level[d] + (net change of day d's period), cyclic
  over the year. Within a run of consecutive days of one period the level moves
  by the same net change each day, so one variable per run, `soc_run[r]` (site,
  run: the level at the run's first day), stands for its days:
    soc_run[r + 1] = soc_run[r] + length[r] * net[p(r)]        (cyclic over the runs)
  `soc` is the level itself on each period's home day h(p) (the first day of the
  run holding the medoid's own date), soc[first hour of p] = soc_run[run of h(p)]
  + sqrt(eta) charge - discharge / sqrt(eta), so net[p] = soc[last hour of p] -
  soc_run[run of h(p)], the deviation is soc - soc_run[run of h(p)], and every
  variable stays >= 0. Kotzur's simplified bounds with the period's highest and
  lowest level (soc_high, soc_low):
    soc_low[p] <= soc[t] <= soc_high[p] for the hours t of p,
    level + soc_high[p] - soc_run[run of h(p)] <= battery_energy,
    level + soc_low[p] - soc_run[run of h(p)] >= 0,
  on the first and the last day of each run (the level is linear in the day within
  a run, so these two bind), keep the level within [0, battery_energy] on every day
  of the year. Size per site over "cyclic": n_runs + 2 n_periods variables and
  n_hours + 3 n_runs + 2 (runs longer than a day) rows (Japan, 12 + 2 days: 216
  runs, 244 variables and 1,120 rows per site).
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
# Every column block of this module: what `planner.lp.solve` holds at 0 in its first pass.
BLOCKS = (
    "battery_power",
    "battery_energy",
    "charge",
    "discharge",
    "soc",
    "soc_run",
    "soc_high",
    "soc_low",
)


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
    # One row for both flows (charge + discharge <= battery_power) instead of one each: the
    # same optimum, since a plan that charges and discharges in one hour can net the two
    # flows (the smaller to 0) with the same state of charge, and the surplus that frees
    # goes to curtailment, which is free; no policy row reads charge or discharge.
    m.add_constraints(
        "battery_flow_max",
        ("site", "time"),
        [("charge", 1.0), ("discharge", 1.0), ("battery_power", -1.0)],
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
    n_hours, n_periods = len(periods.label), len(periods.first)
    # Runs of consecutive days of one period: within a run the level moves by the same net
    # change every day, so it is linear in the day and its bounds bind on the run's first
    # or last day only (216 runs for Japan's 365 days at 12 + 2 periods).
    cluster = periods.day_cluster
    run_start = np.flatnonzero(np.r_[True, cluster[1:] != cluster[:-1]])
    length = np.diff(np.r_[run_start, len(cluster)])
    run_cluster = cluster[run_start]
    home_run = np.searchsorted(run_start, periods.home_day)  # home days start their run
    m.coords.setdefault("run", run_start)
    m.coords.setdefault("period", np.arange(n_periods))
    m.add_variables("soc_run", ("site", "run"), "MWh")
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

    sites = np.arange(m.size("site"))
    # First hour of each period starts from its home day's level (the start of its run).
    s, p = (a.ravel() for a in np.meshgrid(sites, np.arange(n_periods), indexing="ij"))
    t = periods.first[p]
    _gathered_rows(
        m,
        "soc_start",
        [
            ("soc", (s, t), 1.0),
            ("soc_run", (s, home_run[p]), -1.0),
            ("charge", (s, t), -root),
            ("discharge", (s, t), 1.0 / root),
        ],
        "==",
    )
    # Run to run: the level moves by length x the net change of the run's period (cyclic).
    s, r = (a.ravel() for a in np.meshgrid(sites, np.arange(len(run_start)), indexing="ij"))
    c, k = run_cluster[r], length[r]
    net = [("soc", (s, periods.last[c]), 1.0), ("soc_run", (s, home_run[c]), -1.0)]
    _gathered_rows(
        m,
        "soc_run_balance",
        [
            ("soc_run", (s, (r + 1) % len(run_start)), 1.0),
            ("soc_run", (s, r), -1.0),
            *_scaled(net, -k),
        ],
        "==",
    )
    # Level on the run's first day (offset 0) and last day (offset k - 1) within the battery.
    for tag, offset, keep in (("first", 0, k > 0), ("last", k - 1, k > 1)):
        day = [("soc_run", (s[keep], r[keep]), 1.0), *_scaled(net, offset, keep)]
        deviation = [("soc_run", (s[keep], home_run[c[keep]]), -1.0)]
        high = [("soc_high", (s[keep], c[keep]), 1.0), ("battery_energy", (s[keep],), -1.0)]
        low = [("soc_low", (s[keep], c[keep]), 1.0)]
        _gathered_rows(m, f"soc_run_max_{tag}", [*day, *deviation, *high], "<=")
        _gathered_rows(m, f"soc_run_min_{tag}", [*day, *deviation, *low], ">=")


def _scaled(terms: list, factor, keep=None) -> list:
    """Terms with coefficients times `factor` (a scalar or per-row array), rows in `keep`."""
    out = []
    for block, index, coef in terms:
        f = np.asarray(factor, dtype=float)
        if keep is not None:
            index = tuple(i[keep] for i in index)
            f = f[keep] if f.ndim else f
        out.append((block, index, coef * f))
    return out


def _gathered_rows(m: Model, name: str, terms: list, sense: str, rhs: float = 0.0) -> None:
    """Rows r: sum of coef x block[index[r]] over terms (repeated variables summed) `sense` rhs.

    Each term is ``(block, index, coef)``: `index` a tuple of integer arrays (one per
    block dim, one entry per row), `coef` a scalar or an array over rows.
    """
    m.add_indexed_rows(name, terms, sense, rhs)


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
