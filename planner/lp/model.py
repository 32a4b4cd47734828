"""`plan`: validate, build the LP block by block, solve, and return the Plan Dataset.

Blocks (one module each): sites, backup, network, training, storage, power, policy,
objective. The build and the solve are timed apart (`build_seconds`,
`solve_seconds`); the model size (`n_rows`, `n_cols`, `n_nonzeros`) is recorded.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np
import pulp
import xarray as xr

from planner.contracts.plan import PLAN_SCHEMA
from planner.contracts.table import apply_attrs
from planner.errors import PolicyError
from planner.lp.backup import add_backup, backup_results
from planner.lp.core import MONEY, Model
from planner.lp.network import add_network, network_results
from planner.lp.objective import add_objective
from planner.lp.periods import time_structure
from planner.lp.policy import add_policy
from planner.lp.policy_options import Policy, as_policy, check_against_scenario
from planner.lp.power import add_power
from planner.lp.results import dispatch_metrics, shortfalls, to_plan
from planner.lp.sites import add_sites
from planner.lp.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT, SOLVERS, Solved, solve
from planner.lp.storage import BLOCKS as STORAGE_BLOCKS
from planner.lp.storage import add_storage, linking_of
from planner.lp.training import add_training
from planner.scenario.validate import validate

log = logging.getLogger(__name__)


class PlanWarning(UserWarning):
    """The plan was returned but needs attention (unserved energy, time limit reached)."""


def build_model(
    ds: xr.Dataset, policy: Policy, relax_siting: bool = False, storage_linking: str = "auto"
) -> Model:
    """Build the planning LP of a validated Scenario."""
    periods = time_structure(ds)
    coords = {d: ds[d].values for d in ("site", "area", "node", "gen", "backhaul", "time")}
    m = Model(pulp.LpProblem("planner", pulp.LpMinimize), coords)
    add_sites(m, ds, policy, relax_siting)
    add_backup(m, ds, policy)
    add_network(m, ds)
    add_training(m, ds, periods)
    add_storage(m, ds, periods, policy, storage_linking)
    add_power(m, ds, periods, policy)
    add_policy(m, ds, periods, policy)
    add_objective(m)
    # The storage columns are what the solver's first pass leaves out (planner.lp.solve).
    held = [m.blocks[b].vars[m.blocks[b].mask] for b in STORAGE_BLOCKS if b in m.blocks]
    m.prob.deferred = np.concatenate(held) if held else None
    return m


def plan(
    scenario: xr.Dataset,
    policy: Policy | dict[str, Any] | None = None,
    solver: str = "highs",
    relax_siting: bool = False,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    mip_gap: float = DEFAULT_MIP_GAP,
    highs_options: dict[str, Any] | None = None,
    storage_linking: str = "auto",
) -> xr.Dataset:
    """Site, size and dispatch the data centres of `scenario` under `policy`; return the Plan.

    solver: "highs" (highspy) or "cbc" (bundled with PuLP). relax_siting: site_open
    continuous in [0, 1] instead of binary. time_limit: seconds (None: no limit); a
    solve that reaches it returns its feasible plan with a `PlanWarning`. mip_gap:
    relative gap accepted (the rounded LP relaxation is taken when its proven gap
    is within it). The plan states its proven gap in `attrs["mip_gap"]` and the log.
    highs_options: HiGHS options by name, e.g. {"solver": "ipm"} (interior point,
    faster on large relaxed models), checked against HiGHS before building (PolicyError).
    storage_linking: "linked" (a yearly state of charge through the reduced scenario's
    day_cluster), "cyclic" (per period), "auto" (linked when there is a day_cluster).
    Raises PolicyError (bad policy or option), ScenarioError, SolverError.
    """
    policy = as_policy(policy)
    _check_options(solver, time_limit, mip_gap, highs_options)
    ds = validate(scenario)
    check_against_scenario(policy, ds)
    storage_linking = linking_of(time_structure(ds), storage_linking)

    start = time.perf_counter()
    m = build_model(ds, policy, relax_siting, storage_linking)
    build_seconds = time.perf_counter() - start
    opens = [v for v in m.blocks["site_open"].vars.ravel() if v is not None]
    solved = solve(
        m.prob,
        solver,
        time_limit,
        mip_gap,
        integers=[] if relax_siting else opens,
        highs_options=highs_options,
    )

    result = to_plan(m, ds, time_structure(ds))
    result = apply_attrs(result.assign(network_results(m, ds) | backup_results(m, ds)), PLAN_SCHEMA)
    metrics = dispatch_metrics(result, ds) | shortfalls(m)
    log.info(
        "plan: %s (%s) in %.1f s, objective %.6g JPY/yr, proven relative gap %.3g (accepted %g)",
        solved.status,
        solved.solver_status,
        solved.seconds,
        solved.objective * MONEY,
        solved.mip_gap,
        mip_gap,
    )
    notes = _notes(solver, time_limit, solved, metrics, policy)
    for note in notes:
        warnings.warn(note, PlanWarning, stacklevel=2)
    result.attrs.update(
        status=solved.status,
        solver=solver,
        solver_status=solved.solver_status,
        solver_objective=solved.objective * MONEY,
        solve_seconds=solved.seconds,
        solver_seconds=solved.solver_seconds,
        build_seconds=build_seconds,
        mip_gap=solved.mip_gap,
        mip_gap_requested=mip_gap,
        time_limit=-1.0 if time_limit is None else float(time_limit),
        relax_siting=int(relax_siting),
        storage_linking=storage_linking,
        n_rows=m.n_rows,
        n_cols=m.n_cols,
        n_nonzeros=m.n_nonzeros,
        policy=policy.to_json(),
        warnings="\n".join(notes),
        **metrics,
    )
    return result


def _notes(
    solver: str, time_limit: float | None, solved: Solved, metrics: dict, policy: Policy
) -> list[str]:
    """What a planner must know about a returned plan: time limit, unserved load, missed targets."""
    notes = []
    if solved.status == "time_limit":
        notes.append(
            f"{solver} stopped at the time limit ({time_limit} s) with a feasible plan "
            f"(relative MIP gap {solved.mip_gap:.3g}); it may not be optimal"
        )
    load = metrics["served_energy"] + metrics["unserved_energy"]
    if metrics["unserved_energy"] > 1e-6 * max(load, 1.0):
        notes.append(
            f"{metrics['unserved_energy']:.6g} MWh/yr of facility energy is unserved "
            f"({metrics['unserved_energy'] / load:.2%} of load): the grid and site limits "
            "cannot serve it in full"
        )
    for field, name, metric, score in (
        ("re_share", "re_shortfall", "re_share", "annual renewable share"),
        ("cfe_target", "cfe_shortfall", "cfe_score", "hourly CFE score"),
    ):
        if metrics[name] > 1e-6 * max(load, 1.0):
            notes.append(
                f"{field} = {getattr(policy, field):g} is missed by {metrics[name]:.6g} MWh/yr: "
                f"the {score} reaches {metrics[metric]:.4f} of total "
                "load: within the site, potential and grid limits the rest cannot be met, or "
                "only at more than voll per MWh (the shortfall's price)"
            )
    return notes


def _check_options(
    solver: str, time_limit: float | None, mip_gap: float, highs_options: dict | None = None
) -> None:
    if solver not in SOLVERS:
        raise PolicyError(f"solver = {solver!r}: unknown solver (rule: one of {list(SOLVERS)})")
    if time_limit is not None and not time_limit > 0:
        raise PolicyError(f"time_limit = {time_limit!r}: must be > 0 seconds (or None)")
    if not 0 <= mip_gap < 1:
        raise PolicyError(f"mip_gap = {mip_gap!r}: must lie in [0, 1) (relative gap)")
    if highs_options and solver != "highs":
        raise PolicyError(
            f"highs_options = {highs_options!r}: only for solver 'highs', not {solver!r}"
        )
    if highs_options:
        import highspy

        from planner.lp.highs import quiet

        scratch = quiet()  # no banner on the console
        scratch.setOptionValue("output_flag", False)
        for key, value in highs_options.items():
            if scratch.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                raise PolicyError(
                    f"highs_options[{key!r}] = {value!r}: HiGHS rejects it (rule: a HiGHS option "
                    "name with a value of its type and range, e.g. {'solver': 'ipm'})"
                )
