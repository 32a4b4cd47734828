"""LP scaling: build and solve seconds, HiGHS against CBC, by modelled days and by sites.

Each case runs in its own process (`lp_case.py`) with the solver's time limit
and a hard wall-clock kill above it, so one slow case cannot eat the run.
Cases run in priority order until the suite's budget is spent.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

import planner
from benchmarks.child import failed, run_case
from benchmarks.lp_case import MARKER
from benchmarks.progress import Budget, Clock
from benchmarks.results import SuiteResult

FULL_YEAR = 0  # n_days = 0: the whole hourly year, no time reduction


@dataclass
class LpSizes:
    days: list[int]
    sites: list[int]
    sites_days: int
    full_year: bool
    highs_time_limit: float
    cbc_time_limit: float
    full_year_time_limit: float
    relaxed_time_limit: float  # HiGHS on a relaxed (pure LP) model, by interior point
    cbc_max_days: int  # CBC beyond this many days is not attempted
    cbc_max_sites: int
    binary_max_days: int  # above this many days site_open is relaxed (relax_siting=True)
    scenario: str = "japan_2030"


FULL = LpSizes(
    days=[4, 12, 24, 48],
    sites=[5, 10, 50],
    sites_days=4,
    full_year=True,
    highs_time_limit=120.0,
    cbc_time_limit=60.0,
    full_year_time_limit=180.0,
    relaxed_time_limit=300.0,
    cbc_max_days=24,
    cbc_max_sites=10,
    binary_max_days=12,
)
QUICK = LpSizes(
    days=[2, 4],
    sites=[3],
    sites_days=2,
    full_year=False,
    highs_time_limit=10.0,
    cbc_time_limit=10.0,
    full_year_time_limit=10.0,
    relaxed_time_limit=10.0,
    cbc_max_days=4,
    cbc_max_sites=3,
    binary_max_days=2,
    scenario="toy",
)


def case_list(sizes: LpSizes, s0: int) -> list[dict]:
    """Cases in priority order: HiGHS by days, the full year, CBC by days, HiGHS then CBC by sites."""

    def case(sweep, solver, n_days, n_sites, relax=None, limit=None):
        relax = n_days > sizes.binary_max_days if relax is None else relax
        ipm = solver == "highs" and relax  # a pure LP: HiGHS's interior point beats simplex
        if limit is None:
            limit = sizes.cbc_time_limit if solver == "cbc" else sizes.highs_time_limit
            limit = sizes.relaxed_time_limit if ipm else limit
        return dict(
            sweep=sweep,
            solver=solver,
            n_days=n_days,
            n_sites=n_sites,
            relax_siting=relax,
            time_limit=limit,
            highs_options={"solver": "ipm"} if ipm else None,
            scenario=sizes.scenario,
        )

    cases = [case("n_days", "highs", d, s0) for d in sizes.days]
    if sizes.full_year:  # build ~15 s and 2 GB; the solve gets a fixed limit
        year = case("full_year", "highs", FULL_YEAR, s0, True, sizes.full_year_time_limit)
        year["split"] = True
        cases.append(year)
    cases += [case("n_days", "cbc", d, s0) for d in sizes.days if d <= sizes.cbc_max_days]
    cases += [case("n_sites", "highs", sizes.sites_days, s) for s in sizes.sites if s != s0]
    cases += [
        case("n_sites", "cbc", sizes.sites_days, s)
        for s in sizes.sites
        if s != s0 and s <= sizes.cbc_max_sites
    ]
    return cases


def run_one(spec: dict, timeout: float) -> dict:
    """Run one case in a subprocess; kill it after `timeout` seconds."""
    env = {"JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")}
    t0 = time.perf_counter()
    out, why = run_case("benchmarks.lp_case", spec, MARKER, timeout, env)
    out = out if out is not None else failed(why, timeout)
    out["wall_seconds"] = time.perf_counter() - t0
    return out


def run(out_dir, clock: Clock, quick: bool = False, budget_seconds: float = 480.0) -> SuiteResult:
    """Run the LP suite and write `lp.json`."""
    sizes = QUICK if quick else FULL
    result = SuiteResult("lp", quick=quick, config=asdict(sizes))
    s0 = int(planner.load_scenario(sizes.scenario).sizes["site"])
    result.config["base_sites"] = s0
    budget = Budget(clock, budget_seconds)
    for spec in case_list(sizes, s0):
        label = (
            f"{spec['solver']} days={spec['n_days'] or 'full year'} sites={spec['n_sites']}"
            f"{' relaxed' if spec['relax_siting'] else ''}"
        )
        timeout = min(spec["time_limit"] * 1.5 + 90.0, budget.left)
        if timeout < (3.0 if quick else 20.0 + spec["time_limit"] * 0.25):
            result.skip(label, f"suite time budget spent ({budget.left:.0f} s left)")
            clock.log("lp", f"skip {label}: budget")
            continue
        out = run_one(spec, timeout)
        rec = result.add(**spec, **out)
        result.write(out_dir)  # partial results survive an interrupted run
        clock.log(
            "lp",
            f"{label}: {rec.get('status')} build {rec.get('build_seconds', float('nan')):.1f} s "
            f"solve {rec.get('solve_seconds', float('nan')):.1f} s "
            f"({rec.get('n_cols', '?')} cols)" + (f" {rec.get('error')}" if "error" in rec else ""),
        )
    result.note(
        f"Time limits: HiGHS {sizes.highs_time_limit:g} s, CBC {sizes.cbc_time_limit:g} s per solve "
        "(a solve stopped there with a plan is marked time_limit, without one no_solution). The "
        f"full 8760-hour year runs HiGHS only, with relax_siting=True, its build and solve timed "
        f"apart, and a solve limit of {sizes.full_year_time_limit:g} s: CBC and the binary model "
        "cannot finish it in reasonable time here. "
        "HiGHS on a relaxed model (a pure LP: 24 days and more, the full year) runs its "
        "interior-point method (`planner.plan(..., highs_options={'solver': 'ipm'})`, marked "
        f"'highs ipm'), limit {sizes.relaxed_time_limit:g} s; on the 48-day LP it finished where "
        "the default simplex had not within 120 s. "
        "CBC runs up to "
        f"{sizes.cbc_max_days} days and {sizes.cbc_max_sites} sites."
    )
    result.note(
        f"Binary siting (a MIP) up to {sizes.binary_max_days} modelled representative days; above "
        "that relax_siting=True (an LP) so that solve time measures model size rather than "
        f"branch and bound. The sites sweep runs at {sizes.sites_days} days with binary siting; "
        "cloned sites make the MIP harder (symmetric choices), so it may stop at its time limit."
    )
    result.note(
        "Days are representative days from `planner.reduce_time` plus its extreme days (peak "
        "demand, lowest renewables), so n_days=4 models 6 days. Sites above the data set's are "
        "synthetic clones (benchmarks/synthetic.py); demand is unchanged, so more sites mean "
        "more choice, not more load. Policy: the LP's defaults."
    )
    result.write(out_dir)
    return result
