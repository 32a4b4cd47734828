"""What the Monte Carlo suites time: Japan 2030 (the toy when quick) and the default study's plan.

The plan is the one a user gets from `python -m planner.app`: the default config
composed by `planner.app.compose_settings` (policy, representative days, solver
and gap), solved by `planner.plan` on the reduced year. It is cached in
`<out>/.cache/` for the devices suite, whose subprocesses load it from there.
"""

from __future__ import annotations

import time
import warnings
from functools import cache
from pathlib import Path

import xarray as xr

import planner
from benchmarks.synthetic import scale_plan, scale_sites
from planner.io import write_netcdf

PLAN_TIME_LIMIT = 300.0  # seconds; the benchmark's cap on the default study's solve


@cache
def default_settings():
    """The default study's `planner.config.RunSettings` (configs/config.yaml, no overrides)."""
    from planner.app import compose_settings

    return compose_settings()


def default_policy() -> dict:
    """The default study's policy, as the `policy` dict of `planner.plan`."""
    settings = default_settings()
    return settings.policy.to_policy(settings.siting)


def plan_cache(out_dir, name: str) -> Path:
    """Where the plan of scenario `name` is cached under the results folder."""
    return Path(out_dir) / ".cache" / f"plan_{name}.nc"


def base_case(quick: bool, out_dir=None, reuse: bool = True):
    """(scenario, name, plan, plan source): Japan 2030 and its LP plan, or the toy's when quick.

    `reuse=True` (the devices and numba suites; the MC suite with --reuse-plan) loads a plan
    cached in the last six hours; `reuse=False` (the MC suite) always solves afresh so a run
    never times a stale plan.
    """
    name = "toy" if quick else "japan_2030"
    scenario = planner.validate(planner.load_scenario(name))
    cache = None if out_dir is None else plan_cache(out_dir, name)
    fresh = cache is not None and cache.exists() and cache.stat().st_mtime > time.time() - 6 * 3600
    if reuse and fresh:
        plan = xr.load_dataset(cache, engine="h5netcdf")
        return scenario, name, plan, plan.attrs.get("bench_source", "cached plan")
    plan = default_plan(scenario, quick)
    if cache is not None:
        plan.attrs["bench_source"] = "planner.plan"
        write_netcdf(plan, cache, overwrite=True)
    return scenario, name, plan, "planner.plan"


def default_plan(scenario: xr.Dataset, quick: bool) -> xr.Dataset:
    """`planner.plan` with the default study's settings (the toy's own week when quick)."""
    s = default_settings()
    n_days = s.time.n_days  # None: every hour
    reduced = scenario
    if not quick and n_days is not None and scenario.sizes["time"] > 24 * n_days:
        reduced = planner.reduce_time(scenario, n_days=n_days, extreme_days=s.time.extreme_days)
    with warnings.catch_warnings():  # the plan's own warnings (unserved load) are not ours
        warnings.simplefilter("ignore")
        return planner.plan(
            reduced,
            policy=default_policy(),
            solver=s.solver.name,
            relax_siting=s.solver.relax_siting,
            mip_gap=s.solver.mip_gap,
            time_limit=PLAN_TIME_LIMIT,
        )


_SCALED: dict = {}


def scaled(base: xr.Dataset, plan: xr.Dataset, n_sites: int):
    """(scenario, plan) with `n_sites` synthetic sites (the base itself at its own size)."""
    if n_sites == base.sizes["site"]:
        return base, plan
    key = (id(base), n_sites)
    if key not in _SCALED:
        scn = scale_sites(base, n_sites, seed=1)
        _SCALED[key] = (scn, scale_plan(plan, scn))
    return _SCALED[key]
